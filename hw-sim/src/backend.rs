//! An in-process reader backend: `card-io`'s [`ReaderProvider`] over simulated devices in
//! named slots, with fault injection (card pulled after n APDUs, service down, reader
//! unplugged).

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use card_io::transport::{
    CardConnection, CardSession, Disposition, ReaderInfo, ReaderProvider, TransportError,
};

use crate::device::SimDevice;

/// Default name of the card's reader slot.
pub const CARD_SLOT: &str = "HW-SIM Card Reader 00";
/// Default name of the PSAM's reader slot.
pub const PSAM_SLOT: &str = "HW-SIM PSAM Reader 01";

struct Slot {
    name: String,
    plugged: bool,
    device: Option<Box<dyn SimDevice>>,
    /// Bumped at every insertion and removal: a connection to an older card fails.
    generation: u64,
    /// Bumped at every reset by a disconnect: other connections see `was_reset`.
    resets: u64,
    /// Exchanges left before the card disappears.
    remove_after: Option<usize>,
    /// Exchanges left before the one whose answer is lost: that command reaches the card
    /// and takes effect, then the card is pulled before its answer comes back.
    lose_answer_after: Option<usize>,
    /// The card that `remove_after` or `lose_answer_after` pulled.
    removed: Option<Box<dyn SimDevice>>,
}

impl Slot {
    fn take_device(&mut self) -> Option<Box<dyn SimDevice>> {
        self.generation += 1;
        self.remove_after = None;
        self.lose_answer_after = None;
        self.device.take()
    }
}

#[derive(Default)]
struct State {
    slots: Vec<Slot>,
    service_down: bool,
}

impl State {
    fn check_service(&self) -> Result<(), TransportError> {
        if self.service_down {
            Err(TransportError::ServiceUnavailable(None))
        } else {
            Ok(())
        }
    }

    fn slot(&self, name: &str) -> Option<&Slot> {
        self.slots.iter().find(|s| s.name == name && s.plugged)
    }

    fn slot_mut(&mut self, name: &str) -> Option<&mut Slot> {
        self.slots.iter_mut().find(|s| s.name == name && s.plugged)
    }
}

/// Simulated readers. Cloning shares the same readers.
#[derive(Clone)]
pub struct SimReaders {
    state: Arc<Mutex<State>>,
    /// Told at every insertion, removal, unplugging and service change, for
    /// `wait_for_change`.
    changed: Arc<(Mutex<u64>, Condvar)>,
}

