//! Product page benchmark: `wrk` against the page a label's QR code opens,
//! served by starmark (rendered from the database on every request), and
//! the very same page saved as a static file and served by nginx, with the
//! same wrk parameters in the same run.
//!
//! Run: `cargo bench -p starmark-server --bench product_page -- [--labels N] [--seconds S]`
//! It needs `wrk` and `nginx` (Debian: wrk, nginx-light). All traffic stays
//! on 127.0.0.1; each load run is bounded in time.
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

use std::sync::Arc;

use starmark_checklist::Encoding;
use starmark_criteria::CatalogSet;
use starmark_registry::Registry;
use starmark_registry::auth::{OrgKind, Role};
use starmark_registry::clock::SystemClock;
use starmark_registry::model::InquiryOutcome;
use starmark_registry::store::Store;
use starmark_registry::testkit::EXAMPLE_CHECKLIST;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if !args.iter().any(|a| a == "--bench") {
        eprintln!("product page benchmark: run it with `cargo bench -p starmark-server --bench product_page`");
        return;
    }
    let arg = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let labels: usize = arg("--labels").and_then(|n| n.parse().ok()).unwrap_or(1_000);
    let seconds: u32 = arg("--seconds").and_then(|n| n.parse().ok()).unwrap_or(10).clamp(1, 60);
    let (threads, connections) = (2, 32);

    // The server gets its own two-worker runtime, as `starmark serve` on a
    // two-core machine would.
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> =
        Arc::new(rt.block_on(starmark_registry_sqlite::SqliteStore::open(&dir.path().join("bench.db"))).unwrap());
    let registry = Arc::new(Registry::new(store, Arc::new(CatalogSet::embedded().unwrap()), Arc::new(SystemClock)));
    let t = std::time::Instant::now();
    let label = rt.block_on(async {
        let principal = async |kind, role| {
            let org = registry.add_org(kind, "bench", None).await.unwrap();
            let secret = registry.issue_token(&org.id, role, "bench").await.unwrap();
            registry.authenticate(secret.expose()).await.unwrap()
        };
        let vendor = principal(OrgKind::Vendor, Role::Vendor).await;
        let liaison = principal(OrgKind::SchemeOwner, Role::Liaison).await;
        let reviewer = principal(OrgKind::SchemeOwner, Role::Reviewer).await;
        let mut last = None;
        for _ in 0..labels {
            let app = registry.submit(&vendor, EXAMPLE_CHECKLIST.as_bytes(), Some(Encoding::Toml)).await.unwrap();
            registry.record_inquiry(&liaison, &app.id, InquiryOutcome::Cleared, "").await.unwrap();
            last = Some(registry.grant(&reviewer, &app.id).await.unwrap().id);
        }
        last.unwrap()
    });
    eprintln!("seeded {labels} labels through the service in {:.1}s", t.elapsed().as_secs_f64());

    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let state = starmark_server::AppState { registry, public_base_url: base.clone() };
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    rt.spawn(starmark_server::serve(listener, state, async move {
        let _ = rx.await;
    }));
    let path = format!("/labels/{label}");
    let page = rt.block_on(async { reqwest::get(format!("{base}{path}")).await.unwrap().text().await.unwrap() });
    assert!(page.contains("<html lang=\"ja\">"), "not the product page: {page}");

    // nginx serves the identical bytes from a file at the same path.
    let nginx_root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(nginx_root.path().join("www/labels")).unwrap();
    std::fs::create_dir_all(nginx_root.path().join("tmp")).unwrap();
    std::fs::write(nginx_root.path().join(format!("www{path}")), &page).unwrap();
    let (mut nginx, nginx_base) = common::nginx_serve("text/html", nginx_root.path());

    // Warm-up, then measure each in turn with the same parameters.
    common::wrk(&format!("{base}{path}"), threads, connections, 1);
    common::wrk(&format!("{nginx_base}{path}"), threads, connections, 1);
    let ours = common::wrk(&format!("{base}{path}"), threads, connections, seconds);
    let peer = common::wrk(&format!("{nginx_base}{path}"), threads, connections, seconds);
    let _ = nginx.kill();
    let _ = nginx.wait();
    drop(tx);
    assert_eq!(ours.errors, 0, "starmark answered with errors: {ours:?}");
    assert_eq!(peer.errors, 0, "nginx answered with errors: {peer:?}");

    println!(
        "\n| server | labels | page bytes | wrk | requests/s | p50 | p99 | requests |\n|---|---|---|---|---|---|---|---|"
    );
    for (name, r) in [("starmark (rendered per request)", ours), ("nginx (same bytes, static file)", peer)] {
        println!(
            "| {name} | {labels} | {} | -t{threads} -c{connections} -d{seconds}s | {:.0} | {:.2} ms | {:.2} ms | {} |",
            page.len(),
            r.rps,
            r.p50_ms,
            r.p99_ms,
            r.requests
        );
    }
    println!(
        "\nratio starmark/nginx: requests/s {:.2} (target >= 0.5), p99 {:.2}",
        ours.rps / peer.rps,
        ours.p99_ms / peer.p99_ms
    );
}
