//! The format check and the parser, driven by one `check` helper over the
//! filled example: each case edits it and names the problem codes expected.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

use jiff::civil::{Date, date};
use starmark_checklist::{Applicability, Checklist, Encoding, EvidenceBundle, Severity, Verdict, parse, template};
use starmark_criteria::{CatalogSet, Level};

const EXAMPLE: &str = include_str!("../../../examples/star-1-home-camera/checklist.toml");
const TODAY: Date = date(2026, 11, 27);

fn catalogs() -> CatalogSet {
    CatalogSet::embedded().unwrap()
}

fn example() -> Checklist {
    parse(EXAMPLE.as_bytes(), Some(Encoding::Toml)).unwrap().checklist
}

/// Edits the example, runs the check, and compares the problems' codes
/// (errors first, then warnings, each in report order) with `expect`.
fn check(edit: impl FnOnce(&mut Checklist), expect: &[&str]) -> starmark_checklist::Report {
    check_with(&catalogs(), TODAY, edit, expect)
}

fn check_with(
    cats: &CatalogSet,
    today: Date,
    edit: impl FnOnce(&mut Checklist),
    expect: &[&str],
) -> starmark_checklist::Report {
    let mut c = example();
    edit(&mut c);
    let report = starmark_checklist::check(&c, cats, today);
    let mut got: Vec<(Severity, &str)> = report.problems.iter().map(|p| (p.severity, p.code)).collect();
    got.sort_by_key(|(s, _)| *s);
    let got: Vec<&str> = got.into_iter().map(|(_, c)| c).collect();
    assert_eq!(got, expect, "problems: {:#?}", report.problems);
    report
}

fn item(c: &mut Checklist, id: &str) -> usize {
    c.items.iter().position(|i| i.id == id).unwrap()
}

#[test]
fn the_filled_example_passes() {
    let r = check(|_| {}, &[]);
    assert!(r.passed());
}

#[test]
fn a_missing_criterion_is_named() {
    let r = check(|c| c.items.retain(|i| i.id != "S1.1-05"), &["criterion-missing"]);
    assert!(r.problems[0].message.contains("S1.1-05"));
    assert_eq!(r.problems[0].path.pointer(), "/items");
}

#[test]
fn duplicate_and_unknown_criteria() {
    let r = check(
        |c| {
            let dup = c.items[0].clone();
            c.items.push(dup);
            let mut extra = c.items[1].clone();
            extra.id = "S1.1-17".into();
            c.items.push(extra);
        },
        &["criterion-duplicate", "criterion-unknown"],
    );
    assert_eq!(r.problems[0].path.pointer(), "/items/16/id");
    assert!(r.problems[0].message.contains("also items[0]"));
}

#[test]
fn not_applicable_needs_a_justification() {
    check(
        |c| {
            let i = item(c, "S1.1-02");
            c.items[i].applicability = Some(Applicability::NotApplicable);
            c.items[i].verdict = None;
        },
        &["justification-missing"],
    );
    // S1.1-05 applies to every product: allowed with a justification, but flagged.
    check(
        |c| {
            let i = item(c, "S1.1-05");
            c.items[i].applicability = Some(Applicability::NotApplicable);
            c.items[i].justification = Some("no".into());
        },
        &["verdict-not-applicable", "not-applicable-unconditional"],
    );
}

#[test]
fn a_self_declaration_needs_every_applicable_item_to_conform() {
    check(|c| c.items[3].verdict = Some(Verdict::Inconclusive), &["verdict-not-conforming"]);
    check(|c| c.items[3].verdict = Some(Verdict::DoesNotConform), &["verdict-not-conforming"]);
    check(|c| c.items[3].verdict = None, &["verdict-missing"]);
    check(
        |c| {
            c.items[3].applicability = None;
            c.items[3].verdict = None;
        },
        &["item-unanswered"],
    );
    check(|c| c.items[3].applicability = None, &["applicability-missing"]);
}

