//! Interface findings: what a scan means for the STAR-1 criteria.
//!
//! Every exposed service becomes a finding with a stable ID (the same
//! device scanned twice gives the same IDs, so reports can be compared),
//! the criteria it bears on — S1.1-13 (unneeded interfaces disabled) first
//! — and the evidence. Services risky by nature are flagged: telnet and
//! FTP (credentials in clear text), TFTP (no authentication at all), SNMP
//! answering the default community `public`, UPnP (device control without
//! authentication), MQTT brokers that take anonymous clients, and debug
//! services such as adb. With the vendor's list of intended interfaces
//! (`--declared`), services found but not declared, and declared ones not
//! found, are findings too.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::report::Report;
use crate::udp::UdpState;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Proto {
    Tcp,
    Udp,
}

impl fmt::Display for Proto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
        })
    }
}

/// How much a finding asks of the evaluator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// An exposed interface to account for.
    Info,
    /// Likely to fail a criterion unless justified.
    Warning,
    /// Fails a criterion as found.
    High,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable: `exposed/tcp/80`, `risky/tcp/23`, `undeclared/udp/1900`,
    /// `declared-missing/tcp/443`, `incomplete/scan`.
    pub id: String,
    pub severity: Severity,
    /// Criteria IDs, S1.1-13 first.
    pub criteria: Vec<&'static str>,
    pub title: String,
    /// The title in Japanese (Japanese reports and checklists).
    pub title_ja: String,
    pub evidence: String,
    /// What was sent and received, secrets redacted (protocol checks).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub transcript: Vec<String>,
}

/// One intended interface in the vendor's list.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Declared {
    pub proto: Proto,
    pub port: u16,
    /// What the vendor says runs there (free text, shown in reports).
    #[serde(default)]
    pub service: Option<String>,
    #[serde(default)]
    pub purpose: Option<String>,
}

/// The vendor's list of intended interfaces (`--declared FILE`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeclaredInterfaces {
    /// `starmark-interfaces/1`.
    pub format: String,
    #[serde(default, rename = "interface")]
    pub interfaces: Vec<Declared>,
}

pub const DECLARED_FORMAT: &str = "starmark-interfaces/1";

impl DeclaredInterfaces {
    /// Parses the TOML list, saying what is wrong and where.
    pub fn parse(text: &str) -> Result<DeclaredInterfaces, String> {
        let d: DeclaredInterfaces = toml::from_str(text).map_err(|e| e.to_string())?;
        if d.format != DECLARED_FORMAT {
            return Err(format!("format = {:?} is not supported; write format = {DECLARED_FORMAT:?}", d.format));
        }
        if let Some(p) = d.interfaces.iter().find(|i| i.port == 0) {
            return Err(format!("interface {}/{}: ports run from 1 to 65535", p.proto, p.port));
        }
        Ok(d)
    }
}

