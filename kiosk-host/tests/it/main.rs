//! The crate's integration tests, one binary: a change relinks it once.

mod archive_seal;
mod audit_cli;
mod face_cli;
mod guide_cli;
// issue 17: the calendar's deadlines and the authenticated archive query.
mod calendar_cli;
