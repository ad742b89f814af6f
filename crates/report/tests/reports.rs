//! The reports of one evaluation, checked by tools no one here wrote: the
//! OSCAL document against NIST's published 1.0.6 schema (pinned in
//! `tests/data`, source in its SOURCES.md), the xlsx read back with
//! calamine and converted by LibreOffice (`soffice`, Debian
//! `libreoffice-calc-nogui`; `cargo xtask test` installs it, and this test
//! fails rather than skips without it), cell for cell against the checklist.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

use serde_json::{Value, json};
use starmark_checklist::evaluate::{Evaluation, EvidenceFiles, ScanFinding, ScanInput, evaluate};
use starmark_checklist::{Applicability, Checklist, EvidenceBundle};
use starmark_criteria::{CatalogSet, Lang};
use starmark_report::{Input, Outcome};

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/star-1-home-camera/checklist.toml");
const HOSTILE: &str = "<script>alert(1)</script> & \"quoted\" 'x' =SUM(A1) \u{202e}";
const DIGEST: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

fn finding(id: &str, severity: &str, criteria: &[&str]) -> ScanFinding {
    ScanFinding {
        id: id.into(),
        severity: severity.into(),
        criteria: criteria.iter().map(|c| c.to_string()).collect(),
        title: id.into(),
        title_ja: format!("{id} の所見"),
        evidence: String::new(),
    }
}

/// The example checklist evaluated against a weak device: every outcome
/// appears (conforms, does not conform with a contradiction, inconclusive,
/// not applicable, unanswered), with hostile text in a remark.
fn evaluated() -> (Checklist, Evaluation) {
    let doc =
        starmark_checklist::parse(&std::fs::read(EXAMPLE).unwrap(), Some(starmark_checklist::Encoding::Toml)).unwrap();
    let mut c = doc.checklist;
    for item in &mut c.items {
        match item.id.as_str() {
            "S1.1-15" => {
                item.applicability = Some(Applicability::NotApplicable);
                item.verdict = None;
                item.justification = Some("The product has no such function.".into());
            }
            "S1.1-16" => item.verdict = None,
            "S1.1-05" => item.remarks = Some(HOSTILE.into()),
            _ => {}
        }
    }
    let scan = ScanInput {
        format: "starmark-scan/1".into(),
        complete: true,
        findings: vec![
            finding("default-credentials/tcp/23", "high", &["S1.1-02", "S1.1-01"]),
            finding("exposed/tcp/23", "info", &["S1.1-13"]),
            finding("risky/tcp/23", "high", &["S1.1-13"]),
            finding("mqtt/no-tls/tcp/1883", "warning", &["S1.1-12"]),
        ],
        check_settings: None,
        login_coverage: None,
    };
    let files = EvidenceFiles { scan: Some(("evidence/scan/scan-1.json".into(), "ab".repeat(32))), vuln: None };
    let (mut done, e) = evaluate(&c, Some(&scan), None, &files);
    done.evidence_bundle =
        Some(EvidenceBundle { manifest_sha256: DIGEST.into(), key_id: Some("0123456789abcdef".into()) });
    (done, e)
}

/// The reports' input for `c` and `e`, as `starmark evaluate` makes it.
fn with<T>(c: &Checklist, e: &Evaluation, f: impl FnOnce(&Input) -> T) -> T {
    let cats = CatalogSet::embedded().unwrap();
    let catalog = cats.catalog(&c.criteria.catalog, &c.criteria.version).unwrap();
    f(&Input {
        checklist: c,
        evaluation: e,
        catalog,
        evaluated_at: "2026-11-28T09:00:00Z".parse().unwrap(),
        tool: "starmark 0.1.0",
        root: "../",
    })
}

fn with_input<T>(f: impl FnOnce(&Input) -> T) -> T {
    let (c, e) = evaluated();
    with(&c, &e, f)
}

fn outcome(c: &Checklist, id: &str) -> Outcome {
    Outcome::of(c.items.iter().find(|i| i.id == id).unwrap())
}

#[test]
fn the_fixture_has_every_outcome() {
    let (c, e) = evaluated();
    assert_eq!(outcome(&c, "S1.1-01"), Outcome::DoesNotConform);
    assert_eq!(outcome(&c, "S1.1-02"), Outcome::DoesNotConform);
    assert_eq!(outcome(&c, "S1.1-03"), Outcome::Conforms);
    assert_eq!(outcome(&c, "S1.1-04"), Outcome::Inconclusive);
    assert_eq!(outcome(&c, "S1.1-15"), Outcome::NotApplicable);
    assert_eq!(outcome(&c, "S1.1-16"), Outcome::Unanswered);
    assert!(e.contradictions >= 2, "{}", e.contradictions);
}

