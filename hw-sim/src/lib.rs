//! `hw-sim`: the kiosk's hardware, simulated.
//!
//! - [`card_os`]: the social security card OS (CARD-PROFILE.md sections 1–5), T=0 and T=1.
//! - [`psam`]: the PSAM of the second reader slot (section 6).
//! - [`personalisation`]: TOML card files and their validation.
//! - [`settings`]: the card's simulator settings (transport, SW variants, retry limit, ...).
//! - [`backend`]: an in-process reader backend implementing `card-io`'s transport traits,
//!   with fault injection.
//! - [`vpcd`]: a bridge that attaches a simulated device to `pcscd`'s vpcd driver, so real
//!   PC/SC tools see it.

pub mod backend;
pub mod camera;
pub mod card_os;
pub mod control;
pub mod device;
pub mod error;
mod framing;
pub mod idcard;
pub mod personalisation;
pub mod printer;
pub mod psam;
pub mod qr;
pub mod settings;
pub mod vpcd;

pub use backend::SimReaders;
pub use card_os::{CardOs, Lifecycle};
pub use device::{PullPoint, SimDevice};
pub use error::SimError;
pub use personalisation::CardFile;
pub use psam::{PsamOptions, PsamOs};
pub use settings::{BlockedSw, Settings, SpecVersion, T0Warnings, Transport};
pub use vpcd::VpcdBridge;
