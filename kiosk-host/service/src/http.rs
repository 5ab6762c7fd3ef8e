//! The HTTP surface: server-rendered screens (forms work without JavaScript), a JSON API that
//! drives the same flows, server-sent events for device and session changes, and in `--sim`
//! mode the simulated hardware's controls.
//!
//! The JSON API (everything under `/api` but the simulator's controls) is built by [`api`]
//! from handlers that carry their OpenAPI operation; its errors are all [`ApiError`] bodies.

use std::convert::Infallible;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde::{Deserialize, Serialize};
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::StreamExt;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::openapi::{self, ApiError, ApiJson, ErrorCode};
use super::screens;
use super::state::{Core, Input};
use super::Shared;
use kiosk_core::rules;

/// Runs `f` on the kiosk's state in a blocking task (card I/O blocks). A failed task is a
/// 503 [`ApiError`]; the screens turn it into plain text ([`page_error`]).
pub(crate) async fn with_core<T: Send + 'static>(
    shared: &Arc<Shared>,
    f: impl FnOnce(&mut Core) -> T + Send + 'static,
) -> Result<T, ApiError> {
    let s = shared.clone();
    tokio::task::spawn_blocking(move || {
        let mut core = s.core.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut core)
    })
    .await
    .map_err(|e| {
        log::error!("kiosk task failed: {e}");
        ApiError::unavailable()
    })
}

/// A failure on a screen route: its status with the message as plain text.
/// A screen route whose kiosk task failed: the error screen (never plain text), with the
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
        .routes(routes!(super::devices::health))
        .routes(routes!(events))
        .routes(routes!(openapi::openapi_json))
}

pub fn router(shared: Arc<Shared>) -> Router {
    let (api, _) = api().split_for_parts();
    // A documented path with another method: 405 with the JSON error body.
    let api = api.method_not_allowed_fallback(openapi::method_not_allowed);
    #[cfg_attr(not(feature = "sim"), allow(unused_mut))]
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
    r.fallback(not_found).with_state(shared)
}

/// No such route: under `/api/` the JSON error body, elsewhere the error screen with the way
/// back.
async fn not_found(State(s): State<Arc<Shared>>, uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        return openapi::not_found(uri.path()).into_response();
    }
    match with_core(&s, |c| screens::unreadable(c, true)).await {
        Ok(page) => (StatusCode::NOT_FOUND, html(&page)).into_response(),
        Err(e) => page_error(e),
    }
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
                let status = rejection.status();
                Err(
                    match with_core(state, |c| screens::unreadable(c, false)).await {
                        Ok(page) => (status, html(&page)).into_response(),
                        Err(e) => page_error(e),
                    },
                )
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

pub(crate) fn apply_prefs(core: &mut Core, prefs: &Prefs) {
    if let Some(l) = prefs.lang.as_deref().and_then(ui_web::Lang::from_tag) {
        let lang = screens::language(l);
        if core.config.ui.languages.contains(&lang) {
            core.lang = lang;
        }
    }
    if let Some(e) = prefs.elderly.as_deref() {
        core.elderly = e == "1" || e == "true";
    }
}

pub(crate) fn html(page: &ui_web::Page) -> Response {
    (
        [(header::CACHE_CONTROL, "no-store")],
        Html(ui_web::render_page(page)),
    )
        .into_response()
}

async fn home(State(s): State<Arc<Shared>>, Query(prefs): Query<Prefs>) -> Response {
    match with_core(&s, move |c| {
        apply_prefs(c, &prefs);
        if c.live.is_some() {
            None
        } else {
            Some(screens::home(c))
        }
    })
    .await
    {
        Ok(Some(page)) => html(&page),
        Ok(None) => Redirect::to("/session").into_response(),
        Err(e) => page_error(e),
    }
}

/// The attract screen (the page goes there after a while untouched); home while a session is
/// open.
async fn attract_page(State(s): State<Arc<Shared>>, Query(prefs): Query<Prefs>) -> Response {
    match with_core(&s, move |c| {
        apply_prefs(c, &prefs);
        c.live.is_none().then(|| screens::attract(c))
    })
    .await
    {
        Ok(Some(page)) => html(&page),
        Ok(None) => Redirect::to("/session").into_response(),
        Err(e) => page_error(e),
    }
}

async fn session_page(State(s): State<Arc<Shared>>, Query(prefs): Query<Prefs>) -> Response {
    match with_core(&s, move |c| {
        apply_prefs(c, &prefs);
        screens::session(c)
    })
    .await
    {
        Ok(Some(page)) => html(&page),
        Ok(None) => Redirect::to("/").into_response(),
        Err(e) => page_error(e),
    }
}

