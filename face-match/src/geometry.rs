//! Where a face is in a picture: points, the face box and the 5-point landmarks, with the
//! measures the liveness check and the ID-photo framing take from them.

/// A point in picture pixels.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Point {
    pub x: f32,
    pub y: f32,
}

impl Point {
    pub fn new(x: f32, y: f32) -> Point {
        Point { x, y }
    }

    pub fn mid(self, o: Point) -> Point {
        Point::new((self.x + o.x) / 2.0, (self.y + o.y) / 2.0)
    }

    pub fn dist(self, o: Point) -> f32 {
        ((self.x - o.x).powi(2) + (self.y - o.y).powi(2)).sqrt()
    }
}

/// A face's box in picture pixels.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct FaceBox {
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
}

impl FaceBox {
    pub fn centre(&self) -> Point {
        Point::new(self.x + self.width / 2.0, self.y + self.height / 2.0)
    }
}

/// The five landmarks of dlib's 5-point shape predictor, sorted: the two corners of the eye on
/// the picture's left, those of the eye on its right (outer corner first), and the bottom of
/// the nose.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Landmarks {
    /// The eye on the picture's left: outer (leftmost) corner, inner corner.
    pub left_eye: [Point; 2],
    /// The eye on the picture's right: outer (rightmost) corner, inner corner.
    pub right_eye: [Point; 2],
    /// The bottom of the nose (where it meets the upper lip).
    pub nose: Point,
}

impl Landmarks {
    /// From the predictor's points in any eye order: two pairs of eye corners and the nose.
    pub fn from_points(eye_a: [Point; 2], eye_b: [Point; 2], nose: Point) -> Landmarks {
        let centre = |e: &[Point; 2]| e[0].mid(e[1]);
        let (l, r) = if centre(&eye_a).x <= centre(&eye_b).x {
            (eye_a, eye_b)
        } else {
            (eye_b, eye_a)
        };
        let left_eye = if l[0].x <= l[1].x { l } else { [l[1], l[0]] };
        let right_eye = if r[0].x >= r[1].x { r } else { [r[1], r[0]] };
        Landmarks {
            left_eye,
            right_eye,
            nose,
        }
    }

    pub fn left_eye_centre(&self) -> Point {
        self.left_eye[0].mid(self.left_eye[1])
    }

    pub fn right_eye_centre(&self) -> Point {
        self.right_eye[0].mid(self.right_eye[1])
    }

    /// Distance between the eye centres, the face's scale.
    pub fn eye_distance(&self) -> f32 {
        self.left_eye_centre().dist(self.right_eye_centre())
    }

    /// The head's turn, from the nose's offset from the eyes' midpoint along the eye line, in
    /// eye distances: about 0 facing the camera, positive when the nose has moved to the
    /// picture's right (with an unmirrored camera: the person turned to their left).
    ///
    /// A flat picture held up and tilted cannot change this: the nose stays on the plane's
    /// symmetry line, whose midpoint a tilt preserves. A real head turning does, because the
    /// nose stands out of the plane of the eyes (parallax).
    pub fn yaw(&self) -> f32 {
        let l = self.left_eye_centre();
        let r = self.right_eye_centre();
        let d = l.dist(r);
        if d <= f32::EPSILON {
            return 0.0;
        }
        let (ux, uy) = ((r.x - l.x) / d, (r.y - l.y) / d);
        let m = l.mid(r);
        ((self.nose.x - m.x) * ux + (self.nose.y - m.y) * uy) / d
    }

    /// The landmarks scaled by `k` (from one picture size to another).
    pub fn scaled(&self, k: f32) -> Landmarks {
        let s = |p: Point| Point::new(p.x * k, p.y * k);
        Landmarks {
            left_eye: [s(self.left_eye[0]), s(self.left_eye[1])],
            right_eye: [s(self.right_eye[0]), s(self.right_eye[1])],
            nose: s(self.nose),
        }
    }
}
