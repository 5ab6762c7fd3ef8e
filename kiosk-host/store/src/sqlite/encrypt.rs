//! Encrypting a plaintext database file in place (`kiosk storage encrypt`).

use std::path::Path;

use rusqlite::{Connection, DatabaseName};

use kiosk_core::store::StoreError;

use super::key::{self, DbKey};
use super::store::{check_key, Result, BUSY_TIMEOUT};
use crate::DbError;

/// What [`encrypt_in_place`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encrypted {
    /// The schema version carried over.
    pub schema_version: i64,
    /// Tables copied (`sqlite_master` entries of type table).
    pub tables: i64,
}

/// Encrypts a plaintext database in place: its WAL is checkpointed into it, everything is
/// exported with `sqlcipher_export` into a new encrypted file beside it (with the schema
/// version), the new file is fsynced and checked with the key, then renamed over the old one
/// and the directory fsynced. Until the rename the plaintext file is untouched; a failure
/// removes the new file. The kiosk must not be running on the database meanwhile.
pub fn encrypt_in_place(path: &Path, key: &DbKey) -> Result<Encrypted> {
    let display = path.display().to_string();
    if !key::is_plaintext(path)? {
        return Err(DbError::NotPlaintext { path: display });
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.encrypting-{:016x}", rand::random::<u64>()));
    let tmp_text = tmp
        .to_str()
        .ok_or_else(|| {
            DbError::Store(StoreError::Corrupt(format!(
                "{} is not UTF-8",
                tmp.display()
            )))
        })?
        .to_string();
    let result = (|| -> Result<Encrypted> {
        let plain = Connection::open(path).map_err(|source| DbError::Open {
            path: display.clone(),
            source,
        })?;
        plain.busy_timeout(BUSY_TIMEOUT)?;
        // Back to a rollback journal: checkpoints the WAL into the file and removes it.
        let _: String = plain.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))?;
        let version: i64 = plain.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let tables: i64 = plain.query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
            [],
            |r| r.get(0),
        )?;
        plain.execute(
            &format!(
                "ATTACH DATABASE ?1 AS encrypted KEY {}",
                key.attach_literal().as_str()
            ),
            [&tmp_text],
        )?;
        plain.query_row("SELECT sqlcipher_export('encrypted')", [], |_| Ok(()))?;
        plain.pragma_update(
            Some(DatabaseName::Attached("encrypted")),
            "user_version",
            version,
        )?;
        plain.execute_batch("DETACH DATABASE encrypted")?;
        drop(plain);
        std::fs::File::open(&tmp)?.sync_all()?;
        // The copy opens with the key and holds the same schema version and tables.
        let check = Connection::open(&tmp)?;
        key.apply(&check)?;
        check_key(&check, &tmp)?;
        let copied: i64 = check.query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
            [],
            |r| r.get(0),
        )?;
        let copied_version: i64 = check.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        drop(check);
        if copied != tables || copied_version != version {
            return Err(DbError::Store(StoreError::Corrupt(format!(
                "the encrypted copy has {copied} tables at schema version {copied_version}, \
                 the original {tables} at {version}; {display} was left as it was"
            ))));
        }
        std::fs::rename(&tmp, path)?;
        std::fs::File::open(&dir)?.sync_all()?;
        Ok(Encrypted {
            schema_version: version,
            tables,
        })
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
        let mut journal = tmp.clone().into_os_string();
        journal.push("-journal");
        let _ = std::fs::remove_file(journal);
    }
    result
}
