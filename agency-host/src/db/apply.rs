//! [`Apply`]: one transaction's changes applied to the locked rows, each `from` state checked
//! against the row, with the audit entries they make.

use deadpool_postgres::Transaction;
use serde_json::{json, Value};

use kiosk_core::domain::{Case, Person, Timestamp};
use kiosk_core::store::Change;

use super::audit::Pending;
use super::rows::{self, ApplicationSecret, CardSecret, CaseSecret};
use super::{DbError, Result};
use crate::crypto::Keys;
use kiosk_core::mask;

use super::locks::{CardRow, Locked, PersonRow};

/// One transaction's work on the registry.
pub(crate) struct Apply<'a, 't> {
    pub(crate) tx: &'a Transaction<'t>,
    pub(crate) keys: &'a Keys,
    pub(crate) locked: Locked,
    pub(crate) at: Timestamp,
    pub(crate) actor: String,
    pub(crate) entries: Vec<Pending>,
}

pub(crate) fn not_found_person(id_number: &str) -> DbError {
    DbError::NotFound(format!("person {}", mask::id_number(id_number)))
}

pub(crate) fn not_found_card(card_number: &str) -> DbError {
    DbError::NotFound(format!("card {}", mask::card_number(card_number)))
}

impl Apply<'_, '_> {
    pub(crate) fn person(&self, id_number: &str) -> Result<(&PersonRow, Vec<u8>)> {
        let index = self.keys.person_index(id_number);
        match self.locked.persons.get(&index) {
            Some(row) => Ok((row, index)),
            None => Err(not_found_person(id_number)),
        }
    }

    pub(crate) async fn write_person(&mut self, index: Vec<u8>, person: Person) -> Result<()> {
        let sealed = rows::seal_json(self.keys, rows::PERSON, &index, &person)?;
        let stmt = self
            .tx
            .prepare_cached("UPDATE persons SET sealed = $2, updated_at = $3 WHERE id_index = $1")
            .await?;
        self.tx.execute(&stmt, &[&index, &sealed, &self.at]).await?;
        if let Some(row) = self.locked.persons.get_mut(&index) {
            row.person = person;
        }
        Ok(())
    }

    /// The case row's write and audit entry: `before` is the kiosk that holds the case
    /// already ([`case_owner`], read in the transaction's first pipelined round), if any.
    /// Returns the `case.close` detail when the case closes (its entry goes last), and the
    /// write, to be sent with the changes' (pipelined).
    pub(crate) fn case(
        &mut self,
        case: &Case,
        kiosk: &str,
        before: Option<String>,
    ) -> Result<(Option<Value>, CaseWrite)> {
        if let Some(owner) = &before {
            if owner != kiosk {
                return Err(DbError::Forbidden(format!(
                    "case {} is handled by kiosk {owner}",
                    case.case_id
                )));
            }
        }
        let secret = CaseSecret {
            id_number: case.id_number.clone(),
            agent_id_number: case.agent_id_number.clone(),
        };
        let sealed = rows::seal_json(self.keys, rows::CASE, case.case_id.as_bytes(), &secret)?;
        let business = rows::code(&case.business)?;
        let outcome = case.outcome.map(|o| o.code());
        let detail = json!({
            "business": business,
            "id_number": case.id_number.as_deref().map(mask::id_number),
            "agent_id_number": case.agent_id_number.as_deref().map(mask::id_number),
            "started_at": audit_time(case.started_at),
            "finished_at": case.finished_at.map(audit_time),
            "outcome": outcome,
            "deadline": case.deadline.map(|d| d.to_string()),
            "summary": case.summary,
            "opened": before.is_none(),
        });
        let write = CaseWrite {
            case: case.clone(),
            kiosk: kiosk.to_string(),
            business,
            sealed,
            outcome,
        };
        if case.outcome.is_some() {
            Ok((Some(detail), write))
        } else {
            let action = if before.is_none() {
                "case.open"
            } else {
                "case.update"
            };
            self.entries
                .push(Pending::new(action, case.case_id.clone(), detail));
            Ok((None, write))
        }
    }

