//! Every business of BUSINESS-RULES.md end to end: a session driven by device events on
//! simulated hardware, checked against the registry, the card, the audit log, the archive
//! record and the receipt. Each scenario runs in-process and through pcscd + vpcd.

use card_io::sscard::AppState;
use hw_sim::Transport;
use kiosk_core::card_ops::{self, Target};
use kiosk_core::domain::{BusinessCode as B, CardState, Outcome, Progress};
use kiosk_core::engine::driver::{DriverError, Engine};
use kiosk_core::engine::facts::{Contact, PhotoFacts, Reason};
use kiosk_core::engine::session::{Event, Phase, Refusal, Session};
use kiosk_core::rules::Material;
use kiosk_core::store::{AuditLog, Journal, Registry};
use tests::kiosk::{feed, id_text, now, receipt, start, TestKiosk};
use tests::rig::{InProcess, Rig, Vpcd};
use tests::{card, pin, today};

const ZHANG: &str = "v2-3des.toml";
const ZHANG_ID: &str = "652301197508210015";
const ZHANG_CARD: &str = "A00000001";

fn no_printer(_: &[String]) -> Result<(), String> {
    Ok(())
}

fn id_card(e: &Engine<'_>, person: &str) -> Event {
    e.id_card_read(&id_text(person)).expect("ID card event")
}

fn insert(e: &Engine<'_>, rig: &dyn Rig, card_file: &str) -> Event {
    rig.insert(card(card_file, Transport::T1));
    e.card_inserted(now()).expect("card read").event
}

fn photo() -> PhotoFacts {
    tests::kiosk::compliant_photo()
}

fn card_status(rig: &dyn Rig) -> card_io::sscard::CardStatus {
    let conn = card_ops::connect_card(rig.provider(), &Target::default()).expect("card");
    card_ops::status(conn, today()).expect("status")
}

/// Checks the case is closed as completed, archived, and that the audit chain holds.
fn completed(k: &TestKiosk, s: &Session) {
    let case = k.store.case(&s.case_id).expect("db").expect("case row");
    assert_eq!(case.outcome, Some(Outcome::Completed), "{:?}", s.business);
    let report = k.store.verify().expect("audit verify");
    assert!(report.ok(), "{:?}", report.problems);
    let line = receipt(s).join("\n");
    assert!(line.contains(&s.case_id), "{line}");
    assert!(
        line.contains("档号: "),
        "archive number on the receipt: {line}"
    );
    assert!(
        !line.contains(ZHANG_ID),
        "full ID number on a receipt: {line}"
    );
}

fn state_of(k: &TestKiosk, card_number: &str) -> CardState {
    k.store.card(card_number).expect("db").expect("card").state
}

// ---- scenarios ----

fn status(rig: &dyn Rig) {
    let k = TestKiosk::new();
    let printer = |lines: &[String]| -> Result<(), String> {
        k.printed.lock().unwrap().push(lines.to_vec());
        Ok(())
    };
    let e = k.engine(rig.provider(), &printer);
    let mut s = start(&e, B::Status, false);
    // 6.1.3.2 a): the ID card original first, as for every on-site business.
    assert_eq!(
        s.phase,
        Phase::Gathering {
            material: Material::IdCard
        }
    );
    feed(&e, &mut s, id_card(&e, ZHANG));
    assert_eq!(
        s.phase,
        Phase::Gathering {
            material: Material::SsCard
        }
    );
    let ev = insert(&e, rig, ZHANG);
    feed(&e, &mut s, ev);
    assert_eq!(s.phase, Phase::Confirming);
    feed(&e, &mut s, Event::Confirm);
    let r = receipt(&s).join("\n");
    assert!(r.contains("卡状态: 正常"), "{r}");
    assert!(r.contains("密码剩余尝试次数: 3"), "{r}");
    completed(&k, &s);
    // "Print the receipt": masked, no PIN.
    feed(&e, &mut s, Event::Confirm);
    let printed = k.printed.lock().unwrap().concat().join("\n");
    assert!(printed.contains("*****0001"), "{printed}");
    assert!(printed.contains("652301********0015"), "{printed}");
    assert!(
        !printed.contains(ZHANG_ID) && !printed.contains(ZHANG_CARD),
        "{printed}"
    );
    feed(
        &e,
        &mut s,
        Event::Rate {
            level: 5,
            reasons: vec![],
            comment: None,
        },
    );
    assert!(s.is_over());
}

