//! Rendering: each [`Screen`] has its own compiled template (`ui-web/templates/*.html`), all
//! extending one base layout (`base.html`) that draws the chrome of [`Page`]: language, the
//! language switcher, elderly mode, the session controls, the idle countdown and the button
//! that repeats the spoken prompt. Templates escape every value (askama's HTML escaper); the
//! only unescaped inserts are SVG this module draws itself and which carries no text of the
//! view model: the QR code and the home menu's icons ([`icon_svg`]).
//!
//! Every screen works without JavaScript: plain forms posting to the host, which answers with
//! a redirect. `kiosk.js` adds the countdown, live events, the PIN pad, the on-screen keyboards
//! ([`crate::keyboard`]), the division picker and the spoken prompts ([`crate::voice`]).

use askama::Template;

use crate::i18n::{Key, StaffKey, Texts};

mod chrome;
mod journey;
use chrome::Chrome;
mod qr;
use crate::keyboard::Keyboard;
use crate::view::{
    ApplicationRow, ArchiveResults, Ask, AuditRow, BarChart, Choice, DivisionChoice, FeedbackRow,
    Field, GuideEntry, Lang, Likely, MenuGroup, MenuItem, MenuSection, Page, Presented,
    ProductionRow, Screen, StaffNav, StatsRow,
};
pub use qr::qr_svg;
use qr::QrView;

