//! Options shared by the commands that use the kiosk's database.

use std::path::PathBuf;

use firmware_config::{Config, DEFAULT_PATH};

use kiosk_store::sqlite::{key, DbKey, SqliteStore};

/// `--config FILE`, `--db FILE` and `--key-file FILE`: the database is `[storage] database`
/// of the configuration unless `--db` names another, its key the file `[storage] key_file`
/// names unless `--key-file` names another. Without a key the database is not opened.
#[derive(clap::Args, Debug, Clone)]
pub(crate) struct StoreArgs {
    /// The kiosk configuration (default /etc/kiosk/kiosk.toml; defaults when it is absent).
    #[arg(long)]
    pub(crate) config: Option<PathBuf>,
    /// The database file (default: `[storage] database` of the configuration).
    #[arg(long)]
    pub(crate) db: Option<PathBuf>,
    /// The database key file (default: `[storage] key_file` of the configuration).
    #[arg(long, value_name = "FILE")]
    pub(crate) key_file: Option<PathBuf>,
}

impl StoreArgs {
    /// The configuration: the named file (which must load), else the default file if it
    /// exists, else the defaults.
    pub(crate) fn config(&self) -> Result<Config, String> {
        match &self.config {
            Some(path) => Config::load(path).map_err(|e| e.to_string()),
            None if std::path::Path::new(DEFAULT_PATH).exists() => {
                Config::load(DEFAULT_PATH).map_err(|e| e.to_string())
            }
            None => Ok(Config::default()),
        }
    }

    /// Opens the database with its key (creating and migrating it if needed).
    pub(crate) fn open(&self) -> Result<(Config, SqliteStore), String> {
        let (config, path, key) = self.resolve()?;
        let store = SqliteStore::open(&path, &key).map_err(|e| e.to_string())?;
        Ok((config, store))
    }

    /// The database path and its key (for `kiosk storage …`).
    pub(crate) fn path_and_key(&self) -> Result<(PathBuf, DbKey), String> {
        let (_, path, key) = self.resolve()?;
        Ok((path, key))
    }

    fn resolve(&self) -> Result<(Config, PathBuf, DbKey), String> {
        let mut config = self.config()?;
        let path = match &self.db {
            Some(p) => p.clone(),
            None => PathBuf::from(&config.storage.database),
        };
        if let Some(file) = &self.key_file {
            config.storage.key_file = Some(file.display().to_string());
        }
        let key = key::configured(&config.storage, &path).map_err(|e| e.to_string())?;
        Ok((config, path, key))
    }
}

/// Prints a failure as one line on standard error, `error: <message>`, and gives back the
/// exit code for the command to return (`return fail(3, e)`).
pub(crate) fn fail(code: i32, message: impl std::fmt::Display) -> i32 {
    eprintln!("error: {message}");
    code
}

/// Terminal columns of a string, for aligned tables: CJK and full-width characters take two.
pub(crate) fn width(s: &str) -> usize {
    s.chars()
        .map(|c| match u32::from(c) {
            0x1100..=0x115F
            | 0x2E80..=0x303E
            | 0x3041..=0x33FF
            | 0x3400..=0x4DBF
            | 0x4E00..=0x9FFF
            | 0xA000..=0xA4CF
            | 0xAC00..=0xD7A3
            | 0xF900..=0xFAFF
            | 0xFE30..=0xFE4F
            | 0xFF00..=0xFF60
            | 0xFFE0..=0xFFE6 => 2,
            _ => 1,
        })
        .sum()
}
