//! Text forms of the stored values, decoding of rows, and masking of audit details.

use crate::DbError;
use base64::Engine as _;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rusqlite::Row;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::store::Result;

use kiosk_core::domain::{
    local_date, Application, BusinessCode, CardRecord, CardState, Case, Ecard, Outcome, Person,
    Progress, Sex, Timestamp,
};
use kiosk_core::mask;
use kiosk_core::store::audit_chain;
use kiosk_core::store::{
    ArchiveRecord, ArchivedMaterial, BatchInfo, CaseStep, NewArchiveRecord, StoreError,
};

// ---- text forms ---------------------------------------------------------------------------

/// An instant as stored: RFC 3339 UTC with nine fraction digits (fixed width, so text order
/// is time order).
pub(super) fn ts(at: Timestamp) -> String {
    audit_chain::format_time(at)
}

pub(super) fn parse_ts(text: &str, what: &str) -> Result<Timestamp> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            DbError::Store(StoreError::Corrupt(format!(
                "{what}: {text:?} is not a time: {e}"
            )))
        })
}

pub(super) fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub(super) fn parse_date(text: &str, what: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|e| {
        DbError::Store(StoreError::Corrupt(format!(
            "{what}: {text:?} is not a date: {e}"
        )))
    })
}

/// The kiosk-local date of an instant, as stored.
pub(super) fn local_day(at: Timestamp) -> String {
    date(local_date(at))
}

/// The kiosk-local month (`YYYY-MM`) of an instant.
pub(super) fn local_month(at: Timestamp) -> String {
    let d = local_date(at);
    format!("{:04}-{:02}", d.year(), d.month())
}

/// The snake_case code serde gives a unit variant (business codes).
fn serde_code<T: Serialize + std::fmt::Debug>(value: &T) -> Result<String> {
    match serde_json::to_value(value) {
        Ok(Value::String(s)) => Ok(s),
        Ok(other) => Err(DbError::Store(StoreError::Corrupt(format!(
            "{value:?} has no code (serialises as {other})"
        )))),
        Err(e) => Err(DbError::Store(StoreError::Corrupt(format!(
            "{value:?} has no code: {e}"
        )))),
    }
}

fn from_serde_code<T: for<'de> Deserialize<'de>>(code: &str, what: &str) -> Result<T> {
    serde_json::from_value(Value::String(code.to_string())).map_err(|e| {
        DbError::Store(StoreError::Corrupt(format!(
            "{what}: unknown code {code:?}: {e}"
        )))
    })
}

pub(crate) fn business_code(b: BusinessCode) -> Result<String> {
    serde_code(&b)
}

pub(super) fn parse_business(code: &str) -> Result<BusinessCode> {
    from_serde_code(code, "business")
}

/// The registry's code of a sex. The schema (`0001_init.sql`) knows `male`, `female` and
/// `unknown`: 未说明的性别 (GB/T 2261.1 code 9) is recorded as `unknown`, as 未知.
fn sex_code(s: Sex) -> &'static str {
    match s {
        Sex::Male => "male",
        Sex::Female => "female",
        Sex::Unknown | Sex::Unspecified => "unknown",
    }
}

pub(super) fn parse_card_state(code: &str) -> Result<CardState> {
    CardState::from_code(code).ok_or_else(|| {
        DbError::Store(StoreError::Corrupt(format!(
            "card state: unknown code {code:?}"
        )))
    })
}

pub(super) fn parse_progress(code: &str) -> Result<Progress> {
    Progress::from_code(code).ok_or_else(|| {
        DbError::Store(StoreError::Corrupt(format!(
            "application progress: unknown code {code:?}"
        )))
    })
}

pub(super) fn parse_outcome(code: &str) -> Result<Outcome> {
    Outcome::from_code(code).ok_or_else(|| {
        DbError::Store(StoreError::Corrupt(format!(
            "case outcome: unknown code {code:?}"
        )))
    })
}

