//! Scenes for the liveness check of face verification (人证核验): sequences of frames built
//! from one real photograph and its 5-point landmarks.
//!
//! - [`LiveAct::Live`]: the person blinks and turns the head, in the order asked. The
//!   photograph has open eyes and faces the camera; the other poses are made from it, and
//!   are not photographs of those poses: a blink paints each eye over with the skin just
//!   below it and draws a lash line along the eye ([`blink`]); a turn shifts the face's middle
//!   sideways, most at the nose and fading towards the cheeks and the eyes, the parallax a
//!   head shows when it turns and a flat picture does not ([`turn`]).
//! - [`LiveAct::HeldUp`]: the photograph printed on paper and held up: paler, in a white
//!   border, a little moved, scaled and tilted from frame to frame, never blinking or turning.
//! - [`LiveAct::Cropped`]: the face cut tight out of the photograph and held up, moving the
//!   same way.
//!
//! Each scene is placed at a kiosk webcam's resolution on the simulated kiosk's white
//! backdrop, the face about a third of the frame high, with sensor noise.

use face_match::liveness::Action;
use face_match::{Landmarks, Point};
use image::imageops::{self, FilterType};
use image::{Rgb, RgbImage};

use super::{add_noise, load, photos_dir, CameraError, FrameSource, Resolution, SCREEN_WHITE};

/// The astronaut portrait's 5-point landmarks (`astronaut.png`, as dlib's shape predictor
/// puts them: see face-match's tests).
pub const ASTRONAUT_LANDMARKS: Landmarks = Landmarks {
    left_eye: [Point { x: 195.2, y: 100.8 }, Point { x: 212.0, y: 103.2 }],
    right_eye: [Point { x: 255.2, y: 104.0 }, Point { x: 237.6, y: 104.8 }],
    nose: Point { x: 224.0, y: 134.4 },
};

/// How far a turn shifts the nose, in eye distances.
pub const TURN_SHIFT: f32 = 0.6;

/// What a live-face scene shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveAct {
    /// A person doing these actions, one after the other, then looking at the camera.
    Live(Vec<Action>),
    /// A printed photograph held up.
    HeldUp,
    /// The face cut out of a photograph, held up.
    Cropped,
}

/// One frame's pose in a live scene.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Pose {
    /// 0 open eyes … 1 closed.
    closed: f32,
    /// Nose shift in eye distances (positive: to the picture's right).
    shift: f32,
    /// Held-up picture: offset (in face widths), scale and tilt (degrees).
    dx: f32,
    dy: f32,
    scale: f32,
    tilt: f32,
}

const REST: Pose = Pose {
    closed: 0.0,
    shift: 0.0,
    dx: 0.0,
    dy: 0.0,
    scale: 1.0,
    tilt: 0.0,
};

/// A camera playing a live-face scene: one pose per frame, then the last pose again.
pub struct LiveCamera {
    photo: RgbImage,
    landmarks: Landmarks,
    act: LiveAct,
    poses: Vec<Pose>,
    next: usize,
    resolution: Resolution,
    noise_seed: u32,
}

impl LiveCamera {
    /// The astronaut portrait of [`photos_dir`](super::photos_dir) in `act`.
    pub fn astronaut(act: LiveAct, resolution: Resolution) -> Result<LiveCamera, CameraError> {
        let photo = load(&photos_dir(), "astronaut.png")?;
        LiveCamera::new(photo, ASTRONAUT_LANDMARKS, act, resolution)
    }

