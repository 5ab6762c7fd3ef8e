//! Every screen rendered in every language, with and without elderly mode: whole, well-formed
//! documents with the right language and direction, forms the host can take (POST only, the
//! actions and field names of its contract), PIN fields never filled in, ratings never
//! pre-selected, and text from the view models always escaped.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use ui_web::assets::{SCRIPT_PATH, STYLE_PATH};
use ui_web::i18n::{endonym, Key};
use ui_web::render_page;
use ui_web::view::{
    ApplicationRow, ArchiveResults, ArchiveRow, Ask, AuditRow, Bar, BarChart, CheckRow,
    DivisionChoice, FaceInstruction, FaceView, FaceWhy, FeedbackRow, Field, GuideEntry, Icon,
    IdentityWaiting, Lang, Likely, MenuGroup, MenuItem, MenuSection, Page, Presented,
    ProductionRow, Screen, StaffNav, StaffPage, StatsRow,
};

// ---------------------------------------------------------------------------------------------
// A small HTML tokenizer, strict enough to notice anything that escaped from a value.

mod html {
    /// A tag or a run of text.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum Token {
        Doctype(String),
        Open {
            name: String,
            attrs: Vec<(String, String)>,
            self_closing: bool,
        },
        Close(String),
        /// Text as written (still escaped).
        Text(String),
    }

    impl Token {
        pub fn attr(&self, wanted: &str) -> Option<&str> {
            match self {
                Token::Open { attrs, .. } => attrs
                    .iter()
                    .find(|(name, _)| name == wanted)
                    .map(|(_, value)| value.as_str()),
                _ => None,
            }
        }

        pub fn is_open(&self, wanted: &str) -> bool {
            matches!(self, Token::Open { name, .. } if name == wanted)
        }
    }

    fn skip_ws(b: &[u8], mut j: usize) -> usize {
        while j < b.len() && b[j].is_ascii_whitespace() {
            j += 1;
        }
        j
    }

    /// Splits a document into tags and text. A `<` that starts no tag, a quote or `<` inside
    /// an attribute name or an unquoted value, and an unterminated tag are errors.
    pub fn tokenize(src: &str) -> Result<Vec<Token>, String> {
        let b = src.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        let mut text_start = 0;
        while i < b.len() {
            if b[i] != b'<' {
                i += 1;
                continue;
            }
            if text_start < i {
                out.push(Token::Text(src[text_start..i].to_owned()));
            }
            match b.get(i + 1) {
                Some(b'!') => {
                    if src[i..].starts_with("<!--") {
                        let end = src[i..].find("-->").ok_or("unterminated comment")?;
                        i += end + 3;
                    } else {
                        let end = src[i..].find('>').ok_or("unterminated <!")?;
                        out.push(Token::Doctype(src[i + 2..i + end].to_owned()));
                        i += end + 1;
                    }
                }
                Some(b'/') => {
                    let end = src[i..].find('>').ok_or("unterminated end tag")?;
                    let name = src[i + 2..i + end].trim().to_ascii_lowercase();
                    if name.is_empty() || !name.bytes().all(|c| c.is_ascii_alphanumeric()) {
                        return Err(format!("bad end tag at {i}: {:?}", &src[i..i + end + 1]));
                    }
                    out.push(Token::Close(name));
                    i += end + 1;
                }
                Some(c) if c.is_ascii_alphabetic() => {
                    let mut j = i + 1;
                    while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'-') {
                        j += 1;
                    }
                    let name = src[i + 1..j].to_ascii_lowercase();
                    let mut attrs = Vec::new();
                    let self_closing;
                    loop {
                        j = skip_ws(b, j);
                        match b.get(j) {
                            None => return Err(format!("unterminated <{name}> tag")),
                            Some(b'>') => {
                                self_closing = false;
                                j += 1;
                                break;
                            }
                            Some(b'/') if b.get(j + 1) == Some(&b'>') => {
                                self_closing = true;
                                j += 2;
                                break;
                            }
                            Some(_) => {}
                        }
                        let start = j;
                        while j < b.len()
                            && !b[j].is_ascii_whitespace()
                            && !matches!(b[j], b'=' | b'>' | b'/')
                        {
                            if matches!(b[j], b'"' | b'\'' | b'<') {
                                return Err(format!("bad attribute name in <{name}> at {j}"));
                            }
                            j += 1;
                        }
                        if start == j {
                            return Err(format!("empty attribute name in <{name}> at {j}"));
                        }
                        let attr = src[start..j].to_ascii_lowercase();
                        j = skip_ws(b, j);
                        let mut value = String::new();
                        if b.get(j) == Some(&b'=') {
                            j = skip_ws(b, j + 1);
                            match b.get(j) {
                                Some(&q) if q == b'"' || q == b'\'' => {
                                    let end = src[j + 1..]
                                        .find(q as char)
                                        .ok_or_else(|| format!("unterminated {attr}="))?;
                                    value = src[j + 1..j + 1 + end].to_owned();
                                    j += end + 2;
                                }
                                _ => {
                                    let start = j;
                                    while j < b.len() && !b[j].is_ascii_whitespace() && b[j] != b'>'
                                    {
                                        if matches!(b[j], b'"' | b'\'' | b'<' | b'=' | b'`') {
                                            return Err(format!("bad unquoted {attr}= at {j}"));
                                        }
                                        j += 1;
                                    }
                                    value = src[start..j].to_owned();
                                }
                            }
                        }
                        attrs.push((attr, value));
                    }
                    out.push(Token::Open {
                        name,
                        attrs,
                        self_closing,
                    });
                    i = j;
                }
                _ => return Err(format!("raw '<' in text at {i}: {:?}", excerpt(src, i))),
            }
            text_start = i;
        }
        if text_start < b.len() {
            out.push(Token::Text(src[text_start..].to_owned()));
        }
        Ok(out)
    }

    fn excerpt(src: &str, at: usize) -> String {
        src[at..].chars().take(40).collect()
    }

    /// Resolves character references (named ones of the five HTML escapes, numeric ones).
    pub fn unescape(s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        while let Some(pos) = rest.find('&') {
            out.push_str(&rest[..pos]);
            rest = &rest[pos..];
            let Some(end) = rest.find(';') else { break };
            let entity = &rest[1..end];
            let decoded = match entity {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => entity
                    .strip_prefix("#x")
                    .or_else(|| entity.strip_prefix("#X"))
                    .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                    .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            };
            match decoded {
                Some(c) => {
                    out.push(c);
                    rest = &rest[end + 1..];
                }
                None => {
                    out.push('&');
                    rest = &rest[1..];
                }
            }
        }
        out.push_str(rest);
        out
    }

    const VOID: &[&str] = &[
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr",
    ];
    /// Elements that end an open `<p>` in a browser (so must never be written inside one).
    const ENDS_P: &[&str] = &[
        "address", "article", "aside", "div", "dl", "fieldset", "figure", "footer", "form", "h1",
        "h2", "h3", "h4", "h5", "h6", "header", "main", "nav", "ol", "p", "section", "table", "ul",
    ];
    const INTERACTIVE: &[&str] = &["a", "button", "input", "select", "textarea"];

    /// Checks that the tags nest as written (so a browser builds the tree the template meant),
    /// and the rules axe and the HTML spec care about: unique ids, labelled controls, typed
    /// buttons, lists and definition lists with the right children, no interactive content
    /// in a button or a link, no form in a form.
    pub fn check_structure(tokens: &[Token]) -> Result<(), String> {
        let mut stack: Vec<&str> = Vec::new();
        let mut ids = std::collections::BTreeSet::new();
        let mut label_for = std::collections::BTreeSet::new();
        let mut controls = Vec::new();
        for token in tokens {
            match token {
                Token::Open {
                    name, self_closing, ..
                } => {
                    let in_svg = stack.contains(&"svg");
                    if *self_closing && !in_svg {
                        return Err(format!("self-closing <{name}/> outside SVG"));
                    }
                    if let Some(&parent) = stack.last() {
                        if parent == "p" && ENDS_P.contains(&name.as_str()) {
                            return Err(format!("<{name}> inside <p>"));
                        }
                        if matches!(parent, "ul" | "ol") && name != "li" {
                            return Err(format!("<{name}> directly in <{parent}>"));
                        }
                        if parent == "dl" && name != "div" {
                            return Err(format!("<{name}> directly in <dl>"));
                        }
                    }
                    if INTERACTIVE.contains(&name.as_str())
                        && stack.iter().any(|open| matches!(*open, "a" | "button"))
                    {
                        return Err(format!("<{name}> inside a link or a button"));
                    }
                    if name == "form" && stack.contains(&"form") {
                        return Err("a form inside a form".into());
                    }
                    if let Some(id) = token.attr("id") {
                        if !ids.insert(id.to_owned()) {
                            return Err(format!("duplicate id {id:?}"));
                        }
                    }
                    match name.as_str() {
                        "label" => {
                            if let Some(target) = token.attr("for") {
                                label_for.insert(target.to_owned());
                            }
                        }
                        "input" if token.attr("type") != Some("hidden") => {
                            controls.push((name.clone(), token.attr("id").map(str::to_owned)));
                        }
                        "textarea" | "select" => {
                            controls.push((name.clone(), token.attr("id").map(str::to_owned)));
                        }
                        "button" if token.attr("type").is_none() => {
                            return Err("a <button> without a type".into());
                        }
                        "img" if token.attr("alt").is_none() => {
                            return Err("an <img> without alt".into());
                        }
                        "form" if token.attr("method") != Some("post") => {
                            return Err(format!("a form that does not POST: {token:?}"));
                        }
                        _ => {}
                    }
                    if !*self_closing && !VOID.contains(&name.as_str()) {
                        stack.push(name);
                    }
                }
                Token::Close(name) => match stack.pop() {
                    Some(open) if open == name => {}
                    other => return Err(format!("</{name}> closes {other:?}; open: {stack:?}")),
                },
                Token::Doctype(_) | Token::Text(_) => {}
            }
        }
        if !stack.is_empty() {
            return Err(format!("left open: {stack:?}"));
        }
        for (control, id) in controls {
            match id {
                Some(id) if label_for.contains(&id) => {}
                _ => return Err(format!("<{control}> id={id:?} has no <label for>")),
            }
        }
        Ok(())
    }

    /// A control inside a form.
    #[derive(Debug, Clone)]
    pub struct Control {
        pub tag: String,
        pub ty: String,
        pub name: String,
        pub value: Option<String>,
        pub attrs: Vec<(String, String)>,
    }

    impl Control {
        pub fn has(&self, attr: &str) -> bool {
            self.attrs.iter().any(|(name, _)| name == attr)
        }

        pub fn get(&self, attr: &str) -> Option<&str> {
            self.attrs
                .iter()
                .find(|(name, _)| name == attr)
                .map(|(_, value)| value.as_str())
        }
    }

    /// A form and its controls (values unescaped).
    #[derive(Debug, Clone)]
    pub struct Form {
        pub method: String,
        pub action: String,
        pub attrs: Vec<(String, String)>,
        pub controls: Vec<Control>,
    }

    impl Form {
        /// The value of the hidden `action` field, if any.
        pub fn action_field(&self) -> Option<&str> {
            self.hidden("action")
        }

        pub fn hidden(&self, name: &str) -> Option<&str> {
            self.controls
                .iter()
                .find(|c| c.ty == "hidden" && c.name == name)
                .and_then(|c| c.value.as_deref())
        }

        pub fn buttons(&self) -> impl Iterator<Item = &Control> {
            self.controls.iter().filter(|c| c.tag == "button")
        }

        pub fn has_attr(&self, attr: &str) -> bool {
            self.attrs.iter().any(|(name, _)| name == attr)
        }
    }

    pub fn forms(tokens: &[Token]) -> Vec<Form> {
        let mut out: Vec<Form> = Vec::new();
        let mut open = false;
        for token in tokens {
            match token {
                Token::Open { name, attrs, .. } if name == "form" => {
                    out.push(Form {
                        method: token.attr("method").unwrap_or("get").to_owned(),
                        action: unescape(token.attr("action").unwrap_or("")),
                        attrs: attrs.clone(),
                        controls: Vec::new(),
                    });
                    open = true;
                }
                Token::Close(name) if name == "form" => open = false,
                Token::Open { name, attrs, .. }
                    if open
                        && matches!(name.as_str(), "input" | "button" | "textarea" | "select") =>
                {
                    let default_type = if name == "button" { "submit" } else { "text" };
                    let form = out.last_mut().expect("a form is open");
                    form.controls.push(Control {
                        tag: name.clone(),
                        ty: token.attr("type").unwrap_or(default_type).to_owned(),
                        name: unescape(token.attr("name").unwrap_or("")),
                        value: token.attr("value").map(unescape),
                        attrs: attrs.clone(),
                    });
                }
                _ => {}
            }
        }
        out
    }
}

use html::{check_structure, forms, tokenize, unescape, Form, Token};

// ---------------------------------------------------------------------------------------------
// View models.

fn s(text: &str) -> String {
    text.to_owned()
}

fn field(label: &str, value: &str) -> Field {
    Field {
        label: s(label),
        value: s(value),
    }
}

fn item(code: &str, name: &str, icon: Icon, agent_allowed: bool) -> MenuItem {
    MenuItem {
        code: s(code),
        name: s(name),
        icon,
        agent_allowed,
        paused: false,
    }
}

