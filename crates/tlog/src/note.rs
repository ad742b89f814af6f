//! Signed notes (C2SP `signed-note` v1.0.0) with Ed25519: a text ending in
//! a newline, a blank line, and signature lines `— NAME base64(key ID ||
//! signature)`; verifier keys `NAME+hex(key ID)+base64(0x01 || public key)`.
//!
//! Written here because the format is a few lines and no maintained crate
//! implements it; Go's `golang.org/x/mod/sumdb/note` (the format's origin)
//! verifies what this writes in the tests.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::Signer as _;
pub use ed25519_dalek::{SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

/// Signature type byte of Ed25519 in signed notes.
const ED25519: u8 = 0x01;
/// The most signatures a note may carry (the spec asks for at least 16).
const MAX_SIGNATURES: usize = 100;
/// The largest note read.
pub const MAX_NOTE_BYTES: usize = 1 << 20;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    #[error("a key name must be non-empty, without spaces or `+`: {0:?}")]
    BadName(String),
    #[error("the note text must end in a newline and hold no control characters other than newlines")]
    BadText,
    #[error("not a signed note: {0}")]
    Malformed(String),
    #[error("not a verifier key (NAME+KEYID+BASE64): {0}")]
    BadVerifierKey(String),
    #[error("not a signer key (PRIVATE+KEY+NAME+KEYID+BASE64): {0}")]
    BadSignerKey(String),
    #[error("no signature by a known key ({0})")]
    UnknownSigner(String),
    #[error("the signature by {0} does not verify: the note was changed or signed by another key")]
    BadSignature(String),
}

fn check_name(name: &str) -> Result<(), NoteError> {
    if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c == '+') {
        return Err(NoteError::BadName(name.to_string()));
    }
    Ok(())
}

fn check_text(text: &str) -> Result<(), NoteError> {
    if !text.ends_with('\n') || text.chars().any(|c| c < ' ' && c != '\n') {
        return Err(NoteError::BadText);
    }
    Ok(())
}

/// The key ID: the first four bytes of `SHA-256(name || 0x0A || 0x01 || key)`.
pub fn key_id(name: &str, key: &VerifyingKey) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([b'\n', ED25519]);
    h.update(key.as_bytes());
    let d: [u8; 32] = h.finalize().into();
    let [a, b, c, e, ..] = d;
    u32::from_be_bytes([a, b, c, e])
}

/// A named Ed25519 key that signs notes.
#[derive(Debug, Clone)]
pub struct Signer {
    name: String,
    key: SigningKey,
    id: u32,
}

impl Signer {
    pub fn new(name: &str, key: SigningKey) -> Result<Signer, NoteError> {
        check_name(name)?;
        let id = key_id(name, &key.verifying_key());
        Ok(Signer { name: name.to_string(), key, id })
    }

    /// The signer key as Go's `note.NewSigner` reads it:
    /// `PRIVATE+KEY+NAME+KEYID+base64(0x01 || seed)`. Surrounding
    /// whitespace (a key file's final newline) is ignored.
    pub fn parse_private(text: &str) -> Result<Signer, NoteError> {
        // Never echo the text: it is a secret.
        let bad = |why: &str| NoteError::BadSignerKey(why.to_string());
        let Some(rest) = text.trim().strip_prefix("PRIVATE+KEY+") else {
            return Err(bad("it must start with PRIVATE+KEY+"));
        };
        let mut parts = rest.splitn(3, '+');
        let (Some(name), Some(id), Some(material)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad("NAME+KEYID+BASE64 must follow PRIVATE+KEY+"));
        };
        check_name(name).map_err(|_| bad("the name must be non-empty, without spaces or `+`"))?;
        let id = (id.len() == 8).then(|| u32::from_str_radix(id, 16).ok()).flatten();
        let id = id.ok_or_else(|| bad("the key ID is 8 hex digits"))?;
        let material = B64.decode(material).map_err(|_| bad("the key is not base64"))?;
        let Some((&ED25519, seed)) = material.split_first() else {
            return Err(bad("only Ed25519 keys (type 0x01) are supported"));
        };
        let seed: [u8; 32] = seed.try_into().map_err(|_| bad("an Ed25519 private key is 32 bytes"))?;
        let signer = Signer::new(name, SigningKey::from_bytes(&seed))?;
        if signer.id != id {
            return Err(bad("the key ID does not match the name and key"));
        }
        Ok(signer)
    }

    /// The signer key in the form [`Signer::parse_private`] reads. A secret.
    pub fn private_key_text(&self) -> String {
        let mut material = vec![ED25519];
        material.extend_from_slice(self.key.as_bytes());
        format!("PRIVATE+KEY+{}+{:08x}+{}", self.name, self.id, B64.encode(material))
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn verifying_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    pub fn key_id(&self) -> u32 {
        self.id
    }

    /// The verifier key to publish.
    pub fn verifier_key(&self) -> String {
        let mut material = vec![ED25519];
        material.extend_from_slice(self.key.verifying_key().as_bytes());
        format!("{}+{:08x}+{}", self.name, self.id, B64.encode(material))
    }

    /// An Ed25519 signature over raw bytes (for [`crate::statement`], whose
    /// messages carry their own domain prefix).
    pub(crate) fn sign_bytes(&self, message: &[u8]) -> [u8; 64] {
        self.key.sign(message).to_bytes()
    }

    /// `text` as a signed note.
    pub fn sign(&self, text: &str) -> Result<String, NoteError> {
        check_text(text)?;
        let sig = self.key.sign(text.as_bytes());
        let mut blob = self.id.to_be_bytes().to_vec();
        blob.extend_from_slice(&sig.to_bytes());
        Ok(format!("{text}\n\u{2014} {} {}\n", self.name, B64.encode(blob)))
    }
}

