//! The receipt printer (CARD-PROFILE.md section 8): ESC/POS over serial, the USB printer class
//! or raw TCP, text in GB18030.
//!
//! - [`escpos`]: the commands as pure functions (init, Chinese mode, text, line feed, bold,
//!   character size, alignment, feed, cut, status query).
//! - [`status`]: the DLE EOT answers parsed into [`PrinterStatus`].
//! - [`receipt`]: [`Receipt`], a renderer of titled label/value receipts into lines and bytes.
//!   It prints what it is given: masking personal data (BUSINESS-RULES.md section 7) is the
//!   caller's job (`kiosk-host`'s `mask` module). A receipt whose text the printer's own font
//!   lacks (Uyghur) is encoded with [`Receipt::encode_with`]: those lines as raster images.
//! - [`raster`]: [`Rasteriser`]: lines shaped and laid out right to left where the script
//!   wants it, from font files, into 1-bit [`Bitmap`]s for `GS v 0`.
//! - [`link`]: the byte pipes ([`PrinterLink`]: serial, [`link::UsbLpLink`],
//!   [`link::TcpLink`]), [`PrinterTarget`] naming one, and what each can report.
//! - [`device`]: [`Printer`] over any link: status checked before (and after) printing;
//!   paper out, offline and silence are typed errors within a timeout, never a hang.

pub mod device;
pub mod escpos;
pub mod link;
pub mod raster;
pub mod receipt;
pub mod status;

use std::path::PathBuf;

pub use device::{PrintReport, Printer, PrinterConfig, DEFAULT_BAUD_RATE};
pub use escpos::Align;
pub use link::{PrinterLink, PrinterTarget, RAW_TCP_PORT};
pub use raster::{Bitmap, RasterSettings, Rasteriser};
pub use receipt::{Encoded, Line, Receipt, DEFAULT_WIDTH};
pub use status::{Paper, PrinterStatus, StatusQuery};

/// What can go wrong between the kiosk and a printed receipt.
#[derive(Debug, thiserror::Error)]
pub enum PrinterError {
    /// Text holding a character GB18030 cannot carry faithfully.
    #[error("character U+{:04X} cannot be printed (no faithful GB18030 code)", u32::from(*ch))]
    Unencodable { ch: char },
    /// Text the printer's own font lacks (Uyghur), and no raster fonts to print it with.
    #[error("character U+{:04X} is not in the printer's font and no raster font is loaded", u32::from(*ch))]
    NeedsRaster { ch: char },
    /// A raster font could not be read.
    #[error("receipt font {}: {why}", path.display())]
    Font { path: PathBuf, why: String },
    /// The raster settings cannot work (paper width, text size).
    #[error("receipt raster settings: {why}")]
    RasterSettings { why: String },
    /// No raster font has a glyph for this character.
    #[error("no receipt font has character U+{:04X}", u32::from(*ch))]
    NoGlyph { ch: char },
    /// Text holding a control character, which the printer would take for a command.
    #[error("control character U+{:04X} in receipt text", u32::from(*ch))]
    ControlCharacter { ch: char },
    /// A status answer without the fixed bits every DLE EOT answer has.
    #[error("printer answered {byte:02X} to status query {query}: not a status byte")]
    BadStatus { query: u8, byte: u8 },
    /// The paper roll is empty: nothing was sent.
    #[error("printer out of paper")]
    PaperOut,
    /// The paper ran out while the receipt was printing: it may be incomplete.
    #[error("printer ran out of paper while printing: the receipt may be incomplete")]
    PaperRanOut,
    /// The printer reports itself offline (cover open, error, button feed).
    #[error("printer offline")]
    Offline,
    /// No answer to a status query in time (unpowered, cable, wrong speed).
    #[error("printer not answering (status query {query}, {timeout_ms} ms)")]
    NotAnswering { query: u8, timeout_ms: u128 },
    /// The port stopped taking data (flow control held, or the printer hung).
    #[error("printer not taking data ({timeout_ms} ms)")]
    Stalled { timeout_ms: u128 },
    /// The serial port could not be opened.
    #[error("cannot open printer port {path}")]
    Open {
        path: PathBuf,
        #[source]
        source: serialport::Error,
    },
    /// The USB printer device or the network printer could not be opened or reached.
    #[error("cannot reach printer {target}")]
    OpenLink {
        target: String,
        #[source]
        source: std::io::Error,
    },
    /// The printer cannot answer status queries at all (a one-way USB interface), and the
    /// link has no port status instead.
    #[error("printer cannot answer status queries (one-way USB interface)")]
    OneWay,
    /// The serial port failed.
    #[error("printer port failed while {during}")]
    Port {
        during: &'static str,
        #[source]
        source: std::io::Error,
    },
}
