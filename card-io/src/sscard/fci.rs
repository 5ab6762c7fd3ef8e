//! The FCI that SELECT SSSE answers: `6F L 84 0F <DF name> A5 L 9F 0C 03 86 01 <alg>`.

use iso7816_tlv::ber::{Tag, Tlv, Value};

use super::records::RecordError;
use crate::sam::Algorithm;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fci {
    pub df_name: Vec<u8>,
    pub algorithm: Algorithm,
    /// The raw algorithm byte.
    pub algorithm_code: u8,
}

fn bad(detail: impl Into<String>) -> RecordError {
    RecordError {
        item: "SELECT SSSE FCI",
        detail: detail.into(),
    }
}

fn tag(bytes: &[u8]) -> Result<Tag, RecordError> {
    let v = bytes.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
    Tag::try_from(v).map_err(|e| bad(format!("tag: {e:?}")))
}

impl Fci {
    pub fn parse(bytes: &[u8]) -> Result<Fci, RecordError> {
        let tlv = Tlv::from_bytes(bytes).map_err(|e| bad(format!("not BER-TLV ({e:?})")))?;
        let (tag84, tag_a5, tag_9f0c) = (tag(&[0x84])?, tag(&[0xA5])?, tag(&[0x9F, 0x0C])?);
        if tlv.tag() != &tag(&[0x6F])? {
            return Err(bad(format!(
                "starts with tag {:02X?}, expected 6F",
                tlv.tag().to_bytes()
            )));
        }
        // `Tlv::find` does not return constructed objects, so walk the children by hand.
        let children = match tlv.value() {
            Value::Constructed(c) => c,
            Value::Primitive(_) => return Err(bad("tag 6F is not constructed")),
        };
        let df_name = match children.iter().find(|t| t.tag() == &tag84).map(Tlv::value) {
            Some(Value::Primitive(v)) => v.clone(),
            _ => return Err(bad("no DF name (tag 84)")),
        };
        let inner = match children
            .iter()
            .find(|t| t.tag() == &tag_a5)
            .map(|t| t.find(&tag_9f0c))
        {
            Some(Some(t)) => match t.value() {
                Value::Primitive(v) => v.clone(),
                Value::Constructed(_) => return Err(bad("tag 9F0C is constructed")),
            },
            Some(None) => return Err(bad("no issuer data (tag 9F0C)")),
            None => return Err(bad("no proprietary template (tag A5)")),
        };
        // 9F0C holds `86 01 <alg>`.
        let algorithm_code = match inner.as_slice() {
            [0x86, 0x01, alg, ..] => *alg,
            other => {
                return Err(bad(format!(
                    "9F0C holds {:02X?}, expected 86 01 <alg>",
                    other
                )))
            }
        };
        let algorithm = Algorithm::from_code(algorithm_code).ok_or_else(|| {
            bad(format!(
                "unknown algorithm byte {algorithm_code:02X} (01 = 3DES, 04 = SM4)"
            ))
        })?;
        Ok(Fci {
            df_name,
            algorithm,
            algorithm_code,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_profile_fci() {
        let fci = hex::decode("6F19840F7378312E73682EC9E7BBE1B1A3D5CFA5069F0C03860104").unwrap();
        let f = Fci::parse(&fci).unwrap();
        assert_eq!(f.algorithm, Algorithm::Sm4);
        assert_eq!(f.df_name, super::super::SSSE_DF_NAME.to_vec());
    }

    #[test]
    fn rejects_bad_fci() {
        assert!(Fci::parse(&[]).is_err());
        assert!(Fci::parse(&hex::decode("6F03840100").unwrap()).is_err());
        let unknown =
            hex::decode("6F19840F7378312E73682EC9E7BBE1B1A3D5CFA5069F0C03860109").unwrap();
        assert!(Fci::parse(&unknown)
            .unwrap_err()
            .to_string()
            .contains("algorithm byte 09"));
    }
}
