//! The database key: SQLCipher encrypts every page of the database file (and of its `-wal`)
//! with a 256-bit key held in a key file named by `[storage] key_file`.
//!
//! - The key file holds one line: 64 hex digits (32 random bytes), made by
//!   `kiosk config dbkey -o FILE` (or by a simulated kiosk beside its database). It must be
//!   readable by the kiosk's user only (mode 600), like the e-card signing key; a key file
//!   group or others may read is refused.
//! - The key is given to SQLCipher as a raw key (`PRAGMA key = "x'…'"`), so no passphrase
//!   derivation runs when the database opens; it is applied before any other statement.
//! - The key bytes live in zeroizing buffers and are never logged (`Debug` shows nothing).

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use firmware_config::atomic_file::{AtomicFile, AtomicWriteError};
use rand::RngCore;
use rusqlite::Connection;
use zeroize::Zeroizing;

/// Key length in bytes (AES-256).
pub(crate) const KEY_BYTES: usize = 32;

/// Why a key file could not be had or written.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    /// The file could not be read.
    #[error("cannot read the database key file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Group or others may read it.
    #[error(
        "the database key file {} is readable by group or others (mode {mode:o}); it must be \
         readable by the kiosk only: chmod 600 it",
        path.display()
    )]
    Mode { path: PathBuf, mode: u32 },
    /// Not one line of 64 hex digits.
    #[error(
        "the database key file {} does not hold a key (expected one line of 64 hex digits, as \
         `kiosk config dbkey -o FILE` writes)",
        path.display()
    )]
    Format { path: PathBuf },
    /// Writing a new key file failed (nothing was left behind).
    #[error("cannot write the database key file {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: AtomicWriteError,
    },
    /// No key file is configured where one is required.
    #[error(
        "no database key is configured for {database}: make one with `kiosk config dbkey -o \
         /etc/kiosk/db.key` and set [storage] key_file = \"/etc/kiosk/db.key\" in kiosk.toml \
         (a plaintext database is then encrypted with `kiosk storage encrypt`)"
    )]
    NotConfigured { database: String },
    /// A new key file would replace an existing one (and lose the key to a database).
    #[error(
        "{} already exists; a database key is never overwritten (the database it opens would \
         be lost): choose another file",
        path.display()
    )]
    Exists { path: PathBuf },
}

/// A database key (32 bytes, zeroized when dropped).
#[derive(Clone)]
pub struct DbKey(Zeroizing<[u8; KEY_BYTES]>);

impl std::fmt::Debug for DbKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DbKey(..)")
    }
}

impl DbKey {
    /// A fresh key from the operating system's random source.
    pub fn generate() -> DbKey {
        let mut key = Zeroizing::new([0u8; KEY_BYTES]);
        rand::rngs::OsRng.fill_bytes(key.as_mut());
        DbKey(key)
    }

    /// A key from its bytes (tests, tools).
    pub fn from_bytes(bytes: [u8; KEY_BYTES]) -> DbKey {
        DbKey(Zeroizing::new(bytes))
    }

    /// A key for another purpose, derived from this one (SHA-256 of `label`, a zero byte and
    /// the key): secret as long as the database key is, the same on every start.
    pub fn derive(&self, label: &str) -> Zeroizing<[u8; 32]> {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        h.update(label.as_bytes());
        h.update([0u8]);
        h.update(self.0.as_ref());
        Zeroizing::new(h.finalize().into())
    }

    /// The key file's text: 64 lowercase hex digits and a newline.
    pub(crate) fn to_file_text(&self) -> Zeroizing<String> {
        let mut text = Zeroizing::new(hex::encode(self.0.as_ref()));
        text.push('\n');
        text
    }

    /// Parses a key file's text (surrounding white space allowed).
    pub fn parse(text: &str) -> Option<DbKey> {
        let mut key = Zeroizing::new([0u8; KEY_BYTES]);
        hex::decode_to_slice(text.trim(), key.as_mut()).ok()?;
        Some(DbKey(key))
    }

    /// Reads a key file, refusing one that group or others may read.
    pub fn load(path: &Path) -> Result<DbKey, KeyFileError> {
        let read = |source| KeyFileError::Read {
            path: path.to_owned(),
            source,
        };
        if let Some(mode) = readable_by_others(path).map_err(read)? {
            return Err(KeyFileError::Mode {
                path: path.to_owned(),
                mode,
            });
        }
        let text = Zeroizing::new(fs::read_to_string(path).map_err(read)?);
        DbKey::parse(&text).ok_or_else(|| KeyFileError::Format {
            path: path.to_owned(),
        })
    }

