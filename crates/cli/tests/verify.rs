//! `starmark verify` and `starmark monitor` against real `serve` processes:
//! a granted label verifies, a revoked one is reported revoked, each kind
//! of tampering is refused with its reason, a fork is caught with both
//! checkpoints kept, and a key rotation keeps old statements verifiable.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

use std::path::{Path, PathBuf};
use std::process::{Child, Command};

use serde_json::Value;

mod common;
use common::{bin, cli, serve_with, setup};

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/star-1-home-camera/checklist.toml");
const ORIGIN: &str = "verify.test.example/log";

fn starmark(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(bin())
        .args(args)
        .env_remove("STARMARK_REGISTRY")
        .env_remove("STARMARK_REGISTRY_KEY")
        .env_remove("STARMARK_LOG_KEY_FILE")
        .env_remove("STARMARK_CATALOG")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn key_generate(dir: &Path, name: &str, file: &str) -> (PathBuf, PathBuf) {
    let key = dir.join(file);
    let (code, out, err) = starmark(&["admin", "key", "generate", "--name", name, "--out", key.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let public = PathBuf::from(format!("{}.pub", key.display()));
    assert_eq!(std::fs::read_to_string(&public).unwrap().trim(), out.trim());
    (key, public)
}

struct Registry {
    server: Child,
    url: String,
    tokens: common::Tokens,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

fn registry(db: &str, key: &Path) -> Registry {
    let tokens = setup(db);
    let (server, url) = serve_with(db, &["--log-key-file", key.to_str().unwrap()]);
    Registry { server, url, tokens }
}

fn grant(r: &Registry) -> String {
    let (code, app) = cli(&r.url, &r.tokens.vendor, &["apply", EXAMPLE]);
    assert_eq!(code, 0, "{app}");
    let id = app["id"].as_str().unwrap();
    assert_eq!(cli(&r.url, &r.tokens.liaison, &["owner", "inquiry", id, "--outcome", "cleared"]).0, 0);
    let (code, label) = cli(&r.url, &r.tokens.reviewer, &["owner", "grant", id]);
    assert_eq!(code, 0, "{label}");
    label["id"].as_str().unwrap().to_string()
}

fn verify(args: &[&str]) -> (i32, Value, String) {
    let mut all = vec!["verify", "--json"];
    all.extend_from_slice(args);
    let (code, out, err) = starmark(&all);
    (code, serde_json::from_str(&out).unwrap_or(Value::Null), err)
}

/// Rewrites a bundle file with `f` applied to its JSON.
fn tampered(dir: &Path, bundle: &Path, name: &str, f: impl FnOnce(&mut Value)) -> PathBuf {
    let mut v: Value = serde_json::from_slice(&std::fs::read(bundle).unwrap()).unwrap();
    f(&mut v);
    let out = dir.join(name);
    std::fs::write(&out, serde_json::to_vec(&v).unwrap()).unwrap();
    out
}

#[test]
fn verify_confirms_reports_revocation_and_refuses_tampering() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (key, public) = key_generate(d, ORIGIN, "log.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600, "the key is private");
    }
    // Never over an existing key.
    let (code, _, err) = starmark(&["admin", "key", "generate", "--name", ORIGIN, "--out", key.to_str().unwrap()]);
    assert_ne!(code, 0);
    assert!(err.contains("must not exist yet"), "{err}");
    let (code, shown, _) = starmark(&["admin", "key", "show", "--log-key-file", key.to_str().unwrap()]);
    assert_eq!((code, shown.trim()), (0, std::fs::read_to_string(&public).unwrap().trim()));

    let db = format!("sqlite://{}", d.join("r.db").display());
    let r = registry(&db, &key);
    let valid = grant(&r);
    let revoked = grant(&r);
    let pubkey = public.to_str().unwrap();

    // A stale checkpoint, kept for later: the log as it was before the revocation.
    let early = d.join("early.json");
    let (code, _, err) =
        verify(&[&valid, "--registry", &r.url, "--registry-key", pubkey, "--save-bundle", early.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    // And the to-be-revoked label's bundle from before its revocation.
    let before = d.join("before.json");
    let (code, _, err) =
        verify(&[&revoked, "--registry", &r.url, "--registry-key", pubkey, "--save-bundle", before.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");

    let (code, revoke) = cli(&r.url, &r.tokens.vendor, &["report-change", &revoked, "--description", "new firmware"]);
    assert_eq!(code, 0, "{revoke}");

    // Online: valid → 0, revoked → 1, by ID or by the product page URL.
    let (code, v, err) = verify(&[&valid, "--registry", &r.url, "--registry-key", pubkey]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(v["verified"], true);
    assert_eq!(v["result"]["status"], "valid");
    assert_eq!(v["result"]["statement"]["event"], "label_granted");
    assert_eq!(v["result"]["record"]["product"]["model_numbers"][0], "HC-200");
    let page = format!("{}/labels/{revoked}?lang=en", r.url);
    let (code, v, err) = verify(&[&page, "--registry-key", pubkey]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(v["result"]["status"], "revoked");
    assert_eq!(v["result"]["statement"]["event"], "change_reported");
    assert_eq!(v["result"]["statement"]["revocation"]["ground"], "specification_changed");
    // Without the registry's key nothing is verified, whatever else holds.
    let (code, v, _) = verify(&[&valid, "--registry", &r.url]);
    assert_eq!((code, &v["verified"]), (3, &Value::Bool(false)));
    let (code, out, _) = starmark(&["verify", &valid, "--registry", &r.url]);
    assert_eq!(code, 3);
    assert!(out.contains("NOT VERIFIED") && out.contains("--registry-key"), "{out}");
    // Human output says what was checked.
    let (code, out, _) = starmark(&["verify", &revoked, "--registry", &r.url, "--registry-key", pubkey]);
    assert_eq!(code, 1);
    assert!(out.contains(&format!("VERIFIED {revoked}: REVOKED")) && out.contains("new firmware"), "{out}");
    assert!(out.contains("log entry 2 of 3"), "{out}");

    // Offline: the bundle the product page offers.
    let bundle = d.join("bundle.json");
    let (code, _, _) =
        verify(&[&revoked, "--registry", &r.url, "--registry-key", pubkey, "--save-bundle", bundle.to_str().unwrap()]);
    assert_eq!(code, 1);
    let downloaded =
        reqwest::blocking::get(format!("{}/api/v1/labels/{revoked}/bundle", r.url)).unwrap().bytes().unwrap();
    assert_eq!(downloaded.as_ref(), std::fs::read(&bundle).unwrap().as_slice(), "the saved bundle is the download");
    let b = bundle.to_str().unwrap();
    let (code, v, err) = verify(&["--bundle", b, "--registry-key", pubkey]);
    assert_eq!((code, v["result"]["status"].as_str()), (1, Some("revoked")), "{err}");
    assert_eq!(verify(&[&revoked, "--bundle", b, "--registry-key", pubkey]).0, 1);

    // Each tampering, with its reason.
    let other = key_generate(d, ORIGIN, "other.key").1;
    let elsewhere = key_generate(d, "elsewhere.example/log", "elsewhere.key").1;
    let cases: Vec<(PathBuf, &str, &str)> = vec![
        (
            tampered(d, &bundle, "event.json", |v| {
                let leaf =
                    v["entry"]["leaf"].as_str().unwrap().replace("\"status\":\"revoked\"", "\"status\":\"valid\"");
                v["entry"]["leaf"] = leaf.into();
            }),
            pubkey,
            "the label's statement fails: the signature",
        ),
        (
            tampered(d, &bundle, "record.json", |v| {
                let rec = v["entry"]["record"].as_str().unwrap().replace("new firmware", "nothing happened");
                v["entry"]["record"] = rec.into();
            }),
            pubkey,
            "the record does not match",
        ),
        (bundle.clone(), other.to_str().unwrap(), "the key history is not signed by the registry key"),
        (
            bundle.clone(),
            elsewhere.to_str().unwrap(),
            "the bundle is from the log `verify.test.example/log`, but the registry key is for `elsewhere.example/log`",
        ),
        (
            tampered(d, &bundle, "forged.json", |v| {
                let cp = v["checkpoint"].as_str().unwrap();
                let mut lines: Vec<String> = cp.lines().map(String::from).collect();
                lines[2] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".into();
                v["checkpoint"] = format!("{}\n", lines.join("\n")).into();
            }),
            pubkey,
            "the checkpoint is not a valid signed checkpoint",
        ),
        (
            {
                let stale: Value = serde_json::from_slice(&std::fs::read(&early).unwrap()).unwrap();
                tampered(d, &bundle, "stale.json", |v| v["checkpoint"] = stale["checkpoint"].clone())
            },
            pubkey,
            "the inclusion proof fails: it is for a tree of 3 entries, the checkpoint's has 2",
        ),
        (
            tampered(d, &bundle, "size.json", |v| v["inclusion"]["size"] = 2.into()),
            pubkey,
            "the inclusion proof fails: it is for a tree of 2 entries, the checkpoint's has 3",
        ),
        (
            tampered(d, &bundle, "proof.json", |v| {
                v["inclusion"]["hashes"][0] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".into();
            }),
            pubkey,
            "the inclusion proof fails",
        ),
        (
            tampered(d, &bundle, "index.json", |v| v["entry"]["index"] = 0.into()),
            pubkey,
            "the inclusion proof fails: it is for entry 2, not 0",
        ),
        (
            {
                let t = d.join("truncated.json");
                let bytes = std::fs::read(&bundle).unwrap();
                std::fs::write(&t, &bytes[..bytes.len() / 2]).unwrap();
                t
            },
            pubkey,
            "the bundle cannot be read: it ends early",
        ),
        (
            {
                let t = d.join("garbage.json");
                std::fs::write(&t, b"\xff\xfe not json").unwrap();
                t
            },
            pubkey,
            "the bundle cannot be read",
        ),
    ];
    for (file, key, want) in &cases {
        let (code, out, err) = starmark(&["verify", "--bundle", file.to_str().unwrap(), "--registry-key", key]);
        assert_eq!(code, 2, "{}: {out}{err}", file.display());
        assert!(err.contains(want), "{}: want {want:?}, got {err}", file.display());
        assert!(!out.contains("VERIFIED"), "{}: {out}", file.display());
    }
    // The status list. A bundle from before the revocation still opens, but
    // today's status list says revoked: the registry's newer statement
    // cannot be hidden by handing out an old bundle.
    let list_url = format!("{}/status/list.json", r.url);
    let (code, v, err) = verify(&["--bundle", before.to_str().unwrap(), "--registry-key", pubkey]);
    assert_eq!((code, v["result"]["status"].as_str()), (0, Some("valid")), "the old bundle alone: {err}");
    let (code, v, err) =
        verify(&["--bundle", before.to_str().unwrap(), "--registry-key", pubkey, "--status-list", &list_url]);
    assert_eq!((code, v["result"]["status"].as_str()), (1, Some("revoked")), "{err}");
    assert_eq!(v["result"]["status_list"]["revoked"], true);
    assert_eq!(v["result"]["statement"]["event"], "label_granted");
    // An old list with a revoked statement: the registry contradicts itself.
    let old_list = {
        let b: Value = serde_json::from_slice(&std::fs::read(&before).unwrap()).unwrap();
        let f = d.join("old-list.json");
        std::fs::write(&f, serde_json::to_vec(&b["status_list"]).unwrap()).unwrap();
        f
    };
    let (code, _, err) =
        starmark(&["verify", "--bundle", b, "--registry-key", pubkey, "--status-list", old_list.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("the status list fails: the label's statement says revoked, but its bit"), "{err}");
    // A changed list, a list signed by another key, one from the future; an
    // expired list and none at all leave the status unconfirmed.
    let signer = starmark_tlog::note::Signer::parse_private(&std::fs::read_to_string(&key).unwrap()).unwrap();
    let other_signer =
        starmark_tlog::note::Signer::parse_private(&std::fs::read_to_string(d.join("other.key")).unwrap()).unwrap();
    let list_of = |s: &starmark_tlog::note::Signer, from: &str, until: &str| {
        let mut bits = starmark_tlog::status_list::Bitstring::for_indexes(Some(1));
        bits.set(1, true);
        starmark_tlog::status_list::credential(&list_url, &bits, from, until, s).unwrap()
    };
    let changed = tampered(d, &bundle, "list-changed.json", |v| {
        v["status_list"]["validUntil"] = "2099-01-01T00:00:00Z".into();
    });
    let foreign = tampered(d, &bundle, "list-foreign.json", |v| {
        v["status_list"] = list_of(&other_signer, "2026-01-01T00:00:00Z", "2099-01-01T00:00:00Z");
    });
    let future = tampered(d, &bundle, "list-future.json", |v| {
        v["status_list"] = list_of(&signer, "2098-01-01T00:00:00Z", "2099-01-01T00:00:00Z");
    });
    for (file, want) in [
        (&changed, "the status list fails: the proof does not verify: the signature does not match"),
        (&foreign, "the status list fails: the proof does not verify: it is issued by"),
        (&future, "in the future"),
    ] {
        let (code, _, err) = starmark(&["verify", "--bundle", file.to_str().unwrap(), "--registry-key", pubkey]);
        assert_eq!(code, 2, "{}", file.display());
        assert!(err.contains(want), "{}: want {want:?}, got {err}", file.display());
    }
    let expired_list = tampered(d, &early, "list-expired.json", |v| {
        v["status_list"] = list_of(&signer, "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z");
    });
    let (code, out, _) = starmark(&["verify", "--bundle", expired_list.to_str().unwrap(), "--registry-key", pubkey]);
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("NOT CONFIRMED NOW: the status list expired at 2026-01-02T00:00:00Z"), "{out}");
    // A list signed by the registry's key an hour ago is still within its
    // validity, but too old to say the label is valid *now*.
    let hour_ago = jiff::Timestamp::now().checked_sub(jiff::SignedDuration::from_hours(1)).unwrap().to_string();
    let in_a_day = jiff::Timestamp::now().checked_add(jiff::SignedDuration::from_hours(23)).unwrap().to_string();
    let old_list = tampered(d, &early, "list-old.json", |v| v["status_list"] = list_of(&signer, &hour_ago, &in_a_day));
    let (code, out, _) = starmark(&["verify", "--bundle", old_list.to_str().unwrap(), "--registry-key", pubkey]);
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("60 minutes old; one at most 15 minutes old confirms a label"), "{out}");
    let (code, _, _) = starmark(&[
        "verify",
        "--bundle",
        old_list.to_str().unwrap(),
        "--registry-key",
        pubkey,
        "--max-status-age",
        "90",
    ]);
    assert_eq!(code, 0, "a longer accepted age takes it");
    // The same key under another log name: the list is not this log's.
    let renamed = {
        use base64::Engine;
        let text = std::fs::read_to_string(&key).unwrap();
        // PRIVATE+KEY+NAME+KEYID+BASE64, and base64 may itself hold `+`.
        let material =
            base64::engine::general_purpose::STANDARD.decode(text.trim().splitn(5, '+').nth(4).unwrap()).unwrap();
        let seed: [u8; 32] = material[1..].try_into().unwrap();
        starmark_tlog::note::Signer::new("other.example/log", starmark_tlog::note::SigningKey::from_bytes(&seed))
            .unwrap()
    };
    let renamed_list = tampered(d, &early, "list-renamed.json", |v| {
        v["status_list"] = list_of(&renamed, "2026-01-01T00:00:00Z", "2099-01-01T00:00:00Z");
    });
    let (code, _, err) = starmark(&["verify", "--bundle", renamed_list.to_str().unwrap(), "--registry-key", pubkey]);
    assert_eq!(code, 2);
    assert!(err.contains("the status list fails: it is the list of the log `other.example/log`"), "{err}");
    let no_list = tampered(d, &early, "list-none.json", |v| {
        v.as_object_mut().unwrap().remove("status_list");
    });
    let (code, out, _) = starmark(&["verify", "--bundle", no_list.to_str().unwrap(), "--registry-key", pubkey]);
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("NOT CONFIRMED NOW: the bundle carries no status list"), "{out}");
    // A fresh list confirms it again.
    let (code, _, err) = starmark(&[
        "verify",
        "--bundle",
        no_list.to_str().unwrap(),
        "--registry-key",
        pubkey,
        "--status-list",
        &list_url,
    ]);
    assert_eq!(code, 0, "{err}");

    // Text from a bundle never reaches the terminal raw.
    let hostile = tampered(d, &bundle, "hostile.json", |v| {
        v["label"] = "\u{1b}[2K\rVERIFIED STAR1-2026-000001X: VALID".into();
    });
    let (code, out, err) = starmark(&["verify", "--bundle", hostile.to_str().unwrap(), "--registry-key", pubkey]);
    assert_eq!(code, 2);
    assert!(!err.contains('\u{1b}') && !err.contains('\r') && err.contains("\\u{1b}"), "{err:?}");
    assert!(out.is_empty(), "{out}");

    // A bundle of another label than the one asked about.
    let (code, _, err) = starmark(&["verify", &valid, "--bundle", b, "--registry-key", pubkey]);
    assert_eq!(code, 2);
    assert!(err.contains(&format!("the statement is about {revoked}, not {valid}")), "{err}");
    // Unknown labels and unreadable keys are plain errors, not verdicts.
    let (code, _, err) = starmark(&["verify", "STAR1-2026-999999X", "--registry", &r.url, "--registry-key", pubkey]);
    assert_ne!(code, 0);
    assert!(err.contains("404"), "{err}");
    let (code, _, err) = starmark(&["verify", &valid, "--registry", &r.url, "--registry-key", key.to_str().unwrap()]);
    assert_ne!(code, 0);
    assert!(err.contains("not a verifier key: it is a private log key"), "{err}");
    assert!(!err.contains(std::fs::read_to_string(&key).unwrap().trim()), "the secret was printed");
}

#[test]
fn monitor_accepts_growth_and_reports_a_fork_with_both_checkpoints() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (key, public) = key_generate(d, ORIGIN, "log.key");
    let pubkey = public.to_str().unwrap();
    let main = registry(&format!("sqlite://{}", d.join("main.db").display()), &key);
    grant(&main);
    let state = d.join("state/monitor.checkpoint");
    let st = state.to_str().unwrap();
    let monitor = |url: &str| starmark(&["monitor", "--registry", url, "--registry-key", pubkey, "--state", st]);

    let (code, out, err) = monitor(&main.url);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("first run"), "{out}");
    grant(&main);
    grant(&main);
    let (code, out, err) = monitor(&main.url);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("consistent: 1 → 3 entries; checked label_granted ×2"), "{out}");
    let (code, out, _) = monitor(&main.url);
    assert_eq!((code, out.trim()), (0, "consistent: 3 → 3 entries"));
    // One run at a time per state file.
    let held = nix::fcntl::Flock::lock(
        std::fs::File::open(format!("{}.lock", state.display())).unwrap(),
        nix::fcntl::FlockArg::LockExclusiveNonblock,
    )
    .unwrap();
    let (code, _, err) = monitor(&main.url);
    assert_ne!(code, 0);
    assert!(err.contains("another monitor run holds"), "{err}");
    drop(held);

    // The same key serving another history (a registry that rewrote its
    // log): longer, equal and shorter forks are all caught.
    let fork = registry(&format!("sqlite://{}", d.join("fork.db").display()), &key);
    for _ in 0..4 {
        grant(&fork);
    }
    let kept = std::fs::read_to_string(&state).unwrap();
    let (code, out, _) = monitor(&fork.url);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("UNPROVEN: the registry's proof that 4 entries extend the kept 3 does not verify"), "{out}");
    assert_eq!(std::fs::read_to_string(&state).unwrap(), kept, "a fork never replaces the kept checkpoint");
    let evidence: Vec<PathBuf> = std::fs::read_dir(d.join("state"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains("unproven-"))
        .collect();
    assert_eq!(evidence.len(), 1);
    let ev = std::fs::read_to_string(&evidence[0]).unwrap();
    let kept_checkpoint: Value = serde_json::from_str(&kept).unwrap();
    assert!(ev.contains(kept_checkpoint["checkpoint"].as_str().unwrap()), "{ev}");
    assert!(ev.contains(&format!("{ORIGIN}\n4\n")), "{ev}");

    let small = registry(&format!("sqlite://{}", d.join("small.db").display()), &key);
    grant(&small);
    let (code, out, _) = monitor(&small.url);
    assert_eq!(code, 1);
    assert!(out.contains("UNPROVEN: the registry served an older checkpoint (1 entries; 3 kept)"), "{out}");
    grant(&small);
    grant(&small);
    let (code, out, _) = monitor(&small.url);
    assert_eq!(code, 1);
    assert!(out.contains("FORK: two different signed trees of 3 entries"), "{out}");

    // A checkpoint signed by another key is not accepted at all.
    let other = key_generate(d, ORIGIN, "other.key").1;
    let (code, _, err) =
        starmark(&["monitor", "--registry", &main.url, "--registry-key", other.to_str().unwrap(), "--state", st]);
    assert_ne!(code, 0);
    assert!(err.contains("does not verify"), "{err}");
}

#[test]
fn a_rotated_key_keeps_old_statements_verifiable() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (old_key, old_pub) = key_generate(d, ORIGIN, "old.key");
    let db = format!("sqlite://{}", d.join("r.db").display());
    let first = registry(&db, &old_key);
    let label = grant(&first);
    // A monitor that started under the old key.
    let state = d.join("monitor.checkpoint");
    let st = state.to_str().unwrap();
    let monitor = |url: &str, key: &Path| {
        starmark(&["monitor", "--registry", url, "--registry-key", key.to_str().unwrap(), "--state", st])
    };
    assert_eq!(monitor(&first.url, &old_pub).0, 0);
    let tokens = common::Tokens {
        vendor: first.tokens.vendor.clone(),
        reviewer: first.tokens.reviewer.clone(),
        liaison: first.tokens.liaison.clone(),
    };
    drop(first);

    let (new_key, new_pub) = key_generate(d, ORIGIN, "new.key");
    let (server, url) = serve_with(&db, &["--log-key-file", new_key.to_str().unwrap()]);
    let second = Registry { server, url: url.clone(), tokens };
    // After the rotation the monitor, given the new key, still opens its
    // kept checkpoint (signed by the old key, named in the history) and
    // checks the new entries, signed by the new key.
    grant(&second);
    let (code, out, err) = monitor(&url, &new_pub);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("consistent: 1 → 2 entries; checked label_granted ×1"), "{out}");
    // The statement was signed by the old key; the history signed by the new
    // one names it, so the new key alone verifies it.
    let (code, v, err) = verify(&[&label, "--registry", &url, "--registry-key", new_pub.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let old_id = std::fs::read_to_string(&old_pub).unwrap().split('+').nth(1).unwrap().to_string();
    assert!(v["result"]["statement"]["record_sha256"].is_string());
    let (_, out, _) = starmark(&["verify", &label, "--registry", &url, "--registry-key", new_pub.to_str().unwrap()]);
    assert!(out.contains(&format!("VERIFIED {label}: VALID")), "{out}");
    let history = reqwest::blocking::get(format!("{url}/.well-known/starmark-log-keys")).unwrap().text().unwrap();
    assert_eq!(history.lines().filter(|l| l.starts_with(ORIGIN)).count(), 3, "origin line and two keys: {history}");
    assert!(history.contains(&old_id));
    // Someone still holding only the old key is told why it fails.
    let (code, v, _) = verify(&[&label, "--registry", &url, "--registry-key", old_pub.to_str().unwrap()]);
    assert_eq!((code, &v["verified"]), (2, &Value::Bool(false)));
    assert!(v["error"].as_str().unwrap().contains("the key history is not signed by the registry key"), "{v}");
}

/// The key beside a SQLite database is made on the first start only: a
/// log that was signed never silently gets a new key; key files others
/// can change are refused; `generate` never overwrites.
#[test]
fn the_default_key_is_made_once_and_guarded() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let db_path = d.join("r.db");
    let db = format!("sqlite://{}", db_path.display());
    let tokens = setup(&db);
    let (mut server, url) = common::serve(&db);
    let r = Registry { server: Command::new("true").spawn().unwrap(), url, tokens };
    grant(&r);
    server.kill().unwrap();
    server.wait().unwrap();
    let key = PathBuf::from(format!("{}.log-key", db_path.display()));
    assert!(key.exists() && PathBuf::from(format!("{}.pub", key.display())).exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o666)).unwrap();
        let (code, _, err) = starmark(&["serve", "--listen", "127.0.0.1:0", "--database-url", &db]);
        assert_ne!(code, 0);
        assert!(err.contains("can be changed by other users (mode 666)"), "{err}");
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    std::fs::rename(&key, d.join("moved.key")).unwrap();
    let (code, _, err) = starmark(&["serve", "--listen", "127.0.0.1:0", "--database-url", &db]);
    assert_ne!(code, 0);
    assert!(err.contains("but its key file") && err.contains("is missing"), "{err}");
    assert!(!key.exists(), "no new key was made");
    // `generate` refuses an existing FILE.pub too.
    std::fs::write(d.join("fresh.key.pub"), "keep me").unwrap();
    let (code, _, err) =
        starmark(&["admin", "key", "generate", "--name", ORIGIN, "--out", d.join("fresh.key").to_str().unwrap()]);
    assert_ne!(code, 0);
    assert!(err.contains("fresh.key.pub (it must not exist yet)"), "{err}");
    assert_eq!(std::fs::read_to_string(d.join("fresh.key.pub")).unwrap(), "keep me");
}

/// A registry (here a static file server) that shows a newer checkpoint
/// but no consistency proof: the monitor keeps both as evidence.
#[test]
fn monitor_reports_an_unproven_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (key, public) = key_generate(d, ORIGIN, "log.key");
    let main = registry(&format!("sqlite://{}", d.join("main.db").display()), &key);
    grant(&main);
    let state = d.join("monitor.checkpoint");
    let args = |url: &str| {
        vec![
            "monitor".to_string(),
            "--registry".into(),
            url.to_string(),
            "--registry-key".into(),
            public.to_str().unwrap().to_string(),
            "--state".into(),
            state.to_str().unwrap().to_string(),
        ]
    };
    let run = |url: &str| {
        let a = args(url);
        starmark(&a.iter().map(String::as_str).collect::<Vec<_>>())
    };
    assert_eq!(run(&main.url).0, 0);
    // A signed checkpoint of 5 entries, served as a plain file.
    let signer = starmark_tlog::note::Signer::parse_private(&std::fs::read_to_string(&key).unwrap()).unwrap();
    let www = d.join("www");
    std::fs::create_dir_all(www.join("log")).unwrap();
    let cp = starmark_tlog::checkpoint::Checkpoint { origin: ORIGIN.into(), size: 5, root: [9; 32] };
    std::fs::write(www.join("log/checkpoint"), cp.sign(&signer).unwrap()).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut files = Command::new("python3")
        .args(["-m", "http.server", "--bind", "127.0.0.1", &port.to_string(), "--directory"])
        .arg(&www)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("python3 is needed for this test");
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let kept = std::fs::read_to_string(&state).unwrap();
    let (code, out, err) = run(&url);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("UNPROVEN: the registry's proof that 5 entries extend the kept 1 does not verify"), "{out}");
    assert_eq!(std::fs::read_to_string(&state).unwrap(), kept);

    // Now a consistent tree of 2 whose second entry is not a statement of
    // this registry, then one whose entries do not make the signed tree.
    use starmark_tlog::merkle::{Tree, leaf_hash};
    let leaf0: Value = reqwest::blocking::get(format!("{}/api/v1/log/entries/0", main.url)).unwrap().json().unwrap();
    let leaf0 = leaf0["leaf"].as_str().unwrap().as_bytes().to_vec();
    let bundle = |leaves: &[&[u8]]| {
        let mut b = Vec::new();
        for l in leaves {
            b.extend_from_slice(&(l.len() as u16).to_be_bytes());
            b.extend_from_slice(l);
        }
        b
    };
    let serve_tree = |signed: &[&[u8]], served: &[&[u8]]| {
        let mut t = Tree::new();
        for l in signed {
            t.push(leaf_hash(l));
        }
        let cp = starmark_tlog::checkpoint::Checkpoint { origin: ORIGIN.into(), size: 2, root: t.root(2).unwrap() };
        std::fs::write(www.join("log/checkpoint"), cp.sign(&signer).unwrap()).unwrap();
        std::fs::create_dir_all(www.join("api/v1/log/proof")).unwrap();
        let hashes: Vec<String> = t
            .consistency_proof(1, 2)
            .unwrap()
            .iter()
            .map(|h| base64::Engine::encode(&base64::engine::general_purpose::STANDARD, h))
            .collect();
        let proof = serde_json::json!({"old": 1, "new": 2, "hashes": hashes});
        std::fs::write(www.join("api/v1/log/proof/consistency"), proof.to_string()).unwrap();
        std::fs::create_dir_all(www.join("log/tile/entries/000.p")).unwrap();
        std::fs::write(www.join("log/tile/entries/000.p/2"), bundle(served)).unwrap();
    };
    let bogus: &[u8] = br#"{"label":"STAR1-2026-000009X","status":"valid"}"#;
    serve_tree(&[&leaf0, bogus], &[&leaf0, bogus]);
    let (code, out, err) = run(&url);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("BAD: entry 1 is not a valid statement of this registry"), "{out}");
    assert_eq!(std::fs::read_to_string(&state).unwrap(), kept);
    // A validly signed statement, but not the one the checkpoint signs.
    let other_leaf = {
        let mut st: Value = serde_json::from_str(&String::from_utf8(leaf0.clone()).unwrap()).unwrap();
        st["statement"]["at"] = "2026-11-28T09:00:00Z".into();
        starmark_tlog::statement::sign(&st["statement"], &signer).unwrap()
    };
    serve_tree(&[&leaf0, bogus], &[&leaf0, &other_leaf]);
    let (code, out, err) = run(&url);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("BAD: the 2 entries served do not make the signed tree"), "{out}");
    assert_eq!(std::fs::read_to_string(&state).unwrap(), kept);

    // The real log grows to 3; then a cache serves its old checkpoint of 1
    // with the proof that it is a prefix: stale, not a fork; nothing moves.
    let first_checkpoint: Value = serde_json::from_str(&kept).unwrap();
    grant(&main);
    grant(&main);
    let (code, out, err) = run(&main.url);
    assert_eq!(code, 0, "{out}{err}");
    let grown = std::fs::read_to_string(&state).unwrap();
    std::fs::write(www.join("log/checkpoint"), first_checkpoint["checkpoint"].as_str().unwrap()).unwrap();
    let prefix = reqwest::blocking::get(format!("{}/api/v1/log/proof/consistency?old=1&new=3", main.url))
        .unwrap()
        .text()
        .unwrap();
    std::fs::write(www.join("api/v1/log/proof/consistency"), prefix).unwrap();
    let (code, out, err) = run(&url);
    let _ = files.kill();
    let _ = files.wait();
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("stale: the registry served an older checkpoint (1 entries), proved a prefix of the kept one (3)"),
        "{out}"
    );
    assert_eq!(std::fs::read_to_string(&state).unwrap(), grown);
}
