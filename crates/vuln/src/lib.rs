//! The known-vulnerability check (STAR-1 S1.1-13's vulnerability scan):
//! OSV advisories, read offline, matched against the components of an
//! SBOM — and "unknown" wherever the match cannot be made exactly.
//!
//! - [`osv`]: OSV schema records, read from a directory of JSON files,
//!   with the advisory database's identity (what exactly was used) and a
//!   warning for every record that could not be read.

//! - [`version`]: the version orderings ranges are read in.

pub mod osv;
pub mod version;
