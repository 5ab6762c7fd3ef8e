//! The settings of the photo pipeline: what regions may differ on, and the thresholds of the
//! checks that have no number in the national text.

/// One kibibyte: the "KB" of the size window.
pub const KB: usize = 1024;

/// Settings of [`super::Pipeline`]. `Default` gives the national values (CARD-PROFILE.md
/// section 9) and the thresholds this crate was tuned with.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct PhotoSettings {
    /// Smallest acceptable JPEG file, in bytes (default 14 KB).
    pub min_bytes: usize,
    /// Largest acceptable JPEG file, in bytes (default 40 KB).
    pub max_bytes: usize,
    /// JPEG quality tried first (the national text says 70).
    pub quality: u8,
    /// Lowest quality the size search may go down to.
    pub min_quality: u8,
    /// Highest quality the size search may go up to.
    pub max_quality: u8,
    /// How much a face may be enlarged from the camera frame to the photo before the result
    /// is too blurred; a smaller face is refused with "move closer".
    pub max_upscale: f32,
    /// Frames wider than this are scaled down to this width (in grey) for face detection; the
    /// photo itself is cut from the full-resolution frame. 0 detects at full resolution.
    pub detect_width: u32,
    /// Detector score below which a candidate is not a face (SeetaFace scale; 2.0 is the
    /// detector's usual setting).
    pub min_face_score: f64,
    /// Largest share (0–1) of background pixels far from its median tone that is still
    /// "plain" (see [`super::background::BUSY_LUMA_DISTANCE`]).
    pub background_max_busy: f32,
    /// Smallest median luma (0–255) of the background that is still "light".
    pub background_min_luma: u8,
    /// Largest median chroma (max − min of R, G, B; 0–255) of the background that is still
    /// white.
    pub background_max_chroma: u8,
}

impl Default for PhotoSettings {
    fn default() -> Self {
        PhotoSettings {
            min_bytes: 14 * KB,
            max_bytes: 40 * KB,
            quality: 70,
            min_quality: 40,
            max_quality: 95,
            max_upscale: 1.5,
            detect_width: 480,
            min_face_score: 2.0,
            background_max_busy: 0.15,
            background_min_luma: 200,
            background_max_chroma: 40,
        }
    }
}
