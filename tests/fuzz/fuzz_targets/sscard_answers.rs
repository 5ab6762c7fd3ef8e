//! The card's answers into `SsCard`: a simulated card (hw-sim's card OS, personalised from
//! `hw-sim/cards/`) answers every command, and the fuzzer tampers with the answers — passes
//! them, replaces them, flips a byte, cuts or extends them — while a sequence of operations
//! (read, status, VERIFY, CHANGE PIN, the MAC-secured commands with the test keys) runs.
//!
//! Checked: nothing panics; every command `SsCard` sends is a well-formed APDU; an error's
//! text can be shown; and while no answer was tampered with, the real card's answers always
//! decode (no `Record` or malformed-APDU error) and VERIFY's "tries left" is the card's own
//! count.
#![no_main]

use arbitrary::Arbitrary;
use card_io::date::Date;
use card_io::pin::Pin;
use card_io::sam::soft::SoftSam;
use card_io::sscard::{records, AppState, CardError, SsCard};
use card_io::transport::{CardSession, TransportError};
use card_io::Command;
use hw_sim::{CardFile, CardOs, SimDevice, Transport};
use libfuzzer_sys::fuzz_target;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

const CARDS: [&str; 6] = [
    include_str!("../../../hw-sim/cards/v3-sm4.toml"),
    include_str!("../../../hw-sim/cards/v2-3des.toml"),
    include_str!("../../../hw-sim/cards/v3-uyghur.toml"),
    include_str!("../../../hw-sim/cards/expired.toml"),
    include_str!("../../../hw-sim/cards/pin-blocked.toml"),
    include_str!("../../../hw-sim/cards/t0-blocked-6a81.toml"),
];

#[derive(Arbitrary, Debug)]
enum Tamper {
    Pass,
    Replace(Vec<u8>),
    Flip {
        at: u16,
        xor: u8,
    },
    Cut(u16),
    Append(Vec<u8>),
    /// A status word alone, as a card that refuses answers.
    Status(u16),
}

#[derive(Arbitrary, Debug)]
enum Op {
    Info,
    Status,
    TriesLeft,
    Verify([u8; 6]),
    VerifyRight,
    ChangePin([u8; 6]),
    ResetPin([u8; 6]),
    UnblockPin,
    BlockApp(bool),
    UnblockApp,
    BlockCard,
    Challenge,
    Item(u8),
}

#[derive(Arbitrary, Debug)]
struct Input {
    card: u8,
    t0: bool,
    ops: Vec<Op>,
    tamper: Vec<Tamper>,
}

/// A session on the simulated card whose answers go through the fuzzer's tampering.
struct Tampered {
    card: Rc<RefCell<CardOs>>,
    atr: Vec<u8>,
    tamper: Vec<Tamper>,
    next: usize,
    tampered: Rc<Cell<bool>>,
}

impl CardSession for Tampered {
    fn transmit_raw(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        match Command::parse(command) {
            Ok(c) => match c.to_bytes() {
                Ok(b) => assert_eq!(&b[..], command, "sent a non-canonical APDU"),
                Err(e) => panic!("sent an APDU that does not encode: {e}"),
            },
            Err(e) => panic!("sent a malformed APDU {command:02X?}: {e}"),
        }
        let mut answer = self.card.borrow_mut().process(command);
        let t = self.tamper.get(self.next).unwrap_or(&Tamper::Pass);
        self.next += 1;
        let before = answer.clone();
        match t {
            Tamper::Pass => {}
            Tamper::Replace(b) => answer = b.clone(),
            Tamper::Flip { at, xor } => {
                if !answer.is_empty() {
                    let i = usize::from(*at) % answer.len();
                    answer[i] ^= xor;
                }
            }
            Tamper::Cut(n) => answer.truncate(usize::from(*n)),
            Tamper::Append(b) => answer.extend_from_slice(b),
            Tamper::Status(sw) => answer = sw.to_be_bytes().to_vec(),
        }
        if answer != before {
            self.tampered.set(true);
        }
        Ok(answer)
    }

