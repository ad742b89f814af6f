//! `starmark scan` against hostile fake services on loopback: each one
//! looks like a real service to identification, then stalls, trickles,
//! floods, or lies when the protocol checks talk to it. Every check must
//! end `inconclusive` (never a pass, never a hang) within the time budget,
//! and the scanner's memory must stay bounded. One test in this file, so
//! the children's peak memory is the scan's.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

/// How a fake treats a connection, given what the client sent first
/// (empty if the client waited for the server to speak).
type Behaviour = fn(&mut TcpStream, &[u8]);

/// Starts a fake on an ephemeral loopback port; each connection gets its
/// own thread (they end with the test process).
fn fake(speaks_first: Option<&'static [u8]>, behaviour: Behaviour) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            thread::spawn(move || {
                if let Some(greeting) = speaks_first {
                    let _ = s.write_all(greeting);
                }
                let _ = s.set_read_timeout(Some(Duration::from_millis(2000)));
                let mut first = vec![0u8; 4096];
                let n = s.read(&mut first).unwrap_or(0);
                let _ = s.set_read_timeout(None);
                behaviour(&mut s, &first[..n]);
            });
        }
    });
    port
}

/// Holds the connection open and says nothing more.
fn hold(s: &mut TcpStream) {
    let mut sink = [0u8; 1024];
    while matches!(s.read(&mut sink), Ok(n) if n > 0) {}
}

/// Writes `chunk` for ever (until the client goes away).
fn flood(s: &mut TcpStream, chunk: &[u8]) {
    while s.write_all(chunk).is_ok() {}
}

fn is_identification(first: &[u8]) -> bool {
    // The identification's requests say `starmark-scan` (HTTP), carry the
    // random "STARMARKSTARMARK…" (TLS; the TLS check's is "STARMARK-…") or the client id `starmark` (MQTT).
    let text = String::from_utf8_lossy(first);
    text.contains("starmark-scan") || first.get(11..20) == Some(b"STARMARKS") || first.ends_with(b"\x00\x08starmark")
}

/// A TLS record holding a ServerHello (TLS 1.2) that picks `suite`.
fn server_hello(suite: u16) -> Vec<u8> {
    let mut body = vec![0x03, 0x03];
    body.extend_from_slice(&[7u8; 32]);
    body.push(0);
    body.extend_from_slice(&suite.to_be_bytes());
    body.push(0);
    let mut hs = vec![0x02, 0, 0, body.len() as u8];
    hs.extend(body);
    let mut rec = vec![0x16, 0x03, 0x03, 0, hs.len() as u8];
    rec.extend(hs);
    rec
}

fn ssh_stalls_after_banner(s: &mut TcpStream, _: &[u8]) {
    hold(s);
}

fn ssh_sends_garbage(s: &mut TcpStream, _: &[u8]) {
    flood(s, &[0xff; 4096]);
}

fn http_trickles(s: &mut TcpStream, first: &[u8]) {
    if is_identification(first) {
        let _ = s.write_all(b"HTTP/1.0 200 OK\r\nServer: fake\r\n\r\n");
        return;
    }
    let _ = s.write_all(b"HTTP/1.0 200 OK\r\nX-Slow: ");
    while s.write_all(b"a").is_ok() {
        thread::sleep(Duration::from_millis(300));
    }
}

fn http_endless_head(s: &mut TcpStream, first: &[u8]) {
    if is_identification(first) {
        let _ = s.write_all(b"HTTP/1.0 200 OK\r\nServer: fake\r\n\r\n");
        return;
    }
    let _ = s.write_all(b"HTTP/1.0 200 OK\r\nX-Endless: ");
    flood(s, &[b'a'; 8192]);
}

fn tls_lies(s: &mut TcpStream, first: &[u8]) {
    if first.first() != Some(&0x16) {
        return; // not TLS: close
    }
    // Every probe "accepted", with a suite no one offered.
    let _ = s.write_all(&server_hello(0x1337));
    hold(s);
}

fn tls_stalls(s: &mut TcpStream, first: &[u8]) {
    if is_identification(first) {
        let _ = s.write_all(&server_hello(0xc02f));
    }
    hold(s);
}

fn telnet_negotiates_for_ever(s: &mut TcpStream, _: &[u8]) {
    flood(s, &[0xff, 0xfd, 0x18, 0xff, 0xfb, 0x01].repeat(500));
}

fn ftp_endless_reply(s: &mut TcpStream, _: &[u8]) {
    // The first read got USER (or nothing): answer with a reply that never ends.
    flood(s, b"230-still going\r\n");
}

