//! The transparency log from the command line: the registry's signing key
//! (`admin key generate|show`, and how `serve` finds it), `verify` (one
//! label, online or from an offline bundle) and `monitor` (the log never
//! forks or rewrites its history).
#![allow(
    clippy::indexing_slicing,
    reason = "only serde_json::Value is indexed here, and reading a missing key gives Null, never a panic"
)]

use std::io::Write as _;

use base64::Engine as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use jiff::civil::Date;
use serde::Serialize;
use sha2::{Digest, Sha256};
use starmark_api as wire;
use starmark_registry::transparency::{Statement, parse_keys_note};
use starmark_tlog::checkpoint::Checkpoint;
use starmark_tlog::merkle::{Hash, leaf_hash, verify_consistency, verify_inclusion};
use starmark_tlog::note::{Signer, SigningKey, Verifier};

use crate::config::Settings;

/// The file name of the key under systemd's `LoadCredential=`.
const CREDENTIAL_NAME: &str = "starmark-log-key";
/// The largest bundle, checkpoint or proof read.
const MAX_INPUT: usize = 4 << 20;

// ---------------------------------------------------------------------- keys

/// The log origin for a public base URL: host, port and path, then `/log`
/// (`https://labels.example.jp` → `labels.example.jp/log`).
pub(crate) fn origin_for(public_base_url: &str) -> String {
    let rest = public_base_url.split_once("://").map_or(public_base_url, |(_, r)| r);
    let rest = rest.trim_end_matches('/');
    let clean: String = rest.chars().map(|c| if c.is_whitespace() || c == '+' { '-' } else { c }).collect();
    format!("{clean}/log")
}

/// The key file beside a SQLite database file (`starmark.db` →
/// `starmark.db.log-key`); None for other databases and in-memory SQLite.
fn default_key_path(database_url: &str) -> Option<PathBuf> {
    let path = database_url.strip_prefix("sqlite://").or_else(|| database_url.strip_prefix("sqlite:"))?;
    let path = path.split('?').next().unwrap_or(path);
    if path.is_empty() || path.contains(":memory:") || database_url.contains("mode=memory") {
        return None;
    }
    Some(PathBuf::from(format!("{path}.log-key")))
}

fn credential_path() -> Option<PathBuf> {
    let dir = std::env::var_os("CREDENTIALS_DIRECTORY")?;
    let p = Path::new(&dir).join(CREDENTIAL_NAME);
    p.exists().then_some(p)
}

/// What `config check` says about the key when none is configured.
pub(crate) fn default_key_note(s: &Settings) -> String {
    if let Some(p) = credential_path() {
        return format!("from the systemd credential {}", p.display());
    }
    match default_key_path(&s.database_url) {
        Some(p) if p.exists() => format!("default {} (exists)", p.display()),
        Some(p) => format!("default {} (made on the first `serve`)", p.display()),
        None => "none: set log_key_file (`starmark admin key generate`); serve refuses to start without it".into(),
    }
}

/// Reads a signer key file, refusing one that others can change: owned by
/// another user (root excepted, as for mounted secrets) or writable by
/// group or others. The checks are on the opened file itself.
pub(crate) fn read_key(path: &Path) -> Result<Signer> {
    use std::io::Read as _;
    let f = std::fs::File::open(path).with_context(|| format!("cannot read the log key {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let meta = f.metadata()?;
        let mode = meta.mode() & 0o7777;
        let me = nix::unistd::geteuid().as_raw();
        if meta.uid() != me && meta.uid() != 0 {
            bail!(
                "the log key {} belongs to another user (uid {}); it must be yours or root's",
                path.display(),
                meta.uid()
            );
        }
        if mode & 0o022 != 0 {
            bail!("the log key {} can be changed by other users (mode {mode:o}); chmod 600 it", path.display());
        }
        if mode & 0o004 != 0 {
            eprintln!(
                "warning: the log key {} is readable by every user (mode {mode:o}); chmod 600 it",
                path.display()
            );
        }
    }
    let mut text = String::new();
    f.take(64 * 1024)
        .read_to_string(&mut text)
        .with_context(|| format!("cannot read the log key {}", path.display()))?;
    Signer::parse_private(&text).with_context(|| format!("{} is not a log key", path.display()))
}

pub(crate) fn new_signer(name: &str) -> Result<Signer> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Signer::new(name, SigningKey::from_bytes(&seed)).map_err(|e| anyhow::anyhow!("{e}"))
}

/// Writes a new key to `out` (mode 600, never over an existing file) and
/// its verifier key to `out.pub`.
fn write_key(signer: &Signer, out: &Path) -> Result<PathBuf> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(out).with_context(|| format!("cannot create {} (it must not exist yet)", out.display()))?;
    f.write_all(format!("{}\n", signer.private_key_text()).as_bytes())?;
    f.sync_all()?;
    let public = PathBuf::from(format!("{}.pub", out.display()));
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&public)
        .and_then(|mut p| p.write_all(format!("{}\n", signer.verifier_key()).as_bytes()))
        .with_context(|| format!("cannot create {} (it must not exist yet)", public.display()))?;
    Ok(public)
}

