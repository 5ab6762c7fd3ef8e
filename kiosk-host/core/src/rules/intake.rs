//! 受理 (6.2.2): the completeness check of the materials gathered at 申报 (6.1.3.2 a–e).
//!
//! Complete → the business goes on. Incomplete → a [`MissingNotice`] listing **every** missing
//! item at once (一次性告知, 6.2.2 b)), printable as a receipt. Agent cases of businesses an
//! agent may not do are refused with an [`AgentRefusal`] before any material is looked at.

use std::collections::BTreeSet;
use std::fmt;

use firmware_config::Language;
use serde::Serialize;

use super::row::{AgentPolicy, BusinessRule, Material, Needed, Requirement};
use super::table::{rule, COMPLAINT_CHANNEL};
use crate::domain::BusinessCode;
use crate::text::Tri;

/// The materials the kiosk has gathered for a case.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Provided {
    materials: BTreeSet<Material>,
}

impl Provided {
    /// Nothing provided yet.
    pub fn new() -> Provided {
        Provided::default()
    }

    /// `self` with `material` added.
    #[must_use]
    pub fn with(mut self, material: Material) -> Provided {
        self.materials.insert(material);
        self
    }

    /// Records a material; false when it was already there.
    pub fn insert(&mut self, material: Material) -> bool {
        self.materials.insert(material)
    }

    /// Forgets a material (a card pulled out, a photo rejected); false when it was not there.
    pub fn remove(&mut self, material: Material) -> bool {
        self.materials.remove(&material)
    }

    pub fn contains(&self, material: Material) -> bool {
        self.materials.contains(&material)
    }

    /// The materials, in [`Material`] order.
    pub fn iter(&self) -> impl Iterator<Item = Material> + '_ {
        self.materials.iter().copied()
    }

    /// A verified e-card QR identified the holder: it counts as the holder's ID card for the
    /// businesses whose rule allows it ([`BusinessRule::ecard_identifies`], none today). Returns whether it
    /// was counted.
    pub fn identified_by_ecard(&mut self, rule: &BusinessRule) -> bool {
        let counted = rule.ecard_identifies();
        if counted {
            self.materials.insert(Material::IdCard);
        }
        counted
    }
}

impl FromIterator<Material> for Provided {
    fn from_iter<I: IntoIterator<Item = Material>>(iter: I) -> Provided {
        Provided {
            materials: iter.into_iter().collect(),
        }
    }
}

/// What decides the conditional requirements of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct IntakeContext {
    /// An agent acts for the holder (委托, 6.1.3.2 d)).
    pub agent: bool,
    /// The registry holds a compliant photo of the holder (6.1.3.2 b)).
    pub photo_on_file: bool,
    /// The citizen has the card and it answers (换领 of a damaged card, 注销).
    pub card_readable: bool,
}

impl IntakeContext {
    /// Every combination of the three conditions.
    pub const ALL: [IntakeContext; 8] = [
        IntakeContext::new(false, false, false),
        IntakeContext::new(false, false, true),
        IntakeContext::new(false, true, false),
        IntakeContext::new(false, true, true),
        IntakeContext::new(true, false, false),
        IntakeContext::new(true, false, true),
        IntakeContext::new(true, true, false),
        IntakeContext::new(true, true, true),
    ];

    pub const fn new(agent: bool, photo_on_file: bool, card_readable: bool) -> IntakeContext {
        IntakeContext {
            agent,
            photo_on_file,
            card_readable,
        }
    }

    /// True when a requirement with this condition applies in this context.
    pub fn applies(&self, needed: Needed) -> bool {
        match needed {
            Needed::Always => true,
            Needed::WithoutPhotoOnFile => !self.photo_on_file,
            Needed::ForAgent => self.agent,
            Needed::IfCardReadable => self.card_readable || self.agent,
        }
    }
}

