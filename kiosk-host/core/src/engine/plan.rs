//! Per-business decisions: the preconditions each business checks once its materials are
//! complete ([`precheck`]), the PINs it asks for ([`pins_needed`]), the effects that do it
//! ([`effects`]: card command + registry changes + archive record), and its receipt
//! ([`receipt`]). Each business is one arm of each `match`, so a business reads top to bottom.

use chrono::Duration;

use super::ctx::Ctx;
use super::facts::{AppStateCode, Contact, Reason};
use super::refusal::Refusal;
use super::state::{CardPins, Effect, Notice, Session};
use crate::domain::CardAction;
use crate::domain::{
    local_date, Application, BusinessCode, CardRecord, CardState, Outcome, Progress,
};
use crate::rules::{self, Precondition};
use crate::store::{ArchivedMaterial, CaseStep, Change, Commit, NewArchiveRecord};
use crate::text::Tri;
use firmware_config::Language;

/// Checks the business's preconditions once its materials are complete.
pub(crate) fn precheck(s: &Session, ctx: &Ctx<'_>) -> Result<(), Refusal> {
    let rule = rules::rule(s.business);
    let holder = s.gathered.holder.clone().unwrap_or_default();
    let card_record: Option<CardRecord> = s
        .gathered
        .card
        .as_ref()
        .and_then(|c| c.record.clone())
        .or_else(|| holder.current_card().cloned());
    match rule.precondition {
        Precondition::NoValidCard => {
            if let Some(c) = holder.current_card() {
                return Err(Refusal::HasValidCard { state: c.state });
            }
        }
        Precondition::CardIn(states) => {
            let Some(c) = &card_record else {
                return Err(Refusal::NoCard);
            };
            if !states.contains(&c.state) {
                return Err(Refusal::WrongState {
                    state: c.state,
                    allowed: states.to_vec(),
                });
            }
        }
        Precondition::NotCancelled => match &card_record {
            None => return Err(Refusal::NoCard),
            Some(c) if c.state == CardState::Cancelled => return Err(Refusal::CardCancelled),
            Some(_) => {}
        },
        Precondition::Any => {}
    }
    let card = s.gathered.card.as_ref();
    let app_usable = card.is_none_or(|c| {
        matches!(
            c.app_state,
            AppStateCode::Active | AppStateCode::TemporarilyBlocked
        )
    });
    let today = local_date(ctx.now);
    match s.business {
        BusinessCode::Apply | BusinessCode::Replace => {
            if let Some(a) = holder.open_application() {
                return Err(Refusal::ApplicationOpen {
                    progress: a.progress,
                });
            }
        }
        BusinessCode::Exchange => {
            if let Some(a) = holder.open_application() {
                return Err(Refusal::ApplicationOpen {
                    progress: a.progress,
                });
            }
            if s.gathered.reason == Some(Reason::Expiring) {
                let expiry = card
                    .and_then(|c| c.expiry_date)
                    .or(card_record.as_ref().and_then(|r| r.expiry_date));
                if let Some(expiry) = expiry {
                    if expiry > today + Duration::days(60) {
                        return Err(Refusal::NotExpiringYet { expiry });
                    }
                }
            }
        }
        BusinessCode::Reissue => {
            if card_record
                .as_ref()
                .is_none_or(|c| c.reissue_batch.is_none())
            {
                return Err(Refusal::NotInReissueBatch);
            }
        }
        BusinessCode::CancelLoss => {
            if card_record
                .as_ref()
                .is_some_and(|c| c.replacement_requested)
            {
                return Err(Refusal::ReplacementRequested);
            }
            if !app_usable {
                return Err(Refusal::CardUnusable);
            }
        }
        BusinessCode::Enable | BusinessCode::ChangeInfo | BusinessCode::PinReset => {
            if card.is_some_and(|c| c.app_state != AppStateCode::Active) {
                return Err(Refusal::CardUnusable);
            }
        }
        BusinessCode::PinChange => {
            if card.is_some_and(|c| c.app_state != AppStateCode::Active) {
                return Err(Refusal::CardUnusable);
            }
            if card.is_some_and(|c| c.pin_blocked) {
                return Err(Refusal::PinBlocked);
            }
        }
        BusinessCode::PinUnblock => {
            if card.is_some_and(|c| c.app_state != AppStateCode::Active) {
                return Err(Refusal::CardUnusable);
            }
            if card.is_some_and(|c| !c.pin_blocked) {
                return Err(Refusal::PinNotBlocked);
            }
        }
        BusinessCode::Ecard
        | BusinessCode::Status
        | BusinessCode::ReportLoss
        | BusinessCode::Cancel
        | BusinessCode::Photo => {}
    }
    Ok(())
}

