//! Criteria catalogs and crosswalks as they are written in `catalog/`.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::scheme::Level;
use crate::text::{Lang, Text};

/// Where a catalog version stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CatalogState {
    /// Accepted for new applications.
    Current,
    /// Replaced by a newer version; accepted until `grace_end` inclusive.
    Superseded,
    /// No longer accepted for new applications. Labels already granted
    /// against it stay valid: a revision never revokes a label.
    Retired,
}

/// How sure we are of a requirement's wording and scope (not of any mapping).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Unknown,
    Low,
    Medium,
    High,
}

/// How a criterion is evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Review of the vendor's documents.
    Document,
    /// A check of the real device.
    DeviceCheck,
}

impl Method {
    pub fn id(self) -> &'static str {
        match self {
            Method::Document => "document",
            Method::DeviceCheck => "device_check",
        }
    }
}

/// Where a requirement's evaluation methods come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MethodsBasis {
    /// A source states the method.
    Stated,
    /// Inferred from the nature of the requirement; not confirmed.
    Inferred,
    /// Not known; `methods` lists candidates, if any.
    Unknown,
}

/// Mandatory or recommended (ETSI EN 303 645 "M" / "R").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Obligation {
    Mandatory,
    Recommended,
}

/// Why a crosswalk link is believed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Basis {
    /// Not checked against anything; a guess by elimination.
    Hypothesis,
    /// Inferred by us from the requirements' topics.
    Inferred,
    /// Stated by the scheme owner or the standard itself.
    Official,
}

impl Basis {
    pub fn id(self) -> &'static str {
        match self {
            Basis::Hypothesis => "hypothesis",
            Basis::Inferred => "inferred",
            Basis::Official => "official",
        }
    }
}

/// One catalog file: a versioned set of requirements.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    pub catalog: CatalogHeader,
    /// Condition texts by number (ETSI EN 303 645 "M C (n)").
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub conditions: std::collections::BTreeMap<String, Text>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<Source>,
    pub requirements: Vec<Requirement>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogHeader {
    pub id: String,
    pub version: String,
    pub state: CatalogState,
    /// Last day a superseded version is accepted for new applications.
    #[serde(default, deserialize_with = "crate::date::deserialize_opt", skip_serializing_if = "Option::is_none")]
    pub grace_end: Option<Date>,
    /// When this version was published; an evaluation cannot predate it.
    #[serde(default, deserialize_with = "crate::date::deserialize_opt", skip_serializing_if = "Option::is_none")]
    pub published: Option<Date>,
    /// The JC-STAR level these criteria are for; absent for foreign schemes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<Level>,
    /// The product category these criteria are for (STAR-2 and above).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// The levels of a foreign scheme (Singapore CLS 1..4), if it has them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub levels: Option<u8>,
    /// Every text in the file must be given in each of these languages.
    pub languages: Vec<Lang>,
    pub title: Text,
    pub issuer: Text,
    /// The document this catalog renders, with its own version.
    pub basis: Text,
    pub confidence: Confidence,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<Text>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// A requirement in another catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ref {
    pub catalog: String,
    pub id: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvaluationItem {
    pub id: String,
    pub text: Text,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<Text>,
    pub title: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<Text>,
    /// How the requirement is evaluated; see `methods_basis`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub methods: Vec<Method>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub methods_basis: Option<MethodsBasis>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub obligation: Option<Obligation>,
    /// Condition numbers from the catalog's `[conditions]` table.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<String>,
    /// The scheme level that introduces this requirement (levelled schemes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<u8>,
    /// The requirement is defined as, or by, these requirements elsewhere.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refs: Vec<Ref>,
    /// When the requirement applies at all (else it may be not applicable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applies_when: Option<Text>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evaluation_items: Vec<EvaluationItem>,
    /// What evidence the evaluator should keep.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guidance: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<Confidence>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<Text>,
}

impl Requirement {
    /// ETSI-style status: `M`, `R`, `M C (1)`, `R C (9, 12)`.
    pub fn status(&self) -> Option<String> {
        let o = match self.obligation? {
            Obligation::Mandatory => "M",
            Obligation::Recommended => "R",
        };
        Some(if self.conditions.is_empty() { o.to_string() } else { format!("{o} C ({})", self.conditions.join(", ")) })
    }

    /// Whether the evaluation method is known from a source.
    pub fn methods_known(&self) -> bool {
        matches!(self.methods_basis, Some(MethodsBasis::Stated))
    }
}

impl Catalog {
    pub fn id(&self) -> &str {
        &self.catalog.id
    }

    pub fn version(&self) -> &str {
        &self.catalog.version
    }

    pub fn requirement(&self, id: &str) -> Option<&Requirement> {
        self.requirements.iter().find(|r| r.id == id)
    }

    /// Whether an application against this version may be made on `day`.
    pub fn accepts_applications_on(&self, day: Date) -> bool {
        match self.catalog.state {
            CatalogState::Current => true,
            CatalogState::Superseded => self.catalog.grace_end.is_some_and(|end| day <= end),
            CatalogState::Retired => false,
        }
    }
}

/// A catalog named by id and version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VersionRef {
    pub catalog: String,
    pub version: String,
}

impl std::fmt::Display for VersionRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.catalog, self.version)
    }
}

/// One crosswalk file: which requirements of `to` each `from` requirement covers.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Crosswalk {
    pub crosswalk: CrosswalkHeader,
    pub links: Vec<CrosswalkLink>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrosswalkHeader {
    pub from: VersionRef,
    pub to: VersionRef,
    pub note: Text,
    /// What the scheme owner itself has said about coverage, if anything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub official_statement: Option<Text>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrosswalkLink {
    pub from: String,
    pub to: Vec<String>,
    pub basis: Basis,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}
