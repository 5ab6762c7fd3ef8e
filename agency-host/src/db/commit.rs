//! A kiosk's commit, applied in one transaction with its audit entries, or not at all.
//!
//! 1. The idempotency key is claimed first (`INSERT … ON CONFLICT DO NOTHING`): a second
//!    request with the same key waits for the first's transaction, then finds its stored
//!    answer (returned as it is) or, if the request differs, refuses it.
//! 2. The persons and cards the changes touch are locked (`SELECT … FOR UPDATE`, by blind
//!    index, persons then cards), and no live lease of another case may hold any of them.
//! 3. The case row, the changes (each `from` state checked against the locked row), the
//!    events; a commit that closes its case or changes the registry releases its lease.
//! 4. The audit entries are appended (the head row locked last, so the serialised part of a
//!    commit is as short as can be), and the key's answer is stored.
//!
//! The entries are those the kiosk's SQLite store writes for the same commit (`case.open` /
//! `case.update`, one per change, the events, `case.close`), with personal data masked; each
//! detail also names the case (`case`), and the actor names the kiosk: `kiosk:<id>`, or
//! `staff:<user>@kiosk:<id>`.

use std::collections::{BTreeMap, BTreeSet};

use deadpool_postgres::Transaction;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use agency_api::{key_case, CardOutcome, Committed, Recorded};
use kiosk_core::domain::{Actor, CardState, Case, Person, Timestamp};
use kiosk_core::mask as kmask;
use kiosk_core::store::audit_chain::canonical_json;
use kiosk_core::store::{Change, Commit};

use super::audit::{self, Pending};
use super::rows::{self, ApplicationSecret, CardSecret, CaseSecret};
use super::{Db, DbError, Result};
use crate::crypto::Keys;
use crate::mask;

/// The audit actor of a commit made by `kiosk`.
pub fn actor_label(actor: &Actor, kiosk: &str) -> String {
    match actor {
        Actor::Staff(user) => format!("staff:{user}@kiosk:{kiosk}"),
        Actor::Citizen(_) | Actor::System => format!("kiosk:{kiosk}"),
    }
}

/// SHA-256 (hex) of a request's canonical JSON.
pub(crate) fn request_digest(kind: &str, value: &Value) -> String {
    let text = canonical_json(&json!({ "kind": kind, "request": value }));
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Checks the key's shape and that its case is the calling kiosk's; returns the case id.
pub(crate) fn owned_case<'a>(key: &'a str, kiosk: &str) -> Result<&'a str> {
    let case = key_case(key).ok_or_else(|| {
        DbError::Invalid(format!(
            "idempotency key {key:?} is not <case_id>#<n> (n from 1, decimal)"
        ))
    })?;
    check_own_case(case, kiosk)?;
    Ok(case)
}

/// A case id names its kiosk first (`<kiosk id>-…`): a kiosk acts only on its own cases.
pub(crate) fn check_own_case(case_id: &str, kiosk: &str) -> Result<()> {
    match case_id.strip_prefix(kiosk) {
        Some(rest) if rest.starts_with('-') && rest.len() > 1 => Ok(()),
        _ => Err(DbError::Forbidden(format!(
            "case {case_id} is not a case of kiosk {kiosk} (its id must start with \"{kiosk}-\")"
        ))),
    }
}

/// What claiming an idempotency key found.
pub(crate) enum Claim {
    /// The key is new: it is held by this transaction now.
    New,
    /// A request with the key was answered before: its stored answer.
    Answered(String),
}

