//! The reducer on its own, table-driven: no store, no card, no device. Each row is a business,
//! whether an agent acts, what the registry knows, and the events in order, each with what
//! the session must answer: the phase it moves to and the effects it asks for, or a notice
//! (the event refused, the phase unchanged).

use card_io::pin::Pin;
use chrono::{NaiveDate, TimeZone, Utc};
use firmware_config::{Business, Kiosk, Language};

use super::*;
use crate::calendar::WorkCalendar;
use crate::domain::{BusinessCode as B, CardRecord, CardState, Person, Sex, Timestamp};
use crate::engine::facts::{
    AppStateCode, CardFacts, Contact, HolderFacts, IdPerson, IdSource, PhotoFacts, Reason,
};
use crate::rules::Material as M;

/// The holder's ID number (valid GB 11643) and birth date, and the agent's.
const HOLDER_ID: &str = "65230119800506123X";
const AGENT_ID: &str = "652301197001010018";
/// PINs: a good new one, another good one (the old PIN of a change), a weak one, the initial.
const NEW_PIN: &str = "297351";
const OLD_PIN: &str = "864209";
const WEAK_PIN: &str = "111111";

/// What the registry and the card say about the holder.
#[derive(Debug, Clone, Copy)]
struct Setup {
    /// The holder's card record (state) and what the card answers, if the holder has one.
    card: Option<(CardState, AppStateCode)>,
    photo_on_file: bool,
    pin_blocked: bool,
    reissue_batch: bool,
    /// The agent is under 18.
    minor_agent: bool,
    /// The card in the reader belongs to someone else.
    foreign_card: bool,
    /// The ID card read has expired.
    expired_id: bool,
}

const NO_CARD: Setup = Setup {
    card: None,
    photo_on_file: false,
    pin_blocked: false,
    reissue_batch: false,
    minor_agent: false,
    foreign_card: false,
    expired_id: false,
};

const fn card(state: CardState, app: AppStateCode) -> Setup {
    Setup {
        card: Some((state, app)),
        photo_on_file: true,
        ..NO_CARD
    }
}

const ACTIVE: Setup = card(CardState::Active, AppStateCode::Active);

/// One event a row feeds.
#[derive(Debug, Clone)]
enum In {
    IdCard,
    AgentIdCard,
    /// The principal's ID card again, where the agent's is asked for.
    PrincipalAsAgent,
    Ecard,
    Card,
    Photo,
    Phone(&'static str),
    Why(Reason),
    Bank(&'static str),
    Lacking(M),
    Confirm,
    Pins(
        Option<&'static str>,
        Option<&'static str>,
        Option<&'static str>,
    ),
    Done,
    DoneEcard,
    ExecFailed(Failure),
    Interrupted,
    Reconciled(bool),
    Rate(u8),
    Finish,
    Cancel,
    Timeout,
}

/// The phase a session must be in.
#[derive(Debug, Clone, PartialEq)]
enum P {
    Ask(M),
    Returned(Vec<M>),
    Refused(Refusal),
    Confirming,
    Pins { old: bool, new: bool },
    Executing,
    Interrupted,
    Done { ecard: bool },
    Failed(Failure),
    Closed,
}

/// What the session must answer to an event.
#[derive(Debug, Clone)]
enum Then {
    /// The phase after the event and the effects asked for (see [`summary`]).
    Is(P, &'static [&'static str]),
    /// The event is refused with a notice whose English text contains this; the phase stays.
    Notice(&'static str),
}

fn is(p: P, effects: &'static [&'static str]) -> Then {
    Then::Is(p, effects)
}

/// A way to reach a phase, and the effects that leaving it by cancel or timeout asks for.
struct Reach {
    name: &'static str,
    business: B,
    setup: Setup,
    steps: Vec<(In, Then)>,
    ends: &'static [&'static str],
}

fn reach(
    name: &'static str,
    business: B,
    setup: Setup,
    steps: Vec<(In, Then)>,
    ends: &'static [&'static str],
) -> Reach {
    Reach {
        name,
        business,
        setup,
        steps,
        ends,
    }
}

/// A row of the table.
struct Row {
    name: &'static str,
    business: B,
    agent: bool,
    setup: Setup,
    steps: Vec<(In, Then)>,
}

fn row(name: &'static str, business: B, agent: bool, setup: Setup, steps: Vec<(In, Then)>) -> Row {
    Row {
        name,
        business,
        agent,
        setup,
        steps,
    }
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn now() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 3, 10, 2, 0, 0).unwrap()
}

fn pin(digits: &str) -> Pin {
    Pin::parse(digits).unwrap()
}

/// The settings, calendar and facts a row runs against.
struct Fixture {
    setup: Setup,
    settings: Business,
    kiosk: Kiosk,
    calendar: WorkCalendar,
}

