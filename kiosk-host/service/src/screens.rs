//! From the kiosk's state to the view models of `ui-web`: localised, masked, with no rule
//! left for the screen to decide. Every page has the same frame ([`Chrome`]: the citizen's
//! language and elderly mode, the session's countdown); the session's page is made from the
//! session actor's state ([`View`]), the others from the chrome and the configuration alone,
//! so a handler can render them from what the actor published.

use firmware_config::{Config, Language};
use ui_web::view::{
    Ask, DivisionChoice, Field, GuideEntry, Icon, Lang, Likely, MenuGroup, MenuItem, MenuSection,
    Page, Presented, Screen,
};

use super::citizen::{no_printer, split_message, Live};
use super::devices::{Board, Device, State};
use kiosk_core::domain::BusinessCode;
use kiosk_core::engine::facts::Reason;
use kiosk_core::engine::session::Phase;
use kiosk_core::rules::{self, intake, CardPresence, Material};
use kiosk_core::text::Tri;

pub fn lang(l: Language) -> Lang {
    match l {
        Language::ZhCn => Lang::ZhCn,
        Language::Ug => Lang::Ug,
        Language::En => Lang::En,
    }
}

pub fn language(l: Lang) -> Language {
    match l {
        Lang::ZhCn => Language::ZhCn,
        Lang::Ug => Language::Ug,
        Lang::En => Language::En,
    }
}

fn t(text: &Tri, l: Language) -> String {
    text.pick(l).to_string()
}

fn ui(l: Language, zh: &str, en: &str, ug: &str) -> String {
    match l {
        Language::ZhCn => zh,
        Language::En => en,
        Language::Ug => ug,
    }
    .to_string()
}

/// The frame of every page.
#[derive(Debug, Clone, PartialEq)]
pub struct Chrome {
    /// The screen language and elderly mode (the kiosk has one screen).
    pub lang: Language,
    pub elderly: bool,
    /// Seconds of idleness the current session screen allows (`None`: no session).
    pub idle_timeout_s: Option<u32>,
    /// True while a citizen session is open.
    pub in_session: bool,
    /// True on simulated hardware.
    pub sim: bool,
    /// The citizen called staff (this session only).
    pub staff_called: bool,
}

/// What the session's page is made from: the actor's state.
pub struct View<'a> {
    pub chrome: &'a Chrome,
    pub config: &'a Config,
    pub live: &'a Live,
    /// The device status line.
    pub device_message: &'a str,
    pub board: &'a Board,
    /// False when the kiosk has no receipt printer.
    pub has_printer: bool,
}

/// Where a business sits on the home menu: its group, and its place and picture there.
const MENU: [(BusinessCode, MenuGroup, Icon); 15] = [
    (BusinessCode::Apply, MenuGroup::GetCard, Icon::NewCard),
    (BusinessCode::Replace, MenuGroup::GetCard, Icon::Replace),
    (BusinessCode::Exchange, MenuGroup::GetCard, Icon::Exchange),
    (BusinessCode::Reissue, MenuGroup::GetCard, Icon::Reissue),
    (BusinessCode::Enable, MenuGroup::CardServices, Icon::Enable),
    (BusinessCode::Ecard, MenuGroup::CardServices, Icon::Ecard),
    (
        BusinessCode::ChangeInfo,
        MenuGroup::CardServices,
        Icon::Contact,
    ),
    (BusinessCode::Photo, MenuGroup::CardServices, Icon::Photo),
    (
        BusinessCode::ReportLoss,
        MenuGroup::LossAndCancel,
        Icon::ReportLoss,
    ),
    (
        BusinessCode::CancelLoss,
        MenuGroup::LossAndCancel,
        Icon::CancelLoss,
    ),
    (
        BusinessCode::Cancel,
        MenuGroup::LossAndCancel,
        Icon::CancelCard,
    ),
    (BusinessCode::PinChange, MenuGroup::Pin, Icon::PinChange),
    (BusinessCode::PinReset, MenuGroup::Pin, Icon::PinReset),
    (BusinessCode::PinUnblock, MenuGroup::Pin, Icon::PinUnblock),
    (BusinessCode::Status, MenuGroup::Query, Icon::Status),
];

