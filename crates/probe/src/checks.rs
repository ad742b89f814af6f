//! The protocol checks: once the scan knows what answers where, each
//! service is asked whether it is exposed *safely*.
//!
//! | check         | runs on                  | asks |
//! |---------------|--------------------------|------|
//! | `ssh`         | SSH                      | algorithms offered (KEXINIT), password logins offered |
//! | `tls`         | TLS on any port          | versions, cipher suites, certificate |
//! | `credentials` | telnet, FTP, SSH, HTTP(S) 401, MQTT, RTSP | universal and declared factory logins, anonymous FTP, RTSP streams without login |
//! | `mqtt`        | MQTT                     | anonymous CONNECT, SUBSCRIBE `#`, TLS offered |
//! | `upnp`        | SSDP                     | IGD control actions without authentication |
//! | `http`        | HTTP, HTTPS              | password asked over plain HTTP, security headers |
//! | `snmp`        | SNMP                     | default communities, write access |
//! | `coap`        | CoAP                     | resources readable without authentication |
//!
//! Every result is a [`Finding`] with a stable ID built from a [`Rule`]
//! (`docs/device-checks.md` documents each rule), the criteria it bears
//! on, and a redacted transcript. A check that could not finish gives an
//! `inconclusive/…` finding, never a pass.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::creds::{Attempt, Credential, Transcript};
use crate::findings::{Finding, Proto, Severity};
use crate::report::Report;
use crate::udp::UdpState;

/// The checks, each selectable (`--checks ssh,tls`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Check {
    Ssh,
    Tls,
    Credentials,
    Mqtt,
    Upnp,
    Http,
    Snmp,
    Coap,
    /// Intrusive: only with `--danger-brute-force-test`, never in [`Check::ALL`].
    BruteForce,
}

impl Check {
    pub const ALL: [Check; 8] =
        [Check::Ssh, Check::Tls, Check::Credentials, Check::Mqtt, Check::Upnp, Check::Http, Check::Snmp, Check::Coap];

    pub fn name(self) -> &'static str {
        match self {
            Check::Ssh => "ssh",
            Check::Tls => "tls",
            Check::Credentials => "credentials",
            Check::Mqtt => "mqtt",
            Check::Upnp => "upnp",
            Check::Http => "http",
            Check::Snmp => "snmp",
            Check::Coap => "coap",
            Check::BruteForce => "brute-force",
        }
    }

    pub fn parse(s: &str) -> Option<Check> {
        Check::ALL.into_iter().find(|c| c.name() == s)
    }

    /// Criteria an unfinished run of this check leaves open: those of its
    /// own findings, and those of the checks it would have led to (a web
    /// check behind TLS, the credentials check behind a login it finds).
    fn criteria(self) -> &'static [&'static str] {
        match self {
            Check::Ssh => &["S1.1-12", "S1.1-01", "S1.1-02", "S1.1-04"],
            Check::Tls | Check::Http => &["S1.1-12", "S1.1-01", "S1.1-02"],
            Check::Credentials => &["S1.1-02", "S1.1-01"],
            Check::Mqtt => &["S1.1-01", "S1.1-02"],
            Check::Upnp | Check::Snmp | Check::Coap => &["S1.1-01"],
            Check::BruteForce => &["S1.1-04"],
        }
    }
}

/// A documented rule: what a finding ID means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// The ID prefix (`tls/legacy-version`); findings are `{id}/{proto}/{port}`.
    pub id: &'static str,
    pub severity: Severity,
    pub criteria: &'static [&'static str],
    /// When the rule fires, in one sentence.
    pub when: &'static str,
}

