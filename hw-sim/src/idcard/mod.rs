//! The resident ID card module (GA 467, CARD-PROFILE.md section 7), simulated.
//!
//! - [`person`]: person files (`hw-sim/people/*.toml`): what the ID card says.
//! - [`module`]: the module as a pure state machine (bytes in → bytes out) with faults on
//!   demand: no card, select or read failure, corrupt checksums, split answers, garbage,
//!   silence.
//! - [`pty`]: the module on a pseudo-terminal ([`spawn_pty`]), for tests and for
//!   `hw-sim idcard` ([`cli`]).
//!
//! Like a real module, it serves a name of at most 15 characters (the text's name field is
//! 30 bytes of UCS-2): a longer name in the person file comes out cut to its first 15.

pub mod cli;
pub mod module;
pub mod person;
pub mod pty;

pub use module::{Fault, FaultSpec, IdModule, MODULE_ID};
pub use person::Person;
pub use pty::{spawn_pty, PtyHandle};
