//! A running registry's transparency log checked over HTTP by an
//! implementation not written here: Go's `golang.org/x/mod/sumdb/note` and
//! `sumdb/tlog`, built offline from Debian's `golang-go` and
//! `golang-golang-x-mod-dev` (`cargo xtask test` installs both; this test
//! fails rather than skips without them). Go reads the checkpoint, the key
//! history, every C2SP `tlog-tiles` hash tile and entry bundle, and the
//! API's inclusion and consistency proofs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use jiff::civil::date;
use starmark_criteria::{CatalogSet, Level, VersionRef};
use starmark_registry::Registry;
use starmark_registry::auth::Actor;
use starmark_registry::clock::ManualClock;
use starmark_registry::event::{Event, EventKind, NewEvent, Subject};
use starmark_registry::label_id::LabelId;
use starmark_registry::model::{PublicRecord, apply_label};
use starmark_registry::store::{Commit, Store, Write};
use starmark_registry::testkit::{EXAMPLE_CHECKLIST, test_log_key};
use starmark_registry::transparency::LogView;
use starmark_server::AppState;

#[path = "../../tlog/tests/go/build.rs"]
mod build;

/// Grants `n` labels straight through the store, each with its signed leaf.
async fn seed(store: &Arc<dyn Store>, n: u32) {
    let checklist = starmark_checklist::parse(EXAMPLE_CHECKLIST.as_bytes(), None).unwrap().checklist;
    let log = LogView::new(test_log_key());
    let mut commit = Commit::default();
    for i in 1..=n {
        let id = LabelId::new(Level::Star1, 2026, i);
        let mut public = PublicRecord::from_checklist(&checklist);
        public.model_numbers = vec![format!("GO-{i:04}")];
        let ev = NewEvent {
            at: jiff::Timestamp::now(),
            actor: Actor::system(),
            subject: Subject::Label(id),
            reason: None,
            kind: EventKind::LabelGranted {
                application: format!("app_{i}"),
                vendor: "org".into(),
                level: Level::Star1,
                criteria: VersionRef { catalog: "star-1".into(), version: "1.1".into() },
                category: None,
                issued_on: date(2026, 6, 1),
                expires_on: date(2028, 5, 31),
                public,
                report: None,
                status_list_index: Some(u64::from(i)),
            },
        };
        let state = apply_label(None, &Event { seq: 0, event: ev.clone() }).unwrap();
        commit.log.push(log.append(commit.events.len(), &ev, &state).unwrap());
        commit.events.push(ev);
        commit.labels.push(Write { state, expected: None });
    }
    store.commit(commit).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn go_checks_the_served_log_tiles_and_proofs() {
    let dir = tempfile::tempdir().unwrap();
    let verifier = build::go_build(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/go/registry_log.go"), dir.path());
    let store: Arc<dyn Store> =
        Arc::new(starmark_registry_sqlite::SqliteStore::open(&dir.path().join("db")).await.unwrap());
    // 600 leaves: two full level-0 tiles, a partial one, a partial level-1 tile.
    seed(&store, 600).await;
    let clock = Arc::new(ManualClock::at_date(date(2026, 11, 27)));
    let registry = Registry::new(store, Arc::new(CatalogSet::embedded().unwrap()), clock).with_log_key(test_log_key());
    registry.publish_log_key().await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(starmark_server::serve(listener, AppState::new(Arc::new(registry), base.clone()), async move {
        let _ = rx.await;
    }));

    let run = |vkey: String, old: &str| {
        let (verifier, base, old) = (verifier.clone(), base.clone(), old.to_string());
        tokio::task::spawn_blocking(move || {
            let o = Command::new(&verifier).args([&base, &vkey, &old]).output().unwrap();
            (o.status.success(), String::from_utf8_lossy(&o.stdout).into_owned())
        })
    };
    let (ok, out) = run(test_log_key().verifier_key(), "300").await.unwrap();
    assert!(ok, "{out}");
    assert_eq!(out.trim(), "ok 600 entries, 600 inclusion proofs, consistency from 300");
    // Go's CheckTree starts from a non-empty tree: the smallest old size is 1.
    let (ok, out) = run(test_log_key().verifier_key(), "1").await.unwrap();
    assert!(ok, "{out}");

    // The same checks against another key of the same name fail at once.
    let other = starmark_tlog::note::Signer::new(
        "registry.test.example/log",
        starmark_tlog::note::SigningKey::from_bytes(&[7; 32]),
    )
    .unwrap();
    let (ok, out) = run(other.verifier_key(), "300").await.unwrap();
    assert!(!ok);
    assert!(out.starts_with("checkpoint:"), "{out}");
    let _ = tx.send(());
}