impl Fixture {
    fn new(setup: Setup) -> Fixture {
        Fixture {
            setup,
            settings: Business::default(),
            kiosk: Kiosk::default(),
            calendar: WorkCalendar::default(),
        }
    }

    fn ctx(&self) -> Ctx<'_> {
        Ctx {
            now: now(),
            settings: &self.settings,
            kiosk: &self.kiosk,
            calendar: &self.calendar,
            language: Language::ZhCn,
        }
    }

    fn principal(&self, source: IdSource) -> IdPerson {
        IdPerson {
            id_number: HOLDER_ID.into(),
            name: "张伟".into(),
            sex: Sex::Male,
            ethnicity: 1,
            birth_date: day(1980, 5, 6),
            address: "新疆昌吉市兴昌路1号".into(),
            valid_to: Some(if self.setup.expired_id {
                day(2025, 1, 1)
            } else {
                day(2035, 1, 1)
            }),
            source,
        }
    }

    fn agent(&self) -> IdPerson {
        IdPerson {
            id_number: AGENT_ID.into(),
            name: "李娜".into(),
            sex: Sex::Female,
            birth_date: if self.setup.minor_agent {
                day(2012, 1, 1)
            } else {
                day(1970, 1, 1)
            },
            valid_to: None,
            ..self.principal(IdSource::IdCard)
        }
    }

    fn record(&self) -> Option<CardRecord> {
        let (state, _) = self.setup.card?;
        Some(CardRecord {
            card_number: "A12345678".into(),
            id_number: HOLDER_ID.into(),
            chip_serial: Some("8600112233445566".into()),
            state,
            issue_date: Some(day(2021, 3, 15)),
            expiry_date: Some(day(2031, 3, 15)),
            state_since: now(),
            reissue_batch: self.setup.reissue_batch.then(|| "2026-01".into()),
            replacement_requested: false,
        })
    }

    fn holder(&self) -> HolderFacts {
        HolderFacts {
            person: Some(Person {
                photo_sha256: self.setup.photo_on_file.then(|| "ab".repeat(32)),
                ..self.principal(IdSource::IdCard).to_person()
            }),
            cards: self.record().into_iter().collect(),
            applications: Vec::new(),
            ecards: Vec::new(),
        }
    }

    fn card(&self) -> CardFacts {
        let app_state = self.setup.card.map_or(AppStateCode::Active, |(_, a)| a);
        CardFacts {
            card_number: "A12345678".into(),
            chip_serial: "8600112233445566".into(),
            ssn: Some(if self.setup.foreign_card {
                AGENT_ID.into()
            } else {
                HOLDER_ID.into()
            }),
            app_state,
            pin_tries_left: Some(if self.setup.pin_blocked { 0 } else { 3 }),
            pin_blocked: self.setup.pin_blocked,
            expiry_date: Some(day(2031, 3, 15)),
            record: self.record(),
        }
    }

    fn event(&self, input: &In) -> Event {
        match input.clone() {
            In::IdCard => Event::IdCardRead {
                person: self.principal(IdSource::IdCard),
                facts: self.holder(),
            },
            In::AgentIdCard => Event::IdCardRead {
                person: self.agent(),
                facts: HolderFacts::default(),
            },
            In::PrincipalAsAgent => Event::IdCardRead {
                person: self.principal(IdSource::IdCard),
                facts: self.holder(),
            },
            In::Ecard => Event::EcardScanned {
                person: self.principal(IdSource::Ecard),
                facts: self.holder(),
            },
            In::Card => Event::CardRead {
                card: self.card(),
                holder: self.holder(),
            },
            In::Photo => Event::PhotoTaken(PhotoFacts {
                sha256: "cd".repeat(32),
                jpeg: vec![0xFF, 0xD8, 0xFF, 0xD9],
            }),
            In::Phone(phone) => Event::ContactGiven(Contact {
                phone: Some(phone.into()),
                address: None,
            }),
            In::Why(reason) => Event::ReasonGiven(reason),
            In::Bank(number) => Event::BankReceipt(number.into()),
            In::Lacking(m) => Event::Lacking(m),
            In::Confirm => Event::Confirm,
            In::Pins(old, new, repeat) => Event::Pins {
                old: old.map(pin),
                new: new.map(pin),
                repeat: repeat.map(pin),
            },
            In::Done => Event::Executed(Executed::Ok {
                archive_no: Some("0001-2026-D10-000001".into()),
                ecard_token: None,
            }),
            In::DoneEcard => Event::Executed(Executed::Ok {
                archive_no: Some("0001-2026-D10-000001".into()),
                ecard_token: Some("token".into()),
            }),
            In::ExecFailed(f) => Event::Executed(Executed::Failed(f)),
            In::Interrupted => Event::Executed(Executed::Interrupted),
            In::Reconciled(applied) => Event::Executed(Executed::Reconciled { applied }),
            In::Rate(level) => Event::Rate {
                level,
                reasons: vec!["slow".into()],
                comment: None,
            },
            In::Finish => Event::Finish,
            In::Cancel => Event::Cancel,
            In::Timeout => Event::Timeout,
        }
    }
}

