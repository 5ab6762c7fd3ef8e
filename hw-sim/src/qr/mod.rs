//! The e-card QR scanner, simulated on a pseudo-terminal (CARD-PROFILE.md section 8).
//!
//! - [`emitter`]: [`QrEmitter`], pure: a payload and the current [`Fault`] → the byte chunks
//!   the scanner sends (with the pauses between them).
//! - [`pty`]: [`QrSim`] on a pty pair; [`spawn_pty`] gives the slave's path for the kiosk.
//! - [`cli`]: `hw-sim qr`.

pub mod cli;
pub mod emitter;
pub mod pty;

pub use emitter::Fault;
pub use pty::{spawn_pty, QrSim};

/// What can go wrong in the simulated scanner.
#[derive(Debug, thiserror::Error)]
pub enum QrSimError {
    #[error("cannot create a pseudo-terminal pair")]
    Pty(#[source] serialport::Error),
    #[error("the pseudo-terminal has no slave path")]
    NoSlavePath,
    #[error("cannot send on the pseudo-terminal")]
    Write(#[source] std::io::Error),
    #[error("cannot read commands from stdin")]
    Stdin(#[source] std::io::Error),
    #[error("unknown fault {0:?} (garbage, split, long, none)")]
    UnknownFault(String),
}
