//! The TCP scan against real listeners on 127.0.0.1, and against nmap on
//! the same ports. (Devices in network namespaces, with delay, loss and a
//! device that goes silent, are the testbed's tests.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use starmark_probe::tcp::{PortState, Settings, scan};

const LOCALHOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// The tests of this file take turns: each one's listeners sit in the others'
/// port windows, and the nmap comparison needs the set to hold still.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Listeners on free ports; they accept and drop, or accept and hold.
async fn listeners(n: usize) -> (Vec<u16>, Vec<tokio::net::TcpListener>) {
    let mut ports = Vec::new();
    let mut held = Vec::new();
    for _ in 0..n {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        ports.push(l.local_addr().unwrap().port());
        held.push(l);
    }
    ports.sort_unstable();
    (ports, held)
}

/// Whether something listens on `port`: a connection that is not to
/// ourselves (in the ephemeral range, connect() can pick the destination
/// port as its source and "connect" to itself with nobody listening).
fn accepts(port: u16) -> bool {
    std::net::TcpStream::connect((LOCALHOST, port)).is_ok_and(|s| s.local_addr().ok() != s.peer_addr().ok())
}

/// A window of ports around the listeners, most of them closed.
fn around(open: &[u16], width: u16) -> Vec<u16> {
    let lo = open.iter().min().unwrap().saturating_sub(width).max(1);
    let hi = open.iter().max().unwrap().saturating_add(width);
    let mut v: Vec<u16> = (lo..=hi).collect();
    v.extend_from_slice(open);
    v.sort_unstable();
    v.dedup();
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_and_closed_ports_on_loopback_exactly() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let (open, _held) = listeners(5).await;
    let ports = around(&open, 500);
    let o = scan(LOCALHOST, &ports, &Settings::default(), &|_| {}).await;
    assert_eq!(o.ports.len(), ports.len(), "every port asked for has a state");
    assert!(o.complete());
    // Other processes on this machine may listen in the window too: every
    // port reported open must really accept, and every listener is found.
    for p in &open {
        assert!(o.open().contains(p), "listener {p} not found: {:?}", o.open());
    }
    for p in o.open() {
        assert!(accepts(p), "{p} reported open but refuses");
    }
    for (p, st) in &o.ports {
        if let PortState::Closed { .. } = st {
            assert!(!accepts(*p), "{p} reported closed but accepts");
        }
    }
    assert!(o.peak_window > 16, "the window grew on clean answers (peak {})", o.peak_window);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tarpit_that_accepts_and_never_answers_is_open() {
    let _turn = ONE_AT_A_TIME.lock().await;
    // Accepts every connection and holds it without a byte.
    let tarpit = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = tarpit.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = tarpit.accept().await {
            held.push(s);
        }
    });
    let o = scan(LOCALHOST, &[port], &Settings::default(), &|_| {}).await;
    assert!(matches!(o.ports[0].1, PortState::Open { .. }), "{:?}", o.ports);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_time_budget_leaves_the_rest_inconclusive_never_closed() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let (open, _held) = listeners(1).await;
    let ports = around(&open, 2000);
    let settings = Settings { budget: Duration::from_millis(1), ..Settings::default() };
    let o = scan(LOCALHOST, &ports, &settings, &|_| {}).await;
    assert_eq!(o.ports.len(), ports.len());
    assert!(!o.complete());
    let unknown = o.ports.iter().filter(|(_, s)| matches!(s, PortState::Inconclusive { .. })).count();
    assert!(unknown > 0, "a 1 ms budget cannot cover {} ports", ports.len());
}

/// Same ports, same answers as `nmap -sT` (Debian nmap; `cargo xtask test`
/// installs it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn same_open_ports_as_nmap_on_loopback() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let (open, _held) = listeners(4).await;
    let ports = around(&open, 300);
    let spec = starmark_probe::ports::Ranges(&ports).to_string();
    let o = scan(LOCALHOST, &ports, &Settings::default(), &|_| {}).await;
    let nmap_open = tokio::task::spawn_blocking(move || {
        starmark_testbed::nmap::open_ports(&["-sT", "-Pn", "-n", "-T4", "-p", &spec, "127.0.0.1"])
    })
    .await
    .unwrap();
    assert_eq!(o.open(), nmap_open, "starmark and nmap disagree");
}

/// A fake service on loopback: `behave` runs on every accepted connection.
async fn fake<F, Fut>(behave: F) -> u16
where
    F: Fn(tokio::net::TcpStream) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    let behave = std::sync::Arc::new(behave);
    tokio::spawn(async move {
        while let Ok((s, _)) = l.accept().await {
            tokio::spawn(behave(s));
        }
    });
    port
}

