//! Transparency-log benchmark: what signing every label event and
//! appending it to the log costs a grant, on SQLite and on PostgreSQL.
//!
//! Each grant is the commit `Registry::grant` makes: the application's
//! `application_granted` event and its projection, the `label_granted`
//! event and the new label's projection. "With" signs the label event's
//! statement (RFC 8785 canonical JSON, record digest, Ed25519) and appends
//! the leaf (`log_entries`, `log_keys`) in the same transaction. "Without"
//! is the same commit, byte for byte the same events and projections, with
//! the label event filed under the application so that no leaf is due:
//! the difference is exactly the transparency work. Rounds alternate, so
//! drift hits both alike.
//!
//! Run: `cargo bench -p starmark-server --bench transparency -- [--grants N] [--backend sqlite|postgres|both]`
//! It needs a PostgreSQL at `STARMARK_TEST_POSTGRES_URL` (default
//! postgres://postgres@127.0.0.1:5432/test) for the PostgreSQL part. All
//! traffic stays on 127.0.0.1; every loop is bounded in count.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "benchmark program"
)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use jiff::civil::date;
use starmark_criteria::{Level, VersionRef};
use starmark_registry::auth::Actor;
use starmark_registry::event::{Event, EventKind, NewEvent, Subject};
use starmark_registry::label_id::LabelId;
use starmark_registry::model::{AppStatus, ApplicationState, PublicRecord, apply_label};
use starmark_registry::store::{Commit, Store, Write};
use starmark_registry::testkit::{EXAMPLE_CHECKLIST, test_log_key};
use starmark_registry::transparency::LogView;

const ROUNDS: usize = 5;

/// One grant's commit; `log` signs and appends the label event, else it is
/// filed under the application.
fn grant(i: u32, log: Option<&LogView>, checklist: &serde_json::Value, public: &PublicRecord) -> Commit {
    let app = format!("app_bench_{i}");
    let label = LabelId::new(Level::Star1, 2026, i);
    let now = jiff::Timestamp::now();
    let criteria = VersionRef { catalog: "star-1".into(), version: "1.1".into() };
    let app_state = ApplicationState {
        id: app.clone(),
        vendor: "org_bench".into(),
        level: Some(Level::Star1),
        criteria: criteria.clone(),
        status: AppStatus::Granted,
        checklist: checklist.clone(),
        problems: Vec::new(),
        inquiry: None,
        refusal: None,
        label: Some(label),
        renewal_of: None,
        third_party: false,
        report: None,
        submitted_at: now,
        updated_at: now,
    };
    let label_event = NewEvent {
        at: now,
        actor: Actor::system(),
        subject: Subject::Label(label),
        reason: None,
        kind: EventKind::LabelGranted {
            application: app.clone(),
            vendor: "org_bench".into(),
            level: Level::Star1,
            criteria,
            category: None,
            issued_on: date(2026, 11, 28),
            expires_on: date(2028, 11, 27),
            public: public.clone(),
            report: None,
            status_list_index: Some(u64::from(i)),
        },
    };
    let label_state = apply_label(None, &Event { seq: 0, event: label_event.clone() }).unwrap();
    let app_event = NewEvent {
        at: now,
        actor: Actor::system(),
        subject: Subject::Application(app.clone()),
        reason: None,
        kind: EventKind::ApplicationGranted { label },
    };
    let mut commit = Commit {
        events: vec![app_event, label_event],
        applications: vec![Write { state: app_state, expected: None }],
        labels: vec![Write { state: label_state.clone(), expected: None }],
        log: vec![],
    };
    match log {
        Some(log) => commit.log.push(log.append(1, &commit.events[1], &label_state).unwrap()),
        None => commit.events[1].subject = Subject::Application(app),
    }
    commit
}

struct Row {
    backend: &'static str,
    with_per_s: f64,
    without_per_s: f64,
    sign_us: f64,
}

async fn run(backend: &'static str, store: Arc<dyn Store>, grants: usize) -> Row {
    let parsed = starmark_checklist::parse(EXAMPLE_CHECKLIST.as_bytes(), None).unwrap().checklist;
    let checklist = serde_json::to_value(&parsed).unwrap();
    let public = PublicRecord::from_checklist(&parsed);
    let log = LogView::new(test_log_key());
    let per_round = grants.div_ceil(ROUNDS);
    let (mut with, mut without) = (Duration::ZERO, Duration::ZERO);
    let mut n = 0u32;
    for _ in 0..ROUNDS {
        for signed in [true, false] {
            let t = Instant::now();
            for _ in 0..per_round {
                n += 1;
                let c = grant(n, signed.then_some(log.as_ref()), &checklist, &public);
                store.commit(c).await.unwrap();
            }
            if signed { with += t.elapsed() } else { without += t.elapsed() }
        }
    }
    // Signing alone (statement, record digest, canonical JSON, Ed25519).
    let t = Instant::now();
    for i in 0..1000 {
        std::hint::black_box(grant(1_000_000 + i, Some(log.as_ref()), &checklist, &public));
    }
    let with_sign = t.elapsed();
    let t = Instant::now();
    for i in 0..1000 {
        std::hint::black_box(grant(1_000_000 + i, None, &checklist, &public));
    }
    let sign_us = (with_sign.saturating_sub(t.elapsed())).as_secs_f64() * 1e6 / 1000.0;
    let total = (per_round * ROUNDS) as f64;
    // The log really holds every signed grant, and nothing else.
    assert_eq!(store.log_hashes(0, u32::MAX).await.unwrap().len(), per_round * ROUNDS);
    Row { backend, with_per_s: total / with.as_secs_f64(), without_per_s: total / without.as_secs_f64(), sign_us }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let grants: usize = arg("--grants").map_or(2_000, |v| v.parse().unwrap());
    let backend = arg("--backend").unwrap_or_else(|| "both".into());
    if !args.iter().any(|a| a == "--bench") {
        eprintln!("transparency benchmark: run it with `cargo bench -p starmark-server --bench transparency`");
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let mut rows = Vec::new();
    if backend == "both" || backend == "sqlite" {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> =
            Arc::new(rt.block_on(starmark_registry_sqlite::SqliteStore::open(&dir.path().join("bench.db"))).unwrap());
        rows.push(rt.block_on(run("SQLite", store, grants)));
    }
    if backend == "both" || backend == "postgres" {
        let url = std::env::var("STARMARK_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        let schema = format!("bench_tlog_{}", std::process::id());
        let store = rt.block_on(starmark_registry_postgres::PgStore::connect_in_schema(&url, &schema)).unwrap();
        rows.push(rt.block_on(run("PostgreSQL", Arc::new(store), grants)));
        let _ = std::process::Command::new("psql")
            .args([url.as_str(), "-q", "-c", &format!("DROP SCHEMA {schema} CASCADE")])
            .status();
    }
    println!(
        "\n| backend | grants | with signing + log (grants/s) | without (grants/s) | overhead (without/with) | signing alone |"
    );
    println!("|---|---|---|---|---|---|");
    for r in &rows {
        println!(
            "| {} | {} | {:.0} | {:.0} | {:.2} | {:.0} µs |",
            r.backend,
            grants.div_ceil(ROUNDS) * ROUNDS,
            r.with_per_s,
            r.without_per_s,
            r.without_per_s / r.with_per_s,
            r.sign_us
        );
    }
}
