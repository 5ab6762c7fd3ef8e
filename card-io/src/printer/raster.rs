//! Text the printer's own font cannot print, as raster images (`GS v 0`).
//!
//! A receipt printer's built-in fonts are ASCII and GB18030 Chinese: they have no Arabic
//! glyphs, no Arabic shaping (the joined letter forms) and no right-to-left layout, so a
//! Uyghur line sent as GB18030 text prints nothing legible. Such a line is laid out here
//! instead: split into directional runs by the Unicode bidi algorithm (`unicode-bidi`, the
//! paragraph right to left in a Uyghur receipt), each run split by font (the first font of
//! the list that has the character; spaces and punctuation stay with the font before them),
//! shaped by `rustybuzz` (HarfBuzz's Arabic joining and mark placement), and rasterised by
//! `ab_glyph` into a 1-bit [`Bitmap`] (ink where a pixel is at least half covered).
//!
//! The fonts come from files (Debian's `fonts-noto-core` Noto Sans Arabic, which covers the
//! Uyghur letters, then `fonts-noto-cjk` Noto Sans CJK SC for the Chinese names and addresses
//! and the digits and Latin letters): [`RasterSettings::fonts`], [`DEFAULT_FONTS`] by default.
//! A missing or unreadable font is [`PrinterError::Font`] when the fonts are loaded, never a
//! panic; a character no font has is [`PrinterError::NoGlyph`], before anything is sent.

use std::ops::Range;
use std::path::{Path, PathBuf};

use ab_glyph::{Font as _, FontRef, GlyphId, PxScale};
use rustybuzz::{Direction, UnicodeBuffer};
use unicode_bidi::{Level, ParagraphBidiInfo};

use super::PrinterError;

/// Dots across the paper of a 58 mm printer at 203 dpi (48 mm printable).
pub const DEFAULT_PAPER_DOTS: u32 = 384;
/// The body text's em in dots: the height of the printer's own 12 × 24 font.
pub const DEFAULT_EM_DOTS: u32 = 24;

/// The fonts Debian ships for Uyghur and Chinese, in the order tried for each character.
pub const DEFAULT_FONTS: [&str; 2] = [
    "/usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf",
    // Face 2 of the collection is Noto Sans CJK SC (simplified Chinese forms).
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc#2",
];

/// Whether a receipt printer's built-in fonts print `c`: ASCII, and what the Chinese font of
/// a GB18030 printer has (CJK ideographs and punctuation, fullwidth forms, the middle dot of
/// minority names, common symbols). Everything else goes through the raster path.
pub fn printer_font_has(c: char) -> bool {
    matches!(
        u32::from(c),
        0x20..=0x7E
            | 0xA4 | 0xA7 | 0xA8 | 0xB0 | 0xB1 | 0xB7 | 0xD7 | 0xF7
            | 0x2014..=0x2026
            | 0x2030 | 0x2103 | 0x2116
            | 0x2160..=0x216B
            | 0x2190..=0x2193
            | 0x2460..=0x249B
            | 0x2500..=0x257F
            | 0x25A0..=0x25FF
            | 0x2605 | 0x2606
            | 0x2E80..=0x2FDF
            | 0x3000..=0x303F
            | 0x3400..=0x4DBF
            | 0x4E00..=0x9FFF
            | 0xFF00..=0xFFEF
    )
}

/// Whether `c` belongs to a right-to-left script (its bidi class is R or AL).
pub fn is_rtl(c: char) -> bool {
    use unicode_bidi::BidiClass::{AL, R};
    matches!(unicode_bidi::bidi_class(c), R | AL)
}

/// Where the fonts are and how large the text prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RasterSettings {
    /// Font files, each `PATH` or `PATH#INDEX` (a face of a collection), tried in order for
    /// each character.
    pub fonts: Vec<String>,
    /// Dots across the printable width.
    pub paper_dots: u32,
    /// The body text's em in dots (the title prints at 1.5 times).
    pub em_dots: u32,
}

impl Default for RasterSettings {
    fn default() -> Self {
        RasterSettings {
            fonts: DEFAULT_FONTS.iter().map(|s| s.to_string()).collect(),
            paper_dots: DEFAULT_PAPER_DOTS,
            em_dots: DEFAULT_EM_DOTS,
        }
    }
}

