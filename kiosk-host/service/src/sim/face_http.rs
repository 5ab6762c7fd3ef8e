//! The face scene chosen over HTTP: `POST /api/sim/face` and the `/sim` panel's form set who
//! stands at the simulated camera ([`super::face::FaceScene`]) for the identity step.

use std::sync::Arc;

use super::face::FaceScene;

/// `POST /api/sim/face` (and the panel's form): `{"scene": "live" | "held_up" |
/// "other_person"}`.
#[derive(Debug, serde::Deserialize)]
pub struct FaceSceneReq {
    pub scene: String,
}

pub async fn set_scene(
    axum::extract::State(s): axum::extract::State<Arc<crate::state::Shared>>,
    axum::Json(req): axum::Json<FaceSceneReq>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let Some(sim) = &s.sim else {
        return axum::http::StatusCode::NOT_FOUND.into_response();
    };
    let Some(scene) = FaceScene::from_name(&req.scene) else {
        return super::answers::bad(format!(
            "unknown face scene {:?} (live, held_up, other_person)",
            req.scene
        ));
    };
    *sim.face_scene.lock().unwrap_or_else(|p| p.into_inner()) = scene;
    axum::http::StatusCode::NO_CONTENT.into_response()
}

/// The panel's form: the scene set, then back to the panel.
pub async fn panel_scene(
    state: axum::extract::State<Arc<crate::state::Shared>>,
    form: crate::extract::PageForm<FaceSceneReq>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let r = set_scene(state, axum::Json(form.0)).await;
    if r.status().is_success() {
        axum::response::Redirect::to("/sim").into_response()
    } else {
        r
    }
}
