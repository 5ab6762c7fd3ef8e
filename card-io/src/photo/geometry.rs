//! Where the photo is cut from the frame so that the head box rules hold
//! (CARD-PROFILE.md section 9), and the head box measured on a cut.
//!
//! The detector gives a square box, not the eyes or the top of the hair. Both are estimated
//! from the box with proportions measured on SeetaFace boxes of frontal portraits (the
//! scikit-image astronaut, the rustface group photo):
//!
//! - the eye line lies [`EYE_LINE_BELOW_BOX_TOP`] × box height below the box's top edge;
//! - the top of the head (hair included) lies [`HEAD_TOP_ABOVE_BOX_TOP`] × box height above it;
//! - the midpoint of the eyes is the box's horizontal centre;
//! - the face width of the rules is the box width (cheek to cheek at eye level).

use super::detect::Face;
use super::refusal::{Direction, Refusal};

/// Photo width in pixels.
pub const WIDTH: u32 = 358;
/// Photo height in pixels.
pub const HEIGHT: u32 = 441;

/// Face width range of the rules, in photo pixels.
pub(crate) const FACE_WIDTH: (f32, f32) = (179.0, 255.0);
/// Distance of the top of the head below the top edge, in photo pixels.
pub(crate) const HEAD_TOP: (f32, f32) = (7.0, 21.0);
/// Distance of the midpoint of the eyes from the left edge, in photo pixels.
pub(crate) const EYE_X: (f32, f32) = (162.0, 196.0);
/// Least distance of the eye line above the bottom edge, in photo pixels.
pub(crate) const EYE_LINE_MIN_FROM_BOTTOM: f32 = 207.0;

/// Eye line below the top of the detector's box, as a fraction of the box height.
pub(crate) const EYE_LINE_BELOW_BOX_TOP: f32 = 0.32;
/// Top of the head above the top of the detector's box, as a fraction of the box height.
pub(crate) const HEAD_TOP_ABOVE_BOX_TOP: f32 = 0.50;

/// The face width aimed at: low in the range, so that the whole head (about 1.6 face widths
/// tall with these proportions) is about two thirds of the photo's height.
pub(crate) const TARGET_FACE_WIDTH: f32 = 195.0;
/// Where the top of the head is aimed at (middle of the range).
pub(crate) const TARGET_HEAD_TOP: f32 = 14.0;
/// Where the eyes' midpoint is aimed at (the photo's centre line).
pub(crate) const TARGET_EYE_X: f32 = 179.0;

/// The head features estimated from a detector box, in the box's coordinates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Landmarks {
    pub face_width: f32,
    pub eye_x: f32,
    pub eye_y: f32,
    pub head_top: f32,
}

impl Landmarks {
    pub fn of(face: &Face) -> Landmarks {
        Landmarks {
            face_width: face.width,
            eye_x: face.x + face.width / 2.0,
            eye_y: face.y + face.height * EYE_LINE_BELOW_BOX_TOP,
            head_top: face.y - face.height * HEAD_TOP_ABOVE_BOX_TOP,
        }
    }
}

/// A rectangle of the frame, in whole pixels, that becomes the photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Crop {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

/// The head box as the rules measure it, in photo pixels.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct HeadBox {
    pub face_width: f32,
    pub head_top: f32,
    pub eye_x: f32,
    /// Distance of the eye line above the bottom edge.
    pub eye_from_bottom: f32,
    /// Eye line from the top edge (for the background regions).
    pub eye_y: f32,
}

impl HeadBox {
    /// The head box of `landmarks` (frame coordinates) after `crop` is scaled to the photo.
    pub(crate) fn after_crop(landmarks: &Landmarks, crop: &Crop) -> HeadBox {
        let sx = WIDTH as f32 / crop.width as f32;
        let sy = HEIGHT as f32 / crop.height as f32;
        let eye_y = (landmarks.eye_y - crop.y as f32) * sy;
        HeadBox {
            face_width: landmarks.face_width * sx,
            head_top: (landmarks.head_top - crop.y as f32) * sy,
            eye_x: (landmarks.eye_x - crop.x as f32) * sx,
            eye_from_bottom: HEIGHT as f32 - eye_y,
            eye_y,
        }
    }

