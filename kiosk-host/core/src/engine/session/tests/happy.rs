//! Every business's happy path, as the holder would go through it, run row by row.

use super::*;

/// Every business's happy path, as the holder would go through it.
fn happy_paths() -> Vec<Row> {
    let photo_needed = Setup {
        photo_on_file: false,
        ..ACTIVE
    };
    vec![
        row(
            "apply",
            B::Apply,
            false,
            NO_CARD,
            with(
                vec![
                    (In::IdCard, is(P::Ask(M::Photo), &[])),
                    (In::Photo, is(P::Confirming, &[])),
                    (In::Confirm, is(P::Executing, &["Commit(Completed)"])),
                ],
                finish_rated(),
            ),
        ),
        row(
            "enable",
            B::Enable,
            false,
            card(CardState::Issued, AppStateCode::Active),
            with(
                vec![
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
                    (
                        In::Pins(None, Some(NEW_PIN), Some(NEW_PIN)),
                        is(P::Executing, &["Card(Activate)"]),
                    ),
                ],
                finish_rated(),
            ),
        ),
        row(
            "ecard",
            B::Ecard,
            false,
            ACTIVE,
            vec![
                (In::IdCard, is(P::Confirming, &[])),
                (In::Confirm, is(P::Executing, &["IssueEcard"])),
                (In::DoneEcard, is(P::Done { ecard: true }, &[])),
                (In::Finish, is(P::Closed, &["ReleaseCard"])),
            ],
        ),
        row(
            "status",
            B::Status,
            false,
            ACTIVE,
            with(
                vec![
                    (In::Card, is(P::Confirming, &[])),
                    (In::Confirm, is(P::Executing, &["Commit(Completed)"])),
                ],
                finish_rated(),
            ),
        ),
        row(
            "change_info",
            B::ChangeInfo,
            false,
            ACTIVE,
            with(
                vec![
                    (In::IdCard, is(P::Ask(M::SsCard), &[])),
                    (In::Card, is(P::Ask(M::ContactDetails), &[])),
                    (In::Phone("13912345678"), is(P::Confirming, &[])),
                    (In::Confirm, is(P::Executing, &["Commit(Completed)"])),
                ],
                finish_rated(),
            ),
        ),
        row(
            "report_loss by e-card",
            B::ReportLoss,
            false,
            ACTIVE,
            with(
                vec![
                    (In::Ecard, is(P::Confirming, &[])),
                    (In::Confirm, is(P::Executing, &["Commit(Completed)"])),
                ],
                finish_rated(),
            ),
        ),
        row(
            "cancel_loss",
            B::CancelLoss,
            false,
            card(CardState::LostTemporary, AppStateCode::TemporarilyBlocked),
            with(
                vec![
                    (In::IdCard, is(P::Ask(M::SsCard), &[])),
                    (In::Card, is(P::Confirming, &[])),
                    (In::Confirm, is(P::Executing, &["Card(UnblockApp)"])),
                ],
                finish_rated(),
            ),
        ),
        row(
            "replace",
            B::Replace,
            false,
            card(CardState::LostTemporary, AppStateCode::TemporarilyBlocked),
            with(
                vec![
                    (In::IdCard, is(P::Confirming, &[])),
                    (In::Confirm, is(P::Executing, &["Commit(Completed)"])),
                ],
                finish_rated(),
            ),
        ),
        row(
            "exchange",
            B::Exchange,
            false,
            photo_needed,
            with(
                vec![
                    (In::IdCard, is(P::Ask(M::SsCard), &[])),
                    (In::Card, is(P::Ask(M::Photo), &[])),
                    (In::Photo, is(P::Ask(M::Reason), &[])),
                    (In::Why(Reason::Damaged), is(P::Confirming, &[])),
                    (
                        In::Confirm,
                        is(P::Executing, &["Card(BlockApp { permanent: true })"]),
                    ),
                ],
                finish_rated(),
            ),
        ),
        row(
            "reissue",
            B::Reissue,
            false,
            Setup {
                reissue_batch: true,
                ..ACTIVE
            },
            with(
                vec![
                    (In::IdCard, is(P::Ask(M::SsCard), &[])),
                    (In::Card, is(P::Confirming, &[])),
                    (
                        In::Confirm,
                        is(P::Executing, &["Card(BlockApp { permanent: true })"]),
                    ),
                ],
                finish_rated(),
            ),
        ),
        row(
            "cancel without the card",
            B::Cancel,
            false,
            ACTIVE,
            with(
                vec![
                    (In::IdCard, is(P::Ask(M::SsCard), &[])),
                    (In::Lacking(M::SsCard), is(P::Ask(M::Reason), &[])),
                    (In::Why(Reason::Death), is(P::Ask(M::BankMaterials), &[])),
                    (In::Bank("B-2026-001"), is(P::Confirming, &[])),
                    (In::Confirm, is(P::Executing, &["Commit(Completed)"])),
                ],
                finish_rated(),
            ),
        ),
        row(
            "cancel with the card",
            B::Cancel,
            false,
            ACTIVE,
            with(
                vec![
                    (In::IdCard, is(P::Ask(M::SsCard), &[])),
                    (In::Card, is(P::Ask(M::Reason), &[])),
                    (
                        In::Why(Reason::Emigration),
                        is(P::Ask(M::BankMaterials), &[]),
                    ),
                    (In::Bank("B-2026-002"), is(P::Confirming, &[])),
                    (In::Confirm, is(P::Executing, &["Card(BlockCard)"])),
                ],
                finish_rated(),
            ),
        ),
        row(
            "pin_change",
            B::PinChange,
            false,
            ACTIVE,
            with(
                vec![
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
                ],
                finish_rated(),
            ),
        ),
        row(
            "pin_reset",
            B::PinReset,
            false,
            ACTIVE,
            with(
                vec![
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
                    (
                        In::Pins(None, Some(NEW_PIN), Some(NEW_PIN)),
                        is(P::Executing, &["Card(ResetPin)"]),
                    ),
                ],
                finish_rated(),
            ),
        ),
        row(
            "pin_unblock",
            B::PinUnblock,
            false,
            Setup {
                pin_blocked: true,
                ..ACTIVE
            },
            with(
                vec![
                    (In::IdCard, is(P::Ask(M::SsCard), &[])),
                    (In::Card, is(P::Confirming, &[])),
                    (In::Confirm, is(P::Executing, &["Card(UnblockPin)"])),
                ],
                finish_rated(),
            ),
        ),
        row(
            "photo",
            B::Photo,
            false,
            NO_CARD,
            with(
                vec![
                    (In::IdCard, is(P::Ask(M::Photo), &[])),
                    (In::Photo, is(P::Confirming, &[])),
                    (In::Confirm, is(P::Executing, &["Commit(Completed)"])),
                ],
                finish_rated(),
            ),
        ),
        row(
            "apply by an agent",
            B::Apply,
            true,
            NO_CARD,
            with(
                vec![
                    (In::IdCard, is(P::Ask(M::AgentIdCard), &[])),
                    (In::AgentIdCard, is(P::Ask(M::Photo), &[])),
                    (In::Photo, is(P::Confirming, &[])),
                    (In::Confirm, is(P::Executing, &["Commit(Completed)"])),
                ],
                finish_rated(),
            ),
        ),
    ]
}

#[test]
fn every_business_runs_its_happy_path() {
    let rows = happy_paths();
    let covered: std::collections::BTreeSet<String> =
        rows.iter().map(|r| format!("{:?}", r.business)).collect();
    assert_eq!(covered.len(), B::ALL.len(), "a row for every business");
    for r in &rows {
        run(r);
    }
}