/// Every rule of the protocol checks (documented in `docs/device-checks.md`).
pub const RULES: &[Rule] = &[
    Rule {
        id: "ssh/weak-algorithms",
        severity: Severity::Warning,
        criteria: &["S1.1-12"],
        when: "the SSH server offers a key exchange, host key, cipher or MAC algorithm known to be weak",
    },
    Rule {
        id: "ssh/no-authentication",
        severity: Severity::High,
        criteria: &["S1.1-01"],
        when: "the SSH server lets a made-up user in with no login at all (userauth `none` accepted)",
    },
    Rule {
        id: "ssh/password-login",
        severity: Severity::Info,
        criteria: &["S1.1-04", "S1.1-02"],
        when: "the SSH server offers password (or keyboard-interactive) logins: guessing resistance must be shown",
    },
    Rule {
        id: "tls/legacy-version",
        severity: Severity::High,
        criteria: &["S1.1-12"],
        when: "the service accepts SSL 3.0, TLS 1.0 or TLS 1.1",
    },
    Rule {
        id: "tls/weak-suites",
        severity: Severity::Warning,
        criteria: &["S1.1-12"],
        when: "the service accepts a cipher suite without forward secrecy, with a broken cipher or MAC, or anonymous",
    },
    Rule {
        id: "tls/weak-key",
        severity: Severity::High,
        criteria: &["S1.1-12"],
        when: "the certificate's key is RSA or DSA under 2048 bits, or EC under 224 bits",
    },
    Rule {
        id: "tls/weak-signature",
        severity: Severity::High,
        criteria: &["S1.1-12"],
        when: "the certificate is signed with MD2, MD5 or SHA-1",
    },
    Rule {
        id: "tls/certificate-dates",
        severity: Severity::High,
        criteria: &["S1.1-12"],
        when: "the certificate has expired or is not yet valid",
    },
    Rule {
        id: "default-credentials",
        severity: Severity::High,
        criteria: &["S1.1-02", "S1.1-01"],
        when: "a universal or declared factory login is accepted",
    },
    Rule {
        id: "rtsp/no-login",
        severity: Severity::High,
        criteria: &["S1.1-01"],
        when: "an RTSP DESCRIBE without credentials is answered 2xx: the stream opens for anyone",
    },
    Rule {
        id: "ftp/anonymous",
        severity: Severity::High,
        criteria: &["S1.1-01"],
        when: "the FTP server accepts the anonymous login",
    },
    Rule {
        id: "mqtt/anonymous",
        severity: Severity::High,
        criteria: &["S1.1-01"],
        when: "the MQTT broker accepts a CONNECT without credentials",
    },
    Rule {
        id: "mqtt/subscribe-all",
        severity: Severity::High,
        criteria: &["S1.1-01"],
        when: "an anonymous MQTT client may subscribe to every topic (#)",
    },
    Rule {
        id: "mqtt/no-tls",
        severity: Severity::Warning,
        criteria: &["S1.1-12"],
        when: "MQTT is offered in plain text and no TLS port (8883) answers TLS",
    },
    Rule {
        id: "upnp/open-control",
        severity: Severity::High,
        criteria: &["S1.1-01", "S1.1-13"],
        when: "a UPnP IGD control action answers without authentication",
    },
    Rule {
        id: "http/cleartext-login",
        severity: Severity::High,
        criteria: &["S1.1-12", "S1.1-01"],
        when: "a page served over plain HTTP asks for a password (a password field or Basic authentication)",
    },
    Rule {
        id: "http/unauthenticated-settings",
        severity: Severity::High,
        criteria: &["S1.1-01"],
        when: "a settings path (not the front page) answers 200 with a form and asks for no login",
    },
    Rule {
        id: "http/missing-security-headers",
        severity: Severity::Warning,
        criteria: &["S1.1-01", "S1.1-12"],
        when: "the web interface's front page lacks HSTS (over TLS), nosniff, a CSP or framing protection",
    },
    Rule {
        id: "snmp/default-community",
        severity: Severity::High,
        criteria: &["S1.1-02", "S1.1-01"],
        when: "the SNMP agent answers a default community (public, private)",
    },
    Rule {
        id: "snmp/write-access",
        severity: Severity::High,
        criteria: &["S1.1-01"],
        when: "a default community may write (a SET of sysName.0 to its own value succeeded)",
    },
    Rule {
        id: "coap/unauthenticated-read",
        severity: Severity::High,
        criteria: &["S1.1-01"],
        when: "a resource listed in /.well-known/core answers a GET over plain CoAP, which has no authentication",
    },
    Rule {
        id: "bruteforce/no-resistance",
        severity: Severity::High,
        criteria: &["S1.1-04"],
        when: "with --danger-brute-force-test: every wrong login was refused at the same speed, with no lockout and no growing delay",
    },
    Rule {
        id: "bruteforce/accepts-wrong-password",
        severity: Severity::High,
        criteria: &["S1.1-04", "S1.1-01"],
        when: "with --danger-brute-force-test: a login with a password that cannot be right was accepted",
    },
    Rule {
        id: "bruteforce/resists",
        severity: Severity::Info,
        criteria: &["S1.1-04"],
        when: "with --danger-brute-force-test: the device locked out or slowed down as wrong logins went on (the timings are the evidence)",
    },
    Rule {
        id: "inconclusive",
        severity: Severity::High,
        criteria: &[],
        when: "a check could not finish; the criteria it bears on stay open (findings are inconclusive/{check}/{proto}/{port})",
    },
];

/// The rule with this ID.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

/// A finding of rule `id` on one service; `title` is in English and
/// Japanese (the port is prefixed to both).
fn finding(id: &'static str, proto: Proto, port: u16, title: [String; 2], evidence: String, t: &Transcript) -> Finding {
    let r = rule(id);
    let [en, ja] = title;
    Finding {
        id: format!("{id}/{proto}/{port}"),
        severity: r.map_or(Severity::High, |r| r.severity),
        criteria: r.map_or_else(Vec::new, |r| r.criteria.to_vec()),
        title: format!("{port}/{proto}: {en}"),
        title_ja: format!("{port}/{proto}: {ja}"),
        evidence,
        transcript: t.0.clone(),
    }
}

/// Settings of the checks.
#[derive(Debug, Clone, Serialize)]
pub struct CheckSettings {
    pub enabled: Vec<Check>,
    /// Longest wait for one exchange.
    #[serde(serialize_with = "crate::tcp::ser_ms")]
    pub wait: Duration,
    /// Pause between two login attempts on one service.
    #[serde(serialize_with = "crate::tcp::ser_ms")]
    pub pace: Duration,
    /// All checks together may take this long.
    #[serde(serialize_with = "crate::tcp::ser_ms")]
    pub budget: Duration,
    /// Logins to try (declared first, then universal); see [`crate::creds`].
    #[serde(skip)]
    pub credentials: Vec<Credential>,
    /// How many logins are tried per service (the list's length).
    pub credentials_per_service: usize,
    /// The brute-force resistance test, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub brute_force: Option<crate::bruteforce::BruteForceSettings>,
}

impl CheckSettings {
    pub fn new(credentials: Vec<Credential>) -> CheckSettings {
        CheckSettings {
            enabled: Check::ALL.to_vec(),
            wait: Duration::from_secs(5),
            pace: Duration::from_millis(500),
            budget: Duration::from_secs(600),
            credentials_per_service: credentials.len(),
            credentials,
            brute_force: None,
        }
    }
}

/// The outcome of one check on one service.
#[derive(Debug, Clone, Serialize)]
pub struct CheckResult {
    pub check: Check,
    pub proto: Proto,
    pub port: u16,
    /// `completed`, or `inconclusive` with the reason.
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What the check observed (its own shape per check).
    pub data: serde_json::Value,
    pub elapsed_ms: u64,
    #[serde(skip)]
    pub findings: Vec<Finding>,
}

/// What one check run gives: observations and findings, or why not.
type Outcome = Result<(serde_json::Value, Vec<Finding>), String>;

fn value<T: Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}