/// The HTML document of a page.
pub fn render_page(page: &Page) -> String {
    let c = Chrome::new(page);
    let rendered = match &page.screen {
        Screen::Home { likely, sections } => HomeTpl {
            c,
            likely: likely.as_ref(),
            sections,
        }
        .render(),
        Screen::Attract { offers } => AttractTpl { c, offers }.render(),
        Screen::Ask {
            business,
            ask,
            can_lack,
            problem,
        } => AskTpl {
            c,
            business,
            ask,
            can_lack: *can_lack,
            problem: problem.as_deref(),
        }
        .render(),
        Screen::Notice {
            business,
            intro,
            items,
            complaint,
            rating_reasons,
        } => NoticeTpl {
            c,
            business,
            intro,
            items,
            complaint,
            levels: RatingLevel::all(page.lang),
            rating_reasons,
        }
        .render(),
        Screen::Refused {
            business,
            message,
            rating_reasons,
        } => EndedTpl {
            c,
            business,
            message,
            helps: &[],
            kind: "refused",
            heading: Key::RefusedHeading,
            levels: RatingLevel::all(page.lang),
            rating_reasons,
        }
        .render(),
        Screen::Confirm {
            business,
            fields,
            notes,
            consequences,
            irreversible,
            acknowledged,
        } => ConfirmTpl {
            c,
            business,
            fields,
            notes,
            consequences,
            irreversible: *irreversible,
            acknowledged: *acknowledged,
        }
        .render(),
        Screen::Pay {
            business,
            amount,
            qr,
            slip,
            problem,
        } => PayTpl {
            c,
            business,
            amount,
            qr: QrView::of(qr.as_deref()),
            slip,
            problem: problem.as_deref(),
        }
        .render(),
        Screen::Pins {
            business,
            old,
            new,
            digits,
            problem,
            tries_left,
            helps,
        } => PinsTpl {
            c,
            business,
            old: *old,
            new: *new,
            digits,
            problem: problem.as_deref(),
            tries_left: *tries_left,
            helps,
        }
        .render(),
        Screen::Interrupted { business, message } => InterruptedTpl {
            c,
            business,
            message,
        }
        .render(),
        Screen::Done {
            business,
            fields,
            result,
            receipt,
            ecard_qr,
            rating_reasons,
        } => DoneTpl {
            c,
            business,
            fields,
            result,
            receipt,
            qr: QrView::of(ecard_qr.as_deref()),
            levels: RatingLevel::all(page.lang),
            rating_reasons,
        }
        .render(),
        Screen::Failed {
            business,
            message,
            helps,
            rating_reasons,
        } => EndedTpl {
            c,
            business,
            message,
            helps,
            kind: "failed",
            heading: Key::FailedHeading,
            levels: RatingLevel::all(page.lang),
            rating_reasons,
        }
        .render(),
        Screen::Face {
            business,
            face,
            problem,
        } => FaceTpl {
            c,
            business,
            face,
            problem: problem.as_deref(),
        }
        .render(),
        Screen::Error {
            message,
            what_to_do,
        } => ErrorTpl {
            c,
            message,
            what_to_do,
        }
        .render(),
        Screen::TakeCards {
            card,
            id_card,
            timed_out,
        } => journey::take_cards(c, *card, *id_card, *timed_out),
        Screen::Guide { entries } => GuideTpl { c, entries }.render(),
        Screen::Suggest {
            sent,
            problem,
            max_chars,
        } => SuggestTpl {
            c,
            sent: *sent,
            problem: problem.as_deref(),
            max_chars: *max_chars,
        }
        .render(),
        Screen::StaffLogin { problem, csrf } => StaffLoginTpl {
            c,
            problem: problem.as_deref(),
            csrf,
        }
        .render(),
        Screen::SelfTest { user, checks, csrf } => SelfTestTpl {
            c,
            user,
            checks,
            csrf,
        }
        .render(),
        Screen::StaffHome { nav } => StaffHomeTpl { c, nav }.render(),
        Screen::StaffArchive {
            nav,
            businesses,
            problem,
            results,
        } => StaffArchiveTpl {
            c,
            nav,
            businesses,
            problem: problem.as_deref(),
            results: results.as_ref(),
        }
        .render(),
        Screen::StaffStats {
            nav,
            from,
            to,
            problem,
            satisfaction,
            charts,
            rows,
            production,
        } => StaffStatsTpl {
            c,
            nav,
            from,
            to,
            problem: problem.as_deref(),
            satisfaction,
            charts: charts.iter().map(ChartView::of).collect(),
            rows,
            production,
        }
        .render(),
        Screen::StaffAudit {
            nav,
            verified,
            entries_checked,
            head,
            problems,
            latest,
        } => StaffAuditTpl {
            c,
            nav,
            verified: *verified,
            entries_checked: *entries_checked,
            head: head.as_deref(),
            problems,
            latest,
        }
        .render(),
        Screen::StaffApplications {
            nav,
            notice,
            problem,
            rows,
        } => StaffApplicationsTpl {
            c,
            nav,
            notice: notice.as_deref(),
            problem: problem.as_deref(),
            rows,
        }
        .render(),
        Screen::StaffSuggestions {
            nav,
            items,
            page: number,
            prev_page,
            next_page,
        } => StaffSuggestionsTpl {
            c,
            nav,
            items,
            page: *number,
            prev_page: *prev_page,
            next_page: *next_page,
        }
        .render(),
        Screen::StaffIdentity {
            nav,
            notice,
            problem,
            waiting,
        } => StaffIdentityTpl {
            c,
            nav,
            notice: notice.as_deref(),
            problem: problem.as_deref(),
            waiting: waiting.as_ref(),
        }
        .render(),
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
        } => SimTpl {
            c,
            cards,
            people,
            scenes,
            card_present: *card_present,
            printed,
            reader_plugged: *reader_plugged,
            id_card_on: *id_card_on,
            id_faults,
            paper,
            devices,
        }
        .render(),
    };
    // Rendering into a `String` fails only if a value's `Display` fails, which none of ours
    // does; should it ever, the citizen still gets a page, never an error text.
    rendered.unwrap_or_else(|_| fallback_page(page.lang))
}

