//! The `starmark` binary, run as a user runs it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/star-1-home-camera/checklist.toml");

fn starmark() -> Command {
    let mut c = Command::cargo_bin("starmark").unwrap();
    c.env_remove("STARMARK_CATALOG");
    c
}

fn json_of(cmd: &mut Command) -> Value {
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn criteria_list_star_1_is_exactly_the_sixteen() {
    let v = json_of(starmark().args(["criteria", "list", "--scheme", "star-1", "--json"]));
    let ids: Vec<&str> = v["requirements"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    let expected: Vec<String> = (1..=16).map(|n| format!("S1.1-{n:02}")).collect();
    assert_eq!(ids, expected);
    assert_eq!(v["catalog"]["version"], "1.1");
}

#[test]
fn criteria_list_and_show() {
    starmark().args(["criteria", "list"]).assert().success().stdout(predicate::str::contains("etsi-en-303-645"));
    starmark().args(["criteria", "show", "S1.1-04"]).assert().success().stdout(
        predicate::str::contains("device_check")
            .and(predicate::str::contains("covers etsi-en-303-645 2.1.1: [\"5.1-5\"] (inferred)")),
    );
    let v = json_of(starmark().args(["criteria", "show", "5.1-1", "--json"]));
    // 5.1-1 is an ETSI provision and a Singapore CLS level-1 requirement.
    let catalogs: Vec<&str> = v.as_array().unwrap().iter().map(|x| x["catalog"].as_str().unwrap()).collect();
    assert_eq!(catalogs, ["etsi-en-303-645", "sg-cls"]);
    assert_eq!(v[0]["status"], "M C (1)");
    starmark()
        .args(["criteria", "show", "S9.9-99"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no requirement `S9.9-99`"));
    starmark().args(["criteria", "list", "--scheme", "nope"]).assert().code(2);
    starmark()
        .args(["criteria", "validate"])
        .assert()
        .success()
        .stdout(predicate::str::contains("catalog OK (embedded)"));
}

#[test]
fn new_template_fails_the_check_naming_each_unanswered_item_and_the_example_passes() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("checklist.toml");
    starmark()
        .args(["checklist", "new", "--level", "star-1", "--out"])
        .arg(&file)
        .assert()
        .success()
        .stderr(predicate::str::contains("16 criteria"));
    let out = starmark().args(["checklist", "check"]).arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    for n in 1..=16 {
        assert!(text.contains(&format!("S1.1-{n:02} is not answered")), "S1.1-{n:02} not named in:\n{text}");
    }
    assert!(text.contains("the format check FAILED"));
    // Refuses to overwrite without --force.
    starmark()
        .args(["checklist", "new", "--out"])
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--force"));
    starmark().args(["checklist", "new", "--force", "--out"]).arg(&file).assert().success();

    starmark()
        .args(["checklist", "check", EXAMPLE])
        .assert()
        .success()
        .stdout(predicate::str::contains("0 error(s), 0 warning(s); the format check passed"));
}

#[test]
fn check_json_report_and_json_input() {
    let v = json_of(starmark().args(["checklist", "check", "--json", "--as-of", "2026-11-27", EXAMPLE]));
    assert_eq!(v["passed"], true);
    assert_eq!(v["checked_on"], "2026-11-27");

    // The same checklist as JSON, from standard input.
    let toml_text = std::fs::read_to_string(EXAMPLE).unwrap();
    let model: Value = toml::from_str(&toml_text).unwrap();
    let json_text = serde_json::to_string(&model).unwrap();
    starmark().args(["checklist", "check", "-"]).write_stdin(json_text).assert().success();

    // A failing one: every problem with severity, code, pointer and line.
    let broken = toml_text.replacen("verdict = \"conforms\"", "verdict = \"inconclusive\"", 1).replacen(
        "code = \"VN\"",
        "code = \"Viet Nam\"",
        1,
    );
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("c.toml");
    std::fs::write(&f, &broken).unwrap();
    let out = starmark().args(["checklist", "check", "--json"]).arg(&f).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["errors"], 2);
    let codes: Vec<&str> = v["problems"].as_array().unwrap().iter().map(|p| p["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["country-code-invalid", "verdict-not-conforming"]);
    let p = &v["problems"][1];
    assert_eq!(p["pointer"], "/items/0/verdict");
    let line = p["line"].as_u64().unwrap() as usize;
    assert_eq!(broken.lines().nth(line - 1).unwrap(), "verdict = \"inconclusive\"");
}

#[test]
fn bad_input_files() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &[u8], &str); 4] = [
        ("syntax.toml", b"format = \n", "error[syntax]"),
        ("sjis.toml", b"format = \"\x83\x65\"\n", "error[not-utf8]"),
        ("unknown.json", br#"{"format": "starmark-checklist/1", "levle": "star-1"}"#, "unknown field `levle`"),
        ("type.toml", b"items = 3\n", "error[shape]"),
    ];
    for (name, bytes, expect) in cases {
        let f = dir.path().join(name);
        std::fs::write(&f, bytes).unwrap();
        starmark().args(["checklist", "check"]).arg(&f).assert().code(1).stdout(predicate::str::contains(expect));
        let out = starmark().args(["checklist", "check", "--json"]).arg(&f).output().unwrap();
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["passed"], false, "{name}");
    }
    let big = dir.path().join("big.toml");
    std::fs::write(&big, vec![b'#'; 2 * 1024 * 1024]).unwrap();
    starmark()
        .args(["checklist", "check"])
        .arg(&big)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("error[too-large]"));
    starmark()
        .args(["checklist", "check", "/nonexistent/checklist.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot open"));
    starmark().args(["checklist", "check", "--as-of", "2026-02-30", EXAMPLE]).assert().code(2);
    starmark().args(["checklist", "new", "--level", "star-9"]).assert().code(2);
}