    /// `photo` (one face, open eyes, facing the camera; `landmarks` where they are in it) in
    /// `act`, at `resolution`.
    pub fn new(
        photo: RgbImage,
        landmarks: Landmarks,
        act: LiveAct,
        resolution: Resolution,
    ) -> Result<LiveCamera, CameraError> {
        let (w, h) = (resolution.width, resolution.height);
        if !(64..=8192).contains(&w) || !(64..=8192).contains(&h) {
            return Err(CameraError::BadResolution(resolution));
        }
        if photo.width() == 0 || photo.height() == 0 {
            return Err(CameraError::Empty {
                width: photo.width(),
                height: photo.height(),
            });
        }
        // Once: the head cut out and scaled so that the face (about 2.2 eye distances wide) is
        // a third of the frame high; every frame then works on this small picture.
        let d = landmarks.eye_distance().max(1.0);
        let eyes = landmarks
            .left_eye_centre()
            .mid(landmarks.right_eye_centre());
        let x0 = (eyes.x - 3.5 * d).max(0.0).floor();
        let y0 = (eyes.y - 3.0 * d).max(0.0).floor();
        let x1 = (eyes.x + 3.5 * d).min(photo.width() as f32);
        let y1 = (eyes.y + 4.5 * d).min(photo.height() as f32);
        let (cw, ch) = (((x1 - x0) as u32).max(1), ((y1 - y0) as u32).max(1));
        let head = imageops::crop_imm(&photo, x0 as u32, y0 as u32, cw, ch).to_image();
        let k = 0.36 * h as f32 / (2.2 * d);
        let (sw, sh) = super::scaled_size(cw, ch, k);
        let photo = imageops::resize(&head, sw, sh, FilterType::Triangle);
        let (kx, ky) = (sw as f32 / cw as f32, sh as f32 / ch as f32);
        let at = |p: Point| Point::new((p.x - x0) * kx, (p.y - y0) * ky);
        let landmarks = Landmarks {
            left_eye: [at(landmarks.left_eye[0]), at(landmarks.left_eye[1])],
            right_eye: [at(landmarks.right_eye[0]), at(landmarks.right_eye[1])],
            nose: at(landmarks.nose),
        };
        let poses = poses(&act);
        Ok(LiveCamera {
            photo,
            landmarks,
            act,
            poses,
            next: 0,
            resolution,
            noise_seed: 7,
        })
    }

    pub fn act(&self) -> &LiveAct {
        &self.act
    }

    /// Frames in the scene before it repeats its last pose.
    pub fn len(&self) -> usize {
        self.poses.len()
    }

    pub fn is_empty(&self) -> bool {
        self.poses.is_empty()
    }

    fn compose(&self, pose: Pose) -> RgbImage {
        let (w, h) = (self.resolution.width, self.resolution.height);
        let mut frame = RgbImage::from_pixel(w, h, SCREEN_WHITE);
        let d = self.landmarks.eye_distance().max(1.0);
        // The photograph is already at the frame's scale (see `new`).
        let k = 1.0;
        let eyes = self
            .landmarks
            .left_eye_centre()
            .mid(self.landmarks.right_eye_centre());
        match self.act {
            LiveAct::Live(_) => {
                let mut photo = self.photo.clone();
                if pose.closed > 0.0 {
                    blink(&mut photo, &self.landmarks, pose.closed);
                }
                if pose.shift != 0.0 {
                    photo = turn(&photo, &self.landmarks, pose.shift);
                }
                paste(&mut frame, &photo, k, eyes, w as f32 / 2.0, 0.38 * h as f32);
            }
            LiveAct::HeldUp | LiveAct::Cropped => {
                let print = match self.act {
                    LiveAct::Cropped => crop_face(&self.photo, &self.landmarks),
                    _ => printed(&self.photo),
                };
                let (print, origin) = print;
                let print = tilt(&print, pose.tilt);
                let k = k * pose.scale;
                let face_w = 2.2 * d * k;
                let local = Point::new(eyes.x - origin.x, eyes.y - origin.y);
                paste(
                    &mut frame,
                    &print,
                    k,
                    local,
                    w as f32 / 2.0 + pose.dx * face_w,
                    0.38 * h as f32 + pose.dy * face_w,
                );
            }
        }
        frame
    }
}

impl FrameSource for LiveCamera {
    fn frame(&mut self) -> Result<RgbImage, CameraError> {
        let pose = self
            .poses
            .get(self.next)
            .or(self.poses.last())
            .copied()
            .unwrap_or(REST);
        self.next = (self.next + 1).min(self.poses.len());
        let mut frame = self.compose(pose);
        self.noise_seed = self.noise_seed.wrapping_add(0x9E37_79B9);
        add_noise(&mut frame, self.noise_seed, 2);
        Ok(frame)
    }

    fn resolution(&self) -> Resolution {
        self.resolution
    }
}