/// The requirements of `rule` that apply in `ctx`, in table order.
pub fn required(rule: &BusinessRule, ctx: &IntakeContext) -> Vec<Requirement> {
    rule.requirements
        .iter()
        .filter(|r| ctx.applies(r.needed))
        .copied()
        .collect()
}

/// The completeness check (6.2.2): `Ok` when every requirement that applies is provided, else
/// the one-time notice listing all that are missing. The agent policy is checked separately
/// ([`check_agent`], or both at once with [`intake`]).
pub fn check(
    rule: &BusinessRule,
    ctx: &IntakeContext,
    provided: &Provided,
) -> Result<(), MissingNotice> {
    let missing: Vec<MissingItem> = required(rule, ctx)
        .into_iter()
        .filter(|r| !provided.contains(r.material))
        .map(|r| MissingItem {
            material: r.material,
            clause: r.clause,
            bring: bring_text(r.material, rule.code, ctx.agent),
        })
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(MissingNotice {
            business: rule.code,
            missing,
        })
    }
}

/// True when an agent may do the business (6.1.3.2 d)).
pub fn agent_allowed(rule: &BusinessRule) -> bool {
    rule.agent == AgentPolicy::Allowed
}

/// Refuses an agent case of a business agents may not do.
pub fn check_agent(rule: &BusinessRule, agent: bool) -> Result<(), AgentRefusal> {
    if agent && !agent_allowed(rule) {
        Err(AgentRefusal {
            business: rule.code,
        })
    } else {
        Ok(())
    }
}

/// 受理 as one step: the agent policy first, then the completeness check.
pub fn intake(
    rule: &BusinessRule,
    ctx: &IntakeContext,
    provided: &Provided,
) -> Result<(), IntakeRefusal> {
    check_agent(rule, ctx.agent).map_err(IntakeRefusal::AgentNotAllowed)?;
    check(rule, ctx, provided).map_err(IntakeRefusal::Incomplete)
}

/// Why 受理 did not accept a case.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum IntakeRefusal {
    AgentNotAllowed(AgentRefusal),
    Incomplete(MissingNotice),
}

impl IntakeRefusal {
    /// Receipt or screen lines in `lang`.
    pub fn lines(&self, lang: Language) -> Vec<String> {
        match self {
            IntakeRefusal::AgentNotAllowed(r) => r.lines(lang),
            IntakeRefusal::Incomplete(n) => n.lines(lang),
        }
    }
}

impl fmt::Display for IntakeRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IntakeRefusal::AgentNotAllowed(r) => r.fmt(f),
            IntakeRefusal::Incomplete(n) => n.fmt(f),
        }
    }
}

impl std::error::Error for IntakeRefusal {}

/// One missing material of a [`MissingNotice`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MissingItem {
    pub material: Material,
    /// The clause that asks for it, e.g. "6.1.3.2 a)".
    pub clause: &'static str,
    /// What to bring or do, e.g. "请携带本人有效居民身份证原件".
    pub bring: Tri,
}

/// 一次性告知: every missing material of a case, at once (6.2.2 b)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MissingNotice {
    pub business: BusinessCode,
    /// Never empty; in the order of the rule's requirements.
    pub missing: Vec<MissingItem>,
}

impl MissingNotice {
    /// The missing materials.
    pub fn materials(&self) -> Vec<Material> {
        self.missing.iter().map(|m| m.material).collect()
    }

    /// The notice as receipt lines in `lang`: title, business, every item numbered, the
    /// clause it rests on, the complaint channel. No personal data.
    pub fn lines(&self, lang: Language) -> Vec<String> {
        let name = rule(self.business).name.pick(lang);
        let mut lines = vec![
            NOTICE_TITLE.pick(lang).to_string(),
            format!("{}{name}", LABEL_BUSINESS.pick(lang)),
            NOTICE_INTRO.pick(lang).to_string(),
        ];
        for (i, item) in self.missing.iter().enumerate() {
            let clause = item.clause;
            let basis = Tri::new(
                format!("(依据:DB 6523/T 372-2023 {clause})"),
                format!(" (basis: DB 6523/T 372-2023 {clause})"),
                format!(" (ئاساسى: DB 6523/T 372-2023 {clause})"),
            )
            .into_pick(lang);
            lines.push(format!("{}. {}{basis}", i + 1, item.bring.pick(lang)));
        }
        lines.push(NOTICE_BASIS.pick(lang).to_string());
        lines.push(format!(
            "{}{}",
            LABEL_COMPLAINT.pick(lang),
            COMPLAINT_CHANNEL.pick(lang)
        ));
        lines
    }
}

