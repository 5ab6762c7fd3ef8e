//! The crate's integration tests, one binary: a change relinks it once.

mod accuracy;
mod common;
mod liveness_scenes;
