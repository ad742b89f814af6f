//! Malformed, truncated, oversized and hostile input: a clear error naming
//! the file and the place, or a counted warning — never a panic, never a
//! silent skip.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

use std::io::Write;
use std::path::{Path, PathBuf};

use starmark_checklist::Verdict;
use starmark_vuln::osv::{self, LoadError, MAX_RECORD_BYTES};
use starmark_vuln::report::assess;
use starmark_vuln::sbom::{self, MAX_SBOM_BYTES, SbomError};
use starmark_vuln::vex::{self, VexError};

fn data(rel: &str) -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data")).join(rel)
}

fn sbom_err(text: &str) -> String {
    match sbom::parse("in.json", text.as_bytes()) {
        Ok(s) => panic!("accepted: {:?}", s.components),
        Err(e) => e.to_string(),
    }
}

#[test]
fn sbom_errors_name_the_file_and_the_place() {
    let good = std::fs::read_to_string(data("scenarios/vulnerable_component/sbom.cdx.json")).unwrap();
    let e = sbom_err(&good[..good.len() / 2]);
    assert!(e.starts_with("in.json: not JSON") && e.contains("line"), "{e}");
    let e = sbom_err(r#"{"hello": "world"}"#);
    assert!(e.contains("neither CycloneDX") && e.contains("SPDX 2.3"), "{e}");
    let e = sbom_err(r#"{"bomFormat": "CycloneDX", "specVersion": "1.3", "components": []}"#);
    assert!(e.contains("specVersion is \"1.3\"") && e.contains("1.4, 1.5 and 1.6"), "{e}");
    let e = sbom_err(r#"{"bomFormat": "CycloneDX", "components": []}"#);
    assert!(e.contains("specVersion is \"(missing)\""), "{e}");
    let e = sbom_err(r#"{"spdxVersion": "SPDX-2.2", "SPDXID": "SPDXRef-DOCUMENT"}"#);
    assert!(e.contains("spdxVersion is \"SPDX-2.2\"") && e.contains("SPDX-2.3"), "{e}");
    let e = sbom_err(
        r#"{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{"name": "a"}, {"type": "library", "components": [{"version": "1"}]}]}"#,
    );
    assert!(e.contains("at components[1]") && e.contains("name"), "{e}");
    let e = sbom_err(r#"{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{"name": 7}]}"#);
    assert!(e.contains("components[0].name") && e.contains("invalid type"), "{e}");
    let e = sbom_err(
        r#"{"spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT", "packages": [{"SPDXID": "SPDXRef-a", "name": "a", "externalRefs": [{"referenceCategory": "SECURITY"}]}]}"#,
    );
    assert!(e.contains("packages[0].externalRefs[0]") && e.contains("referenceType"), "{e}");
    let e = sbom_err("[]");
    assert!(e.contains("neither"), "{e}");
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let depth = 100_000;
    let mut s = String::from(r#"{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": ["#);
    for _ in 0..depth {
        s.push_str(r#"{"name": "x", "components": ["#);
    }
    for _ in 0..depth {
        s.push_str("]}");
    }
    s.push_str("]}");
    let e = sbom_err(&s);
    assert!(e.contains("recursion limit"), "{e}");
}

#[test]
fn an_oversized_sbom_is_refused_before_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.json");
    // Sparse: nothing is written, the size is what is checked.
    std::fs::File::create(&path).unwrap().set_len(MAX_SBOM_BYTES + 1).unwrap();
    let e = sbom::load(&path).unwrap_err();
    assert!(matches!(e, SbomError::TooLarge { .. }), "{e}");
    assert!(e.to_string().contains("huge.json"), "{e}");
    let e = sbom::load(&dir.path().join("missing.json")).unwrap_err();
    assert!(e.to_string().contains("missing.json"), "{e}");
}

#[test]
fn sbom_inconsistencies_are_counted_warnings() {
    let s = sbom::parse(
        "in.json",
        br#"{"bomFormat": "CycloneDX", "specVersion": "1.5",
             "components": [
               {"bom-ref": "a", "name": "a", "version": "1", "purl": "pkg:pypi/a@1"},
               {"bom-ref": "a", "name": "b", "version": "2", "purl": "pkg:pypi/b@2"},
               {"name": "\u0000\u202e evil", "version": "1\n2", "purl": "pkg:pypi/%00@1"}
             ],
             "dependencies": [{"ref": "a", "dependsOn": ["ghost"]}, {"ref": "a"}]}"#,
    )
    .unwrap();
    let says = |what: &str| s.warnings.iter().any(|w| w.message.contains(what));
    assert!(says("used by more than one component"), "{:?}", s.warnings);
    assert!(says("\"ghost\" is named in the dependency graph"), "{:?}", s.warnings);
    assert!(says("listed twice"), "{:?}", s.warnings);
    assert_eq!(s.warnings.len(), 3, "{:?}", s.warnings);
    // The hostile component is read and matched without harm.
    let db = osv::load(&data("osv")).unwrap();
    let r = assess(&s, &db, Vec::new());
    assert_eq!(r.summary.sbom_warnings, 3);
    assert_eq!(r.verdict, Verdict::Conforms, "{}", r.text());
}

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    let mut w = zip::ZipWriter::new(&mut buf);
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated).large_file(true);
    for (name, bytes) in entries {
        w.start_file(*name, opts).unwrap();
        w.write_all(bytes).unwrap();
    }
    w.finish().unwrap();
    buf.into_inner()
}

#[test]
fn all_zip_reads_like_the_directory() {
    let dir_db = osv::load(&data("osv")).unwrap();
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(data("osv"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| (p.file_name().unwrap().to_str().unwrap().to_string(), std::fs::read(&p).unwrap()))
        .collect();
    // Archive order differs from name order; the identity must not.
    files.reverse();
    let entries: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("all.zip");
    std::fs::write(&path, zip_of(&entries)).unwrap();
    let zip_db = osv::load(&path).unwrap();
    assert!(zip_db.warnings.is_empty(), "{:?}", zip_db.warnings);
    assert_eq!(zip_db.identity.records, dir_db.identity.records);
    assert_eq!(zip_db.identity.sha256, dir_db.identity.sha256, "same records, same identity");
    assert_eq!(zip_db.identity.newest_modified, dir_db.identity.newest_modified);
}

#[test]
fn zip_bombs_and_broken_archives() {
    let tmp = tempfile::tempdir().unwrap();
    let good = std::fs::read(data("osv/PYSEC-2005-1.json")).unwrap();
    // 64 MiB of spaces deflate to about 64 KiB; the record limit stops it
    // after MAX_RECORD_BYTES + 1 bytes, whatever the archive declares.
    let bomb = vec![b' '; 64 * 1024 * 1024];
    let path = tmp.path().join("bomb.zip");
    std::fs::write(&path, zip_of(&[("PYSEC-2005-1.json", &good), ("bomb.json", &bomb), ("README.md", b"hello")]))
        .unwrap();
    assert!(std::fs::metadata(&path).unwrap().len() < 1024 * 1024);
    let db = osv::load(&path).unwrap();
    assert_eq!(db.identity.records, 1);
    let says = |file: &str, what: &str| db.warnings.iter().any(|w| w.file == file && w.message.contains(what));
    assert!(says("bomb.json", &format!("more than the {MAX_RECORD_BYTES} bytes")), "{:?}", db.warnings);
    assert!(says("README.md", "not a .json entry"), "{:?}", db.warnings);

    // Not a zip, a truncated zip, an empty zip.
    let junk = tmp.path().join("junk.zip");
    std::fs::write(&junk, b"PK\x03\x04 this is not really a zip").unwrap();
    assert!(matches!(osv::load(&junk), Err(LoadError::Zip { .. })));
    let whole = zip_of(&[("a.json", &good)]);
    let cut = tmp.path().join("cut.zip");
    std::fs::write(&cut, &whole[..whole.len() - 10]).unwrap();
    let e = osv::load(&cut).unwrap_err();
    assert!(e.to_string().contains("cut.zip"), "{e}");
    let empty = tmp.path().join("empty.zip");
    std::fs::write(&empty, zip_of(&[])).unwrap();
    assert!(matches!(osv::load(&empty), Err(LoadError::Empty(_))));
}

#[test]
fn unreadable_advisories_make_the_verdict_inconclusive() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    for f in ["PYSEC-2005-1.json", "RUSTSEC-2016-0001.json"] {
        std::fs::copy(data(&format!("osv/{f}")), d.join(f)).unwrap();
    }
    std::fs::write(d.join("broken.json"), b"{\"id\": \"PYSEC-9999-1\", \"modif").unwrap();
    std::fs::write(
        d.join("v2.json"),
        br#"{"schema_version": "2.0.0", "id": "X-2", "modified": "2024-01-01T00:00:00Z"}"#,
    )
    .unwrap();
    // A record whose range cannot be ordered: unknown, with the reason.
    std::fs::write(
        d.join("bad-range.json"),
        br#"{"id": "X-3", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "PyPI", "name": "Trac"},
             "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "not a version!"}]}]}]}"#,
    )
    .unwrap();
    let db = osv::load(d).unwrap();
    assert_eq!(db.warnings.len(), 2, "{:?}", db.warnings);
    assert!(db.warnings.iter().any(|w| w.file == "v2.json" && w.message.contains("not OSV 1.x")));
    let s = sbom::parse(
        "in.json",
        br#"{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{"name": "trac", "version": "0.12", "purl": "pkg:pypi/trac@0.12"}]}"#,
    )
    .unwrap();
    let r = assess(&s, &db, Vec::new());
    assert_eq!(r.verdict, Verdict::Inconclusive, "{}", r.text());
    assert_eq!(r.unknown.len(), 1);
    assert_eq!(r.unknown[0].advisory, "X-3");
    assert!(r.unknown[0].reason.contains("fixed event cannot be ordered"), "{}", r.unknown[0].reason);
    assert!(r.reasons.iter().any(|x| x.contains("2 advisory files could not be used")), "{:?}", r.reasons);
    // A component version the ordering cannot read is unknown too.
    let s = sbom::parse(
        "in.json",
        br#"{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{"name": "trac", "version": "latest", "purl": "pkg:pypi/trac@latest"}]}"#,
    )
    .unwrap();
    let r = assess(&s, &db, Vec::new());
    assert!(
        r.unknown.iter().any(|u| u.advisory == "CVE-2005-4644" && u.reason.contains("component's version")),
        "{:?}",
        r.unknown
    );
}

#[test]
fn vex_errors_name_the_file_and_the_place() {
    let e = |text: &str| vex::parse("v.json", text.as_bytes()).unwrap_err().to_string();
    assert!(e("{").contains("v.json: not JSON"));
    assert!(e("{}").contains("neither CycloneDX VEX"));
    assert!(e(r#"{"document": {"category": "csaf_security_advisory", "csaf_version": "2.0"}}"#).contains("csaf_vex"));
    assert!(e(r#"{"document": {"category": "csaf_vex", "csaf_version": "2.1"}}"#).contains("CSAF 2.0"));
    let shape = e(
        r#"{"bomFormat": "CycloneDX", "specVersion": "1.6", "vulnerabilities": [{"id": "X", "affects": [{"ref": 5}]}]}"#,
    );
    assert!(shape.contains("vulnerabilities[0].affects[0].ref"), "{shape}");
    let bad_state = vex::parse(
        "v.json",
        br#"{"bomFormat": "CycloneDX", "specVersion": "1.6", "vulnerabilities": [{"id": "X", "analysis": {"state": "fine"}, "affects": [{"ref": "a"}]}]}"#,
    )
    .unwrap();
    assert!(bad_state.statements.is_empty());
    assert!(bad_state.warnings[0].contains("\"fine\""), "{:?}", bad_state.warnings);
    let csaf = vex::parse(
        "v.json",
        br#"{"document": {"category": "csaf_vex", "csaf_version": "2.0"}, "product_tree": {"full_product_names": []},
             "vulnerabilities": [{"cve": "CVE-1", "product_status": {"known_not_affected": ["NOPE"]}}]}"#,
    )
    .unwrap();
    assert!(csaf.warnings[0].contains("\"NOPE\" is not in the product_tree"), "{:?}", csaf.warnings);
    let tmp = tempfile::tempdir().unwrap();
    let huge = tmp.path().join("vex.json");
    std::fs::File::create(&huge).unwrap().set_len(vex::MAX_VEX_BYTES + 1).unwrap();
    assert!(matches!(vex::load(&huge), Err(VexError::TooLarge { .. })));
}
