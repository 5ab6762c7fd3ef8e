//! The kiosk's state behind the HTTP service: its configuration, store and devices, and the
//! one citizen session at a time. Everything here is synchronous (card I/O blocks); the HTTP
//! layer calls it from blocking tasks under one mutex, so two requests never drive the
//! session at once.

use std::sync::Arc;
use std::time::{Duration, Instant};

use card_io::transport::ReaderProvider;
use chrono::Utc;
use firmware_config::{Config, Language};
use rand::seq::SliceRandom;

use super::devices::printer::{Printed, ReceiptPrinter};
use super::devices::Board;
use kiosk_core::calendar::WorkCalendar;
use kiosk_core::card_ops::Target;
use kiosk_core::domain::BusinessCode;
use kiosk_core::ecard::{EcardIssuer, EcardVerifier};
use kiosk_core::engine::driver::{DriverError, Engine};
use kiosk_core::engine::facts::{Contact, PhotoFacts, Reason};
use kiosk_core::engine::session::{Event, Notice, Phase, Session};
use kiosk_core::rules::Material;
use kiosk_store::sqlite::SqliteStore;

/// The camera failed to give a frame (the cause goes to the log, not the screen).
const CAMERA_UNAVAILABLE: &str = "摄像头暂不可用,请稍后再试或到服务窗口 / the camera is not available: try again in a moment or go to a service counter / كامېرا ۋاقىتلىق ئىشلىمەيدۇ، سەل تۇرۇپ قايتا سىناڭ ياكى مۇلازىمەت كۆزنىكىگە بېرىڭ";
/// The photo pipeline failed on a frame for a reason other than the photo rules.
const PHOTO_FAILED: &str = "照片处理失败,请再拍一次或到服务窗口 / the photo could not be processed: take it again or go to a service counter / رەسىمنى بىر تەرەپ قىلغىلى بولمىدى، قايتا تارتىڭ ياكى مۇلازىمەت كۆزنىكىگە بېرىڭ";

/// What the sessions' screens need besides the session itself.
pub struct Live {
    pub session: Session,
    pub last_activity: Instant,
    pub started: Instant,
    /// The PIN pad's key order for the current entry.
    pub digits: Vec<u8>,
    /// A problem with the last input, shown on the screen.
    pub problem: Option<String>,
    /// The photo pipeline's advice after the last refused frame.
    pub photo_advice: Vec<String>,
    /// What became of the last "print" (receipt or notice), for the screen.
    pub print_note: Option<String>,
}

/// Where photos come from.
pub trait Camera: Send {
    /// One frame from the camera.
    fn frame(&mut self) -> Result<image::RgbImage, String>;
}

/// The photo pipeline on its own thread (its face detector cannot move between threads).
pub struct PhotoWorker {
    tx: std::sync::mpsc::Sender<PhotoJob>,
}

type PhotoJob = (
    image::RgbImage,
    std::sync::mpsc::Sender<Result<card_io::photo::CardPhoto, card_io::photo::PhotoError>>,
);

impl PhotoWorker {
    /// Starts the worker; fails when the face model cannot be loaded.
    pub fn start(
        settings: card_io::photo::PhotoSettings,
    ) -> Result<PhotoWorker, card_io::photo::PhotoError> {
        let (tx, rx) = std::sync::mpsc::channel::<PhotoJob>();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut pipeline = match card_io::photo::Pipeline::new(settings) {
                Ok(p) => {
                    let _ = ready_tx.send(Ok(()));
                    p
                }
                Err(e) => {
                    let _ = ready_tx.send(Err(e));
                    return;
                }
            };
            for (frame, reply) in rx {
                let _ = reply.send(pipeline.make(&frame));
            }
        });
        match ready_rx.recv() {
            Ok(Ok(())) => Ok(PhotoWorker { tx }),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(card_io::photo::PhotoError::Model(std::io::Error::other(
                "the photo worker stopped",
            ))),
        }
    }

    /// Runs the pipeline on one frame.
    pub fn make(
        &self,
        frame: image::RgbImage,
    ) -> Result<card_io::photo::CardPhoto, card_io::photo::PhotoError> {
        let gone =
            || card_io::photo::PhotoError::Model(std::io::Error::other("the photo worker stopped"));
        let (reply, answer) = std::sync::mpsc::channel();
        self.tx.send((frame, reply)).map_err(|_| gone())?;
        answer.recv().map_err(|_| gone())?
    }
}

