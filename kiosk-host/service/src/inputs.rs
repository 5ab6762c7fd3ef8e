//! What the screens send: a citizen's [`Input`] (a form's fields or a JSON body), before the
//! session actor turns it into an engine event. The PIN fields of an input are wiped when it
//! is dropped, wherever that is (it is moved, not copied, from the request to the actor).

use firmware_config::Language;
use kiosk_core::engine::facts::Contact;
use kiosk_core::text::Tri;

/// A citizen input from a screen (form or JSON), before it becomes an engine event. The PIN
/// fields are wiped when it is dropped and never shown by `Debug`.
#[derive(Default, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct Input {
    /// What the citizen did: `acknowledge` (the first touch of an irreversible business's
    /// confirm screen), `confirm`, `cancel`, `timeout`, `finish`, `more_time`,
    /// `activity` (the page was touched or typed on: the idle clock starts again), `lack`,
    /// `contact`, `reason`, `bank`, `pins`, `rate`, `photo`, `photo_retake`, `photo_use`, …
    pub action: String,
    #[serde(default)]
    pub phone: Option<String>,
    /// The address's GB/T 2260 division (a county's 6 or a town's 9 digits).
    #[serde(default)]
    #[schema(max_length = 9)]
    pub division: Option<String>,
    /// The address's street and number (at most 200 characters; control and bidirectional
    /// characters are removed).
    #[serde(default)]
    #[schema(max_length = 200)]
    pub street: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub receipt: Option<String>,
    #[serde(default)]
    pub old: Option<String>,
    #[serde(default)]
    pub new: Option<String>,
    #[serde(default)]
    pub repeat: Option<String>,
    /// The rating, 1–5 (a number outside that range is the session's problem to explain;
    /// one that is not a byte is not an input: the schema says so).
    #[serde(default, deserialize_with = "whole_byte")]
    #[schema(minimum = 0, maximum = 255)]
    pub level: Option<u8>,
    /// The rating's reasons: codes from the list (one given twice counts once).
    #[serde(default)]
    #[schema(value_type = Vec<RatingReason>, max_items = 4)]
    pub reasons: Vec<String>,
    /// The rating's comment (at most 500 characters; control and bidirectional characters
    /// are removed, ID and phone numbers masked before it is stored).
    #[serde(default)]
    #[schema(max_length = 500)]
    pub comment: Option<String>,
}

/// The reasons a rating may give (the Done screen's boxes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RatingReason {
    Slow,
    Unclear,
    Device,
    Materials,
}

/// The codes of [`RatingReason`], as the forms post them.
pub const RATING_REASONS: [&str; 4] = ["slow", "unclear", "device", "materials"];
/// The longest rating comment, in characters (the form's `maxlength`).
pub const MAX_COMMENT: usize = 500;
/// The longest street and number, in characters (the form's `maxlength`).
pub const MAX_ADDRESS: usize = 200;

/// Why an input was refused before it reached the session: the field and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct InputError {
    pub field: &'static str,
    pub message: String,
}

/// A number from 0 to 255 written as JSON allows an integer to be written (`5` or `5.0`: the
/// document's `integer` admits both).
fn whole_byte<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u8>, D::Error> {
    use serde::Deserialize;
    let Some(n) = Option::<serde_json::Number>::deserialize(d)? else {
        return Ok(None);
    };
    let byte = match (n.as_u64(), n.as_f64()) {
        (Some(u), _) => u8::try_from(u).ok(),
        (None, Some(f)) if f.fract() == 0.0 && (0.0..=255.0).contains(&f) => Some(f as u8),
        _ => None,
    };
    byte.map(Some)
        .ok_or_else(|| serde::de::Error::custom(format!("{n} is not a whole number from 0 to 255")))
}

