//! The Merkle tree of RFC 9162 (Certificate Transparency 2.0), §2.1: leaf
//! hash `SHA-256(0x00 || data)`, node hash `SHA-256(0x01 || left ||
//! right)`, the empty tree `SHA-256("")`; inclusion proofs (§2.1.3) and
//! consistency proofs (§2.1.4), made and verified by the RFC's algorithms.
//!
//! Written here because no maintained crate offers RFC 9162 proofs over a
//! store we control; the tests check it against a naive recursion of the
//! RFC's definitions (proptest) and against Go's `golang.org/x/mod/sumdb/tlog`.
//!
//! [`Tree`] keeps every complete subtree's hash (level `l` holds the hashes
//! of the aligned runs of `2^l` leaves), so a root or a proof at any size
//! takes O(log² n) hashes, not O(n).

use sha2::{Digest, Sha256};

/// A SHA-256 hash.
pub type Hash = [u8; 32];

/// `SHA-256(0x00 || data)`.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0x00]);
    h.update(data);
    h.finalize().into()
}

/// `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([0x01]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The root of the empty tree, `SHA-256("")`.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// The largest power of two smaller than `n` (n > 1).
fn split(n: u64) -> u64 {
    debug_assert!(n > 1);
    1 << (63 - (n - 1).leading_zeros())
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("leaf {index} is not in a tree of size {size}")]
    IndexOutOfRange { index: u64, size: u64 },
    #[error("a tree of size {old} cannot be proved consistent with the smaller size {new}")]
    Shrinks { old: u64, new: u64 },
    #[error("the tree has {have} leaves, not {size}")]
    TooLarge { size: u64, have: u64 },
    #[error("the proof has {got} hashes, not the {want} a proof between these sizes has")]
    Length { got: usize, want: usize },
    #[error("the proof does not lead to the expected root hash")]
    Mismatch,
}

/// An append-only Merkle tree held in memory.
#[derive(Debug, Clone, Default)]
pub struct Tree {
    /// `levels[l][i]`: the hash of leaves `[i·2^l, (i+1)·2^l)`.
    levels: Vec<Vec<Hash>>,
}

impl Tree {
    pub fn new() -> Tree {
        Tree::default()
    }

    /// The number of leaves.
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    /// The stored hashes of complete subtrees of `2^level` leaves, the
    /// `count` from the `start`th: a tile's contents (C2SP `tlog-tiles`).
    /// None if any of them is not complete yet.
    pub fn hashes(&self, level: usize, start: u64, count: u64) -> Option<&[Hash]> {
        let row = self.levels.get(level)?;
        let start = usize::try_from(start).ok()?;
        let end = start.checked_add(usize::try_from(count).ok()?)?;
        row.get(start..end)
    }

    /// Appends a leaf by its hash ([`leaf_hash`] of the entry); returns its index.
    pub fn push(&mut self, leaf: Hash) -> u64 {
        let index = self.size();
        let mut hash = leaf;
        let mut level = 0;
        loop {
            if self.levels.len() == level {
                self.levels.push(Vec::new());
            }
            let Some(row) = self.levels.get_mut(level) else { break };
            row.push(hash);
            let n = row.len();
            // An even count completes a pair: its parent is complete too.
            if n % 2 != 0 {
                break;
            }
            let (Some(l), Some(r)) = (row.get(n - 2), row.get(n - 1)) else { break };
            hash = node_hash(l, r);
            level += 1;
        }
        index
    }

    /// The hash of the `len` leaves from `start`, where the range is one
    /// the RFC's recursion visits (`start` a multiple of the largest power
    /// of two not above `len`).
    fn subtree(&self, start: u64, len: u64) -> Hash {
        if len == 0 {
            return empty_root();
        }
        if len.is_power_of_two() && start.is_multiple_of(len) {
            let level = len.trailing_zeros() as usize;
            if let Some(h) = self.levels.get(level).and_then(|row| row.get((start / len) as usize)) {
                return *h;
            }
        }
        if len == 1 {
            // Unreachable for ranges inside the tree (level 0 holds every leaf).
            return empty_root();
        }
        let k = split(len);
        node_hash(&self.subtree(start, k), &self.subtree(start + k, len - k))
    }

    fn check_size(&self, size: u64) -> Result<(), ProofError> {
        if size > self.size() { Err(ProofError::TooLarge { size, have: self.size() }) } else { Ok(()) }
    }

    /// The root hash of the tree's first `size` leaves.
    pub fn root(&self, size: u64) -> Result<Hash, ProofError> {
        self.check_size(size)?;
        Ok(self.subtree(0, size))
    }

