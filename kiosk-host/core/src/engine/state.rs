//! A citizen session's state and what goes in and out of it: [`Session`] with its [`Phase`] and
//! the materials [`Gathered`], the [`Event`]s it takes, the [`Effect`]s it asks the executor
//! for, and the [`Notice`]s of events it did not accept. The reducer that moves it is
//! `session`; the per-business decisions are `plan`. Both read this module, so neither needs
//! the other's types.

use std::collections::BTreeSet;

use card_io::pin::Pin;
use serde::Serialize;

use super::facts::{CardFacts, Contact, HolderFacts, IdPerson, PhotoFacts, Reason};
use super::failure::Failure;
use super::refusal::Refusal;
use crate::domain::{local_date, Actor, BusinessCode, Case, Outcome, Timestamp};
use crate::rules::{intake, Material};
use crate::store::{CaseStep, Commit, Rating};
use crate::text::Tri;

/// Whose document a prompt asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Whose {
    Principal,
    Agent,
}

/// The session's phase; the screen shown follows from it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "phase", rename_all = "snake_case")]
pub enum Phase {
    /// Waiting for a material.
    Gathering { material: Material },
    /// 退回: the one-time notice (terminal).
    Returned { notice: intake::MissingNotice },
    /// Refused on the rules (terminal).
    Refused { refusal: Refusal },
    /// Waiting for the citizen to confirm.
    Confirming,
    /// Waiting for PIN entry (after confirmation).
    EnteringPins { old: bool, new: bool },
    /// Effects are running.
    Executing,
    /// The card left the reader during a card command; its outcome is settled when the card
    /// comes back (or at the next start).
    Interrupted,
    /// 办结: the result and receipt are shown; a rating may follow.
    Done {
        receipt: Vec<String>,
        /// The e-card token issued, to show as a QR code (not secret: it is signed, and the
        /// holder takes it away).
        ecard_qr: Option<String>,
    },
    /// A device or card failure stopped the business; nothing was changed (terminal).
    Failed { failure: Failure },
    /// The session is over.
    Closed,
}

/// A session event.
pub enum Event {
    /// An ID card was read.
    IdCardRead {
        person: IdPerson,
        /// The registry's facts of that person.
        facts: HolderFacts,
    },
    /// A dynamic e-card QR identified the holder (only where the business allows it).
    EcardScanned {
        person: IdPerson,
        facts: HolderFacts,
    },
    /// The social security card was read; `holder` are the registry facts of its holder.
    CardRead {
        card: CardFacts,
        holder: HolderFacts,
    },
    PhotoTaken(PhotoFacts),
    ContactGiven(Contact),
    ReasonGiven(Reason),
    /// The bank's account-closure receipt number (注销, 6.1.3.2 e).
    BankReceipt(String),
    /// The citizen does not have the material asked for.
    Lacking(Material),
    Confirm,
    /// PINs from the PIN pad: the old one, the new one and its repetition, as the business
    /// asked for.
    Pins {
        old: Option<Pin>,
        new: Option<Pin>,
        repeat: Option<Pin>,
    },
    /// The executor finished the effects.
    Executed(Executed),
    Rate {
        level: u8,
        reasons: Vec<String>,
        comment: Option<String>,
    },
    /// "Finish" on the result screen, or no rating.
    Finish,
    Cancel,
    Timeout,
}

/// How the executor's run ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Executed {
    /// Done; with the archive number and, for an e-card, the token to show as a QR.
    Ok {
        archive_no: Option<String>,
        ecard_token: Option<String>,
    },
    /// The card or PSAM refused, or a device failed before anything changed.
    Failed(Failure),
    /// The card left mid-command.
    Interrupted,
    /// After an interruption, reconciliation found the command had (true) or had not
    /// (false) taken effect.
    Reconciled { applied: bool },
}

/// The PINs for a card command; moved from the PIN pad to the executor, then dropped.
#[derive(Default)]
pub struct CardPins {
    pub old: Option<Pin>,
    pub new: Option<Pin>,
}

/// What the executor must do.
pub enum Effect {
    /// Run a card command under the intent journal; apply `on_success` once it took effect.
    Card {
        action: crate::domain::CardAction,
        pins: CardPins,
        on_success: Commit,
    },
    /// Issue an e-card token, then apply `on_success` with the e-card added.
    IssueEcard {
        id_number: String,
        card_number: String,
        on_success: Commit,
    },
    /// Apply a commit.
    Commit(Commit),
    /// Print receipt lines.
    Print(Vec<String>),
    Rate(Rating),
    /// Let the card go (end of session).
    ReleaseCard,
}

