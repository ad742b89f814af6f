//! `starmark vuln`, run as a vendor runs it: the scenario fixtures of
//! `crates/vuln` through the binary — exit codes, text, JSON, SARIF, and
//! errors that name the file.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

use assert_cmd::Command;
use serde_json::Value;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../vuln/tests/data");

fn vuln(scenario: &str, sbom: &str, extra: &[&str]) -> std::process::Output {
    let mut c = Command::cargo_bin("starmark").unwrap();
    c.args(["vuln", "--sbom", &format!("{DATA}/scenarios/{scenario}/{sbom}"), "--advisories", &format!("{DATA}/osv")]);
    for a in extra {
        c.arg(a.replace("{dir}", &format!("{DATA}/scenarios/{scenario}")));
    }
    c.output().unwrap()
}

fn text(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn exit_codes_follow_the_verdict() {
    let o = vuln("no_vulns", "sbom.spdx.json", &[]);
    assert_eq!(o.status.code(), Some(0), "{}{}", text(&o), String::from_utf8_lossy(&o.stderr));
    assert!(text(&o).starts_with("S1.1-13 known vulnerabilities: conforms"), "{}", text(&o));
    let o = vuln("vulnerable_component", "sbom.cdx.json", &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("CVE-2014-9390  pkg:pypi/mercurial@3.1"), "{}", text(&o));
    let o = vuln("unidentified_components", "sbom.cdx.json", &[]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    let o = vuln("vex_suppressed", "sbom.cdx.json", &["--vex", "{dir}/vex.cdx.json", "--vex", "{dir}/vex.csaf.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("Suppressed by VEX (4)"), "{}", text(&o));
}

#[test]
fn json_and_sarif() {
    let o = vuln("vulnerable_component", "sbom.cdx.json", &["--json"]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["format"], "starmark-vuln/1");
    assert_eq!(v["verdict"], "does_not_conform");
    assert_eq!(v["criterion"], "S1.1-13");
    assert_eq!(v["advisories"]["records"], 15);
    assert_eq!(v["advisories"]["sha256"].as_str().unwrap().len(), 64);
    let ids: Vec<&str> = v["findings"].as_array().unwrap().iter().map(|f| f["advisory"].as_str().unwrap()).collect();
    assert_eq!(ids, ["ALPINE-CVE-2025-26519", "CVE-2014-9390", "CVE-2020-26160", "DLA-3008-1"]);
    assert_eq!(v["findings"][1]["matched"][0]["range"], "ECOSYSTEM");
    assert_eq!(v["findings"][1]["matched"][0]["ordering"], "pep440");

    let o = vuln("vulnerable_component", "sbom.cdx.json", &["--sarif"]);
    assert_eq!(o.status.code(), Some(1));
    let s: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(s["version"], "2.1.0");
    let run = &s["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "starmark");
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 4);
    let rules: Vec<&str> =
        run["tool"]["driver"]["rules"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    for r in results {
        assert!(rules.contains(&r["ruleId"].as_str().unwrap()));
        assert_eq!(r["kind"], "fail");
        assert!(r["partialFingerprints"]["starmark/finding"].as_str().unwrap().contains("/pkg:"));
        assert_eq!(r["properties"]["criteria"][0], "S1.1-13");
    }
    // What could not be evaluated is a SARIF "open" result, never absent.
    let o = vuln("unidentified_components", "sbom.cdx.json", &["--sarif"]);
    let s: Value = serde_json::from_slice(&o.stdout).unwrap();
    let kinds: Vec<&str> =
        s["runs"][0]["results"].as_array().unwrap().iter().map(|r| r["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["open", "open"]);
    assert_eq!(s["runs"][0]["properties"]["verdict"], "inconclusive");
}

#[test]
fn bad_input_is_exit_2_naming_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("broken-sbom.json");
    std::fs::write(&bad, "{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.6\", \"components\": [").unwrap();
    let o = Command::cargo_bin("starmark")
        .unwrap()
        .args(["vuln", "--sbom", bad.to_str().unwrap(), "--advisories", &format!("{DATA}/osv")])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("broken-sbom.json: not JSON") && err.contains("line 1"), "{err}");
    assert!(o.stdout.is_empty(), "nothing half-printed");

    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let o = Command::cargo_bin("starmark")
        .unwrap()
        .args([
            "vuln",
            "--sbom",
            &format!("{DATA}/scenarios/no_vulns/sbom.spdx.json"),
            "--advisories",
            empty.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no *.json advisory files"));

    let o = vuln("no_vulns", "sbom.spdx.json", &["--vex", "{dir}/missing-vex.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("missing-vex.json"));

    let o = vuln("no_vulns", "sbom.spdx.json", &["--json", "--sarif"]);
    assert_eq!(o.status.code(), Some(2), "--json and --sarif conflict");
}
