//! The agency's audit log: `kiosk_core::store::audit_chain`'s entries (the kiosk's encoding
//! and verifier) in table `audit`, one hash chain per actor (migration 2).
//!
//! - The chain of an entry follows from its actor ([`chain_of`]): a kiosk's entries, and
//!   those of staff working at that kiosk, chain on `kiosk:<id>`; the agency's own commands
//!   on `system`; anything else on its actor. Each chain counts `seq` from 1 from the
//!   genesis hash and has a head row in `audit_heads`. The entries of schema version 1 keep
//!   their one chain, `v1`.
//! - Appends happen inside the transaction of the change they record and lock their
//!   chain's head row, so one chain's appends are serialised, a rolled-back change leaves no
//!   entry (and no gap), and commits of different kiosks do not wait for each other.
//! - [`Db::audit_checkpoint`] (every [`CHECKPOINT_EVERY`] while serving, and
//!   `agency audit checkpoint`) appends an `audit.checkpoint` entry to `system` recording
//!   every other chain's head. Verification checks, per chain, every hash and link, that
//!   each entry's actor belongs to the chain, that the chain reaches its head row, and that
//!   every head a checkpoint recorded is still in it: removing a chain's newest entries is
//!   found even when the head row is moved back with them, unless they all came after the
//!   last checkpoint (RELIABILITY.md).

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use deadpool_postgres::Transaction;
use futures_util::TryStreamExt;
use serde_json::{json, Value};

use kiosk_core::domain::Timestamp;
use kiosk_core::store::audit_chain::{self, RecordedHead, Verifier, GENESIS};
use kiosk_core::store::AuditEntry;

use super::{Db, DbError, Result};

/// How often `agency serve` records the chains' heads (when one moved).
pub const CHECKPOINT_EVERY: Duration = Duration::from_secs(60);

/// The chain of schema version 1's entries (closed).
pub const V1_CHAIN: &str = "v1";

/// The chain of the agency's own commands and of the checkpoints.
pub const SYSTEM_CHAIN: &str = "system";

/// The action of a checkpoint entry.
const CHECKPOINT: &str = "audit.checkpoint";

/// The chain an entry by `actor` belongs to: `staff:<user>@kiosk:<id>` → `kiosk:<id>`,
/// any other actor → itself.
pub fn chain_of(actor: &str) -> &str {
    match actor.find("@kiosk:") {
        Some(i) => &actor[i + 1..],
        None => actor,
    }
}

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

/// Appends `entries` (in order) by `actor` at `at` to the actor's chain; returns the last
/// sequence number, or the chain's current head's when there is nothing to append.
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

/// Locks `chain`'s head row (made at seq 0 on the chain's first append) and returns its
/// (seq, hash). Its first statement can be pipelined with others of the transaction: it is
/// one `SELECT … FOR UPDATE` unless the chain is new.
pub(crate) async fn lock_head(tx: &Transaction<'_>, chain: &str) -> Result<(i64, String)> {
    let select = tx
        .prepare_cached("SELECT seq, hash FROM audit_heads WHERE chain = $1 FOR UPDATE")
        .await?;
    if let Some(row) = tx.query_opt(&select, &[&chain]).await? {
        return Ok((row.try_get(0)?, row.try_get(1)?));
    }
    // A new chain: a second transaction making the same row waits for the first's commit,
    // then finds the row (each statement sees what was committed before it started).
    tx.execute(
        "INSERT INTO audit_heads (chain, seq, hash) VALUES ($1, 0, $2)
         ON CONFLICT (chain) DO NOTHING",
        &[&chain, &GENESIS],
    )
    .await?;
    let row = tx.query_one(&select, &[&chain]).await?;
    Ok((row.try_get(0)?, row.try_get(1)?))
}

/// [`append`], and the answer of an idempotency key stored in the same statement: the
/// chain's head row is held from its lock to the commit (the chain's serialised part), so
/// that part is one statement to lock it, one to write, and the commit.
pub(crate) async fn append_and_answer(
    tx: &Transaction<'_>,
    at: Timestamp,
    actor: &str,
    entries: Vec<Pending>,
    answer: Option<Answer<'_>>,
) -> Result<i64> {
    let head = lock_head(tx, chain_of(actor)).await?;
    append_locked(tx, head, at, actor, entries, answer, None).await
}

