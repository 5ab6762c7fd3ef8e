//! `kiosk provision`: find the kiosk's devices and propose the `[devices]` table of
//! kiosk.toml.
//!
//! - PC/SC readers: the one whose card selects the PSAM application holds the PSAM; the one
//!   holding a social security card, or else the only other reader, is the citizen's.
//! - Serial ports: each candidate is asked the GA 467 module status (`11 FF`, 115200 baud),
//!   then the ESC/POS printer status (`10 04 01`, at 9600, 19200 and 115200). A QR scanner
//!   only speaks when something is scanned, so it cannot be recognised: it is proposed when
//!   the technician names it (`--qr-port`) or when exactly one port opened and stayed silent.
//! - Cameras (`/dev/video*`): one frame each, when the program is built with `camera-v4l`.
//!
//! The probes sit behind small traits ([`SerialProbe`], [`Cameras`], and card-io's
//! `ReaderProvider`), so tests run them against the simulator in-process as well as through
//! pseudo-terminals and pcscd. [`propose`] is pure: it turns [`Findings`] into a
//! configuration and the list of device fields it changes; [`render`] edits the existing
//! file's `[devices]` lines (comments kept) and validates the result; [`write_config`]
//! replaces the file atomically and keeps the old one as `FILE.bak`.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use card_io::camera::image::RgbImage;
use card_io::camera::{CameraError, Resolution};
use card_io::idcard::{self, ReaderConfig, ReaderError};
use card_io::printer::status::{parse_paper, parse_printer};
use card_io::printer::{Paper, Printer, PrinterConfig, PrinterError, PrinterStatus, StatusQuery};
use card_io::sam::psam;
use card_io::sscard::SsCard;
use card_io::transport::{Disposition, ReaderProvider};
use firmware_config::{Config, ConfigError, Devices};
use serde::Serialize;

/// Serial ports probed when the technician names none.
pub const DEFAULT_PORT_GLOBS: [&str; 3] = ["/dev/ttyUSB*", "/dev/ttyACM*", "/dev/ttyS*"];
/// The speed a GA 467 module ships with.
pub const ID_MODULE_BAUD: u32 = idcard::DEFAULT_BAUD;
/// Speeds receipt printers are usually set to, in the order they are tried.
pub const PRINTER_BAUDS: [u32; 3] = [9_600, 19_200, 115_200];
/// How long a probe waits for an answer.
pub const PROBE_TIMEOUT: Duration = Duration::from_millis(300);
/// What `kiosk provision` and `kiosk selftest` say without a camera backend.
pub const CAMERA_NOT_BUILT: &str = "camera probing needs the camera-v4l build";
/// Where udev puts stable names of USB serial adapters.
const SERIAL_BY_ID: &str = "/dev/serial/by-id";

/// Failures of provisioning; each displays as one line (an invalid proposal: every problem).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProvisionError {
    #[error("no card reader found for the citizen's card: {0}")]
    NoCardReader(String),
    #[error("the proposed configuration is invalid (nothing written):\n{0}")]
    Invalid(#[source] ConfigError),
    #[error("cannot write the configuration as TOML: {0}")]
    Serialize(#[from] toml::ser::Error),
    #[error("cannot {what} {}: {source}", path.display())]
    Io {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl ProvisionError {
    /// Exit code of `kiosk provision`: 3 when a file could not be written, else 1.
    pub fn exit_code(&self) -> i32 {
        match self {
            ProvisionError::Io { .. } => 3,
            _ => 1,
        }
    }
}

/// A serial port that could not be opened (the cause kept).
#[derive(Debug, thiserror::Error)]
#[error("cannot open {path}: {source}")]
pub struct PortError {
    pub path: String,
    #[source]
    pub source: Box<dyn std::error::Error + Send + Sync>,
}

/// The serial-port probes: what `provision` and `selftest` ask a port.
pub trait SerialProbe {
    /// GA 467 module status (`11 FF`) on `port` at `baud`.
    fn id_module_status(
        &self,
        port: &str,
        baud: u32,
        timeout: Duration,
        attempts: u8,
    ) -> Result<(), ReaderError>;
    /// ESC/POS `DLE EOT 1` (online) then `DLE EOT 4` (paper) on `port` at `baud`.
    fn printer_status(
        &self,
        port: &str,
        baud: u32,
        timeout: Duration,
    ) -> Result<PrinterStatus, PrinterError>;
    /// Opens `port` at `baud` (8N1) and closes it again.
    fn opens(&self, port: &str, baud: u32) -> Result<(), PortError>;
}

/// The machine's serial ports, through card-io.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemSerial;

impl SerialProbe for SystemSerial {
    fn id_module_status(
        &self,
        port: &str,
        baud: u32,
        timeout: Duration,
        attempts: u8,
    ) -> Result<(), ReaderError> {
        let config = ReaderConfig {
            baud,
            module_timeout: timeout,
            attempts: attempts.max(1),
            ..ReaderConfig::default()
        };
        idcard::open_with(port, config)?.module_status()
    }

    fn printer_status(
        &self,
        port: &str,
        baud: u32,
        timeout: Duration,
    ) -> Result<PrinterStatus, PrinterError> {
        let config = PrinterConfig {
            baud_rate: baud,
            answer_timeout: timeout,
            ..PrinterConfig::default()
        };
        let mut printer = Printer::open(port, config)?;
        let online = parse_printer(printer.query(StatusQuery::Printer)?)?;
        let paper = parse_paper(printer.query(StatusQuery::PaperSensor)?)?;
        Ok(PrinterStatus { online, paper })
    }

    fn opens(&self, port: &str, baud: u32) -> Result<(), PortError> {
        card_io::serial::open_8n1(port, baud, PROBE_TIMEOUT)
            .map(drop)
            .map_err(|e| PortError {
                path: port.to_string(),
                source: Box::new(e),
            })
    }
}

/// Camera devices and one frame from them.
pub trait Cameras {
    /// The camera devices present (`/dev/video*`).
    fn list(&self) -> Vec<String>;
    /// One frame from `device` in the mode `resolution`.
    fn grab(&self, device: &str, resolution: Resolution) -> Result<RgbImage, CameraError>;
}

/// The V4L2 cameras of this machine, or `None` when this build has no camera backend.
pub fn system_cameras() -> Option<Box<dyn Cameras>> {
    v4l_cameras::cameras()
}

/// Cameras through V4L2 with the `camera-v4l` feature; none without it.
mod v4l_cameras {
    use super::Cameras;

    #[cfg(not(feature = "camera-v4l"))]
    pub fn cameras() -> Option<Box<dyn Cameras>> {
        None
    }

    #[cfg(feature = "camera-v4l")]
    pub fn cameras() -> Option<Box<dyn Cameras>> {
        Some(Box::new(V4l))
    }

    #[cfg(feature = "camera-v4l")]
    struct V4l;

    #[cfg(feature = "camera-v4l")]
    impl Cameras for V4l {
        fn list(&self) -> Vec<String> {
            super::expand_port_globs(&["/dev/video*".to_string()])
        }

        fn grab(
            &self,
            device: &str,
            resolution: card_io::camera::Resolution,
        ) -> Result<card_io::camera::image::RgbImage, card_io::camera::CameraError> {
            use card_io::camera::FrameSource;
            let index = device
                .strip_prefix("/dev/video")
                .and_then(|n| n.parse::<u32>().ok())
                .ok_or_else(|| card_io::camera::CameraError::Open {
                    device: device.to_string(),
                    reason: "not a /dev/videoN device".into(),
                })?;
            card_io::camera::V4lCamera::open(index, resolution)?.frame()
        }
    }
}

/// `*` (any run of characters) and `?` (one character) glob over a whole string.
fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(&c) if c == '?' || c == t[ti] => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// Whether a `[devices]` reader pattern names `reader`: a `*` glob over the whole name, or
/// else a substring of it.
pub fn reader_matches(pattern: &str, reader: &str) -> bool {
    if pattern.contains('*') {
        glob_match(pattern, reader)
    } else {
        !pattern.is_empty() && reader.contains(pattern)
    }
}

/// `ttyUSB10` after `ttyUSB9`: digits compared as numbers.
fn natural_key(s: &str) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut num = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            num.push(c);
        } else {
            if !num.is_empty() {
                out.push((std::mem::take(&mut text), num.parse().unwrap_or(u64::MAX)));
                num.clear();
            }
            text.push(c);
        }
    }
    out.push((text, num.parse().unwrap_or(0)));
    out
}

