//! The registry's nouns: cardholders, card records and their states, applications and their
//! progress, e-cards, cases (办件). Plain data shared by the rules, the engine and the store.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::text::Tri;

pub use firmware_config::BusinessCode;

/// A point in time, UTC. Screens and receipts show it in the kiosk's local time.
pub type Timestamp = DateTime<Utc>;

/// The state of a card record in the agency's registry (BUSINESS-RULES.md section 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CardState {
    /// 制卡中
    InProduction,
    /// 封存: issued, social security function not enabled.
    Issued,
    /// 正常
    Active,
    /// 临时挂失: lifts by itself after the configured window.
    LostTemporary,
    /// 正式挂失
    LostFormal,
    /// 注销
    Cancelled,
}

impl CardState {
    pub const ALL: [CardState; 6] = [
        CardState::InProduction,
        CardState::Issued,
        CardState::Active,
        CardState::LostTemporary,
        CardState::LostFormal,
        CardState::Cancelled,
    ];

    /// The stable code stored in the database and used in the API.
    pub fn code(self) -> &'static str {
        match self {
            CardState::InProduction => "in_production",
            CardState::Issued => "issued",
            CardState::Active => "active",
            CardState::LostTemporary => "lost_temporary",
            CardState::LostFormal => "lost_formal",
            CardState::Cancelled => "cancelled",
        }
    }

    pub fn from_code(code: &str) -> Option<CardState> {
        CardState::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The name in the three screen languages (Chinese: the name the standard and the
    /// service hall use).
    pub const fn text(self) -> Tri {
        match self {
            CardState::InProduction => Tri::new("制卡中", "in production", "كارتا ياسىلىۋاتىدۇ"),
            CardState::Issued => Tri::new(
                "封存",
                "issued, not yet enabled",
                "تارقىتىلغان، قوزغىتىلمىغان",
            ),
            CardState::Active => Tri::new("正常", "active", "نورمال"),
            CardState::LostTemporary => Tri::new(
                "临时挂失",
                "temporarily reported lost",
                "ۋاقىتلىق يوقاپ كەتتى دەپ مەلۇم قىلىنغان",
            ),
            CardState::LostFormal => Tri::new(
                "正式挂失",
                "reported lost",
                "رەسمىي يوقاپ كەتتى دەپ مەلۇم قىلىنغان",
            ),
            CardState::Cancelled => Tri::new("注销", "cancelled", "ئەمەلدىن قالدۇرۇلغان"),
        }
    }

    /// The name in a screen language.
    pub fn name(self, lang: firmware_config::Language) -> &'static str {
        self.text().into_pick(lang)
    }

    /// True for the states in which the card may be used and may be replaced by a new one.
    pub fn is_valid(self) -> bool {
        !matches!(self, CardState::Cancelled)
    }
}

/// Sex as GB/T 2261.1 codes it: the one definition, card-io's, which the ID card and the card
/// use.
pub use card_io::citizen::Sex;

/// A cardholder (参保人), keyed by the ID number (= social security number).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Person {
    pub id_number: String,
    /// The full name, never truncated (the card's name field may be shorter).
    pub name: String,
    pub sex: Sex,
    /// GB 3304 code.
    pub ethnicity: u8,
    pub birth_date: NaiveDate,
    /// The address written out, as receipts and screens show it (masked).
    pub address: String,
    /// The GB/T 2260 division `address` lies in (a county's 6 or a town's 9 digits,
    /// [`crate::division::check_code`]) when the address was given as a division picked plus
    /// a street (信息变更 at the kiosk). `None` when the address came whole: from an ID card,
    /// typed in full, or imported; setting such an address clears the division. Absent from
    /// the JSON when `None`, so records written before the field existed load unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_division: Option<String>,
    pub phone: Option<String>,
    /// SHA-256 (hex) of the compliant card photo on file, if any.
    pub photo_sha256: Option<String>,
}

