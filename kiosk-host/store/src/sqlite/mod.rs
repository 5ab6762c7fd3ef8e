//! The SQLite store: one database file holds the registry, the intent journal, the audit
//! log, the archive records and the feedback. It implements every trait of `kiosk_core::store`.
//!
//! - The file is encrypted with SQLCipher: [`SqliteStore::open`] takes the database key
//!   ([`key::DbKey`], from the key file of `[storage] key_file`) and applies it before any other
//!   statement. A wrong key is [`DbError::WrongKey`], a plaintext file
//!   [`DbError::NotEncrypted`] (which [`encrypt_in_place`] turns into an encrypted one).
//! - The connection is opened with WAL, `synchronous=FULL` (a committed journal intent
//!   survives a power cut), foreign keys on and a busy timeout, and sits behind a `Mutex`.
//! - The schema is versioned with `PRAGMA user_version`; the SQL files of
//!   `migrations/` are embedded and applied in order in one transaction. A database
//!   written by a newer program is refused (`StoreError::TooNew`).
//! - Every write is one `BEGIN IMMEDIATE` transaction, so the audit chain's head cannot move
//!   between reading it and appending to it, even with a second process on the same file.
//!
//! Submodules: `registry` (cardholders … cases, case numbers and `commit`), `journal`,
//! `audit`, `archive`, `feedback`, `key` (the database key and its file), and `codec` (text forms, row decoding, masking of audit
//! details). The schema is summarised in `migrations/0001_init.sql`.

mod archive;
mod audit;
mod codec;
mod feedback;
mod journal;
pub mod key;
mod registry;

use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, DatabaseName, Transaction, TransactionBehavior};

use kiosk_core::store::{ArchiveQuery, StoreError};

pub(crate) use crate::error::{db, invalid};
use crate::DbError;
pub use key::{DbKey, KeyFileError};

/// What the SQLite code returns inside this crate; the store traits turn it into a
/// `StoreError` at their boundary ([`db`]).
pub(crate) type Result<T> = std::result::Result<T, DbError>;

/// The schema migrations, in order; the schema version is the number applied.
const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_init", include_str!("../migrations/0001_init.sql")),
    (
        "0002_open_cases",
        include_str!("../migrations/0002_open_cases.sql"),
    ),
    (
        "0003_sealed_by_month",
        include_str!("../migrations/0003_sealed_by_month.sql"),
    ),
];

/// How long a statement waits for another connection's lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The SQLite implementation of every store trait.
pub struct SqliteStore {
    conn: Mutex<Connection>,
}