/// The enabled businesses in their groups, in the menu's order; empty groups left out.
fn menu_sections(l: Language, config: &Config, registry_down: bool) -> Vec<MenuSection> {
    let mut sections: Vec<MenuSection> = Vec::new();
    for (business, group, icon) in MENU {
        if !config.business.enabled.contains(&business) {
            continue;
        }
        let item = menu_item(l, business, icon, registry_down);
        match sections.iter_mut().find(|s| s.group == group) {
            Some(section) => section.items.push(item),
            None => sections.push(MenuSection {
                group,
                items: vec![item],
            }),
        }
    }
    sections
}

fn kiosk_title(l: Language) -> String {
    ui(
        l,
        "社会保障卡自助服务",
        "Social security card self-service",
        "ئىجتىمائىي كاپالەت كارتىسى ئۆزى مۇلازىمەت",
    )
}

/// A business's button on the home menu.
pub(crate) fn menu_item(
    l: Language,
    business: BusinessCode,
    icon: Icon,
    registry_down: bool,
) -> MenuItem {
    let r = rules::rule(business);
    MenuItem {
        code: code(business),
        name: t(&r.name, l),
        icon,
        agent_allowed: intake::agent_allowed(r),
        paused: registry_down && !rules::runs_without_registry(business),
    }
}

/// The enabled businesses that begin with what was presented, in the menu's order: with the
/// card in the reader, those that read it; with an ID card, those done without the card.
/// None when none is enabled.
fn likely(
    l: Language,
    config: &Config,
    presented: Presented,
    registry_down: bool,
) -> Option<Likely> {
    let items: Vec<MenuItem> = MENU
        .iter()
        .filter(|(business, _, _)| config.business.enabled.contains(business))
        .filter(|(business, _, _)| {
            let presence = rules::rule(*business).presence;
            match presented {
                Presented::Card => presence == CardPresence::Required,
                Presented::IdCard => presence == CardPresence::No,
            }
        })
        .map(|&(business, _, icon)| menu_item(l, business, icon, registry_down))
        .collect();
    (!items.is_empty()).then_some(Likely { presented, items })
}

/// The home menu; first, when a card or an ID card was presented before a business was
/// chosen, the businesses that begin with it. While the agency's registry cannot be reached
/// (`registry_down`), the businesses that need it are shown paused.
pub fn home(
    chrome: &Chrome,
    config: &Config,
    presented: Option<Presented>,
    registry_down: bool,
) -> Page {
    page(
        chrome,
        kiosk_title(chrome.lang),
        Screen::Home {
            likely: presented.and_then(|p| likely(chrome.lang, config, p, registry_down)),
            sections: menu_sections(chrome.lang, config, registry_down),
        },
    )
}

/// The attract screen: what the kiosk does and how to begin (it stays until touched).
pub fn attract(chrome: &Chrome, config: &Config) -> Page {
    let mut p = page(
        chrome,
        kiosk_title(chrome.lang),
        Screen::Attract {
            offers: menu_sections(chrome.lang, config, false)
                .into_iter()
                .map(|s| s.group)
                .collect(),
        },
    );
    p.attract_after_s = None;
    p
}

/// The address picker's divisions (GB/T 2260, Xinjiang, 昌吉回族自治州 first).
fn divisions() -> Vec<DivisionChoice> {
    kiosk_core::division::all()
        .iter()
        .map(|d| DivisionChoice {
            code: d.code.to_owned(),
            name: d.name.to_owned(),
            parent: d.parent.to_owned(),
        })
        .collect()
}