pub(crate) async fn claim(
    tx: &Transaction<'_>,
    key: &str,
    kiosk: &str,
    digest: &str,
) -> Result<Claim> {
    let stmt = tx
        .prepare_cached(
            "INSERT INTO idempotency (key, kiosk_id, request_sha256, answer, at)
             VALUES ($1, $2, $3, NULL, now()) ON CONFLICT (key) DO NOTHING",
        )
        .await?;
    if tx.execute(&stmt, &[&key, &kiosk, &digest]).await? == 1 {
        return Ok(Claim::New);
    }
    let row = tx
        .query_one(
            "SELECT kiosk_id, request_sha256, answer FROM idempotency WHERE key = $1",
            &[&key],
        )
        .await?;
    let (by, sha, answer): (String, String, Option<String>) =
        (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
    match answer {
        Some(answer) if by == kiosk && sha == digest => Ok(Claim::Answered(answer)),
        Some(_) => Err(DbError::KeyMismatch {
            key: key.to_string(),
        }),
        None => Err(DbError::Corrupt(format!(
            "idempotency key {key:?} is stored without its answer"
        ))),
    }
}

/// A locked person row, opened.
struct PersonRow {
    person_id: i64,
    person: Person,
}

/// A locked card row.
struct CardRow {
    state: CardState,
}

/// What one blind index stands for, for messages (masked).
#[derive(Clone)]
enum Item {
    Person(String),
    Card(String),
}

impl Item {
    fn describe(&self) -> String {
        match self {
            Item::Person(id) => format!("person {}", kmask::id_number(id)),
            Item::Card(c) => format!("card {}", mask::card(c)),
        }
    }
}

/// The rows a transaction works on, locked.
pub(crate) struct Locked {
    persons: BTreeMap<Vec<u8>, PersonRow>,
    cards: BTreeMap<Vec<u8>, CardRow>,
    items: BTreeMap<Vec<u8>, Item>,
}

/// Locks the persons and cards (by blind index, in index order, persons first) and checks
/// that no live lease of another case than `case_id` holds any of them.
pub(crate) async fn lock(
    tx: &Transaction<'_>,
    keys: &Keys,
    id_numbers: &BTreeSet<String>,
    card_numbers: &BTreeSet<String>,
    case_id: &str,
) -> Result<Locked> {
    let mut items = BTreeMap::new();
    let person_indexes: Vec<Vec<u8>> = id_numbers
        .iter()
        .map(|id| {
            let ix = keys.person_index(id);
            items.insert(ix.clone(), Item::Person(id.clone()));
            ix
        })
        .collect();
    let card_indexes: Vec<Vec<u8>> = card_numbers
        .iter()
        .map(|c| {
            let ix = keys.card_index(c);
            items.insert(ix.clone(), Item::Card(c.clone()));
            ix
        })
        .collect();
    let mut locked = Locked {
        persons: BTreeMap::new(),
        cards: BTreeMap::new(),
        items,
    };
    if !person_indexes.is_empty() {
        let stmt = tx
            .prepare_cached(
                "SELECT p.person_id, p.id_index, p.sealed FROM persons p
                 WHERE p.id_index = ANY($1) ORDER BY p.id_index FOR UPDATE",
            )
            .await?;
        for row in tx.query(&stmt, &[&person_indexes]).await? {
            let index: Vec<u8> = row.try_get(1)?;
            let person = rows::person(keys, &row)?;
            locked.persons.insert(
                index,
                PersonRow {
                    person_id: row.try_get(0)?,
                    person,
                },
            );
        }
    }
    if !card_indexes.is_empty() {
        let stmt = tx
            .prepare_cached(
                "SELECT c.card_index, c.state FROM cards c
                 WHERE c.card_index = ANY($1) ORDER BY c.card_index FOR UPDATE",
            )
            .await?;
        for row in tx.query(&stmt, &[&card_indexes]).await? {
            locked.cards.insert(
                row.try_get(0)?,
                CardRow {
                    state: rows::card_state(row.try_get(1)?)?,
                },
            );
        }
    }
    let all: Vec<Vec<u8>> = locked.items.keys().cloned().collect();
    if !all.is_empty() {
        let stmt = tx
            .prepare_cached(
                "SELECT i.item, l.case_id, l.kiosk_id, l.expires_at FROM lease_items i
                 JOIN leases l ON l.case_id = i.case_id
                 WHERE i.item = ANY($1) AND l.case_id <> $2 AND l.expires_at > now()
                 ORDER BY i.item LIMIT 1",
            )
            .await?;
        if let Some(row) = tx.query_opt(&stmt, &[&all, &case_id]).await? {
            let item: Vec<u8> = row.try_get(0)?;
            let holder: String = row.try_get(1)?;
            let kiosk: String = row.try_get(2)?;
            let until: Timestamp = row.try_get(3)?;
            let what = locked
                .items
                .get(&item)
                .map(Item::describe)
                .unwrap_or_else(|| "a record".into());
            return Err(DbError::Conflict(format!(
                "{what} is being handled by case {holder} at kiosk {kiosk} (reserved until \
                 {}); nothing was changed",
                until.format("%Y-%m-%d %H:%M:%S UTC")
            )));
        }
    }
    Ok(locked)
}

impl Locked {
    pub(crate) fn card_state(&self, index: &[u8]) -> Option<CardState> {
        self.cards.get(index).map(|c| c.state)
    }
}

/// The persons and cards a commit's changes touch.
fn touched(commit: &Commit) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut persons = BTreeSet::new();
    let mut cards = BTreeSet::new();
    for change in &commit.changes {
        match change {
            Change::UpsertPerson(p) => {
                persons.insert(p.id_number.clone());
            }
            Change::SetContact { id_number, .. }
            | Change::SetPhoto { id_number, .. }
            | Change::RevokeEcards { id_number } => {
                persons.insert(id_number.clone());
            }
            Change::AddCard(c) => {
                persons.insert(c.id_number.clone());
                cards.insert(c.card_number.clone());
            }
            Change::SetCardState { card_number, .. }
            | Change::MarkReplacementRequested { card_number } => {
                cards.insert(card_number.clone());
            }
            Change::CreateApplication(a) => {
                persons.insert(a.id_number.clone());
            }
            Change::MoveApplication { .. } => {}
            Change::IssueEcard(e) => {
                persons.insert(e.id_number.clone());
            }
        }
    }
    (persons, cards)
}

