//! The registry's status list: a W3C Bitstring Status List v1.0 credential
//! (`BitstringStatusListCredential`, purpose `revocation`), one bit per
//! label, secured with a Data Integrity proof of the `eddsa-jcs-2022`
//! cryptosuite (W3C "Data Integrity EdDSA Cryptosuites v1.0") by the
//! registry's log key, named as a `did:key`.
//!
//! A checker downloads the whole list, so the registry never learns which
//! label it looks at. Bits are big-endian within each byte (bit 0 is the
//! most significant bit of the first byte); the list is at least 131,072
//! bits (16 KiB) so that it hides how many labels exist; `encodedList` is
//! multibase base64url (`u`, no padding) of the GZIP-compressed bits.
//!
//! Written here because the pieces are small and exact (RFC 8785 via
//! `canon-json`, SHA-256, Ed25519, base58btc via `bs58`, GZIP via
//! `flate2`), while the Rust VC crates that cover them pull in a JSON-LD
//! stack the `eddsa-jcs-2022` suite does not need.

use std::io::{Read, Write};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use ed25519_dalek::{Signature, VerifyingKey};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::note::Signer;
use crate::statement::canonical;

/// The smallest list, in bits (the specification's minimum, 16 KiB).
pub const MIN_BITS: usize = 131_072;
/// The largest decompressed list read (16 MiB), against GZIP bombs.
pub const MAX_BYTES: usize = 16 << 20;
/// The multicodec prefix of an Ed25519 public key.
const ED25519_PUB: [u8; 2] = [0xed, 0x01];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatusListError {
    #[error("not a bitstring status list credential: {0}")]
    Malformed(String),
    #[error("the encoded list cannot be read: {0}")]
    Encoding(String),
    #[error("the proof does not verify: {0}")]
    Proof(String),
}

fn malformed(why: impl Into<String>) -> StatusListError {
    StatusListError::Malformed(why.into())
}

/// A list of status bits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bitstring {
    bytes: Vec<u8>,
}

impl Bitstring {
    /// A list of all-zero bits, large enough for index `max_index` and
    /// never smaller than [`MIN_BITS`] (whole kibibytes, so its length
    /// says little about the number of labels).
    pub fn for_indexes(max_index: Option<u64>) -> Bitstring {
        let need = max_index.map_or(0, |m| usize::try_from(m).unwrap_or(usize::MAX).saturating_add(1));
        let bytes = need.div_ceil(8).max(MIN_BITS / 8).div_ceil(1024) * 1024;
        Bitstring { bytes: vec![0; bytes] }
    }

    pub fn len_bits(&self) -> u64 {
        self.bytes.len() as u64 * 8
    }

    /// Sets bit `index`; false if it is outside the list.
    pub fn set(&mut self, index: u64, on: bool) -> bool {
        let Ok(i) = usize::try_from(index / 8) else { return false };
        let mask = 0x80u8 >> (index % 8);
        match self.bytes.get_mut(i) {
            Some(b) => {
                if on {
                    *b |= mask;
                } else {
                    *b &= !mask;
                }
                true
            }
            None => false,
        }
    }

    /// Bit `index`; None outside the list.
    pub fn get(&self, index: u64) -> Option<bool> {
        let i = usize::try_from(index / 8).ok()?;
        self.bytes.get(i).map(|b| b & (0x80u8 >> (index % 8)) != 0)
    }

    /// `encodedList`: multibase base64url (no padding) of the GZIP-compressed bits.
    pub fn encode(&self) -> String {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        // Writing into a Vec cannot fail.
        let _ = gz.write_all(&self.bytes);
        let compressed = gz.finish().unwrap_or_default();
        format!("u{}", B64URL.encode(compressed))
    }

