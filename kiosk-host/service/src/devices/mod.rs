//! The kiosk's peripherals in `kiosk serve`: one thread per device, each reporting its
//! health on the [`Board`] and telling the session actor what it read.
//!
//! - [`card_reader`]: the social security card reader, watched by `card_io::watcher`
//!   (insertions, removals, the reader or its service gone).
//! - [`id_module`]: the GA 467 ID card module by serial path: find → select → read while a
//!   screen waits for an ID card, a cheap status check otherwise.
//! - [`qr`]: the e-card QR scanner's reader thread (a serial port, or a USB HID keyboard
//!   grabbed through evdev: [`qr_source`]): scans go to the session.
//! - [`printer`]: the receipt printer (serial, USB printer class or raw TCP:
//!   [`printer_target`]): receipts and notices, a status check every few seconds.
//! - [`camera`]: the camera on a thread of its own (photos and the live preview).
//! - [`slot`]: which of the readers is the citizen's card reader.
//! - [`link`]: what every device thread is connected to ([`Link`]: the [`Session`] and the
//!   [`Board`]), what it tells ([`DeviceEvent`]), its [`Timing`] and [`DeviceError`].
//!
//! A device that fails (port gone, garbled frames, silence) is reported down with what to do
//! and reopened with [`Backoff`]; a device whose port (and HID device, USB device, network
//! address) is empty in `[devices]` is absent. The
//! same threads run on real hardware and, in `--sim`, on hw-sim's pseudo-terminals and its
//! in-process card readers. They stop when their [`Threads`] is dropped.

pub mod backoff;
pub mod board;
pub mod camera;
pub mod card_reader;
pub mod heartbeat;
pub mod id_module;
pub mod link;
pub mod printer;
pub mod qr;
pub use qr::qr_name;
pub mod registry;
pub mod slot;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

use card_io::printer::PrinterTarget;
use card_io::qr::QrSource;

pub use backoff::Backoff;
pub use board::{Board, Device, Health, State};
pub use heartbeat::Heartbeats;
pub use link::{DeviceError, DeviceEvent, IdCardData, Link, Session, Timing};

/// The running device threads; dropping it stops them and waits for them to end.
#[derive(Debug, Default)]
pub struct Threads {
    handles: Vec<JoinHandle<()>>,
    watcher: Option<card_io::watcher::ReaderWatcher>,
    stop: Option<Arc<AtomicBool>>,
    beats: Arc<Heartbeats>,
}

impl Threads {
    /// How many device threads run (the card reader's watcher included).
    pub fn count(&self) -> usize {
        self.handles.len() + usize::from(self.watcher.is_some())
    }

