//! Product page benchmark: `wrk` against the page a label's QR code opens,
//! served by starmark (read from the database and rendered, then kept in
//! memory for a few seconds), and the very same pages saved as static files
//! and served by nginx, with the same wrk parameters in the same run: once
//! for one label (many people scanning one product's QR code), once for
//! every label at random (a Lua script, same seed for both).
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
    let registry = Arc::new(
        Registry::new(store, Arc::new(CatalogSet::embedded().unwrap()), Arc::new(SystemClock))
            .with_log_key(starmark_registry::testkit::test_log_key()),
    );
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
        let mut all = Vec::new();
        for _ in 0..labels {
            let app = registry.submit(&vendor, EXAMPLE_CHECKLIST.as_bytes(), Some(Encoding::Toml)).await.unwrap();
            registry.record_inquiry(&liaison, &app.id, InquiryOutcome::Cleared, "").await.unwrap();
            all.push(registry.grant(&reviewer, &app.id).await.unwrap().id);
        }
        all
    });
    let all: Vec<String> = label.iter().map(|l| format!("/labels/{l}")).collect();
    let label = label.last().copied().unwrap();
    eprintln!("seeded {labels} labels through the service in {:.1}s", t.elapsed().as_secs_f64());

    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let state = starmark_server::AppState::new(registry, base.clone());
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
    // Every page, for the "many labels at random" run.
    rt.block_on(async {
        let client = reqwest::Client::new();
        for p in &all {
            let body = client.get(format!("{base}{p}")).send().await.unwrap().bytes().await.unwrap();
            std::fs::write(nginx_root.path().join(format!("www{p}")), &body).unwrap();
        }
    });
    std::fs::write(nginx_root.path().join(format!("www{path}")), &page).unwrap();
    let script = nginx_root.path().join("random.lua");
    std::fs::write(
        &script,
        format!(
            "local paths = {{{}}}\nmath.randomseed(42)\nrequest = function() return wrk.format(nil, paths[math.random(#paths)]) end\n",
            all.iter().map(|p| format!("\"{p}\"")).collect::<Vec<_>>().join(",")
        ),
    )
    .unwrap();
    let (mut nginx, nginx_base) = common::nginx_serve("text/html", nginx_root.path());

    // Warm-up, then measure each in turn with the same parameters.
    common::wrk(&format!("{base}{path}"), threads, connections, 1, None);
    common::wrk(&format!("{nginx_base}{path}"), threads, connections, 1, None);
    // Let the warm-up's pages expire, so the random run starts cold.
    std::thread::sleep(std::time::Duration::from_secs(6));
    let runs = [("one label (a QR-code scan storm)", None), ("all labels at random", Some(script.as_path()))];
    let mut rows = Vec::new();
    for (what, lua) in runs {
        let ours = common::wrk(&format!("{base}{path}"), threads, connections, seconds, lua);
        let peer = common::wrk(&format!("{nginx_base}{path}"), threads, connections, seconds, lua);
        assert_eq!(ours.errors, 0, "starmark answered with errors: {ours:?}");
        assert_eq!(peer.errors, 0, "nginx answered with errors: {peer:?}");
        rows.push((what, ours, peer));
    }
    let _ = nginx.kill();
    let _ = nginx.wait();
    drop(tx);

    println!(
        "\n| pages requested | server | labels | page bytes | wrk | requests/s | p50 | p99 | ratio starmark/nginx (req/s) |\n|---|---|---|---|---|---|---|---|---|"
    );
    for (what, ours, peer) in rows {
        for (name, r) in [("starmark", ours), ("nginx (same bytes, static files)", peer)] {
            println!(
                "| {what} | {name} | {labels} | {} | -t{threads} -c{connections} -d{seconds}s | {:.0} | {:.2} ms | {:.2} ms | {} |",
                page.len(),
                r.rps,
                r.p50_ms,
                r.p99_ms,
                if name == "starmark" { format!("{:.2}", ours.rps / peer.rps) } else { String::new() },
            );
        }
    }
}
