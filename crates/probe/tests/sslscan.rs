//! The TLS versions and cipher suites the hand-built ClientHellos find
//! accepted equal what sslscan (Debian sslscan, a tool no one here wrote)
//! reports for the same services: lighttpd over TLS 1.2+ on the hardened
//! test device, and over TLS 1.0+ with every OpenSSL suite on the weak one.
//! sslscan names suites the OpenSSL way; `openssl ciphers -stdname` (also
//! not ours) maps them to IANA names.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::time::Duration;

use starmark_probe::tls::{VersionResult, survey};
use starmark_testbed::Profile;

/// OpenSSL suite name → IANA name.
fn openssl_to_iana() -> BTreeMap<String, String> {
    let out = std::process::Command::new("openssl")
        .args(["ciphers", "-V", "-stdname", "ALL:COMPLEMENTOFALL:@SECLEVEL=0"])
        .output()
        .unwrap_or_else(|e| panic!("openssl is required (Debian openssl): {e}"));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(" - ").map(str::trim).collect();
            let iana = f.get(1)?;
            let openssl = f.get(2)?.split_whitespace().next()?;
            Some((openssl.to_string(), (*iana).to_string()))
        })
        .collect()
}

/// sslscan's accepted versions and, per version, suites (IANA names).
async fn sslscan(addr: SocketAddr) -> (Vec<String>, BTreeMap<String, BTreeSet<String>>, String) {
    let out = tokio::process::Command::new("sslscan")
        .args([
            "--no-colour",
            "--no-fallback",
            "--no-renegotiation",
            "--no-compression",
            "--no-heartbleed",
            "--no-groups",
            "--no-check-certificate",
        ])
        .arg(addr.to_string())
        .output()
        .await
        .unwrap_or_else(|e| panic!("sslscan is required (Debian sslscan; `cargo xtask test` installs it): {e}"));
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let names = openssl_to_iana();
    let mut versions = Vec::new();
    let mut suites: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for l in text.lines() {
        let f: Vec<&str> = l.split_whitespace().collect();
        match f.as_slice() {
            [name, "enabled", ..] if name.starts_with("TLSv1") || name.starts_with("SSLv3") => {
                versions.push((*name).to_string());
            }
            ["Accepted" | "Preferred", version, _, "bits", suite, ..] => {
                let iana = names.get(*suite).cloned().unwrap_or_else(|| panic!("openssl does not know {suite}"));
                suites.entry((*version).to_string()).or_default().insert(iana);
            }
            _ => {}
        }
    }
    (versions, suites, text)
}

async fn compare(p: &mut Profile, want_versions: &[&str]) {
    let addr = SocketAddr::new(p.device.addr, 443);
    let ours = survey(addr, Duration::from_secs(5)).await;
    p.check_running().unwrap();
    assert!(ours.unknown.is_empty(), "{ours:?}");
    let accepted: Vec<String> = ours
        .versions
        .iter()
        .filter(|(_, r)| matches!(r, VersionResult::Accepted { .. }))
        .map(|(n, _)| (*n).to_string())
        .collect();
    assert_eq!(accepted, want_versions, "{ours:?}");
    assert!(!ours.versions.iter().any(|(_, r)| matches!(r, VersionResult::Inconclusive { .. })), "{ours:?}");

    let (versions, suites, text) = sslscan(addr).await;
    assert_eq!(accepted, versions, "versions; sslscan said:\n{text}");
    let ours_suites: BTreeMap<String, BTreeSet<String>> =
        ours.suites.iter().map(|(v, s)| ((*v).to_string(), s.iter().cloned().collect())).collect();
    assert_eq!(ours_suites, suites, "cipher suites; sslscan said:\n{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accepted_tls_versions_and_suites_equal_sslscan() {
    let mut hardened = Profile::hardened().unwrap_or_else(|e| panic!("the hardened test device cannot run here: {e}"));
    compare(&mut hardened, &["TLSv1.2", "TLSv1.3"]).await;
    // The TLS 1.3 handshake (rustls) shows the same certificate as the
    // cleartext TLS 1.2 one.
    let addr = SocketAddr::new(hardened.device.addr, 443);
    let ours = survey(addr, Duration::from_secs(5)).await;
    let chain = starmark_probe::tls::chain_tls13(addr, Duration::from_secs(5)).await.unwrap();
    let leaf = starmark_probe::tls::cert_info(&chain[0], chain.len()).unwrap();
    assert_eq!(Some(leaf), ours.certificate);
    drop(hardened);

    let mut weak = Profile::weak().unwrap_or_else(|e| panic!("the weak test device cannot run here: {e}"));
    compare(&mut weak, &["TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"]).await;
}