/// The business code as posted by the screens.
pub fn code(c: BusinessCode) -> String {
    serde_json::to_value(c)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

pub fn parse_code(s: &str) -> Option<BusinessCode> {
    serde_json::from_value(serde_json::Value::String(s.to_string())).ok()
}

/// The public service guide.
pub fn guide(chrome: &Chrome, config: &Config) -> Page {
    let l = chrome.lang;
    let entries = rules::guide::guide(&config.business, l)
        .into_iter()
        .map(|e| GuideEntry {
            code: code(e.code),
            name: e.name,
            content: e.content,
            basis: e.basis,
            procedure: e.procedure,
            time_limit: e.time_limit,
            production: e.production,
            materials: e.materials.into_iter().map(|m| m.text).collect(),
            fee: e.fee,
            agent: e.agent,
            complaint: e.complaint,
        })
        .collect();
    page(
        chrome,
        ui(l, "服务指南", "Service guide", "مۇلازىمەت قوللانمىسى"),
        Screen::Guide { entries },
    )
}

/// The suggestion box: the form (with what was wrong with the last text), or the thanks.
pub fn suggest(chrome: &Chrome, sent: bool, problem: Option<String>) -> Page {
    let l = chrome.lang;
    page(
        chrome,
        ui(l, "意见建议", "Suggestions", "پىكىر-تەكلىپ"),
        Screen::Suggest {
            sent,
            problem,
            max_chars: super::suggest::text::MAX_CHARS as u32,
        },
    )
}

/// Seconds untouched before a page outside a session gives way to the attract screen.
pub const ATTRACT_AFTER_S: u32 = 90;

fn page(chrome: &Chrome, title: String, screen: Screen) -> Page {
    Page {
        lang: lang(chrome.lang),
        elderly: chrome.elderly,
        title,
        idle_timeout_s: chrome.idle_timeout_s,
        in_session: chrome.in_session,
        sim: chrome.sim,
        attract_after_s: (!chrome.in_session).then_some(ATTRACT_AFTER_S),
        staff_called: chrome.staff_called,
        screen,
    }
}

/// A request the screens never send (a form that could not be read, a page that does not
/// exist): what happened and the way back, never the decoder's or router's own words.
pub fn unreadable(chrome: &Chrome, missing_page: bool) -> Page {
    let l = chrome.lang;
    let message = if missing_page {
        ui(
            l,
            "没有这个页面",
            "There is no such page.",
            "بۇنداق بەت يوق",
        )
    } else {
        ui(
            l,
            "无法识别这次操作,什么也没有改变",
            "That request could not be read; nothing was changed.",
            "بۇ مەشغۇلاتنى تونۇغىلى بولمىدى، ھېچنىمە ئۆزگەرمىدى",
        )
    };
    let what_to_do = ui(
        l,
        "请返回首页重新开始",
        "Go back to the start and try again.",
        "باش بەتكە قايتىپ قايتا باشلاڭ",
    );
    error(chrome, message, what_to_do)
}

/// The error screen when the kiosk's own state cannot be reached (the session actor is gone): in
/// Chinese and English together, since the screen's language is part of that state, with no
/// session and no countdown.
pub fn unavailable() -> Page {
    Page {
        lang: ui_web::Lang::ZhCn,
        elderly: false,
        title: "暂时无法服务 / Service not available".into(),
        idle_timeout_s: None,
        in_session: false,
        sim: false,
        attract_after_s: None,
        staff_called: false,
        screen: Screen::Error {
            message: "服务暂时不可用 / The service is not available right now.".into(),
            what_to_do: "请联系工作人员 / Please call a member of staff.".into(),
        },
    }
}

/// An error screen (a device or the service is down, a business that could not start).
pub fn error(chrome: &Chrome, message: String, what_to_do: String) -> Page {
    let l = chrome.lang;
    page(
        chrome,
        ui(
            l,
            "暂时无法服务",
            "Service not available",
            "ۋاقىتلىق مۇلازىمەت قىلالمايدۇ",
        ),
        Screen::Error {
            message,
            what_to_do,
        },
    )
}

/// The screen of the current session (`None` when it has closed: show home).
pub fn session(view: &View<'_>) -> Option<Page> {
    let live = view.live;
    let l = view.chrome.lang;
    let s = &live.session;
    let rule = rules::rule(s.business);
    let business = t(&rule.name, l);
    let screen = match &s.phase {
        // A fee being paid, or to pay at the counter (issue 17): before the card is touched.
        Phase::Confirming if live.paying.is_some() || live.counter_slip.is_some() => {
            crate::citizen::fees::screen(live, business.clone(), &view.config.business, l)
        }
        Phase::Gathering {
            material: Material::SsCard,
        } if view.board.state(Device::CardReader) == Some(State::Down) => {
            return Some(reader_down(view, &business));
        }
        Phase::Gathering { material } => Screen::Ask {
            business: business.clone(),
            ask: match material {
                Material::IdCard => Ask::IdCard {
                    agent: false,
                    ecard_allowed: rule.ecard_identifies(),
                },
                Material::AgentIdCard => Ask::IdCard {
                    agent: true,
                    ecard_allowed: false,
                },
                Material::SsCard => Ask::Card,
                Material::Photo => Ask::Photo {
                    advice: live.photo_advice.clone(),
                    taken: live.photo_pending.as_ref().map(|p| {
                        format!("/camera/photo.jpg?v={}", p.sha256.get(..12).unwrap_or_default())
                    }),
                },
                Material::ContactDetails => Ask::Contact {
                    divisions: divisions(),
                },
                Material::Reason => Ask::Reason {
                    options: reasons(s.business, l),
                },
                Material::BankMaterials => Ask::BankReceipt,
            },
            // "我没有" means nothing for a choice (the reason): not offered there (issue 22).
            can_lack: *material != Material::Reason,
            problem: live
                .problem
                .clone()
                .or_else(|| {
                    (live.stale_card && *material == Material::SsCard)
                        .then(|| stale_card_problem(l))
                })
                .or_else(|| live.screen_message.as_ref().map(|(_, m)| split_message(m, l)))
                .or_else(|| waiting_device_down(view.board, *material).map(|m| split_message(&m, l)))
                .or_else(|| {
                    (!view.device_message.is_empty())
                        .then(|| split_message(view.device_message, l))
                }),
        },
        Phase::Returned { notice } => Screen::Notice {
            business: business.clone(),
            intro: {
                let intro = ui(
                    l,
                    "您办理本业务还需提供以下材料(一次性告知):",
                    "To do this business you still need (all at once):",
                    "بۇ ئىشنى بېجىرىش ئۈچۈن تۆۋەندىكى ماتېرىياللار كېرەك:",
                );
                match &live.print_note {
                    Some(note) => format!("{intro} ({note})"),
                    None => intro,
                }
            },
            items: notice
                .missing
                .iter()
                .map(|m| t(&m.bring, l))
                .collect(),
            complaint: t(&rules::COMPLAINT_CHANNEL, l),
            rating_reasons: rating_reasons(l),
        },
        Phase::Refused { refusal } => Screen::Refused {
            business: business.clone(),
            message: refusal.text(l),
            rating_reasons: rating_reasons(l),
        },
        Phase::Confirming => Screen::Confirm {
            business: business.clone(),
            fields: fields(view, Typed::InFull),
            notes: {
                // Why the last payment did not go through (fees), first.
                let mut n = notes(view, s.business);
                if let Some(p) = &live.problem {
                    n.insert(0, p.clone());
                }
                n
            },
            consequences: rules::consequence::lines(s.business, &view.config.business, l),
            irreversible: rules::consequence::irreversible(s.business),
            acknowledged: live.acknowledged,
        },
        Phase::EnteringPins { old, new } => Screen::Pins {
            business: business.clone(),
            old: *old,
            // After a wrong old PIN the new one typed is kept: only the old one is asked.
            new: *new && live.kept_new_pin.is_none(),
            digits: live.digits.clone(),
            problem: live.problem.clone().or_else(|| {
                s.pin_tries_left.map(|tries_left| {
                    kiosk_core::engine::session::Failure::WrongPin { tries_left }.text(l)
                })
            }),
            tries_left: s.pin_tries_left,
            helps: pin_helps(view, s.pin_tries_left.is_some()),
        },
        Phase::Executing | Phase::Interrupted => Screen::Interrupted {
            business: business.clone(),
            message: ui(
                l,
                "办理中卡片被取出。请把卡片插回读卡器，系统将核对并完成。",
                "The card was taken out during the business. Put it back: the kiosk will check and finish.",
                "بېجىرىش جەريانىدا كارتا چىقىرىۋېلىندى. كارتىنى قايتا سېلىڭ.",
            ),
        },
        Phase::Done { receipt, ecard_qr } => Screen::Done {
            business: business.clone(),
            fields: {
                let mut f = fields(view, Typed::Masked);
                let note = live
                    .print_note
                    .clone()
                    .or_else(|| (!view.has_printer).then(|| no_printer(l)));
                if let Some(value) = note {
                    f.push(Field {
                        label: ui(l, "凭条", "Receipt", "تالون"),
                        value,
                    });
                }
                f
            },
            result: crate::result_panel::fields(s, l),
            receipt: receipt.clone(),
            ecard_qr: ecard_qr.clone(),
            rating_reasons: rating_reasons(l),
        },
        Phase::Failed { failure } => Screen::Failed {
            business: business.clone(),
            message: failure.text(l),
            helps: failure_helps(view, failure),
            rating_reasons: rating_reasons(l),
        },
        Phase::Identity { step } => Screen::Face {
            business: business.clone(),
            face: face_view(view, step),
            problem: live.problem.clone(),
        },
        Phase::Closed => return None,
    };
    Some(page(view.chrome, business, screen))
}

/// The message of the device a gathering step waits on, when it is down.
fn waiting_device_down(board: &Board, material: Material) -> Option<String> {
    let device = match material {
        Material::IdCard | Material::AgentIdCard => Device::IdModule,
        _ => return None,
    };
    board.down_message(device)
}

/// The screen while the card reader is gone and the session needs the card: what happened
/// and what to do (cancel stays available).
fn reader_down(view: &View<'_>, business: &str) -> Page {
    let l = view.chrome.lang;
    let message = view
        .board
        .down_message(Device::CardReader)
        .map(|m| split_message(&m, l))
        .unwrap_or_default();
    let mut p = error(
        view.chrome,
        message,
        ui(
            l,
            "请联系工作人员。读卡器恢复后本页面会自动继续;您也可以取消本次办理。",
            "Please call staff. This screen goes on by itself once the reader is back; you can also cancel.",
            "خىزمەتچىلەرنى چاقىرىڭ. ئوقۇغۇچ ئەسلىگە كەلگەندىن كېيىن داۋاملىشىدۇ.",
        ),
    );
    p.title = business.to_string();
    p
}

fn reasons(b: BusinessCode, l: Language) -> Vec<(String, String)> {
    Reason::ALL
        .into_iter()
        .filter(|r| {
            if b == BusinessCode::Cancel {
                r.for_cancel()
            } else {
                r.for_exchange()
            }
        })
        .map(|r| (r.code().to_string(), r.label(l).to_string()))
        .collect()
}

pub(crate) fn rating_reasons(l: Language) -> Vec<(String, String)> {
    [
        (
            "slow",
            "办理时间长",
            "it took too long",
            "ۋاقىت ئۇزۇن كەتتى",
        ),
        (
            "unclear",
            "指引不清楚",
            "the instructions were unclear",
            "كۆرسەتمە ئېنىق ئەمەس",
        ),
        (
            "device",
            "设备故障",
            "a device did not work",
            "ئۈسكۈنە كاشىلىسى",
        ),
        (
            "materials",
            "材料要求多",
            "too many materials were asked for",
            "ماتېرىيال تەلىپى كۆپ",
        ),
    ]
    .iter()
    .map(|(code, zh, en, ug)| (code.to_string(), ui(l, zh, en, ug)))
    .collect()
}

/// The masked facts of the session for confirmation and result screens.
/// How the phone number the citizen has just typed is shown.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Typed {
    /// In full, on the confirm screen, to the person who typed it, so a typo can be caught
    /// (issue 17, item 9).
    InFull,
    /// Masked, as everywhere else (receipts, logs, the result screen).
    Masked,
}

