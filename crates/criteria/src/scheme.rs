//! Scheme parameters: the policy's numbers and lists, kept as data.

use serde::{Deserialize, Serialize};

use crate::text::Text;

/// A conformity assessment level. The scheme has exactly four; what each
/// one requires is data ([`LevelParams`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Level {
    #[serde(rename = "star-1")]
    Star1,
    #[serde(rename = "star-2")]
    Star2,
    #[serde(rename = "star-3")]
    Star3,
    #[serde(rename = "star-4")]
    Star4,
}

impl Level {
    pub const ALL: [Level; 4] = [Level::Star1, Level::Star2, Level::Star3, Level::Star4];

    /// The identifier used in files and on the command line (`star-1`).
    pub fn id(self) -> &'static str {
        match self {
            Level::Star1 => "star-1",
            Level::Star2 => "star-2",
            Level::Star3 => "star-3",
            Level::Star4 => "star-4",
        }
    }

    /// The name printed on labels (`STAR-1`).
    pub fn mark(self) -> &'static str {
        match self {
            Level::Star1 => "STAR-1",
            Level::Star2 => "STAR-2",
            Level::Star3 => "STAR-3",
            Level::Star4 => "STAR-4",
        }
    }

    pub fn rank(self) -> u8 {
        match self {
            Level::Star1 => 1,
            Level::Star2 => 2,
            Level::Star3 => 3,
            Level::Star4 => 4,
        }
    }
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.mark())
    }
}

impl std::str::FromStr for Level {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase().replace('_', "-");
        Level::ALL
            .into_iter()
            .find(|l| l.id() == norm || l.id().replace('-', "") == norm)
            .ok_or_else(|| format!("unknown level `{s}` (expected star-1, star-2, star-3 or star-4)"))
    }
}

/// How a label at a level is attested.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Assessment {
    /// The vendor declares conformity; the owner checks the checklist's format.
    SelfDeclaration,
    /// An independent test laboratory evaluates; the owner certifies.
    ThirdPartyCertification,
}

/// The whole `scheme.toml` file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemeParams {
    pub scheme: Scheme,
    pub levels: Vec<LevelParams>,
    pub evaluator_categories: Vec<EvaluatorCategory>,
    pub product_categories: Vec<ProductCategory>,
    pub revocation_grounds: Vec<RevocationGround>,
    pub procurement: Vec<ProcurementRule>,
}

impl SchemeParams {
    pub fn level(&self, level: Level) -> Option<&LevelParams> {
        self.levels.iter().find(|l| l.id == level)
    }

    pub fn evaluator_category(&self, id: &str) -> Option<&EvaluatorCategory> {
        self.evaluator_categories.iter().find(|c| c.id == id)
    }

    pub fn product_category(&self, id: &str) -> Option<&ProductCategory> {
        self.product_categories.iter().find(|c| c.id == id)
    }

    pub fn revocation_ground(&self, id: &str) -> Option<&RevocationGround> {
        self.revocation_grounds.iter().find(|g| g.id == id)
    }

    pub fn procurement_rule(&self, id: &str) -> Option<&ProcurementRule> {
        self.procurement.iter().find(|p| p.id == id)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scheme {
    pub id: String,
    pub name: Text,
    pub owner: Text,
    /// The page that explains the scheme (policy table 3.7-1, "outline").
    pub outline_url: String,
    pub policy: Text,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelParams {
    pub id: Level,
    pub name: Text,
    pub assessment: Assessment,
    /// Evaluator categories allowed to evaluate for this level.
    pub evaluators: Vec<String>,
    /// Longest validity of a label at this level, in months from grant.
    pub validity_max_months: u32,
    /// Whether an application names a product category (STAR-2 and above).
    pub requires_category: bool,
    /// What the applicant submits.
    pub application: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<Text>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvaluatorCategory {
    pub id: String,
    pub name: Text,
    /// The evaluator must name a designated qualification.
    pub requires_qualification: bool,
    /// The evaluator must name an accreditation (ISO/IEC 17025 for test laboratories).
    pub requires_accreditation: bool,
    pub description: Text,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductCategory {
    pub id: String,
    pub name: Text,
    /// Named by the policy as a priority category for STAR-3 and above in
    /// government procurement.
    pub star3_priority: bool,
    pub note: Text,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevocationGround {
    pub id: String,
    pub name: Text,
    /// Whether the owner must announce it publicly when it is malicious or
    /// significant (the policy leaves that judgement to the owner).
    pub public_notice: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcurementRule {
    pub id: String,
    pub name: Text,
    pub minimum_level: Level,
    pub basis: Text,
}
