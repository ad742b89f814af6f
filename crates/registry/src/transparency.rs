//! The transparency log: every label event, as the registry's signed
//! statement, is a leaf of an append-only Merkle tree (RFC 9162 hashing),
//! so anyone can check a label against the registry's key and check that
//! the registry never rewrote a label's history.
//!
//! A leaf is [`starmark_tlog::statement`]'s envelope of a statement
//! ([`Statement`]) built here from the event and the label state it
//! produced. The statement is small and bounded: identifiers, dates,
//! status and the SHA-256 of the label's *record* — the canonical JSON of
//! everything the product page shows at that point (product, security
//! information, report, revocation text, the event's public data). The
//! record is stored beside the leaf and served with it, so long vendor
//! texts are bound by the signature without making leaves large (a
//! `tlog-tiles` entry is at most 65,535 bytes).
//!
//! Only public data goes in: no vendor organization or application IDs.
//! Nothing a client sends is signed as it came: the registry builds every
//! statement from its own state.
//!
//! Leaves are appended in the same transaction as their events
//! ([`crate::store::Commit::log`]). Each `Registry` keeps the tree's hashes
//! in memory ([`LogView`]) and catches up from the store before answering,
//! so several servers on one database serve one log.

use std::sync::{Arc, Mutex, RwLock};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use starmark_tlog::checkpoint::Checkpoint;
use starmark_tlog::merkle::{Hash, Tree, leaf_hash};
use starmark_tlog::note::Signer;

use crate::error::RegistryError;
use crate::event::{EventKind, NewEvent};
use crate::label_id::LabelId;
use crate::model::LabelState;
use crate::store::{LogAppend, Store, StoreError};

/// The statement format, inside the signed envelope.
pub const STATEMENT_TYPE: &str = "starmark-label-event/1";
/// How many leaf hashes one catch-up read fetches.
const CATCH_UP_BATCH: u32 = 10_000;