    /// Reads `encodedList`, refusing lists shorter than [`MIN_BITS`] or
    /// larger than [`MAX_BYTES`] once decompressed.
    pub fn decode(encoded: &str) -> Result<Bitstring, StatusListError> {
        let b64 = encoded
            .strip_prefix('u')
            .ok_or_else(|| StatusListError::Encoding("multibase base64url starts with `u`".into()))?;
        let compressed =
            B64URL.decode(b64).map_err(|e| StatusListError::Encoding(format!("not base64url without padding: {e}")))?;
        let mut bytes = Vec::new();
        flate2::read::GzDecoder::new(compressed.as_slice())
            .take(MAX_BYTES as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| StatusListError::Encoding(format!("not GZIP: {e}")))?;
        if bytes.len() > MAX_BYTES {
            return Err(StatusListError::Encoding(format!("larger than {MAX_BYTES} bytes decompressed")));
        }
        if bytes.len() * 8 < MIN_BITS {
            return Err(StatusListError::Encoding(format!(
                "{} bits; a status list has at least {MIN_BITS}",
                bytes.len() * 8
            )));
        }
        Ok(Bitstring { bytes })
    }
}

/// The `did:key` of an Ed25519 public key (`did:key:z6Mk…`).
pub fn did_key(key: &VerifyingKey) -> String {
    let mut material = ED25519_PUB.to_vec();
    material.extend_from_slice(key.as_bytes());
    format!("did:key:z{}", bs58::encode(material).into_string())
}

/// The Ed25519 key a `did:key` (optionally with its `#fragment`) names.
pub fn parse_did_key(did: &str) -> Result<VerifyingKey, StatusListError> {
    let bad = |why: &str| StatusListError::Proof(format!("verification method {did:?}: {why}"));
    let id = did.split('#').next().unwrap_or(did);
    let z = id.strip_prefix("did:key:z").ok_or_else(|| bad("not a base58btc did:key"))?;
    let material = bs58::decode(z).into_vec().map_err(|_| bad("not base58btc"))?;
    let key = material.strip_prefix(&ED25519_PUB[..]).ok_or_else(|| bad("not an Ed25519 key"))?;
    let key: [u8; 32] = key.try_into().map_err(|_| bad("an Ed25519 key is 32 bytes"))?;
    VerifyingKey::from_bytes(&key).map_err(|_| bad("not an Ed25519 public key"))
}

/// The data an `eddsa-jcs-2022` signature covers: SHA-256 of the canonical
/// proof configuration (the proof without `proofValue`, carrying the
/// document's `@context`), then SHA-256 of the canonical document without
/// its proof.
fn hash_data(document: &Map<String, Value>, proof: &Map<String, Value>) -> Result<Vec<u8>, StatusListError> {
    let mut config = proof.clone();
    config.remove("proofValue");
    if !config.contains_key("@context")
        && let Some(ctx) = document.get("@context")
    {
        config.insert("@context".into(), ctx.clone());
    }
    let mut unsecured = document.clone();
    unsecured.remove("proof");
    let c = canonical(&config).map_err(|e| malformed(e.to_string()))?;
    let d = canonical(&unsecured).map_err(|e| malformed(e.to_string()))?;
    let mut out = Sha256::digest(c).to_vec();
    out.extend_from_slice(&Sha256::digest(d));
    Ok(out)
}

/// Adds an `eddsa-jcs-2022` Data Integrity proof to `document` with the
/// given proof options (`type`, `cryptosuite`, `created`,
/// `verificationMethod`, `proofPurpose`); the proof carries the document's
/// `@context`, as the cryptosuite asks.
pub fn sign_document(
    mut document: Map<String, Value>,
    mut proof: Map<String, Value>,
    signer: &Signer,
) -> Result<Value, StatusListError> {
    if let Some(ctx) = document.get("@context") {
        proof.insert("@context".into(), ctx.clone());
    }
    let signature = signer.sign_bytes(&hash_data(&document, &proof)?);
    proof.insert("proofValue".into(), format!("z{}", bs58::encode(signature).into_string()).into());
    document.insert("proof".into(), Value::Object(proof));
    Ok(Value::Object(document))
}