/// The PINs a business asks for after confirmation: (old, new).
pub(crate) fn pins_needed(business: BusinessCode) -> Option<(bool, bool)> {
    match business {
        BusinessCode::Enable | BusinessCode::PinReset => Some((false, true)),
        BusinessCode::PinChange => Some((true, true)),
        _ => None,
    }
}

/// True for the PIN every card is issued with.
pub(crate) fn is_initial_pin(pin: &card_io::pin::Pin) -> bool {
    card_io::pin::Pin::parse(crate::card_ops::INITIAL_PIN).is_ok_and(|i| i.same_as(pin))
}

/// Checks new contact details (信息变更): a mainland mobile number (11 digits starting with
/// `1`) and an address of 5–100 characters without control characters; a division picked
/// for the address is a GB/T 2260 code of 6 or 9 digits and comes with the address.
pub(crate) fn check_contact(c: &Contact) -> Result<(), Notice> {
    if c.phone.is_none() && c.address.is_none() {
        return Err(Notice::from(Tri::new(
            "请填写要变更的手机号码或地址",
            "enter the new phone number or address",
            "يېڭى تېلېفون نومۇرى ياكى ئادرېسنى تولدۇرۇڭ",
        )));
    }
    if let Some(p) = &c.phone {
        if p.len() != 11 || !p.starts_with('1') || !p.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Notice::from(Tri::new(
                "手机号码应为以1开头的11位数字",
                "the phone number must be 11 digits starting with 1",
                "يانفون نومۇرى 1 بىلەن باشلانغان 11 خانىلىق رەقەم بولۇشى كېرەك",
            )));
        }
    }
    if let Some(a) = &c.address {
        let n = a.chars().count();
        if !(5..=100).contains(&n) || a.chars().any(char::is_control) {
            return Err(Notice::from(Tri::new(
                "地址应为5至100个字,不含控制字符",
                "the address must be 5-100 characters without control characters",
                "ئادرېس 5 تىن 100 گىچە ھەرپ بولۇشى، كونترول ھەرپى بولماسلىقى كېرەك",
            )));
        }
    }
    if let Some(d) = &c.division {
        if c.address.is_none() || crate::division::check_code("division", d).is_err() {
            return Err(Notice::from(Tri::new(
                "请在列表中选择所在地区",
                "choose the area from the list",
                "رايوننى تىزىملىكتىن تاللاڭ",
            )));
        }
    }
    Ok(())
}