    /// Applies one change; returns its audit subject and detail.
    pub(crate) async fn change(&mut self, change: &Change) -> Result<(String, Value)> {
        let detail = mask::audit_detail(
            serde_json::to_value(change)
                .map_err(|e| DbError::Corrupt(format!("a change does not encode: {e}")))?,
        );
        let tx = self.tx;
        let keys = self.keys;
        match change {
            Change::UpsertPerson(p) => {
                let index = keys.person_index(&p.id_number);
                let created = !self.locked.persons.contains_key(&index);
                if created {
                    let sealed = rows::seal_json(keys, rows::PERSON, &index, p)?;
                    let stmt = tx
                        .prepare_cached(
                            "INSERT INTO persons (id_index, sealed, updated_at)
                             VALUES ($1, $2, $3) RETURNING person_id",
                        )
                        .await?;
                    let row = tx
                        .query_one(&stmt, &[&index, &sealed, &self.at])
                        .await
                        .map_err(|e| {
                            DbError::from(e).racing(|| {
                                format!(
                                    "person {} was added by another case at the same moment; \
                                     nothing was changed",
                                    mask::id_number(&p.id_number)
                                )
                            })
                        })?;
                    self.locked.persons.insert(
                        index,
                        PersonRow {
                            person_id: row.try_get(0)?,
                            person: p.clone(),
                        },
                    );
                } else {
                    let (row, index) = self.person(&p.id_number)?;
                    let mut person = row.person.clone();
                    person.name = p.name.clone();
                    person.sex = p.sex;
                    person.ethnicity = p.ethnicity;
                    person.birth_date = p.birth_date;
                    person.address = p.address.clone();
                    person.address_division = p.address_division.clone();
                    self.write_person(index, person).await?;
                }
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
                let (row, index) = self.person(id_number)?;
                let mut person = row.person.clone();
                if let Some(phone) = phone {
                    person.phone = Some(phone.clone());
                }
                // A new address brings its division, or none: it clears the old one.
                if let Some(address) = address {
                    person.address = address.clone();
                    person.address_division = division.clone();
                }
                self.write_person(index, person).await?;
                Ok((mask::id_number(id_number), detail))
            }
            Change::SetPhoto {
                id_number,
                sha256,
                jpeg,
            } => {
                let actual = kiosk_core::digest::sha256_hex(jpeg);
                if !actual.eq_ignore_ascii_case(sha256) {
                    return Err(DbError::Invalid(format!(
                        "the photo's SHA-256 is {actual}, not {sha256} as the change says"
                    )));
                }
                let (row, index) = self.person(id_number)?;
                let person_id = row.person_id;
                let mut person = row.person.clone();
                let sealed = keys.seal(rows::PHOTO, &person_id.to_be_bytes(), jpeg);
                let stmt = tx
                    .prepare_cached(
                        "INSERT INTO photos (person_id, sealed, at) VALUES ($1, $2, $3)
                         ON CONFLICT (person_id) DO UPDATE SET
                             sealed = excluded.sealed, at = excluded.at",
                    )
                    .await?;
                tx.execute(&stmt, &[&person_id, &sealed, &self.at]).await?;
                person.photo_sha256 = Some(actual);
                self.write_person(index, person).await?;
                Ok((mask::id_number(id_number), detail))
            }
            Change::AddCard(c) => {
                let index = keys.card_index(&c.card_number);
                if self.locked.cards.contains_key(&index) {
                    return Err(DbError::Conflict(format!(
                        "card {} is already in the registry",
                        mask::card_number(&c.card_number)
                    )));
                }
                let (row, _) = self.person(&c.id_number)?;
                let person_id = row.person_id;
                let secret = CardSecret {
                    card_number: c.card_number.clone(),
                    id_number: c.id_number.clone(),
                };
                let sealed = rows::seal_json(keys, rows::CARD, &index, &secret)?;
                let stmt = tx
                    .prepare_cached(
                        "INSERT INTO cards (card_index, card_sealed, person_id, chip_serial,
                             state, state_since, issue_date, expiry_date, reissue_batch,
                             replacement_requested)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                    )
                    .await?;
                let chip = c.chip_serial.as_ref().map(|s| s.to_ascii_uppercase());
                tx.execute(
                    &stmt,
                    &[
                        &index,
                        &sealed,
                        &person_id,
                        &chip,
                        &c.state.code(),
                        &c.state_since,
                        &c.issue_date,
                        &c.expiry_date,
                        &c.reissue_batch,
                        &c.replacement_requested,
                    ],
                )
                .await
                .map_err(|e| {
                    DbError::from(e).racing(|| {
                        format!(
                            "card {} was added by another case at the same moment",
                            mask::card_number(&c.card_number)
                        )
                    })
                })?;
                self.locked.cards.insert(index, CardRow { state: c.state });
                Ok((mask::card_number(&c.card_number), detail))
            }
            Change::SetCardState {
                card_number,
                from,
                to,
            } => {
                let index = keys.card_index(card_number);
                let Some(row) = self.locked.cards.get_mut(&index) else {
                    return Err(not_found_card(card_number));
                };
                if row.state != *from {
                    return Err(DbError::Conflict(format!(
                        "card {} is {} ({}), not {} ({}) as planned; it was not moved to {} \
                         ({})",
                        mask::card_number(card_number),
                        row.state.code(),
                        row.state.text().zh,
                        from.code(),
                        from.text().zh,
                        to.code(),
                        to.text().zh
                    )));
                }
                row.state = *to;
                let stmt = tx
                    .prepare_cached(
                        "UPDATE cards SET state = $2, state_since = $3 WHERE card_index = $1",
                    )
                    .await?;
                tx.execute(&stmt, &[&index, &to.code(), &self.at]).await?;
                Ok((mask::card_number(card_number), detail))
            }
            Change::MarkReplacementRequested { card_number } => {
                let index = keys.card_index(card_number);
                if !self.locked.cards.contains_key(&index) {
                    return Err(not_found_card(card_number));
                }
                let stmt = tx
                    .prepare_cached(
                        "UPDATE cards SET replacement_requested = true WHERE card_index = $1",
                    )
                    .await?;
                tx.execute(&stmt, &[&index]).await?;
                Ok((mask::card_number(card_number), detail))
            }
            Change::CreateApplication(a) => {
                let exists = tx
                    .query_opt(
                        "SELECT 1 FROM applications WHERE case_id = $1",
                        &[&a.case_id],
                    )
                    .await?;
                if exists.is_some() {
                    return Err(DbError::Conflict(format!(
                        "case {} already has an application",
                        a.case_id
                    )));
                }
                let (row, _) = self.person(&a.id_number)?;
                let person_id = row.person_id;
                let secret = ApplicationSecret {
                    id_number: a.id_number.clone(),
                    old_card: a.old_card.clone(),
                    reasons: a.reasons.clone(),
                };
                let sealed =
                    rows::seal_json(keys, rows::APPLICATION, a.case_id.as_bytes(), &secret)?;
                let stmt = tx
                    .prepare_cached(
                        "INSERT INTO applications (case_id, person_id, business, progress,
                             submitted_at, deadline, deadline_provisional, sealed,
                             progress_at, progress_by, ready_at, deadline_recomputed_from)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                    )
                    .await?;
                tx.execute(
                    &stmt,
                    &[
                        &a.case_id,
                        &person_id,
                        &rows::code(&a.business)?,
                        &a.progress.code(),
                        &a.submitted_at,
                        &a.deadline,
                        &a.deadline_provisional,
                        &sealed,
                        &self.at,
                        &self.actor,
                        &a.ready_at,
                        &a.deadline_recomputed_from,
                    ],
                )
                .await
                .map_err(|e| {
                    DbError::from(e)
                        .racing(|| format!("case {} already has an application", a.case_id))
                })?;
                Ok((a.case_id.clone(), detail))
            }
            Change::MoveApplication {
                case_id,
                from,
                to,
                reasons,
            } => {
                let row = tx
                    .query_opt(
                        "SELECT progress, sealed FROM applications WHERE case_id = $1
                         FOR UPDATE",
                        &[case_id],
                    )
                    .await?;
                let Some(row) = row else {
                    return Err(DbError::NotFound(format!("application of case {case_id}")));
                };
                let current = rows::progress(row.try_get(0)?)?;
                if current != *from {
                    return Err(DbError::Conflict(format!(
                        "the application of case {case_id} is {} ({}), not {} ({}) as \
                         planned; it was not moved to {} ({})",
                        current.code(),
                        current.text().zh,
                        from.code(),
                        from.text().zh,
                        to.code(),
                        to.text().zh
                    )));
                }
                let sealed: Vec<u8> = row.try_get(1)?;
                let mut secret: ApplicationSecret =
                    rows::open_json(keys, rows::APPLICATION, case_id.as_bytes(), &sealed)?;
                if let Some(r) = reasons {
                    secret.reasons = Some(r.clone());
                }
                let sealed = rows::seal_json(keys, rows::APPLICATION, case_id.as_bytes(), &secret)?;
                let stmt = tx
                    .prepare_cached(
                        // the card is made: the first move to ready_for_pickup or collected
                        "UPDATE applications SET progress = $2, sealed = $3, progress_at = $4,
                             progress_by = $5,
                             ready_at = CASE
                                 WHEN ready_at IS NULL
                                     AND $2 IN ('ready_for_pickup', 'collected')
                                 THEN $4 ELSE ready_at END
                         WHERE case_id = $1",
                    )
                    .await?;
                tx.execute(
                    &stmt,
                    &[case_id, &to.code(), &sealed, &self.at, &self.actor],
                )
                .await?;
                Ok((case_id.clone(), detail))
            }
            // issue 17: a deadline recomputed once the calendar covers its years.
            Change::SetDeadline {
                case_id,
                from,
                from_provisional,
                to,
                provisional,
            } => {
                let stmt = tx
                    .prepare_cached(
                        "UPDATE applications SET deadline = $4, deadline_provisional = $5,
                             deadline_recomputed_from = $2
                         WHERE case_id = $1 AND deadline = $2 AND deadline_provisional = $3",
                    )
                    .await?;
                let changed = tx
                    .execute(&stmt, &[case_id, from, from_provisional, to, provisional])
                    .await?;
                if changed == 0 {
                    return Err(DbError::Conflict(format!(
                        "the application of case {case_id} no longer has the deadline {from}; \
                         it was not recomputed"
                    )));
                }
                Ok((case_id.clone(), detail))
            }
            Change::IssueEcard(e) => {
                let exists = tx
                    .query_opt("SELECT 1 FROM ecards WHERE token_id = $1", &[&e.token_id])
                    .await?;
                if exists.is_some() {
                    return Err(DbError::Conflict(format!(
                        "e-card token {} was already issued",
                        e.token_id
                    )));
                }
                let (row, _) = self.person(&e.id_number)?;
                let person_id = row.person_id;
                let secret = CardSecret {
                    card_number: e.card_number.clone(),
                    id_number: e.id_number.clone(),
                };
                let sealed = rows::seal_json(keys, rows::ECARD, e.token_id.as_bytes(), &secret)?;
                let stmt = tx
                    .prepare_cached(
                        "INSERT INTO ecards (token_id, person_id, card_sealed, issued_at)
                         VALUES ($1, $2, $3, $4)",
                    )
                    .await?;
                tx.execute(&stmt, &[&e.token_id, &person_id, &sealed, &e.issued_at])
                    .await
                    .map_err(|err| {
                        DbError::from(err)
                            .racing(|| format!("e-card token {} was already issued", e.token_id))
                    })?;
                Ok((mask::card_number(&e.card_number), detail))
            }
            Change::RevokeEcards { id_number } => {
                let index = keys.person_index(id_number);
                let revoked = match self.locked.persons.get(&index) {
                    Some(row) => {
                        let stmt = tx
                            .prepare_cached(
                                "UPDATE ecards SET revoked_at = $2
                                 WHERE person_id = $1 AND revoked_at IS NULL",
                            )
                            .await?;
                        tx.execute(&stmt, &[&row.person_id, &self.at]).await?
                    }
                    None => 0,
                };
                let mut detail = detail;
                if let Value::Object(map) = &mut detail {
                    map.insert("revoked".into(), Value::from(revoked));
                }
                Ok((mask::id_number(id_number), detail))
            }
        }
    }
}

