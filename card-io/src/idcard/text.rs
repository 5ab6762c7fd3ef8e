//! The 256-byte text of a resident ID card (CARD-PROFILE.md section 7): UCS-2 little-endian,
//! fixed-width fields padded with spaces.
//!
//! | field | bytes | characters |
//! |---|---|---|
//! | name | 30 | 15 |
//! | sex (GB/T 2261.1 code) | 2 | 1 |
//! | ethnicity (GB 3304 code) | 4 | 2 |
//! | birth date `YYYYMMDD` | 16 | 8 |
//! | address | 70 | 35 |
//! | ID number (GB 11643) | 36 | 18 |
//! | issuing authority | 30 | 15 |
//! | valid from `YYYYMMDD` | 16 | 8 |
//! | valid to `YYYYMMDD` or `长期` | 16 | 8 |
//! | reserved | 36 | 18 |
//!
//! The name field holds 15 characters. A longer name (long Uyghur names such as
//! `阿卜杜热依木·买买提明·吐尔逊托合提`, 18 characters) comes out of the module cut to its first
//! 15 characters; [`IdText::name_matches`] compares such a name with the full one.

use std::fmt;

use crate::citizen::{check_id_number, Sex};
use crate::date::Date;

/// Bytes of the text block.
pub const TEXT_LEN: usize = 256;
/// Characters of the name field.
pub const NAME_CHARS: usize = 15;
/// What the card says instead of an end date for a card valid for life.
pub const LONG_TERM: &str = "长期";

/// One field of the layout: its name in errors, and its width in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    pub name: &'static str,
    pub offset: usize,
    pub bytes: usize,
}

impl Field {
    const fn new(name: &'static str, offset: usize, bytes: usize) -> Field {
        Field {
            name,
            offset,
            bytes,
        }
    }

    /// Width in UCS-2 characters.
    pub const fn chars(self) -> usize {
        self.bytes / 2
    }

    fn range(self) -> std::ops::Range<usize> {
        self.offset..self.offset + self.bytes
    }
}

pub const NAME: Field = Field::new("name", 0, 30);
pub(crate) const SEX: Field = Field::new("sex", 30, 2);
pub(crate) const ETHNICITY: Field = Field::new("ethnicity", 32, 4);
pub const BIRTH_DATE: Field = Field::new("birth date", 36, 16);
pub const ADDRESS: Field = Field::new("address", 52, 70);
pub const ID_NUMBER: Field = Field::new("ID number", 122, 36);
pub const AUTHORITY: Field = Field::new("issuing authority", 158, 30);
pub(crate) const VALID_FROM: Field = Field::new("valid from", 188, 16);
pub(crate) const VALID_TO: Field = Field::new("valid to", 204, 16);
pub(crate) const RESERVED: Field = Field::new("reserved", 220, 36);

/// A text block that is not a readable ID card: the field, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("ID card text is {len} bytes, expected {TEXT_LEN}")]
    Length { len: usize },
    #[error("ID card field `{field}`: {problem}")]
    Field {
        field: &'static str,
        problem: String,
    },
    #[error("ID card field `{field}`: {value:?} does not fit in {chars} characters")]
    TooLong {
        field: &'static str,
        value: String,
        chars: usize,
    },
}

fn bad(field: Field, problem: impl Into<String>) -> TextError {
    TextError::Field {
        field: field.name,
        problem: problem.into(),
    }
}

/// GB 3304 nationality codes and names (01–56, 97 other, 98 foreign-born Chinese citizen).
const ETHNICITIES: [(u8, &str); 58] = [
    (1, "汉族"),
    (2, "蒙古族"),
    (3, "回族"),
    (4, "藏族"),
    (5, "维吾尔族"),
    (6, "苗族"),
    (7, "彝族"),
    (8, "壮族"),
    (9, "布依族"),
    (10, "朝鲜族"),
    (11, "满族"),
    (12, "侗族"),
    (13, "瑶族"),
    (14, "白族"),
    (15, "土家族"),
    (16, "哈尼族"),
    (17, "哈萨克族"),
    (18, "傣族"),
    (19, "黎族"),
    (20, "傈僳族"),
    (21, "佤族"),
    (22, "畲族"),
    (23, "高山族"),
    (24, "拉祜族"),
    (25, "水族"),
    (26, "东乡族"),
    (27, "纳西族"),
    (28, "景颇族"),
    (29, "柯尔克孜族"),
    (30, "土族"),
    (31, "达斡尔族"),
    (32, "仫佬族"),
    (33, "羌族"),
    (34, "布朗族"),
    (35, "撒拉族"),
    (36, "毛南族"),
    (37, "仡佬族"),
    (38, "锡伯族"),
    (39, "阿昌族"),
    (40, "普米族"),
    (41, "塔吉克族"),
    (42, "怒族"),
    (43, "乌孜别克族"),
    (44, "俄罗斯族"),
    (45, "鄂温克族"),
    (46, "德昂族"),
    (47, "保安族"),
    (48, "裕固族"),
    (49, "京族"),
    (50, "塔塔尔族"),
    (51, "独龙族"),
    (52, "鄂伦春族"),
    (53, "赫哲族"),
    (54, "门巴族"),
    (55, "珞巴族"),
    (56, "基诺族"),
    (97, "其他"),
    (98, "外国血统中国籍人士"),
];

