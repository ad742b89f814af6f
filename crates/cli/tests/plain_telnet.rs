//! A telnet daemon that greets with a plain `login:` prompt (no option
//! negotiation, as many embedded ones do) is identified as telnet and its
//! factory login is found — before, it was an "unknown" service nobody
//! tried to log in to.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::time::Duration;

use serde_json::Value;

/// Reads one line the client typed (`None` when it went away).
fn line(r: &mut impl BufRead) -> Option<String> {
    let mut s = String::new();
    (r.read_line(&mut s).ok()? > 0).then(|| s.trim().to_string())
}

/// `router login:`, then `Password:`; admin/admin gets a shell prompt.
fn plain_telnet() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            std::thread::spawn(move || {
                let mut w = s.try_clone().unwrap();
                let mut r = BufReader::new(s);
                loop {
                    if w.write_all(b"\r\nrouter login: ").is_err() {
                        return;
                    }
                    let Some(user) = line(&mut r) else { return };
                    let _ = w.write_all(b"Password: ");
                    let Some(password) = line(&mut r) else { return };
                    if user == "admin" && password == "admin" {
                        let _ = w.write_all(b"\r\nBusyBox v1.36\r\n# ");
                        let _ = line(&mut r);
                        return;
                    }
                    let _ = w.write_all(b"\r\nLogin incorrect\r\n");
                }
            });
        }
    });
    port
}

#[test]
fn a_plain_text_login_prompt_is_telnet_and_its_factory_login_is_found() {
    let port = plain_telnet();
    let out = assert_cmd::Command::cargo_bin("starmark")
        .unwrap()
        .args(["scan", "127.0.0.1", "-p", &port.to_string(), "--json", "--login-pace", "50ms"])
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("no JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    let open = &v["tcp"]["open"][0];
    assert_eq!(open["service"]["name"], "telnet", "{open}");
    let ids: Vec<&str> = v["findings"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&format!("default-credentials/tcp/{port}").as_str()), "{ids:?}");
    assert!(ids.contains(&format!("risky/tcp/{port}").as_str()), "telnet is risky anywhere: {ids:?}");
    assert_eq!(out.status.code(), Some(1), "a high finding: {:?}", String::from_utf8_lossy(&out.stderr));
}
