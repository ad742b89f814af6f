//! The storage boundary. One implementation per database, each with its own
//! migrations; all of them pass the same test story (`testkit`).
//!
//! The log and the current state are written together: a [`Commit`]
//! appends events and replaces the projections they change, atomically, and
//! only if each projection is still at the version the caller read
//! (optimistic concurrency). Event order and label sequence numbers come
//! from the database, never from one process's memory.

use async_trait::async_trait;
use jiff::civil::Date;
use starmark_criteria::Level;

use crate::auth::{Organization, TokenRecord};
use crate::event::{Event, NewEvent, Subject};
use crate::label_id::LabelId;
use crate::model::{ApplicationState, LabelState, LabelStatus};
use crate::transparency::LogEntry;
pub use starmark_tlog::merkle::Hash;

#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A projection changed since it was read, or a unique key exists.
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// Stored data could not be read back.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

/// A state with the version it was read at.
#[derive(Debug, Clone, PartialEq)]
pub struct Versioned<T> {
    pub state: T,
    pub version: i64,
}

/// A projection to write. `expected` is the version read (None: it must
/// not exist yet).
#[derive(Debug, Clone, PartialEq)]
pub struct Write<T> {
    pub state: T,
    pub expected: Option<i64>,
}

/// Events to append and the projections they produce, written atomically.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Commit {
    pub events: Vec<NewEvent>,
    pub applications: Vec<Write<ApplicationState>>,
    pub labels: Vec<Write<LabelState>>,
    /// Leaves for the transparency log, one per label event, appended at
    /// the next log indexes in this order.
    pub log: Vec<LogAppend>,
}

/// A leaf to append to the transparency log ([`crate::transparency`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogAppend {
    /// The index within [`Commit::events`] of the event it records.
    pub event: usize,
    pub label: LabelId,
    /// RFC 9162 leaf hash of `leaf`.
    pub hash: Hash,
    /// The signed statement (canonical JSON).
    pub leaf: String,
    /// The record the statement names by digest (canonical JSON).
    pub record: String,
    /// The verifier key that signed it (recorded in the key history).
    pub key: String,
}

/// A key that has signed for the log, with when it was first recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogKey {
    pub verifier_key: String,
    pub first_used: jiff::Timestamp,
}

/// A search over labels (public data).
#[derive(Debug, Clone, PartialEq)]
pub struct LabelQuery {
    /// Matched against product names, model numbers, applicant and label ID.
    pub q: Option<String>,
    /// Instead of `q`: labels with a line of their search text (a model
    /// number, a product or applicant name) equal to this, ignoring case —
    /// callers check which field it was.
    pub model: Option<String>,
    pub level: Option<Level>,
    pub status: Option<LabelStatus>,
    pub category: Option<String>,
    pub vendor: Option<String>,
    /// The day `status` is judged on.
    pub today: Date,
    pub offset: u32,
    pub limit: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
}

/// What the store knows of an idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Idempotency {
    /// First use: the key is now reserved for this request.
    New,
    /// The same request was already answered; replay the answer.
    Done { status: u16, body: String },
    /// The same key is being processed right now.
    InProgress,
    /// The key was used for a different request.
    Mismatch,
}

/// Counts for the statistics page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelStats {
    /// (level id, valid, expired, revoked)
    pub by_level: Vec<(String, u64, u64, u64)>,
    /// (category id, or "" for none; labels)
    pub by_category: Vec<(String, u64)>,
    /// (YYYY-MM of the grant, UTC; labels granted)
    pub granted_by_month: Vec<(String, u64)>,
}

#[async_trait]
pub trait Store: Send + Sync + std::fmt::Debug {
    /// A cheap round trip to the database.
    async fn health(&self) -> Result<(), StoreError>;