/// The key `serve` signs with: the configured file; else the systemd
/// credential; else, for a SQLite database file, the key beside it, made
/// on the first start of an empty log only (a log already signed never
/// gets a new identity by accident). Anything else must configure one:
/// several servers on one PostgreSQL database share a key, so none is
/// invented.
pub(crate) async fn log_key(s: &Settings, store: &dyn starmark_registry::store::Store) -> Result<Signer> {
    if let Some(p) = &s.log_key_file {
        return read_key(p);
    }
    if let Some(p) = credential_path() {
        return read_key(&p);
    }
    let Some(p) = default_key_path(&s.database_url) else {
        bail!(
            "no log signing key: make one with `starmark admin key generate --name {} --out FILE` and set \
             log_key_file (or --log-key-file, STARMARK_LOG_KEY_FILE); every server on this database uses the same key",
            origin_for(&s.public_base_url)
        );
    };
    if p.exists() {
        return read_key(&p);
    }
    let keys = store.log_keys().await.context("cannot read the log's key history")?;
    let leaves = store.log_hashes(0, 1).await.context("cannot read the transparency log")?;
    if !keys.is_empty() || !leaves.is_empty() {
        let names: Vec<String> = keys.iter().map(|k| k.verifier_key.clone()).collect();
        bail!(
            "this database's transparency log is signed by {}, but its key file {} is missing: restore it, or set \
             log_key_file; starting with a new key would make every verifier and monitor reject the log",
            if names.is_empty() { "a key".to_string() } else { names.join(", ") },
            p.display()
        );
    }
    let signer = new_signer(&origin_for(&s.public_base_url))?;
    let public = write_key(&signer, &p)?;
    eprintln!(
        "starmark: made the log signing key {} (verifier key in {}): {}",
        p.display(),
        public.display(),
        signer.verifier_key()
    );
    Ok(signer)
}

pub(crate) fn key_generate(s: &Settings, name: Option<String>, out: &Path) -> Result<ExitCode> {
    let name = name.unwrap_or_else(|| origin_for(&s.public_base_url));
    let signer = new_signer(&name)?;
    let public = write_key(&signer, out)?;
    println!("{}", signer.verifier_key());
    eprintln!(
        "log key written: {} (secret; give it to `serve` as log_key_file) and {} (publish it: \
         `starmark verify --registry-key` reads it)",
        out.display(),
        public.display()
    );
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn key_show(s: &Settings) -> Result<ExitCode> {
    let path = s.log_key_file.clone().or_else(credential_path).or_else(|| default_key_path(&s.database_url));
    let Some(path) = path.filter(|p| p.exists()) else {
        bail!("no log key is configured or present: {}", default_key_note(s));
    };
    println!("{}", read_key(&path)?.verifier_key());
    Ok(ExitCode::SUCCESS)
}

// ---------------------------------------------------------------------- verify

/// Why a label could not be verified. Each names what failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum VerifyError {
    #[error("the bundle cannot be read: {0}")]
    Bundle(String),
    #[error("the bundle is from the log `{bundle}`, but the registry key is for `{key}`")]
    Origin { bundle: String, key: String },
    #[error("the key history is not signed by the registry key: {0}")]
    Keys(String),
    #[error("the checkpoint is not a valid signed checkpoint of this log: {0}")]
    Checkpoint(String),
    #[error("the label's statement fails: {0}")]
    Statement(String),
    #[error("the statement is about {statement}, not {asked}")]
    Label { statement: String, asked: String },
    #[error("the record does not match the statement's digest: it was changed")]
    Record,
    #[error("the inclusion proof fails: {0}")]
    Inclusion(String),
    #[error("the status list fails: {0}")]
    StatusList(String),
}

/// What a verified bundle says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Verified {
    pub(crate) label: String,
    /// valid, expired or revoked, on `as_of`.
    pub(crate) status: String,
    pub(crate) as_of: String,
    pub(crate) statement: Statement,
    pub(crate) record: serde_json::Value,
    pub(crate) log_index: u64,
    pub(crate) checkpoint_size: u64,
    pub(crate) key: String,
    pub(crate) origin: String,
    /// What the status list said; None when the bundle has none or the
    /// label has no bit (granted before status lists).
    pub(crate) status_list: Option<ListCheck>,
}

/// The label's bit in a verified status list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct ListCheck {
    pub(crate) index: u64,
    pub(crate) revoked: bool,
    pub(crate) valid_from: String,
    pub(crate) valid_until: String,
    /// Why the list cannot confirm the status now (past `validUntil`, or
    /// older than the accepted age): it says how things were, not how they are.
    pub(crate) stale: Option<String>,
}

/// Clock skew tolerated on a status list's `validFrom`.
const SKEW: jiff::SignedDuration = jiff::SignedDuration::from_mins(5);

