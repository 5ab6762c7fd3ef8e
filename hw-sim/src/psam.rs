//! The PSAM of the second reader slot (CARD-PROFILE.md section 6), with the test master keys.
//!
//! Key initialisation is `80 1A <key id> <alg> 10 <factor1 ‖ factor2>` where P2 is the
//! algorithm byte (`01` 3DES, `04` SM4): the profile shows `01`; `04` is our documented
//! extension, the same one `card-io` sends.

use card_io::apdu::Command;
use card_io::sam::crypto::{card_key, mac4, test_master_key, Key16};
use card_io::sam::Algorithm;

use crate::device::SimDevice;
use crate::error::SimError;
use crate::framing::{join, Framer};
use crate::settings::{T0Warnings, Transport};

/// ATR of the simulated PSAM.
pub(crate) const PSAM_ATR: [u8; 12] = [
    0x3B, 0x68, 0x00, 0x00, 0x50, 0x53, 0x41, 0x4D, 0x00, 0x00, 0x00, 0x01,
];
/// AID of the PSAM application.
pub const PSAM_AID: [u8; 6] = [0xD1, 0x56, 0x00, 0x00, 0x05, 0x90];
/// P1 of READ BINARY for the terminal number: SFI `16` (`80 | 16`).
const TERMINAL_NUMBER_P1: u8 = 0x96;

/// The configuration a kiosk keeps with the simulated PSAM for cards that show no FCI (a
/// temporarily blocked T=0 card of the `6A 81` variant, CARD-PROFILE.md section 4): the
/// simulated cards' region, 652300, issues 3DES cards. (The demo's SM4 card shows its FCI.)
pub fn card_algorithms() -> card_io::sam::CardAlgorithms {
    [("652300".to_owned(), Algorithm::Tdes)].into()
}

/// Options of a simulated PSAM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PsamOptions {
    pub transport: Transport,
    /// Key ids the PSAM holds master keys for (default 01–04).
    pub key_ids: Vec<u8>,
    /// 12 digits, served as 6 BCD bytes.
    pub terminal_number: String,
}

impl Default for PsamOptions {
    fn default() -> Self {
        PsamOptions {
            transport: Transport::T1,
            key_ids: vec![1, 2, 3, 4],
            terminal_number: "652300000001".into(),
        }
    }
}

/// A simulated PSAM.
pub struct PsamOs {
    options: PsamOptions,
    terminal_number: [u8; 6],
    selected: bool,
    key: Option<(Algorithm, Key16)>,
    framer: Framer,
}

mod sw {
    pub const OK: u16 = 0x9000;
    pub(crate) const WRONG_LENGTH: u16 = 0x6700;
    pub(crate) const CONDITIONS: u16 = 0x6985;
    pub(crate) const NO_CURRENT_EF: u16 = 0x6986;
    pub(crate) const FILE_NOT_FOUND: u16 = 0x6A82;
    pub(crate) const WRONG_P1P2: u16 = 0x6A86;
    pub(crate) const KEY_NOT_FOUND: u16 = 0x6A88;
    pub(crate) const WRONG_OFFSET: u16 = 0x6B00;
    pub(crate) const INS_NOT_SUPPORTED: u16 = 0x6D00;
    pub(crate) const CLA_NOT_SUPPORTED: u16 = 0x6E00;
}

impl PsamOs {
    /// A PSAM with `options`; the terminal number must be 12 digits.
    pub fn new(options: PsamOptions) -> Result<PsamOs, SimError> {
        let terminal_number = (options.terminal_number.len() == 12)
            .then(|| card_io::bcd::encode(&options.terminal_number))
            .flatten()
            .and_then(|v| <[u8; 6]>::try_from(v).ok())
            .ok_or_else(|| SimError::Setting {
                field: "terminal_number".into(),
                problem: format!("{:?} is not 12 digits", options.terminal_number),
            })?;
        Ok(PsamOs {
            options,
            terminal_number,
            selected: false,
            key: None,
            framer: Framer::default(),
        })
    }

    pub fn options(&self) -> &PsamOptions {
        &self.options
    }

    /// The algorithm of the key initialised last, if any.
    #[cfg(test)]
    pub(crate) fn key_algorithm(&self) -> Option<Algorithm> {
        self.key.as_ref().map(|(alg, _)| *alg)
    }

