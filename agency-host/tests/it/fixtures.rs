//! Test data: people, cards and commits as the kiosk's engine builds them.

use chrono::{NaiveDate, TimeZone, Utc};
use serde_json::{json, Value};

use kiosk_core::domain::{
    Actor, BusinessCode, CardRecord, CardState, Case, Outcome, Person, Sex, Timestamp,
};
use kiosk_core::store::{Change, Commit};

use super::rig::{Client, Reply};

pub fn at(s: i64) -> Timestamp {
    Utc.timestamp_opt(1_770_000_000 + s, 0).unwrap()
}

/// A valid ID number (GB 11643 check character) from a serial `n` (< 1000).
pub fn id_number(n: u32) -> String {
    let first17 = format!("65230119800506{n:03}");
    let check = card_io::citizen::check_char(first17.as_bytes()).unwrap();
    format!("{first17}{check}")
}

pub fn person(n: u32, name: &str) -> Person {
    Person {
        id_number: id_number(n),
        name: name.into(),
        sex: if n % 2 == 1 { Sex::Male } else { Sex::Female },
        ethnicity: 1,
        birth_date: NaiveDate::from_ymd_opt(1980, 5, 6).unwrap(),
        address: "新疆昌吉市兴昌路475号".into(),
        address_division: None,
        phone: Some("13912345678".into()),
        photo_sha256: None,
    }
}

pub fn card_number(n: u32) -> String {
    format!("A{n:08}")
}

pub fn chip(n: u32) -> String {
    format!("86001122{n:08X}")
}

pub fn card(n: u32, holder: u32, state: CardState) -> CardRecord {
    CardRecord {
        card_number: card_number(n),
        id_number: id_number(holder),
        chip_serial: Some(chip(n)),
        state,
        issue_date: NaiveDate::from_ymd_opt(2020, 1, 1),
        expiry_date: NaiveDate::from_ymd_opt(2030, 1, 1),
        state_since: at(0),
        reissue_batch: None,
        replacement_requested: false,
    }
}

pub fn case(kiosk: &str, n: u32, business: BusinessCode, holder: Option<u32>) -> Case {
    Case {
        case_id: case_id(kiosk, n),
        business,
        id_number: holder.map(id_number),
        agent_id_number: None,
        started_at: at(10),
        finished_at: None,
        outcome: None,
        deadline: None,
        summary: format!("{business:?}"),
    }
}

pub fn case_id(kiosk: &str, n: u32) -> String {
    format!("{kiosk}-20260201-{n:06}")
}

pub fn closed(mut c: Case, outcome: Outcome) -> Case {
    c.finished_at = Some(at(20));
    c.outcome = Some(outcome);
    c
}

pub fn commit(actor: Actor, case: Option<Case>, changes: Vec<Change>) -> Commit {
    let mut c = Commit::new(actor, at(15));
    c.case = case;
    c.changes = changes;
    c
}

pub fn body(key: &str, commit: &Commit) -> Value {
    json!({ "key": key, "commit": commit })
}

/// Persons 1..=n with one card each in `state` (card i belongs to person i), committed by
/// `kiosk` as one setup case.
pub fn seed(kiosk: &Client, kiosk_id: &str, n: u32, state: CardState) -> Reply {
    let mut changes = Vec::new();
    for i in 1..=n {
        changes.push(Change::UpsertPerson(person(i, &format!("张{i}"))));
        changes.push(Change::AddCard(card(i, i, state)));
    }
    let setup = case(kiosk_id, 999_999, BusinessCode::Status, None);
    let c = commit(Actor::System, Some(setup), changes);
    let r = kiosk.post(
        agency_api::paths::COMMITS,
        &body(&format!("{}#1", case_id(kiosk_id, 999_999)), &c),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    r
}
