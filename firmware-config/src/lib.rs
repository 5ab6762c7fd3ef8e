//! `firmware-config`: the kiosk's provisioned configuration — the `kiosk.toml` schema with
//! defaults ([`schema`]), parsing that reports every problem with file, line and column
//! ([`parse`], [`rules`]), the JSON Schema of the file ([`json_schema`]), signed
//! configuration bundles ([`bundle`], [`keys`]) and their atomic installation with rollback
//! ([`store`]); [`atomic_file`], the one way the kiosk's crates write a file atomically;
//! and `agency.toml`, the agency server's configuration ([`agency`]).

pub mod agency;
pub mod atomic_file;
pub mod bundle;
pub mod diagnostic;
pub mod json_schema;
pub mod keys;
pub mod location;
mod parse;
pub mod phc;
pub mod rules;
pub mod schema;
pub mod store;

use std::path::Path;

pub use diagnostic::{ConfigError, Diagnostic, Diagnostics};
pub use schema::{
    AgencyLink, Business, BusinessCode, Calendar, CalendarDay, CalendarFile, Config, DayKind,
    Devices, Face, Keys, Kiosk, Language, Role, Staff, Storage, Ui,
};

/// Where the kiosk's configuration lives by default.
pub const DEFAULT_PATH: &str = "/etc/kiosk/kiosk.toml";

impl Config {
    /// Parses and checks `text`; `origin` names it in diagnostics (usually the file name).
    /// Every problem is reported, not only the first.
    pub fn parse(text: &str, origin: &str) -> Result<Config, ConfigError> {
        Ok(parse::parse_checked(text, origin, rules::check)?)
    }

    /// Reads, parses and checks the file at `path`.
    pub fn load(path: impl AsRef<Path>) -> Result<Config, ConfigError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Config::parse(&text, &path.display().to_string())
    }

    /// The configuration as TOML, every value written out (defaults included).
    pub fn to_toml(&self) -> Result<String, toml::ser::Error> {
        toml::to_string(self)
    }
}

impl CalendarFile {
    /// Parses and checks a calendar file (`[[days]]` entries, the same fields as
    /// `[[calendar.days]]` in kiosk.toml).
    pub fn parse(text: &str, origin: &str) -> Result<CalendarFile, ConfigError> {
        let path = location::keys(&["days"]);
        Ok(parse::parse_checked(
            text,
            origin,
            |f: &CalendarFile, r| rules::calendar_days(&f.days, &path, r),
        )?)
    }
}