/// The paths matching each glob (a wildcard in the last component only; a path without one
/// is taken when it exists), deduplicated, each glob's matches in natural order.
pub fn expand_port_globs(globs: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for glob in globs {
        let path = Path::new(glob);
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut found = Vec::new();
        if name.contains('*') || name.contains('?') {
            let dir = path
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            if let Ok(entries) = fs::read_dir(dir) {
                for e in entries.flatten() {
                    let n = e.file_name().to_string_lossy().into_owned();
                    if glob_match(&name, &n) {
                        found.push(dir.join(n).display().to_string());
                    }
                }
            }
            found.sort_by_key(|p| natural_key(p));
        } else if path.exists() {
            found.push(glob.clone());
        }
        for p in found {
            if !out.contains(&p) {
                out.push(p);
            }
        }
    }
    out
}

/// The stable name udev gives the serial port `path` (`/dev/serial/by-id/usb-…`), if any.
pub fn stable_alias(path: &str) -> Option<String> {
    let target = fs::canonicalize(path).ok()?;
    let mut aliases: Vec<String> = fs::read_dir(SERIAL_BY_ID)
        .ok()?
        .flatten()
        .filter(|e| fs::canonicalize(e.path()).ok().as_ref() == Some(&target))
        .map(|e| e.path().display().to_string())
        .collect();
    aliases.sort();
    aliases.into_iter().next()
}

/// What a reader holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "error")]
pub enum CardKind {
    SocialSecurityCard,
    Psam,
    UnknownCard,
    Empty,
    Unreadable(String),
}

impl CardKind {
    pub fn describe(&self) -> String {
        match self {
            CardKind::SocialSecurityCard => "social security card".into(),
            CardKind::Psam => "PSAM".into(),
            CardKind::UnknownCard => "an unknown card".into(),
            CardKind::Empty => "empty".into(),
            CardKind::Unreadable(e) => format!("unreadable ({e})"),
        }
    }
}

/// One PC/SC reader and what is in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReaderFinding {
    pub name: String,
    pub card: CardKind,
}

/// What answered on a serial port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum PortKind {
    /// A GA 467 module answered its status command.
    IdModule { baud: u32 },
    /// An ESC/POS printer answered the status query.
    Printer {
        baud: u32,
        online: bool,
        paper: String,
    },
    /// Named by the technician as the QR scanner (`--qr-port`); not probed.
    NamedQrScanner,
    /// Opened, and nothing answered.
    Silent,
    /// Could not be opened.
    CannotOpen { reason: String },
}

/// One serial port and what was found on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PortFinding {
    pub path: String,
    /// The udev by-id name of the same port, proposed instead of `path` when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stable_path: Option<String>,
    #[serde(flatten)]
    pub kind: PortKind,
}

impl PortFinding {
    /// The path to write into the configuration.
    pub fn config_path(&self) -> &str {
        self.stable_path.as_deref().unwrap_or(&self.path)
    }
}

/// The cameras.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum CameraFinding {
    /// This build cannot open cameras.
    NotBuilt,
    /// Each device and whether it gave a frame.
    Probed { devices: Vec<CameraDevice> },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CameraDevice {
    pub device: String,
    /// `WIDTHxHEIGHT` of the frame it gave.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frame: Option<String>,
    /// Why it gave none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Everything the probes found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Findings {
    pub readers: Vec<ReaderFinding>,
    /// Why the readers could not be listed (PC/SC service down, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reader_error: Option<String>,
    pub ports: Vec<PortFinding>,
    /// The port the technician named as the QR scanner's (`--qr-port`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qr_port: Option<String>,
    pub camera: CameraFinding,
}

/// What to probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeOptions {
    /// Candidate serial ports (globs); [`DEFAULT_PORT_GLOBS`] unless the technician names
    /// others.
    pub port_globs: Vec<String>,
    /// Ports probed in addition (`--port PATH`).
    pub extra_ports: Vec<String>,
    /// The QR scanner's port, when the technician names it (`--qr-port`).
    pub qr_port: Option<String>,
    /// The QR scanner's speed, to open the named port at.
    pub qr_baud: u32,
    /// Camera mode to ask for.
    pub camera_resolution: Resolution,
    /// How long each serial probe waits for an answer.
    pub timeout: Duration,
}