/// Why a service is risky by nature, and the criteria it bears on.
/// The risk of a reachable service, if any: severity, title (English,
/// Japanese), criteria.
fn risk(
    proto: Proto,
    port: u16,
    service: &str,
    detail: &str,
) -> Option<(Severity, [&'static str; 2], Vec<&'static str>)> {
    let lower = detail.to_ascii_lowercase();
    match (proto, service) {
        (Proto::Tcp, "telnet") => Some((
            Severity::High,
            ["telnet: remote login with credentials in clear text", "telnet: 認証情報を平文で送るリモートログイン"],
            vec!["S1.1-13", "S1.1-12"],
        )),
        (Proto::Tcp, "ftp") => Some((
            Severity::High,
            ["FTP: file transfer with credentials in clear text", "FTP: 認証情報を平文で送るファイル転送"],
            vec!["S1.1-13", "S1.1-12"],
        )),
        (Proto::Udp, "tftp") => Some((
            Severity::High,
            ["TFTP: file transfer without any authentication", "TFTP: 認証のないファイル転送"],
            vec!["S1.1-13", "S1.1-01"],
        )),
        (Proto::Udp, "snmp") if lower.contains("public") => Some((
            Severity::High,
            [
                "SNMP v1/v2c answers the default community \"public\"",
                "SNMP v1/v2c が既定のコミュニティ \"public\" に応答する",
            ],
            vec!["S1.1-13", "S1.1-02", "S1.1-01"],
        )),
        (Proto::Udp, "ssdp") => Some((
            Severity::Warning,
            ["UPnP: device discovery and control without authentication", "UPnP: 認証のない機器探索と制御"],
            vec!["S1.1-13", "S1.1-01"],
        )),
        (Proto::Tcp, "mqtt") if lower.contains("without credentials") => Some((
            Severity::High,
            [
                "MQTT broker accepts clients without credentials",
                "MQTT ブローカーが認証情報なしのクライアントを受け付ける",
            ],
            vec!["S1.1-13", "S1.1-01"],
        )),
        (Proto::Tcp, "http") if lower.contains("upnp") || lower.contains("miniupnpd") => Some((
            Severity::Warning,
            ["UPnP control point over HTTP", "HTTP 上の UPnP 制御"],
            vec!["S1.1-13", "S1.1-01"],
        )),
        (Proto::Tcp, "http") => Some((
            Severity::Warning,
            ["web interface over plain HTTP (not TLS)", "平文の HTTP（TLS なし）の Web インターフェース"],
            vec!["S1.1-13", "S1.1-12"],
        )),
        (Proto::Tcp, _) if port == 5555 => Some((
            Severity::High,
            [
                "port 5555 is Android Debug Bridge's (adb): a debug service",
                "ポート 5555 は Android Debug Bridge（adb）のもの: デバッグ用サービス",
            ],
            vec!["S1.1-13", "S1.1-01"],
        )),
        _ => None,
    }
}

/// The findings of a report, against the vendor's declared interfaces.
pub fn assess(report: &Report, declared: Option<&DeclaredInterfaces>) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut exposed: Vec<(Proto, u16, String, String)> = Vec::new();
    for p in &report.tcp.open {
        let (name, detail) = p.service.as_ref().map_or(("unknown", String::new()), |s| (s.name, s.detail.clone()));
        exposed.push((Proto::Tcp, p.port, name.to_string(), detail));
        if let Some(s) = p.service.as_ref().filter(|s| s.unidentified) {
            out.push(Finding {
                id: format!("inconclusive/identify/tcp/{}", p.port),
                severity: Severity::High,
                criteria: vec!["S1.1-13"],
                title: format!("{}/tcp: open, but no connection could be made to identify it", p.port),
                title_ja: format!("{}/tcp: 開いているが、識別のための接続ができなかった", p.port),
                evidence: format!("{}; what runs there is unknown, so nothing about it may be called safe", s.evidence),
                transcript: Vec::new(),
            });
        }
    }
    if let Some(u) = &report.udp {
        for p in &u.ports {
            match &p.state {
                UdpState::Open { service, detail, .. } => {
                    exposed.push((Proto::Udp, p.port, (*service).to_string(), detail.clone()));
                }
                UdpState::OpenUnrecognised { reply_bytes } => {
                    exposed.push((Proto::Udp, p.port, "unknown".into(), format!("{reply_bytes} bytes")));
                }
                UdpState::Closed | UdpState::Unanswered { .. } => {}
            }
        }
    }
    let is_declared = |proto: Proto, port: u16| {
        declared.is_some_and(|d| d.interfaces.iter().any(|i| i.proto == proto && i.port == port))
    };
    for (proto, port, name, detail) in &exposed {
        let what = if detail.is_empty() { name.clone() } else { format!("{name}: {detail}") };
        out.push(Finding {
            id: format!("exposed/{proto}/{port}"),
            severity: Severity::Info,
            criteria: vec!["S1.1-13"],
            title: format!("{port}/{proto} is reachable ({name})"),
            title_ja: format!("{port}/{proto} に到達できる（{name}）"),
            evidence: what.clone(),
            transcript: Vec::new(),
        });
        if let Some((severity, [title, title_ja], criteria)) = risk(*proto, *port, name, detail) {
            out.push(Finding {
                id: format!("risky/{proto}/{port}"),
                severity,
                criteria,
                title: format!("{port}/{proto}: {title}"),
                title_ja: format!("{port}/{proto}: {title_ja}"),
                evidence: what.clone(),
                transcript: Vec::new(),
            });
        }
        if declared.is_some() && !is_declared(*proto, *port) {
            out.push(Finding {
                id: format!("undeclared/{proto}/{port}"),
                severity: Severity::High,
                criteria: vec!["S1.1-13"],
                title: format!("{port}/{proto} ({name}) is reachable but not in the declared interfaces"),
                title_ja: format!("{port}/{proto}（{name}）に到達できるが、申告されたインターフェースにない"),
                evidence: what,
                transcript: Vec::new(),
            });
        }
    }
    if let Some(d) = declared {
        for i in &d.interfaces {
            let found = exposed.iter().any(|(p, port, _, _)| *p == i.proto && *port == i.port);
            let scanned = match i.proto {
                Proto::Tcp => report.tcp_scanned(i.port),
                Proto::Udp => report.udp.as_ref().is_some_and(|u| u.ports.iter().any(|p| p.port == i.port)),
            };
            if !found && scanned {
                out.push(Finding {
                    id: format!("declared-missing/{}/{}", i.proto, i.port),
                    severity: Severity::Warning,
                    criteria: vec!["S1.1-13"],
                    title: format!(
                        "{}/{} is declared{} but did not answer",
                        i.port,
                        i.proto,
                        i.service.as_deref().map(|s| format!(" ({s})")).unwrap_or_default()
                    ),
                    title_ja: format!(
                        "{}/{} は申告されている{}が応答しなかった",
                        i.port,
                        i.proto,
                        i.service.as_deref().map(|s| format!("（{s}）")).unwrap_or_default()
                    ),
                    evidence: "the declared list and the device disagree: update the list or check the device".into(),
                    transcript: Vec::new(),
                });
            }
        }
    }
    if !report.complete {
        out.push(Finding {
            id: "incomplete/scan".into(),
            severity: Severity::High,
            criteria: vec!["S1.1-13"],
            title: "the scan is incomplete: some ports have no definite answer".into(),
            title_ja: "スキャンが完了していない: 確定した応答のないポートがある".into(),
            evidence: "see the inconclusive and unanswered ports; nothing about them may be called safe".into(),
            transcript: Vec::new(),
        });
    }
    for c in &report.checks {
        out.extend(c.findings.iter().cloned());
    }
    out.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.id.cmp(&b.id)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_lists() {
        let d = DeclaredInterfaces::parse(
            "format = \"starmark-interfaces/1\"\n[[interface]]\nproto = \"tcp\"\nport = 443\nservice = \"https\"\n",
        )
        .unwrap();
        assert_eq!(d.interfaces.len(), 1);
        assert!(DeclaredInterfaces::parse("format = \"x\"").unwrap_err().contains("starmark-interfaces/1"));
        assert!(
            DeclaredInterfaces::parse(
                "format = \"starmark-interfaces/1\"\n[[interface]]\nproto = \"sctp\"\nport = 1\n"
            )
            .is_err()
        );
        assert!(
            DeclaredInterfaces::parse(
                "format = \"starmark-interfaces/1\"\n[[interface]]\nproto = \"tcp\"\nport = 70000\n"
            )
            .is_err()
        );
        assert!(
            DeclaredInterfaces::parse("format = \"starmark-interfaces/1\"\n[[interface]]\nproto = \"tcp\"\nport = 0\n")
                .is_err()
        );
        assert!(DeclaredInterfaces::parse("format = \"starmark-interfaces/1\"\nextra = 1\n").is_err());
    }
}