fn enable(rig: &dyn Rig) {
    let k = TestKiosk::new();
    let e = k.engine(rig.provider(), &no_printer);
    let mut s = start(&e, B::Enable, false);
    feed(&e, &mut s, id_card(&e, "v3-uyghur.toml"));
    let ev = insert(&e, rig, "v3-uyghur.toml");
    feed(&e, &mut s, ev);
    feed(&e, &mut s, Event::Confirm);
    assert_eq!(
        s.phase,
        Phase::EnteringPins {
            old: false,
            new: true
        }
    );
    // A weak PIN is refused before the card is touched.
    let refused = e.feed(
        &mut s,
        Event::Pins {
            old: None,
            new: Some(pin("111111")),
            repeat: Some(pin("111111")),
        },
        now(),
    );
    assert!(refused.is_err());
    assert_eq!(
        s.phase,
        Phase::EnteringPins {
            old: false,
            new: true
        }
    );
    feed(
        &e,
        &mut s,
        Event::Pins {
            old: None,
            new: Some(pin("358024")),
            repeat: Some(pin("358024")),
        },
    );
    completed(&k, &s);
    assert_eq!(state_of(&k, "A12345678"), CardState::Active);
    let conn = card_ops::connect_card(rig.provider(), &Target::default()).expect("card");
    card_ops::verify(conn, &pin("358024")).expect("the holder's PIN works");
    // The full Uyghur name stays in the registry (the ID card holds 15 characters).
    let p = k.store.person("65230119800506003X").unwrap().unwrap();
    assert_eq!(p.name, "阿卜杜热依木·买买提明·吐尔逊托合提");
}

/// The right old PIN (123456) and a new one (580317), twice: the business is done and the
/// card takes the new PIN.
fn right_old_pin_changes_it(k: &TestKiosk, e: &Engine<'_>, s: &mut Session, rig: &dyn Rig) {
    feed(
        e,
        s,
        Event::Pins {
            old: Some(pin("123456")),
            new: Some(pin("580317")),
            repeat: Some(pin("580317")),
        },
    );
    completed(k, s);
    let conn = card_ops::connect_card(rig.provider(), &Target::default()).expect("card");
    card_ops::verify(conn, &pin("580317")).expect("new PIN works");
}

fn pin_change(rig: &dyn Rig) {
    let k = TestKiosk::new();
    let e = k.engine(rig.provider(), &no_printer);
    let mut s = start(&e, B::PinChange, false);
    feed(&e, &mut s, id_card(&e, ZHANG));
    let ev = insert(&e, rig, ZHANG);
    feed(&e, &mut s, ev);
    feed(&e, &mut s, Event::Confirm);
    right_old_pin_changes_it(&k, &e, &mut s, rig);
}

fn pin_change_wrong_old_pin(rig: &dyn Rig) {
    let k = TestKiosk::new();
    let e = k.engine(rig.provider(), &no_printer);
    let mut s = start(&e, B::PinChange, false);
    feed(&e, &mut s, id_card(&e, ZHANG));
    let ev = insert(&e, rig, ZHANG);
    feed(&e, &mut s, ev);
    feed(&e, &mut s, Event::Confirm);
    feed(
        &e,
        &mut s,
        Event::Pins {
            old: Some(pin("999999")),
            new: Some(pin("580317")),
            repeat: Some(pin("580317")),
        },
    );
    // The citizen stays on the PIN screen with the card's tries left (issue 22): the case is
    // open, nothing is pending, and only the old PIN is asked again.
    assert!(
        matches!(s.phase, Phase::EnteringPins { old: true, .. }),
        "{:?}",
        s.phase
    );
    assert_eq!(s.pin_tries_left, Some(2));
    let case = k.store.case(&s.case_id).unwrap().unwrap();
    assert_eq!(case.outcome, None, "the case stays open for the retry");
    assert!(k.store.pending_intents().unwrap().is_empty());
    // The right old PIN, in the same business: done, and the new PIN works.
    right_old_pin_changes_it(&k, &e, &mut s, rig);
}

