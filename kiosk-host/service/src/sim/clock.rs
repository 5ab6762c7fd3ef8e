//! The simulated passing of time: `POST /api/sim/clock` moves the kiosk's clock forward, so a
//! test sees what happens after days (a temporary loss lifting by itself on the actor's timer).

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use super::answers::bad;
use crate::state::Shared;

#[derive(Debug, Deserialize)]
pub struct ClockReq {
    /// Seconds to move the clock forward (at most 400 days).
    pub advance_s: u32,
}

/// The longest single move.
const MAX_ADVANCE_S: u32 = 400 * 24 * 3600;

/// Moves the kiosk's clock forward; answers the kiosk's "now" after the move.
pub async fn advance_clock(State(s): State<Arc<Shared>>, Json(req): Json<ClockReq>) -> Response {
    if s.sim.is_none() {
        return StatusCode::NOT_FOUND.into_response();
    }
    if req.advance_s > MAX_ADVANCE_S {
        return bad(format!(
            "advance_s {} is over {MAX_ADVANCE_S}",
            req.advance_s
        ));
    }
    s.clock.advance(req.advance_s);
    Json(serde_json::json!({ "now": s.clock.now().to_rfc3339() })).into_response()
}
