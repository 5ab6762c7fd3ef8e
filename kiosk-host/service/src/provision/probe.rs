//! The probes: PC/SC readers asked which card they hold, serial ports asked the GA 467 and
//! ESC/POS status questions, cameras asked for one frame; the findings collected with progress.

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use card_io::camera::image::RgbImage;
use card_io::camera::{CameraError, Resolution};
use card_io::idcard::{self, ReaderConfig, ReaderError};
use card_io::printer::status::{parse_paper, parse_printer};
use card_io::printer::{
    Paper, Printer, PrinterConfig, PrinterError, PrinterStatus, PrinterTarget, StatusQuery,
};
use card_io::sam::psam;
use card_io::sscard::SsCard;
use card_io::transport::{Disposition, ReaderProvider};

use super::*;

/// The serial-port probes: what `provision` and `selftest` ask a port.
pub trait SerialProbe {
    /// GA 467 module status (`11 FF`) on `port` at `baud`.
    fn id_module_status(
        &self,
        port: &str,
        baud: u32,
        timeout: Duration,
        attempts: u8,
    ) -> Result<(), ReaderError>;
    /// ESC/POS `DLE EOT 1` (online) then `DLE EOT 4` (paper) on `port` at `baud`.
    fn printer_status(
        &self,
        port: &str,
        baud: u32,
        timeout: Duration,
    ) -> Result<PrinterStatus, PrinterError>;
    /// Opens `port` at `baud` (8N1) and closes it again.
    fn opens(&self, port: &str, baud: u32) -> Result<(), PortError>;
    /// The status (DLE EOT, and the port status of a USB one) of a printer on the USB
    /// printer class or the network.
    fn link_printer_status(
        &self,
        target: &card_io::printer::PrinterTarget,
        timeout: Duration,
    ) -> Result<PrinterStatus, PrinterError> {
        let config = PrinterConfig {
            answer_timeout: timeout,
            write_timeout: timeout.max(Duration::from_secs(1)),
            ..PrinterConfig::default()
        };
        Printer::open_target(target, config)?.status()
    }
}

/// The machine's serial ports, through card-io.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemSerial;

impl SerialProbe for SystemSerial {
    fn id_module_status(
        &self,
        port: &str,
        baud: u32,
        timeout: Duration,
        attempts: u8,
    ) -> Result<(), ReaderError> {
        let config = ReaderConfig {
            baud,
            module_timeout: timeout,
            attempts: attempts.max(1),
            ..ReaderConfig::default()
        };
        idcard::open_with(port, config)?.module_status()
    }

    fn printer_status(
        &self,
        port: &str,
        baud: u32,
        timeout: Duration,
    ) -> Result<PrinterStatus, PrinterError> {
        let config = PrinterConfig {
            baud_rate: baud,
            answer_timeout: timeout,
            ..PrinterConfig::default()
        };
        let mut printer = Printer::open(port, config)?;
        let online = parse_printer(printer.query(StatusQuery::Printer)?)?;
        let paper = parse_paper(printer.query(StatusQuery::PaperSensor)?)?;
        Ok(PrinterStatus { online, paper })
    }

    fn opens(&self, port: &str, baud: u32) -> Result<(), PortError> {
        card_io::serial::open_8n1(port, baud, PROBE_TIMEOUT)
            .map(drop)
            .map_err(|e| PortError {
                path: port.to_string(),
                source: Box::new(e),
            })
    }
}

/// Camera devices and one frame from them.
pub trait Cameras {
    /// The camera devices present (`/dev/video*`).
    fn list(&self) -> Vec<String>;
    /// One frame from `device` in the mode `resolution`.
    fn grab(&self, device: &str, resolution: Resolution) -> Result<RgbImage, CameraError>;
}

/// The V4L2 cameras of this machine, or `None` when this build has no camera backend.
pub fn system_cameras() -> Option<Box<dyn Cameras>> {
    v4l_cameras::cameras()
}

/// Cameras through V4L2 with the `camera-v4l` feature; none without it.
mod v4l_cameras {
    use super::Cameras;

    #[cfg(not(feature = "camera-v4l"))]
    pub fn cameras() -> Option<Box<dyn Cameras>> {
        None
    }

    #[cfg(feature = "camera-v4l")]
    pub fn cameras() -> Option<Box<dyn Cameras>> {
        Some(Box::new(V4l))
    }

    #[cfg(feature = "camera-v4l")]
    struct V4l;

    #[cfg(feature = "camera-v4l")]
    impl Cameras for V4l {
        fn list(&self) -> Vec<String> {
            super::expand_port_globs(&["/dev/video*".to_string()])
        }

