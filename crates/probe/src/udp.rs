//! UDP probes: a protocol request per well-known IoT service, sent to the
//! device's port; an answer in that protocol means the service is there.
//!
//! UDP has no handshake, so an empty datagram tells nothing: each port gets
//! a request its protocol must answer (an SNMP GET of sysDescr with the
//! community `public`, an NTP client request, an SSDP M-SEARCH, ...). The
//! requests are fixed bytes written from the protocols' RFCs and
//! specifications, and the recognisers check only the few fields that show
//! the protocol answered (plus, for SNMP and SSDP, the detail worth
//! reporting). Full protocol stacks would add code and attack surface for
//! nothing: a scanner must read hostile replies, not speak the protocols.
//!
//! States: **open** (the protocol answered), **closed** (the device sent
//! ICMP port unreachable: a connected socket sees `ECONNREFUSED`), and
//! **unanswered** (no reply to any try: the port may be closed behind a
//! filter, or open with a service that ignores this request; nmap calls it
//! `open|filtered`). Unanswered is never called closed. Devices rate-limit
//! ICMP errors (Linux: about one per second per destination by default),
//! so probes are sent a few at a time and retried.
//!
//! The table is open for more: add a [`UdpProbe`] to [`PROBES`].

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use tokio::net::UdpSocket;
use tokio::task::JoinSet;

/// One UDP service probe.
#[derive(Debug, Clone, Copy)]
pub struct UdpProbe {
    pub port: u16,
    /// Service name for reports (`snmp`, `ssdp`, ...).
    pub service: &'static str,
    /// The requests sent, together, in each try (SNMP asks in v1 and v2c).
    pub requests: &'static [&'static [u8]],
    /// Whether a reply is this protocol's answer, and what it says worth
    /// reporting.
    pub recognise: fn(&[u8]) -> Option<String>,
    /// The service answers from another port than the one asked (TFTP
    /// answers from a fresh port, RFC 1350 §4).
    pub answers_from_any_port: bool,
}

/// What a UDP port did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum UdpState {
    /// The service answered in its protocol.
    Open { service: &'static str, detail: String, reply_bytes: usize },
    /// ICMP port unreachable.
    Closed,
    /// Something answered, but not in the expected protocol.
    OpenUnrecognised { reply_bytes: usize },
    /// No reply to any try.
    Unanswered { tries: u8 },
}

/// SNMPv2c GetRequest for sysDescr.0 (1.3.6.1.2.1.1.1.0), community
/// `public`, request-id 0x53544152 ("STAR"). BER, RFC 3416/3417.
const SNMP_V2C_SYSDESCR: &[u8] = &[
    0x30, 0x29, // SEQUENCE, 41 bytes
    0x02, 0x01, 0x01, // version: 1 = v2c
    0x04, 0x06, b'p', b'u', b'b', b'l', b'i', b'c', // community
    0xa0, 0x1c, // GetRequest-PDU, 28 bytes
    0x02, 0x04, 0x53, 0x54, 0x41, 0x52, // request-id
    0x02, 0x01, 0x00, // error-status
    0x02, 0x01, 0x00, // error-index
    0x30, 0x0e, 0x30, 0x0c, // varbind list, varbind
    0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x01, 0x00, // sysDescr.0
    0x05, 0x00, // NULL
];

/// The same GET as SNMPv1 (version 0), for agents that speak only v1.
const SNMP_V1_SYSDESCR: &[u8] = &[
    0x30, 0x29, 0x02, 0x01, 0x00, 0x04, 0x06, b'p', b'u', b'b', b'l', b'i', b'c', 0xa0, 0x1c, 0x02, 0x04, 0x53, 0x54,
    0x41, 0x52, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00, 0x30, 0x0e, 0x30, 0x0c, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01,
    0x01, 0x01, 0x00, 0x05, 0x00,
];

/// NTPv4 client request (RFC 5905): LI 0, VN 4, mode 3, the rest zero.
const NTP_CLIENT: &[u8] = &[
    0x23, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
];

