//! The ID card module's thread: the module opened by its serial path; while a screen waits
//! for an ID card, find → select → read every [`Timing::id_poll`]; otherwise a module status
//! check every [`Timing::heartbeat`]. A card read goes to the session once per session (the
//! card may stay on the antenna); the thread waits until the session has taken it. A module that is silent, sends garbled frames or whose
//! port fails is reported down and reopened with backoff.

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use card_io::idcard::{
    self, Failure, IdReader, ReaderConfig, ReaderError, SerialLine, WltDecoder, WltPhoto,
};

use super::backoff::Backoff;
use super::board::{Device, State};
use super::link::{DeviceError, DeviceEvent, IdCardData, Link, Timing};
use kiosk_core::rules::Material;

/// The licensed WLT decoder the module's thread uses (vendors' decoders are not known to be
/// thread-safe: it is called from this thread only).
pub type PhotoDecoder = Arc<dyn WltDecoder + Send + Sync>;

/// Where the module is and how to talk to it.
#[derive(Clone)]
pub struct Settings {
    pub path: String,
    pub reader: ReaderConfig,
    /// `None`: no licensed decoder; the ID card's photo stays bytes.
    pub decoder: Option<PhotoDecoder>,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("path", &self.path)
            .field("reader", &self.reader)
            .field("decoder", &self.decoder.is_some())
            .finish()
    }
}

impl Settings {
    pub fn new(path: String, baud: u32, decoder: Option<PhotoDecoder>) -> Settings {
        Settings {
            path,
            reader: ReaderConfig {
                baud,
                ..ReaderConfig::default()
            },
            decoder,
        }
    }
}

/// The photo in pixels, when a decoder is there and it can decode this one; a failure is
/// logged (no personal data: the decoder's code) and the identity step falls back to the
/// registry's photo.
fn decode(decoder: Option<&PhotoDecoder>, photo: &WltPhoto) -> Option<image::RgbImage> {
    let decoded = match decoder?.decode(photo) {
        Ok(d) => d,
        Err(e) => {
            log::warn!("the ID card's photo could not be decoded: {e}");
            return None;
        }
    };
    let image = decoded.to_image();
    if image.is_none() {
        log::warn!("the WLT decoder gave a photo whose size does not match its pixels");
    }
    image
}

/// Starts the thread; it ends when the device threads stop.
pub fn spawn(
    link: Link,
    settings: Settings,
    timing: Timing,
) -> Result<JoinHandle<()>, DeviceError> {
    std::thread::Builder::new()
        .name("id-module".into())
        .spawn(move || Module::new(settings, timing).run(&link))
        .map_err(|source| DeviceError::Thread {
            device: Device::IdModule,
            source,
        })
}

/// The message for a module failure that needs staff.
pub fn device_message(e: &ReaderError) -> String {
    match e {
        ReaderError::Open { path, .. } => format!(
            "身份证阅读器未连接(无法打开 {path}),请联系工作人员 / ID reader not connected (cannot open {path}); please call staff / كىملىك ئوقۇغۇچ ئۇلانمىغان ({path} نى ئاچقىلى بولمىدى)، خىزمەتچىنى چاقىرىڭ"
        ),
        ReaderError::Frame { .. }
        | ReaderError::Status { .. }
        | ReaderError::UnknownCommand { .. } => {
            "身份证阅读器数据错误,请联系工作人员 / ID reader sends garbled data; please call staff / كىملىك ئوقۇغۇچنىڭ سانلىق مەلۇماتى خاتا، خىزمەتچىنى چاقىرىڭ"
                .into()
        }
        _ => "身份证阅读器无响应,请联系工作人员 / ID reader not answering; please call staff / كىملىك ئوقۇغۇچ جاۋاب بەرمەيدۇ، خىزمەتچىنى چاقىرىڭ".into(),
    }
}

/// The message for a card the module could not read.
fn card_message(e: &ReaderError) -> String {
    match e {
        ReaderError::Text { .. } => {
            "身份证信息有误,请到服务窗口办理 / the ID card's data are not valid; please go to a service counter / كىملىك ئۇچۇرىدا خاتالىق بار، مۇلازىمەت كۆزنىكىگە بېرىڭ".into()
        }
        _ => "未能读取身份证,请拿起后重新放置 / the ID card could not be read: lift it and place it again / كىملىكنى ئوقۇغىلى بولمىدى، ئېلىپ قايتا قويۇڭ".into(),
    }
}