impl Default for ProbeOptions {
    fn default() -> Self {
        ProbeOptions {
            port_globs: DEFAULT_PORT_GLOBS.iter().map(|s| s.to_string()).collect(),
            extra_ports: Vec::new(),
            qr_port: None,
            qr_baud: card_io::qr::DEFAULT_BAUD_RATE,
            camera_resolution: Resolution::HD,
            timeout: PROBE_TIMEOUT,
        }
    }
}

/// Progress lines (`probing /dev/ttyUSB0 for the ID module… no answer (300 ms)`): the start
/// of a line is written and flushed before the probe, its end after. Write errors are
/// ignored: progress is a courtesy.
struct Progress<'a> {
    out: &'a mut dyn Write,
    started: Instant,
}

impl<'a> Progress<'a> {
    fn new(out: &'a mut dyn Write) -> Progress<'a> {
        Progress {
            out,
            started: Instant::now(),
        }
    }

    fn start(&mut self, what: &str) {
        let _ = write!(self.out, "probing {what}… ");
        let _ = self.out.flush();
        self.started = Instant::now();
    }

    fn done(&mut self, outcome: &str) {
        let ms = self.started.elapsed().as_millis();
        let _ = writeln!(self.out, "{outcome} ({ms} ms)");
        let _ = self.out.flush();
    }

    fn line(&mut self, text: &str) {
        let _ = writeln!(self.out, "{text}");
        let _ = self.out.flush();
    }
}

fn identify_reader(provider: &dyn ReaderProvider, name: &str) -> CardKind {
    let mut conn = match provider.connect(name) {
        Ok(c) => c,
        Err(e) => return CardKind::Unreadable(e.to_string()),
    };
    let kind = match conn.session(None) {
        Ok(mut s) => {
            if SsCard::select(&mut *s).is_ok() {
                CardKind::SocialSecurityCard
            } else {
                match psam::probe(&mut *s) {
                    Ok(true) => CardKind::Psam,
                    Ok(false) => CardKind::UnknownCard,
                    Err(e) => CardKind::Unreadable(e.to_string()),
                }
            }
        }
        Err(e) => CardKind::Unreadable(e.to_string()),
    };
    if let Err(e) = conn.disconnect(Disposition::Leave) {
        log::debug!("disconnect from {name:?}: {e}");
    }
    kind
}

fn describe_error(e: &ReaderError) -> String {
    match e {
        ReaderError::Timeout { .. } => "no answer".into(),
        other => other.to_string(),
    }
}

fn probe_port(
    path: &str,
    serial: &dyn SerialProbe,
    timeout: Duration,
    progress: &mut Progress<'_>,
) -> PortKind {
    progress.start(&format!(
        "{path} for the ID module ({ID_MODULE_BAUD} baud, 11 FF)"
    ));
    match serial.id_module_status(path, ID_MODULE_BAUD, timeout, 1) {
        Ok(()) => {
            progress.done("GA 467 module ready");
            return PortKind::IdModule {
                baud: ID_MODULE_BAUD,
            };
        }
        Err(ReaderError::Status { sw, .. }) => {
            progress.done(&format!(
                "GA 467 module, status {} (not ready)",
                hex::encode_upper(sw)
            ));
            return PortKind::IdModule {
                baud: ID_MODULE_BAUD,
            };
        }
        Err(e @ ReaderError::Open { .. }) => {
            progress.done("cannot open");
            return PortKind::CannotOpen {
                reason: e.to_string(),
            };
        }
        Err(e) => progress.done(&describe_error(&e)),
    }
    for baud in PRINTER_BAUDS {
        progress.start(&format!("{path} for a printer ({baud} baud, 10 04 01)"));
        match serial.printer_status(path, baud, timeout) {
            Ok(status) => {
                let paper = paper_name(status.paper);
                progress.done(&format!(
                    "ESC/POS printer, {}, paper {paper}",
                    if status.online { "online" } else { "offline" }
                ));
                return PortKind::Printer {
                    baud,
                    online: status.online,
                    paper: paper.into(),
                };
            }
            Err(PrinterError::NotAnswering { .. }) => progress.done("no answer"),
            Err(e @ PrinterError::Open { .. }) => {
                progress.done("cannot open");
                return PortKind::CannotOpen {
                    reason: e.to_string(),
                };
            }
            Err(e) => progress.done(&e.to_string()),
        }
    }
    PortKind::Silent
}

fn paper_name(p: Paper) -> &'static str {
    match p {
        Paper::Ok => "ok",
        Paper::NearEnd => "near end",
        Paper::Out => "out",
    }
}