#[test]
fn map_to_uk_psti_accounts_for_all_three_requirements() {
    let v = json_of(starmark().args(["map", "--from", "star-1", "--to", "uk-psti", "--json"]));
    let targets = v["targets"].as_array().unwrap();
    let got: Vec<(&str, &str, &str)> = targets
        .iter()
        .map(|t| {
            (t["id"].as_str().unwrap(), t["covered_by"][0]["from"].as_str().unwrap(), t["basis"].as_str().unwrap())
        })
        .collect();
    assert_eq!(
        got,
        [
            ("psti-passwords", "S1.1-02", "inferred"),
            ("psti-vulnerability-reporting", "S1.1-05", "inferred"),
            ("psti-support-period", "S1.1-09", "hypothesis"),
        ]
    );
    assert_eq!(v["summary"]["gaps"], 0);
    assert!(v["official_statement"]["en"].as_str().unwrap().contains("mutual recognition"));
}

#[test]
fn map_to_levels_and_other_schemes() {
    let cls1 = json_of(starmark().args(["map", "--to", "sg-cls-1", "--json"]));
    assert_eq!(cls1["summary"]["targets"], 13);
    assert_eq!(cls1["level"], 1);
    let cls2 = json_of(starmark().args(["map", "--to", "sg-cls-2", "--json"]));
    assert_eq!(cls2["summary"]["targets"], 32);
    assert!(cls2["summary"]["gaps"].as_u64().unwrap() > 0, "STAR-1 cannot cover all of CLS level 2");
    for to in ["etsi-en-303-645", "nistir-8425", "eu-cra"] {
        let v = json_of(starmark().args(["map", "--to", to, "--json"]));
        for t in v["targets"].as_array().unwrap() {
            for l in t["covered_by"].as_array().unwrap() {
                assert!(["official", "inferred", "hypothesis"].contains(&l["basis"].as_str().unwrap()));
            }
        }
    }
    starmark().args(["map", "--to", "uk-psti"]).assert().success().stdout(predicate::str::contains("3 of 3 covered"));
    starmark().args(["map", "--to", "sg-cls-9"]).assert().code(2).stderr(predicate::str::contains("levels 1 to 4"));
    starmark().args(["map", "--to", "nope"]).assert().code(2);
}

