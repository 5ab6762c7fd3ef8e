//! Reader and card events, on a thread of their own, from any [`ReaderProvider`]: PC/SC
//! ([`ReaderWatcher::start`] watches pcscd) or another backend (the kiosk's simulator watches
//! its in-process readers with [`ReaderWatcher::watch`]).
//!
//! The watcher lists the readers, reports what changed since the last look, and blocks in
//! the provider's [`ReaderProvider::wait_for_change`] (for PC/SC, `SCardGetStatusChange` on
//! every reader and the PnP pseudo-reader) until the next change or [`WatcherConfig::poll`].
//! It reports readers added and removed, cards inserted and removed — a card pulled and put
//! back between two looks is seen by the reader's event counter, as a removal and an
//! insertion — and the service going down and coming back: when listing fails (`pcscd`
//! stopped), the watcher reports the cards and readers it knew as removed and
//! [`ReaderEvent::ServiceDown`], then looks again with exponential backoff and reports
//! [`ReaderEvent::ServiceUp`] and the readers it finds. After each look that changed
//! anything it reports [`ReaderEvent::Settled`], so a listener that keeps state (is our
//! reader there?) knows the picture is complete.
//!
//! [`ReaderWatcher::stop`] (or dropping the watcher) stops the thread and joins it: within
//! one `poll` at worst, since a provider's wait cannot be interrupted from outside.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use crate::transport::{ReaderInfo, ReaderProvider};

/// What the watcher reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReaderEvent {
    /// The reader service answers (at start, or again after it was down).
    ServiceUp,
    /// The reader service does not answer; the watcher keeps trying.
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
    /// Everything one look found has been reported (sent after every look that reported
    /// something, and after the first look).
    Settled,
}

/// Timing of the watcher.
#[derive(Debug, Clone, Copy)]
pub struct WatcherConfig {
    /// First wait before looking again after the service went away.
    pub backoff_min: Duration,
    /// Longest wait between attempts.
    pub backoff_max: Duration,
    /// Longest single wait for a change; the readers are listed at least this often even
    /// where change notification is missing, and a stop takes at most this long.
    pub poll: Duration,
}

impl Default for WatcherConfig {
    fn default() -> Self {
        WatcherConfig {
            backoff_min: Duration::from_millis(100),
            backoff_max: Duration::from_secs(5),
            poll: Duration::from_millis(500),
        }
    }
}

/// A running watcher. Dropping it stops it too.
pub struct ReaderWatcher {
    stop: Arc<AtomicBool>,
    wake: Sender<()>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for ReaderWatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReaderWatcher")
            .field("running", &self.thread.is_some())
            .finish()
    }
}

impl ReaderWatcher {
    /// Starts a watcher of the PC/SC service (a context of its own); events go to `events`.
    pub fn spawn(
        events: Sender<ReaderEvent>,
        config: WatcherConfig,
    ) -> std::io::Result<ReaderWatcher> {
        let readers = Arc::new(crate::pcsc_backend::PcscProvider::new());
        ReaderWatcher::watch(readers, config, move |e| events.send(e).is_ok())
    }

    /// Convenience: a PC/SC watcher and the receiving end of its events.
    pub fn start(config: WatcherConfig) -> std::io::Result<(ReaderWatcher, Receiver<ReaderEvent>)> {
        let (tx, rx) = mpsc::channel();
        Ok((ReaderWatcher::spawn(tx, config)?, rx))
    }

    /// Starts a watcher of `readers`; each event is given to `sink` on the watcher's thread,
    /// which ends when `sink` returns false (its listener is gone) or the watcher is stopped.
    pub fn watch(
        readers: Arc<dyn ReaderProvider>,
        config: WatcherConfig,
        sink: impl FnMut(ReaderEvent) -> bool + Send + 'static,
    ) -> std::io::Result<ReaderWatcher> {
        let stop = Arc::new(AtomicBool::new(false));
        let (wake, wake_rx) = mpsc::channel();
        let mut monitor = Monitor {
            readers,
            sink: Box::new(sink),
            config,
            stop: stop.clone(),
            wake: wake_rx,
            known: BTreeMap::new(),
            service: None,
        };
        let thread = std::thread::Builder::new()
            .name("reader-watcher".into())
            .spawn(move || monitor.run())?;
        Ok(ReaderWatcher {
            stop,
            wake,
            thread: Some(thread),
        })
    }

    /// Stops the thread (wakes a backoff sleep; a wait for a change ends within `poll`) and
    /// joins it.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = self.wake.send(());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for ReaderWatcher {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// A reader as last seen: the ATR of its card, when one is in it, and its event counter.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen {
    atr: Option<Vec<u8>>,
    events: u32,
}

