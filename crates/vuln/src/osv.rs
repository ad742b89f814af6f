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

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::hex;

/// A record file larger than this is refused (the largest real OSV
/// records are a few hundred kilobytes).
pub const MAX_RECORD_BYTES: u64 = 4 * 1024 * 1024;

/// At most this many files are read from one directory tree or archive.
pub const MAX_FILES: usize = 2_000_000;

/// At most this many bytes are read in all (decompressed, for an archive):
/// OSV's largest per-ecosystem export is well under a gigabyte.
pub const MAX_TOTAL_BYTES: u64 = 8 * 1024 * 1024 * 1024;

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
    /// IDs this record was derived from (a DLA from its CVEs).
    #[serde(default)]
    pub upstream: Vec<String>,
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
    /// Of those, withdrawn ones (read, never matched).
    pub withdrawn: usize,
    /// SHA-256 over every file's relative path and SHA-256, in path order.
    pub sha256: String,
    /// The newest `modified` of any record read (RFC 3339).
    pub newest_modified: Option<String>,
}

/// The advisories, ready for matching.
#[derive(Debug, Clone)]
pub struct Database {
    /// The records kept (all, or those a filter wanted; see [`load_filtered`]).
    pub records: Vec<Record>,
    /// Every ecosystem any record read names, whole (`Debian:12`) and base
    /// (`Debian`): what the advisories *cover*, so that their silence can
    /// mean "not affected". (GIT-range records cover only the repositories
    /// they name; `matching` indexes those.)
    pub ecosystems: BTreeSet<String>,
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
    #[error("{path}: not a readable zip archive ({message}); give OSV's all.zip or a directory of records")]
    Zip { path: String, message: String },
    #[error("{0}: more than {MAX_TOTAL_BYTES} bytes once decompressed; refusing to read further (a zip bomb?)")]
    TooLarge(String),
}

/// Every `*.json` file below `root` as (relative `/`-separated name, path),
/// sorted by name — the order an archive of the same files is read in —
/// and the `*.json` links, which are not followed.
#[allow(clippy::type_complexity, reason = "two lists of pairs, used once")]
fn json_files(root: &Path) -> Result<(Vec<(String, PathBuf)>, Vec<String>), LoadError> {
    let mut out = Vec::new();
    let mut links = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let entries =
            std::fs::read_dir(&dir).map_err(|source| LoadError::Io { path: dir.display().to_string(), source })?;
        for e in entries {
            let e = e.map_err(|source| LoadError::Io { path: dir.display().to_string(), source })?;
            let kind =
                e.file_type().map_err(|source| LoadError::Io { path: e.path().display().to_string(), source })?;
            let path = e.path();
            let rel = || {
                let parts: Vec<String> = path
                    .strip_prefix(root)
                    .unwrap_or(&path)
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                parts.join("/")
            };
            let json = path.extension().is_some_and(|x| x == "json");
            if kind.is_dir() {
                dirs.push(path);
            } else if kind.is_file() && json {
                out.push((rel(), path));
                if out.len() > MAX_FILES {
                    return Err(LoadError::TooMany(root.display().to_string()));
                }
            } else if kind.is_symlink() && json {
                links.push(rel());
            }
        }
    }
    out.sort();
    links.sort();
    Ok((out, links))
}

/// Reads OSV records from a directory tree or from a zip archive (OSV's
/// per-ecosystem `all.zip`), chosen by what `path` is.
pub fn load(path: &Path) -> Result<Database, LoadError> {
    load_filtered(path, &|_| true)
}

/// Like [`load`], keeping only the records `keep` wants (those about the
/// SBOM's packages: a large database need not stay in memory). The
/// identity, the warnings and the covered ecosystems are still those of
/// every record read.
pub fn load_filtered(path: &Path, keep: &dyn Fn(&Record) -> bool) -> Result<Database, LoadError> {
    if path.is_dir() { load_dir_filtered(path, keep) } else { load_zip_filtered(path, keep) }
}

/// Collects records as they are read, file by file, in path order.
struct Builder<'k> {
    keep: &'k dyn Fn(&Record) -> bool,
    ecosystems: BTreeSet<String>,
    read: usize,
    source: String,
    files: usize,
    total: u64,
    whole: Sha256,
    records: Vec<Record>,
    warnings: Vec<Warning>,
    seen: BTreeMap<String, String>,
    newest: Option<jiff::Timestamp>,
    withdrawn: usize,
}

