//! Service identification on open TCP ports, by handshake and banner, with
//! our own probe definitions (nmap's probe database is not freely licensed
//! and is not used).
//!
//! For each open port: connect and wait briefly for the server to speak
//! first (SSH, FTP, telnet option negotiation, SMTP); if it says nothing,
//! send the request of the protocol most likely on that port (HTTP `GET`,
//! a TLS ClientHello, an MQTT CONNECT, an RTSP `OPTIONS`), then the others,
//! each on a fresh connection. Every read is bounded in bytes and time, so
//! a tarpit, an endless banner or random noise cannot stall the scan; text
//! from the device is reduced to printable characters before it is shown.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// At most this much is read from a service.
const MAX_READ: usize = 4096;

/// What answers on a port.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Service {
    /// `ssh`, `telnet`, `http`, `tls`, `ftp`, `mqtt`, `rtsp`, `smtp`, or
    /// `unknown`.
    pub name: &'static str,
    /// What it said of itself (a banner, a `Server` header, a version).
    pub detail: String,
    /// How it was recognised.
    pub evidence: String,
    /// It could not be identified at all: no connection to the port could
    /// be made again (it answered the scan moments before), or the time
    /// budget ran out first. Nothing is known of it, so the report is
    /// incomplete.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unidentified: bool,
}

/// Timing of identification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct IdentifySettings {
    #[serde(serialize_with = "crate::tcp::ser_ms")]
    pub banner_wait: Duration,
    #[serde(serialize_with = "crate::tcp::ser_ms")]
    pub reply_wait: Duration,
}

impl Default for IdentifySettings {
    fn default() -> IdentifySettings {
        IdentifySettings { banner_wait: Duration::from_millis(1500), reply_wait: Duration::from_millis(2500) }
    }
}

/// Printable, one line, bounded: device text made safe to show.
pub(crate) fn printable(bytes: &[u8], max: usize) -> String {
    String::from_utf8_lossy(bytes)
        .chars()
        .map(|c| if c.is_control() || c == char::REPLACEMENT_CHARACTER { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(max)
        .collect()
}

/// Reads what arrives within `wait` (stopping early once something came
/// and the line ends, or at [`MAX_READ`]).
async fn read_some(s: &mut TcpStream, wait: Duration) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut buf = [0u8; 1024];
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        if left.is_zero() || out.len() >= MAX_READ {
            break;
        }
        match tokio::time::timeout(left, s.read(&mut buf)).await {
            Err(_) => break,
            Ok(Ok(0)) => break,
            Ok(Ok(n)) => {
                out.extend_from_slice(buf.get(..n).unwrap_or_default());
                // A complete line or a complete binary answer is enough.
                if out.ends_with(b"\n") || out.ends_with(b"\r\n\r\n") || !out.iter().all(|b| b.is_ascii()) {
                    // Keep reading briefly for headers that follow.
                    if out.windows(4).any(|w| w == b"\r\n\r\n") || !out.starts_with(b"HTTP/") {
                        break;
                    }
                }
            }
            Ok(Err(e)) => {
                if out.is_empty() {
                    return Err(e);
                }
                break;
            }
        }
    }
    out.truncate(MAX_READ);
    Ok(out)
}

/// Recognises what a server said unprompted.
fn banner(b: &[u8]) -> Option<Service> {
    if b.starts_with(b"SSH-") {
        let line = printable(b.split(|&c| c == b'\n').next().unwrap_or_default(), 200);
        return Some(Service {
            unidentified: false,
            name: "ssh",
            detail: line,
            evidence: "SSH identification string".into(),
        });
    }
    // Telnet: option negotiation, IAC (255) DO/DONT/WILL/WONT option,
    // repeated; what follows, if anything, is text or more negotiation.
    let mut rest = b;
    let mut negotiations = 0;
    while let [255, 251..=254, _, tail @ ..] = rest {
        negotiations += 1;
        rest = tail;
    }
    let texty = rest.iter().filter(|c| c.is_ascii_graphic() || c.is_ascii_whitespace() || **c == 255).count();
    if negotiations > 0 && texty * 10 >= rest.len() * 9 {
        let text: Vec<u8> = b.iter().copied().filter(|c| c.is_ascii_graphic() || *c == b' ').collect();
        return Some(Service {
            unidentified: false,
            name: "telnet",
            detail: printable(&text, 200),
            evidence: "telnet option negotiation (IAC) unprompted".into(),
        });
    }
    // A login prompt in plain text, without telnet's negotiation: many
    // embedded telnet daemons (and raw debug shells) greet like this.
    let plain = b.iter().all(|c| c.is_ascii_graphic() || c.is_ascii_whitespace());
    let last_line = b.trim_ascii_end().rsplit(|&c| c == b'\n').next().unwrap_or_default().to_ascii_lowercase();
    if plain && [&b"login:"[..], b"username:", b"user name:"].iter().any(|p| last_line.ends_with(p)) {
        return Some(Service {
            unidentified: false,
            name: "telnet",
            detail: printable(b, 200),
            evidence: "a login prompt in plain text, unprompted".into(),
        });
    }
    let text = printable(b, 200);
    if let Some(rest) = text.strip_prefix("220") {
        let lower = rest.to_ascii_lowercase();
        let name =
            if lower.contains("smtp") || lower.contains("esmtp") || lower.contains("mail") { "smtp" } else { "ftp" };
        return Some(Service { unidentified: false, name, detail: text.clone(), evidence: "220 greeting".into() });
    }
    None
}

