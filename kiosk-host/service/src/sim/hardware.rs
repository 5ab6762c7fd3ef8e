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
    /// issue 22: the lines the kiosk asked to print, newest last, and the raster fonts: a
    /// receipt printed as images enters the journal as the text it was made from once its
    /// images are found to be that text's rendering, bit for bit ([`journal`]).
    pub print_requests: Arc<Mutex<Vec<Vec<String>>>>,
    /// How many raster images each receipt of `printed` held (same order).
    pub printed_images: Arc<Mutex<Vec<usize>>>,
    raster: Mutex<(
        card_io::printer::RasterSettings,
        Option<Arc<card_io::printer::Rasteriser>>,
    )>,
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
            print_requests: Arc::new(Mutex::new(Vec::new())),
            printed_images: Arc::new(Mutex::new(Vec::new())),
            raster: Mutex::new((card_io::printer::RasterSettings::default(), None)),
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
    ///
    /// A receipt with raster images (Uyghur) is kept as the lines the kiosk asked to print
    /// when its images are their rendering; else each image shows as `[image W×H]`.
    pub fn printed(&self) -> Vec<Vec<String>> {
        let sim = self.printer_sim.lock().unwrap_or_else(|p| p.into_inner());
        let mut all = self.printed.lock().unwrap_or_else(|p| p.into_inner());
        let mut images = self
            .printed_images
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        for r in sim.receipts().try_iter() {
            images.push(r.images.len());
            let lines = if r.images.is_empty() {
                r.lines.into_iter().map(|l| l.text).collect()
            } else {
                let requests = self
                    .print_requests
                    .lock()
                    .unwrap_or_else(|p| p.into_inner());
                let raster = self.rasteriser();
                journal(&r, &requests, raster.as_deref())
            };
            all.push(lines);
        }
        let excess = all.len().saturating_sub(KEEP_RECEIPTS);
        all.drain(..excess);
        let excess = images.len().saturating_sub(KEEP_RECEIPTS);
        images.drain(..excess);
        all.clone()
    }

    /// How many raster images each receipt of [`SimDevices::printed`] held (call after it).
    pub fn printed_images(&self) -> Vec<usize> {
        self.printed_images
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Sets the raster fonts the kiosk prints with (`[devices] receipt_fonts`).
    pub fn use_raster(&self, settings: card_io::printer::RasterSettings) {
        *self.raster.lock().unwrap_or_else(|p| p.into_inner()) = (settings, None);
    }

    fn rasteriser(&self) -> Option<Arc<card_io::printer::Rasteriser>> {
        let mut raster = self.raster.lock().unwrap_or_else(|p| p.into_inner());
        if raster.1.is_none() {
            match card_io::printer::Rasteriser::load(raster.0.clone()) {
                Ok(r) => raster.1 = Some(Arc::new(r)),
                Err(e) => log::warn!("simulated printer: cannot check raster receipts: {e}"),
            }
        }
        raster.1.clone()
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

/// Print requests kept to check raster receipts against (the newest).
pub const KEEP_REQUESTS: usize = 20;

/// A receipt with images as the journal keeps it: the lines of the newest print request whose
/// rendering (title then lines, card-io's encoder with the same fonts) decodes to exactly
/// this receipt, images bit for bit; without such a request, the printed text lines with
/// `[image W×H]` for each image.
pub fn journal(
    printed: &hw_sim::printer::DecodedReceipt,
    requests: &[Vec<String>],
    raster: Option<&card_io::printer::Rasteriser>,
) -> Vec<String> {
    let rendered = |lines: &[String]| {
        let (title, rest) = lines.split_first()?;
        let receipt = card_io::printer::Receipt::new(title.clone()).text(rest.join("\n"));
        let bytes = receipt.encode_with(raster).ok()?.bytes;
        let (mut receipts, _) = hw_sim::printer::decoder::decode_all(&bytes);
        receipts.pop()
    };
    if let Some(lines) = requests
        .iter()
        .rev()
        .find(|lines| rendered(lines).as_ref() == Some(printed))
    {
        return lines.clone();
    }
    printed
        .in_order()
        .into_iter()
        .map(|p| match p {
            hw_sim::printer::Printed::Text(l) => l.text.clone(),
            hw_sim::printer::Printed::Image(i) => {
                format!("[image {}×{}]", i.bitmap.width, i.bitmap.height)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use card_io::printer::{RasterSettings, Rasteriser, Receipt};

    /// The journal believes a raster receipt's text only when its images are that text's
    /// rendering: a changed dot, or other text, shows the images as such.
    #[test]
    fn raster_receipts_enter_the_journal_as_their_text_only_when_they_are_its_rendering() {
        let Ok(raster) = Rasteriser::load(RasterSettings::default()) else {
            panic!("the Debian fonts of DEFAULT_FONTS are installed (scripts/lib.sh)");
        };
        let lines = vec!["回执".to_string(), "ئىسمى: 阿*".to_string()];
        let receipt = Receipt::new(lines[0].clone()).text(&lines[1]);
        let bytes = receipt
            .encode_with(Some(&raster))
            .map(|e| e.bytes)
            .unwrap_or_default();
        let (mut decoded, _) = hw_sim::printer::decoder::decode_all(&bytes);
        let Some(mut printed) = decoded.pop() else {
            panic!("a receipt");
        };
        assert_eq!(printed.images.len(), 1);
        let other = vec!["回执".to_string(), "ئىسمى: 买*".to_string()];
        let requests = vec![lines.clone(), other.clone()];
        assert_eq!(journal(&printed, &requests, Some(&raster)), lines);
        // Other text only, or no fonts: the images as such.
        let shown = journal(&printed, &[other], Some(&raster));
        assert_eq!(shown.len(), 2);
        assert_eq!(shown[0], "回执");
        assert!(shown[1].starts_with("[image "), "{shown:?}");
        assert!(journal(&printed, &requests, None)[1].starts_with("[image "));
        // One dot changed.
        printed.images[0].bitmap.bits[0] ^= 0x80;
        assert!(journal(&printed, &requests, Some(&raster))[1].starts_with("[image "));
    }
}
