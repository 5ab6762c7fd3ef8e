//! Storage behind traits, so an agency's central backend can replace the local SQLite store
//! without touching the businesses.
//!
//! - [`Registry`]: cardholders, card records, applications, e-cards, cases; every change goes
//!   through [`Registry::commit`], which applies a [`Commit`] atomically *and* appends one audit
//!   entry per change, so "every state change is in the audit log" holds by construction.
//! - [`Journal`]: the intent journal of card commands (see `engine::executor`).
//! - [`AuditLog`]: the append-only, hash-chained log and its verification.
//! - [`ArchiveStore`]: archive records of finished cases, monthly batches, audited queries.
//! - [`Feedback`]: ratings (好差评), suggestions and statistics.
//!
//! `kiosk_store::SqliteStore` implements all of them on the kiosk's encrypted SQLite database.

pub mod audit_chain;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::{
    Actor, Application, BusinessCode, CardRecord, CardState, Case, Ecard, Outcome, Person,
    Progress, Timestamp,
};

/// Store failures, whatever the backend (the embedded SQLite database, the agency over the
/// network); the backend's own error is kept as the source.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The backend failed (the database engine, its file, the connection to the agency).
    #[error("{0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync + 'static>),
    /// The backend cannot be reached now (the agency is down or the network is cut); nothing
    /// was written. Worth trying again later.
    #[error("the registry cannot be reached: {0}")]
    Unavailable(String),
    /// A value the store refuses to record (a rating level outside 1..=5, an empty
    /// suggestion, a retention of 0 years …). Nothing was written.
    #[error("{0}")]
    Invalid(String),
    #[error("stored data could not be read: {0}")]
    Corrupt(String),
    /// The change was planned against a state that is no longer current (another session,
    /// another kiosk or reconciliation changed it first). Nothing was written.
    #[error("conflict: {0}")]
    Conflict(String),
    /// Another case (another kiosk or a counter) holds the card or person right now (a
    /// reservation, see [`Registry::reserve`]). Nothing was written; worth trying again once
    /// that case ends.
    #[error("busy: {0}")]
    Busy(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("database schema version {found} is newer than this program knows ({known})")]
    TooNew { found: i64, known: i64 },
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// Why [`Change::check`] refused a change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadChange {
    #[error(transparent)]
    Division(#[from] crate::division::BadCode),
    #[error("a contact change has a division but no address: the division is the address's")]
    DivisionWithoutAddress,
}

impl From<BadChange> for StoreError {
    fn from(e: BadChange) -> StoreError {
        StoreError::Invalid(e.to_string())
    }
}

/// One registry change. Changes that move a state name the state they expect (`from`): the
/// store refuses the whole commit with [`StoreError::Conflict`] when it is not current.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum Change {
    /// Creates the person, or updates name/sex/ethnicity/birth date/address and the
    /// address's division from an ID card read (phone and photo are kept).
    UpsertPerson(Person),
    /// Non-key information change (信息变更). `None` leaves a field as it is.
    SetContact {
        id_number: String,
        phone: Option<String>,
        /// The address written out (the division's full name, then the street).
        address: Option<String>,
        /// The GB/T 2260 division of `address` (6 or 9 digits), when it was picked. Goes
        /// with `address`: a new address without a division clears the person's division
        /// (the address was typed in full); a division without an address is refused.
        /// Absent from the JSON when `None` (commits written before it existed load).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        division: Option<String>,
    },
    /// A compliant card photo (JPEG bytes) for the person.
    SetPhoto {
        id_number: String,
        sha256: String,
        jpeg: Vec<u8>,
    },
    AddCard(CardRecord),
    SetCardState {
        card_number: String,
        from: CardState,
        to: CardState,
    },
    /// 补领 was requested for a lost card: 解挂 is refused from now on.
    MarkReplacementRequested {
        card_number: String,
    },
    CreateApplication(Application),
    MoveApplication {
        case_id: String,
        from: Progress,
        to: Progress,
        reasons: Option<String>,
    },
    IssueEcard(Ecard),
    /// Every e-card of the person stops (card cancelled or replaced).
    RevokeEcards {
        id_number: String,
    },
    /// issue 17: an application's deadline recomputed once the calendar covers the years it
    /// was computed without (`engine::deadlines`). Names the deadline it expects (`from`,
    /// `from_provisional`): refused as a conflict when it is no longer current.
    SetDeadline {
        case_id: String,
        from: NaiveDate,
        from_provisional: bool,
        to: NaiveDate,
        provisional: bool,
    },
}

