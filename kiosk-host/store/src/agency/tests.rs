use chrono::Utc;

use agency_api::paths;
use kiosk_core::domain::{Actor, Outcome};
use kiosk_core::domain::{CardState, Case};
use kiosk_core::store::Commit;

use crate::sqlite::{CardOutcomeReport, OutboxEntry, Outgoing, SqliteStore};

use super::*;
use chrono::TimeZone;
use kiosk_core::domain::BusinessCode;
use kiosk_core::store::{Change, IntentStatus};

fn case(outcome: Option<Outcome>) -> Case {
    let at = Utc
        .with_ymd_and_hms(2026, 11, 28, 2, 0, 0)
        .single()
        .expect("instant");
    Case {
        case_id: "K1-20261128-000001".into(),
        business: BusinessCode::ReportLoss,
        id_number: Some("652301197508210015".into()),
        agent_id_number: None,
        started_at: at,
        finished_at: outcome.map(|_| at),
        outcome,
        deadline: None,
        summary: String::new(),
    }
}

#[test]
fn a_commit_splits_into_the_agencys_part_and_the_kiosks() {
    let at = Utc
        .with_ymd_and_hms(2026, 11, 28, 2, 0, 0)
        .single()
        .expect("instant");
    let mut c = Commit::new(Actor::System, at);
    c.case = Some(case(Some(Outcome::Completed)));
    c.changes.push(Change::SetCardState {
        card_number: "A00000001".into(),
        from: CardState::Active,
        to: CardState::LostTemporary,
    });
    c.settle = Some((7, IntentStatus::Applied));
    let remote = remote_part(&c).expect("remote");
    assert_eq!(remote.settle, None);
    assert_eq!(remote.archive, None);
    assert_eq!(remote.changes, c.changes);
    let local = local_part(&c).expect("local");
    assert!(local.changes.is_empty() && local.events.is_empty());
    assert_eq!(local.settle, Some((7, IntentStatus::Applied)));
    assert_eq!(local.case, c.case);
    // A settlement alone stays here; an event alone goes to the agency only.
    let mut only_settle = Commit::new(Actor::System, at);
    only_settle.settle = Some((1, IntentStatus::Applied));
    assert!(remote_part(&only_settle).is_none());
    let mut only_event = Commit::new(Actor::System, at);
    only_event
        .events
        .push(("card.guard".into(), "A0****001".into(), json_null()));
    assert!(local_part(&only_event).is_none());
}

fn json_null() -> serde_json::Value {
    serde_json::Value::Null
}

#[test]
fn path_segments_are_percent_encoded() {
    assert_eq!(segment("K1-2026_x.y~z"), "K1-2026_x.y~z");
    assert_eq!(segment("a/b c#"), "a%2Fb%20c%23");
    assert_eq!(
        with(paths::CARD, "card_number", "A00000001"),
        "/v1/cards/A00000001"
    );
}

#[test]
fn the_outbox_numbers_keys_per_case_and_forgets_dropped_ones() {
    let store = SqliteStore::open_in_memory().expect("db");
    let at = Utc
        .with_ymd_and_hms(2026, 11, 28, 2, 0, 0)
        .single()
        .expect("instant");
    let c = Outgoing::Commit(Box::new(Commit::new(Actor::System, at)));
    let a = store.outbox_push("K1-x", &c, None, at).expect("push");
    let b = store.outbox_push("K1-x", &c, None, at).expect("push");
    assert_eq!((a.key.as_str(), b.key.as_str()), ("K1-x#1", "K1-x#2"));
    store.outbox_drop(b.id).expect("drop");
    assert_eq!(store.outbox_len().expect("len"), 1);
    let again = store.outbox_push("K1-x", &c, None, at).expect("push");
    assert_eq!(again.key, "K1-x#2");
    store.outbox_delivered(a.id, at).expect("delivered");
    assert_eq!(
        store.outbox_pending().expect("pending"),
        vec![OutboxEntry {
            id: again.id,
            key: "K1-x#2".into(),
            case_id: "K1-x".into(),
            remote: c.clone(),
            local: None,
            attempts: 0,
        }]
    );
    // A delivered key is never handed out again.
    store.outbox_delivered(again.id, at).expect("delivered");
    assert_eq!(
        store.outbox_push("K1-x", &c, None, at).expect("push").key,
        "K1-x#3"
    );
    // A card command's report takes the case's next key, and reads back as a report.
    let report = Outgoing::CardOutcome(CardOutcomeReport {
        card_number: "A00000001".into(),
        chip_serial: "0102030405060708".into(),
        action: kiosk_core::domain::CardAction::UnblockApp,
        applied: true,
        at,
    });
    let r = store.outbox_push("K1-x", &report, None, at).expect("push");
    assert_eq!(r.key, "K1-x#4");
    let pending = store.outbox_pending().expect("pending");
    assert_eq!(pending.last().map(|e| &e.remote), Some(&report));
    assert_eq!(store.outbox_len().expect("len"), 2);
}
