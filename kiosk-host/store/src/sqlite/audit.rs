//! The audit log in SQLite: appending inside a caller's transaction, reading, verifying.

use std::sync::mpsc;

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde_json::Value;

use super::codec::{parse_ts, ts};
use super::store::{Result, SqliteStore};
use crate::error::db;
use crate::DbError;
use kiosk_core::domain::{Actor, Timestamp};
use kiosk_core::store::audit_chain::{self, canonical_json, RecordedHead, Verifier};
use kiosk_core::store::{AuditEntry, AuditLog, AuditReport, StoreError};

/// The chain head inside one write transaction: read once, advanced by each append.
pub(super) struct Chain {
    last: Option<(i64, String)>,
}

impl Chain {
    pub fn load(conn: &Connection) -> Result<Chain> {
        let last = conn
            .query_row(
                "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
                [],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)),
            )
            .optional()?;
        Ok(Chain { last })
    }

    /// Appends one entry after the head and makes it the head.
    pub fn append(
        &mut self,
        conn: &Connection,
        at: Timestamp,
        actor: &str,
        action: &str,
        subject: &str,
        detail: Value,
    ) -> Result<AuditEntry> {
        let prev = self.last.as_ref().map(|(s, h)| (*s, h.as_str()));
        let entry = audit_chain::next_entry(prev, at, actor, action, subject, detail);
        conn.execute(
            "INSERT INTO audit (seq, at, actor, action, subject, detail, prev_hash, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                entry.seq,
                ts(entry.at),
                entry.actor,
                entry.action,
                entry.subject,
                canonical_json(&entry.detail),
                entry.prev_hash,
                entry.hash,
            ],
        )?;
        self.last = Some((entry.seq, entry.hash.clone()));
        Ok(entry)
    }
}

const AUDIT_COLUMNS: &str = "seq, at, actor, action, subject, detail, prev_hash, hash";

/// A stored row, before its time and detail are decoded.
struct RawEntry {
    seq: i64,
    at: String,
    actor: String,
    action: String,
    subject: String,
    detail: String,
    prev_hash: String,
    hash: String,
    /// Why a column could not be read as text, if one could not.
    unreadable: Option<String>,
}

/// A text column; anything else (a blob, a number put there by hand) is kept as `why`.
fn text(row: &Row<'_>, i: usize, name: &str, why: &mut Option<String>) -> rusqlite::Result<String> {
    use rusqlite::types::ValueRef;
    let problem = match row.get_ref(i)? {
        ValueRef::Text(bytes) => match std::str::from_utf8(bytes) {
            Ok(s) => return Ok(s.to_string()),
            Err(_) => format!("{name} is not UTF-8"),
        },
        ValueRef::Null => format!("{name} is NULL"),
        ValueRef::Integer(_) | ValueRef::Real(_) => format!("{name} is a number"),
        ValueRef::Blob(_) => format!("{name} is a blob"),
    };
    why.get_or_insert(problem);
    Ok(String::new())
}

impl RawEntry {
    fn read(row: &Row<'_>) -> rusqlite::Result<RawEntry> {
        let mut why = None;
        Ok(RawEntry {
            seq: row.get(0)?,
            at: text(row, 1, "time", &mut why)?,
            actor: text(row, 2, "actor", &mut why)?,
            action: text(row, 3, "action", &mut why)?,
            subject: text(row, 4, "subject", &mut why)?,
            detail: text(row, 5, "detail", &mut why)?,
            prev_hash: text(row, 6, "prev_hash", &mut why)?,
            hash: text(row, 7, "hash", &mut why)?,
            unreadable: why,
        })
    }

    fn decode(&self) -> std::result::Result<AuditEntry, String> {
        if let Some(why) = &self.unreadable {
            return Err(why.clone());
        }
        let at = parse_ts(&self.at, "time").map_err(|e| e.to_string())?;
        let detail: Value =
            serde_json::from_str(&self.detail).map_err(|e| format!("detail is not JSON: {e}"))?;
        Ok(AuditEntry {
            seq: self.seq,
            at,
            actor: self.actor.clone(),
            action: self.action.clone(),
            subject: self.subject.clone(),
            detail,
            prev_hash: self.prev_hash.clone(),
            hash: self.hash.clone(),
        })
    }
}

