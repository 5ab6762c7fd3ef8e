//! The agency's wire types: what kiosks send to and receive from the agency's `/v1` API, as
//! JSON, with their OpenAPI schemas (the server generates its OpenAPI 3.1 document from
//! them). No HTTP client or server code lives here, so the kiosk's client and the agency's
//! server share one definition of every body.
//!
//! - [`paths`]: the versioned paths, as consts.
//! - The bodies: [`Holder`], [`ReservationRequest`], [`CommitRequest`], [`CardOutcome`], …,
//!   and the one error body [`ApiError`] with its stable [`ErrorCode`].
//! - [`schema`]: the OpenAPI schemas of `kiosk-core`'s domain types (`Person`, `CardRecord`,
//!   `Commit`, …). The wire carries `kiosk-core`'s own types (their serde form); `schema`
//!   only describes them, and this crate's tests check that the serde form of every variant
//!   fits its description.
//!
//! Conventions: instants are RFC 3339 UTC; dates `YYYY-MM-DD`; enumerations their snake_case
//! codes (`CardState::code`). The agency keeps instants to the microsecond (PostgreSQL's
//! precision): an instant read back may have lost the nanoseconds it was sent with.

pub mod desk;
pub mod schema;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use kiosk_core::domain::{
    Application, CardAction, CardRecord, CardState, Case, Ecard, Person, Timestamp,
};
use kiosk_core::store::Commit;

pub use firmware_config::Role;

/// The API's paths (`{name}` are path parameters, percent-encoded by the client).
pub mod paths {
    /// The version prefix every path starts with.
    pub const V1: &str = "/v1";
    /// `GET`: a holder and what the registry knows of them ([`super::Holder`]).
    pub const PERSON: &str = "/v1/persons/{id_number}";
    /// `GET`: the holder's card photo (`image/jpeg`).
    pub const PERSON_PHOTO: &str = "/v1/persons/{id_number}/photo";
    /// `GET`: cards in a state since before an instant (`?state=&before=`).
    pub const CARDS: &str = "/v1/cards";
    /// `GET`: one card record by card number.
    pub const CARD: &str = "/v1/cards/{card_number}";
    /// `GET`: the newest card record with a chip serial.
    pub const CARD_BY_CHIP: &str = "/v1/cards/by-chip/{chip_serial}";
    /// `GET`: the e-card (not revoked) with a token identifier: what an e-card code refers to.
    pub const ECARD: &str = "/v1/ecards/{token_id}";
    /// `GET`: applications in a progress state (`?progress=`).
    pub const APPLICATIONS: &str = "/v1/applications";
    /// `GET`: one application by the case that created it.
    pub const APPLICATION: &str = "/v1/applications/{case_id}";
    /// `GET`: the production's on-time figure for applications whose expected date falls in
    /// a period (`?from=&to=&today=`), issue 17.
    pub const PRODUCTION_STATS: &str = "/v1/production-stats";
    /// `GET`: the calling kiosk's open cases (`?open=true`).
    pub const CASES: &str = "/v1/cases";
    /// `GET`: one case.
    pub const CASE: &str = "/v1/cases/{case_id}";
    /// `POST`: a new case number for the calling kiosk.
    pub const CASE_IDS: &str = "/v1/case-ids";
    /// `POST`: reserve cards and persons for a case (a lease).
    pub const RESERVATIONS: &str = "/v1/reservations";
    /// `DELETE`: release a case's lease.
    pub const RESERVATION: &str = "/v1/reservations/{case_id}";
    /// `POST`: apply a commit (idempotent by its key).
    pub const COMMITS: &str = "/v1/commits";
    /// `POST`: what a card command did (audited).
    pub const CARD_OUTCOMES: &str = "/v1/card-outcomes";
    /// `POST`: a staff member's login.
    pub const STAFF_LOGIN: &str = "/v1/staff/login";
    /// `GET`: whether the agency and its database answer.
    pub const HEALTH: &str = "/v1/health";
    /// `GET`: the OpenAPI 3.1 document of this API.
    pub const OPENAPI: &str = "/v1/openapi.json";
}

