//! Evidence bundles: written, verified, and every kind of tampering found
//! and named; keys and signatures checked by OpenSSL as well.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

use std::path::{Path, PathBuf};
use std::process::Command;

use starmark_evidence::{Key, MANIFEST, SIGNATURE, read_public, verify, write};

struct Fixture {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    key: Key,
    key_path: PathBuf,
    public_path: PathBuf,
}

fn fixture() -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    std::fs::create_dir(&src).unwrap();
    std::fs::write(src.join("scan.json"), br#"{"format": "starmark-scan/1", "findings": []}"#).unwrap();
    std::fs::write(src.join("sbom.cdx.json"), br#"{"bomFormat": "CycloneDX", "specVersion": "1.6"}"#).unwrap();
    std::fs::write(src.join("design.pdf"), b"%PDF-1.7 not really").unwrap();
    let key_path = tmp.path().join("evaluator.key");
    let key = Key::generate().unwrap();
    let public_path = key.write(&key_path).unwrap();
    let dir = tmp.path().join("bundle");
    let files = vec![
        ("scan.json".to_string(), "scan".to_string(), src.join("scan.json")),
        ("sbom/sbom.cdx.json".to_string(), "sbom".to_string(), src.join("sbom.cdx.json")),
        ("documents/design.pdf".to_string(), "document".to_string(), src.join("design.pdf")),
    ];
    write(&dir, &files, &key, "2026-11-28T00:00:00Z".parse().unwrap()).unwrap();
    Fixture { _tmp: tmp, dir, key, key_path, public_path }
}

fn problems(dir: &Path, key: Option<&Path>) -> Vec<String> {
    let expected = key.map(|k| read_public(k).unwrap());
    match verify(dir, expected.as_ref()) {
        Ok(_) => Vec::new(),
        Err(p) => p.iter().map(ToString::to_string).collect(),
    }
}

fn has(problems: &[String], file: &str, says: &str) {
    assert!(
        problems.iter().any(|p| p.starts_with(&format!("{file}: ")) && p.contains(says)),
        "no problem for {file} saying {says:?}: {problems:#?}"
    );
}

#[test]
fn a_bundle_verifies_and_names_its_digest() {
    let f = fixture();
    let b = verify(&f.dir, Some(&read_public(&f.public_path).unwrap())).unwrap();
    assert_eq!(b.manifest.files.len(), 3);
    assert_eq!(b.manifest.signer.key_id, f.key.id());
    assert_eq!(b.manifest.files[0].path, "documents/design.pdf", "sorted by path");
    let digest = sha256_file(&f.dir.join(MANIFEST));
    assert_eq!(b.manifest_sha256, digest, "the digest the registry keeps is the manifest file's");
    // The private key is for its owner only, and a key is never overwritten.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&f.key_path).unwrap().permissions().mode() & 0o777, 0o600);
    }
    assert!(f.key.write(&f.key_path).unwrap_err().to_string().contains("already exists"));
    // A bundle is never written over another.
    assert!(
        write(&f.dir, &[], &f.key, jiff::Timestamp::UNIX_EPOCH).unwrap_err().to_string().contains("already exists")
    );
}

fn sha256_file(p: &Path) -> String {
    let out = Command::new("sha256sum").arg(p).output().unwrap();
    String::from_utf8(out.stdout).unwrap().split_whitespace().next().unwrap().to_string()
}

