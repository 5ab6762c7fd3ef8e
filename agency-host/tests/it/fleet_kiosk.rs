//! The fleet rig's kiosks (`fleet`): the people and cards they share, a simulated card with a
//! trip wire (a fault right after a command took effect on the card), a kiosk whose process
//! can be lost and opened again on the same SQLite file, and one business run through its
//! engine.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use card_io::sscard::AppState;
use card_io::transport::ReaderProvider;
use chrono::Utc;
use firmware_config::{AgencyLink, Config};
use hw_sim::backend::{CARD_SLOT, PSAM_SLOT};
use hw_sim::{CardOs, PsamOptions, PsamOs, SimDevice, SimReaders};
use kiosk_core::calendar::WorkCalendar;
use kiosk_core::card_ops::{self, Target};
use kiosk_core::domain::BusinessCode as B;
use kiosk_core::engine::driver::Engine;
use kiosk_core::engine::session::{Event, Failure, Phase, Session};
use kiosk_store::agency::Delivery;
use kiosk_store::sqlite::{DbKey, SqliteStore};
use kiosk_store::AgencyStore;

use super::kiosks::{feed, id_text, no_printer, root};
use super::proxy::Proxy;
use super::rig::Agency;

/// The people and their cards (hw-sim's files, in the demo registry).
pub(super) struct Holder {
    pub(super) file: &'static str,
    pub(super) card: &'static str,
    pub(super) id: &'static str,
}

pub(super) const HOLDERS: [Holder; 2] = [
    Holder {
        file: "v2-3des.toml",
        card: "A00000001",
        id: "652301197508210015",
    },
    Holder {
        file: "v3-sm4.toml",
        card: "A23456789",
        id: "652302199203140023",
    },
];

/// What a card does right after it answers a given command successfully (once).
pub(super) type Trip = Arc<Mutex<Wire>>;
/// The command's instruction byte, and what happens then.
pub(super) type Wire = Option<(u8, Box<dyn FnOnce() + Send>)>;

/// Sets the trip wire: `fire` once, right after the card answers `ins` successfully.
pub(super) fn arm(trip: &Trip, ins: u8, fire: Box<dyn FnOnce() + Send>) {
    *trip.lock().unwrap_or_else(PoisonError::into_inner) = Some((ins, fire));
}

/// Whether the wire is still set (the command has not run).
pub(super) fn armed(trip: &Trip) -> bool {
    trip.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .is_some()
}

/// A simulated card with a trip wire: the fault happens after the command took effect on
/// the card and before the kiosk hears of it.
pub(super) struct FleetCard {
    pub(super) os: CardOs,
    pub(super) trip: Trip,
}

impl SimDevice for FleetCard {
    fn atr(&self) -> Vec<u8> {
        self.os.atr()
    }

    fn process(&mut self, apdu: &[u8]) -> Vec<u8> {
        let answer = self.os.process(apdu);
        if answer.ends_with(&[0x90, 0x00]) && apdu.len() > 1 {
            let mut trip = self.trip.lock().unwrap_or_else(PoisonError::into_inner);
            if trip.as_ref().is_some_and(|(ins, _)| *ins == apdu[1]) {
                let (_, fire) = trip.take().expect("armed");
                drop(trip);
                fire();
            }
        }
        answer
    }

    fn reset(&mut self) {
        self.os.reset();
    }

    fn power_off(&mut self) {
        self.os.power_off();
    }
}

/// The payload a killed kiosk unwinds with.
pub(super) struct Killed;

fn db_key() -> DbKey {
    DbKey::from_bytes([0x5a; 32])
}

/// One kiosk of the fleet: what survives a kill (configuration, readers with the card left in
/// them, the SQLite file, the network) and what does not (the store and its delivery thread).
pub(super) struct Node {
    pub(super) id: String,
    pub(super) config: Config,
    pub(super) calendar: WorkCalendar,
    pub(super) readers: SimReaders,
    pub(super) link: AgencyLink,
    pub(super) db: PathBuf,
    pub(super) proxy: Proxy,
    pub(super) store: Option<Arc<AgencyStore>>,
    pub(super) delivery: Option<Delivery>,
}

