//! A TLS check that cannot finish keeps what it found before: a fake on
//! loopback accepts TLS 1.0 and 1.1 (so `tls/legacy-version` is shown)
//! but then "chooses" a suite no one offered, so the suites stay unknown
//! and the check is inconclusive, with the legacy finding kept.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

use std::io::{Read, Write};
use std::net::TcpListener;

use starmark_probe::checks::{Check, CheckSettings, run_on};
use starmark_probe::findings::Proto;

/// A ServerHello at the ClientHello's own legacy version, suite 0x1337.
fn answer(hello: &[u8]) -> Vec<u8> {
    let version = [hello[9], hello[10]];
    let mut body = version.to_vec();
    body.extend_from_slice(&[7u8; 32]);
    body.extend_from_slice(&[0, 0x13, 0x37, 0]);
    let mut hs = vec![0x02, 0, 0, body.len() as u8];
    hs.extend(body);
    let mut rec = vec![0x16, version[0], version[1], 0, hs.len() as u8];
    rec.extend(hs);
    rec
}

#[tokio::test]
async fn findings_made_before_an_unfinished_tls_survey_are_kept() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            let mut buf = [0u8; 4096];
            if let Ok(n) = s.read(&mut buf)
                && n > 11
                && buf[0] == 0x16
            {
                let _ = s.write_all(&answer(&buf[..n]));
            }
        }
    });
    let mut s = CheckSettings::new(Vec::new());
    s.enabled = vec![Check::Tls];
    let results = run_on("127.0.0.1".parse().unwrap(), &[(Proto::Tcp, port, "tls")], &s).await;
    assert_eq!(results.len(), 1, "{results:#?}");
    let r = &results[0];
    assert_eq!(r.status, "inconclusive", "{r:#?}");
    assert!(r.reason.as_ref().unwrap().contains("not offered"), "{r:#?}");
    let ids: Vec<&str> = r.findings.iter().map(|f| f.id.as_str()).collect();
    assert!(ids.contains(&format!("inconclusive/tls/tcp/{port}").as_str()), "{ids:?}");
    assert!(ids.contains(&format!("tls/legacy-version/tcp/{port}").as_str()), "{ids:?}");
}