/// The effects that carry out the business (after confirmation and PIN entry).
pub(crate) fn effects(s: &Session, pins: CardPins, ctx: &Ctx<'_>) -> Vec<Effect> {
    let g = &s.gathered;
    let card = g.card.as_ref();
    let record = card
        .and_then(|c| c.record.clone())
        .or_else(|| g.holder.as_ref().and_then(|h| h.current_card().cloned()));
    let id_number = s.principal_id().unwrap_or_default().to_string();
    let mut changes = Vec::new();
    let person_changes = |changes: &mut Vec<Change>| {
        if let Some(p) = &g.principal {
            let mut person = p.to_person();
            if let Some(existing) = g.holder.as_ref().and_then(|h| h.person.as_ref()) {
                // The ID card holds at most 15 characters of a name; keep the registry's
                // full name when the card's is its fitted form.
                if existing.name != person.name
                    && card_io::idcard::text::fit_name(&existing.name) == person.name
                {
                    person.name.clone_from(&existing.name);
                }
                person.phone.clone_from(&existing.phone);
                person.photo_sha256.clone_from(&existing.photo_sha256);
                // The ID card's address replaces the registry's and clears its division,
                // unless it is the same address.
                if existing.address == person.address {
                    person
                        .address_division
                        .clone_from(&existing.address_division);
                }
            }
            changes.push(Change::UpsertPerson(person));
        }
        if let Some(photo) = &g.photo {
            changes.push(Change::SetPhoto {
                id_number: id_number.clone(),
                sha256: photo.sha256.clone(),
                jpeg: photo.jpeg.clone(),
            });
        }
    };
    let application = |old_card: Option<String>| {
        let deadline = s.deadline.unwrap_or_else(|| {
            ctx.calendar
                .add_working_days(local_date(ctx.now), ctx.settings.application_deadline_days)
        });
        Change::CreateApplication(Application {
            case_id: s.case_id.clone(),
            id_number: id_number.clone(),
            business: s.business,
            progress: Progress::Submitted,
            submitted_at: ctx.now,
            deadline: deadline.date,
            deadline_provisional: deadline.provisional,
            old_card,
            reasons: None,
            ready_at: None,
            deadline_recomputed_from: None,
        })
    };
    let set_state = |r: &CardRecord, to: CardState| Change::SetCardState {
        card_number: r.card_number.clone(),
        from: r.state,
        to,
    };
    let app_state = card.map(|c| c.app_state);
    let card_answers = matches!(
        app_state,
        Some(AppStateCode::Active | AppStateCode::TemporarilyBlocked)
    );
    let mut action = None;
    match (s.business, &record) {
        (BusinessCode::Apply | BusinessCode::Photo, _) => {
            person_changes(&mut changes);
            if s.business == BusinessCode::Apply {
                changes.push(application(None));
            }
        }
        (BusinessCode::Enable, Some(r)) => {
            changes.push(set_state(r, CardState::Active));
            action = Some(CardAction::Activate);
        }
        (BusinessCode::Ecard, Some(r)) => {
            let mut commit = done_commit(s, ctx, changes, Some(r));
            commit.events.push((
                "ecard.requested".into(),
                s.case_id.clone(),
                serde_json::json!({}),
            ));
            return vec![Effect::IssueEcard {
                id_number,
                card_number: r.card_number.clone(),
                on_success: commit,
            }];
        }
        (BusinessCode::ChangeInfo, _) => {
            if let Some(c) = &g.contact {
                changes.push(Change::SetContact {
                    id_number: id_number.clone(),
                    phone: c.phone.clone(),
                    address: c.address.clone(),
                    division: c.division.clone(),
                });
            }
        }
        (BusinessCode::ReportLoss, Some(r)) => changes.push(set_state(r, CardState::LostTemporary)),
        (BusinessCode::CancelLoss, Some(r)) => {
            changes.push(set_state(r, CardState::Active));
            if app_state == Some(AppStateCode::TemporarilyBlocked) {
                action = Some(CardAction::UnblockApp);
            }
        }
        (BusinessCode::Replace, Some(r)) => {
            let mut from = r.state;
            if from == CardState::LostTemporary {
                changes.push(Change::SetCardState {
                    card_number: r.card_number.clone(),
                    from,
                    to: CardState::LostFormal,
                });
                from = CardState::LostFormal;
            }
            changes.push(Change::MarkReplacementRequested {
                card_number: r.card_number.clone(),
            });
            changes.push(Change::SetCardState {
                card_number: r.card_number.clone(),
                from,
                to: CardState::Cancelled,
            });
            changes.push(Change::RevokeEcards {
                id_number: id_number.clone(),
            });
            person_changes(&mut changes);
            changes.push(application(Some(r.card_number.clone())));
        }
        (BusinessCode::Exchange | BusinessCode::Reissue, Some(r)) => {
            changes.push(set_state(r, CardState::Cancelled));
            changes.push(Change::RevokeEcards {
                id_number: id_number.clone(),
            });
            person_changes(&mut changes);
            changes.push(application(Some(r.card_number.clone())));
            if app_state == Some(AppStateCode::Active) {
                action = Some(CardAction::BlockApp { permanent: true });
            }
        }
        (BusinessCode::Cancel, Some(r)) => {
            changes.push(set_state(r, CardState::Cancelled));
            changes.push(Change::RevokeEcards {
                id_number: id_number.clone(),
            });
            if card_answers {
                action = Some(CardAction::BlockCard);
            }
        }
        (BusinessCode::PinChange, _) => action = Some(CardAction::ChangePin),
        (BusinessCode::PinReset, _) => action = Some(CardAction::ResetPin),
        (BusinessCode::PinUnblock, _) => action = Some(CardAction::UnblockPin),
        (BusinessCode::Status, _) => {}
        // Preconditions guarantee a card record for the businesses above; without one
        // nothing is changed.
        (_, None) => {}
    }
    let commit = done_commit(s, ctx, changes, record.as_ref());
    match action {
        Some(action) => vec![Effect::Card {
            action,
            pins,
            on_success: commit,
        }],
        None => vec![Effect::Commit(commit)],
    }
}

