//! Where a scenario's card lives: in-process ([`InProcess`], on `hw-sim`'s reader backend)
//! or behind the real PC/SC stack ([`Vpcd`]: `pcscd` with the vpcd driver, `hw-sim`'s vpcd
//! bridge attaching the card to slot 0 and the PSAM to slot 1, and card-io's PC/SC backend).

use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use card_io::pcsc_backend::PcscProvider;
use card_io::transport::ReaderProvider;
use hw_sim::backend::{CARD_SLOT, PSAM_SLOT};
use hw_sim::{
    CardOs, PsamOptions, PsamOs, PullPoint, SimDevice, SimReaders, Transport, VpcdBridge,
};

/// Which reader a fault is aimed at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    /// The citizen's card.
    Card,
    /// The secure module (PSAM) inside the kiosk.
    Psam,
}

/// The operations scenarios need from a rig.
pub trait Rig {
    fn provider(&self) -> &dyn ReaderProvider;
    /// Puts `card` in the card reader (taking out whatever was there) and waits until the
    /// provider sees it.
    fn insert(&self, card: CardOs);
    /// Pulls the card and waits until the provider no longer sees it.
    fn remove(&self);
    /// Puts the card pulled last back in, with its state.
    fn reinsert(&self);
    fn label(&self) -> &'static str;
    /// Arms a pull of the card in `slot` in the middle of its (n+1)th command APDU from now
    /// (see [`PullPoint`]). `usize::MAX` disarms.
    fn pull_after(&self, slot: Slot, n: usize, point: PullPoint);
    /// Disarms any pull still armed in `slot`; true when an armed pull happened, in which
    /// case the provider no longer sees that card when this returns.
    fn disarm_pull(&self, slot: Slot) -> bool;
    /// Puts the PSAM pulled by [`Rig::pull_after`] back, with its state, and waits until the
    /// provider sees it.
    fn reinsert_psam(&self);
}

fn psam(transport: Transport) -> Box<dyn SimDevice> {
    let options = PsamOptions {
        transport,
        ..PsamOptions::default()
    };
    Box::new(PsamOs::new(options).expect("default PSAM options are valid"))
}

/// In-process simulated readers.
pub struct InProcess {
    pub readers: SimReaders,
    pulled: Mutex<Option<Box<dyn SimDevice>>>,
}

impl InProcess {
    pub fn new(transport: Transport) -> InProcess {
        let readers = SimReaders::new();
        readers.insert(PSAM_SLOT, psam(transport));
        InProcess {
            readers,
            pulled: Mutex::new(None),
        }
    }
}

impl Rig for InProcess {
    fn provider(&self) -> &dyn ReaderProvider {
        &self.readers
    }
    fn insert(&self, card: CardOs) {
        self.readers.remove(CARD_SLOT);
        assert!(self.readers.insert(CARD_SLOT, Box::new(card)));
    }
    fn remove(&self) {
        let dev = self
            .readers
            .remove(CARD_SLOT)
            .or_else(|| self.readers.take_removed(CARD_SLOT));
        *self.pulled.lock().unwrap_or_else(|p| p.into_inner()) = dev;
    }
    fn reinsert(&self) {
        let dev = self
            .pulled
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .or_else(|| self.readers.take_removed(CARD_SLOT))
            .expect("a pulled card to reinsert");
        assert!(self.readers.insert(CARD_SLOT, dev));
    }
    fn label(&self) -> &'static str {
        "in-process"
    }
    fn pull_after(&self, slot: Slot, n: usize, point: PullPoint) {
        let name = sim_slot(slot);
        match point {
            PullPoint::BeforeCommand => self.readers.remove_after(name, n),
            PullPoint::InAnswer => self.readers.lose_answer_after(name, n),
        }
    }
    fn disarm_pull(&self, slot: Slot) -> bool {
        let name = sim_slot(slot);
        self.readers.remove_after(name, usize::MAX);
        self.readers.lose_answer_after(name, usize::MAX);
        !self.readers.has_card(name)
    }
    fn reinsert_psam(&self) {
        let dev = self
            .readers
            .take_removed(PSAM_SLOT)
            .expect("a pulled PSAM to reinsert");
        assert!(self.readers.insert(PSAM_SLOT, dev));
    }
}

fn sim_slot(slot: Slot) -> &'static str {
    match slot {
        Slot::Card => CARD_SLOT,
        Slot::Psam => PSAM_SLOT,
    }
}

/// vpcd's reader names for slots 0 and 1.
pub const VPCD_CARD_READER: &str = "Virtual PCD 00 00";
pub const VPCD_PSAM_READER: &str = "Virtual PCD 00 01";

/// The real PC/SC stack. There is one per process (vpcd's ports are fixed); [`Vpcd::lock`]
/// hands it to one scenario at a time.
pub struct Vpcd {
    provider: PcscProvider,
    /// Started with the first card inserted.
    card: Mutex<Option<VpcdBridge>>,
    psam: VpcdBridge,
    transport: Transport,
    present_atr: Mutex<Option<Vec<u8>>>,
}

