//! Why a business was refused on the rules: each [`Refusal`] says what is wrong and what to do
//! in the three screen languages.

use firmware_config::Language;
use serde::Serialize;

use crate::domain::{CardState, Progress};
use crate::text::Tri;

/// Why a business was refused. Each says what is wrong and what to do, in the three screen
/// languages ([`Refusal::text`]); `Display` gives "中文 / English" for logs and case records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "refusal", rename_all = "snake_case")]
pub enum Refusal {
    NotOffered,
    AgentNotAllowed,
    AgentMinor,
    UnknownCard,
    CardOfAnotherPerson,
    NoCard,
    HasValidCard {
        state: CardState,
    },
    ApplicationOpen {
        progress: Progress,
    },
    WrongState {
        state: CardState,
        allowed: Vec<CardState>,
    },
    /// The business needs a card that is not cancelled.
    CardCancelled,
    ReplacementRequested,
    NotInReissueBatch,
    NotExpiringYet {
        expiry: chrono::NaiveDate,
    },
    PinNotBlocked,
    PinBlocked,
    CardUnusable,
    /// 人证核验 did not pass (declined, failed, or not possible) and no staff approved: the
    /// citizen goes to `counter` (`[face] counter`; empty: "a service counter").
    IdentityNotVerified {
        counter: String,
    },
    /// 注销 for a death is done by an agent (the deceased cannot come), with the documents of
    /// the rule: the deceased's ID card and card, the agent's ID card, the bank's materials.
    DeathNeedsAgent,
}

impl Refusal {
    /// The message in one screen language.
    pub fn text(&self, l: Language) -> String {
        self.texts().into_pick(l)
    }

