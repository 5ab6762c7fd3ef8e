//! The simulated module on a pseudo-terminal: the host opens the slave side (`/dev/pts/N`)
//! like any serial port.
//!
//! The runner keeps only the master side open, so the slave behaves like a real device
//! node: each host's open and close is the only one (an exclusive open by one reader ends
//! with its close), and while no host has it open the runner waits.

use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use serialport::{SerialPort, TTYPort};

use super::module::{FaultSpec, IdModule, Outgoing};
use super::person::Person;
use crate::error::SimError;

/// Chunk sizes of the `split` fault, cycled.
const SPLIT_CHUNKS: [usize; 8] = [1, 7, 3, 13, 2, 61, 5, 29];
/// Pause between chunks of the `split` fault.
const SPLIT_PAUSE: Duration = Duration::from_millis(1);
/// How often the runner looks at its stop flag, and waits while no host has the port open.
const POLL: Duration = Duration::from_millis(20);

/// A running simulated module; stops (and joins its thread) when dropped.
pub struct PtyHandle {
    path: String,
    module: Arc<Mutex<IdModule>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for PtyHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PtyHandle({})", self.path)
    }
}

fn pty_error(source: io::Error) -> SimError {
    SimError::Io {
        path: PathBuf::from("/dev/ptmx"),
        source,
    }
}

/// Serves `module` on a new pseudo-terminal; returns the slave's path and the handle.
pub fn spawn_pty(module: IdModule) -> Result<(String, PtyHandle), SimError> {
    let (mut master, slave) = TTYPort::pair().map_err(|e| pty_error(e.into()))?;
    let path = slave
        .name()
        .ok_or_else(|| pty_error(io::Error::other("the pseudo-terminal has no slave path")))?;
    drop(slave);
    master.set_timeout(POLL).map_err(|e| pty_error(e.into()))?;
    let module = Arc::new(Mutex::new(module));
    let stop = Arc::new(AtomicBool::new(false));
    let thread = std::thread::Builder::new()
        .name("idcard-pty".into())
        .spawn({
            let module = Arc::clone(&module);
            let stop = Arc::clone(&stop);
            move || serve(&mut master, &module, &stop)
        })
        .map_err(pty_error)?;
    let handle = PtyHandle {
        path: path.clone(),
        module,
        stop,
        thread: Some(thread),
    };
    Ok((path, handle))
}

impl PtyHandle {
    /// The slave's path, e.g. `/dev/pts/3`.
    pub fn path(&self) -> &str {
        &self.path
    }

    fn module(&self) -> MutexGuard<'_, IdModule> {
        // A panic in the runner cannot leave the module half-updated in a way that matters
        // to a test; keep serving.
        self.module.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Replaces every fault with `spec`.
    pub fn set_fault(&self, spec: impl Into<FaultSpec>) {
        self.module().set_fault(spec);
    }

    pub fn add_fault(&self, spec: impl Into<FaultSpec>) {
        self.module().add_fault(spec);
    }

    pub fn clear_faults(&self) {
        self.module().clear_faults();
    }

    pub fn faults(&self) -> Vec<FaultSpec> {
        self.module().faults().to_vec()
    }

    /// Puts `person`'s card on the module (replacing any card there).
    pub fn place(&self, person: &Person) -> Result<(), SimError> {
        self.module().place(person)
    }

    /// Takes the card off the module.
    pub fn lift(&self) {
        self.module().lift();
    }

    /// Whether a card is on the module.
    pub fn has_card(&self) -> bool {
        self.module().has_card()
    }

    /// Successful card reads served so far.
    pub fn reads(&self) -> u64 {
        self.module().reads()
    }

    /// Stops serving and closes the pseudo-terminal.
    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            if t.join().is_err() {
                log::error!("the ID module runner on {} panicked", self.path);
            }
        }
    }
}

impl Drop for PtyHandle {
    fn drop(&mut self) {
        self.halt();
    }
}

fn serve(master: &mut TTYPort, module: &Mutex<IdModule>, stop: &AtomicBool) {
    let mut buf = [0u8; 2048];
    while !stop.load(Ordering::SeqCst) {
        match master.read(&mut buf) {
            Ok(0) => std::thread::sleep(POLL),
            Ok(n) => {
                let out = module
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .receive(&buf[..n]);
                for o in out {
                    if let Err(e) = send(master, &o) {
                        log::debug!("ID module answer not delivered: {e}");
                    }
                }
            }
            Err(e) if e.kind() == io::ErrorKind::TimedOut => {}
            // No host has the slave open (hang-up): wait for one.
            Err(_) => std::thread::sleep(POLL),
        }
    }
}

fn send(master: &mut TTYPort, out: &Outgoing) -> io::Result<()> {
    if !out.split {
        master.write_all(&out.bytes)?;
        return master.flush();
    }
    let mut rest = out.bytes.as_slice();
    for size in SPLIT_CHUNKS.iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let (chunk, tail) = rest.split_at((*size).min(rest.len()));
        master.write_all(chunk)?;
        master.flush()?;
        rest = tail;
        std::thread::sleep(SPLIT_PAUSE);
    }
    Ok(())
}
