//! The card's data records (CARD-PROFILE.md section 2) and their decoding: one TLV per
//! record, GBK names with the `4E` extension, BCD dates and administrative codes.

use encoding_rs::GBK;
use iso7816_tlv::simple::Tlv;
use serde::Serialize;

use crate::bcd;
use crate::citizen::Sex;
use crate::date::Date;

/// A record that did not decode. `item` names the field (e.g. "EF06 tag 09 name").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{item}: {detail}")]
pub struct RecordError {
    pub item: &'static str,
    pub detail: String,
}

fn bad(item: &'static str, detail: impl Into<String>) -> RecordError {
    RecordError {
        item,
        detail: detail.into(),
    }
}

/// One record item: where it lives and how long the profile says its value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item {
    pub sfi: u8,
    pub tag: u8,
    pub len: usize,
    pub name: &'static str,
}

impl Item {
    /// Le for READ RECORD: tag ‖ length ‖ value.
    pub(crate) fn record_len(self) -> usize {
        self.len + 2
    }
}

pub(crate) const SFI_EF05: u8 = 5;
pub(crate) const SFI_EF06: u8 = 6;
pub(crate) const SFI_EF0D: u8 = 13;

pub const CARD_ID_CODE: Item = Item {
    sfi: SFI_EF05,
    tag: 0x01,
    len: 16,
    name: "EF05 tag 01 card identification code",
};
pub(crate) const CARD_TYPE: Item = Item {
    sfi: SFI_EF05,
    tag: 0x02,
    len: 1,
    name: "EF05 tag 02 card type",
};
pub(crate) const SPEC_VERSION: Item = Item {
    sfi: SFI_EF05,
    tag: 0x03,
    len: 4,
    name: "EF05 tag 03 spec version",
};
pub(crate) const ISSUING_ORG: Item = Item {
    sfi: SFI_EF05,
    tag: 0x04,
    len: 12,
    name: "EF05 tag 04 initialising organisation",
};
pub(crate) const ISSUE_DATE: Item = Item {
    sfi: SFI_EF05,
    tag: 0x05,
    len: 4,
    name: "EF05 tag 05 issue date",
};
pub const EXPIRY_DATE: Item = Item {
    sfi: SFI_EF05,
    tag: 0x06,
    len: 4,
    name: "EF05 tag 06 expiry date",
};
pub const CARD_NUMBER: Item = Item {
    sfi: SFI_EF05,
    tag: 0x07,
    len: 9,
    name: "EF05 tag 07 card number",
};
pub const SSN: Item = Item {
    sfi: SFI_EF06,
    tag: 0x08,
    len: 18,
    name: "EF06 tag 08 social security number",
};
pub const NAME: Item = Item {
    sfi: SFI_EF06,
    tag: 0x09,
    len: 30,
    name: "EF06 tag 09 name",
};
pub(crate) const NAME_EXT: Item = Item {
    sfi: SFI_EF06,
    tag: 0x4E,
    len: 20,
    name: "EF06 tag 4E name extension",
};
pub(crate) const SEX: Item = Item {
    sfi: SFI_EF06,
    tag: 0x0A,
    len: 1,
    name: "EF06 tag 0A sex",
};
pub(crate) const ETHNICITY: Item = Item {
    sfi: SFI_EF06,
    tag: 0x0B,
    len: 1,
    name: "EF06 tag 0B ethnicity",
};
pub(crate) const BIRTH_PLACE: Item = Item {
    sfi: SFI_EF06,
    tag: 0x0C,
    len: 3,
    name: "EF06 tag 0C birthplace",
};
pub const BIRTH_DATE: Item = Item {
    sfi: SFI_EF06,
    tag: 0x0D,
    len: 4,
    name: "EF06 tag 0D birth date",
};
pub(crate) const PERSON_ID: Item = Item {
    sfi: SFI_EF0D,
    tag: 0xEA,
    len: 12,
    name: "EF0D tag EA person identification number",
};
pub(crate) const FIRST_APPLY_REGION: Item = Item {
    sfi: SFI_EF0D,
    tag: 0xEB,
    len: 3,
    name: "EF0D tag EB first application region",
};

/// Every item of the profile, file by file (EF05, EF06, EF0D), in the profile's order.
pub const ALL: [Item; 16] = [
    CARD_ID_CODE,
    CARD_TYPE,
    SPEC_VERSION,
    ISSUING_ORG,
    ISSUE_DATE,
    EXPIRY_DATE,
    CARD_NUMBER,
    SSN,
    NAME,
    NAME_EXT,
    SEX,
    ETHNICITY,
    BIRTH_PLACE,
    BIRTH_DATE,
    PERSON_ID,
    FIRST_APPLY_REGION,
];

