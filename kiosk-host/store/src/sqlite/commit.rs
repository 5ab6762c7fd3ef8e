//! `commit`: one transaction that applies a [`Commit`] — its case row, registry changes, archive
//! record and intent settlement — with one audit entry per change; `commit_all` for many.

use chrono::Datelike;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Value};

use kiosk_core::archive_number::{retain_until, ArchiveNumber};
use kiosk_core::digest::sha256_hex;
use kiosk_core::domain::{Case, Timestamp};
use kiosk_core::mask;
use kiosk_core::store::{Change, Commit, IntentStatus, NewArchiveRecord, StoreError};

use super::audit::Chain;
use super::codec::{
    self, business_code, date, local_day, local_month, mask_card, masked, masked_json,
    parse_card_state, parse_progress, ts, PersonRow,
};
use super::query::exists;
use super::store::{Result, SqliteStore};
use crate::error::invalid;
use crate::DbError;

fn require_person(conn: &Connection, id_number: &str) -> Result<()> {
    if exists(
        conn,
        "SELECT 1 FROM persons WHERE id_number = ?1",
        [id_number],
    )? {
        Ok(())
    } else {
        Err(DbError::Store(StoreError::NotFound(format!(
            "person {}",
            mask::id_number(id_number)
        ))))
    }
}

/// Everything one commit writes to the audit log goes through here.
struct Audit<'a> {
    conn: &'a Connection,
    chain: Chain,
    at: Timestamp,
    actor: String,
}

impl Audit<'_> {
    fn log(&mut self, action: &str, subject: &str, detail: Value) -> Result<()> {
        self.chain
            .append(self.conn, self.at, &self.actor, action, subject, detail)
            .map(|_| ())
    }
}

/// What the case row was before the commit.
enum CaseBefore {
    New,
    Existing,
}

fn upsert_case(conn: &Connection, case: &Case) -> Result<CaseBefore> {
    let before = if exists(
        conn,
        "SELECT 1 FROM cases WHERE case_id = ?1",
        [&case.case_id],
    )? {
        CaseBefore::Existing
    } else {
        CaseBefore::New
    };
    conn.prepare_cached(
        "INSERT INTO cases (case_id, business, id_number, agent_id_number, started_at,
             started_date, finished_at, finished_date, outcome, deadline, summary)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (case_id) DO UPDATE SET
             business = excluded.business, id_number = excluded.id_number,
             agent_id_number = excluded.agent_id_number, started_at = excluded.started_at,
             started_date = excluded.started_date, finished_at = excluded.finished_at,
             finished_date = excluded.finished_date, outcome = excluded.outcome,
             deadline = excluded.deadline, summary = excluded.summary",
    )?
    .execute(params![
        case.case_id,
        business_code(case.business)?,
        case.id_number,
        case.agent_id_number,
        ts(case.started_at),
        local_day(case.started_at),
        case.finished_at.map(ts),
        case.finished_at.map(local_day),
        case.outcome.map(|o| o.code()),
        case.deadline.map(date),
        case.summary,
    ])?;
    Ok(before)
}

fn case_detail(case: &Case, before: &CaseBefore) -> Result<Value> {
    Ok(json!({
        "business": business_code(case.business)?,
        "id_number": case.id_number.as_deref().map(mask::id_number),
        "agent_id_number": case.agent_id_number.as_deref().map(mask::id_number),
        "started_at": ts(case.started_at),
        "finished_at": case.finished_at.map(ts),
        "outcome": case.outcome.map(|o| o.code()),
        "deadline": case.deadline.map(date),
        "summary": case.summary,
        "opened": matches!(before, CaseBefore::New),
    }))
}

