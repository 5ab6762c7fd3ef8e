//! The HTTP surface: server-rendered screens (forms work without JavaScript), a JSON API that
//! drives the same flows, server-sent events for device and session changes, and in `--sim`
//! mode the simulated hardware's controls.
//!
//! What the screen shows is read from the session actor's latest publication
//! ([`Shared::shown`]), never by waiting for the actor; what the citizen does (start a
//! business, an input, `?lang=`, calling staff) is sent to the actor, whose answer carries
//! the screen it published after doing it.
//!
//! The JSON API (everything under `/api` but the simulator's controls) is built by [`api`]
//! from handlers that carry their OpenAPI operation; its errors are all [`ApiError`] bodies.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde::{Deserialize, Serialize};
use tokio_stream::wrappers::WatchStream;
use tokio_stream::Stream;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::actor::Gone;
use super::devices::DeviceHealth;
use super::inputs::Input;
use super::openapi::{self, ApiError, ApiJson, ErrorCode};
use super::published::Published;
use super::screens;
use super::Shared;
use kiosk_core::rules;

impl From<Gone> for ApiError {
    fn from(e: Gone) -> ApiError {
        log::error!("{e}");
        ApiError::unavailable()
    }
}

/// A screen route whose session actor is gone: the error screen (never plain text), with the
/// status of `e`; the cause was logged where it happened.
pub(crate) fn page_error(e: ApiError) -> Response {
    (e.status, html(&screens::unavailable())).into_response()
}

/// The JSON API. Each handler is registered through `routes!`, which takes its method and
/// path from the handler's `#[utoipa::path]` attribute and adds that operation to the
/// document: a route here cannot exist without its documentation. Add new JSON routes here
/// never with `Router::route` in [`router`].
pub fn api() -> OpenApiRouter<Arc<Shared>> {
    OpenApiRouter::with_openapi(openapi::frame())
        .routes(routes!(api_session))
        .routes(routes!(api_start))
        .routes(routes!(api_event))
        .routes(routes!(api_guide))
        .routes(routes!(super::suggest::api))
        .routes(routes!(api_devices))
        .routes(routes!(health))
        .routes(routes!(events))
        .routes(routes!(openapi::openapi_json))
}

pub fn router(shared: Arc<Shared>) -> Router {
    let (api, _) = api().split_for_parts();
    // A documented path with another method: 405 with the JSON error body.
    let api = api.method_not_allowed_fallback(openapi::method_not_allowed);
    #[cfg_attr(
        not(feature = "sim"),
        allow(unused_mut, reason = "only the sim routes are added to it")
    )]
    let mut r = Router::new()
        .route("/", get(home))
        .route("/session", get(session_page))
        .route("/guide", get(guide_page))
        .route(
            "/suggest",
            get(super::suggest::page).post(super::suggest::form),
        )
        .route("/session/start", post(start_form))
        .route("/session/event", post(event_form))
        .route("/staff-call", post(staff_call))
        .route("/attract", get(attract_page))
        .route("/static/kiosk.css", get(css))
        .route("/static/kiosk.js", get(js))
        .route("/static/pinyin.json", get(pinyin))
        .route("/voice/{lang}/{file}", get(super::voice::serve))
        .route("/camera/preview.jpg", get(preview))
        .merge(api)
        .merge(super::staff::routes());
    #[cfg(feature = "sim")]
    if shared.sim.is_some() {
        r = r.merge(super::sim::routes());
    }
    let hosts = shared.hosts.clone();
    r.fallback(not_found)
        .with_state(shared)
        .layer(axum::middleware::from_fn_with_state(
            hosts,
            super::edge::guard,
        ))
        .layer(axum::middleware::from_fn(super::edge::headers))
}

/// No such route: under `/api/` the JSON error body, elsewhere the error screen with the way
/// back.
async fn not_found(State(s): State<Arc<Shared>>, uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        return openapi::not_found(uri.path()).into_response();
    }
    let page = screens::unreadable(&s.shown().chrome, true);
    (StatusCode::NOT_FOUND, html(&page)).into_response()
}