fn opt_ts(text: Option<String>, what: &str) -> Result<Option<Timestamp>> {
    text.map(|t| parse_ts(&t, what)).transpose()
}

fn opt_date(text: Option<String>, what: &str) -> Result<Option<NaiveDate>> {
    text.map(|t| parse_date(&t, what)).transpose()
}

// ---- rows ---------------------------------------------------------------------------------

/// The values of a person row, for inserts.
pub(super) struct PersonRow {
    pub sex: String,
    pub birth_date: String,
}

impl PersonRow {
    pub fn of(p: &Person) -> Result<PersonRow> {
        Ok(PersonRow {
            sex: sex_code(p.sex).to_string(),
            birth_date: date(p.birth_date),
        })
    }
}

pub(super) const PERSON_COLUMNS: &str =
    "id_number, name, sex, ethnicity, birth_date, address, phone, photo_sha256, address_division";

pub(super) fn person(row: &Row<'_>) -> Result<Person> {
    let sex: String = row.get(2)?;
    let ethnicity: i64 = row.get(3)?;
    Ok(Person {
        id_number: row.get(0)?,
        name: row.get(1)?,
        sex: from_serde_code(&sex, "sex")?,
        ethnicity: u8::try_from(ethnicity).map_err(|_| {
            DbError::Store(StoreError::Corrupt(format!(
                "ethnicity {ethnicity} is not a code"
            )))
        })?,
        birth_date: parse_date(&row.get::<_, String>(4)?, "birth date")?,
        address: row.get(5)?,
        phone: row.get(6)?,
        photo_sha256: row.get(7)?,
        address_division: row.get(8)?,
    })
}

pub(super) const CARD_COLUMNS: &str = "card_number, id_number, chip_serial, state, issue_date, \
     expiry_date, state_since, reissue_batch, replacement_requested";

pub(super) fn card(row: &Row<'_>) -> Result<CardRecord> {
    Ok(CardRecord {
        card_number: row.get(0)?,
        id_number: row.get(1)?,
        chip_serial: row.get(2)?,
        state: parse_card_state(&row.get::<_, String>(3)?)?,
        issue_date: opt_date(row.get(4)?, "card issue date")?,
        expiry_date: opt_date(row.get(5)?, "card expiry date")?,
        state_since: parse_ts(&row.get::<_, String>(6)?, "card state since")?,
        reissue_batch: row.get(7)?,
        replacement_requested: row.get(8)?,
    })
}

pub(super) const APPLICATION_COLUMNS: &str = "case_id, id_number, business, progress, \
     submitted_at, deadline, deadline_provisional, old_card, reasons, ready_at, \
     deadline_recomputed_from";

pub(super) fn application(row: &Row<'_>) -> Result<Application> {
    Ok(Application {
        case_id: row.get(0)?,
        id_number: row.get(1)?,
        business: parse_business(&row.get::<_, String>(2)?)?,
        progress: parse_progress(&row.get::<_, String>(3)?)?,
        submitted_at: parse_ts(&row.get::<_, String>(4)?, "application submitted at")?,
        deadline: parse_date(&row.get::<_, String>(5)?, "application deadline")?,
        deadline_provisional: row.get(6)?,
        old_card: row.get(7)?,
        reasons: row.get(8)?,
        ready_at: row
            .get::<_, Option<String>>(9)?
            .map(|t| parse_ts(&t, "application ready at"))
            .transpose()?,
        deadline_recomputed_from: row
            .get::<_, Option<String>>(10)?
            .map(|t| parse_date(&t, "application deadline recomputed from"))
            .transpose()?,
    })
}

pub(super) const ECARD_COLUMNS: &str = "id_number, card_number, token_id, issued_at";

pub(super) fn ecard(row: &Row<'_>) -> Result<Ecard> {
    Ok(Ecard {
        id_number: row.get(0)?,
        card_number: row.get(1)?,
        token_id: row.get(2)?,
        issued_at: parse_ts(&row.get::<_, String>(3)?, "e-card issued at")?,
    })
}

