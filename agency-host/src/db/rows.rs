//! Rows ↔ domain values: the sealed parts opened or made, the codes parsed.

use serde::{Deserialize, Serialize};
use tokio_postgres::Row;

use kiosk_core::domain::{
    Application, BusinessCode, CardRecord, CardState, Case, Ecard, Outcome, Person, Progress,
};

use super::{DbError, Result};
use crate::crypto::Keys;

/// Purposes of sealed values (part of their associated data).
pub(crate) const PERSON: &str = "person";
pub(crate) const PHOTO: &str = "photo";
pub(crate) const CARD: &str = "card";
pub(crate) const APPLICATION: &str = "application";
pub(crate) const ECARD: &str = "ecard";
pub(crate) const CASE: &str = "case";

fn corrupt(what: &str, e: impl std::fmt::Display) -> DbError {
    DbError::Corrupt(format!("{what}: {e}"))
}

/// Seals a value as JSON.
pub(crate) fn seal_json<T: Serialize>(
    keys: &Keys,
    purpose: &str,
    row: &[u8],
    value: &T,
) -> Result<Vec<u8>> {
    let plain =
        zeroize::Zeroizing::new(serde_json::to_vec(value).map_err(|e| corrupt(purpose, e))?);
    Ok(keys.seal(purpose, row, &plain))
}

pub(crate) fn open_json<T: for<'de> Deserialize<'de>>(
    keys: &Keys,
    purpose: &'static str,
    row: &[u8],
    sealed: &[u8],
) -> Result<T> {
    let plain = keys.open(purpose, row, sealed)?;
    serde_json::from_slice(&plain).map_err(|e| corrupt(purpose, e))
}

/// The snake_case code serde gives a unit variant.
pub(crate) fn code<T: Serialize + std::fmt::Debug>(value: &T) -> Result<String> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => Ok(s),
        other => Err(corrupt(
            "code",
            format!("{value:?} has no code ({other:?})"),
        )),
    }
}

pub(crate) fn from_code<T: for<'de> Deserialize<'de>>(text: &str, what: &str) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(text.to_string()))
        .map_err(|e| corrupt(what, format!("unknown code {text:?}: {e}")))
}

pub(crate) fn card_state(text: &str) -> Result<CardState> {
    CardState::from_code(text).ok_or_else(|| corrupt("card state", text))
}

pub(crate) fn progress(text: &str) -> Result<Progress> {
    Progress::from_code(text).ok_or_else(|| corrupt("application progress", text))
}

/// The sealed part of a card or e-card row.
#[derive(Serialize, Deserialize)]
pub(crate) struct CardSecret {
    pub card_number: String,
    pub id_number: String,
}

/// The sealed part of an application row.
#[derive(Serialize, Deserialize)]
pub(crate) struct ApplicationSecret {
    pub id_number: String,
    pub old_card: Option<String>,
    pub reasons: Option<String>,
}

/// The sealed part of a case row.
#[derive(Serialize, Deserialize)]
pub(crate) struct CaseSecret {
    pub id_number: Option<String>,
    pub agent_id_number: Option<String>,
}

pub(crate) const PERSON_COLUMNS: &str = "p.person_id, p.id_index, p.sealed";

pub(crate) fn person(keys: &Keys, row: &Row) -> Result<Person> {
    let index: Vec<u8> = row.try_get(1)?;
    let sealed: Vec<u8> = row.try_get(2)?;
    open_json(keys, PERSON, &index, &sealed)
}

pub(crate) const CARD_COLUMNS: &str = "c.card_index, c.card_sealed, c.chip_serial, c.state, \
     c.state_since, c.issue_date, c.expiry_date, c.reissue_batch, c.replacement_requested";

pub(crate) fn card(keys: &Keys, row: &Row) -> Result<CardRecord> {
    let index: Vec<u8> = row.try_get(0)?;
    let sealed: Vec<u8> = row.try_get(1)?;
    let secret: CardSecret = open_json(keys, CARD, &index, &sealed)?;
    Ok(CardRecord {
        card_number: secret.card_number,
        id_number: secret.id_number,
        chip_serial: row.try_get(2)?,
        state: card_state(row.try_get(3)?)?,
        state_since: row.try_get(4)?,
        issue_date: row.try_get(5)?,
        expiry_date: row.try_get(6)?,
        reissue_batch: row.try_get(7)?,
        replacement_requested: row.try_get(8)?,
    })
}

pub(crate) const APPLICATION_COLUMNS: &str = "a.case_id, a.business, a.progress, \
     a.submitted_at, a.deadline, a.deadline_provisional, a.sealed, a.ready_at, \
     a.deadline_recomputed_from";

pub(crate) fn application(keys: &Keys, row: &Row) -> Result<Application> {
    let case_id: String = row.try_get(0)?;
    let sealed: Vec<u8> = row.try_get(6)?;
    let secret: ApplicationSecret = open_json(keys, APPLICATION, case_id.as_bytes(), &sealed)?;
    Ok(Application {
        id_number: secret.id_number,
        business: from_code::<BusinessCode>(row.try_get(1)?, "business")?,
        progress: progress(row.try_get(2)?)?,
        submitted_at: row.try_get(3)?,
        deadline: row.try_get(4)?,
        deadline_provisional: row.try_get(5)?,
        old_card: secret.old_card,
        reasons: secret.reasons,
        ready_at: row.try_get(7)?,
        deadline_recomputed_from: row.try_get(8)?,
        case_id,
    })
}

pub(crate) const ECARD_COLUMNS: &str = "e.token_id, e.card_sealed, e.issued_at";

pub(crate) fn ecard(keys: &Keys, row: &Row) -> Result<Ecard> {
    let token_id: String = row.try_get(0)?;
    let sealed: Vec<u8> = row.try_get(1)?;
    let secret: CardSecret = open_json(keys, ECARD, token_id.as_bytes(), &sealed)?;
    Ok(Ecard {
        id_number: secret.id_number,
        card_number: secret.card_number,
        issued_at: row.try_get(2)?,
        token_id,
    })
}

pub(crate) const CASE_COLUMNS: &str = "k.case_id, k.business, k.sealed, k.started_at, \
     k.finished_at, k.outcome, k.deadline, k.summary";

pub(crate) fn case(keys: &Keys, row: &Row) -> Result<Case> {
    let case_id: String = row.try_get(0)?;
    let sealed: Vec<u8> = row.try_get(2)?;
    let secret: CaseSecret = open_json(keys, CASE, case_id.as_bytes(), &sealed)?;
    let outcome: Option<String> = row.try_get(5)?;
    Ok(Case {
        business: from_code::<BusinessCode>(row.try_get(1)?, "business")?,
        id_number: secret.id_number,
        agent_id_number: secret.agent_id_number,
        started_at: row.try_get(3)?,
        finished_at: row.try_get(4)?,
        outcome: outcome
            .map(|o| Outcome::from_code(&o).ok_or_else(|| corrupt("case outcome", o)))
            .transpose()?,
        deadline: row.try_get(6)?,
        summary: row.try_get(7)?,
        case_id,
    })
}
