//! Default credentials: a short list of universal factory logins, and the
//! vendor's own declared factory defaults, each tried once per login
//! surface, paced, stopping at the first that works. This is not brute
//! force: the list is small and public, and a device that ships with any
//! of these lets anyone in (STAR-1 S1.1-02).
//!
//! Secrets never appear in a report: a credential is named by its place
//! in its list (`universal/3`, `declared/1`) and its user name, and every
//! transcript shows `[password]` where the password went.

use std::net::SocketAddr;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// One login to try.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    pub user: String,
    pub password: String,
    /// Where it comes from, for reports: `universal/1`, `declared/2`.
    pub reference: String,
}

/// The universal factory logins, most widespread first: (user, password,
/// where it is documented). Every entry is in the credential table of the
/// Mirai botnet's scanner (source published in 2016; analysed in
/// Antonakakis et al., "Understanding the Mirai Botnet", USENIX Security
/// 2017), which infected hundreds of thousands of devices with exactly
/// these; `ubnt` is also Ubiquiti's documented factory login.
pub const UNIVERSAL: &[(&str, &str, &str)] = &[
    ("admin", "admin", "Mirai credential table"),
    ("root", "", "Mirai credential table (empty password)"),
    ("admin", "", "Mirai credential table (empty password)"),
    ("root", "root", "Mirai credential table"),
    ("admin", "password", "Mirai credential table"),
    ("root", "admin", "Mirai credential table"),
    ("admin", "1234", "Mirai credential table"),
    ("root", "12345", "Mirai credential table"),
    ("root", "xc3511", "Mirai credential table (XiongMai cameras and DVRs)"),
    ("root", "vizxv", "Mirai credential table (Dahua cameras)"),
    ("support", "support", "Mirai credential table"),
    ("user", "user", "Mirai credential table"),
    ("ubnt", "ubnt", "Mirai credential table; Ubiquiti's documented factory login"),
];

/// SNMP communities that are defaults everywhere: `public` (read) and
/// `private` (write), the communities of RFC 1157-era agents and of
/// CVE-1999-0517 ("an SNMP community name is the default").
pub const SNMP_COMMUNITIES: &[&str] = &["public", "private"];

/// The vendor's declared factory logins (`--factory-credentials FILE`),
/// tried before the universal ones: a declared default that is the same
/// on every unit is itself a finding.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeclaredCredentials {
    /// `starmark-credentials/1`.
    pub format: String,
    #[serde(default, rename = "credential")]
    pub credentials: Vec<DeclaredCredential>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeclaredCredential {
    pub user: String,
    pub password: String,
}

pub const CREDENTIALS_FORMAT: &str = "starmark-credentials/1";

impl DeclaredCredentials {
    /// Parses the TOML list, saying what is wrong and where.
    pub fn parse(text: &str) -> Result<DeclaredCredentials, String> {
        let d: DeclaredCredentials = toml::from_str(text).map_err(|e| e.to_string())?;
        if d.format != CREDENTIALS_FORMAT {
            return Err(format!("format = {:?} is not supported; write format = {CREDENTIALS_FORMAT:?}", d.format));
        }
        if d.credentials.len() > 20 {
            return Err("at most 20 factory credentials may be declared (this is not a brute-force list)".into());
        }
        for (i, c) in d.credentials.iter().enumerate() {
            if c.user.len() > 128 || c.password.len() > 128 {
                return Err(format!("credential {}: user and password are limited to 128 bytes", i + 1));
            }
            if c.user.chars().chain(c.password.chars()).any(char::is_control) {
                return Err(format!("credential {}: control characters cannot be typed at a login prompt", i + 1));
            }
        }
        Ok(d)
    }
}

