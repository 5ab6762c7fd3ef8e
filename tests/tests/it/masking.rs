//! Masking on every screen and receipt: all 15 businesses walked through `kiosk serve --sim`
//! over its JSON API, on one kiosk (the demo registry changes as the walks run, so the order
//! matters, as in the browser walk). At every step the JSON page, the HTML page and, at the
//! end, the printed receipt are searched for the full ID number, name, phone numbers and card
//! numbers of every demo person: none may appear; the masked forms of `kiosk_core::mask` do.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use kiosk_core::mask;
use tests::served::{kind, Served as Kiosk};

const CARD_PIN: &str = "123456";
const GOOD_PIN: &str = "580317";
const NEW_PHONE: &str = "13800138000";

/// One business: who, which card, what the forms get.
struct Walk {
    code: &'static str,
    holder: &'static str,
    agent: Option<&'static str>,
    card: Option<&'static str>,
    reason: Option<&'static str>,
    bank: Option<&'static str>,
    pin_old: &'static str,
}

const fn walk(code: &'static str, holder: &'static str, card: Option<&'static str>) -> Walk {
    Walk {
        code,
        holder,
        agent: None,
        card,
        reason: None,
        bank: None,
        pin_old: CARD_PIN,
    }
}

/// The 15 businesses, in an order the demo registry allows.
fn walks() -> Vec<Walk> {
    vec![
        walk("apply", "long-term.toml", None),
        walk("status", "v2-3des.toml", Some("v2-3des.toml")),
        walk("ecard", "v2-3des.toml", None),
        walk("change_info", "v2-3des.toml", Some("v2-3des.toml")),
        walk("photo", "v2-3des.toml", None),
        walk("pin_change", "v2-3des.toml", Some("v2-3des.toml")),
        walk("pin_reset", "v2-3des.toml", Some("v2-3des.toml")),
        walk("pin_unblock", "pin-blocked.toml", Some("pin-blocked.toml")),
        walk(
            "cancel_loss",
            "t0-blocked-6a81.toml",
            Some("t0-blocked-6a81.toml"),
        ),
        Walk {
            reason: Some("expiring"),
            ..walk("exchange", "expired.toml", Some("expired.toml"))
        },
        walk("reissue", "v3-sm4.toml", Some("v3-sm4.toml")),
        walk("enable", "v3-uyghur.toml", Some("v3-uyghur.toml")),
        Walk {
            agent: Some("long-term.toml"),
            ..walk("report_loss", "v2-3des.toml", None)
        },
        walk("replace", "v2-3des.toml", None),
        Walk {
            reason: Some("emigration"),
            bank: Some("ICBC-652301-20261128-0042"),
            ..walk("cancel", "v3-uyghur.toml", Some("v3-uyghur.toml"))
        },
    ]
}

/// What must never appear in full, and the masked forms that may.
struct Secrets {
    full: Vec<String>,
    masked_ids: BTreeSet<String>,
}

fn secrets() -> Secrets {
    let mut full = Vec::new();
    let mut masked_ids = BTreeSet::new();
    let people = tests::kiosk::root().join("hw-sim/people");
    for entry in std::fs::read_dir(&people).expect("hw-sim/people") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let text = hw_sim::idcard::person::Person::load(&path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .text;
        masked_ids.insert(mask::id_number(&text.id_number));
        full.push(text.id_number.clone());
        // A one-character name cannot be told from its masked form's first letter.
        if text.name.chars().count() > 1 {
            full.push(text.name.clone());
        }
    }
    let cards = tests::kiosk::root().join("hw-sim/cards");
    for entry in std::fs::read_dir(&cards).expect("hw-sim/cards") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "toml") {
            let card =
                hw_sim::CardFile::load(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            full.push(card.ef05.card_number.clone());
        }
    }
    // The demo registry's phone number, and the one change_info gives.
    full.push("13912345678".into());
    full.push(NEW_PHONE.into());
    full.push(CARD_PIN.into());
    full.push(GOOD_PIN.into());
    full.sort();
    full.dedup();
    Secrets { full, masked_ids }
}

fn assert_masked(secrets: &Secrets, where_: &str, text: &str) {
    let leaked: Vec<&String> = secrets
        .full
        .iter()
        .filter(|s| text.contains(s.as_str()))
        .collect();
    assert!(leaked.is_empty(), "{where_}: {leaked:?} in full in\n{text}");
}

/// Waits until the screen is no longer `before` (the devices work on their own threads).
fn next(k: &Kiosk, before: &Value) -> Value {
    let sig = |p: &Value| {
        (
            kind(p).to_string(),
            p["screen"]["ask"].clone(),
            p["screen"]["problem"].clone(),
        )
    };
    let was = sig(before);
    k.wait_screen("the next screen", |p| sig(p) != was)
}

