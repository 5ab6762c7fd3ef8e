//! Face detection with `rustface` (SeetaFace frontal cascade), on a grey, downscaled copy of
//! the frame; boxes come back in full-frame coordinates.

use std::io;

use image::imageops::{self, FilterType};
use image::RgbImage;
use rustface::{Detector, ImageData};

/// SeetaFace's frontal face model, as shipped in the `rustface` 0.1.7 package (BSD-2-Clause,
/// see `card-io/models/README.md`).
static MODEL: &[u8] = include_bytes!("../../models/seeta_fd_frontal_v1.0.bin");

/// The face width [`FaceDetector::refine`] scales a face's neighbourhood to: a card photo's.
pub(crate) const MEASURE_FACE_WIDTH: f32 = 200.0;

/// The scales a photo is searched at by [`FaceDetector::measure`]: the detector's cost grows
/// with the area it scans (about 40 ms for a whole 358×441 photo on the kiosk-class machine
/// of BENCHMARKS.md), and a face of 80–100 px still boxes to a pixel or two.
pub(crate) const MEASURE_SCALES: [f32; 3] = [0.5, 0.45, 0.4];

/// The detector's smallest window, in pixels of the image it runs on.
const MIN_WINDOW: u32 = 20;

/// A face as the detector boxes it, in frame pixels. The box is square and runs from about the
/// eyebrows to just above the chin, cheek to cheek (see [`super::geometry`] for the
/// proportions used on it).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Face {
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
    pub score: f64,
}

/// The face detector with its model loaded.
pub struct FaceDetector {
    inner: Box<dyn Detector>,
    detect_width: u32,
}

impl FaceDetector {
    /// Loads the embedded model, with the detector's usual search (pyramid steps of 0.8,
    /// window step 4 px). `detect_width` as in
    /// [`PhotoSettings::detect_width`](super::PhotoSettings::detect_width).
    pub fn new(detect_width: u32, min_score: f64) -> Result<FaceDetector, io::Error> {
        FaceDetector::with_search(detect_width, min_score, 0.8, 4)
    }

    /// The detector that measures a face's box precisely ([`FaceDetector::measure`],
    /// [`FaceDetector::refine`]): the usual search, at the scales it is given.
    pub fn fine(min_score: f64) -> Result<FaceDetector, io::Error> {
        FaceDetector::with_search(0, min_score, 0.8, 4)
    }

    fn with_search(
        detect_width: u32,
        min_score: f64,
        pyramid: f32,
        step: u32,
    ) -> Result<FaceDetector, io::Error> {
        let model = rustface::read_model(io::Cursor::new(MODEL))?;
        let mut inner = rustface::create_detector_with_model(model);
        inner.set_min_face_size(MIN_WINDOW);
        inner.set_score_thresh(if min_score > 0.0 { min_score } else { 2.0 });
        inner.set_pyramid_scale_factor(pyramid);
        inner.set_slide_window_step(step, step);
        Ok(FaceDetector {
            inner,
            detect_width,
        })
    }

    /// `face` (from [`FaceDetector::detect`] on `frame`) measured precisely: its
    /// neighbourhood is cut from the full-resolution frame, scaled so the face is as wide as
    /// on a card photo ([`MEASURE_FACE_WIDTH`]), and [measured](FaceDetector::measure) there.
    /// `None` when the measurement finds no single face.
    pub(crate) fn refine(&mut self, frame: &RgbImage, face: &Face) -> Option<Face> {
        let (w, h) = frame.dimensions();
        let margin = 0.7 * face.width;
        let x0 = (face.x - margin).clamp(0.0, w as f32) as u32;
        let y0 = (face.y - margin).clamp(0.0, h as f32) as u32;
        let x1 = (face.x + face.width + margin).clamp(0.0, w as f32) as u32;
        let y1 = (face.y + face.height + margin).clamp(0.0, h as f32) as u32;
        if x1 <= x0 || y1 <= y0 || face.width < 1.0 {
            return None;
        }
        let k = MEASURE_FACE_WIDTH / face.width;
        let (rw, rh) = (
            ((x1 - x0) as f32 * k).round().max(1.0) as u32,
            ((y1 - y0) as f32 * k).round().max(1.0) as u32,
        );
        let region = imageops::crop_imm(frame, x0, y0, x1 - x0, y1 - y0);
        let region = imageops::resize(&*region, rw, rh, FilterType::Triangle);
        let found = self.measure(&region)?;
        let (kx, ky) = ((x1 - x0) as f32 / rw as f32, (y1 - y0) as f32 / rh as f32);
        Some(Face {
            x: x0 as f32 + found.x * kx,
            y: y0 as f32 + found.y * ky,
            width: found.width * kx,
            height: found.height * ky,
            score: found.score,
        })
    }

