//! ISO 7816-4 command and response APDUs, short and extended length.
//!
//! Command data lives in a zeroizing buffer: PIN commands carry PIN bytes, and nothing that
//! held them should outlive the exchange. [`Command::redacted`] is the only form that goes
//! into logs.

use std::fmt;

use zeroize::Zeroizing;

use crate::status::StatusWord;

/// Instructions whose data carry PIN bytes (VERIFY, CHANGE/RESET/UNBLOCK PIN, RESET RETRY
/// COUNTER, CHANGE REFERENCE DATA). Their data never appear in a log.
const PIN_INSTRUCTIONS: [u8; 4] = [0x20, 0x24, 0x2C, 0x5E];

/// Why a byte string is not a well-formed command APDU.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApduError {
    #[error("command APDU shorter than its 4-byte header ({0} bytes)")]
    TooShort(usize),
    #[error("command APDU length field says {declared} data bytes but {actual} follow")]
    LengthMismatch { declared: usize, actual: usize },
    #[error("command data of {0} bytes exceeds the extended-length limit of 65535")]
    DataTooLong(usize),
    #[error("expected response length {0} exceeds the extended-length limit of 65536")]
    LeTooLong(usize),
    #[error("response APDU shorter than its 2-byte status word ({0} bytes)")]
    ResponseTooShort(usize),
}

/// A command APDU. `le` is the expected response length: `None` when no data are expected,
/// `Some(256)` (short) or `Some(65536)` (extended) for "as much as there is".
#[derive(Clone, PartialEq, Eq)]
pub struct Command {
    pub cla: u8,
    pub ins: u8,
    pub p1: u8,
    pub p2: u8,
    data: Zeroizing<Vec<u8>>,
    pub le: Option<usize>,
    /// Data marked secret by the sender (e.g. a MAC request to the PSAM carrying a new PIN).
    secret: bool,
}

impl Command {
    pub fn new(cla: u8, ins: u8, p1: u8, p2: u8) -> Self {
        Command {
            cla,
            ins,
            p1,
            p2,
            data: Zeroizing::new(Vec::new()),
            le: None,
            secret: false,
        }
    }

    /// Marks the data secret: they never appear in a log, whatever the instruction.
    pub fn secret(mut self) -> Self {
        self.secret = true;
        self
    }

    pub fn with_data(mut self, data: impl Into<Vec<u8>>) -> Self {
        self.data = Zeroizing::new(data.into());
        self
    }

    pub fn with_le(mut self, le: usize) -> Self {
        self.le = Some(le);
        self
    }

    pub fn data(&self) -> &[u8] {
        &self.data
    }

    pub fn header(&self) -> [u8; 4] {
        [self.cla, self.ins, self.p1, self.p2]
    }

    /// True when this command's data are secret (PIN bytes) and must not be logged.
    pub fn is_sensitive(&self) -> bool {
        self.secret || PIN_INSTRUCTIONS.contains(&self.ins)
    }

    /// Whether the command needs extended length fields.
    pub fn is_extended(&self) -> bool {
        self.data.len() > 255 || self.le.is_some_and(|le| le > 256)
    }

    /// Serialises the command (ISO 7816-4 5.1, cases 1–4, short or extended).
    pub fn to_bytes(&self) -> Result<Zeroizing<Vec<u8>>, ApduError> {
        let n = self.data.len();
        if n > 65535 {
            return Err(ApduError::DataTooLong(n));
        }
        if let Some(le) = self.le {
            if le > 65536 {
                return Err(ApduError::LeTooLong(le));
            }
        }
        let mut out = Zeroizing::new(Vec::with_capacity(4 + 3 + n + 3));
        out.extend_from_slice(&self.header());
        if self.is_extended() {
            if n > 0 {
                out.push(0);
                out.extend_from_slice(&(n as u16).to_be_bytes());
                out.extend_from_slice(&self.data);
            }
            if let Some(le) = self.le {
                if n == 0 {
                    out.push(0);
                }
                // 65536 is encoded as 0000.
                out.extend_from_slice(&((le % 65536) as u16).to_be_bytes());
            }
        } else {
            if n > 0 {
                out.push(n as u8);
                out.extend_from_slice(&self.data);
            }
            if let Some(le) = self.le {
                // 256 is encoded as 00.
                out.push((le % 256) as u8);
            }
        }
        Ok(out)
    }

    /// Parses a command APDU (cases 1–4, short or extended). Used by the simulator and by
    /// anything that inspects raw traffic.
    pub fn parse(bytes: &[u8]) -> Result<Command, ApduError> {
        if bytes.len() < 4 {
            return Err(ApduError::TooShort(bytes.len()));
        }
        let mut cmd = Command::new(bytes[0], bytes[1], bytes[2], bytes[3]);
        let body = &bytes[4..];
        match body.len() {
            0 => {}
            1 => cmd.le = Some(if body[0] == 0 { 256 } else { body[0] as usize }),
            _ if body[0] != 0 => {
                // Short: Lc data [Le]
                let lc = body[0] as usize;
                let rest = &body[1..];
                if rest.len() == lc {
                    cmd.data = Zeroizing::new(rest.to_vec());
                } else if rest.len() == lc + 1 {
                    cmd.data = Zeroizing::new(rest[..lc].to_vec());
                    let le = rest[lc];
                    cmd.le = Some(if le == 0 { 256 } else { le as usize });
                } else {
                    return Err(ApduError::LengthMismatch {
                        declared: lc,
                        actual: rest.len(),
                    });
                }
            }
            3 => {
                // Extended case 2: 00 Le1 Le2
                let le = u16::from_be_bytes([body[1], body[2]]) as usize;
                cmd.le = Some(if le == 0 { 65536 } else { le });
            }
            n if n > 3 => {
                // Extended case 3/4: 00 Lc1 Lc2 data [Le1 Le2]
                let lc = u16::from_be_bytes([body[1], body[2]]) as usize;
                let rest = &body[3..];
                if rest.len() == lc {
                    cmd.data = Zeroizing::new(rest.to_vec());
                } else if rest.len() == lc + 2 {
                    cmd.data = Zeroizing::new(rest[..lc].to_vec());
                    let le = u16::from_be_bytes([rest[lc], rest[lc + 1]]) as usize;
                    cmd.le = Some(if le == 0 { 65536 } else { le });
                } else {
                    return Err(ApduError::LengthMismatch {
                        declared: lc,
                        actual: rest.len(),
                    });
                }
            }
            n => {
                return Err(ApduError::LengthMismatch {
                    declared: body[0] as usize,
                    actual: n - 1,
                })
            }
        }
        Ok(cmd)
    }

