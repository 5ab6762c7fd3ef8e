//! Loading a checked file into the registry: persons and cards inserted in chunks in one
//! transaction with one audit entry, or nothing.

use std::collections::HashMap;
use std::path::Path;

use serde_json::json;

use kiosk_core::domain::{Person, Timestamp};

use crate::db::audit::{self, Pending};
use crate::db::rows::{self, CardSecret};
use crate::db::{Db, DbError};

use super::*;

/// Rows inserted per statement.
const CHUNK: usize = 2_000;

impl Db {
    /// Loads `text` (named `origin` in messages) in one transaction with one audit entry, or
    /// nothing with every bad line named.
    pub async fn import(
        &self,
        origin: &str,
        text: &str,
        format: Format,
        now: Timestamp,
    ) -> Result<Imported, ImportError> {
        let lines_error = |errors| ImportError::Lines {
            origin: origin.to_string(),
            errors,
        };
        let parsed = parse(text, format, now).map_err(lines_error)?;
        let mut client = self.client().await.map_err(ImportError::Db)?;
        let tx = client.transaction().await.map_err(DbError::from)?;
        let mut errors = Vec::new();

        // Against the registry: persons and cards already there, card holders missing.
        let person_ix: Vec<Vec<u8>> = parsed
            .persons
            .iter()
            .map(|(_, p, _)| self.keys.person_index(&p.id_number))
            .collect();
        let holder_ids: Vec<&str> = parsed
            .cards
            .iter()
            .map(|(_, c, _, _)| c.id_number.as_str())
            .collect();
        let holder_ix: Vec<Vec<u8>> = holder_ids
            .iter()
            .map(|id| self.keys.person_index(id))
            .collect();
        let mut lookup = person_ix.clone();
        lookup.extend(holder_ix.iter().cloned());
        let mut registry: HashMap<Vec<u8>, (i64, Person)> = HashMap::new();
        for chunk in lookup.chunks(10_000) {
            let rows_found = tx
                .query(
                    "SELECT p.person_id, p.id_index, p.sealed FROM persons p
                     WHERE p.id_index = ANY($1) FOR UPDATE",
                    &[&chunk],
                )
                .await
                .map_err(DbError::from)?;
            for row in rows_found {
                let index: Vec<u8> = row.try_get(1).map_err(DbError::from)?;
                let person = rows::person(&self.keys, &row)?;
                registry.insert(index, (row.try_get(0).map_err(DbError::from)?, person));
            }
        }
        for ((line, p, _), ix) in parsed.persons.iter().zip(&person_ix) {
            if registry.contains_key(ix) {
                errors.push(LineError {
                    line: *line,
                    field: "id_number".into(),
                    message: format!(
                        "person {} is already in the registry",
                        kiosk_core::mask::id_number(&p.id_number)
                    ),
                    hint: "remove the line (the registry keeps its record)".into(),
                });
            }
        }
        let in_file: HashMap<&str, ()> = parsed
            .persons
            .iter()
            .map(|(_, p, _)| (p.id_number.as_str(), ()))
            .collect();
        for ((line, card, _, name), ix) in parsed.cards.iter().zip(&holder_ix) {
            if in_file.contains_key(card.id_number.as_str()) {
                continue;
            }
            match registry.get(ix) {
                None => errors.push(LineError {
                    line: *line,
                    field: "id_number".into(),
                    message: format!(
                        "no person {} in the registry or in this file",
                        kiosk_core::mask::id_number(&card.id_number)
                    ),
                    hint: "add a person line for the holder before the card".into(),
                }),
                Some((_, p)) if &p.name != name => errors.push(LineError {
                    line: *line,
                    field: "name".into(),
                    message: format!(
                        "{} is not the name the registry has for {}",
                        kiosk_core::mask::name(name),
                        kiosk_core::mask::id_number(&card.id_number)
                    ),
                    hint: "write the holder's name as the registry has it".into(),
                }),
                Some(_) => {}
            }
        }
        let card_ix: Vec<Vec<u8>> = parsed
            .cards
            .iter()
            .map(|(_, c, _, _)| self.keys.card_index(&c.card_number))
            .collect();
        let chips: Vec<String> = parsed
            .cards
            .iter()
            .map(|(_, c, _, _)| c.chip_serial.clone().unwrap_or_default())
            .collect();
        let mut known_cards = std::collections::HashSet::new();
        let mut known_chips = std::collections::HashSet::new();
        for (ixs, cs) in card_ix.chunks(10_000).zip(chips.chunks(10_000)) {
            for row in tx
                .query(
                    "SELECT card_index, NULL::text FROM cards WHERE card_index = ANY($1)
                     UNION ALL
                     SELECT NULL::bytea, chip_serial FROM cards WHERE chip_serial = ANY($2)",
                    &[&ixs, &cs],
                )
                .await
                .map_err(DbError::from)?
            {
                if let Some(ix) = row
                    .try_get::<_, Option<Vec<u8>>>(0)
                    .map_err(DbError::from)?
                {
                    known_cards.insert(ix);
                }
                if let Some(chip) = row.try_get::<_, Option<String>>(1).map_err(DbError::from)? {
                    known_chips.insert(chip);
                }
            }
        }
        for (((line, card, _, _), ix), chip) in parsed.cards.iter().zip(&card_ix).zip(&chips) {
            if known_cards.contains(ix) {
                errors.push(LineError {
                    line: *line,
                    field: "card_number".into(),
                    message: format!(
                        "card {} is already in the registry",
                        kiosk_core::mask::card_number(&card.card_number)
                    ),
                    hint: "remove the line (the registry keeps its record)".into(),
                });
            } else if known_chips.contains(chip) {
                errors.push(LineError {
                    line: *line,
                    field: "chip_serial".into(),
                    message: "a card in the registry has this chip serial".into(),
                    hint: "check the chip serial; each card has its own".into(),
                });
            }
        }
        if !errors.is_empty() {
            errors.sort_by_key(|a| a.line);
            tx.rollback().await.map_err(DbError::from)?;
            return Err(lines_error(errors));
        }

        // Persons, then their photos, then cards.
        let mut person_ids: HashMap<String, i64> = registry
            .values()
            .map(|(id, p)| (p.id_number.clone(), *id))
            .collect();
        for (chunk_p, chunk_ix) in parsed.persons.chunks(CHUNK).zip(person_ix.chunks(CHUNK)) {
            let mut sealed = Vec::with_capacity(chunk_p.len());
            for ((_, p, _), ix) in chunk_p.iter().zip(chunk_ix) {
                sealed.push(rows::seal_json(&self.keys, rows::PERSON, ix, p)?);
            }
            let ids = tx
                .query(
                    "INSERT INTO persons (id_index, sealed, updated_at)
                     SELECT ix, s, $3 FROM UNNEST($1::bytea[], $2::bytea[]) AS t (ix, s)
                     RETURNING person_id, id_index",
                    &[&chunk_ix, &sealed, &now],
                )
                .await
                .map_err(DbError::from)?;
            let by_ix: HashMap<Vec<u8>, i64> = ids
                .iter()
                .map(|r| Ok((r.try_get(1)?, r.try_get(0)?)))
                .collect::<Result<_, tokio_postgres::Error>>()
                .map_err(DbError::from)?;
            for ((_, p, photo), ix) in chunk_p.iter().zip(chunk_ix) {
                let id = by_ix.get(ix).copied().ok_or_else(|| {
                    DbError::Corrupt("an inserted person did not come back".into())
                })?;
                person_ids.insert(p.id_number.clone(), id);
                if let Some(jpeg) = photo {
                    let sealed = self.keys.seal(rows::PHOTO, &id.to_be_bytes(), jpeg);
                    tx.execute(
                        "INSERT INTO photos (person_id, sealed, at) VALUES ($1, $2, $3)",
                        &[&id, &sealed, &now],
                    )
                    .await
                    .map_err(DbError::from)?;
                }
            }
        }
        for (chunk_c, chunk_ix) in parsed.cards.chunks(CHUNK).zip(card_ix.chunks(CHUNK)) {
            let mut sealed = Vec::with_capacity(chunk_c.len());
            let mut owners = Vec::with_capacity(chunk_c.len());
            let mut chips = Vec::with_capacity(chunk_c.len());
            let mut states = Vec::with_capacity(chunk_c.len());
            let mut issue = Vec::with_capacity(chunk_c.len());
            let mut expiry = Vec::with_capacity(chunk_c.len());
            let mut batches = Vec::with_capacity(chunk_c.len());
            let mut generations = Vec::with_capacity(chunk_c.len());
            for ((_, c, generation, _), ix) in chunk_c.iter().zip(chunk_ix) {
                let secret = CardSecret {
                    card_number: c.card_number.clone(),
                    id_number: c.id_number.clone(),
                };
                sealed.push(rows::seal_json(&self.keys, rows::CARD, ix, &secret)?);
                owners.push(person_ids.get(&c.id_number).copied().ok_or_else(|| {
                    DbError::Corrupt("a card's holder was not found after the check".into())
                })?);
                chips.push(c.chip_serial.clone());
                states.push(c.state.code().to_string());
                issue.push(c.issue_date);
                expiry.push(c.expiry_date);
                batches.push(c.reissue_batch.clone());
                generations.push(*generation);
            }
            tx.execute(
                "INSERT INTO cards (card_index, card_sealed, person_id, chip_serial, state,
                     state_since, issue_date, expiry_date, reissue_batch, generation)
                 SELECT ix, s, pid, chip, st, $9, iss, exp, rb, g
                 FROM UNNEST($1::bytea[], $2::bytea[], $3::bigint[], $4::text[], $5::text[],
                     $6::date[], $7::date[], $8::text[], $10::smallint[])
                     AS t (ix, s, pid, chip, st, iss, exp, rb, g)",
                &[
                    &chunk_ix,
                    &sealed,
                    &owners,
                    &chips,
                    &states,
                    &issue,
                    &expiry,
                    &batches,
                    &now,
                    &generations,
                ],
            )
            .await
            .map_err(DbError::from)?;
        }
        let digest = kiosk_core::digest::sha256_hex(text.as_bytes());
        audit::append(
            &tx,
            now,
            "system",
            vec![Pending::new(
                "registry.import",
                Path::new(origin)
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| origin.to_string()),
                json!({
                    "persons": parsed.persons.len(),
                    "cards": parsed.cards.len(),
                    "sha256": digest,
                }),
            )],
        )
        .await?;
        tx.commit().await.map_err(DbError::from)?;
        Ok(Imported {
            persons: parsed.persons.len(),
            cards: parsed.cards.len(),
        })
    }
}
