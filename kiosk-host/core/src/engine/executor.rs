//! Runs a session's effects. A card command and its registry change either both happen or
//! are settled later, never half:
//!
//! 1. the intent (card, command, the commit to apply) is written to the journal and made
//!    durable;
//! 2. the command is sent — to the same card (chip serial checked), never with a PIN logged;
//! 3. the card said yes → the commit is applied and the intent settled in one transaction;
//!    the card said no → the intent is abandoned, nothing changes;
//!    the card left mid-command → the intent stays pending and [`reconcile`] settles it from
//!    what the card shows when it comes back (or at the next start).
//!
//! The same journal covers the blocking of lost and cancelled cards on insertion ([`guard`]).

use card_io::sscard::{AppState, CardError, SsCard, SSSE_DF_NAME};
use card_io::transport::{CardConnection, Disposition, ReaderProvider};
use serde_json::json;

use super::facts::{AppStateCode, CardFacts};
use super::failure::Failure;
use super::session::{CardPins, Effect, Executed, Session};
use crate::card_ops::{self, OpError, Target};
use crate::domain::CardAction;
use crate::domain::{local_date, Actor, CardState, Outcome, Timestamp};
use crate::ecard::EcardIssuer;
use crate::store::{Change, Commit, IntentStatus, NewIntent, Reservation, Store, StoreError};

/// Failures outside the business rules: storage or devices.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExecError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Op(#[from] OpError),
    #[error("e-card: {0}")]
    Ecard(String),
    #[error("the card in the reader is not the one this business started with")]
    CardSwapped,
    #[error("the PIN for this command was not entered")]
    MissingPin,
}

/// The case under which the card guard reserves a card and journals its command: it belongs
/// to no citizen's session (a store that needs case ids of its own maps it to the kiosk's
/// system case).
pub const GUARD_CASE: &str = "guard";

/// Prints receipt lines on the kiosk's printer; an error says why it could not.
pub(crate) type PrintFn<'a> = &'a dyn Fn(&[String]) -> Result<(), String>;

/// The hardware and services effects need.
pub(crate) struct Executor<'a> {
    pub store: &'a dyn Store,
    pub readers: &'a dyn ReaderProvider,
    pub target: Target,
    pub ecard: Option<&'a EcardIssuer>,
    /// Prints receipt lines (the kiosk's printer); `None` = no printer.
    pub printer: Option<PrintFn<'a>>,
}

/// The chip serial (hex) of a card from its ATR: the last 8 historical bytes (the ATR's last
/// 8 bytes when it does not parse), as the PSAM's diversification uses it.
pub fn chip_serial(atr: &[u8]) -> String {
    let hist = card_io::sam::historical_bytes(atr).filter(|h| h.len() >= 8);
    let serial = match hist {
        Some(h) => &h[h.len() - 8..],
        None => &atr[atr.len().saturating_sub(8)..],
    };
    hex::encode_upper(serial)
}

