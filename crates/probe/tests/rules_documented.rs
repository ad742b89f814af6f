//! `docs/device-checks.md` documents every rule of the protocol checks
//! with the severity and criteria the code gives it, and nothing else.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

use starmark_probe::checks::RULES;
use starmark_probe::findings::Severity;

#[test]
fn every_rule_is_documented_as_coded() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/device-checks.md");
    let doc = std::fs::read_to_string(path).unwrap();
    let section = doc.split("## Protocol checks").nth(1).unwrap().split("\n## ").next().unwrap();
    let rows: Vec<Vec<&str>> = section
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| l.trim_matches('|').split(" | ").map(str::trim).collect())
        .collect();
    assert_eq!(rows.len(), RULES.len(), "one row per rule");
    for (row, rule) in rows.iter().zip(RULES) {
        assert_eq!(row[0], format!("`{}`", rule.id), "rules in the code's order");
        let severity = match rule.severity {
            Severity::High => "high",
            Severity::Warning => "warning",
            Severity::Info => "info",
        };
        assert_eq!(row[1], severity, "{}", rule.id);
        let criteria =
            if rule.criteria.is_empty() { "those of the check".to_string() } else { rule.criteria.join(", ") };
        assert_eq!(row[2], criteria, "{}", rule.id);
    }
    // The universal credential table matches the code's list.
    for (i, (user, password, _)) in starmark_probe::creds::UNIVERSAL.iter().enumerate() {
        let shown = if password.is_empty() { "(empty)" } else { password };
        let row = format!("| {} | {user} | {shown} |", i + 1);
        assert!(doc.contains(&row), "{row} missing from the credential table");
    }
}
