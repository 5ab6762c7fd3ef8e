//! The social security card OS of CARD-PROFILE.md sections 1–5.
//!
//! - `card`: the card itself ([`CardOs`]), SELECT of the SSSE application, the command
//!   dispatch and the T=0 framing (`crate::framing`: `61xx`, warnings with held data, GET
//!   RESPONSE);
//! - [`files`]: EF05/EF06/EF0D as data; `read`: SELECT EF and READ RECORD over them;
//! - `pin`: VERIFY, CHANGE PIN, RESET PIN, UNBLOCK PIN;
//! - `secure`: GET CHALLENGE, command MACs and the lifecycle commands;
//! - `lifecycle`: the application's [`Lifecycle`] states.
//!
//! This module only declares and re-exports.

mod card;
pub mod files;
mod lifecycle;
mod pin;
mod read;
mod reply;
mod secure;

pub use card::CardOs;
pub use lifecycle::Lifecycle;

#[cfg(test)]
mod tests;