impl<'k> Builder<'k> {
    fn new(source: String, keep: &'k dyn Fn(&Record) -> bool) -> Builder<'k> {
        Builder {
            keep,
            ecosystems: BTreeSet::new(),
            read: 0,
            source,
            files: 0,
            total: 0,
            whole: Sha256::new(),
            records: Vec::new(),
            warnings: Vec::new(),
            seen: BTreeMap::new(),
            newest: None,
            withdrawn: 0,
        }
    }

    fn warn(&mut self, file: &str, message: String) {
        self.warnings.push(Warning { file: file.to_string(), message });
    }

    /// One file's bytes; `rel` names it (relative path or archive entry).
    fn add(&mut self, rel: &str, bytes: &[u8]) -> Result<(), LoadError> {
        self.total += bytes.len() as u64;
        if self.total > MAX_TOTAL_BYTES {
            return Err(LoadError::TooLarge(self.source.clone()));
        }
        self.whole.update(rel.as_bytes());
        self.whole.update([0]);
        self.whole.update(Sha256::digest(bytes));
        let record: Record = match serde_json::from_slice(bytes) {
            Ok(r) => r,
            Err(e) => {
                self.warn(rel, format!("not an OSV record: {e}"));
                return Ok(());
            }
        };
        if let Some(v) = &record.schema_version
            && !v.starts_with("1.")
        {
            self.warn(rel, format!("{}: schema_version {v:?} is not OSV 1.x; not used", record.id));
            return Ok(());
        }
        if let Some(first) = self.seen.get(&record.id) {
            let message = format!("{} is also in {first}; the first one is used", record.id);
            self.warn(rel, message);
            return Ok(());
        }
        match record.modified.parse::<jiff::Timestamp>() {
            Ok(t) => self.newest = Some(self.newest.map_or(t, |n| n.max(t))),
            Err(e) => {
                let message = format!(
                    "{}: `modified` {:?} is not an RFC 3339 time ({e}); the record is used",
                    record.id, record.modified
                );
                self.warn(rel, message);
            }
        }
        self.read += 1;
        if record.withdrawn.is_some() {
            self.withdrawn += 1;
        }
        for a in &record.affected {
            if let Some(p) = &a.package {
                let base = p.ecosystem.split(':').next().unwrap_or(&p.ecosystem);
                if !self.ecosystems.contains(&p.ecosystem) {
                    self.ecosystems.insert(base.to_string());
                    self.ecosystems.insert(p.ecosystem.clone());
                }
            }
        }
        self.seen.insert(record.id.clone(), rel.to_string());
        if (self.keep)(&record) {
            self.records.push(record);
        }
        Ok(())
    }

    fn finish(self) -> Result<Database, LoadError> {
        if self.files == 0 {
            return Err(LoadError::Empty(self.source));
        }
        let identity = Identity {
            source: self.source,
            files: self.files,
            records: self.read,
            withdrawn: self.withdrawn,
            sha256: hex(&self.whole.finalize()),
            newest_modified: self.newest.map(|t| t.to_string()),
        };
        Ok(Database { records: self.records, ecosystems: self.ecosystems, identity, warnings: self.warnings })
    }
}

/// Reads a directory tree of OSV records (see the module docs).
pub fn load_dir(root: &Path) -> Result<Database, LoadError> {
    load_dir_filtered(root, &|_| true)
}

fn load_dir_filtered(root: &Path, keep: &dyn Fn(&Record) -> bool) -> Result<Database, LoadError> {
    let (files, links) = json_files(root)?;
    let mut b = Builder::new(root.display().to_string(), keep);
    for rel in links {
        b.files += 1;
        b.warn(&rel, "is a symbolic link, which is not followed; not read".into());
    }
    for (rel, path) in &files {
        b.files += 1;
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        if size > MAX_RECORD_BYTES {
            b.warn(rel, format!("{size} bytes is more than the {MAX_RECORD_BYTES} a record may have; not read"));
            continue;
        }
        match std::fs::read(path) {
            Ok(bytes) => b.add(rel, &bytes)?,
            Err(e) => b.warn(rel, format!("cannot be read: {e}")),
        }
    }
    b.finish()
}

/// Reads OSV records from a zip archive without unpacking it to disk.
///
/// Every entry is read through a limit of [`MAX_RECORD_BYTES`] on what it
/// *actually* decompresses to (the sizes an archive declares are not
/// trusted), and the whole archive through [`MAX_TOTAL_BYTES`]. Entries
/// are taken in name order, so the identity equals that of the same
/// records unpacked into a directory.
pub fn load_zip(path: &Path) -> Result<Database, LoadError> {
    load_zip_filtered(path, &|_| true)
}

fn load_zip_filtered(path: &Path, keep: &dyn Fn(&Record) -> bool) -> Result<Database, LoadError> {
    use std::io::Read;
    let shown = path.display().to_string();
    let zip_err = |e: zip::result::ZipError| LoadError::Zip { path: shown.clone(), message: e.to_string() };
    let file = std::fs::File::open(path).map_err(|source| LoadError::Io { path: shown.clone(), source })?;
    let mut archive = zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(zip_err)?;
    if archive.len() > MAX_FILES {
        return Err(LoadError::TooMany(shown));
    }
    let mut names: Vec<(String, usize)> = Vec::with_capacity(archive.len());
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(zip_err)?;
        match entry.name() {
            Ok(name) => names.push((name.to_string(), i)),
            Err(e) => return Err(zip_err(e)),
        }
    }
    names.sort();
    let mut b = Builder::new(shown.clone(), keep);
    let mut buf = Vec::new();
    for (name, i) in names {
        if name.ends_with('/') {
            continue;
        }
        if !name.ends_with(".json") {
            b.warn(&name, "not a .json entry; not read".into());
            continue;
        }
        b.files += 1;
        let entry = match archive.by_index(i) {
            Ok(e) => e,
            Err(e) => {
                b.warn(&name, format!("cannot be read from the archive: {e}"));
                continue;
            }
        };
        buf.clear();
        match entry.take(MAX_RECORD_BYTES + 1).read_to_end(&mut buf) {
            Ok(n) if n as u64 > MAX_RECORD_BYTES => {
                b.total += n as u64;
                if b.total > MAX_TOTAL_BYTES {
                    return Err(LoadError::TooLarge(shown));
                }
                b.warn(
                    &name,
                    format!("decompresses to more than the {MAX_RECORD_BYTES} bytes a record may have; not read"),
                );
            }
            Ok(_) => b.add(&name, &buf)?,
            Err(e) => b.warn(&name, format!("cannot be decompressed: {e}")),
        }
    }
    b.finish()
}
