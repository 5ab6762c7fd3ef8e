//! The crate's integration tests, one binary: a change relinks it once.

mod agency_link;
mod bundle;
mod devices_links;
mod no_panic;
mod rules;
mod schema;
