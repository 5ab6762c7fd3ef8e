//! [`PrinterState`]: what the printer answers to `DLE EOT n`, in the bytes card-io's
//! `printer::status` defines (a printer without paper is offline too).

use card_io::printer::status::{
    no_error_answer, offline_cause_answer, paper_answer, printer_answer,
};
use card_io::printer::Paper;

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
    pub(crate) fn can_print(&self) -> bool {
        self.answering && self.online && self.paper != Paper::Out
    }

    /// The answer to `DLE EOT n`; `None` when silent or `n` is not a status query.
    pub fn answer(&self, n: u8) -> Option<u8> {
        if !self.answering {
            return None;
        }
        let out = self.paper == Paper::Out;
        match n {
            1 => Some(printer_answer(self.online && !out)),
            2 => Some(offline_cause_answer(out)),
            3 => Some(no_error_answer()),
            4 => Some(paper_answer(self.paper)),
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