/// A 1-bit image, rows top to bottom, each row `(width + 7) / 8` bytes, the most significant
/// bit leftmost, 1 = ink: the layout of ESC/POS `GS v 0` data.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Bitmap {
    pub width: u32,
    pub height: u32,
    pub bits: Vec<u8>,
}

impl std::fmt::Debug for Bitmap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Bitmap({}×{}, {} ink)",
            self.width,
            self.height,
            self.ink()
        )
    }
}

impl Bitmap {
    /// A blank image.
    pub fn new(width: u32, height: u32) -> Bitmap {
        let row = width.div_ceil(8) as usize;
        Bitmap {
            width,
            height,
            bits: vec![0; row * height as usize],
        }
    }

    /// Bytes per row.
    pub fn row_bytes(&self) -> usize {
        self.width.div_ceil(8) as usize
    }

    /// Whether the dot at (`x`, `y`) is inked (outside: no).
    pub fn get(&self, x: u32, y: u32) -> bool {
        if x >= self.width || y >= self.height {
            return false;
        }
        let i = y as usize * self.row_bytes() + (x / 8) as usize;
        self.bits.get(i).is_some_and(|b| b & (0x80 >> (x % 8)) != 0)
    }

    /// Inks the dot at (`x`, `y`) (outside: nothing).
    pub fn set(&mut self, x: u32, y: u32) {
        if x >= self.width || y >= self.height {
            return;
        }
        let i = y as usize * self.row_bytes() + (x / 8) as usize;
        if let Some(b) = self.bits.get_mut(i) {
            *b |= 0x80 >> (x % 8);
        }
    }

    /// Inked dots.
    pub fn ink(&self) -> u32 {
        self.bits.iter().map(|b| b.count_ones()).sum()
    }

    /// The inked rectangle: columns and rows (`None` when blank).
    pub fn ink_box(&self) -> Option<(Range<u32>, Range<u32>)> {
        let (mut x0, mut x1, mut y0, mut y1) = (u32::MAX, 0, u32::MAX, 0);
        for y in 0..self.height {
            for x in 0..self.width {
                if self.get(x, y) {
                    x0 = x0.min(x);
                    x1 = x1.max(x + 1);
                    y0 = y0.min(y);
                    y1 = y1.max(y + 1);
                }
            }
        }
        (x0 < x1).then_some((x0..x1, y0..y1))
    }

    /// The part in `columns` × `rows` (clipped to the image).
    pub fn crop(&self, columns: Range<u32>, rows: Range<u32>) -> Bitmap {
        let (x0, x1) = (columns.start.min(self.width), columns.end.min(self.width));
        let (y0, y1) = (rows.start.min(self.height), rows.end.min(self.height));
        let mut out = Bitmap::new(x1.saturating_sub(x0), y1.saturating_sub(y0));
        for y in y0..y1 {
            for x in x0..x1 {
                if self.get(x, y) {
                    out.set(x - x0, y - y0);
                }
            }
        }
        out
    }

    /// Copies `other`'s ink onto this image with its top left corner at (`x`, `y`).
    pub fn blit(&mut self, other: &Bitmap, x: u32, y: u32) {
        for oy in 0..other.height {
            for ox in 0..other.width {
                if other.get(ox, oy) {
                    self.set(x + ox, y + oy);
                }
            }
        }
    }

    /// The image as text, `#` for ink (test failure messages).
    pub fn to_ascii(&self) -> String {
        let mut s = String::new();
        for y in 0..self.height {
            for x in 0..self.width {
                s.push(if self.get(x, y) { '#' } else { '.' });
            }
            s.push('\n');
        }
        s
    }
}

/// One font file, read into memory.
struct FontFile {
    path: PathBuf,
    index: u32,
    data: Vec<u8>,
}

/// A font parsed for shaping and for drawing (borrowing the file's bytes).
struct Face<'a> {
    shaper: rustybuzz::Face<'a>,
    outlines: FontRef<'a>,
    /// Pixels per font unit at one dot per em.
    per_unit: f32,
    /// `ab_glyph`'s scale for one dot per em (it scales by ascent − descent, not by em).
    px_per_em: f32,
}

