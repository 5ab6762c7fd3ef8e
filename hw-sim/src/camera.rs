//! A simulated camera: frames composed from real photographs (`hw-sim/photos/`, copies of
//! `../shared/fixtures/photos/` and of crops of `rustface`'s group photo), one per
//! [`Scene`], at the resolution of a kiosk webcam, with a little sensor noise.
//!
//! The astronaut's head is cut out of her grey studio backdrop by flood-filling the low-chroma,
//! light pixels connected to the border of the head region; the cut-out is then placed on a
//! white screen, on a cluttered photograph, too far, too close or off-centre.

pub mod live;

use std::path::{Path, PathBuf};

use card_io::camera::{CameraError, FrameSource, Resolution};
use image::imageops::{self, FilterType};
use image::{Rgb, RgbImage, Rgba, RgbaImage};

/// What the simulated camera shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scene {
    /// The astronaut's head on a white screen, centred, at a good distance: a valid photo.
    Good,
    /// The astronaut's head in front of a cluttered photograph (the coffee picture).
    Cluttered,
    /// The astronaut portrait as taken: a mottled grey studio backdrop.
    StudioBackdrop,
    /// One face of the 1927 group photo on white, far from the camera.
    TooFar,
    /// The astronaut's head filling the frame.
    TooClose,
    /// The astronaut's head at the frame's left edge.
    OffCentre,
    /// Two neighbours from the group photo on white.
    TwoFaces,
    /// A cup of coffee: no face at all.
    NoFace,
}

impl Scene {
    pub const ALL: [Scene; 8] = [
        Scene::Good,
        Scene::Cluttered,
        Scene::StudioBackdrop,
        Scene::TooFar,
        Scene::TooClose,
        Scene::OffCentre,
        Scene::TwoFaces,
        Scene::NoFace,
    ];

