//! Repository automation. `cargo xtask test` is the one command that runs the
//! whole test suite on a fresh machine: it prepares what the tests need
//! (nothing beyond the Rust toolchain yet; Debian packages, PostgreSQL and
//! Chromium join as the crates that need them arrive) and then runs every
//! test of the workspace.
#![allow(clippy::print_stdout, clippy::print_stderr, reason = "a command-line tool")]

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

fn test(extra: &[String]) -> Result<()> {
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
