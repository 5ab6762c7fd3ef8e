//! The QR scanner as a USB HID keyboard, read through Linux evdev.
//!
//! [`QrReader::open_hid`] opens the scanner's input device (`/dev/input/eventN`, or its
//! stable name under `/dev/input/by-id/`), takes it for the kiosk alone with `EVIOCGRAB` so
//! a scan never types into the screen or anything else that reads the keyboard, and decodes
//! the key events on the reader thread ([`super::keys`]). The events are those of the serial
//! reader: scans, refused lines, and the loss of the device (unplugged). Closing the device
//! (stopping or dropping the reader) releases the grab.
//!
//! The thread waits on the descriptor with `poll(2)` for at most the reader's poll interval,
//! so a stop is prompt and a scan is read as it arrives (the kernel keeps only a short queue
//! of events per reader; a reader that falls behind gets `SYN_DROPPED`, reported as such).

use std::io::ErrorKind;
use std::os::fd::{AsRawFd, RawFd};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use evdev::raw_stream::RawDevice;
use evdev::KeyCode;

use super::keys::{KeyDecoder, KeyEvent};
use super::reader::{QrConfig, QrEvent, QrReader};
use super::QrError;

/// Where the stable names of input devices are.
pub const BY_ID_DIR: &str = "/dev/input/by-id";

/// Where the scanner is: the configuration's `[devices]` choice, one or the other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QrSource {
    /// A serial port (`/dev/ttyUSB1`), at `QrConfig::baud_rate`.
    Serial { port: String },
    /// An input device: a path, or a name under `/dev/input/by-id/`
    /// (`usb-Newland_…-event-kbd`).
    Hid { device: String },
}

/// The path of a configured HID device: absolute paths as they are, a bare name under
/// [`BY_ID_DIR`].
pub fn hid_device_path(configured: &str) -> PathBuf {
    let p = Path::new(configured);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        Path::new(BY_ID_DIR).join(configured)
    }
}

/// The keyboards under `/dev/input/by-id/` (names ending in `-event-kbd`), sorted: what
/// provisioning offers as HID scanners. Empty when the directory does not exist.
pub fn keyboards_by_id() -> Vec<String> {
    let Ok(dir) = std::fs::read_dir(BY_ID_DIR) else {
        return Vec::new();
    };
    let mut names: Vec<String> = dir
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with("-event-kbd"))
        .collect();
    names.sort();
    names
}

impl QrReader {
    /// Starts reading the scanner wherever `source` says.
    pub fn open_source(source: &QrSource, config: QrConfig) -> Result<QrReader, QrError> {
        match source {
            QrSource::Serial { port } => QrReader::open(port, config),
            QrSource::Hid { device } => QrReader::open_hid(hid_device_path(device), config),
        }
    }

    /// Opens the scanner's input device, grabs it exclusively and starts reading.
    /// `config.baud_rate` does not apply; the line limit, poll and line gap do.
    pub fn open_hid(path: impl AsRef<Path>, config: QrConfig) -> Result<QrReader, QrError> {
        let path = path.as_ref().to_path_buf();
        let mut device = RawDevice::open(&path).map_err(|source| QrError::OpenDevice {
            path: path.clone(),
            source,
        })?;
        let has_enter = device
            .supported_keys()
            .is_some_and(|k| k.contains(KeyCode::KEY_ENTER) || k.contains(KeyCode::KEY_KPENTER));
        if !has_enter {
            return Err(QrError::NotAKeyboard { path });
        }
        device.grab().map_err(|source| QrError::Grab {
            path: path.clone(),
            source,
        })?;
        let name = path.display().to_string();
        QrReader::spawn(move |stop, tx| hid_loop(device, name, config, stop, tx))
    }
}

/// Waits until `fd` is readable (or in error, which the read then reports), at most `timeout`.
#[allow(unsafe_code, reason = "poll(2)")]
fn wait_readable(fd: RawFd, timeout: Duration) -> std::io::Result<bool> {
    let mut pfd = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    let ms = libc::c_int::try_from(timeout.as_millis()).unwrap_or(libc::c_int::MAX);
    // SAFETY: `pfd` is one valid, initialised pollfd that lives across the call, and the
    // count passed is 1.
    let n = unsafe { libc::poll(&mut pfd, 1, ms) };
    if n < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(n > 0)
}

fn hid_loop(
    mut device: RawDevice,
    name: String,
    config: QrConfig,
    stop: Arc<AtomicBool>,
    tx: Sender<QrEvent>,
) {
    let mut decoder = KeyDecoder::new(config.max_line);
    let mut last_event = Instant::now();
    let lost = |source: std::io::Error| {
        log::warn!("QR scanner {name}: {source}");
        QrEvent::PortLost(QrError::PortLost {
            path: name.clone(),
            source,
        })
    };
    while !stop.load(Ordering::Acquire) {
        match wait_readable(device.as_raw_fd(), config.poll) {
            Ok(true) => {}
            Ok(false) => {
                let quiet = last_event.elapsed();
                if decoder.in_line() && quiet >= config.line_gap {
                    if let Some(err) = decoder.abandon(quiet.as_millis()) {
                        if tx.send(QrEvent::Error(err)).is_err() {
                            return;
                        }
                    }
                }
                continue;
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => {
                let _ = tx.send(lost(e));
                return;
            }
        }
        let events: Vec<KeyEvent> = match device.fetch_events() {
            Ok(events) => events
                .map(|e| KeyEvent::new(e.event_type().0, e.code(), e.value()))
                .collect(),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::Interrupted) => {
                continue
            }
            Err(e) => {
                let _ = tx.send(lost(e));
                return;
            }
        };
        last_event = Instant::now();
        for done in decoder.push(&events, SystemTime::now()) {
            let event = match done {
                Ok(scan) => QrEvent::Scan(scan),
                Err(e) => QrEvent::Error(e),
            };
            if tx.send(event).is_err() {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configured_names_resolve_under_by_id() {
        assert_eq!(
            hid_device_path("/dev/input/event7"),
            PathBuf::from("/dev/input/event7")
        );
        assert_eq!(
            hid_device_path("usb-Newland_NLS-FR40-event-kbd"),
            PathBuf::from("/dev/input/by-id/usb-Newland_NLS-FR40-event-kbd")
        );
    }

    #[test]
    fn a_missing_device_is_a_plain_open_error() {
        let err = QrReader::open_hid("/nonexistent/event99", QrConfig::default()).unwrap_err();
        assert!(matches!(err, QrError::OpenDevice { .. }), "{err:?}");
        assert!(err.to_string().contains("/nonexistent/event99"));
    }
}