impl fmt::Display for MissingNotice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let codes: Vec<&str> = self.missing.iter().map(|m| m.material.code()).collect();
        write!(
            f,
            "materials incomplete for {}: missing {}",
            rule(self.business).name.en,
            codes.join(", ")
        )
    }
}

impl std::error::Error for MissingNotice {}

/// An agent tried a business the holder must do in person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct AgentRefusal {
    pub business: BusinessCode,
}

impl AgentRefusal {
    /// The refusal in `lang`, e.g. "社会保障卡密码修改须由参保人本人办理,不能委托他人办理。".
    pub fn message(&self, lang: Language) -> String {
        let name = rule(self.business).name.pick(lang);
        Tri::new(
            format!("{name}须由参保人本人办理,不能委托他人办理。"),
            format!("{name}: the holder must come in person; an agent may not do this business."),
            format!("{name}: سۇغۇرتىغا قاتناشقۇچىنىڭ ئۆزى بېجىرىشى كېرەك، ۋاكالەتچى بېجىرەلمەيدۇ."),
        )
        .into_pick(lang)
    }

    /// Screen or receipt lines: the message and the complaint channel.
    pub fn lines(&self, lang: Language) -> Vec<String> {
        vec![
            self.message(lang),
            format!(
                "{}{}",
                LABEL_COMPLAINT.pick(lang),
                COMPLAINT_CHANNEL.pick(lang)
            ),
        ]
    }
}

impl fmt::Display for AgentRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Language::En))
    }
}

impl std::error::Error for AgentRefusal {}

const NOTICE_TITLE: Tri = Tri {
    zh: "一次性告知书",
    en: "One-time notice of missing materials",
    ug: "كەم ماتېرىياللار ھەققىدە بىر قېتىملىق ئۇقتۇرۇش",
};
const NOTICE_INTRO: Tri = Tri {
    zh: "您的申报材料不齐全,请补齐以下全部材料后再次办理:",
    en: "Your materials are incomplete. Please bring all of the following and come back:",
    ug: "ماتېرىياللىرىڭىز تولۇق ئەمەس. تۆۋەندىكىلەرنىڭ ھەممىسىنى تولۇقلاپ قايتا بېجىرىڭ:",
};
const NOTICE_BASIS: Tri = Tri {
    zh: "依据:DB 6523/T 372-2023 6.2.2 b) 材料不完整的,退回并一次性告知应补交的材料。",
    en: "Basis: DB 6523/T 372-2023 6.2.2 b): incomplete materials are returned with one notice of everything to be added.",
    ug: "ئاساسى: DB 6523/T 372-2023 6.2.2 b): ماتېرىيال تولۇق بولمىسا قايتۇرۇلىدۇ، تولۇقلاشقا تېگىشلىك ماتېرىياللار بىر قېتىمدىلا ئۇقتۇرۇلىدۇ.",
};
const LABEL_BUSINESS: Tri = Tri {
    zh: "业务:",
    en: "Service: ",
    ug: "مۇلازىمەت: ",
};
pub(super) const LABEL_COMPLAINT: Tri = Tri {
    zh: "投诉渠道:",
    en: "Complaints: ",
    ug: "ئەرز-شىكايەت: ",
};

