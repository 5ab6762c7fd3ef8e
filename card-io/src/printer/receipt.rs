//! [`Receipt`]: a title and lines of label/value, rendered into printed lines and ESC/POS.
//!
//! The renderer prints what it is given; masking personal data is the caller's job.
//!
//! [`Receipt::encode`] is the text path (GB18030, the printer's own fonts).
//! [`Receipt::encode_with`] takes it too when every character is in the printer's font
//! ([`raster::printer_font_has`]); otherwise each line holding such a character is rendered
//! by the [`Rasteriser`] and sent as a `GS v 0` image (right aligned, laid out right to left,
//! when the receipt holds right-to-left text), the other lines as text.

use super::escpos::{self, Align};
use super::raster::{self, Bitmap, Rasteriser};
use super::PrinterError;

/// Dot rows a text line takes on the paper: the default line spacing of 1/6 inch at 203 dpi
/// (for the paper-use estimate of [`Encoded::paper_dots`]).
pub const TEXT_LINE_DOTS: u32 = 34;

/// Dot rows a text line takes, wrapped by the printer at `width` columns.
fn text_dots(text: &str, width: usize) -> u32 {
    let rows = columns(text).div_ceil(width.max(1)).max(1);
    u32::try_from(rows)
        .unwrap_or(u32::MAX)
        .saturating_mul(TEXT_LINE_DOTS)
}

/// A receipt as bytes for the printer, with what they hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoded {
    pub bytes: Vec<u8>,
    /// Lines sent as raster images (0: the text path alone).
    pub images: usize,
    /// Paper used, in dot rows: the images and their spacing, [`TEXT_LINE_DOTS`] per printed
    /// text line (a line longer than the paper wraps on the printer).
    pub paper_dots: u32,
}

/// Columns of a 58 mm printer in the standard font (a CJK character takes two).
pub const DEFAULT_WIDTH: usize = 32;

/// One printed line with its style.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub text: String,
    pub bold: bool,
    pub double_height: bool,
    pub align: Align,
}