/// Probes readers, serial ports and cameras, reporting progress on `progress`.
pub fn probe(
    options: &ProbeOptions,
    readers: &dyn ReaderProvider,
    serial: &dyn SerialProbe,
    cameras: Option<&dyn Cameras>,
    progress: &mut dyn Write,
) -> Findings {
    let mut progress = Progress::new(progress);

    progress.start("PC/SC readers");
    let (listed, reader_error) = match readers.list_readers() {
        Ok(r) => {
            progress.done(&format!("{} reader(s)", r.len()));
            (r, None)
        }
        Err(e) => {
            progress.done(&e.to_string());
            (Vec::new(), Some(e.to_string()))
        }
    };
    let mut reader_findings = Vec::new();
    for r in listed {
        progress.start(&format!("reader {:?}", r.name));
        let card = if r.atr.is_some() {
            identify_reader(readers, &r.name)
        } else {
            CardKind::Empty
        };
        progress.done(&card.describe());
        reader_findings.push(ReaderFinding { name: r.name, card });
    }

    for g in &options.port_globs {
        if !g.contains(['*', '?']) && !Path::new(g).exists() {
            progress.line(&format!("{g}: no such port"));
        }
    }
    let mut candidates = expand_port_globs(&options.port_globs);
    for p in &options.extra_ports {
        if !candidates.contains(p) {
            candidates.push(p.clone());
        }
    }
    if candidates.is_empty() && options.qr_port.is_none() {
        progress.line(&format!(
            "no serial ports match {}",
            options.port_globs.join(" ")
        ));
    }
    let mut ports = Vec::new();
    if let Some(qr) = &options.qr_port {
        progress.start(&format!("{qr} (named as the QR scanner): opening"));
        let kind = match serial.opens(qr, options.qr_baud) {
            Ok(()) => {
                progress.done("opens");
                PortKind::NamedQrScanner
            }
            Err(e) => {
                progress.done("cannot open");
                PortKind::CannotOpen {
                    reason: e.to_string(),
                }
            }
        };
        ports.push(PortFinding {
            path: qr.clone(),
            stable_path: stable_alias(qr),
            kind,
        });
    }
    for path in candidates {
        if options.qr_port.as_deref() == Some(path.as_str()) {
            continue;
        }
        let kind = probe_port(&path, serial, options.timeout, &mut progress);
        ports.push(PortFinding {
            stable_path: stable_alias(&path),
            path,
            kind,
        });
    }

    let camera = match cameras {
        None => {
            progress.line(CAMERA_NOT_BUILT);
            CameraFinding::NotBuilt
        }
        Some(c) => {
            let mut devices = Vec::new();
            for device in c.list() {
                progress.start(&format!(
                    "{device} for a camera frame ({})",
                    options.camera_resolution
                ));
                let (frame, error) = match c.grab(&device, options.camera_resolution) {
                    Ok(f) => {
                        let size = format!("{}x{}", f.width(), f.height());
                        progress.done(&format!("frame {size}"));
                        (Some(size), None)
                    }
                    Err(e) => {
                        progress.done(&e.to_string());
                        (None, Some(e.to_string()))
                    }
                };
                devices.push(CameraDevice {
                    device,
                    frame,
                    error,
                });
            }
            if devices.is_empty() {
                progress.line("no camera devices (/dev/video*)");
            }
            CameraFinding::Probed { devices }
        }
    };

    Findings {
        readers: reader_findings,
        reader_error,
        ports,
        qr_port: options.qr_port.clone(),
        camera,
    }
}

/// One device field the proposal changes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// The key in `[devices]`.
    pub field: String,
    pub old: toml::Value,
    pub new: toml::Value,
    /// What was found.
    pub why: String,
}

/// A proposed configuration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Proposal {
    #[serde(skip)]
    pub config: Config,
    pub changes: Vec<Change>,
    /// What was not found, guesses, ambiguities: to show the technician.
    pub notes: Vec<String>,
    /// The reader for the citizen's card, when one was found (nothing is written without).
    pub card_reader: Option<String>,
}

/// The keys of `[devices]`, in the file's order.
const DEVICE_KEYS: [&str; 11] = [
    "card_reader",
    "psam_reader",
    "id_module_port",
    "id_module_baud",
    "qr_port",
    "qr_baud",
    "printer_port",
    "printer_baud",
    "camera_device",
    "camera_width",
    "camera_height",
];

fn device_table(d: &Devices) -> toml::Table {
    match toml::Value::try_from(d) {
        Ok(toml::Value::Table(t)) => t,
        // Devices is a struct of strings and integers: it always serialises to a table.
        _ => toml::Table::new(),
    }
}

/// The device fields that differ between `old` and `new`, in the file's order.
fn device_changes(old: &Devices, new: &Devices, why: &BTreeMap<&str, String>) -> Vec<Change> {
    let (a, b) = (device_table(old), device_table(new));
    DEVICE_KEYS
        .iter()
        .filter_map(|&k| {
            let (o, n) = (a.get(k)?, b.get(k)?);
            (o != n).then(|| Change {
                field: k.to_string(),
                old: o.clone(),
                new: n.clone(),
                why: why.get(k).cloned().unwrap_or_default(),
            })
        })
        .collect()
}

/// The reader for the citizen's card and why, or why none.
fn choose_card_reader(f: &Findings, notes: &mut Vec<String>) -> Option<(String, String)> {
    let with_card: Vec<&ReaderFinding> = f
        .readers
        .iter()
        .filter(|r| r.card == CardKind::SocialSecurityCard)
        .collect();
    if let Some(first) = with_card.first() {
        if with_card.len() > 1 {
            notes.push(format!(
                "{} readers hold a social security card; {:?} is proposed (take the card out of the others and run again to be sure)",
                with_card.len(),
                first.name
            ));
        }
        return Some((first.name.clone(), "holds a social security card".into()));
    }
    let psam_found = f.readers.iter().any(|r| r.card == CardKind::Psam);
    let others: Vec<&ReaderFinding> = f
        .readers
        .iter()
        .filter(|r| r.card != CardKind::Psam)
        .collect();
    match others.as_slice() {
        [only] => Some((
            only.name.clone(),
            if psam_found {
                "the reader beside the PSAM's: the citizen's card goes here".into()
            } else {
                "the only card reader".into()
            },
        )),
        [] => {
            notes.push(match &f.reader_error {
                Some(e) => format!("no card reader: {e}"),
                None if f.readers.is_empty() => {
                    "no card reader connected: plug in the card reader and check that pcscd runs"
                        .into()
                }
                None => "the only reader holds the PSAM: connect the reader for the citizen's card"
                    .into(),
            });
            None
        }
        many => {
            let names: Vec<String> = many.iter().map(|r| format!("{:?}", r.name)).collect();
            notes.push(format!(
                "{} readers could be the citizen's card reader ({}): insert a social security card in it and run again",
                many.len(),
                names.join(", ")
            ));
            None
        }
    }
}