/// A glyph placed on the line: which font, which glyph, where (dots, baseline at y = 0).
#[derive(Debug, Clone, Copy)]
struct Placed {
    font: usize,
    glyph: u16,
    x: f32,
    y: f32,
}

/// The fonts, loaded, and the paper: renders lines into [`Bitmap`]s.
pub struct Rasteriser {
    fonts: Vec<FontFile>,
    settings: RasterSettings,
}

impl std::fmt::Debug for Rasteriser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rasteriser")
            .field(
                "fonts",
                &self.fonts.iter().map(|f| &f.path).collect::<Vec<_>>(),
            )
            .field("settings", &self.settings)
            .finish()
    }
}

/// `PATH#INDEX` → (path, index); a `#` followed by something else is part of the path.
fn font_spec(spec: &str) -> (PathBuf, u32) {
    match spec.rsplit_once('#') {
        Some((path, n)) if !path.is_empty() => match n.parse() {
            Ok(index) => (PathBuf::from(path), index),
            Err(_) => (PathBuf::from(spec), 0),
        },
        _ => (PathBuf::from(spec), 0),
    }
}

/// The line's vertical box, in ems: the ascent above the baseline and the descent below (the
/// Uyghur letters' hamza and dots above, the dots below, and the CJK ideographs fit).
const ASCENT_EM: f32 = 1.0;
const DESCENT_EM: f32 = 0.45;

impl Rasteriser {
    /// Reads and checks every font of `settings`.
    pub fn load(settings: RasterSettings) -> Result<Rasteriser, PrinterError> {
        if !(64..=4096).contains(&settings.paper_dots) || !(8..=200).contains(&settings.em_dots) {
            return Err(PrinterError::RasterSettings {
                why: format!(
                    "paper {} dots (64 to 4096), text {} dots per em (8 to 200)",
                    settings.paper_dots, settings.em_dots
                ),
            });
        }
        if settings.fonts.is_empty() {
            return Err(PrinterError::Font {
                path: PathBuf::new(),
                why: "no font is configured".into(),
            });
        }
        let mut fonts = Vec::with_capacity(settings.fonts.len());
        for spec in &settings.fonts {
            let (path, index) = font_spec(spec);
            let data = std::fs::read(&path).map_err(|e| PrinterError::Font {
                path: path.clone(),
                why: e.to_string(),
            })?;
            let file = FontFile { path, index, data };
            face(&file)?;
            fonts.push(file);
        }
        Ok(Rasteriser { fonts, settings })
    }

    pub fn settings(&self) -> &RasterSettings {
        &self.settings
    }

    /// The font files, as loaded.
    pub fn font_paths(&self) -> Vec<&Path> {
        self.fonts.iter().map(|f| f.path.as_path()).collect()
    }