/// DNS query (RFC 1035), id 0x5354, recursion not desired, for the root's
/// NS records: any server answers it, even with a refusal.
const DNS_ROOT_NS: &[u8] = &[0x53, 0x54, 0x00, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0x00, 0x00, 0x02, 0x00, 0x01];

/// mDNS unicast-response query (RFC 6762/6763) for the service list
/// `_services._dns-sd._udp.local` PTR, id 0x5354.
const MDNS_SERVICES: &[u8] = &[
    0x53, 0x54, 0x00, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, //
    9, b'_', b's', b'e', b'r', b'v', b'i', b'c', b'e', b's', //
    7, b'_', b'd', b'n', b's', b'-', b's', b'd', //
    4, b'_', b'u', b'd', b'p', //
    5, b'l', b'o', b'c', b'a', b'l', 0, //
    0x00, 0x0c, 0x80, 0x01, // PTR, class IN with the unicast-response bit
];

/// NetBIOS node status request (RFC 1002) for `*`, transaction 0x5354.
const NBSTAT: &[u8] = &[
    0x53, 0x54, 0x00, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0x20, b'C', b'K', b'A', b'A', b'A', b'A', b'A', b'A', b'A',
    b'A', b'A', b'A', b'A', b'A', b'A', b'A', b'A', b'A', b'A', b'A', b'A', b'A', b'A', b'A', b'A', b'A', b'A', b'A',
    b'A', b'A', b'A', b'A', 0x00, 0x00, 0x21, 0x00, 0x01,
];

/// TFTP read request (RFC 1350) for a file no device has, mode octet: a
/// server answers with an error packet (or, oddly, data).
const TFTP_RRQ: &[u8] = b"\x00\x01starmark-probe-does-not-exist\x00octet\x00";

/// SSDP M-SEARCH (UPnP Device Architecture 2.0), sent unicast.
pub(crate) const SSDP_MSEARCH: &[u8] =
    b"M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 1\r\nST: ssdp:all\r\n\r\n";

/// CoAP (RFC 7252) confirmable GET /.well-known/core, message id 0x5354,
/// token 0x53.
const COAP_CORE: &[u8] = &[
    0x41, 0x01, 0x53, 0x54, 0x53, // ver 1, CON, token length 1; GET; mid; token
    0xbb, b'.', b'w', b'e', b'l', b'l', b'-', b'k', b'n', b'o', b'w', b'n', // Uri-Path ".well-known"
    0x04, b'c', b'o', b'r', b'e', // Uri-Path "core"
];

/// WS-Discovery Probe (OASIS WS-Discovery 1.1), SOAP over UDP.
const WSD_PROBE: &[u8] = b"<?xml version=\"1.0\" encoding=\"utf-8\"?>\
<soap:Envelope xmlns:soap=\"http://www.w3.org/2003/05/soap-envelope\" \
xmlns:wsa=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\" \
xmlns:wsd=\"http://schemas.xmlsoap.org/ws/2005/04/discovery\">\
<soap:Header><wsa:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</wsa:To>\
<wsa:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</wsa:Action>\
<wsa:MessageID>urn:uuid:53544152-4d41-524b-0000-000000000001</wsa:MessageID></soap:Header>\
<soap:Body><wsd:Probe/></soap:Body></soap:Envelope>";

/// A DNS-shaped reply to our id (DNS, mDNS, NetBIOS share the header).
fn dns_reply(r: &[u8]) -> Option<String> {
    match r {
        [0x53, 0x54, flags, ..] if flags & 0x80 != 0 && r.len() >= 12 => Some(String::new()),
        _ => None,
    }
}

/// mDNS answers may carry id 0 (RFC 6762 §18.1).
fn mdns_reply(r: &[u8]) -> Option<String> {
    match r {
        [0x53, 0x54, flags, ..] | [0, 0, flags, ..] if flags & 0x80 != 0 && r.len() >= 12 => Some(String::new()),
        _ => None,
    }
}