fn pin_reset(rig: &dyn Rig) {
    let k = TestKiosk::new();
    let e = k.engine(rig.provider(), &no_printer);
    let mut s = start(&e, B::PinReset, false);
    feed(&e, &mut s, id_card(&e, ZHANG));
    let ev = insert(&e, rig, ZHANG);
    feed(&e, &mut s, ev);
    feed(&e, &mut s, Event::Confirm);
    feed(
        &e,
        &mut s,
        Event::Pins {
            old: None,
            new: Some(pin("602948")),
            repeat: Some(pin("602948")),
        },
    );
    completed(&k, &s);
    let conn = card_ops::connect_card(rig.provider(), &Target::default()).expect("card");
    card_ops::verify(conn, &pin("602948")).expect("reset PIN works");
}

fn pin_unblock(rig: &dyn Rig) {
    let k = TestKiosk::new();
    let e = k.engine(rig.provider(), &no_printer);
    let mut s = start(&e, B::PinUnblock, false);
    feed(&e, &mut s, id_card(&e, "pin-blocked.toml"));
    let ev = insert(&e, rig, "pin-blocked.toml");
    feed(&e, &mut s, ev);
    feed(&e, &mut s, Event::Confirm);
    completed(&k, &s);
    assert!(!card_status(rig).pin_blocked);
}

fn loss_and_found(rig: &dyn Rig) {
    let k = TestKiosk::new();
    let e = k.engine(rig.provider(), &no_printer);
    // 挂失 without the card.
    let mut s = start(&e, B::ReportLoss, false);
    feed(&e, &mut s, id_card(&e, ZHANG));
    feed(&e, &mut s, Event::Confirm);
    completed(&k, &s);
    assert_eq!(state_of(&k, ZHANG_CARD), CardState::LostTemporary);
    assert!(receipt(&s).join("\n").contains("15 日后自动解除"));
    // The card turns up and is put in: it is blocked on the spot.
    rig.insert(card(ZHANG, Transport::T1));
    let ins = e.card_inserted(now()).expect("insert");
    assert_eq!(
        ins.guarded,
        Some(kiosk_core::domain::CardAction::BlockApp { permanent: false })
    );
    assert_eq!(card_status(rig).application, AppState::TemporarilyBlocked);
    // 解挂 with the found card.
    let mut s = start(&e, B::CancelLoss, false);
    feed(&e, &mut s, id_card(&e, ZHANG));
    feed(&e, &mut s, ins.event);
    feed(&e, &mut s, Event::Confirm);
    completed(&k, &s);
    assert_eq!(state_of(&k, ZHANG_CARD), CardState::Active);
    assert_eq!(card_status(rig).application, AppState::Active);
}

fn found_card_of_temporary_loss_fixture(rig: &dyn Rig) {
    // The demo's 古丽娜尔 reported her card lost; the card is already temporarily blocked.
    let k = TestKiosk::new();
    let e = k.engine(rig.provider(), &no_printer);
    let mut s = start(&e, B::CancelLoss, false);
    feed(&e, &mut s, id_card(&e, "t0-blocked-6a81.toml"));
    let ev = insert(&e, rig, "t0-blocked-6a81.toml");
    feed(&e, &mut s, ev);
    feed(&e, &mut s, Event::Confirm);
    completed(&k, &s);
    assert_eq!(state_of(&k, "A34567890"), CardState::Active);
    assert_eq!(card_status(rig).application, AppState::Active);
}

fn replace_after_loss(rig: &dyn Rig) {
    let k = TestKiosk::new();
    let e = k.engine(rig.provider(), &no_printer);
    let mut s = start(&e, B::ReportLoss, false);
    feed(&e, &mut s, id_card(&e, ZHANG));
    feed(&e, &mut s, Event::Confirm);
    let mut s = start(&e, B::Replace, false);
    feed(&e, &mut s, id_card(&e, ZHANG));
    assert_eq!(
        s.phase,
        Phase::Gathering {
            material: Material::Photo
        }
    );
    feed(&e, &mut s, Event::PhotoTaken(photo()));
    feed(&e, &mut s, Event::Confirm);
    completed(&k, &s);
    assert_eq!(state_of(&k, ZHANG_CARD), CardState::Cancelled);
    let app = k
        .store
        .application(&s.case_id)
        .unwrap()
        .expect("application");
    assert_eq!(app.progress, Progress::Submitted);
    assert_eq!(app.old_card.as_deref(), Some(ZHANG_CARD));
    assert!(app.deadline > chrono::NaiveDate::from_ymd_opt(2027, 1, 1).unwrap());
    // 解挂 is refused now.
    let mut s = start(&e, B::CancelLoss, false);
    feed(&e, &mut s, id_card(&e, ZHANG));
    let ev = insert(&e, rig, ZHANG);
    feed(&e, &mut s, ev);
    assert!(matches!(s.phase, Phase::Refused { .. }), "{:?}", s.phase);
    // The old card was blocked for good when it was put in.
    assert_eq!(card_status(rig).application, AppState::PermanentlyBlocked);
}

