//! The kiosk's peripherals in `kiosk serve`: one thread per device, each reporting its
//! health on the [`Board`] and feeding what it reads into the [`Core`](super::state::Core).
//!
//! - [`card_reader`]: the social security card reader (PC/SC): insertions and removals.
//! - [`id_module`]: the GA 467 ID card module by serial path: find → select → read while a
//!   screen waits for an ID card, a cheap status check otherwise.
//! - [`qr`]: the e-card QR scanner's reader thread: scans become `Core::qr_scanned`.
//! - [`printer`]: the receipt printer: receipts and notices, a status check every few seconds.
//!
//! A device that fails (port gone, garbled frames, silence) is reported down with what to do
//! and reopened with [`Backoff`]; a device whose port is empty in `[devices]` is absent. The
//! same threads run on real hardware and, in `--sim`, on hw-sim's pseudo-terminals.

pub mod backoff;
pub mod board;
pub mod card_reader;
pub mod id_module;
pub mod printer;
pub mod qr;

use std::sync::{Arc, Weak};
use std::thread::JoinHandle;
use std::time::Duration;

use axum::extract::State as AxState;
use axum::Json;

pub use backoff::Backoff;
pub use board::{Board, Device, Health, State};

use super::Shared;

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

/// The running device threads. They end by themselves once the kiosk is dropped.
#[derive(Debug, Default)]
pub struct Threads {
    pub handles: Vec<JoinHandle<()>>,
}

/// Starts a thread for each configured serial device (the card reader's watcher is started
/// by [`card_reader::spawn`]).
pub fn start(shared: &Arc<Shared>, timing: Timing) -> Result<Threads, DeviceError> {
    let (id, qr) = {
        let core = shared.core.lock().unwrap_or_else(|p| p.into_inner());
        let d = &core.config.devices;
        (
            port(&d.id_module_port).map(|p| (p, d.id_module_baud)),
            port(&d.qr_port).map(|p| (p, d.qr_baud)),
        )
    };
    let mut threads = Threads::default();
    if let Some((path, baud)) = id {
        threads.handles.push(id_module::spawn(
            Arc::downgrade(shared),
            id_module::Settings::new(path, baud),
            timing,
        )?);
    }
    if let Some((path, baud)) = qr {
        threads
            .handles
            .push(qr::spawn(Arc::downgrade(shared), path, baud, timing)?);
    }
    let printer = shared
        .core
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .receipt_printer
        .clone();
    if let Some(p) = printer {
        threads
            .handles
            .push(printer::spawn_watch(Arc::downgrade(shared), p, timing)?);
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

/// Records a device's health; when it changed, the status line and the screens follow.
pub(crate) fn report(shared: &Shared, device: Device, state: State, message: impl Into<String>) {
    let board = {
        let core = shared.core.lock().unwrap_or_else(|p| p.into_inner());
        core.devices.clone()
    };
    if !board.report(device, state, message) {
        return;
    }
    let in_session = {
        let mut core = shared.core.lock().unwrap_or_else(|p| p.into_inner());
        core.refresh_device_message();
        core.live.is_some()
    };
    shared.notify("device");
    // A screen waiting on a device shows its state: reload it.
    if in_session {
        shared.notify("session");
    }
}

/// Sleeps `total` in short steps, returning early (false) once the kiosk is gone.
pub(crate) fn nap(weak: &Weak<Shared>, total: Duration) -> bool {
    let step = Duration::from_millis(50);
    let mut left = total;
    loop {
        if weak.strong_count() == 0 {
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

/// Every device's health.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct DeviceHealth {
    pub devices: Vec<Health>,
}

/// Every device's state, message, port and input count.
#[utoipa::path(
    get,
    path = "/api/devices/health",
    tag = "kiosk",
    responses(
        (status = 200, description = "Each peripheral as its thread last saw it", body = DeviceHealth),
    )
)]
pub async fn health(AxState(s): AxState<Arc<Shared>>) -> Json<DeviceHealth> {
    let board = {
        let core = s.core.lock().unwrap_or_else(|p| p.into_inner());
        core.devices.clone()
    };
    Json(DeviceHealth {
        devices: board.all(),
    })
}
