//! HTTP, as far as the checks need it: one bounded HTTP/1.0 request at a
//! time, over plain TCP or TLS, with the exchange kept as a transcript.
//!
//! Written by hand rather than with an HTTP client library: a request to a
//! device must be exactly what the report says was sent, every read must
//! be bounded in bytes and time, and HTTP/1.0 (no keep-alive, no chunked
//! bodies) is all the checks ask for.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::creds::{Attempt, Credential, Transcript};

/// At most this much of a response is read.
const MAX_RESPONSE: u64 = 256 * 1024;

/// A response, as far as it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    /// Header names in lower case, values as sent (printable).
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    pub fn headers_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers.iter().filter(move |(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// Parses a response (head and body as far as read).
pub fn parse(raw: &[u8]) -> Result<Response, String> {
    parse_as(raw, "HTTP/")
}

/// Parses a response of an HTTP-like protocol (`RTSP/` too).
pub fn parse_as(raw: &[u8], protocol: &str) -> Result<Response, String> {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n").ok_or("no end of the response head")?;
    let head = String::from_utf8_lossy(raw.get(..end).unwrap_or_default()).to_string();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.split_whitespace();
    let version = parts.next().unwrap_or_default();
    if !version.starts_with(protocol) {
        return Err(format!("not a {protocol} response: {}", crate::service::printable(status_line.as_bytes(), 60)));
    }
    let status =
        parts.next().and_then(|c| c.parse::<u16>().ok()).filter(|c| (100..600).contains(c)).ok_or("no status code")?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .take(100)
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), crate::service::printable(v.trim().as_bytes(), 500)))
        .collect();
    Ok(Response { status, headers, body: raw.get(end + 4..).unwrap_or_default().to_vec() })
}

/// A request to send.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request<'_> {
    pub fn get(path: &str) -> Request<'_> {
        Request { method: "GET", path, headers: Vec::new(), body: Vec::new() }
    }

    fn bytes(&self, host: &str) -> Vec<u8> {
        let mut s = format!("{} {} HTTP/1.0\r\nHost: {host}\r\nUser-Agent: starmark-check\r\n", self.method, self.path);
        for (n, v) in &self.headers {
            s.push_str(&format!("{n}: {v}\r\n"));
        }
        if !self.body.is_empty() || self.method == "POST" {
            s.push_str(&format!("Content-Length: {}\r\n", self.body.len()));
        }
        s.push_str("\r\n");
        let mut v = s.into_bytes();
        v.extend_from_slice(&self.body);
        v
    }

    /// What the transcript shows: the request line and the header names
    /// (never an Authorization value).
    fn shown(&self) -> String {
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        if names.is_empty() {
            format!("{} {}", self.method, self.path)
        } else {
            format!("{} {} (with {})", self.method, self.path, names.join(", "))
        }
    }
}

async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(mut s: S, req: &[u8]) -> Result<Vec<u8>, String> {
    s.write_all(req).await.map_err(|e| format!("could not send: {e}"))?;
    let mut raw = Vec::new();
    // A reset after a complete answer is common on embedded servers.
    let _ = (&mut s).take(MAX_RESPONSE).read_to_end(&mut raw).await;
    if raw.is_empty() { Err("no answer".to_string()) } else { Ok(raw) }
}

/// Sends one request and reads the response (to the connection's close,
/// at most 256 KiB, within `wait`).
pub async fn send(
    addr: SocketAddr,
    tls: bool,
    req: &Request<'_>,
    wait: Duration,
    t: &mut Transcript,
) -> Result<Response, String> {
    let host = match addr {
        SocketAddr::V4(a) => a.ip().to_string(),
        SocketAddr::V6(a) => format!("[{}]", a.ip()),
    };
    let bytes = req.bytes(&host);
    t.sent(&req.shown());
    let work = async {
        let tcp = tokio::net::TcpStream::connect(addr).await.map_err(|e| format!("could not connect: {e}"))?;
        if tls {
            let s = crate::tls::connector(None)?
                .connect(rustls::pki_types::ServerName::IpAddress(addr.ip().into()), tcp)
                .await
                .map_err(|e| format!("TLS handshake failed: {e}"))?;
            exchange(s, &bytes).await
        } else {
            exchange(tcp, &bytes).await
        }
    };
    let raw = tokio::time::timeout(wait, work).await.map_err(|_| format!("no answer within {wait:?}"))??;
    let r = parse(&raw)?;
    t.received(format!("HTTP {} ({} bytes)", r.status, r.body.len()).as_bytes(), "");
    Ok(r)
}