/// Applies one change; returns its audit subject and detail.
fn apply_change(
    conn: &Connection,
    change: &Change,
    at: Timestamp,
    actor: &str,
) -> Result<(String, Value)> {
    let detail = masked_json(change)?;
    match change {
        Change::UpsertPerson(p) => {
            let created = !exists(
                conn,
                "SELECT 1 FROM persons WHERE id_number = ?1",
                [&p.id_number],
            )?;
            let row = PersonRow::of(p)?;
            conn.prepare_cached(
                "INSERT INTO persons (id_number, name, sex, ethnicity, birth_date, address,
                     phone, photo_sha256, address_division)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT (id_number) DO UPDATE SET
                     name = excluded.name, sex = excluded.sex, ethnicity = excluded.ethnicity,
                     birth_date = excluded.birth_date, address = excluded.address,
                     address_division = excluded.address_division",
            )?
            .execute(params![
                p.id_number,
                p.name,
                row.sex,
                p.ethnicity,
                row.birth_date,
                p.address,
                p.phone,
                p.photo_sha256,
                p.address_division,
            ])?;
            let mut detail = detail;
            if let Value::Object(map) = &mut detail {
                map.insert("created".into(), Value::Bool(created));
            }
            Ok((mask::id_number(&p.id_number), detail))
        }
        Change::SetContact {
            id_number,
            phone,
            address,
            division,
        } => {
            // A new address brings its division, or none: it clears the old one.
            let n = conn
                .prepare_cached(
                    "UPDATE persons SET phone = COALESCE(?2, phone),
                         address = COALESCE(?3, address),
                         address_division = CASE WHEN ?3 IS NULL THEN address_division
                                                 ELSE ?4 END
                     WHERE id_number = ?1",
                )?
                .execute(params![id_number, phone, address, division])?;
            if n == 0 {
                require_person(conn, id_number)?;
            }
            Ok((mask::id_number(id_number), detail))
        }
        Change::SetPhoto {
            id_number,
            sha256,
            jpeg,
        } => {
            let actual = sha256_hex(jpeg);
            if !actual.eq_ignore_ascii_case(sha256) {
                return Err(invalid(format!(
                    "the photo's SHA-256 is {actual}, not {sha256} as the change says"
                )));
            }
            require_person(conn, id_number)?;
            conn.prepare_cached(
                "INSERT INTO photos (id_number, sha256, jpeg, at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (id_number) DO UPDATE SET
                     sha256 = excluded.sha256, jpeg = excluded.jpeg, at = excluded.at",
            )?
            .execute(params![id_number, actual, jpeg, ts(at)])?;
            conn.prepare_cached("UPDATE persons SET photo_sha256 = ?2 WHERE id_number = ?1")?
                .execute(params![id_number, actual])?;
            Ok((mask::id_number(id_number), detail))
        }
        Change::AddCard(c) => {
            if exists(
                conn,
                "SELECT 1 FROM cards WHERE card_number = ?1",
                [&c.card_number],
            )? {
                return Err(DbError::Store(StoreError::Conflict(format!(
                    "card {} is already in the registry",
                    mask_card(&c.card_number)
                ))));
            }
            require_person(conn, &c.id_number)?;
            conn.prepare_cached(
                "INSERT INTO cards (card_number, id_number, chip_serial, state, issue_date,
                     expiry_date, state_since, reissue_batch, replacement_requested)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![
                c.card_number,
                c.id_number,
                c.chip_serial,
                c.state.code(),
                c.issue_date.map(date),
                c.expiry_date.map(date),
                ts(c.state_since),
                c.reissue_batch,
                c.replacement_requested,
            ])?;
            Ok((mask_card(&c.card_number), detail))
        }
        Change::SetCardState {
            card_number,
            from,
            to,
        } => {
            let current: Option<String> = conn
                .prepare_cached("SELECT state FROM cards WHERE card_number = ?1")?
                .query_row([card_number], |r| r.get(0))
                .optional()?;
            let Some(current) = current else {
                return Err(DbError::Store(StoreError::NotFound(format!(
                    "card {}",
                    mask_card(card_number)
                ))));
            };
            let current = parse_card_state(&current)?;
            if current != *from {
                return Err(DbError::Store(StoreError::Conflict(format!(
                    "card {} is {} ({}), not {} ({}) as planned; it was not moved to {} ({})",
                    mask_card(card_number),
                    current.code(),
                    current.text().zh,
                    from.code(),
                    from.text().zh,
                    to.code(),
                    to.text().zh
                ))));
            }
            conn.prepare_cached(
                "UPDATE cards SET state = ?2, state_since = ?3 WHERE card_number = ?1",
            )?
            .execute(params![card_number, to.code(), ts(at)])?;
            Ok((mask_card(card_number), detail))
        }
        Change::MarkReplacementRequested { card_number } => {
            let n = conn
                .prepare_cached(
                    "UPDATE cards SET replacement_requested = 1 WHERE card_number = ?1",
                )?
                .execute([card_number])?;
            if n == 0 {
                return Err(DbError::Store(StoreError::NotFound(format!(
                    "card {}",
                    mask_card(card_number)
                ))));
            }
            Ok((mask_card(card_number), detail))
        }
        Change::CreateApplication(a) => {
            if exists(
                conn,
                "SELECT 1 FROM applications WHERE case_id = ?1",
                [&a.case_id],
            )? {
                return Err(DbError::Store(StoreError::Conflict(format!(
                    "case {} already has an application",
                    a.case_id
                ))));
            }
            require_person(conn, &a.id_number)?;
            conn.prepare_cached(
                "INSERT INTO applications (case_id, id_number, business, progress,
                     submitted_at, deadline, deadline_provisional, old_card, reasons,
                     progress_at, progress_by, ready_at, deadline_recomputed_from)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            )?
            .execute(params![
                a.case_id,
                a.id_number,
                business_code(a.business)?,
                a.progress.code(),
                ts(a.submitted_at),
                date(a.deadline),
                a.deadline_provisional,
                a.old_card,
                a.reasons,
                ts(at),
                actor,
                a.ready_at.map(ts),
                a.deadline_recomputed_from.map(date),
            ])?;
            Ok((a.case_id.clone(), detail))
        }
        Change::MoveApplication {
            case_id,
            from,
            to,
            reasons,
        } => {
            let current: Option<String> = conn
                .prepare_cached("SELECT progress FROM applications WHERE case_id = ?1")?
                .query_row([case_id], |r| r.get(0))
                .optional()?;
            let Some(current) = current else {
                return Err(DbError::Store(StoreError::NotFound(format!(
                    "application of case {case_id}"
                ))));
            };
            let current = parse_progress(&current)?;
            if current != *from {
                return Err(DbError::Store(StoreError::Conflict(format!(
                    "the application of case {case_id} is {} ({}), not {} ({}) as planned; \
                     it was not moved to {} ({})",
                    current.code(),
                    current.text().zh,
                    from.code(),
                    from.text().zh,
                    to.code(),
                    to.text().zh
                ))));
            }
            conn.prepare_cached(
                // the card is made: the first move to ready_for_pickup or collected
                "UPDATE applications SET progress = ?2, reasons = COALESCE(?3, reasons),
                     progress_at = ?4, progress_by = ?5,
                     ready_at = CASE
                         WHEN ready_at IS NULL AND ?2 IN ('ready_for_pickup', 'collected')
                         THEN ?4 ELSE ready_at END
                 WHERE case_id = ?1",
            )?
            .execute(params![case_id, to.code(), reasons, ts(at), actor])?;
            Ok((case_id.clone(), detail))
        }
        Change::SetDeadline {
            case_id,
            from,
            from_provisional,
            to,
            provisional,
        } => {
            let changed = conn
                .prepare_cached(
                    "UPDATE applications SET deadline = ?4, deadline_provisional = ?5,
                         deadline_recomputed_from = ?2
                     WHERE case_id = ?1 AND deadline = ?2 AND deadline_provisional = ?3",
                )?
                .execute(params![
                    case_id,
                    date(*from),
                    from_provisional,
                    date(*to),
                    provisional
                ])?;
            if changed == 0 {
                return Err(DbError::Store(StoreError::Conflict(format!(
                    "the application of case {case_id} no longer has the deadline {from}; \
                     it was not recomputed"
                ))));
            }
            Ok((case_id.clone(), detail))
        }
        Change::IssueEcard(e) => {
            if exists(
                conn,
                "SELECT 1 FROM ecards WHERE token_id = ?1",
                [&e.token_id],
            )? {
                return Err(DbError::Store(StoreError::Conflict(format!(
                    "e-card token {} was already issued",
                    e.token_id
                ))));
            }
            require_person(conn, &e.id_number)?;
            conn.prepare_cached(
                "INSERT INTO ecards (token_id, id_number, card_number, issued_at)
                 VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![
                e.token_id,
                e.id_number,
                e.card_number,
                ts(e.issued_at)
            ])?;
            Ok((mask_card(&e.card_number), detail))
        }
        Change::RevokeEcards { id_number } => {
            let n = conn
                .prepare_cached(
                    "UPDATE ecards SET revoked_at = ?2
                     WHERE id_number = ?1 AND revoked_at IS NULL",
                )?
                .execute(params![id_number, ts(at)])?;
            let mut detail = detail;
            if let Value::Object(map) = &mut detail {
                map.insert("revoked".into(), Value::from(n));
            }
            Ok((mask::id_number(id_number), detail))
        }
    }
}