fn exchange_expired(rig: &dyn Rig) {
    let k = TestKiosk::new();
    let e = k.engine(rig.provider(), &no_printer);
    let mut s = start(&e, B::Exchange, false);
    feed(&e, &mut s, id_card(&e, "expired.toml"));
    let ev = insert(&e, rig, "expired.toml");
    feed(&e, &mut s, ev);
    feed(&e, &mut s, Event::PhotoTaken(photo()));
    feed(&e, &mut s, Event::ReasonGiven(Reason::Expiring));
    feed(&e, &mut s, Event::Confirm);
    completed(&k, &s);
    assert_eq!(state_of(&k, "A00000987"), CardState::Cancelled);
    assert!(k.store.application(&s.case_id).unwrap().is_some());
    assert_eq!(card_status(rig).application, AppState::PermanentlyBlocked);
}

fn reissue(rig: &dyn Rig) {
    let k = TestKiosk::new();
    let e = k.engine(rig.provider(), &no_printer);
    let mut s = start(&e, B::Reissue, false);
    feed(&e, &mut s, id_card(&e, "v3-sm4.toml"));
    let ev = insert(&e, rig, "v3-sm4.toml");
    feed(&e, &mut s, ev);
    // Her photo is on file: none is asked for.
    feed(&e, &mut s, Event::Confirm);
    completed(&k, &s);
    assert_eq!(state_of(&k, "A23456789"), CardState::Cancelled);
    assert_eq!(card_status(rig).application, AppState::PermanentlyBlocked);
}

fn cancel(rig: &dyn Rig) {
    let k = TestKiosk::new();
    let e = k.engine(rig.provider(), &no_printer);
    let mut s = start(&e, B::Cancel, false);
    feed(&e, &mut s, id_card(&e, ZHANG));
    let ev = insert(&e, rig, ZHANG);
    feed(&e, &mut s, ev);
    feed(&e, &mut s, Event::ReasonGiven(Reason::Emigration));
    feed(&e, &mut s, Event::BankReceipt("ICBC-2026-000123".into()));
    feed(&e, &mut s, Event::Confirm);
    completed(&k, &s);
    assert_eq!(state_of(&k, ZHANG_CARD), CardState::Cancelled);
    // A blocked card answers SELECT with 6A81 and no FCI: the card cannot be used any more.
    assert_eq!(card_status(rig).application, AppState::CardBlocked);
}

fn change_info(rig: &dyn Rig) {
    let k = TestKiosk::new();
    let e = k.engine(rig.provider(), &no_printer);
    let mut s = start(&e, B::ChangeInfo, false);
    feed(&e, &mut s, id_card(&e, ZHANG));
    let ev = insert(&e, rig, ZHANG);
    feed(&e, &mut s, ev);
    // Bad input is refused with a message, and changes nothing.
    assert!(e
        .feed(
            &mut s,
            Event::ContactGiven(Contact {
                phone: Some("12345".into()),
                address: None,
                division: None
            }),
            now()
        )
        .is_err());
    feed(
        &e,
        &mut s,
        Event::ContactGiven(Contact {
            phone: Some("13800001111".into()),
            address: None,
            division: None,
        }),
    );
    feed(&e, &mut s, Event::Confirm);
    completed(&k, &s);
    let p = k.store.person(ZHANG_ID).unwrap().unwrap();
    assert_eq!(p.phone.as_deref(), Some("13800001111"));
}

