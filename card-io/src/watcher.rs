//! Reader and card events from PC/SC, on a thread of their own.
//!
//! The watcher owns a PC/SC context and blocks in `get_status_change` on every reader plus
//! the PnP pseudo-reader. It reports readers added and removed, cards inserted and removed,
//! and the service going down and coming back: when `pcscd` stops, the watcher reports
//! [`ReaderEvent::ServiceDown`], then re-establishes a context with exponential backoff and
//! reports [`ReaderEvent::ServiceUp`] and the readers it finds. [`ReaderWatcher::stop`]
//! cancels the blocking call (`SCardCancel` from this thread) and joins the thread.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use pcsc::{Context, ReaderState, Scope, State};

/// What the watcher reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReaderEvent {
    /// The PC/SC service is reachable (at start, or again after it was down).
    ServiceUp,
    /// The PC/SC service is not running; the watcher keeps trying.
    ServiceDown,
    ReaderAdded {
        reader: String,
    },
    ReaderRemoved {
        reader: String,
    },
    CardInserted {
        reader: String,
        atr: Vec<u8>,
    },
    CardRemoved {
        reader: String,
    },
}

/// Timing of the watcher.
#[derive(Debug, Clone, Copy)]
pub struct WatcherConfig {
    /// First wait before re-establishing a context after the service went away.
    pub backoff_min: Duration,
    /// Longest wait between attempts.
    pub backoff_max: Duration,
    /// Longest single `get_status_change` wait; the reader list is refreshed at least this
    /// often even where PnP notification is missing.
    pub poll: Duration,
}

impl Default for WatcherConfig {
    fn default() -> Self {
        WatcherConfig {
            backoff_min: Duration::from_millis(100),
            backoff_max: Duration::from_secs(5),
            poll: Duration::from_secs(2),
        }
    }
}

/// A running watcher. Dropping it stops it too.
pub struct ReaderWatcher {
    stop: Arc<AtomicBool>,
    context: Arc<Mutex<Option<Context>>>,
    wake: Sender<()>,
    thread: Option<JoinHandle<()>>,
}

impl ReaderWatcher {
    /// Starts the watcher thread; events go to `events`.
    pub fn spawn(
        events: Sender<ReaderEvent>,
        config: WatcherConfig,
    ) -> std::io::Result<ReaderWatcher> {
        let stop = Arc::new(AtomicBool::new(false));
        let context = Arc::new(Mutex::new(None));
        let (wake, wake_rx) = mpsc::channel();
        let mut state = Monitor {
            events,
            config,
            stop: stop.clone(),
            shared: context.clone(),
            wake: wake_rx,
            known: BTreeMap::new(),
            service: None,
        };
        let thread = std::thread::Builder::new()
            .name("pcsc-watcher".into())
            .spawn(move || state.run())?;
        Ok(ReaderWatcher {
            stop,
            context,
            wake,
            thread: Some(thread),
        })
    }

    /// Convenience: a watcher and the receiving end of its events.
    pub fn start(config: WatcherConfig) -> std::io::Result<(ReaderWatcher, Receiver<ReaderEvent>)> {
        let (tx, rx) = mpsc::channel();
        Ok((ReaderWatcher::spawn(tx, config)?, rx))
    }

    /// Stops the thread: cancels a blocking `get_status_change`, wakes a backoff sleep,
    /// and joins.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = self.wake.send(());
        if let Some(t) = self.thread.take() {
            // A cancel sent just before the thread enters get_status_change is lost, so
            // cancel until the thread has seen the stop flag.
            while !t.is_finished() {
                if let Some(ctx) = self
                    .context
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .as_ref()
                {
                    let _ = ctx.cancel();
                }
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            let _ = t.join();
        }
    }
}

impl Drop for ReaderWatcher {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// The events that take a reader from what was known (`None`: reader not seen yet;
/// `Some(None)`: empty; `Some(Some(atr))`: a card) to what is seen now. A different ATR
/// without an empty state in between is a removal and an insertion.
fn diff(reader: &str, known: Option<&Option<Vec<u8>>>, now: Option<&[u8]>) -> Vec<ReaderEvent> {
    let mut events = Vec::new();
    let before = match known {
        None => {
            events.push(ReaderEvent::ReaderAdded {
                reader: reader.to_owned(),
            });
            None
        }
        Some(prev) => prev.as_deref(),
    };
    if before == now {
        return events;
    }
    if before.is_some() {
        events.push(ReaderEvent::CardRemoved {
            reader: reader.to_owned(),
        });
    }
    if let Some(atr) = now {
        events.push(ReaderEvent::CardInserted {
            reader: reader.to_owned(),
            atr: atr.to_vec(),
        });
    }
    events
}

struct Monitor {
    events: Sender<ReaderEvent>,
    config: WatcherConfig,
    stop: Arc<AtomicBool>,
    shared: Arc<Mutex<Option<Context>>>,
    wake: Receiver<()>,
    /// Reader name → ATR of the card in it, when present.
    known: BTreeMap<String, Option<Vec<u8>>>,
    service: Option<bool>,
}

enum Exit {
    Stopped,
    ServiceLost,
}

impl Monitor {
    fn emit(&self, e: ReaderEvent) -> bool {
        log::debug!("reader event: {e:?}");
        self.events.send(e).is_ok()
    }

