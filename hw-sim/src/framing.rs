//! Transport framing shared by the simulated cards: in T=0 mode an answer with data is held
//! back behind `61 xx` and fetched with GET RESPONSE `00 C0 00 00 xx`.

use card_io::apdu::Command;

use crate::settings::Transport;

const SW_WRONG_LENGTH: u16 = 0x6700;
const SW_CONDITIONS: u16 = 0x6985;
const SW_WRONG_P1P2: u16 = 0x6A86;

/// `61xx` for `n` bytes waiting (00 = 256 or more).
pub(crate) fn more_data(n: usize) -> u16 {
    0x6100 | (n.min(256) % 256) as u16
}

/// Response data waiting for GET RESPONSE.
#[derive(Debug, Default, Clone)]
pub(crate) struct Framer {
    pending: Option<(Vec<u8>, u16)>,
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

    /// The bytes to send for an answer: in T=0 mode data wait behind `61 xx`.
    pub fn frame(&mut self, transport: Transport, data: Vec<u8>, sw: u16) -> Vec<u8> {
        if transport == Transport::T0 && !data.is_empty() {
            let n = data.len();
            self.pending = Some((data, sw));
            return more_data(n).to_be_bytes().to_vec();
        }
        join(data, sw)
    }

    /// GET RESPONSE: up to Le bytes of the pending data, then `61 rr` or the final SW.
    pub(crate) fn get_response(&mut self, cmd: &Command) -> Vec<u8> {
        if cmd.p1 != 0 || cmd.p2 != 0 {
            return join(Vec::new(), SW_WRONG_P1P2);
        }
        let Some((mut data, final_sw)) = self.pending.take() else {
            return join(Vec::new(), SW_CONDITIONS);
        };
        let Some(le) = cmd.le.filter(|_| cmd.data().is_empty()) else {
            self.pending = Some((data, final_sw));
            return join(Vec::new(), SW_WRONG_LENGTH);
        };
        if le >= data.len() {
            return join(data, final_sw);
        }
        let rest = data.split_off(le);
        let more = more_data(rest.len());
        self.pending = Some((rest, final_sw));
        join(data, more)
    }
}

/// data ‖ SW1 SW2.
pub(crate) fn join(mut data: Vec<u8>, sw: u16) -> Vec<u8> {
    data.extend_from_slice(&sw.to_be_bytes());
    data
}