impl Change {
    /// Checks the fields a store cannot take as they come: division codes have the shape of
    /// one ([`crate::division::check_code`]) and a contact's division comes with its
    /// address. Both stores check every change with it before writing anything.
    pub fn check(&self) -> std::result::Result<(), BadChange> {
        match self {
            Change::UpsertPerson(Person {
                address_division: Some(d),
                ..
            }) => crate::division::check_code("address_division", d)?,
            Change::SetContact {
                address,
                division: Some(d),
                ..
            } => {
                crate::division::check_code("division", d)?;
                if address.is_none() {
                    return Err(BadChange::DivisionWithoutAddress);
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// The audit action name of this change, e.g. `card.state`.
    pub fn action(&self) -> &'static str {
        match self {
            Change::UpsertPerson(_) => "person.upsert",
            Change::SetContact { .. } => "person.contact",
            Change::SetPhoto { .. } => "person.photo",
            Change::AddCard(_) => "card.add",
            Change::SetCardState { .. } => "card.state",
            Change::MarkReplacementRequested { .. } => "card.replacement_requested",
            Change::CreateApplication(_) => "application.create",
            Change::MoveApplication { .. } => "application.move",
            Change::IssueEcard(_) => "ecard.issue",
            Change::RevokeEcards { .. } => "ecard.revoke",
            Change::SetDeadline { .. } => "application.deadline",
        }
    }
}

/// A material kept in an archive record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArchivedMaterial {
    /// The material code of the rule table (e.g. `id_card`, `photo`).
    pub kind: String,
    /// What it is, for the catalogue (e.g. "居民身份证信息").
    pub title: String,
    /// Content type: `application/json` for device data, `image/jpeg` for photos.
    pub media_type: String,
    pub content: Vec<u8>,
}

/// One step of a case, for the archive record (who, what, when).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseStep {
    pub at: Timestamp,
    /// `申报`, `受理`, `办理`, `办结`, or a device step such as `读取身份证`.
    pub step: String,
    pub detail: String,
}

/// An archive record to create in a commit; the store assigns its archive number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewArchiveRecord {
    pub case_id: String,
    pub business: BusinessCode,
    pub id_number: String,
    pub card_number: Option<String>,
    pub finished_at: Timestamp,
    /// 全宗号 (configuration `kiosk.fonds`).
    pub fonds: String,
    /// 机构代码 (configuration `kiosk.outlet`).
    pub organisation: String,
    /// Retention in years (card materials: 50).
    pub retention_years: u32,
    /// Title for the catalogue, e.g. "张* 社会保障卡挂失".
    pub title: String,
    pub materials: Vec<ArchivedMaterial>,
    pub steps: Vec<CaseStep>,
}

/// A stored archive record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArchiveRecord {
    /// DA/T 22 archive number (档号), see `archive::number`.
    pub archive_no: String,
    pub record: NewArchiveRecord,
    /// Retention ends at the end of this day (1 January of the year after + years − 1 day).
    pub retain_until: NaiveDate,
    /// The month batch (`YYYY-MM`) that sealed it, once sealed.
    pub sealed_in: Option<String>,
}

/// Archive query (7.2); every field given narrows the result.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ArchiveQuery {
    pub id_number: Option<String>,
    pub card_number: Option<String>,
    pub business: Option<BusinessCode>,
    /// Inclusive dates of `finished_at` (kiosk local date = UTC+8).
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub archive_no: Option<String>,
    /// At most this many records (newest first); `None` = 100.
    pub limit: Option<u32>,
}

/// A sealed monthly batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchInfo {
    /// `YYYY-MM`.
    pub month: String,
    pub sealed_at: Timestamp,
    pub records: u64,
    /// SHA-256 (hex) of the batch manifest.
    pub manifest_sha256: String,
    /// The audit chain head (sequence, hash) when the batch was sealed.
    pub audit_seq: i64,
    pub audit_hash: String,
}

/// What a commit applies in one transaction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Commit {
    pub actor: Actor,
    pub at: Timestamp,
    /// Creates or updates the case row (opening and closing a case).
    pub case: Option<Case>,
    pub changes: Vec<Change>,
    /// A finished case's archive record.
    pub archive: Option<NewArchiveRecord>,
    /// Settles a journal intent in the same transaction.
    pub settle: Option<(i64, IntentStatus)>,
    /// Extra audit entries that are not registry changes: `(action, subject, detail)`, e.g.
    /// `("case.refused", case id, reason)`.
    pub events: Vec<(String, String, serde_json::Value)>,
}

