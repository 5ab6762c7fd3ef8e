//! Commits: applied whole with their audit entries or not at all; two kiosks on one card:
//! exactly one wins, the other is told why; idempotent replays; leases and their expiry.

use std::sync::{Arc, Barrier};

use serde_json::json;

use agency_api::paths;
use kiosk_core::domain::{Actor, BusinessCode, CardState};
use kiosk_core::store::Change;

use super::fixtures::*;
use super::rig::{Agency, Client, Reply};

fn audit_count(agency: &Agency) -> i64 {
    agency
        .psql("SELECT count(*) FROM audit")
        .trim()
        .parse()
        .unwrap()
}

fn state(k: &Client, n: u32) -> String {
    k.get(&format!("/v1/cards/{}", card_number(n))).json()["state"]
        .as_str()
        .unwrap()
        .to_string()
}

fn set_state(
    kiosk: &str,
    case_n: u32,
    card: u32,
    from: CardState,
    to: CardState,
) -> serde_json::Value {
    let c = commit(
        Actor::Citizen(case_id(kiosk, case_n)),
        Some(case(kiosk, case_n, BusinessCode::ReportLoss, Some(card))),
        vec![Change::SetCardState {
            card_number: card_number(card),
            from,
            to,
        }],
    );
    body(&format!("{}#1", case_id(kiosk, case_n)), &c)
}

