//! The on-screen keyboards: a kiosk has no keyboard, and Chromium on a Linux kiosk shows none,
//! so the page draws its own, the same on every browser. Three kinds, each bound to one field
//! (`data-kbd-for`): a digit pad (phone numbers: clear, backspace and a length display), a code
//! keyboard (capital Latin letters, digits and `-`, for the bank's receipt number), and a text
//! keyboard with three layers — pinyin with a candidate bar (`static/pinyin.json`), Uyghur in
//! the standard layout ([`crate::keyboard_data`]), Latin letters and digits — the screen's
//! language first.
//!
//! The keys are plain buttons rendered here (reachable by Tab, named for screen readers, the
//! Uyghur letters marked `lang="ug"`); `kiosk.js` shows the keyboard of the focused field and
//! types with it. Without the script the keyboards stay hidden and the fields are ordinary
//! fields.

use crate::i18n::Key;
use crate::keyboard_data::{UYGHUR_DEFAULT, UYGHUR_SHIFT};
use crate::view::Lang;

/// One key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyCap {
    /// What the key types, or a named action: `{bksp}`, `{shift}`, `{space}`, `{clear}`.
    pub value: String,
    /// What the key shows.
    pub label: String,
    /// The accessible name when the label is a symbol (backspace, shift, space).
    pub aria_label: Option<&'static str>,
    /// A wide key (space, backspace, shift).
    pub wide: bool,
}

impl KeyCap {
    fn char(c: &str) -> KeyCap {
        KeyCap {
            value: c.to_owned(),
            label: c.to_owned(),
            aria_label: None,
            wide: false,
        }
    }

    fn named(name: &str, lang: Lang) -> KeyCap {
        let (label, key) = match name {
            "{bksp}" => ("⌫", Key::DeleteChar),
            "{shift}" => ("⇧", Key::Shift),
            "{space}" => ("␣", Key::Space),
            _ => ("✕", Key::Clear),
        };
        KeyCap {
            value: name.to_owned(),
            label: label.to_owned(),
            aria_label: Some(key.text(lang)),
            wide: true,
        }
    }

    fn of(value: &str, lang: Lang) -> KeyCap {
        if value.starts_with('{') && value.ends_with('}') && value.len() > 2 {
            KeyCap::named(value, lang)
        } else {
            KeyCap::char(value)
        }
    }

    /// True for a key that types nothing by itself (backspace, shift, space, clear).
    pub fn is_named(&self) -> bool {
        self.aria_label.is_some()
    }
}

/// The layers of a text keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LayerKind {
    Pinyin,
    Uyghur,
    Latin,
}

impl LayerKind {
    /// `data-layer` of its markup.
    pub fn id(self) -> &'static str {
        match self {
            LayerKind::Pinyin => "pinyin",
            LayerKind::Uyghur => "uyghur",
            LayerKind::Latin => "latin",
        }
    }

    /// Its tab's label.
    pub fn label(self) -> Key {
        match self {
            LayerKind::Pinyin => Key::KbdPinyin,
            LayerKind::Uyghur => Key::KbdUyghur,
            LayerKind::Latin => Key::KbdLatin,
        }
    }

    /// The language its keys type.
    pub fn lang(self) -> &'static str {
        match self {
            LayerKind::Pinyin => "zh-CN",
            LayerKind::Uyghur => "ug",
            LayerKind::Latin => "en",
        }
    }
}

/// One layer: its rows, and the rows shown while shift is on (none: no shift key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layer {
    pub kind: LayerKind,
    pub rows: Vec<Vec<KeyCap>>,
    pub shifted: Vec<Vec<KeyCap>>,
}

fn rows_of(rows: &[&[&str]], lang: Lang) -> Vec<Vec<KeyCap>> {
    rows.iter()
        .map(|row| row.iter().map(|k| KeyCap::of(k, lang)).collect())
        .collect()
}

