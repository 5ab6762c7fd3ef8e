//! Ratings (好差评), suggestions and statistics (clause 8).

use std::collections::HashMap;

use chrono::NaiveDate;
use rusqlite::{params, OptionalExtension};

use super::codec::{date, parse_business, parse_date, parse_outcome, parse_ts, ts};
use super::query::rows;
use super::store::{Result, SqliteStore};
use crate::error::{db, invalid};
use crate::DbError;
use kiosk_core::domain::{BusinessCode, Outcome, Timestamp};
use kiosk_core::store::{BusinessStats, Feedback, FeedbackItem, Rating, StoreError, Suggestion};

const OUTCOMES: [Outcome; 6] = [
    Outcome::Completed,
    Outcome::ReturnedIncomplete,
    Outcome::Refused,
    Outcome::Abandoned,
    Outcome::Reconciled,
    Outcome::Failed,
];

/// One case of the period, as the statistics need it.
struct CaseFacts {
    business: BusinessCode,
    outcome: Option<Outcome>,
    started_at: Timestamp,
    started_date: NaiveDate,
    finished_at: Option<Timestamp>,
    finished_date: Option<NaiveDate>,
    deadline: Option<NaiveDate>,
    rating: Option<u8>,
}

#[derive(Default)]
struct Tally {
    cases: u64,
    completed: u64,
    on_time: u64,
    handling_s: f64,
    timed: u64,
    rating_counts: [u64; 5],
}

impl Tally {
    fn add(&mut self, c: &CaseFacts) {
        self.cases += 1;
        if c.outcome == Some(Outcome::Completed) {
            self.completed += 1;
            if let (Some(finished_at), Some(finished_date)) = (c.finished_at, c.finished_date) {
                // a case without a deadline is due the day it started
                let due = c.deadline.unwrap_or(c.started_date);
                if finished_date <= due {
                    self.on_time += 1;
                }
                let ms = (finished_at - c.started_at).num_milliseconds();
                self.handling_s += ms as f64 / 1000.0;
                self.timed += 1;
            }
        }
        if let Some(level) = c.rating {
            if let Some(n) = self
                .rating_counts
                .get_mut(usize::from(level).wrapping_sub(1))
            {
                *n += 1;
            }
        }
    }

    fn stats(&self, business: BusinessCode) -> BusinessStats {
        let ratings: u64 = self.rating_counts.iter().sum();
        let level_sum: u64 = self
            .rating_counts
            .iter()
            .zip(1u64..)
            .map(|(n, level)| n * level)
            .sum();
        let share = |part: u64, whole: u64| (whole > 0).then(|| part as f64 / whole as f64);
        BusinessStats {
            business,
            cases: self.cases,
            completed: self.completed,
            on_time_rate: share(self.on_time, self.completed),
            mean_handling_s: (self.timed > 0).then(|| self.handling_s / self.timed as f64),
            ratings,
            mean_rating: share(level_sum, ratings),
            satisfied_rate: share(
                self.rating_counts
                    .iter()
                    .zip(1u8..)
                    .filter(|(_, level)| kiosk_core::store::Rating::is_good(*level))
                    .map(|(n, _)| n)
                    .sum(),
                ratings,
            ),
            rating_counts: self.rating_counts,
        }
    }
}