// ---- OSCAL ----

fn oscal_validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_slice(
        &std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/oscal_assessment-results_schema.json"))
            .unwrap(),
    )
    .unwrap();
    jsonschema::options().should_validate_formats(true).build(&schema).unwrap()
}

fn oscal_errors(v: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc).map(|e| format!("{}: {e}", e.instance_path())).collect()
}

#[test]
fn oscal_assessment_results_validate_against_nist_1_0_6() {
    let v = oscal_validator();
    let doc = with_input(starmark_report::oscal::assessment_results);
    let errors = oscal_errors(&v, &doc);
    assert!(errors.is_empty(), "{}\n{doc:#}", errors.join("\n"));

    // The validator can fail: a finding without its target, a made-up
    // status, a UUID that is not one.
    let mut broken = doc.clone();
    broken["assessment-results"]["results"][0]["findings"][0].as_object_mut().unwrap().remove("target");
    assert!(!oscal_errors(&v, &broken).is_empty());
    let mut broken = doc.clone();
    broken["assessment-results"]["results"][0]["findings"][0]["target"]["status"]["state"] = "maybe".into();
    assert!(!oscal_errors(&v, &broken).is_empty());
    let mut broken = doc.clone();
    broken["assessment-results"]["uuid"] = "not-a-uuid".into();
    assert!(!oscal_errors(&v, &broken).is_empty());
}

