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

use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, StatusCode};
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
    paths, ApiError, CardOutcome, CaseId, CaseIdRequest, CaseList, CommitRequest, Committed,
    DatabaseHealth, ErrorCode, Health, Recorded, Released, Reservation, ReservationRequest,
    StaffLogin, StaffMember,
};

// issues 22 and 19: staff calls and identity approvals
mod desk;
mod holders;
mod shared;
use holders::*;
pub use shared::*;

/// Checks the client certificate against the enrolled kiosks (see the module header), and
/// bounds the request by the deadline.
pub async fn authenticate(State(s): State<Shared>, mut req: Request, next: Next) -> Response {
    let peer = req.extensions().get::<Peer>().and_then(|p| p.0.clone());
    let Some(peer) = peer else {
        return refuse_after_body(&s, req, Failure::forbidden()).await;
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
            return refuse_after_body(&s, req, Failure::forbidden()).await;
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

/// Answers `failure` once the request's body has been read (at most the body limit, for at
/// most a second): a client still sending its body when a refusal closes the connection would
/// see the connection reset instead of the answer (seen with a POST from a client without a
/// certificate).
async fn refuse_after_body(s: &Shared, req: Request, failure: Failure) -> Response {
    let body = axum::body::to_bytes(req.into_body(), s.max_body);
    let _ = tokio::time::timeout(std::time::Duration::from_secs(1), body).await;
    failure.into_response()
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
        (name = "desk", description = "Staff calls and identity approvals: kiosks post them, \
            staff (an enrolled station and a staff account) answer them"),
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
        components.add_security_scheme(
            "staff_basic",
            SecurityScheme::Http(utoipa::openapi::security::Http::new(
                utoipa::openapi::security::HttpAuthScheme::Basic,
            )),
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
        // issue 17: the production's on-time figure
        .routes(routes!(get_production_stats))
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
        // issues 22 and 19: staff calls and identity approvals
        .routes(routes!(desk::post_staff_call))
        .routes(routes!(desk::put_approval, desk::get_approval))
        .routes(routes!(desk::get_desk_calls))
        .routes(routes!(desk::post_desk_call_answer))
        .routes(routes!(desk::get_desk_approvals))
        .routes(routes!(desk::post_desk_approval))
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
