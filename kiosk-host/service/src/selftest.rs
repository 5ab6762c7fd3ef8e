//! `kiosk selftest`: every device and resource of the kiosk checked for real, each with a
//! verdict, what was seen, and for a failure what the technician should do.
//!
//! The checks are data ([`CHECKS`]: a name and a function), so the technician page shows the
//! same list [`run_all`] returns. Everything a check touches comes through [`Context`]:
//! readers through card-io's `ReaderProvider`, serial ports through
//! [`SerialProbe`](crate::provision::SerialProbe), cameras through
//! [`Cameras`](crate::provision::Cameras), the database through [`StoreProbe`], and the time
//! as a value, so tests run the same checks against the simulator and a chosen clock.

use std::collections::BTreeSet;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use card_io::camera::{CameraSpec, Resolution};
use card_io::idcard::ReaderError;
use card_io::printer::{Paper, PrinterError};
use card_io::sam::psam::Psam;
use card_io::sam::{Algorithm, Factors, KeyRole, SamError, SecureModule};
use card_io::transport::{ReaderInfo, ReaderProvider, TransportError};
use chrono::{Datelike, NaiveDateTime};
use firmware_config::{CalendarFile, Config, ConfigError, DEFAULT_PATH};
use serde::Serialize;

use crate::provision::{reader_matches, Cameras, SerialProbe, CAMERA_NOT_BUILT};
use kiosk_store::sqlite::SqliteStore;
use kiosk_store::DbError;

/// How long the ID module and the printer get to answer (per attempt).
pub const ANSWER_TIMEOUT: Duration = Duration::from_millis(500);
/// Years a sane clock can show.
pub const SANE_YEARS: std::ops::RangeInclusive<i32> = 2024..=2100;
/// How far a file's modification time may lie ahead of the clock (file systems round).
const MTIME_SLACK: Duration = Duration::from_secs(60);
/// From this month on, next year's calendar is needed (application deadlines of 30–40
/// working days reach into it); before, its absence is a warning (the State Council
/// publishes the holidays around November).
const NEXT_YEAR_NEEDED_FROM_MONTH: u32 = 11;

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

fn pass(detail: impl Into<String>) -> Outcome {
    Outcome {
        status: Status::Pass,
        detail: detail.into(),
        hint: None,
    }
}

fn warn(detail: impl Into<String>, hint: impl Into<String>) -> Outcome {
    Outcome {
        status: Status::Warn,
        detail: detail.into(),
        hint: Some(hint.into()),
    }
}