/// The effects in short: `Card(<action>)`, `IssueEcard`, `Commit` (with the outcome when it
/// closes the case), `Print`, `Rate(<level>, <n> reasons)`, `ReleaseCard`.
fn summary(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .map(|e| match e {
            Effect::Card { action, .. } => format!("Card({action:?})"),
            Effect::IssueEcard { .. } => "IssueEcard".into(),
            Effect::Commit(c) => match c.case.as_ref().and_then(|c| c.outcome) {
                Some(outcome) => format!("Commit({outcome:?})"),
                None => "Commit".into(),
            },
            Effect::Print(_) => "Print".into(),
            Effect::Rate(r) => format!("Rate({}, {} reasons)", r.level, r.reasons.len()),
            Effect::ReleaseCard => "ReleaseCard".into(),
        })
        .collect()
}

fn phase_is(want: &P, got: &Phase) -> bool {
    match (want, got) {
        (P::Ask(m), Phase::Gathering { material }) => m == material,
        (P::Returned(ms), Phase::Returned { notice }) => *ms == notice.materials(),
        (P::Refused(r), Phase::Refused { refusal }) => r == refusal,
        (P::Confirming, Phase::Confirming)
        | (P::Executing, Phase::Executing)
        | (P::Interrupted, Phase::Interrupted)
        | (P::Closed, Phase::Closed) => true,
        (P::Pins { old, new }, Phase::EnteringPins { old: o, new: n }) => (old, new) == (o, n),
        (P::Done { ecard }, Phase::Done { ecard_qr, receipt }) => {
            *ecard == ecard_qr.is_some() && !receipt.is_empty()
        }
        (P::Failed(f), Phase::Failed { failure }) => f == failure,
        _ => false,
    }
}

fn run(row: &Row) {
    let fx = Fixture::new(row.setup);
    let ctx = fx.ctx();
    let (mut s, opening) = Session::start("K1-20260310-0001".into(), row.business, row.agent, &ctx)
        .unwrap_or_else(|r| panic!("{}: refused at the start: {r}", row.name));
    assert_eq!(
        opening.case.as_ref().map(|c| c.outcome),
        Some(None),
        "{}: the opening commit opens the case",
        row.name
    );
    for (i, (input, then)) in row.steps.iter().enumerate() {
        let before = s.phase.clone();
        let result = s.handle(fx.event(input), &ctx);
        let at = format!("{} step {} ({input:?})", row.name, i + 1);
        match (then, result) {
            (Then::Is(p, effects), Ok(got)) => {
                assert!(
                    phase_is(p, &s.phase),
                    "{at}: phase {:?}, want {p:?}",
                    s.phase
                );
                assert_eq!(summary(&got), *effects, "{at}: effects");
            }
            (Then::Notice(text), Err(notice)) => {
                assert!(
                    notice.text(Language::En).contains(text),
                    "{at}: notice {notice}, want {text:?}"
                );
                assert_eq!(s.phase, before, "{at}: a notice leaves the phase");
            }
            (Then::Is(p, _), Err(notice)) => panic!("{at}: notice {notice}, want {p:?}"),
            (Then::Notice(text), Ok(got)) => panic!(
                "{at}: accepted ({:?}, {:?}), want the notice {text:?}",
                s.phase,
                summary(&got)
            ),
        }
    }
}

/// After the business ran: done, rated, closed.
fn finish_rated() -> Vec<(In, Then)> {
    vec![
        (In::Done, is(P::Done { ecard: false }, &[])),
        (
            In::Rate(5),
            is(P::Closed, &["Rate(5, 0 reasons)", "ReleaseCard"]),
        ),
    ]
}

fn with(mut steps: Vec<(In, Then)>, rest: Vec<(In, Then)>) -> Vec<(In, Then)> {
    steps.extend(rest);
    steps
}

