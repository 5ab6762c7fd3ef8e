//! Options shared by the commands that use the kiosk's database.

use std::path::PathBuf;

use firmware_config::{Config, DEFAULT_PATH};

use kiosk_host::store::sqlite::SqliteStore;

/// `--config FILE` and `--db FILE`: the database is `[storage] database` of the configuration
/// unless `--db` names another.
#[derive(clap::Args, Debug, Clone)]
pub struct StoreArgs {
    /// The kiosk configuration (default /etc/kiosk/kiosk.toml; defaults when it is absent).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// The database file (default: `[storage] database` of the configuration).
    #[arg(long)]
    pub db: Option<PathBuf>,
}

impl StoreArgs {
    /// The configuration: the named file (which must load), else the default file if it
    /// exists, else the defaults.
    pub fn config(&self) -> Result<Config, String> {
        match &self.config {
            Some(path) => Config::load(path).map_err(|e| e.to_string()),
            None if std::path::Path::new(DEFAULT_PATH).exists() => {
                Config::load(DEFAULT_PATH).map_err(|e| e.to_string())
            }
            None => Ok(Config::default()),
        }
    }

    /// Opens the database (creating and migrating it if needed).
    pub fn open(&self) -> Result<(Config, SqliteStore), String> {
        let config = self.config()?;
        let path = match &self.db {
            Some(p) => p.clone(),
            None => PathBuf::from(&config.storage.database),
        };
        let store = SqliteStore::open(&path).map_err(|e| e.to_string())?;
        Ok((config, store))
    }
}
