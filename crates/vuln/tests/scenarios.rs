//! The scenario fixtures (`tests/data/scenarios/`) against the real OSV
//! records in `tests/data/osv/`: each asserts the exact advisory IDs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

use std::path::{Path, PathBuf};

use starmark_checklist::Verdict;
use starmark_vuln::matching::Status;
use starmark_vuln::report::{FindingStatus, Report, assess};
use starmark_vuln::{osv, sbom, vex};

fn data(rel: &str) -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data")).join(rel)
}

fn run(scenario: &str, sbom_file: &str, vex_files: &[&str]) -> Report {
    let db = osv::load(&data("osv")).unwrap();
    let s = sbom::load(&data(&format!("scenarios/{scenario}/{sbom_file}"))).unwrap();
    let v = vex_files.iter().map(|f| vex::load(&data(&format!("scenarios/{scenario}/{f}"))).unwrap()).collect();
    assess(&s, &db, v)
}

fn ids(r: &Report, status: FindingStatus) -> Vec<&str> {
    r.findings.iter().filter(|f| f.status == status).map(|f| f.id.as_str()).collect()
}

#[test]
fn vulnerable_component() {
    let r = run("vulnerable_component", "sbom.cdx.json", &[]);
    assert_eq!(r.verdict, Verdict::DoesNotConform, "{}", r.text());
    assert_eq!(
        ids(&r, FindingStatus::Affected),
        [
            "ALPINE-CVE-2025-26519/pkg:apk/alpine/musl@1.2.4-r2",
            "CVE-2014-9390/pkg:pypi/mercurial@3.1",
            "CVE-2020-26160/pkg:golang/github.com/dgrijalva/jwt-go@v3.2.0%2Bincompatible",
            "DLA-3008-1/pkg:deb/debian/libssl1.1@1.1.0l-1~deb9u5",
        ],
        "{}",
        r.text()
    );
    // Aliases merged: the GHSA and the PYSEC are one finding, named by the CVE.
    let hg = r.findings.iter().find(|f| f.advisory == "CVE-2014-9390").unwrap();
    assert_eq!(hg.records, ["GHSA-6vvc-c2m3-cjf3", "PYSEC-2020-217"]);
    assert_eq!(hg.aliases, ["GHSA-6vvc-c2m3-cjf3", "PYSEC-2020-217"]);
    assert_eq!(hg.criteria, ["S1.1-13"]);
    assert_eq!(hg.matched.len(), 2);
    assert!(
        hg.matched
            .iter()
            .all(|m| m.why.range == "ECOSYSTEM" && m.why.explanation == "3.1 ≥ introduced 0, < fixed 3.2.3")
    );
    // Severity: the highest CVSS version given (the GHSA's v4.0 vector).
    let sev = hg.severity.as_ref().unwrap();
    assert_eq!((sev.version.as_str(), sev.record.as_str()), ("CVSS:4.0", "GHSA-6vvc-c2m3-cjf3"));
    assert_eq!(sev.rating, "critical");
    // The Go record's SEMVER range has no fix; the GHSA's ends at last_affected.
    let jwt = r.findings.iter().find(|f| f.advisory == "CVE-2020-26160").unwrap();
    let why: Vec<(&str, &str)> = jwt.matched.iter().map(|m| (m.record.as_str(), m.why.explanation.as_str())).collect();
    assert!(
        why.contains(&(
            "GO-2020-0017",
            "v3.2.0+incompatible ≥ introduced 0.0.0-20150717181359-44718f8a89b0, and no fix is listed"
        )),
        "{why:?}"
    );
    assert!(
        why.contains(&(
            "GHSA-w73w-5m7g-f7qc",
            "v3.2.0+incompatible ≥ introduced 0.0.0-20150717181359-44718f8a89b0, ≤ last_affected 3.2.0"
        )),
        "{why:?}"
    );
    assert_eq!(jwt.severity.as_ref().unwrap().score, 7.5);
    // The dependency path runs from the firmware through the nested rootfs.
    let ssl = r.findings.iter().find(|f| f.advisory == "DLA-3008-1").unwrap();
    assert_eq!(ssl.dependency_path, ["example-cam-fw", "rootfs", "deb-libssl"]);
    assert_eq!(ssl.upstream, ["CVE-2022-1292", "DEBIAN-CVE-2022-1292"]);
    assert_eq!(ssl.matched[0].why.explanation, "1.1.0l-1~deb9u5 ≥ introduced 0, < fixed 1.1.0l-1~deb9u6");
    // Fixed versions and withdrawn records do not match.
    assert!(!r.findings.iter().any(|f| ["trac", "openssl", "arrayfire"].contains(&f.component.name.as_str())));
    let s = &r.summary;
    assert_eq!((s.components, s.checked, s.not_material, s.unidentified, s.not_covered), (8, 7, 1, 0, 0));
    assert_eq!((s.affected, s.affected_components, s.unknown), (4, 4, 0));
    assert!(r.unknown.is_empty(), "{:?}", r.unknown);
    assert_eq!(r.advisories.identity.records, 15);
    assert_eq!(r.advisories.identity.withdrawn, 1);
}