/// Hostile and odd services: each is identified or called unknown, within
/// bounded time and bytes, and nothing they send reaches the report raw.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_identification_survives_hostile_fakes() {
    use starmark_probe::service::{IdentifySettings, identify};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let _turn = ONE_AT_A_TIME.lock().await;
    let s = IdentifySettings { banner_wait: Duration::from_millis(300), reply_wait: Duration::from_millis(400) };

    let tarpit = fake(|sock| async move {
        tokio::time::sleep(Duration::from_secs(60)).await;
        drop(sock);
    })
    .await;
    let endless = fake(|mut sock| async move {
        let junk = [b'A'; 1024];
        while sock.write_all(&junk).await.is_ok() {}
    })
    .await;
    let noise = fake(|mut sock| async move {
        let bytes: Vec<u8> = (0..=255u8).rev().cycle().take(700).collect();
        let _ = sock.write_all(&bytes).await;
        tokio::time::sleep(Duration::from_secs(5)).await;
    })
    .await;
    let reset = fake(|sock| async move {
        let _ = socket2::SockRef::from(&sock).set_linger(Some(Duration::ZERO));
        drop(sock);
    })
    .await;
    let ssh = fake(|mut sock| async move {
        let _ = sock.write_all(b"SSH-2.0-OpenSSH_9.2p1 \x1b[31mDebian\r\n").await;
        tokio::time::sleep(Duration::from_secs(5)).await;
    })
    .await;
    let http = fake(|mut sock| async move {
        let mut buf = [0u8; 512];
        let _ = sock.read(&mut buf).await;
        if buf.starts_with(b"GET ") {
            let _ = sock.write_all(b"HTTP/1.0 200 OK\r\nServer: lighttpd/1.4.69\r\n\r\nhello").await;
        }
    })
    .await;

    let started = std::time::Instant::now();
    let got = |p| identify(LOCALHOST, p, &s);
    let t = got(tarpit).await;
    assert_eq!(t.name, "unknown", "{t:?}");
    assert!(t.evidence.contains("said nothing"), "{t:?}");
    let e = got(endless).await;
    assert_eq!(e.name, "unknown");
    assert!(e.detail.chars().count() <= 120 && e.evidence.contains("4096 bytes"), "{e:?}");
    let n = got(noise).await;
    assert_eq!(n.name, "unknown");
    assert!(n.detail.chars().all(|c| !c.is_control()), "{n:?}");
    let r = got(reset).await;
    assert_eq!(r.name, "unknown", "{r:?}");
    let h = got(ssh).await;
    assert_eq!((h.name, h.detail.as_str()), ("ssh", "SSH-2.0-OpenSSH_9.2p1 [31mDebian"));
    let w = got(http).await;
    assert_eq!((w.name, w.detail.as_str()), ("http", "HTTP/1.0 200 OK; Server: lighttpd/1.4.69"));
    // Bounded: six services in well under their sum of worst cases.
    assert!(started.elapsed() < Duration::from_secs(20), "{:?}", started.elapsed());
}

/// A port that answered the scan but cannot be reached again when it is
/// identified: nothing is known of it, and the report says so — it is not
/// an "unknown service" of a complete scan.
#[tokio::test]
async fn a_port_gone_before_identification_leaves_the_report_incomplete() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let settings = Settings { max_timeout: Duration::from_millis(600), ..Settings::default() };
    let o = scan(LOCALHOST, &[port], &settings, &|_| {}).await;
    assert!(matches!(o.ports.as_slice(), [(p, PortState::Open { .. })] if *p == port), "{:?}", o.ports);
    drop(l);
    let svc =
        starmark_probe::service::identify(LOCALHOST, port, &starmark_probe::service::IdentifySettings::default()).await;
    assert!(svc.unidentified && svc.name == "unknown", "{svc:?}");
    let report = starmark_probe::report::Report::new("127.0.0.1", LOCALHOST, String::new(), settings, &[port], &o)
        .with_services(vec![(port, svc)])
        .with_findings(None);
    assert!(!report.complete, "a port nobody could identify leaves the scan incomplete");
    let ids: Vec<&str> = report.findings.iter().map(|f| f.id.as_str()).collect();
    assert!(ids.contains(&format!("inconclusive/identify/tcp/{port}").as_str()), "{ids:?}");
    assert!(ids.contains(&"incomplete/scan"), "{ids:?}");
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["tcp"]["open"][0]["service"]["unidentified"], true, "{json}");
}

/// Identification keeps to the scan's budget: ports of a device that
/// accepts and never answers are marked unidentified when it runs out,
/// instead of taking ~12 s each.
#[tokio::test]
async fn identification_stops_at_the_budget() {
    let mut ports = Vec::new();
    let mut tarpits = Vec::new();
    for _ in 0..20 {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        ports.push(l.local_addr().unwrap().port());
        tarpits.push(l);
    }
    for l in tarpits {
        std::thread::spawn(move || {
            let mut held = Vec::new();
            for s in l.incoming().flatten() {
                held.push(s);
            }
        });
    }
    let started = std::time::Instant::now();
    let s = starmark_probe::service::IdentifySettings::default();
    let found = starmark_probe::service::identify_all(LOCALHOST, &ports, &s, Duration::from_secs(2)).await;
    let took = started.elapsed();
    assert!(took < Duration::from_secs(6), "{took:?}");
    assert_eq!(found.len(), 20);
    assert!(found.iter().all(|(_, svc)| svc.unidentified && svc.evidence.contains("budget")), "{found:#?}");
}
