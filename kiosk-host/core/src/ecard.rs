//! Electronic social security cards (电子社保卡): the activation code the kiosk shows once an
//! e-card is issued, and the dynamic QR code the e-card app shows, which identifies the holder
//! for 60 seconds.
//!
//! Every code is compact text for a QR code: `<prefix><base64url payload>.<base64url
//! signature>`, without padding, the ed25519 signature made over the exact payload bytes.
//!
//! | prefix | payload (JSON) | made by | valid |
//! |---|---|---|---|
//! | `SSEC2.` | `{"v":2,"kind":"ecard","tid":…,"iat":…,"exp":…}` | the kiosk ([`EcardIssuer`], agency key from `[keys] ecard_signing_key`) | until `exp`, [`ACTIVATION_VALIDITY_S`] after `iat` ([`EcardVerifier::verify_activation`]) |
//! | `SSEQ2.` | `{"v":2,"kind":"dynamic","tid":…,"ts":…}` | the e-card app ([`sign_dynamic_ref`]) | 60 s after `ts`, at most 5 s early |
//! | `SSEC1.` | `{"v":1,"kind":"ecard","tid":…,"idn":…,"cn":…,"iat":…}` | kiosks before version 2 (no longer issued) | no expiry ([`EcardVerifier::verify_token`]) |
//! | `SSEQ1.` | `{"v":1,"kind":"dynamic","tid":…,"idn":…,"cn":…,"ts":…}` | e-card apps before version 2 ([`sign_dynamic`]) | 60 s after `ts`, at most 5 s early |
//!
//! `tid` is the token identifier (16 random bytes, hex), `idn` the ID number, `cn` the card
//! number, `iat`/`ts`/`exp` Unix seconds. The payload carries `kind`, so a token cannot pass
//! as a dynamic code or the other way round, whatever its prefix says.
//!
//! Version 2 carries nothing personal: `tid` is an opaque reference that only a verifier with
//! the registry resolves to the holder (`Registry::ecard_by_token`), so a phone held up behind
//! the citizen reads a random number that expires. Version 1 payloads are signed, not
//! encrypted: whoever reads one reads the ID number. They keep verifying (a v1 dynamic code
//! still lives 60 s; a v1 token never expired and stays what the registry's e-card record
//! says), but a kiosk issues and shows only version 2. Debug output of the types here masks
//! the ID number ([`crate::mask::id_number`]).

use std::fmt;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, TimeDelta};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use firmware_config::keys::{self, KeyError};
use rand::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::domain::{Ecard, Timestamp};
use crate::mask;

/// Prefix of an e-card token of version 1 (carries the ID number; no longer issued).
pub const TOKEN_PREFIX: &str = "SSEC1.";
/// Prefix of a dynamic e-card QR code of version 1 (carries the ID number).
pub const DYNAMIC_PREFIX: &str = "SSEQ1.";
/// Prefix of the activation code a kiosk issues (an opaque reference, expiring).
pub const ACTIVATION_PREFIX: &str = "SSEC2.";
/// Prefix of a dynamic e-card QR code of version 2 (an opaque reference).
pub const DYNAMIC_REF_PREFIX: &str = "SSEQ2.";
/// The payload version of the version-1 formats.
pub(crate) const VERSION: u32 = 1;
/// The payload version of the opaque formats.
pub(crate) const VERSION_REF: u32 = 2;
/// How long an activation code is valid after it was issued, seconds: the citizen scans it
/// into the e-card app at the kiosk.
pub const ACTIVATION_VALIDITY_S: i64 = 600;
/// How long a dynamic code is valid after it was signed, seconds.
pub const DYNAMIC_VALIDITY_S: i64 = 60;
/// How far ahead of the kiosk's clock a dynamic code may be dated, seconds.
pub const CLOCK_SKEW_S: i64 = 5;
/// The longest code accepted, bytes (the QR scanner's line limit is 1024).
pub const MAX_CODE_LEN: usize = 1024;

const KIND_ECARD: &str = "ecard";
const KIND_DYNAMIC: &str = "dynamic";

