//! `kiosk selftest`: every device and resource of the kiosk checked for real, each with a
//! verdict, what was seen, and for a failure what the technician should do.
//!
//! The checks are data ([`CHECKS`]: a name and a function), so the technician page shows the
//! same list [`run_all`] returns. Everything a check touches comes through [`Context`]:
//! readers through card-io's `ReaderProvider`, serial ports through
//! [`SerialProbe`](crate::provision::SerialProbe), cameras through
//! [`Cameras`](crate::provision::Cameras), the database through [`StoreProbe`], and the time
//! as a value, so tests run the same checks against the simulator and a chosen clock.

mod devices;
mod files;
mod outcome;
mod run;
#[cfg(test)]
mod tests;

pub(crate) use devices::*;
pub(crate) use files::*;
pub use outcome::*;
pub use run::*;
