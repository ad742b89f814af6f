//! RTSP logins against fake cameras on loopback (Debian ships no RTSP
//! server with authentication): one that streams to anyone, one that asks
//! for HTTP Digest and verifies the answer with its own MD5 arithmetic
//! (RFC 2617 §3.2.2), taking only admin/admin.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

use std::io::{BufRead, BufReader, Write};
use std::net::{IpAddr, TcpListener};
use std::thread;

use starmark_probe::checks::{CheckSettings, run_on};
use starmark_probe::findings::Proto;

fn md5(s: &str) -> String {
    use md5::Digest as _;
    md5::Md5::digest(s.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

fn field(header: &str, name: &str) -> String {
    let at = header.find(&format!("{name}=")).unwrap() + name.len() + 1;
    let rest = &header[at..];
    match rest.strip_prefix('"') {
        Some(q) => q.split('"').next().unwrap().to_string(),
        None => rest.split(',').next().unwrap().trim().to_string(),
    }
}

/// A fake camera; `digest` decides whether it asks for a login.
fn camera(digest: bool) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    thread::spawn(move || {
        for s in l.incoming() {
            let Ok(s) = s else { continue };
            thread::spawn(move || {
                let mut w = s.try_clone().unwrap();
                let mut r = BufReader::new(s);
                loop {
                    let mut head = Vec::new();
                    loop {
                        let mut line = String::new();
                        if r.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        if line == "\r\n" {
                            break;
                        }
                        head.push(line.trim_end().to_string());
                    }
                    let cseq = head.iter().find_map(|h| h.strip_prefix("CSeq: ")).unwrap_or("0").to_string();
                    let uri = head[0].split_whitespace().nth(1).unwrap().to_string();
                    let auth = head.iter().find_map(|h| h.strip_prefix("Authorization: Digest ")).map(str::to_string);
                    let ok = !digest
                        || auth.is_some_and(|a| {
                            let ha1 = md5("admin:cam:admin");
                            let ha2 = md5(&format!("DESCRIBE:{uri}"));
                            let want =
                                md5(&format!("{ha1}:n0nce:{}:{}:auth:{ha2}", field(&a, "nc"), field(&a, "cnonce")));
                            field(&a, "username") == "admin" && field(&a, "uri") == uri && field(&a, "response") == want
                        });
                    let reply = if ok {
                        format!(
                            "RTSP/1.0 200 OK\r\nCSeq: {cseq}\r\nContent-Type: application/sdp\r\nContent-Length: 3\r\n\r\nv=0"
                        )
                    } else {
                        format!(
                            "RTSP/1.0 401 Unauthorized\r\nCSeq: {cseq}\r\n\
                             WWW-Authenticate: Digest realm=\"cam\", nonce=\"n0nce\", qop=\"auth\"\r\n\r\n"
                        )
                    };
                    if w.write_all(reply.as_bytes()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    port
}

#[tokio::test]
async fn rtsp_streams_and_logins() {
    let open = camera(false);
    let locked = camera(true);
    let mut s = CheckSettings::new(starmark_probe::creds::candidates(None));
    s.pace = std::time::Duration::from_millis(10);
    let addr: IpAddr = "127.0.0.1".parse().unwrap();
    let results = run_on(addr, &[(Proto::Tcp, open, "rtsp"), (Proto::Tcp, locked, "rtsp")], &s).await;
    let ids: Vec<String> = results.iter().flat_map(|r| r.findings.iter().map(|f| f.id.clone())).collect();
    assert!(ids.contains(&format!("rtsp/no-login/tcp/{open}")), "{ids:?}");
    assert!(ids.contains(&format!("default-credentials/tcp/{locked}")), "{ids:?}");
    assert!(!ids.contains(&format!("default-credentials/tcp/{open}")), "{ids:?}");
    for r in &results {
        assert_eq!(r.status, "completed", "{r:?}");
    }

    // A camera that takes none of the list: completed, nothing found.
    let mut none = CheckSettings::new(Vec::new());
    none.credentials = vec![starmark_probe::creds::Credential {
        user: "admin".into(),
        password: "not-it".into(),
        reference: "declared/1".into(),
    }];
    let results = run_on(addr, &[(Proto::Tcp, locked, "rtsp")], &none).await;
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].status, "completed", "{:?}", results[0]);
    assert!(results[0].findings.is_empty(), "{:?}", results[0].findings);
}
