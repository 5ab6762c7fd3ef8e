//! The ESC/POS receipt printer, simulated on a pseudo-terminal (CARD-PROFILE.md section 8).
//!
//! - [`decoder`]: [`EscPosDecoder`], pure: ESC/POS bytes → printed lines and raster images
//!   (`GS v 0`, kept bit for bit), receipts at each cut, and the status queries to answer. Written from the command set, not from
//!   `card-io`'s encoder; only the plain data types (`Line`, `Align`, `Paper`) are shared.
//! - [`state`]: [`PrinterState`], pure: paper, online, answering → the DLE EOT answers.
//! - [`pty`]: [`PrinterSim`] on a pty pair; [`spawn_pty`] gives the slave's path;
//!   [`PrinterSim::listen_tcp`] serves the same printer on a loopback TCP port (raw 9100
//!   protocol) as well.
//! - [`cli`]: `hw-sim printer`.

pub mod cli;
pub mod decoder;
pub mod pty;
pub mod state;

use std::path::PathBuf;

pub use decoder::{DecodedReceipt, DecoderEvent, EscPosDecoder, Printed, PrintedImage};
pub use pty::{spawn_pty, PrinterControl, PrinterSim};
pub use state::PrinterState;

/// What can go wrong in the simulated printer.
#[derive(Debug, thiserror::Error)]
pub enum PrinterSimError {
    #[error("cannot create a pseudo-terminal pair")]
    Pty(#[source] serialport::Error),
    #[error("the pseudo-terminal has no slave path")]
    NoSlavePath,
    #[error("cannot listen on {address}")]
    Listen {
        address: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot start the printer thread")]
    Thread(#[source] std::io::Error),
    #[error("cannot write receipts to {path}")]
    Output {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}
