//! The card's photo: 1024 bytes of WLT, a proprietary compression. The kiosk keeps the bytes;
//! turning them into pixels needs a licensed decoder library, which plugs in behind
//! [`WltDecoder`]. Without one the kiosk works on, and says plainly that it cannot show the
//! photo ([`NoLicensedDecoder`]).

use std::fmt;

/// Bytes of a WLT photo.
pub const WLT_LEN: usize = 1024;

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
}

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

/// A decoded photo: `width × height` pixels (102 × 126 for an ID card), 3 bytes (R, G, B)
/// each, rows top to bottom.
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

    #[test]
    fn no_decoder_says_so() {
        let photo = WltPhoto::new(&[7; WLT_LEN]).unwrap();
        let e = NoLicensedDecoder.decode(&photo).unwrap_err();
        assert!(matches!(e, WltError::NoDecoder));
        assert!(e.to_string().contains("no licensed WLT decoder installed"));
    }
}
