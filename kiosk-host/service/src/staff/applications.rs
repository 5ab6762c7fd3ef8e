//! `/staff/applications`: the open applications (holder masked, business, state, deadline in
//! working days, overdue; a deadline recomputed with the calendar with its old date), each
//! with the moves its state allows; a move is
//! `engine::staff::move_application`, one commit audited with the staff user as the actor.

use crate::extract::PageForm;
use kiosk_core::text::{self, Lines, TextError};
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::Utc;
use serde::Deserialize;
use ui_web::i18n::StaffKey;
use ui_web::{ApplicationRow, Lang, StaffPage};

use super::access::{
    audit, authorise_form, authorise_get, page, with_store, PageError, Prefs, Who,
};
use super::labels::{self, tr};
use crate::state::Shared;
use kiosk_core::calendar::WorkCalendar;
use kiosk_core::domain::{local_date, Progress};
use kiosk_core::engine::staff::{move_application, StaffError};
use kiosk_core::mask;
use kiosk_core::store::{Registry, StoreError};
use kiosk_store::sqlite::SqliteStore;

/// The states an application is still open in.
const OPEN: [Progress; 4] = [
    Progress::Submitted,
    Progress::Accepted,
    Progress::InProduction,
    Progress::ReadyForPickup,
];

#[derive(Debug, Default, Deserialize)]
pub struct MoveForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    case: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    reasons: String,
}

fn rows(
    store: &SqliteStore,
    calendar: &WorkCalendar,
    lang: Lang,
) -> Result<Vec<ApplicationRow>, PageError> {
    let today = local_date(Utc::now());
    let mut apps = Vec::new();
    for p in OPEN {
        apps.extend(store.applications_in(p)?);
    }
    apps.sort_by_key(|a| (a.deadline, a.submitted_at));
    let mut out = Vec::with_capacity(apps.len());
    for a in apps {
        let name = store
            .person(&a.id_number)?
            .map(|p| mask::name(&p.name))
            .unwrap_or_default();
        let overdue = today > a.deadline;
        let days_left = if overdue {
            let n = calendar.working_days_between(a.deadline, today);
            tr(
                lang,
                &format!("超期 {n} 个工作日"),
                &format!("{n} working days overdue"),
            )
        } else {
            let n = calendar.working_days_between(today, a.deadline);
            tr(lang, &format!("{n} 个工作日"), &format!("{n} working days"))
        };
        let provisional = if a.deadline_provisional {
            tr(lang, "（暂定）", " (provisional)")
        } else {
            String::new()
        };
        out.push(ApplicationRow {
            case_id: a.case_id.clone(),
            holder: format!("{name} {}", mask::id_number(&a.id_number))
                .trim()
                .to_string(),
            business: labels::business(a.business, lang),
            state: labels::progress(a.progress, lang),
            deadline: format!("{}{provisional}", labels::day(a.deadline)),
            days_left,
            overdue,
            moves: Progress::ALL
                .into_iter()
                .filter(|to| a.progress.may_move_to(*to))
                .map(|to| (to.code().to_string(), labels::progress(to, lang)))
                .collect(),
            recomputed_from: a.deadline_recomputed_from.map(labels::day),
        });
    }
    Ok(out)
}

async fn respond(
    s: &Arc<Shared>,
    who: &Who,
    status: StatusCode,
    notice: Option<String>,
    problem: Option<String>,
) -> Response {
    let lang = who.lang;
    let calendar = s.calendar.clone();
    match with_store(s, move |store| rows(store, &calendar, lang)).await {
        Ok(Ok(rows)) => page(
            who,
            StaffKey::PageApplications,
            status,
            ui_web::Screen::StaffApplications {
                nav: who.nav(StaffPage::Applications),
                notice,
                problem,
                rows,
            },
        ),
        Ok(Err(e)) | Err(e) => e.response(),
    }
}

/// `GET /staff/applications`.
pub async fn show(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Query(prefs): Query<Prefs>,
) -> Response {
    let who = match authorise_get(&s, &headers, StaffPage::Applications, &prefs) {
        Ok(w) => w,
        Err(r) => return *r,
    };
    audit(
        &s,
        &who.actor(),
        "staff.applications",
        serde_json::json!({}),
    )
    .await;
    respond(&s, &who, StatusCode::OK, None, None).await
}

