//! The card-making photo (CARD-PROFILE.md section 9): from a camera frame to a 358×441,
//! 24-bit, 350 dpi JPEG of 14–40 KB whose head box keeps the rules, or a refusal that tells
//! the citizen what to change.
//!
//! The steps, each one rule of the [`Report`]:
//! 1. [`Rule::Frame`]: the frame is big enough to cut a photo from;
//! 2. [`Rule::OneFace`]: [`detect`] finds exactly one face (on a grey copy scaled down to
//!    [`PhotoSettings::detect_width`]), then measures its box precisely on the face's
//!    neighbourhood at full resolution ([`FaceDetector::refine`]);
//! 3. [`Rule::FaceSize`], [`Rule::Position`]: [`geometry::plan`] finds the crop that puts the
//!    head where the rules want it, or says "move closer", "move back", "move to the centre";
//! 4. [`Rule::HeadBox`]: the crop, cut from the full-resolution frame and scaled to 358×441,
//!    keeps every head box rule;
//! 5. [`Rule::BackgroundPlain`], [`Rule::BackgroundLight`], [`Rule::BackgroundWhite`]:
//!    [`background`] beside and above the head;
//! 6. [`Rule::FileSize`]: [`jpeg::fit`] searches the quality so the file lands in the window.
//!
//! [`Pipeline::make`] stops at the first broken rule; [`Pipeline::check`] evaluates as many
//! rules as it can and reports them all.

pub mod background;
pub mod detect;
pub mod geometry;
pub mod jpeg;
pub mod refusal;
pub mod report;
pub mod settings;

use image::imageops::{self, FilterType};
use image::RgbImage;

pub use background::Background;
pub use detect::{Face, FaceDetector};
pub use geometry::{Crop, HeadBox, HEIGHT, WIDTH};
pub use jpeg::{inspect, Jfif, JpegInfo, DPI};
pub use refusal::{Advice, Direction, Refusal, Rule};
pub use report::{Report, RuleCheck, Status};
pub use settings::{PhotoSettings, KB};

