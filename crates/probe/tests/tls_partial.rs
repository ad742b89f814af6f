//! A TLS check that cannot finish keeps what it found before: a fake on
//! loopback accepts TLS 1.0 and 1.1 (so `tls/legacy-version` is shown)
//! but then "chooses" a suite no one offered, so the suites stay unknown
//! and the check is inconclusive, with the legacy finding kept. Also: a
//! service that takes no version is inconclusive, and a close while the
//! suites are chosen is offered again.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};

use starmark_probe::checks::{Check, CheckSettings, run_on};
use starmark_probe::findings::Proto;

/// A ServerHello at the ClientHello's own legacy version, suite 0x1337.
fn answer(hello: &[u8]) -> Vec<u8> {
    let version = [hello[9], hello[10]];
    let mut body = version.to_vec();
    body.extend_from_slice(&[7u8; 32]);
    body.extend_from_slice(&[0, 0x13, 0x37, 0]);
    let mut hs = vec![0x02, 0, 0, body.len() as u8];
    hs.extend(body);
    let mut rec = vec![0x16, version[0], version[1], 0, hs.len() as u8];
    rec.extend(hs);
    rec
}

/// A fake on a loopback port: `handle` gets each connection in turn.
fn fake(handle: impl Fn(TcpStream) + Send + 'static) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            handle(s);
        }
    });
    port
}

#[tokio::test]
async fn findings_made_before_an_unfinished_tls_survey_are_kept() {
    let port = fake(|mut s| {
        let mut buf = [0u8; 4096];
        if let Ok(n) = s.read(&mut buf)
            && n > 11
            && buf[0] == 0x16
        {
            let _ = s.write_all(&answer(&buf[..n]));
        }
    });
    let mut s = CheckSettings::new(Vec::new());
    s.enabled = vec![Check::Tls];
    let results = run_on("127.0.0.1".parse().unwrap(), &[(Proto::Tcp, port, "tls")], &s).await;
    assert_eq!(results.len(), 1, "{results:#?}");
    let r = &results[0];
    assert_eq!(r.status, "inconclusive", "{r:#?}");
    assert!(r.reason.as_ref().unwrap().contains("not offered"), "{r:#?}");
    let ids: Vec<&str> = r.findings.iter().map(|f| f.id.as_str()).collect();
    assert!(ids.contains(&format!("inconclusive/tls/tcp/{port}").as_str()), "{ids:?}");
    assert!(ids.contains(&format!("tls/legacy-version/tcp/{port}").as_str()), "{ids:?}");
}

/// A service that closes every connection on a ClientHello (no alert, no
/// ServerHello): it answered TLS when identified, but no version is known
/// to work, so the check is inconclusive, not "nothing weak found".
#[tokio::test]
async fn a_service_taking_no_version_is_inconclusive() {
    let port = fake(|mut s| {
        let _ = s.read(&mut [0u8; 4096]);
    });
    let mut s = CheckSettings::new(Vec::new());
    s.enabled = vec![Check::Tls];
    let results = run_on("127.0.0.1".parse().unwrap(), &[(Proto::Tcp, port, "tls")], &s).await;
    let r = &results[0];
    assert_eq!(r.status, "inconclusive", "{r:#?}");
    assert!(r.reason.as_ref().unwrap().contains("no version"), "{r:#?}");
}

/// The suites a fake TLS 1.2 server takes, in its order of preference.
const TAKES: [u16; 3] = [0x002f, 0x0035, 0xc02f];

/// Chooses the first offered suite it takes (an alert when none), at TLS
/// 1.2 only; the second connection that would choose a suite is closed
/// without an answer, as a busy server does.
fn busy_tls12(mut s: TcpStream, closed: &std::sync::atomic::AtomicBool) {
    let mut buf = [0u8; 4096];
    let Ok(n) = s.read(&mut buf) else { return };
    let hello = &buf[..n];
    let alert = [0x15, 0x03, 0x03, 0, 2, 2, 40];
    let tls13 = hello.windows(7).any(|w| w == [0x00, 0x2b, 0x00, 0x03, 0x02, 0x03, 0x04]);
    if n < 46 || hello[9..11] != [0x03, 0x03] || tls13 {
        let _ = s.write_all(&alert);
        return;
    }
    let len = usize::from(u16::from_be_bytes([hello[44], hello[45]]));
    let offered: Vec<u16> = hello[46..46 + len].chunks(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect();
    let Some(&suite) = offered.iter().find(|c| TAKES.contains(c)) else {
        let _ = s.write_all(&alert);
        return;
    };
    if suite != TAKES[0] && !closed.swap(true, std::sync::atomic::Ordering::SeqCst) {
        return;
    }
    let mut body = vec![0x03, 0x03];
    body.extend_from_slice(&[7u8; 32]);
    body.push(0);
    body.extend_from_slice(&suite.to_be_bytes());
    body.push(0);
    let mut hs = vec![0x02, 0, 0, body.len() as u8];
    hs.extend(body);
    let mut rec = vec![0x16, 0x03, 0x03, 0, hs.len() as u8];
    rec.extend(hs);
    let _ = s.write_all(&rec);
}

#[tokio::test]
async fn a_close_while_choosing_suites_is_offered_again() {
    let closed = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let seen = closed.clone();
    let port = fake(move |s| busy_tls12(s, &seen));
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let found = starmark_probe::tls::suites(addr, 0x0303, std::time::Duration::from_secs(2)).await.unwrap();
    assert!(closed.load(std::sync::atomic::Ordering::SeqCst), "the fake closed once");
    assert_eq!(found, TAKES, "every suite, the close notwithstanding");
}