    fn dispatch(&mut self, cmd: &Command) -> (Vec<u8>, u16) {
        let want_cla = match cmd.ins {
            0xA4 | 0xB0 => 0x00,
            0x1A | 0xFA => 0x80,
            _ if matches!(cmd.cla, 0x00 | 0x80) => return (Vec::new(), sw::INS_NOT_SUPPORTED),
            _ => return (Vec::new(), sw::CLA_NOT_SUPPORTED),
        };
        if cmd.cla != want_cla {
            return (Vec::new(), sw::CLA_NOT_SUPPORTED);
        }
        if cmd.ins == 0xA4 {
            return (Vec::new(), self.select(cmd));
        }
        if !self.selected {
            return (Vec::new(), sw::CONDITIONS);
        }
        match cmd.ins {
            0xB0 => self.read_binary(cmd),
            0x1A => (Vec::new(), self.key_init(cmd)),
            _ => self.mac(cmd),
        }
    }

    fn select(&mut self, cmd: &Command) -> u16 {
        if cmd.p1 != 0x04 || (cmd.p2 != 0x00 && cmd.p2 != 0x0C) {
            return sw::WRONG_P1P2;
        }
        if cmd.data().is_empty() {
            return sw::WRONG_LENGTH;
        }
        if cmd.data() != PSAM_AID {
            return sw::FILE_NOT_FOUND;
        }
        self.selected = true;
        sw::OK
    }

    /// READ BINARY `00 B0 96 <offset> Le`: the terminal number.
    fn read_binary(&mut self, cmd: &Command) -> (Vec<u8>, u16) {
        if cmd.p1 & 0x80 == 0 {
            return (Vec::new(), sw::NO_CURRENT_EF);
        }
        if cmd.p1 != TERMINAL_NUMBER_P1 {
            return (Vec::new(), sw::FILE_NOT_FOUND);
        }
        if !cmd.data().is_empty() {
            return (Vec::new(), sw::WRONG_LENGTH);
        }
        let offset = usize::from(cmd.p2);
        let Some(avail) = self.terminal_number.get(offset..).filter(|a| !a.is_empty()) else {
            return (Vec::new(), sw::WRONG_OFFSET);
        };
        match cmd.le {
            Some(256) if self.options.transport == Transport::T1 => (avail.to_vec(), sw::OK),
            Some(n) if n <= avail.len() => (avail[..n].to_vec(), sw::OK),
            _ => (Vec::new(), 0x6C00 | avail.len() as u16),
        }
    }

    /// KEY INIT `80 1A <key id> <alg> 10 <card factor ‖ city factor>`.
    fn key_init(&mut self, cmd: &Command) -> u16 {
        let Some(alg) = Algorithm::from_code(cmd.p2) else {
            return sw::WRONG_P1P2;
        };
        let data = cmd.data();
        if data.len() != 16 {
            return sw::WRONG_LENGTH;
        }
        self.key = None;
        if !self.options.key_ids.contains(&cmd.p1) || cmd.p1 == 0 || cmd.p1 > 0x0F {
            return sw::KEY_NOT_FOUND;
        }
        let card: [u8; 8] = std::array::from_fn(|i| data[i]);
        let city: [u8; 8] = std::array::from_fn(|i| data[8 + i]);
        self.key = Some((alg, card_key(alg, &test_master_key(cmd.p1), &card, &city)));
        sw::OK
    }

    /// MAC `80 FA 05 00 Lc <IV ‖ message>`: MAC4 under the key initialised last.
    fn mac(&mut self, cmd: &Command) -> (Vec<u8>, u16) {
        if cmd.p1 != 0x05 || cmd.p2 != 0x00 {
            return (Vec::new(), sw::WRONG_P1P2);
        }
        let Some((alg, key)) = &self.key else {
            return (Vec::new(), sw::CONDITIONS);
        };
        let data = cmd.data();
        let bs = alg.block_size();
        if data.len() < bs {
            return (Vec::new(), sw::WRONG_LENGTH);
        }
        let (iv, message) = data.split_at(bs);
        match mac4(*alg, key, iv, message) {
            Ok(mac) => (mac.to_vec(), sw::OK),
            Err(_) => (Vec::new(), sw::WRONG_LENGTH),
        }
    }
}

impl SimDevice for PsamOs {
    fn atr(&self) -> Vec<u8> {
        PSAM_ATR.to_vec()
    }

    fn process(&mut self, apdu: &[u8]) -> Vec<u8> {
        let Ok(cmd) = Command::parse(apdu) else {
            self.framer.clear();
            return join(Vec::new(), sw::WRONG_LENGTH);
        };
        if Framer::is_get_response(&cmd) {
            return self.framer.get_response(&cmd);
        }
        self.framer.clear();
        let (data, status) = self.dispatch(&cmd);
        self.framer
            .frame(self.options.transport, T0Warnings::AfterData, data, status)
    }

