//! `kiosk serve`: the kiosk service. One session actor ([`actor`]) owns the citizen's session
//! ([`citizen`]), the business engine's parts ([`kit`]) and the device events, on a thread
//! of its own, and publishes the screen ([`published`]) for everyone to read without waiting
//! for it. The HTTP layer ([`http`]) renders `ui-web` screens ([`screens`]) and a JSON API
//! from that publication and sends citizens' inputs ([`inputs`]) to the actor; the staff
//! pages ([`staff`]) and the read-only endpoints use their own store connections
//! ([`records`]). Device threads ([`devices`]) tell the actor about cards inserted and
//! pulled, ID cards read and QR codes scanned, and report each peripheral's health. `--sim`
//! runs on simulated hardware ([`sim`]: the card on hw-sim's in-process backend, the serial
//! devices on pseudo-terminals, a camera of composed scenes) with the demo registry; without
//! it every device `[devices]` names is opened, the camera included.
//!
//! What the handlers share sits in leaf modules that use nothing above them: [`state`]
//! ([`Shared`]), [`extract`] (form bodies, `?lang=`), [`answer`] (the JSON API's error body,
//! the screens' HTML answers). The JSON API's handlers are [`api`], its router and OpenAPI
//! document [`openapi`]; [`http`] routes everything. No module uses the crate root, and no
//! module cycle exists (the workspace's layering test checks it).

pub mod actor;
pub mod answer;
pub mod api;
pub mod citizen;
pub mod clock;
#[cfg(feature = "sim")]
pub mod demo;
// issues 22 and 19: staff calls and identity approvals through the agency
pub mod desk;
pub mod devices;
pub mod edge;
pub mod extract;
pub mod face;
pub mod http;
pub mod inputs;
pub mod journey;
pub mod kit;
pub mod openapi;
pub mod photo;
pub mod provision;
pub mod published;
pub mod records;
pub mod result_panel;
pub mod screens;
pub mod selftest;
#[cfg(feature = "sim")]
pub mod sim;
pub mod staff;
pub mod staff_call;
pub mod state;
pub mod suggest;
pub mod voice;
// issue 20: systemd's notify protocol and watchdog.
pub mod watchdog;

pub use state::Shared;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use card_io::transport::ReaderProvider;

use self::devices::camera::Camera;
use self::devices::printer::ReceiptPrinter;
use self::devices::slot::CardSlot;
use kiosk_core::calendar::WorkCalendar;
use kiosk_core::card_ops::Target;
use kiosk_store::sqlite::SqliteStore;

