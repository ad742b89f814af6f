//! Whole test devices made of real Debian daemons.
//!
//! - [`Profile::weak`]: what a careless vendor ships — telnet and FTP
//!   (inetutils under inetutils-inetd, with a config file of the test's
//!   own), SNMP answering the community `public` (snmpd, which also opens
//!   its SMUX port 199/tcp), UPnP (miniupnpd:
//!   SSDP on 1900/udp and its control URL over HTTP on 5000/tcp), an MQTT
//!   broker without authentication (mosquitto), and a web server over
//!   plain HTTP (lighttpd).
//! - The hardened device, [`Profile::hardened`]: SSH (dropbear with an ed25519 host key only,
//!   no password logins, no root logins; Debian's dropbear fixes its
//!   algorithm list at build time, so it cannot be narrowed further here)
//!   and a web server over TLS 1.2+ only (lighttpd with mod_openssl, a
//!   self-signed certificate made by `openssl`); nothing else.
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
            ("snmpd", "snmpd"),
            ("miniupnpd", "miniupnpd"),
            ("mosquitto", "mosquitto"),
            ("lighttpd", "lighttpd"),
        ] {
            need(p, pkg)?;
        }
        for path in ["/usr/sbin/telnetd", "/usr/sbin/ftpd"] {
            if !std::path::Path::new(path).exists() {
                return Err(io::Error::other(format!("{path} is required (Debian inetutils-telnetd, inetutils-ftpd)")));
            }
        }
        let device = Device::new()?;
        let dir = tempfile::tempdir()?;
        let d = dir.path();
        let addr = device.addr.to_string();
        let mut daemons = Vec::new();

        let inetd = write(
            d,
            "inetd.conf",
            "telnet stream tcp nowait root /usr/sbin/telnetd telnetd\nftp stream tcp nowait root /usr/sbin/ftpd ftpd\n",
        )?;
        daemons.push(device.spawn("inetutils-inetd", &["-d", &inetd])?);

        let snmpd = write(d, "snmpd.conf", "rocommunity public\nsysDescr starmark-testbed weak device\n")?;
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

        let mqtt = write(d, "mosquitto.conf", &format!("user root\nlistener 1883 {addr}\nallow_anonymous true\n"))?;
        daemons.push(device.spawn("mosquitto", &["-c", &mqtt])?);

        let www = d.join("www");
        std::fs::create_dir_all(&www)?;
        std::fs::write(www.join("index.html"), "<html><body>camera</body></html>")?;
        let httpd = write(
            d,
            "lighttpd.conf",
            &format!(
                "server.document-root = \"{}\"\nserver.port = 80\nserver.bind = \"{addr}\"\n\
                 index-file.names = (\"index.html\")\nmimetype.assign = (\".html\" => \"text/html\")\n",
                www.display()
            ),
        )?;
        daemons.push(device.spawn("lighttpd", &["-D", "-f", &httpd])?);

        let mut p =
            Profile { device, daemons, tcp: vec![21, 23, 80, 199, 1883, 5000], udp: vec![161, 1900], _dir: dir };
        p.wait_ready()?;
        Ok(p)
    }

    /// The hardened device (see the module docs).
    pub fn hardened() -> io::Result<Profile> {
        for (p, pkg) in [
            ("dropbear", "dropbear-bin"),
            ("dropbearkey", "dropbear-bin"),
            ("lighttpd", "lighttpd"),
            ("openssl", "openssl"),
        ] {
            need(p, pkg)?;
        }
        if !std::path::Path::new("/usr/lib/lighttpd/mod_openssl.so").exists() {
            return Err(io::Error::other("lighttpd's TLS module is required (Debian lighttpd-mod-openssl)"));
        }
        let device = Device::new()?;
        let dir = tempfile::tempdir()?;
        let d = dir.path();
        let addr = device.addr.to_string();
        let mut daemons = Vec::new();

        let key = d.join("dropbear_ed25519").display().to_string();
        crate::run(Command::new("dropbearkey").args(["-t", "ed25519", "-f", &key]))?;
        daemons.push(device.spawn("dropbear", &["-F", "-E", "-s", "-w", "-r", &key, "-p", &format!("{addr}:22")])?);

        let pem = d.join("server.pem").display().to_string();
        let keypem = d.join("key.pem").display().to_string();
        let certpem = d.join("cert.pem").display().to_string();
        crate::run(Command::new("openssl").args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-subj",
            "/CN=starmark-testbed",
            "-days",
            "2",
            "-keyout",
            &keypem,
            "-out",
            &certpem,
        ]))?;
        std::fs::write(&pem, [std::fs::read(&certpem)?, std::fs::read(&keypem)?].concat())?;
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
