//! What the citizen is told about the devices and the card, in the screen's language.

use firmware_config::Language;

use kiosk_core::engine::driver::DriverError;

/// What the receipt screen says on a kiosk without a printer.
pub fn no_printer(lang: Language) -> String {
    self_text(
        lang,
        "本机没有凭条打印机,请拍照或记下以上内容",
        "this kiosk has no receipt printer: take a photo of the screen or write it down",
        "بۇ ئاپپاراتتا تالون پرىنتېرى يوق، ئېكراننى رەسىمگە تارتىۋېلىڭ ياكى خاتىرىلىۋېلىڭ",
    )
}

/// The part of a device message for the screen language. Device messages travel as one
/// string (the health board, the `device` event, logs): "中文 / English / ئۇيغۇرچە"; a part
/// that is missing falls back to the Chinese.
pub fn split_message(message: &str, lang: Language) -> String {
    let mut parts = message.splitn(3, " / ");
    let zh = parts.next().unwrap_or_default();
    let en = parts.next();
    let ug = parts.next();
    match lang {
        Language::ZhCn => zh,
        Language::En => en.unwrap_or(zh),
        Language::Ug => ug.unwrap_or(zh),
    }
    .to_string()
}

pub(crate) fn self_text(lang: Language, zh: &str, en: &str, ug: &str) -> String {
    match lang {
        Language::ZhCn => zh,
        Language::En => en,
        Language::Ug => ug,
    }
    .into()
}

/// What the citizen sees when the card could not be read.
pub(super) fn card_message(e: &DriverError, lang: Language) -> String {
    let (zh, en, ug) = match e {
        DriverError::Exec(kiosk_core::engine::executor::ExecError::Op(op)) if op.is_card_gone() => {
            (
                "未能读取社会保障卡,请重新插卡",
                "the card could not be read: insert it again",
                "ئىجتىمائىي كاپالەت كارتىسىنى ئوقۇغىلى بولمىدى، قايتا سېلىڭ",
            )
        }
        DriverError::Exec(kiosk_core::engine::executor::ExecError::Op(op))
            if op.exit_code() == 3 =>
        {
            (
                "读卡器不可用,请联系工作人员",
                "the card reader is not available: please call staff",
                "كارتا ئوقۇغۇچ ئىشلىمەيدۇ، خىزمەتچىنى چاقىرىڭ",
            )
        }
        _ => (
            "这张卡无法读取,请确认插入的是社会保障卡",
            "this card cannot be read: is it the social security card?",
            "بۇ كارتىنى ئوقۇغىلى بولمايدۇ، ئىجتىمائىي كاپالەت كارتىسى ئىكەنلىكىنى جەزملەشتۈرۈڭ",
        ),
    };
    self_text(lang, zh, en, ug)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_messages_are_told_in_the_screen_language() {
        let m = "打印机缺纸 / the printer is out of paper / پرىنتېردا قەغەز يوق";
        assert_eq!(split_message(m, Language::ZhCn), "打印机缺纸");
        assert_eq!(
            split_message(m, Language::En),
            "the printer is out of paper"
        );
        assert_eq!(split_message(m, Language::Ug), "پرىنتېردا قەغەز يوق");
        // Older two-part messages: Uyghur falls back to the Chinese, and one part is all.
        assert_eq!(split_message("仅中文 / only", Language::Ug), "仅中文");
        assert_eq!(split_message("仅中文", Language::En), "仅中文");
    }
}
