//! TLS: which protocol versions a service accepts, asked with hand-built
//! ClientHello messages (one per version) and answered by reading the
//! server's first record with `tls-parser`.
//!
//! rustls cannot speak SSL 3.0, TLS 1.0 or 1.1, and a scanner must offer
//! exactly what it tests, so the ClientHellos are built here from RFC 5246
//! and RFC 8446. A ServerHello at the version offered means accepted; an
//! alert, or a close without a word, means refused; silence or noise is
//! inconclusive, never refused.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The versions probed, oldest first: (name, wire version).
pub const VERSIONS: [(&str, u16); 5] =
    [("SSLv3", 0x0300), ("TLSv1.0", 0x0301), ("TLSv1.1", 0x0302), ("TLSv1.2", 0x0303), ("TLSv1.3", 0x0304)];

/// Cipher suites offered up to TLS 1.2: modern AEAD, the CBC suites old
/// stacks still run, and a few legacy ones, so any server finds one it
/// has; plus the renegotiation SCSV (RFC 5746).
const LEGACY_SUITES: [u16; 19] = [
    0xc02f, 0xc030, 0xc02b, 0xc02c, 0xcca8, 0xcca9, 0xc013, 0xc014, 0xc009, 0xc00a, 0x009c, 0x009d, 0x002f, 0x0035,
    0x0033, 0x0039, 0x000a, 0x0005, 0x00ff,
];
const TLS13_SUITES: [u16; 3] = [0x1301, 0x1302, 0x1303];

/// What one version probe found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum VersionResult {
    Accepted { cipher: u16 },
    Refused { evidence: String },
    Inconclusive { reason: String },
}

fn ext(kind: u16, body: &[u8]) -> Vec<u8> {
    let mut v = kind.to_be_bytes().to_vec();
    v.extend_from_slice(&(body.len() as u16).to_be_bytes());
    v.extend_from_slice(body);
    v
}

fn list16(items: &[u16]) -> Vec<u8> {
    let mut v = ((items.len() * 2) as u16).to_be_bytes().to_vec();
    for i in items {
        v.extend_from_slice(&i.to_be_bytes());
    }
    v
}

/// A ClientHello offering exactly `version`.
pub fn client_hello(version: u16) -> Vec<u8> {
    let tls13 = version == 0x0304;
    let legacy = if tls13 { 0x0303 } else { version };
    let mut suites: Vec<u16> = Vec::new();
    if tls13 {
        suites.extend(TLS13_SUITES);
    } else {
        suites.extend(LEGACY_SUITES);
    }
    let mut body = legacy.to_be_bytes().to_vec();
    body.extend_from_slice(b"STARMARK-TLS-VERSION-PROBE-2026!"); // 32-byte random
    body.push(0); // no session id
    body.extend(list16(&suites));
    body.extend_from_slice(&[1, 0]); // compression: null
    let mut exts = Vec::new();
    if version != 0x0300 {
        exts.extend(ext(0x000a, &list16(&[0x001d, 0x0017, 0x0018]))); // groups: x25519, P-256, P-384
        exts.extend(ext(0x000b, &[1, 0])); // EC point formats: uncompressed
        exts.extend(ext(0x000d, &list16(&[0x0403, 0x0503, 0x0804, 0x0805, 0x0401, 0x0501, 0x0807, 0x0201])));
    }
    if tls13 {
        exts.extend(ext(0x002b, &[2, 0x03, 0x04])); // supported_versions: 1.3 only
        let mut share = vec![0x00, 0x1d, 0x00, 0x20];
        share.extend_from_slice(b"starmark x25519 key share probe!"); // 32 bytes
        let mut shares = (share.len() as u16).to_be_bytes().to_vec();
        shares.extend(share);
        exts.extend(ext(0x0033, &shares));
        exts.extend(ext(0x002d, &[1, 1])); // psk_key_exchange_modes: psk_dhe_ke
    }
    if !exts.is_empty() {
        body.extend_from_slice(&(exts.len() as u16).to_be_bytes());
        body.extend(exts);
    }
    let mut hs = vec![1u8];
    hs.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    hs.extend(body);
    let record_version: u16 = if version == 0x0300 { 0x0300 } else { 0x0301 };
    let mut rec = vec![0x16];
    rec.extend_from_slice(&record_version.to_be_bytes());
    rec.extend_from_slice(&(hs.len() as u16).to_be_bytes());
    rec.extend(hs);
    rec
}