/// Splits a record into its value after checking the tag.
pub fn record_value(item: Item, record: &[u8]) -> Result<Vec<u8>, RecordError> {
    let (tlv, rest) = Tlv::parse(record);
    let tlv = tlv.map_err(|e| bad(item.name, format!("record is not a TLV ({e:?})")))?;
    if !rest.is_empty() && rest.iter().any(|&b| b != 0x00 && b != 0xFF) {
        return Err(bad(
            item.name,
            format!("{} unexpected bytes after the TLV", rest.len()),
        ));
    }
    let tag: u8 = tlv.tag().into();
    if tag != item.tag {
        return Err(bad(item.name, format!("record holds tag {tag:02X}")));
    }
    Ok(tlv.value().to_vec())
}

fn ascii(item: Item, v: &[u8]) -> Result<String, RecordError> {
    let t: &[u8] = trim_end(v, &[0x00, 0x20, 0xFF]);
    if !t.iter().all(|b| b.is_ascii_graphic() || *b == b' ') {
        return Err(bad(item.name, "not printable ASCII"));
    }
    Ok(String::from_utf8_lossy(t).into_owned())
}

fn trim_end<'a>(v: &'a [u8], pad: &[u8]) -> &'a [u8] {
    let end = v
        .iter()
        .rposition(|b| !pad.contains(b))
        .map_or(0, |p| p + 1);
    &v[..end]
}

fn gbk(item: Item, v: &[u8]) -> Result<String, RecordError> {
    GBK.decode_without_bom_handling_and_without_replacement(v)
        .map(|s| s.into_owned())
        .ok_or_else(|| bad(item.name, "not valid GBK text"))
}

fn date(item: Item, v: &[u8]) -> Result<Date, RecordError> {
    Date::from_bcd(v).ok_or_else(|| {
        bad(
            item.name,
            format!("not a BCD date: {}", hex::encode_upper(v)),
        )
    })
}

fn bcd_code(item: Item, v: &[u8]) -> Result<String, RecordError> {
    bcd::decode(v).ok_or_else(|| bad(item.name, format!("not BCD: {}", hex::encode_upper(v))))
}

/// EF05: the card's identification data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CardIdentity {
    pub card_number: String,
    /// 16 bytes, hex.
    pub card_id_code: String,
    pub card_type: String,
    pub spec_version: String,
    /// 12 bytes, hex.
    pub issuing_org: String,
    pub issue_date: Date,
    pub expiry_date: Date,
    /// Six digits from the first 3 BCD bytes of the card identification code.
    pub region_code: String,
}

impl CardIdentity {
    pub fn is_v3(&self) -> bool {
        self.spec_version.starts_with('3')
    }
}

/// EF06: the holder's basic data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Holder {
    pub ssn: String,
    /// Tag 09 followed by tag 4E.
    pub name: String,
    pub sex: Sex,
    /// GB/T 3304 code 1–56.
    pub ethnicity: u8,
    pub birth_place: String,
    pub birth_date: Date,
}

/// EF0D (spec version 3.00).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ef0d {
    pub person_id: String,
    pub first_apply_region: String,
}

pub(crate) fn region_from_id_code(v: &[u8]) -> Result<String, RecordError> {
    if v.len() < 3 {
        return Err(bad(
            CARD_ID_CODE.name,
            format!("{} bytes, expected 16", v.len()),
        ));
    }
    let r = bcd_code(CARD_ID_CODE, &v[..3])?;
    if r.len() != 6 {
        return Err(bad(
            CARD_ID_CODE.name,
            format!("region code {r:?} is not 6 digits"),
        ));
    }
    Ok(r)
}

/// Builds [`CardIdentity`] from the values of EF05 tags 01–07 (in that order).
pub fn card_identity(values: &[Vec<u8>; 7]) -> Result<CardIdentity, RecordError> {
    let [id, ty, ver, org, issue, expiry, number] = values;
    if id.len() != 16 {
        return Err(bad(
            CARD_ID_CODE.name,
            format!("{} bytes, expected 16", id.len()),
        ));
    }
    Ok(CardIdentity {
        card_number: ascii(CARD_NUMBER, number)?,
        card_id_code: hex::encode_upper(id),
        card_type: ascii(CARD_TYPE, ty)?,
        spec_version: ascii(SPEC_VERSION, ver)?,
        issuing_org: hex::encode_upper(org),
        issue_date: date(ISSUE_DATE, issue)?,
        expiry_date: date(EXPIRY_DATE, expiry)?,
        region_code: region_from_id_code(id)?,
    })
}

