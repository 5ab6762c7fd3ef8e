//! Staff actions on the registry: moving an application along its progress states
//! (`submitted → accepted → in_production → ready_for_pickup → collected`, or `rejected` with
//! reasons). Each is one commit, so it is audited with the staff member as the actor.

use crate::domain::{Actor, Progress, Timestamp};
use crate::store::{Change, Commit, Registry, StoreError};

/// Why a staff action was refused. Exhaustive: the staff page words every case.
#[derive(Debug, thiserror::Error)]
pub enum StaffError {
    #[error("no application with case number {0}")]
    NoApplication(String),
    #[error("an application that is {from} cannot move to {to}; the next step is {next}")]
    NotNext {
        from: &'static str,
        to: &'static str,
        next: &'static str,
    },
    #[error("a rejection needs its reasons (they are told to the applicant)")]
    ReasonsRequired,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Moves the application of `case_id` to `to`, as `staff`.
pub fn move_application(
    store: &dyn Registry,
    case_id: &str,
    to: Progress,
    reasons: Option<&str>,
    staff: &str,
    now: Timestamp,
) -> Result<(), StaffError> {
    let app = store
        .application(case_id)?
        .ok_or_else(|| StaffError::NoApplication(case_id.to_string()))?;
    if !app.progress.may_move_to(to) {
        return Err(StaffError::NotNext {
            from: app.progress.code(),
            to: to.code(),
            next: app
                .progress
                .next()
                .map_or("none (finished)", Progress::code),
        });
    }
    let reasons = reasons.map(str::trim).filter(|r| !r.is_empty());
    if to == Progress::Rejected && reasons.is_none() {
        return Err(StaffError::ReasonsRequired);
    }
    let mut commit = Commit::new(Actor::Staff(staff.to_string()), now);
    commit.changes.push(Change::MoveApplication {
        case_id: case_id.to_string(),
        from: app.progress,
        to,
        reasons: reasons.map(str::to_string),
    });
    store.commit(&commit)?;
    Ok(())
}
