//! Signed configuration bundles.
//!
//! A bundle is one JSON object (UTF-8, the file `*.bundle`):
//!
//! ```json
//! {
//!   "format": "kiosk-config-bundle/1",
//!   "version": 7,
//!   "created": 1767225600,
//!   "config": "<the kiosk.toml text, verbatim>",
//!   "key": "<signer's ed25519 public key, 64 hex digits>",
//!   "signature": "<ed25519 signature, 128 hex digits>"
//! }
//! ```
//!
//! `version` is a monotonic integer (a kiosk refuses a version ≤ the one in force);
//! `created` is Unix seconds (UTC). The signature covers the canonical byte string
//!
//! ```text
//! "kiosk-config-bundle/1" ‖ 0x00 ‖ version (u64 big-endian) ‖ created (u64 big-endian)
//!   ‖ SHA-256(config text bytes)
//! ```
//!
//! and is checked with `verify_strict` against the keys the kiosk trusts; `key` only says
//! which key signed, it is never trusted by itself.

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::keys;

/// The `format` field of this version of the bundle format.
pub const FORMAT: &str = "kiosk-config-bundle/1";

/// A configuration bundle as stored in a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    pub format: String,
    pub version: u64,
    pub created: u64,
    pub config: String,
    pub key: String,
    pub signature: String,
}

/// Failures of reading, signing or verifying a bundle.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("not a configuration bundle: {0}")]
    Format(#[source] serde_json::Error),
    #[error("bundle format is {0:?}; this kiosk reads {FORMAT:?}")]
    UnknownFormat(String),
    #[error("bundle signature is not 64 bytes of hex")]
    SignatureEncoding,
    #[error(
        "bundle was signed by {signer}, which is not among the {trusted} trusted agency key(s)"
    )]
    UntrustedKey { signer: String, trusted: usize },
    #[error(
        "bundle signature does not match its contents (tampered with, or signed by another key)"
    )]
    BadSignature,
    #[error("no version to sign: give --version N or set [kiosk] config_version")]
    NoVersion,
    #[error("bundle version {flag} (--version) differs from [kiosk] config_version {config}")]
    VersionMismatch { flag: u64, config: u64 },
}

/// SHA-256 of a configuration text, lowercase hex.
pub fn digest(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// The canonical bytes the signature covers.
pub(crate) fn signed_bytes(version: u64, created: u64, config: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(FORMAT.len() + 1 + 16 + 32);
    out.extend_from_slice(FORMAT.as_bytes());
    out.push(0);
    out.extend_from_slice(&version.to_be_bytes());
    out.extend_from_slice(&created.to_be_bytes());
    out.extend_from_slice(&Sha256::digest(config.as_bytes()));
    out
}

impl Bundle {
    /// Signs `config` as `version`, created at `created` (Unix seconds).
    pub fn sign(key: &SigningKey, version: u64, created: u64, config: &str) -> Bundle {
        let signature = key.sign(&signed_bytes(version, created, config));
        Bundle {
            format: FORMAT.to_owned(),
            version,
            created,
            config: config.to_owned(),
            key: keys::encode_public(&key.verifying_key()),
            signature: hex::encode(signature.to_bytes()),
        }
    }

    /// Reads a bundle file's text.
    pub fn from_json(text: &str) -> Result<Bundle, BundleError> {
        let bundle: Bundle = serde_json::from_str(text).map_err(BundleError::Format)?;
        if bundle.format != FORMAT {
            return Err(BundleError::UnknownFormat(bundle.format));
        }
        Ok(bundle)
    }

    /// The bundle file's text.
    pub fn to_json(&self) -> Result<String, BundleError> {
        serde_json::to_string_pretty(self)
            .map(|s| s + "\n")
            .map_err(BundleError::Format)
    }

    /// Checks the signature against `trusted`; returns the key that signed.
    pub fn verify(&self, trusted: &[VerifyingKey]) -> Result<VerifyingKey, BundleError> {
        let mut sig = [0u8; 64];
        hex::decode_to_slice(&self.signature, &mut sig)
            .map_err(|_| BundleError::SignatureEncoding)?;
        let signature = Signature::from_bytes(&sig);
        let message = signed_bytes(self.version, self.created, &self.config);
        match keys::decode_public(&self.key) {
            Ok(signer) if trusted.contains(&signer) => signer
                .verify_strict(&message, &signature)
                .map(|()| signer)
                .map_err(|_| BundleError::BadSignature),
            _ => Err(BundleError::UntrustedKey {
                signer: self.key.clone(),
                trusted: trusted.len(),
            }),
        }
    }
}

/// The version to sign: `--version` if given, else `[kiosk] config_version`; both given
/// must agree.
pub fn choose_version(flag: Option<u64>, config: Option<u64>) -> Result<u64, BundleError> {
    match (flag, config) {
        (Some(f), Some(c)) if f != c => Err(BundleError::VersionMismatch { flag: f, config: c }),
        (Some(v), _) | (None, Some(v)) => Ok(v),
        (None, None) => Err(BundleError::NoVersion),
    }
}
