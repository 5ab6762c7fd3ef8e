//! The rule table: the fifteen rows of BUSINESS-RULES.md section 1, in its order.
//!
//! Each row is a `const`; [`ALL`] lists them in table order and [`rule`] matches every
//! [`BusinessCode`], so a new code fails to compile here instead of panicking at run time.
//!
//! Choices the documents leave open (BUSINESS-RULES.md sections 1 and 3 as corrected on
//! 2026-12-06):
//!
//! - **The ID document (6.1.3.2 a)).** Every on-site business asks for the holder's ID card
//!   original, 状态查询 and PIN 修改 included. An e-card QR therefore identifies nobody where a
//!   row lists the ID card ([`BusinessRule::ecard_identifies`]), which today is every row.
//! - **Agents (委托, 6.1.3.2 d)).** The agent brings the principal's ID card **and** card and
//!   their own ID card. Where the principal has no card (申领: not made yet; 挂失, 补领: lost;
//!   照片: perhaps none yet) the card cannot be asked for; 换领 and 注销 ask an agent for the
//!   card even when the holder in person may come without it, since the kiosk checks only a
//!   card it reads. PIN change and reset are never delegated (section 3); this table also
//!   refuses agents for `enable` (it sets the holder's own PIN) and `pin_unblock` (it gives the
//!   wrong-PIN tries back to whoever holds the card). Every rule's reason is in
//!   [`super::agents`], which the guide prints.
//! - **Time limits (6.3).** Every business at the kiosk is 即时办结 (6.3.2); the case ends in the
//!   session. 6.3.1's 30–40 working days are the online application's. A card sent to
//!   production ([`BusinessRule::production`]) gets an expected date of its own.
//! - **Order of requirements.** The holder's documents (6.1.3.2 a), c), b)), then the agent's
//!   (d)), then the bank's (e)) and the business's own data: the notice lists them in this order.
//! - **Clauses.** 6.1.3.2 c) names the card for enable and status; the table cites it for every
//!   business that reads or writes the card, since the card must be there to act on it. The new
//!   contact details and the reasons are the business's own data, not in the 6.1.3.2 list: they
//!   cite 6.1.3 (申报材料) as a whole.

use super::row::{
    AgentPolicy, BusinessRule, CardPresence, Fee, Material, Needed, Precondition, Requirement,
    TimeLimit,
};
use crate::domain::{BusinessCode, CardState};
use crate::text::Tri;

/// Every rule, in the order of BUSINESS-RULES.md section 1.
pub fn all() -> &'static [BusinessRule] {
    ALL
}

static ALL: &[BusinessRule] = &[
    APPLY,
    ENABLE,
    ECARD,
    STATUS,
    CHANGE_INFO,
    REPORT_LOSS,
    CANCEL_LOSS,
    REPLACE,
    EXCHANGE,
    REISSUE,
    CANCEL,
    PIN_CHANGE,
    PIN_RESET,
    PIN_UNBLOCK,
    PHOTO,
];

/// The rule of a business.
pub fn rule(code: BusinessCode) -> &'static BusinessRule {
    match code {
        BusinessCode::Apply => &APPLY,
        BusinessCode::Enable => &ENABLE,
        BusinessCode::Ecard => &ECARD,
        BusinessCode::Status => &STATUS,
        BusinessCode::ChangeInfo => &CHANGE_INFO,
        BusinessCode::ReportLoss => &REPORT_LOSS,
        BusinessCode::CancelLoss => &CANCEL_LOSS,
        BusinessCode::Replace => &REPLACE,
        BusinessCode::Exchange => &EXCHANGE,
        BusinessCode::Reissue => &REISSUE,
        BusinessCode::Cancel => &CANCEL,
        BusinessCode::PinChange => &PIN_CHANGE,
        BusinessCode::PinReset => &PIN_RESET,
        BusinessCode::PinUnblock => &PIN_UNBLOCK,
        BusinessCode::Photo => &PHOTO,
    }
}

/// Complaint channel shown in the guide and on refusal notices (8.1.2).
pub const COMPLAINT_CHANNEL: Tri = Tri {
    zh: "12333 人社服务热线;昌吉回族自治州社会保险管理局(昌吉市兴昌路475号,0994-2206673)",
    en: "12333 human resources and social security hotline; Changji Prefecture Social Insurance Administration (475 Xingchang Road, Changji; 0994-2206673)",
    ug: "12333 ئادەم كۈچى بايلىقى ۋە ئىجتىمائىي كاپالەت مۇلازىمەت لىنىيىسى؛ سانجى خۇيزۇ ئاپتونوم ئوبلاستلىق ئىجتىمائىي سۇغۇرتا باشقۇرۇش ئىدارىسى (0994-2206673)",
};

// ---------------------------------------------------------------------------------------------
// Requirements (6.1.3.2 a–e)

