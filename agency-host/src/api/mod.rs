//! The kiosk-facing JSON API under `/v1`, and its OpenAPI 3.1 document.
//!
//! Every route is registered through `utoipa_axum`'s `routes!`, which takes the method and
//! path from the handler's `#[utoipa::path]` attribute and adds the operation to the
//! document (as the kiosk's own API does): a route cannot exist without its documentation.
//!
//! Every request passes [`authenticate`]: the client certificate the TLS layer verified
//! (see `tls`) must name, by CN and serial, an enrolled kiosk that is not revoked — looked up
//! on every request, so a revocation takes effect at once. Anything else is a 403 with the
//! [`ApiError`] body and nothing more. Every error, whatever the status, is that one body.
//! Requests have a deadline; the database's statements too (`[database]`).

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;
use utoipa::openapi::security::SecurityScheme;
use utoipa::openapi::OpenApi as Document;
use utoipa::{IntoParams, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use agency_api::{
    paths, ApiError, ApplicationList, CardList, CardOutcome, CaseId, CaseIdRequest, CaseList,
    CommitRequest, Committed, DatabaseHealth, ErrorCode, Health, Holder, Recorded, Released,
    Reservation, ReservationRequest, StaffLogin, StaffMember, REPLAYED_HEADER,
};
use kiosk_core::domain::{CardState, Progress, Timestamp};

use crate::db::{Db, DbError};
use crate::tls::PeerCert;

mod holders;
use holders::*;

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

    fn field(mut self, field: Option<String>) -> Failure {
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

    fn unavailable() -> Failure {
        Failure::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Unavailable,
            "the registry cannot be reached now; nothing was written; try again later",
        )
    }

    fn not_found(what: impl Into<String>) -> Failure {
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
                log::error!("request failed: {other}");
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

fn deepest(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

fn json_rejection(r: &JsonRejection) -> Failure {
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

fn query_rejection(r: QueryRejection) -> Failure {
    Failure::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::Invalid,
        format!("the query does not fit: {}", deepest(&r)),
    )
}

/// A JSON answer that may be a replayed idempotent one.
fn replayable<T: serde::Serialize>(value: T, replayed: bool) -> Response {
    let mut r = Json(value).into_response();
    if replayed {
        r.headers_mut()
            .insert(REPLAYED_HEADER, HeaderValue::from_static("true"));
    }
    r
}

/// Checks the client certificate against the enrolled kiosks (see the module header), and
/// bounds the request by the deadline.
pub async fn authenticate(State(s): State<Shared>, mut req: Request, next: Next) -> Response {
    let peer = req.extensions().get::<Peer>().and_then(|p| p.0.clone());
    let Some(peer) = peer else {
        return Failure::forbidden().into_response();
    };
    match s.db.kiosk_allowed(&peer.kiosk_id, &peer.serial).await {
        Ok(true) => {}
        Ok(false) => {
            log::warn!(
                "refused a client certificate: CN {:?}, serial {} (not enrolled, replaced or \
                 revoked)",
                peer.kiosk_id,
                peer.serial
            );
            return Failure::forbidden().into_response();
        }
        // The database is down: only the health check may answer (it says so).
        Err(e) if e.is_unavailable() && req.uri().path() == paths::HEALTH => {}
        Err(e) => return Failure::from(e).into_response(),
    }
    req.extensions_mut().insert(Kiosk(peer.kiosk_id));
    match tokio::time::timeout(s.deadline, next.run(req)).await {
        Ok(r) => r,
        Err(_) => Failure::unavailable().into_response(),
    }
}

// ---- cases -----------------------------------------------------------------------------------

/// One case.
#[utoipa::path(get, path = "/v1/cases/{case_id}", tag = "cases",
    params(("case_id" = String, Path, description = "The case id")),
    responses(
        (status = 200, description = "The case", body = agency_api::schema::Case),
        (status = 404, description = "No such case", body = ApiError),
        (status = 403, description = "Not an enrolled kiosk", body = ApiError),
        (status = 503, description = "The database cannot be reached", body = ApiError),
    ))]
async fn get_case(
    State(s): State<Shared>,
    Path(case_id): Path<String>,
) -> Result<Response, Failure> {
    match s.db.case(&case_id).await? {
        Some(c) => Ok(Json(c).into_response()),
        None => Err(Failure::not_found(format!("no case {case_id}"))),
    }
}

/// `GET /v1/cases` parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct CasesQuery {
    /// Must be `true`: the calling kiosk's cases opened and never closed.
    open: bool,
}