impl Commit {
    pub fn new(actor: Actor, at: Timestamp) -> Commit {
        Commit {
            actor,
            at,
            case: None,
            changes: Vec::new(),
            archive: None,
            settle: None,
            events: Vec::new(),
        }
    }
}

/// Cardholder, card, application, e-card and case records.
pub trait Registry: Send + Sync {
    fn person(&self, id_number: &str) -> Result<Option<Person>>;
    /// Every card record of the person, newest first.
    fn cards_of(&self, id_number: &str) -> Result<Vec<CardRecord>>;
    fn card(&self, card_number: &str) -> Result<Option<CardRecord>>;
    /// The card record with this chip serial (hex, upper case): how a card whose
    /// application is blocked is recognised.
    fn card_by_chip(&self, chip_serial: &str) -> Result<Option<CardRecord>>;
    /// Cards in `state` that entered it before `before` (e.g. temporary losses to lift).
    fn cards_in_state_since(&self, state: CardState, before: Timestamp) -> Result<Vec<CardRecord>>;
    /// Every application of the person, newest first.
    fn applications_of(&self, id_number: &str) -> Result<Vec<Application>>;
    fn application(&self, case_id: &str) -> Result<Option<Application>>;
    /// Applications in a progress state, oldest first (staff work lists).
    fn applications_in(&self, progress: Progress) -> Result<Vec<Application>>;
    /// The production's own on-time figure for the applications whose expected date
    /// (`deadline`) falls on days `from..=to`, as of `today` (kiosk local date). Not the
    /// cases' time limit: see [`ProductionStats`].
    fn production_stats(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        today: NaiveDate,
    ) -> Result<ProductionStats>;
    fn ecards_of(&self, id_number: &str) -> Result<Vec<Ecard>>;
    /// The e-card (not revoked) whose token identifier is `token_id`: what an opaque e-card
    /// code refers to.
    fn ecard_by_token(&self, token_id: &str) -> Result<Option<Ecard>>;
    fn photo(&self, id_number: &str) -> Result<Option<Vec<u8>>>;
    fn case(&self, case_id: &str) -> Result<Option<Case>>;
    /// Cases opened and never closed (no outcome yet), oldest first: sessions in progress,
    /// or sessions a stopped kiosk left behind.
    fn open_cases(&self) -> Result<Vec<Case>>;
    /// A new case number `<kiosk>-<yyyymmdd>-<nnnnnn>`, unique and never reused.
    fn next_case_id(&self, kiosk_id: &str, day: NaiveDate) -> Result<String>;
    /// Applies everything in `commit` in one transaction with its audit entries, or nothing.
    /// Returns the archive number when the commit archived a record.
    fn commit(&self, commit: &Commit) -> Result<Option<String>>;
    /// Holds a card (in the state the case read it in) and its holder for `case_id` until the
    /// case's commit or [`Registry::release`], so that no other kiosk or counter changes them
    /// meanwhile: the engine calls it before a card command is journaled and sent.
    /// [`StoreError::Busy`] when another case holds them, [`StoreError::Conflict`] when a card
    /// is no longer in the state the case expects. A store
    /// that only this kiosk writes (the embedded SQLite: one session at a time) holds
    /// nothing: by default, `Ok`.
    fn reserve(&self, reservation: &Reservation) -> Result<()> {
        let _ = reservation;
        Ok(())
    }
    /// Lets go of what [`Registry::reserve`] held for `case_id` (the card command did not
    /// take effect). By default nothing is held.
    fn release(&self, case_id: &str) -> Result<()> {
        let _ = case_id;
        Ok(())
    }
    /// Records what the card command of `intent` did (`applied`: it took effect), once the
    /// engine knows, for a registry shared with other kiosks, which keeps its own account
    /// of every command sent to a card. A registry that is the kiosk's own database has it
    /// in the journal already (the intent settled or abandoned): by default, nothing more.
    fn card_outcome(&self, intent: &NewIntent, applied: bool, at: Timestamp) -> Result<()> {
        let _ = (intent, applied, at);
        Ok(())
    }
}

/// What a case holds while its card command runs (see [`Registry::reserve`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reservation {
    pub case_id: String,
    /// Card numbers with the state the case read them in.
    pub cards: Vec<(String, CardState)>,
    /// ID numbers.
    pub persons: Vec<String>,
}