/// The authentication scheme a 401 asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Challenge {
    Basic,
    Digest { realm: String, nonce: String, opaque: Option<String>, qop_auth: bool, algorithm: String },
    Other(String),
}

fn param(challenge: &str, name: &str) -> Option<String> {
    let lower = challenge.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower.get(from..).and_then(|l| l.find(name)).map(|i| i + from) {
        let before_ok = i == 0 || lower.as_bytes().get(i - 1).is_some_and(|b| *b == b' ' || *b == b',');
        let rest = challenge.get(i + name.len()..)?.trim_start();
        if before_ok && let Some(v) = rest.strip_prefix('=') {
            let v = v.trim_start();
            return Some(match v.strip_prefix('"') {
                Some(q) => q.split('"').next().unwrap_or_default().to_string(),
                None => v.split(',').next().unwrap_or_default().trim().to_string(),
            });
        }
        from = i + name.len();
    }
    None
}

/// Reads the `WWW-Authenticate` challenges of a response, Digest first.
pub fn challenges(r: &Response) -> Vec<Challenge> {
    let mut out: Vec<Challenge> = r
        .headers_named("www-authenticate")
        .map(|c| {
            let scheme = c.split_whitespace().next().unwrap_or_default().to_ascii_lowercase();
            match scheme.as_str() {
                "basic" => Challenge::Basic,
                "digest" => Challenge::Digest {
                    realm: param(c, "realm").unwrap_or_default(),
                    nonce: param(c, "nonce").unwrap_or_default(),
                    opaque: param(c, "opaque"),
                    qop_auth: param(c, "qop").is_some_and(|q| q.split(',').any(|q| q.trim() == "auth")),
                    algorithm: param(c, "algorithm").unwrap_or_else(|| "MD5".into()),
                },
                other => Challenge::Other(other.to_string()),
            }
        })
        .collect();
    out.sort_by_key(|c| !matches!(c, Challenge::Digest { .. }));
    out
}

