//! Block-cipher primitives of CARD-PROFILE.md section 5 on RustCrypto crates: DES, two-key
//! 3DES and SM4 single blocks, two-level key diversification, and the command MACs (ISO/IEC
//! 9797-1 MAC algorithm 3 for 3DES, CBC-MAC for SM4), both with `80 00…` padding.
//!
//! [`Algorithm`] names which of the two a card's keys use (its FCI's algorithm byte).
//!
//! Keys and derived keys are held in zeroizing buffers.

use cipher::generic_array::GenericArray;
use cipher::{BlockEncrypt, KeyInit};
use des::{Des, TdesEde2};
use sm4::Sm4;
use zeroize::Zeroizing;

/// The algorithm of a card's keys, from the algorithm byte of its FCI (`9F0C 03 86 01 <alg>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Algorithm {
    /// `01`: two-key 3DES, 16-byte keys, 8-byte blocks.
    #[serde(rename = "3des")]
    Tdes,
    /// `04`: SM4, 16-byte keys and blocks. **[profile choice]**
    Sm4,
}

impl Algorithm {
    pub fn from_code(code: u8) -> Option<Algorithm> {
        match code {
            0x01 => Some(Algorithm::Tdes),
            0x04 => Some(Algorithm::Sm4),
            _ => None,
        }
    }
    pub fn code(self) -> u8 {
        match self {
            Algorithm::Tdes => 0x01,
            Algorithm::Sm4 => 0x04,
        }
    }
    pub fn block_size(self) -> usize {
        match self {
            Algorithm::Tdes => 8,
            Algorithm::Sm4 => 16,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Tdes => "3des",
            Algorithm::Sm4 => "sm4",
        }
    }
}

impl std::fmt::Display for Algorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A 16-byte key (two-key 3DES or SM4), wiped when dropped.
pub type Key16 = Zeroizing<[u8; 16]>;

/// Single DES on one block (used for the first blocks of MAC algorithm 3).
pub(crate) fn des_encrypt(key: &[u8; 8], block: [u8; 8]) -> [u8; 8] {
    let cipher = Des::new(GenericArray::from_slice(key));
    let mut b = GenericArray::from(block);
    cipher.encrypt_block(&mut b);
    b.into()
}

/// Two-key 3DES (EDE, K1 K2 K1) on one block.
pub(crate) fn tdes_encrypt(key: &[u8; 16], block: [u8; 8]) -> [u8; 8] {
    let cipher = TdesEde2::new(GenericArray::from_slice(key));
    let mut b = GenericArray::from(block);
    cipher.encrypt_block(&mut b);
    b.into()
}

/// SM4 (GB/T 32907) on one block.
pub(crate) fn sm4_encrypt(key: &[u8; 16], block: [u8; 16]) -> [u8; 16] {
    let cipher = Sm4::new(GenericArray::from_slice(key));
    let mut b = GenericArray::from(block);
    cipher.encrypt_block(&mut b);
    b.into()
}

/// One level of diversification: DIV(K, f).
/// 3DES: `3DES_K(f) ‖ 3DES_K(f XOR FF…FF)`; SM4: `SM4_K(f ‖ (f XOR FF…FF))`.
pub(crate) fn diversify(alg: Algorithm, key: &[u8; 16], factor: &[u8; 8]) -> Key16 {
    let inverted: [u8; 8] = std::array::from_fn(|i| !factor[i]);
    let mut out = Zeroizing::new([0u8; 16]);
    match alg {
        Algorithm::Tdes => {
            out[..8].copy_from_slice(&tdes_encrypt(key, *factor));
            out[8..].copy_from_slice(&tdes_encrypt(key, inverted));
        }
        Algorithm::Sm4 => {
            let mut block = [0u8; 16];
            block[..8].copy_from_slice(factor);
            block[8..].copy_from_slice(&inverted);
            out.copy_from_slice(&sm4_encrypt(key, block));
        }
    }
    out
}

/// The card key: DIV(DIV(master, city factor), card factor).
pub fn card_key(
    alg: Algorithm,
    master: &[u8; 16],
    card_factor: &[u8; 8],
    city_factor: &[u8; 8],
) -> Key16 {
    let city = diversify(alg, master, city_factor);
    diversify(alg, &city, card_factor)
}

