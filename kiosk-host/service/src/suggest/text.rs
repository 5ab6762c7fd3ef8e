//! What a suggestion may be: at most [`MAX_CHARS`] characters, cleaned and masked by
//! [`clean`], or refused with a [`SuggestionError`] the citizen reads in their language.

use firmware_config::Language;

use crate::citizen::self_text;

/// The longest suggestion taken, in characters.
pub const MAX_CHARS: usize = 500;

/// Why a suggestion was not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SuggestionError {
    #[error("the suggestion is empty")]
    Empty,
    #[error("the suggestion has {chars} characters; at most {MAX_CHARS} are taken")]
    TooLong { chars: usize },
}

impl SuggestionError {
    /// The problem as the citizen reads it.
    pub fn text(&self, lang: Language) -> String {
        match self {
            SuggestionError::Empty => self_text(
                lang,
                "请先写下您的意见或建议",
                "write your suggestion first",
                "ئالدى بىلەن پىكىر-تەكلىپىڭىزنى يېزىڭ",
            ),
            SuggestionError::TooLong { chars } => match lang {
                Language::En => {
                    format!("your text has {chars} characters: please shorten it to {MAX_CHARS}")
                }
                Language::Ug => format!("تېكىستىڭىز {chars} ھەرپ، {MAX_CHARS} ھەرپكىچە قىسقارتىڭ"),
                Language::ZhCn => format!("内容共 {chars} 字,请缩短到 {MAX_CHARS} 字以内"),
            },
        }
    }
}

/// The text to store: cleaned as every free text is ([`kiosk_core::text::clean`]: control
/// and bidirectional characters dropped, line breaks kept, surrounding blanks trimmed),
/// ID- and phone-like numbers masked.
pub fn clean(raw: &str) -> Result<String, SuggestionError> {
    use kiosk_core::text::{Lines, TextError};
    let text = kiosk_core::text::clean(raw, MAX_CHARS, Lines::Many)
        .map_err(|TextError::TooLong { chars, .. }| SuggestionError::TooLong { chars })?;
    if text.is_empty() {
        return Err(SuggestionError::Empty);
    }
    Ok(kiosk_core::mask::free_text(&text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_cleaned_and_masked() {
        assert_eq!(clean("  排队太久 \n").unwrap(), "排队太久");
        assert_eq!(clean("a\u{0}b\u{7}c\nd").unwrap(), "abc\nd");
        let masked = clean("我的电话13912345678,身份证652301198001010015").unwrap();
        assert!(!masked.contains("13912345678"), "{masked}");
        assert!(!masked.contains("652301198001010015"), "{masked}");
    }

    #[test]
    fn empty_and_too_long_are_named_in_each_language() {
        assert_eq!(clean(" \t\n"), Err(SuggestionError::Empty));
        assert_eq!(clean("\u{1b}\u{7f}"), Err(SuggestionError::Empty));
        assert!(clean(&"好".repeat(MAX_CHARS)).is_ok());
        let e = clean(&"好".repeat(MAX_CHARS + 1)).unwrap_err();
        assert_eq!(e, SuggestionError::TooLong { chars: 501 });
        assert!(e.text(Language::ZhCn).contains("501"));
        assert!(e.text(Language::En).contains("shorten it to 500"));
        assert!(e.text(Language::Ug).contains("500"));
    }
}
