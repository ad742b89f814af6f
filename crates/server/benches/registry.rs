//! Registry benchmark: label look-up latency and grant throughput with
//! 100,000 labels, on SQLite and on PostgreSQL, each beside the peer a
//! deployer would compare with:
//!
//! - look-ups: nginx serving the very same JSON bodies as static files;
//! - grants: the database alone doing equivalent writes (`pgbench` with a
//!   script of the same inserts and updates; the `sqlite3` shell for SQLite).
//!
//! Run: `cargo bench -p starmark-server --bench registry -- [--labels N] [--backend sqlite|postgres|both]`
//! It needs `nginx`, `pgbench` and `sqlite3` (Debian: nginx-light,
//! postgresql-client, sqlite3) and a PostgreSQL at
//! `STARMARK_TEST_POSTGRES_URL` (default postgres://postgres@127.0.0.1:5432/test).
//! All traffic stays on 127.0.0.1; every loop is bounded in count.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "benchmark program"
)]

mod common;

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use jiff::civil::date;
use starmark_criteria::{CatalogSet, Level, VersionRef};
use starmark_registry::auth::{Actor, OrgKind, Role};
use starmark_registry::clock::SystemClock;
use starmark_registry::event::{Event, EventKind, NewEvent, Subject};
use starmark_registry::label_id::LabelId;
use starmark_registry::model::{InquiryOutcome, PublicRecord, apply_label};
use starmark_registry::store::{Commit, Store, Write};
use starmark_registry::testkit::EXAMPLE_CHECKLIST;
use starmark_registry::{Principal, Registry};

const LOOKUPS: usize = 5_000;
const GRANTS: usize = 400;
const CONCURRENCY: usize = 8;

