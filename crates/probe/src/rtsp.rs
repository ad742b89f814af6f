//! RTSP (cameras' video streams): whether a stream opens without a login,
//! and one login attempt with HTTP-style Basic or Digest authentication
//! (RFC 7826 §19 uses HTTP's schemes), on one connection as RTSP clients
//! do: `DESCRIBE` without credentials, then again answering the challenge.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::creds::{Attempt, Credential, Transcript};
use crate::http::{Response, challenges, parse_as};

/// At most this much of one response is read.
const MAX_RESPONSE: usize = 64 * 1024;

fn url(addr: SocketAddr) -> String {
    match addr {
        SocketAddr::V4(a) => format!("rtsp://{}:{}/", a.ip(), a.port()),
        SocketAddr::V6(a) => format!("rtsp://[{}]:{}/", a.ip(), a.port()),
    }
}

/// Reads one response: the head, then as much body as Content-Length says.
async fn response(s: &mut TcpStream) -> Result<Response, String> {
    let mut raw = Vec::new();
    let mut buf = [0u8; 2048];
    loop {
        if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            let r = parse_as(&raw, "RTSP/")?;
            let want = r.header("content-length").and_then(|l| l.parse::<usize>().ok()).unwrap_or(0);
            if raw.len() >= end + 4 + want.min(MAX_RESPONSE) {
                return Ok(r);
            }
        }
        if raw.len() > MAX_RESPONSE {
            return Err("a response larger than 64 KiB".into());
        }
        match s.read(&mut buf).await {
            Ok(0) => return Err("the connection closed".into()),
            Ok(n) => raw.extend_from_slice(buf.get(..n).unwrap_or_default()),
            Err(e) => return Err(e.to_string()),
        }
    }
}

fn describe(addr: SocketAddr, cseq: u32, authorization: Option<&str>) -> String {
    let auth = authorization.map(|a| format!("Authorization: {a}\r\n")).unwrap_or_default();
    format!(
        "DESCRIBE {} RTSP/1.0\r\nCSeq: {cseq}\r\nUser-Agent: starmark-check\r\nAccept: application/sdp\r\n{auth}\r\n",
        url(addr)
    )
}

/// What a DESCRIBE without credentials got: 200 (open), 401 (login).
pub async fn open_without_login(addr: SocketAddr, wait: Duration, t: &mut Transcript) -> Result<u16, String> {
    let work = async {
        let mut s = TcpStream::connect(addr).await.map_err(|e| format!("could not connect: {e}"))?;
        t.sent(&format!("DESCRIBE {}", url(addr)));
        s.write_all(describe(addr, 1, None).as_bytes()).await.map_err(|e| e.to_string())?;
        let r = response(&mut s).await?;
        t.received(format!("RTSP {}", r.status).as_bytes(), "");
        Ok(r.status)
    };
    tokio::time::timeout(wait, work).await.map_err(|_| format!("no answer within {wait:?}"))?
}

/// One login: DESCRIBE, then DESCRIBE answering the challenge.
pub async fn login(addr: SocketAddr, c: &Credential, wait: Duration, t: &mut Transcript) -> Attempt {
    let work = async {
        let mut s = TcpStream::connect(addr).await.map_err(|e| format!("could not connect: {e}"))?;
        s.write_all(describe(addr, 1, None).as_bytes()).await.map_err(|e| e.to_string())?;
        let first = response(&mut s).await?;
        if first.status != 401 {
            return Err(format!("DESCRIBE answered {} instead of 401", first.status));
        }
        let auth = challenges(&first)
            .iter()
            .find_map(|ch| crate::http::authorization(ch, c, "DESCRIBE", &url(addr)))
            .ok_or("no Basic or MD5 Digest challenge")?;
        t.sent(&format!("DESCRIBE {} (with Authorization)", url(addr)));
        s.write_all(describe(addr, 2, Some(&auth)).as_bytes()).await.map_err(|e| e.to_string())?;
        let r = response(&mut s).await?;
        t.received(format!("RTSP {}", r.status).as_bytes(), "");
        Ok(r.status)
    };
    match tokio::time::timeout(wait, work).await {
        Ok(Ok(200..=299)) => Attempt::Accepted,
        Ok(Ok(401 | 403)) => Attempt::Refused,
        Ok(Ok(code)) => Attempt::Inconclusive { reason: format!("answered {code} to the login") },
        Ok(Err(e)) => Attempt::Inconclusive { reason: e },
        Err(_) => Attempt::Inconclusive { reason: format!("no answer within {wait:?}") },
    }
}
