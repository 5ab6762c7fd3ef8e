//! A software secure module with the profile's published test master keys.

use zeroize::Zeroizing;

use super::crypto::{self, Key16};
use super::{Algorithm, CardAlgorithms, Factors, KeyRole, SamError, SecureModule};

/// Software PSAM. Holds master keys by role; derives a card key on `init_key`.
pub struct SoftSam {
    masters: Vec<(KeyRole, Key16)>,
    current: Option<(Algorithm, Key16)>,
    terminal: String,
    card_algorithms: CardAlgorithms,
}

impl SoftSam {
    /// The module with the test master keys of CARD-PROFILE.md section 5 (all four roles).
    pub fn with_test_keys() -> SoftSam {
        let roles = [
            KeyRole::Maintenance,
            KeyRole::PinUnblock,
            KeyRole::PinReset,
            KeyRole::CardBlock,
        ];
        SoftSam {
            masters: roles
                .iter()
                .map(|r| (*r, crypto::test_master_key(r.id())))
                .collect(),
            current: None,
            terminal: "652300000001".to_owned(),
            card_algorithms: CardAlgorithms::new(),
        }
    }

    /// Configures the algorithm of each region's cards (see
    /// [`SecureModule::card_algorithm`]).
    pub fn with_card_algorithms(mut self, algorithms: CardAlgorithms) -> SoftSam {
        self.card_algorithms = algorithms;
        self
    }
}

impl SecureModule for SoftSam {
    fn init_key(
        &mut self,
        key: KeyRole,
        alg: Algorithm,
        factors: &Factors,
    ) -> Result<(), SamError> {
        let master = self
            .masters
            .iter()
            .find(|(r, _)| *r == key)
            .map(|(_, k)| k)
            .ok_or(SamError::KeyMissing(key.id()))?;
        let derived = crypto::card_key(alg, master, &factors.card, &factors.city);
        self.current = Some((alg, Zeroizing::new(*derived)));
        Ok(())
    }

    fn mac(&mut self, iv: &[u8], message: &[u8]) -> Result<[u8; 4], SamError> {
        let (alg, key) = self.current.as_ref().ok_or(SamError::NoKey)?;
        Ok(crypto::mac4(*alg, key, iv, message)?)
    }

    fn terminal_number(&mut self) -> Result<String, SamError> {
        Ok(self.terminal.clone())
    }

    fn is_test_module(&self) -> bool {
        true
    }

    fn card_algorithm(&self, region_code: &str) -> Option<Algorithm> {
        self.card_algorithms.get(region_code).copied()
    }
}
