//! `GET /sim`: the simulated hardware's panel, and its forms (the same controls as the JSON
//! API, answered with a redirect back to the panel).

use crate::extract::PageForm;
use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use card_io::transport::ReaderProvider;
use hw_sim::backend::CARD_SLOT;
use serde::Deserialize;

use super::answers::names;
use super::cards::{CardReq, ReaderReq, SceneReq, SCENES};
use super::serial;
use super::serial::{paper_name, FaultReq, PersonReq, PrinterReq, QrReq};
use crate::state::Shared;

/// The ID module faults the panel offers.
pub const ID_FAULTS: [&str; 5] = ["none", "silence", "bad-checksum", "garbage", "read-fail:1"];

/// `GET /sim`: the hardware panel.
pub async fn panel(State(s): State<Arc<Shared>>) -> Response {
    let Some(sim) = &s.sim else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let cards = names(&sim.cards);
    let people = names(&sim.people);
    let reader_plugged = sim
        .readers
        .list_readers()
        .map(|l| l.iter().any(|r| r.name == CARD_SLOT))
        .unwrap_or(false);
    let paper = paper_name(sim.printer.state().paper).to_string();
    let id_card_on = sim.id_module.has_card();
    let devices = s
        .devices
        .all()
        .into_iter()
        .map(|h| {
            (
                serde_json::to_value(h.device)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                serde_json::to_value(h.state)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                h.message,
            )
        })
        .collect();
    let shared = s.clone();
    let page = tokio::task::spawn_blocking(move || {
        let shown = shared.shown();
        let printed = shared.sim.as_ref().map(|s| s.printed()).unwrap_or_default();
        ui_web::Page {
            lang: crate::screens::lang(shown.chrome.lang),
            elderly: shown.chrome.elderly,
            title: "模拟硬件 / Simulated hardware".into(),
            idle_timeout_s: None,
            in_session: false,
            sim: true,
            attract_after_s: None,
            staff_called: false,
            screen: ui_web::Screen::SimPanel {
                cards,
                people,
                scenes: SCENES.iter().map(|s| s.to_string()).collect(),
                card_present: shown.card_present,
                printed,
                reader_plugged,
                id_card_on,
                id_faults: ID_FAULTS.iter().map(|s| s.to_string()).collect(),
                paper,
                devices,
            },
        }
    })
    .await;
    match page {
        Ok(p) => axum::response::Html(ui_web::render_page(&p)).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

pub async fn panel_card(state: State<Arc<Shared>>, form: PageForm<CardReq>) -> Response {
    back(super::cards::insert_card(state, Json(form.0)).await)
}

pub async fn panel_remove(state: State<Arc<Shared>>) -> Response {
    back(super::cards::remove_card(state).await)
}

pub async fn panel_reader(state: State<Arc<Shared>>, form: PageForm<ReaderReq>) -> Response {
    back(super::cards::reader(state, Json(form.0)).await)
}

pub async fn panel_idcard(state: State<Arc<Shared>>, form: PageForm<PersonReq>) -> Response {
    back(serial::place_id_card(state, Json(form.0)).await)
}

pub async fn panel_id_fault(state: State<Arc<Shared>>, form: PageForm<FaultReq>) -> Response {
    back(serial::id_module_fault(state, Json(form.0)).await)
}

/// The panel's scan form: `ecard=FILE` or `text=…` (an empty field is left out).
#[derive(Debug, Deserialize)]
pub struct QrForm {
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    ecard: Option<String>,
}

pub async fn panel_qr(state: State<Arc<Shared>>, form: PageForm<QrForm>) -> Response {
    let nonempty = |v: Option<String>| v.filter(|t| !t.trim().is_empty());
    let req = QrReq {
        text: nonempty(form.0.text),
        ecard: nonempty(form.0.ecard),
    };
    back(serial::scan_qr(state, Json(req)).await)
}

pub async fn panel_printer(state: State<Arc<Shared>>, form: PageForm<PrinterReq>) -> Response {
    back(serial::printer(state, Json(form.0)).await)
}

pub async fn panel_scene(state: State<Arc<Shared>>, form: PageForm<SceneReq>) -> Response {
    back(super::cards::camera_scene(state, Json(form.0)).await)
}

fn back(r: Response) -> Response {
    if r.status().is_success() {
        axum::response::Redirect::to("/sim").into_response()
    } else {
        r
    }
}
