//! The storage test story on PostgreSQL. Each scenario gets its own schema
//! in the database named by `STARMARK_TEST_POSTGRES_URL` (default: the
//! local server's `test` database). If the server is unreachable these
//! tests FAIL: `cargo xtask test` starts it; they are never skipped.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests")]

use std::sync::Arc;

use starmark_registry::store::Store;
use starmark_registry::testkit;
use starmark_registry_postgres::PgStore;

fn url() -> String {
    std::env::var("STARMARK_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A store in a new schema; the schema is dropped when the scenario passes.
async fn fresh() -> PgStore {
    fresh_named().await.1
}

async fn fresh_named() -> (String, PgStore) {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).unwrap();
    let schema = format!("t_{}", b.iter().map(|x| format!("{x:02x}")).collect::<String>());
    match PgStore::connect_in_schema(&url(), &schema).await {
        Ok(s) => (schema, s),
        Err(e) => panic!(
            "PostgreSQL is required for these tests and is not reachable at {} ({e}). \
             Run `cargo xtask test`, which starts it, or set STARMARK_TEST_POSTGRES_URL.",
            url()
        ),
    }
}

async fn drop_schema(store: &PgStore, schema: &str) {
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE"))).execute(store.pool()).await.unwrap();
}

macro_rules! story {
    ($($name:ident),* $(,)?) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn $name() {
            let (schema, store) = fresh_named().await;
            testkit::$name(Arc::new(store.clone())).await;
            drop_schema(&store, &schema).await;
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
    let s = fresh().await;
    let w = testkit::World::new(Arc::new(s.clone())).await;
    w.registry.submit(&w.vendor, testkit::EXAMPLE_CHECKLIST.as_bytes(), None).await.unwrap();
    let id = w.cleared_application(testkit::EXAMPLE_CHECKLIST).await;
    w.registry.grant(&w.reviewer, &id).await.unwrap();
    for sql in [
        "UPDATE events SET kind = 'x'",
        "DELETE FROM events",
        "TRUNCATE events CASCADE",
        "UPDATE log_entries SET leaf = 'x'",
        "DELETE FROM log_entries",
        "TRUNCATE log_entries",
        "DELETE FROM log_keys",
        "TRUNCATE log_keys",
    ] {
        let e = sqlx::query(sql).execute(s.pool()).await.unwrap_err();
        assert!(e.to_string().contains("append-only"), "{sql}: {e}");
    }
}

/// Two independent stores (as two `serve` processes would have) issuing
/// labels at once: unique IDs, no lost events.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_on_one_database_issue_unique_labels() {
    let a = fresh().await;
    let w = Arc::new(testkit::World::new(Arc::new(a.clone())).await);
    let mut apps = Vec::new();
    for _ in 0..12 {
        apps.push(w.cleared_application(testkit::EXAMPLE_CHECKLIST).await);
    }
    // A second pool on the same schema: a second registry instance.
    let b_store: Arc<dyn Store> = Arc::new(a.second_instance().await.unwrap());
    let b = starmark_registry::Registry::new(
        b_store,
        Arc::new(starmark_criteria::CatalogSet::embedded().unwrap()),
        w.clock.clone(),
    )
    .with_log_key(testkit::test_log_key());
    let mut tasks = Vec::new();
    for (n, id) in apps.into_iter().enumerate() {
        let w = w.clone();
        let b = b.clone();
        tasks.push(tokio::spawn(async move {
            if n % 2 == 0 { w.registry.grant(&w.reviewer, &id).await } else { b.grant(&w.reviewer, &id).await }
        }));
    }
    let mut ids = Vec::new();
    for t in tasks {
        ids.push(t.await.unwrap().unwrap().id.to_string());
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 12);
    let events = a.events(0, 10_000).await.unwrap();
    assert!(events.windows(2).all(|p| p[0].seq < p[1].seq));
    assert_eq!(events.iter().filter(|e| e.event.kind.name() == "label_granted").count(), 12);
    // One log, in commit order, whichever instance appended: both see the
    // same 12 leaves and sign the same checkpoint.
    assert_eq!(w.registry.log_size().await.unwrap(), 12);
    assert_eq!(b.log_size().await.unwrap(), 12);
    let (ca, cb) = (w.registry.log().unwrap().checkpoint(12).unwrap(), b.log().unwrap().checkpoint(12).unwrap());
    assert_eq!(ca, cb);
    let leaves = a.log_entries(0, 100).await.unwrap();
    let label_events: Vec<String> =
        events.iter().filter(|e| e.event.kind.name() == "label_granted").map(|e| e.event.subject.id()).collect();
    assert_eq!(
        leaves.iter().map(|l| l.label.to_string()).collect::<Vec<_>>(),
        label_events,
        "log order is commit order"
    );
    assert_eq!(leaves.iter().map(|l| l.index).collect::<Vec<_>>(), (0..12).collect::<Vec<_>>());
}
