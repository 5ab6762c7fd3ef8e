//! The suggestion box (8.3 改进): any citizen may leave a suggestion at the kiosk, without
//! starting a business; supervisors read them on `/staff/suggestions`. The text is kept as
//! written, except that control characters are dropped and numbers that look like ID or
//! phone numbers are masked (as in rating comments); at most [`MAX_CHARS`] characters.
//!
//! `GET /suggest` shows the form, `POST /suggest` (form field `text`) saves and answers 303 to
//! the thanks (`/suggest?sent=1`); `POST /api/suggestion` is the same in JSON.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use chrono::Utc;
use firmware_config::Language;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::citizen::self_text;
use super::http::{html, page_error, with_prefs, PageForm, Prefs};
use super::openapi::{ApiError, ApiJson, ErrorCode};
use super::{screens, Shared};
use kiosk_core::store::Feedback;

/// The longest suggestion taken, in characters.
pub const MAX_CHARS: usize = 500;

/// Why a suggestion was not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SuggestionError {
    #[error("the suggestion is empty")]
    Empty,
    #[error("the suggestion has {chars} characters; at most {MAX_CHARS} are taken")]
    TooLong { chars: usize },
}

impl SuggestionError {
    /// The problem as the citizen reads it.
    pub fn text(&self, lang: Language) -> String {
        match self {
            SuggestionError::Empty => self_text(
                lang,
                "请先写下您的意见或建议",
                "write your suggestion first",
                "ئالدى بىلەن پىكىر-تەكلىپىڭىزنى يېزىڭ",
            ),
            SuggestionError::TooLong { chars } => match lang {
                Language::En => {
                    format!("your text has {chars} characters: please shorten it to {MAX_CHARS}")
                }
                Language::Ug => format!("تېكىستىڭىز {chars} ھەرپ، {MAX_CHARS} ھەرپكىچە قىسقارتىڭ"),
                Language::ZhCn => format!("内容共 {chars} 字,请缩短到 {MAX_CHARS} 字以内"),
            },
        }
    }
}

/// The text to store: cleaned as every free text is ([`kiosk_core::text::clean`]: control
/// and bidirectional characters dropped, line breaks kept, surrounding blanks trimmed),
/// ID- and phone-like numbers masked.
pub fn clean(raw: &str) -> Result<String, SuggestionError> {
    use kiosk_core::text::{Lines, TextError};
    let text = kiosk_core::text::clean(raw, MAX_CHARS, Lines::Many)
        .map_err(|TextError::TooLong { chars, .. }| SuggestionError::TooLong { chars })?;
    if text.is_empty() {
        return Err(SuggestionError::Empty);
    }
    Ok(kiosk_core::mask::free_text(&text))
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_cleaned_and_masked() {
        assert_eq!(clean("  排队太久 \n").unwrap(), "排队太久");
        assert_eq!(clean("a\u{0}b\u{7}c\nd").unwrap(), "abc\nd");
        let masked = clean("我的电话13912345678,身份证652301198001010015").unwrap();
        assert!(!masked.contains("13912345678"), "{masked}");
        assert!(!masked.contains("652301198001010015"), "{masked}");
    }

    #[test]
    fn empty_and_too_long_are_named_in_each_language() {
        assert_eq!(clean(" \t\n"), Err(SuggestionError::Empty));
        assert_eq!(clean("\u{1b}\u{7f}"), Err(SuggestionError::Empty));
        assert!(clean(&"好".repeat(MAX_CHARS)).is_ok());
        let e = clean(&"好".repeat(MAX_CHARS + 1)).unwrap_err();
        assert_eq!(e, SuggestionError::TooLong { chars: 501 });
        assert!(e.text(Language::ZhCn).contains("501"));
        assert!(e.text(Language::En).contains("shorten it to 500"));
        assert!(e.text(Language::Ug).contains("500"));
    }
}