impl Input {
    /// The contact details of a `contact` input: the division picked and the street typed,
    /// written out as one address (the division's full name, then the street), with the
    /// division's code kept next to it for the registry; the phone as given. `Err` is the
    /// problem to show (in `lang`): a division not in the list, or a street without one.
    pub(crate) fn contact(&self, lang: Language) -> Result<Contact, String> {
        let division = self.division.as_deref().filter(|d| !d.trim().is_empty());
        let street = self.street.as_deref().unwrap_or_default().trim();
        let (address, division) = match division.map(|d| (d, kiosk_core::division::full_name(d))) {
            Some((code, Some(name))) => (Some(format!("{name}{street}")), Some(code.to_string())),
            Some((_, None)) => {
                return Err(Tri::new(
                    "请在列表中选择所在地区",
                    "choose the area from the list",
                    "رايوننى تىزىملىكتىن تاللاڭ",
                )
                .pick(lang)
                .to_string())
            }
            None if street.is_empty() => (None, None),
            None => {
                return Err(Tri::new(
                    "请先选择所在地区，再填写街道门牌",
                    "choose the area first, then the street and number",
                    "ئالدى بىلەن رايوننى تاللاڭ، ئاندىن كوچا ۋە نومۇرنى يېزىڭ",
                )
                .pick(lang)
                .to_string())
            }
        };
        Ok(Contact {
            phone: self.phone.clone().filter(|p| !p.trim().is_empty()),
            address,
            division,
        })
    }

    /// The edge's checks of the free texts and lists, before the input goes anywhere: the
    /// comment and the street cleaned ([`kiosk_core::text::clean`]) within their limits, the
    /// comment masked; the reasons codes from the list, at most the list's length, a repeated
    /// one kept once.
    pub fn checked(mut self) -> Result<Input, InputError> {
        use kiosk_core::text::{clean, Lines, TextError};
        let too_long = |field: &'static str| {
            move |TextError::TooLong { chars, max }: TextError| InputError {
                field,
                message: format!("{chars} characters; at most {max} are taken"),
            }
        };
        if let Some(c) = self.comment.take() {
            let cleaned = clean(&c, MAX_COMMENT, Lines::Many).map_err(too_long("comment"))?;
            self.comment = Some(kiosk_core::mask::free_text(&cleaned));
        }
        if let Some(a) = self.street.take() {
            self.street = Some(clean(&a, MAX_ADDRESS, Lines::One).map_err(too_long("street"))?);
        }
        if self.reasons.len() > RATING_REASONS.len() {
            return Err(InputError {
                field: "reasons",
                message: format!(
                    "{} reasons; at most {} (one of each)",
                    self.reasons.len(),
                    RATING_REASONS.len()
                ),
            });
        }
        if let Some(r) = self
            .reasons
            .iter()
            .find(|r| !RATING_REASONS.contains(&r.as_str()))
        {
            let shown = kiosk_core::text::clean_cut(r, 20);
            return Err(InputError {
                field: "reasons",
                message: format!(
                    "{shown:?} is not a reason; the reasons are {}",
                    RATING_REASONS.join(", ")
                ),
            });
        }
        let mut once = Vec::with_capacity(self.reasons.len());
        for r in std::mem::take(&mut self.reasons) {
            if !once.contains(&r) {
                once.push(r);
            }
        }
        self.reasons = once;
        Ok(self)
    }

    /// An input from a form's fields, in order: a repeated field (the rating's reasons, one
    /// per ticked box) adds to the list, which the form decoder's map cannot do. The values
    /// are moved, not copied, so the PINs live only in the input (wiped when it is dropped).
    /// Unknown fields are ignored; a level that is not a number is left out, and the
    /// session then says what a rating is.
    pub fn from_form(pairs: Vec<(String, String)>) -> Input {
        let mut input = Input::default();
        for (name, value) in pairs {
            match name.as_str() {
                "action" => input.action = value,
                "phone" => input.phone = Some(value),
                "division" => input.division = Some(value),
                "street" => input.street = Some(value),
                "reason" => input.reason = Some(value),
                "receipt" => input.receipt = Some(value),
                "old" => input.old = Some(value),
                "new" => input.new = Some(value),
                "repeat" => input.repeat = Some(value),
                "level" => input.level = value.trim().parse().ok(),
                "reasons" => input.reasons.push(value),
                "comment" => input.comment = Some(value),
                _ => {}
            }
        }
        input
    }
}

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Input")
            .field("action", &self.action)
            .field("pins", &"******")
            .field("level", &self.level)
            .finish_non_exhaustive()
    }
}