/// Every business's happy path, as the holder would go through it.
fn happy_paths() -> Vec<Row> {
    let photo_needed = Setup {
        photo_on_file: false,
        ..ACTIVE
    };
    vec![
        row(
            "apply",
            B::Apply,
            false,
            NO_CARD,
            with(
                vec![
                    (In::IdCard, is(P::Ask(M::Photo), &[])),
                    (In::Photo, is(P::Confirming, &[])),
                    (In::Confirm, is(P::Executing, &["Commit(Completed)"])),
                ],
                finish_rated(),
            ),
        ),
        row(
            "enable",
            B::Enable,
            false,
            card(CardState::Issued, AppStateCode::Active),
            with(
                vec![
                    (In::IdCard, is(P::Ask(M::SsCard), &[])),
                    (In::Card, is(P::Confirming, &[])),
                    (
                        In::Confirm,
                        is(
                            P::Pins {
                                old: false,
                                new: true,
                            },
                            &[],
                        ),
                    ),
                    (
                        In::Pins(None, Some(NEW_PIN), Some(NEW_PIN)),
                        is(P::Executing, &["Card(Activate)"]),
                    ),
                ],
                finish_rated(),
            ),
        ),
        row(
            "ecard",
            B::Ecard,
            false,
            ACTIVE,
            vec![
                (In::IdCard, is(P::Confirming, &[])),
                (In::Confirm, is(P::Executing, &["IssueEcard"])),
                (In::DoneEcard, is(P::Done { ecard: true }, &[])),
                (In::Finish, is(P::Closed, &["ReleaseCard"])),
            ],
        ),
        row(
            "status",
            B::Status,
            false,
            ACTIVE,
            with(
                vec![
                    (In::Card, is(P::Confirming, &[])),
                    (In::Confirm, is(P::Executing, &["Commit(Completed)"])),
                ],
                finish_rated(),
            ),
        ),
        row(
            "change_info",
            B::ChangeInfo,
            false,
            ACTIVE,
            with(
                vec![
                    (In::IdCard, is(P::Ask(M::SsCard), &[])),
                    (In::Card, is(P::Ask(M::ContactDetails), &[])),
                    (In::Phone("13912345678"), is(P::Confirming, &[])),
                    (In::Confirm, is(P::Executing, &["Commit(Completed)"])),
                ],
                finish_rated(),
            ),
        ),
        row(
            "report_loss by e-card",
            B::ReportLoss,
            false,
            ACTIVE,
            with(
                vec![
                    (In::Ecard, is(P::Confirming, &[])),
                    (In::Confirm, is(P::Executing, &["Commit(Completed)"])),
                ],
                finish_rated(),
            ),
        ),
        row(
            "cancel_loss",
            B::CancelLoss,
            false,
            card(CardState::LostTemporary, AppStateCode::TemporarilyBlocked),
            with(
                vec![
                    (In::IdCard, is(P::Ask(M::SsCard), &[])),
                    (In::Card, is(P::Confirming, &[])),
                    (In::Confirm, is(P::Executing, &["Card(UnblockApp)"])),
                ],
                finish_rated(),
            ),
        ),
        row(
            "replace",
            B::Replace,
            false,
            card(CardState::LostTemporary, AppStateCode::TemporarilyBlocked),
            with(
                vec![
                    (In::IdCard, is(P::Confirming, &[])),
                    (In::Confirm, is(P::Executing, &["Commit(Completed)"])),
                ],
                finish_rated(),
            ),
        ),
        row(
            "exchange",
            B::Exchange,
            false,
            photo_needed,
            with(
                vec![
                    (In::IdCard, is(P::Ask(M::SsCard), &[])),
                    (In::Card, is(P::Ask(M::Photo), &[])),
                    (In::Photo, is(P::Ask(M::Reason), &[])),
                    (In::Why(Reason::Damaged), is(P::Confirming, &[])),
                    (
                        In::Confirm,
                        is(P::Executing, &["Card(BlockApp { permanent: true })"]),
                    ),
                ],
                finish_rated(),
            ),
        ),
        row(
            "reissue",
            B::Reissue,
            false,
            Setup {
                reissue_batch: true,
                ..ACTIVE
            },
            with(
                vec![
                    (In::IdCard, is(P::Ask(M::SsCard), &[])),
                    (In::Card, is(P::Confirming, &[])),
                    (
                        In::Confirm,
                        is(P::Executing, &["Card(BlockApp { permanent: true })"]),
                    ),
                ],
                finish_rated(),
            ),
        ),
        row(
            "cancel without the card",
            B::Cancel,
            false,
            ACTIVE,
            with(
                vec![
                    (In::IdCard, is(P::Ask(M::SsCard), &[])),
                    (In::Lacking(M::SsCard), is(P::Ask(M::Reason), &[])),
                    (In::Why(Reason::Death), is(P::Ask(M::BankMaterials), &[])),
                    (In::Bank("B-2026-001"), is(P::Confirming, &[])),
                    (In::Confirm, is(P::Executing, &["Commit(Completed)"])),
                ],
                finish_rated(),
            ),
        ),
        row(
            "cancel with the card",
            B::Cancel,
            false,
            ACTIVE,
            with(
                vec![
                    (In::IdCard, is(P::Ask(M::SsCard), &[])),
                    (In::Card, is(P::Ask(M::Reason), &[])),
                    (
                        In::Why(Reason::Emigration),
                        is(P::Ask(M::BankMaterials), &[]),
                    ),
                    (In::Bank("B-2026-002"), is(P::Confirming, &[])),
                    (In::Confirm, is(P::Executing, &["Card(BlockCard)"])),
                ],
                finish_rated(),
            ),
        ),
        row(
            "pin_change",
            B::PinChange,
            false,
            ACTIVE,
            with(
                vec![
                    (In::Card, is(P::Confirming, &[])),
                    (
                        In::Confirm,
                        is(
                            P::Pins {
                                old: true,
                                new: true,
                            },
                            &[],
                        ),
                    ),
                    (
                        In::Pins(Some(OLD_PIN), Some(NEW_PIN), Some(NEW_PIN)),
                        is(P::Executing, &["Card(ChangePin)"]),
                    ),
                ],
                finish_rated(),
            ),
        ),
        row(
            "pin_reset",
            B::PinReset,
            false,
            ACTIVE,
            with(
                vec![
                    (In::IdCard, is(P::Ask(M::SsCard), &[])),
                    (In::Card, is(P::Confirming, &[])),
                    (
                        In::Confirm,
                        is(
                            P::Pins {
                                old: false,
                                new: true,
                            },
                            &[],
                        ),
                    ),
                    (
                        In::Pins(None, Some(NEW_PIN), Some(NEW_PIN)),
                        is(P::Executing, &["Card(ResetPin)"]),
                    ),
                ],
                finish_rated(),
            ),
        ),
        row(
            "pin_unblock",
            B::PinUnblock,
            false,
            Setup {
                pin_blocked: true,
                ..ACTIVE
            },
            with(
                vec![
                    (In::IdCard, is(P::Ask(M::SsCard), &[])),
                    (In::Card, is(P::Confirming, &[])),
                    (In::Confirm, is(P::Executing, &["Card(UnblockPin)"])),
                ],
                finish_rated(),
            ),
        ),
        row(
            "photo",
            B::Photo,
            false,
            NO_CARD,
            with(
                vec![
                    (In::IdCard, is(P::Ask(M::Photo), &[])),
                    (In::Photo, is(P::Confirming, &[])),
                    (In::Confirm, is(P::Executing, &["Commit(Completed)"])),
                ],
                finish_rated(),
            ),
        ),
        row(
            "apply by an agent",
            B::Apply,
            true,
            NO_CARD,
            with(
                vec![
                    (In::IdCard, is(P::Ask(M::AgentIdCard), &[])),
                    (In::AgentIdCard, is(P::Ask(M::Photo), &[])),
                    (In::Photo, is(P::Confirming, &[])),
                    (In::Confirm, is(P::Executing, &["Commit(Completed)"])),
                ],
                finish_rated(),
            ),
        ),
    ]
}

