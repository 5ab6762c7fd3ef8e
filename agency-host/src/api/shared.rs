//! What every handler of the API uses: the shared state, the caller, the one error answer
//! ([`Failure`] with the [`ApiError`] body) and the JSON extractor whose rejections are that
//! answer too.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

use agency_api::{ApiError, ErrorCode, REPLAYED_HEADER};

use crate::db::{Db, DbError};
use crate::tls::PeerCert;

/// What the handlers share.
#[derive(Debug)]
pub struct AppState {
    pub db: Db,
    /// Longest a request may take before it is answered 503.
    pub deadline: Duration,
    /// Largest request body, bytes.
    pub max_body: usize,
}

pub type Shared = Arc<AppState>;

/// The client certificate of the connection, as the TLS layer saw it (`None`: none sent).
#[derive(Debug, Clone)]
pub struct Peer(pub Option<PeerCert>);

/// The kiosk a request comes from, once authenticated.
#[derive(Debug, Clone)]
pub struct Kiosk(pub String);

/// An error answer: its status and the [`ApiError`] body.
#[derive(Debug)]
pub struct Failure(pub StatusCode, pub ApiError);

impl Failure {
    pub fn new(status: StatusCode, error: ErrorCode, message: impl Into<String>) -> Failure {
        Failure(
            status,
            ApiError {
                error,
                message: message.into(),
                field: None,
            },
        )
    }

    pub(super) fn field(mut self, field: Option<String>) -> Failure {
        self.1.field = field;
        self
    }

    pub fn forbidden() -> Failure {
        Failure::new(
            StatusCode::FORBIDDEN,
            ErrorCode::Forbidden,
            "this client is not an enrolled kiosk",
        )
    }

    pub(super) fn unavailable() -> Failure {
        Failure::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Unavailable,
            "the registry cannot be reached now; nothing was written; try again later",
        )
    }

    pub(super) fn not_found(what: impl Into<String>) -> Failure {
        Failure::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, what)
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        (self.0, [(header::CACHE_CONTROL, "no-store")], Json(self.1)).into_response()
    }
}

impl From<DbError> for Failure {
    fn from(e: DbError) -> Failure {
        if e.is_unavailable() {
            log::warn!("registry unavailable: {e}");
            return Failure::unavailable();
        }
        match e {
            DbError::Conflict(m) => Failure::new(StatusCode::CONFLICT, ErrorCode::Conflict, m),
            DbError::Busy(m) => Failure::new(StatusCode::CONFLICT, ErrorCode::Busy, m),
            DbError::NotFound(m) => Failure::not_found(format!("not found: {m}")),
            DbError::Invalid(m) => {
                Failure::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::Invalid, m)
            }
            DbError::Forbidden(m) => Failure::new(StatusCode::FORBIDDEN, ErrorCode::Forbidden, m),
            e @ DbError::KeyMismatch { .. } => Failure::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::IdempotencyMismatch,
                e.to_string(),
            ),
            other => {
                // The whole chain of causes (a PostgreSQL error's code and message are in
                // its source, not its own text).
                let mut why = other.to_string();
                let mut cause = std::error::Error::source(&other);
                while let Some(c) = cause {
                    why.push_str(": ");
                    why.push_str(&c.to_string());
                    cause = c.source();
                }
                log::error!("request failed: {why}");
                Failure::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    ErrorCode::Internal,
                    "the agency failed; nothing was written (its log says why)",
                )
            }
        }
    }
}

/// `Json<T>` whose rejection is the API's error body (400, 413, 415 or 422).
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = Failure;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(r) => Err(json_rejection(&r)),
        }
    }
}

pub(super) fn deepest(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

pub(super) fn json_rejection(r: &JsonRejection) -> Failure {
    match r {
        JsonRejection::JsonDataError(e) => {
            let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
            let mut field = None;
            let mut detail = deepest(e);
            while let Some(err) = cur {
                if let Some(p) = err.downcast_ref::<serde_path_to_error::Error<serde_json::Error>>()
                {
                    let path = p.path().to_string();
                    detail = p.inner().to_string();
                    field = if path != "." {
                        Some(path)
                    } else {
                        detail
                            .strip_prefix("missing field `")
                            .and_then(|rest| rest.split('`').next())
                            .map(str::to_string)
                    };
                    break;
                }
                cur = err.source();
            }
            Failure::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::Invalid,
                format!("the request does not fit its schema: {detail}"),
            )
            .field(field)
        }
        JsonRejection::JsonSyntaxError(_) => Failure::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadJson,
            format!("the body is not valid JSON: {}", deepest(r)),
        ),
        JsonRejection::MissingJsonContentType(_) => Failure::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::UnsupportedMediaType,
            "send the body as `Content-Type: application/json`",
        ),
        _ if r.status() == StatusCode::PAYLOAD_TOO_LARGE => Failure::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::TooLarge,
            "the body is too large",
        ),
        _ => Failure::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadJson,
            format!("the body could not be read: {}", deepest(r)),
        ),
    }
}

pub(super) fn query_rejection(r: QueryRejection) -> Failure {
    Failure::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::Invalid,
        format!("the query does not fit: {}", deepest(&r)),
    )
}

/// A JSON answer that may be a replayed idempotent one.
pub(super) fn replayable<T: serde::Serialize>(value: T, replayed: bool) -> Response {
    let mut r = Json(value).into_response();
    if replayed {
        r.headers_mut()
            .insert(REPLAYED_HEADER, HeaderValue::from_static("true"));
    }
    r
}