/// A card record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CardRecord {
    /// Card number (卡号, EF05 tag 07), 9 characters.
    pub card_number: String,
    pub id_number: String,
    /// Chip serial (hex, 16 digits): known once the card is made.
    pub chip_serial: Option<String>,
    pub state: CardState,
    pub issue_date: Option<NaiveDate>,
    pub expiry_date: Option<NaiveDate>,
    /// When the current state was entered.
    pub state_since: Timestamp,
    /// Issuer reissue batch (换发) this card belongs to, if any.
    pub reissue_batch: Option<String>,
    /// True once a replacement (补领) was requested while the card was lost: 解挂 is refused.
    pub replacement_requested: bool,
}

/// Progress of an application (申领 and the businesses that end in a new card).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Progress {
    Submitted,
    Accepted,
    InProduction,
    ReadyForPickup,
    Collected,
    Rejected,
}

impl Progress {
    pub const ALL: [Progress; 6] = [
        Progress::Submitted,
        Progress::Accepted,
        Progress::InProduction,
        Progress::ReadyForPickup,
        Progress::Collected,
        Progress::Rejected,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Progress::Submitted => "submitted",
            Progress::Accepted => "accepted",
            Progress::InProduction => "in_production",
            Progress::ReadyForPickup => "ready_for_pickup",
            Progress::Collected => "collected",
            Progress::Rejected => "rejected",
        }
    }

    pub fn from_code(code: &str) -> Option<Progress> {
        Progress::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The name in the three screen languages (Chinese: the name the standard and the
    /// service hall use).
    pub const fn text(self) -> Tri {
        match self {
            Progress::Submitted => Tri::new("已提交", "submitted", "تاپشۇرۇلدى"),
            Progress::Accepted => Tri::new("已受理", "accepted", "قوبۇل قىلىندى"),
            Progress::InProduction => Tri::new("制卡中", "in production", "كارتا ياسىلىۋاتىدۇ"),
            Progress::ReadyForPickup => {
                Tri::new("待领取", "ready for pickup", "ئېلىشنى ساقلاۋاتىدۇ")
            }
            Progress::Collected => Tri::new("已领取", "collected", "ئېلىندى"),
            Progress::Rejected => Tri::new("未通过", "rejected", "ئۆتمىدى"),
        }
    }

    /// The name in a screen language.
    pub fn name(self, lang: firmware_config::Language) -> &'static str {
        self.text().into_pick(lang)
    }

    /// The next state along the normal path (`None` at the end or after a rejection).
    pub fn next(self) -> Option<Progress> {
        match self {
            Progress::Submitted => Some(Progress::Accepted),
            Progress::Accepted => Some(Progress::InProduction),
            Progress::InProduction => Some(Progress::ReadyForPickup),
            Progress::ReadyForPickup => Some(Progress::Collected),
            Progress::Collected | Progress::Rejected => None,
        }
    }

    /// True when staff may move an application from `self` to `to`.
    pub fn may_move_to(self, to: Progress) -> bool {
        self.next() == Some(to)
            || (to == Progress::Rejected
                && !matches!(self, Progress::Collected | Progress::Rejected))
    }
}

/// An application for a new card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Application {
    /// The case (办件编号) that created it.
    pub case_id: String,
    pub id_number: String,
    /// `apply`, `replace`, `exchange` or `reissue`.
    pub business: BusinessCode,
    pub progress: Progress,
    pub submitted_at: Timestamp,
    /// Last day (inclusive) by which the card is due.
    pub deadline: NaiveDate,
    /// True when the calendar lacked a year the deadline crosses (weekends only counted).
    pub deadline_provisional: bool,
    /// The card this one replaces.
    pub old_card: Option<String>,
    /// Reasons for a rejection.
    pub reasons: Option<String>,
    /// When the card was made: the move to `ready_for_pickup`, or to `collected` when that
    /// came first. The production's own on-time figure ([`crate::store::ProductionStats`])
    /// compares its local date with `deadline`. `None` until then (and for applications
    /// stored before it was kept).
    #[serde(default)]
    pub ready_at: Option<Timestamp>,
    /// The deadline before its last recompute with the calendar (`Change::SetDeadline`),
    /// `None` when it was never recomputed. Staff see both dates.
    #[serde(default)]
    pub deadline_recomputed_from: Option<NaiveDate>,
}