#[test]
fn every_business_runs_its_happy_path() {
    let rows = happy_paths();
    let covered: std::collections::BTreeSet<String> =
        rows.iter().map(|r| format!("{:?}", r.business)).collect();
    assert_eq!(covered.len(), B::ALL.len(), "a row for every business");
    for r in &rows {
        run(r);
    }
}

#[test]
fn one_time_notices_list_everything_missing() {
    let rows = vec![
        row(
            "apply: the agent and the photo missing",
            B::Apply,
            true,
            NO_CARD,
            vec![
                (In::IdCard, is(P::Ask(M::AgentIdCard), &[])),
                (In::Lacking(M::AgentIdCard), is(P::Ask(M::Photo), &[])),
                (
                    In::Lacking(M::Photo),
                    is(
                        P::Returned(vec![M::Photo, M::AgentIdCard]),
                        &["Commit(ReturnedIncomplete)"],
                    ),
                ),
                (
                    In::Confirm,
                    is(P::Returned(vec![M::Photo, M::AgentIdCard]), &["Print"]),
                ),
                (In::Finish, is(P::Closed, &["ReleaseCard"])),
            ],
        ),
        row(
            "report_loss: the ID card has expired",
            B::ReportLoss,
            false,
            Setup {
                expired_id: true,
                ..ACTIVE
            },
            vec![(
                In::IdCard,
                is(
                    P::Returned(vec![M::IdCard]),
                    &["Commit(ReturnedIncomplete)"],
                ),
            )],
        ),
        row(
            "pin_change: no card",
            B::PinChange,
            false,
            ACTIVE,
            vec![(
                In::Lacking(M::SsCard),
                is(
                    P::Returned(vec![M::SsCard]),
                    &["Commit(ReturnedIncomplete)"],
                ),
            )],
        ),
    ];
    for r in &rows {
        run(r);
    }
}

