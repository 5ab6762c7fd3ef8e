//! Staff calls and identity approvals (`agency_api::desk`): the kiosks' side (their client
//! certificate, like every route) and the staff's side (`/v1/desk/…`: an enrolled station's
//! certificate *and* a staff account in HTTP Basic authentication, checked on every request
//! like a login at that station, and audited so; roles front-desk or supervisor).

use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::{Extension, Json};
use base64::Engine as _;
use serde::Deserialize;
use utoipa::IntoParams;

use agency_api::desk::{
    ApprovalDecision, ApprovalList, ApprovalRecord, ApprovalRequest, CallList, CallRecord,
    StaffCall,
};
use agency_api::{ApiError, ErrorCode, Role};

use super::shared::{ApiJson, Failure, Kiosk, Shared};

/// The staff member of a `/v1/desk/…` request, as an extractor: HTTP Basic credentials
/// checked at the agency (as a login at the calling station, whose certificate the TLS layer
/// has already checked), with a role that may serve citizens. A desk handler that takes it
/// cannot run for anyone else.
pub(super) struct DeskStaff(String);

impl FromRequestParts<Shared> for DeskStaff {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, s: &Shared) -> Result<Self, Failure> {
        let station = parts
            .extensions
            .get::<Kiosk>()
            .map(|Kiosk(k)| k.clone())
            .ok_or_else(|| {
                Failure::new(
                    StatusCode::FORBIDDEN,
                    ErrorCode::Forbidden,
                    "staff routes are answered to enrolled stations only",
                )
            })?;
        let unauthorized = || {
            Failure::new(
                StatusCode::UNAUTHORIZED,
                ErrorCode::Unauthorized,
                "staff routes need a staff account: Authorization: Basic base64(user:password)",
            )
        };
        let value = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Basic "))
            .ok_or_else(unauthorized)?;
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(value.trim())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(unauthorized)?;
        let decoded = zeroize::Zeroizing::new(decoded);
        let (user, password) = decoded.split_once(':').ok_or_else(unauthorized)?;
        let member =
            s.db.staff_login(&station, user, password)
                .await?
                .ok_or_else(|| {
                    Failure::new(
                        StatusCode::UNAUTHORIZED,
                        ErrorCode::Unauthorized,
                        "用户名或密码错误 / wrong user name or password",
                    )
                })?;
        if !member
            .roles
            .iter()
            .any(|r| matches!(r, Role::FrontDesk | Role::Supervisor))
        {
            return Err(Failure::new(
                StatusCode::FORBIDDEN,
                ErrorCode::Forbidden,
                "answering calls and approving identities needs the role front-desk or supervisor",
            ));
        }
        Ok(DeskStaff(member.user))
    }
}

/// A citizen at the calling kiosk pressed 呼叫工作人员 (audited in the kiosk's chain).
#[utoipa::path(post, path = "/v1/staff-calls", tag = "desk", request_body = StaffCall,
    responses(
        (status = 200, description = "Recorded; open until a staff member answers it",
            body = CallRecord),
        (status = 422, description = "The body is not valid", body = ApiError),
        (status = 403, description = "Not an enrolled kiosk, or not its case", body = ApiError),
        (status = 503, description = "The database cannot be reached", body = ApiError),
    ))]
pub(super) async fn post_staff_call(
    State(s): State<Shared>,
    Extension(Kiosk(kiosk)): Extension<Kiosk>,
    ApiJson(req): ApiJson<StaffCall>,
) -> Result<Json<CallRecord>, Failure> {
    Ok(Json(s.db.staff_call(&kiosk, &req).await?))
}

/// The calling kiosk asks a staff member to approve a case's identity (its face match is
/// not possible). Asking again changes nothing and answers where it stands.
#[utoipa::path(put, path = "/v1/identity-approvals/{case_id}", tag = "desk",
    params(("case_id" = String, Path, description = "The case id")),
    request_body = ApprovalRequest,
    responses(
        (status = 200, description = "The approval", body = ApprovalRecord),
        (status = 422, description = "The body is not valid", body = ApiError),
        (status = 403, description = "Not an enrolled kiosk, or not its case", body = ApiError),
        (status = 503, description = "The database cannot be reached", body = ApiError),
    ))]
pub(super) async fn put_approval(
    State(s): State<Shared>,
    Extension(Kiosk(kiosk)): Extension<Kiosk>,
    Path(case_id): Path<String>,
    ApiJson(req): ApiJson<ApprovalRequest>,
) -> Result<Json<ApprovalRecord>, Failure> {
    Ok(Json(s.db.ask_approval(&kiosk, &case_id, &req).await?))
}

/// Where the calling kiosk's approval of a case stands.
#[utoipa::path(get, path = "/v1/identity-approvals/{case_id}", tag = "desk",
    params(("case_id" = String, Path, description = "The case id")),
    responses(
        (status = 200, description = "The approval", body = ApprovalRecord),
        (status = 404, description = "None was asked for this case", body = ApiError),
        (status = 403, description = "Not an enrolled kiosk, or not its case", body = ApiError),
        (status = 503, description = "The database cannot be reached", body = ApiError),
    ))]
