//! Proofs at random sizes and indexes (proptest): every inclusion and
//! consistency proof the tree makes verifies, and changing any one hash of
//! a proof makes it fail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

use proptest::prelude::*;
use starmark_tlog::merkle::{Tree, leaf_hash, verify_consistency, verify_inclusion};

fn tree(n: u64) -> Tree {
    let mut t = Tree::new();
    for i in 0..n {
        t.push(leaf_hash(&i.to_be_bytes()));
    }
    t
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn proofs_verify_and_any_changed_hash_fails(n in 1u64..3000, a in any::<u64>(), b in any::<u64>(), flip in any::<usize>()) {
        let t = tree(n);
        let index = a % n;
        let old = b % n + 1;
        let root = t.root(n).unwrap();
        let leaf = leaf_hash(&index.to_be_bytes());
        let mut p = t.inclusion_proof(index, n).unwrap();
        prop_assert!(verify_inclusion(index, n, &leaf, &p, &root).is_ok());
        if !p.is_empty() {
            let i = flip % p.len();
            p[i][0] ^= 1;
            prop_assert!(verify_inclusion(index, n, &leaf, &p, &root).is_err());
        }
        let old_root = t.root(old).unwrap();
        let mut c = t.consistency_proof(old, n).unwrap();
        prop_assert!(verify_consistency(old, n, &old_root, &root, &c).is_ok());
        if !c.is_empty() {
            let i = flip % c.len();
            c[i][31] ^= 0x80;
            prop_assert!(verify_consistency(old, n, &old_root, &root, &c).is_err());
        }
    }
}
