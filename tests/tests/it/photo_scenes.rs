//! The photo pipeline against the simulated camera's scenes (frames built from real
//! photographs): good frames become compliant files, each kind of bad frame is refused with
//! the right rule and advice.

use card_io::camera::image;
use card_io::camera::{FrameSource, Resolution};
use card_io::photo::{
    inspect, FaceDetector, HeadBox, PhotoError, PhotoSettings, Pipeline, Refusal, Rule, Status,
    DPI, HEIGHT, WIDTH,
};
use hw_sim::camera::{Scene, SimCamera};

fn frame(scene: Scene, res: Resolution) -> image::RgbImage {
    SimCamera::new(scene, res).unwrap().frame().unwrap()
}

fn pipeline() -> Pipeline {
    Pipeline::new(PhotoSettings::default()).unwrap()
}

#[test]
fn good_frames_become_compliant_photos() {
    let settings = PhotoSettings::default();
    let mut p = pipeline();
    let mut measurer = FaceDetector::fine(settings.min_face_score).unwrap();
    for res in [Resolution::HD, Resolution::FULL_HD] {
        let photo = p.make(&frame(Scene::Good, res)).unwrap();
        // The file: size window, 24-bit baseline JPEG, JFIF 350 × 350 dpi, 358 × 441.
        let n = photo.jpeg.len();
        assert!(
            n >= settings.min_bytes && n <= settings.max_bytes,
            "{res}: {n} bytes"
        );
        let info = inspect(&photo.jpeg).expect("a JPEG");
        let jfif = info.jfif.expect("a JFIF APP0 header");
        assert_eq!((jfif.units, jfif.x_density, jfif.y_density), (1, DPI, DPI));
        assert_eq!(DPI, 350);
        assert!(info.is_24_bit(), "{info:?}");
        assert_eq!(
            (u32::from(info.width), u32::from(info.height)),
            (WIDTH, HEIGHT)
        );
        // Decoded back: exactly 358 × 441 RGB, and the head box re-detected on it keeps the
        // rules.
        let decoded = image::load_from_memory(&photo.jpeg).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (358, 441));
        assert_eq!(decoded.color(), image::ColorType::Rgb8);
        let face = measurer
            .measure(&decoded.to_rgb8())
            .expect("one face on the photo");
        let head = HeadBox::on_photo(&face);
        assert!(head.violations().is_empty(), "{res}: {head:?}");
        // The finished photo passes the check as it is.
        let report = p.check(&decoded.to_rgb8()).unwrap();
        assert!(report.compliant, "{res}: {report:#?}");
    }
}

fn refusal(scene: Scene, res: Resolution) -> Refusal {
    match pipeline().make(&frame(scene, res)) {
        Err(PhotoError::Refused(r)) => r,
        Err(e) => panic!("{}: pipeline fault {e}", scene.name()),
        Ok(_) => panic!("{}: accepted", scene.name()),
    }
}

#[test]
fn no_face_is_refused_face_the_camera() {
    let r = refusal(Scene::NoFace, Resolution::HD);
    assert_eq!(r, Refusal::NoFace);
    assert_eq!(r.rule(), Rule::OneFace);
    assert_eq!(r.advice().en, "no face found: face the camera");
}

#[test]
fn two_faces_are_refused() {
    for res in [Resolution::HD, Resolution::FULL_HD] {
        let r = refusal(Scene::TwoFaces, res);
        assert!(
            matches!(r, Refusal::SeveralFaces { count } if count >= 2),
            "{r:?}"
        );
        assert_eq!(
            r.advice().en,
            "more than one face: only the applicant may be in the picture"
        );
    }
}

#[test]
fn a_far_face_is_refused_move_closer() {
    for res in [Resolution::HD, Resolution::FULL_HD] {
        let r = refusal(Scene::TooFar, res);
        assert!(matches!(r, Refusal::TooFar { .. }), "{r:?}");
        assert!(r.advice().en.ends_with("move closer"));
    }
}

#[test]
fn a_face_filling_the_frame_is_refused_move_back() {
    let r = refusal(Scene::TooClose, Resolution::HD);
    assert!(matches!(r, Refusal::TooClose { .. }), "{r:?}");
    assert!(r.advice().en.ends_with("move back"));
}

#[test]
fn a_face_at_the_corner_is_refused_move_to_the_centre() {
    let r = refusal(Scene::OffCentre, Resolution::HD);
    assert!(matches!(r, Refusal::OffCentre { .. }), "{r:?}");
    assert_eq!(r.rule(), Rule::Position);
    assert!(r.advice().en.ends_with("move to the centre"));
}

#[test]
fn clutter_behind_the_head_is_refused_background_not_plain() {
    let r = refusal(Scene::Cluttered, Resolution::HD);
    assert!(matches!(r, Refusal::BackgroundNotPlain { .. }), "{r:?}");
    assert_eq!(
        r.advice().en.split(':').next(),
        Some("background not plain")
    );
    // The check goes on and reports the other background rules broken too.
    let report = pipeline()
        .check(&frame(Scene::Cluttered, Resolution::HD))
        .unwrap();
    let failed: Vec<Rule> = report.refusals().map(Refusal::rule).collect();
    assert!(failed.starts_with(&[Rule::BackgroundPlain]), "{failed:?}");
}

#[test]
fn the_grey_studio_backdrop_is_refused_too_dark() {
    let r = refusal(Scene::StudioBackdrop, Resolution::HD);
    assert!(matches!(r, Refusal::BackgroundTooDark { .. }), "{r:?}");
    assert_eq!(r.advice().en.split(':').next(), Some("background too dark"));
}

#[test]
fn reports_list_every_rule() {
    let mut p = pipeline();
    let good = p.check(&frame(Scene::Good, Resolution::HD)).unwrap();
    assert!(good.compliant);
    assert_eq!(good.rules.len(), Rule::ALL.len());
    assert!(good.rules.iter().all(|c| c.status == Status::Pass));
    assert!(good.quality.is_some() && good.bytes.is_some());

    let none = p.check(&frame(Scene::NoFace, Resolution::HD)).unwrap();
    assert!(!none.compliant);
    assert_eq!(none.rules.len(), Rule::ALL.len());
    assert_eq!(none.get(Rule::OneFace).unwrap().status, Status::Fail);
    assert_eq!(
        none.get(Rule::FileSize).unwrap().status,
        Status::NotEvaluated
    );
    let json = serde_json::to_value(&none).unwrap();
    assert_eq!(json["rules"][1]["rule"], "one_face");
    assert_eq!(json["rules"][1]["refusal"]["reason"], "no_face");
    assert_eq!(
        json["rules"][1]["advice"]["zh-CN"],
        "未检测到人脸：请正对摄像头"
    );
}

#[test]
fn an_impossible_size_window_is_refused_with_the_sizes_reached() {
    let mut p = Pipeline::new(PhotoSettings {
        min_bytes: 200 * 1024,
        max_bytes: 300 * 1024,
        ..PhotoSettings::default()
    })
    .unwrap();
    match p.make(&frame(Scene::Good, Resolution::HD)) {
        Err(PhotoError::Refused(Refusal::FileSize { largest, .. })) => {
            assert!(largest < 200 * 1024)
        }
        other => panic!("{other:?}"),
    }
}
