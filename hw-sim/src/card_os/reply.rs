//! A response before transport framing, and the status words the card OS answers.

/// Data and status word of one answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reply {
    pub data: Vec<u8>,
    pub sw: u16,
}

impl Reply {
    pub fn sw(sw: u16) -> Reply {
        Reply {
            data: Vec::new(),
            sw,
        }
    }
    pub fn data(data: Vec<u8>, sw: u16) -> Reply {
        Reply { data, sw }
    }
    pub fn ok() -> Reply {
        Reply::sw(sw::OK)
    }
}

impl From<u16> for Reply {
    fn from(sw: u16) -> Reply {
        Reply::sw(sw)
    }
}

/// Raw status words (CARD-PROFILE.md section 4).
pub(crate) mod sw {
    pub const OK: u16 = 0x9000;
    pub(crate) const WRONG_LENGTH: u16 = 0x6700;
    pub(crate) const AUTH_BLOCKED: u16 = 0x6983;
    pub(crate) const NO_CHALLENGE: u16 = 0x6984;
    pub(crate) const CONDITIONS: u16 = 0x6985;
    pub(crate) const NO_CURRENT_EF: u16 = 0x6986;
    pub(crate) const WRONG_MAC: u16 = 0x6988;
    pub(crate) const WRONG_DATA: u16 = 0x6A80;
    pub(crate) const CARD_BLOCKED: u16 = 0x6A81;
    pub(crate) const FILE_NOT_FOUND: u16 = 0x6A82;
    pub(crate) const RECORD_NOT_FOUND: u16 = 0x6A83;
    pub(crate) const WRONG_P1P2: u16 = 0x6A86;
    pub(crate) const INS_NOT_SUPPORTED: u16 = 0x6D00;
    pub(crate) const CLA_NOT_SUPPORTED: u16 = 0x6E00;
    pub(crate) const APP_LOCKED: u16 = 0x9303;

    /// `63Cx`: wrong PIN, x tries left.
    pub fn tries_left(n: u8) -> u16 {
        0x63C0 | u16::from(n & 0x0F)
    }
    /// `6Cxx`: resend with Le = xx.
    pub(crate) fn wrong_le(n: usize) -> u16 {
        0x6C00 | (n.min(256) % 256) as u16
    }
}
