//! [`DbError`]: the embedded store's failures, with the SQLite error kept.

use kiosk_core::store::StoreError;

use crate::sqlite::KeyFileError;

/// Failures of the SQLite store. The store traits return them as [`StoreError`]s: the
/// semantic ones (conflict, not found, invalid value …) as themselves, the rest as
/// [`StoreError::Backend`] with this error as the source.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DbError {
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("cannot open the database {path}: {source}")]
    Open {
        path: String,
        #[source]
        source: rusqlite::Error,
    },
    /// The database key does not decrypt the file (a wrong key file, or not a database).
    #[error(
        "the database key does not open {path} (a wrong [storage] key_file, or the file is not \
         a kiosk database)"
    )]
    WrongKey { path: String },
    /// A plaintext database where an encrypted one is expected.
    #[error(
        "the database {path} is not encrypted; stop the kiosk and encrypt it with `kiosk storage \
         encrypt --config <kiosk.toml>` (the key from [storage] key_file)"
    )]
    NotEncrypted { path: String },
    /// Asked to encrypt a database that is not a plaintext one.
    #[error("the database {path} is not a plaintext SQLite database (already encrypted?)")]
    NotPlaintext { path: String },
    /// The database key file.
    #[error(transparent)]
    Key(#[from] KeyFileError),
    /// A failure with a meaning of its own (conflict, not found, invalid value, corrupt data,
    /// a newer schema, i/o).
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<std::io::Error> for DbError {
    fn from(e: std::io::Error) -> DbError {
        DbError::Store(StoreError::Io(e))
    }
}

impl From<DbError> for StoreError {
    fn from(e: DbError) -> StoreError {
        match e {
            DbError::Store(e) => e,
            other => StoreError::Backend(Box::new(other)),
        }
    }
}

/// Runs `f` and turns its [`DbError`] into the [`StoreError`] the store traits return: the
/// boundary between the SQLite code and the engine.
pub(crate) fn db<T>(f: impl FnOnce() -> Result<T, DbError>) -> Result<T, StoreError> {
    f().map_err(StoreError::from)
}

/// A value the store refuses to record (nothing is written).
pub(crate) fn invalid(message: impl Into<String>) -> DbError {
    DbError::Store(StoreError::Invalid(message.into()))
}
