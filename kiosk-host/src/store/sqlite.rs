//! SQLite store (placeholder until written).
use std::path::Path;

use super::{Result, StoreError};

pub struct SqliteStore {}

impl SqliteStore {
    pub fn open(path: &Path) -> Result<SqliteStore> {
        Err(StoreError::NotFound(path.display().to_string()))
    }
}
