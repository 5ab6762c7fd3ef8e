//! Ed25519 keys as the kiosk writes them: public keys in hex (64 digits) or base64 (in
//! `[keys]` and `--trust` files, optionally prefixed `ed25519-public:`), private keys in a
//! key file `ed25519-secret:<64 hex digits of the seed>`.

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use base64::Engine;
use ed25519_dalek::{SigningKey, VerifyingKey};

const PUBLIC_PREFIX: &str = "ed25519-public:";
const SECRET_PREFIX: &str = "ed25519-secret:";

/// What is wrong with a key's text.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    #[error("is neither 64 hex digits nor base64 of 32 bytes")]
    Encoding,
    #[error("is {0} bytes long; an ed25519 public key is 32 bytes")]
    Length(usize),
    #[error("is not a valid ed25519 public key (not a curve point)")]
    NotAPoint,
    #[error(
        "is not a private key file (expected one line `ed25519-secret:` followed by 64 hex digits)"
    )]
    NotSecret,
}

/// A public key from hex or base64 text.
pub fn decode_public(text: &str) -> Result<VerifyingKey, KeyError> {
    let text = text.trim();
    let text = text.strip_prefix(PUBLIC_PREFIX).unwrap_or(text);
    let bytes = if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        hex::decode(text).map_err(|_| KeyError::Encoding)?
    } else {
        STANDARD
            .decode(text)
            .or_else(|_| STANDARD_NO_PAD.decode(text))
            .map_err(|_| KeyError::Encoding)?
    };
    let array: [u8; 32] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| KeyError::Length(bytes.len()))?;
    VerifyingKey::from_bytes(&array).map_err(|_| KeyError::NotAPoint)
}

/// A public key as written in `[keys]`: 64 lowercase hex digits.
pub fn encode_public(key: &VerifyingKey) -> String {
    hex::encode(key.as_bytes())
}

/// The text of a private key file.
pub fn encode_secret(key: &SigningKey) -> String {
    format!("{SECRET_PREFIX}{}\n", hex::encode(key.to_bytes()))
}

/// A private key from the text of a key file.
pub fn decode_secret(text: &str) -> Result<SigningKey, KeyError> {
    let hex_seed = text
        .trim()
        .strip_prefix(SECRET_PREFIX)
        .ok_or(KeyError::NotSecret)?;
    let mut seed = [0u8; 32];
    hex::decode_to_slice(hex_seed, &mut seed).map_err(|_| KeyError::NotSecret)?;
    Ok(SigningKey::from_bytes(&seed))
}

/// A fresh key pair from the operating system's random source.
pub fn generate() -> SigningKey {
    SigningKey::generate(&mut rand::rngs::OsRng)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_keys_in_hex_and_base64() {
        let key = generate().verifying_key();
        let hex_text = encode_public(&key);
        assert_eq!(decode_public(&hex_text), Ok(key));
        assert_eq!(decode_public(&STANDARD.encode(key.as_bytes())), Ok(key));
        assert_eq!(
            decode_public(&format!("ed25519-public:{hex_text}\n")),
            Ok(key)
        );
        assert_eq!(decode_public("abcd"), Err(KeyError::Length(3)));
        assert_eq!(decode_public("not a key!"), Err(KeyError::Encoding));
    }

    #[test]
    fn secret_file_round_trip() {
        let key = generate();
        let back = decode_secret(&encode_secret(&key)).expect("own format");
        assert_eq!(back.to_bytes(), key.to_bytes());
        assert_eq!(
            decode_secret(&encode_public(&key.verifying_key())).err(),
            Some(KeyError::NotSecret)
        );
    }
}
