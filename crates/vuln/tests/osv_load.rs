//! Reading OSV records: real records load with the database's identity;
//! every bad file is a warning that names it, never a silent skip.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

use std::path::Path;

use starmark_vuln::osv::{LoadError, MAX_RECORD_BYTES, load_dir};

fn data() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/osv"))
}

#[test]
fn real_records_load_with_their_identity() {
    let db = load_dir(data()).unwrap();
    assert!(db.warnings.is_empty(), "{:?}", db.warnings);
    let mut ids: Vec<&str> = db.records.iter().map(|r| r.id.as_str()).collect();
    ids.sort_unstable();
    assert_eq!(
        ids,
        [
            "ALPINE-CVE-2025-26519",
            "CVE-2024-51757",
            "DLA-3008-1",
            "DSA-3029-1",
            "GHSA-288c-cq4h-88gq",
            "GHSA-6vvc-c2m3-cjf3",
            "GHSA-rvwf-54qp-4r6v",
            "GHSA-w73w-5m7g-f7qc",
            "GO-2020-0017",
            "PYSEC-2005-1",
            "PYSEC-2019-144",
            "PYSEC-2020-217",
            "RUSTSEC-2016-0001",
            "RUSTSEC-2021-0020",
            "RUSTSEC-2023-0005"
        ]
    );
    assert_eq!((db.identity.files, db.identity.records, db.identity.withdrawn), (15, 15, 1));
    assert_eq!(db.identity.newest_modified.as_deref(), Some("2026-07-15T01:49:09.413801888Z"));
    // The same files give the same identity.
    assert_eq!(load_dir(data()).unwrap().identity.sha256, db.identity.sha256);
    let rustsec = db.records.iter().find(|r| r.id == "RUSTSEC-2016-0001").unwrap();
    assert_eq!(rustsec.affected[0].package.as_ref().unwrap().purl.as_deref(), Some("pkg:cargo/openssl"));
    assert_eq!(rustsec.severity[0].kind, "CVSS_V3");
    let dsa = db.records.iter().find(|r| r.id == "DSA-3029-1").unwrap();
    assert_eq!(dsa.affected[0].ranges[0].events[1].fixed.as_deref(), Some("1.2.1-2.2+wheezy3"));
}

#[test]
fn bad_files_are_warnings_that_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for f in ["DSA-3029-1.json", "RUSTSEC-2016-0001.json"] {
        std::fs::copy(data().join(f), d.join(f)).unwrap();
    }
    let good = std::fs::read_to_string(data().join("DSA-3029-1.json")).unwrap();
    std::fs::create_dir(d.join("nested")).unwrap();
    std::fs::write(d.join("nested/duplicate.json"), &good).unwrap();
    std::fs::write(d.join("truncated.json"), &good[..good.len() / 2]).unwrap();
    std::fs::write(d.join("no-id.json"), r#"{"modified": "2024-01-01T00:00:00Z"}"#).unwrap();
    std::fs::write(d.join("bad-time.json"), r#"{"id": "X-1", "modified": "yesterday"}"#).unwrap();
    std::fs::write(d.join("not-a-record.json"), "[1, 2, 3]").unwrap();
    std::fs::write(d.join("huge.json"), vec![b' '; MAX_RECORD_BYTES as usize + 1]).unwrap();
    std::fs::write(d.join("notes.txt"), "not JSON, not read").unwrap();

    let db = load_dir(d).unwrap();
    let warned = |file: &str, says: &str| {
        assert!(
            db.warnings.iter().any(|w| w.file == file && w.message.contains(says)),
            "no warning for {file} saying {says:?}: {:#?}",
            db.warnings
        );
    };
    warned("nested/duplicate.json", "DSA-3029-1 is also in DSA-3029-1.json");
    warned("truncated.json", "not an OSV record");
    warned("no-id.json", "missing field `id`");
    warned("bad-time.json", "not an RFC 3339 time");
    warned("not-a-record.json", "not an OSV record");
    warned("huge.json", "more than");
    assert_eq!(db.warnings.len(), 6, "{:#?}", db.warnings);
    // The record with a bad time is still used; the others are not.
    let mut ids: Vec<&str> = db.records.iter().map(|r| r.id.as_str()).collect();
    ids.sort_unstable();
    assert_eq!(ids, ["DSA-3029-1", "RUSTSEC-2016-0001", "X-1"]);
    assert_eq!(db.identity.files, 8, "the .txt file is not an advisory file");
    assert_eq!(db.identity.records, 3);

    // A changed file changes the identity.
    let before = db.identity.sha256.clone();
    std::fs::write(d.join("bad-time.json"), r#"{"id": "X-1", "modified": "2024-01-01T00:00:00Z"}"#).unwrap();
    assert_ne!(load_dir(d).unwrap().identity.sha256, before);
}

#[test]
fn an_empty_or_missing_directory_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(load_dir(dir.path()), Err(LoadError::Empty(_))));
    let e = load_dir(&dir.path().join("missing")).unwrap_err();
    assert!(e.to_string().contains("missing"), "{e}");
}

/// Every range event of the real records reads in its ecosystem's
/// ordering (or the ecosystem is known to be unsupported).
#[test]
fn real_range_events_read_in_their_ecosystem_ordering() {
    use starmark_vuln::version::Scheme;
    let db = load_dir(data()).unwrap();
    let mut read = 0;
    for r in &db.records {
        // Records about a repository (GIT ranges) name no package.
        for a in r.affected.iter().filter(|a| a.package.is_some()) {
            let eco = &a.package.as_ref().unwrap().ecosystem;
            let scheme = Scheme::for_ecosystem(eco).unwrap_or_else(|| panic!("{}: {eco} unsupported", r.id));
            for range in a.ranges.iter().filter(|g| g.kind != "GIT") {
                let scheme = if range.kind == "SEMVER" { Scheme::Semver } else { scheme };
                for e in &range.events {
                    for v in [&e.introduced, &e.fixed, &e.last_affected].into_iter().flatten() {
                        // "0" means "from the first version" in every scheme.
                        if v != "0" {
                            scheme.parse(v).unwrap_or_else(|err| panic!("{}: {err}", r.id));
                            read += 1;
                        }
                    }
                }
            }
        }
    }
    assert!(read >= 3, "{read}");
}