/// Reads what a session needs to know of the card in `conn`, in one session of at most 5
/// APDUs: SELECT, the card number and expiry date (EF05 by SFI), the holder's number (EF06)
/// and the PIN tries (VERIFY without data) when the application is active.
pub fn read_card(conn: &mut dyn CardConnection, store: &dyn Store) -> Result<CardFacts, ExecError> {
    let atr = conn.atr().to_vec();
    let mut session = conn.session(Some(&SSSE_DF_NAME)).map_err(OpError::from)?;
    let mut card = SsCard::select(&mut *session).map_err(OpError::from)?;
    let state = card.state();
    let chip = chip_serial(&atr);
    let date = |d: card_io::date::Date| {
        chrono::NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
    };
    // A permanently blocked application or a blocked card answers nothing but its state:
    // the registry knows it by its chip serial.
    let readable = matches!(state, AppState::Active | AppState::TemporarilyBlocked);
    let (card_number, expiry_date, record) = if readable {
        use card_io::sscard::records::{CARD_NUMBER, EXPIRY_DATE};
        let number = card
            .read_item(CARD_NUMBER)
            .map_err(OpError::from)?
            .map(|v| String::from_utf8_lossy(&v).trim().to_string())
            .unwrap_or_default();
        let expiry = card
            .read_item(EXPIRY_DATE)
            .map_err(OpError::from)?
            .and_then(|v| card_io::date::Date::from_bcd(&v))
            .and_then(date);
        let record = store.card(&number)?;
        (number, expiry, record)
    } else {
        let record = store.card_by_chip(&chip)?;
        let number = record
            .as_ref()
            .map(|r| r.card_number.clone())
            .unwrap_or_default();
        (number, record.as_ref().and_then(|r| r.expiry_date), record)
    };
    let ssn = if state == AppState::Active {
        card.read_item(card_io::sscard::records::SSN)
            .map_err(OpError::from)?
            .map(|v| String::from_utf8_lossy(&v).trim().to_string())
    } else {
        None
    };
    let pin_tries_left = if state == AppState::Active {
        card.pin_tries_left().map_err(OpError::from)?
    } else {
        None
    };
    let pin_blocked = pin_tries_left == Some(0);
    Ok(CardFacts {
        card_number,
        chip_serial: chip,
        ssn,
        app_state: state.into(),
        pin_tries_left,
        pin_blocked,
        expiry_date,
        record,
    })
}

