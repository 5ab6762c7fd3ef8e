//! The receipt printer: [`ReceiptPrinter`] prints receipts and notices on the printer named
//! in `[devices]` — a serial port, a USB printer-class device or a network printer's raw TCP
//! port, the same ESC/POS and status handling on each (opened on first use, reopened after a
//! failure; a network printer is connected to again), and a watch thread asks its
//! status (DLE EOT) every few seconds so paper out or a silent printer shows before anyone
//! presses "print".
//!
//! A receipt the printer's own font cannot print (Uyghur) goes as raster images, rendered
//! from `[devices] receipt_fonts` (card-io's `printer::raster`): the fonts are loaded at the
//! first such receipt and kept; a missing font fails that receipt with a message saying so
//! (Chinese and English receipts keep printing) and is tried again at the next.

use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;

use card_io::printer::{
    Paper, Printer, PrinterConfig, PrinterError, PrinterTarget, RasterSettings, Rasteriser, Receipt,
};

use super::backoff::Backoff;
use super::board::{Board, Device, State};
use super::link::{DeviceError, Link, Timing};

/// What became of the last print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Printed {
    Ok,
    /// Not printed (or maybe incomplete): the message says why and what to do.
    Failed(String),
}

/// The printer and its port.
pub struct ReceiptPrinter {
    target: PrinterTarget,
    path: String,
    config: PrinterConfig,
    port: Mutex<Port>,
    board: Arc<Board>,
    raster: RasterSettings,
    /// The raster fonts, once loaded.
    fonts: Mutex<Option<Arc<Rasteriser>>>,
}

struct Port {
    printer: Option<Printer>,
    backoff: Backoff,
    last: Option<Printed>,
}

impl std::fmt::Debug for ReceiptPrinter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReceiptPrinter")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// The health a printer error means, with what to do.
pub fn failure(e: &PrinterError) -> (State, String) {
    let m = match e {
        PrinterError::PaperOut | PrinterError::PaperRanOut => {
            "打印机缺纸,请联系工作人员 / the printer is out of paper; please call staff / پرىنتېردا قەغەز يوق، خىزمەتچىنى چاقىرىڭ"
        }
        PrinterError::Offline => {
            "打印机未就绪(盖子打开或故障),请联系工作人员 / the printer is offline (cover open or fault); please call staff / پرىنتېر تەييار ئەمەس (قاپقىقى ئوچۇق ياكى كاشىلا بار)، خىزمەتچىنى چاقىرىڭ"
        }
        PrinterError::Open { .. } | PrinterError::OpenLink { .. } => {
            "打印机未连接,请联系工作人员 / the printer is not connected; please call staff / پرىنتېر ئۇلانمىغان، خىزمەتچىنى چاقىرىڭ"
        }
        PrinterError::Unencodable { .. }
        | PrinterError::ControlCharacter { .. }
        | PrinterError::NoGlyph { .. } => {
            "凭条内容无法打印 / the receipt's text cannot be printed / تالون مەزمۇنىنى بېسىپ چىقارغىلى بولمايدۇ"
        }
        // The printer is fine; the kiosk cannot render this receipt's script.
        PrinterError::Font { .. } | PrinterError::NeedsRaster { .. } | PrinterError::RasterSettings { .. } => {
            return (
                State::Warning,
                "凭条字体缺失,维吾尔文凭条无法打印,请联系工作人员 / the receipt font is missing: Uyghur receipts cannot be printed; please call staff / تالون خەت نۇسخىسى يوق، ئۇيغۇرچە تالوننى بېسىپ چىقارغىلى بولمايدۇ، خىزمەتچىنى چاقىرىڭ".into(),
            )
        }
        _ => "打印机无响应,请联系工作人员 / the printer is not answering; please call staff / پرىنتېر جاۋاب بەرمەيدۇ، خىزمەتچىنى چاقىرىڭ",
    };
    (State::Down, m.into())
}

impl ReceiptPrinter {
    /// The printer at `target`; `baud` applies to a serial one.
    pub fn new(
        target: PrinterTarget,
        baud: u32,
        raster: RasterSettings,
        timing: Timing,
        board: Arc<Board>,
    ) -> ReceiptPrinter {
        ReceiptPrinter {
            path: target.to_string(),
            target,
            config: PrinterConfig {
                baud_rate: baud,
                ..PrinterConfig::default()
            },
            port: Mutex::new(Port {
                printer: None,
                backoff: timing.backoff(),
                last: None,
            }),
            board,
            raster,
            fonts: Mutex::new(None),
        }
    }

    /// The raster fonts: loaded at the first call that succeeds, then kept.
    fn rasteriser(&self) -> Result<Arc<Rasteriser>, PrinterError> {
        let mut fonts = self.fonts.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(r) = fonts.as_ref() {
            return Ok(Arc::clone(r));
        }
        let r = Arc::new(Rasteriser::load(self.raster.clone())?);
        *fonts = Some(Arc::clone(&r));
        Ok(r)
    }