/// The heads sealed archive batches recorded, and the entries that recorded the sealing.
fn recorded_heads(conn: &Connection) -> Result<Vec<RecordedHead>> {
    let mut stmt = conn.prepare(
        "SELECT month, audit_seq, audit_hash, seal_seq, seal_hash FROM archive_batches
         ORDER BY month",
    )?;
    let mut rows = stmt.query([])?;
    let mut heads = Vec::new();
    while let Some(row) = rows.next()? {
        let month: String = row.get(0)?;
        heads.push(RecordedHead {
            seq: row.get(1)?,
            hash: row.get(2)?,
            by: format!("archive batch {month}"),
        });
        heads.push(RecordedHead {
            seq: row.get(3)?,
            hash: row.get(4)?,
            by: format!("the sealing entry of archive batch {month}"),
        });
    }
    Ok(heads)
}

impl AuditLog for SqliteStore {
    fn append(
        &self,
        actor: &Actor,
        action: &str,
        subject: &str,
        detail: Value,
    ) -> kiosk_core::store::Result<AuditEntry> {
        db(|| {
            let at = chrono::Utc::now();
            self.write(|tx| {
                let mut chain = Chain::load(tx)?;
                chain.append(tx, at, &actor.label(), action, subject, detail)
            })
        })
    }

    fn entries(&self, from: i64, limit: u32) -> kiosk_core::store::Result<Vec<AuditEntry>> {
        db(|| {
            self.read(|tx| {
                let mut stmt = tx.prepare(&format!(
                    "SELECT {AUDIT_COLUMNS} FROM audit WHERE seq >= ?1 ORDER BY seq LIMIT ?2"
                ))?;
                let mut rows = stmt.query(params![from, limit])?;
                let mut out = Vec::new();
                while let Some(row) = rows.next()? {
                    let raw = RawEntry::read(row)?;
                    let entry = raw.decode().map_err(|why| {
                        DbError::Store(StoreError::Corrupt(format!(
                            "audit entry seq {}: {why}",
                            raw.seq
                        )))
                    })?;
                    out.push(entry);
                }
                Ok(out)
            })
        })
    }

    /// The rows are read on this thread and checked on a second one (parsing, canonical
    /// JSON and SHA-256 are most of the work), so verifying a long log, which every monthly
    /// seal does, takes about half the time on two cores.
    fn verify(&self) -> kiosk_core::store::Result<AuditReport> {
        db(|| self.verify_entries(None))
    }

    fn verify_from(&self, from: i64) -> kiosk_core::store::Result<AuditReport> {
        db(|| self.verify_entries(Some(from)))
    }
}

impl SqliteStore {
    /// Verifies the whole log, or the entries from `from` on.
    fn verify_entries(&self, from: Option<i64>) -> Result<AuditReport> {
        self.read(|tx| {
            let heads = recorded_heads(tx)?;
            let mut verifier = match from {
                Some(from) => Verifier::resuming_at(from, heads),
                None => Verifier::new(heads),
            };
            let mut stmt = tx.prepare(&format!(
                "SELECT {AUDIT_COLUMNS} FROM audit WHERE seq >= ?1 ORDER BY seq"
            ))?;
            let mut rows = stmt.query([from.unwrap_or(i64::MIN)])?;
            let (sender, receiver) = mpsc::sync_channel::<Vec<RawEntry>>(VERIFY_IN_FLIGHT);
            std::thread::scope(|scope| {
                let checker = scope.spawn(move || {
                    for raw in receiver.into_iter().flatten() {
                        match raw.decode() {
                            Ok(entry) => verifier.push(&entry),
                            Err(why) => {
                                verifier.push_unreadable(raw.seq, &raw.prev_hash, &raw.hash, &why)
                            }
                        }
                    }
                    verifier.finish()
                });
                let mut read = || -> Result<()> {
                    let mut batch = Vec::with_capacity(VERIFY_BATCH);
                    while let Some(row) = rows.next()? {
                        batch.push(RawEntry::read(row)?);
                        if batch.len() == VERIFY_BATCH {
                            let full =
                                std::mem::replace(&mut batch, Vec::with_capacity(VERIFY_BATCH));
                            if sender.send(full).is_err() {
                                break;
                            }
                        }
                    }
                    if !batch.is_empty() {
                        // A checker that is gone has panicked; joining it says so.
                        let _ = sender.send(batch);
                    }
                    Ok(())
                };
                let read = read();
                drop(sender);
                let report = checker
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                read.map(|()| report)
            })
        })
    }
}

/// Entries handed to the checking thread at a time, and batches in flight.
const VERIFY_BATCH: usize = 256;
const VERIFY_IN_FLIGHT: usize = 8;
