//! The identity step's worker (人证核验, `kiosk_core::engine::identity`): [`FaceKit`] holds the
//! face verifier (loaded once at start), where a match's frames come from ([`FaceCamera`]: the
//! kiosk's camera, or the simulator's scene) and the live image's slot ([`Preview`]). While
//! the session is at an attempt, a [`FaceRun`] runs the liveness challenge on a thread of its
//! own (blink and turn, drawn per attempt), then embeds the most frontal frame and compares
//! it with the reference photo; the session actor polls it ([`FaceRun::poll`]) and feeds the
//! result to the session.
//!
//! The reference photo is the registry's photo of the person at the kiosk (the agent in an
//! agent case, else the holder). With no camera, no verifier or no reference photo, the
//! match is "not possible" and the rules decide (the reducer's part).
//!
//! Privacy: frames live only in the worker while it runs; the preview slot holds the last
//! one, scaled down, and is emptied when the run ends or is dropped (the session's end).
//! Embeddings are dropped with the run; only the score, the decision, the threshold and the
//! model version leave it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use face_match::liveness::{Action, Challenge, LivenessCheck, LivenessSettings, Progress};
use face_match::{FaceError, FaceVerifier, RgbImage};
use kiosk_core::engine::identity::{FaceRecord, FaceResult};

/// A frame and its time since the attempt began.
pub type TimedFrame = (RgbImage, Duration);

/// The frames of one attempt, one per call.
pub type Frames = Box<dyn FnMut() -> Result<TimedFrame, String> + Send>;

/// Where a match's frames come from.
pub trait FaceCamera: Send + Sync {
    /// The frames of one attempt at `challenge` (the simulator's person follows it; a real
    /// camera ignores it).
    fn frames(&self, challenge: &Challenge) -> Result<Frames, String>;

    /// Why the camera cannot be used now (unplugged, failing), if it cannot: asked before
    /// the consent, so no consent is asked for a camera that will not be used.
    fn unavailable(&self) -> Option<String>;
}

/// The kiosk's camera: its frames as they come, timed by the wall clock, at most 5 a second.
pub struct LiveCamera(pub crate::devices::camera::Camera);

impl FaceCamera for LiveCamera {
    fn frames(&self, _challenge: &Challenge) -> Result<Frames, String> {
        let camera = self.0.clone();
        let start = Instant::now();
        let mut last: Option<Instant> = None;
        Ok(Box::new(move || {
            if let Some(l) = last {
                let wait = Duration::from_millis(200).saturating_sub(l.elapsed());
                std::thread::sleep(wait);
            }
            last = Some(Instant::now());
            let frame = camera.frame().map_err(|e| e.to_string())?;
            Ok((frame, start.elapsed()))
        }))
    }

    fn unavailable(&self) -> Option<String> {
        // One frame (the camera thread reopens a camera that failed before).
        self.0.frame().err().map(|e| e.to_string())
    }
}

/// The live image shown while a match runs: the last frame the worker looked at, as a small
/// JPEG; empty when no match runs.
#[derive(Clone, Default)]
pub struct Preview(Arc<Mutex<Option<Vec<u8>>>>);

impl Preview {
    pub fn get(&self) -> Option<Vec<u8>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn set(&self, frame: &RgbImage) {
        let small = image::imageops::thumbnail(frame, 480, 270);
        let mut out = std::io::Cursor::new(Vec::new());
        if image::DynamicImage::ImageRgb8(small)
            .write_to(&mut out, image::ImageFormat::Jpeg)
            .is_ok()
        {
            *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(out.into_inner());
        }
    }

    fn clear(&self) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
}

/// What the identity step works with.
pub struct FaceKit {
    pub verifier: Arc<dyn FaceVerifier>,
    /// `None`: the kiosk has no camera.
    pub camera: Option<Arc<dyn FaceCamera>>,
    pub liveness: LivenessSettings,
    pub preview: Preview,
    /// The ID card's decoded photo of the person at the kiosk, the first reference; `None`
    /// here: the registry's photo is the reference. (The simulator's stands in for a
    /// licensed decoder: its ID cards carry no real WLT photo.)
    pub card_photo: Option<CardPhoto>,
}

