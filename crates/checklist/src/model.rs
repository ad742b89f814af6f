//! The checklist model, format `starmark-checklist/1`.
//!
//! Almost every field is optional at this level so that a half-filled
//! checklist still parses and the format check can list *everything* that
//! is missing at once; only syntax, wrong types and unknown fields stop the
//! parser.

use jiff::civil::Date;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use starmark_criteria::{Lang, Level, Method};

/// The format identifier this crate reads and writes.
pub const FORMAT: &str = "starmark-checklist/1";

/// A self-evaluation checklist.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "starmark checklist",
    description = "A vendor's self-evaluation against one criteria catalog version (format starmark-checklist/1)."
)]
pub struct Checklist {
    /// Always `starmark-checklist/1`.
    #[serde(default)]
    pub format: String,
    /// The label level applied for: `star-1` or `star-2` (STAR-3 and STAR-4 are applied for with a laboratory report).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<LevelSchema>")]
    pub level: Option<Level>,
    /// The criteria catalog and version evaluated against.
    #[serde(default)]
    pub criteria: CriteriaRef,
    /// Product category (STAR-2 and above), an id from the scheme parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(default)]
    pub applicant: Applicant,
    #[serde(default)]
    pub product: Product,
    #[serde(default)]
    pub evaluator: Evaluator,
    /// A validity shorter than the level's maximum, if the applicant asks for one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_validity_months: Option<u32>,
    /// One entry per criterion of the catalog version.
    #[serde(default)]
    pub items: Vec<Item>,
    /// The signed evidence bundle the vendor keeps (`starmark evaluate`
    /// writes it): the registry keeps its digest, never its content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence_bundle: Option<EvidenceBundle>,
}

/// Where the evidence is: the digest of a bundle's signed manifest.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidenceBundle {
    /// Lowercase hex SHA-256 of the bundle's `manifest.json`.
    #[serde(default)]
    pub manifest_sha256: String,
    /// The signing key's ID (16 hex digits), as `starmark evidence verify` shows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
}

/// Mirror of [`Level`] for the JSON Schema.
#[derive(JsonSchema)]
#[allow(dead_code, reason = "only describes the schema")]
enum LevelSchema {
    #[serde(rename = "star-1")]
    Star1,
    #[serde(rename = "star-2")]
    Star2,
    #[serde(rename = "star-3")]
    Star3,
    #[serde(rename = "star-4")]
    Star4,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CriteriaRef {
    /// Catalog id, e.g. `star-1`.
    #[serde(default)]
    pub catalog: String,
    /// Catalog version, e.g. `1.1`.
    #[serde(default)]
    pub version: String,
}

/// Text in Japanese and English; the public page shows Japanese first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Localized {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ja: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en: Option<String>,
}

impl Localized {
    pub fn exact(&self, lang: Lang) -> Option<&str> {
        match lang {
            Lang::Ja => self.ja.as_deref(),
            Lang::En => self.en.as_deref(),
        }
        .filter(|s| !s.trim().is_empty())
    }

    pub fn is_blank(&self) -> bool {
        Lang::ALL.iter().all(|&l| self.exact(l).is_none())
    }
}

/// The label applicant: the IoT product vendor.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Applicant {
    /// Shown on the public page as the label applicant.
    #[serde(default)]
    pub name: Localized,
    /// Japanese corporate number (13 digits), if the applicant has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corporate_number: Option<String>,
    /// Contact for the scheme owner about this application (not public).
    #[serde(default)]
    pub contact: String,
}

/// Product information (policy table 3.7-1).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Product {
    #[serde(default)]
    pub name: Localized,
    /// Every model number the label covers.
    #[serde(default)]
    pub model_numbers: Vec<String>,
    #[serde(default)]
    pub manufacturer: Manufacturer,
    #[serde(default)]
    pub country_of_manufacture: Country,
    #[serde(default)]
    pub overview: Localized,
    /// The product's web page (https).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Where buyers send questions about the product.
    #[serde(default)]
    pub inquiry_contact: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_certifications: Vec<Certification>,
}

/// The manufacturer, published only if the vendor agrees.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Manufacturer {
    #[serde(default)]
    pub name: String,
    /// `true` to show the name on the public page; must be chosen explicitly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disclose: Option<bool>,
}

/// Country or region of manufacture, published only if the vendor agrees.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Country {
    /// ISO 3166-1 alpha-2 code, e.g. `JP`, `TW`.
    #[serde(default)]
    pub code: String,
    /// `true` to show it on the public page; must be chosen explicitly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disclose: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Certification {
    /// The other scheme, e.g. `UK PSTI`, `CLS Level 2`, `Wi-SUN`.
    #[serde(default)]
    pub scheme: String,
    #[serde(default)]
    pub number: String,
}

/// Who evaluated.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Evaluator {
    /// An evaluator category id from the scheme parameters, e.g. `vendor`.
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub name: String,
    /// Designated qualification (required for qualified-individual categories).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qualification: Option<String>,
    /// Registration or accreditation (testing service providers, test laboratories).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accreditation: Option<String>,
    /// When the evaluation was completed (YYYY-MM-DD).
    #[serde(
        default,
        deserialize_with = "starmark_criteria::date::deserialize_opt",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "Option<String>", extend("format" = "date"))]
    pub evaluated_on: Option<Date>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Applicability {
    Applicable,
    NotApplicable,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Conforms,
    DoesNotConform,
    /// Could not be decided (e.g. a check could not run); never a pass.
    Inconclusive,
}

impl Verdict {
    pub fn id(self) -> &'static str {
        match self {
            Verdict::Conforms => "conforms",
            Verdict::DoesNotConform => "does_not_conform",
            Verdict::Inconclusive => "inconclusive",
        }
    }
}

/// How the criterion was evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MethodUsed {
    Document,
    DeviceCheck,
}

impl From<MethodUsed> for Method {
    fn from(m: MethodUsed) -> Method {
        match m {
            MethodUsed::Document => Method::Document,
            MethodUsed::DeviceCheck => Method::DeviceCheck,
        }
    }
}

impl From<Method> for MethodUsed {
    fn from(m: Method) -> MethodUsed {
        match m {
            Method::Document => MethodUsed::Document,
            Method::DeviceCheck => MethodUsed::DeviceCheck,
        }
    }
}

/// The answer for one criterion.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// Criterion id, e.g. `S1.1-01`.
    #[serde(default)]
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applicability: Option<Applicability>,
    /// Why the criterion does not apply (required when not applicable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<Verdict>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub method: Vec<MethodUsed>,
    /// What the evaluator keeps to support the verdict.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remarks: Option<String>,
    /// Answers for the criterion's numbered evaluation items, where it has them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evaluation_items: Vec<EvaluationItemAnswer>,
}

/// One piece of evidence: a file the evaluator keeps (path and SHA-256), or
/// the ID of a finding from `starmark scan` or `starmark vuln`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Lowercase hex SHA-256 of the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finding: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EvaluationItemAnswer {
    #[serde(default)]
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applicability: Option<Applicability>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remarks: Option<String>,
}

/// The JSON Schema of the checklist, generated from this model.
pub fn json_schema() -> serde_json::Value {
    let schema = schemars::schema_for!(Checklist);
    serde_json::to_value(schema).unwrap_or_default()
}
