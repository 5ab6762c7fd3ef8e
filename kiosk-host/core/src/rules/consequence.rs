//! What a business does that the citizen must know *before* confirming (issue 22, item 7;
//! BUSINESS-RULES.md sections 1 and 2): the loss window and the bank's part of a loss report,
//! what cannot be undone for 注销, 补领 and 换领. The confirm screen states them in the
//! citizen's language; an irreversible business asks for a deliberate second touch.

use firmware_config::{Business, Language};
use serde::Serialize;

use crate::domain::BusinessCode;
use crate::text::Tri;

/// One consequence of a business.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Consequence {
    /// The card stops working the moment the loss is reported.
    CardStopsAtOnce,
    /// A temporary loss lifts by itself at the end of the window (setting, days).
    LossLiftsAfterWindow,
    /// The card's bank (financial) function is reported lost at the bank, separately.
    BankLossSeparately,
    /// The card works again.
    CardWorksAgain,
    /// The old card is cancelled for good, even if it turns up later.
    OldCardCancelledForGood,
    /// The card's record is cancelled for good.
    RecordCancelledForGood,
    /// The bank account is closed at the bank, separately.
    BankAccountSeparately,
    /// The bank function is activated at the bank.
    BankFunctionAtBank,
    /// The new card is collected once made, with the receipt.
    CollectWithReceipt,
}

/// The consequences of `code`, in the order they are stated.
pub fn consequences(code: BusinessCode) -> &'static [Consequence] {
    use BusinessCode::*;
    use Consequence::*;
    match code {
        ReportLoss => &[CardStopsAtOnce, LossLiftsAfterWindow, BankLossSeparately],
        CancelLoss => &[CardWorksAgain],
        Replace => &[OldCardCancelledForGood, CollectWithReceipt],
        Exchange | Reissue => &[OldCardCancelledForGood, CollectWithReceipt],
        Cancel => &[RecordCancelledForGood, BankAccountSeparately],
        Enable => &[BankFunctionAtBank],
        Apply => &[CollectWithReceipt],
        Ecard | Status | ChangeInfo | PinChange | PinReset | PinUnblock | Photo => &[],
    }
}

/// True when the business cannot be undone: its confirm screen needs a deliberate second touch.
pub fn irreversible(code: BusinessCode) -> bool {
    consequences(code).iter().any(|c| {
        matches!(
            c,
            Consequence::OldCardCancelledForGood | Consequence::RecordCancelledForGood
        )
    })
}

/// One consequence as a sentence in `lang`, with the settings filled in.
pub fn text(c: Consequence, settings: &Business, lang: Language) -> String {
    let days = settings.temporary_loss_days;
    let t = match c {
        Consequence::CardStopsAtOnce => Tri::new(
            "挂失后卡立即停用,社会保障功能不能使用。".to_string(),
            "Once reported lost, the card stops working at once.".to_string(),
            "مەلۇم قىلىنغاندىن كېيىن كارتا دەرھال توختىتىلىدۇ.".to_string(),
        ),
        Consequence::LossLiftsAfterWindow => Tri::new(
            format!("这是临时挂失:{days}天后自动解除,卡恢复可用;卡确实丢失的,请在{days}天内办理补领。"),
            format!("This is a temporary loss report: it lifts by itself after {days} days and the card works again. If the card is really lost, apply for a replacement within {days} days."),
            format!("بۇ ۋاقىتلىق مەلۇمات: {days} كۈندىن كېيىن ئۆزلۈكىدىن بىكار بولىدۇ، كارتا قايتا ئىشلەيدۇ. كارتا راستتىنلا يوقالغان بولسا، {days} كۈن ئىچىدە يېڭى كارتىغا ئىلتىماس قىلىڭ."),
        ),
        Consequence::BankLossSeparately => Tri::new(
            "本机只挂失社会保障功能;银行账户(金融功能)请另行向合作银行挂失。".to_string(),
            "This stops the social security function only: report the bank account (the card's bank function) lost to the bank separately.".to_string(),
            "بۇ پەقەت ئىجتىمائىي كاپالەت ئىقتىدارىنى توختىتىدۇ؛ بانكا ھېساباتىنى بانكىغا ئايرىم مەلۇم قىلىڭ.".to_string(),
        ),
        Consequence::CardWorksAgain => Tri::new(
            "解挂后卡恢复正常使用。".to_string(),
            "The card works again once the report is lifted.".to_string(),
            "مەلۇمات بىكار قىلىنغاندىن كېيىن كارتا قايتا ئىشلەيدۇ.".to_string(),
        ),
        Consequence::OldCardCancelledForGood => Tri::new(
            "原卡将被注销,此操作不可撤销:即使日后找到原卡也不能再使用。".to_string(),
            "The old card is cancelled. This cannot be undone: the old card will not work again, even if found later.".to_string(),
            "كونا كارتا ئەمەلدىن قالدۇرۇلىدۇ. بۇنى قايتۇرغىلى بولمايدۇ: كېيىن تېپىلسىمۇ كونا كارتا قايتا ئىشلىمەيدۇ.".to_string(),
        ),
        Consequence::RecordCancelledForGood => Tri::new(
            "卡将被停用并注销,此操作不可撤销。".to_string(),
            "The card is blocked and cancelled. This cannot be undone.".to_string(),
            "كارتا توختىتىلىپ ئەمەلدىن قالدۇرۇلىدۇ. بۇنى قايتۇرغىلى بولمايدۇ.".to_string(),
        ),
        Consequence::BankAccountSeparately => Tri::new(
            "银行账户须到合作银行另行销户。".to_string(),
            "The bank account is closed at the partner bank, separately.".to_string(),
            "بانكا ھېساباتى ھەمكارلاشقۇچى بانكىدا ئايرىم تاقىلىدۇ.".to_string(),
        ),
        Consequence::BankFunctionAtBank => Tri::new(
            "本机只启用社会保障功能;金融功能请到合作银行激活。".to_string(),
            "This enables the social security function only; the bank function is activated at the partner bank.".to_string(),
            "بۇ پەقەت ئىجتىمائىي كاپالەت ئىقتىدارىنى قوزغىتىدۇ؛ بانكا ئىقتىدارى ھەمكارلاشقۇچى بانكىدا ئاكتىپلىنىدۇ.".to_string(),
        ),
        Consequence::CollectWithReceipt => Tri::new(
            "新卡制成后凭回执领取,预计日期印在回执上。".to_string(),
            "The new card is collected with the receipt once made; the expected date is on the receipt.".to_string(),
            "يېڭى كارتا ياسالغاندىن كېيىن تالون بىلەن ئېلىنىدۇ؛ مۆلچەرلەنگەن ۋاقتى تالوندا بار.".to_string(),
        ),
    };
    t.into_pick(lang)
}

/// Every consequence of `code` as sentences in `lang`.
pub fn lines(code: BusinessCode, settings: &Business, lang: Language) -> Vec<String> {
    consequences(code)
        .iter()
        .map(|c| text(*c, settings, lang))
        .collect()
}
