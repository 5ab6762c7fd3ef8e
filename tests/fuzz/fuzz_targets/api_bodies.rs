//! The bodies `kiosk serve` accepts, through its real router (`--sim`: simulated card, PSAM,
//! ID module, camera; the demo registry in a fresh database), in-process: JSON bodies of
//! `/api/session/start` and `/api/session/event`, and the form posts of `/session/start` and
//! `/session/event`, raw or built from the actions and fields the screens post, mixed with
//! device events (a card inserted or pulled, an ID card read, a QR code scanned) given to the
//! session actor as its device threads give them, so that the session moves through its
//! phases.
//!
//! Checked: no request is answered with a 5xx (a panic in the session actor would be a 503 to
//! its caller, and aborts the fuzzer through libFuzzer's panic hook before that); every API
//! answer is JSON — a page for 200, the one `ApiError` body with the code that belongs to its
//! status otherwise; every form post is a redirect or an HTML page.
#![no_main]

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use arbitrary::Arbitrary;
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use firmware_config::BusinessCode;
use http_body_util::BodyExt;
use hw_sim::idcard::Person;
use hw_sim::CardOs;
use kiosk_service::devices::{DeviceEvent, IdCardData};
use kiosk_service::inputs::Input;
use kiosk_service::{self as server, ServeOptions, Shared};
use libfuzzer_sys::fuzz_target;
use tower::ServiceExt;

const CARDS: [&str; 6] = [
    "v3-sm4.toml",
    "v2-3des.toml",
    "v3-uyghur.toml",
    "expired.toml",
    "pin-blocked.toml",
    "t0-blocked-6a81.toml",
];
const PEOPLE: [&str; 7] = [
    "v3-sm4.toml",
    "v2-3des.toml",
    "v3-uyghur.toml",
    "expired.toml",
    "pin-blocked.toml",
    "t0-blocked-6a81.toml",
    "long-term.toml",
];
const ACTIONS: [&str; 15] = [
    "confirm",
    "cancel",
    "timeout",
    "finish",
    "more_time",
    "activity",
    "lack",
    "contact",
    "reason",
    "bank",
    "pins",
    "rate",
    "print",
    "photo",
    "",
];
const FIELDS: [&str; 12] = [
    "phone", "division", "street", "reason", "receipt", "old", "new", "repeat", "level", "reasons",
    "comment", "action",
];

#[derive(Arbitrary, Debug)]
enum Op {
    StartJson {
        body: Vec<u8>,
        json_type: bool,
    },
    EventJson {
        body: Vec<u8>,
        json_type: bool,
    },
    StartForm(Vec<u8>),
    EventForm(Vec<u8>),
    Start {
        business: u8,
        agent: Option<bool>,
        form: bool,
    },
    Event {
        action: u8,
        fields: Vec<(u8, String)>,
        level: Option<i64>,
        form: bool,
    },
    Session,
    InsertCard(u8),
    RemoveCard,
    IdCard(u8),
    Qr(String),
}

struct Kiosk {
    shared: Arc<Shared>,
    router: Router,
    rt: tokio::runtime::Runtime,
    root: PathBuf,
    _temp: Option<server::tempdir::Dir>,
}

fn kiosk() -> &'static Kiosk {
    static KIOSK: OnceLock<Kiosk> = OnceLock::new();
    KIOSK.get_or_init(|| {
        let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
        let opts = ServeOptions {
            sim: true,
            listen: Some("127.0.0.1:0".into()),
            root: root.clone(),
            ..ServeOptions::default()
        };
        let (shared, _, temp) = match server::build(&opts) {
            Ok(k) => k,
            Err(e) => panic!("kiosk serve --sim did not build: {e}"),
        };
        let rt = match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => rt,
            Err(e) => panic!("tokio: {e}"),
        };
        Kiosk {
            router: server::http::router(shared.clone()),
            shared,
            rt,
            root,
            _temp: temp,
        }
    })
}