/// The machine's one pcscd and vpcd's two ports, for one test of this process at a time.
/// Every test that talks to pcscd takes it: through [`Vpcd::lock`] (the rig's card and PSAM
/// attached to vpcd) or through [`pcsc_exclusive`] (nothing of this process attached: for a
/// test that attaches its own emulator, stops pcscd, or runs a kiosk that watches the
/// readers). The integration tests run in one binary, so without it a scenario in one module
/// would meet another module's card in the same reader.
static PCSC: Mutex<Option<Vpcd>> = Mutex::new(None);

/// The machine-wide side of [`PCSC`]: vpcd's ports are the machine's, so two test processes
/// (two worktrees' runs, a test binary and a bench) must not attach to them at once. The first
/// test of a process that talks to pcscd takes an exclusive lock on this file and keeps it
/// until the process exits (the rig stays attached between tests); another process waits.
static MACHINE: std::sync::OnceLock<std::fs::File> = std::sync::OnceLock::new();

fn lock_machine() {
    MACHINE.get_or_init(|| {
        let path = std::env::temp_dir().join("kiosk-tests-pcscd.lock");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if file.try_lock().is_err() {
            eprintln!(
                "waiting for another test process that uses pcscd and vpcd to end ({})",
                path.display()
            );
            file.lock()
                .unwrap_or_else(|e| panic!("lock {}: {e}", path.display()));
        }
        file
    });
}

/// Takes [`PCSC`]. After a test panicked holding it, the rig it left (a card inserted, a
/// pull armed, the PSAM out) is dropped, so that the next test starts from a fresh one.
fn lock_pcsc() -> MutexGuard<'static, Option<Vpcd>> {
    lock_machine();
    match PCSC.lock() {
        Ok(guard) => guard,
        Err(poisoned) => {
            PCSC.clear_poison();
            let mut guard = poisoned.into_inner();
            drop(guard.take());
            guard
        }
    }
}

