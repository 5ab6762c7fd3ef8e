//! The photo file: baseline JPEG with a JFIF APP0 header at 350 dpi, the quality searched so
//! the file lands in the size window; and a reader for the headers, to check files.

use image::codecs::jpeg::{JpegEncoder, PixelDensity};
use image::{ExtendedColorType, ImageError, RgbImage};

/// Density of the photo, dots per inch, both axes.
pub const DPI: u16 = 350;

/// JPEG of `img` at `quality` with a 350 × 350 dpi JFIF header.
pub fn encode(img: &RgbImage, quality: u8) -> Result<Vec<u8>, ImageError> {
    let mut out = Vec::with_capacity(48 * 1024);
    let mut enc = JpegEncoder::new_with_quality(&mut out, quality.clamp(1, 100));
    enc.set_pixel_density(PixelDensity::dpi(DPI));
    enc.encode(
        img.as_raw(),
        img.width(),
        img.height(),
        ExtendedColorType::Rgb8,
    )?;
    Ok(out)
}

/// The outcome of the quality search.
#[derive(Debug, Clone, PartialEq)]
pub enum Fit {
    /// A file in the window, and the quality that gave it.
    Fits { jpeg: Vec<u8>, quality: u8 },
    /// No allowed quality lands in the window: the sizes at the lowest and highest quality
    /// tried.
    Misses { smallest: usize, largest: usize },
}

/// Finds a quality in `min_q..=max_q` whose file is `min_bytes..=max_bytes` long, starting at
/// `start` and binary-searching towards the window: when the file at `start` is too large,
/// the highest quality below it that fits; when too small, the lowest above it that fits.
pub fn fit(
    img: &RgbImage,
    start: u8,
    (min_q, max_q): (u8, u8),
    (min_bytes, max_bytes): (usize, usize),
) -> Result<Fit, ImageError> {
    let min_q = min_q.clamp(1, 100);
    let max_q = max_q.clamp(min_q, 100);
    let start = start.clamp(min_q, max_q);
    let in_window = |n: usize| n >= min_bytes && n <= max_bytes;
    let first = encode(img, start)?;
    if in_window(first.len()) {
        return Ok(Fit::Fits {
            jpeg: first,
            quality: start,
        });
    }
    let too_large = first.len() > max_bytes;
    // Invariant: `bad` is on the wrong side of the window, `good` (if any) is not too large
    // (too_large) or not too small (otherwise).
    let (mut bad, end) = (start, if too_large { min_q } else { max_q });
    let end_jpeg = encode(img, end)?;
    let end_ok = if too_large {
        end_jpeg.len() <= max_bytes
    } else {
        end_jpeg.len() >= min_bytes
    };
    if !end_ok || end == start {
        let (smallest, largest) = if too_large {
            (end_jpeg.len(), first.len())
        } else {
            (first.len(), end_jpeg.len())
        };
        return Ok(Fit::Misses { smallest, largest });
    }
    let (mut good, mut good_jpeg) = (end, end_jpeg);
    while bad.abs_diff(good) > 1 {
        let mid = ((u16::from(bad) + u16::from(good)) / 2) as u8;
        let jpeg = encode(img, mid)?;
        let ok = if too_large {
            jpeg.len() <= max_bytes
        } else {
            jpeg.len() >= min_bytes
        };
        if ok {
            good = mid;
            good_jpeg = jpeg;
        } else {
            bad = mid;
        }
    }
    if in_window(good_jpeg.len()) {
        Ok(Fit::Fits {
            jpeg: good_jpeg,
            quality: good,
        })
    } else {
        // The window is narrower than one quality step at this point.
        let sizes = [first.len(), good_jpeg.len()];
        Ok(Fit::Misses {
            smallest: sizes.iter().copied().min().unwrap_or(0),
            largest: sizes.iter().copied().max().unwrap_or(0),
        })
    }
}

/// The JFIF APP0 header of a JPEG file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Jfif {
    pub version: (u8, u8),
    /// 0: aspect ratio only, 1: dots per inch, 2: dots per cm.
    pub units: u8,
    pub x_density: u16,
    pub y_density: u16,
}

