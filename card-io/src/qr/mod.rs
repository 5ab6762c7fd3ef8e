//! The e-card QR scanner (CARD-PROFILE.md section 8): a serial device that sends each scan as
//! one line of text ending in CR, CR LF or LF, 9600 8N1 by default.
//!
//! - [`line`]: [`LineDecoder`], the pure line decoder (bytes in chunks of any size → scans),
//!   with a length limit so a runaway device never makes the kiosk buffer without bound.
//! - [`reader`]: [`QrReader`], the decoder over a serial port on its own thread, sending
//!   [`QrEvent`]s on a channel until stopped or the port is lost.
//!
//! The payload is opaque here: the e-card platform checks it.

pub mod line;
pub mod reader;

use std::path::PathBuf;

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