    fn atr(&self) -> &[u8] {
        &self.atr
    }
}

fn pin(digits: &[u8; 6]) -> Pin {
    let s: String = digits.iter().map(|d| char::from(b'0' + d % 10)).collect();
    match Pin::parse(&s) {
        Ok(p) => p,
        Err(e) => panic!("six digits are a PIN: {e}"),
    }
}

/// Errors the real card's answers must never cause.
fn decoding_error(e: &CardError) -> bool {
    matches!(
        e,
        CardError::Record(_) | CardError::Transport(TransportError::Apdu(_))
    )
}

fuzz_target!(|input: Input| {
    let text = CARDS[usize::from(input.card) % CARDS.len()];
    let file = match CardFile::from_toml_str(text, "card") {
        Ok(f) => f,
        Err(e) => panic!("hw-sim card file: {e}"),
    };
    let right_pin = pin(&{
        let mut d = [0u8; 6];
        for (slot, b) in d.iter_mut().zip(file.state.pin.bytes()) {
            *slot = b.wrapping_sub(b'0');
        }
        d
    });
    let mut card = match CardOs::from_personalisation(&file) {
        Ok(c) => c,
        Err(e) => panic!("hw-sim card: {e}"),
    };
    if input.t0 {
        card.settings_mut().transport = Transport::T0;
    }
    card.set_fixed_challenge(Some([1, 2, 3, 4, 5, 6, 7, 8]));
    let atr = card.atr();
    let real = Rc::new(RefCell::new(card));
    let tampered = Rc::new(Cell::new(false));
    let mut session = Tampered {
        card: real.clone(),
        atr,
        tamper: input.tamper,
        next: 0,
        tampered: tampered.clone(),
    };
    let mut sam = SoftSam::with_test_keys();
    let today = Date::new(2026, 6, 1).unwrap_or_else(|| unreachable!());

    let selected = SsCard::select(&mut session);
    let mut card = match selected {
        Ok(c) => c,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    for op in input.ops.iter().take(24) {
        let result: Result<(), CardError> = match op {
            Op::Info => card.read_info().map(|info| {
                assert_eq!(info.application, card.state());
                assert_eq!(info.identity.region_code.len(), 6);
                assert_eq!(info.holder.is_some(), card.state() == AppState::Active);
            }),
            Op::Status => card.status(today).map(|s| {
                assert_eq!(s.application, card.state());
                assert_eq!(s.expired, s.expiry_date.map(|d| d < today));
                if s.pin_blocked {
                    assert_eq!(s.pin_tries_left, Some(0));
                }
            }),
            Op::TriesLeft => card.pin_tries_left().map(|_| ()),
            Op::Verify(d) => card.verify(&pin(d)),
            Op::VerifyRight => card.verify(&right_pin),
            Op::ChangePin(d) => card.change_pin(&right_pin, &pin(d)),
            Op::ResetPin(d) => card.reset_pin(&mut sam, &pin(d)),
            Op::UnblockPin => card.unblock_pin(&mut sam),
            Op::BlockApp(permanent) => card.block_application(&mut sam, *permanent),
            Op::UnblockApp => card.unblock_application(&mut sam),
            Op::BlockCard => card.block_card(&mut sam),
            Op::Challenge => card.get_challenge().map(|_| ()),
            Op::Item(i) => card
                .read_item(records::ALL[usize::from(*i) % records::ALL.len()])
                .map(|_| ()),
        };
        let Err(e) = result else { continue };
        let _ = e.to_string();
        if tampered.get() {
            continue;
        }
        assert!(
            !decoding_error(&e),
            "the card's own answer did not decode: {e}"
        );
        if let CardError::WrongPin { tries_left } = e {
            assert_eq!(tries_left, real.borrow().pin_tries_left(), "tries left");
        }
    }
});