        fn grab(
            &self,
            device: &str,
            resolution: card_io::camera::Resolution,
        ) -> Result<card_io::camera::image::RgbImage, card_io::camera::CameraError> {
            use card_io::camera::FrameSource;
            let index = device
                .strip_prefix("/dev/video")
                .and_then(|n| n.parse::<u32>().ok())
                .ok_or_else(|| card_io::camera::CameraError::Open {
                    device: device.to_string(),
                    reason: "not a /dev/videoN device".into(),
                })?;
            card_io::camera::V4lCamera::open(index, resolution)?.frame()
        }
    }
}

/// Progress lines (`probing /dev/ttyUSB0 for the ID module… no answer (300 ms)`): the start
/// of a line is written and flushed before the probe, its end after. Write errors are
/// ignored: progress is a courtesy.
pub(crate) struct Progress<'a> {
    out: &'a mut dyn Write,
    started: Instant,
}

impl<'a> Progress<'a> {
    fn new(out: &'a mut dyn Write) -> Progress<'a> {
        Progress {
            out,
            started: Instant::now(),
        }
    }

    fn start(&mut self, what: &str) {
        let _ = write!(self.out, "probing {what}… ");
        let _ = self.out.flush();
        self.started = Instant::now();
    }

    fn done(&mut self, outcome: &str) {
        let ms = self.started.elapsed().as_millis();
        let _ = writeln!(self.out, "{outcome} ({ms} ms)");
        let _ = self.out.flush();
    }

    fn line(&mut self, text: &str) {
        let _ = writeln!(self.out, "{text}");
        let _ = self.out.flush();
    }
}

pub(crate) fn identify_reader(provider: &dyn ReaderProvider, name: &str) -> CardKind {
    let mut conn = match provider.connect(name) {
        Ok(c) => c,
        Err(e) => return CardKind::Unreadable(e.to_string()),
    };
    let kind = match conn.session(None) {
        Ok(mut s) => {
            if SsCard::select(&mut *s).is_ok() {
                CardKind::SocialSecurityCard
            } else {
                match psam::probe(&mut *s) {
                    Ok(true) => CardKind::Psam,
                    Ok(false) => CardKind::UnknownCard,
                    Err(e) => CardKind::Unreadable(e.to_string()),
                }
            }
        }
        Err(e) => CardKind::Unreadable(e.to_string()),
    };
    if let Err(e) = conn.disconnect(Disposition::Leave) {
        log::debug!("disconnect from {name:?}: {e}");
    }
    kind
}

pub(crate) fn describe_error(e: &ReaderError) -> String {
    match e {
        ReaderError::Timeout { .. } => "no answer".into(),
        other => other.to_string(),
    }
}

pub(crate) fn probe_port(
    path: &str,
    serial: &dyn SerialProbe,
    timeout: Duration,
    progress: &mut Progress<'_>,
) -> PortKind {
    progress.start(&format!(
        "{path} for the ID module ({ID_MODULE_BAUD} baud, 11 FF)"
    ));
    match serial.id_module_status(path, ID_MODULE_BAUD, timeout, 1) {
        Ok(()) => {
            progress.done("GA 467 module ready");
            return PortKind::IdModule {
                baud: ID_MODULE_BAUD,
            };
        }
        Err(ReaderError::Status { sw, .. }) => {
            progress.done(&format!(
                "GA 467 module, status {} (not ready)",
                hex::encode_upper(sw)
            ));
            return PortKind::IdModule {
                baud: ID_MODULE_BAUD,
            };
        }
        Err(e @ ReaderError::Open { .. }) => {
            progress.done("cannot open");
            return PortKind::CannotOpen {
                reason: e.to_string(),
            };
        }
        Err(e) => progress.done(&describe_error(&e)),
    }
    for baud in PRINTER_BAUDS {
        progress.start(&format!("{path} for a printer ({baud} baud, 10 04 01)"));
        match serial.printer_status(path, baud, timeout) {
            Ok(status) => {
                let paper = paper_name(status.paper);
                progress.done(&format!(
                    "ESC/POS printer, {}, paper {paper}",
                    if status.online { "online" } else { "offline" }
                ));
                return PortKind::Printer {
                    baud,
                    online: status.online,
                    paper: paper.into(),
                };
            }
            Err(PrinterError::NotAnswering { .. }) => progress.done("no answer"),
            Err(e @ PrinterError::Open { .. }) => {
                progress.done("cannot open");
                return PortKind::CannotOpen {
                    reason: e.to_string(),
                };
            }
            Err(e) => progress.done(&e.to_string()),
        }
    }
    PortKind::Silent
}

pub(crate) fn paper_name(p: Paper) -> &'static str {
    match p {
        Paper::Ok => "ok",
        Paper::NearEnd => "near end",
        Paper::Out => "out",
    }
}