#[test]
fn no_vulns() {
    let r = run("no_vulns", "sbom.spdx.json", &[]);
    assert_eq!(r.verdict, Verdict::Conforms, "{}", r.text());
    assert!(r.findings.is_empty(), "{:?}", r.findings);
    assert!(r.unknown.is_empty());
    assert_eq!(r.sbom.subject, ["example-cam-firmware"]);
    assert_eq!((r.summary.components, r.summary.checked), (5, 5));
    assert!(r.reasons[0].starts_with("all 5 components"), "{:?}", r.reasons);
}

#[test]
fn unidentified_components_are_inconclusive() {
    let r = run("unidentified_components", "sbom.cdx.json", &[]);
    assert_eq!(r.verdict, Verdict::Inconclusive, "{}", r.text());
    assert!(r.findings.is_empty(), "{:?}", r.findings);
    let status = |name: &str| r.components.iter().find(|c| c.component.name == name).unwrap().status.clone();
    assert!(matches!(status("busybox"), Status::Unidentified { reason, .. } if reason.contains("CPE")));
    assert!(matches!(status("dnsmasq"), Status::Unidentified { .. }));
    assert!(matches!(status("lighttpd"), Status::Unidentified { reason, .. } if reason.contains("\"generic\"")));
    assert!(matches!(status("left-pad"), Status::NotCovered { reason } if reason.contains("no npm records")));
    assert!(matches!(status("/etc/ssl/certs/ca-certificates.crt"), Status::NotMaterial { .. }));
    assert_eq!(status("mercurial"), Status::Checked);
    // A GIT range without the commit, and a Debian package without its
    // release: unknown, each with its reason.
    let unknown: Vec<(&str, &str)> =
        r.unknown.iter().map(|u| (u.advisory.as_str(), u.component.name.as_str())).collect();
    assert_eq!(unknown, [("CVE-2024-51757", "happy-dom"), ("DLA-3008-1", "openssl")]);
    assert!(r.unknown[0].reason.contains("commit"), "{}", r.unknown[0].reason);
    assert!(r.unknown[1].reason.contains("Debian release"), "{}", r.unknown[1].reason);
    let s = &r.summary;
    assert_eq!(
        (s.components, s.checked, s.unidentified, s.weakly_identified, s.not_covered, s.not_material),
        (8, 3, 3, 2, 1, 1)
    );
    assert_eq!(s.unknown, 2);
    let text = r.text();
    for says in
        ["inconclusive", "3 components could not be identified", "2 advisories could not be evaluated", "busybox"]
    {
        assert!(text.contains(says), "{says:?} not in\n{text}");
    }
}

