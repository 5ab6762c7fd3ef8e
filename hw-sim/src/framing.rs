//! Transport framing shared by the simulated cards (CARD-PROFILE.md section 1). In T=0 mode:
//!
//! - an answer with data is held back behind `61 xx` and fetched with GET RESPONSE
//!   `00 C0 00 00 xx`;
//! - an answer with data and a warning (`62xx`/`63xx`) is framed as [`T0Warnings`] says: behind
//!   `61 xx` with the warning after the data, or the warning alone with the data held for GET
//!   RESPONSE `00 C0 00 00 00` (answered `6C xx` first in the `held-6c` variant);
//! - an error carries no data: the status word alone goes out.
//!
//! GET RESPONSE with nothing held answers `69 85`.

use card_io::apdu::Command;

use crate::settings::{T0Warnings, Transport};

const SW_OK: u16 = 0x9000;
const SW_WRONG_LENGTH: u16 = 0x6700;
const SW_CONDITIONS: u16 = 0x6985;
const SW_WRONG_P1P2: u16 = 0x6A86;

/// `61xx` for `n` bytes waiting (00 = 256 or more).
pub(crate) fn more_data(n: usize) -> u16 {
    0x6100 | (n.min(256) % 256) as u16
}

/// `6Cxx`: GET RESPONSE again with Le = xx.
fn wrong_le(n: usize) -> u16 {
    0x6C00 | (n.min(256) % 256) as u16
}

fn is_warning(sw: u16) -> bool {
    matches!(sw >> 8, 0x62 | 0x63)
}

/// Response data waiting for GET RESPONSE.
#[derive(Debug, Clone)]
struct Pending {
    data: Vec<u8>,
    /// The status word that ends the data.
    sw: u16,
    /// GET RESPONSE must ask for exactly the length held (`6C xx` otherwise).
    exact_le: bool,
}

/// Response data waiting for GET RESPONSE.
#[derive(Debug, Default, Clone)]
pub(crate) struct Framer {
    pending: Option<Pending>,
}

impl Framer {
    /// True for GET RESPONSE (`00 C0`).
    pub(crate) fn is_get_response(cmd: &Command) -> bool {
        cmd.cla == 0x00 && cmd.ins == 0xC0
    }

    /// Forgets pending data (any command other than GET RESPONSE does).
    pub fn clear(&mut self) {
        self.pending = None;
    }

    /// The bytes to send for an answer (see the module header).
    pub fn frame(
        &mut self,
        transport: Transport,
        warnings: T0Warnings,
        data: Vec<u8>,
        sw: u16,
    ) -> Vec<u8> {
        if transport == Transport::T1 || data.is_empty() {
            return join(data, sw);
        }
        if is_warning(sw) && warnings != T0Warnings::AfterData {
            self.pending = Some(Pending {
                data,
                sw: SW_OK,
                exact_le: warnings == T0Warnings::HeldWrongLe,
            });
            return join(Vec::new(), sw);
        }
        if sw != SW_OK && !is_warning(sw) {
            // No data can follow an error status on T=0.
            return join(Vec::new(), sw);
        }
        let n = data.len();
        self.pending = Some(Pending {
            data,
            sw,
            exact_le: false,
        });
        join(Vec::new(), more_data(n))
    }

    /// GET RESPONSE: up to Le bytes of the pending data, then `61 rr` or the final SW.
    pub(crate) fn get_response(&mut self, cmd: &Command) -> Vec<u8> {
        if cmd.p1 != 0 || cmd.p2 != 0 {
            return join(Vec::new(), SW_WRONG_P1P2);
        }
        let Some(mut pending) = self.pending.take() else {
            return join(Vec::new(), SW_CONDITIONS);
        };
        let Some(le) = cmd.le.filter(|_| cmd.data().is_empty()) else {
            self.pending = Some(pending);
            return join(Vec::new(), SW_WRONG_LENGTH);
        };
        if pending.exact_le && le != pending.data.len() {
            let n = pending.data.len();
            self.pending = Some(pending);
            return join(Vec::new(), wrong_le(n));
        }
        if le >= pending.data.len() {
            return join(pending.data, pending.sw);
        }
        let rest = pending.data.split_off(le);
        let more = more_data(rest.len());
        let data = std::mem::replace(&mut pending.data, rest);
        self.pending = Some(pending);
        join(data, more)
    }
}

/// data ‖ SW1 SW2.
pub(crate) fn join(mut data: Vec<u8>, sw: u16) -> Vec<u8> {
    data.extend_from_slice(&sw.to_be_bytes());
    data
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(le: &str) -> Command {
        Command::parse(&hex::decode(format!("00C00000{le}")).unwrap()).unwrap()
    }

    fn hex(b: &[u8]) -> String {
        hex::encode_upper(b)
    }

    #[test]
    fn t1_sends_everything_at_once() {
        let mut f = Framer::default();
        for w in T0Warnings::ALL {
            assert_eq!(
                hex(&f.frame(Transport::T1, w, vec![1, 2], 0x6283)),
                "01026283"
            );
            assert_eq!(
                hex(&f.frame(Transport::T1, w, vec![1, 2], 0x6A81)),
                "01026A81"
            );
        }
    }

    #[test]
    fn t0_data_after_61xx() {
        let mut f = Framer::default();
        let held = T0Warnings::Held;
        assert_eq!(
            hex(&f.frame(Transport::T0, held, vec![1, 2, 3], SW_OK)),
            "6103"
        );
        assert_eq!(hex(&f.get_response(&get("02"))), "01026101");
        assert_eq!(hex(&f.get_response(&get("01"))), "039000");
        assert_eq!(hex(&f.get_response(&get("00"))), "6985");
    }

    #[test]
    fn t0_warning_after_data() {
        let mut f = Framer::default();
        let r = f.frame(Transport::T0, T0Warnings::AfterData, vec![1, 2], 0x6283);
        assert_eq!(hex(&r), "6102");
        assert_eq!(hex(&f.get_response(&get("02"))), "01026283");
    }

    #[test]
    fn t0_warning_held() {
        let mut f = Framer::default();
        let r = f.frame(Transport::T0, T0Warnings::Held, vec![1, 2], 0x6283);
        assert_eq!(hex(&r), "6283");
        assert_eq!(hex(&f.get_response(&get("00"))), "01029000");
        assert_eq!(hex(&f.get_response(&get("00"))), "6985");
    }

    #[test]
    fn t0_warning_held_with_6cxx() {
        let mut f = Framer::default();
        let r = f.frame(Transport::T0, T0Warnings::HeldWrongLe, vec![1, 2], 0x6283);
        assert_eq!(hex(&r), "6283");
        assert_eq!(hex(&f.get_response(&get("00"))), "6C02");
        assert_eq!(hex(&f.get_response(&get("01"))), "6C02");
        assert_eq!(hex(&f.get_response(&get("02"))), "01029000");
    }

    #[test]
    fn t0_error_carries_no_data() {
        let mut f = Framer::default();
        for w in T0Warnings::ALL {
            assert_eq!(hex(&f.frame(Transport::T0, w, vec![1, 2], 0x6A81)), "6A81");
            assert_eq!(hex(&f.get_response(&get("00"))), "6985");
        }
    }
}