/// A home menu of three groups.
fn menu() -> Vec<MenuSection> {
    vec![
        MenuSection {
            group: MenuGroup::LossAndCancel,
            items: vec![
                item("report_loss", "社会保障卡挂失", Icon::ReportLoss, true),
                item("cancel", "社会保障卡注销", Icon::CancelCard, true),
            ],
        },
        MenuSection {
            group: MenuGroup::Pin,
            items: vec![item(
                "pin_change",
                "社会保障卡密码修改",
                Icon::PinChange,
                false,
            )],
        },
        MenuSection {
            group: MenuGroup::Query,
            items: vec![item("status", "应用状态查询", Icon::Status, true)],
        },
    ]
}

fn menu_items() -> Vec<MenuItem> {
    menu().into_iter().flat_map(|g| g.items).collect()
}

fn home() -> Screen {
    Screen::Home {
        likely: None,
        sections: menu(),
    }
}

/// A prefecture with two counties, one of them with two towns.
fn divisions() -> Vec<DivisionChoice> {
    let d = |code: &str, parent: &str, name: &str| DivisionChoice {
        code: s(code),
        parent: s(parent),
        name: s(name),
    };
    vec![
        d("652300", "", "昌吉回族自治州"),
        d("652301", "652300", "昌吉市"),
        d("652301001", "652301", "宁边路街道"),
        d("652301002", "652301", "延安北路街道"),
        d("652323", "652300", "呼图壁县"),
    ]
}

fn guide_entry(code: &str, name: &str) -> GuideEntry {
    GuideEntry {
        code: s(code),
        name: s(name),
        content: format!("{name}:内容说明"),
        basis: format!("{name}:DB 6523/T 372-2023"),
        procedure: vec![
            format!("{name}:申报"),
            format!("{name}:受理"),
            format!("{name}:办结"),
        ],
        time_limit: format!("{name}:即时办结"),
        production: Some(format!("{name}:预计40个工作日内制成")),
        materials: vec![format!("{name}:居民身份证"), format!("{name}:社会保障卡")],
        fee: format!("{name}:不收费"),
        agent: format!("{name}:可以代办"),
        complaint: format!("{name}:12333"),
    }
}

fn staff_nav(current: StaffPage) -> StaffNav {
    StaffNav {
        user: s("super"),
        pages: StaffPage::ALL.to_vec(),
        current,
        csrf: s("0123abcd"),
    }
}

/// One of each screen, and each kind of question; the gathering steps in several shapes.
fn samples() -> Vec<Screen> {
    let ask = |ask: Ask, can_lack: bool, problem: Option<&str>| Screen::Ask {
        business: s("社会保障卡挂失"),
        ask,
        can_lack,
        problem: problem.map(s),
    };
    vec![
        home(),
        Screen::Home {
            likely: Some(Likely {
                presented: Presented::Card,
                items: vec![item("status", "应用状态查询", Icon::Status, true)],
            }),
            sections: menu(),
        },
        // The agency cannot be reached: the businesses that need it are paused.
        Screen::Home {
            likely: None,
            sections: menu()
                .into_iter()
                .map(|mut g| {
                    for i in &mut g.items {
                        i.paused = i.code != "status" && i.code != "pin_change";
                    }
                    g
                })
                .collect(),
        },
        Screen::Attract {
            offers: vec![MenuGroup::GetCard, MenuGroup::Pin, MenuGroup::Query],
        },
        ask(
            Ask::IdCard {
                agent: false,
                ecard_allowed: true,
            },
            false,
            None,
        ),
        ask(
            Ask::IdCard {
                agent: true,
                ecard_allowed: false,
            },
            true,
            Some("身份证读取失败,请重新放置"),
        ),
        ask(Ask::Card, true, None),
        ask(
            Ask::Photo {
                advice: vec![s("请摘下眼镜"), s("请靠近一些")],
                taken: None,
            },
            false,
            None,
        ),
        // Issue 22: the photo taken, shown with 重拍 and 使用此照片.
        ask(
            Ask::Photo {
                advice: vec![],
                taken: Some(s("/camera/photo.jpg?v=0123456789ab")),
            },
            false,
            None,
        ),
        ask(
            Ask::Contact {
                divisions: divisions(),
            },
            false,
            Some("手机号码须为11位数字"),
        ),
        ask(
            Ask::Reason {
                options: vec![
                    (s("damaged"), s("卡片损坏")),
                    (s("expiring"), s("即将到期")),
                    (s("key_data"), s("关键信息变更")),
                ],
            },
            false,
            None,
        ),
        ask(Ask::BankReceipt, true, None),
        Screen::Notice {
            business: s("社会保障卡注销"),
            intro: s("您的材料不齐全,请补齐以下全部材料后再来办理。"),
            items: vec![s("居民身份证"), s("社会保障卡"), s("合作银行销户回执")],
            complaint: s("12333"),
            rating_reasons: vec![(s("materials"), s("材料要求多"))],
        },
        Screen::Refused {
            business: s("社会保障卡解挂"),
            message: s("该卡已申请补领,不能解挂。"),
            rating_reasons: vec![(s("slow"), s("办理时间太长"))],
        },
        Screen::Confirm {
            business: s("社会保障卡挂失"),
            fields: vec![
                field("姓名", "张*"),
                field("身份证号码", "650102********1234"),
                field("卡号", "****5678"),
            ],
            notes: vec![s("挂失后卡立即停用"), s("不收费")],
            consequences: vec![s("15天后自动解除"), s("银行账户请另行向合作银行挂失")],
            irreversible: false,
            acknowledged: false,
        },
        Screen::Confirm {
            business: s("社会保障卡注销"),
            fields: vec![field("姓名", "张*")],
            notes: vec![s("即时办结")],
            consequences: vec![s("卡将被停用并注销,此操作不可撤销。")],
            irreversible: true,
            acknowledged: false,
        },
        Screen::Confirm {
            business: s("社会保障卡注销"),
            fields: vec![field("姓名", "张*")],
            notes: vec![s("即时办结")],
            consequences: vec![s("卡将被停用并注销,此操作不可撤销。")],
            irreversible: true,
            acknowledged: true,
        },
        Screen::Pay {
            business: s("社会保障卡换领"),
            amount: s("20.00 元"),
            qr: Some(s("simpay://pay?order=SIMPAY-00000001&fen=2000")),
            slip: vec![],
            problem: None,
        },
        Screen::Pay {
            business: s("社会保障卡换领"),
            amount: s("20.00 元"),
            qr: None,
            slip: vec![s("社会保障卡业务缴费单"), s("应缴金额: 20.00 元")],
            problem: None,
        },
        Screen::Pins {
            business: s("社会保障卡密码修改"),
            old: true,
            new: true,
            digits: vec![7, 3, 0, 9, 1, 5, 8, 2, 6, 4],
            problem: None,
            tries_left: None,
            helps: vec![],
        },
        // Issue 22: after a wrong old PIN, only the old PIN, the tries left, 密码重置 offered.
        Screen::Pins {
            business: s("社会保障卡密码修改"),
            old: true,
            new: false,
            digits: vec![7, 3, 0, 9, 1, 5, 8, 2, 6, 4],
            problem: Some(s("密码错误,还可尝试 2 次")),
            tries_left: Some(2),
            helps: vec![item(
                "pin_reset",
                "社会保障卡密码重置",
                Icon::PinReset,
                true,
            )],
        },
        Screen::Pins {
            business: s("社会保障卡启用"),
            old: false,
            new: true,
            digits: vec![2, 9, 4, 0, 6, 1, 3, 8, 5, 7],
            problem: Some(s("两次输入的新密码不一致")),
            tries_left: None,
            helps: vec![],
        },
        Screen::Pins {
            business: s("核验密码"),
            old: true,
            new: false,
            digits: vec![0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
            problem: None,
            tries_left: None,
            helps: vec![],
        },
        Screen::Interrupted {
            business: s("社会保障卡密码修改"),
            message: s("请把卡插回读卡口,办理会继续。"),
        },
        Screen::Done {
            business: s("电子社会保障卡申领"),
            fields: vec![field("姓名", "张*"), field("办理时间", "2026-11-02 10:15")],
            result: vec![],
            receipt: vec![
                s("电子社会保障卡申领 回执"),
                s("身份证号码 650102********1234"),
            ],
            ecard_qr: Some(s("ECARD1.eyJzdWIiOiI2NTAxMDIifQ.c2lnbmF0dXJl")),
            rating_reasons: vec![
                (s("slow"), s("办理时间太长")),
                (s("unclear"), s("提示不清楚")),
                (s("device"), s("设备故障")),
            ],
        },
        Screen::Done {
            business: s("应用状态查询"),
            fields: vec![field("姓名", "张*")],
            result: vec![field("卡状态", "正常"), field("密码剩余次数", "3")],
            receipt: vec![],
            ecard_qr: None,
            rating_reasons: vec![],
        },
        Screen::Failed {
            business: s("社会保障卡挂失"),
            message: s("卡片写入未完成,卡和记录都没有改变。"),
            helps: vec![],
            rating_reasons: vec![],
        },
        Screen::Failed {
            business: s("社会保障卡密码修改"),
            message: s("密码已锁定,请办理密码解锁"),
            helps: vec![
                item("pin_unblock", "社会保障卡密码解锁", Icon::PinUnblock, true),
                item("pin_reset", "社会保障卡密码重置", Icon::PinReset, true),
            ],
            rating_reasons: vec![],
        },
        Screen::TakeCards {
            card: true,
            id_card: true,
            timed_out: true,
        },
        // issue 19: the identity step's four screens and the staff approval.
        Screen::Face {
            business: s("社会保障卡补领"),
            face: FaceView::Consent,
            problem: None,
        },
        Screen::Face {
            business: s("社会保障卡补领"),
            face: FaceView::Matching {
                instruction: FaceInstruction::Blink,
                attempt: 1,
            },
            problem: None,
        },
        Screen::Face {
            business: s("社会保障卡补领"),
            face: FaceView::Matching {
                instruction: FaceInstruction::LookAtCamera,
                attempt: 2,
            },
            problem: None,
        },
        Screen::Face {
            business: s("社会保障卡换领"),
            face: FaceView::Matching {
                instruction: FaceInstruction::TurnLeft,
                attempt: 1,
            },
            problem: None,
        },
        Screen::Face {
            business: s("社会保障卡换领"),
            face: FaceView::Matching {
                instruction: FaceInstruction::TurnRight,
                attempt: 1,
            },
            problem: None,
        },
        Screen::Face {
            business: s("社会保障卡换领"),
            face: FaceView::Matching {
                instruction: FaceInstruction::Comparing,
                attempt: 1,
            },
            problem: None,
        },
        Screen::Face {
            business: s("社会保障卡注销"),
            face: FaceView::Failed {
                why: FaceWhy::NotSamePerson,
                may_retry: true,
                staff: true,
            },
            problem: Some(s("已达到重试次数")),
        },
        Screen::Face {
            business: s("社会保障卡注销"),
            face: FaceView::AwaitingStaff {
                case_id: s("K1-20260310-0001"),
            },
            problem: None,
        },
        Screen::Error {
            message: s("读卡器没有响应。"),
            what_to_do: s("请稍后再试,或到人工窗口办理。"),
        },
        Screen::Guide {
            entries: vec![
                guide_entry("report_loss", "社会保障卡挂失"),
                guide_entry("pin_change", "社会保障卡密码修改"),
            ],
        },
        Screen::Suggest {
            sent: false,
            problem: Some(s("请先写下您的意见或建议")),
            max_chars: 500,
        },
        Screen::Suggest {
            sent: true,
            problem: None,
            max_chars: 500,
        },
        Screen::StaffLogin {
            problem: Some(s("用户名或密码错误")),
            csrf: s("0123456789abcdef"),
        },
        Screen::SelfTest {
            user: s("tech"),
            checks: vec![
                CheckRow {
                    name: s("card reader"),
                    status: s("pass"),
                    detail: s("HW-SIM Card Reader 00"),
                    hint: None,
                },
                CheckRow {
                    name: s("PSAM"),
                    status: s("fail"),
                    detail: s("no PSAM answers"),
                    hint: Some(s("insert the PSAM in slot 1")),
                },
            ],
            csrf: s("0123abcd"),
        },
        Screen::StaffHome {
            nav: staff_nav(StaffPage::Home),
        },
        Screen::StaffArchive {
            nav: staff_nav(StaffPage::Archive),
            businesses: vec![
                (s("report_loss"), s("社会保障卡挂失")),
                (s("apply"), s("申领")),
            ],
            problem: None,
            results: None,
        },
        Screen::StaffArchive {
            nav: staff_nav(StaffPage::Archive),
            businesses: vec![(s("report_loss"), s("社会保障卡挂失"))],
            problem: Some(s("身份证号码：长度应为18位")),
            results: Some(ArchiveResults {
                criteria: s("身份证号码 652301********0015"),
                rows: vec![ArchiveRow {
                    archive_no: s("0001-SB·2026-D50-652300001-000001"),
                    case_id: s("K1-20260301-000001"),
                    business: s("社会保障卡挂失"),
                    finished: s("2026-03-01 10:15"),
                    id_number: s("652301********0015"),
                    card_number: s("*****0001"),
                    title: s("张* 社会保障卡挂失"),
                    sealed_in: s("-"),
                    retain_until: s("2076-12-31"),
                    materials: vec![s("居民身份证信息 (application/json, 312 B)")],
                }],
            }),
        },
        Screen::StaffArchive {
            nav: staff_nav(StaffPage::Archive),
            businesses: vec![],
            problem: None,
            results: Some(ArchiveResults {
                criteria: s("档号 0001-SB·2026-D50-652300001-000009"),
                rows: vec![],
            }),
        },
        Screen::StaffStats {
            nav: staff_nav(StaffPage::Stats),
            from: s("2026-03-01"),
            to: s("2026-03-31"),
            problem: Some(s("结束日期：不是日期")),
            satisfaction: s("50.0%"),
            charts: vec![
                BarChart {
                    title: s("各业务办件量"),
                    bars: vec![
                        Bar {
                            label: s("社会保障卡挂失"),
                            value: 3,
                        },
                        Bar {
                            label: s("申领"),
                            value: 0,
                        },
                    ],
                },
                BarChart {
                    title: s("评价分布"),
                    bars: vec![Bar {
                        label: s("5 非常满意"),
                        value: 1,
                    }],
                },
            ],
            rows: vec![StatsRow {
                business: s("社会保障卡挂失"),
                cases: 3,
                completed: 2,
                on_time: s("100.0%"),
                mean_time: s("95 s"),
                ratings: 2,
                mean_rating: s("3.50"),
                satisfied: s("50.0%"),
            }],
            production: ProductionRow {
                rate: s("75.0%"),
                today: s("2026-03-20"),
                on_time: 3,
                late: 1,
                overdue: 0,
                not_yet_due: 2,
                rejected: 1,
            },
        },
        Screen::StaffAudit {
            nav: staff_nav(StaffPage::Audit),
            verified: true,
            entries_checked: 42,
            head: Some(s("42 9f86d081884c7d65")),
            problems: vec![],
            latest: vec![AuditRow {
                seq: 42,
                at: s("2026-03-01 10:15"),
                actor: s("staff:desk"),
                action: s("application.move"),
                subject: s("K1-20260301-000001"),
                detail: s("{\"to\":\"accepted\"}"),
            }],
        },
        Screen::StaffAudit {
            nav: staff_nav(StaffPage::Audit),
            verified: false,
            entries_checked: 41,
            head: None,
            problems: vec![s("entry 7: hash does not match (altered)")],
            latest: vec![],
        },
        Screen::StaffIdentity {
            nav: staff_nav(StaffPage::Identity),
            notice: None,
            problem: None,
            waiting: Some(IdentityWaiting {
                case_id: s("K1-20260310-0001"),
                business: s("社会保障卡补领"),
                agent: true,
            }),
        },
        Screen::StaffApplications {
            nav: staff_nav(StaffPage::Applications),
            notice: Some(s("已将 K1-20260301-000001 改为“已受理”")),
            problem: Some(s("改为：下一步是“已受理”")),
            rows: vec![
                ApplicationRow {
                    case_id: s("K1-20260301-000001"),
                    holder: s("马* 652301********0023"),
                    business: s("换发"),
                    state: s("已提交"),
                    deadline: s("2026-04-28"),
                    days_left: s("40 个工作日"),
                    overdue: false,
                    moves: vec![(s("accepted"), s("已受理")), (s("rejected"), s("未通过"))],
                    recomputed_from: None,
                },
                ApplicationRow {
                    case_id: s("K1-20260101-000002"),
                    holder: s("张* 652301********0015"),
                    business: s("补领"),
                    state: s("待领取"),
                    deadline: s("2026-02-28"),
                    days_left: s("超期 3 个工作日"),
                    overdue: true,
                    moves: vec![(s("collected"), s("已领取"))],
                    recomputed_from: Some(s("2026-02-26")),
                },
            ],
        },
        Screen::StaffApplications {
            nav: staff_nav(StaffPage::Applications),
            notice: None,
            problem: None,
            rows: vec![],
        },
        Screen::StaffSuggestions {
            nav: staff_nav(StaffPage::Suggestions),
            items: vec![
                FeedbackRow {
                    at: s("2026-03-01 10:20"),
                    case_id: s("K1-20260301-000001"),
                    business: s("换发"),
                    rating: s("2 不满意"),
                    reasons: vec![s("办理时间长")],
                    text: s("等了很久"),
                },
                FeedbackRow {
                    at: s("2026-03-01 09:00"),
                    case_id: s(""),
                    business: s(""),
                    rating: s(""),
                    reasons: vec![],
                    text: s("希望增加一台自助机"),
                },
            ],
            page: 2,
            prev_page: Some(1),
            next_page: Some(3),
        },
        Screen::StaffSuggestions {
            nav: staff_nav(StaffPage::Suggestions),
            items: vec![],
            page: 1,
            prev_page: None,
            next_page: None,
        },
        Screen::SimPanel {
            cards: vec![s("v2-3des.toml"), s("v3-uyghur.toml")],
            people: vec![s("long-term.toml")],
            scenes: vec![s("good"), s("too_far")],
            card_present: true,
            printed: vec![vec![s("社会保障卡业务回执"), s("卡号: *****0001")]],
            reader_plugged: true,
            id_card_on: false,
            id_faults: vec![s("none"), s("silence")],
            paper: s("out"),
            devices: vec![(
                s("printer"),
                s("down"),
                s("打印机缺纸 / the printer is out of paper"),
            )],
        },
    ]
}

/// The variant's name; exhaustive, so a new screen fails to compile here until it has a sample.
fn variant(screen: &Screen) -> &'static str {
    match screen {
        Screen::Home { .. } => "home",
        Screen::Attract { .. } => "attract",
        Screen::Ask { .. } => "ask",
        Screen::Notice { .. } => "notice",
        Screen::Refused { .. } => "refused",
        Screen::Confirm { .. } => "confirm",
        Screen::Pay { .. } => "pay",
        Screen::Pins { .. } => "pins",
        Screen::Interrupted { .. } => "interrupted",
        Screen::Done { .. } => "done",
        Screen::Failed { .. } => "failed",
        Screen::Face { .. } => "face",
        Screen::StaffIdentity { .. } => "staff_identity",
        Screen::TakeCards { .. } => "take_cards",
        Screen::Error { .. } => "error",
        Screen::Guide { .. } => "guide",
        Screen::Suggest { .. } => "suggest",
        Screen::StaffLogin { .. } => "staff_login",
        Screen::SelfTest { .. } => "selftest",
        Screen::StaffHome { .. } => "staff_home",
        Screen::StaffArchive { .. } => "staff_archive",
        Screen::StaffStats { .. } => "staff_stats",
        Screen::StaffAudit { .. } => "staff_audit",
        Screen::StaffApplications { .. } => "staff_applications",
        Screen::StaffSuggestions { .. } => "staff_suggestions",
        Screen::SimPanel { .. } => "sim_panel",
    }
}

