//! Transparency-log benchmark: appending 1,000,000 entries, then the root,
//! inclusion proofs and consistency proofs at that size — against Go's
//! `golang.org/x/mod/sumdb/tlog` (the Go checksum database's log, built
//! offline from Debian's sources) doing the same with the same entries and
//! the same pseudo-random indexes. Both must give the same root.
//!
//! `cargo bench -p starmark-tlog --bench proofs -- [--entries N] [--iterations N]`
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "benchmark program"
)]

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use base64::Engine;

#[path = "../tests/go/build.rs"]
mod build;
use starmark_tlog::merkle::{Tree, leaf_hash, verify_consistency, verify_inclusion};

fn arg(args: &[String], name: &str, default: u64) -> u64 {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|n| n.parse().ok()).unwrap_or(default)
}

/// The same LCG as the Go side.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 11
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if !args.iter().any(|a| a == "--bench") {
        return; // `cargo test` runs benches without --bench: nothing to do.
    }
    let n = arg(&args, "--entries", 1_000_000);
    let iters = arg(&args, "--iterations", 10_000);

    // starmark
    let start = Instant::now();
    let mut t = Tree::new();
    for i in 0..n {
        t.push(leaf_hash(&i.to_be_bytes()));
    }
    let append_ms = start.elapsed().as_secs_f64() * 1000.0;
    let start = Instant::now();
    let root = t.root(n).unwrap();
    let root_us = start.elapsed().as_secs_f64() * 1e6;
    let mut rng = Lcg(12345);
    let start = Instant::now();
    let mut proofs = Vec::new();
    for _ in 0..iters {
        let i = rng.next() % n;
        proofs.push((i, t.inclusion_proof(i, n).unwrap()));
    }
    let incl_us = start.elapsed().as_secs_f64() * 1e6 / iters as f64;
    let start = Instant::now();
    let mut cons = Vec::new();
    for _ in 0..iters {
        let old = rng.next() % n + 1;
        cons.push((old, t.consistency_proof(old, n).unwrap()));
    }
    let cons_us = start.elapsed().as_secs_f64() * 1e6 / iters as f64;
    // Every proof made must verify (outside the timing).
    for (i, p) in proofs.iter().take(1000) {
        verify_inclusion(*i, n, &leaf_hash(&i.to_be_bytes()), p, &root).unwrap();
    }
    for (old, p) in cons.iter().take(1000) {
        verify_consistency(*old, n, &t.root(*old).unwrap(), &root, p).unwrap();
    }

    // Go
    let dir = tempfile::tempdir().unwrap();
    let bin = build::go_build(&Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/go/bench.go"), dir.path());
    let o = Command::new(&bin).arg(n.to_string()).arg(iters.to_string()).output().unwrap();
    assert!(o.status.success(), "go bench: {}", String::from_utf8_lossy(&o.stderr));
    let go: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let b64 = base64::engine::general_purpose::STANDARD.encode(root);
    assert_eq!(go["root"].as_str(), Some(b64.as_str()), "Go and starmark disagree on the root");
    let f = |k: &str| go[k].as_f64().unwrap();

    println!("transparency log, {n} entries, {iters} proofs of each kind (means), root {b64}");
    println!("{:<28} {:>14} {:>14} {:>8}", "", "starmark", "Go sumdb/tlog", "Go/ours");
    for (what, ours, theirs) in [
        ("append all (ms)", append_ms, f("append_ms")),
        ("root at full size (µs)", root_us, f("root_us")),
        ("inclusion proof (µs)", incl_us, f("inclusion_us")),
        ("consistency proof (µs)", cons_us, f("consistency_us")),
    ] {
        println!("{what:<28} {ours:>14.2} {theirs:>14.2} {:>8.2}", theirs / ours);
    }
}
