//! The JSON API's handlers (everything under `/api` but the simulator's controls and the
//! suggestion box's): the session's page, starting a business, a citizen's input, the service
//! guide, the devices and the server-sent events. Each carries its OpenAPI operation; the
//! router that registers them and the document made from them are in [`crate::openapi`].
//! Their errors are all [`ApiError`] bodies.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use tokio_stream::wrappers::WatchStream;
use tokio_stream::Stream;
use utoipa::ToSchema;

use crate::actor::Gone;
use crate::answer::{ApiError, ApiJson, ErrorCode};
use crate::devices::DeviceHealth;
use crate::inputs::Input;
use crate::published::Published;
use crate::screens;
use crate::state::Shared;
use kiosk_core::rules;

/// Starting a business (the home screen's form, or JSON).
#[derive(Debug, Deserialize, ToSchema)]
pub struct Start {
    #[schema(schema_with = rules::guide::business_code_schema)]
    pub(crate) business: String,
    /// `"1"` or `"true"`: an agent does the business for the holder (委托).
    #[serde(default)]
    agent: Option<String>,
}

/// Why a business did not start.
#[derive(Debug)]
pub(crate) enum StartError {
    /// No business has this code.
    Unknown(String),
    /// The engine refused (not offered, agent not allowed …) or its storage failed.
    Driver(kiosk_core::engine::driver::DriverError),
    /// The session actor is not running.
    Gone(Gone),
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartError::Unknown(b) => write!(f, "没有这项业务 / unknown business {b:?}"),
            StartError::Driver(e) => match e.failure() {
                // The plain message (the agency cannot be reached: this business pauses).
                Some(failure) => failure.fmt(f),
                None => e.fmt(f),
            },
            StartError::Gone(e) => e.fmt(f),
        }
    }
}

impl From<StartError> for ApiError {
    fn from(e: StartError) -> ApiError {
        use kiosk_core::engine::driver::DriverError;
        match e {
            StartError::Unknown(_) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::UnknownBusiness,
                e.to_string(),
            )
            .with_field("business"),
            StartError::Driver(DriverError::Refused(r)) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::Refused,
                r.to_string(),
            ),
            StartError::Driver(other) => {
                log::error!("a business did not start: {other}");
                match other.failure() {
                    Some(failure) => ApiError::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        ErrorCode::Unavailable,
                        failure.to_string(),
                    ),
                    None => ApiError::unavailable(),
                }
            }
            StartError::Gone(gone) => gone.into(),
        }
    }
}

/// Starts a business through the actor; the screen it published afterwards, or why the
/// business did not start with the screen as it is.
pub(crate) async fn start(
    s: &Shared,
    form: &Start,
) -> Result<Arc<Published>, (StartError, Arc<Published>)> {
    let Some(code) = screens::parse_code(&form.business) else {
        return Err((StartError::Unknown(form.business.clone()), s.shown()));
    };
    let agent = matches!(form.agent.as_deref(), Some("1" | "true"));
    match s.actor.start(code, agent).await {
        Ok(answer) => match answer.result {
            Ok(()) => Ok(answer.shown),
            Err(e) => Err((StartError::Driver(e), answer.shown)),
        },
        Err(gone) => Err((StartError::Gone(gone), s.shown())),
    }
}

/// Server-sent events: `session` when the session changed, `device` with a status line.
#[utoipa::path(
    get,
    path = "/api/events",
    tag = "kiosk",
    responses(
        (status = 200, description = "An endless `text/event-stream`: an event `session` \
            with data `{}` whenever the session changed (read `GET /api/session` again), an \
            event `device` with data `{\"message\": …, \"card_present\": …}` when a device \
            changed; comment lines keep the connection alive",
            content_type = "text/event-stream", body = String),
    )
)]
pub(crate) async fn events(
    State(s): State<Arc<Shared>>,
) -> Sse<impl Stream<Item = Result<SseEvent, Infallible>>> {
    Sse::new(Changes::new(&s)).keep_alive(KeepAlive::default())
}

/// The server-sent events of one screen: from each publication of the actor after the
/// connection opened, `session` when the page changed and `device` when the device status
/// did (a screen that falls behind gets the latest state, not every step in between).
pub struct Changes {
    publications: WatchStream<Arc<Published>>,
    seen: (u64, u64),
    pending: VecDeque<SseEvent>,
}

impl Changes {
    fn new(s: &Shared) -> Changes {
        let rx = s.screen.subscribe();
        let now = rx.borrow().clone();
        Changes {
            publications: WatchStream::from_changes(rx),
            seen: (now.session_seq, now.device_seq),
            pending: VecDeque::new(),
        }
    }
}

impl Stream for Changes {
    type Item = Result<SseEvent, Infallible>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            if let Some(e) = self.pending.pop_front() {
                return Poll::Ready(Some(Ok(e)));
            }
            let p = match Pin::new(&mut self.publications).poll_next(cx) {
                Poll::Ready(Some(p)) => p,
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Pending => return Poll::Pending,
            };
            let (session, device) = self.seen;
            if p.device_seq != device {
                let event = SseEvent::default().event("device").data(p.device_event());
                self.pending.push_back(event);
            }
            if p.session_seq != session {
                self.pending
                    .push_back(SseEvent::default().event("session").data("{}"));
            }
            self.seen = (p.session_seq, p.device_seq);
        }
    }
}

