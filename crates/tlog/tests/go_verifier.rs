//! Checkpoints and proofs checked by an implementation not written here:
//! Go's `golang.org/x/mod/sumdb/note` and `sumdb/tlog` (the formats'
//! origin), built offline from Debian's `golang-go` and
//! `golang-golang-x-mod-dev` (`cargo xtask test` installs both; this test
//! fails rather than skips without them).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

use std::path::Path;
use std::process::Command;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::SigningKey;
use serde_json::{Value, json};
use starmark_tlog::checkpoint::Checkpoint;
use starmark_tlog::merkle::{Tree, leaf_hash};
use starmark_tlog::note::Signer;

const ORIGIN: &str = "registry.starmark.test/labels";
#[path = "go/build.rs"]
mod build;

fn b64s(hashes: &[[u8; 32]]) -> Vec<String> {
    hashes.iter().map(|h| B64.encode(h)).collect()
}

/// A log of `n` entries and the spec for the verifier: checkpoints at
/// `old` and `n`, every inclusion proof, the consistency proof.
fn spec(signer: &Signer, entries: &[Vec<u8>], old: u64) -> Value {
    let mut t = Tree::new();
    for e in entries {
        t.push(leaf_hash(e));
    }
    let n = t.size();
    let head =
        |size: u64| Checkpoint { origin: ORIGIN.into(), size, root: t.root(size).unwrap() }.sign(signer).unwrap();
    json!({
        "vkey": signer.verifier_key(),
        "old": head(old),
        "new": head(n),
        "leaves": entries.iter().map(|e| B64.encode(e)).collect::<Vec<_>>(),
        "inclusion": (0..n).map(|i| b64s(&t.inclusion_proof(i, n).unwrap())).collect::<Vec<_>>(),
        "consistency": b64s(&t.consistency_proof(old, n).unwrap()),
    })
}

fn run(verifier: &Path, dir: &Path, spec: &Value) -> (bool, String) {
    let file = dir.join("spec.json");
    std::fs::write(&file, spec.to_string()).unwrap();
    let o = Command::new(verifier).arg(&file).output().unwrap();
    (o.status.success(), String::from_utf8_lossy(&o.stdout).into_owned())
}

#[test]
fn go_accepts_our_checkpoints_and_proofs_and_rejects_tampering() {
    let dir = tempfile::tempdir().unwrap();
    let verifier = build::go_build(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/go/verify.go"), dir.path());
    let signer = Signer::new(ORIGIN, SigningKey::from_bytes(&[42; 32])).unwrap();
    let entries: Vec<Vec<u8>> =
        (0..37).map(|i| format!(r#"{{"event":"label_granted","seq":{i}}}"#).into_bytes()).collect();

    // Every tree size from 1 to 37 against a few earlier sizes.
    for n in [1usize, 2, 3, 7, 8, 13, 16, 17, 37] {
        for old in [1u64, 4, 7, (n as u64) - 1, n as u64] {
            if old == 0 || old > n as u64 {
                continue;
            }
            let (ok, out) = run(&verifier, dir.path(), &spec(&signer, &entries[..n], old));
            assert!(ok, "{old} -> {n}: {out}");
            assert!(
                out.starts_with(&format!("ok {n} leaves included in tree {n}, consistent with tree {old}")),
                "{out}"
            );
        }
    }

    // Tampering: Go rejects each case, saying why.
    let good = spec(&signer, &entries[..13], 7);
    let mut s = good.clone();
    s["leaves"][5] = B64.encode(b"a rewritten event").into();
    let (ok, out) = run(&verifier, dir.path(), &s);
    assert!(!ok && out.contains("leaf 5: inclusion"), "{out}");

    let other = Signer::new(ORIGIN, SigningKey::from_bytes(&[43; 32])).unwrap();
    let mut s = good.clone();
    s["new"] = spec(&other, &entries[..13], 7)["new"].clone();
    let (ok, out) = run(&verifier, dir.path(), &s);
    assert!(!ok && out.contains("new checkpoint"), "a checkpoint by another key: {out}");

    // A forked history: the old checkpoint of a tree whose entry 3 differs.
    let mut forked = entries[..13].to_vec();
    forked[3] = b"another history".to_vec();
    let mut s = good.clone();
    s["old"] = spec(&signer, &forked, 7)["old"].clone();
    let (ok, out) = run(&verifier, dir.path(), &s);
    assert!(!ok && out.contains("consistency 7 -> 13"), "{out}");

    // A proof for another tree size.
    let mut s = good.clone();
    s["consistency"] = spec(&signer, &entries[..13], 6)["consistency"].clone();
    let (ok, out) = run(&verifier, dir.path(), &s);
    assert!(!ok && out.contains("consistency"), "{out}");
}
