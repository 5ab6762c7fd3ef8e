//! `agency.toml`: the configuration of the agency server (`agency serve` and its commands),
//! parsed and checked with the same machinery as `kiosk.toml`: every problem at once, each
//! with file, line and column and what to write instead; unknown keys refused.
//!
//! ```toml
//! [agency]
//! listen = "0.0.0.0:8443"
//!
//! [database]
//! url = "host=/run/postgresql dbname=agency user=agency"
//!
//! [storage]
//! key_file = "/etc/agency/data.key"
//!
//! [tls]
//! ca_cert = "/etc/agency/tls/ca.crt"
//! ca_key = "/etc/agency/tls/ca.key"
//! cert = "/etc/agency/tls/server.crt"
//! key = "/etc/agency/tls/server.key"
//! ```

use std::net::SocketAddr;
use std::path::Path;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::diagnostic::ConfigError;
use crate::location::{keys as k, Seg};
use crate::parse::{parse_checked_for, Report};

/// Where the agency's configuration lives by default.
pub const DEFAULT_PATH: &str = "/etc/agency/agency.toml";

/// The whole of `agency.toml`.
///
/// Every key has a default so that each one can be checked on its own; the keys without a
/// usable default (`[database] url`, `[storage] key_file`, `[tls]` files) are reported
/// missing by the rules when they are left out.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct AgencyConfig {
    pub agency: Server,
    pub database: Database,
    pub storage: AgencyStorage,
    pub tls: Tls,
    pub leases: Leases,
}

/// `[agency]`: the HTTPS listener.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Server {
    /// Address and port to listen on (HTTPS with client certificates), e.g. "0.0.0.0:8443".
    pub listen: String,
    /// Largest request body accepted, in bytes (a commit with a photo is some 100 KB).
    pub max_body_bytes: u32,
}

impl Default for Server {
    fn default() -> Self {
        Server {
            listen: "127.0.0.1:8443".into(),
            max_body_bytes: 4 * 1024 * 1024,
        }
    }
}

/// `[database]`: the PostgreSQL database of the registry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Database {
    /// A libpq connection string, `key=value` pairs ("host=/run/postgresql dbname=agency
    /// user=agency") or a URL ("postgresql://agency@localhost/agency"). Prefer a Unix socket
    /// with peer authentication to a password written here.
    pub url: String,
    /// Connections in the pool.
    pub pool_size: u32,
    /// Longest wait for a connection (from the pool, or a new one), in milliseconds.
    pub connect_timeout_ms: u32,
    /// Longest a statement may run (or wait for a lock) before PostgreSQL cancels it, in
    /// milliseconds.
    pub statement_timeout_ms: u32,
}

impl Default for Database {
    fn default() -> Self {
        Database {
            url: String::new(),
            pool_size: 16,
            connect_timeout_ms: 3_000,
            statement_timeout_ms: 5_000,
        }
    }
}

/// `[storage]`: the key that seals personal data before PostgreSQL sees them.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct AgencyStorage {
    /// Absolute path of the key file: one line of 64 hex digits (`agency keygen -o FILE`),
    /// readable by the agency's user only (mode 600).
    pub key_file: String,
}

/// `[tls]`: the agency's certificate authority (which signs kiosk certificates) and its
/// server certificate (`agency ca init` makes them).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Tls {
    /// The CA certificate (PEM): kiosks' client certificates must chain to it.
    pub ca_cert: String,
    /// The CA's private key (PEM, mode 600): needed by `agency enrol` only; a serving host
    /// may leave it out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ca_key: Option<String>,
    /// The server certificate (PEM) kiosks see.
    pub cert: String,
    /// The server's private key (PEM, mode 600).
    pub key: String,
}

/// `[leases]`: reservations of cards and persons by a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Leases {
    /// Seconds a lease lives when the kiosk does not say.
    pub default_ttl_s: u32,
    /// The longest lease a kiosk may ask for, in seconds.
    pub max_ttl_s: u32,
}

impl Default for Leases {
    fn default() -> Self {
        Leases {
            default_ttl_s: 120,
            max_ttl_s: 600,
        }
    }
}

impl AgencyConfig {
    /// Parses and checks `text`; `origin` names it in diagnostics. Every problem is reported.
    pub fn parse(text: &str, origin: &str) -> Result<AgencyConfig, ConfigError> {
        Ok(parse_checked_for(
            text,
            origin,
            "agency config schema",
            check,
        )?)
    }

