//! `face-match`: face verification (人证核验) for the kiosk — is the person at the camera the
//! person on the ID card (or in the registry)?
//!
//! - [`FaceVerifier`]: the trait the kiosk uses. [`FaceVerifier::embed`] turns the one face of
//!   a picture into an [`Embedding`]; [`FaceVerifier::compare`] judges two embeddings against
//!   the configured threshold ([`Match`]); [`FaceVerifier::observe`] gives the landmarks and
//!   measures the liveness check needs ([`Observation`]).
//! - [`Unavailable`]: the verifier of a kiosk built without the `dlib` feature or without its
//!   models: every call answers [`FaceError::Unavailable`], and the business rules' "match not
//!   possible" path follows (staff approval or a refusal naming the counter).
//! - [`liveness`]: the active challenge (blink, turn the head) judged over timed frames from
//!   their [`Observation`]s; pure geometry, no model.
//! - [`pairs`]: the face pairs of `data/face/pairs.tsv` (accuracy test, `face-bench`).
//! - `dlib::DlibVerifier` (cargo feature `dlib`): dlib's HOG face detector, its 5-point shape
//!   predictor and its ResNet face-recognition network (128-d), from the model files of the PyPI
//!   package `face_recognition_models` 0.3.0 (CC0; fetched by `scripts/lib.sh`
//!   `fetch_face_data`, never at build or run time).
//!
//! Privacy: nothing here keeps a picture. An [`Embedding`] is biometric data: the caller keeps
//! it only as long as the match needs it; the archive gets the [`Match`] and
//! [`FaceVerifier::model_version`] only.

#[cfg(feature = "dlib")]
pub mod dlib;
pub mod eyes;
pub mod liveness;
pub mod pairs;

use std::fmt;
use std::path::{Path, PathBuf};

pub use image::RgbImage;

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

/// A point in picture pixels.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Point {
    pub x: f32,
    pub y: f32,
}

impl Point {
    pub fn new(x: f32, y: f32) -> Point {
        Point { x, y }
    }

    pub fn mid(self, o: Point) -> Point {
        Point::new((self.x + o.x) / 2.0, (self.y + o.y) / 2.0)
    }

    pub fn dist(self, o: Point) -> f32 {
        ((self.x - o.x).powi(2) + (self.y - o.y).powi(2)).sqrt()
    }
}

/// A face's box in picture pixels.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct FaceBox {
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
}

impl FaceBox {
    pub fn centre(&self) -> Point {
        Point::new(self.x + self.width / 2.0, self.y + self.height / 2.0)
    }
}

/// The five landmarks of dlib's 5-point shape predictor, sorted: the two corners of the eye on
/// the picture's left, those of the eye on its right (outer corner first), and the bottom of
/// the nose.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Landmarks {
    /// The eye on the picture's left: outer (leftmost) corner, inner corner.
    pub left_eye: [Point; 2],
    /// The eye on the picture's right: outer (rightmost) corner, inner corner.
    pub right_eye: [Point; 2],
    /// The bottom of the nose (where it meets the upper lip).
    pub nose: Point,
}

impl Landmarks {
    /// From the predictor's points in any eye order: two pairs of eye corners and the nose.
    pub fn from_points(eye_a: [Point; 2], eye_b: [Point; 2], nose: Point) -> Landmarks {
        let centre = |e: &[Point; 2]| e[0].mid(e[1]);
        let (l, r) = if centre(&eye_a).x <= centre(&eye_b).x {
            (eye_a, eye_b)
        } else {
            (eye_b, eye_a)
        };
        let left_eye = if l[0].x <= l[1].x { l } else { [l[1], l[0]] };
        let right_eye = if r[0].x >= r[1].x { r } else { [r[1], r[0]] };
        Landmarks {
            left_eye,
            right_eye,
            nose,
        }
    }

    pub fn left_eye_centre(&self) -> Point {
        self.left_eye[0].mid(self.left_eye[1])
    }

    pub fn right_eye_centre(&self) -> Point {
        self.right_eye[0].mid(self.right_eye[1])
    }

    /// Distance between the eye centres, the face's scale.
    pub fn eye_distance(&self) -> f32 {
        self.left_eye_centre().dist(self.right_eye_centre())
    }

    /// The head's turn, from the nose's offset from the eyes' midpoint along the eye line, in
    /// eye distances: about 0 facing the camera, positive when the nose has moved to the
    /// picture's right (with an unmirrored camera: the person turned to their left).
    ///
    /// A flat picture held up and tilted cannot change this: the nose stays on the plane's
    /// symmetry line, whose midpoint a tilt preserves. A real head turning does, because the
    /// nose stands out of the plane of the eyes (parallax).
    pub fn yaw(&self) -> f32 {
        let l = self.left_eye_centre();
        let r = self.right_eye_centre();
        let d = l.dist(r);
        if d <= f32::EPSILON {
            return 0.0;
        }
        let (ux, uy) = ((r.x - l.x) / d, (r.y - l.y) / d);
        let m = l.mid(r);
        ((self.nose.x - m.x) * ux + (self.nose.y - m.y) * uy) / d
    }

