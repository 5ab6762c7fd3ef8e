//! The public service guide (8.1.2): per business its content, basis, procedure, time limit,
//! materials, fee and the complaint channel. Generated from the same rule table as the
//! completeness check ([`super::intake`]), with the kiosk's business settings filled in, so the
//! guide and the check cannot disagree.

use firmware_config::{Business, Language};
use serde::Serialize;

use super::intake::{material_text, LABEL_COMPLAINT};
use super::row::{BusinessRule, Fee, Material, Needed, TimeLimit};
use super::table::{all, COMPLAINT_CHANNEL};
use crate::domain::BusinessCode;
use crate::text::Tri;

/// One business in the service guide, in one language (`GET /api/guide`; named apart from the
/// screen's `ui_web::GuideEntry` in the OpenAPI document).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = ServiceGuideEntry)]
pub struct GuideEntry {
    #[schema(schema_with = business_code_schema)]
    pub code: BusinessCode,
    pub name: String,
    /// 服务内容.
    pub content: String,
    /// 办理依据.
    pub basis: String,
    /// 办理程序, in order.
    pub procedure: Vec<String>,
    /// 办理时限: "即时办结" for every business at the kiosk (6.3.2).
    pub time_limit: String,
    /// The expected production of a card not issued on the spot (the agency's figure, e.g.
    /// "新卡预计30个工作日内制成"), for the businesses that send a card to production; not a
    /// time limit of the case.
    pub production: Option<String>,
    /// 申报材料, each with its condition.
    pub materials: Vec<GuideMaterial>,
    /// 收费标准, e.g. "免费" or "20元".
    pub fee: String,
    /// Whether and how an agent may act (委托, 6.1.3.2 d)).
    pub agent: String,
    /// 投诉渠道.
    pub complaint: String,
}

/// One material of a guide entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = ServiceGuideMaterial)]
pub struct GuideMaterial {
    pub material: Material,
    pub needed: Needed,
    pub clause: &'static str,
    /// The material with its condition, e.g. "系统内无照片的,提供符合制卡要求的电子照片".
    pub text: String,
}

/// The JSON schema of a [`BusinessCode`]: a string, one of the codes as serde writes them
/// (`firmware-config` owns the type, so the schema is built here from `BusinessCode::ALL`).
pub fn business_code_schema() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(BusinessCode::ALL.iter().map(|c| {
            serde_json::to_value(c).expect("a business code serialises as a string")
        })))
        .description(Some("A business code (BUSINESS-RULES.md section 1)"))
        .build()
}

/// The guide: one entry per business enabled in `settings`, in table order.
pub fn guide(settings: &Business, lang: Language) -> Vec<GuideEntry> {
    all()
        .iter()
        .filter(|r| settings.enabled.contains(&r.code))
        .map(|r| entry(r, settings, lang))
        .collect()
}

/// The guide entry of one business.
pub fn entry(rule: &BusinessRule, settings: &Business, lang: Language) -> GuideEntry {
    GuideEntry {
        code: rule.code,
        name: rule.name.pick(lang).to_string(),
        content: content_text(rule, settings, lang),
        basis: rule.basis.to_string(),
        procedure: rule
            .procedure
            .iter()
            .map(|s| s.pick(lang).to_string())
            .collect(),
        time_limit: time_limit_text(rule.time_limit, settings, lang),
        production: rule.production.then(|| production_text(settings, lang)),
        materials: rule
            .requirements
            .iter()
            .map(|r| GuideMaterial {
                material: r.material,
                needed: r.needed,
                clause: r.clause,
                text: material_line(rule, r.material, r.needed, lang),
            })
            .collect(),
        fee: fee_text(rule.fee, settings, lang),
        agent: super::agents::agent_rule(rule.code)
            .into_pick(lang)
            .to_string(),
        complaint: COMPLAINT_CHANNEL.pick(lang).to_string(),
    }
}

/// The time limit as text: 即时办结 (6.3.2) for every business at the kiosk.
pub fn time_limit_text(limit: TimeLimit, _settings: &Business, lang: Language) -> String {
    match limit {
        TimeLimit::Immediate => IMMEDIATE.pick(lang).to_string(),
    }
}

