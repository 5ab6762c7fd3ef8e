//! `kiosk serve --sim`: in-process simulated hardware (hw-sim's card OS and PSAM on its
//! reader backend, the camera's scenes) and the controls tests and the developer panel use:
//! insert or pull a card, place a demo person's ID card, show the camera a scene.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use card_io::camera::{FrameSource, Resolution};
use hw_sim::backend::{CARD_SLOT, PSAM_SLOT};
use hw_sim::camera::{Scene, SimCamera};
use hw_sim::{CardOs, PsamOptions, PsamOs, SimReaders};
use serde::Deserialize;

use super::core::Camera;
use super::Shared;

/// The simulated devices.
pub struct SimDevices {
    pub readers: Arc<SimReaders>,
    /// `hw-sim/cards` and `hw-sim/people`.
    pub cards: PathBuf,
    pub people: PathBuf,
    pub scene: Arc<Mutex<Scene>>,
}

impl SimDevices {
    /// Readers with the PSAM in its slot and no card.
    pub fn new(root: &std::path::Path) -> Result<SimDevices, String> {
        let readers = Arc::new(SimReaders::new());
        let psam = PsamOs::new(PsamOptions::default()).map_err(|e| e.to_string())?;
        readers.insert(PSAM_SLOT, Box::new(psam));
        Ok(SimDevices {
            readers,
            cards: root.join("hw-sim/cards"),
            people: root.join("hw-sim/people"),
            scene: Arc::new(Mutex::new(Scene::Good)),
        })
    }

    pub fn camera(&self) -> Box<dyn Camera> {
        Box::new(SimCam {
            scene: self.scene.clone(),
        })
    }
}

struct SimCam {
    scene: Arc<Mutex<Scene>>,
}

impl Camera for SimCam {
    fn frame(&mut self) -> Result<image::RgbImage, String> {
        let scene = *self.scene.lock().unwrap_or_else(|p| p.into_inner());
        SimCamera::new(scene, Resolution::HD)
            .and_then(|mut c| c.frame())
            .map_err(|e| e.to_string())
    }
}

/// A file name inside one of the simulator's folders (no paths from the network).
fn file_in(dir: &std::path::Path, name: &str) -> Result<PathBuf, Box<Response>> {
    let ok = !name.is_empty()
        && name.ends_with(".toml")
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !name.contains("..");
    let path = dir.join(name);
    if ok && path.is_file() {
        Ok(path)
    } else {
        Err(Box::new(
            (
                StatusCode::BAD_REQUEST,
                Json(serde_json::json!({ "error": format!("no such simulated file: {name:?}") })),
            )
                .into_response(),
        ))
    }
}

#[derive(Debug, Deserialize)]
pub struct CardReq {
    card: String,
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
            sim.readers.insert(CARD_SLOT, Box::new(card));
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => (
            StatusCode::BAD_REQUEST,
            Json(serde_json::json!({ "error": e.to_string() })),
        )
            .into_response(),
    }
}

/// Pulls the card out of the reader.
pub async fn remove_card(State(s): State<Arc<Shared>>) -> Response {
    let Some(sim) = &s.sim else {
        return StatusCode::NOT_FOUND.into_response();
    };
    sim.readers.remove(CARD_SLOT);
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Debug, Deserialize)]
pub struct PersonReq {
    person: String,
}

/// Places a demo person's ID card (a file of `hw-sim/people`) on the ID card module.
pub async fn place_id_card(State(s): State<Arc<Shared>>, Json(req): Json<PersonReq>) -> Response {
    let Some(sim) = &s.sim else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let path = match file_in(&sim.people, &req.person) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let person = match hw_sim::idcard::person::Person::load(&path) {
        Ok(p) => p,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                Json(serde_json::json!({ "error": e.to_string() })),
            )
                .into_response()
        }
    };
    let shared = s.clone();
    let done = tokio::task::spawn_blocking(move || {
        let mut core = shared.core.lock().unwrap_or_else(|p| p.into_inner());
        core.id_card(&person.text);
    })
    .await;
    s.notify("session");
    match done {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

#[derive(Debug, Deserialize)]
pub struct SceneReq {
    scene: String,
}

/// What the simulated camera sees: `good`, `cluttered`, `too_far`, `too_close`, `off_centre`,
/// `empty`.
pub async fn camera_scene(State(s): State<Arc<Shared>>, Json(req): Json<SceneReq>) -> Response {
    let Some(sim) = &s.sim else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let scene = match req.scene.as_str() {
        "good" => Scene::Good,
        "cluttered" => Scene::Cluttered,
        "too_far" => Scene::TooFar,
        "too_close" => Scene::TooClose,
        "off_centre" => Scene::OffCentre,
        "studio_backdrop" => Scene::StudioBackdrop,
        other => {
            return (
                StatusCode::BAD_REQUEST,
                Json(serde_json::json!({ "error": format!("unknown scene {other:?}") })),
            )
                .into_response()
        }
    };
    *sim.scene.lock().unwrap_or_else(|p| p.into_inner()) = scene;
    StatusCode::NO_CONTENT.into_response()
}

/// The file names (`*.toml`) of a simulator folder, sorted.
fn names(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| n.ends_with(".toml"))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// The scenes `/api/sim/scene` and the panel offer.
pub const SCENES: [&str; 6] = [
    "good",
    "cluttered",
    "too_far",
    "too_close",
    "off_centre",
    "studio_backdrop",
];

/// `GET /sim`: the hardware panel.
pub async fn panel(State(s): State<Arc<Shared>>) -> Response {
    let Some(sim) = &s.sim else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let cards = names(&sim.cards);
    let people = names(&sim.people);
    let shared = s.clone();
    let page = tokio::task::spawn_blocking(move || {
        let core = shared.core.lock().unwrap_or_else(|p| p.into_inner());
        let printed = core
            .printed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        ui_web::Page {
            lang: super::screens::lang(core.lang),
            elderly: core.elderly,
            title: "模拟硬件 / Simulated hardware".into(),
            idle_timeout_s: None,
            in_session: false,
            sim: true,
            screen: ui_web::Screen::SimPanel {
                cards,
                people,
                scenes: SCENES.iter().map(|s| s.to_string()).collect(),
                card_present: core.card_present,
                printed,
            },
        }
    })
    .await;
    match page {
        Ok(p) => axum::response::Html(ui_web::render_page(&p)).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// The panel's forms: the same controls as the JSON API, answered with a redirect back.
pub async fn panel_card(state: State<Arc<Shared>>, form: axum::Form<CardReq>) -> Response {
    back(insert_card(state, Json(form.0)).await)
}

pub async fn panel_remove(state: State<Arc<Shared>>) -> Response {
    back(remove_card(state).await)
}

pub async fn panel_idcard(state: State<Arc<Shared>>, form: axum::Form<PersonReq>) -> Response {
    back(place_id_card(state, Json(form.0)).await)
}

pub async fn panel_scene(state: State<Arc<Shared>>, form: axum::Form<SceneReq>) -> Response {
    back(camera_scene(state, Json(form.0)).await)
}

fn back(r: Response) -> Response {
    if r.status().is_success() {
        axum::response::Redirect::to("/sim").into_response()
    } else {
        r
    }
}
