//! Cases a review of the matcher found (each once reported "clean" or
//! panicked): every one must now be affected, unknown or refused — never
//! silently clean.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

use starmark_checklist::Verdict;
use starmark_vuln::matching::Status;
use starmark_vuln::report::{FindingStatus, Report, assess};
use starmark_vuln::{osv, sbom, vex};

/// Matches `sbom` (CycloneDX JSON) against `records` (OSV JSON).
fn run(records: &[&str], sbom_json: &str, vex_docs: &[&str]) -> Report {
    let dir = tempfile::tempdir().unwrap();
    for (i, r) in records.iter().enumerate() {
        std::fs::write(dir.path().join(format!("r{i}.json")), r).unwrap();
    }
    let db = osv::load(dir.path()).unwrap();
    assert!(db.warnings.is_empty(), "{:?}", db.warnings);
    let s = sbom::parse("sbom.json", sbom_json.as_bytes()).unwrap();
    let v = vex_docs.iter().map(|d| vex::parse("vex.json", d.as_bytes()).unwrap()).collect();
    assess(&s, &db, v)
}

fn cdx(components: &str) -> String {
    format!(
        r#"{{"bomFormat": "CycloneDX", "specVersion": "1.6", "serialNumber": "urn:uuid:11111111-2222-3333-4444-555555555555",
            "components": [{components}]}}"#
    )
}

fn affected(r: &Report) -> Vec<&str> {
    r.findings.iter().filter(|f| f.status == FindingStatus::Affected).map(|f| f.id.as_str()).collect()
}

const LVM2: &str = r#"{"id": "DSA-9999-1", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "Debian:12", "name": "lvm2"},
    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.03.16-2+deb12u1"}]}]}]}"#;

#[test]
fn distribution_packages_are_matched_by_their_source_package() {
    // syft: `upstream=` with the source version, which differs from the
    // binary's (here by an epoch that would make it look newer).
    let r = run(
        &[LVM2],
        &cdx(
            r#"{"name": "dmsetup", "version": "2:1.02.185-2", "purl": "pkg:deb/debian/dmsetup@2:1.02.185-2?upstream=lvm2%402.03.16-2&distro=debian-12"}"#,
        ),
        &[],
    );
    assert_eq!(affected(&r), ["DSA-9999-1/pkg:deb/debian/dmsetup@2:1.02.185-2"], "{}", r.text());
    assert!(r.findings[0].matched[0].why.explanation.starts_with("2.03.16-2 ≥"));
    // Trivy: the source package in properties, the epoch in a qualifier.
    let trivy = cdx(
        r#"{"name": "dmsetup", "version": "2:1.02.185-2", "purl": "pkg:deb/debian/dmsetup@1.02.185-2?distro=debian-12.4&epoch=2",
            "properties": [{"name": "aquasecurity:trivy:SrcName", "value": "lvm2"}, {"name": "aquasecurity:trivy:SrcVersion", "value": "2.03.16"},
                           {"name": "aquasecurity:trivy:SrcRelease", "value": "2"}]}"#,
    );
    let r = run(&[LVM2], &trivy, &[]);
    assert_eq!(affected(&r).len(), 1, "{}", r.text());
    // Alpine: syft writes `upstream=` for subpackages.
    let musl = r#"{"id": "ALPINE-CVE-2025-26519", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "Alpine:v3.16", "name": "musl"},
        "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0.9.13"}, {"fixed": "1.2.3-r4"}]}]}]}"#;
    let r = run(
        &[musl],
        &cdx(
            r#"{"name": "musl-utils", "version": "1.2.3-r0", "purl": "pkg:apk/alpine/musl-utils@1.2.3-r0?upstream=musl&distro=alpine-3.16.2"}"#,
        ),
        &[],
    );
    assert_eq!(affected(&r).len(), 1, "{}", r.text());
}

#[test]
fn go_module_paths_compare_without_case() {
    let rec = r#"{"id": "GHSA-m5vv-6r4h-3vj9", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "Go", "name": "github.com/Azure/azure-sdk-for-go/sdk/azidentity"},
        "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.6.0"}]}]}]}"#;
    let r = run(
        &[rec],
        &cdx(
            r#"{"name": "azidentity", "version": "v1.5.0", "purl": "pkg:golang/github.com/Azure/azure-sdk-for-go/sdk/azidentity@v1.5.0"}"#,
        ),
        &[],
    );
    assert_eq!(affected(&r).len(), 1, "{}", r.text());
}

