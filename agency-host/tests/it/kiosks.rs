//! Kiosks as the agency's clients: two kiosk engines (simulated card readers and PSAMs, their
//! own SQLite databases) on `kiosk_store::AgencyStore` against one `agency serve` on the test
//! cluster. The Done-when cases of issue 16 on the kiosk side:
//! - a card put into the agency by `agency import` is enabled at a kiosk that never saw it;
//! - a loss reported at kiosk A blocks the card when it is inserted at kiosk B;
//! - two kiosks on one card: the second is refused before its card is touched, saying why;
//! - with the agency stopped, a business that needs the registry is refused with a plain
//!   message and nothing is written; a card command whose commit could not reach the agency
//!   waits in the outbox and, once the agency is back, is committed there exactly once.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use card_io::transport::ReaderProvider;
use chrono::Utc;
use firmware_config::Config;
use hw_sim::backend::{CARD_SLOT, PSAM_SLOT};
use hw_sim::{CardOs, PsamOptions, PsamOs, SimReaders};
use kiosk_core::calendar::WorkCalendar;
use kiosk_core::card_ops::{self, Target};
use kiosk_core::domain::{BusinessCode as B, CardAction, CardState, Outcome};
use kiosk_core::engine::driver::Engine;
use kiosk_core::engine::facts::AppStateCode;
use kiosk_core::engine::session::{Event, Failure, Phase, Session};
use kiosk_core::store::{AuditLog, Journal, Registry, Reservation};
use kiosk_store::sqlite::SqliteStore;
use kiosk_store::AgencyStore;

use super::rig::Agency;

const ZHANG: &str = "v2-3des.toml";
const ZHANG_CARD: &str = "A00000001";
const ZHANG_ID: &str = "652301197508210015";
const UYGHUR: &str = "v3-uyghur.toml";
const UYGHUR_CARD: &str = "A12345678";

pub(super) fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub(super) fn pin(s: &str) -> card_io::pin::Pin {
    card_io::pin::Pin::parse(s).expect("test PIN")
}

pub(super) fn card(name: &str) -> CardOs {
    CardOs::from_file(root().join("hw-sim/cards").join(name)).expect("card file")
}

pub(super) fn id_text(name: &str) -> card_io::idcard::text::IdText {
    hw_sim::idcard::person::Person::load(root().join("hw-sim/people").join(name))
        .expect("person file")
        .text
}

pub(super) fn no_printer(_: &[String]) -> Result<(), String> {
    Ok(())
}

/// A kiosk: its configuration, its readers (a PSAM, and a card slot), its agency store.
struct Kiosk {
    config: Config,
    calendar: WorkCalendar,
    readers: SimReaders,
    store: Arc<AgencyStore>,
}

impl Kiosk {
    fn new(agency: &Agency, id: &str) -> Kiosk {
        agency.kiosk(id);
        let link = agency.link(id, &agency.base);
        let mut config = Config::default();
        config.kiosk.id = id.to_string();
        config.agency = Some(link.clone());
        let calendar = WorkCalendar::load(&config.calendar, &root()).expect("calendar");
        let readers = SimReaders::new();
        readers.insert(
            PSAM_SLOT,
            Box::new(PsamOs::new(PsamOptions::default()).expect("PSAM")),
        );
        let local = SqliteStore::open_in_memory().expect("kiosk database");
        let store = Arc::new(AgencyStore::new(&link, id, local).expect("agency store"));
        Kiosk {
            config,
            calendar,
            readers,
            store,
        }
    }

