//! 人证核验: is the person at the kiosk the person on the ID card? (BUSINESS-RULES.md section 1,
//! 4.1.2 "准确性"). The session enters this step after intake and the rules' preconditions,
//! before the confirmation and so before anything irreversible ([`enter`]); the reducer's part
//! is [`handle`], fed [`FaceEvent`]s.
//!
//! - Businesses that cancel or replace a card, and every agent case, **need** the match
//!   ([`Need::Required`]); the businesses of `[face] also_for` need it where a match is possible
//!   ([`Need::WherePossible`]); the others skip the step.
//! - The step: a consent notice (accept → the camera; decline → the staff path), then one
//!   attempt after another (the service's face worker runs the liveness challenge and the
//!   comparison, and reports a [`FaceResult`]); after a failure the citizen chooses: retry
//!   (up to `[face] retries` more attempts), ask for staff, or end (refused, naming the
//!   counter).
//! - "Not possible" (no camera, no reference photo, a kiosk without face verification): the
//!   rules decide. A required match goes to a staff approval when `[face] staff_approval`
//!   (a staff member authenticated at the staff pages approves or refuses), else to a refusal
//!   that names `[face] counter`; an optional one goes on without it.
//! - Privacy: the session keeps only the [`FaceRecord`] (score, threshold, decision, model
//!   version, time) and who approved; the archive record gets exactly that. Every outcome is
//!   an audit event (`identity.*`).

use super::ctx::Ctx;
use super::refusal::Refusal;
use super::state::{Effect, Notice, Phase, Session};
use crate::domain::Actor;
use crate::store::{CaseStep, Commit};
use crate::text::Tri;

pub use super::face::*;

/// The phase after the preconditions passed: the identity step when the business needs it
/// and it is not settled yet, else the confirmation.
pub(crate) fn enter(s: &Session, ctx: &Ctx<'_>) -> Phase {
    if s.identity.settled || need(s.business, s.agent, ctx.face) == Need::No {
        Phase::Confirming
    } else {
        Phase::Identity {
            step: FaceStep::Consent,
        }
    }
}

fn not_now() -> Notice {
    Notice::from(Tri::new(
        "现在不能进行此操作",
        "that is not possible at this step",
        "بۇ باسقۇچتا بۇ مەشغۇلاتنى قىلغىلى بولمايدۇ",
    ))
}

/// One event of the step. Returns the audit commits to apply; the session's phase moves on.
pub(crate) fn handle(
    s: &mut Session,
    step: FaceStep,
    event: FaceEvent,
    ctx: &Ctx<'_>,
) -> Result<Vec<Effect>, Notice> {
    let required = need(s.business, s.agent, ctx.face) == Need::Required;
    let mut audit = Vec::new();
    let mut staff = None;
    let attempt_of = match step {
        FaceStep::Matching { attempt } => attempt,
        _ => 0,
    };
    let next = match (step, event) {
        (FaceStep::Consent, FaceEvent::Consent(true)) => {
            note(s, ctx, "人证核验", "同意使用摄像头");
            audit.push(("identity.consent", serde_json::json!({ "accepted": true })));
            FaceStep::Matching { attempt: 1 }.into()
        }
        (FaceStep::Consent, FaceEvent::Consent(false)) => {
            note(s, ctx, "人证核验", "不同意使用摄像头");
            audit.push(("identity.consent", serde_json::json!({ "accepted": false })));
            staff_or_counter(s, ctx, required, StaffWhy::Declined)
        }
        // The kiosk knows at once that it cannot match: no consent asked.
        (FaceStep::Consent | FaceStep::Matching { .. }, FaceEvent::Result(r)) => {
            attempt_ended(s, ctx, required, attempt_of, r, &mut audit)
        }
        (FaceStep::Failed { attempt, .. }, FaceEvent::Retry) => {
            if attempt > ctx.face.retries {
                return Err(Notice::from(Tri::new(
                    "已达到重试次数,请选择呼叫工作人员或结束",
                    "no more attempts: ask for staff or end",
                    "قايتا سىناش پۇرسىتى تۈگىدى، خىزمەتچى چاقىرىڭ ياكى ئاخىرلاشتۇرۇڭ",
                )));
            }
            FaceStep::Matching {
                attempt: attempt + 1,
            }
            .into()
        }
        (FaceStep::Failed { .. }, FaceEvent::AskStaff) => {
            staff_or_counter(s, ctx, required, StaffWhy::Failed)
        }
        (FaceStep::Failed { .. }, FaceEvent::End) => {
            audit.push(("identity.ended", serde_json::json!({})));
            Phase::Refused {
                refusal: Refusal::IdentityNotVerified {
                    counter: ctx.face.counter.clone(),
                },
            }
        }
        (FaceStep::AwaitingStaff { why }, FaceEvent::Staff { user, approved }) => {
            let detail = serde_json::json!({ "staff": user, "approved": approved, "why": why });
            if approved {
                note(s, ctx, "人证核验", &format!("工作人员 {user} 核验通过"));
                s.identity.approved_by = Some(user.clone());
                s.identity.settled = true;
                staff = Some(staff_commit(
                    s,
                    ctx,
                    &user,
                    "identity.staff_approved",
                    detail,
                ));
                Phase::Confirming
            } else {
                note(s, ctx, "人证核验", &format!("工作人员 {user} 核验未通过"));
                staff = Some(staff_commit(
                    s,
                    ctx,
                    &user,
                    "identity.staff_refused",
                    detail,
                ));
                Phase::Refused {
                    refusal: Refusal::IdentityNotVerified {
                        counter: ctx.face.counter.clone(),
                    },
                }
            }
        }
        _ => return Err(not_now()),
    };
    s.phase = next;
    let mut effects: Vec<Effect> = staff.into_iter().map(Effect::Commit).collect();
    if !audit.is_empty() {
        let mut commit = Commit::new(s.actor(), ctx.now);
        for (action, detail) in audit {
            commit
                .events
                .push((action.into(), s.case_id.clone(), detail));
        }
        effects.insert(0, Effect::Commit(commit));
    }
    Ok(effects)
}

