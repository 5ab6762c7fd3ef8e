//! Fees (issue 17, item 7): with a replacement fee configured, 换领 asks for the payment
//! after the confirm screen and before the card is touched; the simulated provider's order is
//! paid from `/api/sim/payment`, and the business goes on. A paid business that then fails is
//! refunded through the same provider, audited. Where the outlet takes payment at the counter,
//! a slip is printed and the card is never touched.

use std::path::Path;

use kiosk_core::domain::CardState;
use kiosk_core::store::{AuditLog, Registry};
use serde_json::{json, Value};
use tests::served::{kind, Served};

const WANG: &str = "expired.toml";
const WANG_CARD: &str = "A00000987";

fn kiosk_with(dir: &Path, business: &str) -> (Served, std::path::PathBuf) {
    let cfg = dir.join("kiosk.toml");
    std::fs::write(&cfg, format!("[business]\n{business}")).expect("config");
    let db = dir.join("kiosk.db");
    let k = Served::sim(&[
        "--config",
        cfg.to_str().expect("path"),
        "--db",
        db.to_str().expect("path"),
    ]);
    (k, db)
}

fn registry_state(db: &Path) -> CardState {
    tests::crash::open_db(db)
        .card(WANG_CARD)
        .expect("registry")
        .expect("the card")
        .state
}

fn audited(db: &Path, action: &str) -> usize {
    tests::crash::open_db(db)
        .entries(0, 100_000)
        .expect("audit")
        .into_iter()
        .filter(|e| e.action == action)
        .count()
}

/// 换领 for 王建国's expired card up to its confirm screen, acknowledged and confirmed: the
/// page that follows.
fn exchange_to_the_fee(k: &Served) -> Value {
    let mut page = k.api(
        "POST",
        "/api/session/start",
        json!({ "business": "exchange" }),
    );
    for _ in 0..12 {
        let sig = |p: &Value| (kind(p).to_string(), p["screen"]["ask"].clone());
        let was = sig(&page);
        page = match (kind(&page), page["screen"]["ask"]["kind"].as_str()) {
            ("ask", Some("id_card")) => {
                k.api("POST", "/api/sim/idcard", json!({ "person": WANG }));
                let p = k.wait_screen("the ID card read", |p| sig(p) != was);
                k.api("DELETE", "/api/sim/idcard", Value::Null);
                p
            }
            ("ask", Some("card")) => {
                k.api("POST", "/api/sim/card", json!({ "card": WANG }));
                k.wait_screen("the card read", |p| sig(p) != was)
            }
            // The photo checked and used (issue 22).
            ("ask", Some("photo")) => k.take_photo(),
            // The identity step (issue 19) comes before the confirmation, so before the fee.
            ("face", _) => {
                assert!(
                    orders(k).is_empty(),
                    "nothing asked before the identity step"
                );
                k.pass_identity()
            }
            ("ask", Some("reason")) => k.api(
                "POST",
                "/api/session/event",
                json!({ "action": "reason", "reason": "expiring" }),
            ),
            ("confirm", _) => {
                // What cannot be undone is said, and "confirm" is not taken before "I have
                // read this" (two deliberate touches).
                assert_eq!(page["screen"]["irreversible"], true, "{page}");
                assert!(
                    page["screen"]["consequences"]
                        .to_string()
                        .contains("不可撤销"),
                    "{page}"
                );
                let early = k.api("POST", "/api/session/event", json!({ "action": "confirm" }));
                assert_eq!(kind(&early), "confirm", "{early}");
                assert_eq!(early["screen"]["acknowledged"], false, "{early}");
                assert!(
                    orders(k).is_empty(),
                    "nothing asked before the acknowledgement"
                );
                let ack = k.api(
                    "POST",
                    "/api/session/event",
                    json!({ "action": "acknowledge" }),
                );
                assert_eq!(ack["screen"]["acknowledged"], true, "{ack}");
                return k.api("POST", "/api/session/event", json!({ "action": "confirm" }));
            }
            (other, _) => panic!("no way on from {other}: {page}"),
        };
    }
    panic!("too many screens: {page}")
}