const fn req(material: Material, needed: Needed, clause: &'static str) -> Requirement {
    Requirement {
        material,
        needed,
        clause,
    }
}

/// a) 参保人有效身份证件原件.
const ID_CARD: Requirement = req(Material::IdCard, Needed::Always, "6.1.3.2 a)");
/// b) 符合制卡要求的电子照片, when none is on file.
const PHOTO_IF_NONE: Requirement = req(Material::Photo, Needed::WithoutPhotoOnFile, "6.1.3.2 b)");
/// b) the photo itself is the purpose of the business.
const PHOTO_ALWAYS: Requirement = req(Material::Photo, Needed::Always, "6.1.3.2 b)");
/// c) 社会保障卡.
const SS_CARD: Requirement = req(Material::SsCard, Needed::Always, "6.1.3.2 c)");
/// c) the old card, when the citizen has it and it answers; d) always from an agent.
const SS_CARD_IF_READABLE_OR_AGENT: Requirement =
    req(Material::SsCard, Needed::IfCardReadable, "6.1.3.2 c)");
/// d) 委托人的社会保障卡原件, where the business itself needs no card.
const SS_CARD_FOR_AGENT: Requirement = req(Material::SsCard, Needed::ForAgent, "6.1.3.2 d)");
/// d) 被委托人有效身份证件原件.
const AGENT_ID_CARD: Requirement = req(Material::AgentIdCard, Needed::ForAgent, "6.1.3.2 d)");
/// e) 合作银行要求的其他材料.
const BANK_MATERIALS: Requirement = req(Material::BankMaterials, Needed::Always, "6.1.3.2 e)");
/// The new phone number or address (信息变更).
const CONTACT_DETAILS: Requirement = req(Material::ContactDetails, Needed::Always, "6.1.3");
/// The reason (换领, 注销).
const REASON: Requirement = req(Material::Reason, Needed::Always, "6.1.3");

// ---------------------------------------------------------------------------------------------
// Procedure steps: 申报 → 受理 → 办理 → 办结 (clause 5, GB/T 32621)

const DECLARE_ID: Tri = Tri::new(
    "申报:选择本业务,按提示读取身份证",
    "Submit: choose this service and place your ID card on the reader when asked",
    "تاپشۇرۇش: بۇ مۇلازىمەتنى تاللاپ، كۆرسەتمە بويىچە كىملىكىڭىزنى ئوقۇتۇڭ",
);
const DECLARE_ID_AND_CARD: Tri = Tri::new(
    "申报:选择本业务,读取身份证并插入社会保障卡",
    "Submit: choose this service, place your ID card on the reader and insert your social security card",
    "تاپشۇرۇش: بۇ مۇلازىمەتنى تاللاپ، كىملىكىڭىزنى ئوقۇتۇڭ ۋە ئىجتىمائىي كاپالەت كارتىڭىزنى سېلىڭ",
);
const DECLARE_EXCHANGE: Tri = Tri::new(
    "申报:选择本业务,读取身份证;旧卡能读取的插入旧卡,并选择换领原因",
    "Submit: choose this service and place your ID card on the reader; insert the old card if it can still be read, and choose the reason",
    "تاپشۇرۇش: بۇ مۇلازىمەتنى تاللاپ، كىملىكىڭىزنى ئوقۇتۇڭ؛ كونا كارتىنى ئوقۇغىلى بولسا سېلىڭ ۋە ئالماشتۇرۇش سەۋەبىنى تاللاڭ",
);
const DECLARE_CANCEL: Tri = Tri::new(
    "申报:选择本业务,读取身份证;有卡的插入卡,选择注销原因并录入合作银行要求的材料",
    "Submit: choose this service and place the ID card on the reader; insert the card if there is one, choose the reason and enter the materials the bank requires",
    "تاپشۇرۇش: بۇ مۇلازىمەتنى تاللاپ، كىملىكنى ئوقۇتۇڭ؛ كارتا بولسا سېلىڭ، ئەمەلدىن قالدۇرۇش سەۋەبىنى تاللاپ، بانكا تەلەپ قىلغان ماتېرىياللارنى كىرگۈزۈڭ",
);
const CHECK: Tri = Tri::new(
    "受理:本机核对材料是否齐全;不齐全的,一次性告知全部应补交的材料",
    "Check: the kiosk checks that the materials are complete; if not, it lists everything missing at once",
    "تەكشۈرۈش: ئۈسكۈنە ماتېرىياللارنىڭ تولۇق ياكى ئەمەسلىكىنى تەكشۈرىدۇ؛ كەم بولسا، كەم ماتېرىياللارنىڭ ھەممىسى بىر قېتىمدىلا ئۇقتۇرۇلىدۇ",
);
const DONE_NOW: Tri = Tri::new(
    "办结:即时办结,打印回执",
    "Finish: done on the spot; a receipt is printed",
    "تاماملاش: شۇ ھامان بېجىرىلىدۇ، تالون بېسىلىدۇ",
);
const DONE_APPLICATION: Tri = Tri::new(
    "办结:即时办结,打印受理回执;新卡制成后(预计日期见回执)凭回执领取",
    "Finish: done on the spot, an acknowledgement is printed; the new card is collected with it once made (expected date on the receipt)",
    "تاماملاش: شۇ ھامان بېجىرىلىدۇ، قوبۇل قىلىش تالونى بېسىلىدۇ؛ يېڭى كارتا ياسالغاندىن كېيىن (مۆلچەرلەنگەن ۋاقتى تالوندا) تالون بىلەن ئېلىنىدۇ",
);