/// Checks `document`'s `eddsa-jcs-2022` proof against `key` (the caller
/// decides whether the proof's verification method names that key).
pub fn verify_document(document: &Map<String, Value>, key: &VerifyingKey) -> Result<(), StatusListError> {
    let proof =
        document.get("proof").and_then(Value::as_object).ok_or_else(|| StatusListError::Proof("no proof".into()))?;
    for (k, want) in [("type", "DataIntegrityProof"), ("cryptosuite", "eddsa-jcs-2022")] {
        if proof.get(k).and_then(Value::as_str) != Some(want) {
            return Err(StatusListError::Proof(format!("its {k} is not {want}")));
        }
    }
    // The proof's context must open the document's.
    if let Some(pctx) = proof.get("@context") {
        let as_list = |v: &Value| v.as_array().cloned().unwrap_or_else(|| vec![v.clone()]);
        let (p, d) = (as_list(pctx), document.get("@context").map(as_list).unwrap_or_default());
        if !d.starts_with(&p) {
            return Err(StatusListError::Proof("the proof's @context does not match the document's".into()));
        }
    }
    let value = proof.get("proofValue").and_then(Value::as_str).unwrap_or_default();
    let sig = value
        .strip_prefix('z')
        .and_then(|z| bs58::decode(z).into_vec().ok())
        .and_then(|b| Signature::from_slice(&b).ok())
        .ok_or_else(|| StatusListError::Proof("proofValue is not a base58btc Ed25519 signature".into()))?;
    key.verify_strict(&hash_data(document, proof)?, &sig)
        .map_err(|_| StatusListError::Proof("the signature does not match: the list was changed".into()))
}

/// Builds and signs the status list credential.
///
/// `id` is the URL it is served at; `valid_from`/`valid_until` are RFC
/// 3339 times (a checker refuses a list past `validUntil`, so a stale list
/// cannot be replayed for long).
pub fn credential(
    id: &str,
    list: &Bitstring,
    valid_from: &str,
    valid_until: &str,
    signer: &Signer,
) -> Result<Value, StatusListError> {
    let issuer = did_key(&signer.verifying_key());
    let method = format!("{issuer}#{}", issuer.trim_start_matches("did:key:"));
    let doc = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": id,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        // The log the list belongs to: the key alone does not say (a key
        // restored elsewhere or reused under another name would).
        "name": signer.name(),
        "validFrom": valid_from,
        "validUntil": valid_until,
        "credentialSubject": {
            "id": format!("{id}#list"),
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": list.encode(),
        },
    });
    let proof = json!({
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-jcs-2022",
        "created": valid_from,
        "verificationMethod": method,
        "proofPurpose": "assertionMethod",
    });
    let (Value::Object(doc), Value::Object(proof)) = (doc, proof) else {
        return Err(malformed("internal: not objects"));
    };
    sign_document(doc, proof, signer)
}

/// What a verified status list says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedList {
    pub list: Bitstring,
    /// The log the list says it belongs to (its `name`).
    pub log: String,
    pub valid_from: String,
    pub valid_until: String,
}