async fn guide_page(State(s): State<Arc<Shared>>, Query(prefs): Query<Prefs>) -> Response {
    match with_core(&s, move |c| {
        apply_prefs(c, &prefs);
        screens::guide(c)
    })
    .await
    {
        Ok(page) => html(&page),
        Err(e) => page_error(e),
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
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartError::Unknown(b) => write!(f, "没有这项业务 / unknown business {b:?}"),
            StartError::Driver(e) => e.fmt(f),
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
                ApiError::unavailable()
            }
        }
    }
}

/// Starts a business; a refusal (not offered, agent not allowed) becomes its screen.
fn start(core: &mut Core, form: &Start) -> Result<(), StartError> {
    let Some(code) = screens::parse_code(&form.business) else {
        return Err(StartError::Unknown(form.business.clone()));
    };
    let agent = matches!(form.agent.as_deref(), Some("1" | "true"));
    core.start(code, agent).map_err(StartError::Driver)
}

async fn start_form(State(s): State<Arc<Shared>>, PageForm(form): PageForm<Start>) -> Response {
    let result = with_core(&s, move |c| {
        let r = start(c, &form);
        let page = r
            .as_ref()
            .err()
            .map(|e| screens::error(c, e.to_string(), String::new()));
        page
    })
    .await;
    s.notify("session");
    match result {
        Ok(None) => Redirect::to("/session").into_response(),
        Ok(Some(page)) => html(&page),
        Err(e) => page_error(e),
    }
}

async fn event_form(
    State(s): State<Arc<Shared>>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Response {
    let input = Input::from_form(fields);
    let result = with_core(&s, move |c| c.input(&input)).await;
    s.notify("session");
    match result {
        Ok(()) => Redirect::to("/session").into_response(),
        Err(e) => page_error(e),
    }
}

async fn staff_call(State(s): State<Arc<Shared>>) -> Response {
    let result = with_core(&s, |c| {
        use kiosk_core::store::AuditLog;
        c.device_message =
            "已呼叫工作人员,请稍候 / staff have been called / خىزمەتچى چاقىرىلدى، سەل ساقلاڭ".into();
        c.store
            .append(
                &kiosk_core::domain::Actor::System,
                "staff.called",
                &c.config.kiosk.id,
                serde_json::json!({}),
            )
            .map(|_| ())
            .map_err(|e| e.to_string())
    })
    .await;
    s.notify("device");
    match result {
        Ok(Ok(())) => Redirect::to("/session").into_response(),
        Ok(Err(e)) => {
            log::error!("staff call not audited: {e}");
            Redirect::to("/session").into_response()
        }
        Err(e) => page_error(e),
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
    let frame = with_core(&s, |c| c.camera.as_mut().map(|cam| cam.frame())).await;
    let frame = match frame {
        Ok(Some(Ok(f))) => f,
        Ok(_) => return StatusCode::NOT_FOUND.into_response(),
        Err(e) => return page_error(e),
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
) -> Sse<impl tokio_stream::Stream<Item = Result<SseEvent, Infallible>>> {
    let rx = s.events.subscribe();
    let stream = BroadcastStream::new(rx).filter_map(|m| {
        m.ok()
            .map(|(name, data)| Ok(SseEvent::default().event(name).data(data)))
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

/// The page the screen shows now: the session's, or home when there is none.
fn current_page(c: &mut Core) -> ui_web::Page {
    screens::session(c).unwrap_or_else(|| screens::home(c))
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
async fn api_session(State(s): State<Arc<Shared>>) -> Result<Json<ui_web::Page>, ApiError> {
    with_core(&s, current_page).await.map(Json)
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
) -> Result<Json<ui_web::Page>, ApiError> {
    let result = with_core(&s, move |c| start(c, &form).map(|()| current_page(c))).await;
    s.notify("session");
    Ok(Json(result??))
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
        (status = 422, description = "`invalid_body`: a missing field or a wrong type",
            body = ApiError),
        (status = 503, description = "`unavailable`: the kiosk cannot answer now",
            body = ApiError),
    )
)]
async fn api_event(
    State(s): State<Arc<Shared>>,
    ApiJson(input): ApiJson<Input>,
) -> Result<Json<ui_web::Page>, ApiError> {
    let result = with_core(&s, move |c| {
        if c.live.is_none() && input.action != "cancel" {
            return Err(ApiError::no_session());
        }
        c.input(&input);
        Ok(current_page(c))
    })
    .await;
    s.notify("session");
    Ok(Json(result??))
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
async fn api_guide(
    State(s): State<Arc<Shared>>,
) -> Result<Json<Vec<rules::guide::GuideEntry>>, ApiError> {
    with_core(&s, |c| rules::guide::guide(&c.config.business, c.lang))
        .await
        .map(Json)
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
async fn api_devices(State(s): State<Arc<Shared>>) -> Result<Json<Devices>, ApiError> {
    with_core(&s, |c| Devices {
        card_present: c.card_present,
        message: c.device_message.clone(),
        sim: c.sim,
    })
    .await
    .map(Json)
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