pub(super) async fn get_approval(
    State(s): State<Shared>,
    Extension(Kiosk(kiosk)): Extension<Kiosk>,
    Path(case_id): Path<String>,
) -> Result<Json<ApprovalRecord>, Failure> {
    match s.db.approval(&kiosk, &case_id).await? {
        Some(a) => Ok(Json(a)),
        None => Err(Failure::not_found(format!(
            "no identity approval for case {case_id}"
        ))),
    }
}

/// `GET /v1/desk/calls` parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct CallsQuery {
    /// Must be `true`: the calls not answered yet.
    open: bool,
}

/// The staff calls not answered yet, oldest first (staff).
#[utoipa::path(get, path = "/v1/desk/calls", tag = "desk", params(CallsQuery),
    security(("kiosk_certificate" = []), ("staff_basic" = [])),
    responses(
        (status = 200, description = "The open calls", body = CallList),
        (status = 401, description = "No staff account, or a wrong one", body = ApiError),
        (status = 403, description = "Not an enrolled station, or no role for this",
            body = ApiError),
        (status = 422, description = "`open=true` is missing", body = ApiError),
        (status = 503, description = "The database cannot be reached", body = ApiError),
    ))]
pub(super) async fn get_desk_calls(
    State(s): State<Shared>,
    _staff: DeskStaff,
    q: Result<Query<CallsQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<CallList>, Failure> {
    let Query(q) = q.map_err(super::shared::query_rejection)?;
    if !q.open {
        return Err(Failure::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::Invalid,
            "only the open calls are listed: ask with open=true",
        ));
    }
    Ok(Json(CallList {
        calls: s.db.open_calls().await?,
    }))
}

/// A staff member answers a call (audited in their chain).
#[utoipa::path(post, path = "/v1/desk/calls/{call_id}/answer", tag = "desk",
    params(("call_id" = i64, Path, description = "The call")),
    security(("kiosk_certificate" = []), ("staff_basic" = [])),
    responses(
        (status = 200, description = "Answered", body = CallRecord),
        (status = 404, description = "No such call", body = ApiError),
        (status = 409, description = "Answered already (the message says by whom)",
            body = ApiError),
        (status = 401, description = "No staff account, or a wrong one", body = ApiError),
        (status = 403, description = "Not an enrolled station, or no role for this",
            body = ApiError),
        (status = 503, description = "The database cannot be reached", body = ApiError),
    ))]
pub(super) async fn post_desk_call_answer(
    State(s): State<Shared>,
    DeskStaff(user): DeskStaff,
    Path(call_id): Path<i64>,
) -> Result<Json<CallRecord>, Failure> {
    Ok(Json(s.db.answer_call(&user, call_id).await?))
}

/// The identity approvals waiting for staff, oldest first (staff).
#[utoipa::path(get, path = "/v1/desk/identity-approvals", tag = "desk",
    security(("kiosk_certificate" = []), ("staff_basic" = [])),
    responses(
        (status = 200, description = "The pending approvals", body = ApprovalList),
        (status = 401, description = "No staff account, or a wrong one", body = ApiError),
        (status = 403, description = "Not an enrolled station, or no role for this",
            body = ApiError),
        (status = 503, description = "The database cannot be reached", body = ApiError),
    ))]
pub(super) async fn get_desk_approvals(
    State(s): State<Shared>,
    _staff: DeskStaff,
) -> Result<Json<ApprovalList>, Failure> {
    Ok(Json(ApprovalList {
        approvals: s.db.pending_approvals().await?,
    }))
}

/// A staff member approves or refuses a case's identity (audited in their chain); the
/// kiosk reads the decision.
#[utoipa::path(post, path = "/v1/desk/identity-approvals/{case_id}", tag = "desk",
    params(("case_id" = String, Path, description = "The case id")),
    request_body = ApprovalDecision,
    security(("kiosk_certificate" = []), ("staff_basic" = [])),
    responses(
        (status = 200, description = "Decided", body = ApprovalRecord),
        (status = 404, description = "No approval asked for this case", body = ApiError),
        (status = 409, description = "Decided already (the message says by whom)",
            body = ApiError),
        (status = 401, description = "No staff account, or a wrong one", body = ApiError),
        (status = 403, description = "Not an enrolled station, or no role for this",
            body = ApiError),
        (status = 422, description = "The body is not valid", body = ApiError),
        (status = 503, description = "The database cannot be reached", body = ApiError),
    ))]
pub(super) async fn post_desk_approval(
    State(s): State<Shared>,
    DeskStaff(user): DeskStaff,
    Path(case_id): Path<String>,
    ApiJson(req): ApiJson<ApprovalDecision>,
) -> Result<Json<ApprovalRecord>, Failure> {
    Ok(Json(
        s.db.decide_approval(&user, &case_id, req.approved).await?,
    ))
}