    /// Where the printer is, for messages (`/dev/ttyUSB2`, `tcp://192.0.2.40:9100`).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Where the printer is.
    pub fn target(&self) -> &PrinterTarget {
        &self.target
    }

    fn lock(&self) -> MutexGuard<'_, Port> {
        // A panic while printing leaves at worst a port to reopen.
        self.port.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` on the open printer (opening it first); a port failure closes it.
    fn with_printer<T>(
        &self,
        port: &mut Port,
        force_open: bool,
        f: impl FnOnce(&mut Printer) -> Result<T, PrinterError>,
    ) -> Result<T, PrinterError> {
        if port.printer.is_none() {
            if !force_open && !port.backoff.due() {
                return Err(PrinterError::NotAnswering {
                    query: 1,
                    timeout_ms: 0,
                });
            }
            match Printer::open_target(&self.target, self.config) {
                Ok(p) => port.printer = Some(p),
                Err(e) => {
                    port.backoff.failed();
                    return Err(e);
                }
            }
        }
        let Some(printer) = port.printer.as_mut() else {
            return Err(PrinterError::NotAnswering {
                query: 1,
                timeout_ms: 0,
            });
        };
        let result = f(printer);
        match &result {
            Ok(_) => port.backoff.reset(),
            // The printer answered: the port is fine.
            Err(
                PrinterError::PaperOut
                | PrinterError::PaperRanOut
                | PrinterError::Offline
                | PrinterError::Unencodable { .. }
                | PrinterError::ControlCharacter { .. }
                | PrinterError::NeedsRaster { .. }
                | PrinterError::NoGlyph { .. }
                | PrinterError::Font { .. }
                | PrinterError::RasterSettings { .. },
            ) => port.backoff.reset(),
            Err(_) => {
                port.printer = None;
                port.backoff.failed();
            }
        }
        result
    }

    /// Asks the printer's status; returns what the board should say (`None`: a failed port
    /// is not due to be reopened yet).
    pub fn check(&self) -> Option<(State, String)> {
        let mut port = self.lock();
        if port.printer.is_none() && !port.backoff.due() {
            return None;
        }
        let status = self.with_printer(&mut port, false, |p| p.ready());
        Some(match status {
            Ok(s) if s.paper == Paper::NearEnd => (
                State::Warning,
                "打印纸将用完 / the paper roll is near its end / پرىنتېر قەغىزى تۈگەي دەپ قالدى"
                    .into(),
            ),
            Ok(_) => (State::Ok, String::new()),
            Err(e) => failure(&e),
        })
    }

    /// Prints receipt lines (the first is the title); the outcome is kept for the screen.
    pub fn print_lines(&self, lines: &[String]) -> Result<(), String> {
        let Some((title, rest)) = lines.split_first() else {
            return Ok(());
        };
        let receipt = Receipt::new(title.clone()).text(rest.join("\n"));
        // Raster fonts only for a receipt that needs them.
        let raster = match receipt.needs_raster() {
            None => Ok(None),
            Some(_) => self.rasteriser().map(Some),
        };
        let mut port = self.lock();
        let result = match raster {
            Ok(r) => self.with_printer(&mut port, true, |p| p.print_with(&receipt, r.as_deref())),
            Err(e) => Err(e),
        };
        let (outcome, health) = match &result {
            Ok(report) if report.paper_near_end => (
                Printed::Ok,
                (
                    State::Warning,
                    "打印纸将用完 / the paper roll is near its end / پرىنتېر قەغىزى تۈگەي دەپ قالدى".to_string(),
                ),
            ),
            Ok(_) => (Printed::Ok, (State::Ok, String::new())),
            Err(e) => {
                let (state, message) = failure(e);
                (Printed::Failed(message.clone()), (state, message))
            }
        };
        port.last = Some(outcome.clone());
        drop(port);
        self.board.report(Device::Printer, health.0, health.1);
        if outcome == Printed::Ok {
            self.board.count_event(Device::Printer);
        }
        result.map(|_| ()).map_err(|e| e.to_string())
    }

    /// Whether the port is open now.
    pub fn is_open(&self) -> bool {
        self.lock().printer.is_some()
    }

    /// The outcome of the last print, taken (the next call answers `None` until another).
    pub fn take_outcome(&self) -> Option<Printed> {
        self.lock().last.take()
    }
}

/// Starts the status watch; it ends when the device threads stop.
pub fn spawn_watch(
    link: Link,
    printer: Arc<ReceiptPrinter>,
    timing: Timing,
) -> Result<JoinHandle<()>, DeviceError> {
    std::thread::Builder::new()
        .name("printer".into())
        .spawn(move || loop {
            if let Some((state, message)) = printer.check() {
                link.report(Device::Printer, state, message);
            }
            let wait = if printer.is_open() {
                timing.heartbeat
            } else {
                timing.backoff_first
            };
            if !link.nap(wait) {
                return;
            }
        })
        .map_err(|source| DeviceError::Thread {
            device: Device::Printer,
            source,
        })
}