const VARIANTS: [&str; 26] = [
    "take_cards",
    "home",
    "attract",
    "ask",
    "notice",
    "refused",
    "confirm",
    "pay",
    "pins",
    "interrupted",
    "done",
    "failed",
    "error",
    "guide",
    "suggest",
    "staff_login",
    "selftest",
    "staff_home",
    "staff_archive",
    "staff_stats",
    "staff_audit",
    "staff_applications",
    "staff_suggestions",
    "sim_panel",
    "face",
    "staff_identity",
];

fn in_session(screen: &Screen) -> bool {
    !matches!(
        screen,
        Screen::Home { .. }
            | Screen::Attract { .. }
            | Screen::TakeCards { .. }
            | Screen::Guide { .. }
            | Screen::Suggest { .. }
            | Screen::SimPanel { .. }
            | Screen::StaffLogin { .. }
            | Screen::SelfTest { .. }
            | Screen::StaffHome { .. }
            | Screen::StaffArchive { .. }
            | Screen::StaffStats { .. }
            | Screen::StaffAudit { .. }
            | Screen::StaffApplications { .. }
            | Screen::StaffSuggestions { .. }
            | Screen::StaffIdentity { .. }
    )
}

fn page(lang: Lang, elderly: bool, screen: Screen) -> Page {
    let session = in_session(&screen);
    // The citizen's pages outside a session give way to the attract screen.
    let attract = matches!(
        screen,
        Screen::Home { .. } | Screen::Guide { .. } | Screen::Suggest { .. }
    );
    Page {
        lang,
        elderly,
        title: s("社会保障卡自助服务"),
        idle_timeout_s: session.then_some(if elderly { 120 } else { 60 }),
        in_session: session,
        sim: false,
        attract_after_s: attract.then_some(90),
        staff_called: false,
        screen,
    }
}

/// Every sample page: each screen × language × elderly mode.
fn all_pages() -> Vec<Page> {
    let mut pages = Vec::new();
    for screen in samples() {
        for lang in Lang::ALL {
            for elderly in [false, true] {
                pages.push(page(lang, elderly, screen.clone()));
            }
        }
    }
    pages
}

fn parse(html: &str) -> Vec<Token> {
    match tokenize(html) {
        Ok(tokens) => tokens,
        Err(e) => panic!("{e}\n{html}"),
    }
}

fn opens<'t>(tokens: &'t [Token], name: &str) -> Vec<&'t Token> {
    tokens.iter().filter(|t| t.is_open(name)).collect()
}

/// The text of the document (tags removed, references resolved).
fn text_of(tokens: &[Token]) -> String {
    tokens
        .iter()
        .filter_map(|t| match t {
            Token::Text(text) => Some(unescape(text)),
            _ => None,
        })
        .collect()
}

fn session_forms(forms: &[Form]) -> Vec<&Form> {
    forms
        .iter()
        .filter(|f| f.action == "/session/event")
        .collect()
}