async fn ssh_check(addr: SocketAddr, s: &CheckSettings, t: &mut Transcript) -> Outcome {
    let algs = crate::ssh::kexinit(addr, s.wait).await.map_err(|e| e.to_string())?;
    t.received(algs.banner.as_bytes(), "");
    let weak = crate::ssh::weak(&algs);
    t.sent("SSH userauth none (asks which login methods the server offers)");
    let (methods, open) = match crate::ssh::auth_methods(addr, "starmark-check", s.wait).await {
        Ok(crate::ssh::Login::Refused { methods }) => (methods, false),
        Ok(crate::ssh::Login::Accepted) => (vec!["none".into()], true),
        Err(e) => return Err(format!("login methods: {e}")),
    };
    t.note(format!("login methods offered: {}", methods.join(",")));
    let mut out = Vec::new();
    let port = addr.port();
    if !weak.is_empty() {
        let list: Vec<String> = weak.iter().map(|w| format!("{} {}: {}", w.kind, w.algorithm, w.reason)).collect();
        out.push(finding(
            "ssh/weak-algorithms",
            Proto::Tcp,
            port,
            [
                format!("SSH offers {} weak algorithm(s)", weak.len()),
                format!("SSH が弱いアルゴリズムを {} 個提示する", weak.len()),
            ],
            list.join("; "),
            t,
        ));
    }
    if open {
        out.push(finding(
            "ssh/no-authentication",
            Proto::Tcp,
            port,
            ["SSH lets anyone in without a login".into(), "SSH がログインなしで誰でも受け入れる".into()],
            "userauth none for the made-up user starmark-check succeeded: SSH itself asks for no credentials \
             (if the device asks for a login inside the session, say so in the remarks)"
                .into(),
            t,
        ));
    }
    if methods.iter().any(|m| m == "password" || m == "keyboard-interactive") {
        out.push(finding(
            "ssh/password-login",
            Proto::Tcp,
            port,
            ["SSH takes password logins".into(), "SSH がパスワードによるログインを受け付ける".into()],
            format!("methods offered: {}", methods.join(", ")),
            t,
        ));
    }
    Ok((serde_json::json!({ "algorithms": algs, "weak": weak, "login_methods": methods }), out))
}

/// On an unfinished survey, what was found so far goes to `partial`.
async fn tls_check(addr: SocketAddr, s: &CheckSettings, t: &mut Transcript, partial: &mut Vec<Finding>) -> Outcome {
    let survey = crate::tls::survey(addr, s.wait).await;
    for (name, r) in &survey.versions {
        t.note(format!("{name}: {}", serde_json::to_string(r).unwrap_or_default()));
    }
    let port = addr.port();
    let mut out = Vec::new();
    let legacy: Vec<&str> = survey
        .versions
        .iter()
        .filter(|(n, r)| {
            matches!(r, crate::tls::VersionResult::Accepted { .. }) && !matches!(*n, "TLSv1.2" | "TLSv1.3")
        })
        .map(|(n, _)| *n)
        .collect();
    if !legacy.is_empty() {
        out.push(finding(
            "tls/legacy-version",
            Proto::Tcp,
            port,
            [format!("accepts {}", legacy.join(", ")), format!("{} を受け付ける", legacy.join("、"))],
            "versions with known attacks (BEAST, POODLE) and SHA-1/MD5 handshakes; RFC 8996 deprecates TLS 1.0 and 1.1"
                .into(),
            t,
        ));
    }
    let mut weak: Vec<String> = Vec::new();
    for (version, names) in &survey.suites {
        for n in names {
            let id = tls_parser::TlsCipherSuite::from_name(n).map_or(0, |c| c.id.0);
            if let Some(why) = crate::tls::weak_suite(id)
                && !weak.iter().any(|w| w.starts_with(n.as_str()))
            {
                weak.push(format!("{n} ({why}; seen at {version})"));
            }
        }
    }
    if !weak.is_empty() {
        out.push(finding(
            "tls/weak-suites",
            Proto::Tcp,
            port,
            [
                format!("accepts {} weak cipher suite(s)", weak.len()),
                format!("弱い暗号スイートを {} 個受け付ける", weak.len()),
            ],
            weak.join("; "),
            t,
        ));
    }
    if let Some(c) = &survey.certificate {
        let short = match c.key_type.as_str() {
            "RSA" | "DSA" => c.key_bits < 2048,
            "EC" => c.key_bits < 224,
            _ => false,
        };
        if short {
            out.push(finding(
                "tls/weak-key",
                Proto::Tcp,
                port,
                [
                    format!("certificate key is {} {} bits", c.key_type, c.key_bits),
                    format!("証明書の鍵が {} {} ビット", c.key_type, c.key_bits),
                ],
                format!("certificate {} ({})", c.sha256, c.subject),
                t,
            ));
        }
        let sig = c.signature_algorithm.to_ascii_lowercase();
        if sig.contains("md2") || sig.contains("md5") || sig.contains("sha1") {
            out.push(finding(
                "tls/weak-signature",
                Proto::Tcp,
                port,
                [
                    format!("certificate signed with {}", c.signature_algorithm),
                    format!("証明書の署名アルゴリズムが {}", c.signature_algorithm),
                ],
                format!("certificate {} ({})", c.sha256, c.subject),
                t,
            ));
        }
        let now = jiff::Timestamp::now();
        let before = c.not_before.parse::<jiff::Timestamp>().ok();
        let after = c.not_after.parse::<jiff::Timestamp>().ok();
        if before.is_some_and(|b| b > now) || after.is_some_and(|a| a < now) {
            out.push(finding(
                "tls/certificate-dates",
                Proto::Tcp,
                port,
                [
                    format!("certificate valid {} to {}, not now", c.not_before, c.not_after),
                    format!("証明書の有効期間は {} から {} で、現在は期間外", c.not_before, c.not_after),
                ],
                format!("certificate {} ({})", c.sha256, c.subject),
                t,
            ));
        }
    }
    if !survey.unknown.is_empty() {
        partial.append(&mut out);
        return Err(survey.unknown.join("; "));
    }
    Ok((value(&survey), out))
}

/// A login surface: how to try one credential there.
#[derive(Debug, Clone)]
pub(crate) enum Surface {
    Telnet,
    Ftp,
    Ssh,
    Mqtt,
    Rtsp,
    Http { tls: bool, path: String },
    Form { tls: bool, form: crate::http::LoginForm },
}

async fn attempt(addr: SocketAddr, surface: &Surface, c: &Credential, wait: Duration, t: &mut Transcript) -> Attempt {
    // Each protocol bounds its own reads; this bounds the whole attempt
    // (a connect, a few exchanges, and a refusal's deliberate delay).
    let limit = wait * 4 + Duration::from_secs(5);
    let work = async {
        match surface {
            Surface::Telnet => crate::creds::telnet(addr, c, wait, t).await,
            Surface::Ftp => crate::creds::ftp(addr, c, wait, t).await,
            Surface::Ssh => crate::creds::ssh(addr, c, wait, t).await,
            Surface::Mqtt => crate::creds::mqtt(addr, c, wait, t).await,
            Surface::Rtsp => crate::rtsp::login(addr, c, wait, t).await,
            Surface::Http { tls, path } => crate::http::login(addr, *tls, path, c, wait, t).await,
            Surface::Form { tls, form } => crate::http::form_login(addr, *tls, form, c, wait, t).await,
        }
    };
    tokio::time::timeout(limit, work)
        .await
        .unwrap_or_else(|_| Attempt::Inconclusive { reason: format!("the attempt took longer than {limit:?}") })
}

