//! The kiosk's peripherals in `kiosk serve`: one thread per device, each reporting its
//! health on the [`Board`] and telling the session actor what it read.
//!
//! - [`card_reader`]: the social security card reader, watched by `card_io::watcher`
//!   (insertions, removals, the reader or its service gone).
//! - [`id_module`]: the GA 467 ID card module by serial path: find → select → read while a
//!   screen waits for an ID card, a cheap status check otherwise.
//! - [`qr`]: the e-card QR scanner's reader thread: scans go to the session.
//! - [`printer`]: the receipt printer: receipts and notices, a status check every few seconds.
//! - [`camera`]: the camera on a thread of its own (photos and the live preview).
//! - [`slot`]: which of the readers is the citizen's card reader.
//!
//! A device that fails (port gone, garbled frames, silence) is reported down with what to do
//! and reopened with [`Backoff`]; a device whose port is empty in `[devices]` is absent. The
//! same threads run on real hardware and, in `--sim`, on hw-sim's pseudo-terminals and its
//! in-process card readers. They stop when their [`Threads`] is dropped.

pub mod backoff;
pub mod board;
pub mod camera;
pub mod card_reader;
pub mod id_module;
pub mod printer;
pub mod qr;
pub mod slot;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

pub use backoff::Backoff;
pub use board::{Board, Device, Health, State};

use kiosk_core::rules::Material;

/// Failures starting the device threads.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeviceError {
    #[error("cannot start the {device:?} thread: {source}")]
    Thread {
        device: Device,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot start the camera thread: {0}")]
    CameraThread(#[source] std::io::Error),
}

/// How long a device thread waits between looks at a healthy device, and the backoff of a
/// failed one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// Between find attempts while a screen waits for an ID card.
    pub id_poll: Duration,
    /// Between status checks of an idle device.
    pub heartbeat: Duration,
    /// First and longest wait before reopening a failed device.
    pub backoff_first: Duration,
    pub backoff_max: Duration,
}

impl Default for Timing {
    fn default() -> Timing {
        Timing {
            id_poll: Duration::from_millis(100),
            heartbeat: Duration::from_secs(2),
            backoff_first: Duration::from_millis(500),
            backoff_max: Duration::from_secs(5),
        }
    }
}

impl Timing {
    pub fn backoff(&self) -> Backoff {
        Backoff::new(self.backoff_first, self.backoff_max)
    }
}

/// What a device thread tells the citizen's session.
#[derive(Debug)]
pub enum DeviceEvent {
    /// A card went into the citizen's card reader.
    CardInserted,
    /// The card left the reader (or the reader left with it).
    CardRemoved,
    /// The ID card module read a card (counted on the board once the session took it).
    IdCard(Box<card_io::idcard::text::IdText>),
    /// The QR scanner read a code (counted on the board once the session took it).
    Qr(String),
    /// A device input the waiting screen must explain ("中文 / English / ئۇيغۇرچە"): an ID
    /// card that could not be read, a code that could not be decoded.
    InputProblem(String),
    /// A device's health changed on the board: the status line follows.
    Health,
}

/// The citizen's session as the device threads see it (the session actor implements it).
pub trait Session: Send + Sync {
    /// Tells the session about `event`; returns at once.
    fn tell(&self, event: DeviceEvent);
    /// Tells the session about `event` and returns once it was handled and the screen
    /// published; false when the session is gone. Blocks the calling thread.
    fn tell_and_wait(&self, event: DeviceEvent) -> bool;
    /// The case id when a screen waits for one of `materials`.
    fn waiting_for(&self, materials: &[Material]) -> Option<String>;
}

/// What a device thread is connected to: the session, the health board, and the flag that
/// stops it.
#[derive(Clone)]
pub struct Link {
    pub session: Arc<dyn Session>,
    pub board: Arc<Board>,
    stop: Arc<AtomicBool>,
}

impl std::fmt::Debug for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Link")
            .field("stopping", &self.stopping())
            .finish_non_exhaustive()
    }
}

impl Link {
    pub fn new(session: Arc<dyn Session>, board: Arc<Board>) -> Link {
        Link {
            session,
            board,
            stop: Arc::new(AtomicBool::new(false)),
        }
    }

    /// True once the threads are to stop.
    pub fn stopping(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Records a device's health; when it changed, the actor puts it on the status line and
    /// the screens follow.
    pub fn report(&self, device: Device, state: State, message: impl Into<String>) {
        if self.board.report(device, state, message) {
            self.session.tell(DeviceEvent::Health);
        }
    }

    /// Sleeps `total` in short steps, returning early (false) once the threads are to stop.
    pub fn nap(&self, total: Duration) -> bool {
        let step = Duration::from_millis(50);
        let mut left = total;
        loop {
            if self.stopping() {
                return false;
            }
            if left.is_zero() {
                return true;
            }
            let d = left.min(step);
            std::thread::sleep(d);
            left -= d;
        }
    }
}

/// The running device threads; dropping it stops them and waits for them to end.
#[derive(Debug, Default)]
pub struct Threads {
    handles: Vec<JoinHandle<()>>,
    watcher: Option<card_io::watcher::ReaderWatcher>,
    stop: Option<Arc<AtomicBool>>,
}

impl Threads {
    /// How many device threads run (the card reader's watcher included).
    pub fn count(&self) -> usize {
        self.handles.len() + usize::from(self.watcher.is_some())
    }
}

impl Drop for Threads {
    fn drop(&mut self) {
        if let Some(stop) = &self.stop {
            stop.store(true, Ordering::SeqCst);
        }
        if let Some(w) = self.watcher.take() {
            w.stop();
        }
        for h in self.handles.drain(..) {
            let _ = h.join();
        }
    }
}

/// What the device threads need besides their [`Link`].
pub struct Parts<'a> {
    pub devices: &'a firmware_config::Devices,
    pub readers: Arc<dyn card_io::transport::ReaderProvider>,
    pub slot: slot::CardSlot,
    pub printer: Option<Arc<printer::ReceiptPrinter>>,
}

/// Starts the card reader's watcher and a thread for each configured serial device.
pub fn start(link: &Link, parts: Parts<'_>, timing: Timing) -> Result<Threads, DeviceError> {
    let mut threads = Threads {
        handles: Vec::new(),
        watcher: None,
        stop: Some(link.stop.clone()),
    };
    threads.watcher = Some(card_reader::spawn(link, parts.readers, parts.slot)?);
    let d = parts.devices;
    if let Some(path) = port(&d.id_module_port) {
        threads.handles.push(id_module::spawn(
            link.clone(),
            id_module::Settings::new(path, d.id_module_baud),
            timing,
        )?);
    }
    if let Some(path) = port(&d.qr_port) {
        threads
            .handles
            .push(qr::spawn(link.clone(), path, d.qr_baud, timing)?);
    }
    if let Some(p) = parts.printer {
        threads
            .handles
            .push(printer::spawn_watch(link.clone(), p, timing)?);
    }
    Ok(threads)
}

/// A configured port: `None` when empty (no such device).
pub fn port(configured: &str) -> Option<String> {
    let p = configured.trim();
    (!p.is_empty()).then(|| p.to_string())
}

/// Declares every device on `board` from the configuration.
pub fn declare(board: &Board, devices: &firmware_config::Devices) {
    board.declare(Device::CardReader, Some(devices.card_reader.clone()));
    board.declare(Device::IdModule, port(&devices.id_module_port));
    board.declare(Device::QrScanner, port(&devices.qr_port));
    board.declare(Device::Printer, port(&devices.printer_port));
}

/// Every device's health.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct DeviceHealth {
    pub devices: Vec<Health>,
}
