//! The rows a commit works on, locked: persons and cards by blind index (persons first, in
//! index order), with the check that no live lease of another case holds any of them.

use std::collections::{BTreeMap, BTreeSet};

use deadpool_postgres::Transaction;

use kiosk_core::domain::{CardState, Person, Timestamp};

use super::rows::{self};
use super::{DbError, Result};
use crate::crypto::Keys;
use kiosk_core::mask;

/// A locked person row, opened.
pub(crate) struct PersonRow {
    pub(crate) person_id: i64,
    pub(crate) person: Person,
}

/// A locked card row.
pub(crate) struct CardRow {
    pub(crate) state: CardState,
}

/// What one blind index stands for, for messages (masked).
#[derive(Clone)]
pub(crate) enum Item {
    Person(String),
    Card(String),
}

impl Item {
    pub(crate) fn describe(&self) -> String {
        match self {
            Item::Person(id) => format!("person {}", mask::id_number(id)),
            Item::Card(c) => format!("card {}", mask::card_number(c)),
        }
    }
}

/// The rows a transaction works on, locked.
pub(crate) struct Locked {
    pub(crate) persons: BTreeMap<Vec<u8>, PersonRow>,
    pub(crate) cards: BTreeMap<Vec<u8>, CardRow>,
    pub(crate) items: BTreeMap<Vec<u8>, Item>,
}

/// Locks the persons and cards (by blind index, in index order, persons first) and checks
/// that no live lease of another case than `case_id` holds any of them.
pub(crate) async fn lock(
    tx: &Transaction<'_>,
    keys: &Keys,
    id_numbers: &BTreeSet<String>,
    card_numbers: &BTreeSet<String>,
    case_id: &str,
) -> Result<Locked> {
    let mut items = BTreeMap::new();
    let person_indexes: Vec<Vec<u8>> = id_numbers
        .iter()
        .map(|id| {
            let ix = keys.person_index(id);
            items.insert(ix.clone(), Item::Person(id.clone()));
            ix
        })
        .collect();
    let card_indexes: Vec<Vec<u8>> = card_numbers
        .iter()
        .map(|c| {
            let ix = keys.card_index(c);
            items.insert(ix.clone(), Item::Card(c.clone()));
            ix
        })
        .collect();
    // The three statements are sent at once (pipelined: one round trip); PostgreSQL runs
    // them in the order sent, so the locks are still taken persons first, then cards.
    let persons = async {
        let mut out = BTreeMap::new();
        if person_indexes.is_empty() {
            return Ok(out);
        }
        let stmt = tx
            .prepare_cached(
                "SELECT p.person_id, p.id_index, p.sealed FROM persons p
                 WHERE p.id_index = ANY($1) ORDER BY p.id_index FOR UPDATE",
            )
            .await?;
        for row in tx.query(&stmt, &[&person_indexes]).await? {
            let index: Vec<u8> = row.try_get(1)?;
            let person = rows::person(keys, &row)?;
            out.insert(
                index,
                PersonRow {
                    person_id: row.try_get(0)?,
                    person,
                },
            );
        }
        Ok::<_, DbError>(out)
    };
    let cards = async {
        let mut out = BTreeMap::new();
        if card_indexes.is_empty() {
            return Ok(out);
        }
        let stmt = tx
            .prepare_cached(
                "SELECT c.card_index, c.state FROM cards c
                 WHERE c.card_index = ANY($1) ORDER BY c.card_index FOR UPDATE",
            )
            .await?;
        for row in tx.query(&stmt, &[&card_indexes]).await? {
            out.insert(
                row.try_get(0)?,
                CardRow {
                    state: rows::card_state(row.try_get(1)?)?,
                },
            );
        }
        Ok::<_, DbError>(out)
    };
    let all: Vec<Vec<u8>> = items.keys().cloned().collect();
    let leased = async {
        if all.is_empty() {
            return Ok(None);
        }
        let stmt = tx
            .prepare_cached(
                "SELECT i.item, l.case_id, l.kiosk_id, l.expires_at FROM lease_items i
                 JOIN leases l ON l.case_id = i.case_id
                 WHERE i.item = ANY($1) AND l.case_id <> $2 AND l.expires_at > now()
                 ORDER BY i.item LIMIT 1",
            )
            .await?;
        Ok::<_, DbError>(tx.query_opt(&stmt, &[&all, &case_id]).await?)
    };
    let (persons, cards, leased) = futures_util::try_join!(persons, cards, leased)?;
    let locked = Locked {
        persons,
        cards,
        items,
    };
    if let Some(row) = leased {
        let item: Vec<u8> = row.try_get(0)?;
        let holder: String = row.try_get(1)?;
        let kiosk: String = row.try_get(2)?;
        let until: Timestamp = row.try_get(3)?;
        let what = locked
            .items
            .get(&item)
            .map(Item::describe)
            .unwrap_or_else(|| "a record".into());
        return Err(DbError::Busy(format!(
            "{what} is being handled by case {holder} at kiosk {kiosk} (reserved until \
             {}); nothing was changed",
            until.format("%Y-%m-%d %H:%M:%S UTC")
        )));
    }
    Ok(locked)
}

impl Locked {
    pub(crate) fn card_state(&self, index: &[u8]) -> Option<CardState> {
        self.cards.get(index).map(|c| c.state)
    }
}