/// The receipt printer: prints lines or says why it could not.
pub type Printer = Box<dyn Fn(&[String]) -> Result<(), String> + Send>;

/// The kiosk.
pub struct Core {
    pub config: Config,
    pub calendar: WorkCalendar,
    pub store: SqliteStore,
    pub readers: Arc<dyn ReaderProvider>,
    pub target: Target,
    pub issuer: Option<EcardIssuer>,
    pub verifier: Option<EcardVerifier>,
    pub camera: Option<Box<dyn Camera>>,
    pub photo: Option<PhotoWorker>,
    /// Receipts printed by the simulated printer (`--sim`), newest last.
    pub printed: Arc<std::sync::Mutex<Vec<Vec<String>>>>,
    /// The receipt printer.
    pub printer: Option<Printer>,
    pub live: Option<Live>,
    /// The screen language and elderly mode (the kiosk has one screen).
    pub lang: Language,
    pub elderly: bool,
    /// The device status line.
    pub device_message: String,
    /// True while a card is in the card reader (from the watcher).
    pub card_present: bool,
    pub sim: bool,
    /// Every peripheral's health (the device threads report there).
    pub devices: Arc<Board>,
    /// The receipt printer behind `printer` (`None`: the kiosk has none).
    pub receipt_printer: Option<Arc<ReceiptPrinter>>,
    /// The device health text last put in `device_message`.
    pub shown_health: String,
}

/// A citizen input from a screen (form or JSON), before it becomes an engine event. The PIN
/// fields are wiped when it is dropped and never shown by `Debug`.
#[derive(Default, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct Input {
    pub action: String,
    #[serde(default)]
    pub phone: Option<String>,
    /// The address's GB/T 2260 division (a county's 6 or a town's 9 digits).
    #[serde(default)]
    pub division: Option<String>,
    /// The address's street and number.
    #[serde(default)]
    pub street: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub receipt: Option<String>,
    #[serde(default)]
    pub old: Option<String>,
    #[serde(default)]
    pub new: Option<String>,
    #[serde(default)]
    pub repeat: Option<String>,
    /// The rating, 1–5 (a number outside that range is the session's problem to explain;
    /// one that is not a byte is not an input: the schema says so).
    #[serde(default, deserialize_with = "whole_byte")]
    #[schema(minimum = 0, maximum = 255)]
    pub level: Option<u8>,
    #[serde(default)]
    pub reasons: Vec<String>,
    #[serde(default)]
    pub comment: Option<String>,
}

/// A number from 0 to 255 written as JSON allows an integer to be written (`5` or `5.0`: the
/// document's `integer` admits both).
fn whole_byte<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u8>, D::Error> {
    use serde::Deserialize;
    let Some(n) = Option::<serde_json::Number>::deserialize(d)? else {
        return Ok(None);
    };
    let byte = match (n.as_u64(), n.as_f64()) {
        (Some(u), _) => u8::try_from(u).ok(),
        (None, Some(f)) if f.fract() == 0.0 && (0.0..=255.0).contains(&f) => Some(f as u8),
        _ => None,
    };
    byte.map(Some)
        .ok_or_else(|| serde::de::Error::custom(format!("{n} is not a whole number from 0 to 255")))
}

impl Input {
    /// An input from a form's fields, in order: a repeated field (the rating's reasons, one
    /// per ticked box) adds to the list, which the form decoder's map cannot do. The values
    /// are moved, not copied, so the PINs live only in the input (wiped when it is dropped).
    /// Unknown fields are ignored; a level that is not a number is left out, and the
    /// session then says what a rating is.
    pub fn from_form(pairs: Vec<(String, String)>) -> Input {
        let mut input = Input::default();
        for (name, value) in pairs {
            match name.as_str() {
                "action" => input.action = value,
                "phone" => input.phone = Some(value),
                "division" => input.division = Some(value),
                "street" => input.street = Some(value),
                "reason" => input.reason = Some(value),
                "receipt" => input.receipt = Some(value),
                "old" => input.old = Some(value),
                "new" => input.new = Some(value),
                "repeat" => input.repeat = Some(value),
                "level" => input.level = value.trim().parse().ok(),
                "reasons" => input.reasons.push(value),
                "comment" => input.comment = Some(value),
                _ => {}
            }
        }
        input
    }
}

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Input")
            .field("action", &self.action)
            .field("pins", &"******")
            .field("level", &self.level)
            .finish_non_exhaustive()
    }
}