/// Inserts the archive record with the next item number; returns its archive number.
fn insert_archive(
    conn: &Connection,
    record: &NewArchiveRecord,
    audit: &mut Audit<'_>,
) -> Result<String> {
    if record.retention_years == 0 {
        return Err(invalid(format!(
            "archive record of case {}: a retention of 0 years",
            record.case_id
        )));
    }
    let month = local_month(record.finished_at);
    if exists(
        conn,
        "SELECT 1 FROM archive_batches WHERE month = ?1",
        [&month],
    )? {
        return Err(DbError::Store(StoreError::Conflict(format!(
            "archive month {month} is sealed; case {} finished in it cannot be added",
            record.case_id
        ))));
    }
    let archived: Option<String> = conn
        .prepare_cached("SELECT archive_no FROM archive_records WHERE case_id = ?1")?
        .query_row([&record.case_id], |r| r.get(0))
        .optional()?;
    if let Some(no) = archived {
        return Err(DbError::Store(StoreError::Conflict(format!(
            "case {} is already archived as {no}",
            record.case_id
        ))));
    }
    let year = kiosk_core::domain::local_date(record.finished_at).year();
    let retention = format!("D{}", record.retention_years);
    let item: i64 = conn
        .prepare_cached(
            "INSERT INTO archive_seq (fonds, year, retention, organisation, last)
             VALUES (?1, ?2, ?3, ?4, 1)
             ON CONFLICT (fonds, year, retention, organisation) DO UPDATE SET last = last + 1
             RETURNING last",
        )?
        .query_row(
            params![record.fonds, year, retention, record.organisation],
            |r| r.get(0),
        )?;
    let item = match u32::try_from(item) {
        Ok(n) if n <= 999_999 => n,
        _ => {
            return Err(invalid(format!(
                "no item numbers left for {}/{year}/{retention}/{}",
                record.fonds, record.organisation
            )))
        }
    };
    let number = ArchiveNumber {
        fonds: record.fonds.clone(),
        year,
        retention_years: Some(record.retention_years),
        organisation: record.organisation.clone(),
        item,
    };
    // The parts must make a number that reads back (fonds and organisation codes).
    let archive_no = number.to_string();
    if let Err(e) = archive_no.parse::<ArchiveNumber>() {
        return Err(invalid(format!(
            "archive record of case {}: {e}",
            record.case_id
        )));
    }
    let until = retain_until(year, record.retention_years).ok_or_else(|| {
        invalid(format!(
            "archive record of case {}: retention of {} years from {year} is out of range",
            record.case_id, record.retention_years
        ))
    })?;
    conn.prepare_cached(
        "INSERT INTO archive_records (archive_no, case_id, business, id_number, card_number,
             finished_at, finished_date, month, year, item, retain_until, record)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![
        archive_no,
        record.case_id,
        business_code(record.business)?,
        record.id_number,
        record.card_number,
        ts(record.finished_at),
        local_day(record.finished_at),
        month,
        year,
        item,
        date(until),
        codec::record_json(record)?,
    ])?;
    let materials: Vec<Value> = record
        .materials
        .iter()
        .map(|m| {
            json!({
                "kind": m.kind,
                "media_type": m.media_type,
                "bytes": m.content.len(),
                "sha256": sha256_hex(&m.content),
            })
        })
        .collect();
    audit.log(
        "archive.create",
        &archive_no,
        json!({
            "case_id": record.case_id,
            "business": business_code(record.business)?,
            "id_number": mask::id_number(&record.id_number),
            "card_number": record.card_number.as_deref().map(mask_card),
            "finished_at": ts(record.finished_at),
            "retain_until": date(until),
            "materials": materials,
            "steps": record.steps.len(),
        }),
    )?;
    Ok(archive_no)
}