/// Gives the decoded ID card photo of the person with this ID number, if there is one.
pub type CardPhoto = Arc<dyn Fn(&str) -> Option<RgbImage> + Send + Sync>;

impl FaceKit {
    /// The verifier of `[face]` (dlib's, when built with it and its models load; otherwise
    /// one that answers "not possible", the reason logged).
    /// `camera` is set afterwards (the simulator's needs the verifier).
    pub fn new(config: &firmware_config::Config) -> FaceKit {
        let f = &config.face;
        let verifier: Arc<dyn FaceVerifier> =
            Arc::from(face_match::open_verifier(&face_match::FaceSettings {
                model_dir: f.model_dir.clone().into(),
                threshold: f.threshold as f32,
            }));
        if verifier.model_version() == "none" {
            log::info!("face verification is not available: the identity step takes the rules' \"not possible\" path");
        }
        FaceKit {
            verifier,
            camera: None,
            liveness: LivenessSettings {
                time_limit: Duration::from_secs(u64::from(f.liveness_seconds)),
                ..LivenessSettings::default()
            },
            preview: Preview::default(),
            card_photo: None,
        }
    }

    /// Why no match is possible here, if it is not (before the consent is asked).
    pub fn impossible(&self) -> Option<String> {
        let Some(camera) = &self.camera else {
            return Some("this kiosk has no camera".into());
        };
        if !face_match::compiled_in() || self.verifier.model_version() == "none" {
            return Some("this kiosk cannot verify faces (no face models or feature)".into());
        }
        camera
            .unavailable()
            .map(|why| format!("the camera cannot be used: {why}"))
    }

    /// Starts attempt `attempt` against `reference`.
    pub fn start(&self, attempt: u32, reference: RgbImage) -> FaceRun {
        let state = Arc::new(Mutex::new(RunState::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let run = FaceRun {
            attempt,
            state: state.clone(),
            stop: stop.clone(),
            preview: self.preview.clone(),
        };
        let Some(camera) = self.camera.clone() else {
            run.finish(FaceResult::NotPossible {
                reason: "this kiosk has no camera".into(),
            });
            return run;
        };
        let verifier = self.verifier.clone();
        let settings = self.liveness.clone();
        let preview = self.preview.clone();
        let spawned = std::thread::Builder::new()
            .name("face-match".into())
            .spawn(move || {
                let result = attempt_once(
                    &*verifier, &*camera, settings, &reference, &state, &stop, &preview,
                );
                drop(reference);
                if !stop.load(Ordering::SeqCst) {
                    state.lock().unwrap_or_else(|p| p.into_inner()).result = Some(result);
                }
            });
        if let Err(e) = spawned {
            run.finish(FaceResult::NotPossible {
                reason: format!("the face worker could not start: {e}"),
            });
        }
        run
    }
}

/// What a run shows while it goes on, and its result once there.
#[derive(Debug, Default)]
struct RunState {
    /// The action asked now (`None`: look at the camera).
    doing: Option<Action>,
    /// The faces are being compared.
    comparing: bool,
    result: Option<FaceResult>,
}

/// Where a run stands, for the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Instruction {
    LookAtCamera,
    Do(Action),
    Comparing,
}

/// One attempt in progress. Dropping it stops the worker and empties the preview.
pub struct FaceRun {
    pub attempt: u32,
    state: Arc<Mutex<RunState>>,
    stop: Arc<AtomicBool>,
    preview: Preview,
}

impl FaceRun {
    fn finish(&self, result: FaceResult) {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).result = Some(result);
    }

    /// The result, once the attempt ended (taken: asked once).
    pub fn poll(&self) -> Option<FaceResult> {
        let r = self
            .state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .result
            .take();
        if r.is_some() {
            self.preview.clear();
        }
        r
    }

    /// What the citizen is asked to do now.
    pub fn instruction(&self) -> Instruction {
        let s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if s.comparing {
            Instruction::Comparing
        } else {
            s.doing.map_or(Instruction::LookAtCamera, Instruction::Do)
        }
    }
}

impl Drop for FaceRun {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.preview.clear();
    }
}

