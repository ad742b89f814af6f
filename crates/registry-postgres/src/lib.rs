//! The registry's [`Store`] on PostgreSQL, for deployments with any number
//! of stateless `starmark serve` instances on one database.
//!
//! Every commit takes one transaction-scoped advisory lock before it appends
//! to the log, so log positions are assigned in commit order: a reader never
//! sees position 10 while position 9 is still to come.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use jiff::civil::Date;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Row};
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
pub struct PgStore {
    pool: PgPool,
}

/// The advisory lock key that orders appends to the log ("starmark" in ASCII).
const LOG_LOCK: i64 = 0x7374_6172_6d61_726b;

fn err(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict(d.message().to_string()),
        _ => StoreError::Unavailable(e.to_string()),
    }
}

impl PgStore {
    /// Connects to `postgres://...` and applies the migrations.
    pub async fn connect(url: &str) -> Result<PgStore, StoreError> {
        PgStore::connect_with(PgConnectOptions::from_str(url).map_err(err)?).await
    }

    /// Connects with the tables in `schema` (created if missing): separate
    /// registries, or separate tests, on one database.
    pub async fn connect_in_schema(url: &str, schema: &str) -> Result<PgStore, StoreError> {
        if schema.is_empty() || !schema.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
            return Err(StoreError::Unavailable(format!(
                "schema name `{schema}` must be lowercase letters, digits and _"
            )));
        }
        let opts = PgConnectOptions::from_str(url).map_err(err)?;
        let admin = PgPoolOptions::new().max_connections(1).connect_with(opts.clone()).await.map_err(err)?;
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA IF NOT EXISTS {schema}")))
            .execute(&admin)
            .await
            .map_err(err)?;
        admin.close().await;
        PgStore::connect_with(opts.options([("search_path", schema)])).await
    }

    /// Another pool on the same database and schema, as a second server
    /// process would have.
    pub async fn second_instance(&self) -> Result<PgStore, StoreError> {
        let opts = self.pool.connect_options().as_ref().clone();
        PgStore::connect_with(opts).await
    }

    async fn connect_with(opts: PgConnectOptions) -> Result<PgStore, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(opts)
            .await
            .map_err(err)?;
        sqlx::migrate!("./migrations")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Unavailable(format!("migration failed: {e}")))?;
        Ok(PgStore { pool })
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

fn level_id(l: Level) -> &'static str {
    l.id()
}

fn org_from_row(r: &sqlx::postgres::PgRow) -> Result<Organization, StoreError> {
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
    r: &sqlx::postgres::PgRow,
) -> Result<Versioned<T>, StoreError> {
    let state: String = r.try_get("state").map_err(err)?;
    Ok(Versioned { state: decode_state(what, &state)?, version: r.try_get("version").map_err(err)? })
}

#[async_trait]
impl Store for PgStore {
    async fn health(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map_err(err)?;
        Ok(())
    }

