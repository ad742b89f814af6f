//! Repository automation. `cargo xtask test` is the one command that runs the
//! whole test suite on a fresh machine: it prepares what the tests need
//! (PostgreSQL for the storage tests; the device testbed's Debian packages
//! and Chromium join as the crates that need them arrive) and then runs
//! every test of the workspace.
#![allow(clippy::print_stdout, clippy::print_stderr, reason = "a command-line tool")]

use std::path::Path;
use std::process::{Command, ExitCode};

use anyhow::{Context, Result, bail};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => test(args.get(1..).unwrap_or_default()),
        _ => {
            eprintln!("usage: cargo xtask test [-- extra cargo test arguments]");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// Runs `cmd`, passing its standard output through, and adds up the
/// `test result:` lines of the libtest harness.
fn run_counting(mut cmd: Command, totals: &mut (u64, u64, u64)) -> Result<()> {
    use std::io::{BufRead, BufReader};
    eprintln!("xtask: running {cmd:?}");
    let mut child =
        cmd.stdout(std::process::Stdio::piped()).spawn().with_context(|| format!("cannot start {cmd:?}"))?;
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out).lines() {
            let line = line?;
            println!("{line}");
            if let Some(rest) = line.strip_prefix("test result: ") {
                let count = |word: &str| {
                    rest.split(';').find_map(|part| {
                        part.trim().strip_suffix(word).and_then(|n| n.split_whitespace().last()?.parse::<u64>().ok())
                    })
                };
                totals.0 += count(" passed").unwrap_or(0);
                totals.1 += count(" failed").unwrap_or(0);
                totals.2 += count(" ignored").unwrap_or(0);
            }
        }
    }
    let status = child.wait()?;
    if !status.success() {
        bail!("{cmd:?} failed with {status}");
    }
    Ok(())
}