/// What the registry signs about a label event. Field names are the wire
/// format: `starmark verify` reads them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    #[serde(rename = "type")]
    pub type_: String,
    /// The log's origin (the signing key's name).
    pub log: String,
    pub label: String,
    /// The event's type name (`label_granted`, `label_revoked`, …).
    pub event: String,
    /// When the event happened (RFC 3339, UTC).
    pub at: String,
    /// The label's status as the event leaves it: `valid`, `expired` (the
    /// expiry was recorded) or `revoked`. A `valid` label is still expired
    /// after `expires_on`.
    pub status: String,
    pub level: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    pub criteria: StatementCriteria,
    pub issued_on: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renewed_on: Option<String>,
    /// The last valid day (inclusive).
    pub expires_on: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation: Option<StatementRevocation>,
    /// The label's bit in the registry's status list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_list_index: Option<u64>,
    /// Lowercase hex SHA-256 of the record (its canonical JSON).
    pub record_sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementCriteria {
    pub catalog: String,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementRevocation {
    pub ground: String,
    pub at: String,
}

/// The event's data without the registry-internal identifiers and without
/// what the record already holds.
fn public_event_data(kind: &EventKind) -> Value {
    let mut data = serde_json::to_value(kind).unwrap_or(Value::Null);
    if let Some(o) = data.as_object_mut() {
        for internal in ["type", "application", "vendor", "public", "report", "info"] {
            o.remove(internal);
        }
    }
    data
}

/// The record of a label as `event` leaves it: canonical JSON.
pub fn record(event: &NewEvent, label: &LabelState) -> Result<String, StoreError> {
    let value = json!({
        "type": "starmark-label-record/1",
        "label": label.id.to_string(),
        "event": {"type": event.kind.name(), "at": event.at.to_string(), "data": public_event_data(&event.kind)},
        "product": label.public,
        "security": label.security,
        "report": label.report,
        "revocation": label.revoked,
    });
    let bytes = starmark_tlog::statement::canonical(&value).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// The statement about `label` as `event` leaves it.
pub fn statement(origin: &str, event: &NewEvent, label: &LabelState, record: &str) -> Statement {
    let status = if label.revoked.is_some() {
        "revoked"
    } else if label.expiry_recorded {
        "expired"
    } else {
        "valid"
    };
    Statement {
        type_: STATEMENT_TYPE.into(),
        log: origin.into(),
        label: label.id.to_string(),
        event: event.kind.name().into(),
        at: event.at.to_string(),
        status: status.into(),
        level: label.level.id().into(),
        category: label.category.clone(),
        criteria: StatementCriteria {
            catalog: label.criteria.catalog.clone(),
            version: label.criteria.version.clone(),
        },
        issued_on: label.issued_on.to_string(),
        renewed_on: label.renewed_on.map(|d| d.to_string()),
        expires_on: label.expires_on.to_string(),
        revocation: label
            .revoked
            .as_ref()
            .map(|r| StatementRevocation { ground: r.ground.clone(), at: r.at.to_string() }),
        status_list_index: label.status_list_index,
        record_sha256: crate::auth::hex(&Sha256::digest(record.as_bytes())),
    }
}

/// The registry's signing key and its in-memory view of the log.
#[derive(Debug)]
pub struct LogView {
    signer: Signer,
    tree: RwLock<Tree>,
    /// The last checkpoint signed, by size (Ed25519 signatures are
    /// deterministic, so this only saves the work).
    checkpoint: Mutex<Option<(u64, String)>>,
    /// The last status list made: for which log size, when, at which URL.
    status: Mutex<Option<StatusCache>>,
}

#[derive(Debug)]
struct StatusCache {
    size: u64,
    made: jiff::Timestamp,
    id: String,
    credential: Value,
}

/// A status list is made again after this long even if nothing changed,
/// so its `validFrom` stays recent.
const STATUS_REFRESH: jiff::SignedDuration = jiff::SignedDuration::from_secs(300);
/// How long a status list stays valid (`validUntil - validFrom`).
pub const STATUS_VALIDITY: jiff::SignedDuration = jiff::SignedDuration::from_hours(24);

impl LogView {
    pub fn new(signer: Signer) -> Arc<LogView> {
        Arc::new(LogView {
            signer,
            tree: RwLock::new(Tree::new()),
            checkpoint: Mutex::new(None),
            status: Mutex::new(None),
        })
    }

    pub fn signer(&self) -> &Signer {
        &self.signer
    }

    /// The log's origin: the signing key's name.
    pub fn origin(&self) -> &str {
        self.signer.name()
    }

    /// Signs the statement for a label event and returns what the store
    /// appends. `event` is the index of the event within its commit.
    pub fn append(&self, event: usize, ev: &NewEvent, label: &LabelState) -> Result<LogAppend, StoreError> {
        let record = record(ev, label)?;
        let st = statement(self.origin(), ev, label, &record);
        let value = serde_json::to_value(&st).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let leaf =
            starmark_tlog::statement::sign(&value, &self.signer).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let leaf = String::from_utf8(leaf).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        Ok(LogAppend {
            event,
            label: label.id,
            hash: leaf_hash(leaf.as_bytes()),
            leaf,
            record,
            key: self.signer.verifier_key(),
        })
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Tree> {
        self.tree.read().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Catches the in-memory tree up with the store; returns its size.
    pub async fn sync(&self, store: &dyn Store) -> Result<u64, StoreError> {
        loop {
            let have = self.read().size();
            let hashes = store.log_hashes(have, CATCH_UP_BATCH).await?;
            let got = hashes.len();
            let size = {
                let mut t = self.tree.write().unwrap_or_else(std::sync::PoisonError::into_inner);
                // Another task may have caught up meanwhile: push only
                // what it has not.
                let ahead = t.size().saturating_sub(have);
                if t.size() >= have && ahead < got as u64 {
                    for h in hashes.into_iter().skip(ahead as usize) {
                        t.push(h);
                    }
                }
                t.size()
            };
            if got < CATCH_UP_BATCH as usize {
                return Ok(size);
            }
        }
    }

    /// The signed checkpoint (C2SP `tlog-checkpoint`) of the tree at `size`.
    pub fn checkpoint(&self, size: u64) -> Result<String, StoreError> {
        let mut cache = self.checkpoint.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((s, note)) = cache.as_ref()
            && *s == size
        {
            return Ok(note.clone());
        }
        let root = self.read().root(size).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let note = Checkpoint { origin: self.origin().to_string(), size, root }
            .sign(&self.signer)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        *cache = Some((size, note.clone()));
        Ok(note)
    }

    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, starmark_tlog::merkle::ProofError> {
        self.read().inclusion_proof(index, size)
    }

    pub fn consistency_proof(&self, old: u64, new: u64) -> Result<Vec<Hash>, starmark_tlog::merkle::ProofError> {
        self.read().consistency_proof(old, new)
    }

    /// A tile's hashes (C2SP `tlog-tiles`, height 8): `width` hashes of
    /// level `level`, tile `index`; None if they are not all in the tree.
    pub fn tile(&self, level: u8, index: u64, width: u64) -> Option<Vec<u8>> {
        let t = self.read();
        let start = index.checked_mul(256)?;
        let hashes = t.hashes(usize::from(level) * 8, start, width)?;
        Some(hashes.concat())
    }
}

/// A label's leaves: the events of `label` in the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    pub index: u64,
    pub label: LabelId,
    /// The signed statement, exactly as hashed.
    pub leaf: String,
    /// The record the statement's `record_sha256` names.
    pub record: String,
}

/// A label's latest statement with what proves it: the checkpoint of the
/// log as it is now and the inclusion proof to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelProof {
    pub entry: LogEntry,
    /// The signed checkpoint.
    pub checkpoint: String,
    pub size: u64,
    pub inclusion: Vec<Hash>,
    /// Every log index of the label's statements, oldest first.
    pub history: Vec<u64>,
}

/// The format line of the key history note.
pub const KEYS_FORMAT: &str = "starmark-log-keys/1";

impl crate::Registry {
    /// One log entry.
    pub async fn log_entry(&self, index: u64) -> Result<LogEntry, RegistryError> {
        self.store()
            .log_entries(index, 1)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| RegistryError::not_found(format!("the log has no entry {index}")))
    }

    /// The latest statement about `label`, its inclusion proof and the
    /// checkpoint it leads to.
    pub async fn label_proof(&self, label: LabelId) -> Result<LabelProof, RegistryError> {
        let history = self.store().label_log_indexes(label).await?;
        let Some(&index) = history.last() else {
            return Err(RegistryError::not_found(format!("{label} has no statement in the log")));
        };
        let entry = self.log_entry(index).await?;
        let size = self.log_size().await?;
        let log = self.log()?;
        let checkpoint = log.checkpoint(size)?;
        let inclusion = log.inclusion_proof(index, size).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        Ok(LabelProof { entry, checkpoint, size, inclusion, history })
    }

    /// The status list (a signed W3C Bitstring Status List credential, one
    /// revocation bit per label) as served at `id`. Made again when the
    /// log grew (every revocation is a log entry) or after five minutes.
    pub async fn status_list_credential(&self, id: &str) -> Result<Value, RegistryError> {
        let size = self.log_size().await?;
        let now = crate::clock::Clock::now(self.clock_ref());
        let log = self.log()?;
        {
            let cache = log.status.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some(c) = cache.as_ref()
                && c.size == size
                && c.id == id
                && now.duration_since(c.made) < STATUS_REFRESH
            {
                return Ok(c.credential.clone());
            }
        }
        let bits = self.store().status_list().await?;
        let mut list = starmark_tlog::status_list::Bitstring::for_indexes(bits.iter().map(|(i, _)| *i).max());
        for (i, revoked) in bits {
            list.set(i, revoked);
        }
        // Whole seconds: the times are compared as text by some checkers.
        let made = jiff::Timestamp::from_second(now.as_second()).unwrap_or(now);
        let until = made.checked_add(STATUS_VALIDITY).unwrap_or(made);
        let credential =
            starmark_tlog::status_list::credential(id, &list, &made.to_string(), &until.to_string(), log.signer())
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let mut cache = log.status.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *cache = Some(StatusCache { size, made: now, id: id.to_string(), credential: credential.clone() });
        Ok(credential)
    }

    /// The history of the log's keys as a note signed by the current key:
    /// the format line, the origin, then one `VERIFIER-KEY FIRST-USED` line
    /// per key, oldest first. A verifier that trusts the current key learns
    /// the retired ones from it.
    pub async fn log_keys_note(&self) -> Result<String, RegistryError> {
        let log = self.log()?;
        let mut text = format!("{KEYS_FORMAT}\n{}\n", log.origin());
        for k in self.store().log_keys().await? {
            text.push_str(&format!("{} {}\n", k.verifier_key, k.first_used));
        }
        Ok(log.signer().sign(&text).map_err(|e| StoreError::Corrupt(e.to_string()))?)
    }
}

/// Reads a key history note's lines (after its signature was checked):
/// `(verifier key, first used)`.
pub fn parse_keys_note(text: &str) -> Result<(String, Vec<(String, String)>), String> {
    let mut lines = text.lines();
    if lines.next() != Some(KEYS_FORMAT) {
        return Err(format!("not a key history: the first line is not {KEYS_FORMAT}"));
    }
    let origin = lines.next().ok_or("the key history names no origin")?.to_string();
    let mut keys = Vec::new();
    for l in lines {
        let (k, at) = l.split_once(' ').ok_or_else(|| format!("a key line is `KEY FIRST-USED`: {l:?}"))?;
        keys.push((k.to_string(), at.to_string()));
    }
    Ok((origin, keys))
}
