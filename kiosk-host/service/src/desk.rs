//! Staff calls and identity approvals through the agency (issues 22 and 19), on a kiosk with
//! an `[agency]`:
//!
//! - 呼叫工作人员: the call is recorded here as before (the local audit entry, the page's
//!   "已呼叫工作人员"), and posted to the agency **best-effort** on a thread of its own
//!   ([`crate::staff_call::post_call`], a module of its own as the actor uses it), so staff at the agency see it among the open calls. Not through the
//!   outbox: a call matters only while the citizen waits; delivered after an outage it would
//!   send staff to a kiosk the citizen left long ago, and the outbox would hold the
//!   registry's commits behind it. A call the agency did not get is in the kiosk's log and
//!   audit (the citizen can press again).
//! - Identity approvals: while a session waits for a staff approval (人证核验 not possible,
//!   declined or failed), [`approvals`] asks the agency's staff for it once (PUT) and then
//!   reads it (GET), every [`POLL`]; a decision made there is fed to the session as the kiosk's own
//!   `/staff/identity` page does, under the deciding staff member's name. The kiosk's page
//!   still works (whichever decides first; the other finds the session moved on).

use std::sync::Arc;
use std::time::Duration;

use kiosk_store::agency::{ApprovalRequest, ApprovalState};
use kiosk_store::AgencyStore;

use crate::state::Shared;

/// How often a waiting approval is asked for at the agency.
pub const POLL: Duration = Duration::from_secs(2);

/// Asks the agency's staff for the approval the session waits for, and feeds their
/// decision to the session. Runs while the service does.
pub async fn approvals(s: Arc<Shared>, agency: Arc<AgencyStore>) {
    let mut every = tokio::time::interval(POLL);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // The case the agency has been asked about: it is asked once (PUT), then read (GET).
    let mut asked: Option<String> = None;
    loop {
        every.tick().await;
        let Some((case_id, business, agent)) = s.shown().identity_waiting.clone() else {
            continue;
        };
        let ask = (asked.as_deref() != Some(case_id.as_str())).then(|| ApprovalRequest {
            business: serde_json::to_value(business)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            id_masked: None,
            why: if agent { "agent_case" } else { "face_match" }.into(),
            at: chrono::Utc::now(),
        });
        let store = Arc::clone(&agency);
        let case = case_id.clone();
        let asking = ask.is_some();
        let answer = tokio::task::spawn_blocking(move || match ask {
            Some(req) => store.ask_approval(&case, &req).map(Some),
            None => store.approval(&case),
        })
        .await;
        let record = match answer {
            Ok(Ok(Some(record))) => {
                if asking {
                    asked = Some(case_id.clone());
                }
                record
            }
            Ok(Ok(None)) => {
                // The agency lost the request (restored from a backup?): ask again.
                log::info!("identity approval of {case_id}: the agency has none; asking again");
                asked = None;
                continue;
            }
            Ok(Err(e)) => {
                log::debug!("identity approval of {case_id} at the agency: {e}");
                continue;
            }
            Err(e) => {
                log::warn!("identity approval of {case_id}: {e}");
                continue;
            }
        };
        let approved = match record.state {
            ApprovalState::Pending => continue,
            ApprovalState::Approved => true,
            ApprovalState::Refused => false,
        };
        let user = record.decided_by.unwrap_or_default();
        match s
            .actor
            .staff_identity(case_id.clone(), user, approved)
            .await
        {
            Ok(answer) => match answer.result {
                Ok(()) => log::info!("identity of {case_id} decided at the agency"),
                Err(why) => log::info!("identity of {case_id} decided at the agency: {why}"),
            },
            Err(e) => log::warn!("identity of {case_id} decided at the agency: {e}"),
        }
    }
}
