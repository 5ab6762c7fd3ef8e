//! The JSON API's contract: its one error body ([`ApiError`]), the JSON body extractor that
//! answers bad bodies with it ([`ApiJson`]), and the OpenAPI 3.1 document served at
//! `GET /api/openapi.json`.
//!
//! The document is generated, not written: each `/api` handler in [`super::http`] carries a
//! `#[utoipa::path]` attribute (method, path, request body, every response status with its
//! schema), `super::http::api` registers the handlers with `utoipa_axum`'s `routes!`, which
//! takes method and path from that same attribute, and the request and response types derive
//! `utoipa::ToSchema` (the view models of `ui_web::view` included). So a JSON route cannot be
//! served without its entry, and an entry cannot name another path or method than the route.
//! The simulated hardware's `/api/sim/*` controls are not part of the contract (they exist
//! only in `kiosk serve --sim`) and are not documented.

use std::sync::OnceLock;

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::openapi::OpenApi as Document;
use utoipa::{OpenApi, ToSchema};

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

/// A route of the API as the document lists it: (method in capitals, path).
pub type Route = (String, String);

/// The document's frame: title, version, tags. The paths and schemas come from the routes.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Social security card kiosk",
        description = "The kiosk's JSON API: the citizen session (the same flows as the \
            touch screens), the service guide, device status and server-sent events. \
            Every error has the body `ApiError`.",
        license(name = "MIT OR Apache-2.0"),
    ),
    tags(
        (name = "session", description = "The one citizen session at a time"),
        (name = "kiosk", description = "The service guide, devices, events and this document"),
    )
)]
struct Frame;

/// The frame the API router starts from.
pub fn frame() -> Document {
    let mut doc = Frame::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_string();
    doc
}

/// The OpenAPI document of the API, generated from the routes.
pub fn document() -> Document {
    super::http::api().into_openapi()
}

/// The document as served: pretty JSON, generated once (it is the same every time: every map
/// in it is sorted).
pub fn document_json() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| {
        document()
            .to_pretty_json()
            .expect("the OpenAPI document serialises")
    })
}

/// Every (method, path) the document lists, sorted: what the API router serves.
pub fn documented_routes() -> Vec<Route> {
    let doc = serde_json::to_value(document()).expect("the OpenAPI document serialises");
    let mut routes: Vec<Route> = doc["paths"]
        .as_object()
        .into_iter()
        .flatten()
        .flat_map(|(path, item)| {
            item.as_object()
                .into_iter()
                .flatten()
                .filter(|(k, _)| {
                    matches!(
                        k.as_str(),
                        "get" | "put" | "post" | "delete" | "options" | "head" | "patch" | "trace"
                    )
                })
                .map(move |(method, _)| (method.to_uppercase(), path.clone()))
        })
        .collect();
    routes.sort();
    routes
}

/// This document.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "kiosk",
    responses(
        (status = 200, description = "The OpenAPI 3.1 document of this API",
            content_type = "application/json", body = Object),
    )
)]
pub async fn openapi_json() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        document_json(),
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
    fn the_document_is_deterministic() {
        let a = document().to_pretty_json().unwrap();
        let b = document().to_pretty_json().unwrap();
        assert_eq!(a, b);
        assert_eq!(a, document_json());
    }

    #[test]
    fn the_document_is_openapi_3_1_with_the_api_routes() {
        let doc: serde_json::Value = serde_json::from_str(document_json()).unwrap();
        assert_eq!(doc["openapi"], "3.1.0");
        let routes = documented_routes();
        for want in [
            ("GET", "/api/session"),
            ("POST", "/api/session/start"),
            ("POST", "/api/session/event"),
            ("GET", "/api/guide"),
            ("GET", "/api/devices"),
            ("GET", "/api/events"),
            ("GET", "/api/openapi.json"),
        ] {
            assert!(
                routes.contains(&(want.0.to_string(), want.1.to_string())),
                "{want:?} missing from {routes:?}"
            );
        }
        assert!(
            routes.iter().all(|(_, p)| !p.starts_with("/api/sim")),
            "{routes:?}"
        );
    }

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
}
