//! `kiosk demo seed`, `kiosk application list|move`, `kiosk audit verify` and `kiosk stats`
//! on one database, after businesses ran on it through the engine.

use std::path::Path;
use std::process::{Command, Output};

use hw_sim::Transport;
use kiosk_core::domain::BusinessCode as B;
use kiosk_core::engine::session::Event;
use kiosk_store::sqlite::key;
use tests::kiosk::{compliant_photo, feed, id_text, start, TestKiosk};
use tests::rig::InProcess;

const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$dGhpcyBpcyBhIDMyIGJ5dGUgaGFzaCBvdXRwdXQhIQ";

/// Runs the binary; a `--db FILE` gets `--key-file` with the key kept beside it (as
/// `TestKiosk` keeps it; made on first use for a fresh database).
fn kiosk(args: &[&str]) -> Output {
    let mut cmd = Command::new(tests::workspace_bin("kiosk"));
    cmd.args(args);
    if let Some(i) = args.iter().position(|a| *a == "--db") {
        let db = Path::new(args[i + 1]);
        key::beside_or_new(db).expect("database key");
        cmd.arg("--key-file").arg(key::beside(db));
    }
    cmd.output().expect("kiosk runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn write_config(dir: &Path) -> String {
    let path = dir.join("kiosk.toml");
    std::fs::write(
        &path,
        format!(
            "[[staff]]\nuser = \"wang\"\npassword_hash = \"{HASH}\"\nroles = [\"front_desk\"]\n\n\
             [[staff]]\nuser = \"tech\"\npassword_hash = \"{HASH}\"\nroles = [\"technician\"]\n"
        ),
    )
    .unwrap();
    path.display().to_string()
}

#[test]
fn demo_seed_refuses_a_seeded_database_and_seeds_an_empty_one() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db").display().to_string();
    let root = tests::kiosk::root().display().to_string();
    let o = kiosk(&["demo", "seed", "--db", &db, "--root", &root]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("seeded"));
    // Seeding twice would duplicate cards: refused, nothing changed.
    let o = kiosk(&["demo", "seed", "--db", &db, "--root", &root]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let o = kiosk(&["audit", "verify", "--db", &db]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

#[test]
fn staff_move_an_application_along_its_states() {
    let k = TestKiosk::new();
    let rig = InProcess::new(Transport::T1);
    let e = k.engine(&rig.readers, &|_| Ok(()));
    let mut s = start(&e, B::Apply, false);
    feed(
        &e,
        &mut s,
        e.id_card_read(&id_text("long-term.toml")).unwrap(),
    );
    feed(&e, &mut s, Event::PhotoTaken(compliant_photo()));
    feed(&e, &mut s, Event::Confirm);
    let case = s.case_id.clone();
    drop(e);
    let db = k.config.storage.database.clone();
    let cfg = write_config(k.dir.path());

    let o = kiosk(&[
        "application",
        "list",
        "--db",
        &db,
        "--config",
        &cfg,
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(out.contains(&case), "{out}");
    assert!(
        !out.contains("652301195510030022"),
        "ID numbers are masked: {out}"
    );

    let mv = |to: &str, staff: &str| {
        kiosk(&[
            "application",
            "move",
            &case,
            "--to",
            to,
            "--staff",
            staff,
            "--db",
            &db,
            "--config",
            &cfg,
        ])
    };
    // Not the next state; not a front-desk user; an unknown state.
    assert_eq!(mv("ready_for_pickup", "wang").status.code(), Some(1));
    assert_eq!(mv("accepted", "tech").status.code(), Some(1));
    let o = mv("approved", "wang");
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("--to"), "{}", text(&o));
    for to in ["accepted", "in_production", "ready_for_pickup", "collected"] {
        let o = mv(to, "wang");
        assert_eq!(o.status.code(), Some(0), "{to}: {}", text(&o));
    }
    // Every move is in the audit log under the staff user, and the chain holds.
    let o = kiosk(&["audit", "show", "--db", &db, "--limit", "10000", "--json"]);
    let log = String::from_utf8_lossy(&o.stdout).to_string();
    assert_eq!(log.matches("staff:wang").count(), 4, "{log}");
    let o = kiosk(&["audit", "verify", "--db", &db]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = kiosk(&[
        "stats",
        "--from",
        "2026-11-01",
        "--to",
        "2026-11-30",
        "--db",
        &db,
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("\"apply\""));
}