// ---------------------------------------------------------------------------------------------
// The rows

const APPLY: BusinessRule = BusinessRule {
    code: BusinessCode::Apply,
    name: Tri::new(
        "社会保障卡申领",
        "Apply for a social security card",
        "ئىجتىمائىي كاپالەت كارتىسىغا ئىلتىماس قىلىش",
    ),
    content: Tri::new(
        "首次申领社会保障卡:当场受理申请,新卡制成后领取。",
        "First application for a social security card: the application is accepted on the spot and the card is collected once made.",
        "ئىجتىمائىي كاپالەت كارتىسىغا تۇنجى قېتىم ئىلتىماس قىلىش؛ ئىلتىماس شۇ ھامان قوبۇل قىلىنىدۇ، يېڭى كارتا ياسالغاندىن كېيىن ئېلىنىدۇ.",
    ),
    basis: "DB 6523/T 372-2023 第1章范围、6.1.3.2 a) b) d)、6.2.2、6.3.2;GB/T 32621",
    presence: CardPresence::No,
    precondition: Precondition::NoValidCard,
    requirements: &[ID_CARD, PHOTO_IF_NONE, AGENT_ID_CARD],
    agent: AgentPolicy::Allowed,
    time_limit: TimeLimit::Immediate,
    production: true,
    fee: Fee::Free,
    procedure: &[
        DECLARE_ID,
        CHECK,
        Tri::new(
            "办理:系统内无照片的现场拍照,核对个人信息后提交申请",
            "Process: have your photo taken if none is on file, check your details and submit the application",
            "بېجىرىش: سىستېمىدا سۈرىتىڭىز بولمىسا شۇ يەردە سۈرەت تارتقۇزۇڭ، ئۇچۇرلىرىڭىزنى تەكشۈرۈپ ئىلتىماسنى تاپشۇرۇڭ",
        ),
        DONE_APPLICATION,
    ],
    writes_card: false,
};

const ENABLE: BusinessRule = BusinessRule {
    code: BusinessCode::Enable,
    name: Tri::new(
        "社会保障卡启用",
        "Enable the card's social security function",
        "كارتىنىڭ ئىجتىمائىي كاپالەت ئىقتىدارىنى قوزغىتىش",
    ),
    content: Tri::new(
        "启用已领取社会保障卡的社会保障功能,本人密码替换初始密码;金融功能须到银行激活。",
        "Enables the social security function of a collected card; your own PIN replaces the initial one. The bank function is activated at the bank.",
        "قولىڭىزغا ئالغان كارتىنىڭ ئىجتىمائىي كاپالەت ئىقتىدارى قوزغىتىلىدۇ، دەسلەپكى پارول ئورنىغا ئۆز پارولىڭىز بېكىتىلىدۇ. بانكا ئىقتىدارى بانكىدا ئاكتىپلىنىدۇ.",
    ),
    basis: "DB 6523/T 372-2023 第1章范围、3.2、6.1.3.2 a) c)、6.2.2、6.3.2;GB/T 32621",
    presence: CardPresence::Required,
    precondition: Precondition::CardIn(&[CardState::Issued]),
    requirements: &[ID_CARD, SS_CARD],
    // Never: enabling sets the holder's own PIN (see the module comment).
    agent: AgentPolicy::Never,
    time_limit: TimeLimit::Immediate,
    production: false,
    fee: Fee::Free,
    procedure: &[
        DECLARE_ID_AND_CARD,
        CHECK,
        Tri::new(
            "办理:两次输入本人新密码(6位数字,不能过于简单),卡的社会保障功能即启用",
            "Process: enter your new 6-digit PIN twice (not too simple); the card's social security function is enabled",
            "بېجىرىش: 6 خانىلىق يېڭى پارولىڭىزنى ئىككى قېتىم كىرگۈزۈڭ (بەك ئاددىي بولمىسۇن)، كارتىنىڭ ئىجتىمائىي كاپالەت ئىقتىدارى قوزغىتىلىدۇ",
        ),
        DONE_NOW,
    ],
    writes_card: true,
};