    async fn insert_org(&self, org: &Organization) -> Result<(), StoreError>;
    async fn org(&self, id: &str) -> Result<Option<Organization>, StoreError>;
    async fn orgs(&self) -> Result<Vec<Organization>, StoreError>;
    async fn insert_token(&self, token: &TokenRecord) -> Result<(), StoreError>;
    async fn token(&self, hash: &str) -> Result<Option<TokenRecord>, StoreError>;

    /// The next sequence number for labels of `level` granted in `year`
    /// (1, 2, ...). Numbers are never reused; a failed grant leaves a gap.
    async fn next_label_seq(&self, level: Level, year: u16) -> Result<u32, StoreError>;

    /// Appends the events and writes the projections, all or nothing.
    /// Returns the events with their log positions.
    async fn commit(&self, commit: Commit) -> Result<Vec<Event>, StoreError>;

    async fn application(&self, id: &str) -> Result<Option<Versioned<ApplicationState>>, StoreError>;
    async fn label(&self, id: LabelId) -> Result<Option<Versioned<LabelState>>, StoreError>;
    async fn labels(&self, query: &LabelQuery) -> Result<Page<LabelState>, StoreError>;
    /// Labels not revoked whose last valid day is before `day` and whose
    /// expiry is not yet in the log.
    async fn unrecorded_expiries(&self, day: Date, limit: u32) -> Result<Vec<Versioned<LabelState>>, StoreError>;

    /// Reserves `key` within `scope` for a request whose body hashes to
    /// `request_hash`, or reports what happened to it before.
    async fn idempotency_begin(&self, scope: &str, key: &str, request_hash: &str) -> Result<Idempotency, StoreError>;
    /// Stores the answer to a reserved key.
    async fn idempotency_finish(&self, scope: &str, key: &str, status: u16, body: &str) -> Result<(), StoreError>;
    /// Releases a reserved key whose request failed, so a retry can run.
    async fn idempotency_abort(&self, scope: &str, key: &str) -> Result<(), StoreError>;

    /// One subject's events, oldest first.
    async fn events_of(&self, subject: &Subject) -> Result<Vec<Event>, StoreError>;
    /// Label counts by level and status (as of `today`), by category, and
    /// grants by month.
    async fn label_stats(&self, today: Date) -> Result<LabelStats, StoreError>;
    /// The newest `limit` label events, newest first (for the public feed).
    async fn recent_label_events(&self, limit: u32) -> Result<Vec<Event>, StoreError>;
    /// The log after position `after`, oldest first, at most `limit`.
    async fn events(&self, after: i64, limit: u32) -> Result<Vec<Event>, StoreError>;

    /// The next index in the status list (0, 1, …). Never reused.
    async fn next_status_list_index(&self) -> Result<u64, StoreError>;
    /// Transparency-log leaf hashes from index `from`, in order, at most `limit`.
    async fn log_hashes(&self, from: u64, limit: u32) -> Result<Vec<Hash>, StoreError>;
    /// Transparency-log entries from index `from`, in order, at most `limit`.
    async fn log_entries(&self, from: u64, limit: u32) -> Result<Vec<LogEntry>, StoreError>;
    /// The log indexes of one label's statements, oldest first.
    async fn label_log_indexes(&self, label: LabelId) -> Result<Vec<u64>, StoreError>;
    /// Records that a key signs for the log from `at` on; a key already
    /// recorded keeps its first time.
    async fn record_log_key(&self, verifier_key: &str, at: jiff::Timestamp) -> Result<(), StoreError>;
    /// Every key that has signed for the log, oldest first.
    async fn log_keys(&self) -> Result<Vec<LogKey>, StoreError>;
    /// `(status_list_index, revoked)` of every label that has an index.
    async fn status_list(&self) -> Result<Vec<(u64, bool)>, StoreError>;
}