    /// The message in the three screen languages.
    pub fn texts(&self) -> Tri<String> {
        let fixed = |t: Tri| t.owned();
        match self {
            Refusal::NotOffered => fixed(Tri::new(
                "本机不提供此业务,请到服务窗口办理",
                "this kiosk does not offer this business; please go to a service counter",
                "بۇ ئاپپاراتتا بۇ ئىش بېجىرىلمەيدۇ، مۇلازىمەت كۆزنىكىگە بېرىڭ",
            )),
            Refusal::AgentNotAllowed => fixed(Tri::new(
                "此业务不能委托他人办理,须本人办理",
                "this business cannot be done by an agent; the holder must come in person",
                "بۇ ئىشنى ۋاكالىتەن بېجىرىشكە بولمايدۇ، كارتا ئىگىسى ئۆزى كېلىشى كېرەك",
            )),
            Refusal::AgentMinor => fixed(Tri::new(
                "代办人须年满18周岁",
                "the agent must be at least 18 years old",
                "ۋاكالەتچى كەم دېگەندە 18 ياشقا توشقان بولۇشى كېرەك",
            )),
            Refusal::UnknownCard => fixed(Tri::new(
                "系统中没有这张社会保障卡的记录,请到服务窗口",
                "this card is not in the registry; please go to a service counter",
                "سىستېمىدا بۇ ئىجتىمائىي كاپالەت كارتىسىنىڭ خاتىرىسى يوق، مۇلازىمەت كۆزنىكىگە بېرىڭ",
            )),
            Refusal::CardOfAnotherPerson => fixed(Tri::new(
                "插入的社会保障卡不是本人的卡",
                "the card in the reader belongs to another person",
                "سېلىنغان ئىجتىمائىي كاپالەت كارتىسى باشقا بىر كىشىنىڭ",
            )),
            Refusal::NoCard => fixed(Tri::new(
                "系统中没有您的社会保障卡",
                "you have no social security card in the registry",
                "سىستېمىدا سىزنىڭ ئىجتىمائىي كاپالەت كارتىڭىز يوق",
            )),
            Refusal::HasValidCard { state } => {
                let s = state.text();
                Tri::new(
                    format!("您已有有效的社会保障卡(状态:{}),不能重复申领", s.zh),
                    format!(
                        "you already have a valid card ({}); use replacement or exchange instead",
                        s.en
                    ),
                    format!(
                        "سىزدە ئىناۋەتلىك كارتا بار ({})، قايتا ئىلتىماس قىلالمايسىز؛ تولۇقلاش ياكى ئالماشتۇرۇشنى تاللاڭ",
                        s.ug
                    ),
                )
            }
            Refusal::ApplicationOpen { progress } => {
                let p = progress.text();
                Tri::new(
                    format!("您有一项正在办理的申请({}),请等待完成", p.zh),
                    format!("an application of yours is in progress ({})", p.en),
                    format!(
                        "سىزنىڭ بېجىرىلىۋاتقان ئىلتىماسىڭىز بار ({})، تاماملىنىشىنى ساقلاڭ",
                        p.ug
                    ),
                )
            }
            Refusal::WrongState { state, allowed } => {
                let allowed = |l: Language| {
                    allowed
                        .iter()
                        .map(|s| s.name(l))
                        .collect::<Vec<_>>()
                        .join(if l == Language::ZhCn { "/" } else { ", " })
                };
                let s = state.text();
                Tri::new(
                    format!(
                        "卡片状态为{},不能办理此业务(须为{})",
                        s.zh,
                        allowed(Language::ZhCn)
                    ),
                    format!(
                        "the card is {}; this business needs: {}",
                        s.en,
                        allowed(Language::En)
                    ),
                    format!(
                        "كارتا ھالىتى: {}، بۇ ئىشنى بېجىرگىلى بولمايدۇ (كېرەكلىك ھالەت: {})",
                        s.ug,
                        allowed(Language::Ug)
                    ),
                )
            }
            Refusal::CardCancelled => fixed(Tri::new(
                "卡片已注销,不能办理此业务,请到服务窗口",
                "the card is cancelled; please go to a service counter",
                "كارتا ئەمەلدىن قالدۇرۇلغان، بۇ ئىشنى بېجىرگىلى بولمايدۇ، مۇلازىمەت كۆزنىكىگە بېرىڭ",
            )),
            Refusal::ReplacementRequested => fixed(Tri::new(
                "已申请补领,不能解除挂失",
                "a replacement was requested, so the loss report cannot be cancelled",
                "تولۇقلاپ بېرىش ئىلتىماس قىلىنغان، يوقاپ كەتكەنلىك مەلۇماتىنى بىكار قىلغىلى بولمايدۇ",
            )),
            Refusal::NotInReissueBatch => fixed(Tri::new(
                "您的卡不在换发批次中",
                "your card is not in a reissue batch",
                "كارتىڭىز قايتا تارقىتىش تۈركۈمىدە يوق",
            )),
            Refusal::NotExpiringYet { expiry } => Tri::new(
                format!("卡片有效期至{expiry},尚未到期满前60天,不能因到期换领"),
                format!(
                    "the card is valid until {expiry}; exchange for expiry opens 60 days before"
                ),
                format!(
                    "كارتىنىڭ ئىناۋەتلىك مۇددىتى {expiry} گىچە؛ مۇددىتى توشۇشقا 60 كۈن قالغاندا ئالماشتۇرغىلى بولىدۇ"
                ),
            ),
            Refusal::PinNotBlocked => fixed(Tri::new(
                "密码未锁定,无需解锁",
                "the PIN is not blocked",
                "پارول قۇلۇپلانمىغان، قۇلۇپ ئېچىشنىڭ ھاجىتى يوق",
            )),
            Refusal::PinBlocked => fixed(Tri::new(
                "密码已锁定,请办理密码解锁",
                "the PIN is blocked; use PIN unblock",
                "پارول قۇلۇپلانغان، پارول قۇلۇپىنى ئېچىش ئىشىنى بېجىرىڭ",
            )),
            Refusal::CardUnusable => fixed(Tri::new(
                "卡片已锁定或损坏,不能办理此业务,请办理换领或到服务窗口",
                "the card is blocked or unusable; exchange it or go to a service counter",
                "كارتا قۇلۇپلانغان ياكى بۇزۇلغان، ئالماشتۇرۇڭ ياكى مۇلازىمەت كۆزنىكىگە بېرىڭ",
            )),
            Refusal::IdentityNotVerified { counter } if counter.is_empty() => fixed(Tri::new(
                "未能核验您是身份证上的本人,本业务未办理,没有任何改变。请携带身份证到服务窗口办理",
                "we could not verify that you are the person on the ID card: nothing was done or changed; please bring the ID card to a service counter",
                "سىزنىڭ كىملىكتىكى كىشى ئىكەنلىكىڭىزنى دەلىللىيەلمىدۇق، ھېچنېمە ئۆزگەرتىلمىدى؛ كىملىكىڭىزنى ئېلىپ مۇلازىمەت كۆزنىكىگە بېرىڭ",
            )),
            Refusal::IdentityNotVerified { counter } => Tri {
                zh: format!("未能核验您是身份证上的本人,本业务未办理,没有任何改变。请携带身份证到{counter}办理"),
                en: format!("we could not verify that you are the person on the ID card: nothing was done or changed; please bring the ID card to the counter {counter}"),
                ug: format!("سىزنىڭ كىملىكتىكى كىشى ئىكەنلىكىڭىزنى دەلىللىيەلمىدۇق، ھېچنېمە ئۆزگەرتىلمىدى؛ كىملىكىڭىزنى ئېلىپ {counter} كۆزنىكىگە بېرىڭ"),
            },
            Refusal::DeathNeedsAgent => fixed(Tri::new(
                "因死亡注销须由代办人办理:请选择\u{201c}代他人办理\u{201d},并带齐死者身份证、社会保障卡、代办人本人身份证及合作银行要求的材料",
                "a cancellation for death is done by an agent: choose \"for someone else\" and bring the deceased's ID card and card, your own ID card and the bank's materials",
                "ۋاپات سەۋەبىدىن ئەمەلدىن قالدۇرۇشنى ۋاكالەتچى بېجىرىدۇ: «باشقىلار ئۈچۈن» نى تاللاپ، مەرھۇمنىڭ كىملىكى، كارتىسى، ئۆز كىملىكىڭىز ۋە بانكا تەلەپ قىلغان ماتېرىياللارنى ئېلىپ كېلىڭ",
            )),
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.texts().fmt(f)
    }
}

impl std::error::Error for Refusal {}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every kind of refusal, with sample values (for tests of the texts).
    fn samples() -> Vec<Refusal> {
        vec![
            Refusal::NotOffered,
            Refusal::AgentNotAllowed,
            Refusal::AgentMinor,
            Refusal::UnknownCard,
            Refusal::CardOfAnotherPerson,
            Refusal::NoCard,
            Refusal::HasValidCard {
                state: CardState::Active,
            },
            Refusal::ApplicationOpen {
                progress: Progress::InProduction,
            },
            Refusal::WrongState {
                state: CardState::LostFormal,
                allowed: vec![CardState::Active, CardState::LostTemporary],
            },
            Refusal::CardCancelled,
            Refusal::ReplacementRequested,
            Refusal::NotInReissueBatch,
            Refusal::NotExpiringYet {
                expiry: chrono::NaiveDate::from_ymd_opt(2030, 1, 31).unwrap(),
            },
            Refusal::PinNotBlocked,
            Refusal::PinBlocked,
            Refusal::CardUnusable,
            Refusal::IdentityNotVerified {
                counter: String::new(),
            },
            Refusal::DeathNeedsAgent,
        ]
    }

