//! `/staff/identity` (issue 19): the session waiting for a staff member to check the citizen's
//! identity (人证核验: the face match declined, failed or not possible), with approve and
//! refuse. The decision goes to the session actor with the logged-in staff user's name: the
//! session records who approved, and the audit log has it under that user
//! (`identity.staff_approved` / `identity.staff_refused`).

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use ui_web::i18n::StaffKey;
use ui_web::StaffPage;

use super::access::{audit, authorise_form, authorise_get, page, Prefs, Who};
use super::labels::{self, tr};
use crate::extract::PageForm;
use crate::state::Shared;

#[derive(Debug, Default, Deserialize)]
pub struct DecideForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    case: String,
    /// `approve` or `refuse`.
    #[serde(default)]
    decision: String,
}

fn respond(
    s: &Shared,
    who: &Who,
    status: StatusCode,
    notice: Option<String>,
    problem: Option<String>,
) -> Response {
    let waiting = s
        .shown()
        .identity_waiting
        .clone()
        .map(|(case_id, business, agent)| ui_web::IdentityWaiting {
            case_id,
            business: labels::business(business, who.lang),
            agent,
        });
    page(
        who,
        StaffKey::PageIdentity,
        status,
        ui_web::Screen::StaffIdentity {
            nav: who.nav(StaffPage::Identity),
            notice,
            problem,
            waiting,
        },
    )
}

/// `GET /staff/identity`.
pub async fn show(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Query(prefs): Query<Prefs>,
) -> Response {
    let who = match authorise_get(&s, &headers, StaffPage::Identity, &prefs) {
        Ok(w) => w,
        Err(r) => return *r,
    };
    audit(&s, &who.actor(), "staff.identity", serde_json::json!({})).await;
    respond(&s, &who, StatusCode::OK, None, None)
}

/// `POST /staff/identity`: approve or refuse the waiting session's identity.
pub async fn decide(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    PageForm(form): PageForm<DecideForm>,
) -> Response {
    let who = match authorise_form(&s, &headers, StaffPage::Identity, &form.csrf) {
        Ok(w) => w,
        Err(r) => return *r,
    };
    let approved = match form.decision.as_str() {
        "approve" => true,
        "refuse" => false,
        _ => {
            let p = tr(
                who.lang,
                "决定：请选择核验通过或不通过",
                "decision: choose approve or refuse",
            );
            return respond(&s, &who, StatusCode::UNPROCESSABLE_ENTITY, None, Some(p));
        }
    };
    match s
        .actor
        .staff_identity(form.case.clone(), who.user.clone(), approved)
        .await
    {
        Ok(answer) => match answer.result {
            Ok(()) => {
                let n = if approved {
                    tr(
                        who.lang,
                        "已核验通过，业务继续办理",
                        "approved: the business goes on",
                    )
                } else {
                    tr(
                        who.lang,
                        "已核验不通过，业务已结束",
                        "refused: the business has ended",
                    )
                };
                respond(&s, &who, StatusCode::OK, Some(n), None)
            }
            Err(why) => {
                log::info!("staff identity decision refused: {why}");
                let p = tr(
                    who.lang,
                    "该业务已不在等待核验（可能已结束或已处理）",
                    "that case no longer waits for a check (it ended or was decided)",
                );
                respond(&s, &who, StatusCode::CONFLICT, None, Some(p))
            }
        },
        Err(_) => {
            let p = tr(
                who.lang,
                "本机服务暂不可用",
                "the kiosk's service is not available",
            );
            respond(&s, &who, StatusCode::SERVICE_UNAVAILABLE, None, Some(p))
        }
    }
}
