//! The registry's [`Store`] on SQLite: the embedded default, one file, WAL,
//! foreign keys on, a busy timeout, and every write in an immediate
//! transaction so that concurrent writers queue instead of failing.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use jiff::civil::Date;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};
use starmark_criteria::Level;
use starmark_registry::auth::{OrgKind, Organization, Role, TokenRecord};
use starmark_registry::event::{Event, Subject};
use starmark_registry::label_id::LabelId;
use starmark_registry::model::{ApplicationState, LabelState, LabelStatus};
use starmark_registry::store::{
    Commit, Hash, Idempotency, LabelQuery, LabelStats, LogKey, Page, Store, StoreError, Versioned, check_commit,
    check_log_index, decode_event, decode_state, encode_event, encode_state, log_index_param, query_pattern,
    search_text,
};
use starmark_registry::transparency::LogEntry;

#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

fn err(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict(d.message().to_string()),
        _ => StoreError::Unavailable(e.to_string()),
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the database file and applies the migrations.
    pub async fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let opts = SqliteConnectOptions::new().filename(path).create_if_missing(true);
        SqliteStore::with_options(opts, 8).await
    }

    /// Opens from a `sqlite://PATH` URL (`sqlite::memory:` for a private in-memory database).
    pub async fn connect(url: &str) -> Result<SqliteStore, StoreError> {
        let opts = SqliteConnectOptions::from_str(url).map_err(err)?.create_if_missing(true);
        // An in-memory database exists per connection: use exactly one.
        let max = if url.contains(":memory:") || url.contains("mode=memory") { 1 } else { 8 };
        SqliteStore::with_options(opts, max).await
    }

    async fn with_options(opts: SqliteConnectOptions, max: u32) -> Result<SqliteStore, StoreError> {
        let opts = opts
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new().max_connections(max).connect_with(opts).await.map_err(err)?;
        sqlx::migrate!("./migrations")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Unavailable(format!("migration failed: {e}")))?;
        Ok(SqliteStore { pool })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

fn level_id(l: Level) -> &'static str {
    l.id()
}

fn org_from_row(r: &sqlx::sqlite::SqliteRow) -> Result<Organization, StoreError> {
    let kind: String = r.try_get("kind").map_err(err)?;
    Ok(Organization {
        id: r.try_get("id").map_err(err)?,
        kind: OrgKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("unknown organization kind {kind}")))?,
        name: r.try_get("name").map_err(err)?,
        accreditation: r.try_get("accreditation").map_err(err)?,
    })
}

fn versioned<T: serde::de::DeserializeOwned>(
    what: &str,
    r: &sqlx::sqlite::SqliteRow,
) -> Result<Versioned<T>, StoreError> {
    let state: String = r.try_get("state").map_err(err)?;
    Ok(Versioned { state: decode_state(what, &state)?, version: r.try_get("version").map_err(err)? })
}

#[async_trait]
impl Store for SqliteStore {
    async fn health(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map_err(err)?;
        Ok(())
    }

