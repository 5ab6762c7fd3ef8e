//! The view models `kiosk-host` hands over: plain data, already localised and masked. A
//! screen never sees an unmasked ID number or a PIN, and holds no rule: what it shows and
//! which buttons it offers are decided by the host.
//!
//! The same types are the JSON API's answers (`GET /api/session` and the posts return a
//! [`Page`]), so each also derives `utoipa::ToSchema`: the host's OpenAPI document takes its
//! schemas from these definitions and cannot drift from them. `utoipa` is a plain dependency
//! rather than an optional feature: the host, this crate's one user, always wants the schemas;
//! a feature would put a `cfg_attr` on every type and leave a build of this crate in which the
//! schema attributes are never compiled or checked. Its cost is a proc macro plus a few data
//! types, nothing at run time unless a document is generated.

use serde::Serialize;
use utoipa::ToSchema;

/// Screen languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ToSchema)]
pub enum Lang {
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "ug")]
    Ug,
    #[serde(rename = "en")]
    En,
}

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::ZhCn, Lang::Ug, Lang::En];

    /// The BCP 47 tag (`lang` attribute, `?lang=` parameter).
    pub fn tag(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::Ug => "ug",
            Lang::En => "en",
        }
    }

    pub fn from_tag(tag: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| l.tag() == tag)
    }

    /// Uyghur is written right to left.
    pub fn rtl(self) -> bool {
        self == Lang::Ug
    }
}

/// One page: the chrome (language, elderly mode, countdown) around a screen.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Page {
    pub lang: Lang,
    /// Larger text and targets, spoken prompts, a visible "call staff" button.
    pub elderly: bool,
    /// The page title (already localised).
    pub title: String,
    /// Seconds of inactivity before the session ends (`None`: no countdown, e.g. home).
    pub idle_timeout_s: Option<u32>,
    /// True while a citizen session is open (shows "cancel" and "more time").
    pub in_session: bool,
    /// True in `kiosk serve --sim`: a link to the simulated hardware panel.
    pub sim: bool,
    /// Seconds without a touch before the page gives way to the attract screen (`None`: it
    /// does not, e.g. in a session, on the attract screen itself and on staff pages).
    pub attract_after_s: Option<u32>,
    /// The citizen pressed 呼叫工作人员 in this session: every page says "已呼叫工作人员,请稍候"
    /// until the session (or the wait at home) ends; never carried to the next citizen.
    pub staff_called: bool,
    pub screen: Screen,
}

/// A business on the home menu.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct MenuItem {
    /// Business code, e.g. `report_loss` (the value posted to start it).
    pub code: String,
    pub name: String,
    /// The picture on its button.
    pub icon: Icon,
    /// False when an agent may not do this business (with "for someone else" chosen, its
    /// button is not offered).
    pub agent_allowed: bool,
    /// True while the business cannot be done here (the kiosk's agency cannot be reached):
    /// shown, not offered; the status line says why.
    pub paused: bool,
}

/// The groups of the home menu, in the order shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MenuGroup {
    /// 办卡: apply, replace, exchange, reissue.
    GetCard,
    /// 卡片服务: enable, the e-card, contact details, the photo.
    CardServices,
    /// 挂失与注销.
    LossAndCancel,
    /// 密码.
    Pin,
    /// 查询.
    Query,
}

/// One group of the home menu.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct MenuSection {
    pub group: MenuGroup,
    pub items: Vec<MenuItem>,
}

/// The pictures of the home menu: inline SVG drawn by `ui-web` (no icon font, nothing from
/// the network).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Icon {
    NewCard,
    Replace,
    Exchange,
    Reissue,
    Enable,
    Ecard,
    Contact,
    Photo,
    ReportLoss,
    CancelLoss,
    CancelCard,
    PinChange,
    PinReset,
    PinUnblock,
    Status,
}

/// What a citizen presented on the attract or home screen before choosing a business: the
/// home screen then lists the businesses that begin with it first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Presented {
    /// The social security card is in the reader.
    Card,
    /// A resident ID card lies on the ID card module.
    IdCard,
}

/// The businesses most likely wanted with what was presented, in that order.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Likely {
    pub presented: Presented,
    pub items: Vec<MenuItem>,
}

