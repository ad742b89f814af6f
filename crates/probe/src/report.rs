//! The scan report: what `starmark scan --json` prints (format
//! `starmark-scan/1`) and its text rendering.
//!
//! Every port asked for appears exactly once: open ports one by one with
//! their evidence, the others as compact ranges per state (`1-21,23-79`),
//! so a full 65,535-port scan stays small and two reports of the same
//! device can be compared line by line.

use std::fmt::Write as _;
use std::net::IpAddr;

use serde::Serialize;

use crate::ports::Ranges;
use crate::tcp::{Event, Inconclusive, Outcome, PortState, Settings};
use crate::udp::{UdpSettings, UdpState};

pub const FORMAT: &str = "starmark-scan/1";

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub format: &'static str,
    pub tool: Tool,
    pub target: TargetInfo,
    /// When the scan started (RFC 3339), as the caller's clock said.
    pub started_at: String,
    pub settings: Settings,
    pub tcp: TcpReport,
    /// Absent when no UDP port was asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub udp: Option<UdpReport>,
    pub events: Vec<Event>,
    /// Whether every port got a definite state.
    pub complete: bool,
    /// The protocol checks run on the services found (see [`crate::checks`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<crate::checks::CheckResult>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check_settings: Option<crate::checks::CheckSettings>,
    /// What the results mean for the criteria (see [`crate::findings`]).
    pub findings: Vec<crate::findings::Finding>,
}

#[derive(Debug, Clone, Serialize)]
pub struct UdpReport {
    pub settings: UdpSettings,
    /// Every UDP port asked for, in port order.
    pub ports: Vec<UdpPort>,
}

#[derive(Debug, Clone, Serialize)]
pub struct UdpPort {
    pub port: u16,
    /// The protocol probed for.
    pub probe: &'static str,
    #[serde(flatten)]
    pub state: UdpState,
}

impl UdpReport {
    pub fn new(settings: UdpSettings, results: &[(u16, UdpState)]) -> UdpReport {
        UdpReport {
            settings,
            ports: results
                .iter()
                .map(|(port, state)| UdpPort {
                    port: *port,
                    probe: crate::udp::probe_for(*port).map_or("", |p| p.service),
                    state: state.clone(),
                })
                .collect(),
        }
    }