    fn stopping(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Sleeps `d` unless stopped first; true when it should stop.
    fn sleep(&self, d: Duration) -> bool {
        match self.wake.recv_timeout(d) {
            Ok(()) | Err(RecvTimeoutError::Disconnected) => true,
            Err(RecvTimeoutError::Timeout) => self.stopping(),
        }
    }

    fn set_service(&mut self, up: bool) -> bool {
        if self.service == Some(up) {
            return true;
        }
        self.service = Some(up);
        if !up {
            // Everything we knew is gone with the service.
            let known = std::mem::take(&mut self.known);
            for (reader, atr) in known {
                if atr.is_some()
                    && !self.emit(ReaderEvent::CardRemoved {
                        reader: reader.clone(),
                    })
                {
                    return false;
                }
                if !self.emit(ReaderEvent::ReaderRemoved { reader }) {
                    return false;
                }
            }
        }
        self.emit(if up {
            ReaderEvent::ServiceUp
        } else {
            ReaderEvent::ServiceDown
        })
    }

    fn run(&mut self) {
        let mut backoff = self.config.backoff_min;
        while !self.stopping() {
            let ctx = match Context::establish(Scope::User) {
                Ok(c) => c,
                Err(e) => {
                    log::debug!("PC/SC context not available: {e}");
                    if !self.set_service(false) || self.sleep(backoff) {
                        return;
                    }
                    backoff = (backoff * 2).min(self.config.backoff_max);
                    continue;
                }
            };
            *self.shared.lock().unwrap_or_else(|p| p.into_inner()) = Some(ctx.clone());
            if self.stopping() {
                break;
            }
            let exit = self.monitor(&ctx);
            if self.service == Some(true) {
                // The service was reachable: the next outage starts again from a short wait.
                backoff = self.config.backoff_min;
            }
            *self.shared.lock().unwrap_or_else(|p| p.into_inner()) = None;
            match exit {
                Exit::Stopped => break,
                Exit::ServiceLost => {
                    if !self.set_service(false) || self.sleep(backoff) {
                        return;
                    }
                    backoff = (backoff * 2).min(self.config.backoff_max);
                }
            }
        }
    }

    fn monitor(&mut self, ctx: &Context) -> Exit {
        let mut states = vec![ReaderState::new(pcsc::PNP_NOTIFICATION(), State::UNAWARE)];
        let mut announced_up = false;
        loop {
            if self.stopping() {
                return Exit::Stopped;
            }
            // Drop readers that went away.
            let mut i = 1;
            while i < states.len() {
                if states[i]
                    .event_state()
                    .intersects(State::UNKNOWN | State::IGNORE)
                {
                    let name = states[i].name().to_string_lossy().into_owned();
                    states.remove(i);
                    if let Some(atr) = self.known.remove(&name) {
                        if atr.is_some()
                            && !self.emit(ReaderEvent::CardRemoved {
                                reader: name.clone(),
                            })
                        {
                            return Exit::Stopped;
                        }
                        if !self.emit(ReaderEvent::ReaderRemoved { reader: name }) {
                            return Exit::Stopped;
                        }
                    }
                } else {
                    i += 1;
                }
            }
            // Add new readers.
            let names = match ctx.list_readers_owned() {
                Ok(n) => n,
                Err(pcsc::Error::NoReadersAvailable) => Vec::new(),
                Err(e) => {
                    log::debug!("list_readers: {e}");
                    return Exit::ServiceLost;
                }
            };
            if !announced_up {
                announced_up = true;
                if !self.set_service(true) {
                    return Exit::Stopped;
                }
            }
            for n in names {
                if !states.iter().any(|s| s.name() == n.as_c_str()) {
                    states.push(ReaderState::new(n, State::UNAWARE));
                }
            }
            for s in states.iter_mut() {
                s.sync_current_state();
            }
            match ctx.get_status_change(self.config.poll, &mut states) {
                Ok(()) | Err(pcsc::Error::Timeout) => {}
                Err(pcsc::Error::Cancelled) => return Exit::Stopped,
                Err(pcsc::Error::UnknownReader) => continue,
                Err(e) => {
                    log::debug!("get_status_change: {e}");
                    return Exit::ServiceLost;
                }
            }
            for s in states.iter().skip(1) {
                let ev = s.event_state();
                if ev.intersects(State::UNKNOWN | State::IGNORE) {
                    continue;
                }
                let name = s.name().to_string_lossy().into_owned();
                let present = ev.contains(State::PRESENT) && !ev.contains(State::MUTE);
                let atr = present.then(|| s.atr().to_vec());
                for event in diff(&name, self.known.get(&name), atr.as_deref()) {
                    if !self.emit(event) {
                        return Exit::Stopped;
                    }
                }
                self.known.insert(name, atr);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn added(r: &str) -> ReaderEvent {
        ReaderEvent::ReaderAdded { reader: r.into() }
    }
    fn inserted(r: &str, atr: &[u8]) -> ReaderEvent {
        ReaderEvent::CardInserted {
            reader: r.into(),
            atr: atr.to_vec(),
        }
    }
    fn removed(r: &str) -> ReaderEvent {
        ReaderEvent::CardRemoved { reader: r.into() }
    }

    #[test]
    fn reader_state_transitions() {
        assert_eq!(diff("R", None, None), vec![added("R")]);
        assert_eq!(
            diff("R", None, Some(&[1])),
            vec![added("R"), inserted("R", &[1])]
        );
        assert_eq!(diff("R", Some(&None), None), vec![]);
        assert_eq!(
            diff("R", Some(&None), Some(&[1])),
            vec![inserted("R", &[1])]
        );
        assert_eq!(diff("R", Some(&Some(vec![1])), Some(&[1])), vec![]);
        assert_eq!(diff("R", Some(&Some(vec![1])), None), vec![removed("R")]);
        assert_eq!(
            diff("R", Some(&Some(vec![1])), Some(&[2])),
            vec![removed("R"), inserted("R", &[2])]
        );
    }
}
