//! The kiosk's embedded store: one SQLCipher-encrypted database file that implements every
//! store trait of `kiosk_core::store` (the registry of a standalone kiosk, the intent journal,
//! the audit chain, archive records, ratings and suggestions), and the sealed monthly archive
//! batches made from it.
//!
//! - [`sqlite`]: [`SqliteStore`], its migrations, the database key and its file.
//! - [`agency`]: [`AgencyStore`], the store of a kiosk that has an agency: the registry over
//!   the agency's API (mutual TLS, a deadline on every call), the rest in the SQLite
//!   database, commits through a durable outbox.
//! - [`archive`]: sealing a month into an immutable, signed batch; verifying and exporting it.
//! - [`DbError`]: what opening or using the database can fail with; every trait method turns
//!   it into a `kiosk_core::store::StoreError`, keeping it as the source.

pub mod agency;
pub mod archive;
mod error;
pub mod sqlite;

pub use agency::{AgencyError, AgencyStore};
pub use error::DbError;
pub use sqlite::{DbKey, KeyFileError, SqliteStore};