fn check_status_list(
    credential: &serde_json::Value,
    trusted: &Verifier,
    index: u64,
    statement: &Statement,
    now: jiff::Timestamp,
    max_age: jiff::SignedDuration,
) -> Result<ListCheck, VerifyError> {
    let v = starmark_tlog::status_list::verify(credential, &trusted.key)
        .map_err(|e| VerifyError::StatusList(e.to_string()))?;
    if v.log != trusted.name {
        return Err(VerifyError::StatusList(format!("it is the list of the log `{}`", clean(&v.log))));
    }
    let time = |s: &str| {
        s.parse::<jiff::Timestamp>().map_err(|_| VerifyError::StatusList(format!("{s:?} is not an RFC 3339 time")))
    };
    let (from, until) = (time(&v.valid_from)?, time(&v.valid_until)?);
    if from > now.checked_add(SKEW).unwrap_or(now) {
        return Err(VerifyError::StatusList(format!("it claims to be valid from {from}, in the future")));
    }
    let revoked = v
        .list
        .get(index)
        .ok_or_else(|| VerifyError::StatusList(format!("the label's index {index} is outside the list")))?;
    if statement.status == "revoked" && !revoked {
        return Err(VerifyError::StatusList(
            "the label's statement says revoked, but its bit in the status list is not set".into(),
        ));
    }
    let age = now.duration_since(from);
    let stale = if now > until {
        Some(format!("the status list expired at {until}"))
    } else if age > max_age {
        Some(format!(
            "the status list is from {from}, {} minutes old; one at most {} minutes old confirms a label (--max-status-age)",
            age.as_secs() / 60,
            max_age.as_secs() / 60
        ))
    } else {
        None
    };
    Ok(ListCheck { index, revoked, valid_from: v.valid_from, valid_until: v.valid_until, stale })
}