struct Module {
    settings: Settings,
    timing: Timing,
    reader: Option<IdReader<SerialLine>>,
    backoff: Backoff,
    next_check: Instant,
    /// The case and ID number last fed: the same card is not fed twice to one session.
    fed: Option<(String, String)>,
    /// A card lay on the module at the last look while no session waited for one.
    present: bool,
}

impl Module {
    fn new(settings: Settings, timing: Timing) -> Module {
        Module {
            settings,
            timing,
            reader: None,
            backoff: timing.backoff(),
            next_check: Instant::now(),
            fed: None,
            present: false,
        }
    }

    fn run(mut self, link: &Link) {
        loop {
            let wait = self.tick(link);
            if !link.nap(wait) {
                return;
            }
        }
    }

    /// One look at the module; returns how long to wait before the next.
    fn tick(&mut self, link: &Link) -> Duration {
        if self.reader.is_none() {
            if !self.backoff.due() {
                return self.backoff.wait().min(self.timing.id_poll);
            }
            self.open(link);
            return self.timing.id_poll;
        }
        let waiting = link
            .session
            .waiting_for(&[Material::IdCard, Material::AgentIdCard]);
        match waiting {
            Some(case) => {
                self.read(link, &case);
                self.timing.id_poll
            }
            None => {
                // Only whether a card lies there (`find card`), nothing read from it: the
                // home screen then offers the businesses that begin with an ID card. Told
                // once per card put down.
                let found = self.reader.as_mut().map(|r| r.find_card());
                match found {
                    Some(Ok(())) if !self.present => {
                        self.present = true;
                        link.session.tell(DeviceEvent::IdCardPresent);
                    }
                    Some(Ok(())) => {}
                    Some(Err(ReaderError::NoCard)) => self.lifted(link),
                    Some(Err(e)) if e.failure() == Failure::Card => self.lifted(link),
                    Some(Err(e)) => {
                        self.failed(link, &e);
                        return self.timing.id_poll;
                    }
                    None => {}
                }
                if Instant::now() >= self.next_check {
                    self.next_check = Instant::now() + self.timing.heartbeat;
                    let checked = self.reader.as_mut().map(|r| r.module_status());
                    match checked {
                        Some(Ok(())) => link.report(Device::IdModule, State::Ok, ""),
                        Some(Err(e)) => self.failed(link, &e),
                        None => {}
                    }
                }
                self.timing.id_poll
            }
        }
    }

    fn open(&mut self, link: &Link) {
        let opened = idcard::open_with(&self.settings.path, self.settings.reader.clone())
            .and_then(|mut r| r.module_status().map(|()| r));
        match opened {
            Ok(r) => {
                self.reader = Some(r);
                self.backoff.reset();
                self.next_check = Instant::now() + self.timing.heartbeat;
                link.report(Device::IdModule, State::Ok, "");
            }
            Err(e) => {
                self.backoff.failed();
                link.report(Device::IdModule, State::Down, device_message(&e));
            }
        }
    }

    /// No card on the module: when one lay there, the session hears it was lifted.
    fn lifted(&mut self, link: &Link) {
        if std::mem::replace(&mut self.present, false) {
            link.session.tell(DeviceEvent::IdCardGone);
        }
    }

    /// The module failed: report it, close the port, reopen after the backoff.
    fn failed(&mut self, link: &Link, e: &ReaderError) {
        log::warn!("ID module {}: {e}", self.settings.path);
        self.reader = None;
        self.backoff.failed();
        link.report(Device::IdModule, State::Down, device_message(e));
    }

    fn read(&mut self, link: &Link, case: &str) {
        let Some(reader) = self.reader.as_mut() else {
            return;
        };
        match reader.read_card() {
            Ok(read) => {
                link.report(Device::IdModule, State::Ok, "");
                self.present = true;
                let key = (case.to_string(), read.text.id_number.clone());
                if self.fed.as_ref() == Some(&key) {
                    // The same card still on the antenna.
                    return;
                }
                self.fed = Some(key);
                let photo = decode(self.settings.decoder.as_ref(), &read.photo_wlt);
                link.session
                    .tell_and_wait(DeviceEvent::IdCard(Box::new(IdCardData {
                        text: read.text,
                        photo,
                    })));
            }
            Err(ReaderError::NoCard) => {
                link.report(Device::IdModule, State::Ok, "");
                self.lifted(link);
            }
            Err(e) if e.failure() == Failure::Card => {
                link.report(Device::IdModule, State::Ok, "");
                link.session
                    .tell_and_wait(DeviceEvent::InputProblem(card_message(&e)));
            }
            Err(e) => self.failed(link, &e),
        }
    }
}