const ECARD: BusinessRule = BusinessRule {
    code: BusinessCode::Ecard,
    name: Tri::new(
        "电子社会保障卡申领",
        "Apply for an electronic social security card",
        "ئېلېكترونلۇق ئىجتىمائىي كاپالەت كارتىسىغا ئىلتىماس قىلىش",
    ),
    content: Tri::new(
        "持有正常状态实体卡的,申领电子社会保障卡,本机显示二维码。",
        "Holders of a card in normal use get an electronic card, shown as a QR code.",
        "نورمال ھالەتتىكى كارتىسى بارلار ئېلېكترونلۇق كارتا ئالىدۇ، ئېكراندا QR كودى كۆرسىتىلىدۇ.",
    ),
    basis: "DB 6523/T 372-2023 第1章范围、6.1.3.2 a) d)、6.2.2、6.3.2;GB/T 32621",
    presence: CardPresence::No,
    precondition: Precondition::CardIn(&[CardState::Active]),
    requirements: &[ID_CARD, SS_CARD_FOR_AGENT, AGENT_ID_CARD],
    agent: AgentPolicy::Allowed,
    time_limit: TimeLimit::Immediate,
    production: false,
    fee: Fee::Free,
    procedure: &[
        DECLARE_ID,
        CHECK,
        Tri::new(
            "办理:确认信息后生成电子社会保障卡",
            "Process: confirm the details; the electronic card is issued",
            "بېجىرىش: ئۇچۇرنى جەزملەشتۈرگەندىن كېيىن ئېلېكترونلۇق كارتا بېرىلىدۇ",
        ),
        Tri::new(
            "办结:即时办结,屏幕显示电子社会保障卡二维码",
            "Finish: done on the spot; the electronic card's QR code is shown",
            "تاماملاش: شۇ ھامان بېجىرىلىدۇ، ئېكراندا ئېلېكترونلۇق كارتىنىڭ QR كودى كۆرسىتىلىدۇ",
        ),
    ],
    writes_card: false,
};

const STATUS: BusinessRule = BusinessRule {
    code: BusinessCode::Status,
    name: Tri::new(
        "社会保障卡应用状态查询",
        "Card status query",
        "كارتا ھالىتىنى سۈرۈشتۈرۈش",
    ),
    content: Tri::new(
        "查询卡的状态、剩余密码输入次数、有效期和申领进度。",
        "Shows the card's state, the PIN tries left, the validity and the application progress.",
        "كارتىنىڭ ھالىتى، پارول كىرگۈزۈشنىڭ قالغان قېتىم سانى، ئىناۋەتلىك مۇددىتى ۋە ئىلتىماس باسقۇچى كۆرسىتىلىدۇ.",
    ),
    basis: "DB 6523/T 372-2023 第1章范围、6.1.3.2 a) c) d)、6.2.2、6.3.2;GB/T 32621",
    presence: CardPresence::Required,
    precondition: Precondition::Any,
    // 6.1.3.2 a) and c): the ID card original and the card. Progress by the ID card alone is
    // the card's absence declared (an applicant without a card yet).
    requirements: &[ID_CARD, SS_CARD, AGENT_ID_CARD],
    agent: AgentPolicy::Allowed,
    time_limit: TimeLimit::Immediate,
    production: false,
    fee: Fee::Free,
    procedure: &[
        DECLARE_ID_AND_CARD,
        CHECK,
        Tri::new(
            "办理:屏幕显示卡状态、剩余密码输入次数、有效期和申领进度",
            "Process: the screen shows the card's state, PIN tries left, validity and application progress",
            "بېجىرىش: ئېكراندا كارتا ھالىتى، پارول كىرگۈزۈشنىڭ قالغان قېتىم سانى، ئىناۋەتلىك مۇددىتى ۋە ئىلتىماس باسقۇچى كۆرسىتىلىدۇ",
        ),
        DONE_NOW,
    ],
    writes_card: false,
};