fn ntp_reply(r: &[u8]) -> Option<String> {
    let first = *r.first()?;
    // Mode 4 (server) or 5 (broadcast), version 1-4, 48 bytes or more.
    (r.len() >= 48 && matches!(first & 0x07, 4 | 5) && (1..=4).contains(&((first >> 3) & 0x07)))
        .then(|| format!("NTP version {}, stratum {}", (first >> 3) & 0x07, r.get(1).copied().unwrap_or(0)))
}

fn tftp_reply(r: &[u8]) -> Option<String> {
    match r {
        [0x00, 0x05, ..] => Some("error packet to a read request".into()),
        [0x00, 0x03, ..] => Some("sent data for a file that should not exist".into()),
        _ => None,
    }
}

fn ssdp_reply(r: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(r).ok()?;
    if !text.starts_with("HTTP/1.1 200") {
        return None;
    }
    let header = |name: &str| {
        text.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim().eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
    };
    Some(
        [("SERVER", header("SERVER")), ("LOCATION", header("LOCATION"))]
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| format!("{k}: {}", clip(&v))))
            .collect::<Vec<_>>()
            .join("; "),
    )
}

fn coap_reply(r: &[u8]) -> Option<String> {
    let (first, code) = (*r.first()?, *r.get(1)?);
    // Version 1, type ACK (2) or RST (3), our message id.
    (first >> 6 == 1 && matches!((first >> 4) & 0x03, 2 | 3) && r.get(2..4) == Some(&[0x53, 0x54][..]))
        .then(|| format!("CoAP {}.{:02}", code >> 5, code & 0x1f))
}

fn wsd_reply(r: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(r);
    (text.contains("ProbeMatches") || text.contains("Envelope")).then(String::new)
}

/// Text from a device, made safe to show: printable, one line, bounded.
fn clip(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).take(200).collect()
}

/// Reads one BER TLV: (tag, value, rest).
pub(crate) fn tlv(b: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = b.split_first()?;
    let (&len0, rest) = rest.split_first()?;
    let (len, rest) = if len0 < 0x80 {
        (usize::from(len0), rest)
    } else {
        let n = usize::from(len0 & 0x7f);
        if n == 0 || n > 3 {
            return None;
        }
        let (bytes, rest) = (rest.get(..n)?, rest.get(n..)?);
        (bytes.iter().fold(0usize, |acc, &x| (acc << 8) | usize::from(x)), rest)
    };
    Some((tag, rest.get(..len)?, rest.get(len..)?))
}

/// An SNMP GetResponse to our request; the sysDescr it carries.
fn snmp_reply(r: &[u8]) -> Option<String> {
    let (0x30, msg, _) = tlv(r)? else { return None };
    let (0x02, version, rest) = tlv(msg)? else { return None };
    let (0x04, _community, rest) = tlv(rest)? else { return None };
    let (0xa2, pdu, _) = tlv(rest)? else { return None };
    let (0x02, id, rest) = tlv(pdu)? else { return None };
    if id != [0x53, 0x54, 0x41, 0x52] {
        return None;
    }
    let (0x02, _status, rest) = tlv(rest)? else { return None };
    let (0x02, _index, rest) = tlv(rest)? else { return None };
    let (0x30, list, _) = tlv(rest)? else { return None };
    let (0x30, bind, _) = tlv(list)? else { return None };
    let (0x06, _oid, rest) = tlv(bind)? else { return None };
    let (tag, value, _) = tlv(rest)?;
    let descr = if tag == 0x04 { clip(&String::from_utf8_lossy(value)) } else { String::new() };
    let v = match version {
        [0] => "SNMPv1",
        [1] => "SNMPv2c",
        _ => "SNMP",
    };
    Some(format!("{v} answers the community \"public\"; sysDescr: {descr}"))
}

