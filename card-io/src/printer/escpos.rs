//! ESC/POS commands as pure functions. Text is GB18030: every byte of a multi-byte GB18030
//! sequence is at least `0x30`, so text can never be mistaken for a command byte.

use super::raster::Bitmap;
use super::status::StatusQuery;
use super::PrinterError;

pub const LF: u8 = 0x0A;
pub const ESC: u8 = 0x1B;
pub const GS: u8 = 0x1D;
pub const FS: u8 = 0x1C;
pub const DLE: u8 = 0x10;
pub const EOT: u8 = 0x04;

/// `ESC @`: initialise (clears the buffer and every style).
pub(crate) const INIT: [u8; 2] = [ESC, b'@'];
/// `FS &`: Chinese character mode (double-byte text), the default of Chinese printers.
pub(crate) const CHINESE_MODE: [u8; 2] = [FS, b'&'];
/// `GS V 66 0`: feed to the cutter and partial cut.
pub(crate) const CUT: [u8; 4] = [GS, b'V', 0x42, 0x00];

/// Text alignment (`ESC a n`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Align {
    #[default]
    Left,
    Center,
    Right,
}

impl Align {
    /// The `n` of `ESC a n`.
    pub fn code(self) -> u8 {
        match self {
            Align::Left => 0,
            Align::Center => 1,
            Align::Right => 2,
        }
    }

    /// The alignment of `ESC a n` (`0`/`48` left, `1`/`49` centre, `2`/`50` right).
    pub fn from_code(n: u8) -> Option<Align> {
        match n {
            0 | b'0' => Some(Align::Left),
            1 | b'1' => Some(Align::Center),
            2 | b'2' => Some(Align::Right),
            _ => None,
        }
    }
}

/// `ESC @`.
pub fn init() -> [u8; 2] {
    INIT
}

/// `FS &`.
pub(crate) fn chinese_mode() -> [u8; 2] {
    CHINESE_MODE
}

/// `ESC E n`: emphasised (bold) on or off.
pub fn bold(on: bool) -> [u8; 3] {
    [ESC, b'E', u8::from(on)]
}

/// `GS ! n`: character size, normal or double in either direction.
pub fn size(double_width: bool, double_height: bool) -> [u8; 3] {
    let n = if double_width { 0x10 } else { 0 } | u8::from(double_height);
    [GS, b'!', n]
}

/// `ESC a n`.
pub fn align(a: Align) -> [u8; 3] {
    [ESC, b'a', a.code()]
}

/// `ESC d n`: print the buffer and feed `lines` lines.
pub fn feed(lines: u8) -> [u8; 3] {
    [ESC, b'd', lines]
}

/// `ESC J n`: print the buffer and feed `dots` dot rows.
pub fn feed_dots(dots: u8) -> [u8; 3] {
    [ESC, b'J', dots]
}

/// `GS v 0 0 xL xH yL yH d…`: a raster image at normal size, `xL xH` bytes per row and `yL yH`
/// rows ([`Bitmap`]'s layout). `None` when the image is too large for the command.
pub fn raster_image(image: &Bitmap) -> Option<Vec<u8>> {
    let x = u16::try_from(image.row_bytes()).ok()?;
    let y = u16::try_from(image.height).ok()?;
    let mut out = Vec::with_capacity(8 + image.bits.len());
    out.extend_from_slice(&[GS, b'v', b'0', 0]);
    out.extend_from_slice(&x.to_le_bytes());
    out.extend_from_slice(&y.to_le_bytes());
    out.extend_from_slice(&image.bits);
    Some(out)
}

/// `GS V 66 0`.
pub fn cut() -> [u8; 4] {
    CUT
}

/// `DLE EOT n`: real-time status query.
pub fn status_query(q: StatusQuery) -> [u8; 3] {
    [DLE, EOT, q.code()]
}

/// Private-use code points: a printer has no glyph for them, and GB18030 editions map some
/// of them to different characters (U+E78D comes back as U+FE10), so they cannot be
/// printed faithfully.
fn is_private_use(c: char) -> bool {
    matches!(u32::from(c), 0xE000..=0xF8FF | 0xF0000..=0xFFFFD | 0x100000..=0x10FFFD)
}

/// Text in GB18030. Refuses control characters (they would be commands), private-use
/// characters, and anything else the WHATWG GB18030 encoder cannot encode.
pub fn text(s: &str) -> Result<Vec<u8>, PrinterError> {
    if let Some(ch) = s.chars().find(|c| c.is_control()) {
        return Err(PrinterError::ControlCharacter { ch });
    }
    if let Some(ch) = s.chars().find(|c| is_private_use(*c)) {
        return Err(PrinterError::Unencodable { ch });
    }
    let (bytes, _, had_errors) = encoding_rs::GB18030.encode(s);
    if had_errors {
        let mut buf = [0u8; 4];
        let ch = s
            .chars()
            .find(|c| encoding_rs::GB18030.encode(c.encode_utf8(&mut buf)).2)
            .unwrap_or(char::REPLACEMENT_CHARACTER);
        return Err(PrinterError::Unencodable { ch });
    }
    Ok(bytes.into_owned())
}

/// Text then a line feed.
pub fn line(s: &str) -> Result<Vec<u8>, PrinterError> {
    let mut out = text(s)?;
    out.push(LF);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_bytes() {
        assert_eq!(init(), [0x1B, 0x40]);
        assert_eq!(cut(), [0x1D, 0x56, 0x42, 0x00]);
        assert_eq!(status_query(StatusQuery::Printer), [0x10, 0x04, 0x01]);
        assert_eq!(status_query(StatusQuery::PaperSensor), [0x10, 0x04, 0x04]);
        assert_eq!(bold(true), [0x1B, 0x45, 1]);
        assert_eq!(size(false, true), [0x1D, 0x21, 0x01]);
        assert_eq!(size(true, true), [0x1D, 0x21, 0x11]);
        assert_eq!(align(Align::Center), [0x1B, 0x61, 1]);
        assert_eq!(feed_dots(7), [0x1B, 0x4A, 7]);
        let mut b = Bitmap::new(10, 2);
        b.set(0, 0);
        b.set(9, 1);
        assert_eq!(
            raster_image(&b),
            Some(vec![0x1D, 0x76, 0x30, 0, 2, 0, 2, 0, 0x80, 0, 0, 0x40])
        );
    }

    #[test]
    fn gb18030_text() {
        assert_eq!(text("社保").ok(), Some(vec![0xC9, 0xE7, 0xB1, 0xA3]));
        assert_eq!(line("A").ok(), Some(vec![b'A', LF]));
        // Uyghur (Arabic script) takes the four-byte form.
        let u = text("ئا").unwrap_or_default();
        assert_eq!(u.len(), 8);
        assert!(u.iter().all(|&b| b >= 0x30));
    }

    #[test]
    fn control_characters_refused() {
        assert!(matches!(
            text("a\x1bb"),
            Err(PrinterError::ControlCharacter { ch: '\x1b' })
        ));
        assert!(matches!(
            text("a\nb"),
            Err(PrinterError::ControlCharacter { ch: '\n' })
        ));
    }

    #[test]
    fn unencodable_named() {
        assert!(matches!(
            text("x\u{E5E5}"),
            Err(PrinterError::Unencodable { ch: '\u{E5E5}' })
        ));
        // Private use: would come back as another character (U+FE10).
        assert!(matches!(
            text("x\u{E78D}"),
            Err(PrinterError::Unencodable { ch: '\u{E78D}' })
        ));
    }
}
