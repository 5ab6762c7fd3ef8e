//! The card's photo: 1024 bytes of WLT, a proprietary compression. The kiosk keeps the bytes;
//! turning them into pixels needs a licensed decoder library, which plugs in behind
//! [`WltDecoder`]. Without one the kiosk works on, and says plainly that it cannot show the
//! photo ([`NoLicensedDecoder`]).
//!
//! [`LibraryDecoder`] loads the vendor's decoder at run time (kiosk.toml
//! `[devices] wlt_decoder`), a shared library with one C function. The contract, modelled on
//! the `unpack` function of the vendors' `libWltRS.so` / `WltRS.dll` family (whose codes
//! follow their `GetBmp`: 1 correct, 0 call error, −1 photo decode error, −4 WLT format
//! error, −5 not licensed):
//!
//! ```c
//! /* wlt:  the 1024 bytes read from the card (not modified).
//!  * bmp:  a buffer of at least 38862 bytes (BMP_LEN) the function fills with a complete
//!  *       24-bit Windows bitmap file: the 54-byte header, then 102×126 pixels, B, G, R,
//!  *       rows bottom-up, each row padded to a multiple of 4 bytes.
//!  * save: always 0 from the kiosk: write no file.
//!  * Returns 1 on success; 0 bad arguments; -1 the photo cannot be decoded; -4 the bytes are
//!  * not a WLT photo; -5 the library is not licensed on this device; any other value: an
//!  * error of the library's own. The function is called from one thread at a time. */
//! int unpack(const unsigned char *wlt, unsigned char *bmp, int save);
//! ```
//!
//! A library whose function takes file paths instead (some vendors' `unpack(wltPath,
//! bmpPath, 1)`) needs a small shim with this signature. The kiosk gives the function a
//! zeroed buffer of [`BMP_BUFFER`] bytes (more than the bitmap needs, as a margin for
//! libraries that write past it) and accepts the result only if it is such a bitmap.

use std::ffi::c_int;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Bytes of a WLT photo.
pub const WLT_LEN: usize = 1024;
/// Width of a decoded ID card photo, in pixels.
pub const PHOTO_WIDTH: u32 = 102;
/// Height of a decoded ID card photo, in pixels.
pub const PHOTO_HEIGHT: u32 = 126;

#[derive(Debug, thiserror::Error)]
pub enum WltError {
    #[error("the ID card photo is {len} bytes, expected {WLT_LEN}")]
    Length { len: usize },
    #[error("no licensed WLT decoder installed: the ID card photo cannot be shown")]
    NoDecoder,
    #[error("the WLT decoder failed: {source}")]
    Decoder {
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("cannot load the WLT decoder library {}: {source}", path.display())]
    Library {
        path: PathBuf,
        #[source]
        source: libloading::Error,
    },
    #[error("the WLT decoder library {} has no function `{symbol}`: {source}", path.display())]
    Symbol {
        path: PathBuf,
        symbol: &'static str,
        #[source]
        source: libloading::Error,
    },
    #[error("the WLT decoder answered {code} ({})", unpack_meaning(*code))]
    Unpack { code: i32 },
    #[error("the WLT decoder's bitmap is not usable: {reason}")]
    Bitmap { reason: String },
}

/// What a return code of `unpack` means (the vendors' `GetBmp` codes).
pub fn unpack_meaning(code: i32) -> &'static str {
    match code {
        1 => "correct",
        0 => "bad arguments",
        -1 => "the photo cannot be decoded",
        -4 => "the bytes are not a WLT photo",
        -5 => "the decoder is not licensed on this device",
        _ => "an error of the decoder's own",
    }
}

/// Bytes of the bitmap `unpack` writes: a 54-byte header and 126 rows of 102 pixels, each row
/// 306 bytes padded to 308.
pub const BMP_LEN: usize = 54 + 308 * PHOTO_HEIGHT as usize;
/// Bytes of the buffer the kiosk hands to `unpack`.
pub const BMP_BUFFER: usize = 64 * 1024;
/// The function a decoder library exports.
pub const UNPACK_SYMBOL: &str = "unpack";

/// The photo as the card stores it.
#[derive(Clone, PartialEq, Eq)]
pub struct WltPhoto(Box<[u8; WLT_LEN]>);

impl WltPhoto {
    pub fn new(bytes: &[u8]) -> Result<WltPhoto, WltError> {
        let array: [u8; WLT_LEN] = bytes
            .try_into()
            .map_err(|_| WltError::Length { len: bytes.len() })?;
        Ok(WltPhoto(Box::new(array)))
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0[..]
    }

