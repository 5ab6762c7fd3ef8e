//! Archive records: the audited query (7.2), month listings and sealed batches.

use std::ops::ControlFlow;

use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
use rusqlite::types::Value as SqlValue;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension};
use serde_json::json;

use super::audit::Chain;
use super::codec::{self, business_code, date, mask_card, ts};
use super::query::{one, rows};
use super::store::{Result, SqliteStore};
use crate::error::db;
use crate::DbError;
use kiosk_core::domain::{Actor, Timestamp, LOCAL_OFFSET_S};
use kiosk_core::mask;
use kiosk_core::store::audit_chain::GENESIS;
use kiosk_core::store::{ArchiveQuery, ArchiveRecord, ArchiveStore, BatchInfo, StoreError};

/// Records a query returns when it names no limit.
const DEFAULT_LIMIT: u32 = 100;

/// The first instant (UTC) of a kiosk-local day.
fn local_midnight(day: NaiveDate) -> Timestamp {
    Utc.from_utc_datetime(&day.and_time(NaiveTime::MIN))
        - chrono::Duration::seconds(i64::from(LOCAL_OFFSET_S))
}

/// The SQL of an archive query and its parameters.
///
/// Each filter leads an index that ends in `finished_at` (and, implicitly, the row id), so
/// "newest first, at most N" walks one index backwards and stops after N rows. The index is
/// named (`INDEXED BY`) for the most selective filter given, so the plan does not depend on
/// statistics: archive number, then ID number, card number, business, dates.
fn build(query: &ArchiveQuery) -> Result<(String, Vec<SqlValue>)> {
    let mut conditions: Vec<&str> = Vec::new();
    let mut values: Vec<SqlValue> = Vec::new();
    if let Some(no) = &query.archive_no {
        conditions.push("archive_no = ?");
        values.push(SqlValue::Text(no.clone()));
    }
    if let Some(id) = &query.id_number {
        conditions.push("id_number = ?");
        values.push(SqlValue::Text(id.clone()));
    }
    if let Some(card) = &query.card_number {
        conditions.push("card_number = ?");
        values.push(SqlValue::Text(card.clone()));
    }
    if let Some(b) = query.business {
        conditions.push("business = ?");
        values.push(SqlValue::Text(business_code(b)?));
    }
    if let Some(from) = query.from {
        conditions.push("finished_at >= ?");
        values.push(SqlValue::Text(ts(local_midnight(from))));
    }
    if let Some(to) = query.to {
        // inclusive: everything before the next day's local midnight
        if let Some(next) = to.succ_opt() {
            conditions.push("finished_at < ?");
            values.push(SqlValue::Text(ts(local_midnight(next))));
        }
    }
    let index = if query.archive_no.is_some() {
        ""
    } else if query.id_number.is_some() {
        " INDEXED BY archive_by_person"
    } else if query.card_number.is_some() {
        " INDEXED BY archive_by_card"
    } else if query.business.is_some() {
        " INDEXED BY archive_by_business"
    } else {
        " INDEXED BY archive_by_time"
    };
    let filter = if conditions.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conditions.join(" AND "))
    };
    values.push(SqlValue::Integer(i64::from(
        query.limit.unwrap_or(DEFAULT_LIMIT),
    )));
    let sql = format!(
        "SELECT {} FROM archive_records{index}{filter} ORDER BY finished_at DESC, id DESC LIMIT ?",
        codec::ARCHIVE_COLUMNS
    );
    Ok((sql, values))
}

fn explain(conn: &Connection, query: &ArchiveQuery) -> Result<Vec<String>> {
    let (sql, values) = build(query)?;
    let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
    let mut rows = stmt.query(params_from_iter(values))?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(row.get::<_, String>(3)?);
    }
    Ok(out)
}

/// The query as the audit log records it: every filter, personal numbers masked.
fn query_detail(query: &ArchiveQuery, results: usize) -> Result<serde_json::Value> {
    Ok(json!({
        "filters": {
            "id_number": query.id_number.as_deref().map(mask::id_number),
            "card_number": query.card_number.as_deref().map(mask_card),
            "business": query.business.map(business_code).transpose()?,
            "from": query.from.map(date),
            "to": query.to.map(date),
            "archive_no": query.archive_no,
            "limit": query.limit.unwrap_or(DEFAULT_LIMIT),
        },
        "results": results,
    }))
}

/// What an archive query concerns, for the audit entry's subject.
fn query_subject(query: &ArchiveQuery) -> String {
    if let Some(id) = &query.id_number {
        mask::id_number(id)
    } else if let Some(card) = &query.card_number {
        mask_card(card)
    } else if let Some(no) = &query.archive_no {
        no.clone()
    } else {
        "archive".to_string()
    }
}

impl SqliteStore {
    /// SQLite's plan for an archive query (`EXPLAIN QUERY PLAN`, one line per step), to check
    /// that each filter is served by an index and needs no sort.
    pub fn explain_archive_query(&self, query: &ArchiveQuery) -> Result<Vec<String>> {
        let conn = self.lock();
        explain(&conn, query)
    }
}