fn form_encode(pairs: &[(&str, &str)]) -> Vec<u8> {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
                    char::from(b).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    };
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
        .into_bytes()
}

/// Sends one request and checks the answer's shape.
fn send(k: &Kiosk, method: Method, path: &str, content_type: &str, body: Vec<u8>) {
    let req = Request::builder()
        .method(method)
        .uri(path)
        // As the kiosk's browser sends it (the edge refuses a request naming no host).
        .header(header::HOST, "127.0.0.1")
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body));
    let req = match req {
        Ok(r) => r,
        Err(e) => panic!("request: {e}"),
    };
    let (status, headers, bytes) = k.rt.block_on(async {
        let resp = match k.router.clone().oneshot(req).await {
            Ok(r) => r,
            Err(e) => match e {},
        };
        let (parts, body) = resp.into_parts();
        let bytes = match body.collect().await {
            Ok(b) => b.to_bytes(),
            Err(e) => panic!("body: {e}"),
        };
        (parts.status, parts.headers, bytes)
    });
    assert!(
        !status.is_server_error(),
        "{path}: {status} {}",
        String::from_utf8_lossy(&bytes)
    );
    if path.starts_with("/api/") {
        let v: serde_json::Value = match serde_json::from_slice(&bytes) {
            Ok(v) => v,
            Err(e) => panic!(
                "{path}: {status}: not JSON ({e}): {}",
                String::from_utf8_lossy(&bytes)
            ),
        };
        if status == StatusCode::OK {
            assert!(v.is_object(), "{path}: a page is an object");
        } else {
            let code = v.get("error").and_then(|c| c.as_str()).unwrap_or_default();
            assert!(
                v.get("message").is_some_and(|m| m.is_string()),
                "{path}: {v}"
            );
            let want = match code {
                "bad_json" => StatusCode::BAD_REQUEST,
                "too_large" => StatusCode::PAYLOAD_TOO_LARGE,
                "unsupported_media_type" => StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "invalid_body" | "unknown_business" | "refused" => StatusCode::UNPROCESSABLE_ENTITY,
                "no_session" => StatusCode::CONFLICT,
                other => panic!("{path}: {status} with error code {other:?}: {v}"),
            };
            assert_eq!(status, want, "{path}: {v}");
        }
    } else if status.is_redirection() {
        assert!(
            headers.contains_key(header::LOCATION),
            "{path}: redirect without Location"
        );
    } else {
        let html = String::from_utf8_lossy(&bytes);
        assert!(
            html.contains("<html"),
            "{path}: {status} is not a page: {html}"
        );
    }
}

/// Gives the session actor a device event and waits until it has handled it.
fn device(k: &Kiosk, event: DeviceEvent) {
    if let Err(e) = k.shared.actor.device_wait(event) {
        panic!("the session actor: {e}");
    }
}

