//! The registry as an operator runs it: `starmark admin`, `starmark serve`,
//! and the client commands, as real processes. Includes the crash test: the
//! server is killed with SIGKILL in the middle of a burst of grants.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::{Value, json};

mod common;
use common::{Tokens, bin, cli, serve, serve_with, setup};

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/star-1-home-camera/checklist.toml");

/// Submits `n` applications through `submit_url` and clears their inquiry through `inquiry_url`.
async fn cleared_applications(
    client: &reqwest::Client,
    t: &Tokens,
    submit_url: &str,
    inquiry_url: &str,
    n: usize,
) -> Vec<String> {
    let checklist = std::fs::read_to_string(EXAMPLE).unwrap();
    let mut apps = Vec::new();
    for k in 0..n {
        let r = client
            .post(format!("{submit_url}/api/v1/applications"))
            .bearer_auth(&t.vendor)
            .header("content-type", "application/toml")
            .header("idempotency-key", format!("test-{k}-{}", std::process::id()))
            .body(checklist.clone())
            .send()
            .await
            .unwrap();
        let id = r.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string();
        let r = client
            .post(format!("{inquiry_url}/api/v1/applications/{id}/inquiry"))
            .bearer_auth(&t.liaison)
            .json(&json!({"outcome": "cleared"}))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
        apps.push(id);
    }
    apps
}

#[test]
fn apply_inquiry_grant_status_change_over_the_cli_then_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("r.db").display());
    let t = setup(&db);
    let (mut server, url) = serve(&db);

    let (code, app) = cli(&url, &t.vendor, &["apply", EXAMPLE]);
    assert_eq!(code, 0, "{app}");
    let app_id = app["id"].as_str().unwrap().to_string();
    assert_eq!(cli(&url, &t.liaison, &["owner", "inquiry", &app_id, "--outcome", "cleared"]).0, 0);
    let (code, label) = cli(&url, &t.reviewer, &["owner", "grant", &app_id]);
    assert_eq!(code, 0, "{label}");
    let label_id = label["id"].as_str().unwrap().to_string();
    let (code, status) = cli(&url, "unused", &["status", &label_id]);
    assert_eq!((code, status["status"].as_str()), (0, Some("valid")));
    // A second grant is refused; the command says so with exit code 1.
    assert_eq!(cli(&url, &t.reviewer, &["owner", "grant", &app_id]).0, 1);
    // A vendor's applying with a failing checklist exits 1 and shows the problems.
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, std::fs::read_to_string(EXAMPLE).unwrap().replacen("code = \"VN\"", "code = \"\"", 1))
        .unwrap();
    let (code, returned) = cli(&url, &t.vendor, &["apply", bad.to_str().unwrap()]);
    assert_eq!((code, returned["status"].as_str()), (1, Some("returned")));
    let (code, revoked) = cli(&url, &t.vendor, &["report-change", &label_id, "--description", "new firmware"]);
    assert_eq!((code, revoked["status"].as_str()), (0, Some("revoked")));

    // Graceful shutdown on SIGTERM: exits 0.
    let st = Command::new("kill").args(["-TERM", &server.id().to_string()]).status().unwrap();
    assert!(st.success());
    let exit = server.wait().unwrap();
    assert!(exit.success(), "serve exited with {exit}");
}

