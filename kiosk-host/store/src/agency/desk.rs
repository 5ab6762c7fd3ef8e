//! Staff calls and identity approvals through the agency (issues 22 and 19;
//! `agency_api::desk`): the kiosk posts a citizen's 呼叫工作人员, and asks the agency's staff
//! to approve the identity of a session whose face match is not possible, then reads their
//! decision. Both are plain requests with the usual deadline, not outbox rows: a call or an
//! approval is worth something only while the citizen stands at the kiosk (see
//! `kiosk_service::desk`).

use agency_api::desk::paths;
pub use agency_api::desk::{ApprovalRecord, ApprovalRequest, ApprovalState, CallRecord, StaffCall};
use kiosk_core::store::{Result, StoreError};

use super::client::{segment, Client};
use super::AgencyStore;

impl AgencyStore {
    /// Posts a staff call; the agency's record of it.
    pub fn staff_call(&self, call: &StaffCall) -> Result<CallRecord> {
        let body = Client::body(call)?;
        self.client
            .json::<CallRecord>("POST", paths::STAFF_CALLS, Some(body))?
            .ok_or_else(|| StoreError::NotFound("the agency has no staff call route".into()))
    }

    /// Asks the agency's staff to approve case `case_id`'s identity (asking again changes
    /// nothing): where the approval stands — pending, or the staff member's decision.
    pub fn ask_approval(&self, case_id: &str, req: &ApprovalRequest) -> Result<ApprovalRecord> {
        let body = Client::body(req)?;
        let path = paths::IDENTITY_APPROVAL.replace("{case_id}", &segment(case_id));
        self.client
            .json::<ApprovalRecord>("PUT", &path, Some(body))?
            .ok_or_else(|| StoreError::NotFound("the agency has no identity approval route".into()))
    }

    /// Where case `case_id`'s approval stands, as asked before by [`Self::ask_approval`]
    /// (`None`: the agency has no approval for the case).
    pub fn approval(&self, case_id: &str) -> Result<Option<ApprovalRecord>> {
        let path = paths::IDENTITY_APPROVAL.replace("{case_id}", &segment(case_id));
        self.client.get::<ApprovalRecord>(&path)
    }
}
