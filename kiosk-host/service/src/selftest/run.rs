//! The checks in the order the technician reads them ([`CHECKS`]), running them all, counting
//! the verdicts, and loading the configuration the checks are about.

use std::path::{Path, PathBuf};
use std::time::Instant;

use firmware_config::{Config, ConfigError, DEFAULT_PATH};

use super::*;

/// Every check, in the order they run and are shown.
pub const CHECKS: &[Check] = &[
    Check {
        id: "card_reader",
        name: "card reader",
        run: card_reader,
    },
    Check {
        id: "psam",
        name: "PSAM",
        run: psam,
    },
    Check {
        id: "id_module",
        name: "ID module",
        run: id_module,
    },
    Check {
        id: "wlt_decoder",
        name: "ID photo decoder",
        run: wlt_decoder,
    },
    Check {
        id: "printer",
        name: "printer",
        run: printer,
    },
    Check {
        id: "qr_scanner",
        name: "QR scanner",
        run: qr_scanner,
    },
    Check {
        id: "camera",
        name: "camera",
        run: camera,
    },
    Check {
        id: "database",
        name: "database",
        run: database,
    },
    Check {
        id: "clock",
        name: "clock",
        run: clock,
    },
    Check {
        id: "calendar",
        name: "calendar",
        run: calendar,
    },
];

/// Runs every check of [`CHECKS`].
pub fn run_all(cx: &Context<'_>) -> Vec<CheckResult> {
    CHECKS.iter().map(|c| c.run(cx)).collect()
}

/// Passed, warned, failed.
pub fn counts(results: &[CheckResult]) -> (usize, usize, usize) {
    let n = |s: Status| results.iter().filter(|r| r.status == s).count();
    (n(Status::Pass), n(Status::Warn), n(Status::Fail))
}

/// Loads the configuration to test: `path`, else /etc/kiosk/kiosk.toml when it exists, else
/// the defaults (a warning). The first result says which, or why there is none to test
/// (then the configuration is `None`).
pub fn load_config(path: Option<&Path>) -> (Option<(Config, Option<PathBuf>)>, CheckResult) {
    let started = Instant::now();
    let path = match path {
        Some(p) => p.to_path_buf(),
        None if Path::new(DEFAULT_PATH).exists() => PathBuf::from(DEFAULT_PATH),
        None => {
            let o = warn(
                format!("no {DEFAULT_PATH}: checking the default devices"),
                "run `kiosk provision` to find the devices and write the configuration",
            );
            return (Some((Config::default(), None)), named_config(o, started));
        }
    };
    match Config::load(&path) {
        Ok(c) => {
            let o = pass(format!("{} is valid", path.display()));
            (Some((c, Some(path))), named_config(o, started))
        }
        Err(e @ ConfigError::Read { .. }) => {
            let o = fail(
                e.to_string(),
                "name the configuration with --config FILE, or run `kiosk provision` to write one",
            );
            (None, named_config(o, started))
        }
        Err(e) => {
            let o = fail(
                e.to_string(),
                format!(
                    "fix the lines shown (`kiosk config validate {}` checks again)",
                    path.display()
                ),
            );
            (None, named_config(o, started))
        }
    }
}

pub(crate) fn named_config(o: Outcome, started: Instant) -> CheckResult {
    CheckResult {
        id: "configuration",
        name: "configuration",
        status: o.status,
        detail: o.detail,
        hint: o.hint,
        ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    }
}
