//! The simulator's error type.

use std::path::PathBuf;

/// Everything that can go wrong in `hw-sim` outside APDU processing (which answers with
/// status words instead).
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("{path}: cannot read the file: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// `location` is `file:line` when the parser knows the line.
    #[error("{location}: {message}")]
    Toml {
        location: String,
        message: String,
        #[source]
        source: Box<toml::de::Error>,
    },
    #[error("{origin}: field `{field}`: {problem}")]
    Invalid {
        origin: String,
        field: String,
        problem: String,
    },
    #[error("invalid setting `{field}`: {problem}")]
    Setting { field: String, problem: String },
    #[error("vpcd connection to {addr}: {source}")]
    Vpcd {
        addr: String,
        #[source]
        source: std::io::Error,
    },
}
