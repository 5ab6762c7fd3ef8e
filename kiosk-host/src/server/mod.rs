//! `kiosk serve`: the kiosk service. One [`core::Core`] (configuration, store, devices, the
//! citizen session) behind a mutex; the HTTP layer ([`http`]) renders `ui-web` screens and a
//! JSON API; a watcher thread turns card insertions and removals into session events; a timer
//! ends idle sessions. `--sim` runs on in-process simulated hardware ([`sim`]) with the demo
//! registry.

pub mod core;
pub mod http;
pub mod openapi;
pub mod screens;
pub mod sim;
pub mod staff;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use card_io::transport::ReaderProvider;
use tokio::sync::broadcast;

use self::core::Core;
use crate::calendar::WorkCalendar;
use crate::card_ops::Target;
use crate::store::sqlite::SqliteStore;

/// Failures that stop the service from starting.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    #[error("configuration: {0}")]
    Config(String),
    #[error("calendar: {0}")]
    Calendar(#[from] crate::calendar::CalendarError),
    #[error("database: {0}")]
    Store(#[from] crate::store::StoreError),
    #[error("demo registry: {0}")]
    Demo(#[from] crate::demo::DemoError),
    #[error("simulated hardware: {0}")]
    Sim(String),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: String,
        #[source]
        source: std::io::Error,
    },
    #[error("e-card key: {0}")]
    Ecard(#[from] crate::ecard::EcardError),
    #[error("photo pipeline: {0}")]
    Photo(#[from] card_io::photo::PhotoError),
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
}

/// What the handlers share.
pub struct Shared {
    pub core: Mutex<Core>,
    /// (event name, JSON data) for the server-sent events.
    pub events: broadcast::Sender<(&'static str, String)>,
    pub sim: Option<sim::SimDevices>,
    pub staff: Mutex<staff::StaffSessions>,
}

impl Shared {
    /// Tells the screens something changed.
    pub fn notify(&self, what: &'static str) {
        let data = match what {
            "device" => {
                let core = self.core.lock().unwrap_or_else(|p| p.into_inner());
                serde_json::json!({ "message": core.device_message, "card_present": core.card_present })
                    .to_string()
            }
            _ => "{}".to_string(),
        };
        // No screen listening is fine.
        let _ = self.events.send((what, data));
    }
}

/// How to run.
#[derive(Debug, Clone, Default)]
pub struct ServeOptions {
    pub config: Option<PathBuf>,
    pub sim: bool,
    /// Overrides `[ui] listen`.
    pub listen: Option<String>,
    /// Overrides `[storage] database` (with `--sim`: default a fresh file in a temp dir).
    pub db: Option<PathBuf>,
    /// The source tree with `hw-sim/` and `data/` (for `--sim`).
    pub root: PathBuf,
}

/// The devices and keys a kiosk runs with.
struct Devices {
    readers: Arc<dyn ReaderProvider>,
    target: Target,
    camera: Option<Box<dyn core::Camera>>,
    sim: Option<sim::SimDevices>,
    issuer: Option<crate::ecard::EcardIssuer>,
    verifier: Option<crate::ecard::EcardVerifier>,
}

/// Builds the kiosk: configuration, calendar, store (seeded with the demo registry in
/// `--sim` mode), devices.
pub fn build(
    opts: &ServeOptions,
) -> Result<(Arc<Shared>, SocketAddr, Option<tempdir::Dir>), ServeError> {
    let mut config = match &opts.config {
        Some(p) => {
            firmware_config::Config::load(p).map_err(|e| ServeError::Config(e.to_string()))?
        }
        None if !opts.sim && Path::new(firmware_config::DEFAULT_PATH).exists() => {
            firmware_config::Config::load(firmware_config::DEFAULT_PATH)
                .map_err(|e| ServeError::Config(e.to_string()))?
        }
        None => firmware_config::Config::default(),
    };
    let listen = opts
        .listen
        .clone()
        .unwrap_or_else(|| config.ui.listen.clone());
    let addr: SocketAddr = listen
        .parse()
        .map_err(|e| ServeError::Config(format!("listen address {listen:?}: {e}")))?;
    let mut temp = None;
    let db = match (&opts.db, opts.sim) {
        (Some(p), _) => p.clone(),
        (None, true) => {
            let dir = tempdir::Dir::new()?;
            let p = dir.path().join("kiosk-sim.db");
            temp = Some(dir);
            p
        }
        (None, false) => PathBuf::from(&config.storage.database),
    };
    if opts.sim && config.calendar.file.is_none() && config.calendar.days.is_empty() {
        let joined = opts.root.join("data/calendar");
        let mut text = String::new();
        for year in ["cn-xj-2025.toml", "cn-xj-2026.toml"] {
            if let Ok(t) = std::fs::read_to_string(joined.join(year)) {
                text.push_str(&t);
                text.push('\n');
            }
        }
        let cal = firmware_config::CalendarFile::parse(&text, "data/calendar")
            .map_err(|e| ServeError::Config(e.to_string()))?;
        config.calendar.days = cal.days;
    }
    let base = opts
        .config
        .as_ref()
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| PathBuf::from("/"));
    let calendar = WorkCalendar::load(&config.calendar, &base)?;
    let store = SqliteStore::open(&db)?;
    let devices = if opts.sim {
        let devices = sim::SimDevices::new(&opts.root).map_err(ServeError::Sim)?;
        crate::demo::seed(
            &store,
            &crate::demo::DemoPaths::in_workspace(&opts.root),
            chrono::Utc::now(),
        )?;
        // A fresh e-card key per simulated run (never valid anywhere else).
        let key = ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng);
        let verifier = crate::ecard::EcardVerifier::new(vec![key.verifying_key()]);
        Devices {
            readers: devices.readers.clone(),
            target: Target {
                reader: Some(hw_sim::backend::CARD_SLOT.into()),
                psam_reader: Some(hw_sim::backend::PSAM_SLOT.into()),
            },
            camera: Some(devices.camera()),
            sim: Some(devices),
            issuer: Some(crate::ecard::EcardIssuer::new(key)),
            verifier: Some(verifier),
        }
    } else {
        let issuer = match &config.keys.ecard_signing_key {
            Some(path) => Some(crate::ecard::EcardIssuer::new(
                crate::ecard::load_signing_key(Path::new(path))?,
            )),
            None => None,
        };
        Devices {
            readers: Arc::new(card_io::pcsc_backend::PcscProvider::new()),
            target: Target::default(),
            camera: None,
            sim: None,
            issuer,
            verifier: crate::ecard::EcardVerifier::from_config(&config.keys).ok(),
        }
    };
    let Devices {
        readers,
        target,
        camera,
        sim,
        issuer,
        verifier,
    } = devices;
    let photo = core::PhotoWorker::start(card_io::photo::PhotoSettings::default())?;
    let lang = config.ui.default_language;
    let elderly = config.ui.elderly_mode;
    let printed = Arc::new(Mutex::new(Vec::new()));
    let printer: Option<core::Printer> = if opts.sim {
        let sink = printed.clone();
        Some(Box::new(move |lines: &[String]| {
            let mut all = sink.lock().unwrap_or_else(|p| p.into_inner());
            all.push(lines.to_vec());
            // Keep the last few receipts only.
            let excess = all.len().saturating_sub(20);
            all.drain(..excess);
            Ok(())
        }))
    } else {
        None
    };
    let core = Core {
        config,
        calendar,
        store,
        readers,
        target,
        issuer,
        verifier,
        camera,
        photo: Some(photo),
        printed,
        printer,
        live: None,
        lang,
        elderly,
        device_message: String::new(),
        card_present: false,
        sim: opts.sim,
    };
    let (events, _) = broadcast::channel(64);
    let shared = Arc::new(Shared {
        core: Mutex::new(core),
        events,
        sim,
        staff: Mutex::new(staff::StaffSessions::default()),
    });
    Ok((shared, addr, temp))
}

/// Watches the card reader: insertion and removal become session events. A card pulled and
/// put back between two looks is seen by the reader's event counter, as a removal followed by
/// an insertion.
pub fn spawn_watcher(shared: Arc<Shared>) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let (readers, target) = {
            let core = shared.core.lock().unwrap_or_else(|p| p.into_inner());
            (core.readers.clone(), core.target.clone())
        };
        let mut last = CardSlot::default();
        loop {
            // Listing and waiting happen without the kiosk's lock: the readers are shared.
            let list = readers.list_readers();
            let now = list
                .as_deref()
                .map(|l| card_slot_in(l, &target))
                .unwrap_or_default();
            if now != last {
                let changes = slot_changes(last, now);
                last = now;
                let in_session = {
                    let mut core = shared.core.lock().unwrap_or_else(|p| p.into_inner());
                    let before = core.live.is_some();
                    for inserted in changes {
                        if inserted {
                            core.card_inserted();
                        } else {
                            core.card_removed();
                        }
                    }
                    before || core.live.is_some()
                };
                shared.notify("device");
                // Screens reload on `session`: only when there is a session to show.
                if in_session {
                    shared.notify("session");
                }
            }
            if Arc::strong_count(&shared) == 1 {
                return;
            }
            // Woken by the reader's own change notification; the timeout bounds how long the
            // thread takes to notice the service is shutting down.
            let waited = match &list {
                Ok(l) => readers.wait_for_change(l, WATCH_TIMEOUT),
                Err(_) => Err(card_io::transport::TransportError::NoReader),
            };
            if let Err(e) = waited {
                log::debug!("card watcher: {e}");
                std::thread::sleep(RETRY_PAUSE);
            }
        }
    })
}

