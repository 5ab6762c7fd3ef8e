//! Person files: what a simulated resident ID card says, as TOML under `hw-sim/people/`.
//!
//! ```toml
//! name = "张伟"                  # the full name; the module serves its first 15 characters
//! sex = "male"                   # male | female
//! ethnicity = 1                  # GB 3304: 1-56, 97, 98
//! birth_date = "1975-08-21"      # must match the ID number
//! address = "新疆昌吉市……"        # at most 35 characters
//! id_number = "652301197508210015"
//! authority = "昌吉市公安局"      # at most 15 characters
//! valid_from = "2015-09-10"
//! valid_to = "2035-09-10"        # or "长期"
//! photo = "photos/zhang.wlt"     # optional, 1024 bytes, relative to this file
//! ```
//!
//! A person file that matches a card of `hw-sim/cards/` has the same file name, ID number
//! (the card's `ef06.ssn`), name, sex, ethnicity and birth date.

use std::path::{Path, PathBuf};

use card_io::citizen::{check_id_number, Sex};
use card_io::date::Date;
use card_io::idcard::text::{self, ethnicity_name, fit_name, IdText, Validity, LONG_TERM};
use card_io::idcard::wlt::WLT_LEN;
use serde::Deserialize;

use crate::error::SimError;

/// A person file as written.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PersonFile {
    pub name: String,
    pub sex: Sex,
    pub ethnicity: u8,
    pub birth_date: Date,
    pub address: String,
    pub id_number: String,
    pub authority: String,
    pub valid_from: Date,
    /// `YYYY-MM-DD` or `长期`.
    pub valid_to: String,
    #[serde(default)]
    pub photo: Option<PathBuf>,
}

/// A validated person: the card text as the module serves it, and the photo bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// The name as written in the file (may be longer than the card's 15 characters).
    pub full_name: String,
    /// The card text; its name is `full_name` cut to 15 characters.
    pub text: IdText,
    /// 1024 bytes: the photo file's, or bytes derived from the ID number when there is none
    /// (they are not a decodable image; the kiosk never decodes without a licensed decoder).
    pub photo: Vec<u8>,
    /// Where it came from, for messages.
    pub origin: String,
}

impl Person {
    /// Reads and validates a person file.
    pub fn load(path: impl AsRef<Path>) -> Result<Person, SimError> {
        let path = path.as_ref();
        let text = SimError::read_file(path)?;
        let dir = path.parent().unwrap_or(Path::new("."));
        Person::from_toml_str(&text, &path.display().to_string(), dir)
    }

    /// Parses and validates person-file text; `origin` names it in errors, `dir` is where
    /// a relative photo path starts.
    pub fn from_toml_str(text: &str, origin: &str, dir: &Path) -> Result<Person, SimError> {
        let file: PersonFile =
            toml::from_str(text).map_err(|source| SimError::toml(source, text, origin))?;
        file.validate(origin, dir)
    }
}

impl PersonFile {
    /// Checks every field; errors name the file and the field.
    pub fn validate(&self, origin: &str, dir: &Path) -> Result<Person, SimError> {
        let bad = |field: &str, problem: String| SimError::Invalid {
            origin: origin.to_string(),
            field: field.to_string(),
            problem,
        };
        text_field(&self.name, 1, usize::MAX).map_err(|p| bad("name", p))?;
        text_field(&self.address, 1, text::ADDRESS.chars()).map_err(|p| bad("address", p))?;
        text_field(&self.authority, 1, text::AUTHORITY.chars()).map_err(|p| bad("authority", p))?;
        if ethnicity_name(self.ethnicity).is_none() {
            return Err(bad(
                "ethnicity",
                format!("{} is not a GB 3304 code (1-56, 97, 98)", self.ethnicity),
            ));
        }
        check_id_number(&self.id_number).map_err(|p| bad("id_number", p))?;
        let id = self.id_number.as_bytes();
        let born = std::str::from_utf8(&id[6..14])
            .ok()
            .and_then(Date::from_digits);
        if born != Some(self.birth_date) {
            return Err(bad(
                "birth_date",
                format!(
                    "{} does not match the ID number {} (digits 7-14)",
                    self.birth_date, self.id_number
                ),
            ));
        }
        let by_number = if (id[16] - b'0') % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        };
        if self.sex != by_number {
            return Err(bad(
                "sex",
                format!(
                    "{:?} does not match the ID number (17th digit odd for male, even for female)",
                    self.sex
                ),
            ));
        }
        if self.valid_from < self.birth_date {
            return Err(bad(
                "valid_from",
                format!("{} is before the birth date", self.valid_from),
            ));
        }
        let valid_to = if self.valid_to == LONG_TERM {
            Validity::LongTerm
        } else {
            let to = Date::parse_iso(&self.valid_to).ok_or_else(|| {
                bad(
                    "valid_to",
                    format!(
                        "{:?} is neither a date YYYY-MM-DD nor \"{LONG_TERM}\"",
                        self.valid_to
                    ),
                )
            })?;
            if to <= self.valid_from {
                return Err(bad(
                    "valid_to",
                    format!("{to} is not after valid_from {}", self.valid_from),
                ));
            }
            Validity::Until(to)
        };
        let photo = match &self.photo {
            Some(p) => {
                let path = dir.join(p);
                let bytes = std::fs::read(&path)
                    .map_err(|e| bad("photo", format!("cannot read {}: {e}", path.display())))?;
                if bytes.len() != WLT_LEN {
                    return Err(bad(
                        "photo",
                        format!(
                            "{} is {} bytes, a WLT photo is {WLT_LEN}",
                            path.display(),
                            bytes.len()
                        ),
                    ));
                }
                bytes
            }
            None => derived_photo(&self.id_number),
        };
        let text = IdText {
            name: fit_name(&self.name),
            sex: self.sex,
            ethnicity_code: self.ethnicity,
            birth_date: self.birth_date,
            address: self.address.clone(),
            id_number: self.id_number.clone(),
            authority: self.authority.clone(),
            valid_from: self.valid_from,
            valid_to,
        };
        // Everything above makes the text encodable; this keeps the two in step.
        text.encode().map_err(|e| bad("text", e.to_string()))?;
        Ok(Person {
            full_name: self.name.clone(),
            text,
            photo,
            origin: origin.to_string(),
        })
    }
}

