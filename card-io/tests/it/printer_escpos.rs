//! Property tests of the ESC/POS encoder and the status parser: text encodes to GB18030 that
//! decodes back to the same text and never holds a command byte; any status byte parses to a
//! status or a typed error.

use card_io::printer::escpos;
use card_io::printer::status::{self, parse_paper, parse_printer};
use card_io::printer::{Paper, PrinterError, Receipt};
use proptest::prelude::*;

fn gb18030_decode(bytes: &[u8]) -> String {
    let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
    assert!(!had_errors, "encoder produced invalid GB18030");
    text.into_owned()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn text_round_trips_or_is_refused(s in any::<String>()) {
        match escpos::text(&s) {
            Ok(bytes) => {
                prop_assert!(bytes.iter().all(|&b| b >= 0x20 && b != 0x7F));
                prop_assert_eq!(gb18030_decode(&bytes), s);
            }
            Err(PrinterError::ControlCharacter { ch }) => prop_assert!(ch.is_control()),
            Err(PrinterError::Unencodable { ch }) => prop_assert!(s.contains(ch)),
            Err(other) => prop_assert!(false, "unexpected error {}", other),
        }
    }

    #[test]
    fn chinese_and_uyghur_round_trip(s in "[\u{4E00}-\u{9FA5}\u{0600}-\u{06FF}\u{FB50}-\u{FDFF}\u{FE70}-\u{FEFC} a-z0-9]{0,60}") {
        // Arabic-script code points include a few controls (Cf is allowed, Cc is not).
        prop_assume!(!s.chars().any(char::is_control));
        let bytes = escpos::text(&s);
        prop_assert!(bytes.is_ok());
        let bytes = bytes.unwrap_or_default();
        prop_assert_eq!(gb18030_decode(&bytes), s);
    }

    #[test]
    fn status_bytes_never_panic(b in any::<u8>()) {
        let fixed = b & 0x93 == 0x12;
        prop_assert_eq!(parse_printer(b).is_ok(), fixed);
        prop_assert_eq!(parse_paper(b).is_ok(), fixed);
    }

    #[test]
    fn receipts_encode_framed(title in "[^\\p{Cc}]{0,20}",
                              fields in proptest::collection::vec(("[^\\p{Cc}]{0,12}", "[^\\p{Cc}]{0,24}"), 0..8)) {
        let mut r = Receipt::new(title);
        for (l, v) in &fields {
            r = r.field(l.as_str(), v.as_str());
        }
        match r.encode() {
            Ok(bytes) => {
                prop_assert!(bytes.starts_with(&[0x1B, 0x40]));
                prop_assert!(bytes.ends_with(&[0x1D, 0x56, 0x42, 0x00]));
                let lf = bytes.iter().filter(|&&b| b == 0x0A).count();
                prop_assert_eq!(lf, r.lines().len());
            }
            Err(PrinterError::Unencodable { .. }) => {}
            Err(other) => prop_assert!(false, "unexpected error {}", other),
        }
    }
}

#[test]
fn paper_answers_documented_bits() {
    // DLE EOT 4: bits 2-3 near end, bits 5-6 paper end.
    assert_eq!(parse_paper(0b0001_0010).ok(), Some(Paper::Ok));
    assert_eq!(parse_paper(0b0001_0110).ok(), Some(Paper::NearEnd));
    assert_eq!(parse_paper(0b0011_0010).ok(), Some(Paper::Out));
    assert_eq!(parse_paper(0b0101_0010).ok(), Some(Paper::Out));
    // DLE EOT 1: bit 3 offline.
    assert_eq!(parse_printer(0b0001_1010).ok(), Some(false));
    assert_eq!(status::paper_answer(Paper::Out), 0x7E);
}
