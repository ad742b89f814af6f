//! The UDP protocol checks against hostile fakes inside a test device's
//! namespace: an SNMP agent that answers with noise, an SSDP responder
//! that points at another host (which must never be contacted) or at a
//! tarpit on the device, and a CoAP server that lists a thousand
//! resources and then stops answering. Every check ends `inconclusive`
//! within its bounds. Needs root; fails, never skips, without.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

use std::thread;
use std::time::{Duration, Instant};

use starmark_probe::checks::{CheckSettings, run_on};
use starmark_probe::findings::Proto;
use starmark_testbed::Device;

/// Answers every datagram on `sock` with `reply(request)`, if any.
fn serve(sock: std::net::UdpSocket, reply: fn(&[u8]) -> Option<Vec<u8>>) {
    thread::spawn(move || {
        let mut buf = [0u8; 2048];
        while let Ok((n, from)) = sock.recv_from(&mut buf) {
            if let Some(r) = reply(&buf[..n]) {
                let _ = sock.send_to(&r, from);
            }
        }
    });
}

fn snmp_noise(_: &[u8]) -> Option<Vec<u8>> {
    Some(vec![0x30, 0x82, 0xff, 0xff, 0x02, 0x01])
}

fn ssdp_elsewhere(_: &[u8]) -> Option<Vec<u8>> {
    Some(b"HTTP/1.1 200 OK\r\nST: upnp:rootdevice\r\nLOCATION: http://192.0.2.1:80/desc.xml\r\n\r\n".to_vec())
}

/// `/.well-known/core` (message id 0x5300) lists a thousand resources;
/// nothing else is ever answered.
fn coap_lists_then_stops(r: &[u8]) -> Option<Vec<u8>> {
    if r.get(2..4) != Some(&[0x53, 0x00][..]) {
        return None;
    }
    let mut m = vec![0x61, 0x45, 0x53, 0x00, 0x53, 0xff];
    let links: Vec<String> = (0..1000).map(|i| format!("</r{i}>")).collect();
    m.extend_from_slice(links.join(",").as_bytes().get(..1400).unwrap());
    Some(m)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_udp_services_give_inconclusive_checks() {
    let device = Device::new().unwrap_or_else(|e| panic!("the test device cannot run here: {e}"));
    serve(device.bind_udp(161).unwrap(), snmp_noise);
    serve(device.bind_udp(1900).unwrap(), ssdp_elsewhere);
    serve(device.bind_udp(5683).unwrap(), coap_lists_then_stops);

    let mut s = CheckSettings::new(Vec::new());
    s.wait = Duration::from_secs(1);
    let started = Instant::now();
    let results =
        run_on(device.addr, &[(Proto::Udp, 161, "snmp"), (Proto::Udp, 1900, "ssdp"), (Proto::Udp, 5683, "coap")], &s)
            .await;
    let elapsed = started.elapsed();
    assert_eq!(results.len(), 3, "{results:#?}");
    for r in &results {
        assert_eq!(r.status, "inconclusive", "{r:#?}");
        assert_eq!(r.findings.len(), 1, "{r:#?}");
        assert!(r.findings[0].id.starts_with("inconclusive/"), "{r:#?}");
    }
    let reason = |port: u16| results.iter().find(|r| r.port == port).unwrap().reason.clone().unwrap();
    assert!(reason(161).contains("not an answer"), "{}", reason(161));
    assert!(reason(1900).contains("not on the device itself"), "{}", reason(1900));
    assert!(reason(5683).contains("no answer"), "{}", reason(5683));
    // Each ask is bounded by its tries and the wait.
    assert!(elapsed < Duration::from_secs(20), "{elapsed:?}");
}