impl Default for SimReaders {
    fn default() -> Self {
        SimReaders::new()
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    // A panic while holding the lock leaves plain data behind; keep going with it.
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl SimReaders {
    /// Two empty slots: [`CARD_SLOT`] and [`PSAM_SLOT`].
    pub fn new() -> SimReaders {
        let r = SimReaders::empty();
        r.add_slot(CARD_SLOT);
        r.add_slot(PSAM_SLOT);
        r
    }

    /// No readers at all.
    pub fn empty() -> SimReaders {
        SimReaders {
            state: Arc::new(Mutex::new(State::default())),
            changed: Arc::new((Mutex::new(0), Condvar::new())),
        }
    }

    /// Wakes `wait_for_change`.
    fn changed(&self) {
        let (count, cv) = &*self.changed;
        *count.lock().unwrap_or_else(|p| p.into_inner()) += 1;
        cv.notify_all();
    }

    /// Adds an empty slot, or plugs an unplugged one back in.
    pub fn add_slot(&self, name: &str) {
        let mut st = lock(&self.state);
        if let Some(slot) = st.slots.iter_mut().find(|s| s.name == name) {
            slot.plugged = true;
            drop(st);
            self.changed();
            return;
        }
        st.slots.push(Slot {
            name: name.to_string(),
            plugged: true,
            device: None,
            generation: 0,
            resets: 0,
            remove_after: None,
            lose_answer_after: None,
            removed: None,
        });
        drop(st);
        self.changed();
    }

    /// Inserts a card (replacing any card there). False when the slot does not exist.
    pub fn insert(&self, slot: &str, device: Box<dyn SimDevice>) -> bool {
        let mut st = lock(&self.state);
        match st.slot_mut(slot) {
            Some(s) => {
                s.take_device();
                s.device = Some(device);
                drop(st);
                self.changed();
                true
            }
            None => false,
        }
    }

    /// Pulls the card out of the slot.
    pub fn remove(&self, slot: &str) -> Option<Box<dyn SimDevice>> {
        let mut st = lock(&self.state);
        let mut dev = st.slot_mut(slot)?.take_device();
        if let Some(d) = dev.as_mut() {
            d.power_off();
        }
        drop(st);
        self.changed();
        dev
    }

    /// The card pulled by [`SimReaders::remove_after`], to inspect or re-insert.
    pub fn take_removed(&self, slot: &str) -> Option<Box<dyn SimDevice>> {
        lock(&self.state)
            .slots
            .iter_mut()
            .find(|s| s.name == slot)?
            .removed
            .take()
    }

    /// True when a card is in the slot.
    pub fn has_card(&self, slot: &str) -> bool {
        lock(&self.state)
            .slot(slot)
            .is_some_and(|s| s.device.is_some())
    }

    /// Runs `f` on the device in the slot (inspection, state changes in tests).
    pub fn with_device<R>(&self, slot: &str, f: impl FnOnce(&mut dyn SimDevice) -> R) -> Option<R> {
        let mut st = lock(&self.state);
        let dev = st.slot_mut(slot)?.device.as_mut()?;
        Some(f(dev.as_mut()))
    }

    /// The card disappears after `n` more exchanges: the (n+1)th transmit fails with
    /// `CardRemoved` and the slot is empty from the nth exchange on.
    pub fn remove_after(&self, slot: &str, n: usize) {
        let mut st = lock(&self.state);
        if let Some(s) = st.slot_mut(slot) {
            if n == 0 {
                s.removed = s.take_device();
            } else {
                s.remove_after = Some(n);
            }
        }
        drop(st);
        self.changed();
    }

    /// The card is pulled while it answers the (n+1)th exchange from now: that command
    /// reaches the card and takes effect, but its answer is lost (`CardRemoved`) and the slot
    /// is empty. The harder half of a pull: the host cannot tell whether the command ran.
    /// `usize::MAX` disarms it.
    pub fn lose_answer_after(&self, slot: &str, n: usize) {
        let mut st = lock(&self.state);
        if let Some(s) = st.slot_mut(slot) {
            s.lose_answer_after = (n != usize::MAX).then_some(n);
        }
    }

    /// Simulates the PC/SC service being down: every call fails with `ServiceUnavailable`.
    pub fn set_service_down(&self, down: bool) {
        lock(&self.state).service_down = down;
        self.changed();
    }

    /// Unplugs the reader: it is no longer listed, connecting fails with `UnknownReader`
    /// and open connections with `CardRemoved`. [`SimReaders::add_slot`] plugs it back, empty.
    pub fn unplug(&self, slot: &str) {
        let mut st = lock(&self.state);
        if let Some(s) = st.slot_mut(slot) {
            s.take_device();
            s.plugged = false;
        }
        drop(st);
        self.changed();
    }
}

impl ReaderProvider for SimReaders {
    fn list_readers(&self) -> Result<Vec<ReaderInfo>, TransportError> {
        let st = lock(&self.state);
        st.check_service()?;
        Ok(st
            .slots
            .iter()
            .filter(|s| s.plugged)
            .map(|s| ReaderInfo {
                name: s.name.clone(),
                atr: s.device.as_ref().map(|d| d.atr()),
                events: s.generation as u32,
            })
            .collect())
    }

    /// Wakes at once on the simulator's own changes; a card pulled by `remove_after` in the
    /// middle of a command is seen within 20 ms.
    fn wait_for_change(
        &self,
        known: &[ReaderInfo],
        timeout: Duration,
    ) -> Result<(), TransportError> {
        let deadline = Instant::now() + timeout;
        let (count, cv) = &*self.changed;
        let mut seen = *count.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if self.list_readers()? != known {
                return Ok(());
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(());
            }
            let guard = count.lock().unwrap_or_else(|p| p.into_inner());
            if *guard == seen {
                let (guard, _) = cv
                    .wait_timeout(guard, left.min(Duration::from_millis(20)))
                    .unwrap_or_else(|p| p.into_inner());
                seen = *guard;
            } else {
                seen = *guard;
            }
        }
    }

    fn connect(&self, reader: &str) -> Result<Box<dyn CardConnection>, TransportError> {
        let st = lock(&self.state);
        st.check_service()?;
        let slot = st
            .slot(reader)
            .ok_or_else(|| TransportError::UnknownReader(reader.to_string()))?;
        let dev = slot
            .device
            .as_ref()
            .ok_or_else(|| TransportError::NoCard(reader.to_string()))?;
        Ok(Box::new(SimConnection {
            state: Arc::clone(&self.state),
            reader: reader.to_string(),
            atr: dev.atr(),
            generation: slot.generation,
            resets_seen: slot.resets,
        }))
    }
}

/// A connection to a simulated card.
struct SimConnection {
    state: Arc<Mutex<State>>,
    reader: String,
    atr: Vec<u8>,
    generation: u64,
    resets_seen: u64,
}

impl SimConnection {
    /// One exchange with the card this connection was made to.
    fn exchange(&self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let mut st = lock(&self.state);
        st.check_service()?;
        let slot = st
            .slot_mut(&self.reader)
            .ok_or(TransportError::CardRemoved)?;
        if slot.generation != self.generation || slot.device.is_none() {
            return Err(TransportError::CardRemoved);
        }
        let answer = slot
            .device
            .as_mut()
            .map(|d| d.process(command))
            .unwrap_or_default();
        if let Some(n) = slot.remove_after.as_mut() {
            *n = n.saturating_sub(1);
            if *n == 0 {
                slot.removed = slot.take_device();
            }
        }
        if let Some(n) = slot.lose_answer_after.as_mut() {
            if *n == 0 {
                slot.removed = slot.take_device();
                return Err(TransportError::CardRemoved);
            }
            *n -= 1;
        }
        Ok(answer)
    }
}

impl CardConnection for SimConnection {
    fn reader_name(&self) -> &str {
        &self.reader
    }

