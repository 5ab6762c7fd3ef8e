//! The secure module: key initialisation (diversification into the card's key) and MACs
//! over commands (CARD-PROFILE.md sections 5 and 6).
//!
//! - [`psam::Psam`]: a PSAM in a reader, spoken to with APDUs over any [`CardConnection`]
//!   (PC/SC in the field, the simulator in tests).
//! - [`soft::SoftSam`]: the same operations in software with the published test master
//!   keys. It exists for tests and the simulated kiosk only.
//! - [`crypto`]: the 3DES/SM4 primitives both use, and the [`Algorithm`] of a card's keys.
//!
//! [`CardConnection`]: crate::transport::CardConnection

pub mod crypto;
pub mod psam;
#[cfg(any(test, feature = "test-keys"))]
pub mod soft;

pub use crypto::Algorithm;

use crate::status::StatusWord;
use crate::transport::TransportError;

/// Key roles; the value is the key id (P1 of the PSAM's key initialisation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyRole {
    /// `01` STK: application block / unblock.
    Maintenance = 0x01,
    /// `02` UPK: PIN unblock.
    PinUnblock = 0x02,
    /// `03` RPK: PIN reset.
    PinReset = 0x03,
    /// `04` CBK: card block.
    CardBlock = 0x04,
}

impl KeyRole {
    pub fn id(self) -> u8 {
        self as u8
    }
}

/// The two diversification factors of one card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Factors {
    /// Factor 1: the chip serial (last 8 bytes of the ATR).
    pub card: [u8; 8],
    /// Factor 2: ASCII of the 6-digit region code ‖ `73 78` ("sx").
    pub city: [u8; 8],
}

impl Factors {
    /// Builds the factors from the ATR and the 6-digit region code. The chip serial is the
    /// last 8 historical bytes of the ATR (found by walking T0 and the TDi chain, so a T=1
    /// ATR's TCK is not taken for serial); an ATR that does not parse falls back to its last
    /// 8 bytes, as the profile's simulated ATR has them.
    pub fn new(atr: &[u8], region_code: &str) -> Result<Factors, SamError> {
        let hist = historical_bytes(atr).filter(|h| h.len() >= 8);
        let serial = match hist {
            Some(h) => &h[h.len() - 8..],
            None if atr.len() >= 8 => &atr[atr.len() - 8..],
            None => {
                return Err(SamError::BadFactor(format!(
                    "ATR of {} bytes has no 8-byte chip serial",
                    atr.len()
                )))
            }
        };
        let rc = region_code.as_bytes();
        if rc.len() != 6 || !rc.iter().all(u8::is_ascii_digit) {
            return Err(SamError::BadFactor(format!(
                "region code {region_code:?} is not 6 digits"
            )));
        }
        let mut card = [0u8; 8];
        card.copy_from_slice(serial);
        let mut city = [0u8; 8];
        city[..6].copy_from_slice(rc);
        city[6..].copy_from_slice(b"sx");
        Ok(Factors { card, city })
    }
}

/// The historical bytes of an ATR (ISO/IEC 7816-3 8.2): `None` when the ATR is too short
/// for what its T0 and TDi bytes announce.
pub fn historical_bytes(atr: &[u8]) -> Option<&[u8]> {
    let t0 = *atr.get(1)?;
    let k = usize::from(t0 & 0x0F);
    let mut i = 2;
    let mut y = t0 >> 4;
    loop {
        // TAi, TBi, TCi present per bits 1-3 of Y; TDi per bit 4.
        i += usize::from(y & 1) + usize::from((y >> 1) & 1) + usize::from((y >> 2) & 1);
        if y & 0x08 == 0 {
            break;
        }
        let td = *atr.get(i)?;
        i += 1;
        y = td >> 4;
    }
    atr.get(i..i + k)
}

/// Secure-module failures.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SamError {
    #[error("PSAM not found: no reader holds a card with the PSAM application")]
    NotFound,
    #[error("the PSAM does not hold key {0:02X}")]
    KeyMissing(u8),
    #[error("no key initialised in the secure module before MAC")]
    NoKey,
    #[error("PSAM answered {0}")]
    Status(StatusWord),
    #[error("PSAM answer malformed: {0}")]
    Malformed(String),
    #[error("bad diversification input: {0}")]
    BadFactor(String),
    #[error("MAC input: {0}")]
    MacInput(#[from] crypto::MacInputError),
    #[error("PSAM removed or not answering: {0}")]
    Transport(#[from] TransportError),
}

/// Key initialisation and MAC, as a PSAM offers them.
pub trait SecureModule: Send {
    /// Derives the card key for `key` from the master key and the card's factors.
    fn init_key(&mut self, key: KeyRole, alg: Algorithm, factors: &Factors)
        -> Result<(), SamError>;
    /// MAC4 over `message` (the module pads it) with initial vector `iv` (8 bytes for 3DES,
    /// 16 for SM4), under the key initialised last.
    fn mac(&mut self, iv: &[u8], message: &[u8]) -> Result<[u8; 4], SamError>;
    /// The terminal number held by the module (6 BCD bytes as 12 digits).
    fn terminal_number(&mut self) -> Result<String, SamError>;
    /// True for a software module with test keys (refused outside simulated hardware).
    fn is_test_module(&self) -> bool {
        false
    }
    /// The algorithm of the keys of the cards of `region_code` (6 digits), as this module is
    /// configured for that region. Asked only for a card that shows no FCI: a temporarily
    /// blocked T=0 card of the `6A 81` variant (CARD-PROFILE.md section 4). `None` when the
    /// region is not configured: the operation then says it cannot proceed.
    fn card_algorithm(&self, region_code: &str) -> Option<Algorithm> {
        let _ = region_code;
        None
    }
}

/// Region code (6 digits) → the algorithm of that region's card keys: the configuration a
/// secure module is given for cards that show no FCI ([`SecureModule::card_algorithm`]).
pub type CardAlgorithms = std::collections::BTreeMap<String, Algorithm>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chip_serial_from_a_t1_atr_skips_tck() {
        // 3B E8 00 00 81 31 FE 45 ‖ 8 historical bytes ‖ TCK
        let atr = hex::decode("3BE80000813 1FE45 8600112233445566 AA".replace(' ', "")).unwrap();
        let f = Factors::new(&atr, "652300").unwrap();
        assert_eq!(hex::encode_upper(f.card), "8600112233445566");
        assert_eq!(historical_bytes(&hex::decode("3B680000").unwrap()), None);
    }

    #[test]
    fn factors_from_atr_and_region() {
        let atr = hex::decode("3B6800008600112233445566").unwrap();
        let f = Factors::new(&atr, "652300").unwrap();
        assert_eq!(hex::encode_upper(f.card), "8600112233445566");
        assert_eq!(&f.city, b"652300sx");
        assert!(Factors::new(&atr[..5], "652300").is_err());
        assert!(Factors::new(&atr, "65230").is_err());
        assert!(Factors::new(&atr, "65230A").is_err());
    }
}
