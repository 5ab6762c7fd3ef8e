//! Every fixed string of the screens (buttons, prompts, headings, the countdown) in the three
//! screen languages, looked up by [`Key`]. Texts that depend on a business or a citizen come
//! already localised in the view models; these are the words of the kiosk itself.

use crate::view::Lang;

/// Defines [`Key`], [`Key::ALL`] and [`Key::text`] from one table, so a key cannot exist
/// without its three texts.
macro_rules! texts {
    ($($(#[$doc:meta])* $key:ident => { zh: $zh:literal, ug: $ug:literal, en: $en:literal $(,)? },)*) => {
        /// A fixed text of the screens.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Key {
            $($(#[$doc])* $key,)*
        }

        impl Key {
            /// Every key, in table order.
            pub const ALL: &'static [Key] = &[$(Key::$key,)*];

            /// The text in `lang`.
            pub fn text(self, lang: Lang) -> &'static str {
                match self {
                    $(Key::$key => match lang {
                        Lang::ZhCn => $zh,
                        Lang::Ug => $ug,
                        Lang::En => $en,
                    },)*
                }
            }

            /// The key's name as written in this table (`InsertCard`): how the spoken
            /// prompts are named in their addresses.
            pub fn name(self) -> &'static str {
                match self {
                    $(Key::$key => stringify!($key),)*
                }
            }

            /// The key named `name` ([`Key::name`]).
            pub fn from_name(name: &str) -> Option<Key> {
                Key::ALL.iter().copied().find(|k| k.name() == name)
            }
        }
    };
}

texts! {
    // ---- the chrome around every screen ----
    /// Label of the language switcher.
    Language => { zh: "语言", ug: "تىل", en: "Language" },
    /// Switches elderly mode on.
    ElderlyOn => { zh: "长者模式（大字）", ug: "ياشانغانلار ھالىتى (چوڭ خەت)", en: "Elderly mode (large text)" },
    /// Switches elderly mode off.
    ElderlyOff => { zh: "标准模式", ug: "ئادەتتىكى ھالەت", en: "Standard mode" },
    /// Label of the group of session controls (cancel, countdown).
    SessionControls => { zh: "办理操作", ug: "بېجىرىش مەشغۇلاتى", en: "Session controls" },
    /// Ends the session.
    Cancel => { zh: "取消办理", ug: "ۋاز كېچىش", en: "Cancel" },
    /// Resets the idle countdown.
    MoreTime => { zh: "延长时间", ug: "ۋاقىت ئۇزارتىش", en: "More time" },
    /// Before the seconds of the countdown.
    TimeLeft => { zh: "剩余时间", ug: "قالغان ۋاقىت", en: "Time left" },
    /// After the seconds of the countdown.
    Seconds => { zh: "秒", ug: "سېكۇنت", en: "seconds" },
    /// Announced when the countdown is nearly over.
    TimeAlmostUp => {
        zh: "时间快到了。如需继续办理，请点击“延长时间”。",
        ug: "ۋاقىت توشاي دەپ قالدى. داۋاملاشتۇرماقچى بولسىڭىز «ۋاقىت ئۇزارتىش» نى بېسىڭ.",
        en: "Time is almost up. Press “More time” to go on.",
    },
    /// Calls a member of staff.
    CallStaff => { zh: "呼叫工作人员", ug: "خىزمەتچىنى چاقىرىش", en: "Call staff" },
    /// Link to the simulated hardware panel.
    SimPanel => { zh: "模拟硬件面板", ug: "تەقلىدىي ئۈسكۈنە تاختىسى", en: "Simulated hardware panel" },
    /// Label of the live device status line.
    DeviceStatus => { zh: "设备状态", ug: "ئۈسكۈنە ھالىتى", en: "Device status" },
    /// Plays the screen's spoken prompt again.
    HearAgain => { zh: "再听一遍", ug: "قايتا ئاڭلاش", en: "Hear it again" },

    // ---- home ----
    ChooseService => { zh: "请选择要办理的业务", ug: "بېجىرمەكچى بولغان مۇلازىمەتنى تاللاڭ", en: "Choose a service" },
    /// The switch on home: the citizen does the business for someone else (委托代办).
    AsAgent => {
        zh: "我是代办人（为他人办理）",
        ug: "مەن ۋاكالەتچى (باشقىلار ئۈچۈن بېجىرىمەن)",
        en: "I am an agent acting for someone else",
    },
    AgentHint => {
        zh: "选中后，只能选择允许代办的业务",
        ug: "تاللىغاندىن كېيىن، ۋاكالىتەن بېجىرىشكە بولىدىغان مۇلازىمەتلەرنىلا تاللىغىلى بولىدۇ",
        en: "Then only the services an agent may do can be chosen",
    },
    GroupGetCard => { zh: "办卡", ug: "كارتا ئېلىش", en: "Get a card" },
    GroupCardServices => { zh: "卡片服务", ug: "كارتا مۇلازىمىتى", en: "Card services" },
    GroupLossAndCancel => { zh: "挂失与注销", ug: "يوقاتقانلىق ۋە ئەمەلدىن قالدۇرۇش", en: "Loss and cancellation" },
    GroupPin => { zh: "密码", ug: "پارول", en: "PIN" },
    GroupQuery => { zh: "查询", ug: "سۈرۈشتۈرۈش", en: "Enquiries" },
    /// Above the businesses that begin with the card just inserted.
    LikelyCard => {
        zh: "已插入社会保障卡，您可能要办理：",
        ug: "كارتىڭىز سېلىندى. بېجىرمەكچى بولغىنىڭىز بەلكىم:",
        en: "Your card is in. You may want:",
    },
    /// Above the businesses that begin with the ID card just read.
    LikelyIdCard => {
        zh: "已读取身份证，您可能要办理：",
        ug: "كىملىكىڭىز ئوقۇلدى. بېجىرمەكچى بولغىنىڭىز بەلكىم:",
        en: "Your ID card was read. You may want:",
    },
    AllServices => { zh: "全部业务", ug: "بارلىق مۇلازىمەتلەر", en: "All services" },

    // ---- attract screen ----
    AttractHeading => {
        zh: "社会保障卡自助服务",
        ug: "ئىجتىمائىي كاپالەت كارتىسى ئۆزى مۇلازىمەت",
        en: "Social security card self-service",
    },
    AttractBegin => {
        zh: "请插入社会保障卡或放置身份证开始办理",
        ug: "باشلاش ئۈچۈن ئىجتىمائىي كاپالەت كارتىڭىزنى سېلىڭ ياكى كىملىكىڭىزنى قويۇڭ",
        en: "Insert your social security card or place your ID card to begin",
    },
    AttractOffers => { zh: "在这里可以办理", ug: "بۇ يەردە بېجىرگىلى بولىدىغان ئىشلار", en: "What you can do here" },
    AttractTouch => { zh: "轻触此处选择业务", ug: "مۇلازىمەت تاللاش ئۈچۈن بۇ يەرنى چېكىڭ", en: "Touch here to choose a service" },
    ServiceGuide => { zh: "办事指南", ug: "ئىش بېجىرىش قوللانمىسى", en: "Service guide" },
    BackHome => { zh: "返回首页", ug: "باش بەتكە قايتىش", en: "Back to the start" },
    /// The suggestion box (8.3).
    Suggestions => { zh: "意见建议", ug: "پىكىر-تەكلىپ", en: "Suggestions" },
    SuggestionHint => {
        zh: "请写下您对本服务的意见或建议，工作人员会阅读。请不要填写身份证号、电话等个人信息。",
        ug: "بۇ مۇلازىمەتكە بولغان پىكىر-تەكلىپىڭىزنى يېزىڭ، خىزمەتچىلەر ئوقۇيدۇ. كىملىك نومۇرى، تېلېفون قاتارلىق شەخسىي ئۇچۇرلارنى يازماڭ.",
        en: "Write what you think of this service or how to improve it; staff read every one. Please leave out ID numbers, phone numbers and other personal details."
    },
    SuggestionLabel => { zh: "意见或建议", ug: "پىكىر ياكى تەكلىپ", en: "Your suggestion" },
    SuggestionSend => { zh: "提交", ug: "يوللاش", en: "Send" },
    SuggestionThanks => {
        zh: "谢谢！您的意见建议已收到。",
        ug: "رەھمەت! پىكىر-تەكلىپىڭىز تاپشۇرۇۋېلىندى.",
        en: "Thank you: your suggestion has been received."
    },

    // ---- gathering steps ----
    PlaceIdCard => { zh: "请将身份证放在读卡区", ug: "كىملىكىڭىزنى ئوقۇش رايونىغا قويۇڭ", en: "Place your ID card on the reader" },
    PlaceAgentIdCard => {
        zh: "请代办人将本人身份证放在读卡区",
        ug: "ۋاكالەتچى ئۆز كىملىكىنى ئوقۇش رايونىغا قويسۇن",
        en: "Agent: place your own ID card on the reader",
    },
    EcardAlso => {
        zh: "也可以向扫码器出示电子社会保障卡二维码",
        ug: "ئېلېكترونلۇق ئىجتىمائىي كاپالەت كارتىسىنىڭ QR كودىنى سايىلىغۇچقا كۆرسەتسىڭىزمۇ بولىدۇ",
        en: "You can also show your electronic social security card QR code to the scanner",
    },
    InsertCard => {
        zh: "请将社会保障卡插入读卡口",
        ug: "ئىجتىمائىي كاپالەت كارتىڭىزنى كارتا ئېغىزىغا سېلىڭ",
        en: "Insert your social security card into the card slot",
    },
    WaitForDevice => {
        zh: "放好后请稍候，屏幕会自动继续",
        ug: "قويۇپ بولغاندىن كېيىن سەل ساقلاڭ، ئېكران ئۆزلۈكىدىن داۋاملىشىدۇ",
        en: "Then wait a moment: the screen goes on by itself",
    },
    FaceCamera => { zh: "请正对摄像头，保持不动", ug: "كامېراغا توغرا قاراپ، مىدىرلىماي تۇرۇڭ", en: "Look straight at the camera and keep still" },
    CameraPreview => { zh: "摄像头实时画面", ug: "كامېرانىڭ نەق مەيدان كۆرۈنۈشى", en: "Live camera picture" },
    TakePhoto => { zh: "拍照", ug: "سۈرەتكە تارتىش", en: "Take the photo" },
    PhotoAdvice => { zh: "拍照提示", ug: "سۈرەت تارتىش ئەسكەرتمىسى", en: "Advice for the photo" },
    ContactPrompt => {
        zh: "请填写新的联系电话或通讯地址",
        ug: "يېڭى تېلېفون نومۇرى ياكى ئادرېسىڭىزنى تولدۇرۇڭ",
        en: "Enter your new phone number or address",
    },
    Phone => { zh: "手机号码（11位数字）", ug: "يانفون نومۇرى (11 خانىلىق سان)", en: "Mobile number (11 digits)" },
    Address => { zh: "通讯地址", ug: "ئالاقە ئادرېسى", en: "Postal address" },
    /// The division picker's select, for a page without its script.
    Division => { zh: "所在地区", ug: "تۇرۇشلۇق رايون", en: "Area" },
    ChoosePrefecture => { zh: "地州市", ug: "ۋىلايەت، ئوبلاست ياكى شەھەر", en: "Prefecture" },
    ChooseCounty => { zh: "县市区", ug: "ناھىيە، شەھەر ياكى رايون", en: "County or city" },
    ChooseTown => {
        zh: "乡镇街道（不知道可不选）",
        ug: "يېزا، بازار ياكى مەھەللە (بىلمىسىڭىز تاللىمىسىڭىزمۇ بولىدۇ)",
        en: "Town or street office (leave it if you do not know)",
    },
    /// The choice of a division in the picker for a page without its script.
    ChooseOne => { zh: "请选择", ug: "تاللاڭ", en: "Choose" },
    /// In the picker: the county is enough, no town chosen.
    SkipTown => { zh: "不选乡镇街道", ug: "يېزا-بازار تاللىمايمەن", en: "No town" },
    /// Goes back to a level of the picker to choose again.
    ChangeChoice => { zh: "重新选择", ug: "قايتا تاللاش", en: "Change" },
    Street => {
        zh: "街道门牌（路名、门牌号、小区、楼栋、单元、室）",
        ug: "كوچا ۋە ئىشىك نومۇرى (يول، نومۇر، ئولتۇراق رايونى، بىنا، ئۆي)",
        en: "Street and number (road, number, estate, building, flat)",
    },
    Next => { zh: "下一步", ug: "كېيىنكى قەدەم", en: "Next" },
    ChooseReason => { zh: "请选择原因", ug: "سەۋەبنى تاللاڭ", en: "Choose the reason" },
    BankReceiptPrompt => {
        zh: "请输入合作银行出具的销户回执编号",
        ug: "بانكا بەرگەن ھېسابات تاقاش تالونىنىڭ نومۇرىنى كىرگۈزۈڭ",
        en: "Enter the number on the bank's account-closure receipt",
    },
    ReceiptNumber => { zh: "回执编号", ug: "تالون نومۇرى", en: "Receipt number" },
    /// "I don't have it": the material is listed in the one-time notice at the end.
    DontHave => { zh: "我没有", ug: "مەندە يوق", en: "I don't have it" },
    DontHaveHint => {
        zh: "缺少的材料会在最后一次性告知",
        ug: "كەم ماتېرىياللار ئاخىرىدا بىر قېتىمدىلا ئۇقتۇرۇلىدۇ",
        en: "Anything missing is listed for you at the end, all at once",
    },

    // ---- one-time notice ----
    NoticeHeading => {
        zh: "一次性告知：请补齐以下全部材料",
        ug: "بىر قېتىملىق ئۇقتۇرۇش: تۆۋەندىكى ماتېرىياللارنىڭ ھەممىسىنى تولۇقلاڭ",
        en: "Missing materials: everything you still need, listed at once",
    },
    PrintNotice => { zh: "打印告知单", ug: "ئۇقتۇرۇشنى بېسىش", en: "Print this list" },
    Finish => { zh: "完成", ug: "تاماملاش", en: "Finish" },
    Complaint => { zh: "投诉渠道", ug: "ئەرز-شىكايەت يولى", en: "Complaints" },

    // ---- outcomes ----
    RefusedHeading => {
        zh: "暂不能办理此业务",
        ug: "بۇ مۇلازىمەتنى ھازىرچە بېجىرگىلى بولمايدۇ",
        en: "This service cannot be done now",
    },
    FailedHeading => { zh: "办理未成功", ug: "بېجىرىش مۇۋەپپەقىيەتلىك بولمىدى", en: "The service did not go through" },
    InterruptedHeading => {
        zh: "卡片被取出，请放回",
        ug: "كارتا چىقىرىۋېلىندى، قايتا سېلىڭ",
        en: "The card was taken out: put it back",
    },
    ErrorHeading => {
        zh: "自助机暂时出现问题",
        ug: "ئۆزلۈكىدىن مۇلازىمەت ئۈسكۈنىسىدە مەسىلە كۆرۈلدى",
        en: "The kiosk has a problem",
    },
    WhatHappened => { zh: "发生了什么", ug: "نېمە بولدى", en: "What happened" },
    WhatToDo => { zh: "请这样做", ug: "نېمە قىلىش كېرەك", en: "What to do" },
    AskStaff => {
        zh: "请呼叫工作人员协助您",
        ug: "خىزمەتچىنى چاقىرىپ ياردەم سوراڭ",
        en: "Please call a member of staff to help you",
    },

    // ---- confirmation ----
    ConfirmHeading => { zh: "请核对以下信息", ug: "تۆۋەندىكى ئۇچۇرلارنى تەكشۈرۈڭ", en: "Check these details" },
    Notes => { zh: "须知", ug: "دىققەت", en: "Please note" },
    ConfirmButton => { zh: "确认办理", ug: "جەزملەشتۈرۈش", en: "Confirm" },

    // ---- PIN pad ----
    PinHeading => { zh: "请输入密码（6位数字）", ug: "پارولنى كىرگۈزۈڭ (6 خانىلىق سان)", en: "Enter the PIN (6 digits)" },
    PinShield => { zh: "输入时请用手遮挡", ug: "كىرگۈزگەندە قولىڭىز بىلەن توسۇۋېلىڭ", en: "Shield the keypad with your hand" },
    OldPin => { zh: "原密码", ug: "كونا پارول", en: "Current PIN" },
    NewPin => { zh: "新密码", ug: "يېڭى پارول", en: "New PIN" },
    RepeatPin => { zh: "再次输入新密码", ug: "يېڭى پارولنى قايتا كىرگۈزۈڭ", en: "New PIN again" },
    PinPad => { zh: "密码键盘", ug: "پارول كۇنۇپكا تاختىسى", en: "PIN pad" },
    Clear => { zh: "清除", ug: "تازىلاش", en: "Clear" },
    Backspace => { zh: "退格", ug: "بىر خانە ئۆچۈرۈش", en: "Delete a digit" },
    PinSubmit => { zh: "确定", ug: "ماقۇل", en: "OK" },

    // ---- on-screen keyboards ----
    Keyboard => { zh: "屏幕键盘", ug: "ئېكران كۇنۇپكا تاختىسى", en: "On-screen keyboard" },
    DigitPad => { zh: "数字键盘", ug: "سان كۇنۇپكا تاختىسى", en: "Number pad" },
    /// How many digits of how many: `{0}` and `{1}` are put in by the page.
    DigitsEntered => { zh: "已输入 {0} 位，共 {1} 位", ug: "{1} خانىدىن {0} خانە كىرگۈزۈلدى", en: "{0} of {1} digits entered" },
    KbdPinyin => { zh: "拼音", ug: "پىنيىن", en: "Pinyin" },
    KbdUyghur => { zh: "维吾尔文", ug: "ئۇيغۇرچە", en: "Uyghur" },
    KbdLatin => { zh: "字母和数字", ug: "ھەرپ ۋە سان", en: "Letters and digits" },
    Shift => { zh: "切换上档", ug: "ئالماشتۇرۇش", en: "Shift" },
    Space => { zh: "空格", ug: "بوشلۇق", en: "Space" },
    DeleteChar => { zh: "删除", ug: "ئۆچۈرۈش", en: "Delete" },
    Candidates => { zh: "候选字词", ug: "خەنزۇچە تاللانمىلار", en: "Chinese candidates" },
    PinyinTyped => { zh: "已输入的拼音", ug: "كىرگۈزۈلگەن پىنيىن", en: "Pinyin typed" },
    MoreCandidates => { zh: "下一组候选", ug: "كېيىنكى تاللانمىلار", en: "More candidates" },
    PrevCandidates => { zh: "上一组候选", ug: "ئالدىنقى تاللانمىلار", en: "Previous candidates" },

    // ---- result and rating ----
    DoneHeading => { zh: "办理完成", ug: "بېجىرىلدى", en: "Done" },
    Receipt => { zh: "回执", ug: "تالون", en: "Receipt" },
    PrintReceipt => { zh: "打印回执", ug: "تالون بېسىش", en: "Print the receipt" },
    EcardQr => {
        zh: "您的电子社会保障卡二维码",
        ug: "ئېلېكترونلۇق ئىجتىمائىي كاپالەت كارتىڭىزنىڭ QR كودى",
        en: "Your electronic social security card QR code",
    },
    QrUnavailable => {
        zh: "二维码无法显示，请呼叫工作人员",
        ug: "QR كودىنى كۆرسەتكىلى بولمىدى، خىزمەتچىنى چاقىرىڭ",
        en: "The QR code cannot be shown: please call staff",
    },
    RateHeading => {
        zh: "请对本次服务进行评价（可以跳过）",
        ug: "بۇ قېتىملىق مۇلازىمەتكە باھا بېرىڭ (ئاتلاپ ئۆتسىڭىزمۇ بولىدۇ)",
        en: "How was this service? (you may skip this)",
    },
    Rate5 => { zh: "非常满意", ug: "ناھايىتى رازى", en: "Very satisfied" },
    Rate4 => { zh: "满意", ug: "رازى", en: "Satisfied" },
    Rate3 => { zh: "基本满意", ug: "ئاساسەن رازى", en: "Fairly satisfied" },
    Rate2 => { zh: "不满意", ug: "رازى ئەمەس", en: "Dissatisfied" },
    Rate1 => { zh: "非常不满意", ug: "ناھايىتى نارازى", en: "Very dissatisfied" },
    RateReasons => {
        zh: "不满意的原因（选择“不满意”或“非常不满意”时填写，可多选，选填）",
        ug: "نارازى بولۇش سەۋەبى («رازى ئەمەس» ياكى «ناھايىتى نارازى» تاللىغاندا؛ بىر قانچىنى تاللىسىڭىز بولىدۇ، ئىختىيارىي)",
        en: "Reasons (with “Dissatisfied” or “Very dissatisfied”; choose any or none)",
    },
    Comment => { zh: "意见建议（选填）", ug: "پىكىر-تەكلىپ (ئىختىيارىي)", en: "Comments or suggestions (optional)" },
    SendRating => { zh: "提交评价", ug: "باھانى يوللاش", en: "Send the rating" },
    SkipFinish => { zh: "跳过评价，完成", ug: "باھا بەرمەي تاماملاش", en: "Skip and finish" },

    // ---- service guide ----
    GuideContent => { zh: "办理内容", ug: "مۇلازىمەت مەزمۇنى", en: "What it is" },
    GuideBasis => { zh: "设定依据", ug: "قانۇنىي ئاساسى", en: "Legal basis" },
    GuideProcedure => { zh: "办理流程", ug: "بېجىرىش تەرتىپى", en: "Procedure" },
    GuideTimeLimit => { zh: "办理时限", ug: "بېجىرىش مۇددىتى", en: "Time limit" },
    GuideMaterials => { zh: "申请材料", ug: "كېرەكلىك ماتېرىياللار", en: "Materials" },
    GuideFee => { zh: "收费标准", ug: "ھەققى", en: "Fee" },
    GuideAgent => { zh: "委托代办", ug: "ۋاكالىتەن بېجىرىش", en: "Agents" },

    // issue 19: the identity step (人证核验)
    FaceConsentHeading => { zh: "人证核验：请允许使用摄像头", ug: "كىشى بىلەن كىملىكنى دەلىللەش: كامېرا ئىشلىتىشكە ئىجازەت بېرىڭ", en: "Identity check: may the kiosk use its camera?" },
    FaceConsentText => {
        zh: "本业务须核验您是身份证上的本人。摄像头将拍摄您的面部，与您在系统中的照片比对。只保存比对分数、结果、模型版本和时间，不保存您的影像。如不同意，可由工作人员人工核验。",
        ug: "بۇ ئىش ئۈچۈن سىزنىڭ كىملىكتىكى كىشى ئىكەنلىكىڭىزنى دەلىللەش كېرەك. كامېرا يۈزىڭىزنى سىستېمىدىكى رەسىمىڭىز بىلەن سېلىشتۇرىدۇ. پەقەت نومۇر، نەتىجە، مودېل نەشرى ۋە ۋاقىتلا ساقلىنىدۇ، سۈرىتىڭىز ساقلانمايدۇ. قوشۇلمىسىڭىز، خىزمەتچى دەلىللەيدۇ.",
        en: "This business needs a check that you are the person on the ID card. The camera compares your face with your photo on file. Only the score, the result, the model version and the time are kept, never your picture. If you do not agree, a member of staff checks instead.",
    },
    FaceAccept => { zh: "同意，开始核验", ug: "قوشۇلىمەن، باشلاش", en: "I agree: start" },
    FaceDecline => { zh: "不同意，请工作人员核验", ug: "قوشۇلمايمەن، خىزمەتچى دەلىللىسۇن", en: "I do not agree: staff check" },
    FaceLook => { zh: "请正对摄像头", ug: "كامېراغا توغرا قاراڭ", en: "Look straight at the camera" },
    FaceBlink => { zh: "请眨眨眼", ug: "كۆزىڭىزنى قىسىپ ئېچىڭ", en: "Blink your eyes" },
    FaceTurnLeft => { zh: "请把头慢慢向左转，再转回来", ug: "بېشىڭىزنى ئاستا سولغا بۇراپ، قايتا بۇراڭ", en: "Turn your head slowly to your left, then back" },
    FaceTurnRight => { zh: "请把头慢慢向右转，再转回来", ug: "بېشىڭىزنى ئاستا ئوڭغا بۇراپ، قايتا بۇراڭ", en: "Turn your head slowly to your right, then back" },
    FaceComparing => { zh: "正在比对，请稍候", ug: "سېلىشتۇرۇۋاتىدۇ، سەل ساقلاڭ", en: "Comparing: one moment" },
    FaceAttempt => { zh: "第几次核验", ug: "قېتىم", en: "Attempt" },
    FaceFailedHeading => { zh: "人证核验未通过", ug: "دەلىللەشتىن ئۆتمىدى", en: "The identity check did not pass" },
    FaceNotLive => {
        zh: "未能确认镜头前是真人：请本人正对摄像头，按提示眨眼和转头，不要使用照片或手机画面。",
        ug: "كامېرا ئالدىدىكىنىڭ تىرىك ئادەم ئىكەنلىكى جەزملەنمىدى: كۆرسەتمە بويىچە كۆزىڭىزنى قىسىپ، بېشىڭىزنى بۇراڭ، رەسىم ياكى تېلېفون ئېكرانى ئىشلەتمەڭ.",
        en: "The kiosk could not tell that a live person was at the camera: face it yourself, blink and turn as asked, and do not show a photo or a phone screen.",
    },
    FaceNoFace => {
        zh: "未能看清一张人脸：请一个人站在摄像头前，不要遮挡面部。",
        ug: "بىر يۈزنى ئېنىق كۆرەلمىدى: كامېرا ئالدىدا بىرلا كىشى تۇرسۇن، يۈزىڭىزنى توسماڭ.",
        en: "The kiosk could not see one face clearly: stand alone in front of the camera with your face uncovered.",
    },
    FaceNotSame => {
        zh: "您的面部与身份证持有人的照片不一致。",
        ug: "يۈزىڭىز كىملىك ئىگىسىنىڭ رەسىمىگە ئوخشىمايدۇ.",
        en: "Your face does not match the photo of the ID card's holder.",
    },
    FaceNothingChanged => {
        zh: "您的卡片和信息都没有任何改变。",
        ug: "كارتىڭىز ۋە ئۇچۇرلىرىڭىزدا ھېچقانداق ئۆزگىرىش بولمىدى.",
        en: "Nothing was changed on your card or in your records.",
    },
    FaceRetry => { zh: "再试一次", ug: "قايتا سىناش", en: "Try again" },
    FaceAskStaff => { zh: "请工作人员核验", ug: "خىزمەتچى دەلىللىسۇن", en: "Ask for staff" },
    FaceEnd => { zh: "结束办理", ug: "ئاخىرلاشتۇرۇش", en: "End" },
    FaceStaffHeading => { zh: "请稍候，工作人员将核验您的身份", ug: "سەل ساقلاڭ، خىزمەتچى كىملىكىڭىزنى دەلىللەيدۇ", en: "Please wait: a member of staff will check your identity" },
    FaceStaffText => {
        zh: "请把身份证交给工作人员。工作人员在本机的工作人员页面登录后核验，通过后继续办理。",
        ug: "كىملىكىڭىزنى خىزمەتچىگە بېرىڭ. خىزمەتچى بۇ ئاپپاراتنىڭ خىزمەتچى بېتىگە كىرىپ دەلىللەيدۇ، ئۆتسە ئىش داۋاملىشىدۇ.",
        en: "Hand your ID card to the member of staff. They check it after logging in to this kiosk's staff pages; once they approve, the business goes on.",
    },
    FaceCase => { zh: "业务编号", ug: "ئىش نومۇرى", en: "Case number" },
    // issue 22: the citizen's journey (take cards, staff call, time-out warning, PIN retry, photo)
    /// Heading of the screen at the end of every session.
    TakeCardsHeading => {
        zh: "请取走您的卡片和证件",
        ug: "كارتا ۋە كىنىشكىڭىزنى ئېلىۋېلىڭ",
        en: "Please take your cards",
    },
    /// The social security card is still in the reader.
    TakeSsCard => { zh: "请从读卡器取走社会保障卡", ug: "ئىجتىمائىي كاپالەت كارتىسىنى كارتا ئوقۇغۇچتىن ئېلىۋېلىڭ", en: "Take the social security card out of the reader" },
    /// The ID card still lies on the ID module.
    TakeIdCard => { zh: "请从身份证阅读区取走身份证", ug: "كىملىكنى كىملىك ئوقۇش ئورنىدىن ئېلىۋېلىڭ", en: "Take the ID card off the ID card reader" },
    /// After the cards are taken.
    TakeCardsThen => { zh: "取走后将自动返回首页", ug: "ئالغاندىن كېيىن باش بەتكە ئۆزلۈكىدىن قايتىدۇ", en: "The kiosk goes back to the start once they are taken" },
    /// The session ended because the time ran out.
    TimedOut => { zh: "已超时退出", ug: "ۋاقىت توشۇپ چېكىندى", en: "Timed out: the session has ended" },
    /// Said at once after 呼叫工作人员.
    StaffCalled => { zh: "已呼叫工作人员，请稍候", ug: "خىزمەتچى چاقىرىلدى، سەل ساقلاڭ", en: "Staff have been called, please wait" },
    /// The full-screen question before a time-out.
    StillThere => { zh: "还需要时间吗？", ug: "يەنە ۋاقىت كېرەكمۇ؟", en: "Do you need more time?" },
    /// Goes on with the session (the time-out question).
    Continue => { zh: "继续", ug: "داۋاملاشتۇرۇش", en: "Continue" },
    /// Before the tries left after a wrong PIN.
    PinTriesLeft => { zh: "剩余尝试次数", ug: "قالغان سىناش قېتىمى", en: "Tries left" },
    /// Offers the business that helps when the PIN is forgotten or blocked.
    PinHelps => { zh: "忘记密码或密码已锁定，可办理：", ug: "پارولنى ئۇنتۇپ قالغان ياكى پارول قۇلۇپلانغان بولسا، تۆۋەندىكى ئىشنى بېجىرىڭ:", en: "Forgot the PIN, or it is blocked? You can do:" },
    /// Heading of the photo check.
    PhotoCheck => { zh: "请确认照片", ug: "رەسىمنى جەزملەشتۈرۈڭ", en: "Check the photo" },
    /// Takes the photo again.
    RetakePhoto => { zh: "重拍", ug: "قايتا تارتىش", en: "Retake" },
    /// Uses the photo shown.
    UsePhoto => { zh: "使用此照片", ug: "بۇ رەسىمنى ئىشلىتىش", en: "Use this photo" },
    /// The cropped photo's description.
    PhotoTaken => { zh: "拍摄的照片", ug: "تارتىلغان رەسىم", en: "The photo taken" },
    // issue 17 / issue 22 item 7: consequences on the confirm screen, the production date
    ConsequencesHeading => { zh: "办理前请知悉", ug: "بېجىرىشتىن ئىلگىرى بىلىۋېلىڭ", en: "Before you confirm" },
    CannotBeUndoneHeading => {
        zh: "请注意：此业务办理后不可撤销",
        ug: "دىققەت: بۇ ئىش بېجىرىلگەندىن كېيىن قايتۇرغىلى بولمايدۇ",
        en: "Please note: this cannot be undone",
    },
    AcknowledgeButton => {
        zh: "我已阅读并了解，继续",
        ug: "ئوقۇدۇم ۋە چۈشەندىم، داۋاملاشتۇرۇش",
        en: "I have read this, continue",
    },
    SecondTouch => {
        zh: "再按一次确认，业务即办理，不可撤销",
        ug: "يەنە بىر قېتىم بېسىپ جەزملەشتۈرسىڭىز بېجىرىلىدۇ، قايتۇرغىلى بولمايدۇ",
        en: "Touch confirm once more to go ahead; it cannot be undone",
    },
    ConfirmIrreversibleButton => {
        zh: "确认办理（不可撤销）",
        ug: "جەزملەشتۈرۈش (قايتۇرغىلى بولمايدۇ)",
        en: "Confirm (cannot be undone)",
    },
    GuideProduction => { zh: "制卡时间", ug: "كارتا ياساش ۋاقتى", en: "Card production" },
    ResultHeading => { zh: "查询结果", ug: "سۈرۈشتۈرۈش نەتىجىسى", en: "Result" },
    PayHeading => { zh: "请先缴费", ug: "ئاۋۋال ھەق تۆلەڭ", en: "Please pay first" },
    PayAmount => { zh: "应缴金额", ug: "تۆلەيدىغان سومما", en: "Amount" },
    PayQr => { zh: "请用手机支付应用扫描此二维码缴费", ug: "تېلېفون پۇل تۆلەش ئەپى بىلەن بۇ QR كودىنى سىكانىرلاپ تۆلەڭ", en: "Scan this QR code with a payment app to pay" },
    PayBeforeCard => {
        zh: "缴费成功后才会处理您的卡；未缴费不收取任何费用",
        ug: "ھەق تۆلەنگەندىن كېيىنلا كارتىڭىز بىر تەرەپ قىلىنىدۇ؛ تۆلىمىسىڭىز ھېچ نەرسە ئېلىنمايدۇ",
        en: "Your card is handled only once the payment has gone through; nothing is taken otherwise",
    },
    PayAtCounterHeading => {
        zh: "请到服务窗口缴费办理",
        ug: "مۇلازىمەت كۆزنىكىدە ھەق تۆلەپ بېجىرىڭ",
        en: "Please pay at a service counter",
    },
}

/// Defines [`StaffKey`] like [`Key`], for the staff pages: staff are trained in Chinese or
/// English, so these come in zh-CN and English only; a staff page asked for in Uyghur shows
/// the Chinese text.
macro_rules! staff_texts {
    ($($(#[$doc:meta])* $key:ident => { zh: $zh:literal, en: $en:literal $(,)? },)*) => {
        /// A fixed text of the staff pages.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum StaffKey {
            $($(#[$doc])* $key,)*
        }

        impl StaffKey {
            /// Every key, in table order.
            pub const ALL: &'static [StaffKey] = &[$(StaffKey::$key,)*];

            /// The text in `lang` (Chinese for Uyghur).
            pub fn text(self, lang: Lang) -> &'static str {
                match self {
                    $(StaffKey::$key => match lang {
                        Lang::ZhCn | Lang::Ug => $zh,
                        Lang::En => $en,
                    },)*
                }
            }
        }
    };
}

staff_texts! {
    // ---- every staff page ----
    StaffNav => { zh: "工作人员页面", en: "Staff pages" },
    LoggedInAs => { zh: "当前工作人员", en: "Logged in as" },
    LogOut => { zh: "退出登录", en: "Log out" },
    PageHome => { zh: "工作台", en: "Staff home" },
    PageSelfTest => { zh: "设备自检", en: "Self-test" },
    PageArchive => { zh: "档案查询", en: "Archive query" },
    PageStats => { zh: "统计分析", en: "Statistics" },
    PageAudit => { zh: "审计日志校验", en: "Audit log" },
    PageApplications => { zh: "申领进度", en: "Applications" },
    PageSuggestions => { zh: "评价与建议", en: "Ratings and suggestions" },
    HintSelfTest => { zh: "检查读卡器、密钥卡、外设和存储", en: "Check the readers, the PSAM, the peripherals and the storage" },
    HintArchive => { zh: "按身份证号、档号或业务和月份查询档案", en: "Find archive records by ID number, archive number, or business and month" },
    HintStats => { zh: "各业务办件量、办理结果和满意度", en: "Cases per business, outcomes and satisfaction" },
    HintAudit => { zh: "校验审计日志哈希链并查看最近记录", en: "Verify the audit hash chain and see the latest entries" },
    HintApplications => { zh: "查看在办申领并推进办理状态", en: "Follow open applications and move them on" },
    HintSuggestions => { zh: "群众的评价、原因和意见建议", en: "Citizens' ratings, reasons and suggestions" },
    ChoosePage => { zh: "请选择要使用的功能", en: "Choose a page" },
    NothingHere => { zh: "没有记录", en: "Nothing to show" },

    // ---- archive query ----
    ByIdNumber => { zh: "按身份证号码查询", en: "By ID number" },
    IdNumber => { zh: "身份证号码（18位）", en: "ID number (18 characters)" },
    ByArchiveNo => { zh: "按档号查询", en: "By archive number" },
    ArchiveNo => { zh: "档号", en: "Archive number" },
    ByBusiness => { zh: "按业务和月份查询", en: "By business and months" },
    Business => { zh: "业务", en: "Business" },
    FromMonth => { zh: "起始月份（年-月）", en: "From month (YYYY-MM)" },
    ToMonth => { zh: "截止月份（年-月）", en: "To month (YYYY-MM)" },
    Search => { zh: "查询", en: "Search" },
    Criteria => { zh: "查询条件", en: "Query" },
    Results => { zh: "查询结果", en: "Results" },
    CaseId => { zh: "办件编号", en: "Case" },
    Finished => { zh: "办结时间", en: "Finished" },
    Holder => { zh: "持卡人", en: "Holder" },
    CardNo => { zh: "卡号", en: "Card" },
    Title => { zh: "题名", en: "Title" },
    SealedIn => { zh: "归档批次", en: "Sealed in" },
    RetainUntil => { zh: "保管期限至", en: "Kept until" },
    Materials => { zh: "材料", en: "Materials" },
    Masked => { zh: "个人信息已按规定脱敏显示", en: "Personal data are shown masked" },

    // ---- statistics ----
    Period => { zh: "统计期间", en: "Period" },
    FromDay => { zh: "开始日期（年-月-日）", en: "From (YYYY-MM-DD)" },
    ToDay => { zh: "结束日期（年-月-日）", en: "To (YYYY-MM-DD)" },
    Show => { zh: "统计", en: "Show" },
    Satisfaction => { zh: "好评率（非常满意、满意及基本满意）", en: "Good ratings (very satisfied, satisfied or fairly satisfied)" },
    Item => { zh: "项目", en: "Item" },
    Count => { zh: "数量", en: "Count" },
    Cases => { zh: "办件", en: "Cases" },
    Completed => { zh: "办结", en: "Completed" },
    OnTime => { zh: "按期办结率", en: "Cases on time" },
    MeanTime => { zh: "平均用时", en: "Mean time" },
    Ratings => { zh: "评价数", en: "Ratings" },
    MeanRating => { zh: "平均分", en: "Mean rating" },
    Satisfied => { zh: "好评率", en: "Good ratings" },
    PerBusiness => { zh: "各业务明细", en: "Per business" },

    // ---- audit ----
    ChainVerified => { zh: "审计日志完整，未发现篡改或删除", en: "The audit log verified: nothing altered or removed" },
    ChainBroken => { zh: "审计日志校验发现问题", en: "The audit log did not verify" },
    EntriesChecked => { zh: "已校验条数", en: "Entries checked" },
    Head => { zh: "链头", en: "Head" },
    Problems => { zh: "发现的问题", en: "Problems found" },
    Latest => { zh: "最近的审计记录", en: "Latest entries" },
    Seq => { zh: "序号", en: "Seq" },
    Time => { zh: "时间", en: "Time" },
    Actor => { zh: "操作人", en: "Actor" },
    Action => { zh: "操作", en: "Action" },
    Subject => { zh: "对象", en: "Subject" },
    Detail => { zh: "详情", en: "Detail" },

    // ---- applications ----
    State => { zh: "状态", en: "State" },
    Deadline => { zh: "预计制成日期", en: "Card expected by" },
    DaysLeft => { zh: "剩余工作日", en: "Working days left" },
    Overdue => { zh: "已超期", en: "Overdue" },
    MoveTo => { zh: "改为", en: "Move to" },
    Reasons => { zh: "原因（不予通过时必填）", en: "Reasons (needed to reject)" },
    Move => { zh: "确认", en: "Move" },

    // ---- ratings and suggestions ----
    Rating => { zh: "评价", en: "Rating" },
    RatingReasons => { zh: "原因", en: "Reasons" },
    Text => { zh: "意见建议", en: "Comment or suggestion" },
    Newer => { zh: "上一页（较新）", en: "Newer" },
    Older => { zh: "下一页（较早）", en: "Older" },
    PageNo => { zh: "页码", en: "Page" },

    // issue 19: the staff approval of a citizen's identity
    PageIdentity => { zh: "人证核验", en: "Identity check" },
    HintIdentity => { zh: "人像比对不可用或未通过时，核对身份证与本人后批准或拒绝", en: "When the face match is not possible or failed: check the ID card against the person, then approve or refuse" },
    IdentityWaiting => { zh: "等待工作人员核验的业务", en: "Waiting for a staff check" },
    IdentityNone => { zh: "目前没有等待核验的业务", en: "No one is waiting for a check" },
    IdentityAgent => { zh: "委托代办：核验代办人本人", en: "Agent case: check the agent in person" },
    IdentityApprove => { zh: "核验通过", en: "Approve" },
    IdentityRefuse => { zh: "核验不通过", en: "Refuse" },

    // issue 17: the archive searched by card number and by a range of days
    ByCardNumber => { zh: "按社会保障卡号查询", en: "By card number" },
    CardNumber => { zh: "社会保障卡号（9位）", en: "Card number (9 characters)" },
    ByDays => { zh: "按办结日期查询", en: "By the day finished" },

    // issue 17: the production's own on-time figure; a deadline recomputed with the calendar
    ProductionOnTime => { zh: "制卡按期率", en: "Card production on time" },
    ProductionScope => {
        zh: "按预计制成日期在统计期间内的申请计算，不计入按期办结率；截至",
        en: "Applications whose expected date falls in the period, not counted in the cases' on-time rate; as of",
    },
    ProductionMadeOnTime => { zh: "按期制成", en: "Made on time" },
    ProductionMadeLate => { zh: "逾期制成", en: "Made late" },
    ProductionOverdue => { zh: "逾期未制成", en: "Overdue, not made" },
    ProductionNotYetDue => { zh: "未到期", en: "Not yet due" },
    ProductionRejected => { zh: "未通过", en: "Rejected" },
    /// `{old}`: the deadline before the recompute.
    RecomputedFrom => { zh: "（按日历重算，原 {old}）", en: " (recomputed with the calendar, was {old})" },
}

/// The fixed texts of one language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Texts(pub Lang);

impl Texts {
    pub fn get(self, key: Key) -> &'static str {
        key.text(self.0)
    }
}

/// How each language names itself on the language switcher.
pub fn endonym(lang: Lang) -> &'static str {
    match lang {
        Lang::ZhCn => "中文",
        Lang::Ug => "ئۇيغۇرچە",
        Lang::En => "English",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_arabic_script(c: char) -> bool {
        matches!(c as u32, 0x0600..=0x06FF | 0x0750..=0x077F | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF)
    }

    fn is_cjk(c: char) -> bool {
        matches!(c as u32, 0x4E00..=0x9FFF | 0x3400..=0x4DBF)
    }

    /// Letters of `s` outside the acronym "QR" (written in Latin letters in Uyghur too).
    fn letters_outside_qr(s: &str) -> Vec<char> {
        s.replace("QR", "")
            .chars()
            .filter(|c| c.is_alphabetic())
            .collect()
    }

    #[test]
    fn every_key_has_three_texts_in_their_scripts() {
        assert!(Key::ALL.len() > 50, "{} keys", Key::ALL.len());
        for &key in Key::ALL {
            let zh = key.text(Lang::ZhCn);
            let ug = key.text(Lang::Ug);
            let en = key.text(Lang::En);
            for (lang, text) in [("zh", zh), ("ug", ug), ("en", en)] {
                assert!(!text.trim().is_empty(), "{key:?}: empty {lang} text");
                assert_eq!(text, text.trim(), "{key:?}: {lang} text has outer spaces");
            }
            assert!(
                zh.chars().any(is_cjk),
                "{key:?}: zh-CN text has no Chinese: {zh}"
            );
            assert!(
                !zh.contains([',', ':', ';', '(', ')', '?', '!']),
                "{key:?}: zh-CN text has half-width punctuation: {zh}"
            );
            let ug_letters = letters_outside_qr(ug);
            assert!(!ug_letters.is_empty(), "{key:?}: ug text has no letters");
            assert!(
                ug_letters.iter().all(|&c| is_arabic_script(c)),
                "{key:?}: ug text is not all Arabic script: {ug}"
            );
            assert!(
                en.chars()
                    .all(|c| !c.is_alphabetic() || c.is_ascii_alphabetic()),
                "{key:?}: en text has non-Latin letters: {en}"
            );
            assert!(
                en.chars().any(|c| c.is_ascii_alphabetic()),
                "{key:?}: en has no letters"
            );
        }
    }

    #[test]
    fn every_staff_key_has_chinese_and_english() {
        for &key in StaffKey::ALL {
            let zh = key.text(Lang::ZhCn);
            let en = key.text(Lang::En);
            assert!(zh.chars().any(is_cjk), "{key:?}: {zh}");
            assert!(
                !zh.contains([',', ':', ';', '(', ')', '?', '!']),
                "{key:?}: zh-CN text has half-width punctuation: {zh}"
            );
            assert!(
                en.chars()
                    .all(|c| !c.is_alphabetic() || c.is_ascii_alphabetic())
                    && en.chars().any(|c| c.is_ascii_alphabetic()),
                "{key:?}: {en}"
            );
            assert_eq!(key.text(Lang::Ug), zh, "{key:?}");
        }
    }

    #[test]
    fn texts_differ_between_languages() {
        for &key in Key::ALL {
            let texts = Lang::ALL.map(|l| key.text(l));
            assert_ne!(texts[0], texts[1], "{key:?}");
            assert_ne!(texts[1], texts[2], "{key:?}");
            assert_ne!(texts[0], texts[2], "{key:?}");
        }
    }

    #[test]
    fn endonyms_name_each_language_in_itself() {
        assert_eq!(endonym(Lang::ZhCn), "中文");
        assert!(endonym(Lang::Ug).chars().all(is_arabic_script));
        assert_eq!(endonym(Lang::En), "English");
        assert_eq!(Texts(Lang::Ug).get(Key::Cancel), Key::Cancel.text(Lang::Ug));
    }
}