/// Longest wait for a reader change before the watcher looks again.
const WATCH_TIMEOUT: Duration = Duration::from_millis(500);
/// Pause after the reader service failed, before trying again.
const RETRY_PAUSE: Duration = Duration::from_millis(250);

/// What the watcher last saw in the card reader.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct CardSlot {
    pub present: bool,
    /// The reader's event counter (`None`: no reader).
    events: Option<u32>,
}

/// The card events between two looks, in order (`true`: inserted, `false`: removed).
fn slot_changes(last: CardSlot, now: CardSlot) -> Vec<bool> {
    let swapped = last.events.is_some() && now.events.is_some() && last.events != now.events;
    match (last.present, now.present) {
        (false, true) => vec![true],
        (true, false) => vec![false],
        (true, true) if swapped => vec![false, true],
        _ => Vec::new(),
    }
}

/// What is in the card reader now (no reader service: nothing).
pub(crate) fn card_slot(readers: &dyn ReaderProvider, target: &Target) -> CardSlot {
    readers
        .list_readers()
        .map(|l| card_slot_in(&l, target))
        .unwrap_or_default()
}

fn card_slot_in(list: &[card_io::transport::ReaderInfo], target: &Target) -> CardSlot {
    list.iter()
        .find(|r| match (&target.reader, &target.psam_reader) {
            (Some(name), _) => &r.name == name,
            (None, Some(psam)) => &r.name != psam && r.atr.is_some(),
            (None, None) => r.atr.is_some(),
        })
        .map(|r| CardSlot {
            present: r.atr.is_some(),
            events: Some(r.events),
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod watcher_tests {
    use super::*;

    fn slot(present: bool, events: u32) -> CardSlot {
        CardSlot {
            present,
            events: Some(events),
        }
    }

    #[test]
    fn a_card_put_back_between_two_looks_is_a_removal_and_an_insertion() {
        assert_eq!(
            slot_changes(slot(true, 4), slot(true, 6)),
            vec![false, true]
        );
        assert_eq!(
            slot_changes(slot(true, 4), slot(true, 4)),
            Vec::<bool>::new()
        );
        assert_eq!(slot_changes(slot(false, 4), slot(true, 5)), vec![true]);
        assert_eq!(slot_changes(slot(true, 5), slot(false, 6)), vec![false]);
        assert_eq!(
            slot_changes(slot(false, 5), slot(false, 7)),
            Vec::<bool>::new()
        );
        // The reader came back: no counter to compare.
        assert_eq!(slot_changes(CardSlot::default(), slot(true, 1)), vec![true]);
    }
}

/// Runs the service until Ctrl-C.
pub fn serve(opts: ServeOptions) -> Result<(), ServeError> {
    let (shared, addr, _temp) = build(&opts)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| ServeError::Listen {
                addr: addr.to_string(),
                source,
            })?;
        let local = listener.local_addr()?;
        let _watcher = spawn_watcher(shared.clone());
        let timer = shared.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            loop {
                tick.tick().await;
                let s = timer.clone();
                let expired = tokio::task::spawn_blocking(move || {
                    s.core.lock().unwrap_or_else(|p| p.into_inner()).expire()
                })
                .await
                .unwrap_or(false);
                if expired {
                    timer.notify("session");
                }
            }
        });
        // Lift expired temporary losses and settle intents left by a previous run.
        {
            let s = shared.clone();
            let _ = tokio::task::spawn_blocking(move || {
                let core = s.core.lock().unwrap_or_else(|p| p.into_inner());
                if let Err(e) = core.engine().startup(chrono::Utc::now()) {
                    log::warn!("startup reconciliation: {e}");
                }
            })
            .await;
        }
        println!(
            "kiosk serving on http://{local}/{}",
            if opts.sim {
                " (simulated hardware)"
            } else {
                ""
            }
        );
        let app = http::router(shared);
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await?;
        Ok(())
    })
}

/// A temporary directory removed on drop (the `--sim` database).
pub mod tempdir {
    use std::path::{Path, PathBuf};

    pub struct Dir(PathBuf);

    impl Dir {
        pub fn new() -> std::io::Result<Dir> {
            let p = std::env::temp_dir().join(format!(
                "kiosk-sim-{}-{}",
                std::process::id(),
                rand::random::<u32>()
            ));
            std::fs::create_dir_all(&p)?;
            Ok(Dir(p))
        }

        pub fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}
