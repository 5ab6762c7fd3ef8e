//! Camera frame sources: where the card-making photo pipeline gets its pictures.
//!
//! - [`FrameSource`]: the trait every source implements (one RGB frame per call, and the
//!   resolution frames come in).
//! - [`still::StillSource`]: a still image from a file or from memory, optionally placed in a
//!   webcam-sized frame (1280×720, 1920×1080) with letterboxing, as a camera would deliver it.
//! - `v4l::V4lCamera` (cargo feature `camera-v4l`, off by default): a V4L2 webcam through
//!   `nokhwa`; building it needs `libclang-dev`.
//!
//! The `image` crate is re-exported so that users of frames need no second copy of it.

pub mod still;
#[cfg(feature = "camera-v4l")]
pub mod v4l;

use std::path::PathBuf;

pub use image;
use image::RgbImage;

pub use still::StillSource;
#[cfg(feature = "camera-v4l")]
pub use v4l::V4lCamera;

/// Width and height of frames in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Resolution {
    pub width: u32,
    pub height: u32,
}

impl Resolution {
    /// 1280×720, the usual kiosk webcam mode.
    pub const HD: Resolution = Resolution {
        width: 1280,
        height: 720,
    };
    /// 1920×1080.
    pub const FULL_HD: Resolution = Resolution {
        width: 1920,
        height: 1080,
    };

    pub fn new(width: u32, height: u32) -> Resolution {
        Resolution { width, height }
    }
}

impl std::fmt::Display for Resolution {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}×{}", self.width, self.height)
    }
}

/// Something that delivers camera frames.
pub trait FrameSource {
    /// The next frame, as 8-bit RGB.
    fn frame(&mut self) -> Result<RgbImage, CameraError>;
    /// The resolution of the frames this source delivers.
    fn resolution(&self) -> Resolution;
}

impl<S: FrameSource + ?Sized> FrameSource for Box<S> {
    fn frame(&mut self) -> Result<RgbImage, CameraError> {
        (**self).frame()
    }
    fn resolution(&self) -> Resolution {
        (**self).resolution()
    }
}

/// Why a camera gave no frame.
#[derive(Debug, thiserror::Error)]
pub enum CameraError {
    #[error("cannot read the picture {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: image::ImageError,
    },
    #[error("the picture is empty ({width}×{height})")]
    Empty { width: u32, height: u32 },
    #[error("frame size {0} is not usable (0 or larger than 8192 in a dimension)")]
    BadResolution(Resolution),
    #[error("cannot open the camera {device}: {reason}")]
    Open { device: String, reason: String },
    #[error("the camera delivered no frame: {reason}")]
    Capture { reason: String },
    #[error("the camera's frame could not be decoded: {reason}")]
    Decode { reason: String },
}