/// The events that take a reader from what was known (`None`: not seen yet) to what is seen
/// now. A card present at both looks is a removal and an insertion when its ATR or the
/// reader's event counter changed in between (pulled and put back, or swapped).
fn diff(reader: &str, known: Option<&Seen>, now: &Seen) -> Vec<ReaderEvent> {
    let mut events = Vec::new();
    let before = match known {
        None => {
            events.push(ReaderEvent::ReaderAdded {
                reader: reader.to_owned(),
            });
            None
        }
        Some(prev) => prev.atr.as_deref().map(|atr| (atr, prev.events)),
    };
    let same = match (before, now.atr.as_deref()) {
        (None, None) => true,
        (Some((a, n)), Some(b)) => a == b && n == now.events,
        _ => false,
    };
    if same {
        return events;
    }
    if before.is_some() {
        events.push(ReaderEvent::CardRemoved {
            reader: reader.to_owned(),
        });
    }
    if let Some(atr) = &now.atr {
        events.push(ReaderEvent::CardInserted {
            reader: reader.to_owned(),
            atr: atr.clone(),
        });
    }
    events
}

struct Monitor {
    readers: Arc<dyn ReaderProvider>,
    sink: Box<dyn FnMut(ReaderEvent) -> bool + Send>,
    config: WatcherConfig,
    stop: Arc<AtomicBool>,
    wake: Receiver<()>,
    /// Reader name → what was seen in it.
    known: BTreeMap<String, Seen>,
    service: Option<bool>,
}