/// A GB/T 2260 administrative division offered by the address picker: a prefecture (no
/// parent), a county, or a town (township-level, 9-digit code).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct DivisionChoice {
    /// The code posted as `division`: 6 digits (prefecture, county) or 9 (town).
    pub code: String,
    pub name: String,
    /// The code of the division it belongs to; empty for a prefecture.
    pub parent: String,
}

/// What a gathering step asks the citizen for.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Ask {
    /// Put an ID card on the reader (`agent`: the agent's own).
    IdCard { agent: bool, ecard_allowed: bool },
    /// Insert the social security card.
    Card,
    /// Face the camera; `advice` is the photo pipeline's last advice, if any.
    Photo {
        advice: Vec<String>,
        /// A photo taken and cropped, to check before it is used (issue 22): its address;
        /// the screen shows it with 重拍 and 使用此照片 instead of the camera.
        taken: Option<String>,
    },
    /// New phone number and/or address: the division picked from `divisions` (prefectures
    /// first, each followed by its counties, each by its towns) and the street and number.
    Contact { divisions: Vec<DivisionChoice> },
    /// Choose a reason: (value posted, label).
    Reason { options: Vec<(String, String)> },
    /// The bank's account-closure receipt number.
    BankReceipt,
}

/// A labelled value on a confirmation or result screen (masked by the host).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Field {
    pub label: String,
    pub value: String,
}

/// A rating reason offered for the two lowest levels: (value posted, label).
pub type Choice = (String, String);

