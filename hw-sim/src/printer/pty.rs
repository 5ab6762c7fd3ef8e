//! [`PrinterSim`]: the printer on a pseudo-terminal pair, served by its own thread, and on a
//! loopback TCP port too when asked ([`PrinterSim::listen_tcp`], a network printer's raw
//! port).
//!
//! Each thread reads what the kiosk sends, answers status queries from the shared
//! [`PrinterState`] at once, and hands each cut receipt to the channel. A receipt cut while
//! the printer could not print (paper out, offline, silent) is discarded, as on a real one.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
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
    /// For the listeners added later.
    tx: Sender<DecodedReceipt>,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
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
        let tx = tx.clone();
        std::thread::Builder::new()
            .name("printer-sim".into())
            .spawn(move || {
                // The slave stays open so the master never sees a hang-up while the kiosk
                // has the port closed.
                let _slave = slave;
                serve(master, &control, &stop, &tx);
            })
            .map_err(PrinterSimError::Thread)?
    };
    let sim = PrinterSim {
        control,
        receipts,
        tx,
        stop,
        threads: vec![thread],
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

    /// Serves the same printer (same state, same receipts) on a TCP port as well, as a
    /// network printer's raw port does: one connection at a time, the next waiting in the
    /// backlog. `address` such as `127.0.0.1:0`; returns the address bound.
    pub fn listen_tcp(&mut self, address: &str) -> Result<SocketAddr, PrinterSimError> {
        let listen = |source| PrinterSimError::Listen {
            address: address.to_owned(),
            source,
        };
        let listener = TcpListener::bind(address).map_err(listen)?;
        let bound = listener.local_addr().map_err(listen)?;
        listener.set_nonblocking(true).map_err(listen)?;
        let control = self.control.clone();
        let stop = Arc::clone(&self.stop);
        let tx = self.tx.clone();
        let thread = std::thread::Builder::new()
            .name("printer-sim-tcp".into())
            .spawn(move || accept_loop(listener, &control, &stop, &tx))
            .map_err(PrinterSimError::Thread)?;
        self.threads.push(thread);
        Ok(bound)
    }

    /// Stops serving and closes the pty and any TCP port.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::Release);
        for t in self.threads.drain(..) {
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

/// Accepts one connection at a time until stopped; each is served until the kiosk closes it.
fn accept_loop(
    listener: TcpListener,
    control: &PrinterControl,
    stop: &AtomicBool,
    tx: &Sender<DecodedReceipt>,
) {
    while !stop.load(Ordering::Acquire) {
        match listener.accept() {
            Ok((stream, _)) => {
                let ready = stream
                    .set_nonblocking(false)
                    .and_then(|()| stream.set_read_timeout(Some(Duration::from_millis(50))));
                if let Err(e) = ready {
                    eprintln!("hw-sim printer: cannot serve a TCP connection: {e}");
                    continue;
                }
                if !serve(stream, control, stop, tx) {
                    return;
                }
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(20))
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => {
                eprintln!("hw-sim printer: TCP accept failed: {e}");
                return;
            }
        }
    }
}

/// A byte stream the printer serves: the pty's master side, or one TCP connection.
trait Stream: Read + Write {}
impl Stream for TTYPort {}
impl Stream for TcpStream {}

/// Serves one stream until it ends or the printer stops; false when nobody takes receipts
/// any more.
fn serve(
    mut stream: impl Stream,
    control: &PrinterControl,
    stop: &AtomicBool,
    tx: &Sender<DecodedReceipt>,
) -> bool {
    let mut decoder = EscPosDecoder::new();
    let mut buf = [0u8; 512];
    while !stop.load(Ordering::Acquire) {
        let n = match stream.read(&mut buf) {
            // The kiosk closed the connection.
            Ok(0) => return true,
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
                eprintln!("hw-sim printer: read failed: {e}");
                return true;
            }
        };
        for event in decoder.push(&buf[..n]) {
            let state = control.state();
            match event {
                DecoderEvent::StatusQuery(q) => {
                    if let Some(answer) = state.answer(q) {
                        if let Err(e) = stream.write_all(&[answer]) {
                            eprintln!("hw-sim printer: cannot answer status query: {e}");
                        }
                    }
                }
                DecoderEvent::Cut(receipt) if state.can_print() => {
                    if tx.send(receipt).is_err() {
                        return false;
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
    true
}