/// A holder and everything the registry holds on them: `GET /v1/persons/{id_number}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Holder {
    #[schema(value_type = schema::Person)]
    pub person: Person,
    /// Every card record of the person, newest first.
    #[schema(value_type = Vec<schema::CardRecord>)]
    pub cards: Vec<CardRecord>,
    /// Every application of the person, newest first.
    #[schema(value_type = Vec<schema::Application>)]
    pub applications: Vec<Application>,
    /// The person's e-cards that are not revoked, oldest first.
    #[schema(value_type = Vec<schema::Ecard>)]
    pub ecards: Vec<Ecard>,
    /// True when a card photo is on file (`GET /v1/persons/{id_number}/photo`).
    pub has_photo: bool,
}

/// Card records: `GET /v1/cards?state=&before=`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CardList {
    /// Oldest state change first.
    #[schema(value_type = Vec<schema::CardRecord>)]
    pub cards: Vec<CardRecord>,
    /// True when more cards matched than `limit`: ask again with `before` set to the
    /// `state_since` of the last card.
    pub truncated: bool,
}

/// Applications: `GET /v1/applications?progress=`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ApplicationList {
    /// Oldest first.
    #[schema(value_type = Vec<schema::Application>)]
    pub applications: Vec<Application>,
    pub truncated: bool,
}

/// Cases: `GET /v1/cases?open=true`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CaseList {
    /// The calling kiosk's cases opened and never closed, oldest first.
    #[schema(value_type = Vec<schema::Case>)]
    pub cases: Vec<Case>,
}

/// `POST /v1/case-ids`: a case number for the calling kiosk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseIdRequest {
    /// The kiosk-local day the case starts on.
    pub day: NaiveDate,
}

/// A new case number `<kiosk id>-<yyyymmdd>-<nnnnnn>`, never handed out before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CaseId {
    pub case_id: String,
}

/// A card's expected state in a reservation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpectedState {
    pub card_number: String,
    #[schema(value_type = schema::CardState)]
    pub state: CardState,
}

/// `POST /v1/reservations`: holds cards and persons for one case until its commit (or until
/// released or expired), so that no other case can change them meanwhile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReservationRequest {
    /// The case (of the calling kiosk) the lease is for. Reserving again for the same case
    /// replaces its lease.
    pub case_id: String,
    /// Card numbers to hold.
    #[serde(default)]
    pub cards: Vec<String>,
    /// ID numbers to hold.
    #[serde(default)]
    pub persons: Vec<String>,
    /// States the cards must be in now; any other state is a 409 `conflict`.
    #[serde(default)]
    pub expect: Vec<ExpectedState>,
    /// Seconds the lease lives; the agency's default (120) when absent, at most its maximum.
    #[serde(default)]
    pub ttl_s: Option<u32>,
}

/// A granted lease.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Reservation {
    pub case_id: String,
    /// The lease ends then unless the case commits or releases it before.
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: Timestamp,
}

/// `DELETE /v1/reservations/{case_id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Released {
    pub case_id: String,
    /// False when the case held no live lease (already released, committed or expired).
    pub released: bool,
}

/// `POST /v1/commits`: one case's registry changes, applied in one transaction with their
/// audit entries, or not at all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommitRequest {
    /// The idempotency key: `<case_id>#<n>`, `n` counting the case's commits from 1. The
    /// same key with the same commit returns the stored answer and applies nothing again; the
    /// same key with another commit is a 422 `idempotency_mismatch`.
    pub key: String,
    /// The commit, as the kiosk's engine builds it. At the agency `archive` and `settle` must
    /// be null (archive records and the intent journal stay at the kiosk); `case`, when
    /// given, must be the key's case.
    #[schema(value_type = schema::Commit)]
    pub commit: Commit,
}

/// What a commit did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Committed {
    /// Always null at the agency (archive records stay at the kiosk); the field is the one
    /// `Registry::commit` returns.
    pub archive_no: Option<String>,
    /// The sequence number of the last audit entry the commit wrote.
    pub audit_seq: i64,
}

