//! [`Receipt`]: a title and lines of label/value, rendered into printed lines and ESC/POS.
//!
//! The renderer prints what it is given; masking personal data is the caller's job.

use super::escpos::{self, Align};
use super::PrinterError;

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