/// The built-in probes, by port.
pub const PROBES: &[UdpProbe] = &[
    UdpProbe { port: 53, service: "dns", requests: &[DNS_ROOT_NS], recognise: dns_reply, answers_from_any_port: false },
    UdpProbe { port: 69, service: "tftp", requests: &[TFTP_RRQ], recognise: tftp_reply, answers_from_any_port: true },
    UdpProbe { port: 123, service: "ntp", requests: &[NTP_CLIENT], recognise: ntp_reply, answers_from_any_port: false },
    UdpProbe {
        port: 137,
        service: "netbios-ns",
        requests: &[NBSTAT],
        recognise: dns_reply,
        answers_from_any_port: false,
    },
    UdpProbe {
        port: 161,
        service: "snmp",
        requests: &[SNMP_V2C_SYSDESCR, SNMP_V1_SYSDESCR],
        recognise: snmp_reply,
        answers_from_any_port: false,
    },
    UdpProbe {
        port: 1900,
        service: "ssdp",
        requests: &[SSDP_MSEARCH],
        recognise: ssdp_reply,
        answers_from_any_port: false,
    },
    UdpProbe {
        port: 3702,
        service: "ws-discovery",
        requests: &[WSD_PROBE],
        recognise: wsd_reply,
        answers_from_any_port: false,
    },
    UdpProbe {
        port: 5353,
        service: "mdns",
        requests: &[MDNS_SERVICES],
        recognise: mdns_reply,
        answers_from_any_port: false,
    },
    UdpProbe {
        port: 5683,
        service: "coap",
        requests: &[COAP_CORE],
        recognise: coap_reply,
        answers_from_any_port: false,
    },
];

/// The probe for `port`, if there is one.
pub fn probe_for(port: u16) -> Option<&'static UdpProbe> {
    PROBES.iter().find(|p| p.port == port)
}

/// How the UDP probes are sent.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UdpSettings {
    pub tries: u8,
    #[serde(serialize_with = "crate::tcp::ser_ms")]
    pub timeout: Duration,
    /// Ports probed at once (ICMP errors are rate-limited by devices).
    pub parallel: usize,
}

impl Default for UdpSettings {
    fn default() -> UdpSettings {
        UdpSettings { tries: 3, timeout: Duration::from_millis(1500), parallel: 3 }
    }
}

/// A UDP socket bound to `local` with address and port reuse, so that two
/// sockets can share one local port.
fn shared_socket(local: SocketAddr) -> io::Result<UdpSocket> {
    let s =
        socket2::Socket::new(socket2::Domain::for_address(local), socket2::Type::DGRAM, Some(socket2::Protocol::UDP))?;
    s.set_reuse_address(true)?;
    s.set_reuse_port(true)?;
    s.set_nonblocking(true)?;
    s.bind(&local.into())?;
    UdpSocket::from_std(s.into())
}

/// One try: send the request, wait for a reply or an ICMP error.
///
/// The request goes out of a *connected* socket: the kernel then hands it
/// an ICMP port unreachable as `ECONNREFUSED`, and drops datagrams from
/// anyone else. For services that answer from another port, a second,
/// unconnected socket shares the local port and takes replies from any
/// port of the target address (and only of it).
async fn try_once(addr: SocketAddr, probe: &UdpProbe, timeout: Duration) -> io::Result<Option<Vec<u8>>> {
    let any: SocketAddr = if addr.is_ipv4() { "0.0.0.0:0" } else { "[::]:0" }.parse().map_err(io::Error::other)?;
    let (conn, other) = if probe.answers_from_any_port {
        let other = shared_socket(any)?;
        let conn = shared_socket(other.local_addr()?)?;
        (conn, Some(other))
    } else {
        (UdpSocket::bind(any).await?, None)
    };
    conn.connect(addr).await?;
    for r in probe.requests {
        conn.send(r).await?;
    }
    let mut buf = vec![0u8; 65_536];
    let mut buf2 = vec![0u8; 65_536];
    let from_other = async {
        match &other {
            Some(o) => loop {
                let (n, from) = o.recv_from(&mut buf2).await?;
                if from.ip() == addr.ip() {
                    return Ok::<usize, io::Error>(n);
                }
            },
            None => std::future::pending().await,
        }
    };
    let got = tokio::time::timeout(timeout, async {
        tokio::select! {
            r = conn.recv(&mut buf) => r.map(|n| (n, false)),
            r = from_other => r.map(|n| (n, true)),
        }
    })
    .await;
    match got {
        Err(_) => Ok(None),
        Ok(Ok((n, false))) => {
            buf.truncate(n);
            Ok(Some(buf))
        }
        Ok(Ok((n, true))) => {
            buf2.truncate(n);
            Ok(Some(buf2))
        }
        Ok(Err(e)) => Err(e),
    }
}

