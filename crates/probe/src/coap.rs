//! CoAP: which resources a device serves to anyone.
//!
//! Plain CoAP (UDP 5683) has no authentication of its own — only DTLS or
//! OSCORE would give one — so every resource that answers a GET there
//! answers anyone on the network. The check reads the resource list
//! (`/.well-known/core`, RFC 6690), GETs each listed resource (at most
//! [`MAX_RESOURCES`]), and keeps the response codes and sizes, never the
//! contents. GET is safe by definition (RFC 7252 §5.8.1): nothing changes.
//!
//! Messages are built by hand (RFC 7252 §3: a 4-byte header, a token,
//! delta-encoded options): a GET with Uri-Path options is all the check
//! sends, and replies are read with every length checked.

use std::net::SocketAddr;
use std::time::Duration;

use crate::creds::Transcript;

pub const MAX_RESOURCES: usize = 16;

/// A confirmable GET of `path` (segments separated by `/`).
pub fn get(path: &str, message_id: u16) -> Vec<u8> {
    let mut m = vec![0x41, 0x01];
    m.extend_from_slice(&message_id.to_be_bytes());
    m.push(0x53); // token
    let mut previous = 0u16;
    for seg in path.split('/').filter(|s| !s.is_empty()) {
        let seg = seg.as_bytes();
        let delta = 11 - previous; // Uri-Path, repeated: delta 11, then 0
        previous = 11;
        let len = seg.len().min(269 + 255);
        let (dn, dext) = nibble(delta as usize);
        let (ln, lext) = nibble(len);
        m.push((dn << 4) | ln);
        m.extend(dext);
        m.extend(lext);
        m.extend_from_slice(seg.get(..len).unwrap_or_default());
    }
    m
}

/// RFC 7252 §3.1 option delta/length nibble and extension bytes.
fn nibble(v: usize) -> (u8, Vec<u8>) {
    match v {
        0..=12 => (v as u8, Vec::new()),
        13..=268 => (13, vec![(v - 13) as u8]),
        _ => (14, ((v - 269) as u16).to_be_bytes().to_vec()),
    }
}

/// A response to `message_id`: (class, detail, payload).
pub fn response(r: &[u8], message_id: u16) -> Option<(u8, u8, &[u8])> {
    let [first, code, id_hi, id_lo, rest @ ..] = r else { return None };
    if first >> 6 != 1 || u16::from_be_bytes([*id_hi, *id_lo]) != message_id {
        return None;
    }
    let tkl = usize::from(first & 0x0f);
    if tkl > 8 {
        return None;
    }
    let mut rest = rest.get(tkl..)?;
    // Skip the options up to the payload marker.
    loop {
        match rest.split_first() {
            None => return Some((code >> 5, code & 0x1f, &[])),
            Some((0xff, payload)) => return Some((code >> 5, code & 0x1f, payload)),
            Some((&b, tail)) => {
                let ext = |n: u8, t: &[u8]| -> Option<(usize, usize)> {
                    match n {
                        0..=12 => Some((usize::from(n), 0)),
                        13 => Some((usize::from(*t.first()?) + 13, 1)),
                        14 => Some((usize::from(u16::from_be_bytes([*t.first()?, *t.get(1)?])) + 269, 2)),
                        _ => None,
                    }
                };
                let (_, dskip) = ext(b >> 4, tail)?;
                let (len, lskip) = ext(b & 0x0f, tail.get(dskip..)?)?;
                rest = tail.get(dskip + lskip + len..)?;
            }
        }
    }
}

/// The resource paths of a link-format document (RFC 6690): `</a/b>;…`.
pub fn links(doc: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in doc.split(',') {
        if let Some(start) = part.trim().strip_prefix('<')
            && let Some(path) = start.split('>').next()
            && path.starts_with('/')
            && !path.contains("://")
            && !out.contains(&path.to_string())
        {
            out.push(crate::service::printable(path.as_bytes(), 200));
        }
    }
    out
}

