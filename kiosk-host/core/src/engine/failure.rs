//! Why a business stopped after it was accepted: a device, the card or the store failed, and
//! nothing was changed (or, for [`Failure::RecordPending`], the card changed and the journal
//! will settle the record). Each failure says what happened and what to do, in the three screen
//! languages; `Display` gives "中文 / English" for logs, case records and the command line.

use firmware_config::Language;
use serde::Serialize;

use crate::text::Tri;

/// A failure that ended a business (`Phase::Failed`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "failure", rename_all = "snake_case")]
pub enum Failure {
    /// The kiosk has no e-card signing key configured.
    NoEcardKey,
    /// A card command was due but no card was read.
    NoCardInserted,
    /// The store refused the commit because the record changed meanwhile.
    RecordChanged,
    /// The store could not save the record.
    StoreFailed,
    /// The card carried out its command but the record of it could not be saved (disk full,
    /// I/O error): the journal intent stays pending and the next read of the card settles it.
    RecordPending,
    /// Another card is in the reader than the one the business began with.
    CardSwapped,
    WrongPin {
        tries_left: u8,
    },
    PinBlocked,
    /// The PSAM is missing or refused.
    SamUnavailable,
    ReaderUnavailable,
    /// The card refused the command (`detail`: the card's answer, for staff).
    CardRefused {
        detail: String,
    },
    /// Enabling found that the card's PIN is no longer the initial PIN (the registry was
    /// settled to "enabled").
    AlreadyEnabled,
    /// The card left during the command and reconciliation found it had not taken effect.
    RemovedNothingChanged,
    /// The agency's registry cannot be reached (network or agency down): the business needs
    /// it and pauses; nothing was done. Businesses on the card alone still run.
    RegistryUnavailable,
    /// Another kiosk or counter is doing a business on this card or its holder right now:
    /// refused before the card was touched.
    CardBusy,
}

impl Failure {
    /// The message in one screen language.
    pub fn text(&self, lang: Language) -> String {
        self.texts().into_pick(lang)
    }

