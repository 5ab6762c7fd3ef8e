//! Staff calls and identity approvals through the agency (issues 22 and 19): what a kiosk
//! sends when a citizen presses 呼叫工作人员 or when its face match is not possible and the
//! rules ask for a staff approval, and what staff at the agency see and decide.
//!
//! - Kiosks (client certificate, like every route): `POST /v1/staff-calls`,
//!   `PUT /v1/identity-approvals/{case_id}` (ask), `GET /v1/identity-approvals/{case_id}`
//!   (the decision, polled).
//! - Staff (the `/v1/desk/…` routes): the client certificate of an enrolled station (a
//!   counter PC is enrolled like a kiosk) *and* a staff account in HTTP Basic authentication
//!   (`Authorization: Basic base64(user:password)`), checked on every request against the
//!   agency's staff accounts; roles front-desk or supervisor.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use kiosk_core::domain::Timestamp;

/// The paths of this module.
pub mod paths {
    /// `POST`: a kiosk's staff call ([`super::StaffCall`]).
    pub const STAFF_CALLS: &str = "/v1/staff-calls";
    /// `PUT`: a kiosk asks for a staff approval of a case's identity; `GET`: its state.
    pub const IDENTITY_APPROVAL: &str = "/v1/identity-approvals/{case_id}";
    /// `GET`: the open staff calls (`?open=true`), for staff.
    pub const DESK_CALLS: &str = "/v1/desk/calls";
    /// `POST`: staff answer a call.
    pub const DESK_CALL_ANSWER: &str = "/v1/desk/calls/{call_id}/answer";
    /// `GET`: the identity approvals waiting for staff.
    pub const DESK_APPROVALS: &str = "/v1/desk/identity-approvals";
    /// `POST`: staff decide an identity approval ([`super::ApprovalDecision`]).
    pub const DESK_APPROVAL: &str = "/v1/desk/identity-approvals/{case_id}";
}

/// `POST /v1/staff-calls`: a citizen at the kiosk pressed 呼叫工作人员.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StaffCall {
    /// When it was pressed (RFC 3339 UTC).
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
    /// The case in progress, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_id: Option<String>,
    /// Where the citizen was (the screen's name, no personal data).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub screen: Option<String>,
}

/// A staff call as the agency holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CallRecord {
    pub call_id: i64,
    pub kiosk_id: String,
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub screen: Option<String>,
    /// The staff member who answered it, and when (open while absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub answered_at: Option<Timestamp>,
}

/// `GET /v1/desk/calls`: calls, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CallList {
    pub calls: Vec<CallRecord>,
}

/// `PUT /v1/identity-approvals/{case_id}`: the kiosk's face match is not possible (or the
/// citizen asked for staff): a staff member must look at the citizen and decide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApprovalRequest {
    /// The business's code (e.g. `replace`).
    pub business: String,
    /// The holder's ID number, masked (6 + 4 characters), for staff to compare with the
    /// ID card the citizen holds, when the kiosk has it at hand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_masked: Option<String>,
    /// Why a staff approval is needed (`not_possible`, `declined`, `failed`, …).
    pub why: String,
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
}

/// Where an identity approval stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalState {
    Pending,
    Approved,
    Refused,
}

/// An identity approval as the agency holds it (`GET` by the kiosk, lists for staff).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApprovalRecord {
    pub case_id: String,
    pub kiosk_id: String,
    pub business: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_masked: Option<String>,
    pub why: String,
    #[schema(value_type = String, format = DateTime)]
    pub asked_at: Timestamp,
    pub state: ApprovalState,
    /// The staff member who decided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub decided_at: Option<Timestamp>,
}

/// `GET /v1/desk/identity-approvals`: the approvals waiting, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApprovalList {
    pub approvals: Vec<ApprovalRecord>,
}

/// `POST /v1/desk/identity-approvals/{case_id}`: a staff member's decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApprovalDecision {
    pub approved: bool,
}
