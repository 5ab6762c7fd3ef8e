//! The crate's integration tests, one binary: a change relinks it once.

mod archive_seal;
mod audit_cli;
mod face_cli;
mod guide_cli;