/// An electronic social security card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ecard {
    pub id_number: String,
    pub card_number: String,
    /// The token's identifier (hex), unique.
    pub token_id: String,
    pub issued_at: Timestamp,
}

/// How a case ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// 办结: the business was done.
    Completed,
    /// 退回: materials incomplete; the one-time notice was given.
    ReturnedIncomplete,
    /// Refused on the rules (wrong state, agent not allowed, card of another person …).
    Refused,
    /// The citizen cancelled, walked away or the session timed out.
    Abandoned,
    /// A card command's outcome was unknown (card pulled mid-command) and reconciliation
    /// settled it.
    Reconciled,
    /// A card or device failure stopped the business; nothing was changed.
    Failed,
}

impl Outcome {
    pub fn code(self) -> &'static str {
        match self {
            Outcome::Completed => "completed",
            Outcome::ReturnedIncomplete => "returned_incomplete",
            Outcome::Refused => "refused",
            Outcome::Abandoned => "abandoned",
            Outcome::Reconciled => "reconciled",
            Outcome::Failed => "failed",
        }
    }

    pub fn from_code(code: &str) -> Option<Outcome> {
        [
            Outcome::Completed,
            Outcome::ReturnedIncomplete,
            Outcome::Refused,
            Outcome::Abandoned,
            Outcome::Reconciled,
            Outcome::Failed,
        ]
        .into_iter()
        .find(|o| o.code() == code)
    }
}

/// One case (办件): a business handled for one person at one kiosk visit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Case {
    /// 办件编号: `<kiosk id>-<yyyymmdd>-<sequence>`.
    pub case_id: String,
    pub business: BusinessCode,
    /// The principal (the person the business is for), once identified.
    pub id_number: Option<String>,
    /// The agent's ID number in 委托 cases.
    pub agent_id_number: Option<String>,
    pub started_at: Timestamp,
    pub finished_at: Option<Timestamp>,
    pub outcome: Option<Outcome>,
    /// The time limit that applies (immediate businesses: the day itself).
    pub deadline: Option<NaiveDate>,
    /// One line on what happened, for staff (never personal data beyond masked numbers).
    pub summary: String,
}

/// Who did something: a citizen session on this kiosk, a staff member, or the system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Actor {
    /// The citizen in a case.
    Citizen(String),
    /// A staff account.
    Staff(String),
    /// The kiosk itself (reconciliation, expiry of temporary loss, startup).
    System,
}

impl Actor {
    /// One string for the audit log: `citizen:<case>`, `staff:<user>`, `system`.
    pub fn label(&self) -> String {
        match self {
            Actor::Citizen(c) => format!("citizen:{c}"),
            Actor::Staff(u) => format!("staff:{u}"),
            Actor::System => "system".into(),
        }
    }
}

/// The kiosk's local offset: China Standard Time, UTC+8 (no daylight saving).
pub const LOCAL_OFFSET_S: i32 = 8 * 3600;

/// The kiosk-local calendar date of an instant.
pub fn local_date(at: Timestamp) -> NaiveDate {
    (at + chrono::Duration::seconds(i64::from(LOCAL_OFFSET_S))).date_naive()
}

/// A card command that changes the card, as the journal records it (never with a PIN).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CardAction {
    /// 启用: CHANGE PIN from the initial PIN to the holder's.
    Activate,
    /// CHANGE PIN.
    ChangePin,
    /// RESET PIN through the PSAM.
    ResetPin,
    /// UNBLOCK PIN through the PSAM.
    UnblockPin,
    /// APPLICATION BLOCK (temporary or permanent).
    BlockApp { permanent: bool },
    /// APPLICATION UNBLOCK.
    UnblockApp,
    /// CARD BLOCK (irreversible).
    BlockCard,
}
