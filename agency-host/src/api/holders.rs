//! The holders' routes: a person and what the registry knows of them, cards, e-cards and
//! applications.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;

use agency_api::{ApiError, ApplicationList, CardList, ErrorCode, Holder};
use chrono::NaiveDate;
use kiosk_core::domain::{CardState, Progress, Timestamp};
use kiosk_core::store::ProductionStats;

use super::shared::*;

/// A holder by ID number: the person, their cards (newest first), applications (newest
/// first), e-cards and whether a photo is on file.
#[utoipa::path(get, path = "/v1/persons/{id_number}", tag = "holders",
    params(("id_number" = String, Path, description = "The ID number (= social security number)")),
    responses(
        (status = 200, description = "The holder", body = Holder),
        (status = 404, description = "No such person", body = ApiError),
        (status = 403, description = "Not an enrolled kiosk", body = ApiError),
        (status = 503, description = "The database cannot be reached", body = ApiError),
    ))]
pub(super) async fn get_person(
    State(s): State<Shared>,
    Path(id_number): Path<String>,
) -> Result<Json<Holder>, Failure> {
    match s.db.holder(&id_number).await? {
        Some(h) => Ok(Json(h)),
        None => Err(Failure::not_found(format!(
            "no person {} in the registry",
            kiosk_core::mask::id_number(&id_number)
        ))),
    }
}

/// The holder's card photo.
#[utoipa::path(get, path = "/v1/persons/{id_number}/photo", tag = "holders",
    params(("id_number" = String, Path, description = "The ID number")),
    responses(
        (status = 200, description = "The photo", content_type = "image/jpeg", body = Vec<u8>),
        (status = 404, description = "No person, or no photo on file", body = ApiError),
        (status = 403, description = "Not an enrolled kiosk", body = ApiError),
        (status = 503, description = "The database cannot be reached", body = ApiError),
    ))]
pub(super) async fn get_photo(
    State(s): State<Shared>,
    Path(id_number): Path<String>,
) -> Result<Response, Failure> {
    match s.db.photo(&id_number).await? {
        Some(jpeg) => Ok((
            [
                (header::CONTENT_TYPE, "image/jpeg"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            jpeg,
        )
            .into_response()),
        None => Err(Failure::not_found("no photo on file for this person")),
    }
}

/// One card record by card number.
#[utoipa::path(get, path = "/v1/cards/{card_number}", tag = "holders",
    params(("card_number" = String, Path, description = "The card number (卡号)")),
    responses(
        (status = 200, description = "The card record", body = agency_api::schema::CardRecord),
        (status = 404, description = "No such card", body = ApiError),
        (status = 403, description = "Not an enrolled kiosk", body = ApiError),
        (status = 503, description = "The database cannot be reached", body = ApiError),
    ))]
pub(super) async fn get_card(
    State(s): State<Shared>,
    Path(card_number): Path<String>,
) -> Result<Response, Failure> {
    match s.db.card(&card_number).await? {
        Some(c) => Ok(Json(c).into_response()),
        None => Err(Failure::not_found(format!(
            "no card {} in the registry",
            kiosk_core::mask::card_number(&card_number)
        ))),
    }
}

/// The newest card record with a chip serial: how a card whose application is blocked (it
/// answers nothing but its state) is recognised.
#[utoipa::path(get, path = "/v1/cards/by-chip/{chip_serial}", tag = "holders",
    params(("chip_serial" = String, Path, description = "The chip serial, hex (any case)")),
    responses(
        (status = 200, description = "The card record", body = agency_api::schema::CardRecord),
        (status = 404, description = "No card with this chip", body = ApiError),
        (status = 403, description = "Not an enrolled kiosk", body = ApiError),
        (status = 503, description = "The database cannot be reached", body = ApiError),
    ))]
pub(super) async fn get_card_by_chip(
    State(s): State<Shared>,
    Path(chip): Path<String>,
) -> Result<Response, Failure> {
    match s.db.card_by_chip(&chip).await? {
        Some(c) => Ok(Json(c).into_response()),
        None => Err(Failure::not_found("no card with this chip serial")),
    }
}

/// The e-card a code refers to: e-card codes carry the token identifier, not the holder's ID
/// number, and the registry answers who it is.
#[utoipa::path(get, path = "/v1/ecards/{token_id}", tag = "holders",
    params(("token_id" = String, Path, description = "The token identifier (hex)")),
    responses(
        (status = 200, description = "The e-card", body = agency_api::schema::Ecard),
        (status = 404, description = "No e-card with this token, or it is revoked", body = ApiError),
        (status = 403, description = "Not an enrolled kiosk", body = ApiError),
        (status = 503, description = "The database cannot be reached", body = ApiError),
    ))]
pub(super) async fn get_ecard(
    State(s): State<Shared>,
    Path(token_id): Path<String>,
) -> Result<Response, Failure> {
    match s.db.ecard_by_token(&token_id).await? {
        Some(e) => Ok(Json(e).into_response()),
        None => Err(Failure::not_found(
            "no e-card with this token, or it was revoked",
        )),
    }
}

