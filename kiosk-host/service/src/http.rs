//! The HTTP surface: the kiosk's [`router`] (server-rendered screens, whose forms work
//! without JavaScript, the JSON API, the staff pages and in `--sim` mode the simulated
//! hardware's controls, behind the edge's checks) and the screens' handlers.
//!
//! What the screen shows is read from the session actor's latest publication
//! ([`Shared::shown`]), never by waiting for the actor; what the citizen does (start a
//! business, an input, `?lang=`, calling staff) is sent to the actor, whose answer carries
//! the screen it published after doing it.
//!
//! The JSON API (everything under `/api` but the simulator's controls) is built by
//! [`openapi::api`] from handlers that carry their OpenAPI operation ([`crate::api`]); its
//! errors are all [`ApiError`] bodies. What the handlers share: [`crate::state`] (the state),
//! [`crate::extract`] (form bodies, `?lang=`), [`crate::answer`] (error bodies, HTML).

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::answer::{self, html, page_error, ApiError};
use crate::api::{start, Start, StartError};
use crate::extract::{with_prefs, PageForm, Prefs};
use crate::inputs::Input;
use crate::state::Shared;
use crate::{edge, openapi, screens, staff, suggest, voice};

pub fn router(shared: Arc<Shared>) -> Router {
    let (api, _) = openapi::api().split_for_parts();
    // A documented path with another method: 405 with the JSON error body.
    let api = api.method_not_allowed_fallback(answer::method_not_allowed);
    #[cfg_attr(
        not(feature = "sim"),
        allow(unused_mut, reason = "only the sim routes are added to it")
    )]
    let mut r = Router::new()
        .route("/", get(home))
        .route("/session", get(session_page))
        .route("/guide", get(guide_page))
        .route("/suggest", get(suggest::page).post(suggest::form))
        .route("/session/start", post(start_form))
        .route("/session/event", post(event_form))
        .route("/staff-call", post(staff_call))
        .route("/attract", get(attract_page))
        .route("/static/kiosk.css", get(css))
        .route("/static/kiosk.js", get(js))
        .route("/static/pinyin.json", get(pinyin))
        .route("/voice/{lang}/{file}", get(voice::serve))
        .route("/camera/preview.jpg", get(preview))
        // issue 19: the live image of a running face match.
        .route("/face/preview.jpg", get(face_preview))
        .route("/camera/photo.jpg", get(photo_check))
        .merge(api)
        .merge(staff::routes());
    #[cfg(feature = "sim")]
    if shared.sim.is_some() {
        r = r.merge(crate::sim::routes());
    }
    let hosts = shared.hosts.clone();
    r.fallback(not_found)
        .with_state(shared)
        .layer(axum::middleware::from_fn_with_state(hosts, edge::guard))
        .layer(axum::middleware::from_fn(edge::headers))
}

/// No such route: under `/api/` the JSON error body, elsewhere the error screen with the way
/// back.
async fn not_found(State(s): State<Arc<Shared>>, uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        return answer::not_found(uri.path()).into_response();
    }
    let page = screens::unreadable(&s.shown().chrome, true);
    (StatusCode::NOT_FOUND, html(&page)).into_response()
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
        // Cards to hand back (issue 22): nothing covers `take_cards`.
        Ok(shown) if matches!(shown.page.screen, ui_web::view::Screen::TakeCards { .. }) => {
            Redirect::to("/").into_response()
        }
        // A card or an ID card presented on the attract screen: home, which offers the
        // businesses that begin with it.
        Ok(shown)
            if matches!(
                shown.page.screen,
                ui_web::view::Screen::Home {
                    likely: Some(_),
                    ..
                }
            ) =>
        {
            Redirect::to("/").into_response()
        }
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

/// The photo taken, cropped as it will be used, while the citizen checks it (重拍 / 使用此照片):
/// `GET /camera/photo.jpg`. Not found when no photo waits to be checked.
async fn photo_check(
    axum::extract::State(s): axum::extract::State<std::sync::Arc<crate::state::Shared>>,
) -> axum::response::Response {
    use axum::http::{header, StatusCode};
    use axum::response::IntoResponse;
    match s.shown().photo_check.clone() {
        Some(photo) => (
            [
                (header::CONTENT_TYPE, "image/jpeg"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            photo.jpeg.clone(),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
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

/// issue 19: the live image of the identity step's running match (the last frame the worker
/// looked at); 404 when no match runs.
async fn face_preview(State(s): State<Arc<Shared>>) -> Response {
    match s.face_preview.get() {
        Some(jpeg) => (
            [
                (header::CONTENT_TYPE, "image/jpeg"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            jpeg,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