#[test]
fn a_stated_device_check_cannot_be_replaced_by_documents() {
    let r = check(
        |c| {
            let i = item(c, "S1.1-04");
            c.items[i].method = vec![starmark_checklist::MethodUsed::Document];
        },
        &["method-mismatch"],
    );
    assert!(r.problems[0].message.contains("\"device_check\""));
    // Where the method is only inferred, a difference is a warning.
    check(
        |c| {
            let i = item(c, "S1.1-07");
            c.items[i].method = vec![starmark_checklist::MethodUsed::DeviceCheck];
        },
        &["method-differs"],
    );
    check(|c| c.items[0].method.clear(), &["method-missing"]);
}

#[test]
fn evidence_is_a_hashed_file_or_a_finding() {
    check(|c| c.items[0].evidence[0].sha256 = Some("ABC".into()), &["evidence-malformed"]);
    check(|c| c.items[0].evidence[0].sha256 = None, &["evidence-malformed"]);
    check(|c| c.items[0].evidence[0].finding = Some("SM-PORT-0023".into()), &["evidence-malformed"]);
    check(
        |c| {
            c.items[0].evidence =
                vec![starmark_checklist::Evidence { finding: Some("SM-PORT-0023".into()), ..Default::default() }]
        },
        &[],
    );
    check(|c| c.items[0].evidence.clear(), &["evidence-missing"]);
}

#[test]
fn evaluation_items_must_exist() {
    check(
        |c| {
            let i = item(c, "S1.1-07");
            c.items[i].evaluation_items[0].id = "9".into();
        },
        &["evaluation-item-unknown"],
    );
    check(
        |c| {
            let i = item(c, "S1.1-10");
            let d = c.items[i].evaluation_items[0].clone();
            c.items[i].evaluation_items.push(d);
        },
        &["evaluation-item-duplicate"],
    );
}

#[test]
fn evaluator_category_qualification_and_level() {
    check(|c| c.evaluator.category = "lab".into(), &["evaluator-category-unknown"]);
    check(|c| c.evaluator.qualification = None, &["qualification-missing"]);
    check(|c| c.evaluator.category = "testing_service_provider".into(), &["accreditation-missing"]);
    check(
        |c| c.level = Some(Level::Star3),
        &["category-missing", "catalog-level-mismatch", "evaluator-not-allowed", "items-ignored"],
    );
    check(|c| c.level = None, &["level-missing"]);
}

#[test]
fn dates_are_sane() {
    check(|c| c.evaluator.evaluated_on = Some(date(2026, 11, 28)), &["date-in-future"]);
    check(|c| c.evaluator.evaluated_on = Some(date(2024, 11, 30)), &["date-before-catalog"]);
    check(|c| c.evaluator.evaluated_on = None, &["field-missing"]);
    check_with(&catalogs(), date(2028, 1, 1), |_| {}, &["evaluation-old"]);
}

#[test]
fn product_fields_and_disclosure_choices() {
    check(
        |c| {
            c.product.name = Default::default();
            c.product.model_numbers = vec!["A".into(), "A".into(), " ".into()];
            c.product.manufacturer.disclose = None;
            c.product.country_of_manufacture.code = "Japan".into();
            c.product.url = Some("javascript:alert(1)".into());
            c.product.inquiry_contact = String::new();
        },
        &[
            "field-missing",
            "model-number-duplicate",
            "field-missing",
            "disclosure-not-chosen",
            "country-code-invalid",
            "url-invalid",
            "field-missing",
        ],
    );
    check(|c| c.product.overview.en = None, &["translation-missing"]);
    check(|c| c.applicant.corporate_number = Some("1234567890123".into()), &["corporate-number-invalid"]);
    check(|c| c.requested_validity_months = Some(30), &["validity-out-of-range"]);
    check(|c| c.requested_validity_months = Some(12), &[]);
    let digest = "4f1651581c13e556ba3e157ac9f47c1e255872d12e69a7ceeca926e085dec1d8".to_string();
    check(
        |c| {
            c.evidence_bundle =
                Some(EvidenceBundle { manifest_sha256: digest.clone(), key_id: Some("c5743df7afac8848".into()) })
        },
        &[],
    );
    check(
        |c| c.evidence_bundle = Some(EvidenceBundle { manifest_sha256: "ABC".into(), key_id: None }),
        &["evidence-bundle-malformed"],
    );
    check(
        |c| c.evidence_bundle = Some(EvidenceBundle { manifest_sha256: digest.clone(), key_id: Some("k".into()) }),
        &["evidence-bundle-malformed"],
    );
    check(|c| c.category = Some("network-camera".into()), &["category-unexpected"]);
}