/// The expected production time of a card not issued on the spot, as text (the agency's
/// figure, setting `application_deadline_days`).
pub fn production_text(settings: &Business, lang: Language) -> String {
    let days = settings.application_deadline_days;
    Tri::new(
        format!("未当场发卡的,新卡预计{days}个工作日内制成(制卡进度可凭身份证查询)"),
        format!("A card not issued on the spot is expected within {days} working days (progress can be queried with the ID card)"),
        format!("شۇ ھامان بېرىلمىگەن كارتا {days} خىزمەت كۈنى ئىچىدە ياسىلىدۇ (باسقۇچىنى كىملىك بىلەن سۈرۈشتۈرگىلى بولىدۇ)"),
    )
    .into_pick(lang)
}

/// The fee as text: 免费, or the configured replacement fee in yuan (0 and below are free;
/// configuration validation refuses negative fees).
pub fn fee_text(fee: Fee, settings: &Business, lang: Language) -> String {
    let fen = match fee {
        Fee::Free => 0,
        Fee::ReplacementFee => settings.replacement_fee_fen,
    };
    if fen <= 0 {
        return FREE.pick(lang).to_string();
    }
    let yuan = if fen % 100 == 0 {
        (fen / 100).to_string()
    } else {
        format!("{}.{:02}", fen / 100, fen % 100)
    };
    Tri::new(
        format!("{yuan}元"),
        format!("CNY {yuan}"),
        format!("{yuan} يۈەن"),
    )
    .into_pick(lang)
}

/// The guide as readable text lines (the `kiosk guide` output and the printed guide).
pub fn render(entries: &[GuideEntry], lang: Language) -> Vec<String> {
    let label = |t: &Tri| *t.pick(lang);
    let mut lines = vec![label(&TITLE).to_string()];
    for (i, e) in entries.iter().enumerate() {
        lines.push(String::new());
        lines.push(format!("{}. {} [{}]", i + 1, e.name, code_str(e.code)));
        lines.push(format!("   {}{}", label(&LABEL_CONTENT), e.content));
        lines.push(format!("   {}{}", label(&LABEL_BASIS), e.basis));
        lines.push(format!("   {}", label(&LABEL_PROCEDURE)));
        for (n, step) in e.procedure.iter().enumerate() {
            lines.push(format!("     {}) {step}", n + 1));
        }
        lines.push(format!("   {}{}", label(&LABEL_TIME_LIMIT), e.time_limit));
        if let Some(p) = &e.production {
            lines.push(format!("   {}{p}", label(&LABEL_PRODUCTION)));
        }
        lines.push(format!("   {}", label(&LABEL_MATERIALS)));
        for m in &e.materials {
            lines.push(format!("     - {} ({})", m.text, m.clause));
        }
        lines.push(format!("   {}{}", label(&LABEL_FEE), e.fee));
        lines.push(format!("   {}{}", label(&LABEL_AGENT), e.agent));
    }
    lines.push(String::new());
    lines.push(label(&ONE_TIME_NOTICE).to_string());
    lines.push(format!(
        "{}{}",
        label(&LABEL_COMPLAINT),
        label(&COMPLAINT_CHANNEL)
    ));
    lines
}

/// The business code as the configuration and the API spell it ("apply", "pin_change" …).
pub fn code_str(code: BusinessCode) -> &'static str {
    match code {
        BusinessCode::Apply => "apply",
        BusinessCode::Enable => "enable",
        BusinessCode::Ecard => "ecard",
        BusinessCode::Status => "status",
        BusinessCode::ChangeInfo => "change_info",
        BusinessCode::ReportLoss => "report_loss",
        BusinessCode::CancelLoss => "cancel_loss",
        BusinessCode::Replace => "replace",
        BusinessCode::Exchange => "exchange",
        BusinessCode::Reissue => "reissue",
        BusinessCode::Cancel => "cancel",
        BusinessCode::PinChange => "pin_change",
        BusinessCode::PinReset => "pin_reset",
        BusinessCode::PinUnblock => "pin_unblock",
        BusinessCode::Photo => "photo",
    }
}

fn content_text(rule: &BusinessRule, settings: &Business, lang: Language) -> String {
    let content = rule.content.pick(lang);
    if rule.code != BusinessCode::ReportLoss {
        return content.to_string();
    }
    let days = settings.temporary_loss_days;
    Tri::new(
        format!("{content}临时挂失期限为{days}天。"),
        format!("{content} A temporary loss report lasts {days} days."),
        format!("{content} ۋاقىتلىق يوقاتقانلىق مۇددىتى {days} كۈن."),
    )
    .into_pick(lang)
}

