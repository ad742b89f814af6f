//! The storage test story on SQLite, each scenario on a fresh database file.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests")]

use std::sync::Arc;

use starmark_registry::store::Store;
use starmark_registry::testkit;
use starmark_registry_sqlite::SqliteStore;

async fn fresh() -> (tempfile::TempDir, Arc<dyn Store>) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("starmark.db")).await.unwrap();
    (dir, Arc::new(store))
}

macro_rules! story {
    ($($name:ident),* $(,)?) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn $name() {
            let (_dir, store) = fresh().await;
            testkit::$name(store).await;
        }
    )*};
}

story!(
    store_basics,
    lifecycle,
    expiry_and_renewal,
    concurrent_grants,
    authorization,
    bad_input_writes_nothing,
    idempotency,
    third_party_certification,
    criteria_revision,
    procurement_finds_exact_models,
    transparency_log
);

#[tokio::test]
async fn the_log_is_append_only_in_the_database_itself() {
    let (_dir, store) = fresh().await;
    let s = SqliteStore::open(&_dir.path().join("starmark.db")).await.unwrap();
    testkit::bad_input_writes_nothing(store).await;
    let w = testkit::World::new(Arc::new(s.clone())).await;
    w.registry.submit(&w.vendor, testkit::EXAMPLE_CHECKLIST.as_bytes(), None).await.unwrap();
    let upd = sqlx::query("UPDATE events SET kind = 'x'").execute(s.pool()).await;
    assert!(upd.unwrap_err().to_string().contains("append-only"));
    let del = sqlx::query("DELETE FROM events").execute(s.pool()).await;
    assert!(del.unwrap_err().to_string().contains("append-only"));
    let id = w.cleared_application(testkit::EXAMPLE_CHECKLIST).await;
    w.registry.grant(&w.reviewer, &id).await.unwrap();
    for sql in ["UPDATE log_entries SET leaf = 'x'", "DELETE FROM log_entries", "DELETE FROM log_keys"] {
        let e = sqlx::query(sql).execute(s.pool()).await.unwrap_err();
        assert!(e.to_string().contains("append-only"), "{sql}: {e}");
    }
}

#[tokio::test]
async fn reopening_keeps_everything_and_migrations_are_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("starmark.db");
    let label = {
        let w = testkit::World::new(Arc::new(SqliteStore::open(&path).await.unwrap())).await;
        let id = w.cleared_application(testkit::EXAMPLE_CHECKLIST).await;
        w.registry.grant(&w.reviewer, &id).await.unwrap().id
    };
    let store = SqliteStore::open(&path).await.unwrap();
    assert_eq!(store.label(label).await.unwrap().unwrap().state.id, label);
    let url = format!("sqlite://{}", path.display());
    SqliteStore::connect(&url).await.unwrap().health().await.unwrap();
}