struct Result {
    backend: &'static str,
    lookup_p50: Duration,
    lookup_p99: Duration,
    lookup_rps: f64,
    nginx_p50: Duration,
    nginx_p99: Duration,
    nginx_rps: f64,
    grants_per_s: f64,
    peer_tps: f64,
    peer_name: &'static str,
    seed_s: f64,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// GETs every URL (cycling) with `CONCURRENCY` workers; returns sorted latencies and requests/s.
async fn measure_gets(client: &reqwest::Client, urls: Arc<Vec<String>>) -> (Vec<Duration>, f64) {
    let start = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..CONCURRENCY {
        let (client, urls) = (client.clone(), urls.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            for u in urls.iter().skip(w).step_by(CONCURRENCY) {
                let t = Instant::now();
                let r = client.get(u).send().await.unwrap();
                if !r.status().is_success() {
                    eprintln!("{u}: {}", r.status());
                    std::process::exit(1);
                }
                let _ = r.bytes().await.unwrap();
                lat.push(t.elapsed());
            }
            lat
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let rps = all.len() as f64 / start.elapsed().as_secs_f64();
    all.sort();
    (all, rps)
}

async fn seed(store: &Arc<dyn Store>, n: usize) {
    let checklist: starmark_checklist::Checklist =
        starmark_checklist::parse(EXAMPLE_CHECKLIST.as_bytes(), None).unwrap().checklist;
    let public = PublicRecord::from_checklist(&checklist);
    let criteria = VersionRef { catalog: "star-1".into(), version: "1.1".into() };
    let log = starmark_registry::transparency::LogView::new(starmark_registry::testkit::test_log_key());
    let mut i = 0;
    while i < n {
        let mut commit = Commit::default();
        for _ in 0..1000.min(n - i) {
            i += 1;
            // Seeded labels are from 2025 so that benchmark grants (2026) never collide.
            let id = LabelId::new(Level::Star1, 2025, i as u32);
            let mut p = public.clone();
            p.model_numbers = vec![format!("BENCH-{i:06}")];
            let ev = NewEvent {
                at: jiff::Timestamp::now(),
                actor: Actor::system(),
                subject: Subject::Label(id),
                reason: None,
                kind: EventKind::LabelGranted {
                    application: format!("app_seed_{i}"),
                    vendor: "org_seed".into(),
                    level: Level::Star1,
                    criteria: criteria.clone(),
                    category: None,
                    issued_on: date(2025, 6, 1),
                    expires_on: date(2027, 5, 31),
                    public: p,
                    report: None,
                    status_list_index: None,
                },
            };
            let state = apply_label(None, &Event { seq: 0, event: ev.clone() }).unwrap();
            commit.log.push(log.append(commit.events.len(), &ev, &state).unwrap());
            commit.events.push(ev);
            commit.labels.push(Write { state, expected: None });
        }
        store.commit(commit).await.unwrap();
    }
}

async fn principal(r: &Registry, kind: OrgKind, role: Role) -> (Principal, String) {
    let org = r.add_org(kind, "bench", None).await.unwrap();
    let secret = r.issue_token(&org.id, role, "bench").await.unwrap();
    (r.authenticate(secret.expose()).await.unwrap(), secret.expose().to_string())
}

async fn run(backend: &'static str, store: Arc<dyn Store>, labels: usize, pg_url: Option<(String, String)>) -> Result {
    let registry = Arc::new(
        Registry::new(store.clone(), Arc::new(CatalogSet::embedded().unwrap()), Arc::new(SystemClock))
            .with_log_key(starmark_registry::testkit::test_log_key()),
    );
    let t = Instant::now();
    seed(&store, labels).await;
    let seed_s = t.elapsed().as_secs_f64();
    eprintln!("[{backend}] seeded {labels} labels in {seed_s:.1}s");

    // The server on its own runtime (two workers), as a separate process would be.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let state = starmark_server::AppState::new(registry.clone(), base.clone());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server_rt = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        rt.block_on(async move {
            let l = tokio::net::TcpListener::from_std(listener).unwrap();
            starmark_server::serve(l, state, async move {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
    });
    let client = reqwest::Client::builder().pool_max_idle_per_host(CONCURRENCY).build().unwrap();

    // Look-ups of random seeded labels.
    let mut rng_state: u64 = 0x9e3779b97f4a7c15;
    let ids: Vec<String> = (0..LOOKUPS)
        .map(|_| {
            rng_state ^= rng_state << 13;
            rng_state ^= rng_state >> 7;
            rng_state ^= rng_state << 17;
            LabelId::new(Level::Star1, 2025, (rng_state % labels as u64) as u32 + 1).to_string()
        })
        .collect();
    let urls = Arc::new(ids.iter().map(|id| format!("{base}/api/v1/labels/{id}")).collect::<Vec<_>>());
    let _ = measure_gets(&client, Arc::new(urls[..200].to_vec())).await; // warm-up
    let (lat, lookup_rps) = measure_gets(&client, urls.clone()).await;

    // nginx serving the same bytes.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("www/api/v1/labels")).unwrap();
    std::fs::create_dir_all(dir.path().join("tmp")).unwrap();
    for id in &ids {
        let p = dir.path().join(format!("www/api/v1/labels/{id}"));
        if !p.exists() {
            let body = client.get(format!("{base}/api/v1/labels/{id}")).send().await.unwrap().bytes().await.unwrap();
            std::fs::write(p, body).unwrap();
        }
    }
    // nginx's workers run as an unprivileged user: let them read the files.
    for d in ["", "www", "www/api", "www/api/v1", "www/api/v1/labels", "tmp"] {
        std::fs::set_permissions(dir.path().join(d), std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    }
    let (mut nginx, nbase) = common::nginx_serve("application/json", dir.path());
    let nurls = Arc::new(ids.iter().map(|id| format!("{nbase}/api/v1/labels/{id}")).collect::<Vec<_>>());
    let _ = measure_gets(&client, Arc::new(nurls[..200].to_vec())).await;
    let (nlat, nginx_rps) = measure_gets(&client, nurls).await;
    // SIGTERM makes the master stop its workers too (SIGKILL would orphan them).
    let _ = Command::new("kill").args(["-TERM", &nginx.id().to_string()]).status();
    let _ = nginx.wait();

    // Grants through the API: the real path (authorization, state machine, commit).
    let (vendor, _) = principal(&registry, OrgKind::Vendor, Role::Vendor).await;
    let (liaison, _) = principal(&registry, OrgKind::SchemeOwner, Role::Liaison).await;
    let (_, reviewer_token) = principal(&registry, OrgKind::SchemeOwner, Role::Reviewer).await;
    let mut apps = Vec::new();
    for _ in 0..GRANTS {
        let a = registry.submit(&vendor, EXAMPLE_CHECKLIST.as_bytes(), None).await.unwrap();
        registry.record_inquiry(&liaison, &a.id, InquiryOutcome::Cleared, "").await.unwrap();
        apps.push(a.id);
    }
    let apps = Arc::new(apps);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..CONCURRENCY {
        let (client, apps, base, tok) = (client.clone(), apps.clone(), base.clone(), reviewer_token.clone());
        tasks.push(tokio::spawn(async move {
            for id in apps.iter().skip(w).step_by(CONCURRENCY) {
                let r = client
                    .post(format!("{base}/api/v1/applications/{id}/grant"))
                    .bearer_auth(&tok)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), reqwest::StatusCode::CREATED);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let grants_per_s = GRANTS as f64 / start.elapsed().as_secs_f64();
    let _ = tx.send(());
    server_rt.join().unwrap();

    let (peer_tps, peer_name) = match pg_url {
        Some((url, schema)) => (pgbench(&url, &schema), "pgbench (same writes)"),
        None => (sqlite_shell(), "sqlite3 shell (same writes)"),
    };
    Result {
        backend,
        lookup_p50: percentile(&lat, 0.5),
        lookup_p99: percentile(&lat, 0.99),
        lookup_rps,
        nginx_p50: percentile(&nlat, 0.5),
        nginx_p99: percentile(&nlat, 0.99),
        nginx_rps,
        grants_per_s,
        peer_tps,
        peer_name,
        seed_s,
    }
}

/// What one grant writes, as plain SQL: two events, one application
/// update, one label insert, one sequence bump, in one transaction.
const GRANT_SQL: &str = "INSERT INTO b_seq (k, n) VALUES (1, 1) ON CONFLICT (k) DO UPDATE SET n = b_seq.n + 1;\n\
    UPDATE b_apps SET version = version + 1, state = '{STATE}' WHERE id = 1;\n\
    INSERT INTO b_events (body) VALUES ('{EVENT}');\n\
    INSERT INTO b_events (body) VALUES ('{EVENT}');\n\
    INSERT INTO b_labels (state, search) VALUES ('{STATE}', 'hc-200 example');\n";

fn grant_sql() -> String {
    GRANT_SQL.replace("{STATE}", &"s".repeat(2500)).replace("{EVENT}", &"e".repeat(2000))
}

fn pgbench(url: &str, schema: &str) -> f64 {
    let setup = format!(
        "SET search_path TO {schema}; CREATE TABLE b_seq (k int primary key, n bigint); CREATE TABLE b_apps (id int primary key, version bigint, state text);\
         INSERT INTO b_apps VALUES (1, 0, ''); CREATE TABLE b_events (seq bigserial primary key, body text); CREATE TABLE b_labels (id bigserial primary key, state text, search text);"
    );
    let ok = Command::new("psql").args([url, "-q", "-c", &setup]).status().unwrap();
    assert!(ok.success());
    let script = std::env::temp_dir().join("starmark-bench-grant.sql");
    std::fs::write(
        &script,
        format!("SET search_path TO {schema};\nBEGIN;\nSELECT pg_advisory_xact_lock(7);\n{}COMMIT;\n", grant_sql()),
    )
    .unwrap();
    let out = Command::new("pgbench")
        .args([
            "-n",
            "-c",
            &CONCURRENCY.to_string(),
            "-t",
            &(GRANTS / CONCURRENCY).to_string(),
            "-f",
            script.to_str().unwrap(),
            url,
        ])
        .output()
        .expect("pgbench is required");
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find_map(|l| l.strip_prefix("tps = ").and_then(|r| r.split_whitespace().next()).and_then(|n| n.parse().ok()))
        .unwrap_or_else(|| panic!("cannot read pgbench output: {text}\n{}", String::from_utf8_lossy(&out.stderr)))
}

fn sqlite_shell() -> f64 {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("peer.db");
    let mut sql = String::from(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;\n\
         CREATE TABLE b_seq (k int primary key, n int); CREATE TABLE b_apps (id int primary key, version int, state text);\n\
         INSERT INTO b_apps VALUES (1, 0, ''); CREATE TABLE b_events (seq integer primary key autoincrement, body text);\n\
         CREATE TABLE b_labels (id integer primary key autoincrement, state text, search text);\n",
    );
    let one = grant_sql().replace("b_seq.n + 1", "n + 1");
    for _ in 0..GRANTS {
        sql.push_str("BEGIN IMMEDIATE;\n");
        sql.push_str(&one);
        sql.push_str("COMMIT;\n");
    }
    let script = dir.path().join("peer.sql");
    std::fs::write(&script, sql).unwrap();
    let start = Instant::now();
    let st = Command::new("sqlite3")
        .arg(&db)
        .arg(format!(".read {}", script.display()))
        .stdout(Stdio::null())
        .status()
        .expect("sqlite3 is required");
    assert!(st.success());
    GRANTS as f64 / start.elapsed().as_secs_f64()
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let labels: usize = arg("--labels").and_then(|n| n.parse().ok()).unwrap_or(100_000);
    let backend = arg("--backend").unwrap_or_else(|| "both".into());
    if !args.iter().any(|a| a == "--bench") {
        // `cargo bench` passes --bench; `cargo test --all-targets` runs this
        // binary without it, and the benchmark is not a test.
        eprintln!("registry benchmark: run it with `cargo bench -p starmark-server --bench registry`");
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let mut results = Vec::new();
    if backend == "both" || backend == "sqlite" {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> =
            Arc::new(rt.block_on(starmark_registry_sqlite::SqliteStore::open(&dir.path().join("bench.db"))).unwrap());
        results.push(rt.block_on(run("SQLite", store, labels, None)));
    }
    if backend == "both" || backend == "postgres" {
        let url = std::env::var("STARMARK_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        let schema = format!("bench_{}", std::process::id());
        let store: Arc<dyn Store> =
            Arc::new(rt.block_on(starmark_registry_postgres::PgStore::connect_in_schema(&url, &schema)).unwrap());
        results.push(rt.block_on(run("PostgreSQL", store, labels, Some((url.clone(), schema.clone())))));
        let _ =
            Command::new("psql").args([url.as_str(), "-q", "-c", &format!("DROP SCHEMA {schema} CASCADE")]).status();
    }
    println!(
        "\n| backend | labels | look-up p50 | look-up p99 | look-ups/s | nginx p50 | nginx p99 | nginx/s | p50 ratio (starmark/nginx) | grants/s | peer | peer tx/s | grant ratio (starmark/peer) |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for r in &results {
        println!(
            "| {} | {labels} | {} | {} | {:.0} | {} | {} | {:.0} | {:.2} | {:.0} | {} | {:.0} | {:.2} |",
            r.backend,
            ms(r.lookup_p50),
            ms(r.lookup_p99),
            r.lookup_rps,
            ms(r.nginx_p50),
            ms(r.nginx_p99),
            r.nginx_rps,
            r.lookup_p50.as_secs_f64() / r.nginx_p50.as_secs_f64(),
            r.grants_per_s,
            r.peer_name,
            r.peer_tps,
            r.grants_per_s / r.peer_tps,
        );
        eprintln!("[{}] seeding took {:.1}s", r.backend, r.seed_s);
    }
}