#[test]
fn refusals_say_why_and_close_the_case() {
    let refused = |r: Refusal| P::Refused(r);
    let rows = vec![
        row(
            "apply with a valid card",
            B::Apply,
            false,
            ACTIVE,
            vec![
                (
                    In::IdCard,
                    is(
                        refused(Refusal::HasValidCard {
                            state: CardState::Active,
                        }),
                        &["Commit(Refused)"],
                    ),
                ),
                (In::Finish, is(P::Closed, &["ReleaseCard"])),
            ],
        ),
        row(
            "report_loss of a lost card",
            B::ReportLoss,
            false,
            card(CardState::LostTemporary, AppStateCode::TemporarilyBlocked),
            vec![(
                In::IdCard,
                is(
                    refused(Refusal::WrongState {
                        state: CardState::LostTemporary,
                        allowed: vec![CardState::Active],
                    }),
                    &["Commit(Refused)"],
                ),
            )],
        ),
        row(
            "pin_unblock of a PIN not blocked",
            B::PinUnblock,
            false,
            ACTIVE,
            vec![
                (In::IdCard, is(P::Ask(M::SsCard), &[])),
                (
                    In::Card,
                    is(refused(Refusal::PinNotBlocked), &["Commit(Refused)"]),
                ),
            ],
        ),
        row(
            "reissue outside a batch",
            B::Reissue,
            false,
            ACTIVE,
            vec![
                (In::IdCard, is(P::Ask(M::SsCard), &[])),
                (
                    In::Card,
                    is(refused(Refusal::NotInReissueBatch), &["Commit(Refused)"]),
                ),
            ],
        ),
        row(
            "an agent under 18",
            B::ReportLoss,
            true,
            Setup {
                minor_agent: true,
                ..ACTIVE
            },
            vec![
                (In::IdCard, is(P::Ask(M::AgentIdCard), &[])),
                (
                    In::AgentIdCard,
                    is(refused(Refusal::AgentMinor), &["Commit(Refused)"]),
                ),
            ],
        ),
        row(
            "another person's card",
            B::PinReset,
            false,
            Setup {
                foreign_card: true,
                ..ACTIVE
            },
            vec![
                (In::IdCard, is(P::Ask(M::SsCard), &[])),
                (
                    In::Card,
                    is(refused(Refusal::CardOfAnotherPerson), &["Commit(Refused)"]),
                ),
            ],
        ),
    ];
    for r in &rows {
        run(r);
    }
}

#[test]
fn the_start_refuses_agents_where_the_rules_do_and_businesses_not_offered() {
    let fx = Fixture::new(ACTIVE);
    for (business, agent) in [(B::PinChange, true), (B::PinReset, true), (B::Enable, true)] {
        let refused = Session::start("c".into(), business, agent, &fx.ctx()).err();
        assert_eq!(refused, Some(Refusal::AgentNotAllowed), "{business:?}");
    }
    let mut only_status = Fixture::new(ACTIVE);
    only_status.settings.enabled = vec![B::Status];
    let refused = Session::start("c".into(), B::Apply, false, &only_status.ctx()).err();
    assert_eq!(refused, Some(Refusal::NotOffered));
}

/// Events that do not fit: a notice, and the phase stays.
#[test]
fn unfit_events_get_a_notice() {
    let rows = vec![
        row(
            "e-card where the ID card is needed",
            B::Apply,
            false,
            NO_CARD,
            vec![
                (In::Ecard, Then::Notice("needs the resident ID card")),
                (
                    In::Confirm,
                    Then::Notice("please provide what the screen asks for"),
                ),
                (
                    In::Card,
                    Then::Notice("please provide what the screen asks for"),
                ),
            ],
        ),
        row(
            "the principal's ID card as the agent's",
            B::Photo,
            true,
            NO_CARD,
            vec![
                (In::IdCard, is(P::Ask(M::AgentIdCard), &[])),
                (
                    In::PrincipalAsAgent,
                    Then::Notice("the agent's own ID card"),
                ),
            ],
        ),
        row(
            "a reason of another business",
            B::Exchange,
            false,
            ACTIVE,
            vec![
                (In::IdCard, is(P::Ask(M::SsCard), &[])),
                (In::Card, is(P::Ask(M::Reason), &[])),
                (
                    In::Why(Reason::Death),
                    Then::Notice("choose a reason of this business"),
                ),
            ],
        ),
        row(
            "bad contact details and bank receipt",
            B::ChangeInfo,
            false,
            ACTIVE,
            vec![
                (In::IdCard, is(P::Ask(M::SsCard), &[])),
                (In::Card, is(P::Ask(M::ContactDetails), &[])),
                (
                    In::Phone("2391234567"),
                    Then::Notice("11 digits starting with 1"),
                ),
            ],
        ),
        row(
            "a bank receipt of bad characters",
            B::Cancel,
            false,
            ACTIVE,
            vec![
                (In::IdCard, is(P::Ask(M::SsCard), &[])),
                (In::Lacking(M::SsCard), is(P::Ask(M::Reason), &[])),
                (
                    In::Why(Reason::Duplicate),
                    is(P::Ask(M::BankMaterials), &[]),
                ),
                (
                    In::Bank("no receipt!"),
                    Then::Notice("1-40 letters, digits or '-'"),
                ),
                (In::Bank(""), Then::Notice("1-40 letters")),
            ],
        ),
        row(
            "a step that is not now",
            B::Status,
            false,
            ACTIVE,
            vec![
                (In::Card, is(P::Confirming, &[])),
                (In::Rate(5), Then::Notice("not possible at this step")),
                (In::Finish, Then::Notice("not possible at this step")),
            ],
        ),
    ];
    for r in &rows {
        run(r);
    }
}