fn md5_hex(s: &str) -> String {
    use md5::Digest as _;
    md5::Md5::digest(s.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// The `Authorization` value answering `challenge` (RFC 7617 Basic;
/// RFC 7616 Digest with MD5, `qop=auth` or none).
pub fn authorization(challenge: &Challenge, c: &Credential, method: &str, path: &str) -> Option<String> {
    use base64::Engine;
    match challenge {
        Challenge::Basic => Some(format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", c.user, c.password))
        )),
        Challenge::Digest { realm, nonce, opaque, qop_auth, algorithm } => {
            if !algorithm.eq_ignore_ascii_case("md5") {
                return None;
            }
            let ha1 = md5_hex(&format!("{}:{realm}:{}", c.user, c.password));
            let ha2 = md5_hex(&format!("{method}:{path}"));
            let cnonce = "73746172";
            let nc = "00000001";
            let (response, qop) = if *qop_auth {
                (
                    md5_hex(&format!("{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")),
                    format!(", qop=auth, nc={nc}, cnonce=\"{cnonce}\""),
                )
            } else {
                (md5_hex(&format!("{ha1}:{nonce}:{ha2}")), String::new())
            };
            let opaque = opaque.as_ref().map(|o| format!(", opaque=\"{o}\"")).unwrap_or_default();
            Some(format!(
                "Digest username=\"{}\", realm=\"{realm}\", nonce=\"{nonce}\", uri=\"{path}\", response=\"{response}\"{qop}{opaque}",
                c.user
            ))
        }
        Challenge::Other(_) => None,
    }
}

/// One HTTP login attempt on a path that answered 401: a fresh challenge
/// (Digest nonces are single-use on many devices), then the answer.
pub async fn login(
    addr: SocketAddr,
    tls: bool,
    path: &str,
    c: &Credential,
    wait: Duration,
    t: &mut Transcript,
) -> Attempt {
    let first = match send(addr, tls, &Request::get(path), wait, t).await {
        Ok(r) => r,
        Err(e) => return Attempt::Inconclusive { reason: e },
    };
    if first.status != 401 {
        return Attempt::Inconclusive { reason: format!("{path} answered {} instead of 401", first.status) };
    }
    let Some(auth) = challenges(&first).iter().find_map(|ch| authorization(ch, c, "GET", path)) else {
        return Attempt::Inconclusive { reason: "no Basic or MD5 Digest challenge".into() };
    };
    let mut req = Request::get(path);
    req.headers.push(("Authorization".into(), auth));
    match send(addr, tls, &req, wait, t).await {
        Ok(r) if (200..400).contains(&r.status) => Attempt::Accepted,
        Ok(r) if r.status == 401 => Attempt::Refused,
        // RFC 9110 §15.5.4: 403 is not "wrong credentials" (that is 401);
        // the login may have worked and the page be forbidden.
        Ok(r) => Attempt::Inconclusive { reason: format!("answered {} to the login", r.status) },
        Err(e) => Attempt::Inconclusive { reason: e },
    }
}

/// Whether a page asks for a password (an `<input type="password">`).
pub fn has_password_field(body: &[u8]) -> bool {
    let html = String::from_utf8_lossy(body).to_ascii_lowercase();
    let compact: String = html.chars().filter(|c| !c.is_whitespace()).collect();
    compact.contains("type=\"password\"") || compact.contains("type='password'") || compact.contains("type=password")
}

/// Whether a page holds an HTML form.
pub fn has_form(body: &[u8]) -> bool {
    String::from_utf8_lossy(body).to_ascii_lowercase().contains("<form")
}

/// Security headers a device's web interface should send, and why: (header,
/// needed over TLS only, reason).
pub const SECURITY_HEADERS: &[(&str, bool, &str)] = &[
    ("strict-transport-security", true, "without HSTS a browser can be talked down to plain HTTP"),
    ("x-content-type-options", false, "without nosniff a browser may run an upload as script"),
    ("content-security-policy", false, "without a CSP an injected script runs with the page's rights"),
];

/// Which security headers a response lacks (`X-Frame-Options` or a CSP
/// `frame-ancestors` counts as clickjacking protection).
pub fn missing_headers(r: &Response, tls: bool) -> Vec<String> {
    let mut out: Vec<String> = SECURITY_HEADERS
        .iter()
        .filter(|(h, tls_only, _)| (tls || !tls_only) && r.header(h).is_none())
        .map(|(h, _, why)| format!("{h}: {why}"))
        .collect();
    let framing = r.header("x-frame-options").is_some()
        || r.header("content-security-policy").is_some_and(|c| c.contains("frame-ancestors"));
    if !framing {
        out.push("x-frame-options (or CSP frame-ancestors): without it the page can be framed (clickjacking)".into());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responses() {
        let r = parse(b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"x\"\r\nWWW-Authenticate: Digest realm=\"cam\", nonce=\"abc\", qop=\"auth,auth-int\"\r\n\r\nbody").unwrap();
        assert_eq!(r.status, 401);
        assert_eq!(r.body, b"body");
        let ch = challenges(&r);
        assert_eq!(
            ch[0],
            Challenge::Digest {
                realm: "cam".into(),
                nonce: "abc".into(),
                opaque: None,
                qop_auth: true,
                algorithm: "MD5".into()
            }
        );
        assert_eq!(ch[1], Challenge::Basic);
        for bad in [&b""[..], b"SSH-2.0-x\r\n\r\n", b"HTTP/1.1 999 x\r\n\r\n", b"HTTP/1.1 200 OK\r\n"] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn digest_matches_rfc_2617_example() {
        // RFC 2617 §3.5: Mufasa / "Circle Of Life".
        let c = Credential { user: "Mufasa".into(), password: "Circle Of Life".into(), reference: String::new() };
        let ch = Challenge::Digest {
            realm: "testrealm@host.com".into(),
            nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093".into(),
            opaque: Some("5ccc069c403ebaf9f0171e9517f40e41".into()),
            qop_auth: true,
            algorithm: "MD5".into(),
        };
        // The RFC's cnonce is 0a4f113b; compute with ours and compare the
        // formula's pieces instead.
        let a = authorization(&ch, &c, "GET", "/dir/index.html").unwrap();
        let ha1 = md5_hex("Mufasa:testrealm@host.com:Circle Of Life");
        assert_eq!(ha1, "939e7578ed9e3c518a452acee763bce9");
        let ha2 = md5_hex("GET:/dir/index.html");
        assert_eq!(ha2, "39aff3a2bab6126f332b942af96d3366");
        let want = md5_hex(&format!("{ha1}:dcd98b7102dd2f0e8b11d0f600bfb0c093:00000001:73746172:auth:{ha2}"));
        assert!(a.contains(&format!("response=\"{want}\"")), "{a}");
        let rfc = md5_hex(&format!("{ha1}:dcd98b7102dd2f0e8b11d0f600bfb0c093:00000001:0a4f113b:auth:{ha2}"));
        assert_eq!(rfc, "6629fae49393a05397450978507c4ef1");
    }

    #[test]
    fn password_fields_and_headers() {
        assert!(has_password_field(b"<INPUT name=p TYPE = \"password\">"));
        assert!(!has_password_field(b"<input name=password>"));
        let r = parse(b"HTTP/1.0 200 OK\r\nX-Content-Type-Options: nosniff\r\nContent-Security-Policy: default-src 'self'; frame-ancestors 'none'\r\n\r\n").unwrap();
        assert!(missing_headers(&r, false).is_empty());
        assert_eq!(missing_headers(&r, true).len(), 1);
    }
}

/// A login form found on a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginForm {
    /// The page it was on.
    pub page: String,
    /// Where it posts: a path on the same device (forms that post
    /// elsewhere are not followed).
    pub action: String,
    pub post: bool,
    pub user_field: Option<String>,
    pub pass_field: String,
    /// Hidden fields sent back as they came (CSRF tokens and the like).
    pub hidden: Vec<(String, String)>,
}

/// The attributes of one tag (`<input type="x" name=y>`), names in lower case.
fn attrs(tag: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let b = tag.as_bytes();
    let at = |i: usize| b.get(i).copied();
    let space_or = |c: Option<u8>, extra: &[u8]| c.is_some_and(|c| c.is_ascii_whitespace() || extra.contains(&c));
    // Skip the tag name.
    let mut i = tag.find(|c: char| c.is_whitespace()).unwrap_or(tag.len());
    while i < b.len() && out.len() < 32 {
        while space_or(at(i), b"/>") {
            i += 1;
        }
        let start = i;
        while at(i).is_some() && !space_or(at(i), b"=>") {
            i += 1;
        }
        let name = tag.get(start..i).unwrap_or_default().to_ascii_lowercase();
        if name.is_empty() {
            break;
        }
        let mut value = String::new();
        if at(i) == Some(b'=') {
            i += 1;
            match at(i) {
                Some(q @ (b'"' | b'\'')) => {
                    let end = tag.get(i + 1..).and_then(|r| r.find(char::from(q))).map_or(b.len(), |e| i + 1 + e);
                    value = tag.get(i + 1..end).unwrap_or_default().to_string();
                    i = end + 1;
                }
                _ => {
                    let start = i;
                    while at(i).is_some() && !space_or(at(i), b">") {
                        i += 1;
                    }
                    value = tag.get(start..i).unwrap_or_default().to_string();
                }
            }
        }
        out.push((name, value));
    }
    out
}

fn attr<'a>(list: &'a [(String, String)], name: &str) -> Option<&'a str> {
    list.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

/// The tags named `name` in `html` (lower-cased copy `lower`), with offsets.
fn tags<'a>(html: &'a str, lower: &str, name: &str) -> Vec<(usize, &'a str)> {
    let open = format!("<{name}");
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = lower.get(from..).and_then(|l| l.find(&open)).map(|p| p + from) {
        let end = lower.get(at..).and_then(|l| l.find('>')).map_or(lower.len(), |e| at + e + 1);
        if let Some(tag) = html.get(at..end) {
            out.push((at, tag));
        }
        from = end;
        if out.len() >= 200 {
            break;
        }
    }
    out
}

