//! Known-vulnerability check benchmark: a 5,000-component SBOM against an
//! OSV `all.zip` of 60,000 records, against the time merely to read and
//! decompress the same archive.
//!
//! The records are generated from the shapes of the real records in
//! `crates/vuln/tests/data/osv/` (each template's ecosystem, ranges,
//! versions lists and severities, under new IDs and package names), so the
//! benchmark needs nothing outside the repository. The SBOM's components
//! spread over the same ecosystems; half of them share a package name with
//! records, so ranges are really evaluated.
//!
//! Measured, each `--rounds` times (default 3), median:
//! - `starmark vuln --sbom S --advisories all.zip --json` (the binary,
//!   output to /dev/null): wall time, and its peak RSS from
//!   `getrusage(RUSAGE_CHILDREN)` on the first run;
//! - `unzip -p all.zip` (Info-ZIP, output to /dev/null): the peer, reading
//!   and decompressing only;
//! - reading and decompressing every entry in this process with the `zip`
//!   crate starmark uses, parsing nothing.
//!
//! `cargo bench -p starmark-cli --bench vuln -- [--records N] [--components N] [--rounds N]`
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "benchmark program"
)]

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

fn arg(args: &[String], name: &str, default: usize) -> usize {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|n| n.parse().ok()).unwrap_or(default)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// A component version each ecosystem's ordering reads, inside or outside
/// typical ranges depending on `k`.
fn version_for(ecosystem: &str, k: usize) -> String {
    let (a, b) = (k % 4, k % 7);
    match ecosystem.split(':').next().unwrap() {
        "Go" => format!("v{a}.{b}.0"),
        "Debian" | "Ubuntu" => format!("{a}.{b}-1"),
        "Alpine" => format!("{a}.{b}.0-r0"),
        _ => format!("{a}.{b}.0"),
    }
}

fn purl_for(ecosystem: &str, name: &str, version: &str) -> String {
    let (base, release) = ecosystem.split_once(':').unwrap_or((ecosystem, ""));
    match base {
        "PyPI" => format!("pkg:pypi/{name}@{version}"),
        "npm" => format!("pkg:npm/{name}@{version}"),
        "crates.io" => format!("pkg:cargo/{name}@{version}"),
        "Go" => format!("pkg:golang/example.com/{name}@{version}"),
        "Maven" => format!("pkg:maven/org.example/{name}@{version}"),
        "Debian" => format!("pkg:deb/debian/{name}@{version}?distro=debian-{release}"),
        "Alpine" => format!("pkg:apk/alpine/{name}@{version}?distro=alpine-{}.0", release.trim_start_matches('v')),
        _ => format!("pkg:generic/{name}@{version}"),
    }
}

