//! The registry's transparency log (issue 9): every label event becomes a
//! leaf of an append-only Merkle tree whose signed tree heads anyone can
//! check, so the registry cannot rewrite a label's history unseen.
//!
//! - [`merkle`]: RFC 9162 hashing, inclusion and consistency proofs;
//! - [`note`]: C2SP signed notes with Ed25519 and verifier keys;
//! - [`checkpoint`]: C2SP `tlog-checkpoint` tree heads;
//! - [`statement`]: the log's leaves, RFC 8785 canonical JSON statements
//!   signed with the registry's key.
//!
//! Pure: no I/O, no clock, no storage. Go's `golang.org/x/mod/sumdb/note`
//! and `sumdb/tlog` check what this crate writes (`tests/go_verifier.rs`).

pub mod checkpoint;
pub mod merkle;
pub mod note;
pub mod statement;
pub mod status_list;
