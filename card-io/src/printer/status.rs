//! Real-time status (`DLE EOT n`) and the answers.
//!
//! Every answer byte has bit 1 and bit 4 set and bits 0 and 7 clear; anything else is not a
//! status answer. `n = 1` (printer): bit 3 = offline. `n = 2` (offline cause): bit 5 = stopped
//! at paper end. `n = 3` (errors): none reported. `n = 4` (roll paper sensor): bits 2–3 =
//! paper near end, bits 5–6 = paper end. The kiosk reads `n = 1` and `n = 4`; the answers to
//! all four are here for the simulated printer.

use super::PrinterError;

const FIXED_MASK: u8 = 0x93;
const FIXED_BITS: u8 = 0x12;
const OFFLINE: u8 = 0x08;
const NEAR_END: u8 = 0x0C;
const PAPER_END: u8 = 0x60;
const PAPER_STOP: u8 = 0x20;

/// The `n` of `DLE EOT n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusQuery {
    /// `1`: printer status (online/offline).
    Printer,
    /// `2`: offline cause.
    OfflineCause,
    /// `3`: error status.
    Error,
    /// `4`: roll paper sensor.
    PaperSensor,
}

impl StatusQuery {
    pub fn code(self) -> u8 {
        match self {
            StatusQuery::Printer => 1,
            StatusQuery::OfflineCause => 2,
            StatusQuery::Error => 3,
            StatusQuery::PaperSensor => 4,
        }
    }

    pub fn from_code(n: u8) -> Option<StatusQuery> {
        match n {
            1 => Some(StatusQuery::Printer),
            2 => Some(StatusQuery::OfflineCause),
            3 => Some(StatusQuery::Error),
            4 => Some(StatusQuery::PaperSensor),
            _ => None,
        }
    }
}

/// The paper roll.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Paper {
    #[default]
    Ok,
    /// Printing works; the roll should be changed soon.
    NearEnd,
    /// Nothing can be printed.
    Out,
}

/// The printer's state from the two status queries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrinterStatus {
    pub online: bool,
    pub paper: Paper,
}

fn check(query: StatusQuery, byte: u8) -> Result<u8, PrinterError> {
    if byte & FIXED_MASK == FIXED_BITS {
        Ok(byte)
    } else {
        Err(PrinterError::BadStatus {
            query: query.code(),
            byte,
        })
    }
}

/// The answer to `DLE EOT 1`: whether the printer is online.
pub fn parse_printer(byte: u8) -> Result<bool, PrinterError> {
    check(StatusQuery::Printer, byte).map(|b| b & OFFLINE == 0)
}

/// The answer to `DLE EOT 4`: the paper roll.
pub fn parse_paper(byte: u8) -> Result<Paper, PrinterError> {
    let b = check(StatusQuery::PaperSensor, byte)?;
    Ok(if b & PAPER_END != 0 {
        Paper::Out
    } else if b & NEAR_END != 0 {
        Paper::NearEnd
    } else {
        Paper::Ok
    })
}

/// IEEE 1284 status bits of a printer port (linux/lp.h), as `usblp` reports them.
const PORT_NOT_ERROR: u8 = 0x08;
const PORT_SELECTED: u8 = 0x10;
const PORT_PAPER_OUT: u8 = 0x20;

/// A printer port's status byte (`LPGETSTATUS`): paper out, selected (online), and "not
/// error" (an error makes it offline). Paper near end is not among them.
pub fn parse_port_status(byte: u8) -> PrinterStatus {
    PrinterStatus {
        online: byte & PORT_SELECTED != 0 && byte & PORT_NOT_ERROR != 0,
        paper: if byte & PORT_PAPER_OUT != 0 {
            Paper::Out
        } else {
            Paper::Ok
        },
    }
}

/// The answer a printer in this state gives to `DLE EOT 1` (used by simulators and tests).
pub fn printer_answer(online: bool) -> u8 {
    FIXED_BITS | if online { 0 } else { OFFLINE }
}

/// The answer to `DLE EOT 2`: whether the printer stopped at the paper end.
pub fn offline_cause_answer(paper_stop: bool) -> u8 {
    FIXED_BITS | if paper_stop { PAPER_STOP } else { 0 }
}

/// The answer to `DLE EOT 3` of a printer with no error.
pub fn no_error_answer() -> u8 {
    FIXED_BITS
}

/// The answer a printer with this roll gives to `DLE EOT 4`.
pub fn paper_answer(paper: Paper) -> u8 {
    FIXED_BITS
        | match paper {
            Paper::Ok => 0,
            Paper::NearEnd => NEAR_END,
            Paper::Out => NEAR_END | PAPER_END,
        }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers() {
        assert_eq!(parse_printer(0x12).ok(), Some(true));
        assert_eq!(parse_printer(0x16).ok(), Some(true));
        assert_eq!(parse_printer(0x1A).ok(), Some(false));
        assert_eq!(parse_paper(0x12).ok(), Some(Paper::Ok));
        assert_eq!(parse_paper(0x1E).ok(), Some(Paper::NearEnd));
        assert_eq!(parse_paper(0x72).ok(), Some(Paper::Out));
        assert_eq!(parse_paper(0x7E).ok(), Some(Paper::Out));
        assert!(matches!(
            parse_paper(0x00),
            Err(PrinterError::BadStatus { query: 4, byte: 0 })
        ));
        assert!(parse_printer(0xFF).is_err());
    }

    #[test]
    fn port_status_bits() {
        // Selected, no error, paper: what usblp reports of a ready printer.
        let ready = parse_port_status(0x18);
        assert_eq!((ready.online, ready.paper), (true, Paper::Ok));
        let out = parse_port_status(0x38);
        assert_eq!(out.paper, Paper::Out);
        assert!(!parse_port_status(0x08).online, "not selected");
        assert!(!parse_port_status(0x10).online, "error");
    }

    #[test]
    fn answers_round_trip() {
        for online in [true, false] {
            assert_eq!(parse_printer(printer_answer(online)).ok(), Some(online));
        }
        for paper in [Paper::Ok, Paper::NearEnd, Paper::Out] {
            assert_eq!(parse_paper(paper_answer(paper)).ok(), Some(paper));
        }
    }
}