/// The screens.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(tag = "screen", rename_all = "snake_case")]
pub enum Screen {
    Home {
        /// The businesses that begin with what the citizen presented, when a card or an ID
        /// card was presented before a business was chosen.
        likely: Option<Likely>,
        sections: Vec<MenuSection>,
    },
    /// The attract screen shown while nobody uses the kiosk: what it does and how to begin.
    /// Touching it goes home; a card or an ID card presented goes home with `likely`.
    Attract {
        /// The groups of businesses offered (what the kiosk does, in a few words).
        offers: Vec<MenuGroup>,
    },
    /// A gathering step of a business.
    Ask {
        business: String,
        ask: Ask,
        /// "I don't have it" is offered (it leads to the one-time notice at the end).
        can_lack: bool,
        /// A problem with the last input (e.g. "the phone number must be 11 digits").
        problem: Option<String>,
    },
    /// 一次性告知: every missing material at once; printable.
    Notice {
        business: String,
        intro: String,
        items: Vec<String>,
        complaint: String,
        /// Reasons offered with the two lowest ratings: a notice's case is rated too.
        #[schema(value_type = Vec<(String, String)>)]
        rating_reasons: Vec<Choice>,
    },
    Refused {
        business: String,
        message: String,
        /// Reasons offered with the two lowest ratings: a refused case is rated too.
        #[schema(value_type = Vec<(String, String)>)]
        rating_reasons: Vec<Choice>,
    },
    Confirm {
        business: String,
        fields: Vec<Field>,
        /// E.g. the fee, the time limit.
        notes: Vec<String>,
        /// What the business does that the citizen must know before confirming (the loss
        /// window, the bank's part, what cannot be undone), from the rule table.
        consequences: Vec<String>,
        /// The business cannot be undone: "I have read this" (`action=acknowledge`) comes
        /// before the confirm button.
        irreversible: bool,
        /// The citizen has acknowledged (the second touch, confirm, is now offered).
        acknowledged: bool,
    },
    /// A fee to pay before the business touches the card (issue 17): the payment's QR code,
    /// or, where the fee is paid at the counter, the slip printed (`qr` absent).
    Pay {
        business: String,
        /// The amount, e.g. "20.00 元".
        amount: String,
        /// What the payment QR code encodes; absent for a pay-at-counter slip.
        qr: Option<String>,
        /// The pay-at-counter slip's lines (empty while paying at the kiosk).
        slip: Vec<String>,
        /// Why the last payment did not go through, or that the provider is unavailable.
        problem: Option<String>,
    },
    /// The on-screen PIN pad: `digits` is the key order (shuffled per entry by the host).
    Pins {
        business: String,
        old: bool,
        new: bool,
        digits: Vec<u8>,
        problem: Option<String>,
        /// After a wrong PIN: the tries the card has left (shown large).
        tries_left: Option<u8>,
        /// The businesses that help when the PIN is forgotten (密码重置), offered after a wrong
        /// PIN.
        helps: Vec<MenuItem>,
    },
    /// The card left during a card command: put it back.
    Interrupted { business: String, message: String },
    Done {
        business: String,
        fields: Vec<Field>,
        /// The business's result as a large panel of its own (状态查询: the card's state, PIN
        /// tries left, validity, application progress); empty for the others.
        result: Vec<Field>,
        receipt: Vec<String>,
        /// An e-card token to show as a QR code (as text; the page draws it).
        ecard_qr: Option<String>,
        /// Reasons offered with the two lowest ratings.
        #[schema(value_type = Vec<(String, String)>)]
        rating_reasons: Vec<Choice>,
    },
    Failed {
        business: String,
        message: String,
        /// The businesses that help after this failure (a PIN blocked: 密码解锁, 密码重置).
        helps: Vec<MenuItem>,
        /// Reasons offered with the two lowest ratings: a failed case is rated too.
        #[schema(value_type = Vec<(String, String)>)]
        rating_reasons: Vec<Choice>,
    },
    /// The end of every session: take back what was inserted. Stays until the card reader
    /// and the ID module are both empty.
    TakeCards {
        /// The social security card is still in the reader.
        card: bool,
        /// The ID card still lies on the ID module.
        id_card: bool,
        /// The session ended because the time ran out (已超时退出).
        timed_out: bool,
    },
    /// issue 19: the identity step (人证核验): consent, the live match, its failure, the staff
    /// path.
    Face {
        business: String,
        face: FaceView,
        /// A problem with the last choice (e.g. no more attempts).
        problem: Option<String>,
    },
    /// Something is wrong with the kiosk (reader down, printer out of paper …): what
    /// happened and what to do; never a stack trace.
    Error { message: String, what_to_do: String },
    /// The public service guide.
    Guide { entries: Vec<GuideEntry> },
    /// The suggestion box (8.3): a form, or the thanks once a suggestion was saved.
    Suggest {
        /// True once the suggestion was saved.
        sent: bool,
        /// What was wrong with the text sent (empty, too long), in the screen's language.
        problem: Option<String>,
        /// The longest suggestion taken, in characters.
        max_chars: u32,
    },
    /// Staff login (staff pages need it).
    StaffLogin {
        /// Why the last attempt failed (wrong password, locked, session expired).
        problem: Option<String>,
        /// The anti-forgery token of the login form (the same value is in a cookie).
        csrf: String,
    },
    /// The technician's self-test page: the same checks as `kiosk selftest`.
    SelfTest {
        /// The logged-in staff user.
        user: String,
        checks: Vec<CheckRow>,
        /// The anti-forgery token the page's forms carry.
        csrf: String,
    },
    /// The staff home: the pages the user's roles open (`nav.pages`).
    StaffHome { nav: StaffNav },
    /// Archive query (7.2): three query forms and, after a query, its results (masked).
    StaffArchive {
        nav: StaffNav,
        /// The businesses to choose from: (code posted, name).
        #[schema(value_type = Vec<(String, String)>)]
        businesses: Vec<Choice>,
        /// What was wrong with the last query: which field, what to write.
        problem: Option<String>,
        /// The last query's criteria as shown (masked), with its results.
        results: Option<ArchiveResults>,
    },
    /// Statistics over a period: charts with the same numbers in tables.
    StaffStats {
        nav: StaffNav,
        /// The period shown (`YYYY-MM-DD`), also the form's values.
        from: String,
        to: String,
        problem: Option<String>,
        /// Share of ratings at the two highest levels, formatted (e.g. `75.0%`, or `-`).
        satisfaction: String,
        charts: Vec<BarChart>,
        /// Per business: the figures of `kiosk stats`.
        rows: Vec<StatsRow>,
        /// issue 17: the card production's own on-time figure (制卡按期率), apart from the
        /// cases' (every case ends the day it starts).
        production: ProductionRow,
    },
    /// The audit chain verified, and the latest entries.
    StaffAudit {
        nav: StaffNav,
        /// True when the chain verified with no problem.
        verified: bool,
        entries_checked: u64,
        /// `seq hash` of the last entry, if any.
        head: Option<String>,
        /// Each altered, removed or truncated entry found.
        problems: Vec<String>,
        /// Newest first.
        latest: Vec<AuditRow>,
    },
    /// Open applications and the moves each may make.
    StaffApplications {
        nav: StaffNav,
        /// The last move, done.
        notice: Option<String>,
        /// The last move, refused: why.
        problem: Option<String>,
        rows: Vec<ApplicationRow>,
    },
    /// issue 19: the session waiting for a staff member to check the citizen's identity
    /// (人证核验), with approve and refuse.
    StaffIdentity {
        nav: StaffNav,
        notice: Option<String>,
        problem: Option<String>,
        /// The case waiting, if any.
        waiting: Option<IdentityWaiting>,
    },
    /// Ratings with their reasons and suggestions, newest first, one page.
    StaffSuggestions {
        nav: StaffNav,
        items: Vec<FeedbackRow>,
        /// 1-based page shown, and the neighbouring pages that exist.
        page: u32,
        prev_page: Option<u32>,
        next_page: Option<u32>,
    },
    /// `kiosk serve --sim` only: the simulated hardware's controls (file names of the
    /// simulator's cards, people and camera scenes).
    SimPanel {
        cards: Vec<String>,
        people: Vec<String>,
        scenes: Vec<String>,
        card_present: bool,
        /// Receipts the simulated printer printed (decoded from its ESC/POS bytes), newest last.
        printed: Vec<Vec<String>>,
        /// The card reader is plugged in (false after "stop").
        reader_plugged: bool,
        /// A card lies on the ID card module.
        id_card_on: bool,
        /// The ID card module's faults offered (`none` clears).
        id_faults: Vec<String>,
        /// The printer's paper: `ok`, `near_end`, `out`.
        paper: String,
        /// Every device's health: (device, state, message).
        devices: Vec<(String, String, String)>,
    },
}