impl Node {
    pub(super) fn new(agency: &Agency, dir: &std::path::Path, id: &str) -> Node {
        agency.kiosk(id);
        let upstream = agency
            .base
            .strip_prefix("https://")
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("agency address {}", agency.base));
        let proxy = Proxy::new(upstream);
        let link = agency.link(id, &proxy.url());
        let mut config = Config::default();
        config.kiosk.id = id.to_string();
        config.agency = Some(link.clone());
        let readers = SimReaders::new();
        readers.insert(
            PSAM_SLOT,
            Box::new(PsamOs::new(PsamOptions::default()).expect("PSAM")),
        );
        let mut node = Node {
            id: id.to_string(),
            calendar: WorkCalendar::load(&config.calendar, &root()).expect("calendar"),
            config,
            readers,
            link,
            db: dir.join(format!("{id}.db")),
            proxy,
            store: None,
            delivery: None,
        };
        node.open();
        node
    }

    /// Opens (or opens again) the kiosk's database and store, with its delivery thread.
    pub(super) fn open(&mut self) {
        let local = SqliteStore::open(&self.db, &db_key()).expect("kiosk database");
        let store = Arc::new(AgencyStore::new(&self.link, &self.id, local).expect("store"));
        self.delivery = Some(AgencyStore::spawn_delivery(&store).expect("delivery"));
        self.store = Some(store);
    }

    /// What a killed process loses: the store, its database connection, its threads.
    pub(super) fn lose_process(&mut self) {
        self.delivery = None;
        let store = self.store.take().expect("open");
        assert_eq!(Arc::strong_count(&store), 1, "nothing else holds the store");
        drop(store);
    }

    pub(super) fn store(&self) -> &AgencyStore {
        self.store.as_deref().expect("the kiosk is running")
    }

    pub(super) fn engine(&self) -> Engine<'_> {
        Engine {
            config: &self.config,
            calendar: &self.calendar,
            store: self.store(),
            readers: &self.readers,
            target: Target {
                card_algorithms: hw_sim::psam::card_algorithms(),
                ..Target::default()
            },
            ecard_issuer: None,
            ecard_verifier: None,
            printer: Some(&no_printer),
        }
    }
}

/// How a business ended.
#[derive(Debug, PartialEq)]
pub(super) enum End {
    Done(String),
    /// The case ran and failed (its case id).
    Failed(Failure, String),
    /// Refused before a case was opened or the card read.
    Refused(Failure),
}

pub(super) fn outcome(s: &Session) -> End {
    match &s.phase {
        Phase::Done { .. } => End::Done(s.case_id.clone()),
        Phase::Failed { failure } => End::Failed(failure.clone(), s.case_id.clone()),
        other => panic!("{:?} {}: ended in {other:?}", s.business, s.case_id),
    }
}

fn refused(e: kiosk_core::engine::driver::DriverError) -> End {
    End::Refused(
        e.failure()
            .unwrap_or_else(|| panic!("not a plain refusal: {e}")),
    )
}

/// 报失 (without the card) or 解挂 (with it) by `who` at `node`. The card, if any, is back
/// in the caller's hands afterwards (unless the kiosk was killed: then it is in the reader).
pub(super) fn business(
    node: &Node,
    b: B,
    who: &Holder,
    card: &mut Option<Box<dyn SimDevice>>,
) -> End {
    let e = node.engine();
    let mut s = match e.start(b, false, Utc::now()) {
        Ok(s) => s,
        Err(err) => return refused(err),
    };
    let ev = match e.id_card_read(&id_text(who.file)) {
        Ok(ev) => ev,
        Err(err) => return refused(err),
    };
    feed(&e, &mut s, ev);
    if let Some(c) = card.take() {
        node.readers.remove(CARD_SLOT);
        assert!(node.readers.insert(CARD_SLOT, c));
        let ev = e.card_inserted(Utc::now()).expect("card read").event;
        feed(&e, &mut s, ev);
    }
    feed(&e, &mut s, Event::Confirm);
    if b == B::CancelLoss {
        *card = node.readers.remove(CARD_SLOT);
    }
    outcome(&s)
}

/// The card's application state, read in a reader of its own.
pub(super) fn image(card: Box<dyn SimDevice>) -> (AppState, Box<dyn SimDevice>) {
    let readers = SimReaders::new();
    readers.insert(CARD_SLOT, card);
    let conn =
        card_ops::connect_card(&readers as &dyn ReaderProvider, &Target::default()).expect("card");
    let today = card_io::date::Date::new(2026, 12, 1).expect("date");
    let state = card_ops::status(conn, today).expect("status").application;
    (state, readers.remove(CARD_SLOT).expect("card"))
}