#[test]
fn a_commit_is_applied_whole_with_its_audit_entries_or_not_at_all() {
    let agency = Agency::serving();
    let k1 = agency.kiosk("K1");
    seed(&k1, "K1", 2, CardState::Active);
    let before = audit_count(&agency);

    // the second change fails (card 2 is active, not lost): nothing of the first stays
    let c = commit(
        Actor::Citizen(case_id("K1", 1)),
        Some(case("K1", 1, BusinessCode::ReportLoss, Some(1))),
        vec![
            Change::SetCardState {
                card_number: card_number(1),
                from: CardState::Active,
                to: CardState::LostTemporary,
            },
            Change::SetCardState {
                card_number: card_number(2),
                from: CardState::LostTemporary,
                to: CardState::Active,
            },
        ],
    );
    let r = k1.post(
        paths::COMMITS,
        &body(&format!("{}#1", case_id("K1", 1)), &c),
    );
    assert_eq!(r.status, 409, "{}", r.text());
    let message = r.json()["message"].as_str().unwrap().to_string();
    assert!(
        message.contains("*****0002 is active (正常), not lost_temporary (临时挂失) as planned"),
        "{message}"
    );
    assert_eq!(state(&k1, 1), "active");
    assert_eq!(
        audit_count(&agency),
        before,
        "no audit entry of a refused commit"
    );
    assert_eq!(
        k1.get(&format!("/v1/cases/{}", case_id("K1", 1))).status,
        404
    );

    // the same key, now a good commit: applied, one entry per change plus the case's
    let good = set_state("K1", 1, 1, CardState::Active, CardState::LostTemporary);
    let r = k1.post(paths::COMMITS, &good);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(state(&k1, 1), "lost_temporary");
    assert_eq!(audit_count(&agency), before + 2);
    let last = agency.psql(
        "SELECT actor || ' ' || action || ' ' || subject || ' ' || detail FROM audit
         WHERE chain = 'kiosk:K1' ORDER BY seq DESC LIMIT 1",
    );
    assert!(last.starts_with("kiosk:K1 card.state *****0001 "), "{last}");
    assert!(
        last.contains(&format!("\"case\":\"{}\"", case_id("K1", 1))),
        "{last}"
    );
    // the answer's seq is the last of the kiosk's own chain
    let chain_head: i64 = agency
        .psql("SELECT seq FROM audit_heads WHERE chain = 'kiosk:K1'")
        .trim()
        .parse()
        .unwrap();
    assert_eq!(r.json()["audit_seq"].as_i64().unwrap(), chain_head);

    // a staff commit names the staff member at the kiosk
    let c = commit(
        Actor::Staff("li".into()),
        None,
        vec![Change::SetContact {
            id_number: id_number(2),
            phone: Some("13800000000".into()),
            address: None,
            division: None,
        }],
    );
    let r = k1.post(
        paths::COMMITS,
        &body(&format!("{}#1", case_id("K1", 50)), &c),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    // in the kiosk's chain: staff at a kiosk act through it
    let actor =
        agency.psql("SELECT actor FROM audit WHERE chain = 'kiosk:K1' ORDER BY seq DESC LIMIT 1");
    assert_eq!(actor.trim(), "staff:li@kiosk:K1");
    let person = k1.get(&format!("/v1/persons/{}", id_number(2))).json();
    assert_eq!(person["person"]["phone"], "13800000000");
    assert_eq!(person["person"]["address"], "新疆昌吉市兴昌路475号");

    // commits the agency does not take: an archive record, a journal settlement, a case
    // other than the key's, a key of another kiosk's case, an unknown record
    let mut c = commit(Actor::System, None, vec![]);
    c.settle = Some((1, kiosk_core::store::IntentStatus::Applied));
    let r = k1.post(
        paths::COMMITS,
        &body(&format!("{}#9", case_id("K1", 60)), &c),
    );
    assert_eq!(
        (r.status, r.json()["error"].as_str()),
        (422, Some("invalid"))
    );
    let c = commit(
        Actor::System,
        Some(case("K1", 61, BusinessCode::Status, None)),
        vec![],
    );
    let r = k1.post(
        paths::COMMITS,
        &body(&format!("{}#1", case_id("K1", 62)), &c),
    );
    assert_eq!(r.status, 422, "{}", r.text());
    let c = commit(Actor::System, None, vec![]);
    let r = k1.post(
        paths::COMMITS,
        &body(&format!("{}#1", case_id("K2", 1)), &c),
    );
    assert_eq!(
        (r.status, r.json()["error"].as_str()),
        (403, Some("forbidden"))
    );
    let r = k1.post(
        paths::COMMITS,
        &set_state("K1", 63, 77, CardState::Active, CardState::LostFormal),
    );
    assert_eq!(
        (r.status, r.json()["error"].as_str()),
        (404, Some("not_found"))
    );
    assert!(agency
        .ok(&["audit", "verify"])
        .contains("the audit log verifies"));
}

#[test]
fn the_same_key_gives_the_same_answer_and_applies_once() {
    let agency = Agency::serving();
    let k1 = agency.kiosk("K1");
    seed(&k1, "K1", 1, CardState::Active);
    let loss = set_state("K1", 1, 1, CardState::Active, CardState::LostTemporary);
    let first = k1.post(paths::COMMITS, &loss);
    assert_eq!(first.status, 200, "{}", first.text());
    assert!(!first.replayed);
    let entries = audit_count(&agency);
    for _ in 0..3 {
        let again = k1.post(paths::COMMITS, &loss);
        assert_eq!(again.status, 200, "{}", again.text());
        assert!(again.replayed);
        assert_eq!(again.json(), first.json());
    }
    assert_eq!(audit_count(&agency), entries, "a replay writes nothing");
    assert_eq!(state(&k1, 1), "lost_temporary");

    // the same key with another commit
    let other = set_state("K1", 1, 1, CardState::LostTemporary, CardState::Active);
    let r = k1.post(paths::COMMITS, &other);
    assert_eq!(
        (r.status, r.json()["error"].as_str()),
        (422, Some("idempotency_mismatch"))
    );
    assert_eq!(state(&k1, 1), "lost_temporary");

    // replays racing each other: still applied once
    let k = Arc::new(k1.clone());
    let next = set_state("K1", 2, 1, CardState::LostTemporary, CardState::Active);
    let barrier = Arc::new(Barrier::new(8));
    let replies: Vec<Reply> = (0..8)
        .map(|_| {
            let (k, b, body) = (k.clone(), barrier.clone(), next.clone());
            std::thread::spawn(move || {
                b.wait();
                k.post(paths::COMMITS, &body)
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|h| h.join().unwrap())
        .collect();
    assert!(
        replies.iter().all(|r| r.status == 200),
        "{:?}",
        replies.iter().map(Reply::text).collect::<Vec<_>>()
    );
    assert_eq!(replies.iter().filter(|r| !r.replayed).count(), 1);
    assert_eq!(state(&k1, 1), "active");
    let applied: i64 = agency
        .psql(&format!(
            "SELECT count(*) FROM audit WHERE action = 'card.state' AND detail LIKE '%{}%'",
            case_id("K1", 2)
        ))
        .trim()
        .parse()
        .unwrap();
    assert_eq!(applied, 1);
}

/// Two kiosks commit conflicting changes to one card at the same moment, many times over:
/// exactly one wins each time, the other is refused with a message that says why.
#[test]
fn two_kiosks_on_one_card_never_both_win() {
    let agency = Agency::serving();
    let a = agency.kiosk("KA");
    let b = agency.kiosk("KB");
    let rounds = 20;
    seed(&a, "KA", rounds, CardState::Active);
    for n in 1..=rounds {
        let barrier = Arc::new(Barrier::new(2));
        let run = |k: &Client, kiosk: &'static str, to: CardState| {
            let (k, barrier) = (k.clone(), barrier.clone());
            let body = set_state(kiosk, n, n, CardState::Active, to);
            std::thread::spawn(move || {
                barrier.wait();
                k.post(paths::COMMITS, &body)
            })
        };
        let ha = run(&a, "KA", CardState::LostTemporary);
        let hb = run(&b, "KB", CardState::Cancelled);
        let (ra, rb) = (ha.join().unwrap(), hb.join().unwrap());
        let mut statuses = [ra.status, rb.status];
        statuses.sort();
        assert_eq!(
            statuses,
            [200, 409],
            "round {n}: {} / {}",
            ra.text(),
            rb.text()
        );
        let loser = if ra.status == 409 { &ra } else { &rb };
        assert_eq!(loser.json()["error"], "conflict", "{}", loser.text());
        let message = loser.json()["message"].as_str().unwrap().to_string();
        assert!(
            message.contains("not active (正常) as planned"),
            "{message}"
        );
        let now = state(&a, n);
        let expected = if ra.status == 200 {
            "lost_temporary"
        } else {
            "cancelled"
        };
        assert_eq!(now, expected, "round {n}");
    }
    assert!(agency
        .ok(&["audit", "verify"])
        .contains("the audit log verifies"));
}

/// cancel_loss at kiosk A while replace runs at kiosk B (issue 16, step 4): B reserves the
/// card for its case before its card command; A's reservation — and any commit of A on that
/// card — is refused before A touches the card, with a message naming B's case. Once B has
/// committed, A's plan (lost → active) no longer matches the card.
#[test]
fn cancel_loss_at_one_kiosk_while_replace_runs_at_another() {
    let agency = Agency::serving();
    let a = agency.kiosk("KA");
    let b = agency.kiosk("KB");
    seed(&a, "KA", 1, CardState::LostTemporary);

    // B (replace) reserves card and holder, expecting the card lost
    let r = b.post(
        paths::RESERVATIONS,
        &json!({"case_id": case_id("KB", 1), "cards": [card_number(1)],
                "persons": [id_number(1)],
                "expect": [{"card_number": card_number(1), "state": "lost_temporary"}]}),
    );
    assert_eq!(r.status, 200, "{}", r.text());

    // A (cancel_loss) asks for the same card: refused, before its card command
    let r = a.post(
        paths::RESERVATIONS,
        &json!({"case_id": case_id("KA", 1), "cards": [card_number(1)],
                "expect": [{"card_number": card_number(1), "state": "lost_temporary"}]}),
    );
    assert_eq!(r.status, 409, "{}", r.text());
    assert_eq!(r.json()["error"], "busy", "{}", r.text());
    let message = r.json()["message"].as_str().unwrap().to_string();
    assert!(
        message.contains(&format!(
            "card *****0001 is being handled by case {}",
            case_id("KB", 1)
        )) && message.contains("at kiosk KB"),
        "{message}"
    );
    // and a commit of A without a reservation is refused the same way
    let r = a.post(
        paths::COMMITS,
        &set_state("KA", 1, 1, CardState::LostTemporary, CardState::Active),
    );
    assert_eq!(r.status, 409, "{}", r.text());
    assert_eq!(r.json()["error"], "busy", "{}", r.text());
    assert!(r.json()["message"]
        .as_str()
        .unwrap()
        .contains(&case_id("KB", 1)));

    // B's card command ran: B commits (the old card cancelled), which releases its lease
    let c = commit(
        Actor::Citizen(case_id("KB", 1)),
        Some(case("KB", 1, BusinessCode::Replace, Some(1))),
        vec![
            Change::MarkReplacementRequested {
                card_number: card_number(1),
            },
            Change::SetCardState {
                card_number: card_number(1),
                from: CardState::LostTemporary,
                to: CardState::Cancelled,
            },
        ],
    );
    let r = b.post(
        paths::COMMITS,
        &body(&format!("{}#1", case_id("KB", 1)), &c),
    );
    assert_eq!(r.status, 200, "{}", r.text());

    // A again: the lease is gone, the card is not lost any more
    let r = a.post(
        paths::RESERVATIONS,
        &json!({"case_id": case_id("KA", 1), "cards": [card_number(1)],
                "expect": [{"card_number": card_number(1), "state": "lost_temporary"}]}),
    );
    assert_eq!(r.status, 409, "{}", r.text());
    let message = r.json()["message"].as_str().unwrap().to_string();
    assert!(
        message.contains("card *****0001 is cancelled (注销) now, not lost_temporary"),
        "{message}"
    );
    assert_eq!(state(&a, 1), "cancelled");
}

#[test]
fn racing_reservations_one_wins_and_leases_expire() {
    let agency = Agency::serving();
    let a = agency.kiosk("KA");
    let b = agency.kiosk("KB");
    seed(&a, "KA", 10, CardState::Active);
    for n in 1..=10 {
        let barrier = Arc::new(Barrier::new(2));
        let go = |k: &Client, kiosk: &'static str| {
            let (k, barrier) = (k.clone(), barrier.clone());
            // a person not in the registry too: no row to lock, the unique item decides
            let body = json!({"case_id": case_id(kiosk, n), "cards": [card_number(n)],
                              "persons": [id_number(500 + n)], "ttl_s": 60});
            std::thread::spawn(move || {
                barrier.wait();
                k.post(paths::RESERVATIONS, &body)
            })
        };
        let (ha, hb) = (go(&a, "KA"), go(&b, "KB"));
        let (ra, rb) = (ha.join().unwrap(), hb.join().unwrap());
        let mut statuses = [ra.status, rb.status];
        statuses.sort();
        assert_eq!(
            statuses,
            [200, 409],
            "round {n}: {} / {}",
            ra.text(),
            rb.text()
        );
    }

    // a lease of 1 s: refused while it lives, granted to another case once it expired
    let r = a.post(
        paths::RESERVATIONS,
        &json!({"case_id": case_id("KA", 100), "persons": [id_number(700)], "ttl_s": 1}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let other = json!({"case_id": case_id("KB", 100), "persons": [id_number(700)]});
    let r = b.post(paths::RESERVATIONS, &other);
    assert_eq!((r.status, r.json()["error"].as_str()), (409, Some("busy")));
    std::thread::sleep(std::time::Duration::from_millis(1300));
    let r = b.post(paths::RESERVATIONS, &other);
    assert_eq!(r.status, 200, "{}", r.text());
    // B releases; A may have it again; releasing twice says there was nothing
    let r = b.delete(&format!("/v1/reservations/{}", case_id("KB", 100)));
    assert_eq!(r.json()["released"], true);
    let r = b.delete(&format!("/v1/reservations/{}", case_id("KB", 100)));
    assert_eq!(r.json()["released"], false);
    let r = a.post(
        paths::RESERVATIONS,
        &json!({"case_id": case_id("KA", 101), "persons": [id_number(700)]}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    // too long a lease, a lease of another kiosk's case
    let r = a.post(
        paths::RESERVATIONS,
        &json!({"case_id": case_id("KA", 102), "cards": [card_number(1)], "ttl_s": 601}),
    );
    assert_eq!(r.status, 422);
    let r = a.delete(&format!("/v1/reservations/{}", case_id("KB", 1)));
    assert_eq!(r.status, 403);
}

/// 信息变更's structured address: the division code is kept in the sealed person next to the
/// written-out address, a new address without one clears it, and a code of another shape is
/// refused with nothing written.
#[test]
fn a_contact_change_keeps_the_division_next_to_the_address() {
    let agency = Agency::serving();
    let k1 = agency.kiosk("K1");
    seed(&k1, "K1", 1, CardState::Active);
    let address = "新疆维吾尔自治区昌吉回族自治州昌吉市延安北路街道北京路12号";
    let contact = |case_n: u32, address: Option<&str>, division: Option<&str>| {
        let c = commit(
            Actor::Citizen(case_id("K1", case_n)),
            Some(case("K1", case_n, BusinessCode::ChangeInfo, Some(1))),
            vec![Change::SetContact {
                id_number: id_number(1),
                phone: None,
                address: address.map(str::to_string),
                division: division.map(str::to_string),
            }],
        );
        k1.post(
            paths::COMMITS,
            &body(&format!("{}#1", case_id("K1", case_n)), &c),
        )
    };
    let person = || k1.get(&format!("/v1/persons/{}", id_number(1))).json()["person"].clone();

    let r = contact(1, Some(address), Some("652301002"));
    assert_eq!(r.status, 200, "{}", r.text());
    let p = person();
    assert_eq!(p["address"], address);
    assert_eq!(p["address_division"], "652301002");

    let before = audit_count(&agency);
    for (n, division, field) in [
        (2, Some("6523010"), "division must be"),
        (3, Some("65230100x"), "division must be"),
    ] {
        let r = contact(n, Some("新疆昌吉市北京路1号"), division);
        assert_eq!(
            (r.status, r.json()["error"].as_str()),
            (422, Some("invalid")),
            "{}",
            r.text()
        );
        let message = r.json()["message"].as_str().unwrap().to_string();
        assert!(message.contains(field), "{message}");
    }
    let r = contact(4, None, Some("652301002"));
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.text().contains("no address"), "{}", r.text());
    assert_eq!(audit_count(&agency), before, "nothing of a refused commit");
    assert_eq!(person()["address_division"], "652301002");

    // An address typed in full clears the division.
    let r = contact(5, Some("新疆昌吉市北京路1号"), None);
    assert_eq!(r.status, 200, "{}", r.text());
    let p = person();
    assert_eq!(p["address"], "新疆昌吉市北京路1号");
    assert!(p.get("address_division").is_none(), "{p}");
}
