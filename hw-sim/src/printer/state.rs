//! [`PrinterState`]: what the printer answers to `DLE EOT n`.
//!
//! Answer bytes carry the fixed bits `0x12` (bits 1 and 4 set, 0 and 7 clear). `n = 1`: bit 3
//! offline (a printer without paper is offline too). `n = 2`: bit 5 paper end stop. `n = 3`:
//! no errors. `n = 4`: bits 2–3 near end, bits 5–6 paper end.

use card_io::printer::Paper;

const FIXED: u8 = 0b0001_0010;
const BIT_OFFLINE: u8 = 0b0000_1000;
const BIT_PAPER_STOP: u8 = 0b0010_0000;
const BITS_NEAR_END: u8 = 0b0000_1100;
const BITS_PAPER_END: u8 = 0b0110_0000;

/// The printer's condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrinterState {
    pub paper: Paper,
    /// The online switch (offline: cover open, error).
    pub online: bool,
    /// False: the printer is silent (unpowered, cable out): no answers at all.
    pub answering: bool,
}

impl Default for PrinterState {
    fn default() -> Self {
        PrinterState {
            paper: Paper::Ok,
            online: true,
            answering: true,
        }
    }
}

impl PrinterState {
    /// Whether data sent now ends on paper.
    pub fn can_print(&self) -> bool {
        self.answering && self.online && self.paper != Paper::Out
    }

    /// The answer to `DLE EOT n`; `None` when silent or `n` is not a status query.
    pub fn answer(&self, n: u8) -> Option<u8> {
        if !self.answering {
            return None;
        }
        let out = self.paper == Paper::Out;
        match n {
            1 => Some(FIXED | if self.online && !out { 0 } else { BIT_OFFLINE }),
            2 => Some(FIXED | if out { BIT_PAPER_STOP } else { 0 }),
            3 => Some(FIXED),
            4 => Some(
                FIXED
                    | match self.paper {
                        Paper::Ok => 0,
                        Paper::NearEnd => BITS_NEAR_END,
                        Paper::Out => BITS_NEAR_END | BITS_PAPER_END,
                    },
            ),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers() {
        let mut s = PrinterState::default();
        assert_eq!(s.answer(1), Some(0x12));
        assert_eq!(s.answer(4), Some(0x12));
        s.paper = Paper::NearEnd;
        assert_eq!(s.answer(4), Some(0x1E));
        assert!(s.can_print());
        s.paper = Paper::Out;
        assert_eq!(s.answer(4), Some(0x7E));
        assert_eq!(s.answer(1), Some(0x1A));
        assert!(!s.can_print());
        s.paper = Paper::Ok;
        s.online = false;
        assert_eq!(s.answer(1), Some(0x1A));
        s.answering = false;
        assert_eq!(s.answer(1), None);
        assert_eq!(PrinterState::default().answer(9), None);
    }
}