impl From<FaceStep> for Phase {
    fn from(step: FaceStep) -> Phase {
        Phase::Identity { step }
    }
}

fn note(s: &mut Session, ctx: &Ctx<'_>, step: &str, detail: &str) {
    s.steps.push(CaseStep {
        at: ctx.now,
        step: step.into(),
        detail: detail.into(),
    });
}

/// A staff decision is audited under the staff member's own name.
fn staff_commit(
    s: &Session,
    ctx: &Ctx<'_>,
    user: &str,
    action: &str,
    detail: serde_json::Value,
) -> Commit {
    let mut commit = Commit::new(Actor::Staff(user.to_string()), ctx.now);
    commit
        .events
        .push((action.into(), s.case_id.clone(), detail));
    commit
}

/// After a decline, a failure or "not possible": the staff approval when the settings allow
/// it, else the refusal naming the counter. An optional match is simply skipped.
fn staff_or_counter(s: &mut Session, ctx: &Ctx<'_>, required: bool, why: StaffWhy) -> Phase {
    if !required {
        note(s, ctx, "人证核验", "未核验(本业务在无法核验时可继续办理)");
        s.identity.settled = true;
        return Phase::Confirming;
    }
    if ctx.face.staff_approval {
        FaceStep::AwaitingStaff { why }.into()
    } else {
        Phase::Refused {
            refusal: Refusal::IdentityNotVerified {
                counter: ctx.face.counter.clone(),
            },
        }
    }
}

fn attempt_ended(
    s: &mut Session,
    ctx: &Ctx<'_>,
    required: bool,
    attempt: u32,
    result: FaceResult,
    audit: &mut Vec<(&'static str, serde_json::Value)>,
) -> Phase {
    let failed = |why: FaceFailure| {
        FaceStep::Failed {
            attempt,
            why,
            may_retry: attempt <= ctx.face.retries,
        }
        .into()
    };
    match result {
        FaceResult::Compared(record) => {
            let same = record.same_person;
            audit.push((
                if same {
                    "identity.matched"
                } else {
                    "identity.not_matched"
                },
                serde_json::json!({
                    "attempt": attempt,
                    "score": record.score,
                    "threshold": record.threshold,
                    "model_version": record.model_version,
                }),
            ));
            note(
                s,
                ctx,
                "人证核验",
                &format!(
                    "{} (距离 {:.3}, 阈值 {:.2})",
                    if same {
                        "人像比对通过"
                    } else {
                        "人像比对未通过"
                    },
                    record.score,
                    record.threshold
                ),
            );
            s.identity.record = Some(record);
            if same {
                s.identity.settled = true;
                Phase::Confirming
            } else {
                failed(FaceFailure::NotSamePerson)
            }
        }
        FaceResult::NotLive { reason } => {
            audit.push((
                "identity.not_live",
                serde_json::json!({ "attempt": attempt, "reason": reason }),
            ));
            note(s, ctx, "人证核验", "活体检测未通过");
            failed(FaceFailure::NotLive)
        }
        FaceResult::NoFace { reason } => {
            audit.push((
                "identity.no_face",
                serde_json::json!({ "attempt": attempt, "reason": reason }),
            ));
            note(s, ctx, "人证核验", "未检测到单一人脸");
            failed(FaceFailure::NoFace)
        }
        FaceResult::NotPossible { reason } => {
            audit.push((
                "identity.not_possible",
                serde_json::json!({ "attempt": attempt, "reason": reason }),
            ));
            note(s, ctx, "人证核验", "无法进行人像比对");
            staff_or_counter(s, ctx, required, StaffWhy::NotPossible)
        }
    }
}

/// The archive material of the step: score, result, model version and time, and who
/// approved; nothing else (no picture, no embedding).
pub(crate) fn archive_json(s: &Session) -> Option<serde_json::Value> {
    let v = &s.identity;
    if v.record.is_none() && v.approved_by.is_none() {
        return None;
    }
    Some(serde_json::json!({
        "match": v.record,
        "approved_by_staff": v.approved_by,
    }))
}