fn fail(detail: impl Into<String>, hint: impl Into<String>) -> Outcome {
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

/// Every check, in the order they run and are shown.
pub const CHECKS: &[Check] = &[
    Check {
        id: "card_reader",
        name: "card reader",
        run: card_reader,
    },
    Check {
        id: "psam",
        name: "PSAM",
        run: psam,
    },
    Check {
        id: "id_module",
        name: "ID module",
        run: id_module,
    },
    Check {
        id: "printer",
        name: "printer",
        run: printer,
    },
    Check {
        id: "qr_scanner",
        name: "QR scanner",
        run: qr_scanner,
    },
    Check {
        id: "camera",
        name: "camera",
        run: camera,
    },
    Check {
        id: "database",
        name: "database",
        run: database,
    },
    Check {
        id: "clock",
        name: "clock",
        run: clock,
    },
    Check {
        id: "calendar",
        name: "calendar",
        run: calendar,
    },
];

/// Runs every check of [`CHECKS`].
pub fn run_all(cx: &Context<'_>) -> Vec<CheckResult> {
    CHECKS.iter().map(|c| c.run(cx)).collect()
}

/// Passed, warned, failed.
pub fn counts(results: &[CheckResult]) -> (usize, usize, usize) {
    let n = |s: Status| results.iter().filter(|r| r.status == s).count();
    (n(Status::Pass), n(Status::Warn), n(Status::Fail))
}

/// Loads the configuration to test: `path`, else /etc/kiosk/kiosk.toml when it exists, else
/// the defaults (a warning). The first result says which, or why there is none to test
/// (then the configuration is `None`).
pub fn load_config(path: Option<&Path>) -> (Option<(Config, Option<PathBuf>)>, CheckResult) {
    let started = Instant::now();
    let path = match path {
        Some(p) => p.to_path_buf(),
        None if Path::new(DEFAULT_PATH).exists() => PathBuf::from(DEFAULT_PATH),
        None => {
            let o = warn(
                format!("no {DEFAULT_PATH}: checking the default devices"),
                "run `kiosk provision` to find the devices and write the configuration",
            );
            return (Some((Config::default(), None)), named_config(o, started));
        }
    };
    match Config::load(&path) {
        Ok(c) => {
            let o = pass(format!("{} is valid", path.display()));
            (Some((c, Some(path))), named_config(o, started))
        }
        Err(e @ ConfigError::Read { .. }) => {
            let o = fail(
                e.to_string(),
                "name the configuration with --config FILE, or run `kiosk provision` to write one",
            );
            (None, named_config(o, started))
        }
        Err(e) => {
            let o = fail(
                e.to_string(),
                format!(
                    "fix the lines shown (`kiosk config validate {}` checks again)",
                    path.display()
                ),
            );
            (None, named_config(o, started))
        }
    }
}

fn named_config(o: Outcome, started: Instant) -> CheckResult {
    CheckResult {
        id: "configuration",
        name: "configuration",
        status: o.status,
        detail: o.detail,
        hint: o.hint,
        ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    }
}

fn service_failure(e: &TransportError) -> Outcome {
    fail(
        e.to_string(),
        "start the PC/SC service (`systemctl start pcscd`) and check the readers' USB cables",
    )
}

fn reader_names(readers: &[ReaderInfo]) -> String {
    if readers.is_empty() {
        return "no readers connected".into();
    }
    let names: Vec<String> = readers.iter().map(|r| format!("{:?}", r.name)).collect();
    format!("readers: {}", names.join(", "))
}

fn card_reader(cx: &Context<'_>) -> Outcome {
    let pattern = &cx.config.devices.card_reader;
    let readers = match cx.readers.list_readers() {
        Ok(r) => r,
        Err(e) => return service_failure(&e),
    };
    let matching: Vec<&ReaderInfo> = readers
        .iter()
        .filter(|r| reader_matches(pattern, &r.name))
        .collect();
    let Some(first) = matching.first() else {
        return fail(
            format!(
                "no reader matches card_reader {pattern:?} ({})",
                reader_names(&readers)
            ),
            "check the USB cable of the card reader; `kiosk readers` lists the readers, and `kiosk provision` sets card_reader",
        );
    };
    let state = if first.atr.is_some() {
        "a card is inserted"
    } else {
        "empty, ready for a card"
    };
    if matching.len() > 1 {
        let names: Vec<String> = matching.iter().map(|r| format!("{:?}", r.name)).collect();
        return warn(
            format!(
                "card_reader {pattern:?} matches {} readers ({}); the kiosk uses {:?}",
                matching.len(),
                names.join(", "),
                first.name
            ),
            "make card_reader name one reader (`kiosk provision` writes its full name)",
        );
    }
    pass(format!("{:?}: {state}", first.name))
}

/// The secure module's key ids and what they are for.
const KEYS: [KeyRole; 4] = [
    KeyRole::Maintenance,
    KeyRole::PinUnblock,
    KeyRole::PinReset,
    KeyRole::CardBlock,
];

fn key_purpose(role: KeyRole) -> &'static str {
    match role {
        KeyRole::Maintenance => "application block/unblock",
        KeyRole::PinUnblock => "PIN unblock",
        KeyRole::PinReset => "PIN reset",
        KeyRole::CardBlock => "card block",
    }
}

/// Diversification factors that belong to no card: the PSAM derives a key from them all
/// the same, which is all the key check needs.
fn dummy_factors(region: &str) -> Factors {
    let mut city = *b"652300sx";
    if region.len() == 6 && region.bytes().all(|b| b.is_ascii_digit()) {
        city[..6].copy_from_slice(region.as_bytes());
    }
    Factors {
        card: [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01],
        city,
    }
}

