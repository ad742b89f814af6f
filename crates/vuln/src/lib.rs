//! The known-vulnerability check (STAR-1 S1.1-13's vulnerability scan):
//! OSV advisories, read offline, matched against the components of an
//! SBOM — and "unknown" wherever the match cannot be made exactly.
//!
//! - [`osv`]: OSV schema records, read from a directory of JSON files or
//!   OSV's `all.zip`, with the advisory database's identity (what exactly
//!   was used) and a warning for every record that could not be read.
//! - [`sbom`]: CycloneDX 1.4–1.6 and SPDX 2.3 JSON, read into components.
//! - [`package`]: what a component is, in OSV's terms (ecosystem, name).
//! - [`version`]: the version orderings ranges are read in.
//! - [`matching`]: OSV's range semantics, component by component.
//! - [`vex`]: CycloneDX and CSAF VEX statements.
//! - [`report`]: findings, the summary, the S1.1-13 verdict; text, JSON, SARIF.

pub mod matching;
pub mod osv;
pub mod package;
pub mod report;
pub mod sbom;
pub mod version;
pub mod vex;

/// Lower-case hex of bytes.
pub(crate) fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
