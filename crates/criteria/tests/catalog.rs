//! The shipped catalog loads cleanly, and broken catalogs are reported with
//! file, key, line and reason.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

use starmark_criteria::{Basis, CatalogSet, Level, MethodsBasis};

fn embedded_files() -> Vec<(String, Vec<u8>)> {
    starmark_criteria::read_dir_files(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../catalog")).unwrap()
}

#[test]
fn every_shipped_file_loads_without_problems() {
    let set = match CatalogSet::embedded() {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    };
    // The embedded copy is the directory in the repository.
    let from_dir =
        CatalogSet::from_dir(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../catalog")).unwrap();
    assert_eq!(set.catalogs.len(), from_dir.catalogs.len());
    assert_eq!(set.crosswalks.len(), from_dir.crosswalks.len());
    for id in ["star-1", "etsi-en-303-645", "sg-cls", "uk-psti", "nistir-8425", "eu-cra"] {
        assert!(set.current(id).is_some(), "no current catalog {id}");
    }
}

#[test]
fn star_1_has_exactly_sixteen_requirements_and_marks_what_is_unknown() {
    let set = CatalogSet::embedded().unwrap();
    let c = set.current_for_level(Level::Star1).unwrap();
    let ids: Vec<_> = c.requirements.iter().map(|r| r.id.as_str()).collect();
    let expected: Vec<String> = (1..=16).map(|n| format!("S1.1-{n:02}")).collect();
    assert_eq!(ids, expected);
    let r09 = c.requirement("S1.1-09").unwrap();
    assert!(r09.title.get(starmark_criteria::Lang::En).contains("hypothesis"));
    assert_eq!(r09.methods_basis, Some(MethodsBasis::Unknown));
    let r16 = c.requirement("S1.1-16").unwrap();
    assert_eq!(r16.confidence, Some(starmark_criteria::Confidence::Unknown));
    // The device checks the scheme states.
    assert_eq!(c.requirement("S1.1-04").unwrap().methods, vec![starmark_criteria::Method::DeviceCheck]);
    assert!(c.requirement("S1.1-13").unwrap().methods_known());
}

#[test]
fn etsi_statuses_render_as_in_the_standard() {
    let set = CatalogSet::embedded().unwrap();
    let e = set.current("etsi-en-303-645").unwrap();
    assert_eq!(e.requirements.len(), 68);
    let status = |id: &str| e.requirement(id).unwrap().status().unwrap();
    assert_eq!(status("5.1-1"), "M C (1)");
    assert_eq!(status("5.3-6"), "R C (9, 12)");
    assert_eq!(status("5.2-1"), "M");
    assert_eq!(status("5.3-10"), "M C (11, 12)");
}

#[test]
fn scheme_parameters_hold_the_policy_numbers() {
    let set = CatalogSet::embedded().unwrap();
    let s = &set.scheme;
    for l in [Level::Star1, Level::Star2] {
        assert_eq!(s.level(l).unwrap().validity_max_months, 24);
    }
    for l in [Level::Star3, Level::Star4] {
        assert_eq!(s.level(l).unwrap().evaluators, vec!["independent_test_laboratory".to_string()]);
    }
    assert_eq!(s.procurement_rule("government-low").unwrap().minimum_level, Level::Star1);
    assert_eq!(s.procurement_rule("critical-infrastructure-selected").unwrap().minimum_level, Level::Star2);
    assert_eq!(s.procurement_rule("government-high-medium").unwrap().minimum_level, Level::Star3);
    assert_eq!(s.revocation_grounds.len(), 5);
}

#[test]
fn psti_and_cls_crosswalks_agree_with_the_route_through_etsi() {
    // PSTI and CLS requirements are defined by ETSI provisions (`refs`), so
    // the direct STAR-1 links must be exactly those the ETSI crosswalk implies.
    let set = CatalogSet::embedded().unwrap();
    let star = set.current("star-1").unwrap();
    let etsi = set.current("etsi-en-303-645").unwrap();
    let via = set.crosswalk(star, etsi).unwrap();
    for target in ["uk-psti", "sg-cls"] {
        let t = set.current(target).unwrap();
        let direct = set.crosswalk(star, t).unwrap();
        for r in &t.requirements {
            let mut implied: Vec<(&str, Basis)> = via
                .links
                .iter()
                .filter(|l| r.refs.iter().any(|rf| l.to.contains(&rf.id)))
                .map(|l| (l.from.as_str(), l.basis))
                .collect();
            let mut stated: Vec<(&str, Basis)> =
                direct.links.iter().filter(|l| l.to.contains(&r.id)).map(|l| (l.from.as_str(), l.basis)).collect();
            implied.sort();
            stated.sort();
            assert_eq!(stated, implied, "{target} {}", r.id);
        }
    }
}

/// Loads the shipped files with one file replaced (or added), expecting
/// problems whose text contains each of `expect`.
fn check(file: &str, edit: impl Fn(String) -> String, expect: &[&str]) {
    let mut files = embedded_files();
    match files.iter_mut().find(|(n, _)| n == file) {
        Some((_, bytes)) => *bytes = edit(String::from_utf8(bytes.clone()).unwrap()).into_bytes(),
        None => files.push((file.to_string(), edit(String::new()).into_bytes())),
    }
    let err = CatalogSet::from_files("test", files).expect_err("expected problems");
    let text = err.to_string();
    for e in expect {
        assert!(text.contains(e), "expected `{e}` in:\n{text}");
    }
    assert_eq!(err.problems[0].file, file, "first problem should be in the edited file:\n{text}");
}

const STAR1: &str = "catalogs/star-1-1.1.toml";

#[test]
fn duplicate_requirement_id() {
    check(
        STAR1,
        |s| s.replacen("id = \"S1.1-02\"", "id = \"S1.1-01\"", 1),
        &["requirements[1].id", "duplicate requirement id `S1.1-01`"],
    );
}

#[test]
fn missing_translation_names_the_key_and_line() {
    check(
        STAR1,
        |s| {
            s.replacen("title = { ja = \"アクセス制御・認証\"", "title = { xx = \"\"", 0).replacen(
                "title = { ja = \"IPで到達できる機能へのアクセス制御\", ",
                "title = { ",
                1,
            )
        },
        &["requirements[0].title", "missing Japanese text", ":"],
    );
}

#[test]
fn bad_dates_are_reported_with_their_key() {
    check(
        STAR1,
        |s| s.replacen("published = 2024-12-01", "published = \"2024-13-01\"", 1),
        &["catalog.published", "not a real calendar date"],
    );
    check(
        STAR1,
        |s| s.replacen("published = 2024-12-01", "published = \"1 Dec 2024\"", 1),
        &["catalog.published", "YYYY-MM-DD"],
    );
}

#[test]
fn superseded_without_grace_end() {
    check(STAR1, |s| s.replacen("state = \"current\"", "state = \"superseded\"", 1), &["catalog.state", "grace_end"]);
}

#[test]
fn unknown_field_is_named() {
    check(
        STAR1,
        |s| s.replacen("confidence = \"medium\"", "confidence = \"medium\"\nconfidense = 1", 1),
        &["unknown field `confidense`"],
    );
}

#[test]
fn crosswalk_to_unknown_requirement() {
    check(
        "crosswalks/star-1-to-uk-psti.toml",
        |s| s.replacen("to = [\"psti-passwords\"]", "to = [\"psti-passwordz\"]", 1),
        &["links[0].to[0]", "`psti-passwordz` is not a requirement of uk-psti 2023"],
    );
    check(
        "crosswalks/star-1-to-uk-psti.toml",
        |s| s.replacen("from = \"S1.1-02\"", "from = \"S1.1-99\"", 1),
        &["links[0].from", "`S1.1-99` is not a requirement of star-1 1.1"],
    );
}

#[test]
fn ref_to_unknown_provision() {
    check(
        "catalogs/uk-psti-2023.toml",
        |s| s.replacen("id = \"5.2-1\"", "id = \"5.2-9\"", 1),
        &["refs[0].id", "`5.2-9` is not a requirement"],
    );
}

#[test]
fn syntax_error_and_non_utf8() {
    check(STAR1, |s| s.replacen("[catalog]", "[catalog", 1), &["star-1-1.1.toml:9:9: (syntax): unclosed table"]);
    let mut files = embedded_files();
    files.push(("catalogs/bad.toml".into(), vec![b'a', 0xff, 0xfe]));
    let err = CatalogSet::from_files("test", files).unwrap_err();
    assert!(err.to_string().contains("not valid UTF-8"), "{err}");
}

#[test]
fn two_current_versions_of_one_catalog() {
    check(
        "catalogs/star-1-1.2.toml",
        |_| {
            let src = std::fs::read_to_string(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../catalog/catalogs/star-1-1.1.toml"),
            )
            .unwrap();
            src.replacen("version = \"1.1\"", "version = \"1.2\"", 1)
        },
        &["already has a current version"],
    );
}

#[test]
fn unknown_evaluator_in_a_level() {
    check(
        "scheme.toml",
        |s| s.replacen("evaluators = [\"independent_test_laboratory\"]", "evaluators = [\"lab\"]", 1),
        &["levels[2].evaluators[0]", "unknown evaluator category `lab`"],
    );
}
