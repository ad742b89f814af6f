//! nmap as the reference the probe's accuracy tests compare with.

use std::process::Command;

/// Runs `nmap ARGS -oG -` and returns the ports it reports open, sorted.
/// Panics with the reason when nmap is missing: the accuracy tests need it.
#[allow(clippy::panic, reason = "test support: a missing nmap must fail the test loudly")]
pub fn open_ports(args: &[&str]) -> Vec<u16> {
    let out = Command::new("nmap")
        .args(args)
        .args(["-oG", "-"])
        .output()
        .unwrap_or_else(|e| panic!("nmap is required (Debian nmap; `cargo xtask test` installs it): {e}"));
    let text = String::from_utf8_lossy(&out.stdout);
    let mut v: Vec<u16> = text
        .lines()
        .filter_map(|l| l.split("Ports: ").nth(1))
        .flat_map(|p| p.split(", "))
        .filter(|p| p.contains("/open/"))
        .filter_map(|p| p.split('/').next()?.trim().parse().ok())
        .collect();
    v.sort_unstable();
    v
}
