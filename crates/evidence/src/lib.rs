//! Evidence bundles: the files an evaluation used (scan results, redacted
//! transcripts, the SBOM, the advisory database's identity, VEX, documents
//! the vendor points to), listed in `manifest.json` with their SHA-256
//! digests and signed with the evaluator's Ed25519 key.
//!
//! The vendor keeps the bundle for the label's life; the registry keeps
//! only the manifest's digest ([`Bundle::manifest_sha256`]). When the owner
//! asks for the evidence, [`verify`] shows it is exactly what was used:
//! every listed file present with its digest, nothing else in the folder,
//! and the signature over the manifest's exact bytes valid — for the key
//! the owner expects, when it gives one.
//!
//! Layout of a bundle folder:
//!
//! ```text
//! manifest.json      format starmark-evidence/1: files, digests, signer
//! manifest.json.sig  the raw 64-byte Ed25519 signature over manifest.json
//! <files…>           as listed, below the folder, no links
//! ```
//!
//! Keys are PKCS#8 / SPKI PEM files (`starmark keygen`), the formats
//! OpenSSL reads: `openssl pkeyutl -verify -rawin -pubin -inkey key.pub
//! -in manifest.json -sigfile manifest.json.sig` checks a bundle too.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

use ed25519_dalek::ed25519::pkcs8::KeypairBytes;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub const FORMAT: &str = "starmark-evidence/1";
pub const MANIFEST: &str = "manifest.json";
pub const SIGNATURE: &str = "manifest.json.sig";

/// A bundle holds at most this many files.
pub const MAX_FILES: usize = 10_000;
/// One evidence file may be this large at most.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024 * 1024;
/// The manifest may be this large at most.
pub const MAX_MANIFEST_BYTES: u64 = 16 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("{path}: not an Ed25519 {what} key in PEM ({message}); make one with `starmark keygen`")]
    Key { path: String, what: &'static str, message: String },
    #[error("no randomness for a key: {0}")]
    Random(String),
    #[error("{0}: already exists; choose another path or remove it")]
    Exists(String),
    #[error("{name:?}: {reason}")]
    BadName { name: String, reason: String },
    #[error("{0}: {MAX_FILES} files at most in one bundle")]
    TooMany(String),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io { path: path.display().to_string(), source }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Lowercase hex SHA-256 of bytes, as manifests and checklists write digests.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// An evaluator's key pair.
#[derive(Debug)]
pub struct Key {
    signing: SigningKey,
}

/// The short name of a public key: the first 16 hex digits of the SHA-256
/// of its 32 bytes.
pub fn key_id(key: &VerifyingKey) -> String {
    let mut id = hex(&Sha256::digest(key.to_bytes()));
    id.truncate(16);
    id
}

impl Key {
    pub fn generate() -> Result<Key, Error> {
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).map_err(|e| Error::Random(e.to_string()))?;
        Ok(Key { signing: SigningKey::from_bytes(&secret) })
    }

    pub fn public(&self) -> VerifyingKey {
        self.signing.verifying_key()
    }

    pub fn id(&self) -> String {
        key_id(&self.public())
    }

    /// Writes the private key (PKCS#8 PEM, readable by the owner only) to
    /// `path` and the public key (SPKI PEM) to `path.pub`; refuses to
    /// overwrite either.
    pub fn write(&self, path: &Path) -> Result<PathBuf, Error> {
        let public_path = PathBuf::from(format!("{}.pub", path.display()));
        for p in [path, public_path.as_path()] {
            if p.exists() {
                return Err(Error::Exists(p.display().to_string()));
            }
        }
        let key_err = |message: String| Error::Key { path: path.display().to_string(), what: "private", message };
        // PKCS#8 v1 (RFC 8410), without the optional public key: the form
        // OpenSSL 3.0 reads (it refuses the v2 form the signing key's own
        // encoder writes).
        let v1 = KeypairBytes { secret_key: self.signing.to_bytes(), public_key: None };
        let private = v1.to_pkcs8_pem(LineEnding::LF).map_err(|e| key_err(e.to_string()))?;
        let public = self.public().to_public_key_pem(LineEnding::LF).map_err(|e| key_err(e.to_string()))?;
        write_private(path, private.as_bytes())?;
        std::fs::write(&public_path, public).map_err(io(&public_path))?;
        Ok(public_path)
    }

    pub fn read(path: &Path) -> Result<Key, Error> {
        let text = std::fs::read_to_string(path).map_err(io(path))?;
        let signing = SigningKey::from_pkcs8_pem(&text).map_err(|e| Error::Key {
            path: path.display().to_string(),
            what: "private",
            message: e.to_string(),
        })?;
        Ok(Key { signing })
    }
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path).map_err(io(path))?;
    f.write_all(bytes).map_err(io(path))
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    std::fs::write(path, bytes).map_err(io(path))
}