    /// A log-safe rendering: header, lengths, and the data only when they are not secret.
    pub fn redacted(&self) -> String {
        let mut s = format!(
            "{:02X} {:02X} {:02X} {:02X}",
            self.cla, self.ins, self.p1, self.p2
        );
        if !self.data.is_empty() {
            if self.is_sensitive() {
                s.push_str(&format!(
                    " Lc={} [{} bytes redacted]",
                    self.data.len(),
                    self.data.len()
                ));
            } else {
                s.push_str(&format!(
                    " Lc={} {}",
                    self.data.len(),
                    hex::encode_upper(&*self.data)
                ));
            }
        }
        if let Some(le) = self.le {
            s.push_str(&format!(" Le={le}"));
        }
        s
    }
}

impl fmt::Debug for Command {
    /// Debug output is the redacted form, so `{:?}` can never leak a PIN.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Command({})", self.redacted())
    }
}

/// A response APDU: data and the raw status word.
#[derive(Clone, PartialEq, Eq)]
pub struct Response {
    pub data: Vec<u8>,
    pub sw: u16,
}

impl Response {
    pub fn new(data: Vec<u8>, sw: u16) -> Self {
        Response { data, sw }
    }

    /// Splits raw bytes into data and SW1 SW2.
    pub fn parse(bytes: &[u8]) -> Result<Response, ApduError> {
        if bytes.len() < 2 {
            return Err(ApduError::ResponseTooShort(bytes.len()));
        }
        let (data, sw) = bytes.split_at(bytes.len() - 2);
        Ok(Response {
            data: data.to_vec(),
            sw: u16::from_be_bytes([sw[0], sw[1]]),
        })
    }

    pub fn status(&self) -> StatusWord {
        StatusWord::from_raw(self.sw)
    }

    pub fn is_ok(&self) -> bool {
        self.sw == 0x9000
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.data.len() + 2);
        out.extend_from_slice(&self.data);
        out.extend_from_slice(&self.sw.to_be_bytes());
        out
    }
}

impl fmt::Debug for Response {
    /// Response data may be personal data: debug output shows only length and SW.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Response({} bytes, SW={:04X})", self.data.len(), self.sw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_cases_round_trip() {
        let cases: Vec<Vec<u8>> = vec![
            hex::decode("00A40400").unwrap(),
            hex::decode("00B2012836").unwrap(),
            hex::decode("00A4040006D15600000590").unwrap(),
            hex::decode("00A404000F7378312E73682EC9E7BBE1B1A3D5CF00").unwrap(),
        ];
        for c in cases {
            let cmd = Command::parse(&c).unwrap();
            assert_eq!(&*cmd.to_bytes().unwrap(), &c[..]);
        }
    }

    #[test]
    fn extended_encoding() {
        let cmd = Command::new(0, 0xB0, 0, 0).with_le(1000);
        assert_eq!(
            hex::encode_upper(&*cmd.to_bytes().unwrap()),
            "00B000000003E8"
        );
        let cmd = Command::new(0, 0xD6, 0, 0)
            .with_data(vec![7u8; 300])
            .with_le(65536);
        let bytes = cmd.to_bytes().unwrap();
        assert_eq!(&bytes[4..7], &[0, 0x01, 0x2C]);
        assert_eq!(&bytes[bytes.len() - 2..], &[0, 0]);
        assert_eq!(Command::parse(&bytes).unwrap(), cmd);
    }

    #[test]
    fn le_256_is_encoded_as_zero() {
        let cmd = Command::new(0, 0xC0, 0, 0).with_le(256);
        assert_eq!(hex::encode_upper(&*cmd.to_bytes().unwrap()), "00C0000000");
    }

    #[test]
    fn pin_data_never_in_redacted_form() {
        let cmd = Command::new(0, 0x20, 0, 0).with_data(vec![0x12, 0x34, 0x56]);
        let shown = format!("{:?} {}", cmd, cmd.redacted());
        assert!(!shown.contains("123456"), "{shown}");
        assert!(shown.contains("redacted"));
        let change =
            Command::new(0x80, 0x5E, 1, 0).with_data(hex::decode("123456FF654321").unwrap());
        assert!(!change.redacted().contains("654321"));
    }

    #[test]
    fn malformed_commands_are_errors() {
        assert_eq!(Command::parse(&[0, 1]), Err(ApduError::TooShort(2)));
        assert!(matches!(
            Command::parse(&[0, 0x20, 0, 0, 5, 1, 2]),
            Err(ApduError::LengthMismatch {
                declared: 5,
                actual: 2
            })
        ));
    }

    #[test]
    fn response_split() {
        let r = Response::parse(&[1, 2, 0x90, 0]).unwrap();
        assert_eq!(r.data, vec![1, 2]);
        assert!(r.is_ok());
        assert!(Response::parse(&[0x90]).is_err());
    }
}
