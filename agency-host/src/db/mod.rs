//! The registry of record on PostgreSQL: the pool, the migrations, and the operations the
//! API serves ([`Db`]).
//!
//! - [`read`]: holders, cards, applications, cases (personal data opened on the way out).
//! - [`commit`]: a kiosk's commit in one transaction — rows locked, every `from` state
//!   checked, leases of other cases respected, audit entries appended, the idempotency
//!   key's answer stored with it.
//! - [`leases`]: reservations of cards and persons by a case.
//! - [`audit`]: appending to the hash chains (one per kiosk, each serialised on its head
//!   row), checkpoints of every head, and verifying them chain by chain.
//! - [`admin`]: enrolled kiosks, staff accounts, case numbers, health.
//! - [`desk`]: staff calls and identity approvals (kiosks post them, staff answer them).
//!
//! Locks are always taken in one order — persons (by blind index), cards (by blind index),
//! the case row, the head of the actor's audit chain, applications — so two transactions
//! never wait for each other in a circle (a chain's head is locked only by its own actor's
//! transactions, and by them always after the persons and cards).

pub mod admin;
mod apply;
pub mod audit;
pub mod commit;
// issues 22 and 19: staff calls and identity approvals
pub mod desk;
pub mod leases;
mod locks;
pub mod read;
pub(crate) mod rows;

use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use firmware_config::agency::{Database, Leases};
use tokio_postgres::error::SqlState;
use tokio_postgres::NoTls;

use crate::crypto::{Keys, OpenError};

mod embedded {
    refinery::embed_migrations!("migrations");
}

