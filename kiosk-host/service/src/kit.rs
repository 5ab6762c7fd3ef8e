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
use kiosk_core::store::Store;
use kiosk_store::agency::{AgencyStore, Delivery};
use kiosk_store::sqlite::SqliteStore;

/// The store the engine commits on: the kiosk's own database (standalone), or the agency's
/// registry with the kiosk's database for the rest (`[agency]` in kiosk.toml).
pub enum EngineStore {
    Standalone(SqliteStore),
    Agency {
        store: Arc<AgencyStore>,
        /// The outbox's delivery thread (stops when the kit is dropped).
        delivery: Delivery,
    },
}

impl EngineStore {
    /// The store, whichever it is.
    pub fn get(&self) -> &dyn Store {
        match self {
            EngineStore::Standalone(s) => s,
            EngineStore::Agency { store, .. } => &**store,
        }
    }

    /// The agency store, when the kiosk has an agency.
    pub fn agency(&self) -> Option<&Arc<AgencyStore>> {
        match self {
            EngineStore::Standalone(_) => None,
            EngineStore::Agency { store, .. } => Some(store),
        }
    }
}

/// Prints receipt lines or says why it could not.
pub type Printer = Box<dyn Fn(&[String]) -> Result<(), String> + Send>;

/// The engine's parts and the devices the actor drives.
pub struct Kit {
    pub config: Arc<Config>,
    pub calendar: Arc<WorkCalendar>,
    /// The engine's own store (staff pages and the read-only endpoints have their own
    /// connections to the kiosk's database).
    pub store: EngineStore,
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
    /// The identity step's verifier, frames and live image (issue 19).
    pub face: crate::face::FaceKit,
    /// The kiosk's clock: every "now" the actor hands the engine.
    pub clock: crate::clock::Clock,
    /// The payment provider for fees (`None`: a fee is paid at the counter).
    pub payment: Option<Arc<dyn kiosk_core::payment::Payment>>,
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
            store: self.store.get(),
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