#[test]
fn sigkill_during_a_burst_of_grants_loses_nothing_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.db");
    let db = format!("sqlite://{}", path.display());
    let t = setup(&db);
    let (mut server, url) = serve(&db);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let client = reqwest::Client::new();

    // 40 applications, each with a cleared inquiry.
    let apps = rt.block_on(cleared_applications(&client, &t, &url, &url, 40));

    // Grant them all at once; kill the server once ten are acknowledged.
    let acknowledged: Vec<(String, String)> = rt.block_on(async {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        for id in &apps {
            let (client, url, tok, id, tx) = (client.clone(), url.clone(), t.reviewer.clone(), id.clone(), tx.clone());
            tokio::spawn(async move {
                let r = client.post(format!("{url}/api/v1/applications/{id}/grant")).bearer_auth(&tok).send().await;
                if let Ok(r) = r
                    && r.status() == reqwest::StatusCode::CREATED
                    && let Ok(v) = r.json::<Value>().await
                {
                    let _ = tx.send((id, v["id"].as_str().unwrap_or_default().to_string()));
                }
            });
        }
        drop(tx);
        let mut acked = Vec::new();
        while let Some(a) = rx.recv().await {
            acked.push(a);
            if acked.len() == 10 {
                server.kill().unwrap(); // SIGKILL
            }
        }
        acked
    });
    let _ = server.wait();
    assert!(acknowledged.len() >= 10, "only {} grants were acknowledged", acknowledged.len());

    // Restart on the same file: every acknowledged label is there, once.
    let (mut server, url) = serve(&db);
    rt.block_on(async {
        for (app, label) in &acknowledged {
            let v: Value =
                client.get(format!("{url}/api/v1/labels/{label}")).send().await.unwrap().json().await.unwrap();
            assert_eq!(v["id"].as_str(), Some(label.as_str()), "acknowledged label {label} of {app} is missing");
        }
    });
    server.kill().unwrap();
    let _ = server.wait();
    rt.block_on(async {
        let store = starmark_registry_sqlite::SqliteStore::open(Path::new(&path)).await.unwrap();
        use starmark_registry::store::Store;
        let events = store.events(0, 1_000_000).await.unwrap();
        assert!(events.windows(2).all(|p| p[0].seq < p[1].seq));
        let (apps_replayed, labels_replayed) = starmark_registry::model::replay(&events).unwrap();
        let mut ids: Vec<String> = labels_replayed.iter().map(|l| l.id.to_string()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), labels_replayed.len(), "a label ID was issued twice");
        for l in &labels_replayed {
            assert_eq!(store.label(l.id).await.unwrap().unwrap().state, *l, "label projection differs from the log");
            let owners = apps_replayed.iter().filter(|a| a.label == Some(l.id)).count();
            assert_eq!(owners, 1, "label {} belongs to {owners} applications", l.id);
        }
        for a in &apps_replayed {
            assert_eq!(
                store.application(&a.id).await.unwrap().unwrap().state,
                *a,
                "application projection differs from the log"
            );
        }
        for (_, label) in &acknowledged {
            assert!(ids.contains(label));
        }
    });
}

/// Two `serve` processes on one PostgreSQL database, granting at once:
/// unique label IDs and no lost events.
#[test]
fn two_serve_processes_on_one_postgres_issue_unique_labels() {
    let base = std::env::var("STARMARK_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let mut b = [0u8; 6];
    getrandom::fill(&mut b).unwrap();
    let schema = format!("t_{}", b.iter().map(|x| format!("{x:02x}")).collect::<String>());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let store = rt
        .block_on(starmark_registry_postgres::PgStore::connect_in_schema(&base, &schema))
        .unwrap_or_else(|e| panic!("PostgreSQL is required and not reachable at {base} ({e}); run `cargo xtask test`"));
    let sep = if base.contains('?') { '&' } else { '?' };
    let db = format!("{base}{sep}options=-c%20search_path%3D{schema}");
    let t = setup(&db);
    // Without a log key, serve refuses to start on PostgreSQL (every server
    // on the database must sign with one shared key, so none is invented).
    let out = Command::new(bin())
        .args(["serve", "--listen", "127.0.0.1:0", "--database-url", &db])
        .env_remove("STARMARK_LOG_KEY_FILE")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("admin key generate"), "{out:?}");
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("log.key");
    let made = Command::new(bin())
        .args(["admin", "key", "generate", "--name", "pg.test.example/log", "--out"])
        .arg(&key)
        .output()
        .unwrap();
    assert!(made.status.success(), "{made:?}");
    let key = key.to_str().unwrap();
    let (mut a, url_a) = serve_with(&db, &["--log-key-file", key]);
    let (mut b_srv, url_b) = serve_with(&db, &["--log-key-file", key]);
    let client = reqwest::Client::new();
    let labels: Vec<String> = rt.block_on(async {
        let apps = cleared_applications(&client, &t, &url_a, &url_b, 20).await;
        let mut tasks = Vec::new();
        for (n, id) in apps.into_iter().enumerate() {
            let url = if n % 2 == 0 { url_a.clone() } else { url_b.clone() };
            let (client, tok) = (client.clone(), t.reviewer.clone());
            tasks.push(tokio::spawn(async move {
                let r = client
                    .post(format!("{url}/api/v1/applications/{id}/grant"))
                    .bearer_auth(&tok)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), reqwest::StatusCode::CREATED);
                r.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string()
            }));
        }
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.unwrap());
        }
        out
    });
    // One log: both servers hold all 20 leaves and sign the same checkpoint.
    let checkpoints: Vec<String> = rt.block_on(async {
        let mut out = Vec::new();
        for url in [&url_a, &url_b] {
            out.push(client.get(format!("{url}/log/checkpoint")).send().await.unwrap().text().await.unwrap());
        }
        out
    });
    assert_eq!(checkpoints[0], checkpoints[1]);
    assert!(checkpoints[0].starts_with("pg.test.example/log\n20\n"), "{}", checkpoints[0]);
    a.kill().unwrap();
    b_srv.kill().unwrap();
    let _ = (a.wait(), b_srv.wait());
    let mut unique = labels.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 20, "duplicate label IDs: {labels:?}");
    rt.block_on(async {
        use starmark_registry::store::Store;
        let events = store.events(0, 100_000).await.unwrap();
        assert!(events.windows(2).all(|p| p[0].seq < p[1].seq));
        let (_, replayed) = starmark_registry::model::replay(&events).unwrap();
        assert_eq!(replayed.len(), 20);
        assert_eq!(events.iter().filter(|e| e.event.kind.name() == "label_granted").count(), 20);
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE"))).execute(store.pool()).await.unwrap();
    });
}

