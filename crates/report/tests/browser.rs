//! The HTML reports in a real browser: Debian's headless Chromium driven by
//! the registry's browser harness (`crates/server/tests/browser`, installed
//! by `cargo xtask test`; this test fails rather than skips without it).
//! Hostile text stays inert with no security policy to help (the pages are
//! opened from files, as a vendor would open them), the layout holds at
//! phone width, and axe-core finds no serious or critical accessibility
//! violation.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

use serde_json::{Value, json};
use starmark_checklist::evaluate::{EvidenceFiles, ScanFinding, ScanInput, evaluate};
use starmark_criteria::{CatalogSet, Lang};

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/star-1-home-camera/checklist.toml");
const PAYLOAD: &str =
    r#"<script>window.__pwned=1</script>"'><img src=x onerror="window.__pwned=1"><svg onload=alert(1)>"#;

fn harness() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../server/tests/browser")
}

#[test]
fn report_pages_are_inert_and_accessible_in_chromium() {
    let h = harness();
    assert!(
        h.join("node_modules/playwright-core").exists() && h.join("node_modules/axe-core").exists(),
        "the browser harness is not installed: run `cargo xtask test` (it runs `npm ci` in {})",
        h.display()
    );
    let doc =
        starmark_checklist::parse(&std::fs::read(EXAMPLE).unwrap(), Some(starmark_checklist::Encoding::Toml)).unwrap();
    let mut c = doc.checklist;
    c.product.name.en = Some(format!("Camera {PAYLOAD}"));
    c.product.name.ja = Some(format!("カメラ {PAYLOAD}"));
    c.product.model_numbers.push("W".repeat(3000));
    if let Some(i) = c.items.iter_mut().find(|i| i.id == "S1.1-05") {
        i.remarks = Some(format!("{PAYLOAD} \u{202e}{}", "長".repeat(300)));
    }
    let scan = ScanInput {
        format: "starmark-scan/1".into(),
        complete: true,
        findings: vec![ScanFinding {
            id: format!("default-credentials/tcp/23{PAYLOAD}"),
            severity: "high".into(),
            criteria: vec!["S1.1-02".into()],
            title: PAYLOAD.into(),
            title_ja: PAYLOAD.into(),
            evidence: String::new(),
        }],
        check_settings: None,
        login_coverage: None,
    };
    let (done, e) = evaluate(&c, Some(&scan), None, &EvidenceFiles::default());
    let cats = CatalogSet::embedded().unwrap();
    let catalog = cats.catalog("star-1", "1.1").unwrap();
    let input = starmark_report::Input {
        checklist: &done,
        evaluation: &e,
        catalog,
        evaluated_at: "2026-11-28T09:00:00Z".parse().unwrap(),
        tool: "starmark 0.1.0",
        root: "../",
    };
    let dir = tempfile::tempdir().unwrap();
    let mut pages = Vec::new();
    for lang in [Lang::Ja, Lang::En] {
        let path = dir.path().join(format!("evaluation.{}.html", lang.code()));
        std::fs::write(&path, starmark_report::html::page(&input, lang).unwrap()).unwrap();
        pages.push(json!({"name": format!("report-{}", lang.code()), "url": format!("file://{}", path.display())}));
    }
    let shots = dir.path().join("shots");
    std::fs::create_dir_all(&shots).unwrap();
    let spec = dir.path().join("spec.json");
    std::fs::write(&spec, json!({"screenshots": shots, "pages": pages}).to_string()).unwrap();
    let out = std::process::Command::new("node")
        .arg(h.join("check.mjs"))
        .arg(&spec)
        .output()
        .unwrap_or_else(|e| panic!("Node.js is required for the browser tests: {e}"));
    assert!(out.status.success(), "the browser harness failed: {}", String::from_utf8_lossy(&out.stderr));
    let report: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report.len(), 2);
    for (p, lang) in report.iter().zip(["ja", "en"]) {
        let name = p["name"].as_str().unwrap();
        assert_eq!(p["pwned"], false, "{name}: hostile text ran");
        assert_eq!(p["dialogs"], json!([]), "{name}");
        assert_eq!(p["consoleErrors"], json!([]), "{name}");
        for load in ["served", "bare"] {
            let f = &p[load];
            assert_eq!(f["lang"], lang, "{name}");
            assert_eq!(f["scripts"], 0, "{name} ({load}): a <script> element reached the DOM");
            assert_eq!(f["eventHandlerAttributes"], json!([]), "{name} ({load})");
            assert!(
                f["overflowX"].as_f64().unwrap() <= 1.0,
                "{name} ({load}): the page scrolls sideways: {}",
                f["overflowX"]
            );
            assert_eq!(f["isolatedVendorText"], true, "{name}: vendor text is not bidi-isolated");
            assert!(f["text"].as_str().unwrap().contains("<script>window.__pwned=1</script>"), "{name}: shown as text");
        }
        let serious: Vec<&Value> = p["axe"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
            .collect();
        assert!(serious.is_empty(), "{name}: {serious:#?}");
    }
}