/// The material as a noun phrase, for the service guide, e.g. "符合制卡要求的电子照片".
pub fn material_text(material: Material, business: BusinessCode) -> Tri {
    match material {
        Material::IdCard => Tri {
            zh: "参保人有效身份证件(居民身份证)原件",
            en: "the holder's valid ID card (original)",
            ug: "سۇغۇرتىغا قاتناشقۇچىنىڭ ئىناۋەتلىك كىملىكى (ئەسلى نۇسخىسى)",
        },
        Material::Photo => Tri {
            zh: "符合制卡要求的电子照片(本机现场拍摄)",
            en: "a photo meeting the card-making requirements (taken here by the kiosk)",
            ug: "كارتا ياساش تەلىپىگە ئۇيغۇن سۈرەت (بۇ ئۈسكۈنىدە تارتىلىدۇ)",
        },
        Material::SsCard => Tri {
            zh: "参保人的社会保障卡",
            en: "the holder's social security card",
            ug: "سۇغۇرتىغا قاتناشقۇچىنىڭ ئىجتىمائىي كاپالەت كارتىسى",
        },
        Material::AgentIdCard => Tri {
            zh: "被委托人本人有效身份证件(居民身份证)原件",
            en: "the agent's own valid ID card (original)",
            ug: "ۋاكالەتچىنىڭ ئۆزىنىڭ ئىناۋەتلىك كىملىكى (ئەسلى نۇسخىسى)",
        },
        Material::BankMaterials => Tri {
            zh: "合作银行要求的其他材料(如银行账户销户回执)",
            en: "the other materials the partner bank requires (e.g. the account-closure receipt)",
            ug: "ھەمكارلاشقۇچى بانكا تەلەپ قىلغان باشقا ماتېرىياللار (مەسىلەن، ھېسابات تاقاش تالونى)",
        },
        Material::ContactDetails => Tri {
            zh: "新的联系电话或通讯地址(现场填写)",
            en: "the new phone number or address (entered here)",
            ug: "يېڭى تېلېفون نومۇرى ياكى ئادرېس (شۇ يەردە تولدۇرۇلىدۇ)",
        },
        Material::Reason => match business {
            BusinessCode::Exchange => Tri {
                zh: "换领原因(卡损坏、有效期将满或关键信息变更)",
                en: "the reason for the exchange (damaged card, card expiring, or key data changed)",
                ug: "ئالماشتۇرۇش سەۋەبى (كارتا بۇزۇلغان، مۇددىتى توشاي دەپ قالغان ياكى ئاساسلىق ئۇچۇر ئۆزگەرگەن)",
            },
            BusinessCode::Cancel => Tri {
                zh: "注销原因(死亡、出境定居、重复持卡等)",
                en: "the reason for the cancellation (death, emigration, duplicate card, …)",
                ug: "ئەمەلدىن قالدۇرۇش سەۋەبى (ۋاپات بولۇش، چەت ئەلدە ئولتۇراقلىشىش، تەكرار كارتا قاتارلىق)",
            },
            _ => Tri {
                zh: "办理原因",
                en: "the reason for the request",
                ug: "ئىلتىماس سەۋەبى",
            },
        },
    }
}

