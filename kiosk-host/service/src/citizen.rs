//! [`Citizen`]: the person at the kiosk's one screen, as the session actor keeps them: the
//! open session ([`Live`]: the engine's reducer state and what its screens need besides),
//! the screen language and elderly mode they chose, the device status line they see, and
//! whether their card is in the reader. Its methods are the session's transitions: a
//! business started, an input from a screen, a card inserted or pulled, an ID card read, a
//! QR code scanned, a photo taken, the idle timer. Everything here is synchronous (card I/O
//! blocks) and runs on the actor's thread only, one transition at a time.

use std::time::{Duration, Instant};

use firmware_config::Language;
use rand::seq::SliceRandom;

use crate::devices::printer::Printed;
use crate::inputs::Input;
use crate::kit::Kit;
use kiosk_core::domain::BusinessCode;
use kiosk_core::engine::driver::DriverError;
use kiosk_core::engine::facts::{PhotoFacts, Reason};
use kiosk_core::engine::identity::FaceEvent;
use kiosk_core::engine::session::{Event, Notice, Phase};
use kiosk_core::rules::Material;

// issue 19: the identity step (face worker, staff approval).
mod documents;
pub mod fees;
mod identity;
mod journey;
mod live;
mod messages;

pub use journey::Handback;
pub use live::Live;
use messages::card_message;
pub(crate) use messages::self_text;
pub use messages::{no_printer, split_message};

/// The camera failed to give a frame (the cause goes to the log, not the screen).
const CAMERA_UNAVAILABLE: &str = "摄像头暂不可用,请稍后再试或到服务窗口 / the camera is not available: try again in a moment or go to a service counter / كامېرا ۋاقىتلىق ئىشلىمەيدۇ، سەل تۇرۇپ قايتا سىناڭ ياكى مۇلازىمەت كۆزنىكىگە بېرىڭ";
/// The kiosk has no camera.
const NO_CAMERA: &str = "本机没有摄像头,请到服务窗口 / no camera on this kiosk / بۇ ئاپپاراتتا كامېرا يوق، مۇلازىمەت كۆزنىكىگە بېرىڭ";
/// The photo pipeline failed on a frame for a reason other than the photo rules.
const PHOTO_FAILED: &str = "照片处理失败,请再拍一次或到服务窗口 / the photo could not be processed: take it again or go to a service counter / رەسىمنى بىر تەرەپ قىلغىلى بولمىدى، قايتا تارتىڭ ياكى مۇلازىمەت كۆزنىكىگە بېرىڭ";

/// The citizen at the screen.
pub struct Citizen {
    live: Option<Live>,
    lang: Language,
    elderly: bool,
    /// The device status line.
    device_message: String,
    /// True while a card is in the card reader (from the watcher).
    card_present: bool,
    /// The device health text last put in `device_message`.
    shown_health: String,
    /// When an ID card was read with no session open (the home screen then offers the
    /// businesses that begin with it, for [`ID_CARD_PRESENTED_FOR`]).
    id_card_presented: Option<Instant>,
    /// issue 22: an ID card lies on the ID module (read, or found, and not yet lifted).
    id_on_module: bool,
    /// The card in the reader was put there with no session open and nothing to hand back:
    /// it belongs to the next session. A card left from before is not read for anyone.
    card_fresh: bool,
    /// The session ended with cards still in: the `take_cards` screen until both are out.
    handback: Option<Handback>,
    /// The citizen called staff (this session, or this wait at home, only).
    staff_called: bool,
}

/// How long an ID card read with no session open counts as presented.
pub const ID_CARD_PRESENTED_FOR: Duration = Duration::from_secs(60);

impl Citizen {
    /// Nobody at the screen yet: the configured language and elderly mode.
    pub fn new(config: &firmware_config::Config) -> Citizen {
        Citizen {
            live: None,
            lang: config.ui.default_language,
            elderly: config.ui.elderly_mode,
            device_message: String::new(),
            card_present: false,
            shown_health: String::new(),
            id_card_presented: None,
            id_on_module: false,
            card_fresh: false,
            handback: None,
            staff_called: false,
        }
    }