/// Checks a status list credential: its shape, that it is a revocation
/// list, and its `eddsa-jcs-2022` proof by `key` (the issuer's `did:key`
/// and the verification method must be that key). The caller checks the
/// validity period against its clock.
pub fn verify(credential: &Value, key: &VerifyingKey) -> Result<VerifiedList, StatusListError> {
    let doc = credential.as_object().ok_or_else(|| malformed("not a JSON object"))?;
    let types = doc.get("type").and_then(Value::as_array).ok_or_else(|| malformed("no type"))?;
    if !types.iter().any(|t| t == "BitstringStatusListCredential") {
        return Err(malformed("its type is not BitstringStatusListCredential"));
    }
    let subject = doc.get("credentialSubject").and_then(Value::as_object).ok_or_else(|| malformed("no subject"))?;
    if subject.get("type").and_then(Value::as_str) != Some("BitstringStatusList") {
        return Err(malformed("the subject's type is not BitstringStatusList"));
    }
    if subject.get("statusPurpose").and_then(Value::as_str) != Some("revocation") {
        return Err(malformed("its purpose is not revocation"));
    }
    let expected = did_key(key);
    if doc.get("issuer").and_then(Value::as_str) != Some(expected.as_str()) {
        return Err(StatusListError::Proof(format!(
            "it is issued by {:?}, not by the registry's key",
            doc.get("issuer")
        )));
    }
    let proof = doc.get("proof").and_then(Value::as_object).ok_or_else(|| StatusListError::Proof("no proof".into()))?;
    if proof.get("proofPurpose").and_then(Value::as_str) != Some("assertionMethod") {
        return Err(StatusListError::Proof("its proofPurpose is not assertionMethod".into()));
    }
    let method = proof.get("verificationMethod").and_then(Value::as_str).unwrap_or_default();
    if parse_did_key(method)? != *key {
        return Err(StatusListError::Proof("signed by another key".into()));
    }
    verify_document(doc, key)?;
    let encoded = subject.get("encodedList").and_then(Value::as_str).ok_or_else(|| malformed("no encodedList"))?;
    let text =
        |k: &str| doc.get(k).and_then(Value::as_str).map(String::from).ok_or_else(|| malformed(format!("no {k}")));
    Ok(VerifiedList {
        list: Bitstring::decode(encoded)?,
        log: text("name")?,
        valid_from: text("validFrom")?,
        valid_until: text("validUntil")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::SigningKey;

    fn signer() -> Signer {
        Signer::new("registry.example/log", SigningKey::from_bytes(&[5; 32])).unwrap()
    }

    #[test]
    fn bits_are_big_endian_and_the_list_has_its_minimum() {
        let mut b = Bitstring::for_indexes(Some(3));
        assert_eq!(b.len_bits(), MIN_BITS as u64);
        assert!(b.set(0, true) && b.set(9, true));
        assert_eq!(b.bytes[0], 0x80);
        assert_eq!(b.bytes[1], 0x40);
        assert_eq!((b.get(0), b.get(1), b.get(9)), (Some(true), Some(false), Some(true)));
        assert_eq!(b.get(MIN_BITS as u64), None);
        assert!(!b.set(MIN_BITS as u64, true));
        assert_eq!(Bitstring::for_indexes(Some(MIN_BITS as u64)).len_bits(), MIN_BITS as u64 + 8192);
        let back = Bitstring::decode(&b.encode()).unwrap();
        assert_eq!(back, b);
        // Deterministic: the same bits, the same text.
        assert_eq!(b.encode(), back.encode());
    }

    #[test]
    fn hostile_encodings_are_refused() {
        let small = format!("u{}", {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            gz.write_all(&[0; 16]).unwrap();
            B64URL.encode(gz.finish().unwrap())
        });
        for bad in ["", "zabc", "u!!!", "uAAAA", &small] {
            assert!(Bitstring::decode(bad).is_err(), "{bad}");
        }
        // A GZIP bomb stops at the limit.
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        for _ in 0..(MAX_BYTES / (1 << 20) + 1) {
            gz.write_all(&vec![0; 1 << 20]).unwrap();
        }
        let bomb = format!("u{}", B64URL.encode(gz.finish().unwrap()));
        assert!(matches!(Bitstring::decode(&bomb), Err(StatusListError::Encoding(e)) if e.contains("larger")));
    }

    #[test]
    fn did_keys_round_trip() {
        let k = signer().verifying_key();
        let did = did_key(&k);
        assert!(did.starts_with("did:key:z6Mk"), "{did}");
        assert_eq!(parse_did_key(&did).unwrap(), k);
        assert_eq!(parse_did_key(&format!("{did}#{}", &did[8..])).unwrap(), k);
        assert!(parse_did_key("did:key:zQ3s").is_err());
        assert!(parse_did_key("did:web:example.com").is_err());
    }

    #[test]
    fn a_signed_list_verifies_and_any_change_breaks_it() {
        let s = signer();
        let mut list = Bitstring::for_indexes(Some(10));
        list.set(7, true);
        let c =
            credential("https://r.example/status/list.json", &list, "2026-11-28T00:00:00Z", "2026-11-29T00:00:00Z", &s)
                .unwrap();
        let v = verify(&c, &s.verifying_key()).unwrap();
        assert_eq!(v.list.get(7), Some(true));
        assert_eq!(v.valid_until, "2026-11-29T00:00:00Z");
        // Key order does not matter (JCS); content does.
        let reordered: Value = serde_json::from_str(&serde_json::to_string_pretty(&c).unwrap()).unwrap();
        assert!(verify(&reordered, &s.verifying_key()).is_ok());
        let mut flipped = list.clone();
        flipped.set(7, false);
        let mut changed = c.clone();
        changed["credentialSubject"]["encodedList"] = flipped.encode().into();
        assert!(matches!(verify(&changed, &s.verifying_key()), Err(StatusListError::Proof(_))));
        let mut later = c.clone();
        later["validUntil"] = "2099-01-01T00:00:00Z".into();
        assert!(matches!(verify(&later, &s.verifying_key()), Err(StatusListError::Proof(_))));
        let other = Signer::new("registry.example/log", SigningKey::from_bytes(&[6; 32])).unwrap();
        assert!(matches!(verify(&c, &other.verifying_key()), Err(StatusListError::Proof(_))));
        let mut purpose = c.clone();
        purpose["credentialSubject"]["statusPurpose"] = "suspension".into();
        assert!(matches!(verify(&purpose, &s.verifying_key()), Err(StatusListError::Malformed(_))));
        assert!(verify(&json!([]), &s.verifying_key()).is_err());
    }

    /// The cryptosuite's own test vector (W3C vc-di-eddsa,
    /// TestVectors/eddsa-jcs-2022, copied into tests/data with its source):
    /// the same key and proof options give the same proofValue, and the
    /// published signed credential verifies.
    #[test]
    fn the_specifications_test_vector() {
        let v: Value = serde_json::from_str(include_str!("../tests/data/eddsa-jcs-2022/signedJCS.json")).unwrap();
        let keys: Value = serde_json::from_str(include_str!("../tests/data/eddsa-jcs-2022/keyPair.json")).unwrap();
        let public = parse_did_key(&format!("did:key:{}", keys["publicKeyMultibase"].as_str().unwrap())).unwrap();
        verify_document(v.as_object().unwrap(), &public).unwrap();
        // The private key: multicodec ed25519-priv (0x8026) and the seed.
        let private = bs58::decode(&keys["privateKeyMultibase"].as_str().unwrap()[1..]).into_vec().unwrap();
        assert_eq!(&private[..2], &[0x80, 0x26]);
        let seed: [u8; 32] = private[2..].try_into().unwrap();
        let signer = Signer::new("vector", SigningKey::from_bytes(&seed)).unwrap();
        assert_eq!(signer.verifying_key(), public);
        let mut doc = v.as_object().unwrap().clone();
        let mut proof = doc.remove("proof").unwrap().as_object().unwrap().clone();
        let want = proof.remove("proofValue").unwrap();
        proof.remove("@context");
        let signed = sign_document(doc, proof, &signer).unwrap();
        assert_eq!(signed["proof"]["proofValue"], want);
        assert_eq!(signed, v);
        let mut changed = v.clone();
        changed["credentialSubject"]["alumniOf"] = "Another School".into();
        assert!(verify_document(changed.as_object().unwrap(), &public).is_err());
    }
}