    /// The head box of a face detected on the photo itself.
    pub fn on_photo(face: &Face) -> HeadBox {
        let l = Landmarks::of(face);
        HeadBox {
            face_width: l.face_width,
            head_top: l.head_top,
            eye_x: l.eye_x,
            eye_from_bottom: HEIGHT as f32 - l.eye_y,
            eye_y: l.eye_y,
        }
    }

    /// The rules this head box breaks, as text (empty when it keeps them all).
    pub fn violations(&self) -> Vec<String> {
        let mut v = Vec::new();
        let within = |x: f32, (lo, hi): (f32, f32)| x >= lo && x <= hi;
        if !within(self.face_width, FACE_WIDTH) {
            v.push(format!(
                "face width {:.0} px not in {}–{}",
                self.face_width, FACE_WIDTH.0, FACE_WIDTH.1
            ));
        }
        if !within(self.head_top, HEAD_TOP) {
            v.push(format!(
                "top of head {:.0} px below the top edge, not {}–{}",
                self.head_top, HEAD_TOP.0, HEAD_TOP.1
            ));
        }
        if !within(self.eye_x, EYE_X) {
            v.push(format!(
                "eyes' midpoint {:.0} px from the left edge, not {}–{}",
                self.eye_x, EYE_X.0, EYE_X.1
            ));
        }
        if self.eye_from_bottom < EYE_LINE_MIN_FROM_BOTTOM {
            v.push(format!(
                "eye line {:.0} px above the bottom edge, less than {}",
                self.eye_from_bottom, EYE_LINE_MIN_FROM_BOTTOM
            ));
        }
        v
    }
}

/// The frame size below which no photo can be cut without enlarging more than `max_upscale`.
pub(crate) fn min_frame(max_upscale: f32) -> (u32, u32) {
    let up = max_upscale.max(f32::MIN_POSITIVE);
    (
        (WIDTH as f32 / up).ceil() as u32,
        (HEIGHT as f32 / up).ceil() as u32,
    )
}

/// The crop that puts `face` where the rules want it in a `frame_w`×`frame_h` frame, or the
/// refusal that tells the citizen how to move.
///
/// The scale (photo pixels per frame pixel) is tried from the target face width outwards over
/// the whole allowed range; for each, the crop's position is the one nearest the targets
/// within the head-top, eye-midpoint and eye-line windows and inside the frame.
pub fn plan(face: &Face, frame_w: u32, frame_h: u32, max_upscale: f32) -> Result<Crop, Refusal> {
    let l = Landmarks::of(face);
    let fw = l.face_width.max(1.0);
    let (w, h) = (frame_w as f32, frame_h as f32);
    let min_face = FACE_WIDTH.0 / max_upscale;
    if fw < min_face {
        return Err(Refusal::TooFar {
            face_width: fw.round() as u32,
            min_face_width: min_face.ceil() as u32,
        });
    }
    let s_lo = FACE_WIDTH.0 / fw;
    let s_hi = (FACE_WIDTH.1 / fw).min(max_upscale);
    // The crop must fit in the frame: the scale cannot go below this.
    let s_fit = f32::max(WIDTH as f32 / w, HEIGHT as f32 / h);
    if s_fit > s_hi {
        return Err(Refusal::TooClose {
            face_width: fw.round() as u32,
            max_face_width: (FACE_WIDTH.1 / s_fit).floor() as u32,
        });
    }
    let s_lo = s_lo.max(s_fit);
    let target = (TARGET_FACE_WIDTH / fw).clamp(s_lo, s_hi);
    let mut first_miss = None;
    for s in candidate_scales(target, s_lo, s_hi) {
        match place(&l, s, w, h) {
            Ok(crop) => return Ok(crop),
            Err(d) => {
                first_miss.get_or_insert(d);
            }
        }
    }
    Err(Refusal::OffCentre {
        direction: first_miss.unwrap_or(Direction::Centre),
    })
}

