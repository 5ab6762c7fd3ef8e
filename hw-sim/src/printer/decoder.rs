//! [`EscPosDecoder`]: ESC/POS bytes back into printed text.
//!
//! Understood: `ESC @` (init: clears the unprinted line and the styles), text (GB18030), `LF`,
//! `CR` (ignored), `ESC E n` bold, `ESC ! n` print mode, `GS ! n` size, `ESC a n` alignment,
//! `ESC d n` feed lines, `ESC J n` feed dots, `GS V m [n]` cut, `FS &` / `FS .` Chinese mode,
//! `DLE EOT n` status, `GS v 0 m xL xH yL yH d…` raster images (kept as [`PrintedImage`]s,
//! bit for bit, with the alignment in force, so tests can look at what was printed).
//! Other common commands with fixed parameters are skipped; anything else is reported as
//! unknown. A line holds at most [`MAX_LINE`] bytes (the rest is dropped, as a printer drops
//! what falls off the paper), and an image at most [`MAX_IMAGE`] bytes (a larger one is
//! skipped whole), so no input makes the decoder grow without bound.

use card_io::printer::{Align, Bitmap, Line};

/// The longest line kept, in bytes.
pub const MAX_LINE: usize = 4096;
/// The largest raster image kept, in bytes of data (a 576-dot-wide image 3 600 rows high).
pub const MAX_IMAGE: usize = 72 * 3600;

const LF: u8 = 0x0A;
const CR: u8 = 0x0D;
const ESC: u8 = 0x1B;
const GS: u8 = 0x1D;
const FS: u8 = 0x1C;
const DLE: u8 = 0x10;
const EOT: u8 = 0x04;

/// What the decoder saw that the printer acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecoderEvent {
    /// `ESC @`.
    Init,
    /// A cut: the lines printed since the previous cut.
    Cut(DecodedReceipt),
    /// `DLE EOT n`: the printer must answer now.
    StatusQuery(u8),
    /// A command this printer does not know (its first bytes).
    Unknown(Vec<u8>),
}

/// A raster image as printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintedImage {
    /// How many text lines of the receipt came before it.
    pub after_lines: usize,
    pub align: Align,
    /// The image, `xL xH` × 8 dots wide.
    pub bitmap: Bitmap,
}

/// The lines and images between two cuts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DecodedReceipt {
    pub lines: Vec<Line>,
    pub images: Vec<PrintedImage>,
    /// Dot rows fed by images and `ESC J` (the raster part's paper).
    pub dots_fed: u32,
}

