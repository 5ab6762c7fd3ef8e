//! The identity step (人证核验) on its own: which businesses need it, consent, attempts and
//! retries, the staff path, "not possible", the refusal naming the counter, the audit events
//! and what the archive record keeps.

use super::*;
use crate::engine::identity::{
    FaceEvent, FaceFailure, FaceRecord, FaceResult, FaceStep, Need, StaffWhy,
};

fn record(same: bool) -> FaceRecord {
    FaceRecord {
        score: if same { 0.31 } else { 0.84 },
        threshold: 0.6,
        same_person: same,
        model_version: "dlib-test".into(),
        at: now(),
    }
}

/// Passes the identity step with a matching face, if the session is in it (for the rows of
/// the business rules).
pub(super) fn pass(s: &mut Session, ctx: &Ctx<'_>) {
    if matches!(s.phase, Phase::Identity { .. }) {
        s.handle(Event::Face(FaceEvent::Consent(true)), ctx)
            .expect("consent");
        s.handle(
            Event::Face(FaceEvent::Result(FaceResult::Compared(record(true)))),
            ctx,
        )
        .expect("a matching face");
        assert_eq!(s.phase, Phase::Confirming);
    }
}

/// A 补领 (or an agent's business) with its materials given, standing at the identity step.
fn at_identity(fx: &Fixture, business: B, agent: bool) -> Session {
    let ctx = fx.ctx();
    let (mut s, _) = Session::start("K1-20260310-0009".into(), business, agent, &ctx).unwrap();
    for _ in 0..12 {
        let input = match &s.phase {
            Phase::Gathering { material } => match material {
                M::IdCard => In::IdCard,
                M::AgentIdCard => In::AgentIdCard,
                M::SsCard => In::Card,
                M::Photo => In::Photo,
                M::ContactDetails => In::Phone("13912345678"),
                // 死亡 only from an agent (issue 17): the holder in person emigrates.
                M::Reason => In::Why(match (business, agent) {
                    (B::Cancel, true) => Reason::Death,
                    (B::Cancel, false) => Reason::Emigration,
                    _ => Reason::Damaged,
                }),
                M::BankMaterials => In::Bank("BOC-2026-001"),
            },
            _ => break,
        };
        s.handle(fx.event(&input), &ctx).unwrap();
    }
    s
}

fn face(s: &mut Session, fx: &Fixture, e: FaceEvent) -> Vec<String> {
    let effects = s.handle(Event::Face(e), &fx.ctx()).expect("accepted");
    summary(&effects)
}

/// The audit actions of the effects' commits, with the actor.
fn audited(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Commit(c) => Some(
                c.events
                    .iter()
                    .map(|(a, _, _)| format!("{}:{a}", c.actor.label()))
                    .collect::<Vec<_>>(),
            ),
            _ => None,
        })
        .flatten()
        .collect()
}

#[test]
fn which_businesses_need_the_match() {
    let f = firmware_config::Face::default();
    for b in [B::Replace, B::Cancel, B::Exchange, B::Reissue] {
        assert_eq!(identity::need(b, false, &f), Need::Required, "{b:?}");
    }
    assert_eq!(identity::need(B::ReportLoss, true, &f), Need::Required);
    assert_eq!(identity::need(B::ReportLoss, false, &f), Need::No);
    let also = firmware_config::Face {
        also_for: vec![B::PinReset],
        ..f
    };
    assert_eq!(
        identity::need(B::PinReset, false, &also),
        Need::WherePossible
    );
}