/// A page of fixed text only, for the case a template could not be rendered.
fn fallback_page(lang: Lang) -> String {
    let t = Texts(lang);
    let dir = if lang.rtl() { "rtl" } else { "ltr" };
    format!(
        "<!DOCTYPE html>\n<html lang=\"{tag}\" dir=\"{dir}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>{heading}</title>\n<link rel=\"stylesheet\" href=\"/static/kiosk.css\">\n</head>\n\
         <body>\n<main id=\"main\">\n<h1>{heading}</h1>\n<p class=\"message\">{ask}</p>\n\
         <form method=\"post\" action=\"/staff-call\"><button type=\"submit\" class=\"btn staff big\">{call}</button></form>\n\
         <p class=\"links\"><a class=\"btn link\" href=\"/\">{home}</a></p>\n</main>\n</body>\n</html>\n",
        tag = lang.tag(),
        heading = t.get(Key::ErrorHeading),
        ask = t.get(Key::AskStaff),
        call = t.get(Key::CallStaff),
        home = t.get(Key::BackHome),
    )
}

/// A bar chart laid out for its inline SVG: horizontal bars, the label on the left and the
/// value after the bar, the longest bar filling the width.
struct ChartView<'a> {
    title: &'a str,
    width: u32,
    height: u32,
    bar_x: u64,
    bar_height: u32,
    bars: Vec<BarView<'a>>,
}

struct BarView<'a> {
    label: &'a str,
    value: u64,
    /// Top of the bar, baseline of its texts.
    y: u32,
    text_y: u32,
    width: u64,
    value_x: u64,
}

impl<'a> ChartView<'a> {
    const ROW: u32 = 28;
    const BAR: u32 = 18;
    const BAR_X: u64 = 240;
    const BAR_MAX: u64 = 320;
    const WIDTH: u32 = 640;

    fn of(chart: &'a BarChart) -> Self {
        let max = chart.bars.iter().map(|b| b.value).max().unwrap_or(0).max(1);
        let bars = chart
            .bars
            .iter()
            .zip(0u32..)
            .map(|(b, i)| {
                let y = 6 + i * Self::ROW;
                // the longest bar fills the width; a non-zero value never draws as nothing
                let width =
                    (b.value.saturating_mul(Self::BAR_MAX) / max).max(u64::from(b.value > 0));
                BarView {
                    label: &b.label,
                    value: b.value,
                    y,
                    text_y: y + 14,
                    width,
                    value_x: Self::BAR_X + width + 6,
                }
            })
            .collect::<Vec<_>>();
        let rows = u32::try_from(bars.len()).unwrap_or(u32::MAX / Self::ROW);
        ChartView {
            title: &chart.title,
            width: Self::WIDTH,
            bar_x: Self::BAR_X,
            bar_height: Self::BAR,
            height: 12 + rows.saturating_mul(Self::ROW),
            bars,
        }
    }
}

/// One of the five rating buttons.
struct RatingLevel {
    value: u8,
    label: &'static str,
}

impl RatingLevel {
    /// 非常满意 (5) … 非常不满意 (1), in that order.
    fn all(lang: Lang) -> [RatingLevel; 5] {
        [
            (5, Key::Rate5),
            (4, Key::Rate4),
            (3, Key::Rate3),
            (2, Key::Rate2),
            (1, Key::Rate1),
        ]
        .map(|(value, key)| RatingLevel {
            value,
            label: key.text(lang),
        })
    }
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomeTpl<'a> {
    c: Chrome<'a>,
    likely: Option<&'a Likely>,
    sections: &'a [MenuSection],
}

impl HomeTpl<'_> {
    fn likely_heading(&self, presented: &Presented) -> &'static str {
        self.c.t(match presented {
            Presented::Card => Key::LikelyCard,
            Presented::IdCard => Key::LikelyIdCard,
        })
    }
}

#[derive(Template)]
#[template(path = "attract.html")]
struct AttractTpl<'a> {
    c: Chrome<'a>,
    offers: &'a [MenuGroup],
}

/// The division picker's choices for a page without its script: one group per county (its
/// prefecture's and its own name), the county itself and then its towns.
struct DivisionGroup<'a> {
    prefecture_code: &'a str,
    prefecture: &'a str,
    county: &'a DivisionChoice,
    towns: Vec<&'a DivisionChoice>,
}

