//! Disk full during a write: `kiosk serve` (real-hardware mode, the card and PSAM behind
//! pcscd's vpcd driver in this process) runs with SIGXFSZ ignored, and the test lowers its
//! file-size limit (`prlimit --fsize`, `RLIMIT_FSIZE`: no write may grow a file) at the
//! moment a business writes, so that SQLite's write fails the way it does on a full disk.
//!
//! 1. Full before a loss report commits: the citizen is told the record could not be saved,
//!    nothing changed, the database is intact and the audit chain verifies; with space back
//!    the same business completes.
//! 2. Full while the card is unblocked (the card did it, the commit fails): the citizen is
//!    told the card was done but the record is pending, the journal intent stays pending for
//!    reconciliation as designed; with space back the next card read settles it and card and
//!    registry agree, the case completed with its archive record.

use std::path::Path;
use std::process::Command;

use hw_sim::Transport;
use kiosk_core::domain::{local_date, CardState, Outcome};
use kiosk_core::store::{ArchiveStore, Journal, Registry};
use serde_json::{json, Value};
use tests::crash::{self, agree, card_state, drive, setup, Hands, KillCard, KillSwitch};
use tests::rig::Vpcd;
use tests::served::{kind, Served};
use tests::{card, kiosk::root};

const CARD_NUMBER: &str = "A00000001";
const FILE: &str = "v2-3des.toml";

/// Sets the soft file-size limit of process `pid` (`None` = unlimited).
fn fsize(pid: u32, bytes: Option<u64>) {
    let limit = bytes.map_or("unlimited".to_string(), |b| b.to_string());
    let status = Command::new("prlimit")
        .args(["--pid", &pid.to_string(), &format!("--fsize={limit}:")])
        .status()
        .expect("prlimit runs (util-linux)");
    assert!(status.success(), "prlimit --fsize={limit}: {status}");
}

/// The kiosk started through `bash` with SIGXFSZ ignored (inherited across `exec`), so that
/// a write past the limit fails with EFBIG instead of killing the process.
fn start(dir: &Path, config: &Path) -> Served {
    let script = dir.join("kiosk-nofsz.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/bash\ntrap '' XFSZ\nexec {} \"$@\"\n",
            tests::workspace_bin("kiosk").display()
        ),
    )
    .expect("wrapper written");
    // The executable is written by `install`, not by this process: a child that another
    // test's thread forks while this process holds the file open for writing would keep it
    // open, and executing it would fail with ETXTBSY.
    let wrapper = dir.join("kiosk-nofsz");
    let install = Command::new("install")
        .args(["-m", "755"])
        .arg(&script)
        .arg(&wrapper)
        .status()
        .expect("install");
    assert!(install.success());
    let config = config.to_string_lossy().to_string();
    Served::start_args(&wrapper, &["--config", &config], &[])
}

fn registry_state(db: &Path) -> CardState {
    crash::open_db(db)
        .card(CARD_NUMBER)
        .expect("registry")
        .expect("the card")
        .state
}

/// The dead-or-alive kiosk's files are intact: integrity check, audit chain.
fn intact(db: &Path, what: &str) {
    let (_d, snap) = crash::snapshot(db);
    assert_eq!(crash::integrity_check(&snap), "ok", "{what}");
    let (ok, report) = crash::audit_verify(&tests::workspace_bin("kiosk"), &snap);
    assert!(ok, "{what}: audit verify: {report}");
}

/// Runs `business` up to its last step, then calls `before_last`, and returns the page the
/// kiosk answered with.
fn until_result(k: &Served, business: &str, before_last: impl FnOnce()) -> Value {
    let mut before_last = Some(before_last);
    let mut page = k.api(
        "POST",
        "/api/session/start",
        json!({ "business": business }),
    );
    for _ in 0..2000 {
        match kind(&page) {
            "ask" => {
                std::thread::sleep(std::time::Duration::from_millis(20));
                page = k.screen();
            }
            "confirm" => {
                if let Some(f) = before_last.take() {
                    f();
                }
                return k.api("POST", "/api/session/event", json!({ "action": "confirm" }));
            }
            other => panic!("{business}: unexpected {other}: {page}"),
        }
    }
    panic!("{business} stuck: {page}");
}

