//! `starmark scan`: the TCP interface scan of one device, with a progress
//! bar on a terminal, a text report, or JSON.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;
use starmark_probe::checks::{Check, CheckSettings};
use starmark_probe::ports::PortSet;
use starmark_probe::report::Report;
use starmark_probe::tcp::{Progress, Settings};

use crate::ScanArgs;

/// Exit code of a scan whose findings need attention (warning or high).
const FINDINGS: u8 = 1;
/// Exit code of a scan that left ports unknown.
const INCOMPLETE: u8 = 3;

/// `500ms`, `90s`, `30m`, `2h`, or plain seconds; more than zero, at most
/// a day.
fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    let (num, unit) = match s.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => (s.get(..i)?, s.get(i..)?),
        None => (s, "s"),
    };
    let n: u64 = num.parse().ok()?;
    let ms = match unit {
        "ms" => n,
        "s" => n.checked_mul(1000)?,
        "m" => n.checked_mul(60_000)?,
        "h" => n.checked_mul(3_600_000)?,
        _ => return None,
    };
    (ms > 0 && ms <= 24 * 3_600_000).then(|| Duration::from_millis(ms))
}

/// `--checks`: a comma-separated list, or `none`.
fn parse_checks(s: Option<&str>) -> Result<Vec<Check>, String> {
    let Some(s) = s else { return Ok(Check::ALL.to_vec()) };
    if s.trim() == "none" {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for name in s.split(',').map(str::trim) {
        let Some(c) = Check::parse(name) else {
            let all: Vec<&str> = Check::ALL.iter().map(|c| c.name()).collect();
            return Err(format!("no check named {name:?}; the checks are {} (or none)", all.join(", ")));
        };
        if !out.contains(&c) {
            out.push(c);
        }
    }
    Ok(out)
}

/// How many sockets the scan may hold open at once: the open-files limit,
/// raised to its hard limit first (as nmap does), less room for the rest
/// of the process.
fn socket_room() -> usize {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let Ok((soft, hard)) = getrlimit(Resource::RLIMIT_NOFILE) else { return 256 };
    let soft = if soft < hard && setrlimit(Resource::RLIMIT_NOFILE, hard, hard).is_ok() { hard } else { soft };
    usize::try_from(soft).unwrap_or(usize::MAX).saturating_sub(64).max(16)
}

/// Reads and parses the vendor's list given with `flag`, if any; a
/// usage error names the flag, the file and what is wrong.
fn read_list<T>(
    flag: &str,
    path: Option<&std::path::Path>,
    parse: fn(&str) -> Result<T, String>,
) -> Result<Option<T>, String> {
    let Some(path) = path else { return Ok(None) };
    let text = std::fs::read_to_string(path).map_err(|e| format!("{flag} {}: {e}", path.display()))?;
    parse(&text).map(Some).map_err(|e| format!("{flag} {}: {e}", path.display()))
}

pub(crate) async fn scan(a: ScanArgs) -> Result<ExitCode> {
    let report = match report(&a).await {
        Ok(r) => r,
        Err(msg) => {
            eprintln!("starmark scan: {msg}");
            return Ok(ExitCode::from(2));
        }
    };
    if a.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.text());
    }
    let attention = report.findings.iter().any(|f| f.severity >= starmark_probe::findings::Severity::Warning);
    Ok(if !report.complete {
        ExitCode::from(INCOMPLETE)
    } else if attention {
        ExitCode::from(FINDINGS)
    } else {
        ExitCode::SUCCESS
    })
}

