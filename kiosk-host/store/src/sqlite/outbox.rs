//! `outbox`: registry commits and card-command reports bound for the agency (see
//! `migrations/0004_outbox.sql`, `0006_outbox_reports.sql`). The agency client
//! (`crate::agency`) queues a commit here before sending it, so a commit whose card command
//! already ran survives the agency being unreachable and a kiosk restart, and is delivered
//! later under the same idempotency key: exactly once.

use rusqlite::{params, OptionalExtension};
use serde_json::json;

use kiosk_core::domain::{Actor, CardAction, Timestamp};
use kiosk_core::store::{Commit, StoreError};

use super::codec::ts;
use super::store::SqliteStore;
use crate::error::db;
use crate::DbError;

/// A queued entry.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxEntry {
    pub id: i64,
    /// The idempotency key, `<case_id>#<n>`.
    pub key: String,
    pub case_id: String,
    /// What the agency is sent.
    pub remote: Outgoing,
    /// What stays at the kiosk, still to apply (`None`: applied already, or nothing).
    pub local: Option<Commit>,
    pub attempts: i64,
}

/// What an outbox entry carries to the agency.
#[derive(Debug, Clone, PartialEq)]
pub enum Outgoing {
    /// A registry commit the agency applies.
    Commit(Box<Commit>),
    /// What a card command did, for the agency's audit log.
    CardOutcome(CardOutcomeReport),
}

impl Outgoing {
    fn kind(&self) -> &'static str {
        match self {
            Outgoing::Commit(_) => "commit",
            Outgoing::CardOutcome(_) => "card_outcome",
        }
    }
}

/// One card command's outcome (the key and case are the entry's).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CardOutcomeReport {
    pub card_number: String,
    /// Hex, as read from the card's ATR.
    pub chip_serial: String,
    pub action: CardAction,
    /// True when the command took effect on the card.
    pub applied: bool,
    pub at: Timestamp,
}

fn encode<T: serde::Serialize>(c: &T) -> Result<String, DbError> {
    serde_json::to_string(c).map_err(|e| {
        DbError::Store(StoreError::Invalid(format!(
            "outbox entry does not encode: {e}"
        )))
    })
}

fn decode<T: serde::de::DeserializeOwned>(text: &str, id: i64) -> Result<T, DbError> {
    serde_json::from_str(text)
        .map_err(|e| DbError::Store(StoreError::Corrupt(format!("outbox row {id}: {e}"))))
}

fn encode_outgoing(o: &Outgoing) -> Result<String, DbError> {
    match o {
        Outgoing::Commit(c) => encode(c),
        Outgoing::CardOutcome(r) => encode(r),
    }
}

fn decode_outgoing(kind: &str, text: &str, id: i64) -> Result<Outgoing, DbError> {
    match kind {
        "commit" => Ok(Outgoing::Commit(Box::new(decode(text, id)?))),
        "card_outcome" => Ok(Outgoing::CardOutcome(decode(text, id)?)),
        other => Err(DbError::Store(StoreError::Corrupt(format!(
            "outbox row {id}: unknown kind {other:?}"
        )))),
    }
}

impl SqliteStore {
    /// Queues `remote` (for the agency) with `local` (for this database) under the next key
    /// of `case_id`, durably, and returns the entry.
    pub fn outbox_push(
        &self,
        case_id: &str,
        remote: &Outgoing,
        local: Option<&Commit>,
        at: Timestamp,
    ) -> Result<OutboxEntry, StoreError> {
        db(|| {
            let request = encode_outgoing(remote)?;
            let local_text = local.map(encode).transpose()?;
            self.write(|tx| {
                let n: i64 = tx.query_row(
                    "SELECT count(*) FROM outbox WHERE case_id = ?1",
                    [case_id],
                    |r| r.get(0),
                )?;
                let key = format!("{case_id}#{}", n + 1);
                tx.execute(
                    "INSERT INTO outbox (key, case_id, request, local, created_at, kind)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![key, case_id, request, local_text, ts(at), remote.kind()],
                )?;
                Ok(OutboxEntry {
                    id: tx.last_insert_rowid(),
                    key,
                    case_id: case_id.to_string(),
                    remote: remote.clone(),
                    local: local.cloned(),
                    attempts: 0,
                })
            })
        })
    }

    /// The entries not delivered yet, oldest first.
    pub fn outbox_pending(&self) -> Result<Vec<OutboxEntry>, StoreError> {
        db(|| {
            self.read(|tx| {
                let mut stmt = tx.prepare_cached(
                    "SELECT id, key, case_id, request, local, attempts, kind FROM outbox
                     WHERE state = 'pending' ORDER BY id",
                )?;
                let rows = stmt.query_map([], |r| {
                    Ok((
                        (r.get::<_, i64>(0)?, r.get::<_, String>(1)?),
                        r.get::<_, String>(2)?,
                        r.get::<_, Option<String>>(3)?,
                        r.get::<_, Option<String>>(4)?,
                        r.get::<_, i64>(5)?,
                        r.get::<_, String>(6)?,
                    ))
                })?;
                let mut out = Vec::new();
                for row in rows {
                    let ((id, key), case_id, request, local, attempts, kind) = row?;
                    let request = request.ok_or_else(|| {
                        DbError::Store(StoreError::Corrupt(format!(
                            "outbox row {id} is pending without its commit"
                        )))
                    })?;
                    out.push(OutboxEntry {
                        id,
                        key,
                        case_id,
                        remote: decode_outgoing(&kind, &request, id)?,
                        local: local.map(|l| decode(&l, id)).transpose()?,
                        attempts,
                    });
                }
                Ok(out)
            })
        })
    }

