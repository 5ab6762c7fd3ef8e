//! `card-io` talks to the kiosk's hardware. It knows protocols, not businesses.
//!
//! - [`apdu`] and [`status`]: ISO 7816-4 command/response types and the status-word enum.
//! - [`transport`]: the reader/session traits every backend implements, and the exchange
//!   that follows `61xx` (GET RESPONSE), `6Cxx` (resend with Le) and T=0 warnings with held
//!   data (GET RESPONSE after `62xx`/`63xx` to a case-4 command) automatically.
//! - [`pcsc_backend`]: the PC/SC backend on the `pcsc` crate; [`watcher`]: reader and card
//!   events on their own thread, surviving `pcscd` restarts.
//! - [`sscard`]: the social security card application (CARD-PROFILE.md sections 2–5).
//! - [`sam`]: the secure module (PSAM over any card session, or a software module with the
//!   test keys) and the 3DES/SM4 primitives behind it.
//! - [`pin`]: PINs in zeroizing buffers.
//! - [`citizen`]: sex (GB/T 2261.1) and the ID number's check character (GB 11643), shared
//!   by the ID card, the card and the registry.
//! - [`idcard`]: the resident ID card module (GA 467 frames over a serial port).
//! - [`qr`], [`printer`]: the e-card QR scanner (serial, or a USB HID keyboard through evdev)
//!   and the ESC/POS receipt printer (serial, USB printer class, raw TCP).
//! - [`camera`], [`photo`]: frame sources and the card-making photo pipeline.
//!
//! Everything here is blocking and synchronous; the kiosk host puts it on its own threads.

pub mod apdu;
pub mod bcd;
pub mod camera;
pub mod citizen;
pub mod date;
pub mod idcard;
pub mod pcsc_backend;
pub mod photo;
pub mod pin;
pub mod printer;
pub mod qr;
pub mod sam;
pub mod serial;
pub mod sscard;
pub mod status;
pub mod transport;
pub mod watcher;

pub use apdu::{Command, Response};
pub use status::StatusWord;
pub use transport::{CardConnection, CardSession, Disposition, ReaderProvider, TransportError};