/// Why an e-card code was refused, or a key could not be had.
#[derive(Debug, thiserror::Error)]
pub enum EcardError {
    /// The text does not start with the expected prefix.
    #[error("not an e-card code: it does not start with {expected}")]
    WrongPrefix {
        /// The prefix that was expected.
        expected: &'static str,
    },
    /// Longer than any code the formats make.
    #[error("the code is {len} bytes long; an e-card code has at most {MAX_CODE_LEN}")]
    TooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// Not `<payload>.<signature>` after the prefix.
    #[error("the code has {parts} part(s) after the prefix; expected payload.signature")]
    Shape {
        /// How many `.`-separated parts it had.
        parts: usize,
    },
    /// A part is not base64url.
    #[error("the {part} is not base64url: {source}")]
    Base64 {
        /// `payload` or `signature`.
        part: &'static str,
        /// The decoder's complaint.
        #[source]
        source: base64::DecodeError,
    },
    /// The signature part does not hold 64 bytes.
    #[error("the signature is {len} bytes long; an ed25519 signature is 64")]
    SignatureLength {
        /// Its length in bytes.
        len: usize,
    },
    /// No e-card key is configured, so nothing can be verified.
    #[error("no e-card platform key is configured ([keys] ecard is empty)")]
    NoKeys,
    /// The signature verifies under none of the trusted keys: forged, altered, or signed with a
    /// key that is not in `[keys] ecard`.
    #[error(
        "the signature does not verify under any of the {keys} trusted e-card key(s): forged, altered, or signed by an unknown key"
    )]
    BadSignature {
        /// How many keys were tried.
        keys: usize,
    },
    /// The signed payload is not the expected JSON.
    #[error("the signed payload is not e-card JSON: {source}")]
    Json {
        /// What serde_json said.
        #[source]
        source: serde_json::Error,
    },
    /// A payload version this kiosk does not know.
    #[error(
        "payload version {found} does not go with the code's prefix (SSEC1./SSEQ1. carry version 1, SSEC2./SSEQ2. version 2)"
    )]
    Version {
        /// The version in the payload.
        found: u32,
    },
    /// A token presented as a dynamic code, or the other way round.
    #[error("the payload is of kind {found:?}, expected {expected:?}")]
    WrongKind {
        /// The kind wanted here.
        expected: &'static str,
        /// The kind in the payload.
        found: String,
    },
    /// The time in the payload is not a representable instant.
    #[error("the payload time {seconds} is not a valid Unix time")]
    BadTime {
        /// The value in the payload.
        seconds: i64,
    },
    /// An activation code past its `exp`.
    #[error("the activation code expired {ago_s} s ago: issue the e-card again at a kiosk")]
    ActivationExpired {
        /// How long ago, in whole seconds.
        ago_s: i64,
    },
    /// A dynamic code older than [`DYNAMIC_VALIDITY_S`].
    #[error(
        "the dynamic code was signed {age_s} s ago and is valid {DYNAMIC_VALIDITY_S} s: ask the holder to refresh the code in the app"
    )]
    Expired {
        /// Its age in whole seconds.
        age_s: i64,
    },
    /// A dynamic code dated more than [`CLOCK_SKEW_S`] ahead of the kiosk's clock.
    #[error(
        "the dynamic code is dated {ahead_s} s in the future (more than {CLOCK_SKEW_S} s): check the kiosk's clock and the phone's"
    )]
    FromTheFuture {
        /// How far ahead, in whole seconds.
        ahead_s: i64,
    },
    /// A key in `[keys] ecard` is not a public key.
    #[error("[keys] ecard[{index}] {source}")]
    PublicKey {
        /// Its position in the list.
        index: usize,
        /// What is wrong with it.
        #[source]
        source: KeyError,
    },
    /// The private key file could not be read.
    #[error("cannot read the e-card signing key {}: {source}", path.display())]
    KeyFileRead {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// The private key file is readable by other users.
    #[error(
        "the e-card signing key {} is readable by group or others (mode {mode:o}); it must be readable by the kiosk only: chmod 600 it",
        path.display()
    )]
    KeyFileMode {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The private key file does not hold a private key.
    #[error("the e-card signing key {} {source}", path.display())]
    KeyFileFormat {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        #[source]
        source: KeyError,
    },
}

/// The payload of an issued token.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenPayload {
    v: u32,
    kind: String,
    tid: String,
    idn: String,
    cn: String,
    iat: i64,
}

/// The payload of a dynamic code.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct DynamicPayload {
    v: u32,
    kind: String,
    tid: String,
    idn: String,
    cn: String,
    ts: i64,
}

/// The payload of an activation code (version 2): nothing personal.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ActivationPayload {
    v: u32,
    kind: String,
    tid: String,
    iat: i64,
    exp: i64,
}

/// The payload of a dynamic code of version 2: nothing personal.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct DynamicRefPayload {
    v: u32,
    kind: String,
    tid: String,
    ts: i64,
}

