//! The kiosk's core: what the businesses of DB 6523/T 372-2023 are and how they run, with no
//! HTTP, no SQL and no async runtime (the dependency graph says so).
//!
//! - [`domain`]: registry nouns (cardholders, card records, applications, cases, actors) and
//!   the card commands the journal records.
//! - [`rules`]: the rule table of BUSINESS-RULES.md, intake (completeness check) and the
//!   service guide generated from it.
//! - [`engine`]: sessions as pure state machines, the per-business plans, and the executor
//!   that journals intent before a card command.
//! - [`store`]: the storage traits the engine runs on (SQLite in `kiosk-store`, the agency
//!   over HTTP) and the audit hash chain.
//! - [`calendar`]: working days (national, Xinjiang, 调休) and deadlines.
//! - [`ecard`]: signed e-card tokens and dynamic e-card QR codes.
//! - [`digest`]: SHA-256 in lower-case hex.
//! - [`archive_number`]: DA/T 22 archive numbers (档号) and retention.
//! - [`card_ops`]: the card operations (technician commands and the executor's), on any
//!   reader provider.
//! - [`pin_policy`]: which PINs a holder may set (BUSINESS-RULES.md section 1).
//! - [`mask`]: masking of personal data for screens, receipts and logs.
//! - [`text`]: [`text::Tri`], text in the three screen languages (zh, en, ug) and `pick`.
//! - [`division`]: the GB/T 2260 divisions of Xinjiang that addresses are picked from.
//! - [`payment`]: fees, the payment provider trait, and where a fee is paid (kiosk or counter).

pub mod archive_number;
pub mod calendar;
pub mod card_ops;
pub mod deadlines;
pub mod digest;
pub mod division;
pub mod domain;
pub mod ecard;
pub mod engine;
pub mod mask;
pub mod payment;
pub mod pin_policy;
pub mod rules;
pub mod store;
pub mod text;