/// Pads with `80` then `00` to a multiple of `block` (always adds at least one byte).
pub(crate) fn pad_80(message: &[u8], block: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + block);
    out.extend_from_slice(message);
    out.push(0x80);
    while out.len() % block != 0 {
        out.push(0x00);
    }
    out
}

/// Why a MAC cannot be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MacInputError {
    #[error("initial vector must be {expected} bytes for {alg}, got {got}")]
    IvLength {
        alg: Algorithm,
        expected: usize,
        got: usize,
    },
}

/// The full MAC (8 bytes for 3DES, 16 for SM4) over `message` with initial vector `iv`.
pub(crate) fn mac_full(
    alg: Algorithm,
    key: &[u8; 16],
    iv: &[u8],
    message: &[u8],
) -> Result<Vec<u8>, MacInputError> {
    let bs = alg.block_size();
    if iv.len() != bs {
        return Err(MacInputError::IvLength {
            alg,
            expected: bs,
            got: iv.len(),
        });
    }
    // The message may carry PIN bytes (RESET PIN): the padded copy is wiped when dropped.
    let padded = zeroize::Zeroizing::new(pad_80(message, bs));
    match alg {
        Algorithm::Tdes => {
            // ISO/IEC 9797-1 MAC algorithm 3: DES-CBC with K1, last block 3DES (K1 K2 K1).
            let k1: [u8; 8] = std::array::from_fn(|i| key[i]);
            let mut x: [u8; 8] = std::array::from_fn(|i| iv[i]);
            let blocks: Vec<&[u8]> = padded.chunks(8).collect();
            let last = blocks.len() - 1;
            for (n, blk) in blocks.iter().enumerate() {
                for i in 0..8 {
                    x[i] ^= blk[i];
                }
                x = if n == last {
                    tdes_encrypt(key, x)
                } else {
                    des_encrypt(&k1, x)
                };
            }
            Ok(x.to_vec())
        }
        Algorithm::Sm4 => {
            let mut x: [u8; 16] = std::array::from_fn(|i| iv[i]);
            for blk in padded.chunks(16) {
                for i in 0..16 {
                    x[i] ^= blk[i];
                }
                x = sm4_encrypt(key, x);
            }
            Ok(x.to_vec())
        }
    }
}

/// MAC4: the first four bytes of [`mac_full`].
pub fn mac4(
    alg: Algorithm,
    key: &[u8; 16],
    iv: &[u8],
    message: &[u8],
) -> Result<[u8; 4], MacInputError> {
    let full = mac_full(alg, key, iv, message)?;
    Ok([full[0], full[1], full[2], full[3]])
}

/// The IV for a command MAC from an 8-byte card challenge: the challenge itself for 3DES,
/// challenge ‖ `00`×8 for SM4.
pub fn iv_from_challenge(alg: Algorithm, challenge: &[u8; 8]) -> Vec<u8> {
    let mut iv = challenge.to_vec();
    if alg == Algorithm::Sm4 {
        iv.extend_from_slice(&[0u8; 8]);
    }
    iv
}

/// The simulator's and software PSAM's test master key for a key id: byte i is
/// `(id << 4) | i`. Never valid on a real kiosk.
#[cfg(any(test, feature = "test-keys"))]
pub fn test_master_key(id: u8) -> Key16 {
    Zeroizing::new(std::array::from_fn(|i| (id << 4) | i as u8))
}

#[cfg(test)]
mod tests {
    //! Known-answer vectors from CARD-VECTORS.md (and, through it, FIPS 46 and GB/T 32907).
    use super::*;

    fn h<const N: usize>(s: &str) -> [u8; N] {
        hex::decode(s).unwrap().try_into().unwrap()
    }

    const CARD: &str = "8600112233445566";
    const CITY: &str = "3635323330307378";

    #[test]
    fn des_fips46_worked_example() {
        assert_eq!(
            des_encrypt(&h("133457799BBCDFF1"), h("0123456789ABCDEF")),
            h::<8>("85E813540F0AB405")
        );
    }

    #[test]
    fn sm4_gbt32907_example() {
        let k = h("0123456789ABCDEFFEDCBA9876543210");
        assert_eq!(
            sm4_encrypt(&k, k),
            h::<16>("681EDF34D206965E86B3E94F536E4246")
        );
    }