#[test]
fn pin_entry_refuses_what_the_pin_rules_refuse() {
    let to_pins = |business| -> Vec<(In, Then)> {
        let mut steps = Vec::new();
        if business != B::PinChange {
            steps.push((In::IdCard, is(P::Ask(M::SsCard), &[])));
        }
        steps.push((In::Card, is(P::Confirming, &[])));
        let old = business == B::PinChange;
        steps.push((In::Confirm, is(P::Pins { old, new: true }, &[])));
        steps
    };
    let rows = vec![
        row(
            "the two new PINs differ",
            B::Enable,
            false,
            card(CardState::Issued, AppStateCode::Active),
            with(
                to_pins(B::Enable),
                vec![
                    (
                        In::Pins(None, Some(NEW_PIN), Some(OLD_PIN)),
                        Then::Notice("the two new PINs differ"),
                    ),
                    (
                        In::Pins(None, Some(NEW_PIN), None),
                        Then::Notice("enter the new PIN twice"),
                    ),
                    (
                        In::Pins(None, Some(WEAK_PIN), Some(WEAK_PIN)),
                        Then::Notice("too weak: all six digits are the same"),
                    ),
                    (
                        In::Pins(None, Some("198005"), Some("198005")),
                        Then::Notice("too weak: it is part of the holder's ID number"),
                    ),
                    (
                        In::Pins(None, Some(NEW_PIN), Some(NEW_PIN)),
                        is(P::Executing, &["Card(Activate)"]),
                    ),
                ],
            ),
        ),
        row(
            "the old PIN",
            B::PinChange,
            false,
            ACTIVE,
            with(
                to_pins(B::PinChange),
                vec![
                    (
                        In::Pins(None, Some(NEW_PIN), Some(NEW_PIN)),
                        Then::Notice("enter the current PIN"),
                    ),
                    (
                        In::Pins(Some(NEW_PIN), Some(NEW_PIN), Some(NEW_PIN)),
                        Then::Notice("must differ from the old one"),
                    ),
                    (
                        In::Pins(Some(OLD_PIN), Some(NEW_PIN), Some(NEW_PIN)),
                        is(P::Executing, &["Card(ChangePin)"]),
                    ),
                ],
            ),
        ),
    ];
    for r in &rows {
        run(r);
    }
}

#[test]
fn executor_outcomes_move_the_session() {
    let to_executing = || -> Vec<(In, Then)> {
        vec![
            (In::Card, is(P::Confirming, &[])),
            (
                In::Confirm,
                is(
                    P::Pins {
                        old: true,
                        new: true,
                    },
                    &[],
                ),
            ),
            (
                In::Pins(Some(OLD_PIN), Some(NEW_PIN), Some(NEW_PIN)),
                is(P::Executing, &["Card(ChangePin)"]),
            ),
        ]
    };
    let wrong = Failure::WrongPin { tries_left: 2 };
    let rows = vec![
        row(
            "wrong PIN on the card",
            B::PinChange,
            false,
            ACTIVE,
            with(
                to_executing(),
                vec![
                    (
                        In::ExecFailed(wrong.clone()),
                        is(P::Failed(wrong), &["Commit(Failed)"]),
                    ),
                    (In::Finish, is(P::Closed, &["ReleaseCard"])),
                ],
            ),
        ),
        row(
            "pulled, then it had taken effect",
            B::PinChange,
            false,
            ACTIVE,
            with(
                to_executing(),
                vec![
                    (In::Interrupted, is(P::Interrupted, &[])),
                    (In::Reconciled(true), is(P::Done { ecard: false }, &[])),
                ],
            ),
        ),
        row(
            "pulled, then it had not",
            B::PinChange,
            false,
            ACTIVE,
            with(
                to_executing(),
                vec![
                    (In::Interrupted, is(P::Interrupted, &[])),
                    (
                        In::Reconciled(false),
                        is(
                            P::Failed(Failure::RemovedNothingChanged),
                            &["Commit(Failed)"],
                        ),
                    ),
                ],
            ),
        ),
    ];
    for r in &rows {
        run(r);
    }
}

