//! The simulated devices themselves ([`SimDevices`]): hw-sim's readers with the PSAM, the ID
//! card module, QR scanner and printer on their pseudo-terminals, and the camera of composed
//! scenes.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use card_io::camera::{CameraError, FrameSource, Resolution};
use hw_sim::backend::PSAM_SLOT;
use hw_sim::camera::{Scene, SimCamera};
use hw_sim::idcard::{IdModule, PtyHandle};
use hw_sim::printer::{PrinterControl, PrinterSim, PrinterState};
use hw_sim::qr::QrSim;
use hw_sim::{PsamOptions, PsamOs, SimReaders};

use crate::devices::camera::Camera;
use crate::devices::link::DeviceError;

/// Failures setting up the simulated hardware.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SimSetupError {
    #[error("simulated PSAM: {0}")]
    Psam(#[source] hw_sim::SimError),
    #[error("simulated ID card module: {0}")]
    IdModule(#[source] hw_sim::SimError),
    #[error("simulated QR scanner: {0}")]
    Qr(#[from] hw_sim::qr::QrSimError),
    #[error("simulated printer: {0}")]
    Printer(#[from] hw_sim::printer::PrinterSimError),
}

/// Receipts kept for the panel (the newest).
const KEEP_RECEIPTS: usize = 20;

/// The simulated devices.
pub struct SimDevices {
    pub readers: Arc<SimReaders>,
    /// `hw-sim/cards` and `hw-sim/people`.
    pub cards: PathBuf,
    pub people: PathBuf,
    pub scene: Arc<Mutex<Scene>>,
    /// Who stands at the camera during a face match (issue 19).
    pub face_scene: Arc<Mutex<super::face::FaceScene>>,
    /// False while the simulated camera is unplugged: frames fail as a camera that left
    /// the USB bus does.
    pub camera_plugged: Arc<std::sync::atomic::AtomicBool>,
    /// The GA 467 module on its pty.
    pub id_module: PtyHandle,
    /// The QR scanner on its pty.
    pub qr: QrSim,
    /// The printer on its pty (its thread decodes what the kiosk sends).
    pub printer: PrinterControl,
    pub printer_path: String,
    printer_sim: Mutex<PrinterSim>,
    /// Receipts the printer printed (decoded from ESC/POS), newest last.
    pub printed: Arc<Mutex<Vec<Vec<String>>>>,
    /// The e-card platform's key of this run (signs demo people's dynamic codes).
    pub ecard_key: ed25519_dalek::SigningKey,
    /// The card last taken out of the reader, in the citizen's hand: inserted again it is the
    /// same chip, with what the businesses changed on it (issue 22).
    pub in_hand: Mutex<Option<Box<dyn hw_sim::device::SimDevice>>>,
    /// The simulated payment provider (fees, issue 17).
    pub payment: Arc<super::payment::SimPayment>,
}

impl SimDevices {
    /// Readers with the PSAM in its slot and no card; an empty ID module, a scanner and a
    /// printer with paper on their ptys.
    pub fn new(root: &Path) -> Result<SimDevices, SimSetupError> {
        let readers = Arc::new(SimReaders::new());
        let psam = PsamOs::new(PsamOptions::default()).map_err(SimSetupError::Psam)?;
        readers.insert(PSAM_SLOT, Box::new(psam));
        let (_, id_module) =
            hw_sim::idcard::spawn_pty(IdModule::empty()).map_err(SimSetupError::IdModule)?;
        let (_, qr) = hw_sim::qr::spawn_pty(0, rand::random())?;
        let (printer_path, sim_printer) = hw_sim::printer::spawn_pty(PrinterState::default())?;
        let printed = Arc::new(Mutex::new(Vec::new()));
        let control = sim_printer.control();
        Ok(SimDevices {
            readers,
            cards: root.join("hw-sim/cards"),
            people: root.join("hw-sim/people"),
            scene: Arc::new(Mutex::new(Scene::Good)),
            face_scene: Arc::new(Mutex::new(super::face::FaceScene::Live)),
            camera_plugged: Arc::new(std::sync::atomic::AtomicBool::new(true)),
            id_module,
            qr,
            printer: control,
            printer_path,
            printer_sim: Mutex::new(sim_printer),
            printed,
            ecard_key: ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng),
            in_hand: Mutex::new(None),
            payment: Arc::new(super::payment::SimPayment::default()),
        })
    }

    /// Points the configuration's serial devices at the simulators' ptys; a device the
    /// configuration leaves empty (the kiosk has none) stays absent.
    pub fn configure(&self, devices: &mut firmware_config::Devices) {
        let point = |port: &mut String, path: &str| {
            if !port.is_empty() {
                *port = path.to_string();
            }
        };
        point(&mut devices.id_module_port, self.id_module.path());
        point(&mut devices.qr_port, self.qr.path());
        point(&mut devices.printer_port, &self.printer_path);
    }

    /// The receipts printed so far (the newest [`KEEP_RECEIPTS`]), newest last. The printer
    /// decodes a receipt before it answers the status query that follows it, so a receipt
    /// the kiosk has finished printing is here.
    pub fn printed(&self) -> Vec<Vec<String>> {
        let sim = self.printer_sim.lock().unwrap_or_else(|p| p.into_inner());
        let mut all = self.printed.lock().unwrap_or_else(|p| p.into_inner());
        for r in sim.receipts().try_iter() {
            all.push(r.lines.into_iter().map(|l| l.text).collect());
        }
        let excess = all.len().saturating_sub(KEEP_RECEIPTS);
        all.drain(..excess);
        all.clone()
    }

    /// The simulated camera: the scene chosen on the panel, as a camera thread serves it.
    pub fn camera(&self) -> Result<Camera, DeviceError> {
        let (scene, plugged) = (self.scene.clone(), self.camera_plugged.clone());
        Camera::start(
            "simulated camera",
            Box::new(move || {
                Ok(Box::new(SimCam {
                    scene: scene.clone(),
                    plugged: plugged.clone(),
                }) as Box<dyn FrameSource>)
            }),
        )
    }
}

/// The simulated camera as a frame source: the chosen scene, composed again for each frame
/// (with fresh sensor noise), or the error of a camera that left the USB bus.
struct SimCam {
    scene: Arc<Mutex<Scene>>,
    plugged: Arc<std::sync::atomic::AtomicBool>,
}

impl FrameSource for SimCam {
    fn frame(&mut self) -> Result<image::RgbImage, CameraError> {
        if !self.plugged.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(CameraError::Open {
                device: "/dev/video0".into(),
                reason: "No such device (os error 19)".into(),
            });
        }
        let scene = *self.scene.lock().unwrap_or_else(|p| p.into_inner());
        SimCamera::new(scene, Resolution::HD).and_then(|mut c| c.frame())
    }

    fn resolution(&self) -> Resolution {
        Resolution::HD
    }
}
