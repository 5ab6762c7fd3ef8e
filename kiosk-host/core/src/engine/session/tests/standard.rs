//! BUSINESS-RULES.md as corrected on 2026-12-06 (issue 17): the ID card for every on-site
//! business, an agent bringing the principal's card, ratings after every ending with
//! 基本满意 as good, and 注销 for a death only from an agent.

use super::*;

#[test]
fn status_and_pin_change_ask_for_the_id_card_first() {
    for business in [B::Status, B::PinChange] {
        run(&row(
            "the ID card original (6.1.3.2 a))",
            business,
            false,
            ACTIVE,
            vec![
                (In::Card, Then::Notice("provide what the screen asks for")),
                (In::IdCard, is(P::Ask(M::SsCard), &[])),
                (In::Card, is(P::Confirming, &[])),
            ],
        ));
    }
}

#[test]
fn an_agent_brings_the_principals_card_for_an_ecard_an_exchange_and_a_cancellation() {
    let rows = vec![
        row(
            "ecard by an agent: the card is asked for",
            B::Ecard,
            true,
            ACTIVE,
            vec![
                (In::IdCard, is(P::Ask(M::AgentIdCard), &[])),
                (In::AgentIdCard, is(P::Ask(M::SsCard), &[])),
                (In::Card, is(P::Confirming, &[])),
            ],
        ),
        row(
            "exchange by an agent without the card: the notice lists it",
            B::Exchange,
            true,
            ACTIVE,
            vec![
                (In::IdCard, is(P::Ask(M::AgentIdCard), &[])),
                (In::AgentIdCard, is(P::Ask(M::SsCard), &[])),
                (In::Lacking(M::SsCard), is(P::Ask(M::Reason), &[])),
                (
                    In::Why(Reason::Damaged),
                    is(
                        P::Returned(vec![M::SsCard]),
                        &["Commit(ReturnedIncomplete)"],
                    ),
                ),
            ],
        ),
        row(
            "cancel by an agent without the card: the notice lists it",
            B::Cancel,
            true,
            ACTIVE,
            vec![
                (In::IdCard, is(P::Ask(M::AgentIdCard), &[])),
                (In::AgentIdCard, is(P::Ask(M::SsCard), &[])),
                (In::Lacking(M::SsCard), is(P::Ask(M::Reason), &[])),
                (In::Why(Reason::Death), is(P::Ask(M::BankMaterials), &[])),
                (
                    In::Bank("ICBC-1"),
                    is(
                        P::Returned(vec![M::SsCard]),
                        &["Commit(ReturnedIncomplete)"],
                    ),
                ),
            ],
        ),
    ];
    for r in &rows {
        run(r);
    }
}

#[test]
fn a_cancellation_for_death_is_refused_from_the_holder_in_person() {
    run(&row(
        "cancel for death in person",
        B::Cancel,
        false,
        ACTIVE,
        vec![
            (In::IdCard, is(P::Ask(M::SsCard), &[])),
            (In::Card, is(P::Ask(M::Reason), &[])),
            (
                In::Why(Reason::Death),
                is(P::Refused(Refusal::DeathNeedsAgent), &["Commit(Refused)"]),
            ),
            (
                In::Rate(4),
                is(P::Closed, &["Rate(4, 0 reasons)", "ReleaseCard"]),
            ),
        ],
    ));
    // From an agent with the documents of the rule, it goes on to the confirm screen.
    run(&row(
        "cancel for death by an agent",
        B::Cancel,
        true,
        ACTIVE,
        vec![
            (In::IdCard, is(P::Ask(M::AgentIdCard), &[])),
            (In::AgentIdCard, is(P::Ask(M::SsCard), &[])),
            (In::Card, is(P::Ask(M::Reason), &[])),
            (In::Why(Reason::Death), is(P::Ask(M::BankMaterials), &[])),
            (In::Bank("ICBC-2026-1"), is(P::Confirming, &[])),
        ],
    ));
}

