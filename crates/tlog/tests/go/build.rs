//! Builds a Go program against Debian's `golang.org/x/mod` sources,
//! offline (GOPATH mode, no proxy), for the tests and the benchmark.

use std::path::{Path, PathBuf};
use std::process::Command;

const GOPATH: &str = "/usr/share/gocode";

/// `go build`s `source` into `dir`; panics saying which Debian package is missing.
pub(crate) fn go_build(source: &Path, dir: &Path) -> PathBuf {
    assert!(
        Path::new(GOPATH).join("src/golang.org/x/mod/sumdb/tlog/tlog.go").exists(),
        "Go's golang.org/x/mod sources are needed (Debian golang-golang-x-mod-dev; `cargo xtask test` installs it)"
    );
    let out = dir.join(source.file_stem().unwrap_or_default());
    let o = Command::new("go")
        .args(["build", "-o"])
        .arg(&out)
        .arg(source)
        .env("GOPATH", GOPATH)
        .env("GO111MODULE", "off")
        .env("GOFLAGS", "")
        .env("GOPROXY", "off")
        .env("GOCACHE", dir.join("gocache"))
        .env("HOME", dir)
        .output()
        .unwrap_or_else(|e| panic!("Go (Debian golang-go) is needed; `cargo xtask test` installs it: {e}"));
    assert!(o.status.success(), "go build {}: {}", source.display(), String::from_utf8_lossy(&o.stderr));
    out
}