/// What a JPEG file's headers say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct JpegInfo {
    /// Present when APP0 right after SOI is a JFIF header.
    pub jfif: Option<Jfif>,
    pub width: u16,
    pub height: u16,
    /// Bits per sample.
    pub precision: u8,
    pub components: u8,
    /// The SOF marker's second byte (0xC0 baseline, 0xC2 progressive, ...).
    pub sof: u8,
}

impl JpegInfo {
    /// 24-bit colour: three components of 8 bits.
    pub fn is_24_bit(&self) -> bool {
        self.precision == 8 && self.components == 3
    }
}

/// Reads the JFIF header and the frame header of a JPEG file; `None` when the bytes are not a
/// well-formed JPEG up to its frame header.
pub fn inspect(bytes: &[u8]) -> Option<JpegInfo> {
    if bytes.get(0..2)? != [0xFF, 0xD8] {
        return None;
    }
    let mut jfif = None;
    let mut pos = 2;
    let mut first = true;
    loop {
        if *bytes.get(pos)? != 0xFF {
            return None;
        }
        let marker = *bytes.get(pos + 1)?;
        if marker == 0xFF {
            pos += 1;
            continue;
        }
        let len = usize::from(u16::from_be_bytes([
            *bytes.get(pos + 2)?,
            *bytes.get(pos + 3)?,
        ]));
        if len < 2 {
            return None;
        }
        let body = bytes.get(pos + 4..pos + 2 + len)?;
        if first && marker == 0xE0 && body.len() >= 14 && &body[0..5] == b"JFIF\0" {
            jfif = Some(Jfif {
                version: (body[5], body[6]),
                units: body[7],
                x_density: u16::from_be_bytes([body[8], body[9]]),
                y_density: u16::from_be_bytes([body[10], body[11]]),
            });
        }
        first = false;
        let is_sof = (0xC0..=0xCF).contains(&marker) && ![0xC4, 0xC8, 0xCC].contains(&marker);
        if is_sof {
            if body.len() < 6 {
                return None;
            }
            return Some(JpegInfo {
                jfif,
                precision: body[0],
                height: u16::from_be_bytes([body[1], body[2]]),
                width: u16::from_be_bytes([body[3], body[4]]),
                components: body[5],
                sof: marker,
            });
        }
        if marker == 0xDA || marker == 0xD9 {
            return None;
        }
        pos += 2 + len;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    fn noisy(w: u32, h: u32) -> RgbImage {
        let mut x: u32 = 12345;
        RgbImage::from_fn(w, h, |_, _| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let v = (x >> 16) as u8;
            Rgb([v, v / 2, 255 - v])
        })
    }

    #[test]
    fn header_says_350_dpi_and_24_bit() {
        let jpeg = encode(&noisy(358, 441), 70).unwrap();
        let info = inspect(&jpeg).unwrap();
        assert_eq!(
            info.jfif,
            Some(Jfif {
                version: (1, 2),
                units: 1,
                x_density: 350,
                y_density: 350
            })
        );
        assert_eq!((info.width, info.height), (358, 441));
        assert!(info.is_24_bit());
    }

    #[test]
    fn search_lands_in_the_window_or_says_why_not() {
        let img = noisy(200, 200);
        let big = encode(&img, 90).unwrap().len();
        let small = encode(&img, 50).unwrap().len();
        match fit(&img, 70, (40, 95), (small, big)).unwrap() {
            Fit::Fits { jpeg, quality } => {
                assert!(jpeg.len() >= small && jpeg.len() <= big);
                assert!((40..=95).contains(&quality));
            }
            Fit::Misses { .. } => panic!("should fit"),
        }
        // Too small a window to reach downwards: quality goes to 40 and is still too large.
        let q40 = encode(&img, 40).unwrap().len();
        assert!(matches!(
            fit(&img, 70, (40, 95), (1, q40 - 1)).unwrap(),
            Fit::Misses { smallest, .. } if smallest == q40
        ));
        let flat = RgbImage::from_pixel(358, 441, Rgb([255, 255, 255]));
        assert!(matches!(
            fit(&flat, 70, (40, 95), (14 * 1024, 40 * 1024)).unwrap(),
            Fit::Misses { .. }
        ));
        assert_eq!(inspect(b"not a jpeg"), None);
        assert_eq!(inspect(&[0xFF, 0xD8, 0xFF, 0xE0, 0x00]), None);
    }
}