/// Settles a journal intent inside a commit.
pub(crate) fn settle(
    conn: &Connection,
    id: i64,
    status: IntentStatus,
    at: Timestamp,
    reason: Option<&str>,
) -> Result<String> {
    let status_code = match status {
        IntentStatus::Applied => "applied",
        IntentStatus::Abandoned => "abandoned",
        IntentStatus::Pending => {
            return Err(invalid(format!("intent {id} cannot be settled as pending")))
        }
    };
    let row: Option<(String, String)> = conn
        .prepare_cached("SELECT status, case_id FROM intents WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((current, case_id)) = row else {
        return Err(DbError::Store(StoreError::NotFound(format!("intent {id}"))));
    };
    if current != "pending" {
        return Err(DbError::Store(StoreError::Conflict(format!(
            "intent {id} is already {current}; it cannot become {status_code}"
        ))));
    }
    conn.prepare_cached(
        "UPDATE intents SET status = ?2, settled_at = ?3, reason = ?4 WHERE id = ?1",
    )?
    .execute(params![id, status_code, ts(at), reason])?;
    Ok(case_id)
}

impl SqliteStore {
    /// Applies several commits in one transaction, in order, each exactly as
    /// [`Registry::commit`] would (same checks, same audit entries): all or none. For imports
    /// and bulk loads (the archive benchmark fills its stores this way), where one durable
    /// commit per case would cost a disk flush each. Returns each commit's archive number.
    pub fn commit_all(&self, commits: &[Commit]) -> Result<Vec<Option<String>>> {
        self.write(|tx| {
            commits
                .iter()
                .map(|c| SqliteStore::apply_commit(tx, c))
                .collect()
        })
    }

