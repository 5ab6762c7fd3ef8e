//! The intent journal of card commands.

use rusqlite::params;
use serde_json::json;

use super::audit::Chain;
use super::codec::{mask_card, ts};
use super::commit::settle;
use super::query::rows;
use super::store::SqliteStore;
use crate::error::db;
use crate::DbError;
use kiosk_core::domain::Actor;
use kiosk_core::store::{Intent, IntentStatus, Journal, NewIntent, StoreError};

impl Journal for SqliteStore {
    fn record_intent(&self, intent: &NewIntent) -> kiosk_core::store::Result<i64> {
        db(|| {
            let text = serde_json::to_string(intent).map_err(|e| {
                DbError::Store(StoreError::Corrupt(format!(
                    "intent cannot be encoded: {e}"
                )))
            })?;
            // `write` commits before returning, and the database runs with synchronous=FULL:
            // once this returns, the intent survives a crash.
            self.write(|tx| {
                tx.prepare_cached(
                    "INSERT INTO intents (case_id, status, created_at, intent)
                     VALUES (?1, 'pending', ?2, ?3)",
                )?
                .execute(params![intent.case_id, ts(intent.created_at), text])?;
                let id = tx.last_insert_rowid();
                let mut chain = Chain::load(tx)?;
                chain.append(
                    tx,
                    intent.created_at,
                    &intent.on_success.actor.label(),
                    "intent.record",
                    &intent.case_id,
                    json!({
                        "intent": id,
                        "action": intent.action,
                        "card_number": mask_card(&intent.card_number),
                        "chip_serial": intent.chip_serial,
                    }),
                )?;
                Ok(id)
            })
        })
    }

    fn pending_intents(&self) -> kiosk_core::store::Result<Vec<Intent>> {
        db(|| {
            self.read(|tx| {
                rows(
                    tx,
                    "SELECT id, intent FROM intents WHERE status = 'pending' ORDER BY id",
                    [],
                    |row| {
                        let id: i64 = row.get(0)?;
                        let text: String = row.get(1)?;
                        let intent: NewIntent = serde_json::from_str(&text).map_err(|e| {
                            DbError::Store(StoreError::Corrupt(format!(
                                "intent {id} cannot be read: {e}"
                            )))
                        })?;
                        Ok(Intent {
                            id,
                            status: IntentStatus::Pending,
                            intent,
                        })
                    },
                )
            })
        })
    }

    fn abandon_intent(
        &self,
        id: i64,
        actor: &Actor,
        reason: &str,
    ) -> kiosk_core::store::Result<()> {
        db(|| {
            let at = chrono::Utc::now();
            self.write(|tx| {
                let case_id = settle(tx, id, IntentStatus::Abandoned, at, Some(reason))?;
                let mut chain = Chain::load(tx)?;
                chain.append(
                    tx,
                    at,
                    &actor.label(),
                    "intent.abandon",
                    &case_id,
                    json!({"intent": id, "reason": reason}),
                )?;
                Ok(())
            })
        })
    }
}