fn fields(view: &View<'_>, typed: Typed) -> Vec<Field> {
    let l = view.chrome.lang;
    let live = view.live;
    let g = &live.session.gathered;
    let mut out = Vec::new();
    if let Some(p) = &g.principal {
        out.push(Field {
            label: ui(l, "姓名", "Name", "ئىسمى"),
            value: kiosk_core::mask::name(&p.name),
        });
    }
    if let Some(id) = live.session.principal_id() {
        out.push(Field {
            label: ui(l, "证件号码", "ID number", "كىملىك نومۇرى"),
            value: kiosk_core::mask::id_number(id),
        });
    }
    if let Some(a) = &g.agent {
        out.push(Field {
            label: ui(l, "代办人", "Agent", "ۋاكالەتچى"),
            value: format!(
                "{} {}",
                kiosk_core::mask::name(&a.name),
                kiosk_core::mask::id_number(&a.id_number)
            ),
        });
    }
    let card = g.card.as_ref().map(|c| c.card_number.clone()).or_else(|| {
        g.holder
            .as_ref()
            .and_then(|h| h.current_card().map(|c| c.card_number.clone()))
    });
    if let Some(c) = card {
        out.push(Field {
            label: ui(l, "社会保障卡号", "Card number", "كارتا نومۇرى"),
            value: kiosk_core::mask::card_number(&c),
        });
    }
    if let Some(c) = &g.contact {
        if let Some(p) = &c.phone {
            out.push(Field {
                label: ui(l, "新手机号码", "New phone", "يېڭى تېلېفون"),
                value: match typed {
                    Typed::InFull => p.clone(),
                    Typed::Masked => kiosk_core::mask::phone(p),
                },
            });
        }
        if let Some(a) = &c.address {
            out.push(Field {
                label: ui(l, "新地址", "New address", "يېڭى ئادرېس"),
                value: a.clone(),
            });
        }
    }
    if let Some(r) = g.reason {
        out.push(Field {
            label: ui(l, "原因", "Reason", "سەۋەب"),
            value: r.label(l).to_string(),
        });
    }
    out
}