    pub(crate) fn apply_commit(conn: &Connection, commit: &Commit) -> Result<Option<String>> {
        for change in &commit.changes {
            change.check().map_err(|e| invalid(e.to_string()))?;
        }
        let mut audit = Audit {
            conn,
            chain: Chain::load(conn)?,
            at: commit.at,
            actor: commit.actor.label(),
        };
        // The case first (its row must exist before anything refers to it); its audit entry
        // opens the commit's entries, or closes them when the case ends here.
        let mut closing = None;
        if let Some(case) = &commit.case {
            let before = upsert_case(conn, case)?;
            let detail = case_detail(case, &before)?;
            if case.outcome.is_some() {
                closing = Some((case.case_id.clone(), detail));
            } else {
                let action = match before {
                    CaseBefore::New => "case.open",
                    CaseBefore::Existing => "case.update",
                };
                audit.log(action, &case.case_id, detail)?;
            }
        }
        for change in &commit.changes {
            let (subject, detail) = apply_change(conn, change, commit.at, &audit.actor)?;
            audit.log(change.action(), &subject, detail)?;
        }
        for (action, subject, detail) in &commit.events {
            audit.log(action, subject, masked(detail.clone()))?;
        }
        let archive_no = match &commit.archive {
            Some(record) => Some(insert_archive(conn, record, &mut audit)?),
            None => None,
        };
        if let Some((id, status)) = commit.settle {
            let case_id = settle(conn, id, status, commit.at, None)?;
            audit.log(
                "intent.settle",
                &case_id,
                json!({"intent": id, "status": status}),
            )?;
        }
        if let Some((case_id, detail)) = closing {
            audit.log("case.close", &case_id, detail)?;
        }
        Ok(archive_no)
    }
}