#[test]
fn a_broken_catalog_directory_is_reported_and_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("catalogs")).unwrap();
    std::fs::write(dir.path().join("scheme.toml"), "[scheme]\nid = 1\n").unwrap();
    starmark()
        .arg("--catalog")
        .arg(dir.path())
        .args(["criteria", "list"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("scheme.toml").and(predicate::str::contains("scheme.id")));
}

#[test]
fn help_on_everything() {
    for args in [
        &["--help"][..],
        &["criteria", "--help"],
        &["criteria", "list", "--help"],
        &["criteria", "show", "--help"],
        &["criteria", "validate", "--help"],
        &["checklist", "--help"],
        &["checklist", "new", "--help"],
        &["checklist", "check", "--help"],
        &["checklist", "schema", "--help"],
        &["map", "--help"],
    ] {
        starmark().args(args).assert().success().stdout(predicate::str::contains("Usage"));
    }
    starmark().arg("frobnicate").assert().code(2);
}

#[test]
fn schema_command_prints_the_published_schema() {
    let out = starmark().args(["checklist", "schema"]).output().unwrap();
    let published =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/checklist.schema.json")).unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), published);
}

#[test]
fn example_evidence_digests_match_the_files() {
    use sha2::Digest;
    let text = std::fs::read_to_string(EXAMPLE).unwrap();
    let base = std::path::Path::new(EXAMPLE).parent().unwrap();
    let mut n = 0;
    for line in text.lines().filter(|l| l.contains("sha256 = ")) {
        let path = line.split("path = \"").nth(1).unwrap().split('"').next().unwrap();
        let hash = line.split("sha256 = \"").nth(1).unwrap().split('"').next().unwrap();
        let actual = hex(&sha2::Sha256::digest(std::fs::read(base.join(path)).unwrap()));
        assert_eq!(actual, hash, "{path}");
        n += 1;
    }
    assert!(n >= 16);
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// `starmark scan` on loopback: the JSON report, the exit codes, and the
/// targets and options it refuses.
#[test]
fn scan_reports_json_and_refuses_what_is_not_one_device() {
    // A small web server: it answers HTTP at once, so identification is quick.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut s in listener.incoming().flatten() {
            use std::io::{Read, Write};
            let mut buf = [0u8; 512];
            let _ = s.set_read_timeout(Some(std::time::Duration::from_millis(200)));
            let _ = s.read(&mut buf);
            let _ = s.write_all(b"HTTP/1.0 200 OK\r\nServer: fake-camera/1.0\r\n\r\n");
        }
    });
    let spec = format!("{}-{}", port.saturating_sub(20), port.saturating_add(20));
    let out = starmark().args(["scan", "127.0.0.1", "-p", &spec, "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "plain HTTP is a finding: exit 1");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v.get("udp").is_none(), "no UDP asked for, none reported");
    let ids: Vec<&str> = v["findings"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert!(
        ids.contains(&format!("exposed/tcp/{port}").as_str()) && ids.contains(&format!("risky/tcp/{port}").as_str()),
        "{ids:?}"
    );
    assert_eq!(v["format"], "starmark-scan/1");
    assert_eq!(v["target"]["address"], "127.0.0.1");
    assert_eq!(v["tcp"]["scanned"], spec.as_str());
    assert_eq!(v["complete"], true);
    let open: Vec<u64> = v["tcp"]["open"].as_array().unwrap().iter().map(|p| p["port"].as_u64().unwrap()).collect();
    assert!(open.contains(&u64::from(port)), "{v}");
    let ours = v["tcp"]["open"].as_array().unwrap().iter().find(|p| p["port"] == u64::from(port)).unwrap();
    assert_eq!(ours["service"]["name"], "http", "{ours}");
    assert_eq!(ours["service"]["detail"], "HTTP/1.0 200 OK; Server: fake-camera/1.0");
    let counts = &v["tcp"]["counts"];
    let total: u64 = ["open", "closed", "filtered", "inconclusive"].iter().map(|k| counts[k].as_u64().unwrap()).sum();
    assert_eq!(total, 41, "every port has exactly one state");
    assert!(v["settings"]["max_window"].as_u64().unwrap() > 0);
    // The text report names the open port and its evidence.
    starmark().args(["scan", "127.0.0.1", "-p", &port.to_string()]).assert().code(1).stdout(
        predicate::str::contains(format!("{port:>5}/tcp  ")).and(predicate::str::contains("TCP handshake completed")),
    );

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("declared.toml");
    std::fs::write(&bad, "format = \"starmark-interfaces/1\"\n[[interface]]\nproto = \"icmp\"\nport = 1\n").unwrap();
    let bad = bad.to_str().unwrap().to_string();
    let creds = dir.path().join("factory.toml");
    std::fs::write(&creds, "format = \"starmark-credentials/1\"\n[[credential]]\nuser = \"admin\"\n").unwrap();
    let creds = creds.to_str().unwrap().to_string();
    let huge = dir.path().join("many.toml");
    std::fs::write(
        &huge,
        format!(
            "format = \"starmark-credentials/1\"\n{}",
            "[[credential]]\nuser = \"a\"\npassword = \"b\"\n".repeat(5000)
        ),
    )
    .unwrap();
    let huge = huge.to_str().unwrap().to_string();
    for (args, says) in [
        (vec!["scan", "127.0.0.1", "--factory-credentials", &creds], "missing field `password`"),
        (vec!["scan", "127.0.0.1", "--factory-credentials", &huge], "at most 20"),
        (vec!["scan", "127.0.0.1", "--factory-credentials", "/nonexistent/f.toml"], "--factory-credentials"),
        (vec!["scan", "127.0.0.1", "--checks", "tls,brute-force"], "no check named \"brute-force\""),
        (vec!["scan", "127.0.0.1", "--login-pace", "fast"], "--login-pace"),
        (vec!["scan", "127.0.0.1", "--brute-force-attempts", "5"], "--danger-brute-force-test"),
        (vec!["scan", "127.0.0.1", "--danger-brute-force-test", "--brute-force-attempts", "0"], "give 1 to 100"),
        (vec!["scan", "127.0.0.1", "--danger-brute-force-test", "--brute-force-attempts", "101"], "give 1 to 100"),
        (vec!["scan", "127.0.0.1", "--danger-brute-force-test", "--brute-force-pace", "0s"], "--brute-force-pace"),
        (vec!["scan", "127.0.0.1", "--declared", &bad], "--declared"),
        (vec!["scan", "127.0.0.1", "--declared", "/nonexistent/list.toml"], "--declared"),
        (vec!["scan", "192.0.2.0/24"], "names more than one device"),
        (vec!["scan", "127.0.0.1,127.0.0.2"], "names more than one device"),
        (vec!["scan", "255.255.255.255"], "broadcast"),
        (vec!["scan", "127.0.0.1", "-p", "0"], "out of range"),
        (vec!["scan", "127.0.0.1", "-p", "U:9999"], "no UDP probe for port 9999"),
        (vec!["scan", "127.0.0.1", "--budget", "0"], "--budget"),
        (vec!["scan", "127.0.0.1", "--max-in-flight", "0"], "--max-in-flight"),
    ] {
        starmark().args(&args).assert().code(2).stderr(predicate::str::contains(says));
    }
}

/// `starmark … | head`: a reader that goes away ends the output quietly,
/// whether the command writes through its own writer or `println!`.
#[test]
fn a_closed_stdout_ends_the_output_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("k");
    let key = key.to_str().unwrap();
    let runs: [&[&str]; 3] = [
        &["checklist", "schema"],
        &["map", "--to", "etsi-en-303-645"],
        &["admin", "key", "generate", "--name", "x.example/log", "--out", key],
    ];
    for args in runs {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("starmark"))
            .args(args)
            .env_remove("STARMARK_CATALOG")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // The reader is gone before anything is written.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{args:?}: {out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked") && !err.contains("Broken pipe"), "{args:?}: {err}");
    }
}
