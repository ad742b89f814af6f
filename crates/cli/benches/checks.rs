//! Protocol-check benchmark on the weak test device (real Debian daemons
//! in a network namespace), each starmark run against the tool an
//! evaluator would otherwise reach for, in the same run, on the same
//! services:
//!
//! - TLS (443): `starmark scan -p 443 --checks tls` (versions, every
//!   accepted suite per version, certificate) vs `sslscan` (the same, plus
//!   its own extras);
//! - SSH (22): `starmark scan -p 22 --checks ssh` (algorithms, weak ones,
//!   login methods) vs `ssh-audit`;
//! - every service: `starmark scan` with all checks on the device's open
//!   ports vs `nmap -sV` with the NSE scripts for the same questions
//!   (ssl-enum-ciphers, ssh2-enum-algos, ssh-auth-methods, http-headers,
//!   http-auth, ftp-anon, mqtt-subscribe, snmp-info, upnp-info,
//!   coap-resources) on the same ports.
//!
//! Each pair runs `--rounds` times (default 3), alternating; the median
//! wall time and the ratio are printed. Run as root:
//! `cargo bench -p starmark-cli --bench checks -- [--rounds N]`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "benchmark program"
)]

use std::process::Command;
use std::time::{Duration, Instant};

use starmark_testbed::Profile;

fn run(program: &str, args: &[&str]) -> (Duration, String) {
    let start = Instant::now();
    let out = Command::new(program).args(args).output().unwrap_or_else(|e| panic!("{program} is required: {e}"));
    (start.elapsed(), String::from_utf8_lossy(&out.stdout).to_string())
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn compare(name: &str, rounds: usize, ours: &[&str], peer: (&str, &[&str]), check: &dyn Fn(&str)) {
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let (t, out) = run(env!("CARGO_BIN_EXE_starmark"), ours);
        check(&out);
        a.push(t);
        b.push(run(peer.0, peer.1).0);
    }
    let (a, b) = (median(a), median(b));
    println!(
        "{name:<28} starmark {:>7.2} s   {:<10} {:>7.2} s   ratio {:.2}",
        a.as_secs_f64(),
        peer.0,
        b.as_secs_f64(),
        a.as_secs_f64() / b.as_secs_f64()
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // `cargo test --all-targets` runs benchmark programs without --bench.
    if !args.iter().any(|a| a == "--bench") {
        eprintln!("checks benchmark: run it with `cargo bench -p starmark-cli --bench checks` (as root)");
        return;
    }
    let rounds = args
        .iter()
        .position(|a| a == "--rounds")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(3usize);
    let mut p = Profile::weak().unwrap_or_else(|e| panic!("the weak test device cannot run here: {e}"));
    let addr = p.device.addr.to_string();
    let completed = |out: &str| {
        let v: serde_json::Value = serde_json::from_str(out).unwrap_or_else(|e| panic!("{e}: {out}"));
        for c in v["checks"].as_array().unwrap() {
            assert_eq!(c["status"], "completed", "{c:#}");
        }
    };
    println!("weak test device at {addr}; median of {rounds} rounds");
    compare(
        "TLS versions+suites+cert",
        rounds,
        &["scan", &addr, "-p", "443", "--checks", "tls", "--json"],
        ("sslscan", &["--no-colour", &format!("{addr}:443")]),
        &completed,
    );
    compare(
        "SSH algorithms+methods",
        rounds,
        &["scan", &addr, "-p", "22", "--checks", "ssh", "--json"],
        ("ssh-audit", &["-j", &addr]),
        &completed,
    );
    let tcp: Vec<String> = p.tcp.iter().map(u16::to_string).collect();
    let udp: Vec<String> = p.udp.iter().map(u16::to_string).collect();
    let ports = format!("{},U:{}", tcp.join(","), udp.join(","));
    let nmap_ports = format!("T:{},U:{}", tcp.join(","), udp.join(","));
    let scripts = "ssl-enum-ciphers,ssh2-enum-algos,ssh-auth-methods,http-headers,http-auth,ftp-anon,\
                   mqtt-subscribe,snmp-info,upnp-info,coap-resources";
    compare(
        "every service, every check",
        rounds,
        &["scan", &addr, "-p", &ports, "--json", "--login-pace", "500ms"],
        ("nmap", &["-sT", "-sU", "-sV", "-Pn", "-n", "-T4", "-p", &nmap_ports, "--script", scripts, &addr]),
        &completed,
    );
    p.check_running().unwrap();
}