/// Runs the scan the arguments describe; a usage error (bad flag value,
/// unreadable list, a target that is not one device) is the message.
pub(crate) async fn report(a: &ScanArgs) -> Result<Report, String> {
    let ports = match a.ports.as_deref() {
        None => PortSet::default_scan(),
        Some(spec) => PortSet::parse(spec).map_err(|e| format!("--ports: {e}"))?,
    };
    // A UDP port is only checked with a request its protocol answers.
    if let Some(p) = ports.udp.iter().find(|p| starmark_probe::udp::probe_for(**p).is_none()) {
        let known: Vec<String> =
            starmark_probe::udp::PROBES.iter().map(|p| format!("{} ({})", p.port, p.service)).collect();
        return Err(format!(
            "--ports: there is no UDP probe for port {p}, so it cannot be checked; UDP probes exist for {}",
            known.join(", ")
        ));
    }
    let Some(budget) = parse_duration(&a.budget) else {
        return Err(format!("--budget `{}`: write e.g. 90s, 30m or 2h (at most 24h)", a.budget));
    };
    if !(1..=4096).contains(&a.max_in_flight) {
        return Err(format!("--max-in-flight {}: give 1 to 4096", a.max_in_flight));
    }
    let declared = read_list("--declared", a.declared.as_deref(), starmark_probe::findings::DeclaredInterfaces::parse)?;
    let enabled = parse_checks(a.checks.as_deref()).map_err(|e| format!("--checks: {e}"))?;
    let Some(pace) = parse_duration(&a.login_pace) else {
        return Err(format!("--login-pace `{}`: write e.g. 500ms or 2s", a.login_pace));
    };
    let brute_force = if a.danger_brute_force_test {
        if !(1..=starmark_probe::bruteforce::MAX_ATTEMPTS).contains(&a.brute_force_attempts) {
            return Err(format!(
                "--brute-force-attempts {}: give 1 to {}",
                a.brute_force_attempts,
                starmark_probe::bruteforce::MAX_ATTEMPTS
            ));
        }
        let Some(pace) = parse_duration(&a.brute_force_pace) else {
            return Err(format!("--brute-force-pace `{}`: write e.g. 1s or 500ms", a.brute_force_pace));
        };
        Some(starmark_probe::bruteforce::BruteForceSettings { attempts: a.brute_force_attempts, pace })
    } else {
        None
    };
    let factory = read_list(
        "--factory-credentials",
        a.factory_credentials.as_deref(),
        starmark_probe::creds::DeclaredCredentials::parse,
    )?;
    let target = starmark_probe::target::resolve(&a.target).await.map_err(|e| e.to_string())?;
    let max_in_flight = a.max_in_flight.min(socket_room());
    let defaults = Settings::default();
    let settings = Settings {
        budget,
        max_window: max_in_flight,
        initial_window: defaults.initial_window.min(max_in_flight),
        min_window: defaults.min_window.min(max_in_flight),
        ..defaults
    };
    let started_at = jiff::Timestamp::now().to_string();
    let started = std::time::Instant::now();

    let bar = if std::io::stderr().is_terminal() {
        let b = indicatif::ProgressBar::new(ports.tcp.len() as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {elapsed_precise} [{bar:40}] {pos}/{len} ports {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        Some(b)
    } else {
        None
    };
    let on_progress = |p: Progress| {
        if let Some(b) = &bar {
            b.set_position(p.done as u64);
            b.set_message(if p.paused {
                "- device not answering, paused".to_string()
            } else {
                format!("- {} open, {} in flight", p.open, p.window)
            });
        }
    };
    let outcome = starmark_probe::tcp::scan(target.addr, &ports.tcp, &settings, &on_progress).await;
    if let Some(b) = &bar {
        b.set_message("- UDP probes");
    }
    if let Some(b) = &bar {
        b.set_message("- identifying services");
    }
    let services = if a.no_identify {
        Vec::new()
    } else {
        // The budget is for the whole scan: identification gets what is left.
        starmark_probe::service::identify_all(
            target.addr,
            &outcome.open(),
            &starmark_probe::service::IdentifySettings::default(),
            budget.saturating_sub(started.elapsed()),
        )
        .await
    };
    let mut report =
        Report::new(&target.input, target.addr, started_at, settings, &ports.tcp, &outcome).with_services(services);
    if !ports.udp.is_empty() {
        let udp_settings = starmark_probe::udp::UdpSettings::default();
        let (udp, _) = starmark_probe::udp::scan(target.addr, &ports.udp, &udp_settings).await;
        report = report.with_udp(starmark_probe::report::UdpReport::new(udp_settings, &udp));
    }
    if !a.no_identify && !enabled.is_empty() {
        if let Some(b) = &bar {
            b.set_message("- protocol checks");
        }
        let mut check_settings = CheckSettings::new(starmark_probe::creds::candidates(factory.as_ref()));
        check_settings.enabled = enabled;
        // The brute-force test runs on the login surfaces the credentials
        // check finds, after it.
        if brute_force.is_some() && !check_settings.enabled.contains(&Check::Credentials) {
            check_settings.enabled.push(Check::Credentials);
        }
        check_settings.brute_force = brute_force;
        check_settings.pace = pace;
        // The budget is for the whole scan: the checks get what is left.
        check_settings.budget = budget.saturating_sub(started.elapsed());
        let results = starmark_probe::checks::run(target.addr, &report, &check_settings).await;
        report = report.with_checks(check_settings, results);
    }
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    Ok(report.with_findings(declared.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_lists() {
        assert_eq!(parse_checks(None).unwrap().len(), Check::ALL.len());
        assert_eq!(parse_checks(Some("none")).unwrap(), Vec::<Check>::new());
        assert_eq!(parse_checks(Some("tls, ssh,tls")).unwrap(), vec![Check::Tls, Check::Ssh]);
        assert!(parse_checks(Some("tls,telnet")).unwrap_err().contains("telnet"));
        assert!(parse_checks(Some("")).is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("30m"), Some(Duration::from_secs(1800)));
        assert_eq!(parse_duration("2h"), Some(Duration::from_secs(7200)));
        assert_eq!(parse_duration("45"), Some(Duration::from_secs(45)));
        assert_eq!(parse_duration("250ms"), Some(Duration::from_millis(250)));
        for bad in ["", "0", "0ms", "m", "5d", "25h", "-5s", "99999999999999999999s", "1.5s"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }
}