/// A commit the agency accepts: no archive record, no journal settlement, the case (if any)
/// the key's.
fn validate(commit: &Commit, case_id: &str) -> Result<()> {
    if commit.archive.is_some() {
        return Err(DbError::Invalid(
            "commit.archive must be null at the agency: archive records stay at the kiosk".into(),
        ));
    }
    if commit.settle.is_some() {
        return Err(DbError::Invalid(
            "commit.settle must be null at the agency: the intent journal stays at the kiosk"
                .into(),
        ));
    }
    if let Some(case) = &commit.case {
        if case.case_id != case_id {
            return Err(DbError::Invalid(format!(
                "commit.case is case {}, but the idempotency key is for case {case_id}",
                case.case_id
            )));
        }
    }
    for change in &commit.changes {
        let empty = match change {
            Change::UpsertPerson(p) => p.id_number.is_empty(),
            Change::AddCard(c) => c.card_number.is_empty() || c.id_number.is_empty(),
            Change::CreateApplication(a) => a.case_id.is_empty() || a.id_number.is_empty(),
            Change::IssueEcard(e) => e.token_id.is_empty() || e.id_number.is_empty(),
            _ => false,
        };
        if empty {
            return Err(DbError::Invalid(format!(
                "a {} change has an empty key field",
                change.action()
            )));
        }
    }
    Ok(())
}

/// One transaction's work on the registry.
struct Apply<'a, 't> {
    tx: &'a Transaction<'t>,
    keys: &'a Keys,
    locked: Locked,
    at: Timestamp,
    actor: String,
    entries: Vec<Pending>,
}

fn not_found_person(id_number: &str) -> DbError {
    DbError::NotFound(format!("person {}", kmask::id_number(id_number)))
}

fn not_found_card(card_number: &str) -> DbError {
    DbError::NotFound(format!("card {}", mask::card(card_number)))
}

impl Apply<'_, '_> {
    fn person(&self, id_number: &str) -> Result<(&PersonRow, Vec<u8>)> {
        let index = self.keys.person_index(id_number);
        match self.locked.persons.get(&index) {
            Some(row) => Ok((row, index)),
            None => Err(not_found_person(id_number)),
        }
    }

