//! The SQLite store: one database file holds the registry, the intent journal, the audit
//! log, the archive records and the feedback. It implements every trait of [`crate::store`].
//!
//! - The connection is opened with WAL, `synchronous=FULL` (a committed journal intent
//!   survives a power cut), foreign keys on and a busy timeout, and sits behind a `Mutex`.
//! - The schema is versioned with `PRAGMA user_version`; the SQL files of
//!   `store/migrations/` are embedded and applied in order in one transaction. A database
//!   written by a newer program is refused ([`StoreError::TooNew`]).
//! - Every write is one `BEGIN IMMEDIATE` transaction, so the audit chain's head cannot move
//!   between reading it and appending to it, even with a second process on the same file.
//!
//! Submodules: `registry` (cardholders … cases, case numbers and `commit`), `journal`,
//! `audit`, `archive`, `feedback`, and `codec` (text forms, row decoding, masking of audit
//! details). The schema is summarised in `store/migrations/0001_init.sql`.

mod archive;
mod audit;
mod codec;
mod feedback;
mod journal;
mod registry;

use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, Transaction, TransactionBehavior};

use super::{ArchiveQuery, Result, StoreError};

/// The schema migrations, in order; the schema version is the number applied.
const MIGRATIONS: &[(&str, &str)] = &[("0001_init", include_str!("../migrations/0001_init.sql"))];

/// How long a statement waits for another connection's lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// A value the store refuses to record (a rating level outside 1..=5, an empty suggestion, a
/// retention of 0 years …). It reaches the caller as
/// `StoreError::Sqlite(rusqlite::Error::ToSqlConversionFailure(..))`, whose message is this
/// one and whose source can be downcast to `InvalidValue`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidValue(pub String);

impl InvalidValue {
    /// The refusal inside a store error, if the error is one.
    pub fn of(error: &StoreError) -> Option<&InvalidValue> {
        match error {
            StoreError::Sqlite(rusqlite::Error::ToSqlConversionFailure(inner)) => {
                inner.downcast_ref::<InvalidValue>()
            }
            _ => None,
        }
    }
}

pub(crate) fn invalid(message: impl Into<String>) -> StoreError {
    StoreError::Sqlite(rusqlite::Error::ToSqlConversionFailure(Box::new(
        InvalidValue(message.into()),
    )))
}

/// The SQLite implementation of every store trait.
pub struct SqliteStore {
    conn: Mutex<Connection>,
}

// SqliteStore is the whole store (and so Send + Sync).
const _: fn() = || {
    fn is_store<T: super::Store>() {}
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

    /// Opens the database file, creating it if it is missing (its directory must exist), and
    /// brings its schema up to date.
    pub fn open(path: &Path) -> Result<SqliteStore> {
        let open_error = |source: rusqlite::Error| StoreError::Open {
            path: path.display().to_string(),
            source,
        };
        let mut conn = Connection::open(path).map_err(open_error)?;
        configure(&conn, true).map_err(open_error)?;
        migrate(&mut conn).map_err(|e| match e {
            StoreError::Sqlite(source) => open_error(source),
            other => other,
        })?;
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
        return Err(StoreError::TooNew { found, known });
    }
    let applied = usize::try_from(found)
        .map_err(|_| StoreError::Corrupt(format!("schema version {found} is negative")))?;
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