impl std::fmt::Debug for Effect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Effect::Card { action, .. } => write!(f, "Card({action:?})"),
            Effect::IssueEcard { .. } => f.write_str("IssueEcard"),
            Effect::Commit(c) => write!(f, "Commit({} changes)", c.changes.len()),
            Effect::Print(l) => write!(f, "Print({} lines)", l.len()),
            Effect::Rate(r) => write!(f, "Rate({})", r.level),
            Effect::ReleaseCard => f.write_str("ReleaseCard"),
        }
    }
}

/// A problem with an event that does not end the session ("the two new PINs differ"): the
/// phase is unchanged. `Display` gives the log form "中文 / English".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(transparent)]
#[error("{0}")]
pub struct Notice(pub Tri<String>);

impl Notice {
    /// The text in a screen language.
    pub fn text(&self, lang: firmware_config::Language) -> &str {
        self.0.pick(lang)
    }
}

impl From<Tri> for Notice {
    fn from(text: Tri) -> Notice {
        Notice(text.owned())
    }
}

/// One citizen session (one case).
#[derive(Debug, Clone, Serialize)]
pub struct Session {
    pub case_id: String,
    pub business: BusinessCode,
    pub agent: bool,
    pub started_at: Timestamp,
    pub phase: Phase,
    #[serde(skip)]
    pub gathered: Gathered,
    /// Materials the citizen said they do not have.
    pub lacking: BTreeSet<Material>,
    #[serde(skip)]
    pub steps: Vec<CaseStep>,
    /// The application's time limit, fixed when the business is carried out: the registry's
    /// application and the receipt both take it from here, so they cannot differ (a session
    /// that crosses midnight, or one settled after the card came back, would otherwise count
    /// from two days).
    #[serde(skip)]
    pub deadline: Option<crate::calendar::Deadline>,
    /// The language of the citizen's screen, set by the service: the one-time notice is
    /// printed in it (`None`: the kiosk's default, [`super::Ctx::language`]).
    #[serde(skip)]
    pub language: Option<firmware_config::Language>,
}

/// The materials gathered so far.
#[derive(Debug, Clone, Default)]
pub struct Gathered {
    pub principal: Option<IdPerson>,
    pub holder: Option<HolderFacts>,
    pub agent: Option<IdPerson>,
    pub card: Option<CardFacts>,
    pub photo: Option<PhotoFacts>,
    pub contact: Option<Contact>,
    pub reason: Option<Reason>,
    pub bank_receipt: Option<String>,
}

impl Gathered {
    pub(crate) fn has(&self, m: Material) -> bool {
        match m {
            Material::IdCard => self.principal.is_some(),
            Material::Photo => self.photo.is_some(),
            Material::SsCard => self.card.is_some(),
            Material::AgentIdCard => self.agent.is_some(),
            Material::BankMaterials => self.bank_receipt.is_some(),
            Material::ContactDetails => self.contact.is_some(),
            Material::Reason => self.reason.is_some(),
        }
    }

    pub fn provided(&self) -> BTreeSet<Material> {
        Material::ALL.into_iter().filter(|m| self.has(*m)).collect()
    }
}

impl Session {
    pub fn actor(&self) -> Actor {
        Actor::Citizen(self.case_id.clone())
    }

    /// True once the session needs no more events.
    pub fn is_over(&self) -> bool {
        matches!(self.phase, Phase::Closed)
    }

    /// The registry row of this case.
    pub(crate) fn case_row(
        &self,
        outcome: Option<Outcome>,
        finished_at: Option<Timestamp>,
        summary: &str,
    ) -> Case {
        Case {
            case_id: self.case_id.clone(),
            business: self.business,
            id_number: self.principal_id().map(str::to_string),
            agent_id_number: self.gathered.agent.as_ref().map(|a| a.id_number.clone()),
            started_at: self.started_at,
            finished_at,
            outcome,
            deadline: Some(local_date(self.started_at)),
            summary: summary.to_string(),
        }
    }

    /// The principal's ID number: from the ID card, else from the card's holder.
    pub fn principal_id(&self) -> Option<&str> {
        if let Some(p) = &self.gathered.principal {
            return Some(&p.id_number);
        }
        let card = self.gathered.card.as_ref()?;
        card.ssn
            .as_deref()
            .or(card.record.as_ref().map(|r| r.id_number.as_str()))
    }

    /// The intake context as far as it is known now.
    pub(crate) fn intake_context(&self) -> intake::IntakeContext {
        intake::IntakeContext {
            agent: self.agent,
            photo_on_file: self
                .gathered
                .holder
                .as_ref()
                .is_some_and(HolderFacts::photo_on_file),
            card_readable: !self.lacking.contains(&Material::SsCard),
        }
    }
}