fn psam(cx: &Context<'_>) -> Outcome {
    let pattern = &cx.config.devices.psam_reader;
    let readers = match cx.readers.list_readers() {
        Ok(r) => r,
        Err(e) => return service_failure(&e),
    };
    let matching: Vec<&ReaderInfo> = readers
        .iter()
        .filter(|r| reader_matches(pattern, &r.name))
        .collect();
    let Some(slot) = matching
        .iter()
        .find(|r| r.atr.is_some())
        .or(matching.first())
    else {
        return fail(
            format!(
                "no reader matches psam_reader {pattern:?} ({})",
                reader_names(&readers)
            ),
            "connect the PSAM reader (check its USB cable), or set [devices] psam_reader to its name (`kiosk provision` finds it)",
        );
    };
    let name = &slot.name;
    if slot.atr.is_none() {
        return fail(
            format!("no PSAM: the PSAM slot {name:?} is empty"),
            format!("insert the PSAM in the PSAM slot ({name:?}), contacts first"),
        );
    }
    let conn = match cx.readers.connect(name) {
        Ok(c) => c,
        Err(e) => {
            return fail(
                format!("cannot connect to the PSAM in {name:?}: {e}"),
                format!("take the PSAM out of {name:?} and insert it again; close other programs using the reader"),
            )
        }
    };
    let mut sam = match Psam::open(conn) {
        Ok(s) => s,
        Err(SamError::NotFound) => {
            return fail(
                format!("the card in {name:?} is not a PSAM (no PSAM application)"),
                format!("insert the PSAM in the PSAM slot ({name:?}) in place of the card there"),
            )
        }
        Err(e) => {
            return fail(
                format!("the PSAM in {name:?} does not answer: {e}"),
                format!("take the PSAM out of {name:?} and insert it again"),
            )
        }
    };
    let factors = dummy_factors(&cx.config.kiosk.region);
    let mut missing = Vec::new();
    for role in KEYS {
        let tried = sam
            .init_key(role, Algorithm::Tdes, &factors)
            .and_then(|()| sam.mac(&[0u8; 8], &[0u8; 8]));
        match tried {
            Ok(_) => {}
            Err(SamError::KeyMissing(_)) => missing.push(role),
            Err(e) => {
                close(sam);
                return fail(
                    format!(
                        "the PSAM in {name:?} failed key {:02X} ({}): {e}",
                        role.id(),
                        key_purpose(role)
                    ),
                    format!("take the PSAM out of {name:?} and insert it again; if it persists, ask the card agency for a working PSAM"),
                );
            }
        }
    }
    let terminal = sam.terminal_number().ok();
    close(sam);
    if !missing.is_empty() {
        let list: Vec<String> = missing
            .iter()
            .map(|r| format!("{:02X} ({})", r.id(), key_purpose(*r)))
            .collect();
        return fail(
            format!(
                "the PSAM in {name:?} lacks key(s) {} (6A 88)",
                list.join(", ")
            ),
            "this PSAM is not issued for these card operations: ask the card agency for a PSAM holding keys 01–04",
        );
    }
    let terminal = terminal
        .map(|t| format!(", terminal {t}"))
        .unwrap_or_default();
    pass(format!(
        "PSAM in {name:?} answers; keys 01–04 present{terminal}"
    ))
}

fn close(sam: Psam) {
    if let Err(e) = sam.close() {
        log::debug!("releasing the PSAM: {e}");
    }
}

fn id_module(cx: &Context<'_>) -> Outcome {
    let d = &cx.config.devices;
    let (port, baud) = (d.id_module_port.as_str(), d.id_module_baud);
    match cx.serial.id_module_status(port, baud, ANSWER_TIMEOUT, 2) {
        Ok(()) => pass(format!("GA 467 module on {port} ready ({baud} baud)")),
        Err(e @ ReaderError::Open { .. }) => fail(
            e.to_string(),
            format!("check the USB cable of the ID module on {port} (`kiosk provision` finds its port)"),
        ),
        Err(e @ (ReaderError::Timeout { .. } | ReaderError::Closed { .. } | ReaderError::Io { .. })) => fail(
            format!("ID module on {port}: {e}"),
            format!("check the ID module's power and the USB cable on {port}; id_module_baud is {baud} (modules ship at 115200)"),
        ),
        Err(e @ ReaderError::Frame { .. }) => fail(
            format!("ID module on {port}: {e}"),
            format!("check the cable on {port} and that id_module_baud ({baud}) is the module's speed"),
        ),
        Err(e @ ReaderError::UnknownCommand { .. }) => fail(
            format!("{port}: {e}"),
            format!("{port} is not the ID module's port: run `kiosk provision` to find it"),
        ),
        Err(e) => fail(
            format!("ID module on {port}: {e}"),
            "switch the ID module off and on again; if it stays, replace it",
        ),
    }
}

