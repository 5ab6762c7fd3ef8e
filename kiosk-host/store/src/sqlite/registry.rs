//! The registry's reads and case numbers (`Registry` for [`SqliteStore`]); its writes go
//! through `commit`.

use chrono::NaiveDate;
use rusqlite::{params, OptionalExtension};

use kiosk_core::domain::{
    Application, CardRecord, CardState, Case, Ecard, Person, Progress, Timestamp, LOCAL_OFFSET_S,
};
use kiosk_core::store::{Commit, ProductionStats, Registry};

use super::codec::{self, date, ts};
use super::query::{one, rows};
use super::store::SqliteStore;
use crate::error::{db, invalid};

impl Registry for SqliteStore {
    fn person(&self, id_number: &str) -> kiosk_core::store::Result<Option<Person>> {
        db(|| {
            self.read(|tx| {
                one(
                    tx,
                    &format!(
                        "SELECT {} FROM persons WHERE id_number = ?1",
                        codec::PERSON_COLUMNS
                    ),
                    [id_number],
                    codec::person,
                )
            })
        })
    }

    fn cards_of(&self, id_number: &str) -> kiosk_core::store::Result<Vec<CardRecord>> {
        db(|| {
            self.read(|tx| {
                rows(
                    tx,
                    &format!(
                        "SELECT {} FROM cards WHERE id_number = ?1 ORDER BY rowid DESC",
                        codec::CARD_COLUMNS
                    ),
                    [id_number],
                    codec::card,
                )
            })
        })
    }

    fn card(&self, card_number: &str) -> kiosk_core::store::Result<Option<CardRecord>> {
        db(|| {
            self.read(|tx| {
                one(
                    tx,
                    &format!(
                        "SELECT {} FROM cards WHERE card_number = ?1",
                        codec::CARD_COLUMNS
                    ),
                    [card_number],
                    codec::card,
                )
            })
        })
    }

    fn card_by_chip(&self, chip_serial: &str) -> kiosk_core::store::Result<Option<CardRecord>> {
        db(|| {
            self.read(|tx| {
                one(
                    tx,
                    &format!(
                        "SELECT {} FROM cards WHERE chip_serial = ?1 ORDER BY rowid DESC LIMIT 1",
                        codec::CARD_COLUMNS
                    ),
                    [chip_serial.to_ascii_uppercase()],
                    codec::card,
                )
            })
        })
    }

    fn cards_in_state_since(
        &self,
        state: CardState,
        before: Timestamp,
    ) -> kiosk_core::store::Result<Vec<CardRecord>> {
        db(|| {
            self.read(|tx| {
                rows(
                    tx,
                    &format!(
                        "SELECT {} FROM cards WHERE state = ?1 AND state_since < ?2
                         ORDER BY state_since, rowid",
                        codec::CARD_COLUMNS
                    ),
                    params![state.code(), ts(before)],
                    codec::card,
                )
            })
        })
    }

    fn applications_of(&self, id_number: &str) -> kiosk_core::store::Result<Vec<Application>> {
        db(|| {
            self.read(|tx| {
                rows(
                    tx,
                    &format!(
                        "SELECT {} FROM applications WHERE id_number = ?1
                         ORDER BY submitted_at DESC, rowid DESC",
                        codec::APPLICATION_COLUMNS
                    ),
                    [id_number],
                    codec::application,
                )
            })
        })
    }

    fn application(&self, case_id: &str) -> kiosk_core::store::Result<Option<Application>> {
        db(|| {
            self.read(|tx| {
                one(
                    tx,
                    &format!(
                        "SELECT {} FROM applications WHERE case_id = ?1",
                        codec::APPLICATION_COLUMNS
                    ),
                    [case_id],
                    codec::application,
                )
            })
        })
    }

    fn applications_in(&self, progress: Progress) -> kiosk_core::store::Result<Vec<Application>> {
        db(|| {
            self.read(|tx| {
                rows(
                    tx,
                    &format!(
                        "SELECT {} FROM applications WHERE progress = ?1
                         ORDER BY submitted_at, rowid",
                        codec::APPLICATION_COLUMNS
                    ),
                    [progress.code()],
                    codec::application,
                )
            })
        })
    }