const CHANGE_INFO: BusinessRule = BusinessRule {
    code: BusinessCode::ChangeInfo,
    name: Tri::new(
        "社会保障卡信息变更",
        "Change contact information",
        "ئالاقە ئۇچۇرىنى ئۆزگەرتىش",
    ),
    content: Tri::new(
        "变更联系电话、通讯地址等非关键信息;姓名、身份证号码、照片、银行等关键信息变更须办理换领。",
        "Changes the phone number or address; a change of name, ID number, photo or bank needs a card exchange.",
        "تېلېفون نومۇرى، ئادرېس قاتارلىق ئۇچۇرلار ئۆزگەرتىلىدۇ؛ ئىسىم، كىملىك نومۇرى، سۈرەت ياكى بانكا ئۆزگەرسە كارتا ئالماشتۇرۇش كېرەك.",
    ),
    basis: "DB 6523/T 372-2023 第1章范围、6.1.3.2 a) c) d)、6.2.2、6.3.2;GB/T 32621",
    presence: CardPresence::Required,
    precondition: Precondition::CardIn(&[CardState::Active]),
    requirements: &[ID_CARD, SS_CARD, AGENT_ID_CARD, CONTACT_DETAILS],
    agent: AgentPolicy::Allowed,
    time_limit: TimeLimit::Immediate,
    production: false,
    fee: Fee::Free,
    procedure: &[
        DECLARE_ID_AND_CARD,
        CHECK,
        Tri::new(
            "办理:填写新的联系电话或通讯地址并确认",
            "Process: enter the new phone number or address and confirm",
            "بېجىرىش: يېڭى تېلېفون نومۇرى ياكى ئادرېسنى تولدۇرۇپ جەزملەشتۈرۈڭ",
        ),
        DONE_NOW,
    ],
    writes_card: false,
};

const REPORT_LOSS: BusinessRule = BusinessRule {
    code: BusinessCode::ReportLoss,
    name: Tri::new(
        "社会保障卡挂失",
        "Report a lost card",
        "كارتا يوقاتقانلىقىنى مەلۇم قىلىش",
    ),
    content: Tri::new(
        "对正常状态的卡办理临时挂失,卡立即停用;期满未解挂的自动解除。",
        "Places a temporary loss report on a card in normal use; the card stops working at once. The report lifts by itself when its period ends.",
        "نورمال ھالەتتىكى كارتىغا ۋاقىتلىق يوقاتقانلىق مەلۇم قىلىنىدۇ، كارتا دەرھال توختىتىلىدۇ؛ مۇددىتى توشسا ئۆزلۈكىدىن بىكار بولىدۇ.",
    ),
    basis: "DB 6523/T 372-2023 第1章范围、6.1.3.2 a) d)、6.2.2、6.3.2;GB/T 32621",
    presence: CardPresence::No,
    precondition: Precondition::CardIn(&[CardState::Active]),
    requirements: &[ID_CARD, AGENT_ID_CARD],
    agent: AgentPolicy::Allowed,
    time_limit: TimeLimit::Immediate,
    production: false,
    fee: Fee::Free,
    procedure: &[
        DECLARE_ID,
        CHECK,
        Tri::new(
            "办理:确认挂失,卡立即停用",
            "Process: confirm the loss report; the card stops working at once",
            "بېجىرىش: يوقاتقانلىقنى جەزملەشتۈرۈڭ، كارتا دەرھال توختىتىلىدۇ",
        ),
        DONE_NOW,
    ],
    writes_card: false,
};

const CANCEL_LOSS: BusinessRule = BusinessRule {
    code: BusinessCode::CancelLoss,
    name: Tri::new(
        "社会保障卡解挂",
        "Cancel a loss report",
        "يوقاتقانلىق مەلۇماتىنى بىكار قىلىش",
    ),
    content: Tri::new(
        "找回临时挂失的卡后解除挂失,卡恢复正常使用;已申请补领的不能解挂。",
        "Lifts a temporary loss report once the card is found, and the card works again; not possible once a replacement was requested.",
        "ۋاقىتلىق يوقاتقانلىق مەلۇم قىلىنغان كارتا تېپىلسا، مەلۇمات بىكار قىلىنىپ كارتا نورمال ئىشلىتىلىدۇ؛ يېڭى كارتىغا ئىلتىماس قىلىنغان بولسا بىكار قىلىشقا بولمايدۇ.",
    ),
    basis: "DB 6523/T 372-2023 第1章范围、6.1.3.2 a) c) d)、6.2.2、6.3.2;GB/T 32621",
    presence: CardPresence::Required,
    precondition: Precondition::CardIn(&[CardState::LostTemporary]),
    requirements: &[ID_CARD, SS_CARD, AGENT_ID_CARD],
    agent: AgentPolicy::Allowed,
    time_limit: TimeLimit::Immediate,
    production: false,
    fee: Fee::Free,
    procedure: &[
        DECLARE_ID_AND_CARD,
        CHECK,
        Tri::new(
            "办理:确认解挂,卡恢复正常使用",
            "Process: confirm; the loss report is lifted and the card works again",
            "بېجىرىش: جەزملەشتۈرۈڭ، مەلۇمات بىكار قىلىنىپ كارتا قايتا ئىشلەيدۇ",
        ),
        DONE_NOW,
    ],
    writes_card: true,
};

