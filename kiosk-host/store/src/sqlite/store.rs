//! [`SqliteStore`]: the encrypted connection (keyed first), its pragmas, the schema migrations,
//! and the read and write transactions every store trait runs in.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, Transaction, TransactionBehavior};

use kiosk_core::store::StoreError;

use super::key::{self, DbKey};
use crate::DbError;

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
    ("0004_outbox", include_str!("../migrations/0004_outbox.sql")),
    (
        "0005_address_division",
        include_str!("../migrations/0005_address_division.sql"),
    ),
    (
        "0006_outbox_reports",
        include_str!("../migrations/0006_outbox_reports.sql"),
    ),
    (
        "0007_application_dates",
        include_str!("../migrations/0007_application_dates.sql"),
    ),
];

/// How long a statement waits for another connection's lock before failing.
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

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

    pub(crate) fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while the lock was held cannot leave a half-done write behind: the
        // transaction it was in rolled back when it was dropped.
        self.conn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Runs `f` in one `BEGIN IMMEDIATE` transaction: committed if `f` succeeds, rolled back
    /// otherwise.
    pub(crate) fn write<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// Runs `f` in a read transaction (one consistent snapshot for several queries).
    pub(crate) fn read<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred)?;
        f(&tx)
    }
}

/// The first read of a keyed connection: SQLCipher only finds out here whether the key
/// decrypts the file ("file is not a database" otherwise).
pub(crate) fn check_key(conn: &Connection, path: &Path) -> Result<()> {
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