    /// Reads, parses and checks the file at `path`.
    pub fn load(path: impl AsRef<Path>) -> Result<AgencyConfig, ConfigError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        AgencyConfig::parse(&text, &path.display().to_string())
    }

    /// The listen address (checked when the file was parsed).
    pub fn listen_addr(&self) -> Option<SocketAddr> {
        self.agency.listen.parse().ok()
    }

    /// The configuration as TOML, every value written out (defaults included).
    pub fn to_toml(&self) -> Result<String, toml::ser::Error> {
        toml::to_string(self)
    }
}

/// The JSON Schema of `agency.toml`.
pub fn json_schema() -> serde_json::Value {
    let mut schema = schemars::schema_for!(AgencyConfig).to_value();
    if let Some(obj) = schema.as_object_mut() {
        obj.insert(
            "title".into(),
            serde_json::Value::String("agency.toml (the social security card agency)".into()),
        );
    }
    schema
}

fn check(c: &AgencyConfig, r: &mut Report<'_>) {
    if c.agency.listen.parse::<SocketAddr>().is_err() {
        r.error(
            &k(&["agency", "listen"]),
            format!(
                "[agency] listen {:?} is not an address and port",
                c.agency.listen
            ),
            "write an IP address and a port, e.g. \"0.0.0.0:8443\" or \"127.0.0.1:8443\"",
        );
    }
    if !(1024..=64 * 1024 * 1024).contains(&c.agency.max_body_bytes) {
        r.error(
            &k(&["agency", "max_body_bytes"]),
            format!(
                "[agency] max_body_bytes {} is out of range",
                c.agency.max_body_bytes
            ),
            "write a size in bytes from 1024 to 67108864, e.g. 4194304",
        );
    }
    database(&c.database, r);
    if c.storage.key_file.is_empty() {
        missing(
            r,
            &["storage", "key_file"],
            "key_file = \"/etc/agency/data.key\"",
        );
    } else {
        absolute(
            r,
            &k(&["storage", "key_file"]),
            &c.storage.key_file,
            "/etc/agency/data.key",
        );
    }
    tls(c, r);
    let l = &c.leases;
    if !(1..=3600).contains(&l.max_ttl_s) {
        r.error(
            &k(&["leases", "max_ttl_s"]),
            format!("[leases] max_ttl_s {} is out of range", l.max_ttl_s),
            "write a number of seconds from 1 to 3600, e.g. 600",
        );
    }
    if l.default_ttl_s == 0 || l.default_ttl_s > l.max_ttl_s {
        r.error(
            &k(&["leases", "default_ttl_s"]),
            format!(
                "[leases] default_ttl_s {} is not between 1 and max_ttl_s ({})",
                l.default_ttl_s, l.max_ttl_s
            ),
            "write a number of seconds no larger than max_ttl_s, e.g. 120",
        );
    }
}

/// A key without a usable default, left out.
fn missing(r: &mut Report<'_>, path: &[&str], example: &str) {
    let what = crate::location::describe(&k(path));
    r.error(
        &k(path),
        format!("{what} is missing"),
        format!("add it, e.g. {example}"),
    );
}

fn database(d: &Database, r: &mut Report<'_>) {
    if d.url.is_empty() {
        missing(
            r,
            &["database", "url"],
            "url = \"host=/run/postgresql dbname=agency user=agency\"",
        );
        return;
    }
    let url = d.url.trim();
    let is_url = url.starts_with("postgres://") || url.starts_with("postgresql://");
    let is_pairs = !url.is_empty()
        && url
            .split_whitespace()
            .all(|pair| pair.split_once('=').is_some_and(|(key, _)| !key.is_empty()));
    if !is_url && !is_pairs {
        r.error(
            &k(&["database", "url"]),
            format!(
                "[database] url {:?} is not a PostgreSQL connection string",
                d.url
            ),
            "write key=value pairs, e.g. \"host=/run/postgresql dbname=agency user=agency\", \
             or a URL \"postgresql://agency@localhost/agency\"",
        );
    }
    if !(1..=256).contains(&d.pool_size) {
        r.error(
            &k(&["database", "pool_size"]),
            format!("[database] pool_size {} is out of range", d.pool_size),
            "write a number of connections from 1 to 256, e.g. 16",
        );
    }
    for (key, value) in [
        ("connect_timeout_ms", d.connect_timeout_ms),
        ("statement_timeout_ms", d.statement_timeout_ms),
    ] {
        if !(100..=600_000).contains(&value) {
            r.error(
                &k(&["database", key]),
                format!("[database] {key} {value} is out of range"),
                "write milliseconds from 100 to 600000, e.g. 5000",
            );
        }
    }
}

