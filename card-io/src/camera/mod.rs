//! Camera frame sources: where the card-making photo pipeline gets its pictures.
//!
//! - [`FrameSource`]: the trait every source implements (one RGB frame per call, and the
//!   resolution frames come in).
//! - [`still::StillSource`]: a still image from a file or from memory, optionally placed in a
//!   webcam-sized frame (1280×720, 1920×1080) with letterboxing, as a camera would deliver it.
//! - `v4l::V4lCamera` (cargo feature `camera-v4l`, off by default): a V4L2 webcam through
//!   `nokhwa`; building it needs `libclang-dev`.
//! - [`CameraSpec`]: a camera as a configuration names it (`/dev/videoN`, or `file:PATH` for
//!   a still picture), opened as one of the above.
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

/// A camera as a configuration names it (`[devices] camera_device`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CameraSpec {
    /// A V4L2 webcam by its device path: `/dev/videoN`, or a link to one such as
    /// `/dev/v4l/by-id/…` (cargo feature `camera-v4l`).
    V4l(PathBuf),
    /// `file:PATH`: a still picture (PNG or JPEG) served as every frame, as it is: for
    /// benches, demos and tests of a kiosk without a webcam.
    File(PathBuf),
}

/// The prefix of a still-picture camera.
pub const FILE_PREFIX: &str = "file:";

impl CameraSpec {
    /// The camera `device` names: `None` for an empty name (the kiosk has no camera).
    pub fn parse(device: &str) -> Result<Option<CameraSpec>, CameraError> {
        let device = device.trim();
        if device.is_empty() {
            return Ok(None);
        }
        let (path, spec): (&str, fn(PathBuf) -> CameraSpec) = match device.strip_prefix(FILE_PREFIX)
        {
            Some(path) => (path, CameraSpec::File),
            None => (device, CameraSpec::V4l),
        };
        if !path.starts_with('/') {
            return Err(CameraError::Open {
                device: device.to_string(),
                reason: "a camera is named by a full path: /dev/video0, or a picture as \
                         file:/var/lib/kiosk/photo.png"
                    .into(),
            });
        }
        Ok(Some(spec(PathBuf::from(path))))
    }

    /// Opens the camera in the mode `resolution` (a still picture is served at its own size).
    /// A V4L2 camera in a build without `camera-v4l` cannot be opened, and says so.
    pub fn open(&self, resolution: Resolution) -> Result<Box<dyn FrameSource>, CameraError> {
        match self {
            CameraSpec::File(path) => Ok(Box::new(StillSource::open(path)?)),
            #[cfg(feature = "camera-v4l")]
            CameraSpec::V4l(device) => {
                let index = video_index(device)?;
                Ok(Box::new(V4lCamera::open(index, resolution)?))
            }
            #[cfg(not(feature = "camera-v4l"))]
            CameraSpec::V4l(device) => {
                let _ = resolution;
                Err(CameraError::Open {
                    device: device.display().to_string(),
                    reason: V4L_NOT_BUILT.to_string(),
                })
            }
        }
    }
}

/// The `N` of `/dev/videoN` a device path is, or links to.
pub fn video_index(device: &std::path::Path) -> Result<u32, CameraError> {
    let resolved = std::fs::canonicalize(device).unwrap_or_else(|_| device.to_path_buf());
    resolved
        .to_str()
        .and_then(|p| p.strip_prefix("/dev/video"))
        .and_then(|n| n.parse::<u32>().ok())
        .ok_or_else(|| CameraError::Open {
            device: device.display().to_string(),
            reason: "not a V4L2 video device (/dev/videoN)".into(),
        })
}

impl std::fmt::Display for CameraSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CameraSpec::V4l(device) => write!(f, "{}", device.display()),
            CameraSpec::File(path) => write!(f, "{FILE_PREFIX}{}", path.display()),
        }
    }
}

/// Why a V4L2 camera cannot be opened by a build without it.
pub const V4L_NOT_BUILT: &str =
    "this program was built without V4L2 camera support (cargo feature camera-v4l)";

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cameras_are_named_by_device_or_by_picture_file() {
        assert_eq!(CameraSpec::parse("  ").expect("no camera"), None);
        assert_eq!(
            CameraSpec::parse("/dev/video2").expect("a webcam"),
            Some(CameraSpec::V4l(PathBuf::from("/dev/video2")))
        );
        assert_eq!(
            video_index(std::path::Path::new("/dev/video2")).ok(),
            Some(2)
        );
        assert!(video_index(std::path::Path::new("/dev/ttyUSB0")).is_err());
        let still = CameraSpec::parse("file:/srv/photo.png").expect("a picture");
        assert_eq!(
            still,
            Some(CameraSpec::File(PathBuf::from("/srv/photo.png")))
        );
        assert_eq!(
            still.map(|s| s.to_string()).as_deref(),
            Some("file:/srv/photo.png")
        );
        for bad in ["webcam", "video0", "file:photo.png", "file:"] {
            assert!(CameraSpec::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_picture_file_serves_itself_as_every_frame() {
        let path = std::env::temp_dir().join(format!(
            "card-io-still-{}-{:?}.png",
            std::process::id(),
            std::thread::current().id()
        ));
        RgbImage::from_pixel(6, 4, image::Rgb([1, 2, 3]))
            .save(&path)
            .expect("written");
        let spec = CameraSpec::File(path.clone());
        let mut cam = spec.open(Resolution::HD).expect("opens");
        assert_eq!(cam.resolution(), Resolution::new(6, 4));
        assert_eq!(cam.frame().expect("a frame").get_pixel(5, 3).0, [1, 2, 3]);
        std::fs::remove_file(&path).expect("removed");
        assert!(matches!(
            spec.open(Resolution::HD),
            Err(CameraError::Read { .. })
        ));
        #[cfg(not(feature = "camera-v4l"))]
        assert!(matches!(
            CameraSpec::parse("/dev/video0").expect("parses").map(|s| s.open(Resolution::HD)),
            Some(Err(CameraError::Open { reason, .. })) if reason == V4L_NOT_BUILT
        ));
    }
}
