//! Starts a test device and keeps it up until Enter is pressed, so its
//! daemons can be looked at by hand (`ssh`, `sslscan`, `nmap`, …):
//!
//! ```text
//! sudo cargo run -p starmark-testbed --example device -- weak
//! ```
#![allow(clippy::print_stdout, reason = "a developer's tool")]

fn main() -> std::io::Result<()> {
    let which = std::env::args().nth(1).unwrap_or_else(|| "weak".into());
    let mut p = match which.as_str() {
        "weak" => starmark_testbed::Profile::weak()?,
        "hardened" => starmark_testbed::Profile::hardened()?,
        other => return Err(std::io::Error::other(format!("no profile {other:?}: give weak or hardened"))),
    };
    println!("{which} device at {} (tcp {:?}, udp {:?}); press Enter to stop", p.device.addr, p.tcp, p.udp);
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    p.check_running()
}