impl Executor<'_> {
    /// Runs `effects` of `session` and says how they ended.
    pub fn run(&self, session: &Session, effects: Vec<Effect>) -> Executed {
        let mut archive_no = None;
        let mut ecard_token = None;
        let mut outcome = None;
        for effect in effects {
            match effect {
                Effect::Commit(commit) => match self.store.commit(&commit) {
                    Ok(no) => archive_no = archive_no.or(no),
                    Err(e) => {
                        log::error!("case {}: commit failed: {e}", session.case_id);
                        outcome = Some(Executed::Failed(store_failure(&e)));
                    }
                },
                Effect::Card {
                    action,
                    pins,
                    on_success,
                } => match self.card_command(session, action, pins, on_success) {
                    Ok(no) => archive_no = archive_no.or(no),
                    Err(done) => outcome = Some(done),
                },
                Effect::IssueEcard {
                    id_number,
                    card_number,
                    mut on_success,
                } => {
                    let Some(issuer) = self.ecard else {
                        outcome = Some(Executed::Failed(Failure::NoEcardKey));
                        continue;
                    };
                    let issued = issuer.issue(
                        &id_number,
                        &card_number,
                        on_success.at,
                        &mut rand::rngs::OsRng,
                    );
                    on_success.changes.push(Change::IssueEcard(issued.ecard));
                    match self.store.commit(&on_success) {
                        Ok(no) => {
                            archive_no = archive_no.or(no);
                            ecard_token = Some(issued.token);
                        }
                        Err(e) => outcome = Some(Executed::Failed(store_failure(&e))),
                    }
                }
                Effect::Print(lines) => {
                    if let Some(print) = self.printer {
                        if let Err(e) = print(&lines) {
                            log::warn!("case {}: printing failed: {e}", session.case_id);
                        }
                    }
                }
                Effect::Rate(rating) => {
                    if let Err(e) = self.store.rate(&rating) {
                        log::warn!("case {}: rating not stored: {e}", session.case_id);
                    }
                }
                Effect::ReleaseCard => {}
            }
            if outcome.is_some() {
                break;
            }
        }
        outcome.unwrap_or(Executed::Ok {
            archive_no,
            ecard_token,
        })
    }

    /// Journals, sends and settles one card command.
    fn card_command(
        &self,
        session: &Session,
        action: CardAction,
        pins: CardPins,
        on_success: Commit,
    ) -> Result<Option<String>, Executed> {
        let Some(card) = session.gathered.card.as_ref() else {
            return Err(Executed::Failed(Failure::NoCardInserted));
        };
        // Hold the card and its holder at the registry before anything is journaled or
        // sent: a card another kiosk is busy with is refused here, untouched.
        let reservation = Reservation {
            case_id: session.case_id.clone(),
            cards: card
                .record
                .as_ref()
                .map(|r| vec![(r.card_number.clone(), r.state)])
                .unwrap_or_default(),
            persons: card
                .record
                .as_ref()
                .map(|r| vec![r.id_number.clone()])
                .unwrap_or_default(),
        };
        match self.store.reserve(&reservation) {
            Ok(()) => {}
            Err(StoreError::Busy(why)) => {
                log::warn!("case {}: card busy elsewhere: {why}", session.case_id);
                return Err(Executed::Failed(Failure::CardBusy));
            }
            Err(StoreError::Conflict(why)) => {
                log::warn!("case {}: the card's record moved: {why}", session.case_id);
                return Err(Executed::Failed(Failure::RecordChanged));
            }
            // A PIN change needs only the card: it runs while the registry cannot be
            // reached (its record waits in the store's outbox).
            Err(StoreError::Unavailable(_)) if action == CardAction::ChangePin => {}
            Err(e) => return Err(Executed::Failed(store_failure(&e))),
        }
        let intent = NewIntent {
            case_id: session.case_id.clone(),
            card_number: card.card_number.clone(),
            chip_serial: card.chip_serial.clone(),
            action,
            on_success: on_success.clone(),
            created_at: on_success.at,
        };
        let id = self
            .store
            .record_intent(&intent)
            .map_err(|e| Executed::Failed(store_failure(&e)))?;
        match self.send(&card.chip_serial, action, &pins) {
            Ok(()) => {
                let mut commit = on_success;
                commit.settle = Some((id, IntentStatus::Applied));
                let committed = self.store.commit(&commit);
                if committed.is_ok() {
                    self.report(&intent, true, intent.created_at);
                }
                committed.map_err(|e| {
                    // The card did it: the intent stays pending (not abandoned) and the
                    // next read of this card settles it; the citizen must not be told
                    // that nothing was done.
                    log::error!(
                        "case {}: card command done but not recorded: {e}; intent {id} pending",
                        session.case_id
                    );
                    Executed::Failed(Failure::RecordPending)
                })
            }
            Err(ExecError::Op(e)) if e.is_card_gone() => {
                log::warn!(
                    "case {}: card left during {action:?}; intent {id} pending",
                    session.case_id
                );
                Err(Executed::Interrupted)
            }
            Err(ExecError::Op(OpError::NotInitialPin(_))) if action == CardAction::Activate => {
                // The card's PIN is no longer the initial one: someone set the holder's PIN
                // (an earlier enable whose answer was lost). The card is enabled; make the
                // registry agree, and say so.
                let mut commit = on_success;
                commit.settle = Some((id, IntentStatus::Applied));
                // The enable is settled: its case is archived like any finished one (6.4),
                // with the settlement as its last step.
                if let Some(archive) = commit.archive.as_mut() {
                    archive.steps.push(crate::store::CaseStep {
                        at: commit.at,
                        step: "对账办结".into(),
                        detail: "卡密码已设置,登记改为正常".into(),
                    });
                }
                if let Some(case) = commit.case.as_mut() {
                    case.outcome = Some(Outcome::Reconciled);
                    case.summary = "card PIN already set: registry moved to active".into();
                }
                commit.events.push((
                    "card.already_enabled".into(),
                    crate::mask::card_number(&card.card_number),
                    json!({ "case": session.case_id }),
                ));
                match self.store.commit(&commit) {
                    Ok(_) => {
                        self.report(&intent, true, intent.created_at);
                        Err(Executed::Failed(Failure::AlreadyEnabled))
                    }
                    Err(e) => Err(Executed::Failed(store_failure(&e))),
                }
            }
            Err(e) => {
                let reason = e.to_string();
                if let Err(se) = self.store.abandon_intent(id, &session.actor(), &reason) {
                    log::error!("intent {id}: could not abandon: {se}");
                }
                self.report(&intent, false, intent.created_at);
                if let Err(se) = self.store.release(&session.case_id) {
                    // The lease expires by itself at the registry.
                    log::warn!("case {}: reservation not released: {se}", session.case_id);
                }
                Err(Executed::Failed(card_failure(&e)))
            }
        }
    }

    /// Tells the registry what a card command did (see `Registry::card_outcome`); a report
    /// that cannot be recorded is logged: the journal has the outcome.
    fn report(&self, intent: &NewIntent, applied: bool, at: Timestamp) {
        if let Err(e) = self.store.card_outcome(intent, applied, at) {
            log::warn!("case {}: card outcome not reported: {e}", intent.case_id);
        }
    }

    /// Sends one card command to the card with `chip_serial`.
    fn send(&self, chip: &str, action: CardAction, pins: &CardPins) -> Result<(), ExecError> {
        let conn = card_ops::connect_card(self.readers, &self.target)?;
        if chip_serial(conn.atr()) != chip {
            let _ = conn.disconnect(Disposition::Leave);
            return Err(ExecError::CardSwapped);
        }
        let needs_sam = !matches!(action, CardAction::Activate | CardAction::ChangePin);
        let mut sam = if needs_sam {
            Some(card_ops::open_psam(
                self.readers,
                &self.target,
                conn.reader_name(),
            )?)
        } else {
            None
        };
        let new_pin = pins.new.as_ref();
        let old_pin = pins.old.as_ref();
        if matches!(action, CardAction::Activate | CardAction::ResetPin) && new_pin.is_none()
            || action == CardAction::ChangePin && (old_pin.is_none() || new_pin.is_none())
        {
            return Err(ExecError::MissingPin);
        }
        // The session checked the new PIN (weak PINs, repetition) against the holder's ID
        // card before confirming, so the card sees only the command itself: one SELECT and
        // the command (plus GET CHALLENGE for secured ones).
        card_ops::with_card(conn, Disposition::Reset, |c| {
            match (action, sam.as_mut(), old_pin, new_pin) {
                (CardAction::Activate, _, _, Some(new)) => {
                    let initial = card_io::pin::Pin::parse(card_ops::INITIAL_PIN)
                        .map_err(|_| OpError::SamePin)?;
                    match c.change_pin(&initial, new) {
                        Err(e @ CardError::WrongPin { .. }) => Err(OpError::NotInitialPin(e)),
                        other => Ok(other?),
                    }
                }
                (CardAction::ChangePin, _, Some(old), Some(new)) => Ok(c.change_pin(old, new)?),
                (CardAction::ResetPin, Some(sam), _, Some(new)) => Ok(c.reset_pin(sam, new)?),
                (CardAction::UnblockPin, Some(sam), _, _) => Ok(c.unblock_pin(sam)?),
                (CardAction::BlockApp { permanent }, Some(sam), _, _) => {
                    Ok(c.block_application(sam, permanent)?)
                }
                (CardAction::UnblockApp, Some(sam), _, _) => Ok(c.unblock_application(sam)?),
                (CardAction::BlockCard, Some(sam), _, _) => Ok(c.block_card(sam)?),
                _ => Err(OpError::NoPsam),
            }
        })?;
        Ok(())
    }

    /// Settles the pending intents of the card just read (`facts`), from what it shows now.
    /// Returns how many intents were settled and whether the last one took effect.
    pub(crate) fn reconcile(
        &self,
        facts: &CardFacts,
        now: Timestamp,
    ) -> Result<Vec<Settled>, ExecError> {
        let mut settled = Vec::new();
        for pending in self.store.pending_intents()? {
            let intent = &pending.intent;
            if intent.chip_serial != facts.chip_serial {
                continue;
            }
            let decision = decide(intent.action, facts);
            let applied = match decision {
                Decision::Applied => {
                    let mut commit = intent.on_success.clone();
                    commit.settle = Some((pending.id, IntentStatus::Applied));
                    commit.events.push((
                        "intent.reconciled".into(),
                        intent.case_id.clone(),
                        json!({ "action": intent.action, "applied": true, "at": now }),
                    ));
                    match self.store.commit(&commit) {
                        Ok(_) => {
                            self.report(intent, true, now);
                            true
                        }
                        // The registry moved on meanwhile (e.g. staff): the card still did
                        // what it did; record that, apply nothing.
                        Err(StoreError::Conflict(why)) => {
                            self.store.abandon_intent(
                                pending.id,
                                &Actor::System,
                                &format!("card command took effect but the registry changed since: {why}"),
                            )?;
                            self.report(intent, true, now);
                            false
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
                Decision::NotApplied(reason) | Decision::Unknowable(reason) => {
                    self.store
                        .abandon_intent(pending.id, &Actor::System, reason)?;
                    // Only what the card shows is reported: an unknowable outcome is not.
                    if matches!(decision, Decision::NotApplied(_)) {
                        self.report(intent, false, now);
                    }
                    let mut close = Commit::new(Actor::System, now);
                    if let Some(mut case) = intent.on_success.case.clone() {
                        case.outcome = Some(if matches!(decision, Decision::Unknowable(_)) {
                            Outcome::Reconciled
                        } else {
                            Outcome::Failed
                        });
                        case.finished_at = Some(now);
                        case.summary = reason.to_string();
                        close.case = Some(case);
                    }
                    self.store.commit(&close)?;
                    false
                }
            };
            settled.push(Settled {
                intent: pending.id,
                case_id: intent.case_id.clone(),
                action: intent.action,
                applied,
            });
        }
        Ok(settled)
    }

    /// Makes a card agree with the registry when it is inserted: a card the registry marks
    /// lost is blocked temporarily, a cancelled one permanently; a card blocked for a loss
    /// that has since been lifted is unblocked. Journaled like any card command, and reserved
    /// like one first (under [`GUARD_CASE`]): a card another kiosk's case holds is left as it
    /// is (that case is changing its record; the next insertion looks again).
    pub fn guard(
        &self,
        facts: &CardFacts,
        now: Timestamp,
    ) -> Result<Option<CardAction>, ExecError> {
        let Some(record) = &facts.record else {
            return Ok(None);
        };
        let action = match (record.state, facts.app_state) {
            (CardState::LostTemporary | CardState::LostFormal, AppStateCode::Active) => {
                CardAction::BlockApp { permanent: false }
            }
            (CardState::Cancelled, AppStateCode::Active | AppStateCode::TemporarilyBlocked) => {
                CardAction::BlockApp { permanent: true }
            }
            (CardState::Active | CardState::Issued, AppStateCode::TemporarilyBlocked) => {
                CardAction::UnblockApp
            }
            _ => return Ok(None),
        };
        let reservation = Reservation {
            case_id: GUARD_CASE.to_string(),
            cards: vec![(record.card_number.clone(), record.state)],
            persons: vec![record.id_number.clone()],
        };
        match self.store.reserve(&reservation) {
            Ok(()) => {}
            Err(
                e @ (StoreError::Busy(_) | StoreError::Conflict(_) | StoreError::Unavailable(_)),
            ) => {
                log::warn!(
                    "card {}: not brought in line with the registry now: {e}",
                    crate::mask::card_number(&record.card_number)
                );
                return Ok(None);
            }
            Err(e) => return Err(e.into()),
        }
        let guarded = self.guard_reserved(facts, record, action, now);
        if let Err(se) = self.store.release(GUARD_CASE) {
            // The lease expires by itself at the registry.
            log::warn!("card guard: reservation not released: {se}");
        }
        guarded
    }

    /// [`Executor::guard`]'s card command, once the card is reserved.
    fn guard_reserved(
        &self,
        facts: &CardFacts,
        record: &crate::domain::CardRecord,
        action: CardAction,
        now: Timestamp,
    ) -> Result<Option<CardAction>, ExecError> {
        let mut commit = Commit::new(Actor::System, now);
        commit.events.push((
            "card.guard".into(),
            crate::mask::card_number(&record.card_number),
            json!({ "registry_state": record.state, "action": action }),
        ));
        let intent = NewIntent {
            case_id: format!("{GUARD_CASE}-{}", local_date(now)),
            card_number: record.card_number.clone(),
            chip_serial: facts.chip_serial.clone(),
            action,
            on_success: commit.clone(),
            created_at: now,
        };
        let id = self.store.record_intent(&intent)?;
        match self.send(&facts.chip_serial, action, &CardPins::default()) {
            Ok(()) => {
                commit.settle = Some((id, IntentStatus::Applied));
                self.store.commit(&commit)?;
                self.report(&intent, true, now);
                Ok(Some(action))
            }
            Err(ExecError::Op(e)) if e.is_card_gone() => Err(ExecError::Op(e)),
            Err(e) => {
                self.store
                    .abandon_intent(id, &Actor::System, &e.to_string())?;
                self.report(&intent, false, now);
                Err(e)
            }
        }
    }
}

/// One settled intent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settled {
    pub intent: i64,
    pub case_id: String,
    pub action: CardAction,
    pub applied: bool,
}

/// What a card shows about a command whose answer was lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Applied,
    NotApplied(&'static str),
    /// Only the PIN would tell, and the kiosk never probes a PIN.
    Unknowable(&'static str),
}

/// Decides from the card's state whether `action` took effect.
pub fn decide(action: CardAction, card: &CardFacts) -> Decision {
    use AppStateCode as S;
    let not = Decision::NotApplied(
        "the card was removed before the command took effect; nothing changed",
    );
    match (action, card.app_state) {
        (CardAction::BlockApp { permanent: true }, S::PermanentlyBlocked | S::CardBlocked) => {
            Decision::Applied
        }
        (CardAction::BlockApp { permanent: false }, S::TemporarilyBlocked) => Decision::Applied,
        (CardAction::UnblockApp, S::Active) => Decision::Applied,
        (CardAction::BlockCard, S::CardBlocked) => Decision::Applied,
        (CardAction::UnblockPin, S::Active) if !card.pin_blocked => Decision::Applied,
        (CardAction::BlockApp { .. } | CardAction::UnblockApp | CardAction::BlockCard, _)
        | (CardAction::UnblockPin, _) => not,
        (CardAction::ChangePin | CardAction::ResetPin, _) => Decision::Unknowable(
            "the card was removed during a PIN command; only the card knows whether the new PIN is set: try it, or reset the PIN",
        ),
        (CardAction::Activate, _) => Decision::Unknowable(
            "the card was removed while enabling; if the new PIN works the card is enabled (the next enable attempt settles the registry)",
        ),
    }
}

fn store_failure(e: &StoreError) -> Failure {
    match e {
        StoreError::Conflict(_) => Failure::RecordChanged,
        StoreError::Busy(_) => Failure::CardBusy,
        StoreError::Unavailable(_) => Failure::RegistryUnavailable,
        _ => Failure::StoreFailed,
    }
}

fn card_failure(e: &ExecError) -> Failure {
    match e {
        ExecError::CardSwapped => Failure::CardSwapped,
        ExecError::Op(OpError::Card(CardError::WrongPin { tries_left })) => Failure::WrongPin {
            tries_left: *tries_left,
        },
        ExecError::Op(OpError::Card(CardError::PinBlocked)) => Failure::PinBlocked,
        ExecError::Op(OpError::NoPsam) | ExecError::Op(OpError::Sam(_)) => Failure::SamUnavailable,
        ExecError::Op(e) if e.exit_code() == 3 => Failure::ReaderUnavailable,
        other => Failure::CardRefused {
            detail: other.to_string(),
        },
    }
}
