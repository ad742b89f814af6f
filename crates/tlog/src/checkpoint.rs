//! Checkpoints (C2SP `tlog-checkpoint`): the note text `ORIGIN\nSIZE\n
//! base64(ROOT)\n`, signed as a [`crate::note`].

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

use crate::merkle::Hash;
use crate::note::{NoteError, Signer, Verifier};

/// A log's tree head at one size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's identity, e.g. `registry.example/labels`.
    pub origin: String,
    pub size: u64,
    pub root: Hash,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    #[error(transparent)]
    Note(#[from] NoteError),
    #[error("not a checkpoint: {0}")]
    Malformed(String),
    #[error("the checkpoint is for the log {got:?}, not {want:?}")]
    OtherLog { got: String, want: String },
}

impl Checkpoint {
    /// The note text.
    pub fn text(&self) -> String {
        format!("{}\n{}\n{}\n", self.origin, self.size, B64.encode(self.root))
    }

    /// The checkpoint signed by the log's key (whose name should be the origin).
    pub fn sign(&self, signer: &Signer) -> Result<String, CheckpointError> {
        if self.origin.is_empty() || self.origin.chars().any(|c| c.is_whitespace() || c == '+') {
            return Err(CheckpointError::Malformed(format!("the origin {:?} has spaces or `+`", self.origin)));
        }
        Ok(signer.sign(&self.text())?)
    }

    /// Verifies a signed checkpoint with the log's key and reads it; the
    /// origin must be `origin`.
    pub fn open(note: &str, origin: &str, key: &Verifier) -> Result<Checkpoint, CheckpointError> {
        let text = crate::note::open(note, std::slice::from_ref(key))?;
        let c = Checkpoint::parse(text)?;
        if c.origin != origin {
            return Err(CheckpointError::OtherLog { got: c.origin, want: origin.to_string() });
        }
        Ok(c)
    }

    /// Reads a checkpoint's text (extension lines are allowed and ignored).
    pub fn parse(text: &str) -> Result<Checkpoint, CheckpointError> {
        let bad = |why: &str| CheckpointError::Malformed(why.to_string());
        let mut lines = text.split('\n');
        let (Some(origin), Some(size), Some(root)) = (lines.next(), lines.next(), lines.next()) else {
            return Err(bad("three lines are needed: origin, tree size, root hash"));
        };
        if origin.is_empty() {
            return Err(bad("the origin is empty"));
        }
        if size.is_empty() || !size.bytes().all(|b| b.is_ascii_digit()) || (size.len() > 1 && size.starts_with('0')) {
            return Err(bad("the tree size is not a decimal number without leading zeroes"));
        }
        let size: u64 = size.parse().map_err(|_| bad("the tree size is too large"))?;
        let root: Hash = B64
            .decode(root)
            .ok()
            .and_then(|r| r.try_into().ok())
            .ok_or_else(|| bad("the root hash is not 32 bytes of base64"))?;
        Ok(Checkpoint { origin: origin.to_string(), size, root })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::SigningKey;

    #[test]
    fn round_trip_and_refusals() {
        let signer = Signer::new("registry.example/labels", SigningKey::from_bytes(&[3; 32])).unwrap();
        let key = Verifier::parse(&signer.verifier_key()).unwrap();
        let c = Checkpoint { origin: "registry.example/labels".into(), size: 20852163, root: [9; 32] };
        let note = c.sign(&signer).unwrap();
        assert!(note.starts_with("registry.example/labels\n20852163\nCQkJ"));
        assert_eq!(Checkpoint::open(&note, "registry.example/labels", &key).unwrap(), c);
        assert!(matches!(Checkpoint::open(&note, "other.example/log", &key), Err(CheckpointError::OtherLog { .. })));
        for bad in [
            "",
            "o\n",
            "o\n01\nAAAA\n",
            "o\n1\nAAAA\n",
            "o\n-1\n",
            "\n1\nCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk=\n",
        ] {
            assert!(Checkpoint::parse(bad).is_err(), "{bad:?}");
        }
        let ext = format!("{}extension\n", c.text());
        assert_eq!(Checkpoint::parse(&ext).unwrap(), c);
    }
}
