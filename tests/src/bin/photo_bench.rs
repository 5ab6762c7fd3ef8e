//! `photo_bench`: time of the card-making photo pipeline per frame (1280×720 and 1920×1080,
//! simulated camera's good scene), against ImageMagick doing only the crop-scale-encode part
//! of the same frames in the same run.
//!
//! Run: `cargo run --release -p tests --bin photo_bench [-- ITERATIONS]`

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use card_io::camera::image::imageops::{self, FilterType};
use card_io::camera::image::{ImageFormat, RgbImage};
use card_io::camera::{FrameSource, Resolution};
use card_io::photo::{jpeg, Crop, FaceDetector, PhotoSettings, Pipeline, HEIGHT, WIDTH};
use hw_sim::camera::{Scene, SimCamera};

/// An ImageMagick `convert` (or IM7 `magick`) binary on PATH: scripts, and programs whose
/// `-version` does not start with "Version: ImageMagick", are skipped.
fn imagemagick() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in ["magick", "convert"] {
            let p = dir.join(name);
            // Skip scripts standing in for ImageMagick: time the real binary, not a shell.
            let is_script = std::fs::read(&p)
                .map(|b| b.starts_with(b"#!"))
                .unwrap_or(true);
            if !p.is_file() || is_script {
                continue;
            }
            let Ok(out) = Command::new(&p).arg("-version").output() else {
                continue;
            };
            if String::from_utf8_lossy(&out.stdout).starts_with("Version: ImageMagick") {
                return Some(p);
            }
        }
    }
    None
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time<T>(n: usize, mut f: impl FnMut() -> T) -> Duration {
    f();
    median(
        (0..n)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(f());
                t.elapsed()
            })
            .collect(),
    )
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

fn crop_scale_encode(frame: &RgbImage, c: &Crop) -> Vec<u8> {
    let view = imageops::crop_imm(frame, c.x, c.y, c.width, c.height);
    let photo = imageops::resize(&*view, WIDTH, HEIGHT, FilterType::Triangle);
    jpeg::encode(&photo, 70).unwrap_or_default()
}

fn convert(im: &Path, input: &Path, c: &Crop, output: &Path) -> bool {
    Command::new(im)
        .arg(input)
        .args([
            "-crop",
            &format!("{}x{}+{}+{}", c.width, c.height, c.x, c.y),
        ])
        .args(["+repage", "-resize", "358x441!", "-quality", "70"])
        .args(["-units", "PixelsPerInch", "-density", "350"])
        .arg(output)
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20);
    let im = imagemagick();
    let dir = std::env::temp_dir().join(format!("photo-bench-{}", std::process::id()));
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("cannot create {}: {e}", dir.display());
        std::process::exit(1);
    }
    println!("photo pipeline, median of {n} runs per cell (ms per frame)");
    println!(
        "| frame | pipeline (detect at 480 px wide) | pipeline (detect at full res) | crop+scale+encode (card-io) | ImageMagick crop+scale+encode, PNG in | ImageMagick, PPM in |"
    );
    println!("|---|---|---|---|---|---|");
    let mut stages = Vec::new();
    for res in [Resolution::HD, Resolution::FULL_HD] {
        let frame = match SimCamera::new(Scene::Good, res).and_then(|mut c| c.frame()) {
            Ok(f) => f,
            Err(e) => {
                eprintln!("simulated camera: {e}");
                std::process::exit(1);
            }
        };
        let mut fast = Pipeline::new(PhotoSettings::default()).expect("model");
        let mut full = Pipeline::new(PhotoSettings {
            detect_width: 0,
            ..PhotoSettings::default()
        })
        .expect("model");
        let crop = match fast.make(&frame) {
            Ok(p) => p.crop,
            Err(e) => {
                eprintln!("{res}: the good frame was refused: {e}");
                std::process::exit(1);
            }
        };
        let t_fast = time(n, || fast.make(&frame).is_ok());
        let t_full = time(n.div_ceil(4), || full.make(&frame).is_ok());
        let t_cse = time(n, || crop_scale_encode(&frame, &crop));
        let (t_im_png, t_im_ppm) = match &im {
            Some(im) => {
                let png = dir.join(format!("frame-{}.png", res.width));
                let ppm = dir.join(format!("frame-{}.ppm", res.width));
                let out = dir.join("out.jpg");
                let saved = frame.save_with_format(&png, ImageFormat::Png).is_ok()
                    && std::fs::write(&ppm, ppm_bytes(&frame)).is_ok();
                if saved && convert(im, &png, &crop, &out) {
                    (
                        ms(time(n, || convert(im, &png, &crop, &out))),
                        ms(time(n, || convert(im, &ppm, &crop, &out))),
                    )
                } else {
                    ("failed".into(), "failed".into())
                }
            }
            None => ("not installed".into(), "not installed".into()),
        };
        stages.push(stage_times(n, &frame, &crop));
        println!(
            "| {res} | {} | {} | {} | {t_im_png} | {t_im_ppm} |",
            ms(t_fast),
            ms(t_full),
            ms(t_cse)
        );
    }
    println!();
    println!(
        "stages (ms): | frame | detect (coarse) | measure the face (3 scales) | quality search + encode |"
    );
    for line in stages {
        println!("{line}");
    }
    match &im {
        Some(p) => println!("ImageMagick: {}", p.display()),
        None => println!("ImageMagick: not found (apt-get install imagemagick)"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The pipeline's stages, timed apart.
fn stage_times(n: usize, frame: &RgbImage, crop: &Crop) -> String {
    let s = PhotoSettings::default();
    let mut detector = FaceDetector::new(s.detect_width, s.min_face_score).expect("model");
    let mut measurer = FaceDetector::fine(s.min_face_score).expect("model");
    let view = imageops::crop_imm(frame, crop.x, crop.y, crop.width, crop.height);
    let photo = imageops::resize(&*view, WIDTH, HEIGHT, FilterType::Triangle);
    let t_detect = time(n, || detector.detect(frame));
    let t_measure = time(n, || measurer.measure(&photo));
    let t_fit = time(n, || {
        jpeg::fit(
            &photo,
            s.quality,
            (s.min_quality, s.max_quality),
            (s.min_bytes, s.max_bytes),
        )
        .is_ok()
    });
    format!(
        "| {}×{} | {} | {} | {} |",
        frame.width(),
        frame.height(),
        ms(t_detect),
        ms(t_measure),
        ms(t_fit)
    )
}

/// Binary PPM (P6) of the frame: ImageMagick's input without a PNG decode.
fn ppm_bytes(frame: &RgbImage) -> Vec<u8> {
    let mut v = format!("P6\n{} {}\n255\n", frame.width(), frame.height()).into_bytes();
    v.extend_from_slice(frame.as_raw());
    v
}
