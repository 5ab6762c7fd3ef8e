//! Card files: the personalisation of one simulated card as TOML, validated into the bytes
//! the card OS serves.
//!
//! ```toml
//! [card]
//! chip_serial = "8600112233445566"
//! [settings]            # optional; see `Settings`
//! transport = "t1"
//! t0_warnings = "after-data"  # T=0 only: after-data | held | held-6c
//! blocked_sw = "6283"   # 6283 | 6a81 (on T=0, 6a81 comes without the FCI)
//! [state]               # optional
//! lifecycle = "active"  # active | temporarily_blocked | permanently_blocked | card_blocked
//! pin = "123456"
//! pin_tries_left = 3    # default: the retry limit
//! unblocks_left = 10
//! [ef05]
//! card_id_code = "65230000000000000000000000000001"  # 32 hex, first 3 bytes BCD region
//! card_type = "1"
//! issuing_org = "652300000000000000000001"           # 24 hex
//! issue_date = "2021-03-15"
//! expiry_date = "2031-03-15"
//! card_number = "A12345678"
//! [ef06]
//! ssn = "652301198005061234"
//! name = "张伟"
//! # name_extension = true   # tag 4E record; default: always on 3.00, when needed on 2.00
//! sex = "male"
//! ethnicity = 1
//! birth_place = "652301"
//! birth_date = "1980-05-06"
//! [ef0d]                # 3.00 only, and required there
//! person_id = "652300000001"
//! first_apply_region = "652300"
//! ```

use std::path::Path;

use card_io::citizen::{check_id_number, Sex};
use card_io::date::Date;
use serde::{Deserialize, Serialize};

use crate::card_os::files::{CardFiles, Record};
use crate::card_os::Lifecycle;
use crate::error::SimError;
use crate::settings::{Settings, SpecVersion};

/// Bytes of tag 09 (name).
pub(crate) const NAME_LEN: usize = 30;
/// Bytes of tag 4E (name extension).
pub(crate) const NAME_EXT_LEN: usize = 20;
/// PIN unblocks a card allows in its life.
pub(crate) const UNBLOCKS_IN_LIFE: u8 = 10;