    #[test]
    fn every_refusal_has_a_text_in_each_script() {
        let han = |c: char| ('\u{4e00}'..='\u{9fff}').contains(&c);
        let arabic = |c: char| ('\u{0600}'..='\u{06ff}').contains(&c);
        for r in samples() {
            let (zh, en, ug) = (
                r.text(Language::ZhCn),
                r.text(Language::En),
                r.text(Language::Ug),
            );
            assert!(zh.chars().any(han), "{zh}");
            assert!(en.is_ascii(), "{en}");
            assert!(ug.chars().any(arabic) && !ug.chars().any(han), "{ug}");
            assert_eq!(r.to_string(), format!("{zh} / {en}"));
        }
    }

    #[test]
    fn states_and_dates_are_named_in_the_screen_language() {
        let r = Refusal::WrongState {
            state: CardState::LostFormal,
            allowed: vec![CardState::Active, CardState::LostTemporary],
        };
        assert!(r.text(Language::ZhCn).contains("正式挂失"));
        assert!(r.text(Language::ZhCn).contains("正常/临时挂失"));
        assert!(r
            .text(Language::En)
            .contains("active, temporarily reported lost"));
        assert!(r
            .text(Language::Ug)
            .contains(CardState::LostFormal.text().ug));
        let d = Refusal::NotExpiringYet {
            expiry: chrono::NaiveDate::from_ymd_opt(2030, 1, 31).unwrap(),
        };
        for l in [Language::ZhCn, Language::En, Language::Ug] {
            assert!(d.text(l).contains("2030-01-31"), "{}", d.text(l));
        }
    }
}
