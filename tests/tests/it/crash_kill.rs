//! Crash safety: `kiosk serve` (real-hardware mode) is killed with SIGKILL at random points
//! of citizens' businesses and restarted on the same database and configuration, many times.
//!
//! The card and the PSAM live in this test process behind pcscd's vpcd driver (so a card
//! command that reached the chip stays done when the kiosk dies, and the restarted kiosk's
//! reconciliation has to find out), the ID card module runs on a pty here too. Kill points:
//! at an exact APDU (before the chip processes it, or after with the answer lost), a few
//! microseconds after the card command's last answer (inside the commit), at a random delay
//! into the business, and right after the done screen. After each kill: `PRAGMA
//! integrity_check` is ok and `kiosk audit verify` passes on the dead kiosk's files; after the
//! restart no journal intent is pending, every case whose done screen the client saw is in
//! the registry, completed, with its archive record, no case is left half-done, the next
//! citizen's status query completes, and then card and registry agree.
//!
//! `CRASH_SEED=N` replays a run; `CRASH_ROUNDS=N` runs longer (default 60, about half a minute).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use card_io::sscard::AppState;
use hw_sim::Transport;
use kiosk_core::card_ops::{self, Target};
use kiosk_core::domain::{local_date, CardState, Outcome};
use kiosk_core::store::{ArchiveStore, Journal, Registry};
use tests::crash::{
    self, agree, card_state, drive, setup, ApduKill, Hands, KillCard, KillSwitch, Rng, Seen,
};
use tests::rig::{Rig, Vpcd};
use tests::served::Served;
use tests::{card, pin};

const CARD_FILE: &str = "v2-3des.toml";
const CARD_NUMBER: &str = "A00000001";
const PERSON: &str = "v2-3des.toml";
/// PINs the holder may set (none weak for this holder).
const GOOD_PINS: [&str; 3] = ["580317", "704915", "362984"];

/// How one round's kill is placed.
#[derive(Debug, Clone, Copy)]
enum Plan {
    /// At the n-th APDU of the business's last step (before or after the chip ran it).
    Apdu { nth: usize, after: bool },
    /// This long after the last step's last APDU was answered (inside the commit).
    AfterCard { micros: u64 },
    /// This long after the business started.
    Delay { millis: u64 },
    /// This long after the last step was sent (the commit of a business without a card
    /// command).
    AfterPost { micros: u64 },
    /// As soon as the done screen was seen.
    AfterDone,
}

struct Kiosk {
    bin: PathBuf,
    config: PathBuf,
    served: Option<Served>,
}

impl Kiosk {
    fn start(&mut self) -> &Served {
        let config = self.config.to_string_lossy().to_string();
        let served = Served::start_args(&self.bin, &["--config", &config], &[]);
        self.served = Some(served);
        self.served.as_ref().expect("just started")
    }

    fn served(&self) -> &Served {
        self.served.as_ref().expect("the kiosk runs")
    }

    /// Reaps the killed process (killing it first if it still runs).
    fn reap(&mut self) {
        self.served = None;
    }
}

/// Which of `candidates` the card's PIN is (VERIFY through card-io; a wrong try is undone
/// by the right one).
fn find_pin(rig: &Vpcd, candidates: &[String]) -> String {
    for p in candidates {
        let conn = card_ops::connect_card(rig.provider(), &Target::default()).expect("the card");
        if card_ops::verify(conn, &pin(p)).is_ok() {
            return p.clone();
        }
    }
    panic!("none of the PINs {candidates:?} works: a PIN command was lost");
}

