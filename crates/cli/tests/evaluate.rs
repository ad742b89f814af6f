//! `starmark evaluate` end to end on the test devices (real Debian daemons
//! in network namespaces; needs root, fails without): scan the device,
//! evaluate the vendor's checklist with the scan and the SBOM check, keep
//! the evidence in a signed bundle, and run the registry's format check on
//! the result.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;
use starmark_testbed::Profile;

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/star-1-home-camera/checklist.toml");
const VULN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../vuln/tests/data");

fn starmark(args: &[&str]) -> std::process::Output {
    Command::cargo_bin("starmark").unwrap().args(args).output().unwrap()
}

fn all(o: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// Scans the device into `dir/scan.json` and evaluates the example
/// checklist with it and the SBOM scenario; returns the exit code and the
/// evaluation.
fn evaluate(addr: &str, dir: &Path, scenario: &str, sbom: &str) -> (i32, Value) {
    let scan = starmark(&["scan", addr, "--json"]);
    let scan_path = dir.join("scan.json");
    std::fs::write(&scan_path, &scan.stdout).unwrap();
    let key = dir.join("evaluator.key");
    assert!(starmark(&["keygen", "--out", key.to_str().unwrap()]).status.success());
    let out = dir.join("out");
    let o = starmark(&[
        "evaluate",
        "--checklist",
        EXAMPLE,
        "--scan-results",
        scan_path.to_str().unwrap(),
        "--sbom",
        &format!("{VULN}/scenarios/{scenario}/{sbom}"),
        "--advisories",
        &format!("{VULN}/osv"),
        "--key",
        key.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--json",
    ]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", all(&o)));
    // The bundle verifies against the evaluator's key, and names the scan.
    let verify = starmark(&[
        "evidence",
        "verify",
        out.join("evidence").to_str().unwrap(),
        "--key",
        &format!("{}.pub", key.display()),
    ]);
    assert!(verify.status.success(), "{}", all(&verify));
    assert!(out.join("evidence/scan/scan-1.json").exists());
    assert_eq!(std::fs::read(out.join("evidence/scan/scan-1.json")).unwrap(), scan.stdout);
    (o.status.code().unwrap(), v)
}

fn item<'a>(v: &'a Value, id: &str) -> &'a Value {
    v["items"].as_array().unwrap().iter().find(|i| i["id"] == id).unwrap()
}

#[test]
fn the_weak_device_fails_s1_1_02_and_s1_1_13_with_evidence() {
    let mut p = Profile::weak().unwrap_or_else(|e| panic!("the weak test device cannot run here: {e}"));
    let addr = p.device.addr.to_string();
    let tmp = tempfile::tempdir().unwrap();
    let (code, v) = evaluate(&addr, tmp.path(), "vulnerable_component", "sbom.cdx.json");
    p.check_running().unwrap();
    assert_eq!(code, 1, "{v:#}");
    let s13 = item(&v, "S1.1-13");
    assert_eq!(s13["verdict"], "does_not_conform");
    assert_eq!(s13["decided_by"], "device_check");
    let f13: Vec<&str> = s13["findings"].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect();
    assert!(f13.contains(&"risky/tcp/23"), "{f13:?}");
    assert!(f13.contains(&"CVE-2014-9390/pkg:pypi/mercurial@3.1"), "{f13:?}");
    let s02 = item(&v, "S1.1-02");
    assert_eq!(s02["verdict"], "does_not_conform");
    assert_eq!(s02["decided_by"], "device_overrides_document");
    assert!(
        s02["findings"].as_array().unwrap().iter().any(|f| f.as_str().unwrap().starts_with("default-credentials/")),
        "{s02:#}"
    );
    // The vendor said both conform: contradictions, named.
    assert!(s02["contradiction"].as_str().unwrap().contains("default-credentials/"), "{s02:#}");
    assert!(s13["contradiction"].is_string());
    // Only the brute-force test decides S1.1-04; it did not run.
    assert_eq!(item(&v, "S1.1-04")["verdict"], "inconclusive");
    // The registry's format check refuses the completed checklist, naming the items.
    let o = starmark(&["checklist", "check", tmp.path().join("out/checklist.toml").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", all(&o));
    for id in ["S1.1-02", "S1.1-13"] {
        assert!(all(&o).contains(&format!("{id} is `does_not_conform`")), "{id}: {}", all(&o));
    }
}

#[test]
fn the_hardened_device_conforms_on_s1_1_13() {
    let mut p = Profile::hardened().unwrap_or_else(|e| panic!("the hardened test device cannot run here: {e}"));
    let addr = p.device.addr.to_string();
    let tmp = tempfile::tempdir().unwrap();
    let (_, v) = evaluate(&addr, tmp.path(), "no_vulns", "sbom.spdx.json");
    p.check_running().unwrap();
    let s13 = item(&v, "S1.1-13");
    assert_eq!(s13["verdict"], "conforms", "{s13:#}");
    let f13: Vec<&str> = s13["findings"].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect();
    assert_eq!(f13, ["exposed/tcp/22", "exposed/tcp/443"]);
    assert_eq!(item(&v, "S1.1-02")["verdict"], "conforms");
    assert_eq!(item(&v, "S1.1-02")["decided_by"], "document");
    assert_eq!(v["contradictions"], 0);
    assert_eq!(v["evidence_manifest_sha256"].as_str().unwrap().len(), 64);
    // The completed checklist cites the scan report by its digest.
    let completed = std::fs::read_to_string(tmp.path().join("out/checklist.toml")).unwrap();
    assert!(completed.contains("evidence/scan/scan-1.json"), "{completed}");
    assert!(completed.contains("finding = \"exposed/tcp/22\""), "{completed}");
    // …and names the bundle by its manifest's digest, which the registry keeps.
    let digest = v["evidence_manifest_sha256"].as_str().unwrap();
    assert!(completed.contains(&format!("manifest_sha256 = \"{digest}\"")), "{completed}");
    let check = starmark(&["checklist", "check", tmp.path().join("out/checklist.toml").to_str().unwrap(), "--json"]);
    let report: Value = serde_json::from_slice(&check.stdout).unwrap();
    assert!(!report.to_string().contains("evidence-bundle"), "{report:#}");
}

#[test]
fn bad_input_is_refused_and_nothing_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let key = tmp.path().join("k");
    assert!(starmark(&["keygen", "--out", key.to_str().unwrap()]).status.success());
    std::fs::write(tmp.path().join("not-a-scan.json"), br#"{"format": "starmark-vuln/1"}"#).unwrap();
    let out = tmp.path().join("out");
    let o = starmark(&[
        "evaluate",
        "--checklist",
        EXAMPLE,
        "--scan-results",
        tmp.path().join("not-a-scan.json").to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(all(&o).contains("not-a-scan.json: not a starmark-scan/1 report"), "{}", all(&o));
    assert!(!out.exists());
    // The SBOM without advisories is a usage error.
    let o = starmark(&[
        "evaluate",
        "--checklist",
        EXAMPLE,
        "--sbom",
        "x.json",
        "--key",
        key.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!out.exists());
}