fn osv_name(ecosystem: &str, name: &str) -> String {
    match ecosystem.split(':').next().unwrap() {
        "Go" => format!("example.com/{name}"),
        "Maven" => format!("org.example:{name}"),
        _ => name.to_string(),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if !args.iter().any(|a| a == "--bench") {
        eprintln!("vuln benchmark: run it with `cargo bench -p starmark-cli --bench vuln`");
        return;
    }
    let records = arg(&args, "--records", 60_000);
    let components = arg(&args, "--components", 5_000);
    let rounds = arg(&args, "--rounds", 3);
    let names = records / 6;

    // Templates: every real test record that names a package.
    let data = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../vuln/tests/data/osv"));
    let mut templates: Vec<Value> = std::fs::read_dir(data)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| serde_json::from_slice::<Value>(&std::fs::read(p).unwrap()).unwrap())
        .filter(|v| v["affected"][0]["package"]["ecosystem"].is_string() && v["withdrawn"].is_null())
        .collect();
    templates.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
    let tmp = tempfile::tempdir().unwrap();
    let zip_path = tmp.path().join("all.zip");
    let start = Instant::now();
    let mut ecosystems: Vec<String> = Vec::new();
    {
        let file = std::fs::File::create(&zip_path).unwrap();
        let mut w = zip::ZipWriter::new(std::io::BufWriter::new(file));
        let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for i in 0..records {
            let mut r = templates[i % templates.len()].clone();
            let id = format!("BENCH-{i:06}");
            r["id"] = json!(id);
            r["aliases"] = json!([format!("CVE-2099-{i}")]);
            let name = format!("pkg-{}", i % names);
            for a in r["affected"].as_array_mut().unwrap() {
                let eco = a["package"]["ecosystem"].as_str().unwrap().to_string();
                a["package"]["name"] = json!(osv_name(&eco, &name));
                a["package"].as_object_mut().unwrap().remove("purl");
                if !ecosystems.contains(&eco) {
                    ecosystems.push(eco);
                }
            }
            w.start_file(format!("{id}.json"), opts).unwrap();
            w.write_all(&serde_json::to_vec(&r).unwrap()).unwrap();
        }
        w.finish().unwrap();
    }
    ecosystems.sort();
    // The SBOM: components over the same ecosystems; every other one has
    // a name some record is about.
    let comps: Vec<Value> = (0..components)
        .map(|j| {
            let eco = &ecosystems[j % ecosystems.len()];
            let name = if j % 2 == 0 { format!("pkg-{}", (j * 7) % names) } else { format!("other-{j}") };
            let version = version_for(eco, j);
            json!({"bom-ref": format!("c{j}"), "type": "library", "name": name, "version": version,
                   "purl": purl_for(eco, &name, &version)})
        })
        .collect();
    let sbom_path = tmp.path().join("sbom.cdx.json");
    let sbom = json!({"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
                      "metadata": {"component": {"bom-ref": "fw", "type": "firmware", "name": "bench-firmware"}},
                      "components": comps});
    std::fs::write(&sbom_path, serde_json::to_vec(&sbom).unwrap()).unwrap();
    let zip_size = std::fs::metadata(&zip_path).unwrap().len();
    println!(
        "generated {records} records ({} ecosystems: {}) as all.zip ({:.1} MB) and {components} components in {:.1} s",
        ecosystems.len(),
        ecosystems.join(", "),
        zip_size as f64 / 1e6,
        start.elapsed().as_secs_f64()
    );

    let starmark = |first: bool| {
        let start = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_starmark"))
            .args(["vuln", "--sbom", sbom_path.to_str().unwrap(), "--advisories", zip_path.to_str().unwrap(), "--json"])
            .stdout(Stdio::piped())
            .output()
            .unwrap();
        let t = start.elapsed();
        let v: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
        assert_eq!(v["advisories"]["records"], records, "every record read");
        if first {
            let rss = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN).unwrap().max_rss();
            let s = &v["summary"];
            println!(
                "starmark: verdict {}, {} checked, {} not covered, {} findings affected, {} unknown; peak RSS {:.0} MB",
                v["verdict"],
                s["checked"],
                s["not_covered"],
                s["affected"],
                s["unknown"],
                rss as f64 / 1024.0
            );
        }
        t
    };
    let unzip = || {
        let start = Instant::now();
        let status = Command::new("unzip")
            .args(["-p", zip_path.to_str().unwrap()])
            .stdout(Stdio::null())
            .status()
            .unwrap_or_else(|e| panic!("unzip (Debian package unzip) is required: {e}"));
        assert!(status.success());
        start.elapsed()
    };
    let in_process = || {
        let start = Instant::now();
        let mut a = zip::ZipArchive::new(std::io::BufReader::new(std::fs::File::open(&zip_path).unwrap())).unwrap();
        let mut buf = Vec::new();
        let mut total = 0usize;
        for i in 0..a.len() {
            buf.clear();
            total += a.by_index(i).unwrap().read_to_end(&mut buf).unwrap();
        }
        assert!(total > 0);
        (start.elapsed(), total)
    };
    let (mut ours, mut peer, mut read) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        ours.push(starmark(round == 0));
        peer.push(unzip());
        let (t, total) = in_process();
        if round == 0 {
            println!("all.zip decompresses to {:.1} MB of JSON", total as f64 / 1e6);
        }
        read.push(t);
    }
    let (ours, peer, read) = (median(ours), median(peer), median(read));
    println!(
        "starmark vuln {:.2} s | unzip -p {:.2} s (ratio {:.2}) | zip crate read+decompress {:.2} s (ratio {:.2})",
        ours.as_secs_f64(),
        peer.as_secs_f64(),
        ours.as_secs_f64() / peer.as_secs_f64(),
        read.as_secs_f64(),
        ours.as_secs_f64() / read.as_secs_f64()
    );
}
