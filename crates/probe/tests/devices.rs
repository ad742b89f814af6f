//! Whole test devices of real Debian daemons (see `starmark_testbed::Profile`):
//! every TCP port and the IoT UDP set are scanned, the services identified,
//! and the open ports compared with nmap's on the same device.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

use starmark_probe::ports::IOT_UDP;
use starmark_probe::service::{IdentifySettings, identify_all};
use starmark_probe::tcp::{Settings, scan};
use starmark_probe::udp::{UdpSettings, UdpState};
use starmark_testbed::Profile;

/// nmap's open TCP ports of `addr` (full connect scan).
async fn nmap_open_tcp(addr: &str) -> Vec<u16> {
    let out = tokio::process::Command::new("nmap")
        .args(["-sT", "-Pn", "-n", "-T4", "-p-", "--open", "-oG", "-", addr])
        .output()
        .await
        .unwrap_or_else(|e| panic!("nmap is required (Debian nmap; `cargo xtask test` installs it): {e}"));
    let text = String::from_utf8(out.stdout).unwrap();
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

async fn survey(p: &Profile) -> (Vec<u16>, Vec<(u16, starmark_probe::service::Service)>, Vec<(u16, UdpState)>) {
    let all: Vec<u16> = (1..=65535).collect();
    let o = scan(p.device.addr, &all, &Settings::default(), &|_| {}).await;
    assert!(o.complete(), "{:?}", o.events);
    let open = o.open();
    let services = identify_all(p.device.addr, &open, &IdentifySettings::default()).await;
    let (udp, _) = starmark_probe::udp::scan(p.device.addr, &IOT_UDP, &UdpSettings::default()).await;
    (open, services, udp)
}

fn service(s: &[(u16, starmark_probe::service::Service)], port: u16) -> &starmark_probe::service::Service {
    &s.iter().find(|(p, _)| *p == port).unwrap_or_else(|| panic!("no service on {port}: {s:?}")).1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_weak_device_shows_every_daemon() {
    let mut p = Profile::weak().unwrap_or_else(|e| panic!("the weak test device cannot run here: {e}"));
    let (open, services, udp) = survey(&p).await;
    p.check_running().unwrap();
    // 199 is snmpd's SMUX port, which Debian's snmpd opens by default.
    assert_eq!(open, vec![21, 23, 80, 199, 1883, 5000]);
    assert_eq!(open, nmap_open_tcp(&p.device.addr.to_string()).await, "starmark and nmap disagree");
    assert_eq!(service(&services, 21).name, "ftp");
    assert_eq!(service(&services, 23).name, "telnet");
    let web = service(&services, 80);
    assert_eq!(web.name, "http");
    assert!(web.detail.contains("lighttpd"), "{web:?}");
    let mqtt = service(&services, 1883);
    assert_eq!((mqtt.name, mqtt.detail.as_str()), ("mqtt", "MQTT broker accepted a connection without credentials"));
    assert_eq!(service(&services, 5000).name, "http", "miniupnpd's control URL");
    for (port, state) in &udp {
        match port {
            161 => assert!(
                matches!(state, UdpState::Open { service: "snmp", detail, .. } if detail.contains("public")),
                "{state:?}"
            ),
            1900 => assert!(
                matches!(state, UdpState::Open { service: "ssdp", detail, .. } if detail.contains("LOCATION") && detail.contains(":5000/")),
                "{state:?}"
            ),
            _ => assert_eq!(*state, UdpState::Closed, "udp {port}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hardened_device_shows_only_its_two_services() {
    let mut p = Profile::hardened().unwrap_or_else(|e| panic!("the hardened test device cannot run here: {e}"));
    let (open, services, udp) = survey(&p).await;
    p.check_running().unwrap();
    assert_eq!(open, vec![22, 443]);
    assert_eq!(open, nmap_open_tcp(&p.device.addr.to_string()).await, "starmark and nmap disagree");
    let ssh = service(&services, 22);
    assert!(ssh.name == "ssh" && ssh.detail.contains("dropbear"), "{ssh:?}");
    assert_eq!(service(&services, 443).name, "tls");
    assert!(udp.iter().all(|(_, s)| *s == UdpState::Closed), "{udp:?}");
}