pub(super) const CASE_COLUMNS: &str = "case_id, business, id_number, agent_id_number, \
     started_at, finished_at, outcome, deadline, summary";

pub(super) fn case(row: &Row<'_>) -> Result<Case> {
    Ok(Case {
        case_id: row.get(0)?,
        business: parse_business(&row.get::<_, String>(1)?)?,
        id_number: row.get(2)?,
        agent_id_number: row.get(3)?,
        started_at: parse_ts(&row.get::<_, String>(4)?, "case started at")?,
        finished_at: opt_ts(row.get(5)?, "case finished at")?,
        outcome: row
            .get::<_, Option<String>>(6)?
            .map(|o| parse_outcome(&o))
            .transpose()?,
        deadline: opt_date(row.get(7)?, "case deadline")?,
        summary: row.get(8)?,
    })
}

pub(super) const BATCH_COLUMNS: &str =
    "month, sealed_at, records, manifest_sha256, audit_seq, audit_hash";

pub(super) fn batch(row: &Row<'_>) -> Result<BatchInfo> {
    let records: i64 = row.get(2)?;
    Ok(BatchInfo {
        month: row.get(0)?,
        sealed_at: parse_ts(&row.get::<_, String>(1)?, "batch sealed at")?,
        records: u64::try_from(records).map_err(|_| {
            DbError::Store(StoreError::Corrupt(format!("batch record count {records}")))
        })?,
        manifest_sha256: row.get(3)?,
        audit_seq: row.get(4)?,
        audit_hash: row.get(5)?,
    })
}

// ---- archive records ----------------------------------------------------------------------

/// An archived material as stored: the content in base64 (a JSON array of numbers would be
/// four times larger and slow to read back).
#[derive(Serialize, Deserialize)]
struct StoredMaterial {
    kind: String,
    title: String,
    media_type: String,
    content_base64: String,
}

/// [`NewArchiveRecord`] as stored in `archive_records.record`.
#[derive(Serialize, Deserialize)]
struct StoredRecord {
    case_id: String,
    business: BusinessCode,
    id_number: String,
    card_number: Option<String>,
    finished_at: Timestamp,
    fonds: String,
    organisation: String,
    retention_years: u32,
    title: String,
    materials: Vec<StoredMaterial>,
    steps: Vec<CaseStep>,
}

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

pub(super) fn record_json(record: &NewArchiveRecord) -> Result<String> {
    // Destructured in full, so a field added to the record cannot be silently left out.
    let NewArchiveRecord {
        case_id,
        business,
        id_number,
        card_number,
        finished_at,
        fonds,
        organisation,
        retention_years,
        title,
        materials,
        steps,
    } = record.clone();
    let stored = StoredRecord {
        case_id,
        business,
        id_number,
        card_number,
        finished_at,
        fonds,
        organisation,
        retention_years,
        title,
        materials: materials
            .into_iter()
            .map(|m| StoredMaterial {
                kind: m.kind,
                title: m.title,
                media_type: m.media_type,
                content_base64: B64.encode(&m.content),
            })
            .collect(),
        steps,
    };
    serde_json::to_string(&stored).map_err(|e| {
        DbError::Store(StoreError::Corrupt(format!(
            "archive record cannot be encoded: {e}"
        )))
    })
}

fn record_from_json(text: &str, archive_no: &str) -> Result<NewArchiveRecord> {
    let bad = |why: String| {
        DbError::Store(StoreError::Corrupt(format!(
            "archive record {archive_no}: {why}"
        )))
    };
    let s: StoredRecord = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
    let mut materials = Vec::with_capacity(s.materials.len());
    for m in s.materials {
        let content = B64
            .decode(m.content_base64.as_bytes())
            .map_err(|e| bad(format!("material {}: {e}", m.kind)))?;
        materials.push(ArchivedMaterial {
            kind: m.kind,
            title: m.title,
            media_type: m.media_type,
            content,
        });
    }
    Ok(NewArchiveRecord {
        case_id: s.case_id,
        business: s.business,
        id_number: s.id_number,
        card_number: s.card_number,
        finished_at: s.finished_at,
        fonds: s.fonds,
        organisation: s.organisation,
        retention_years: s.retention_years,
        title: s.title,
        materials,
        steps: s.steps,
    })
}