/// A form body for the screens. A body the form decoder cannot read (wrong content type,
/// missing field, bad value) gives the error screen with its status, never the decoder's
/// raw message; nothing is changed.
pub struct PageForm<T>(pub T);

impl<T> axum::extract::FromRequest<Arc<Shared>> for PageForm<T>
where
    T: serde::de::DeserializeOwned + Send,
{
    type Rejection = Response;

    async fn from_request(
        req: axum::extract::Request,
        state: &Arc<Shared>,
    ) -> Result<Self, Self::Rejection> {
        match Form::<T>::from_request(req, state).await {
            Ok(Form(v)) => Ok(PageForm(v)),
            Err(rejection) => {
                log::info!("form refused: {rejection}");
                let page = screens::unreadable(&state.shown().chrome, false);
                Err((rejection.status(), html(&page)).into_response())
            }
        }
    }
}

/// `?lang=` and `?elderly=` on any screen.
#[derive(Debug, Default, Deserialize)]
pub struct Prefs {
    lang: Option<String>,
    elderly: Option<String>,
}

/// The screen after `prefs` were applied: what is shown now when they ask for nothing,
/// else what the actor published once it set them.
pub(crate) async fn with_prefs(s: &Shared, prefs: &Prefs) -> Result<Arc<Published>, Gone> {
    if prefs.lang.is_none() && prefs.elderly.is_none() {
        return Ok(s.shown());
    }
    let lang = prefs
        .lang
        .as_deref()
        .and_then(ui_web::Lang::from_tag)
        .map(screens::language);
    let elderly = prefs.elderly.as_deref().map(|e| e == "1" || e == "true");
    Ok(s.actor.prefs(lang, elderly).await?.shown)
}

pub(crate) fn html(page: &ui_web::Page) -> Response {
    (
        [(header::CACHE_CONTROL, "no-store")],
        Html(ui_web::render_page(page)),
    )
        .into_response()
}

async fn home(State(s): State<Arc<Shared>>, Query(prefs): Query<Prefs>) -> Response {
    match with_prefs(&s, &prefs).await {
        Ok(shown) if shown.chrome.in_session => Redirect::to("/session").into_response(),
        Ok(shown) => html(&shown.page),
        Err(e) => page_error(e.into()),
    }
}

/// The attract screen (the page goes there after a while untouched); home while a session is
/// open. Come to by itself (no `?lang=`/`?elderly=`), nobody is at the screen any more: the
/// configured language and mode again, so a choice made on the home screen by someone who
/// walked away does not reach the next citizen. Its own language chips choose as anywhere.
async fn attract_page(State(s): State<Arc<Shared>>, Query(prefs): Query<Prefs>) -> Response {
    if s.shown().chrome.in_session {
        return Redirect::to("/session").into_response();
    }
    let shown = if prefs.lang.is_none() && prefs.elderly.is_none() {
        let ui = &s.config.ui;
        s.actor
            .prefs(Some(ui.default_language), Some(ui.elderly_mode))
            .await
            .map(|a| a.shown)
    } else {
        with_prefs(&s, &prefs).await
    };
    match shown {
        Ok(shown) if shown.chrome.in_session => Redirect::to("/session").into_response(),
        Ok(shown) => html(&screens::attract(&shown.chrome, &s.config)),
        Err(e) => page_error(e.into()),
    }
}

async fn session_page(State(s): State<Arc<Shared>>, Query(prefs): Query<Prefs>) -> Response {
    match with_prefs(&s, &prefs).await {
        Ok(shown) if shown.session_page => html(&shown.page),
        Ok(_) => Redirect::to("/").into_response(),
        Err(e) => page_error(e.into()),
    }
}

async fn guide_page(State(s): State<Arc<Shared>>, Query(prefs): Query<Prefs>) -> Response {
    match with_prefs(&s, &prefs).await {
        Ok(shown) => html(&screens::guide(&shown.chrome, &s.config)),
        Err(e) => page_error(e.into()),
    }
}

