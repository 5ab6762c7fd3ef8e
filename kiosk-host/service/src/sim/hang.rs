//! `POST /api/sim/hang {"seconds": N}`: the session actor sleeps N seconds (at most
//! [`MAX_HANG`]) on its thread, as a hung one would, so the watchdog test sees the pings to
//! systemd stop (and, with a supervisor, the kiosk restarted). A simulated kiosk only.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use super::answers::{bad, error};
use crate::state::Shared;

/// The longest hang asked for.
pub const MAX_HANG: Duration = Duration::from_secs(600);

#[derive(Debug, Deserialize)]
pub struct HangReq {
    pub seconds: u64,
}

/// Makes the actor hang; answers at once (the actor is not asked anything).
pub async fn hang(State(s): State<Arc<Shared>>, Json(req): Json<HangReq>) -> Response {
    if s.sim.is_none() {
        return StatusCode::NOT_FOUND.into_response();
    }
    let how_long = Duration::from_secs(req.seconds);
    if how_long.is_zero() || how_long > MAX_HANG {
        return bad(format!(
            "seconds must be 1..={}, not {}",
            MAX_HANG.as_secs(),
            req.seconds
        ));
    }
    match s.actor.stall(how_long) {
        Ok(()) => Json(serde_json::json!({ "hanging_seconds": req.seconds })).into_response(),
        Err(e) => error(StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
    }
}
