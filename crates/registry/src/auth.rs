//! Organizations act through API tokens. A token is shown once when issued;
//! the registry stores only its SHA-256. Tokens are 256-bit random values,
//! so a fast hash is enough: there is nothing to brute-force.

use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What an organization is in the scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    Vendor,
    TestLab,
    SchemeOwner,
}

impl OrgKind {
    pub fn id(self) -> &'static str {
        match self {
            OrgKind::Vendor => "vendor",
            OrgKind::TestLab => "test_lab",
            OrgKind::SchemeOwner => "scheme_owner",
        }
    }

    pub fn parse(s: &str) -> Option<OrgKind> {
        [OrgKind::Vendor, OrgKind::TestLab, OrgKind::SchemeOwner].into_iter().find(|k| k.id() == s)
    }

    /// The roles a token of this organization may carry.
    pub fn allows(self, role: Role) -> bool {
        match self {
            OrgKind::Vendor => role == Role::Vendor,
            OrgKind::TestLab => role == Role::Lab,
            OrgKind::SchemeOwner => matches!(role, Role::Reviewer | Role::Liaison | Role::Admin),
        }
    }
}

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Applies for, renews and reports changes to its own organization's labels.
    Vendor,
    /// An accredited test laboratory (STAR-3/4 evaluation reports).
    Lab,
    /// The scheme owner's reviewer: grants, refuses, revokes.
    Reviewer,
    /// Records the supply-chain inquiry outcome.
    Liaison,
    /// Manages organizations and tokens.
    Admin,
}

impl Role {
    pub const ALL: [Role; 5] = [Role::Vendor, Role::Lab, Role::Reviewer, Role::Liaison, Role::Admin];

    pub fn id(self) -> &'static str {
        match self {
            Role::Vendor => "vendor",
            Role::Lab => "lab",
            Role::Reviewer => "reviewer",
            Role::Liaison => "liaison",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.id() == s)
    }

    /// The scheme owner's staff roles.
    pub fn is_owner(self) -> bool {
        matches!(self, Role::Reviewer | Role::Liaison | Role::Admin)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organization {
    pub id: String,
    pub kind: OrgKind,
    pub name: String,
    /// ISO/IEC 17025 accreditation, for test laboratories.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accreditation: Option<String>,
}

/// Who did something: an organization acting in a role, or the registry
/// itself (expiry by the clock).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub org: String,
    pub role: ActorRole,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActorRole {
    Vendor,
    Lab,
    Reviewer,
    Liaison,
    Admin,
    /// The registry acting on its own (the clock).
    System,
}

impl From<Role> for ActorRole {
    fn from(r: Role) -> ActorRole {
        match r {
            Role::Vendor => ActorRole::Vendor,
            Role::Lab => ActorRole::Lab,
            Role::Reviewer => ActorRole::Reviewer,
            Role::Liaison => ActorRole::Liaison,
            Role::Admin => ActorRole::Admin,
        }
    }
}

impl Actor {
    pub fn system() -> Actor {
        Actor { org: "registry".into(), role: ActorRole::System }
    }
}

/// A token's stored record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    /// Lowercase hex SHA-256 of the secret.
    pub hash: String,
    pub org: String,
    pub role: Role,
    pub label: String,
}

/// A freshly issued secret. Its `Debug` never shows the secret.
pub struct Secret(String);

impl Secret {
    /// A new random token: `smk_` and 64 hex characters (256 bits).
    pub fn generate() -> Result<Secret, getrandom::Error> {
        let mut b = [0u8; 32];
        getrandom::fill(&mut b)?;
        Ok(Secret(format!("smk_{}", hex(&b))))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn hash(&self) -> String {
        hash_token(&self.0)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(****)")
    }
}

pub fn hash_token(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

pub(crate) fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A random identifier with a prefix, e.g. `app_3f9c…` (128 bits).
pub fn random_id(prefix: &str) -> Result<String, getrandom::Error> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b)?;
    Ok(format!("{prefix}_{}", hex(&b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_random_hashed_and_never_printed() {
        let a = Secret::generate().unwrap();
        let b = Secret::generate().unwrap();
        assert_ne!(a.expose(), b.expose());
        assert_eq!(a.expose().len(), 4 + 64);
        assert_eq!(a.hash(), hash_token(a.expose()));
        assert_eq!(format!("{a:?}"), "Secret(****)");
        assert!(OrgKind::SchemeOwner.allows(Role::Reviewer));
        assert!(!OrgKind::Vendor.allows(Role::Reviewer));
    }
}
