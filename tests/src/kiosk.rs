//! A kiosk for business tests: a fresh database seeded with the demo registry, the shipped
//! calendar, a test e-card key pair, and a printer that records what it printed; the readers
//! come from a [`Rig`](crate::rig::Rig).

use std::path::PathBuf;
use std::sync::Mutex;

use chrono::{TimeZone, Utc};
use firmware_config::Config;
use kiosk_core::calendar::WorkCalendar;
use kiosk_core::card_ops::Target;
use kiosk_core::domain::{BusinessCode, Timestamp};
use kiosk_core::ecard::{EcardIssuer, EcardVerifier};
use kiosk_core::engine::driver::Engine;
use kiosk_core::engine::session::{Event, Phase, Session};
use kiosk_service::demo::{self, DemoPaths};
use kiosk_store::sqlite::{key, DbKey, SqliteStore};

/// The workspace root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The fixed "now" of business tests: 2026-11-28 10:00 in the kiosk's time zone (a
/// Saturday; the calendar decides what that means for deadlines).
pub fn now() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 11, 28, 2, 0, 0)
        .single()
        .expect("valid instant")
}

/// An ID card text of `hw-sim/people/<name>`.
pub fn id_text(name: &str) -> card_io::idcard::text::IdText {
    hw_sim::idcard::person::Person::load(root().join("hw-sim/people").join(name))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .text
}

/// The test archive signing key (test only, never valid on a kiosk).
pub fn archive_test_key() -> ed25519_dalek::SigningKey {
    ed25519_dalek::SigningKey::from_bytes(&[11u8; 32])
}

/// The test e-card platform key (test only, never valid on a kiosk).
pub fn ecard_test_key() -> ed25519_dalek::SigningKey {
    ed25519_dalek::SigningKey::from_bytes(&[7u8; 32])
}

pub struct TestKiosk {
    pub config: Config,
    pub calendar: WorkCalendar,
    pub store: SqliteStore,
    pub issuer: EcardIssuer,
    pub verifier: EcardVerifier,
    pub printed: Mutex<Vec<Vec<String>>>,
    pub dir: tempfile::TempDir,
}

impl TestKiosk {
    /// A kiosk with the demo registry.
    pub fn new() -> TestKiosk {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = Config::default();
        config.storage.database = dir.path().join("kiosk.db").display().to_string();
        config.storage.archive_dir = dir.path().join("archive").display().to_string();
        config.calendar.file = Some(
            root()
                .join("data/calendar/cn-xj-2026.toml")
                .display()
                .to_string(),
        );
        let calendar = WorkCalendar::load(&config.calendar, &root()).expect("calendar loads");
        // The database key beside the database (as a simulated kiosk keeps it).
        let db = dir.path().join("kiosk.db");
        let key_file = key::beside(&db);
        DbKey::generate()
            .write_new(&key_file)
            .expect("database key");
        config.storage.key_file = Some(key_file.display().to_string());
        let db_key = DbKey::load(&key_file).expect("database key");
        let store = SqliteStore::open(&db, &db_key).expect("database");
        demo::seed(&store, &DemoPaths::in_workspace(&root()), now()).expect("demo seed");
        let key = ecard_test_key();
        TestKiosk {
            issuer: EcardIssuer::new(key.clone()),
            verifier: EcardVerifier::new(vec![key.verifying_key()]),
            config,
            calendar,
            store,
            printed: Mutex::new(Vec::new()),
            dir,
        }
    }

    pub fn engine<'a>(
        &'a self,
        readers: &'a dyn card_io::transport::ReaderProvider,
        printer: &'a dyn Fn(&[String]) -> Result<(), String>,
    ) -> Engine<'a> {
        Engine {
            config: &self.config,
            calendar: &self.calendar,
            store: &self.store,
            readers,
            target: Target {
                card_algorithms: hw_sim::psam::card_algorithms(),
                ..Target::default()
            },
            ecard_issuer: Some(&self.issuer),
            ecard_verifier: Some(&self.verifier),
            printer: Some(printer),
        }
    }
}

