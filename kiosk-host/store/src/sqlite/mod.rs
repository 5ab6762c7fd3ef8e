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
//! Submodules: `store` ([`SqliteStore`]: connection, migrations, transactions), `registry`
//! (reads and case numbers), `commit` (one transaction per [`Commit`] with its audit entries),
//! `journal`, `outbox` (commits bound for an agency), `audit`, `archive`, `feedback`, `key` (the database key and its file),
//! `encrypt` ([`encrypt_in_place`]), `codec` (text forms, row decoding, masking of audit
//! details) and `query` (running queries). The schema is summarised in
//! `migrations/0001_init.sql`. This module only declares and re-exports.
//!
//! [`Commit`]: kiosk_core::store::Commit

mod archive;
mod audit;
mod codec;
mod commit;
mod encrypt;
mod feedback;
mod journal;
pub mod key;
mod outbox;
mod query;
mod registry;
mod store;

pub use encrypt::{encrypt_in_place, Encrypted};
pub use key::{DbKey, KeyFileError};
pub use outbox::{CardOutcomeReport, OutboxEntry, Outgoing};
pub use store::SqliteStore;