/// Frames of one attempt after the time limit, at most: a camera that keeps giving frames
/// with no face ends the attempt too.
const MAX_FRAMES: usize = 400;

/// One attempt: the liveness challenge over the frames, then the comparison of the most
/// frontal open-eyed frame with the reference.
fn attempt_once(
    verifier: &dyn FaceVerifier,
    camera: &dyn FaceCamera,
    settings: LivenessSettings,
    reference: &RgbImage,
    state: &Mutex<RunState>,
    stop: &AtomicBool,
    preview: &Preview,
) -> FaceResult {
    // The reference first: without a face in it no match is possible.
    let reference = match verifier.embed(reference) {
        Ok(e) => e,
        Err(e) if e.is_bad_input() => {
            return FaceResult::NotPossible {
                reason: format!("the reference photo: {e}"),
            }
        }
        Err(e) => {
            return FaceResult::NotPossible {
                reason: e.to_string(),
            }
        }
    };
    let challenge = Challenge::from_seed(rand::random());
    let mut frames = match camera.frames(&challenge) {
        Ok(f) => f,
        Err(reason) => return FaceResult::NotPossible { reason },
    };
    let limit = settings.time_limit;
    let mut check = LivenessCheck::new(challenge, settings);
    // The most frontal frame with open eyes so far (|yaw|, openness of the first face).
    let mut best: Option<(RgbImage, f32)> = None;
    let mut first_openness: Option<f32> = None;
    let mut several = 0usize;
    for _ in 0..MAX_FRAMES {
        if stop.load(Ordering::SeqCst) {
            return FaceResult::NotPossible {
                reason: "stopped".into(),
            };
        }
        let (frame, at) = match frames() {
            Ok(f) => f,
            Err(reason) => return FaceResult::NotPossible { reason },
        };
        preview.set(&frame);
        let obs = verifier.observe(&frame);
        if let Ok(o) = &obs {
            let open = *first_openness.get_or_insert(o.eye_openness);
            let yaw = o.yaw.abs();
            if o.eye_openness >= 0.85 * open && best.as_ref().is_none_or(|(_, b)| yaw <= *b) {
                best = Some((frame, yaw));
            }
        }
        if matches!(obs, Err(FaceError::SeveralFaces { .. })) {
            several += 1;
        }
        let progress = check.push(at, obs);
        state.lock().unwrap_or_else(|p| p.into_inner()).doing = match &progress {
            Progress::Doing { action, .. } => Some(*action),
            _ => None,
        };
        match progress {
            Progress::Passed { .. } => break,
            Progress::Failed(f) => {
                use face_match::liveness::LivenessFailure as L;
                return match f {
                    L::SeveralFaces { .. } => FaceResult::NoFace {
                        reason: f.to_string(),
                    },
                    L::TimedOut { .. } if first_openness.is_none() || several > 0 => {
                        FaceResult::NoFace {
                            reason: f.to_string(),
                        }
                    }
                    L::Verifier { reason } => FaceResult::NotPossible { reason },
                    _ => FaceResult::NotLive {
                        reason: f.to_string(),
                    },
                };
            }
            _ if at > limit => {
                return FaceResult::NotLive {
                    reason: "time is up".into(),
                }
            }
            _ => {}
        }
    }
    if !matches!(check.progress(), Progress::Passed { .. }) {
        return FaceResult::NotLive {
            reason: "no result within the frames".into(),
        };
    }
    state.lock().unwrap_or_else(|p| p.into_inner()).comparing = true;
    let Some((frame, _)) = best else {
        return FaceResult::NoFace {
            reason: "no frontal frame".into(),
        };
    };
    let live = match verifier.embed(&frame) {
        Ok(e) => e,
        Err(e) => {
            return FaceResult::NoFace {
                reason: e.to_string(),
            }
        }
    };
    drop(frame);
    let m = verifier.compare(&live, &reference);
    FaceResult::Compared(FaceRecord {
        score: m.score,
        threshold: m.threshold,
        same_person: m.same_person,
        model_version: verifier.model_version().to_string(),
        at: chrono::Utc::now(),
    })
}