fuzz_target!(|ops: Vec<Op>| {
    let k = kiosk();
    let Some(sim) = k.shared.sim.as_ref() else {
        panic!("--sim without simulated devices");
    };
    // Every input starts from the home screen with no card in the reader.
    sim.readers.remove(hw_sim::backend::CARD_SLOT);
    device(k, DeviceEvent::CardRemoved);
    let mut cancel = Input::default();
    cancel.action = "cancel".into();
    if let Err(e) = k.shared.actor.input_wait(cancel, false) {
        panic!("the session actor: {e}");
    }
    for op in ops.into_iter().take(12) {
        match op {
            Op::StartJson { body, json_type } => {
                let ct = if json_type {
                    "application/json"
                } else {
                    "text/plain"
                };
                send(k, Method::POST, "/api/session/start", ct, body);
            }
            Op::EventJson { body, json_type } => {
                let ct = if json_type {
                    "application/json"
                } else {
                    "text/plain"
                };
                send(k, Method::POST, "/api/session/event", ct, body);
            }
            Op::StartForm(body) => send(
                k,
                Method::POST,
                "/session/start",
                "application/x-www-form-urlencoded",
                body,
            ),
            Op::EventForm(body) => send(
                k,
                Method::POST,
                "/session/event",
                "application/x-www-form-urlencoded",
                body,
            ),
            Op::Start {
                business,
                agent,
                form,
            } => {
                let code = BusinessCode::ALL[usize::from(business) % BusinessCode::ALL.len()];
                let code = match serde_json::to_value(code) {
                    Ok(serde_json::Value::String(s)) => s,
                    other => panic!("business code as JSON: {other:?}"),
                };
                let agent = agent.map(|a| if a { "true" } else { "0" });
                if form {
                    let mut pairs = vec![("business", code.as_str())];
                    pairs.extend(agent.map(|a| ("agent", a)));
                    let body = form_encode(&pairs);
                    send(
                        k,
                        Method::POST,
                        "/session/start",
                        "application/x-www-form-urlencoded",
                        body,
                    );
                } else {
                    let body = serde_json::json!({ "business": code, "agent": agent });
                    send(
                        k,
                        Method::POST,
                        "/api/session/start",
                        "application/json",
                        body.to_string().into_bytes(),
                    );
                }
            }
            Op::Event {
                action,
                fields,
                level,
                form,
            } => {
                let action = ACTIONS[usize::from(action) % ACTIONS.len()];
                let named: Vec<(&str, &str)> = fields
                    .iter()
                    .take(8)
                    .map(|(n, v)| (FIELDS[usize::from(*n) % FIELDS.len()], v.as_str()))
                    .collect();
                if form {
                    let mut pairs = vec![("action", action)];
                    pairs.extend(named.iter().copied());
                    let level = level.map(|l| l.to_string());
                    if let Some(l) = &level {
                        pairs.push(("level", l));
                    }
                    let body = form_encode(&pairs);
                    send(
                        k,
                        Method::POST,
                        "/session/event",
                        "application/x-www-form-urlencoded",
                        body,
                    );
                } else {
                    let mut obj = serde_json::Map::new();
                    for (n, v) in named {
                        if n == "reasons" {
                            obj.insert(n.into(), serde_json::json!([v]));
                        } else {
                            obj.insert(n.into(), v.into());
                        }
                    }
                    obj.insert("action".into(), action.into());
                    if let Some(l) = level {
                        obj.insert("level".into(), l.into());
                    }
                    let body = serde_json::Value::Object(obj).to_string().into_bytes();
                    send(
                        k,
                        Method::POST,
                        "/api/session/event",
                        "application/json",
                        body,
                    );
                }
            }
            Op::Session => send(
                k,
                Method::GET,
                "/api/session",
                "application/json",
                Vec::new(),
            ),
            Op::InsertCard(i) => {
                let path = k
                    .root
                    .join("hw-sim/cards")
                    .join(CARDS[usize::from(i) % CARDS.len()]);
                let card = match CardOs::from_file(&path) {
                    Ok(c) => c,
                    Err(e) => panic!("{}: {e}", path.display()),
                };
                sim.readers.remove(hw_sim::backend::CARD_SLOT);
                sim.readers
                    .insert(hw_sim::backend::CARD_SLOT, Box::new(card));
                device(k, DeviceEvent::CardInserted);
            }
            Op::RemoveCard => {
                sim.readers.remove(hw_sim::backend::CARD_SLOT);
                device(k, DeviceEvent::CardRemoved);
            }
            Op::IdCard(i) => {
                let path = k
                    .root
                    .join("hw-sim/people")
                    .join(PEOPLE[usize::from(i) % PEOPLE.len()]);
                let person = match Person::load(&path) {
                    Ok(p) => p,
                    Err(e) => panic!("{}: {e}", path.display()),
                };
                device(
                    k,
                    DeviceEvent::IdCard(Box::new(IdCardData {
                        text: person.text,
                        photo: None,
                    })),
                );
            }
            Op::Qr(text) => device(k, DeviceEvent::Qr(text)),
        }
    }
});