impl Default for TestKiosk {
    fn default() -> Self {
        TestKiosk::new()
    }
}

/// Feeds an event and panics with the notice if it was not accepted.
pub fn feed(engine: &Engine<'_>, s: &mut Session, event: Event) {
    let name = format!("{event:?}");
    if let Err(n) = engine.feed(s, event, now()) {
        panic!("{:?} {}: {name} refused: {n}", s.business, s.case_id);
    }
    pass_identity(engine, s);
}

/// issue 19: the engine has no camera; where a business needs the identity step, these walks
/// stand in for the service's face worker with a matching face (the step itself is tested in
/// kiosk-core's reducer tests and tests/it/face_flow.rs).
pub fn pass_identity(engine: &Engine<'_>, s: &mut Session) {
    pass_identity_at(engine, s, now());
}

/// [`pass_identity`] at the instant `at` (a test that runs its session on its own clock).
pub fn pass_identity_at(engine: &Engine<'_>, s: &mut Session, at: Timestamp) {
    use kiosk_core::engine::identity::{FaceEvent, FaceRecord, FaceResult};
    use kiosk_core::engine::session::Phase;
    if !matches!(s.phase, Phase::Identity { .. }) {
        return;
    }
    let matched = FaceResult::Compared(FaceRecord {
        score: 0.3,
        threshold: 0.6,
        same_person: true,
        model_version: "engine-walk".into(),
        at,
    });
    for e in [FaceEvent::Consent(true), FaceEvent::Result(matched)] {
        if let Err(n) = engine.feed(s, Event::Face(e), at) {
            panic!("{:?} {}: identity step refused: {n}", s.business, s.case_id);
        }
    }
}

/// Starts a business, panicking on a refusal.
pub fn start(engine: &Engine<'_>, business: BusinessCode, agent: bool) -> Session {
    engine
        .start(business, agent, now())
        .unwrap_or_else(|e| panic!("{business:?}: {e}"))
}

/// The receipt of a finished session.
pub fn receipt(s: &Session) -> Vec<String> {
    match &s.phase {
        Phase::Done { receipt, .. } => receipt.clone(),
        other => panic!("{:?}: not done: {other:?}", s.business),
    }
}

/// A compliant card photo: the simulated camera's good scene through the photo pipeline
/// (made once per test process).
pub fn compliant_photo() -> kiosk_core::engine::facts::PhotoFacts {
    use card_io::camera::{FrameSource, Resolution};
    static PHOTO: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    let jpeg = PHOTO
        .get_or_init(|| {
            let frame = hw_sim::camera::SimCamera::new(hw_sim::camera::Scene::Good, Resolution::HD)
                .expect("camera")
                .frame()
                .expect("frame");
            card_io::photo::Pipeline::new(card_io::photo::PhotoSettings::default())
                .expect("pipeline")
                .make(&frame)
                .expect("a compliant photo")
                .jpeg
        })
        .clone();
    kiosk_core::engine::facts::PhotoFacts {
        sha256: kiosk_core::digest::sha256_hex(&jpeg),
        jpeg,
    }
}

/// A plaintext copy of an encrypted database (the control: the same search finds the data
/// there).
pub fn plaintext_copy(db: &std::path::Path, key: &DbKey, out: &std::path::Path) {
    let conn = rusqlite::Connection::open(db).expect("open");
    key.apply(&conn).expect("key");
    conn.execute(
        "ATTACH DATABASE ?1 AS plain KEY ''",
        [out.to_str().expect("utf-8 path")],
    )
    .expect("attach");
    conn.query_row("SELECT sqlcipher_export('plain')", [], |_| Ok(()))
        .expect("export");
    // sqlcipher_export copies schema and rows, not the schema version.
    let version: i64 = conn
        .query_row("PRAGMA main.user_version", [], |r| r.get(0))
        .expect("version");
    conn.execute_batch(&format!("PRAGMA plain.user_version = {version}"))
        .expect("version copied");
    conn.execute_batch("DETACH DATABASE plain").expect("detach");
}