/// The request of each protocol tried when the server stays silent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ask {
    Http,
    Tls,
    Mqtt,
    Rtsp,
}

/// A TLS 1.2/1.3 ClientHello (RFC 8446) offering common suites and
/// groups, without SNI. Any TLS server answers it with a handshake record
/// or an alert.
const CLIENT_HELLO: &[u8] = &[
    0x16, 0x03, 0x01, 0x00, 0x6b, // record: handshake, TLS 1.0 compat, 107 bytes
    0x01, 0x00, 0x00, 0x67, // ClientHello, 103 bytes
    0x03, 0x03, // legacy version TLS 1.2
    0x53, 0x54, 0x41, 0x52, 0x4d, 0x41, 0x52, 0x4b, 0x53, 0x54, 0x41, 0x52, 0x4d, 0x41, 0x52, 0x4b, // random
    0x53, 0x54, 0x41, 0x52, 0x4d, 0x41, 0x52, 0x4b, 0x53, 0x54, 0x41, 0x52, 0x4d, 0x41, 0x52, 0x4b,
    0x00, // session id: none
    0x00, 0x0a, 0x13, 0x01, 0x13, 0x02, 0xc0, 0x2f, 0xc0, 0x2b, 0xc0, 0x30, // 5 cipher suites
    0x01, 0x00, // compression: null
    0x00, 0x34, // extensions, 52 bytes
    0x00, 0x0a, 0x00, 0x06, 0x00, 0x04, 0x00, 0x1d, 0x00, 0x17, // supported_groups: x25519, secp256r1
    0x00, 0x0d, 0x00, 0x08, 0x00, 0x06, 0x04, 0x03, 0x08, 0x04, 0x04, 0x01, // signature_algorithms
    0x00, 0x2b, 0x00, 0x05, 0x04, 0x03, 0x04, 0x03, 0x03, // supported_versions: 1.3, 1.2
    0x00, 0x33, 0x00, 0x02, 0x00, 0x00, // key_share: empty (the server asks again or picks 1.2)
    0x00, 0x0b, 0x00, 0x02, 0x01, 0x00, // ec_point_formats: uncompressed
    0x00, 0x23, 0x00, 0x00, // session_ticket
    0xff, 0x01, 0x00, 0x01, 0x00, // renegotiation_info
];

/// MQTT 3.1.1 CONNECT (clean session, keep-alive 60 s, client id
/// `starmark`), no credentials.
const MQTT_CONNECT: &[u8] = &[
    0x10, 0x14, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0x02, 0x00, 0x3c, 0x00, 0x08, b's', b't', b'a', b'r', b'm',
    b'a', b'r', b'k',
];

impl Ask {
    fn request(self, host: &str) -> Vec<u8> {
        match self {
            Ask::Http => format!("GET / HTTP/1.0\r\nHost: {host}\r\nUser-Agent: starmark-scan\r\n\r\n").into_bytes(),
            Ask::Tls => CLIENT_HELLO.to_vec(),
            Ask::Mqtt => MQTT_CONNECT.to_vec(),
            Ask::Rtsp => {
                format!("OPTIONS rtsp://{host}/ RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: starmark-scan\r\n\r\n").into_bytes()
            }
        }
    }