/// The GB 3304 name of an ethnicity code, `None` for a code the standard does not have.
pub fn ethnicity_name(code: u8) -> Option<&'static str> {
    ETHNICITIES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, name)| *name)
}

/// Every GB 3304 code with its name.
pub fn ethnicities() -> impl Iterator<Item = (u8, &'static str)> {
    ETHNICITIES.iter().copied()
}

/// The end of a card's validity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Validity {
    Until(Date),
    /// 长期: valid for life.
    LongTerm,
}

impl fmt::Display for Validity {
    /// `YYYY-MM-DD` or `长期`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Validity::Until(d) => d.fmt(f),
            Validity::LongTerm => f.write_str(LONG_TERM),
        }
    }
}

/// The text of a resident ID card, typed.
#[derive(Clone, PartialEq, Eq)]
pub struct IdText {
    /// At most 15 characters (see the module documentation).
    pub name: String,
    pub sex: Sex,
    /// A GB 3304 code (1–56, 97, 98).
    pub ethnicity_code: u8,
    pub birth_date: Date,
    pub address: String,
    /// 18 characters with a valid GB 11643 check digit (`X` in upper case).
    pub id_number: String,
    pub authority: String,
    pub valid_from: Date,
    pub valid_to: Validity,
}

impl fmt::Debug for IdText {
    /// Personal data masked: this ends up in logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keep = |s: &str, head: usize, tail: usize| {
            let chars: Vec<char> = s.chars().collect();
            if chars.len() <= head + tail {
                return "*".repeat(chars.len());
            }
            let mut out: String = chars[..head].iter().collect();
            out.push_str(&"*".repeat(chars.len() - head - tail));
            out.extend(&chars[chars.len() - tail..]);
            out
        };
        f.debug_struct("IdText")
            .field("name", &keep(&self.name, 1, 0))
            .field("sex", &self.sex)
            .field("ethnicity_code", &self.ethnicity_code)
            .field("id_number", &keep(&self.id_number, 6, 4))
            .field("valid_to", &self.valid_to)
            .finish_non_exhaustive()
    }
}

impl IdText {
    /// The GB 3304 name of the ethnicity.
    pub fn ethnicity(&self) -> &'static str {
        ethnicity_name(self.ethnicity_code).unwrap_or("")
    }

    /// Whether `full_name` (from another source, e.g. the social security card) is this
    /// card's name: equal, or — when the ID card's name fills its 15 characters — starting
    /// with it, because the module cuts longer names there.
    pub fn name_matches(&self, full_name: &str) -> bool {
        self.name == full_name
            || (self.name.chars().count() == NAME_CHARS && full_name.starts_with(&self.name))
    }

    /// Parses and checks the 256-byte text block.
    pub fn decode(bytes: &[u8]) -> Result<IdText, TextError> {
        if bytes.len() != TEXT_LEN {
            return Err(TextError::Length { len: bytes.len() });
        }
        let name = read_field(bytes, NAME)?;
        if name.is_empty() {
            return Err(bad(NAME, "empty"));
        }
        let sex_text = read_field(bytes, SEX)?;
        let sex = sex_text
            .chars()
            .next()
            .and_then(Sex::from_code)
            .ok_or_else(|| bad(SEX, format!("{sex_text:?} is not a GB/T 2261.1 code")))?;
        let eth_text = read_field(bytes, ETHNICITY)?;
        let ethnicity_code = parse_ethnicity(&eth_text)
            .ok_or_else(|| bad(ETHNICITY, format!("{eth_text:?} is not a GB 3304 code")))?;
        let birth_date = read_date(bytes, BIRTH_DATE)?;
        let address = read_field(bytes, ADDRESS)?;
        let id_number = read_field(bytes, ID_NUMBER)?.to_ascii_uppercase();
        check_id_number(&id_number).map_err(|p| bad(ID_NUMBER, p))?;
        let authority = read_field(bytes, AUTHORITY)?;
        let valid_from = read_date(bytes, VALID_FROM)?;
        let valid_to_text = read_field(bytes, VALID_TO)?;
        let valid_to = if valid_to_text == LONG_TERM {
            Validity::LongTerm
        } else {
            let to = Date::from_digits(&valid_to_text).ok_or_else(|| {
                bad(
                    VALID_TO,
                    format!("{valid_to_text:?} is neither a date YYYYMMDD nor {LONG_TERM}"),
                )
            })?;
            if to < valid_from {
                return Err(bad(
                    VALID_TO,
                    format!("{to} is before the start of validity {valid_from}"),
                ));
            }
            Validity::Until(to)
        };
        Ok(IdText {
            name,
            sex,
            ethnicity_code,
            birth_date,
            address,
            id_number,
            authority,
            valid_from,
            valid_to,
        })
    }

    /// The 256-byte text block, as a module sends it. Every field must fit its width (cut a
    /// long name with [`fit_name`] first) and pass the checks [`decode`](IdText::decode) makes.
    pub fn encode(&self) -> Result<[u8; TEXT_LEN], TextError> {
        check_id_number(&self.id_number).map_err(|p| bad(ID_NUMBER, p))?;
        if ethnicity_name(self.ethnicity_code).is_none() {
            return Err(bad(
                ETHNICITY,
                format!("{} is not a GB 3304 code", self.ethnicity_code),
            ));
        }
        let digits = |d: Date| format!("{:04}{:02}{:02}", d.year, d.month, d.day);
        let mut out = [0u8; TEXT_LEN];
        write_field(&mut out, NAME, &self.name)?;
        write_field(&mut out, SEX, &self.sex.code().to_string())?;
        write_field(&mut out, ETHNICITY, &format!("{:02}", self.ethnicity_code))?;
        write_field(&mut out, BIRTH_DATE, &digits(self.birth_date))?;
        write_field(&mut out, ADDRESS, &self.address)?;
        write_field(&mut out, ID_NUMBER, &self.id_number)?;
        write_field(&mut out, AUTHORITY, &self.authority)?;
        write_field(&mut out, VALID_FROM, &digits(self.valid_from))?;
        let to = match self.valid_to {
            Validity::Until(d) => digits(d),
            Validity::LongTerm => LONG_TERM.to_string(),
        };
        write_field(&mut out, VALID_TO, &to)?;
        write_field(&mut out, RESERVED, "")?;
        Ok(out)
    }
}

