//! The session actor: one thread owns the citizen's session ([`Citizen`]), the business
//! engine's parts ([`Kit`]: its store connection, the card readers, the camera, the printer)
//! and the device events, and does one thing at a time. Handlers and device threads talk to
//! it over a channel ([`Handle`]): a citizen's input or a business to start comes with a
//! reply channel, a device event (a card inserted, an ID card read, a scan, a device's health
//! changed) may or may not wait for its turn, and the actor's own timer ends idle sessions
//! and lifts the temporary losses whose window has ended (`clock::LossTimer`).
//!
//! After each command the actor renders the screen and publishes it ([`Published`]) on a
//! `watch` channel, before it answers: the screen routes, `GET /api/session`, the server-sent
//! events and the device threads read the latest publication without waiting for the actor,
//! so a long card command or commit delays nobody but the citizen who asked for it. The
//! engine is synchronous and card I/O blocks, hence a thread rather than a task.

use std::panic::AssertUnwindSafe;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use firmware_config::Language;
use tokio::sync::{oneshot, watch};

use crate::citizen::Citizen;
use crate::clock::{LossTimer, LOSS_CHECK_EVERY};
use crate::devices::{Device, DeviceEvent, IdCardData, Session, State};
use crate::inputs::Input;
use crate::kit::Kit;
use crate::published::{Published, Screen};
use crate::screens::{self, Chrome, View};
use kiosk_core::domain::{Actor as AuditActor, BusinessCode};
use kiosk_core::engine::driver::DriverError;
use kiosk_core::rules::Material;

/// How often the actor looks for an idle session to end.
const TICK: Duration = Duration::from_secs(1);
/// How often it looks at a running face match (issue 19).
const FACE_TICK: Duration = Duration::from_millis(100);

/// An answer from the actor: the result, and the screen it published before answering.
#[derive(Debug)]
pub struct Answer<T> {
    pub result: T,
    pub shown: Arc<Published>,
}

type Reply<T> = oneshot::Sender<Answer<T>>;

/// No session is open for an input that needs one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoSession;

/// What the actor is asked to do.
enum Command {
    Start {
        business: BusinessCode,
        agent: bool,
        reply: Reply<Result<(), DriverError>>,
    },
    Input {
        /// Boxed: the command stays small; the PIN buffers stay where they are.
        input: Box<Input>,
        /// Refuse it when no session is open.
        needs_session: bool,
        reply: Reply<Result<(), NoSession>>,
    },
    Prefs {
        lang: Option<Language>,
        elderly: Option<bool>,
        reply: Reply<()>,
    },
    StaffCalled {
        reply: Reply<()>,
    },
    Device {
        event: DeviceEvent,
        done: Option<Reply<()>>,
    },
    // issue 20: the watchdog's liveness probe, and the simulator's hang to test it.
    /// Answered at once: the actor takes commands (the watchdog asks).
    Ping(mpsc::Sender<()>),
    /// The simulator's hook (`POST /api/sim/hang`): the actor sleeps this long, as a hung
    /// one would, so the watchdog's pings stop.
    #[cfg(feature = "sim")]
    Stall(Duration),
    /// issue 19: a staff member's decision on the identity of the session waiting for one.
    StaffIdentity {
        case_id: String,
        user: String,
        approved: bool,
        reply: Reply<Result<(), String>>,
    },
}

/// The actor is not running (it stopped, or a command made it fail).
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("the session actor is not running")]
pub struct Gone;

/// The sending side; clones talk to the same actor. The actor stops once every handle is
/// dropped.
#[derive(Clone)]
pub struct Handle {
    tx: mpsc::Sender<Command>,
}

impl std::fmt::Debug for Handle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handle").finish_non_exhaustive()
    }
}

impl Handle {
    async fn ask<T>(&self, command: impl FnOnce(Reply<T>) -> Command) -> Result<Answer<T>, Gone> {
        let (reply, answer) = oneshot::channel();
        self.tx.send(command(reply)).map_err(|_| Gone)?;
        answer.await.map_err(|_| Gone)
    }

    /// Starts a business (any open session is cancelled first).
    pub async fn start(
        &self,
        business: BusinessCode,
        agent: bool,
    ) -> Result<Answer<Result<(), DriverError>>, Gone> {
        self.ask(|reply| Command::Start {
            business,
            agent,
            reply,
        })
        .await
    }

