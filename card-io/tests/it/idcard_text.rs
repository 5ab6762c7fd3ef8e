//! The ID card text: encode/decode round trips over generated cards, check-digit rejection,
//! and no 256-byte block panicking the decoder.

use card_io::citizen::{check_char, check_id_number};
use card_io::date::Date;
use card_io::idcard::text::{ethnicities, ID_NUMBER};
use card_io::idcard::{IdText, Sex, TextError, Validity};
use proptest::prelude::*;

fn han(len: std::ops::Range<usize>) -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            9 => (0x4E00u32..0x9FA5).prop_map(|c| char::from_u32(c).unwrap_or('中')),
            1 => Just('·'),
            1 => prop::char::range('0', '9'),
        ],
        len,
    )
    .prop_map(|v| v.into_iter().collect())
}

fn date() -> impl Strategy<Value = Date> {
    (1900u16..2100, 1u8..=12, 1u8..=28).prop_map(|(y, m, d)| Date::new(y, m, d).unwrap())
}

fn id_number() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::char::range('0', '9'), 17).prop_map(|d| {
        let first: String = d.into_iter().collect();
        let c = check_char(first.as_bytes()).unwrap();
        format!("{first}{c}")
    })
}

fn id_text() -> impl Strategy<Value = IdText> {
    let codes: Vec<u8> = ethnicities().map(|(c, _)| c).collect();
    (
        han(1..16),
        prop_oneof![
            Just(Sex::Male),
            Just(Sex::Female),
            Just(Sex::Unknown),
            Just(Sex::Unspecified)
        ],
        prop::sample::select(codes),
        date(),
        han(1..36),
        id_number(),
        han(1..16),
        date(),
        prop_oneof![Just(None), (0u16..30).prop_map(Some)],
    )
        .prop_map(
            |(name, sex, eth, birth, address, id, authority, from, years)| IdText {
                name,
                sex,
                ethnicity_code: eth,
                birth_date: birth,
                address,
                id_number: id,
                authority,
                valid_from: from,
                valid_to: match years {
                    None => Validity::LongTerm,
                    Some(y) => Validity::Until(
                        Date::new(from.year + y, from.month, from.day).unwrap_or(from),
                    ),
                },
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn round_trip(t in id_text()) {
        let bytes = t.encode().unwrap();
        prop_assert_eq!(IdText::decode(&bytes).unwrap(), t);
    }

    #[test]
    fn every_wrong_check_character_is_refused(t in id_text(), wrong in prop_oneof![prop::char::range('0', '9'), Just('X')]) {
        let right = t.id_number.as_bytes()[17] as char;
        prop_assume!(wrong != right);
        let mut bytes = t.encode().unwrap();
        bytes[ID_NUMBER.offset + 34] = wrong as u8;
        let e = IdText::decode(&bytes).unwrap_err();
        let is_id_number_field = matches!(&e, TextError::Field { field: "ID number", .. });
        prop_assert!(is_id_number_field, "{}", e);
    }

    #[test]
    fn no_block_panics_the_decoder(bytes in prop::collection::vec(any::<u8>(), 256)) {
        let _ = IdText::decode(&bytes);
    }

    #[test]
    fn check_id_number_never_panics(s in "\\PC{0,20}") {
        let _ = check_id_number(&s);
    }
}

#[test]
fn wrong_lengths() {
    assert_eq!(
        IdText::decode(&[0; 255]).unwrap_err(),
        TextError::Length { len: 255 }
    );
    assert_eq!(check_char(b"12345"), None);
    assert_eq!(check_char(b"1101051949123100a"), None);
    assert_eq!(check_char(b"11010519491231002"), Some('X'));
}
