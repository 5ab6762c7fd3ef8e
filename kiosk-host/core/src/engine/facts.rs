//! What the devices and the registry tell a session: the facts events carry. The driver reads
//! them (ID card module, card reader, registry) and hands them over; the session's decisions
//! only look at these values.

use card_io::sscard::AppState;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::{Application, CardRecord, CardState, Ecard, Person, Sex};
use crate::text::Tri;

/// A person as read from a resident ID card (or, for e-card identification, from the
/// registry record the e-card points to).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct IdPerson {
    pub id_number: String,
    pub name: String,
    pub sex: Sex,
    pub ethnicity: u8,
    pub birth_date: NaiveDate,
    pub address: String,
    /// `None` = valid for life (长期).
    pub valid_to: Option<NaiveDate>,
    /// How the person was identified: `id_card` or `ecard`.
    pub source: IdSource,
}

impl std::fmt::Debug for IdPerson {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdPerson")
            .field("id_number", &crate::mask::id_number(&self.id_number))
            .field("name", &crate::mask::name(&self.name))
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdSource {
    IdCard,
    Ecard,
}

impl IdPerson {
    /// From the text of a resident ID card.
    pub(crate) fn from_id_text(t: &card_io::idcard::text::IdText) -> Option<IdPerson> {
        use card_io::idcard::text::Validity;
        let date = |d: card_io::date::Date| {
            NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
        };
        Some(IdPerson {
            id_number: t.id_number.clone(),
            name: t.name.clone(),
            sex: t.sex,
            ethnicity: t.ethnicity_code,
            birth_date: date(t.birth_date)?,
            address: t.address.clone(),
            valid_to: match t.valid_to {
                Validity::Until(d) => Some(date(d)?),
                Validity::LongTerm => None,
            },
            source: IdSource::IdCard,
        })
    }

    /// The registry person record this ID card describes (phone and photo unknown here).
    pub(crate) fn to_person(&self) -> Person {
        Person {
            id_number: self.id_number.clone(),
            name: self.name.clone(),
            sex: self.sex,
            ethnicity: self.ethnicity,
            birth_date: self.birth_date,
            address: self.address.clone(),
            address_division: None,
            phone: None,
            photo_sha256: None,
        }
    }

    /// True when the document is valid on `day`.
    pub(crate) fn valid_on(&self, day: NaiveDate) -> bool {
        self.valid_to.is_none_or(|to| day <= to)
    }

    /// Full years of age on `day`.
    pub(crate) fn age_on(&self, day: NaiveDate) -> u32 {
        day.years_since(self.birth_date).unwrap_or(0)
    }
}

/// What the registry knows of a person.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HolderFacts {
    pub person: Option<Person>,
    /// Newest first.
    pub cards: Vec<CardRecord>,
    /// Newest first.
    pub applications: Vec<Application>,
    pub ecards: Vec<Ecard>,
}

impl HolderFacts {
    /// The person's current card: the newest record that is not cancelled.
    pub fn current_card(&self) -> Option<&CardRecord> {
        self.cards.iter().find(|c| c.state != CardState::Cancelled)
    }

    pub fn photo_on_file(&self) -> bool {
        self.person
            .as_ref()
            .is_some_and(|p| p.photo_sha256.is_some())
    }

    /// An application still on its way (not collected, not rejected).
    pub fn open_application(&self) -> Option<&Application> {
        use crate::domain::Progress;
        self.applications
            .iter()
            .find(|a| !matches!(a.progress, Progress::Collected | Progress::Rejected))
    }
}

/// What was read from the social security card in the reader.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct CardFacts {
    pub card_number: String,
    /// Hex of the chip serial (diversification factor 1).
    pub chip_serial: String,
    /// The holder's social security number (= ID number); `None` when the application is
    /// blocked and EF06 cannot be read.
    pub ssn: Option<String>,
    pub app_state: AppStateCode,
    pub pin_tries_left: Option<u8>,
    pub pin_blocked: bool,
    pub expiry_date: Option<NaiveDate>,
    /// The registry's record of this card.
    pub record: Option<CardRecord>,
}

impl std::fmt::Debug for CardFacts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CardFacts")
            .field("card_number", &crate::mask::card_number(&self.card_number))
            .field("app_state", &self.app_state)
            .field("pin_tries_left", &self.pin_tries_left)
            .field("pin_blocked", &self.pin_blocked)
            .finish_non_exhaustive()
    }
}