impl Monitor {
    /// Reports one event; false when the listener is gone.
    fn emit(&mut self, e: ReaderEvent) -> bool {
        log::debug!("reader event: {e:?}");
        (self.sink)(e)
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

    /// The service went away: everything known is gone with it. False when the listener is.
    fn service_down(&mut self) -> bool {
        if self.service == Some(false) {
            return true;
        }
        self.service = Some(false);
        let known = std::mem::take(&mut self.known);
        for (reader, seen) in known {
            if seen.atr.is_some()
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
        self.emit(ReaderEvent::ServiceDown) && self.emit(ReaderEvent::Settled)
    }

    /// Reports what changed between what was known and `list`. False when the listener is
    /// gone.
    fn update(&mut self, list: &[ReaderInfo]) -> bool {
        let mut reported = false;
        if self.service != Some(true) {
            self.service = Some(true);
            reported = true;
            if !self.emit(ReaderEvent::ServiceUp) {
                return false;
            }
        }
        let gone: Vec<String> = self
            .known
            .keys()
            .filter(|name| !list.iter().any(|r| &r.name == *name))
            .cloned()
            .collect();
        for reader in gone {
            reported = true;
            let had_card = self
                .known
                .remove(&reader)
                .is_some_and(|seen| seen.atr.is_some());
            if had_card
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
        for r in list {
            let now = Seen {
                atr: r.atr.clone(),
                events: r.events,
            };
            for event in diff(&r.name, self.known.get(&r.name), &now) {
                reported = true;
                if !self.emit(event) {
                    return false;
                }
            }
            self.known.insert(r.name.clone(), now);
        }
        !reported || self.emit(ReaderEvent::Settled)
    }

    fn run(&mut self) {
        let mut backoff = self.config.backoff_min;
        while !self.stopping() {
            let list = match self.readers.list_readers() {
                Ok(list) => list,
                Err(e) => {
                    log::debug!("readers not available: {e}");
                    if !self.service_down() || self.sleep(backoff) {
                        return;
                    }
                    backoff = (backoff * 2).min(self.config.backoff_max);
                    continue;
                }
            };
            backoff = self.config.backoff_min;
            if !self.update(&list) {
                return;
            }
            if self.stopping() {
                return;
            }
            if let Err(e) = self.readers.wait_for_change(&list, self.config.poll) {
                // The next listing tells whether the service is gone; not at once, though.
                log::debug!("waiting for a reader change: {e}");
                if self.sleep(self.config.backoff_min) {
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::{CardConnection, TransportError};
    use std::sync::Mutex;

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
    fn seen(atr: Option<&[u8]>, events: u32) -> Seen {
        Seen {
            atr: atr.map(<[u8]>::to_vec),
            events,
        }
    }

    #[test]
    fn reader_state_transitions() {
        assert_eq!(diff("R", None, &seen(None, 0)), vec![added("R")]);
        assert_eq!(
            diff("R", None, &seen(Some(&[1]), 0)),
            vec![added("R"), inserted("R", &[1])]
        );
        assert_eq!(diff("R", Some(&seen(None, 0)), &seen(None, 0)), vec![]);
        assert_eq!(
            diff("R", Some(&seen(None, 0)), &seen(Some(&[1]), 1)),
            vec![inserted("R", &[1])]
        );
        assert_eq!(
            diff("R", Some(&seen(Some(&[1]), 1)), &seen(Some(&[1]), 1)),
            vec![]
        );
        assert_eq!(
            diff("R", Some(&seen(Some(&[1]), 1)), &seen(None, 2)),
            vec![removed("R")]
        );
        assert_eq!(
            diff("R", Some(&seen(Some(&[1]), 1)), &seen(Some(&[2]), 3)),
            vec![removed("R"), inserted("R", &[2])]
        );
        // The same card pulled and put back between two looks: only the counter moved.
        assert_eq!(
            diff("R", Some(&seen(Some(&[1]), 4)), &seen(Some(&[1]), 6)),
            vec![removed("R"), inserted("R", &[1])]
        );
        // The counter moving without a card is nothing to report.
        assert_eq!(diff("R", Some(&seen(None, 5)), &seen(None, 7)), vec![]);
    }

    /// Readers scripted by the test: each listing takes the next state (the last one
    /// stays); `None` is the service down.
    struct Scripted {
        states: Mutex<std::collections::VecDeque<Option<Vec<ReaderInfo>>>>,
        last: Mutex<Option<Vec<ReaderInfo>>>,
    }

    impl Scripted {
        fn new(states: Vec<Option<Vec<ReaderInfo>>>) -> Arc<Scripted> {
            Arc::new(Scripted {
                states: Mutex::new(states.into()),
                last: Mutex::new(None),
            })
        }
    }

    impl ReaderProvider for Scripted {
        fn list_readers(&self) -> Result<Vec<ReaderInfo>, TransportError> {
            let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(next) = self
                .states
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .pop_front()
            {
                *last = next;
            }
            last.clone().ok_or(TransportError::ServiceUnavailable(None))
        }

        fn connect(&self, reader: &str) -> Result<Box<dyn CardConnection>, TransportError> {
            Err(TransportError::UnknownReader(reader.into()))
        }

        fn wait_for_change(&self, _: &[ReaderInfo], _: Duration) -> Result<(), TransportError> {
            std::thread::sleep(Duration::from_millis(1));
            Ok(())
        }
    }

    fn reader(name: &str, atr: Option<&[u8]>, events: u32) -> ReaderInfo {
        ReaderInfo {
            name: name.into(),
            atr: atr.map(<[u8]>::to_vec),
            events,
        }
    }

    /// The events of a scripted run, once `want` of them came.
    fn run(script: Vec<Option<Vec<ReaderInfo>>>, want: usize) -> Vec<ReaderEvent> {
        let (tx, rx) = mpsc::channel();
        let config = WatcherConfig {
            backoff_min: Duration::from_millis(1),
            backoff_max: Duration::from_millis(2),
            poll: Duration::from_millis(5),
        };
        let w = ReaderWatcher::watch(Scripted::new(script), config, move |e| tx.send(e).is_ok())
            .expect("watcher");
        let got: Vec<ReaderEvent> = rx.iter().take(want).collect();
        w.stop();
        got
    }

    #[test]
    fn any_provider_is_watched_through_an_outage_and_a_card_put_back() {
        use ReaderEvent::*;
        let atr: &[u8] = &[0x3B, 0x01];
        let psam = |events| reader("PSAM", Some(&[9]), events);
        let events = run(
            vec![
                Some(vec![]),
                Some(vec![reader("R", None, 0), psam(1)]),
                Some(vec![reader("R", Some(atr), 1), psam(1)]),
                Some(vec![reader("R", Some(atr), 3), psam(1)]),
                None,
                Some(vec![reader("R", None, 0)]),
            ],
            20,
        );
        let gone = |r: &str| ReaderRemoved { reader: r.into() };
        assert_eq!(
            events,
            vec![
                ServiceUp,
                Settled,
                added("R"),
                added("PSAM"),
                inserted("PSAM", &[9]),
                Settled,
                inserted("R", atr),
                Settled,
                // Pulled and put back between two looks: only the counter moved.
                removed("R"),
                inserted("R", atr),
                Settled,
                removed("PSAM"),
                gone("PSAM"),
                removed("R"),
                gone("R"),
                ServiceDown,
                Settled,
                ServiceUp,
                added("R"),
                Settled,
            ]
        );
    }

    #[test]
    fn the_watcher_ends_when_its_listener_is_gone_or_it_is_stopped() {
        let config = WatcherConfig {
            backoff_min: Duration::from_millis(1),
            backoff_max: Duration::from_millis(2),
            poll: Duration::from_millis(5),
        };
        let script = vec![Some(vec![]), Some(vec![reader("R", None, 0)])];
        let mut left = 2;
        let w = ReaderWatcher::watch(Scripted::new(script), config, move |_| {
            left -= 1;
            left > 0
        })
        .expect("watcher");
        let t = std::time::Instant::now();
        while w.thread.as_ref().is_some_and(|t| !t.is_finished()) {
            assert!(t.elapsed() < Duration::from_secs(10), "still running");
            std::thread::sleep(Duration::from_millis(5));
        }
        w.stop();
        // A watcher of a service that never comes up stops from its backoff sleep.
        let config = WatcherConfig {
            backoff_min: Duration::from_secs(60),
            ..config
        };
        let w = ReaderWatcher::watch(Scripted::new(vec![None]), config, |_| true).expect("watcher");
        std::thread::sleep(Duration::from_millis(20));
        let t = std::time::Instant::now();
        w.stop();
        assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    }
}