    /// A citizen's input; with `needs_session`, refused when no session is open.
    pub async fn input(
        &self,
        input: Input,
        needs_session: bool,
    ) -> Result<Answer<Result<(), NoSession>>, Gone> {
        self.ask(|reply| Command::Input {
            input: Box::new(input),
            needs_session,
            reply,
        })
        .await
    }

    /// The screen language (one of the configured ones) and elderly mode.
    pub async fn prefs(
        &self,
        lang: Option<Language>,
        elderly: Option<bool>,
    ) -> Result<Answer<()>, Gone> {
        self.ask(|reply| Command::Prefs {
            lang,
            elderly,
            reply,
        })
        .await
    }

    /// The citizen called staff: audited, and said on the status line.
    pub async fn staff_called(&self) -> Result<Answer<()>, Gone> {
        self.ask(|reply| Command::StaffCalled { reply }).await
    }

    /// A staff member's decision (authenticated at the staff pages) on the identity of the
    /// session waiting for one (issue 19).
    pub async fn staff_identity(
        &self,
        case_id: String,
        user: String,
        approved: bool,
    ) -> Result<Answer<Result<(), String>>, Gone> {
        self.ask(|reply| Command::StaffIdentity {
            case_id,
            user,
            approved,
            reply,
        })
        .await
    }

    /// [`Handle::start`] for a thread outside the async runtime (tests, tools): blocks it.
    pub fn start_wait(
        &self,
        business: BusinessCode,
        agent: bool,
    ) -> Result<Answer<Result<(), DriverError>>, Gone> {
        self.ask_blocking(|reply| Command::Start {
            business,
            agent,
            reply,
        })
    }

    /// [`Handle::input`] for a thread outside the async runtime (tests, tools): blocks it.
    pub fn input_wait(
        &self,
        input: Input,
        needs_session: bool,
    ) -> Result<Answer<Result<(), NoSession>>, Gone> {
        self.ask_blocking(|reply| Command::Input {
            input: Box::new(input),
            needs_session,
            reply,
        })
    }

    fn ask_blocking<T>(
        &self,
        command: impl FnOnce(Reply<T>) -> Command,
    ) -> Result<Answer<T>, Gone> {
        let (reply, answer) = oneshot::channel();
        self.tx.send(command(reply)).map_err(|_| Gone)?;
        answer.blocking_recv().map_err(|_| Gone)
    }

    /// Whether the actor answers a ping within `timeout` (the watchdog's liveness probe;
    /// blocks the calling thread, never call it from an async task).
    pub fn answers_within(&self, timeout: Duration) -> bool {
        let (tx, rx) = mpsc::channel();
        self.tx.send(Command::Ping(tx)).is_ok() && rx.recv_timeout(timeout).is_ok()
    }

    /// Makes the actor sleep `how_long` on its thread, as a hung actor would (the simulator's
    /// hook for the watchdog test); returns at once.
    #[cfg(feature = "sim")]
    pub fn stall(&self, how_long: Duration) -> Result<(), Gone> {
        self.tx.send(Command::Stall(how_long)).map_err(|_| Gone)
    }

    /// A device event, handled in its turn; the caller goes on at once.
    pub fn device(&self, event: DeviceEvent) -> Result<(), Gone> {
        self.tx
            .send(Command::Device { event, done: None })
            .map_err(|_| Gone)
    }

    /// A device event; returns once the actor has handled it and published the screen. For
    /// device threads and tests, never from an async task (it blocks the thread).
    pub fn device_wait(&self, event: DeviceEvent) -> Result<Arc<Published>, Gone> {
        self.ask_blocking(|reply| Command::Device {
            event,
            done: Some(reply),
        })
        .map(|a| a.shown)
    }
}

/// The session as the device threads see it: events to the actor, what the screen waits
/// for from the latest publication.
#[derive(Debug, Clone)]
pub struct Inbox {
    pub actor: Handle,
    pub screen: Screen,
}

impl Session for Inbox {
    fn tell(&self, event: DeviceEvent) {
        // An actor that is gone has no screen to update.
        let _ = self.actor.device(event);
    }

    fn tell_and_wait(&self, event: DeviceEvent) -> bool {
        self.actor.device_wait(event).is_ok()
    }

    fn waiting_for(&self, materials: &[Material]) -> Option<String> {
        self.screen.now().waiting_for(materials).map(str::to_string)
    }
}