#[test]
fn sigkill_at_random_points_loses_nothing_and_leaves_nothing_half_done() {
    let seed = Rng::seed_from_env("CRASH_SEED");
    let rounds: usize = std::env::var("CRASH_ROUNDS")
        .ok()
        .map(|v| v.parse().expect("CRASH_ROUNDS is a number"))
        .unwrap_or(60);
    println!("crash test: seed {seed} (CRASH_SEED={seed} replays), {rounds} rounds");
    let mut rng = Rng::new(seed);

    let rig = Vpcd::lock(Transport::T1);
    let switch = KillSwitch::default();
    rig.insert_device(Box::new(KillCard {
        inner: card(CARD_FILE, Transport::T1),
        switch: switch.clone(),
    }));
    let person =
        hw_sim::idcard::Person::load(tests::kiosk::root().join("hw-sim/people").join(PERSON))
            .expect("person file");
    let (id_path, id_module) =
        hw_sim::idcard::spawn_pty(hw_sim::idcard::IdModule::new(&person).expect("module"))
            .expect("ID module pty");
    let hands = Hands::new(&rig, &id_module, &person);
    let dir = tempfile::tempdir().expect("temp dir");
    let (db, config) = setup(dir.path(), &id_path);
    let bin = tests::workspace_bin("kiosk");
    let mut kiosk = Kiosk {
        bin: bin.clone(),
        config,
        served: None,
    };
    kiosk.start();

    // The PIN the card has, or the two it may have after a PIN command was cut.
    let mut pins: Vec<String> = vec!["123456".into()];
    let mut done_cases: Vec<String> = Vec::new();
    let mut landed: BTreeMap<String, usize> = BTreeMap::new();
    let start = Instant::now();

    for round in 0..rounds {
        // The state decides which businesses can run.
        let registry = {
            let store = crash::open_db(&db);
            store
                .card(CARD_NUMBER)
                .expect("registry")
                .expect("the card")
                .state
        };
        let business = match registry {
            CardState::LostTemporary => "cancel_loss",
            _ => *rng.pick(&["status", "pin_change", "pin_reset", "report_loss"]),
        };
        if pins.len() > 1 && business == "pin_change" {
            let p = find_pin(&rig, &pins);
            pins = vec![p];
        }
        let old = pins[0].clone();
        let new = GOOD_PINS
            .iter()
            .find(|p| **p != old.as_str())
            .expect("a new PIN")
            .to_string();
        let writes_card = matches!(business, "pin_change" | "pin_reset" | "cancel_loss");
        let plan = match rng.below(10) {
            0..=3 if writes_card => Plan::Apdu {
                nth: 1 + rng.below(6) as usize,
                after: rng.below(2) == 1,
            },
            4..=5 if writes_card => Plan::AfterCard {
                micros: rng.below(3000),
            },
            0..=2 if business == "status" => Plan::Apdu {
                nth: 1 + rng.below(6) as usize,
                after: rng.below(2) == 1,
            },
            0..=5 => Plan::AfterPost {
                micros: rng.below(5000),
            },
            6..=8 => Plan::Delay {
                millis: rng.below(150),
            },
            _ => Plan::AfterDone,
        };
        let pid = kiosk.served().pid();
        switch.arm(None);
        let killer = match plan {
            Plan::Delay { millis } => Some(std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(millis));
                crash::kill_and_wait(pid);
            })),
            _ => None,
        };
        // Card reads before the last step happen on their own time; arm just before it.
        let arm = || match plan {
            Plan::Apdu { nth, after } => switch.arm(Some(ApduKill {
                pid,
                nth,
                after,
                delay_micros: None,
            })),
            Plan::AfterCard { micros } => switch.arm(Some(ApduKill {
                pid,
                nth: usize::MAX,
                after: true,
                delay_micros: Some(micros),
            })),
            Plan::AfterPost { micros } => {
                std::thread::spawn(move || {
                    std::thread::sleep(Duration::from_micros(micros));
                    crash::kill_and_wait(pid);
                });
            }
            _ => {}
        };
        if !writes_card && matches!(plan, Plan::Apdu { .. }) {
            // Reading businesses: count from the start (the card read, and the guard's
            // block of a card reported lost).
            arm();
        }
        let seen = drive(
            kiosk.served(),
            &hands,
            business,
            (&old, &new),
            || {
                if writes_card || matches!(plan, Plan::AfterPost { .. }) {
                    arm()
                }
            },
            matches!(plan, Plan::AfterDone),
        );
        if let Plan::AfterCard { micros } | Plan::AfterPost { micros } = plan {
            // The watcher kills `micros` after the card's last answer (or the last step), if
            // the business got that far.
            std::thread::sleep(Duration::from_micros(micros) + Duration::from_millis(20));
        }
        // A kill that did not land (the business read less of the card) must not hit the
        // next kiosk.
        let fired = switch.fired();
        switch.arm(None);
        done_cases.extend(seen.done.iter().cloned());
        if let Some(h) = killer {
            h.join().expect("killer thread");
        }
        // Anything not killed yet (the business ended first) is killed now, idle.
        let was_alive = crash::alive(pid);
        crash::kill_and_wait(pid);
        kiosk.reap();

        // The dead kiosk's files: intact, the audit chain verifies.
        let (_snap_dir, snap) = crash::snapshot(&db);
        let integrity = crash::integrity_check(&snap);
        assert_eq!(
            integrity, "ok",
            "round {round} (seed {seed}): integrity_check"
        );
        let (ok, report) = crash::audit_verify(&bin, &snap);
        assert!(ok, "round {round} (seed {seed}): audit verify: {report}");
        let pending_at_death = crash::open_db(&snap)
            .pending_intents()
            .expect("journal")
            .len();
        let step = describe(plan, fired, &seen, was_alive, pending_at_death, business);
        println!("round {round}: {business} {plan:?} → {step}");
        *landed.entry(step).or_default() += 1;
        if pins.len() == 1 && matches!(business, "pin_change" | "pin_reset") {
            if seen.done.is_empty() {
                pins.push(new.clone());
            } else {
                pins = vec![new.clone()];
            }
        }

        // Restart on the same database and configuration: reconciliation runs first.
        let served = kiosk.start();
        let store = crash::open_db(&db);
        let pending = store.pending_intents().expect("journal");
        assert!(
            pending.is_empty(),
            "round {round} (seed {seed}): intents left pending after startup: {pending:?}"
        );
        for case_id in &done_cases {
            let case = store
                .case(case_id)
                .expect("registry")
                .unwrap_or_else(|| panic!("round {round} (seed {seed}): case {case_id} lost"));
            assert_eq!(case.outcome, Some(Outcome::Completed), "{case:?}");
            let finished = case.finished_at.expect("a finished case");
            let month = local_date(finished).format("%Y-%m").to_string();
            let records = store.month_records(&month).expect("archive");
            assert!(
                records.iter().any(|r| &r.record.case_id == case_id),
                "round {round} (seed {seed}): case {case_id} has no archive record"
            );
        }
        let unfinished = crash::unfinished_cases(&db);
        assert!(
            unfinished.is_empty(),
            "round {round} (seed {seed}): cases left half-done: {unfinished:?}"
        );
        drop(store);

        // The next citizen is served: a status query completes, reading the card (which
        // settles anything the card still has to agree with).
        let next = drive(served, &hands, "status", ("", ""), || {}, false);
        assert!(
            !next.killed && next.done.len() == 1,
            "round {round} (seed {seed}): the next status query: {next:?}"
        );
        done_cases.extend(next.done);
        let registry = crash::open_db(&db)
            .card(CARD_NUMBER)
            .expect("registry")
            .expect("the card")
            .state;
        let (app, _) = card_state(&rig);
        assert!(
            agree(registry, app),
            "round {round} (seed {seed}): registry {registry:?} but card {app:?}"
        );
        if pins.len() > 1 && app == AppState::Active {
            let p = find_pin(&rig, &pins);
            pins = vec![p];
        }
    }
    kiosk.reap();
    println!(
        "crash test: {rounds} kills in {:.1} s (seed {seed}); where they landed:",
        start.elapsed().as_secs_f64()
    );
    for (step, n) in &landed {
        println!("  {n:4}  {step}");
    }
    println!("  {} completed cases checked", done_cases.len());
}

