//! `hw-sim qr`: the scanner on a pty. Prints the slave's path as its first line, then scans
//! each line read from stdin until killed (end of stdin does not stop it).
//!
//! Stdin: a line is a payload to scan; `scan TEXT` scans TEXT literally (for payloads that
//! look like commands); `fault garbage|split|long|none` sets the fault for the next scans.

use std::io::{BufRead, Write};

use super::emitter::Fault;
use super::pty::{spawn_pty, QrSim};
use super::QrSimError;

/// Options of `hw-sim qr`.
#[derive(Debug, clap::Args)]
pub struct QrArgs {
    /// Length of the over-long line sent by `fault long`.
    #[arg(long, default_value_t = super::emitter::DEFAULT_LONG_LEN)]
    pub long_len: usize,
    /// Seed of the noise sent by `fault garbage` and the chunking of `fault split`.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

/// What a stdin line asks for.
#[derive(Debug, PartialEq, Eq)]
enum Command<'a> {
    Scan(&'a str),
    Fault(Fault),
}

fn parse(line: &str) -> Result<Option<Command<'_>>, QrSimError> {
    if line.is_empty() {
        return Ok(None);
    }
    if let Some(payload) = line.strip_prefix("scan ") {
        return Ok(Some(Command::Scan(payload)));
    }
    if let Some(fault) = line.strip_prefix("fault ") {
        return fault.trim().parse().map(|f| Some(Command::Fault(f)));
    }
    Ok(Some(Command::Scan(line)))
}

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    // stdout closed: nobody to tell.
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

fn error_cause(e: &QrSimError) -> String {
    std::error::Error::source(e)
        .map(|c| c.to_string())
        .unwrap_or_default()
}

fn serve(sim: &QrSim) -> Result<(), QrSimError> {
    for line in std::io::stdin().lock().lines() {
        let line = line.map_err(QrSimError::Stdin)?;
        let line = line.trim_end_matches(['\r', '\n']);
        match parse(line) {
            Ok(None) => {}
            Ok(Some(Command::Scan(payload))) => match sim.scan(payload) {
                Ok(()) => say(&format!("scanned {} bytes", payload.len())),
                // Nobody reading the pty (its buffer full): report it and keep serving.
                Err(e) => eprintln!("hw-sim qr: {e}: {}", error_cause(&e)),
            },
            Ok(Some(Command::Fault(f))) => {
                sim.set_fault(f);
                say(&format!("fault {f:?}"));
            }
            Err(e) => eprintln!("hw-sim qr: {e}"),
        }
    }
    Ok(())
}

/// Runs the simulated scanner until killed.
pub fn run(args: QrArgs) -> Result<(), QrSimError> {
    let (path, sim) = spawn_pty(args.long_len, args.seed)?;
    say(&path);
    serve(&sim)?;
    // End of stdin: keep the pty open until killed.
    loop {
        std::thread::park();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands() {
        assert_eq!(parse("").ok(), Some(None));
        assert_eq!(parse("abc").ok(), Some(Some(Command::Scan("abc"))));
        assert_eq!(
            parse("scan fault long").ok(),
            Some(Some(Command::Scan("fault long")))
        );
        assert_eq!(
            parse("fault split").ok(),
            Some(Some(Command::Fault(Fault::Split)))
        );
        assert!(parse("fault weird").is_err());
    }
}