    /// What the citizen presented before choosing a business, with no session open: the
    /// card in the reader, or an ID card read a moment ago.
    pub fn presented(&self) -> Option<ui_web::view::Presented> {
        use ui_web::view::Presented;
        if self.live.is_some() {
            return None;
        }
        if self.handback.is_some() {
            return None;
        }
        if self.card_present && self.card_fresh {
            return Some(Presented::Card);
        }
        self.id_card_presented
            .filter(|at| at.elapsed() < ID_CARD_PRESENTED_FOR)
            .map(|_| Presented::IdCard)
    }

    pub fn live(&self) -> Option<&Live> {
        self.live.as_ref()
    }

    pub fn lang(&self) -> Language {
        self.lang
    }

    pub fn elderly(&self) -> bool {
        self.elderly
    }

    pub fn device_message(&self) -> &str {
        &self.device_message
    }

    pub fn card_present(&self) -> bool {
        self.card_present
    }

    /// `?lang=` (one of the configured languages) and `?elderly=` on a screen.
    pub fn set_prefs(&mut self, kit: &Kit, lang: Option<Language>, elderly: Option<bool>) {
        if let Some(l) = lang.filter(|l| kit.config.ui.languages.contains(l)) {
            self.lang = l;
        }
        if let Some(e) = elderly {
            self.elderly = e;
        }
    }

    fn shuffled_digits() -> Vec<u8> {
        let mut d: Vec<u8> = (0..10).collect();
        d.shuffle(&mut rand::thread_rng());
        d
    }

    /// Starts a business (any open session is cancelled first).
    pub fn start(
        &mut self,
        kit: &Kit,
        business: BusinessCode,
        agent: bool,
    ) -> Result<(), DriverError> {
        // A card put in at home for this business, or the card of the session this start
        // follows (a business offered after a failure), is this citizen's.
        let card_theirs = self.card_fresh || self.live.is_some();
        self.cancel(kit);
        // With no session open, an open case is one whose closing could not be written
        // (the disk was full): close it now that the store may take writes again.
        if let Err(e) = kit.engine().close_left_open(kit.clock.now()) {
            log::warn!("cases left open could not be closed: {e}");
        }
        let session = kit.engine().start(business, agent, kit.clock.now())?;
        // The ID card presented before is this session's now: it must not come back on the
        // home screen after the session, for the next citizen.
        self.id_card_presented = None;
        self.handback = None;
        self.staff_called = false;
        self.card_fresh = false;
        let now = Instant::now();
        self.live = Some(Live {
            session,
            last_activity: now,
            started: now,
            digits: Citizen::shuffled_digits(),
            problem: None,
            photo_advice: Vec::new(),
            print_note: None,
            face: None,
            stale_card: self.card_present && !card_theirs,
            kept_new_pin: None,
            screen_message: None,
            photo_pending: None,
            acknowledged: false,
            paying: None,
            counter_slip: None,
            id_photos: Vec::new(),
        });
        self.after_event(kit);
        Ok(())
    }

    /// Ends the session as cancelled, if one is open.
    pub fn cancel(&mut self, kit: &Kit) {
        let open = self.live.is_some();
        self.feed(kit, Event::Cancel);
        self.live = None;
        if open {
            self.hand_back(false);
            self.reset_prefs(kit);
        }
    }

    /// The configured language and mode again, for whoever comes next: a citizen's choice
    /// lasts until their session ends (done, cancelled, timed out), never into the next one.
    pub fn reset_prefs(&mut self, kit: &Kit) {
        self.lang = kit.config.ui.default_language;
        self.elderly = kit.config.ui.elderly_mode;
    }

    /// On the actor's tick: a fee being paid is looked at; once paid, the business goes on.
    pub fn poll_payment(&mut self, kit: &Kit) {
        let lang = self.lang;
        let Some(live) = self.live.as_mut() else {
            return;
        };
        if fees::poll(kit, live, lang) {
            self.feed(kit, Event::Confirm);
        }
    }

