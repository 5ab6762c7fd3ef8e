//! The simulated serial devices' controls: the ID card module, the QR scanner and the
//! printer, each on its pty. The kiosk reads them through its production device threads, so
//! the controls that deliver an input wait (a bounded time) until the kiosk has taken it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use card_io::printer::Paper;
use hw_sim::idcard::person::Person;
use hw_sim::idcard::FaultSpec;
use serde::Deserialize;

use super::answers::{bad, error, file_in};
use super::hardware::SimDevices;
use crate::devices::Device;
use crate::published::Published;
use crate::state::Shared;
use kiosk_core::rules::Material;
use kiosk_core::store::Registry;

/// The longest a control waits for the kiosk to take an input.
const TAKE_WAIT: Duration = Duration::from_secs(15);

#[derive(Debug, Deserialize)]
pub struct PersonReq {
    pub person: String,
    /// Leave the card on the module (until `DELETE /api/sim/idcard`) instead of taking it
    /// back once the kiosk has read it.
    #[serde(default)]
    pub hold: bool,
}

/// How a placed card went.
enum Taken {
    /// The kiosk read it (or no screen was waiting for one): the card was taken back.
    Done,
    /// A screen waited, but no read came in time: the card was taken back.
    NotRead(String),
}

/// Places a demo person's ID card (a file of `hw-sim/people`) on the simulated module. When
/// a screen waits for an ID card, answers once the kiosk has read it over the pty (GA 467),
/// then takes the card back, as a citizen does; `"hold": true` leaves it there.
pub async fn place_id_card(State(s): State<Arc<Shared>>, Json(req): Json<PersonReq>) -> Response {
    let Some(sim) = &s.sim else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let path = match file_in(&sim.people, &req.person) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let person = match Person::load(&path) {
        Ok(p) => p,
        Err(e) => return bad(e.to_string()),
    };
    let board = s.devices.clone();
    let before = taken(&s, Device::IdModule);
    if let Err(e) = sim.id_module.place(&person) {
        return bad(e.to_string());
    }
    if req.hold {
        return StatusCode::NO_CONTENT.into_response();
    }
    let shared = s.clone();
    let taken = tokio::task::spawn_blocking(move || {
        let deadline = Instant::now() + TAKE_WAIT;
        let outcome = loop {
            // One publication of the session actor shows both the card taken and the
            // screen that followed.
            let shown = shared.shown();
            if count_in(&shown, Device::IdModule) > before {
                break Taken::Done;
            }
            let waiting = shown
                .waiting_for(&[Material::IdCard, Material::AgentIdCard])
                .is_some();
            if !waiting {
                break Taken::Done;
            }
            if Instant::now() >= deadline {
                let why = board
                    .down_message(Device::IdModule)
                    .unwrap_or_else(|| "the kiosk did not read the card".into());
                break Taken::NotRead(why);
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        if let Some(sim) = &shared.sim {
            sim.id_module.lift();
        }
        outcome
    })
    .await;
    match taken {
        Ok(Taken::Done) => StatusCode::NO_CONTENT.into_response(),
        Ok(Taken::NotRead(why)) => error(StatusCode::GATEWAY_TIMEOUT, why),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// Takes the card off the module.
pub async fn lift_id_card(State(s): State<Arc<Shared>>) -> Response {
    let Some(sim) = &s.sim else {
        return StatusCode::NOT_FOUND.into_response();
    };
    sim.id_module.lift();
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Debug, Deserialize)]
pub struct FaultReq {
    /// `none`, or a hw-sim fault: `silence`, `bad-checksum`, `garbage`, `split`, `no-card`,
    /// `select-fail`, `read-fail`, each optionally `:N` (the next N answers only).
    pub fault: String,
}

/// Sets (or clears, `none`) the ID module's fault.
pub async fn id_module_fault(State(s): State<Arc<Shared>>, Json(req): Json<FaultReq>) -> Response {
    let Some(sim) = &s.sim else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if req.fault == "none" {
        sim.id_module.clear_faults();
        return StatusCode::NO_CONTENT.into_response();
    }
    match req.fault.parse::<FaultSpec>() {
        Ok(spec) => {
            sim.id_module.set_fault(spec);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => bad(e),
    }
}

#[derive(Debug, Deserialize)]
pub struct QrReq {
    /// The text to scan, as it is.
    #[serde(default)]
    pub text: Option<String>,
    /// Or a demo person (a file of `hw-sim/people`) whose e-card app shows its dynamic code.
    #[serde(default)]
    pub ecard: Option<String>,
}

/// Scans a text on the simulated QR scanner; answers `{"qr": text}` once the kiosk has taken
/// the scan.
pub async fn scan_qr(State(s): State<Arc<Shared>>, Json(req): Json<QrReq>) -> Response {
    if s.sim.is_none() {
        return StatusCode::NOT_FOUND.into_response();
    }
    let shared = s.clone();
    let scanned = tokio::task::spawn_blocking(move || {
        let Some(sim) = &shared.sim else {
            return Err(Box::new(StatusCode::NOT_FOUND.into_response()));
        };
        let text = match (req.text, req.ecard) {
            // Longer than the scanner's line: the kiosk would drop it, so refuse it now.
            (Some(t), None) if t.len() > card_io::qr::line::DEFAULT_MAX_LINE => {
                return Err(Box::new(error(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!(
                        "the text is {} bytes; a scan is at most {} (the scanner's line)",
                        t.len(),
                        card_io::qr::line::DEFAULT_MAX_LINE
                    ),
                )))
            }
            (Some(t), None) if !t.is_empty() => t,
            (None, Some(person)) => ecard_code(&shared, sim, &person)?,
            _ => return Err(Box::new(bad("give either \"text\" or \"ecard\""))),
        };
        let board = shared.devices.clone();
        let before = taken(&shared, Device::QrScanner);
        sim.qr
            .scan(&text)
            .map_err(|e| Box::new(error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())))?;
        let deadline = Instant::now() + TAKE_WAIT;
        while taken(&shared, Device::QrScanner) == before {
            if Instant::now() >= deadline {
                let why = board
                    .down_message(Device::QrScanner)
                    .unwrap_or_else(|| "the kiosk did not take the scan".into());
                return Err(Box::new(error(StatusCode::GATEWAY_TIMEOUT, why)));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(text)
    })
    .await;
    match scanned {
        Ok(Ok(text)) => Json(serde_json::json!({ "qr": text })).into_response(),
        Ok(Err(r)) => *r,
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// Inputs `device` delivered that the screen shows the outcome of: the count in the session
/// actor's latest publication, not on the board (which is ahead of it for a moment).
fn taken(s: &Shared, device: Device) -> u64 {
    count_in(&s.shown(), device)
}

fn count_in(shown: &Published, device: Device) -> u64 {
    shown
        .devices
        .iter()
        .find(|h| h.device == device)
        .map_or(0, |h| h.events)
}

#[derive(Debug, Deserialize)]
pub struct EcardQuery {
    pub person: String,
}

/// `GET /api/sim/ecard-qr?person=FILE`: the dynamic code the person's e-card app shows now
/// (valid for 60 seconds), `{"qr": …}`; 409 when the person has no e-card yet.
pub async fn ecard_qr(State(s): State<Arc<Shared>>, Query(q): Query<EcardQuery>) -> Response {
    if s.sim.is_none() {
        return StatusCode::NOT_FOUND.into_response();
    }
    let shared = s.clone();
    let code = tokio::task::spawn_blocking(move || match &shared.sim {
        Some(sim) => ecard_code(&shared, sim, &q.person),
        None => Err(Box::new(StatusCode::NOT_FOUND.into_response())),
    })
    .await;
    match code {
        Ok(Ok(code)) => Json(serde_json::json!({ "qr": code })).into_response(),
        Ok(Err(r)) => *r,
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// The person's newest e-card, signed now as the e-card app would.
fn ecard_code(s: &Shared, sim: &SimDevices, person: &str) -> Result<String, Box<Response>> {
    let path = file_in(&sim.people, person)?;
    let p = Person::load(&path).map_err(|e| Box::new(bad(e.to_string())))?;
    let id = p.text.id_number;
    let ecards = s
        .records
        .with(|store| store.ecards_of(&id))
        .map_err(|e| Box::new(error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())))?;
    let Some(e) = ecards.iter().max_by_key(|e| e.issued_at) else {
        return Err(Box::new(error(
            StatusCode::CONFLICT,
            format!("{person} has no e-card yet: do the e-card business (ecard) first"),
        )));
    };
    Ok(kiosk_core::ecard::sign_dynamic_ref(
        &sim.ecard_key,
        &e.token_id,
        chrono::Utc::now(),
    ))
}

#[derive(Debug, Deserialize)]
pub struct PrinterReq {
    /// `ok`, `near_end` or `out`.
    #[serde(default)]
    pub paper: Option<String>,
    /// False: the printer goes silent (no answers to status queries).
    #[serde(default)]
    pub answering: Option<bool>,
    /// False: cover open.
    #[serde(default)]
    pub online: Option<bool>,
}

/// Changes the simulated printer's paper, answering or online state; answers with
/// [`printer_state`].
pub async fn printer(State(s): State<Arc<Shared>>, Json(req): Json<PrinterReq>) -> Response {
    let Some(sim) = &s.sim else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if let Some(paper) = req.paper.as_deref() {
        let paper = match paper {
            "ok" => Paper::Ok,
            "near_end" => Paper::NearEnd,
            "out" => Paper::Out,
            other => return bad(format!("unknown paper {other:?} (ok, near_end, out)")),
        };
        sim.printer.set_paper(paper);
    }
    if let Some(a) = req.answering {
        sim.printer.set_answering(a);
    }
    if let Some(o) = req.online {
        sim.printer.set_online(o);
    }
    Json(printer_state(sim)).into_response()
}

/// `GET /api/sim/printer`: the printer's state and what it printed (decoded from the ESC/POS
/// bytes it received), newest last.
pub async fn printer_get(State(s): State<Arc<Shared>>) -> Response {
    let Some(sim) = &s.sim else {
        return StatusCode::NOT_FOUND.into_response();
    };
    Json(printer_state(sim)).into_response()
}

pub fn printer_state(sim: &SimDevices) -> serde_json::Value {
    let st = sim.printer.state();
    let receipts = sim.printed();
    serde_json::json!({
        "paper": paper_name(st.paper),
        "online": st.online,
        "answering": st.answering,
        "receipts": receipts,
        // issue 22: the raster images of each receipt (a Uyghur one's lines).
        "images": sim.printed_images(),
    })
}

pub fn paper_name(p: Paper) -> &'static str {
    match p {
        Paper::Ok => "ok",
        Paper::NearEnd => "near_end",
        Paper::Out => "out",
    }
}