impl Drop for Input {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        for pin in [&mut self.old, &mut self.new, &mut self.repeat]
            .into_iter()
            .flatten()
        {
            pin.zeroize();
        }
    }
}

impl Core {
    pub fn engine(&self) -> Engine<'_> {
        Engine {
            config: &self.config,
            calendar: &self.calendar,
            store: &self.store,
            readers: &*self.readers,
            target: self.target.clone(),
            ecard_issuer: self.issuer.as_ref(),
            ecard_verifier: self.verifier.as_ref(),
            printer: self
                .printer
                .as_deref()
                .map(|p| p as &dyn Fn(&[String]) -> Result<(), String>),
        }
    }

    fn shuffled_digits() -> Vec<u8> {
        let mut d: Vec<u8> = (0..10).collect();
        d.shuffle(&mut rand::thread_rng());
        d
    }

    /// Starts a business (any open session is cancelled first).
    pub fn start(&mut self, business: BusinessCode, agent: bool) -> Result<(), DriverError> {
        self.cancel();
        // With no session open, an open case is one whose closing could not be written
        // (the disk was full): close it now that the store may take writes again.
        if let Err(e) = self.engine().close_left_open(Utc::now()) {
            log::warn!("cases left open could not be closed: {e}");
        }
        let session = self.engine().start(business, agent, Utc::now())?;
        let now = Instant::now();
        self.live = Some(Live {
            session,
            last_activity: now,
            started: now,
            digits: Core::shuffled_digits(),
            problem: None,
            photo_advice: Vec::new(),
            print_note: None,
        });
        self.after_event();
        Ok(())
    }

    /// Ends the session as cancelled, if one is open.
    pub fn cancel(&mut self) {
        self.feed(Event::Cancel);
        self.live = None;
    }

    /// Feeds an event to the session; keeps a problem to show when it was refused.
    pub fn feed(&mut self, event: Event) {
        let Some(mut live) = self.live.take() else {
            return;
        };
        let result = self.engine().feed(&mut live.session, event, Utc::now());
        live.last_activity = Instant::now();
        live.problem = result.err().map(|n: Notice| self.pick(&n));
        if matches!(live.session.phase, Phase::EnteringPins { .. }) {
            live.digits = Core::shuffled_digits();
        }
        // The session's data leave memory once it is over.
        if !live.session.is_over() {
            self.live = Some(live);
        }
        self.after_event();
    }

    fn pick(&self, n: &Notice) -> String {
        n.text(self.lang).to_string()
    }

    /// After any change: a session waiting for the card reads it when one is present.
    fn after_event(&mut self) {
        let waiting = self.live.as_ref().is_some_and(|l| {
            matches!(
                l.session.phase,
                Phase::Gathering {
                    material: Material::SsCard
                }
            )
        });
        if waiting && self.card_present {
            // The watcher may not have seen the card leave yet: look before reading.
            if matches!(
                super::devices::card_reader::look(&*self.readers, &self.target),
                super::devices::card_reader::Look::Present { card: true, .. }
            ) {
                self.card_inserted();
            } else {
                self.card_present = false;
            }
        }
    }

    /// The watcher saw a card come in (or a session started with one present).
    pub fn card_inserted(&mut self) {
        self.card_present = true;
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
        let result = self.engine().card_inserted(Utc::now());
        match result {
            Ok(ins) => {
                if interrupted {
                    if let Some(mut live) = self.live.take() {
                        let _ = self
                            .engine()
                            .resume(&mut live.session, &ins.settled, Utc::now());
                        self.live = Some(live);
                    }
                } else {
                    self.feed(ins.event);
                }
                self.device_message.clear();
            }
            Err(e) => {
                log::warn!("card read failed: {e}");
                self.device_message = card_message(&e, self.lang);
            }
        }
    }

    pub fn card_removed(&mut self) {
        self.card_present = false;
        let lang = self.lang;
        if let Some(live) = self.live.as_mut() {
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

    /// An ID card was read by the module (or placed on the simulated one).
    pub fn id_card(&mut self, text: &card_io::idcard::text::IdText) {
        let wants = self.live.as_ref().is_some_and(|l| {
            matches!(
                l.session.phase,
                Phase::Gathering {
                    material: Material::IdCard | Material::AgentIdCard
                }
            )
        });
        if !wants {
            return;
        }
        match self.engine().id_card_read(text) {
            Ok(ev) => self.feed(ev),
            Err(e) => self.device_message = e.to_string(),
        }
    }

    /// A QR code was scanned.
    pub fn qr_scanned(&mut self, qr: &str) {
        let wants = self.live.as_ref().is_some_and(|l| {
            matches!(
                l.session.phase,
                Phase::Gathering {
                    material: Material::IdCard
                }
            )
        });
        if !wants {
            return;
        }
        match self.engine().ecard_scanned(qr, Utc::now()) {
            Ok(ev) => self.feed(ev),
            Err(e) => {
                if let Some(live) = self.live.as_mut() {
                    live.problem = Some(e.to_string());
                }
            }
        }
    }

    /// Takes a photo: a frame from the camera through the photo pipeline.
    pub fn take_photo(&mut self) {
        let frame = match self.camera.as_mut().map(|c| c.frame()) {
            Some(Ok(f)) => f,
            Some(Err(e)) => {
                // The cause is for the technician's log; the citizen is told what to do.
                log::warn!("camera: {e}");
                self.device_message = CAMERA_UNAVAILABLE.into();
                return;
            }
            None => {
                self.device_message =
                    "本机没有摄像头,请到服务窗口 / no camera on this kiosk / بۇ ئاپپاراتتا كامېرا يوق، مۇلازىمەت كۆزنىكىگە بېرىڭ".into();
                return;
            }
        };
        let Some(worker) = self.photo.as_ref() else {
            return;
        };
        match worker.make(frame) {
            Ok(photo) => {
                let facts = PhotoFacts {
                    sha256: kiosk_core::digest::sha256_hex(&photo.jpeg),
                    jpeg: photo.jpeg,
                };
                if let Some(live) = self.live.as_mut() {
                    live.photo_advice.clear();
                }
                self.feed(Event::PhotoTaken(facts));
            }
            Err(card_io::photo::PhotoError::Refused(r)) => {
                let a = r.advice();
                if let Some(live) = self.live.as_mut() {
                    live.photo_advice = vec![match self.lang {
                        Language::En => a.en.to_string(),
                        _ => a.zh_cn.to_string(),
                    }];
                    live.last_activity = Instant::now();
                }
            }
            Err(e) => {
                log::warn!("photo pipeline: {e}");
                self.device_message = PHOTO_FAILED.into();
            }
        }
    }

    /// A citizen input from a screen.
    pub fn input(&mut self, input: &Input) {
        let Some(live) = self.live.as_mut() else {
            return;
        };
        let pin = |s: &Option<String>| {
            s.as_deref()
                .filter(|p| !p.is_empty())
                .map(card_io::pin::Pin::parse)
        };
        let event = match input.action.as_str() {
            "print" => {
                self.print();
                return;
            }
            "confirm" => Event::Confirm,
            "cancel" => Event::Cancel,
            "timeout" => Event::Timeout,
            "finish" => Event::Finish,
            "more_time" => {
                live.last_activity = Instant::now();
                return;
            }
            "lack" => match live.session.phase {
                Phase::Gathering { material } => Event::Lacking(material),
                _ => return,
            },
            "photo" => {
                self.take_photo();
                return;
            }
            "contact" => {
                // The division picked and the street typed, written out as one address (the
                // division's full name, then the street).
                let division = input.division.as_deref().filter(|d| !d.trim().is_empty());
                let street = input.street.as_deref().unwrap_or_default().trim();
                let address = match division.map(|d| (d, kiosk_core::division::full_name(d))) {
                    Some((_, Some(name))) => Some(format!("{name}{street}")),
                    Some((_, None)) => {
                        live.problem = Some(self_text(
                            self.lang,
                            "请在列表中选择所在地区",
                            "choose the area from the list",
                            "رايوننى تىزىملىكتىن تاللاڭ",
                        ));
                        return;
                    }
                    None if street.is_empty() => None,
                    None => {
                        live.problem = Some(self_text(
                            self.lang,
                            "请先选择所在地区，再填写街道门牌",
                            "choose the area first, then the street and number",
                            "ئالدى بىلەن رايوننى تاللاڭ، ئاندىن كوچا ۋە نومۇرنى يېزىڭ",
                        ));
                        return;
                    }
                };
                Event::ContactGiven(Contact {
                    phone: input.phone.clone().filter(|p| !p.trim().is_empty()),
                    address,
                })
            }
            "reason" => match input.reason.as_deref().and_then(Reason::from_code) {
                Some(r) => Event::ReasonGiven(r),
                None => {
                    live.problem = Some(self_text(
                        self.lang,
                        "请选择原因",
                        "choose a reason",
                        "سەۋەبنى تاللاڭ",
                    ));
                    return;
                }
            },
            "bank" => Event::BankReceipt(input.receipt.clone().unwrap_or_default()),
            "pins" => {
                let parsed = (pin(&input.old), pin(&input.new), pin(&input.repeat));
                match parsed {
                    (Some(Err(e)), _, _) | (_, Some(Err(e)), _) | (_, _, Some(Err(e))) => {
                        live.problem = Some(e.to_string());
                        live.digits = Core::shuffled_digits();
                        return;
                    }
                    (old, new, repeat) => Event::Pins {
                        old: old.and_then(Result::ok),
                        new: new.and_then(Result::ok),
                        repeat: repeat.and_then(Result::ok),
                    },
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
                    self.lang,
                    "无法识别的操作",
                    "unknown action",
                    "بۇ مەشغۇلاتنى تونۇغىلى بولمىدى",
                ));
                return;
            }
        };
        self.feed(event);
    }

    /// "Print" on the receipt or notice screen: prints through the engine (the business is
    /// committed already, so nothing depends on the paper) and keeps the outcome to show.
    fn print(&mut self) {
        if let Some(p) = &self.receipt_printer {
            // A stale outcome must not pass for this one.
            p.take_outcome();
        }
        self.feed(Event::Confirm);
        let outcome = self.receipt_printer.as_ref().and_then(|p| p.take_outcome());
        let note = match (&self.receipt_printer, outcome) {
            (None, _) => Some(no_printer(self.lang)),
            (Some(_), None) => None,
            (Some(_), Some(Printed::Ok)) => Some(self_text(self.lang, "凭条已打印", "printed", "تالون بېسىپ چىقىرىلدى")),
            (Some(_), Some(Printed::Failed(why))) => Some(format!(
                "{}{}",
                self_text(
                    self.lang,
                    "未能打印。业务已办结,不受影响;处理好后可再次打印。",
                    "Not printed. Your business is done all the same; print again once this is fixed. ",
                    "بېسىپ چىقىرىلمىدى. ئىشىڭىز تاماملاندى؛ مەسىلە ھەل بولغاندىن كېيىن قايتا بېسىڭ. "
                ),
                split_message(&why, self.lang)
            )),
        };
        if let Some(live) = self.live.as_mut() {
            live.print_note = note;
        }
        self.refresh_device_message();
    }

    /// The case id when a screen waits for one of `materials`.
    pub fn waiting_for(&self, materials: &[Material]) -> Option<String> {
        let live = self.live.as_ref()?;
        match live.session.phase {
            Phase::Gathering { material } if materials.contains(&material) => {
                Some(live.session.case_id.clone())
            }
            _ => None,
        }
    }

    /// A problem with a device input (an ID card the module could not read, a QR code that
    /// could not be decoded) for the screen waiting for it; true when it changed.
    pub fn input_problem(&mut self, message: String) -> bool {
        let Some(live) = self.live.as_mut() else {
            return false;
        };
        if !matches!(live.session.phase, Phase::Gathering { .. }) {
            return false;
        }
        let message = split_message(&message, self.lang);
        if live.problem.as_deref() == Some(message.as_str()) {
            return false;
        }
        live.problem = Some(message);
        true
    }

    /// Puts the devices' health in the status line: what is down, or clears what was shown
    /// once the device is back.
    pub fn refresh_device_message(&mut self) {
        let summary = self.devices.summary();
        if !summary.is_empty() {
            self.device_message = summary.clone();
        } else if self.device_message == self.shown_health {
            self.device_message.clear();
        }
        self.shown_health = summary;
    }

    /// Ends the session when the citizen has been idle too long or the session cap passed.
    /// Returns true when it did.
    pub fn expire(&mut self) -> bool {
        let (Some(live), Some(idle)) = (&self.live, self.idle_timeout_s()) else {
            return false;
        };
        let idle_over = live.last_activity.elapsed() > Duration::from_secs(u64::from(idle));
        let cap = Duration::from_secs(u64::from(self.config.ui.session_cap_s));
        if idle_over || live.started.elapsed() > cap {
            self.feed(Event::Timeout);
            self.live = None;
            return true;
        }
        false
    }

    /// Seconds of idleness allowed on the current screen.
    pub fn idle_timeout_s(&self) -> Option<u32> {
        let live = self.live.as_ref()?;
        let ui = &self.config.ui;
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

/// What the receipt screen says on a kiosk without a printer.
pub fn no_printer(lang: Language) -> String {
    self_text(
        lang,
        "本机没有凭条打印机,请拍照或记下以上内容",
        "this kiosk has no receipt printer: take a photo of the screen or write it down",
        "بۇ ئاپپاراتتا تالون پرىنتېرى يوق، ئېكراننى رەسىمگە تارتىۋېلىڭ ياكى خاتىرىلىۋېلىڭ",
    )
}

/// The part of a device message for the screen language. Device messages travel as one
/// string (the health board, the `device` event, logs): "中文 / English / ئۇيغۇرچە"; a part
/// that is missing falls back to the Chinese.
pub fn split_message(message: &str, lang: Language) -> String {
    let mut parts = message.splitn(3, " / ");
    let zh = parts.next().unwrap_or_default();
    let en = parts.next();
    let ug = parts.next();
    match lang {
        Language::ZhCn => zh,
        Language::En => en.unwrap_or(zh),
        Language::Ug => ug.unwrap_or(zh),
    }
    .to_string()
}

pub(crate) fn self_text(lang: Language, zh: &str, en: &str, ug: &str) -> String {
    match lang {
        Language::ZhCn => zh,
        Language::En => en,
        Language::Ug => ug,
    }
    .into()
}

/// What the citizen sees when the card could not be read.
fn card_message(e: &DriverError, lang: Language) -> String {
    let (zh, en, ug) = match e {
        DriverError::Exec(kiosk_core::engine::executor::ExecError::Op(op)) if op.is_card_gone() => {
            (
                "未能读取社会保障卡,请重新插卡",
                "the card could not be read: insert it again",
                "ئىجتىمائىي كاپالەت كارتىسىنى ئوقۇغىلى بولمىدى، قايتا سېلىڭ",
            )
        }
        DriverError::Exec(kiosk_core::engine::executor::ExecError::Op(op))
            if op.exit_code() == 3 =>
        {
            (
                "读卡器不可用,请联系工作人员",
                "the card reader is not available: please call staff",
                "كارتا ئوقۇغۇچ ئىشلىمەيدۇ، خىزمەتچىنى چاقىرىڭ",
            )
        }
        _ => (
            "这张卡无法读取,请确认插入的是社会保障卡",
            "this card cannot be read: is it the social security card?",
            "بۇ كارتىنى ئوقۇغىلى بولمايدۇ، ئىجتىمائىي كاپالەت كارتىسى ئىكەنلىكىنى جەزملەشتۈرۈڭ",
        ),
    };
    self_text(lang, zh, en, ug)
}

#[cfg(test)]
mod input_tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn device_messages_are_told_in_the_screen_language() {
        let m = "打印机缺纸 / the printer is out of paper / پرىنتېردا قەغەز يوق";
        assert_eq!(split_message(m, Language::ZhCn), "打印机缺纸");
        assert_eq!(
            split_message(m, Language::En),
            "the printer is out of paper"
        );
        assert_eq!(split_message(m, Language::Ug), "پرىنتېردا قەغەز يوق");
        // Older two-part messages: Uyghur falls back to the Chinese, and one part is all.
        assert_eq!(split_message("仅中文 / only", Language::Ug), "仅中文");
        assert_eq!(split_message("仅中文", Language::En), "仅中文");
    }

    #[test]
    fn a_form_with_repeated_reasons_keeps_every_reason() {
        let input = Input::from_form(pairs(&[
            ("action", "rate"),
            ("level", "2"),
            ("reasons", "slow"),
            ("reasons", "unclear"),
            ("comment", "排队太久"),
            ("unexpected", "ignored"),
        ]));
        assert_eq!(input.action, "rate");
        assert_eq!(input.level, Some(2));
        assert_eq!(input.reasons, ["slow", "unclear"]);
        assert_eq!(input.comment.as_deref(), Some("排队太久"));
    }

    #[test]
    fn a_level_that_is_not_a_number_is_left_out_and_pins_are_not_shown() {
        let input = Input::from_form(pairs(&[
            ("action", "pins"),
            ("level", "five"),
            ("new", "580317"),
            ("repeat", "580317"),
        ]));
        assert_eq!(input.level, None);
        assert_eq!(input.new.as_deref(), Some("580317"));
        assert!(!format!("{input:?}").contains("580317"));
    }
}
