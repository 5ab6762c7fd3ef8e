//! A citizen's 呼叫工作人员 posted to the agency, best-effort (issue 22; why not through
//! the outbox: see the module `desk`).

use std::sync::Arc;

use kiosk_store::agency::StaffCall;
use kiosk_store::AgencyStore;

/// Posts a citizen's staff call to the agency on a thread of its own (the deadline of
/// `[agency] timeout_ms`); logs what came of it.
pub fn post_call(agency: Arc<AgencyStore>, case_id: Option<String>) {
    let call = StaffCall {
        at: chrono::Utc::now(),
        case_id,
        screen: None,
    };
    let spawned = std::thread::Builder::new()
        .name("staff-call".into())
        .spawn(move || match agency.staff_call(&call) {
            Ok(record) => log::info!("staff call {} posted to the agency", record.call_id),
            Err(e) => log::warn!("staff call not posted to the agency (recorded here): {e}"),
        });
    if let Err(e) = spawned {
        log::warn!("staff call not posted to the agency: no thread: {e}");
    }
}