/// A verifier key, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verifier {
    pub name: String,
    pub id: u32,
    pub key: VerifyingKey,
}

impl Verifier {
    pub fn parse(vkey: &str) -> Result<Verifier, NoteError> {
        let bad = |why: &str| NoteError::BadVerifierKey(format!("{why}: {vkey:?}"));
        let mut parts = vkey.trim().splitn(3, '+');
        let (Some(name), Some(id), Some(material)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad("three parts separated by `+` are needed"));
        };
        check_name(name)?;
        if id.len() != 8 {
            return Err(bad("the key ID is 8 hex digits"));
        }
        let id = u32::from_str_radix(id, 16).map_err(|_| bad("the key ID is 8 hex digits"))?;
        let material = B64.decode(material).map_err(|_| bad("the key is not base64"))?;
        let Some((&ED25519, key)) = material.split_first() else {
            return Err(bad("only Ed25519 keys (type 0x01) are supported"));
        };
        let key: [u8; 32] = key.try_into().map_err(|_| bad("an Ed25519 key is 32 bytes"))?;
        let key = VerifyingKey::from_bytes(&key).map_err(|_| bad("not an Ed25519 public key"))?;
        if key_id(name, &key) != id {
            return Err(bad("the key ID does not match the name and key"));
        }
        Ok(Verifier { name: name.to_string(), id, key })
    }
}