/// `POST /v1/card-outcomes`: what a card command did, for the agency's audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CardOutcome {
    /// Idempotency key, `<case_id>#<n>` like a commit's (one counter per case).
    pub key: String,
    pub case_id: String,
    pub card_number: String,
    /// Hex, as read from the card's ATR.
    pub chip_serial: String,
    #[schema(value_type = schema::CardAction)]
    pub action: CardAction,
    /// True when the command took effect on the card.
    pub applied: bool,
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
}

/// An audited report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Recorded {
    /// The sequence number of its audit entry.
    pub audit_seq: i64,
}

/// `POST /v1/staff/login`.
#[derive(Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffLogin {
    pub user: String,
    pub password: String,
}

impl std::fmt::Debug for StaffLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaffLogin")
            .field("user", &self.user)
            .field("password", &"***")
            .finish()
    }
}

/// A staff member the agency knows, with their roles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StaffMember {
    pub user: String,
    #[schema(value_type = Vec<schema::Role>)]
    pub roles: Vec<Role>,
}

/// The database as the agency sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DatabaseHealth {
    Ok,
    Down,
}

/// `GET /v1/health`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Health {
    pub database: DatabaseHealth,
    /// The agency's version.
    pub version: String,
}

/// What went wrong, as a stable code (the `error` of [`ApiError`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 403: no client certificate, or one the agency did not enrol, or a revoked one; or the
    /// case belongs to another kiosk.
    Forbidden,
    /// 401: staff login refused (unknown user or wrong password).
    Unauthorized,
    /// 404: no such record, or no such route.
    NotFound,
    /// 405: the route exists, not with this method.
    MethodNotAllowed,
    /// 409: the change was planned against a state that is no longer current; the message
    /// says what.
    Conflict,
    /// 409: another case (another kiosk or a counter) holds a lease on the card or person;
    /// the message names the case and until when. Worth trying again once it ends.
    Busy,
    /// 422: the same idempotency key was used with another body.
    IdempotencyMismatch,
    /// 422: the request is well-formed JSON but not a valid request (the message says why;
    /// `field` names the field when known).
    Invalid,
    /// 400: the body is not JSON.
    BadJson,
    /// 413: the body is larger than the agency accepts.
    TooLarge,
    /// 415: the body was not sent as `application/json`.
    UnsupportedMediaType,
    /// 503: the database cannot be reached or did not answer in time; nothing was written.
    Unavailable,
    /// 500: the agency failed (its log says why); nothing was written.
    Internal,
}

/// The one error body of the API, whatever the status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ApiError {
    pub error: ErrorCode,
    /// What happened, for a person (personal data masked).
    pub message: String,
    /// The request field at fault, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// The header a commit or outcome answer carries when it is a stored answer replayed for a
/// repeated idempotency key (value `true`).
pub const REPLAYED_HEADER: &str = "idempotent-replayed";

/// The case id of an idempotency key `<case_id>#<n>` (`n` ≥ 1, decimal), or `None` when the
/// key does not have that shape.
pub fn key_case(key: &str) -> Option<&str> {
    let (case, n) = key.rsplit_once('#')?;
    let ok = !case.is_empty()
        && !n.is_empty()
        && n.len() <= 9
        && n.bytes().all(|b| b.is_ascii_digit())
        && !n.starts_with('0');
    ok.then_some(case)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_name_their_case() {
        assert_eq!(key_case("K1-20260101-000001#1"), Some("K1-20260101-000001"));
        assert_eq!(key_case("a#b#12"), Some("a#b"));
        for bad in ["K1", "#1", "K1#", "K1#0", "K1#01", "K1#x", "K1#1234567890"] {
            assert_eq!(key_case(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_password_is_not_in_debug_output() {
        let l = StaffLogin {
            user: "li".into(),
            password: "s3cret-pw".into(),
        };
        assert!(!format!("{l:?}").contains("s3cret"));
    }
}