/// What a journal intent records: the card command (never a PIN) and the commit to apply
/// once the command is known to have taken effect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewIntent {
    pub case_id: String,
    pub card_number: String,
    /// The chip serial (hex) of the card the command was sent to.
    pub chip_serial: String,
    pub action: crate::domain::CardAction,
    /// The commit to apply when the command took effect.
    pub on_success: Commit,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntentStatus {
    Pending,
    /// The command took effect and `on_success` was applied.
    Applied,
    /// The command did not take effect; nothing was applied.
    Abandoned,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Intent {
    pub id: i64,
    pub status: IntentStatus,
    pub intent: NewIntent,
}

/// The intent journal.
pub trait Journal: Send + Sync {
    /// Records an intent (durably: the transaction is committed before this returns).
    fn record_intent(&self, intent: &NewIntent) -> Result<i64>;
    /// Intents still pending, oldest first.
    fn pending_intents(&self) -> Result<Vec<Intent>>;
    /// Marks an intent abandoned (with an audit entry saying why).
    fn abandon_intent(&self, id: i64, actor: &Actor, reason: &str) -> Result<()>;
}

/// One audit log entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: Timestamp,
    pub actor: String,
    pub action: String,
    /// What it concerns: a case id, a masked card number, a staff user.
    pub subject: String,
    pub detail: serde_json::Value,
    /// Hash of the previous entry (hex; 64 zeros for the first).
    pub prev_hash: String,
    /// SHA-256 (hex) over this entry's fields and `prev_hash`.
    pub hash: String,
}

/// The result of verifying the audit chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditReport {
    pub entries: u64,
    /// The last entry's (seq, hash), if any.
    pub head: Option<(i64, String)>,
    /// Every problem found, each naming the sequence number concerned.
    pub problems: Vec<String>,
}

impl AuditReport {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// The append-only, hash-chained audit log.
pub trait AuditLog: Send + Sync {
    /// Appends one entry (its own transaction) and returns it.
    fn append(
        &self,
        actor: &Actor,
        action: &str,
        subject: &str,
        detail: serde_json::Value,
    ) -> Result<AuditEntry>;
    /// Entries with `seq >= from`, in order, at most `limit`.
    fn entries(&self, from: i64, limit: u32) -> Result<Vec<AuditEntry>>;
    /// Recomputes every hash and link; also checks the heads recorded by sealed archive
    /// batches, so removing the newest entries is found too.
    fn verify(&self) -> Result<AuditReport>;
    /// [`AuditLog::verify`] for the entries from `from` on, where `from` is a head a sealed
    /// batch recorded: that entry is checked against the hash recorded for it, the entries
    /// before are not read (the monthly seal verifies from the last batch's head, so its cost
    /// does not grow with the log's age). By default, the whole log.
    fn verify_from(&self, from: i64) -> Result<AuditReport> {
        let _ = from;
        self.verify()
    }
}

/// Archive records and monthly batches.
pub trait ArchiveStore: Send + Sync {
    /// Runs an archive query and audits it (who asked, what) in the same transaction.
    fn query_archive(&self, query: &ArchiveQuery, actor: &Actor) -> Result<Vec<ArchiveRecord>>;
    /// Calls `visit` with every record finished in `month` (`YYYY-MM`, kiosk local time), by
    /// archive number, one at a time (a month's records with their materials are not held in
    /// memory at once); stops early when `visit` answers `Break`.
    fn each_month_record(
        &self,
        month: &str,
        visit: &mut dyn FnMut(ArchiveRecord) -> std::ops::ControlFlow<()>,
    ) -> Result<()>;
    /// Every record finished in `month` (`YYYY-MM`, kiosk local time), by archive number.
    fn month_records(&self, month: &str) -> Result<Vec<ArchiveRecord>> {
        let mut all = Vec::new();
        self.each_month_record(month, &mut |r| {
            all.push(r);
            std::ops::ControlFlow::Continue(())
        })?;
        Ok(all)
    }
    /// Records the sealing of a month: stores the batch info (which seals the month's
    /// records: they are append-only, and no record is added to a sealed month) and audits
    /// it. Refused with [`StoreError::Conflict`] if the month is already sealed.
    fn seal_month(&self, batch: &BatchInfo, actor: &Actor) -> Result<()>;
    fn batch(&self, month: &str) -> Result<Option<BatchInfo>>;
    fn batches(&self) -> Result<Vec<BatchInfo>>;
}

/// 好差评 levels: 5 非常满意 … 1 非常不满意.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rating {
    pub case_id: String,
    /// 1–5.
    pub level: u8,
    /// Reasons chosen for levels 1 and 2.
    pub reasons: Vec<String>,
    pub comment: Option<String>,
    pub at: Timestamp,
}

