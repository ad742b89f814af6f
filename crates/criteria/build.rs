//! The catalog directory is embedded with `include_dir!`, which cannot tell
//! cargo which files it read on stable Rust; without this, editing a catalog
//! file would not rebuild the crate.

fn main() {
    println!("cargo:rerun-if-changed=../../catalog");
}
