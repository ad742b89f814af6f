//! Device checks: finding every exposed interface of one device under test.
//!
//! - [`target`]: what may be scanned — exactly one address, never a range.
//! - [`ports`]: which ports, in nmap-like notation (`T:1-1024,U:161`).
//! - [`tcp`]: the TCP connect scan, with adaptive concurrency, retries,
//!   a time budget and liveness checks, so that a port is never called
//!   closed or filtered while the device was not answering.
//! - [`udp`]: protocol probes for the UDP services IoT devices expose.
//! - [`service`]: what answers on an open TCP port (banner and handshake).
//! - [`findings`]: what the results mean for the criteria (S1.1-13 first),
//!   risky services, and the vendor's declared interfaces.
//! - [`checks`]: the protocol checks on the services found, their rules
//!   and findings; with [`ssh`] (algorithms, logins), [`tls`] (versions,
//!   cipher suites, certificate), [`creds`] (factory logins, redacting
//!   transcripts), [`http`], [`rtsp`], [`mqtt`], [`upnp`], [`snmp`], [`coap`], and the
//!   intrusive [`bruteforce`] test.
//! - [`report`]: the scan's result as data (`--json`) and as text.
//!
//! The probe only ever connects to the one target address it was given.

pub mod bruteforce;
pub mod checks;
pub mod coap;
pub mod creds;
pub mod findings;
pub mod http;
pub mod mqtt;
pub mod ports;
pub mod report;
pub mod rtsp;
pub mod service;
pub mod snmp;
pub mod ssh;
pub mod target;
pub mod tcp;
pub mod tls;
pub mod udp;
pub mod upnp;
