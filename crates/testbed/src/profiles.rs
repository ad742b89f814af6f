//! Whole test devices made of real Debian daemons.
//!
//! - [`Profile::weak`]: what a careless vendor ships — telnet and FTP
//!   (inetutils under inetutils-inetd, with a config file of the test's
//!   own), SSH with password logins and Debian dropbear's legacy
//!   algorithms (SHA-1 key exchange and MACs, an RSA host key), SNMP
//!   answering the community `public` and taking writes with `private`
//!   (snmpd, which also opens its SMUX port 199/tcp), CoAP resources
//!   anyone may read (libcoap's example server, on 5683 over UDP and
//!   TCP), UPnP (miniupnpd:
//!   SSDP on 1900/udp and its control URL over HTTP on 5000/tcp), an MQTT
//!   broker without authentication (mosquitto), a web server with a login
//!   form over plain HTTP (a shell CGI that takes the factory login), a
//!   settings page anyone may open, an admin area
//!   behind HTTP Digest authentication, and the same site over TLS 1.0+
//!   with a 1024-bit RSA certificate signed with SHA-1 (lighttpd). Every login takes the
//!   universal factory password `admin`/`admin`: the device has its own
//!   `/etc/passwd` and `/etc/shadow`, bind-mounted over the host's inside
//!   the mount namespace `ip netns exec` gives each daemon, so the host's
//!   accounts are neither used nor changed.
//! - The hardened device, [`Profile::hardened`]: SSH (OpenSSH with an
//!   ed25519 host key, modern algorithms only, public-key logins only,
//!   no root logins) and a web server over TLS 1.2+ only (lighttpd with
//!   mod_openssl, a self-signed P-256 certificate made by `openssl`);
//!   nothing else.
//!
//! Every daemon runs in the foreground inside the device's namespace with
//! configuration written to a temporary directory, and is killed when the
//! profile is dropped.

use std::io;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::{Daemon, Device};

/// A running test device and its daemons.
#[derive(Debug)]
pub struct Profile {
    pub device: Device,
    daemons: Vec<Daemon>,
    /// Ports the daemons listen on once ready: (tcp, udp).
    pub tcp: Vec<u16>,
    pub udp: Vec<u16>,
    _dir: tempfile::TempDir,
}

fn write(dir: &std::path::Path, name: &str, text: &str) -> io::Result<String> {
    let p = dir.join(name);
    std::fs::write(&p, text)?;
    Ok(p.display().to_string())
}

/// The universal factory login every account of the weak device takes.
pub const WEAK_LOGIN: (&str, &str) = ("admin", "admin");

/// The weak device's `/etc/passwd` and `/etc/shadow`: the host's accounts
/// (so the daemons' own users resolve), every one locked, plus `admin`
/// with the password [`WEAK_LOGIN`].
fn accounts(dir: &std::path::Path) -> io::Result<(String, String)> {
    let mut passwd = std::fs::read_to_string("/etc/passwd")?;
    if !passwd.ends_with('\n') {
        passwd.push('\n');
    }
    passwd.push_str(&format!("{}:x:4242:4242:factory account:/tmp:/bin/sh\n", WEAK_LOGIN.0));
    let out = Command::new("openssl").args(["passwd", "-6", "-salt", "starmarktestbed", WEAK_LOGIN.1]).output()?;
    let hash = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if !out.status.success() || !hash.starts_with("$6$") {
        return Err(io::Error::other(format!("openssl passwd failed: {}", String::from_utf8_lossy(&out.stderr))));
    }
    let shadow: String = passwd
        .lines()
        .filter_map(|l| l.split(':').next())
        .map(|user| {
            let secret = if user == WEAK_LOGIN.0 { hash.as_str() } else { "*" };
            format!("{user}:{secret}:19000:0:99999:7:::\n")
        })
        .collect();
    let shadow_path = write(dir, "shadow", &shadow)?;
    std::fs::set_permissions(&shadow_path, std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
    Ok((write(dir, "passwd", &passwd)?, shadow_path))
}

/// A self-signed certificate and its key in one PEM file (as lighttpd
/// takes them), made by `openssl req` with the given key and subject
/// arguments.
fn self_signed(dir: &std::path::Path, name: &str, args: &[&str]) -> io::Result<String> {
    let key = dir.join(format!("{name}-key.pem"));
    let cert = dir.join(format!("{name}-cert.pem"));
    crate::run(
        Command::new("openssl")
            .args(["req", "-x509", "-nodes", "-days", "2"])
            .args(args)
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&cert),
    )?;
    let pem = dir.join(format!("{name}.pem"));
    std::fs::write(&pem, [std::fs::read(&cert)?, std::fs::read(&key)?].concat())?;
    Ok(pem.display().to_string())
}

