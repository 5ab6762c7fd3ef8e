//! A PSAM in a reader slot (CARD-PROFILE.md section 6), spoken to with APDUs over any
//! [`CardConnection`].
//!
//! Key initialisation is `80 1A <key id> <alg> 10 <factor1 ‖ factor2>`. The profile gives
//! P2 = `01`; this crate sends the card's algorithm byte there (`01` 3DES, `04` SM4), which
//! keeps the profile's 3DES form byte for byte and tells the PSAM which cipher to derive
//! with **[profile extension]**.
//!
//! KEY INIT and MAC go to the PSAM in one PC/SC transaction: `init_key` only records what to
//! derive, and `mac` sends both. No other application can re-initialise the PSAM in between,
//! and a PSAM reset since the last operation cannot leave a stale or missing key behind.

use crate::apdu::Command;
use crate::status::StatusWord;
use crate::transport::{self, CardConnection, CardSession, Disposition};

use super::{Algorithm, CardAlgorithms, Factors, KeyRole, SamError, SecureModule};

/// AID of the PSAM application.
pub const PSAM_AID: [u8; 6] = [0xD1, 0x56, 0x00, 0x00, 0x05, 0x90];

/// SELECT of the PSAM application.
pub(crate) fn select_command() -> Command {
    Command::new(0x00, 0xA4, 0x04, 0x00).with_data(PSAM_AID.to_vec())
}

/// Selects the PSAM application on `session`; `Ok(false)` when the card is not a PSAM.
pub fn probe(session: &mut dyn CardSession) -> Result<bool, transport::TransportError> {
    let r = transport::transmit(session, &select_command())?;
    Ok(r.is_ok())
}

/// A PSAM reached through a card connection.
pub struct Psam {
    conn: Box<dyn CardConnection>,
    /// The key to derive before the next MAC.
    key: Option<(KeyRole, Algorithm, Factors)>,
    /// The algorithm of each region's cards, for cards that show no FCI.
    card_algorithms: CardAlgorithms,
}

impl Psam {
    /// Takes the connection and selects the PSAM application on it.
    pub fn open(mut conn: Box<dyn CardConnection>) -> Result<Psam, SamError> {
        {
            let mut s = conn.session(None)?;
            if !probe(&mut *s)? {
                return Err(SamError::NotFound);
            }
        }
        Ok(Psam::probed(conn))
    }

    /// Takes a connection whose card [`probe`] has just found to be the PSAM (its
    /// application is selected), without selecting it again.
    pub fn probed(conn: Box<dyn CardConnection>) -> Psam {
        Psam {
            conn,
            key: None,
            card_algorithms: CardAlgorithms::new(),
        }
    }

    /// Configures the algorithm of each region's cards (see
    /// [`SecureModule::card_algorithm`]).
    pub fn with_card_algorithms(mut self, algorithms: CardAlgorithms) -> Psam {
        self.card_algorithms = algorithms;
        self
    }

    pub fn reader_name(&self) -> &str {
        self.conn.reader_name()
    }

    /// Releases the PSAM's reader.
    pub fn close(self) -> Result<(), SamError> {
        self.conn.disconnect(Disposition::Leave)?;
        Ok(())
    }

    /// Runs `commands` in one session; the data of the last command's answer.
    fn run(&mut self, commands: &[Command]) -> Result<Vec<u8>, SamError> {
        let aid = PSAM_AID;
        let mut s = self.conn.session(Some(&aid))?;
        let mut data = Vec::new();
        for cmd in commands {
            let r = transport::transmit(&mut *s, cmd)?;
            match r.status() {
                StatusWord::Success => data = r.data,
                StatusWord::KeyNotFound => return Err(SamError::KeyMissing(cmd.p1)),
                sw => return Err(SamError::Status(sw)),
            }
        }
        Ok(data)
    }
}

impl SecureModule for Psam {
    fn init_key(
        &mut self,
        key: KeyRole,
        alg: Algorithm,
        factors: &Factors,
    ) -> Result<(), SamError> {
        self.key = Some((key, alg, *factors));
        Ok(())
    }

    fn mac(&mut self, iv: &[u8], message: &[u8]) -> Result<[u8; 4], SamError> {
        let (key, alg, factors) = self.key.ok_or(SamError::NoKey)?;
        let mut init = factors.card.to_vec();
        init.extend_from_slice(&factors.city);
        let mut data = Vec::with_capacity(iv.len() + message.len());
        data.extend_from_slice(iv);
        data.extend_from_slice(message);
        // The message may carry a new PIN (RESET PIN): never logged.
        let commands = [
            Command::new(0x80, 0x1A, key.id(), alg.code()).with_data(init),
            Command::new(0x80, 0xFA, 0x05, 0x00)
                .with_data(data)
                .secret(),
        ];
        let out = self.run(&commands)?;
        out.get(..4)
            .and_then(|m| <[u8; 4]>::try_from(m).ok())
            .ok_or_else(|| SamError::Malformed(format!("MAC of {} bytes, expected 4", out.len())))
    }

    fn terminal_number(&mut self) -> Result<String, SamError> {
        let out = self.run(&[Command::new(0x00, 0xB0, 0x96, 0x00).with_le(6)])?;
        if out.len() != 6 {
            return Err(SamError::Malformed(format!(
                "terminal number of {} bytes",
                out.len()
            )));
        }
        Ok(hex::encode_upper(out))
    }

    fn card_algorithm(&self, region_code: &str) -> Option<Algorithm> {
        self.card_algorithms.get(region_code).copied()
    }
}
