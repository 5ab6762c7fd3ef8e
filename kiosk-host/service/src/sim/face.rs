//! The simulated camera of the identity step (issue 19): what stands in front of the kiosk
//! while a match runs, chosen on the `/sim` panel or with `POST /api/sim/face`. Each scene is
//! one of hw-sim's `camera::live` sequences built from real photographs:
//!
//! - `live`: the astronaut (the demo people's photo on file) blinks and turns her head, in the
//!   order and direction the kiosk asked for;
//! - `held_up`: her printed photograph held up to the camera (never blinks or turns);
//! - `other_person`: someone else blinks and turns as asked: `obama.jpg`, one of the
//!   photographs `scripts/lib.sh fetch_face_data` fetches with the face models (PyPI
//!   `face_recognition`'s test images; not committed: no open licence is stated for them).
//!
//! Frames are timed by the scene's own clock (5 a second), so a slow debug build judges the
//! same sequence as a fast one.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use card_io::camera::{FrameSource, Resolution};
use face_match::liveness::Challenge;
use face_match::FaceVerifier;
use hw_sim::camera::live::{LiveAct, LiveCamera};

use crate::face::{FaceCamera, Frames};

/// What stands in front of the simulated kiosk during a match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaceScene {
    Live,
    HeldUp,
    OtherPerson,
}

impl FaceScene {
    pub const ALL: [FaceScene; 3] = [FaceScene::Live, FaceScene::HeldUp, FaceScene::OtherPerson];

    pub fn name(self) -> &'static str {
        match self {
            FaceScene::Live => "live",
            FaceScene::HeldUp => "held_up",
            FaceScene::OtherPerson => "other_person",
        }
    }

    pub fn from_name(name: &str) -> Option<FaceScene> {
        FaceScene::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// Time between two frames of a scene.
const FRAME: Duration = Duration::from_millis(200);
/// The resolution of the match's frames: enough for the detector, cheap to judge.
const RES: Resolution = Resolution {
    width: 640,
    height: 480,
};

/// The simulated camera of a match.
pub struct SimFaceCamera {
    pub scene: Arc<Mutex<FaceScene>>,
    pub plugged: Arc<AtomicBool>,
    /// Finds the other person's landmarks in their photograph (once per attempt).
    pub verifier: Arc<dyn FaceVerifier>,
    /// The other person's photograph.
    pub other_person: std::path::PathBuf,
}

impl FaceCamera for SimFaceCamera {
    fn frames(&self, challenge: &Challenge) -> Result<Frames, String> {
        if !self.plugged.load(Ordering::SeqCst) {
            return Err("the camera is unplugged".into());
        }
        let scene = *self.scene.lock().unwrap_or_else(|p| p.into_inner());
        let mut camera = match scene {
            FaceScene::Live => LiveCamera::astronaut(LiveAct::Live(challenge.actions.clone()), RES),
            FaceScene::HeldUp => LiveCamera::astronaut(LiveAct::HeldUp, RES),
            FaceScene::OtherPerson => {
                let photo = image::open(&self.other_person)
                    .map_err(|e| format!("{}: {e}", self.other_person.display()))?
                    .to_rgb8();
                let marks = self
                    .verifier
                    .observe(&photo)
                    .map_err(|e| format!("the other person's photograph: {e}"))?
                    .landmarks;
                LiveCamera::new(photo, marks, LiveAct::Live(challenge.actions.clone()), RES)
            }
        }
        .map_err(|e| e.to_string())?;
        let plugged = self.plugged.clone();
        let mut n: u32 = 0;
        Ok(Box::new(move || {
            if !plugged.load(Ordering::SeqCst) {
                return Err("the camera is unplugged".into());
            }
            let frame = camera.frame().map_err(|e| e.to_string())?;
            let at = FRAME * n;
            n += 1;
            Ok((frame, at))
        }))
    }

    fn unavailable(&self) -> Option<String> {
        (!self.plugged.load(Ordering::SeqCst)).then(|| "the camera is unplugged".into())
    }
}

/// The simulated ID cards' photo, decoded: the astronaut portrait cut to an ID card photo's
/// size and framing (`face_match::id_card_photo`). The simulated ID module's cards carry WLT
/// bytes that only stand for a photo, and no licensed decoder exists here; every demo person
/// "is" the astronaut at the camera, as the `live` scene shows.
pub fn card_photo() -> crate::face::CardPhoto {
    Arc::new(|_id_number: &str| {
        let portrait = image::open(hw_sim::camera::photos_dir().join("astronaut.png"))
            .ok()?
            .to_rgb8();
        Some(face_match::id_card_photo(
            &portrait,
            &hw_sim::camera::live::ASTRONAUT_LANDMARKS,
        ))
    })
}
