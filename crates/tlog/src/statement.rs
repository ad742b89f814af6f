//! Signed statements: what the registry says about a label (a grant, a
//! renewal, a revocation, …), as RFC 8785 canonical JSON signed with the
//! registry's Ed25519 key. A log leaf is a statement's envelope, exactly as
//! signed and stored:
//!
//! ```json
//! {"format":"starmark-statement/1","key":"NAME+KEYID","signature":"BASE64","statement":{…}}
//! ```
//!
//! (canonical JSON, so keys in this order, no spaces). The signature is over
//! `starmark-statement/1` and a newline followed by the statement's canonical
//! bytes: the prefix keeps a statement signature from ever being taken for
//! a signed note's or anything else the same key signs. [`open`] accepts a
//! leaf only if it is itself canonical, so one statement has exactly one
//! leaf.
//!
//! Canonical JSON is `canon-json`'s RFC 8785 formatter (UTF-16 key order,
//! ECMAScript number form); the tests check it against the RFC's examples.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use canon_json::CanonJsonSerialize;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::note::{Signer, Verifier};

/// The envelope's format identifier.
pub const FORMAT: &str = "starmark-statement/1";
/// The largest leaf read.
pub const MAX_LEAF_BYTES: usize = 1 << 20;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatementError {
    #[error("the statement cannot be written as canonical JSON: {0}")]
    Canonical(String),
    #[error("not a starmark statement: {0}")]
    Malformed(String),
    #[error("the leaf is not in canonical form, so it is not the bytes that were signed")]
    NotCanonical,
    #[error("signed by {0}, which is not a known registry key")]
    UnknownKey(String),
    #[error("the signature by {0} does not verify: the statement was changed or signed by another key")]
    BadSignature(String),
}

