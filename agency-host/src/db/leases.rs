//! Reservations (leases): a case holds cards and persons so that no other case changes them
//! between its card command and its commit.
//!
//! A reservation locks the rows it names (in the commit's order), removes expired leases it
//! meets, refuses (409) when a live lease of another case holds an item or a card is not in
//! the state expected, then replaces the case's own lease. Two reservations racing for one
//! item: the rows' locks order them, and for an item with no row yet (a person not in the
//! registry) the unique item key does: exactly one wins.

use std::collections::BTreeSet;

use agency_api::{Released, Reservation, ReservationRequest};
use kiosk_core::domain::Timestamp;

use super::commit::check_own_case;
use super::locks::lock;
use super::{Db, DbError, Result};
use kiosk_core::mask;

/// At most this many cards and persons in one reservation.
pub const MAX_ITEMS: usize = 64;

impl Db {
    /// Grants `req` to `kiosk`, or refuses it with a conflict saying why.
    pub async fn reserve(&self, kiosk: &str, req: &ReservationRequest) -> Result<Reservation> {
        check_own_case(&req.case_id, kiosk)?;
        let ttl = req.ttl_s.unwrap_or(self.leases.default_ttl_s);
        if ttl == 0 || ttl > self.leases.max_ttl_s {
            return Err(DbError::Invalid(format!(
                "ttl_s {ttl} is not between 1 and {} seconds",
                self.leases.max_ttl_s
            )));
        }
        let mut cards: BTreeSet<String> = req.cards.iter().cloned().collect();
        cards.extend(req.expect.iter().map(|e| e.card_number.clone()));
        let persons: BTreeSet<String> = req.persons.iter().cloned().collect();
        if cards.len() + persons.len() > MAX_ITEMS {
            return Err(DbError::Invalid(format!(
                "a reservation holds at most {MAX_ITEMS} cards and persons"
            )));
        }
        if cards.iter().chain(&persons).any(|s| s.is_empty()) {
            return Err(DbError::Invalid("an empty card or ID number".into()));
        }
        let mut items: Vec<Vec<u8>> = persons.iter().map(|p| self.keys.person_index(p)).collect();
        items.extend(cards.iter().map(|c| self.keys.card_index(c)));

        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // The rows first (the order every transaction locks in), then the leases.
        let locked = lock(&tx, &self.keys, &persons, &cards, &req.case_id).await?;
        for e in &req.expect {
            match locked.card_state(&self.keys.card_index(&e.card_number)) {
                None => {
                    return Err(DbError::Conflict(format!(
                        "card {} is not in the registry",
                        mask::card_number(&e.card_number)
                    )))
                }
                Some(now) if now != e.state => {
                    return Err(DbError::Conflict(format!(
                        "card {} is {} ({}) now, not {} ({}) as expected",
                        mask::card_number(&e.card_number),
                        now.code(),
                        now.text().zh,
                        e.state.code(),
                        e.state.text().zh
                    )))
                }
                Some(_) => {}
            }
        }
        // Expired leases that still hold these items, and the case's own lease, make way.
        tx.execute(
            "DELETE FROM leases WHERE case_id = $2 OR (expires_at <= now() AND case_id IN
                 (SELECT case_id FROM lease_items WHERE item = ANY($1)))",
            &[&items, &req.case_id],
        )
        .await?;
        let row = tx
            .query_one(
                "INSERT INTO leases (case_id, kiosk_id, expires_at)
                 VALUES ($1, $2, now() + make_interval(secs => $3)) RETURNING expires_at",
                &[&req.case_id, &kiosk, &f64::from(ttl)],
            )
            .await?;
        let expires_at: Timestamp = row.try_get(0)?;
        tx.execute(
            "INSERT INTO lease_items (item, case_id) SELECT unnest($1::bytea[]), $2",
            &[&items, &req.case_id],
        )
        .await
        .map_err(|e| {
            DbError::from(e).racing_for_lease(|| {
                "another case reserved the same card or person at the same moment; nothing \
                 was reserved"
                    .to_string()
            })
        })?;
        tx.commit().await?;
        Ok(Reservation {
            case_id: req.case_id.clone(),
            expires_at,
        })
    }

    /// Releases the kiosk's lease of `case_id` (true when a live one was released).
    pub async fn release(&self, kiosk: &str, case_id: &str) -> Result<Released> {
        check_own_case(case_id, kiosk)?;
        let client = self.client().await?;
        let row = client
            .query_one(
                "WITH gone AS (DELETE FROM leases WHERE case_id = $1 AND kiosk_id = $2
                     RETURNING expires_at)
                 SELECT count(*) FILTER (WHERE expires_at > now()) FROM gone",
                &[&case_id, &kiosk],
            )
            .await?;
        let live: i64 = row.try_get(0)?;
        Ok(Released {
            case_id: case_id.to_string(),
            released: live > 0,
        })
    }
}
