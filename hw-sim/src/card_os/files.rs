//! The SSSE application's record files: EF05, EF06 and (3.00 cards) EF0D, as data (card
//! files fill them; `read` serves them).

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

    pub(crate) fn from_fid(fid: &[u8]) -> Option<FileId> {
        FileId::ALL.into_iter().find(|f| f.fid() == fid)
    }

    pub(crate) fn from_sfi(sfi: u8) -> Option<FileId> {
        FileId::ALL.into_iter().find(|f| f.sfi() == sfi)
    }

    /// The tag each record number holds (CARD-PROFILE.md section 2). The numbers are fixed:
    /// on a card without the tag 4E record, record 3 of EF06 is missing and the others keep
    /// their numbers.
    pub(crate) fn record_tags(self) -> &'static [u8] {
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
}