    /// Feeds an event to the session; keeps a problem to show when it was refused.
    pub fn feed(&mut self, kit: &Kit, event: Event) {
        let Some(mut live) = self.live.take() else {
            return;
        };
        let result = kit
            .engine()
            .feed_in(&mut live.session, event, kit.clock.now(), self.lang);
        live.last_activity = Instant::now();
        live.problem = result.err().map(|n: Notice| n.text(self.lang).to_string());
        // A paid business that failed is refunded; an unpaid order of an ended session closed.
        fees::settle(kit, &mut live);
        if matches!(live.session.phase, Phase::EnteringPins { .. }) {
            live.digits = Citizen::shuffled_digits();
        } else {
            live.kept_new_pin = None;
        }
        live.clear_stale_screen_message();
        // The session's data leave memory once it is over.
        if live.session.is_over() {
            self.hand_back(false);
            self.reset_prefs(kit);
        } else {
            self.live = Some(live);
        }
        self.after_event(kit);
    }

    /// After any change: a session waiting for the card reads it when one is present; the
    /// identity step's worker follows the phase.
    fn after_event(&mut self, kit: &Kit) {
        self.face_follow(kit);
        let waiting = self.live.as_ref().is_some_and(|l| {
            matches!(
                l.session.phase,
                Phase::Gathering {
                    material: Material::SsCard
                }
            )
        });
        let stale = self.live.as_ref().is_some_and(|l| l.stale_card);
        if waiting && self.card_present && !stale {
            // The watcher may not have seen the card leave yet: look before reading.
            if kit.card_in_reader() {
                self.card_inserted(kit);
            } else {
                self.card_present = false;
            }
        }
    }

    /// The watcher saw a card come in (or a session started with one present).
    pub fn card_inserted(&mut self, kit: &Kit) {
        if !self.card_present {
            self.card_fresh = self.live.is_none() && self.handback.is_none();
        }
        self.card_present = true;
        if self.live.as_ref().is_some_and(|l| l.stale_card) {
            return;
        }
        if let Some(live) = self.live.as_mut() {
            if matches!(
                live.session.phase,
                Phase::Confirming | Phase::EnteringPins { .. }
            ) {
                // The card is back before anything was sent to it.
                live.problem = None;
                self.device_message.clear();
            }
        }
        let Some(live) = &self.live else {
            return;
        };
        let wants = matches!(
            live.session.phase,
            Phase::Gathering {
                material: Material::SsCard
            } | Phase::Interrupted
        );
        if !wants {
            return;
        }
        let interrupted = matches!(live.session.phase, Phase::Interrupted);
        match kit.engine().card_inserted(kit.clock.now()) {
            Ok(ins) => {
                if interrupted {
                    if let Some(live) = self.live.as_mut() {
                        let _ =
                            kit.engine()
                                .resume(&mut live.session, &ins.settled, kit.clock.now());
                        // Settled as not done: a fee paid for it is refunded.
                        fees::settle(kit, live);
                    }
                } else {
                    self.feed(kit, ins.event);
                }
                self.device_message.clear();
            }
            Err(e) => {
                log::warn!("card read failed: {e}");
                self.device_message = card_message(&e, self.lang);
            }
        }
    }

    /// The watcher saw the card leave.
    pub fn card_removed(&mut self) {
        self.card_present = false;
        self.card_fresh = false;
        self.handback_progress();
        let lang = self.lang;
        if let Some(live) = self.live.as_mut() {
            if live.stale_card {
                live.stale_card = false;
                live.problem = None;
            }
            let needs_card = live.session.gathered.card.is_some()
                && matches!(
                    live.session.phase,
                    Phase::Confirming | Phase::EnteringPins { .. }
                );
            if needs_card {
                let message = self_text(
                    lang,
                    "卡片已取出，请把卡片插回读卡器再继续",
                    "the card was taken out: put it back before going on",
                    "كارتا چىقىرىۋېلىندى، داۋاملاشتۇرۇشتىن بۇرۇن كارتىنى قايتا سېلىڭ",
                );
                live.problem = Some(message.clone());
                self.device_message = message;
            }
        }
    }

