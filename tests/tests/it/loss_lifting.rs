//! A temporary loss report (临时挂失) lifts by itself at the end of its window while the kiosk
//! runs (issue 17, item 5): at every card insertion (the engine takes `now`, injected here),
//! and on the session actor's timer (the `--sim` kiosk's clock moved forward by days).

use chrono::Duration;
use hw_sim::Transport;
use kiosk_core::domain::{BusinessCode as B, CardState};
use kiosk_core::engine::session::Event;
use kiosk_core::store::{AuditLog, Registry};
use serde_json::{json, Value};
use tests::kiosk::{feed, id_text, now, start, TestKiosk};
use tests::rig::{InProcess, Rig};
use tests::served::{kind, Served};

const ZHANG: &str = "v2-3des.toml";
const ZHANG_CARD: &str = "A00000001";

#[test]
fn a_card_inserted_after_the_window_finds_its_loss_lifted_and_is_unblocked() {
    let rig = InProcess::new(Transport::T1);
    let k = TestKiosk::new();
    let e = k.engine(rig.provider(), &|_| Ok(()));
    let window = Duration::days(i64::from(k.config.business.temporary_loss_days));
    assert_eq!(window, Duration::days(15), "the default window");

    let mut s = start(&e, B::ReportLoss, false);
    feed(
        &e,
        &mut s,
        e.id_card_read(&id_text(ZHANG)).expect("ID card"),
    );
    feed(&e, &mut s, Event::Confirm);
    let state = || k.store.card(ZHANG_CARD).unwrap().unwrap().state;
    assert_eq!(state(), CardState::LostTemporary);

    // Inside the window: nothing lifts, and a card put in is blocked for the loss.
    assert_eq!(
        e.lift_expired_losses(now() + window - Duration::hours(1))
            .unwrap(),
        0
    );
    rig.insert(tests::card(ZHANG, Transport::T1));
    let ins = e
        .card_inserted(now() + Duration::days(1))
        .expect("card read");
    assert!(
        ins.guarded.is_some(),
        "the lost card is blocked when put in"
    );
    assert_eq!(state(), CardState::LostTemporary);

    // After the window: the insertion itself lifts the loss and unblocks the card.
    let later = now() + window + Duration::hours(1);
    let ins = e.card_inserted(later).expect("card read");
    assert_eq!(state(), CardState::Active, "lifted at the insertion");
    assert!(
        ins.guarded.is_some(),
        "the card blocked for the loss is unblocked"
    );
    let conn =
        kiosk_core::card_ops::connect_card(rig.provider(), &Default::default()).expect("card");
    let status = kiosk_core::card_ops::status(conn, tests::today()).expect("status");
    assert_eq!(status.application, card_io::sscard::AppState::Active);
    let lifted = k
        .store
        .entries(0, 10_000)
        .unwrap()
        .into_iter()
        .filter(|a| {
            a.action == "card.loss_lifted" && a.subject == kiosk_core::mask::card_number(ZHANG_CARD)
        })
        .count();
    assert_eq!(lifted, 1, "the lifting is audited once");
    // Nothing more to lift.
    assert_eq!(e.lift_expired_losses(later).unwrap(), 0);
}

fn start_loss(k: &Served) -> Value {
    let page = k.api(
        "POST",
        "/api/session/start",
        json!({ "business": "report_loss" }),
    );
    assert_eq!(page["screen"]["ask"]["kind"], "id_card", "{page}");
    k.api("POST", "/api/sim/idcard", json!({ "person": ZHANG }));
    let page = k.wait_screen("the ID card read", |p| {
        p["screen"]["ask"]["kind"] != "id_card"
    });
    k.api("DELETE", "/api/sim/idcard", Value::Null);
    page
}

#[test]
fn the_actor_lifts_a_loss_when_its_window_ends_while_the_kiosk_runs() {
    let k = Served::sim(&[]);
    // Report the loss.
    let page = start_loss(&k);
    assert_eq!(kind(&page), "confirm", "{page}");
    let page = k.api("POST", "/api/session/event", json!({ "action": "confirm" }));
    assert_eq!(kind(&page), "done", "{page}");
    k.api("POST", "/api/session/event", json!({ "action": "finish" }));
    // A second report is refused: the card is lost already.
    let page = start_loss(&k);
    assert_eq!(kind(&page), "refused", "{page}");
    k.api("POST", "/api/session/event", json!({ "action": "finish" }));

    // Sixteen days pass, no card is put in: the actor's timer lifts the loss, so a new loss
    // report is possible again.
    let moved = k.api(
        "POST",
        "/api/sim/clock",
        json!({ "advance_s": 16 * 24 * 3600 }),
    );
    assert!(moved["now"].is_string(), "{moved}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let page = start_loss(&k);
        k.api("POST", "/api/session/event", json!({ "action": "cancel" }));
        if kind(&page) == "confirm" {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the loss was not lifted by the timer: {page}"
        );
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
}