fn notes(view: &View<'_>, b: BusinessCode) -> Vec<String> {
    let l = view.chrome.lang;
    let rule = rules::rule(b);
    let mut notes = vec![format!(
        "{}: {}",
        ui(l, "办理时限", "Time limit", "بېجىرىش مۇددىتى"),
        rules::guide::time_limit_text(rule.time_limit, &view.config.business, l)
    )];
    if rule.production {
        notes.push(format!(
            "{}: {}",
            ui(l, "制卡时间", "Card production", "كارتا ياساش ۋاقتى"),
            rules::guide::production_text(&view.config.business, l)
        ));
    }
    notes.push(format!(
        "{}: {}",
        ui(l, "收费", "Fee", "ھەق"),
        rules::guide::fee_text(rule.fee, &view.config.business, l)
    ));
    notes
}

/// issue 19: the identity step's screen from its step and the running attempt.
fn face_view(view: &View<'_>, step: &kiosk_core::engine::identity::FaceStep) -> ui_web::FaceView {
    use crate::face::Instruction;
    use face_match::liveness::Action;
    use kiosk_core::engine::identity::{FaceFailure, FaceStep};
    use ui_web::{FaceInstruction, FaceView, FaceWhy};
    match step {
        FaceStep::Consent => FaceView::Consent,
        FaceStep::Matching { attempt } => FaceView::Matching {
            instruction: match view.live.face.as_ref().map(|r| r.instruction()) {
                Some(Instruction::Do(Action::Blink)) => FaceInstruction::Blink,
                Some(Instruction::Do(Action::TurnLeft)) => FaceInstruction::TurnLeft,
                Some(Instruction::Do(Action::TurnRight)) => FaceInstruction::TurnRight,
                Some(Instruction::Comparing) => FaceInstruction::Comparing,
                Some(Instruction::LookAtCamera) | None => FaceInstruction::LookAtCamera,
            },
            attempt: *attempt,
        },
        FaceStep::Failed { why, may_retry, .. } => FaceView::Failed {
            why: match why {
                FaceFailure::NotLive => FaceWhy::NotLive,
                FaceFailure::NoFace => FaceWhy::NoFace,
                FaceFailure::NotSamePerson => FaceWhy::NotSamePerson,
            },
            may_retry: *may_retry,
            staff: view.config.face.staff_approval,
        },
        FaceStep::AwaitingStaff { .. } => FaceView::AwaitingStaff {
            case_id: view.live.session.case_id.clone(),
        },
    }
}