/// `value` as RFC 8785 canonical JSON.
pub fn canonical(value: &impl Serialize) -> Result<Vec<u8>, StatementError> {
    value.to_canon_json_vec().map_err(|e| StatementError::Canonical(e.to_string()))
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Envelope {
    format: String,
    /// `NAME+KEYID` of the signing key.
    key: String,
    signature: String,
    statement: Value,
}

fn message(statement: &[u8]) -> Vec<u8> {
    let mut m = format!("{FORMAT}\n").into_bytes();
    m.extend_from_slice(statement);
    m
}

/// Signs `statement` (a JSON object) and returns the leaf: the envelope's
/// canonical bytes.
pub fn sign(statement: &Value, signer: &Signer) -> Result<Vec<u8>, StatementError> {
    if !statement.is_object() {
        return Err(StatementError::Malformed("a statement is a JSON object".into()));
    }
    let bytes = canonical(statement)?;
    let signature = signer.sign_bytes(&message(&bytes));
    let envelope = Envelope {
        format: FORMAT.into(),
        key: format!("{}+{:08x}", signer.name(), signer.key_id()),
        signature: B64.encode(signature),
        statement: statement.clone(),
    };
    canonical(&envelope)
}

/// The key a leaf's envelope names (`NAME+KEYID`), without checking
/// anything: for showing who signed what [`open`] accepted.
pub fn signer(leaf: &[u8]) -> Option<String> {
    serde_json::from_slice::<Envelope>(leaf).ok().map(|e| e.key)
}

/// Checks a leaf against the known registry keys (current and retired)
/// and returns the statement.
pub fn open(leaf: &[u8], known: &[Verifier]) -> Result<Value, StatementError> {
    if leaf.len() > MAX_LEAF_BYTES {
        return Err(StatementError::Malformed(format!("larger than {MAX_LEAF_BYTES} bytes")));
    }
    let envelope: Envelope = serde_json::from_slice(leaf).map_err(|e| StatementError::Malformed(format!("{e}")))?;
    if envelope.format != FORMAT {
        return Err(StatementError::Malformed(format!("its format is {:?}, not {FORMAT}", envelope.format)));
    }
    if canonical(&envelope)? != leaf {
        return Err(StatementError::NotCanonical);
    }
    let Some(key) = known.iter().find(|v| format!("{}+{:08x}", v.name, v.id) == envelope.key) else {
        return Err(StatementError::UnknownKey(envelope.key));
    };
    let signature = B64
        .decode(&envelope.signature)
        .ok()
        .and_then(|s| ed25519_dalek::Signature::from_slice(&s).ok())
        .ok_or_else(|| StatementError::BadSignature(envelope.key.clone()))?;
    key.key
        .verify_strict(&message(&canonical(&envelope.statement)?), &signature)
        .map_err(|_| StatementError::BadSignature(envelope.key.clone()))?;
    Ok(envelope.statement)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::SigningKey;
    use serde_json::json;

    #[test]
    fn canonical_form_matches_rfc_8785() {
        // RFC 8785 §3.2.2's example, parsed from its input text.
        let input = r#"{
            "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
            "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
            "literals": [null, true, false]
        }"#;
        let v: Value = serde_json::from_str(input).unwrap();
        let want = "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],\
                    \"string\":\"€$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}";
        assert_eq!(String::from_utf8(canonical(&v).unwrap()).unwrap(), want);
        // Appendix B: numbers in ECMAScript form.
        for (bits, text) in [
            (0x0000000000000000u64, "0"),
            (0x8000000000000000, "0"),
            (0x0000000000000001, "5e-324"),
            (0x7fefffffffffffff, "1.7976931348623157e+308"),
            (0x4340000000000000, "9007199254740992"),
            (0x444b1ae4d6e2ef50, "1e+21"),
            (0x3eb0c6f7a0b5ed8d, "0.000001"),
            (0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"),
        ] {
            let got = canonical(&json!(f64::from_bits(bits))).unwrap();
            assert_eq!(String::from_utf8(got).unwrap(), text, "{bits:#x}");
        }
        // §3.2.3: keys in UTF-16 code-unit order.
        let v = json!({"\u{20ac}": "Euro Sign", "\r": "Carriage Return", "\u{fb33}": "Hebrew Letter Dalet With Dagesh",
            "1": "One", "\u{1f600}": "Emoji: Grinning Face", "\u{0080}": "Control", "\u{00f6}": "Latin Small Letter O With Diaeresis"});
        let keys: Vec<String> = serde_json::from_slice::<serde_json::Map<String, Value>>(&canonical(&v).unwrap())
            .unwrap()
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(keys, ["\r", "1", "\u{0080}", "\u{00f6}", "\u{20ac}", "\u{1f600}", "\u{fb33}"]);
    }

    #[test]
    fn signed_statements_open_only_as_signed() {
        let signer = Signer::new("registry.example/labels", SigningKey::from_bytes(&[5; 32])).unwrap();
        let key = Verifier::parse(&signer.verifier_key()).unwrap();
        let statement = json!({"label": "STAR1-2026-000042K", "event": "label_granted", "at": "2026-11-28T10:00:00Z",
            "level": "star-1", "expires_on": "2028-11-27"});
        let leaf = sign(&statement, &signer).unwrap();
        assert!(leaf.starts_with(b"{\"format\":\"starmark-statement/1\",\"key\":\"registry.example/labels+"));
        assert_eq!(open(&leaf, std::slice::from_ref(&key)).unwrap(), statement);
        // The same statement always gives the same leaf (Ed25519 is deterministic).
        assert_eq!(sign(&statement, &signer).unwrap(), leaf);

        let text = String::from_utf8(leaf.clone()).unwrap();
        let changed = text.replace("2028-11-27", "2030-11-27");
        assert!(matches!(open(changed.as_bytes(), std::slice::from_ref(&key)), Err(StatementError::BadSignature(_))));
        let spaced = text.replacen(",", ", ", 1);
        assert_eq!(open(spaced.as_bytes(), std::slice::from_ref(&key)), Err(StatementError::NotCanonical));
        let other = Signer::new("registry.example/labels", SigningKey::from_bytes(&[6; 32])).unwrap();
        let by_other = sign(&statement, &other).unwrap();
        assert!(matches!(open(&by_other, std::slice::from_ref(&key)), Err(StatementError::UnknownKey(_))));
        // Retired keys still open what they signed.
        let both = [Verifier::parse(&other.verifier_key()).unwrap(), key.clone()];
        assert!(open(&by_other, &both).is_ok() && open(&leaf, &both).is_ok());
        for junk in [&b""[..], b"{}", b"[1]", b"{\"format\":\"x\",\"key\":\"k\",\"signature\":\"\",\"statement\":{}}"] {
            assert!(open(junk, std::slice::from_ref(&key)).is_err(), "{junk:?}");
        }
        assert!(sign(&json!([1, 2]), &signer).is_err());
        // A signature over the statement is not one over a note, or the reverse.
        let note = signer.sign(&format!("{}\n", String::from_utf8(canonical(&statement).unwrap()).unwrap())).unwrap();
        assert!(crate::note::open(&note, std::slice::from_ref(&key)).is_ok());
        let sig_line = note.trim_end().rsplit_once(' ').unwrap().1.to_string();
        let stolen = B64.encode(&B64.decode(sig_line).unwrap()[4..]);
        let forged = text.replace(
            &text[text.find("\"signature\":\"").unwrap() + 13..text.find("\",\"statement\"").unwrap()],
            &stolen,
        );
        assert!(matches!(open(forged.as_bytes(), std::slice::from_ref(&key)), Err(StatementError::BadSignature(_))));
    }
}
