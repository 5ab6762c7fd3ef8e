//! The photo pipeline on the real photographs as they are, on still-image camera sources, and
//! on arbitrary pictures (no input panics it).

use std::path::{Path, PathBuf};

use card_io::camera::{FrameSource, Resolution, StillSource};
use card_io::photo::{PhotoError, PhotoSettings, Pipeline, Refusal, Rule, Status};
use image::{Rgb, RgbImage};
use proptest::prelude::*;

/// A fixture photograph: the copy committed in `hw-sim/photos/`, else the shared fixtures
/// beside the workspace (`<workspace>/../shared/fixtures/photos`).
fn photo(name: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let committed = root.join("hw-sim/photos").join(name);
    if committed.is_file() {
        return committed;
    }
    let shared = root.join("../shared/fixtures/photos").join(name);
    assert!(shared.is_file(), "fixture {name} not found");
    shared
}

fn pipeline() -> Pipeline {
    Pipeline::new(PhotoSettings::default()).unwrap()
}

fn refusal(p: &mut Pipeline, frame: &RgbImage) -> Refusal {
    match p.make(frame) {
        Err(PhotoError::Refused(r)) => r,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn coffee_has_no_face() {
    let mut src = StillSource::open(&photo("coffee.png")).unwrap();
    assert_eq!(
        refusal(&mut pipeline(), &src.frame().unwrap()),
        Refusal::NoFace
    );
}

#[test]
fn the_astronaut_portrait_as_it_is_is_too_small_a_face() {
    // 512×512 with a face about 99 px wide: it would need enlarging more than 1.5 times.
    let mut src = StillSource::open(&photo("astronaut.png")).unwrap();
    assert_eq!(src.resolution(), Resolution::new(512, 512));
    let r = refusal(&mut pipeline(), &src.frame().unwrap());
    assert!(
        matches!(r, Refusal::TooFar { face_width, .. } if (80..120).contains(&face_width)),
        "{r:?}"
    );
}

#[test]
fn the_astronaut_letterboxed_into_a_webcam_frame_has_a_grey_backdrop() {
    // Letterboxed into 1280×720 (white bars), the face is about 139 px: big enough, but the
    // studio backdrop behind the head is grey.
    let portrait = image::open(photo("astronaut.png")).unwrap().to_rgb8();
    let mut src =
        StillSource::letterboxed(&portrait, Resolution::HD, Rgb([245, 245, 245])).unwrap();
    let report = pipeline().check(&src.frame().unwrap()).unwrap();
    assert!(!report.compliant);
    assert_eq!(report.get(Rule::OneFace).unwrap().status, Status::Pass);
    assert_eq!(report.get(Rule::FaceSize).unwrap().status, Status::Pass);
    assert_eq!(
        report.get(Rule::BackgroundLight).unwrap().status,
        Status::Fail,
        "{report:#?}"
    );
}

#[test]
fn the_group_pair_crop_has_two_faces() {
    let pair = image::open(photo("group-pair.png")).unwrap().to_rgb8();
    let mut src = StillSource::letterboxed(&pair, Resolution::HD, Rgb([245, 245, 245])).unwrap();
    let r = refusal(&mut pipeline(), &src.frame().unwrap());
    assert!(
        matches!(r, Refusal::SeveralFaces { count } if count >= 2),
        "{r:?}"
    );
}

#[test]
fn tiny_and_empty_frames_are_refused_not_panicked_on() {
    let mut p = pipeline();
    for (w, h) in [(0, 0), (0, 10), (10, 0), (1, 1), (238, 441), (358, 293)] {
        let r = refusal(&mut p, &RgbImage::new(w, h));
        assert!(matches!(r, Refusal::FrameTooSmall { .. }), "{w}×{h}: {r:?}");
        let report = p.check(&RgbImage::new(w, h)).unwrap();
        assert_eq!(report.rules.len(), Rule::ALL.len());
        assert!(!report.compliant);
    }
    // Large enough but blank: no face.
    assert_eq!(
        refusal(
            &mut p,
            &RgbImage::from_pixel(640, 480, Rgb([255, 255, 255]))
        ),
        Refusal::NoFace
    );
}

/// Content for arbitrary frames: flat, noise, or the astronaut pasted at any scale and place
/// (faces cut by the frame's edges included).
#[derive(Debug, Clone)]
enum Content {
    Flat(u8),
    Noise(u32),
    Astronaut { scale: f32, x: i64, y: i64 },
}

fn content() -> impl Strategy<Value = Content> {
    prop_oneof![
        any::<u8>().prop_map(Content::Flat),
        any::<u32>().prop_map(Content::Noise),
        (0.2f32..2.5, -600i64..700, -600i64..600).prop_map(|(scale, x, y)| Content::Astronaut {
            scale,
            x,
            y
        }),
    ]
}

fn render(w: u32, h: u32, c: &Content, astronaut: &RgbImage) -> RgbImage {
    match c {
        Content::Flat(v) => RgbImage::from_pixel(w, h, Rgb([*v, *v, *v])),
        Content::Noise(seed) => {
            let mut x = seed | 1;
            RgbImage::from_fn(w, h, |_, _| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                Rgb([x as u8, (x >> 8) as u8, (x >> 16) as u8])
            })
        }
        Content::Astronaut { scale, x, y } => {
            let mut frame = RgbImage::from_pixel(w, h, Rgb([245, 245, 245]));
            let sw = ((512.0 * scale) as u32).max(1);
            let scaled =
                image::imageops::resize(astronaut, sw, sw, image::imageops::FilterType::Nearest);
            image::imageops::replace(&mut frame, &scaled, *x, *y);
            frame
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn no_picture_panics_the_pipeline(w in 0u32..900, h in 0u32..700, c in content()) {
        let astronaut = image::open(photo("astronaut.png")).unwrap().to_rgb8();
        let frame = render(w, h, &c, &astronaut);
        let mut p = pipeline();
        let report = p.check(&frame).unwrap();
        prop_assert_eq!(report.rules.len(), Rule::ALL.len());
        match p.make(&frame) {
            Ok(photo) => {
                prop_assert!(report.compliant);
                prop_assert_eq!(photo.image.dimensions(), (358, 441));
            }
            Err(PhotoError::Refused(r)) => {
                prop_assert!(!report.compliant);
                prop_assert!(!r.advice().en.is_empty());
            }
            Err(e) => prop_assert!(false, "pipeline fault: {}", e),
        }
    }
}