#[test]
fn a_replacement_waits_for_the_match_after_intake_and_before_confirming() {
    let fx = Fixture::new(card(CardState::LostFormal, AppStateCode::Active));
    let mut s = at_identity(&fx, B::Replace, false);
    assert_eq!(
        s.phase,
        Phase::Identity {
            step: FaceStep::Consent
        }
    );
    // Nothing irreversible is possible yet: confirming is refused.
    assert!(s.handle(Event::Confirm, &fx.ctx()).is_err());
    let ctx = fx.ctx();
    let e = s
        .handle(Event::Face(FaceEvent::Consent(true)), &ctx)
        .unwrap();
    assert_eq!(audited(&e), ["citizen:K1-20260310-0009:identity.consent"]);
    assert_eq!(
        s.phase,
        Phase::Identity {
            step: FaceStep::Matching { attempt: 1 }
        }
    );
    let e = s
        .handle(
            Event::Face(FaceEvent::Result(FaceResult::Compared(record(true)))),
            &ctx,
        )
        .unwrap();
    assert_eq!(audited(&e), ["citizen:K1-20260310-0009:identity.matched"]);
    assert_eq!(s.phase, Phase::Confirming);
    // The archive record keeps the score, the decision, the model and the time: no more.
    let archive = plan::archive_record(&s, &ctx, None);
    let m = archive
        .materials
        .iter()
        .find(|m| m.kind == "identity_match")
        .expect("the match in the archive");
    let v: serde_json::Value = serde_json::from_slice(&m.content).unwrap();
    let keys: Vec<&str> = v["match"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        ["at", "model_version", "same_person", "score", "threshold"]
    );
    assert_eq!(v["approved_by_staff"], serde_json::Value::Null);
}

#[test]
fn a_business_without_the_need_goes_straight_to_confirming() {
    let fx = Fixture::new(ACTIVE);
    let s = at_identity(&fx, B::ReportLoss, false);
    assert_eq!(s.phase, Phase::Confirming);
}

#[test]
fn a_held_up_photo_fails_then_retries_run_out_and_staff_approve() {
    let fx = Fixture::new(card(CardState::LostFormal, AppStateCode::Active));
    let mut s = at_identity(&fx, B::Replace, false);
    face(&mut s, &fx, FaceEvent::Consent(true));
    let retries = fx.face.retries;
    for attempt in 1..=retries + 1 {
        face(
            &mut s,
            &fx,
            FaceEvent::Result(FaceResult::NotLive {
                reason: "time is up".into(),
            }),
        );
        let may_retry = attempt <= retries;
        assert_eq!(
            s.phase,
            Phase::Identity {
                step: FaceStep::Failed {
                    attempt,
                    why: FaceFailure::NotLive,
                    may_retry
                }
            }
        );
        if may_retry {
            face(&mut s, &fx, FaceEvent::Retry);
            assert_eq!(
                s.phase,
                Phase::Identity {
                    step: FaceStep::Matching {
                        attempt: attempt + 1
                    }
                }
            );
        }
    }
    // No more retries: the notice says so and the phase stays.
    let n = s
        .handle(Event::Face(FaceEvent::Retry), &fx.ctx())
        .unwrap_err();
    assert!(n.text(Language::En).contains("no more attempts"), "{n}");
    face(&mut s, &fx, FaceEvent::AskStaff);
    assert_eq!(
        s.phase,
        Phase::Identity {
            step: FaceStep::AwaitingStaff {
                why: StaffWhy::Failed
            }
        }
    );
    let e = s
        .handle(
            Event::Face(FaceEvent::Staff {
                user: "wang".into(),
                approved: true,
            }),
            &fx.ctx(),
        )
        .unwrap();
    // Audited under the staff member's own name.
    assert_eq!(audited(&e), ["staff:wang:identity.staff_approved"]);
    assert_eq!(s.phase, Phase::Confirming);
    assert_eq!(s.identity.approved_by.as_deref(), Some("wang"));
    let archive = plan::archive_record(&s, &fx.ctx(), None);
    let m = archive
        .materials
        .iter()
        .find(|m| m.kind == "identity_match")
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&m.content).unwrap();
    assert_eq!(v["approved_by_staff"], "wang");
}

