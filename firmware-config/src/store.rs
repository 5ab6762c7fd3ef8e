//! The installed configuration in a directory (default `/etc/kiosk`): installing signed
//! bundles and rolling back, atomically.
//!
//! Files: `kiosk.toml` (in force), `kiosk.toml.previous` (the one before it) and
//! `config-state.json` (versions and SHA-256 of both, an install/rollback history, and a
//! `pending` entry written before `kiosk.toml` is replaced, so an interrupted install or
//! rollback is recognised: if the rename happened, the new file is in force; if not, the
//! old one still is and the pending entry is dropped).
//!
//! Trust: a bundle is checked against `[keys] config_bundles` of the `kiosk.toml` in force.
//! When there is none (first install, or no keys listed), the agency key must be given with
//! `--trust KEYFILE`; `--trust` is refused once an installed configuration lists keys, so the
//! agency key can only change through a bundle signed by a key already trusted.
//!
//! Versions: a bundle must be newer than the version in force (from the state file; for a
//! hand-written `kiosk.toml` its `[kiosk] config_version`, else 0).
//!
//! Rollback restores `kiosk.toml.previous` and consumes it: after a rollback there is no
//! previous configuration, so a second rollback is refused (it says what the first one did)
//! instead of silently flipping back. Moving forward again takes a newer bundle.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use ed25519_dalek::VerifyingKey;
use serde::{Deserialize, Serialize};

use crate::atomic_file::AtomicFile;
use crate::bundle::{digest, Bundle, BundleError};
use crate::{keys, Config, ConfigError};

pub const DEFAULT_DIR: &str = "/etc/kiosk";
pub const CONFIG_FILE: &str = "kiosk.toml";
pub const PREVIOUS_FILE: &str = "kiosk.toml.previous";
pub const STATE_FILE: &str = "config-state.json";

/// One configuration text as installed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Installed {
    pub version: u64,
    pub sha256: String,
    /// Creation time of its bundle, Unix seconds (0 for a hand-written file).
    pub created: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Install,
    Rollback,
}

/// A change about to replace `kiosk.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pending {
    pub action: Action,
    pub target: Installed,
}

/// One entry of the history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// Unix seconds.
    pub at: u64,
    pub action: Action,
    /// The version in force afterwards.
    pub version: u64,
    /// The version in force before, if any.
    pub from: Option<u64>,
}

/// `config-state.json`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct State {
    pub current: Option<Installed>,
    pub previous: Option<Installed>,
    pub pending: Option<Pending>,
    pub history: Vec<Event>,
}

