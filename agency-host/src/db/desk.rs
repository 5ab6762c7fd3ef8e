//! Staff calls and identity approvals (migration 3; `agency_api::desk`): kiosks post them,
//! staff at the agency see and answer them. Every step is audited: a call and an approval
//! asked in the kiosk's chain, an answer and a decision in the staff member's
//! (`staff:<user>`, see [`super::audit::chain_of`]).

use serde_json::json;

use agency_api::desk::{ApprovalRecord, ApprovalRequest, ApprovalState, CallRecord, StaffCall};

use super::audit::{self, Pending};
use super::commit::check_own_case;
use super::{Db, DbError, Result};

fn call_row(r: &tokio_postgres::Row) -> Result<CallRecord> {
    Ok(CallRecord {
        call_id: r.try_get(0)?,
        kiosk_id: r.try_get(1)?,
        at: r.try_get(2)?,
        case_id: r.try_get(3)?,
        screen: r.try_get(4)?,
        answered_by: r.try_get(5)?,
        answered_at: r.try_get(6)?,
    })
}

const CALL_COLUMNS: &str = "call_id, kiosk_id, at, case_id, screen, answered_by, answered_at";

fn approval_state(code: &str) -> Result<ApprovalState> {
    match code {
        "pending" => Ok(ApprovalState::Pending),
        "approved" => Ok(ApprovalState::Approved),
        "refused" => Ok(ApprovalState::Refused),
        other => Err(DbError::Corrupt(format!(
            "identity approval state {other:?}"
        ))),
    }
}

fn approval_row(r: &tokio_postgres::Row) -> Result<ApprovalRecord> {
    Ok(ApprovalRecord {
        case_id: r.try_get(0)?,
        kiosk_id: r.try_get(1)?,
        business: r.try_get(2)?,
        id_masked: r.try_get(3)?,
        why: r.try_get(4)?,
        asked_at: r.try_get(5)?,
        state: approval_state(r.try_get(6)?)?,
        decided_by: r.try_get(7)?,
        decided_at: r.try_get(8)?,
    })
}

const APPROVAL_COLUMNS: &str =
    "case_id, kiosk_id, business, id_masked, why, asked_at, state, decided_by, decided_at";

/// A short text field from a kiosk: at most `max` characters, no control characters.
fn short(field: &str, value: &str, max: usize) -> Result<()> {
    if value.chars().count() > max || value.chars().any(char::is_control) {
        return Err(DbError::Invalid(format!(
            "{field} must be at most {max} characters, without control characters"
        )));
    }
    Ok(())
}

impl Db {
    /// Records `kiosk`'s staff call (audited in its chain); returns it.
    pub async fn staff_call(&self, kiosk: &str, call: &StaffCall) -> Result<CallRecord> {
        if let Some(case) = &call.case_id {
            check_own_case(case, kiosk)?;
        }
        if let Some(screen) = &call.screen {
            short("screen", screen, 64)?;
        }
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let row = tx
            .query_one(
                &format!(
                    "INSERT INTO staff_calls (kiosk_id, at, case_id, screen)
                     VALUES ($1, $2, $3, $4) RETURNING {CALL_COLUMNS}"
                ),
                &[&kiosk, &call.at, &call.case_id, &call.screen],
            )
            .await?;
        let record = call_row(&row)?;
        audit::append(
            &tx,
            call.at,
            &format!("kiosk:{kiosk}"),
            vec![Pending::new(
                "staff.called",
                kiosk,
                json!({ "call": record.call_id, "case": call.case_id, "screen": call.screen }),
            )],
        )
        .await?;
        tx.commit().await?;
        Ok(record)
    }

    /// The staff calls not answered yet, oldest first.
    pub async fn open_calls(&self) -> Result<Vec<CallRecord>> {
        let client = self.client().await?;
        client
            .query(
                &format!(
                    "SELECT {CALL_COLUMNS} FROM staff_calls WHERE answered_at IS NULL
                     ORDER BY at, call_id"
                ),
                &[],
            )
            .await?
            .iter()
            .map(call_row)
            .collect()
    }

