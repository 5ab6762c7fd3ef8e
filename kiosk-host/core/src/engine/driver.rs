//! The impure shell around the sessions: turns device readings into events (with the
//! registry's facts attached), feeds them to a [`Session`], runs the effects through the
//! [`Executor`], and does the kiosk-wide chores (reconciliation at start and on insertion,
//! guarding lost and cancelled cards, lifting expired temporary losses).

use card_io::transport::{Disposition, ReaderProvider};
use chrono::Duration;

use super::executor::{read_card, ExecError, Executor, PrintFn, Settled};
use super::facts::{HolderFacts, IdPerson, IdSource};
use super::session::{Ctx, Event, Executed, Notice, Phase, Refusal, Session};
use crate::calendar::WorkCalendar;
use crate::card_ops::{self, Target};
use crate::domain::CardAction;
use crate::domain::{local_date, Actor, BusinessCode, CardState, Outcome, Timestamp};
use crate::ecard::{EcardIssuer, EcardVerifier, Scanned};
use crate::store::{Change, Commit, Store, StoreError};

/// Failures of the driver (not refusals: those are session phases).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DriverError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Exec(#[from] ExecError),
    #[error("{0}")]
    Refused(#[from] Refusal),
    #[error("the ID card could not be used: {0}")]
    BadIdCard(String),
    #[error("e-card: {0}")]
    Ecard(String),
}

impl DriverError {
    /// The plain message for the citizen when the failure is one of the store's that has
    /// one: the agency's registry cannot be reached ([`Failure::RegistryUnavailable`]).
    pub fn failure(&self) -> Option<super::failure::Failure> {
        match self {
            DriverError::Store(StoreError::Unavailable(_))
            | DriverError::Exec(ExecError::Store(StoreError::Unavailable(_))) => {
                Some(super::failure::Failure::RegistryUnavailable)
            }
            _ => None,
        }
    }
}

/// Everything the engine runs on.
pub struct Engine<'a> {
    pub config: &'a firmware_config::Config,
    pub calendar: &'a WorkCalendar,
    pub store: &'a dyn Store,
    pub readers: &'a dyn ReaderProvider,
    pub target: Target,
    pub ecard_issuer: Option<&'a EcardIssuer>,
    pub ecard_verifier: Option<&'a EcardVerifier>,
    pub printer: Option<PrintFn<'a>>,
}

/// What inserting a card did.
#[derive(Debug)]
pub struct Insertion {
    /// The event for the session (the card as it is after guarding).
    pub event: Event,
    /// Journal intents of this card that were settled.
    pub settled: Vec<Settled>,
    /// A block or unblock done because the registry says so.
    pub guarded: Option<CardAction>,
}

impl std::fmt::Debug for Event {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = match self {
            Event::IdCardRead { .. } => "IdCardRead",
            Event::EcardScanned { .. } => "EcardScanned",
            Event::CardRead { .. } => "CardRead",
            Event::PhotoTaken(_) => "PhotoTaken",
            Event::ContactGiven(_) => "ContactGiven",
            Event::ReasonGiven(_) => "ReasonGiven",
            Event::BankReceipt(_) => "BankReceipt",
            Event::Lacking(_) => "Lacking",
            Event::Confirm => "Confirm",
            Event::Pins { .. } => "Pins(******)",
            Event::Executed(_) => "Executed",
            Event::Rate { .. } => "Rate",
            Event::Finish => "Finish",
            Event::Cancel => "Cancel",
            Event::Timeout => "Timeout",
            Event::Face(_) => "Face",
        };
        f.write_str(name)
    }
}

