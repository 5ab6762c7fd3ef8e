//! Control lines on standard input for the simulator commands (`remove`, `fault …`, `quit`).
//!
//! A thread reads the lines and sends what `parse` makes of them; unknown lines get a
//! message on stderr and are skipped. End of standard input does not end the command (it
//! may run as a daemon with stdin closed): the returned [`Control`] keeps the channel open.

use std::io::BufRead;
use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, Sender};

use crate::error::SimError;

/// The receiving end of the control lines.
pub struct Control<T> {
    rx: Receiver<T>,
    /// Held so that `recv` blocks instead of failing once stdin is closed.
    _keep_open: Sender<T>,
}

impl<T> Control<T> {
    /// The next command; blocks until one arrives.
    pub fn next(&self) -> Option<T> {
        self.rx.recv().ok()
    }
}

/// Starts reading stdin. `parse` gives `Ok(None)` for a line to ignore (blank) and `Err`
/// with a message for a line it does not understand.
pub fn from_stdin<T: Send + 'static>(
    parse: fn(&str) -> Result<Option<T>, String>,
) -> Result<Control<T>, SimError> {
    let (tx, rx) = mpsc::channel();
    let keep_open = tx.clone();
    std::thread::Builder::new()
        .name("stdin".into())
        .spawn(move || {
            for line in std::io::stdin().lock().lines() {
                let Ok(line) = line else { break };
                match parse(&line) {
                    Ok(None) => {}
                    Ok(Some(c)) => {
                        if tx.send(c).is_err() {
                            return;
                        }
                    }
                    Err(e) => eprintln!("hw-sim: {e}"),
                }
            }
        })
        .map_err(|source| SimError::Io {
            path: PathBuf::from("<stdin>"),
            source,
        })?;
    Ok(Control {
        rx,
        _keep_open: keep_open,
    })
}
