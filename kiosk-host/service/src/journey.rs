//! The screens of the citizen's journey around the businesses (issue 22): `take_cards` at the
//! end of every session, the businesses offered after a wrong or blocked PIN, and what a
//! gathering screen says about a card left in the reader from before.

use firmware_config::{Config, Language};
use ui_web::view::{Icon, MenuItem, Page, Screen};

use crate::citizen::Handback;
use crate::screens::{menu_item, Chrome, View};
use kiosk_core::domain::BusinessCode;
use kiosk_core::engine::session::Failure;

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

/// The enabled businesses among `wanted`, as buttons.
fn offered(config: &Config, l: Language, wanted: &[(BusinessCode, Icon)]) -> Vec<MenuItem> {
    wanted
        .iter()
        .filter(|(b, _)| config.business.enabled.contains(b))
        .map(|(b, icon)| menu_item(l, *b, *icon, false))
        .collect()
}

/// On the PIN screen after a wrong old PIN: 密码重置 for a PIN forgotten.
pub fn pin_helps(view: &View<'_>, after_wrong_pin: bool) -> Vec<MenuItem> {
    if !after_wrong_pin || view.live.session.business == BusinessCode::PinReset {
        return Vec::new();
    }
    offered(
        view.config,
        view.chrome.lang,
        &[(BusinessCode::PinReset, Icon::PinReset)],
    )
}

/// After the last try: the PIN is blocked; 密码解锁 (and 密码重置 for a PIN forgotten).
pub fn failure_helps(view: &View<'_>, failure: &Failure) -> Vec<MenuItem> {
    match failure {
        Failure::PinBlocked | Failure::WrongPin { .. } => offered(
            view.config,
            view.chrome.lang,
            &[
                (BusinessCode::PinUnblock, Icon::PinUnblock),
                (BusinessCode::PinReset, Icon::PinReset),
            ],
        )
        .into_iter()
        .filter(|i| i.code != crate::screens::code(view.live.session.business))
        .collect(),
        _ => Vec::new(),
    }
}

/// What the card step says while a card left in the reader from before is there: it is not
/// read for this citizen.
pub fn stale_card_problem(l: Language) -> String {
    match l {
        Language::ZhCn => "读卡器中已有一张卡,为保护个人信息不会读取它。请取出后再插入您本人的社会保障卡",
        Language::Ug => "كارتا ئوقۇغۇچتا بىر كارتا بار، شەخسىي ئۇچۇرنى قوغداش ئۈچۈن ئۇ ئوقۇلمايدۇ. ئۇنى چىقىرىپ، ئۆزىڭىزنىڭ ئىجتىمائىي كاپالەت كارتىسىنى قايتا سېلىڭ",
        Language::En => "A card is already in the reader; to protect personal data it is not read. Take it out, then insert your own social security card",
    }
    .to_string()
}

/// The photo taken, cropped as it will be used, while the citizen checks it (重拍 / 使用此照片):
/// `GET /camera/photo.jpg`. Not found when no photo waits to be checked.
pub async fn photo_check(
    axum::extract::State(s): axum::extract::State<std::sync::Arc<crate::state::Shared>>,
) -> axum::response::Response {
    use axum::http::{header, StatusCode};
    use axum::response::IntoResponse;
    match s.shown().photo_check.clone() {
        Some(photo) => (
            [
                (header::CONTENT_TYPE, "image/jpeg"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            photo.jpeg.clone(),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