/// Joins tag 09 (trimmed of `00` and spaces) and tag 4E (trimmed of `FF`).
pub fn full_name(name: &[u8], extension: Option<&[u8]>) -> Result<String, RecordError> {
    let mut s = gbk(NAME, trim_end(name, &[0x00, 0x20]))?;
    if let Some(ext) = extension {
        s.push_str(&gbk(NAME_EXT, trim_end(ext, &[0xFF, 0x00]))?);
    }
    Ok(s)
}

/// Builds [`Holder`] from EF06 values.
pub fn holder(
    ssn: &[u8],
    name: &[u8],
    name_ext: Option<&[u8]>,
    sex: &[u8],
    ethnicity: &[u8],
    birth_place: &[u8],
    birth_date: &[u8],
) -> Result<Holder, RecordError> {
    let sex = match sex {
        [code] => Sex::from_code(char::from(*code)),
        _ => None,
    }
    .ok_or_else(|| {
        bad(
            SEX.name,
            format!("code {} is not 0, 1, 2 or 9", hex::encode_upper(sex)),
        )
    })?;
    let ethnicity = match ethnicity {
        [e @ 1..=56] => *e,
        [e] if *e == 97 || *e == 98 => *e,
        other => {
            return Err(bad(
                ETHNICITY.name,
                format!("code {} is not 1-56", hex::encode_upper(other)),
            ))
        }
    };
    Ok(Holder {
        ssn: ascii(SSN, ssn)?,
        name: full_name(name, name_ext)?,
        sex,
        ethnicity,
        birth_place: bcd_code(BIRTH_PLACE, birth_place)?,
        birth_date: date(BIRTH_DATE, birth_date)?,
    })
}

pub fn ef0d(person_id: &[u8], region: &[u8]) -> Result<Ef0d, RecordError> {
    Ok(Ef0d {
        person_id: ascii(PERSON_ID, person_id)?,
        first_apply_region: bcd_code(FIRST_APPLY_REGION, region)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_lists_each_item_once_file_by_file() {
        let mut keys: Vec<(u8, u8)> = ALL.iter().map(|i| (i.sfi, i.tag)).collect();
        assert!(keys.windows(2).all(|w| w[0].0 <= w[1].0), "file by file");
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), ALL.len(), "no item twice");
        for sfi in [SFI_EF05, SFI_EF06, SFI_EF0D] {
            assert!(ALL.iter().any(|i| i.sfi == sfi), "{sfi}");
        }
    }

    #[test]
    fn uyghur_name_across_09_and_4e() {
        let full = "阿卜杜热依木·买买提明·吐尔逊托合提";
        let (gbk_bytes, _, bad) = GBK.encode(full);
        assert!(!bad);
        assert!(gbk_bytes.len() > 30);
        let mut n09 = gbk_bytes[..30].to_vec();
        let mut n4e = gbk_bytes[30..].to_vec();
        n09.resize(30, 0);
        n4e.resize(20, 0xFF);
        assert_eq!(full_name(&n09, Some(&n4e)).unwrap(), full);
        assert_eq!(&gbk_bytes[12..14], &[0xA1, 0xA4], "middle dot is GBK A1A4");
    }

    #[test]
    fn value_checks_tag() {
        assert_eq!(record_value(SEX, &[0x0A, 0x01, b'1']).unwrap(), vec![b'1']);
        let e = record_value(SEX, &[0x0B, 0x01, 5]).unwrap_err();
        assert!(e.to_string().contains("tag 0B"), "{e}");
        assert!(record_value(SEX, &[]).is_err());
        assert!(record_value(SEX, &[0x0A, 0x05, 1]).is_err());
    }

    #[test]
    fn bad_values_name_the_field() {
        let e = holder(
            b"x",
            b"A",
            None,
            b"3",
            &[5],
            &[0x65, 0x23, 0x01],
            &[0x19, 0x80, 0x05, 0x06],
        )
        .unwrap_err();
        assert!(e.to_string().starts_with("EF06 tag 0A sex"), "{e}");
        let e = holder(
            b"x",
            &[0x81],
            None,
            b"1",
            &[5],
            &[0x65, 0x23, 0x01],
            &[0x19, 0x80, 0x05, 0x06],
        )
        .unwrap_err();
        assert!(e.to_string().contains("GBK"), "{e}");
        let e = holder(
            b"x",
            b"A",
            None,
            b"1",
            &[5],
            &[0x65, 0x23, 0x01],
            &[0x19, 0x80, 0x13, 0x06],
        )
        .unwrap_err();
        assert!(e.to_string().contains("birth date"), "{e}");
    }
}