fn state_label(code: &str, lang: Lang) -> String {
    Progress::from_code(code).map_or_else(|| code.to_string(), |p| labels::progress(p, lang))
}

/// Why a move was refused, in the page's language (field first).
fn refusal(e: &StaffError, lang: Lang) -> Option<String> {
    Some(match e {
        StaffError::NoApplication(case) => {
            let case = mask::free_text(case);
            tr(
                lang,
                &format!("办件编号：没有办件编号为 {case} 的申请"),
                &format!("case: there is no application with case number {case}"),
            )
        }
        StaffError::NotNext { from, to, next } => tr(
            lang,
            &format!(
                "改为：状态为“{}”的申请不能改为“{}”，下一步是“{}”",
                state_label(from, lang),
                state_label(to, lang),
                state_label(next, lang)
            ),
            &format!(
                "move to: an application that is {} cannot move to {}; the next step is {}",
                state_label(from, lang),
                state_label(to, lang),
                state_label(next, lang)
            ),
        ),
        StaffError::ReasonsRequired => tr(
            lang,
            "原因：不予通过须填写原因（将告知申请人）",
            "reasons: a rejection needs its reasons (they are told to the applicant)",
        ),
        StaffError::Store(StoreError::Conflict(_)) => tr(
            lang,
            "该申请刚被其他人改动，请查看最新状态后再操作",
            "the application was changed meanwhile: look at its state again",
        ),
        StaffError::Store(_) => return None,
    })
}

/// The longest reason taken, in characters (the form's `maxlength`).
pub const MAX_REASONS: usize = 200;

/// `POST /staff/applications`: move one application.
pub async fn move_one(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    PageForm(form): PageForm<MoveForm>,
) -> Response {
    let who = match authorise_form(&s, &headers, StaffPage::Applications, &form.csrf) {
        Ok(w) => w,
        Err(r) => return *r,
    };
    let lang = who.lang;
    let case = form.case.trim().to_string();
    let Some(to) = Progress::from_code(form.to.trim()) else {
        let v = mask::free_text(form.to.trim());
        let problem = tr(
            lang,
            &format!("改为：“{v}”不是办理状态，请从列表中选择"),
            &format!("move to: {v:?} is not a progress state; choose one from the list"),
        );
        audit(
            &s,
            &who.actor(),
            "staff.application_move_refused",
            serde_json::json!({ "case": mask::free_text(&case), "why": "unknown state" }),
        )
        .await;
        return respond(
            &s,
            &who,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            Some(problem),
        )
        .await;
    };
    // The reason as the form allows it: cleaned, at most its length, masked before it is
    // stored (it goes into the audit log and to the applicant).
    let reasons = match text::clean(&form.reasons, MAX_REASONS, Lines::One) {
        Ok(r) => mask::free_text(&r),
        Err(TextError::TooLong { chars, max }) => {
            let problem = tr(
                lang,
                &format!("原因：共 {chars} 字，请缩短到 {max} 字以内"),
                &format!("reasons: {chars} characters; at most {max} are taken"),
            );
            return respond(
                &s,
                &who,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(problem),
            )
            .await;
        }
    };
    let user = who.user.clone();
    let moved_case = case.clone();
    let result = with_store(&s, move |store| {
        move_application(
            store,
            &moved_case,
            to,
            Some(reasons.as_str()),
            &user,
            Utc::now(),
        )
    })
    .await;
    match result {
        Ok(Ok(())) => {
            let label = labels::progress(to, lang);
            let notice = tr(
                lang,
                &format!("已将 {case} 改为“{label}”"),
                &format!("{case} moved to {label}"),
            );
            respond(&s, &who, StatusCode::OK, Some(notice), None).await
        }
        Ok(Err(e)) => match refusal(&e, lang) {
            Some(problem) => {
                audit(
                    &s,
                    &who.actor(),
                    "staff.application_move_refused",
                    serde_json::json!({
                        "case": mask::free_text(&case),
                        "to": to.code(),
                        "why": mask::free_text(&e.to_string()),
                    }),
                )
                .await;
                respond(
                    &s,
                    &who,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    None,
                    Some(problem),
                )
                .await
            }
            None => PageError::Task(e.to_string()).response(),
        },
        Err(e) => e.response(),
    }
}