fn need(program: &str, package: &str) -> io::Result<()> {
    let found = Command::new("which").arg(program).output().is_ok_and(|o| o.status.success());
    if found {
        Ok(())
    } else {
        Err(io::Error::other(format!(
            "{program} is required for the test device (Debian {package}; `cargo xtask test` installs it)"
        )))
    }
}

impl Profile {
    /// The weak device (see the module docs).
    pub fn weak() -> io::Result<Profile> {
        for (p, pkg) in [
            ("inetutils-inetd", "inetutils-inetd"),
            ("dropbear", "dropbear-bin"),
            ("dropbearkey", "dropbear-bin"),
            ("openssl", "openssl"),
            ("snmpd", "snmpd"),
            ("coap-server-notls", "libcoap3-bin"),
            ("miniupnpd", "miniupnpd"),
            ("mosquitto", "mosquitto"),
            ("lighttpd", "lighttpd"),
        ] {
            need(p, pkg)?;
        }
        for path in ["/usr/sbin/telnetd", "/usr/sbin/ftpd", "/usr/lib/lighttpd/mod_openssl.so"] {
            if !std::path::Path::new(path).exists() {
                return Err(io::Error::other(format!(
                    "{path} is required (Debian inetutils-telnetd, inetutils-ftpd, lighttpd-mod-openssl)"
                )));
            }
        }
        let device = Device::new()?;
        let dir = tempfile::tempdir()?;
        let d = dir.path();
        let addr = device.addr.to_string();
        let mut daemons = Vec::new();

        let (passwd, shadow) = accounts(d)?;
        let with_accounts = |program: &str, args: &[&str]| -> io::Result<Daemon> {
            let script =
                format!("mount --bind {passwd} /etc/passwd && mount --bind {shadow} /etc/shadow && exec \"$0\" \"$@\"");
            let mut all = vec!["-c", script.as_str(), program];
            all.extend_from_slice(args);
            let mut daemon = device.spawn("sh", &all)?;
            daemon.name = program.to_string();
            Ok(daemon)
        };

        let inetd = write(
            d,
            "inetd.conf",
            "telnet stream tcp nowait root /usr/sbin/telnetd telnetd\nftp stream tcp nowait root /usr/sbin/ftpd ftpd\n",
        )?;
        daemons.push(with_accounts("inetutils-inetd", &["-d", &inetd])?);

        let rsa = d.join("dropbear_rsa").display().to_string();
        let ed25519 = d.join("dropbear_ed25519").display().to_string();
        crate::run(Command::new("dropbearkey").args(["-t", "rsa", "-s", "2048", "-f", &rsa]))?;
        crate::run(Command::new("dropbearkey").args(["-t", "ed25519", "-f", &ed25519]))?;
        daemons
            .push(with_accounts("dropbear", &["-F", "-E", "-r", &rsa, "-r", &ed25519, "-p", &format!("{addr}:22")])?);

        let snmpd =
            write(d, "snmpd.conf", "rocommunity public\nrwcommunity private\nsysDescr starmark-testbed weak device\n")?;
        daemons.push(device.spawn("snmpd", &["-f", "-Lo", "-C", "-c", &snmpd, &format!("udp:{addr}:161")])?);

        let upnp = write(
            d,
            "miniupnpd.conf",
            &format!(
                "ext_ifname=lo\nlistening_ip={}\nport=5000\nenable_natpmp=no\nenable_upnp=yes\n\
                 secure_mode=yes\nuuid=53544152-4d41-524b-0000-000000000002\n\
                 allow 1024-65535 0.0.0.0/0 1024-65535\ndeny 0-65535 0.0.0.0/0 0-65535\n",
                device.dev_if
            ),
        )?;
        let pid = d.join("miniupnpd.pid").display().to_string();
        daemons.push(device.spawn("miniupnpd", &["-d", "-f", &upnp, "-P", &pid])?);

        // libcoap's example server: resources readable by anyone over
        // plain CoAP (it also listens for CoAP over TCP on 5683).
        daemons.push(device.spawn("coap-server-notls", &["-A", &addr, "-p", "5683"])?);

        let mqtt = write(d, "mosquitto.conf", &format!("user root\nlistener 1883 {addr}\nallow_anonymous true\n"))?;
        daemons.push(device.spawn("mosquitto", &["-c", &mqtt])?);

        // The web UI: a login form posted over plain HTTP, and the same
        // site over TLS 1.0+ with a weak certificate.
        let pem = self_signed(d, "weak", &["-newkey", "rsa:1024", "-sha1", "-subj", "/CN=IP-Camera"])?;
        let www = d.join("www");
        std::fs::create_dir_all(&www)?;
        std::fs::write(
            www.join("index.html"),
            "<html><head><title>IP Camera</title></head><body><form method=\"post\" action=\"/login.cgi\">\
             <input name=\"user\"><input type=\"password\" name=\"pass\"><button>Log in</button></form></body></html>",
        )?;
        // The form's handler: the factory login gets a session cookie and
        // a redirect to the settings, anything else the form again.
        std::fs::write(
            www.join("login.cgi"),
            format!(
                "body=$(head -c \"${{CONTENT_LENGTH:-0}}\")\n\
                 if printf '%s' \"$body\" | tr '&' '\\n' | grep -qx 'user={}' && \
                 printf '%s' \"$body\" | tr '&' '\\n' | grep -qx 'pass={}'; then\n\
                 printf 'Status: 302\\r\\nLocation: /settings/\\r\\nSet-Cookie: session=1\\r\\n\\r\\n'\n\
                 else\n\
                 printf 'Content-Type: text/html\\r\\n\\r\\n<html><body>Login incorrect<form method=\"post\" action=\"/login.cgi\">\
                 <input name=\"user\"><input type=\"password\" name=\"pass\"></form></body></html>'\n\
                 fi\n",
                WEAK_LOGIN.0, WEAK_LOGIN.1
            ),
        )?;
        // Settings anyone may open, and an admin area behind HTTP Digest
        // authentication with the factory login.
        std::fs::create_dir_all(www.join("settings"))?;
        std::fs::write(
            www.join("settings/index.html"),
            "<html><body><form method=\"post\" action=\"/settings.cgi\"><input name=\"ssid\">\
             <input name=\"ntp\"><button>Save</button></form></body></html>",
        )?;
        std::fs::create_dir_all(www.join("admin"))?;
        std::fs::write(www.join("admin/index.html"), "<html><body>admin</body></html>")?;
        let realm = "IP Camera";
        let ha1 = {
            use md5::Digest as _;
            let h = md5::Md5::digest(format!("{}:{realm}:{}", WEAK_LOGIN.0, WEAK_LOGIN.1).as_bytes());
            h.iter().map(|b| format!("{b:02x}")).collect::<String>()
        };
        let htdigest = write(d, "htdigest", &format!("{}:{realm}:{ha1}\n", WEAK_LOGIN.0))?;
        let httpd = write(
            d,
            "lighttpd.conf",
            &format!(
                "server.modules += (\"mod_openssl\", \"mod_auth\", \"mod_authn_file\", \"mod_cgi\")\n\
                 cgi.assign = (\".cgi\" => \"/bin/sh\")\n\
                 server.document-root = \"{}\"\nserver.port = 80\n\
                 auth.backend = \"htdigest\"\nauth.backend.htdigest.userfile = \"{htdigest}\"\n\
                 auth.require = (\"/admin/\" => (\"method\" => \"digest\", \"realm\" => \"{realm}\", \"require\" => \"valid-user\"))\n\
                 server.bind = \"{addr}\"\nindex-file.names = (\"index.html\")\n\
                 mimetype.assign = (\".html\" => \"text/html\")\n\
                 $SERVER[\"socket\"] == \"{addr}:443\" {{\n ssl.engine = \"enable\"\n ssl.pemfile = \"{pem}\"\n\
                 ssl.openssl.ssl-conf-cmd = (\"MinProtocol\" => \"TLSv1\", \"CipherString\" => \"ALL:@SECLEVEL=0\")\n}}\n",
                www.display()
            ),
        )?;
        daemons.push(device.spawn("lighttpd", &["-D", "-f", &httpd])?);

        let mut p = Profile {
            device,
            daemons,
            tcp: vec![21, 22, 23, 80, 199, 443, 1883, 5000, 5683],
            udp: vec![161, 1900, 5683],
            _dir: dir,
        };
        p.wait_ready()?;
        Ok(p)
    }