/// The calling kiosk's open cases, oldest first: sessions in progress, or sessions a stopped
/// kiosk left behind.
#[utoipa::path(get, path = "/v1/cases", tag = "cases", params(CasesQuery),
    responses(
        (status = 200, description = "The open cases", body = CaseList),
        (status = 422, description = "`open=true` is missing", body = ApiError),
        (status = 403, description = "Not an enrolled kiosk", body = ApiError),
        (status = 503, description = "The database cannot be reached", body = ApiError),
    ))]
async fn get_cases(
    State(s): State<Shared>,
    Extension(Kiosk(kiosk)): Extension<Kiosk>,
    q: Result<Query<CasesQuery>, QueryRejection>,
) -> Result<Json<CaseList>, Failure> {
    let Query(q) = q.map_err(query_rejection)?;
    if !q.open {
        return Err(Failure::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::Invalid,
            "only the open cases are listed: ask with open=true",
        )
        .field(Some("open".into())));
    }
    Ok(Json(CaseList {
        cases: s.db.open_cases(&kiosk).await?,
    }))
}

/// A new case number for the calling kiosk (`<kiosk id>-<yyyymmdd>-<nnnnnn>`).
#[utoipa::path(post, path = "/v1/case-ids", tag = "cases", request_body = CaseIdRequest,
    responses(
        (status = 200, description = "The case number", body = CaseId),
        (status = 422, description = "The body is not valid", body = ApiError),
        (status = 403, description = "Not an enrolled kiosk", body = ApiError),
        (status = 503, description = "The database cannot be reached", body = ApiError),
    ))]
async fn post_case_id(
    State(s): State<Shared>,
    Extension(Kiosk(kiosk)): Extension<Kiosk>,
    ApiJson(req): ApiJson<CaseIdRequest>,
) -> Result<Json<CaseId>, Failure> {
    Ok(Json(CaseId {
        case_id: s.db.next_case_id(&kiosk, req.day).await?,
    }))
}

// ---- changes ---------------------------------------------------------------------------------

/// Reserves cards and persons for a case (a lease) before its card command: 409 when another
/// case holds one of them or a card is not in the expected state.
#[utoipa::path(post, path = "/v1/reservations", tag = "changes",
    request_body = ReservationRequest,
    responses(
        (status = 200, description = "The lease", body = Reservation),
        (status = 409, description = "Held by another case, or not in the expected state",
            body = ApiError),
        (status = 422, description = "The body is not valid", body = ApiError),
        (status = 403, description = "Not an enrolled kiosk, or not its case", body = ApiError),
        (status = 503, description = "The database cannot be reached", body = ApiError),
    ))]
async fn post_reservation(
    State(s): State<Shared>,
    Extension(Kiosk(kiosk)): Extension<Kiosk>,
    ApiJson(req): ApiJson<ReservationRequest>,
) -> Result<Json<Reservation>, Failure> {
    Ok(Json(s.db.reserve(&kiosk, &req).await?))
}

/// Releases a case's lease (the card command did not run, or the business stopped).
#[utoipa::path(delete, path = "/v1/reservations/{case_id}", tag = "changes",
    params(("case_id" = String, Path, description = "The case id")),
    responses(
        (status = 200, description = "Released (or there was no live lease)", body = Released),
        (status = 403, description = "Not an enrolled kiosk, or not its case", body = ApiError),
        (status = 503, description = "The database cannot be reached", body = ApiError),
    ))]