fn printer(cx: &Context<'_>) -> Outcome {
    let d = &cx.config.devices;
    let (port, baud) = (d.printer_port.as_str(), d.printer_baud);
    match cx.serial.printer_status(port, baud, ANSWER_TIMEOUT) {
        Ok(s) if s.paper == Paper::Out => fail(
            format!("printer on {port}: paper out"),
            "load a new paper roll in the receipt printer",
        ),
        Ok(s) if !s.online => fail(
            format!("printer on {port}: offline"),
            "close the receipt printer's cover and check its error light",
        ),
        Ok(s) if s.paper == Paper::NearEnd => warn(
            format!("printer on {port}: online, paper near its end"),
            "change the paper roll soon",
        ),
        Ok(_) => pass(format!("printer on {port}: online, paper ok ({baud} baud)")),
        Err(e @ PrinterError::Open { .. }) => fail(
            format!("{e}: {}", source_text(&e)),
            format!("check the USB cable of the receipt printer on {port} (`kiosk provision` finds its port)"),
        ),
        Err(e @ PrinterError::NotAnswering { .. }) => fail(
            format!("printer on {port}: {e}"),
            format!("check the receipt printer's power and its cable on {port}; printer_baud is {baud}"),
        ),
        Err(e @ PrinterError::BadStatus { .. }) => fail(
            format!("printer on {port}: {e}"),
            format!("set printer_baud to the printer's speed (now {baud}; `kiosk provision` finds it)"),
        ),
        Err(e) => fail(
            format!("printer on {port}: {e}"),
            format!("check the receipt printer's cable on {port} and switch it off and on"),
        ),
    }
}

fn source_text(e: &dyn std::error::Error) -> String {
    e.source().map(|s| s.to_string()).unwrap_or_default()
}

fn qr_scanner(cx: &Context<'_>) -> Outcome {
    let d = &cx.config.devices;
    match cx.serial.opens(&d.qr_port, d.qr_baud) {
        Ok(()) => pass(format!(
            "{} opens ({} baud); a scanner only speaks when scanning: scan a code to test it",
            d.qr_port, d.qr_baud
        )),
        Err(e) => fail(
            e.to_string(),
            format!("check the USB cable of the QR scanner on {}", d.qr_port),
        ),
    }
}

fn camera(cx: &Context<'_>) -> Outcome {
    let d = &cx.config.devices;
    let want = Resolution::new(d.camera_width, d.camera_height);
    let grabbed = match CameraSpec::parse(&d.camera_device) {
        Ok(None) => {
            return warn(
                "no camera configured (camera_device is empty)",
                "photos cannot be taken here: set camera_device, e.g. \"/dev/video0\"",
            )
        }
        // A still picture (demos, benches): read as the kiosk will.
        Ok(Some(spec @ CameraSpec::File(_))) => spec.open(want).and_then(|mut s| s.frame()),
        Ok(Some(CameraSpec::V4l(_))) | Err(_) => {
            let Some(cameras) = cx.cameras else {
                return warn(
                    "skipped: not built with camera-v4l",
                    format!(
                        "{CAMERA_NOT_BUILT}: build kiosk with the camera-v4l feature to check {}",
                        d.camera_device
                    ),
                );
            };
            cameras.grab(&d.camera_device, want)
        }
    };
    match grabbed {
        Ok(frame) => {
            let (w, h) = (frame.width(), frame.height());
            let pixels = u64::from(w) * u64::from(h);
            let sum: u64 = frame
                .pixels()
                .map(|p| u64::from(p.0[0]) + u64::from(p.0[1]) + u64::from(p.0[2]))
                .sum();
            let mean = if pixels == 0 { 0 } else { sum / (3 * pixels) };
            if pixels == 0 {
                fail(
                    format!("{}: empty frame", d.camera_device),
                    format!("check the camera's USB cable ({})", d.camera_device),
                )
            } else if mean < 8 {
                warn(
                    format!("{}: frame {w}×{h} is almost black", d.camera_device),
                    "uncover the camera's lens and check the light at the photo spot",
                )
            } else if (w, h) != (want.width, want.height) {
                warn(
                    format!("{}: frame {w}×{h}, configured {want}", d.camera_device),
                    "set camera_width and camera_height to a mode the camera has",
                )
            } else {
                pass(format!("{}: frame {w}×{h}", d.camera_device))
            }
        }
        Err(e) => fail(
            format!("{}: {e}", d.camera_device),
            format!(
                "check the camera's USB cable ({}); `kiosk provision` finds the camera",
                d.camera_device
            ),
        ),
    }
}

/// Creates and removes a file in `dir`.
fn dir_writable(dir: &Path) -> std::io::Result<()> {
    let probe = dir.join(format!(
        ".kiosk-selftest-{}-{:08x}",
        std::process::id(),
        rand::random::<u32>()
    ));
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)?;
    fs::remove_file(&probe)
}

