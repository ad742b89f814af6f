//! Repository rules, checked as tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn every_module_says_what_it_is_for() {
    let mut files = Vec::new();
    for d in ["crates", "xtask"] {
        rust_files(&root().join(d), &mut files);
    }
    let missing: Vec<_> = files
        .iter()
        .filter(|p| !p.components().any(|c| c.as_os_str() == "tests"))
        .filter(|p| !std::fs::read_to_string(p).unwrap().trim_start().starts_with("//!"))
        .collect();
    assert!(missing.is_empty(), "modules without a `//!` doc comment: {missing:?}");
}

#[test]
fn every_crate_is_in_the_architecture_document() {
    let arch = std::fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap();
    for e in std::fs::read_dir(root().join("crates")).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        assert!(arch.contains(&format!("crates/{name}")), "ARCHITECTURE.md does not describe crates/{name}");
    }
}

/// `criteria` and `checklist` are pure: no web, SQL or async runtime crate
/// may enter their dependency trees.
#[test]
fn pure_crates_pull_in_no_web_or_sql_crate() {
    const FORBIDDEN: &[&str] = &["tokio", "hyper", "axum", "reqwest", "sqlx", "rusqlite", "postgres", "tower", "mio"];
    for krate in ["starmark-criteria", "starmark-checklist"] {
        let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["tree", "--edges", "normal", "--prefix", "none", "--format", "{p}", "-p", krate])
            .current_dir(root())
            .output()
            .unwrap();
        assert!(out.status.success(), "cargo tree failed: {}", String::from_utf8_lossy(&out.stderr));
        let tree = String::from_utf8(out.stdout).unwrap();
        for line in tree.lines() {
            let name = line.split_whitespace().next().unwrap_or("");
            assert!(!FORBIDDEN.contains(&name), "{krate} depends on {name}");
        }
    }
}

#[test]
fn no_ignored_tests_and_no_stubs() {
    let mut files = Vec::new();
    rust_files(&root().join("crates"), &mut files);
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for bad in [concat!("#[", "ignore"), concat!("todo", "!("), concat!("unimplemented", "!(")] {
            assert!(!text.contains(bad), "{} contains {bad}", f.display());
        }
    }
}
