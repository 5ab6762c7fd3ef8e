//! Active liveness: the citizen is asked to blink and to turn the head, in an order and a
//! direction drawn for each check, and the frames must show it within a time limit.
//!
//! A printed photo or a phone screen held up cannot blink, and tilting or moving it cannot
//! turn the head: [`Landmarks::yaw`](crate::Landmarks::yaw) measures the nose's parallax
//! against the eyes, which a flat picture does not have. (A video of the same person doing
//! the same actions in the same order, or a 3-D mask, is not caught by this check: that needs
//! depth or infrared hardware.)
//!
//! The check is pure: it is fed one [`Observation`] (or the error of a frame) per frame with
//! the frame's time since the challenge began, and says how far the citizen has got
//! ([`Progress`]). It keeps no picture.

use std::time::Duration;

use crate::{FaceError, Observation};

/// One thing the citizen is asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Close both eyes and open them again.
    Blink,
    /// Turn the head to the citizen's own left, then back to the camera.
    TurnLeft,
    /// Turn the head to the citizen's own right, then back to the camera.
    TurnRight,
}

impl Action {
    /// The action's name in texts and logs.
    pub fn name(self) -> &'static str {
        match self {
            Action::Blink => "blink",
            Action::TurnLeft => "turn_left",
            Action::TurnRight => "turn_right",
        }
    }
}

/// The actions asked for, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub actions: Vec<Action>,
}

impl Challenge {
    /// A blink and a turn, their order and the turn's direction drawn from `seed` (the caller
    /// draws it from a random source for each check, so that a prepared video cannot know
    /// them).
    pub fn from_seed(seed: u64) -> Challenge {
        let turn = if seed & 1 == 0 {
            Action::TurnLeft
        } else {
            Action::TurnRight
        };
        let actions = if seed & 2 == 0 {
            vec![Action::Blink, turn]
        } else {
            vec![turn, Action::Blink]
        };
        Challenge { actions }
    }
}

/// The thresholds of the check. The defaults are judged on the sequences of
/// `hw-sim::camera::LiveScene` and on the photographs of data/face/pairs.tsv (see
/// BENCHMARKS.md); they are settings so that a site can tune them to its camera.
#[derive(Debug, Clone, PartialEq)]
pub struct LivenessSettings {
    /// Time from the challenge's start within which every action must be done.
    pub time_limit: Duration,
    /// Frames facing the camera needed before the first action, for the face's baseline.
    pub baseline_frames: usize,
    /// Largest |yaw| (eye distances) that counts as facing the camera.
    pub frontal_yaw: f32,
    /// A turn counts once the yaw has moved this far from the baseline, the asked way.
    pub turn_yaw: f32,
    /// Eyes count as closed below this share of the baseline openness…
    pub closed_ratio: f32,
    /// …and as open again above this share.
    pub open_ratio: f32,
    /// Largest move of the face's centre between two frames, in face widths: more is another
    /// face (or a picture swapped in).
    pub max_jump: f32,
    /// The camera delivers mirrored frames (the picture's left is the citizen's left).
    pub mirrored: bool,
}

impl Default for LivenessSettings {
    fn default() -> Self {
        LivenessSettings {
            time_limit: Duration::from_secs(15),
            baseline_frames: 3,
            frontal_yaw: 0.12,
            turn_yaw: 0.15,
            closed_ratio: 0.6,
            open_ratio: 0.85,
            max_jump: 0.5,
            mirrored: false,
        }
    }
}

/// Why a liveness check failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LivenessFailure {
    #[error("time is up: {done} of {total} actions done, waiting for {waiting_for:?}")]
    TimedOut {
        done: usize,
        total: usize,
        /// `None`: still waiting for the face to look at the camera.
        waiting_for: Option<Action>,
    },
    #[error("{count} faces in front of the camera")]
    SeveralFaces { count: usize },
    #[error("the face in front of the camera changed")]
    FaceChanged,
    #[error("the face could not be checked: {reason}")]
    Verifier { reason: String },
}

