//! The fault matrix: every card-writing business with the citizen's card pulled at every APDU
//! position, both before the command reaches the card and after it ran (its answer lost), and
//! with the kiosk's PSAM pulled at every one of its APDUs; once in-process and once through
//! the real PC/SC stack (pcscd + vpcd, the pull made by closing the vpcd socket mid-APDU).
//! After the card is put back and reconciled: the card and the registry agree, no intent is
//! left pending, the case is closed with an audit entry, the audit chain verifies, the
//! citizen was told what happened, and the kiosk serves the next citizen.

use card_io::sscard::{AppState, SsCard, SSSE_DF_NAME};
use firmware_config::Language;
use hw_sim::{PullPoint, Transport};
use kiosk_core::card_ops::{self, Target};
use kiosk_core::domain::{BusinessCode as B, CardState, Outcome};
use kiosk_core::engine::driver::Engine;
use kiosk_core::engine::facts::Reason;
use kiosk_core::engine::failure::Failure;
use kiosk_core::engine::session::{Event, Phase, Session};
use kiosk_core::store::{AuditLog, Journal, Registry};
use tests::kiosk::{compliant_photo, feed, id_text, now, start, TestKiosk};
use tests::rig::{InProcess, Rig, Slot, Vpcd};
use tests::{card, pin};

fn no_printer(_: &[String]) -> Result<(), String> {
    Ok(())
}

/// A card-writing business: its card, the person, how to bring it to the last event, and
/// that last event.
struct Case {
    business: B,
    card: &'static str,
    person: &'static str,
    card_number: &'static str,
}

const CASES: [Case; 8] = [
    Case {
        business: B::Enable,
        card: "v3-uyghur.toml",
        person: "v3-uyghur.toml",
        card_number: "A12345678",
    },
    Case {
        business: B::CancelLoss,
        card: "t0-blocked-6a81.toml",
        person: "t0-blocked-6a81.toml",
        card_number: "A34567890",
    },
    Case {
        business: B::Exchange,
        card: "expired.toml",
        person: "expired.toml",
        card_number: "A00000987",
    },
    Case {
        business: B::Reissue,
        card: "v3-sm4.toml",
        person: "v3-sm4.toml",
        card_number: "A23456789",
    },
    Case {
        business: B::Cancel,
        card: "v2-3des.toml",
        person: "v2-3des.toml",
        card_number: "A00000001",
    },
    Case {
        business: B::PinChange,
        card: "v2-3des.toml",
        person: "v2-3des.toml",
        card_number: "A00000001",
    },
    Case {
        business: B::PinReset,
        card: "v2-3des.toml",
        person: "v2-3des.toml",
        card_number: "A00000001",
    },
    Case {
        business: B::PinUnblock,
        card: "pin-blocked.toml",
        person: "pin-blocked.toml",
        card_number: "A45678901",
    },
];

const NEW_PIN: &str = "580317";

/// Brings a session of `c` to the point where one event executes it; returns that event.
/// `fresh`: a new copy of the card file goes in the reader; otherwise the card already there
/// is used, with whatever earlier runs did to it.
fn prepare(e: &Engine<'_>, rig: &dyn Rig, c: &Case, fresh: bool) -> (Session, Event) {
    let mut s = start(e, c.business, false);
    feed(
        e,
        &mut s,
        e.id_card_read(&id_text(c.person)).expect("ID card"),
    );
    if fresh {
        rig.insert(card(c.card, Transport::T1));
    }
    let ins = e.card_inserted(now()).expect("card read");
    feed(e, &mut s, ins.event);
    while let Phase::Gathering { material } = s.phase {
        let ev = match material {
            kiosk_core::rules::Material::Photo => Event::PhotoTaken(compliant_photo()),
            kiosk_core::rules::Material::Reason if c.business == B::Cancel => {
                Event::ReasonGiven(Reason::Emigration)
            }
            kiosk_core::rules::Material::Reason => Event::ReasonGiven(Reason::Expiring),
            kiosk_core::rules::Material::BankMaterials => Event::BankReceipt("B-1".into()),
            other => panic!("{:?} asks for {other:?}", c.business),
        };
        feed(e, &mut s, ev);
    }
    assert_eq!(s.phase, Phase::Confirming, "{:?}", c.business);
    let last = match c.business {
        B::Enable | B::PinReset => {
            feed(e, &mut s, Event::Confirm);
            Event::Pins {
                old: None,
                new: Some(pin(NEW_PIN)),
                repeat: Some(pin(NEW_PIN)),
            }
        }
        B::PinChange => {
            feed(e, &mut s, Event::Confirm);
            Event::Pins {
                old: Some(pin("123456")),
                new: Some(pin(NEW_PIN)),
                repeat: Some(pin(NEW_PIN)),
            }
        }
        _ => Event::Confirm,
    };
    (s, last)
}