/// Appends `entries` by `actor` after `head`, the (seq, hash) of the actor's chain's head
/// row that this transaction locked ([`lock_head`]); stores the key's answer and releases
/// the lease of case `release`, all in one statement. Returns the last sequence number.
pub(crate) async fn append_locked(
    tx: &Transaction<'_>,
    head: (i64, String),
    at: Timestamp,
    actor: &str,
    entries: Vec<Pending>,
    answer: Option<Answer<'_>>,
    release: Option<&str>,
) -> Result<i64> {
    let chain = chain_of(actor);
    let (mut seq, mut hash) = head;
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
                 INSERT INTO audit (chain, seq, at, actor, action, subject, detail, prev_hash,
                     hash)
                 SELECT $13, * FROM UNNEST($1::bigint[], $2::text[], $3::text[], $4::text[],
                     $5::text[], $6::text[], $7::text[], $8::text[])
             ), head AS (
                 UPDATE audit_heads SET seq = $9, hash = $10 WHERE chain = $13 AND seq <> $9
             ), lease AS (
                 DELETE FROM leases WHERE case_id = $14
             )
             UPDATE idempotency SET answer = $12 WHERE key = $11",
        )
        .await?;
    tx.execute(
        &stmt,
        &[
            &seqs, &ats, &actors, &actions, &subjects, &details, &prevs, &hashes, &seq, &hash,
            &key, &text, &chain, &release,
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

/// The heads a checkpoint entry records: chain → (seq, hash).
fn checkpoint_heads(detail: &Value) -> Option<BTreeMap<String, (i64, String)>> {
    let heads = detail.get("heads")?.as_object()?;
    heads
        .iter()
        .map(|(chain, head)| {
            let seq = head.get("seq")?.as_i64()?;
            let hash = head.get("hash")?.as_str()?;
            Some((chain.clone(), (seq, hash.to_string())))
        })
        .collect()
}

/// The result of verifying the agency's audit log, chain by chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainsReport {
    /// The chains verified, with their entries and last (seq, hash).
    pub chains: BTreeMap<String, (u64, Option<(i64, String)>)>,
    /// Every problem found, each naming its chain and sequence number.
    pub problems: Vec<String>,
}

impl ChainsReport {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }

    pub fn entries(&self) -> u64 {
        self.chains.values().map(|(n, _)| n).sum()
    }
}

/// One chain being verified.
struct ChainCheck {
    name: String,
    verifier: Verifier,
    /// Entries whose actor belongs to another chain.
    misplaced: Vec<String>,
}

impl ChainCheck {
    fn new(name: &str, heads: Vec<RecordedHead>) -> ChainCheck {
        ChainCheck {
            name: name.to_string(),
            verifier: Verifier::new(heads),
            misplaced: Vec::new(),
        }
    }

    fn finish(self, report: &mut ChainsReport) {
        let r = self.verifier.finish();
        report.problems.extend(
            self.misplaced
                .into_iter()
                .chain(r.problems)
                .map(|p| format!("chain {}: {p}", self.name)),
        );
        report.chains.insert(self.name, (r.entries, r.head));
    }
}

impl Db {
    /// `chain`'s entries with `seq >= from`, in order, at most `limit`.
    pub async fn audit_entries(
        &self,
        chain: &str,
        from: i64,
        limit: u32,
    ) -> Result<Vec<AuditEntry>> {
        let client = self.client().await?;
        let rows = client
            .query(
                &format!(
                    "SELECT {COLUMNS} FROM audit WHERE chain = $1 AND seq >= $2
                     ORDER BY seq LIMIT $3"
                ),
                &[&chain, &from, &i64::from(limit)],
            )
            .await?;
        rows.iter()
            .map(|r| decode(r).map_err(DbError::Corrupt))
            .collect()
    }