/// Failures of installing or rolling back; none of them changes the directory unless it is
/// an I/O failure while writing.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot {what} {}: {source}", path.display())]
    Io {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(transparent)]
    Bundle(#[from] BundleError),
    #[error("the configuration inside the bundle is invalid:\n{0}")]
    InvalidConfig(#[source] ConfigError),
    #[error("{} is not a configuration state file: {source}", path.display())]
    State {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("{} was changed outside `kiosk config install` (SHA-256 {found}, installed {expected}); restore it or remove {STATE_FILE} to adopt it", path.display())]
    HandEdited {
        path: PathBuf,
        expected: String,
        found: String,
    },
    #[error("no agency key to check the bundle against: the installed configuration lists no [keys] config_bundles; for a first install give --trust KEYFILE")]
    NoTrust,
    #[error("--trust is only for a first install: the installed configuration already trusts {0} agency key(s); a new key comes in a bundle signed by one of them")]
    TrustNotAllowed(usize),
    #[error("bundle version {bundle} is not newer than the installed version {installed}; sign the configuration with a higher --version")]
    NotNewer { bundle: u64, installed: u64 },
    #[error("bundle version {bundle} differs from [kiosk] config_version {config} inside it")]
    ConfigVersion { bundle: u64, config: u64 },
    #[error("the configuration inside lists no [keys] config_bundles, so no later bundle could be checked; add the agency key")]
    NoBundleKeys,
    #[error("nothing to roll back to: {0}")]
    NothingToRollBack(String),
    #[error("{} does not match the recorded previous version {version} (SHA-256 {expected}); cannot roll back", path.display())]
    PreviousChanged {
        path: PathBuf,
        version: u64,
        expected: String,
    },
}

impl StoreError {
    /// Process exit code: 3 for I/O, 1 for a refusal.
    pub fn exit_code(&self) -> i32 {
        match self {
            StoreError::Io { .. } => 3,
            _ => 1,
        }
    }
}

/// The configuration directory.
pub struct Store {
    dir: PathBuf,
}

impl Store {
    pub fn new(dir: impl Into<PathBuf>) -> Store {
        Store { dir: dir.into() }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// The state as it is on disk, reconciled with `kiosk.toml` (an interrupted change is
    /// resolved in memory), and the text in force.
    pub fn status(&self) -> Result<(State, Option<String>), StoreError> {
        let config_path = self.path(CONFIG_FILE);
        let text = read_optional(&config_path)?;
        let state_path = self.path(STATE_FILE);
        let mut state: State = match read_optional(&state_path)? {
            Some(json) => serde_json::from_str(&json).map_err(|source| StoreError::State {
                path: state_path.clone(),
                source,
            })?,
            None => State::default(),
        };
        let pending = state.pending.take();
        let Some(text) = text else {
            state.current = None;
            return Ok((state, None));
        };
        let sha = digest(&text);
        let current_matches = state.current.as_ref().map(|c| c.sha256 == sha);
        match (current_matches, pending) {
            (Some(true), _) => {}
            (_, Some(p)) if p.target.sha256 == sha => {
                let from = state.current.as_ref().map(|c| c.version);
                state.previous = match p.action {
                    Action::Install => state.current.take(),
                    Action::Rollback => None,
                };
                state.history.push(Event {
                    at: p.target.created,
                    action: p.action,
                    version: p.target.version,
                    from,
                });
                state.current = Some(p.target);
            }
            (None, _) => {
                let version = Config::parse(&text, CONFIG_FILE)
                    .ok()
                    .and_then(|c| c.kiosk.config_version)
                    .unwrap_or(0);
                state.current = Some(Installed {
                    version,
                    sha256: sha,
                    created: 0,
                });
            }
            (Some(false), _) => {
                return Err(StoreError::HandEdited {
                    path: config_path,
                    expected: state.current.map(|c| c.sha256).unwrap_or_default(),
                    found: sha,
                })
            }
        }
        Ok((state, Some(text)))
    }

    /// Checks the bundle and installs its configuration. `trust` is the `--trust` key for a
    /// first install; `now` is the time recorded in the history.
    pub fn install(
        &self,
        bundle_text: &str,
        trust: Option<VerifyingKey>,
        now: u64,
    ) -> Result<Installed, StoreError> {
        let bundle = Bundle::from_json(bundle_text)?;
        let (mut state, current_text) = self.status()?;
        let installed_keys: Vec<VerifyingKey> = current_text
            .as_deref()
            .and_then(|t| Config::parse(t, CONFIG_FILE).ok())
            .map(|c| {
                c.keys
                    .config_bundles
                    .iter()
                    .filter_map(|k| keys::decode_public(k).ok())
                    .collect()
            })
            .unwrap_or_default();
        let trusted = match (installed_keys.is_empty(), trust) {
            (false, Some(_)) => return Err(StoreError::TrustNotAllowed(installed_keys.len())),
            (false, None) => installed_keys,
            (true, Some(key)) => vec![key],
            (true, None) => return Err(StoreError::NoTrust),
        };
        bundle.verify(&trusted)?;
        if let Some(current) = &state.current {
            if bundle.version <= current.version {
                return Err(StoreError::NotNewer {
                    bundle: bundle.version,
                    installed: current.version,
                });
            }
        }
        let config = Config::parse(&bundle.config, "bundle:kiosk.toml")
            .map_err(StoreError::InvalidConfig)?;
        if let Some(v) = config.kiosk.config_version {
            if v != bundle.version {
                return Err(StoreError::ConfigVersion {
                    bundle: bundle.version,
                    config: v,
                });
            }
        }
        if config.keys.config_bundles.is_empty() {
            return Err(StoreError::NoBundleKeys);
        }
        let target = Installed {
            version: bundle.version,
            sha256: digest(&bundle.config),
            created: bundle.created,
        };
        state.pending = Some(Pending {
            action: Action::Install,
            target: target.clone(),
        });
        self.write_state(&state)?;
        if let Some(text) = &current_text {
            self.write(PREVIOUS_FILE, text.as_bytes())?;
        }
        self.write(CONFIG_FILE, bundle.config.as_bytes())?;
        let from = state.current.as_ref().map(|c| c.version);
        state.pending = None;
        state.previous = state.current.take();
        state.current = Some(target.clone());
        state.history.push(Event {
            at: now,
            action: Action::Install,
            version: target.version,
            from,
        });
        self.write_state(&state)?;
        Ok(target)
    }

    /// Restores the previous configuration; returns it and the version it replaced.
    pub fn rollback(&self, now: u64) -> Result<(Installed, u64), StoreError> {
        let (mut state, _) = self.status()?;
        let Some(current) = state.current.clone() else {
            return Err(StoreError::NothingToRollBack(format!(
                "no configuration is installed in {}",
                self.dir.display()
            )));
        };
        let Some(previous) = state.previous.clone() else {
            let why = match state.history.last() {
                Some(e) if e.action == Action::Rollback => format!(
                    "version {} is in force since a rollback from version {}; rolling back again would silently return to it — install a newer bundle instead",
                    e.version,
                    e.from.map_or_else(|| "?".to_owned(), |v| v.to_string())
                ),
                _ => format!("version {} is the only configuration installed", current.version),
            };
            return Err(StoreError::NothingToRollBack(why));
        };
        let prev_path = self.path(PREVIOUS_FILE);
        let text = read_optional(&prev_path)?.unwrap_or_default();
        if digest(&text) != previous.sha256 {
            return Err(StoreError::PreviousChanged {
                path: prev_path,
                version: previous.version,
                expected: previous.sha256,
            });
        }
        state.pending = Some(Pending {
            action: Action::Rollback,
            target: previous.clone(),
        });
        self.write_state(&state)?;
        self.write(CONFIG_FILE, text.as_bytes())?;
        state.pending = None;
        state.previous = None;
        state.current = Some(previous.clone());
        state.history.push(Event {
            at: now,
            action: Action::Rollback,
            version: previous.version,
            from: Some(current.version),
        });
        self.write_state(&state)?;
        Ok((previous, current.version))
    }

    fn write_state(&self, state: &State) -> Result<(), StoreError> {
        let json = serde_json::to_string_pretty(state).map_err(|source| StoreError::State {
            path: self.path(STATE_FILE),
            source,
        })?;
        self.write(STATE_FILE, json.as_bytes())
    }

    fn write(&self, name: &str, bytes: &[u8]) -> Result<(), StoreError> {
        AtomicFile::new(&self.path(name))
            .replace(bytes)
            .map_err(|e| StoreError::Io {
                what: e.step,
                path: e.path,
                source: e.source,
            })
    }
}

fn read_optional(path: &Path) -> Result<Option<String>, StoreError> {
    match fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(StoreError::Io {
            what: "read",
            path: path.to_owned(),
            source,
        }),
    }
}
