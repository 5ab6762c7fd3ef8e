//! GET CHALLENGE, command MACs, and the MAC-protected lifecycle commands (CARD-PROFILE.md
//! sections 4 and 5).

use card_io::apdu::Command;
use card_io::sam::crypto::{card_key, iv_from_challenge, mac4, test_master_key};
use card_io::sam::KeyRole;

use super::card::CardOs;
use super::lifecycle::Lifecycle;
use super::reply::{sw, Reply};

impl CardOs {
    /// Diversification factor 2: ASCII of the region code ‖ "sx".
    fn city_factor(&self) -> [u8; 8] {
        let mut f = [0u8; 8];
        let rc = self.region_code.as_bytes();
        let n = rc.len().min(6);
        f[..n].copy_from_slice(&rc[..n]);
        f[6..].copy_from_slice(b"sx");
        f
    }

    /// Checks the MAC4 at the end of `cmd`'s data against the card key of `role` and the
    /// challenge issued by the previous command. `Err` carries the status word.
    pub(super) fn check_mac(
        &self,
        cmd: &Command,
        challenge: Option<[u8; 8]>,
        role: KeyRole,
    ) -> Result<(), u16> {
        let challenge = challenge.ok_or(sw::NO_CHALLENGE)?;
        let data = cmd.data();
        if data.len() < 4 || data.len() > 255 {
            return Err(sw::WRONG_LENGTH);
        }
        let (body, mac) = data.split_at(data.len() - 4);
        // The MAC input carries RESET PIN's new PIN: sized once (no copy left by growing)
        // and wiped when dropped.
        let mut input = zeroize::Zeroizing::new(Vec::with_capacity(5 + body.len()));
        input.extend_from_slice(&[cmd.cla, cmd.ins, cmd.p1, cmd.p2, data.len() as u8]);
        input.extend_from_slice(body);
        let alg = self.settings.algorithm;
        let key = card_key(
            alg,
            &test_master_key(role.id()),
            &self.chip_serial,
            &self.city_factor(),
        );
        let iv = iv_from_challenge(alg, &challenge);
        let want = mac4(alg, &key, &iv, &input).map_err(|_| sw::WRONG_MAC)?;
        let diff = want.iter().zip(mac).fold(0u8, |acc, (a, b)| acc | (a ^ b));
        if diff == 0 {
            Ok(())
        } else {
            Err(sw::WRONG_MAC)
        }
    }

    /// GET CHALLENGE `00 84 00 00 08`.
    pub(super) fn get_challenge(&mut self, cmd: &Command) -> Reply {
        if cmd.p1 != 0 || cmd.p2 != 0 {
            return sw::WRONG_P1P2.into();
        }
        if !cmd.data().is_empty() || cmd.le != Some(8) {
            return sw::WRONG_LENGTH.into();
        }
        let challenge = self.fixed_challenge.unwrap_or_else(rand::random);
        self.session.challenge = Some(challenge);
        Reply::data(challenge.to_vec(), sw::OK)
    }

    /// Common checks of the 4-byte-MAC lifecycle commands.
    fn mac_only(
        &self,
        cmd: &Command,
        challenge: Option<[u8; 8]>,
        role: KeyRole,
    ) -> Result<(), u16> {
        if cmd.data().len() != 4 {
            return Err(sw::WRONG_LENGTH);
        }
        self.check_mac(cmd, challenge, role)
    }

    /// APPLICATION BLOCK `84 1E 00 P2 04 <MAC>`: P2 `00` temporary, `01` permanent.
    pub(super) fn application_block(&mut self, cmd: &Command, challenge: Option<[u8; 8]>) -> Reply {
        let permanent = match (cmd.p1, cmd.p2) {
            (0x00, 0x00) => false,
            (0x00, 0x01) => true,
            _ => return sw::WRONG_P1P2.into(),
        };
        if let Err(sw) = self.mac_only(cmd, challenge, KeyRole::Maintenance) {
            return sw.into();
        }
        self.lifecycle = if permanent {
            Lifecycle::PermanentlyBlocked
        } else {
            Lifecycle::TemporarilyBlocked
        };
        Reply::ok()
    }

    /// APPLICATION UNBLOCK `84 18 00 00 04 <MAC>`: undoes a temporary block.
    pub(super) fn application_unblock(
        &mut self,
        cmd: &Command,
        challenge: Option<[u8; 8]>,
    ) -> Reply {
        if cmd.p1 != 0 || cmd.p2 != 0 {
            return sw::WRONG_P1P2.into();
        }
        if let Err(sw) = self.mac_only(cmd, challenge, KeyRole::Maintenance) {
            return sw.into();
        }
        self.lifecycle = Lifecycle::Active;
        Reply::ok()
    }

    /// CARD BLOCK `84 16 00 00 04 <MAC>`: irreversible.
    pub(super) fn card_block(&mut self, cmd: &Command, challenge: Option<[u8; 8]>) -> Reply {
        if cmd.p1 != 0 || cmd.p2 != 0 {
            return sw::WRONG_P1P2.into();
        }
        if let Err(sw) = self.mac_only(cmd, challenge, KeyRole::CardBlock) {
            return sw.into();
        }
        self.lifecycle = Lifecycle::CardBlocked;
        Reply::ok()
    }
}