/// The first form on `page` (at path `page_path`) with a password field.
pub fn login_form(body: &[u8], page_path: &str) -> Option<LoginForm> {
    let html = String::from_utf8_lossy(body.get(..body.len().min(256 * 1024))?).to_string();
    let lower = html.to_ascii_lowercase();
    let inputs = tags(&html, &lower, "input");
    let (pass_at, pass_tag) =
        inputs.iter().find(|(_, t)| attr(&attrs(t), "type").is_some_and(|v| v.eq_ignore_ascii_case("password")))?;
    let pass_field = attr(&attrs(pass_tag), "name")?.to_string();
    let (form_at, form_tag) = tags(&html, &lower, "form").into_iter().rfind(|(at, _)| at < pass_at)?;
    let form_end = lower.get(form_at..).and_then(|l| l.find("</form")).map_or(lower.len(), |e| form_at + e);
    let fa = attrs(form_tag);
    let raw_action = attr(&fa, "action").unwrap_or("").trim().to_string();
    let dir = page_path.rsplit_once('/').map_or("/", |(d, _)| d);
    let action = if raw_action.is_empty() {
        page_path.to_string()
    } else if raw_action.starts_with('/') && !raw_action.starts_with("//") {
        raw_action
    } else if !raw_action.contains(':') && !raw_action.starts_with("//") {
        format!("{dir}/{raw_action}")
    } else {
        return None; // posts to another host, or javascript:
    };
    let mut user_field = None;
    let mut hidden = Vec::new();
    for (at, tag) in inputs.iter().filter(|(at, _)| *at > form_at && *at < form_end) {
        let a = attrs(tag);
        let Some(name) = attr(&a, "name") else { continue };
        match attr(&a, "type").map(str::to_ascii_lowercase).as_deref() {
            None | Some("text" | "email") if user_field.is_none() && at < pass_at => {
                user_field = Some(name.to_string())
            }
            Some("hidden") if hidden.len() < 10 => {
                hidden.push((name.to_string(), attr(&a, "value").unwrap_or("").to_string()))
            }
            _ => {}
        }
    }
    let post = attr(&fa, "method").is_some_and(|m| m.eq_ignore_ascii_case("post"));
    Some(LoginForm { page: page_path.to_string(), action, post, user_field, pass_field, hidden })
}