/// The logins to try: the declared ones first, then the universal list.
pub fn candidates(declared: Option<&DeclaredCredentials>) -> Vec<Credential> {
    let mut out: Vec<Credential> = declared
        .map(|d| {
            d.credentials
                .iter()
                .enumerate()
                .map(|(i, c)| Credential {
                    user: c.user.clone(),
                    password: c.password.clone(),
                    reference: format!("declared/{}", i + 1),
                })
                .collect()
        })
        .unwrap_or_default();
    for (i, (user, password, _)) in UNIVERSAL.iter().enumerate() {
        if !out.iter().any(|c| c.user == *user && c.password == *password) {
            out.push(Credential {
                user: (*user).into(),
                password: (*password).into(),
                reference: format!("universal/{}", i + 1),
            });
        }
    }
    out
}

/// What one login attempt found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Attempt {
    Accepted,
    Refused,
    /// Neither: the service did something the checker cannot read.
    Inconclusive {
        reason: String,
    },
}

/// A redacting transcript: what was sent (`>`) and received (`<`), as
/// printable text, with every secret replaced.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Transcript(pub Vec<String>);

/// At most this many transcript lines are kept per exchange.
const MAX_LINES: usize = 40;

impl Transcript {
    pub fn sent(&mut self, text: &str) {
        self.push(format!("> {text}"));
    }

    pub fn received(&mut self, bytes: &[u8], secret: &str) {
        let mut text = crate::service::printable(bytes, 300);
        if secret.len() >= 3 {
            text = text.replace(secret, "[password]");
        }
        if !text.is_empty() {
            self.push(format!("< {text}"));
        }
    }

    pub fn note(&mut self, text: impl Into<String>) {
        self.push(format!("# {}", text.into()));
    }

    fn push(&mut self, line: String) {
        if self.0.len() < MAX_LINES {
            self.0.push(line);
        } else if self.0.len() == MAX_LINES {
            self.0.push("# (transcript cut)".into());
        }
    }
}

/// Reads what arrives within `wait` (at most 16 KiB), answering telnet
/// option negotiation with refusals as it goes.
async fn read_telnet(s: &mut TcpStream, wait: Duration, until: &(dyn Fn(&str) -> bool + Sync)) -> Vec<u8> {
    let deadline = tokio::time::Instant::now() + wait;
    let mut text = Vec::new();
    let mut buf = [0u8; 2048];
    while text.len() < 16 * 1024 {
        let Ok(Ok(n)) = tokio::time::timeout_at(deadline, s.read(&mut buf)).await else { break };
        if n == 0 {
            break;
        }
        let mut reply = Vec::new();
        let mut i = 0;
        let chunk = buf.get(..n).unwrap_or_default();
        while i < chunk.len() {
            match chunk.get(i..) {
                // IAC DO/DONT x → WONT x; IAC WILL/WONT x → DONT x.
                Some([0xff, cmd @ (0xfb..=0xfe), opt, ..]) => {
                    reply.extend_from_slice(&[0xff, if *cmd >= 0xfd { 0xfc } else { 0xfe }, *opt]);
                    i += 3;
                }
                // Subnegotiation: skip to IAC SE.
                Some([0xff, 0xfa, rest @ ..]) => {
                    let end = rest.windows(2).position(|w| w == [0xff, 0xf0]).map_or(rest.len(), |p| p + 2);
                    i += 2 + end;
                }
                Some([0xff, _, ..]) => i += 2,
                Some([b, ..]) => {
                    text.push(*b);
                    i += 1;
                }
                _ => break,
            }
        }
        // A peer that floods and never reads would block this write for
        // ever: it gets the same deadline.
        if !reply.is_empty() && !matches!(tokio::time::timeout_at(deadline, s.write_all(&reply)).await, Ok(Ok(()))) {
            break;
        }
        if until(&String::from_utf8_lossy(&text).to_ascii_lowercase()) {
            break;
        }
    }
    text
}

fn ends_with_prompt(text: &str, words: &[&str]) -> bool {
    let t = text.trim_end();
    words.iter().any(|w| t.ends_with(&format!("{w}:")) || t.ends_with(w))
}