#[test]
fn ratings_are_1_to_5_and_keep_reasons_only_when_low() {
    let rows = [
        (0, Then::Notice("a level from 1 to 5")),
        (6, Then::Notice("a level from 1 to 5")),
        (2, is(P::Closed, &["Rate(2, 1 reasons)", "ReleaseCard"])),
        (4, is(P::Closed, &["Rate(4, 0 reasons)", "ReleaseCard"])),
    ];
    for (level, then) in rows {
        run(&row(
            "rating",
            B::Status,
            false,
            ACTIVE,
            vec![
                (In::Card, is(P::Confirming, &[])),
                (In::Confirm, is(P::Executing, &["Commit(Completed)"])),
                (In::Done, is(P::Done { ecard: false }, &[])),
                (In::Confirm, is(P::Done { ecard: false }, &["Print"])),
                (In::Rate(level), then),
            ],
        ));
    }
}

/// Cancel and timeout from every phase: a case not yet carried out is closed as abandoned; a
/// finished one stays as it ended, and one whose card command is under way or interrupted is
/// left to the executor and reconciliation. Either way the card is let go, and the session
/// takes nothing more.
#[test]
fn cancel_and_timeout_end_the_session_from_every_phase() {
    let abandoned: &[&str] = &["Commit(Abandoned)", "ReleaseCard"];
    let release: &[&str] = &["ReleaseCard"];
    let enable = card(CardState::Issued, AppStateCode::Active);
    let to_pins = vec![
        (In::IdCard, is(P::Ask(M::SsCard), &[])),
        (In::Card, is(P::Confirming, &[])),
        (
            In::Confirm,
            is(
                P::Pins {
                    old: false,
                    new: true,
                },
                &[],
            ),
        ),
    ];
    let to_executing = with(
        to_pins.clone(),
        vec![(
            In::Pins(None, Some(NEW_PIN), Some(NEW_PIN)),
            is(P::Executing, &["Card(Activate)"]),
        )],
    );
    let prefixes = vec![
        reach("gathering", B::Enable, enable, vec![], abandoned),
        reach(
            "gathering the card",
            B::Enable,
            enable,
            to_pins[..1].to_vec(),
            abandoned,
        ),
        reach(
            "confirming",
            B::Enable,
            enable,
            to_pins[..2].to_vec(),
            abandoned,
        ),
        reach(
            "entering PINs",
            B::Enable,
            enable,
            to_pins.clone(),
            abandoned,
        ),
        reach(
            "executing",
            B::Enable,
            enable,
            to_executing.clone(),
            release,
        ),
        reach(
            "interrupted",
            B::Enable,
            enable,
            with(
                to_executing.clone(),
                vec![(In::Interrupted, is(P::Interrupted, &[]))],
            ),
            release,
        ),
        reach(
            "done",
            B::Enable,
            enable,
            with(
                to_executing.clone(),
                vec![(In::Done, is(P::Done { ecard: false }, &[]))],
            ),
            release,
        ),
        reach(
            "failed",
            B::Enable,
            enable,
            with(
                to_executing,
                vec![(
                    In::ExecFailed(Failure::PinBlocked),
                    is(P::Failed(Failure::PinBlocked), &["Commit(Failed)"]),
                )],
            ),
            release,
        ),
        reach(
            "returned",
            B::Photo,
            NO_CARD,
            vec![
                (In::Lacking(M::IdCard), is(P::Ask(M::Photo), &[])),
                (
                    In::Lacking(M::Photo),
                    is(
                        P::Returned(vec![M::IdCard, M::Photo]),
                        &["Commit(ReturnedIncomplete)"],
                    ),
                ),
            ],
            release,
        ),
        reach(
            "refused",
            B::ReportLoss,
            NO_CARD,
            vec![(
                In::IdCard,
                is(P::Refused(Refusal::NoCard), &["Commit(Refused)"]),
            )],
            release,
        ),
    ];
    for Reach {
        name,
        business,
        setup,
        steps: prefix,
        ends: effects,
    } in prefixes
    {
        for end in [In::Cancel, In::Timeout] {
            let steps = with(
                prefix.clone(),
                vec![
                    (end.clone(), is(P::Closed, effects)),
                    (end.clone(), Then::Notice("this session is over")),
                    (In::IdCard, Then::Notice("this session is over")),
                ],
            );
            run(&Row {
                name,
                business,
                agent: false,
                setup,
                steps,
            });
        }
    }
}
