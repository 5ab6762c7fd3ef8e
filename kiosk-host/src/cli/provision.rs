//! `kiosk provision`: probe the devices, show the proposed `[devices]`, write kiosk.toml
//! after confirmation. `kiosk provision agency-csr --kiosk-id ID --out DIR`: the kiosk's
//! private key for the agency (made here, mode 600; it never leaves the kiosk) and a
//! certificate signing request for the agency to sign (`agency enrol --csr`).
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

#[derive(clap::Subcommand, Debug)]
pub(crate) enum ProvisionCommand {
    /// Make this kiosk's key (mode 600, kept here) and a certificate signing request for the
    /// agency (`agency enrol --kiosk ID --csr DIR/kiosk.csr --out kiosk.crt`).
    AgencyCsr {
        /// The kiosk's id (`[kiosk] id`): the certificate's CN.
        #[arg(long, value_name = "ID")]
        kiosk_id: String,
        /// Where to write kiosk.key and kiosk.csr (neither may exist yet).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
}

#[derive(clap::Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub(crate) struct ProvisionArgs {
    #[command(subcommand)]
    command: Option<ProvisionCommand>,
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
    /// The QR scanner in USB HID keyboard mode: its name under /dev/input/by-id or its
    /// /dev/input/event* path (needed when several keyboards are found).
    #[arg(long, value_name = "NAME")]
    qr_hid: Option<String>,
    /// A network receipt printer to ask (HOST:PORT, or HOST for 9100); default the
    /// configured printer_tcp.
    #[arg(long, value_name = "HOST:PORT")]
    printer_tcp: Option<String>,
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

/// The kiosk's key and CSR for the agency: `(key PEM, CSR PEM)`.
fn agency_csr(kiosk_id: &str) -> Result<(zeroize::Zeroizing<String>, String), rcgen::Error> {
    let key = rcgen::KeyPair::generate()?;
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new())?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, kiosk_id);
    let csr = params.serialize_request(&key)?;
    Ok((zeroize::Zeroizing::new(key.serialize_pem()), csr.pem()?))
}

/// Writes a new file with `mode` (an existing one is never replaced).
fn write_new(path: &std::path::Path, text: &str, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

fn run_agency_csr(kiosk_id: &str, dir: &std::path::Path) -> i32 {
    let id_ok = !kiosk_id.is_empty()
        && kiosk_id.len() <= 32
        && kiosk_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !id_ok {
        return fail(
            2,
            format!(
                "--kiosk-id {kiosk_id:?}: write [kiosk] id (1 to 32 letters, digits, `-` or `_`)"
            ),
        );
    }
    let (key, csr) = match agency_csr(kiosk_id) {
        Ok(made) => made,
        Err(e) => return fail(1, format!("cannot make the key and request: {e}")),
    };
    if let Err(e) = std::fs::create_dir_all(dir) {
        return fail(3, format!("cannot create {}: {e}", dir.display()));
    }
    let key_path = dir.join("kiosk.key");
    let csr_path = dir.join("kiosk.csr");
    if let Err(e) = write_new(&key_path, &key, 0o600) {
        return fail(3, format!("cannot write {}: {e}", key_path.display()));
    }
    if let Err(e) = write_new(&csr_path, &csr, 0o644) {
        return fail(3, format!("cannot write {}: {e}", csr_path.display()));
    }
    println!(
        "wrote {} (mode 600: it stays on this kiosk) and {}\n\
         at the agency: agency enrol --kiosk {kiosk_id} --csr kiosk.csr --out kiosk.crt\n\
         then put kiosk.crt and the agency's ca.crt in {dir} and add to kiosk.toml:\n\
         [agency]\nurl = \"https://AGENCY:PORT\"\nca_cert = \"{dir}/ca.crt\"\n\
         cert = \"{dir}/kiosk.crt\"\nkey = \"{key}\"",
        key_path.display(),
        csr_path.display(),
        dir = dir.display(),
        key = key_path.display(),
    );
    0
}

pub(crate) fn run(readers: &dyn ReaderProvider, args: ProvisionArgs) -> i32 {
    if let Some(ProvisionCommand::AgencyCsr { kiosk_id, out }) = &args.command {
        return run_agency_csr(kiosk_id, out);
    }
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
        qr_hid: args.qr_hid.clone(),
        printer_tcp: args
            .printer_tcp
            .clone()
            .or_else(|| kiosk_service::devices::port(&base.devices.printer_tcp)),
        ..ProbeOptions::default()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_agency_csr_names_the_kiosk_and_the_key_stays_private() {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("agency");
        assert_eq!(run_agency_csr("cj-zwfw-01", &out), 0);
        let csr = std::fs::read_to_string(out.join("kiosk.csr")).expect("csr");
        let parsed = rcgen::CertificateSigningRequestParams::from_pem(&csr).expect("a CSR");
        let cn = parsed
            .params
            .distinguished_name
            .get(&rcgen::DnType::CommonName)
            .map(|v| format!("{v:?}"))
            .expect("a CN");
        assert!(cn.contains("\"cj-zwfw-01\""), "{cn}");
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(out.join("kiosk.key"))
            .expect("key")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        // Never replaces an existing key.
        assert_eq!(run_agency_csr("cj-zwfw-01", &out), 3);
        assert_eq!(run_agency_csr("bad id", &out), 2);
    }
}