/// What a shell or menu looks like after a successful telnet login.
fn logged_in(text: &str) -> bool {
    let t = text.trim_end();
    t.ends_with('#') || t.ends_with('$') || t.ends_with('>') || t.ends_with('%')
}

fn refused_words(text: &str) -> bool {
    ["incorrect", "invalid", "failed", "denied", "wrong", "bad password"].iter().any(|w| text.contains(w))
}

/// One telnet login: wait for the user prompt (or a password-only prompt),
/// answer, and read what follows.
pub async fn telnet(addr: SocketAddr, c: &Credential, wait: Duration, t: &mut Transcript) -> Attempt {
    let mut s = match tokio::time::timeout(wait, TcpStream::connect(addr)).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return Attempt::Inconclusive { reason: format!("could not connect: {e}") },
        Err(_) => return Attempt::Inconclusive { reason: "could not connect in time".into() },
    };
    let prompt = |x: &str| ends_with_prompt(x, &["login", "username", "user name", "user", "password"]);
    let first = read_telnet(&mut s, wait, &prompt).await;
    t.received(&first, &c.password);
    let lower = String::from_utf8_lossy(&first).to_ascii_lowercase();
    if !prompt(&lower) {
        return Attempt::Inconclusive { reason: "no login prompt".into() };
    }
    if !ends_with_prompt(&lower, &["password"]) {
        t.sent(&c.user);
        if s.write_all(format!("{}\r\n", c.user).as_bytes()).await.is_err() {
            return Attempt::Inconclusive { reason: "the connection closed at the user name".into() };
        }
        let next = read_telnet(&mut s, wait, &|x| ends_with_prompt(x, &["password"])).await;
        t.received(&next, &c.password);
        if !ends_with_prompt(&String::from_utf8_lossy(&next).to_ascii_lowercase(), &["password"]) {
            return Attempt::Inconclusive { reason: "no password prompt after the user name".into() };
        }
    }
    t.sent("[password]");
    if s.write_all(format!("{}\r\n", c.password).as_bytes()).await.is_err() {
        return Attempt::Inconclusive { reason: "the connection closed at the password".into() };
    }
    // A refusal often comes only after a deliberate delay (login(1) waits
    // about 3 s), so allow for it.
    let after = read_telnet(&mut s, wait + Duration::from_secs(5), &|x| {
        logged_in(x) || refused_words(x) || ends_with_prompt(x, &["login", "username"])
    })
    .await;
    t.received(&after, &c.password);
    let lower = String::from_utf8_lossy(&after).to_ascii_lowercase();
    if refused_words(&lower) || ends_with_prompt(&lower, &["login", "username"]) {
        Attempt::Refused
    } else if logged_in(&lower) {
        Attempt::Accepted
    } else if after.is_empty() {
        Attempt::Inconclusive { reason: "nothing after the password".into() }
    } else {
        Attempt::Inconclusive { reason: "neither a shell prompt nor a refusal after the password".into() }
    }
}

/// Reads one FTP reply (all its lines); the code of its last line.
async fn ftp_reply(s: &mut TcpStream, wait: Duration, t: &mut Transcript, secret: &str) -> Option<u16> {
    let deadline = tokio::time::Instant::now() + wait;
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        let text = String::from_utf8_lossy(&got).to_string();
        // A reply ends with a line "ddd text" (a space, not a dash).
        if let Some(last) = text.lines().rev().find(|l| l.len() >= 4 && l.as_bytes().get(3) == Some(&b' '))
            && text.ends_with('\n')
            && let Ok(code) = last.get(..3).unwrap_or_default().parse::<u16>()
        {
            t.received(last.as_bytes(), secret);
            return Some(code);
        }
        if got.len() > 16 * 1024 {
            return None;
        }
        match tokio::time::timeout_at(deadline, s.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => got.extend_from_slice(buf.get(..n).unwrap_or_default()),
            _ => {
                t.received(&got, secret);
                return None;
            }
        }
    }
}