fn ecard_then_identify(rig: &dyn Rig) {
    let k = TestKiosk::new();
    let e = k.engine(rig.provider(), &no_printer);
    let mut s = start(&e, B::Ecard, false);
    feed(&e, &mut s, id_card(&e, ZHANG));
    feed(&e, &mut s, Event::Confirm);
    completed(&k, &s);
    let ecards = k.store.ecards_of(ZHANG_ID).unwrap();
    assert_eq!(ecards.len(), 1);
    // The holder's e-card app shows a dynamic QR. It verifies, but it stands in for the ID
    // card nowhere: 6.1.3.2 a) asks for the ID card original for every on-site business,
    // a loss report included.
    let qr = kiosk_core::ecard::sign_dynamic(
        &tests::kiosk::ecard_test_key(),
        ZHANG_ID,
        ZHANG_CARD,
        &ecards[0].token_id,
        now(),
    );
    for business in [B::ReportLoss, B::Status, B::Photo, B::Replace] {
        let mut s = start(&e, business, false);
        let ev = e.ecard_scanned(&qr, now()).expect("the QR verifies");
        assert!(e.feed(&mut s, ev, now()).is_err(), "{business:?}");
        assert_eq!(
            s.phase,
            Phase::Gathering {
                material: Material::IdCard
            },
            "{business:?}"
        );
    }
    assert_eq!(state_of(&k, ZHANG_CARD), CardState::Active);
}

fn apply_and_photo(rig: &dyn Rig) {
    let k = TestKiosk::new();
    let e = k.engine(rig.provider(), &no_printer);
    let mut s = start(&e, B::Apply, false);
    feed(&e, &mut s, id_card(&e, "long-term.toml"));
    assert_eq!(
        s.phase,
        Phase::Gathering {
            material: Material::Photo
        }
    );
    feed(&e, &mut s, Event::PhotoTaken(photo()));
    feed(&e, &mut s, Event::Confirm);
    completed(&k, &s);
    let app = k
        .store
        .application(&s.case_id)
        .unwrap()
        .expect("application");
    assert_eq!(app.business, B::Apply);
    assert!(receipt(&s).join("\n").contains("40个工作日"));
    assert!(k.store.photo("652301195510030022").unwrap().is_some());
    // A second application while one is open is refused.
    let mut s = start(&e, B::Apply, false);
    feed(&e, &mut s, id_card(&e, "long-term.toml"));
    assert!(
        matches!(
            s.phase,
            Phase::Refused {
                refusal: Refusal::ApplicationOpen { .. }
            }
        ),
        "{:?}",
        s.phase
    );
    // 照片采集 on its own.
    let mut s = start(&e, B::Photo, false);
    feed(&e, &mut s, id_card(&e, "long-term.toml"));
    feed(&e, &mut s, Event::PhotoTaken(photo()));
    feed(&e, &mut s, Event::Confirm);
    completed(&k, &s);
}

// ---- refusals ----