/// [`AppState`] in a serialisable form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppStateCode {
    Active,
    TemporarilyBlocked,
    PermanentlyBlocked,
    CardBlocked,
}

impl From<AppState> for AppStateCode {
    fn from(s: AppState) -> AppStateCode {
        match s {
            AppState::Active => AppStateCode::Active,
            AppState::TemporarilyBlocked => AppStateCode::TemporarilyBlocked,
            AppState::PermanentlyBlocked => AppStateCode::PermanentlyBlocked,
            AppState::CardBlocked => AppStateCode::CardBlocked,
        }
    }
}

/// A compliant card photo from the photo pipeline.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct PhotoFacts {
    pub sha256: String,
    pub jpeg: Vec<u8>,
}

impl std::fmt::Debug for PhotoFacts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PhotoFacts({} bytes, {})", self.jpeg.len(), self.sha256)
    }
}

/// New contact details (信息变更).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    pub phone: Option<String>,
    /// The address written out (the division's full name, then the street).
    pub address: Option<String>,
    /// The GB/T 2260 division picked for `address` (6 or 9 digits); `None` for an address
    /// given whole. Only with `address`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub division: Option<String>,
}

/// Why a card is exchanged (换领) or cancelled (注销).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// 换领: the card is damaged.
    Damaged,
    /// 换领: the card expires within 60 days (or has expired).
    Expiring,
    /// 换领: key data changed (name, ID number, photo, bank).
    KeyDataChanged,
    /// 注销: death.
    Death,
    /// 注销: emigration / settled abroad.
    Emigration,
    /// 注销: a duplicate card elsewhere.
    Duplicate,
}

impl Reason {
    pub const ALL: [Reason; 6] = [
        Reason::Damaged,
        Reason::Expiring,
        Reason::KeyDataChanged,
        Reason::Death,
        Reason::Emigration,
        Reason::Duplicate,
    ];

    /// The stable code a screen posts.
    pub fn code(self) -> &'static str {
        match self {
            Reason::Damaged => "damaged",
            Reason::Expiring => "expiring",
            Reason::KeyDataChanged => "key_data_changed",
            Reason::Death => "death",
            Reason::Emigration => "emigration",
            Reason::Duplicate => "duplicate",
        }
    }

    pub fn from_code(code: &str) -> Option<Reason> {
        Reason::ALL.into_iter().find(|r| r.code() == code)
    }

    /// What the citizen reads on a screen, in the three screen languages.
    pub const fn text(self) -> Tri {
        match self {
            Reason::Damaged => Tri::new("卡片损坏", "the card is damaged", "كارتا بۇزۇلغان"),
            Reason::Expiring => Tri::new(
                "有效期将满",
                "the card expires soon",
                "ئىناۋەتلىك مۇددىتى توشاي دەپ قالدى",
            ),
            Reason::KeyDataChanged => Tri::new(
                "姓名、身份证号等关键信息变更",
                "name, ID number or other key data changed",
                "ئاساسلىق ئۇچۇر ئۆزگەردى",
            ),
            Reason::Death => Tri::new("死亡", "death", "ۋاپات بولۇش"),
            Reason::Emigration => {
                Tri::new("出国(境)定居", "settled abroad", "چەتئەلدە ئولتۇراقلىشىش")
            }
            Reason::Duplicate => Tri::new("重复持卡", "duplicate card", "تەكرار كارتا"),
        }
    }

    /// What the citizen reads on a screen, in its language.
    pub fn label(self, lang: firmware_config::Language) -> &'static str {
        self.text().into_pick(lang)
    }

    pub fn for_exchange(self) -> bool {
        matches!(
            self,
            Reason::Damaged | Reason::Expiring | Reason::KeyDataChanged
        )
    }

    pub fn for_cancel(self) -> bool {
        matches!(self, Reason::Death | Reason::Emigration | Reason::Duplicate)
    }

    /// The short Chinese name a case record and the archive keep.
    pub fn zh(self) -> &'static str {
        match self {
            Reason::Damaged => "卡片损坏",
            Reason::Expiring => "有效期将满",
            Reason::KeyDataChanged => "关键信息变更",
            Reason::Death => "死亡",
            Reason::Emigration => "出国(境)定居",
            Reason::Duplicate => "重复持卡",
        }
    }
}