/// Reads a public key (SPKI PEM, as `starmark keygen` writes `KEY.pub`).
pub fn read_public(path: &Path) -> Result<VerifyingKey, Error> {
    let text = std::fs::read_to_string(path).map_err(io(path))?;
    VerifyingKey::from_public_key_pem(&text).map_err(|e| Error::Key {
        path: path.display().to_string(),
        what: "public",
        message: e.to_string(),
    })
}

/// One listed file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Relative to the bundle folder, `/`-separated.
    pub path: String,
    /// What it is: `scan`, `vuln-report`, `sbom`, `advisories`, `vex`,
    /// `checklist`, `document`, …
    pub role: String,
    pub bytes: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signer {
    pub algorithm: String,
    pub key_id: String,
    /// SPKI PEM.
    pub public_key: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    /// RFC 3339.
    pub created: String,
    pub tool: String,
    pub signer: Signer,
    pub files: Vec<Entry>,
}

/// A written or verified bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bundle {
    pub manifest: Manifest,
    /// SHA-256 of `manifest.json`'s exact bytes: what the registry keeps.
    pub manifest_sha256: String,
}

/// Checks a name for a file in a bundle: relative, `/`-separated, no `..`,
/// no empty or hidden-trick parts, not the manifest or its signature.
pub fn check_name(name: &str) -> Result<(), Error> {
    let bad = |reason: &str| Err(Error::BadName { name: name.to_string(), reason: reason.to_string() });
    if name.is_empty() || name.len() > 255 {
        return bad("a file name in a bundle has 1 to 255 characters");
    }
    if name == MANIFEST || name == SIGNATURE {
        return bad("is the bundle's own manifest or signature");
    }
    if name.chars().any(|c| c.is_control() || c == '\\') {
        return bad("control characters and backslashes are not allowed");
    }
    for part in name.split('/') {
        if part.is_empty() || part == "." || part == ".." {
            return bad("must be a relative path without empty, `.` or `..` parts");
        }
    }
    Ok(())
}