/// One business in the public service guide.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct GuideEntry {
    pub code: String,
    pub name: String,
    pub content: String,
    pub basis: String,
    pub procedure: Vec<String>,
    pub time_limit: String,
    /// The expected production of a card not issued on the spot (申领, 补领, 换领, 换发): the
    /// agency's figure, apart from the time limit.
    pub production: Option<String>,
    pub materials: Vec<String>,
    pub fee: String,
    pub agent: String,
    pub complaint: String,
}

/// One self-test check as the technician page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CheckRow {
    pub name: String,
    /// `pass`, `warn` or `fail`.
    pub status: String,
    pub detail: String,
    /// What to do, for a failure or a warning.
    pub hint: Option<String>,
}

/// A staff page (the host decides which a user may open; the page knows its address).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StaffPage {
    Home,
    SelfTest,
    Archive,
    Stats,
    Audit,
    Applications,
    Suggestions,
    /// issue 19: a citizen's identity waiting for a staff approval.
    Identity,
}

impl StaffPage {
    pub const ALL: [StaffPage; 8] = [
        StaffPage::Home,
        StaffPage::SelfTest,
        StaffPage::Archive,
        StaffPage::Stats,
        StaffPage::Audit,
        StaffPage::Applications,
        StaffPage::Suggestions,
        StaffPage::Identity,
    ];

    /// The page's address.
    pub fn href(self) -> &'static str {
        match self {
            StaffPage::Home => "/staff",
            StaffPage::SelfTest => "/staff/selftest",
            StaffPage::Archive => "/staff/archive",
            StaffPage::Stats => "/staff/stats",
            StaffPage::Audit => "/staff/audit",
            StaffPage::Applications => "/staff/applications",
            StaffPage::Suggestions => "/staff/suggestions",
            StaffPage::Identity => "/staff/identity",
        }
    }
}

