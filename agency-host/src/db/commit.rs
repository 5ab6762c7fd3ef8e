//! A kiosk's commit, applied in one transaction with its audit entries, or not at all.
//!
//! 1. One round trip, its statements pipelined (PostgreSQL runs them in the order sent): the
//!    idempotency key claimed (`INSERT … ON CONFLICT DO NOTHING`: a second request with the
//!    same key waits for the first's transaction, then finds its stored answer, returned as
//!    it is, or, if the request differs, refuses it); the persons and cards the changes touch
//!    locked (`SELECT … FOR UPDATE`, by blind index, persons then cards) and their leases
//!    read (no live lease of another case may hold any of them); the case row locked; the
//!    head row of the kiosk's audit chain locked (a chain per kiosk: only the kiosk's own
//!    transactions wait for it).
//! 2. The case row and the changes (each `from` state checked against the locked row),
//!    pipelined; then the events.
//! 3. One statement: the audit entries appended, the chain's head moved, the key's answer
//!    stored, and the case's lease released when the commit closes its case or changes the
//!    registry. Then the commit: five round trips in all for a case with one change
//!    (`BEGIN` and `COMMIT` included).
//!
//! The entries are those the kiosk's SQLite store writes for the same commit (`case.open` /
//! `case.update`, one per change, the events, `case.close`), with personal data masked; each
//! detail also names the case (`case`), and the actor names the kiosk: `kiosk:<id>`, or
//! `staff:<user>@kiosk:<id>`.

use std::collections::BTreeSet;

use deadpool_postgres::Transaction;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use agency_api::{key_case, CardOutcome, Committed, Recorded};
use kiosk_core::domain::Actor;
use kiosk_core::store::audit_chain::canonical_json;
use kiosk_core::store::{Change, Commit};

use super::apply::{case_owner, with_case, Apply};
use super::audit::{self, Pending};
use super::locks::lock;
use super::{Db, DbError, Result};
use kiosk_core::mask;

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
            Change::MoveApplication { .. } | Change::SetDeadline { .. } => {}
            Change::IssueEcard(e) => {
                persons.insert(e.id_number.clone());
            }
        }
    }
    (persons, cards)
}

/// A commit the agency accepts: no archive record, no journal settlement, the case (if any)
/// the key's, every change's fields well formed ([`Change::check`]: division codes).
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
        change
            .check()
            .map_err(|e| DbError::Invalid(e.to_string()))?;
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

impl Db {
    /// Applies `commit` for `kiosk` under the idempotency key `key`. Returns the answer and
    /// whether it is a stored one replayed. A run that PostgreSQL aborted to break a deadlock
    /// with another kiosk's transaction is run again ([`DbError::lost_a_race`]).
    pub async fn commit(
        &self,
        kiosk: &str,
        key: &str,
        commit: &Commit,
    ) -> Result<(Committed, bool)> {
        let mut attempt = 1;
        loop {
            match self.commit_once(kiosk, key, commit).await {
                Err(e) if attempt < super::RACE_ATTEMPTS && e.lost_a_race() => {
                    log::info!("commit {key}: {e} (attempt {attempt}); running it again");
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    async fn commit_once(
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
        let actor = actor_label(&commit.actor, kiosk);
        let (persons, cards) = touched(commit);
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // One round trip (pipelined, run by PostgreSQL in this order): the key claimed, the
        // persons and cards locked, their leases checked, the case row locked, the chain's
        // head locked.
        let case_row = async {
            match &commit.case {
                Some(case) => Ok(Some(case_owner(&tx, &case.case_id).await?)),
                None => Ok::<_, DbError>(None),
            }
        };
        let (claimed, locked, before, head) = futures_util::try_join!(
            claim(&tx, key, kiosk, &digest),
            lock(&tx, &self.keys, &persons, &cards, case_id),
            case_row,
            audit::lock_head(&tx, audit::chain_of(&actor)),
        )?;
        if let Claim::Answered(answer) = claimed {
            let answer: Committed = serde_json::from_str(&answer)
                .map_err(|e| DbError::Corrupt(format!("stored answer of {key:?}: {e}")))?;
            tx.rollback().await?;
            return Ok((answer, true));
        }
        let mut apply = Apply {
            tx: &tx,
            keys: &self.keys,
            locked,
            at: commit.at,
            actor,
            entries: Vec::new(),
        };
        let (closing, case_write) = match (&commit.case, before) {
            (Some(case), Some(before)) => {
                let (closing, write) = apply.case(case, kiosk, before)?;
                (closing, Some(write))
            }
            _ => (None, None),
        };
        // The case row's write and the changes' (pipelined; each change still sees the rows
        // as the changes before it left them).
        let write_case = async {
            match case_write {
                Some(w) => w.run(&tx).await,
                None => Ok(()),
            }
        };
        let changes = async {
            let mut done = Vec::with_capacity(commit.changes.len());
            for change in &commit.changes {
                let (subject, detail) = apply.change(change).await?;
                done.push(Pending::new(change.action(), subject, detail));
            }
            Ok::<_, DbError>(done)
        };
        let ((), done) = futures_util::try_join!(write_case, changes)?;
        apply.entries.extend(done);
        for (action, subject, detail) in &commit.events {
            apply.entries.push(Pending::new(
                action.clone(),
                subject.clone(),
                mask::audit_detail(detail.clone()),
            ));
        }
        if let (Some(detail), Some(case)) = (closing, &commit.case) {
            apply
                .entries
                .push(Pending::new("case.close", case.case_id.clone(), detail));
        }
        // A commit that changes the registry or closes its case releases its lease.
        let release = (!commit.changes.is_empty()
            || commit.case.as_ref().is_some_and(|c| c.outcome.is_some()))
        .then_some(case_id);
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
        let audit_seq = audit::append_locked(
            &tx,
            head,
            commit.at,
            &actor,
            entries,
            Some((key, &make)),
            release,
        )
        .await?;
        let answer = Committed {
            archive_no: None,
            audit_seq,
        };
        tx.commit().await?;
        Ok((answer, false))
    }

    /// Records what a card command did (one audit entry), idempotent by the report's key; run
    /// again when it lost a deadlock ([`DbError::lost_a_race`]).
    pub async fn card_outcome(&self, kiosk: &str, o: &CardOutcome) -> Result<(Recorded, bool)> {
        let mut attempt = 1;
        loop {
            match self.card_outcome_once(kiosk, o).await {
                Err(e) if attempt < super::RACE_ATTEMPTS && e.lost_a_race() => {
                    log::info!(
                        "card outcome {}: {e} (attempt {attempt}); running it again",
                        o.key
                    );
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    async fn card_outcome_once(&self, kiosk: &str, o: &CardOutcome) -> Result<(Recorded, bool)> {
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
        let actor = format!("kiosk:{kiosk}");
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let (claimed, head) = futures_util::try_join!(
            claim(&tx, &o.key, kiosk, &digest),
            audit::lock_head(&tx, audit::chain_of(&actor)),
        )?;
        if let Claim::Answered(answer) = claimed {
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
        let audit_seq = audit::append_locked(
            &tx,
            head,
            o.at,
            &actor,
            vec![Pending::new(
                "card.command",
                mask::card_number(&o.card_number),
                detail,
            )],
            Some((&o.key, &make)),
            None,
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