fn tls(c: &AgencyConfig, r: &mut Report<'_>) {
    let t = &c.tls;
    let mut files: Vec<(&str, &str)> = vec![
        ("ca_cert", t.ca_cert.as_str()),
        ("cert", t.cert.as_str()),
        ("key", t.key.as_str()),
    ];
    if let Some(ca_key) = &t.ca_key {
        files.push(("ca_key", ca_key.as_str()));
    }
    for (i, (key, value)) in files.iter().enumerate() {
        let path: Vec<Seg> = k(&["tls", key]);
        if value.is_empty() {
            missing(
                r,
                &["tls", key],
                &format!("{key} = \"/etc/agency/tls/{key}.pem\""),
            );
            continue;
        }
        absolute(r, &path, value, &format!("/etc/agency/tls/{key}.pem"));
        if let Some((other, _)) = files[..i].iter().find(|(_, v)| !v.is_empty() && v == value) {
            r.error(
                &path,
                format!("[tls] {key} {value:?} is the same file as {other}"),
                "give each certificate and key its own file",
            );
        }
    }
    if t.key == c.storage.key_file {
        r.error(
            &k(&["tls", "key"]),
            format!("[tls] key {:?} is the data key file", t.key),
            "keep the TLS key and the data key in separate files",
        );
    }
}

fn absolute(r: &mut Report<'_>, path: &[Seg], value: &str, example: &str) {
    if !value.starts_with('/') {
        let what = crate::location::describe(path);
        r.error(
            path,
            format!("{what} {value:?} is not an absolute path"),
            format!("write a full path, e.g. \"{example}\""),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[agency]
listen = "127.0.0.1:8443"

[database]
url = "host=/run/postgresql dbname=agency user=agency"

[storage]
key_file = "/etc/agency/data.key"

[tls]
ca_cert = "/etc/agency/tls/ca.crt"
ca_key = "/etc/agency/tls/ca.key"
cert = "/etc/agency/tls/server.crt"
key = "/etc/agency/tls/server.key"
"#;

    #[test]
    fn a_good_file_parses_with_defaults() {
        let c = AgencyConfig::parse(GOOD, "agency.toml").unwrap();
        assert_eq!(c.database.pool_size, 16);
        assert_eq!(c.leases.default_ttl_s, 120);
        assert_eq!(c.listen_addr().unwrap().port(), 8443);
        // written out and read back: the same
        let again = AgencyConfig::parse(&c.to_toml().unwrap(), "again").unwrap();
        assert_eq!(again, c);
        assert!(json_schema()["properties"]["database"].is_object());
    }

    #[test]
    fn every_problem_is_reported_with_its_place_and_a_hint() {
        let text = r#"
[agency]
listen = "8443"
colour = "blue"

[database]
url = "not a connection string"
pool_size = 0

[storage]
key_file = "data.key"

[tls]
ca_cert = "/etc/agency/ca.crt"
cert = "/etc/agency/ca.crt"
key = "/etc/agency/server.key"

[leases]
default_ttl_s = 900
"#;
        let e = AgencyConfig::parse(text, "agency.toml").unwrap_err();
        let text = e.to_string();
        let lines: Vec<&str> = text.lines().collect();
        // the unknown key stops the structure; its neighbours are still checked
        assert!(
            lines.iter().any(|l| l.starts_with("agency.toml:4:1: ")
                && l.contains("unknown field")
                && l.contains("`agency config schema`")),
            "{text}"
        );
        for (line, what) in [
            (3, "[agency] listen \"8443\" is not an address"),
            (7, "[database] url"),
            (8, "[database] pool_size 0"),
            (
                11,
                "[storage] key_file \"data.key\" is not an absolute path",
            ),
            (
                15,
                "[tls] cert \"/etc/agency/ca.crt\" is the same file as ca_cert",
            ),
            (19, "[leases] default_ttl_s 900"),
        ] {
            assert!(
                lines
                    .iter()
                    .any(|l| l.starts_with(&format!("agency.toml:{line}:")) && l.contains(what)),
                "line {line} {what:?} not in:\n{text}"
            );
        }
        assert!(lines.iter().all(|l| l.contains("; ")), "{text}");
    }

    #[test]
    fn missing_keys_are_named() {
        let e = AgencyConfig::parse("[agency]\n", "a.toml").unwrap_err();
        let text = e.to_string();
        for what in [
            "[database] url is missing",
            "[storage] key_file is missing",
            "[tls] ca_cert is missing",
            "[tls] cert is missing",
            "[tls] key is missing",
        ] {
            assert!(text.contains(what), "{what} not in {text}");
        }
    }
}