/// A record is sealed in its month's batch, if there is one (migration 0003).
pub(super) const ARCHIVE_COLUMNS: &str = "archive_no, record, retain_until, \
     (SELECT b.month FROM archive_batches b WHERE b.month = archive_records.month)";

pub(super) fn archive_record(row: &Row<'_>) -> Result<ArchiveRecord> {
    let archive_no: String = row.get(0)?;
    let record = record_from_json(&row.get::<_, String>(1)?, &archive_no)?;
    Ok(ArchiveRecord {
        retain_until: parse_date(&row.get::<_, String>(2)?, "retain until")?,
        sealed_in: row.get(3)?,
        archive_no,
        record,
    })
}

// ---- masking ------------------------------------------------------------------------------

/// A card number with only its last 4 characters visible.
pub(crate) fn mask_card(card_number: &str) -> String {
    mask::middle(card_number, 0, 4)
}

/// A JSON value with the personal data in it masked for the audit log
/// (`kiosk_core::mask::audit_detail`, the rules the agency applies too).
pub(super) fn masked(value: Value) -> Value {
    mask::audit_detail(value)
}

/// `value` serialised and masked for the audit log.
pub(super) fn masked_json<T: Serialize>(value: &T) -> Result<Value> {
    serde_json::to_value(value).map(masked).map_err(|e| {
        DbError::Store(StoreError::Corrupt(format!(
            "audit detail cannot be encoded: {e}"
        )))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn masking_covers_personal_fields() {
        let v = masked(json!({
            "change": "set_photo",
            "id_number": "652301198005061234",
            "jpeg": [1, 2, 3],
            "nested": [{"card_number": "A12345678", "phone": "13812345678"}],
            "name": "张伟",
            "address": "新疆昌吉市兴昌路475号",
            "birth_date": "1980-05-06",
            "phone": null,
        }));
        assert_eq!(
            v,
            json!({
                "change": "set_photo",
                "id_number": "652301********1234",
                "jpeg_sha256": kiosk_core::digest::sha256_hex(&[1, 2, 3]),
                "jpeg_bytes": 3,
                "nested": [{"card_number": "*****5678", "phone": "138****5678"}],
                "name": "张*",
                "address": "新疆昌吉市兴******",
                "birth_date": "1980-**-**",
                "phone": null,
            })
        );
    }

    #[test]
    fn stored_record_round_trips() {
        let r = NewArchiveRecord {
            case_id: "K1-20260105-000001".into(),
            business: BusinessCode::ReportLoss,
            id_number: "652301198005061234".into(),
            card_number: Some("A12345678".into()),
            finished_at: chrono::DateTime::from_timestamp(1_770_000_000, 5).unwrap(),
            fonds: "0001".into(),
            organisation: "652300001".into(),
            retention_years: 50,
            title: "张* 社会保障卡挂失".into(),
            materials: vec![ArchivedMaterial {
                kind: "photo".into(),
                title: "照片".into(),
                media_type: "image/jpeg".into(),
                content: vec![0xff, 0xd8, 0, 7],
            }],
            steps: vec![CaseStep {
                at: chrono::DateTime::from_timestamp(1_770_000_000, 0).unwrap(),
                step: "受理".into(),
                detail: "齐全".into(),
            }],
        };
        let text = record_json(&r).unwrap();
        assert!(text.contains("\"content_base64\":\"/9gABw==\""));
        assert_eq!(record_from_json(&text, "x").unwrap(), r);
    }
}