#[test]
fn every_tampering_is_found_and_named() {
    // A changed evidence file.
    let f = fixture();
    std::fs::write(f.dir.join("scan.json"), br#"{"format": "starmark-scan/1", "findings": [1]}"#).unwrap();
    has(&problems(&f.dir, None), "scan.json", "changed");

    // A missing one, and one added.
    let f = fixture();
    std::fs::remove_file(f.dir.join("documents/design.pdf")).unwrap();
    std::fs::write(f.dir.join("documents/extra.pdf"), b"x").unwrap();
    let p = problems(&f.dir, None);
    has(&p, "documents/design.pdf", "missing");
    has(&p, "documents/extra.pdf", "not in the manifest");

    // The manifest edited to match a changed file: the signature fails.
    let f = fixture();
    let text = std::fs::read_to_string(f.dir.join(MANIFEST)).unwrap();
    std::fs::write(f.dir.join(MANIFEST), text.replace("\"role\": \"scan\"", "\"role\": \"scan2\"")).unwrap();
    has(&problems(&f.dir, None), SIGNATURE, "does not verify");

    // Re-signed by someone else with their own key: valid on its own, but
    // not by the evaluator's key.
    let f = fixture();
    let mallory = Key::generate().unwrap();
    let src = f.dir.parent().unwrap().join("forged");
    std::fs::create_dir(&src).unwrap();
    std::fs::write(src.join("scan.json"), b"{}").unwrap();
    let forged = f.dir.parent().unwrap().join("forged-bundle");
    write(
        &forged,
        &[("scan.json".into(), "scan".into(), src.join("scan.json"))],
        &mallory,
        jiff::Timestamp::UNIX_EPOCH,
    )
    .unwrap();
    assert!(problems(&forged, None).is_empty());
    has(&problems(&forged, Some(&f.public_path)), MANIFEST, &format!("not by the expected key {}", f.key.id()));
    has(&problems(&forged, Some(&f.public_path)), SIGNATURE, "does not verify");

    // A truncated or missing signature, a manifest that is not one.
    let f = fixture();
    std::fs::write(f.dir.join(SIGNATURE), [0u8; 10]).unwrap();
    has(&problems(&f.dir, None), SIGNATURE, "an Ed25519 signature has 64");
    std::fs::remove_file(f.dir.join(SIGNATURE)).unwrap();
    has(&problems(&f.dir, None), SIGNATURE, "cannot be read");
    std::fs::write(f.dir.join(MANIFEST), b"{\"format\": ").unwrap();
    has(&problems(&f.dir, None), MANIFEST, "not a starmark-evidence/1 manifest");
    let empty = f.dir.parent().unwrap().join("empty");
    std::fs::create_dir(&empty).unwrap();
    has(&problems(&empty, None), MANIFEST, "is this an evidence bundle?");
}

#[cfg(unix)]
#[test]
fn links_and_escaping_names_are_refused() {
    let f = fixture();
    std::fs::remove_file(f.dir.join("scan.json")).unwrap();
    std::os::unix::fs::symlink("/etc/hostname", f.dir.join("scan.json")).unwrap();
    let p = problems(&f.dir, None);
    has(&p, "scan.json", "link");

    // Names that would leave the folder are refused when writing…
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("a"), b"a").unwrap();
    for bad in ["../a", "/etc/a", "a//b", "", "manifest.json", "a\\b", "./a"] {
        let e = write(
            &tmp.path().join("b"),
            &[(bad.into(), "x".into(), tmp.path().join("a"))],
            &f.key,
            jiff::Timestamp::UNIX_EPOCH,
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("not allowed")
                || e.to_string().contains("relative")
                || e.to_string().contains("own manifest")
                || e.to_string().contains("1 to 255"),
            "{bad:?}: {e}"
        );
    }
    // …and when a (re-signed) manifest lists them.
    let text = std::fs::read_to_string(f.dir.join(MANIFEST)).unwrap();
    std::fs::write(f.dir.join(MANIFEST), text.replace("\"path\": \"scan.json\"", "\"path\": \"../scan.json\""))
        .unwrap();
    has(&problems(&f.dir, None), MANIFEST, "relative path");
}

#[test]
fn openssl_reads_the_keys_and_verifies_the_signature() {
    let f = fixture();
    // OpenSSL derives the same public key from the private key file.
    let out = Command::new("openssl")
        .args(["pkey", "-in", f.key_path.to_str().unwrap(), "-pubout"])
        .output()
        .expect("openssl (Debian package openssl; `cargo xtask test` installs it)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8(out.stdout).unwrap(), std::fs::read_to_string(&f.public_path).unwrap());
    // And verifies the bundle's signature over the manifest's bytes.
    let verify_with_openssl = |dir: &Path| {
        Command::new("openssl")
            .args(["pkeyutl", "-verify", "-pubin", "-inkey", f.public_path.to_str().unwrap(), "-rawin"])
            .args(["-in", dir.join(MANIFEST).to_str().unwrap(), "-sigfile", dir.join(SIGNATURE).to_str().unwrap()])
            .output()
            .unwrap()
    };
    let out = verify_with_openssl(&f.dir);
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Signature Verified Successfully"));
    // A key OpenSSL made signs bundles too.
    let ossl = f.dir.parent().unwrap().join("openssl.key");
    let out = Command::new("openssl")
        .args(["genpkey", "-algorithm", "ed25519", "-out", ossl.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success());
    let key = Key::read(&ossl).unwrap();
    let other = f.dir.parent().unwrap().join("by-openssl-key");
    write(&other, &[("scan.json".into(), "scan".into(), f.dir.join("scan.json"))], &key, jiff::Timestamp::UNIX_EPOCH)
        .unwrap();
    let pubout = Command::new("openssl").args(["pkey", "-in", ossl.to_str().unwrap(), "-pubout"]).output().unwrap();
    let ossl_pub = f.dir.parent().unwrap().join("openssl.pub");
    std::fs::write(&ossl_pub, &pubout.stdout).unwrap();
    assert!(problems(&other, Some(&ossl_pub)).is_empty());
    // A changed manifest fails for OpenSSL too.
    let text = std::fs::read_to_string(f.dir.join(MANIFEST)).unwrap();
    std::fs::write(f.dir.join(MANIFEST), text.replace("scan", "scam")).unwrap();
    assert!(!verify_with_openssl(&f.dir).status.success());
}