    /// The hardened device (see the module docs).
    pub fn hardened() -> io::Result<Profile> {
        for (p, pkg) in [("ssh-keygen", "openssh-client"), ("lighttpd", "lighttpd"), ("openssl", "openssl")] {
            need(p, pkg)?;
        }
        for (path, pkg) in
            [("/usr/sbin/sshd", "openssh-server"), ("/usr/lib/lighttpd/mod_openssl.so", "lighttpd-mod-openssl")]
        {
            if !std::path::Path::new(path).exists() {
                return Err(io::Error::other(format!("{path} is required (Debian {pkg})")));
            }
        }
        let device = Device::new()?;
        let dir = tempfile::tempdir()?;
        let d = dir.path();
        let addr = device.addr.to_string();
        let mut daemons = Vec::new();

        let host_key = d.join("ssh_host_ed25519_key").display().to_string();
        crate::run(Command::new("ssh-keygen").args(["-q", "-t", "ed25519", "-N", "", "-f", &host_key]))?;
        // sshd refuses to start without its privilege separation directory.
        std::fs::create_dir_all("/run/sshd")?;
        let sshd = write(
            d,
            "sshd_config",
            &format!(
                "ListenAddress {addr}:22\nHostKey {host_key}\nPidFile {}\nUsePAM no\n\
                 PasswordAuthentication no\nKbdInteractiveAuthentication no\nPermitRootLogin no\n\
                 KexAlgorithms sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org\n\
                 HostKeyAlgorithms ssh-ed25519\n\
                 Ciphers chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com\n\
                 MACs hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com\n",
                d.join("sshd.pid").display()
            ),
        )?;
        daemons.push(device.spawn("/usr/sbin/sshd", &["-D", "-e", "-f", &sshd])?);

        let pem = self_signed(
            d,
            "hardened",
            &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-subj", "/CN=starmark-testbed"],
        )?;
        let www = d.join("www");
        std::fs::create_dir_all(&www)?;
        std::fs::write(www.join("index.html"), "<html><body>hardened</body></html>")?;
        let httpd = write(
            d,
            "lighttpd.conf",
            &format!(
                "server.modules += (\"mod_openssl\")\nserver.document-root = \"{}\"\nserver.port = 443\n\
                 server.bind = \"{addr}\"\nssl.engine = \"enable\"\nssl.pemfile = \"{pem}\"\n\
                 ssl.openssl.ssl-conf-cmd = (\"MinProtocol\" => \"TLSv1.2\")\n\
                 server.modules += (\"mod_setenv\")\nsetenv.add-response-header = (\n\
                 \"Strict-Transport-Security\" => \"max-age=31536000\",\n\
                 \"X-Content-Type-Options\" => \"nosniff\",\n\
                 \"Content-Security-Policy\" => \"default-src 'self'; frame-ancestors 'none'\")\n\
                 index-file.names = (\"index.html\")\nmimetype.assign = (\".html\" => \"text/html\")\n",
                www.display()
            ),
        )?;
        daemons.push(device.spawn("lighttpd", &["-D", "-f", &httpd])?);

        let mut p = Profile { device, daemons, tcp: vec![22, 443], udp: vec![], _dir: dir };
        p.wait_ready()?;
        Ok(p)
    }

    /// Fails with a daemon's own words if one has exited.
    pub fn check_running(&mut self) -> io::Result<()> {
        self.daemons.iter_mut().try_for_each(Daemon::check_running)
    }

    /// Waits (at most 10 s) until every daemon's port is bound.
    fn wait_ready(&mut self) -> io::Result<()> {
        let started = Instant::now();
        loop {
            self.check_running()?;
            let out = self.device.command("ss").args(["-lntuH"]).output()?;
            let text = String::from_utf8_lossy(&out.stdout);
            let bound = |proto: &str, port: u16| {
                text.lines().any(|l| {
                    l.starts_with(proto)
                        && l.split_whitespace().nth(4).is_some_and(|a| a.ends_with(&format!(":{port}")))
                })
            };
            let missing: Vec<String> = self
                .tcp
                .iter()
                .filter(|p| !bound("tcp", **p))
                .map(|p| format!("{p}/tcp"))
                .chain(self.udp.iter().filter(|p| !bound("udp", **p)).map(|p| format!("{p}/udp")))
                .collect();
            if missing.is_empty() {
                return Ok(());
            }
            if started.elapsed() > Duration::from_secs(10) {
                return Err(io::Error::other(format!("the test device's daemons never bound {missing:?}:\n{text}")));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}
