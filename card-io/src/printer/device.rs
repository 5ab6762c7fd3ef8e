//! [`Printer`]: a receipt printer on any [`PrinterLink`]: a serial port, the USB printer
//! class, or raw TCP.
//!
//! Before printing it asks `DLE EOT 4` (paper) and `DLE EOT 1` (online) and refuses with
//! [`PrinterError::PaperOut`] / [`PrinterError::Offline`]; a query without an answer within
//! the answer timeout is [`PrinterError::NotAnswering`]. After sending a receipt it asks for
//! the paper again, so a roll that ran out mid-receipt is reported. Every wait is bounded.
//! A USB printer's port status (`LPGETSTATUS`) counts too: paper out or offline there is
//! believed even when the printer's own answers are missing (a one-way USB printer cannot
//! answer at all; its port status is then all there is).

use std::io::{ErrorKind, Read, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use serialport::SerialPort;

use super::escpos;
use super::link::{PrinterLink, PrinterTarget, TcpLink, UsbLpLink};
use super::raster::Rasteriser;
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
    /// Lines printed as raster images.
    pub images: usize,
}

/// A receipt printer.
pub struct Printer {
    port: Box<dyn PrinterLink>,
    config: PrinterConfig,
}

impl std::fmt::Debug for Printer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Printer")
            .field("port", &self.port.describe())
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
    pub fn from_port(port: Box<dyn SerialPort>, config: PrinterConfig) -> Printer {
        Printer::from_link(Box::new(port), config)
    }

    /// A printer on any link.
    pub fn from_link(port: Box<dyn PrinterLink>, config: PrinterConfig) -> Printer {
        Printer { port, config }
    }

    /// Opens a USB printer-class device (`/dev/usb/lp0`).
    pub fn open_usb(
        path: impl AsRef<Path>,
        config: PrinterConfig,
    ) -> Result<Printer, PrinterError> {
        let path = path.as_ref();
        let link = UsbLpLink::open(path).map_err(|source| PrinterError::OpenLink {
            target: path.display().to_string(),
            source,
        })?;
        Ok(Printer::from_link(Box::new(link), config))
    }

    /// Connects to a network printer's raw port (`host:port`, or `host` for 9100), within
    /// the write timeout.
    pub fn connect_tcp(address: &str, config: PrinterConfig) -> Result<Printer, PrinterError> {
        let link = TcpLink::connect(address, config.write_timeout).map_err(|source| {
            PrinterError::OpenLink {
                target: format!("tcp://{address}"),
                source,
            }
        })?;
        Ok(Printer::from_link(Box::new(link), config))
    }

    /// Opens the printer wherever `target` says.
    pub fn open_target(
        target: &PrinterTarget,
        config: PrinterConfig,
    ) -> Result<Printer, PrinterError> {
        match target {
            PrinterTarget::Serial { port } => Printer::open(port, config),
            PrinterTarget::Usb { device } => Printer::open_usb(device, config),
            PrinterTarget::Tcp { address } => Printer::connect_tcp(address, config),
        }
    }

    /// The link, for messages.
    pub fn describe(&self) -> String {
        self.port.describe()
    }

    pub fn config(&self) -> &PrinterConfig {
        &self.config
    }

    /// Asks for the paper and the online state: the printer's DLE EOT answers, and the port
    /// status where the link has one (USB). Trouble in either counts; a one-way printer's
    /// port status stands alone.
    pub fn status(&mut self) -> Result<PrinterStatus, PrinterError> {
        let port = self.port_status()?;
        let answered = self.query_status();
        match (answered, port) {
            (Ok(s), Some(p)) => Ok(PrinterStatus {
                online: s.online && p.online,
                paper: if p.paper == Paper::Out {
                    Paper::Out
                } else {
                    s.paper
                },
            }),
            (Ok(s), None) => Ok(s),
            (Err(PrinterError::OneWay), Some(p)) => Ok(p),
            (Err(e), _) => Err(e),
        }
    }

    /// The port status of the link (USB printer class), parsed; `None` when it has none.
    pub fn port_status(&mut self) -> Result<Option<PrinterStatus>, PrinterError> {
        let byte = self
            .port
            .port_status()
            .map_err(|source| PrinterError::Port {
                during: "reading the port status",
                source,
            })?;
        Ok(byte.map(status::parse_port_status))
    }

    fn query_status(&mut self) -> Result<PrinterStatus, PrinterError> {
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

    /// Encodes and prints a receipt by the text path (nothing is sent if its text cannot be
    /// encoded, or holds characters the printer's font lacks: [`PrinterError::NeedsRaster`]).
    pub fn print(&mut self, receipt: &Receipt) -> Result<PrintReport, PrinterError> {
        self.print_with(receipt, None)
    }

    /// Encodes and prints a receipt, the lines the printer's font lacks as raster images
    /// from `raster` ([`Receipt::encode_with`]); nothing is sent if encoding fails.
    pub fn print_with(
        &mut self,
        receipt: &Receipt,
        raster: Option<&Rasteriser>,
    ) -> Result<PrintReport, PrinterError> {
        let encoded = receipt.encode_with(raster)?;
        let mut report = self.print_bytes(&encoded.bytes)?;
        report.images = encoded.images;
        Ok(report)
    }

    /// Prints ESC/POS bytes after checking the printer is ready.
    pub(crate) fn print_bytes(&mut self, bytes: &[u8]) -> Result<PrintReport, PrinterError> {
        let before = self.ready()?;
        self.send(bytes)?;
        let mut paper = before.paper;
        if self.config.check_after_print {
            paper = self.status()?.paper;
            if paper == Paper::Out {
                return Err(PrinterError::PaperRanOut);
            }
        }
        Ok(PrintReport {
            paper_near_end: paper == Paper::NearEnd,
            bytes_sent: bytes.len(),
            images: 0,
        })
    }

    /// Sends one `DLE EOT n` and waits for its one-byte answer.
    pub fn query(&mut self, q: StatusQuery) -> Result<u8, PrinterError> {
        self.port
            .clear_input()
            .map_err(|source| PrinterError::Port {
                during: "clearing stale input",
                source,
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
                Err(e) if e.kind() == ErrorKind::Unsupported => return Err(PrinterError::OneWay),
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
        self.port
            .set_timeout(t)
            .map_err(|source| PrinterError::Port {
                during: "setting the port timeout",
                source,
            })
    }
}