    /// Writes the key to a new file, mode 600, atomically and never over an existing file
    /// (`firmware_config::atomic_file`: a temporary file created 600, fsync, moved into place
    /// only if `path` is free, fsync of the directory).
    pub fn write_new(&self, path: &Path) -> Result<(), KeyFileError> {
        AtomicFile::new(path)
            .mode(0o600)
            .create_new(self.to_file_text().as_bytes())
            .map_err(|e| {
                if e.already_exists() {
                    KeyFileError::Exists {
                        path: path.to_owned(),
                    }
                } else {
                    KeyFileError::Write {
                        path: path.to_owned(),
                        source: e,
                    }
                }
            })
    }

    /// Keys a connection: must be the first statement on it.
    pub fn apply(&self, conn: &Connection) -> rusqlite::Result<()> {
        conn.execute_batch(&self.pragma("main"))
    }

    /// `PRAGMA <schema>.key = "x'<hex>'";` (a raw key: no passphrase derivation).
    pub(crate) fn pragma(&self, schema: &str) -> Zeroizing<String> {
        let hex = Zeroizing::new(hex::encode_upper(self.0.as_ref()));
        Zeroizing::new(format!("PRAGMA {schema}.key = \"x'{}'\";", hex.as_str()))
    }

    /// The SQL literal for `ATTACH … KEY <literal>`.
    pub(crate) fn attach_literal(&self) -> Zeroizing<String> {
        let hex = Zeroizing::new(hex::encode_upper(self.0.as_ref()));
        Zeroizing::new(format!("\"x'{}'\"", hex.as_str()))
    }
}

/// The permission bits of a private key file when group or others have any access to it
/// (`None`: owner only). The check every private key file of the kiosk passes.
pub(crate) fn readable_by_others(path: &Path) -> std::io::Result<Option<u32>> {
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::metadata(path)?.permissions().mode() & 0o777;
    Ok((mode & 0o077 != 0).then_some(mode))
}

/// The key of the configured database: the key file `[storage] key_file` names. None
/// configured is [`KeyFileError::NotConfigured`], naming the database and the command that
/// makes a key.
pub fn configured(
    storage: &firmware_config::Storage,
    database: &Path,
) -> Result<DbKey, KeyFileError> {
    match &storage.key_file {
        Some(file) => DbKey::load(Path::new(file)),
        None => Err(KeyFileError::NotConfigured {
            database: database.display().to_string(),
        }),
    }
}

/// The key file a simulated kiosk keeps beside its database: `<database>.key`.
pub fn beside(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".key");
    PathBuf::from(name)
}

/// A simulated kiosk's key: the key file beside the database if there is one, else a new one
/// written there (mode 600), so restarts on the same database open it again.
pub fn beside_or_new(database: &Path) -> Result<DbKey, KeyFileError> {
    let path = beside(database);
    match DbKey::load(&path) {
        Ok(key) => Ok(key),
        Err(KeyFileError::Read { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            let key = DbKey::generate();
            match key.write_new(&path) {
                Ok(()) => Ok(key),
                // Another process made it first: use theirs.
                Err(KeyFileError::Exists { .. }) => DbKey::load(&path),
                Err(e) => Err(e),
            }
        }
        Err(e) => Err(e),
    }
}

/// The first 16 bytes of every plaintext SQLite database.
const PLAIN_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// Whether the file at `path` is a plaintext SQLite database (its first bytes are SQLite's
/// header). A missing or shorter file is not.
pub(crate) fn is_plaintext(path: &Path) -> std::io::Result<bool> {
    use std::io::Read;
    let mut head = [0u8; 16];
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e),
    };
    let mut read = 0;
    while read < head.len() {
        match file.read(&mut head[read..])? {
            0 => return Ok(false),
            n => read += n,
        }
    }
    Ok(&head == PLAIN_HEADER)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_round_trip_mode_and_no_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.key");
        let key = DbKey::generate();
        key.write_new(&path).unwrap();
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let back = DbKey::load(&path).unwrap();
        assert_eq!(back.0.as_ref(), key.0.as_ref());
        assert!(matches!(
            DbKey::generate().write_new(&path),
            Err(KeyFileError::Exists { .. })
        ));
        assert_eq!(DbKey::load(&path).unwrap().0.as_ref(), key.0.as_ref());
        // no temporary file is left behind
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
        assert_eq!(format!("{key:?}"), "DbKey(..)");
    }

    #[test]
    fn refuses_readable_and_malformed_files() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.key");
        DbKey::generate().write_new(&path).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        let e = DbKey::load(&path).unwrap_err();
        assert!(matches!(e, KeyFileError::Mode { mode: 0o640, .. }), "{e}");
        assert!(e.to_string().contains("chmod 600"), "{e}");
        let bad = dir.path().join("bad.key");
        fs::write(&bad, "abcd\n").unwrap();
        fs::set_permissions(&bad, fs::Permissions::from_mode(0o600)).unwrap();
        let e = DbKey::load(&bad).unwrap_err();
        assert!(matches!(e, KeyFileError::Format { .. }), "{e}");
        assert!(e.to_string().contains("bad.key"), "{e}");
    }
}