fn refusals(rig: &dyn Rig) {
    let k = TestKiosk::new();
    let e = k.engine(rig.provider(), &no_printer);
    // Wrong state: enabling a card that is already active.
    let mut s = start(&e, B::Enable, false);
    feed(&e, &mut s, id_card(&e, ZHANG));
    let ev = insert(&e, rig, ZHANG);
    feed(&e, &mut s, ev);
    assert!(
        matches!(
            s.phase,
            Phase::Refused {
                refusal: Refusal::WrongState { .. }
            }
        ),
        "{:?}",
        s.phase
    );
    assert_eq!(
        k.store.case(&s.case_id).unwrap().unwrap().outcome,
        Some(Outcome::Refused)
    );
    // Card of another person.
    let mut s = start(&e, B::PinReset, false);
    feed(&e, &mut s, id_card(&e, ZHANG));
    let ev = insert(&e, rig, "v3-sm4.toml");
    feed(&e, &mut s, ev);
    assert_eq!(
        s.phase,
        Phase::Refused {
            refusal: Refusal::CardOfAnotherPerson
        }
    );
    // Agents may not change or reset a PIN.
    assert!(matches!(
        e.start(B::PinChange, true, now()),
        Err(DriverError::Refused(Refusal::AgentNotAllowed))
    ));
    assert!(matches!(
        e.start(B::PinReset, true, now()),
        Err(DriverError::Refused(Refusal::AgentNotAllowed))
    ));
    // Missing materials: one notice listing every missing item at once.
    let mut s = start(&e, B::Exchange, true);
    feed(&e, &mut s, Event::Lacking(Material::IdCard));
    feed(&e, &mut s, Event::Lacking(Material::AgentIdCard));
    feed(&e, &mut s, Event::Lacking(Material::SsCard));
    feed(&e, &mut s, Event::Lacking(Material::Photo));
    feed(&e, &mut s, Event::Lacking(Material::Reason));
    match &s.phase {
        Phase::Returned { notice } => {
            let missing: Vec<_> = notice.missing.iter().map(|m| m.material).collect();
            for m in [Material::IdCard, Material::AgentIdCard, Material::Reason] {
                assert!(missing.contains(&m), "{m:?} missing from {missing:?}");
            }
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        k.store.case(&s.case_id).unwrap().unwrap().outcome,
        Some(Outcome::ReturnedIncomplete)
    );
    // An expired ID card is not a valid document (6.1.3.2 a): it counts as missing.
    let mut s = start(&e, B::ReportLoss, false);
    let mut text = id_text(ZHANG);
    text.valid_to = card_io::idcard::text::Validity::Until(
        card_io::date::Date::new(2025, 9, 10).expect("date"),
    );
    let ev = e.id_card_read(&text).expect("event");
    feed(&e, &mut s, ev);
    match &s.phase {
        Phase::Returned { notice } => {
            assert_eq!(notice.missing.len(), 1);
            assert_eq!(notice.missing[0].material, Material::IdCard);
        }
        other => panic!("{other:?}"),
    }
    // The agent flow: the agent must be another adult person.
    let mut s = start(&e, B::ReportLoss, true);
    feed(&e, &mut s, id_card(&e, ZHANG));
    assert!(e.feed(&mut s, id_card(&e, ZHANG), now()).is_err());
    feed(&e, &mut s, id_card(&e, "long-term.toml"));
    feed(&e, &mut s, Event::Confirm);
    completed(&k, &s);
    let case = k.store.case(&s.case_id).unwrap().unwrap();
    assert_eq!(case.agent_id_number.as_deref(), Some("652301195510030022"));
}

fn walk_away(rig: &dyn Rig) {
    let k = TestKiosk::new();
    let e = k.engine(rig.provider(), &no_printer);
    let mut s = start(&e, B::PinReset, false);
    feed(&e, &mut s, id_card(&e, ZHANG));
    feed(&e, &mut s, Event::Timeout);
    assert!(s.is_over());
    assert_eq!(
        k.store.case(&s.case_id).unwrap().unwrap().outcome,
        Some(Outcome::Abandoned)
    );
}

/// Each scenario twice: in-process and through pcscd + vpcd.
macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod in_process {
            $(#[test]
            fn $name() {
                super::$name(&super::InProcess::new(super::Transport::T1));
            })*
        }
        mod through_vpcd {
            $(#[test]
            fn $name() {
                let rig = super::Vpcd::lock(super::Transport::T1);
                super::$name(&*rig);
            })*
        }
    };
}

both!(
    status,
    enable,
    pin_change,
    pin_change_wrong_old_pin,
    pin_reset,
    pin_unblock,
    loss_and_found,
    found_card_of_temporary_loss_fixture,
    replace_after_loss,
    exchange_expired,
    reissue,
    cancel,
    change_info,
    ecard_then_identify,
    apply_and_photo,
    refusals,
    walk_away,
);