    fn engine(&self) -> Engine<'_> {
        Engine {
            config: &self.config,
            calendar: &self.calendar,
            store: &*self.store,
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

    fn insert(&self, card: Box<dyn hw_sim::SimDevice>) {
        self.readers.remove(CARD_SLOT);
        assert!(self.readers.insert(CARD_SLOT, card));
    }

    fn take_card(&self) -> Box<dyn hw_sim::SimDevice> {
        self.readers
            .remove(CARD_SLOT)
            .expect("a card in the reader")
    }

    fn app_state(&self) -> card_io::sscard::AppState {
        let conn = card_ops::connect_card(&self.readers as &dyn ReaderProvider, &Target::default())
            .expect("card");
        let today = card_io::date::Date::new(2026, 12, 1).expect("date");
        card_ops::status(conn, today).expect("status").application
    }
}

pub(super) fn feed(e: &Engine<'_>, s: &mut Session, event: Event) {
    let name = format!("{event:?}");
    if let Err(n) = e.feed(s, event, Utc::now()) {
        panic!("{:?} {}: {name} refused: {n}", s.business, s.case_id);
    }
}

pub(super) fn done(s: &Session) {
    assert!(
        matches!(s.phase, Phase::Done { .. }),
        "{:?} {}: {:?}",
        s.business,
        s.case_id,
        s.phase
    );
}

fn state_at_agency(k: &Kiosk, card_number: &str) -> CardState {
    k.store
        .card(card_number)
        .expect("agency answers")
        .expect("card known")
        .state
}

/// The registry commits waiting in a kiosk's outbox (card-command reports aside).
pub(super) fn waiting_commits(store: &AgencyStore) -> usize {
    (store.local().outbox_pending().expect("outbox"))
        .iter()
        .filter(|e| matches!(e.remote, kiosk_store::sqlite::Outgoing::Commit(_)))
        .count()
}

#[test]
fn two_kiosks_share_the_agencys_registry_and_survive_losing_it() {
    let mut agency = Agency::new();
    agency.fix_port();
    agency.start();
    let demo = root().join("data/demo/registry.jsonl");
    agency.ok(&["import", &demo.display().to_string()]);
    let a = Kiosk::new(&agency, "KA");
    let b = Kiosk::new(&agency, "KB");
    let (ea, eb) = (a.engine(), b.engine());

    // 1. A card imported in 封存 (issued) is enabled at kiosk A, which never saw it: its
    //    own database has no registry rows at all.
    assert_eq!(state_at_agency(&a, UYGHUR_CARD), CardState::Issued);
    let mut s = ea.start(B::Enable, false, Utc::now()).expect("start");
    let ev = ea.id_card_read(&id_text(UYGHUR)).expect("ID card");
    feed(&ea, &mut s, ev);
    a.insert(Box::new(card(UYGHUR)));
    let ev = ea.card_inserted(Utc::now()).expect("card read").event;
    feed(&ea, &mut s, ev);
    feed(&ea, &mut s, Event::Confirm);
    feed(
        &ea,
        &mut s,
        Event::Pins {
            old: None,
            new: Some(pin("358024")),
            repeat: Some(pin("358024")),
        },
    );
    done(&s);
    assert_eq!(state_at_agency(&b, UYGHUR_CARD), CardState::Active);
    assert_eq!(a.store.local().card(UYGHUR_CARD).expect("local"), None);
    assert_eq!(
        b.store
            .case(&s.case_id)
            .expect("case")
            .expect("at the agency")
            .outcome,
        Some(Outcome::Completed)
    );
    let uyghur = a.take_card();

    // 2. A loss reported at kiosk A (without the card) blocks the card inserted at kiosk B.
    let mut s = ea.start(B::ReportLoss, false, Utc::now()).expect("start");
    let ev = ea.id_card_read(&id_text(ZHANG)).expect("ID card");
    feed(&ea, &mut s, ev);
    feed(&ea, &mut s, Event::Confirm);
    done(&s);
    b.insert(Box::new(card(ZHANG)));
    let ins = eb.card_inserted(Utc::now()).expect("insert at B");
    assert_eq!(ins.guarded, Some(CardAction::BlockApp { permanent: false }));
    assert_eq!(b.app_state(), card_io::sscard::AppState::TemporarilyBlocked);
    match &ins.event {
        Event::CardRead { card, .. } => {
            assert_eq!(card.app_state, AppStateCode::TemporarilyBlocked);
            assert_eq!(
                card.record.as_ref().map(|r| r.state),
                Some(CardState::LostTemporary)
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(state_at_agency(&b, ZHANG_CARD), CardState::LostTemporary);

    // 3. Two kiosks on one card: kiosk A is in the middle of a business on 张伟's card (its
    //    case holds the card at the agency) when 解挂 runs at kiosk B. B is refused before the
    //    card is touched, with a message that says why; once A's case ends, B's goes through.
    let mut sa = ea.start(B::Replace, false, Utc::now()).expect("start at A");
    a.store
        .reserve(&Reservation {
            case_id: sa.case_id.clone(),
            cards: vec![(ZHANG_CARD.into(), CardState::LostTemporary)],
            persons: vec![ZHANG_ID.into()],
        })
        .expect("A holds the card");
    let cancel_loss = |expect_busy: bool| {
        let mut s = eb
            .start(B::CancelLoss, false, Utc::now())
            .expect("start at B");
        let ev = eb.id_card_read(&id_text(ZHANG)).expect("ID card");
        feed(&eb, &mut s, ev);
        let ev = eb.card_inserted(Utc::now()).expect("card read").event;
        feed(&eb, &mut s, ev);
        feed(&eb, &mut s, Event::Confirm);
        if expect_busy {
            match &s.phase {
                Phase::Failed { failure } => {
                    assert_eq!(failure, &Failure::CardBusy);
                    assert!(failure
                        .to_string()
                        .contains("另一台终端正在办理这张卡的业务"));
                }
                other => panic!("B was not refused: {other:?}"),
            }
        } else {
            done(&s);
        }
    };
    cancel_loss(true);
    assert_eq!(b.app_state(), card_io::sscard::AppState::TemporarilyBlocked);
    assert_eq!(state_at_agency(&b, ZHANG_CARD), CardState::LostTemporary);
    assert!(b.store.pending_intents().expect("journal").is_empty());
    // A's case ends (its closing commit releases the lease at the agency).
    ea.feed(&mut sa, Event::Cancel, Utc::now())
        .expect("cancel at A");
    cancel_loss(false);
    assert_eq!(b.app_state(), card_io::sscard::AppState::Active);
    assert_eq!(state_at_agency(&a, ZHANG_CARD), CardState::Active);
    b.take_card();

    // 4. A PIN change at kiosk B: the agency goes away between the case's start and the
    //    card command. The card changes; its commit waits in B's outbox.
    let delivery = AgencyStore::spawn_delivery(&b.store).expect("delivery thread");
    b.insert(uyghur);
    let mut s = eb.start(B::PinChange, false, Utc::now()).expect("start");
    let case_id = s.case_id.clone();
    // The ID card first (6.1.3.2 a), issue 17), then the card.
    let ev = eb.id_card_read(&id_text(UYGHUR)).expect("ID card");
    feed(&eb, &mut s, ev);
    let ev = eb.card_inserted(Utc::now()).expect("card read").event;
    feed(&eb, &mut s, ev);
    feed(&eb, &mut s, Event::Confirm);
    agency.stop();
    feed(
        &eb,
        &mut s,
        Event::Pins {
            old: Some(pin("358024")),
            new: Some(pin("580317")),
            repeat: Some(pin("580317")),
        },
    );
    done(&s);
    let conn = card_ops::connect_card(&b.readers as &dyn ReaderProvider, &Target::default())
        .expect("card");
    card_ops::verify(conn, &pin("580317")).expect("the new PIN is on the card");
    assert_eq!(waiting_commits(&b.store), 1);
    assert!(
        b.store.pending_intents().expect("journal").is_empty(),
        "the intent is settled at the kiosk; the registry commit is in the outbox"
    );

    // 5. Meanwhile a business that needs the registry is refused, plainly, in three
    //    languages; nothing is written at the kiosk.
    let audit_before = b.store.local().verify().expect("audit").entries;
    let refused = eb
        .start(B::ReportLoss, false, Utc::now())
        .expect_err("no registry, no loss report");
    let failure = refused.failure().expect("a plain message");
    assert_eq!(failure, Failure::RegistryUnavailable);
    let texts = failure.texts();
    assert!(texts.to_string().contains("暂停办理"), "{texts}");
    for lang in [
        firmware_config::Language::ZhCn,
        firmware_config::Language::Ug,
        firmware_config::Language::En,
    ] {
        assert!(!failure.text(lang).is_empty());
    }
    assert_eq!(
        b.store.local().verify().expect("audit").entries,
        audit_before
    );
    assert_eq!(waiting_commits(&b.store), 1);

    // 6. The agency comes back: the delivery thread sends the outbox by itself, and the
    //    case is committed there exactly once.
    agency.start();
    let until = Instant::now() + Duration::from_secs(40);
    while b.store.outbox_len().expect("outbox") > 0 {
        assert!(Instant::now() < until, "the outbox did not drain");
        std::thread::sleep(Duration::from_millis(100));
    }
    drop(delivery);
    assert_eq!(
        b.store
            .case(&case_id)
            .expect("case")
            .expect("at the agency")
            .outcome,
        Some(Outcome::Completed)
    );
    let keys = agency.psql(&format!(
        "SELECT count(*) FROM idempotency WHERE key LIKE '{case_id}#%' AND answer IS NOT NULL"
    ));
    let closes = agency.psql(&format!(
        "SELECT count(*) FROM audit WHERE action = 'case.close' AND subject = '{case_id}'"
    ));
    assert_eq!(closes.trim(), "1", "the case was closed once at the agency");
    assert!(keys.trim().parse::<u32>().expect("count") >= 2, "{keys}");
    // Every card command each kiosk sent is in the agency's audit log with what it did:
    // A's enable; B's guard (under B's system case), 解挂 and PIN change (the last two
    // reported once the agency was back).
    let commands = |kiosk: &str| {
        agency.psql(&format!(
            "SELECT string_agg(detail::json->>'action' || ':' || (detail::json->>'applied'), ' '
                 ORDER BY seq)
             FROM audit WHERE action = 'card.command' AND actor = 'kiosk:{kiosk}'"
        ))
    };
    assert_eq!(commands("KA").trim(), "activate:true");
    assert_eq!(
        commands("KB").trim(),
        r#"{"block_app":{"permanent":false}}:true unblock_app:true change_pin:true"#
    );
    let guard = agency.psql(
        "SELECT count(*) FROM audit WHERE action = 'card.command' \
         AND detail::json->>'case' = 'KB-system'",
    );
    assert_eq!(
        guard.trim(),
        "1",
        "the guard's report is under B's system case"
    );
    // Delivering again changes nothing (the outbox is empty; the keys are spent).
    assert_eq!(b.store.deliver_pending().expect("deliver"), 0);
    // The agency's audit chain verifies, and both kiosks' local chains.
    agency.ok(&["audit", "verify"]);
    assert!(a.store.verify().expect("audit").ok());
    assert!(b.store.verify().expect("audit").ok());
    // And the registry is usable again for businesses that need it.
    let s = eb
        .start(B::ReportLoss, false, Utc::now())
        .expect("start after recovery");
    assert!(s.case_id.starts_with("KB-"));
}
