//! The HTTP surface: server-rendered screens (forms work without JavaScript), a JSON API that
//! drives the same flows, server-sent events for device and session changes, and in `--sim`
//! mode the simulated hardware's controls.

use std::convert::Infallible;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde::Deserialize;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::StreamExt;

use super::core::{Core, Input};
use super::screens;
use super::Shared;
use crate::rules;

/// Runs `f` on the kiosk's state in a blocking task (card I/O blocks).
async fn with_core<T: Send + 'static>(
    shared: &Arc<Shared>,
    f: impl FnOnce(&mut Core) -> T + Send + 'static,
) -> Result<T, Response> {
    let s = shared.clone();
    tokio::task::spawn_blocking(move || {
        let mut core = s.core.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut core)
    })
    .await
    .map_err(|e| {
        log::error!("kiosk task failed: {e}");
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            "服务暂时不可用,请联系工作人员 / the service is not available; please call staff",
        )
            .into_response()
    })
}

pub fn router(shared: Arc<Shared>) -> Router {
    let mut r = Router::new()
        .route("/", get(home))
        .route("/session", get(session_page))
        .route("/guide", get(guide_page))
        .route("/session/start", post(start_form))
        .route("/session/event", post(event_form))
        .route("/staff-call", post(staff_call))
        .route("/static/kiosk.css", get(css))
        .route("/static/kiosk.js", get(js))
        .route("/camera/preview.jpg", get(preview))
        .route("/api/events", get(events))
        .route("/api/session", get(api_session))
        .route("/api/session/start", post(api_start))
        .route("/api/session/event", post(api_event))
        .route("/api/guide", get(api_guide))
        .route("/api/devices", get(api_devices))
        .route(
            "/staff/login",
            get(super::staff::login_form).post(super::staff::login),
        )
        .route(
            "/staff/selftest",
            get(super::staff::selftest).post(super::staff::selftest_again),
        )
        .route("/staff/logout", post(super::staff::logout));
    if shared.sim.is_some() {
        r = r
            .route(
                "/api/sim/card",
                post(super::sim::insert_card).delete(super::sim::remove_card),
            )
            .route(
                "/api/sim/idcard",
                post(super::sim::place_id_card).delete(super::sim::lift_id_card),
            )
            .route("/api/sim/idmodule", post(super::sim::id_module_fault))
            .route("/api/sim/qr", post(super::sim::scan_qr))
            .route("/api/sim/ecard-qr", get(super::sim::ecard_qr))
            .route(
                "/api/sim/printer",
                get(super::sim::printer_get).post(super::sim::printer),
            )
            .route("/api/sim/reader", post(super::sim::reader))
            .route("/api/sim/scene", post(super::sim::camera_scene))
            .route("/sim", get(super::sim::panel))
            .route("/sim/card", post(super::sim::panel_card))
            .route("/sim/card/remove", post(super::sim::panel_remove))
            .route("/sim/reader", post(super::sim::panel_reader))
            .route("/sim/idcard", post(super::sim::panel_idcard))
            .route("/sim/idmodule", post(super::sim::panel_id_fault))
            .route("/sim/qr", post(super::sim::panel_qr))
            .route("/sim/printer", post(super::sim::panel_printer))
            .route("/sim/scene", post(super::sim::panel_scene));
    }
    r.with_state(shared)
}

/// `?lang=` and `?elderly=` on any screen.
#[derive(Debug, Default, Deserialize)]
pub struct Prefs {
    lang: Option<String>,
    elderly: Option<String>,
}

fn apply_prefs(core: &mut Core, prefs: &Prefs) {
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

fn html(page: &ui_web::Page) -> Response {
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
        Err(r) => r,
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
        Err(r) => r,
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
        Err(r) => r,
    }
}

#[derive(Debug, Deserialize)]
pub struct Start {
    business: String,
    #[serde(default)]
    agent: Option<String>,
}

/// Starts a business; a refusal (not offered, agent not allowed) becomes its screen.
fn start(core: &mut Core, form: &Start) -> Result<(), String> {
    let Some(code) = screens::parse_code(&form.business) else {
        return Err(format!("unknown business {:?}", form.business));
    };
    let agent = matches!(form.agent.as_deref(), Some("1" | "true"));
    core.start(code, agent).map_err(|e| e.to_string())
}

async fn start_form(State(s): State<Arc<Shared>>, Form(form): Form<Start>) -> Response {
    let result = with_core(&s, move |c| {
        let r = start(c, &form);
        let page = r
            .as_ref()
            .err()
            .map(|e| screens::error(c, e.clone(), String::new()));
        page
    })
    .await;
    s.notify("session");
    match result {
        Ok(None) => Redirect::to("/session").into_response(),
        Ok(Some(page)) => html(&page),
        Err(r) => r,
    }
}

async fn event_form(State(s): State<Arc<Shared>>, Form(input): Form<Input>) -> Response {
    let result = with_core(&s, move |c| c.input(&input)).await;
    s.notify("session");
    match result {
        Ok(()) => Redirect::to("/session").into_response(),
        Err(r) => r,
    }
}

async fn staff_call(State(s): State<Arc<Shared>>) -> Response {
    let result = with_core(&s, |c| {
        use crate::store::AuditLog;
        c.device_message = "已呼叫工作人员,请稍候 / staff have been called".into();
        c.store
            .append(
                &crate::domain::Actor::System,
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
        Err(r) => r,
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

/// The camera's live preview (a JPEG frame), while a photo is being taken.
async fn preview(State(s): State<Arc<Shared>>) -> Response {
    let frame = with_core(&s, |c| c.camera.as_mut().map(|cam| cam.frame())).await;
    let frame = match frame {
        Ok(Some(Ok(f))) => f,
        Ok(_) => return StatusCode::NOT_FOUND.into_response(),
        Err(r) => return r,
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

async fn api_session(State(s): State<Arc<Shared>>) -> Response {
    match with_core(&s, |c| {
        screens::session(c).unwrap_or_else(|| screens::home(c))
    })
    .await
    {
        Ok(page) => Json(page).into_response(),
        Err(r) => r,
    }
}

async fn api_start(State(s): State<Arc<Shared>>, Json(form): Json<Start>) -> Response {
    let result = with_core(&s, move |c| {
        start(c, &form).map(|()| screens::session(c).unwrap_or_else(|| screens::home(c)))
    })
    .await;
    s.notify("session");
    match result {
        Ok(Ok(page)) => Json(page).into_response(),
        Ok(Err(e)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(serde_json::json!({ "error": e })),
        )
            .into_response(),
        Err(r) => r,
    }
}

async fn api_event(State(s): State<Arc<Shared>>, Json(input): Json<Input>) -> Response {
    let result = with_core(&s, move |c| {
        c.input(&input);
        screens::session(c).unwrap_or_else(|| screens::home(c))
    })
    .await;
    s.notify("session");
    match result {
        Ok(page) => Json(page).into_response(),
        Err(r) => r,
    }
}

async fn api_guide(State(s): State<Arc<Shared>>) -> Response {
    match with_core(&s, |c| rules::guide::guide(&c.config.business, c.lang)).await {
        Ok(g) => Json(g).into_response(),
        Err(r) => r,
    }
}

async fn api_devices(State(s): State<Arc<Shared>>) -> Response {
    match with_core(&s, |c| {
        serde_json::json!({
            "card_present": c.card_present,
            "message": c.device_message,
            "sim": c.sim,
        })
    })
    .await
    {
        Ok(v) => Json(v).into_response(),
        Err(r) => r,
    }
}
