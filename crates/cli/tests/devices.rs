//! `starmark scan` against whole test devices of real Debian daemons (see
//! `starmark_testbed::Profile`): every TCP port and the IoT UDP set, the
//! services, the protocol checks and their findings, the
//! declared-interfaces check, and nmap's open ports on the same device for
//! comparison. Needs root for the network namespaces; fails, never skips,
//! without.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

use serde_json::Value;
use starmark_testbed::Profile;

fn scan(args: &[&str]) -> (i32, Value) {
    let out =
        assert_cmd::Command::cargo_bin("starmark").unwrap().arg("scan").args(args).arg("--json").output().unwrap();
    let v = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("no JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap_or(-1), v)
}

/// nmap's open TCP ports (full connect scan).
fn nmap_open_tcp(addr: &str) -> Vec<u64> {
    starmark_testbed::nmap::open_ports(&["-sT", "-Pn", "-n", "-T4", "-p-", addr]).into_iter().map(u64::from).collect()
}

/// The UDP ports of the IoT set that nmap -sU finds open (answering).
fn nmap_open_udp(addr: &str) -> Vec<u64> {
    starmark_testbed::nmap::open_ports(&[
        "-sU",
        "-Pn",
        "-n",
        "--max-retries",
        "3",
        "-p",
        "53,69,123,137,161,1900,3702,5353,5683",
        addr,
    ])
    .into_iter()
    .map(u64::from)
    .collect()
}

fn open_udp(v: &Value) -> Vec<u64> {
    v["udp"]["ports"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["state"] == "open")
        .map(|u| u["port"].as_u64().unwrap())
        .collect()
}

fn open_tcp(v: &Value) -> Vec<u64> {
    v["tcp"]["open"].as_array().unwrap().iter().map(|p| p["port"].as_u64().unwrap()).collect()
}

fn service_of(v: &Value, port: u64) -> (String, String) {
    let p = v["tcp"]["open"].as_array().unwrap().iter().find(|p| p["port"] == port).unwrap();
    (p["service"]["name"].as_str().unwrap().to_string(), p["service"]["detail"].as_str().unwrap().to_string())
}

fn finding_ids(v: &Value) -> Vec<String> {
    v["findings"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap().to_string()).collect()
}

/// Every criterion a finding names exists in the STAR-1 catalog, and
/// every finding has a Japanese title for the same port.
fn criteria_exist(v: &Value) {
    let catalogs = starmark_criteria::CatalogSet::embedded().unwrap();
    let star1 = catalogs.current("star-1").unwrap();
    for f in v["findings"].as_array().unwrap() {
        let (en, ja) = (f["title"].as_str().unwrap(), f["title_ja"].as_str().unwrap());
        assert!(ja.chars().any(|c| ('\u{3040}'..='\u{30ff}').contains(&c)), "no Japanese title: {f}");
        let place = |t: &str| t.split([' ', ':', '（', '(']).next().unwrap_or_default().to_string();
        if en.starts_with(|c: char| c.is_ascii_digit()) {
            assert_eq!(place(en), place(ja), "both titles name the same port: {f}");
        }
        let c = f["criteria"].as_array().unwrap();
        assert!(!c.is_empty(), "every finding bears on a criterion: {f}");
        let id = f["id"].as_str().unwrap();
        if ["exposed/", "risky/", "undeclared/", "declared-missing/", "incomplete/"].iter().any(|p| id.starts_with(p)) {
            assert_eq!(c[0], "S1.1-13", "interface findings name S1.1-13 first: {f}");
        }
        for id in c {
            assert!(star1.requirement(id.as_str().unwrap()).is_some(), "unknown criterion in {f}");
        }
    }
}

fn finding<'a>(v: &'a Value, id: &str) -> &'a Value {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id)
        .unwrap_or_else(|| panic!("no finding {id}: {:?}", finding_ids(v)))
}

/// A factory password the vendor declares (wrongly: the device refuses
/// it), so that the report can be searched for it.
const DECLARED_SECRET: &str = "Vendor-Secret-7q!";