/// `serve --demo`: a throw-away database with marked example labels in every
/// status, real pages at once, working tokens, and nothing left behind.
#[test]
fn serve_demo_shows_every_status_and_cleans_up() {
    // A real database is never seeded.
    let out = Command::new(bin())
        .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--database-url", "sqlite://x.db"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("leave out --database-url"), "{out:?}");

    // A real key, as a systemd credential: the demo must not sign with it.
    let creds = tempfile::tempdir().unwrap();
    let made = Command::new(bin())
        .args(["admin", "key", "generate", "--name", "real.example/log", "--out"])
        .arg(creds.path().join("starmark-log-key"))
        .output()
        .unwrap();
    assert!(made.status.success(), "{made:?}");
    let mut child = Command::new(bin())
        .args(["serve", "--demo", "--listen", "127.0.0.1:0"])
        .env("CREDENTIALS_DIRECTORY", creds.path())
        .env_remove("STARMARK_CATALOG")
        .env_remove("STARMARK_DATABASE_URL")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut banner = Vec::new();
    let url = loop {
        let line = lines.next().unwrap().unwrap();
        if let Some(rest) = line.split("listening on ").nth(1) {
            break rest.split(' ').next().unwrap().to_string();
        }
        banner.push(line);
    };
    std::thread::spawn(move || for _ in lines {});
    let banner = banner.join("\n");
    let db_dir = banner.split("throw-away database ").nth(1).unwrap().split(' ').next().unwrap().to_string();
    let db_dir = Path::new(&db_dir).parent().unwrap().to_path_buf();
    assert!(db_dir.exists(), "{banner}");
    let label_of = |what: &str| {
        banner
            .lines()
            .find(|l| l.ends_with(&format!(": {what}")))
            .and_then(|l| l.split_whitespace().nth(1))
            .map(|s| s.trim_end_matches(':').to_string())
            .unwrap_or_else(|| panic!("no {what} label in {banner}"))
    };
    let vendor_token =
        banner.lines().find(|l| l.contains("API token, vendor")).unwrap().rsplit(' ').next().unwrap().to_string();

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let client = reqwest::Client::new();
        let get = async |path: &str| client.get(format!("{url}{path}")).send().await.unwrap().text().await.unwrap();
        for (what, shows) in [
            ("valid", "<strong>Valid</strong>"),
            ("valid, renewed", "<strong>Valid</strong>"),
            ("expired", "<strong>Label expired</strong>"),
            ("revoked", "<strong>Label revoked</strong>"),
            ("valid, with vulnerability information", "fixed in firmware 1.4.2"),
        ] {
            let page = get(&format!("/labels/{}?lang=en", label_of(what))).await;
            assert!(page.contains(shows), "{what}: {page}");
            assert!(page.contains("[DEMO]"), "{what} is not marked as demo data");
        }
        // The demo's log has a name and a key of its own, made for this run.
        let checkpoint = get("/log/checkpoint").await;
        assert!(checkpoint.starts_with("demo.127.0.0.1:"), "{checkpoint}");
        assert!(!checkpoint.contains("real.example"), "{checkpoint}");
        let renewed = get(&format!("/labels/{}?lang=en", label_of("valid, renewed"))).await;
        assert!(renewed.contains("Renewed on"), "{renewed}");
        let list: Value = serde_json::from_str(&get("/api/v1/labels").await).unwrap();
        assert_eq!(list["total"], 5);
        for l in list["items"].as_array().unwrap() {
            assert!(l["product"]["name"]["en"].as_str().unwrap().starts_with("[DEMO] "), "{l}");
        }
        // The printed vendor token works: it updates its own label's security information.
        let camera = label_of("valid, with vulnerability information");
        let label: Value = serde_json::from_str(&get(&format!("/api/v1/labels/{camera}")).await).unwrap();
        let r = client
            .put(format!("{url}/api/v1/labels/{camera}/security-info"))
            .bearer_auth(&vendor_token)
            .json(&label["security"])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), reqwest::StatusCode::OK, "{}", r.text().await.unwrap());
    });

    let st = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(st.success());
    assert!(child.wait().unwrap().success());
    assert!(!db_dir.exists(), "the demo database was left at {}", db_dir.display());
}
