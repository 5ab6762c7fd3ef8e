//! The simulated payment provider over HTTP (`/api/sim/payment`): the citizen's payment app
//! pays an order, or the provider lets it expire or fail; the orders listed. Kept apart from
//! [`super::payment`], which the devices hold, so that module needs nothing of the service.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use kiosk_core::payment::PayState;
use serde::Deserialize;

use super::answers::bad;
use crate::state::Shared;

#[derive(Debug, Deserialize)]
pub struct PaymentReq {
    /// `pay`, `expire` or `fail`.
    pub outcome: String,
    /// The order; the newest pending one when absent.
    #[serde(default)]
    pub order_id: Option<String>,
}

/// The citizen's payment app (pay) or the provider (expire, fail) settles an order.
pub async fn settle_payment(State(s): State<Arc<Shared>>, Json(req): Json<PaymentReq>) -> Response {
    let Some(sim) = &s.sim else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let to = match req.outcome.as_str() {
        "pay" => PayState::Paid,
        "expire" => PayState::Expired,
        "fail" => PayState::Failed,
        other => return bad(format!("unknown outcome {other:?}: pay, expire or fail")),
    };
    match sim.payment.settle(req.order_id.as_deref(), to) {
        Ok(id) => Json(serde_json::json!({ "order_id": id })).into_response(),
        Err(why) => bad(why),
    }
}

/// Every order the simulated provider holds.
pub async fn payments(State(s): State<Arc<Shared>>) -> Response {
    let Some(sim) = &s.sim else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let orders: Vec<_> = sim
        .payment
        .list()
        .into_iter()
        .map(|(id, case, fen, state)| {
            serde_json::json!({
                "order_id": id, "case_id": case, "amount_fen": fen,
                "state": format!("{state:?}").to_lowercase(),
            })
        })
        .collect();
    Json(serde_json::json!({ "orders": orders })).into_response()
}