fn orders(k: &Served) -> Vec<Value> {
    k.api("GET", "/api/sim/payment", Value::Null)["orders"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[test]
fn a_fee_is_paid_before_the_card_is_touched_then_the_business_goes_on() {
    let dir = tempfile::tempdir().expect("dir");
    let (k, db) = kiosk_with(dir.path(), "replacement_fee_fen = 2000\n");
    let page = exchange_to_the_fee(&k);
    assert_eq!(kind(&page), "pay", "{page}");
    assert_eq!(page["screen"]["amount"], "20.00 元", "{page}");
    assert!(page["screen"]["qr"].is_string(), "a payment QR: {page}");
    // Nothing was done yet: the card is still in use, its old record untouched.
    assert_eq!(registry_state(&db), CardState::Active);
    assert_eq!(audited(&db, "card.guard"), 0);
    let o = orders(&k);
    assert_eq!(o.len(), 1, "{o:?}");
    assert_eq!(
        (o[0]["amount_fen"].as_i64(), o[0]["state"].as_str()),
        (Some(2000), Some("pending"))
    );
    // Paid: the actor sees it on its tick and the business goes on to the card.
    k.api("POST", "/api/sim/payment", json!({ "outcome": "pay" }));
    let page = k.wait_screen("the business done", |p| kind(p) == "done");
    assert!(
        page["screen"]["receipt"].to_string().contains("预计制卡"),
        "{page}"
    );
    assert_eq!(
        registry_state(&db),
        CardState::Cancelled,
        "the old card cancelled"
    );
    assert_eq!(audited(&db, "payment.paid"), 1);
    assert_eq!(audited(&db, "payment.refunded"), 0);
}

#[test]
fn an_expired_payment_takes_nothing_and_a_failed_business_is_refunded() {
    let dir = tempfile::tempdir().expect("dir");
    let (k, db) = kiosk_with(dir.path(), "replacement_fee_fen = 2000\n");
    let page = exchange_to_the_fee(&k);
    assert_eq!(kind(&page), "pay", "{page}");
    // The payment expires: back on the confirm screen, told so, nothing taken or done.
    k.api("POST", "/api/sim/payment", json!({ "outcome": "expire" }));
    let page = k.wait_screen("the confirm screen again", |p| kind(p) == "confirm");
    assert!(
        page["screen"].to_string().contains("未收取任何费用")
            || page.to_string().contains("未收取任何费用"),
        "{page}"
    );
    assert_eq!(registry_state(&db), CardState::Active);
    // Confirmed again: a new order. The card is pulled before it is paid, so the business
    // cannot be carried out; put back, nothing has changed, and the payment is refunded.
    let page = k.api("POST", "/api/session/event", json!({ "action": "confirm" }));
    assert_eq!(kind(&page), "pay", "{page}");
    k.api("DELETE", "/api/sim/card", Value::Null);
    k.api("POST", "/api/sim/payment", json!({ "outcome": "pay" }));
    let page = k.wait_screen("the business stopped", |p| {
        matches!(kind(p), "interrupted" | "failed")
    });
    if kind(&page) == "interrupted" {
        k.api("POST", "/api/sim/card", json!({ "card": WANG }));
        k.wait_screen("the business failed", |p| kind(p) == "failed");
    }
    assert_eq!(
        registry_state(&db),
        CardState::Active,
        "nothing was changed"
    );
    let o = orders(&k);
    let states: Vec<&str> = o.iter().filter_map(|x| x["state"].as_str()).collect();
    assert_eq!(states, ["expired", "refunded"], "{o:?}");
    assert_eq!(audited(&db, "payment.refunded"), 1, "the refund is audited");
}

#[test]
fn at_the_counter_a_slip_is_printed_and_the_card_is_never_touched() {
    let dir = tempfile::tempdir().expect("dir");
    let (k, db) = kiosk_with(
        dir.path(),
        "replacement_fee_fen = 2000\npay_at_counter = true\n",
    );
    let page = exchange_to_the_fee(&k);
    assert_eq!(kind(&page), "pay", "{page}");
    assert!(page["screen"]["qr"].is_null(), "no payment QR: {page}");
    let slip = page["screen"]["slip"].to_string();
    assert!(slip.contains("缴费单") && slip.contains("20.00"), "{slip}");
    let printed = k.api("GET", "/api/sim/printer", Value::Null).to_string();
    assert!(printed.contains("缴费单"), "the slip is printed: {printed}");
    assert!(orders(&k).is_empty(), "no order at the kiosk");
    let page = k.api("POST", "/api/session/event", json!({ "action": "cancel" }));
    // The cards are handed back (take_cards, issue 22), then home.
    let page = k.home_after(page);
    assert_eq!(kind(&page), "home", "{page}");
    assert_eq!(
        registry_state(&db),
        CardState::Active,
        "the card was never touched"
    );
    assert_eq!(audited(&db, "payment.counter_slip"), 1);
}

#[test]
fn with_the_default_fee_of_zero_nothing_is_asked() {
    let dir = tempfile::tempdir().expect("dir");
    let (k, db) = kiosk_with(dir.path(), "");
    let page = exchange_to_the_fee(&k);
    assert_eq!(kind(&page), "done", "{page}");
    assert!(orders(&k).is_empty());
    assert_eq!(registry_state(&db), CardState::Cancelled);
}