/// Walks one business; returns the receipt lines printed.
fn run(k: &Kiosk, w: &Walk, secrets: &Secrets, seen_masked: &mut BTreeSet<String>) -> Vec<String> {
    let start = if w.agent.is_some() {
        json!({ "business": w.code, "agent": "true" })
    } else {
        json!({ "business": w.code })
    };
    let mut page = k.post_json("/api/session/start", &start);
    let mut receipt = Vec::new();
    for step in 0..20 {
        let label = format!("{} step {step} ({})", w.code, kind(&page));
        // The one exception: the 信息变更 confirm screen shows the phone number just typed in
        // full to the person who typed it, so a typo can be caught (issue 17, item 9).
        let typed = |text: &str| -> String {
            if w.code == "change_info" && kind(&page) == "confirm" {
                assert!(text.contains(NEW_PHONE), "{label}: the typed phone in full");
                text.replace(NEW_PHONE, "")
            } else {
                text.to_string()
            }
        };
        assert_masked(secrets, &format!("{label} JSON"), &typed(&page.to_string()));
        let html = k.get("/session", None).body;
        assert_masked(secrets, &format!("{label} HTML"), &typed(&html));
        for m in &secrets.masked_ids {
            if page.to_string().contains(m.as_str()) {
                seen_masked.insert(m.clone());
            }
        }
        let event = |body: Value| k.post_json("/api/session/event", &body);
        page = match kind(&page) {
            "ask" => match page["screen"]["ask"]["kind"].as_str().unwrap_or("") {
                "id_card" => {
                    let agent_step = page["screen"]["ask"]["agent"] == true;
                    let person = if agent_step {
                        w.agent.expect("an agent")
                    } else {
                        w.holder
                    };
                    k.api("POST", "/api/sim/idcard", json!({ "person": person }));
                    let p = next(k, &page);
                    k.api("DELETE", "/api/sim/idcard", Value::Null);
                    p
                }
                "card" => {
                    let card = w.card.unwrap_or(w.holder);
                    k.api("POST", "/api/sim/card", json!({ "card": card }));
                    next(k, &page)
                }
                "photo" => k.take_photo(),
                "contact" => event(json!({
                    "action": "contact", "phone": NEW_PHONE, "division": "652301002",
                    "street": "延安北路30号"
                })),
                "reason" => {
                    event(json!({ "action": "reason", "reason": w.reason.expect("a reason") }))
                }
                "bank_receipt" => {
                    event(json!({ "action": "bank", "receipt": w.bank.expect("a receipt") }))
                }
                other => panic!("{label}: an unexpected question {other}: {page}"),
            },
            "face" => k.pass_identity(),
            "confirm" => {
                // An irreversible business takes two touches: "I have read this", then confirm.
                if page["screen"]["irreversible"] == true {
                    event(json!({ "action": "acknowledge" }));
                }
                event(json!({ "action": "confirm" }))
            }
            "pins" => {
                let s = &page["screen"];
                let mut body = json!({ "action": "pins" });
                if s["old"] == true {
                    body["old"] = json!(w.pin_old);
                }
                if s["new"] == true {
                    body["new"] = json!(GOOD_PIN);
                    body["repeat"] = json!(GOOD_PIN);
                }
                event(body)
            }
            "done" => {
                event(json!({ "action": "print" }));
                let printed = k.api("GET", "/api/sim/printer", Value::Null);
                let text = printed.to_string();
                assert_masked(secrets, &format!("{} receipt", w.code), &text);
                receipt = printed["receipts"]
                    .as_array()
                    .and_then(|r| r.last())
                    .and_then(|r| r.as_array())
                    .map(|l| {
                        l.iter()
                            .map(|x| x.as_str().unwrap_or("").to_string())
                            .collect()
                    })
                    .unwrap_or_default();
                event(json!({ "action": "rate", "level": 5 }));
                break;
            }
            other => panic!("{label}: the walk stopped on {other}: {page}"),
        };
    }
    if w.card.is_some() {
        k.api("DELETE", "/api/sim/card", Value::Null);
    }
    assert_eq!(kind(&k.home_after(k.screen())), "home", "{} ended", w.code);
    receipt
}

#[test]
fn no_full_personal_data_on_any_screen_or_receipt_of_any_business() {
    let k = Kiosk::sim(&[]);
    let secrets = secrets();
    assert!(secrets.full.len() >= 20, "{:?}", secrets.full);
    let mut seen_masked = BTreeSet::new();
    let mut receipts = 0;
    for w in walks() {
        let receipt = run(&k, &w, &secrets, &mut seen_masked);
        assert!(!receipt.is_empty(), "{}: a receipt was printed", w.code);
        receipts += 1;
    }
    assert_eq!(receipts, 15);
    // The masked forms are what the screens show instead (every holder walked).
    for holder in [
        "long-term.toml",
        "v2-3des.toml",
        "pin-blocked.toml",
        "expired.toml",
    ] {
        let id = tests::kiosk::id_text(holder).id_number;
        assert!(
            seen_masked.contains(&mask::id_number(&id)),
            "{holder}: {seen_masked:?}"
        );
    }
    // The home page and the guide too.
    assert_masked(&secrets, "home", &k.get("/", None).body);
    assert_masked(&secrets, "guide", &k.get("/guide", None).body);
}