#[test]
fn the_weak_device_lists_every_daemon_with_its_risky_findings() {
    let mut p = Profile::weak().unwrap_or_else(|e| panic!("the weak test device cannot run here: {e}"));
    let addr = p.device.addr.to_string();
    let dir = tempfile::tempdir().unwrap();
    let factory = dir.path().join("factory.toml");
    std::fs::write(
        &factory,
        format!(
            "format = \"starmark-credentials/1\"\n[[credential]]\nuser = \"admin\"\npassword = \"{DECLARED_SECRET}\"\n"
        ),
    )
    .unwrap();
    let out = assert_cmd::Command::cargo_bin("starmark")
        .unwrap()
        .args(["scan", &addr, "--json", "--factory-credentials", factory.to_str().unwrap()])
        .output()
        .unwrap();
    let all = [out.stdout.as_slice(), out.stderr.as_slice()].concat();
    assert!(
        !String::from_utf8_lossy(&all).contains(DECLARED_SECRET),
        "a password tried appears in the report or the log"
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let code = out.status.code().unwrap();
    p.check_running().unwrap();
    assert_eq!(code, 1, "risky services found: exit 1\n{v:#}");
    assert_eq!(v["complete"], true, "{:#}", v["checks"]);
    // 199 is snmpd's SMUX port, which Debian's snmpd opens by default.
    assert_eq!(open_tcp(&v), vec![21, 22, 23, 80, 199, 443, 1883, 5000, 5683]);
    assert_eq!(open_tcp(&v), nmap_open_tcp(&addr), "starmark and nmap disagree");
    assert!(service_of(&v, 22).1.contains("dropbear"));
    assert_eq!(service_of(&v, 443).0, "tls");
    assert_eq!(service_of(&v, 21).0, "ftp");
    assert_eq!(service_of(&v, 23).0, "telnet");
    let web = service_of(&v, 80);
    assert!(web.0 == "http" && web.1.contains("lighttpd"), "{web:?}");
    assert_eq!(service_of(&v, 1883), ("mqtt".into(), "MQTT broker accepted a connection without credentials".into()));
    assert_eq!(service_of(&v, 5000).0, "http", "miniupnpd's control URL");
    for u in v["udp"]["ports"].as_array().unwrap() {
        match u["port"].as_u64().unwrap() {
            161 => assert!(u["state"] == "open" && u["detail"].as_str().unwrap().contains("public"), "{u}"),
            1900 => {
                let detail = u["detail"].as_str().unwrap();
                assert!(u["state"] == "open" && detail.contains(":5000/"), "{u}");
                assert!(detail.contains("UPnP description (name: "), "the description was read: {u}");
            }
            5683 => assert_eq!(u["state"], "open", "{u}"),
            _ => assert_eq!(u["state"], "closed", "{u}"),
        }
    }
    assert_eq!(open_udp(&v), vec![161, 1900, 5683]);
    assert_eq!(open_udp(&v), nmap_open_udp(&addr), "answering UDP services differ from nmap's");
    let ids = finding_ids(&v);
    for want in ["risky/tcp/21", "risky/tcp/23", "risky/tcp/80", "risky/tcp/1883", "risky/udp/161", "risky/udp/1900"] {
        assert!(ids.contains(&want.to_string()), "missing {want}: {ids:?}");
    }
    for port in ["21", "22", "23", "80", "199", "443", "1883", "5000", "5683"] {
        assert!(ids.contains(&format!("exposed/tcp/{port}")), "{ids:?}");
    }
    criteria_exist(&v);

    // The protocol checks: every weakness the device was built with, each
    // with evidence and the criteria it bears on.
    for (id, criterion) in [
        ("default-credentials/tcp/23", "S1.1-02"),
        ("default-credentials/tcp/21", "S1.1-02"),
        ("default-credentials/tcp/22", "S1.1-02"),
        ("mqtt/anonymous/tcp/1883", "S1.1-01"),
        ("mqtt/subscribe-all/tcp/1883", "S1.1-01"),
        ("mqtt/no-tls/tcp/1883", "S1.1-12"),
        ("upnp/open-control/tcp/5000", "S1.1-01"),
        ("snmp/default-community/udp/161", "S1.1-02"),
        ("snmp/write-access/udp/161", "S1.1-01"),
        ("http/cleartext-login/tcp/80", "S1.1-12"),
        ("http/missing-security-headers/tcp/80", "S1.1-01"),
        ("http/unauthenticated-settings/tcp/80", "S1.1-01"),
        // The admin area's HTTP Digest login, checked by lighttpd itself.
        ("default-credentials/tcp/80", "S1.1-02"),
        ("tls/legacy-version/tcp/443", "S1.1-12"),
        ("tls/weak-suites/tcp/443", "S1.1-12"),
        ("tls/weak-key/tcp/443", "S1.1-12"),
        ("tls/weak-signature/tcp/443", "S1.1-12"),
        ("ssh/weak-algorithms/tcp/22", "S1.1-12"),
        ("ssh/password-login/tcp/22", "S1.1-04"),
        ("coap/unauthenticated-read/udp/5683", "S1.1-01"),
    ] {
        let f = finding(&v, id);
        assert!(f["criteria"].as_array().unwrap().iter().any(|c| c == criterion), "{f}");
        assert!(!f["evidence"].as_str().unwrap().is_empty(), "{f}");
        assert!(!f["transcript"].as_array().unwrap().is_empty(), "{f}");
    }
    // The declared password was tried first and refused; the universal
    // admin/admin got in, named by its place in the list.
    let telnet = finding(&v, "default-credentials/tcp/23");
    assert!(telnet["evidence"].as_str().unwrap().starts_with("telnet: universal/1 (user \"admin\""), "{telnet}");
    // On the web interface, both the admin area's Digest login (checked by
    // lighttpd) and the login form (a CGI) take it.
    let web = finding(&v, "default-credentials/tcp/80");
    assert!(web["title"].as_str().unwrap().contains("HTTP authentication on /admin/ and the login form on /"), "{web}");
    let t: Vec<&str> = telnet["transcript"].as_array().unwrap().iter().map(|l| l.as_str().unwrap()).collect();
    assert!(t.iter().any(|l| l.contains("trying declared/1")), "{t:#?}");
    assert!(t.contains(&"> [password]"), "{t:#?}");
    assert!(finding(&v, "tls/legacy-version/tcp/443")["title"].as_str().unwrap().contains("TLSv1.0, TLSv1.1"));
    assert!(finding(&v, "ssh/weak-algorithms/tcp/22")["evidence"].as_str().unwrap().contains("hmac-sha1"));
    for c in v["checks"].as_array().unwrap() {
        assert_eq!(c["status"], "completed", "{c}");
    }

    // With the vendor's list: what is not on it, and what is on it but silent.
    let dir = tempfile::tempdir().unwrap();
    let declared = dir.path().join("interfaces.toml");
    std::fs::write(
        &declared,
        "format = \"starmark-interfaces/1\"\n\
         [[interface]]\nproto = \"tcp\"\nport = 80\nservice = \"http\"\npurpose = \"web UI\"\n\
         [[interface]]\nproto = \"tcp\"\nport = 8443\nservice = \"https\"\n",
    )
    .unwrap();
    let (code, v) =
        scan(&[&addr, "-p", "21,23,80,8443,1883", "--checks", "none", "--declared", declared.to_str().unwrap()]);
    assert_eq!(code, 1);
    let ids = finding_ids(&v);
    for want in ["undeclared/tcp/21", "undeclared/tcp/23", "undeclared/tcp/1883", "declared-missing/tcp/8443"] {
        assert!(ids.contains(&want.to_string()), "missing {want}: {ids:?}");
    }
    assert!(!ids.contains(&"undeclared/tcp/80".to_string()), "{ids:?}");
}

#[test]
fn the_hardened_device_shows_only_its_two_services() {
    let mut p = Profile::hardened().unwrap_or_else(|e| panic!("the hardened test device cannot run here: {e}"));
    let addr = p.device.addr.to_string();
    let (code, v) = scan(&[&addr]);
    p.check_running().unwrap();
    assert_eq!(open_tcp(&v), vec![22, 443]);
    assert_eq!(open_tcp(&v), nmap_open_tcp(&addr), "starmark and nmap disagree");
    let ssh = service_of(&v, 22);
    assert!(ssh.0 == "ssh" && ssh.1.contains("OpenSSH"), "{ssh:?}");
    assert_eq!(service_of(&v, 443).0, "tls");
    // Every protocol check that applies ran to the end and found nothing.
    let ran: Vec<(String, u64, String)> = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (c["check"].as_str().unwrap().into(), c["port"].as_u64().unwrap(), c["status"].as_str().unwrap().into())
        })
        .collect();
    assert_eq!(
        ran,
        vec![
            ("ssh".into(), 22, "completed".into()),
            ("tls".into(), 443, "completed".into()),
            ("http".into(), 443, "completed".into())
        ]
    );
    let certificate = &v["checks"][1]["data"]["certificate"];
    assert_eq!(certificate["key_type"], "EC", "{certificate}");
    assert_eq!(certificate["self_signed"], true, "{certificate}");
    assert!(v["udp"]["ports"].as_array().unwrap().iter().all(|u| u["state"] == "closed"), "{v:#}");
    assert_eq!(nmap_open_udp(&addr), Vec::<u64>::new(), "nmap finds no UDP service either");
    let ids = finding_ids(&v);
    assert_eq!(ids, vec!["exposed/tcp/22", "exposed/tcp/443"], "only its two services, nothing risky or weak");
    assert_eq!(code, 0, "nothing needs attention");
    criteria_exist(&v);
}

