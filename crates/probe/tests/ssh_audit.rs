//! The SSH algorithm lists read from the KEXINIT equal what ssh-audit
//! (Debian ssh-audit, a tool no one here wrote) reports for the same
//! servers: OpenSSH on the hardened test device, dropbear on the weak one.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::time::Duration;

use starmark_probe::ssh::kexinit;
use starmark_testbed::Profile;

fn names(v: &serde_json::Value, key: &str) -> BTreeSet<String> {
    v[key]
        .as_array()
        .unwrap_or_else(|| panic!("ssh-audit's JSON has no {key}: {v}"))
        .iter()
        // ssh-audit 2.5 lists kex and key as objects, enc and mac as names.
        .map(|a| a.as_str().or_else(|| a["algorithm"].as_str()).unwrap_or_else(|| panic!("{key}: {a}")).to_string())
        .collect()
}

async fn compare(p: &mut Profile, banner: &str) {
    let addr = p.device.addr;
    let ours = kexinit(SocketAddr::new(addr, 22), Duration::from_secs(5)).await.unwrap();
    p.check_running().unwrap();
    assert!(ours.banner.starts_with(banner), "{ours:?}");

    let out = tokio::process::Command::new("ssh-audit")
        .args(["-j", "-p", "22", &addr.to_string()])
        .output()
        .await
        .unwrap_or_else(|e| panic!("ssh-audit is required (Debian ssh-audit; `cargo xtask test` installs it): {e}"));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("ssh-audit gave no JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)));
    let set = |l: &[String]| l.iter().cloned().collect::<BTreeSet<String>>();
    assert_eq!(set(&ours.kex), names(&v, "kex"), "key exchange");
    assert_eq!(set(&ours.host_key), names(&v, "key"), "host key");
    assert_eq!(set(&ours.encryption_server_to_client), names(&v, "enc"), "ciphers");
    assert_eq!(set(&ours.mac_server_to_client), names(&v, "mac"), "MACs");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kexinit_lists_equal_ssh_audit() {
    let mut hardened = Profile::hardened().unwrap_or_else(|e| panic!("the hardened test device cannot run here: {e}"));
    compare(&mut hardened, "SSH-2.0-OpenSSH").await;
    assert!(
        starmark_probe::ssh::weak(
            &kexinit(SocketAddr::new(hardened.device.addr, 22), Duration::from_secs(5)).await.unwrap()
        )
        .is_empty()
    );
    drop(hardened);
    let mut weak = Profile::weak().unwrap_or_else(|e| panic!("the weak test device cannot run here: {e}"));
    compare(&mut weak, "SSH-2.0-dropbear").await;
}
