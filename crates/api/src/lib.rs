//! The registry's JSON API on the wire (`/api/v1`). These types are what
//! the server sends and the CLI reads; they carry dates and times as
//! strings (RFC 3339 / ISO 8601) so that neither side depends on the
//! other's internals. Every type is in the OpenAPI document.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Percent-encodes a path segment or query value: everything but RFC 3986
/// unreserved characters. (The server builds links with it; the CLI builds
/// request paths.)
pub fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Text in Japanese and English.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Text {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ja: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en: Option<String>,
}

/// An error, as RFC 9457 `application/problem+json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProblemDocument {
    /// A URI naming the kind of problem (`urn:starmark:problem:<code>`).
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Each located problem, for input that failed a check.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<FieldProblem>,
}

/// One located problem in the input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FieldProblem {
    /// JSON pointer (RFC 6901) into the request body.
    pub pointer: String,
    pub severity: String,
    pub code: String,
    pub message: String,
    pub help: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CriteriaVersion {
    pub catalog: String,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Inquiry {
    /// `cleared` or `concern`.
    pub outcome: String,
    pub note: String,
}

/// An accredited laboratory's evaluation report (STAR-3/4), by reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EvaluationReport {
    pub report_id: String,
    pub lab: String,
    pub accreditation: String,
    pub issued_on: String,
    pub criteria: CriteriaVersion,
    /// SHA-256 of the report document.
    pub sha256: String,
    pub summary: Text,
}

/// A laboratory attaches its report to a STAR-3/4 application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportRequest {
    pub report_id: String,
    /// YYYY-MM-DD.
    pub issued_on: String,
    pub criteria: CriteriaVersion,
    /// `conforms` (a report concluding anything else cannot be certified).
    pub result: String,
    /// Lowercase hex SHA-256 of the report document.
    pub sha256: String,
    #[serde(default)]
    pub summary: Text,
}

/// An application as its vendor and the scheme owner see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Application {
    pub id: String,
    /// `returned`, `awaiting_report` (STAR-3/4), `awaiting_inquiry`, `inquiry_cleared`, `inquiry_concern`, `granted` or `refused`.
    pub status: String,
    pub vendor: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    pub criteria: CriteriaVersion,
    /// The format check's problems (errors make the application `returned`).
    pub problems: Vec<FieldProblem>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inquiry: Option<Inquiry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renewal_of: Option<String>,
    /// STAR-3/4: the laboratory's report, once attached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<EvaluationReport>,
    pub submitted_at: String,
    pub updated_at: String,
    /// The checklist as submitted (JSON encoding).
    #[schema(value_type = Object)]
    pub checklist: serde_json::Value,
}

/// Product information as published (disclosure choices applied).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Product {
    pub name: Text,
    pub model_numbers: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manufacturer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_of_manufacture: Option<String>,
    pub overview: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    pub inquiry_contact: String,
    pub other_certifications: Vec<OtherCertification>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OtherCertification {
    pub scheme: String,
    pub number: String,
}

/// Security information the vendor publishes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecurityInfo {
    #[serde(default)]
    pub vulnerabilities: Text,
    #[serde(default)]
    pub vulnerability_contact: String,
    #[serde(default)]
    pub other: Text,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Revocation {
    pub ground: String,
    pub ground_name: Text,
    pub statement: String,
    pub at: String,
}

/// A label's public record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Label {
    pub id: String,
    /// `star-1` .. `star-4`.
    pub level: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    pub criteria: CriteriaVersion,
    /// `valid`, `expired` or `revoked`, as of `as_of`.
    pub status: String,
    pub as_of: String,
    pub issued_on: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renewed_on: Option<String>,
    /// Last day of validity.
    pub expires_on: String,
    pub applicant: Text,
    pub evaluator_category: String,
    pub product: Product,
    /// STAR-3/4: the evaluation report the certification rests on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<EvaluationReport>,
    pub security: SecurityInfo,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation: Option<Revocation>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LabelPage {
    pub items: Vec<Label>,
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
}

