//! The answers every handler gives when something is wrong, and the screens' HTML answer:
//! the JSON API's one error body ([`ApiError`], with its stable [`ErrorCode`]), the JSON body
//! extractor that answers bad bodies with it ([`ApiJson`]), the API's 404 and 405, and for the
//! screens [`html`] and the error screen of [`page_error`].

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::actor::Gone;
use crate::screens;

/// What went wrong, as a stable code (the `error` of [`ApiError`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 400: the body is not JSON (a syntax error, or cut short).
    BadJson,
    /// 413: the body is larger than the kiosk accepts.
    TooLarge,
    /// 415: the body was not sent as `application/json`.
    UnsupportedMediaType,
    /// 422: the JSON does not fit the request's schema (a missing field, a wrong type);
    /// `field` names the field when it is known.
    InvalidBody,
    /// 422: no business has that code (`field` is `business`).
    UnknownBusiness,
    /// 422: the business cannot be started here (not offered, not for an agent …); the
    /// message is the refusal the citizen would see.
    Refused,
    /// 409: the request needs an open citizen session and there is none (it ended, timed
    /// out or was never started).
    NoSession,
    /// 404: no such API route.
    NotFound,
    /// 405: the route exists, not with this method (the `Allow` header lists those it has).
    MethodNotAllowed,
    /// 400 or 421: the request names no host, or a host this kiosk is not (a page of another
    /// name reaching the kiosk through DNS rebinding).
    WrongHost,
    /// 403: a state-changing request from a page of another origin.
    ForeignOrigin,
    /// 503: the kiosk cannot serve the request now (its storage or a device failed); a person
    /// should call staff.
    Unavailable,
}

/// The one error body of the JSON API, whatever the status.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApiError {
    #[serde(skip)]
    pub status: StatusCode,
    pub error: ErrorCode,
    /// What happened, for a person (Chinese and English where the kiosk has both).
    pub message: String,
    /// The request field at fault, when there is one (e.g. `business`, `level`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, error: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            error,
            message: message.into(),
            field: None,
        }
    }

    pub fn with_field(mut self, field: impl Into<String>) -> ApiError {
        self.field = Some(field.into());
        self
    }

    /// 503: the kiosk's task failed or its storage did.
    pub fn unavailable() -> ApiError {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Unavailable,
            "服务暂时不可用,请联系工作人员 / the service is not available; please call staff",
        )
    }

    /// 409: no citizen session is open.
    pub fn no_session() -> ApiError {
        ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::NoSession,
            "没有正在办理的业务 / no session is open; start a business first",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            [(header::CACHE_CONTROL, "no-store")],
            Json(&self),
        )
            .into_response()
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> ApiError {
        match &r {
            JsonRejection::JsonDataError(e) => {
                let (field, detail) = data_error(e);
                let mut err = ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    ErrorCode::InvalidBody,
                    format!("请求内容不符合要求 / the request does not fit its schema: {detail}"),
                );
                err.field = field;
                err
            }
            JsonRejection::JsonSyntaxError(_) => ApiError::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadJson,
                format!(
                    "请求内容不是有效的JSON / the body is not valid JSON: {}",
                    inner(&r)
                ),
            ),
            JsonRejection::MissingJsonContentType(_) => ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorCode::UnsupportedMediaType,
                "请求须为JSON / send the body as `Content-Type: application/json`",
            ),
            _ if r.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::TooLarge,
                "请求内容过大 / the body is too large",
            ),
            _ => ApiError::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadJson,
                format!(
                    "无法读取请求内容 / the body could not be read: {}",
                    inner(&r)
                ),
            ),
        }
    }
}

/// The deepest cause of a rejection (serde's own words, without axum's prefix).
fn inner(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

/// The field a data error is about (serde's path, or the name in "missing field `x`") and
/// serde's description of it.
fn data_error(e: &(dyn std::error::Error + 'static)) -> (Option<String>, String) {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(p) = err.downcast_ref::<serde_path_to_error::Error<serde_json::Error>>() {
            let path = p.path().to_string();
            let detail = p.inner().to_string();
            let field = if path != "." {
                Some(path)
            } else {
                detail
                    .strip_prefix("missing field `")
                    .and_then(|rest| rest.split('`').next())
                    .map(str::to_string)
            };
            return (field, detail);
        }
        cur = err.source();
    }
    (None, inner(e))
}

/// `Json<T>` whose rejection is an [`ApiError`]: a bad body gets 400, 413, 415 or 422 with
/// the JSON error body, never axum's plain text and never a 500.
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(r) => Err(r.into()),
        }
    }
}

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

pub(crate) fn html(page: &ui_web::Page) -> Response {
    (
        [(header::CACHE_CONTROL, "no-store")],
        Html(ui_web::render_page(page)),
    )
        .into_response()
}

/// 405 on a documented path with another method (axum keeps the `Allow` header).
pub async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::MethodNotAllowed,
        "此地址不支持该方法 / this route does not take that method",
    )
}

/// 404 under `/api/`.
pub fn not_found(path: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        ErrorCode::NotFound,
        format!("没有这个接口 / no API route {path}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrong_type_names_its_field() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code, reason = "deserialised, never read")]
        struct B {
            level: Option<u8>,
            business: String,
        }
        let e = Json::<B>::from_bytes(br#"{"business": "x", "level": "five"}"#).unwrap_err();
        let e = ApiError::from(e);
        assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e.field.as_deref(), Some("level"));
        let e = ApiError::from(Json::<B>::from_bytes(br#"{}"#).unwrap_err());
        assert_eq!(e.field.as_deref(), Some("business"));
        let e = ApiError::from(Json::<B>::from_bytes(br#"{"business": "#).unwrap_err());
        assert_eq!(
            (e.status, e.error),
            (StatusCode::BAD_REQUEST, ErrorCode::BadJson)
        );
    }

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