/// A rating after every ending (BUSINESS-RULES.md section 6): a refusal, a one-time notice and
/// a failure can be rated as a completed case can; reasons only with the two lowest levels,
/// and 基本满意 (3) is good, so it keeps none.
#[test]
fn refused_notice_and_failed_cases_can_be_rated() {
    let rows = vec![
        row(
            "refused, rated low with a reason",
            B::Apply,
            false,
            ACTIVE,
            vec![
                (
                    In::IdCard,
                    is(
                        P::Refused(Refusal::HasValidCard {
                            state: CardState::Active,
                        }),
                        &["Commit(Refused)"],
                    ),
                ),
                (
                    In::Rate(1),
                    is(P::Closed, &["Rate(1, 1 reasons)", "ReleaseCard"]),
                ),
            ],
        ),
        row(
            "one-time notice, rated 基本满意",
            B::ReportLoss,
            false,
            ACTIVE,
            vec![
                (
                    In::Lacking(M::IdCard),
                    is(
                        P::Returned(vec![M::IdCard]),
                        &["Commit(ReturnedIncomplete)"],
                    ),
                ),
                (
                    In::Rate(3),
                    is(P::Closed, &["Rate(3, 0 reasons)", "ReleaseCard"]),
                ),
            ],
        ),
        row(
            "failed, rated",
            B::PinUnblock,
            false,
            Setup {
                pin_blocked: true,
                ..ACTIVE
            },
            vec![
                (In::IdCard, is(P::Ask(M::SsCard), &[])),
                (In::Card, is(P::Confirming, &[])),
                (In::Confirm, is(P::Executing, &["Card(UnblockPin)"])),
                (
                    In::ExecFailed(Failure::PinBlocked),
                    is(P::Failed(Failure::PinBlocked), &["Commit(Failed)"]),
                ),
                (
                    In::Rate(2),
                    is(P::Closed, &["Rate(2, 1 reasons)", "ReleaseCard"]),
                ),
            ],
        ),
    ];
    for r in &rows {
        run(r);
    }
    assert!(crate::store::Rating::is_good(3));
    assert!(!crate::store::Rating::is_good(2));
}

/// The printed one-time notice is in the language of the citizen's screen, not the kiosk's
/// default (issue 17, item 9).
#[test]
fn the_one_time_notice_prints_in_the_sessions_language() {
    let fx = Fixture::new(ACTIVE);
    let ctx = fx.ctx();
    assert_eq!(ctx.language, Language::ZhCn, "the kiosk's default");
    let (mut s, _) = Session::start("K1-20260310-0009".into(), B::ReportLoss, false, &ctx)
        .unwrap_or_else(|r| panic!("{r}"));
    s.handle(fx.event(&In::Lacking(M::IdCard)), &ctx)
        .unwrap_or_else(|n| panic!("{n}"));
    assert!(matches!(s.phase, Phase::Returned { .. }), "{:?}", s.phase);
    // The citizen's screen is in Uyghur: the service feeds the event with it
    // (`Engine::feed_in`), which sets the context's language.
    let ug = Ctx {
        language: Language::Ug,
        ..fx.ctx()
    };
    let effects = s
        .handle(Event::Confirm, &ug)
        .unwrap_or_else(|n| panic!("{n}"));
    let arabic = |l: &String| l.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c));
    match &effects[..] {
        [Effect::Print(lines)] => {
            assert!(arabic(&lines[0]), "{lines:?}");
            assert!(!lines[0].contains("一次性告知书"), "{lines:?}");
        }
        other => panic!("{:?}", summary(other)),
    }
}

/// 状态查询 by the ID card alone (issue 17, item 3): an applicant without a card in use sees
/// the progress of the application; one whose card is in use still needs the card.
#[test]
fn an_applicant_without_a_card_sees_the_progress_by_the_id_card_alone() {
    use crate::domain::{Application, Progress};
    let application = Application {
        case_id: "K1-20260301-0001".into(),
        id_number: HOLDER_ID.into(),
        business: B::Apply,
        progress: Progress::InProduction,
        submitted_at: now(),
        deadline: day(2026, 4, 21),
        deadline_provisional: false,
        old_card: None,
        reasons: None,
        ready_at: None,
        deadline_recomputed_from: None,
    };
    for (setup, progress_only) in [(NO_CARD, true), (ACTIVE, false)] {
        let fx = Fixture::new(setup);
        let ctx = fx.ctx();
        let (mut s, _) = Session::start("K1-20260310-0010".into(), B::Status, false, &ctx)
            .unwrap_or_else(|r| panic!("{r}"));
        let facts = HolderFacts {
            applications: vec![application.clone()],
            ..fx.holder()
        };
        s.handle(
            Event::IdCardRead {
                person: fx.principal(IdSource::IdCard),
                facts,
            },
            &ctx,
        )
        .unwrap_or_else(|n| panic!("{n}"));
        s.handle(Event::Lacking(M::SsCard), &ctx)
            .unwrap_or_else(|n| panic!("{n}"));
        assert_eq!(s.progress_only(), progress_only, "{setup:?}");
        if !progress_only {
            assert!(
                phase_is(&P::Returned(vec![M::SsCard]), &s.phase),
                "a card in use is asked for: {:?}",
                s.phase
            );
            continue;
        }
        assert_eq!(s.phase, Phase::Confirming);
        let effects = s
            .handle(Event::Confirm, &ctx)
            .unwrap_or_else(|n| panic!("{n}"));
        assert_eq!(summary(&effects), ["Commit(Completed)"]);
        s.handle(
            Event::Executed(Executed::Ok {
                archive_no: Some("A-1".into()),
                ecard_token: None,
            }),
            &ctx,
        )
        .unwrap_or_else(|n| panic!("{n}"));
        match &s.phase {
            Phase::Done { receipt, .. } => {
                let text = receipt.join("\n");
                assert!(text.contains("申请进度: 制卡中"), "{text}");
                assert!(!text.contains("密码"), "{text}");
            }
            other => panic!("{other:?}"),
        }
    }
}
