//! The evaluation as SARIF 2.1.0: one rule per criterion and one result
//! per criterion, its `kind` the outcome — `pass` (conforms), `fail` (does
//! not conform, level `error`), `open` (inconclusive), `review`
//! (unanswered), `notApplicable` — so a code-scanning dashboard shows what
//! is left. The location is the criterion in the completed checklist.
//! (`starmark vuln --sarif` gives the per-advisory detail behind S1.1-13.)

use serde_json::{Value, json};
use starmark_criteria::Lang;

use crate::{Input, Outcome};

pub fn log(input: &Input) -> Value {
    let mut rules = Vec::new();
    let mut results = Vec::new();
    for row in input.rows() {
        let item = row.item;
        let outcome = Outcome::of(item);
        let mut rule = json!({
            "id": item.id,
            "shortDescription": { "text": row.requirement.map(|r| r.title.get(Lang::En)).unwrap_or(&item.id) },
            "properties": {
                "title_ja": row.requirement.map(|r| r.title.get(Lang::Ja)).unwrap_or(""),
                "methods": row.requirement.map(|r| r.methods.iter().map(|m| m.id()).collect::<Vec<_>>()).unwrap_or_default(),
            },
        });
        if let Some(s) = row.requirement.and_then(|r| r.summary.as_ref()) {
            crate::set(&mut rule, "fullDescription", json!({ "text": s.get(Lang::En) }));
        }
        rules.push(rule);
        let (kind, level) = match outcome {
            Outcome::Conforms => ("pass", "none"),
            Outcome::DoesNotConform => ("fail", "error"),
            Outcome::Inconclusive => ("open", "none"),
            Outcome::Unanswered => ("review", "none"),
            Outcome::NotApplicable => ("notApplicable", "none"),
        };
        let mut text = format!("{} {}", item.id, outcome.label(Lang::En).to_lowercase());
        let mut properties = json!({ "result": outcome.id() });
        if let Some(e) = row.evaluation {
            text.push_str(&format!(": {}", e.basis));
            if let Some(c) = &e.contradiction {
                text.push_str(&format!(". CONTRADICTION: {c}"));
            }
            crate::set(&mut properties, "decided_by", e.decided_by);
            crate::set(&mut properties, "findings", e.findings.clone());
            if !e.attention.is_empty() {
                crate::set(&mut properties, "attention", e.attention.clone());
            }
            if e.contradiction.is_some() {
                crate::set(&mut properties, "contradiction", true);
            }
        } else if let Some(j) = &item.justification {
            text.push_str(&format!(": {j}"));
        }
        crate::set(&mut properties, "evidence", item.evidence.iter().map(crate::evidence_line).collect::<Vec<_>>());
        results.push(json!({
            "ruleId": item.id,
            "kind": kind,
            "level": level,
            "message": { "text": text },
            "locations": [{
                "physicalLocation": { "artifactLocation": { "uri": format!("{}checklist.toml", input.root) } },
                "logicalLocations": [{ "name": item.id, "kind": "member" }],
            }],
            "partialFingerprints": { "starmark/criterion": item.id },
            "properties": properties,
        }));
    }
    let (name, version) = input.tool.split_once(' ').unwrap_or((input.tool, ""));
    let mut driver = json!({ "name": name, "rules": rules });
    if !version.is_empty() {
        crate::set(&mut driver, "version", version);
    }
    let mut run = json!({
        "tool": { "driver": driver },
        "invocations": [{ "executionSuccessful": true, "endTimeUtc": crate::timestamp(input.evaluated_at) }],
        "results": results,
    });
    if let Some(d) = input.manifest_sha256() {
        crate::set(&mut run, "properties", json!({ "evidence_manifest_sha256": d }));
    }
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [run],
    })
}