/// Writes a bundle into `dir` (created; it must not exist or be empty):
/// each `(name, role, source file)` is copied in, the manifest written
/// and signed.
pub fn write(
    dir: &Path,
    files: &[(String, String, PathBuf)],
    key: &Key,
    created: jiff::Timestamp,
) -> Result<Bundle, Error> {
    if files.len() > MAX_FILES {
        return Err(Error::TooMany(dir.display().to_string()));
    }
    if dir.exists() && std::fs::read_dir(dir).map_err(io(dir))?.next().is_some() {
        return Err(Error::Exists(dir.display().to_string()));
    }
    let mut names = BTreeSet::new();
    for (name, _, _) in files {
        check_name(name)?;
        if !names.insert(name.as_str()) {
            return Err(Error::BadName { name: name.clone(), reason: "is given twice".into() });
        }
    }
    // Written into a staging folder beside `dir` and renamed into place
    // at the end: a bundle is whole or absent, never half written.
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(io(&parent))?;
    let staging = tempfile::Builder::new().prefix(".starmark-evidence-").tempdir_in(&parent).map_err(io(&parent))?;
    let mut entries = Vec::with_capacity(files.len());
    for (name, role, source) in files {
        let size = std::fs::metadata(source).map_err(io(source))?.len();
        if size > MAX_FILE_BYTES {
            return Err(Error::BadName { name: name.clone(), reason: format!("more than {MAX_FILE_BYTES} bytes") });
        }
        let bytes = std::fs::read(source).map_err(io(source))?;
        let target = staging.path().join(name);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        std::fs::write(&target, &bytes).map_err(io(&target))?;
        entries.push(Entry {
            path: name.clone(),
            role: role.clone(),
            bytes: bytes.len() as u64,
            sha256: hex(&Sha256::digest(&bytes)),
        });
    }
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    let public = key.public();
    let manifest = Manifest {
        format: FORMAT.into(),
        created: created.to_string(),
        tool: format!("starmark {}", env!("CARGO_PKG_VERSION")),
        signer: Signer {
            algorithm: "ed25519".into(),
            key_id: key.id(),
            public_key: public.to_public_key_pem(LineEnding::LF).map_err(|e| Error::Key {
                path: "(key)".into(),
                what: "public",
                message: e.to_string(),
            })?,
        },
        files: entries,
    };
    let mut text = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| Error::Io { path: MANIFEST.into(), source: std::io::Error::other(e) })?;
    text.push(b'\n');
    let signature = key.signing.sign(&text);
    let manifest_path = staging.path().join(MANIFEST);
    std::fs::write(&manifest_path, &text).map_err(io(&manifest_path))?;
    let sig_path = staging.path().join(SIGNATURE);
    std::fs::write(&sig_path, signature.to_bytes()).map_err(io(&sig_path))?;
    let staged = staging.keep();
    if let Err(e) = std::fs::rename(&staged, dir) {
        let _ = std::fs::remove_dir_all(&staged);
        return Err(io(dir)(e));
    }
    Ok(Bundle { manifest, manifest_sha256: hex(&Sha256::digest(&text)) })
}

/// One thing wrong with a bundle, naming the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.file, self.message)
    }
}

/// Every regular file below `dir`, relative, `/`-separated; links and
/// other special files are problems.
fn listing(dir: &Path, problems: &mut Vec<Problem>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            problems.push(Problem { file: d.display().to_string(), message: "cannot be read".into() });
            continue;
        };
        for e in entries.flatten() {
            let path = e.path();
            let rel: Vec<String> = path
                .strip_prefix(dir)
                .unwrap_or(&path)
                .components()
                .filter_map(|c| match c {
                    Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
                    _ => None,
                })
                .collect();
            let rel = rel.join("/");
            match e.file_type() {
                Ok(t) if t.is_dir() => stack.push(path),
                Ok(t) if t.is_file() => {
                    out.insert(rel);
                    if out.len() > MAX_FILES + 2 {
                        problems.push(Problem { file: ".".into(), message: format!("more than {MAX_FILES} files") });
                        return out;
                    }
                }
                _ => problems.push(Problem {
                    file: rel,
                    message: "is a link or a special file; a bundle holds regular files only".into(),
                }),
            }
        }
    }
    out
}