#[test]
fn vex_suppresses_with_reasons() {
    let r = run("vex_suppressed", "sbom.cdx.json", &["vex.cdx.json", "vex.csaf.json"]);
    assert_eq!(r.verdict, Verdict::Conforms, "{}", r.text());
    assert!(ids(&r, FindingStatus::Affected).is_empty());
    assert_eq!(
        ids(&r, FindingStatus::NotAffected),
        [
            "CVE-2014-9390/pkg:pypi/mercurial@3.1",
            "CVE-2020-26160/pkg:golang/github.com/dgrijalva/jwt-go@v3.2.0%2Bincompatible"
        ]
    );
    assert_eq!(
        ids(&r, FindingStatus::Fixed),
        ["ALPINE-CVE-2025-26519/pkg:apk/alpine/musl@1.2.4-r2", "DLA-3008-1/pkg:deb/debian/libssl1.1@1.1.0l-1~deb9u5"]
    );
    let hg = r.findings.iter().find(|f| f.advisory == "CVE-2014-9390").unwrap().vex.as_ref().unwrap();
    assert_eq!(hg.justification.as_deref(), Some("code_not_reachable"));
    assert!(hg.source.ends_with("vex.cdx.json"));
    let jwt = r.findings.iter().find(|f| f.advisory == "CVE-2020-26160").unwrap().vex.as_ref().unwrap();
    assert_eq!(jwt.justification.as_deref(), Some("vulnerable_code_not_in_execute_path"));
    assert!(jwt.detail.as_deref().unwrap().contains("aud claim"));
    let ssl = r.findings.iter().find(|f| f.advisory == "DLA-3008-1").unwrap().vex.as_ref().unwrap();
    assert_eq!(
        ssl.detail.as_deref(),
        Some("c_rehash is removed from the image."),
        "matched through the DLA's upstream CVE"
    );
    // The statement about a vulnerability nothing has is reported.
    assert_eq!(r.unmatched_vex.len(), 1);
    assert_eq!(r.unmatched_vex[0].ids, ["CVE-2099-0001"]);
    let text = r.text();
    for says in [
        "Suppressed by VEX (4)",
        "code_not_reachable",
        "vulnerable_code_not_in_execute_path",
        "matched nothing",
        "CVE-2099-0001",
    ] {
        assert!(text.contains(says), "{says:?} not in\n{text}");
    }
    // SARIF carries the suppressions.
    let sarif = r.sarif();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 4);
    assert!(results.iter().all(|x| x["suppressions"][0]["kind"] == "external"), "{sarif:#}");
}

#[test]
fn under_investigation_keeps_it_open() {
    let db = osv::load(&data("osv")).unwrap();
    let s = sbom::load(&data("scenarios/vulnerable_component/sbom.cdx.json")).unwrap();
    let doc = vex::parse(
        "triage.json",
        br#"{"bomFormat": "CycloneDX", "specVersion": "1.6", "vulnerabilities": [
            {"id": "CVE-2014-9390", "analysis": {"state": "in_triage"}, "affects": [{"ref": "pkg:pypi/mercurial@3.1"}]},
            {"id": "CVE-2020-26160", "analysis": {"state": "not_affected", "justification": "code_not_present"}, "affects": [{"ref": "urn:cdx:3e671687-395b-41f5-a30f-a58921a69b79/1#go-jwt"}]},
            {"id": "DLA-3008-1", "analysis": {"state": "resolved"}, "affects": [{"ref": "urn:cdx:3e671687-395b-41f5-a30f-a58921a69b79/1#deb-libssl"}]},
            {"id": "ALPINE-CVE-2025-26519", "analysis": {"state": "false_positive"}, "affects": [{"ref": "urn:cdx:3e671687-395b-41f5-a30f-a58921a69b79/1#apk-musl"}]},
            {"id": "CVE-2000-0001", "affects": [{"ref": "urn:cdx:3e671687-395b-41f5-a30f-a58921a69b79/1#go-jwt"}]}
        ]}"#,
    )
    .unwrap();
    assert_eq!(doc.warnings.len(), 1, "a vulnerability without analysis is no statement: {:?}", doc.warnings);
    let r = assess(&s, &db, vec![doc]);
    assert_eq!(r.verdict, Verdict::Inconclusive, "{}", r.text());
    assert_eq!(ids(&r, FindingStatus::UnderInvestigation), ["CVE-2014-9390/pkg:pypi/mercurial@3.1"]);
    assert_eq!(r.summary.under_investigation, 1);
    assert!(r.reasons.iter().any(|x| x.contains("under investigation")), "{:?}", r.reasons);
}

#[test]
fn the_report_is_reproducible_and_filtering_changes_nothing() {
    for (scenario, file) in [
        ("vulnerable_component", "sbom.cdx.json"),
        ("unidentified_components", "sbom.cdx.json"),
        ("no_vulns", "sbom.spdx.json"),
    ] {
        let a = serde_json::to_string(&run(scenario, file, &[])).unwrap();
        let b = serde_json::to_string(&run(scenario, file, &[])).unwrap();
        assert_eq!(a, b);
        // Keeping only the records about the SBOM's packages (what the CLI
        // does) gives the same report.
        let s = sbom::load(&data(&format!("scenarios/{scenario}/{file}"))).unwrap();
        let wanted = starmark_vuln::matching::Wanted::of(&s);
        let db = osv::load_filtered(&data("osv"), &|r| wanted.keeps(r)).unwrap();
        assert!(db.records.len() < db.identity.records, "{scenario}: the filter kept everything");
        assert_eq!(serde_json::to_string(&assess(&s, &db, Vec::new())).unwrap(), a, "{scenario}");
    }
}