    /// Always [`WLT_LEN`].
    pub fn len(&self) -> usize {
        WLT_LEN
    }

    /// Never true: a photo is 1024 bytes.
    pub fn is_empty(&self) -> bool {
        false
    }
}

impl fmt::Debug for WltPhoto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WltPhoto({WLT_LEN} bytes)")
    }
}

/// A decoded photo: `width × height` pixels, 3 bytes (R, G, B) each, rows top to bottom.
#[derive(Clone, PartialEq, Eq)]
pub struct DecodedPhoto {
    pub width: u32,
    pub height: u32,
    pub rgb: Vec<u8>,
}

impl fmt::Debug for DecodedPhoto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DecodedPhoto({}×{})", self.width, self.height)
    }
}

/// Turns WLT bytes into pixels (a licensed library's job).
pub trait WltDecoder {
    fn decode(&self, photo: &WltPhoto) -> Result<DecodedPhoto, WltError>;
}

/// The decoder of a kiosk that has no licensed library: every decode says so.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoLicensedDecoder;

impl WltDecoder for NoLicensedDecoder {
    fn decode(&self, _photo: &WltPhoto) -> Result<DecodedPhoto, WltError> {
        Err(WltError::NoDecoder)
    }
}

type UnpackFn = unsafe extern "C" fn(*const u8, *mut u8, c_int) -> c_int;

/// A vendor's decoder library, loaded at run time (see the module documentation for the C
/// function it must export).
pub struct LibraryDecoder {
    path: PathBuf,
    unpack: UnpackFn,
    /// Calls take turns: vendors' decoders are not known to be thread-safe.
    lock: Mutex<()>,
    // Keeps the library mapped while `unpack` may be called; dropped last.
    _library: libloading::Library,
}

impl fmt::Debug for LibraryDecoder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LibraryDecoder({})", self.path.display())
    }
}