/// Tries the credentials once each, paced, until one is accepted.
/// A factory login that worked: (surface, credential reference, user).
/// A login that worked: the surface's name (English, Japanese), the
/// credential's reference, the user.
type Accepted = ([String; 2], String, String);

/// The credentials check on one port: each surface in turn. Findings made
/// before a surface turned out unreadable are kept (the third value is
/// then the reason the check is inconclusive).
async fn credentials_check(
    addr: SocketAddr,
    surfaces: &[Surface],
    s: &CheckSettings,
    t: &mut Transcript,
) -> (serde_json::Value, Vec<Finding>, Option<String>) {
    let port = addr.port();
    let mut out = Vec::new();
    let mut per_surface = Vec::new();
    let mut accepted: Vec<Accepted> = Vec::new();
    let mut reason = None;
    for (i, surface) in surfaces.iter().enumerate() {
        if i > 0 {
            tokio::time::sleep(s.pace).await;
        }
        match one_surface(addr, surface, s, t, &mut out).await {
            Ok((data, acc)) => {
                per_surface.push(data);
                accepted.extend(acc);
            }
            Err(e) => {
                per_surface.push(serde_json::json!({ "surface": surface_name(surface), "inconclusive": e }));
                reason.get_or_insert(e);
            }
        }
    }
    if let Some((_, reference, _)) = accepted.first() {
        let (kind, kind_ja) = if reference.starts_with("declared") {
            (
                "the vendor's declared factory login, the same on every unit,",
                "全台共通の、ベンダーが申告した初期ログイン情報",
            )
        } else {
            ("a universal factory login", "汎用の初期ログイン情報")
        };
        let surfaces: Vec<&str> = accepted.iter().map(|([s, _], _, _)| s.as_str()).collect();
        let surfaces_ja: Vec<&str> = accepted.iter().map(|([_, s], _, _)| s.as_str()).collect();
        let evidence: Vec<String> = accepted
            .iter()
            .map(|([s, _], r, u)| format!("{s}: {r} (user {u:?}, password redacted) accepted"))
            .collect();
        out.push(finding(
            "default-credentials",
            Proto::Tcp,
            port,
            [
                format!("{kind} logs in over {}", surfaces.join(" and ")),
                format!("{kind_ja}で {} にログインできる", surfaces_ja.join("、")),
            ],
            format!("{}; see the credential lists in docs/device-checks.md", evidence.join("; ")),
            t,
        ));
    }
    let user = accepted.first().map(|(_, _, u)| u.clone());
    (serde_json::json!({ "surfaces": per_surface, "user": user }), out, reason)
}

/// One login surface: its own special cases (anonymous FTP, an RTSP stream
/// without login), then the credentials once each until one works.
async fn one_surface(
    addr: SocketAddr,
    surface: &Surface,
    s: &CheckSettings,
    t: &mut Transcript,
    out: &mut Vec<Finding>,
) -> Result<(serde_json::Value, Option<Accepted>), String> {
    let port = addr.port();
    if matches!(surface, Surface::Ftp) {
        let anon = Credential {
            user: "anonymous".into(),
            password: "starmark@example.com".into(),
            reference: "anonymous".into(),
        };
        let anonymous = match crate::creds::ftp(addr, &anon, s.wait, t).await {
            Attempt::Inconclusive { .. } => {
                tokio::time::sleep(s.pace).await;
                crate::creds::ftp(addr, &anon, s.wait, t).await
            }
            a => a,
        };
        if let Attempt::Inconclusive { reason } = anonymous {
            return Err(format!("the anonymous FTP login could not be read, twice (last: {reason})"));
        }
        if anonymous == Attempt::Accepted {
            out.push(finding(
                "ftp/anonymous",
                Proto::Tcp,
                port,
                ["FTP takes the anonymous login".into(), "FTP が匿名ログインを受け付ける".into()],
                "USER anonymous was accepted".into(),
                t,
            ));
        }
        tokio::time::sleep(s.pace).await;
    }
    if matches!(surface, Surface::Rtsp) {
        match crate::rtsp::open_without_login(addr, s.wait, t).await? {
            200..=299 => {
                out.push(finding(
                    "rtsp/no-login",
                    Proto::Tcp,
                    port,
                    ["the video stream opens without a login".into(), "映像ストリームがログインなしで開く".into()],
                    "DESCRIBE without credentials answered 2xx".into(),
                    t,
                ));
                return Ok((
                    serde_json::json!({ "surface": "RTSP", "tried": 0, "accepted": null, "open": true }),
                    None,
                ));
            }
            401 => {}
            code => return Err(format!("DESCRIBE without credentials answered {code}, neither a stream nor a login")),
        }
    }
    let mut tried = 0usize;
    for (i, c) in s.credentials.iter().enumerate() {
        if i > 0 {
            tokio::time::sleep(s.pace).await;
        }
        t.note(format!("trying {} (user {:?})", c.reference, c.user));
        tried += 1;
        // A credential whose answer could not be read is neither accepted
        // nor refused: it is tried once more, and if that cannot be read
        // either, the surface is inconclusive — moving on would call a
        // login that may work "not accepted".
        let mut outcome = attempt(addr, surface, c, s.wait, t).await;
        if let Attempt::Inconclusive { reason } = &outcome {
            t.note(format!("unreadable: {reason}; trying {} once more", c.reference));
            tokio::time::sleep(s.pace).await;
            outcome = attempt(addr, surface, c, s.wait, t).await;
        }
        match outcome {
            Attempt::Accepted => {
                t.note(format!("{} accepted at attempt {tried}", c.reference));
                let name = surface_name(surface);
                return Ok((
                    serde_json::json!({ "surface": &name, "tried": tried, "accepted": c.reference, "user": c.user }),
                    Some(([name, surface_name_ja(surface)], c.reference.clone(), c.user.clone())),
                ));
            }
            Attempt::Refused => {}
            Attempt::Inconclusive { reason } => {
                t.note(format!("unreadable: {reason}"));
                return Err(format!(
                    "{}: the answer to {} could not be read, twice, at attempt {tried} (last: {reason}); the device may be locking out",
                    surface_name(surface),
                    c.reference
                ));
            }
        }
    }
    Ok((serde_json::json!({ "surface": surface_name(surface), "tried": tried, "accepted": null }), None))
}