    /// The scene's name on the command line and in tests.
    pub fn name(self) -> &'static str {
        match self {
            Scene::Good => "good",
            Scene::Cluttered => "cluttered",
            Scene::StudioBackdrop => "studio-backdrop",
            Scene::TooFar => "too-far",
            Scene::TooClose => "too-close",
            Scene::OffCentre => "off-centre",
            Scene::TwoFaces => "two-faces",
            Scene::NoFace => "no-face",
        }
    }

    pub fn from_name(name: &str) -> Option<Scene> {
        Scene::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// The white of the simulated kiosk's backdrop, as a camera sees it.
pub(crate) const SCREEN_WHITE: Rgb<u8> = Rgb([244, 244, 242]);

/// The astronaut portrait's face box as the SeetaFace detector finds it (x, y, width).
const ASTRONAUT_FACE: (u32, u32, u32) = (173, 68, 99);
/// The part of the portrait holding the head, hair and collar (x, y, width, height).
const ASTRONAUT_HEAD: (u32, u32, u32, u32) = (118, 0, 220, 250);
/// The face in `group-one.png` is about this wide.
const GROUP_FACE_WIDTH: f32 = 58.0;

/// The folder of the simulator's photographs: `hw-sim/photos` when it is there (it is
/// committed with the sources), else `../shared/fixtures/photos` beside the workspace.
pub fn photos_dir() -> PathBuf {
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("photos");
    if committed.join("astronaut.png").is_file() {
        return committed;
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/photos")
}

/// A camera that serves the same composed frame, with fresh noise, on every call.
pub struct SimCamera {
    scene: Scene,
    base: RgbImage,
    noise_seed: u32,
}

impl SimCamera {
    /// The scene at `resolution`, from the photographs in [`photos_dir`].
    pub fn new(scene: Scene, resolution: Resolution) -> Result<SimCamera, CameraError> {
        SimCamera::with_photos(&photos_dir(), scene, resolution)
    }

    /// The scene at `resolution`, from the photographs in `dir`.
    pub(crate) fn with_photos(
        dir: &Path,
        scene: Scene,
        resolution: Resolution,
    ) -> Result<SimCamera, CameraError> {
        let (w, h) = (resolution.width, resolution.height);
        if !(64..=8192).contains(&w) || !(64..=8192).contains(&h) {
            return Err(CameraError::BadResolution(resolution));
        }
        let base = compose(dir, scene, w, h)?;
        Ok(SimCamera {
            scene,
            base,
            noise_seed: 1,
        })
    }

    pub fn scene(&self) -> Scene {
        self.scene
    }
}

impl FrameSource for SimCamera {
    fn frame(&mut self) -> Result<RgbImage, CameraError> {
        let mut frame = self.base.clone();
        self.noise_seed = self.noise_seed.wrapping_add(0x9E37_79B9);
        add_noise(&mut frame, self.noise_seed, 2);
        Ok(frame)
    }

    fn resolution(&self) -> Resolution {
        Resolution::new(self.base.width(), self.base.height())
    }
}

fn load(dir: &Path, name: &str) -> Result<RgbImage, CameraError> {
    let path = dir.join(name);
    image::open(&path)
        .map(|i| i.to_rgb8())
        .map_err(|source| CameraError::Read { path, source })
}

fn compose(dir: &Path, scene: Scene, w: u32, h: u32) -> Result<RgbImage, CameraError> {
    let hf = h as f32;
    let mut frame = RgbImage::from_pixel(w, h, SCREEN_WHITE);
    match scene {
        Scene::Good | Scene::TooClose | Scene::OffCentre | Scene::Cluttered => {
            let portrait = load(dir, "astronaut.png")?;
            let head = head_cutout(&portrait);
            if scene == Scene::Cluttered {
                frame = cover(&load(dir, "coffee.png")?, w, h);
            }
            let face = match scene {
                Scene::TooClose => 0.75 * hf,
                _ => 0.36 * hf,
            };
            let centre_x = match scene {
                Scene::OffCentre => 0.6 * face,
                _ => w as f32 / 2.0,
            };
            let face_top = match scene {
                Scene::OffCentre => 0.12 * hf,
                _ => 0.25 * hf,
            };
            place_head(&mut frame, &head, face, centre_x, face_top);
        }
        Scene::StudioBackdrop => {
            let portrait = load(dir, "astronaut.png")?;
            let k = 0.36 * hf / ASTRONAUT_FACE.2 as f32;
            let face_cx = ASTRONAUT_FACE.0 as f32 + ASTRONAUT_FACE.2 as f32 / 2.0;
            paste_scaled(
                &mut frame,
                &portrait,
                k,
                w as f32 / 2.0 - face_cx * k,
                0.25 * hf - ASTRONAUT_FACE.1 as f32 * k,
            );
        }
        Scene::TooFar => {
            let one = load(dir, "group-one.png")?;
            let k = 0.1 * hf / GROUP_FACE_WIDTH;
            let (iw, ih) = (one.width() as f32 * k, one.height() as f32 * k);
            paste_scaled(&mut frame, &one, k, (w as f32 - iw) / 2.0, (hf - ih) / 2.0);
        }
        Scene::TwoFaces => {
            let pair = load(dir, "group-pair.png")?;
            let k = 0.2 * hf / GROUP_FACE_WIDTH;
            let (iw, ih) = (pair.width() as f32 * k, pair.height() as f32 * k);
            paste_scaled(&mut frame, &pair, k, (w as f32 - iw) / 2.0, (hf - ih) / 2.0);
        }
        Scene::NoFace => {
            frame = cover(&load(dir, "coffee.png")?, w, h);
        }
    }
    Ok(frame)
}

/// The astronaut's head region with the studio backdrop made transparent.
fn head_cutout(portrait: &RgbImage) -> RgbaImage {
    let (x0, y0, cw, ch) = ASTRONAUT_HEAD;
    let cw = cw.min(portrait.width().saturating_sub(x0));
    let ch = ch.min(portrait.height().saturating_sub(y0));
    let region = imageops::crop_imm(portrait, x0, y0, cw, ch).to_image();
    let backdrop = |p: &Rgb<u8>| {
        let [r, g, b] = p.0;
        let chroma = r.max(g).max(b) - r.min(g).min(b);
        let luma = (u32::from(r) * 299 + u32::from(g) * 587 + u32::from(b) * 114) / 1000;
        chroma < 30 && luma > 140
    };
    let mut clear = vec![false; (cw * ch) as usize];
    let mut stack: Vec<(u32, u32)> = Vec::new();
    for x in 0..cw {
        stack.push((x, 0));
        stack.push((x, ch - 1));
    }
    for y in 0..ch {
        stack.push((0, y));
        stack.push((cw - 1, y));
    }
    while let Some((x, y)) = stack.pop() {
        let i = (y * cw + x) as usize;
        if clear[i] || !backdrop(region.get_pixel(x, y)) {
            continue;
        }
        clear[i] = true;
        if x > 0 {
            stack.push((x - 1, y));
        }
        if x + 1 < cw {
            stack.push((x + 1, y));
        }
        if y > 0 {
            stack.push((x, y - 1));
        }
        if y + 1 < ch {
            stack.push((x, y + 1));
        }
    }
    RgbaImage::from_fn(cw, ch, |x, y| {
        let [r, g, b] = region.get_pixel(x, y).0;
        let a = if clear[(y * cw + x) as usize] { 0 } else { 255 };
        Rgba([r, g, b, a])
    })
}

/// Places the head cut-out so that its face is `face_width` px wide, centred on `centre_x`,
/// with the face box's top at `face_top`.
fn place_head(
    frame: &mut RgbImage,
    head: &RgbaImage,
    face_width: f32,
    centre_x: f32,
    face_top: f32,
) {
    let k = face_width / ASTRONAUT_FACE.2 as f32;
    let face_cx = (ASTRONAUT_FACE.0 - ASTRONAUT_HEAD.0) as f32 + ASTRONAUT_FACE.2 as f32 / 2.0;
    let face_y = (ASTRONAUT_FACE.1 - ASTRONAUT_HEAD.1) as f32;
    let (sw, sh) = scaled_size(head.width(), head.height(), k);
    let scaled = imageops::resize(head, sw, sh, FilterType::Triangle);
    let (ox, oy) = (centre_x - face_cx * k, face_top - face_y * k);
    for (x, y, p) in scaled.enumerate_pixels() {
        let (fx, fy) = (ox as i64 + i64::from(x), oy as i64 + i64::from(y));
        if fx < 0 || fy < 0 || fx >= i64::from(frame.width()) || fy >= i64::from(frame.height()) {
            continue;
        }
        let a = u16::from(p.0[3]);
        let dst = frame.get_pixel_mut(fx as u32, fy as u32);
        for c in 0..3 {
            dst.0[c] = ((u16::from(p.0[c]) * a + u16::from(dst.0[c]) * (255 - a)) / 255) as u8;
        }
    }
}

fn scaled_size(w: u32, h: u32, k: f32) -> (u32, u32) {
    (
        ((w as f32 * k).round() as u32).max(1),
        ((h as f32 * k).round() as u32).max(1),
    )
}

/// Pastes `img` scaled by `k` with its top-left corner at (`x`, `y`), clipped to the frame.
fn paste_scaled(frame: &mut RgbImage, img: &RgbImage, k: f32, x: f32, y: f32) {
    let (sw, sh) = scaled_size(img.width(), img.height(), k);
    let scaled = imageops::resize(img, sw, sh, FilterType::Triangle);
    imageops::replace(frame, &scaled, x.round() as i64, y.round() as i64);
}

/// `img` scaled to cover a `w`×`h` frame and cropped to it (centred).
fn cover(img: &RgbImage, w: u32, h: u32) -> RgbImage {
    let k = f32::max(
        w as f32 / img.width() as f32,
        h as f32 / img.height() as f32,
    );
    let (sw, sh) = scaled_size(img.width(), img.height(), k);
    let scaled = imageops::resize(img, sw.max(w), sh.max(h), FilterType::Triangle);
    imageops::crop_imm(
        &scaled,
        (scaled.width() - w) / 2,
        (scaled.height() - h) / 2,
        w,
        h,
    )
    .to_image()
}

/// Adds uniform noise of ±`amplitude` to every channel (a deterministic generator).
fn add_noise(frame: &mut RgbImage, seed: u32, amplitude: u8) {
    let mut x = seed | 1;
    let span = u32::from(amplitude) * 2 + 1;
    for p in frame.pixels_mut() {
        for c in p.0.iter_mut() {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let d = (x % span) as i16 - i16::from(amplitude);
            *c = (i16::from(*c) + d).clamp(0, 255) as u8;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scene_composes_at_both_resolutions() {
        for res in [Resolution::HD, Resolution::FULL_HD] {
            for scene in Scene::ALL {
                let mut cam = SimCamera::new(scene, res).unwrap();
                let f = cam.frame().unwrap();
                assert_eq!(cam.resolution(), res);
                assert_eq!((f.width(), f.height()), (res.width, res.height));
                assert_eq!(Scene::from_name(scene.name()), Some(scene));
            }
        }
    }

    #[test]
    fn bad_resolutions_and_missing_photos_are_errors() {
        assert!(matches!(
            SimCamera::new(Scene::Good, Resolution::new(0, 720)),
            Err(CameraError::BadResolution(_))
        ));
        assert!(matches!(
            SimCamera::with_photos(Path::new("/nonexistent"), Scene::Good, Resolution::HD),
            Err(CameraError::Read { .. })
        ));
    }
}