/// A card text field: length in UCS-2 characters, no control characters, nothing outside
/// the Basic Multilingual Plane (the card's UCS-2 cannot hold it).
fn text_field(value: &str, min: usize, max: usize) -> Result<(), String> {
    let n = value.chars().count();
    if n < min {
        return Err("empty".into());
    }
    if n > max {
        return Err(format!("{n} characters, the card holds {max}"));
    }
    if value != value.trim() {
        return Err(format!("{value:?} starts or ends with spaces"));
    }
    if let Some(c) = value.chars().find(|c| c.is_control() || c.len_utf16() != 1) {
        return Err(format!(
            "{c:?} (U+{:04X}) cannot be stored in UCS-2",
            u32::from(c)
        ));
    }
    Ok(())
}

/// 1024 deterministic bytes for a person without a photo file.
fn derived_photo(id_number: &str) -> Vec<u8> {
    let mut state = id_number.bytes().fold(0x811C_9DC5u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    (0..WLT_LEN)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            (state >> 24) as u8
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
name = "张伟"
sex = "male"
ethnicity = 1
birth_date = "1975-08-21"
address = "新疆昌吉市延安北路28号"
id_number = "652301197508210015"
authority = "昌吉市公安局"
valid_from = "2015-09-10"
valid_to = "2035-09-10"
"#;

    fn error_for(text: &str) -> String {
        Person::from_toml_str(text, "p.toml", Path::new("."))
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn good_file() {
        let p = Person::from_toml_str(GOOD, "p.toml", Path::new(".")).unwrap();
        assert_eq!(p.text.name, "张伟");
        assert_eq!(p.photo.len(), WLT_LEN);
        assert_eq!(p.photo, derived_photo("652301197508210015"));
    }

    #[test]
    fn each_bad_field_is_named_with_the_file() {
        let cases = [
            (
                "id_number = \"652301197508210015\"",
                "id_number = \"652301197508210016\"",
                "id_number",
            ),
            ("ethnicity = 1", "ethnicity = 60", "ethnicity"),
            (
                "birth_date = \"1975-08-21\"",
                "birth_date = \"1975-08-22\"",
                "birth_date",
            ),
            ("sex = \"male\"", "sex = \"female\"", "sex"),
            (
                "valid_to = \"2035-09-10\"",
                "valid_to = \"永久\"",
                "valid_to",
            ),
            (
                "valid_to = \"2035-09-10\"",
                "valid_to = \"2010-01-01\"",
                "valid_to",
            ),
            (
                "authority = \"昌吉市公安局\"",
                "authority = \"新疆维吾尔自治区昌吉回族自治州昌吉市公安局\"",
                "authority",
            ),
            ("name = \"张伟\"", "name = \"\"", "name"),
            ("name = \"张伟\"", "name = \"张😀\"", "name"),
        ];
        for (from, to, field) in cases {
            let e = error_for(&GOOD.replace(from, to));
            assert!(
                e.starts_with("p.toml") && e.contains(&format!("`{field}`")),
                "{field}: {e}"
            );
        }
        let e = error_for(&format!("{GOOD}photo = \"missing.wlt\"\n"));
        assert!(e.contains("`photo`") && e.contains("missing.wlt"), "{e}");
        let e = error_for(&format!("{GOOD}colour = \"blue\"\n"));
        assert!(e.starts_with("p.toml:11") && e.contains("colour"), "{e}");
    }

    #[test]
    fn photo_file_is_used_and_its_length_checked() {
        let dir = std::env::temp_dir().join(format!("hw-sim-person-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("ok.wlt"), [0x5A; WLT_LEN]).unwrap();
        std::fs::write(dir.join("short.wlt"), [0x5A; 10]).unwrap();
        let p =
            Person::from_toml_str(&format!("{GOOD}photo = \"ok.wlt\"\n"), "p.toml", &dir).unwrap();
        assert_eq!(p.photo, vec![0x5A; WLT_LEN]);
        let e = Person::from_toml_str(&format!("{GOOD}photo = \"short.wlt\"\n"), "p.toml", &dir)
            .unwrap_err()
            .to_string();
        assert!(e.contains("10 bytes"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn long_names_are_cut_as_the_module_does() {
        let full = "阿卜杜热依木·买买提明·吐尔逊托合提";
        let p =
            Person::from_toml_str(&GOOD.replace("张伟", full), "p.toml", Path::new(".")).unwrap();
        assert_eq!(p.full_name, full);
        assert_eq!(p.text.name, "阿卜杜热依木·买买提明·吐尔逊");
        assert!(p.text.name_matches(full));
    }
}