impl Line {
    fn plain(text: String) -> Line {
        Line {
            text,
            bold: false,
            double_height: false,
            align: Align::Left,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Entry {
    Field { label: String, value: String },
    Text(String),
    Centered(String),
    Separator,
    Blank,
}

/// A receipt: built by chaining, rendered by [`Receipt::lines`] and [`Receipt::encode`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    title: String,
    entries: Vec<Entry>,
    width: usize,
}

/// Printed columns of a string: one per ASCII character, two for anything else.
pub(crate) fn columns(s: &str) -> usize {
    s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}

impl Receipt {
    /// A receipt with a title (printed centred, bold, double height).
    pub fn new(title: impl Into<String>) -> Receipt {
        Receipt {
            title: title.into(),
            entries: Vec::new(),
            width: DEFAULT_WIDTH,
        }
    }

    /// The paper width in columns (at least 8).
    pub fn width(mut self, columns: usize) -> Receipt {
        self.width = columns.max(8);
        self
    }

    /// `label` on the left, `value` on the right; on two lines when both do not fit.
    pub fn field(mut self, label: impl Into<String>, value: impl Into<String>) -> Receipt {
        self.entries.push(Entry::Field {
            label: label.into(),
            value: value.into(),
        });
        self
    }

    /// Free text, left aligned; each `\n` starts a new line.
    pub fn text(mut self, text: impl AsRef<str>) -> Receipt {
        for l in text.as_ref().split('\n') {
            self.entries
                .push(Entry::Text(l.trim_end_matches('\r').to_owned()));
        }
        self
    }

    /// Centred text (footers, notices); each `\n` starts a new line.
    pub fn centered(mut self, text: impl AsRef<str>) -> Receipt {
        for l in text.as_ref().split('\n') {
            self.entries
                .push(Entry::Centered(l.trim_end_matches('\r').to_owned()));
        }
        self
    }

    /// A line of dashes across the paper.
    pub fn separator(mut self) -> Receipt {
        self.entries.push(Entry::Separator);
        self
    }

    /// An empty line.
    pub fn blank(mut self) -> Receipt {
        self.entries.push(Entry::Blank);
        self
    }

    /// The printed lines, in order, with their styles.
    pub fn lines(&self) -> Vec<Line> {
        let mut out = vec![Line {
            text: self.title.clone(),
            bold: true,
            double_height: true,
            align: Align::Center,
        }];
        for entry in &self.entries {
            match entry {
                Entry::Field { label, value } => {
                    let used = columns(label) + columns(value);
                    if used < self.width {
                        let pad = " ".repeat(self.width - used);
                        out.push(Line::plain(format!("{label}{pad}{value}")));
                    } else {
                        out.push(Line::plain(label.clone()));
                        out.push(Line::plain(format!("  {value}")));
                    }
                }
                Entry::Text(t) => out.push(Line::plain(t.clone())),
                Entry::Centered(t) => out.push(Line {
                    align: Align::Center,
                    ..Line::plain(t.clone())
                }),
                Entry::Separator => out.push(Line::plain("-".repeat(self.width))),
                Entry::Blank => out.push(Line::plain(String::new())),
            }
        }
        out
    }

    /// The printed text: the lines joined with `\n` (styles left out).
    pub fn to_text(&self) -> String {
        self.lines()
            .into_iter()
            .map(|l| l.text)
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The ESC/POS bytes: init, Chinese mode, the lines (style commands where the style
    /// changes), cut. Fails before anything is printed if some text cannot be encoded.
    pub fn encode(&self) -> Result<Vec<u8>, PrinterError> {
        let mut out = Vec::with_capacity(64 * (self.entries.len() + 1));
        out.extend_from_slice(&escpos::init());
        out.extend_from_slice(&escpos::chinese_mode());
        let (mut bold, mut tall, mut align) = (false, false, Align::Left);
        for line in self.lines() {
            if line.align != align {
                align = line.align;
                out.extend_from_slice(&escpos::align(align));
            }
            if line.bold != bold {
                bold = line.bold;
                out.extend_from_slice(&escpos::bold(bold));
            }
            if line.double_height != tall {
                tall = line.double_height;
                out.extend_from_slice(&escpos::size(false, tall));
            }
            out.extend_from_slice(&escpos::line(&line.text)?);
        }
        out.extend_from_slice(&escpos::cut());
        Ok(out)
    }
}

/// Bytes being built, with the alignment and styles in force.
struct Out {
    bytes: Vec<u8>,
    align: Align,
    bold: bool,
    tall: bool,
    images: usize,
    paper_dots: u32,
}

impl Out {
    fn align(&mut self, a: Align) {
        if a != self.align {
            self.align = a;
            self.bytes.extend_from_slice(&escpos::align(a));
        }
    }

    fn style(&mut self, bold: bool, tall: bool) {
        if bold != self.bold {
            self.bold = bold;
            self.bytes.extend_from_slice(&escpos::bold(bold));
        }
        if tall != self.tall {
            self.tall = tall;
            self.bytes.extend_from_slice(&escpos::size(false, tall));
        }
    }

    fn text_line(&mut self, text: &str, align: Align, width: usize) -> Result<(), PrinterError> {
        self.align(align);
        self.bytes.extend_from_slice(&escpos::line(text)?);
        self.paper_dots += text_dots(text, width);
        Ok(())
    }

    fn feed(&mut self, dots: u32) {
        let mut left = dots;
        while left > 0 {
            let n = left.min(255);
            self.bytes
                .extend_from_slice(&escpos::feed_dots(u8::try_from(n).unwrap_or(u8::MAX)));
            left -= n;
        }
        self.paper_dots += dots;
    }

    /// One rendered line: blank rows above and below as dot feeds, the inked rows as an
    /// image whose width is a whole number of bytes, padded on the side away from `align`
    /// so the ink keeps its place.
    /// `keep_columns`: a full-width line whose ink must not move (left aligned).
    fn image(
        &mut self,
        line: &Bitmap,
        align: Align,
        keep_columns: bool,
    ) -> Result<(), PrinterError> {
        let Some((columns, rows)) = line.ink_box() else {
            self.feed(line.height);
            return Ok(());
        };
        let columns = if keep_columns { 0..line.width } else { columns };
        let ink = line.crop(columns, rows.clone());
        let width = ink.width.div_ceil(8) * 8;
        let pad = width - ink.width;
        let mut padded = Bitmap::new(width, ink.height);
        let x = match align {
            Align::Left => 0,
            Align::Center => pad / 2,
            Align::Right => pad,
        };
        padded.blit(&ink, x, 0);
        self.align(align);
        self.feed(rows.start);
        let bytes = escpos::raster_image(&padded).ok_or_else(|| PrinterError::RasterSettings {
            why: format!(
                "an image of {}×{} dots is too large",
                padded.width, padded.height
            ),
        })?;
        self.bytes.extend_from_slice(&bytes);
        self.paper_dots += padded.height;
        self.feed(line.height - rows.end);
        self.images += 1;
        Ok(())
    }
}

impl Receipt {
    fn all_text(&self) -> impl Iterator<Item = char> + '_ {
        self.title.chars().chain(self.entries.iter().flat_map(|e| {
            let (a, b) = match e {
                Entry::Field { label, value } => (label.as_str(), value.as_str()),
                Entry::Text(t) | Entry::Centered(t) => (t.as_str(), ""),
                Entry::Separator | Entry::Blank => ("", ""),
            };
            a.chars().chain(b.chars())
        }))
    }

    /// The first character the printer's own font lacks (`None`: the text path prints it).
    pub fn needs_raster(&self) -> Option<char> {
        self.all_text().find(|c| !raster::printer_font_has(*c))
    }

    /// Whether the receipt holds right-to-left text: then it is laid out right to left.
    pub fn is_rtl(&self) -> bool {
        self.all_text().any(raster::is_rtl)
    }

    /// The bytes to print: the text path when the printer's font has every character,
    /// else the lines it lacks as raster images from `raster` ([`PrinterError::NeedsRaster`]
    /// without one). Fails before anything is printed.
    pub fn encode_with(&self, raster: Option<&Rasteriser>) -> Result<Encoded, PrinterError> {
        let Some(ch) = self.needs_raster() else {
            let bytes = self.encode()?;
            return Ok(Encoded {
                bytes,
                images: 0,
                paper_dots: self
                    .lines()
                    .iter()
                    .map(|l| text_dots(&l.text, self.width))
                    .sum(),
            });
        };
        let Some(r) = raster else {
            // Text the text path refuses anyway (control, private use) is named as such.
            self.encode()?;
            return Err(PrinterError::NeedsRaster { ch });
        };
        let rtl = self.is_rtl();
        let (near, em, paper) = (
            if rtl { Align::Right } else { Align::Left },
            r.settings().em_dots,
            r.settings().paper_dots,
        );
        let mut out = Out {
            bytes: Vec::with_capacity(4096),
            align: Align::Left,
            bold: false,
            tall: false,
            images: 0,
            paper_dots: 0,
        };
        out.bytes.extend_from_slice(&escpos::init());
        out.bytes.extend_from_slice(&escpos::chinese_mode());
        // The title: centred, 1.5 times the body's size (bold and double height as text).
        if self.title.chars().all(raster::printer_font_has) {
            out.style(true, true);
            out.text_line(&self.title, Align::Center, self.width)?;
            out.style(false, false);
        } else {
            for line in r.render_wrapped(&self.title, em * 3 / 2, rtl, paper)? {
                out.image(&line, Align::Center, false)?;
            }
        }
        for entry in &self.entries {
            match entry {
                Entry::Text(t) | Entry::Centered(t) => {
                    let align = match entry {
                        Entry::Centered(_) => Align::Center,
                        _ => near,
                    };
                    if t.chars().all(raster::printer_font_has) {
                        out.text_line(t, align, self.width)?;
                    } else {
                        for line in r.render_wrapped(t, em, rtl, paper)? {
                            out.image(&line, align, false)?;
                        }
                    }
                }
                Entry::Field { label, value } => {
                    if label
                        .chars()
                        .chain(value.chars())
                        .all(raster::printer_font_has)
                    {
                        for l in (Receipt {
                            title: String::new(),
                            entries: vec![entry.clone()],
                            width: self.width,
                        })
                        .lines()
                        .into_iter()
                        .skip(1)
                        {
                            out.text_line(&l.text, near, self.width)?;
                        }
                        continue;
                    }
                    // The label on the reading side, the value on the other, on one line
                    // when both fit with an em between them.
                    let l = r.render_line(label, em, rtl)?;
                    let v = r.render_line(value, em, rtl)?;
                    if l.width + v.width + em <= paper {
                        let mut band = Bitmap::new(paper, l.height.max(v.height));
                        let (lx, vx) = if rtl {
                            (paper - l.width, 0)
                        } else {
                            (0, paper - v.width)
                        };
                        band.blit(&l, lx, 0);
                        band.blit(&v, vx, 0);
                        // Full width: the ink keeps its place whatever the alignment.
                        out.image(&band, Align::Left, true)?;
                    } else {
                        for line in r.render_wrapped(label, em, rtl, paper)? {
                            out.image(&line, near, false)?;
                        }
                        for line in r.render_wrapped(value, em, rtl, paper)? {
                            out.image(&line, near, false)?;
                        }
                    }
                }
                Entry::Separator => {
                    out.text_line(&"-".repeat(self.width), Align::Left, self.width)?
                }
                Entry::Blank => out.text_line("", near, self.width)?,
            }
        }
        out.bytes.extend_from_slice(&escpos::cut());
        Ok(Encoded {
            bytes: out.bytes,
            images: out.images,
            paper_dots: out.paper_dots,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout() {
        let r = Receipt::new("回执")
            .width(16)
            .field("姓名", "张*")
            .field("业务", "社会保障卡申领")
            .separator()
            .blank()
            .centered("谢谢");
        let text = r.to_text();
        assert_eq!(
            text,
            "回执\n姓名         张*\n业务\n  社会保障卡申领\n----------------\n\n谢谢"
        );
        assert_eq!(r.lines()[0].align, Align::Center);
        assert!(r.lines()[0].bold && r.lines()[0].double_height);
        assert_eq!(r.lines()[6].align, Align::Center);
    }

    #[test]
    fn encoding_frames() {
        let bytes = Receipt::new("T")
            .field("a", "b")
            .encode()
            .unwrap_or_default();
        assert_eq!(&bytes[..4], &[0x1B, 0x40, 0x1C, 0x26]);
        assert_eq!(&bytes[bytes.len() - 4..], &[0x1D, 0x56, 0x42, 0x00]);
    }

    #[test]
    fn bad_text_fails_before_printing() {
        assert!(Receipt::new("T").field("a", "b\x1b").encode().is_err());
    }
}
