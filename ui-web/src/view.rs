//! The view models `kiosk-host` hands over: plain data, already localised and masked. A
//! screen never sees an unmasked ID number or a PIN, and holds no rule: what it shows and
//! which buttons it offers are decided by the host.

use serde::Serialize;

/// Screen languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize)]
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
    pub screen: Screen,
}

/// A business on the home menu.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MenuItem {
    /// Business code, e.g. `report_loss` (the value posted to start it).
    pub code: String,
    pub name: String,
    /// One line under the name.
    pub hint: String,
    /// False when an agent may not do this business (the agent button is not offered).
    pub agent_allowed: bool,
}

/// What a gathering step asks the citizen for.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Ask {
    /// Put an ID card on the reader (`agent`: the agent's own).
    IdCard { agent: bool, ecard_allowed: bool },
    /// Insert the social security card.
    Card,
    /// Face the camera; `advice` is the photo pipeline's last advice, if any.
    Photo { advice: Vec<String> },
    /// New phone number and/or address.
    Contact,
    /// Choose a reason: (value posted, label).
    Reason { options: Vec<(String, String)> },
    /// The bank's account-closure receipt number.
    BankReceipt,
}

/// A labelled value on a confirmation or result screen (masked by the host).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Field {
    pub label: String,
    pub value: String,
}

/// A rating reason offered for the two lowest levels: (value posted, label).
pub type Choice = (String, String);

/// The screens.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "screen", rename_all = "snake_case")]
pub enum Screen {
    Home {
        items: Vec<MenuItem>,
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
    },
    Refused {
        business: String,
        message: String,
    },
    Confirm {
        business: String,
        fields: Vec<Field>,
        /// E.g. the fee, the time limit.
        notes: Vec<String>,
    },
    /// The on-screen PIN pad: `digits` is the key order (shuffled per entry by the host).
    Pins {
        business: String,
        old: bool,
        new: bool,
        digits: Vec<u8>,
        problem: Option<String>,
    },
    /// The card left during a card command: put it back.
    Interrupted {
        business: String,
        message: String,
    },
    Done {
        business: String,
        fields: Vec<Field>,
        receipt: Vec<String>,
        /// An e-card token to show as a QR code (as text; the page draws it).
        ecard_qr: Option<String>,
        /// Reasons offered with the two lowest ratings.
        rating_reasons: Vec<Choice>,
    },
    Failed {
        business: String,
        message: String,
    },
    /// Something is wrong with the kiosk (reader down, printer out of paper …): what
    /// happened and what to do; never a stack trace.
    Error {
        message: String,
        what_to_do: String,
    },
    /// The public service guide.
    Guide {
        entries: Vec<GuideEntry>,
    },
    /// Staff login (staff pages need it).
    StaffLogin {
        /// Why the last attempt failed (wrong password, locked, session expired).
        problem: Option<String>,
    },
    /// The technician's self-test page: the same checks as `kiosk selftest`.
    SelfTest {
        /// The logged-in staff user.
        user: String,
        checks: Vec<CheckRow>,
        /// The anti-forgery token the page's forms carry.
        csrf: String,
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
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GuideEntry {
    pub code: String,
    pub name: String,
    pub content: String,
    pub basis: String,
    pub procedure: Vec<String>,
    pub time_limit: String,
    pub materials: Vec<String>,
    pub fee: String,
    pub agent: String,
    pub complaint: String,
}

/// One self-test check as the technician page shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckRow {
    pub name: String,
    /// `pass`, `warn` or `fail`.
    pub status: String,
    pub detail: String,
    /// What to do, for a failure or a warning.
    pub hint: Option<String>,
}