    /// `user` answers call `call_id` (audited in the staff member's chain). A call answered
    /// already is a conflict naming who answered it.
    pub async fn answer_call(&self, user: &str, call_id: i64) -> Result<CallRecord> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let Some(row) = tx
            .query_opt(
                &format!("SELECT {CALL_COLUMNS} FROM staff_calls WHERE call_id = $1 FOR UPDATE"),
                &[&call_id],
            )
            .await?
        else {
            return Err(DbError::NotFound(format!("staff call {call_id}")));
        };
        let before = call_row(&row)?;
        if let Some(by) = before.answered_by {
            return Err(DbError::Conflict(format!(
                "staff call {call_id} was answered by {by} already"
            )));
        }
        let now = chrono::Utc::now();
        let row = tx
            .query_one(
                &format!(
                    "UPDATE staff_calls SET answered_by = $2, answered_at = $3
                     WHERE call_id = $1 RETURNING {CALL_COLUMNS}"
                ),
                &[&call_id, &user, &now],
            )
            .await?;
        let record = call_row(&row)?;
        audit::append(
            &tx,
            now,
            &format!("staff:{user}"),
            vec![Pending::new(
                "staff.call_answered",
                record.kiosk_id.clone(),
                json!({ "call": call_id }),
            )],
        )
        .await?;
        tx.commit().await?;
        Ok(record)
    }

    /// `kiosk` asks for a staff approval of case `case_id`'s identity (audited in its
    /// chain). Asking again while it is pending changes nothing; a decided approval stays
    /// decided (the answer says how).
    pub async fn ask_approval(
        &self,
        kiosk: &str,
        case_id: &str,
        req: &ApprovalRequest,
    ) -> Result<ApprovalRecord> {
        check_own_case(case_id, kiosk)?;
        short("business", &req.business, 32)?;
        short("why", &req.why, 64)?;
        // Only a masked ID number is taken: 6 + 4 characters around asterisks.
        let masked = &req.id_masked;
        let shape = |m: &String| {
            let chars: Vec<char> = m.chars().collect();
            chars.len() == 18
                && chars[6..14].iter().all(|c| *c == '*')
                && chars[..6]
                    .iter()
                    .chain(&chars[14..])
                    .all(|c| c.is_ascii_alphanumeric())
        };
        if !masked.as_ref().is_none_or(shape) {
            return Err(DbError::Invalid(
                "id_masked must be an ID number masked as the kiosk masks it (6 characters, \
                 8 asterisks, 4 characters)"
                    .into(),
            ));
        }
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let inserted = tx
            .query_opt(
                &format!(
                    "INSERT INTO identity_approvals (case_id, kiosk_id, business, id_masked,
                         why, asked_at, state)
                     VALUES ($1, $2, $3, $4, $5, $6, 'pending')
                     ON CONFLICT (case_id) DO NOTHING RETURNING {APPROVAL_COLUMNS}"
                ),
                &[&case_id, &kiosk, &req.business, masked, &req.why, &req.at],
            )
            .await?;
        let record = match inserted {
            Some(row) => {
                let record = approval_row(&row)?;
                audit::append(
                    &tx,
                    req.at,
                    &format!("kiosk:{kiosk}"),
                    vec![Pending::new(
                        "identity.approval_asked",
                        case_id,
                        json!({ "business": req.business, "holder": masked, "why": req.why }),
                    )],
                )
                .await?;
                record
            }
            None => {
                let row = tx
                    .query_one(
                        &format!(
                            "SELECT {APPROVAL_COLUMNS} FROM identity_approvals
                             WHERE case_id = $1"
                        ),
                        &[&case_id],
                    )
                    .await?;
                approval_row(&row)?
            }
        };
        tx.commit().await?;
        Ok(record)
    }

    /// Case `case_id`'s approval, for its kiosk.
    pub async fn approval(&self, kiosk: &str, case_id: &str) -> Result<Option<ApprovalRecord>> {
        check_own_case(case_id, kiosk)?;
        let client = self.client().await?;
        client
            .query_opt(
                &format!("SELECT {APPROVAL_COLUMNS} FROM identity_approvals WHERE case_id = $1"),
                &[&case_id],
            )
            .await?
            .as_ref()
            .map(approval_row)
            .transpose()
    }

    /// The approvals waiting for staff, oldest first.
    pub async fn pending_approvals(&self) -> Result<Vec<ApprovalRecord>> {
        let client = self.client().await?;
        client
            .query(
                &format!(
                    "SELECT {APPROVAL_COLUMNS} FROM identity_approvals WHERE state = 'pending'
                     ORDER BY asked_at, case_id"
                ),
                &[],
            )
            .await?
            .iter()
            .map(approval_row)
            .collect()
    }

    /// `user` decides case `case_id`'s approval (audited in the staff member's chain). Only
    /// a pending approval is decided: a decided one is a conflict naming who decided it.
    pub async fn decide_approval(
        &self,
        user: &str,
        case_id: &str,
        approved: bool,
    ) -> Result<ApprovalRecord> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let Some(row) = tx
            .query_opt(
                &format!(
                    "SELECT {APPROVAL_COLUMNS} FROM identity_approvals WHERE case_id = $1
                     FOR UPDATE"
                ),
                &[&case_id],
            )
            .await?
        else {
            return Err(DbError::NotFound(format!(
                "no identity approval for case {case_id}"
            )));
        };
        let before = approval_row(&row)?;
        if before.state != ApprovalState::Pending {
            return Err(DbError::Conflict(format!(
                "the identity approval of case {case_id} was decided by {} already",
                before.decided_by.unwrap_or_default()
            )));
        }
        let now = chrono::Utc::now();
        let state = if approved { "approved" } else { "refused" };
        let row = tx
            .query_one(
                &format!(
                    "UPDATE identity_approvals SET state = $2, decided_by = $3, decided_at = $4
                     WHERE case_id = $1 RETURNING {APPROVAL_COLUMNS}"
                ),
                &[&case_id, &state, &user, &now],
            )
            .await?;
        let record = approval_row(&row)?;
        audit::append(
            &tx,
            now,
            &format!("staff:{user}"),
            vec![Pending::new(
                "identity.staff_decision",
                case_id,
                json!({
                    "approved": approved,
                    "kiosk": record.kiosk_id,
                    "holder": record.id_masked,
                }),
            )],
        )
        .await?;
        tx.commit().await?;
        Ok(record)
    }
}
