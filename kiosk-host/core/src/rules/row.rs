//! The shape of one row of the rule table: the business's materials and when each is needed,
//! card presence, the states it may start from, the agent policy, time limit, fee, and the
//! texts of its name, content and procedure.

use serde::Serialize;

use crate::domain::{BusinessCode, CardState};
use crate::text::Tri;

/// Something the citizen provides (申报材料).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Material {
    /// a) 参保人有效身份证件原件 — read by the ID card module.
    IdCard,
    /// b) 符合制卡要求的电子照片 — taken by the kiosk camera; needed only when none is on file.
    Photo,
    /// c) 社会保障卡 — the citizen's card in the reader.
    SsCard,
    /// d) 被委托人有效身份证件原件 — the agent's own ID card (委托 cases).
    AgentIdCard,
    /// e) 合作银行要求的其他材料 — for cancellation: the bank's account-closure receipt number.
    BankMaterials,
    /// The new contact details (信息变更).
    ContactDetails,
    /// The reason, where the business needs one (exchange, cancellation).
    Reason,
}

impl Material {
    pub const ALL: [Material; 7] = [
        Material::IdCard,
        Material::Photo,
        Material::SsCard,
        Material::AgentIdCard,
        Material::BankMaterials,
        Material::ContactDetails,
        Material::Reason,
    ];

    /// Stable code (API, archive records).
    pub fn code(self) -> &'static str {
        match self {
            Material::IdCard => "id_card",
            Material::Photo => "photo",
            Material::SsCard => "ss_card",
            Material::AgentIdCard => "agent_id_card",
            Material::BankMaterials => "bank_materials",
            Material::ContactDetails => "contact_details",
            Material::Reason => "reason",
        }
    }
}

/// When a material is required.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Needed {
    Always,
    /// Only when the registry holds no compliant photo of the person.
    WithoutPhotoOnFile,
    /// Only in 委托 cases.
    ForAgent,
    /// When the citizen has the card and it can be read (换领 of a damaged card), and always in
    /// 委托 cases: 6.1.3.2 d) asks the agent for the
    /// principal's card original, and the kiosk can only check a card it reads (换领, 注销).
    IfCardReadable,
}

/// One material requirement of a business.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Requirement {
    pub material: Material,
    pub needed: Needed,
    /// The clause of DB 6523/T 372-2023 that asks for it, e.g. "6.1.3.2 a)".
    pub clause: &'static str,
}

/// Whether the business may be done by an agent (委托, 6.1.3.2 d).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AgentPolicy {
    Allowed,
    /// Never by an agent (PIN change and reset: BUSINESS-RULES.md section 3).
    Never,
}

/// Whether the card must be in the reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CardPresence {
    Required,
    /// Read when the citizen has it and it answers (换领 of a damaged card, 注销 when it exists).
    IfAvailable,
    No,
}

/// The card-record states a business may start from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Precondition {
    /// The person has no valid card (every card record cancelled, or none).
    NoValidCard,
    /// The person's current card is in one of these states.
    CardIn(&'static [CardState]),
    /// Any state but cancelled.
    NotCancelled,
    /// Any state, or no card at all.
    Any,
}

/// The time limit (6.3). Every business at an outlet is 即时办结 (6.3.2); 6.3.1's 30–40
/// working days are the *online* application's. A card not issued on the spot has its own
/// expected production date ([`BusinessRule::production`]), which is not the case's limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeLimit {
    /// 即时办结 (6.3.2).
    Immediate,
}

/// The fee.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fee {
    Free,
    /// The configured replacement fee.
    ReplacementFee,
}

/// One row of the rule table.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BusinessRule {
    pub code: BusinessCode,
    pub name: Tri,
    /// What the business does, one sentence (service guide "content").
    pub content: Tri,
    /// Legal basis (service guide "basis"), e.g. "DB 6523/T 372-2023 第1章、6.1.3.2 a)".
    pub basis: &'static str,
    pub presence: CardPresence,
    pub precondition: Precondition,
    pub requirements: &'static [Requirement],
    pub agent: AgentPolicy,
    pub time_limit: TimeLimit,
    /// True when the business ends with a card sent to production (申领, 补领, 换领, 换发): the
    /// application gets an expected production date (the agency's figure, setting
    /// `application_deadline_days`), tracked apart from the case.
    pub production: bool,
    pub fee: Fee,
    /// Steps the citizen goes through (service guide "procedure"), in order.
    pub procedure: &'static [Tri],
    /// True when the business sends commands that change the card.
    pub writes_card: bool,
}

impl BusinessRule {
    /// True when an e-card QR may stand in for the ID card to identify the holder: only where
    /// the rule asks for no ID card original (6.1.3.2 a) asks for it for every on-site
    /// business, so the table has no such business today; the e-card never replaces the ID
    /// card for a business that changes a card or the registry).
    pub fn ecard_identifies(&self) -> bool {
        !self
            .requirements
            .iter()
            .any(|q| q.material == Material::IdCard && q.needed == Needed::Always)
    }
}
