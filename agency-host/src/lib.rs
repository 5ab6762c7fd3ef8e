//! The agency: the registry of record that many kiosks share, on PostgreSQL, served to
//! enrolled kiosks over mutual TLS.
//!
//! - [`db`]: the registry on PostgreSQL (pool, refinery migrations, reads, commits with
//!   row locks and idempotency keys, leases, the audit chain, kiosks and staff).
//! - [`crypto`]: personal data sealed with AES-256-GCM before PostgreSQL sees them, found
//!   through HMAC-SHA256 blind indexes.
//! - [`api`]: the `/v1` JSON API and its OpenAPI 3.1 document; [`server`]: HTTPS with client
//!   certificates; [`tls`]: the CA, kiosk certificates, rustls configuration.
//! - [`import`]: `agency import`, the card factory's production files and registry exports
//!   (IMPORT.md), validated line by line, loaded in one transaction.
//! - [`cli`]: the `agency` command.
//!
//! The wire types are in the `agency-api` crate; the configuration (`agency.toml`) is
//! `firmware_config::agency`.

pub mod api;
pub mod cli;
pub mod crypto;
pub mod db;
pub mod import;
pub mod server;
pub mod tls;
