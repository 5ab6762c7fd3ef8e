//! Packed BCD as the card stores dates, region codes and PINs.

/// Decodes packed BCD into digits. `F` nibbles are padding and end the string; any other
/// nibble above 9 makes the value invalid (`None`).
pub fn decode(bytes: &[u8]) -> Option<String> {
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        for nib in [b >> 4, b & 0x0F] {
            match nib {
                0..=9 => {
                    if s.len() != s.trim_end().len() {
                        return None;
                    }
                    s.push(char::from(b'0' + nib));
                }
                0x0F => s.push(' '),
                _ => return None,
            }
        }
    }
    // Padding only at the end.
    let trimmed = s.trim_end();
    if trimmed.contains(' ') {
        return None;
    }
    Some(trimmed.to_owned())
}

/// Encodes decimal digits as packed BCD, padding an odd count with `F`.
pub fn encode(digits: &str) -> Option<Vec<u8>> {
    let d: Vec<u8> = digits.bytes().map(|c| c.wrapping_sub(b'0')).collect();
    if d.iter().any(|&x| x > 9) {
        return None;
    }
    Some(
        d.chunks(2)
            .map(|c| (c[0] << 4) | c.get(1).copied().unwrap_or(0x0F))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_padding() {
        assert_eq!(decode(&[0x65, 0x23, 0x00]).as_deref(), Some("652300"));
        assert_eq!(decode(&[0x65, 0x23, 0x0F]).as_deref(), Some("65230"));
        assert_eq!(decode(&[0x65, 0xFF, 0xFF]).as_deref(), Some("65"));
        assert_eq!(decode(&[0x6F, 0x23]), None);
        assert_eq!(decode(&[0x6A]), None);
        assert_eq!(encode("123456"), Some(vec![0x12, 0x34, 0x56]));
        assert_eq!(encode("12345"), Some(vec![0x12, 0x34, 0x5F]));
        assert_eq!(encode("12a"), None);
    }
}