/// The scene's poses, one per frame (at 5 frames a second, a live scene lasts some 5 s).
fn poses(act: &LiveAct) -> Vec<Pose> {
    let mut v = vec![REST; 4];
    match act {
        LiveAct::Live(actions) => {
            for a in actions {
                match a {
                    Action::Blink => {
                        for c in [0.5, 1.0, 1.0, 0.5, 0.0, 0.0] {
                            v.push(Pose { closed: c, ..REST });
                        }
                    }
                    Action::TurnLeft | Action::TurnRight => {
                        // The citizen's left is the unmirrored picture's right.
                        let sign = if *a == Action::TurnLeft { 1.0 } else { -1.0 };
                        for s in [0.4, 0.8, 1.0, 1.0, 0.6, 0.2, 0.0, 0.0] {
                            v.push(Pose {
                                shift: sign * s * TURN_SHIFT,
                                ..REST
                            });
                        }
                    }
                }
            }
            v.extend([REST; 3]);
        }
        LiveAct::HeldUp | LiveAct::Cropped => {
            // Held in a hand: wandering a little, nearer and farther, tilting.
            v.clear();
            for i in 0..30 {
                let t = i as f32 / 30.0 * std::f32::consts::TAU;
                v.push(Pose {
                    dx: 0.06 * t.sin(),
                    dy: 0.04 * (2.0 * t).sin(),
                    scale: 1.0 + 0.05 * (1.5 * t).sin(),
                    tilt: 4.0 * (0.5 * t).sin(),
                    ..REST
                });
            }
        }
    }
    v
}

/// Closes the eyes of `photo` by `amount` (0 open … 1 closed): each eye is painted over with
/// the skin just below it, blended in an ellipse around the eye, and a lash line is drawn
/// along the eye's corners.
pub fn blink(photo: &mut RgbImage, landmarks: &Landmarks, amount: f32) {
    let amount = amount.clamp(0.0, 1.0);
    for eye in [landmarks.left_eye, landmarks.right_eye] {
        let [a, b] = eye;
        let w = a.dist(b).max(1.0);
        let c = a.mid(b);
        let (ux, uy) = ((b.x - a.x) / w, (b.y - a.y) / w);
        let (vx, vy) = (-uy, ux);
        // Below the eye, on the picture: v or -v, whichever points down.
        let (dx, dy) = if vy >= 0.0 { (vx, vy) } else { (-vx, -vy) };
        let (rx, ry) = (0.75 * w, 0.42 * w);
        let skin_off = 0.6 * w;
        let x0 = (c.x - rx - 2.0).max(0.0) as u32;
        let x1 = ((c.x + rx + 2.0) as u32).min(photo.width().saturating_sub(1));
        let y0 = (c.y - rx - 2.0).max(0.0) as u32;
        let y1 = ((c.y + rx + 2.0) as u32).min(photo.height().saturating_sub(1));
        let source = photo.clone();
        for y in y0..=y1 {
            for x in x0..=x1 {
                let (px, py) = (x as f32 - c.x, y as f32 - c.y);
                let s = px * ux + py * uy;
                let t = px * dx + py * dy;
                let r = ((s / rx).powi(2) + (t / ry).powi(2)).sqrt();
                if r >= 1.0 {
                    continue;
                }
                // Full inside 0.6, fading to nothing at the ellipse.
                let alpha = amount * ((1.0 - r) / 0.4).clamp(0.0, 1.0);
                let (sx, sy) = (x as f32 + skin_off * dx, y as f32 + skin_off * dy);
                let skin = sample(&source, sx, sy).unwrap_or(*source.get_pixel(x, y));
                let mut px_new = [0u8; 3];
                let old = source.get_pixel(x, y).0;
                // The lash line: a dark band a little below the corners' line.
                let lash = ((t - 0.08 * w).abs() < 0.05 * w && s.abs() < 0.55 * w) as u8 as f32;
                for ch in 0..3 {
                    let lid = f32::from(skin.0[ch]) * (1.0 - 0.55 * lash);
                    px_new[ch] = (f32::from(old[ch]) * (1.0 - alpha) + lid * alpha)
                        .round()
                        .clamp(0.0, 255.0) as u8;
                }
                photo.put_pixel(x, y, Rgb(px_new));
            }
        }
    }
}

