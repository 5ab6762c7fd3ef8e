//! Archives (存档, clauses 6.4 and 7): monthly sealed batches and their
//! export and verification.
//!
//! - DA/T 22 archive numbers (档号) are `kiosk_core::archive_number`.
//! - [`month`]: the `YYYY-MM` month of a batch, in kiosk local time (UTC+8).
//! - [`seal`]: sealing a month into an immutable batch directory
//!   `<fonds>-<YYYY-MM>/` (`records.tar` with every record and its materials,
//!   `manifest.json`, `SHA256SUMS`, `manifest.sig`).
//! - [`sign`]: the batch's ed25519 signature over its manifest, and its check against the
//!   trusted archive keys (`[keys] archive`).
//! - [`verify`]: re-hashing a batch directory or its tar export, `records.tar` member by
//!   member; the deterministic tar export.
//! - [`manifest`]: the manifest and `SHA256SUMS` formats.
//! - [`tar`]: the batch tar format on the `tar` crate: deterministic ustar writing, streamed
//!   reading.
//! - `hashing`: SHA-256 of the bytes as they are written or read.
//! - `fsutil`: creating files that must not exist, read-only trees, one flush, walking.
//!
//! Every failure of these modules is an [`ArchiveError`].

mod fsutil;
mod hashing;
pub mod manifest;
pub mod month;
pub mod seal;
pub mod sign;
pub mod tar;
pub mod verify;

use std::path::PathBuf;

use chrono::NaiveDate;

use kiosk_core::domain::Timestamp;
use kiosk_core::store::StoreError;

pub use manifest::{Manifest, ManifestFile};
pub use month::Month;
pub use seal::{seal_month, SealedBatch};
pub use sign::SignatureCheck;
pub use verify::{export_tar, verify_batch, AlteredFile, BatchReport, TarExport};

/// Why sealing, exporting or verifying an archive batch failed. The cause is kept.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ArchiveError {
    /// The month string is not `YYYY-MM`.
    #[error("month {month:?}: {why}; write YYYY-MM, e.g. 2026-03")]
    BadMonth { month: String, why: &'static str },
    /// The fonds code cannot name a batch.
    #[error("fonds code {fonds:?}: it must be letters and digits only (set [kiosk] fonds)")]
    BadFonds { fonds: String },
    /// Only months that are over (kiosk local time) are sealed.
    #[error(
        "month {month} has not ended yet (kiosk date today: {today}); it can be sealed from {from}"
    )]
    MonthNotEnded {
        month: String,
        today: NaiveDate,
        from: NaiveDate,
    },
    /// The store already holds a batch for the month.
    #[error("month {month} is already sealed{}", sealed_at.map(|t| format!(" (sealed at {t})")).unwrap_or_default())]
    AlreadySealed {
        month: String,
        sealed_at: Option<Timestamp>,
        /// The store's refusal, when the store found it while recording the batch.
        #[source]
        source: Option<Box<StoreError>>,
    },
    /// Sealed months follow each other without holes.
    #[error(
        "month {month} cannot be sealed while {missing} is not: sealed months follow each other \
         without holes; seal {missing} first"
    )]
    GapBefore { month: String, missing: String },
    /// The audit chain does not verify; a batch must not record a broken head.
    #[error(
        "the audit log does not verify, so nothing was sealed ({} problem(s)): {}",
        problems.len(),
        problems.join("; ")
    )]
    AuditChainBroken { problems: Vec<String> },
    /// The batch directory is there but the store has no sealing of the month.
    #[error(
        "{} already exists but the store has no sealing of that month (left by an interrupted \
         run?); move it aside and seal again",
        path.display()
    )]
    BatchDirExists { path: PathBuf },
    /// A record the store returned cannot go into the batch as it is.
    #[error("archive record {archive_no}: {why}")]
    BadRecord { archive_no: String, why: String },
    #[error("{what}: {source}")]
    Store {
        what: String,
        #[source]
        source: Box<StoreError>,
    },
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{what}: {source}")]
    Json {
        what: String,
        #[source]
        source: serde_json::Error,
    },
    /// A path cannot be stored in a ustar header.
    #[error("tar path {path:?}: {why}")]
    TarPath { path: String, why: String },
    /// The tar stream could not be read.
    #[error("not a readable tar archive (at byte {offset}): {why}")]
    BadTar { offset: u64, why: String },
    /// The directory or tar is not a sealed batch at all (no readable manifest).
    #[error("{} is not a sealed archive batch: {why}", path.display())]
    NotABatch { path: PathBuf, why: String },
    /// The archive signing key file cannot be used.
    #[error("the archive signing key {} {why}", path.display())]
    SigningKey { path: PathBuf, why: String },
    /// Sealing needs the kiosk's archive signing key.
    #[error(
        "no archive signing key is configured, so nothing was sealed: make one with `kiosk \
         config keygen -o /etc/kiosk/keys/archive.key`, set [keys] archive_signing_key to it and \
         add its public key to [keys] archive"
    )]
    NoSigningKey,
    /// A trusted archive key does not decode.
    #[error("[keys] archive[{index}] {why}")]
    TrustedKey { index: usize, why: String },
    /// A batch that does not verify is not exported.
    #[error("{} does not verify, so it was not exported: {summary}", path.display())]
    Unverified { path: PathBuf, summary: String },
}

impl ArchiveError {
    /// The `kiosk archive` exit code: 1 refused or not verified, 2 bad argument, 3 storage
    /// (database or files) not readable or writable.
    pub fn exit_code(&self) -> i32 {
        match self {
            ArchiveError::BadMonth { .. } | ArchiveError::BadFonds { .. } => 2,
            ArchiveError::Store { source, .. } if matches!(**source, StoreError::Conflict(_)) => 1,
            ArchiveError::Store { .. } | ArchiveError::Io { .. } | ArchiveError::Json { .. } => 3,
            ArchiveError::MonthNotEnded { .. }
            | ArchiveError::AlreadySealed { .. }
            | ArchiveError::GapBefore { .. }
            | ArchiveError::AuditChainBroken { .. }
            | ArchiveError::BatchDirExists { .. }
            | ArchiveError::BadRecord { .. }
            | ArchiveError::TarPath { .. }
            | ArchiveError::BadTar { .. }
            | ArchiveError::NotABatch { .. }
            | ArchiveError::NoSigningKey
            | ArchiveError::Unverified { .. } => 1,
            ArchiveError::SigningKey { .. } | ArchiveError::TrustedKey { .. } => 2,
        }
    }

    pub(crate) fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> ArchiveError {
        let what = what.into();
        move |source| ArchiveError::Io { what, source }
    }

    pub(crate) fn store(what: impl Into<String>) -> impl FnOnce(StoreError) -> ArchiveError {
        let what = what.into();
        move |source| ArchiveError::Store {
            what,
            source: Box::new(source),
        }
    }
}
