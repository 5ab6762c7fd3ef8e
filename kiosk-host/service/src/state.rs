//! What the handlers share ([`Shared`]): the session actor's handle and its latest
//! publication, the configuration, the store connections of the staff pages and the
//! read-only endpoints, the staff sessions and login bounds, the devices. Built by
//! [`crate::build`]; every route takes it as its state.

use std::sync::{Arc, Mutex};

use card_io::transport::ReaderProvider;
use firmware_config::Config;

use crate::actor;
use crate::devices::board::Board;
use crate::devices::camera::Camera;
use crate::devices::printer::ReceiptPrinter;
use crate::devices::slot::CardSlot;
use crate::edge::Hosts;
use crate::published::{Published, Screen};
use crate::records::Records;
#[cfg(feature = "sim")]
use crate::sim::hardware::SimDevices;
use crate::staff::gate::LoginGate;
use crate::staff::pseudonym::NameKey;
use crate::staff::sessions::StaffSessions;
use kiosk_core::calendar::WorkCalendar;

/// What the handlers share. Nothing here is the citizen's session: that is the actor's.
pub struct Shared {
    /// The session actor: citizens' inputs go there.
    pub actor: actor::Handle,
    /// What the screen shows now, as the actor last published it.
    pub screen: Screen,
    /// The configuration, as the kiosk started with it.
    pub config: Arc<Config>,
    pub calendar: Arc<WorkCalendar>,
    /// The store connections of the staff pages and the read-only endpoints.
    pub records: Records,
    pub staff: Mutex<StaffSessions>,
    /// The key of the audit log's pseudonyms for login names that are no staff user.
    pub login_names: NameKey,
    /// The bound on login checks (argon2 work and memory, the failure budget).
    pub login_gate: LoginGate,
    /// Every peripheral's health.
    pub devices: Arc<Board>,
    /// The card readers (the card reader's watcher, the staff self-test).
    pub readers: Arc<dyn ReaderProvider>,
    /// Which reader is the citizen's card reader.
    pub slot: CardSlot,
    /// The camera (the live preview), when the kiosk has one.
    pub camera: Option<Camera>,
    /// The receipt printer (its status watch), when the kiosk has one.
    pub printer: Option<Arc<ReceiptPrinter>>,
    /// The agency's registry, on a kiosk with `[agency]` (its health is watched with the
    /// devices').
    pub agency: Option<Arc<kiosk_store::AgencyStore>>,
    /// The host names the kiosk answers to (the edge's Host and Origin checks).
    pub hosts: Hosts,
    /// The kiosk's clock (the simulator moves it: `POST /api/sim/clock`).
    pub clock: crate::clock::Clock,
    /// The simulated hardware, when the kiosk runs on it.
    #[cfg(feature = "sim")]
    pub sim: Option<SimDevices>,
    /// The live image of the identity step's running match (issue 19).
    pub face_preview: crate::face::Preview,
}

impl Shared {
    /// What the screen shows now.
    pub fn shown(&self) -> Arc<Published> {
        self.screen.now()
    }
}