    fn atr(&self) -> &[u8] {
        &self.atr
    }

    fn session(
        &mut self,
        reselect: Option<&[u8]>,
    ) -> Result<Box<dyn CardSession + '_>, TransportError> {
        let resets = {
            let st = lock(&self.state);
            st.check_service()?;
            let slot = st.slot(&self.reader).ok_or(TransportError::CardRemoved)?;
            if slot.generation != self.generation || slot.device.is_none() {
                return Err(TransportError::CardRemoved);
            }
            slot.resets
        };
        let was_reset = resets != self.resets_seen;
        self.resets_seen = resets;
        if was_reset {
            if let Some(aid) = reselect {
                let mut select = vec![0x00, 0xA4, 0x04, 0x00, aid.len() as u8];
                select.extend_from_slice(aid);
                self.exchange(&select)?;
            }
        }
        Ok(Box::new(SimSession {
            conn: self,
            was_reset,
        }))
    }

    fn disconnect(self: Box<Self>, disposition: Disposition) -> Result<(), TransportError> {
        let mut st = lock(&self.state);
        st.check_service()?;
        if disposition == Disposition::Leave {
            return Ok(());
        }
        if let Some(slot) = st.slot_mut(&self.reader) {
            if slot.generation == self.generation {
                if let Some(dev) = slot.device.as_mut() {
                    match disposition {
                        Disposition::Unpower => dev.power_off(),
                        _ => dev.reset(),
                    }
                    slot.resets += 1;
                }
            }
        }
        Ok(())
    }
}

struct SimSession<'a> {
    conn: &'a mut SimConnection,
    was_reset: bool,
}

impl CardSession for SimSession<'_> {
    fn transmit_raw(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.conn.exchange(command)
    }

    fn atr(&self) -> &[u8] {
        &self.conn.atr
    }

    fn was_reset(&self) -> bool {
        self.was_reset
    }
}
