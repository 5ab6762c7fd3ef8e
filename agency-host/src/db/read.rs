//! Reads: a holder with their cards, applications and e-cards; cards by number, chip serial
//! or state; applications and the production's on-time figure; cases. Personal data are
//! opened on the way out.

use agency_api::Holder;
use chrono::NaiveDate;
use kiosk_core::domain::{
    Application, CardRecord, CardState, Case, Ecard, Progress, Timestamp, LOCAL_OFFSET_S,
};
use kiosk_core::store::ProductionStats;

use super::rows::{self, APPLICATION_COLUMNS, CARD_COLUMNS, CASE_COLUMNS, ECARD_COLUMNS};
use super::{Db, Result};

/// Longest list one call returns.
pub const MAX_LIMIT: u32 = 10_000;

impl Db {
    /// A holder by ID number: the person, their cards newest first, applications newest
    /// first, e-cards not revoked, and whether a photo is on file.
    pub async fn holder(&self, id_number: &str) -> Result<Option<Holder>> {
        let client = self.client().await?;
        let index = self.keys.person_index(id_number);
        let person_stmt = client
            .prepare_cached(&format!(
                "SELECT {}, EXISTS (SELECT 1 FROM photos f WHERE f.person_id = p.person_id)
                 FROM persons p WHERE p.id_index = $1",
                rows::PERSON_COLUMNS
            ))
            .await?;
        let Some(row) = client.query_opt(&person_stmt, &[&index]).await? else {
            return Ok(None);
        };
        let person_id: i64 = row.try_get(0)?;
        let person = rows::person(&self.keys, &row)?;
        let has_photo: bool = row.try_get(3)?;
        let cards_stmt = client
            .prepare_cached(&format!(
                "SELECT {CARD_COLUMNS} FROM cards c WHERE c.person_id = $1
                 ORDER BY c.card_id DESC"
            ))
            .await?;
        let apps_stmt = client
            .prepare_cached(&format!(
                "SELECT {APPLICATION_COLUMNS} FROM applications a WHERE a.person_id = $1
                 ORDER BY a.submitted_at DESC, a.case_id DESC"
            ))
            .await?;
        let ecards_stmt = client
            .prepare_cached(&format!(
                "SELECT {ECARD_COLUMNS} FROM ecards e
                 WHERE e.person_id = $1 AND e.revoked_at IS NULL
                 ORDER BY e.issued_at, e.token_id"
            ))
            .await?;
        // One connection, three queries in flight at once (tokio-postgres pipelines them).
        let params: [&(dyn tokio_postgres::types::ToSql + Sync); 1] = [&person_id];
        let (cards, apps, ecards) = tokio::try_join!(
            client.query(&cards_stmt, &params),
            client.query(&apps_stmt, &params),
            client.query(&ecards_stmt, &params),
        )?;
        Ok(Some(Holder {
            person,
            cards: cards
                .iter()
                .map(|r| rows::card(&self.keys, r))
                .collect::<Result<_>>()?,
            applications: apps
                .iter()
                .map(|r| rows::application(&self.keys, r))
                .collect::<Result<_>>()?,
            ecards: ecards
                .iter()
                .map(|r| rows::ecard(&self.keys, r))
                .collect::<Result<_>>()?,
            has_photo,
        }))
    }