    /// Appends a checkpoint to chain `system` recording every other chain's head, unless
    /// none moved since the last checkpoint. Returns its sequence number when it wrote one.
    pub async fn audit_checkpoint(&self) -> Result<Option<i64>> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // Locked first, so two checkpoints do not both decide that one is due.
        lock_head(&tx, SYSTEM_CHAIN).await?;
        let rows = tx
            .query(
                "SELECT chain, seq, hash FROM audit_heads WHERE chain <> $1 AND seq > 0
                 ORDER BY chain",
                &[&SYSTEM_CHAIN],
            )
            .await?;
        let mut heads = BTreeMap::new();
        for row in &rows {
            let chain: String = row.try_get(0)?;
            let seq: i64 = row.try_get(1)?;
            let hash: String = row.try_get(2)?;
            heads.insert(chain, (seq, hash));
        }
        let last = tx
            .query_opt(
                "SELECT detail FROM audit WHERE chain = $1 AND action = $2
                 ORDER BY seq DESC LIMIT 1",
                &[&SYSTEM_CHAIN, &CHECKPOINT],
            )
            .await?;
        if let Some(row) = last {
            let text: String = row.try_get(0)?;
            let before = serde_json::from_str::<Value>(&text)
                .ok()
                .as_ref()
                .and_then(checkpoint_heads);
            if before.as_ref() == Some(&heads) {
                tx.rollback().await?;
                return Ok(None);
            }
        }
        if heads.is_empty() {
            tx.rollback().await?;
            return Ok(None);
        }
        let detail: serde_json::Map<String, Value> = heads
            .into_iter()
            .map(|(chain, (seq, hash))| (chain, json!({ "seq": seq, "hash": hash })))
            .collect();
        let seq = append(
            &tx,
            Utc::now(),
            SYSTEM_CHAIN,
            vec![Pending::new(
                CHECKPOINT,
                "heads",
                json!({ "heads": Value::Object(detail) }),
            )],
        )
        .await?;
        tx.commit().await?;
        Ok(Some(seq))
    }

    /// Verifies every chain (or only `only`): every hash and link in sequence order, each
    /// entry's actor of the chain, the chain reaching its head row, and every head the
    /// checkpoints recorded still in place.
    pub async fn verify_audit(&self, only: Option<&str>) -> Result<ChainsReport> {
        let client = self.client().await?;
        let mut report = ChainsReport {
            chains: BTreeMap::new(),
            problems: Vec::new(),
        };
        // The heads recorded outside each chain: its head row, and the checkpoints.
        let mut recorded: BTreeMap<String, Vec<RecordedHead>> = BTreeMap::new();
        for row in client
            .query("SELECT chain, seq, hash FROM audit_heads", &[])
            .await?
        {
            let chain: String = row.try_get(0)?;
            recorded.entry(chain).or_default().push(RecordedHead {
                seq: row.try_get(1)?,
                hash: row.try_get(2)?,
                by: "its head row".into(),
            });
        }
        for row in client
            .query(
                "SELECT seq, detail FROM audit WHERE chain = $1 AND action = $2 ORDER BY seq",
                &[&SYSTEM_CHAIN, &CHECKPOINT],
            )
            .await?
        {
            let seq: i64 = row.try_get(0)?;
            let text: String = row.try_get(1)?;
            let Some(heads) = serde_json::from_str::<Value>(&text)
                .ok()
                .as_ref()
                .and_then(checkpoint_heads)
            else {
                report.problems.push(format!(
                    "chain {SYSTEM_CHAIN}: seq {seq}: the checkpoint's heads cannot be read"
                ));
                continue;
            };
            for (chain, (s, hash)) in heads {
                recorded.entry(chain).or_default().push(RecordedHead {
                    seq: s,
                    hash,
                    by: format!("the checkpoint at seq {seq} of chain {SYSTEM_CHAIN}"),
                });
            }
        }
        if let Some(only) = only {
            recorded.retain(|chain, _| chain == only);
        }
        let (filter, params): (&str, Vec<&(dyn tokio_postgres::types::ToSql + Sync)>) = match &only
        {
            Some(chain) => ("WHERE chain = $1", vec![chain]),
            None => ("", vec![]),
        };
        let stmt = client
            .prepare(&format!(
                "SELECT {COLUMNS}, chain FROM audit {filter} ORDER BY chain, seq"
            ))
            .await?;
        let rows = client.query_raw(&stmt, params).await?;
        futures_util::pin_mut!(rows);
        let mut current: Option<ChainCheck> = None;
        while let Some(row) = rows.try_next().await? {
            let chain: String = row.try_get(8)?;
            if current.as_ref().is_none_or(|c| c.name != chain) {
                if let Some(done) = current.take() {
                    done.finish(&mut report);
                }
                let heads = recorded.remove(&chain).unwrap_or_default();
                if !heads.iter().any(|h| h.by == "its head row") {
                    report
                        .problems
                        .push(format!("chain {chain}: it has entries but no head row"));
                }
                current = Some(ChainCheck::new(&chain, heads));
            }
            let Some(check) = current.as_mut() else {
                continue;
            };
            match decode(&row) {
                Ok(entry) => {
                    if chain != V1_CHAIN && chain_of(&entry.actor) != chain {
                        check.misplaced.push(format!(
                            "seq {}: moved: its actor {} belongs to chain {}",
                            entry.seq,
                            entry.actor,
                            chain_of(&entry.actor)
                        ));
                    }
                    check.verifier.push(&entry);
                }
                Err(why) => {
                    let seq: i64 = row.try_get(0)?;
                    let prev: String = row.try_get(6).unwrap_or_default();
                    let hash: String = row.try_get(7).unwrap_or_default();
                    check.verifier.push_unreadable(seq, &prev, &hash, &why);
                }
            }
        }
        if let Some(done) = current.take() {
            done.finish(&mut report);
        }
        // Chains recorded somewhere with no entry left at all.
        for (chain, heads) in recorded {
            ChainCheck::new(&chain, heads).finish(&mut report);
        }
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kiosks_staff_chain_on_the_kiosk() {
        assert_eq!(chain_of("kiosk:K1"), "kiosk:K1");
        assert_eq!(chain_of("staff:li@kiosk:K1"), "kiosk:K1");
        assert_eq!(chain_of("staff:li"), "staff:li");
        assert_eq!(chain_of("system"), "system");
    }

    #[test]
    fn checkpoint_heads_read_back() {
        let d = json!({"heads": {"kiosk:K1": {"seq": 3, "hash": "ab"}}});
        let heads = checkpoint_heads(&d).unwrap();
        assert_eq!(heads.get("kiosk:K1"), Some(&(3, "ab".to_string())));
        assert!(checkpoint_heads(&json!({"heads": {"k": {"seq": "x"}}})).is_none());
    }
}