/// The page the kiosk's screen shows now.
#[utoipa::path(
    get,
    path = "/api/session",
    tag = "session",
    responses(
        (status = 200, description = "The current session's page, or the home page when no \
            session is open", body = ui_web::Page),
        (status = 503, description = "The kiosk cannot answer now", body = ApiError),
    )
)]
pub(crate) async fn api_session(State(s): State<Arc<Shared>>) -> Response {
    let shown = s.shown();
    page_json(&shown)
}

/// The page of a publication as the JSON API answers it.
fn page_json(shown: &Published) -> Response {
    Json(&shown.page).into_response()
}

/// Starts a business (any open session is cancelled first).
#[utoipa::path(
    post,
    path = "/api/session/start",
    tag = "session",
    request_body = Start,
    responses(
        (status = 200, description = "The business started: its first page", body = ui_web::Page),
        (status = 400, description = "`bad_json`: the body is not JSON", body = ApiError),
        (status = 413, description = "`too_large`: the body is too large", body = ApiError),
        (status = 415, description = "`unsupported_media_type`: not sent as \
            `application/json`", body = ApiError),
        (status = 422, description = "`invalid_body` (a missing field or a wrong type), \
            `unknown_business`, or `refused` (not offered here, not for an agent …)",
            body = ApiError),
        (status = 503, description = "`unavailable`: the kiosk cannot start a business now",
            body = ApiError),
    )
)]
pub(crate) async fn api_start(
    State(s): State<Arc<Shared>>,
    ApiJson(form): ApiJson<Start>,
) -> Result<Response, ApiError> {
    match start(&s, &form).await {
        Ok(shown) => Ok(page_json(&shown)),
        Err((e, _)) => Err(e.into()),
    }
}

/// A citizen input, as the screen's buttons and forms post it.
#[utoipa::path(
    post,
    path = "/api/session/event",
    tag = "session",
    request_body(content = Input, description = "`action` is what the screen's button posts \
        (`confirm`, `cancel`, `pins`, `rate` …) with the fields that action takes. An action the \
        session cannot take now is not an error: the page comes back with its `problem`. \
        `cancel` with no session open answers the home page."),
    responses(
        (status = 200, description = "The page after the input (home once the session is \
            over)", body = ui_web::Page),
        (status = 400, description = "`bad_json`: the body is not JSON", body = ApiError),
        (status = 409, description = "`no_session`: no session is open (it ended or timed \
            out); read `GET /api/session`", body = ApiError),
        (status = 413, description = "`too_large`: the body is too large", body = ApiError),
        (status = 415, description = "`unsupported_media_type`: not sent as \
            `application/json`", body = ApiError),
        (status = 422, description = "`invalid_body`: a missing field or a wrong type, a \
            reason that is not one of the list, a comment or address over its length",
            body = ApiError),
        (status = 503, description = "`unavailable`: the kiosk cannot answer now",
            body = ApiError),
    )
)]
pub(crate) async fn api_event(
    State(s): State<Arc<Shared>>,
    ApiJson(input): ApiJson<Input>,
) -> Result<Response, ApiError> {
    let input = input.checked().map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::InvalidBody,
            e.to_string(),
        )
        .with_field(e.field)
    })?;
    let answer = s.actor.input(input, true).await?;
    match answer.result {
        Ok(()) => Ok(page_json(&answer.shown)),
        Err(_) => Err(ApiError::no_session()),
    }
}

/// The public service guide (8.1.2) in the screen's language.
#[utoipa::path(
    get,
    path = "/api/guide",
    tag = "kiosk",
    responses(
        (status = 200, description = "One entry per business this kiosk offers",
            body = Vec<rules::guide::GuideEntry>),
        (status = 503, description = "`unavailable`: the kiosk cannot answer now",
            body = ApiError),
    )
)]
pub(crate) async fn api_guide(State(s): State<Arc<Shared>>) -> Json<Vec<rules::guide::GuideEntry>> {
    Json(rules::guide::guide(
        &s.config.business,
        s.shown().chrome.lang,
    ))
}

/// The devices as the screen reports them.
#[derive(Debug, Serialize, ToSchema)]
pub struct Devices {
    /// True while a card is in the card reader.
    pub card_present: bool,
    /// The device status line (empty when all is well).
    pub message: String,
    /// True in `kiosk serve --sim` (simulated hardware).
    pub sim: bool,
}

/// The card reader and the device status line.
#[utoipa::path(
    get,
    path = "/api/devices",
    tag = "kiosk",
    responses(
        (status = 200, description = "The devices' state", body = Devices),
        (status = 503, description = "`unavailable`: the kiosk cannot answer now",
            body = ApiError),
    )
)]
pub(crate) async fn api_devices(State(s): State<Arc<Shared>>) -> Json<Devices> {
    let shown = s.shown();
    Json(Devices {
        card_present: shown.card_present,
        message: shown.device_message.clone(),
        sim: shown.chrome.sim,
    })
}

/// Every device's state, message, port and input count.
#[utoipa::path(
    get,
    path = "/api/devices/health",
    tag = "kiosk",
    responses(
        (status = 200, description = "Each peripheral as its thread last saw it", body = DeviceHealth),
    )
)]
pub async fn health(State(s): State<Arc<Shared>>) -> Json<DeviceHealth> {
    Json(DeviceHealth {
        devices: s.devices.all(),
    })
}
