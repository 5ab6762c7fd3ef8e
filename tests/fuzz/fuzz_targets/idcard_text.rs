//! The ID card's 256-byte UCS-2 text block: any bytes decode to an `IdText` or a `TextError`
//! naming the field; what decodes encodes back to a block that decodes to the same text
//! (the encoding is canonical: decoding it and encoding again gives the same bytes); and
//! texts built by the fuzzer that encode come back unchanged.
//!
//! Input: a selector byte; 0 → the rest, padded or cut to 256 bytes, as a block; 1 → the
//! rest as a block as is (wrong lengths); 2 → the fields of an `IdText` (`kiosk_fuzz::fields`).
#![no_main]

use card_io::date::Date;
use card_io::citizen::{self, Sex};
use card_io::idcard::text::{self, IdText, TextError, Validity, TEXT_LEN};
use kiosk_fuzz::fields;
use libfuzzer_sys::fuzz_target;

fn check_decoded(block: &[u8]) {
    match IdText::decode(block) {
        Ok(t) => {
            assert!(!t.name.is_empty() && t.name.chars().count() <= text::NAME_CHARS);
            assert!(text::ethnicity_name(t.ethnicity_code).is_some());
            assert_eq!(citizen::check_id_number(&t.id_number), Ok(()));
            if let Validity::Until(to) = t.valid_to {
                assert!(to >= t.valid_from);
            }
            let bytes = match t.encode() {
                Ok(b) => b,
                Err(e) => panic!("a decoded text does not encode: {e}"),
            };
            assert_eq!(IdText::decode(&bytes).as_ref(), Ok(&t), "decode∘encode");
            let again = IdText::decode(&bytes).and_then(|t| t.encode());
            assert_eq!(again, Ok(bytes), "encoding not canonical");
            // Personal data stay out of Debug.
            let shown = format!("{t:?}");
            assert!(!shown.contains(&t.id_number), "{shown}");
        }
        Err(TextError::Length { len }) => assert_ne!(len, TEXT_LEN),
        Err(e) => {
            assert_eq!(block.len(), TEXT_LEN);
            let _ = e.to_string();
        }
    }
}

fn utf8(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn date(b: &[u8]) -> Option<Date> {
    let [y1, y2, m, d, ..] = b else { return None };
    Date::new(u16::from_be_bytes([*y1, *y2]) % 10000, *m, *d)
}

fuzz_target!(|data: &[u8]| {
    let Some((&case, rest)) = data.split_first() else {
        return;
    };
    match case % 3 {
        0 => {
            let mut block = rest.to_vec();
            block.resize(TEXT_LEN, b' ');
            check_decoded(&block);
        }
        1 => check_decoded(rest),
        _ => {
            let f = fields(rest, 8);
            let (Some(birth), Some(from)) = (date(f[3]), date(f[6])) else {
                return;
            };
            let sex = match f[1].first().map(|b| b % 4) {
                Some(0) => Sex::Unknown,
                Some(1) => Sex::Male,
                Some(2) => Sex::Female,
                _ => Sex::Unspecified,
            };
            let mut id = utf8(f[4]);
            if let Some(c) = id.get(..17).and_then(|p| citizen::check_char(p.as_bytes())) {
                id.truncate(17);
                id.push(c);
            }
            let valid_to = match date(f[7]) {
                Some(d) => Validity::Until(d),
                None => Validity::LongTerm,
            };
            let t = IdText {
                name: utf8(f[0]),
                sex,
                ethnicity_code: f[2].first().copied().unwrap_or(1),
                birth_date: birth,
                address: utf8(f[5]),
                id_number: id,
                authority: utf8(f[5].get(..f[5].len() / 2).unwrap_or_default()),
                valid_from: from,
                valid_to,
            };
            if let Ok(bytes) = t.encode() {
                check_decoded(&bytes);
                // What encodes decodes to itself, unless decode refuses it (an empty name,
                // padding-like trailing characters, or a validity ending before it starts).
                if let Ok(back) = IdText::decode(&bytes) {
                    let plain = |s: &str| s.trim_end_matches([' ', '\0']).to_string();
                    assert_eq!(back.name, plain(&t.name));
                    assert_eq!(back.address, plain(&t.address));
                    assert_eq!(back.id_number, t.id_number);
                    assert_eq!(back.sex, t.sex);
                    assert_eq!(back.ethnicity_code, t.ethnicity_code);
                    assert_eq!(back.birth_date, t.birth_date);
                    assert_eq!(back.valid_from, t.valid_from);
                    assert_eq!(back.valid_to, t.valid_to);
                }
            }
        }
    }
});
