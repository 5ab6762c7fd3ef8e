//! The agent rule of every business (委托, 6.1.3.2 d); BUSINESS-RULES.md section 3), each with
//! its reason, as the service guide states it. Whether an agent may act at all is the rule
//! table's [`super::AgentPolicy`]; this says what the agent brings, what cannot be asked for
//! and why.

use super::row::AgentPolicy;
use super::table::rule;
use crate::domain::BusinessCode;
use crate::text::Tri;

/// The agent rule of `code` with its reason.
pub fn agent_rule(code: BusinessCode) -> Tri {
    use BusinessCode::*;
    match code {
        Apply => Tri::new(
            "可委托:被委托人带本人身份证原件和委托人身份证原件;委托人尚无社会保障卡,故不要求卡。系统内无照片的,委托人须本人到场拍照(照片须是本人)。",
            "An agent may apply: the agent brings their own ID card and the holder's; the holder has no card yet, so none is asked for. If no photo is on file the holder must come for the photo (it must show the holder).",
            "ۋاكالەتچى ئىلتىماس قىلسا بولىدۇ: ۋاكالەتچى ئۆزىنىڭ ۋە سۇغۇرتىغا قاتناشقۇچىنىڭ كىملىكىنى ئېلىپ كېلىدۇ؛ كارتا تېخى يوق، شۇڭا تەلەپ قىلىنمايدۇ. سىستېمىدا سۈرەت بولمىسا، ئىگىسىنىڭ ئۆزى كېلىپ سۈرەت تارتقۇزۇشى كېرەك.",
        ),
        Enable => Tri::new(
            "不可委托:启用时由持卡人设置本人密码,代办人会知道该密码。",
            "No agent: enabling sets the holder's own PIN, which an agent would then know.",
            "ۋاكالەتچى بېجىرەلمەيدۇ: قوزغىتىشتا ئىگىسى ئۆز پارولىنى بېكىتىدۇ، ۋاكالەتچى بېجىرسە پارولنى بىلىپ قالىدۇ.",
        ),
        PinChange | PinReset => Tri::new(
            "不可委托:密码是持卡人本人的秘密,只能由本人设置。",
            "No agent: the PIN is the holder's secret and only the holder sets it.",
            "ۋاكالەتچى بېجىرەلمەيدۇ: پارول ئىگىسىنىڭ مەخپىيىتى، ئۇنى پەقەت ئىگىسىلا بېكىتىدۇ.",
        ),
        PinUnblock => Tri::new(
            "不可委托:解锁会恢复密码输入次数,代办人持有卡即可再次尝试密码。",
            "No agent: an unblock gives the PIN tries back, and an agent holding the card could try PINs again.",
            "ۋاكالەتچى بېجىرەلمەيدۇ: قۇلۇپ ئېچىش پارول سىناش قېتىم سانىنى ئەسلىگە كەلتۈرىدۇ، كارتىنى تۇتقان ۋاكالەتچى قايتا سىنىيالايدۇ.",
        ),
        ReportLoss | Replace => Tri::new(
            "可委托:被委托人带本人身份证原件和委托人身份证原件;卡已丢失,故不要求卡。",
            "An agent may act: the agent brings their own ID card and the holder's; the card is lost, so it is not asked for.",
            "ۋاكالەتچى بېجىرسە بولىدۇ: ۋاكالەتچى ئۆزىنىڭ ۋە سۇغۇرتىغا قاتناشقۇچىنىڭ كىملىكىنى ئېلىپ كېلىدۇ؛ كارتا يوقالغان، شۇڭا تەلەپ قىلىنمايدۇ.",
        ),
        Photo => Tri::new(
            "可委托协助:委托人须本人在摄像头前拍照;委托人可能尚无卡,故不要求卡。",
            "An agent may help: the holder must be before the camera; the holder may have no card yet, so none is asked for.",
            "ۋاكالەتچى ياردەملەشسە بولىدۇ: ئىگىسىنىڭ ئۆزى كامېرا ئالدىدا بولۇشى كېرەك؛ ئۇنىڭ تېخى كارتىسى بولماسلىقى مۇمكىن، شۇڭا كارتا تەلەپ قىلىنمايدۇ.",
        ),
        Exchange | Cancel => Tri::new(
            "可委托:被委托人带本人身份证原件、委托人身份证原件和社会保障卡原件;本人办理时卡无法读取也可,代办时须带能读取的卡,因为本机只能核对能读取的卡。",
            "An agent may act: the agent brings their own ID card and the holder's ID card and card. The holder in person may come without a readable card; an agent must bring one, since the kiosk can only check a card it reads.",
            "ۋاكالەتچى بېجىرسە بولىدۇ: ۋاكالەتچى ئۆزىنىڭ كىملىكى، ئىگىسىنىڭ كىملىكى ۋە كارتىسىنى ئېلىپ كېلىدۇ. ئىگىسى ئۆزى كەلسە كارتا ئوقۇلمىسىمۇ بولىدۇ؛ ۋاكالەتچى ئوقۇغىلى بولىدىغان كارتا ئېلىپ كېلىشى كېرەك، چۈنكى ئۈسكۈنە پەقەت ئوقۇغان كارتىنىلا تەكشۈرەلەيدۇ.",
        ),
        Ecard | Status | ChangeInfo | CancelLoss | Reissue => Tri::new(
            "可委托:被委托人带本人身份证原件、委托人身份证原件和社会保障卡原件(6.1.3.2 d))。",
            "An agent may act: the agent brings their own ID card and the holder's ID card and card (6.1.3.2 d)).",
            "ۋاكالەتچى بېجىرسە بولىدۇ: ۋاكالەتچى ئۆزىنىڭ كىملىكى، ئىگىسىنىڭ كىملىكى ۋە كارتىسىنى ئېلىپ كېلىدۇ (6.1.3.2 d)).",
        ),
    }
}

/// True when the text of [`agent_rule`] agrees with the table's policy (used by tests and the
/// guide's self-check): a "no agent" text exactly where the policy is [`AgentPolicy::Never`].
pub fn agrees_with_policy(code: BusinessCode) -> bool {
    let never = agent_rule(code).zh.starts_with("不可委托");
    never == (rule(code).agent == AgentPolicy::Never)
}
