//! SSH: the server's identification string and the algorithm lists of its
//! KEXINIT message, which every SSH server sends in clear text before any
//! key is agreed (RFC 4253 §4.2, §7.1).
//!
//! Reading the lists needs no key exchange, so it is done by hand: the
//! identification line, then one binary packet. A full SSH client (russh)
//! comes in where a check must authenticate.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Largest packet accepted (RFC 4253 §6.1 asks for 35,000 bytes).
const MAX_PACKET: usize = 35_000;

/// What an SSH server offers, from its KEXINIT.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SshAlgorithms {
    /// The identification string (`SSH-2.0-…`), made printable.
    pub banner: String,
    pub kex: Vec<String>,
    pub host_key: Vec<String>,
    pub encryption_client_to_server: Vec<String>,
    pub encryption_server_to_client: Vec<String>,
    pub mac_client_to_server: Vec<String>,
    pub mac_server_to_client: Vec<String>,
    pub compression_client_to_server: Vec<String>,
    pub compression_server_to_client: Vec<String>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SshError {
    #[error("could not connect: {0}")]
    Connect(String),
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    #[error("the server sent no SSH identification string")]
    NoBanner,
    #[error("the server's first packet is malformed: {0}")]
    Malformed(&'static str),
}

/// Reads one name-list (RFC 4251 §5): `uint32` length, comma-separated ASCII.
fn name_list(b: &[u8]) -> Result<(Vec<String>, &[u8]), SshError> {
    let (len, rest) = b.split_first_chunk::<4>().ok_or(SshError::Malformed("name-list length"))?;
    let len = u32::from_be_bytes(*len) as usize;
    let list = rest.get(..len).ok_or(SshError::Malformed("name-list"))?;
    let text = std::str::from_utf8(list).map_err(|_| SshError::Malformed("name-list is not ASCII"))?;
    let names = if text.is_empty() {
        Vec::new()
    } else {
        text.split(',').map(|n| crate::service::printable(n.as_bytes(), 100)).collect()
    };
    Ok((names, rest.get(len..).unwrap_or_default()))
}

/// Parses a KEXINIT payload (message 20).
fn parse_kexinit(payload: &[u8], banner: String) -> Result<SshAlgorithms, SshError> {
    let [20, rest @ ..] = payload else { return Err(SshError::Malformed("the first message is not KEXINIT")) };
    let mut rest = rest.get(16..).ok_or(SshError::Malformed("cookie"))?;
    let mut lists = Vec::with_capacity(10);
    for _ in 0..10 {
        let (l, r) = name_list(rest)?;
        lists.push(l);
        rest = r;
    }
    let mut it = lists.into_iter();
    let mut next = || it.next().unwrap_or_default();
    Ok(SshAlgorithms {
        banner,
        kex: next(),
        host_key: next(),
        encryption_client_to_server: next(),
        encryption_server_to_client: next(),
        mac_client_to_server: next(),
        mac_server_to_client: next(),
        compression_client_to_server: next(),
        compression_server_to_client: next(),
    })
}

/// Connects, exchanges identification strings, and reads the KEXINIT.
pub async fn kexinit(addr: SocketAddr, timeout: Duration) -> Result<SshAlgorithms, SshError> {
    let work = async {
        let mut s = tokio::net::TcpStream::connect(addr).await.map_err(|e| SshError::Connect(e.to_string()))?;
        s.write_all(b"SSH-2.0-starmark_probe\r\n").await.map_err(|e| SshError::Connect(e.to_string()))?;
        // Lines before the identification string are allowed (§4.2);
        // read byte by byte so nothing after the line is consumed.
        let mut banner = None;
        let mut line = Vec::new();
        let mut byte = [0u8; 1];
        let mut total = 0usize;
        while banner.is_none() {
            if s.read(&mut byte).await.map_err(|e| SshError::Connect(e.to_string()))? == 0 || total > 8192 {
                return Err(SshError::NoBanner);
            }
            total += 1;
            if byte[0] == b'\n' {
                if line.starts_with(b"SSH-") {
                    banner = Some(crate::service::printable(&line, 255));
                }
                line.clear();
            } else if line.len() < 256 {
                line.push(byte[0]);
            }
        }
        let mut len = [0u8; 4];
        s.read_exact(&mut len).await.map_err(|_| SshError::Malformed("packet length"))?;
        let len = u32::from_be_bytes(len) as usize;
        if !(5..=MAX_PACKET).contains(&len) {
            return Err(SshError::Malformed("packet length out of range"));
        }
        let mut packet = vec![0u8; len];
        s.read_exact(&mut packet).await.map_err(|_| SshError::Malformed("packet shorter than its length"))?;
        let (&padding, body) = packet.split_first().ok_or(SshError::Malformed("empty packet"))?;
        let payload =
            body.get(..body.len().saturating_sub(usize::from(padding))).ok_or(SshError::Malformed("padding"))?;
        parse_kexinit(payload, banner.unwrap_or_default())
    };
    tokio::time::timeout(timeout, work).await.map_err(|_| SshError::Timeout(timeout))?
}

/// An algorithm offered that should not be, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Weak {
    pub kind: &'static str,
    pub algorithm: String,
    pub reason: &'static str,
}

