//! The verifier's contract: [`FaceVerifier`] (embed, compare, observe), what it works with
//! ([`Embedding`], [`Match`], [`Observation`], [`FaceSettings`]) and its errors, and
//! [`Unavailable`], the verifier of a kiosk that cannot verify faces.

use std::fmt;
use std::path::PathBuf;

use image::RgbImage;

use crate::eyes;
use crate::geometry::{FaceBox, Landmarks};

/// Length of an embedding: dlib's face-recognition network gives 128 numbers.
pub const EMBEDDING_LEN: usize = 128;

/// The threshold suggested for dlib's network (its author's figure on LFW), used where no
/// setting gives one. BENCHMARKS.md has this project's measurements at it.
pub const DEFAULT_THRESHOLD: f32 = 0.6;

/// File names of the two model files in the model directory.
pub const RECOGNITION_MODEL: &str = "dlib_face_recognition_resnet_model_v1.dat";
pub const LANDMARK_MODEL: &str = "shape_predictor_5_face_landmarks.dat";

/// Where the packaged kiosk keeps the models.
pub const DEFAULT_MODEL_DIR: &str = "/usr/share/kiosk/face";

/// Why a face could not be verified.
#[derive(Debug, thiserror::Error)]
pub enum FaceError {
    #[error("no face found in the picture")]
    NoFace,
    #[error("{count} faces in the picture, expected one")]
    SeveralFaces { count: usize },
    #[error("the picture cannot be read: {reason}")]
    Unreadable { reason: String },
    #[error("the face model {} is missing: install it (scripts/lib.sh fetch_face_data, or the kiosk package)", path.display())]
    ModelMissing { path: PathBuf },
    #[error("the face model {} cannot be loaded: {reason}", path.display())]
    ModelLoad { path: PathBuf, reason: String },
    #[error("face verification is not available on this kiosk: {reason}")]
    Unavailable { reason: String },
}

impl FaceError {
    /// True for problems of the picture (retrying with another picture may help), false for
    /// problems of the kiosk (no model, no feature): those go to the "not possible" path.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            FaceError::NoFace | FaceError::SeveralFaces { .. } | FaceError::Unreadable { .. }
        )
    }
}

/// A face as a point in the network's 128-d space. Two pictures of one person lie close
/// together (Euclidean distance below about 0.6 for dlib's network).
#[derive(Clone, PartialEq)]
pub struct Embedding(Box<[f32; EMBEDDING_LEN]>);

impl Embedding {
    pub fn new(values: [f32; EMBEDDING_LEN]) -> Embedding {
        Embedding(Box::new(values))
    }

    /// `values` must hold [`EMBEDDING_LEN`] numbers.
    pub fn from_slice(values: &[f32]) -> Option<Embedding> {
        let a: [f32; EMBEDDING_LEN] = values.try_into().ok()?;
        Some(Embedding::new(a))
    }

    pub fn as_slice(&self) -> &[f32] {
        &self.0[..]
    }

    /// Euclidean distance to `other`.
    pub fn distance(&self, other: &Embedding) -> f32 {
        self.0
            .iter()
            .zip(other.0.iter())
            .map(|(a, b)| (a - b) * (a - b))
            .sum::<f32>()
            .sqrt()
    }
}

impl fmt::Debug for Embedding {
    // Biometric data: never printed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Embedding({EMBEDDING_LEN}-d)")
    }
}

/// The result of comparing two faces: what goes into the case's archive record, with
/// [`FaceVerifier::model_version`].
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Match {
    /// The distance between the two embeddings: 0 for the same picture, lower is more alike.
    pub score: f32,
    /// The threshold the score was judged against (a setting).
    pub threshold: f32,
    /// `score <= threshold`.
    pub same_person: bool,
}

impl Match {
    pub fn judge(a: &Embedding, b: &Embedding, threshold: f32) -> Match {
        let score = a.distance(b);
        Match {
            score,
            threshold,
            same_person: score <= threshold,
        }
    }
}

/// What one frame shows of its one face: where it is, its landmarks and the liveness
/// measures.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Observation {
    pub face: FaceBox,
    pub landmarks: Landmarks,
    /// [`Landmarks::yaw`].
    pub yaw: f32,
    /// [`eyes::openness`]: the eyes' contrast, compared with the same face's earlier frames.
    pub eye_openness: f32,
}

impl Observation {
    /// The observation of `landmarks` found in `image` inside `face`.
    pub fn measure(image: &RgbImage, face: FaceBox, landmarks: Landmarks) -> Observation {
        Observation {
            face,
            landmarks,
            yaw: landmarks.yaw(),
            eye_openness: eyes::openness(image, &landmarks),
        }
    }
}

/// Face verification as the kiosk uses it. Implementations are shared between threads.
pub trait FaceVerifier: Send + Sync {
    /// Names the models exactly (file names and a digest), for the archive record.
    fn model_version(&self) -> &str;

    /// The threshold [`FaceVerifier::compare`] judges against.
    fn threshold(&self) -> f32;

    /// The number of faces the detector finds in `image`.
    fn count_faces(&self, image: &RgbImage) -> Result<usize, FaceError>;

    /// The embedding of the one face in `image`: [`FaceError::NoFace`] or
    /// [`FaceError::SeveralFaces`] otherwise.
    fn embed(&self, image: &RgbImage) -> Result<Embedding, FaceError>;

    /// The landmarks and liveness measures of the one face in `image`.
    fn observe(&self, image: &RgbImage) -> Result<Observation, FaceError>;

    /// Two embeddings judged against [`FaceVerifier::threshold`].
    fn compare(&self, a: &Embedding, b: &Embedding) -> Match {
        Match::judge(a, b, self.threshold())
    }
}

/// The verifier of a kiosk that cannot verify faces (built without the `dlib` feature, no
/// camera, or no models): every call says why, and the flow takes the "match not possible"
/// path of BUSINESS-RULES.md section 1.
#[derive(Debug, Clone)]
pub struct Unavailable {
    reason: String,
}

impl Unavailable {
    pub fn new(reason: impl Into<String>) -> Unavailable {
        Unavailable {
            reason: reason.into(),
        }
    }

    fn error(&self) -> FaceError {
        FaceError::Unavailable {
            reason: self.reason.clone(),
        }
    }
}

impl FaceVerifier for Unavailable {
    fn model_version(&self) -> &str {
        "none"
    }

    fn threshold(&self) -> f32 {
        DEFAULT_THRESHOLD
    }

    fn count_faces(&self, _image: &RgbImage) -> Result<usize, FaceError> {
        Err(self.error())
    }

    fn embed(&self, _image: &RgbImage) -> Result<Embedding, FaceError> {
        Err(self.error())
    }

    fn observe(&self, _image: &RgbImage) -> Result<Observation, FaceError> {
        Err(self.error())
    }
}

/// The settings of a verifier (kiosk.toml `[face]`).
#[derive(Debug, Clone, PartialEq)]
pub struct FaceSettings {
    /// The folder holding [`RECOGNITION_MODEL`] and [`LANDMARK_MODEL`].
    pub model_dir: PathBuf,
    /// Largest distance still judged the same person.
    pub threshold: f32,
}

impl Default for FaceSettings {
    fn default() -> Self {
        FaceSettings {
            model_dir: PathBuf::from(DEFAULT_MODEL_DIR),
            threshold: DEFAULT_THRESHOLD,
        }
    }
}