/// The head turned: the face's middle shifted sideways by `shift` eye distances at the nose
/// (positive: to the picture's right), the shift fading with the distance from the nose, so
/// that the nose moves against the eyes as it does on a turning head.
pub fn turn(photo: &RgbImage, landmarks: &Landmarks, shift: f32) -> RgbImage {
    let d = landmarks.eye_distance().max(1.0);
    let eyes = landmarks
        .left_eye_centre()
        .mid(landmarks.right_eye_centre());
    // The face's most forward part: the nose, a little above its bottom.
    let peak = Point::new(
        0.25 * eyes.x + 0.75 * landmarks.nose.x,
        0.35 * eyes.y + 0.65 * landmarks.nose.y,
    );
    let sigma = 0.45 * d;
    let amp = shift * d;
    let reach = 3.5 * sigma;
    let mut out = photo.clone();
    let x0 = (peak.x - reach - amp.abs()).max(0.0) as u32;
    let x1 = ((peak.x + reach + amp.abs()) as u32).min(photo.width().saturating_sub(1));
    let y0 = (peak.y - reach).max(0.0) as u32;
    let y1 = ((peak.y + reach) as u32).min(photo.height().saturating_sub(1));
    for y in y0..=y1 {
        for x in x0..=x1 {
            let (px, py) = (x as f32 - peak.x, y as f32 - peak.y);
            let g = (-(px * px + py * py) / (2.0 * sigma * sigma)).exp();
            if let Some(p) = sample(photo, x as f32 - amp * g, y as f32) {
                out.put_pixel(x, y, p);
            }
        }
    }
    out
}

/// The photograph as printed on paper: lower contrast, a little warmer, in a white border.
/// Returns the print and where the photograph's (0, 0) is on it.
fn printed(photo: &RgbImage) -> (RgbImage, Point) {
    let border = (photo.width().min(photo.height()) / 20).max(2);
    let (w, h) = (photo.width() + 2 * border, photo.height() + 2 * border);
    let mut print = RgbImage::from_pixel(w, h, Rgb([236, 234, 228]));
    for (x, y, p) in photo.enumerate_pixels() {
        let [r, g, b] = p.0;
        let ink = |v: u8, warm: f32| (30.0 + f32::from(v) * 0.78 + warm).clamp(0.0, 255.0) as u8;
        print.put_pixel(
            x + border,
            y + border,
            Rgb([ink(r, 4.0), ink(g, 0.0), ink(b, -6.0)]),
        );
    }
    (print, Point::new(border as f32, border as f32))
}

/// The face cut tight out of the photograph (brow to chin, cheek to cheek), and where the
/// photograph's (0, 0) is on the cut-out.
fn crop_face(photo: &RgbImage, landmarks: &Landmarks) -> (RgbImage, Point) {
    let d = landmarks.eye_distance().max(1.0);
    let eyes = landmarks
        .left_eye_centre()
        .mid(landmarks.right_eye_centre());
    let x0 = (eyes.x - 1.3 * d).max(0.0);
    let y0 = (eyes.y - 0.9 * d).max(0.0);
    let x1 = (eyes.x + 1.3 * d).min(photo.width() as f32);
    let y1 = (eyes.y + 2.0 * d).min(photo.height() as f32);
    let (cw, ch) = (((x1 - x0) as u32).max(1), ((y1 - y0) as u32).max(1));
    let cut = imageops::crop_imm(photo, x0 as u32, y0 as u32, cw, ch).to_image();
    (cut, Point::new(-x0.floor(), -y0.floor()))
}

/// `img` rotated by `degrees` about its centre, on white (a picture tilted in the hand).
fn tilt(img: &RgbImage, degrees: f32) -> RgbImage {
    if degrees.abs() < 0.01 {
        return img.clone();
    }
    let (s, c) = degrees.to_radians().sin_cos();
    let (cx, cy) = (img.width() as f32 / 2.0, img.height() as f32 / 2.0);
    RgbImage::from_fn(img.width(), img.height(), |x, y| {
        let (px, py) = (x as f32 - cx, y as f32 - cy);
        let (sx, sy) = (c * px + s * py + cx, -s * px + c * py + cy);
        sample(img, sx, sy).unwrap_or(SCREEN_WHITE)
    })
}

