//! A registry run the way an operator runs it, for the CLI's tests:
//! `starmark admin` to set it up, `starmark serve` on an ephemeral
//! loopback port, and the client commands as real processes.
#![allow(dead_code, reason = "each test binary uses some of these")]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

pub(crate) fn bin() -> std::path::PathBuf {
    assert_cmd::cargo::cargo_bin("starmark")
}

pub(crate) fn admin(db: &str, args: &[&str]) -> String {
    let out = Command::new(bin())
        .args(["admin"])
        .args(args)
        .env("STARMARK_DATABASE_URL", db)
        .env_remove("STARMARK_CATALOG")
        .output()
        .unwrap();
    assert!(out.status.success(), "admin {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

pub(crate) struct Tokens {
    pub(crate) vendor: String,
    pub(crate) reviewer: String,
    pub(crate) liaison: String,
}

pub(crate) fn setup(db: &str) -> Tokens {
    let v = admin(db, &["org", "add", "--kind", "vendor", "--name", "Example Corp."]);
    let o = admin(db, &["org", "add", "--kind", "scheme_owner", "--name", "Scheme owner"]);
    Tokens {
        vendor: admin(db, &["token", "issue", "--org", &v, "--role", "vendor"]),
        reviewer: admin(db, &["token", "issue", "--org", &o, "--role", "reviewer"]),
        liaison: admin(db, &["token", "issue", "--org", &o, "--role", "liaison"]),
    }
}

/// Starts `starmark serve` on an ephemeral port; returns it once it says
/// where it listens (no sleeping).
pub(crate) fn serve(db: &str) -> (Child, String) {
    serve_with(db, &[])
}

/// [`serve`] with more arguments (`--log-key-file K`, …).
pub(crate) fn serve_with(db: &str, extra: &[&str]) -> (Child, String) {
    let mut child = Command::new(bin())
        .args(["serve", "--listen", "127.0.0.1:0", "--database-url", db])
        .args(extra)
        .env_remove("STARMARK_CATALOG")
        .env_remove("STARMARK_LOG_KEY_FILE")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    // The first start on a SQLite file says it made the log key first.
    let url = loop {
        let line = lines.next().unwrap_or_else(|| panic!("serve {db} exited before listening")).unwrap();
        if let Some(rest) = line.split("listening on ").nth(1) {
            break rest.split(' ').next().unwrap().to_string();
        }
    };
    // Keep draining stderr so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, url)
}

pub(crate) fn cli(url: &str, token: &str, args: &[&str]) -> (i32, Value) {
    let out = Command::new(bin())
        .args(args)
        .args(["--registry", url, "--token", token, "--json"])
        .env_remove("STARMARK_CATALOG")
        .output()
        .unwrap();
    let v = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), v)
}