/// The text of the first `<tag>…</tag>` in `xml`, if short and plain.
fn xml_text(xml: &str, tag: &str) -> Option<String> {
    let start = xml.find(&format!("<{tag}>"))? + tag.len() + 2;
    let len = xml.get(start..)?.find('<')?;
    let text = clip(xml.get(start..start + len)?.trim());
    (!text.is_empty()).then_some(text)
}

/// Fetches the UPnP device description an SSDP answer points to, if it is
/// on the device itself (never another host), and names the device.
async fn upnp_description(addr: IpAddr, location: &str) -> Option<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = location.strip_prefix("http://")?;
    let (hostport, path) = rest.split_once('/').map_or((rest, "/".to_string()), |(h, p)| (h, format!("/{p}")));
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) => (h.trim_matches(['[', ']']), p.parse::<u16>().ok()?),
        None => (hostport, 80),
    };
    if host.parse::<IpAddr>().ok()? != addr {
        return None;
    }
    let fetch = async {
        let mut s = tokio::net::TcpStream::connect(SocketAddr::new(addr, port)).await.ok()?;
        let req = format!("GET {path} HTTP/1.0\r\nHost: {hostport}\r\nUser-Agent: starmark-scan\r\n\r\n");
        s.write_all(req.as_bytes()).await.ok()?;
        let mut body = Vec::new();
        let _ = (&mut s).take(64 * 1024).read_to_end(&mut body).await;
        Some(body)
    };
    let body = tokio::time::timeout(Duration::from_secs(3), fetch).await.ok()??;
    let xml = String::from_utf8_lossy(&body);
    let parts: Vec<String> = [
        ("friendlyName", "name"),
        ("manufacturer", "manufacturer"),
        ("modelName", "model"),
        ("modelNumber", "model number"),
    ]
    .into_iter()
    .filter_map(|(tag, label)| xml_text(&xml, tag).map(|t| format!("{label}: {t}")))
    .collect();
    (!parts.is_empty()).then(|| format!("UPnP description ({})", parts.join(", ")))
}

/// Probes one port until it answers, is refused, or runs out of tries.
async fn probe_port(addr: IpAddr, probe: UdpProbe, s: UdpSettings) -> (u16, UdpState) {
    let target = SocketAddr::new(addr, probe.port);
    for k in 0..s.tries {
        match try_once(target, &probe, s.timeout.saturating_mul(u32::from(k) + 1)).await {
            Ok(Some(reply)) => {
                return (
                    probe.port,
                    match (probe.recognise)(&reply) {
                        Some(mut detail) => {
                            // SSDP points to the device's description: read it.
                            if probe.service == "ssdp"
                                && let Some(loc) = detail
                                    .split("LOCATION: ")
                                    .nth(1)
                                    .map(|l| l.split(';').next().unwrap_or(l).trim().to_string())
                                && let Some(desc) = upnp_description(addr, &loc).await
                            {
                                detail = format!("{detail}; {desc}");
                            }
                            UdpState::Open { service: probe.service, detail, reply_bytes: reply.len() }
                        }
                        None => UdpState::OpenUnrecognised { reply_bytes: reply.len() },
                    },
                );
            }
            Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => return (probe.port, UdpState::Closed),
            // No reply, or a local error: try again after a pause.
            Ok(None) | Err(_) => {}
        }
    }
    (probe.port, UdpState::Unanswered { tries: s.tries })
}

