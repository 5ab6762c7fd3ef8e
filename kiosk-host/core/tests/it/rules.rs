//! The rule table, the completeness check (一次性告知) and the service guide generated from
//! the same table.

use std::collections::BTreeSet;

use firmware_config::{Business, Language};
use kiosk_core::domain::{BusinessCode, CardState};
use kiosk_core::rules::guide::{self, GuideEntry};
use kiosk_core::rules::intake::{
    self, agent_allowed, check, check_agent, required, IntakeContext, IntakeRefusal, Provided,
};
use kiosk_core::rules::{
    all, rule, AgentPolicy, CardPresence, Fee, Material, Needed, Precondition, TimeLimit,
    COMPLAINT_CHANNEL,
};
use kiosk_core::text::Tri;

const LANGS: [Language; 3] = [Language::ZhCn, Language::Ug, Language::En];

/// The codes of BUSINESS-RULES.md section 1, in its order.
const DOC_ORDER: [&str; 15] = [
    "apply",
    "enable",
    "ecard",
    "status",
    "change_info",
    "report_loss",
    "cancel_loss",
    "replace",
    "exchange",
    "reissue",
    "cancel",
    "pin_change",
    "pin_reset",
    "pin_unblock",
    "photo",
];

fn code_name(code: BusinessCode) -> String {
    match serde_json::to_value(code) {
        Ok(serde_json::Value::String(s)) => s,
        other => panic!("{code:?} serialised as {other:?}"),
    }
}

fn has_arabic(s: &str) -> bool {
    s.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c))
}

fn assert_text(what: &str, t: &Tri) {
    assert!(!t.zh.trim().is_empty(), "{what}: empty zh");
    assert!(!t.en.trim().is_empty(), "{what}: empty en");
    assert!(!t.ug.trim().is_empty(), "{what}: empty ug");
    assert!(
        has_arabic(t.ug),
        "{what}: ug not in Arabic script: {}",
        t.ug
    );
    assert!(
        !has_arabic(t.zh) && !has_arabic(t.en),
        "{what}: Arabic in zh/en"
    );
}

fn materials(reqs: impl IntoIterator<Item = Material>) -> BTreeSet<Material> {
    reqs.into_iter().collect()
}

// ---------------------------------------------------------------------------------------------
// The table

#[test]
fn every_code_has_exactly_one_row_in_document_order() {
    assert_eq!(all().len(), BusinessCode::ALL.len());
    for code in BusinessCode::ALL {
        assert_eq!(
            all().iter().filter(|r| r.code == code).count(),
            1,
            "{code:?}"
        );
        assert_eq!(rule(code).code, code);
        assert_eq!(rule(code), all().iter().find(|r| r.code == code).unwrap());
    }
    let order: Vec<String> = all().iter().map(|r| code_name(r.code)).collect();
    assert_eq!(order, DOC_ORDER);
    for code in BusinessCode::ALL {
        assert_eq!(guide::code_str(code), code_name(code));
    }
}

#[test]
fn identity_materials_follow_6_1_3_2() {
    for r in all() {
        // a): the ID card original for every on-site business, 状态查询 and PIN 修改 included.
        let id = r
            .requirements
            .iter()
            .find(|q| q.material == Material::IdCard && q.needed == Needed::Always);
        assert_eq!(id.map(|q| q.clause), Some("6.1.3.2 a)"), "{:?}", r.code);
        // So an e-card QR stands in for it nowhere.
        assert!(!r.ecard_identifies(), "{:?}", r.code);
        // No material twice in one rule.
        let set = materials(r.requirements.iter().map(|q| q.material));
        assert_eq!(set.len(), r.requirements.len(), "{:?}", r.code);
        // Every clause is one of the standard's.
        for q in r.requirements {
            assert!(q.clause.starts_with("6.1.3"), "{:?}: {}", r.code, q.clause);
        }
    }
}

