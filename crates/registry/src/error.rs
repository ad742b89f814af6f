//! Errors of the registry, by what the caller should do about them.

use crate::model::ProblemRecord;
use crate::store::StoreError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// No valid credentials.
    Unauthenticated,
    /// Valid credentials, but not allowed to do this.
    Forbidden,
    NotFound,
    /// The request conflicts with the current state (already granted, ...).
    Conflict,
    /// The input is malformed or fails a rule; `problems` says where.
    Invalid,
    /// Storage is unavailable or failing; retry later.
    Unavailable,
}

#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct RegistryError {
    pub kind: ErrorKind,
    pub message: String,
    /// Located problems, for `Invalid`.
    pub problems: Vec<ProblemRecord>,
    #[source]
    pub source: Option<StoreError>,
}

impl RegistryError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> RegistryError {
        RegistryError { kind, message: message.into(), problems: Vec::new(), source: None }
    }

    pub fn invalid(message: impl Into<String>, problems: Vec<ProblemRecord>) -> RegistryError {
        RegistryError { kind: ErrorKind::Invalid, message: message.into(), problems, source: None }
    }

    pub fn forbidden(message: impl Into<String>) -> RegistryError {
        RegistryError::new(ErrorKind::Forbidden, message)
    }

    pub fn not_found(message: impl Into<String>) -> RegistryError {
        RegistryError::new(ErrorKind::NotFound, message)
    }

    pub fn conflict(message: impl Into<String>) -> RegistryError {
        RegistryError::new(ErrorKind::Conflict, message)
    }
}

impl From<StoreError> for RegistryError {
    fn from(e: StoreError) -> RegistryError {
        let kind = match e {
            StoreError::Conflict(_) => ErrorKind::Conflict,
            StoreError::Unavailable(_) | StoreError::Corrupt(_) => ErrorKind::Unavailable,
        };
        RegistryError { kind, message: e.to_string(), problems: Vec::new(), source: Some(e) }
    }
}
