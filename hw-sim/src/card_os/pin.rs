//! The PIN: VERIFY, CHANGE PIN, and the MAC-protected RESET PIN / UNBLOCK PIN
//! (CARD-PROFILE.md section 3).

use card_io::apdu::Command;
use card_io::sam::KeyRole;

use super::card::CardOs;
use super::lifecycle::Lifecycle;
use super::reply::{sw, Reply};

/// True when `bytes` are 3 BCD bytes of six digits (no `F` padding).
fn valid_pin(bytes: &[u8]) -> bool {
    bytes.len() == 3 && bytes.iter().all(|b| b >> 4 <= 9 && b & 0x0F <= 9)
}

impl CardOs {
    fn pin_commands_allowed(&self) -> bool {
        self.lifecycle != Lifecycle::TemporarilyBlocked
    }

    /// Compares a candidate with the PIN, counting a failure.
    fn check_pin(&mut self, candidate: &[u8]) -> Reply {
        if self.pin.tries_left == 0 {
            return sw::AUTH_BLOCKED.into();
        }
        let same = candidate
            .iter()
            .zip(self.pin.pin.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
        if same {
            self.pin.tries_left = self.settings.pin_retry_limit;
            self.session.verified = true;
            Reply::ok()
        } else {
            self.pin.tries_left -= 1;
            self.session.verified = false;
            sw::tries_left(self.pin.tries_left).into()
        }
    }

    /// VERIFY `00 20 00 00 03 <pin>`, or without data to read the tries left.
    pub(super) fn verify(&mut self, cmd: &Command) -> Reply {
        if cmd.p1 != 0 || cmd.p2 != 0 {
            return sw::WRONG_P1P2.into();
        }
        let data = cmd.data();
        if !data.is_empty() && data.len() != 3 {
            return sw::WRONG_LENGTH.into();
        }
        if !self.pin_commands_allowed() {
            return sw::CONDITIONS.into();
        }
        if data.is_empty() {
            return if self.pin.tries_left == 0 {
                sw::AUTH_BLOCKED.into()
            } else if self.session.verified {
                Reply::ok()
            } else {
                sw::tries_left(self.pin.tries_left).into()
            };
        }
        if !valid_pin(data) {
            return sw::WRONG_DATA.into();
        }
        self.check_pin(data)
    }

    /// CHANGE PIN `80 5E 01 00 07 <old> FF <new>`.
    pub(super) fn change_pin(&mut self, cmd: &Command) -> Reply {
        if cmd.p1 != 0x01 || cmd.p2 != 0x00 {
            return sw::WRONG_P1P2.into();
        }
        let data = cmd.data();
        if data.len() != 7 {
            return sw::WRONG_LENGTH.into();
        }
        if !self.pin_commands_allowed() {
            return sw::CONDITIONS.into();
        }
        let (old, new) = (&data[..3], &data[4..]);
        if data[3] != 0xFF || !valid_pin(old) || !valid_pin(new) || old == new {
            return sw::WRONG_DATA.into();
        }
        let reply = self.check_pin(old);
        if reply.sw == sw::OK {
            self.pin.pin.copy_from_slice(new);
        }
        reply
    }

    /// `84 24 00 00 04 <MAC>` UNBLOCK PIN (UPK) or `84 24 00 01 07 <new> <MAC>` RESET PIN (RPK).
    pub(super) fn reset_or_unblock_pin(
        &mut self,
        cmd: &Command,
        challenge: Option<[u8; 8]>,
    ) -> Reply {
        let reset = match (cmd.p1, cmd.p2) {
            (0x00, 0x00) => false,
            (0x00, 0x01) => true,
            _ => return sw::WRONG_P1P2.into(),
        };
        let data = cmd.data();
        if data.len() != if reset { 7 } else { 4 } {
            return sw::WRONG_LENGTH.into();
        }
        if !self.pin_commands_allowed() {
            return sw::CONDITIONS.into();
        }
        if reset {
            let new = &data[..3];
            if !valid_pin(new) {
                return sw::WRONG_DATA.into();
            }
            if let Err(sw) = self.check_mac(cmd, challenge, KeyRole::PinReset) {
                return sw.into();
            }
            self.pin.pin.copy_from_slice(new);
        } else {
            if let Err(sw) = self.check_mac(cmd, challenge, KeyRole::PinUnblock) {
                return sw.into();
            }
            if self.pin.unblocks_left == 0 {
                return sw::AUTH_BLOCKED.into();
            }
            self.pin.unblocks_left -= 1;
        }
        self.pin.tries_left = self.settings.pin_retry_limit;
        self.session.verified = false;
        Reply::ok()
    }
}