/// The registry layer's failures.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// PostgreSQL answered with an error, or the connection failed.
    #[error("database: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    /// No connection could be had in time.
    #[error("database pool: {0}")]
    Pool(#[from] deadpool_postgres::PoolError),
    /// The configuration's connection string does not parse.
    #[error("[database] url: {0}")]
    Url(#[source] tokio_postgres::Error),
    /// The change was planned against a state that is no longer current. Nothing was
    /// written.
    #[error("{0}")]
    Conflict(String),
    /// Another case holds the card or person (a live lease). Nothing was written.
    #[error("{0}")]
    Busy(String),
    #[error("{0}")]
    NotFound(String),
    /// The request is not valid (nothing was written).
    #[error("{0}")]
    Invalid(String),
    /// The record belongs to another kiosk.
    #[error("{0}")]
    Forbidden(String),
    /// The idempotency key was used with another request.
    #[error("idempotency key {key:?} was used before with another request")]
    KeyMismatch { key: String },
    /// A stored value does not read back (wrong data key, or altered).
    #[error("stored data could not be read: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Sealed(#[from] OpenError),
    #[error("migration: {0}")]
    Migration(#[from] refinery::Error),
}

/// How many times a transaction that lost a deadlock or a serialization race is run in all
/// (each run is rolled back whole; the idempotency key makes a repeat safe).
pub(crate) const RACE_ATTEMPTS: u32 = 3;

impl DbError {
    /// True when PostgreSQL aborted the transaction to break a deadlock or a serialization
    /// conflict with another one: nothing was written, and running it again settles it.
    pub(crate) fn lost_a_race(&self) -> bool {
        matches!(
            self,
            DbError::Postgres(e) if matches!(
                e.code(),
                Some(c) if *c == SqlState::T_R_DEADLOCK_DETECTED
                    || *c == SqlState::T_R_SERIALIZATION_FAILURE
            )
        )
    }

    /// True when the database could not be reached or did not answer in time (worth trying
    /// again later; nothing was written).
    pub fn is_unavailable(&self) -> bool {
        match self {
            DbError::Pool(_) => true,
            DbError::Postgres(e) => {
                use std::error::Error as _;
                e.is_closed()
                    || e.source().is_some_and(|s| s.is::<std::io::Error>())
                    || matches!(
                        e.code(),
                        Some(c) if *c == SqlState::QUERY_CANCELED
                            || *c == SqlState::ADMIN_SHUTDOWN
                            || *c == SqlState::CANNOT_CONNECT_NOW
                            || *c == SqlState::CRASH_SHUTDOWN
                            || *c == SqlState::TOO_MANY_CONNECTIONS
                            || *c == SqlState::LOCK_NOT_AVAILABLE
                    )
            }
            _ => false,
        }
    }

    /// [`DbError::racing`] for a lease: the other transaction took the same card or person,
    /// so the answer is [`DbError::Busy`].
    pub(crate) fn racing_for_lease(self, what: impl FnOnce() -> String) -> DbError {
        match self.racing(what) {
            DbError::Conflict(m) => DbError::Busy(m),
            other => other,
        }
    }

    /// A unique violation or a deadlock means another transaction changed the same rows at
    /// the same moment: a conflict with `what`.
    pub(crate) fn racing(self, what: impl FnOnce() -> String) -> DbError {
        match &self {
            DbError::Postgres(e)
                if matches!(
                    e.code(),
                    Some(c) if *c == SqlState::UNIQUE_VIOLATION
                        || *c == SqlState::T_R_DEADLOCK_DETECTED
                        || *c == SqlState::T_R_SERIALIZATION_FAILURE
                ) =>
            {
                DbError::Conflict(what())
            }
            _ => self,
        }
    }
}

pub type Result<T> = std::result::Result<T, DbError>;

/// The registry: a connection pool and the data keys.
#[derive(Clone)]
pub struct Db {
    pub(crate) pool: Pool,
    pub(crate) keys: Arc<Keys>,
    pub(crate) leases: Leases,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").finish_non_exhaustive()
    }
}

/// The PostgreSQL client configuration of `[database]`: its connection string with the
/// connect timeout and the statement timeout every session runs with.
pub fn pg_config(database: &Database) -> Result<tokio_postgres::Config> {
    let mut config: tokio_postgres::Config = database.url.parse().map_err(DbError::Url)?;
    config.connect_timeout(Duration::from_millis(u64::from(
        database.connect_timeout_ms,
    )));
    config.options(format!(
        "-c statement_timeout={} -c lock_timeout={}",
        database.statement_timeout_ms, database.statement_timeout_ms
    ));
    config.application_name("agency");
    Ok(config)
}

impl Db {
    /// A pool on `[database]` (no connection is made before the first use).
    pub fn open(database: &Database, keys: Arc<Keys>, leases: Leases) -> Result<Db> {
        let manager = Manager::from_config(
            pg_config(database)?,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let wait = Duration::from_millis(u64::from(database.connect_timeout_ms));
        let pool = Pool::builder(manager)
            .max_size(database.pool_size as usize)
            .wait_timeout(Some(wait))
            .create_timeout(Some(wait))
            .recycle_timeout(Some(wait))
            .runtime(Runtime::Tokio1)
            .build()
            .map_err(|e| DbError::Invalid(format!("database pool: {e}")))?;
        Ok(Db { pool, keys, leases })
    }

    pub(crate) async fn client(&self) -> Result<deadpool_postgres::Object> {
        Ok(self.pool.get().await?)
    }

    /// Brings the schema to the newest version (an advisory lock keeps two agencies
    /// starting at once from migrating together). Returns the versions applied now.
    pub async fn migrate(&self) -> Result<Vec<i32>> {
        let mut obj = self.client().await?;
        let client: &mut tokio_postgres::Client = &mut obj;
        client
            .execute("SELECT pg_advisory_lock(7291000001)", &[])
            .await?;
        let report = embedded::migrations::runner().run_async(client).await;
        let unlock = client
            .execute("SELECT pg_advisory_unlock(7291000001)", &[])
            .await;
        let report = report?;
        unlock?;
        Ok(report
            .applied_migrations()
            .iter()
            .map(|m| m.version() as i32)
            .collect())
    }

    /// The newest schema version this program knows.
    pub fn schema_version() -> i32 {
        embedded::migrations::runner()
            .get_migrations()
            .iter()
            .map(|m| m.version() as i32)
            .max()
            .unwrap_or(0)
    }
}