/// A card file as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardFile {
    pub card: CardSection,
    #[serde(default)]
    pub settings: Settings,
    #[serde(default)]
    pub state: StateSection,
    pub ef05: Ef05Section,
    pub ef06: Ef06Section,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ef0d: Option<Ef0dSection>,
    /// Where the file came from, for error messages.
    #[serde(skip)]
    pub origin: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardSection {
    /// 16 hex digits: the 8-byte chip serial (ATR historical bytes, diversification factor 1).
    pub chip_serial: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StateSection {
    pub lifecycle: Lifecycle,
    /// 6 digits.
    pub pin: String,
    /// Default: the retry limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pin_tries_left: Option<u8>,
    pub unblocks_left: u8,
}

impl Default for StateSection {
    fn default() -> Self {
        StateSection {
            lifecycle: Lifecycle::Active,
            pin: "123456".into(),
            pin_tries_left: None,
            unblocks_left: UNBLOCKS_IN_LIFE,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ef05Section {
    /// 32 hex digits; the first 3 bytes are the BCD region code.
    pub card_id_code: String,
    /// One ASCII digit.
    pub card_type: String,
    /// 24 hex digits.
    pub issuing_org: String,
    pub issue_date: Date,
    pub expiry_date: Date,
    /// 9 ASCII letters or digits.
    pub card_number: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ef06Section {
    /// 18 characters, GB 11643 (17 digits and a check digit 0-9 or X).
    pub ssn: String,
    /// The full name in UTF-8; stored in GBK, split over tags 09 and 4E.
    pub name: String,
    /// Whether the card has the tag 4E record. Default: always on 3.00 cards; on 2.00 cards
    /// only when the name needs it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_extension: Option<bool>,
    pub sex: Sex,
    /// GB/T 3304 code, 1–56.
    pub ethnicity: u8,
    /// Administrative code, up to 6 digits.
    pub birth_place: String,
    pub birth_date: Date,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ef0dSection {
    /// 12 ASCII letters or digits.
    pub person_id: String,
    /// 6 digits.
    pub first_apply_region: String,
}

/// A validated card: everything the card OS needs, in card encoding.
#[derive(Debug, Clone)]
pub struct CardImage {
    pub chip_serial: [u8; 8],
    /// The 6-digit region code of EF05 tag 01 (diversification factor 2 is its ASCII ‖ "sx").
    pub region_code: String,
    pub files: CardFiles,
    pub settings: Settings,
    pub lifecycle: Lifecycle,
    pub pin: [u8; 3],
    pub pin_tries_left: u8,
    pub unblocks_left: u8,
}

impl CardFile {
    /// Reads and validates a card file.
    pub fn load(path: impl AsRef<Path>) -> Result<CardFile, SimError> {
        let path = path.as_ref();
        let text = SimError::read_file(path)?;
        CardFile::from_toml_str(&text, &path.display().to_string())
    }

    /// Parses and validates card-file text; `origin` names it in errors.
    pub fn from_toml_str(text: &str, origin: &str) -> Result<CardFile, SimError> {
        let mut file: CardFile =
            toml::from_str(text).map_err(|source| SimError::toml(source, text, origin))?;
        file.origin = origin.to_string();
        file.image()?;
        Ok(file)
    }

    /// The region code (first 3 bytes of the card identification code), when valid.
    pub fn region_code(&self) -> Option<String> {
        let id = hex::decode(&self.ef05.card_id_code).ok()?;
        let code = card_io::bcd::decode(id.get(..3)?)?;
        (code.len() == 6).then_some(code)
    }

    /// The chip serial bytes, when valid.
    pub fn chip_serial(&self) -> Option<[u8; 8]> {
        hex::decode(&self.card.chip_serial).ok()?.try_into().ok()
    }

    /// The ATR the card shows: `3B 68 00 00` ‖ chip serial.
    pub fn atr(&self) -> Option<Vec<u8>> {
        let mut atr = vec![0x3B, 0x68, 0x00, 0x00];
        atr.extend_from_slice(&self.chip_serial()?);
        Some(atr)
    }

    fn invalid(&self, field: &str, problem: impl Into<String>) -> SimError {
        SimError::Invalid {
            origin: if self.origin.is_empty() {
                "card file".into()
            } else {
                self.origin.clone()
            },
            field: field.into(),
            problem: problem.into(),
        }
    }

    /// Validates every field and builds the card's files.
    pub fn image(&self) -> Result<CardImage, SimError> {
        let bad = |field: &str, problem: String| self.invalid(field, problem);
        self.settings
            .validate()
            .map_err(|e| bad("settings.pin_retry_limit", e.to_string()))?;
        let v3 = self.settings.spec_version == SpecVersion::V3;

        let chip_serial = self.chip_serial().ok_or_else(|| {
            bad(
                "card.chip_serial",
                format!("{:?} is not 16 hex digits", self.card.chip_serial),
            )
        })?;

        // EF05
        let e5 = &self.ef05;
        let id_code = hex_exact(&e5.card_id_code, 16).map_err(|p| bad("ef05.card_id_code", p))?;
        let region_code = self.region_code().ok_or_else(|| {
            bad(
                "ef05.card_id_code",
                format!(
                    "first 3 bytes {} are not a 6-digit BCD region code",
                    &e5.card_id_code[..6.min(e5.card_id_code.len())]
                ),
            )
        })?;
        if e5.card_type.len() != 1 || !e5.card_type.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad(
                "ef05.card_type",
                format!("{:?} is not one ASCII digit", e5.card_type),
            ));
        }
        let org = hex_exact(&e5.issuing_org, 12).map_err(|p| bad("ef05.issuing_org", p))?;
        if e5.expiry_date < e5.issue_date {
            return Err(bad(
                "ef05.expiry_date",
                format!(
                    "{} is before the issue date {}",
                    e5.expiry_date, e5.issue_date
                ),
            ));
        }
        ascii_alnum(&e5.card_number, 9).map_err(|p| bad("ef05.card_number", p))?;
        let ef05 = vec![
            Record::new(0x01, id_code),
            Record::new(0x02, e5.card_type.as_bytes().to_vec()),
            Record::new(
                0x03,
                self.settings.spec_version.as_str().as_bytes().to_vec(),
            ),
            Record::new(0x04, org),
            Record::new(0x05, e5.issue_date.to_bcd().to_vec()),
            Record::new(0x06, e5.expiry_date.to_bcd().to_vec()),
            Record::new(0x07, e5.card_number.as_bytes().to_vec()),
        ];

        // EF06
        let e6 = &self.ef06;
        check_id_number(&e6.ssn).map_err(|p| bad("ef06.ssn", p))?;
        let (name, ext) = split_name_gbk(&e6.name).map_err(|p| bad("ef06.name", p))?;
        let with_ext = match (e6.name_extension, v3) {
            (Some(false), true) => {
                return Err(bad(
                    "ef06.name_extension",
                    "a 3.00 card always has the tag 4E record".into(),
                ))
            }
            (Some(x), _) => x,
            (None, true) => true,
            (None, false) => !ext.is_empty(),
        };
        if !with_ext && !ext.is_empty() {
            return Err(bad(
                "ef06.name",
                format!(
                    "{:?} takes {} GBK bytes; without the tag 4E record it must fit in {NAME_LEN}",
                    e6.name,
                    name.len() + ext.len()
                ),
            ));
        }
        if !(1..=56).contains(&e6.ethnicity) {
            return Err(bad(
                "ef06.ethnicity",
                format!("{} is not a GB/T 3304 code (1-56)", e6.ethnicity),
            ));
        }
        let birth_place = bcd_padded(&e6.birth_place, 3).map_err(|p| bad("ef06.birth_place", p))?;
        if e6.birth_date > e5.issue_date {
            return Err(bad(
                "ef06.birth_date",
                format!("{} is after the issue date", e6.birth_date),
            ));
        }
        let mut ef06 = vec![
            Record::new(0x08, e6.ssn.as_bytes().to_vec()),
            Record::new(0x09, pad(&name, NAME_LEN, 0x00)),
        ];
        if with_ext {
            ef06.push(Record::new(0x4E, pad(&ext, NAME_EXT_LEN, 0xFF)));
        }
        ef06.extend([
            Record::new(0x0A, vec![e6.sex.code() as u8]),
            Record::new(0x0B, vec![e6.ethnicity]),
            Record::new(0x0C, birth_place),
            Record::new(0x0D, e6.birth_date.to_bcd().to_vec()),
        ]);

        // EF0D
        let ef0d = match (&self.ef0d, v3) {
            (Some(_), false) => {
                return Err(bad(
                    "ef0d",
                    "a 2.00 card has no EF0D; remove the section".into(),
                ))
            }
            (None, true) => return Err(bad("ef0d", "a 3.00 card needs an [ef0d] section".into())),
            (None, false) => None,
            (Some(d), true) => {
                ascii_alnum(&d.person_id, 12).map_err(|p| bad("ef0d.person_id", p))?;
                if d.first_apply_region.len() != 6 {
                    return Err(bad(
                        "ef0d.first_apply_region",
                        format!("{:?} is not 6 digits", d.first_apply_region),
                    ));
                }
                let region = bcd_padded(&d.first_apply_region, 3)
                    .map_err(|p| bad("ef0d.first_apply_region", p))?;
                Some(vec![
                    Record::new(0xEA, d.person_id.as_bytes().to_vec()),
                    Record::new(0xEB, region),
                ])
            }
        };

        // State
        let st = &self.state;
        let pin = pin_bcd(&st.pin).ok_or_else(|| bad("state.pin", "must be 6 digits".into()))?;
        let limit = self.settings.pin_retry_limit;
        let pin_tries_left = st.pin_tries_left.unwrap_or(limit);
        if pin_tries_left > limit {
            return Err(bad(
                "state.pin_tries_left",
                format!("{pin_tries_left} is more than the retry limit {limit}"),
            ));
        }
        if st.unblocks_left > UNBLOCKS_IN_LIFE {
            return Err(bad(
                "state.unblocks_left",
                format!(
                    "{} is more than the {UNBLOCKS_IN_LIFE} unblocks a card allows",
                    st.unblocks_left
                ),
            ));
        }

        Ok(CardImage {
            chip_serial,
            region_code,
            files: CardFiles { ef05, ef06, ef0d },
            settings: self.settings.clone(),
            lifecycle: st.lifecycle,
            pin,
            pin_tries_left,
            unblocks_left: st.unblocks_left,
        })
    }
}

/// A 6-digit PIN as 3 BCD bytes.
pub(crate) fn pin_bcd(pin: &str) -> Option<[u8; 3]> {
    if pin.len() != 6 {
        return None;
    }
    card_io::bcd::encode(pin)?.try_into().ok()
}

/// Encodes `name` in GBK and splits it at a character boundary: at most 30 bytes for tag 09,
/// the rest (at most 20 bytes) for tag 4E. Both parts come back unpadded.
pub(crate) fn split_name_gbk(name: &str) -> Result<(Vec<u8>, Vec<u8>), String> {
    if name.trim().is_empty() {
        return Err("the name is empty".into());
    }
    let mut first = Vec::new();
    let mut rest = Vec::new();
    let mut buf = [0u8; 4];
    for ch in name.chars() {
        let (bytes, _, had_errors) = encoding_rs::GBK.encode(ch.encode_utf8(&mut buf));
        if had_errors {
            return Err(format!("{ch:?} (U+{:04X}) has no GBK encoding", ch as u32));
        }
        if bytes.contains(&0x00) || bytes.contains(&0xFF) {
            return Err(format!("{ch:?} would encode as a padding byte"));
        }
        if rest.is_empty() && first.len() + bytes.len() <= NAME_LEN {
            first.extend_from_slice(&bytes);
        } else {
            rest.extend_from_slice(&bytes);
        }
    }
    if rest.len() > NAME_EXT_LEN {
        return Err(format!(
            "{name:?} takes {} GBK bytes, more than the {} of tags 09 and 4E",
            first.len() + rest.len(),
            NAME_LEN + NAME_EXT_LEN
        ));
    }
    Ok((first, rest))
}

fn hex_exact(s: &str, len: usize) -> Result<Vec<u8>, String> {
    match hex::decode(s) {
        Ok(v) if v.len() == len => Ok(v),
        _ => Err(format!("{s:?} is not {} hex digits", len * 2)),
    }
}

fn ascii_alnum(s: &str, len: usize) -> Result<(), String> {
    if s.len() == len && s.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(())
    } else {
        Err(format!("{s:?} is not {len} ASCII letters or digits"))
    }
}

fn bcd_padded(digits: &str, len: usize) -> Result<Vec<u8>, String> {
    let too_long = || format!("{digits:?} is not 1 to {} digits", len * 2);
    if digits.is_empty() || digits.len() > len * 2 {
        return Err(too_long());
    }
    let mut v = card_io::bcd::encode(digits).ok_or_else(too_long)?;
    v.resize(len, 0xFF);
    Ok(v)
}

fn pad(bytes: &[u8], len: usize, fill: u8) -> Vec<u8> {
    let mut v = bytes.to_vec();
    v.resize(len, fill);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn cards_dir() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("cards")
    }

    #[test]
    fn every_shipped_card_file_loads() {
        let mut n = 0;
        for entry in std::fs::read_dir(cards_dir()).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml") {
                let f = CardFile::load(&path).unwrap_or_else(|e| panic!("{e}"));
                assert_eq!(
                    f.region_code().as_deref(),
                    Some("652300"),
                    "{}",
                    path.display()
                );
                n += 1;
            }
        }
        assert!(n >= 5);
    }

    #[test]
    fn uyghur_name_splits_at_a_character_boundary() {
        let name = "阿卜杜热依木·买买提明·吐尔逊托合提";
        let (a, b) = split_name_gbk(name).unwrap();
        assert!(a.len() <= 30 && !b.is_empty() && b.len() <= 20);
        assert_eq!(a.len() % 2, 0);
        let joined = [a.clone(), b].concat();
        let (decoded, _, bad) = encoding_rs::GBK.decode(&joined);
        assert!(!bad);
        assert_eq!(decoded, name);
        assert!(
            a.windows(2).any(|w| w == [0xA1, 0xA4]),
            "middle dot is GBK A1A4"
        );
        let long = "阿卜杜热依木·买买提明·吐尔逊托合提·阿卜杜拉赫曼江";
        assert!(split_name_gbk(long).unwrap_err().contains("more than"));
        assert!(split_name_gbk("").is_err());
        assert!(split_name_gbk("😀").unwrap_err().contains("no GBK"));
    }

    fn base() -> String {
        std::fs::read_to_string(cards_dir().join("v2-3des.toml")).unwrap()
    }

    fn error_for(text: &str) -> String {
        CardFile::from_toml_str(text, "test.toml")
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn errors_name_the_file_and_the_field() {
        let long = "name = \"阿卜杜热依木·买买提明·吐尔逊托合提\"\nname_extension = false";
        let e = error_for(&base().replace("name = \"张伟\"", long));
        assert!(e.starts_with("test.toml: field `ef06.name`"), "{e}");
        let e = error_for(&base().replace("\"652300", "\"6A2300"));
        assert!(
            e.contains("ef05.card_id_code") && e.contains("region"),
            "{e}"
        );
        let e = error_for(&base().replace("issue_date = \"2016-", "issue_date = \"2016-13-"));
        assert!(
            e.starts_with("test.toml") && e.contains("issue_date"),
            "{e}"
        );
        let e = error_for(&base().replace("[ef06]", "[ef06]\nnickname = \"x\""));
        assert!(
            e.starts_with("test.toml:18: unknown field `nickname`"),
            "{e}"
        );
        assert_eq!(e.lines().count(), 1, "{e}");
        let e = error_for(&format!(
            "{}\n[ef0d]\nperson_id = \"652300000001\"\nfirst_apply_region = \"652300\"\n",
            base()
        ));
        assert!(e.contains("`ef0d`"), "{e}");
        let e = error_for(&base().replace("ethnicity = 1", "ethnicity = 57"));
        assert!(e.contains("ef06.ethnicity"), "{e}");
        let e = error_for(&base().replace("[settings]", "[settings]\npin_retry_limit = 4"));
        assert!(e.contains("retry limit"), "{e}");
    }

    #[test]
    fn v2_card_gets_the_extension_record_only_when_needed() {
        let long = base().replace("张伟", "阿卜杜热依木·买买提明·吐尔逊托合提");
        let img = CardFile::from_toml_str(&long, "test.toml")
            .unwrap()
            .image()
            .unwrap();
        assert_eq!(img.files.ef06.len(), 7);
        assert_eq!(img.files.ef06[2].tag, 0x4E);
        assert_eq!(img.files.ef06[2].value[6..], [0xFF; 14]);
        let v3 = std::fs::read_to_string(cards_dir().join("v3-sm4.toml")).unwrap();
        let e =
            error_for(&v3.replace("name = \"马丽\"", "name = \"马丽\"\nname_extension = false"));
        assert!(e.contains("ef06.name_extension"), "{e}");
    }

    #[test]
    fn v2_card_without_extension_has_six_ef06_records() {
        let f = CardFile::load(cards_dir().join("v2-3des.toml")).unwrap();
        let img = f.image().unwrap();
        let tags: Vec<u8> = img.files.ef06.iter().map(|r| r.tag).collect();
        assert_eq!(tags, vec![0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D]);
        assert!(img.files.ef0d.is_none());
        assert_eq!(img.files.ef05[2].value, b"2.00");
    }
}
