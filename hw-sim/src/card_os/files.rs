//! The SSSE application's record files: EF05, EF06 and (3.00 cards) EF0D, and READ RECORD /
//! SELECT EF over them.

use card_io::apdu::Command;

use super::reply::{sw, Reply};
use super::{CardOs, Lifecycle};
use crate::settings::Transport;

/// The record files of the SSSE application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileId {
    Ef05,
    Ef06,
    Ef0d,
}

impl FileId {
    pub const ALL: [FileId; 3] = [FileId::Ef05, FileId::Ef06, FileId::Ef0d];

    pub fn fid(self) -> [u8; 2] {
        match self {
            FileId::Ef05 => [0xEF, 0x05],
            FileId::Ef06 => [0xEF, 0x06],
            FileId::Ef0d => [0xEF, 0x0D],
        }
    }

    pub fn sfi(self) -> u8 {
        match self {
            FileId::Ef05 => 5,
            FileId::Ef06 => 6,
            FileId::Ef0d => 13,
        }
    }

    pub fn from_fid(fid: &[u8]) -> Option<FileId> {
        FileId::ALL.into_iter().find(|f| f.fid() == fid)
    }

    pub fn from_sfi(sfi: u8) -> Option<FileId> {
        FileId::ALL.into_iter().find(|f| f.sfi() == sfi)
    }

    /// The tag each record number holds (CARD-PROFILE.md section 2). The numbers are fixed:
    /// on a card without the tag 4E record, record 3 of EF06 is missing and the others keep
    /// their numbers.
    pub fn record_tags(self) -> &'static [u8] {
        match self {
            FileId::Ef05 => &[0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07],
            FileId::Ef06 => &[0x08, 0x09, 0x4E, 0x0A, 0x0B, 0x0C, 0x0D],
            FileId::Ef0d => &[0xEA, 0xEB],
        }
    }
}

/// One record: tag ‖ length ‖ value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub tag: u8,
    pub value: Vec<u8>,
}

impl Record {
    pub fn new(tag: u8, value: Vec<u8>) -> Record {
        Record { tag, value }
    }

    /// The record as READ RECORD returns it.
    pub fn bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.value.len() + 2);
        out.push(self.tag);
        out.push(self.value.len() as u8);
        out.extend_from_slice(&self.value);
        out
    }
}

/// The card's files, records in card order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardFiles {
    pub ef05: Vec<Record>,
    pub ef06: Vec<Record>,
    /// Present on 3.00 cards only.
    pub ef0d: Option<Vec<Record>>,
}

impl CardFiles {
    pub fn file(&self, id: FileId) -> Option<&[Record]> {
        match id {
            FileId::Ef05 => Some(&self.ef05),
            FileId::Ef06 => Some(&self.ef06),
            FileId::Ef0d => self.ef0d.as_deref(),
        }
    }

    /// The record with identifier `tag` in any file.
    pub fn find(&self, tag: u8) -> Option<&Record> {
        FileId::ALL
            .into_iter()
            .filter_map(|f| self.file(f))
            .flatten()
            .find(|r| r.tag == tag)
    }
}

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
