//! The batch signature (`manifest.sig`): an ed25519 signature over `manifest.json` made with
//! the kiosk's archive signing key (`[keys] archive_signing_key`). The manifest lists every
//! file of the batch with its SHA-256 and `SHA256SUMS` is derived from it, so the signature
//! covers the whole batch.
//!
//! The file is JSON:
//!
//! ```text
//! {"format": "kiosk-archive-signature/2", "algorithm": "ed25519",
//!  "key": <public key, 64 hex>, "manifest_sha256": <hex>, "signature": <128 hex>}
//! ```
//!
//! The signed message is `kiosk-archive-signature/2\n` followed by the 32 bytes of the
//! manifest's SHA-256 (the prefix keeps the signature from passing for any other kind of
//! signed text). Format 1 signed the manifest's bytes themselves: ed25519 hashes its message
//! twice with SHA-512, which for the 75 MB manifest of a 100 000-case month was a tenth of the
//! seal's time; the manifest's SHA-256 is computed anyway.
//! Verification ([`check`]) names what failed: no signature, an unreadable one, a signature
//! that does not match the manifest (altered after sealing), or a valid signature by a key
//! that is not among the trusted ones (`[keys] archive`).

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};

use sha2::{Digest, Sha256};

/// The signature file's format identifier, also the signed message's prefix.
pub const FORMAT: &str = "kiosk-archive-signature/2";
/// The signature file's name in the batch.
pub(crate) const SIGNATURE: &str = "manifest.sig";

/// What `manifest.sig` holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SignatureFile {
    pub format: String,
    pub algorithm: String,
    /// The signer's public key, 64 lowercase hex digits.
    pub key: String,
    /// SHA-256 of the manifest signed (for people; the signature is what is checked).
    pub manifest_sha256: String,
    /// 128 lowercase hex digits.
    pub signature: String,
}

/// The message signed for a manifest whose SHA-256 is `digest`.
fn message(digest: &[u8; 32]) -> Vec<u8> {
    let mut m = Vec::with_capacity(FORMAT.len() + 1 + digest.len());
    m.extend_from_slice(FORMAT.as_bytes());
    m.push(b'\n');
    m.extend_from_slice(digest);
    m
}

fn digest(manifest: &[u8]) -> [u8; 32] {
    Sha256::digest(manifest).into()
}

/// Signs a manifest: the bytes of `manifest.sig`.
pub fn sign(key: &SigningKey, manifest: &[u8]) -> Vec<u8> {
    let digest = digest(manifest);
    let file = SignatureFile {
        format: FORMAT.into(),
        algorithm: "ed25519".into(),
        key: hex::encode(key.verifying_key().as_bytes()),
        manifest_sha256: hex::encode(digest),
        signature: hex::encode(key.sign(&message(&digest)).to_bytes()),
    };
    // A struct of strings always serialises.
    let mut bytes = serde_json::to_vec_pretty(&file).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// Reads the kiosk's archive signing key (`[keys] archive_signing_key`, a key file from
/// `kiosk config keygen`), refusing a file that group or others may read.
pub fn load_signing_key(path: &std::path::Path) -> Result<SigningKey, super::ArchiveError> {
    let bad = |why: String| super::ArchiveError::SigningKey {
        path: path.to_owned(),
        why,
    };
    match crate::sqlite::key::readable_by_others(path) {
        Err(e) => return Err(bad(format!("cannot be read: {e}"))),
        Ok(Some(mode)) => {
            return Err(bad(format!(
                "is readable by group or others (mode {mode:o}); it must be readable by the \
                 kiosk only: chmod 600 it"
            )))
        }
        Ok(None) => {}
    }
    let text = zeroize::Zeroizing::new(
        std::fs::read_to_string(path).map_err(|e| bad(format!("cannot be read: {e}")))?,
    );
    firmware_config::keys::decode_secret(&text).map_err(|e| bad(e.to_string()))
}

/// The trusted archive keys (`[keys] archive`); a key that does not decode is named.
pub fn trusted_keys(
    keys: &firmware_config::Keys,
) -> Result<Vec<VerifyingKey>, super::ArchiveError> {
    keys.archive
        .iter()
        .enumerate()
        .map(|(index, text)| {
            firmware_config::keys::decode_public(text).map_err(|e| {
                super::ArchiveError::TrustedKey {
                    index,
                    why: e.to_string(),
                }
            })
        })
        .collect()
}

/// The outcome of checking a batch's signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum SignatureCheck {
    /// Signed by a trusted key, over this manifest.
    Valid { key: String },
    /// The batch has no `manifest.sig`.
    Missing,
    /// `manifest.sig` cannot be read as a signature.
    Malformed { why: String },
    /// The signature does not verify over this manifest: the manifest (or the signature) was
    /// altered after sealing.
    Bad { key: String },
    /// A valid signature, by a key not in `[keys] archive`.
    UnknownKey { key: String },
    /// A valid signature, but no trusted archive keys were given to check it against.
    NoTrustedKeys { key: String },
}

impl SignatureCheck {
    /// Whether the batch is signed by a trusted key.
    pub fn ok(&self) -> bool {
        matches!(self, SignatureCheck::Valid { .. })
    }