    /// The holder's photo (JPEG), if any.
    pub async fn photo(&self, id_number: &str) -> Result<Option<Vec<u8>>> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(
                "SELECT f.person_id, f.sealed FROM photos f
                 JOIN persons p ON p.person_id = f.person_id WHERE p.id_index = $1",
            )
            .await?;
        let Some(row) = client
            .query_opt(&stmt, &[&self.keys.person_index(id_number)])
            .await?
        else {
            return Ok(None);
        };
        let person_id: i64 = row.try_get(0)?;
        let sealed: Vec<u8> = row.try_get(1)?;
        let jpeg = self
            .keys
            .open(rows::PHOTO, &person_id.to_be_bytes(), &sealed)?;
        Ok(Some(jpeg.to_vec()))
    }

    pub async fn card(&self, card_number: &str) -> Result<Option<CardRecord>> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(&format!(
                "SELECT {CARD_COLUMNS} FROM cards c WHERE c.card_index = $1"
            ))
            .await?;
        client
            .query_opt(&stmt, &[&self.keys.card_index(card_number)])
            .await?
            .map(|r| rows::card(&self.keys, &r))
            .transpose()
    }

    /// The newest card record with this chip serial (hex; compared in upper case).
    pub async fn card_by_chip(&self, chip_serial: &str) -> Result<Option<CardRecord>> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(&format!(
                "SELECT {CARD_COLUMNS} FROM cards c WHERE c.chip_serial = $1
                 ORDER BY c.card_id DESC LIMIT 1"
            ))
            .await?;
        client
            .query_opt(&stmt, &[&chip_serial.to_ascii_uppercase()])
            .await?
            .map(|r| rows::card(&self.keys, &r))
            .transpose()
    }

    /// The e-card (not revoked) whose token identifier is `token_id`.
    pub async fn ecard_by_token(&self, token_id: &str) -> Result<Option<Ecard>> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(&format!(
                "SELECT {ECARD_COLUMNS} FROM ecards e
                 WHERE e.token_id = $1 AND e.revoked_at IS NULL"
            ))
            .await?;
        client
            .query_opt(&stmt, &[&token_id])
            .await?
            .map(|r| rows::ecard(&self.keys, &r))
            .transpose()
    }

    /// Cards in `state` that entered it before `before`, oldest first, at most `limit`;
    /// true when there were more.
    pub async fn cards_in_state_since(
        &self,
        state: CardState,
        before: Timestamp,
        limit: u32,
    ) -> Result<(Vec<CardRecord>, bool)> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(&format!(
                "SELECT {CARD_COLUMNS} FROM cards c WHERE c.state = $1 AND c.state_since < $2
                 ORDER BY c.state_since, c.card_id LIMIT $3"
            ))
            .await?;
        let limit = limit.clamp(1, MAX_LIMIT);
        let found = client
            .query(&stmt, &[&state.code(), &before, &(i64::from(limit) + 1)])
            .await?;
        let truncated = found.len() > limit as usize;
        let cards = found
            .iter()
            .take(limit as usize)
            .map(|r| rows::card(&self.keys, r))
            .collect::<Result<_>>()?;
        Ok((cards, truncated))
    }

    pub async fn application(&self, case_id: &str) -> Result<Option<Application>> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(&format!(
                "SELECT {APPLICATION_COLUMNS} FROM applications a WHERE a.case_id = $1"
            ))
            .await?;
        client
            .query_opt(&stmt, &[&case_id])
            .await?
            .map(|r| rows::application(&self.keys, &r))
            .transpose()
    }

    /// Applications in `progress`, oldest first, at most `limit`; true when there were more.
    pub async fn applications_in(
        &self,
        progress: Progress,
        limit: u32,
    ) -> Result<(Vec<Application>, bool)> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(&format!(
                "SELECT {APPLICATION_COLUMNS} FROM applications a WHERE a.progress = $1
                 ORDER BY a.submitted_at, a.case_id LIMIT $2"
            ))
            .await?;
        let limit = limit.clamp(1, MAX_LIMIT);
        let found = client
            .query(&stmt, &[&progress.code(), &(i64::from(limit) + 1)])
            .await?;
        let truncated = found.len() > limit as usize;
        let apps = found
            .iter()
            .take(limit as usize)
            .map(|r| rows::application(&self.keys, r))
            .collect::<Result<_>>()?;
        Ok((apps, truncated))
    }

    /// The production's on-time figure for applications whose expected date falls on
    /// `from..=to`, as of `today` (`kiosk_core::store::ProductionStats`). Made: `ready_at`
    /// set, judged by its kiosk-local date. Not made: neither ready, collected nor rejected.
    /// Cards made before `ready_at` was kept (V4) have no date to judge by: in neither.
    pub async fn production_stats(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        today: NaiveDate,
    ) -> Result<ProductionStats> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(
                "WITH a AS (
                     SELECT deadline, progress,
                         ((ready_at AT TIME ZONE 'UTC') + $4::int4 * interval '1 second')::date
                             AS ready_date
                     FROM applications WHERE deadline BETWEEN $1 AND $2)
                 SELECT
                     count(*) FILTER (WHERE ready_date <= deadline),
                     count(*) FILTER (WHERE ready_date > deadline),
                     count(*) FILTER (WHERE ready_date IS NULL
                         AND progress IN ('submitted', 'accepted', 'in_production')
                         AND deadline < $3),
                     count(*) FILTER (WHERE ready_date IS NULL
                         AND progress IN ('submitted', 'accepted', 'in_production')
                         AND deadline >= $3),
                     count(*) FILTER (WHERE ready_date IS NULL AND progress = 'rejected')
                 FROM a",
            )
            .await?;
        let row = client
            .query_one(&stmt, &[&from, &to, &today, &LOCAL_OFFSET_S])
            .await?;
        let n =
            |i: usize| -> Result<u64> { Ok(u64::try_from(row.try_get::<_, i64>(i)?).unwrap_or(0)) };
        Ok(ProductionStats {
            from,
            to,
            today,
            on_time: n(0)?,
            late: n(1)?,
            overdue: n(2)?,
            not_yet_due: n(3)?,
            rejected: n(4)?,
        })
    }

    pub async fn case(&self, case_id: &str) -> Result<Option<Case>> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(&format!(
                "SELECT {CASE_COLUMNS} FROM cases k WHERE k.case_id = $1"
            ))
            .await?;
        client
            .query_opt(&stmt, &[&case_id])
            .await?
            .map(|r| rows::case(&self.keys, &r))
            .transpose()
    }

    /// The kiosk's cases opened and never closed, oldest first.
    pub async fn open_cases(&self, kiosk_id: &str) -> Result<Vec<Case>> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(&format!(
                "SELECT {CASE_COLUMNS} FROM cases k
                 WHERE k.kiosk_id = $1 AND k.outcome IS NULL
                 ORDER BY k.started_at, k.case_id"
            ))
            .await?;
        client
            .query(&stmt, &[&kiosk_id])
            .await?
            .iter()
            .map(|r| rows::case(&self.keys, r))
            .collect()
    }
}