impl Drop for Input {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        for pin in [&mut self.old, &mut self.new, &mut self.repeat]
            .into_iter()
            .flatten()
        {
            pin.zeroize();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// An input with `set` applied to a default one.
    fn input(set: impl FnOnce(&mut Input)) -> Input {
        let mut i = Input::default();
        set(&mut i);
        i
    }

    #[test]
    fn reasons_are_codes_and_free_texts_are_cleaned() {
        let many = input(|i| i.reasons = vec!["x".repeat(450); 2000]);
        assert_eq!(many.checked().map(|_| ()).unwrap_err().field, "reasons");
        let unknown = input(|i| i.reasons = vec!["nope".to_string()]);
        assert_eq!(unknown.checked().map(|_| ()).unwrap_err().field, "reasons");
        let twice = input(|i| i.reasons = vec!["slow".into(), "slow".into()]);
        assert_eq!(twice.checked().expect("fine").reasons, ["slow"]);
        let i = input(|i| {
            i.reasons = vec!["slow".into(), "materials".into()];
            i.comment = Some("esc\x1b[2J\rok\u{202e} 138 1234 5678".into());
            i.street = Some("北京路\u{202e}12号".into());
        })
        .checked()
        .expect("fine");
        assert_eq!(i.comment.as_deref(), Some("esc[2Jok 138****5678"));
        assert_eq!(i.street.as_deref(), Some("北京路12号"));
        let long = input(|i| i.comment = Some("长".repeat(501)));
        assert_eq!(long.checked().map(|_| ()).unwrap_err().field, "comment");
    }

    /// The division picked and the street typed: one written-out address, and the
    /// division's code next to it (what the registry keeps).
    #[test]
    fn a_contact_input_carries_the_division_code_with_the_address() {
        let c = input(|i| {
            i.action = "contact".into();
            i.phone = Some("13912345678".into());
            i.division = Some("652301002".into());
            i.street = Some(" 北京路12号 ".into());
        })
        .contact(Language::En)
        .expect("a contact");
        assert_eq!(
            c,
            Contact {
                phone: Some("13912345678".into()),
                address: Some("新疆维吾尔自治区昌吉回族自治州昌吉市延安北路街道北京路12号".into()),
                division: Some("652301002".into()),
            }
        );
        let phone_only = input(|i| {
            i.phone = Some("13912345678".into());
            i.division = Some(" ".into());
        })
        .contact(Language::En)
        .expect("a phone alone");
        assert_eq!((phone_only.address, phone_only.division), (None, None));
        let unknown = input(|i| i.division = Some("110101".into())).contact(Language::En);
        assert_eq!(unknown, Err("choose the area from the list".into()));
        let street_only = input(|i| i.street = Some("北京路12号".into())).contact(Language::En);
        assert!(street_only
            .unwrap_err()
            .starts_with("choose the area first"));
    }

    #[test]
    fn a_form_with_repeated_reasons_keeps_every_reason() {
        let input = Input::from_form(pairs(&[
            ("action", "rate"),
            ("level", "2"),
            ("reasons", "slow"),
            ("reasons", "unclear"),
            ("comment", "排队太久"),
            ("unexpected", "ignored"),
        ]));
        assert_eq!(input.action, "rate");
        assert_eq!(input.level, Some(2));
        assert_eq!(input.reasons, ["slow", "unclear"]);
        assert_eq!(input.comment.as_deref(), Some("排队太久"));
    }

    #[test]
    fn a_level_that_is_not_a_number_is_left_out_and_pins_are_not_shown() {
        let input = Input::from_form(pairs(&[
            ("action", "pins"),
            ("level", "five"),
            ("new", "580317"),
            ("repeat", "580317"),
        ]));
        assert_eq!(input.level, None);
        assert_eq!(input.new.as_deref(), Some("580317"));
        assert!(!format!("{input:?}").contains("580317"));
    }
}