    async fn insert_org(&self, org: &Organization) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO orgs (id, kind, name, accreditation) VALUES (?, ?, ?, ?)")
            .bind(&org.id)
            .bind(org.kind.id())
            .bind(&org.name)
            .bind(&org.accreditation)
            .execute(&self.pool)
            .await
            .map_err(err)?;
        Ok(())
    }

    async fn org(&self, id: &str) -> Result<Option<Organization>, StoreError> {
        let row =
            sqlx::query("SELECT * FROM orgs WHERE id = ?").bind(id).fetch_optional(&self.pool).await.map_err(err)?;
        row.as_ref().map(org_from_row).transpose()
    }

    async fn orgs(&self) -> Result<Vec<Organization>, StoreError> {
        let rows = sqlx::query("SELECT * FROM orgs ORDER BY name, id").fetch_all(&self.pool).await.map_err(err)?;
        rows.iter().map(org_from_row).collect()
    }

    async fn insert_token(&self, t: &TokenRecord) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO tokens (hash, org_id, role, label) VALUES (?, ?, ?, ?)")
            .bind(&t.hash)
            .bind(&t.org)
            .bind(t.role.id())
            .bind(&t.label)
            .execute(&self.pool)
            .await
            .map_err(err)?;
        Ok(())
    }

    async fn token(&self, hash: &str) -> Result<Option<TokenRecord>, StoreError> {
        let row = sqlx::query("SELECT * FROM tokens WHERE hash = ?")
            .bind(hash)
            .fetch_optional(&self.pool)
            .await
            .map_err(err)?;
        let Some(r) = row else { return Ok(None) };
        let role: String = r.try_get("role").map_err(err)?;
        Ok(Some(TokenRecord {
            hash: r.try_get("hash").map_err(err)?,
            org: r.try_get("org_id").map_err(err)?,
            role: Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("unknown role {role}")))?,
            label: r.try_get("label").map_err(err)?,
        }))
    }

    async fn next_label_seq(&self, level: Level, year: u16) -> Result<u32, StoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(err)?;
        let n: i64 = sqlx::query_scalar(
            "INSERT INTO label_sequences (level, year, next) VALUES (?, ?, 2) \
             ON CONFLICT (level, year) DO UPDATE SET next = next + 1 RETURNING next - 1",
        )
        .bind(level_id(level))
        .bind(i64::from(year))
        .fetch_one(&mut *tx)
        .await
        .map_err(err)?;
        tx.commit().await.map_err(err)?;
        u32::try_from(n).map_err(|_| StoreError::Corrupt(format!("label sequence out of range: {n}")))
    }

    async fn commit(&self, c: Commit) -> Result<Vec<Event>, StoreError> {
        check_commit(&c)?;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(err)?;
        for w in &c.applications {
            let s = &w.state;
            let state = encode_state(s)?;
            let done = match w.expected {
                None => {
                    sqlx::query("INSERT INTO applications (id, vendor, status, version, state) VALUES (?, ?, ?, 1, ?)")
                        .bind(&s.id)
                        .bind(&s.vendor)
                        .bind(s.status.id())
                        .bind(&state)
                        .execute(&mut *tx)
                        .await
                        .map_err(err)?
                }
                Some(v) => sqlx::query(
                    "UPDATE applications SET status = ?, state = ?, version = version + 1 WHERE id = ? AND version = ?",
                )
                .bind(s.status.id())
                .bind(&state)
                .bind(&s.id)
                .bind(v)
                .execute(&mut *tx)
                .await
                .map_err(err)?,
            };
            if done.rows_affected() != 1 {
                return Err(StoreError::Conflict(format!("application {} changed meanwhile", s.id)));
            }
        }
        for w in &c.labels {
            let s = &w.state;
            let state = encode_state(s)?;
            let done = match w.expected {
                None => sqlx::query(
                    "INSERT INTO labels (id, level, year, seq, vendor, category, revoked, expires_on, expiry_recorded, search, version, state, status_list_index) \
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
                )
                .bind(s.id.to_string())
                .bind(level_id(s.level))
                .bind(i64::from(s.id.year))
                .bind(i64::from(s.id.seq))
                .bind(&s.vendor)
                .bind(&s.category)
                .bind(s.revoked.is_some())
                .bind(s.expires_on.to_string())
                .bind(s.expiry_recorded)
                .bind(search_text(s))
                .bind(&state)
                .bind(s.status_list_index.and_then(|i| i64::try_from(i).ok()))
                .execute(&mut *tx)
                .await
                .map_err(err)?,
                Some(v) => sqlx::query(
                    "UPDATE labels SET category = ?, revoked = ?, expires_on = ?, expiry_recorded = ?, search = ?, state = ?, \
                     version = version + 1 WHERE id = ? AND version = ?",
                )
                .bind(&s.category)
                .bind(s.revoked.is_some())
                .bind(s.expires_on.to_string())
                .bind(s.expiry_recorded)
                .bind(search_text(s))
                .bind(&state)
                .bind(s.id.to_string())
                .bind(v)
                .execute(&mut *tx)
                .await
                .map_err(err)?,
            };
            if done.rows_affected() != 1 {
                return Err(StoreError::Conflict(format!("label {} changed meanwhile", s.id)));
            }
        }
        let mut out = Vec::with_capacity(c.events.len());
        for e in c.events {
            let seq: i64 = sqlx::query_scalar(
                "INSERT INTO events (at, subject_type, subject_id, kind, body) VALUES (?, ?, ?, ?, ?) RETURNING seq",
            )
            .bind(e.at.to_string())
            .bind(e.subject.kind())
            .bind(e.subject.id())
            .bind(e.kind.name())
            .bind(encode_event(&e)?)
            .fetch_one(&mut *tx)
            .await
            .map_err(err)?;
            out.push(Event { seq, event: e });
        }
        for a in &c.log {
            let ev = out
                .get(a.event)
                .ok_or_else(|| StoreError::Corrupt(format!("a log leaf names event {} of {}", a.event, out.len())))?;
            sqlx::query(
                "INSERT INTO log_entries (idx, seq, label_id, hash, leaf, record) \
                 VALUES ((SELECT COALESCE(MAX(idx) + 1, 0) FROM log_entries), ?, ?, ?, ?, ?)",
            )
            .bind(ev.seq)
            .bind(a.label.to_string())
            .bind(&a.hash[..])
            .bind(&a.leaf)
            .bind(&a.record)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
            sqlx::query(
                "INSERT INTO log_keys (verifier_key, first_used, n) \
                 VALUES (?, ?, (SELECT COALESCE(MAX(n) + 1, 0) FROM log_keys)) ON CONFLICT DO NOTHING",
            )
            .bind(&a.key)
            .bind(ev.event.at.to_string())
            .execute(&mut *tx)
            .await
            .map_err(err)?;
        }
        tx.commit().await.map_err(err)?;
        Ok(out)
    }

    async fn application(&self, id: &str) -> Result<Option<Versioned<ApplicationState>>, StoreError> {
        let row = sqlx::query("SELECT state, version FROM applications WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(err)?;
        row.as_ref().map(|r| versioned("application", r)).transpose()
    }

    async fn label(&self, id: LabelId) -> Result<Option<Versioned<LabelState>>, StoreError> {
        let row = sqlx::query("SELECT state, version FROM labels WHERE id = ?")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(err)?;
        row.as_ref().map(|r| versioned("label", r)).transpose()
    }

    async fn labels(&self, q: &LabelQuery) -> Result<Page<LabelState>, StoreError> {
        // Every filter is bound; an absent one binds NULL and matches all.
        const WHERE: &str = "(?1 IS NULL OR search LIKE ?1 ESCAPE '\\') AND (?2 IS NULL OR level = ?2) \
             AND (?3 IS NULL OR category = ?3) AND (?4 IS NULL OR vendor = ?4) \
             AND (?5 IS NULL OR (?5 = 'revoked' AND revoked = 1) \
                  OR (?5 = 'valid' AND revoked = 0 AND expires_on >= ?6) \
                  OR (?5 = 'expired' AND revoked = 0 AND expires_on < ?6))";
        let pattern = query_pattern(q);
        let level = q.level.map(level_id);
        let status = q.status.map(LabelStatus::id);
        let today = q.today.to_string();
        let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM labels WHERE {WHERE}")))
            .bind(&pattern)
            .bind(level)
            .bind(&q.category)
            .bind(&q.vendor)
            .bind(status)
            .bind(&today)
            .fetch_one(&self.pool)
            .await
            .map_err(err)?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT state, version FROM labels WHERE {WHERE} ORDER BY level, year, seq LIMIT ?7 OFFSET ?8"
        )))
        .bind(&pattern)
        .bind(level)
        .bind(&q.category)
        .bind(&q.vendor)
        .bind(status)
        .bind(&today)
        .bind(i64::from(q.limit))
        .bind(i64::from(q.offset))
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        let items =
            rows.iter().map(|r| versioned::<LabelState>("label", r).map(|v| v.state)).collect::<Result<_, _>>()?;
        Ok(Page { items, total: u64::try_from(total).unwrap_or(0) })
    }

    async fn unrecorded_expiries(&self, day: Date, limit: u32) -> Result<Vec<Versioned<LabelState>>, StoreError> {
        let rows = sqlx::query(
            "SELECT state, version FROM labels WHERE revoked = 0 AND expiry_recorded = 0 AND expires_on < ? \
             ORDER BY expires_on, id LIMIT ?",
        )
        .bind(day.to_string())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        rows.iter().map(|r| versioned("label", r)).collect()
    }

    async fn idempotency_begin(&self, scope: &str, key: &str, request_hash: &str) -> Result<Idempotency, StoreError> {
        let inserted =
            sqlx::query("INSERT INTO idempotency (scope, key, request_hash) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
                .bind(scope)
                .bind(key)
                .bind(request_hash)
                .execute(&self.pool)
                .await
                .map_err(err)?;
        if inserted.rows_affected() == 1 {
            return Ok(Idempotency::New);
        }
        let row = sqlx::query("SELECT request_hash, status, body FROM idempotency WHERE scope = ? AND key = ?")
            .bind(scope)
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(err)?;
        let Some(r) = row else { return Ok(Idempotency::InProgress) };
        let hash: String = r.try_get("request_hash").map_err(err)?;
        let status: Option<i64> = r.try_get("status").map_err(err)?;
        let body: Option<String> = r.try_get("body").map_err(err)?;
        Ok(match (hash == request_hash, status, body) {
            (false, _, _) => Idempotency::Mismatch,
            (true, Some(s), Some(b)) => Idempotency::Done { status: u16::try_from(s).unwrap_or(500), body: b },
            _ => Idempotency::InProgress,
        })
    }

    async fn idempotency_finish(&self, scope: &str, key: &str, status: u16, body: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE idempotency SET status = ?, body = ? WHERE scope = ? AND key = ?")
            .bind(i64::from(status))
            .bind(body)
            .bind(scope)
            .bind(key)
            .execute(&self.pool)
            .await
            .map_err(err)?;
        Ok(())
    }

    async fn idempotency_abort(&self, scope: &str, key: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM idempotency WHERE scope = ? AND key = ? AND status IS NULL")
            .bind(scope)
            .bind(key)
            .execute(&self.pool)
            .await
            .map_err(err)?;
        Ok(())
    }

    async fn events_of(&self, subject: &Subject) -> Result<Vec<Event>, StoreError> {
        let rows = sqlx::query("SELECT seq, body FROM events WHERE subject_type = ? AND subject_id = ? ORDER BY seq")
            .bind(subject.kind())
            .bind(subject.id())
            .fetch_all(&self.pool)
            .await
            .map_err(err)?;
        rows.iter()
            .map(|r| decode_event(r.try_get("seq").map_err(err)?, r.try_get::<&str, _>("body").map_err(err)?))
            .collect()
    }

    async fn label_stats(&self, today: Date) -> Result<LabelStats, StoreError> {
        let today = today.to_string();
        let rows = sqlx::query(
            "SELECT level, \
               SUM(CASE WHEN revoked = 0 AND expires_on >= ?1 THEN 1 ELSE 0 END) AS valid, \
               SUM(CASE WHEN revoked = 0 AND expires_on < ?1 THEN 1 ELSE 0 END) AS expired, \
               SUM(CASE WHEN revoked = 1 THEN 1 ELSE 0 END) AS revoked \
             FROM labels GROUP BY level ORDER BY level",
        )
        .bind(&today)
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        let n = |r: &sqlx::sqlite::SqliteRow, k: &str| -> Result<u64, StoreError> {
            Ok(u64::try_from(r.try_get::<i64, _>(k).map_err(err)?).unwrap_or(0))
        };
        let mut stats = LabelStats::default();
        for r in &rows {
            stats.by_level.push((r.try_get("level").map_err(err)?, n(r, "valid")?, n(r, "expired")?, n(r, "revoked")?));
        }
        let rows = sqlx::query("SELECT COALESCE(category, '') AS category, COUNT(*) AS n FROM labels GROUP BY COALESCE(category, '') ORDER BY 1")
            .fetch_all(&self.pool)
            .await
            .map_err(err)?;
        for r in &rows {
            stats.by_category.push((r.try_get("category").map_err(err)?, n(r, "n")?));
        }
        let rows = sqlx::query("SELECT substr(at, 1, 7) AS month, COUNT(*) AS n FROM events WHERE kind = 'label_granted' GROUP BY substr(at, 1, 7) ORDER BY 1")
            .fetch_all(&self.pool)
            .await
            .map_err(err)?;
        for r in &rows {
            stats.granted_by_month.push((r.try_get("month").map_err(err)?, n(r, "n")?));
        }
        Ok(stats)
    }

    async fn recent_label_events(&self, limit: u32) -> Result<Vec<Event>, StoreError> {
        let rows = sqlx::query("SELECT seq, body FROM events WHERE subject_type = 'label' ORDER BY seq DESC LIMIT ?")
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(err)?;
        rows.iter()
            .map(|r| decode_event(r.try_get("seq").map_err(err)?, r.try_get::<&str, _>("body").map_err(err)?))
            .collect()
    }

    async fn events(&self, after: i64, limit: u32) -> Result<Vec<Event>, StoreError> {
        let rows = sqlx::query("SELECT seq, body FROM events WHERE seq > ? ORDER BY seq LIMIT ?")
            .bind(after)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(err)?;
        rows.iter()
            .map(|r| decode_event(r.try_get("seq").map_err(err)?, r.try_get::<&str, _>("body").map_err(err)?))
            .collect()
    }

    async fn next_status_list_index(&self) -> Result<u64, StoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(err)?;
        let n: i64 = sqlx::query_scalar(
            "INSERT INTO counters (name, next) VALUES ('status_list', 1) \
             ON CONFLICT (name) DO UPDATE SET next = next + 1 RETURNING next - 1",
        )
        .fetch_one(&mut *tx)
        .await
        .map_err(err)?;
        tx.commit().await.map_err(err)?;
        u64::try_from(n).map_err(|_| StoreError::Corrupt(format!("status list index out of range: {n}")))
    }

    async fn log_hashes(&self, from: u64, limit: u32) -> Result<Vec<Hash>, StoreError> {
        let rows = sqlx::query("SELECT idx, hash FROM log_entries WHERE idx >= ? ORDER BY idx LIMIT ?")
            .bind(log_index_param(from)?)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(err)?;
        let mut out = Vec::with_capacity(rows.len());
        for (r, want) in rows.iter().zip(from..) {
            check_log_index(r.try_get("idx").map_err(err)?, want)?;
            let h: Vec<u8> = r.try_get("hash").map_err(err)?;
            out.push(h.try_into().map_err(|_| StoreError::Corrupt(format!("log entry {want}: hash is not 32 bytes")))?);
        }
        Ok(out)
    }

    async fn log_entries(&self, from: u64, limit: u32) -> Result<Vec<LogEntry>, StoreError> {
        let rows =
            sqlx::query("SELECT idx, label_id, leaf, record FROM log_entries WHERE idx >= ? ORDER BY idx LIMIT ?")
                .bind(log_index_param(from)?)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await
                .map_err(err)?;
        let mut out = Vec::with_capacity(rows.len());
        for (r, want) in rows.iter().zip(from..) {
            check_log_index(r.try_get("idx").map_err(err)?, want)?;
            let label: String = r.try_get("label_id").map_err(err)?;
            out.push(LogEntry {
                index: want,
                label: label
                    .parse()
                    .map_err(|_| StoreError::Corrupt(format!("log entry {want}: bad label {label}")))?,
                leaf: r.try_get("leaf").map_err(err)?,
                record: r.try_get("record").map_err(err)?,
            });
        }
        Ok(out)
    }

    async fn label_log_indexes(&self, label: LabelId) -> Result<Vec<u64>, StoreError> {
        let rows: Vec<i64> = sqlx::query_scalar("SELECT idx FROM log_entries WHERE label_id = ? ORDER BY idx")
            .bind(label.to_string())
            .fetch_all(&self.pool)
            .await
            .map_err(err)?;
        rows.into_iter().map(|i| u64::try_from(i).map_err(|_| StoreError::Corrupt(format!("log index {i}")))).collect()
    }

    async fn record_log_key(&self, verifier_key: &str, at: jiff::Timestamp) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO log_keys (verifier_key, first_used, n) \
             VALUES (?, ?, (SELECT COALESCE(MAX(n) + 1, 0) FROM log_keys)) ON CONFLICT DO NOTHING",
        )
        .bind(verifier_key)
        .bind(at.to_string())
        .execute(&self.pool)
        .await
        .map_err(err)?;
        Ok(())
    }

    async fn log_keys(&self) -> Result<Vec<LogKey>, StoreError> {
        let rows = sqlx::query("SELECT verifier_key, first_used FROM log_keys ORDER BY n")
            .fetch_all(&self.pool)
            .await
            .map_err(err)?;
        rows.iter()
            .map(|r| {
                let at: String = r.try_get("first_used").map_err(err)?;
                Ok(LogKey {
                    verifier_key: r.try_get("verifier_key").map_err(err)?,
                    first_used: at.parse().map_err(|_| StoreError::Corrupt(format!("log key time {at}")))?,
                })
            })
            .collect()
    }

    async fn status_list(&self) -> Result<Vec<(u64, bool)>, StoreError> {
        let rows = sqlx::query(
            "SELECT status_list_index, revoked FROM labels WHERE status_list_index IS NOT NULL ORDER BY status_list_index",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        rows.iter()
            .map(|r| {
                let i: i64 = r.try_get("status_list_index").map_err(err)?;
                let i = u64::try_from(i).map_err(|_| StoreError::Corrupt(format!("status list index {i}")))?;
                Ok((i, r.try_get::<bool, _>("revoked").map_err(err)?))
            })
            .collect()
    }
}