    async fn write_person(&mut self, index: Vec<u8>, person: Person) -> Result<()> {
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

    async fn case(&mut self, case: &Case, kiosk: &str) -> Result<Option<Value>> {
        let before = self
            .tx
            .query_opt(
                "SELECT kiosk_id FROM cases WHERE case_id = $1 FOR UPDATE",
                &[&case.case_id],
            )
            .await?;
        if let Some(row) = &before {
            let owner: String = row.try_get(0)?;
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
        let stmt = self
            .tx
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
        self.tx
            .execute(
                &stmt,
                &[
                    &case.case_id,
                    &kiosk,
                    &business,
                    &sealed,
                    &case.started_at,
                    &case.finished_at,
                    &outcome,
                    &case.deadline,
                    &case.summary,
                ],
            )
            .await?;
        let detail = json!({
            "business": business,
            "id_number": case.id_number.as_deref().map(kmask::id_number),
            "agent_id_number": case.agent_id_number.as_deref().map(kmask::id_number),
            "started_at": audit_time(case.started_at),
            "finished_at": case.finished_at.map(audit_time),
            "outcome": outcome,
            "deadline": case.deadline.map(|d| d.to_string()),
            "summary": case.summary,
            "opened": before.is_none(),
        });
        if case.outcome.is_some() {
            Ok(Some(detail))
        } else {
            let action = if before.is_none() {
                "case.open"
            } else {
                "case.update"
            };
            self.entries
                .push(Pending::new(action, case.case_id.clone(), detail));
            Ok(None)
        }
    }

    /// Applies one change; returns its audit subject and detail.
    async fn change(&mut self, change: &Change) -> Result<(String, Value)> {
        let detail = mask::masked(
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
                                    kmask::id_number(&p.id_number)
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
                    self.write_person(index, person).await?;
                }
                let mut detail = detail;
                if let Value::Object(map) = &mut detail {
                    map.insert("created".into(), Value::Bool(created));
                }
                Ok((kmask::id_number(&p.id_number), detail))
            }
            Change::SetContact {
                id_number,
                phone,
                address,
            } => {
                let (row, index) = self.person(id_number)?;
                let mut person = row.person.clone();
                if let Some(phone) = phone {
                    person.phone = Some(phone.clone());
                }
                if let Some(address) = address {
                    person.address = address.clone();
                }
                self.write_person(index, person).await?;
                Ok((kmask::id_number(id_number), detail))
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
                Ok((kmask::id_number(id_number), detail))
            }
            Change::AddCard(c) => {
                let index = keys.card_index(&c.card_number);
                if self.locked.cards.contains_key(&index) {
                    return Err(DbError::Conflict(format!(
                        "card {} is already in the registry",
                        mask::card(&c.card_number)
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
                            mask::card(&c.card_number)
                        )
                    })
                })?;
                self.locked.cards.insert(index, CardRow { state: c.state });
                Ok((mask::card(&c.card_number), detail))
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
                        mask::card(card_number),
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
                Ok((mask::card(card_number), detail))
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
                Ok((mask::card(card_number), detail))
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
                             progress_at, progress_by)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
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
                        "UPDATE applications SET progress = $2, sealed = $3, progress_at = $4,
                             progress_by = $5
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
                Ok((mask::card(&e.card_number), detail))
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
                Ok((kmask::id_number(id_number), detail))
            }
        }
    }
}

/// An instant as the audit details write it (the chain's text form).
fn audit_time(at: Timestamp) -> String {
    kiosk_core::store::audit_chain::format_time(at)
}

/// Adds `"case": case_id` to an object detail.
fn with_case(mut detail: Value, case_id: &str) -> Value {
    if let Value::Object(map) = &mut detail {
        map.entry("case")
            .or_insert_with(|| Value::String(case_id.to_string()));
    }
    detail
}

