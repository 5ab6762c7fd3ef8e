//! What a device thread is connected to and runs by: its [`Link`] to the citizen's
//! [`Session`] and the health board, the [`DeviceEvent`]s it tells, its [`Timing`], and how
//! starting one fails ([`DeviceError`]). Every device module uses these; `devices` only
//! starts the threads.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::backoff::Backoff;
use super::board::{Board, Device, State};
use super::heartbeat::Heartbeats;
use kiosk_core::rules::Material;

/// Failures starting the device threads.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeviceError {
    #[error("cannot start the {device:?} thread: {source}")]
    Thread {
        device: Device,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot start the camera thread: {0}")]
    CameraThread(#[source] std::io::Error),
}

/// How long a device thread waits between looks at a healthy device, and the backoff of a
/// failed one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// Between find attempts while a screen waits for an ID card.
    pub id_poll: Duration,
    /// Between status checks of an idle device.
    pub heartbeat: Duration,
    /// First and longest wait before reopening a failed device.
    pub backoff_first: Duration,
    pub backoff_max: Duration,
}

impl Default for Timing {
    fn default() -> Timing {
        Timing {
            id_poll: Duration::from_millis(100),
            heartbeat: Duration::from_secs(2),
            backoff_first: Duration::from_millis(500),
            backoff_max: Duration::from_secs(5),
        }
    }
}

impl Timing {
    pub fn backoff(&self) -> Backoff {
        Backoff::new(self.backoff_first, self.backoff_max)
    }
}

/// An ID card as the module read it: its text, and its photo when a licensed WLT decoder
/// (`[devices] wlt_decoder`) turned it into pixels (the identity step's first reference).
pub struct IdCardData {
    pub text: card_io::idcard::text::IdText,
    pub photo: Option<image::RgbImage>,
}

impl std::fmt::Debug for IdCardData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Nothing personal in logs: whether a photo came with it, and its size.
        f.debug_struct("IdCardData")
            .field("photo", &self.photo.as_ref().map(|p| p.dimensions()))
            .finish_non_exhaustive()
    }
}

/// What a device thread tells the citizen's session.
#[derive(Debug)]
pub enum DeviceEvent {
    /// A card went into the citizen's card reader.
    CardInserted,
    /// The card left the reader (or the reader left with it).
    CardRemoved,
    /// The ID card module read a card (counted on the board once the session took it).
    IdCard(Box<IdCardData>),
    /// A card was put on the ID card module while no session waited for one (nothing read).
    IdCardPresent,
    /// The ID card was lifted off the module (issue 22: `take_cards` waits for it).
    IdCardGone,
    /// The QR scanner read a code (counted on the board once the session took it).
    Qr(String),
    /// A device input the waiting screen must explain ("中文 / English / ئۇيغۇرچە"): an ID
    /// card that could not be read, a code that could not be decoded.
    InputProblem(String),
    /// A device's health changed on the board: the status line follows.
    Health,
}

/// The citizen's session as the device threads see it (the session actor implements it).
pub trait Session: Send + Sync {
    /// Tells the session about `event`; returns at once.
    fn tell(&self, event: DeviceEvent);
    /// Tells the session about `event` and returns once it was handled and the screen
    /// published; false when the session is gone. Blocks the calling thread.
    fn tell_and_wait(&self, event: DeviceEvent) -> bool;
    /// The case id when a screen waits for one of `materials`.
    fn waiting_for(&self, materials: &[Material]) -> Option<String>;
}

/// What a device thread is connected to: the session, the health board, the flag that
/// stops it, and the heartbeats the watchdog reads.
#[derive(Clone)]
pub struct Link {
    pub session: Arc<dyn Session>,
    pub board: Arc<Board>,
    pub(super) stop: Arc<AtomicBool>,
    pub beats: Arc<Heartbeats>,
}

impl std::fmt::Debug for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Link")
            .field("stopping", &self.stopping())
            .finish_non_exhaustive()
    }
}

impl Link {
    pub fn new(session: Arc<dyn Session>, board: Arc<Board>) -> Link {
        Link {
            session,
            board,
            stop: Arc::new(AtomicBool::new(false)),
            beats: Arc::new(Heartbeats::default()),
        }
    }

    /// True once the threads are to stop.
    pub fn stopping(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Records a device's health; when it changed, the actor puts it on the status line and
    /// the screens follow.
    pub fn report(&self, device: Device, state: State, message: impl Into<String>) {
        if self.board.report(device, state, message) {
            self.session.tell(DeviceEvent::Health);
        }
    }

    /// Sleeps `total` in short steps, returning early (false) once the threads are to stop;
    /// the calling thread's heartbeat beats at every step.
    pub fn nap(&self, total: Duration) -> bool {
        let step = Duration::from_millis(50);
        let mut left = total;
        loop {
            self.beats.beat();
            if self.stopping() {
                return false;
            }
            if left.is_zero() {
                return true;
            }
            let d = left.min(step);
            std::thread::sleep(d);
            left -= d;
        }
    }
}
