//! `hw-sim idcard --person FILE [--fault F]...`: the module on a pseudo-terminal.
//!
//! The first line on standard output is the slave's path (`/dev/pts/N`), for the kiosk's
//! `--port`. Control lines on standard input:
//!
//! - `fault none`: every fault off;
//! - `fault F [F...]`: exactly these faults (`no-card`, `select-fail`, `read-fail`,
//!   `bad-checksum`, `split`, `garbage`, `silence`, each optionally `:N` for the next N
//!   answers only);
//! - `quit`.
//!
//! Each change is acknowledged with a line `faults: …`. End of standard input does not stop
//! the simulator: it serves until `quit` or a signal.

use std::io::Write;
use std::path::PathBuf;

use super::module::{FaultSpec, IdModule};
use super::person::Person;
use super::pty::{spawn_pty, PtyHandle};
use crate::error::SimError;

/// Options of `hw-sim idcard`.
#[derive(Debug, clap::Args)]
pub struct IdcardArgs {
    /// Person file (TOML, see hw-sim/people/).
    #[arg(long, value_name = "FILE")]
    pub person: PathBuf,
    /// A fault from the start (repeatable): no-card, select-fail, read-fail, bad-checksum,
    /// split, garbage, silence; NAME:N for the next N answers only.
    #[arg(long = "fault", value_name = "F")]
    pub faults: Vec<FaultSpec>,
}

#[derive(Debug)]
enum Control {
    Faults(Vec<FaultSpec>),
    Quit,
}

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    // Standard output closed: nobody to tell.
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

fn describe(handle: &PtyHandle) -> String {
    let faults = handle.faults();
    if faults.is_empty() {
        return "faults: none".into();
    }
    let names: Vec<String> = faults.iter().map(|f| f.to_string()).collect();
    format!("faults: {}", names.join(" "))
}

/// Parses one control line.
fn parse(line: &str) -> Result<Option<Control>, String> {
    let mut words = line.split_whitespace();
    match words.next() {
        None => Ok(None),
        Some("quit" | "exit") => Ok(Some(Control::Quit)),
        Some("fault") => {
            let rest: Vec<&str> = words.collect();
            if rest.is_empty() {
                return Err("fault: name a fault, or `none`".into());
            }
            if rest == ["none"] {
                return Ok(Some(Control::Faults(Vec::new())));
            }
            let specs = rest
                .into_iter()
                .map(str::parse)
                .collect::<Result<Vec<FaultSpec>, String>>()?;
            Ok(Some(Control::Faults(specs)))
        }
        Some(other) => Err(format!("unknown command {other:?} (fault …, quit)")),
    }
}

/// Runs the simulated module until `quit` or a signal.
pub fn run(args: IdcardArgs) -> Result<(), SimError> {
    let person = Person::load(&args.person)?;
    let mut module = IdModule::new(&person)?;
    for f in args.faults {
        module.add_fault(f);
    }
    let (path, handle) = spawn_pty(module)?;
    say(&path);
    log::info!("{}: {}", person.origin, describe(&handle));

    let control = crate::control::from_stdin(parse)?;
    while let Some(msg) = control.next() {
        match msg {
            Control::Quit => break,
            Control::Faults(specs) => {
                handle.clear_faults();
                for s in specs {
                    handle.add_fault(s);
                }
                say(&describe(&handle));
            }
        }
    }
    handle.stop();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_lines() {
        assert!(matches!(parse("  "), Ok(None)));
        assert!(matches!(parse("quit"), Ok(Some(Control::Quit))));
        assert!(matches!(parse("fault none"), Ok(Some(Control::Faults(v))) if v.is_empty()));
        assert!(
            matches!(parse("fault split garbage:2"), Ok(Some(Control::Faults(v))) if v.len() == 2)
        );
        assert!(parse("fault").is_err());
        assert!(parse("fault melt").unwrap_err().contains("unknown fault"));
        assert!(parse("dance").is_err());
    }
}