    /// Whether the signature verifies over the manifest, whoever the signer (what an export
    /// needs: trust is checked by whoever verifies the export).
    pub fn intact(&self) -> bool {
        matches!(
            self,
            SignatureCheck::Valid { .. }
                | SignatureCheck::UnknownKey { .. }
                | SignatureCheck::NoTrustedKeys { .. }
        )
    }

    /// One line for people.
    pub fn describe(&self) -> String {
        match self {
            SignatureCheck::Valid { key } => format!("signed by trusted archive key {key}"),
            SignatureCheck::Missing => format!("missing signature: there is no {SIGNATURE}"),
            SignatureCheck::Malformed { why } => format!("bad signature file {SIGNATURE}: {why}"),
            SignatureCheck::Bad { key } => format!(
                "bad signature: {SIGNATURE} (key {key}) does not verify over manifest.json, which \
                 was altered after sealing (or the signature was)"
            ),
            SignatureCheck::UnknownKey { key } => {
                format!("unknown key: the batch is signed by {key}, which is not in [keys] archive")
            }
            SignatureCheck::NoTrustedKeys { key } => format!(
                "signature not checked: the batch is signed by {key}, but no trusted archive keys \
                 are configured ([keys] archive is empty)"
            ),
        }
    }
}

/// Checks `manifest.sig` (if there is one) over the manifest's bytes against the trusted keys.
pub fn check(
    signature: Option<&[u8]>,
    manifest: &[u8],
    trusted: &[VerifyingKey],
) -> SignatureCheck {
    let Some(bytes) = signature else {
        return SignatureCheck::Missing;
    };
    let malformed = |why: String| SignatureCheck::Malformed { why };
    let file: SignatureFile = match serde_json::from_slice(bytes) {
        Ok(f) => f,
        Err(e) => return malformed(format!("not signature JSON ({e})")),
    };
    if file.format != FORMAT {
        return malformed(format!(
            "format {:?}; this program reads {FORMAT:?}",
            file.format
        ));
    }
    if file.algorithm != "ed25519" {
        return malformed(format!(
            "algorithm {:?}; expected \"ed25519\"",
            file.algorithm
        ));
    }
    let key = match firmware_config::keys::decode_public(&file.key) {
        Ok(k) => k,
        Err(e) => return malformed(format!("the key {e}")),
    };
    let key_hex = hex::encode(key.as_bytes());
    let mut sig = [0u8; 64];
    if hex::decode_to_slice(&file.signature, &mut sig).is_err() {
        return malformed("the signature is not 128 hex digits".into());
    }
    let sig = Signature::from_bytes(&sig);
    if key
        .verify_strict(&message(&digest(manifest)), &sig)
        .is_err()
    {
        return SignatureCheck::Bad { key: key_hex };
    }
    if trusted.is_empty() {
        SignatureCheck::NoTrustedKeys { key: key_hex }
    } else if trusted.contains(&key) {
        SignatureCheck::Valid { key: key_hex }
    } else {
        SignatureCheck::UnknownKey { key: key_hex }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    /// The message is the format line and the manifest's SHA-256, so a signature can be
    /// checked with any ed25519 tool from `sha256sum manifest.json`.
    #[test]
    fn the_signed_message_is_the_format_and_the_digest() {
        let manifest = b"{}\n";
        let k = key(7);
        let file: SignatureFile = serde_json::from_slice(&sign(&k, manifest)).unwrap();
        let digest =
            hex::decode("ca3d163bab055381827226140568f3bef7eaac187cebd76878e0b63e9e442356")
                .unwrap();
        assert_eq!(file.manifest_sha256, hex::encode(&digest));
        let mut msg = b"kiosk-archive-signature/2\n".to_vec();
        msg.extend_from_slice(&digest);
        let mut sig = [0u8; 64];
        hex::decode_to_slice(&file.signature, &mut sig).unwrap();
        k.verifying_key()
            .verify_strict(&msg, &Signature::from_bytes(&sig))
            .unwrap();
    }

    #[test]
    fn each_outcome() {
        let manifest = b"{\"format\":\"kiosk-archive-batch/2\"}\n";
        let k = key(7);
        let sig = sign(&k, manifest);
        let trusted = [k.verifying_key()];
        assert!(check(Some(&sig), manifest, &trusted).ok());
        assert_eq!(check(None, manifest, &trusted), SignatureCheck::Missing);
        assert!(matches!(
            check(Some(&sig), b"{\"format\":\"other\"}\n", &trusted),
            SignatureCheck::Bad { .. }
        ));
        let other = [key(8).verifying_key()];
        let unknown = check(Some(&sig), manifest, &other);
        assert!(
            matches!(unknown, SignatureCheck::UnknownKey { .. }),
            "{unknown:?}"
        );
        assert!(unknown.intact() && !unknown.ok());
        assert!(matches!(
            check(Some(&sig), manifest, &[]),
            SignatureCheck::NoTrustedKeys { .. }
        ));
        assert!(matches!(
            check(Some(b"not json"), manifest, &trusted),
            SignatureCheck::Malformed { .. }
        ));
        // A signature by another key under this key's name does not verify.
        let mut forged: SignatureFile = serde_json::from_slice(&sign(&key(9), manifest)).unwrap();
        forged.key = hex::encode(k.verifying_key().as_bytes());
        let forged = serde_json::to_vec(&forged).unwrap();
        assert!(matches!(
            check(Some(&forged), manifest, &trusted),
            SignatureCheck::Bad { .. }
        ));
    }
}