#[test]
fn a_different_person_ends_refused_with_nothing_changed() {
    let fx = Fixture::new(ACTIVE);
    let mut s = at_identity(&fx, B::Cancel, false);
    face(&mut s, &fx, FaceEvent::Consent(true));
    face(
        &mut s,
        &fx,
        FaceEvent::Result(FaceResult::Compared(record(false))),
    );
    assert!(matches!(
        s.phase,
        Phase::Identity {
            step: FaceStep::Failed {
                why: FaceFailure::NotSamePerson,
                ..
            }
        }
    ));
    let effects = face(&mut s, &fx, FaceEvent::End);
    // The case closes refused: an audit commit and the closing commit, no card command.
    assert_eq!(effects, ["Commit", "Commit(Refused)"]);
    let Phase::Refused { refusal } = &s.phase else {
        panic!("{:?}", s.phase)
    };
    assert!(refusal
        .text(Language::ZhCn)
        .contains("请携带身份证到服务窗口"));
}

#[test]
fn declining_goes_to_staff_and_a_staff_refusal_ends_the_case() {
    let fx = Fixture::new(ACTIVE);
    let mut s = at_identity(&fx, B::ReportLoss, true);
    face(&mut s, &fx, FaceEvent::Consent(false));
    assert_eq!(
        s.phase,
        Phase::Identity {
            step: FaceStep::AwaitingStaff {
                why: StaffWhy::Declined
            }
        }
    );
    let effects = face(
        &mut s,
        &fx,
        FaceEvent::Staff {
            user: "li".into(),
            approved: false,
        },
    );
    assert_eq!(effects, ["Commit", "Commit(Refused)"]);
    assert!(matches!(s.phase, Phase::Refused { .. }));
}

#[test]
fn not_possible_follows_the_rules() {
    let not_possible = FaceEvent::Result(FaceResult::NotPossible {
        reason: "no camera".into(),
    });
    // Required, staff approval allowed: the staff path, without a consent asked.
    let fx = Fixture::new(card(CardState::LostFormal, AppStateCode::Active));
    let mut s = at_identity(&fx, B::Replace, false);
    face(&mut s, &fx, not_possible.clone());
    assert_eq!(
        s.phase,
        Phase::Identity {
            step: FaceStep::AwaitingStaff {
                why: StaffWhy::NotPossible
            }
        }
    );
    // Required, no staff approval here: refused, naming the counter.
    let mut fx = Fixture::new(card(CardState::LostFormal, AppStateCode::Active));
    fx.face.staff_approval = false;
    fx.face.counter = "3号窗口".into();
    let mut s = at_identity(&fx, B::Replace, false);
    face(&mut s, &fx, not_possible.clone());
    let Phase::Refused { refusal } = &s.phase else {
        panic!("{:?}", s.phase)
    };
    assert!(refusal.text(Language::ZhCn).contains("3号窗口"));
    // Wanted where possible only: the business goes on.
    let mut fx = Fixture::new(ACTIVE);
    fx.face.also_for = vec![B::PinReset];
    let mut s = at_identity(&fx, B::PinReset, false);
    face(&mut s, &fx, not_possible);
    assert_eq!(s.phase, Phase::Confirming);
}

#[test]
fn events_out_of_step_are_refused() {
    let fx = Fixture::new(card(CardState::LostFormal, AppStateCode::Active));
    let mut s = at_identity(&fx, B::Replace, false);
    for e in [
        FaceEvent::Retry,
        FaceEvent::End,
        FaceEvent::Staff {
            user: "x".into(),
            approved: true,
        },
    ] {
        assert!(s.handle(Event::Face(e), &fx.ctx()).is_err());
        assert_eq!(
            s.phase,
            Phase::Identity {
                step: FaceStep::Consent
            }
        );
    }
    // A face event outside the step.
    let fx2 = Fixture::new(ACTIVE);
    let mut t = at_identity(&fx2, B::ReportLoss, false);
    assert!(t
        .handle(Event::Face(FaceEvent::Consent(true)), &fx2.ctx())
        .is_err());
}
