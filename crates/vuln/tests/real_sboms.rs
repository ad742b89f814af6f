//! Real SBOMs from SBOM tools and projects (`tests/data/sbom/`, sources in
//! its SOURCES.md) against the real OSV records in `tests/data/osv/`:
//! exact advisory IDs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

use std::path::{Path, PathBuf};

use starmark_checklist::Verdict;
use starmark_vuln::report::{FindingStatus, Report, assess};
use starmark_vuln::vex::VexStatus;
use starmark_vuln::{osv, sbom, vex};

fn data(rel: &str) -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data")).join(rel)
}

fn run(file: &str) -> Report {
    let s = sbom::load(&data(&format!("sbom/{file}"))).unwrap();
    assess(&s, &osv::load(&data("osv")).unwrap(), Vec::new())
}

fn affected(r: &Report) -> Vec<(&str, &str)> {
    r.findings
        .iter()
        .filter(|f| f.status == FindingStatus::Affected)
        .map(|f| (f.advisory.as_str(), f.component.name.as_str()))
        .collect()
}

#[test]
fn syft_alpine_image() {
    let r = run("guac-data__syft-cyclonedx-docker.io-library-alpine.latest.json");
    // musl 1.2.3-r0 on Alpine 3.16; the fix there is 1.2.3-r4 (apk ordering).
    // musl-utils is built from musl (syft's `upstream=musl`): affected too.
    assert_eq!(
        affected(&r),
        [("ALPINE-CVE-2025-26519", "musl-utils"), ("ALPINE-CVE-2025-26519", "musl")],
        "{}",
        r.text()
    );
    assert_eq!(r.findings[0].matched[0].why.explanation, "1.2.3-r0 ≥ introduced 0.9.13, < fixed 1.2.3-r4");
    assert_eq!(r.findings[0].matched[0].why.ecosystem, "Alpine:v3.16");
    // 14 packages checked; the operating-system component is not material.
    assert_eq!((r.summary.components, r.summary.checked, r.summary.not_material), (15, 14, 1));
    assert_eq!(r.verdict, Verdict::DoesNotConform);
}

#[test]
fn cdxgen_maven_application() {
    let r = run("cdxgen__vuln-spring-bom-deps.json");
    assert_eq!(
        affected(&r),
        [("CVE-2017-18640", "org.yaml/snakeyaml"), ("CVE-2020-25649", "com.fasterxml.jackson.core/jackson-databind")],
        "{}",
        r.text()
    );
    // The application itself has a package URL: it is checked too.
    assert_eq!((r.summary.components, r.summary.checked), (59, 59));
    let databind = r.findings.iter().find(|f| f.advisory == "CVE-2020-25649").unwrap();
    assert_eq!(databind.aliases, ["CGA-jp8x-p2pf-pcp2", "GHSA-288c-cq4h-88gq"]);
    assert!(databind.dependency_path.len() >= 2, "{:?}", databind.dependency_path);
}

#[test]
fn spdx_example_with_crates() {
    let r = run("spdx-examples__example11-sbom.spdx.json");
    assert_eq!(affected(&r), [("CVE-2021-21299", "hyper"), ("RUSTSEC-2023-0005", "tokio")], "{}", r.text());
    // The Debian package names no release: its ecosystem is covered (Debian
    // records exist) but nothing is about libselinux, so it is checked clean.
    assert_eq!(r.summary.checked, 4);
}

#[test]
fn cyclonedx_example_vex() {
    let v = vex::load(&data("sbom/bom-examples__vex.json")).unwrap();
    assert_eq!(v.statements.len(), 1);
    let s = &v.statements[0];
    assert_eq!(s.ids, ["CVE-2020-25649", "SNYK-JAVA-COMFASTERXMLJACKSONCORE-1048302"]);
    assert_eq!(s.status, VexStatus::NotAffected);
    assert_eq!(s.justification.as_deref(), Some("code_not_reachable"));
    assert_eq!(
        s.products[0].purl.as_deref(),
        Some("pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.10.0?type=jar")
    );
    // It is about 2.10.0; vuln-spring has 2.10.3: it matches nothing there.
    let sb = sbom::load(&data("sbom/cdxgen__vuln-spring-bom-deps.json")).unwrap();
    let r = assess(&sb, &osv::load(&data("osv")).unwrap(), vec![v]);
    assert_eq!(r.unmatched_vex.len(), 1);
    assert_eq!(r.verdict, Verdict::DoesNotConform);
}
