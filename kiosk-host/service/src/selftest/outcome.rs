//! What a check is and says: [`Check`] (a name and a function over the [`Context`]), its
//! [`Outcome`] and [`CheckResult`] with a [`Status`], and the [`StoreProbe`] it opens the
//! database through.

use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use card_io::transport::ReaderProvider;
use firmware_config::Config;
use serde::Serialize;

use crate::provision::{Cameras, SerialProbe};
use kiosk_store::sqlite::SqliteStore;
use kiosk_store::DbError;

/// How long the ID module and the printer get to answer (per attempt).
pub const ANSWER_TIMEOUT: Duration = Duration::from_millis(500);
/// Years a sane clock can show.
pub const SANE_YEARS: std::ops::RangeInclusive<i32> = 2024..=2100;
/// How far a file's modification time may lie ahead of the clock (file systems round).
pub(crate) const MTIME_SLACK: Duration = Duration::from_secs(60);
/// From this month on, next year's calendar is needed (application deadlines of 30–40
/// working days reach into it); before, its absence is a warning (the State Council
/// publishes the holidays around November).
pub(crate) const NEXT_YEAR_NEEDED_FROM_MONTH: u32 = 11;

/// A check's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Warn,
    Fail,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Warn => "WARN",
            Status::Fail => "FAIL",
        }
    }
}

/// What one check found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckResult {
    /// Stable identifier (`card_reader`, `psam`, …).
    pub id: &'static str,
    /// What the technician reads (`card reader`, `PSAM`, …).
    pub name: &'static str,
    pub status: Status,
    /// What was seen.
    pub detail: String,
    /// What to do, for a failure or a warning.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// How long the check took.
    pub ms: u64,
}

/// The verdict of a check function, before it is named and timed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub status: Status,
    pub detail: String,
    pub hint: Option<String>,
}

pub(crate) fn pass(detail: impl Into<String>) -> Outcome {
    Outcome {
        status: Status::Pass,
        detail: detail.into(),
        hint: None,
    }
}

pub(crate) fn warn(detail: impl Into<String>, hint: impl Into<String>) -> Outcome {
    Outcome {
        status: Status::Warn,
        detail: detail.into(),
        hint: Some(hint.into()),
    }
}

pub(crate) fn fail(detail: impl Into<String>, hint: impl Into<String>) -> Outcome {
    Outcome {
        status: Status::Fail,
        detail: detail.into(),
        hint: Some(hint.into()),
    }
}

/// Opens the kiosk's database with the key `[storage] key_file` names.
pub trait StoreProbe {
    fn open(&self, storage: &firmware_config::Storage, path: &Path) -> Result<(), DbError>;
}

/// The SQLite store the kiosk service uses.
#[derive(Debug, Clone, Copy, Default)]
pub struct SqliteProbe;

impl StoreProbe for SqliteProbe {
    fn open(&self, storage: &firmware_config::Storage, path: &Path) -> Result<(), DbError> {
        let key = kiosk_store::sqlite::key::configured(storage, path)?;
        SqliteStore::open(path, &key).map(drop)
    }
}

/// The kiosk under test.
pub struct Context<'a> {
    pub config: &'a Config,
    /// The file the configuration came from (its time is compared with the clock).
    pub config_path: Option<&'a Path>,
    pub readers: &'a dyn ReaderProvider,
    pub serial: &'a dyn SerialProbe,
    /// `None`: this build has no camera backend.
    pub cameras: Option<&'a dyn Cameras>,
    pub store: &'a dyn StoreProbe,
    /// The clock's time.
    pub now: SystemTime,
}

/// One check: a name and the function that runs it.
pub struct Check {
    pub id: &'static str,
    pub name: &'static str,
    pub run: fn(&Context<'_>) -> Outcome,
}

impl Check {
    /// Runs the check and names and times its outcome.
    pub fn run(&self, cx: &Context<'_>) -> CheckResult {
        let started = Instant::now();
        let o = (self.run)(cx);
        CheckResult {
            id: self.id,
            name: self.name,
            status: o.status,
            detail: o.detail,
            hint: o.hint,
            ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        }
    }
}
