//! What the screens send: a citizen's [`Input`] (a form's fields or a JSON body), before the
//! session actor turns it into an engine event. The PIN fields of an input are wiped when it
//! is dropped, wherever that is (it is moved, not copied, from the request to the actor).

/// A citizen input from a screen (form or JSON), before it becomes an engine event. The PIN
/// fields are wiped when it is dropped and never shown by `Debug`.
#[derive(Default, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct Input {
    pub action: String,
    #[serde(default)]
    pub phone: Option<String>,
    /// The address's GB/T 2260 division (a county's 6 or a town's 9 digits).
    #[serde(default)]
    pub division: Option<String>,
    /// The address's street and number.
    #[serde(default)]
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
    #[serde(default)]
    pub reasons: Vec<String>,
    #[serde(default)]
    pub comment: Option<String>,
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