/// Places `img` scaled by `k` so that its point `anchor` lands on (`x`, `y`) of the frame.
fn paste(frame: &mut RgbImage, img: &RgbImage, k: f32, anchor: Point, x: f32, y: f32) {
    let (sw, sh) = super::scaled_size(img.width(), img.height(), k);
    let scaled = imageops::resize(img, sw, sh, FilterType::Triangle);
    let (ox, oy) = (x - anchor.x * k, y - anchor.y * k);
    imageops::replace(frame, &scaled, ox.round() as i64, oy.round() as i64);
}

/// Bilinear sample; `None` outside the picture.
fn sample(img: &RgbImage, x: f32, y: f32) -> Option<Rgb<u8>> {
    let (w, h) = (img.width() as f32, img.height() as f32);
    if !(0.0..w - 1.0).contains(&x) || !(0.0..h - 1.0).contains(&y) {
        return None;
    }
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let (xi, yi) = (x0 as u32, y0 as u32);
    let p = |dx: u32, dy: u32| img.get_pixel(xi + dx, yi + dy).0;
    let (a, b, c, d) = (p(0, 0), p(1, 0), p(0, 1), p(1, 1));
    let mut out = [0u8; 3];
    for ch in 0..3 {
        let top = f32::from(a[ch]) * (1.0 - fx) + f32::from(b[ch]) * fx;
        let bottom = f32::from(c[ch]) * (1.0 - fx) + f32::from(d[ch]) * fx;
        out[ch] = (top * (1.0 - fy) + bottom * fy).round() as u8;
    }
    Some(Rgb(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scenes_have_their_lengths_and_frames() {
        let live = LiveCamera::astronaut(
            LiveAct::Live(vec![Action::Blink, Action::TurnLeft]),
            Resolution::HD,
        )
        .unwrap();
        assert_eq!(live.len(), 4 + 6 + 8 + 3);
        let mut held = LiveCamera::astronaut(LiveAct::HeldUp, Resolution::HD).unwrap();
        assert_eq!(held.len(), 30);
        let a = held.frame().unwrap();
        let b = held.frame().unwrap();
        assert_eq!(a.dimensions(), (1280, 720));
        assert_ne!(a, b);
        assert!(matches!(
            LiveCamera::astronaut(LiveAct::Cropped, Resolution::new(10, 10)),
            Err(CameraError::BadResolution(_))
        ));
    }

    #[test]
    fn a_blink_changes_only_the_eyes_and_a_turn_moves_the_nose_most() {
        let photo = load(&photos_dir(), "astronaut.png").unwrap();
        let mut closed = photo.clone();
        blink(&mut closed, &ASTRONAUT_LANDMARKS, 1.0);
        let changed = |a: &RgbImage, b: &RgbImage, p: Point| {
            a.get_pixel(p.x as u32, p.y as u32) != b.get_pixel(p.x as u32, p.y as u32)
        };
        let l = ASTRONAUT_LANDMARKS;
        assert!(changed(&photo, &closed, l.left_eye_centre()));
        assert!(!changed(&photo, &closed, l.nose));
        assert!(!changed(&photo, &closed, Point::new(20.0, 20.0)));
        let turned = turn(&photo, &l, 0.3);
        assert!(!changed(&photo, &turned, Point::new(20.0, 20.0)));
        // The nose's column moved further than the outer eye corners' (parallax).
        let shift_at = |p: Point| {
            let row = p.y as u32;
            let target = photo.get_pixel(p.x as u32, row);
            (0..30u32)
                .find(|dx| {
                    let q = turned.get_pixel(p.x as u32 + dx, row);
                    q.0.iter()
                        .zip(target.0.iter())
                        .all(|(a, b)| (i16::from(*a) - i16::from(*b)).abs() <= 6)
                })
                .unwrap_or(30)
        };
        assert!(shift_at(l.nose) > shift_at(l.left_eye[0]));
    }
}