    #[test]
    fn city_factor_is_region_ascii_and_sx() {
        assert_eq!(&h::<8>(CITY), b"652300sx");
    }

    #[test]
    fn tdes_diversification_vectors() {
        let table = [
            (
                1,
                "5506615CFE463C8CA6EDA718262528EE",
                "9950C52528089C042330650FE8D6606A",
            ),
            (
                2,
                "749D99E7A5C10A0436ED8A7ACDE0DE5D",
                "EC9BEB435C73A0F24B4731449C3881F8",
            ),
            (
                3,
                "1A9DE3924F1FCC248B9B6311FE84E20B",
                "B1C8B468D6EF971C30EAB2FB7FCCA64A",
            ),
            (
                4,
                "B5BD5B686B0D5CEE560D7E5C79F39BD8",
                "4FA9E36675CD8F4262BBEFC7650F2E15",
            ),
        ];
        for (id, city, card) in table {
            let m = test_master_key(id);
            assert_eq!(
                *diversify(Algorithm::Tdes, &m, &h(CITY)),
                h::<16>(city),
                "key {id}"
            );
            assert_eq!(
                *card_key(Algorithm::Tdes, &m, &h(CARD), &h(CITY)),
                h::<16>(card),
                "key {id}"
            );
        }
    }

    #[test]
    fn sm4_diversification_vectors() {
        let table = [
            (
                1,
                "7318D0E02C6D78D1371DED799397B735",
                "574C38B248B0647D2FD81158D76DA79D",
            ),
            (
                2,
                "6657AC9D87E1E9143B227DA8F8D0635D",
                "9E91B8E223F678897C0A3EE81A459F07",
            ),
            (
                3,
                "C6CEB92D54015792718CF16855A1DFF2",
                "02AEA8A6383E268662194C558D398FCD",
            ),
            (
                4,
                "9AAC35FD4339A13D3E64FEE803D388D3",
                "4660D832E194463E8AE3EE9720D6F85A",
            ),
        ];
        for (id, city, card) in table {
            let m = test_master_key(id);
            assert_eq!(
                *diversify(Algorithm::Sm4, &m, &h(CITY)),
                h::<16>(city),
                "key {id}"
            );
            assert_eq!(
                *card_key(Algorithm::Sm4, &m, &h(CARD), &h(CITY)),
                h::<16>(card),
                "key {id}"
            );
        }
    }

    #[test]
    fn command_mac_vectors() {
        let challenge: [u8; 8] = h("0102030405060708");
        let table: [(u8, &str, &str, Option<&str>); 5] = [
            (1, "841E000004", "739CB459", Some("A7FC5806")),
            (1, "8418000004", "5ABF433A", None),
            (2, "8424000004", "57F23B89", None),
            (3, "8424000107704915", "3C488086", Some("387F0BA5")),
            (4, "8416000004", "930C84EB", None),
        ];
        for (id, input, tdes, sm4) in table {
            let msg = hex::decode(input).unwrap();
            let k = card_key(Algorithm::Tdes, &test_master_key(id), &h(CARD), &h(CITY));
            let iv = iv_from_challenge(Algorithm::Tdes, &challenge);
            assert_eq!(
                mac4(Algorithm::Tdes, &k, &iv, &msg).unwrap(),
                h::<4>(tdes),
                "{input}"
            );
            if let Some(sm4) = sm4 {
                let k = card_key(Algorithm::Sm4, &test_master_key(id), &h(CARD), &h(CITY));
                let iv = iv_from_challenge(Algorithm::Sm4, &challenge);
                assert_eq!(
                    mac4(Algorithm::Sm4, &k, &iv, &msg).unwrap(),
                    h::<4>(sm4),
                    "{input} sm4"
                );
            }
        }
    }

    #[test]
    fn padding_always_adds_a_byte() {
        assert_eq!(pad_80(&[1; 8], 8).len(), 16);
        assert_eq!(pad_80(&[1; 5], 8), vec![1, 1, 1, 1, 1, 0x80, 0, 0]);
        assert_eq!(pad_80(&[], 16).len(), 16);
    }

    #[test]
    fn wrong_iv_length_is_refused() {
        let k = test_master_key(1);
        assert!(mac4(Algorithm::Sm4, &k, &[0; 8], b"x").is_err());
        assert!(mac4(Algorithm::Tdes, &k, &[0; 16], b"x").is_err());
    }
}
