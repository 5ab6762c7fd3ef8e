//! `kiosk provision`: find the kiosk's devices and propose the `[devices]` table of
//! kiosk.toml.
//!
//! - PC/SC readers: the one whose card selects the PSAM application holds the PSAM; the one
//!   holding a social security card, or else the only other reader, is the citizen's.
//! - Serial ports: each candidate is asked the GA 467 module status (`11 FF`, 115200 baud),
//!   then the ESC/POS printer status (`10 04 01`, at 9600, 19200 and 115200). A QR scanner
//!   only speaks when something is scanned, so it cannot be recognised: it is proposed when
//!   the technician names it (`--qr-port`) or when exactly one port opened and stayed silent.
//! - Keyboard-mode QR scanners (evdev devices with a keyboard's keys) and printers on the
//!   USB printer class (`/dev/usb/lp*`) or the network (`--printer-tcp`, asked DLE EOT):
//!   [`links`].
//! - Cameras (`/dev/video*`): one frame each, when the program is built with `camera-v4l`.
//!
//! The probes sit behind small traits ([`SerialProbe`], [`Cameras`], and card-io's
//! `ReaderProvider`), so tests run them against the simulator in-process as well as through
//! pseudo-terminals and pcscd. [`propose`] is pure: it turns [`Findings`] into a
//! configuration and the list of device fields it changes; [`render`] edits the existing
//! file's `[devices]` lines (comments kept) and validates the result; [`write_config`]
//! replaces the file atomically and keeps the old one as `FILE.bak`.

mod findings;
// issue 20: HID scanners, USB and network printers.
mod links;
mod ports;
mod probe;
mod propose;
#[cfg(test)]
mod tests;
mod write;

pub use findings::*;
pub use links::*;
pub use ports::*;
pub use probe::*;
pub use propose::*;
pub use write::*;
