//! `kiosk selftest`: every check of [`kiosk_service::selftest::CHECKS`], one line each (or
//! JSON), with what to do for each failure. Exit code 1 when any check fails (warnings do
//! not count), 0 otherwise.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use card_io::transport::ReaderProvider;
use kiosk_service::provision::{self, SystemSerial};
use kiosk_service::selftest::{self, CheckResult, Context, SqliteProbe, Status};
use serde_json::json;

#[derive(clap::Args, Debug)]
pub(crate) struct SelftestArgs {
    /// The kiosk configuration (default /etc/kiosk/kiosk.toml; the defaults when absent).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Print the results as JSON on standard output.
    #[arg(long)]
    json: bool,
}

fn print_text(results: &[CheckResult]) {
    let width = results
        .iter()
        .map(|r| r.name.chars().count())
        .max()
        .unwrap_or(0);
    for r in results {
        println!(
            "{}  {:width$}  {}",
            r.status.label(),
            r.name,
            r.detail,
            width = width
        );
        if let Some(hint) = &r.hint {
            println!("      {:width$}  → {hint}", "", width = width);
        }
    }
}

/// Every check's result, the configuration's first (what `kiosk support-bundle` keeps too).
pub(crate) fn results(readers: &dyn ReaderProvider, config: Option<&Path>) -> Vec<CheckResult> {
    let (loaded, config_result) = selftest::load_config(config);
    let mut results = vec![config_result];
    if let Some((config, path)) = &loaded {
        let cameras = provision::system_cameras();
        let cx = Context {
            config,
            config_path: path.as_deref(),
            readers,
            serial: &SystemSerial,
            cameras: cameras.as_deref(),
            store: &SqliteProbe,
            now: SystemTime::now(),
        };
        results.extend(selftest::run_all(&cx));
    }
    results
}

pub(crate) fn run(readers: &dyn ReaderProvider, args: SelftestArgs) -> i32 {
    let results = results(readers, args.config.as_deref());
    let (passed, warned, failed) = selftest::counts(&results);
    if args.json {
        println!(
            "{}",
            json!({
                "ok": failed == 0,
                "passed": passed,
                "warnings": warned,
                "failed": failed,
                "results": results,
            })
        );
    } else {
        print_text(&results);
        println!("selftest: {passed} passed, {warned} warning(s), {failed} failed");
    }
    if results.iter().any(|r| r.status == Status::Fail) {
        1
    } else {
        0
    }
}