/// The brute-force resistance test on one surface (rule in
/// [`crate::bruteforce`]).
async fn brute_force_check(
    addr: SocketAddr,
    surface: Surface,
    user: &str,
    bf: crate::bruteforce::BruteForceSettings,
    s: &CheckSettings,
    t: &mut Transcript,
) -> Outcome {
    use crate::bruteforce::{Timing, Verdict, goes_on, outcome, verdict, wrong};
    let port = addr.port();
    let start = tokio::time::Instant::now();
    let mut timings: Vec<Timing> = Vec::new();
    let mut previous: Option<tokio::time::Instant> = None;
    // One more than planned at most: to tell a lockout from a lost answer.
    for n in 1..=bf.attempts.saturating_add(1) {
        // Starts at least the pace apart, however long each attempt takes.
        if let Some(p) = previous {
            tokio::time::sleep_until(p + bf.pace).await;
        }
        let began = tokio::time::Instant::now();
        previous = Some(began);
        let c = wrong(user, n);
        let mut quiet = Transcript::default();
        let a = attempt(addr, &surface, &c, s.wait, &mut quiet).await;
        let timing = Timing {
            n,
            at_ms: u64::try_from(began.duration_since(start).as_millis()).unwrap_or(u64::MAX),
            took_ms: u64::try_from(began.elapsed().as_millis()).unwrap_or(u64::MAX),
            outcome: outcome(&a),
        };
        t.note(format!(
            "wrong login {n} (user {user:?}) at {} ms: {} after {} ms",
            timing.at_ms, timing.outcome, timing.took_ms
        ));
        timings.push(timing);
        if !goes_on(&timings, bf.attempts) {
            break;
        }
    }
    let v = verdict(&timings);
    let data = serde_json::json!({ "surface": surface_name(&surface), "user": user, "settings": bf, "timings": timings, "verdict": v });
    let table: Vec<String> = timings.iter().map(|t| format!("#{} {} ms {}", t.n, t.took_ms, t.outcome)).collect();
    let evidence = format!("{}; rule in docs/device-checks.md", table.join(", "));
    let (name, name_ja) = (surface_name(&surface), surface_name_ja(&surface));
    let f = match &v {
        Verdict::NoResistance { attempts, .. } => finding(
            "bruteforce/no-resistance",
            Proto::Tcp,
            port,
            [
                format!("{name}: {attempts} wrong logins refused at an even pace, no lockout or growing delay"),
                format!("{name_ja}: 誤ったログイン {attempts} 回が同じ間隔で拒否され、ロックアウトも遅延の増加もない"),
            ],
            evidence,
            t,
        ),
        Verdict::AcceptsWrongPassword { at_attempt } => finding(
            "bruteforce/accepts-wrong-password",
            Proto::Tcp,
            port,
            [
                format!("{name}: wrong login {at_attempt} was accepted"),
                format!("{name_ja}: {at_attempt} 回目の誤ったログインが受け付けられた"),
            ],
            evidence,
            t,
        ),
        Verdict::LocksOut { at_attempt, how } => finding(
            "bruteforce/resists",
            Proto::Tcp,
            port,
            [
                format!("{name}: locks out at wrong login {at_attempt} ({how})"),
                format!("{name_ja}: {at_attempt} 回目の誤ったログインでロックアウトする（{how}）"),
            ],
            evidence,
            t,
        ),
        Verdict::Delays { first_ms, last_ms } => finding(
            "bruteforce/resists",
            Proto::Tcp,
            port,
            [
                format!("{name}: refusals slow from {first_ms} ms to {last_ms:?} ms"),
                format!("{name_ja}: 拒否までの時間が {first_ms} ms から {last_ms:?} ms に延びる"),
            ],
            evidence,
            t,
        ),
        Verdict::Inconclusive { reason } => return Err(format!("{name}: {reason}")),
    };
    Ok((data, vec![f]))
}

/// A login surface as the Japanese titles name it.
fn surface_name_ja(s: &Surface) -> String {
    match s {
        Surface::Http { tls: false, path } => format!("{path} の HTTP 認証"),
        Surface::Http { tls: true, path } => format!("{path} の HTTPS 認証"),
        Surface::Form { tls: false, form } => format!("{} のログインフォーム", form.page),
        Surface::Form { tls: true, form } => format!("{} のログインフォーム（HTTPS）", form.page),
        other => surface_name(other),
    }
}

fn surface_name(s: &Surface) -> String {
    match s {
        Surface::Telnet => "telnet".into(),
        Surface::Ftp => "FTP".into(),
        Surface::Ssh => "SSH".into(),
        Surface::Mqtt => "MQTT".into(),
        Surface::Rtsp => "RTSP".into(),
        Surface::Http { tls: false, path } => format!("HTTP authentication on {path}"),
        Surface::Http { tls: true, path } => format!("HTTPS authentication on {path}"),
        Surface::Form { tls: false, form } => format!("the login form on {}", form.page),
        Surface::Form { tls: true, form } => format!("the login form on {} (HTTPS)", form.page),
    }
}

/// Paths where device web interfaces keep their settings; the HTTP check
/// looks for a login (401) on the front page and these.
const ADMIN_PATHS: &[&str] = &["/", "/admin/", "/cgi-bin/", "/setup.cgi", "/config/", "/settings/"];

struct HttpFound {
    data: serde_json::Value,
    findings: Vec<Finding>,
    /// Login surfaces found: HTTP authentication first, then forms.
    logins: Vec<Surface>,
}