/// Starts the actor on `kit`: settles what a previous run left (expired temporary losses,
/// journal intents) on this thread first, then hands the kit to the actor's thread.
pub fn spawn(kit: Kit) -> std::io::Result<(Handle, Screen)> {
    if let Err(e) = kit.engine().startup(kit.clock.now()) {
        log::warn!("startup reconciliation: {e}");
    }
    let citizen = Citizen::new(&kit.config);
    let first = render(&kit, &citizen);
    let (shown, rx) = watch::channel(Arc::new(first));
    let (tx, commands) = mpsc::channel();
    let actor = Actor {
        kit,
        citizen,
        shown,
    };
    std::thread::Builder::new()
        .name("session-actor".into())
        .spawn(move || actor.run(&commands))?;
    Ok((Handle { tx }, Screen::new(rx)))
}

struct Actor {
    kit: Kit,
    citizen: Citizen,
    shown: watch::Sender<Arc<Published>>,
}

impl Actor {
    fn run(mut self, commands: &mpsc::Receiver<Command>) {
        let mut next_tick = Instant::now() + TICK;
        let mut losses = LossTimer::new(&self.kit.clock, Instant::now() + LOSS_CHECK_EVERY);
        loop {
            let mut wait = next_tick.saturating_duration_since(Instant::now());
            let face = self.citizen.face_running();
            if face {
                wait = wait.min(FACE_TICK);
            }
            match commands.recv_timeout(wait) {
                Ok(command) => self.handle(command),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return,
            }
            if face {
                self.guarded("a face match", |a| a.citizen.face_poll(&a.kit));
                self.publish();
            }
            if Instant::now() >= next_tick {
                next_tick = Instant::now() + TICK;
                self.guarded("the idle timer", |a| {
                    a.citizen.expire(&a.kit);
                });
                self.guarded("the payment", |a| a.citizen.poll_payment(&a.kit));
                if losses.due(&self.kit.clock, Instant::now()) {
                    self.guarded("the loss timer", |a| {
                        // 临时挂失 lifts by itself at the end of its window, while the kiosk runs.
                        match a.kit.engine().lift_expired_losses(a.kit.clock.now()) {
                            Ok(0) => {}
                            Ok(n) => log::info!("{n} temporary loss report(s) lifted"),
                            Err(e) => log::warn!("lifting expired losses: {e}"),
                        }
                    });
                }
                self.publish();
            }
        }
    }

    /// Runs `f`; a panic in it is logged and the actor goes on (the command's reply is
    /// dropped, so its handler answers that the kiosk cannot serve now).
    fn guarded<T>(&mut self, what: &str, f: impl FnOnce(&mut Actor) -> T) -> Option<T> {
        match std::panic::catch_unwind(AssertUnwindSafe(|| f(self))) {
            Ok(v) => Some(v),
            Err(_) => {
                log::error!("the session actor failed on {what}; it goes on");
                None
            }
        }
    }

    fn handle(&mut self, command: Command) {
        match command {
            Command::Ping(reply) => {
                // The prober may have given up waiting.
                let _ = reply.send(());
            }
            #[cfg(feature = "sim")]
            Command::Stall(how_long) => {
                log::warn!("the session actor stalls {how_long:?} (simulator)");
                std::thread::sleep(how_long);
            }
            Command::Start {
                business,
                agent,
                reply,
            } => {
                let result = self.guarded("a business start", |a| {
                    a.citizen.start(&a.kit, business, agent)
                });
                self.answer(reply, result);
            }
            Command::Input {
                input,
                needs_session,
                reply,
            } => {
                let result = self.guarded("a citizen input", |a| {
                    if needs_session && a.citizen.live().is_none() && input.action != "cancel" {
                        return Err(NoSession);
                    }
                    a.citizen.input(&a.kit, &input);
                    Ok(())
                });
                drop(input);
                self.answer(reply, result);
            }
            Command::Prefs {
                lang,
                elderly,
                reply,
            } => {
                let result = self.guarded("preferences", |a| {
                    a.citizen.set_prefs(&a.kit, lang, elderly)
                });
                self.answer(reply, result);
            }
            Command::StaffCalled { reply } => {
                let result = self.guarded("a staff call", |a| {
                    a.citizen.staff_called();
                    if let Err(e) = a.kit.store.get().append(
                        &AuditActor::System,
                        "staff.called",
                        &a.kit.config.kiosk.id,
                        serde_json::json!({}),
                    ) {
                        log::error!("staff call not audited: {e}");
                    }
                    // issue 22: also to the agency's staff, best-effort
                    if let Some(agency) = a.kit.store.agency() {
                        crate::staff_call::post_call(Arc::clone(agency), None);
                    }
                });
                self.answer(reply, result);
            }
            Command::StaffIdentity {
                case_id,
                user,
                approved,
                reply,
            } => {
                let result = self.guarded("a staff identity decision", |a| {
                    a.citizen.staff_identity(&a.kit, &case_id, &user, approved)
                });
                self.answer(reply, result);
            }
            Command::Device { event, done } => {
                let result = self.guarded("a device event", |a| a.device(event));
                match done {
                    Some(reply) => self.answer(reply, result),
                    None => {
                        self.publish();
                    }
                }
            }
        }
    }