fn division_groups(divisions: &[DivisionChoice]) -> Vec<DivisionGroup<'_>> {
    let prefecture = |code: &str| {
        divisions
            .iter()
            .find(|d| d.code == code && d.parent.is_empty())
    };
    divisions
        .iter()
        .filter_map(|county| {
            let p = prefecture(&county.parent)?;
            Some(DivisionGroup {
                prefecture_code: &p.code,
                prefecture: &p.name,
                county,
                towns: divisions
                    .iter()
                    .filter(|t| t.parent == county.code)
                    .collect(),
            })
        })
        .collect()
}

#[derive(Template)]
#[template(path = "ask.html")]
struct AskTpl<'a> {
    c: Chrome<'a>,
    business: &'a str,
    ask: &'a Ask,
    can_lack: bool,
    problem: Option<&'a str>,
}

impl AskTpl<'_> {
    /// The phone number's digit pad (11 digits).
    fn phone_pad(&self) -> Keyboard {
        Keyboard::digits("phone", 11)
    }

    fn receipt_keyboard(&self) -> Keyboard {
        Keyboard::code("receipt", self.c.page.lang)
    }

    fn divisions<'d>(&self, divisions: &'d [DivisionChoice]) -> Vec<DivisionGroup<'d>> {
        division_groups(divisions)
    }
}

#[derive(Template)]
#[template(path = "notice.html")]
struct NoticeTpl<'a> {
    c: Chrome<'a>,
    business: &'a str,
    intro: &'a str,
    items: &'a [String],
    complaint: &'a str,
    levels: [RatingLevel; 5],
    rating_reasons: &'a [Choice],
}

/// A business that ended without being done: refused on the rules, or stopped by a failure.
#[derive(Template)]
#[template(path = "ended.html")]
struct EndedTpl<'a> {
    c: Chrome<'a>,
    business: &'a str,
    message: &'a str,
    /// The businesses offered to go on with (issue 22).
    helps: &'a [MenuItem],
    /// The section's class: `refused` or `failed`.
    kind: &'static str,
    heading: Key,
    levels: [RatingLevel; 5],
    rating_reasons: &'a [Choice],
}

#[derive(Template)]
#[template(path = "confirm.html")]
struct ConfirmTpl<'a> {
    c: Chrome<'a>,
    business: &'a str,
    fields: &'a [Field],
    notes: &'a [String],
    consequences: &'a [String],
    irreversible: bool,
    acknowledged: bool,
}

#[derive(Template)]
#[template(path = "pay.html")]
struct PayTpl<'a> {
    c: Chrome<'a>,
    business: &'a str,
    amount: &'a str,
    qr: QrView,
    slip: &'a [String],
    problem: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "pins.html")]
struct PinsTpl<'a> {
    c: Chrome<'a>,
    business: &'a str,
    old: bool,
    new: bool,
    digits: &'a [u8],
    problem: Option<&'a str>,
    tries_left: Option<u8>,
    helps: &'a [MenuItem],
}

#[derive(Template)]
#[template(path = "interrupted.html")]
struct InterruptedTpl<'a> {
    c: Chrome<'a>,
    business: &'a str,
    message: &'a str,
}

#[derive(Template)]
#[template(path = "done.html")]
struct DoneTpl<'a> {
    c: Chrome<'a>,
    business: &'a str,
    fields: &'a [Field],
    result: &'a [Field],
    receipt: &'a [String],
    qr: QrView,
    levels: [RatingLevel; 5],
    rating_reasons: &'a [Choice],
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorTpl<'a> {
    c: Chrome<'a>,
    message: &'a str,
    what_to_do: &'a str,
}

#[derive(Template)]
#[template(path = "staff_login.html")]
struct StaffLoginTpl<'a> {
    c: Chrome<'a>,
    problem: Option<&'a str>,
    csrf: &'a str,
}

#[derive(Template)]
#[template(path = "selftest.html")]
struct SelfTestTpl<'a> {
    c: Chrome<'a>,
    user: &'a str,
    checks: &'a [crate::view::CheckRow],
    csrf: &'a str,
}

#[derive(Template)]
#[template(path = "staff_home.html")]
struct StaffHomeTpl<'a> {
    c: Chrome<'a>,
    nav: &'a StaffNav,
}

