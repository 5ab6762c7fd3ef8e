//! What `kiosk provision` finds: readers, serial ports, keyboards, USB and network printers
//! and cameras, each with what it is, and
//! the options and errors of a probe.

use std::io;
use std::path::PathBuf;
use std::time::Duration;

use card_io::camera::Resolution;
use card_io::idcard::{self};
use firmware_config::ConfigError;
use serde::Serialize;

use super::links::{KeyboardFinding, LinkPrinterFinding};

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
pub(crate) const SERIAL_BY_ID: &str = "/dev/serial/by-id";

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
    /// Keyboard-mode input devices: QR scanners in USB HID mode, maybe.
    pub keyboards: Vec<KeyboardFinding>,
    /// The input device the technician named as the QR scanner (`--qr-hid`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qr_hid: Option<String>,
    /// USB printer-class devices and the network printer asked, with their answers.
    pub link_printers: Vec<LinkPrinterFinding>,
    /// The network printer the technician named (`--printer-tcp`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub printer_tcp: Option<String>,
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
    /// Where sysfs is (`/sys`; a fake tree in tests): input devices' names and keys.
    pub sys_root: PathBuf,
    /// Where the device nodes are (`/dev`; a fake tree in tests): `input/`, `usb/lp*`.
    pub dev_root: PathBuf,
    /// The QR scanner's input device, when the technician names it (`--qr-hid`): a by-id
    /// name or a device path.
    pub qr_hid: Option<String>,
    /// A network printer to ask (`--printer-tcp HOST:PORT`, or the configured one).
    pub printer_tcp: Option<String>,
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
            sys_root: PathBuf::from("/sys"),
            dev_root: PathBuf::from("/dev"),
            qr_hid: None,
            printer_tcp: None,
        }
    }
}
