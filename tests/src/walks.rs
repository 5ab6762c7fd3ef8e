//! Every business walked to its final state through the engine, as a table: what must be in
//! the card reader before the walk, what the kiosk must hold before it (a loss reported),
//! and the walk itself from the business's start to its `Done` phase. The bench binaries
//! time the walk (`business-bench`) or take its archive record as a template
//! (`archive-bench`); `tests/tests/it/businesses.rs` checks the same businesses in detail.

use hw_sim::Transport;
use kiosk_core::domain::{BusinessCode as B, Outcome};
use kiosk_core::engine::driver::Engine;
use kiosk_core::engine::facts::{Contact, Reason};
use kiosk_core::engine::session::{Event, Phase, Session};
use kiosk_core::store::Registry;

use crate::kiosk::{compliant_photo, feed, id_text, now, start, TestKiosk};
use crate::pin;
use crate::rig::Rig;

/// One business walk.
pub struct Walk {
    /// The business code's name, as in BENCHMARKS.md.
    pub name: &'static str,
    /// The card file (`hw-sim/cards/`) put in the reader before the walk starts, if the
    /// business reads the card.
    pub card: Option<&'static str>,
    /// Done on the kiosk before the walk (not part of it), e.g. the loss reported before a
    /// replacement.
    pub setup: Option<fn(&Engine<'_>)>,
    /// From the business's start to its final phase.
    pub run: fn(&Engine<'_>) -> Session,
}

const ZHANG: &str = "v2-3des.toml";

fn id_card(e: &Engine<'_>, person: &str) -> Event {
    e.id_card_read(&id_text(person))
        .unwrap_or_else(|err| panic!("ID card {person}: {err}"))
}

fn inserted(e: &Engine<'_>) -> Event {
    e.card_inserted(now())
        .unwrap_or_else(|err| panic!("card read: {err}"))
        .event
}

fn pins(old: Option<&str>, new: Option<&str>) -> Event {
    Event::Pins {
        old: old.map(pin),
        new: new.map(pin),
        repeat: new.map(pin),
    }
}

fn report_loss(e: &Engine<'_>) -> Session {
    let mut s = start(e, B::ReportLoss, false);
    feed(e, &mut s, id_card(e, ZHANG));
    feed(e, &mut s, Event::Confirm);
    s
}

fn report_loss_setup(e: &Engine<'_>) {
    let s = report_loss(e);
    assert!(matches!(s.phase, Phase::Done { .. }), "{:?}", s.phase);
}

/// Every business of the rule table that a kiosk completes on the spot or submits.
pub fn all() -> Vec<Walk> {
    vec![
        Walk {
            name: "status",
            card: Some(ZHANG),
            setup: None,
            run: |e| {
                let mut s = start(e, B::Status, false);
                feed(e, &mut s, id_card(e, ZHANG));
                feed(e, &mut s, inserted(e));
                feed(e, &mut s, Event::Confirm);
                s
            },
        },
        Walk {
            name: "enable",
            card: Some("v3-uyghur.toml"),
            setup: None,
            run: |e| {
                let mut s = start(e, B::Enable, false);
                feed(e, &mut s, id_card(e, "v3-uyghur.toml"));
                feed(e, &mut s, inserted(e));
                feed(e, &mut s, Event::Confirm);
                feed(e, &mut s, pins(None, Some("358024")));
                s
            },
        },
        Walk {
            name: "pin_change",
            card: Some(ZHANG),
            setup: None,
            run: |e| {
                let mut s = start(e, B::PinChange, false);
                feed(e, &mut s, id_card(e, ZHANG));
                feed(e, &mut s, inserted(e));
                feed(e, &mut s, Event::Confirm);
                feed(e, &mut s, pins(Some("123456"), Some("580317")));
                s
            },
        },
        Walk {
            name: "pin_reset",
            card: Some(ZHANG),
            setup: None,
            run: |e| {
                let mut s = start(e, B::PinReset, false);
                feed(e, &mut s, id_card(e, ZHANG));
                feed(e, &mut s, inserted(e));
                feed(e, &mut s, Event::Confirm);
                feed(e, &mut s, pins(None, Some("602948")));
                s
            },
        },
        Walk {
            name: "pin_unblock",
            card: Some("pin-blocked.toml"),
            setup: None,
            run: |e| {
                let mut s = start(e, B::PinUnblock, false);
                feed(e, &mut s, id_card(e, "pin-blocked.toml"));
                feed(e, &mut s, inserted(e));
                feed(e, &mut s, Event::Confirm);
                s
            },
        },
        Walk {
            name: "report_loss",
            card: None,
            setup: None,
            run: report_loss,
        },
        Walk {
            name: "cancel_loss",
            card: Some("t0-blocked-6a81.toml"),
            setup: None,
            run: |e| {
                let mut s = start(e, B::CancelLoss, false);
                feed(e, &mut s, id_card(e, "t0-blocked-6a81.toml"));
                feed(e, &mut s, inserted(e));
                feed(e, &mut s, Event::Confirm);
                s
            },
        },
        Walk {
            name: "replace",
            card: None,
            setup: Some(report_loss_setup),
            run: |e| {
                let mut s = start(e, B::Replace, false);
                feed(e, &mut s, id_card(e, ZHANG));
                feed(e, &mut s, Event::PhotoTaken(compliant_photo()));
                feed(e, &mut s, Event::Confirm);
                s
            },
        },
        Walk {
            name: "exchange",
            card: Some("expired.toml"),
            setup: None,
            run: |e| {
                let mut s = start(e, B::Exchange, false);
                feed(e, &mut s, id_card(e, "expired.toml"));
                feed(e, &mut s, inserted(e));
                feed(e, &mut s, Event::PhotoTaken(compliant_photo()));
                feed(e, &mut s, Event::ReasonGiven(Reason::Expiring));
                feed(e, &mut s, Event::Confirm);
                s
            },
        },
        Walk {
            name: "reissue",
            card: Some("v3-sm4.toml"),
            setup: None,
            run: |e| {
                let mut s = start(e, B::Reissue, false);
                feed(e, &mut s, id_card(e, "v3-sm4.toml"));
                feed(e, &mut s, inserted(e));
                feed(e, &mut s, Event::Confirm);
                s
            },
        },
        Walk {
            name: "cancel",
            card: Some(ZHANG),
            setup: None,
            run: |e| {
                let mut s = start(e, B::Cancel, false);
                feed(e, &mut s, id_card(e, ZHANG));
                feed(e, &mut s, inserted(e));
                feed(e, &mut s, Event::ReasonGiven(Reason::Emigration));
                feed(e, &mut s, Event::BankReceipt("ICBC-2026-000123".into()));
                feed(e, &mut s, Event::Confirm);
                s
            },
        },
        Walk {
            name: "change_info",
            card: Some(ZHANG),
            setup: None,
            run: |e| {
                let mut s = start(e, B::ChangeInfo, false);
                feed(e, &mut s, id_card(e, ZHANG));
                feed(e, &mut s, inserted(e));
                feed(
                    e,
                    &mut s,
                    Event::ContactGiven(Contact {
                        phone: Some("13800001111".into()),
                        address: None,
                        division: None,
                    }),
                );
                feed(e, &mut s, Event::Confirm);
                s
            },
        },
        Walk {
            name: "ecard",
            card: None,
            setup: None,
            run: |e| {
                let mut s = start(e, B::Ecard, false);
                feed(e, &mut s, id_card(e, ZHANG));
                feed(e, &mut s, Event::Confirm);
                s
            },
        },
        Walk {
            name: "apply",
            card: None,
            setup: None,
            run: |e| {
                let mut s = start(e, B::Apply, false);
                feed(e, &mut s, id_card(e, "long-term.toml"));
                feed(e, &mut s, Event::PhotoTaken(compliant_photo()));
                feed(e, &mut s, Event::Confirm);
                s
            },
        },
        Walk {
            name: "photo",
            card: None,
            setup: None,
            run: |e| {
                let mut s = start(e, B::Photo, false);
                feed(e, &mut s, id_card(e, "long-term.toml"));
                feed(e, &mut s, Event::PhotoTaken(compliant_photo()));
                feed(e, &mut s, Event::Confirm);
                s
            },
        },
    ]
}

/// Puts the walk's card in the reader and runs its setup: everything before the clock starts.
pub fn prepare(walk: &Walk, e: &Engine<'_>, rig: &dyn Rig) {
    if let Some(file) = walk.card {
        rig.insert(crate::card(file, Transport::T1));
    }
    if let Some(setup) = walk.setup {
        setup(e);
    }
}

/// Panics unless the walk ended done, with its case completed in the store.
pub fn check_completed(walk: &Walk, k: &TestKiosk, s: &Session) {
    assert!(
        matches!(s.phase, Phase::Done { .. }),
        "{}: ended in {:?}",
        walk.name,
        s.phase
    );
    let case = k
        .store
        .case(&s.case_id)
        .unwrap_or_else(|e| panic!("{}: store: {e}", walk.name))
        .unwrap_or_else(|| panic!("{}: no case row {}", walk.name, s.case_id));
    assert_eq!(case.outcome, Some(Outcome::Completed), "{}", walk.name);
}