/// The proposal: `base` with the device fields that were found (and nothing else) changed.
pub fn propose(base: &Config, f: &Findings) -> Proposal {
    let mut notes = Vec::new();
    let mut why: BTreeMap<&str, String> = BTreeMap::new();
    let mut d = base.devices.clone();

    let card_reader = choose_card_reader(f, &mut notes);
    if let Some((name, reason)) = &card_reader {
        d.card_reader = name.clone();
        why.insert("card_reader", reason.clone());
    }
    let psams: Vec<&ReaderFinding> = f
        .readers
        .iter()
        .filter(|r| r.card == CardKind::Psam)
        .collect();
    match psams.first() {
        Some(p) => {
            d.psam_reader = p.name.clone();
            why.insert("psam_reader", "its card selects the PSAM application".into());
            if psams.len() > 1 {
                notes.push(format!(
                    "{} readers hold a PSAM; {:?} is proposed",
                    psams.len(),
                    p.name
                ));
            }
        }
        None => notes.push(format!(
            "no PSAM found in any reader: insert the PSAM in its slot and run again (psam_reader stays {:?})",
            d.psam_reader
        )),
    }

    // Serial devices: the first port of each kind.
    let mut found_id = false;
    let mut found_printer = false;
    let mut found_qr = false;
    for p in &f.ports {
        match &p.kind {
            PortKind::IdModule { baud } if !found_id => {
                found_id = true;
                d.id_module_port = p.config_path().to_string();
                d.id_module_baud = *baud;
                let reason = format!("answered the GA 467 status command at {baud} baud");
                why.insert("id_module_baud", reason.clone());
                why.insert("id_module_port", with_alias(reason, p));
            }
            PortKind::IdModule { .. } => notes.push(format!(
                "{} also answers as an ID module; only {} is proposed",
                p.path, d.id_module_port
            )),
            PortKind::Printer { baud, paper, .. } if !found_printer => {
                found_printer = true;
                d.printer_port = p.config_path().to_string();
                d.printer_baud = *baud;
                let reason = format!("answered the printer status query at {baud} baud");
                why.insert("printer_baud", reason.clone());
                why.insert("printer_port", with_alias(reason, p));
                if paper != "ok" {
                    notes.push(format!("the printer on {} reports paper {paper}", p.path));
                }
            }
            PortKind::Printer { .. } => notes.push(format!(
                "{} also answers as a printer; only {} is proposed",
                p.path, d.printer_port
            )),
            PortKind::NamedQrScanner => {
                found_qr = true;
                d.qr_port = p.config_path().to_string();
                why.insert(
                    "qr_port",
                    with_alias("named with --qr-port (a scanner only speaks when scanning: scan a code to confirm)".into(), p),
                );
            }
            PortKind::Silent | PortKind::CannotOpen { .. } => {}
        }
    }
    if !found_qr {
        let named_failed = f.qr_port.as_ref().is_some_and(|named| {
            f.ports
                .iter()
                .any(|p| &p.path == named && matches!(p.kind, PortKind::CannotOpen { .. }))
        });
        // A silent port the configuration gives to a device that did not answer is most
        // likely that device, switched off: not a QR scanner.
        let claimed: Vec<(&str, &str)> = [
            (!found_id, base.devices.id_module_port.as_str(), "ID module"),
            (
                !found_printer,
                base.devices.printer_port.as_str(),
                "printer",
            ),
        ]
        .into_iter()
        .filter(|(missing, _, _)| *missing)
        .map(|(_, port, name)| (port, name))
        .collect();
        let mut silent: Vec<&PortFinding> = Vec::new();
        for p in f.ports.iter().filter(|p| p.kind == PortKind::Silent) {
            match claimed.iter().find(|(port, _)| *port == p.path || Some(*port) == p.stable_path.as_deref()) {
                Some((_, name)) => notes.push(format!(
                    "{} stays silent, and it is the configured {name} port: is the {name} switched on? (not taken for the QR scanner)",
                    p.path
                )),
                None => silent.push(p),
            }
        }
        if named_failed {
            notes
                .push("the port named with --qr-port cannot be opened: qr_port not changed".into());
        } else {
            match silent.as_slice() {
                [only] => {
                    found_qr = true;
                    d.qr_port = only.config_path().to_string();
                    why.insert(
                        "qr_port",
                        with_alias("a guess: the only port that opened and answered neither probe (a QR scanner only speaks when scanning: scan a code to confirm, or name it with --qr-port)".into(), only),
                    );
                }
                [] => notes.push(format!(
                    "no silent port left for the QR scanner: qr_port stays {:?} (name it with --qr-port)",
                    d.qr_port
                )),
                many => {
                    let names: Vec<&str> = many.iter().map(|p| p.path.as_str()).collect();
                    notes.push(format!(
                        "{} ports stayed silent ({}): a QR scanner only speaks when scanning, so name it with --qr-port; qr_port stays {:?}",
                        many.len(),
                        names.join(", "),
                        d.qr_port
                    ));
                }
            }
        }
    }
    if !found_id {
        notes.push(format!(
            "no ID module answered: id_module_port stays {:?}",
            d.id_module_port
        ));
    }
    if !found_printer {
        notes.push(format!(
            "no printer answered: printer_port stays {:?}",
            d.printer_port
        ));
    }

    match &f.camera {
        CameraFinding::NotBuilt => notes.push(format!(
            "{CAMERA_NOT_BUILT}: camera_device stays {:?}",
            d.camera_device
        )),
        CameraFinding::Probed { devices } => {
            match devices.iter().find_map(|c| Some((c, c.frame.as_deref()?))) {
                Some((c, size)) => {
                    d.camera_device = c.device.clone();
                    why.insert("camera_device", format!("gave a {size} frame"));
                }
                None => notes.push(format!(
                    "no camera gave a frame: camera_device stays {:?}",
                    d.camera_device
                )),
            }
        }
    }

    separate_ports(
        &base.devices,
        &mut d,
        [found_id, found_qr, found_printer],
        &mut why,
    );

    let changes = device_changes(&base.devices, &d, &why);
    let config = Config {
        devices: d,
        ..base.clone()
    };
    Proposal {
        config,
        changes,
        notes,
        card_reader: card_reader.map(|(n, _)| n),
    }
}

fn with_alias(reason: String, p: &PortFinding) -> String {
    match &p.stable_path {
        Some(alias) => format!("{reason}; {alias} is the stable name of {}", p.path),
        None => reason,
    }
}