    /// The inclusion proof of leaf `index` in the tree of `size` leaves
    /// (RFC 9162 §2.1.3.1), the sibling nearest the leaf first.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, ProofError> {
        self.check_size(size)?;
        if index >= size {
            return Err(ProofError::IndexOutOfRange { index, size });
        }
        let mut path = Vec::new();
        self.path(index, 0, size, &mut path);
        Ok(path)
    }

    fn path(&self, m: u64, start: u64, n: u64, out: &mut Vec<Hash>) {
        if n <= 1 {
            return;
        }
        let k = split(n);
        if m < k {
            self.path(m, start, k, out);
            out.push(self.subtree(start + k, n - k));
        } else {
            self.path(m - k, start + k, n - k, out);
            out.push(self.subtree(start, k));
        }
    }

    /// The consistency proof from the tree of `old` leaves to the tree of
    /// `new` leaves (RFC 9162 §2.1.4.1).
    pub fn consistency_proof(&self, old: u64, new: u64) -> Result<Vec<Hash>, ProofError> {
        self.check_size(new)?;
        if old > new {
            return Err(ProofError::Shrinks { old, new });
        }
        let mut proof = Vec::new();
        if old > 0 && old < new {
            self.subproof(old, 0, new, true, &mut proof);
        }
        Ok(proof)
    }

    fn subproof(&self, m: u64, start: u64, n: u64, complete: bool, out: &mut Vec<Hash>) {
        if m == n {
            if !complete {
                out.push(self.subtree(start, n));
            }
            return;
        }
        let k = split(n);
        if m <= k {
            self.subproof(m, start, k, complete, out);
            out.push(self.subtree(start + k, n - k));
        } else {
            self.subproof(m - k, start + k, n - k, false, out);
            out.push(self.subtree(start, k));
        }
    }
}

/// Checks an inclusion proof (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(index: u64, size: u64, leaf: &Hash, proof: &[Hash], root: &Hash) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let (mut fnode, mut snode) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if snode == 0 {
            return Err(ProofError::Length { got: proof.len(), want: inclusion_len(index, size) });
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            while fnode & 1 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 {
        return Err(ProofError::Length { got: proof.len(), want: inclusion_len(index, size) });
    }
    if r == *root { Ok(()) } else { Err(ProofError::Mismatch) }
}

/// How many hashes the inclusion proof of `index` in `size` leaves has:
/// it depends on the tree's shape only.
fn inclusion_len(index: u64, size: u64) -> usize {
    let (mut m, mut n, mut len) = (index, size, 0);
    while n > 1 {
        let k = split(n);
        if m < k {
            n = k;
        } else {
            m -= k;
            n -= k;
        }
        len += 1;
    }
    len
}

