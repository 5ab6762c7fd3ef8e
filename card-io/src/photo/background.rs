//! The background of a cut photo: the regions beside and above the head, their tone
//! (median luma), how busy they are (share of pixels far from that tone), and their colour
//! (median chroma).
//!
//! The regions, in photo pixels, with `fw` the face width and the head box's eye midpoint and
//! eye line:
//! - the band above the head, 3 px clear of the estimated head top;
//! - beside the head down to the eye line, more than 0.8 fw from the eyes' midpoint (hair
//!   spreads to about 0.75 fw on frontal portraits);
//! - the upper corners, above head top + 0.25 fw and more than 0.55 fw from the midpoint (a
//!   head narrows towards its top).

use image::RgbImage;

use super::geometry::HeadBox;

/// Fewest background pixels for the statistics to mean anything.
pub(crate) const MIN_PIXELS: usize = 400;

/// A background pixel whose luma is further than this from the background's median is "busy"
/// (an object, an edge, a shadow); hair or a shoulder straying into the regions makes a few.
pub(crate) const BUSY_LUMA_DISTANCE: u8 = 24;

/// The background's statistics. Medians, not means, so that a strand of hair in the regions
/// does not make a white screen grey.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Background {
    pub pixels: usize,
    /// Median luma, 0–255 (BT.601 weights).
    pub median_luma: u8,
    /// Median of max(R, G, B) − min(R, G, B).
    pub median_chroma: u8,
    /// Share of pixels further than [`BUSY_LUMA_DISTANCE`] from the median luma, 0–1.
    pub busy_share: f32,
    /// Standard deviation of the luma (reported, not judged).
    pub luma_stddev: f32,
}

/// True when photo pixel (`x`, `y`) belongs to the background of `head`.
pub(crate) fn is_background(head: &HeadBox, x: u32, y: u32) -> bool {
    let (x, y) = (x as f32 + 0.5, y as f32 + 0.5);
    let fw = head.face_width;
    let dx = (x - head.eye_x).abs();
    let above_head = y < head.head_top - 3.0;
    let beside_head = y < head.eye_y && dx > 0.8 * fw;
    let upper_corner = y < head.head_top + 0.25 * fw && dx > 0.55 * fw;
    above_head || beside_head || upper_corner
}

fn median(hist: &[usize; 256], n: usize) -> u8 {
    let mut seen = 0;
    for (v, count) in hist.iter().enumerate() {
        seen += count;
        if seen * 2 >= n {
            return v as u8;
        }
    }
    255
}

/// Statistics of the background of `photo`, or `None` when fewer than [`MIN_PIXELS`] pixels
/// are background.
pub fn measure(photo: &RgbImage, head: &HeadBox) -> Option<Background> {
    let mut luma_hist = [0usize; 256];
    let mut chroma_hist = [0usize; 256];
    let (mut n, mut sum, mut sum_sq) = (0usize, 0f64, 0f64);
    for (x, y, p) in photo.enumerate_pixels() {
        if !is_background(head, x, y) {
            continue;
        }
        let [r, g, b] = p.0;
        let luma = (u32::from(r) * 299 + u32::from(g) * 587 + u32::from(b) * 114 + 500) / 1000;
        luma_hist[luma.min(255) as usize] += 1;
        chroma_hist[usize::from(r.max(g).max(b) - r.min(g).min(b))] += 1;
        n += 1;
        sum += f64::from(luma);
        sum_sq += f64::from(luma) * f64::from(luma);
    }
    if n < MIN_PIXELS {
        return None;
    }
    let median_luma = median(&luma_hist, n);
    let busy: usize = luma_hist
        .iter()
        .enumerate()
        .filter(|(v, _)| {
            (*v as i32 - i32::from(median_luma)).unsigned_abs() > u32::from(BUSY_LUMA_DISTANCE)
        })
        .map(|(_, c)| c)
        .sum();
    let nf = n as f64;
    let mean = sum / nf;
    Some(Background {
        pixels: n,
        median_luma,
        median_chroma: median(&chroma_hist, n),
        busy_share: (busy as f64 / nf) as f32,
        luma_stddev: (sum_sq / nf - mean * mean).max(0.0).sqrt() as f32,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    fn head() -> HeadBox {
        HeadBox {
            face_width: 195.0,
            head_top: 14.0,
            eye_x: 179.0,
            eye_from_bottom: 441.0 - 174.0,
            eye_y: 174.0,
        }
    }

    #[test]
    fn white_is_plain_and_light_stripes_are_not_plain() {
        let white = RgbImage::from_pixel(358, 441, Rgb([250, 250, 250]));
        let b = measure(&white, &head()).unwrap();
        assert!(b.pixels > 5000, "{b:?}");
        assert!(b.busy_share == 0.0 && b.median_luma == 250 && b.median_chroma == 0);
        let stripes = RgbImage::from_fn(358, 441, |x, _| {
            if (x / 8) % 2 == 0 {
                Rgb([255, 255, 255])
            } else {
                Rgb([60, 60, 60])
            }
        });
        assert!(measure(&stripes, &head()).unwrap().busy_share > 0.4);
        // The face itself is never background.
        assert!(!is_background(&head(), 179, 100));
    }
}
