//! The kiosk host: business rules, the business engine, storage, and the technician's
//! commands.
//!
//! - [`domain`]: registry nouns (cardholders, card records, applications, cases).
//! - [`rules`]: the rule table of BUSINESS-RULES.md, intake (completeness check) and the
//!   service guide generated from it.
//! - [`engine`]: per-business session state machines and the journaled effect executor.
//! - [`store`]: registry, journal, audit log, archives and feedback behind traits; SQLite.
//! - [`calendar`]: working days (national, Xinjiang, 调休) and deadlines.
//! - [`ecard`]: signed e-card tokens and dynamic e-card QR codes.
//! - [`archive`]: archive numbers and sealed monthly batches.
//! - [`demo`]: the demo registry matching hw-sim's cards and people.
//! - [`pin_policy`]: which PINs a holder may set (BUSINESS-RULES.md section 1).
//! - [`server`]: `kiosk serve`: the HTTP service, screens, device events, `--sim`.
//! - [`card_ops`]: the card operations behind `kiosk card …`, on any reader provider.
//! - [`mask`]: masking of personal data for screens and receipts.

pub mod archive;
pub mod calendar;
pub mod card_ops;
pub mod demo;
pub mod domain;
pub mod ecard;
pub mod engine;
pub mod mask;
pub mod pin_policy;
pub mod provision;
pub mod rules;
pub mod selftest;
pub mod server;
pub mod store;