/// The commit that finishes a case: its changes, the case closed as completed, and its
/// archive record.
fn done_commit(
    s: &Session,
    ctx: &Ctx<'_>,
    changes: Vec<Change>,
    record: Option<&CardRecord>,
) -> Commit {
    let mut commit = Commit::new(s.actor(), ctx.now);
    let rule = rules::rule(s.business);
    let summary = format!("{} 办结", rule.name.zh);
    // Every business at the kiosk is 即时办结 (6.3.2): the case's time limit is the day it
    // started, also when it creates an application. The application's expected production
    // date is the production's own figure (`store::ProductionStats`), not the case's.
    commit.case = Some(s.case_row(Some(Outcome::Completed), Some(ctx.now), &summary));
    commit.changes = changes;
    commit.archive = Some(archive_record(s, ctx, record));
    commit
}

/// The archive record of a finished case: its materials and steps (6.4).
pub fn archive_record(s: &Session, ctx: &Ctx<'_>, record: Option<&CardRecord>) -> NewArchiveRecord {
    let g = &s.gathered;
    let json = |kind: &str, title: &str, v: serde_json::Value| ArchivedMaterial {
        kind: kind.into(),
        title: title.into(),
        media_type: "application/json".into(),
        content: serde_json::to_vec_pretty(&v).unwrap_or_default(),
    };
    let mut materials = Vec::new();
    if let Some(p) = &g.principal {
        materials.push(json(
            "id_card",
            "参保人有效身份证件信息",
            serde_json::to_value(p).unwrap_or_default(),
        ));
    }
    if let Some(a) = &g.agent {
        materials.push(json(
            "agent_id_card",
            "被委托人有效身份证件信息",
            serde_json::to_value(a).unwrap_or_default(),
        ));
    }
    if let Some(c) = &g.card {
        materials.push(json(
            "ss_card",
            "社会保障卡读取信息",
            serde_json::json!({
                "card_number": c.card_number,
                "chip_serial": c.chip_serial,
                "app_state": c.app_state,
                "expiry_date": c.expiry_date,
            }),
        ));
    }
    if let Some(p) = &g.photo {
        materials.push(ArchivedMaterial {
            kind: "photo".into(),
            title: "制卡照片".into(),
            media_type: "image/jpeg".into(),
            content: p.jpeg.clone(),
        });
    }
    if let Some(c) = &g.contact {
        materials.push(json(
            "contact_details",
            "变更后的联系信息",
            serde_json::to_value(c).unwrap_or_default(),
        ));
    }
    if let Some(r) = &g.reason {
        materials.push(json(
            "reason",
            "办理原因",
            serde_json::json!({ "reason": r, "text": r.zh() }),
        ));
    }
    if let Some(b) = &g.bank_receipt {
        materials.push(json(
            "bank_materials",
            "合作银行销户回执",
            serde_json::json!({ "receipt_number": b }),
        ));
    }
    if let Some(v) = super::identity::archive_json(s) {
        materials.push(json("identity_match", "人证核验结果", v));
    }
    let mut steps = s.steps.clone();
    steps.push(CaseStep {
        at: ctx.now,
        step: "办结".into(),
        detail: String::new(),
    });
    let name = g
        .principal
        .as_ref()
        .map(|p| crate::mask::name(&p.name))
        .unwrap_or_default();
    NewArchiveRecord {
        case_id: s.case_id.clone(),
        business: s.business,
        id_number: s.principal_id().unwrap_or_default().to_string(),
        card_number: g
            .card
            .as_ref()
            .map(|c| c.card_number.clone())
            .or(record.map(|r| r.card_number.clone())),
        finished_at: ctx.now,
        fonds: ctx.kiosk.fonds.clone(),
        organisation: ctx.kiosk.outlet.clone(),
        retention_years: crate::archive_number::CARD_MATERIALS_YEARS,
        title: format!("{name} 社会保障卡{}", rules::rule(s.business).name.zh),
        materials,
        steps,
    }
}