    fn device(&mut self, event: DeviceEvent) {
        let (kit, citizen) = (&self.kit, &mut self.citizen);
        match event {
            DeviceEvent::CardInserted => citizen.card_inserted(kit),
            DeviceEvent::CardRemoved => citizen.card_removed(),
            // Counted before the screen is published, so that one publication shows both
            // the session moved on and the input taken (what the simulator's controls wait
            // for).
            DeviceEvent::IdCard(read) => {
                let IdCardData { text, photo } = *read;
                citizen.id_card(kit, &text, photo);
                kit.board.count_event(Device::IdModule);
            }
            DeviceEvent::IdCardPresent => citizen.id_card_present(),
            DeviceEvent::IdCardGone => citizen.id_card_gone(),
            DeviceEvent::Qr(code) => {
                citizen.qr_scanned(kit, &code);
                kit.board.count_event(Device::QrScanner);
            }
            DeviceEvent::InputProblem(message) => citizen.input_problem(&message),
            DeviceEvent::Health => citizen.refresh_device_message(kit),
        }
    }

    /// Publishes, then answers with what was published (nothing when the command failed).
    fn answer<T>(&mut self, reply: Reply<T>, result: Option<T>) {
        let shown = self.publish();
        if let Some(result) = result {
            // The asker may have gone (a closed connection): nothing to do.
            let _ = reply.send(Answer { result, shown });
        }
    }

    /// Renders the screen and publishes it when anything a reader sees changed; the
    /// publication in force.
    fn publish(&mut self) -> Arc<Published> {
        let current = self.shown.borrow().clone();
        let rendered =
            std::panic::catch_unwind(AssertUnwindSafe(|| render(&self.kit, &self.citizen)));
        let Ok(now) = rendered else {
            log::error!("the screen could not be rendered; the last one stays");
            return current;
        };
        if now.same_as(&current) {
            return current;
        }
        let next = Arc::new(current.followed_by(now));
        self.shown.send_replace(next.clone());
        next
    }
}

/// The screen as the kit and the citizen have it now.
fn render(kit: &Kit, citizen: &Citizen) -> Published {
    let chrome = Chrome {
        lang: citizen.lang(),
        elderly: citizen.elderly(),
        idle_timeout_s: citizen.page_countdown_s(kit),
        in_session: citizen.live().is_some(),
        sim: kit.sim,
        staff_called: citizen.staff_was_called(),
    };
    let session = citizen.live().and_then(|live| {
        screens::session(&View {
            chrome: &chrome,
            config: &kit.config,
            live,
            device_message: citizen.device_message(),
            board: &kit.board,
            has_printer: kit.printer.is_some(),
        })
    });
    // Issue 22: a session over with cards still in hands them back before home.
    let session = session.or_else(|| {
        citizen.handback().map(|h| {
            let (card, id_card) = citizen.left_in();
            let theirs = Chrome {
                lang: h.lang,
                elderly: h.elderly,
                ..chrome.clone()
            };
            crate::journey::take_cards(&theirs, h, card, id_card)
        })
    });
    let session_page = session.is_some();
    let registry_down = kit.board.state(Device::Registry) == Some(State::Down);
    let page = session
        .unwrap_or_else(|| screens::home(&chrome, &kit.config, citizen.presented(), registry_down));
    Published {
        chrome,
        page,
        session_page,
        card_present: citizen.card_present(),
        device_message: citizen.device_message().to_string(),
        devices: kit.board.all(),
        waiting: citizen.waiting(),
        identity_waiting: citizen.awaiting_staff(),
        photo_check: citizen.live().and_then(|l| l.photo_pending.clone()),
        session_seq: 0,
        device_seq: 0,
    }
}