fn decode_hashes(h: &[String]) -> Result<Vec<Hash>, String> {
    use base64::Engine;
    h.iter()
        .map(|x| {
            let b = base64::engine::general_purpose::STANDARD.decode(x).map_err(|_| format!("{x:?} is not base64"))?;
            b.try_into().map_err(|_| format!("{x:?} is not a 32-byte hash"))
        })
        .collect()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Checks a bundle against the registry's key: the key history and the
/// checkpoint are signed by it, the statement by it or a key of its
/// history, the record matches the statement, and the statement is in the
/// checkpoint's tree. `asked` is the label the user asked about, if any.
pub(crate) fn verify_bundle(
    bundle: &wire::LabelBundle,
    trusted: &Verifier,
    asked: Option<&str>,
    today: Date,
    now: jiff::Timestamp,
    max_age: jiff::SignedDuration,
) -> Result<Verified, VerifyError> {
    if bundle.format != "starmark-label-bundle/1" {
        return Err(VerifyError::Bundle(format!("format `{}` is not starmark-label-bundle/1", bundle.format)));
    }
    if bundle.origin != trusted.name {
        return Err(VerifyError::Origin { bundle: bundle.origin.clone(), key: trusted.name.clone() });
    }
    let known = known_keys(&bundle.keys, trusted).map_err(VerifyError::Keys)?;
    let cp = Checkpoint::open(&bundle.checkpoint, &trusted.name, trusted)
        .map_err(|e| VerifyError::Checkpoint(e.to_string()))?;
    let value = starmark_tlog::statement::open(bundle.entry.leaf.as_bytes(), &known)
        .map_err(|e| VerifyError::Statement(e.to_string()))?;
    let statement: Statement =
        serde_json::from_value(value).map_err(|e| VerifyError::Statement(format!("not a label statement: {e}")))?;
    if statement.type_ != starmark_registry::transparency::STATEMENT_TYPE {
        return Err(VerifyError::Statement(format!(
            "it is a {}, not a {}",
            clean(&statement.type_),
            starmark_registry::transparency::STATEMENT_TYPE
        )));
    }
    if statement.log != trusted.name {
        return Err(VerifyError::Statement(format!("it names the log `{}`", statement.log)));
    }
    for other in [Some(bundle.label.as_str()), Some(bundle.entry.label.as_str()), asked].into_iter().flatten() {
        if other != statement.label {
            return Err(VerifyError::Label { statement: statement.label.clone(), asked: other.to_string() });
        }
    }
    if hex(&Sha256::digest(bundle.entry.record.as_bytes())) != statement.record_sha256 {
        return Err(VerifyError::Record);
    }
    let record: serde_json::Value = serde_json::from_str(&bundle.entry.record).map_err(|_| VerifyError::Record)?;
    let p = &bundle.inclusion;
    if p.index != bundle.entry.index {
        return Err(VerifyError::Inclusion(format!("it is for entry {}, not {}", p.index, bundle.entry.index)));
    }
    if p.size != cp.size {
        return Err(VerifyError::Inclusion(format!(
            "it is for a tree of {} entries, the checkpoint's has {}",
            p.size, cp.size
        )));
    }
    let proof = decode_hashes(&p.hashes).map_err(VerifyError::Inclusion)?;
    verify_inclusion(p.index, p.size, &leaf_hash(bundle.entry.leaf.as_bytes()), &proof, &cp.root)
        .map_err(|e| VerifyError::Inclusion(e.to_string()))?;
    let list = match (statement.status_list_index, &bundle.status_list) {
        (Some(i), Some(credential)) => Some(check_status_list(credential, trusted, i, &statement, now, max_age)?),
        _ => None,
    };
    let expired = statement.expires_on.parse::<Date>().map_or(true, |d| today > d);
    let status = match statement.status.as_str() {
        "revoked" => "revoked",
        _ if list.as_ref().is_some_and(|l| l.revoked) => "revoked",
        "expired" => "expired",
        _ if expired => "expired",
        _ => "valid",
    };
    Ok(Verified {
        status_list: list,
        label: statement.label.clone(),
        status: status.into(),
        as_of: today.to_string(),
        log_index: p.index,
        checkpoint_size: cp.size,
        key: starmark_tlog::statement::signer(bundle.entry.leaf.as_bytes())
            .unwrap_or_else(|| format!("{}+{:08x}", trusted.name, trusted.id)),
        origin: trusted.name.clone(),
        statement,
        record,
    })
}

/// The keys that sign for the log: the trusted one, then the retired ones
/// the key history lists — the history must be signed by the trusted key
/// and be this log's.
fn known_keys(history: &str, trusted: &Verifier) -> Result<Vec<Verifier>, String> {
    let text = starmark_tlog::note::open(history, std::slice::from_ref(trusted)).map_err(|e| e.to_string())?;
    let (origin, keys) = parse_keys_note(text)?;
    if origin != trusted.name {
        return Err(format!("it is the history of `{}`", clean(&origin)));
    }
    let mut known = vec![trusted.clone()];
    for (k, _) in keys {
        let v = Verifier::parse(&k).map_err(|e| e.to_string())?;
        if v.name == trusted.name && !known.contains(&v) {
            known.push(v);
        }
    }
    Ok(known)
}

/// A product page URL (or the QR code's) → (registry base URL, label ID).
fn split_label_url(url: &str) -> Option<(String, String)> {
    let (base, rest) = url.split_once("/labels/")?;
    let id = rest.split(['/', '?', '#']).next()?;
    (!id.is_empty() && (base.starts_with("https://") || base.starts_with("http://")))
        .then(|| (base.to_string(), id.to_string()))
}

fn read_limited(path: &Path) -> Result<Vec<u8>> {
    let meta = std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    if meta.len() > MAX_INPUT as u64 {
        bail!("{} is {} bytes; a bundle is at most {MAX_INPUT}", path.display(), meta.len());
    }
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

fn parse_bundle(bytes: &[u8]) -> Result<wire::LabelBundle, VerifyError> {
    serde_json::from_slice(bytes).map_err(|e| {
        let why = if e.is_eof() { "it ends early (truncated?)".to_string() } else { e.to_string() };
        VerifyError::Bundle(why)
    })
}

pub(crate) fn read_verifier(path: &Path) -> Result<Verifier> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read the registry key {}", path.display()))?;
    if text.trim_start().starts_with("PRIVATE+KEY+") {
        // Never echo it: it is the registry's secret.
        bail!("{} is not a verifier key: it is a private log key; give its .pub file", path.display());
    }
    Verifier::parse(text.trim())
        .with_context(|| format!("{} is not a verifier key (NAME+KEYID+BASE64)", path.display()))
}

/// GETs `url`: its status and at most `limit` bytes of body, whatever the
/// server claims.
async fn get_bytes(http: &reqwest::Client, url: &str, limit: usize) -> Result<(reqwest::StatusCode, Vec<u8>)> {
    let mut r = http.get(url).send().await.with_context(|| format!("cannot reach {url}"))?;
    let status = r.status();
    if r.content_length().is_some_and(|n| n > limit as u64) {
        bail!("{url}: the answer is larger than {limit} bytes");
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = r.chunk().await.with_context(|| format!("reading {url}"))? {
        if bytes.len() + chunk.len() > limit {
            bail!("{url}: the answer is larger than {limit} bytes");
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok((status, bytes))
}

async fn fetch(http: &reqwest::Client, url: &str) -> Result<Vec<u8>> {
    let (status, bytes) = get_bytes(http, url, MAX_INPUT).await?;
    if !status.is_success() {
        let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
        bail!("{url}: {status}: {}", v["detail"].as_str().unwrap_or("no detail"));
    }
    Ok(bytes)
}

fn http() -> Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .user_agent(concat!("starmark/", env!("CARGO_PKG_VERSION")))
        .timeout(std::time::Duration::from_secs(60))
        .build()?)
}

pub(crate) struct VerifyArgs {
    pub(crate) target: Option<String>,
    pub(crate) registry: String,
    pub(crate) registry_key: Option<PathBuf>,
    pub(crate) bundle: Option<PathBuf>,
    pub(crate) save_bundle: Option<PathBuf>,
    /// A fresher status list (file or URL) than the bundle's.
    pub(crate) status_list: Option<String>,
    /// The oldest status list that confirms a label as valid now.
    pub(crate) max_status_age: jiff::SignedDuration,
    pub(crate) json: bool,
}

/// `starmark verify`. Exit 0: verified and valid; 1: verified, and the
/// label is revoked or expired; 2: verification failed (the reason is
/// printed) or the input is unusable; 3: not verified as valid now: every
/// check passed but against a key the registry itself presented, or the
/// label was valid but no unexpired status list confirms it is still.
pub(crate) async fn verify(a: VerifyArgs) -> Result<ExitCode> {
    let (bytes, asked, source) = match (&a.bundle, &a.target) {
        (Some(path), target) => {
            let asked = target.as_ref().map(|t| split_label_url(t).map_or_else(|| t.clone(), |(_, id)| id));
            (read_limited(path)?, asked, format!("bundle {}", path.display()))
        }
        (None, Some(t)) => {
            let (base, id) = split_label_url(t).unwrap_or_else(|| (a.registry.trim_end_matches('/').into(), t.clone()));
            let url = format!("{base}/api/v1/labels/{}/bundle", wire::percent_encode(&id));
            (fetch(&http()?, &url).await?, Some(id), url)
        }
        (None, None) => bail!("name a label (ID or product page URL) or give --bundle FILE"),
    };
    if let Some(out) = &a.save_bundle {
        std::fs::write(out, &bytes).with_context(|| format!("cannot write {}", out.display()))?;
    }
    let mut bundle = match parse_bundle(&bytes) {
        Ok(b) => b,
        Err(e) => return fail(&e, a.json),
    };
    if let Some(src) = &a.status_list {
        let bytes = if src.starts_with("https://") || src.starts_with("http://") {
            fetch(&http()?, src).await?
        } else {
            read_limited(Path::new(src))?
        };
        match serde_json::from_slice(&bytes) {
            Ok(v) => bundle.status_list = Some(v),
            Err(e) => return fail(&VerifyError::StatusList(format!("{src} is not JSON: {e}")), a.json),
        }
    }
    let (trusted, pinned) = match &a.registry_key {
        Some(p) => (read_verifier(p)?, true),
        None => {
            // Only to report what else holds; the verdict stays "not verified".
            // The history's newest key, read without checking its signature.
            let text = bundle.keys.split_once("\n\n").map_or(bundle.keys.as_str(), |(t, _)| t);
            let current = match parse_keys_note(&format!("{text}\n")) {
                Ok((origin, keys)) => {
                    keys.into_iter().map(|(k, _)| k).rfind(|k| k.starts_with(&format!("{origin}+"))).unwrap_or_default()
                }
                Err(e) => return fail(&VerifyError::Keys(e), a.json),
            };
            match Verifier::parse(&current) {
                Ok(v) => (v, false),
                Err(e) => return fail(&VerifyError::Keys(e.to_string()), a.json),
            }
        }
    };
    // The scheme's calendar day, as the registry judges expiry.
    let today = starmark_registry::clock::Clock::today(&starmark_registry::clock::SystemClock);
    let v = match verify_bundle(&bundle, &trusted, asked.as_deref(), today, jiff::Timestamp::now(), a.max_status_age) {
        Ok(v) => v,
        Err(e) => return fail(&e, a.json),
    };
    // A label counts as valid now only if an unexpired status list says so:
    // a signed statement alone may be an old one replayed. (Labels granted
    // before status lists have no bit, so they are never confirmed.)
    let confirmed = v.status_list.as_ref().is_some_and(|l| l.stale.is_none());
    let code = match (pinned, v.status.as_str()) {
        (false, _) => 3,
        (true, "valid") if confirmed => 0,
        (true, "valid") => 3,
        (true, _) => 1,
    };
    if a.json {
        let out = serde_json::json!({
            "verified": pinned,
            "key_pinned": pinned,
            "status_confirmed": confirmed,
            "source": source,
            "result": v,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        print_verified(&v, pinned, &source);
        if pinned && v.status == "valid" && !confirmed {
            match &v.status_list {
                Some(l) => println!(
                    "  NOT CONFIRMED NOW: {}; the label was valid then. \
                     Verify online, or pass a fresh list with --status-list URL",
                    l.stale.as_deref().unwrap_or_default()
                ),
                None if v.statement.status_list_index.is_none() => println!(
                    "  NOT CONFIRMED NOW: the label has no bit in the status list (granted before there was one); \
                     only the registry's current statement shows its status"
                ),
                None => println!(
                    "  NOT CONFIRMED NOW: the bundle carries no status list; verify online or pass --status-list URL"
                ),
            }
        }
    }
    Ok(ExitCode::from(code))
}

fn fail(e: &VerifyError, json: bool) -> Result<ExitCode> {
    if json {
        println!("{}", serde_json::json!({"verified": false, "error": e.to_string()}));
    } else {
        eprintln!("NOT VERIFIED: {}", clean(&e.to_string()));
    }
    Ok(ExitCode::from(2))
}

/// Text from a bundle or a registry, safe for a terminal: control and
/// bidirectional-formatting characters are shown escaped, so no input can
/// move the cursor, erase a line or reorder what is printed.
pub(crate) fn clean(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control()
                || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
            {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

fn print_verified(v: &Verified, pinned: bool, source: &str) {
    let st = &v.statement;
    let name = &v.record["product"]["product_name"];
    let product = name["ja"].as_str().or(name["en"].as_str()).unwrap_or("?");
    let models: Vec<&str> = v.record["product"]["model_numbers"]
        .as_array()
        .map(|a| a.iter().filter_map(|m| m.as_str()).collect())
        .unwrap_or_default();
    let mut out: Vec<String> = Vec::new();
    if pinned && v.status == "valid" && v.status_list.as_ref().is_none_or(|l| l.stale.is_some()) {
        out.push(format!("VERIFIED {}: valid as of log entry {}, NOT CONFIRMED NOW (see below)", v.label, v.log_index));
    } else if pinned {
        out.push(format!("VERIFIED {}: {} (as of {})", v.label, v.status.to_uppercase(), v.as_of));
    } else {
        out.push(format!(
            "NOT VERIFIED {}: every check passed, but only against the key the registry itself sent",
            v.label
        ));
        out.push(format!("  to verify, pass the registry's published key: --registry-key FILE ({})", v.key));
    }
    out.push(format!("  product: {product} ({})", models.join(", ")));
    out.push(format!(
        "  {} · criteria {} {} · issued {} · valid through {}",
        st.level, st.criteria.catalog, st.criteria.version, st.issued_on, st.expires_on
    ));
    if let Some(r) = &st.revocation {
        let text = v.record["revocation"]["statement"].as_str().unwrap_or("");
        out.push(format!("  revoked {} ({}): {text}", r.at, r.ground));
    }
    out.push(format!("  latest event: {} at {}", st.event, st.at));
    if let Some(l) = &v.status_list {
        let bit = if l.revoked { "revoked" } else { "not revoked" };
        out.push(format!(
            "  status list: bit {} {bit} (signed list valid {} to {})",
            l.index, l.valid_from, l.valid_until
        ));
    }
    out.push(format!("  signed by {} · log entry {} of {} · from {source}", v.key, v.log_index, v.checkpoint_size));
    if source.starts_with("bundle") {
        out.push("  an offline bundle shows the label as of its checkpoint and status list".into());
    }
    // Every line may hold the vendor's text: escaped, one line each.
    for line in out {
        println!("{}", clean(&line));
    }
}

// ---------------------------------------------------------------------- monitor

/// The default state file: `$XDG_STATE_HOME/starmark/monitor/ORIGIN.checkpoint`.
fn default_state(origin: &str) -> Result<PathBuf> {
    let base = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".local/state")));
    let base = base.context("neither XDG_STATE_HOME nor HOME is set: pass --state FILE")?;
    let safe: String =
        origin.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' { c } else { '_' }).collect();
    Ok(base.join("starmark/monitor").join(format!("{safe}.checkpoint")))
}

/// A tile index as a C2SP `tlog-tiles` path element: groups of three
/// digits, all but the last prefixed with `x` (1234067 → `x001/x234/067`).
fn tile_index(n: u64) -> String {
    let mut groups = vec![format!("{:03}", n % 1000)];
    let mut rest = n / 1000;
    while rest > 0 {
        groups.push(format!("x{:03}", rest % 1000));
        rest /= 1000;
    }
    groups.reverse();
    groups.join("/")
}

/// The largest entry bundle: 256 entries of at most 65,535 bytes, each
/// behind its two-byte length.
const MAX_ENTRY_BUNDLE: usize = 256 * (2 + 65_535);

/// Entries `[from, to)` of the log, read from its entry bundles. A partial
/// bundle a log or mirror no longer keeps (the full one exists) is read
/// from the full one.
async fn read_entries(http: &reqwest::Client, base: &str, from: u64, to: u64) -> Result<Vec<Vec<u8>>, String> {
    let mut out = Vec::new();
    let mut tile = from / 256;
    while tile * 256 < to {
        let width = (to - tile * 256).min(256);
        let full = format!("{base}/log/tile/entries/{}", tile_index(tile));
        let url = if width == 256 { full.clone() } else { format!("{full}.p/{width}") };
        let (mut status, mut bytes) = get_bytes(http, &url, MAX_ENTRY_BUNDLE).await.map_err(|e| format!("{e:#}"))?;
        // Whether the bundle read is the one asked for (it then ends at its width).
        let mut exact = true;
        if status == reqwest::StatusCode::NOT_FOUND && width < 256 {
            (status, bytes) = get_bytes(http, &full, MAX_ENTRY_BUNDLE).await.map_err(|e| format!("{e:#}"))?;
            exact = false;
        }
        if !status.is_success() {
            return Err(format!("{url}: {status}"));
        }
        let mut rest = bytes.as_slice();
        let mut index = tile * 256;
        let end = tile * 256 + width;
        while index < end {
            let [hi, lo, tail @ ..] = rest else { break };
            let len = usize::from(u16::from_be_bytes([*hi, *lo]));
            let entry = tail.get(..len).ok_or_else(|| format!("{url}: entry {index} is cut short"))?;
            if index >= from {
                out.push(entry.to_vec());
            }
            rest = tail.get(len..).unwrap_or_default();
            index += 1;
        }
        if index != end || (exact && !rest.is_empty()) {
            return Err(format!("{url}: not the {width} entries that belong there"));
        }
        tile += 1;
    }
    Ok(out)
}

/// What the monitor keeps between runs, in one file written atomically:
/// the last checkpoint it accepted and the tree's right edge at that size.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Kept {
    format: String,
    /// The signed checkpoint, as served.
    checkpoint: String,
    frontier_size: u64,
    frontier: Vec<String>,
}

const KEPT_FORMAT: &str = "starmark-monitor/1";

/// `starmark monitor`: fetches the latest checkpoint, checks it against the
/// one kept from the last run (a consistency proof), reads every new entry
/// and checks that each is a statement signed by a registry key and that
/// together they make exactly the signed tree, then keeps the new
/// checkpoint. Two signed trees of one size are a FORK; a checkpoint that
/// is not proved to extend (or, if older, to be a prefix of) the kept one
/// is UNPROVEN; an invalid entry, entries that do not make the signed tree
/// or a key history not signed by the trusted key are BAD. Each exits 1
/// with the signed checkpoints written as evidence and the kept one
/// unchanged. An older checkpoint proved to be a prefix is only stale.
pub(crate) async fn monitor(
    registry: &str,
    key: &Path,
    state: Option<PathBuf>,
    max_entries: u64,
    json: bool,
) -> Result<ExitCode> {
    let trusted = read_verifier(key)?;
    let state = match state {
        Some(s) => s,
        None => default_state(&trusted.name)?,
    };
    if let Some(dir) = state.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    // One run at a time per state file (cron runs may overlap).
    let lock_path = PathBuf::from(format!("{}.lock", state.display()));
    let lock_file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .with_context(|| format!("cannot open {}", lock_path.display()))?;
    let _lock = nix::fcntl::Flock::lock(lock_file, nix::fcntl::FlockArg::LockExclusiveNonblock)
        .map_err(|_| anyhow::anyhow!("another monitor run holds {}", lock_path.display()))?;

    let base = registry.trim_end_matches('/');
    let http = http()?;
    let note = String::from_utf8(fetch(&http, &format!("{base}/log/checkpoint")).await?)
        .context("the checkpoint is not text")?;
    let new = Checkpoint::open(&note, &trusted.name, &trusted)
        .map_err(|e| anyhow::anyhow!("the registry's checkpoint does not verify: {e}"))?;

    // (kind, why) of a failed run.
    let mut failure: Option<(&str, String)> = None;
    // Retired keys open an older kept checkpoint and sign older statements.
    // A history that cannot be fetched leaves only the trusted key (and
    // entries by other keys unproven); one that is not signed by it is BAD.
    let mut history_error = None;
    let known = match fetch(&http, &format!("{base}/.well-known/starmark-log-keys")).await {
        Err(e) => {
            history_error = Some(format!("{e:#}"));
            vec![trusted.clone()]
        }
        Ok(bytes) => match String::from_utf8(bytes).map_err(|e| e.to_string()).and_then(|n| known_keys(&n, &trusted)) {
            Ok(k) => k,
            Err(e) => {
                failure = Some(("BAD", format!("the key history is not the trusted key's: {e}")));
                vec![trusted.clone()]
            }
        },
    };

    let kept: Option<Kept> = match std::fs::read_to_string(&state) {
        Ok(t) => Some(serde_json::from_str(&t).ok().filter(|k: &Kept| k.format == KEPT_FORMAT).with_context(|| {
            format!("{} is not a monitor state ({KEPT_FORMAT}); move it away to start afresh", state.display())
        })?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", state.display())),
    };
    let old = match &kept {
        None => None,
        Some(k) => Some(
            known.iter().find_map(|v| Checkpoint::open(&k.checkpoint, &trusted.name, v).ok()).with_context(|| {
                let why = history_error.as_deref().map(|e| format!(" (the key history could not be read: {e})"));
                format!(
                    "the kept checkpoint in {} does not verify with the registry's keys{}",
                    state.display(),
                    why.unwrap_or_default()
                )
            })?,
        ),
    };
    let mut frontier = match &kept {
        None => starmark_tlog::merkle::Frontier::new(),
        Some(k) => decode_hashes(&k.frontier)
            .ok()
            .and_then(|h| starmark_tlog::merkle::Frontier::from_parts(k.frontier_size, h))
            .filter(|f| old.as_ref().is_some_and(|o| o.size == f.size() && o.root == f.root()))
            .with_context(|| format!("the tree's edge kept in {} does not match its checkpoint", state.display()))?,
    };

    let proof = async |from: u64, to: u64| -> Result<Vec<Hash>, String> {
        let url = format!("{base}/api/v1/log/proof/consistency?old={from}&new={to}");
        let bytes = fetch(&http, &url).await.map_err(|e| format!("{e:#}"))?;
        let p: wire::ConsistencyProof = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
        if p.old != from || p.new != to {
            return Err(format!("it is a proof for {} → {}", p.old, p.new));
        }
        decode_hashes(&p.hashes)
    };
    let mut stale = false;
    if let (Some(old), None) = (&old, &failure) {
        if new.size == old.size && new.root != old.root {
            failure = Some(("FORK", format!("two different signed trees of {} entries", new.size)));
        } else if new.size < old.size {
            // An older checkpoint (a cache, a lagging mirror) is no fork if
            // it is a prefix of the kept one.
            let checked = proof(new.size, old.size).await.and_then(|h| {
                verify_consistency(new.size, old.size, &new.root, &old.root, &h).map_err(|e| e.to_string())
            });
            match checked {
                Ok(()) => stale = true,
                Err(e) => {
                    let why = format!(
                        "the registry served an older checkpoint ({} entries; {} kept) and no proof that it is a prefix of the kept one: {e}",
                        new.size, old.size
                    );
                    failure = Some(("UNPROVEN", why));
                }
            }
        } else if new.size > old.size {
            let checked = proof(old.size, new.size).await.and_then(|h| {
                verify_consistency(old.size, new.size, &old.root, &new.root, &h).map_err(|e| e.to_string())
            });
            if let Err(e) = checked {
                let why = format!(
                    "the registry's proof that {} entries extend the kept {} does not verify: {e}",
                    new.size, old.size
                );
                failure = Some(("UNPROVEN", why));
            }
        }
    }

    // Audit the entries the kept edge does not cover yet.
    let mut audited: std::collections::BTreeMap<String, u64> = std::collections::BTreeMap::new();
    if failure.is_none() && !stale && new.size > frontier.size() {
        let count = new.size - frontier.size();
        if count > max_entries {
            bail!(
                "{count} entries to read (from {} to {}); more than --max-entries {max_entries}: raise it to audit them",
                frontier.size(),
                new.size
            );
        }
        match read_entries(&http, base, frontier.size(), new.size).await {
            Err(e) => failure = Some(("UNPROVEN", format!("the entries cannot be read: {e}"))),
            Ok(entries) => {
                for (i, e) in (frontier.size()..).zip(&entries) {
                    let opened = starmark_tlog::statement::open(e, &known);
                    if let (Err(starmark_tlog::statement::StatementError::UnknownKey(k)), Some(h)) =
                        (&opened, &history_error)
                    {
                        failure = Some((
                            "UNPROVEN",
                            format!("entry {i} is signed by {k}, and the key history could not be read: {h}"),
                        ));
                        break;
                    }
                    let checked = opened
                        .map_err(|x| x.to_string())
                        .and_then(|v| {
                            serde_json::from_value::<Statement>(v).map_err(|x| format!("not a label statement: {x}"))
                        })
                        .and_then(|st| {
                            if st.type_ != starmark_registry::transparency::STATEMENT_TYPE || st.log != trusted.name {
                                Err(format!("a {} statement of the log `{}`", st.type_, st.log))
                            } else {
                                Ok(st)
                            }
                        });
                    match checked {
                        Ok(st) => *audited.entry(st.event).or_default() += 1,
                        Err(why) => {
                            failure =
                                Some(("BAD", format!("entry {i} is not a valid statement of this registry: {why}")));
                            break;
                        }
                    }
                    frontier.push(leaf_hash(e));
                }
                if failure.is_none() && frontier.root() != new.root {
                    failure = Some(("BAD", format!("the {} entries served do not make the signed tree", new.size)));
                }
            }
        }
    }

    match failure {
        None if stale => {
            let kept_size = old.as_ref().map_or(0, |o| o.size);
            let msg = format!(
                "stale: the registry served an older checkpoint ({} entries), proved a prefix of the kept one ({kept_size}); keeping the kept one",
                new.size
            );
            report(json, "stale", &msg, &new, old.as_ref());
            Ok(ExitCode::SUCCESS)
        }
        None => {
            let kept = Kept {
                format: KEPT_FORMAT.into(),
                checkpoint: note.clone(),
                frontier_size: frontier.size(),
                frontier: frontier
                    .hashes()
                    .iter()
                    .map(|h| base64::engine::general_purpose::STANDARD.encode(h))
                    .collect(),
            };
            write_atomically(&state, &serde_json::to_vec_pretty(&kept)?)?;
            let checked: Vec<String> = audited.iter().map(|(k, n)| format!("{k} ×{n}")).collect();
            let checked = if checked.is_empty() { String::new() } else { format!("; checked {}", checked.join(", ")) };
            let msg = match &old {
                None => {
                    format!("first run: {} entries{checked}; keeping the checkpoint in {}", new.size, state.display())
                }
                Some(o) => format!("consistent: {} → {} entries{checked}", o.size, new.size),
            };
            report(json, if old.is_none() { "first" } else { "consistent" }, &msg, &new, old.as_ref());
            Ok(ExitCode::SUCCESS)
        }
        Some((kind, why)) => {
            let evidence =
                state.with_extension(format!("{}-{}", kind.to_lowercase(), jiff::Timestamp::now().as_second()));
            let kept_note = kept.as_ref().map_or("(none)\n", |k| k.checkpoint.as_str());
            std::fs::write(
                &evidence,
                format!("# starmark monitor: {why}\n# kept checkpoint:\n{kept_note}\n# checkpoint served now:\n{note}"),
            )
            .with_context(|| format!("cannot write {}", evidence.display()))?;
            let msg = format!(
                "{kind}: {why}; the signed checkpoints are in {} (the kept one is unchanged)",
                evidence.display()
            );
            report(json, &kind.to_lowercase(), &msg, &new, old.as_ref());
            Ok(ExitCode::from(1))
        }
    }
}

/// Writes `bytes` to `path` through a new temporary file, synced, then
/// renamed over it: a reader sees the old file or the new one, whole.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).with_context(|| format!("cannot write in {}", dir.display()))?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| anyhow::anyhow!("cannot write {}: {}", path.display(), e.error))?;
    Ok(())
}

fn report(json: bool, result: &str, msg: &str, new: &Checkpoint, old: Option<&Checkpoint>) {
    if json {
        let cp = |c: &Checkpoint| serde_json::json!({"size": c.size, "root": hex(&c.root)});
        println!(
            "{}",
            serde_json::json!({"result": result, "message": msg, "checkpoint": cp(new), "previous": old.map(cp)})
        );
    } else {
        println!("{}", clean(msg));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_and_urls() {
        assert_eq!(origin_for("https://labels.example.jp"), "labels.example.jp/log");
        assert_eq!(origin_for("http://127.0.0.1:8080/"), "127.0.0.1:8080/log");
        assert_eq!(origin_for("https://x.example/a b+c"), "x.example/a-b-c/log");
        assert_eq!(default_key_path("sqlite://starmark.db"), Some(PathBuf::from("starmark.db.log-key")));
        assert_eq!(default_key_path("sqlite:///var/lib/s.db?mode=rwc"), Some(PathBuf::from("/var/lib/s.db.log-key")));
        assert_eq!(default_key_path("sqlite::memory:"), None);
        assert_eq!(default_key_path("postgres://h/db"), None);
        assert_eq!(
            split_label_url("https://labels.example.jp/labels/STAR1-2026-000001K?lang=en"),
            Some(("https://labels.example.jp".into(), "STAR1-2026-000001K".into()))
        );
        assert_eq!(split_label_url("STAR1-2026-000001K"), None);
    }
}
