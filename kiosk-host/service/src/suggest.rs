//! The suggestion box (8.3 改进): any citizen may leave a suggestion at the kiosk, without
//! starting a business; supervisors read them on `/staff/suggestions`. The text is kept as
//! written, except that control characters are dropped and numbers that look like ID or
//! phone numbers are masked (as in rating comments); at most [`MAX_CHARS`] characters.
//!
//! `GET /suggest` shows the form, `POST /suggest` (form field `text`) saves and answers 303 to
//! the thanks (`/suggest?sent=1`); `POST /api/suggestion` is the same in JSON.

pub(crate) mod text;

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use chrono::Utc;
use firmware_config::Language;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::answer::{html, page_error, ApiError, ApiJson, ErrorCode};
use crate::extract::{with_prefs, PageForm, Prefs};
use crate::screens;
use crate::state::Shared;
use kiosk_core::store::Feedback;

pub use text::{clean, SuggestionError, MAX_CHARS};

/// Why the store refused, or what it gave back.
enum Saved {
    Id(i64),
    Refused(SuggestionError),
    StoreFailed,
}

/// Cleans and saves a suggestion on one of the handlers' store connections (not the
/// session actor's: a suggestion is no part of a session).
async fn save(s: &Shared, raw: &str) -> Saved {
    let text = match clean(raw) {
        Ok(t) => t,
        Err(e) => return Saved::Refused(e),
    };
    let saved = s
        .records
        .run(move |store| store.suggest(&text, None, Utc::now()))
        .await;
    match saved {
        Ok(Ok(id)) => Saved::Id(id),
        Ok(Err(e)) => {
            log::error!("suggestion not saved: {e}");
            Saved::StoreFailed
        }
        Err(e) => {
            log::error!("suggestion not saved: {e}");
            Saved::StoreFailed
        }
    }
}

/// `?sent=1` after a suggestion was saved.
#[derive(Debug, Default, Deserialize)]
pub struct SuggestQuery {
    sent: Option<String>,
    #[serde(flatten)]
    prefs: Prefs,
}

/// `GET /suggest`.
pub async fn page(State(s): State<Arc<Shared>>, Query(q): Query<SuggestQuery>) -> Response {
    let sent = q.sent.as_deref() == Some("1");
    match with_prefs(&s, &q.prefs).await {
        Ok(shown) => html(&screens::suggest(&shown.chrome, sent, None)),
        Err(e) => page_error(e.into()),
    }
}

/// The form of `POST /suggest`.
#[derive(Debug, Deserialize)]
pub struct SuggestForm {
    #[serde(default)]
    text: String,
}

/// `POST /suggest`: saved → 303 to the thanks; a problem → the form again with it (422).
pub async fn form(State(s): State<Arc<Shared>>, PageForm(f): PageForm<SuggestForm>) -> Response {
    match save(&s, &f.text).await {
        Saved::Id(_) => Redirect::to("/suggest?sent=1").into_response(),
        Saved::Refused(e) => {
            let chrome = s.shown().chrome.clone();
            let p = screens::suggest(&chrome, false, Some(e.text(chrome.lang)));
            (StatusCode::UNPROCESSABLE_ENTITY, html(&p)).into_response()
        }
        Saved::StoreFailed => page_error(ApiError::unavailable()),
    }
}

/// A suggestion sent as JSON.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SuggestionIn {
    /// The suggestion: at most 500 characters, at least one of them neither blank nor a
    /// control character (control characters are dropped, surrounding blanks trimmed).
    #[schema(max_length = 500, pattern = r"[^\s\x00-\x1f\x7f-\x9f]")]
    text: String,
}

/// A saved suggestion.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestionSaved {
    /// Its number in the kiosk's store.
    pub id: i64,
}

/// Leaves a suggestion for the kiosk's supervisors (8.3), outside any business.
#[utoipa::path(
    post,
    path = "/api/suggestion",
    tag = "kiosk",
    request_body = SuggestionIn,
    responses(
        (status = 201, description = "Saved", body = SuggestionSaved),
        (status = 400, description = "`bad_json`: the body is not JSON", body = ApiError),
        (status = 413, description = "`too_large`: the body is too large", body = ApiError),
        (status = 415, description = "`unsupported_media_type`: not sent as \
            `application/json`", body = ApiError),
        (status = 422, description = "`invalid_body`: a missing field, a wrong type, or a \
            text that is empty or longer than 500 characters (`field` is `text`)",
            body = ApiError),
        (status = 503, description = "`unavailable`: the suggestion could not be saved",
            body = ApiError),
    )
)]
pub async fn api(
    State(s): State<Arc<Shared>>,
    ApiJson(body): ApiJson<SuggestionIn>,
) -> Result<(StatusCode, Json<SuggestionSaved>), ApiError> {
    match save(&s, &body.text).await {
        Saved::Id(id) => Ok((StatusCode::CREATED, Json(SuggestionSaved { id }))),
        Saved::Refused(e) => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::InvalidBody,
            format!("{} / {e}", e.text(Language::ZhCn)),
        )
        .with_field("text")),
        Saved::StoreFailed => Err(ApiError::unavailable()),
    }
}
