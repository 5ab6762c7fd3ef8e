//! The service under systemd (`Type=notify`, `WatchdogSec=`): `READY=1` once the kiosk
//! listens and its device threads run, then `WATCHDOG=1` every half watchdog interval — but
//! only while the kiosk answers: the session actor takes a ping within the interval
//! ([`crate::actor::Handle::answers_within`]) and every device thread that loops in
//! `devices` beat lately ([`Heartbeats`]). A hung actor or a stuck device thread stops
//! the pings, and systemd kills and restarts the service (`packaging/kiosk.service`); the
//! restarted kiosk settles what the killed one left as after any crash (the engine's
//! startup reconciliation of its intent journal).
//!
//! - [`notify`]: the protocol itself (no libsystemd).
//!
//! Without `$NOTIFY_SOCKET` (a kiosk started by hand, the tests) nothing of this runs.

pub mod notify;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::actor;
use crate::devices::Heartbeats;

pub use notify::{Notifier, NotifyAddr, NotifyError};

/// How long a device thread may go without a beat before the kiosk counts as hung (longer
/// than any single device operation: the slowest, a printer's write timeout, is seconds).
pub const DEVICE_SILENCE: Duration = Duration::from_secs(20);

/// What the watchdog asks before each ping.
#[derive(Debug, Clone)]
pub struct Liveness {
    pub actor: actor::Handle,
    pub beats: Arc<Heartbeats>,
    /// A device thread silent longer than this is stuck.
    pub device_silence: Duration,
}

impl Liveness {
    /// Whether the actor answers within `actor_wait` and every device thread beat lately;
    /// otherwise what does not answer, in words.
    pub fn check(&self, actor_wait: Duration) -> Result<(), String> {
        let mut wrong = Vec::new();
        if !self.actor.answers_within(actor_wait) {
            wrong.push(format!(
                "the session actor did not answer within {actor_wait:?}"
            ));
        }
        for (name, age) in self.beats.silent(self.device_silence) {
            wrong.push(format!(
                "the device thread {name:?} has not run for {}s",
                age.as_secs()
            ));
        }
        if wrong.is_empty() {
            Ok(())
        } else {
            Err(wrong.join("; "))
        }
    }
}

/// The running watchdog; dropping it stops the pings and tells systemd the service stops.
#[derive(Debug)]
pub struct Watchdog {
    notifier: Arc<Notifier>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        if let Err(e) = self.notifier.notify("STOPPING=1") {
            log::debug!("{e}");
        }
    }
}

/// Failures starting the watchdog (the service then does not start: a unit that waits for
/// `READY=1` would kill it anyway).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WatchdogError {
    #[error(transparent)]
    Notify(#[from] NotifyError),
    #[error("cannot start the watchdog thread: {0}")]
    Thread(#[source] std::io::Error),
}

/// Under systemd's notify (`$NOTIFY_SOCKET`): says `READY=1` (with `what` as the status) and,
/// with `$WATCHDOG_USEC` for this process, starts pinging while `liveness` holds. `None`
/// when the service is not under a notify unit.
pub fn start_from_env(liveness: Liveness, what: &str) -> Result<Option<Watchdog>, WatchdogError> {
    let Some(notifier) = Notifier::from_env()? else {
        return Ok(None);
    };
    let interval = notify::watchdog_interval(
        std::env::var("WATCHDOG_USEC").ok().as_deref(),
        std::env::var("WATCHDOG_PID").ok().as_deref(),
        std::process::id(),
    )?;
    start(notifier, interval, liveness, what).map(Some)
}

/// Says `READY=1` on `notifier`; with a watchdog `interval`, pings every half of it while
/// `liveness` holds.
pub fn start(
    notifier: Notifier,
    interval: Option<Duration>,
    liveness: Liveness,
    what: &str,
) -> Result<Watchdog, WatchdogError> {
    notifier.notify(&format!("READY=1\nSTATUS={what}"))?;
    let notifier = Arc::new(notifier);
    let stop = Arc::new(AtomicBool::new(false));
    let thread = match interval {
        None => None,
        Some(interval) => {
            let every = interval / 2;
            log::info!(
                "watchdog: pinging systemd every {every:?} while the session actor and the device threads ({}) answer",
                liveness.beats.names().join(", ")
            );
            let (n, s) = (notifier.clone(), stop.clone());
            Some(
                std::thread::Builder::new()
                    .name("watchdog".into())
                    .spawn(move || run(&n, every, &liveness, &s))
                    .map_err(WatchdogError::Thread)?,
            )
        }
    };
    Ok(Watchdog {
        notifier,
        stop,
        thread,
    })
}

fn run(notifier: &Notifier, every: Duration, liveness: &Liveness, stop: &AtomicBool) {
    let mut was_ok = true;
    while !stop.load(Ordering::SeqCst) {
        let started = Instant::now();
        match liveness.check(every) {
            Ok(()) => {
                let text = if was_ok {
                    "WATCHDOG=1".to_string()
                } else {
                    log::warn!("watchdog: the kiosk answers again; pinging again");
                    "WATCHDOG=1\nSTATUS=serving".to_string()
                };
                was_ok = true;
                if let Err(e) = notifier.notify(&text) {
                    log::warn!("watchdog: {e}");
                }
            }
            Err(why) => {
                if was_ok {
                    log::error!("watchdog: not pinging systemd: {why}");
                    // Said once per episode; systemd shows it in `systemctl status`.
                    if let Err(e) = notifier.notify(&format!("STATUS=not answering: {why}")) {
                        log::warn!("watchdog: {e}");
                    }
                }
                was_ok = false;
            }
        }
        let next = started + every;
        while !stop.load(Ordering::SeqCst) && Instant::now() < next {
            std::thread::sleep(
                next.saturating_duration_since(Instant::now())
                    .min(Duration::from_millis(50)),
            );
        }
    }
}