/// The target first, then alternately larger and smaller scales in 2 % steps.
fn candidate_scales(target: f32, lo: f32, hi: f32) -> Vec<f32> {
    let mut v = vec![target];
    for i in 1..=25 {
        let step = 1.0 + 0.02 * i as f32;
        for s in [target * step, target / step] {
            if s >= lo && s <= hi {
                v.push(s);
            }
        }
    }
    v.push(lo);
    v.push(hi);
    v
}

/// The crop at scale `s` (photo px per frame px), or the way the person should move when the
/// windows cannot be met inside the frame.
fn place(l: &Landmarks, s: f32, w: f32, h: f32) -> Result<Crop, Direction> {
    let cw = (WIDTH as f32 / s).round().min(w);
    let ch = (HEIGHT as f32 / s).round().min(h);
    // Horizontal: eyes' midpoint within EYE_X, crop inside the frame.
    let x_lo = f32::max(l.eye_x - EYE_X.1 / s, 0.0);
    let x_hi = f32::min(l.eye_x - EYE_X.0 / s, w - cw);
    if x_lo > x_hi {
        // The frame ends before the window begins on one side.
        return Err(if l.eye_x - EYE_X.0 / s > w - cw {
            Direction::Left
        } else {
            Direction::Right
        });
    }
    // Vertical: head top within HEAD_TOP, eye line high enough, crop inside the frame.
    let y_lo = [
        l.head_top - HEAD_TOP.1 / s,
        l.eye_y + EYE_LINE_MIN_FROM_BOTTOM / s - ch,
        0.0,
    ]
    .into_iter()
    .fold(f32::MIN, f32::max);
    let y_hi = f32::min(l.head_top - HEAD_TOP.0 / s, h - ch);
    if y_lo > y_hi {
        return Err(if l.head_top - HEAD_TOP.0 / s < 0.0 {
            Direction::Down
        } else {
            Direction::Up
        });
    }
    let x = (l.eye_x - TARGET_EYE_X / s).clamp(x_lo, x_hi);
    let y = (l.head_top - TARGET_HEAD_TOP / s).clamp(y_lo, y_hi);
    let crop = Crop {
        x: x.round().max(0.0) as u32,
        y: y.round().max(0.0) as u32,
        width: cw as u32,
        height: ch as u32,
    };
    // Rounding to whole pixels may push a value just out of its window: check the real cut.
    if HeadBox::after_crop(l, &crop).violations().is_empty() {
        Ok(crop)
    } else {
        Err(Direction::Centre)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn face(x: f32, y: f32, w: f32) -> Face {
        Face {
            x,
            y,
            width: w,
            height: w,
            score: 10.0,
        }
    }

    #[test]
    fn a_centred_face_lands_on_the_targets() {
        let f = face(540.0, 250.0, 200.0);
        let crop = plan(&f, 1280, 720, 1.5).unwrap();
        let hb = HeadBox::after_crop(&Landmarks::of(&f), &crop);
        assert!(hb.violations().is_empty(), "{hb:?}");
        assert!((hb.face_width - TARGET_FACE_WIDTH).abs() < 2.0, "{hb:?}");
        assert!((hb.eye_x - TARGET_EYE_X).abs() < 2.0, "{hb:?}");
        assert!((hb.head_top - TARGET_HEAD_TOP).abs() < 2.0, "{hb:?}");
    }

    #[test]
    fn small_big_and_edge_faces_are_refused_with_the_right_advice() {
        assert!(matches!(
            plan(&face(600.0, 300.0, 60.0), 1280, 720, 1.5),
            Err(Refusal::TooFar { .. })
        ));
        assert!(matches!(
            plan(&face(300.0, 150.0, 600.0), 1280, 720, 1.5),
            Err(Refusal::TooClose { .. })
        ));
        assert!(matches!(
            plan(&face(0.0, 250.0, 200.0), 1280, 720, 1.5),
            Err(Refusal::OffCentre {
                direction: Direction::Right
            })
        ));
        assert!(matches!(
            plan(&face(1080.0, 250.0, 200.0), 1280, 720, 1.5),
            Err(Refusal::OffCentre {
                direction: Direction::Left
            })
        ));
        assert!(matches!(
            plan(&face(540.0, 20.0, 200.0), 1280, 720, 1.5),
            Err(Refusal::OffCentre {
                direction: Direction::Down
            })
        ));
    }
}
