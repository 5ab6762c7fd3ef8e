//! The card itself: its state, SELECT of the SSSE application, the command dispatch and the
//! T=0 framing (`61xx` / GET RESPONSE). The commands live beside it: `read` (SELECT EF, READ
//! RECORD), `pin` (the PIN commands), `secure` (GET CHALLENGE, MACs, lifecycle commands).

use std::path::Path;

use card_io::apdu::Command;
use card_io::sscard::SSSE_DF_NAME;
use zeroize::Zeroizing;

use super::files::{CardFiles, FileId};
use super::lifecycle::Lifecycle;
use super::reply::{sw, Reply};
use crate::device::SimDevice;
use crate::error::SimError;
use crate::framing::Framer;
use crate::personalisation::{CardFile, CardImage};
use crate::settings::Settings;

/// The fixed ATR prefix; the chip serial follows.
pub(crate) const ATR_PREFIX: [u8; 4] = [0x3B, 0x68, 0x00, 0x00];

/// What a warm reset clears.
#[derive(Debug, Default, Clone)]
pub(super) struct Session {
    pub(super) ssse_selected: bool,
    pub(super) current_ef: Option<FileId>,
    pub(super) verified: bool,
    /// Issued by GET CHALLENGE, valid for the next command only.
    pub(super) challenge: Option<[u8; 8]>,
    /// T=0: response data not yet fetched with GET RESPONSE.
    pub(super) framer: Framer,
}

/// The PIN and its counters. Only VERIFY and CHANGE PIN use the retry counter.
#[derive(Debug, Clone)]
pub(crate) struct PinState {
    pub pin: Zeroizing<[u8; 3]>,
    pub tries_left: u8,
    pub unblocks_left: u8,
}

/// A simulated social security card.
pub struct CardOs {
    pub(super) settings: Settings,
    pub(super) chip_serial: [u8; 8],
    pub(super) region_code: String,
    pub(super) files: CardFiles,
    pub(super) lifecycle: Lifecycle,
    pub(super) pin: PinState,
    pub(super) session: Session,
    pub(super) fixed_challenge: Option<[u8; 8]>,
}

impl CardOs {
    /// A card from a validated image.
    pub fn new(image: CardImage) -> CardOs {
        CardOs {
            settings: image.settings,
            chip_serial: image.chip_serial,
            region_code: image.region_code,
            files: image.files,
            lifecycle: image.lifecycle,
            pin: PinState {
                pin: Zeroizing::new(image.pin),
                tries_left: image.pin_tries_left,
                unblocks_left: image.unblocks_left,
            },
            session: Session::default(),
            fixed_challenge: None,
        }
    }

    /// A card from a card file (validated).
    pub fn from_personalisation(file: &CardFile) -> Result<CardOs, SimError> {
        Ok(CardOs::new(file.image()?))
    }

