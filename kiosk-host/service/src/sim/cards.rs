//! The simulated card reader (insert, pull, unplug, plug back) and camera.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use hw_sim::backend::CARD_SLOT;
use hw_sim::camera::Scene;
use hw_sim::CardOs;
use serde::Deserialize;

use super::answers::{bad, file_in};
use crate::state::Shared;

#[derive(Debug, Deserialize)]
pub struct CardReq {
    pub card: String,
}

/// Puts a simulated card (a file of `hw-sim/cards`) in the card reader.
pub async fn insert_card(State(s): State<Arc<Shared>>, Json(req): Json<CardReq>) -> Response {
    let Some(sim) = &s.sim else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let path = match file_in(&sim.cards, &req.card) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    match CardOs::from_file(&path) {
        Ok(card) => {
            sim.readers.remove(CARD_SLOT);
            if sim.readers.insert(CARD_SLOT, Box::new(card)) {
                StatusCode::NO_CONTENT.into_response()
            } else {
                bad("the card reader is unplugged (POST /api/sim/reader {\"action\":\"start\"})")
            }
        }
        Err(e) => bad(e.to_string()),
    }
}

/// Pulls the card out of the reader.
pub async fn remove_card(State(s): State<Arc<Shared>>) -> Response {
    let Some(sim) = &s.sim else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let taken = sim.readers.remove(CARD_SLOT);
    if taken.is_some() {
        if let Ok(mut hand) = sim.in_hand.lock() {
            *hand = taken;
        }
    }
    StatusCode::NO_CONTENT.into_response()
}

/// Inserts again the card last taken out (the same chip, its state kept).
pub async fn insert_again(State(s): State<Arc<Shared>>) -> Response {
    let Some(sim) = &s.sim else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let card = sim.in_hand.lock().ok().and_then(|mut h| h.take());
    let Some(card) = card else {
        return bad("no card was taken out of the reader");
    };
    sim.readers.remove(CARD_SLOT);
    if sim.readers.insert(CARD_SLOT, card) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        bad("the card reader is unplugged (POST /api/sim/reader {\"action\":\"start\"})")
    }
}

#[derive(Debug, Deserialize)]
pub struct ReaderReq {
    /// `stop` (unplug the card reader: it disappears with any card in it) or `start` (plug
    /// it back, empty).
    pub action: String,
}

/// Unplugs or plugs back the card reader.
pub async fn reader(State(s): State<Arc<Shared>>, Json(req): Json<ReaderReq>) -> Response {
    let Some(sim) = &s.sim else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match req.action.as_str() {
        "stop" => sim.readers.unplug(CARD_SLOT),
        "start" => sim.readers.add_slot(CARD_SLOT),
        other => return bad(format!("unknown reader action {other:?} (stop, start)")),
    }
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Debug, Deserialize)]
pub struct SceneReq {
    pub scene: String,
}

/// The scenes `/api/sim/scene` and the panel offer; `unplugged` takes the camera away (any
/// other scene plugs it back).
pub const SCENES: [&str; 7] = [
    "good",
    "cluttered",
    "too_far",
    "too_close",
    "off_centre",
    "studio_backdrop",
    "unplugged",
];

/// What the simulated camera sees: one of [`SCENES`].
pub async fn camera_scene(State(s): State<Arc<Shared>>, Json(req): Json<SceneReq>) -> Response {
    let Some(sim) = &s.sim else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let plugged = req.scene != "unplugged";
    sim.camera_plugged
        .store(plugged, std::sync::atomic::Ordering::SeqCst);
    if !plugged {
        return StatusCode::NO_CONTENT.into_response();
    }
    let scene = match req.scene.as_str() {
        "good" => Scene::Good,
        "cluttered" => Scene::Cluttered,
        "too_far" => Scene::TooFar,
        "too_close" => Scene::TooClose,
        "off_centre" => Scene::OffCentre,
        "studio_backdrop" => Scene::StudioBackdrop,
        other => return bad(format!("unknown scene {other:?}")),
    };
    *sim.scene.lock().unwrap_or_else(|p| p.into_inner()) = scene;
    StatusCode::NO_CONTENT.into_response()
}