    fn faces(&self) -> Result<Vec<Face<'_>>, PrinterError> {
        self.fonts.iter().map(face).collect()
    }

    /// Height in dots of a line at `em` dots per em.
    pub fn line_height(em: u32) -> u32 {
        ((ASCENT_EM + DESCENT_EM) * em as f32).ceil() as u32
    }

    /// Width in dots of `text` laid out on one line (paragraph right to left when `rtl`).
    pub fn measure(&self, text: &str, em: u32, rtl: bool) -> Result<u32, PrinterError> {
        let faces = self.faces()?;
        let (_, width) = layout(&faces, text, em as f32, rtl)?;
        Ok(width.ceil() as u32)
    }

    /// `text` on one line, as wide as it is and [`Rasteriser::line_height`] high, the
    /// baseline at the same height on every line.
    pub fn render_line(&self, text: &str, em: u32, rtl: bool) -> Result<Bitmap, PrinterError> {
        let faces = self.faces()?;
        let (glyphs, width) = layout(&faces, text, em as f32, rtl)?;
        let height = Rasteriser::line_height(em);
        let baseline = ASCENT_EM * em as f32;
        let mut out = Bitmap::new(width.ceil() as u32, height);
        for g in glyphs {
            let Some(face) = faces.get(g.font) else {
                continue;
            };
            let glyph = GlyphId(g.glyph).with_scale_and_position(
                PxScale::from(face.px_per_em * em as f32),
                ab_glyph::point(g.x, baseline - g.y),
            );
            let Some(outline) = face.outlines.outline_glyph(glyph) else {
                // A glyph without an outline (a space).
                continue;
            };
            let bounds = outline.px_bounds();
            outline.draw(|x, y, coverage| {
                let (px, py) = (
                    bounds.min.x as i64 + i64::from(x),
                    bounds.min.y as i64 + i64::from(y),
                );
                if coverage >= 0.5 && px >= 0 && py >= 0 {
                    out.set(px as u32, py as u32);
                }
            });
        }
        Ok(out)
    }

    /// `text` broken at spaces into lines no wider than `width` dots (a word wider than that
    /// is broken between characters), each rendered as by [`Rasteriser::render_line`].
    pub fn render_wrapped(
        &self,
        text: &str,
        em: u32,
        rtl: bool,
        width: u32,
    ) -> Result<Vec<Bitmap>, PrinterError> {
        let mut lines: Vec<String> = Vec::new();
        let mut current = String::new();
        for word in text.split(' ') {
            let candidate = if current.is_empty() {
                word.to_string()
            } else {
                format!("{current} {word}")
            };
            if self.measure(&candidate, em, rtl)? <= width {
                current = candidate;
                continue;
            }
            if !current.is_empty() {
                lines.push(std::mem::take(&mut current));
            }
            // The word alone, broken between characters when even it does not fit.
            for c in word.chars() {
                let mut candidate = current.clone();
                candidate.push(c);
                if !current.is_empty() && self.measure(&candidate, em, rtl)? > width {
                    lines.push(std::mem::take(&mut current));
                    current.push(c);
                } else {
                    current = candidate;
                }
            }
        }
        lines.push(current);
        lines.iter().map(|l| self.render_line(l, em, rtl)).collect()
    }
}

fn face(file: &FontFile) -> Result<Face<'_>, PrinterError> {
    let bad = |why: &str| PrinterError::Font {
        path: file.path.clone(),
        why: format!("{why} (face {})", file.index),
    };
    let shaper = rustybuzz::Face::from_slice(&file.data, file.index)
        .ok_or_else(|| bad("not a font the shaper can read"))?;
    let outlines = FontRef::try_from_slice_and_index(&file.data, file.index)
        .map_err(|_| bad("not a font the rasteriser can read"))?;
    let upem = outlines
        .units_per_em()
        .filter(|u| *u > 0.0)
        .ok_or_else(|| bad("no units per em"))?;
    Ok(Face {
        per_unit: 1.0 / shaper.units_per_em().max(1) as f32,
        px_per_em: outlines.height_unscaled() / upem,
        shaper,
        outlines,
    })
}