/// A month of cases becomes one sealed archive batch: every finished case is in it with its
/// materials, the batch verifies, queries find the records and are themselves audited.
#[test]
fn a_month_of_cases_is_sealed_and_queried() {
    use kiosk_core::domain::Actor;
    use kiosk_core::store::{ArchiveQuery, ArchiveStore};
    use kiosk_store::archive::{seal, verify};

    let rig = InProcess::new(Transport::T1);
    let k = TestKiosk::new();
    let e = k.engine(rig.provider(), &no_printer);
    let mut s = start(&e, B::ReportLoss, false);
    feed(&e, &mut s, id_card(&e, ZHANG));
    feed(&e, &mut s, Event::Confirm);
    let mut s = start(&e, B::Apply, false);
    feed(&e, &mut s, id_card(&e, "long-term.toml"));
    feed(
        &e,
        &mut s,
        Event::PhotoTaken(tests::kiosk::compliant_photo()),
    );
    feed(&e, &mut s, Event::Confirm);
    // A refused case is not archived: only finished (办结) cases are.
    let mut r = start(&e, B::Enable, false);
    feed(&e, &mut r, id_card(&e, ZHANG));

    let out = k.dir.path().join("archive");
    let december = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 12, 1, 1, 0, 0).unwrap();
    let signer = tests::kiosk::archive_test_key();
    let sealed = seal::seal_month(
        &k.store,
        "2026-11",
        "0001",
        &out,
        &Actor::System,
        december,
        &signer,
    )
    .expect("seal");
    assert_eq!(sealed.info.records, 2);
    let report = verify::verify_batch(
        &sealed.dir,
        Some(&sealed.info.manifest_sha256),
        &[signer.verifying_key()],
    )
    .expect("verify");
    assert!(report.ok(), "{report:?}");
    // The photo is filed as a material of the application, in records.tar.
    let tar = std::fs::File::open(sealed.dir.join("records.tar")).unwrap();
    let photo_files = kiosk_store::archive::tar::read_all(tar)
        .unwrap()
        .into_iter()
        .filter(|e| e.path.ends_with(".jpg"))
        .count();
    assert_eq!(photo_files, 1);

    let staff = Actor::Staff("archivist".into());
    let found = k
        .store
        .query_archive(
            &ArchiveQuery {
                id_number: Some(ZHANG_ID.into()),
                ..Default::default()
            },
            &staff,
        )
        .expect("query");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].record.business, B::ReportLoss);
    assert_eq!(found[0].sealed_in.as_deref(), Some("2026-11"));
    let audited = k.store.entries(0, 10_000).unwrap();
    assert!(audited
        .iter()
        .any(|a| a.action == "archive.query" && a.actor.contains("archivist")));
    assert!(k.store.verify().unwrap().ok());
    // A second seal of the month is refused.
    assert!(seal::seal_month(
        &k.store,
        "2026-11",
        "0001",
        &out,
        &Actor::System,
        december,
        &signer
    )
    .is_err());
}

/// An exchange started on Thursday 23:59 and confirmed on Friday 00:01 (kiosk time): the
/// receipt and the registry's application give the same time limit, counted from the day it
/// was carried out.
#[test]
fn a_session_across_midnight_gives_one_deadline() {
    use chrono::TimeZone;
    let thursday = chrono::Utc
        .with_ymd_and_hms(2026, 11, 26, 15, 59, 0)
        .single()
        .expect("instant");
    let friday = thursday + chrono::Duration::minutes(2);
    let rig = InProcess::new(Transport::T1);
    let k = TestKiosk::new();
    let e = k.engine(rig.provider(), &no_printer);
    let mut s = e.start(B::Exchange, false, thursday).expect("start");
    let step = |s: &mut kiosk_core::engine::session::Session, ev: Event, at| {
        e.feed(s, ev, at).unwrap_or_else(|n| panic!("{n}"));
        tests::kiosk::pass_identity_at(&e, s, at);
    };
    step(&mut s, id_card(&e, "expired.toml"), thursday);
    rig.insert(card("expired.toml", Transport::T1));
    let ins = e.card_inserted(thursday).expect("card read");
    step(&mut s, ins.event, thursday);
    step(&mut s, Event::PhotoTaken(photo()), thursday);
    step(&mut s, Event::ReasonGiven(Reason::Expiring), thursday);
    step(&mut s, Event::Confirm, friday);
    let Phase::Done { receipt, .. } = &s.phase else {
        panic!("{:?}", s.phase);
    };
    let stored = k
        .store
        .application(&s.case_id)
        .unwrap()
        .expect("the application");
    // The case itself is done on the spot (即时办结); the card's production has its own
    // expected date (issue 17), which the receipt and the registry must give alike.
    let line = receipt
        .iter()
        .find(|l| l.starts_with("预计制卡"))
        .expect("the production date's line");
    assert!(
        line.contains(&stored.deadline.to_string()),
        "receipt {line:?}, registry {}",
        stored.deadline
    );
    let from_thursday = k.calendar.add_working_days(
        chrono::NaiveDate::from_ymd_opt(2026, 11, 26).expect("date"),
        k.config.business.application_deadline_days,
    );
    assert_ne!(
        from_thursday.date, stored.deadline,
        "counted from Friday, the day it was carried out"
    );
}