/// Why the pipeline gave no photo.
#[derive(Debug, thiserror::Error)]
pub enum PhotoError {
    /// The frame breaks a rule; the refusal says which and what the citizen should do.
    #[error("photo refused: {0}")]
    Refused(#[from] Refusal),
    #[error("the face detection model could not be loaded: {0}")]
    Model(#[source] std::io::Error),
    #[error("JPEG encoding failed: {0}")]
    Encode(#[source] image::ImageError),
}

/// A card photo that keeps every rule.
#[derive(Debug, Clone)]
pub struct CardPhoto {
    /// The file: JPEG, JFIF 350 dpi, in the size window.
    pub jpeg: Vec<u8>,
    /// The quality the size search settled on.
    pub quality: u8,
    /// The 358×441 picture that was encoded.
    pub image: RgbImage,
    /// Where it was cut from the frame.
    pub crop: Crop,
    /// The head box as estimated on the cut.
    pub head_box: HeadBox,
}

/// The photo pipeline, with its face detector loaded once.
pub struct Pipeline {
    detector: FaceDetector,
    /// Measures the one face's box precisely ([`FaceDetector::refine`]).
    measurer: FaceDetector,
    settings: PhotoSettings,
}

impl Pipeline {
    pub fn new(settings: PhotoSettings) -> Result<Pipeline, PhotoError> {
        let detector = FaceDetector::new(settings.detect_width, settings.min_face_score)
            .map_err(PhotoError::Model)?;
        let measurer = FaceDetector::fine(settings.min_face_score).map_err(PhotoError::Model)?;
        Ok(Pipeline {
            detector,
            measurer,
            settings,
        })
    }

    pub fn settings(&self) -> &PhotoSettings {
        &self.settings
    }

    /// The card photo of `frame`, or the first rule it breaks.
    pub fn make(&mut self, frame: &RgbImage) -> Result<CardPhoto, PhotoError> {
        let (report, photo) = self.run(frame, true)?;
        match (photo, report.first_refusal()) {
            (Some(photo), None) => Ok(photo),
            (_, Some(refusal)) => Err(PhotoError::Refused(refusal.clone())),
            (None, None) => Err(PhotoError::Refused(Refusal::NoFace)),
        }
    }

    /// Every rule for `frame`, with what was measured. `Err` only for faults of the pipeline
    /// itself (the model, the encoder), never for a bad frame.
    pub fn check(&mut self, frame: &RgbImage) -> Result<Report, PhotoError> {
        self.run(frame, false).map(|(report, _)| report)
    }

    fn run(
        &mut self,
        frame: &RgbImage,
        stop_early: bool,
    ) -> Result<(Report, Option<CardPhoto>), PhotoError> {
        let s = self.settings.clone();
        let (fw, fh) = frame.dimensions();
        let mut report = Report::new(fw, fh);

        // 1. The frame.
        let (min_w, min_h) = geometry::min_frame(s.max_upscale);
        let frame_limit = format!("at least {min_w}×{min_h}");
        if fw < min_w || fh < min_h {
            report.fail(
                Refusal::FrameTooSmall {
                    width: fw,
                    height: fh,
                    min_width: min_w,
                    min_height: min_h,
                },
                format!("{fw}×{fh}"),
                frame_limit,
            );
            report.finish();
            return Ok((report, None));
        }
        report.pass(Rule::Frame, format!("{fw}×{fh}"), frame_limit);

        // 2. One face.
        let faces = self.detector.detect(frame);
        report.faces = faces.clone();
        let face = match faces.as_slice() {
            [one] => {
                report.pass(Rule::OneFace, "1 face".into(), "exactly 1".into());
                self.measurer.refine(frame, one).unwrap_or(*one)
            }
            [] => {
                report.fail(Refusal::NoFace, "0 faces".into(), "exactly 1".into());
                report.finish();
                return Ok((report, None));
            }
            several => {
                let count = several.len();
                report.fail(
                    Refusal::SeveralFaces { count },
                    format!("{count} faces"),
                    "exactly 1".into(),
                );
                report.finish();
                return Ok((report, None));
            }
        };

        // 3. Size and position.
        let size_measured = format!("face {:.0} px wide in the frame", face.width);
        let min_face = geometry::FACE_WIDTH.0 / s.max_upscale;
        let size_limit = format!("at least {min_face:.0} px, with room for the head box");
        let crop = match geometry::plan(&face, fw, fh, s.max_upscale) {
            Ok(crop) => {
                report.pass(Rule::FaceSize, size_measured, size_limit);
                report.pass(
                    Rule::Position,
                    format!(
                        "crop {}×{} at ({}, {})",
                        crop.width, crop.height, crop.x, crop.y
                    ),
                    "inside the frame".into(),
                );
                crop
            }
            Err(refusal @ Refusal::OffCentre { .. }) => {
                report.pass(Rule::FaceSize, size_measured, size_limit);
                report.fail(
                    refusal,
                    format!("face at x {:.0}, y {:.0}", face.x, face.y),
                    "head box windows inside the frame".into(),
                );
                report.finish();
                return Ok((report, None));
            }
            Err(refusal) => {
                report.fail(refusal, size_measured, size_limit);
                report.finish();
                return Ok((report, None));
            }
        };
        report.crop = Some(crop);

        // 4. Cut, scale, and the head box on the result.
        let view = imageops::crop_imm(frame, crop.x, crop.y, crop.width, crop.height);
        let photo = imageops::resize(&*view, WIDTH, HEIGHT, FilterType::Triangle);
        let head = HeadBox::after_crop(&geometry::Landmarks::of(&face), &crop);
        report.head_box = Some(head);
        let head_measured = format!(
            "face width {:.0}, head top {:.0}, eyes' midpoint {:.0}, eye line {:.0} above bottom",
            head.face_width, head.head_top, head.eye_x, head.eye_from_bottom
        );
        let head_limit = format!(
            "face width {}–{}, head top {}–{}, eyes' midpoint {}–{}, eye line ≥ {}",
            geometry::FACE_WIDTH.0,
            geometry::FACE_WIDTH.1,
            geometry::HEAD_TOP.0,
            geometry::HEAD_TOP.1,
            geometry::EYE_X.0,
            geometry::EYE_X.1,
            geometry::EYE_LINE_MIN_FROM_BOTTOM
        );
        let violations = head.violations();
        if violations.is_empty() {
            report.pass(Rule::HeadBox, head_measured, head_limit);
        } else {
            report.fail(Refusal::HeadBox { violations }, head_measured, head_limit);
            if stop_early {
                report.finish();
                return Ok((report, None));
            }
        }

        // 5. The background.
        if let Some(bg) = background::measure(&photo, &head) {
            report.background = Some(bg);
            let checks = [
                (
                    bg.busy_share <= s.background_max_busy,
                    Rule::BackgroundPlain,
                    format!(
                        "{:.1} % off its tone (luma deviation {:.1})",
                        bg.busy_share * 100.0,
                        bg.luma_stddev
                    ),
                    format!("at most {:.1} %", s.background_max_busy * 100.0),
                    Refusal::BackgroundNotPlain {
                        busy_share: bg.busy_share,
                        max: s.background_max_busy,
                    },
                ),
                (
                    bg.median_luma >= s.background_min_luma,
                    Rule::BackgroundLight,
                    format!("median luma {}", bg.median_luma),
                    format!("at least {}", s.background_min_luma),
                    Refusal::BackgroundTooDark {
                        luma: bg.median_luma,
                        min: s.background_min_luma,
                    },
                ),
                (
                    bg.median_chroma <= s.background_max_chroma,
                    Rule::BackgroundWhite,
                    format!("median chroma {}", bg.median_chroma),
                    format!("at most {}", s.background_max_chroma),
                    Refusal::BackgroundNotWhite {
                        chroma: bg.median_chroma,
                        max: s.background_max_chroma,
                    },
                ),
            ];
            for (ok, rule, measured, limit, refusal) in checks {
                if ok {
                    report.pass(rule, measured, limit);
                } else {
                    report.fail(refusal, measured, limit);
                    if stop_early {
                        report.finish();
                        return Ok((report, None));
                    }
                }
            }
        }

        // 6. The file.
        let size_limit = format!("{}–{} bytes", s.min_bytes, s.max_bytes);
        let fit = jpeg::fit(
            &photo,
            s.quality,
            (s.min_quality, s.max_quality),
            (s.min_bytes, s.max_bytes),
        )
        .map_err(PhotoError::Encode)?;
        let result = match fit {
            jpeg::Fit::Fits { jpeg, quality } => {
                report.pass(
                    Rule::FileSize,
                    format!("{} bytes at quality {quality}", jpeg.len()),
                    size_limit,
                );
                report.quality = Some(quality);
                report.bytes = Some(jpeg.len());
                Some((jpeg, quality))
            }
            jpeg::Fit::Misses { smallest, largest } => {
                report.fail(
                    Refusal::FileSize {
                        smallest,
                        largest,
                        min_bytes: s.min_bytes,
                        max_bytes: s.max_bytes,
                        min_quality: s.min_quality,
                        max_quality: s.max_quality,
                    },
                    format!("{smallest}–{largest} bytes"),
                    size_limit,
                );
                None
            }
        };
        report.finish();
        let photo = match result {
            Some((jpeg, quality)) if report.compliant => Some(CardPhoto {
                jpeg,
                quality,
                image: photo,
                crop,
                head_box: head,
            }),
            _ => None,
        };
        Ok((report, photo))
    }
}