async fn http_check(addr: SocketAddr, tls: bool, s: &CheckSettings, t: &mut Transcript) -> Result<HttpFound, String> {
    let port = addr.port();
    let mut out = Vec::new();
    let front = crate::http::send(addr, tls, &crate::http::Request::get("/"), s.wait, t).await?;
    let missing = crate::http::missing_headers(&front, tls);
    if !missing.is_empty() && front.status < 500 {
        out.push(finding(
            "http/missing-security-headers",
            Proto::Tcp,
            port,
            [
                format!("the front page lacks {} security header(s)", missing.len()),
                format!("トップページにセキュリティヘッダーが {} 個ない", missing.len()),
            ],
            missing.join("; "),
            t,
        ));
    }
    let mut auth_paths: Vec<String> = Vec::new();
    let mut forms: Vec<crate::http::LoginForm> = Vec::new();
    let mut password_pages = Vec::new();
    let mut settings_pages = Vec::new();
    let mut seen = Vec::new();
    for path in ADMIN_PATHS {
        let r = if *path == "/" {
            front.clone()
        } else {
            crate::http::send(addr, tls, &crate::http::Request::get(path), s.wait, t).await?
        };
        seen.push(serde_json::json!({ "path": path, "status": r.status }));
        if r.status == 401 {
            let schemes: Vec<String> = crate::http::challenges(&r)
                .iter()
                .map(|c| match c {
                    crate::http::Challenge::Basic => "Basic".to_string(),
                    crate::http::Challenge::Digest { .. } => "Digest".to_string(),
                    crate::http::Challenge::Other(o) => o.clone(),
                })
                .collect();
            if !tls && schemes.iter().any(|s| s == "Basic") {
                password_pages
                    .push(format!("{path} asks for HTTP Basic authentication (the password travels in clear)"));
            }
            auth_paths.push((*path).to_string());
        } else if r.status == 200 && crate::http::has_password_field(&r.body) {
            if !tls {
                password_pages.push(format!("{path} has a password field"));
            }
            if let Some(f) = crate::http::login_form(&r.body, path)
                && !forms.iter().any(|g| g.action == f.action)
            {
                forms.push(f);
            }
        } else if r.status == 200 && *path != "/" && crate::http::has_form(&r.body) {
            settings_pages.push(format!("{path} ({} bytes with a form)", r.body.len()));
        }
    }
    if !settings_pages.is_empty() {
        out.push(finding(
            "http/unauthenticated-settings",
            Proto::Tcp,
            port,
            ["settings pages open without a login".into(), "設定ページがログインなしで開く".into()],
            settings_pages.join("; "),
            t,
        ));
    }
    if !password_pages.is_empty() {
        out.push(finding(
            "http/cleartext-login",
            Proto::Tcp,
            port,
            ["a password is asked for over plain HTTP".into(), "平文の HTTP でパスワードを求める".into()],
            password_pages.join("; "),
            t,
        ));
    }
    Ok(HttpFound {
        data: serde_json::json!({ "tls": tls, "front_page_status": front.status, "paths": seen, "missing_headers": missing }),
        findings: out,
        logins: auth_paths
            .into_iter()
            .take(1)
            .map(|path| Surface::Http { tls, path })
            .chain(forms.into_iter().take(2).map(|form| Surface::Form { tls, form }))
            .collect(),
    })
}

async fn mqtt_check(addr: SocketAddr, tls_elsewhere: bool, s: &CheckSettings, t: &mut Transcript) -> Outcome {
    let r = crate::mqtt::check(addr, s.wait, t).await?;
    let port = addr.port();
    let mut out = Vec::new();
    if r.anonymous_return_code == 0 {
        out.push(finding(
            "mqtt/anonymous",
            Proto::Tcp,
            port,
            [
                "the MQTT broker takes clients without credentials".into(),
                "MQTT ブローカーが認証情報なしのクライアントを受け付ける".into(),
            ],
            "CONNECT without user name or password: CONNACK 0 (accepted)".into(),
            t,
        ));
    }
    if r.subscribe_all_return_code.is_some_and(|c| c <= 2) {
        out.push(finding(
            "mqtt/subscribe-all",
            Proto::Tcp,
            port,
            [
                "an anonymous client may subscribe to every topic (#)".into(),
                "匿名のクライアントがすべてのトピック（#）を購読できる".into(),
            ],
            format!(
                "SUBACK granted QoS {}; {} message(s) delivered at once",
                r.subscribe_all_return_code.unwrap_or(0),
                r.messages_seen
            ),
            t,
        ));
    }
    if !tls_elsewhere {
        out.push(finding(
            "mqtt/no-tls",
            Proto::Tcp,
            port,
            ["MQTT only in plain text".into(), "MQTT が平文でのみ提供されている".into()],
            "no TLS service answers on 8883".into(),
            t,
        ));
    }
    Ok((value(&r), out))
}

async fn upnp_check(addr: IpAddr, s: &CheckSettings, t: &mut Transcript) -> Outcome {
    let r = crate::upnp::check(addr, s.wait, t).await?;
    let mut out = Vec::new();
    if !r.open_actions.is_empty() {
        let port = r
            .description
            .as_deref()
            .and_then(|d| d.strip_prefix("http://"))
            .and_then(|d| d.split('/').next())
            .and_then(|hp| hp.rsplit_once(':'))
            .and_then(|(_, p)| p.parse().ok())
            .unwrap_or(1900);
        let list: Vec<String> = r.open_actions.iter().map(|(u, a)| format!("{a} at {u}")).collect();
        out.push(finding(
            "upnp/open-control",
            Proto::Tcp,
            port,
            [
                "UPnP gateway control answers anyone (AddPortMapping is as open)".into(),
                "UPnP のゲートウェイ制御が誰にでも応答する（AddPortMapping も同様に開いている）".into(),
            ],
            format!("answered without authentication: {}", list.join(", ")),
            t,
        ));
    }
    Ok((value(&r), out))
}

async fn coap_check(addr: SocketAddr, s: &CheckSettings, t: &mut Transcript) -> Outcome {
    let r = crate::coap::check(addr, s.wait, t).await?;
    let mut out = Vec::new();
    if !r.readable.is_empty() {
        let list: Vec<String> = r.readable.iter().map(|(p, n)| format!("{p} ({n} bytes)")).collect();
        out.push(finding(
            "coap/unauthenticated-read",
            Proto::Udp,
            addr.port(),
            [
                format!("{} CoAP resource(s) answer anyone", r.readable.len()),
                format!("CoAP のリソース {} 個が誰にでも応答する", r.readable.len()),
            ],
            format!("GET answered 2.xx without authentication: {}", list.join(", ")),
            t,
        ));
    }
    Ok((value(&r), out))
}