impl Engine<'_> {
    pub fn ctx(&self, now: Timestamp) -> Ctx<'_> {
        Ctx {
            now,
            settings: &self.config.business,
            kiosk: &self.config.kiosk,
            face: &self.config.face,
            calendar: self.calendar,
            language: self.config.ui.default_language,
        }
    }

    fn executor(&self) -> Executor<'_> {
        Executor {
            store: self.store,
            readers: self.readers,
            target: self.target.clone(),
            ecard: self.ecard_issuer,
            printer: self.printer,
        }
    }

    /// Opens a case for `business`.
    pub fn start(
        &self,
        business: BusinessCode,
        agent: bool,
        now: Timestamp,
    ) -> Result<Session, DriverError> {
        let case_id = self
            .store
            .next_case_id(&self.config.kiosk.id, local_date(now))?;
        let (session, commit) = Session::start(case_id, business, agent, &self.ctx(now))?;
        self.store.commit(&commit)?;
        Ok(session)
    }

    /// Feeds one event; runs the effects it produces and feeds their outcome back.
    pub fn feed(&self, s: &mut Session, event: Event, now: Timestamp) -> Result<(), Notice> {
        self.feed_in(s, event, now, self.config.ui.default_language)
    }

    /// [`Engine::feed`] for a citizen who chose `language`: what the session writes for them
    /// (the receipt, a printed notice) is in it (issue 22).
    pub fn feed_in(
        &self,
        s: &mut Session,
        event: Event,
        now: Timestamp,
        language: firmware_config::Language,
    ) -> Result<(), Notice> {
        let ctx = Ctx {
            language,
            ..self.ctx(now)
        };
        let mut event = event;
        loop {
            let effects = s.handle(event, &ctx)?;
            if effects.is_empty() {
                return Ok(());
            }
            let executing = matches!(s.phase, Phase::Executing);
            let result = self.executor().run(s, effects);
            if !executing {
                if let Executed::Failed(message) = result {
                    log::error!("case {}: {message}", s.case_id);
                }
                return Ok(());
            }
            // The outcome goes back to the session, whose next effects (closing a failed
            // case) run in turn.
            event = Event::Executed(result);
        }
    }

    /// The registry's facts of a person.
    pub(crate) fn holder_facts(&self, id_number: &str) -> Result<HolderFacts, StoreError> {
        Ok(HolderFacts {
            person: self.store.person(id_number)?,
            cards: self.store.cards_of(id_number)?,
            applications: self.store.applications_of(id_number)?,
            ecards: self.store.ecards_of(id_number)?,
        })
    }

    /// The event for an ID card read.
    pub fn id_card_read(&self, text: &card_io::idcard::text::IdText) -> Result<Event, DriverError> {
        let person = IdPerson::from_id_text(text).ok_or_else(|| {
            DriverError::BadIdCard("a date on the card is not a real date".into())
        })?;
        let facts = self.holder_facts(&person.id_number)?;
        Ok(Event::IdCardRead { person, facts })
    }

    /// The event for a scanned dynamic e-card QR code.
    pub fn ecard_scanned(&self, qr: &str, now: Timestamp) -> Result<Event, DriverError> {
        let verifier = self
            .ecard_verifier
            .ok_or_else(|| DriverError::Ecard("no e-card platform key is configured".into()))?;
        let scanned = verifier
            .verify_scan(qr, now)
            .map_err(|e| DriverError::Ecard(e.to_string()))?;
        // A version-2 code names no one: the registry resolves its token identifier.
        let (id_number, card_number, token_id) = match scanned {
            Scanned::Named(identity) => {
                (identity.id_number, identity.card_number, identity.token_id)
            }
            Scanned::Reference { token_id, .. } => match self.store.ecard_by_token(&token_id)? {
                Some(e) => (e.id_number, e.card_number, e.token_id),
                None => {
                    return Err(DriverError::Ecard(
                        "this e-card is not (or no longer) valid here".into(),
                    ))
                }
            },
        };
        let facts = self.holder_facts(&id_number)?;
        let known = facts
            .ecards
            .iter()
            .any(|e| e.token_id == token_id && e.card_number == card_number);
        let Some(p) = facts.person.clone().filter(|_| known) else {
            return Err(DriverError::Ecard(
                "this e-card is not (or no longer) valid here".into(),
            ));
        };
        let person = IdPerson {
            id_number: p.id_number,
            name: p.name,
            sex: p.sex,
            ethnicity: p.ethnicity,
            birth_date: p.birth_date,
            address: p.address,
            valid_to: None,
            source: IdSource::Ecard,
        };
        Ok(Event::EcardScanned { person, facts })
    }

    /// A card was inserted: lift the temporary losses whose window has ended (so the card is
    /// judged against the registry as it stands now), read it, settle its pending intents,
    /// make it agree with the registry (block lost or cancelled cards, unblock one whose loss
    /// has lifted), and read it again if anything changed.
    pub fn card_inserted(&self, now: Timestamp) -> Result<Insertion, DriverError> {
        self.lift_expired_losses(now)?;
        let read = || -> Result<_, DriverError> {
            let mut conn = card_ops::connect_card(self.readers, &self.target)
                .map_err(|e| DriverError::Exec(e.into()))?;
            let facts = read_card(&mut *conn, self.store);
            if let Err(e) = conn.disconnect(Disposition::Leave) {
                log::debug!("disconnect: {e}");
            }
            Ok(facts?)
        };
        let mut facts = read()?;
        let executor = self.executor();
        let settled = executor.reconcile(&facts, now)?;
        if !settled.is_empty() {
            // Reconciliation may have moved the registry (a loss cancelled, say): the guard
            // must judge the card against the record as it is now, not as it was read.
            facts.record = match facts.card_number.as_str() {
                "" => self.store.card_by_chip(&facts.chip_serial)?,
                number => self.store.card(number)?,
            };
        }
        let guarded = executor.guard(&facts, now)?;
        if !settled.is_empty() || guarded.is_some() {
            facts = read()?;
        }
        let holder = match facts
            .ssn
            .clone()
            .or_else(|| facts.record.as_ref().map(|r| r.id_number.clone()))
        {
            Some(id) => self.holder_facts(&id)?,
            None => HolderFacts::default(),
        };
        Ok(Insertion {
            event: Event::CardRead {
                card: facts,
                holder,
            },
            settled,
            guarded,
        })
    }

    /// After a card came back to an interrupted session: tells the session what
    /// reconciliation found.
    pub fn resume(
        &self,
        s: &mut Session,
        settled: &[Settled],
        now: Timestamp,
    ) -> Result<(), Notice> {
        if !matches!(s.phase, Phase::Interrupted) {
            return Ok(());
        }
        match settled.iter().rev().find(|x| x.case_id == s.case_id) {
            Some(x) => self.feed(
                s,
                Event::Executed(Executed::Reconciled { applied: x.applied }),
                now,
            ),
            None => Ok(()),
        }
    }

    /// Lifts temporary losses older than the configured window (临时挂失 lifts by itself):
    /// at startup, at every card insertion, and on the service's timer while the kiosk runs.
    /// Returns how many were lifted; each is audited (`card.loss_lifted`).
    pub fn lift_expired_losses(&self, now: Timestamp) -> Result<usize, StoreError> {
        let days = i64::from(self.config.business.temporary_loss_days);
        let before = now - Duration::days(days);
        let cards = self
            .store
            .cards_in_state_since(CardState::LostTemporary, before)?;
        let mut lifted = 0;
        for card in cards {
            let mut commit = Commit::new(Actor::System, now);
            commit.changes.push(Change::SetCardState {
                card_number: card.card_number.clone(),
                from: CardState::LostTemporary,
                to: CardState::Active,
            });
            commit.events.push((
                "card.loss_lifted".into(),
                crate::mask::card_number(&card.card_number),
                serde_json::json!({ "window_days": days }),
            ));
            match self.store.commit(&commit) {
                Ok(_) => lifted += 1,
                // Someone else moved it first (cancel_loss, replacement), or is handling it
                // now: fine, the next pass looks again.
                Err(StoreError::Conflict(_) | StoreError::Busy(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(lifted)
    }

    /// At start: lift expired losses, recompute the provisional deadlines the calendar now
    /// covers (`deadlines::recompute`), settle the intents of a card left in the reader, and
    /// close the cases a stopped kiosk left open.
    pub fn startup(&self, now: Timestamp) -> Result<Vec<Settled>, DriverError> {
        self.lift_expired_losses(now)?;
        // issue 17: the calendar may cover years it lacked when deadlines were counted.
        let recomputed = crate::deadlines::recompute(
            self.store,
            self.calendar,
            self.config.business.application_deadline_days,
            now,
        )?;
        for r in &recomputed {
            log::info!("deadline recomputed with the calendar: case {r}");
        }
        let settled = if self.store.pending_intents()?.is_empty() {
            Vec::new()
        } else {
            match self.card_inserted(now) {
                Ok(ins) => ins.settled,
                // No card (or no reader): its intents wait for its next insertion.
                Err(DriverError::Exec(ExecError::Op(e)))
                    if e.is_card_gone() || e.exit_code() == 3 =>
                {
                    Vec::new()
                }
                Err(e) => return Err(e),
            }
        };
        self.close_left_open(now)?;
        Ok(settled)
    }

    /// Closes the cases a previous run left open (the kiosk stopped or was killed during a
    /// session: no session survives a restart) as abandoned, except those whose card
    /// command is still pending in the journal: reconciliation closes those.
    pub fn close_left_open(&self, now: Timestamp) -> Result<usize, StoreError> {
        let pending: std::collections::BTreeSet<String> = self
            .store
            .pending_intents()?
            .into_iter()
            .map(|i| i.intent.case_id)
            .collect();
        let mut closed = 0;
        for mut case in self.store.open_cases()? {
            if pending.contains(&case.case_id) {
                continue;
            }
            case.outcome = Some(Outcome::Abandoned);
            case.finished_at = Some(now);
            case.summary = "the kiosk stopped during the session; closed at restart".into();
            let mut commit = Commit::new(Actor::System, now);
            commit.events.push((
                "case.closed_at_startup".into(),
                case.case_id.clone(),
                serde_json::json!({ "business": case.business }),
            ));
            commit.case = Some(case);
            self.store.commit(&commit)?;
            closed += 1;
        }
        Ok(closed)
    }
}
