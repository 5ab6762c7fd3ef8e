//! What a citizen needs next, printed at the end of a business's receipt (issue 22): where
//! and how a card applied for is collected, what to do if a card reported lost stays lost,
//! that enabling leaves the bank functions to the bank, and what the archive number is for.

use firmware_config::Language;

use crate::domain::BusinessCode;
use crate::text::Tri;

/// The receipt's closing lines for `business` in `lang` (after the result and the archive
/// number); `archived`: the business has an archive number.
pub(crate) fn lines(business: BusinessCode, archived: bool, lang: Language) -> Vec<String> {
    let mut out: Vec<Tri> = Vec::new();
    match business {
        BusinessCode::Apply
        | BusinessCode::Replace
        | BusinessCode::Exchange
        | BusinessCode::Reissue => out.push(Tri::new(
            "领卡: 制卡完成后短信通知,请本人持身份证和本回执到社保卡服务网点领取;代领须带双方身份证",
            "Collecting the card: a text message tells you when it is made; bring your ID card and this receipt to a card service point (someone collecting for you brings both ID cards)",
            "كارتا ئېلىش: كارتا ياسالغاندىن كېيىن قىسقا ئۇچۇر ئەۋەتىلىدۇ؛ كىملىكىڭىز ۋە بۇ تالوننى ئېلىپ كارتا مۇلازىمەت ئورنىغا بېرىڭ (باشقىلار ئالسا ئىككى تەرەپنىڭ كىملىكى كېرەك)",
        )),
        BusinessCode::ReportLoss => out.push(Tri::new(
            "后续: 卡片找回请办理解挂;卡片确实丢失请在挂失期内办理补领,期满未补领的自动解挂",
            "Next: if you find the card, lift the loss report; if it stays lost, apply for a replacement before the loss window ends, or the report lifts by itself",
            "كېيىنكى قەدەم: كارتا تېپىلسا يوقاتقانلىق مەلۇماتىنى بىكار قىلىڭ؛ راستىنلا يوقالغان بولسا مۇددەت ئىچىدە يېڭى كارتا ئىلتىماس قىلىڭ، بولمىسا مەلۇمات ئۆزلۈكىدىن بىكار بولىدۇ",
        )),
        BusinessCode::Enable => out.push(Tri::new(
            "银行功能: 本次只启用社保应用;卡的金融(银行)功能请到发卡银行网点另行激活",
            "Bank functions: only the social security application was enabled; the card's bank functions are activated at the issuing bank",
            "بانكا ئىقتىدارى: بۇ قېتىم پەقەت ئىجتىمائىي كاپالەت ئىقتىدارى قوزغىتىلدى؛ كارتىنىڭ بانكا ئىقتىدارىنى كارتا تارقاتقان بانكىدا قوزغىتىڭ",
        )),
        BusinessCode::Cancel => out.push(Tri::new(
            "后续: 卡已注销不能再用;如需新卡请办理申领",
            "Next: the card is cancelled and cannot be used again; apply for a new card if you need one",
            "كېيىنكى قەدەم: كارتا ئەمەلدىن قالدۇرۇلدى، قايتا ئىشلەتكىلى بولمايدۇ؛ يېڭى كارتا كېرەك بولسا ئىلتىماس قىلىڭ",
        )),
        _ => {}
    }
    if archived {
        out.push(Tri::new(
            "档号用途: 查询或复核本次业务时,凭档号到服务窗口调阅档案",
            "The archive number: quote it at a service counter to see or review this business's record",
            "ئارخىپ نومۇرىنىڭ ئىشلىتىلىشى: بۇ ئىشنى سۈرۈشتۈرۈش ياكى قايتا تەكشۈرۈشتە مۇلازىمەت كۆزنىكىگە بۇ نومۇرنى كۆرسىتىڭ",
        ));
    }
    out.into_iter().map(|t| t.pick(lang).to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [BusinessCode; 5] = [
        BusinessCode::Apply,
        BusinessCode::ReportLoss,
        BusinessCode::Enable,
        BusinessCode::Cancel,
        BusinessCode::Status,
    ];

    #[test]
    fn every_card_application_says_how_to_collect_the_card() {
        for b in [
            BusinessCode::Apply,
            BusinessCode::Replace,
            BusinessCode::Exchange,
            BusinessCode::Reissue,
        ] {
            assert!(
                lines(b, true, Language::ZhCn)[0].starts_with("领卡: "),
                "{b:?}"
            );
        }
        let zh = |b| lines(b, true, Language::ZhCn);
        assert!(zh(BusinessCode::ReportLoss)[0].contains("补领"));
        assert!(zh(BusinessCode::Enable)[0].contains("银行"));
        assert!(zh(BusinessCode::Status)
            .iter()
            .all(|l| l.starts_with("档号用途: ")));
        assert!(lines(BusinessCode::Status, false, Language::ZhCn).is_empty());
    }

    #[test]
    fn the_lines_are_in_the_session_language() {
        let han = |s: &str| s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
        for b in ALL {
            for l in lines(b, true, Language::Ug) {
                assert!(!han(&l), "{l}");
                assert!(
                    l.chars().any(|c| ('\u{0600}'..='\u{06ff}').contains(&c)),
                    "{l}"
                );
            }
            for l in lines(b, true, Language::En) {
                assert!(!han(&l) && l.is_ascii(), "{l}");
            }
        }
    }
}
