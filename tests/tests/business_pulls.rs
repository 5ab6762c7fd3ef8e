//! A card pulled at every APDU of every card-writing business, then put back: after
//! reconciliation the card and the registry agree, no intent is left pending, the case is
//! closed, the audit chain verifies, and the kiosk serves the next citizen.

use card_io::sscard::{AppState, SsCard, SSSE_DF_NAME};
use hw_sim::backend::CARD_SLOT;
use hw_sim::Transport;
use kiosk_host::card_ops::{self, Target};
use kiosk_host::domain::{BusinessCode as B, CardState, Outcome};
use kiosk_host::engine::driver::Engine;
use kiosk_host::engine::facts::Reason;
use kiosk_host::engine::session::{Event, Phase, Session};
use kiosk_host::store::{AuditLog, Journal, Registry};
use tests::kiosk::{compliant_photo, feed, id_text, now, start, TestKiosk};
use tests::rig::{InProcess, Rig};
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
fn prepare(e: &Engine<'_>, rig: &InProcess, c: &Case) -> (Session, Event) {
    let mut s = start(e, c.business, false);
    if c.business != B::PinChange {
        feed(
            e,
            &mut s,
            e.id_card_read(&id_text(c.person)).expect("ID card"),
        );
    }
    rig.insert(card(c.card, Transport::T1));
    let ins = e.card_inserted(now()).expect("card read");
    feed(e, &mut s, ins.event);
    while let Phase::Gathering { material } = s.phase {
        let ev = match material {
            kiosk_host::rules::Material::Photo => Event::PhotoTaken(compliant_photo()),
            kiosk_host::rules::Material::Reason if c.business == B::Cancel => {
                Event::ReasonGiven(Reason::Death)
            }
            kiosk_host::rules::Material::Reason => Event::ReasonGiven(Reason::Expiring),
            kiosk_host::rules::Material::BankMaterials => Event::BankReceipt("B-1".into()),
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

fn app_state(rig: &InProcess) -> AppState {
    let mut conn = card_ops::connect_card(
        &rig.readers,
        &Target {
            reader: Some(CARD_SLOT.into()),
            psam_reader: None,
        },
    )
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

fn verifies(rig: &InProcess, p: &str) -> bool {
    let conn = card_ops::connect_card(&rig.readers, &Target::default()).expect("card");
    card_ops::verify(conn, &pin(p)).is_ok()
}

/// The card and the registry agree for `c` after reconciliation.
fn consistent(k: &TestKiosk, e: &Engine<'_>, rig: &InProcess, c: &Case, n: usize) {
    let record = k.store.card(c.card_number).unwrap().expect("card record");
    let app = app_state(rig);
    let at = format!("{:?} pulled after {n} APDUs", c.business);
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
                let (mut s, last) = prepare(e, rig, c);
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

#[test]
fn a_card_pulled_at_every_apdu_of_every_card_writing_business() {
    let mut runs = 0;
    for c in &CASES {
        let mut finished_at = None;
        for n in 0..40 {
            let rig = InProcess::new(Transport::T1);
            let k = TestKiosk::new();
            let e = k.engine(&rig.readers, &no_printer);
            let (mut s, last) = prepare(&e, &rig, c);
            rig.readers.remove_after(CARD_SLOT, n);
            let _ = e.feed(&mut s, last, now());
            // Disarm the pull (it may not have come yet when the business used fewer APDUs).
            rig.readers.remove_after(CARD_SLOT, usize::MAX);
            runs += 1;
            let done = matches!(s.phase, Phase::Done { .. });
            let pulled = !rig.readers.has_card(CARD_SLOT);
            if pulled {
                // The citizen puts the card back.
                rig.reinsert();
            }
            if !done {
                let ins = e
                    .card_inserted(now())
                    .unwrap_or_else(|err| panic!("{:?} n={n}: reinsertion: {err}", c.business));
                e.resume(&mut s, &ins.settled, now()).expect("resume");
                assert!(
                    matches!(s.phase, Phase::Done { .. } | Phase::Failed { .. }),
                    "{:?} n={n}: {:?}",
                    c.business,
                    s.phase
                );
            }
            assert!(
                k.store.pending_intents().unwrap().is_empty(),
                "{:?} n={n}: pending intent",
                c.business
            );
            let case = k.store.case(&s.case_id).unwrap().expect("case row");
            assert!(
                case.outcome.is_some() && case.outcome != Some(Outcome::Abandoned),
                "{:?} n={n}: {case:?}",
                c.business
            );
            let report = k.store.verify().unwrap();
            assert!(report.ok(), "{:?} n={n}: {:?}", c.business, report.problems);
            consistent(&k, &e, &rig, c, n);
            // The kiosk serves the next citizen.
            let other = if c.card == "v3-sm4.toml" {
                "v2-3des.toml"
            } else {
                "v3-sm4.toml"
            };
            rig.insert(card(other, Transport::T1));
            let mut next = start(&e, B::Status, false);
            let ins = e.card_inserted(now()).expect("the next card is read");
            feed(&e, &mut next, ins.event);
            if done {
                finished_at = Some(n);
                break;
            }
        }
        assert!(
            finished_at.is_some(),
            "{:?} never finished within 40 APDUs",
            c.business
        );
    }
    eprintln!("pull matrix: {runs} runs over {} businesses", CASES.len());
}
