//! The crate's integration tests, one binary: a change relinks it once.

mod backend;
mod no_panic;
mod printer_cli;
mod printer_decoder;
mod printer_tcp;
mod qr_cli;
mod transcripts;
mod vpcd;
