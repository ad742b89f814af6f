//! The TLS versions the hand-built ClientHellos find accepted equal what
//! sslscan (Debian sslscan, a tool no one here wrote) reports for the same
//! service: lighttpd over TLS 1.2+ on the hardened test device.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

use std::net::SocketAddr;
use std::time::Duration;

use starmark_probe::tls::{VersionResult, versions};
use starmark_testbed::Profile;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accepted_tls_versions_equal_sslscan() {
    let mut p = Profile::hardened().unwrap_or_else(|e| panic!("the hardened test device cannot run here: {e}"));
    let addr = p.device.addr;
    let ours = versions(SocketAddr::new(addr, 443), Duration::from_secs(5)).await;
    p.check_running().unwrap();
    let accepted: Vec<&str> =
        ours.iter().filter(|(_, r)| matches!(r, VersionResult::Accepted { .. })).map(|(n, _)| *n).collect();
    assert_eq!(accepted, vec!["TLSv1.2", "TLSv1.3"], "{ours:?}");
    assert!(!ours.iter().any(|(_, r)| matches!(r, VersionResult::Inconclusive { .. })), "{ours:?}");

    let out = tokio::process::Command::new("sslscan")
        .args([
            "--no-colour",
            "--no-ciphersuites",
            "--no-fallback",
            "--no-renegotiation",
            "--no-compression",
            "--no-heartbleed",
            "--no-groups",
        ])
        .arg(format!("{addr}:443"))
        .output()
        .await
        .unwrap_or_else(|e| panic!("sslscan is required (Debian sslscan; `cargo xtask test` installs it): {e}"));
    let text = String::from_utf8_lossy(&out.stdout);
    let theirs: Vec<&str> = text
        .lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let (name, state) = (f.next()?, f.next()?);
            (name.starts_with("TLSv1") && state == "enabled").then_some(name)
        })
        .collect();
    assert_eq!(accepted, theirs, "sslscan said:\n{text}");
}
