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

impl SimError {
    /// Reads a TOML file of the simulator (card or person file) as text.
    pub fn read_file(path: &std::path::Path) -> Result<String, SimError> {
        std::fs::read_to_string(path).map_err(|source| SimError::Io {
            path: path.to_path_buf(),
            source,
        })
    }

    /// A TOML syntax or type error in `text` (from `origin`), located as `origin:line` and
    /// quoting the offending line.
    pub fn toml(source: toml::de::Error, text: &str, origin: &str) -> SimError {
        let line = source
            .span()
            .map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1);
        let snippet = line
            .and_then(|l| text.lines().nth(l - 1))
            .map(|l| format!(" (in `{}`)", l.trim()))
            .unwrap_or_default();
        SimError::Toml {
            location: match line {
                Some(line) => format!("{origin}:{line}"),
                None => origin.to_string(),
            },
            message: format!("{}{snippet}", source.message().trim()),
            source: Box::new(source),
        }
    }
}
