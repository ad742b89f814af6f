//! Factory logins against real daemons' own authentication, on surfaces
//! the weak test device does not have: mosquitto refusing anonymous
//! clients but taking admin/admin from its password file (and offering
//! MQTT over TLS on 8883, which the TLS check examines like any TLS
//! service), and lighttpd asking for HTTP Basic authentication. Needs
//! root; fails, never skips, without.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

use std::process::Command;
use std::time::{Duration, Instant};

use starmark_probe::checks::{CheckSettings, run_on};
use starmark_probe::findings::Proto;
use starmark_testbed::Device;

fn wait_bound(device: &Device, port: u16) {
    let started = Instant::now();
    loop {
        let out = device.command("ss").args(["-lntH"]).output().unwrap();
        if String::from_utf8_lossy(&out.stdout).contains(&format!(":{port} ")) {
            return;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "nothing listens on {port}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mqtt_passwords_and_http_basic() {
    let device = Device::new().unwrap_or_else(|e| panic!("the test device cannot run here: {e}"));
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let addr = device.addr.to_string();

    let passwords = d.join("passwd");
    std::fs::write(&passwords, "").unwrap();
    let ok = Command::new("mosquitto_passwd").arg("-b").arg(&passwords).args(["admin", "admin"]).status().unwrap();
    assert!(ok.success(), "mosquitto_passwd is required (Debian mosquitto)");
    let (key, cert) = (d.join("key.pem"), d.join("cert.pem"));
    let ok = Command::new("openssl")
        .args(["req", "-x509", "-nodes", "-days", "2", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"])
        .args(["-subj", "/CN=broker", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .status()
        .unwrap();
    assert!(ok.success(), "openssl is required (Debian openssl)");
    let conf = d.join("mosquitto.conf");
    std::fs::write(
        &conf,
        format!(
            "user root\nper_listener_settings false\nallow_anonymous false\npassword_file {}\n\
             listener 1883 {addr}\nlistener 8883 {addr}\ncertfile {}\nkeyfile {}\ntls_version tlsv1.2\n",
            passwords.display(),
            cert.display(),
            key.display()
        ),
    )
    .unwrap();
    let mut mosquitto = device.spawn("mosquitto", &["-c", conf.to_str().unwrap()]).unwrap();

    let www = d.join("www");
    std::fs::create_dir_all(www.join("admin")).unwrap();
    std::fs::write(www.join("admin/index.html"), "admin").unwrap();
    // lighttpd's plain user file: user:password.
    std::fs::write(d.join("users"), "admin:admin\n").unwrap();
    let httpd = d.join("lighttpd.conf");
    std::fs::write(
        &httpd,
        format!(
            "server.modules += (\"mod_auth\", \"mod_authn_file\")\nserver.document-root = \"{}\"\n\
             server.port = 8080\nserver.bind = \"{addr}\"\nindex-file.names = (\"index.html\")\n\
             auth.backend = \"plain\"\n\
             auth.backend.plain.userfile = \"{}\"\n\
             auth.require = (\"/admin/\" => (\"method\" => \"basic\", \"realm\" => \"cam\", \"require\" => \"valid-user\"))\n",
            www.display(),
            d.join("users").display()
        ),
    )
    .unwrap();
    let mut lighttpd = device.spawn("lighttpd", &["-D", "-f", httpd.to_str().unwrap()]).unwrap();
    wait_bound(&device, 1883);
    wait_bound(&device, 8883);
    wait_bound(&device, 8080);

    let mut s = CheckSettings::new(starmark_probe::creds::candidates(None));
    s.pace = Duration::from_millis(50);
    let results =
        run_on(device.addr, &[(Proto::Tcp, 1883, "mqtt"), (Proto::Tcp, 8080, "http"), (Proto::Tcp, 8883, "tls")], &s)
            .await;
    mosquitto.check_running().unwrap();
    lighttpd.check_running().unwrap();
    for r in &results {
        assert_eq!(r.status, "completed", "{r:#?}");
    }
    let ids: Vec<&str> = results.iter().flat_map(|r| r.findings.iter().map(|f| f.id.as_str())).collect();
    // Anonymous clients are refused, so no anonymous finding; the factory
    // login gets in.
    assert!(!ids.contains(&"mqtt/anonymous/tcp/1883"), "{ids:?}");
    assert!(ids.contains(&"default-credentials/tcp/1883"), "{ids:?}");
    let mqtt = results.iter().find(|r| r.port == 1883 && r.check.name() == "mqtt").unwrap();
    assert_eq!(mqtt.data["anonymous_return_code"], 5, "CONNACK 5: not authorised");
    // MQTT over TLS is offered, and is TLS 1.2+ with a P-256 key.
    assert!(!ids.contains(&"mqtt/no-tls/tcp/1883"), "{ids:?}");
    let tls = results.iter().find(|r| r.port == 8883 && r.check.name() == "tls").unwrap();
    assert_eq!(tls.data["certificate"]["key_type"], "EC", "{:#}", tls.data);
    assert!(!ids.iter().any(|i| i.starts_with("tls/")), "{ids:?}");
    // With only the HTTP check selected, a TLS port is only asked whether
    // a web interface is behind it: MQTT over TLS gives no result at all.
    let mut only_http = CheckSettings::new(Vec::new());
    only_http.enabled = vec![starmark_probe::checks::Check::Http];
    let results = run_on(device.addr, &[(Proto::Tcp, 8883, "tls")], &only_http).await;
    assert!(results.is_empty(), "{results:#?}");
    // HTTP Basic over plain HTTP: the password travels in clear, and the
    // factory login gets in.
    assert!(ids.contains(&"http/cleartext-login/tcp/8080"), "{ids:?}");
    assert!(ids.contains(&"default-credentials/tcp/8080"), "{ids:?} {results:#?}");
}
