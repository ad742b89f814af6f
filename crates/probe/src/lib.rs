//! Device checks: finding every exposed interface of one device under test.
//!
//! - [`target`]: what may be scanned — exactly one address, never a range.
//! - [`ports`]: which ports, in nmap-like notation (`T:1-1024,U:161`).
//! - [`tcp`]: the TCP connect scan, with adaptive concurrency, retries,
//!   a time budget and liveness checks, so that a port is never called
//!   closed or filtered while the device was not answering.
//! - [`udp`]: protocol probes for the UDP services IoT devices expose.
//! - [`service`]: what answers on an open TCP port (banner and handshake).
//! - [`ssh`]: an SSH server's algorithm lists, read from its KEXINIT.
//! - [`tls`]: which TLS versions a service accepts (hand-built ClientHellos).
//! - [`findings`]: what the results mean for the criteria (S1.1-13 first),
//!   risky services, and the vendor's declared interfaces.
//! - [`report`]: the scan's result as data (`--json`) and as text.
//!
//! The probe only ever connects to the one target address it was given.

pub mod findings;
pub mod ports;
pub mod report;
pub mod service;
pub mod ssh;
pub mod target;
pub mod tcp;
pub mod tls;
pub mod udp;