#[test]
fn a_full_disk_gives_a_clear_error_and_no_corruption_and_the_kiosk_recovers() {
    let rig = Vpcd::lock(Transport::T1);
    let switch = KillSwitch::default();
    rig.insert_device(Box::new(KillCard {
        inner: card(FILE, Transport::T1),
        switch: switch.clone(),
    }));
    let person =
        hw_sim::idcard::Person::load(root().join("hw-sim/people").join(FILE)).expect("person file");
    let (id_path, id_module) =
        hw_sim::idcard::spawn_pty(hw_sim::idcard::IdModule::new(&person).expect("module"))
            .expect("ID module pty");
    let hands = Hands::new(&rig, &id_module, &person);
    let dir = tempfile::tempdir().expect("temp dir");
    let (db, config) = setup(dir.path(), &id_path);
    let k = start(dir.path(), &config);
    let pid = k.pid();

    // 1. The disk fills just before the loss report is committed.
    let page = until_result(&k, "report_loss", || fsize(pid, Some(0)));
    assert_eq!(kind(&page), "failed", "{page}");
    let message = page["screen"]["message"].as_str().unwrap_or("");
    assert!(
        message.contains("记录保存失败"),
        "the citizen is told the record could not be saved: {page}"
    );
    assert_eq!(
        registry_state(&db),
        CardState::Active,
        "nothing half-committed"
    );
    // The case opened at the start could not be closed either: it stays open, nothing more.
    let open = crash::unfinished_cases(&db);
    assert!(open.len() <= 1, "{open:?}");
    intact(&db, "after the failed loss report");
    k.api("POST", "/api/session/event", json!({ "action": "cancel" }));
    // Space is back: the same business completes.
    fsize(pid, None);
    let page = until_result(&k, "report_loss", || {});
    assert_eq!(kind(&page), "done", "{page}");
    assert_eq!(registry_state(&db), CardState::LostTemporary);
    assert!(
        crash::unfinished_cases(&db).is_empty(),
        "the case left open while the disk was full is closed"
    );
    k.api("POST", "/api/session/event", json!({ "action": "cancel" }));
    // A status query reads the card: the kiosk blocks the card reported lost.
    let seen = drive(&k, &hands, "status", ("", ""), || {}, false);
    assert_eq!(seen.done.len(), 1, "{seen:?}");
    assert_eq!(
        card_state(&rig).0,
        card_io::sscard::AppState::TemporarilyBlocked
    );

    // 2. The disk fills while the card carries out APPLICATION UNBLOCK for the loss
    // cancellation: the card is unblocked, the commit that records it fails.
    switch.on_ins(0x18, move || fsize(pid, Some(0)));
    let page = until_result(&k, "cancel_loss", || {});
    assert!(switch.hook_ran(), "the card was unblocked");
    assert_eq!(kind(&page), "failed", "{page}");
    let message = page["screen"]["message"].as_str().unwrap_or("").to_string();
    assert!(
        message.contains("记录") && message.contains("卡片已处理"),
        "the citizen is told the card was done and the record is pending: {page}"
    );
    assert_eq!(card_state(&rig).0, card_io::sscard::AppState::Active);
    let store = crash::open_db(&db);
    let pending = store.pending_intents().expect("journal");
    assert_eq!(pending.len(), 1, "the intent waits for reconciliation");
    let case_id = pending[0].intent.case_id.clone();
    drop(store);
    assert_eq!(registry_state(&db), CardState::LostTemporary);
    intact(&db, "after the failed commit");
    k.api("POST", "/api/session/event", json!({ "action": "cancel" }));

    // Space is back: the next card read settles the intent; card and registry agree.
    fsize(pid, None);
    let seen = drive(&k, &hands, "status", ("", ""), || {}, false);
    assert_eq!(seen.done.len(), 1, "{seen:?}");
    let store = crash::open_db(&db);
    assert!(store.pending_intents().expect("journal").is_empty());
    let state = registry_state(&db);
    assert_eq!(state, CardState::Active);
    assert!(agree(state, card_state(&rig).0));
    let case = store.case(&case_id).expect("registry").expect("the case");
    assert_eq!(case.outcome, Some(Outcome::Completed), "{case:?}");
    let month = local_date(case.finished_at.expect("finished"))
        .format("%Y-%m")
        .to_string();
    assert!(store
        .month_records(&month)
        .expect("archive")
        .iter()
        .any(|r| r.record.case_id == case_id));
    drop(store);
    assert!(crash::unfinished_cases(&db).is_empty());
    intact(&db, "after recovery");
}
