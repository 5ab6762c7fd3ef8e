//! Text in the kiosk's three screen languages: [`Tri`], always in the order Chinese, English,
//! Uyghur, and [`Tri::pick`] for the one a screen, receipt or page shows.
//!
//! Every trilingual text of the core is one: the rule table's names and steps, the one-time
//! notice, refusals, failures, the session's notices, card states and application progress.
//! `Display` gives the log form "中文 / English".

use std::fmt;

use firmware_config::Language;
use serde::Serialize;

/// The same text in Chinese, English and Uyghur. `Tri` (the default) holds `&'static str`
/// (tables, constants); `Tri<String>` holds formatted text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Tri<S = &'static str> {
    pub zh: S,
    pub en: S,
    pub ug: S,
}

impl<S> Tri<S> {
    /// The three texts, in this order: Chinese, English, Uyghur.
    pub const fn new(zh: S, en: S, ug: S) -> Tri<S> {
        Tri { zh, en, ug }
    }

    /// The text in `lang`.
    pub fn pick(&self, lang: Language) -> &S {
        match lang {
            Language::ZhCn => &self.zh,
            Language::En => &self.en,
            Language::Ug => &self.ug,
        }
    }

    /// The text in `lang`, taken out.
    pub(crate) fn into_pick(self, lang: Language) -> S {
        match lang {
            Language::ZhCn => self.zh,
            Language::En => self.en,
            Language::Ug => self.ug,
        }
    }

    /// Each of the three texts through `f`.
    pub fn map<T>(self, mut f: impl FnMut(S) -> T) -> Tri<T> {
        Tri {
            zh: f(self.zh),
            en: f(self.en),
            ug: f(self.ug),
        }
    }
}

impl Tri {
    /// The texts as owned strings.
    pub fn owned(self) -> Tri<String> {
        self.map(str::to_string)
    }
}

/// The log form: "中文 / English".
impl<S: fmt::Display> fmt::Display for Tri<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} / {}", self.zh, self.en)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_in_the_order_zh_en_ug() {
        const T: Tri = Tri::new("中", "en", "ئۇ");
        assert_eq!(*T.pick(Language::ZhCn), "中");
        assert_eq!(*T.pick(Language::En), "en");
        assert_eq!(*T.pick(Language::Ug), "ئۇ");
        let owned = T.owned();
        assert_eq!(owned.pick(Language::En), "en");
        assert_eq!(owned.clone().into_pick(Language::Ug), "ئۇ");
        assert_eq!(owned.to_string(), "中 / en");
        assert_eq!(T.map(str::len), Tri::new(3, 2, 4));
    }
}

/// Why a free text was refused by [`clean`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    /// Longer than the form allows, counted after cleaning.
    #[error("the text has {chars} characters; at most {max} are taken")]
    TooLong {
        /// Its length in characters, after cleaning.
        chars: usize,
        /// The limit.
        max: usize,
    },
}

/// Whether a free text keeps its line breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    /// One line: every line break and tab becomes a space.
    One,
    /// Line breaks (`\n`, a `\r\n` counted as one) kept; tabs become spaces.
    Many,
}

/// Whether `c` reorders or hides text: the bidirectional embeddings, overrides, isolates and
/// marks (a U+202E makes `exe.txt` read `txt.exe`), and the byte-order mark.
pub fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}'
    )
}

/// The one cleaning of every free text taken from outside (a comment, a suggestion, an
/// address, a staff member's reason, a typed login name), at the edge before anything keeps
/// it: control characters (C0, DEL, C1: ESC sequences, CR, …) and bidirectional controls
/// removed, line breaks kept or made spaces as `lines` says, blanks around it trimmed; then
/// at most `max` characters, or [`TextError::TooLong`]. Masking is the caller's next step
/// where the text is stored ([`crate::mask::free_text`]).
pub fn clean(raw: &str, max: usize, lines: Lines) -> Result<String, TextError> {
    let mut out = String::with_capacity(raw.len().min(max.saturating_mul(4)));
    for c in raw.chars() {
        match c {
            '\n' if lines == Lines::Many => out.push('\n'),
            '\n' | '\t' => out.push(' '),
            c if c.is_control() || is_bidi_control(c) => {}
            c => out.push(c),
        }
    }
    let text = out.trim();
    let chars = text.chars().count();
    if chars > max {
        return Err(TextError::TooLong { chars, max });
    }
    Ok(text.to_string())
}

/// [`clean`] cutting instead of refusing: at most `max` characters kept (for text that is
/// only ever recorded, such as a login name tried).
pub fn clean_cut(raw: &str, max: usize) -> String {
    let cut: String = raw.chars().take(max.saturating_mul(2)).collect();
    // Nothing is too long for `usize::MAX`.
    let cleaned = clean(&cut, usize::MAX, Lines::One).unwrap_or_default();
    cleaned.chars().take(max).collect()
}

/// `s` with every control or bidirectional character written as `\u{…}`: what a terminal
/// or a log may print of stored text (nothing in it moves the cursor, changes colours or
/// starts a new line).
pub fn escape_controls(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() || is_bidi_control(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod clean_tests {
    use super::*;

    #[test]
    fn control_and_bidi_characters_are_removed() {
        let forged = "tech\r\n     7  2026-01-01 00:00:00  staff:boss  archive.seal\x1b[2J";
        let one = clean(forged, 200, Lines::One).expect("short");
        assert!(
            !one.contains('\r') && !one.contains('\n') && !one.contains('\x1b'),
            "{one:?}"
        );
        assert_eq!(
            clean("a\u{202E}txt.exe\u{2066}b", 50, Lines::One),
            Ok("atxt.exeb".to_string())
        );
        assert_eq!(clean(" x\r\ny\tz ", 50, Lines::Many), Ok("x\ny z".into()));
        assert_eq!(
            clean(&"字".repeat(201), 200, Lines::One),
            Err(TextError::TooLong {
                chars: 201,
                max: 200
            })
        );
        assert_eq!(clean_cut(&"a\u{7}".repeat(100), 64), "a".repeat(64));
        assert_eq!(
            escape_controls("a\x1b[31m\nb\u{202e}"),
            "a\\u{1b}[31m\\u{a}b\\u{202e}"
        );
    }
}
