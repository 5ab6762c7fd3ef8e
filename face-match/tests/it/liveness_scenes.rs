//! The liveness check on hw-sim's live-face scenes, built from real photographs: a sequence
//! that blinks and turns passes; the same photograph printed and held up, or cut out and
//! held up, fails. Needs the `dlib` feature and the fetched models and photographs.
#![cfg(feature = "dlib")]

use super::common;

use std::time::Duration;

use card_io::camera::{FrameSource, Resolution};
use face_match::liveness::{
    Action, Challenge, LivenessCheck, LivenessFailure, LivenessSettings, Progress,
};
use face_match::FaceVerifier;
use hw_sim::camera::live::{LiveAct, LiveCamera};

/// The scenes' frame size: the verifier scales every frame to a 640-pixel side anyway, and
/// composing 1280×720 frames in a debug build costs more than judging them.
const RES: Resolution = Resolution {
    width: 640,
    height: 360,
};

/// Runs the check on the scene's frames, `step` apart, until it passes or fails (at the
/// latest one frame past the time limit).
fn judge(
    v: &dyn FaceVerifier,
    mut cam: LiveCamera,
    challenge: Challenge,
    step: Duration,
) -> Progress {
    let settings = LivenessSettings::default();
    let frames = (settings.time_limit.as_millis() / step.as_millis().max(1)) as u32 + 2;
    let mut check = LivenessCheck::new(challenge, settings);
    for i in 0..frames {
        let frame = cam.frame().expect("frame");
        let p = check.push(step * i, v.observe(&frame));
        if matches!(p, Progress::Passed { .. } | Progress::Failed(_)) {
            return p;
        }
    }
    check.progress()
}

/// The astronaut, and the fetched photographs `names`.
fn photos(names: &[&str]) -> Vec<(String, image::RgbImage)> {
    let dir = common::face_data().join("photos");
    let mut v = vec![(
        "astronaut".to_string(),
        image::open(hw_sim::camera::photos_dir().join("astronaut.png"))
            .expect("astronaut.png")
            .to_rgb8(),
    )];
    for name in names {
        let img = image::open(dir.join(name))
            .unwrap_or_else(|e| panic!("{name}: {e} (fetch_face_data)"))
            .to_rgb8();
        v.push((name.to_string(), img));
    }
    v
}

#[test]
fn a_live_sequence_passes_in_either_order_and_direction() {
    let v = common::verifier();
    // Not biden.jpg: his head is turned a little already, and the landmark predictor does not
    // follow the synthetic turn to his left far enough (BENCHMARKS.md).
    for (name, photo) in photos(&["obama.jpg"]) {
        let marks = v.observe(&photo).expect("a face").landmarks;
        // Blink first and turn left; turn right first, then blink.
        for seed in [0, 3] {
            let challenge = Challenge::from_seed(seed);
            let cam = LiveCamera::new(
                photo.clone(),
                marks,
                LiveAct::Live(challenge.actions.clone()),
                RES,
            )
            .unwrap();
            let p = judge(&v, cam, challenge.clone(), Duration::from_millis(200));
            assert!(
                matches!(p, Progress::Passed { .. }),
                "{name}, {:?}: {p:?}",
                challenge.actions
            );
        }
    }
}

#[test]
fn the_wrong_actions_do_not_pass() {
    let v = common::verifier();
    // Asked to turn right, the person turns left (and blinks): the check waits on.
    let cam =
        LiveCamera::astronaut(LiveAct::Live(vec![Action::TurnLeft, Action::Blink]), RES).unwrap();
    let asked = Challenge {
        actions: vec![Action::TurnRight, Action::Blink],
    };
    let p = judge(&v, cam, asked, Duration::from_millis(600));
    assert!(
        matches!(
            p,
            Progress::Failed(LivenessFailure::TimedOut {
                done: 0,
                waiting_for: Some(Action::TurnRight),
                ..
            })
        ),
        "{p:?}"
    );
}

#[test]
fn held_up_and_cropped_photographs_fail() {
    let v = common::verifier();
    for (name, photo) in photos(&["obama.jpg", "biden.jpg"]) {
        let marks = v.observe(&photo).expect("a face").landmarks;
        for act in [LiveAct::HeldUp, LiveAct::Cropped] {
            let cam = LiveCamera::new(photo.clone(), marks, act.clone(), RES).unwrap();
            // A frame a second: past the 15 s limit within the scene's 30 frames.
            let p = judge(&v, cam, Challenge::from_seed(0), Duration::from_secs(1));
            assert!(
                matches!(
                    p,
                    Progress::Failed(LivenessFailure::TimedOut { done: 0, .. })
                ),
                "{name} {act:?}: {p:?}"
            );
        }
    }
}
