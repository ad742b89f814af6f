//! The evaluation as NIST OSCAL 1.0.6 assessment results.
//!
//! The mapping:
//! - each criterion the vendor applies is a reviewed control
//!   (`include-controls`, the criterion ID as `control-id`); one declared
//!   not applicable is excluded (`exclude-controls`) and its justification
//!   kept as an observation;
//! - each criterion gives one **observation** (how it was decided, the
//!   methods — document review is `EXAMINE`, a device check `TEST` — and
//!   its evidence: files by bundle path and SHA-256, finding IDs) and one
//!   **finding** whose target status is `satisfied` only for `conforms`;
//!   `does_not_conform` is `not-satisfied` with reason `fail`, and
//!   `inconclusive` or unanswered is `not-satisfied` with reason `other`
//!   (never a pass);
//! - the evidence bundle's manifest is a back-matter resource with its
//!   SHA-256, so the results point at exactly the evidence signed;
//! - the assessment plan OSCAL requires (`import-ap`) is the vendor's
//!   checklist, which is what plans a self-evaluation under this scheme.
//!
//! UUIDs are version 5, named from the manifest digest and the object, so
//! the same evaluation always gives the same document.

use serde_json::{Value, json};
use starmark_checklist::MethodUsed;
use starmark_criteria::Lang;
use uuid::Uuid;

use crate::{Input, Outcome};

/// The OSCAL version the output follows.
pub const OSCAL_VERSION: &str = "1.0.6";

/// Namespace of starmark's own properties.
pub const NS: &str = "urn:starmark:oscal";

fn prop(name: &str, value: &str) -> Value {
    json!({ "name": name, "ns": NS, "value": value })
}

/// `s` as an OSCAL string (non-empty, no line breaks, no outer
/// whitespace): whitespace runs become one space; `None` if nothing is left.
fn oscal_string(s: &str) -> Option<String> {
    let joined = s.split_whitespace().collect::<Vec<_>>().join(" ");
    (!joined.is_empty()).then_some(joined)
}

/// A property whose value comes from the vendor's data: dropped if the
/// value has nothing OSCAL can hold.
fn vendor_prop(name: &str, value: &str) -> Option<Value> {
    oscal_string(value).map(|v| prop(name, &v))
}

/// A relative path as a URI reference: every byte other than unreserved
/// characters and `/` percent-encoded (spaces, Japanese file names).
fn href(path: &str) -> String {
    const KEEP: &percent_encoding::AsciiSet =
        &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~').remove(b'/');
    percent_encoding::utf8_percent_encode(path, KEEP).to_string()
}