/// The weak algorithms a server offers (its own lists; the rules are ours,
/// after RFC 9142 for key exchange and RFC 8332 for RSA signatures).
pub fn weak(a: &SshAlgorithms) -> Vec<Weak> {
    let mut out = Vec::new();
    let mut flag = |kind, list: &[String], rule: &dyn Fn(&str) -> Option<&'static str>| {
        for alg in list {
            if let Some(reason) = rule(alg)
                && !out.iter().any(|w: &Weak| w.kind == kind && w.algorithm == *alg)
            {
                out.push(Weak { kind, algorithm: alg.clone(), reason });
            }
        }
    };
    flag("kex", &a.kex, &|k| match k {
        "diffie-hellman-group1-sha1" => Some("1024-bit group with SHA-1"),
        k if k.ends_with("-sha1") || k.contains("-sha1-") => Some("SHA-1 in the key exchange"),
        _ => None,
    });
    flag("host_key", &a.host_key, &|k| match k {
        "ssh-dss" => Some("DSA keys are limited to 1024 bits"),
        "ssh-rsa" => Some("RSA signatures with SHA-1"),
        _ => None,
    });
    let cipher = |c: &str| match c {
        "none" => Some("no encryption"),
        c if c.starts_with("arcfour") => Some("RC4 is broken"),
        c if c.starts_with("3des") || c.starts_with("blowfish") || c.starts_with("cast128") => {
            Some("64-bit block cipher")
        }
        c if c.ends_with("-cbc") || c == "rijndael-cbc@lysator.liu.se" => Some("CBC mode"),
        _ => None,
    };
    flag("encryption", &a.encryption_server_to_client, &cipher);
    flag("encryption", &a.encryption_client_to_server, &cipher);
    let mac = |m: &str| match m {
        "none" => Some("no integrity protection"),
        m if m.contains("md5") => Some("MD5"),
        m if m.starts_with("hmac-sha1") => Some("SHA-1"),
        m if m.starts_with("umac-64") => Some("64-bit tag"),
        _ => None,
    };
    flag("mac", &a.mac_server_to_client, &mac);
    flag("mac", &a.mac_client_to_server, &mac);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(names: &str) -> Vec<u8> {
        let mut v = (names.len() as u32).to_be_bytes().to_vec();
        v.extend_from_slice(names.as_bytes());
        v
    }

    #[test]
    fn kexinit_lists_and_weak_algorithms() {
        let mut p = vec![20u8];
        p.extend_from_slice(&[7u8; 16]);
        for l in [
            "curve25519-sha256,diffie-hellman-group14-sha1",
            "ssh-ed25519,ssh-rsa",
            "aes128-ctr,aes128-cbc",
            "aes128-ctr,aes128-cbc",
            "hmac-sha2-256,hmac-sha1",
            "hmac-sha2-256,hmac-sha1",
            "none",
            "none",
            "",
            "",
        ] {
            p.extend(list(l));
        }
        p.extend_from_slice(&[0, 0, 0, 0, 0]);
        let a = parse_kexinit(&p, "SSH-2.0-x".into()).unwrap();
        assert_eq!(a.kex, vec!["curve25519-sha256", "diffie-hellman-group14-sha1"]);
        assert_eq!(a.compression_server_to_client, vec!["none"]);
        let weak = weak(&a);
        let w: Vec<(&str, &str)> = weak.iter().map(|w| (w.kind, w.algorithm.as_str())).collect();
        assert_eq!(
            w,
            vec![
                ("kex", "diffie-hellman-group14-sha1"),
                ("host_key", "ssh-rsa"),
                ("encryption", "aes128-cbc"),
                ("mac", "hmac-sha1")
            ]
        );
        // Truncated anywhere: an error, never a panic.
        for n in 0..p.len() - 5 {
            assert!(parse_kexinit(p.get(..n).unwrap(), String::new()).is_err(), "{n}");
        }
    }
}