impl Db {
    /// Applies `commit` for `kiosk` under the idempotency key `key`. Returns the answer and
    /// whether it is a stored one replayed.
    pub async fn commit(
        &self,
        kiosk: &str,
        key: &str,
        commit: &Commit,
    ) -> Result<(Committed, bool)> {
        let case_id = owned_case(key, kiosk)?;
        validate(commit, case_id)?;
        let body = serde_json::to_value(commit)
            .map_err(|e| DbError::Invalid(format!("the commit does not encode: {e}")))?;
        let digest = request_digest("commit", &body);
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        if let Claim::Answered(answer) = claim(&tx, key, kiosk, &digest).await? {
            let answer: Committed = serde_json::from_str(&answer)
                .map_err(|e| DbError::Corrupt(format!("stored answer of {key:?}: {e}")))?;
            tx.rollback().await?;
            return Ok((answer, true));
        }
        let (persons, cards) = touched(commit);
        let locked = lock(&tx, &self.keys, &persons, &cards, case_id).await?;
        let mut apply = Apply {
            tx: &tx,
            keys: &self.keys,
            locked,
            at: commit.at,
            actor: actor_label(&commit.actor, kiosk),
            entries: Vec::new(),
        };
        let closing = match &commit.case {
            Some(case) => apply.case(case, kiosk).await?,
            None => None,
        };
        for change in &commit.changes {
            let (subject, detail) = apply.change(change).await?;
            apply
                .entries
                .push(Pending::new(change.action(), subject, detail));
        }
        for (action, subject, detail) in &commit.events {
            apply.entries.push(Pending::new(
                action.clone(),
                subject.clone(),
                mask::masked(detail.clone()),
            ));
        }
        if let (Some(detail), Some(case)) = (closing, &commit.case) {
            apply
                .entries
                .push(Pending::new("case.close", case.case_id.clone(), detail));
        }
        if !commit.changes.is_empty() || commit.case.as_ref().is_some_and(|c| c.outcome.is_some()) {
            tx.execute("DELETE FROM leases WHERE case_id = $1", &[&case_id])
                .await?;
        }
        let entries: Vec<Pending> = std::mem::take(&mut apply.entries)
            .into_iter()
            .map(|mut p| {
                p.detail = with_case(p.detail, case_id);
                p
            })
            .collect();
        let actor = apply.actor.clone();
        let make = |audit_seq: i64| {
            serde_json::to_string(&Committed {
                archive_no: None,
                audit_seq,
            })
            .map_err(|e| DbError::Corrupt(format!("answer: {e}")))
        };
        let audit_seq =
            audit::append_and_answer(&tx, commit.at, &actor, entries, Some((key, &make))).await?;
        let answer = Committed {
            archive_no: None,
            audit_seq,
        };
        tx.commit().await?;
        Ok((answer, false))
    }

    /// Records what a card command did (one audit entry), idempotent by the report's key.
    pub async fn card_outcome(&self, kiosk: &str, o: &CardOutcome) -> Result<(Recorded, bool)> {
        let case_id = owned_case(&o.key, kiosk)?;
        if case_id != o.case_id {
            return Err(DbError::Invalid(format!(
                "the key {:?} is not for case {}",
                o.key, o.case_id
            )));
        }
        let body = serde_json::to_value(o)
            .map_err(|e| DbError::Invalid(format!("the report does not encode: {e}")))?;
        let digest = request_digest("card_outcome", &body);
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        if let Claim::Answered(answer) = claim(&tx, &o.key, kiosk, &digest).await? {
            let answer: Recorded = serde_json::from_str(&answer)
                .map_err(|e| DbError::Corrupt(format!("stored answer of {:?}: {e}", o.key)))?;
            tx.rollback().await?;
            return Ok((answer, true));
        }
        let detail = json!({
            "case": o.case_id,
            "chip_serial": o.chip_serial.to_ascii_uppercase(),
            "action": o.action,
            "applied": o.applied,
        });
        let make = |audit_seq: i64| {
            serde_json::to_string(&Recorded { audit_seq })
                .map_err(|e| DbError::Corrupt(format!("answer: {e}")))
        };
        let audit_seq = audit::append_and_answer(
            &tx,
            o.at,
            &format!("kiosk:{kiosk}"),
            vec![Pending::new(
                "card.command",
                mask::card(&o.card_number),
                detail,
            )],
            Some((&o.key, &make)),
        )
        .await?;
        let answer = Recorded { audit_seq };
        tx.commit().await?;
        Ok((answer, false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kiosk_owns_the_cases_named_after_it() {
        assert!(check_own_case("K1-20260101-000001", "K1").is_ok());
        assert!(check_own_case("K10-20260101-000001", "K1").is_err());
        assert!(check_own_case("K1", "K1").is_err());
        assert!(check_own_case("K1-", "K1").is_err());
        assert!(owned_case("K1-20260101-000001#3", "K1").is_ok());
        assert!(matches!(
            owned_case("K1-20260101-000001", "K1"),
            Err(DbError::Invalid(_))
        ));
    }

    #[test]
    fn actors_name_the_kiosk() {
        assert_eq!(actor_label(&Actor::System, "K1"), "kiosk:K1");
        assert_eq!(actor_label(&Actor::Citizen("c".into()), "K1"), "kiosk:K1");
        assert_eq!(
            actor_label(&Actor::Staff("li".into()), "K1"),
            "staff:li@kiosk:K1"
        );
    }
}