#[test]
fn vex_applies_only_where_it_says() {
    // A DLA about three CVEs is not settled by a statement on one of them.
    let dla = r#"{"id": "DLA-9999-1", "modified": "2024-01-01T00:00:00Z", "upstream": ["CVE-2024-1", "CVE-2024-2", "CVE-2024-3"],
        "affected": [{"package": {"ecosystem": "Debian:12", "name": "lvm2"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.03.16-3"}]}]}]}"#;
    let sbom = cdx(
        r#"{"bom-ref": "lvm", "name": "lvm2", "version": "2.03.16-2", "purl": "pkg:deb/debian/lvm2@2.03.16-2?distro=debian-12"}"#,
    );
    let one_cve = r#"{"bomFormat": "CycloneDX", "specVersion": "1.6", "vulnerabilities": [
        {"id": "CVE-2024-1", "analysis": {"state": "not_affected", "justification": "code_not_present"}, "affects": [{"ref": "pkg:deb/debian/lvm2@2.03.16-2"}]}]}"#;
    let r = run(&[dla], &sbom, &[one_cve]);
    assert_eq!(r.verdict, Verdict::DoesNotConform, "{}", r.text());

    // A BOM-Link to another SBOM, and a plain bom-ref in a separate VEX
    // document, name nothing here.
    let other = r#"{"bomFormat": "CycloneDX", "specVersion": "1.6", "vulnerabilities": [
        {"id": "DLA-9999-1", "analysis": {"state": "not_affected"}, "affects": [{"ref": "urn:cdx:99999999-2222-3333-4444-555555555555/1#lvm"}]},
        {"id": "DLA-9999-1", "analysis": {"state": "not_affected"}, "affects": [{"ref": "lvm"}]}]}"#;
    let doc = vex::parse("vex.json", other.as_bytes()).unwrap();
    assert!(doc.warnings.iter().any(|w| w.contains("plain bom-ref")), "{:?}", doc.warnings);
    let r = run(&[dla], &sbom, &[other]);
    assert_eq!(r.verdict, Verdict::DoesNotConform, "{}", r.text());
    assert_eq!(r.unmatched_vex.len(), 2);
    // The right BOM-Link does apply.
    let right = r#"{"bomFormat": "CycloneDX", "specVersion": "1.6", "vulnerabilities": [
        {"id": "DLA-9999-1", "analysis": {"state": "not_affected", "justification": "code_not_reachable"}, "affects": [{"ref": "urn:cdx:11111111-2222-3333-4444-555555555555/1#lvm"}]}]}"#;
    assert_eq!(run(&[dla], &sbom, &[right]).verdict, Verdict::Conforms);

    // Statements that disagree: the least favourable holds (CSAF lists the
    // component affected in one firmware and not affected in another).
    let csaf = r#"{"document": {"category": "csaf_vex", "csaf_version": "2.0"},
        "product_tree": {"full_product_names": [
            {"product_id": "LVM-A", "name": "lvm2", "product_identification_helper": {"purl": "pkg:deb/debian/lvm2@2.03.16-2"}},
            {"product_id": "LVM-B", "name": "lvm2", "product_identification_helper": {"purl": "pkg:deb/debian/lvm2@2.03.16-2"}}]},
        "vulnerabilities": [{"ids": [{"system_name": "Debian", "text": "DLA-9999-1"}],
            "product_status": {"known_affected": ["LVM-A"], "known_not_affected": ["LVM-B"]}}]}"#;
    let r = run(&[dla], &sbom, &[csaf]);
    assert_eq!(r.verdict, Verdict::DoesNotConform, "{}", r.text());
    assert_eq!(r.findings[0].vex.as_ref().unwrap().status, vex::VexStatus::Affected);
}