async fn ask(
    sock: &tokio::net::UdpSocket,
    path: &str,
    id: u16,
    wait: Duration,
) -> Result<Option<(u8, u8, Vec<u8>)>, String> {
    let msg = get(path, id);
    let mut buf = vec![0u8; 2048];
    for _ in 0..2 {
        sock.send(&msg).await.map_err(|e| e.to_string())?;
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(deadline, sock.recv(&mut buf)).await {
                Ok(Ok(n)) => {
                    if let Some((class, detail, payload)) = response(buf.get(..n).unwrap_or_default(), id) {
                        return Ok(Some((class, detail, payload.to_vec())));
                    }
                }
                Ok(Err(e)) => return Err(format!("the port refused: {e}")),
                Err(_) => break,
            }
        }
    }
    Ok(None)
}

/// What the CoAP check found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CoapResult {
    pub listed: Vec<String>,
    /// Resources that answered 2.xx: (path, payload bytes).
    pub readable: Vec<(String, usize)>,
    /// Resources that answered otherwise: (path, code as "c.dd").
    pub refused: Vec<(String, String)>,
}

/// Runs the check (see the module docs).
pub async fn check(addr: SocketAddr, wait: Duration, t: &mut Transcript) -> Result<CoapResult, String> {
    let local: SocketAddr = if addr.is_ipv4() { ([0, 0, 0, 0], 0).into() } else { ([0u16; 8], 0).into() };
    let sock = tokio::net::UdpSocket::bind(local).await.map_err(|e| e.to_string())?;
    sock.connect(addr).await.map_err(|e| e.to_string())?;
    t.sent("GET /.well-known/core");
    let Some((2, _, doc)) = ask(&sock, ".well-known/core", 0x5300, wait).await? else {
        return Err("/.well-known/core did not answer with content".into());
    };
    let listed = links(&String::from_utf8_lossy(&doc));
    t.received(format!("{} resources listed", listed.len()).as_bytes(), "");
    let mut result = CoapResult { listed: listed.clone(), readable: Vec::new(), refused: Vec::new() };
    for (i, path) in listed.iter().filter(|p| *p != "/.well-known/core").take(MAX_RESOURCES).enumerate() {
        let id = 0x5301 + i as u16;
        t.sent(&format!("GET {path}"));
        match ask(&sock, path, id, wait).await? {
            Some((2, detail, payload)) => {
                t.received(format!("2.{detail:02} ({} bytes, not kept)", payload.len()).as_bytes(), "");
                result.readable.push((path.clone(), payload.len()));
            }
            Some((class, detail, _)) => {
                t.received(format!("{class}.{detail:02}").as_bytes(), "");
                result.refused.push((path.clone(), format!("{class}.{detail:02}")));
            }
            None => return Err(format!("GET {path} got no answer")),
        }
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages() {
        // The UDP probe's request is the same message.
        let m = get(".well-known/core", 0x5354);
        assert_eq!(m, [&[0x41, 0x01, 0x53, 0x54, 0x53, 0xbb][..], b".well-known", &[0x04], b"core"].concat());
        let long = get(&"x".repeat(300), 1);
        assert_eq!(long[5], 0xbe);
        let r = [0x61, 0x45, 0x53, 0x00, 0x53, 0xc1, 0x28, 0xff, b'<', b'/', b'a', b'>'];
        assert_eq!(response(&r, 0x5300), Some((2, 5, &b"</a>"[..])));
        assert_eq!(response(&r, 0x5301), None);
        for n in 0..r.len() - 5 {
            let _ = response(r.get(..n).unwrap(), 0x5300);
        }
        assert_eq!(response(&[0x61, 0x45, 0x53, 0x00, 0x53, 0xe1], 0x5300), None, "truncated extension");
        assert_eq!(
            links("</>;title=\"General\";ct=0,</time>;obs,<coap://other/x>,</time>"),
            vec!["/".to_string(), "/time".to_string()]
        );
    }
}