fn app_state(rig: &dyn Rig) -> AppState {
    let mut conn = card_ops::connect_card(rig.provider(), &Target::default())
        .expect("card back in the reader");
    let mut session = conn.session(Some(&SSSE_DF_NAME)).expect("session");
    let state = match SsCard::select(&mut *session) {
        Ok(c) => c.state(),
        Err(card_io::sscard::CardError::CardBlocked) => AppState::CardBlocked,
        Err(card_io::sscard::CardError::AppPermanentlyBlocked) => AppState::PermanentlyBlocked,
        Err(e) => panic!("select: {e}"),
    };
    state
}

fn verifies(rig: &dyn Rig, p: &str) -> bool {
    let conn = card_ops::connect_card(rig.provider(), &Target::default()).expect("card");
    card_ops::verify(conn, &pin(p)).is_ok()
}

/// The card and the registry agree for `c` after reconciliation.
fn consistent(k: &TestKiosk, e: &Engine<'_>, rig: &dyn Rig, c: &Case, at: &str) {
    let record = k.store.card(c.card_number).unwrap().expect("card record");
    let app = app_state(rig);
    match c.business {
        B::CancelLoss => assert_eq!(
            record.state == CardState::Active,
            app == AppState::Active,
            "{at}: registry {:?}, card {app:?}",
            record.state
        ),
        B::Exchange | B::Reissue => assert_eq!(
            record.state == CardState::Cancelled,
            app == AppState::PermanentlyBlocked,
            "{at}: registry {:?}, card {app:?}",
            record.state
        ),
        B::Cancel => assert_eq!(
            record.state == CardState::Cancelled,
            app == AppState::CardBlocked,
            "{at}: registry {:?}, card {app:?}",
            record.state
        ),
        B::Enable => {
            if record.state == CardState::Active {
                assert!(
                    verifies(rig, NEW_PIN),
                    "{at}: registry active but the new PIN fails"
                );
            } else if !verifies(rig, "123456") {
                // The PIN was set but its answer was lost: the next enable settles the
                // registry (and says the card is already enabled).
                let (mut s, last) = prepare(e, rig, c, false);
                feed(e, &mut s, last);
                assert!(
                    matches!(s.phase, Phase::Failed { .. }),
                    "{at}: {:?}",
                    s.phase
                );
                assert_eq!(
                    k.store.card(c.card_number).unwrap().unwrap().state,
                    CardState::Active,
                    "{at}"
                );
                // The reconciled enable writes its archive record (issue 17, item 9).
                use kiosk_core::store::ArchiveStore;
                let archived = k
                    .store
                    .query_archive(
                        &kiosk_core::store::ArchiveQuery {
                            card_number: Some(c.card_number.to_string()),
                            ..Default::default()
                        },
                        &kiosk_core::domain::Actor::System,
                    )
                    .map(|r| r.iter().any(|a| a.record.case_id == s.case_id));
                assert!(matches!(archived, Ok(true)), "{at}: {archived:?}");
            }
        }
        B::PinChange | B::PinReset => {
            assert!(
                verifies(rig, NEW_PIN) || verifies(rig, "123456"),
                "{at}: neither the old nor the new PIN works"
            );
        }
        B::PinUnblock => {}
        other => unreachable!("{other:?}"),
    }
}

/// What the citizen is told when a business stops: a message in each screen language.
fn told(failure: &Failure, at: &str) {
    for lang in [Language::ZhCn, Language::Ug, Language::En] {
        assert!(
            failure.text(lang).chars().count() >= 8,
            "{at}: no clear message in {lang:?}: {failure:?}"
        );
    }
}