/// Classifies the server's first record for a probe of `version`.
fn classify(version: u16, record: &[u8]) -> VersionResult {
    use tls_parser::{TlsExtension, TlsMessage, TlsMessageHandshake};
    let Ok((_, plain)) = tls_parser::parse_tls_plaintext(record) else {
        return VersionResult::Inconclusive { reason: format!("{} bytes that are not a TLS record", record.len()) };
    };
    for msg in &plain.msg {
        match msg {
            TlsMessage::Alert(a) => {
                return VersionResult::Refused { evidence: format!("alert {:?} ({:?})", a.code, a.severity) };
            }
            TlsMessage::Handshake(TlsMessageHandshake::ServerHello(sh)) => {
                let selected13 = sh
                    .ext
                    .and_then(|e| tls_parser::parse_tls_server_hello_extensions(e).ok())
                    .is_some_and(|(_, exts)| {
                        exts.iter()
                            .any(|x| matches!(x, TlsExtension::SupportedVersions(v) if v.iter().any(|v| v.0 == 0x0304)))
                    });
                let chosen = if selected13 { 0x0304 } else { sh.version.0 };
                return if chosen == version {
                    VersionResult::Accepted { cipher: sh.cipher.0 }
                } else {
                    VersionResult::Refused { evidence: format!("answered with version {chosen:#06x} instead") }
                };
            }
            _ => {}
        }
    }
    VersionResult::Inconclusive { reason: "no ServerHello or alert in the first record".into() }
}

/// Reads one whole TLS record (at most 16 KiB of payload).
async fn read_record(s: &mut tokio::net::TcpStream) -> std::io::Result<Vec<u8>> {
    let mut head = [0u8; 5];
    s.read_exact(&mut head).await?;
    let len = usize::from(u16::from_be_bytes([head[3], head[4]])).min(16_384 + 2048);
    let mut rec = head.to_vec();
    rec.resize(5 + len, 0);
    s.read_exact(rec.get_mut(5..).unwrap_or_default()).await?;
    Ok(rec)
}

/// Probes one version.
pub async fn probe_version(addr: SocketAddr, version: u16, timeout: Duration) -> VersionResult {
    let work = async {
        let mut s = match tokio::net::TcpStream::connect(addr).await {
            Ok(s) => s,
            Err(e) => return VersionResult::Inconclusive { reason: format!("could not connect: {e}") },
        };
        if let Err(e) = s.write_all(&client_hello(version)).await {
            return VersionResult::Inconclusive { reason: format!("could not send: {e}") };
        }
        match read_record(&mut s).await {
            Ok(rec) => classify(version, &rec),
            Err(e) if matches!(e.kind(), std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::ConnectionReset) => {
                VersionResult::Refused { evidence: "closed the connection without a ServerHello".into() }
            }
            Err(e) => VersionResult::Inconclusive { reason: e.to_string() },
        }
    };
    tokio::time::timeout(timeout, work)
        .await
        .unwrap_or_else(|_| VersionResult::Inconclusive { reason: format!("no answer within {timeout:?}") })
}

/// Probes every version in [`VERSIONS`].
pub async fn versions(addr: SocketAddr, timeout: Duration) -> Vec<(&'static str, VersionResult)> {
    let mut out = Vec::new();
    for (name, v) in VERSIONS {
        out.push((name, probe_version(addr, v, timeout).await));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_hellos_parse_as_what_they_offer() {
        use tls_parser::{TlsMessage, TlsMessageHandshake};
        for (name, v) in VERSIONS {
            let hello = client_hello(v);
            let (rest, plain) = tls_parser::parse_tls_plaintext(&hello).unwrap();
            assert!(rest.is_empty(), "{name}");
            let Some(TlsMessage::Handshake(TlsMessageHandshake::ClientHello(ch))) = plain.msg.first() else {
                panic!("{name}: not a ClientHello")
            };
            assert_eq!(ch.version.0, v.min(0x0303), "{name}");
        }
    }

    #[test]
    fn noise_is_inconclusive_never_refused() {
        for noise in [&b""[..], b"HTTP/1.1 400 Bad Request\r\n\r\n", b"\x16\x03\x03\x00\x01\x02"] {
            assert!(matches!(classify(0x0303, noise), VersionResult::Inconclusive { .. }), "{noise:?}");
        }
        // A protocol_version alert is a refusal.
        assert!(matches!(classify(0x0301, b"\x15\x03\x01\x00\x02\x02\x46"), VersionResult::Refused { .. }));
    }
}