/// Starting a business (the home screen's form, or JSON).
#[derive(Debug, Deserialize, ToSchema)]
pub struct Start {
    #[schema(schema_with = rules::guide::business_code_schema)]
    business: String,
    /// `"1"` or `"true"`: an agent does the business for the holder (委托).
    #[serde(default)]
    agent: Option<String>,
}

/// Why a business did not start.
#[derive(Debug)]
enum StartError {
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
async fn start(s: &Shared, form: &Start) -> Result<Arc<Published>, (StartError, Arc<Published>)> {
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

async fn start_form(State(s): State<Arc<Shared>>, PageForm(form): PageForm<Start>) -> Response {
    match start(&s, &form).await {
        Ok(_) => Redirect::to("/session").into_response(),
        Err((StartError::Gone(e), _)) => page_error(e.into()),
        Err((e @ StartError::Unknown(_), shown)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            html(&screens::error(&shown.chrome, e.to_string(), String::new())),
        )
            .into_response(),
        Err((e, shown)) => html(&screens::error(&shown.chrome, e.to_string(), String::new())),
    }
}

async fn event_form(
    State(s): State<Arc<Shared>>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Response {
    let input = match Input::from_form(fields).checked() {
        Ok(i) => i,
        Err(e) => {
            let shown = s.shown();
            let page = screens::error(&shown.chrome, e.to_string(), String::new());
            return (StatusCode::UNPROCESSABLE_ENTITY, html(&page)).into_response();
        }
    };
    match s.actor.input(input, false).await {
        Ok(_) => Redirect::to("/session").into_response(),
        Err(e) => page_error(e.into()),
    }
}

async fn staff_call(State(s): State<Arc<Shared>>) -> Response {
    match s.actor.staff_called().await {
        Ok(_) => Redirect::to("/session").into_response(),
        Err(e) => page_error(e.into()),
    }
}

async fn css() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        ui_web::assets::STYLE_CSS,
    )
        .into_response()
}

async fn js() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        ui_web::assets::KIOSK_JS,
    )
        .into_response()
}

/// The pinyin keyboard's candidates (generated data, see `ui_web::keyboard`).
async fn pinyin() -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        ui_web::assets::PINYIN_JSON,
    )
        .into_response()
}

/// The camera's live preview (a JPEG frame), while a photo is being taken.
async fn preview(State(s): State<Arc<Shared>>) -> Response {
    let Some(camera) = s.camera.clone() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let frame = match tokio::task::spawn_blocking(move || camera.frame()).await {
        Ok(Ok(f)) => f,
        Ok(Err(e)) => {
            log::debug!("preview: {e}");
            return StatusCode::NOT_FOUND.into_response();
        }
        Err(e) => {
            log::error!("preview task: {e}");
            return page_error(ApiError::unavailable());
        }
    };
    let small = image::imageops::thumbnail(&frame, 480, 270);
    let mut out = std::io::Cursor::new(Vec::new());
    match image::DynamicImage::ImageRgb8(small).write_to(&mut out, image::ImageFormat::Jpeg) {
        Ok(()) => (
            [
                (header::CONTENT_TYPE, "image/jpeg"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            out.into_inner(),
        )
            .into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
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
async fn events(
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
async fn api_session(State(s): State<Arc<Shared>>) -> Response {
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
async fn api_start(
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
async fn api_event(
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
async fn api_guide(State(s): State<Arc<Shared>>) -> Json<Vec<rules::guide::GuideEntry>> {
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
async fn api_devices(State(s): State<Arc<Shared>>) -> Json<Devices> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_failed_kiosk_task_on_a_screen_route_is_the_error_screen() {
        let r = page_error(ApiError::unavailable());
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        let ctype = r
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        assert!(ctype.starts_with("text/html"), "{ctype}");
        let body = axum::body::to_bytes(r.into_body(), 1 << 20)
            .await
            .expect("body");
        let html = String::from_utf8_lossy(&body);
        assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
        assert!(html.contains("服务暂时不可用") && html.contains("Please call a member of staff"));
        assert!(!html.contains("countdown-s"), "no session countdown");
    }
}
