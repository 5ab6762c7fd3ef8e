//! The card's records as they come back from READ RECORD and SELECT: the FCI (BER-TLV), one
//! SIMPLE-TLV per record, GBK names, BCD dates and codes, ATR historical bytes. Any bytes give
//! a value or a `RecordError`; what decodes is checked against the bytes it came from.
//!
//! Input: a selector byte, then the fields of that case (`kiosk_fuzz::fields`).
#![no_main]

use card_io::bcd;
use card_io::date::Date;
use card_io::sam::{historical_bytes, Algorithm, Factors};
use card_io::citizen::Sex;
use card_io::sscard::records;
use card_io::sscard::Fci;
use kiosk_fuzz::fields;
use libfuzzer_sys::fuzz_target;

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || hay.windows(needle.len()).any(|w| w == needle)
}

/// A BCD string as packed bytes, with the `F` padding it was read with.
fn bcd_matches(digits: &str, bytes: &[u8]) -> bool {
    bcd::encode(digits)
        .is_some_and(|enc| bytes.starts_with(&enc) && bytes[enc.len()..].iter().all(|&b| b == 0xFF))
}

fuzz_target!(|data: &[u8]| {
    let Some((&case, rest)) = data.split_first() else {
        return;
    };
    match case % 7 {
        0 => {
            if let Ok(fci) = Fci::parse(rest) {
                assert!(contains(rest, &fci.df_name), "DF name not from the FCI");
                assert_eq!(
                    Algorithm::from_code(fci.algorithm_code),
                    Some(fci.algorithm)
                );
                assert_eq!(fci.algorithm.code(), fci.algorithm_code);
            }
        }
        1 => {
            let Some((&which, record)) = rest.split_first() else {
                return;
            };
            let item = records::ALL[usize::from(which) % records::ALL.len()];
            match records::record_value(item, record) {
                Ok(v) => {
                    assert_eq!(record.first(), Some(&item.tag));
                    let header = if record.get(1) == Some(&0xFF) { 4 } else { 2 };
                    assert_eq!(&record[header..header + v.len()], &v[..]);
                    assert!(record[header + v.len()..]
                        .iter()
                        .all(|&b| b == 0 || b == 0xFF));
                }
                Err(e) => assert!(e.to_string().starts_with(item.name), "{e}"),
            }
        }
        2 => {
            let f = fields(rest, 7);
            let ext = (!f[2].is_empty()).then_some(f[2]);
            match records::holder(f[0], f[1], ext, f[3], f[4], f[5], f[6]) {
                Ok(h) => {
                    let code = match h.sex {
                        Sex::Male => b'1',
                        Sex::Female => b'2',
                        Sex::Unknown => b'0',
                        Sex::Unspecified => b'9',
                    };
                    assert_eq!(f[3], [code]);
                    assert_eq!(f[4], [h.ethnicity]);
                    assert_eq!(h.birth_date.to_bcd(), f[6]);
                    assert!(h.birth_place.bytes().all(|b| b.is_ascii_digit()));
                    assert!(bcd_matches(&h.birth_place, f[5]), "birthplace");
                    assert!(!h.ssn.ends_with(' '));
                }
                Err(e) => assert!(e.item.starts_with("EF06"), "{e}"),
            }
        }
        3 => {
            let f = fields(rest, 7);
            let values: [Vec<u8>; 7] = std::array::from_fn(|i| f[i].to_vec());
            if let Ok(id) = records::card_identity(&values) {
                assert_eq!(id.card_id_code, hex_upper(f[0]));
                assert_eq!(id.region_code.len(), 6);
                assert!(id.card_id_code.starts_with(&id.region_code));
                assert_eq!(id.issue_date.to_bcd(), f[4]);
                assert_eq!(id.expiry_date.to_bcd(), f[5]);
                assert_eq!(id.issuing_org, hex_upper(f[3]));
                assert_eq!(id.is_v3(), id.spec_version.starts_with('3'));
            }
        }
        4 => {
            if let Some(digits) = bcd::decode(rest) {
                assert!(digits.bytes().all(|b| b.is_ascii_digit()));
                assert!(bcd_matches(&digits, rest), "{digits} from {rest:02X?}");
                let enc = bcd::encode(&digits).unwrap_or_default();
                assert_eq!(bcd::decode(&enc).as_deref(), Some(digits.as_str()));
            }
            if let Some(d) = Date::from_bcd(rest) {
                assert_eq!(d.to_bcd(), rest);
                assert_eq!(Date::parse_iso(&d.to_string()), Some(d));
                assert_eq!(Date::from_days_since_epoch(d.days_since_epoch()), d);
            }
        }
        5 => {
            let f = fields(rest, 2);
            if let Some(h) = historical_bytes(f[0]) {
                assert!(contains(f[0], h), "historical bytes not from the ATR");
            }
            let region = String::from_utf8_lossy(f[1]);
            let _ = Factors::new(f[0], &region).map_err(|e| e.to_string());
        }
        _ => {
            let f = fields(rest, 2);
            let ext = (!f[1].is_empty()).then_some(f[1]);
            if let Ok(name) = records::full_name(f[0], ext) {
                // A name in GBK proper encodes to bytes that read back as the same name, so
                // what the kiosk shows can be written to a card and read again. (Not always
                // the bytes it came from: the WHATWG GBK decoder maps a few codes, e.g. A3A0,
                // onto characters GBK writes elsewhere: A3A0 → U+3000 → A1A1, A2E3 → € → 80.)
                let (enc, unmappable) = encoding_gbk(&name);
                if !unmappable {
                    let stable = name.trim_end_matches(['\0', ' ']);
                    assert_eq!(records::full_name(&enc, None).as_deref(), Ok(stable));
                }
            }
        }
    }
});

fn hex_upper(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}

fn encoding_gbk(s: &str) -> (Vec<u8>, bool) {
    let (enc, _, bad) = encoding_rs::GBK.encode(s);
    (enc.into_owned(), bad)
}
