//! Pieces the benchmarks share.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "benchmark program; each benchmark uses its own subset"
)]

use std::process::{Command, Stdio};
use std::time::Duration;

/// Starts nginx on a free loopback port serving `root/www` (files without
/// an extension are served as `default_type`); returns it and its base URL.
pub(crate) fn nginx_serve(default_type: &str, root: &std::path::Path) -> (std::process::Child, String) {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let conf = root.join("nginx.conf");
    std::fs::write(
        &conf,
        format!(
            "daemon off; worker_processes 2; pid {root}/nginx.pid; error_log {root}/error.log;\n\
             events {{ worker_connections 256; }}\n\
             http {{ access_log off; default_type {default_type}; client_body_temp_path {root}/tmp;\n\
               proxy_temp_path {root}/tmp; fastcgi_temp_path {root}/tmp; uwsgi_temp_path {root}/tmp; scgi_temp_path {root}/tmp;\n\
               server {{ listen 127.0.0.1:{port}; root {root}/www; }} }}\n",
            root = root.display(),
        ),
    )
    .unwrap();
    let child = Command::new("nginx")
        .args(["-c", conf.to_str().unwrap(), "-p", root.to_str().unwrap()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("nginx is required (apt-get install nginx-light)");
    // Wait until it accepts connections (bounded).
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    (child, format!("http://127.0.0.1:{port}"))
}

/// What `wrk --latency` measured.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Wrk {
    pub(crate) rps: f64,
    pub(crate) p50_ms: f64,
    pub(crate) p99_ms: f64,
    pub(crate) requests: u64,
    pub(crate) errors: u64,
}

/// Runs `wrk` against `url` (loopback only), with a Lua `script` that picks
/// the paths if given, and reads its report.
pub(crate) fn wrk(url: &str, threads: u32, connections: u32, seconds: u32, script: Option<&std::path::Path>) -> Wrk {
    assert!(url.starts_with("http://127.0.0.1:"), "benchmarks only talk to loopback: {url}");
    let mut cmd = Command::new("wrk");
    cmd.args([format!("-t{threads}"), format!("-c{connections}"), format!("-d{seconds}s"), "--latency".into()]);
    if let Some(s) = script {
        cmd.arg("-s").arg(s);
    }
    let out = cmd.arg(url).output().expect("wrk is required (apt-get install wrk)");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "wrk failed: {text}{}", String::from_utf8_lossy(&out.stderr));
    let field = |prefix: &str| -> Option<String> {
        text.lines()
            .map(str::trim)
            .find(|l| l.starts_with(prefix))
            .map(|l| l.trim_start_matches(prefix).trim().to_string())
    };
    let ms = |v: String| -> f64 {
        let v = v.split_whitespace().next().unwrap_or("0").to_string();
        if let Some(x) = v.strip_suffix("us") {
            x.parse::<f64>().unwrap_or(0.0) / 1000.0
        } else if let Some(x) = v.strip_suffix("ms") {
            x.parse().unwrap_or(0.0)
        } else if let Some(x) = v.strip_suffix('s') {
            x.parse::<f64>().unwrap_or(0.0) * 1000.0
        } else {
            0.0
        }
    };
    let requests = text
        .lines()
        .find(|l| l.contains("requests in"))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    // Non-2xx answers and socket errors both count as errors.
    let non2xx: u64 = field("Non-2xx or 3xx responses:").and_then(|v| v.parse().ok()).unwrap_or(0);
    let socket: u64 = field("Socket errors:")
        .map(|v| v.split(',').filter_map(|p| p.split_whitespace().last()?.parse::<u64>().ok()).sum())
        .unwrap_or(0);
    Wrk {
        rps: field("Requests/sec:").and_then(|v| v.parse().ok()).unwrap_or(0.0),
        p50_ms: field("50%").map(ms).unwrap_or(0.0),
        p99_ms: field("99%").map(ms).unwrap_or(0.0),
        requests,
        errors: non2xx + socket,
    }
}
