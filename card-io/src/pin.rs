//! PINs: six decimal digits held in a zeroizing buffer, sent to the card as 3 BCD bytes.
//! A `Pin` has no `Display`, and its `Debug` prints nothing of the digits.

use std::fmt;

use zeroize::Zeroizing;

/// Why a string is not a PIN. Says what was wrong, never echoes the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PinFormatError {
    #[error("a PIN has exactly 6 digits; this one has {0} characters")]
    Length(usize),
    #[error("a PIN has only the digits 0-9; character {0} is not a digit")]
    NotDigit(usize),
}

/// The digits live in one heap block of their own, wiped when the `Pin` is dropped: moving a
/// `Pin` (into an event, an effect, a `Vec`) moves only the pointer, so no copy of the digits
/// is left behind in the memory it moved out of.
pub struct Pin(Box<Zeroizing<[u8; 6]>>);

impl Pin {
    /// Parses 6 ASCII digits (surrounding whitespace, e.g. a newline from stdin, is ignored).
    pub fn parse(s: &str) -> Result<Pin, PinFormatError> {
        let t = s.trim();
        let n = t.chars().count();
        if n != 6 {
            return Err(PinFormatError::Length(n));
        }
        let mut digits = Box::new(Zeroizing::new([0u8; 6]));
        for (i, c) in t.bytes().enumerate() {
            if !c.is_ascii_digit() {
                return Err(PinFormatError::NotDigit(i + 1));
            }
            digits[i] = c - b'0';
        }
        Ok(Pin(digits))
    }

    /// A second `Pin` with the same digits, in a zeroizing block of its own (the kiosk keeps
    /// a typed new PIN over a wrong old PIN's retry, and sends it twice).
    pub fn duplicate(&self) -> Pin {
        // Copied heap to heap, as `parse` writes them: no copy of the digits on the stack.
        let mut digits = Box::new(Zeroizing::new([0u8; 6]));
        digits.copy_from_slice(&self.0[..]);
        Pin(digits)
    }

    /// The digits as values 0–9.
    pub fn digits(&self) -> &[u8; 6] {
        &self.0
    }

    /// The 3 BCD bytes the card expects.
    pub fn to_bcd(&self) -> Zeroizing<[u8; 3]> {
        let d = &self.0;
        Zeroizing::new([(d[0] << 4) | d[1], (d[2] << 4) | d[3], (d[4] << 4) | d[5]])
    }

    /// Constant-shape comparison (no early exit on the first different digit).
    pub fn same_as(&self, other: &Pin) -> bool {
        self.0
            .iter()
            .zip(other.0.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
    }
}

impl fmt::Debug for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pin(******)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_bcd() {
        let p = Pin::parse("704915\n").unwrap();
        assert_eq!(*p.to_bcd(), [0x70, 0x49, 0x15]);
        assert_eq!(format!("{p:?}"), "Pin(******)");
        assert_eq!(Pin::parse("12345").unwrap_err(), PinFormatError::Length(5));
        assert_eq!(
            Pin::parse("12a456").unwrap_err(),
            PinFormatError::NotDigit(3)
        );
        assert_eq!(
            Pin::parse("１２３４５６").unwrap_err(),
            PinFormatError::NotDigit(1)
        );
        assert!(p.same_as(&Pin::parse("704915").unwrap()));
        assert!(!p.same_as(&Pin::parse("704916").unwrap()));
    }
}
