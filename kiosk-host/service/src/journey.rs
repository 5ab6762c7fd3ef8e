//! The screens of the citizen's journey around the businesses (issue 22): `take_cards` at the
//! end of every session. (The photo shown to check is served by `http`; the businesses
//! offered after a wrong or blocked PIN, and what a gathering screen says about a card left
//! in the reader, are `screens`' helps.)

use firmware_config::Language;
use ui_web::view::{Page, Screen};

use crate::citizen::Handback;
use crate::screens::Chrome;

/// The `take_cards` screen: what is still in, and 已超时退出 after a time-out. No attract
/// screen may cover it.
pub fn take_cards(chrome: &Chrome, handback: Handback, card: bool, id_card: bool) -> Page {
    let l = chrome.lang;
    let title = match l {
        Language::ZhCn => "请取走您的卡片和证件",
        Language::Ug => "كارتا ۋە كىنىشكىڭىزنى ئېلىۋېلىڭ",
        Language::En => "Please take your cards",
    };
    let mut page = crate::screens::error(chrome, String::new(), String::new());
    page.title = title.to_string();
    page.attract_after_s = None;
    page.idle_timeout_s = None;
    page.in_session = false;
    page.screen = Screen::TakeCards {
        card,
        id_card,
        timed_out: handback.timed_out,
    };
    page
}