/// What every staff page shows around its content: who is logged in, the pages their roles
/// open, and the anti-forgery token of the page's forms.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct StaffNav {
    pub user: String,
    pub pages: Vec<StaffPage>,
    pub current: StaffPage,
    pub csrf: String,
}

impl StaffNav {
    pub fn is_current(&self, page: &StaffPage) -> bool {
        *page == self.current
    }
}

/// An archive query's criteria (masked) and results.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ArchiveResults {
    pub criteria: String,
    pub rows: Vec<ArchiveRow>,
}

/// One archive record as the query page shows it (personal numbers masked).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ArchiveRow {
    pub archive_no: String,
    pub case_id: String,
    pub business: String,
    pub finished: String,
    pub id_number: String,
    pub card_number: String,
    pub title: String,
    /// The sealed month, or `-`.
    pub sealed_in: String,
    pub retain_until: String,
    /// Each material: title, type and size.
    pub materials: Vec<String>,
}

/// A bar chart: one bar per (label, value); the page draws it and repeats it as a table.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct BarChart {
    pub title: String,
    pub bars: Vec<Bar>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Bar {
    pub label: String,
    pub value: u64,
}

/// One business's figures (formatted by the host).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct StatsRow {
    pub business: String,
    pub cases: u64,
    pub completed: u64,
    pub on_time: String,
    pub mean_time: String,
    pub ratings: u64,
    pub mean_rating: String,
    pub satisfied: String,
}

/// One audit entry (personal data masked).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct AuditRow {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub detail: String,
}

/// One open application.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ApplicationRow {
    pub case_id: String,
    /// Masked name and ID number.
    pub holder: String,
    pub business: String,
    pub state: String,
    /// The deadline and the working days left (or overdue), formatted.
    pub deadline: String,
    pub days_left: String,
    pub overdue: bool,
    /// The states it may move to: (code posted, label). Empty: no move.
    #[schema(value_type = Vec<(String, String)>)]
    pub moves: Vec<Choice>,
    /// issue 17: the deadline before it was recomputed with the calendar (`YYYY-MM-DD`),
    /// shown next to the new one; `None` when it never was.
    pub recomputed_from: Option<String>,
}

/// issue 17: the card production's on-time figure over the applications whose expected
/// date falls in the period (formatted by the host).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ProductionRow {
    /// On time over (on time + late + overdue), e.g. `75.0%`, or `-`.
    pub rate: String,
    /// The day "overdue" is judged on (`YYYY-MM-DD`).
    pub today: String,
    pub on_time: u64,
    pub late: u64,
    pub overdue: u64,
    pub not_yet_due: u64,
    pub rejected: u64,
}

/// A rating or a suggestion.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct FeedbackRow {
    pub at: String,
    /// Empty for a suggestion without a case.
    pub case_id: String,
    /// Empty for a suggestion.
    pub business: String,
    /// The level and its name, empty for a suggestion.
    pub rating: String,
    pub reasons: Vec<String>,
    /// The comment or the suggestion (numbers in it masked), possibly empty.
    pub text: String,
}

/// issue 19: what the identity step's screen shows.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(tag = "face", rename_all = "snake_case")]
pub enum FaceView {
    /// The notice: accept or decline the camera.
    Consent,
    /// The live image, framed, and what to do now.
    Matching {
        instruction: FaceInstruction,
        attempt: u32,
    },
    /// The attempt failed: why, and the choices (retry while `may_retry`, staff, end).
    Failed {
        why: FaceWhy,
        may_retry: bool,
        /// Staff can approve at this kiosk (else "ask for staff" is not offered).
        staff: bool,
    },
    /// Waiting for a member of staff, who approves at the staff pages.
    AwaitingStaff { case_id: String },
}

/// What the citizen is asked to do during a match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FaceInstruction {
    LookAtCamera,
    Blink,
    TurnLeft,
    TurnRight,
    Comparing,
}

/// Why an attempt failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FaceWhy {
    NotLive,
    NoFace,
    NotSamePerson,
}

/// issue 19: a case waiting for a staff member to check the citizen's identity.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct IdentityWaiting {
    pub case_id: String,
    /// The business, in the staff page's language.
    pub business: String,
    /// An agent acts: staff check the agent in person.
    pub agent: bool,
}