/// What to bring or do for a missing material (一次性告知 item), e.g.
/// "请携带本人有效居民身份证原件". In agent cases the holder's documents are the principal's.
pub fn bring_text(material: Material, business: BusinessCode, agent: bool) -> Tri {
    match (material, agent) {
        (Material::IdCard, false) => Tri {
            zh: "请携带本人有效居民身份证原件",
            en: "Bring your valid resident ID card (original)",
            ug: "ئۆزىڭىزنىڭ ئىناۋەتلىك كىملىكىنىڭ ئەسلى نۇسخىسىنى ئېلىپ كېلىڭ",
        },
        (Material::IdCard, true) => Tri {
            zh: "请携带委托人(参保人)的有效居民身份证原件",
            en: "Bring the holder's valid resident ID card (original)",
            ug: "سۇغۇرتىغا قاتناشقۇچىنىڭ ئىناۋەتلىك كىملىكىنىڭ ئەسلى نۇسخىسىنى ئېلىپ كېلىڭ",
        },
        (Material::SsCard, false) => Tri {
            zh: "请携带本人社会保障卡并插入读卡器",
            en: "Bring your social security card and insert it in the reader",
            ug: "ئىجتىمائىي كاپالەت كارتىڭىزنى ئېلىپ كېلىپ، كارتا ئوقۇغۇچقا سېلىڭ",
        },
        (Material::SsCard, true) => Tri {
            zh: "请携带委托人(参保人)的社会保障卡原件并插入读卡器",
            en: "Bring the holder's social security card and insert it in the reader",
            ug: "سۇغۇرتىغا قاتناشقۇچىنىڭ ئىجتىمائىي كاپالەت كارتىسىنى ئېلىپ كېلىپ، كارتا ئوقۇغۇچقا سېلىڭ",
        },
        (Material::Photo, false) => Tri {
            zh: "请在本机拍摄符合制卡要求的照片",
            en: "Have a photo meeting the card-making requirements taken here",
            ug: "بۇ ئۈسكۈنىدە كارتا ياساش تەلىپىگە ئۇيغۇن سۈرەت تارتقۇزۇڭ",
        },
        (Material::Photo, true) => Tri {
            zh: "请委托人(参保人)本人到场,在本机拍摄符合制卡要求的照片",
            en: "The holder must come and have a photo meeting the card-making requirements taken here",
            ug: "سۇغۇرتىغا قاتناشقۇچىنىڭ ئۆزى كېلىپ، بۇ ئۈسكۈنىدە كارتا ياساش تەلىپىگە ئۇيغۇن سۈرەت تارتقۇزسۇن",
        },
        (Material::AgentIdCard, _) => Tri {
            zh: "请被委托人(代办人)携带本人有效居民身份证原件",
            en: "The agent must bring their own valid resident ID card (original)",
            ug: "ۋاكالەتچى ئۆزىنىڭ ئىناۋەتلىك كىملىكىنىڭ ئەسلى نۇسخىسىنى ئېلىپ كېلىشى كېرەك",
        },
        (Material::BankMaterials, _) => Tri {
            zh: "请携带合作银行要求的其他材料(如银行账户销户回执)",
            en: "Bring the other materials the partner bank requires (e.g. the account-closure receipt)",
            ug: "ھەمكارلاشقۇچى بانكا تەلەپ قىلغان باشقا ماتېرىياللارنى (مەسىلەن، ھېسابات تاقاش تالونى) ئېلىپ كېلىڭ",
        },
        (Material::ContactDetails, _) => Tri {
            zh: "请填写新的联系电话或通讯地址",
            en: "Enter the new phone number or address",
            ug: "يېڭى تېلېفون نومۇرى ياكى ئادرېسنى تولدۇرۇڭ",
        },
        (Material::Reason, _) => match business {
            BusinessCode::Exchange => Tri {
                zh: "请选择换领原因(卡损坏、有效期将满或关键信息变更)",
                en: "Choose the reason for the exchange (damaged card, card expiring, or key data changed)",
                ug: "ئالماشتۇرۇش سەۋەبىنى تاللاڭ (كارتا بۇزۇلغان، مۇددىتى توشاي دەپ قالغان ياكى ئاساسلىق ئۇچۇر ئۆزگەرگەن)",
            },
            BusinessCode::Cancel => Tri {
                zh: "请选择注销原因(死亡、出境定居、重复持卡等)",
                en: "Choose the reason for the cancellation (death, emigration, duplicate card, …)",
                ug: "ئەمەلدىن قالدۇرۇش سەۋەبىنى تاللاڭ (ۋاپات بولۇش، چەت ئەلدە ئولتۇراقلىشىش، تەكرار كارتا قاتارلىق)",
            },
            _ => Tri {
                zh: "请选择办理原因",
                en: "Choose the reason for the request",
                ug: "ئىلتىماس سەۋەبىنى تاللاڭ",
            },
        },
    }
}