#[test]
fn oversized_text_is_refused() {
    let r = check(|c| c.items[0].remarks = Some("あ".repeat(10_001)), &["text-too-long"]);
    assert_eq!(r.problems[0].path.pointer(), "/items/0/remarks");
}

#[test]
fn catalog_versions_gate_applications() {
    check(|c| c.criteria.version = "9.9".into(), &["catalog-unknown"]);
    check(|c| c.criteria.catalog = "uk-psti".into(), &["catalog-unknown"]);
    check(|c| c.format = "starmark-checklist/2".into(), &["format"]);

    // A catalog directory where 1.1 is superseded by 1.2 with a grace end.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../catalog");
    let mut files = starmark_criteria::read_dir_files(&dir).unwrap();
    let old =
        String::from_utf8(files.iter().find(|(n, _)| n == "catalogs/star-1-1.1.toml").unwrap().1.clone()).unwrap();
    let superseded = old.replacen("state = \"current\"", "state = \"superseded\"\ngrace_end = 2027-03-31", 1);
    let newer = old.replacen("version = \"1.1\"", "version = \"1.2\"", 1).replacen(
        "published = 2024-12-01",
        "published = 2026-10-01",
        1,
    );
    for (n, b) in files.iter_mut() {
        if n == "catalogs/star-1-1.1.toml" {
            *b = superseded.clone().into_bytes();
        }
    }
    files.push(("catalogs/star-1-1.2.toml".into(), newer.into_bytes()));
    let cats = CatalogSet::from_files("test", files.clone()).unwrap();
    check_with(&cats, date(2027, 3, 31), |_| {}, &["catalog-superseded"]);
    let r = check_with(&cats, date(2027, 4, 1), |_| {}, &["catalog-not-accepted"]);
    assert!(r.problems[0].message.contains("2027-03-31"), "{}", r.problems[0].message);
    assert!(r.problems[0].help.contains("1.2"));

    let retired = old.replacen("state = \"current\"", "state = \"retired\"", 1);
    let mut files2 = files;
    for (n, b) in files2.iter_mut() {
        if n == "catalogs/star-1-1.1.toml" {
            *b = retired.clone().into_bytes();
        }
    }
    let cats = CatalogSet::from_files("test", files2).unwrap();
    check_with(&cats, TODAY, |_| {}, &["catalog-not-accepted"]);
}

#[test]
fn the_untouched_template_fails_naming_every_unanswered_item() {
    let cats = catalogs();
    let text = template(&cats, Level::Star1, Encoding::Toml).unwrap();
    let doc = parse(text.as_bytes(), Some(Encoding::Toml)).unwrap();
    let r = starmark_checklist::check(&doc.checklist, &cats, TODAY);
    let unanswered: Vec<String> =
        r.problems.iter().filter(|p| p.code == "item-unanswered").map(|p| p.message.clone()).collect();
    let expected: Vec<String> = (1..=16).map(|n| format!("S1.1-{n:02} is not answered")).collect();
    assert_eq!(unanswered, expected);
    // Every unanswered item is located at its own [[items]] table.
    let lines: Vec<usize> =
        r.problems.iter().filter(|p| p.code == "item-unanswered").map(|p| doc.locate(&p.path).unwrap().line).collect();
    for (n, l) in lines.iter().enumerate() {
        let text_line = text.lines().nth(l - 1).unwrap();
        assert!(
            text_line.starts_with("[[items]]") || text_line.contains(&format!("S1.1-{:02}", n + 1)),
            "line {l}: {text_line}"
        );
    }
    insta::assert_snapshot!("template_report", render(&doc, &r));

    let json = template(&cats, Level::Star1, Encoding::Json).unwrap();
    let jdoc = parse(json.as_bytes(), None).unwrap();
    assert_eq!(jdoc.encoding, Encoding::Json);
    assert_eq!(jdoc.checklist.items.len(), 16);
    assert!(template(&cats, Level::Star2, Encoding::Toml).is_err(), "no STAR-2 catalog ships yet");
}