/// The rig, held by one scenario; see [`Vpcd::lock`].
pub struct VpcdGuard(MutexGuard<'static, Option<Vpcd>>);

impl std::ops::Deref for VpcdGuard {
    type Target = Vpcd;
    fn deref(&self) -> &Vpcd {
        self.0
            .as_ref()
            .expect("Vpcd::lock attaches the rig before handing it out")
    }
}

/// pcscd with no emulator of this process attached to vpcd, held by one test; see
/// [`pcsc_exclusive`].
pub struct PcscExclusive {
    _guard: MutexGuard<'static, Option<Vpcd>>,
}

/// Takes pcscd for a test that attaches its own emulator to vpcd (`hw-sim vpcd` as a child),
/// stops pcscd, or runs a real-hardware kiosk that must find the readers as nothing else of
/// this process left them: the rig's card and PSAM are detached (their sockets closed) and,
/// when pcscd runs, both vpcd readers are empty when this returns. The rig is attached again
/// by the next [`Vpcd::lock`].
pub fn pcsc_exclusive() -> PcscExclusive {
    let mut guard = lock_pcsc();
    if guard.take().is_some() {
        wait_until(
            "the rig's card and PSAM to leave vpcd",
            Duration::from_secs(20),
            || !card_present(VPCD_CARD_READER) && !card_present(VPCD_PSAM_READER),
        );
    }
    PcscExclusive { _guard: guard }
}

impl Vpcd {
    /// Takes the shared rig, with the PSAM on `transport`. Fails loudly when `pcscd` with
    /// the vpcd driver is not running: these tests must not pass by skipping.
    pub fn lock(transport: Transport) -> VpcdGuard {
        let mut slot = lock_pcsc();
        let rig = slot.get_or_insert_with(|| Vpcd::attach(transport));
        if rig.transport != transport {
            rig.psam.remove();
            rig.wait(VPCD_PSAM_READER, |atr| atr.is_none());
            rig.psam.replace(psam(transport));
            rig.psam.insert();
            rig.wait(VPCD_PSAM_READER, |atr| atr.is_some());
            rig.transport = transport;
        }
        VpcdGuard(slot)
    }

    /// Attaches a PSAM on `transport` to vpcd's slot 1, once both slots are empty.
    fn attach(transport: Transport) -> Vpcd {
        let provider = PcscProvider::new();
        let readers = provider.list_readers().unwrap_or_else(|e| {
            panic!("pcscd with the vpcd driver must be running for these tests ({e}); run ./scripts/test.sh")
        });
        assert!(
            readers.iter().any(|r| r.name == VPCD_CARD_READER),
            "pcscd runs but has no {VPCD_CARD_READER:?} reader: install vsmartcard-vpcd and restart pcscd (readers: {readers:?})"
        );
        // A card emulator of a previous test (or test process) may still look present until
        // pcscd notices its socket closed; start only once both slots are empty.
        let empty = |name: &str| {
            provider
                .list_readers()
                .map(|rs| rs.iter().all(|r| r.name != name || r.atr.is_none()))
                .unwrap_or(false)
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while !(empty(VPCD_CARD_READER) && empty(VPCD_PSAM_READER)) {
            assert!(
                Instant::now() < deadline,
                "another card emulator stays attached to vpcd (a running `hw-sim vpcd` or demo?): stop it first"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let card = Mutex::new(None);
        let psam = VpcdBridge::start(35964, psam(transport));
        let rig = Vpcd {
            provider,
            card,
            psam,
            transport,
            present_atr: Mutex::new(None),
        };
        rig.wait(VPCD_PSAM_READER, |atr| atr.is_some());
        rig
    }

    fn card_bridge(&self) -> MutexGuard<'_, Option<VpcdBridge>> {
        self.card.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits until `reader`'s card presence satisfies `ok` (pcscd polls the vpcd driver).
    pub fn wait(&self, reader: &str, ok: impl Fn(Option<&[u8]>) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let atr = self
                .provider
                .list_readers()
                .ok()
                .and_then(|rs| rs.into_iter().find(|r| r.name == reader))
                .and_then(|r| r.atr);
            if ok(atr.as_deref()) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {reader:?} (ATR now {atr:02X?})"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Vpcd {
    /// Puts any device in the card reader and waits until pcscd sees its ATR.
    pub fn insert_device(&self, card: Box<dyn SimDevice>) {
        let atr = card.atr();
        let mut bridge = self.card_bridge();
        match bridge.as_ref() {
            None => *bridge = Some(VpcdBridge::start(35963, card)),
            Some(b) => {
                b.remove();
                self.wait(VPCD_CARD_READER, |a| a.is_none());
                b.replace(card);
                b.insert();
            }
        }
        drop(bridge);
        self.wait(VPCD_CARD_READER, |a| a == Some(atr.as_slice()));
        *self.present_atr.lock().unwrap_or_else(|p| p.into_inner()) = Some(atr);
    }

    /// Pulls the card now, without waiting for pcscd to notice (for pulls in the middle of
    /// a command, from another thread).
    pub fn pull_now(&self) {
        if let Some(b) = self.card_bridge().as_ref() {
            b.remove();
        }
    }
}

/// Whether pcscd shows a card in `reader` (false when pcscd cannot be asked).
pub fn card_present(reader: &str) -> bool {
    PcscProvider::new()
        .list_readers()
        .map(|rs| rs.iter().any(|r| r.name == reader && r.atr.is_some()))
        .unwrap_or(false)
}

/// Waits for `ready`, looking every 20 ms; panics naming `what` after `timeout`.
pub fn wait_until(what: &str, timeout: Duration, ready: impl Fn() -> bool) {
    let deadline = Instant::now() + timeout;
    while !ready() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

impl Rig for Vpcd {
    fn provider(&self) -> &dyn ReaderProvider {
        &self.provider
    }
    fn insert(&self, card: CardOs) {
        self.insert_device(Box::new(card));
    }
    fn remove(&self) {
        if let Some(b) = self.card_bridge().as_ref() {
            b.remove();
        }
        self.wait(VPCD_CARD_READER, |a| a.is_none());
    }
    fn reinsert(&self) {
        if let Some(b) = self.card_bridge().as_ref() {
            b.insert();
        }
        let atr = self
            .present_atr
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        self.wait(VPCD_CARD_READER, |a| {
            a.is_some() && (atr.is_none() || a == atr.as_deref())
        });
    }
    fn label(&self) -> &'static str {
        "pcscd+vpcd"
    }
    fn pull_after(&self, slot: Slot, n: usize, point: PullPoint) {
        match slot {
            Slot::Card => {
                if let Some(b) = self.card_bridge().as_ref() {
                    b.pull_after(n, point);
                }
            }
            Slot::Psam => self.psam.pull_after(n, point),
        }
    }
    fn disarm_pull(&self, slot: Slot) -> bool {
        let (pulled, reader) = match slot {
            Slot::Card => {
                let bridge = self.card_bridge();
                let Some(b) = bridge.as_ref() else {
                    return false;
                };
                b.pull_after(usize::MAX, PullPoint::BeforeCommand);
                (!b.is_inserted(), VPCD_CARD_READER)
            }
            Slot::Psam => {
                self.psam.pull_after(usize::MAX, PullPoint::BeforeCommand);
                (!self.psam.is_inserted(), VPCD_PSAM_READER)
            }
        };
        if pulled {
            // pcscd learns of the pull from the closed socket; wait until it has, so that
            // a reinsertion is seen as one.
            self.wait(reader, |a| a.is_none());
        }
        pulled
    }
    fn reinsert_psam(&self) {
        self.psam.insert();
        self.wait(VPCD_PSAM_READER, |a| a.is_some());
    }
}