    /// The landmarks scaled by `k` (from one picture size to another).
    pub fn scaled(&self, k: f32) -> Landmarks {
        let s = |p: Point| Point::new(p.x * k, p.y * k);
        Landmarks {
            left_eye: [s(self.left_eye[0]), s(self.left_eye[1])],
            right_eye: [s(self.right_eye[0]), s(self.right_eye[1])],
            nose: s(self.nose),
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

/// The verifier the kiosk's configuration asks for: dlib's when the crate has the `dlib`
/// feature and the models load, otherwise [`Unavailable`] with the reason (logged by the
/// caller).
pub fn open_verifier(settings: &FaceSettings) -> Box<dyn FaceVerifier> {
    #[cfg(feature = "dlib")]
    {
        match dlib::DlibVerifier::open(settings) {
            Ok(v) => Box::new(v),
            Err(e) => Box::new(Unavailable::new(e.to_string())),
        }
    }
    #[cfg(not(feature = "dlib"))]
    {
        let _ = settings;
        Box::new(Unavailable::new(
            "this kiosk was built without face verification (cargo feature `face`)",
        ))
    }
}

/// True when this build can verify faces at all (the `dlib` feature).
pub const fn compiled_in() -> bool {
    cfg!(feature = "dlib")
}

/// The picture framed and reduced like a resident ID card's photo (102×126 pixels, the eyes
/// about 31 pixels apart, 45 % down): what a WLT decoder gives, to compare against. Parts of
/// the frame outside the picture are white.
pub fn id_card_photo(image: &RgbImage, landmarks: &Landmarks) -> RgbImage {
    const W: u32 = 102;
    const H: u32 = 126;
    let d = landmarks.eye_distance().max(1.0);
    let eyes = landmarks
        .left_eye_centre()
        .mid(landmarks.right_eye_centre());
    let cw = d / 0.3;
    let ch = cw * H as f32 / W as f32;
    let (x0, y0) = (eyes.x - cw / 2.0, eyes.y - 0.45 * ch);
    // First to about twice the final size by picking pixels, then down with a filter.
    let (mw, mh) = (2 * W, 2 * H);
    let mid = RgbImage::from_fn(mw, mh, |x, y| {
        let sx = x0 + (x as f32 + 0.5) * cw / mw as f32;
        let sy = y0 + (y as f32 + 0.5) * ch / mh as f32;
        if sx < 0.0 || sy < 0.0 || sx >= image.width() as f32 || sy >= image.height() as f32 {
            image::Rgb([255, 255, 255])
        } else {
            *image.get_pixel(sx as u32, sy as u32)
        }
    });
    image::imageops::resize(&mid, W, H, image::imageops::FilterType::Triangle)
}

/// Reads a JPEG or PNG file into RGB pixels.
pub fn load_image(path: &Path) -> Result<RgbImage, FaceError> {
    let img = image::open(path).map_err(|e| FaceError::Unreadable {
        reason: format!("{}: {e}", path.display()),
    })?;
    let rgb = img.to_rgb8();
    if rgb.width() < 16 || rgb.height() < 16 {
        return Err(FaceError::Unreadable {
            reason: format!(
                "{}: {}×{} pixels is too small for a face",
                path.display(),
                rgb.width(),
                rgb.height()
            ),
        });
    }
    Ok(rgb)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(x: f32, y: f32) -> Point {
        Point::new(x, y)
    }

    #[test]
    fn distance_and_judgement() {
        let a = Embedding::new([0.0; EMBEDDING_LEN]);
        let mut v = [0.0; EMBEDDING_LEN];
        v[0] = 0.3;
        v[1] = 0.4;
        let b = Embedding::new(v);
        assert!((a.distance(&b) - 0.5).abs() < 1e-6);
        let m = Match::judge(&a, &b, 0.6);
        assert!(m.same_person);
        assert!(!Match::judge(&a, &b, 0.45).same_person);
        assert_eq!(format!("{a:?}"), "Embedding(128-d)");
        assert!(Embedding::from_slice(&[0.0; 3]).is_none());
    }

    #[test]
    fn landmarks_sort_and_yaw() {
        // Eyes given right-first, corners inner-first: sorted into picture order.
        let l = Landmarks::from_points(
            [p(70.0, 50.0), p(90.0, 50.0)],
            [p(30.0, 50.0), p(10.0, 50.0)],
            p(50.0, 80.0),
        );
        assert_eq!(l.left_eye, [p(10.0, 50.0), p(30.0, 50.0)]);
        assert_eq!(l.right_eye, [p(90.0, 50.0), p(70.0, 50.0)]);
        assert!((l.eye_distance() - 60.0).abs() < 1e-4);
        assert!(l.yaw().abs() < 1e-6);
        // The nose 12 px to the right: 0.2 eye distances.
        let turned = Landmarks {
            nose: p(62.0, 80.0),
            ..l
        };
        assert!((turned.yaw() - 0.2).abs() < 1e-5);
        // A tilted head (the eye line rotated) with the nose on its symmetry line: no yaw.
        let tilted = Landmarks::from_points(
            [p(10.0, 40.0), p(30.0, 45.0)],
            [p(70.0, 55.0), p(90.0, 60.0)],
            p(50.0 - 7.5, 50.0 + 30.0),
        );
        assert!(tilted.yaw().abs() < 0.01, "{}", tilted.yaw());
    }

    #[test]
    fn unavailable_says_why() {
        let u = Unavailable::new("no models");
        let img = RgbImage::new(32, 32);
        let e = u.embed(&img).unwrap_err();
        assert!(matches!(e, FaceError::Unavailable { .. }));
        assert!(!e.is_bad_input());
        assert!(e.to_string().contains("no models"));
        assert!(u.observe(&img).is_err());
        assert!(u.count_faces(&img).is_err());
        assert!(FaceError::NoFace.is_bad_input());
    }

    #[test]
    fn load_image_errors_are_unreadable() {
        let e = load_image(Path::new("/nonexistent/face.jpg")).unwrap_err();
        assert!(matches!(e, FaceError::Unreadable { .. }));
    }
}
