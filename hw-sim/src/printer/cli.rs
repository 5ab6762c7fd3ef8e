//! `hw-sim printer [--paper-out] [--output FILE] [--tcp ADDR]`: the printer on a pty, and with
//! `--tcp` on a TCP port too (a network printer's raw port; `127.0.0.1:0` picks a free one).
//! Prints the slave's path as its first line, then `tcp ADDR` (the address bound) when asked,
//! then each printed receipt (to stdout, or appended to FILE), until killed. Stdin commands,
//! for both: `paper out`, `paper near-end`, `paper ok`, `offline`, `online`, `silent`,
//! `answer` (answer again).

use std::fs::OpenOptions;
use std::io::{BufRead, Write};
use std::path::PathBuf;

use card_io::printer::Paper;

use super::decoder::{DecodedReceipt, Printed};
use super::pty::{spawn_pty, PrinterControl};
use super::state::PrinterState;
use super::PrinterSimError;

/// Options of `hw-sim printer`.
#[derive(Debug, clap::Args)]
pub struct PrinterArgs {
    /// Start with the paper roll empty.
    #[arg(long)]
    pub paper_out: bool,
    /// Append printed receipts to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also listen on this TCP address (raw port 9100 protocol), e.g. 127.0.0.1:9100.
    #[arg(long, value_name = "ADDR")]
    pub tcp: Option<String>,
}

/// The line that marks a cut in the output.
pub const CUT_MARK: &str = "--- cut ---";

/// A stdin command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Command {
    Paper(Paper),
    Online(bool),
    Answering(bool),
}

fn parse(line: &str) -> Option<Command> {
    match line.split_whitespace().collect::<Vec<_>>().as_slice() {
        ["paper", "out"] => Some(Command::Paper(Paper::Out)),
        ["paper", "near-end"] => Some(Command::Paper(Paper::NearEnd)),
        ["paper", "ok"] => Some(Command::Paper(Paper::Ok)),
        ["offline"] => Some(Command::Online(false)),
        ["online"] => Some(Command::Online(true)),
        ["silent"] => Some(Command::Answering(false)),
        ["answer"] => Some(Command::Answering(true)),
        _ => None,
    }
}

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    // stdout closed: nobody to tell.
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

fn read_stdin(control: PrinterControl) {
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { return };
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        match parse(line) {
            Some(Command::Paper(p)) => control.set_paper(p),
            Some(Command::Online(o)) => control.set_online(o),
            Some(Command::Answering(a)) => control.set_answering(a),
            None => {
                eprintln!(
                    "hw-sim printer: unknown command {line:?} (paper out|near-end|ok, offline, \
                     online, silent, answer)"
                );
                continue;
            }
        }
        eprintln!("hw-sim printer: {:?}", control.state());
    }
}

/// The receipt as printed: its lines (an image as `[image W×H]`, its size in dots), then the
/// cut mark.
pub fn render(receipt: &DecodedReceipt) -> String {
    let mut out = String::new();
    for p in receipt.in_order() {
        match p {
            Printed::Text(l) => out.push_str(&l.text),
            Printed::Image(i) => {
                out.push_str(&format!("[image {}×{}]", i.bitmap.width, i.bitmap.height))
            }
        }
        out.push('\n');
    }
    out.push_str(CUT_MARK);
    out.push('\n');
    out
}

/// Runs the simulated printer until killed.
pub fn run(args: PrinterArgs) -> Result<(), PrinterSimError> {
    let state = PrinterState {
        paper: if args.paper_out {
            Paper::Out
        } else {
            Paper::Ok
        },
        ..PrinterState::default()
    };
    let (path, mut sim) = spawn_pty(state)?;
    say(&path);
    if let Some(address) = &args.tcp {
        let bound = sim.listen_tcp(address)?;
        say(&format!("tcp {bound}"));
    }
    let control = sim.control();
    std::thread::Builder::new()
        .name("stdin".into())
        .spawn(move || read_stdin(control))
        .map_err(PrinterSimError::Thread)?;
    for receipt in sim.receipts() {
        let text = render(&receipt);
        match &args.output {
            None => {
                let mut out = std::io::stdout().lock();
                // stdout closed: the receipt still "printed"; nobody is reading.
                let _ = out.write_all(text.as_bytes());
                let _ = out.flush();
            }
            Some(path) => {
                let output = |source| PrinterSimError::Output {
                    path: path.clone(),
                    source,
                };
                let mut file = OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map_err(output)?;
                file.write_all(text.as_bytes()).map_err(output)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands() {
        assert_eq!(parse("paper out"), Some(Command::Paper(Paper::Out)));
        assert_eq!(parse(" paper  ok "), Some(Command::Paper(Paper::Ok)));
        assert_eq!(parse("offline"), Some(Command::Online(false)));
        assert_eq!(parse("silent"), Some(Command::Answering(false)));
        assert_eq!(parse("paper"), None);
    }
}