    /// Takes a photo: a frame from the camera through the photo pipeline.
    fn take_photo(&mut self, kit: &Kit) {
        let frame = match kit.camera.as_ref().map(|c| c.frame()) {
            Some(Ok(f)) => f,
            Some(Err(e)) => {
                // The cause is for the technician's log; the citizen is told what to do.
                log::warn!("camera: {e}");
                self.screen_message(CAMERA_UNAVAILABLE);
                return;
            }
            None => {
                self.screen_message(NO_CAMERA);
                return;
            }
        };
        match kit.photo.make(frame) {
            Ok(photo) => {
                let facts = PhotoFacts {
                    sha256: kiosk_core::digest::sha256_hex(&photo.jpeg),
                    jpeg: photo.jpeg,
                };
                if let Some(live) = self.live.as_mut() {
                    live.photo_advice.clear();
                    // A frame taken: whatever the camera's trouble was, it is over.
                    live.screen_message = None;
                    // Shown to check first: 重拍 or 使用此照片.
                    live.photo_pending = Some(std::sync::Arc::new(facts));
                    live.last_activity = Instant::now();
                }
            }
            Err(card_io::photo::PhotoError::Refused(r)) => {
                let a = r.advice();
                if let Some(live) = self.live.as_mut() {
                    live.photo_advice = vec![match self.lang {
                        Language::En => a.en.to_string(),
                        Language::Ug => a.ug.to_string(),
                        Language::ZhCn => a.zh_cn.to_string(),
                    }];
                    live.screen_message = None;
                    live.last_activity = Instant::now();
                }
            }
            Err(e) => {
                log::warn!("photo pipeline: {e}");
                self.screen_message(PHOTO_FAILED);
            }
        }
    }

