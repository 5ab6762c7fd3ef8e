//! Crash-test helpers: a seeded random source, a card that can SIGKILL the kiosk process at
//! an exact APDU (the card itself lives in the test process, behind pcscd's vpcd driver, so
//! it survives the kiosk), killing a process and waiting until it is dead, and checks on the
//! kiosk's database (opened through one function, so a changed way of opening it — e.g. an
//! encryption key — is changed in one place).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use card_io::sscard::AppState;
use hw_sim::{CardOs, SimDevice};
use kiosk_core::card_ops::{self, Target};
use kiosk_core::domain::CardState;
use serde_json::{json, Value};

use crate::rig::{Rig, Vpcd};
use crate::served::{kind, Served};
use kiosk_store::sqlite::SqliteStore;

/// splitmix64: small, seedable, good enough to choose kill points reproducibly.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The seed from `var` (decimal) when set, else from the clock; printed by the caller.
    pub fn seed_from_env(var: &str) -> u64 {
        match std::env::var(var) {
            Ok(v) => v
                .trim()
                .parse()
                .unwrap_or_else(|e| panic!("{var}={v:?} is not a number: {e}")),
            Err(_) => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1),
        }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// Sends SIGKILL to `pid` and waits until the process is dead (gone or a zombie): after
/// this returns it cannot write anything more.
pub fn kill_and_wait(pid: u32) {
    let _ = Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(10);
    while alive(pid) {
        assert!(Instant::now() < deadline, "process {pid} survived SIGKILL");
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Whether `pid` runs (not gone, not a zombie).
pub fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state is the field after the parenthesised command name.
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X"),
        Err(_) => false,
    }
}

/// When the card kills the kiosk: at the `nth` APDU (1-based) after arming, before the
/// card processes it (the command never reaches the chip) or after (the chip did it, the
/// answer is lost).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApduKill {
    pub pid: u32,
    pub nth: usize,
    pub after: bool,
    /// Instead of an APDU: kill this long after the card's latest answer, unless another
    /// APDU comes first (to land inside what the kiosk does with the answer: the commit).
    pub delay_micros: Option<u64>,
}

/// What the card saw since it was armed.
#[derive(Default)]
struct KillState {
    armed: Option<ApduKill>,
    /// APDUs answered since arming.
    seen: usize,
    /// The kill this card carried out (with the INS of that APDU).
    fired: Option<(ApduKill, u8)>,
    /// INS bytes of the APDUs since arming.
    ins: Vec<u8>,
    /// When the latest answer was given (delay mode).
    last_answer: Option<Instant>,
    /// Bumped by every arming, so that an old delay watcher stops.
    generation: u64,
    /// Runs (once) after the card processed the first APDU with this INS, before it answers.
    hook: Option<(u8, Box<dyn FnOnce() + Send>)>,
}

/// Shared view of a [`KillCard`]: arm it, and read what happened.
#[derive(Clone, Default)]
pub struct KillSwitch(Arc<Mutex<KillState>>);

impl KillSwitch {
    fn lock(&self) -> std::sync::MutexGuard<'_, KillState> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Arms (or with `None` disarms) the card; resets the counters. In delay mode a watcher
    /// thread kills the process `delay_micros` after the latest answer.
    pub fn arm(&self, kill: Option<ApduKill>) {
        let generation = {
            let mut s = self.lock();
            s.armed = kill;
            s.seen = 0;
            s.fired = None;
            s.ins.clear();
            s.last_answer = None;
            s.generation += 1;
            s.generation
        };
        let Some(
            k @ ApduKill {
                delay_micros: Some(micros),
                ..
            },
        ) = kill
        else {
            return;
        };
        let me = self.clone();
        std::thread::spawn(move || loop {
            std::thread::sleep(Duration::from_micros(50));
            {
                let mut s = me.lock();
                if s.generation != generation || s.armed.is_none() || !alive(k.pid) {
                    return;
                }
                let due = s
                    .last_answer
                    .is_some_and(|t| t.elapsed() >= Duration::from_micros(micros));
                if !due {
                    continue;
                }
                let ins = s.ins.last().copied().unwrap_or(0);
                s.armed = None;
                s.fired = Some((k, ins));
            }
            kill_and_wait(k.pid);
            return;
        });
    }