/// Checks a consistency proof (RFC 9162 §2.1.4.2) from the tree of `old`
/// leaves with root `old_root` to the tree of `new` leaves with `new_root`.
pub fn verify_consistency(
    old: u64,
    new: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if old > new {
        return Err(ProofError::Shrinks { old, new });
    }
    if old == new || old == 0 {
        // Nothing to prove: the same tree, or the empty one.
        if !proof.is_empty() {
            return Err(ProofError::Length { got: proof.len(), want: 0 });
        }
        return if old == 0 || old_root == new_root { Ok(()) } else { Err(ProofError::Mismatch) };
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if old.is_power_of_two() {
        path.push(*old_root);
    }
    path.extend_from_slice(proof);
    let Some((first, rest)) = path.split_first() else {
        return Err(ProofError::Length { got: 0, want: 1 });
    };
    let (mut fnode, mut snode) = (old - 1, new - 1);
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    let (mut fr, mut sr) = (*first, *first);
    for c in rest {
        if snode == 0 {
            return Err(ProofError::Mismatch);
        }
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while fnode & 1 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode == 0 && fr == *old_root && sr == *new_root { Ok(()) } else { Err(ProofError::Mismatch) }
}

/// The right edge of a tree: the hashes of its maximal complete subtrees,
/// largest first (one per set bit of the size). Enough to append leaves and
/// compute the root without the rest of the tree, so a monitor can keep it
/// between runs and check that the leaves it reads are exactly the tree's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    hashes: Vec<Hash>,
}

impl Frontier {
    pub fn new() -> Frontier {
        Frontier::default()
    }

    /// A frontier from its parts; None if the hash count does not match
    /// the size (one hash per set bit).
    pub fn from_parts(size: u64, hashes: Vec<Hash>) -> Option<Frontier> {
        (hashes.len() == size.count_ones() as usize).then_some(Frontier { size, hashes })
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn hashes(&self) -> &[Hash] {
        &self.hashes
    }

    /// Appends a leaf by its hash.
    pub fn push(&mut self, leaf: Hash) {
        let mut hash = leaf;
        // Each trailing one bit of the old size is a subtree the new leaf completes.
        let mut carry = self.size;
        while carry & 1 == 1 {
            let Some(left) = self.hashes.pop() else { break };
            hash = node_hash(&left, &hash);
            carry >>= 1;
        }
        self.hashes.push(hash);
        self.size += 1;
    }

    /// The root hash of the tree so far.
    pub fn root(&self) -> Hash {
        let mut it = self.hashes.iter().rev();
        let Some(last) = it.next() else { return empty_root() };
        it.fold(*last, |acc, h| node_hash(h, &acc))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frontier_has_the_roots_of_the_tree() {
        let mut t = Tree::new();
        let mut f = Frontier::new();
        assert_eq!(f.root(), empty_root());
        for i in 0..600u32 {
            let h = leaf_hash(&i.to_be_bytes());
            t.push(h);
            f.push(h);
            assert_eq!(f.root(), t.root(t.size()).unwrap(), "size {}", t.size());
            assert_eq!(f.hashes().len(), f.size().count_ones() as usize);
            let again = Frontier::from_parts(f.size(), f.hashes().to_vec()).unwrap();
            assert_eq!(again, f);
        }
        assert!(Frontier::from_parts(3, vec![[0; 32]]).is_none());
    }

    /// MTH straight from the RFC's definition, for comparison.
    fn mth(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => empty_root(),
            1 => leaves[0],
            n => {
                let k = split(n as u64) as usize;
                node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
            }
        }
    }

    fn tree(n: u64) -> (Tree, Vec<Hash>) {
        let mut t = Tree::new();
        let leaves: Vec<Hash> = (0..n).map(|i| leaf_hash(format!("entry {i}").as_bytes())).collect();
        for l in &leaves {
            t.push(*l);
        }
        (t, leaves)
    }

    #[test]
    fn known_answers() {
        // RFC 6962 / 9162 hashing of the empty tree and a one-leaf tree.
        assert_eq!(
            empty_root(),
            *b"\xe3\xb0\xc4\x42\x98\xfc\x1c\x14\x9a\xfb\xf4\xc8\x99\x6f\xb9\x24\x27\xae\x41\xe4\x64\x9b\x93\x4c\xa4\x95\x99\x1b\x78\x52\xb8\x55"
        );
        let one: Hash = Sha256::digest([0u8]).into();
        assert_eq!(leaf_hash(b""), one);
        let (t, _) = tree(0);
        assert_eq!(t.root(0).unwrap(), empty_root());
    }

    #[test]
    fn roots_and_proofs_agree_with_the_definition_for_every_small_tree() {
        let (t, leaves) = tree(70);
        for n in 0..=70u64 {
            let root = t.root(n).unwrap();
            assert_eq!(root, mth(&leaves[..n as usize]), "root {n}");
            for m in 0..n {
                let p = t.inclusion_proof(m, n).unwrap();
                assert_eq!(p.len(), inclusion_len(m, n));
                verify_inclusion(m, n, &leaves[m as usize], &p, &root).unwrap_or_else(|e| panic!("{m}/{n}: {e}"));
                // A wrong leaf, index or root fails.
                assert!(verify_inclusion(m, n, &leaf_hash(b"x"), &p, &root).is_err());
                if n > 1 {
                    assert!(verify_inclusion((m + 1) % n, n, &leaves[m as usize], &p, &root).is_err());
                }
                assert!(verify_inclusion(m, n, &leaves[m as usize], &p, &leaf_hash(b"root")).is_err());
            }
            for old in 0..=n {
                let p = t.consistency_proof(old, n).unwrap();
                let old_root = t.root(old).unwrap();
                verify_consistency(old, n, &old_root, &root, &p).unwrap_or_else(|e| panic!("{old}->{n}: {e}"));
                if old > 0 && old < n {
                    assert!(verify_consistency(old, n, &leaf_hash(b"forged"), &root, &p).is_err(), "{old}->{n}");
                    assert!(verify_consistency(old, n, &old_root, &leaf_hash(b"forged"), &p).is_err());
                    let mut short = p.clone();
                    short.pop();
                    assert!(verify_consistency(old, n, &old_root, &root, &short).is_err());
                }
            }
        }
    }

    #[test]
    fn out_of_range_is_an_error_not_a_panic() {
        let (t, leaves) = tree(5);
        assert_eq!(t.root(6), Err(ProofError::TooLarge { size: 6, have: 5 }));
        assert_eq!(t.inclusion_proof(5, 5), Err(ProofError::IndexOutOfRange { index: 5, size: 5 }));
        assert_eq!(t.consistency_proof(4, 3), Err(ProofError::Shrinks { old: 4, new: 3 }));
        assert!(verify_inclusion(0, 0, &leaves[0], &[], &empty_root()).is_err());
        assert!(verify_inclusion(u64::MAX, u64::MAX, &leaves[0], &[leaves[1]; 70], &empty_root()).is_err());
        assert!(verify_consistency(3, u64::MAX, &leaves[0], &leaves[1], &[leaves[2]; 70]).is_err());
    }
}