impl SqliteStore {
    fn case_facts(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<CaseFacts>> {
        self.read(|tx| {
            rows(
                tx,
                "SELECT c.business, c.outcome, c.started_at, c.started_date, c.finished_at,
                     c.finished_date, c.deadline, r.level
                 FROM cases c LEFT JOIN ratings r ON r.case_id = c.case_id
                 WHERE c.started_date BETWEEN ?1 AND ?2",
                params![date(from), date(to)],
                |row| {
                    let level: Option<i64> = row.get(7)?;
                    Ok(CaseFacts {
                        business: parse_business(&row.get::<_, String>(0)?)?,
                        outcome: row
                            .get::<_, Option<String>>(1)?
                            .map(|o| parse_outcome(&o))
                            .transpose()?,
                        started_at: parse_ts(&row.get::<_, String>(2)?, "case started at")?,
                        started_date: parse_date(&row.get::<_, String>(3)?, "case started")?,
                        finished_at: row
                            .get::<_, Option<String>>(4)?
                            .map(|t| parse_ts(&t, "case finished at"))
                            .transpose()?,
                        finished_date: row
                            .get::<_, Option<String>>(5)?
                            .map(|t| parse_date(&t, "case finished"))
                            .transpose()?,
                        deadline: row
                            .get::<_, Option<String>>(6)?
                            .map(|t| parse_date(&t, "case deadline"))
                            .transpose()?,
                        rating: level
                            .map(|l| {
                                u8::try_from(l).map_err(|_| {
                                    DbError::Store(StoreError::Corrupt(format!("rating level {l}")))
                                })
                            })
                            .transpose()?,
                    })
                },
            )
        })
    }
}

impl Feedback for SqliteStore {
    fn rate(&self, rating: &Rating) -> kiosk_core::store::Result<()> {
        db(|| {
            if !(1..=5).contains(&rating.level) {
                return Err(invalid(format!(
                    "rating level {} is not one of 1 (非常不满意) to 5 (非常满意)",
                    rating.level
                )));
            }
            let reasons = serde_json::to_string(&rating.reasons).map_err(|e| {
                DbError::Store(StoreError::Corrupt(format!(
                    "rating reasons cannot be encoded: {e}"
                )))
            })?;
            self.write(|tx| {
                let case: Option<i64> = tx
                    .prepare_cached("SELECT 1 FROM cases WHERE case_id = ?1")?
                    .query_row([&rating.case_id], |r| r.get(0))
                    .optional()?;
                if case.is_none() {
                    return Err(DbError::Store(StoreError::NotFound(format!(
                        "case {}",
                        rating.case_id
                    ))));
                }
                let rated: Option<i64> = tx
                    .prepare_cached("SELECT level FROM ratings WHERE case_id = ?1")?
                    .query_row([&rating.case_id], |r| r.get(0))
                    .optional()?;
                if rated.is_some() {
                    return Err(DbError::Store(StoreError::Conflict(format!(
                        "case {} was already rated; a case is rated once",
                        rating.case_id
                    ))));
                }
                tx.prepare_cached(
                    "INSERT INTO ratings (case_id, level, reasons, comment, at)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )?
                .execute(params![
                    rating.case_id,
                    rating.level,
                    reasons,
                    rating.comment,
                    ts(rating.at)
                ])?;
                Ok(())
            })
        })
    }

    fn suggest(
        &self,
        text: &str,
        case_id: Option<&str>,
        at: Timestamp,
    ) -> kiosk_core::store::Result<i64> {
        db(|| {
            let text = text.trim();
            if text.is_empty() {
                return Err(invalid("a suggestion needs some text"));
            }
            self.write(|tx| {
                tx.prepare_cached(
                    "INSERT INTO suggestions (at, text, case_id) VALUES (?1, ?2, ?3)",
                )?
                .execute(params![ts(at), text, case_id])?;
                Ok(tx.last_insert_rowid())
            })
        })
    }

    fn suggestions(&self, limit: u32) -> kiosk_core::store::Result<Vec<Suggestion>> {
        db(|| {
            self.read(|tx| {
                rows(
                    tx,
                    "SELECT id, at, text, case_id FROM suggestions ORDER BY at DESC, id DESC LIMIT ?1",
                    [limit],
                    |row| {
                        Ok(Suggestion {
                            id: row.get(0)?,
                            at: parse_ts(&row.get::<_, String>(1)?, "suggestion time")?,
                            text: row.get(2)?,
                            case_id: row.get(3)?,
                        })
                    },
                )
            })
        })
    }

    fn feedback_page(
        &self,
        offset: u32,
        limit: u32,
    ) -> kiosk_core::store::Result<Vec<FeedbackItem>> {
        db(|| {
            self.read(|tx| {
                rows(
                    tx,
                    "SELECT 'rating', r.at, r.case_id, r.level, r.reasons, r.comment, c.business, r.id
                         FROM ratings r LEFT JOIN cases c ON c.case_id = r.case_id
                     UNION ALL
                     SELECT 'suggestion', s.at, s.case_id, NULL, NULL, s.text, NULL, s.id
                         FROM suggestions s
                     ORDER BY 2 DESC, 8 DESC LIMIT ?1 OFFSET ?2",
                    params![limit, offset],
                    |row| {
                        let kind: String = row.get(0)?;
                        let at = parse_ts(&row.get::<_, String>(1)?, "feedback time")?;
                        let case_id: Option<String> = row.get(2)?;
                        let text: Option<String> = row.get(5)?;
                        if kind == "suggestion" {
                            return Ok(FeedbackItem::Suggestion(Suggestion {
                                id: row.get(7)?,
                                at,
                                text: text.unwrap_or_default(),
                                case_id,
                            }));
                        }
                        let level: i64 = row.get(3)?;
                        let reasons: String = row.get(4)?;
                        Ok(FeedbackItem::Rating {
                            rating: Rating {
                                case_id: case_id.unwrap_or_default(),
                                level: u8::try_from(level).map_err(|_| {
                                    DbError::Store(StoreError::Corrupt(format!("rating level {level}")))
                                })?,
                                reasons: serde_json::from_str(&reasons).map_err(|e| {
                                    DbError::Store(StoreError::Corrupt(format!("rating reasons {reasons:?}: {e}")))
                                })?,
                                comment: text,
                                at,
                            },
                            business: row
                                .get::<_, Option<String>>(6)?
                                .map(|b| parse_business(&b))
                                .transpose()?,
                        })
                    },
                )
            })
        })
    }

    fn feedback_count(&self) -> kiosk_core::store::Result<u64> {
        db(|| {
            self.read(|tx| {
                let n: i64 = tx.query_row(
                    "SELECT (SELECT count(*) FROM ratings) + (SELECT count(*) FROM suggestions)",
                    [],
                    |r| r.get(0),
                )?;
                Ok(u64::try_from(n).unwrap_or(0))
            })
        })
    }

    fn stats(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> kiosk_core::store::Result<Vec<BusinessStats>> {
        db(|| {
            let mut tallies: HashMap<BusinessCode, Tally> = HashMap::new();
            for case in self.case_facts(from, to)? {
                tallies.entry(case.business).or_default().add(&case);
            }
            Ok(BusinessCode::ALL
                .into_iter()
                .map(|b| tallies.remove(&b).unwrap_or_default().stats(b))
                .collect())
        })
    }

    fn outcomes(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> kiosk_core::store::Result<Vec<(Outcome, u64)>> {
        db(|| {
            let counts = self.read(|tx| {
                rows(
                    tx,
                    "SELECT outcome, count(*) FROM cases
                     WHERE started_date BETWEEN ?1 AND ?2 AND outcome IS NOT NULL
                     GROUP BY outcome",
                    params![date(from), date(to)],
                    |row| {
                        let n: i64 = row.get(1)?;
                        Ok((
                            parse_outcome(&row.get::<_, String>(0)?)?,
                            u64::try_from(n).unwrap_or(0),
                        ))
                    },
                )
            })?;
            Ok(OUTCOMES
                .into_iter()
                .map(|o| {
                    let n = counts.iter().find(|(c, _)| *c == o).map_or(0, |(_, n)| *n);
                    (o, n)
                })
                .collect())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone, Utc};

    #[test]
    fn feedback_comes_newest_first_a_page_at_a_time() {
        let store = SqliteStore::open_in_memory().expect("a store");
        let t0 = Utc
            .with_ymd_and_hms(2026, 3, 1, 2, 0, 0)
            .single()
            .expect("a time");
        for i in 0..25 {
            store
                .suggest(&format!("suggestion {i}"), None, t0 + Duration::minutes(i))
                .expect("stored");
        }
        assert_eq!(store.feedback_count().expect("a count"), 25);
        let first = store.feedback_page(0, 20).expect("page 1");
        assert_eq!(first.len(), 20);
        assert!(matches!(&first[0], FeedbackItem::Suggestion(s) if s.text == "suggestion 24"));
        let last = store.feedback_page(20, 20).expect("page 2");
        assert_eq!(last.len(), 5);
        assert!(matches!(&last[4], FeedbackItem::Suggestion(s) if s.text == "suggestion 0"));
        assert!(first.windows(2).all(|w| w[0].at() >= w[1].at()));
    }
}