    /// Runs `f` once, after the card processed the next APDU with instruction byte `ins` and
    /// before its answer goes back (e.g. the disk fills while the card is unblocked).
    pub fn on_ins(&self, ins: u8, f: impl FnOnce() + Send + 'static) {
        self.lock().hook = Some((ins, Box::new(f)));
    }

    /// Whether the hook set by [`KillSwitch::on_ins`] ran.
    pub fn hook_ran(&self) -> bool {
        self.lock().hook.is_none()
    }

    /// The kill carried out since arming, with the INS byte of the APDU it landed on.
    pub fn fired(&self) -> Option<(ApduKill, u8)> {
        self.lock().fired
    }

    /// INS bytes of every APDU since arming.
    pub fn ins(&self) -> Vec<u8> {
        self.lock().ins.clone()
    }
}

/// A card OS that kills the kiosk process at a chosen APDU (see [`ApduKill`]).
pub struct KillCard {
    pub inner: CardOs,
    pub switch: KillSwitch,
}

impl SimDevice for KillCard {
    fn atr(&self) -> Vec<u8> {
        self.inner.atr()
    }

    fn process(&mut self, apdu: &[u8]) -> Vec<u8> {
        let ins = apdu.get(1).copied().unwrap_or(0);
        let trigger = {
            let mut s = self.switch.lock();
            s.seen += 1;
            s.ins.push(ins);
            match s.armed {
                Some(k) if k.delay_micros.is_none() && k.nth == s.seen => {
                    s.armed = None;
                    s.fired = Some((k, ins));
                    Some(k)
                }
                _ => None,
            }
        };
        match trigger {
            Some(k) if !k.after => {
                kill_and_wait(k.pid);
                // Nobody is left to read this answer.
                vec![0x6F, 0x00]
            }
            Some(k) => {
                let answer = self.inner.process(apdu);
                kill_and_wait(k.pid);
                answer
            }
            None => {
                let answer = self.inner.process(apdu);
                let hook = {
                    let mut s = self.switch.lock();
                    s.last_answer = Some(Instant::now());
                    match &s.hook {
                        Some((i, _)) if *i == ins => s.hook.take().map(|(_, f)| f),
                        _ => None,
                    }
                };
                if let Some(f) = hook {
                    f();
                }
                answer
            }
        }
    }

    fn reset(&mut self) {
        self.inner.reset()
    }

    fn power_off(&mut self) {
        self.inner.power_off()
    }
}