#[test]
fn oscal_findings_say_satisfied_only_for_conforms() {
    let doc = with_input(starmark_report::oscal::assessment_results);
    let result = &doc["assessment-results"]["results"][0];
    let status = |id: &str| -> Value {
        result["findings"].as_array().unwrap().iter().find(|f| f["target"]["target-id"] == id).unwrap()["target"]["status"]
            .clone()
    };
    assert_eq!(status("S1.1-03"), json!({"state": "satisfied", "reason": "pass"}));
    assert_eq!(status("S1.1-02"), json!({"state": "not-satisfied", "reason": "fail"}));
    assert_eq!(status("S1.1-04")["state"], "not-satisfied", "inconclusive is never a pass");
    assert_eq!(status("S1.1-16")["state"], "not-satisfied", "unanswered is never a pass");
    // Not applicable: excluded from the reviewed controls, no finding.
    let sel = &result["reviewed-controls"]["control-selections"][0];
    assert_eq!(sel["exclude-controls"], json!([{"control-id": "S1.1-15"}]));
    assert!(!sel["include-controls"].as_array().unwrap().iter().any(|c| c["control-id"] == "S1.1-15"));
    assert!(!result["findings"].as_array().unwrap().iter().any(|f| f["target"]["target-id"] == "S1.1-15"));
    // The device check is TEST with its finding as evidence; the contradiction is in the remarks.
    let obs = result["observations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["title"].as_str().unwrap().starts_with("S1.1-02"))
        .unwrap();
    assert!(obs["methods"].as_array().unwrap().contains(&json!("TEST")), "{obs:#}");
    assert!(obs["relevant-evidence"].to_string().contains("default-credentials/tcp/23"), "{obs:#}");
    assert!(obs["remarks"].as_str().unwrap().contains("CONTRADICTION"), "{obs:#}");
    // The evidence bundle's manifest, by digest.
    let rlink = &doc["assessment-results"]["back-matter"]["resources"][0]["rlinks"][0];
    assert_eq!(rlink["hashes"][0]["value"], DIGEST);
    // Relative references resolve from the reports' folder.
    assert_eq!(rlink["href"], "../evidence/manifest.json");
    assert_eq!(doc["assessment-results"]["import-ap"]["href"], "../checklist.toml");
    assert!(obs["relevant-evidence"].to_string().contains("\"../evidence/scan/scan-1.json\""), "{obs:#}");
    // Same evaluation, same document (name-based UUIDs).
    assert_eq!(doc, with_input(starmark_report::oscal::assessment_results));
}

#[test]
fn oscal_stays_valid_with_hostile_ids_and_empty_names() {
    let v = oscal_validator();
    let (mut c, e) = evaluated();
    c.items[0].id = "1 bad id<>".into();
    c.evaluator.name = "   ".into();
    c.applicant.name = Default::default();
    c.evidence_bundle = Some(EvidenceBundle { manifest_sha256: "nothex".into(), key_id: Some(String::new()) });
    c.evaluator.name = "Acme\nLab ".into();
    c.product.name.en = Some("Camera\n\tX".into());
    c.items[1].evidence = vec![
        starmark_checklist::Evidence {
            path: Some("design spec.pdf".into()),
            sha256: Some(String::new()),
            ..Default::default()
        },
        starmark_checklist::Evidence {
            path: Some("設計書/仕様 1.pdf".into()),
            sha256: Some(" ".into()),
            ..Default::default()
        },
        starmark_checklist::Evidence { finding: Some(String::new()), ..Default::default() },
        starmark_checklist::Evidence { finding: Some(" a\nb ".into()), ..Default::default() },
    ];
    let doc = with(&c, &e, starmark_report::oscal::assessment_results);
    let errors = oscal_errors(&v, &doc);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    assert!(doc.to_string().contains("../design%20spec.pdf"), "hrefs are percent-encoded");
}

// ---- xlsx ----

fn xlsx_bytes() -> Vec<u8> {
    with_input(|i| starmark_report::xlsx::write(i).unwrap())
}

/// Compares the read-back rows with what the checklist says, cell by cell.
fn assert_matches_checklist(read: &[Vec<String>], what: &str) {
    let (c, _) = evaluated();
    let expected = with_input(starmark_report::xlsx::cells);
    // The same cells (trailing empty cells of a row are not kept by readers).
    let trim = |r: &[String]| -> Vec<String> {
        let mut r = r.to_vec();
        while r.last().is_some_and(String::is_empty) {
            r.pop();
        }
        r
    };
    let read: Vec<Vec<String>> = read.iter().map(|r| trim(r)).collect();
    let expected: Vec<Vec<String>> = expected.iter().map(|r| trim(r)).collect();
    assert_eq!(read.len(), expected.len(), "{what}: row count");
    for (n, (a, b)) in read.iter().zip(&expected).enumerate() {
        assert_eq!(a, b, "{what}: row {}", n + 1);
    }
    // And the cells say what the checklist says.
    let header = read.iter().position(|r| r.first().map(String::as_str) == Some("No.")).unwrap();
    assert_eq!(read[header], starmark_report::xlsx::COLUMNS.to_vec(), "{what}");
    let rows = &read[header + 1..];
    assert_eq!(rows.len(), c.items.len(), "{what}: one row per criterion");
    for (row, item) in rows.iter().zip(&c.items) {
        assert_eq!(row[1], item.id, "{what}");
        let o = Outcome::of(item);
        assert_eq!(
            row[starmark_report::xlsx::RESULT_COLUMN],
            format!("{} / {}", o.label(Lang::Ja), o.label(Lang::En)),
            "{what}: {}",
            item.id
        );
        for e in &item.evidence {
            for part in [&e.path, &e.sha256, &e.finding].into_iter().flatten() {
                assert!(row[10].contains(part.as_str()), "{what}: {} evidence {part} not in {:?}", item.id, row[10]);
            }
        }
        if let Some(r) = &item.remarks {
            assert!(row[11].contains(r.as_str()), "{what}: {} remarks", item.id);
        }
        if let Some(j) = &item.justification {
            assert!(row[11].contains(j.as_str()), "{what}: {} justification", item.id);
        }
    }
    assert!(read.iter().any(|r| r.iter().any(|c| c.contains(DIGEST))), "{what}: the evidence digest");
}

#[test]
fn xlsx_reads_back_equal_with_calamine() {
    use calamine::{Reader, Xlsx};
    let bytes = xlsx_bytes();
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(book.sheet_names(), [starmark_report::xlsx::SHEET]);
    let range = book.worksheet_range(starmark_report::xlsx::SHEET).unwrap();
    let rows: Vec<Vec<String>> = range.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    assert_matches_checklist(&rows, "calamine");
    // The same evaluation gives the same file, byte for byte.
    assert_eq!(xlsx_bytes(), xlsx_bytes());
}

#[test]
fn xlsx_reads_back_equal_in_libreoffice() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("checklist.xlsx");
    std::fs::write(&file, xlsx_bytes()).unwrap();
    let profile = format!("-env:UserInstallation=file://{}/profile", dir.path().display());
    let out = std::process::Command::new("soffice")
        .args([profile.as_str(), "--headless", "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1"])
        .arg("--outdir")
        .arg(dir.path().join("csv"))
        .arg(&file)
        .output()
        .unwrap_or_else(|e| {
            panic!("LibreOffice (soffice, Debian libreoffice-calc-nogui) is needed for this test and did not run: {e}")
        });
    let csv_path = dir.path().join("csv/checklist.csv");
    assert!(csv_path.exists(), "LibreOffice wrote no CSV: {}", String::from_utf8_lossy(&out.stderr));
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_path(&csv_path).unwrap();
    let rows: Vec<Vec<String>> = reader.records().map(|r| r.unwrap().iter().map(str::to_string).collect()).collect();
    assert_matches_checklist(&rows, "LibreOffice");
}