impl Rating {
    /// The lowest good level: 非常满意 (5), 满意 (4) and 基本满意 (3) are 好评; 不满意 (2) and
    /// 非常不满意 (1) are 差评 and take reasons (BUSINESS-RULES.md section 6).
    pub const LOWEST_GOOD: u8 = 3;

    /// True for a good rating (好评).
    pub fn is_good(level: u8) -> bool {
        level >= Rating::LOWEST_GOOD
    }
}

/// Statistics of one business over a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BusinessStats {
    pub business: BusinessCode,
    /// Cases started in the period, by outcome.
    pub cases: u64,
    pub completed: u64,
    /// Completed cases finished on or before their deadline, over completed cases (0–1);
    /// `None` without completed cases.
    pub on_time_rate: Option<f64>,
    /// Mean seconds from start to finish of completed cases.
    pub mean_handling_s: Option<f64>,
    pub ratings: u64,
    /// Mean level (1–5).
    pub mean_rating: Option<f64>,
    /// Share of good ratings (好评: 非常满意, 满意 and 基本满意, levels 3–5; see
    /// [`Rating::is_good`]) over all ratings (0–1).
    pub satisfied_rate: Option<f64>,
    /// Count per level 1..=5 (index 0 = level 1).
    pub rating_counts: [u64; 5],
}

/// The production's own on-time figure (issue 17 item 2): how the applications whose
/// expected date (`Application::deadline`, the agency's figure) falls in a period were made.
/// Every case at the kiosk ends the day it starts (即时办结, 6.3.2), so this figure is
/// neither the cases' time limit nor part of [`BusinessStats::on_time_rate`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct ProductionStats {
    /// First and last expected date counted (inclusive).
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The day "overdue" is judged on.
    pub today: NaiveDate,
    /// Made (`ready_at`, local date) on or before the expected date.
    pub on_time: u64,
    /// Made after the expected date.
    pub late: u64,
    /// Not made yet, expected date before `today`.
    pub overdue: u64,
    /// Not made yet, expected date `today` or later.
    pub not_yet_due: u64,
    /// Rejected before the card was made.
    pub rejected: u64,
}

impl ProductionStats {
    /// On time over (on time + late + overdue), 0–1; `None` when none of them is counted.
    pub fn on_time_rate(&self) -> Option<f64> {
        let judged = self.on_time + self.late + self.overdue;
        (judged > 0).then(|| self.on_time as f64 / judged as f64)
    }

    /// Every application counted.
    pub fn total(&self) -> u64 {
        self.on_time + self.late + self.overdue + self.not_yet_due + self.rejected
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    pub id: i64,
    pub at: Timestamp,
    pub text: String,
    pub case_id: Option<String>,
}

/// One item of the feedback that supervisors read (8.3): a rating with its reasons and
/// comment, or a free-text suggestion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FeedbackItem {
    Rating {
        rating: Rating,
        /// The business of the rated case.
        business: Option<BusinessCode>,
    },
    Suggestion(Suggestion),
}

impl FeedbackItem {
    pub fn at(&self) -> Timestamp {
        match self {
            FeedbackItem::Rating { rating, .. } => rating.at,
            FeedbackItem::Suggestion(s) => s.at,
        }
    }
}

/// Ratings, suggestions and statistics.
pub trait Feedback: Send + Sync {
    /// One rating per case; a second is refused with [`StoreError::Conflict`].
    fn rate(&self, rating: &Rating) -> Result<()>;
    fn suggest(&self, text: &str, case_id: Option<&str>, at: Timestamp) -> Result<i64>;
    fn suggestions(&self, limit: u32) -> Result<Vec<Suggestion>>;
    /// Ratings and suggestions together, newest first, skipping `offset` items, at most
    /// `limit` (the staff suggestions page).
    fn feedback_page(&self, offset: u32, limit: u32) -> Result<Vec<FeedbackItem>>;
    /// How many ratings and suggestions there are in all.
    fn feedback_count(&self) -> Result<u64>;
    /// Per business (every business code, including those with no cases), for cases started
    /// on days `from..=to` (kiosk local date).
    fn stats(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<BusinessStats>>;
    /// Cases by outcome in the period, for the statistics page.
    fn outcomes(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<(Outcome, u64)>>;
}

/// Every store trait at once, for code that needs the whole store.
pub trait Store: Registry + Journal + AuditLog + ArchiveStore + Feedback {}
impl<T: Registry + Journal + AuditLog + ArchiveStore + Feedback> Store for T {}