// SqliteStore is the whole store (and so Send + Sync).
const _: fn() = || {
    fn is_store<T: kiosk_core::store::Store>() {}
    is_store::<SqliteStore>();
};

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// The schema version this program writes.
    pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

    /// Opens the encrypted database file with its key, creating it if it is missing (its
    /// directory must exist), and brings its schema up to date. The key is the first
    /// statement on the connection.
    pub fn open(path: &Path, key: &DbKey) -> Result<SqliteStore> {
        let open_error = |source: rusqlite::Error| DbError::Open {
            path: path.display().to_string(),
            source,
        };
        if key::is_plaintext(path)? {
            return Err(DbError::NotEncrypted {
                path: path.display().to_string(),
            });
        }
        let mut conn = Connection::open(path).map_err(open_error)?;
        key.apply(&conn).map_err(open_error)?;
        check_key(&conn, path)?;
        configure(&conn, true).map_err(open_error)?;
        migrate(&mut conn).map_err(|e| match e {
            DbError::Sqlite(source) => open_error(source),
            other => other,
        })?;
        Ok(SqliteStore {
            conn: Mutex::new(conn),
        })
    }

    /// Another connection to a database this process already has open (through
    /// [`SqliteStore::open`], which checked, keyed and migrated it): keyed and checked, but
    /// without `open`'s look at the file's first bytes and without migrations. A process must
    /// not open and close a database file outside SQLite while it has a connection to it:
    /// closing any descriptor of a file drops every POSIX lock the process holds on it, SQLite's
    /// included, and another process could then take the WAL for an orphan, checkpoint it and
    /// remove it under the open connection, whose commits would land in a deleted file.
    pub fn open_another(path: &Path, key: &DbKey) -> Result<SqliteStore> {
        let open_error = |source: rusqlite::Error| DbError::Open {
            path: path.display().to_string(),
            source,
        };
        // Never creates the file: it is there already.
        let flags = rusqlite::OpenFlags::default() - rusqlite::OpenFlags::SQLITE_OPEN_CREATE;
        let conn = Connection::open_with_flags(path, flags).map_err(open_error)?;
        key.apply(&conn).map_err(open_error)?;
        check_key(&conn, path)?;
        configure(&conn, true).map_err(open_error)?;
        let found: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(open_error)?;
        if found != SqliteStore::SCHEMA_VERSION {
            return Err(DbError::Store(StoreError::Corrupt(format!(
                "{} is at schema version {found}, not {}: open it with SqliteStore::open first",
                path.display(),
                SqliteStore::SCHEMA_VERSION
            ))));
        }
        Ok(SqliteStore {
            conn: Mutex::new(conn),
        })
    }

    /// A private database in memory (tests, tools).
    pub fn open_in_memory() -> Result<SqliteStore> {
        let mut conn = Connection::open_in_memory()?;
        configure(&conn, false)?;
        migrate(&mut conn)?;
        Ok(SqliteStore {
            conn: Mutex::new(conn),
        })
    }

    /// The schema version of the open database (`PRAGMA user_version`).
    pub fn schema_version(&self) -> Result<i64> {
        let conn = self.lock();
        Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    /// SQLite's plan for an archive query (`EXPLAIN QUERY PLAN`, one line per step), to check
    /// that each filter is served by an index and needs no sort.
    pub fn explain_archive_query(&self, query: &ArchiveQuery) -> Result<Vec<String>> {
        let conn = self.lock();
        archive::explain(&conn, query)
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while the lock was held cannot leave a half-done write behind: the
        // transaction it was in rolled back when it was dropped.
        self.conn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Runs `f` in one `BEGIN IMMEDIATE` transaction: committed if `f` succeeds, rolled back
    /// otherwise.
    fn write<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// Runs `f` in a read transaction (one consistent snapshot for several queries).
    fn read<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred)?;
        f(&tx)
    }
}

/// The first read of a keyed connection: SQLCipher only finds out here whether the key
/// decrypts the file ("file is not a database" otherwise).
fn check_key(conn: &Connection, path: &Path) -> Result<()> {
    match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    }) {
        Ok(_) => Ok(()),
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::NotADatabase =>
        {
            Err(DbError::WrongKey {
                path: path.display().to_string(),
            })
        }
        Err(source) => Err(DbError::Open {
            path: path.display().to_string(),
            source,
        }),
    }
}

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

fn configure(conn: &Connection, file: bool) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    if file {
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            log::warn!("the database did not switch to WAL (journal mode {mode})");
        }
    }
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(())
}

fn migrate(conn: &mut Connection) -> Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let known = SqliteStore::SCHEMA_VERSION;
    if found > known {
        return Err(DbError::Store(StoreError::TooNew { found, known }));
    }
    let applied = usize::try_from(found).map_err(|_| {
        DbError::Store(StoreError::Corrupt(format!(
            "schema version {found} is negative"
        )))
    })?;
    if applied == MIGRATIONS.len() {
        return Ok(());
    }
    for (name, sql) in &MIGRATIONS[applied..] {
        log::info!("database migration {name}");
        tx.execute_batch(sql)?;
    }
    tx.pragma_update(None, "user_version", known)?;
    tx.commit()?;
    Ok(())
}
