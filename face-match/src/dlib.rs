//! The dlib verifier (cargo feature `dlib`): dlib's HOG frontal face detector, its 5-point
//! shape predictor and its ResNet face-recognition network, through the
//! `dlib-face-recognition` crate and Debian's `libdlib`.
//!
//! Every picture is first brought to a working size (its longer side about
//! [`WORK_SIDE`] pixels: a 1280×720 webcam frame is halved, a 102×126 ID card photo enlarged
//! four times), because the HOG detector finds faces of about 80 pixels and up and its cost
//! grows with the area it scans. Detection, landmarks and the network's 150×150 face chip all
//! come from that copy; boxes and landmarks are reported in the original picture's pixels.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use dlib_face_recognition::{
    FaceDetector, FaceDetectorTrait, FaceEncoderNetwork, FaceEncoderTrait, FaceLandmarks,
    ImageMatrix, LandmarkPredictor, LandmarkPredictorTrait, Rectangle,
};
use image::imageops::{self, FilterType};
use image::RgbImage;
use sha2::{Digest, Sha256};

use crate::{
    Embedding, FaceBox, FaceError, FaceSettings, FaceVerifier, Landmarks, Observation, Point,
    EMBEDDING_LEN, LANDMARK_MODEL, RECOGNITION_MODEL,
};

/// The longer side, in pixels, pictures are scaled to before detection.
pub const WORK_SIDE: f32 = 640.0;
/// Scales outside these bounds are clamped (very large pictures are scanned a little larger,
/// tiny ones not blown up past 4×).
const MIN_SCALE: f32 = 0.2;
const MAX_SCALE: f32 = 4.0;

struct Models {
    detector: FaceDetector,
    landmarks: LandmarkPredictor,
    network: FaceEncoderNetwork,
}

/// dlib's detector, landmarks and network, loaded once. The dlib objects are not thread-safe:
/// calls take turns behind a mutex (the kiosk verifies one face at a time).
pub struct DlibVerifier {
    models: Mutex<Models>,
    threshold: f32,
    version: String,
}

impl std::fmt::Debug for DlibVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DlibVerifier")
            .field("threshold", &self.threshold)
            .field("version", &self.version)
            .finish()
    }
}

/// A picture at working size, and the factor from original to working pixels.
struct Work {
    matrix: ImageMatrix,
    image: RgbImage,
    scale: f32,
}

impl DlibVerifier {
    /// Loads the two model files from `settings.model_dir`.
    pub fn open(settings: &FaceSettings) -> Result<DlibVerifier, FaceError> {
        let recognition = model_path(&settings.model_dir, RECOGNITION_MODEL)?;
        let landmark = model_path(&settings.model_dir, LANDMARK_MODEL)?;
        let version = format!(
            "dlib {} sha256:{} + {} sha256:{}",
            RECOGNITION_MODEL.trim_end_matches(".dat"),
            digest(&recognition)?,
            LANDMARK_MODEL.trim_end_matches(".dat"),
            digest(&landmark)?,
        );
        let network =
            FaceEncoderNetwork::open(&recognition).map_err(|reason| FaceError::ModelLoad {
                path: recognition.clone(),
                reason,
            })?;
        let landmarks =
            LandmarkPredictor::open(&landmark).map_err(|reason| FaceError::ModelLoad {
                path: landmark.clone(),
                reason,
            })?;
        Ok(DlibVerifier {
            models: Mutex::new(Models {
                detector: FaceDetector::new(),
                landmarks,
                network,
            }),
            threshold: settings.threshold,
            version,
        })
    }