// issue 22: the businesses that help after a wrong or blocked PIN; a card left in the reader.

/// The enabled businesses among `wanted`, as buttons.
fn offered(config: &Config, l: Language, wanted: &[(BusinessCode, Icon)]) -> Vec<MenuItem> {
    wanted
        .iter()
        .filter(|(b, _)| config.business.enabled.contains(b))
        .map(|(b, icon)| menu_item(l, *b, *icon, false))
        .collect()
}

/// On the PIN screen after a wrong old PIN: 密码重置 for a PIN forgotten.
pub fn pin_helps(view: &View<'_>, after_wrong_pin: bool) -> Vec<MenuItem> {
    if !after_wrong_pin || view.live.session.business == BusinessCode::PinReset {
        return Vec::new();
    }
    offered(
        view.config,
        view.chrome.lang,
        &[(BusinessCode::PinReset, Icon::PinReset)],
    )
}

/// After the last try: the PIN is blocked; 密码解锁 (and 密码重置 for a PIN forgotten).
pub fn failure_helps(
    view: &View<'_>,
    failure: &kiosk_core::engine::session::Failure,
) -> Vec<MenuItem> {
    match failure {
        kiosk_core::engine::session::Failure::PinBlocked
        | kiosk_core::engine::session::Failure::WrongPin { .. } => offered(
            view.config,
            view.chrome.lang,
            &[
                (BusinessCode::PinUnblock, Icon::PinUnblock),
                (BusinessCode::PinReset, Icon::PinReset),
            ],
        )
        .into_iter()
        .filter(|i| i.code != code(view.live.session.business))
        .collect(),
        _ => Vec::new(),
    }
}

/// What the card step says while a card left in the reader from before is there: it is not
/// read for this citizen.
pub fn stale_card_problem(l: Language) -> String {
    match l {
        Language::ZhCn => "读卡器中已有一张卡,为保护个人信息不会读取它。请取出后再插入您本人的社会保障卡",
        Language::Ug => "كارتا ئوقۇغۇچتا بىر كارتا بار، شەخسىي ئۇچۇرنى قوغداش ئۈچۈن ئۇ ئوقۇلمايدۇ. ئۇنى چىقىرىپ، ئۆزىڭىزنىڭ ئىجتىمائىي كاپالەت كارتىسىنى قايتا سېلىڭ",
        Language::En => "A card is already in the reader; to protect personal data it is not read. Take it out, then insert your own social security card",
    }
    .to_string()
}

#[cfg(test)]
mod tests;
