//! The agency's audit log: `kiosk_core::store::audit_chain`'s entries (the kiosk's encoding
//! and verifier) in table `audit`. Appends happen inside the transaction of the change they
//! record and lock the chain's head row first, so they are serialised and a rolled-back
//! change leaves no entry (and no gap).

use chrono::{DateTime, Utc};
use deadpool_postgres::Transaction;
use futures_util::TryStreamExt;
use serde_json::Value;

use kiosk_core::domain::Timestamp;
use kiosk_core::store::audit_chain::{self, RecordedHead, Verifier};
use kiosk_core::store::{AuditEntry, AuditReport};

use super::{Db, DbError, Result};

/// An entry to append: what, about what, with which (masked) detail.
#[derive(Debug, Clone)]
pub(crate) struct Pending {
    pub action: String,
    pub subject: String,
    pub detail: Value,
}

impl Pending {
    pub fn new(action: impl Into<String>, subject: impl Into<String>, detail: Value) -> Pending {
        Pending {
            action: action.into(),
            subject: subject.into(),
            detail,
        }
    }
}

/// Appends `entries` (in order) by `actor` at `at`; returns the last sequence number, or
/// the current head's when there is nothing to append.
pub(crate) async fn append(
    tx: &Transaction<'_>,
    at: Timestamp,
    actor: &str,
    entries: Vec<Pending>,
) -> Result<i64> {
    append_and_answer(tx, at, actor, entries, None).await
}

/// An idempotency key and the answer to store under it, made from the last sequence number.
pub(crate) type Answer<'a> = (&'a str, &'a (dyn Fn(i64) -> Result<String> + Sync));

/// [`append`], and the answer of an idempotency key stored in the same statement: the head
/// row is held from its lock to the commit (the chain's serialised part), so that part is
/// one statement to lock it, one to write, and the commit.
pub(crate) async fn append_and_answer(
    tx: &Transaction<'_>,
    at: Timestamp,
    actor: &str,
    entries: Vec<Pending>,
    answer: Option<Answer<'_>>,
) -> Result<i64> {
    if entries.is_empty() {
        let row = tx
            .query_one("SELECT seq FROM audit_head WHERE id = 1", &[])
            .await?;
        let seq: i64 = row.try_get(0)?;
        if let Some((key, make)) = answer {
            tx.execute(
                "UPDATE idempotency SET answer = $2 WHERE key = $1",
                &[&key, &make(seq)?],
            )
            .await?;
        }
        return Ok(seq);
    }
    let head = tx
        .query_one(
            "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE",
            &[],
        )
        .await?;
    let mut seq: i64 = head.try_get(0)?;
    let mut hash: String = head.try_get(1)?;
    let n = entries.len();
    let mut seqs = Vec::with_capacity(n);
    let mut ats = Vec::with_capacity(n);
    let mut actors = Vec::with_capacity(n);
    let mut actions = Vec::with_capacity(n);
    let mut subjects = Vec::with_capacity(n);
    let mut details = Vec::with_capacity(n);
    let mut prevs = Vec::with_capacity(n);
    let mut hashes = Vec::with_capacity(n);
    for p in entries {
        let prev = (seq > 0).then_some((seq, hash.as_str()));
        let e = audit_chain::next_entry(prev, at, actor, &p.action, &p.subject, p.detail);
        seq = e.seq;
        hash = e.hash.clone();
        seqs.push(e.seq);
        ats.push(audit_chain::format_time(e.at));
        actors.push(e.actor);
        actions.push(e.action);
        subjects.push(e.subject);
        details.push(audit_chain::canonical_json(&e.detail));
        prevs.push(e.prev_hash);
        hashes.push(e.hash);
    }
    let (key, text) = match answer {
        Some((key, make)) => (key.to_string(), make(seq)?),
        None => (String::new(), String::new()),
    };
    let stmt = tx
        .prepare_cached(
            "WITH entries AS (
                 INSERT INTO audit (seq, at, actor, action, subject, detail, prev_hash, hash)
                 SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::text[], $4::text[],
                     $5::text[], $6::text[], $7::text[], $8::text[])
             ), head AS (
                 UPDATE audit_head SET seq = $9, hash = $10 WHERE id = 1
             )
             UPDATE idempotency SET answer = $12 WHERE key = $11",
        )
        .await?;
    tx.execute(
        &stmt,
        &[
            &seqs, &ats, &actors, &actions, &subjects, &details, &prevs, &hashes, &seq, &hash,
            &key, &text,
        ],
    )
    .await?;
    Ok(seq)
}

fn decode(row: &tokio_postgres::Row) -> std::result::Result<AuditEntry, String> {
    let get = |i: usize| row.try_get::<_, String>(i).map_err(|e| e.to_string());
    let at_text = get(1)?;
    let at = DateTime::parse_from_rfc3339(&at_text)
        .map_err(|e| format!("its time {at_text:?} is not a time: {e}"))?
        .with_timezone(&Utc);
    let detail: Value =
        serde_json::from_str(&get(5)?).map_err(|e| format!("its detail is not JSON: {e}"))?;
    Ok(AuditEntry {
        seq: row.try_get(0).map_err(|e| e.to_string())?,
        at,
        actor: get(2)?,
        action: get(3)?,
        subject: get(4)?,
        detail,
        prev_hash: get(6)?,
        hash: get(7)?,
    })
}

const COLUMNS: &str = "seq, at, actor, action, subject, detail, prev_hash, hash";

impl Db {
    /// Entries with `seq >= from`, in order, at most `limit`.
    pub async fn audit_entries(&self, from: i64, limit: u32) -> Result<Vec<AuditEntry>> {
        let client = self.client().await?;
        let rows = client
            .query(
                &format!("SELECT {COLUMNS} FROM audit WHERE seq >= $1 ORDER BY seq LIMIT $2"),
                &[&from, &i64::from(limit)],
            )
            .await?;
        rows.iter()
            .map(|r| decode(r).map_err(DbError::Corrupt))
            .collect()
    }

    /// Recomputes every hash and link in sequence order, and checks that the log still
    /// reaches the head row (so removing the newest entries is found too).
    pub async fn verify_audit(&self) -> Result<AuditReport> {
        let client = self.client().await?;
        let head = client
            .query_one("SELECT seq, hash FROM audit_head WHERE id = 1", &[])
            .await?;
        let head = RecordedHead {
            seq: head.try_get(0)?,
            hash: head.try_get(1)?,
            by: "the audit head row".into(),
        };
        let mut verifier = Verifier::new([head]);
        let stmt = client
            .prepare(&format!("SELECT {COLUMNS} FROM audit ORDER BY seq"))
            .await?;
        let rows = client
            .query_raw(
                &stmt,
                std::iter::empty::<&(dyn tokio_postgres::types::ToSql + Sync)>(),
            )
            .await?;
        futures_util::pin_mut!(rows);
        while let Some(row) = rows.try_next().await? {
            match decode(&row) {
                Ok(entry) => verifier.push(&entry),
                Err(why) => {
                    let seq: i64 = row.try_get(0)?;
                    let prev: String = row.try_get(6).unwrap_or_default();
                    let hash: String = row.try_get(7).unwrap_or_default();
                    verifier.push_unreadable(seq, &prev, &hash, &why);
                }
            }
        }
        Ok(verifier.finish())
    }
}