/// Where a kill landed, from the plan, the card and what the dead kiosk's database shows.
fn describe(
    plan: Plan,
    fired: Option<(ApduKill, u8)>,
    seen: &Seen,
    was_alive: bool,
    pending: usize,
    business: &str,
) -> String {
    let ins = |i: u8| match i {
        0xA4 => "SELECT".to_string(),
        0xB2 => "READ RECORD".to_string(),
        0x20 => "VERIFY".to_string(),
        0x5E => "CHANGE PIN".to_string(),
        0x24 => "RESET PIN".to_string(),
        0x84 => "GET CHALLENGE".to_string(),
        0x1E => "APPLICATION BLOCK".to_string(),
        0x18 => "APPLICATION UNBLOCK".to_string(),
        other => format!("INS {other:02X}"),
    };
    let journal = if pending > 0 { ", intent pending" } else { "" };
    let what = match (plan, fired) {
        (Plan::Apdu { .. }, Some((k, i))) if k.after => {
            format!("card: after {}, answer lost{journal}", ins(i))
        }
        (Plan::Apdu { .. }, Some((_, i))) => format!("card: before {}{journal}", ins(i)),
        (Plan::AfterCard { micros }, Some((_, i))) if seen.done.is_empty() => {
            let bucket = match micros {
                0..=499 => "0–0.5 ms",
                500..=1499 => "0.5–1.5 ms",
                _ => "1.5–3 ms",
            };
            format!(
                "commit: {bucket} after the card's answer to {}{journal}",
                ins(i)
            )
        }
        (Plan::AfterPost { micros }, _) if seen.done.is_empty() => {
            let bucket = match micros {
                0..=999 => "0–1 ms",
                1000..=2999 => "1–3 ms",
                _ => "3–5 ms",
            };
            format!("commit: {bucket} after the last step was sent{journal}")
        }
        (Plan::Delay { .. }, _) if !was_alive || seen.killed => match seen.last.as_str() {
            "" => format!("delay: while the business started{journal}"),
            last => format!("delay: on the {last} screen{journal}"),
        },
        (Plan::AfterDone, _) => "right after the done screen".to_string(),
        _ => format!("after the business ended ({}){journal}", seen.last),
    };
    format!("{business}: {what}")
}