    async fn insert_org(&self, org: &Organization) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO orgs (id, kind, name, accreditation) VALUES ($1, $2, $3, $4)")
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
            sqlx::query("SELECT * FROM orgs WHERE id = $1").bind(id).fetch_optional(&self.pool).await.map_err(err)?;
        row.as_ref().map(org_from_row).transpose()
    }

    async fn orgs(&self) -> Result<Vec<Organization>, StoreError> {
        let rows = sqlx::query("SELECT * FROM orgs ORDER BY name, id").fetch_all(&self.pool).await.map_err(err)?;
        rows.iter().map(org_from_row).collect()
    }

    async fn insert_token(&self, t: &TokenRecord) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO tokens (hash, org_id, role, label) VALUES ($1, $2, $3, $4)")
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
        let row = sqlx::query("SELECT * FROM tokens WHERE hash = $1")
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
        let mut tx = self.pool.begin().await.map_err(err)?;
        let n: i64 = sqlx::query_scalar(
            "INSERT INTO label_sequences (level, year, next) VALUES ($1, $2, 2) \
             ON CONFLICT (level, year) DO UPDATE SET next = label_sequences.next + 1 RETURNING next - 1",
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
        let mut tx = self.pool.begin().await.map_err(err)?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(LOG_LOCK).execute(&mut *tx).await.map_err(err)?;
        for w in &c.applications {
            let s = &w.state;
            let state = encode_state(s)?;
            let done = match w.expected {
                None => sqlx::query("INSERT INTO applications (id, vendor, status, version, state) VALUES ($1, $2, $3, 1, $4)")
                    .bind(&s.id)
                    .bind(&s.vendor)
                    .bind(s.status.id())
                    .bind(&state)
                    .execute(&mut *tx)
                    .await
                    .map_err(err)?,
                Some(v) => sqlx::query("UPDATE applications SET status = $1, state = $2, version = version + 1 WHERE id = $3 AND version = $4")
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
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11, $12)",
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
                    "UPDATE labels SET category = $1, revoked = $2, expires_on = $3, expiry_recorded = $4, search = $5, state = $6, \
                     version = version + 1 WHERE id = $7 AND version = $8",
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
                "INSERT INTO events (at, subject_type, subject_id, kind, body) VALUES ($1, $2, $3, $4, $5) RETURNING seq",
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
                 VALUES ((SELECT COALESCE(MAX(idx) + 1, 0) FROM log_entries), $1, $2, $3, $4, $5)",
            )
            .bind(ev.seq)
            .bind(a.label.to_string())
            .bind(&a.hash[..])
            .bind(&a.leaf)
            .bind(&a.record)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
            sqlx::query("INSERT INTO log_keys (verifier_key, first_used) VALUES ($1, $2) ON CONFLICT DO NOTHING")
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
        let row = sqlx::query("SELECT state, version FROM applications WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(err)?;
        row.as_ref().map(|r| versioned("application", r)).transpose()
    }

    async fn label(&self, id: LabelId) -> Result<Option<Versioned<LabelState>>, StoreError> {
        let row = sqlx::query("SELECT state, version FROM labels WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(err)?;
        row.as_ref().map(|r| versioned("label", r)).transpose()
    }

    async fn labels(&self, q: &LabelQuery) -> Result<Page<LabelState>, StoreError> {
        // Every filter is bound; an absent one binds NULL and matches all.
        const WHERE: &str = "($1::text IS NULL OR search LIKE $1 ESCAPE '\\') AND ($2::text IS NULL OR level = $2) \
             AND ($3::text IS NULL OR category = $3) AND ($4::text IS NULL OR vendor = $4) \
             AND ($5::text IS NULL OR ($5 = 'revoked' AND revoked) \
                  OR ($5 = 'valid' AND NOT revoked AND expires_on >= $6) \
                  OR ($5 = 'expired' AND NOT revoked AND expires_on < $6))";
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
            "SELECT state, version FROM labels WHERE {WHERE} ORDER BY level, year, seq LIMIT $7 OFFSET $8"
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
            "SELECT state, version FROM labels WHERE NOT revoked AND NOT expiry_recorded AND expires_on < $1 \
             ORDER BY expires_on, id LIMIT $2",
        )
        .bind(day.to_string())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        rows.iter().map(|r| versioned("label", r)).collect()
    }

    async fn idempotency_begin(&self, scope: &str, key: &str, request_hash: &str) -> Result<Idempotency, StoreError> {
        let inserted = sqlx::query(
            "INSERT INTO idempotency (scope, key, request_hash) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(scope)
        .bind(key)
        .bind(request_hash)
        .execute(&self.pool)
        .await
        .map_err(err)?;
        if inserted.rows_affected() == 1 {
            return Ok(Idempotency::New);
        }
        let row = sqlx::query("SELECT request_hash, status, body FROM idempotency WHERE scope = $1 AND key = $2")
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
        sqlx::query("UPDATE idempotency SET status = $1, body = $2 WHERE scope = $3 AND key = $4")
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
        sqlx::query("DELETE FROM idempotency WHERE scope = $1 AND key = $2 AND status IS NULL")
            .bind(scope)
            .bind(key)
            .execute(&self.pool)
            .await
            .map_err(err)?;
        Ok(())
    }

    async fn events_of(&self, subject: &Subject) -> Result<Vec<Event>, StoreError> {
        let rows = sqlx::query("SELECT seq, body FROM events WHERE subject_type = $1 AND subject_id = $2 ORDER BY seq")
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
               SUM(CASE WHEN NOT revoked AND expires_on >= $1 THEN 1 ELSE 0 END) AS valid, \
               SUM(CASE WHEN NOT revoked AND expires_on < $1 THEN 1 ELSE 0 END) AS expired, \
               SUM(CASE WHEN revoked THEN 1 ELSE 0 END) AS revoked \
             FROM labels GROUP BY level ORDER BY level",
        )
        .bind(&today)
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        let n = |r: &sqlx::postgres::PgRow, k: &str| -> Result<u64, StoreError> {
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
        let rows = sqlx::query("SELECT seq, body FROM events WHERE subject_type = 'label' ORDER BY seq DESC LIMIT $1")
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(err)?;
        rows.iter()
            .map(|r| decode_event(r.try_get("seq").map_err(err)?, r.try_get::<&str, _>("body").map_err(err)?))
            .collect()
    }

    async fn events(&self, after: i64, limit: u32) -> Result<Vec<Event>, StoreError> {
        let rows = sqlx::query("SELECT seq, body FROM events WHERE seq > $1 ORDER BY seq LIMIT $2")
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
        let n: i64 = sqlx::query_scalar(
            "INSERT INTO counters (name, next) VALUES ('status_list', 1) \
             ON CONFLICT (name) DO UPDATE SET next = counters.next + 1 RETURNING next - 1",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(err)?;
        u64::try_from(n).map_err(|_| StoreError::Corrupt(format!("status list index out of range: {n}")))
    }

    async fn log_hashes(&self, from: u64, limit: u32) -> Result<Vec<Hash>, StoreError> {
        let rows = sqlx::query("SELECT idx, hash FROM log_entries WHERE idx >= $1 ORDER BY idx LIMIT $2")
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
            sqlx::query("SELECT idx, label_id, leaf, record FROM log_entries WHERE idx >= $1 ORDER BY idx LIMIT $2")
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
        let rows: Vec<i64> = sqlx::query_scalar("SELECT idx FROM log_entries WHERE label_id = $1 ORDER BY idx")
            .bind(label.to_string())
            .fetch_all(&self.pool)
            .await
            .map_err(err)?;
        rows.into_iter().map(|i| u64::try_from(i).map_err(|_| StoreError::Corrupt(format!("log index {i}")))).collect()
    }

    async fn record_log_key(&self, verifier_key: &str, at: jiff::Timestamp) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO log_keys (verifier_key, first_used) VALUES ($1, $2) ON CONFLICT DO NOTHING")
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