/// `application/x-www-form-urlencoded` (RFC 3986 unreserved kept).
pub fn urlencode(pairs: &[(&str, &str)]) -> String {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => char::from(b).to_string(),
                b' ' => "+".to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    pairs.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&")
}

/// One login through a form. The rule: a redirect elsewhere than a
/// login or error page, or a page without a password field that sets a
/// cookie, is a login; the form again, an error word, 401 or 403 is a
/// refusal; anything else is inconclusive.
pub async fn form_login(
    addr: SocketAddr,
    tls: bool,
    form: &LoginForm,
    c: &Credential,
    wait: Duration,
    t: &mut Transcript,
) -> Attempt {
    let mut pairs: Vec<(&str, &str)> = form.hidden.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    if let Some(u) = &form.user_field {
        pairs.push((u, &c.user));
    }
    pairs.push((&form.pass_field, &c.password));
    let body = urlencode(&pairs);
    let path;
    let req = if form.post {
        Request {
            method: "POST",
            path: &form.action,
            headers: vec![("Content-Type".into(), "application/x-www-form-urlencoded".into())],
            body: body.into_bytes(),
        }
    } else {
        path = format!("{}?{body}", form.action);
        Request { method: "GET", path: &path, headers: Vec::new(), body: Vec::new() }
    };
    // The transcript shows the form's field names, never the values.
    let mut shown = Transcript::default();
    let r = match send(addr, tls, &req, wait, &mut shown).await {
        Ok(r) => r,
        Err(e) => return Attempt::Inconclusive { reason: e },
    };
    t.sent(&format!(
        "{} {} (form fields {})",
        req.method,
        form.action,
        pairs.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(", ")
    ));
    t.received(format!("HTTP {} ({} bytes)", r.status, r.body.len()).as_bytes(), &c.password);
    let lower = String::from_utf8_lossy(&r.body).to_ascii_lowercase();
    let error_words = ["incorrect", "invalid", "failed", "denied", "wrong", "error"];
    match r.status {
        300..=399 => {
            let loc = r.header("location").unwrap_or("").to_ascii_lowercase();
            if loc.is_empty() {
                Attempt::Inconclusive { reason: format!("{} without a Location", r.status) }
            } else if ["login", "error", "fail", "denied", "signin"].iter().any(|w| loc.contains(w))
                || location_path(&loc) == form.page.to_ascii_lowercase()
            {
                Attempt::Refused
            } else {
                Attempt::Accepted
            }
        }
        401 | 403 => Attempt::Refused,
        200 if has_password_field(&r.body) || error_words.iter().any(|w| lower.contains(w)) => Attempt::Refused,
        200 if r.header("set-cookie").is_some() => Attempt::Accepted,
        code => Attempt::Inconclusive { reason: format!("answered {code} without a sign of either outcome") },
    }
}