async fn delete_reservation(
    State(s): State<Shared>,
    Extension(Kiosk(kiosk)): Extension<Kiosk>,
    Path(case_id): Path<String>,
) -> Result<Json<Released>, Failure> {
    Ok(Json(s.db.release(&kiosk, &case_id).await?))
}

/// Applies a commit in one transaction with its audit entries, or nothing. Idempotent by its
/// key: a repeat returns the stored answer (with the header `idempotent-replayed: true`).
#[utoipa::path(post, path = "/v1/commits", tag = "changes", request_body = CommitRequest,
    responses(
        (status = 200, description = "Applied (or applied before: the stored answer)",
            body = Committed),
        (status = 409, description = "A state is not the one planned, or another case holds a \
            card or person; nothing was written", body = ApiError),
        (status = 404, description = "A record the commit changes does not exist",
            body = ApiError),
        (status = 422, description = "Not a valid commit, or the key was used with another \
            commit", body = ApiError),
        (status = 403, description = "Not an enrolled kiosk, or not its case", body = ApiError),
        (status = 503, description = "The database cannot be reached; nothing was written",
            body = ApiError),
    ))]
async fn post_commit(
    State(s): State<Shared>,
    Extension(Kiosk(kiosk)): Extension<Kiosk>,
    ApiJson(req): ApiJson<CommitRequest>,
) -> Result<Response, Failure> {
    let (answer, replayed) = s.db.commit(&kiosk, &req.key, &req.commit).await?;
    Ok(replayable(answer, replayed))
}

/// Reports what a card command did, for the agency's audit log (idempotent by its key).
#[utoipa::path(post, path = "/v1/card-outcomes", tag = "changes", request_body = CardOutcome,
    responses(
        (status = 200, description = "Recorded (or recorded before)", body = Recorded),
        (status = 422, description = "Not valid, or the key was used with another report",
            body = ApiError),
        (status = 403, description = "Not an enrolled kiosk, or not its case", body = ApiError),
        (status = 503, description = "The database cannot be reached", body = ApiError),
    ))]
async fn post_card_outcome(
    State(s): State<Shared>,
    Extension(Kiosk(kiosk)): Extension<Kiosk>,
    ApiJson(req): ApiJson<CardOutcome>,
) -> Result<Response, Failure> {
    let (answer, replayed) = s.db.card_outcome(&kiosk, &req).await?;
    Ok(replayable(answer, replayed))
}

// ---- staff and agency ------------------------------------------------------------------------

/// Checks a staff login made at the calling kiosk (audited either way).
#[utoipa::path(post, path = "/v1/staff/login", tag = "staff", request_body = StaffLogin,
    responses(
        (status = 200, description = "The staff member and their roles", body = StaffMember),
        (status = 401, description = "Unknown user or wrong password", body = ApiError),
        (status = 403, description = "Not an enrolled kiosk", body = ApiError),
        (status = 503, description = "The database cannot be reached", body = ApiError),
    ))]
async fn post_staff_login(
    State(s): State<Shared>,
    Extension(Kiosk(kiosk)): Extension<Kiosk>,
    ApiJson(req): ApiJson<StaffLogin>,
) -> Result<Json<StaffMember>, Failure> {
    match s.db.staff_login(&kiosk, &req.user, &req.password).await? {
        Some(m) => Ok(Json(m)),
        None => Err(Failure::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthorized,
            "用户名或密码错误 / wrong user name or password",
        )),
    }
}

/// Whether the agency and its database answer.
#[utoipa::path(get, path = "/v1/health", tag = "agency",
    responses(
        (status = 200, description = "The agency and its database answer", body = Health),
        (status = 503, description = "The database does not answer", body = Health),
        (status = 403, description = "Not an enrolled kiosk", body = ApiError),
    ))]
async fn get_health(State(s): State<Shared>) -> Response {
    let ok = s.db.healthy().await;
    let body = Health {
        database: if ok {
            DatabaseHealth::Ok
        } else {
            DatabaseHealth::Down
        },
        version: env!("CARGO_PKG_VERSION").to_string(),
    };
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body)).into_response()
}

