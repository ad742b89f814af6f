//! `starmark keygen` and `starmark evidence pack|verify`, run as a vendor
//! and a scheme owner run them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

use assert_cmd::Command;
use serde_json::Value;

fn starmark(args: &[&str]) -> std::process::Output {
    Command::cargo_bin("starmark").unwrap().args(args).output().unwrap()
}

fn out(o: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

#[test]
fn keygen_pack_verify_and_tampering() {
    let tmp = tempfile::tempdir().unwrap();
    let p = |name: &str| tmp.path().join(name).to_str().unwrap().to_string();
    std::fs::write(p("scan.json"), br#"{"format": "starmark-scan/1"}"#).unwrap();
    std::fs::write(p("design.pdf"), b"%PDF").unwrap();

    let o = starmark(&["keygen", "--out", &p("vendor.key")]);
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("vendor.key.pub"));
    let o = starmark(&["keygen", "--out", &p("vendor.key")]);
    assert_eq!(o.status.code(), Some(2), "never overwrites a key");
    assert!(out(&o).contains("already exists"));
    assert!(starmark(&["keygen", "--out", &p("other.key")]).status.success());

    let o = starmark(&[
        "evidence",
        "pack",
        "--key",
        &p("vendor.key"),
        "--out",
        &p("bundle"),
        &format!("scan={}", p("scan.json")),
        &p("design.pdf"),
    ]);
    assert!(o.status.success(), "{}", out(&o));
    let digest = out(&o).lines().find_map(|l| l.strip_prefix("manifest SHA-256 ").map(str::to_string)).unwrap();
    assert!(std::path::Path::new(&p("bundle/scan/scan.json")).exists());
    assert!(std::path::Path::new(&p("bundle/documents/design.pdf")).exists());

    let o = starmark(&["evidence", "verify", &p("bundle"), "--key", &p("vendor.key.pub"), "--json"]);
    assert!(o.status.success(), "{}", out(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["valid"], true);
    assert_eq!(v["manifest_sha256"], digest.as_str());
    assert_eq!(v["key_pinned"], true);

    // Another vendor's key: refused, naming why.
    let o = starmark(&["evidence", "verify", &p("bundle"), "--key", &p("other.key.pub")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(out(&o).contains("not by the expected key"), "{}", out(&o));

    // A tampered file: refused, naming the file.
    std::fs::write(p("bundle/documents/design.pdf"), b"%PDF-forged").unwrap();
    let o = starmark(&["evidence", "verify", &p("bundle")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(out(&o).contains("documents/design.pdf: changed"), "{}", out(&o));

    // Bad input: exit 2 with the file named.
    std::fs::write(p("junk.key"), b"not a key").unwrap();
    let o = starmark(&["evidence", "pack", "--key", &p("junk.key"), "--out", &p("b2"), &p("scan.json")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(out(&o).contains("junk.key: not an Ed25519 private key"), "{}", out(&o));
    let o = starmark(&["evidence", "pack", "--key", &p("vendor.key"), "--out", &p("b3"), &p("missing.pdf")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(out(&o).contains("missing.pdf"), "{}", out(&o));
    assert!(!std::path::Path::new(&p("b3")).exists(), "nothing half written");
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".starmark-evidence-"))
        .collect();
    assert!(leftovers.is_empty(), "the staging folder is removed");
}