/// Refuses every password but one, whose answer is neither acceptance nor
/// refusal: that login is unknown, so the credentials check cannot end
/// "none accepted".
fn ftp_unreadable_for_one_password(s: &mut TcpStream, first: &[u8]) {
    if !first.starts_with(b"USER ") {
        return;
    }
    let _ = s.write_all(b"331 password please\r\n");
    let mut line = [0u8; 256];
    let n = s.read(&mut line).unwrap_or(0);
    let reply: &[u8] = if line.get(..n).is_some_and(|l| l.starts_with(b"PASS admin\r\n")) {
        b"421 try later\r\n"
    } else {
        b"530 no\r\n"
    };
    let _ = s.write_all(reply);
    hold(s);
}

fn mqtt_oversized(s: &mut TcpStream, first: &[u8]) {
    if first.first() != Some(&0x10) {
        return;
    }
    if is_identification(first) {
        let _ = s.write_all(&[0x20, 0x02, 0x00, 0x00]);
        return;
    }
    // A PUBLISH claiming 256 MiB.
    let _ = s.write_all(&[0x30, 0xff, 0xff, 0xff, 0x7f]);
    flood(s, &[0u8; 8192]);
}

#[test]
fn hostile_services_give_inconclusive_checks_in_bounded_time_and_memory() {
    let fakes: Vec<(u16, &str, &str)> = vec![
        (fake(Some(b"SSH-2.0-Fake_1.0\r\n"), ssh_stalls_after_banner), "ssh", "ssh"),
        (fake(Some(b"SSH-2.0-Fake_1.0\r\n"), ssh_sends_garbage), "ssh", "ssh"),
        (fake(None, http_trickles), "http", "http"),
        (fake(None, http_endless_head), "http", "http"),
        (fake(None, tls_lies), "tls", "tls"),
        (fake(None, tls_stalls), "tls", "tls"),
        (fake(Some(&[0xff, 0xfd, 0x18, 0xff, 0xfd, 0x20]), telnet_negotiates_for_ever), "telnet", "credentials"),
        (fake(Some(b"220 fake FTP\r\n"), ftp_endless_reply), "ftp", "credentials"),
        (fake(Some(b"220 fake FTP\r\n"), ftp_unreadable_for_one_password), "ftp", "credentials"),
        (fake(None, mqtt_oversized), "mqtt", "mqtt"),
    ];
    let ports: Vec<String> = fakes.iter().map(|(p, _, _)| p.to_string()).collect();
    let started = Instant::now();
    let out = assert_cmd::Command::cargo_bin("starmark")
        .unwrap()
        .args(["scan", "127.0.0.1", "-p", &ports.join(","), "--json", "--budget", "3m", "--login-pace", "100ms"])
        .timeout(Duration::from_secs(240))
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("no JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    for c in v["checks"].as_array().unwrap() {
        eprintln!("{} {} {} {} {}", c["check"], c["port"], c["status"], c["elapsed_ms"], c["reason"]);
    }
    eprintln!("tcp timing {}", v["tcp"]["timing"]);
    assert_eq!(out.status.code(), Some(3), "an incomplete scan exits 3");
    assert_eq!(v["complete"], false);
    assert!(elapsed < Duration::from_secs(180), "the budget holds: {elapsed:?}");

    let checks = v["checks"].as_array().unwrap();
    for (port, service, check) in &fakes {
        let open = v["tcp"]["open"].as_array().unwrap().iter().find(|p| p["port"] == *port).unwrap();
        assert_eq!(open["service"]["name"], *service, "identified as a real service first: {open}");
        let c = checks
            .iter()
            .find(|c| c["port"] == *port && c["check"] == *check)
            .unwrap_or_else(|| panic!("no {check} check on {port} ({service}): {checks:#?}"));
        assert_eq!(c["status"], "inconclusive", "{c:#}");
        let id = format!("inconclusive/{check}/tcp/{port}");
        assert!(v["findings"].as_array().unwrap().iter().any(|f| f["id"] == id), "no {id}");
    }
    // Nothing from a hostile service counts as a pass or a weakness found.
    for f in v["findings"].as_array().unwrap() {
        let id = f["id"].as_str().unwrap();
        assert!(
            ["exposed/", "risky/", "inconclusive/", "incomplete/"].iter().any(|p| id.starts_with(p)),
            "{id} from a fake"
        );
    }

    // The scan's peak memory, from the kernel's accounting of this test's
    // children (the only child is the scan).
    let usage = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN).unwrap();
    let peak_mib = usage.max_rss() / 1024;
    assert!(peak_mib < 64, "peak memory {peak_mib} MiB against floods");
    eprintln!("hostile fakes: {elapsed:?}, peak memory {peak_mib} MiB");
}