/// A name as the module's 15-character name field holds it: the first 15 characters.
pub fn fit_name(name: &str) -> String {
    name.chars().take(NAME_CHARS).collect()
}

fn parse_ethnicity(s: &str) -> Option<u8> {
    if s.len() != 2 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let code: u8 = s.parse().ok()?;
    ethnicity_name(code).map(|_| code)
}

/// The field's characters with the padding (trailing spaces; some modules pad with NULs)
/// removed.
fn read_field(bytes: &[u8], field: Field) -> Result<String, TextError> {
    let units = bytes[field.range()]
        .chunks_exact(2)
        .map(|p| u16::from_le_bytes([p[0], p[1]]));
    let mut s = String::with_capacity(field.chars());
    for (i, unit) in units.enumerate() {
        let c = char::from_u32(u32::from(unit)).ok_or_else(|| {
            bad(
                field,
                format!("character {} is {unit:04X}, not a UCS-2 character", i + 1),
            )
        })?;
        s.push(c);
    }
    Ok(s.trim_end_matches([' ', '\0']).to_string())
}

fn read_date(bytes: &[u8], field: Field) -> Result<Date, TextError> {
    let s = read_field(bytes, field)?;
    Date::from_digits(&s).ok_or_else(|| bad(field, format!("{s:?} is not a date YYYYMMDD")))
}