    /// Whether every UDP port got a definite answer.
    pub fn complete(&self) -> bool {
        !self.ports.iter().any(|p| matches!(p.state, UdpState::Unanswered { .. }))
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct TargetInfo {
    pub input: String,
    pub address: IpAddr,
}

#[derive(Debug, Clone, Serialize)]
pub struct TcpReport {
    /// The ports asked for, as ranges.
    pub scanned: String,
    pub counts: Counts,
    pub open: Vec<OpenPort>,
    pub closed: String,
    pub filtered: String,
    /// Ports with no definite state, grouped by reason.
    pub inconclusive: Vec<InconclusiveRange>,
    pub timing: Timing,
}

#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct Counts {
    pub open: usize,
    pub closed: usize,
    pub filtered: usize,
    pub inconclusive: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct OpenPort {
    pub port: u16,
    /// Handshake time of the answering try, in milliseconds.
    pub rtt_ms: f64,
    /// Which try answered (1 = the first).
    pub attempt: u8,
    pub evidence: String,
    /// What answers there, once identified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<crate::service::Service>,
}

#[derive(Debug, Clone, Serialize)]
pub struct InconclusiveRange {
    pub reason: Inconclusive,
    pub ports: String,
    pub explanation: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Timing {
    pub elapsed_ms: u64,
    pub connect_attempts: u64,
    pub peak_in_flight: usize,
    pub srtt_ms: Option<f64>,
}

fn ms(d: std::time::Duration) -> f64 {
    (d.as_secs_f64() * 1_000_000.0).round() / 1000.0
}

impl Inconclusive {
    pub fn explanation(self) -> &'static str {
        match self {
            Inconclusive::DeviceUnresponsive => {
                "the device stopped answering and did not answer again in time; these ports are unknown, not closed"
            }
            Inconclusive::NothingAnswered => {
                "no port answered at all: the device may be down, unreachable, or drop every probe; nothing is known"
            }
            Inconclusive::BudgetExhausted => "the scan's time budget ran out before these ports got an answer",
        }
    }
}

impl Report {
    pub fn new(
        input: &str,
        address: IpAddr,
        started_at: String,
        settings: Settings,
        scanned: &[u16],
        o: &Outcome,
    ) -> Report {
        let mut counts = Counts::default();
        let (mut open, mut closed, mut filtered) = (Vec::new(), Vec::new(), Vec::new());
        let mut inconclusive: Vec<(Inconclusive, Vec<u16>)> = Vec::new();
        for (port, st) in &o.ports {
            match st {
                PortState::Open { rtt, attempt } => {
                    counts.open += 1;
                    open.push(OpenPort {
                        port: *port,
                        rtt_ms: ms(*rtt),
                        attempt: *attempt,
                        evidence: format!("TCP handshake completed in {:.1} ms (try {attempt})", ms(*rtt)),
                        service: None,
                    });
                }
                PortState::Closed { .. } => {
                    counts.closed += 1;
                    closed.push(*port);
                }
                PortState::Filtered { .. } => {
                    counts.filtered += 1;
                    filtered.push(*port);
                }
                PortState::Inconclusive { reason } => {
                    counts.inconclusive += 1;
                    match inconclusive.iter_mut().find(|(r, _)| r == reason) {
                        Some((_, v)) => v.push(*port),
                        None => inconclusive.push((*reason, vec![*port])),
                    }
                }
            }
        }
        Report {
            format: FORMAT,
            tool: Tool { name: "starmark", version: env!("CARGO_PKG_VERSION") },
            target: TargetInfo { input: input.to_string(), address },
            started_at,
            settings,
            tcp: TcpReport {
                scanned: Ranges(scanned).to_string(),
                counts,
                open,
                closed: Ranges(&closed).to_string(),
                filtered: Ranges(&filtered).to_string(),
                inconclusive: inconclusive
                    .into_iter()
                    .map(|(reason, v)| InconclusiveRange {
                        reason,
                        ports: Ranges(&v).to_string(),
                        explanation: reason.explanation(),
                    })
                    .collect(),
                timing: Timing {
                    elapsed_ms: u64::try_from(o.elapsed.as_millis()).unwrap_or(u64::MAX),
                    connect_attempts: o.attempts,
                    peak_in_flight: o.peak_window,
                    srtt_ms: o.srtt.map(ms),
                },
            },
            events: o.events.clone(),
            complete: o.complete(),
            udp: None,
            checks: Vec::new(),
            check_settings: None,
            findings: Vec::new(),
        }
    }

    /// Whether `port` was among the TCP ports scanned.
    pub fn tcp_scanned(&self, port: u16) -> bool {
        crate::ports::PortSet::parse(&self.tcp.scanned).is_ok_and(|s| s.tcp.binary_search(&port).is_ok())
    }

    /// Adds the findings (after services and UDP results are in).
    pub fn with_findings(mut self, declared: Option<&crate::findings::DeclaredInterfaces>) -> Report {
        self.findings = crate::findings::assess(&self, declared);
        self
    }

    /// Adds what answers on each open TCP port; the report is complete only
    /// if every port could be reached to be identified.
    pub fn with_services(mut self, services: Vec<(u16, crate::service::Service)>) -> Report {
        for (port, svc) in services {
            if let Some(p) = self.tcp.open.iter_mut().find(|p| p.port == port) {
                // A port that could not be reached again is not known.
                self.complete = self.complete && !svc.unidentified;
                p.service = Some(svc);
            }
        }
        self
    }

    /// Adds the protocol checks' results; the report is complete only if
    /// every check finished.
    pub fn with_checks(
        mut self,
        settings: crate::checks::CheckSettings,
        checks: Vec<crate::checks::CheckResult>,
    ) -> Report {
        self.complete = self.complete && checks.iter().all(|c| c.reason.is_none());
        self.checks = checks;
        self.check_settings = Some(settings);
        self
    }

    /// Adds the UDP results; the report is complete only if they are too.
    pub fn with_udp(mut self, udp: UdpReport) -> Report {
        self.complete = self.complete && udp.complete();
        self.udp = Some(udp);
        self
    }

    /// The report as text for a terminal.
    pub fn text(&self) -> String {
        let mut s = String::new();
        let t = &self.tcp;
        let _ = writeln!(s, "starmark scan of {} ({})", self.target.address, self.target.input);
        let _ = writeln!(
            s,
            "TCP {}: {} open, {} closed, {} filtered, {} inconclusive, in {:.1} s ({} connects, at most {} at once)",
            if t.scanned == "1-65535" { "all ports".to_string() } else { t.scanned.clone() },
            t.counts.open,
            t.counts.closed,
            t.counts.filtered,
            t.counts.inconclusive,
            t.timing.elapsed_ms as f64 / 1000.0,
            t.timing.connect_attempts,
            t.timing.peak_in_flight,
        );
        if t.open.is_empty() {
            let _ = writeln!(s, "\nNo open TCP port.");
        } else {
            let _ = writeln!(s, "\nOPEN PORT  SERVICE   DETAIL");
            for p in &t.open {
                match &p.service {
                    Some(svc) => {
                        let _ = writeln!(s, "{:>5}/tcp  {:<8}  {}", p.port, svc.name, svc.detail);
                        let _ = writeln!(s, "           evidence: {}; {}", p.evidence, svc.evidence);
                    }
                    None => {
                        let _ = writeln!(s, "{:>5}/tcp  {:<8}  {}", p.port, "-", p.evidence);
                    }
                }
            }
        }
        if !t.filtered.is_empty() {
            let _ = writeln!(s, "\nFiltered (no answer, though the device answered afterwards): {}", t.filtered);
        }
        for i in &t.inconclusive {
            let _ = writeln!(s, "\nINCONCLUSIVE: {}\n  ports: {}", i.explanation, i.ports);
        }
        if let Some(u) = &self.udp {
            let _ = writeln!(s, "\nUDP PORT   PROBE         STATE");
            for p in &u.ports {
                let state = match &p.state {
                    UdpState::Open { detail, .. } if detail.is_empty() => "open: the service answered".to_string(),
                    UdpState::Open { detail, .. } => format!("open: {detail}"),
                    UdpState::OpenUnrecognised { reply_bytes } => {
                        format!("open: answered with {reply_bytes} bytes not in the expected protocol")
                    }
                    UdpState::Closed => "closed (ICMP port unreachable)".to_string(),
                    UdpState::Unanswered { tries } => {
                        format!("UNANSWERED after {tries} tries: closed behind a filter, or open and silent; unknown")
                    }
                };
                let _ = writeln!(s, "{:>5}/udp  {:<12}  {state}", p.port, p.probe);
            }
        }
        if !self.checks.is_empty() {
            let _ = writeln!(s, "\nCHECK        PORT       RESULT");
            for c in &self.checks {
                let what = match &c.reason {
                    None => format!("completed in {:.1} s", c.elapsed_ms as f64 / 1000.0),
                    Some(r) => format!("INCONCLUSIVE: {r}"),
                };
                let _ = writeln!(s, "{:<11}  {:>5}/{}  {what}", c.check.name(), c.port, c.proto);
            }
        }
        if !self.findings.is_empty() {
            let _ = writeln!(s, "\nFINDINGS");
            for f in &self.findings {
                let sev = match f.severity {
                    crate::findings::Severity::High => "HIGH",
                    crate::findings::Severity::Warning => "WARN",
                    crate::findings::Severity::Info => "info",
                };
                let _ = writeln!(s, "{sev:<4}  {}  [{}]  {}", f.id, f.criteria.join(", "), f.title);
                // Protocol-check findings carry evidence worth reading here;
                // the transcripts are in --json.
                if !f.transcript.is_empty() {
                    let _ = writeln!(s, "      evidence: {}", f.evidence);
                }
            }
        }
        for e in &self.events {
            let _ = writeln!(
                s,
                "event at {:.1} s: {}",
                e.at_ms as f64 / 1000.0,
                serde_json::to_string(&e.kind).unwrap_or_default()
            );
        }
        if self.complete {
            let _ = writeln!(s, "\nEvery port asked for got a definite answer.");
        } else {
            let _ = writeln!(
                s,
                "\nThe scan is INCOMPLETE: the ports above are unknown. Nothing about them may be called safe."
            );
        }
        s
    }
}
