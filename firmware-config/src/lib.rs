//! `firmware-config`: the kiosk's provisioned configuration — the `kiosk.toml` schema with
//! defaults, validation with exact error locations, signed configuration bundles, the
//! working-day calendar and the business settings of BUSINESS-RULES.md.
//!
//! Empty until the provisioning issue: the technician commands of the card I/O foundation
//! take their reader names from the command line (`--reader`, `--psam-reader`).
