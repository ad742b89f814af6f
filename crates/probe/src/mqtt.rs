//! MQTT: does the broker take clients without credentials, and may such a
//! client subscribe to every topic (`#`)?
//!
//! MQTT 3.1.1 packets written by hand (CONNECT, SUBSCRIBE, reading
//! CONNACK and SUBACK): the check needs these few bytes exactly, and a
//! client library would add sessions and reconnection it must not do.
//! Messages the broker delivers are counted, never shown: their contents
//! belong to the device's users.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::creds::{Transcript, connack, mqtt_connect, remaining_length};

/// What the MQTT check found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MqttResult {
    /// CONNACK return code to a CONNECT without credentials (0 = accepted).
    pub anonymous_return_code: u8,
    /// The SUBACK return code for `#` (0–2 granted, 0x80 refused), if asked.
    pub subscribe_all_return_code: Option<u8>,
    /// Messages delivered within the wait after subscribing (retained ones).
    pub messages_seen: usize,
}

/// SUBSCRIBE to `#` at QoS 0, packet id 1.
fn subscribe_all() -> Vec<u8> {
    let body = [0x00, 0x01, 0x00, 0x01, b'#', 0x00];
    let mut p = vec![0x82];
    remaining_length(&mut p, body.len());
    p.extend_from_slice(&body);
    p
}

/// Reads one MQTT packet (type byte and body; bodies over 64 KiB refused).
async fn packet(s: &mut tokio::net::TcpStream) -> Result<(u8, Vec<u8>), String> {
    let mut head = [0u8; 1];
    s.read_exact(&mut head).await.map_err(|e| e.to_string())?;
    let mut len = 0usize;
    for i in 0..4 {
        let mut b = [0u8; 1];
        s.read_exact(&mut b).await.map_err(|e| e.to_string())?;
        len |= usize::from(b[0] & 0x7f) << (7 * i);
        if b[0] & 0x80 == 0 {
            break;
        }
    }
    if len > 64 * 1024 {
        return Err(format!("a {len}-byte packet is more than the check reads"));
    }
    let mut body = vec![0u8; len];
    s.read_exact(&mut body).await.map_err(|e| e.to_string())?;
    Ok((head[0], body))
}

/// Runs the check.
pub async fn check(addr: SocketAddr, wait: Duration, t: &mut Transcript) -> Result<MqttResult, String> {
    let work = async {
        let mut s = tokio::net::TcpStream::connect(addr).await.map_err(|e| format!("could not connect: {e}"))?;
        t.sent("CONNECT without user name or password");
        s.write_all(&mqtt_connect("starmark-check", None)).await.map_err(|e| e.to_string())?;
        let (kind, body) = packet(&mut s).await.map_err(|e| format!("no CONNACK: {e}"))?;
        let code = connack(&[&[kind, body.len() as u8][..], &body].concat())
            .ok_or_else(|| format!("the answer (type {:#04x}) is not a CONNACK", kind))?;
        t.received(format!("CONNACK return code {code}").as_bytes(), "");
        let mut result = MqttResult { anonymous_return_code: code, subscribe_all_return_code: None, messages_seen: 0 };
        if code != 0 {
            return Ok(result);
        }
        t.sent("SUBSCRIBE # QoS 0");
        s.write_all(&subscribe_all()).await.map_err(|e| e.to_string())?;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(1).min(wait);
        loop {
            match tokio::time::timeout_at(deadline, packet(&mut s)).await {
                Ok(Ok((0x90, body))) => {
                    let rc = body.get(2).copied().unwrap_or(0x80);
                    t.received(format!("SUBACK return code {rc:#04x}").as_bytes(), "");
                    result.subscribe_all_return_code = Some(rc);
                }
                Ok(Ok((kind, _))) if kind & 0xf0 == 0x30 => result.messages_seen += 1,
                Ok(Ok(_)) => {}
                Ok(Err(_)) | Err(_) => break,
            }
            if result.messages_seen >= 1000 {
                break;
            }
        }
        if result.messages_seen > 0 {
            t.note(format!("{} messages delivered (contents not kept)", result.messages_seen));
        }
        let _ = s.write_all(&[0xe0, 0x00]).await; // DISCONNECT
        Ok(result)
    };
    tokio::time::timeout(wait + Duration::from_secs(2), work).await.map_err(|_| format!("no answer within {wait:?}"))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscribe_packet() {
        let p = subscribe_all();
        assert_eq!(usize::from(p[1]), p.len() - 2);
        assert_eq!(p[0], 0x82);
    }
}