fn render(doc: &starmark_checklist::Document, r: &starmark_checklist::Report) -> String {
    r.problems
        .iter()
        .map(|p| {
            format!(
                "{}:{:?}:{}:{}: {}",
                doc.locate(&p.path).map(|a| a.to_string()).unwrap_or_default(),
                p.severity,
                p.code,
                p.path.pointer(),
                p.message
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn toml_and_json_are_one_model() {
    let c = example();
    let json = serde_json::to_string_pretty(&c).unwrap();
    let back = parse(json.as_bytes(), Some(Encoding::Json)).unwrap().checklist;
    assert_eq!(back, c);
    assert!(starmark_checklist::check(&back, &catalogs(), TODAY).passed());
}

#[test]
fn the_published_schema_is_the_generated_one() {
    let published = include_str!("../../../docs/checklist.schema.json");
    let generated = serde_json::to_string_pretty(&starmark_checklist::json_schema()).unwrap() + "\n";
    assert!(
        published == generated,
        "docs/checklist.schema.json is stale; regenerate it with `cargo run -- checklist schema > docs/checklist.schema.json`"
    );
}

/// Parses `src` and returns the error's kind code, location and message.
fn parse_err(src: &[u8], enc: Option<Encoding>) -> (String, Option<String>, Option<String>, String) {
    let e = parse(src, enc).unwrap_err();
    (e.kind.code().to_string(), e.at.map(|a| a.to_string()), e.path.map(|p| p.pointer()), e.message)
}

#[test]
fn bad_input_gives_a_located_error() {
    // TOML syntax.
    let (k, at, _, m) = parse_err(b"format = \"x\"\nlevel = \n", Some(Encoding::Toml));
    assert_eq!((k.as_str(), at.as_deref()), ("syntax", Some("2:9")), "{m}");
    // Unknown field, with its path and line.
    let src = EXAMPLE.replacen("verdict = \"conforms\"", "verdict = \"conforms\"\nverdikt = 1", 1);
    let (k, at, ptr, m) = parse_err(src.as_bytes(), Some(Encoding::Toml));
    assert_eq!(k, "shape");
    assert!(m.contains("unknown field `verdikt`"), "{m}");
    assert_eq!(ptr.as_deref(), Some("/items/0/verdikt"));
    let line = at.unwrap().split(':').next().unwrap().parse::<usize>().unwrap();
    assert_eq!(src.lines().nth(line - 1).unwrap(), "verdikt = 1");
    // Wrong type and unknown enum value.
    let (k, _, ptr, _) =
        parse_err(EXAMPLE.replacen("level = \"star-1\"", "level = 1", 1).as_bytes(), Some(Encoding::Toml));
    assert_eq!((k.as_str(), ptr.as_deref()), ("shape", Some("/level")));
    let (_, _, ptr, m) =
        parse_err(EXAMPLE.replacen("verdict = \"conforms\"", "verdict = \"ok\"", 1).as_bytes(), Some(Encoding::Toml));
    assert_eq!(ptr.as_deref(), Some("/items/0/verdict"));
    assert!(m.contains("conforms"), "{m}");
    // A bad date.
    let (_, _, ptr, m) = parse_err(
        EXAMPLE.replacen("evaluated_on = 2026-10-15", "evaluated_on = \"2026-02-31\"", 1).as_bytes(),
        Some(Encoding::Toml),
    );
    assert_eq!(ptr.as_deref(), Some("/evaluator/evaluated_on"));
    assert!(m.contains("not a real calendar date"), "{m}");
    // JSON syntax, JSON shape, trailing garbage.
    let (k, at, _, _) = parse_err(b"{\n  \"format\": \"x\",\n  \"level\": }", None);
    assert_eq!((k.as_str(), at.as_deref()), ("syntax", Some("3:12")));
    let (k, _, ptr, _) = parse_err(br#"{"items": [{"id": 5}]}"#, None);
    assert_eq!((k.as_str(), ptr.as_deref()), ("shape", Some("/items/0/id")));
    let (k, _, _, _) = parse_err(br#"{"format": "x"} {}"#, None);
    assert_eq!(k, "syntax");
    // Not UTF-8 (Shift_JIS bytes), and too large.
    let (k, at, _, _) = parse_err(b"format = \"\x83\x65\x83\x58\x83\x67\"", None);
    assert_eq!((k.as_str(), at.as_deref()), ("not-utf8", Some("1:11")));
    let big = vec![b' '; starmark_checklist::MAX_BYTES + 1];
    assert_eq!(parse_err(&big, None).0, "too-large");
    // A UTF-8 byte-order mark is accepted.
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(EXAMPLE.as_bytes());
    assert!(parse(&bom, None).is_ok());
}

#[test]
fn hostile_strings_are_just_text() {
    // Injection-looking values are data; the check neither chokes nor alters them.
    check(
        |c| {
            c.product.name.ja = Some("'; DROP TABLE labels; --<script>alert(1)</script>".into());
            c.product.model_numbers.push("../../etc/passwd".into());
        },
        &[],
    );
    // Invisible controls and bidirectional overrides are refused: they could
    // disguise text on the public page.
    for bad in ["a\u{0}b", "\u{202e}evil", "x\u{1b}[31m"] {
        let r = check(|c| c.items[0].remarks = Some(bad.into()), &["text-control-character"]);
        assert_eq!(r.problems[0].path.pointer(), "/items/0/remarks");
    }
    check(|c| c.items[0].remarks = Some("line one\nline two\ttabbed".into()), &[]);
}

mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let cats = catalogs();
            for enc in [None, Some(Encoding::Toml), Some(Encoding::Json)] {
                if let Ok(doc) = parse(&bytes, enc) {
                    let _ = starmark_checklist::check(&doc.checklist, &cats, TODAY);
                }
            }
        }

        #[test]
        fn mutated_example_never_panics(edits in proptest::collection::vec((0usize..EXAMPLE.len(), any::<u8>(), 0u8..3), 1..8)) {
            let mut bytes = EXAMPLE.as_bytes().to_vec();
            for (pos, b, op) in edits {
                let pos = pos.min(bytes.len().saturating_sub(1));
                match op {
                    0 => bytes[pos] = b,
                    1 => { bytes.remove(pos); }
                    _ => bytes.insert(pos, b),
                }
            }
            if let Ok(doc) = parse(&bytes, Some(Encoding::Toml)) {
                let r = starmark_checklist::check(&doc.checklist, &catalogs(), TODAY);
                for p in &r.problems {
                    let _ = doc.locate(&p.path);
                    prop_assert!(!p.message.is_empty() && !p.help.is_empty());
                }
            }
        }

        #[test]
        fn every_removed_criterion_is_reported_and_nothing_else(mask in proptest::collection::vec(any::<bool>(), 16)) {
            let mut c = example();
            let removed: Vec<String> = c.items.iter().zip(&mask).filter(|(_, m)| **m).map(|(i, _)| i.id.clone()).collect();
            c.items = c.items.into_iter().zip(&mask).filter(|(_, m)| !**m).map(|(i, _)| i).collect();
            let r = starmark_checklist::check(&c, &catalogs(), TODAY);
            let missing: Vec<&str> = r.problems.iter().filter(|p| p.code == "criterion-missing").map(|p| p.message.split(' ').next().unwrap()).collect();
            prop_assert_eq!(missing, removed.iter().map(String::as_str).collect::<Vec<_>>());
            prop_assert_eq!(r.problems.len(), removed.len());
        }

        #[test]
        fn arbitrary_field_text_round_trips_through_both_encodings(name in "\\PC{0,40}", remark in "\\PC{0,80}") {
            let mut c = example();
            c.product.name.ja = Some(name);
            c.items[2].remarks = Some(remark);
            let json = serde_json::to_string(&c).unwrap();
            prop_assert_eq!(&parse(json.as_bytes(), Some(Encoding::Json)).unwrap().checklist, &c);
            let toml_text = toml::to_string(&c).unwrap();
            prop_assert_eq!(&parse(toml_text.as_bytes(), Some(Encoding::Toml)).unwrap().checklist, &c);
        }
    }
}
