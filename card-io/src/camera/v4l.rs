//! A V4L2 webcam through `nokhwa` (cargo feature `camera-v4l`).

use image::RgbImage;
use nokhwa::pixel_format::RgbFormat;
use nokhwa::utils::{
    CameraIndex, RequestedFormat, RequestedFormatType, Resolution as NokhwaResolution,
};
use nokhwa::Camera;

use super::{CameraError, FrameSource, Resolution};

/// A webcam at `/dev/video<index>`, streaming at a fixed resolution.
pub struct V4lCamera {
    camera: Camera,
    device: String,
    resolution: Resolution,
}

impl V4lCamera {
    /// Opens `/dev/video<index>` in a mode of exactly `resolution` (the highest frame rate the
    /// camera offers at it) and starts the stream.
    pub fn open(index: u32, resolution: Resolution) -> Result<V4lCamera, CameraError> {
        let device = format!("/dev/video{index}");
        let open_error = |e: nokhwa::NokhwaError| CameraError::Open {
            device: device.clone(),
            reason: e.to_string(),
        };
        let requested = RequestedFormat::new::<RgbFormat>(RequestedFormatType::HighestResolution(
            NokhwaResolution::new(resolution.width, resolution.height),
        ));
        let mut camera = Camera::new(CameraIndex::Index(index), requested).map_err(open_error)?;
        camera.open_stream().map_err(open_error)?;
        let actual = camera.resolution();
        Ok(V4lCamera {
            camera,
            device,
            resolution: Resolution::new(actual.width(), actual.height()),
        })
    }

    /// The device path this camera was opened at.
    pub fn device(&self) -> &str {
        &self.device
    }
}

impl FrameSource for V4lCamera {
    fn frame(&mut self) -> Result<RgbImage, CameraError> {
        let buffer = self.camera.frame().map_err(|e| CameraError::Capture {
            reason: e.to_string(),
        })?;
        buffer
            .decode_image::<RgbFormat>()
            .map_err(|e| CameraError::Decode {
                reason: e.to_string(),
            })
    }

    fn resolution(&self) -> Resolution {
        self.resolution
    }
}

impl Drop for V4lCamera {
    fn drop(&mut self) {
        if let Err(e) = self.camera.stop_stream() {
            log::warn!("{}: stopping the stream failed: {e}", self.device);
        }
    }
}