/// `s` as an OSCAL token (an XML NCName): criterion IDs already are;
/// anything else has its other characters replaced with `_`.
fn token(s: &str) -> String {
    let mut t: String =
        s.chars().map(|c| if c.is_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' }).collect();
    if !t.starts_with(|c: char| c.is_alphabetic() || c == '_') {
        t.insert(0, '_');
    }
    t
}

/// A party: OSCAL names are non-empty strings without outer whitespace.
fn party(uuid: &str, name: &str) -> Value {
    let mut p = json!({ "uuid": uuid, "type": "organization" });
    if let Some(n) = oscal_string(name) {
        crate::set(&mut p, "name", n);
    }
    p
}

/// The assessment-results document.
pub fn assessment_results(input: &Input) -> Value {
    let c = input.checklist;
    let digest = input.manifest_sha256().unwrap_or("no-evidence-bundle");
    let root = Uuid::new_v5(&Uuid::NAMESPACE_URL, format!("urn:starmark:evaluation:{digest}").as_bytes());
    let id = |what: &str| Uuid::new_v5(&root, what.as_bytes()).to_string();
    let at = crate::timestamp(input.evaluated_at);
    let product = input.product_name(Lang::En);
    let level = c.level.map(|l| l.to_string()).unwrap_or_default();

    let mut include = Vec::new();
    let mut exclude = Vec::new();
    let mut observations = Vec::new();
    let mut findings = Vec::new();
    for row in input.rows() {
        let item = row.item;
        let outcome = Outcome::of(item);
        let control = json!({ "control-id": token(&item.id) });
        let obs_id = id(&format!("observation/{}", item.id));
        let mut evidence: Vec<Value> = item
            .evidence
            .iter()
            .map(|e| {
                let mut v = json!({ "description": e.description.clone().unwrap_or_else(|| crate::evidence_line(e)) });
                if let Some(p) = &e.path {
                    crate::set(&mut v, "href", href(&format!("{}{p}", input.root)));
                }
                let mut props = Vec::new();
                if let Some(p) = e.sha256.as_deref().and_then(|s| vendor_prop("sha256", s)) {
                    props.push(p);
                }
                if let Some(f) = &e.finding {
                    props.extend(vendor_prop("finding", f));
                    crate::set(&mut v, "description", format!("starmark finding {f}"));
                }
                if !props.is_empty() {
                    crate::set(&mut v, "props", props);
                }
                v
            })
            .collect();
        if outcome == Outcome::NotApplicable {
            exclude.push(control);
            let why = item.justification.clone().unwrap_or_default();
            observations.push(json!({
                "uuid": obs_id,
                "title": format!("{}: not applicable", item.id),
                "description": format!("The vendor declares {} not applicable: {why}", item.id),
                "methods": ["EXAMINE"],
                "collected": at,
            }));
            continue;
        }
        include.push(control);
        let methods: Vec<&str> = if item.method.is_empty() {
            vec!["UNKNOWN"]
        } else {
            item.method
                .iter()
                .map(|m| match m {
                    MethodUsed::Document => "EXAMINE",
                    MethodUsed::DeviceCheck => "TEST",
                })
                .collect()
        };
        let (decided_by, basis) =
            row.evaluation.map(|e| (e.decided_by, e.basis.clone())).unwrap_or(("document", String::new()));
        let mut obs = json!({
            "uuid": obs_id,
            "title": format!("{}: {}", item.id, row.requirement.map(|r| r.title.get(Lang::En)).unwrap_or("")),
            "description": if basis.is_empty() { format!("Decided by {decided_by}.") } else { format!("Decided by {decided_by}: {basis}.") },
            "props": [prop("decided-by", decided_by)],
            "methods": methods,
            "types": ["control-objective"],
            "collected": at,
        });
        if !evidence.is_empty() {
            crate::set(&mut obs, "relevant-evidence", std::mem::take(&mut evidence));
        }
        let mut remarks = Vec::new();
        if let Some(e) = row.evaluation {
            if let Some(c) = &e.contradiction {
                remarks.push(format!("CONTRADICTION: {c}"));
            }
            remarks.extend(e.attention.iter().map(|a| format!("Attention: {a}")));
        }
        if let Some(r) = &item.remarks {
            remarks.push(r.clone());
        }
        if !remarks.is_empty() {
            crate::set(&mut obs, "remarks", remarks.join("\n\n"));
        }
        observations.push(obs);

        let status = match outcome {
            Outcome::Conforms => json!({ "state": "satisfied", "reason": "pass" }),
            Outcome::DoesNotConform => json!({ "state": "not-satisfied", "reason": "fail" }),
            _ => json!({
                "state": "not-satisfied",
                "reason": "other",
                "remarks": format!("{}: not decided, so not a pass", outcome.id()),
            }),
        };
        findings.push(json!({
            "uuid": id(&format!("finding/{}", item.id)),
            "title": format!("{} {}", item.id, outcome.label(Lang::En)),
            "description": format!("{} is {} ({}).", item.id, outcome.id(), row.requirement.map(|r| r.title.get(Lang::En)).unwrap_or("")),
            "props": [prop("result", outcome.id())],
            "target": {
                "type": "objective-id",
                "target-id": token(&item.id),
                "status": status,
            },
            "related-observations": [{ "observation-uuid": id(&format!("observation/{}", item.id)) }],
        }));
    }
    let mut selection =
        json!({ "description": format!("The criteria of {} {}", c.criteria.catalog, c.criteria.version) });
    if !include.is_empty() {
        crate::set(&mut selection, "include-controls", include);
    }
    if !exclude.is_empty() {
        crate::set(&mut selection, "exclude-controls", exclude);
    }

    let applicant = id("party/applicant");
    let evaluator = id("party/evaluator");
    let mut result = json!({
        "uuid": id("result"),
        "title": format!("{level} self-evaluation of {product}"),
        "description": format!(
            "Self-evaluation of {product} ({}) against {} {}, made with {}.",
            c.product.model_numbers.join(", "),
            c.criteria.catalog,
            c.criteria.version,
            input.tool
        ),
        "start": at,
        "end": at,
        "props": [prop("contradictions", &input.evaluation.contradictions.to_string())],
        "reviewed-controls": { "control-selections": [selection] },
    });
    if !observations.is_empty() {
        crate::set(&mut result, "observations", observations);
    }
    if !findings.is_empty() {
        crate::set(&mut result, "findings", findings);
    }
    let mut doc = json!({
        "uuid": root.to_string(),
        "metadata": {
            "title": format!("{level} self-evaluation: {product}"),
            "last-modified": at,
            "version": "1",
            "oscal-version": OSCAL_VERSION,
            "props": [prop("checklist-format", starmark_checklist::FORMAT)],
            "roles": [
                { "id": "assessor", "title": "Evaluator" },
                { "id": "prepared-for", "title": "Label applicant" },
            ],
            "parties": [
                party(&applicant, input.applicant_name(Lang::En)),
                party(&evaluator, &c.evaluator.name),
            ],
            "responsible-parties": [
                { "role-id": "assessor", "party-uuids": [evaluator] },
                { "role-id": "prepared-for", "party-uuids": [applicant] },
            ],
        },
        "import-ap": {
            "href": href(&format!("{}checklist.toml", input.root)),
            "remarks": "The plan of a self-evaluation under this scheme is the vendor's checklist (starmark-checklist/1).",
        },
        "results": [result],
    });
    if let Some(b) = &c.evidence_bundle {
        let mut rlink = json!({
            "href": href(&format!("{}evidence/manifest.json", input.root)),
            "media-type": "application/json",
            "hashes": [{ "algorithm": "SHA-256", "value": b.manifest_sha256 }],
        });
        if !(b.manifest_sha256.len() == 64 && b.manifest_sha256.bytes().all(|x| x.is_ascii_hexdigit())) {
            rlink.as_object_mut().map(|o| o.remove("hashes"));
        }
        let mut resource = json!({
            "uuid": id("resource/evidence-bundle"),
            "title": "Evidence bundle manifest (signed, Ed25519)",
            "rlinks": [rlink],
        });
        if let Some(p) = b.key_id.as_deref().and_then(|k| vendor_prop("signing-key-id", k)) {
            crate::set(&mut resource, "props", json!([p]));
        }
        crate::set(&mut doc, "back-matter", json!({ "resources": [resource] }));
    }
    json!({ "assessment-results": doc })
}
