//! The paths off the happy one: one-time notices, refusals, agents, unfit events, PIN entry,
//! executor outcomes, ratings, cancel and timeout.

use super::*;

#[test]
fn one_time_notices_list_everything_missing() {
    let rows = vec![
        row(
            "apply: the agent and the photo missing",
            B::Apply,
            true,
            NO_CARD,
            vec![
                (In::IdCard, is(P::Ask(M::AgentIdCard), &[])),
                (In::Lacking(M::AgentIdCard), is(P::Ask(M::Photo), &[])),
                (
                    In::Lacking(M::Photo),
                    is(
                        P::Returned(vec![M::Photo, M::AgentIdCard]),
                        &["Commit(ReturnedIncomplete)"],
                    ),
                ),
                (
                    In::Confirm,
                    is(P::Returned(vec![M::Photo, M::AgentIdCard]), &["Print"]),
                ),
                (In::Finish, is(P::Closed, &["ReleaseCard"])),
            ],
        ),
        row(
            "report_loss: the ID card has expired",
            B::ReportLoss,
            false,
            Setup {
                expired_id: true,
                ..ACTIVE
            },
            vec![(
                In::IdCard,
                is(
                    P::Returned(vec![M::IdCard]),
                    &["Commit(ReturnedIncomplete)"],
                ),
            )],
        ),
        row(
            "pin_change: no card",
            B::PinChange,
            false,
            ACTIVE,
            vec![
                (In::IdCard, is(P::Ask(M::SsCard), &[])),
                (
                    In::Lacking(M::SsCard),
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
fn refusals_say_why_and_close_the_case() {
    let refused = |r: Refusal| P::Refused(r);
    let rows = vec![
        row(
            "apply with a valid card",
            B::Apply,
            false,
            ACTIVE,
            vec![
                (
                    In::IdCard,
                    is(
                        refused(Refusal::HasValidCard {
                            state: CardState::Active,
                        }),
                        &["Commit(Refused)"],
                    ),
                ),
                (In::Finish, is(P::Closed, &["ReleaseCard"])),
            ],
        ),
        row(
            "report_loss of a lost card",
            B::ReportLoss,
            false,
            card(CardState::LostTemporary, AppStateCode::TemporarilyBlocked),
            vec![(
                In::IdCard,
                is(
                    refused(Refusal::WrongState {
                        state: CardState::LostTemporary,
                        allowed: vec![CardState::Active],
                    }),
                    &["Commit(Refused)"],
                ),
            )],
        ),
        row(
            "pin_unblock of a PIN not blocked",
            B::PinUnblock,
            false,
            ACTIVE,
            vec![
                (In::IdCard, is(P::Ask(M::SsCard), &[])),
                (
                    In::Card,
                    is(refused(Refusal::PinNotBlocked), &["Commit(Refused)"]),
                ),
            ],
        ),
        row(
            "reissue outside a batch",
            B::Reissue,
            false,
            ACTIVE,
            vec![
                (In::IdCard, is(P::Ask(M::SsCard), &[])),
                (
                    In::Card,
                    is(refused(Refusal::NotInReissueBatch), &["Commit(Refused)"]),
                ),
            ],
        ),
        row(
            "an agent under 18",
            B::ReportLoss,
            true,
            Setup {
                minor_agent: true,
                ..ACTIVE
            },
            vec![
                (In::IdCard, is(P::Ask(M::AgentIdCard), &[])),
                (
                    In::AgentIdCard,
                    is(refused(Refusal::AgentMinor), &["Commit(Refused)"]),
                ),
            ],
        ),
        row(
            "another person's card",
            B::PinReset,
            false,
            Setup {
                foreign_card: true,
                ..ACTIVE
            },
            vec![
                (In::IdCard, is(P::Ask(M::SsCard), &[])),
                (
                    In::Card,
                    is(refused(Refusal::CardOfAnotherPerson), &["Commit(Refused)"]),
                ),
            ],
        ),
    ];
    for r in &rows {
        run(r);
    }
}

#[test]
fn the_start_refuses_agents_where_the_rules_do_and_businesses_not_offered() {
    let fx = Fixture::new(ACTIVE);
    for (business, agent) in [(B::PinChange, true), (B::PinReset, true), (B::Enable, true)] {
        let refused = Session::start("c".into(), business, agent, &fx.ctx()).err();
        assert_eq!(refused, Some(Refusal::AgentNotAllowed), "{business:?}");
    }
    let mut only_status = Fixture::new(ACTIVE);
    only_status.settings.enabled = vec![B::Status];
    let refused = Session::start("c".into(), B::Apply, false, &only_status.ctx()).err();
    assert_eq!(refused, Some(Refusal::NotOffered));
}

/// Events that do not fit: a notice, and the phase stays.
#[test]
fn unfit_events_get_a_notice() {
    let rows = vec![
        row(
            "e-card where the ID card is needed",
            B::Apply,
            false,
            NO_CARD,
            vec![
                (In::Ecard, Then::Notice("needs the resident ID card")),
                (
                    In::Confirm,
                    Then::Notice("please provide what the screen asks for"),
                ),
                (
                    In::Card,
                    Then::Notice("please provide what the screen asks for"),
                ),
            ],
        ),
        row(
            "the principal's ID card as the agent's",
            B::Photo,
            true,
            NO_CARD,
            vec![
                (In::IdCard, is(P::Ask(M::AgentIdCard), &[])),
                (
                    In::PrincipalAsAgent,
                    Then::Notice("the agent's own ID card"),
                ),
            ],
        ),
        row(
            "a reason of another business",
            B::Exchange,
            false,
            ACTIVE,
            vec![
                (In::IdCard, is(P::Ask(M::SsCard), &[])),
                (In::Card, is(P::Ask(M::Reason), &[])),
                (
                    In::Why(Reason::Death),
                    Then::Notice("choose a reason of this business"),
                ),
            ],
        ),
        row(
            "bad contact details and bank receipt",
            B::ChangeInfo,
            false,
            ACTIVE,
            vec![
                (In::IdCard, is(P::Ask(M::SsCard), &[])),
                (In::Card, is(P::Ask(M::ContactDetails), &[])),
                (
                    In::Phone("2391234567"),
                    Then::Notice("11 digits starting with 1"),
                ),
            ],
        ),
        row(
            "a bank receipt of bad characters",
            B::Cancel,
            false,
            ACTIVE,
            vec![
                (In::IdCard, is(P::Ask(M::SsCard), &[])),
                (In::Lacking(M::SsCard), is(P::Ask(M::Reason), &[])),
                (
                    In::Why(Reason::Duplicate),
                    is(P::Ask(M::BankMaterials), &[]),
                ),
                (
                    In::Bank("no receipt!"),
                    Then::Notice("1-40 letters, digits or '-'"),
                ),
                (In::Bank(""), Then::Notice("1-40 letters")),
            ],
        ),
        row(
            "a step that is not now",
            B::Status,
            false,
            ACTIVE,
            vec![
                (In::IdCard, is(P::Ask(M::SsCard), &[])),
                (In::Card, is(P::Confirming, &[])),
                (In::Rate(5), Then::Notice("not possible at this step")),
                (In::Finish, Then::Notice("not possible at this step")),
            ],
        ),
    ];
    for r in &rows {
        run(r);
    }
}

#[test]
fn pin_entry_refuses_what_the_pin_rules_refuse() {
    let to_pins = |business| -> Vec<(In, Then)> {
        // 6.1.3.2 a): the ID card first for every business, PIN change included.
        let mut steps = vec![(In::IdCard, is(P::Ask(M::SsCard), &[]))];
        debug_assert!(business != B::Status);
        steps.push((In::Card, is(P::Confirming, &[])));
        let old = business == B::PinChange;
        steps.push((In::Confirm, is(P::Pins { old, new: true }, &[])));
        steps
    };
    let rows = vec![
        row(
            "the two new PINs differ",
            B::Enable,
            false,
            card(CardState::Issued, AppStateCode::Active),
            with(
                to_pins(B::Enable),
                vec![
                    (
                        In::Pins(None, Some(NEW_PIN), Some(OLD_PIN)),
                        Then::Notice("the two new PINs differ"),
                    ),
                    (
                        In::Pins(None, Some(NEW_PIN), None),
                        Then::Notice("enter the new PIN twice"),
                    ),
                    (
                        In::Pins(None, Some(WEAK_PIN), Some(WEAK_PIN)),
                        Then::Notice("too weak: all six digits are the same"),
                    ),
                    (
                        In::Pins(None, Some("198005"), Some("198005")),
                        Then::Notice("too weak: it is part of the holder's ID number"),
                    ),
                    (
                        In::Pins(None, Some(NEW_PIN), Some(NEW_PIN)),
                        is(P::Executing, &["Card(Activate)"]),
                    ),
                ],
            ),
        ),
        row(
            "the old PIN",
            B::PinChange,
            false,
            ACTIVE,
            with(
                to_pins(B::PinChange),
                vec![
                    (
                        In::Pins(None, Some(NEW_PIN), Some(NEW_PIN)),
                        Then::Notice("enter the current PIN"),
                    ),
                    (
                        In::Pins(Some(NEW_PIN), Some(NEW_PIN), Some(NEW_PIN)),
                        Then::Notice("must differ from the old one"),
                    ),
                    (
                        In::Pins(Some(OLD_PIN), Some(NEW_PIN), Some(NEW_PIN)),
                        is(P::Executing, &["Card(ChangePin)"]),
                    ),
                ],
            ),
        ),
    ];
    for r in &rows {
        run(r);
    }
}

#[test]
fn executor_outcomes_move_the_session() {
    let to_executing = || -> Vec<(In, Then)> {
        vec![
            (In::IdCard, is(P::Ask(M::SsCard), &[])),
            (In::Card, is(P::Confirming, &[])),
            (
                In::Confirm,
                is(
                    P::Pins {
                        old: true,
                        new: true,
                    },
                    &[],
                ),
            ),
            (
                In::Pins(Some(OLD_PIN), Some(NEW_PIN), Some(NEW_PIN)),
                is(P::Executing, &["Card(ChangePin)"]),
            ),
        ]
    };
    let wrong = Failure::WrongPin { tries_left: 2 };
    let rows = vec![
        row(
            "wrong PIN on the card",
            B::PinChange,
            false,
            ACTIVE,
            with(
                to_executing(),
                vec![
                    // Back on the PIN screen, the case still open (issue 22).
                    (
                        In::ExecFailed(wrong),
                        is(
                            P::Pins {
                                old: true,
                                new: true,
                            },
                            &[],
                        ),
                    ),
                    (
                        In::Pins(Some(OLD_PIN), Some(NEW_PIN), Some(NEW_PIN)),
                        is(P::Executing, &["Card(ChangePin)"]),
                    ),
                    (In::Done, is(P::Done { ecard: false }, &[])),
                ],
            ),
        ),
        row(
            "wrong PIN on the last try: blocked, the case closed",
            B::PinChange,
            false,
            ACTIVE,
            with(
                to_executing(),
                vec![
                    (
                        In::ExecFailed(Failure::WrongPin { tries_left: 1 }),
                        is(
                            P::Pins {
                                old: true,
                                new: true,
                            },
                            &[],
                        ),
                    ),
                    (
                        In::Pins(Some(OLD_PIN), Some(NEW_PIN), Some(NEW_PIN)),
                        is(P::Executing, &["Card(ChangePin)"]),
                    ),
                    (
                        In::ExecFailed(Failure::WrongPin { tries_left: 0 }),
                        is(P::Failed(Failure::PinBlocked), &["Commit(Failed)"]),
                    ),
                    (In::Finish, is(P::Closed, &["ReleaseCard"])),
                ],
            ),
        ),
        row(
            "pulled, then it had taken effect",
            B::PinChange,
            false,
            ACTIVE,
            with(
                to_executing(),
                vec![
                    (In::Interrupted, is(P::Interrupted, &[])),
                    (In::Reconciled(true), is(P::Done { ecard: false }, &[])),
                ],
            ),
        ),
        row(
            "pulled, then it had not",
            B::PinChange,
            false,
            ACTIVE,
            with(
                to_executing(),
                vec![
                    (In::Interrupted, is(P::Interrupted, &[])),
                    (
                        In::Reconciled(false),
                        is(
                            P::Failed(Failure::RemovedNothingChanged),
                            &["Commit(Failed)"],
                        ),
                    ),
                ],
            ),
        ),
    ];
    for r in &rows {
        run(r);
    }
}

#[test]
fn ratings_are_1_to_5_and_keep_reasons_only_when_low() {
    let rows = [
        (0, Then::Notice("a level from 1 to 5")),
        (6, Then::Notice("a level from 1 to 5")),
        (2, is(P::Closed, &["Rate(2, 1 reasons)", "ReleaseCard"])),
        (4, is(P::Closed, &["Rate(4, 0 reasons)", "ReleaseCard"])),
    ];
    for (level, then) in rows {
        run(&row(
            "rating",
            B::Status,
            false,
            ACTIVE,
            vec![
                (In::IdCard, is(P::Ask(M::SsCard), &[])),
                (In::Card, is(P::Confirming, &[])),
                (In::Confirm, is(P::Executing, &["Commit(Completed)"])),
                (In::Done, is(P::Done { ecard: false }, &[])),
                (In::Confirm, is(P::Done { ecard: false }, &["Print"])),
                (In::Rate(level), then),
            ],
        ));
    }
}

/// Cancel and timeout from every phase: a case not yet carried out is closed as abandoned; a
/// finished one stays as it ended, and one whose card command is under way or interrupted is
/// left to the executor and reconciliation. Either way the card is let go, and the session
/// takes nothing more.
#[test]
fn cancel_and_timeout_end_the_session_from_every_phase() {
    let abandoned: &[&str] = &["Commit(Abandoned)", "ReleaseCard"];
    let release: &[&str] = &["ReleaseCard"];
    let enable = card(CardState::Issued, AppStateCode::Active);
    let to_pins = vec![
        (In::IdCard, is(P::Ask(M::SsCard), &[])),
        (In::Card, is(P::Confirming, &[])),
        (
            In::Confirm,
            is(
                P::Pins {
                    old: false,
                    new: true,
                },
                &[],
            ),
        ),
    ];
    let to_executing = with(
        to_pins.clone(),
        vec![(
            In::Pins(None, Some(NEW_PIN), Some(NEW_PIN)),
            is(P::Executing, &["Card(Activate)"]),
        )],
    );
    let prefixes = vec![
        reach("gathering", B::Enable, enable, vec![], abandoned),
        reach(
            "gathering the card",
            B::Enable,
            enable,
            to_pins[..1].to_vec(),
            abandoned,
        ),
        reach(
            "confirming",
            B::Enable,
            enable,
            to_pins[..2].to_vec(),
            abandoned,
        ),
        reach(
            "entering PINs",
            B::Enable,
            enable,
            to_pins.clone(),
            abandoned,
        ),
        reach(
            "executing",
            B::Enable,
            enable,
            to_executing.clone(),
            release,
        ),
        reach(
            "interrupted",
            B::Enable,
            enable,
            with(
                to_executing.clone(),
                vec![(In::Interrupted, is(P::Interrupted, &[]))],
            ),
            release,
        ),
        reach(
            "done",
            B::Enable,
            enable,
            with(
                to_executing.clone(),
                vec![(In::Done, is(P::Done { ecard: false }, &[]))],
            ),
            release,
        ),
        reach(
            "failed",
            B::Enable,
            enable,
            with(
                to_executing,
                vec![(
                    In::ExecFailed(Failure::PinBlocked),
                    is(P::Failed(Failure::PinBlocked), &["Commit(Failed)"]),
                )],
            ),
            release,
        ),
        reach(
            "returned",
            B::Photo,
            NO_CARD,
            vec![
                (In::Lacking(M::IdCard), is(P::Ask(M::Photo), &[])),
                (
                    In::Lacking(M::Photo),
                    is(
                        P::Returned(vec![M::IdCard, M::Photo]),
                        &["Commit(ReturnedIncomplete)"],
                    ),
                ),
            ],
            release,
        ),
        reach(
            "refused",
            B::ReportLoss,
            NO_CARD,
            vec![(
                In::IdCard,
                is(P::Refused(Refusal::NoCard), &["Commit(Refused)"]),
            )],
            release,
        ),
    ];
    for Reach {
        name,
        business,
        setup,
        steps: prefix,
        ends: effects,
    } in prefixes
    {
        for end in [In::Cancel, In::Timeout] {
            let steps = with(
                prefix.clone(),
                vec![
                    (end.clone(), is(P::Closed, effects)),
                    (end.clone(), Then::Notice("this session is over")),
                    (In::IdCard, Then::Notice("this session is over")),
                ],
            );
            run(&Row {
                name,
                business,
                agent: false,
                setup,
                steps,
            });
        }
    }
}

/// Issue 22: a wrong old PIN keeps the case open on the PIN screen with the card's tries left;
/// the PIN accepted then clears them; a business without an old PIN fails as before.
#[test]
fn a_wrong_pin_is_retried_with_the_tries_left() {
    let fx = Fixture::new(ACTIVE);
    let ctx = fx.ctx();
    let (mut s, _) = Session::start("K1-20260310-0001".into(), B::PinChange, false, &ctx)
        .expect("pin_change starts");
    // 6.1.3.2 a): the ID card first (issue 17).
    for input in [In::IdCard, In::Card, In::Confirm] {
        s.handle(fx.event(&input), &ctx).expect("accepted");
    }
    let pins = || In::Pins(Some(OLD_PIN), Some(NEW_PIN), Some(NEW_PIN));
    s.handle(fx.event(&pins()), &ctx).expect("sent to the card");
    assert_eq!(s.pin_tries_left, None);
    let effects = s
        .handle(
            fx.event(&In::ExecFailed(Failure::WrongPin { tries_left: 2 })),
            &ctx,
        )
        .expect("a wrong PIN is no notice");
    assert!(effects.is_empty(), "no commit: the case stays open");
    assert_eq!(s.pin_tries_left, Some(2));
    assert!(s.steps.iter().any(|st| st.step == "密码错误"));
    s.handle(fx.event(&pins()), &ctx).expect("sent again");
    s.handle(fx.event(&In::Done), &ctx).expect("done");
    assert_eq!(s.pin_tries_left, None);
    assert!(matches!(s.phase, Phase::Done { .. }));

    // 启用 asks no old PIN: a wrong PIN there is a failure, as before.
    let (mut e, _) =
        Session::start("K1-20260310-0002".into(), B::Enable, false, &ctx).expect("enable starts");
    e.phase = Phase::Executing;
    e.handle(
        fx.event(&In::ExecFailed(Failure::WrongPin { tries_left: 2 })),
        &ctx,
    )
    .expect("handled");
    assert!(matches!(e.phase, Phase::Failed { .. }), "{:?}", e.phase);
}
