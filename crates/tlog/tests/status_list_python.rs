//! The status list's `encodedList` read by code not written here: Python's
//! standard library (`base64`, `gzip`), following the W3C Bitstring Status
//! List's decoding steps (strip the multibase `u`, base64url-decode,
//! GZIP-decompress, bit 0 is the most significant bit of the first byte).
//! CPython is on every machine this project tests on; the test fails
//! rather than skips without it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

use std::process::Command;

use starmark_tlog::status_list::{Bitstring, MIN_BITS};

const DECODE: &str = r#"
import base64, gzip, sys
text = sys.stdin.read().strip()
assert text[0] == "u", "multibase base64url"
raw = gzip.decompress(base64.urlsafe_b64decode(text[1:] + "=" * (-len(text[1:]) % 4)))
print(len(raw) * 8)
print(" ".join(str(i) for i in range(len(raw) * 8) if raw[i // 8] & (0x80 >> (i % 8))))
"#;

#[test]
fn python_reads_the_bits_we_set() {
    let top = MIN_BITS as u64 + 5;
    let set = [0u64, 1, 7, 8, 1000, MIN_BITS as u64 - 1, top];
    let mut list = Bitstring::for_indexes(Some(top));
    for i in set {
        assert!(list.set(i, true));
    }
    let out = Command::new("python3")
        .args(["-c", DECODE])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(list.encode().as_bytes())?;
            c.wait_with_output()
        })
        .unwrap_or_else(|e| panic!("python3 is needed for this test: {e}"));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next().unwrap().parse::<u64>().unwrap(), list.len_bits());
    let bits: Vec<u64> = lines.next().unwrap().split(' ').map(|b| b.parse().unwrap()).collect();
    assert_eq!(bits, set);
}
