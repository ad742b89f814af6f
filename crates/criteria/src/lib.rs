//! The scheme's criteria as validated data.
//!
//! A [`CatalogSet`] holds the scheme parameters (levels, evaluator categories,
//! validity limits, revocation grounds, procurement thresholds), every
//! criteria catalog (JC-STAR STAR-1 and the foreign schemes it is compared
//! with, each versioned), and the crosswalks between them. The shipped data
//! lives in the repository's `catalog/` directory and is embedded in the
//! binary; [`CatalogSet::from_dir`] loads a replacement.
//!
//! This crate does no I/O beyond reading those files: no network, no SQL.

mod catalog;
pub mod date;
mod load;
pub mod locate;
mod map;
mod scheme;
mod text;

pub use catalog::{
    Basis, Catalog, CatalogHeader, CatalogState, Confidence, Crosswalk, CrosswalkHeader, CrosswalkLink, EvaluationItem,
    Method, MethodsBasis, Obligation, Ref, Requirement, Source, VersionRef,
};
pub use load::{CatalogSet, LoadError, MAX_FILE_BYTES, Problem, read_dir_files};
pub use map::{Coverage, CoverageLink, MapError, TargetCoverage};
pub use scheme::{
    Assessment, EvaluatorCategory, Level, LevelParams, ProcurementRule, ProductCategory, RevocationGround, Scheme,
    SchemeParams,
};
pub use text::{Lang, Text};