/// The text a label is found by: product names, model numbers, applicant
/// names and the label ID, lowercased. Stored beside each label.
pub fn search_text(l: &LabelState) -> String {
    let p = &l.public;
    let mut parts: Vec<&str> = Vec::new();
    parts.extend(p.product_name.ja.as_deref());
    parts.extend(p.product_name.en.as_deref());
    parts.extend(p.model_numbers.iter().map(String::as_str));
    parts.extend(p.applicant.ja.as_deref());
    parts.extend(p.applicant.en.as_deref());
    let id = l.id.to_string();
    parts.push(&id);
    parts.join("\n").to_lowercase()
}

/// A `LIKE` pattern matching `q` anywhere, with `\` as the escape character.
pub fn like_pattern(q: &str) -> String {
    format!("%{}%", escape_like(q))
}

fn escape_like(q: &str) -> String {
    let mut s = String::new();
    for c in q.trim().to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            s.push('\\');
        }
        s.push(c);
    }
    s
}

/// The `LIKE` pattern (escape `\`) of a query's text filter, if any: a
/// whole line of the search text for `model` (the text is lines, see
/// [`search_text`]; a model number is never its first or last line), else
/// `q` anywhere.
pub fn query_pattern(q: &LabelQuery) -> Option<String> {
    if let Some(m) = q.model.as_deref().filter(|m| !m.trim().is_empty()) {
        return Some(format!("%\n{}\n%", escape_like(m)));
    }
    q.q.as_deref().filter(|s| !s.trim().is_empty()).map(like_pattern)
}

/// The stored form of an event: its JSON, which is also what is served.
pub fn encode_event(e: &NewEvent) -> Result<String, StoreError> {
    serde_json::to_string(e).map_err(|x| StoreError::Corrupt(format!("cannot encode an event: {x}")))
}

pub fn decode_event(seq: i64, body: &str) -> Result<Event, StoreError> {
    serde_json::from_str(body)
        .map(|event| Event { seq, event })
        .map_err(|x| StoreError::Corrupt(format!("event {seq} cannot be read: {x}")))
}

pub fn encode_state<T: serde::Serialize>(s: &T) -> Result<String, StoreError> {
    serde_json::to_string(s).map_err(|x| StoreError::Corrupt(format!("cannot encode a state: {x}")))
}

pub fn decode_state<T: serde::de::DeserializeOwned>(what: &str, body: &str) -> Result<T, StoreError> {
    serde_json::from_str(body).map_err(|x| StoreError::Corrupt(format!("{what} cannot be read: {x}")))
}

/// A log index as the databases store it.
pub fn log_index_param(i: u64) -> Result<i64, StoreError> {
    i64::try_from(i).map_err(|_| StoreError::Corrupt(format!("log index {i} out of range")))
}

/// Log indexes are dense: a row at `got` where `want` belongs means the
/// table was damaged.
pub fn check_log_index(got: i64, want: u64) -> Result<(), StoreError> {
    if u64::try_from(got).ok() == Some(want) {
        Ok(())
    } else {
        Err(StoreError::Corrupt(format!("the transparency log has a gap: entry {got} where {want} belongs")))
    }
}

/// Every label event of a commit has exactly one log leaf, and every leaf
/// records a label event of the commit: the backends check this before
/// writing, so no label event is ever stored unsigned.
pub fn check_commit(c: &Commit) -> Result<(), StoreError> {
    let label_events: Vec<usize> =
        c.events.iter().enumerate().filter(|(_, e)| matches!(e.subject, Subject::Label(_))).map(|(i, _)| i).collect();
    let leaves: Vec<usize> = c.log.iter().map(|a| a.event).collect();
    if label_events != leaves {
        return Err(StoreError::Corrupt(format!(
            "label events {label_events:?} and log leaves {leaves:?} of a commit do not match; nothing was written"
        )));
    }
    for a in &c.log {
        if c.events.get(a.event).map(|e| &e.subject) != Some(&Subject::Label(a.label)) {
            return Err(StoreError::Corrupt(format!(
                "log leaf for {} names another event; nothing was written",
                a.label
            )));
        }
    }
    Ok(())
}
