//! What the configuration layer reports: one `Diagnostic` per problem (file, line, column,
//! what is wrong, what to write instead), all of them at once in `Diagnostics`.

use std::fmt;
use std::path::PathBuf;

/// One problem in a configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file (or other origin) the text came from.
    pub origin: String,
    /// 1-based line and column (in characters) of the offending key or value, when the problem
    /// has a place in the text (a default value has none).
    pub position: Option<(usize, usize)>,
    /// What is wrong.
    pub message: String,
    /// What to write instead.
    pub hint: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some((line, column)) => write!(f, "{}:{line}:{column}: ", self.origin)?,
            None => write!(f, "{}: ", self.origin)?,
        }
        write!(f, "{}; {}", self.message, self.hint)
    }
}

/// Every problem found in one file, in text order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// Failures of loading or parsing a configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(#[from] Diagnostics),
}

impl ConfigError {
    /// The diagnostics when the text was read but is invalid.
    pub fn diagnostics(&self) -> Option<&[Diagnostic]> {
        match self {
            ConfigError::Invalid(d) => Some(&d.0),
            ConfigError::Read { .. } => None,
        }
    }
}