#[test]
fn the_brute_force_test_tells_a_lockout_from_no_resistance() {
    let mut p = Profile::weak().unwrap_or_else(|e| panic!("the weak test device cannot run here: {e}"));
    // Telnet locks a client out at its sixth connection in a minute: the
    // scan, identification and the factory login take three, so the third
    // wrong login is the first refused. FTP never locks out.
    p.device.lock_out_after(23, 5).unwrap();
    let addr = p.device.addr.to_string();
    let (code, v) = scan(&[
        &addr,
        "-p",
        "21,23",
        "--checks",
        "credentials",
        "--login-pace",
        "100ms",
        "--danger-brute-force-test",
        "--brute-force-attempts",
        "6",
        "--brute-force-pace",
        "200ms",
    ]);
    p.check_running().unwrap();
    assert_eq!(code, 1, "{:#}", v["checks"]);
    let ftp = finding(&v, "bruteforce/no-resistance/tcp/21");
    assert!(ftp["criteria"].as_array().unwrap().iter().any(|c| c == "S1.1-04"), "{ftp}");
    let telnet = finding(&v, "bruteforce/resists/tcp/23");
    assert!(telnet["title"].as_str().unwrap().contains("locks out at wrong login 3"), "{telnet}");
    // The timings are the evidence, attempt by attempt.
    let check =
        v["checks"].as_array().unwrap().iter().find(|c| c["check"] == "brute-force" && c["port"] == 21).unwrap();
    let timings = check["data"]["timings"].as_array().unwrap();
    assert_eq!(timings.len(), 6, "{check:#}");
    assert!(timings.iter().all(|t| t["outcome"] == "refused"), "{check:#}");
    let starts: Vec<u64> = timings.iter().map(|t| t["at_ms"].as_u64().unwrap()).collect();
    assert!(starts.windows(2).all(|w| w[1] >= w[0] + 200), "the stated pace holds: {starts:?}");
    assert_eq!(check["data"]["verdict"]["verdict"], "no_resistance");
    // Without the flag, no wrong login is ever sent.
    let (_, quiet) = scan(&[&addr, "-p", "21", "--checks", "credentials", "--login-pace", "100ms"]);
    assert!(quiet["checks"].as_array().unwrap().iter().all(|c| c["check"] != "brute-force"), "{:#}", quiet["checks"]);
}