    fn production_stats(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        today: NaiveDate,
    ) -> kiosk_core::store::Result<ProductionStats> {
        // Made: `ready_at` set, judged by its local date. Not made: neither ready, collected
        // nor rejected. Cards made before `ready_at` was kept (0007) have no date to judge
        // by and are counted in neither.
        let sql = format!(
            "SELECT
                 coalesce(sum(ready_at IS NOT NULL AND date(ready_at, '{offset} seconds') <= deadline), 0),
                 coalesce(sum(ready_at IS NOT NULL AND date(ready_at, '{offset} seconds') > deadline), 0),
                 coalesce(sum(ready_at IS NULL AND progress IN ({open}) AND deadline < ?3), 0),
                 coalesce(sum(ready_at IS NULL AND progress IN ({open}) AND deadline >= ?3), 0),
                 coalesce(sum(ready_at IS NULL AND progress = 'rejected'), 0)
             FROM applications WHERE deadline BETWEEN ?1 AND ?2",
            offset = format_args!("{LOCAL_OFFSET_S:+}"),
            open = "'submitted', 'accepted', 'in_production'",
        );
        db(|| {
            self.read(|tx| {
                let n = |v: i64| u64::try_from(v).unwrap_or(0);
                Ok(
                    tx.query_row(&sql, params![date(from), date(to), date(today)], |r| {
                        Ok(ProductionStats {
                            from,
                            to,
                            today,
                            on_time: n(r.get(0)?),
                            late: n(r.get(1)?),
                            overdue: n(r.get(2)?),
                            not_yet_due: n(r.get(3)?),
                            rejected: n(r.get(4)?),
                        })
                    })?,
                )
            })
        })
    }

    fn ecard_by_token(&self, token_id: &str) -> kiosk_core::store::Result<Option<Ecard>> {
        db(|| {
            self.read(|tx| {
                Ok(rows(
                    tx,
                    &format!(
                        "SELECT {} FROM ecards WHERE token_id = ?1 AND revoked_at IS NULL",
                        codec::ECARD_COLUMNS
                    ),
                    [token_id],
                    codec::ecard,
                )?
                .into_iter()
                .next())
            })
        })
    }

    fn ecards_of(&self, id_number: &str) -> kiosk_core::store::Result<Vec<Ecard>> {
        db(|| {
            self.read(|tx| {
                rows(
                    tx,
                    &format!(
                        "SELECT {} FROM ecards WHERE id_number = ?1 AND revoked_at IS NULL
                         ORDER BY issued_at, rowid",
                        codec::ECARD_COLUMNS
                    ),
                    [id_number],
                    codec::ecard,
                )
            })
        })
    }

    fn photo(&self, id_number: &str) -> kiosk_core::store::Result<Option<Vec<u8>>> {
        db(|| {
            self.read(|tx| {
                Ok(tx
                    .prepare_cached("SELECT jpeg FROM photos WHERE id_number = ?1")?
                    .query_row([id_number], |r| r.get(0))
                    .optional()?)
            })
        })
    }

    fn case(&self, case_id: &str) -> kiosk_core::store::Result<Option<Case>> {
        db(|| {
            self.read(|tx| {
                one(
                    tx,
                    &format!(
                        "SELECT {} FROM cases WHERE case_id = ?1",
                        codec::CASE_COLUMNS
                    ),
                    [case_id],
                    codec::case,
                )
            })
        })
    }

    fn open_cases(&self) -> kiosk_core::store::Result<Vec<Case>> {
        db(|| {
            self.read(|tx| {
                rows(
                    tx,
                    &format!(
                        "SELECT {} FROM cases WHERE outcome IS NULL ORDER BY started_at, case_id",
                        codec::CASE_COLUMNS
                    ),
                    [],
                    codec::case,
                )
            })
        })
    }

    fn next_case_id(&self, kiosk_id: &str, day: NaiveDate) -> kiosk_core::store::Result<String> {
        db(|| {
            if kiosk_id.is_empty() {
                return Err(invalid("a case number needs the kiosk id"));
            }
            self.write(|tx| {
                let n: i64 = tx
                    .prepare_cached(
                        "INSERT INTO case_seq (kiosk_id, day, last) VALUES (?1, ?2, 1)
                         ON CONFLICT (kiosk_id, day) DO UPDATE SET last = last + 1
                         RETURNING last",
                    )?
                    .query_row(params![kiosk_id, date(day)], |r| r.get(0))?;
                if n > 999_999 {
                    return Err(invalid(format!(
                        "kiosk {kiosk_id} has used every case number of {day}"
                    )));
                }
                Ok(format!("{kiosk_id}-{}-{n:06}", day.format("%Y%m%d")))
            })
        })
    }

    fn commit(&self, commit: &Commit) -> kiosk_core::store::Result<Option<String>> {
        db(|| self.write(|tx| SqliteStore::apply_commit(tx, commit)))
    }
}