    fn recognise(self, r: &[u8]) -> Option<Service> {
        match self {
            Ask::Http if r.starts_with(b"HTTP/") => {
                let head = String::from_utf8_lossy(r);
                let status = printable(head.lines().next().unwrap_or_default().as_bytes(), 100);
                let server = head
                    .lines()
                    .find_map(|l| l.split_once(':').filter(|(k, _)| k.trim().eq_ignore_ascii_case("server")))
                    .map(|(_, v)| printable(v.as_bytes(), 120));
                Some(Service {
                    unidentified: false,
                    name: "http",
                    detail: match server {
                        Some(s) => format!("{status}; Server: {s}"),
                        None => status,
                    },
                    evidence: "answered an HTTP GET".into(),
                })
            }
            Ask::Tls => match r {
                [0x16, 0x03, minor, ..] if *minor <= 0x04 => Some(Service {
                    unidentified: false,
                    name: "tls",
                    detail: "TLS handshake answered".into(),
                    evidence: "answered a TLS ClientHello with a handshake record".into(),
                }),
                [0x15, 0x03, minor, _, _, level, desc, ..] if *minor <= 0x04 => Some(Service {
                    unidentified: false,
                    name: "tls",
                    detail: format!("TLS alert (level {level}, description {desc})"),
                    evidence: "answered a TLS ClientHello with an alert".into(),
                }),
                _ => None,
            },
            Ask::Mqtt => match r {
                [0x20, 0x02, _, code, ..] => Some(Service {
                    unidentified: false,
                    name: "mqtt",
                    detail: match code {
                        0 => "MQTT broker accepted a connection without credentials".into(),
                        4 | 5 => "MQTT broker refused the connection (credentials required)".into(),
                        c => format!("MQTT broker answered CONNACK code {c}"),
                    },
                    evidence: "answered an MQTT CONNECT with CONNACK".into(),
                }),
                _ => None,
            },
            Ask::Rtsp if r.starts_with(b"RTSP/") => Some(Service {
                unidentified: false,
                name: "rtsp",
                detail: printable(r.split(|&c| c == b'\n').next().unwrap_or_default(), 100),
                evidence: "answered an RTSP OPTIONS".into(),
            }),
            _ => None,
        }
    }
}

/// Ports where the client speaks first in the protocol usually found
/// there (HTTP, TLS, MQTT, RTSP).
fn client_first(port: u16) -> bool {
    matches!(port, 80 | 443 | 554 | 1883 | 5000 | 8000 | 8080 | 8443 | 8554 | 8883)
}

/// The order in which protocols are tried on `port`: the likely one first.
fn asks_for(port: u16) -> [Ask; 4] {
    match port {
        443 | 8443 | 8883 | 993 | 995 | 636 | 5061 => [Ask::Tls, Ask::Http, Ask::Mqtt, Ask::Rtsp],
        1883 => [Ask::Mqtt, Ask::Http, Ask::Tls, Ask::Rtsp],
        554 | 8554 => [Ask::Rtsp, Ask::Http, Ask::Tls, Ask::Mqtt],
        _ => [Ask::Http, Ask::Tls, Ask::Mqtt, Ask::Rtsp],
    }
}

/// Identifies the service on an open port.
pub async fn identify(addr: IpAddr, port: u16, s: &IdentifySettings) -> Service {
    let target = SocketAddr::new(addr, port);
    let host = match addr {
        IpAddr::V4(a) => a.to_string(),
        IpAddr::V6(a) => format!("[{a}]"),
    };
    let mut heard = Vec::new();
    // Whether any connection to the port could be made.
    let mut reached = false;
    // 0. On ports whose usual protocol has the client speak first, ask at
    // once instead of waiting for a banner that will not come; a server
    // that speaks first anyway shows its banner in the reply.
    if client_first(port) {
        let ask = asks_for(port)[0];
        if let Ok(Ok(mut c)) = tokio::time::timeout(s.reply_wait, TcpStream::connect(target)).await {
            reached = true;
            if c.write_all(&ask.request(&host)).await.is_ok()
                && let Ok(r) = read_some(&mut c, s.reply_wait).await
            {
                if let Some(svc) = ask.recognise(&r).or_else(|| banner(&r)) {
                    return svc;
                }
                heard = r;
            }
        }
    }
    // 1. Does it speak first?
    let mut unidentified_why = String::new();
    match tokio::time::timeout(s.reply_wait, TcpStream::connect(target)).await {
        Ok(Ok(mut c)) => {
            reached = true;
            match read_some(&mut c, s.banner_wait).await {
                Ok(b) if !b.is_empty() => {
                    if let Some(svc) = banner(&b) {
                        return svc;
                    }
                    heard = b;
                }
                Ok(_) => {}
                Err(e) => heard = format!("(connection error: {e})").into_bytes(),
            }
        }
        Ok(Err(e)) => unidentified_why = format!("could not connect again: {e}"),
        Err(_) => unidentified_why = "could not connect again in time".into(),
    }
    // 2. Ask, in the port's likely order, each on a fresh connection.
    for ask in asks_for(port) {
        let Ok(Ok(mut c)) = tokio::time::timeout(s.reply_wait, TcpStream::connect(target)).await else { continue };
        reached = true;
        if c.write_all(&ask.request(&host)).await.is_err() {
            continue;
        }
        if let Ok(r) = read_some(&mut c, s.reply_wait).await {
            if let Some(svc) = ask.recognise(&r) {
                return svc;
            }
            if heard.is_empty() {
                heard = r;
            }
        }
    }
    if !reached {
        return not_identified(unidentified_why);
    }
    Service {
        unidentified: false,
        name: "unknown",
        detail: printable(&heard, 120),
        evidence: if heard.is_empty() {
            "said nothing, and answered none of HTTP, TLS, MQTT and RTSP".into()
        } else {
            format!("{} bytes in no protocol known here", heard.len())
        },
    }
}