/// Runs a command for its side effect; true if it succeeded.
fn quietly(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The PostgreSQL the storage tests use: installed from Debian if missing,
/// started if down, at 127.0.0.1:5432 with a `test` database. Idempotent.
fn ensure_postgres() -> Result<()> {
    if std::env::var_os("STARMARK_TEST_POSTGRES_URL").is_some() {
        eprintln!("xtask: using STARMARK_TEST_POSTGRES_URL as given");
        return Ok(());
    }
    if quietly("pg_isready", &["-q", "-h", "127.0.0.1", "-p", "5432"]) {
        prepare_test_db();
        return Ok(());
    }
    if !std::path::Path::new("/etc/postgresql").is_dir() {
        eprintln!("xtask: PostgreSQL is not installed; installing it from Debian");
        let mut update = Command::new("apt-get");
        update.arg("update");
        run_plain(update)?;
        let mut install = Command::new("apt-get");
        install
            .args(["install", "-y", "--no-install-recommends", "postgresql"])
            .env("DEBIAN_FRONTEND", "noninteractive");
        run_plain(install)?;
    }
    let versions: Vec<String> = std::fs::read_dir("/etc/postgresql")
        .context("reading /etc/postgresql")?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    for v in &versions {
        eprintln!("xtask: starting PostgreSQL {v}");
        let mut start = Command::new("pg_ctlcluster");
        start.args(["--skip-systemctl-redirect", v, "main", "start"]);
        // Already running is fine; readiness is checked below.
        let _ = start.status();
    }
    for _ in 0..30 {
        if quietly("pg_isready", &["-q", "-h", "127.0.0.1", "-p", "5432"]) {
            // A fresh installation has no `test` database and no trust for TCP; say so plainly.
            prepare_test_db();
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
    bail!("PostgreSQL did not become ready at 127.0.0.1:5432; the storage tests need it")
}

/// The `test` database exists (a fresh installation lacks it), without the
/// test schemas (t_...) that runs whose tests failed left behind.
fn prepare_test_db() {
    if !quietly("psql", &["-h", "127.0.0.1", "-U", "postgres", "-d", "test", "-c", "select 1"]) {
        let _ = quietly("su", &["postgres", "-c", "createdb test"]);
    }
    let _ = quietly("psql", &["-h", "127.0.0.1", "-U", "postgres", "-d", "test", "-c", DROP_TEST_SCHEMAS]);
}

const DROP_TEST_SCHEMAS: &str = "DO $$ DECLARE r record; BEGIN \
    FOR r IN SELECT nspname FROM pg_namespace WHERE nspname LIKE 't\\_%' LOOP \
    EXECUTE format('DROP SCHEMA %I CASCADE', r.nspname); END LOOP; END $$;";

fn run_plain(mut cmd: Command) -> Result<()> {
    eprintln!("xtask: running {cmd:?}");
    let status = cmd.status().with_context(|| format!("cannot start {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} failed with {status}");
    }
    Ok(())
}

/// Debian packages the tests use, by a program on the PATH or an absolute
/// file path that must exist once the package is installed.
const PACKAGES: &[(&str, &str)] = &[
    ("zbarimg", "zbar-tools"),
    ("chromium", "chromium"),
    ("rsvg-convert", "librsvg2-bin"),
    // The probe's accuracy tests compare with nmap; its test devices are
    // network namespaces with netfilter rules.
    ("nmap", "nmap"),
    ("ip", "iproute2"),
    ("iptables", "iptables"),
    // Real daemons of the test devices (crates/testbed).
    ("snmpd", "snmpd"),
    ("dnsmasq", "dnsmasq-base"),
    ("dropbear", "dropbear-bin"),
    ("/usr/sbin/sshd", "openssh-server"),
    ("lighttpd", "lighttpd"),
    ("/usr/lib/lighttpd/mod_openssl.so", "lighttpd-mod-openssl"),
    ("mosquitto", "mosquitto"),
    ("inetutils-inetd", "inetutils-inetd"),
    ("/usr/sbin/telnetd", "inetutils-telnetd"),
    ("/usr/sbin/ftpd", "inetutils-ftpd"),
    ("miniupnpd", "miniupnpd"),
    ("coap-server-notls", "libcoap3-bin"),
    ("openssl", "openssl"),
    // Tools no one here wrote, for the protocol checks' accuracy tests.
    ("ssh-audit", "ssh-audit"),
    ("sslscan", "sslscan"),
    // The transparency log's checkpoints and proofs are checked by Go's
    // golang.org/x/mod/sumdb (built offline from Debian's sources).
    ("go", "golang-go"),
    ("/usr/share/gocode/src/golang.org/x/mod/sumdb/tlog/tlog.go", "golang-golang-x-mod-dev"),
    // The evaluation's xlsx checklist is read back by LibreOffice.
    ("soffice", "libreoffice-calc-nogui"),
    // The browser harness (crates/server/tests/browser) runs on Node.js.
    ("node", "nodejs"),
    ("npm", "npm"),
    // Japanese pages must render with real glyphs in the browser tests.
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "fonts-noto-cjk"),
];

/// Whether `what` (a program name or an absolute path) is present.
fn present(what: &str) -> bool {
    if what.starts_with('/') { std::path::Path::new(what).exists() } else { quietly("which", &[what]) }
}

/// Installs any missing package (idempotent: nothing happens when all exist).
fn ensure_packages() -> Result<()> {
    let missing: Vec<&str> = PACKAGES.iter().filter(|(what, _)| !present(what)).map(|(_, pkg)| *pkg).collect();
    if missing.is_empty() {
        return Ok(());
    }
    eprintln!("xtask: installing {missing:?} from Debian");
    let mut update = Command::new("apt-get");
    update.arg("update");
    run_plain(update)?;
    let mut install = Command::new("apt-get");
    install.args(["install", "-y", "--no-install-recommends"]).args(&missing).env("DEBIAN_FRONTEND", "noninteractive");
    run_plain(install)
}

/// Installs the browser harness's npm packages (Playwright's driver and
/// axe-core, pinned by its package-lock.json) when they are missing or the
/// lock file changed since the last install.
fn ensure_browser_harness() -> Result<()> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/server/tests/browser");
    let installed = dir.join("node_modules/.package-lock.json");
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let fresh = match (modified(&installed), modified(&dir.join("package-lock.json"))) {
        (Some(i), Some(l)) => i >= l,
        _ => false,
    };
    if fresh {
        return Ok(());
    }
    let mut npm = Command::new("npm");
    npm.args(["ci", "--no-audit", "--no-fund"]).current_dir(&dir);
    run_plain(npm)
}

fn test(extra: &[String]) -> Result<()> {
    ensure_packages()?;
    ensure_browser_harness()?;
    ensure_postgres()?;
    let mut totals = (0, 0, 0);
    // Doc tests are not part of --all-targets.
    let mut doc = cargo();
    doc.args(["test", "--workspace", "--doc", "--locked"]);
    run_counting(doc, &mut totals)?;
    let mut cmd = cargo();
    cmd.args(["test", "--workspace", "--all-targets", "--locked"]).args(extra);
    let result = run_counting(cmd, &mut totals);
    // One plain closing line for the whole suite.
    println!("summary: {} passed, {} failed, {} skipped", totals.0, totals.1, totals.2);
    result
}