/// A database this check created as root belongs to the directory's owner (the service's
/// user), as if the service had made it.
#[allow(unsafe_code, reason = "geteuid(2)")]
fn hand_over(db: &Path, dir: &Path) {
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return;
    }
    let Ok(owner) = fs::metadata(dir) else { return };
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut p = db.as_os_str().to_owned();
        p.push(suffix);
        let p = PathBuf::from(p);
        if p.exists() {
            if let Err(e) = std::os::unix::fs::chown(&p, Some(owner.uid()), Some(owner.gid())) {
                log::warn!("cannot give {} to the directory's owner: {e}", p.display());
            }
        }
    }
}

fn database(cx: &Context<'_>) -> Outcome {
    let db = Path::new(&cx.config.storage.database);
    let dir = db
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let setup_hint = format!(
        "create the directory for the kiosk user: `install -d -o kiosk -g kiosk {}` (the package does this)",
        dir.display()
    );
    if let Err(e) = dir_writable(dir) {
        return fail(
            format!("cannot write in {}: {e}", dir.display()),
            setup_hint,
        );
    }
    let existed = db.exists();
    let opened = cx.store.open(&cx.config.storage, db);
    if !existed && db.exists() {
        hand_over(db, dir);
    }
    match opened {
        Ok(()) => pass(format!(
            "{} opens; {} is writable",
            db.display(),
            dir.display()
        )),
        Err(
            e @ (DbError::Key(_) | DbError::WrongKey { .. } | DbError::NotEncrypted { .. }),
        ) => fail(
            format!(
                "{} is writable, but the database {} does not open: {e}",
                dir.display(),
                db.display()
            ),
            "check [storage] key_file: `kiosk config dbkey -o /etc/kiosk/db.key` makes a key \
             (mode 600, owned by the kiosk user); `kiosk storage encrypt` encrypts a plaintext \
             database with it",
        ),
        Err(e) => fail(
            format!(
                "{} is writable, but the database {} does not open: {e}",
                dir.display(),
                db.display()
            ),
            format!(
                "check [storage] database, the file's owner and permissions, and free space (`df {}`)",
                dir.display()
            ),
        ),
    }
}

/// The civil time (UTC+8) at `t`.
fn civil(t: SystemTime) -> NaiveDateTime {
    let shifted = t.checked_add(Duration::from_secs(8 * 3600)).unwrap_or(t);
    chrono::DateTime::<chrono::Utc>::from(shifted).naive_utc()
}

fn show(t: SystemTime) -> String {
    civil(t).format("%Y-%m-%d %H:%M:%S").to_string()
}

fn calendar_file(cx: &Context<'_>) -> Option<PathBuf> {
    cx.config.calendar.file.as_ref().map(PathBuf::from)
}

fn clock(cx: &Context<'_>) -> Outcome {
    let hint = "set the clock (`timedatectl set-ntp true`, or `date -s 'YYYY-MM-DD HH:MM'`): card expiry, deadlines and archive numbers depend on it";
    let now = civil(cx.now);
    if !SANE_YEARS.contains(&now.year()) {
        return fail(format!("the clock says {} (UTC+8)", show(cx.now)), hint);
    }
    let files: Vec<PathBuf> = cx
        .config_path
        .map(Path::to_path_buf)
        .into_iter()
        .chain(calendar_file(cx))
        .collect();
    let newest = files
        .iter()
        .filter_map(|f| Some((fs::metadata(f).ok()?.modified().ok()?, f)))
        .max_by_key(|(t, _)| *t);
    if let Some((t, f)) = newest {
        if t > cx.now + MTIME_SLACK {
            return fail(
                format!(
                    "the clock ({}) is behind the modification time of {} ({})",
                    show(cx.now),
                    f.display(),
                    show(t)
                ),
                hint,
            );
        }
    }
    pass(format!("{} (UTC+8)", show(cx.now)))
}