/// Checks a signed note against the known keys and returns its text.
/// Signatures by unknown keys are ignored; one by a known key that does
/// not verify rejects the note; at least one must verify.
pub fn open<'a>(note: &'a str, known: &[Verifier]) -> Result<&'a str, NoteError> {
    if note.len() > MAX_NOTE_BYTES {
        return Err(NoteError::Malformed(format!("larger than {MAX_NOTE_BYTES} bytes")));
    }
    if note.chars().any(|c| c < ' ' && c != '\n') {
        return Err(NoteError::Malformed("control characters".into()));
    }
    let Some(split) = note.rfind("\n\n") else {
        return Err(NoteError::Malformed("no blank line before the signatures".into()));
    };
    let (text, sigs) = note.split_at(split + 1);
    let sigs = sigs.strip_prefix('\n').unwrap_or(sigs);
    if !sigs.ends_with('\n') || sigs.len() < 2 {
        return Err(NoteError::Malformed("the signature lines must end in a newline".into()));
    }
    let lines: Vec<&str> = sigs.trim_end_matches('\n').split('\n').collect();
    if lines.len() > MAX_SIGNATURES {
        return Err(NoteError::Malformed(format!("more than {MAX_SIGNATURES} signatures")));
    }
    let mut verified = false;
    for line in lines {
        let Some(rest) = line.strip_prefix("\u{2014} ") else {
            return Err(NoteError::Malformed(format!("a signature line must start with `— `: {line:?}")));
        };
        let Some((name, b64)) = rest.split_once(' ') else {
            return Err(NoteError::Malformed(format!("a signature line is `— NAME SIGNATURE`: {line:?}")));
        };
        let blob =
            B64.decode(b64).map_err(|_| NoteError::Malformed(format!("the signature is not base64: {line:?}")))?;
        let Some((id, sig)) = blob.split_first_chunk::<4>() else {
            return Err(NoteError::Malformed(format!("the signature is too short: {line:?}")));
        };
        let id = u32::from_be_bytes(*id);
        let Some(v) = known.iter().find(|v| v.name == name && v.id == id) else { continue };
        let sig = ed25519_dalek::Signature::from_slice(sig).map_err(|_| NoteError::BadSignature(name.to_string()))?;
        v.key.verify_strict(text.as_bytes(), &sig).map_err(|_| NoteError::BadSignature(name.to_string()))?;
        verified = true;
    }
    if !verified {
        let names: Vec<String> = known.iter().map(|v| format!("{}+{:08x}", v.name, v.id)).collect();
        return Err(NoteError::UnknownSigner(format!("known: {}", names.join(", "))));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_specifications_example_verifies() {
        // From C2SP signed-note, "Verifier keys" example.
        let v = Verifier::parse("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k").unwrap();
        let note = "This is an example message.\n\n\u{2014} example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";
        assert_eq!(open(note, std::slice::from_ref(&v)).unwrap(), "This is an example message.\n");
        let changed = note.replace("example message", "example massage");
        assert_eq!(open(&changed, std::slice::from_ref(&v)), Err(NoteError::BadSignature("example.com/foo".into())));
    }

    #[test]
    fn sign_open_and_every_way_to_fail() {
        let signer = Signer::new("registry.example/log", SigningKey::from_bytes(&[7; 32])).unwrap();
        let other = Signer::new("registry.example/log", SigningKey::from_bytes(&[8; 32])).unwrap();
        let v = Verifier::parse(&signer.verifier_key()).unwrap();
        let note = signer.sign("registry.example/log\n3\nAAAA\n").unwrap();
        assert_eq!(open(&note, std::slice::from_ref(&v)).unwrap(), "registry.example/log\n3\nAAAA\n");
        // Another key's signature alone: unknown. Both: the known one verifies.
        let by_other = other.sign("registry.example/log\n3\nAAAA\n").unwrap();
        assert!(matches!(open(&by_other, std::slice::from_ref(&v)), Err(NoteError::UnknownSigner(_))));
        let cosigned = format!("{}{}", note, by_other.rsplit_once("\n\n").unwrap().1);
        assert!(open(&cosigned, std::slice::from_ref(&v)).is_ok());
        // Tampered text or signature; truncation; junk.
        assert!(matches!(
            open(&note.replace("\n3\n", "\n4\n"), std::slice::from_ref(&v)),
            Err(NoteError::BadSignature(_))
        ));
        assert!(open(&note[..note.len() - 10], std::slice::from_ref(&v)).is_err());
        assert!(open("", std::slice::from_ref(&v)).is_err());
        assert!(open("text\n\n\u{2014} x\n", std::slice::from_ref(&v)).is_err());
        assert!(open("text\n\n\u{2014} registry.example/log !!!\n", std::slice::from_ref(&v)).is_err());
        assert!(open(&"a\n".repeat(MAX_NOTE_BYTES), std::slice::from_ref(&v)).is_err());
        // Bad names, texts and verifier keys are refused.
        assert!(Signer::new("has space", SigningKey::from_bytes(&[7; 32])).is_err());
        assert!(Signer::new("a+b", SigningKey::from_bytes(&[7; 32])).is_err());
        assert_eq!(signer.sign("no newline"), Err(NoteError::BadText));
        assert_eq!(signer.sign("tab\there\n"), Err(NoteError::BadText));
        let vk = signer.verifier_key();
        assert!(Verifier::parse(&vk.replacen("+", "+0", 1)).is_err());
        let (head, _) = vk.rsplit_once('+').unwrap();
        assert!(Verifier::parse(&format!("{head}+AQ==")).is_err());
        assert!(Verifier::parse("x").is_err());
    }

    #[test]
    fn signer_keys_round_trip_and_refuse_damage() {
        let signer = Signer::new("registry.example/log", SigningKey::from_bytes(&[9; 32])).unwrap();
        let text = signer.private_key_text();
        assert!(text.starts_with("PRIVATE+KEY+registry.example/log+"));
        let back = Signer::parse_private(&format!("{text}\n")).unwrap();
        assert_eq!(back.verifier_key(), signer.verifier_key());
        assert_eq!(back.sign("x\n").unwrap(), signer.sign("x\n").unwrap());
        let (head, _) = text.rsplit_once('+').unwrap();
        for bad in [
            "",
            "registry.example/log+00000000+AQ==",
            &text.replacen("PRIVATE+KEY+", "PRIVATE+", 1),
            &format!("{head}+AQ=="),
            &format!("{head}+!!!"),
            &text.replacen("registry.example/log", "other.example/log", 1),
            &text.replacen("+AQ", "+Ag", 1),
        ] {
            let e = Signer::parse_private(bad).unwrap_err();
            // The error never repeats the secret.
            assert!(!e.to_string().contains(text.rsplit_once('+').unwrap().1), "{e}");
        }
    }
}
