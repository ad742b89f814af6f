//! The TCP scan against test devices in network namespaces: a device that
//! goes silent mid-scan (and one that comes back), a device that drops
//! instead of refusing, and one that rate-limits its resets. These need
//! root; they fail, never skip, when they cannot create a namespace.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use starmark_probe::tcp::{EventKind, Inconclusive, PortState, Progress, Settings, scan};
use starmark_testbed::Device;

fn device() -> Device {
    Device::new().unwrap_or_else(|e| panic!("the testbed cannot run here: {e}"))
}

/// Listeners on `ports` of the device, accepting in the background.
fn serve(d: &Device, ports: &[u16]) {
    for &p in ports {
        let l = d.listen_tcp(p).unwrap();
        std::thread::spawn(move || {
            for s in l.incoming() {
                drop(s);
            }
        });
    }
}

/// nmap's open TCP ports of the device among `ports` (connect scan).
async fn nmap_open(d: &Device, ports: &[u16]) -> Vec<u16> {
    let spec = starmark_probe::ports::Ranges(ports).to_string();
    let addr = d.addr.to_string();
    tokio::task::spawn_blocking(move || {
        starmark_testbed::nmap::open_ports(&["-sT", "-Pn", "-n", "-T4", "-p", &spec, &addr])
    })
    .await
    .unwrap()
}

fn quick() -> Settings {
    Settings { max_timeout: Duration::from_millis(600), ..Settings::default() }
}

fn states(o: &starmark_probe::tcp::Outcome) -> (Vec<u16>, usize, usize, Vec<(u16, Inconclusive)>) {
    let mut open = Vec::new();
    let (mut closed, mut filtered) = (0, 0);
    let mut unknown = Vec::new();
    for (p, s) in &o.ports {
        match s {
            PortState::Open { .. } => open.push(*p),
            PortState::Closed { .. } => closed += 1,
            PortState::Filtered { .. } => filtered += 1,
            PortState::Inconclusive { reason } => unknown.push((*p, *reason)),
        }
    }
    (open, closed, filtered, unknown)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_that_goes_silent_is_reported_unresponsive_never_closed() {
    let d = device();
    serve(&d, &[22, 80, 19000]);
    let silenced = Arc::new(AtomicBool::new(false));
    let on_progress = {
        let (d_ns, silenced) = (&d, silenced.clone());
        move |p: Progress| {
            if p.done >= 1000 && !silenced.swap(true, Ordering::SeqCst) {
                d_ns.go_silent().unwrap();
            }
        }
    };
    let ports: Vec<u16> = (1..=20000).collect();
    let settings = Settings { budget: Duration::from_secs(8), ..quick() };
    let o = scan(d.addr, &ports, &settings, &on_progress).await;
    assert!(silenced.load(Ordering::SeqCst), "the device was never silenced");
    let (open, closed, filtered, unknown) = states(&o);
    assert_eq!(open, vec![22, 80], "ports answered before the silence");
    assert_eq!(filtered, 0, "no port may be called filtered while the device was silent");
    assert!(!o.complete());
    assert!(!unknown.is_empty() && unknown.iter().all(|(_, r)| *r == Inconclusive::DeviceUnresponsive), "{unknown:?}");
    assert!(unknown.iter().any(|(p, _)| *p == 19000), "the listener after the silence is unknown, not closed");
    assert!((900..20000 - 2).contains(&closed), "{closed}");
    assert!(o.events.iter().any(|e| matches!(e.kind, EventKind::DeviceUnresponsive { .. })), "{:?}", o.events);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_that_comes_back_is_scanned_completely() {
    let d = Arc::new(device());
    serve(&d, &[22, 80, 19000]);
    let silenced = Arc::new(AtomicBool::new(false));
    let on_progress = {
        let (dev, silenced) = (d.clone(), silenced.clone());
        move |p: Progress| {
            if p.done >= 1000 && !silenced.swap(true, Ordering::SeqCst) {
                dev.go_silent().unwrap();
                let dev = dev.clone();
                std::thread::spawn(move || {
                    std::thread::sleep(Duration::from_secs(8));
                    dev.answer_again().unwrap();
                });
            }
        }
    };
    let ports: Vec<u16> = (1..=20000).collect();
    let o = scan(d.addr, &ports, &quick(), &on_progress).await;
    let (open, closed, filtered, unknown) = states(&o);
    assert_eq!(open, vec![22, 80, 19000]);
    assert_eq!((closed, filtered, unknown.len()), (19997, 0, 0), "{unknown:?}");
    assert!(o.complete());
    let kinds: Vec<&EventKind> = o.events.iter().map(|e| &e.kind).collect();
    assert!(
        matches!(kinds.as_slice(), [EventKind::DeviceUnresponsive { .. }, EventKind::DeviceAnswering { .. }, ..]),
        "{kinds:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_that_drops_instead_of_refusing_has_filtered_ports() {
    let d = device();
    serve(&d, &[22, 443]);
    d.drop_unused_tcp(&[22, 443]).unwrap();
    let ports: Vec<u16> = (1..=600).collect();
    let o = scan(d.addr, &ports, &quick(), &|_| {}).await;
    let (open, closed, filtered, unknown) = states(&o);
    assert_eq!(open, vec![22, 443]);
    assert_eq!((closed, filtered, unknown.len()), (0, 598, 0), "{unknown:?}");
    assert!(o.complete(), "the open ports prove the device alive, so silence means filtered");
    assert_eq!(nmap_open(&d, &ports).await, open, "nmap finds the same open ports");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limited_resets_still_give_exact_results() {
    let d = device();
    serve(&d, &[8080]);
    d.limit_resets(200).unwrap();
    let ports: Vec<u16> = (7900..=8400).collect();
    let o = scan(d.addr, &ports, &quick(), &|_| {}).await;
    let (open, closed, filtered, unknown) = states(&o);
    assert_eq!(open, vec![8080]);
    assert_eq!((closed, filtered, unknown.len()), (500, 0, 0), "retries recover every swallowed reset");
    assert!(o.attempts > 501, "resets were swallowed, so some ports needed more tries");
    assert_eq!(nmap_open(&d, &ports).await, open, "nmap finds the same open ports");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_answering_is_inconclusive_not_filtered() {
    let d = device();
    d.go_silent().unwrap();
    let ports: Vec<u16> = (1..=50).collect();
    let o = scan(d.addr, &ports, &quick(), &|_| {}).await;
    let (open, closed, filtered, unknown) = states(&o);
    assert_eq!((open.len(), closed, filtered), (0, 0, 0));
    assert!(unknown.iter().all(|(_, r)| *r == Inconclusive::NothingAnswered) && unknown.len() == 50);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_lossy_link_still_gives_exact_results() {
    let d = device();
    serve(&d, &[22, 1234, 1999]);
    let _link = d.impair(Duration::from_millis(20), 0.02).unwrap();
    let ports: Vec<u16> = (1..=2000).collect();
    let o = scan(d.addr, &ports, &quick(), &|_| {}).await;
    let (open, closed, filtered, unknown) = states(&o);
    assert_eq!(open, vec![22, 1234, 1999]);
    assert_eq!((closed, filtered, unknown.len()), (1997, 0, 0), "{unknown:?}");
    let srtt = o.srtt.unwrap();
    assert!(srtt >= Duration::from_millis(19), "the link's delay shows in the round-trip time: {srtt:?}");
    assert_eq!(nmap_open(&d, &ports).await, open, "nmap finds the same open ports");
}