    /// A citizen input from a screen.
    pub fn input(&mut self, kit: &Kit, input: &Input) {
        let lang = self.lang;
        let Some(live) = self.live.as_mut() else {
            return;
        };
        let pin = |s: &Option<String>| {
            s.as_deref()
                .filter(|p| !p.is_empty())
                .map(card_io::pin::Pin::parse)
        };
        // A new PIN typed before a wrong old PIN: kept for the retry (issue 22).
        let mut keep_new: Option<card_io::pin::Pin> = None;
        let event = match input.action.as_str() {
            "print" => {
                self.print(kit);
                return;
            }
            "acknowledge" => {
                if matches!(live.session.phase, Phase::Confirming) {
                    live.acknowledged = true;
                    live.last_activity = Instant::now();
                }
                return;
            }
            "confirm"
                if matches!(live.session.phase, Phase::Confirming)
                    && kiosk_core::rules::consequence::irreversible(live.session.business)
                    && !live.acknowledged =>
            {
                live.problem = Some(self_text(
                    lang,
                    "请先阅读不可撤销的后果，并按“我已阅读并了解”",
                    "first read what cannot be undone and touch \"I have read this\"",
                    "ئاۋۋال قايتۇرغىلى بولمايدىغان ئاقىۋەتنى ئوقۇپ «ئوقۇدۇم» نى بېسىڭ",
                ));
                return;
            }
            // A fee is paid before anything irreversible (issue 17, item 7).
            "confirm" if matches!(live.session.phase, Phase::Confirming) => {
                match fees::gate(kit, live, lang) {
                    fees::Gate::Go => Event::Confirm,
                    fees::Gate::Wait => return,
                    fees::Gate::Counter(slip) => {
                        live.counter_slip = Some(slip);
                        return;
                    }
                    fees::Gate::Problem(problem) => {
                        live.problem = Some(problem);
                        return;
                    }
                }
            }
            "confirm" => Event::Confirm,
            "cancel" => Event::Cancel,
            "timeout" => Event::Timeout,
            "finish" => Event::Finish,
            // "More time" pressed, or the page touched or typed on (kiosk.js pings): the
            // citizen is still there; nothing else changes.
            "more_time" | "activity" => {
                live.last_activity = Instant::now();
                return;
            }
            "lack" => match live.session.phase {
                Phase::Gathering { material } => Event::Lacking(material),
                _ => return,
            },
            "photo" => {
                live.photo_pending = None;
                self.take_photo(kit);
                return;
            }
            "photo_retake" => {
                live.photo_pending = None;
                live.last_activity = Instant::now();
                return;
            }
            "photo_use" => match live.photo_pending.take() {
                Some(p) => Event::PhotoTaken(
                    std::sync::Arc::try_unwrap(p).unwrap_or_else(|p| (*p).clone()),
                ),
                None => return,
            },
            "contact" => match input.contact(self.lang) {
                Ok(contact) => Event::ContactGiven(contact),
                Err(problem) => {
                    live.problem = Some(problem);
                    return;
                }
            },
            "reason" => match input.reason.as_deref().and_then(Reason::from_code) {
                Some(r) => Event::ReasonGiven(r),
                None => {
                    live.problem = Some(self_text(
                        lang,
                        "请选择原因",
                        "choose a reason",
                        "سەۋەبنى تاللاڭ",
                    ));
                    return;
                }
            },
            "bank" => Event::BankReceipt(input.receipt.clone().unwrap_or_default()),
            // issue 19: the identity step's choices.
            "face_accept" => Event::Face(FaceEvent::Consent(true)),
            "face_decline" => Event::Face(FaceEvent::Consent(false)),
            "face_retry" => Event::Face(FaceEvent::Retry),
            "face_staff" => Event::Face(FaceEvent::AskStaff),
            "face_end" => Event::Face(FaceEvent::End),
            "pins" => {
                let parsed = (pin(&input.old), pin(&input.new), pin(&input.repeat));
                match parsed {
                    (Some(Err(e)), _, _) | (_, Some(Err(e)), _) | (_, _, Some(Err(e))) => {
                        live.problem = Some(e.to_string());
                        live.digits = Citizen::shuffled_digits();
                        return;
                    }
                    (old, new, repeat) => {
                        let (new, repeat) = match (
                            new.and_then(Result::ok),
                            repeat.and_then(Result::ok),
                            live.kept_new_pin.take(),
                        ) {
                            (None, None, Some(kept)) => (Some(kept.duplicate()), Some(kept)),
                            (new, repeat, _) => (new, repeat),
                        };
                        keep_new = match (&new, &repeat) {
                            (Some(n), Some(r)) if n.same_as(r) => Some(n.duplicate()),
                            _ => None,
                        };
                        Event::Pins {
                            old: old.and_then(Result::ok),
                            new,
                            repeat,
                        }
                    }
                }
            }
            "rate" => Event::Rate {
                level: input.level.unwrap_or(0),
                reasons: input.reasons.clone(),
                comment: input
                    .comment
                    .clone()
                    .map(|c| c.chars().take(500).collect::<String>())
                    .filter(|c| !c.trim().is_empty()),
            },
            _ => {
                live.problem = Some(self_text(
                    lang,
                    "无法识别的操作",
                    "unknown action",
                    "بۇ مەشغۇلاتنى تونۇغىلى بولمىدى",
                ));
                return;
            }
        };
        if input.action == "timeout" {
            // The page's countdown ran out: 已超时退出 and the cards handed back.
            self.hand_back(true);
        }
        self.feed(kit, event);
        // Back on the PIN screen after a wrong old PIN (not a refused new one): only the old
        // PIN is asked again.
        if let Some(live) = self.live.as_mut() {
            let retry = matches!(live.session.phase, Phase::EnteringPins { old: true, .. })
                && live.session.pin_tries_left.is_some()
                && live.problem.is_none();
            live.kept_new_pin = if retry { keep_new } else { None };
        }
    }

