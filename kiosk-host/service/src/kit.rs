//! [`Kit`]: what the session actor works with besides the citizen's session: the
//! configuration, the calendar, the store connection the engine commits on, the card readers
//! and keys, the camera, the photo pipeline, the receipt printer and the devices' health.
//! Only the actor's thread holds it.

use std::sync::Arc;

use card_io::transport::ReaderProvider;
use firmware_config::Config;

use crate::devices::board::Board;
use crate::devices::camera::Camera;
use crate::devices::printer::ReceiptPrinter;
use crate::devices::slot::CardSlot;
use crate::photo::PhotoWorker;
use kiosk_core::calendar::WorkCalendar;
use kiosk_core::card_ops::Target;
use kiosk_core::ecard::{EcardIssuer, EcardVerifier};
use kiosk_core::engine::driver::Engine;
use kiosk_store::sqlite::SqliteStore;

/// Prints receipt lines or says why it could not.
pub type Printer = Box<dyn Fn(&[String]) -> Result<(), String> + Send>;

/// The engine's parts and the devices the actor drives.
pub struct Kit {
    pub config: Arc<Config>,
    pub calendar: Arc<WorkCalendar>,
    /// The engine's own connection (staff pages and the read-only endpoints have theirs).
    pub store: SqliteStore,
    pub readers: Arc<dyn ReaderProvider>,
    pub target: Target,
    pub issuer: Option<EcardIssuer>,
    pub verifier: Option<EcardVerifier>,
    /// The camera (`None`: the kiosk has none).
    pub camera: Option<Camera>,
    pub photo: PhotoWorker,
    /// The receipt printer (`None`: the kiosk has none).
    pub printer: Option<Arc<ReceiptPrinter>>,
    /// What the engine prints with: the receipt printer's lines.
    pub print: Option<Printer>,
    /// Every peripheral's health (the device threads report there).
    pub board: Arc<Board>,
    /// Which reader is the citizen's card reader.
    pub slot: CardSlot,
    /// True on simulated hardware.
    pub sim: bool,
}

impl Kit {
    /// True when a card is in the citizen's card reader now (a look at the readers).
    pub fn card_in_reader(&self) -> bool {
        self.readers
            .list_readers()
            .map(|list| {
                list.iter()
                    .any(|r| r.atr.is_some() && self.slot.is_card_reader(&r.name))
            })
            .unwrap_or(false)
    }

    /// The business engine over these parts.
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
                .print
                .as_deref()
                .map(|p| p as &dyn Fn(&[String]) -> Result<(), String>),
        }
    }
}