async fn snmp_check(addr: SocketAddr, s: &CheckSettings, t: &mut Transcript) -> Outcome {
    let list = crate::snmp::communities(addr, crate::creds::SNMP_COMMUNITIES, s.wait, t).await?;
    let port = addr.port();
    let mut out = Vec::new();
    let reads: Vec<&str> = list.iter().filter(|c| c.reads).map(|c| c.community.as_str()).collect();
    if !reads.is_empty() {
        out.push(finding(
            "snmp/default-community",
            Proto::Udp,
            port,
            [
                format!(
                    "SNMP answers the default communit{} {}",
                    if reads.len() == 1 { "y" } else { "ies" },
                    reads.join(", ")
                ),
                format!("SNMP が既定のコミュニティ {} に応答する", reads.join("、")),
            ],
            "GetRequest sysName.0 answered".into(),
            t,
        ));
    }
    let writes: Vec<&str> = list.iter().filter(|c| c.writes == Some(true)).map(|c| c.community.as_str()).collect();
    if !writes.is_empty() {
        out.push(finding(
            "snmp/write-access",
            Proto::Udp,
            port,
            [
                format!("SNMP community {} may write", writes.join(", ")),
                format!("SNMP コミュニティ {} で書き込みできる", writes.join("、")),
            ],
            "SetRequest of sysName.0 to its own value answered noError".into(),
            t,
        ));
    }
    Ok((value(&list), out))
}

/// One unit of work: a check on one service.
#[derive(Debug, Clone)]
enum Job {
    Ssh(u16),
    Tls(u16),
    Http(u16, bool),
    Login(u16, Vec<Surface>),
    BruteForce(u16, Surface, String),
    Mqtt(u16, bool),
    Upnp,
    Snmp(u16),
    Coap(u16),
}

impl Job {
    fn check(&self) -> Check {
        match self {
            Job::Ssh(_) => Check::Ssh,
            Job::Tls(_) => Check::Tls,
            Job::Http(..) => Check::Http,
            Job::Login(..) => Check::Credentials,
            Job::BruteForce(..) => Check::BruteForce,
            Job::Mqtt(..) => Check::Mqtt,
            Job::Upnp => Check::Upnp,
            Job::Snmp(_) => Check::Snmp,
            Job::Coap(_) => Check::Coap,
        }
    }

    fn place(&self) -> (Proto, u16) {
        match self {
            Job::Ssh(p)
            | Job::Tls(p)
            | Job::Http(p, _)
            | Job::Login(p, _)
            | Job::BruteForce(p, _, _)
            | Job::Mqtt(p, _) => (Proto::Tcp, *p),
            Job::Upnp => (Proto::Udp, 1900),
            Job::Snmp(p) | Job::Coap(p) => (Proto::Udp, *p),
        }
    }
}

/// Runs one job, and any job it leads to (an HTTP 401 leads to a login).
/// Runs one job: its result (none for a job planned only to find what
/// follows), and the jobs that follow from what it found. Follow-ups run as
/// jobs of their own, so a budget running out in one never takes away the
/// findings of the job before it.
async fn run_job(addr: IpAddr, job: Job, s: &CheckSettings) -> (Option<CheckResult>, Vec<Job>) {
    let started = Instant::now();
    let (proto, port) = job.place();
    let target = SocketAddr::new(addr, port);
    let mut t = Transcript::default();
    let mut follow = Vec::new();
    // Findings a check made before it turned inconclusive.
    let mut partial: Vec<Finding> = Vec::new();
    let outcome: Outcome = match &job {
        Job::Ssh(_) => {
            let r = ssh_check(target, s, &mut t).await;
            if s.enabled.contains(&Check::Credentials)
                && let Ok((data, _)) = &r
                && data["login_methods"].as_array().is_some_and(|m| m.iter().any(|m| m == "password"))
            {
                follow.push(Job::Login(port, vec![Surface::Ssh]));
            }
            r
        }
        Job::Tls(_) => {
            // Is there a web interface behind the TLS?
            if s.enabled.contains(&Check::Http) {
                let mut probe = Transcript::default();
                if crate::http::send(target, true, &crate::http::Request::get("/"), s.wait, &mut probe).await.is_ok() {
                    follow.push(Job::Http(port, true));
                }
            }
            if !s.enabled.contains(&Check::Tls) {
                // Planned only to find the web interface.
                return (None, follow);
            }
            tls_check(target, s, &mut t, &mut partial).await
        }
        Job::Http(_, tls) => match http_check(target, *tls, s, &mut t).await {
            Ok(found) => {
                if s.enabled.contains(&Check::Credentials) && !found.logins.is_empty() {
                    follow.push(Job::Login(port, found.logins));
                }
                Ok((found.data, found.findings))
            }
            Err(e) => Err(e),
        },
        Job::Login(_, surfaces) => {
            let (data, findings, reason) = credentials_check(target, surfaces, s, &mut t).await;
            // The brute-force test follows on the port's first surface
            // (never at the same time), with the account that logged in
            // if one did.
            if s.brute_force.is_some()
                && reason.is_none()
                && let Some(first) = surfaces.first()
            {
                let user = data.get("user").and_then(|u| u.as_str()).unwrap_or("admin").to_string();
                follow.push(Job::BruteForce(port, first.clone(), user));
            }
            match reason {
                None => Ok((data, findings)),
                Some(r) => {
                    partial = findings;
                    Err(r)
                }
            }
        }
        Job::BruteForce(_, surface, user) => match s.brute_force {
            Some(bf) => brute_force_check(target, surface.clone(), user, bf, s, &mut t).await,
            None => Err("the brute-force test was not asked for".into()),
        },
        Job::Mqtt(_, tls_elsewhere) => {
            let r = mqtt_check(target, *tls_elsewhere, s, &mut t).await;
            if s.enabled.contains(&Check::Credentials)
                && let Ok((data, _)) = &r
                && data["anonymous_return_code"] != 0
            {
                follow.push(Job::Login(port, vec![Surface::Mqtt]));
            }
            r
        }
        Job::Upnp => upnp_check(addr, s, &mut t).await,
        Job::Snmp(_) => snmp_check(target, s, &mut t).await,
        Job::Coap(_) => coap_check(target, s, &mut t).await,
    };
    let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let check = job.check();
    let result = match outcome {
        Ok((data, findings)) => {
            CheckResult { check, proto, port, status: "completed".into(), reason: None, data, elapsed_ms, findings }
        }
        Err(reason) => {
            let mut r = inconclusive(check, proto, port, reason, elapsed_ms, &t);
            r.findings.append(&mut partial);
            r
        }
    };
    (Some(result), follow)
}

