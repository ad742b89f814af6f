//! Scan benchmark: a full TCP scan (ports 1-65535) of a test device behind
//! a 20 ms round trip, by `starmark scan` and by `nmap -sT -p- -T4`, in the
//! same run, on the same device; once with the device answering every
//! probe, once with it rate-limiting its TCP resets. Reports wall time,
//! the ratio, peak memory (GNU time's maximum resident set size) and
//! whether the open-port sets are identical.
//!
//! Run (as root: it creates a network namespace):
//! `cargo bench -p starmark-cli --bench scan -- [--rst-limit N] [--delay-ms N]`
//! Needs nmap, iptables, iproute2 and GNU time (Debian nmap iptables
//! iproute2 time). Traffic goes only into the namespace it creates.
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

use starmark_testbed::Device;

const OPEN: [u16; 6] = [22, 80, 443, 1883, 8080, 49152];

struct Run {
    wall: Duration,
    peak_kib: Option<u64>,
    open: Vec<u16>,
    closed: u64,
    /// Filtered, or (starmark) inconclusive: no definite answer.
    unanswered: u64,
}

/// Runs `cmd` under GNU time; returns wall time, peak RSS and stdout.
fn timed(program: &str, args: &[&str]) -> (Duration, Option<u64>, String) {
    let dir = tempfile::tempdir().unwrap();
    let rss = dir.path().join("rss");
    let start = Instant::now();
    let out = Command::new("/usr/bin/time")
        .args(["-f", "%M", "-o", rss.to_str().unwrap(), program])
        .args(args)
        .output()
        .expect("GNU time is required (apt-get install time)");
    let wall = start.elapsed();
    let peak = std::fs::read_to_string(&rss).ok().and_then(|s| s.lines().last()?.trim().parse().ok());
    (wall, peak, String::from_utf8_lossy(&out.stdout).to_string())
}

fn starmark(addr: &str) -> Run {
    let (wall, peak_kib, out) =
        timed(env!("CARGO_BIN_EXE_starmark"), &["scan", addr, "-p", "1-65535", "--no-identify", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(v["complete"], true, "starmark's scan was incomplete: {v:#}");
    let open = v["tcp"]["open"].as_array().unwrap().iter().map(|p| p["port"].as_u64().unwrap() as u16).collect();
    let c = &v["tcp"]["counts"];
    let n = |k: &str| c[k].as_u64().unwrap();
    Run { wall, peak_kib, open, closed: n("closed"), unanswered: n("filtered") + n("inconclusive") }
}

fn nmap(addr: &str) -> Run {
    let (wall, peak_kib, out) = timed("nmap", &["-sT", "-Pn", "-n", "-T4", "-p-", addr]);
    // "22/tcp open ssh" lines, and "Not shown: 34567 closed tcp ports
    // (conn-refused), 30962 filtered tcp ports (no-response)".
    let (mut open, mut closed, mut unanswered) = (Vec::new(), 0u64, 0u64);
    for line in out.lines() {
        let mut f = line.split_whitespace();
        if let (Some(port), Some(state)) = (f.next(), f.next())
            && let Some(p) = port.strip_suffix("/tcp").and_then(|p| p.parse::<u16>().ok())
        {
            match state {
                "open" => open.push(p),
                "closed" => closed += 1,
                _ => unanswered += 1,
            }
        }
        if let Some(rest) = line.strip_prefix("Not shown: ") {
            for part in rest.split(", ") {
                let mut w = part.split_whitespace();
                let (Some(n), Some(state)) = (w.next().and_then(|n| n.parse::<u64>().ok()), w.next()) else { continue };
                if state == "closed" { closed += n } else { unanswered += n }
            }
        }
        // Every port in one state: "All 65535 scanned ports ... are in ignored states."
        if line.starts_with("All 65535 scanned ports") {
            if line.contains("closed") { closed += 65535 } else { unanswered += 65535 }
        }
    }
    open.sort_unstable();
    Run { wall, peak_kib, open, closed, unanswered }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if !args.iter().any(|a| a == "--bench") {
        eprintln!("scan benchmark: run it with `cargo bench -p starmark-cli --bench scan` (as root)");
        return;
    }
    let arg = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let delay = Duration::from_millis(arg("--delay-ms").and_then(|n| n.parse().ok()).unwrap_or(20));
    let rst_limit: u32 = arg("--rst-limit").and_then(|n| n.parse().ok()).unwrap_or(1000);

    println!(
        "\n| device | round trip | tool | wall time | peak memory | open ports | closed | no definite answer | same open ports | wall-time ratio (starmark/nmap) |\n|---|---|---|---|---|---|---|---|---|---|"
    );
    for limited in [false, true] {
        let d = Device::new().unwrap_or_else(|e| panic!("the testbed cannot run here: {e}"));
        for p in OPEN {
            let l = d.listen_tcp(p).unwrap();
            std::thread::spawn(move || {
                for s in l.incoming() {
                    drop(s);
                }
            });
        }
        if limited {
            d.limit_resets(rst_limit).unwrap();
        }
        let _link = d.impair(delay, 0.0).unwrap();
        let addr = d.addr.to_string();
        let ours = starmark(&addr);
        let peer = nmap(&addr);
        let device =
            if limited { format!("resets limited to {rst_limit}/s") } else { "answers every probe".to_string() };
        let same = ours.open == peer.open && ours.open == OPEN.to_vec();
        for (tool, r) in [("starmark scan", &ours), ("nmap -sT -p- -T4", &peer)] {
            println!(
                "| {device} | {} ms | {tool} | {:.1} s | {} | {} | {} | {} | {} | {} |",
                delay.as_millis(),
                r.wall.as_secs_f64(),
                r.peak_kib.map_or("n/a".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0)),
                r.open.iter().map(u16::to_string).collect::<Vec<_>>().join(","),
                r.closed,
                r.unanswered,
                if same { "yes" } else { "NO" },
                if tool == "starmark scan" {
                    format!("{:.2}", ours.wall.as_secs_f64() / peer.wall.as_secs_f64())
                } else {
                    String::new()
                },
            );
        }
    }
}