#[test]
fn xlsx_cells_longer_than_excel_holds_are_cut_and_say_so() {
    let (mut c, e) = evaluated();
    // Four evaluation-item remarks of 10,000 characters each: each passes
    // the format check, together they overflow a cell.
    let long = "長".repeat(10_000);
    c.items[0].remarks = Some(format!("{long}{long}{long}{long}"));
    let bytes = with(&c, &e, |i| starmark_report::xlsx::write(i).unwrap());
    use calamine::{Reader, Xlsx};
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let range = book.worksheet_range(starmark_report::xlsx::SHEET).unwrap();
    let cell = range.rows().find(|r| r[1].to_string() == c.items[0].id).unwrap()[11].to_string();
    assert!(cell.encode_utf16().count() <= 32_767);
    assert!(
        cell.starts_with(&long) && cell.ends_with("the HTML report and evaluation.json have it all)"),
        "{}",
        &cell[cell.len() - 200..]
    );
}

// ---- HTML ----

#[test]
fn html_pages_in_japanese_and_english_escape_what_they_show() {
    let ja = with_input(|i| starmark_report::html::page(i, Lang::Ja).unwrap());
    let en = with_input(|i| starmark_report::html::page(i, Lang::En).unwrap());
    assert!(ja.contains(r#"<html lang="ja">"#) && en.contains(r#"<html lang="en">"#));
    assert!(
        ja.contains("適合性評価の結果") && ja.contains("不適合") && ja.contains("対象外") && ja.contains("判定不能")
    );
    assert!(en.contains("Evaluation results") && en.contains("Does not conform") && en.contains("Not applicable"));
    let (c, e) = evaluated();
    // Contradictions and the basis are shown in the page's language
    // (escaped as any text is: English compared after the apostrophe of
    // "vendor's").
    for i in e.items.iter().filter(|i| i.contradiction.is_some()) {
        assert!(ja.contains(i.contradiction_ja.as_deref().unwrap()), "{:?}", i.contradiction_ja);
        let en_words: String =
            i.contradiction.as_deref().unwrap().split_once('\'').unwrap().1.chars().take(30).collect();
        assert!(en.contains(&en_words), "{en_words}");
    }
    // A finding to account for is quoted by its title in the page's language.
    assert!(ja.contains("mqtt/no-tls/tcp/1883 の所見 — 備考で説明してください"), "the Japanese title");
    assert!(en.contains("mqtt/no-tls/tcp/1883: mqtt/no-tls/tcp/1883 — account for it") && !en.contains("の所見"));
    assert!(ja.contains("ベンダーの文書確認による") && !ja.contains("the vendor&#39;s document review"));
    assert!(en.contains("the vendor&#39;s document review"));
    for page in [&ja, &en] {
        for item in &c.items {
            assert!(page.contains(&format!(r#"<tr id="{}">"#, item.id)), "{}", item.id);
        }
        assert!(page.contains(DIGEST));
        assert!(page.contains(DIGEST));
        assert!(!page.contains("<script>"), "the remark is escaped");
        assert!(page.contains("&#60;script&#62;alert(1)&#60;/script&#62;"));
        assert!(!page.contains("src=\"http") && !page.contains("href=\"http"), "nothing is fetched");
    }
}

// ---- SARIF ----

#[test]
fn sarif_has_one_result_per_criterion_with_its_outcome() {
    let log = with_input(starmark_report::sarif::log);
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "starmark");
    let results = run["results"].as_array().unwrap();
    let (c, _) = evaluated();
    assert_eq!(results.len(), c.items.len());
    let kind = |id: &str| {
        let r = results.iter().find(|r| r["ruleId"] == id).unwrap();
        (r["kind"].as_str().unwrap().to_string(), r["level"].as_str().unwrap().to_string())
    };
    assert_eq!(kind("S1.1-02"), ("fail".into(), "error".into()));
    assert_eq!(kind("S1.1-03"), ("pass".into(), "none".into()));
    assert_eq!(kind("S1.1-04"), ("open".into(), "none".into()));
    assert_eq!(kind("S1.1-15"), ("notApplicable".into(), "none".into()));
    assert_eq!(kind("S1.1-16"), ("review".into(), "none".into()));
    let s02 = results.iter().find(|r| r["ruleId"] == "S1.1-02").unwrap();
    assert_eq!(s02["properties"]["contradiction"], true);
    assert!(s02["message"]["text"].as_str().unwrap().contains("CONTRADICTION"));
    assert_eq!(run["properties"]["evidence_manifest_sha256"], DIGEST);
    // Every result's rule is declared.
    let rules: Vec<&Value> = run["tool"]["driver"]["rules"].as_array().unwrap().iter().map(|r| &r["id"]).collect();
    assert!(results.iter().all(|r| rules.contains(&&r["ruleId"])));
}