/// One printed thing, in paper order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Printed<'a> {
    Text(&'a Line),
    Image(&'a PrintedImage),
}

impl DecodedReceipt {
    /// The text lines and the images in the order they came out of the printer.
    pub fn in_order(&self) -> Vec<Printed<'_>> {
        let mut out = Vec::with_capacity(self.lines.len() + self.images.len());
        let mut images = self.images.iter().peekable();
        for (i, line) in self.lines.iter().enumerate() {
            while let Some(image) = images.next_if(|im| im.after_lines <= i) {
                out.push(Printed::Image(image));
            }
            out.push(Printed::Text(line));
        }
        out.extend(images.map(Printed::Image));
        out
    }

    /// The lines' text joined with `\n` (images left out).
    pub fn text(&self) -> String {
        self.lines
            .iter()
            .map(|l| l.text.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct Style {
    bold: bool,
    double_height: bool,
    align: Align,
}

/// Where a command stands after its bytes so far.
enum Parse {
    More,
    Done,
    Unknown,
}

/// A `GS v 0` image whose data is arriving.
#[derive(Debug)]
struct PendingImage {
    width: u32,
    height: u32,
    data: Vec<u8>,
    need: usize,
}

/// The streaming decoder: push bytes in chunks of any size.
#[derive(Debug, Default)]
pub struct EscPosDecoder {
    command: Vec<u8>,
    text: Vec<u8>,
    style: Style,
    lines: Vec<Line>,
    images: Vec<PrintedImage>,
    dots_fed: u32,
    image: Option<PendingImage>,
    /// Data bytes of a refused image still to skip.
    skip: usize,
}

impl EscPosDecoder {
    pub fn new() -> EscPosDecoder {
        EscPosDecoder::default()
    }

    /// Feeds bytes; returns what they completed, in order.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<DecoderEvent> {
        let mut events = Vec::new();
        for &b in bytes {
            if self.skip > 0 {
                self.skip -= 1;
                continue;
            }
            if let Some(image) = self.image.as_mut() {
                image.data.push(b);
                if image.data.len() >= image.need {
                    self.finish_image();
                }
                continue;
            }
            if !self.command.is_empty() {
                self.command.push(b);
                match parse(&self.command) {
                    Parse::More => {}
                    Parse::Done => {
                        let command = std::mem::take(&mut self.command);
                        self.execute(&command, &mut events);
                    }
                    Parse::Unknown => {
                        events.push(DecoderEvent::Unknown(std::mem::take(&mut self.command)))
                    }
                }
                continue;
            }
            match b {
                ESC | GS | FS | DLE => self.command.push(b),
                LF => self.end_line(),
                CR => {}
                0x00..=0x1F | 0x7F => events.push(DecoderEvent::Unknown(vec![b])),
                _ if self.text.len() < MAX_LINE => self.text.push(b),
                _ => {}
            }
        }
        events
    }

    /// Text sent but not yet ended by a line feed.
    pub fn unprinted(&self) -> usize {
        self.text.len()
    }

    fn finish_image(&mut self) {
        let Some(image) = self.image.take() else {
            return;
        };
        self.dots_fed += image.height;
        self.images.push(PrintedImage {
            after_lines: self.lines.len(),
            align: self.style.align,
            bitmap: Bitmap {
                width: image.width,
                height: image.height,
                bits: image.data,
            },
        });
    }

    fn end_line(&mut self) {
        let (text, _) = encoding_rs::GB18030.decode_without_bom_handling(&self.text);
        self.lines.push(Line {
            text: text.into_owned(),
            bold: self.style.bold,
            double_height: self.style.double_height,
            align: self.style.align,
        });
        self.text.clear();
    }

    fn execute(&mut self, c: &[u8], events: &mut Vec<DecoderEvent>) {
        match *c {
            [ESC, b'@'] => {
                self.text.clear();
                self.style = Style::default();
                events.push(DecoderEvent::Init);
            }
            [ESC, b'E', n] => self.style.bold = n & 1 == 1,
            [ESC, b'!', n] => {
                self.style.bold = n & 0x08 != 0;
                self.style.double_height = n & 0x10 != 0;
            }
            [GS, b'!', n] => self.style.double_height = n & 0x0F != 0,
            [ESC, b'a', n] => {
                if let Some(a) = Align::from_code(n) {
                    self.style.align = a;
                }
            }
            [ESC, b'd', n] => {
                if n > 0 || !self.text.is_empty() {
                    self.end_line();
                }
                for _ in 1..n {
                    self.end_line();
                }
            }
            [ESC, b'J', n] => {
                if !self.text.is_empty() {
                    self.end_line();
                }
                self.dots_fed += u32::from(n);
            }
            [GS, b'v', b'0', _m, xl, xh, yl, yh] => {
                let (x, y) = (u16::from_le_bytes([xl, xh]), u16::from_le_bytes([yl, yh]));
                let need = usize::from(x) * usize::from(y);
                if need > MAX_IMAGE {
                    self.skip = need;
                    events.push(DecoderEvent::Unknown(c.to_vec()));
                } else if need > 0 {
                    self.image = Some(PendingImage {
                        width: u32::from(x) * 8,
                        height: u32::from(y),
                        data: Vec::with_capacity(need),
                        need,
                    });
                }
            }
            [GS, b'V', ..] => {
                if !self.text.is_empty() {
                    self.end_line();
                }
                let lines = std::mem::take(&mut self.lines);
                let images = std::mem::take(&mut self.images);
                let dots_fed = std::mem::take(&mut self.dots_fed);
                events.push(DecoderEvent::Cut(DecodedReceipt {
                    lines,
                    images,
                    dots_fed,
                }));
            }
            [DLE, EOT, n] => events.push(DecoderEvent::StatusQuery(n)),
            // Chinese mode on/off, and commands whose effect does not show in text.
            _ => {}
        }
    }
}

/// Command lengths: `ESC`/`GS`/`FS`/`DLE` and what follows.
fn parse(c: &[u8]) -> Parse {
    let need = match *c {
        [_] => return Parse::More,
        [ESC, b'@' | b'2'] => 2,
        [ESC, b'E' | b'G' | b'-' | b'!' | b'a' | b'd' | b'J' | b't' | b'R' | b'3' | b'M', ..] => 3,
        [GS, b'!' | b'B' | b'H' | b'f' | b'h' | b'w', ..] => 3,
        [GS, b'L' | b'W', ..] => 4,
        [GS, b'v'] => return Parse::More,
        [GS, b'v', b'0', ..] => 8,
        [GS, b'V'] => 3,
        [GS, b'V', m, ..] => match m {
            0 | 1 | b'0' | b'1' => 3,
            65 | 66 => 4,
            _ => return Parse::Unknown,
        },
        [FS, b'&' | b'.'] => 2,
        [FS, b'!', ..] => 3,
        [DLE, EOT, ..] => 3,
        _ => return Parse::Unknown,
    };
    if c.len() >= need {
        Parse::Done
    } else {
        Parse::More
    }
}

/// Decodes a whole byte string: the receipts cut in it and the lines after the last cut.
pub fn decode_all(bytes: &[u8]) -> (Vec<DecodedReceipt>, Vec<Line>) {
    let mut d = EscPosDecoder::new();
    let receipts = d
        .push(bytes)
        .into_iter()
        .filter_map(|e| match e {
            DecoderEvent::Cut(r) => Some(r),
            _ => None,
        })
        .collect();
    (receipts, d.lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_styles_and_cut() {
        let mut bytes = vec![ESC, b'@', FS, b'&', ESC, b'a', 1, GS, b'!', 1, ESC, b'E', 1];
        bytes.extend_from_slice(&[0xBB, 0xD8, 0xD6, 0xB4, LF]); // 回执
        bytes.extend_from_slice(&[ESC, b'E', 0, GS, b'!', 0, ESC, b'a', 0]);
        bytes.extend_from_slice(b"a b\r\n");
        bytes.extend_from_slice(&[GS, b'V', 66, 0]);
        let (receipts, rest) = decode_all(&bytes);
        assert!(rest.is_empty());
        assert_eq!(receipts.len(), 1);
        let r = &receipts[0];
        assert_eq!(r.text(), "回执\na b");
        assert!(r.lines[0].bold && r.lines[0].double_height);
        assert_eq!(r.lines[0].align, Align::Center);
        assert!(!r.lines[1].bold && !r.lines[1].double_height);
        assert_eq!(r.lines[1].align, Align::Left);
    }

    #[test]
    fn status_query_between_bytes() {
        let mut d = EscPosDecoder::new();
        assert!(d.push(&[b'x', DLE]).is_empty());
        assert_eq!(d.push(&[EOT]), vec![]);
        assert_eq!(d.push(&[4, b'y']), vec![DecoderEvent::StatusQuery(4)]);
        assert_eq!(d.unprinted(), 2);
    }

    #[test]
    fn parameters_are_not_text() {
        // GS ! 0x10 (double width) and ESC d 10: the parameter bytes are DLE and LF.
        let (_, lines) = decode_all(&[GS, b'!', 0x10, b'a', ESC, b'd', 0x0A]);
        assert_eq!(lines.len(), 10);
        assert_eq!(lines[0].text, "a");
    }

    #[test]
    fn init_drops_the_unprinted_line() {
        let (_, lines) = decode_all(b"lost\x1b@kept\n");
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].text, "kept");
    }

    #[test]
    fn unknown_commands_reported() {
        let mut d = EscPosDecoder::new();
        assert_eq!(
            d.push(&[ESC, b'*', 0x07]),
            vec![
                DecoderEvent::Unknown(vec![ESC, b'*']),
                DecoderEvent::Unknown(vec![0x07])
            ]
        );
    }

    #[test]
    fn raster_images_kept_bit_for_bit() {
        let mut bytes = vec![ESC, b'a', 2, ESC, b'J', 5];
        bytes.extend_from_slice(&[GS, b'v', b'0', 0, 2, 0, 2, 0, 0x80, 0x01, 0xFF, 0x00]);
        bytes.extend_from_slice(b"x\n");
        bytes.extend_from_slice(&[GS, b'V', 66, 0]);
        // Any chunking.
        let mut d = EscPosDecoder::new();
        let mut events = Vec::new();
        for b in &bytes {
            events.extend(d.push(std::slice::from_ref(b)));
        }
        let Some(DecoderEvent::Cut(r)) = events.pop() else {
            panic!("a cut: {events:?}");
        };
        assert_eq!(r.text(), "x");
        assert_eq!(r.images.len(), 1);
        let image = &r.images[0];
        assert_eq!((image.after_lines, image.align), (0, Align::Right));
        assert_eq!((image.bitmap.width, image.bitmap.height), (16, 2));
        assert!(image.bitmap.get(0, 0) && image.bitmap.get(15, 0) && image.bitmap.get(7, 1));
        assert!(!image.bitmap.get(8, 1));
        assert_eq!(r.dots_fed, 7);
    }

    #[test]
    fn oversized_images_are_skipped_whole() {
        let mut bytes = vec![GS, b'v', b'0', 0, 0xFF, 0xFF, 0xFF, 0xFF];
        bytes.extend_from_slice(&[b'a'; 64]);
        let mut d = EscPosDecoder::new();
        let events = d.push(&bytes);
        assert!(
            matches!(events.as_slice(), [DecoderEvent::Unknown(_)]),
            "{events:?}"
        );
        assert_eq!(d.unprinted(), 0, "image data is no text");
    }

    #[test]
    fn line_length_bounded() {
        let (_, lines) = decode_all(&vec![b'a'; MAX_LINE * 3]);
        assert!(lines.is_empty());
        let mut d = EscPosDecoder::new();
        d.push(&vec![b'a'; MAX_LINE * 3]);
        assert_eq!(d.unprinted(), MAX_LINE);
    }
}