    /// The one face of a photo, measured steadily: the detector's box moves by several pixels
    /// with the pyramid level that happens to catch the face, so the photo is searched at
    /// [`MEASURE_SCALES`] and the box is the median of the boxes found (mapped back). `None`
    /// when any scale finds no face or several.
    pub fn measure(&mut self, photo: &RgbImage) -> Option<Face> {
        let grey = imageops::grayscale(photo);
        let (w, h) = grey.dimensions();
        let mut boxes = Vec::with_capacity(MEASURE_SCALES.len());
        for k in MEASURE_SCALES {
            let (sw, sh) = ((w as f32 * k) as u32, (h as f32 * k) as u32);
            if sw < MIN_WINDOW || sh < MIN_WINDOW {
                return None;
            }
            let scaled;
            let img = if sw == w && sh == h {
                &grey
            } else {
                scaled = imageops::resize(&grey, sw, sh, FilterType::Triangle);
                &scaled
            };
            let found = self
                .inner
                .detect(&ImageData::new(img.as_raw(), img.width(), img.height()));
            let [one] = found.as_slice() else {
                return None;
            };
            let b = one.bbox();
            let (kx, ky) = (w as f32 / sw as f32, h as f32 / sh as f32);
            boxes.push(Face {
                x: b.x() as f32 * kx,
                y: b.y() as f32 * ky,
                width: b.width() as f32 * kx,
                height: b.height() as f32 * ky,
                score: one.score(),
            });
        }
        let median = |f: fn(&Face) -> f32| {
            let mut v: Vec<f32> = boxes.iter().map(f).collect();
            v.sort_by(f32::total_cmp);
            v[v.len() / 2]
        };
        Some(Face {
            x: median(|f| f.x),
            y: median(|f| f.y),
            width: median(|f| f.width),
            height: median(|f| f.height),
            score: median(|f| f.score as f32) as f64,
        })
    }

    /// Every face in the frame, largest first.
    pub fn detect(&mut self, frame: &RgbImage) -> Vec<Face> {
        let (w, h) = frame.dimensions();
        if w < MIN_WINDOW || h < MIN_WINDOW {
            return Vec::new();
        }
        let grey = imageops::grayscale(frame);
        let (grey, factor) = if self.detect_width >= MIN_WINDOW && w > self.detect_width {
            let dh = ((u64::from(h) * u64::from(self.detect_width)) / u64::from(w)) as u32;
            if dh < MIN_WINDOW {
                return Vec::new();
            }
            let small = imageops::resize(&grey, self.detect_width, dh, FilterType::Triangle);
            (small, w as f32 / self.detect_width as f32)
        } else {
            (grey, 1.0)
        };
        let data = ImageData::new(grey.as_raw(), grey.width(), grey.height());
        let mut faces: Vec<Face> = self
            .inner
            .detect(&data)
            .iter()
            .map(|f| {
                let b = f.bbox();
                Face {
                    x: b.x() as f32 * factor,
                    y: b.y() as f32 * factor,
                    width: b.width() as f32 * factor,
                    height: b.height() as f32 * factor,
                    score: f.score(),
                }
            })
            .collect();
        faces.sort_by(|a, b| b.width.total_cmp(&a.width));
        faces
    }
}