/// Probes readers, serial ports and cameras, reporting progress on `progress`.
pub fn probe(
    options: &ProbeOptions,
    readers: &dyn ReaderProvider,
    serial: &dyn SerialProbe,
    cameras: Option<&dyn Cameras>,
    progress: &mut dyn Write,
) -> Findings {
    let mut progress = Progress::new(progress);

    progress.start("PC/SC readers");
    let (listed, reader_error) = match readers.list_readers() {
        Ok(r) => {
            progress.done(&format!("{} reader(s)", r.len()));
            (r, None)
        }
        Err(e) => {
            progress.done(&e.to_string());
            (Vec::new(), Some(e.to_string()))
        }
    };
    let mut reader_findings = Vec::new();
    for r in listed {
        progress.start(&format!("reader {:?}", r.name));
        let card = if r.atr.is_some() {
            identify_reader(readers, &r.name)
        } else {
            CardKind::Empty
        };
        progress.done(&card.describe());
        reader_findings.push(ReaderFinding { name: r.name, card });
    }

    for g in &options.port_globs {
        if !g.contains(['*', '?']) && !Path::new(g).exists() {
            progress.line(&format!("{g}: no such port"));
        }
    }
    let mut candidates = expand_port_globs(&options.port_globs);
    for p in &options.extra_ports {
        if !candidates.contains(p) {
            candidates.push(p.clone());
        }
    }
    if candidates.is_empty() && options.qr_port.is_none() {
        progress.line(&format!(
            "no serial ports match {}",
            options.port_globs.join(" ")
        ));
    }
    let mut ports = Vec::new();
    if let Some(qr) = &options.qr_port {
        progress.start(&format!("{qr} (named as the QR scanner): opening"));
        let kind = match serial.opens(qr, options.qr_baud) {
            Ok(()) => {
                progress.done("opens");
                PortKind::NamedQrScanner
            }
            Err(e) => {
                progress.done("cannot open");
                PortKind::CannotOpen {
                    reason: e.to_string(),
                }
            }
        };
        ports.push(PortFinding {
            path: qr.clone(),
            stable_path: stable_alias(qr),
            kind,
        });
    }
    for path in candidates {
        if options.qr_port.as_deref() == Some(path.as_str()) {
            continue;
        }
        let kind = probe_port(&path, serial, options.timeout, &mut progress);
        ports.push(PortFinding {
            stable_path: stable_alias(&path),
            path,
            kind,
        });
    }

    let camera = match cameras {
        None => {
            progress.line(CAMERA_NOT_BUILT);
            CameraFinding::NotBuilt
        }
        Some(c) => {
            let mut devices = Vec::new();
            for device in c.list() {
                progress.start(&format!(
                    "{device} for a camera frame ({})",
                    options.camera_resolution
                ));
                let (frame, error) = match c.grab(&device, options.camera_resolution) {
                    Ok(f) => {
                        let size = format!("{}x{}", f.width(), f.height());
                        progress.done(&format!("frame {size}"));
                        (Some(size), None)
                    }
                    Err(e) => {
                        progress.done(&e.to_string());
                        (None, Some(e.to_string()))
                    }
                };
                devices.push(CameraDevice {
                    device,
                    frame,
                    error,
                });
            }
            if devices.is_empty() {
                progress.line("no camera devices (/dev/video*)");
            }
            CameraFinding::Probed { devices }
        }
    };

    progress.start("keyboard-mode input devices (HID QR scanners)");
    let keyboards = keyboards(&options.sys_root, &options.dev_root);
    progress.done(&format!("{} found", keyboards.len()));
    let mut link_printers = Vec::new();
    let usb = usb_printers(&options.dev_root)
        .into_iter()
        .map(|device| ("usb", PrinterTarget::Usb { device }));
    let tcp = options.printer_tcp.iter().map(|address| {
        (
            "tcp",
            PrinterTarget::Tcp {
                address: address.clone(),
            },
        )
    });
    for (link, target) in usb.chain(tcp) {
        progress.start(&format!("{target} for the printer status"));
        let answer = probe_link_printer(serial, &target, options.timeout);
        progress.done(match &answer {
            LinkAnswer::Printer { .. } => "a printer",
            LinkAnswer::NotAnswering { .. } => "no answer",
        });
        let target = match target {
            PrinterTarget::Usb { device } => device,
            PrinterTarget::Tcp { address } => address,
            PrinterTarget::Serial { port } => port,
        };
        link_printers.push(LinkPrinterFinding {
            link,
            target,
            answer,
        });
    }

    Findings {
        readers: reader_findings,
        reader_error,
        ports,
        qr_port: options.qr_port.clone(),
        camera,
        keyboards,
        qr_hid: options.qr_hid.clone(),
        link_printers,
        printer_tcp: options.printer_tcp.clone(),
    }
}
