//! Personal data sealed before PostgreSQL sees them, and found again through blind indexes.
//!
//! - One key file (`[storage] key_file`): one line of 64 hex digits (32 random bytes, made
//!   by `agency keygen -o FILE`), readable by the agency's user only (mode 600; a file group
//!   or others may read is refused).
//! - Two keys are derived from it with HMAC-SHA256 under fixed labels: the *data key*
//!   (AES-256-GCM) and the *index key* (HMAC-SHA256). Neither is stored.
//! - [`Keys::seal`]: AES-256-GCM with a random 96-bit nonce; the stored bytes are
//!   `1 ‖ nonce ‖ ciphertext ‖ tag`. The associated data binds the ciphertext to its purpose
//!   and its row (`purpose ‖ 0 ‖ row key`), so a sealed value moved to another row or column
//!   does not open.
//! - [`Keys::index`]: HMAC-SHA256(index key, `kind ‖ 0 ‖ value`), 32 bytes: equal values give
//!   equal indexes (lookups by ID number or card number are one B-tree probe), and without
//!   the key an index says nothing about the value (the ID numbers' small space cannot be
//!   searched without it).

use std::path::{Path, PathBuf};

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use zeroize::Zeroizing;

/// The version byte that starts every sealed value.
const VERSION: u8 = 1;
const NONCE_BYTES: usize = 12;

/// What a key file problem is.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read the data key file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "the data key file {} is readable by group or others (mode {mode:o}); chmod 600 it",
        path.display()
    )]
    Mode { path: PathBuf, mode: u32 },
    #[error(
        "the data key file {} does not hold a key (one line of 64 hex digits, as `agency \
         keygen -o FILE` writes)",
        path.display()
    )]
    Format { path: PathBuf },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// A sealed value that does not open: wrong key, altered bytes, or moved to another row.
#[derive(Debug, thiserror::Error)]
#[error("a sealed {purpose} value does not open (wrong key, altered, or moved between rows)")]
pub struct OpenError {
    pub purpose: &'static str,
}

/// The derived keys.
pub struct Keys {
    data: Aes256Gcm,
    index: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys(..)")
    }
}

fn derive(master: &[u8; 32], label: &[u8]) -> Zeroizing<[u8; 32]> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(master)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(label);
    let mut out = Zeroizing::new([0u8; 32]);
    out.copy_from_slice(&mac.finalize().into_bytes());
    out
}

impl Keys {
    /// The keys derived from a master key.
    pub fn from_master(master: &[u8; 32]) -> Keys {
        let data = derive(master, b"agency/data-key/1");
        let index = derive(master, b"agency/blind-index/1");
        Keys {
            data: Aes256Gcm::new(data.as_ref().into()),
            index,
        }
    }