const REPLACE: BusinessRule = BusinessRule {
    code: BusinessCode::Replace,
    name: Tri::new(
        "社会保障卡补领",
        "Replace a lost card",
        "يوقالغان كارتىنىڭ ئورنىغا يېڭى كارتا ئېلىش",
    ),
    content: Tri::new(
        "卡丢失的,转为正式挂失,原卡注销并申请新卡。",
        "For a lost card: the loss report becomes formal, the old card is cancelled and a new card is applied for.",
        "كارتا يوقالغان بولسا، رەسمىي يوقاتقانلىق مەلۇم قىلىنىدۇ، كونا كارتا ئەمەلدىن قالدۇرۇلۇپ يېڭى كارتىغا ئىلتىماس قىلىنىدۇ.",
    ),
    basis: "DB 6523/T 372-2023 第1章范围、6.1.3.2 a) b) d)、6.2.2、6.3.2;GB/T 32621",
    presence: CardPresence::No,
    // A temporary loss is converted to a formal one by this request.
    precondition: Precondition::CardIn(&[CardState::LostTemporary, CardState::LostFormal]),
    requirements: &[ID_CARD, PHOTO_IF_NONE, AGENT_ID_CARD],
    agent: AgentPolicy::Allowed,
    time_limit: TimeLimit::Immediate,
    production: true,
    fee: Fee::ReplacementFee,
    procedure: &[
        DECLARE_ID,
        CHECK,
        Tri::new(
            "办理:确认转为正式挂失;系统内无照片的现场拍照,提交补领申请",
            "Process: confirm the formal loss report; have your photo taken if none is on file, and submit the application",
            "بېجىرىش: رەسمىي يوقاتقانلىقنى جەزملەشتۈرۈڭ؛ سىستېمىدا سۈرىتىڭىز بولمىسا سۈرەت تارتقۇزۇپ، ئىلتىماسنى تاپشۇرۇڭ",
        ),
        DONE_APPLICATION,
    ],
    writes_card: false,
};

const EXCHANGE: BusinessRule = BusinessRule {
    code: BusinessCode::Exchange,
    name: Tri::new("社会保障卡换领", "Exchange a card", "كارتا ئالماشتۇرۇش"),
    content: Tri::new(
        "卡损坏、有效期60天内到期或关键信息变更的,原卡停用注销并申请新卡。",
        "For a damaged card, a card expiring within 60 days, or a change of key data: the old card is blocked and cancelled and a new card is applied for.",
        "كارتا بۇزۇلغان، ئىناۋەتلىك مۇددىتى 60 كۈن ئىچىدە توشىدىغان ياكى ئاساسلىق ئۇچۇر ئۆزگەرگەن بولسا، كونا كارتا توختىتىلىپ ئەمەلدىن قالدۇرۇلىدۇ ۋە يېڭى كارتىغا ئىلتىماس قىلىنىدۇ.",
    ),
    basis: "DB 6523/T 372-2023 第1章范围、6.1.3.2 a) b) c) d)、6.2.2、6.3.2;GB/T 32621",
    presence: CardPresence::IfAvailable,
    precondition: Precondition::CardIn(&[CardState::Active]),
    requirements: &[
        ID_CARD,
        SS_CARD_IF_READABLE_OR_AGENT,
        PHOTO_IF_NONE,
        AGENT_ID_CARD,
        REASON,
    ],
    agent: AgentPolicy::Allowed,
    time_limit: TimeLimit::Immediate,
    production: true,
    fee: Fee::ReplacementFee,
    procedure: &[
        DECLARE_EXCHANGE,
        CHECK,
        Tri::new(
            "办理:旧卡停用;系统内无照片的现场拍照,提交换领申请",
            "Process: the old card is blocked; have your photo taken if none is on file, and submit the application",
            "بېجىرىش: كونا كارتا توختىتىلىدۇ؛ سىستېمىدا سۈرىتىڭىز بولمىسا سۈرەت تارتقۇزۇپ، ئىلتىماسنى تاپشۇرۇڭ",
        ),
        DONE_APPLICATION,
    ],
    writes_card: true,
};

const REISSUE: BusinessRule = BusinessRule {
    code: BusinessCode::Reissue,
    name: Tri::new(
        "社会保障卡换发",
        "Card reissue by the issuer",
        "كارتىنى يېڭىلاپ تارقىتىش",
    ),
    content: Tri::new(
        "发卡机构统一换发(如换代)的,原卡停用注销并申请新卡。",
        "When the issuer replaces cards in a batch (e.g. a new card generation): the old card is blocked and cancelled and a new card is applied for.",
        "تارقاتقۇچى ئورگان كارتىلارنى بىر تۇتاش يېڭىلىغاندا، كونا كارتا توختىتىلىپ ئەمەلدىن قالدۇرۇلىدۇ ۋە يېڭى كارتىغا ئىلتىماس قىلىنىدۇ.",
    ),
    basis: "DB 6523/T 372-2023 第1章范围、6.1.3.2 a) b) c) d)、6.2.2、6.3.2;GB/T 32621",
    presence: CardPresence::Required,
    // Active and in a reissue batch; the batch is checked by the engine.
    precondition: Precondition::CardIn(&[CardState::Active]),
    requirements: &[ID_CARD, SS_CARD, PHOTO_IF_NONE, AGENT_ID_CARD],
    agent: AgentPolicy::Allowed,
    time_limit: TimeLimit::Immediate,
    production: true,
    fee: Fee::Free,
    procedure: &[
        DECLARE_ID_AND_CARD,
        CHECK,
        Tri::new(
            "办理:旧卡停用;系统内无照片的现场拍照,提交换发申请",
            "Process: the old card is blocked; have your photo taken if none is on file, and submit the application",
            "بېجىرىش: كونا كارتا توختىتىلىدۇ؛ سىستېمىدا سۈرىتىڭىز بولمىسا سۈرەت تارتقۇزۇپ، ئىلتىماسنى تاپشۇرۇڭ",
        ),
        DONE_APPLICATION,
    ],
    writes_card: true,
};

