//! Status words (SW1 SW2) as one typed enum. Retries are data (`63Cx`), and every variant
//! gives back the exact raw SW through [`StatusWord::raw`].

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusWord {
    /// `9000`
    Success,
    /// `61xx`: xx more bytes wait for GET RESPONSE (0 means 256).
    MoreData(u8),
    /// `6Cxx`: wrong Le; resend with Le = xx.
    WrongLe(u8),
    /// `6283`: selected file deactivated — the application is temporarily blocked.
    SelectedFileDeactivated,
    /// `63Cx`: verification failed, x tries left.
    WrongPin { tries_left: u8 },
    /// `6700`
    WrongLength,
    /// `6982`
    SecurityNotSatisfied,
    /// `6983`: authentication method (PIN, unblock counter) blocked.
    AuthenticationBlocked,
    /// `6984`: no challenge issued / reference data unusable.
    NoChallenge,
    /// `6985`: conditions of use not satisfied.
    ConditionsNotSatisfied,
    /// `6986`: command not allowed, no current EF.
    NoCurrentEf,
    /// `6988`: wrong secure-messaging MAC.
    WrongMac,
    /// `6A80`: wrong data field.
    WrongData,
    /// `6A81`: function not supported — card blocked (or, with FCI, application blocked).
    FunctionNotSupported,
    /// `6A82`
    FileNotFound,
    /// `6A83`
    RecordNotFound,
    /// `6A86`
    WrongP1P2,
    /// `6A88`: referenced data (key) not found.
    KeyNotFound,
    /// `6D00`
    InsNotSupported,
    /// `6E00`
    ClaNotSupported,
    /// `9303`: application permanently locked.
    ApplicationLocked,
    /// Anything else, kept raw.
    Other(u16),
}

impl StatusWord {
    pub fn from_raw(sw: u16) -> StatusWord {
        use StatusWord::*;
        match sw {
            0x9000 => Success,
            0x6283 => SelectedFileDeactivated,
            0x6700 => WrongLength,
            0x6982 => SecurityNotSatisfied,
            0x6983 => AuthenticationBlocked,
            0x6984 => NoChallenge,
            0x6985 => ConditionsNotSatisfied,
            0x6986 => NoCurrentEf,
            0x6988 => WrongMac,
            0x6A80 => WrongData,
            0x6A81 => FunctionNotSupported,
            0x6A82 => FileNotFound,
            0x6A83 => RecordNotFound,
            0x6A86 => WrongP1P2,
            0x6A88 => KeyNotFound,
            0x6D00 => InsNotSupported,
            0x6E00 => ClaNotSupported,
            0x9303 => ApplicationLocked,
            _ => match (sw >> 8, sw & 0xFF) {
                (0x61, n) => MoreData(n as u8),
                (0x6C, n) => WrongLe(n as u8),
                (0x63, n) if n & 0xF0 == 0xC0 => WrongPin {
                    tries_left: (n & 0x0F) as u8,
                },
                _ => Other(sw),
            },
        }
    }

    pub fn raw(self) -> u16 {
        use StatusWord::*;
        match self {
            Success => 0x9000,
            MoreData(n) => 0x6100 | n as u16,
            WrongLe(n) => 0x6C00 | n as u16,
            SelectedFileDeactivated => 0x6283,
            WrongPin { tries_left } => 0x63C0 | (tries_left & 0x0F) as u16,
            WrongLength => 0x6700,
            SecurityNotSatisfied => 0x6982,
            AuthenticationBlocked => 0x6983,
            NoChallenge => 0x6984,
            ConditionsNotSatisfied => 0x6985,
            NoCurrentEf => 0x6986,
            WrongMac => 0x6988,
            WrongData => 0x6A80,
            FunctionNotSupported => 0x6A81,
            FileNotFound => 0x6A82,
            RecordNotFound => 0x6A83,
            WrongP1P2 => 0x6A86,
            KeyNotFound => 0x6A88,
            InsNotSupported => 0x6D00,
            ClaNotSupported => 0x6E00,
            ApplicationLocked => 0x9303,
            Other(sw) => sw,
        }
    }

    pub fn is_success(self) -> bool {
        self == StatusWord::Success
    }

    /// A warning (`62xx`, `63xx`, including `63Cx`): the command ran, with a remark. On T=0
    /// a case-4 command may have data held behind it (see `transport::transmit`).
    pub fn is_warning(self) -> bool {
        matches!(self.raw() >> 8, 0x62 | 0x63)
    }

    /// A short English description for messages.
    pub fn describe(self) -> &'static str {
        use StatusWord::*;
        match self {
            Success => "success",
            MoreData(_) => "more data available",
            WrongLe(_) => "wrong expected length",
            SelectedFileDeactivated => "application temporarily blocked",
            WrongPin { .. } => "wrong PIN",
            WrongLength => "wrong length",
            SecurityNotSatisfied => "security status not satisfied",
            AuthenticationBlocked => "blocked",
            NoChallenge => "no challenge issued",
            ConditionsNotSatisfied => "conditions of use not satisfied",
            NoCurrentEf => "no current file",
            WrongMac => "wrong MAC",
            WrongData => "wrong data",
            FunctionNotSupported => "function not supported (blocked)",
            FileNotFound => "file not found",
            RecordNotFound => "record not found",
            WrongP1P2 => "wrong parameters P1/P2",
            KeyNotFound => "key not found",
            InsNotSupported => "instruction not supported",
            ClaNotSupported => "class not supported",
            ApplicationLocked => "application permanently blocked",
            Other(_) => "unexpected status",
        }
    }
}

impl From<u16> for StatusWord {
    fn from(sw: u16) -> Self {
        StatusWord::from_raw(sw)
    }
}

impl fmt::Display for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04X} ({})", self.raw(), self.describe())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_raw_sw_round_trips() {
        for sw in 0..=u16::MAX {
            assert_eq!(StatusWord::from_raw(sw).raw(), sw, "{sw:04X}");
        }
    }

    #[test]
    fn retries_are_data() {
        assert_eq!(
            StatusWord::from_raw(0x63C2),
            StatusWord::WrongPin { tries_left: 2 }
        );
        assert_eq!(StatusWord::from_raw(0x6300), StatusWord::Other(0x6300));
        assert_eq!(StatusWord::from_raw(0x6110), StatusWord::MoreData(0x10));
        assert_eq!(StatusWord::from_raw(0x6C36), StatusWord::WrongLe(0x36));
    }

    #[test]
    fn warnings_are_62xx_and_63xx_only() {
        for sw in 0..=u16::MAX {
            let want = matches!(sw >> 8, 0x62 | 0x63);
            assert_eq!(StatusWord::from_raw(sw).is_warning(), want, "{sw:04X}");
        }
    }
}