/// Probes `ports` of `addr` (ports without a probe in [`PROBES`] are
/// skipped and returned as such).
pub async fn scan(addr: IpAddr, ports: &[u16], s: &UdpSettings) -> (Vec<(u16, UdpState)>, Vec<u16>) {
    let mut skipped = Vec::new();
    let mut todo = Vec::new();
    for &p in ports {
        match probe_for(p) {
            Some(probe) => todo.push(*probe),
            None => skipped.push(p),
        }
    }
    let mut results = Vec::new();
    let mut set = JoinSet::new();
    let mut it = todo.into_iter();
    loop {
        while set.len() < s.parallel.max(1) {
            let Some(probe) = it.next() else { break };
            set.spawn(probe_port(addr, probe, s.clone()));
        }
        match set.join_next().await {
            Some(Ok(r)) => results.push(r),
            Some(Err(_)) => {}
            None => break,
        }
    }
    results.sort_by_key(|(p, _)| *p);
    (results, skipped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ber_lengths_in_the_snmp_request_add_up() {
        for req in [SNMP_V2C_SYSDESCR, SNMP_V1_SYSDESCR] {
            let (tag, body, rest) = tlv(req).unwrap();
            assert_eq!((tag, body.len(), rest.len()), (0x30, req.len() - 2, 0));
        }
    }

    #[test]
    fn snmp_response_gives_sysdescr() {
        // Our request with the PDU tag turned into GetResponse and the
        // NULL replaced by an OCTET STRING.
        let descr = b"Linux cam 5.10";
        let mut varbind = vec![0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x01, 0x00, 0x04, descr.len() as u8];
        varbind.extend_from_slice(descr);
        let mut list = vec![0x30, varbind.len() as u8];
        list.extend(varbind);
        let mut binds = vec![0x30, list.len() as u8];
        binds.extend(list);
        let mut pdu = vec![0x02, 0x04, 0x53, 0x54, 0x41, 0x52, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00];
        pdu.extend(binds);
        let mut body = vec![0x02, 0x01, 0x01, 0x04, 0x06, b'p', b'u', b'b', b'l', b'i', b'c', 0xa2, pdu.len() as u8];
        body.extend(pdu);
        let mut msg = vec![0x30, body.len() as u8];
        msg.extend(body);
        assert_eq!(snmp_reply(&msg).unwrap(), "SNMPv2c answers the community \"public\"; sysDescr: Linux cam 5.10");
        // Our own request is not a response; truncations never panic.
        assert_eq!(snmp_reply(SNMP_V2C_SYSDESCR), None);
        for n in 0..msg.len() {
            assert_eq!(snmp_reply(msg.get(..n).unwrap()), None, "truncated at {n}");
        }
    }

    #[test]
    fn recognisers_refuse_noise() {
        for probe in PROBES {
            let mut noises: Vec<&[u8]> = vec![b"", b"\x00", b"\xff\xff\xff\xff", b"HTTP/1.0 400 Bad"];
            noises.extend(probe.requests.iter().copied());
            for noise in noises {
                let got = (probe.recognise)(noise);
                // Echoing our request back is not an answer (WS-Discovery's
                // request is itself an Envelope, the one exception).
                if probe.service != "ws-discovery" {
                    assert_eq!(got, None, "{} took {noise:?}", probe.service);
                }
            }
        }
        assert!(ssdp_reply(b"HTTP/1.1 200 OK\r\nSERVER: Linux UPnP/1.1 \x1b[31mMiniUPnPd\r\nLOCATION: http://10.0.0.2:5000/rootDesc.xml\r\n\r\n")
            .unwrap()
            .contains("SERVER: Linux UPnP/1.1 [31mMiniUPnPd"));
        assert_eq!(ntp_reply(&[0x24; 48]).unwrap(), "NTP version 4, stratum 36");
        let xml = "<root><device><friendlyName>Cam \u{1b}X</friendlyName><manufacturer></manufacturer></device></root>";
        assert_eq!(xml_text(xml, "friendlyName").unwrap(), "Cam X");
        assert_eq!(xml_text(xml, "manufacturer"), None);
        assert_eq!(xml_text(xml, "modelName"), None);
    }
}