const CANCEL: BusinessRule = BusinessRule {
    code: BusinessCode::Cancel,
    name: Tri::new(
        "社会保障卡注销",
        "Cancel a card",
        "كارتىنى ئەمەلدىن قالدۇرۇش",
    ),
    content: Tri::new(
        "因死亡、出境定居、重复持卡等原因注销社会保障卡,卡被停用;银行账户须到合作银行另行销户。",
        "Cancels the card because of death, emigration, a duplicate card or similar; the card is blocked. The bank account is closed at the bank.",
        "ۋاپات بولۇش، چەت ئەلدە ئولتۇراقلىشىش ياكى تەكرار كارتا بولۇش قاتارلىق سەۋەبلەر بىلەن كارتا ئەمەلدىن قالدۇرۇلىدۇ ۋە توختىتىلىدۇ؛ بانكا ھېساباتى بانكىدا تاقىلىدۇ.",
    ),
    basis: "DB 6523/T 372-2023 第1章范围、6.1.3.2 a) c) d) e)、6.2.2、6.3.2;GB/T 32621",
    presence: CardPresence::IfAvailable,
    precondition: Precondition::NotCancelled,
    requirements: &[
        ID_CARD,
        SS_CARD_IF_READABLE_OR_AGENT,
        AGENT_ID_CARD,
        BANK_MATERIALS,
        REASON,
    ],
    // Allowed: after a death the cancellation is always done by someone else.
    agent: AgentPolicy::Allowed,
    time_limit: TimeLimit::Immediate,
    production: false,
    fee: Fee::Free,
    procedure: &[
        DECLARE_CANCEL,
        CHECK,
        Tri::new(
            "办理:确认注销,卡被停用,记录注销",
            "Process: confirm; the card is blocked and its record cancelled",
            "بېجىرىش: جەزملەشتۈرۈڭ، كارتا توختىتىلىپ خاتىرىسى ئەمەلدىن قالدۇرۇلىدۇ",
        ),
        DONE_NOW,
    ],
    writes_card: true,
};

const PIN_CHANGE: BusinessRule = BusinessRule {
    code: BusinessCode::PinChange,
    name: Tri::new("社会保障卡密码修改", "Change the PIN", "پارولنى ئۆزگەرتىش"),
    content: Tri::new(
        "凭原密码修改社会保障卡密码。",
        "Changes the card's PIN; the old PIN is needed.",
        "كونا پارول ئارقىلىق كارتا پارولى ئۆزگەرتىلىدۇ.",
    ),
    basis: "DB 6523/T 372-2023 第1章范围、3.2、6.1.3.2 a) c)、6.2.2、6.3.2;GB/T 32621",
    presence: CardPresence::Required,
    precondition: Precondition::CardIn(&[CardState::Active]),
    // 6.1.3.2 a): the ID card original as for every on-site business; c): the card.
    requirements: &[ID_CARD, SS_CARD],
    agent: AgentPolicy::Never,
    time_limit: TimeLimit::Immediate,
    production: false,
    fee: Fee::Free,
    procedure: &[
        DECLARE_ID_AND_CARD,
        CHECK,
        Tri::new(
            "办理:输入原密码,再两次输入新密码(6位数字,不能过于简单)",
            "Process: enter the old PIN, then the new 6-digit PIN twice (not too simple)",
            "بېجىرىش: كونا پارولنى كىرگۈزۈپ، 6 خانىلىق يېڭى پارولنى ئىككى قېتىم كىرگۈزۈڭ (بەك ئاددىي بولمىسۇن)",
        ),
        DONE_NOW,
    ],
    writes_card: true,
};