    /// Reads the key file, refusing one that group or others may read.
    pub fn load(path: &Path) -> Result<Keys, KeyError> {
        use std::os::unix::fs::PermissionsExt;
        let read = |source| KeyError::Read {
            path: path.to_owned(),
            source,
        };
        let mode = std::fs::metadata(path).map_err(read)?.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(KeyError::Mode {
                path: path.to_owned(),
                mode,
            });
        }
        let text = Zeroizing::new(std::fs::read_to_string(path).map_err(read)?);
        let mut master = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(text.trim(), master.as_mut()).map_err(|_| KeyError::Format {
            path: path.to_owned(),
        })?;
        Ok(Keys::from_master(&master))
    }

    /// Writes a new random key file (mode 600); an existing file is never replaced.
    pub fn generate_file(path: &Path) -> Result<(), KeyError> {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let write = |source| KeyError::Write {
            path: path.to_owned(),
            source,
        };
        let mut master = Zeroizing::new([0u8; 32]);
        rand::rngs::OsRng.fill_bytes(master.as_mut());
        let mut text = Zeroizing::new(hex::encode(master.as_ref()));
        text.push('\n');
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .map_err(write)?;
        file.write_all(text.as_bytes()).map_err(write)?;
        file.sync_all().map_err(write)
    }

    /// Seals `plain` for `purpose` in the row `row` (see the module header).
    pub fn seal(&self, purpose: &str, row: &[u8], plain: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_BYTES];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let aad = aad(purpose, row);
        let sealed = self
            .data
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plain,
                    aad: &aad,
                },
            )
            .unwrap_or_else(|_| unreachable!("AES-GCM seals any message under 64 GiB"));
        let mut out = Vec::with_capacity(1 + NONCE_BYTES + sealed.len());
        out.push(VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    /// Opens what [`Keys::seal`] sealed with the same purpose and row.
    pub fn open(
        &self,
        purpose: &'static str,
        row: &[u8],
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, OpenError> {
        let fail = OpenError { purpose };
        if sealed.len() < 1 + NONCE_BYTES + 16 || sealed[0] != VERSION {
            return Err(fail);
        }
        let (nonce, body) = sealed[1..].split_at(NONCE_BYTES);
        let aad = aad(purpose, row);
        self.data
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: &aad,
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| fail)
    }

    /// The blind index of `value` of `kind` (`"id_number"`, `"card_number"`).
    pub fn index(&self, kind: &str, value: &str) -> Vec<u8> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.index.as_ref())
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(kind.as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }

    /// The blind index of an ID number.
    pub fn person_index(&self, id_number: &str) -> Vec<u8> {
        self.index("id_number", id_number)
    }

    /// The blind index of a card number.
    pub fn card_index(&self, card_number: &str) -> Vec<u8> {
        self.index("card_number", card_number)
    }
}

fn aad(purpose: &str, row: &[u8]) -> Vec<u8> {
    let mut aad = Vec::with_capacity(purpose.len() + 1 + row.len());
    aad.extend_from_slice(purpose.as_bytes());
    aad.push(0);
    aad.extend_from_slice(row);
    aad
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_in_their_row_and_purpose() {
        let keys = Keys::from_master(&[7; 32]);
        let sealed = keys.seal("person", b"row-1", "张伟".as_bytes());
        assert!(!sealed.windows("张伟".len()).any(|w| w == "张伟".as_bytes()));
        assert_eq!(
            &*keys.open("person", b"row-1", &sealed).unwrap(),
            "张伟".as_bytes()
        );
        assert!(keys.open("person", b"row-2", &sealed).is_err());
        assert!(keys.open("card", b"row-1", &sealed).is_err());
        let mut altered = sealed.clone();
        altered[20] ^= 1;
        assert!(keys.open("person", b"row-1", &altered).is_err());
        assert!(Keys::from_master(&[8; 32])
            .open("person", b"row-1", &sealed)
            .is_err());
        // a fresh nonce each time
        assert_ne!(sealed, keys.seal("person", b"row-1", "张伟".as_bytes()));
    }

    #[test]
    fn indexes_are_keyed_and_kind_separated() {
        let a = Keys::from_master(&[1; 32]);
        let b = Keys::from_master(&[2; 32]);
        let id = "652301198005061234";
        assert_eq!(a.person_index(id), a.person_index(id));
        assert_ne!(a.person_index(id), b.person_index(id));
        assert_ne!(a.person_index(id), a.card_index(id));
        assert_eq!(a.person_index(id).len(), 32);
    }

    #[test]
    fn key_files_are_private_and_never_replaced() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data.key");
        Keys::generate_file(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        Keys::load(&path).unwrap();
        assert!(matches!(
            Keys::generate_file(&path),
            Err(KeyError::Write { .. })
        ));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = Keys::load(&path).unwrap_err();
        assert!(e.to_string().contains("chmod 600"), "{e}");
        let bad = dir.path().join("bad.key");
        std::fs::write(&bad, "xyz\n").unwrap();
        std::fs::set_permissions(&bad, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(matches!(Keys::load(&bad), Err(KeyError::Format { .. })));
    }
}
