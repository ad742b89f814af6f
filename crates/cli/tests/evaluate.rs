//! `starmark evaluate` end to end on the test devices (real Debian daemons
//! in network namespaces; needs root, fails without): scan the device,
//! evaluate the vendor's checklist with the scan and the SBOM check, keep
//! the evidence in a signed bundle, and apply to a registry the test
//! starts: the hardened device gets its label and product page, the weak
//! one is refused by the format check.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;
use starmark_testbed::Profile;

mod common;

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/star-1-home-camera/checklist.toml");
const VULN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../vuln/tests/data");

fn starmark(args: &[&str]) -> std::process::Output {
    Command::cargo_bin("starmark").unwrap().args(args).output().unwrap()
}

fn all(o: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// Evaluates the example checklist with a saved scan and an SBOM scenario
/// (`SCENARIO/FILE`); returns the process and its JSON evaluation.
fn evaluate_saved(scan: &Path, sbom: &str, key: &Path, out: &Path) -> (std::process::Output, Value) {
    let o = starmark(&[
        "evaluate",
        "--checklist",
        EXAMPLE,
        "--scan-results",
        scan.to_str().unwrap(),
        "--sbom",
        &format!("{VULN}/scenarios/{sbom}"),
        "--advisories",
        &format!("{VULN}/osv"),
        "--key",
        key.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--json",
    ]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", all(&o)));
    (o, v)
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
    let (o, v) = evaluate_saved(&scan_path, &format!("{scenario}/{sbom}"), &key, &out);
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

fn text_path(dir: &Path) -> std::path::PathBuf {
    dir.join("checklist.toml")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
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
    // The registry's format check refuses the completed checklist, naming the items…
    let completed = tmp.path().join("out/checklist.toml");
    let o = starmark(&["checklist", "check", completed.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", all(&o));
    for id in ["S1.1-02", "S1.1-13"] {
        assert!(all(&o).contains(&format!("{id} is `does_not_conform`")), "{id}: {}", all(&o));
    }
    // …and so does the registry when the vendor applies with it.
    let db = format!("sqlite://{}", tmp.path().join("registry.db").display());
    let t = common::setup(&db);
    let (mut server, url) = common::serve(&db);
    let (code, returned) = common::cli(&url, &t.vendor, &["apply", completed.to_str().unwrap()]);
    server.kill().unwrap();
    let _ = server.wait();
    assert_eq!((code, returned["status"].as_str()), (1, Some("returned")), "{returned:#}");
    for id in ["S1.1-02", "S1.1-13"] {
        assert!(returned.to_string().contains(&format!("{id} is `does_not_conform`")), "{id}: {returned:#}");
    }
}

/// The vendor's whole session on the hardened device: `evaluate` scans
/// it (with the brute-force test and the declared interfaces), checks the
/// SBOM and signs the evidence; `apply` files the completed checklist; the
/// owner clears the inquiry and grants; the product page shows the label
/// and says the vendor holds the evidence, by its digest.
#[test]
fn the_hardened_device_goes_from_evaluation_to_a_label() {
    let mut p = Profile::hardened().unwrap_or_else(|e| panic!("the hardened test device cannot run here: {e}"));
    let addr = p.device.addr.to_string();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let key = dir.join("evaluator.key");
    assert!(starmark(&["keygen", "--out", key.to_str().unwrap()]).status.success());
    let declared = dir.join("interfaces.toml");
    std::fs::write(
        &declared,
        "format = \"starmark-interfaces/1\"\n\
         [[interface]]\nproto = \"tcp\"\nport = 22\nservice = \"ssh\"\npurpose = \"maintenance, keys only\"\n\
         [[interface]]\nproto = \"tcp\"\nport = 443\nservice = \"https\"\npurpose = \"settings\"\n",
    )
    .unwrap();
    let out = dir.join("out");
    let o = starmark(&[
        "evaluate",
        "--checklist",
        EXAMPLE,
        "--target",
        &addr,
        "--declared",
        declared.to_str().unwrap(),
        "--danger-brute-force-test",
        "--sbom",
        &format!("{VULN}/scenarios/no_vulns/sbom.spdx.json"),
        "--advisories",
        &format!("{VULN}/osv"),
        "--key",
        key.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--json",
    ]);
    p.check_running().unwrap();
    let v: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", all(&o)));
    assert_eq!(o.status.code(), Some(0), "{v:#}");
    let s13 = item(&v, "S1.1-13");
    assert_eq!(s13["verdict"], "conforms", "{s13:#}");
    let f13: Vec<&str> = s13["findings"].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect();
    assert_eq!(f13, ["exposed/tcp/22", "exposed/tcp/443"]);
    // SSH takes keys only and the web server has no login: the test found
    // nothing to guess at, so the vendor's answer stands, and says so.
    let s04 = item(&v, "S1.1-04");
    assert_eq!((&s04["verdict"], &s04["decided_by"]), (&"conforms".into(), &"document".into()), "{s04:#}");
    assert!(s04["basis"].as_str().unwrap().contains("no interface that takes a password"), "{s04:#}");
    assert_eq!(item(&v, "S1.1-02")["decided_by"], "document");
    assert_eq!(v["contradictions"], 0);
    let digest = v["evidence_manifest_sha256"].as_str().unwrap().to_string();
    assert_eq!(digest.len(), 64);
    // The bundle holds the scan evaluate made and the declared list, and verifies.
    let verify = starmark(&[
        "evidence",
        "verify",
        out.join("evidence").to_str().unwrap(),
        "--key",
        &format!("{}.pub", key.display()),
    ]);
    assert!(verify.status.success(), "{}", all(&verify));
    let scan: Value = serde_json::from_slice(&std::fs::read(out.join("evidence/scan/scan-1.json")).unwrap()).unwrap();
    assert_eq!((scan["format"].as_str(), scan["complete"].as_bool()), (Some("starmark-scan/1"), Some(true)));
    assert!(scan["check_settings"]["brute_force"].is_object(), "{:#}", scan["check_settings"]);
    assert_eq!(
        std::fs::read(out.join("evidence/declared/interfaces.toml")).unwrap(),
        std::fs::read(&declared).unwrap()
    );
    // The documents the checklist cites are in the bundle, and the
    // completed checklist points at the copies.
    assert_eq!(
        std::fs::read(out.join("evidence/documents/evidence/psirt-policy.md")).unwrap(),
        std::fs::read(Path::new(EXAMPLE).parent().unwrap().join("evidence/psirt-policy.md")).unwrap()
    );
    // The completed checklist cites the scan by digest and the bundle by its manifest's.
    let completed = std::fs::read_to_string(out.join("checklist.toml")).unwrap();
    assert!(completed.contains("path = \"evidence/documents/evidence/psirt-policy.md\""), "{completed}");
    assert!(completed.contains("evidence/scan/scan-1.json"), "{completed}");
    assert!(completed.contains(&format!("manifest_sha256 = \"{digest}\"")), "{completed}");

    // The reports name the product's result and the bundle.
    for f in [
        "evaluation.ja.html",
        "evaluation.en.html",
        "checklist.xlsx",
        "assessment-results.oscal.json",
        "evaluation.sarif",
    ] {
        assert!(out.join("reports").join(f).is_file(), "{f}");
    }
    let oscal: Value =
        serde_json::from_slice(&std::fs::read(out.join("reports/assessment-results.oscal.json")).unwrap()).unwrap();
    let findings = oscal["assessment-results"]["results"][0]["findings"].as_array().unwrap();
    let s13 = findings.iter().find(|f| f["target"]["target-id"] == "S1.1-13").unwrap();
    assert_eq!(s13["target"]["status"]["state"], "satisfied");
    assert!(oscal.to_string().contains(&digest));
    let ja = std::fs::read_to_string(out.join("reports/evaluation.ja.html")).unwrap();
    assert!(ja.contains("適合性評価の結果") && ja.contains(&digest));

    // Apply, clear the inquiry, grant: over the CLI, to a registry of the test's own.
    let db = format!("sqlite://{}", dir.join("registry.db").display());
    let t = common::setup(&db);
    let (mut server, url) = common::serve(&db);
    let (code, app) = common::cli(&url, &t.vendor, &["apply", out.join("checklist.toml").to_str().unwrap()]);
    assert_eq!(code, 0, "{app:#}");
    let app_id = app["id"].as_str().unwrap().to_string();
    assert_eq!(common::cli(&url, &t.liaison, &["owner", "inquiry", &app_id, "--outcome", "cleared"]).0, 0);
    let (code, label) = common::cli(&url, &t.reviewer, &["owner", "grant", &app_id]);
    assert_eq!(code, 0, "{label:#}");
    let label_id = label["id"].as_str().unwrap().to_string();
    // The product page shows the label and the evidence digest, never the evidence.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let page = |lang: &str| {
        rt.block_on(async {
            let r = reqwest::get(format!("{url}/labels/{label_id}?lang={lang}")).await.unwrap();
            assert_eq!(r.status(), 200);
            r.text().await.unwrap()
        })
    };
    let ja = page("ja");
    assert!(ja.contains(&label_id) && ja.contains(&digest), "{ja}");
    assert!(ja.contains("評価の証拠は申請者が保管しています"), "{ja}");
    let en = page("en");
    assert!(en.contains("The vendor keeps the evaluation evidence") && en.contains(&digest), "{en}");
    assert!(!en.contains("exposed/tcp/22"), "the page shows no evidence content");

    // Renewal with a new evaluation (from the scan kept in the bundle): once
    // granted, the product page names the new bundle.
    let out2 = dir.join("out2");
    let (_, v2) = evaluate_saved(&out.join("evidence/scan/scan-1.json"), "no_vulns/sbom.spdx.json", &key, &out2);
    let digest2 = v2["evidence_manifest_sha256"].as_str().unwrap().to_string();
    assert_ne!(digest2, digest);
    let (code, renewal) =
        common::cli(&url, &t.vendor, &["renew", &label_id, out2.join("checklist.toml").to_str().unwrap()]);
    assert_eq!(code, 0, "{renewal:#}");
    let renewal_id = renewal["id"].as_str().unwrap().to_string();
    assert_eq!(common::cli(&url, &t.liaison, &["owner", "inquiry", &renewal_id, "--outcome", "cleared"]).0, 0);
    let (code, renewed) = common::cli(&url, &t.reviewer, &["owner", "grant", &renewal_id]);
    assert_eq!((code, renewed["id"].as_str()), (0, Some(label_id.as_str())), "{renewed:#}");
    let ja = page("ja");
    assert!(ja.contains(&digest2) && !ja.contains(&digest), "the page names the renewal's evidence");

    // A change of the product, reported with its new evidence: a bundle
    // that does not verify is refused before anything is sent…
    let tampered = dir.join("tampered");
    copy_dir(&out.join("evidence"), &tampered);
    std::fs::write(tampered.join("scan/scan-1.json"), b"{}").unwrap();
    let o = std::process::Command::new(common::bin())
        .args(["report-change", &label_id, "--description", "new firmware", "--evidence", tampered.to_str().unwrap()])
        .args(["--registry", &url, "--token", &t.vendor])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", all(&o));
    assert!(all(&o).contains("scan/scan-1.json"), "{}", all(&o));
    assert_eq!(common::cli(&url, "unused", &["status", &label_id]).1["status"], "valid", "nothing was sent");
    // …and a verified one is sent as its digest, kept in the label's public history.
    let (code, revoked) = common::cli(
        &url,
        &t.vendor,
        &[
            "report-change",
            &label_id,
            "--description",
            "new firmware",
            "--evidence",
            out.join("evidence").to_str().unwrap(),
        ],
    );
    assert_eq!((code, revoked["status"].as_str()), (0, Some("revoked")), "{revoked:#}");
    let events: Value = rt.block_on(async {
        reqwest::get(format!("{url}/api/v1/labels/{label_id}/events")).await.unwrap().json().await.unwrap()
    });
    let change = events
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "change_reported")
        .unwrap_or_else(|| panic!("no change_reported event: {events:#}"));
    assert_eq!(change["data"]["evidence_manifest_sha256"], digest.as_str(), "{change:#}");
    let en = page("en");
    assert!(
        en.contains("label revoked on a reported change") && en.contains(&format!("evidence: SHA-256 {digest})")),
        "{en}"
    );
    server.kill().unwrap();
    let _ = server.wait();
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
    // A cited document that is not the file the checklist names stops the
    // evaluation before anything is written; a missing one is noted.
    let copy = tmp.path().join("copy");
    copy_dir(Path::new(EXAMPLE).parent().unwrap(), &copy);
    std::fs::write(copy.join("evidence/psirt-policy.md"), "changed after the digest was taken").unwrap();
    let o = starmark(&[
        "evaluate",
        "--checklist",
        copy.join("checklist.toml").to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", all(&o));
    assert!(all(&o).contains("psirt-policy.md (S1.1-05): the checklist says SHA-256"), "{}", all(&o));
    assert!(!out.exists());
    std::fs::remove_file(copy.join("evidence/psirt-policy.md")).unwrap();
    let o = starmark(&[
        "evaluate",
        "--checklist",
        copy.join("checklist.toml").to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--json",
    ]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", all(&o)));
    assert!(item(&v, "S1.1-05")["attention"].to_string().contains("evidence/psirt-policy.md: no such file"), "{v:#}");
    assert!(out.join("evidence/documents/evidence/design-interfaces.md").exists());
    std::fs::remove_dir_all(&out).unwrap();
    // The same path cited twice with two digests: the wrong one is named.
    let copy2 = tmp.path().join("copy2");
    copy_dir(Path::new(EXAMPLE).parent().unwrap(), &copy2);
    let text = std::fs::read_to_string(copy2.join("checklist.toml")).unwrap();
    let good = "1fa2476285984c1c391825941beb8bcb8f38f1afeb3be83ca72a3e8f056eba8e";
    let at = text.rfind(good).unwrap();
    let twice = format!("{}{}{}", &text[..at], "0".repeat(64), &text[at + 64..]);
    assert_ne!(twice.matches(good).count(), 0, "psirt-policy.md is cited twice in the example");
    std::fs::write(copy2.join("checklist.toml"), &twice).unwrap();
    let run = |checklist: &Path, extra: &[&str]| {
        let mut args = vec!["evaluate", "--checklist", checklist.to_str().unwrap(), "--key", key.to_str().unwrap()];
        args.extend_from_slice(&["--out", out.to_str().unwrap(), "--json"]);
        args.extend_from_slice(extra);
        starmark(&args)
    };
    let o = run(&copy2.join("checklist.toml"), &[]);
    assert_eq!(o.status.code(), Some(2), "{}", all(&o));
    assert!(all(&o).contains(&format!("the checklist says SHA-256 {}", "0".repeat(64))), "{}", all(&o));
    assert!(!out.exists());
    // A cited link leading out of the checklist's folder is not bundled.
    std::fs::write(text_path(&copy2), &text).unwrap();
    std::fs::remove_file(copy2.join("evidence/psirt-policy.md")).unwrap();
    std::os::unix::fs::symlink(&key, copy2.join("evidence/psirt-policy.md")).unwrap();
    let o = run(&copy2.join("checklist.toml"), &[]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", all(&o)));
    assert!(item(&v, "S1.1-05")["attention"].to_string().contains("a link to a file outside"), "{v:#}");
    assert!(!out.join("evidence/documents/evidence/psirt-policy.md").exists());
    std::fs::remove_dir_all(&out).unwrap();
    // A document given with --document and cited by the checklist is kept
    // once; the output folder may exist if it is empty; an unanswered
    // criterion is not a pass (exit 3, not 0).
    std::fs::create_dir_all(&out).unwrap();
    let unanswered = text
        .replacen("verdict = \"conforms\"\n", "", 1)
        .replace("path = \"evidence/design-interfaces.md\"", "path = \"design-interfaces.md\"");
    std::fs::write(text_path(&copy), &unanswered).unwrap();
    let example_dir = Path::new(EXAMPLE).parent().unwrap();
    std::fs::copy(example_dir.join("evidence/psirt-policy.md"), copy.join("evidence/psirt-policy.md")).unwrap();
    std::fs::copy(example_dir.join("evidence/design-interfaces.md"), copy.join("design-interfaces.md")).unwrap();
    let design = copy.join("design-interfaces.md");
    let o = run(&copy.join("checklist.toml"), &["--document", design.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(3), "{}", all(&o));
    assert!(out.join("evidence/documents/design-interfaces.md").exists());
    std::fs::remove_dir_all(&out).unwrap();
    // …but another file under the same name is refused before anything runs.
    let other = tmp.path().join("elsewhere");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("design-interfaces.md"), "a different file").unwrap();
    let o = run(&copy.join("checklist.toml"), &["--document", other.join("design-interfaces.md").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", all(&o));
    assert!(all(&o).contains("another file is already kept as documents/design-interfaces.md"), "{}", all(&o));
    assert!(!out.exists());
    std::fs::create_dir_all(&out).unwrap();
    let o = run(&copy.join("checklist.toml"), &[]);
    assert_eq!(o.status.code(), Some(3), "{}", all(&o));
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".starmark-evaluation-"))
        .collect();
    assert!(leftovers.is_empty(), "the working folder is renamed into place");
    std::fs::remove_dir_all(&out).unwrap();
    // Two VEX documents of one file name: refused before anything runs.
    let (va, vb) = (tmp.path().join("va"), tmp.path().join("vb"));
    for d in [&va, &vb] {
        std::fs::create_dir_all(d).unwrap();
        std::fs::copy(format!("{VULN}/scenarios/vex_suppressed/vex.cdx.json"), d.join("vex.json")).unwrap();
    }
    let sbom = format!("{VULN}/scenarios/vex_suppressed/sbom.cdx.json");
    let advisories = format!("{VULN}/osv");
    let o = run(
        &copy.join("checklist.toml"),
        &[
            "--sbom",
            &sbom,
            "--advisories",
            &advisories,
            "--vex",
            va.join("vex.json").to_str().unwrap(),
            "--vex",
            vb.join("vex.json").to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", all(&o));
    assert!(all(&o).contains("both would be kept as vex/vex.json"), "{}", all(&o));
    assert!(!out.exists() || std::fs::read_dir(&out).unwrap().next().is_none());
    // A checklist against criteria this starmark does not know.
    let unknown = tmp.path().join("unknown.toml");
    std::fs::write(
        &unknown,
        std::fs::read_to_string(EXAMPLE).unwrap().replacen("version = \"1.1\"", "version = \"9.9\"", 1),
    )
    .unwrap();
    let o = starmark(&[
        "evaluate",
        "--checklist",
        unknown.to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", all(&o));
    assert!(all(&o).contains("\"9.9\" is not a catalog this starmark knows"), "{}", all(&o));
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
