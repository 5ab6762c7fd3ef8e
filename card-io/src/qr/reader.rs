//! [`QrReader`]: the line decoder over a serial port, on its own thread (the HID keyboard
//! source, `super::hid`, runs on the same reader and sends the same events).
//!
//! Reads use a short timeout so [`QrReader::stop`] is prompt; a partial line followed by a
//! silence longer than the line gap is dropped (noise on the line never glues itself to the
//! next scan). Events go out on an `mpsc` channel: scans, bad lines, and the loss of the port
//! (after which the thread ends).

use std::io::{ErrorKind, Read};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use super::line::{LineDecoder, Scan, DEFAULT_MAX_LINE};
use super::QrError;

/// The scanner's default speed (CARD-PROFILE.md section 8: 9600 8N1).
pub const DEFAULT_BAUD_RATE: u32 = 9600;

/// How the reader talks to the scanner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QrConfig {
    pub baud_rate: u32,
    /// The longest scan accepted, in bytes.
    pub max_line: usize,
    /// Read timeout: the longest [`QrReader::stop`] waits for the thread.
    pub poll: Duration,
    /// Silence after which an unterminated partial line is dropped as noise.
    pub line_gap: Duration,
}

impl Default for QrConfig {
    fn default() -> Self {
        QrConfig {
            baud_rate: DEFAULT_BAUD_RATE,
            max_line: DEFAULT_MAX_LINE,
            poll: Duration::from_millis(50),
            line_gap: Duration::from_millis(500),
        }
    }
}

/// What the reader thread reports.
#[derive(Debug)]
pub enum QrEvent {
    /// A complete scan.
    Scan(Scan),
    /// A line that was refused (too long, not UTF-8, incomplete); reading goes on.
    Error(QrError),
    /// The port failed; the thread has ended.
    PortLost(QrError),
}

/// A QR scanner being read on its own thread. Dropping it stops the thread.
#[derive(Debug)]
pub struct QrReader {
    events: Receiver<QrEvent>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl QrReader {
    /// Opens the scanner's serial port (8N1, no flow control) and starts reading.
    pub fn open(path: impl AsRef<Path>, config: QrConfig) -> Result<QrReader, QrError> {
        let path = path.as_ref();
        let port = crate::serial::open_8n1(&path.to_string_lossy(), config.baud_rate, config.poll)
            .map_err(|source| QrError::Open {
                path: path.to_path_buf(),
                source,
            })?;
        QrReader::from_reader(port, path.display().to_string(), config)
    }

    /// Starts reading any byte source whose reads time out (`TimedOut` or `WouldBlock`) after
    /// about `config.poll`; `name` appears in errors.
    pub fn from_reader<R: Read + Send + 'static>(
        source: R,
        name: String,
        config: QrConfig,
    ) -> Result<QrReader, QrError> {
        QrReader::spawn(move |stop, tx| read_loop(source, name, config, stop, tx))
    }

    /// Starts `body` on the reader thread with the stop flag and the event sender.
    pub(super) fn spawn(
        body: impl FnOnce(Arc<AtomicBool>, Sender<QrEvent>) + Send + 'static,
    ) -> Result<QrReader, QrError> {
        let (tx, events) = mpsc::channel();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("qr-reader".into())
            .spawn(move || body(flag, tx))
            .map_err(QrError::Thread)?;
        Ok(QrReader {
            events,
            stop,
            thread: Some(thread),
        })
    }

    /// The event channel.
    pub fn events(&self) -> &Receiver<QrEvent> {
        &self.events
    }

    /// The next event within `timeout`; `None` when nothing came (or the thread has ended and
    /// every event was taken).
    pub fn next_event(&self, timeout: Duration) -> Option<QrEvent> {
        self.events.recv_timeout(timeout).ok()
    }

    /// Whether the reader thread is still running (false after the port was lost).
    pub fn is_running(&self) -> bool {
        self.thread.as_ref().is_some_and(|t| !t.is_finished())
    }

    /// Stops the thread and waits for it (at most about one read timeout).
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            if thread.join().is_err() {
                log::error!("QR reader thread panicked");
            }
        }
    }
}

impl Drop for QrReader {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn read_loop<R: Read>(
    mut source: R,
    name: String,
    config: QrConfig,
    stop: Arc<AtomicBool>,
    tx: Sender<QrEvent>,
) {
    let mut decoder = LineDecoder::new(config.max_line);
    let mut buf = [0u8; 256];
    let mut last_byte = Instant::now();
    while !stop.load(Ordering::Acquire) {
        match source.read(&mut buf) {
            Ok(0) => {
                let source = std::io::Error::new(ErrorKind::UnexpectedEof, "end of stream");
                let _ = tx.send(QrEvent::PortLost(QrError::PortLost { path: name, source }));
                return;
            }
            Ok(n) => {
                last_byte = Instant::now();
                let at = SystemTime::now();
                for done in decoder.push(&buf[..n], at) {
                    let event = match done {
                        Ok(scan) => QrEvent::Scan(scan),
                        Err(e) => QrEvent::Error(e),
                    };
                    if tx.send(event).is_err() {
                        return;
                    }
                }
            }
            Err(e) if matches!(e.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock) => {
                let quiet = last_byte.elapsed();
                if decoder.in_line() && quiet >= config.line_gap {
                    if let Some(err) = decoder.abandon(quiet.as_millis()) {
                        if tx.send(QrEvent::Error(err)).is_err() {
                            return;
                        }
                    }
                }
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(source) => {
                log::warn!("QR scanner {name}: {source}");
                let _ = tx.send(QrEvent::PortLost(QrError::PortLost { path: name, source }));
                return;
            }
        }
    }
}
