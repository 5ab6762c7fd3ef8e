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
//! - [`link`]: what every device thread is connected to ([`Link`]: the [`Session`] and the
//!   [`Board`]), what it tells ([`DeviceEvent`]), its [`Timing`] and [`DeviceError`].
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
pub mod link;
pub mod printer;
pub mod qr;
pub mod registry;
pub mod slot;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

pub use backoff::Backoff;
pub use board::{Board, Device, Health, State};
pub use link::{DeviceError, DeviceEvent, Link, Session, Timing};

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
    /// Asks the agency's registry whether it answers (a kiosk with `[agency]`).
    pub registry: Option<registry::Probe>,
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
    if let Some(probe) = parts.registry {
        threads.handles.push(registry::spawn(
            link.clone(),
            probe,
            registry::Every::default(),
        )?);
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