/// One run: `c` brought to its last event, `slot` armed to be pulled at its (n+1)th APDU at
/// `point`, the event fed, the card put back and reconciled, and everything checked. True
/// when the business finished without the pull landing (the positions are exhausted).
fn one_run(rig: &dyn Rig, c: &Case, slot: Slot, point: PullPoint, n: usize) -> bool {
    let k = TestKiosk::new();
    let e = k.engine(rig.provider(), &no_printer);
    let (mut s, last) = prepare(&e, rig, c, true);
    let at = format!(
        "{} {:?}: {slot:?} pulled at APDU {n} ({point:?})",
        rig.label(),
        c.business
    );
    rig.pull_after(slot, n, point);
    let _ = e.feed(&mut s, last, now());
    let pulled = rig.disarm_pull(slot);
    // What the citizen sees right after the pull.
    match &s.phase {
        Phase::Done { .. } | Phase::Interrupted => {}
        Phase::Failed { failure } => told(failure, &at),
        other => panic!("{at}: left in {other:?}"),
    }
    if pulled && slot == Slot::Psam {
        assert!(
            !matches!(s.phase, Phase::Interrupted),
            "{at}: a PSAM fault happens before the card command, so nothing is in doubt"
        );
        // The technician puts the PSAM back.
        rig.reinsert_psam();
    }
    if pulled && slot == Slot::Card {
        // The citizen puts the card back.
        rig.reinsert();
    }
    let finished = matches!(s.phase, Phase::Done { .. });
    if !finished {
        let ins = e
            .card_inserted(now())
            .unwrap_or_else(|err| panic!("{at}: reinsertion: {err}"));
        e.resume(&mut s, &ins.settled, now()).expect("resume");
        match &s.phase {
            Phase::Done { .. } => {}
            Phase::Failed { failure } => told(failure, &at),
            other => panic!("{at}: after reinsertion: {other:?}"),
        }
    }
    assert!(
        k.store.pending_intents().unwrap().is_empty(),
        "{at}: pending intent"
    );
    let case = k.store.case(&s.case_id).unwrap().expect("case row");
    assert!(
        case.outcome.is_some() && case.outcome != Some(Outcome::Abandoned),
        "{at}: {case:?}"
    );
    let audit = k.store.entries(1, 10_000).unwrap();
    assert!(
        audit.iter().any(|a| a.subject == s.case_id),
        "{at}: no audit entry for the case"
    );
    let report = k.store.verify().unwrap();
    assert!(report.ok(), "{at}: {:?}", report.problems);
    consistent(&k, &e, rig, c, &at);
    // The kiosk serves the next citizen.
    let other = if c.card == "v3-sm4.toml" {
        "v2-3des.toml"
    } else {
        "v3-sm4.toml"
    };
    rig.insert(card(other, Transport::T1));
    let mut next = start(&e, B::Status, false);
    feed(
        &e,
        &mut next,
        e.id_card_read(&id_text(other)).expect("ID card"),
    );
    let ins = e.card_inserted(now()).expect("the next card is read");
    feed(&e, &mut next, ins.event);
    assert!(
        matches!(next.phase, Phase::Confirming | Phase::Done { .. }),
        "{at}: the next citizen's status query: {:?}",
        next.phase
    );
    finished && !pulled
}

/// Runs the whole matrix on `rig`; returns (runs, pulls that landed). Prints the pulls that
/// landed per business and fault, as a Markdown table.
fn matrix(rig: &dyn Rig) -> (usize, usize) {
    let (mut runs, mut landed) = (0, 0);
    let faults = [
        (Slot::Card, PullPoint::BeforeCommand),
        (Slot::Card, PullPoint::InAnswer),
        (Slot::Psam, PullPoint::BeforeCommand),
    ];
    let mut table = format!(
        "| business ({}) | card pulled before the command | card pulled in the answer | PSAM pulled |\n|---|---|---|---|\n",
        rig.label()
    );
    for c in &CASES {
        table.push_str(&format!("| {:?} |", c.business));
        for (slot, point) in faults {
            let mut exhausted = false;
            let mut here = 0;
            for n in 0..40 {
                runs += 1;
                if one_run(rig, c, slot, point, n) {
                    exhausted = true;
                    break;
                }
                here += 1;
            }
            assert!(
                exhausted,
                "{:?}: {slot:?} {point:?}: never finished within 40 APDUs",
                c.business
            );
            landed += here;
            table.push_str(&format!(" {here} |"));
        }
        table.push('\n');
    }
    eprintln!(
        "fault matrix ({}): {runs} runs over {} businesses, {landed} pulls landed\n{table}",
        rig.label(),
        CASES.len()
    );
    (runs, landed)
}

#[test]
fn fault_matrix_in_process() {
    let (runs, landed) = matrix(&InProcess::new(Transport::T1));
    assert!(landed >= CASES.len() * 3, "{landed} of {runs}");
}

#[test]
fn fault_matrix_through_pcscd_and_vpcd() {
    let rig = Vpcd::lock(Transport::T1);
    let (runs, landed) = matrix(&*rig);
    assert!(landed >= CASES.len() * 3, "{landed} of {runs}");
}
