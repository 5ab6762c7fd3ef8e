//! [`Printer`]: a receipt printer on a serial port.
//!
//! Before printing it asks `DLE EOT 4` (paper) and `DLE EOT 1` (online) and refuses with
//! [`PrinterError::PaperOut`] / [`PrinterError::Offline`]; a query without an answer within
//! the answer timeout is [`PrinterError::NotAnswering`]. After sending a receipt it asks for
//! the paper again, so a roll that ran out mid-receipt is reported. Every wait is bounded.

use std::io::{ErrorKind, Read, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use serialport::{ClearBuffer, SerialPort};

use super::escpos;
use super::receipt::Receipt;
use super::status::{self, Paper, PrinterStatus, StatusQuery};
use super::PrinterError;

/// The printer's default speed.
pub const DEFAULT_BAUD_RATE: u32 = 115_200;

/// How the kiosk talks to the printer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrinterConfig {
    pub baud_rate: u32,
    /// The longest wait for the answer to one status query.
    pub answer_timeout: Duration,
    /// The longest wait for the port to take more bytes.
    pub write_timeout: Duration,
    /// Ask for the paper again after sending a receipt.
    pub check_after_print: bool,
}

impl Default for PrinterConfig {
    fn default() -> Self {
        PrinterConfig {
            baud_rate: DEFAULT_BAUD_RATE,
            answer_timeout: Duration::from_millis(500),
            write_timeout: Duration::from_secs(3),
            check_after_print: true,
        }
    }
}

/// What a successful print left behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrintReport {
    /// The roll is near its end: staff should change it soon.
    pub paper_near_end: bool,
    pub bytes_sent: usize,
}

/// A receipt printer on a serial port.
pub struct Printer {
    port: Box<dyn SerialPort>,
    config: PrinterConfig,
}

impl std::fmt::Debug for Printer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Printer")
            .field("port", &self.port.name())
            .field("config", &self.config)
            .finish()
    }
}

impl Printer {
    /// Opens the printer's port (8N1, no flow control).
    pub fn open(path: impl AsRef<Path>, config: PrinterConfig) -> Result<Printer, PrinterError> {
        let path = path.as_ref();
        let port = crate::serial::open_8n1(
            &path.to_string_lossy(),
            config.baud_rate,
            config.answer_timeout,
        )
        .map_err(|source| PrinterError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(Printer::from_port(port, config))
    }

    /// A printer on a port opened elsewhere.
    pub(crate) fn from_port(port: Box<dyn SerialPort>, config: PrinterConfig) -> Printer {
        Printer { port, config }
    }

    pub fn config(&self) -> &PrinterConfig {
        &self.config
    }

    /// Asks for the paper and the online state.
    pub fn status(&mut self) -> Result<PrinterStatus, PrinterError> {
        let paper = status::parse_paper(self.query(StatusQuery::PaperSensor)?)?;
        let online = status::parse_printer(self.query(StatusQuery::Printer)?)?;
        Ok(PrinterStatus { online, paper })
    }

    /// The status if the printer can print now; paper out comes before offline (a printer
    /// without paper also says it is offline, and paper is what staff must fix).
    pub fn ready(&mut self) -> Result<PrinterStatus, PrinterError> {
        let s = self.status()?;
        if s.paper == Paper::Out {
            return Err(PrinterError::PaperOut);
        }
        if !s.online {
            return Err(PrinterError::Offline);
        }
        Ok(s)
    }

    /// Encodes and prints a receipt (nothing is sent if its text cannot be encoded).
    pub fn print(&mut self, receipt: &Receipt) -> Result<PrintReport, PrinterError> {
        let bytes = receipt.encode()?;
        self.print_bytes(&bytes)
    }

    /// Prints ESC/POS bytes after checking the printer is ready.
    pub(crate) fn print_bytes(&mut self, bytes: &[u8]) -> Result<PrintReport, PrinterError> {
        let before = self.ready()?;
        self.send(bytes)?;
        let mut paper = before.paper;
        if self.config.check_after_print {
            paper = status::parse_paper(self.query(StatusQuery::PaperSensor)?)?;
            if paper == Paper::Out {
                return Err(PrinterError::PaperRanOut);
            }
        }
        Ok(PrintReport {
            paper_near_end: paper == Paper::NearEnd,
            bytes_sent: bytes.len(),
        })
    }

    /// Sends one `DLE EOT n` and waits for its one-byte answer.
    pub fn query(&mut self, q: StatusQuery) -> Result<u8, PrinterError> {
        self.port
            .clear(ClearBuffer::Input)
            .map_err(|e| PrinterError::Port {
                during: "clearing stale input",
                source: e.into(),
            })?;
        self.send(&escpos::status_query(q))?;
        let timeout = self.config.answer_timeout;
        let deadline = Instant::now() + timeout;
        let not_answering = || PrinterError::NotAnswering {
            query: q.code(),
            timeout_ms: timeout.as_millis(),
        };
        let mut byte = [0u8; 1];
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(not_answering());
            }
            self.set_timeout(left)?;
            match self.port.read(&mut byte) {
                Ok(1) => return Ok(byte[0]),
                Ok(_) => {
                    return Err(PrinterError::Port {
                        during: "reading a status answer",
                        source: std::io::Error::new(ErrorKind::UnexpectedEof, "end of stream"),
                    })
                }
                Err(e) if matches!(e.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock) => {
                    return Err(not_answering())
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(source) => {
                    return Err(PrinterError::Port {
                        during: "reading a status answer",
                        source,
                    })
                }
            }
        }
    }

    /// Writes every byte, each wait for the port bounded by the write timeout. (No `flush`:
    /// `tcdrain` has no timeout.)
    fn send(&mut self, bytes: &[u8]) -> Result<(), PrinterError> {
        let timeout = self.config.write_timeout;
        self.set_timeout(timeout)?;
        let mut rest = bytes;
        while !rest.is_empty() {
            match self.port.write(rest) {
                Ok(0) => {
                    return Err(PrinterError::Stalled {
                        timeout_ms: timeout.as_millis(),
                    })
                }
                Ok(n) => rest = &rest[n..],
                Err(e) if matches!(e.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock) => {
                    return Err(PrinterError::Stalled {
                        timeout_ms: timeout.as_millis(),
                    })
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(source) => {
                    return Err(PrinterError::Port {
                        during: "sending data",
                        source,
                    })
                }
            }
        }
        Ok(())
    }

    fn set_timeout(&mut self, t: Duration) -> Result<(), PrinterError> {
        self.port.set_timeout(t).map_err(|e| PrinterError::Port {
            during: "setting the port timeout",
            source: e.into(),
        })
    }
}