/// The russh client handler of the checks: every host key is taken (the
/// checker looks at the server, it does not trust it).
struct Checker;

impl russh::client::Handler for Checker {
    type Error = russh::Error;

    async fn check_server_key(&mut self, _: &russh::keys::PublicKeyOrCertificate) -> Result<bool, Self::Error> {
        Ok(true)
    }
}

/// An SSH login attempt's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Login {
    Accepted,
    /// Refused; the methods the server said may continue.
    Refused {
        methods: Vec<String>,
    },
}

async fn session(addr: SocketAddr) -> Result<russh::client::Handle<Checker>, String> {
    let config = std::sync::Arc::new(russh::client::Config {
        inactivity_timeout: Some(Duration::from_secs(30)),
        ..russh::client::Config::default()
    });
    russh::client::connect(config, addr, Checker).await.map_err(|e| format!("SSH handshake failed: {e}"))
}

fn login(r: russh::client::AuthResult) -> Login {
    match r {
        russh::client::AuthResult::Success => Login::Accepted,
        russh::client::AuthResult::Failure { remaining_methods, .. } => {
            Login::Refused { methods: remaining_methods.iter().map(|m| <&'static str>::from(m).to_string()).collect() }
        }
    }
}

/// Asks with the `none` method (RFC 4252 §5.2) which login methods the
/// server offers; no password is sent. `Accepted` means no login is
/// needed at all.
pub async fn auth_methods(addr: SocketAddr, user: &str, timeout: Duration) -> Result<Login, String> {
    let work = async {
        let mut s = session(addr).await?;
        let r = s.authenticate_none(user).await.map_err(|e| format!("the server broke off: {e}"))?;
        let _ = s.disconnect(russh::Disconnect::ByApplication, "", "en").await;
        Ok(login(r))
    };
    tokio::time::timeout(timeout, work).await.map_err(|_| format!("no answer within {timeout:?}"))?
}

/// One password login attempt on a fresh connection.
pub async fn try_password(addr: SocketAddr, user: &str, password: &str, timeout: Duration) -> Result<Login, String> {
    let work = async {
        let mut s = session(addr).await?;
        let r = s.authenticate_password(user, password).await.map_err(|e| format!("the server broke off: {e}"))?;
        let _ = s.disconnect(russh::Disconnect::ByApplication, "", "en").await;
        Ok(login(r))
    };
    tokio::time::timeout(timeout, work).await.map_err(|_| format!("no answer within {timeout:?}"))?
}