/// A verified activation code: the e-card it refers to, and its validity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activation {
    /// The e-card's token identifier (the registry's `ecards.token_id`).
    pub token_id: String,
    pub issued_at: Timestamp,
    pub expires_at: Timestamp,
}

/// A verified dynamic code: who it names (version 1), or the e-card it refers to, for the
/// registry to resolve (version 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scanned {
    /// A version-1 code, with the holder's numbers in it.
    Named(EcardIdentity),
    /// A version-2 code: the token identifier only.
    Reference {
        token_id: String,
        signed_at: Timestamp,
    },
}

/// A freshly issued e-card: the registry's record and the activation code to show as a QR
/// code (`SSEC2.`, nothing personal in it, valid [`ACTIVATION_VALIDITY_S`]).
#[derive(Clone, PartialEq)]
pub struct IssuedEcard {
    /// The record (its `issued_at` is the token's `iat`, whole seconds).
    pub ecard: Ecard,
    /// `SSEC2.<payload>.<signature>`.
    pub token: String,
}

impl fmt::Debug for IssuedEcard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedEcard")
            .field("id_number", &mask::id_number(&self.ecard.id_number))
            .field("card_number", &mask::middle(&self.ecard.card_number, 0, 4))
            .field("token_id", &self.ecard.token_id)
            .field("issued_at", &self.ecard.issued_at)
            .field("token", &format_args!("<{} bytes>", self.token.len()))
            .finish()
    }
}

/// Who a verified dynamic code says the holder is.
#[derive(Clone, PartialEq, Eq)]
pub struct EcardIdentity {
    /// ID number (社会保障号码).
    pub id_number: String,
    /// Card number.
    pub card_number: String,
    /// The e-card's token identifier.
    pub token_id: String,
    /// When the app signed the code.
    pub signed_at: Timestamp,
}

impl fmt::Debug for EcardIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EcardIdentity")
            .field("id_number", &mask::id_number(&self.id_number))
            .field("card_number", &mask::middle(&self.card_number, 0, 4))
            .field("token_id", &self.token_id)
            .field("signed_at", &self.signed_at)
            .finish()
    }
}

/// Issues e-card tokens with the agency's signing key.
pub struct EcardIssuer {
    key: SigningKey,
}

impl fmt::Debug for EcardIssuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EcardIssuer")
            .field(
                "public_key",
                &keys::encode_public(&self.key.verifying_key()),
            )
            .finish()
    }
}

impl EcardIssuer {
    /// An issuer signing with `signing_key` (see [`load_signing_key`]).
    pub fn new(signing_key: SigningKey) -> EcardIssuer {
        EcardIssuer { key: signing_key }
    }

    /// The public key that verifies this issuer's tokens.
    pub fn verifying_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    /// Issues an e-card: a fresh token identifier from `rng` (16 bytes), signed at `now`
    /// (whole seconds).
    pub fn issue<R: RngCore + CryptoRng>(
        &self,
        id_number: &str,
        card_number: &str,
        now: Timestamp,
        rng: &mut R,
    ) -> IssuedEcard {
        let mut tid = [0u8; 16];
        rng.fill_bytes(&mut tid);
        let token_id = hex::encode(tid);
        let iat = now.timestamp();
        let payload = ActivationPayload {
            v: VERSION_REF,
            kind: KIND_ECARD.into(),
            tid: token_id.clone(),
            iat,
            exp: iat.saturating_add(ACTIVATION_VALIDITY_S),
        };
        let token = seal(ACTIVATION_PREFIX, &self.key, &to_json(&payload));
        IssuedEcard {
            ecard: Ecard {
                id_number: id_number.into(),
                card_number: card_number.into(),
                token_id,
                // `now` without its fraction of a second, as the token carries it.
                issued_at: DateTime::from_timestamp(iat, 0).unwrap_or(now),
            },
            token,
        }
    }
}

/// The dynamic QR code the e-card app shows, version 2: `SSEQ2.<payload>.<signature>` with
/// only the token identifier, signed at `at` (whole seconds) with the platform's key. Used by
/// the simulator and the demo.
pub fn sign_dynamic_ref(key: &SigningKey, token_id: &str, at: Timestamp) -> String {
    let payload = DynamicRefPayload {
        v: VERSION_REF,
        kind: KIND_DYNAMIC.into(),
        tid: token_id.into(),
        ts: at.timestamp(),
    };
    seal(DYNAMIC_REF_PREFIX, key, &to_json(&payload))
}