    fn reset(&mut self) {
        self.selected = false;
        self.key = None;
        self.framer.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(p: &mut PsamOs, apdu: &str) -> String {
        hex::encode_upper(p.process(&hex::decode(apdu.replace(' ', "")).unwrap()))
    }

    fn psam(transport: Transport) -> PsamOs {
        PsamOs::new(PsamOptions {
            transport,
            ..PsamOptions::default()
        })
        .unwrap()
    }

    const SELECT: &str = "00A4040006D15600000590";
    const INIT_STK_3DES: &str = "801A0101108600112233445566 3635323330307378";

    #[test]
    fn atr_and_selection() {
        let mut p = psam(Transport::T1);
        assert_eq!(
            hex::encode_upper(p.atr()),
            "3B680000505341 4D00000001".replace(' ', "")
        );
        assert_eq!(run(&mut p, "00B0960006"), "6985");
        assert_eq!(run(&mut p, "00A4040006D15600000591"), "6A82");
        assert_eq!(run(&mut p, "00A4040000"), "6700");
        assert_eq!(run(&mut p, "00A4050006D15600000590"), "6A86");
        assert_eq!(run(&mut p, SELECT), "9000");
        assert_eq!(run(&mut p, "00B0960006"), "6523000000019000");
        assert_eq!(run(&mut p, "00B0960000"), "6523000000019000");
        assert_eq!(run(&mut p, "00B0960008"), "6C06");
        assert_eq!(run(&mut p, "00B0970006"), "6A82");
        assert_eq!(run(&mut p, "00B0160006"), "6986");
        assert_eq!(run(&mut p, "00B0960306"), "6C03");
        assert_eq!(run(&mut p, "00B0960606"), "6B00");
        assert_eq!(run(&mut p, "00CA000000"), "6D00");
        assert_eq!(run(&mut p, "10A4040006D15600000590"), "6E00");
        p.reset();
        assert_eq!(run(&mut p, "00B0960006"), "6985");
    }

    #[test]
    fn key_init_and_mac_reproduce_the_vectors() {
        for transport in [Transport::T1, Transport::T0] {
            let mut p = psam(transport);
            run(&mut p, SELECT);
            assert_eq!(
                run(&mut p, "80FA05000C0102030405060708841E0000"),
                "6985",
                "no key yet"
            );
            assert_eq!(run(&mut p, INIT_STK_3DES), "9000");
            let mac = run(&mut p, "80FA05000D0102030405060708841E000004");
            let answer = match transport {
                Transport::T1 => mac,
                Transport::T0 => {
                    assert_eq!(mac, "6104");
                    run(&mut p, "00C0000004")
                }
            };
            assert_eq!(answer, "739CB4599000");
            // SM4 (P2 04): IV is challenge ‖ 00×8.
            assert_eq!(
                run(&mut p, "801A0104108600112233445566 3635323330307378"),
                "9000"
            );
            assert_eq!(p.key_algorithm(), Some(Algorithm::Sm4));
            let r = run(
                &mut p,
                "80FA05001501020304050607080000000000000000841E000004",
            );
            let r = if transport == Transport::T0 {
                run(&mut p, "00C0000004")
            } else {
                r
            };
            assert_eq!(r, "A7FC58069000");
            assert_eq!(
                run(&mut p, "801A0304108600112233445566 3635323330307378"),
                "9000"
            );
            let r = run(
                &mut p,
                "80FA050018010203040506070800000000000000008424000107704915",
            );
            let r = if transport == Transport::T0 {
                run(&mut p, "00C0000004")
            } else {
                r
            };
            assert_eq!(r, "387F0BA59000");
        }
    }

    #[test]
    fn key_init_errors() {
        let mut p = PsamOs::new(PsamOptions {
            key_ids: vec![1, 2],
            ..PsamOptions::default()
        })
        .unwrap();
        run(&mut p, SELECT);
        assert_eq!(
            run(&mut p, "801A0301108600112233445566 3635323330307378"),
            "6A88"
        );
        assert_eq!(
            run(&mut p, "80FA05000D0102030405060708841E000004"),
            "6985",
            "failed init clears the key"
        );
        assert_eq!(
            run(&mut p, "801A0102108600112233445566 3635323330307378"),
            "6A86"
        );
        assert_eq!(
            run(&mut p, "801A01010F8600112233445566 36353233303073"),
            "6700"
        );
        assert_eq!(
            run(&mut p, "001A0101108600112233445566 3635323330307378"),
            "6E00"
        );
        assert_eq!(
            run(&mut p, "801A0101108600112233445566 3635323330307378"),
            "9000"
        );
        assert_eq!(
            run(&mut p, "80FA050007010203040506"),
            "6700",
            "shorter than the IV"
        );
        assert_eq!(run(&mut p, "80FA06000D0102030405060708841E000004"), "6A86");
        assert_eq!(run(&mut p, "00C0000004"), "6985", "nothing pending");
        assert!(PsamOs::new(PsamOptions {
            terminal_number: "65230000000A".into(),
            ..PsamOptions::default()
        })
        .is_err());
    }
}