/// Every business's materials pinned to the clause letters of 6.1.3.2 (and 6.1.3 for the
/// business's own data): (material, when, clause).
#[test]
fn every_business_materials_are_pinned_to_the_standard_clause_letters() {
    use BusinessCode::*;
    use Material::{AgentIdCard, BankMaterials, ContactDetails, IdCard, Reason, SsCard};
    use Needed::*;
    const PHOTO: Material = Material::Photo;
    const A: (Material, Needed, &str) = (IdCard, Always, "6.1.3.2 a)");
    const C: (Material, Needed, &str) = (SsCard, Always, "6.1.3.2 c)");
    const C_OR_D: (Material, Needed, &str) = (SsCard, IfCardReadable, "6.1.3.2 c)");
    const D_CARD: (Material, Needed, &str) = (SsCard, ForAgent, "6.1.3.2 d)");
    const B: (Material, Needed, &str) = (PHOTO, WithoutPhotoOnFile, "6.1.3.2 b)");
    const D: (Material, Needed, &str) = (AgentIdCard, ForAgent, "6.1.3.2 d)");
    const E: (Material, Needed, &str) = (BankMaterials, Always, "6.1.3.2 e)");
    type Row = (Material, Needed, &'static str);
    let expected: [(BusinessCode, Vec<Row>); 15] = [
        (Apply, vec![A, B, D]),
        (Enable, vec![A, C]),
        (Ecard, vec![A, D_CARD, D]),
        (Status, vec![A, C, D]),
        (ChangeInfo, vec![A, C, D, (ContactDetails, Always, "6.1.3")]),
        (ReportLoss, vec![A, D]),
        (CancelLoss, vec![A, C, D]),
        (Replace, vec![A, B, D]),
        (Exchange, vec![A, C_OR_D, B, D, (Reason, Always, "6.1.3")]),
        (Reissue, vec![A, C, B, D]),
        (Cancel, vec![A, C_OR_D, D, E, (Reason, Always, "6.1.3")]),
        (PinChange, vec![A, C]),
        (PinReset, vec![A, C]),
        (PinUnblock, vec![A, C]),
        (Photo, vec![A, (PHOTO, Always, "6.1.3.2 b)"), D]),
    ];
    for (code, want) in expected {
        let got: Vec<Row> = rule(code)
            .requirements
            .iter()
            .map(|q| (q.material, q.needed, q.clause))
            .collect();
        assert_eq!(got, want, "{code:?}");
        // The guide prints the same rows with the same clauses.
        let g = guide::entry(rule(code), &Business::default(), Language::ZhCn);
        let printed: Vec<Row> = g
            .materials
            .iter()
            .map(|m| (m.material, m.needed, m.clause))
            .collect();
        assert_eq!(printed, want, "{code:?} guide");
    }
}

/// 6.1.3.2 d): an agent brings the principal's card wherever the principal has one to bring;
/// the guide says why where it cannot be asked for.
#[test]
fn an_agent_brings_the_principals_card_where_there_is_one() {
    for r in all() {
        if r.agent != AgentPolicy::Allowed {
            continue;
        }
        let agent_ctx = IntakeContext::new(true, true, false);
        let card_asked = required(r, &agent_ctx)
            .iter()
            .any(|q| q.material == Material::SsCard);
        let no_card_to_bring = matches!(
            r.code,
            BusinessCode::Apply
                | BusinessCode::ReportLoss
                | BusinessCode::Replace
                | BusinessCode::Photo
        );
        assert_eq!(card_asked, !no_card_to_bring, "{:?}", r.code);
        let why = kiosk_core::rules::agents::agent_rule(r.code);
        if no_card_to_bring {
            assert!(why.zh.contains("不要求卡"), "{:?}: {}", r.code, why.zh);
        }
    }
    for code in BusinessCode::ALL {
        assert!(
            kiosk_core::rules::agents::agrees_with_policy(code),
            "{code:?}"
        );
        assert_text(
            &format!("{code:?} agent rule"),
            &kiosk_core::rules::agents::agent_rule(code),
        );
    }
}

#[test]
fn requirements_list_the_holder_then_the_agent_then_the_rest() {
    let rank = |clause: &str| match clause {
        "6.1.3.2 a)" => 0,
        "6.1.3.2 c)" => 1,
        "6.1.3.2 b)" => 2,
        "6.1.3.2 d)" => 3,
        "6.1.3.2 e)" => 4,
        "6.1.3" => 5,
        other => panic!("unexpected clause {other}"),
    };
    for r in all() {
        let ranks: Vec<u8> = r.requirements.iter().map(|q| rank(q.clause)).collect();
        assert!(
            ranks.windows(2).all(|w| w[0] <= w[1]),
            "{:?}: {ranks:?}",
            r.code
        );
    }
}

#[test]
fn card_presence_matches_the_card_requirement() {
    for r in all() {
        let card: Vec<Needed> = r
            .requirements
            .iter()
            .filter(|q| q.material == Material::SsCard)
            .map(|q| q.needed)
            .collect();
        let expected: &[&[Needed]] = match r.presence {
            CardPresence::Required => &[&[Needed::Always]],
            CardPresence::IfAvailable => &[&[Needed::IfCardReadable]],
            // The card of a business that needs none is asked of an agent only (6.1.3.2 d)).
            CardPresence::No => &[&[], &[Needed::ForAgent]],
        };
        assert!(
            expected.contains(&card.as_slice()),
            "{:?}: {card:?}",
            r.code
        );
    }
    assert_eq!(
        rule(BusinessCode::Exchange).presence,
        CardPresence::IfAvailable
    );
    assert_eq!(
        rule(BusinessCode::Cancel).presence,
        CardPresence::IfAvailable
    );
}

#[test]
fn rows_match_business_rules_section_1() {
    use BusinessCode::*;
    for r in all() {
        let c = r.code;
        // 6.3.2: every business at the kiosk is 即时办结; the four that send a card to
        // production have an expected production date apart from it.
        assert_eq!(r.time_limit, TimeLimit::Immediate, "{c:?}");
        assert_eq!(
            r.production,
            matches!(c, Apply | Replace | Exchange | Reissue),
            "{c:?}"
        );
        assert!(!r.basis.contains("6.3.1"), "{c:?}: {}", r.basis);
        assert_eq!(
            r.fee == Fee::ReplacementFee,
            matches!(c, Replace | Exchange),
            "{c:?}"
        );
        assert_eq!(
            r.writes_card,
            matches!(
                c,
                Enable
                    | CancelLoss
                    | Exchange
                    | Reissue
                    | Cancel
                    | PinChange
                    | PinReset
                    | PinUnblock
            ),
            "{c:?}"
        );
        let photo = r
            .requirements
            .iter()
            .find(|q| q.material == Material::Photo)
            .map(|q| (q.needed, q.clause));
        let expected_photo = match c {
            Apply | Replace | Exchange | Reissue => {
                Some((Needed::WithoutPhotoOnFile, "6.1.3.2 b)"))
            }
            Photo => Some((Needed::Always, "6.1.3.2 b)")),
            _ => None,
        };
        assert_eq!(photo, expected_photo, "{c:?}");
        let has = |m: Material| r.requirements.iter().any(|q| q.material == m);
        assert_eq!(has(Material::BankMaterials), c == Cancel, "{c:?}");
        assert_eq!(has(Material::ContactDetails), c == ChangeInfo, "{c:?}");
        assert_eq!(
            has(Material::Reason),
            matches!(c, Exchange | Cancel),
            "{c:?}"
        );
        assert!((3..=6).contains(&r.procedure.len()), "{c:?}");
    }
    let states = |c| match rule(c).precondition {
        Precondition::CardIn(s) => s.to_vec(),
        other => panic!("{c:?}: {other:?}"),
    };
    assert_eq!(states(Enable), [CardState::Issued]);
    assert_eq!(states(CancelLoss), [CardState::LostTemporary]);
    assert_eq!(
        states(Replace),
        [CardState::LostTemporary, CardState::LostFormal]
    );
    for c in [
        Ecard, ChangeInfo, ReportLoss, Exchange, Reissue, PinChange, PinReset, PinUnblock,
    ] {
        assert_eq!(states(c), [CardState::Active], "{c:?}");
    }
    assert_eq!(rule(Apply).precondition, Precondition::NoValidCard);
    assert_eq!(rule(Cancel).precondition, Precondition::NotCancelled);
    assert_eq!(rule(Status).precondition, Precondition::Any);
    assert_eq!(rule(Photo).precondition, Precondition::Any);
}

#[test]
fn agent_policy_and_agent_materials_agree() {
    for r in all() {
        let agent_id = r
            .requirements
            .iter()
            .find(|q| q.material == Material::AgentIdCard);
        let for_agent = r.requirements.iter().any(|q| q.needed == Needed::ForAgent);
        match r.agent {
            AgentPolicy::Allowed => {
                let q = agent_id.unwrap_or_else(|| panic!("{:?}: no agent ID", r.code));
                assert_eq!((q.needed, q.clause), (Needed::ForAgent, "6.1.3.2 d)"));
            }
            AgentPolicy::Never => {
                assert!(agent_id.is_none() && !for_agent, "{:?}", r.code);
            }
        }
    }
    let never: Vec<BusinessCode> = all()
        .iter()
        .filter(|r| !agent_allowed(r))
        .map(|r| r.code)
        .collect();
    assert_eq!(
        never,
        [
            BusinessCode::Enable,
            BusinessCode::PinChange,
            BusinessCode::PinReset,
            BusinessCode::PinUnblock
        ]
    );
}

#[test]
fn every_text_is_in_three_languages_and_uyghur_is_arabic_script() {
    assert_text("complaint channel", &COMPLAINT_CHANNEL);
    for r in all() {
        assert_text(&format!("{:?} name", r.code), &r.name);
        assert_text(&format!("{:?} content", r.code), &r.content);
        for (i, s) in r.procedure.iter().enumerate() {
            assert_text(&format!("{:?} step {i}", r.code), s);
        }
        for q in r.requirements {
            assert_text(
                &format!("{:?} {:?} material", r.code, q.material),
                &intake::material_text(q.material, r.code),
            );
            for agent in [false, true] {
                assert_text(
                    &format!("{:?} {:?} bring (agent {agent})", r.code, q.material),
                    &intake::bring_text(q.material, r.code, agent),
                );
            }
        }
        assert!(!r.basis.is_empty() && r.basis.contains("DB 6523/T 372-2023"));
        assert!(r.basis.contains("GB/T 32621"), "{:?}", r.code);
    }
    // Every material text, also for businesses that do not list the material.
    for code in BusinessCode::ALL {
        for m in Material::ALL {
            assert_text(&format!("{code:?} {m:?}"), &intake::material_text(m, code));
        }
    }
}

#[test]
fn the_uyghur_guide_and_notices_are_in_arabic_script() {
    for e in guide::guide(&Business::default(), Language::Ug) {
        for s in [
            &e.name,
            &e.content,
            &e.time_limit,
            &e.fee,
            &e.agent,
            &e.complaint,
        ] {
            assert!(has_arabic(s), "{:?}: {s}", e.code);
        }
        for s in &e.procedure {
            assert!(has_arabic(s), "{:?}: {s}", e.code);
        }
        for m in &e.materials {
            assert!(has_arabic(&m.text), "{:?}: {}", e.code, m.text);
        }
    }
    let refusal = check_agent(rule(BusinessCode::PinReset), true).unwrap_err();
    assert!(has_arabic(&refusal.message(Language::Ug)));
}

// ---------------------------------------------------------------------------------------------
// The completeness check

#[test]
fn the_notice_lists_every_missing_item_at_once() {
    let exchange = rule(BusinessCode::Exchange);
    let ctx = IntakeContext {
        agent: true,
        photo_on_file: false,
        card_readable: false,
    };
    let notice = check(exchange, &ctx, &Provided::new()).unwrap_err();
    assert_eq!(notice.business, BusinessCode::Exchange);
    // An agent brings the principal's card even when the holder in person could come
    // without a readable one (6.1.3.2 d)).
    assert_eq!(
        notice.materials(),
        [
            Material::IdCard,
            Material::SsCard,
            Material::Photo,
            Material::AgentIdCard,
            Material::Reason
        ]
    );
    let clauses: Vec<&str> = notice.missing.iter().map(|m| m.clause).collect();
    assert_eq!(
        clauses,
        [
            "6.1.3.2 a)",
            "6.1.3.2 c)",
            "6.1.3.2 b)",
            "6.1.3.2 d)",
            "6.1.3"
        ]
    );

    // With a photo on file: the photo is not asked for, the rest still all at once.
    let on_file = IntakeContext {
        photo_on_file: true,
        ..ctx
    };
    let notice = check(exchange, &on_file, &Provided::new()).unwrap_err();
    assert_eq!(
        notice.materials(),
        [
            Material::IdCard,
            Material::SsCard,
            Material::AgentIdCard,
            Material::Reason
        ]
    );

    // A readable old card is required too, and what was provided is not listed.
    let readable = IntakeContext {
        card_readable: true,
        ..ctx
    };
    let provided = Provided::new().with(Material::AgentIdCard);
    let notice = check(exchange, &readable, &provided).unwrap_err();
    assert_eq!(
        notice.materials(),
        [
            Material::IdCard,
            Material::SsCard,
            Material::Photo,
            Material::Reason
        ]
    );
}

#[test]
fn notice_lines_number_every_item_with_title_business_and_complaint_channel() {
    let exchange = rule(BusinessCode::Exchange);
    let ctx = IntakeContext::new(true, false, false);
    let notice = check(exchange, &ctx, &Provided::new()).unwrap_err();
    for lang in LANGS {
        let lines = notice.lines(lang);
        let pick = |t: &Tri| t.pick(lang).to_string();
        assert!(lines[1].contains(&pick(&exchange.name)), "{lines:?}");
        for (i, item) in notice.missing.iter().enumerate() {
            let numbered = format!("{}. {}", i + 1, pick(&item.bring));
            let line = lines
                .iter()
                .find(|l| l.starts_with(&numbered))
                .unwrap_or_else(|| panic!("{lang:?}: no line {numbered:?} in {lines:?}"));
            assert!(line.contains(item.clause), "{line}");
        }
        let complaint = pick(&COMPLAINT_CHANNEL);
        assert!(lines.iter().any(|l| l.contains(&complaint)), "{lines:?}");
        assert!(lines.iter().all(|l| !l.trim().is_empty()));
    }
    let zh = notice.lines(Language::ZhCn);
    assert_eq!(zh[0], "一次性告知书");
    assert!(zh
        .iter()
        .any(|l| l.contains("请携带委托人(参保人)的有效居民身份证原件")));
    assert!(zh.iter().any(|l| l.contains("请选择换领原因")));
    assert!(zh.iter().any(|l| l.contains("6.2.2 b)")));
    let ug = notice.lines(Language::Ug);
    assert!(has_arabic(&ug[0]));
}

#[test]
fn a_complete_case_passes() {
    for r in all() {
        for ctx in IntakeContext::ALL {
            let provided: Provided = required(r, &ctx).iter().map(|q| q.material).collect();
            assert_eq!(check(r, &ctx, &provided), Ok(()), "{:?} {ctx:?}", r.code);
            // Taking away any one required material gives a notice naming exactly it.
            for q in required(r, &ctx) {
                let mut less = provided.clone();
                assert!(less.remove(q.material));
                let notice = check(r, &ctx, &less).unwrap_err();
                assert_eq!(notice.materials(), [q.material]);
            }
        }
    }
}

#[test]
fn the_photo_is_needed_only_without_one_on_file() {
    for code in [
        BusinessCode::Apply,
        BusinessCode::Replace,
        BusinessCode::Exchange,
        BusinessCode::Reissue,
    ] {
        let r = rule(code);
        for agent in [false, true] {
            for card_readable in [false, true] {
                let none = IntakeContext::new(agent, false, card_readable);
                let some = IntakeContext::new(agent, true, card_readable);
                let needs = |ctx| {
                    required(r, &ctx)
                        .iter()
                        .any(|q| q.material == Material::Photo)
                };
                assert!(needs(none), "{code:?}");
                assert!(!needs(some), "{code:?}");
            }
        }
    }
    // The photo business always takes one; the others never ask for one.
    for ctx in IntakeContext::ALL {
        assert!(required(rule(BusinessCode::Photo), &ctx)
            .iter()
            .any(|q| q.material == Material::Photo));
        for code in [
            BusinessCode::ReportLoss,
            BusinessCode::PinReset,
            BusinessCode::Status,
        ] {
            assert!(!required(rule(code), &ctx)
                .iter()
                .any(|q| q.material == Material::Photo));
        }
    }
}

#[test]
fn agent_materials_only_in_agent_cases() {
    let apply = rule(BusinessCode::Apply);
    let own = materials(
        required(apply, &IntakeContext::new(false, true, false))
            .iter()
            .map(|q| q.material),
    );
    assert_eq!(own, materials([Material::IdCard]));
    let agent = materials(
        required(apply, &IntakeContext::new(true, true, false))
            .iter()
            .map(|q| q.material),
    );
    assert_eq!(agent, materials([Material::IdCard, Material::AgentIdCard]));
    // Status: the ID card and the card (6.1.3.2 a), c)); an agent adds their own ID card.
    let status = rule(BusinessCode::Status);
    let own = materials(
        required(status, &IntakeContext::new(false, true, true))
            .iter()
            .map(|q| q.material),
    );
    assert_eq!(own, materials([Material::IdCard, Material::SsCard]));
    let agent = materials(
        required(status, &IntakeContext::new(true, true, true))
            .iter()
            .map(|q| q.material),
    );
    assert_eq!(
        agent,
        materials([Material::SsCard, Material::IdCard, Material::AgentIdCard])
    );
    // An e-card by an agent: the principal's card too (6.1.3.2 d)).
    let ecard = rule(BusinessCode::Ecard);
    let agent = materials(
        required(ecard, &IntakeContext::new(true, true, false))
            .iter()
            .map(|q| q.material),
    );
    assert_eq!(
        agent,
        materials([Material::IdCard, Material::SsCard, Material::AgentIdCard])
    );
}

#[test]
fn agents_are_refused_for_pin_change_and_pin_reset() {
    for code in [BusinessCode::PinChange, BusinessCode::PinReset] {
        let r = rule(code);
        assert!(!agent_allowed(r));
        assert_eq!(check_agent(r, false), Ok(()));
        let refusal = check_agent(r, true).unwrap_err();
        assert_eq!(refusal.business, code);
        for lang in LANGS {
            let message = refusal.message(lang);
            assert!(message.contains(*r.name.pick(lang)), "{message}");
            let lines = refusal.lines(lang);
            assert!(lines
                .iter()
                .any(|l| l.contains(*COMPLAINT_CHANNEL.pick(lang))));
        }
        assert!(refusal.message(Language::ZhCn).contains("不能委托"));
        // 受理 as one step refuses the agent before looking at materials.
        let ctx = IntakeContext::new(true, true, true);
        match intake::intake(r, &ctx, &Provided::new()) {
            Err(IntakeRefusal::AgentNotAllowed(a)) => assert_eq!(a, refusal),
            other => panic!("{code:?}: {other:?}"),
        }
    }
    // Allowed businesses: the agent goes on to the completeness check.
    let apply = rule(BusinessCode::Apply);
    assert!(agent_allowed(apply));
    assert_eq!(check_agent(apply, true), Ok(()));
    match intake::intake(
        apply,
        &IntakeContext::new(true, true, false),
        &Provided::new(),
    ) {
        Err(IntakeRefusal::Incomplete(n)) => {
            assert_eq!(n.materials(), [Material::IdCard, Material::AgentIdCard])
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_ecard_stands_in_for_the_id_card_nowhere_the_standard_asks_for_it() {
    let ctx = IntakeContext::new(false, true, false);
    // 6.1.3.2 a) asks for the ID card original for every on-site business, a loss report
    // included: the e-card QR is not counted as it.
    for r in all() {
        let mut p = Provided::new();
        assert!(!p.identified_by_ecard(r), "{:?}", r.code);
        assert!(!p.contains(Material::IdCard));
    }
    let notice = check(rule(BusinessCode::ReportLoss), &ctx, &Provided::new()).unwrap_err();
    assert_eq!(notice.materials(), [Material::IdCard]);

    let mut p = Provided::new();
    assert!(!p.identified_by_ecard(rule(BusinessCode::Apply)));
    let notice = check(rule(BusinessCode::Apply), &ctx, &p).unwrap_err();
    assert_eq!(notice.materials(), [Material::IdCard]);
}

// ---------------------------------------------------------------------------------------------
// The service guide

fn entry(entries: &[GuideEntry], code: BusinessCode) -> &GuideEntry {
    entries
        .iter()
        .find(|e| e.code == code)
        .unwrap_or_else(|| panic!("no entry for {code:?}"))
}

#[test]
fn the_guide_has_one_entry_per_enabled_code_in_table_order() {
    let all_entries = guide::guide(&Business::default(), Language::ZhCn);
    let codes: Vec<BusinessCode> = all_entries.iter().map(|e| e.code).collect();
    assert_eq!(codes, BusinessCode::ALL);

    let settings = Business {
        enabled: vec![
            BusinessCode::PinReset,
            BusinessCode::Status,
            BusinessCode::Apply,
        ],
        ..Business::default()
    };
    for lang in LANGS {
        let codes: Vec<BusinessCode> = guide::guide(&settings, lang)
            .iter()
            .map(|e| e.code)
            .collect();
        assert_eq!(
            codes,
            [
                BusinessCode::Apply,
                BusinessCode::Status,
                BusinessCode::PinReset
            ]
        );
    }
    let none = Business {
        enabled: vec![],
        ..Business::default()
    };
    assert!(guide::guide(&none, Language::ZhCn).is_empty());
}

#[test]
fn the_guide_follows_the_settings() {
    let default = Business::default();
    let zh = guide::guide(&default, Language::ZhCn);
    // 6.3.2: every business at the kiosk is 即时办结; production is separate information.
    for e in &zh {
        assert_eq!(e.time_limit, "即时办结", "{:?}", e.code);
        assert_eq!(
            e.production.is_some(),
            rule(e.code).production,
            "{:?}",
            e.code
        );
    }
    let production = entry(&zh, BusinessCode::Apply).production.clone().unwrap();
    assert!(production.contains("40个工作日"), "{production}");
    assert_eq!(entry(&zh, BusinessCode::Replace).fee, "免费");
    assert!(entry(&zh, BusinessCode::ReportLoss)
        .content
        .contains("15天"));

    let changed = Business {
        application_deadline_days: 30,
        replacement_fee_fen: 2000,
        temporary_loss_days: 7,
        ..Business::default()
    };
    let zh = guide::guide(&changed, Language::ZhCn);
    for code in [
        BusinessCode::Apply,
        BusinessCode::Replace,
        BusinessCode::Exchange,
        BusinessCode::Reissue,
    ] {
        let e = entry(&zh, code);
        assert_eq!(e.time_limit, "即时办结", "{code:?}");
        assert!(
            e.production.as_deref().unwrap().contains("30个工作日"),
            "{code:?}"
        );
    }
    assert_eq!(entry(&zh, BusinessCode::Replace).fee, "20元");
    assert_eq!(entry(&zh, BusinessCode::Exchange).fee, "20元");
    assert_eq!(entry(&zh, BusinessCode::Apply).fee, "免费");
    assert_eq!(entry(&zh, BusinessCode::Reissue).fee, "免费");
    assert!(entry(&zh, BusinessCode::ReportLoss).content.contains("7天"));
    let en = guide::guide(&changed, Language::En);
    assert_eq!(
        entry(&en, BusinessCode::Apply).time_limit,
        "Completed on the spot"
    );
    assert!(entry(&en, BusinessCode::Apply)
        .production
        .as_deref()
        .unwrap()
        .contains("30 working days"));
    assert_eq!(entry(&en, BusinessCode::Replace).fee, "CNY 20");
    let ug = guide::guide(&changed, Language::Ug);
    assert!(has_arabic(&entry(&ug, BusinessCode::Apply).time_limit));
    assert!(entry(&ug, BusinessCode::Replace).fee.starts_with("20 "));

    let odd = Business {
        replacement_fee_fen: 1050,
        ..Business::default()
    };
    assert_eq!(
        entry(&guide::guide(&odd, Language::ZhCn), BusinessCode::Replace).fee,
        "10.50元"
    );
}

#[test]
fn guide_materials_carry_their_conditions() {
    let zh = guide::guide(&Business::default(), Language::ZhCn);
    let apply = entry(&zh, BusinessCode::Apply);
    let photo = apply
        .materials
        .iter()
        .find(|m| m.material == Material::Photo)
        .unwrap();
    assert_eq!(photo.needed, Needed::WithoutPhotoOnFile);
    assert!(photo
        .text
        .starts_with("系统内无照片的,提供符合制卡要求的电子照片"));
    let agent = apply
        .materials
        .iter()
        .find(|m| m.material == Material::AgentIdCard)
        .unwrap();
    assert!(agent.text.starts_with("委托他人办理的"));
    let cancel = entry(&zh, BusinessCode::Cancel);
    assert!(cancel
        .materials
        .iter()
        .any(|m| m.material == Material::BankMaterials && m.clause == "6.1.3.2 e)"));
    assert!(entry(&zh, BusinessCode::PinChange)
        .agent
        .contains("不可委托"));
    assert!(entry(&zh, BusinessCode::Apply).agent.contains("可委托"));
}

#[test]
fn the_guide_and_the_completeness_check_agree() {
    for lang in LANGS {
        let entries = guide::guide(&Business::default(), lang);
        for r in all() {
            let e = entry(&entries, r.code);
            let in_guide: BTreeSet<(Material, &str)> =
                e.materials.iter().map(|m| (m.material, m.clause)).collect();
            let in_check: BTreeSet<(Material, &str)> = IntakeContext::ALL
                .iter()
                .flat_map(|ctx| required(r, ctx))
                .map(|q| (q.material, q.clause))
                .collect();
            assert_eq!(in_guide, in_check, "{:?} {lang:?}", r.code);
            // And each material's condition: it is asked for in exactly the contexts the
            // guide's condition names.
            for m in &e.materials {
                for ctx in IntakeContext::ALL {
                    let asked = required(r, &ctx).iter().any(|q| q.material == m.material);
                    assert_eq!(
                        asked,
                        ctx.applies(m.needed),
                        "{:?} {:?}",
                        r.code,
                        m.material
                    );
                }
            }
        }
    }
}

#[test]
fn guide_entries_reuse_the_table_texts() {
    for lang in LANGS {
        for e in guide::guide(&Business::default(), lang) {
            let r = rule(e.code);
            assert_eq!(e.name, *r.name.pick(lang));
            assert!(e.content.starts_with(*r.content.pick(lang)));
            assert_eq!(e.basis, r.basis);
            assert_eq!(e.procedure.len(), r.procedure.len());
            assert_eq!(e.complaint, *COMPLAINT_CHANNEL.pick(lang));
        }
    }
    let lines = guide::render(
        &guide::guide(&Business::default(), Language::ZhCn),
        Language::ZhCn,
    );
    assert!(lines.iter().any(|l| l.contains("一次性告知")));
    assert!(lines.iter().any(|l| l.contains(COMPLAINT_CHANNEL.zh)));
}