fn inconclusive(check: Check, proto: Proto, port: u16, reason: String, elapsed_ms: u64, t: &Transcript) -> CheckResult {
    let f = Finding {
        id: format!("inconclusive/{}/{proto}/{port}", check.name()),
        severity: Severity::High,
        criteria: check.criteria().to_vec(),
        title: format!("{port}/{proto}: the {} check could not finish", check.name()),
        title_ja: format!("{port}/{proto}: {} の確認が完了しなかった", check.name()),
        evidence: format!("{reason}; nothing about this may be called safe"),
        transcript: t.0.clone(),
    };
    CheckResult {
        check,
        proto,
        port,
        status: "inconclusive".into(),
        reason: Some(reason),
        data: serde_json::Value::Null,
        elapsed_ms,
        findings: vec![f],
    }
}

/// The services a scan found, as the checks see them: (protocol, port,
/// service name as [`crate::service`] and [`crate::udp`] give it).
pub fn services(report: &Report) -> Vec<(Proto, u16, &'static str)> {
    let mut out: Vec<(Proto, u16, &'static str)> =
        report.tcp.open.iter().filter_map(|p| Some((Proto::Tcp, p.port, p.service.as_ref()?.name))).collect();
    if let Some(u) = &report.udp {
        for p in &u.ports {
            if let UdpState::Open { service, .. } = &p.state {
                out.push((Proto::Udp, p.port, service));
            }
        }
    }
    out
}

/// The jobs the services found call for.
fn plan(services: &[(Proto, u16, &str)], s: &CheckSettings) -> Vec<Job> {
    let on = |c: Check| s.enabled.contains(&c);
    let mut jobs = Vec::new();
    let tls_on_8883 =
        services.iter().any(|(proto, port, name)| *proto == Proto::Tcp && *port == 8883 && *name == "tls");
    for (proto, port, name) in services {
        let port = *port;
        match (proto, *name) {
            (Proto::Tcp, "ssh") if on(Check::Ssh) => jobs.push(Job::Ssh(port)),
            (Proto::Tcp, "ssh") if on(Check::Credentials) => jobs.push(Job::Login(port, vec![Surface::Ssh])),
            // With only the HTTP check on, the TLS job just looks for a
            // web interface behind the TLS.
            (Proto::Tcp, "tls") if on(Check::Tls) || on(Check::Http) => jobs.push(Job::Tls(port)),
            (Proto::Tcp, "http") if on(Check::Http) => jobs.push(Job::Http(port, false)),
            (Proto::Tcp, "telnet") if on(Check::Credentials) => jobs.push(Job::Login(port, vec![Surface::Telnet])),
            (Proto::Tcp, "ftp") if on(Check::Credentials) => jobs.push(Job::Login(port, vec![Surface::Ftp])),
            (Proto::Tcp, "mqtt") if on(Check::Mqtt) => jobs.push(Job::Mqtt(port, tls_on_8883)),
            (Proto::Tcp, "mqtt") if on(Check::Credentials) => jobs.push(Job::Login(port, vec![Surface::Mqtt])),
            (Proto::Tcp, "rtsp") if on(Check::Credentials) => jobs.push(Job::Login(port, vec![Surface::Rtsp])),
            (Proto::Udp, "snmp") if on(Check::Snmp) => jobs.push(Job::Snmp(port)),
            (Proto::Udp, "ssdp") if on(Check::Upnp) => jobs.push(Job::Upnp),
            (Proto::Udp, "coap") if on(Check::Coap) => jobs.push(Job::Coap(port)),
            _ => {}
        }
    }
    jobs
}

/// Runs every check the scan's results call for, a few services at a
/// time, within the budget. Results come in a stable order.
pub async fn run(addr: IpAddr, report: &Report, s: &CheckSettings) -> Vec<CheckResult> {
    run_on(addr, &services(report), s).await
}

/// Runs the checks the given services call for (see [`services`]).
pub async fn run_on(addr: IpAddr, services: &[(Proto, u16, &str)], s: &CheckSettings) -> Vec<CheckResult> {
    let deadline = tokio::time::Instant::now() + s.budget;
    let mut set = tokio::task::JoinSet::new();
    let mut pending: std::collections::VecDeque<Job> = plan(services, s).into();
    let mut out = Vec::new();
    let settings = std::sync::Arc::new(s.clone());
    let mut places = std::collections::HashMap::new();
    loop {
        while set.len() < 4 {
            let Some(job) = pending.pop_front() else { break };
            let s = settings.clone();
            let place = (job.check(), job.place());
            let handle = set.spawn(async move {
                let (proto, port) = job.place();
                let check = job.check();
                match tokio::time::timeout_at(deadline, run_job(addr, job, &s)).await {
                    Ok(r) => r,
                    Err(_) => (
                        Some(inconclusive(
                            check,
                            proto,
                            port,
                            "the checks' time budget ran out".into(),
                            0,
                            &Transcript::default(),
                        )),
                        Vec::new(),
                    ),
                }
            });
            places.insert(handle.id(), place);
        }
        match set.join_next_with_id().await {
            Some(Ok((_, (r, follow)))) => {
                out.extend(r);
                // What follows from a finished check runs next.
                for next in follow.into_iter().rev() {
                    pending.push_front(next);
                }
            }
            Some(Err(e)) => {
                let (check, (proto, port)) = places.get(&e.id()).copied().unwrap_or((Check::Http, (Proto::Tcp, 0)));
                let reason = format!("the check failed inside the checker: {e}");
                out.push(inconclusive(check, proto, port, reason, 0, &Transcript::default()));
            }
            None => break,
        }
    }
    out.sort_by_key(|c| (c.proto, c.port, c.check));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_are_unique_and_named() {
        for (i, r) in RULES.iter().enumerate() {
            assert!(RULES.iter().skip(i + 1).all(|o| o.id != r.id), "{} twice", r.id);
            assert!(r.id != "inconclusive" || r.criteria.is_empty());
        }
        for c in Check::ALL {
            assert_eq!(Check::parse(c.name()), Some(c));
        }
    }
}