fn not_identified(why: String) -> Service {
    Service { unidentified: true, name: "unknown", detail: String::new(), evidence: why }
}

/// Identifies the services on `ports`, a few at a time, within `budget`:
/// a port not identified by then (a device that accepts every port and
/// answers slowly on each) is marked unidentified.
pub async fn identify_all(addr: IpAddr, ports: &[u16], s: &IdentifySettings, budget: Duration) -> Vec<(u16, Service)> {
    let now = tokio::time::Instant::now();
    let deadline = now.checked_add(budget).unwrap_or(now + Duration::from_secs(86_400 * 365));
    let mut set = tokio::task::JoinSet::new();
    let mut spawned = std::collections::HashMap::new();
    let mut out = Vec::new();
    let mut it = ports.iter().copied();
    loop {
        while set.len() < 8 {
            let Some(p) = it.next() else { break };
            let s = *s;
            let handle = set.spawn(async move {
                match tokio::time::timeout_at(deadline, identify(addr, p, &s)).await {
                    Ok(svc) => (p, svc),
                    Err(_) => (p, not_identified("the scan's time budget ran out before it was identified".into())),
                }
            });
            spawned.insert(handle.id(), p);
        }
        match set.join_next_with_id().await {
            Some(Ok((_, r))) => out.push(r),
            Some(Err(e)) => {
                if let Some(&p) = spawned.get(&e.id()) {
                    out.push((p, not_identified(format!("identification failed inside the scanner: {e}"))));
                }
            }
            None => break,
        }
    }
    out.sort_by_key(|(p, _)| *p);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_login_prompt_is_telnet() {
        let busybox = banner(b"\r\nBusyBox v1.36 (router)\r\nrouter login: ").unwrap();
        assert_eq!((busybox.name, busybox.unidentified), ("telnet", false));
        assert_eq!(banner(b"User Name:").unwrap().name, "telnet");
        // Text that is no login prompt, or a prompt among binary noise, is not.
        assert!(banner(b"hello there\r\n").is_none());
        assert!(banner(b"\x00\x01login: ").is_none());
        assert!(banner(b"login: is what you type\r\n").is_none());
    }

    #[test]
    fn client_hello_lengths_add_up() {
        let record_len = usize::from(u16::from_be_bytes([CLIENT_HELLO[3], CLIENT_HELLO[4]]));
        assert_eq!(record_len, CLIENT_HELLO.len() - 5);
        let hs_len = usize::from(CLIENT_HELLO[8]) | usize::from(CLIENT_HELLO[7]) << 8;
        assert_eq!(hs_len, record_len - 4);
        let ext_at = 5 + 4 + 2 + 32 + 1 + 2 + 10 + 2;
        let ext_len = usize::from(u16::from_be_bytes([CLIENT_HELLO[ext_at], CLIENT_HELLO[ext_at + 1]]));
        assert_eq!(ext_len, CLIENT_HELLO.len() - ext_at - 2);
        assert_eq!(usize::from(MQTT_CONNECT[1]), MQTT_CONNECT.len() - 2);
    }

    #[test]
    fn banners() {
        assert_eq!(banner(b"SSH-2.0-dropbear_2022.83\r\n").unwrap().detail, "SSH-2.0-dropbear_2022.83");
        assert_eq!(banner(b"\xff\xfd\x18\xff\xfd\x20").unwrap().name, "telnet");
        assert_eq!(banner(b"\xff\xfb\x01login: ").unwrap().name, "telnet");
        assert_eq!(banner(b"\xff\xfe\xfd\xfc\xfb\xfa\xf9\x00\x01\x02"), None, "noise that starts like telnet");
        assert_eq!(banner(b"220 (vsFTPd 3.0.3)\r\n").unwrap().name, "ftp");
        assert_eq!(banner(b"220 mail ESMTP Postfix\r\n").unwrap().name, "smtp");
        assert_eq!(banner(b"\x1b[2J\x00hello"), None);
        assert_eq!(printable(b"a\x1b[31m\r\n\tb\x00c", 10), "a [31m b c");
    }
}
