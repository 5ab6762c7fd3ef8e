//! The crate's integration tests, one binary: a change relinks it once.

mod bundle;
mod no_panic;
mod rules;
mod schema;