/// One event of a history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Event {
    pub seq: i64,
    pub at: String,
    /// The event type, e.g. `label_granted`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The role that acted (`vendor`, `reviewer`, `system`, ...).
    pub actor_role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InquiryRequest {
    /// `cleared` or `concern`.
    pub outcome: String,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefuseRequest {
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeRequest {
    /// A revocation ground id from the scheme parameters.
    pub ground: String,
    /// The public statement shown on the product page.
    pub statement: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeRequest {
    /// What changed in the product's security specification.
    pub description: String,
    /// The SHA-256 (64 lowercase hex digits) of the manifest of the evidence
    /// bundle the vendor keeps for the changed product (`starmark
    /// evaluate`); the registry keeps the digest, never the evidence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence_manifest_sha256: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Health {
    pub status: String,
    pub storage: String,
}

/// One line of a procurement check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProcurementLine {
    pub line: usize,
    pub input: String,
    pub ok: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// `ok`, `no-label`, `level-too-low`, `expired`, `revoked` or `mistyped-label-id`.
    pub reason: String,
    pub detail: String,
}

/// The answer to a procurement check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProcurementResult {
    /// The procurement rule applied (system importance).
    pub importance: String,
    pub minimum_level: String,
    pub checked_on: String,
    pub total: usize,
    pub ok: usize,
    pub lines: Vec<ProcurementLine>,
}

/// One entry of the transparency log: the signed statement exactly as
/// hashed into the tree, and the record its `record_sha256` names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LogEntry {
    pub index: u64,
    pub label: String,
    /// The leaf: the statement's signed envelope (RFC 8785 canonical JSON).
    /// Hash its UTF-8 bytes as they are.
    pub leaf: String,
    /// The label's record as the event left it (canonical JSON).
    pub record: String,
}

/// An inclusion proof (RFC 9162 §2.1.3): sibling hashes, nearest the leaf first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct InclusionProof {
    pub index: u64,
    pub size: u64,
    /// Base64 (standard alphabet) SHA-256 hashes.
    pub hashes: Vec<String>,
}

/// A consistency proof between two tree sizes (RFC 9162 §2.1.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ConsistencyProof {
    pub old: u64,
    pub new: u64,
    /// Base64 (standard alphabet) SHA-256 hashes.
    pub hashes: Vec<String>,
}

/// What proves a label: its latest signed statement, the inclusion proof to
/// a signed checkpoint, and the checkpoint. The product page offers it for
/// download; `starmark verify --bundle` checks it offline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LabelBundle {
    /// `starmark-label-bundle/1`.
    pub format: String,
    pub label: String,
    /// The log's origin (its checkpoints' first line).
    pub origin: String,
    pub entry: LogEntry,
    /// The checkpoint (C2SP tlog-checkpoint, signed note).
    pub checkpoint: String,
    /// Inclusion proof of `entry` in the checkpoint's tree.
    pub inclusion: InclusionProof,
    /// Every log index of the label's statements, oldest first.
    pub history: Vec<u64>,
    /// The registry's key history, a signed note (`starmark-log-keys/1`).
    pub keys: String,
    /// The registry's status list when the bundle was made (a W3C Bitstring
    /// Status List credential); the statement's `status_list_index` is the
    /// label's bit. Valid for 24 hours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub status_list: Option<serde_json::Value>,
}

/// The registry's log keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LogKeys {
    pub origin: String,
    /// The verifier key in use (C2SP signed-note form `NAME+KEYID+BASE64`).
    pub current: String,
    /// Every key that has signed for the log, oldest first.
    pub keys: Vec<LogKeyInfo>,
    /// The same history as a note signed by the current key.
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LogKeyInfo {
    pub verifier_key: String,
    /// Eight hex digits, as in signature lines.
    pub key_id: String,
    pub first_used: String,
}
