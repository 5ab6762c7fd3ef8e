//! How open the eyes are, from the picture around the 5-point landmarks' eye corners.
//!
//! dlib's 5-point model gives each eye's two corners only, not the eyelids that an "eye
//! aspect ratio" needs (its 68-point model has them, but that model was trained on the iBUG
//! 300-W set, whose licence excludes commercial use). An open eye shows the white of the eye
//! beside the dark iris: the pixels between the corners vary strongly. A closed eye shows the
//! lid: skin and a lash line, far more uniform. The measure is the luminance's coefficient of
//! variation (standard deviation over mean) in a box spanning the corners, averaged over both
//! eyes. It is not comparable between people or lighting: the liveness check compares a face
//! only with its own earlier frames.

use image::RgbImage;

use crate::{Landmarks, Point};

/// Samples along the eye line and across it.
const ALONG: usize = 16;
const ACROSS: usize = 10;
/// The box spans this share of the corner distance along the eye line (the corners themselves
/// are skin)…
const BOX_ALONG: f32 = 0.8;
/// …and this share of it across, centred on the line: the opening, not the brow.
const BOX_ACROSS: f32 = 0.5;

/// The eyes' openness in `image` (see the module documentation); 0 when the eyes are outside
/// the picture.
pub fn openness(image: &RgbImage, landmarks: &Landmarks) -> f32 {
    let a = eye(image, landmarks.left_eye);
    let b = eye(image, landmarks.right_eye);
    match (a, b) {
        (Some(a), Some(b)) => (a + b) / 2.0,
        (Some(v), None) | (None, Some(v)) => v,
        (None, None) => 0.0,
    }
}

fn eye(image: &RgbImage, corners: [Point; 2]) -> Option<f32> {
    let [a, b] = corners;
    let w = a.dist(b);
    if w < 2.0 {
        return None;
    }
    let c = a.mid(b);
    let (ux, uy) = ((b.x - a.x) / w, (b.y - a.y) / w);
    let (vx, vy) = (-uy, ux);
    let mut sum = 0.0f64;
    let mut sq = 0.0f64;
    let mut n = 0usize;
    for i in 0..ALONG {
        let s = ((i as f32 + 0.5) / ALONG as f32 - 0.5) * BOX_ALONG * w;
        for j in 0..ACROSS {
            let t = ((j as f32 + 0.5) / ACROSS as f32 - 0.5) * BOX_ACROSS * w;
            let (x, y) = (c.x + s * ux + t * vx, c.y + s * uy + t * vy);
            if let Some(l) = luma(image, x, y) {
                sum += f64::from(l);
                sq += f64::from(l) * f64::from(l);
                n += 1;
            }
        }
    }
    if n < ALONG * ACROSS / 2 {
        return None;
    }
    let mean = sum / n as f64;
    let var = (sq / n as f64 - mean * mean).max(0.0);
    Some((var.sqrt() / mean.max(1.0)) as f32)
}

/// Bilinear luminance at (`x`, `y`); `None` outside the picture.
fn luma(image: &RgbImage, x: f32, y: f32) -> Option<f32> {
    let (w, h) = (image.width() as f32, image.height() as f32);
    if !(0.0..w - 1.0).contains(&x) || !(0.0..h - 1.0).contains(&y) {
        return None;
    }
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let l = |xx: f32, yy: f32| {
        let [r, g, b] = image.get_pixel(xx as u32, yy as u32).0;
        0.299 * f32::from(r) + 0.587 * f32::from(g) + 0.114 * f32::from(b)
    };
    let top = l(x0, y0) * (1.0 - fx) + l(x0 + 1.0, y0) * fx;
    let bottom = l(x0, y0 + 1.0) * (1.0 - fx) + l(x0 + 1.0, y0 + 1.0) * fx;
    Some(top * (1.0 - fy) + bottom * fy)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    fn marks() -> Landmarks {
        Landmarks::from_points(
            [Point::new(20.0, 50.0), Point::new(40.0, 50.0)],
            [Point::new(60.0, 50.0), Point::new(80.0, 50.0)],
            Point::new(50.0, 75.0),
        )
    }

    #[test]
    fn an_open_eye_varies_more_than_a_closed_one() {
        let skin = Rgb([200, 160, 140]);
        let mut open = RgbImage::from_pixel(100, 100, skin);
        for cx in [30i32, 70] {
            for y in 46..55 {
                for x in cx - 8..cx + 8 {
                    // The white of the eye, and the dark iris in the middle.
                    let px = if (x - cx).abs() < 3 {
                        Rgb([40, 30, 25])
                    } else {
                        Rgb([235, 235, 230])
                    };
                    open.put_pixel(x as u32, y, px);
                }
            }
        }
        let mut closed = RgbImage::from_pixel(100, 100, skin);
        for cx in [30u32, 70] {
            for x in cx - 8..cx + 8 {
                closed.put_pixel(x, 52, Rgb([90, 60, 50]));
            }
        }
        let (o, c) = (openness(&open, &marks()), openness(&closed, &marks()));
        assert!(o > 2.0 * c, "open {o}, closed {c}");
        assert!(c > 0.0);
        // Eyes outside the picture.
        assert_eq!(openness(&RgbImage::new(10, 10), &marks()), 0.0);
    }
}