/// The key of the database at `path`: the file beside it (`<path>.key`), which [`setup`]
/// makes and names in the kiosk's configuration, and [`snapshot`] copies with the database.
pub fn db_key(path: &Path) -> kiosk_store::sqlite::DbKey {
    let file = kiosk_store::sqlite::key::beside(path);
    kiosk_store::sqlite::DbKey::load(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

/// Opens the kiosk's database the way the kiosk does: with its key.
pub fn open_db(path: &Path) -> SqliteStore {
    SqliteStore::open(path, &db_key(path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A copy of a stopped kiosk's database (the file and its WAL, as a crash left them), so
/// that checks never write to the kiosk's own files.
pub fn snapshot(path: &Path) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let copy = dir.path().join("copy.db");
    std::fs::copy(path, &copy).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let wal = PathBuf::from(format!("{}-wal", path.display()));
    if wal.exists() {
        std::fs::copy(&wal, dir.path().join("copy.db-wal")).expect("WAL copied");
    }
    db_key(path)
        .write_new(&kiosk_store::sqlite::key::beside(&copy))
        .expect("the key beside the copy");
    (dir, copy)
}

/// A plain SQLite connection to the database at `path` (for the checks the kiosk has no
/// command for), read-only when `read_only`.
pub fn sql(path: &Path, read_only: bool) -> rusqlite::Connection {
    use rusqlite::OpenFlags;
    let flags = if read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
    } else {
        OpenFlags::default()
    };
    let conn = rusqlite::Connection::open_with_flags(path, flags)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    db_key(path)
        .apply(&conn)
        .unwrap_or_else(|e| panic!("{}: the key does not open it: {e}", path.display()));
    conn
}

/// Cases written without an outcome or an end (a business half-done), read-only.
pub fn unfinished_cases(path: &Path) -> Vec<String> {
    let conn = sql(path, true);
    let mut stmt = conn
        .prepare("SELECT case_id FROM cases WHERE outcome IS NULL OR finished_at IS NULL")
        .expect("query prepares");
    let ids = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .expect("query runs")
        .map(|r| r.expect("a case id"))
        .collect();
    ids
}

/// `PRAGMA integrity_check` of the database at `path` (a [`snapshot`]): "ok" or SQLite's
/// list of problems.
pub fn integrity_check(path: &Path) -> String {
    let conn = sql(path, false);
    let mut stmt = conn
        .prepare("PRAGMA integrity_check")
        .expect("integrity_check prepares");
    let lines: Vec<String> = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .expect("integrity_check runs")
        .map(|r| r.expect("a result line"))
        .collect();
    lines.join("\n")
}

/// `kiosk audit verify --db PATH`: (passed, what it printed).
pub fn audit_verify(kiosk: &Path, db: &Path) -> (bool, String) {
    let out = Command::new(kiosk)
        .args(["audit", "verify", "--db"])
        .arg(db)
        .arg("--key-file")
        .arg(kiosk_store::sqlite::key::beside(db))
        .output()
        .expect("kiosk audit verify runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// What the client saw of a business.
#[derive(Debug, Default)]
pub struct Seen {
    /// The case ids of done screens.
    pub done: Vec<String>,
    /// The last screen before the kiosk went away.
    pub last: String,
    pub killed: bool,
}

/// The case id on a done screen (its receipt names it).
pub fn case_on(page: &Value) -> Option<String> {
    let text = page["screen"].to_string();
    // Case ids are `<kiosk id>-<yyyymmdd>-<sequence>`.
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .find(|w| {
            let parts: Vec<&str> = w.rsplitn(3, '-').collect();
            parts.len() == 3
                && parts[1].len() == 8
                && parts[1].bytes().all(|b| b.is_ascii_digit())
                && !parts[0].is_empty()
                && parts[0].bytes().all(|b| b.is_ascii_digit())
        })
        .map(str::to_string)
}

/// The citizen's hands (issue 22): a session ends on `take_cards` until the card reader and
/// the ID module are empty, and a card left in the reader is never read for the next session.
/// So each drive starts with both cards out, starts the business, then puts them in; and takes
/// them out again when the kiosk asks.
/// Between drives both cards are in, as the test set them up (the card's state is read
/// through pcscd).
pub struct Hands<'a> {
    pub rig: &'a Vpcd,
    pub id_module: &'a hw_sim::idcard::PtyHandle,
    pub person: &'a hw_sim::idcard::Person,
    out: std::cell::Cell<bool>,
}

impl<'a> Hands<'a> {
    /// Hands for cards that are in now.
    pub fn new(
        rig: &'a Vpcd,
        id_module: &'a hw_sim::idcard::PtyHandle,
        person: &'a hw_sim::idcard::Person,
    ) -> Hands<'a> {
        Hands {
            rig,
            id_module,
            person,
            out: std::cell::Cell::new(false),
        }
    }

    /// Both cards out (the reader's removal seen by pcscd).
    pub fn take(&self) {
        if !self.out.replace(true) {
            self.rig.remove();
            self.id_module.lift();
        }
    }

    /// Both cards in: the social security card in the reader, the ID card on the module.
    pub fn give(&self) {
        if self.out.replace(false) {
            self.rig.reinsert();
            if let Err(e) = self.id_module.place(self.person) {
                panic!("the ID card placed on the module: {e}");
            }
        }
    }
}

/// Drives `business` over the JSON API until it is over or the kiosk is gone. `before_last`
/// runs just before the step that makes the business act (confirm, or the PINs).
pub fn drive(
    k: &Served,
    hands: &Hands<'_>,
    business: &str,
    pins: (&str, &str),
    before_last: impl FnMut(),
    stop_after_done: bool,
) -> Seen {
    let seen = drive_session(k, hands, business, pins, before_last, stop_after_done);
    hands.give();
    seen
}

fn drive_session(
    k: &Served,
    hands: &Hands<'_>,
    business: &str,
    pins: (&str, &str),
    mut before_last: impl FnMut(),
    stop_after_done: bool,
) -> Seen {
    let mut seen = Seen::default();
    let post = |path: &str, body: Value| -> Option<Value> {
        let a = k.try_json("POST", path, &body).ok()?;
        serde_json::from_str(&a.body).ok()
    };
    hands.take();
    let Some(mut page) = post("/api/session/start", json!({ "business": business })) else {
        seen.killed = true;
        return seen;
    };
    hands.give();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        assert!(Instant::now() < deadline, "{business} stuck at {page}");
        seen.last = kind(&page).to_string();
        let next = match kind(&page) {
            "ask" => {
                // The card in the reader and the ID card on the module are read by the
                // kiosk's device threads: wait for the screen to move on.
                std::thread::sleep(Duration::from_millis(20));
                k.try_json("GET", "/api/session", &Value::Null)
                    .ok()
                    .and_then(|a| serde_json::from_str(&a.body).ok())
            }
            "confirm" => {
                if matches!(business, "pin_change" | "pin_reset") {
                    post("/api/session/event", json!({ "action": "confirm" }))
                } else {
                    before_last();
                    post("/api/session/event", json!({ "action": "confirm" }))
                }
            }
            "pins" => {
                before_last();
                let (old, new) = pins;
                let body = if business == "pin_change" {
                    json!({ "action": "pins", "old": old, "new": new, "repeat": new })
                } else {
                    json!({ "action": "pins", "new": new, "repeat": new })
                };
                post("/api/session/event", body)
            }
            "done" => {
                let case = case_on(&page)
                    .unwrap_or_else(|| panic!("no case id on the done screen: {page}"));
                seen.done.push(case);
                if stop_after_done {
                    return seen;
                }
                post(
                    "/api/session/event",
                    json!({ "action": "rate", "level": 5 }),
                )
            }
            "take_cards" => {
                hands.take();
                std::thread::sleep(Duration::from_millis(20));
                k.try_json("GET", "/api/session", &Value::Null)
                    .ok()
                    .and_then(|a| serde_json::from_str(&a.body).ok())
            }
            "home" => return seen,
            "refused" | "failed" | "notice" | "interrupted" | "error" => {
                post("/api/session/event", json!({ "action": "cancel" }))
            }
            other => panic!("{business}: unexpected screen {other}: {page}"),
        };
        match next {
            Some(p) => page = p,
            None => {
                seen.killed = true;
                return seen;
            }
        }
    }
}

/// The card's state through card-io over pcscd.
pub fn card_state(rig: &Vpcd) -> (AppState, Option<u8>) {
    let conn = card_ops::connect_card(rig.provider(), &Target::default()).expect("the card");
    let s = card_ops::status(conn, crate::today()).expect("card status");
    (s.application, s.pin_tries_left)
}

/// Whether registry and card agree (after a session read the card: guard and reconcile ran).
pub fn agree(registry: CardState, card: AppState) -> bool {
    match registry {
        CardState::Active | CardState::Issued => card == AppState::Active,
        CardState::LostTemporary | CardState::LostFormal => card == AppState::TemporarilyBlocked,
        CardState::Cancelled => {
            matches!(card, AppState::PermanentlyBlocked | AppState::CardBlocked)
        }
        _ => true,
    }
}

/// A fresh database with the demo registry, and the kiosk's configuration.
pub fn setup(dir: &Path, id_path: &str) -> (PathBuf, PathBuf) {
    let db = dir.join("kiosk.db");
    let key_file = kiosk_store::sqlite::key::beside(&db);
    kiosk_store::sqlite::DbKey::generate()
        .write_new(&key_file)
        .expect("database key");
    {
        let store = open_db(&db);
        kiosk_service::demo::seed(
            &store,
            &kiosk_service::demo::DemoPaths::in_workspace(&crate::kiosk::root()),
            chrono::Utc::now(),
        )
        .expect("demo registry");
    }
    let config = format!(
        "[devices]\nid_module_port = \"{id_path}\"\nqr_port = \"\"\nprinter_port = \"\"\n\n[storage]\ndatabase = \"{}\"\nkey_file = \"{}\"\narchive_dir = \"{}\"\n",
        db.display(),
        key_file.display(),
        dir.join("archive").display()
    );
    let path = dir.join("kiosk.toml");
    std::fs::write(&path, config).expect("config written");
    (db, path)
}
