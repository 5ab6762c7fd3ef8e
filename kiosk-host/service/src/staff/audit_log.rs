//! `/staff/audit`: the audit chain verified as `kiosk audit verify` does (entries checked,
//! head, every altered, removed or truncated entry), and the latest entries with personal
//! data masked and control characters written out (`\u{1b}`), whatever an entry holds.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use ui_web::i18n::StaffKey;
use ui_web::{AuditRow, StaffPage};

use super::access::{audit, authorise_get, page, with_store, PageError, Prefs};
use super::labels;
use crate::state::Shared;
use kiosk_core::mask;
use kiosk_core::store::audit_chain::canonical_json;
use kiosk_core::store::{AuditEntry, AuditLog, AuditReport};
use kiosk_core::text::escape_controls;

/// How many of the latest entries the page lists.
pub const LATEST: u32 = 50;

fn row(e: &AuditEntry) -> AuditRow {
    AuditRow {
        seq: e.seq,
        at: labels::local_time(e.at),
        actor: escape_controls(&mask::free_text(&e.actor)),
        action: escape_controls(&e.action),
        subject: escape_controls(&mask::free_text(&e.subject)),
        detail: escape_controls(&canonical_json(&mask::json_strings(&e.detail))),
    }
}

/// `GET /staff/audit`: verify, then show.
pub async fn show(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Query(prefs): Query<Prefs>,
) -> Response {
    let who = match authorise_get(&s, &headers, StaffPage::Audit, &prefs) {
        Ok(w) => w,
        Err(r) => return *r,
    };
    let result = with_store(
        &s,
        |store| -> Result<(AuditReport, Vec<AuditEntry>), PageError> {
            let report = store.verify()?;
            let from = report
                .head
                .as_ref()
                .map_or(1, |(seq, _)| (seq - i64::from(LATEST) + 1).max(1));
            let mut latest = store.entries(from, LATEST)?;
            latest.reverse();
            Ok((report, latest))
        },
    )
    .await
    .and_then(|r| r);
    let (report, latest) = match result {
        Ok(x) => x,
        Err(e) => return e.response(),
    };
    audit(
        &s,
        &who.actor(),
        "staff.audit_verify",
        serde_json::json!({
            "entries": report.entries,
            "problems": report.problems.len(),
        }),
    )
    .await;
    page(
        &who,
        StaffKey::PageAudit,
        StatusCode::OK,
        ui_web::Screen::StaffAudit {
            nav: who.nav(StaffPage::Audit),
            verified: report.ok(),
            entries_checked: report.entries,
            head: report
                .head
                .as_ref()
                .map(|(seq, hash)| format!("{seq} {hash}")),
            problems: report.problems.clone(),
            latest: latest.iter().map(row).collect(),
        },
    )
}