fn actions(forms: &[Form]) -> BTreeSet<String> {
    session_forms(forms)
        .iter()
        .filter_map(|f| f.action_field().map(str::to_owned))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Every page.

#[test]
fn the_samples_cover_every_screen() {
    let covered: BTreeSet<&str> = samples().iter().map(variant).collect();
    assert_eq!(covered, VARIANTS.into_iter().collect());
}

#[test]
fn every_page_is_a_whole_well_formed_document() {
    for page in all_pages() {
        let html = render_page(&page);
        let what = format!(
            "{} {:?} elderly={}",
            variant(&page.screen),
            page.lang,
            page.elderly
        );
        assert!(html.starts_with("<!DOCTYPE html>\n"), "{what}");
        assert!(html.trim_end().ends_with("</html>"), "{what}");
        let tokens = parse(&html);
        if let Err(e) = check_structure(&tokens) {
            panic!("{what}: {e}\n{html}");
        }
        assert_eq!(opens(&tokens, "h1").len(), 1, "{what}: one h1");
        assert_eq!(opens(&tokens, "main").len(), 1, "{what}: one main");
        // One document title (an SVG chart's own <title> is its accessible name).
        let body = tokens
            .iter()
            .position(|t| t.is_open("body"))
            .expect("a body");
        assert_eq!(opens(&tokens[..body], "title").len(), 1, "{what}");
        assert!(
            opens(&tokens[body..], "title").len() <= opens(&tokens, "svg").len(),
            "{what}: a <title> in the body outside an SVG"
        );

        let root = opens(&tokens, "html");
        assert_eq!(root.len(), 1);
        assert_eq!(root[0].attr("lang"), Some(page.lang.tag()), "{what}");
        let dir = if page.lang == Lang::Ug { "rtl" } else { "ltr" };
        assert_eq!(root[0].attr("dir"), Some(dir), "{what}");

        let styles: Vec<_> = opens(&tokens, "link")
            .into_iter()
            .filter(|l| l.attr("rel") == Some("stylesheet"))
            .collect();
        assert_eq!(styles.len(), 1);
        assert_eq!(styles[0].attr("href"), Some(STYLE_PATH));
        let scripts = opens(&tokens, "script");
        assert_eq!(scripts.len(), 1, "{what}: the one script");
        assert_eq!(scripts[0].attr("src"), Some(SCRIPT_PATH));
        assert!(scripts[0].attr("defer").is_some());
        assert!(!html.contains("<script>"), "{what}: no inline script");

        // The device status line, live.
        let status: Vec<_> = tokens
            .iter()
            .filter(|t| t.attr("id") == Some("device-status"))
            .collect();
        assert_eq!(status.len(), 1);
        assert_eq!(status[0].attr("aria-live"), Some("polite"));

        // Every form posts; none sends anything in its URL.
        for form in forms(&tokens) {
            assert_eq!(form.method, "post", "{what}");
            assert!(!form.action.contains('?'), "{what}: {}", form.action);
            assert!(
                [
                    "/session/event",
                    "/session/start",
                    "/staff-call",
                    "/sim/card",
                    "/sim/card/remove",
                    "/sim/reader",
                    "/sim/idcard",
                    "/sim/idmodule",
                    "/sim/qr",
                    "/sim/printer",
                    "/sim/scene",
                    "/staff/login",
                    "/staff/selftest",
                    "/staff/logout",
                    "/staff/archive",
                    "/staff/stats",
                    "/staff/applications",
                    "/suggest",
                    // issue 19
                    "/staff/identity",
                    "/sim/face"
                ]
                .contains(&form.action.as_str()),
                "{what}: {}",
                form.action
            );
        }
    }
}

#[test]
fn every_page_has_the_language_switcher_and_the_elderly_toggle() {
    for page in all_pages() {
        let tokens = parse(&render_page(&page));
        let what = format!("{} {:?}", variant(&page.screen), page.lang);
        let elderly = u8::from(page.elderly);
        for lang in Lang::ALL {
            let href = format!("?lang={}&elderly={elderly}", lang.tag());
            let position = tokens
                .iter()
                .position(|t| t.is_open("a") && t.attr("href").map(unescape) == Some(href.clone()))
                .unwrap_or_else(|| panic!("{what}: no link {href}"));
            assert_eq!(tokens[position].attr("lang"), Some(lang.tag()));
            assert_eq!(tokens[position].attr("hreflang"), Some(lang.tag()));
            assert_eq!(
                tokens[position + 1],
                Token::Text(endonym(lang).to_owned()),
                "{what}: each language named in itself"
            );
            let current = tokens[position].attr("aria-current").is_some();
            assert_eq!(current, lang == page.lang, "{what}");
        }
        let toggle = format!("?lang={}&elderly={}", page.lang.tag(), 1 - elderly);
        assert!(
            tokens
                .iter()
                .any(|t| t.is_open("a") && t.attr("href").map(unescape) == Some(toggle.clone())),
            "{what}: elderly toggle {toggle}"
        );
    }
}

#[test]
fn every_fixed_text_comes_in_the_page_language() {
    for lang in Lang::ALL {
        let screen = home();
        let text = text_of(&parse(&render_page(&page(lang, false, screen))));
        for key in [Key::ChooseService, Key::ServiceGuide, Key::ElderlyOn] {
            assert!(text.contains(key.text(lang)), "{lang:?} {key:?}");
        }
        for other in Lang::ALL.into_iter().filter(|&l| l != lang) {
            assert!(!text.contains(Key::ChooseService.text(other)), "{lang:?}");
        }
    }
}

#[test]
fn uyghur_pages_are_right_to_left_and_the_others_left_to_right() {
    for page in all_pages() {
        let html = render_page(&page);
        let head = &html[..html.find("<head>").expect("a head")];
        match page.lang {
            Lang::Ug => assert!(head.contains(r#"<html lang="ug" dir="rtl">"#), "{head}"),
            Lang::ZhCn => assert!(head.contains(r#"<html lang="zh-CN" dir="ltr">"#), "{head}"),
            Lang::En => assert!(head.contains(r#"<html lang="en" dir="ltr">"#), "{head}"),
        }
    }
}

#[test]
fn elderly_pages_have_the_class_and_a_call_staff_button() {
    for page in all_pages() {
        let html = render_page(&page);
        let tokens = parse(&html);
        let body = opens(&tokens, "body");
        let staff: Vec<Form> = forms(&tokens)
            .into_iter()
            .filter(|f| f.action == "/staff-call")
            .collect();
        let what = format!("{} {:?}", variant(&page.screen), page.lang);
        assert_eq!(
            body[0].attr("class"),
            page.elderly.then_some("elderly"),
            "{what}"
        );
        // Issue 22: every citizen screen offers to call staff, once, in every mode; the staff
        // pages and the simulator's panel do not.
        let citizen = !variant(&page.screen).starts_with("staff")
            && !matches!(variant(&page.screen), "selftest" | "sim_panel");
        assert_eq!(
            staff.len(),
            usize::from(citizen),
            "{what}: call-staff buttons"
        );
        if citizen {
            let button = staff[0].buttons().next().expect("a button");
            assert_eq!(button.ty, "submit");
            assert!(text_of(&tokens).contains(Key::CallStaff.text(page.lang)));
        }
    }
}

#[test]
fn a_session_shows_cancel_and_the_countdown() {
    for page in all_pages() {
        let html = render_page(&page);
        let tokens = parse(&html);
        let forms = forms(&tokens);
        let what = format!("{} {:?}", variant(&page.screen), page.lang);
        let cancel = session_forms(&forms)
            .into_iter()
            .filter(|f| f.action_field() == Some("cancel"))
            .count();
        let countdown: Vec<_> = tokens
            .iter()
            .filter(|t| t.attr("id") == Some("countdown"))
            .collect();
        // Issue 22: nothing is left to cancel once the business ended (its own button
        // finishes).
        let over = matches!(
            variant(&page.screen),
            "done" | "refused" | "failed" | "notice"
        );
        if page.in_session && over {
            assert_eq!(cancel, 0, "{what}: no cancel after the business");
        } else if page.in_session {
            assert!(cancel >= 1, "{what}: cancel");
        }
        if page.in_session {
            let idle = page
                .idle_timeout_s
                .expect("sessions have a timeout")
                .to_string();
            assert_eq!(countdown.len(), 1, "{what}");
            assert_eq!(countdown[0].attr("data-idle"), Some(idle.as_str()));
            let more = session_forms(&forms)
                .into_iter()
                .filter(|f| f.action_field() == Some("more_time"))
                .count();
            // The countdown's, and the 继续 of the full-screen question before the end.
            assert_eq!(more, 2, "{what}: more time");
            let ask = tokens
                .iter()
                .find(|t| t.attr("id") == Some("still-there"))
                .expect("the full-screen question before the time-out");
            assert!(
                ask.attr("hidden").is_some(),
                "{what}: hidden until the last 20 s"
            );
            assert_eq!(
                ask.attr("data-still-voice").map(unescape),
                Some(ui_web::voice::path(Key::StillThere, page.lang))
            );
            let live = tokens
                .iter()
                .find(|t| t.attr("id") == Some("countdown-live"))
                .expect("the countdown's live region");
            assert_eq!(live.attr("aria-live"), Some("assertive"));
            assert_eq!(
                live.attr("data-soon").map(unescape).as_deref(),
                Some(Key::TimeAlmostUp.text(page.lang))
            );
            let shown = tokens
                .iter()
                .position(|t| t.attr("id") == Some("countdown-s"))
                .expect("the visible seconds");
            assert_eq!(tokens[shown + 1], Token::Text(idle));
        } else {
            assert_eq!(cancel, 0, "{what}");
            assert!(countdown.is_empty(), "{what}");
            assert!(!html.contains("data-idle"), "{what}");
        }
    }
}

#[test]
fn no_countdown_without_a_timeout_and_the_sim_link_only_in_sim_mode() {
    let mut page = page(
        Lang::ZhCn,
        false,
        Screen::Ask {
            business: s("挂失"),
            ask: Ask::Card,
            can_lack: false,
            problem: None,
        },
    );
    page.idle_timeout_s = None;
    let html = render_page(&page);
    assert!(!html.contains("data-idle"));
    assert!(html.contains(r#"value="cancel""#), "still in a session");
    assert!(!html.contains(r#"href="/sim""#));

    page.sim = true;
    let tokens = parse(&render_page(&page));
    let sim: Vec<_> = opens(&tokens, "a")
        .into_iter()
        .filter(|a| a.attr("href") == Some("/sim"))
        .collect();
    assert_eq!(sim.len(), 1);
}

#[test]
fn one_prompt_per_page_is_marked_to_be_spoken() {
    for page in all_pages() {
        let tokens = parse(&render_page(&page));
        let speak = tokens
            .iter()
            .filter(|t| t.attr("data-speak").is_some())
            .count();
        assert_eq!(speak, 1, "{} {:?}", variant(&page.screen), page.lang);
    }
}

// ---------------------------------------------------------------------------------------------
// Screens.

#[test]
fn home_offers_each_business_in_its_group_with_one_agent_switch() {
    for lang in Lang::ALL {
        let html = render_page(&page(lang, false, home()));
        let tokens = parse(&html);
        let starts: Vec<Form> = forms(&tokens)
            .into_iter()
            .filter(|f| f.action == "/session/start")
            .collect();
        assert_eq!(starts.len(), 1, "one form for the whole menu");
        let form = &starts[0];
        // Each business is a submit button posting its code as `business`.
        let buttons: Vec<_> = form.buttons().collect();
        assert_eq!(buttons.len(), menu_items().len());
        for (button, item) in buttons.iter().zip(menu_items()) {
            assert_eq!(button.ty, "submit");
            assert_eq!(button.name, "business");
            assert_eq!(button.value.as_deref(), Some(item.code.as_str()));
            assert_eq!(
                button.get("data-agent"),
                Some(if item.agent_allowed { "true" } else { "false" }),
                "{}",
                item.code
            );
        }
        // One "I am an agent" switch: a labelled checkbox posting agent=1.
        let agent: Vec<_> = form.controls.iter().filter(|c| c.name == "agent").collect();
        assert_eq!(agent.len(), 1);
        assert_eq!(agent[0].ty, "checkbox");
        assert_eq!(agent[0].value.as_deref(), Some("1"));
        assert!(!agent[0].has("checked"), "not ticked to begin with");
        let text = text_of(&tokens);
        for item in menu_items() {
            assert!(text.contains(&item.name));
        }
        assert!(text.contains(Key::AsAgent.text(lang)));
        for (group, key) in [
            (MenuGroup::LossAndCancel, Key::GroupLossAndCancel),
            (MenuGroup::Pin, Key::GroupPin),
            (MenuGroup::Query, Key::GroupQuery),
        ] {
            assert!(text.contains(key.text(lang)), "{group:?}");
        }
        assert!(
            !text.contains(Key::GroupGetCard.text(lang)),
            "no empty group"
        );
        // One icon per business, inline SVG hidden from screen readers.
        let svgs = opens(&tokens, "svg");
        assert_eq!(svgs.len(), menu_items().len());
        assert!(svgs.iter().all(|s| s.attr("aria-hidden") == Some("true")));
        // A group's width follows its size (span-1 … span-4).
        let spans: Vec<_> = opens(&tokens, "section")
            .iter()
            .filter_map(|t| t.attr("class"))
            .map(str::to_owned)
            .collect();
        assert_eq!(spans, ["group span-2", "group span-1", "group span-1"]);
        assert!(opens(&tokens, "a")
            .iter()
            .any(|a| a.attr("href") == Some("/guide")));
        assert!(!html.contains("likely"));
    }
}

#[test]
fn home_after_a_card_lists_the_likely_businesses_first() {
    let screen = Screen::Home {
        likely: Some(Likely {
            presented: Presented::IdCard,
            items: vec![item(
                "report_loss",
                "社会保障卡挂失",
                Icon::ReportLoss,
                true,
            )],
        }),
        sections: menu(),
    };
    for lang in Lang::ALL {
        let tokens = parse(&render_page(&page(lang, false, screen.clone())));
        let text = text_of(&tokens);
        let heading = Key::LikelyIdCard.text(lang);
        assert!(text.contains(heading), "{lang:?}");
        assert!(text.find(heading) < text.find(Key::GroupLossAndCancel.text(lang)));
        let form = forms(&tokens)
            .into_iter()
            .find(|f| f.action == "/session/start")
            .expect("the menu");
        let codes: Vec<_> = form.buttons().filter_map(|b| b.value.clone()).collect();
        assert_eq!(codes[0], "report_loss", "the likely one first");
        assert_eq!(codes.len(), menu_items().len() + 1);
    }
}

#[test]
fn the_attract_screen_says_what_the_kiosk_does_and_how_to_begin() {
    let screen = Screen::Attract {
        offers: vec![MenuGroup::GetCard, MenuGroup::Pin],
    };
    for lang in Lang::ALL {
        let p = page(lang, true, screen.clone());
        assert_eq!(p.attract_after_s, None, "the attract screen stays");
        let html = render_page(&p);
        let tokens = parse(&html);
        let text = text_of(&tokens);
        for key in [
            Key::AttractHeading,
            Key::AttractBegin,
            Key::GroupGetCard,
            Key::GroupPin,
        ] {
            assert!(text.contains(key.text(lang)), "{lang:?} {key:?}");
        }
        assert!(!text.contains(Key::GroupQuery.text(lang)));
        let start = opens(&tokens, "a")
            .into_iter()
            .find(|a| a.attr("data-attract-start").is_some())
            .expect("a way in by touch");
        assert_eq!(start.attr("href"), Some("/"));
        assert!(!html.contains("data-attract-after"));
    }
}

#[test]
fn citizen_pages_outside_a_session_give_way_to_the_attract_screen() {
    for page in all_pages() {
        let tokens = parse(&render_page(&page));
        let body = opens(&tokens, "body");
        let after = body[0].attr("data-attract-after");
        assert_eq!(
            after.map(str::to_owned),
            page.attract_after_s.map(|s| s.to_string()),
            "{}",
            variant(&page.screen)
        );
    }
}

fn ask_page(lang: Lang, ask: Ask, can_lack: bool, problem: Option<&str>) -> (String, Vec<Token>) {
    let screen = Screen::Ask {
        business: s("社会保障卡挂失"),
        ask,
        can_lack,
        problem: problem.map(s),
    };
    let html = render_page(&page(lang, false, screen));
    let tokens = parse(&html);
    (html, tokens)
}

#[test]
fn the_id_card_prompt_says_whose_card_and_mentions_the_e_card_when_allowed() {
    for lang in Lang::ALL {
        for agent in [false, true] {
            for ecard_allowed in [false, true] {
                let ask = Ask::IdCard {
                    agent,
                    ecard_allowed,
                };
                let (_, tokens) = ask_page(lang, ask, false, None);
                let text = text_of(&tokens);
                let prompt = if agent {
                    Key::PlaceAgentIdCard
                } else {
                    Key::PlaceIdCard
                };
                assert!(text.contains(prompt.text(lang)), "{lang:?} agent={agent}");
                assert_eq!(text.contains(Key::EcardAlso.text(lang)), ecard_allowed);
                assert_eq!(opens(&tokens, "svg").len(), 1, "the pictogram");
            }
        }
        let (_, tokens) = ask_page(lang, Ask::Card, false, None);
        assert!(text_of(&tokens).contains(Key::InsertCard.text(lang)));
    }
}

#[test]
fn i_dont_have_it_and_the_problem_are_shown_only_when_given() {
    for lang in Lang::ALL {
        for can_lack in [false, true] {
            for problem in [None, Some("身份证读取失败 <重试>")] {
                let (html, tokens) = ask_page(lang, Ask::Card, can_lack, problem);
                let lack = actions(&forms(&tokens)).contains("lack");
                assert_eq!(lack, can_lack, "{lang:?}");
                assert_eq!(
                    text_of(&tokens).contains(Key::DontHave.text(lang)),
                    can_lack
                );
                let alerts: Vec<_> = tokens
                    .iter()
                    .filter(|t| t.attr("role") == Some("alert"))
                    .collect();
                assert_eq!(alerts.len(), usize::from(problem.is_some()));
                if let Some(problem) = problem {
                    assert!(text_of(&tokens).contains(problem));
                    assert!(html.contains("身份证读取失败 &#60;重试&#62;"), "escaped");
                }
            }
        }
    }
}

#[test]
fn the_photo_step_has_the_live_preview_the_button_and_the_advice() {
    for lang in Lang::ALL {
        let advice = vec![s("请摘下眼镜"), s("光线太暗")];
        let (_, tokens) = ask_page(
            lang,
            Ask::Photo {
                advice: advice.clone(),
                taken: None,
            },
            false,
            None,
        );
        let images = opens(&tokens, "img");
        assert_eq!(images.len(), 1);
        assert_eq!(images[0].attr("id"), Some("preview"));
        assert_eq!(images[0].attr("src"), Some("/camera/preview.jpg"));
        assert_eq!(
            images[0].attr("alt").map(unescape).as_deref(),
            Some(Key::CameraPreview.text(lang))
        );
        assert!(actions(&forms(&tokens)).contains("photo"));
        let items: Vec<String> = tokens
            .windows(2)
            .filter(|w| w[0].is_open("li"))
            .filter_map(|w| match &w[1] {
                Token::Text(t) => Some(unescape(t)),
                _ => None,
            })
            .collect();
        assert_eq!(items, advice);

        let (_, tokens) = ask_page(
            lang,
            Ask::Photo {
                advice: vec![],
                taken: None,
            },
            false,
            None,
        );
        assert!(!text_of(&tokens).contains(Key::PhotoAdvice.text(lang)));
        assert_eq!(opens(&tokens, "img").len(), 1);

        // Issue 22: a photo taken is shown to check, with 重拍 and 使用此照片, no camera.
        let (html, tokens) = ask_page(
            lang,
            Ask::Photo {
                advice: vec![],
                taken: Some(s("/camera/photo.jpg?v=0123456789ab")),
            },
            false,
            None,
        );
        assert!(
            html.contains(r#"src="/camera/photo.jpg?v=0123456789ab""#),
            "{html}"
        );
        assert!(!html.contains("/camera/preview.jpg"), "{html}");
        for (action, key) in [
            ("photo_retake", Key::RetakePhoto),
            ("photo_use", Key::UsePhoto),
        ] {
            assert!(html.contains(&format!(r#"value="{action}""#)), "{action}");
            assert!(text_of(&tokens).contains(key.text(lang)), "{key:?}");
        }
    }
}

#[test]
fn the_contact_reason_and_bank_steps_post_their_fields() {
    for lang in Lang::ALL {
        let (_, tokens) = ask_page(
            lang,
            Ask::Contact {
                divisions: divisions(),
            },
            false,
            None,
        );
        let forms_ = forms(&tokens);
        let form = session_forms(&forms_)
            .into_iter()
            .find(|f| f.action_field() == Some("contact"))
            .expect("the contact form");
        let phone = form
            .controls
            .iter()
            .find(|c| c.name == "phone")
            .expect("phone");
        assert_eq!(phone.get("inputmode"), Some("numeric"));
        assert_eq!(phone.get("maxlength"), Some("11"));
        assert_eq!(phone.value, None);
        // The address: a division from the list (a county or a town, never a prefecture
        // alone) and the street typed.
        let division = form
            .controls
            .iter()
            .find(|c| c.name == "division")
            .expect("division");
        assert_eq!(division.tag, "select");
        let values: Vec<String> = tokens
            .iter()
            .filter(|t| t.is_open("option"))
            .filter_map(|t| t.attr("value").map(unescape))
            .collect();
        assert_eq!(
            values,
            ["", "652301", "652301001", "652301002", "652323"],
            "the counties, each followed by its towns"
        );
        let groups: Vec<String> = opens(&tokens, "optgroup")
            .iter()
            .filter_map(|t| t.attr("label").map(unescape))
            .collect();
        assert_eq!(groups, ["昌吉回族自治州 昌吉市", "昌吉回族自治州 呼图壁县"]);
        let street = form
            .controls
            .iter()
            .find(|c| c.name == "street")
            .expect("street");
        assert_eq!(street.get("dir"), Some("auto"));
        assert!(form.controls.iter().all(|c| c.name != "address"));

        let options = vec![
            (s("damaged"), s("卡片损坏")),
            (s("a&b\"c"), s("其他 <原因>")),
        ];
        let (_, tokens) = ask_page(
            lang,
            Ask::Reason {
                options: options.clone(),
            },
            false,
            None,
        );
        let forms_ = forms(&tokens);
        let form = session_forms(&forms_)
            .into_iter()
            .find(|f| f.action_field() == Some("reason"))
            .expect("the reason form");
        let radios: Vec<_> = form.controls.iter().filter(|c| c.ty == "radio").collect();
        assert_eq!(radios.len(), 2);
        for (radio, (value, _)) in radios.iter().zip(&options) {
            assert_eq!(radio.name, "reason");
            assert_eq!(radio.value.as_deref(), Some(value.as_str()));
            assert!(!radio.has("checked"), "no reason pre-selected");
        }
        let text = text_of(&tokens);
        assert!(options.iter().all(|(_, label)| text.contains(label)));

        let (_, tokens) = ask_page(lang, Ask::BankReceipt, true, None);
        let forms_ = forms(&tokens);
        let form = session_forms(&forms_)
            .into_iter()
            .find(|f| f.action_field() == Some("bank"))
            .expect("the bank form");
        let receipt = form
            .controls
            .iter()
            .find(|c| c.name == "receipt")
            .expect("receipt");
        assert_eq!(receipt.ty, "text");
        assert_eq!(receipt.value, None);
        assert!(actions(&forms_).contains("lack"));
    }
}

#[test]
fn the_notice_lists_every_item_with_print_and_finish() {
    let items = vec![
        s("居民身份证"),
        s("社会保障卡"),
        s("合作银行销户回执"),
        s("委托书"),
    ];
    for lang in Lang::ALL {
        for elderly in [false, true] {
            let screen = Screen::Notice {
                business: s("社会保障卡注销"),
                intro: s("请补齐以下材料"),
                items: items.clone(),
                complaint: s("12333"),
                rating_reasons: vec![],
            };
            let tokens = parse(&render_page(&page(lang, elderly, screen)));
            let lists = opens(&tokens, "ol");
            assert_eq!(lists.len(), 1);
            let listed: Vec<String> = tokens
                .windows(2)
                .filter(|w| w[0].is_open("li"))
                .filter_map(|w| match &w[1] {
                    Token::Text(t) => Some(unescape(t)),
                    _ => None,
                })
                .filter(|t| items.contains(t))
                .collect();
            assert_eq!(listed, items, "every item, in order, at once");
            let acts = actions(&forms(&tokens));
            assert!(
                acts.contains("print") && acts.contains("finish"),
                "{acts:?}"
            );
            let text = text_of(&tokens);
            assert!(text.contains(Key::NoticeHeading.text(lang)));
            assert!(text.contains("12333") && text.contains("请补齐以下材料"));
        }
    }
}

#[test]
fn outcomes_say_what_happened_and_offer_finish_where_it_makes_sense() {
    for lang in Lang::ALL {
        let cases = [
            (
                Screen::Refused {
                    business: s("解挂"),
                    message: s("已申请补领,不能解挂"),
                    rating_reasons: vec![],
                },
                Key::RefusedHeading,
                true,
            ),
            (
                Screen::Failed {
                    business: s("挂失"),
                    message: s("卡和记录都没有改变"),
                    helps: vec![],
                    rating_reasons: vec![],
                },
                Key::FailedHeading,
                true,
            ),
            (
                Screen::Interrupted {
                    business: s("密码修改"),
                    message: s("请把卡插回读卡口"),
                },
                Key::InterruptedHeading,
                false,
            ),
        ];
        for (screen, heading, finish) in cases {
            let message = match &screen {
                Screen::Refused { message, .. }
                | Screen::Failed { message, .. }
                | Screen::Interrupted { message, .. } => message.clone(),
                _ => unreachable!(),
            };
            let tokens = parse(&render_page(&page(lang, false, screen)));
            let text = text_of(&tokens);
            assert!(text.contains(heading.text(lang)) && text.contains(&message));
            assert_eq!(
                actions(&forms(&tokens)).contains("finish"),
                finish,
                "{heading:?}"
            );
        }

        let screen = Screen::Error {
            message: s("打印机缺纸"),
            what_to_do: s("请到人工窗口领取回执"),
        };
        let tokens = parse(&render_page(&page(lang, false, screen)));
        let text = text_of(&tokens);
        assert!(text.contains("打印机缺纸") && text.contains("请到人工窗口领取回执"));
        assert!(text.contains(Key::AskStaff.text(lang)));
        let acts = actions(&forms(&tokens));
        assert!(!acts.contains("finish"), "no finish on the error screen");
        assert!(forms(&tokens).iter().any(|f| f.action == "/staff-call"));
    }
}

#[test]
fn confirm_lists_the_fields_and_notes_and_posts_confirm_or_cancel() {
    for lang in Lang::ALL {
        let fields = vec![
            field("姓名", "张*"),
            field("身份证号码", "650102********1234"),
        ];
        let screen = Screen::Confirm {
            business: s("挂失"),
            fields: fields.clone(),
            notes: vec![s("挂失后卡立即停用")],
            consequences: vec![],
            irreversible: false,
            acknowledged: false,
        };
        let tokens = parse(&render_page(&page(lang, false, screen)));
        let terms: Vec<String> = tokens
            .windows(2)
            .filter(|w| w[0].is_open("dt"))
            .filter_map(|w| match &w[1] {
                Token::Text(t) => Some(unescape(t)),
                _ => None,
            })
            .collect();
        assert_eq!(terms, ["姓名", "身份证号码"]);
        // Values sit in <bdi>, so that a masked number keeps its order in a right-to-left page.
        let values: Vec<String> = tokens
            .windows(3)
            .filter(|w| w[0].is_open("dd") && w[1].is_open("bdi"))
            .filter_map(|w| match &w[2] {
                Token::Text(t) => Some(unescape(t)),
                _ => None,
            })
            .collect();
        assert_eq!(values, ["张*", "650102********1234"]);
        assert!(text_of(&tokens).contains("挂失后卡立即停用"));
        let acts = actions(&forms(&tokens));
        assert!(acts.contains("confirm") && acts.contains("cancel"));
    }
}

#[test]
fn the_pin_form_posts_empty_password_fields_and_the_pad_in_the_hosts_order() {
    for lang in Lang::ALL {
        for (old, new) in [(true, true), (false, true), (true, false)] {
            let digits = vec![7, 3, 0, 9, 1, 5, 8, 2, 6, 4];
            let screen = Screen::Pins {
                business: s("密码修改"),
                old,
                new,
                digits: digits.clone(),
                problem: Some(s("新密码过于简单")),
                tries_left: None,
                helps: vec![],
            };
            let html = render_page(&page(lang, true, screen));
            let tokens = parse(&html);
            let forms_ = forms(&tokens);
            let pin_forms: Vec<&Form> = session_forms(&forms_)
                .into_iter()
                .filter(|f| f.action_field() == Some("pins"))
                .collect();
            assert_eq!(pin_forms.len(), 1);
            let form = pin_forms[0];
            assert_eq!(form.method, "post");
            assert_eq!(form.action, "/session/event");
            assert!(form.has_attr("data-pin-form"));

            let pins: Vec<_> = form
                .controls
                .iter()
                .filter(|c| c.ty == "password")
                .collect();
            let mut expected = Vec::new();
            if old {
                expected.push("old");
            }
            if new {
                expected.extend(["new", "repeat"]);
            }
            let names: Vec<&str> = pins.iter().map(|c| c.name.as_str()).collect();
            assert_eq!(names, expected, "{lang:?} old={old} new={new}");
            for pin in &pins {
                assert!(!pin.has("value"), "a PIN field is never prefilled");
                assert_eq!(pin.get("autocomplete"), Some("off"));
                assert_eq!(pin.get("inputmode"), Some("numeric"));
                assert_eq!(pin.get("pattern"), Some("[0-9]{6}"));
                assert_eq!(pin.get("maxlength"), Some("6"));
                assert!(pin.has("required"));
            }
            // Nothing but the action and the PINs travels with the form.
            let named: BTreeSet<&str> = form
                .controls
                .iter()
                .filter(|c| !c.name.is_empty())
                .map(|c| c.name.as_str())
                .collect();
            let mut allowed: BTreeSet<&str> = expected.iter().copied().collect();
            allowed.insert("action");
            assert_eq!(named, allowed);

            let keys: Vec<String> = form
                .buttons()
                .filter_map(|b| b.get("data-key").map(str::to_owned))
                .collect();
            let digit_keys: Vec<String> = keys
                .iter()
                .filter(|k| k.len() == 1 && k.as_bytes()[0].is_ascii_digit())
                .cloned()
                .collect();
            let order: Vec<String> = digits.iter().map(u8::to_string).collect();
            assert_eq!(digit_keys, order, "the keys in the host's order");
            assert!(keys.contains(&s("clear")) && keys.contains(&s("back")));
            assert!(form
                .buttons()
                .filter(|b| b.has("data-key"))
                .all(|b| b.ty == "button"));

            assert!(html.contains(r#"autocomplete="off""#));
            assert!(!html.contains("?old=") && !html.contains("?new="));
            assert_eq!(
                tokens
                    .iter()
                    .filter(|t| t.attr("role") == Some("alert"))
                    .count(),
                1
            );
        }
    }
}

#[test]
fn done_shows_the_result_the_qr_code_and_an_unsteered_rating() {
    let reasons = vec![
        (s("slow"), s("办理时间太长")),
        (s("unclear"), s("提示不清楚")),
    ];
    for lang in Lang::ALL {
        for elderly in [false, true] {
            let screen = Screen::Done {
                business: s("电子社会保障卡申领"),
                fields: vec![field("姓名", "张*")],
                result: vec![],
                receipt: vec![s("回执第一行"), s("回执第二行")],
                ecard_qr: Some(s("ECARD1.payload.signature")),
                rating_reasons: reasons.clone(),
            };
            let html = render_page(&page(lang, elderly, screen));
            let tokens = parse(&html);
            let text = text_of(&tokens);
            assert!(text.contains("张*"));
            let receipt: Vec<String> = tokens
                .windows(3)
                .filter(|w| w[0].is_open("li") && w[1].is_open("bdi"))
                .filter_map(|w| match &w[2] {
                    Token::Text(t) => Some(unescape(t)),
                    _ => None,
                })
                .collect();
            assert_eq!(
                receipt,
                ["回执第一行", "回执第二行"],
                "isolated receipt lines"
            );
            assert!(!html.contains("ECARD1"), "the token is drawn, not written");
            assert_eq!(opens(&tokens, "svg").len(), 1, "the QR code");
            let qr = tokens
                .iter()
                .find(|t| t.attr("class") == Some("qr-code"))
                .expect("the QR box");
            assert_eq!(qr.attr("role"), Some("img"));

            let forms_ = forms(&tokens);
            let acts = actions(&forms_);
            for action in ["print", "rate", "finish"] {
                assert!(acts.contains(action), "{action}");
            }
            let rate = session_forms(&forms_)
                .into_iter()
                .find(|f| f.action_field() == Some("rate"))
                .expect("the rating form");
            let levels: Vec<_> = rate.buttons().filter(|b| b.name == "level").collect();
            assert_eq!(levels.len(), 5, "five rating buttons");
            let values: Vec<&str> = levels.iter().filter_map(|b| b.value.as_deref()).collect();
            assert_eq!(values, ["5", "4", "3", "2", "1"]);
            for (button, key) in
                levels
                    .iter()
                    .zip([Key::Rate5, Key::Rate4, Key::Rate3, Key::Rate2, Key::Rate1])
            {
                assert_eq!(button.ty, "submit");
                let position = tokens
                    .iter()
                    .position(|t| {
                        t.is_open("button")
                            && t.attr("value") == button.value.as_deref()
                            && t.attr("name") == Some("level")
                    })
                    .expect("the button");
                assert_eq!(tokens[position + 1], Token::Text(key.text(lang).to_owned()));
            }
            // (The comment's on-screen keyboard has keys of its own: a pressed layer tab.)
            for control in rate.controls.iter().filter(|c| !c.name.is_empty()) {
                for attr in ["checked", "selected", "autofocus", "required"] {
                    assert!(!control.has(attr), "{attr} on {control:?}");
                }
                assert_ne!(control.get("aria-pressed"), Some("true"));
            }
            let boxes: Vec<_> = rate
                .controls
                .iter()
                .filter(|c| c.ty == "checkbox")
                .collect();
            assert_eq!(boxes.len(), reasons.len());
            for (checkbox, (value, label)) in boxes.iter().zip(&reasons) {
                assert_eq!(checkbox.name, "reasons");
                assert_eq!(checkbox.value.as_deref(), Some(value.as_str()));
                assert!(text.contains(label));
            }
            let comment = rate
                .controls
                .iter()
                .find(|c| c.name == "comment")
                .expect("comment");
            assert_eq!(comment.tag, "textarea");
            assert!(!html.contains(" checked"), "nothing pre-selected");
            assert!(!html.contains(" selected"), "nothing pre-selected");
        }
    }
}

#[test]
fn done_without_qr_receipt_or_reasons_leaves_them_out() {
    for lang in Lang::ALL {
        let screen = Screen::Done {
            business: s("应用状态查询"),
            fields: vec![field("卡状态", "正常")],
            result: vec![],
            receipt: vec![],
            ecard_qr: None,
            rating_reasons: vec![],
        };
        let tokens = parse(&render_page(&page(lang, false, screen)));
        assert!(opens(&tokens, "svg").is_empty());
        let forms_ = forms(&tokens);
        let acts = actions(&forms_);
        assert!(!acts.contains("print"));
        assert!(acts.contains("rate") && acts.contains("finish"));
        assert!(!tokens.iter().any(|t| t.attr("type") == Some("checkbox")));
    }
}

#[test]
fn a_token_too_long_for_a_qr_code_says_so_instead() {
    let screen = Screen::Done {
        business: s("电子社会保障卡申领"),
        fields: vec![],
        result: vec![],
        receipt: vec![],
        ecard_qr: Some("x".repeat(5000)),
        rating_reasons: vec![],
    };
    let tokens = parse(&render_page(&page(Lang::En, false, screen)));
    assert!(opens(&tokens, "svg").is_empty());
    assert!(text_of(&tokens).contains(Key::QrUnavailable.text(Lang::En)));
}

#[test]
fn the_guide_shows_every_part_of_every_entry() {
    let entries = vec![
        guide_entry("report_loss", "社会保障卡挂失"),
        guide_entry("pin_change", "社会保障卡密码修改"),
        guide_entry("photo", "照片采集"),
    ];
    for lang in Lang::ALL {
        let screen = Screen::Guide {
            entries: entries.clone(),
        };
        let tokens = parse(&render_page(&page(lang, false, screen)));
        let text = text_of(&tokens);
        assert_eq!(opens(&tokens, "article").len(), entries.len());
        for entry in &entries {
            for part in [
                &entry.name,
                &entry.content,
                &entry.basis,
                &entry.time_limit,
                &entry.fee,
                &entry.agent,
                &entry.complaint,
            ] {
                assert!(text.contains(part.as_str()), "{part}");
            }
            for part in entry.procedure.iter().chain(&entry.materials) {
                assert!(text.contains(part.as_str()), "{part}");
            }
        }
        for key in [
            Key::GuideContent,
            Key::GuideBasis,
            Key::GuideProcedure,
            Key::GuideTimeLimit,
            Key::GuideMaterials,
            Key::GuideFee,
            Key::GuideAgent,
            Key::Complaint,
        ] {
            assert_eq!(
                text.matches(key.text(lang)).count(),
                entries.len(),
                "{key:?} once per entry"
            );
        }
        assert!(opens(&tokens, "a")
            .iter()
            .any(|a| a.attr("href") == Some("/")));
    }
}

#[test]
fn the_host_gets_exactly_these_actions_and_fields() {
    let mut by_action: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut other_forms: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for page in all_pages() {
        let tokens = parse(&render_page(&page));
        for form in forms(&tokens) {
            let names: BTreeSet<String> = form
                .controls
                .iter()
                .filter(|c| !c.name.is_empty())
                .map(|c| c.name.clone())
                .collect();
            match form.action_field() {
                Some(action) if form.action == "/session/event" => {
                    by_action
                        .entry(action.to_owned())
                        .or_default()
                        .extend(names);
                }
                _ => other_forms
                    .entry(form.action.clone())
                    .or_default()
                    .extend(names),
            }
        }
    }
    let set = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<BTreeSet<_>>();
    let expected: BTreeMap<String, BTreeSet<String>> = [
        ("acknowledge", set(&["action"])),
        ("bank", set(&["action", "receipt"])),
        ("cancel", set(&["action"])),
        ("confirm", set(&["action"])),
        ("contact", set(&["action", "phone", "division", "street"])),
        ("finish", set(&["action"])),
        ("lack", set(&["action"])),
        ("more_time", set(&["action"])),
        ("photo", set(&["action"])),
        // Issue 22: the photo taken, checked.
        ("photo_retake", set(&["action"])),
        ("photo_use", set(&["action"])),
        ("pins", set(&["action", "old", "new", "repeat"])),
        ("print", set(&["action"])),
        ("rate", set(&["action", "level", "reasons", "comment"])),
        ("reason", set(&["action", "reason"])),
        // issue 19: the identity step's choices.
        ("face_accept", set(&["action"])),
        ("face_decline", set(&["action"])),
        ("face_retry", set(&["action"])),
        ("face_staff", set(&["action"])),
        ("face_end", set(&["action"])),
    ]
    .into_iter()
    .map(|(action, names)| (action.to_owned(), names))
    .collect();
    assert_eq!(by_action, expected);
    let others: BTreeMap<String, BTreeSet<String>> = [
        ("/session/start".to_owned(), set(&["business", "agent"])),
        ("/staff-call".to_owned(), BTreeSet::new()),
        // The simulated hardware panel (`kiosk serve --sim` only).
        ("/sim/card".to_owned(), set(&["card"])),
        ("/sim/card/remove".to_owned(), BTreeSet::new()),
        ("/sim/reader".to_owned(), set(&["action"])),
        ("/sim/idcard".to_owned(), set(&["person"])),
        ("/sim/idmodule".to_owned(), set(&["fault"])),
        ("/sim/qr".to_owned(), set(&["ecard", "text"])),
        ("/sim/printer".to_owned(), set(&["paper"])),
        ("/sim/scene".to_owned(), set(&["scene"])),
        ("/sim/face".to_owned(), set(&["scene"])),
        (
            "/staff/identity".to_owned(),
            set(&["csrf", "case", "decision"]),
        ),
        // Staff pages.
        (
            "/staff/login".to_owned(),
            set(&["csrf", "user", "password"]),
        ),
        ("/staff/selftest".to_owned(), set(&["csrf"])),
        ("/staff/logout".to_owned(), set(&["csrf"])),
        (
            "/staff/archive".to_owned(),
            set(&[
                "csrf",
                "by",
                "id_number",
                "archive_no",
                "business",
                "from",
                "to",
                // issue 17: by card number (and a range of days: `from`, `to`).
                "card_number",
            ]),
        ),
        ("/staff/stats".to_owned(), set(&["csrf", "from", "to"])),
        ("/suggest".to_owned(), set(&["text"])),
        (
            "/staff/applications".to_owned(),
            set(&["csrf", "case", "to", "reasons"]),
        ),
    ]
    .into_iter()
    .collect();
    assert_eq!(other_forms, others);
}

// ---------------------------------------------------------------------------------------------
// Escaping.

/// `page` with every string replaced by `f(string)`.
fn map_page(page: &Page, f: &mut dyn FnMut(&str) -> String) -> Page {
    fn strings(v: &[String], f: &mut dyn FnMut(&str) -> String) -> Vec<String> {
        v.iter().map(|s| f(s)).collect()
    }
    fn pairs(v: &[(String, String)], f: &mut dyn FnMut(&str) -> String) -> Vec<(String, String)> {
        v.iter().map(|(a, b)| (f(a), f(b))).collect()
    }
    fn map_nav(nav: &StaffNav, f: &mut dyn FnMut(&str) -> String) -> StaffNav {
        StaffNav {
            user: f(&nav.user),
            csrf: f(&nav.csrf),
            ..nav.clone()
        }
    }
    fn fields(v: &[Field], f: &mut dyn FnMut(&str) -> String) -> Vec<Field> {
        v.iter()
            .map(|x| Field {
                label: f(&x.label),
                value: f(&x.value),
            })
            .collect()
    }
    let screen = match &page.screen {
        Screen::Home { likely, sections } => {
            let mut items = |v: &[MenuItem]| -> Vec<MenuItem> {
                v.iter()
                    .map(|i| MenuItem {
                        code: f(&i.code),
                        name: f(&i.name),
                        icon: i.icon,
                        agent_allowed: i.agent_allowed,
                        paused: i.paused,
                    })
                    .collect()
            };
            Screen::Home {
                likely: likely.as_ref().map(|l| Likely {
                    presented: l.presented,
                    items: items(&l.items),
                }),
                sections: sections
                    .iter()
                    .map(|g| MenuSection {
                        group: g.group,
                        items: items(&g.items),
                    })
                    .collect(),
            }
        }
        Screen::Attract { offers } => Screen::Attract {
            offers: offers.clone(),
        },
        Screen::Ask {
            business,
            ask,
            can_lack,
            problem,
        } => Screen::Ask {
            business: f(business),
            ask: match ask {
                Ask::Photo { advice, taken } => Ask::Photo {
                    advice: strings(advice, f),
                    taken: taken.clone(),
                },
                Ask::Reason { options } => Ask::Reason {
                    options: pairs(options, f),
                },
                Ask::Contact { divisions } => Ask::Contact {
                    divisions: divisions
                        .iter()
                        // The codes tie the levels together: only the names change.
                        .map(|d| DivisionChoice {
                            name: f(&d.name),
                            ..d.clone()
                        })
                        .collect(),
                },
                other => other.clone(),
            },
            can_lack: *can_lack,
            problem: problem.as_deref().map(&mut *f),
        },
        Screen::Notice {
            business,
            intro,
            items,
            complaint,
            rating_reasons,
        } => Screen::Notice {
            business: f(business),
            intro: f(intro),
            items: strings(items, f),
            complaint: f(complaint),
            rating_reasons: pairs(rating_reasons, f),
        },
        Screen::Refused {
            business,
            message,
            rating_reasons,
        } => Screen::Refused {
            business: f(business),
            message: f(message),
            rating_reasons: pairs(rating_reasons, f),
        },
        Screen::Confirm {
            business,
            fields: fs,
            notes,
            consequences,
            irreversible,
            acknowledged,
        } => Screen::Confirm {
            business: f(business),
            fields: fields(fs, f),
            notes: strings(notes, f),
            consequences: strings(consequences, f),
            irreversible: *irreversible,
            acknowledged: *acknowledged,
        },
        Screen::Pay {
            business,
            amount,
            qr,
            slip,
            problem,
        } => Screen::Pay {
            business: f(business),
            amount: f(amount),
            qr: qr.clone(),
            slip: strings(slip, f),
            problem: problem.as_deref().map(&mut *f),
        },
        Screen::Pins {
            business,
            old,
            new,
            digits,
            problem,
            tries_left,
            helps,
        } => Screen::Pins {
            business: f(business),
            old: *old,
            new: *new,
            digits: digits.clone(),
            problem: problem.as_deref().map(&mut *f),
            tries_left: *tries_left,
            helps: helps
                .iter()
                .map(|i| MenuItem {
                    name: f(&i.name),
                    ..i.clone()
                })
                .collect(),
        },
        Screen::Interrupted { business, message } => Screen::Interrupted {
            business: f(business),
            message: f(message),
        },
        Screen::Done {
            business,
            fields: fs,
            result,
            receipt,
            ecard_qr,
            rating_reasons,
        } => Screen::Done {
            business: f(business),
            fields: fields(fs, f),
            result: fields(result, f),
            receipt: strings(receipt, f),
            ecard_qr: ecard_qr.as_deref().map(&mut *f),
            rating_reasons: pairs(rating_reasons, f),
        },
        Screen::Failed {
            business,
            message,
            helps,
            rating_reasons,
        } => Screen::Failed {
            business: f(business),
            message: f(message),
            helps: helps
                .iter()
                .map(|i| MenuItem {
                    name: f(&i.name),
                    ..i.clone()
                })
                .collect(),
            rating_reasons: pairs(rating_reasons, f),
        },
        Screen::Face {
            business,
            face,
            problem,
        } => Screen::Face {
            business: f(business),
            face: match face {
                FaceView::AwaitingStaff { case_id } => FaceView::AwaitingStaff {
                    case_id: f(case_id),
                },
                other => other.clone(),
            },
            problem: problem.as_deref().map(&mut *f),
        },
        Screen::StaffIdentity {
            nav,
            notice,
            problem,
            waiting,
        } => Screen::StaffIdentity {
            nav: map_nav(nav, f),
            notice: notice.as_deref().map(&mut *f),
            problem: problem.as_deref().map(&mut *f),
            waiting: waiting.as_ref().map(|w| IdentityWaiting {
                case_id: f(&w.case_id),
                business: f(&w.business),
                agent: w.agent,
            }),
        },
        Screen::TakeCards { .. } => page.screen.clone(),
        Screen::Error {
            message,
            what_to_do,
        } => Screen::Error {
            message: f(message),
            what_to_do: f(what_to_do),
        },
        Screen::Guide { entries } => Screen::Guide {
            entries: entries
                .iter()
                .map(|e| GuideEntry {
                    code: f(&e.code),
                    name: f(&e.name),
                    content: f(&e.content),
                    basis: f(&e.basis),
                    procedure: strings(&e.procedure, f),
                    time_limit: f(&e.time_limit),
                    production: e.production.as_deref().map(&mut *f),
                    materials: strings(&e.materials, f),
                    fee: f(&e.fee),
                    agent: f(&e.agent),
                    complaint: f(&e.complaint),
                })
                .collect(),
        },
        Screen::Suggest {
            sent,
            problem,
            max_chars,
        } => Screen::Suggest {
            sent: *sent,
            problem: problem.as_deref().map(&mut *f),
            max_chars: *max_chars,
        },
        Screen::StaffLogin { problem, csrf } => Screen::StaffLogin {
            problem: problem.as_deref().map(&mut *f),
            csrf: csrf.clone(),
        },
        Screen::SelfTest { user, checks, csrf } => Screen::SelfTest {
            user: f(user),
            checks: checks
                .iter()
                .map(|c| CheckRow {
                    name: f(&c.name),
                    status: f(&c.status),
                    detail: f(&c.detail),
                    hint: c.hint.as_deref().map(&mut *f),
                })
                .collect(),
            csrf: f(csrf),
        },
        Screen::StaffHome { nav } => Screen::StaffHome {
            nav: map_nav(nav, f),
        },
        Screen::StaffArchive {
            nav,
            businesses,
            problem,
            results,
        } => Screen::StaffArchive {
            nav: map_nav(nav, f),
            businesses: pairs(businesses, f),
            problem: problem.as_deref().map(&mut *f),
            results: results.as_ref().map(|r| ArchiveResults {
                criteria: f(&r.criteria),
                rows: r
                    .rows
                    .iter()
                    .map(|x| ArchiveRow {
                        archive_no: f(&x.archive_no),
                        case_id: f(&x.case_id),
                        business: f(&x.business),
                        finished: f(&x.finished),
                        id_number: f(&x.id_number),
                        card_number: f(&x.card_number),
                        title: f(&x.title),
                        sealed_in: f(&x.sealed_in),
                        retain_until: f(&x.retain_until),
                        materials: strings(&x.materials, f),
                    })
                    .collect(),
            }),
        },
        Screen::StaffStats {
            nav,
            from,
            to,
            problem,
            satisfaction,
            charts,
            rows,
            production,
        } => Screen::StaffStats {
            nav: map_nav(nav, f),
            from: f(from),
            to: f(to),
            problem: problem.as_deref().map(&mut *f),
            satisfaction: f(satisfaction),
            charts: charts
                .iter()
                .map(|c| BarChart {
                    title: f(&c.title),
                    bars: c
                        .bars
                        .iter()
                        .map(|b| Bar {
                            label: f(&b.label),
                            value: b.value,
                        })
                        .collect(),
                })
                .collect(),
            rows: rows
                .iter()
                .map(|r| StatsRow {
                    business: f(&r.business),
                    on_time: f(&r.on_time),
                    mean_time: f(&r.mean_time),
                    mean_rating: f(&r.mean_rating),
                    satisfied: f(&r.satisfied),
                    ..r.clone()
                })
                .collect(),
            production: ProductionRow {
                rate: f(&production.rate),
                today: f(&production.today),
                ..production.clone()
            },
        },
        Screen::StaffAudit {
            nav,
            verified,
            entries_checked,
            head,
            problems,
            latest,
        } => Screen::StaffAudit {
            nav: map_nav(nav, f),
            verified: *verified,
            entries_checked: *entries_checked,
            head: head.as_deref().map(&mut *f),
            problems: strings(problems, f),
            latest: latest
                .iter()
                .map(|e| AuditRow {
                    seq: e.seq,
                    at: f(&e.at),
                    actor: f(&e.actor),
                    action: f(&e.action),
                    subject: f(&e.subject),
                    detail: f(&e.detail),
                })
                .collect(),
        },
        Screen::StaffApplications {
            nav,
            notice,
            problem,
            rows,
        } => Screen::StaffApplications {
            nav: map_nav(nav, f),
            notice: notice.as_deref().map(&mut *f),
            problem: problem.as_deref().map(&mut *f),
            rows: rows
                .iter()
                .map(|r| ApplicationRow {
                    case_id: f(&r.case_id),
                    holder: f(&r.holder),
                    business: f(&r.business),
                    state: f(&r.state),
                    deadline: f(&r.deadline),
                    days_left: f(&r.days_left),
                    overdue: r.overdue,
                    moves: pairs(&r.moves, f),
                    recomputed_from: r.recomputed_from.as_deref().map(&mut *f),
                })
                .collect(),
        },
        Screen::StaffSuggestions {
            nav,
            items,
            page,
            prev_page,
            next_page,
        } => Screen::StaffSuggestions {
            nav: map_nav(nav, f),
            items: items
                .iter()
                .map(|i| FeedbackRow {
                    at: f(&i.at),
                    case_id: f(&i.case_id),
                    business: f(&i.business),
                    rating: f(&i.rating),
                    reasons: strings(&i.reasons, f),
                    text: f(&i.text),
                })
                .collect(),
            page: *page,
            prev_page: *prev_page,
            next_page: *next_page,
        },
        Screen::SimPanel {
            cards,
            people,
            scenes,
            card_present,
            printed,
            reader_plugged,
            id_card_on,
            id_faults,
            paper,
            devices,
        } => Screen::SimPanel {
            cards: strings(cards, f),
            people: strings(people, f),
            scenes: strings(scenes, f),
            card_present: *card_present,
            printed: printed.iter().map(|r| strings(r, f)).collect(),
            reader_plugged: *reader_plugged,
            id_card_on: *id_card_on,
            id_faults: strings(id_faults, f),
            paper: f(paper),
            devices: devices
                .iter()
                .map(|(d, st, m)| (f(d), f(st), f(m)))
                .collect(),
        },
    };
    Page {
        title: f(&page.title),
        screen,
        ..page.clone()
    }
}

/// The shape of a document: its tags and their attribute names, in order (text left out).
fn shape(tokens: &[Token]) -> Vec<String> {
    tokens
        .iter()
        .filter_map(|t| match t {
            Token::Open {
                name,
                attrs,
                self_closing,
            } => {
                let names: Vec<&str> = attrs.iter().map(|(n, _)| n.as_str()).collect();
                Some(format!(
                    "<{name} {}{}>",
                    names.join(" "),
                    if *self_closing { "/" } else { "" }
                ))
            }
            Token::Close(name) => Some(format!("</{name}>")),
            _ => None,
        })
        .collect()
}

/// Every text and attribute value of the document, references resolved.
fn values(tokens: &[Token]) -> Vec<String> {
    let mut out = Vec::new();
    for token in tokens {
        match token {
            Token::Text(text) => out.push(unescape(text)),
            Token::Open { attrs, .. } => out.extend(attrs.iter().map(|(_, v)| unescape(v))),
            _ => {}
        }
    }
    out
}

/// Checks that the strings of `attack` change no tag of the page and come back whole.
fn assert_contained(attack: &Page) {
    // The same page with harmless text of the same emptiness (what shows depends on it), and
    // with a `label: value` split where the text has one (a receipt line's value is isolated).
    let harmless = map_page(attack, &mut |text| {
        if text.is_empty() {
            String::new()
        } else if text.contains(": ") {
            s("x: x")
        } else {
            s("x")
        }
    });
    let html = render_page(attack);
    let tokens = parse(&html);
    if let Err(e) = check_structure(&tokens) {
        panic!("{e}\n{html}");
    }
    assert_eq!(
        shape(&tokens),
        shape(&parse(&render_page(&harmless))),
        "{html}"
    );
    assert_eq!(html.matches("<script").count(), 1);

    // Every string shown comes back intact (the e-card token is drawn, not shown).
    let found = values(&tokens);
    let mut shown = Vec::new();
    let without_token = match &attack.screen {
        Screen::Done { .. } => {
            let mut page = attack.clone();
            if let Screen::Done { ecard_qr, .. } = &mut page.screen {
                *ecard_qr = None;
            }
            page
        }
        _ => attack.clone(),
    };
    map_page(&without_token, &mut |s| {
        shown.push(s.to_owned());
        s.to_owned()
    });
    let whole = |t: &str| found.iter().any(|v| v.contains(t));
    for text in shown.iter().filter(|t| !t.is_empty()) {
        // A receipt line comes back as its label (with the `: `) and its value, apart.
        let split = text.split_once(": ").is_some_and(|(label, value)| {
            whole(&format!("{label}: ")) && (value.is_empty() || whole(value))
        });
        assert!(whole(text) || split, "{text:?} lost\n{html}");
    }
}

#[test]
fn script_in_any_field_comes_out_escaped() {
    let evil = "<script>alert(\"x\")</script>' onload='x";
    for page in all_pages() {
        let attack = map_page(&page, &mut |_| evil.to_owned());
        let html = render_page(&attack);
        assert!(!html.contains("<script>alert"), "{}", variant(&page.screen));
        assert!(!html.contains("' onload='"), "{}", variant(&page.screen));
        assert!(
            html.contains("&#60;script&#62;"),
            "{}",
            variant(&page.screen)
        );
        assert_contained(&attack);
    }
}

fn text_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[<>&\"'=/` a-zA-Z0-9-]{0,16}",
        Just(s("")),
        Just(s("</textarea></title><script>alert(1)</script>")),
        Just(s("\" autofocus onfocus=\"alert(1)")),
        Just(s("' src=x onerror='alert(1)")),
        Just(s("&lt;&#60;&amp;")),
        Just(s("<!-- -->")),
        Just(s("كىملىك <b>")),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// Arbitrary strings in any field of any screen, in any language and mode, never break out
    /// of escaping: the page keeps its tags, and every string is shown as it was given.
    #[test]
    fn arbitrary_strings_never_break_out(
        pool in prop::collection::vec(text_strategy(), 1..24),
        lang in prop::sample::select(Lang::ALL.to_vec()),
        elderly in any::<bool>(),
        sim in any::<bool>(),
    ) {
        for screen in samples() {
            let mut base = page(lang, elderly, screen);
            base.sim = sim;
            let mut next = pool.iter().cycle();
            let attack = map_page(&base, &mut |_| next.next().expect("a non-empty pool").clone());
            assert_contained(&attack);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Staff pages.

fn staff_samples() -> Vec<Screen> {
    samples()
        .into_iter()
        .filter(|s| variant(s).starts_with("staff_") && variant(s) != "staff_login")
        .collect()
}

#[test]
fn every_staff_form_carries_the_token_and_the_nav_lists_the_hosts_pages() {
    for screen in staff_samples() {
        for lang in [Lang::ZhCn, Lang::En] {
            let tokens = parse(&render_page(&page(lang, false, screen.clone())));
            let what = format!("{} {lang:?}", variant(&screen));
            let forms = forms(&tokens);
            assert!(forms.iter().any(|f| f.action == "/staff/logout"), "{what}");
            for form in &forms {
                assert_eq!(
                    form.hidden("csrf"),
                    Some("0123abcd"),
                    "{what}: {}",
                    form.action
                );
            }
            for p in StaffPage::ALL {
                let link = opens(&tokens, "a")
                    .into_iter()
                    .find(|a| a.attr("href") == Some(p.href()));
                assert!(link.is_some(), "{what}: no link to {}", p.href());
            }
            let current: Vec<_> = opens(&tokens, "a")
                .into_iter()
                .filter(|a| a.attr("aria-current") == Some("page"))
                .collect();
            assert_eq!(current.len(), 1, "{what}");
        }
    }
    // Only the pages the host lists.
    let mut nav = staff_nav(StaffPage::Home);
    nav.pages = vec![StaffPage::Home, StaffPage::Applications];
    let html = render_page(&page(Lang::En, false, Screen::StaffHome { nav }));
    assert!(html.contains("href=\"/staff/applications\""));
    assert!(!html.contains("href=\"/staff/archive\""), "{html}");
    assert!(html.contains(ui_web::i18n::StaffKey::HintApplications.text(Lang::En)));
}

#[test]
fn charts_are_labelled_svg_images_with_the_same_numbers_in_a_table() {
    let screen = samples()
        .into_iter()
        .find(|s| variant(s) == "staff_stats")
        .expect("a stats sample");
    let Screen::StaffStats { charts, .. } = &screen else {
        unreachable!()
    };
    let html = render_page(&page(Lang::ZhCn, false, screen.clone()));
    let tokens = parse(&html);
    let svgs: Vec<usize> = tokens
        .iter()
        .enumerate()
        .filter(|(_, t)| t.is_open("svg"))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(svgs.len(), charts.len());
    for (n, (&at, chart)) in svgs.iter().zip(charts).enumerate() {
        let svg = &tokens[at];
        assert_eq!(svg.attr("role"), Some("img"));
        let title_id = format!("chart-{}-title", n + 1);
        assert_eq!(svg.attr("aria-labelledby"), Some(title_id.as_str()));
        let end = at
            + tokens[at..]
                .iter()
                .position(|t| *t == Token::Close(s("svg")))
                .expect("</svg>");
        let inside = &tokens[at..end];
        let title = inside
            .iter()
            .position(|t| t.attr("id") == Some(title_id.as_str()))
            .expect("the chart's title");
        assert!(inside[title].is_open("title"));
        assert_eq!(inside[title + 1], Token::Text(chart.title.clone()));
        let drawn: Vec<u64> = opens(inside, "rect")
            .iter()
            .map(|r| {
                r.attr("data-value")
                    .and_then(|v| v.parse().ok())
                    .expect("a value")
            })
            .collect();
        let expected: Vec<u64> = chart.bars.iter().map(|b| b.value).collect();
        assert_eq!(drawn, expected);
        // the longest bar is the widest; a zero draws nothing
        let widths: Vec<u64> = opens(inside, "rect")
            .iter()
            .map(|r| {
                r.attr("width")
                    .and_then(|v| v.parse().ok())
                    .expect("a width")
            })
            .collect();
        for (w, v) in widths.iter().zip(&expected) {
            assert_eq!(*w == 0, *v == 0);
        }
        // the table after the chart: one row per bar, the same numbers
        let table_at = end
            + tokens[end..]
                .iter()
                .position(|t| t.is_open("table"))
                .expect("a table");
        let table_end = table_at
            + tokens[table_at..]
                .iter()
                .position(|t| *t == Token::Close(s("table")))
                .expect("</table>");
        let cells: Vec<u64> = tokens[table_at..table_end]
            .windows(2)
            .filter(|w| w[0].is_open("td"))
            .filter_map(|w| match &w[1] {
                Token::Text(t) => t.parse().ok(),
                _ => None,
            })
            .collect();
        assert_eq!(cells, expected);
    }
}

// ---------------------------------------------------------------------------------------------
// On-screen keyboards and spoken prompts.

#[test]
fn every_typed_field_has_its_own_keyboard_hidden_until_the_script_shows_it() {
    let mut kinds = BTreeSet::new();
    for page in all_pages() {
        let tokens = parse(&render_page(&page));
        let what = format!("{} {:?}", variant(&page.screen), page.lang);
        let fields: Vec<&str> = tokens
            .iter()
            .filter(|t| t.attr("data-kbd").is_some())
            .filter_map(|t| t.attr("id"))
            .collect();
        let boards: Vec<&Token> = tokens
            .iter()
            .filter(|t| t.attr("data-kbd-for").is_some())
            .collect();
        let bound: Vec<&str> = boards
            .iter()
            .filter_map(|b| b.attr("data-kbd-for"))
            .collect();
        assert_eq!(fields, bound, "{what}: one keyboard per typed field");
        for b in &boards {
            assert!(
                b.attr("hidden").is_some(),
                "{what}: hidden without the script"
            );
            assert_eq!(b.attr("role"), Some("group"));
            assert!(b.attr("aria-label").is_some_and(|l| !l.is_empty()));
            assert_eq!(
                b.attr("dir"),
                Some("ltr"),
                "keys keep their places in Uyghur"
            );
            kinds.insert(b.attr("data-kbd-kind").unwrap_or_default().to_owned());
        }
        // Every key is a plain button with a name: its letter, or a label for a symbol.
        let keys: Vec<(usize, &Token)> = tokens
            .iter()
            .enumerate()
            .filter(|(_, t)| t.is_open("button") && t.attr("data-k").is_some())
            .collect();
        for (i, key) in keys {
            assert_eq!(key.attr("type"), Some("button"), "{what}");
            let k = key.attr("data-k").unwrap_or_default();
            if k.starts_with('{') {
                assert!(
                    key.attr("aria-label").is_some_and(|a| !a.is_empty()),
                    "{what}: {k} named"
                );
            } else {
                assert_eq!(
                    tokens[i + 1],
                    Token::Text(k.to_owned()),
                    "{what}: {k} shown"
                );
            }
        }
    }
    assert_eq!(
        kinds,
        ["code", "digits", "text"]
            .map(str::to_owned)
            .into_iter()
            .collect()
    );
}

#[test]
fn the_text_keyboard_has_pinyin_uyghur_and_latin_the_pages_script_first() {
    let screen = Screen::Ask {
        business: s("社会保障卡信息变更"),
        ask: Ask::Contact {
            divisions: divisions(),
        },
        can_lack: false,
        problem: None,
    };
    for (lang, first) in [
        (Lang::ZhCn, "pinyin"),
        (Lang::Ug, "uyghur"),
        (Lang::En, "latin"),
    ] {
        let tokens = parse(&render_page(&page(lang, false, screen.clone())));
        let tabs: Vec<&Token> = tokens
            .iter()
            .filter(|t| t.attr("data-kbd-layer").is_some())
            .collect();
        assert_eq!(tabs.len(), 3);
        assert_eq!(tabs[0].attr("data-kbd-layer"), Some(first));
        assert_eq!(tabs[0].attr("aria-pressed"), Some("true"));
        let layers: Vec<(&str, Option<&str>, bool)> = tokens
            .iter()
            .filter(|t| t.attr("data-layer").is_some())
            .map(|t| {
                (
                    t.attr("data-layer").unwrap_or_default(),
                    t.attr("lang"),
                    t.attr("hidden").is_some(),
                )
            })
            .collect();
        assert_eq!(layers[0], (first, layers[0].1, false), "{lang:?}");
        assert!(layers[1..].iter().all(|l| l.2), "the others hidden");
        assert!(layers.iter().any(|l| l.0 == "uyghur" && l.1 == Some("ug")));
        // The candidate bar is a labelled group of Chinese text.
        let bar = tokens
            .iter()
            .find(|t| t.attr("data-kbd-candidates").is_some())
            .expect("a candidate bar");
        assert_eq!(bar.attr("lang"), Some("zh-CN"));
        assert_eq!(
            bar.attr("aria-label").map(unescape).as_deref(),
            Some(Key::Candidates.text(lang))
        );
        // The phone's pad says how many digits there are of how many.
        let count = tokens
            .iter()
            .find(|t| t.attr("data-kbd-count").is_some())
            .expect("a length display");
        assert_eq!(count.attr("data-max"), Some("11"));
        assert_eq!(count.attr("aria-live"), Some("polite"));
    }
}

#[test]
fn every_citizen_prompt_is_spoken_from_the_hosts_audio_in_the_page_language() {
    let mut used = BTreeSet::new();
    for page in all_pages() {
        let tokens = parse(&render_page(&page));
        let what = format!("{} {:?}", variant(&page.screen), page.lang);
        let voices: Vec<&str> = tokens.iter().filter_map(|t| t.attr("data-voice")).collect();
        let staff = variant(&page.screen).starts_with("staff")
            || matches!(variant(&page.screen), "selftest" | "sim_panel");
        if staff {
            assert!(voices.is_empty(), "{what}: staff pages are not spoken");
            continue;
        }
        assert_eq!(voices.len(), 1, "{what}: one spoken prompt");
        let prefix = format!("/voice/{}/", page.lang.tag());
        let file = voices[0]
            .strip_prefix(&prefix)
            .unwrap_or_else(|| panic!("{what}: {}", voices[0]));
        let (key, lang) = ui_web::voice::from_path(page.lang.tag(), file)
            .unwrap_or_else(|| panic!("{what}: {file} is not a prompt"));
        assert_eq!(lang, page.lang);
        // The element spoken shows that very text.
        let spoken = tokens
            .iter()
            .position(|t| t.attr("data-voice").is_some())
            .expect("the prompt");
        let rest = text_of(&tokens[spoken..]);
        assert!(rest.contains(key.text(lang)), "{what}: {key:?}");
        used.insert(key.name());
        if page.in_session {
            let soon = tokens
                .iter()
                .find_map(|t| t.attr("data-soon-voice"))
                .expect("the warning's audio");
            assert_eq!(soon, ui_web::voice::path(Key::TimeAlmostUp, page.lang));
        }
        // The button that repeats it is there, hidden until the script finds the prompt.
        let again = tokens
            .iter()
            .find(|t| t.attr("data-hear-again").is_some())
            .expect("hear it again");
        assert_eq!(again.attr("type"), Some("button"));
        assert!(again.attr("hidden").is_some());
    }
    // Every prompt is some screen's; the warning that the time is almost up is spoken by the
    // countdown.
    let expected: BTreeSet<&str> = ui_web::voice::PROMPTS
        .iter()
        .filter(|k| **k != Key::TimeAlmostUp && **k != Key::StillThere)
        .map(|k| k.name())
        .collect();
    assert_eq!(used, expected);
}

#[test]
fn a_paused_business_is_shown_but_cannot_be_started() {
    let mut sections = menu();
    sections[0].items[0].paused = true;
    let paused = sections[0].items[0].code.clone();
    let html = render_page(&page(
        Lang::ZhCn,
        false,
        Screen::Home {
            likely: None,
            sections,
        },
    ));
    let buttons: Vec<&str> = html
        .split("<button")
        .skip(1)
        .filter(|b| b.contains(r#"name="business""#))
        .collect();
    assert!(buttons.len() > 1, "{html}");
    for b in buttons {
        let is_paused = b.contains(&format!(r#"value="{paused}""#));
        assert_eq!(b.contains(" disabled"), is_paused, "{b}");
        assert_eq!(b.contains("data-paused"), is_paused, "{b}");
    }
}

/// A receipt line's value is isolated from its label on screen: in a Uyghur (right-to-left)
/// line, a masked name keeps its stars where they belong (`阿*****·买***`, not `***阿*****·买`).
#[test]
fn receipt_values_are_isolated_from_their_labels() {
    let screen = Screen::Done {
        business: s("社会保障卡应用状态查询"),
        fields: vec![],
        result: vec![],
        receipt: vec![s("ئىسمى: 阿*****·买***"), s("回执")],
        ecard_qr: None,
        rating_reasons: vec![],
    };
    let html = render_page(&page(Lang::Ug, false, screen));
    assert!(
        html.contains("<li><bdi>ئىسمى: <bdi>阿*****·买***</bdi></bdi></li>"),
        "{html}"
    );
    assert!(html.contains("<li><bdi>回执</bdi></li>"), "{html}");
}

// issue 17: a recomputed deadline shows its old date; the production figure has its own table.
#[test]
fn a_recomputed_deadline_shows_its_old_date_and_the_production_figure_its_own_table() {
    let sample = |name: &str| {
        samples()
            .into_iter()
            .find(|s| variant(s) == name)
            .expect("a sample")
    };
    let html = render_page(&page(Lang::ZhCn, false, sample("staff_applications")));
    assert!(
        html.contains(
            "<td>2026-02-28<span class=\"recomputed\">（按日历重算，原 2026-02-26）</span></td>"
        ),
        "{html}"
    );
    assert!(
        html.contains("<td>2026-04-28</td>"),
        "no mark without a recompute"
    );
    let html = render_page(&page(Lang::En, false, sample("staff_applications")));
    assert!(
        html.contains("2026-02-28<span class=\"recomputed\"> (recomputed with the calendar, was 2026-02-26)</span>"),
        "{html}"
    );

    let html = render_page(&page(Lang::ZhCn, false, sample("staff_stats")));
    assert!(
        html.contains("制卡按期率 <strong id=\"production-rate\">75.0%</strong>"),
        "{html}"
    );
    assert!(
        html.contains("按期办结率"),
        "the cases' figure keeps its own name"
    );
    assert!(
        html.contains("<tr><td>3</td><td>1</td><td>0</td><td>2</td><td>1</td></tr>"),
        "{html}"
    );
    assert!(html.contains("截至 2026-03-20"), "{html}");
    let html = render_page(&page(Lang::En, false, sample("staff_stats")));
    assert!(html.contains("Card production on time <strong id=\"production-rate\">75.0%</strong>"));
}