impl ArchiveStore for SqliteStore {
    fn query_archive(
        &self,
        query: &ArchiveQuery,
        actor: &Actor,
    ) -> kiosk_core::store::Result<Vec<ArchiveRecord>> {
        db(|| {
            let (sql, values) = build(query)?;
            let at = chrono::Utc::now();
            self.write(|tx| {
                let records = rows(tx, &sql, params_from_iter(values), codec::archive_record)?;
                let mut chain = Chain::load(tx)?;
                chain.append(
                    tx,
                    at,
                    &actor.label(),
                    "archive.query",
                    &query_subject(query),
                    query_detail(query, records.len())?,
                )?;
                Ok(records)
            })
        })
    }

    fn each_month_record(
        &self,
        month: &str,
        visit: &mut dyn FnMut(ArchiveRecord) -> ControlFlow<()>,
    ) -> kiosk_core::store::Result<()> {
        db(|| {
            self.read(|tx| {
                let mut stmt = tx.prepare_cached(&format!(
                    "SELECT {} FROM archive_records WHERE month = ?1 ORDER BY archive_no",
                    codec::ARCHIVE_COLUMNS
                ))?;
                let mut rows = stmt.query([month])?;
                while let Some(row) = rows.next()? {
                    if visit(codec::archive_record(row)?).is_break() {
                        break;
                    }
                }
                Ok(())
            })
        })
    }

    fn seal_month(&self, batch: &BatchInfo, actor: &Actor) -> kiosk_core::store::Result<()> {
        db(|| {
            self.write(|tx| {
                let sealed: Option<String> = tx
                    .prepare_cached("SELECT sealed_at FROM archive_batches WHERE month = ?1")?
                    .query_row([&batch.month], |r| r.get(0))
                    .optional()?;
                if let Some(at) = sealed {
                    return Err(DbError::Store(StoreError::Conflict(format!(
                        "archive month {} is already sealed (at {at})",
                        batch.month
                    ))));
                }
                // The head the batch records must be in the log as it is now.
                if batch.audit_seq > 0 {
                    let hash: Option<String> = tx
                        .prepare_cached("SELECT hash FROM audit WHERE seq = ?1")?
                        .query_row([batch.audit_seq], |r| r.get(0))
                        .optional()?;
                    if hash.as_deref() != Some(batch.audit_hash.as_str()) {
                        return Err(DbError::Store(StoreError::Conflict(format!(
                            "the batch of {} records the audit head seq {}, which the log does \
                             not hold with that hash",
                            batch.month, batch.audit_seq
                        ))));
                    }
                } else if batch.audit_hash != GENESIS {
                    return Err(DbError::Store(StoreError::Conflict(format!(
                        "the batch of {} records an empty audit log but a hash other than 64 zeros",
                        batch.month
                    ))));
                }
                let count: i64 = tx
                    .prepare_cached("SELECT count(*) FROM archive_records WHERE month = ?1")?
                    .query_row([&batch.month], |r| r.get(0))?;
                if u64::try_from(count).ok() != Some(batch.records) {
                    return Err(DbError::Store(StoreError::Conflict(format!(
                        "the batch of {} holds {} records, but the month has {count}: the month \
                         changed since its manifest was made",
                        batch.month, batch.records
                    ))));
                }
                let mut chain = Chain::load(tx)?;
                let entry = chain.append(
                    tx,
                    batch.sealed_at,
                    &actor.label(),
                    "archive.seal",
                    &batch.month,
                    json!({
                        "month": batch.month,
                        "sealed_at": ts(batch.sealed_at),
                        "records": batch.records,
                        "manifest_sha256": batch.manifest_sha256,
                        "audit_seq": batch.audit_seq,
                        "audit_hash": batch.audit_hash,
                    }),
                )?;
                tx.prepare_cached(
                    "INSERT INTO archive_batches (month, sealed_at, records, manifest_sha256,
                         audit_seq, audit_hash, seal_seq, seal_hash)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )?
                .execute(params![
                    batch.month,
                    ts(batch.sealed_at),
                    count,
                    batch.manifest_sha256,
                    batch.audit_seq,
                    batch.audit_hash,
                    entry.seq,
                    entry.hash,
                ])?;
                // Its records are sealed by the batch's row: the commit path refuses records for
                // a sealed month, and archive records cannot be changed (migration 0003).
                Ok(())
            })
        })
    }

    fn batch(&self, month: &str) -> kiosk_core::store::Result<Option<BatchInfo>> {
        db(|| {
            self.read(|tx| {
                one(
                    tx,
                    &format!(
                        "SELECT {} FROM archive_batches WHERE month = ?1",
                        codec::BATCH_COLUMNS
                    ),
                    [month],
                    codec::batch,
                )
            })
        })
    }

    fn batches(&self) -> kiosk_core::store::Result<Vec<BatchInfo>> {
        db(|| {
            self.read(|tx| {
                rows(
                    tx,
                    &format!(
                        "SELECT {} FROM archive_batches ORDER BY month",
                        codec::BATCH_COLUMNS
                    ),
                    [],
                    codec::batch,
                )
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_days_start_at_16_utc() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        assert_eq!(ts(local_midnight(d)), "2026-02-28T16:00:00.000000000Z");
    }
}
