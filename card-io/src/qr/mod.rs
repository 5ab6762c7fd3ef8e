//! The e-card QR scanner (CARD-PROFILE.md section 8): a serial device that sends each scan as
//! one line of text ending in CR, CR LF or LF, 9600 8N1 by default — or, as most kiosk
//! scanners come out of the box, a USB HID keyboard that types the scan and presses Enter.
//!
//! - [`line`]: [`LineDecoder`], the pure line decoder (bytes in chunks of any size → scans),
//!   with a length limit so a runaway device never makes the kiosk buffer without bound.
//! - [`keys`]: [`KeyDecoder`], the pure key-event decoder (Linux input events, US layout,
//!   Shift) feeding the same line decoder.
//! - [`reader`]: [`QrReader`], the decoder over a serial port on its own thread, sending
//!   [`QrEvent`]s on a channel until stopped or the port is lost.
//! - [`hid`]: [`QrReader::open_hid`], the same reader over an evdev input device grabbed
//!   exclusively (`EVIOCGRAB`), so a scan never types into the screen; [`QrSource`] names
//!   either kind for the service to start with one call.
//!
//! The payload is opaque here: the e-card platform checks it.

pub mod hid;
pub mod keys;
pub mod line;
pub mod reader;

use std::path::PathBuf;

pub use hid::{hid_device_path, QrSource};
pub use keys::{KeyDecoder, KeyEvent};
pub use line::{LineDecoder, Scan, DEFAULT_MAX_LINE};
pub use reader::{QrConfig, QrEvent, QrReader, DEFAULT_BAUD_RATE};

/// What can go wrong between the scanner and a scan.
#[derive(Debug, thiserror::Error)]
pub enum QrError {
    /// A line longer than the limit: its bytes were discarded up to its terminator.
    #[error("QR scan longer than {limit} bytes: discarded")]
    TooLong { limit: usize },
    /// A line that is not UTF-8 text (noise on the line, or a scanner in the wrong mode).
    #[error("QR scan of {len} bytes is not UTF-8 text")]
    NotUtf8 {
        len: usize,
        #[source]
        source: std::string::FromUtf8Error,
    },
    /// Bytes without a terminator, then silence longer than the line gap: dropped.
    #[error("incomplete QR scan of {len} bytes dropped after {gap_ms} ms of silence")]
    Incomplete { len: usize, gap_ms: u128 },
    /// The serial port could not be opened.
    #[error("cannot open QR scanner port {path}")]
    Open {
        path: PathBuf,
        #[source]
        source: serialport::Error,
    },
    /// A scan typed a key that is no character in the US layout (or a character key with
    /// Ctrl, Alt or Meta held): discarded.
    #[error("QR scan typed key code {code}, which is not a character in the US layout (or came with Ctrl/Alt/Meta held): discarded")]
    UnmappedKey { code: u16 },
    /// The kernel dropped input events (`SYN_DROPPED`): the scan in progress is incomplete.
    #[error("QR scan discarded: input events were dropped before the kiosk read them")]
    EventsDropped,
    /// The HID input device could not be opened.
    #[error("cannot open QR scanner input device {path}")]
    OpenDevice {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The HID input device could not be grabbed for the kiosk alone (`EVIOCGRAB`): another
    /// program holds it, and scans would type into the screen.
    #[error("cannot take QR scanner input device {path} for the kiosk alone (another program grabbed it?)")]
    Grab {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The input device is not a keyboard (it has no Enter key).
    #[error("{path} is not a keyboard-mode scanner: it has no Enter key")]
    NotAKeyboard { path: PathBuf },
    /// The reader thread could not be started.
    #[error("cannot start the QR reader thread")]
    Thread(#[source] std::io::Error),
    /// The port failed while reading (unplugged, device gone).
    #[error("QR scanner port {path} lost")]
    PortLost {
        path: String,
        #[source]
        source: std::io::Error,
    },
}
