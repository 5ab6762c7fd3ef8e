//! The codes of a citizen's data that the resident ID card, the social security card and
//! the registry share: sex as GB/T 2261.1 codes it, and the citizen identification number of
//! GB 11643 with its check character.
//!
//! One definition for every layer: the ID card text (`idcard::text`), the card's EF06
//! (`sscard::records`), the simulator's card and person files and the kiosk's registry all use
//! these.

use serde::{Deserialize, Serialize};

/// Sex as GB/T 2261.1 codes it. Serialised as `unknown`, `male`, `female`, `unspecified`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sex {
    /// `0` 未知的性别.
    Unknown,
    /// `1` 男.
    Male,
    /// `2` 女.
    Female,
    /// `9` 未说明的性别.
    Unspecified,
}

impl Sex {
    /// The sex of a one-digit code; `None` for any other character.
    pub fn from_code(code: char) -> Option<Sex> {
        Some(match code {
            '0' => Sex::Unknown,
            '1' => Sex::Male,
            '2' => Sex::Female,
            '9' => Sex::Unspecified,
            _ => return None,
        })
    }

    /// The one-digit code on the ID card and in EF06.
    pub fn code(self) -> char {
        match self {
            Sex::Unknown => '0',
            Sex::Male => '1',
            Sex::Female => '2',
            Sex::Unspecified => '9',
        }
    }

    /// What the card face shows.
    pub fn meaning(self) -> &'static str {
        match self {
            Sex::Unknown => "未知的性别",
            Sex::Male => "男",
            Sex::Female => "女",
            Sex::Unspecified => "未说明的性别",
        }
    }

    /// The word of the JSON forms (`kiosk card info --json`, card files): the serde name.
    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Unknown => "unknown",
            Sex::Male => "male",
            Sex::Female => "female",
            Sex::Unspecified => "unspecified",
        }
    }
}

/// The GB 11643 check character (ISO 7064 MOD 11-2) of the first 17 digits; `None` when
/// they are not 17 ASCII digits.
pub fn check_char(first17: &[u8]) -> Option<char> {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
    if first17.len() != 17 || !first17.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    Some(CHECK[(sum % 11) as usize])
}

/// Checks an 18-character ID number: 17 digits and the right check character (`0`–`9` or
/// upper-case `X`). The error says what is wrong.
pub fn check_id_number(id: &str) -> Result<(), String> {
    let b = id.as_bytes();
    if b.len() != 18 {
        return Err(format!(
            "{id:?} has {} characters, expected 18",
            id.chars().count()
        ));
    }
    let expected = check_char(&b[..17])
        .ok_or_else(|| format!("{id:?}: the first 17 characters must be digits"))?;
    let found = char::from(b[17]);
    if found != expected {
        return Err(format!(
            "{id:?}: check character {found:?} is wrong (GB 11643 gives {expected:?})"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_characters() {
        for id in [
            "652301197508210015",
            "65230119800506003X",
            "11010519491231002X",
        ] {
            assert_eq!(check_id_number(id), Ok(()), "{id}");
        }
        assert_eq!(check_char(b"11010519491231002"), Some('X'));
        let e = check_id_number("652301197508210016").unwrap_err();
        assert!(e.contains("'5'"), "{e}");
        assert!(check_id_number("65230119750821001").is_err());
        assert!(check_id_number("6523011975082100A5").is_err());
        assert!(check_id_number("65230119750821001５").is_err());
    }

    #[test]
    fn sex_codes_and_names_round_trip() {
        for sex in [Sex::Unknown, Sex::Male, Sex::Female, Sex::Unspecified] {
            assert_eq!(Sex::from_code(sex.code()), Some(sex));
            assert_eq!(format!("{sex:?}").to_lowercase(), sex.as_str());
        }
        assert_eq!(Sex::from_code('3'), None);
    }
}
