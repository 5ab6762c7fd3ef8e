//! `kiosk provision`: probe the devices, show the proposed `[devices]`, write kiosk.toml
//! after confirmation.
//!
//! Exit codes: 0 written (or nothing to change); 1 not written (no card reader found, not
//! confirmed, the existing file or the proposal invalid); 2 bad arguments; 3 the file could
//! not be read or written.

use std::io::{BufRead, Write};
use std::path::PathBuf;

use card_io::camera::Resolution;
use card_io::transport::ReaderProvider;
use firmware_config::{Config, ConfigError, DEFAULT_PATH};
use kiosk_service::provision::{
    self, diff_text, Findings, ProbeOptions, Proposal, ProvisionError, SystemSerial,
    DEFAULT_PORT_GLOBS, PROBE_TIMEOUT,
};
use serde_json::json;

use super::common::fail;

#[derive(clap::Args, Debug)]
pub(crate) struct ProvisionArgs {
    /// The configuration file to write (an existing one is the starting point and is kept
    /// as FILE.bak).
    #[arg(long, value_name = "FILE", default_value = DEFAULT_PATH)]
    out: PathBuf,
    /// Write without asking (for scripts).
    #[arg(long)]
    yes: bool,
    /// Print what was found and proposed as JSON on standard output.
    #[arg(long)]
    json: bool,
    /// Serial ports to probe, as globs (default /dev/ttyUSB* /dev/ttyACM* /dev/ttyS*).
    #[arg(long, value_name = "GLOB", num_args = 1..)]
    ports: Vec<String>,
    /// A serial port to probe in addition (repeatable).
    #[arg(long = "port", value_name = "PATH")]
    extra_ports: Vec<String>,
    /// The QR scanner's port (a scanner only speaks when scanning, so it cannot be probed).
    #[arg(long, value_name = "PATH")]
    qr_port: Option<String>,
}

/// The existing file's text and configuration; `None` when there is no file.
fn existing(path: &std::path::Path) -> Result<Option<(String, Config)>, i32> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(fail(3, format!("cannot read {}: {e}", path.display()))),
    };
    match Config::parse(&text, &path.display().to_string()) {
        Ok(c) => Ok(Some((text, c))),
        Err(ConfigError::Invalid(d)) => Err(fail(
            1,
            format!(
                "{d}\n{} is invalid: fix it (or move it away) before provisioning",
                path.display()
            ),
        )),
        Err(e) => Err(fail(3, e.to_string())),
    }
}

#[allow(unsafe_code, reason = "isatty(3)")]
fn stdin_is_terminal() -> bool {
    // SAFETY: isatty only inspects the descriptor.
    unsafe { libc::isatty(0) == 1 }
}

/// Asks on the terminal; `Ok(true)` for y/yes.
fn confirm(out: &std::path::Path) -> Result<bool, String> {
    if !stdin_is_terminal() {
        return Err(format!(
            "not writing {}: confirm on a terminal, or pass --yes",
            out.display()
        ));
    }
    eprint!("write these changes to {}? [y/N] ", out.display());
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| format!("cannot read the answer: {e}"))?;
    Ok(matches!(answer.trim().to_lowercase().as_str(), "y" | "yes"))
}

fn report_json(findings: &Findings, proposal: &Proposal, out: &std::path::Path, outcome: &Outcome) {
    let (written, backup, refused) = match outcome {
        Outcome::Written(backup) => (true, backup.as_ref().map(|b| b.display().to_string()), None),
        Outcome::Unchanged => (false, None, None),
        Outcome::Refused(_, reason) => (false, None, Some(reason.clone())),
    };
    println!(
        "{}",
        json!({
            "file": out.display().to_string(),
            "findings": findings,
            "proposal": proposal,
            "unchanged": matches!(outcome, Outcome::Unchanged),
            "written": written,
            "backup": backup,
            "refused": refused,
        })
    );
}

pub(crate) fn run(readers: &dyn ReaderProvider, args: ProvisionArgs) -> i32 {
    let out = args.out.clone();
    let (text, base) = match existing(&out) {
        Ok(Some((text, config))) => (Some(text), config),
        Ok(None) => (None, Config::default()),
        Err(code) => return code,
    };
    let options = ProbeOptions {
        port_globs: if args.ports.is_empty() {
            DEFAULT_PORT_GLOBS.iter().map(|s| s.to_string()).collect()
        } else {
            args.ports.clone()
        },
        extra_ports: args.extra_ports.clone(),
        qr_port: args.qr_port.clone(),
        qr_baud: base.devices.qr_baud,
        camera_resolution: Resolution::new(base.devices.camera_width, base.devices.camera_height),
        timeout: PROBE_TIMEOUT,
    };
    let cameras = provision::system_cameras();
    let findings = provision::probe(
        &options,
        readers,
        &SystemSerial,
        cameras.as_deref(),
        &mut std::io::stderr(),
    );
    let proposal = provision::propose(&base, &findings);

    let origin = match &text {
        Some(_) => out.display().to_string(),
        None => format!("{} (new)", out.display()),
    };
    if !args.json {
        println!(
            "proposed for {}{}:",
            out.display(),
            if text.is_some() {
                ""
            } else {
                " (new file, defaults for everything else)"
            }
        );
        print!("{}", diff_text(&proposal));
        for note in &proposal.notes {
            println!("note: {note}");
        }
    }
    let outcome = decide(&args, &out, text.as_deref(), &proposal, &origin);
    if args.json {
        report_json(&findings, &proposal, &out, &outcome);
    }
    match outcome {
        Outcome::Written(backup) => {
            match backup {
                Some(b) => eprintln!(
                    "wrote {} (the previous file is {})",
                    out.display(),
                    b.display()
                ),
                None => eprintln!("wrote {}", out.display()),
            }
            eprintln!("next: `kiosk selftest --config {}`", out.display());
            0
        }
        Outcome::Unchanged => {
            eprintln!(
                "{} already has these devices: nothing to write",
                out.display()
            );
            0
        }
        Outcome::Refused(code, message) => fail(code, &message),
    }
}

enum Outcome {
    Written(Option<PathBuf>),
    Unchanged,
    Refused(i32, String),
}

fn decide(
    args: &ProvisionArgs,
    out: &std::path::Path,
    existing: Option<&str>,
    proposal: &Proposal,
    origin: &str,
) -> Outcome {
    if proposal.card_reader.is_none() {
        let why = proposal
            .notes
            .first()
            .cloned()
            .unwrap_or_else(|| "no reader".into());
        let e = ProvisionError::NoCardReader(why);
        return Outcome::Refused(e.exit_code(), format!("{e}\nnot writing {}", out.display()));
    }
    if existing.is_some() && proposal.changes.is_empty() {
        return Outcome::Unchanged;
    }
    let text = match provision::render(existing, proposal, origin) {
        Ok(t) => t,
        Err(e) => return Outcome::Refused(e.exit_code(), e.to_string()),
    };
    if !args.yes {
        match confirm(out) {
            Ok(true) => {}
            Ok(false) => {
                return Outcome::Refused(1, format!("not written: {} unchanged", out.display()))
            }
            Err(m) => return Outcome::Refused(1, m),
        }
    }
    match provision::write_config(out, &text) {
        Ok(backup) => Outcome::Written(backup),
        Err(e) => Outcome::Refused(e.exit_code(), e.to_string()),
    }
}