/// Verifies a bundle: the signature over `manifest.json` (with `expected`,
/// it must be that key), every listed file's size and digest, and that
/// the folder holds nothing else. All problems are reported, each naming
/// its file.
pub fn verify(dir: &Path, expected: Option<&VerifyingKey>) -> Result<Bundle, Vec<Problem>> {
    let problem = |file: &str, message: String| Problem { file: file.to_string(), message };
    let manifest_path = dir.join(MANIFEST);
    let text = match std::fs::metadata(&manifest_path) {
        Ok(m) if m.len() > MAX_MANIFEST_BYTES => {
            return Err(vec![problem(MANIFEST, format!("more than {MAX_MANIFEST_BYTES} bytes"))]);
        }
        Ok(_) => match std::fs::read(&manifest_path) {
            Ok(t) => t,
            Err(e) => return Err(vec![problem(MANIFEST, format!("cannot be read: {e}"))]),
        },
        Err(e) => return Err(vec![problem(MANIFEST, format!("cannot be read: {e}; is this an evidence bundle?"))]),
    };
    let manifest: Manifest = match serde_json::from_slice(&text) {
        Ok(m) => m,
        Err(e) => return Err(vec![problem(MANIFEST, format!("not a {FORMAT} manifest: {e}"))]),
    };
    let mut problems = Vec::new();
    if manifest.format != FORMAT {
        problems.push(problem(MANIFEST, format!("format is {:?}, not {FORMAT}", manifest.format)));
    }
    // The signature, by the manifest's key and, if given, the expected one.
    let embedded = VerifyingKey::from_public_key_pem(&manifest.signer.public_key);
    let key = match (expected, embedded) {
        (Some(k), Ok(e)) if *k != e => {
            problems.push(problem(
                MANIFEST,
                format!("signed by key {}, not by the expected key {}", key_id(&e), key_id(k)),
            ));
            Some(*k)
        }
        (Some(k), _) => Some(*k),
        (None, Ok(e)) => Some(e),
        (None, Err(e)) => {
            problems.push(problem(MANIFEST, format!("signer.public_key is not an Ed25519 public key: {e}")));
            None
        }
    };
    if let Ok(e) = VerifyingKey::from_public_key_pem(&manifest.signer.public_key)
        && key_id(&e) != manifest.signer.key_id
    {
        problems.push(problem(MANIFEST, "signer.key_id does not match signer.public_key".into()));
    }
    match std::fs::read(dir.join(SIGNATURE)) {
        Err(e) => problems.push(problem(SIGNATURE, format!("cannot be read: {e}"))),
        Ok(sig) => match (Signature::from_slice(&sig), key) {
            (Err(_), _) => {
                problems.push(problem(SIGNATURE, format!("{} bytes; an Ed25519 signature has 64", sig.len())))
            }
            (Ok(s), Some(k)) => {
                if k.verify_strict(&text, &s).is_err() {
                    problems.push(problem(
                        SIGNATURE,
                        "does not verify: manifest.json was changed after signing, or another key signed it".into(),
                    ));
                }
            }
            (Ok(_), None) => {}
        },
    }
    // The files.
    let present = listing(dir, &mut problems);
    let mut listed = BTreeSet::new();
    for entry in &manifest.files {
        if let Err(e) = check_name(&entry.path) {
            problems.push(problem(MANIFEST, format!("lists {e}")));
            continue;
        }
        if !listed.insert(entry.path.as_str()) {
            problems.push(problem(&entry.path, "is listed twice in the manifest".into()));
            continue;
        }
        if !present.contains(&entry.path) {
            problems.push(problem(&entry.path, "is listed in the manifest but missing".into()));
            continue;
        }
        let path = dir.join(&entry.path);
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        if size > MAX_FILE_BYTES {
            problems.push(problem(&entry.path, format!("more than {MAX_FILE_BYTES} bytes")));
            continue;
        }
        match std::fs::read(&path) {
            Err(e) => problems.push(problem(&entry.path, format!("cannot be read: {e}"))),
            Ok(bytes) => {
                let digest = hex(&Sha256::digest(&bytes));
                if bytes.len() as u64 != entry.bytes || digest != entry.sha256 {
                    problems.push(problem(
                        &entry.path,
                        format!(
                            "changed: {} bytes with SHA-256 {digest}, the manifest says {} bytes with {}",
                            bytes.len(),
                            entry.bytes,
                            entry.sha256
                        ),
                    ));
                }
            }
        }
    }
    for extra in present.iter().filter(|p| !listed.contains(p.as_str()) && *p != MANIFEST && *p != SIGNATURE) {
        problems.push(problem(extra, "is in the bundle but not in the manifest".into()));
    }
    if problems.is_empty() {
        Ok(Bundle { manifest, manifest_sha256: hex(&Sha256::digest(&text)) })
    } else {
        Err(problems)
    }
}