/// A device that was not found keeps its port, unless a found device now has that port:
/// then it takes a port a found device left (the file stays valid: one port per device).
fn separate_ports(
    old: &Devices,
    d: &mut Devices,
    found: [bool; 3],
    why: &mut BTreeMap<&str, String>,
) {
    let names = ["ID module", "QR scanner", "printer"];
    let keys = ["id_module_port", "qr_port", "printer_port"];
    let old_ports = [
        old.id_module_port.clone(),
        old.qr_port.clone(),
        old.printer_port.clone(),
    ];
    let mut ports = [
        d.id_module_port.clone(),
        d.qr_port.clone(),
        d.printer_port.clone(),
    ];
    for i in 0..3 {
        if found[i] {
            continue;
        }
        let Some(taker) = (0..3).find(|&j| j != i && found[j] && ports[j] == ports[i]) else {
            continue;
        };
        let free = (0..3)
            .filter(|&j| found[j])
            .map(|j| old_ports[j].clone())
            .find(|p| !ports.contains(p));
        if let Some(free) = free {
            why.insert(
                keys[i],
                format!(
                    "moved off {}, where the {} was found (set the {}'s real port once it is connected)",
                    ports[i], names[taker], names[i]
                ),
            );
            ports[i] = free;
        }
    }
    let [id, qr, printer] = ports;
    d.id_module_port = id;
    d.qr_port = qr;
    d.printer_port = printer;
}

/// The proposal as `-`/`+` lines of `[devices]`, each change with why.
pub fn diff_text(p: &Proposal) -> String {
    let mut out = String::new();
    if p.changes.is_empty() {
        out.push_str("[devices]: no change\n");
        return out;
    }
    out.push_str("[devices]\n");
    for c in &p.changes {
        out.push_str(&format!("- {} = {}\n", c.field, c.old));
        out.push_str(&format!("+ {} = {}", c.field, c.new));
        if !c.why.is_empty() {
            out.push_str(&format!("    # {}", c.why));
        }
        out.push('\n');
    }
    out
}

const HEADER: &str =
    "# kiosk.toml written by `kiosk provision`: the [devices] found on this kiosk,\n\
# every other value the default. Each key is described in kiosk.example.toml\n\
# (/usr/share/doc/kiosk/kiosk.example.toml when the package is installed).\n\n";

fn strip_comment(line: &str) -> &str {
    line.split('#').next().unwrap_or("").trim()
}

/// Sets `changes` in the `[devices]` table of `text`, keeping every other line (comments
/// included): a key's line is replaced, a missing key is added after the table's last key,
/// a missing table is appended.
fn edit_devices(text: &str, changes: &[Change]) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let header = lines.iter().position(|l| strip_comment(l) == "[devices]");
    let header = match header {
        Some(h) => h,
        None => {
            if lines.last().is_some_and(|l| !l.trim().is_empty()) {
                lines.push(String::new());
            }
            lines.push("[devices]".into());
            lines.len() - 1
        }
    };
    let end = lines[header + 1..]
        .iter()
        .position(|l| l.trim_start().starts_with('['))
        .map(|i| header + 1 + i)
        .unwrap_or(lines.len());
    let mut end = end;
    for c in changes {
        let new_line = format!("{} = {}", c.field, c.new);
        let existing = (header + 1..end).find(|&i| {
            let l = lines[i].trim_start();
            l.strip_prefix(c.field.as_str())
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        });
        match existing {
            Some(i) => {
                let indent: String = lines[i]
                    .chars()
                    .take_while(|ch| ch.is_whitespace())
                    .collect();
                lines[i] = format!("{indent}{new_line}");
            }
            None => {
                let last_key = (header + 1..end)
                    .rev()
                    .find(|&i| !strip_comment(&lines[i]).is_empty())
                    .unwrap_or(header);
                lines.insert(last_key + 1, new_line);
                end += 1;
            }
        }
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

/// The text to write: `existing` with its `[devices]` lines edited (comments kept) when
/// that gives exactly the proposed configuration, else the whole configuration written
/// out; checked with firmware-config's validation either way. `origin` names the file in
/// diagnostics.
pub fn render(
    existing: Option<&str>,
    proposal: &Proposal,
    origin: &str,
) -> Result<String, ProvisionError> {
    if let Some(text) = existing {
        let edited = edit_devices(text, &proposal.changes);
        match Config::parse(&edited, origin) {
            Ok(c) if c == proposal.config => return Ok(edited),
            Ok(_) => log::debug!("editing [devices] in place did not give the proposal"),
            Err(e @ ConfigError::Invalid(_)) => return Err(ProvisionError::Invalid(e)),
            Err(e) => log::debug!("editing [devices] in place: {e}"),
        }
    }
    // `staff = []` comes first in the serialiser's output; no accounts is the default.
    let body: String = proposal
        .config
        .to_toml()?
        .lines()
        .filter(|l| *l != "staff = []")
        .map(|l| format!("{l}\n"))
        .collect();
    let text = format!("{HEADER}{}", body.trim_start());
    Config::parse(&text, origin).map_err(ProvisionError::Invalid)?;
    Ok(text)
}

/// The backup kept by [`write_config`]: `FILE.bak`.
pub fn backup_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".bak");
    PathBuf::from(name)
}

fn io_error(what: &'static str, path: &Path) -> impl FnOnce(io::Error) -> ProvisionError {
    let path = path.to_owned();
    move |source| ProvisionError::Io { what, path, source }
}

/// Writes `bytes` to `target` through a temporary file in the same directory (fsync, then
/// rename), with `like`'s permissions and owner when given; fsyncs the directory.
fn replace_file(
    target: &Path,
    bytes: &[u8],
    like: Option<&fs::Metadata>,
) -> Result<(), ProvisionError> {
    let dir = target
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "kiosk.toml".into());
    let tmp = dir.join(format!(".{name}.provision-{:016x}", rand::random::<u64>()));
    let mode = like
        .map(|m| m.permissions().mode() & 0o7777)
        .unwrap_or(0o644);
    let result = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&tmp)
            .map_err(io_error("create", &tmp))?;
        file.set_permissions(fs::Permissions::from_mode(mode))
            .map_err(io_error("set the permissions of", &tmp))?;
        if let Some(m) = like {
            let mine = file.metadata().map_err(io_error("inspect", &tmp))?;
            if (mine.uid(), mine.gid()) != (m.uid(), m.gid()) {
                std::os::unix::fs::fchown(&file, Some(m.uid()), Some(m.gid()))
                    .map_err(io_error("give the owner of the old file to", &tmp))?;
            }
        }
        file.write_all(bytes).map_err(io_error("write", &tmp))?;
        file.sync_all().map_err(io_error("fsync", &tmp))?;
        fs::rename(&tmp, target).map_err(io_error("rename into", target))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result?;
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_error("fsync directory", dir))
}

