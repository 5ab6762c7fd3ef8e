//! Property tests: no byte string a card (or PSAM) sends makes card-io panic. A scripted
//! session answers each command with arbitrary bytes; every operation must end in `Ok` or a
//! typed error.

use card_io::date::Date;
use card_io::pin::Pin;
use card_io::sam::soft::SoftSam;
use card_io::sscard::{Fci, SsCard};
use card_io::transport::{self, CardSession, TransportError};
use card_io::{Command, Response};
use proptest::prelude::*;

/// Answers from a script, then `6F00` forever.
struct Hostile {
    answers: Vec<Vec<u8>>,
    next: usize,
    atr: Vec<u8>,
}

impl CardSession for Hostile {
    fn transmit_raw(&mut self, _command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let a = self
            .answers
            .get(self.next)
            .cloned()
            .unwrap_or_else(|| vec![0x6F, 0x00]);
        self.next += 1;
        Ok(a)
    }
    fn atr(&self) -> &[u8] {
        &self.atr
    }
}

/// Answers biased toward plausible shapes: status words the profile uses, 61xx/6Cxx,
/// TLV-looking records and FCIs, and plain noise.
fn answer() -> impl Strategy<Value = Vec<u8>> {
    let sw = prop_oneof![
        Just(0x9000u16),
        Just(0x6283),
        Just(0x6A81),
        Just(0x9303),
        Just(0x6A83),
        Just(0x6983),
        Just(0x6985),
        (0u16..16).prop_map(|x| 0x63C0 | x),
        any::<u8>().prop_map(|x| 0x6100 | x as u16),
        any::<u8>().prop_map(|x| 0x6C00 | x as u16),
        any::<u16>(),
    ];
    let data = prop_oneof![
        Just(Vec::new()),
        proptest::collection::vec(any::<u8>(), 0..40),
        (any::<u8>(), proptest::collection::vec(any::<u8>(), 0..34)).prop_map(|(t, v)| {
            let mut r = vec![t, v.len() as u8];
            r.extend(v);
            r
        }),
        Just(
            hex::decode("6F19840F7378312E73682EC9E7BBE1B1A3D5CFA5069F0C03860101")
                .unwrap_or_default()
        ),
    ];
    prop_oneof![
        (data, sw).prop_map(|(mut d, sw)| {
            d.extend_from_slice(&sw.to_be_bytes());
            d
        }),
        proptest::collection::vec(any::<u8>(), 0..3),
    ]
}

fn pin(s: &str) -> Pin {
    Pin::parse(s).unwrap_or_else(|_| unreachable!("test PIN"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn no_card_answer_panics(answers in proptest::collection::vec(answer(), 0..40),
                             atr in proptest::collection::vec(any::<u8>(), 0..14)) {
        let mut s = Hostile { answers, next: 0, atr };
        if let Ok(mut card) = SsCard::select(&mut s) {
            let _ = card.read_info();
            let _ = card.status(Date::new(2026, 1, 1).unwrap_or_else(|| unreachable!()));
            let _ = card.verify(&pin("123456"));
            let _ = card.change_pin(&pin("123456"), &pin("704915"));
            let mut sam = SoftSam::with_test_keys();
            let _ = card.reset_pin(&mut sam, &pin("704915"));
            let _ = card.unblock_pin(&mut sam);
            let _ = card.block_application(&mut sam, false);
            let _ = card.unblock_application(&mut sam);
            let _ = card.block_card(&mut sam);
        }
    }

    #[test]
    fn transmit_never_panics(answers in proptest::collection::vec(answer(), 0..300)) {
        let mut s = Hostile { answers, next: 0, atr: vec![0x3B] };
        let _ = transport::transmit(&mut s, &Command::new(0, 0xB2, 1, 0x28).with_le(18));
    }

    #[test]
    fn parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = Fci::parse(&bytes);
        let _ = Response::parse(&bytes);
        let _ = Command::parse(&bytes);
        let _ = card_io::sscard::records::record_value(card_io::sscard::records::NAME, &bytes);
        let _ = card_io::sscard::records::full_name(&bytes, Some(&bytes));
        let _ = card_io::bcd::decode(&bytes);
        let _ = Date::from_bcd(&bytes);
    }

    #[test]
    fn command_encoding_round_trips(cla: u8, ins: u8, p1: u8, p2: u8,
                                    data in proptest::collection::vec(any::<u8>(), 0..600),
                                    le in proptest::option::of(1usize..=65536)) {
        let cmd = Command::new(cla, ins, p1, p2).with_data(data);
        let cmd = match le { Some(le) => cmd.with_le(le), None => cmd };
        let bytes = cmd.to_bytes().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let back = Command::parse(&bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
        // A short Le of 256 and an extended Le of 65536 both mean "all"; otherwise exact.
        prop_assert_eq!(back.data(), cmd.data());
        prop_assert_eq!(back.header(), cmd.header());
        prop_assert_eq!(back.le, cmd.le);
    }
}
