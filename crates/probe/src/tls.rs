//! TLS: which protocol versions and cipher suites a service accepts, asked
//! with hand-built ClientHello messages and answered by reading the
//! server's records with `tls-parser`; and its certificate, read from the
//! cleartext handshake (TLS 1.2 and older) or, for a TLS 1.3-only
//! service, from a rustls handshake that verifies nothing.
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
    if version == 0x0304 {
        client_hello_with(version, &TLS13_SUITES)
    } else {
        client_hello_with(version, &LEGACY_SUITES)
    }
}

/// A ClientHello offering exactly `version` and the cipher suites `suites`.
pub fn client_hello_with(version: u16, suites: &[u16]) -> Vec<u8> {
    let tls13 = version == 0x0304;
    let legacy = if tls13 { 0x0303 } else { version };
    let mut body = legacy.to_be_bytes().to_vec();
    body.extend_from_slice(b"STARMARK-TLS-VERSION-PROBE-2026!"); // 32-byte random
    body.push(0); // no session id
    body.extend(list16(suites));
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
    offer(addr, version, &client_hello(version), timeout).await
}

/// How a refusal by closing the connection (no alert) reads in evidence.
const CLOSED: &str = "closed the connection without a ServerHello";

/// Sends `hello` (a ClientHello for `version`) and classifies the answer.
async fn offer(addr: SocketAddr, version: u16, hello: &[u8], timeout: Duration) -> VersionResult {
    let work = async {
        let mut s = match tokio::net::TcpStream::connect(addr).await {
            Ok(s) => s,
            Err(e) => return VersionResult::Inconclusive { reason: format!("could not connect: {e}") },
        };
        if let Err(e) = s.write_all(hello).await {
            return VersionResult::Inconclusive { reason: format!("could not send: {e}") };
        }
        match read_record(&mut s).await {
            Ok(rec) => classify(version, &rec),
            Err(e) if matches!(e.kind(), std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::ConnectionReset) => {
                VersionResult::Refused { evidence: CLOSED.into() }
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

/// Every cipher suite `tls-parser` knows for TLS 1.2 and older, in
/// ascending ID order (the signalling values are not suites).
fn legacy_universe() -> Vec<u16> {
    let mut v: Vec<u16> = tls_parser::CIPHERS
        .values()
        .filter(|c| c.kx != tls_parser::TlsCipherKx::Tls13 && c.id.0 != 0x00ff && c.id.0 != 0x5600)
        .map(|c| c.id.0)
        .collect();
    v.sort_unstable();
    v
}

/// Suites per ClientHello when enumerating: some embedded stacks fail on
/// long ClientHellos, so the known suites are offered in chunks.
const CHUNK: usize = 100;

/// Most connections one suite enumeration makes (per version).
const MAX_OFFERS: usize = 200;

/// The cipher suites a service accepts at `version`, found by offering
/// them all and taking away each one the server chooses until it refuses.
/// The order is the order found (roughly the server's preference).
pub async fn suites(addr: SocketAddr, version: u16, timeout: Duration) -> Result<Vec<u16>, String> {
    let universe = if version == 0x0304 { vec![0x1301, 0x1302, 0x1303, 0x1304, 0x1305] } else { legacy_universe() };
    let mut accepted = Vec::new();
    let mut offers = 0;
    for chunk in universe.chunks(CHUNK) {
        let mut left: Vec<u16> = chunk.to_vec();
        // A close without an alert may be the end of the suites, or a
        // server too busy to answer: the same offer is made once more.
        let mut closed_once = false;
        while !left.is_empty() {
            offers += 1;
            if offers > MAX_OFFERS {
                return Err(format!("still choosing suites after {MAX_OFFERS} connections"));
            }
            let mut offered = left.clone();
            if version != 0x0304 {
                offered.push(0x00ff);
            }
            match offer(addr, version, &client_hello_with(version, &offered), timeout).await {
                VersionResult::Accepted { cipher } => {
                    if !left.contains(&cipher) {
                        return Err(format!("the server chose suite {cipher:#06x}, which was not offered"));
                    }
                    left.retain(|c| *c != cipher);
                    accepted.push(cipher);
                    closed_once = false;
                }
                VersionResult::Refused { evidence } if evidence == CLOSED && !closed_once => {
                    closed_once = true;
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
                VersionResult::Refused { .. } => break,
                VersionResult::Inconclusive { reason } => return Err(reason),
            }
        }
    }
    Ok(accepted)
}

/// A cipher suite's IANA name, or its number when unknown.
pub fn suite_name(id: u16) -> String {
    tls_parser::TlsCipherSuite::from_id(id).map_or_else(|| format!("{id:#06x}"), |c| c.name.to_string())
}

/// Why a cipher suite is weak, if it is: no or broken encryption, an
/// export-grade or 64-bit-block cipher, no authentication, MD5, or no
/// forward secrecy (a static RSA or DH key exchange).
pub fn weak_suite(id: u16) -> Option<&'static str> {
    use tls_parser::{TlsCipherAu, TlsCipherEnc, TlsCipherKx, TlsCipherMac};
    let Some(c) = tls_parser::TlsCipherSuite::from_id(id) else {
        return Some("a suite unknown to the checker (not in the IANA registry it knows)");
    };
    Some(match (c.kx, c.au, c.enc, c.mac) {
        (_, _, TlsCipherEnc::Null, _) => "no encryption (NULL cipher)",
        (_, _, TlsCipherEnc::Rc4 | TlsCipherEnc::Rc2, _) => "RC4/RC2, broken stream/block ciphers",
        (_, _, TlsCipherEnc::Des | TlsCipherEnc::TripleDes | TlsCipherEnc::Idea, _) => {
            "DES, 3DES or IDEA: 64-bit blocks (Sweet32) or a 56-bit key"
        }
        _ if c.enc_size > 0 && c.enc_size < 128 => "export-grade or short key (under 128 bits)",
        (TlsCipherKx::Null | TlsCipherKx::Aecdh, _, _, _) | (_, TlsCipherAu::Null, _, _) => {
            "anonymous: no server authentication, open to interception"
        }
        (_, _, _, TlsCipherMac::HmacMd5) => "MD5 message authentication",
        (TlsCipherKx::Rsa | TlsCipherKx::Dh | TlsCipherKx::Ecdh, _, _, _) => {
            "no forward secrecy: a stolen server key decrypts recorded traffic"
        }
        _ => return None,
    })
}

/// The server's certificate, as far as a checker needs it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CertInfo {
    pub subject: String,
    pub issuer: String,
    /// DNS names and addresses of the subject alternative name extension.
    pub names: Vec<String>,
    pub self_signed: bool,
    /// `RSA`, `EC`, `Ed25519`, …
    pub key_type: String,
    pub key_bits: usize,
    pub signature_algorithm: String,
    /// RFC 3339.
    pub not_before: String,
    pub not_after: String,
    /// SHA-256 of the DER, hex: which certificate this was.
    pub sha256: String,
    /// How many certificates the server sent.
    pub chain_length: usize,
}

fn signature_name(oid: &str) -> String {
    match oid {
        "1.2.840.113549.1.1.2" => "md2WithRSAEncryption",
        "1.2.840.113549.1.1.4" => "md5WithRSAEncryption",
        "1.2.840.113549.1.1.5" => "sha1WithRSAEncryption",
        "1.2.840.113549.1.1.11" => "sha256WithRSAEncryption",
        "1.2.840.113549.1.1.12" => "sha384WithRSAEncryption",
        "1.2.840.113549.1.1.13" => "sha512WithRSAEncryption",
        "1.2.840.113549.1.1.10" => "RSASSA-PSS",
        "1.2.840.10045.4.1" => "ecdsa-with-SHA1",
        "1.2.840.10045.4.3.2" => "ecdsa-with-SHA256",
        "1.2.840.10045.4.3.3" => "ecdsa-with-SHA384",
        "1.2.840.10045.4.3.4" => "ecdsa-with-SHA512",
        "1.3.101.112" => "Ed25519",
        "1.3.101.113" => "Ed448",
        "1.2.840.10040.4.3" => "dsa-with-SHA1",
        other => return other.to_string(),
    }
    .to_string()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn rfc3339(t: i64) -> String {
    jiff::Timestamp::from_second(t).map_or_else(|_| t.to_string(), |t| t.to_string())
}

/// Reads what a checker needs from a DER certificate.
pub fn cert_info(der: &[u8], chain_length: usize) -> Result<CertInfo, String> {
    use x509_parser::public_key::PublicKey;
    let (_, cert) = x509_parser::parse_x509_certificate(der).map_err(|e| format!("unreadable certificate: {e}"))?;
    let spki = cert.public_key();
    let (key_type, key_bits) = match spki.parsed() {
        Ok(PublicKey::RSA(k)) => ("RSA".to_string(), k.key_size()),
        Ok(PublicKey::EC(k)) => ("EC".to_string(), k.key_size()),
        Ok(PublicKey::DSA(_)) => ("DSA".to_string(), 0),
        Ok(PublicKey::GostR3410(_) | PublicKey::GostR3410_2012(_)) => ("GOST".to_string(), 0),
        Ok(PublicKey::Unknown(k)) => match spki.algorithm.algorithm.to_id_string().as_str() {
            "1.3.101.112" => ("Ed25519".to_string(), 256),
            "1.3.101.113" => ("Ed448".to_string(), 456),
            other => (other.to_string(), k.len() * 8),
        },
        Err(_) => (spki.algorithm.algorithm.to_id_string(), 0),
    };
    let mut names = Vec::new();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for n in &san.value.general_names {
            names.push(crate::service::printable(n.to_string().as_bytes(), 200));
        }
    }
    let subject = crate::service::printable(cert.subject().to_string().as_bytes(), 300);
    let issuer = crate::service::printable(cert.issuer().to_string().as_bytes(), 300);
    Ok(CertInfo {
        self_signed: cert.subject().as_raw() == cert.issuer().as_raw(),
        subject,
        issuer,
        names,
        key_type,
        key_bits,
        signature_algorithm: signature_name(&cert.signature_algorithm.algorithm.to_id_string()),
        not_before: rfc3339(cert.validity().not_before.timestamp()),
        not_after: rfc3339(cert.validity().not_after.timestamp()),
        sha256: hex(&sha256(der)),
        chain_length,
    })
}

fn sha256(der: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(der).into()
}

/// The server's certificate chain (DER, leaf first) from the cleartext
/// handshake at `version` (TLS 1.2 or older), offering `suites`.
pub async fn chain_cleartext(
    addr: SocketAddr,
    version: u16,
    suites: &[u16],
    timeout: Duration,
) -> Result<Vec<Vec<u8>>, String> {
    use tls_parser::{TlsMessage, TlsMessageHandshake};
    let work = async {
        let mut s = tokio::net::TcpStream::connect(addr).await.map_err(|e| format!("could not connect: {e}"))?;
        let mut offered = suites.to_vec();
        offered.push(0x00ff);
        s.write_all(&client_hello_with(version, &offered)).await.map_err(|e| format!("could not send: {e}"))?;
        // Handshake messages may span records: gather the handshake
        // records' payloads and parse messages from the whole.
        let mut handshake = Vec::new();
        for _ in 0..32 {
            let rec = read_record(&mut s).await.map_err(|e| format!("the handshake ended early: {e}"))?;
            match rec.first() {
                Some(0x16) => handshake.extend_from_slice(rec.get(5..).unwrap_or_default()),
                Some(0x15) => return Err("the server sent an alert instead of its certificate".to_string()),
                _ => return Err("the server sent something other than a handshake".to_string()),
            }
            if handshake.len() > 256 * 1024 {
                return Err("the handshake is larger than 256 KiB".to_string());
            }
            let mut rest = handshake.as_slice();
            while let Ok((r, msg)) = tls_parser::parse_tls_message_handshake(rest) {
                match msg {
                    TlsMessage::Handshake(TlsMessageHandshake::Certificate(c)) => {
                        return Ok(c.cert_chain.iter().map(|c| c.data.to_vec()).collect());
                    }
                    TlsMessage::Handshake(TlsMessageHandshake::ServerDone(_)) => {
                        return Err("the server sent no certificate (an anonymous suite?)".to_string());
                    }
                    _ => {}
                }
                rest = r;
            }
        }
        Err("no certificate in the first 32 records".to_string())
    };
    tokio::time::timeout(timeout, work).await.map_err(|_| format!("no certificate within {timeout:?}"))?
}

/// The server's certificate chain from a TLS 1.3 handshake (encrypted, so
/// made by rustls with a verifier that accepts anything and only keeps
/// what it was shown; nothing is sent after the handshake).
pub async fn chain_tls13(addr: SocketAddr, timeout: Duration) -> Result<Vec<Vec<u8>>, String> {
    let connector = connector(Some(&[&rustls::version::TLS13]))?;
    let name = rustls::pki_types::ServerName::IpAddress(addr.ip().into());
    let work = async {
        let tcp = tokio::net::TcpStream::connect(addr).await.map_err(|e| format!("could not connect: {e}"))?;
        let tls = connector.connect(name, tcp).await.map_err(|e| format!("TLS 1.3 handshake failed: {e}"))?;
        let (_, conn) = tls.get_ref();
        conn.peer_certificates()
            .map(|c| c.iter().map(|c| c.as_ref().to_vec()).collect())
            .ok_or_else(|| "the server sent no certificate".to_string())
    };
    tokio::time::timeout(timeout, work).await.map_err(|_| format!("no certificate within {timeout:?}"))?
}

/// A rustls client (TLS 1.2 and 1.3, or just `versions`) that accepts any
/// certificate: the checks look at a device's services, they do not trust
/// them, and a device's certificate is rarely one a CA signed.
pub(crate) fn connector(
    versions: Option<&[&'static rustls::SupportedProtocolVersion]>,
) -> Result<tokio_rustls::TlsConnector, String> {
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(versions.unwrap_or(rustls::DEFAULT_VERSIONS))
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(std::sync::Arc::new(AcceptAnything(provider)))
        .with_no_client_auth();
    Ok(tokio_rustls::TlsConnector::from(std::sync::Arc::new(config)))
}

/// A certificate "verifier" that accepts every certificate: the checker
/// wants to see the certificate, not to trust the connection.
#[derive(Debug)]
struct AcceptAnything(std::sync::Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AcceptAnything {
    fn verify_server_cert(
        &self,
        _: &rustls::pki_types::CertificateDer<'_>,
        _: &[rustls::pki_types::CertificateDer<'_>],
        _: &rustls::pki_types::ServerName<'_>,
        _: &[u8],
        _: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }
    // Not verified either: ring refuses RSA keys under 2048 bits, and a
    // device with such a key must still be looked at (the TLS check
    // reports the key; nothing sent over this connection is secret).
    fn verify_tls12_signature(
        &self,
        _: &[u8],
        _: &rustls::pki_types::CertificateDer<'_>,
        _: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        Ok(rustls::client::danger::HandshakeSignatureValid::assertion())
    }
    fn verify_tls13_signature(
        &self,
        _: &[u8],
        _: &rustls::pki_types::CertificateDer<'_>,
        _: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        Ok(rustls::client::danger::HandshakeSignatureValid::assertion())
    }
    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// Everything the TLS check learns about one service.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TlsSurvey {
    pub versions: Vec<(&'static str, VersionResult)>,
    /// Accepted suites per accepted version (IANA names).
    pub suites: Vec<(&'static str, Vec<String>)>,
    pub certificate: Option<CertInfo>,
    /// What could not be learned, and why.
    pub unknown: Vec<String>,
}

/// Versions, suites per accepted version, and the certificate.
pub async fn survey(addr: SocketAddr, timeout: Duration) -> TlsSurvey {
    let versions = versions(addr, timeout).await;
    let mut unknown = Vec::new();
    let mut suites_found = Vec::new();
    let mut cert_from: Option<(u16, Vec<u16>)> = None;
    let mut tls13 = false;
    for (name, r) in &versions {
        match r {
            VersionResult::Accepted { .. } => {
                let wire = VERSIONS.iter().find(|(n, _)| n == name).map_or(0, |(_, v)| *v);
                match suites(addr, wire, timeout).await {
                    Ok(list) => {
                        if wire == 0x0304 {
                            tls13 = true;
                        } else if !list.is_empty() {
                            cert_from = Some((wire, list.clone()));
                        }
                        suites_found.push((*name, list.iter().map(|c| suite_name(*c)).collect()));
                    }
                    Err(e) => unknown.push(format!("{name} cipher suites: {e}")),
                }
            }
            VersionResult::Inconclusive { reason } => unknown.push(format!("{name}: {reason}")),
            VersionResult::Refused { .. } => {}
        }
    }
    if unknown.is_empty() && !versions.iter().any(|(_, r)| matches!(r, VersionResult::Accepted { .. })) {
        // It answered TLS when identified, yet took none of the versions:
        // what it accepts (a name, a client certificate?) is not known.
        unknown.push("no version from SSL 3.0 to TLS 1.3 was accepted, so what the service accepts is unknown".into());
    }
    let chain = match (cert_from, tls13) {
        (Some((wire, list)), _) => Some(chain_cleartext(addr, wire, &list, timeout).await),
        (None, true) => Some(chain_tls13(addr, timeout).await),
        (None, false) => None,
    };
    let certificate = match chain {
        Some(Ok(chain)) => match chain.first() {
            Some(leaf) => match cert_info(leaf, chain.len()) {
                Ok(c) => Some(c),
                Err(e) => {
                    unknown.push(format!("certificate: {e}"));
                    None
                }
            },
            None => {
                unknown.push("certificate: the server sent an empty chain".into());
                None
            }
        },
        Some(Err(e)) => {
            unknown.push(format!("certificate: {e}"));
            None
        }
        None => None,
    };
    TlsSurvey { versions, suites: suites_found, certificate, unknown }
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