fn write_field(out: &mut [u8], field: Field, value: &str) -> Result<(), TextError> {
    let units: Vec<u16> = value.encode_utf16().collect();
    if units.len() > field.chars() || value.chars().any(|c| c.len_utf16() != 1) {
        return Err(TextError::TooLong {
            field: field.name,
            value: value.to_string(),
            chars: field.chars(),
        });
    }
    let padded = units
        .into_iter()
        .chain(std::iter::repeat(u16::from(b' ')))
        .take(field.chars());
    for (slot, unit) in out[field.range()].chunks_exact_mut(2).zip(padded) {
        slot.copy_from_slice(&unit.to_le_bytes());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> IdText {
        IdText {
            name: "张伟".into(),
            sex: Sex::Male,
            ethnicity_code: 1,
            birth_date: Date::new(1975, 8, 21).unwrap(),
            address: "新疆乌鲁木齐市天山区解放北路1号".into(),
            id_number: "652301197508210015".into(),
            authority: "乌鲁木齐市公安局天山区分局".into(),
            valid_from: Date::new(2015, 9, 10).unwrap(),
            valid_to: Validity::Until(Date::new(2035, 9, 10).unwrap()),
        }
    }

    #[test]
    fn layout_covers_256_bytes() {
        let fields = [
            NAME, SEX, ETHNICITY, BIRTH_DATE, ADDRESS, ID_NUMBER, AUTHORITY, VALID_FROM, VALID_TO,
            RESERVED,
        ];
        let mut at = 0;
        for f in fields {
            assert_eq!(f.offset, at, "{}", f.name);
            at += f.bytes;
        }
        assert_eq!(at, TEXT_LEN);
    }

    #[test]
    fn round_trip_and_padding() {
        let t = sample();
        let bytes = t.encode().unwrap();
        assert_eq!(&bytes[0..4], &[0x20, 0x5F, 0x1F, 0x4F]); // 张伟 in UCS-2 LE
        assert_eq!(&bytes[4..6], &[0x20, 0x00]);
        assert_eq!(IdText::decode(&bytes).unwrap(), t);
        let long = IdText {
            valid_to: Validity::LongTerm,
            ..t
        };
        let bytes = long.encode().unwrap();
        assert_eq!(&bytes[204..208], &[0x7F, 0x95, 0x1F, 0x67]); // 长期
        assert_eq!(IdText::decode(&bytes).unwrap().valid_to, Validity::LongTerm);
    }

    #[test]
    fn bad_check_digit_is_a_bad_read_naming_the_field() {
        let mut bytes = sample().encode().unwrap();
        // last character of the ID number: '5' → '6'
        let at = ID_NUMBER.offset + 17 * 2;
        bytes[at] = b'6';
        let e = IdText::decode(&bytes).unwrap_err();
        assert!(e.to_string().contains("`ID number`"), "{e}");
    }

    #[test]
    fn lower_case_x_is_accepted() {
        let t = IdText {
            id_number: "65230119800506003X".into(),
            birth_date: Date::new(1980, 5, 6).unwrap(),
            ..sample()
        };
        let mut bytes = t.encode().unwrap();
        bytes[ID_NUMBER.offset + 34] = b'x';
        assert_eq!(IdText::decode(&bytes).unwrap().id_number, t.id_number);
    }

    #[test]
    fn each_bad_field_is_named() {
        let good = sample().encode().unwrap();
        let cases: [(Field, &str); 6] = [
            (SEX, "7"),
            (ETHNICITY, "57"),
            (BIRTH_DATE, "19750231"),
            (VALID_FROM, "2015"),
            (VALID_TO, "永久"),
            (NAME, ""),
        ];
        for (field, value) in cases {
            let mut bytes = good;
            write_field(&mut bytes, field, value).unwrap();
            let e = IdText::decode(&bytes).unwrap_err();
            assert!(e.to_string().contains(field.name), "{}: {e}", field.name);
        }
        let mut bytes = good;
        bytes[ADDRESS.offset..ADDRESS.offset + 2].copy_from_slice(&0xD800u16.to_le_bytes());
        assert!(IdText::decode(&bytes)
            .unwrap_err()
            .to_string()
            .contains("address"));
        let mut bytes = good;
        write_field(&mut bytes, VALID_TO, "20100101").unwrap();
        assert!(IdText::decode(&bytes)
            .unwrap_err()
            .to_string()
            .contains("before"));
    }

    #[test]
    fn long_names_are_cut_to_15_characters() {
        let full = "阿卜杜热依木·买买提明·吐尔逊托合提";
        assert_eq!(full.chars().count(), 18);
        let t = IdText {
            name: full.into(),
            ..sample()
        };
        assert!(matches!(t.encode(), Err(TextError::TooLong { .. })));
        let cut = IdText {
            name: fit_name(full),
            ..sample()
        };
        assert_eq!(cut.name, "阿卜杜热依木·买买提明·吐尔逊");
        let back = IdText::decode(&cut.encode().unwrap()).unwrap();
        assert!(back.name_matches(full));
        assert!(!back.name_matches("阿卜杜热依木·买买提明·吐"));
        assert!(!back.name_matches("阿卜杜热依木·买买提明·吐尔"));
        let short = sample();
        assert!(short.name_matches("张伟"));
        assert!(!short.name_matches("张伟强"));
    }

    #[test]
    fn gb3304_table() {
        assert_eq!(ethnicities().count(), 58);
        assert_eq!(ethnicity_name(1), Some("汉族"));
        assert_eq!(ethnicity_name(5), Some("维吾尔族"));
        assert_eq!(ethnicity_name(56), Some("基诺族"));
        assert_eq!(ethnicity_name(98), Some("外国血统中国籍人士"));
        assert_eq!(ethnicity_name(57), None);
        assert_eq!(ethnicity_name(0), None);
    }

    #[test]
    fn debug_masks_personal_data() {
        let d = format!("{:?}", sample());
        assert!(
            !d.contains("张伟") && !d.contains("652301197508210015"),
            "{d}"
        );
        assert!(d.contains("652301********0015"), "{d}");
    }
}