impl LibraryDecoder {
    /// Loads the library at `path` and finds its `unpack`.
    #[allow(
        unsafe_code,
        reason = "loading the vendor's library and finding its symbol"
    )]
    pub fn open(path: &Path) -> Result<LibraryDecoder, WltError> {
        // SAFETY: loading runs the library's initialisers. The path is the one the kiosk's
        // configuration names for its licensed decoder (an absolute path, checked by
        // firmware-config), installed by the kiosk's technician; no other library is loaded.
        let library =
            unsafe { libloading::Library::new(path) }.map_err(|source| WltError::Library {
                path: path.to_owned(),
                source,
            })?;
        // SAFETY: the symbol is used with the signature of the documented contract; a library
        // that exports `unpack` with another signature breaks that contract.
        let unpack: UnpackFn = unsafe {
            *library
                .get::<UnpackFn>(b"unpack\0")
                .map_err(|source| WltError::Symbol {
                    path: path.to_owned(),
                    symbol: UNPACK_SYMBOL,
                    source,
                })?
        };
        Ok(LibraryDecoder {
            path: path.to_owned(),
            unpack,
            lock: Mutex::new(()),
            _library: library,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl WltDecoder for LibraryDecoder {
    #[allow(unsafe_code, reason = "calling the vendor's unpack through its C ABI")]
    fn decode(&self, photo: &WltPhoto) -> Result<DecodedPhoto, WltError> {
        let mut bmp = vec![0u8; BMP_BUFFER];
        let code = {
            let _turn = self.lock.lock().unwrap_or_else(|e| e.into_inner());
            // SAFETY: `wlt` points to WLT_LEN readable bytes and `bmp` to BMP_BUFFER writable
            // bytes, more than the BMP_LEN the contract lets the function write; both outlive
            // the call, which is not re-entered (the lock).
            unsafe { (self.unpack)(photo.as_bytes().as_ptr(), bmp.as_mut_ptr(), 0) }
        };
        if code != 1 {
            return Err(WltError::Unpack { code });
        }
        parse_bmp(&bmp)
    }
}

/// A 24-bit uncompressed Windows bitmap (the file, header included) as RGB pixels.
pub fn parse_bmp(bmp: &[u8]) -> Result<DecodedPhoto, WltError> {
    let bad = |reason: String| WltError::Bitmap { reason };
    let u16_at = |i: usize| bmp.get(i..i + 2).map(|b| u16::from_le_bytes([b[0], b[1]]));
    let u32_at = |i: usize| {
        bmp.get(i..i + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    if bmp.get(0..2) != Some(b"BM") {
        return Err(bad("it does not start with \"BM\"".into()));
    }
    let (Some(offset), Some(dib), Some(w), Some(h), Some(bpp), Some(compression)) = (
        u32_at(10),
        u32_at(14),
        u32_at(18),
        u32_at(22),
        u16_at(28),
        u32_at(30),
    ) else {
        return Err(bad("its header is cut short".into()));
    };
    if dib < 40 {
        return Err(bad(format!(
            "its info header is {dib} bytes, expected 40 or more"
        )));
    }
    if bpp != 24 || compression != 0 {
        return Err(bad(format!(
            "{bpp} bits per pixel, compression {compression}; expected 24 bits, uncompressed"
        )));
    }
    let (w, h) = (w as i32, h as i32);
    let bottom_up = h > 0;
    let (w, h) = (w.unsigned_abs(), h.unsigned_abs());
    if !(1..=1024).contains(&w) || !(1..=1024).contains(&h) {
        return Err(bad(format!("{w}×{h} pixels is not a photo's size")));
    }
    let row = (w as usize * 3).div_ceil(4) * 4;
    let start = offset as usize;
    let end = start + row * h as usize;
    if start < 54 || end > bmp.len() {
        return Err(bad(format!(
            "its pixels (bytes {start}..{end}) are outside the {} bytes written",
            bmp.len()
        )));
    }
    let mut rgb = Vec::with_capacity(w as usize * h as usize * 3);
    for y in 0..h as usize {
        let src = if bottom_up { h as usize - 1 - y } else { y };
        let line = &bmp[start + src * row..start + src * row + w as usize * 3];
        for px in line.chunks_exact(3) {
            rgb.extend_from_slice(&[px[2], px[1], px[0]]);
        }
    }
    Ok(DecodedPhoto {
        width: w,
        height: h,
        rgb,
    })
}

impl DecodedPhoto {
    /// The photo as an `image` buffer (for face matching).
    pub fn to_image(&self) -> Option<image::RgbImage> {
        image::RgbImage::from_raw(self.width, self.height, self.rgb.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_is_checked() {
        assert!(WltPhoto::new(&[0; WLT_LEN]).is_ok());
        let e = WltPhoto::new(&[0; 1000]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "the ID card photo is 1000 bytes, expected 1024"
        );
    }

    /// A bottom-up 2×2 bitmap: rows padded to 8 bytes.
    fn bmp_2x2() -> Vec<u8> {
        let mut b = vec![0u8; 54];
        b[0..2].copy_from_slice(b"BM");
        b[10..14].copy_from_slice(&54u32.to_le_bytes());
        b[14..18].copy_from_slice(&40u32.to_le_bytes());
        b[18..22].copy_from_slice(&2i32.to_le_bytes());
        b[22..26].copy_from_slice(&2i32.to_le_bytes());
        b[26..28].copy_from_slice(&1u16.to_le_bytes());
        b[28..30].copy_from_slice(&24u16.to_le_bytes());
        // Bottom row first: blue, green; then the top row: red, white (B, G, R order).
        b.extend_from_slice(&[255, 0, 0, 0, 255, 0, 0, 0]);
        b.extend_from_slice(&[0, 0, 255, 255, 255, 255, 0, 0]);
        b
    }

    #[test]
    fn bitmaps_parse_and_bad_ones_are_refused() {
        let p = parse_bmp(&bmp_2x2()).unwrap();
        assert_eq!((p.width, p.height), (2, 2));
        assert_eq!(p.rgb, [255, 0, 0, 255, 255, 255, 0, 0, 255, 0, 255, 0]);
        assert_eq!(p.to_image().unwrap().get_pixel(0, 1).0, [0, 0, 255]);
        let mut cut = bmp_2x2();
        cut.truncate(60);
        assert!(parse_bmp(&cut).unwrap_err().to_string().contains("outside"));
        let mut eight = bmp_2x2();
        eight[28] = 8;
        assert!(parse_bmp(&eight)
            .unwrap_err()
            .to_string()
            .contains("8 bits"));
        assert!(parse_bmp(b"GIF89a").is_err());
        assert_eq!(BMP_LEN, 38862);
        assert_eq!(
            unpack_meaning(-5),
            "the decoder is not licensed on this device"
        );
    }

    #[test]
    fn no_decoder_says_so() {
        let photo = WltPhoto::new(&[7; WLT_LEN]).unwrap();
        let e = NoLicensedDecoder.decode(&photo).unwrap_err();
        assert!(matches!(e, WltError::NoDecoder));
        assert!(e.to_string().contains("no licensed WLT decoder installed"));
    }
}