/// Where a check stands after a frame.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    /// Waiting for the face to look straight at the camera.
    FaceTheCamera,
    /// Waiting for this action (the `done` before it are done).
    Doing {
        action: Action,
        done: usize,
    },
    /// Every action was done: `frontal_frame` is the index (in pushes, from 0) of the frame
    /// that faces the camera best with open eyes, the one to match against the reference.
    Passed {
        frontal_frame: usize,
    },
    Failed(LivenessFailure),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Step {
    Start,
    /// Blink: waiting for closed eyes, then for open ones.
    Closing,
    Opening,
    /// Turn: waiting for the turn, then for the face back at the camera.
    Turning,
    Returning,
}

/// One liveness check in progress.
#[derive(Debug, Clone)]
pub struct LivenessCheck {
    challenge: Challenge,
    settings: LivenessSettings,
    frames: usize,
    baseline: Vec<(f32, f32)>,
    base_openness: f32,
    base_yaw: f32,
    done: usize,
    step: Step,
    last: Option<Observation>,
    best: Option<(usize, f32)>,
    outcome: Option<Progress>,
}

impl LivenessCheck {
    pub fn new(challenge: Challenge, settings: LivenessSettings) -> LivenessCheck {
        LivenessCheck {
            challenge,
            settings,
            frames: 0,
            baseline: Vec::new(),
            base_openness: 0.0,
            base_yaw: 0.0,
            done: 0,
            step: Step::Start,
            last: None,
            best: None,
            outcome: None,
        }
    }

    pub fn challenge(&self) -> &Challenge {
        &self.challenge
    }

    /// Where the check stands without a new frame.
    pub fn progress(&self) -> Progress {
        if let Some(o) = &self.outcome {
            return o.clone();
        }
        if self.baseline.len() < self.settings.baseline_frames.max(1) {
            return Progress::FaceTheCamera;
        }
        match self.challenge.actions.get(self.done) {
            Some(&action) => Progress::Doing {
                action,
                done: self.done,
            },
            None => Progress::FaceTheCamera,
        }
    }

    /// Feeds the frame taken `at` after the challenge began (its observation, or why it has
    /// none). Once passed or failed, further frames change nothing.
    pub fn push(&mut self, at: Duration, frame: Result<Observation, FaceError>) -> Progress {
        if let Some(o) = &self.outcome {
            return o.clone();
        }
        let index = self.frames;
        self.frames += 1;
        if at > self.settings.time_limit {
            return self.fail(LivenessFailure::TimedOut {
                done: self.done,
                total: self.challenge.actions.len(),
                waiting_for: match self.progress() {
                    Progress::Doing { action, .. } => Some(action),
                    _ => None,
                },
            });
        }
        let obs = match frame {
            Ok(o) => o,
            // A frame without a face (turned too far, blurred) is not held against anyone.
            Err(FaceError::NoFace) => return self.progress(),
            Err(FaceError::SeveralFaces { count }) => {
                return self.fail(LivenessFailure::SeveralFaces { count })
            }
            Err(e) => {
                return self.fail(LivenessFailure::Verifier {
                    reason: e.to_string(),
                })
            }
        };
        if let Some(last) = self.last {
            let jump = last.face.centre().dist(obs.face.centre()) / last.face.width.max(1.0);
            let size = obs.face.width / last.face.width.max(1.0);
            if jump > self.settings.max_jump || !(0.67..=1.5).contains(&size) {
                return self.fail(LivenessFailure::FaceChanged);
            }
        }
        self.last = Some(obs);
        let s = self.settings.clone();
        let need = s.baseline_frames.max(1);
        if self.baseline.len() < need {
            if obs.yaw.abs() <= s.frontal_yaw {
                self.baseline.push((obs.eye_openness, obs.yaw));
                if self.baseline.len() == need {
                    self.base_openness = median(self.baseline.iter().map(|b| b.0));
                    self.base_yaw = median(self.baseline.iter().map(|b| b.1));
                }
            } else {
                self.baseline.clear();
            }
            self.note_best(index, &obs);
            return self.progress();
        }
        self.note_best(index, &obs);
        let Some(&action) = self.challenge.actions.get(self.done) else {
            return self.pass();
        };
        let open = obs.eye_openness / self.base_openness.max(f32::EPSILON);
        let dyaw = obs.yaw - self.base_yaw;
        // Unmirrored, the citizen's left is the picture's right: the nose moves right.
        let sign = match (action, s.mirrored) {
            (Action::TurnLeft, false) | (Action::TurnRight, true) => 1.0,
            _ => -1.0,
        };
        self.step = match (action, self.step) {
            (Action::Blink, Step::Start | Step::Closing) if open <= s.closed_ratio => Step::Opening,
            (Action::Blink, Step::Start) => Step::Closing,
            (Action::Blink, Step::Opening) if open >= s.open_ratio => {
                self.done += 1;
                Step::Start
            }
            (Action::TurnLeft | Action::TurnRight, Step::Start | Step::Turning)
                if dyaw * sign >= s.turn_yaw =>
            {
                Step::Returning
            }
            (Action::TurnLeft | Action::TurnRight, Step::Start) => Step::Turning,
            (Action::TurnLeft | Action::TurnRight, Step::Returning)
                if dyaw.abs() <= s.frontal_yaw =>
            {
                self.done += 1;
                Step::Start
            }
            (_, step) => step,
        };
        if self.done == self.challenge.actions.len() {
            return self.pass();
        }
        self.progress()
    }