/// The path of a Location value (absolute URL or path), without query.
fn location_path(loc: &str) -> &str {
    let path = match loc.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |i| rest.get(i..).unwrap_or("/")),
        None => loc,
    };
    path.split(['?', '#']).next().unwrap_or(path)
}

#[cfg(test)]
mod form_tests {
    use super::*;

    #[test]
    fn login_forms() {
        let page = b"<html><FORM Method=POST action='login.cgi'><input type=hidden name=csrf value=\"t0k\">\
            <input name=\"user\"><input type=\"password\" name=pass></form></html>";
        let f = login_form(page, "/cam/index.html").unwrap();
        assert_eq!(f.action, "/cam/login.cgi");
        assert!(f.post);
        assert_eq!(f.user_field.as_deref(), Some("user"));
        assert_eq!(f.pass_field, "pass");
        assert_eq!(f.hidden, vec![("csrf".to_string(), "t0k".to_string())]);
        // Forms that post to another host are not followed.
        assert_eq!(
            login_form(b"<form action=\"http://evil.example/x\"><input type=password name=p></form>", "/"),
            None
        );
        assert_eq!(login_form(b"<form action=\"//evil.example/x\"><input type=password name=p></form>", "/"), None);
        assert_eq!(login_form(b"<form action=\"javascript:go()\"><input type=password name=p></form>", "/"), None);
        assert_eq!(login_form(b"<input type=password name=p>", "/"), None, "no form");
        assert_eq!(login_form(b"<form><input type=password></form>", "/"), None, "no field name");
        assert_eq!(login_form(b"<form", "/"), None);
        assert_eq!(urlencode(&[("a b", "x&y=z/ü")]), "a+b=x%26y%3Dz%2F%C3%BC");
        assert_eq!(location_path("http://10.0.0.2/settings/?x=1"), "/settings/");
        assert_eq!(location_path("/"), "/");
        assert_eq!(location_path("http://cam"), "/");
    }
}