/// The kiosk that holds case `case_id` already, if any (its row locked).
pub(crate) async fn case_owner(tx: &Transaction<'_>, case_id: &str) -> Result<Option<String>> {
    let stmt = tx
        .prepare_cached("SELECT kiosk_id FROM cases WHERE case_id = $1 FOR UPDATE")
        .await?;
    match tx.query_opt(&stmt, &[&case_id]).await? {
        Some(row) => Ok(Some(row.try_get(0)?)),
        None => Ok(None),
    }
}

/// A case row to write (insert, or update the kiosk's own).
pub(crate) struct CaseWrite {
    case: Case,
    kiosk: String,
    business: String,
    sealed: Vec<u8>,
    outcome: Option<&'static str>,
}

impl CaseWrite {
    pub(crate) async fn run(self, tx: &Transaction<'_>) -> Result<()> {
        let stmt = tx
            .prepare_cached(
                "INSERT INTO cases (case_id, kiosk_id, business, sealed, started_at,
                     finished_at, outcome, deadline, summary)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                 ON CONFLICT (case_id) DO UPDATE SET
                     business = excluded.business, sealed = excluded.sealed,
                     started_at = excluded.started_at, finished_at = excluded.finished_at,
                     outcome = excluded.outcome, deadline = excluded.deadline,
                     summary = excluded.summary",
            )
            .await?;
        let c = &self.case;
        tx.execute(
            &stmt,
            &[
                &c.case_id,
                &self.kiosk,
                &self.business,
                &self.sealed,
                &c.started_at,
                &c.finished_at,
                &self.outcome,
                &c.deadline,
                &c.summary,
            ],
        )
        .await?;
        Ok(())
    }
}

/// An instant as the audit details write it (the chain's text form).
pub(crate) fn audit_time(at: Timestamp) -> String {
    kiosk_core::store::audit_chain::format_time(at)
}

/// Adds `"case": case_id` to an object detail.
pub(crate) fn with_case(mut detail: Value, case_id: &str) -> Value {
    if let Value::Object(map) = &mut detail {
        map.entry("case")
            .or_insert_with(|| Value::String(case_id.to_string()));
    }
    detail
}
