//! The camera: a `card_io::camera::FrameSource` on a thread of its own (a V4L2 stream may not
//! move between threads), opened on first use and reopened after a failure (a camera
//! unplugged and plugged back). [`Camera`] is the handle: the session actor takes a photo
//! with it, the live preview takes a frame with it, and each waits for its frame.
//!
//! [`configured`] opens what `[devices] camera_device` names through
//! `card_io::camera::CameraSpec`: `/dev/videoN` (V4L2, cargo feature `camera-v4l`), or
//! `file:PATH`, a still picture served as every frame (benches, demos, tests); an empty name
//! means the kiosk has no camera. The simulator gives its own source ([`Camera::start`]).

use std::sync::mpsc;

use card_io::camera::image::RgbImage;
use card_io::camera::{CameraError, CameraSpec, FrameSource, Resolution};

use super::link::DeviceError;

/// Opens the camera's frame source (again after a failure).
pub type Opener = Box<dyn FnMut() -> Result<Box<dyn FrameSource>, CameraError> + Send>;

type Job = mpsc::Sender<Result<RgbImage, CameraError>>;

/// The camera thread's handle; clones share the one camera. The thread ends once every
/// handle is dropped.
#[derive(Clone)]
pub struct Camera {
    name: String,
    tx: mpsc::Sender<Job>,
}

impl std::fmt::Debug for Camera {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Camera").field("name", &self.name).finish()
    }
}

impl Camera {
    /// Starts the camera thread; `open` runs on it, at the first frame asked for and after
    /// every failed one.
    pub fn start(name: impl Into<String>, mut open: Opener) -> Result<Camera, DeviceError> {
        let name = name.into();
        let (tx, rx) = mpsc::channel::<Job>();
        let thread_name = name.clone();
        std::thread::Builder::new()
            .name("camera".into())
            .spawn(move || {
                let mut source: Option<Box<dyn FrameSource>> = None;
                for reply in rx {
                    let frame = match source.as_mut() {
                        Some(s) => s.frame(),
                        None => open().and_then(|mut s| {
                            let f = s.frame();
                            source = Some(s);
                            f
                        }),
                    };
                    if let Err(e) = &frame {
                        log::info!("camera {thread_name}: {e}");
                        // Reopened at the next frame asked for.
                        source = None;
                    }
                    let _ = reply.send(frame);
                }
            })
            .map_err(DeviceError::CameraThread)?;
        Ok(Camera { name, tx })
    }

    /// What the camera is (`/dev/video0`, `file:…`, the simulator's).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// One frame, or why there is none.
    pub fn frame(&self) -> Result<RgbImage, CameraError> {
        let gone = || CameraError::Capture {
            reason: "the camera thread stopped".into(),
        };
        let (reply, answer) = mpsc::channel();
        self.tx.send(reply).map_err(|_| gone())?;
        answer.recv().map_err(|_| gone())?
    }
}

/// The camera `[devices]` names, started; `None` when it names none. A name that is neither
/// a `/dev/videoN` device nor a `file:` picture is a configuration error.
pub fn configured(devices: &firmware_config::Devices) -> Result<Option<Camera>, CameraError> {
    let Some(spec) = CameraSpec::parse(&devices.camera_device)? else {
        return Ok(None);
    };
    if matches!(spec, CameraSpec::V4l { .. }) && !cfg!(feature = "camera-v4l") {
        log::warn!(
            "[devices] camera_device {spec}: {}; photos cannot be taken",
            card_io::camera::V4L_NOT_BUILT
        );
    }
    let resolution = Resolution::new(devices.camera_width, devices.camera_height);
    let name = spec.to_string();
    Camera::start(name, Box::new(move || spec.open(resolution)))
        .map(Some)
        .map_err(|e| CameraError::Open {
            device: devices.camera_device.clone(),
            reason: e.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    /// A source whose every other frame fails.
    struct Flaky(u32);

    impl FrameSource for Flaky {
        fn frame(&mut self) -> Result<RgbImage, CameraError> {
            self.0 += 1;
            if self.0.is_multiple_of(2) {
                Err(CameraError::Capture {
                    reason: "unplugged".into(),
                })
            } else {
                Ok(RgbImage::new(4, 3))
            }
        }
        fn resolution(&self) -> Resolution {
            Resolution::new(4, 3)
        }
    }

    #[test]
    fn a_failed_frame_reopens_the_camera_at_the_next_one() {
        let opened = Arc::new(AtomicUsize::new(0));
        let count = opened.clone();
        let cam = Camera::start(
            "flaky",
            Box::new(move || {
                count.fetch_add(1, Ordering::SeqCst);
                Ok(Box::new(Flaky(0)) as Box<dyn FrameSource>)
            }),
        )
        .expect("camera thread");
        let other = cam.clone();
        assert_eq!(cam.frame().expect("a frame").dimensions(), (4, 3));
        assert!(other.frame().is_err(), "the second frame fails");
        assert!(cam.frame().is_ok(), "reopened");
        assert_eq!(opened.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn a_still_picture_is_a_camera_and_no_name_is_none() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("still.png");
        RgbImage::from_pixel(8, 6, card_io::camera::image::Rgb([200, 10, 10]))
            .save(&path)
            .expect("picture written");
        let devices = firmware_config::Devices {
            camera_device: format!("file:{}", path.display()),
            ..firmware_config::Devices::default()
        };
        let cam = configured(&devices).expect("opens").expect("a camera");
        assert_eq!(cam.frame().expect("a frame").dimensions(), (8, 6));
        let none = firmware_config::Devices {
            camera_device: String::new(),
            ..firmware_config::Devices::default()
        };
        assert!(configured(&none).expect("no camera").is_none());
        let bad = firmware_config::Devices {
            camera_device: "webcam".into(),
            ..firmware_config::Devices::default()
        };
        assert!(configured(&bad).is_err());
    }
}
