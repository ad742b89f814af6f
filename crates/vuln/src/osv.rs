//! OSV schema records (<https://ossf.github.io/osv-schema/>, 1.x) and the
//! advisory database they form.
//!
//! A database is read from a directory tree of `*.json` files, one record
//! each (the layout of OSV's exports and of most advisory repositories).
//! Nothing is skipped silently: a file that cannot be read, a record that
//! does not parse, a duplicate ID, or a file over [`MAX_RECORD_BYTES`]
//! becomes a [`Warning`] naming the file and the reason, and is counted.
//! The database's [`Identity`] — SHA-256 over every file read, the record
//! count, the newest `modified` — goes into every report, so a third party
//! can tell whether they matched against the same advisories.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A record file larger than this is refused (the largest real OSV
/// records are a few hundred kilobytes).
pub const MAX_RECORD_BYTES: u64 = 4 * 1024 * 1024;

/// At most this many files are read from one directory tree.
pub const MAX_FILES: usize = 2_000_000;

/// One advisory.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Record {
    #[serde(default)]
    pub schema_version: Option<String>,
    pub id: String,
    pub modified: String,
    #[serde(default)]
    pub published: Option<String>,
    /// Set when the advisory was withdrawn: it must not match anything.
    #[serde(default)]
    pub withdrawn: Option<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub severity: Vec<Severity>,
    #[serde(default)]
    pub affected: Vec<Affected>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Severity {
    /// `CVSS_V2`, `CVSS_V3`, `CVSS_V4`, `Ubuntu`, …
    #[serde(rename = "type")]
    pub kind: String,
    pub score: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Affected {
    #[serde(default)]
    pub package: Option<Package>,
    #[serde(default)]
    pub ranges: Vec<Range>,
    /// Explicitly listed affected versions.
    #[serde(default)]
    pub versions: Vec<String>,
    #[serde(default)]
    pub severity: Vec<Severity>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Package {
    /// `PyPI`, `crates.io`, `Debian:12`, `Alpine:v3.18`, …
    pub ecosystem: String,
    pub name: String,
    #[serde(default)]
    pub purl: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Range {
    /// `SEMVER`, `ECOSYSTEM` or `GIT`.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub repo: Option<String>,
    #[serde(default)]
    pub events: Vec<Event>,
}

/// One event of a range: exactly one of the four is set.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub introduced: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_affected: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<String>,
}

/// A record that could not be used, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// The file, relative to the database's root.
    pub file: String,
    pub message: String,
}

/// What exactly the advisories were.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Identity {
    /// The path given.
    pub source: String,
    /// `*.json` files found.
    pub files: usize,
    /// Records read (files less the ones warned about).
    pub records: usize,
    /// SHA-256 over every file's relative path and SHA-256, in path order.
    pub sha256: String,
    /// The newest `modified` of any record read (RFC 3339).
    pub newest_modified: Option<String>,
}

/// The advisories, ready for matching.
#[derive(Debug, Clone)]
pub struct Database {
    pub records: Vec<Record>,
    pub identity: Identity,
    pub warnings: Vec<Warning>,
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("{0}: no *.json advisory files found; give a directory of OSV records")]
    Empty(String),
    #[error("{0}: more than {MAX_FILES} files; give the directory of one ecosystem")]
    TooMany(String),
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Every `*.json` file below `root`, sorted, without following links.
fn json_files(root: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let mut out = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let entries =
            std::fs::read_dir(&dir).map_err(|source| LoadError::Io { path: dir.display().to_string(), source })?;
        for e in entries {
            let e = e.map_err(|source| LoadError::Io { path: dir.display().to_string(), source })?;
            let kind =
                e.file_type().map_err(|source| LoadError::Io { path: e.path().display().to_string(), source })?;
            let path = e.path();
            if kind.is_dir() {
                dirs.push(path);
            } else if kind.is_file() && path.extension().is_some_and(|x| x == "json") {
                out.push(path);
                if out.len() > MAX_FILES {
                    return Err(LoadError::TooMany(root.display().to_string()));
                }
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Reads a directory tree of OSV records (see the module docs).
pub fn load_dir(root: &Path) -> Result<Database, LoadError> {
    let files = json_files(root)?;
    if files.is_empty() {
        return Err(LoadError::Empty(root.display().to_string()));
    }
    let mut whole = Sha256::new();
    let mut records: Vec<Record> = Vec::new();
    let mut warnings = Vec::new();
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    let mut newest: Option<jiff::Timestamp> = None;
    for path in &files {
        let rel = path.strip_prefix(root).unwrap_or(path).display().to_string();
        let mut warn = |message: String| warnings.push(Warning { file: rel.clone(), message });
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        if size > MAX_RECORD_BYTES {
            warn(format!("{size} bytes is more than the {MAX_RECORD_BYTES} a record may have; not read"));
            continue;
        }
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => {
                warn(format!("cannot be read: {e}"));
                continue;
            }
        };
        whole.update(rel.as_bytes());
        whole.update([0]);
        whole.update(Sha256::digest(&bytes));
        let record: Record = match serde_json::from_slice(&bytes) {
            Ok(r) => r,
            Err(e) => {
                warn(format!("not an OSV record: {e}"));
                continue;
            }
        };
        if let Some(first) = seen.get(&record.id) {
            warn(format!("{} is also in {first}; the first one is used", record.id));
            continue;
        }
        match record.modified.parse::<jiff::Timestamp>() {
            Ok(t) => newest = Some(newest.map_or(t, |n| n.max(t))),
            Err(e) => warn(format!(
                "{}: `modified` {:?} is not an RFC 3339 time ({e}); the record is used",
                record.id, record.modified
            )),
        }
        seen.insert(record.id.clone(), rel.clone());
        records.push(record);
    }
    let identity = Identity {
        source: root.display().to_string(),
        files: files.len(),
        records: records.len(),
        sha256: hex(&whole.finalize()),
        newest_modified: newest.map(|t| t.to_string()),
    };
    Ok(Database { records, identity, warnings })
}