/// One FTP login (USER, PASS).
pub async fn ftp(addr: SocketAddr, c: &Credential, wait: Duration, t: &mut Transcript) -> Attempt {
    let mut s = match tokio::time::timeout(wait, TcpStream::connect(addr)).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return Attempt::Inconclusive { reason: format!("could not connect: {e}") },
        Err(_) => return Attempt::Inconclusive { reason: "could not connect in time".into() },
    };
    match ftp_reply(&mut s, wait, t, &c.password).await {
        Some(220) => {}
        Some(code) => return Attempt::Inconclusive { reason: format!("greeting {code}, not 220") },
        None => return Attempt::Inconclusive { reason: "no FTP greeting".into() },
    }
    t.sent(&format!("USER {}", c.user));
    if s.write_all(format!("USER {}\r\n", c.user).as_bytes()).await.is_err() {
        return Attempt::Inconclusive { reason: "the connection closed".into() };
    }
    match ftp_reply(&mut s, wait, t, &c.password).await {
        Some(230) => return Attempt::Accepted,
        Some(331 | 332) => {}
        Some(530) => return Attempt::Refused,
        Some(code) => return Attempt::Inconclusive { reason: format!("USER answered {code}") },
        None => return Attempt::Inconclusive { reason: "no answer to USER".into() },
    }
    t.sent("PASS [password]");
    if s.write_all(format!("PASS {}\r\n", c.password).as_bytes()).await.is_err() {
        return Attempt::Inconclusive { reason: "the connection closed".into() };
    }
    let r = match ftp_reply(&mut s, wait + Duration::from_secs(5), t, &c.password).await {
        Some(230 | 202) => Attempt::Accepted,
        Some(530) => Attempt::Refused,
        Some(code) => Attempt::Inconclusive { reason: format!("PASS answered {code}") },
        None => Attempt::Inconclusive { reason: "no answer to PASS".into() },
    };
    let _ = s.write_all(b"QUIT\r\n").await;
    r
}

/// An MQTT 3.1.1 CONNECT (clean session), with a user name and password
/// when given. Written by hand: the checker needs exactly these bytes and
/// the one-byte answer, not a client library's session handling.
pub fn mqtt_connect(client_id: &str, login: Option<(&str, &str)>) -> Vec<u8> {
    fn string(v: &mut Vec<u8>, s: &str) {
        v.extend_from_slice(&(s.len().min(0xffff) as u16).to_be_bytes());
        v.extend_from_slice(s.as_bytes().get(..s.len().min(0xffff)).unwrap_or_default());
    }
    let mut body = Vec::new();
    string(&mut body, "MQTT");
    body.push(4); // protocol level 3.1.1
    body.push(0x02 | if login.is_some() { 0xc0 } else { 0 });
    body.extend_from_slice(&30u16.to_be_bytes()); // keep-alive
    string(&mut body, client_id);
    if let Some((u, p)) = login {
        string(&mut body, u);
        string(&mut body, p);
    }
    let mut pkt = vec![0x10];
    remaining_length(&mut pkt, body.len());
    pkt.extend(body);
    pkt
}

pub(crate) fn remaining_length(v: &mut Vec<u8>, mut n: usize) {
    loop {
        let mut b = (n % 128) as u8;
        n /= 128;
        if n > 0 {
            b |= 0x80;
        }
        v.push(b);
        if n == 0 {
            break;
        }
    }
}

/// The CONNACK return code, if the answer is one.
pub(crate) fn connack(r: &[u8]) -> Option<u8> {
    match r {
        [0x20, 0x02, _, code, ..] => Some(*code),
        _ => None,
    }
}