#[test]
fn a_repository_no_record_names_is_not_covered() {
    let git = r#"{"id": "CVE-2024-51757", "modified": "2024-01-01T00:00:00Z", "affected": [{"ranges": [{"type": "GIT", "repo": "https://github.com/capricorn86/happy-dom",
        "events": [{"introduced": "0"}, {"fixed": "5ee0b1676d4ce20cc2a70d1c9c8d6f1e3f57efac"}]}], "versions": ["v15.10.1"]}]}"#;
    let r =
        run(&[git], &cdx(r#"{"name": "zlib", "version": "v1.2.11", "purl": "pkg:github/madler/zlib@v1.2.11"}"#), &[]);
    assert_eq!(r.verdict, Verdict::Inconclusive, "{}", r.text());
    assert!(matches!(r.components[0].status, Status::NotCovered { .. }));
}

#[test]
fn nothing_hides_a_component() {
    let requests = r#"{"id": "PYSEC-X", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "PyPI", "name": "requests"},
        "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.31.0"}]}]}]}"#;
    // Parts of the subject itself.
    let nested = r#"{"bomFormat": "CycloneDX", "specVersion": "1.6", "metadata": {"component": {"type": "firmware", "name": "fw",
        "components": [{"name": "requests", "version": "2.30.0", "purl": "pkg:pypi/requests@2.30.0"}]}}}"#;
    let r = run(&[requests], nested, &[]);
    assert_eq!(affected(&r).len(), 1, "{}", r.text());
    // A CPE-only component is not an "assembly" because it holds a file.
    let cpe = cdx(r#"{"name": "openssl", "version": "1.0.2k", "cpe": "cpe:2.3:a:openssl:openssl:1.0.2k:*:*:*:*:*:*:*",
        "components": [{"type": "file", "name": "/usr/lib/libssl.so"}]}"#);
    let r = run(&[requests], &cpe, &[]);
    assert_eq!(r.verdict, Verdict::Inconclusive, "{}", r.text());
    assert!(matches!(r.components[0].status, Status::Unidentified { .. }));
    // A Maven package URL without its group.
    let r = run(
        &[requests],
        &cdx(r#"{"name": "log4j-core", "version": "2.14.1", "purl": "pkg:maven/log4j-core@2.14.1"}"#),
        &[],
    );
    assert!(
        matches!(&r.components[0].status, Status::Unidentified { reason, .. } if reason.contains("group")),
        "{:?}",
        r.components
    );
    // A record naming the package with neither ranges nor versions.
    let bare = r#"{"id": "MAL-X", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "PyPI", "name": "requests"}}]}"#;
    let r = run(&[bare], &cdx(r#"{"name": "requests", "version": "2.30.0", "purl": "pkg:pypi/requests@2.30.0"}"#), &[]);
    assert_eq!(r.verdict, Verdict::Inconclusive, "{}", r.text());
    assert!(r.unknown[0].reason.contains("neither ranges nor versions"));
    // A versions list alone decides: listed is affected, unlisted is not.
    let listed = r#"{"id": "MAL-Y", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "PyPI", "name": "requests"}, "versions": ["2.29.0"]}]}"#;
    let r =
        run(&[listed], &cdx(r#"{"name": "requests", "version": "2.30.0", "purl": "pkg:pypi/requests@2.30.0"}"#), &[]);
    assert_eq!(r.verdict, Verdict::Conforms, "{}", r.text());
    let r =
        run(&[listed], &cdx(r#"{"name": "requests", "version": "2.29.0", "purl": "pkg:pypi/requests@2.29.0"}"#), &[]);
    assert_eq!(r.verdict, Verdict::DoesNotConform, "{}", r.text());
    // The SBOM's own statements that cannot be read are a warning.
    let s = sbom::parse(
        "sbom.json",
        br#"{"bomFormat": "CycloneDX", "specVersion": "1.6", "vulnerabilities": [{"id": "X", "affects": [{"ref": 1}]}]}"#,
    )
    .unwrap();
    assert!(s.warnings.iter().any(|w| w.location == "vulnerabilities"), "{:?}", s.warnings);
}

#[test]
fn many_star_limits_do_not_break_the_ordering() {
    let mut events = vec![r#"{"introduced": "0"}"#.to_string()];
    for i in 0..120 {
        events.push(if i % 2 == 0 { r#"{"limit": "*"}"#.into() } else { format!(r#"{{"fixed": "1.{i}.0"}}"#) });
    }
    let rec = format!(
        r#"{{"id": "X-1", "modified": "2024-01-01T00:00:00Z", "affected": [{{"package": {{"ecosystem": "crates.io", "name": "a"}},
            "ranges": [{{"type": "SEMVER", "events": [{}]}}]}}]}}"#,
        events.join(",")
    );
    let r = run(&[&rec], &cdx(r#"{"name": "a", "version": "1.0.0", "purl": "pkg:cargo/a@1.0.0"}"#), &[]);
    assert_eq!(affected(&r).len(), 1, "{}", r.text());
}
