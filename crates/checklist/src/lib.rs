//! The vendor's self-evaluation checklist and the registry's format check.
//!
//! One model ([`Checklist`]), two encodings: TOML for people and JSON for
//! machines ([`parse`]). [`check`] is the format check the scheme owner runs
//! on every application (and `starmark checklist check` runs locally): it
//! judges the checklist's form (complete, consistent, a catalog version that
//! accepts applications), never the product's security. [`template`] writes
//! a blank checklist with guidance for every criterion.
//!
//! No network and no storage: inputs are bytes, outputs are values.

mod check;
pub mod evaluate;
mod model;
mod parse;
mod template;

pub use check::{Problem, Report, Severity, check, forbidden_char};
pub use model::{
    Applicability, Applicant, Certification, Checklist, Country, CriteriaRef, EvaluationItemAnswer, Evaluator,
    Evidence, EvidenceBundle, FORMAT, Item, Localized, Manufacturer, MethodUsed, Product, Verdict, json_schema,
};
pub use parse::{Document, Encoding, MAX_BYTES, MAX_TEXT_CHARS, ParseError, parse};
pub use template::{TemplateError, template};