    /// How many entries (commits and reports) wait for delivery.
    pub fn outbox_len(&self) -> Result<u64, StoreError> {
        db(|| {
            self.read(|tx| {
                Ok(tx.query_row(
                    "SELECT count(*) FROM outbox WHERE state = 'pending'",
                    [],
                    |r| r.get::<_, i64>(0),
                )? as u64)
            })
        })
    }

    /// The agency applied entry `id`: applies its local part (if still due) and marks it
    /// delivered, in one transaction; the commit's registry data are dropped from the row.
    /// Returns the local part's archive number.
    pub fn outbox_delivered(&self, id: i64, at: Timestamp) -> Result<Option<String>, StoreError> {
        db(|| {
            self.write(|tx| {
                let local: Option<Option<String>> = tx
                    .query_row(
                        "SELECT local FROM outbox WHERE id = ?1 AND state = 'pending'",
                        [id],
                        |r| r.get(0),
                    )
                    .optional()?;
                let Some(local) = local else {
                    return Ok(None);
                };
                let archive_no = match local {
                    Some(text) => SqliteStore::apply_commit(tx, &decode(&text, id)?)?,
                    None => None,
                };
                tx.execute(
                    "UPDATE outbox SET state = 'delivered', request = NULL, local = NULL,
                         delivered_at = ?2, last_error = NULL
                     WHERE id = ?1",
                    params![id, ts(at)],
                )?;
                Ok(archive_no)
            })
        })
    }

    /// Applies entry `id`'s local part now (its card command ran: the journal intent is
    /// settled and the archive record written while the registry commit waits for the
    /// agency). Returns the archive number.
    pub fn outbox_apply_local(&self, id: i64) -> Result<Option<String>, StoreError> {
        db(|| {
            self.write(|tx| {
                let local: Option<String> = tx
                    .query_row("SELECT local FROM outbox WHERE id = ?1", [id], |r| r.get(0))
                    .optional()?
                    .flatten();
                let archive_no = match local {
                    Some(text) => SqliteStore::apply_commit(tx, &decode(&text, id)?)?,
                    None => None,
                };
                tx.execute("UPDATE outbox SET local = NULL WHERE id = ?1", [id])?;
                Ok(archive_no)
            })
        })
    }

    /// Forgets entry `id`: the agency never applied it (it could not be reached before the
    /// request was sent, or it refused the commit, which writes nothing), so its key is free.
    pub fn outbox_drop(&self, id: i64) -> Result<(), StoreError> {
        db(|| {
            self.write(|tx| {
                tx.execute(
                    "DELETE FROM outbox WHERE id = ?1 AND state = 'pending'",
                    [id],
                )?;
                Ok(())
            })
        })
    }

    /// A delivery attempt of entry `id` failed for a reason worth retrying.
    pub fn outbox_attempt_failed(&self, id: i64, why: &str) -> Result<(), StoreError> {
        db(|| {
            self.write(|tx| {
                tx.execute(
                    "UPDATE outbox SET attempts = attempts + 1, last_error = ?2 WHERE id = ?1",
                    params![id, why],
                )?;
                Ok(())
            })
        })
    }

    /// The agency refused entry `id` for good (a conflict found at delivery): its local part
    /// is applied if still due, the row is kept as `refused` for staff, and the refusal is
    /// audited here, in one transaction.
    pub fn outbox_refused(&self, id: i64, why: &str, at: Timestamp) -> Result<(), StoreError> {
        db(|| {
            self.write(|tx| {
                let row: Option<(String, Option<String>)> = tx
                    .query_row(
                        "SELECT key, local FROM outbox WHERE id = ?1 AND state = 'pending'",
                        [id],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .optional()?;
                let Some((key, local)) = row else {
                    return Ok(());
                };
                let mut audit = Commit::new(Actor::System, at);
                if let Some(text) = local {
                    audit = decode(&text, id)?;
                }
                audit
                    .events
                    .push(("outbox.refused".into(), key, json!({ "reason": why })));
                SqliteStore::apply_commit(tx, &audit)?;
                tx.execute(
                    "UPDATE outbox SET state = 'refused', local = NULL, last_error = ?2,
                         attempts = attempts + 1
                     WHERE id = ?1",
                    params![id, why],
                )?;
                Ok(())
            })
        })
    }
}