const PIN_RESET: BusinessRule = BusinessRule {
    code: BusinessCode::PinReset,
    name: Tri::new(
        "社会保障卡密码重置",
        "Reset a forgotten PIN",
        "ئۇنتۇلغان پارولنى قايتا بېكىتىش",
    ),
    content: Tri::new(
        "忘记密码的,凭身份证件和社会保障卡重新设置密码。",
        "Sets a new PIN when the old one is forgotten, with the ID card and the card.",
        "پارول ئۇنتۇلغان بولسا، كىملىك ۋە كارتا ئارقىلىق يېڭى پارول بېكىتىلىدۇ.",
    ),
    basis: "DB 6523/T 372-2023 第1章范围、3.2、6.1.3.2 a) c)、6.2.2、6.3.2;GB/T 32621",
    presence: CardPresence::Required,
    precondition: Precondition::CardIn(&[CardState::Active]),
    requirements: &[ID_CARD, SS_CARD],
    agent: AgentPolicy::Never,
    time_limit: TimeLimit::Immediate,
    production: false,
    fee: Fee::Free,
    procedure: &[
        DECLARE_ID_AND_CARD,
        CHECK,
        Tri::new(
            "办理:两次输入新密码(6位数字,不能过于简单),密码即重置",
            "Process: enter the new 6-digit PIN twice (not too simple); the PIN is reset",
            "بېجىرىش: 6 خانىلىق يېڭى پارولنى ئىككى قېتىم كىرگۈزۈڭ (بەك ئاددىي بولمىسۇن)، پارول قايتا بېكىتىلىدۇ",
        ),
        DONE_NOW,
    ],
    writes_card: true,
};

const PIN_UNBLOCK: BusinessRule = BusinessRule {
    code: BusinessCode::PinUnblock,
    name: Tri::new(
        "社会保障卡密码解锁",
        "Unblock the PIN",
        "قۇلۇپلانغان پارولنى ئېچىش",
    ),
    content: Tri::new(
        "密码连续输错被锁定的,解除锁定,恢复密码输入次数。",
        "Unblocks a PIN blocked after too many wrong entries; the tries are restored.",
        "پارول كۆپ قېتىم خاتا كىرگۈزۈلۈپ قۇلۇپلانغان بولسا، قۇلۇپ ئېچىلىپ كىرگۈزۈش قېتىم سانى ئەسلىگە كېلىدۇ.",
    ),
    basis: "DB 6523/T 372-2023 第1章范围、3.2、6.1.3.2 a) c)、6.2.2、6.3.2;GB/T 32621",
    presence: CardPresence::Required,
    // The PIN block is on the card; the record is 正常.
    precondition: Precondition::CardIn(&[CardState::Active]),
    requirements: &[ID_CARD, SS_CARD],
    // Never: an unblock restores the wrong-PIN tries to whoever holds the card (module comment).
    agent: AgentPolicy::Never,
    time_limit: TimeLimit::Immediate,
    production: false,
    fee: Fee::Free,
    procedure: &[
        DECLARE_ID_AND_CARD,
        CHECK,
        Tri::new(
            "办理:确认解锁,密码输入次数恢复,原密码不变",
            "Process: confirm; the PIN tries are restored and the PIN stays the same",
            "بېجىرىش: جەزملەشتۈرۈڭ، پارول كىرگۈزۈش قېتىم سانى ئەسلىگە كېلىدۇ، پارول ئۆزگەرمەيدۇ",
        ),
        DONE_NOW,
    ],
    writes_card: true,
};

const PHOTO: BusinessRule = BusinessRule {
    code: BusinessCode::Photo,
    name: Tri::new("照片采集", "Photo capture", "سۈرەت تارتىش"),
    content: Tri::new(
        "现场拍摄符合制卡要求的照片并存入系统,供今后制卡使用。",
        "Takes a photo that meets the card-making requirements and keeps it on file for future cards.",
        "كارتا ياساش تەلىپىگە ئۇيغۇن سۈرەت تارتىلىپ، كېيىنكى كارتا ياساش ئۈچۈن سىستېمىدا ساقلىنىدۇ.",
    ),
    basis: "DB 6523/T 372-2023 第1章范围、3.2、6.1.3.2 a) b) d)、6.2.2、6.3.2;GB/T 32621",
    presence: CardPresence::No,
    precondition: Precondition::Any,
    requirements: &[ID_CARD, PHOTO_ALWAYS, AGENT_ID_CARD],
    agent: AgentPolicy::Allowed,
    time_limit: TimeLimit::Immediate,
    production: false,
    fee: Fee::Free,
    procedure: &[
        DECLARE_ID,
        CHECK,
        Tri::new(
            "办理:按提示正对摄像头拍照,照片合格后存入系统",
            "Process: face the camera as shown; a compliant photo is kept on file",
            "بېجىرىش: كۆرسەتمە بويىچە كامېراغا قاراپ سۈرەت تارتقۇزۇڭ؛ ئۆلچەمگە توشقان سۈرەت ساقلىنىدۇ",
        ),
        DONE_NOW,
    ],
    writes_card: false,
};
