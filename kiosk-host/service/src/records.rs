//! [`Records`]: the store connections of the request handlers that do not go through the
//! session actor: the staff pages (reads, application moves, archive queries, their audit
//! entries), the suggestion box and the read-only endpoints. A few connections to the same
//! database file as the actor's (SQLCipher in WAL mode: readers do not wait for a writer,
//! and writers are serialised by SQLite itself, `BEGIN IMMEDIATE` with a busy timeout), so a
//! staff page verifying the whole audit chain holds one connection for its second and
//! neither the citizen's session nor the other pages wait for it.

use std::path::Path;
use std::sync::{Arc, Condvar, Mutex};

use kiosk_store::sqlite::{DbKey, SqliteStore};

/// How many connections the handlers share.
pub const CONNECTIONS: usize = 3;

/// A small pool of store connections.
#[derive(Clone)]
pub struct Records {
    inner: Arc<Pool>,
}

struct Pool {
    idle: Mutex<Vec<SqliteStore>>,
    returned: Condvar,
}

impl std::fmt::Debug for Records {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Records").finish_non_exhaustive()
    }
}

/// Why a handler's store work did not run.
#[derive(Debug, thiserror::Error)]
#[error("the store task failed: {0}")]
pub struct TaskFailed(#[from] tokio::task::JoinError);

impl Records {
    /// Opens `n` connections (at least one) to the database at `path`, which this process
    /// has already opened with `SqliteStore::open` (the session actor's connection).
    pub fn open(path: &Path, key: &DbKey, n: usize) -> Result<Records, kiosk_store::DbError> {
        let idle = (0..n.max(1))
            .map(|_| SqliteStore::open_another(path, key))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Records {
            inner: Arc::new(Pool {
                idle: Mutex::new(idle),
                returned: Condvar::new(),
            }),
        })
    }

    /// Runs `f` on a connection, waiting for one to be free. Blocks: call it from a blocking
    /// task or a thread of its own.
    pub fn with<T>(&self, f: impl FnOnce(&SqliteStore) -> T) -> T {
        let store = {
            let mut idle = self.inner.idle.lock().unwrap_or_else(|p| p.into_inner());
            loop {
                if let Some(s) = idle.pop() {
                    break s;
                }
                idle = self
                    .inner
                    .returned
                    .wait(idle)
                    .unwrap_or_else(|p| p.into_inner());
            }
        };
        // Back in the pool even when `f` panics (a rolled-back transaction leaves the
        // connection as good as before).
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&store)));
        self.inner
            .idle
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(store);
        self.inner.returned.notify_one();
        result.unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    }

    /// Runs `f` on a connection in a blocking task.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&SqliteStore) -> T + Send + 'static,
    ) -> Result<T, TaskFailed> {
        let records = self.clone();
        Ok(tokio::task::spawn_blocking(move || records.with(f)).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiosk_core::domain::Actor;
    use kiosk_core::store::AuditLog;

    #[test]
    fn the_connections_share_the_database_and_come_back_to_the_pool() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("kiosk.db");
        let key = DbKey::generate();
        let actor = SqliteStore::open(&db, &key).expect("the actor's connection");
        let records = Records::open(&db, &key, 2).expect("opened");
        actor
            .append(&Actor::System, "test.one", "x", serde_json::json!({}))
            .expect("appended");
        // Both pooled connections at once, each appending after the other's entry.
        records.with(|a| {
            records.with(|b| {
                a.append(&Actor::System, "test.two", "x", serde_json::json!({}))
                    .expect("appended");
                b.append(&Actor::System, "test.three", "x", serde_json::json!({}))
                    .expect("appended");
            })
        });
        let report = records.with(|s| s.verify()).expect("verified");
        assert!(report.ok(), "{:?}", report.problems);
        assert_eq!(report.entries, 3);
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            records.with(|_| panic!("a handler failed"))
        }));
        assert!(caught.is_err());
        assert_eq!(records.inner.idle.lock().map(|v| v.len()).unwrap_or(0), 2);
    }
}