/// Failures that stop the service from starting.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    #[error("configuration: {0}")]
    Config(String),
    #[error("calendar: {0}")]
    Calendar(#[from] kiosk_core::calendar::CalendarError),
    #[error("database: {0}")]
    Store(#[from] kiosk_core::store::StoreError),
    #[error("database: {0}")]
    Db(#[from] kiosk_store::DbError),
    #[cfg(feature = "sim")]
    #[error("simulated hardware: {0}")]
    Sim(#[from] sim::SimSetupError),
    #[cfg(feature = "sim")]
    #[error("demo registry: {0}")]
    Demo(#[from] demo::DemoError),
    /// `--sim` on a kiosk built without the simulator (the packaged kiosk).
    #[error(
        "this kiosk was built without the simulated hardware (cargo feature `sim`), so `--sim` \
         is not available; run it from the source tree with `cargo run -p kiosk-host -- serve \
         --sim` (the feature is on by default), or serve on the configured devices without \
         `--sim`"
    )]
    NoSimulator,
    #[error("devices: {0}")]
    Devices(#[from] devices::DeviceError),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: String,
        #[source]
        source: std::io::Error,
    },
    #[error("e-card key: {0}")]
    Ecard(#[from] kiosk_core::ecard::EcardError),
    #[error("photo pipeline: {0}")]
    Photo(#[from] card_io::photo::PhotoError),
    #[error("camera: {0}")]
    Camera(#[from] card_io::camera::CameraError),
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    #[error("agency: {0}")]
    Agency(#[from] kiosk_store::AgencyError),
    #[error("systemd: {0}")]
    Watchdog(#[from] watchdog::WatchdogError),
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
    /// Device polling and reopening.
    pub timing: devices::Timing,
}

/// The devices and keys a kiosk runs with.
struct Devices {
    readers: Arc<dyn ReaderProvider>,
    target: Target,
    camera: Option<Camera>,
    payment: Option<Arc<dyn kiosk_core::payment::Payment>>,
    #[cfg(feature = "sim")]
    sim: Option<sim::SimDevices>,
    issuer: Option<kiosk_core::ecard::EcardIssuer>,
    verifier: Option<kiosk_core::ecard::EcardVerifier>,
}

/// Builds the kiosk: configuration, calendar, store (seeded with the demo registry in
/// `--sim` mode), devices.
pub fn build(
    opts: &ServeOptions,
) -> Result<(Arc<Shared>, SocketAddr, Option<tempdir::Dir>), ServeError> {
    if opts.sim && !cfg!(feature = "sim") {
        // Before anything is opened or made.
        return Err(ServeError::NoSimulator);
    }
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
    if opts.sim && !addr.ip().is_loopback() {
        // The simulator's routes drive the devices (cards in, ID cards read, scans): never
        // for the network.
        return Err(ServeError::Config(format!(
            "--sim listens on loopback only (its /api/sim routes control the simulated \
             devices): {addr} is not a loopback address; use 127.0.0.1"
        )));
    }
    if !addr.ip().is_loopback() {
        log::warn!(
            "listening on {addr}, not on loopback: the citizen API and the staff pages can be reached from the network; put them behind TLS and a firewall, or use the default 127.0.0.1"
        );
    }
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
    // The database key: a real kiosk needs `[storage] key_file`; a simulated one without it
    // keeps a key file beside its database (made on first start, reused on restarts).
    let key = match (&config.storage.key_file, opts.sim) {
        (None, true) => kiosk_store::sqlite::key::beside_or_new(&db),
        _ => kiosk_store::sqlite::key::configured(&config.storage, &db),
    }
    .map_err(kiosk_store::DbError::from)?;
    let store = SqliteStore::open(&db, &key)?;
    let records = records::Records::open(&db, &key, records::CONNECTIONS)?;
    let login_names = staff::NameKey::new(key.derive("kiosk login names"));
    drop(key);
    let Devices {
        readers,
        target,
        camera,
        payment,
        #[cfg(feature = "sim")]
        sim,
        issuer,
        verifier,
    } = if opts.sim {
        simulated(&opts.root, &mut config, &store)?
    } else {
        real(&config)?
    };
    // With an agency, the registry is the agency's (the kiosk's database keeps the journal,
    // the outbox, the audit log, archives and feedback); without, the kiosk's own database.
    let store = match &config.agency {
        None => kit::EngineStore::Standalone(store),
        Some(link) => {
            let agency = Arc::new(kiosk_store::AgencyStore::new(
                link,
                &config.kiosk.id,
                store,
            )?);
            let delivery = kiosk_store::AgencyStore::spawn_delivery(&agency)?;
            log::info!("registry: the agency at {}", link.url);
            kit::EngineStore::Agency {
                store: agency,
                delivery,
            }
        }
    };
    let agency = store.agency().cloned();
    let photo = photo::PhotoWorker::start(card_io::photo::PhotoSettings::default())?;
    let board = Arc::new(devices::Board::default());
    devices::declare(&board, &config.devices);
    if let Some(link) = &config.agency {
        board.declare(devices::Device::Registry, Some(link.url.clone()));
    }
    let printer = devices::printer_target(&config.devices).map(|target| {
        Arc::new(ReceiptPrinter::new(
            target,
            config.devices.printer_baud,
            devices::raster_settings(&config.devices),
            opts.timing,
            board.clone(),
        ))
    });
    #[cfg(not(feature = "sim"))]
    let print = printer
        .clone()
        .map(|p| Box::new(move |lines: &[String]| p.print_lines(lines)) as kit::Printer);
    // issue 22: on simulated hardware, what the kiosk asks to print is kept too, for the
    // simulated printer's journal to check raster receipts against.
    #[cfg(feature = "sim")]
    let print = {
        let requests = sim.as_ref().map(|s| {
            s.use_raster(devices::raster_settings(&config.devices));
            s.print_requests.clone()
        });
        printer.clone().map(|p| {
            Box::new(move |lines: &[String]| {
                if let Some(r) = &requests {
                    let mut r = r.lock().unwrap_or_else(|p| p.into_inner());
                    r.push(lines.to_vec());
                    let excess = r.len().saturating_sub(sim::hardware::KEEP_REQUESTS);
                    r.drain(..excess);
                }
                p.print_lines(lines)
            }) as kit::Printer
        })
    };
    let slot = CardSlot::new(&target, &config.devices);
    // issue 19: the identity step's verifier (loaded once) and the camera of its matches.
    let mut face = face::FaceKit::new(&config);
    face.camera = camera
        .clone()
        .map(|c| Arc::new(face::LiveCamera(c)) as Arc<dyn face::FaceCamera>);
    #[cfg(feature = "sim")]
    if let Some(sim) = &sim {
        face.camera = Some(Arc::new(sim::face::SimFaceCamera {
            scene: sim.face_scene.clone(),
            plugged: sim.camera_plugged.clone(),
            verifier: face.verifier.clone(),
            other_person: face_data(&opts.root).join("photos/obama.jpg"),
        }));
        face.card_photo = Some(sim::face::card_photo());
    }
    let face_preview = face.preview.clone();
    let config = Arc::new(config);
    let calendar = Arc::new(calendar);
    let clock = clock::Clock::system();
    let (actor, screen) = actor::spawn(kit::Kit {
        config: config.clone(),
        calendar: calendar.clone(),
        store,
        readers: readers.clone(),
        target,
        issuer,
        verifier,
        camera: camera.clone(),
        photo,
        printer: printer.clone(),
        print,
        board: board.clone(),
        slot: slot.clone(),
        sim: opts.sim,
        face,
        clock: clock.clone(),
        payment,
    })?;
    let shared = Arc::new(Shared {
        actor,
        screen,
        config,
        calendar,
        records,
        staff: Mutex::new(staff::StaffSessions::default()),
        login_names,
        login_gate: staff::LoginGate::default(),
        devices: board,
        readers,
        slot,
        camera,
        printer,
        agency,
        hosts: edge::Hosts::new(addr),
        clock,
        #[cfg(feature = "sim")]
        sim,
        face_preview,
    });
    Ok((shared, addr, temp))
}

/// The configured hardware: PC/SC readers, the camera of `[devices]`, the e-card keys of
/// `[keys]`.
fn real(config: &firmware_config::Config) -> Result<Devices, ServeError> {
    let issuer = match &config.keys.ecard_signing_key {
        Some(path) => Some(kiosk_core::ecard::EcardIssuer::new(
            kiosk_core::ecard::load_signing_key(Path::new(path))?,
        )),
        None => None,
    };
    Ok(Devices {
        readers: Arc::new(card_io::pcsc_backend::PcscProvider::new()),
        target: Target::default(),
        camera: devices::camera::configured(&config.devices)?,
        // No payment provider is integrated yet: a configured fee is paid at the counter.
        payment: None,
        #[cfg(feature = "sim")]
        sim: None,
        issuer,
        verifier: kiosk_core::ecard::EcardVerifier::from_config(&config.keys).ok(),
    })
}

/// The simulated hardware (hw-sim's devices, their pty paths put in `[devices]`) and the
/// demo registry seeded into `store`.
#[cfg(feature = "sim")]
fn simulated(
    root: &Path,
    config: &mut firmware_config::Config,
    store: &SqliteStore,
) -> Result<Devices, ServeError> {
    let sim = sim::SimDevices::new(root)?;
    // issue 19: the face models where scripts/lib.sh fetch_face_data puts them, unless the
    // configured folder has them.
    let models = face_data(root).join("models");
    let configured = Path::new(&config.face.model_dir).join(face_match::RECOGNITION_MODEL);
    if !configured.exists() && models.join(face_match::RECOGNITION_MODEL).exists() {
        config.face.model_dir = models.to_string_lossy().into_owned();
    }
    sim.configure(&mut config.devices);
    // With an agency the demo registry is the agency's (loaded by `agency import
    // data/demo/registry.jsonl`): the kiosk's database keeps no registry of its own.
    if config.agency.is_none() {
        demo::seed(
            store,
            &demo::DemoPaths::in_workspace(root),
            chrono::Utc::now(),
        )?;
    }
    // A fresh e-card key per simulated run (never valid anywhere else).
    let key = sim.ecard_key.clone();
    let verifier = kiosk_core::ecard::EcardVerifier::new(vec![key.verifying_key()]);
    Ok(Devices {
        readers: sim.readers.clone(),
        target: Target {
            reader: Some(hw_sim::backend::CARD_SLOT.into()),
            psam_reader: Some(hw_sim::backend::PSAM_SLOT.into()),
            card_algorithms: hw_sim::psam::card_algorithms(),
        },
        camera: Some(sim.camera()?),
        payment: Some(sim.payment.clone() as Arc<dyn kiosk_core::payment::Payment>),
        sim: Some(sim),
        issuer: Some(kiosk_core::ecard::EcardIssuer::new(key)),
        verifier: Some(verifier),
    })
}

/// Without the simulator built in, `--sim` says how to get it.
#[cfg(not(feature = "sim"))]
fn simulated(
    _root: &Path,
    _config: &mut firmware_config::Config,
    _store: &SqliteStore,
) -> Result<Devices, ServeError> {
    Err(ServeError::NoSimulator)
}

/// Starts the device threads: the card reader's watcher and one per configured serial
/// device. They stop when the returned [`devices::Threads`] is dropped.
pub fn start_devices(
    shared: &Arc<Shared>,
    timing: devices::Timing,
) -> Result<devices::Threads, ServeError> {
    let inbox = actor::Inbox {
        actor: shared.actor.clone(),
        screen: shared.screen.clone(),
    };
    let link = devices::Link::new(Arc::new(inbox), shared.devices.clone());
    let parts = devices::Parts {
        devices: &shared.config.devices,
        readers: shared.readers.clone(),
        slot: shared.slot.clone(),
        printer: shared.printer.clone(),
        registry: shared
            .agency
            .clone()
            .map(|agency| Arc::new(move || agency.reachable()) as devices::registry::Probe),
    };
    Ok(devices::start(&link, parts, timing)?)
}

/// Runs the service until Ctrl-C; under systemd it says when it is ready and
/// pings the watchdog ([`watchdog`]).
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
        let devices = start_devices(&shared, opts.timing)?;
        // Under a `Type=notify` unit: ready now, and pinged while the kiosk answers.
        let _watchdog = watchdog::start_from_env(
            watchdog::Liveness {
                actor: shared.actor.clone(),
                beats: devices.heartbeats(),
                device_silence: watchdog::DEVICE_SILENCE,
            },
            &format!("serving on http://{local}/"),
        )?;
        println!(
            "kiosk serving on http://{local}/{}",
            if opts.sim {
                " (simulated hardware)"
            } else {
                ""
            }
        );
        // issue 19: identity approvals also through the agency's staff
        if let Some(agency) = shared.agency.clone() {
            tokio::spawn(desk::approvals(Arc::clone(&shared), agency));
        }
        let app = http::router(shared);
        edge::serve(listener, app, async {
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

/// Where `scripts/lib.sh fetch_face_data` puts the face models and test photographs:
/// `FACE_DATA`, else `target/face` in the workspace (issue 19, simulator only).
#[cfg(feature = "sim")]
fn face_data(root: &Path) -> PathBuf {
    std::env::var_os("FACE_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target/face"))
}