/// Arabic-script letters always take the first font that has them; other characters too,
/// except spaces and punctuation, which stay with the font of the character before them when
/// it has them (so a Uyghur phrase is shaped as one run).
fn font_for(faces: &[Face<'_>], c: char, previous: Option<usize>) -> Option<usize> {
    let has = |i: usize| {
        faces
            .get(i)
            .is_some_and(|f| f.shaper.glyph_index(c).is_some())
    };
    if !c.is_alphanumeric() {
        if let Some(p) = previous.filter(|p| has(*p)) {
            return Some(p);
        }
    }
    (0..faces.len()).find(|i| has(*i))
}

/// LRI … PDI and their kin: bidi marks, never drawn.
fn is_isolate_mark(c: char) -> bool {
    matches!(c, '\u{2066}'..='\u{2069}')
}

/// In a right-to-left line, each span of words without right-to-left letters but with
/// letters or digits (a Chinese name `阿*****·买***`, a masked ID number, a date and time) as
/// a left-to-right isolate: it reads as one left-to-right unit, as written. Without that the
/// bidi algorithm moves its trailing asterisks to its left, and reverses the digit groups of
/// `652301********1234` around the asterisks between them.
fn isolate_ltr_spans(text: &str) -> String {
    use unicode_bidi::BidiClass::{AN, EN, L};
    let ltr = |w: &str| {
        !w.chars().any(is_rtl)
            && w.chars()
                .any(|c| matches!(unicode_bidi::bidi_class(c), L | EN | AN))
    };
    let words: Vec<&str> = text.split(' ').collect();
    let mut out = String::with_capacity(text.len() + 16);
    let mut i = 0;
    while i < words.len() {
        if i > 0 {
            out.push(' ');
        }
        if ltr(words[i]) {
            let start = i;
            while i + 1 < words.len() && ltr(words[i + 1]) {
                i += 1;
            }
            out.push('\u{2066}');
            out.push_str(&words[start..=i].join(" "));
            out.push('\u{2069}');
        } else {
            out.push_str(words[i]);
        }
        i += 1;
    }
    out
}

/// The line's glyphs, left to right, and its width in dots.
fn layout(
    faces: &[Face<'_>],
    text: &str,
    em: f32,
    rtl: bool,
) -> Result<(Vec<Placed>, f32), PrinterError> {
    if let Some(ch) = text.chars().find(|c| c.is_control()) {
        return Err(PrinterError::ControlCharacter { ch });
    }
    let isolated;
    let text = if rtl {
        isolated = isolate_ltr_spans(text);
        isolated.as_str()
    } else {
        text
    };
    let level = if rtl { Level::rtl() } else { Level::ltr() };
    let bidi = ParagraphBidiInfo::new(text, Some(level));
    let (levels, runs) = bidi.visual_runs(0..text.len());
    let mut placed = Vec::new();
    let mut pen = 0.0f32;
    for run in runs {
        let run_rtl = levels.get(run.start).is_some_and(|l| l.is_rtl());
        // Split by font, in logical order.
        let mut pieces: Vec<(usize, Range<usize>)> = Vec::new();
        let mut previous = None;
        for (i, c) in text[run.clone()].char_indices() {
            if is_isolate_mark(c) {
                continue;
            }
            let at = run.start + i;
            let font = font_for(faces, c, previous).ok_or(PrinterError::NoGlyph { ch: c })?;
            previous = Some(font);
            match pieces.last_mut() {
                Some((f, r)) if *f == font && r.end == at => r.end = at + c.len_utf8(),
                _ => pieces.push((font, at..at + c.len_utf8())),
            }
        }
        if run_rtl {
            pieces.reverse();
        }
        for (font, range) in pieces {
            let Some(face) = faces.get(font) else {
                continue;
            };
            let mut buffer = UnicodeBuffer::new();
            buffer.push_str(&text[range]);
            buffer.guess_segment_properties();
            buffer.set_direction(if run_rtl {
                Direction::RightToLeft
            } else {
                Direction::LeftToRight
            });
            let shaped = rustybuzz::shape(&face.shaper, &[], buffer);
            let scale = em * face.per_unit;
            for (info, pos) in shaped.glyph_infos().iter().zip(shaped.glyph_positions()) {
                placed.push(Placed {
                    font,
                    glyph: u16::try_from(info.glyph_id).unwrap_or(0),
                    x: pen + pos.x_offset as f32 * scale,
                    y: pos.y_offset as f32 * scale,
                });
                pen += pos.x_advance as f32 * scale;
            }
        }
    }
    Ok((placed, pen.max(0.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn font_specs() {
        assert_eq!(font_spec("/a/b.ttc#2"), (PathBuf::from("/a/b.ttc"), 2));
        assert_eq!(font_spec("/a/b.ttf"), (PathBuf::from("/a/b.ttf"), 0));
        assert_eq!(font_spec("/a/#b.ttf"), (PathBuf::from("/a/#b.ttf"), 0));
        assert_eq!(font_spec("#3"), (PathBuf::from("#3"), 0));
    }

    #[test]
    fn printer_font_coverage() {
        for c in "社保 ABC 123 ·:-*()，。".chars() {
            assert!(printer_font_has(c), "{c}");
        }
        for c in "ئابدۇرەھمان é".chars().filter(|c| *c != ' ') {
            assert!(!printer_font_has(c), "{c}");
        }
        assert!(is_rtl('ئ') && is_rtl('ە') && !is_rtl('1') && !is_rtl('社'));
    }

    #[test]
    fn left_to_right_spans_are_isolated() {
        assert_eq!(
            isolate_ltr_spans("ئىسمى: 阿*****·买***"),
            "ئىسمى: \u{2066}阿*****·买***\u{2069}"
        );
        assert_eq!(
            isolate_ltr_spans("ۋاقىت: 2026-12-06 10:22"),
            "ۋاقىت: \u{2066}2026-12-06 10:22\u{2069}"
        );
        assert_eq!(isolate_ltr_spans("ئا - ب"), "ئا - ب");
    }

    #[test]
    fn bitmap_bits() {
        let mut b = Bitmap::new(10, 3);
        assert_eq!(b.row_bytes(), 2);
        b.set(9, 2);
        b.set(2, 1);
        b.set(10, 0);
        assert!(b.get(9, 2) && b.get(2, 1) && !b.get(10, 0));
        assert_eq!(b.ink(), 2);
        assert_eq!(b.ink_box(), Some((2..10, 1..3)));
        let c = b.crop(2..10, 1..3);
        assert_eq!((c.width, c.height, c.ink()), (8, 2, 2));
        assert!(c.get(0, 0) && c.get(7, 1));
        assert_eq!(Bitmap::new(5, 5).ink_box(), None);
    }

    /// Shaping joins the letters: lam followed by alef is one ligature glyph, and a Uyghur word
    /// takes other glyphs than its letters alone (the joined forms).
    #[test]
    fn arabic_is_shaped() {
        let Ok(r) = Rasteriser::load(RasterSettings::default()) else {
            panic!("the Debian fonts of DEFAULT_FONTS are installed (scripts/lib.sh)");
        };
        let faces = r.faces().unwrap_or_default();
        let (lam_alef, _) = layout(&faces, "لا", 24.0, true).unwrap_or_default();
        assert_eq!(lam_alef.len(), 1, "{lam_alef:?}");
        let word = "كارتا";
        let (joined, _) = layout(&faces, word, 24.0, true).unwrap_or_default();
        let mut alone = Vec::new();
        for c in word.chars() {
            let (g, _) = layout(&faces, &c.to_string(), 24.0, true).unwrap_or_default();
            alone.extend(g.into_iter().map(|g| g.glyph));
        }
        alone.reverse();
        let joined: Vec<u16> = joined.iter().map(|g| g.glyph).collect();
        assert_eq!(joined.len(), alone.len());
        assert_ne!(
            joined, alone,
            "the joined forms differ from the isolated ones"
        );
        // Every glyph from the Arabic font, laid out right to left: the first letter (kaf)
        // is the last glyph, at the right.
        let (placed, width) = layout(&faces, word, 24.0, true).unwrap_or_default();
        assert!(placed.iter().all(|g| g.font == 0));
        let kaf = placed.last().map(|g| g.x).unwrap_or_default();
        assert!(kaf > width / 2.0, "kaf at {kaf} of {width}");
    }

    #[test]
    fn digits_and_chinese_in_a_uyghur_line() {
        let Ok(r) = Rasteriser::load(RasterSettings::default()) else {
            panic!("the Debian fonts of DEFAULT_FONTS are installed (scripts/lib.sh)");
        };
        let faces = r.faces().unwrap_or_default();
        // "Name: 阿*****": the label at the right, the Chinese name (CJK font) at the left,
        // left to right within itself.
        let (placed, width) = layout(&faces, "ئىسمى: 阿**", 24.0, true).unwrap_or_default();
        // The masked ID number: its digit groups in their order, left to right.
        let (id, _) = layout(&faces, "نومۇرى: 65********34", 24.0, true).unwrap_or_default();
        let x_of = |c: char| {
            id.iter()
                .find(|p| faces[p.font].shaper.glyph_index(c).map(|g| g.0) == Some(p.glyph))
                .map(|p| p.x)
        };
        assert!(
            x_of('6').is_some() && x_of('6') < x_of('4'),
            "6 left of 4: {id:?}"
        );
        let cjk: Vec<&Placed> = placed.iter().filter(|g| g.font == 1).collect();
        let arabic: Vec<&Placed> = placed.iter().filter(|g| g.font == 0).collect();
        assert!(!cjk.is_empty() && !arabic.is_empty());
        let a = cjk.iter().map(|g| g.x).fold(f32::MAX, f32::min);
        let b = arabic.iter().map(|g| g.x).fold(f32::MAX, f32::min);
        assert!(
            a < b,
            "the name left of the label ({a} < {b}, width {width})"
        );
    }
}
