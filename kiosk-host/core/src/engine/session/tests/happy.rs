//! Every business's happy path, as the holder would go through it, run row by row.

use super::*;
use crate::store::Change;

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
                    (In::IdCard, is(P::Ask(M::SsCard), &[])),
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
            "report_loss: an e-card QR does not stand in for the ID card (6.1.3.2 a))",
            B::ReportLoss,
            false,
            ACTIVE,
            with(
                vec![
                    (In::Ecard, Then::Notice("needs the resident ID card")),
                    (In::IdCard, is(P::Confirming, &[])),
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
                    (
                        In::Why(Reason::Duplicate),
                        is(P::Ask(M::BankMaterials), &[]),
                    ),
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

/// 信息变更 with an address picked as a division plus a street: the commit's contact change
/// carries the division code next to the written-out address; a code of another shape, or a
/// division without an address, is refused with a notice and changes nothing.
#[test]
fn change_info_carries_the_division_picked_to_the_commit() {
    let fx = Fixture::new(ACTIVE);
    let ctx = fx.ctx();
    let (mut s, _) = Session::start("K1-20260310-0001".into(), B::ChangeInfo, false, &ctx)
        .expect("change_info starts");
    s.handle(fx.event(&In::IdCard), &ctx).expect("ID card");
    s.handle(fx.event(&In::Card), &ctx).expect("card");
    let address = "新疆维吾尔自治区昌吉回族自治州昌吉市延安北路街道北京路12号";
    let contact = |address: Option<&str>, division: &str| {
        Event::ContactGiven(Contact {
            phone: Some("13912345678".into()),
            address: address.map(str::to_string),
            division: Some(division.into()),
        })
    };
    for (address, division) in [
        (Some(address), "65230100"),
        (Some(address), "65230100x"),
        (None, "652301002"),
    ] {
        let before = s.phase.clone();
        let notice = s
            .handle(contact(address, division), &ctx)
            .expect_err("refused");
        assert!(
            notice.text(Language::En).contains("choose the area"),
            "{notice}"
        );
        assert_eq!(s.phase, before);
        assert_eq!(s.gathered.contact, None, "{division}: nothing kept");
    }
    s.handle(contact(Some(address), "652301002"), &ctx)
        .expect("contact");
    let effects = s.handle(Event::Confirm, &ctx).expect("confirm");
    let changes: Vec<&Change> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Commit(c) => Some(c),
            _ => None,
        })
        .flat_map(|c| &c.changes)
        .collect();
    assert_eq!(
        changes,
        [&Change::SetContact {
            id_number: HOLDER_ID.into(),
            phone: Some("13912345678".into()),
            address: Some(address.into()),
            division: Some("652301002".into()),
        }]
    );
}

/// A business that writes the ID card's person (补领 here) keeps the registry's division when
/// the card's address is the registry's, and clears it when the card brings another address
/// (which came whole, with no division picked).
#[test]
fn an_id_card_address_keeps_the_division_only_when_it_is_the_same_address() {
    let fx = Fixture::new(card(
        CardState::LostTemporary,
        AppStateCode::TemporarilyBlocked,
    ));
    let ctx = fx.ctx();
    for (registry_address, kept) in [
        (None, Some("652301002")),
        (Some("新疆昌吉市北京路12号"), None),
    ] {
        let (mut s, _) = Session::start("K1-20260310-0002".into(), B::Replace, false, &ctx)
            .expect("replace starts");
        let person = fx.principal(IdSource::IdCard);
        let mut facts = fx.holder();
        if let Some(p) = facts.person.as_mut() {
            p.address_division = Some("652301002".into());
            if let Some(a) = registry_address {
                p.address = a.into();
            }
        }
        s.handle(Event::IdCardRead { person, facts }, &ctx)
            .expect("ID card");
        super::face::pass(&mut s, &ctx);
        let effects = s.handle(Event::Confirm, &ctx).expect("confirm");
        let upserted: Vec<&Person> = effects
            .iter()
            .filter_map(|e| match e {
                Effect::Commit(c) => Some(c),
                _ => None,
            })
            .flat_map(|c| &c.changes)
            .filter_map(|c| match c {
                Change::UpsertPerson(p) => Some(p),
                _ => None,
            })
            .collect();
        assert_eq!(upserted.len(), 1, "{registry_address:?}");
        assert_eq!(upserted[0].address, "新疆昌吉市兴昌路1号");
        assert_eq!(upserted[0].address_division.as_deref(), kept);
    }
}

/// issue 17 item 2: a 申领 ends its case in the session (即时办结, 6.3.2): the case's time
/// limit is the day it started, whatever the production's expected date of its application,
/// so the case counts on time for the cases' figure.
#[test]
fn a_completed_application_case_is_due_the_day_it_started() {
    let fx = Fixture::new(NO_CARD);
    let ctx = fx.ctx();
    let (mut s, _) =
        Session::start("K1-20260310-0001".into(), B::Apply, false, &ctx).expect("apply starts");
    s.handle(fx.event(&In::IdCard), &ctx).expect("ID card");
    s.handle(fx.event(&In::Photo), &ctx).expect("photo");
    let effects = s.handle(Event::Confirm, &ctx).expect("confirm");
    let commit = effects
        .iter()
        .find_map(|e| match e {
            Effect::Commit(c) => Some(c),
            _ => None,
        })
        .expect("the commit");
    let application = commit
        .changes
        .iter()
        .find_map(|c| match c {
            Change::CreateApplication(a) => Some(a),
            _ => None,
        })
        .expect("the application");
    let case = commit.case.as_ref().expect("the case");
    let today = crate::domain::local_date(ctx.now);
    assert_eq!(case.outcome, Some(crate::domain::Outcome::Completed));
    assert_eq!(case.deadline, Some(today));
    assert!(application.deadline > today, "{}", application.deadline);
    assert_eq!(
        (application.ready_at, application.deadline_recomputed_from),
        (None, None)
    );
}
