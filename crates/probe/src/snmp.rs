//! SNMP v2c: which default communities an agent answers, and whether one
//! of them may write.
//!
//! The write test changes nothing: it reads `sysName.0` and sets it to the
//! very value it just read. An agent that answers the SET without an
//! error lets that community write; one that answers `noAccess`,
//! `notWritable` or `readOnly`, or stays silent, does not (silence is the
//! v2c agent's way of refusing a community it does not know).
//!
//! The four messages needed are encoded here by hand (BER of a handful of
//! fixed shapes); a general ASN.1 stack would be more code than this.

use std::net::SocketAddr;
use std::time::Duration;

use crate::creds::Transcript;
use crate::udp::tlv;

/// sysName.0: 1.3.6.1.2.1.1.5.0.
const SYS_NAME: &[u8] = &[0x2b, 6, 1, 2, 1, 1, 5, 0];

fn wrap(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut v = vec![tag];
    let n = body.len();
    if n < 0x80 {
        v.push(n as u8);
    } else if n < 0x100 {
        v.extend_from_slice(&[0x81, n as u8]);
    } else {
        v.extend_from_slice(&[0x82, (n >> 8) as u8, n as u8]);
    }
    v.extend_from_slice(body);
    v
}

/// A v2c GetRequest (0xa0) or SetRequest (0xa3) for sysName.0.
pub fn message(community: &str, pdu_tag: u8, request_id: u32, value: Option<&[u8]>) -> Vec<u8> {
    let value = match value {
        Some(v) => wrap(0x04, v),
        None => vec![0x05, 0x00],
    };
    let bind = wrap(0x30, &[wrap(0x06, SYS_NAME), value].concat());
    let pdu = wrap(
        pdu_tag,
        &[wrap(0x02, &request_id.to_be_bytes()), vec![0x02, 1, 0], vec![0x02, 1, 0], wrap(0x30, &bind)].concat(),
    );
    wrap(0x30, &[vec![0x02, 1, 1], wrap(0x04, community.as_bytes()), pdu].concat())
}

/// A GetResponse to `request_id`: (error-status, the value's tag and bytes).
pub fn response(r: &[u8], request_id: u32) -> Option<(u8, u8, Vec<u8>)> {
    let (0x30, msg, _) = tlv(r)? else { return None };
    let (0x02, _version, rest) = tlv(msg)? else { return None };
    let (0x04, _community, rest) = tlv(rest)? else { return None };
    let (0xa2, pdu, _) = tlv(rest)? else { return None };
    let (0x02, id, rest) = tlv(pdu)? else { return None };
    if id.iter().fold(0u64, |a, b| (a << 8) | u64::from(*b)) != u64::from(request_id) {
        return None;
    }
    let (0x02, status, rest) = tlv(rest)? else { return None };
    let (0x02, _index, rest) = tlv(rest)? else { return None };
    let (0x30, list, _) = tlv(rest)? else { return None };
    let (0x30, bind, _) = tlv(list)? else { return None };
    let (0x06, _oid, rest) = tlv(bind)? else { return None };
    let (tag, value, _) = tlv(rest)?;
    Some((status.last().copied().unwrap_or(0), tag, value.to_vec()))
}

/// Sends one message and waits for the matching answer (three tries).
async fn ask(addr: SocketAddr, msg: &[u8], id: u32, wait: Duration) -> Result<Option<(u8, u8, Vec<u8>)>, String> {
    let local: SocketAddr = if addr.is_ipv4() { ([0, 0, 0, 0], 0).into() } else { ([0u16; 8], 0).into() };
    let sock = tokio::net::UdpSocket::bind(local).await.map_err(|e| e.to_string())?;
    sock.connect(addr).await.map_err(|e| e.to_string())?;
    let mut buf = vec![0u8; 4096];
    let mut unreadable = 0usize;
    for _ in 0..3 {
        sock.send(msg).await.map_err(|e| e.to_string())?;
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(deadline, sock.recv(&mut buf)).await {
                Ok(Ok(n)) => {
                    if let Some(r) = response(buf.get(..n).unwrap_or_default(), id) {
                        return Ok(Some(r));
                    }
                    unreadable += 1;
                    if unreadable > 100 {
                        break;
                    }
                }
                // ICMP port unreachable: nothing listens.
                Ok(Err(e)) => return Err(format!("the port refused: {e}")),
                Err(_) => break,
            }
        }
    }
    // Silence means "not this community"; noise means nothing is known.
    if unreadable > 0 {
        return Err(format!("{unreadable} replies that are not an answer to the request"));
    }
    Ok(None)
}

/// What the SNMP check found for one community.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CommunityResult {
    pub community: String,
    pub reads: bool,
    /// `Some(true)` writes, `Some(false)` refused writes, `None` not tried.
    pub writes: Option<bool>,
}

/// Tries each community: a GET of sysName.0, then (if it reads) the
/// harmless SET described in the module docs.
pub async fn communities(
    addr: SocketAddr,
    list: &[&str],
    wait: Duration,
    t: &mut Transcript,
) -> Result<Vec<CommunityResult>, String> {
    let mut out = Vec::new();
    for (k, community) in list.iter().enumerate() {
        let id = 0x5354_0000 + 2 * k as u32;
        t.sent(&format!("GetRequest sysName.0 community={community:?}"));
        let Some((status, tag, value)) = ask(addr, &message(community, 0xa0, id, None), id, wait).await? else {
            t.note("no answer (the agent ignores communities it does not know)");
            out.push(CommunityResult { community: (*community).into(), reads: false, writes: None });
            continue;
        };
        t.received(format!("GetResponse error-status {status}, {} bytes", value.len()).as_bytes(), "");
        if status != 0 || tag != 0x04 {
            out.push(CommunityResult { community: (*community).into(), reads: status == 0, writes: None });
            continue;
        }
        t.sent(&format!("SetRequest sysName.0 community={community:?} to the same value"));
        let set = message(community, 0xa3, id + 1, Some(&value));
        let writes = match ask(addr, &set, id + 1, wait).await? {
            Some((0, _, _)) => {
                t.received(b"GetResponse error-status 0 (noError): the SET was accepted", "");
                true
            }
            Some((status, _, _)) => {
                t.received(format!("GetResponse error-status {status}: the SET was refused").as_bytes(), "");
                false
            }
            None => {
                t.note("no answer to the SET: refused");
                false
            }
        };
        out.push(CommunityResult { community: (*community).into(), reads: true, writes: Some(writes) });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_parse_back() {
        let m = message("public", 0xa0, 7, None);
        let (0x30, body, rest) = tlv(&m).unwrap() else { panic!() };
        assert!(rest.is_empty());
        assert_eq!(body.len() + 2, m.len());
        // A GetResponse built the same way parses.
        let mut r = message("public", 0xa2, 7, Some(b"cam"));
        assert_eq!(response(&r, 7), Some((0, 0x04, b"cam".to_vec())));
        assert_eq!(response(&r, 8), None);
        r.truncate(r.len() - 1);
        assert_eq!(response(&r, 7), None);
        let long = message(&"c".repeat(300), 0xa3, 1, Some(&[b'x'; 200]));
        assert!(tlv(&long).unwrap().2.is_empty());
    }
}
