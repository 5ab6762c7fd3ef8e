//! The e-card QR scanner's thread: card-io's reader thread on the scanner's serial path or,
//! for a scanner in USB HID keyboard mode, on its evdev input device grabbed for the kiosk
//! alone (the same scans, the same events); each scan goes to the session, the thread
//! waiting until the session has taken it. A lost port is reported down and reopened with
//! backoff.
//! (A scanner is silent until something is scanned, so silence is not a failure.)

use std::thread::JoinHandle;
use std::time::Duration;

use card_io::qr::{QrConfig, QrEvent, QrReader, QrSource};

use super::board::{Device, State};
use super::link::{DeviceError, DeviceEvent, Link, Timing};

/// How long one wait for a scanner event lasts (the thread looks at the kiosk in between).
const EVENT_WAIT: Duration = Duration::from_millis(200);

/// Starts the thread; it ends when the device threads stop.
pub fn spawn(
    link: Link,
    source: QrSource,
    baud: u32,
    timing: Timing,
) -> Result<JoinHandle<()>, DeviceError> {
    let config = QrConfig {
        baud_rate: baud,
        ..QrConfig::default()
    };
    std::thread::Builder::new()
        .name("qr-scanner".into())
        .spawn(move || run(&link, &source, config, timing))
        .map_err(|source| DeviceError::Thread {
            device: Device::QrScanner,
            source,
        })
}

fn run(link: &Link, source: &QrSource, config: QrConfig, timing: Timing) {
    let path = qr_name(source);
    let mut backoff = timing.backoff();
    let mut reader: Option<QrReader> = None;
    loop {
        let wait = match reader.as_ref() {
            None if !backoff.due() => backoff.wait().min(EVENT_WAIT),
            None => {
                match QrReader::open_source(source, config) {
                    Ok(r) => {
                        reader = Some(r);
                        backoff.reset();
                        link.report(Device::QrScanner, State::Ok, "");
                    }
                    Err(e) => {
                        log::warn!("QR scanner: {e}");
                        backoff.failed();
                        link.report(
                            Device::QrScanner,
                            State::Down,
                            format!("扫码器未连接(无法打开 {path}),请联系工作人员 / QR scanner not connected (cannot open {path}); please call staff"),
                        );
                    }
                }
                Duration::ZERO
            }
            Some(r) => {
                let event = r.next_event(EVENT_WAIT);
                let lost = match event {
                    Some(QrEvent::Scan(scan)) => {
                        link.session.tell_and_wait(DeviceEvent::Qr(scan.payload));
                        false
                    }
                    Some(QrEvent::Error(e)) => {
                        log::info!("QR scanner: {e}");
                        link.session.tell_and_wait(DeviceEvent::InputProblem(
                            "未能识别二维码,请重新扫码 / the code could not be read: scan it again / ئىككى ئۆلچەملىك كودنى تونۇغىلى بولمىدى، قايتا سىكانىرلاڭ"
                                .into(),
                        ));
                        false
                    }
                    Some(QrEvent::PortLost(e)) => {
                        log::warn!("QR scanner: {e}");
                        true
                    }
                    None => !r.is_running(),
                };
                if lost {
                    reader = None;
                    backoff.failed();
                    link.report(
                        Device::QrScanner,
                        State::Down,
                        "扫码器连接中断,请联系工作人员 / QR scanner disconnected; please call staff",
                    );
                }
                Duration::ZERO
            }
        };
        if !link.nap(wait) {
            return;
        }
    }
}

/// How the board names a QR scanner's source.
pub fn qr_name(source: &QrSource) -> String {
    match source {
        QrSource::Serial { port } => port.clone(),
        QrSource::Hid { device } => {
            format!("{} (HID)", card_io::qr::hid_device_path(device).display())
        }
    }
}
