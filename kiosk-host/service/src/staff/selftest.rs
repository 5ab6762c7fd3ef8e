//! `/staff/selftest`: the technician page, the same checks as `kiosk selftest`.

use crate::extract::PageForm;
use std::sync::Arc;
use std::time::SystemTime;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use ui_web::i18n::StaffKey;
use ui_web::StaffPage;

use super::access::{audit, authorise_form, authorise_get, page, Csrf, Prefs};
use crate::state::Shared;

/// `GET /staff/selftest`.
pub async fn show(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Query(prefs): Query<Prefs>,
) -> Response {
    let who = match authorise_get(&s, &headers, StaffPage::SelfTest, &prefs) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let (config, readers) = (s.config.clone(), s.readers.clone());
    let results = tokio::task::spawn_blocking(move || {
        let cameras = crate::provision::system_cameras();
        let cx = crate::selftest::Context {
            config: &config,
            config_path: None,
            readers: &*readers,
            serial: &crate::provision::SystemSerial,
            cameras: cameras.as_deref(),
            store: &crate::selftest::SqliteProbe,
            now: SystemTime::now(),
        };
        crate::selftest::run_all(&cx)
    })
    .await
    .unwrap_or_default();
    audit(
        &s,
        &who.actor(),
        "staff.selftest",
        serde_json::json!({
            "failed": results.iter().filter(|r| r.status == crate::selftest::Status::Fail).count(),
        }),
    )
    .await;
    let checks = results
        .iter()
        .map(|r| ui_web::CheckRow {
            name: r.name.to_string(),
            status: serde_json::to_value(r.status)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            detail: r.detail.clone(),
            hint: r.hint.clone(),
        })
        .collect();
    page(
        &who,
        StaffKey::PageSelfTest,
        StatusCode::OK,
        ui_web::Screen::SelfTest {
            user: who.user.clone(),
            checks,
            csrf: who.csrf.clone(),
        },
    )
}

/// `POST /staff/selftest`: run again.
pub async fn again(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    PageForm(form): PageForm<Csrf>,
) -> Response {
    match authorise_form(&s, &headers, StaffPage::SelfTest, &form.csrf) {
        Ok(_) => Redirect::to("/staff/selftest").into_response(),
        Err(r) => *r,
    }
}