    /// "Print" on the receipt or notice screen: prints through the engine (the business is
    /// committed already, so nothing depends on the paper) and keeps the outcome to show.
    fn print(&mut self, kit: &Kit) {
        if let Some(p) = &kit.printer {
            // A stale outcome must not pass for this one.
            p.take_outcome();
        }
        self.feed(kit, Event::Confirm);
        let outcome = kit.printer.as_ref().and_then(|p| p.take_outcome());
        let lang = self.lang;
        let note = match (&kit.printer, outcome) {
            (None, _) => Some(no_printer(lang)),
            (Some(_), None) => None,
            (Some(_), Some(Printed::Ok)) => Some(self_text(lang, "凭条已打印", "printed", "تالون بېسىپ چىقىرىلدى")),
            (Some(_), Some(Printed::Failed(why))) => Some(format!(
                "{}{}",
                self_text(
                    lang,
                    "未能打印。业务已办结,不受影响;处理好后可再次打印。",
                    "Not printed. Your business is done all the same; print again once this is fixed. ",
                    "بېسىپ چىقىرىلمىدى. ئىشىڭىز تاماملاندى؛ مەسىلە ھەل بولغاندىن كېيىن قايتا بېسىڭ. "
                ),
                split_message(&why, lang)
            )),
        };
        if let Some(live) = self.live.as_mut() {
            live.print_note = note;
        }
        self.refresh_device_message(kit);
    }

    /// The citizen pressed "call staff": every page says so until this session (or this
    /// wait at home) ends.
    pub fn staff_called(&mut self) {
        self.staff_called = true;
    }

    /// The case id and the material when a screen waits for a material.
    pub fn waiting(&self) -> Option<(String, Material)> {
        let live = self.live.as_ref()?;
        match live.session.phase {
            Phase::Gathering { material } => Some((live.session.case_id.clone(), material)),
            _ => None,
        }
    }

    /// A problem with a device input (an ID card the module could not read, a QR code that
    /// could not be decoded) for the screen waiting for it.
    pub fn input_problem(&mut self, message: &str) {
        let lang = self.lang;
        let Some(live) = self.live.as_mut() else {
            return;
        };
        if !matches!(live.session.phase, Phase::Gathering { .. }) {
            return;
        }
        live.problem = Some(split_message(message, lang));
    }

    /// Puts the devices' health in the status line: what is down, or clears what was shown
    /// once the device is back.
    pub fn refresh_device_message(&mut self, kit: &Kit) {
        let summary = kit.board.summary();
        if !summary.is_empty() {
            self.device_message = summary.clone();
        } else if self.device_message == self.shown_health {
            self.device_message.clear();
        }
        self.shown_health = summary;
    }

    /// Ends the session when the citizen has been idle too long or the session cap passed.
    /// Returns true when it did.
    pub fn expire(&mut self, kit: &Kit) -> bool {
        self.handback_progress();
        let (Some(live), Some(idle)) = (&self.live, self.idle_timeout_s(kit)) else {
            return false;
        };
        let idle_over = live.last_activity.elapsed() > Duration::from_secs(u64::from(idle));
        let cap = Duration::from_secs(u64::from(kit.config.ui.session_cap_s));
        if idle_over || live.started.elapsed() > cap {
            // Never a silent return: 已超时退出, and the cards handed back (in the
            // citizen's language, so before the session's end resets it).
            self.hand_back(true);
            self.feed(kit, Event::Timeout);
            self.live = None;
            self.reset_prefs(kit);
            return true;
        }
        false
    }

    /// The countdown the page shows: none while the kiosk itself works on a face attempt.
    /// The citizen is doing what the screen asks then, and the host keeps the session alive
    /// (`face_poll`): a slow match must not time out the citizen it keeps waiting. The
    /// attempt is bounded (`[face] liveness_seconds`, a frame count), and its result starts
    /// the countdown again.
    pub fn page_countdown_s(&self, kit: &Kit) -> Option<u32> {
        if self.face_running() {
            None
        } else {
            self.idle_timeout_s(kit)
        }
    }

    /// Seconds of idleness allowed on the current screen.
    pub fn idle_timeout_s(&self, kit: &Kit) -> Option<u32> {
        let live = self.live.as_ref()?;
        let ui = &kit.config.ui;
        let form = matches!(
            live.session.phase,
            Phase::Gathering {
                material: Material::ContactDetails | Material::BankMaterials
            } | Phase::EnteringPins { .. }
        );
        let t = if form {
            ui.form_idle_timeout_s
        } else {
            ui.idle_timeout_s
        };
        Some(if self.elderly { t.saturating_mul(2) } else { t })
    }
}