/// This document.
#[utoipa::path(get, path = "/v1/openapi.json", tag = "agency",
    responses(
        (status = 200, description = "The OpenAPI 3.1 document of this API",
            content_type = "application/json", body = Object),
        (status = 403, description = "Not an enrolled kiosk", body = ApiError),
    ))]
async fn get_openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        document_json(),
    )
        .into_response()
}

// ---- the document and the router -------------------------------------------------------------

/// The document's frame: title, tags, the mutual-TLS security scheme.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Social security card agency",
        description = "The agency's API for kiosks: the registry of record (holders, cards, \
            applications, cases), reservations and idempotent commits, card command reports, \
            staff logins. Every request needs the client certificate of an enrolled kiosk \
            (mutual TLS); every error has the body `ApiError`.",
        license(name = "MIT OR Apache-2.0"),
    ),
    tags(
        (name = "holders", description = "Reading the registry"),
        (name = "cases", description = "Case numbers and cases"),
        (name = "changes", description = "Reservations, commits and card command reports"),
        (name = "staff", description = "Staff accounts"),
        (name = "agency", description = "Health and this document"),
    ),
    modifiers(&MutualTls),
)]
struct Frame;

struct MutualTls;

impl utoipa::Modify for MutualTls {
    fn modify(&self, doc: &mut Document) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "kiosk_certificate",
            SecurityScheme::MutualTls {
                description: Some(
                    "A client certificate signed by the agency's CA (`agency enrol`), whose CN \
                     is the kiosk id and whose serial is the one enrolled and not revoked"
                        .into(),
                ),
                extensions: None,
            },
        );
        doc.security = Some(vec![utoipa::openapi::security::SecurityRequirement::new(
            "kiosk_certificate",
            Vec::<String>::new(),
        )]);
    }
}

/// The API's routes with their documentation.
pub fn api() -> OpenApiRouter<Shared> {
    let mut frame = Frame::openapi();
    frame.info.version = env!("CARGO_PKG_VERSION").to_string();
    OpenApiRouter::with_openapi(frame)
        .routes(routes!(get_person))
        .routes(routes!(get_photo))
        .routes(routes!(get_cards))
        .routes(routes!(get_card))
        .routes(routes!(get_card_by_chip))
        .routes(routes!(get_ecard))
        .routes(routes!(get_applications))
        .routes(routes!(get_application))
        .routes(routes!(get_cases))
        .routes(routes!(get_case))
        .routes(routes!(post_case_id))
        .routes(routes!(post_reservation))
        .routes(routes!(delete_reservation))
        .routes(routes!(post_commit))
        .routes(routes!(post_card_outcome))
        .routes(routes!(post_staff_login))
        .routes(routes!(get_health))
        .routes(routes!(get_openapi))
}

/// The OpenAPI document, generated from the routes.
pub fn document() -> Document {
    api().into_openapi()
}

/// The document as served: pretty JSON, generated once.
pub fn document_json() -> &'static str {
    static JSON: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    JSON.get_or_init(|| {
        document()
            .to_pretty_json()
            .unwrap_or_else(|e| format!("{{\"error\":\"the document does not encode: {e}\"}}"))
    })
}

async fn method_not_allowed() -> Failure {
    Failure::new(
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::MethodNotAllowed,
        "this route does not take that method",
    )
}

async fn not_found(req: Request<Body>) -> Failure {
    let _ = req;
    Failure::not_found("no such route")
}

/// The router: every route behind [`authenticate`], the body limit, JSON errors for unknown
/// routes and methods.
pub fn router(state: Shared) -> axum::Router {
    let (api, _) = api().split_for_parts();
    let max_body = state.max_body;
    api.method_not_allowed_fallback(method_not_allowed)
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            authenticate,
        ))
        .layer(axum::extract::DefaultBodyLimit::max(max_body))
        .with_state(state)
}

#[cfg(test)]
mod tests;
