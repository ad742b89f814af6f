//! UDP probes against real Debian daemons in a test device: snmpd with the
//! community `public`, and dnsmasq answering DNS and TFTP; the other IoT
//! ports are closed. The answers must match nmap -sU's on the same ports,
//! except where starmark holds an answer nmap missed (TFTP).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

use std::time::Duration;

use starmark_probe::udp::{UdpSettings, UdpState, scan};
use starmark_testbed::Device;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snmp_dns_and_tftp_daemons_are_found_and_closed_ports_are_closed() {
    let d = Device::new().unwrap_or_else(|e| panic!("the testbed cannot run here: {e}"));
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("snmpd.conf");
    std::fs::write(&conf, "rocommunity public\nsysDescr starmark-testbed weak device\n").unwrap();
    let addr = d.addr.to_string();
    let mut snmpd = d
        .spawn("snmpd", &["-f", "-Lo", "-C", "-c", conf.to_str().unwrap(), &format!("udp:{addr}:161")])
        .unwrap_or_else(|e| panic!("snmpd is required (Debian snmpd; `cargo xtask test` installs it): {e}"));
    let tftp_root = dir.path().join("tftp");
    std::fs::create_dir_all(&tftp_root).unwrap();
    let mut dnsmasq = d
        .spawn(
            "dnsmasq",
            &[
                "--no-daemon",
                "--conf-file=/dev/null",
                "--no-resolv",
                "--no-hosts",
                "--pid-file=",
                "--user=root",
                "--bind-interfaces",
                &format!("--listen-address={addr}"),
                "--enable-tftp",
                &format!("--tftp-root={}", tftp_root.display()),
            ],
        )
        .unwrap_or_else(|e| panic!("dnsmasq is required (Debian dnsmasq-base; `cargo xtask test` installs it): {e}"));

    let ports = [53, 69, 123, 161, 1900, 5683];
    let settings = UdpSettings::default();
    // The daemons take a moment to bind: wait (bounded) until both answer.
    let mut results = Vec::new();
    for _ in 0..20 {
        snmpd.check_running().unwrap();
        dnsmasq.check_running().unwrap();
        results = scan(d.addr, &[53, 161], &settings).await.0;
        if results.iter().all(|(_, s)| matches!(s, UdpState::Open { .. })) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(results.iter().all(|(_, s)| matches!(s, UdpState::Open { .. })), "daemons never answered: {results:?}");

    let (results, skipped) = scan(d.addr, &ports, &settings).await;
    assert!(skipped.is_empty());
    let state = |port: u16| results.iter().find(|(p, _)| *p == port).map(|(_, s)| s.clone()).unwrap();
    match state(161) {
        UdpState::Open { service: "snmp", detail, .. } => {
            assert!(
                detail.contains("community \"public\"") && detail.contains("starmark-testbed weak device"),
                "{detail}"
            )
        }
        other => panic!("snmp: {other:?}"),
    }
    assert!(matches!(state(53), UdpState::Open { service: "dns", .. }), "{:?}", state(53));
    assert!(matches!(state(69), UdpState::Open { service: "tftp", .. }), "{:?}", state(69));
    for closed in [123, 1900, 5683] {
        assert_eq!(state(closed), UdpState::Closed, "port {closed}");
    }

    // nmap -sU on the same ports says the same.
    let spec = ports.iter().map(u16::to_string).collect::<Vec<_>>().join(",");
    let out = tokio::process::Command::new("nmap")
        .args(["-sU", "-Pn", "-n", "--max-retries", "3", "-oG", "-", "-p", &spec, &addr])
        .output()
        .await
        .unwrap_or_else(|e| panic!("nmap is required (Debian nmap; `cargo xtask test` installs it): {e}"));
    let text = String::from_utf8(out.stdout).unwrap();
    let nmap: Vec<(u16, String)> = text
        .lines()
        .filter_map(|l| l.split("Ports: ").nth(1))
        .flat_map(|p| p.split(", "))
        .filter_map(|p| {
            let mut f = p.split('/');
            Some((f.next()?.trim().parse().ok()?, f.next()?.to_string()))
        })
        .collect();
    for (port, st) in &nmap {
        let ours = match state(*port) {
            UdpState::Open { .. } | UdpState::OpenUnrecognised { .. } => "open",
            UdpState::Closed => "closed",
            UdpState::Unanswered { .. } => "open|filtered",
        };
        // TFTP answers from a fresh port (RFC 1350); nmap does not take
        // such a reply and says open|filtered. starmark has the answer.
        if *port == 69 && ours == "open" && st == "open|filtered" {
            continue;
        }
        assert_eq!(ours, st, "port {port}: starmark {ours}, nmap {st}\n{text}");
    }
    assert_eq!(nmap.len(), ports.len(), "nmap listed every port: {text}");
}