fn material_line(
    rule: &BusinessRule,
    material: Material,
    needed: Needed,
    lang: Language,
) -> String {
    let noun = *material_text(material, rule.code).pick(lang);
    let mut line = match (needed, lang) {
        (Needed::Always, Language::En) => capitalize(noun),
        (Needed::Always, _) => noun.to_string(),
        (_, _) => format!("{}{noun}", condition(needed).pick(lang)),
    };
    if material == Material::IdCard && rule.ecard_identifies() {
        line.push_str(ECARD_INSTEAD.pick(lang));
    }
    line
}

fn condition(needed: Needed) -> &'static Tri {
    match needed {
        Needed::Always => &ALWAYS,
        Needed::WithoutPhotoOnFile => &IF_NO_PHOTO,
        Needed::ForAgent => &IF_AGENT,
        Needed::IfCardReadable => &IF_CARD_READABLE,
    }
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

const TITLE: Tri = Tri::new(
    "社会保障卡业务服务指南(DB 6523/T 372-2023 8.1.2)",
    "Social security card service guide (DB 6523/T 372-2023 8.1.2)",
    "ئىجتىمائىي كاپالەت كارتىسى مۇلازىمەت قوللانمىسى (DB 6523/T 372-2023 8.1.2)",
);
const LABEL_CONTENT: Tri = Tri::new("服务内容:", "Content: ", "مەزمۇنى: ");
const LABEL_BASIS: Tri = Tri::new("办理依据:", "Basis: ", "ئاساسى: ");
const LABEL_PROCEDURE: Tri = Tri::new("办理程序:", "Procedure:", "بېجىرىش تەرتىپى:");
const LABEL_TIME_LIMIT: Tri = Tri::new("办理时限:", "Time limit: ", "ۋاقىت چېكى: ");
const LABEL_PRODUCTION: Tri = Tri::new("制卡时间:", "Card production: ", "كارتا ياساش: ");
const LABEL_MATERIALS: Tri = Tri::new("申报材料:", "Materials:", "ماتېرىياللار:");
const LABEL_FEE: Tri = Tri::new("收费标准:", "Fee: ", "ھەققى: ");
const LABEL_AGENT: Tri = Tri::new("委托办理:", "Agent: ", "ۋاكالەت: ");
const ONE_TIME_NOTICE: Tri = Tri::new(
    "材料不齐全的,本机一次性告知全部应补交的材料(6.2.2 b)),可打印。",
    "If materials are missing, the kiosk lists everything missing at once, on one printable notice (6.2.2 b)).",
    "ماتېرىيال كەم بولسا، ئۈسكۈنە كەم ماتېرىياللارنىڭ ھەممىسىنى بىر قېتىمدىلا ئۇقتۇرىدۇ، ئۇقتۇرۇشنى بېسىپ ئالغىلى بولىدۇ (6.2.2 b)).",
);
const IMMEDIATE: Tri = Tri::new("即时办结", "Completed on the spot", "شۇ ھامان بېجىرىلىدۇ");
const FREE: Tri = Tri::new("免费", "Free", "ھەقسىز");
const ALWAYS: Tri = Tri::new("", "", "");
const IF_NO_PHOTO: Tri = Tri::new(
    "系统内无照片的,提供",
    "If no photo is on file: ",
    "سىستېمىدا سۈرەت بولمىسا: ",
);
const IF_AGENT: Tri = Tri::new(
    "委托他人办理的,提供",
    "If an agent acts for the holder: ",
    "ۋاكالەتچى بېجىرسە: ",
);
const IF_CARD_READABLE: Tri = Tri::new(
    "原卡能读取的,以及委托他人办理的,提供",
    "If the card can still be read, and always when an agent acts: ",
    "كارتىنى ئوقۇغىلى بولسا، ۋاكالەتچى بېجىرگەندە ھەر ۋاقىت: ",
);
const ECARD_INSTEAD: Tri = Tri::new(
    "(也可出示电子社会保障卡二维码)",
    " (or show the electronic social security card's QR code)",
    " (ئېلېكترونلۇق ئىجتىمائىي كاپالەت كارتىسىنىڭ QR كودىنى كۆرسەتسىڭىزمۇ بولىدۇ)",
);