const DIGITS: &[&str] = &["1", "2", "3", "4", "5", "6", "7", "8", "9", "0"];
const QWERTY: [&str; 3] = ["qwertyuiop", "asdfghjkl", "zxcvbnm"];

fn letters(row: &str, upper: bool) -> Vec<&'static str> {
    const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";
    const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    row.bytes()
        .filter(u8::is_ascii_lowercase)
        .map(|b| {
            let i = usize::from(b - b'a');
            if upper {
                &UPPER[i..=i]
            } else {
                &LOWER[i..=i]
            }
        })
        .collect()
}

fn latin_rows(upper: bool, extra_last: &[&'static str], space: bool) -> Vec<Vec<&'static str>> {
    let mut rows: Vec<Vec<&'static str>> = Vec::new();
    let mut top = DIGITS.to_vec();
    top.push("{bksp}");
    rows.push(top);
    rows.push(letters(QWERTY[0], upper));
    rows.push(letters(QWERTY[1], upper));
    let mut last = letters(QWERTY[2], upper);
    last.extend_from_slice(extra_last);
    rows.push(last);
    if space {
        rows.push(vec!["{space}"]);
    }
    rows
}

fn layer(kind: LayerKind, lang: Lang) -> Layer {
    let cap = |rows: Vec<Vec<&'static str>>| {
        rows.into_iter()
            .map(|r| r.into_iter().map(|k| KeyCap::of(k, lang)).collect())
            .collect::<Vec<Vec<KeyCap>>>()
    };
    match kind {
        // Letters are pinyin (composed into characters in the candidate bar); the digits and
        // the punctuation of addresses type themselves.
        LayerKind::Pinyin => Layer {
            kind,
            rows: cap(latin_rows(false, &["-", "，", "。"], true)),
            shifted: Vec::new(),
        },
        LayerKind::Uyghur => Layer {
            kind,
            rows: rows_of(UYGHUR_DEFAULT, lang),
            shifted: rows_of(UYGHUR_SHIFT, lang),
        },
        LayerKind::Latin => {
            let mut lower = latin_rows(false, &["-", ",", "."], true);
            let mut upper = latin_rows(true, &["-", ",", "."], true);
            lower[3].insert(0, "{shift}");
            upper[3].insert(0, "{shift}");
            Layer {
                kind,
                rows: cap(lower),
                shifted: cap(upper),
            }
        }
    }
}

/// A keyboard bound to one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Keyboard {
    /// Digits, clear and backspace, with "n of max digits" shown.
    Digits { field: String, max: u32 },
    /// Capital letters, digits and `-` (codes).
    Code { field: String, layer: Layer },
    /// Text: the layers, the screen language's first.
    Text { field: String, layers: Vec<Layer> },
}

impl Keyboard {
    pub fn digits(field: &str, max: u32) -> Keyboard {
        Keyboard::Digits {
            field: field.to_owned(),
            max,
        }
    }

    pub fn code(field: &str, lang: Lang) -> Keyboard {
        Keyboard::Code {
            field: field.to_owned(),
            layer: Layer {
                kind: LayerKind::Latin,
                rows: rows_of(
                    &latin_rows(true, &["-"], false)
                        .iter()
                        .map(Vec::as_slice)
                        .collect::<Vec<_>>(),
                    lang,
                ),
                shifted: Vec::new(),
            },
        }
    }

    /// A text keyboard for a page in `lang`: its own script's layer first.
    pub fn text(field: &str, lang: Lang) -> Keyboard {
        let order = match lang {
            Lang::ZhCn => [LayerKind::Pinyin, LayerKind::Uyghur, LayerKind::Latin],
            Lang::Ug => [LayerKind::Uyghur, LayerKind::Pinyin, LayerKind::Latin],
            Lang::En => [LayerKind::Latin, LayerKind::Pinyin, LayerKind::Uyghur],
        };
        Keyboard::Text {
            field: field.to_owned(),
            layers: order.into_iter().map(|k| layer(k, lang)).collect(),
        }
    }

