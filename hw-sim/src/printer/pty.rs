//! [`PrinterSim`]: the printer on a pseudo-terminal pair, served by its own thread.
//!
//! The thread reads what the kiosk sends, answers status queries from the shared
//! [`PrinterState`] at once, and hands each cut receipt to the channel. A receipt cut while
//! the printer could not print (paper out, offline, silent) is discarded, as on a real one.

use std::io::{ErrorKind, Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use card_io::printer::Paper;
use serialport::{SerialPort, TTYPort};

use super::decoder::{DecodedReceipt, DecoderEvent, EscPosDecoder};
use super::state::PrinterState;
use super::PrinterSimError;

/// A handle on the printer's state, for another thread (stdin commands).
#[derive(Debug, Clone)]
pub struct PrinterControl(Arc<Mutex<PrinterState>>);

impl PrinterControl {
    fn lock(&self) -> MutexGuard<'_, PrinterState> {
        // The state is plain data: a panic elsewhere cannot leave it half-written.
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn state(&self) -> PrinterState {
        *self.lock()
    }

    pub fn set_paper(&self, paper: Paper) {
        self.lock().paper = paper;
    }

    pub fn set_online(&self, online: bool) {
        self.lock().online = online;
    }

    /// `false`: the printer goes silent (no answers to status queries).
    pub fn set_answering(&self, answering: bool) {
        self.lock().answering = answering;
    }
}

/// The simulated printer; dropping it stops its thread and closes the pty.
#[derive(Debug)]
pub struct PrinterSim {
    control: PrinterControl,
    receipts: Receiver<DecodedReceipt>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    path: String,
}

/// Creates the pty pair and starts serving; returns the slave's path (`/dev/pts/N`).
pub fn spawn_pty(state: PrinterState) -> Result<(String, PrinterSim), PrinterSimError> {
    let (mut master, slave) = TTYPort::pair().map_err(PrinterSimError::Pty)?;
    master
        .set_timeout(Duration::from_millis(50))
        .map_err(PrinterSimError::Pty)?;
    let path = slave.name().ok_or(PrinterSimError::NoSlavePath)?;
    let control = PrinterControl(Arc::new(Mutex::new(state)));
    let (tx, receipts) = mpsc::channel();
    let stop = Arc::new(AtomicBool::new(false));
    let thread = {
        let control = control.clone();
        let stop = Arc::clone(&stop);
        std::thread::Builder::new()
            .name("printer-sim".into())
            .spawn(move || serve(master, slave, control, stop, tx))
            .map_err(PrinterSimError::Thread)?
    };
    let sim = PrinterSim {
        control,
        receipts,
        stop,
        thread: Some(thread),
        path: path.clone(),
    };
    Ok((path, sim))
}

impl PrinterSim {
    pub fn path(&self) -> &str {
        &self.path
    }

    /// A handle to change the state from elsewhere.
    pub fn control(&self) -> PrinterControl {
        self.control.clone()
    }

    /// The printed receipts, in order.
    pub fn receipts(&self) -> &Receiver<DecodedReceipt> {
        &self.receipts
    }

    /// The next printed receipt within `timeout`.
    pub fn next_receipt(&self, timeout: Duration) -> Option<DecodedReceipt> {
        self.receipts.recv_timeout(timeout).ok()
    }

    /// Stops serving and closes the pty.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            if t.join().is_err() {
                eprintln!("hw-sim printer: serving thread panicked");
            }
        }
    }
}

impl Drop for PrinterSim {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn serve(
    mut master: TTYPort,
    // Kept open so the master never sees a hang-up while the kiosk has the port closed.
    _slave: TTYPort,
    control: PrinterControl,
    stop: Arc<AtomicBool>,
    tx: Sender<DecodedReceipt>,
) {
    let mut decoder = EscPosDecoder::new();
    let mut buf = [0u8; 512];
    while !stop.load(Ordering::Acquire) {
        let n = match master.read(&mut buf) {
            Ok(n) => n,
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::TimedOut | ErrorKind::WouldBlock | ErrorKind::Interrupted
                ) =>
            {
                continue
            }
            Err(e) => {
                eprintln!("hw-sim printer: pty read failed: {e}");
                return;
            }
        };
        for event in decoder.push(&buf[..n]) {
            let state = control.state();
            match event {
                DecoderEvent::StatusQuery(q) => {
                    if let Some(answer) = state.answer(q) {
                        if let Err(e) = master.write_all(&[answer]) {
                            eprintln!("hw-sim printer: cannot answer status query: {e}");
                        }
                    }
                }
                DecoderEvent::Cut(receipt) if state.can_print() => {
                    if tx.send(receipt).is_err() {
                        return;
                    }
                }
                DecoderEvent::Cut(receipt) => eprintln!(
                    "hw-sim printer: receipt of {} lines lost (paper {:?}, online {}, answering {})",
                    receipt.lines.len(),
                    state.paper,
                    state.online,
                    state.answering
                ),
                DecoderEvent::Init => {}
                DecoderEvent::Unknown(bytes) => {
                    log::debug!("unknown ESC/POS command {}", hex::encode_upper(bytes))
                }
            }
        }
    }
}
