//! `kiosk support-bundle -o FILE.tar.gz`: what the office needs to diagnose a kiosk, in one
//! file a technician carries away — and nothing personal, no secret:
//!
//! | file | what |
//! |---|---|
//! | `config.toml` | the configuration, secrets replaced ([`redact::config`]: keys, passwords, PINs, tokens, staff names) |
//! | `versions.txt` | the kiosk's, the system's and the kernel's versions |
//! | `selftest.json` | `kiosk selftest`'s report |
//! | `log.txt` | the last `--lines` log lines (the journal's `kiosk.service`, or `--log FILE`), masked as the kiosk masks free text |
//! | `devices.txt` | PC/SC readers, serial ports, input devices, cameras, printers |
//! | `system.txt` | disks (free space where the kiosk writes) and the clock |
//!
//! Exit codes: 0 written, 3 the file could not be written.

mod inventory;
mod redact;

use std::fs::File;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use card_io::transport::ReaderProvider;

use super::common::fail;

/// The log lines kept when `--lines` is not given.
const DEFAULT_LINES: usize = 500;

#[derive(clap::Args, Debug)]
pub(crate) struct SupportArgs {
    /// The bundle to write (a gzip-compressed tar file), readable by its owner only.
    #[arg(short = 'o', long = "output", value_name = "FILE.tar.gz")]
    output: PathBuf,
    /// The kiosk configuration (default /etc/kiosk/kiosk.toml; the defaults when absent).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Take the log lines from this file instead of the journal of kiosk.service.
    #[arg(long, value_name = "FILE")]
    log: Option<PathBuf>,
    /// How many of the last log lines to keep.
    #[arg(long, default_value_t = DEFAULT_LINES)]
    lines: usize,
}

/// Failures writing the bundle.
#[derive(Debug, thiserror::Error)]
enum BundleError {
    #[error("cannot write the bundle {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The last `n` lines of `text`.
fn tail(text: &str, n: usize) -> Vec<&str> {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].to_vec()
}

/// The last `n` log lines, masked, with where they come from on the first line.
fn log_lines(file: Option<&Path>, n: usize) -> String {
    let (source, text) = match file {
        Some(path) => (
            path.display().to_string(),
            std::fs::read(path)
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .map_err(|e| e.to_string()),
        ),
        None => (
            "journalctl -u kiosk.service".to_string(),
            Command::new("journalctl")
                .args(["-u", "kiosk.service", "--no-pager", "-o", "short-iso", "-n"])
                .arg(n.to_string())
                .output()
                .map_err(|e| format!("journalctl cannot run: {e}"))
                .and_then(|o| {
                    if o.status.success() {
                        Ok(String::from_utf8_lossy(&o.stdout).into_owned())
                    } else {
                        Err(String::from_utf8_lossy(&o.stderr).trim().to_string())
                    }
                }),
        ),
    };
    match text {
        Ok(text) => {
            let mut out = format!("# the last {n} lines of {source}, masked\n");
            for line in tail(&text, n) {
                out.push_str(&redact::log_line(line));
                out.push('\n');
            }
            out
        }
        Err(e) => format!("# no log lines: {source}: {}\n", redact::log_line(&e)),
    }
}

/// The configuration file's text: the given file, else the default path, else the defaults.
fn config_text(path: Option<&Path>) -> String {
    let path = path.map(Path::to_path_buf).or_else(|| {
        let default = Path::new(firmware_config::DEFAULT_PATH);
        default.exists().then(|| default.to_path_buf())
    });
    match path {
        Some(p) => match std::fs::read_to_string(&p) {
            Ok(text) => format!("# {}\n{}", p.display(), redact::config(&text)),
            Err(e) => format!("# cannot read {}: {e}\n", p.display()),
        },
        None => format!(
            "# no configuration file: the defaults\n{}",
            toml::to_string(&firmware_config::Config::default())
                .map(|t| redact::config(&t))
                .unwrap_or_else(|e| format!("# {e}\n"))
        ),
    }
}

/// Every file of the bundle, by name.
fn parts(readers: &dyn ReaderProvider, args: &SupportArgs) -> Vec<(&'static str, String)> {
    let config = kiosk_service::selftest::load_config(args.config.as_deref())
        .0
        .map(|(c, _)| c);
    let selftest = super::selftest::results(readers, args.config.as_deref());
    let (passed, warned, failed) = kiosk_service::selftest::counts(&selftest);
    let report = serde_json::json!({
        "passed": passed,
        "warnings": warned,
        "failed": failed,
        "results": selftest,
    });
    vec![
        ("config.toml", config_text(args.config.as_deref())),
        ("versions.txt", inventory::versions()),
        (
            "selftest.json",
            serde_json::to_string_pretty(&report).unwrap_or_else(|e| e.to_string()),
        ),
        ("log.txt", log_lines(args.log.as_deref(), args.lines)),
        ("devices.txt", inventory::devices(readers, config.as_ref())),
        (
            "system.txt",
            format!(
                "## disks\n{}\n## clock\n{}",
                inventory::disks(config.as_ref()),
                inventory::clock()
            ),
        ),
    ]
}

/// Writes `parts` as `dir/NAME` entries of a gzip-compressed tar file at `path` (mode 0600).
fn write_bundle(path: &Path, dir: &str, parts: &[(&str, String)]) -> Result<(), BundleError> {
    let err = |source| BundleError::Write {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(err)?;
    let gz = flate2::write::GzEncoder::new(file, flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    let mtime = u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0);
    for (name, text) in parts {
        let mut header = tar::Header::new_gnu();
        header.set_size(text.len() as u64);
        header.set_mode(0o600);
        header.set_mtime(mtime);
        header.set_entry_type(tar::EntryType::Regular);
        tar.append_data(&mut header, format!("{dir}/{name}"), text.as_bytes())
            .map_err(err)?;
    }
    let gz = tar.into_inner().map_err(err)?;
    let mut file: File = gz.finish().map_err(err)?;
    file.flush().map_err(err)?;
    file.sync_all().map_err(err)
}

pub(crate) fn run(readers: &dyn ReaderProvider, args: SupportArgs) -> i32 {
    let parts = parts(readers, &args);
    let dir = format!(
        "kiosk-support-{}",
        chrono::Utc::now().format("%Y%m%dT%H%M%SZ")
    );
    match write_bundle(&args.output, &dir, &parts) {
        Ok(()) => {
            println!(
                "support bundle written to {} ({})",
                args.output.display(),
                parts.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
            );
            0
        }
        Err(e) => fail(3, e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_lines_are_kept_and_masked() {
        let dir = tempfile::tempdir().expect("temp dir");
        let log = dir.path().join("kiosk.log");
        std::fs::write(&log, "one\ntwo 13912345678\nthree\n").expect("log");
        let out = log_lines(Some(&log), 2);
        assert!(out.starts_with("# the last 2 lines of"), "{out}");
        assert!(!out.contains("one") && out.contains("three"), "{out}");
        assert!(out.contains("two 139****5678"), "{out}");
        let missing = log_lines(Some(&dir.path().join("none.log")), 2);
        assert!(missing.starts_with("# no log lines:"), "{missing}");
    }
}