    fn work(image: &RgbImage) -> Result<Work, FaceError> {
        let (w, h) = image.dimensions();
        if w < 16 || h < 16 {
            return Err(FaceError::Unreadable {
                reason: format!("{w}×{h} pixels is too small for a face"),
            });
        }
        let scale = (WORK_SIDE / w.max(h) as f32).clamp(MIN_SCALE, MAX_SCALE);
        let image = if (0.95..=1.05).contains(&scale) {
            image.clone()
        } else {
            let (sw, sh) = (
                ((w as f32 * scale).round() as u32).max(1),
                ((h as f32 * scale).round() as u32).max(1),
            );
            imageops::resize(image, sw, sh, FilterType::Triangle)
        };
        let scale = image.width() as f32 / w as f32;
        let buffer: image024::RgbImage =
            image024::ImageBuffer::from_raw(image.width(), image.height(), image.as_raw().clone())
                .ok_or_else(|| FaceError::Unreadable {
                    reason: "the picture's pixel buffer is inconsistent".into(),
                })?;
        Ok(Work {
            matrix: ImageMatrix::from_image(&buffer),
            image,
            scale,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Models> {
        // A panic inside dlib's calls leaves nothing half-changed in the models: recover.
        self.models.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The one face of `work`: its box (working pixels) and landmarks.
    fn one_face(models: &Models, work: &Work) -> Result<(Rectangle, FaceLandmarks), FaceError> {
        let faces = models.detector.face_locations(&work.matrix);
        let face = match faces.len() {
            0 => return Err(FaceError::NoFace),
            1 => faces[0],
            count => return Err(FaceError::SeveralFaces { count }),
        };
        let marks = models.landmarks.face_landmarks(&work.matrix, &face);
        if marks.len() != 5 {
            return Err(FaceError::ModelLoad {
                path: PathBuf::from(LANDMARK_MODEL),
                reason: format!("the shape predictor gives {} points, not 5", marks.len()),
            });
        }
        Ok((face, marks))
    }
}

fn model_path(dir: &Path, name: &str) -> Result<PathBuf, FaceError> {
    let path = dir.join(name);
    if path.is_file() {
        Ok(path)
    } else {
        Err(FaceError::ModelMissing { path })
    }
}

/// The first 12 hex digits of the file's SHA-256.
fn digest(path: &Path) -> Result<String, FaceError> {
    let load = |reason: String| FaceError::ModelLoad {
        path: path.to_owned(),
        reason,
    };
    let mut f = File::open(path).map_err(|e| load(e.to_string()))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf).map_err(|e| load(e.to_string()))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(&h.finalize()[..6]))
}

fn landmarks(marks: &FaceLandmarks, k: f32) -> Landmarks {
    let p = |i: usize| Point::new(marks[i].x() as f32 * k, marks[i].y() as f32 * k);
    // dlib's 5-point order: 0–1 one eye's corners, 2–3 the other's, 4 the bottom of the nose.
    Landmarks::from_points([p(0), p(1)], [p(2), p(3)], p(4))
}

impl FaceVerifier for DlibVerifier {
    fn model_version(&self) -> &str {
        &self.version
    }

    fn threshold(&self) -> f32 {
        self.threshold
    }

    fn count_faces(&self, image: &RgbImage) -> Result<usize, FaceError> {
        let work = DlibVerifier::work(image)?;
        Ok(self.lock().detector.face_locations(&work.matrix).len())
    }

    fn embed(&self, image: &RgbImage) -> Result<Embedding, FaceError> {
        let work = DlibVerifier::work(image)?;
        let models = self.lock();
        let (_, marks) = DlibVerifier::one_face(&models, &work)?;
        let encodings =
            models
                .network
                .get_face_encodings(&work.matrix, std::slice::from_ref(&marks), 0);
        let values: Vec<f32> = encodings
            .first()
            .map(|e| e.as_ref().iter().map(|&v| v as f32).collect())
            .unwrap_or_default();
        Embedding::from_slice(&values).ok_or_else(|| FaceError::ModelLoad {
            path: PathBuf::from(RECOGNITION_MODEL),
            reason: format!(
                "the network gives {} numbers, not {EMBEDDING_LEN}",
                values.len()
            ),
        })
    }

    fn observe(&self, image: &RgbImage) -> Result<Observation, FaceError> {
        let work = DlibVerifier::work(image)?;
        let (face, marks) = {
            let models = self.lock();
            DlibVerifier::one_face(&models, &work)?
        };
        let at_work = landmarks(&marks, 1.0);
        // Openness is measured on the working copy (a face of known size); box and
        // landmarks are given in the original's pixels.
        let openness = crate::eyes::openness(&work.image, &at_work);
        let k = 1.0 / work.scale;
        let landmarks = at_work.scaled(k);
        Ok(Observation {
            face: FaceBox {
                x: face.left as f32 * k,
                y: face.top as f32 * k,
                width: face.width() as f32 * k,
                height: face.height() as f32 * k,
            },
            landmarks,
            yaw: landmarks.yaw(),
            eye_openness: openness,
        })
    }
}
