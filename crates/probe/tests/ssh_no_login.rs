//! An SSH server that lets anyone in with no login at all (userauth `none`
//! accepted, as some devices' debug shells do) is a high finding, never
//! "takes password logins"; and a password login that never answers runs
//! out the budget of the credentials check only, not the SSH check's
//! findings. No Debian daemon can be set up this way, so the server is
//! russh's, on loopback, with a fixed test host key.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use starmark_probe::checks::{CheckSettings, run_on};
use starmark_probe::findings::Proto;

/// A throwaway host key made for this test (`ssh-keygen -t ed25519`).
const HOST_KEY: &str = "-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW
QyNTUxOQAAACAlqsl+ouMXgSNO2ddjJtNBK/++zTT20bRZNnZFsnQNwQAAAJj/+a3k//mt
5AAAAAtzc2gtZWQyNTUxOQAAACAlqsl+ouMXgSNO2ddjJtNBK/++zTT20bRZNnZFsnQNwQ
AAAEDdZMUxhissKqiH+wQmW/dLuJ/+dUabCky1iyFEXJRZbSWqyX6i4xeBI07Z12Mm00Er
/77NNPbRtFk2dkWydA3BAAAAEnN0YXJtYXJrIHRlc3QgZmFrZQECAw==
-----END OPENSSH PRIVATE KEY-----
";

/// Lets everyone in with `none`, or offers only passwords (and refuses
/// them, or never answers them).
#[derive(Clone)]
struct Fake {
    open: bool,
    hang: bool,
}

impl russh::server::Handler for Fake {
    type Error = russh::Error;

    async fn auth_none(&mut self, _user: &str) -> Result<russh::server::Auth, Self::Error> {
        Ok(if self.open {
            russh::server::Auth::Accept
        } else {
            russh::server::Auth::Reject {
                proceed_with_methods: Some(russh::MethodSet::from(&[russh::MethodKind::Password][..])),
                partial_success: false,
            }
        })
    }

    async fn auth_password(&mut self, _user: &str, _password: &str) -> Result<russh::server::Auth, Self::Error> {
        if self.hang {
            std::future::pending::<()>().await;
        }
        Ok(russh::server::Auth::Reject { proceed_with_methods: None, partial_success: false })
    }
}

async fn serve(open: bool, hang: bool) -> u16 {
    let key = russh::keys::PrivateKey::from_openssh(HOST_KEY).unwrap();
    let config = Arc::new(russh::server::Config {
        keys: vec![key],
        auth_rejection_time: std::time::Duration::from_millis(10),
        ..Default::default()
    });
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((sock, _)) = l.accept().await {
            let config = config.clone();
            tokio::spawn(async move {
                if let Ok(session) = russh::server::run_stream(config, sock, Fake { open, hang }).await {
                    let _ = session.await;
                }
            });
        }
    });
    port
}

async fn ssh_findings(port: u16) -> Vec<String> {
    let mut s = CheckSettings::new(Vec::new());
    s.enabled = vec![starmark_probe::checks::Check::Ssh];
    let results = run_on(IpAddr::V4(Ipv4Addr::LOCALHOST), &[(Proto::Tcp, port, "ssh")], &s).await;
    let ssh = results.iter().find(|r| r.port == port).unwrap();
    assert_eq!(ssh.status, "completed", "{:?}", ssh.reason);
    ssh.findings.iter().map(|f| f.id.clone()).collect()
}

#[tokio::test]
async fn ssh_without_any_login_is_a_high_finding() {
    let open = serve(true, false).await;
    let ids = ssh_findings(open).await;
    let id = format!("ssh/no-authentication/tcp/{open}");
    assert!(ids.contains(&id), "{ids:?}");
    assert!(!ids.iter().any(|i| i.starts_with("ssh/password-login")), "no password is asked for: {ids:?}");
    let rule = starmark_probe::checks::rule("ssh/no-authentication").unwrap();
    assert_eq!(rule.severity, starmark_probe::findings::Severity::High);
    // The same server asking for passwords is the other finding.
    let closed = serve(false, false).await;
    let ids = ssh_findings(closed).await;
    assert!(ids.contains(&format!("ssh/password-login/tcp/{closed}")), "{ids:?}");
    assert!(!ids.iter().any(|i| i.starts_with("ssh/no-authentication")), "{ids:?}");
}

#[tokio::test]
async fn a_hanging_login_leaves_the_ssh_findings_standing() {
    let port = serve(false, true).await;
    let login = starmark_probe::creds::Credential {
        user: "admin".into(),
        password: "admin".into(),
        reference: "universal/1".into(),
    };
    let mut s = CheckSettings::new(vec![login]);
    s.enabled = vec![starmark_probe::checks::Check::Ssh, starmark_probe::checks::Check::Credentials];
    s.wait = std::time::Duration::from_secs(30);
    // Room for the SSH check on a loaded machine; the hanging login uses up the rest.
    s.budget = std::time::Duration::from_secs(10);
    let results = run_on(IpAddr::V4(Ipv4Addr::LOCALHOST), &[(Proto::Tcp, port, "ssh")], &s).await;
    let status: Vec<(&str, &str)> = results.iter().map(|r| (r.check.name(), r.status.as_str())).collect();
    assert_eq!(status, [("ssh", "completed"), ("credentials", "inconclusive")], "{results:#?}");
    let ids: Vec<&str> = results.iter().flat_map(|r| r.findings.iter().map(|f| f.id.as_str())).collect();
    assert!(ids.contains(&format!("ssh/password-login/tcp/{port}").as_str()), "{ids:?}");
    let unfinished =
        results.iter().flat_map(|r| &r.findings).find(|f| f.id.starts_with("inconclusive/credentials")).unwrap();
    assert!(unfinished.criteria.contains(&"S1.1-02"), "{unfinished:?}");
}