/// One MQTT login.
pub async fn mqtt(addr: SocketAddr, c: &Credential, wait: Duration, t: &mut Transcript) -> Attempt {
    let work = async {
        let mut s = TcpStream::connect(addr).await.map_err(|e| format!("could not connect: {e}"))?;
        t.sent(&format!("CONNECT user={} password=[password]", c.user));
        s.write_all(&mqtt_connect("starmark-check", Some((&c.user, &c.password)))).await.map_err(|e| e.to_string())?;
        let mut r = [0u8; 4];
        s.read_exact(&mut r).await.map_err(|e| format!("no CONNACK: {e}"))?;
        Ok::<_, String>(connack(&r))
    };
    match tokio::time::timeout(wait, work).await {
        Ok(Ok(Some(code))) => {
            t.note(format!("CONNACK return code {code}"));
            match code {
                0 => Attempt::Accepted,
                4 | 5 => Attempt::Refused,
                _ => Attempt::Inconclusive { reason: format!("CONNACK return code {code}") },
            }
        }
        Ok(Ok(None)) => Attempt::Inconclusive { reason: "the answer is not a CONNACK".into() },
        Ok(Err(e)) => Attempt::Inconclusive { reason: e },
        Err(_) => Attempt::Inconclusive { reason: format!("no answer within {wait:?}") },
    }
}

/// One SSH password login (russh).
pub async fn ssh(addr: SocketAddr, c: &Credential, wait: Duration, t: &mut Transcript) -> Attempt {
    t.sent(&format!("SSH userauth password user={} password=[password]", c.user));
    match crate::ssh::try_password(addr, &c.user, &c.password, wait).await {
        Ok(crate::ssh::Login::Accepted) => {
            t.note("USERAUTH_SUCCESS");
            Attempt::Accepted
        }
        Ok(crate::ssh::Login::Refused { methods }) => {
            t.note(format!("USERAUTH_FAILURE, may continue with: {}", methods.join(",")));
            Attempt::Refused
        }
        Err(e) => Attempt::Inconclusive { reason: e },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_credentials() {
        let d = DeclaredCredentials::parse(
            "format = \"starmark-credentials/1\"\n[[credential]]\nuser = \"admin\"\npassword = \"admin\"\n",
        )
        .unwrap();
        let c = candidates(Some(&d));
        assert_eq!(c[0].reference, "declared/1");
        // The universal admin/admin is not tried twice.
        assert_eq!(c.iter().filter(|c| c.user == "admin" && c.password == "admin").count(), 1);
        assert_eq!(c.len(), UNIVERSAL.len());
        assert!(DeclaredCredentials::parse("format = \"x\"").unwrap_err().contains("starmark-credentials/1"));
        assert!(
            DeclaredCredentials::parse(
                "format = \"starmark-credentials/1\"\n[[credential]]\nuser = \"a\\n\"\npassword = \"b\"\n"
            )
            .unwrap_err()
            .contains("control")
        );
        let many = "[[credential]]\nuser = \"a\"\npassword = \"b\"\n".repeat(21);
        assert!(
            DeclaredCredentials::parse(&format!("format = \"starmark-credentials/1\"\n{many}"))
                .unwrap_err()
                .contains("20")
        );
    }

    #[test]
    fn transcripts_never_show_the_password() {
        let mut t = Transcript::default();
        t.received(b"Password: hunter2 echoed", "hunter2");
        assert_eq!(t.0, vec!["< Password: [password] echoed"]);
        for _ in 0..100 {
            t.note("x");
        }
        assert_eq!(t.0.len(), MAX_LINES + 1);
    }

    #[test]
    fn mqtt_connect_lengths() {
        let p = mqtt_connect("id", Some(("u", "p")));
        assert_eq!(usize::from(p[1]), p.len() - 2);
        let mut v = Vec::new();
        remaining_length(&mut v, 321);
        assert_eq!(v, [0xc1, 0x02]);
        assert_eq!(connack(&[0x20, 2, 0, 5]), Some(5));
        assert_eq!(connack(b"HTTP"), None);
    }

    #[test]
    fn prompts() {
        assert!(ends_with_prompt("debian login: ", &["login"]));
        assert!(ends_with_prompt("password:", &["password"]));
        assert!(logged_in("welcome\r\n$ "));
        assert!(!logged_in("login: "));
    }
}