/// The expected production date of a card applied for now (`None` for the businesses that
/// send no card to production): `application_deadline_days` working days after today (UTC+8).
/// It is the application's date, not the case's time limit (every case is 即时办结, 6.3.2).
pub(crate) fn application_deadline(
    business: BusinessCode,
    ctx: &Ctx<'_>,
) -> Option<crate::calendar::Deadline> {
    rules::rule(business).production.then(|| {
        ctx.calendar
            .add_working_days(local_date(ctx.now), ctx.settings.application_deadline_days)
    })
}

/// Receipt lines (masked: no PIN, no photo, no full ID number).
pub fn receipt(
    s: &Session,
    ctx: &Ctx<'_>,
    archive_no: Option<&str>,
    ecard_token: Option<&str>,
) -> Vec<String> {
    // In the session's language (issue 22): labels and fixed values from `t`, names and
    // addresses as written.
    let lang = ctx.language;
    let t = |zh: &str, en: &str, ug: &str| Tri::new(zh, en, ug).pick(lang).to_string();
    let g = &s.gathered;
    let rule = rules::rule(s.business);
    let local = ctx.now + Duration::seconds(i64::from(crate::domain::LOCAL_OFFSET_S));
    let mut lines = vec![
        t(
            "社会保障卡业务回执",
            "Social security card receipt",
            "ئىجتىمائىي كاپالەت كارتىسى ئىش تالونى",
        ),
        format!("{}: {}", t("业务", "Business", "ئىش"), rule.name.pick(lang)),
        format!(
            "{}: {}",
            t("办件编号", "Case number", "ئىش نومۇرى"),
            s.case_id
        ),
        format!(
            "{}: {}",
            t("时间", "Time", "ۋاقىت"),
            local.format("%Y-%m-%d %H:%M")
        ),
    ];
    if let Some(p) = &g.principal {
        lines.push(format!(
            "{}: {}",
            t("姓名", "Name", "ئىسمى"),
            crate::mask::name(&p.name)
        ));
    }
    if let Some(id) = s.principal_id() {
        lines.push(format!(
            "{}: {}",
            t("证件号码", "ID number", "كىملىك نومۇرى"),
            crate::mask::id_number(id)
        ));
    }
    if s.agent {
        if let Some(a) = &g.agent {
            lines.push(format!(
                "{}: {} {}",
                t("代办人", "Agent", "ۋاكالەتچى"),
                crate::mask::name(&a.name),
                crate::mask::id_number(&a.id_number)
            ));
        }
    }
    let record = g
        .card
        .as_ref()
        .and_then(|c| c.record.clone())
        .or_else(|| g.holder.as_ref().and_then(|h| h.current_card().cloned()));
    if let Some(r) = &record {
        lines.push(format!(
            "{}: {}",
            t("卡号", "Card number", "كارتا نومۇرى"),
            crate::mask::card_number(&r.card_number)
        ));
    }
    match s.business {
        BusinessCode::Apply
        | BusinessCode::Replace
        | BusinessCode::Exchange
        | BusinessCode::Reissue => {
            let d = s.deadline.unwrap_or_else(|| {
                ctx.calendar.add_working_days(
                    local_date(s.started_at),
                    ctx.settings.application_deadline_days,
                )
            });
            // 6.3.2: at an outlet every business is 即时办结; the production of the card has
            // its own expected date (the agency's figure), which is not the case's time limit.
            let days = ctx.settings.application_deadline_days;
            let provisional = if d.provisional {
                t(",暂定", ", provisional", "، ۋاقىتلىق")
            } else {
                String::new()
            };
            lines.push(t(
                "办理时限: 即时办结(已受理)",
                "Time limit: Completed on the spot (accepted)",
                "بېجىرىش مۇددىتى: شۇ ھامان بېجىرىلىدۇ (قوبۇل قىلىندى)",
            ));
            lines.push(match lang {
                Language::ZhCn => format!(
                    "预计制卡: {} 前({days}个工作日{provisional}),制成后凭本回执领取",
                    d.date
                ),
                Language::En => format!(
                    "Card expected by {} ({days} working days{provisional}); collect it with this receipt",
                    d.date
                ),
                Language::Ug => format!(
                    "كارتا {} دىن بۇرۇن ياسىلىدۇ ({days} خىزمەت كۈنى{provisional})، بۇ تالون بىلەن ئېلىڭ",
                    d.date
                ),
            });
            if rule.fee == rules::Fee::ReplacementFee && ctx.settings.replacement_fee_fen > 0 {
                lines.push(format!(
                    "{}: {}.{:02} {}",
                    t("工本费", "Card fee", "كارتا ھەققى"),
                    ctx.settings.replacement_fee_fen / 100,
                    ctx.settings.replacement_fee_fen % 100,
                    t("元", "yuan", "يۈەن")
                ));
            }
        }
        BusinessCode::ReportLoss => {
            let n = ctx.settings.temporary_loss_days;
            lines.push(match lang {
                Language::ZhCn => format!("卡状态: 临时挂失,{n} 日后自动解除"),
                Language::En => format!("Card state: reported lost, lifted by itself after {n} days"),
                Language::Ug => format!("كارتا ھالىتى: ۋاقىتلىق يوقاتقانلىق مەلۇم قىلىندى، {n} كۈندىن كېيىن ئۆزلۈكىدىن بىكار بولىدۇ"),
            });
        }
        BusinessCode::Status => {
            if let Some(r) = &record {
                lines.push(format!(
                    "{}: {}",
                    t("卡状态", "Card state", "كارتا ھالىتى"),
                    r.state.text().pick(lang)
                ));
            }
            if let Some(c) = &g.card {
                match (c.pin_blocked, c.pin_tries_left) {
                    (true, _) => lines.push(format!(
                        "{}: {}",
                        t("密码", "PIN", "پارول"),
                        t("已锁定", "blocked", "قۇلۇپلانغان")
                    )),
                    (false, Some(n)) => lines.push(format!(
                        "{}: {n}",
                        t(
                            "密码剩余尝试次数",
                            "PIN tries left",
                            "پارولنى سىناش قېتىمى قالدى"
                        )
                    )),
                    _ => {}
                }
                if let Some(e) = c.expiry_date {
                    lines.push(format!(
                        "{}: {e}",
                        t("有效期至", "Valid until", "ئىناۋەتلىك مۇددىتى")
                    ));
                }
            }
            if let Some(a) = g.holder.as_ref().and_then(|h| h.open_application()) {
                let progress = a.progress.text().pick(lang).to_string();
                lines.push(match lang {
                    Language::ZhCn => {
                        format!("申请进度: {progress}(预计 {} 前制成)", a.deadline)
                    }
                    Language::En => {
                        format!("Application: {progress} (card expected by {})", a.deadline)
                    }
                    Language::Ug => format!(
                        "ئىلتىماس ئەھۋالى: {progress} (كارتا {} دىن بۇرۇن ياسىلىدۇ)",
                        a.deadline
                    ),
                });
            }
        }
        BusinessCode::Ecard => {
            if ecard_token.is_some() {
                lines.push(t(
                    "电子社保卡已签发,请在屏幕上扫码领取",
                    "The e-card is issued: scan the code on the screen to take it",
                    "ئېلېكترونلۇق كارتا تارقىتىلدى، ئېكراندىكى كودنى سىكانىرلاپ ئېلىڭ",
                ));
            }
        }
        _ => lines.push(format!(
            "{}: {}",
            t("结果", "Result", "نەتىجە"),
            t("已办结", "done", "تاماملاندى")
        )),
    }
    if let Some(no) = archive_no {
        lines.push(format!(
            "{}: {no}",
            t("档号", "Archive number", "ئارخىپ نومۇرى")
        ));
    }
    lines.extend(super::next_steps::lines(
        s.business,
        archive_no.is_some(),
        lang,
    ));
    lines.push(format!(
        "{}: {}",
        t("监督投诉", "Complaints", "نازارەت ۋە شىكايەت"),
        rules::COMPLAINT_CHANNEL.pick(lang)
    ));
    lines
}