/// The dynamic QR code of version 1: `SSEQ1.<payload>.<signature>`, with the ID and card
/// numbers in clear, signed at `at` (whole seconds) with the platform's key. What e-card apps
/// made before version 2; kiosks still read it.
pub fn sign_dynamic(
    key: &SigningKey,
    id_number: &str,
    card_number: &str,
    token_id: &str,
    at: Timestamp,
) -> String {
    let payload = DynamicPayload {
        v: VERSION,
        kind: KIND_DYNAMIC.into(),
        tid: token_id.into(),
        idn: id_number.into(),
        cn: card_number.into(),
        ts: at.timestamp(),
    };
    seal(DYNAMIC_PREFIX, key, &to_json(&payload))
}

/// Verifies e-card codes against the trusted keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcardVerifier {
    keys: Vec<VerifyingKey>,
}

impl EcardVerifier {
    /// A verifier trusting `keys`.
    pub fn new(keys: Vec<VerifyingKey>) -> EcardVerifier {
        EcardVerifier { keys }
    }

    /// A verifier trusting the keys of `[keys] ecard` (hex or base64). To verify the tokens
    /// this kiosk issues, its own public key must be listed there as well.
    pub fn from_config(config: &firmware_config::Keys) -> Result<EcardVerifier, EcardError> {
        let keys = config
            .ecard
            .iter()
            .enumerate()
            .map(|(index, text)| {
                keys::decode_public(text).map_err(|source| EcardError::PublicKey { index, source })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(EcardVerifier { keys })
    }

    /// The trusted keys.
    pub fn keys(&self) -> &[VerifyingKey] {
        &self.keys
    }

    /// Checks a scanned dynamic code of either version at `now` (see [`Self::verify_dynamic`]).
    pub fn verify_scan(&self, qr: &str, now: Timestamp) -> Result<Scanned, EcardError> {
        if !qr.trim_start().starts_with(DYNAMIC_REF_PREFIX) {
            return self.verify_dynamic(qr, now).map(Scanned::Named);
        }
        let bytes = self.open(DYNAMIC_REF_PREFIX, qr)?;
        let p: DynamicRefPayload = parse_version(&bytes, VERSION_REF, KIND_DYNAMIC)?;
        let signed_at = fresh(p.ts, now)?;
        Ok(Scanned::Reference {
            token_id: p.tid,
            signed_at,
        })
    }

    /// Checks an activation code (`SSEC2.`) at `now`: prefix, encoding, signature, payload,
    /// and that `exp` has not passed.
    pub fn verify_activation(&self, code: &str, now: Timestamp) -> Result<Activation, EcardError> {
        let bytes = self.open(ACTIVATION_PREFIX, code)?;
        let p: ActivationPayload = parse_version(&bytes, VERSION_REF, KIND_ECARD)?;
        let expires_at = instant(p.exp)?;
        if now > expires_at {
            return Err(EcardError::ActivationExpired {
                ago_s: now.signed_duration_since(expires_at).num_seconds(),
            });
        }
        Ok(Activation {
            token_id: p.tid,
            issued_at: instant(p.iat)?,
            expires_at,
        })
    }

    /// Checks a scanned dynamic code of version 1 at `now`: prefix, encoding, signature,
    /// payload, and its age (at most [`DYNAMIC_VALIDITY_S`] old, at most [`CLOCK_SKEW_S`]
    /// ahead).
    pub fn verify_dynamic(&self, qr: &str, now: Timestamp) -> Result<EcardIdentity, EcardError> {
        let bytes = self.open(DYNAMIC_PREFIX, qr)?;
        let p: DynamicPayload = parse(&bytes, KIND_DYNAMIC)?;
        let signed_at = fresh(p.ts, now)?;
        Ok(EcardIdentity {
            id_number: p.idn,
            card_number: p.cn,
            token_id: p.tid,
            signed_at,
        })
    }

    /// Checks a token of version 1 (`SSEC1.`): prefix, encoding, signature, payload. These
    /// tokens carry no expiry and are no longer issued; whether the e-card is still valid is
    /// the registry's business (revoking it there ends the token).
    pub fn verify_token(&self, token: &str) -> Result<Ecard, EcardError> {
        let bytes = self.open(TOKEN_PREFIX, token)?;
        let p: TokenPayload = parse(&bytes, KIND_ECARD)?;
        Ok(Ecard {
            id_number: p.idn,
            card_number: p.cn,
            token_id: p.tid,
            issued_at: instant(p.iat)?,
        })
    }

    /// The payload bytes of a code whose signature verifies under a trusted key.
    fn open(&self, prefix: &'static str, code: &str) -> Result<Vec<u8>, EcardError> {
        let code = code.trim();
        if code.len() > MAX_CODE_LEN {
            return Err(EcardError::TooLong { len: code.len() });
        }
        let body = code
            .strip_prefix(prefix)
            .ok_or(EcardError::WrongPrefix { expected: prefix })?;
        let parts: Vec<&str> = body.split('.').collect();
        let [payload_b64, signature_b64] = parts[..] else {
            return Err(EcardError::Shape { parts: parts.len() });
        };
        let payload = URL_SAFE_NO_PAD
            .decode(payload_b64)
            .map_err(|source| EcardError::Base64 {
                part: "payload",
                source,
            })?;
        let signature =
            URL_SAFE_NO_PAD
                .decode(signature_b64)
                .map_err(|source| EcardError::Base64 {
                    part: "signature",
                    source,
                })?;
        let signature =
            Signature::from_slice(&signature).map_err(|_| EcardError::SignatureLength {
                len: signature.len(),
            })?;
        if self.keys.is_empty() {
            return Err(EcardError::NoKeys);
        }
        if self
            .keys
            .iter()
            .any(|key| key.verify_strict(&payload, &signature).is_ok())
        {
            Ok(payload)
        } else {
            Err(EcardError::BadSignature {
                keys: self.keys.len(),
            })
        }
    }
}

/// Reads the agency's private key from a key file made by `kiosk config keygen`
/// (`ed25519-secret:<64 hex digits>`). The file must be readable by the kiosk only: a file
/// with any group or other permission bit is refused.
pub fn load_signing_key(path: &Path) -> Result<SigningKey, EcardError> {
    let read_err = |source| EcardError::KeyFileRead {
        path: path.to_owned(),
        source,
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map_err(read_err)?
            .permissions()
            .mode()
            & 0o777;
        if mode & 0o077 != 0 {
            return Err(EcardError::KeyFileMode {
                path: path.to_owned(),
                mode,
            });
        }
    }
    let text = Zeroizing::new(std::fs::read_to_string(path).map_err(read_err)?);
    keys::decode_secret(&text).map_err(|source| EcardError::KeyFileFormat {
        path: path.to_owned(),
        source,
    })
}

/// The fields every payload starts with, read first so that a payload of another version or
/// kind is reported as such rather than as a field mismatch.
#[derive(Deserialize)]
struct Header {
    v: u32,
    kind: String,
}

/// A verified version-1 payload's JSON (see [`parse_version`]).
fn parse<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    expected: &'static str,
) -> Result<T, EcardError> {
    parse_version(bytes, VERSION, expected)
}

/// The instant `ts` of a dynamic code, if the code is fresh at `now`.
fn fresh(ts: i64, now: Timestamp) -> Result<Timestamp, EcardError> {
    let signed_at = instant(ts)?;
    let age = now.signed_duration_since(signed_at);
    if age > TimeDelta::seconds(DYNAMIC_VALIDITY_S) {
        return Err(EcardError::Expired {
            age_s: age.num_seconds(),
        });
    }
    if -age > TimeDelta::seconds(CLOCK_SKEW_S) {
        return Err(EcardError::FromTheFuture {
            ahead_s: (-age).num_seconds(),
        });
    }
    Ok(signed_at)
}

/// A verified payload's JSON: version and kind first, then the whole payload.
fn parse_version<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    version: u32,
    expected: &'static str,
) -> Result<T, EcardError> {
    let json = |source| EcardError::Json { source };
    let header: Header = serde_json::from_slice(bytes).map_err(json)?;
    if header.v != version {
        return Err(EcardError::Version { found: header.v });
    }
    if header.kind != expected {
        return Err(EcardError::WrongKind {
            expected,
            found: header.kind,
        });
    }
    serde_json::from_slice(bytes).map_err(json)
}

fn instant(seconds: i64) -> Result<Timestamp, EcardError> {
    DateTime::from_timestamp(seconds, 0).ok_or(EcardError::BadTime { seconds })
}

/// JSON of a payload struct (strings and integers only: serialisation cannot fail).
fn to_json<T: Serialize>(payload: &T) -> Vec<u8> {
    serde_json::to_vec(payload).unwrap_or_default()
}

/// `prefix ‖ b64(payload) ‖ "." ‖ b64(sign(payload))`.
fn seal(prefix: &str, key: &SigningKey, payload: &[u8]) -> String {
    let signature = key.sign(payload);
    format!(
        "{prefix}{}.{}",
        URL_SAFE_NO_PAD.encode(payload),
        URL_SAFE_NO_PAD.encode(signature.to_bytes())
    )
}