    pub fn field(&self) -> &str {
        match self {
            Keyboard::Digits { field, .. }
            | Keyboard::Code { field, .. }
            | Keyboard::Text { field, .. } => field,
        }
    }

    /// The digit pad's keys in their places: 1–9, then clear, 0, backspace.
    pub fn pad_keys(lang: Lang) -> Vec<KeyCap> {
        let mut keys: Vec<KeyCap> = DIGITS[..9].iter().map(|d| KeyCap::char(d)).collect();
        keys.push(KeyCap::named("{clear}", lang));
        keys.push(KeyCap::char("0"));
        let mut back = KeyCap::named("{bksp}", lang);
        back.aria_label = Some(Key::Backspace.text(lang));
        keys.push(back);
        keys
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(rows: &[Vec<KeyCap>]) -> Vec<String> {
        rows.iter().flatten().map(|k| k.value.clone()).collect()
    }

    #[test]
    fn the_text_keyboard_starts_with_the_screen_languages_script() {
        for (lang, first) in [
            (Lang::ZhCn, LayerKind::Pinyin),
            (Lang::Ug, LayerKind::Uyghur),
            (Lang::En, LayerKind::Latin),
        ] {
            let Keyboard::Text { layers, .. } = Keyboard::text("street", lang) else {
                panic!("a text keyboard");
            };
            assert_eq!(layers[0].kind, first);
            assert_eq!(layers.len(), 3);
        }
    }

    #[test]
    fn the_pinyin_layer_has_the_26_letters_digits_and_a_space() {
        let l = layer(LayerKind::Pinyin, Lang::ZhCn);
        let v = values(&l.rows);
        for c in 'a'..='z' {
            assert!(v.contains(&c.to_string()), "{c}");
        }
        for d in DIGITS {
            assert!(v.contains(&d.to_string()));
        }
        assert!(v.contains(&"{space}".to_owned()) && v.contains(&"{bksp}".to_owned()));
        assert!(l.shifted.is_empty());
    }

    #[test]
    fn the_uyghur_layer_types_the_32_letters_of_the_alphabet() {
        let l = layer(LayerKind::Uyghur, Lang::Ug);
        let typed: String = values(&l.rows)
            .into_iter()
            .chain(values(&l.shifted))
            .filter(|v| !v.starts_with('{'))
            .collect();
        // The Uyghur Arabic-script alphabet (ئ as the hamza carrier).
        for letter in "ئاەبپتجچخدرزژسشغفقكگڭلمنھوۇۆۈۋېىي".chars() {
            assert!(typed.contains(letter), "{letter} missing");
        }
        let named: Vec<&KeyCap> = l.rows.iter().flatten().filter(|k| k.is_named()).collect();
        assert!(named
            .iter()
            .all(|k| k.aria_label.is_some_and(|a| !a.is_empty())));
    }

    #[test]
    fn the_code_keyboard_has_capitals_digits_and_the_dash_only() {
        let Keyboard::Code { layer, .. } = Keyboard::code("receipt", Lang::ZhCn) else {
            panic!("code");
        };
        let v = values(&layer.rows);
        assert!(v.iter().all(|k| k == "{bksp}"
            || k == "-"
            || k.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())));
        assert_eq!(v.len(), 10 + 1 + 26 + 1);
    }

    #[test]
    fn the_pad_is_one_to_nine_then_clear_zero_backspace() {
        let keys = Keyboard::pad_keys(Lang::En);
        let v: Vec<&str> = keys.iter().map(|k| k.value.as_str()).collect();
        assert_eq!(
            v,
            ["1", "2", "3", "4", "5", "6", "7", "8", "9", "{clear}", "0", "{bksp}"]
        );
        assert_eq!(keys[9].aria_label, Some(Key::Clear.text(Lang::En)));
        assert_eq!(keys[11].aria_label, Some(Key::Backspace.text(Lang::En)));
    }
}