fn calendar(cx: &Context<'_>) -> Outcome {
    let mut years: BTreeSet<i32> = BTreeSet::new();
    let mut add = |days: &[firmware_config::CalendarDay]| {
        for d in days {
            if let Some(date) = d.date.date {
                years.insert(i32::from(date.year));
            }
        }
    };
    add(&cx.config.calendar.days);
    let file = calendar_file(cx);
    if let Some(f) = &file {
        let text = match fs::read_to_string(f) {
            Ok(t) => t,
            Err(e) => {
                return fail(
                    format!("cannot read the calendar file {}: {e}", f.display()),
                    format!(
                        "install the calendar file {} or fix [calendar] file",
                        f.display()
                    ),
                )
            }
        };
        match CalendarFile::parse(&text, &f.display().to_string()) {
            Ok(c) => add(&c.days),
            Err(e) => {
                return fail(
                    e.to_string(),
                    format!("fix the lines shown in {}", f.display()),
                )
            }
        }
    }
    let now = civil(cx.now);
    let (this, next) = (now.year(), now.year() + 1);
    let source = match &file {
        Some(f) => format!("{} and [calendar] days", f.display()),
        None => "[calendar] days".into(),
    };
    let add_hint = |year: i32| {
        format!(
            "add the {year} holidays and adjusted working days (调休) to {source}; the State Council publishes them each autumn"
        )
    };
    if !years.contains(&this) {
        return fail(format!("no entries for {this} in {source}"), add_hint(this));
    }
    if !years.contains(&next) {
        let detail = format!("{this} covered, no entries for {next} in {source}");
        return if now.month() >= NEXT_YEAR_NEEDED_FROM_MONTH {
            fail(
                format!("{detail}: deadlines now reach into {next}"),
                add_hint(next),
            )
        } else {
            warn(detail, add_hint(next))
        };
    }
    pass(format!("{this} and {next} covered ({source})"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use card_io::camera::image::RgbImage;
    use card_io::camera::CameraError;
    use card_io::printer::PrinterStatus;
    use hw_sim::backend::{CARD_SLOT, PSAM_SLOT};
    use hw_sim::{PsamOptions, PsamOs, SimReaders};

    use crate::provision::PortError;

    /// Serial ports answering as told.
    struct FakeSerial {
        id_ok: bool,
        paper: Option<Paper>,
        qr_opens: bool,
    }

    impl SerialProbe for FakeSerial {
        fn id_module_status(
            &self,
            _port: &str,
            _baud: u32,
            timeout: Duration,
            attempts: u8,
        ) -> Result<(), ReaderError> {
            if self.id_ok {
                Ok(())
            } else {
                Err(ReaderError::Timeout {
                    step: card_io::idcard::Step::ModuleStatus,
                    waited: timeout,
                    attempts,
                })
            }
        }

        fn printer_status(
            &self,
            _port: &str,
            _baud: u32,
            timeout: Duration,
        ) -> Result<PrinterStatus, PrinterError> {
            match self.paper {
                Some(paper) => Ok(PrinterStatus {
                    online: paper != Paper::Out,
                    paper,
                }),
                None => Err(PrinterError::NotAnswering {
                    query: 1,
                    timeout_ms: timeout.as_millis(),
                }),
            }
        }

        fn opens(&self, port: &str, _baud: u32) -> Result<(), PortError> {
            if self.qr_opens {
                Ok(())
            } else {
                Err(PortError {
                    path: port.into(),
                    source: Box::new(std::io::Error::from(std::io::ErrorKind::NotFound)),
                })
            }
        }
    }

    struct OkStore;
    impl StoreProbe for OkStore {
        fn open(&self, _: &firmware_config::Storage, _: &Path) -> Result<(), DbError> {
            Ok(())
        }
    }

    struct Grey(u8);
    impl Cameras for Grey {
        fn list(&self) -> Vec<String> {
            vec!["/dev/video0".into()]
        }
        fn grab(&self, _: &str, r: Resolution) -> Result<RgbImage, CameraError> {
            Ok(RgbImage::from_pixel(
                r.width,
                r.height,
                card_io::camera::image::Rgb([self.0; 3]),
            ))
        }
    }

    fn readers(psam_keys: Option<Vec<u8>>) -> SimReaders {
        let r = SimReaders::new();
        if let Some(key_ids) = psam_keys {
            let psam = PsamOs::new(PsamOptions {
                key_ids,
                ..PsamOptions::default()
            })
            .expect("psam");
            assert!(r.insert(PSAM_SLOT, Box::new(psam)));
        }
        r
    }

    fn config(dir: &Path, years: &[i32]) -> Config {
        let mut text = format!(
            "[devices]\ncard_reader = \"{CARD_SLOT}\"\npsam_reader = \"{PSAM_SLOT}\"\n[storage]\ndatabase = \"{}\"\narchive_dir = \"{}\"\n",
            dir.join("kiosk.db").display(),
            dir.join("archive").display()
        );
        for y in years {
            text.push_str(&format!(
                "[[calendar.days]]\ndate = {y}-10-01\nkind = \"holiday\"\n"
            ));
        }
        Config::parse(&text, "kiosk.toml").expect("config")
    }

    fn at(y: i32, m: u32, d: u32) -> SystemTime {
        let t = chrono::NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|d| d.and_hms_opt(12, 0, 0))
            .expect("date")
            .and_utc()
            .timestamp();
        SystemTime::UNIX_EPOCH + Duration::from_secs(u64::try_from(t).expect("after 1970"))
    }

    fn result<'r>(results: &'r [CheckResult], id: &str) -> &'r CheckResult {
        results.iter().find(|r| r.id == id).expect("check ran")
    }

    #[test]
    fn everything_present_passes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cfg = config(dir.path(), &[2026, 2027]);
        let sim = readers(Some(vec![1, 2, 3, 4]));
        let serial = FakeSerial {
            id_ok: true,
            paper: Some(Paper::Ok),
            qr_opens: true,
        };
        let cx = Context {
            config: &cfg,
            config_path: None,
            readers: &sim,
            serial: &serial,
            cameras: Some(&Grey(128)),
            store: &OkStore,
            now: at(2026, 3, 1),
        };
        let results = run_all(&cx);
        assert_eq!(results.len(), CHECKS.len());
        for r in &results {
            assert_eq!(r.status, Status::Pass, "{r:?}");
        }
        assert!(result(&results, "psam")
            .detail
            .contains("terminal 652300000001"));
        let json = serde_json::to_value(&results).expect("json");
        assert_eq!(json[0]["status"], "pass");
        assert!(json[0].get("hint").is_none());
    }

    #[test]
    fn each_problem_fails_with_its_hint() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cfg = config(dir.path(), &[2026]);
        let sim = readers(Some(vec![1, 3, 4]));
        sim.unplug(CARD_SLOT);
        let serial = FakeSerial {
            id_ok: false,
            paper: Some(Paper::Out),
            qr_opens: false,
        };
        let cx = Context {
            config: &cfg,
            config_path: None,
            readers: &sim,
            serial: &serial,
            cameras: Some(&Grey(0)),
            store: &OkStore,
            now: at(2026, 12, 1),
        };
        let results = run_all(&cx);
        let failed = |id: &str, detail: &str, hint: &str| {
            let r = result(&results, id);
            assert_eq!(r.status, Status::Fail, "{r:?}");
            assert!(r.detail.contains(detail), "{r:?}");
            assert!(r.hint.as_deref().unwrap_or("").contains(hint), "{r:?}");
        };
        failed(
            "card_reader",
            "no reader matches",
            "USB cable of the card reader",
        );
        failed("psam", "lacks key(s) 02 (PIN unblock)", "keys 01–04");
        failed("id_module", "did not answer", "ID module's power");
        failed("printer", "paper out", "paper roll");
        failed("qr_scanner", "cannot open", "USB cable of the QR scanner");
        failed("calendar", "no entries for 2027", "2027 holidays");
        let cam = result(&results, "camera");
        assert_eq!(cam.status, Status::Warn);
        assert!(cam.detail.contains("almost black"));
    }

    #[test]
    fn psam_slot_empty_or_wrong_card() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cfg = config(dir.path(), &[2026, 2027]);
        let sim = readers(None);
        let cx = |r: &SimReaders| {
            (CHECKS[1].run)(&Context {
                config: &cfg,
                config_path: None,
                readers: r,
                serial: &FakeSerial {
                    id_ok: true,
                    paper: Some(Paper::Ok),
                    qr_opens: true,
                },
                cameras: None,
                store: &OkStore,
                now: at(2026, 3, 1),
            })
        };
        let o = cx(&sim);
        assert_eq!(o.status, Status::Fail);
        assert!(o
            .detail
            .contains("the PSAM slot \"HW-SIM PSAM Reader 01\" is empty"));
        assert!(o.hint.as_deref().unwrap_or("").contains("insert the PSAM"));
        let card = hw_sim::CardOs::from_file(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../hw-sim/cards/v3-sm4.toml"),
        )
        .expect("card");
        assert!(sim.insert(PSAM_SLOT, Box::new(card)));
        let o = cx(&sim);
        assert!(o.detail.contains("is not a PSAM"), "{o:?}");
    }

    #[test]
    fn camera_skipped_without_a_backend_is_a_warning() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cfg = config(dir.path(), &[2026, 2027]);
        let sim = readers(None);
        let serial = FakeSerial {
            id_ok: true,
            paper: Some(Paper::NearEnd),
            qr_opens: true,
        };
        let cx = Context {
            config: &cfg,
            config_path: None,
            readers: &sim,
            serial: &serial,
            cameras: None,
            store: &OkStore,
            now: at(2026, 3, 1),
        };
        let o = camera(&cx);
        assert_eq!(o.status, Status::Warn);
        assert_eq!(o.detail, "skipped: not built with camera-v4l");
        let p = printer(&cx);
        assert_eq!(p.status, Status::Warn);
        assert!(p.detail.contains("near its end"));
    }

    #[test]
    fn clock_and_calendar_rules() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cfg_path = dir.path().join("kiosk.toml");
        fs::write(&cfg_path, "").expect("write");
        let cfg = config(dir.path(), &[2026]);
        let sim = readers(None);
        let serial = FakeSerial {
            id_ok: true,
            paper: Some(Paper::Ok),
            qr_opens: true,
        };
        let cx = |now| Context {
            config: &cfg,
            config_path: Some(&cfg_path),
            readers: &sim,
            serial: &serial,
            cameras: None,
            store: &OkStore,
            now,
        };
        // A clock in 2020 is insane; a clock behind the file just written is behind.
        let o = clock(&cx(at(2020, 5, 1)));
        assert_eq!(o.status, Status::Fail);
        assert!(o.detail.contains("2020-05-01"), "{o:?}");
        let written = fs::metadata(&cfg_path)
            .and_then(|m| m.modified())
            .expect("mtime");
        let o = clock(&cx(written - Duration::from_secs(3600)));
        assert_eq!(o.status, Status::Fail);
        assert!(
            o.detail.contains("is behind the modification time"),
            "{o:?}"
        );
        assert_eq!(clock(&cx(written)).status, Status::Pass);
        // Next year's calendar: a warning until November, then a failure.
        let o = calendar(&cx(at(2026, 3, 1)));
        assert_eq!(o.status, Status::Warn, "{o:?}");
        assert_eq!(calendar(&cx(at(2026, 11, 2))).status, Status::Fail);
        let o = calendar(&cx(at(2025, 6, 1)));
        assert_eq!(o.status, Status::Fail);
        assert!(o.detail.contains("no entries for 2025"));
    }

    #[test]
    fn calendar_file_entries_count() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("calendar.toml");
        fs::write(
            &file,
            "[[days]]\ndate = 2027-01-01\nkind = \"holiday\"\nname = \"元旦\"\n",
        )
        .expect("write");
        let mut cfg = config(dir.path(), &[2026]);
        cfg.calendar.file = Some(file.display().to_string());
        let sim = readers(None);
        let serial = FakeSerial {
            id_ok: true,
            paper: Some(Paper::Ok),
            qr_opens: true,
        };
        let cx = Context {
            config: &cfg,
            config_path: None,
            readers: &sim,
            serial: &serial,
            cameras: None,
            store: &OkStore,
            now: at(2026, 12, 1),
        };
        let o = calendar(&cx);
        assert_eq!(o.status, Status::Pass, "{o:?}");
        fs::write(&file, "[[days]]\ndate = \"tomorrow\"\n").expect("write");
        let o = calendar(&cx);
        assert_eq!(o.status, Status::Fail);
        assert!(o.detail.contains("calendar.toml:2"), "{o:?}");
    }

    #[test]
    fn database_directory_must_be_writable() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut cfg = config(dir.path(), &[2026, 2027]);
        let sim = readers(None);
        let serial = FakeSerial {
            id_ok: true,
            paper: Some(Paper::Ok),
            qr_opens: true,
        };
        let mk = |cfg: &Config| {
            database(&Context {
                config: cfg,
                config_path: None,
                readers: &sim,
                serial: &serial,
                cameras: None,
                store: &OkStore,
                now: at(2026, 3, 1),
            })
        };
        assert_eq!(mk(&cfg).status, Status::Pass);
        cfg.storage.database = dir
            .path()
            .join("missing-dir/kiosk.db")
            .display()
            .to_string();
        let o = mk(&cfg);
        assert_eq!(o.status, Status::Fail);
        assert!(o.detail.contains("cannot write in"), "{o:?}");
        assert!(o
            .hint
            .as_deref()
            .unwrap_or("")
            .contains("install -d -o kiosk"));
        let leftovers = fs::read_dir(dir.path())
            .expect("list")
            .flatten()
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with(".kiosk-selftest")
            })
            .count();
        assert_eq!(leftovers, 0);
    }
}