    /// Loads, validates and personalises a card file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<CardOs, SimError> {
        CardOs::from_personalisation(&CardFile::load(path)?)
    }

    /// Makes GET CHALLENGE deterministic (transcript tests), or random again with `None`.
    pub fn set_fixed_challenge(&mut self, challenge: Option<[u8; 8]>) {
        self.fixed_challenge = challenge;
    }

    pub fn pin_tries_left(&self) -> u8 {
        self.pin.tries_left
    }

    /// Sets the tries left (capped at the retry limit).
    pub fn set_pin_tries_left(&mut self, n: u8) {
        self.pin.tries_left = n.min(self.settings.pin_retry_limit);
    }

    pub fn pin_blocked(&self) -> bool {
        self.pin.tries_left == 0
    }

    /// PIN unblocks left in the card's life.
    #[cfg(test)]
    pub(crate) fn unblocks_left(&self) -> u8 {
        self.pin.unblocks_left
    }

    /// True when the PIN was verified in this session (until reset).
    #[cfg(test)]
    pub(crate) fn pin_verified(&self) -> bool {
        self.session.verified
    }

    pub fn lifecycle(&self) -> Lifecycle {
        self.lifecycle
    }

    pub fn set_lifecycle(&mut self, lifecycle: Lifecycle) {
        self.lifecycle = lifecycle;
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Changes settings on the fly (e.g. the transport). The tries left are capped at a
    /// lowered retry limit at the next command.
    pub fn settings_mut(&mut self) -> &mut Settings {
        &mut self.settings
    }

    pub fn chip_serial(&self) -> [u8; 8] {
        self.chip_serial
    }

    /// The 6-digit region code of EF05 tag 01.
    pub fn region_code(&self) -> &str {
        &self.region_code
    }

    /// The card's files.
    pub fn files(&self) -> &CardFiles {
        &self.files
    }

    /// The SSSE FCI: `6F 19 84 0F <DF name> A5 06 9F 0C 03 86 01 <alg>`.
    pub fn fci(&self) -> Vec<u8> {
        let mut fci = vec![0x6F, 0x19, 0x84, 0x0F];
        fci.extend_from_slice(&SSSE_DF_NAME);
        fci.extend_from_slice(&[
            0xA5,
            0x06,
            0x9F,
            0x0C,
            0x03,
            0x86,
            0x01,
            self.settings.algorithm.code(),
        ]);
        fci
    }

    /// SELECT `00 A4 P1 P2 Lc data [Le]`: P1 `04` by DF name, `02`/`00` EF by FID; P2 `00`
    /// returns the FCI, `0C` none.
    fn select(&mut self, cmd: &Command) -> Reply {
        if cmd.p2 != 0x00 && cmd.p2 != 0x0C {
            return sw::WRONG_P1P2.into();
        }
        match cmd.p1 {
            0x04 => self.select_ssse(cmd),
            0x00 | 0x02 => self.select_ef(cmd),
            _ => sw::WRONG_P1P2.into(),
        }
    }

    fn select_ssse(&mut self, cmd: &Command) -> Reply {
        if cmd.data().is_empty() {
            return sw::WRONG_LENGTH.into();
        }
        if cmd.data() != SSSE_DF_NAME {
            return sw::FILE_NOT_FOUND.into();
        }
        self.session.ssse_selected = true;
        self.session.current_ef = None;
        let status = if self.lifecycle == Lifecycle::TemporarilyBlocked {
            self.settings.blocked_sw.sw()
        } else {
            sw::OK
        };
        if cmd.p2 == 0x0C {
            status.into()
        } else {
            Reply::data(self.fci(), status)
        }
    }

    fn dispatch(&mut self, cmd: &Command, challenge: Option<[u8; 8]>) -> Reply {
        let want_cla = match cmd.ins {
            0xA4 | 0xB2 | 0x20 | 0x84 => 0x00,
            0x5E => 0x80,
            0x24 | 0x1E | 0x18 | 0x16 => 0x84,
            _ if matches!(cmd.cla, 0x00 | 0x80 | 0x84) => return sw::INS_NOT_SUPPORTED.into(),
            _ => return sw::CLA_NOT_SUPPORTED.into(),
        };
        if cmd.cla != want_cla {
            return sw::CLA_NOT_SUPPORTED.into();
        }
        match cmd.ins {
            0xA4 => self.select(cmd),
            0xB2 => self.read_record(cmd),
            0x20 => self.verify(cmd),
            0x5E => self.change_pin(cmd),
            0x84 => self.get_challenge(cmd),
            0x24 => self.reset_or_unblock_pin(cmd, challenge),
            0x1E => self.application_block(cmd, challenge),
            0x18 => self.application_unblock(cmd, challenge),
            _ => self.card_block(cmd, challenge),
        }
    }
}

impl SimDevice for CardOs {
    fn atr(&self) -> Vec<u8> {
        let mut atr = ATR_PREFIX.to_vec();
        atr.extend_from_slice(&self.chip_serial);
        atr
    }

    fn process(&mut self, apdu: &[u8]) -> Vec<u8> {
        let parsed = Command::parse(apdu);
        let is_get_response = matches!(&parsed, Ok(c) if Framer::is_get_response(c));
        // GET RESPONSE is transport framing: it neither consumes the challenge nor the
        // pending data of the command it completes.
        let challenge = if is_get_response {
            None
        } else {
            self.session.challenge.take()
        };
        if !is_get_response {
            self.session.framer.clear();
        }
        if self.pin.tries_left > self.settings.pin_retry_limit {
            self.pin.tries_left = self.settings.pin_retry_limit;
        }
        let Ok(cmd) = parsed else {
            return sw::WRONG_LENGTH.to_be_bytes().to_vec();
        };
        let reply = match self.lifecycle {
            Lifecycle::PermanentlyBlocked => sw::APP_LOCKED.into(),
            Lifecycle::CardBlocked => sw::CARD_BLOCKED.into(),
            _ if is_get_response => return self.session.framer.get_response(&cmd),
            _ => self.dispatch(&cmd, challenge),
        };
        self.session.framer.frame(
            self.settings.transport,
            self.settings.t0_warnings,
            reply.data,
            reply.sw,
        )
    }

    fn reset(&mut self) {
        self.session = Session::default();
    }
}