    fn note_best(&mut self, index: usize, obs: &Observation) {
        if self.base_openness > 0.0
            && obs.eye_openness < self.settings.open_ratio * self.base_openness
        {
            return;
        }
        let off = (obs.yaw - self.base_yaw).abs();
        if self.best.is_none_or(|(_, b)| off <= b) {
            self.best = Some((index, off));
        }
    }

    fn pass(&mut self) -> Progress {
        let frontal_frame = self.best.map(|b| b.0).unwrap_or(0);
        let p = Progress::Passed { frontal_frame };
        self.outcome = Some(p.clone());
        p
    }

    fn fail(&mut self, f: LivenessFailure) -> Progress {
        let p = Progress::Failed(f);
        self.outcome = Some(p.clone());
        p
    }
}

fn median(values: impl Iterator<Item = f32>) -> f32 {
    let mut v: Vec<f32> = values.collect();
    v.sort_by(f32::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{FaceBox, Landmarks, Point};

    /// A face at the centre with the given yaw (nose offset) and eye openness.
    fn obs(yaw: f32, openness: f32) -> Observation {
        let l = Landmarks::from_points(
            [Point::new(100.0, 100.0), Point::new(130.0, 100.0)],
            [Point::new(170.0, 100.0), Point::new(200.0, 100.0)],
            Point::new(150.0 + yaw * 70.0, 150.0),
        );
        Observation {
            face: FaceBox {
                x: 80.0,
                y: 60.0,
                width: 140.0,
                height: 140.0,
            },
            landmarks: l,
            yaw: l.yaw(),
            eye_openness: openness,
        }
    }

    fn run(challenge: Challenge, frames: &[(f32, f32)]) -> Progress {
        let mut c = LivenessCheck::new(challenge, LivenessSettings::default());
        let mut p = c.progress();
        for (i, &(yaw, open)) in frames.iter().enumerate() {
            p = c.push(Duration::from_millis(200 * i as u64), Ok(obs(yaw, open)));
        }
        p
    }

    #[test]
    fn blink_then_turn_passes_and_picks_a_frontal_frame() {
        let frames = [
            (0.0, 0.30),
            (0.01, 0.31),
            (0.0, 0.30),
            (0.0, 0.12), // closed
            (0.0, 0.29), // open again
            (0.1, 0.30),
            (0.25, 0.28), // turned left (nose to the picture's right)
            (0.02, 0.30), // back
        ];
        let p = run(Challenge::from_seed(0), &frames);
        assert_eq!(p, Progress::Passed { frontal_frame: 4 });
    }

    #[test]
    fn a_held_up_photo_times_out() {
        // The same picture, with noise: no blink, no turn.
        let frames: Vec<(f32, f32)> = (0..80)
            .map(|i| (0.01 * ((i % 3) as f32 - 1.0), 0.30 + 0.005 * (i % 2) as f32))
            .collect();
        let p = run(Challenge::from_seed(3), &frames);
        assert!(
            matches!(
                p,
                Progress::Failed(LivenessFailure::TimedOut {
                    done: 0,
                    total: 2,
                    ..
                })
            ),
            "{p:?}"
        );
    }

    #[test]
    fn the_wrong_turn_and_half_a_blink_do_not_count() {
        // Challenge 3: turn right first. Turning left does nothing.
        let c = Challenge::from_seed(3);
        assert_eq!(c.actions, vec![Action::TurnRight, Action::Blink]);
        let p = run(
            c.clone(),
            &[(0.0, 0.3), (0.0, 0.3), (0.0, 0.3), (0.3, 0.3), (0.0, 0.3)],
        );
        assert_eq!(
            p,
            Progress::Doing {
                action: Action::TurnRight,
                done: 0
            }
        );
        // Turned right and back, then eyes closed but never reopened.
        let p = run(
            c,
            &[
                (0.0, 0.3),
                (0.0, 0.3),
                (0.0, 0.3),
                (-0.3, 0.3),
                (0.0, 0.3),
                (0.0, 0.1),
                (0.0, 0.1),
            ],
        );
        assert_eq!(
            p,
            Progress::Doing {
                action: Action::Blink,
                done: 1
            }
        );
    }

    #[test]
    fn several_faces_or_a_jump_fail_at_once() {
        let mut c = LivenessCheck::new(Challenge::from_seed(0), LivenessSettings::default());
        c.push(Duration::ZERO, Ok(obs(0.0, 0.3)));
        let p = c.push(
            Duration::from_millis(100),
            Err(FaceError::SeveralFaces { count: 2 }),
        );
        assert_eq!(
            p,
            Progress::Failed(LivenessFailure::SeveralFaces { count: 2 })
        );
        let mut c = LivenessCheck::new(Challenge::from_seed(0), LivenessSettings::default());
        c.push(Duration::ZERO, Ok(obs(0.0, 0.3)));
        let mut moved = obs(0.0, 0.3);
        moved.face.x += 200.0;
        assert_eq!(
            c.push(Duration::from_millis(100), Ok(moved)),
            Progress::Failed(LivenessFailure::FaceChanged)
        );
        // Frames without a face are skipped.
        let mut c = LivenessCheck::new(Challenge::from_seed(0), LivenessSettings::default());
        assert_eq!(
            c.push(Duration::ZERO, Err(FaceError::NoFace)),
            Progress::FaceTheCamera
        );
        let e = FaceError::Unavailable { reason: "x".into() };
        assert!(matches!(
            c.push(Duration::ZERO, Err(e)),
            Progress::Failed(LivenessFailure::Verifier { .. })
        ));
    }

    #[test]
    fn mirrored_cameras_swap_the_sides() {
        let settings = LivenessSettings {
            mirrored: true,
            ..LivenessSettings::default()
        };
        let mut c = LivenessCheck::new(
            Challenge {
                actions: vec![Action::TurnLeft],
            },
            settings,
        );
        let frames = [(0.0, 0.3), (0.0, 0.3), (0.0, 0.3), (-0.3, 0.3), (0.0, 0.3)];
        let mut p = Progress::FaceTheCamera;
        for (i, &(y, o)) in frames.iter().enumerate() {
            p = c.push(Duration::from_millis(100 * i as u64), Ok(obs(y, o)));
        }
        assert!(matches!(p, Progress::Passed { .. }), "{p:?}");
        assert!(Challenge::from_seed(2).actions[0] != Action::Blink);
    }
}