/// `GET /v1/cards` parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct CardsQuery {
    /// The state (`lost_temporary` for temporary losses to lift).
    #[param(value_type = agency_api::schema::CardState)]
    state: CardState,
    /// Cards that entered the state before this instant (RFC 3339).
    #[param(value_type = String, format = DateTime)]
    before: Timestamp,
    /// At most this many (1–10000, default 1000).
    limit: Option<u32>,
}

/// Cards in a state they entered before an instant, oldest first (e.g. temporary losses to
/// lift).
#[utoipa::path(get, path = "/v1/cards", tag = "holders", params(CardsQuery),
    responses(
        (status = 200, description = "The cards", body = CardList),
        (status = 422, description = "A parameter is missing or wrong", body = ApiError),
        (status = 403, description = "Not an enrolled kiosk", body = ApiError),
        (status = 503, description = "The database cannot be reached", body = ApiError),
    ))]
pub(super) async fn get_cards(
    State(s): State<Shared>,
    q: Result<Query<CardsQuery>, QueryRejection>,
) -> Result<Json<CardList>, Failure> {
    let Query(q) = q.map_err(query_rejection)?;
    let (cards, truncated) =
        s.db.cards_in_state_since(q.state, q.before, q.limit.unwrap_or(1000))
            .await?;
    Ok(Json(CardList { cards, truncated }))
}

/// One application by the case that created it.
#[utoipa::path(get, path = "/v1/applications/{case_id}", tag = "holders",
    params(("case_id" = String, Path, description = "The case id")),
    responses(
        (status = 200, description = "The application", body = agency_api::schema::Application),
        (status = 404, description = "No such application", body = ApiError),
        (status = 403, description = "Not an enrolled kiosk", body = ApiError),
        (status = 503, description = "The database cannot be reached", body = ApiError),
    ))]
pub(super) async fn get_application(
    State(s): State<Shared>,
    Path(case_id): Path<String>,
) -> Result<Response, Failure> {
    match s.db.application(&case_id).await? {
        Some(a) => Ok(Json(a).into_response()),
        None => Err(Failure::not_found(format!(
            "no application of case {case_id}"
        ))),
    }
}

/// `GET /v1/applications` parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct ApplicationsQuery {
    #[param(value_type = agency_api::schema::Progress)]
    progress: Progress,
    /// At most this many (1–10000, default 1000).
    limit: Option<u32>,
}

/// Applications in a progress state, oldest first (staff work lists).
#[utoipa::path(get, path = "/v1/applications", tag = "holders", params(ApplicationsQuery),
    responses(
        (status = 200, description = "The applications", body = ApplicationList),
        (status = 422, description = "A parameter is missing or wrong", body = ApiError),
        (status = 403, description = "Not an enrolled kiosk", body = ApiError),
        (status = 503, description = "The database cannot be reached", body = ApiError),
    ))]
pub(super) async fn get_applications(
    State(s): State<Shared>,
    q: Result<Query<ApplicationsQuery>, QueryRejection>,
) -> Result<Json<ApplicationList>, Failure> {
    let Query(q) = q.map_err(query_rejection)?;
    let (applications, truncated) =
        s.db.applications_in(q.progress, q.limit.unwrap_or(1000))
            .await?;
    Ok(Json(ApplicationList {
        applications,
        truncated,
    }))
}

/// `GET /v1/production-stats` parameters (issue 17).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct ProductionQuery {
    /// First expected date counted (`YYYY-MM-DD`).
    from: NaiveDate,
    /// Last expected date counted (inclusive).
    to: NaiveDate,
    /// The day "overdue" is judged on (the kiosk's local date).
    today: NaiveDate,
}

/// The production's own on-time figure: how the applications whose expected date falls in
/// `from..=to` were made (on time, late, overdue, not yet due, rejected). Not the cases'
/// time limit (every case at a kiosk ends the day it starts).
#[utoipa::path(get, path = "/v1/production-stats", tag = "holders", params(ProductionQuery),
    responses(
        (status = 200, description = "The figure", body = agency_api::schema::ProductionStats),
        (status = 422, description = "A parameter is missing or wrong", body = ApiError),
        (status = 403, description = "Not an enrolled kiosk", body = ApiError),
        (status = 503, description = "The database cannot be reached", body = ApiError),
    ))]
pub(super) async fn get_production_stats(
    State(s): State<Shared>,
    q: Result<Query<ProductionQuery>, QueryRejection>,
) -> Result<Json<ProductionStats>, Failure> {
    let Query(q) = q.map_err(query_rejection)?;
    if q.from > q.to {
        return Err(Failure::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::Invalid,
            format!("from {} is after to {}", q.from, q.to),
        ));
    }
    Ok(Json(s.db.production_stats(q.from, q.to, q.today).await?))
}