#[derive(Template)]
#[template(path = "staff_archive.html")]
struct StaffArchiveTpl<'a> {
    c: Chrome<'a>,
    nav: &'a StaffNav,
    businesses: &'a [Choice],
    problem: Option<&'a str>,
    results: Option<&'a ArchiveResults>,
}

#[derive(Template)]
#[template(path = "staff_stats.html")]
struct StaffStatsTpl<'a> {
    c: Chrome<'a>,
    nav: &'a StaffNav,
    from: &'a str,
    to: &'a str,
    problem: Option<&'a str>,
    satisfaction: &'a str,
    charts: Vec<ChartView<'a>>,
    rows: &'a [StatsRow],
    production: &'a ProductionRow,
}

#[derive(Template)]
#[template(path = "staff_audit.html")]
struct StaffAuditTpl<'a> {
    c: Chrome<'a>,
    nav: &'a StaffNav,
    verified: bool,
    entries_checked: u64,
    head: Option<&'a str>,
    problems: &'a [String],
    latest: &'a [AuditRow],
}

#[derive(Template)]
#[template(path = "staff_applications.html")]
struct StaffApplicationsTpl<'a> {
    c: Chrome<'a>,
    nav: &'a StaffNav,
    notice: Option<&'a str>,
    problem: Option<&'a str>,
    rows: &'a [ApplicationRow],
}

#[derive(Template)]
#[template(path = "staff_suggestions.html")]
struct StaffSuggestionsTpl<'a> {
    c: Chrome<'a>,
    nav: &'a StaffNav,
    items: &'a [FeedbackRow],
    page: u32,
    prev_page: Option<u32>,
    next_page: Option<u32>,
}

#[derive(Template)]
#[template(path = "sim.html")]
struct SimTpl<'a> {
    c: Chrome<'a>,
    cards: &'a [String],
    people: &'a [String],
    scenes: &'a [String],
    card_present: bool,
    printed: &'a [Vec<String>],
    reader_plugged: bool,
    id_card_on: bool,
    id_faults: &'a [String],
    paper: &'a str,
    devices: &'a [(String, String, String)],
}

#[derive(Template)]
#[template(path = "guide.html")]
struct GuideTpl<'a> {
    c: Chrome<'a>,
    entries: &'a [GuideEntry],
}

#[derive(Template)]
#[template(path = "suggest.html")]
struct SuggestTpl<'a> {
    c: Chrome<'a>,
    sent: bool,
    problem: Option<&'a str>,
    max_chars: u32,
}

#[cfg(test)]
mod tests;

/// issue 19: the identity step's screen.
#[derive(Template)]
#[template(path = "face.html")]
struct FaceTpl<'a> {
    c: Chrome<'a>,
    business: &'a str,
    face: &'a crate::view::FaceView,
    problem: Option<&'a str>,
}

impl FaceTpl<'_> {
    /// The instruction's text key.
    fn instruction_key(&self, i: &crate::view::FaceInstruction) -> Key {
        use crate::view::FaceInstruction as I;
        match i {
            I::LookAtCamera => Key::FaceLook,
            I::Blink => Key::FaceBlink,
            I::TurnLeft => Key::FaceTurnLeft,
            I::TurnRight => Key::FaceTurnRight,
            I::Comparing => Key::FaceComparing,
        }
    }

    /// The failure's explanation key.
    fn why_key(&self, w: &crate::view::FaceWhy) -> Key {
        use crate::view::FaceWhy as W;
        match w {
            W::NotLive => Key::FaceNotLive,
            W::NoFace => Key::FaceNoFace,
            W::NotSamePerson => Key::FaceNotSame,
        }
    }
}

/// issue 19: the staff approval of a citizen's identity.
#[derive(Template)]
#[template(path = "staff_identity.html")]
struct StaffIdentityTpl<'a> {
    c: Chrome<'a>,
    nav: &'a StaffNav,
    notice: Option<&'a str>,
    problem: Option<&'a str>,
    waiting: Option<&'a crate::view::IdentityWaiting>,
}