    /// The heartbeats of the device threads that loop here (every one but the card reader's
    /// watcher, which card-io runs): what the watchdog reads.
    pub fn heartbeats(&self) -> Arc<Heartbeats> {
        self.beats.clone()
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

/// The licensed WLT decoder `[devices] wlt_decoder` names, loaded; `None` without one, or
/// when it does not load (said in the log: the identity step then uses the registry's photo).
fn wlt_decoder(d: &firmware_config::Devices) -> Option<id_module::PhotoDecoder> {
    let path = d.wlt_decoder.as_deref()?;
    match card_io::idcard::LibraryDecoder::open(std::path::Path::new(path)) {
        Ok(decoder) => {
            log::info!("[devices] wlt_decoder {path}: loaded");
            Some(std::sync::Arc::new(decoder))
        }
        Err(e) => {
            log::error!(
                "[devices] wlt_decoder {path}: {e}; ID card photos stay undecoded and the identity step uses the registry's photo"
            );
            None
        }
    }
}

/// Starts the card reader's watcher and a thread for each configured serial device.
pub fn start(link: &Link, parts: Parts<'_>, timing: Timing) -> Result<Threads, DeviceError> {
    let mut threads = Threads {
        handles: Vec::new(),
        watcher: None,
        stop: Some(link.stop.clone()),
        beats: link.beats.clone(),
    };
    threads.watcher = Some(card_reader::spawn(link, parts.readers, parts.slot)?);
    let d = parts.devices;
    if let Some(path) = port(&d.id_module_port) {
        threads.handles.push(id_module::spawn(
            link.clone(),
            id_module::Settings::new(path, d.id_module_baud, wlt_decoder(d)),
            timing,
        )?);
    }
    if let Some(source) = qr_source(d) {
        threads
            .handles
            .push(qr::spawn(link.clone(), source, d.qr_baud, timing)?);
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
    for h in &threads.handles {
        if let Some(name) = h.thread().name() {
            link.beats.register(name);
        }
    }
    Ok(threads)
}

/// A configured port: `None` when empty (no such device).
pub fn port(configured: &str) -> Option<String> {
    let p = configured.trim();
    (!p.is_empty()).then(|| p.to_string())
}

/// Where `[devices]` says the QR scanner is: a HID keyboard (`qr_hid_device`) or a serial
/// port (`qr_port`); `None`: the kiosk has none. (The configuration's checks refuse both.)
pub fn qr_source(d: &firmware_config::Devices) -> Option<QrSource> {
    match (port(&d.qr_hid_device), port(&d.qr_port)) {
        (Some(device), _) => Some(QrSource::Hid { device }),
        (None, Some(port)) => Some(QrSource::Serial { port }),
        (None, None) => None,
    }
}

/// Where `[devices]` says the receipt printer is: on the network (`printer_tcp`), on the USB
/// printer class (`printer_usb`) or on a serial port (`printer_port`); `None`: the kiosk has
/// none. (The configuration's checks refuse more than one.)
pub fn printer_target(d: &firmware_config::Devices) -> Option<PrinterTarget> {
    if let Some(address) = port(&d.printer_tcp) {
        return Some(PrinterTarget::Tcp { address });
    }
    if let Some(device) = port(&d.printer_usb) {
        return Some(PrinterTarget::Usb { device });
    }
    port(&d.printer_port).map(|port| PrinterTarget::Serial { port })
}

/// issue 22: how receipt text the printer's font lacks (Uyghur) is rasterised: `[devices]`
/// `receipt_fonts` and `printer_dots`, the body text at the printer's own 24-dot height.
pub fn raster_settings(d: &firmware_config::Devices) -> card_io::printer::RasterSettings {
    card_io::printer::RasterSettings {
        fonts: d.receipt_fonts.clone(),
        paper_dots: d.printer_dots,
        ..card_io::printer::RasterSettings::default()
    }
}

/// Declares every device on `board` from the configuration.
pub fn declare(board: &Board, devices: &firmware_config::Devices) {
    board.declare(Device::CardReader, Some(devices.card_reader.clone()));
    board.declare(Device::IdModule, port(&devices.id_module_port));
    board.declare(Device::QrScanner, qr_source(devices).as_ref().map(qr_name));
    board.declare(
        Device::Printer,
        printer_target(devices).map(|t| t.to_string()),
    );
}

/// Every device's health.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct DeviceHealth {
    pub devices: Vec<Health>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_configuration_names_one_scanner_and_one_printer_of_each_kind() {
        let mut d = firmware_config::Devices::default();
        assert_eq!(
            qr_source(&d),
            Some(QrSource::Serial {
                port: "/dev/ttyUSB1".into()
            })
        );
        assert_eq!(
            printer_target(&d),
            Some(PrinterTarget::Serial {
                port: "/dev/ttyUSB2".into()
            })
        );
        d.qr_port = String::new();
        d.qr_hid_device = "usb-Newland_NLS-FR40-event-kbd".into();
        let hid = qr_source(&d).expect("a HID scanner");
        assert_eq!(
            qr_name(&hid),
            "/dev/input/by-id/usb-Newland_NLS-FR40-event-kbd (HID)"
        );
        d.printer_port = String::new();
        d.printer_usb = "/dev/usb/lp0".into();
        assert_eq!(
            printer_target(&d),
            Some(PrinterTarget::Usb {
                device: "/dev/usb/lp0".into()
            })
        );
        d.printer_usb = String::new();
        d.printer_tcp = " 192.0.2.40:9100 ".into();
        assert_eq!(
            printer_target(&d).map(|t| t.to_string()),
            Some("tcp://192.0.2.40:9100".into())
        );
        d.printer_tcp = String::new();
        d.qr_hid_device = String::new();
        assert_eq!(printer_target(&d), None);
        assert_eq!(qr_source(&d), None);
        let board = Board::default();
        declare(&board, &d);
        assert_eq!(board.state(Device::Printer), Some(State::Absent));
    }
}
