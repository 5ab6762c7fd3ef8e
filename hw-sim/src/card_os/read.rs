//! SELECT EF and READ RECORD over the record files (CARD-PROFILE.md section 2).

use card_io::apdu::Command;

use super::card::CardOs;
use super::files::FileId;
use super::lifecycle::Lifecycle;
use super::reply::{sw, Reply};
use crate::settings::Transport;

impl CardOs {
    /// SELECT EF by file identifier (`00 A4 02|00 00|0C 02 <FID>`).
    pub(super) fn select_ef(&mut self, cmd: &Command) -> Reply {
        if cmd.data().len() != 2 {
            return sw::WRONG_LENGTH.into();
        }
        if !self.session.ssse_selected {
            return sw::FILE_NOT_FOUND.into();
        }
        match FileId::from_fid(cmd.data()).filter(|f| self.files.file(*f).is_some()) {
            Some(f) => {
                self.session.current_ef = Some(f);
                Reply::ok()
            }
            None => sw::FILE_NOT_FOUND.into(),
        }
    }

    /// READ RECORD `00 B2 P1 P2 Le` in the four addressings of CARD-PROFILE.md section 2.
    pub(super) fn read_record(&mut self, cmd: &Command) -> Reply {
        let by_number = match cmd.p2 & 0x07 {
            0x00 => false,
            0x04 => true,
            _ => return sw::WRONG_P1P2.into(),
        };
        if cmd.p1 == 0 {
            return sw::WRONG_P1P2.into();
        }
        if !cmd.data().is_empty() {
            return sw::WRONG_LENGTH.into();
        }
        let sfi = cmd.p2 >> 3;
        let file = if sfi == 0 {
            match self.session.current_ef {
                Some(f) => f,
                None => return sw::NO_CURRENT_EF.into(),
            }
        } else {
            if !self.session.ssse_selected {
                return sw::FILE_NOT_FOUND.into();
            }
            match FileId::from_sfi(sfi).filter(|f| self.files.file(*f).is_some()) {
                Some(f) => {
                    self.session.current_ef = Some(f);
                    f
                }
                None => return sw::FILE_NOT_FOUND.into(),
            }
        };
        if self.lifecycle == Lifecycle::TemporarilyBlocked && file != FileId::Ef05 {
            return sw::CONDITIONS.into();
        }
        let records = self.files.file(file).unwrap_or_default();
        let record = if by_number {
            file.record_tags()
                .get(usize::from(cmd.p1) - 1)
                .and_then(|tag| records.iter().find(|r| r.tag == *tag))
        } else {
            records.iter().find(|r| r.tag == cmd.p1)
        };
        let Some(record) = record else {
            return sw::RECORD_NOT_FOUND.into();
        };
        let bytes = record.bytes();
        let le_ok = match cmd.le {
            Some(n) if n == bytes.len() => true,
            Some(256) => self.settings.transport == Transport::T1,
            _ => false,
        };
        if le_ok {
            Reply::data(bytes, sw::OK)
        } else {
            sw::wrong_le(bytes.len()).into()
        }
    }
}
