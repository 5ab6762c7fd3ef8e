//! A still picture as a camera: the same frame on every call.

use std::path::Path;

use image::imageops::{self, FilterType};
use image::{Rgb, RgbImage};

use super::{CameraError, FrameSource, Resolution};

/// Largest frame side a still source accepts, in pixels.
const MAX_SIDE: u32 = 8192;

/// A still image served as camera frames.
#[derive(Debug, Clone)]
pub struct StillSource {
    frame: RgbImage,
}

impl StillSource {
    /// The image as it is.
    pub fn new(image: RgbImage) -> Result<StillSource, CameraError> {
        if image.width() == 0 || image.height() == 0 {
            return Err(CameraError::Empty {
                width: image.width(),
                height: image.height(),
            });
        }
        Ok(StillSource { frame: image })
    }

    /// A picture file (PNG or JPEG), as it is.
    pub fn open(path: &Path) -> Result<StillSource, CameraError> {
        let image = image::open(path)
            .map_err(|source| CameraError::Read {
                path: path.to_path_buf(),
                source,
            })?
            .to_rgb8();
        StillSource::new(image)
    }

    /// The image scaled to fit inside a `frame`-sized picture (aspect ratio kept), centred,
    /// with the rest filled with `fill`: what a webcam of that resolution would deliver.
    pub fn letterboxed(
        image: &RgbImage,
        frame: Resolution,
        fill: Rgb<u8>,
    ) -> Result<StillSource, CameraError> {
        if image.width() == 0 || image.height() == 0 {
            return Err(CameraError::Empty {
                width: image.width(),
                height: image.height(),
            });
        }
        if frame.width == 0
            || frame.height == 0
            || frame.width > MAX_SIDE
            || frame.height > MAX_SIDE
        {
            return Err(CameraError::BadResolution(frame));
        }
        let scale = f64::min(
            f64::from(frame.width) / f64::from(image.width()),
            f64::from(frame.height) / f64::from(image.height()),
        );
        let w = ((f64::from(image.width()) * scale).round() as u32).clamp(1, frame.width);
        let h = ((f64::from(image.height()) * scale).round() as u32).clamp(1, frame.height);
        let scaled = imageops::resize(image, w, h, FilterType::Triangle);
        let mut out = RgbImage::from_pixel(frame.width, frame.height, fill);
        imageops::replace(
            &mut out,
            &scaled,
            i64::from((frame.width - w) / 2),
            i64::from((frame.height - h) / 2),
        );
        Ok(StillSource { frame: out })
    }

    /// The frame this source serves.
    pub fn image(&self) -> &RgbImage {
        &self.frame
    }
}

impl FrameSource for StillSource {
    fn frame(&mut self) -> Result<RgbImage, CameraError> {
        Ok(self.frame.clone())
    }
    fn resolution(&self) -> Resolution {
        Resolution::new(self.frame.width(), self.frame.height())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letterbox_centres_and_fills() {
        let img = RgbImage::from_pixel(100, 100, Rgb([10, 20, 30]));
        let mut src = StillSource::letterboxed(&img, Resolution::HD, Rgb([255, 255, 255])).unwrap();
        assert_eq!(src.resolution(), Resolution::HD);
        let f = src.frame().unwrap();
        assert_eq!(f.get_pixel(0, 0), &Rgb([255, 255, 255]));
        assert_eq!(f.get_pixel(640, 360), &Rgb([10, 20, 30]));
        assert_eq!(f.get_pixel(1279, 719), &Rgb([255, 255, 255]));
    }

    #[test]
    fn empty_images_are_refused() {
        assert!(matches!(
            StillSource::new(RgbImage::new(0, 5)),
            Err(CameraError::Empty { .. })
        ));
        let img = RgbImage::new(4, 4);
        assert!(matches!(
            StillSource::letterboxed(&img, Resolution::new(0, 10), Rgb([0, 0, 0])),
            Err(CameraError::BadResolution(_))
        ));
    }
}
