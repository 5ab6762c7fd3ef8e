//! The result of a business as a large panel of its own on the done screen (issue 22, item 7):
//! for 状态查询 the card's state, the PIN tries left, the validity and where an application
//! stands, in the screen's language. The receipt keeps the same facts as text.

use firmware_config::Language;
use kiosk_core::domain::BusinessCode;
use kiosk_core::engine::session::Session;
use ui_web::view::Field;

fn ui(l: Language, zh: &str, en: &str, ug: &str) -> String {
    match l {
        Language::ZhCn => zh,
        Language::En => en,
        Language::Ug => ug,
    }
    .to_string()
}

/// The result panel's rows of `s` (empty for a business whose result is the receipt alone).
pub fn fields(s: &Session, l: Language) -> Vec<Field> {
    if s.business != BusinessCode::Status {
        return Vec::new();
    }
    let g = &s.gathered;
    let mut out = Vec::new();
    let record = g
        .card
        .as_ref()
        .and_then(|c| c.record.as_ref())
        .or_else(|| g.holder.as_ref().and_then(|h| h.current_card()));
    if let Some(r) = record {
        out.push(Field {
            label: ui(l, "卡状态", "Card state", "كارتا ھالىتى"),
            value: r.state.text().pick(l).to_string(),
        });
    }
    if let Some(c) = &g.card {
        match (c.pin_blocked, c.pin_tries_left) {
            (true, _) => out.push(Field {
                label: ui(l, "密码", "PIN", "پارول"),
                value: ui(l, "已锁定", "blocked", "قۇلۇپلانغان"),
            }),
            (false, Some(n)) => out.push(Field {
                label: ui(
                    l,
                    "密码剩余尝试次数",
                    "PIN tries left",
                    "پارول سىناش قالغان قېتىم سانى",
                ),
                value: n.to_string(),
            }),
            (false, None) => {}
        }
        if let Some(e) = c.expiry_date {
            out.push(Field {
                label: ui(l, "有效期至", "Valid until", "ئىناۋەتلىك مۇددىتى"),
                value: e.to_string(),
            });
        }
    }
    if let Some(a) = g.holder.as_ref().and_then(|h| h.open_application()) {
        out.push(Field {
            label: ui(l, "申请进度", "Application", "ئىلتىماس باسقۇچى"),
            value: a.progress.text().pick(l).to_string(),
        });
        out.push(Field {
            label: ui(l, "预计制成", "Expected by", "مۆلچەرلەنگەن ۋاقىت"),
            value: a.deadline.to_string(),
        });
    }
    out
}