    /// The message in the three screen languages.
    pub fn texts(&self) -> Tri<String> {
        match self {
            Failure::NoEcardKey => Tri::new(
                "本机未配置电子社保卡签发密钥,请到服务窗口办理".into(),
                "this kiosk has no e-card signing key; please go to a service counter".into(),
                "بۇ ئاپپاراتتا ئېلېكترونلۇق كارتا ئىمزا ئاچقۇچى يوق، مۇلازىمەت كۆزنىكىگە بېرىڭ"
                    .into(),
            ),
            Failure::NoCardInserted => Tri::new(
                "请插入社会保障卡".into(),
                "insert the social security card".into(),
                "ئىجتىمائىي كاپالەت كارتىسىنى سېلىڭ".into(),
            ),
            Failure::RecordChanged => Tri::new(
                "记录已被其他业务更改,本次未办理,请重新开始".into(),
                "the record changed meanwhile; nothing was done, please start again".into(),
                "خاتىرە باشقا بىر ئىشتا ئۆزگەرتىلدى، ھېچنىمە قىلىنمىدى، قايتا باشلاڭ".into(),
            ),
            Failure::RecordPending => Tri::new(
                "卡片已处理,但记录暂未保存成功;下次读卡时系统将自动补记,请联系工作人员".into(),
                "the card was done, but the record could not be saved yet; it is completed automatically the next time the card is read, please call staff".into(),
                "كارتا بىر تەرەپ قىلىندى، ئەمما خاتىرە تېخى ساقلانمىدى؛ كارتا كېيىنكى قېتىم ئوقۇلغاندا سىستېما ئۆزلۈكىدىن تولۇقلايدۇ، خىزمەتچىنى چاقىرىڭ".into(),
            ),
            Failure::StoreFailed => Tri::new(
                "记录保存失败,本次未办理,请联系工作人员".into(),
                "the record could not be saved; nothing was done, please call staff".into(),
                "خاتىرىنى ساقلىغىلى بولمىدى، ھېچنىمە قىلىنمىدى، خىزمەتچىنى چاقىرىڭ".into(),
            ),
            Failure::CardSwapped => Tri::new(
                "读卡器中的卡已更换,本次未办理".into(),
                "a different card is in the reader; nothing was done".into(),
                "كارتا ئوقۇغۇچتىكى كارتا ئالماشتى، ھېچنىمە قىلىنمىدى".into(),
            ),
            Failure::WrongPin { tries_left } => Tri::new(
                format!("密码错误,还可尝试 {tries_left} 次"),
                format!("wrong PIN, {tries_left} tries left"),
                format!("پارول خاتا، يەنە {tries_left} قېتىم سىناشقا بولىدۇ"),
            ),
            Failure::PinBlocked => Tri::new(
                "密码已锁定,请办理密码解锁".into(),
                "the PIN is blocked; use PIN unblock".into(),
                "پارول قۇلۇپلاندى، پارول قۇلۇپىنى ئېچىش ئىشىنى بېجىرىڭ".into(),
            ),
            Failure::SamUnavailable => Tri::new(
                "安全模块(PSAM)不可用,请联系工作人员".into(),
                "the secure module (PSAM) is not available; please call staff".into(),
                "بىخەتەرلىك مودۇلى (PSAM) ئىشلىمەيدۇ، خىزمەتچىنى چاقىرىڭ".into(),
            ),
            Failure::ReaderUnavailable => Tri::new(
                "读卡器不可用,请联系工作人员".into(),
                "the card reader is not available; please call staff".into(),
                "كارتا ئوقۇغۇچ ئىشلىمەيدۇ، خىزمەتچىنى چاقىرىڭ".into(),
            ),
            Failure::CardRefused { detail } => Tri::new(
                format!("卡片拒绝了操作,本次未办理 ({detail})"),
                format!("the card refused; nothing was done ({detail})"),
                format!("كارتا مەشغۇلاتنى رەت قىلدى، ھېچنىمە قىلىنمىدى ({detail})"),
            ),
            Failure::AlreadyEnabled => Tri::new(
                "此卡密码已不是初始密码,卡片已处于启用状态。如忘记密码,请办理密码重置。".into(),
                "This card's PIN is no longer the initial PIN: the card is already enabled. If you forgot the PIN, use PIN reset.".into(),
                "بۇ كارتىنىڭ پارولى دەسلەپكى پارول ئەمەس، كارتا ئاللىقاچان قوزغىتىلغان. پارولنى ئۇنتۇپ قالغان بولسىڭىز، پارولنى قايتا بەلگىلەش ئىشىنى بېجىرىڭ."
                    .into(),
            ),
            Failure::RegistryUnavailable => Tri::new(
                "暂时无法连接社保卡管理系统,本业务暂停办理,未做任何更改。查询卡状态、修改密码仍可办理;请稍后再试或到服务窗口办理。".into(),
                "The card registry cannot be reached just now, so this business is paused; nothing was changed. Card status and PIN change still work; please try again later or go to a service counter.".into(),
                "ھازىر كارتا باشقۇرۇش سىستېمىسىغا ئۇلىنالمىدى، بۇ ئىش ۋاقتىنچە توختىتىلدى، ھېچنىمە ئۆزگەرتىلمىدى. كارتا ھالىتىنى كۆرۈش ۋە پارول ئۆزگەرتىش يەنىلا بولىدۇ؛ سەل تۇرۇپ قايتا سىناڭ ياكى مۇلازىمەت كۆزنىكىگە بېرىڭ."
                    .into(),
            ),
            Failure::CardBusy => Tri::new(
                "另一台终端正在办理这张卡的业务,本次未办理,卡片未改动。请稍后再试。".into(),
                "Another kiosk or counter is handling this card right now; nothing was done and the card was not touched. Please try again later.".into(),
                "باشقا بىر تېرمىنال بۇ كارتىنىڭ ئىشىنى بېجىرىۋاتىدۇ، بۇ قېتىم ھېچنىمە قىلىنمىدى، كارتىغا تېگىلمىدى. سەل تۇرۇپ قايتا سىناڭ."
                    .into(),
            ),
            Failure::RemovedNothingChanged => Tri::new(
                "卡片在办理中被取出,业务未完成,卡片和记录均未改变。请重新办理。".into(),
                "The card was removed during the business; nothing was changed. Please start again.".into(),
                "ئىش بېجىرىلىۋاتقاندا كارتا چىقىرىۋېلىندى، ئىش تاماملانمىدى، كارتا ۋە خاتىرە ئۆزگەرمىدى. قايتا بېجىرىڭ."
                    .into(),
            ),
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.texts().fmt(f)
    }
}

impl std::error::Error for Failure {}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Vec<Failure> {
        vec![
            Failure::NoEcardKey,
            Failure::NoCardInserted,
            Failure::RecordChanged,
            Failure::StoreFailed,
            Failure::RecordPending,
            Failure::CardSwapped,
            Failure::WrongPin { tries_left: 2 },
            Failure::PinBlocked,
            Failure::SamUnavailable,
            Failure::ReaderUnavailable,
            Failure::CardRefused {
                detail: "6985".into(),
            },
            Failure::AlreadyEnabled,
            Failure::RemovedNothingChanged,
            Failure::RegistryUnavailable,
            Failure::CardBusy,
        ]
    }

    #[test]
    fn every_failure_has_three_distinct_texts_in_their_scripts() {
        for f in all() {
            let zh = f.text(Language::ZhCn);
            let en = f.text(Language::En);
            let ug = f.text(Language::Ug);
            assert!(
                zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{zh}"
            );
            assert!(en.is_ascii(), "{en}");
            assert!(
                ug.chars().any(|c| ('\u{0600}'..='\u{06ff}').contains(&c)),
                "{ug}"
            );
            assert!(
                !ug.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{ug}"
            );
            assert_eq!(f.to_string(), format!("{zh} / {en}"));
        }
    }

    #[test]
    fn numbers_survive_translation() {
        let f = Failure::WrongPin { tries_left: 2 };
        for l in [Language::ZhCn, Language::En, Language::Ug] {
            assert!(f.text(l).contains('2'), "{}", f.text(l));
        }
    }
}