/// Replaces `path` with `text` atomically (temporary file, fsync, rename, fsync of the
/// directory), creating the directory if needed. An existing file is first copied to
/// `FILE.bak` (the same way); its permissions and owner carry over. Returns the backup's
/// path when there was an old file.
pub fn write_config(path: &Path, text: &str) -> Result<Option<PathBuf>, ProvisionError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).map_err(io_error("create the directory", dir))?;
    }
    let old = match fs::metadata(path) {
        Ok(m) => Some(m),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(io_error("inspect", path)(e)),
    };
    let backup = match &old {
        Some(meta) => {
            let bytes = fs::read(path).map_err(io_error("read", path))?;
            let bak = backup_path(path);
            replace_file(&bak, &bytes, Some(meta))?;
            Some(bak)
        }
        None => None,
    };
    replace_file(path, text.as_bytes(), old.as_ref())?;
    Ok(backup)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(name: &str, card: CardKind) -> ReaderFinding {
        ReaderFinding {
            name: name.into(),
            card,
        }
    }

    fn port(path: &str, kind: PortKind) -> PortFinding {
        PortFinding {
            path: path.into(),
            stable_path: None,
            kind,
        }
    }

    fn findings(readers: Vec<ReaderFinding>, ports: Vec<PortFinding>) -> Findings {
        Findings {
            readers,
            reader_error: None,
            ports,
            qr_port: None,
            camera: CameraFinding::NotBuilt,
        }
    }

    fn printer_kind(baud: u32) -> PortKind {
        PortKind::Printer {
            baud,
            online: true,
            paper: "ok".into(),
        }
    }

    #[test]
    fn globs_and_reader_patterns() {
        assert!(glob_match("* 00 00", "Virtual PCD 00 00"));
        assert!(!glob_match("* 00 00", "Virtual PCD 00 01"));
        assert!(glob_match("ttyUSB*", "ttyUSB0"));
        assert!(glob_match("tty?", "tty1"));
        assert!(!glob_match("tty?", "tty12"));
        assert!(glob_match("*a*b", "xaxxb"));
        assert!(!glob_match("*a*b", "xaxxbc"));
        assert!(reader_matches("Virtual PCD 00 00", "Virtual PCD 00 00"));
        assert!(reader_matches(
            "ACR1281",
            "ACS ACR1281 1S Dual Reader 00 00"
        ));
        assert!(!reader_matches("", "anything"));
        assert!(!reader_matches("* 00 01", "Virtual PCD 00 00"));
    }

    #[test]
    fn port_globs_expand_in_natural_order() {
        let dir = tempfile::tempdir().expect("tempdir");
        for n in ["ttyUSB10", "ttyUSB2", "ttyUSB1", "other"] {
            fs::write(dir.path().join(n), "").expect("touch");
        }
        let d = dir.path().display();
        let got = expand_port_globs(&[
            format!("{d}/ttyUSB*"),
            format!("{d}/other"),
            format!("{d}/missing"),
            format!("{d}/ttyUSB1"),
        ]);
        let want: Vec<String> = ["ttyUSB1", "ttyUSB2", "ttyUSB10", "other"]
            .iter()
            .map(|n| format!("{d}/{n}"))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn psam_and_the_other_reader() {
        let f = findings(
            vec![
                reader("R 00 00", CardKind::Empty),
                reader("R 00 01", CardKind::Psam),
            ],
            vec![],
        );
        let p = propose(&Config::default(), &f);
        assert_eq!(p.card_reader.as_deref(), Some("R 00 00"));
        assert_eq!(p.config.devices.card_reader, "R 00 00");
        assert_eq!(p.config.devices.psam_reader, "R 00 01");
        let fields: Vec<&str> = p.changes.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields, ["card_reader", "psam_reader"]);
        assert!(p.changes[0].why.contains("beside the PSAM"));
    }

    #[test]
    fn a_social_security_card_decides_between_readers() {
        let f = findings(
            vec![
                reader("A", CardKind::Empty),
                reader("B", CardKind::SocialSecurityCard),
                reader("C", CardKind::Psam),
            ],
            vec![],
        );
        let p = propose(&Config::default(), &f);
        assert_eq!(p.card_reader.as_deref(), Some("B"));
        assert!(p.changes[0].why.contains("social security card"));
    }

    #[test]
    fn no_or_ambiguous_card_reader_is_none_with_a_note() {
        let none = propose(&Config::default(), &findings(vec![], vec![]));
        assert_eq!(none.card_reader, None);
        assert!(none
            .notes
            .iter()
            .any(|n| n.contains("no card reader connected")));
        let two = propose(
            &Config::default(),
            &findings(
                vec![reader("A", CardKind::Empty), reader("B", CardKind::Empty)],
                vec![],
            ),
        );
        assert_eq!(two.card_reader, None);
        assert!(
            two.notes
                .iter()
                .any(|n| n.contains("2 readers could be the citizen's card reader")),
            "{:?}",
            two.notes
        );
        let only_psam = propose(
            &Config::default(),
            &findings(vec![reader("P", CardKind::Psam)], vec![]),
        );
        assert_eq!(only_psam.card_reader, None);
        assert_eq!(only_psam.config.devices.psam_reader, "P");
    }

    #[test]
    fn serial_devices_and_the_qr_guess() {
        let f = findings(
            vec![reader("R", CardKind::Empty)],
            vec![
                port("/dev/ttyUSB0", PortKind::Silent),
                port("/dev/ttyUSB1", PortKind::IdModule { baud: 115_200 }),
                port("/dev/ttyUSB2", printer_kind(19_200)),
                port(
                    "/dev/ttyS0",
                    PortKind::CannotOpen {
                        reason: "EIO".into(),
                    },
                ),
            ],
        );
        let p = propose(&Config::default(), &f);
        let d = &p.config.devices;
        assert_eq!(d.id_module_port, "/dev/ttyUSB1");
        assert_eq!(d.printer_port, "/dev/ttyUSB2");
        assert_eq!(d.printer_baud, 19_200);
        assert_eq!(d.qr_port, "/dev/ttyUSB0");
        let qr = p.changes.iter().find(|c| c.field == "qr_port").expect("qr");
        assert!(qr.why.contains("a guess"), "{}", qr.why);
        // Two silent ports: no guess.
        let f2 = findings(
            vec![reader("R", CardKind::Empty)],
            vec![
                port("/dev/ttyUSB5", PortKind::Silent),
                port("/dev/ttyUSB6", PortKind::Silent),
            ],
        );
        let p2 = propose(&Config::default(), &f2);
        assert_eq!(p2.config.devices.qr_port, "/dev/ttyUSB1");
        assert!(p2.notes.iter().any(|n| n.contains("--qr-port")));
    }

    #[test]
    fn a_silent_port_of_a_device_that_did_not_answer_is_not_the_qr_scanner() {
        // Defaults: the ID module on ttyUSB0, switched off; the scanner on ttyUSB1.
        let f = findings(
            vec![reader("R", CardKind::Empty)],
            vec![
                port("/dev/ttyUSB0", PortKind::Silent),
                port("/dev/ttyUSB3", PortKind::Silent),
            ],
        );
        let p = propose(&Config::default(), &f);
        assert_eq!(p.config.devices.qr_port, "/dev/ttyUSB3");
        assert_eq!(p.config.devices.id_module_port, "/dev/ttyUSB0");
        assert!(
            p.notes.iter().any(|n| n
                .contains("/dev/ttyUSB0 stays silent, and it is the configured ID module port")),
            "{:?}",
            p.notes
        );
    }

    #[test]
    fn a_device_not_found_moves_off_a_found_devices_port() {
        // The ID module is found on the default printer port; the printer is not found.
        let f = findings(
            vec![reader("R", CardKind::Empty)],
            vec![port("/dev/ttyUSB2", PortKind::IdModule { baud: 115_200 })],
        );
        let p = propose(&Config::default(), &f);
        let d = &p.config.devices;
        assert_eq!(d.id_module_port, "/dev/ttyUSB2");
        assert_eq!(d.printer_port, "/dev/ttyUSB0");
        let text = render(None, &p, "kiosk.toml").expect("valid");
        assert!(text.contains("printer_port = \"/dev/ttyUSB0\""));
        let moved = p
            .changes
            .iter()
            .find(|c| c.field == "printer_port")
            .expect("printer_port changed");
        assert!(
            moved.why.contains("where the ID module was found"),
            "{}",
            moved.why
        );
    }

    #[test]
    fn render_keeps_comments_and_other_tables() {
        let existing = "# my kiosk\n[kiosk]\nid = \"cj-01\" # the id\n\n[devices]\n# card\ncard_reader = \"* 00 00\"\n  id_module_port = \"/dev/ttyUSB0\"\n\n[ui]\nelderly_mode = true\n";
        let base = Config::parse(existing, "kiosk.toml").expect("base");
        let f = findings(
            vec![
                reader("Virtual PCD 00 00", CardKind::SocialSecurityCard),
                reader("Virtual PCD 00 01", CardKind::Psam),
            ],
            vec![port("/dev/pts/7", PortKind::IdModule { baud: 115_200 })],
        );
        let p = propose(&base, &f);
        let text = render(Some(existing), &p, "kiosk.toml").expect("render");
        assert!(text.starts_with("# my kiosk\n[kiosk]\nid = \"cj-01\" # the id\n"));
        assert!(text.contains("# card\ncard_reader = \"Virtual PCD 00 00\"\n"));
        assert!(text.contains("  id_module_port = \"/dev/pts/7\"\n"));
        assert!(text.contains("psam_reader = \"Virtual PCD 00 01\""));
        assert!(text.contains("[ui]\nelderly_mode = true\n"));
        let again = Config::parse(&text, "kiosk.toml").expect("valid");
        assert_eq!(again, p.config);
        assert!(again.ui.elderly_mode);
    }

    #[test]
    fn render_adds_a_devices_table_and_refuses_invalid_results() {
        let existing = "[kiosk]\nid = \"k1\"\n";
        let base = Config::parse(existing, "k.toml").expect("base");
        let f = findings(vec![reader("Only Reader", CardKind::Empty)], vec![]);
        let p = propose(&base, &f);
        let text = render(Some(existing), &p, "k.toml").expect("render");
        assert!(
            text.contains("[devices]\ncard_reader = \"Only Reader\"\n"),
            "{text}"
        );
        // A proposal that breaks a rule is refused with the rule's message.
        let mut bad = p.clone();
        bad.config.devices.psam_reader = "Only Reader".into();
        bad.changes.push(Change {
            field: "psam_reader".into(),
            old: toml::Value::String("* 00 01".into()),
            new: toml::Value::String("Only Reader".into()),
            why: String::new(),
        });
        let err = render(Some(existing), &bad, "k.toml").expect_err("invalid");
        assert!(
            err.to_string().contains("same pattern as card_reader"),
            "{err}"
        );
    }

    #[test]
    fn write_config_is_atomic_and_keeps_a_backup() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("etc/kiosk.toml");
        assert_eq!(write_config(&path, "a = 1\n").expect("first"), None);
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).expect("chmod");
        let bak = write_config(&path, "a = 2\n").expect("second");
        assert_eq!(bak.as_deref(), Some(backup_path(&path).as_path()));
        assert_eq!(fs::read_to_string(&path).expect("new"), "a = 2\n");
        assert_eq!(
            fs::read_to_string(backup_path(&path)).expect("bak"),
            "a = 1\n"
        );
        let mode = fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o640, "the old file's permissions carry over");
        let leftovers: Vec<_> = fs::read_dir(path.parent().expect("dir"))
            .expect("list")
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().contains("provision-"))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[test]
    fn diff_shows_old_new_and_why() {
        let f = findings(
            vec![reader("X", CardKind::SocialSecurityCard)],
            vec![port("/dev/ttyACM0", printer_kind(9_600))],
        );
        let p = propose(&Config::default(), &f);
        let text = diff_text(&p);
        assert!(text.contains("- card_reader = \"* 00 00\"\n+ card_reader = \"X\"    # holds a social security card\n"), "{text}");
        assert!(text.contains("+ printer_port = \"/dev/ttyACM0\""), "{text}");
    }
}
