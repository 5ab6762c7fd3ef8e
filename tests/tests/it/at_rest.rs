//! Personal data at rest: the database (and its `-wal`) is encrypted with the configured key,
//! a wrong key or a missing one is refused with a message that says what to do, a plaintext
//! database is encrypted in place by `kiosk storage encrypt`, and a simulated kiosk keeps its
//! key beside its database across restarts.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use hw_sim::Transport;
use kiosk_core::domain::{BusinessCode as B, CardState};
use kiosk_core::engine::session::Event;
use kiosk_core::store::Registry;
use kiosk_store::sqlite::{key, DbKey, SqliteStore};
use kiosk_store::DbError;
use tests::kiosk::{feed, id_text, start, TestKiosk};
use tests::rig::InProcess;

/// Personal data of the demo registry: every person's ID number and name (from hw-sim's
/// person files), the phone number and card numbers the registry holds.
fn personal_data(k: &TestKiosk) -> Vec<String> {
    let mut out = Vec::new();
    let people = tests::kiosk::root().join("hw-sim/people");
    for entry in std::fs::read_dir(&people).expect("hw-sim/people") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "toml") {
            let text = hw_sim::idcard::person::Person::load(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
                .text;
            if let Some(person) = k.store.person(&text.id_number).expect("registry") {
                out.push(person.id_number.clone());
                out.push(person.name.clone());
                if let Some(phone) = person.phone {
                    out.push(phone);
                }
                for card in k.store.cards_of(&person.id_number).expect("registry") {
                    out.push(card.card_number);
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The strings of `needles` found in `file` (as UTF-8 bytes).
fn found_in(file: &Path, needles: &[String]) -> Vec<String> {
    let bytes = std::fs::read(file).unwrap_or_default();
    needles
        .iter()
        .filter(|n| {
            let n = n.as_bytes();
            bytes.windows(n.len()).any(|w| w == n)
        })
        .cloned()
        .collect()
}

fn wal(db: &Path) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push("-wal");
    PathBuf::from(p)
}

#[test]
fn no_personal_data_in_the_database_files_after_a_business() {
    let k = TestKiosk::new();
    let rig = InProcess::new(Transport::T1);
    let e = k.engine(&rig.readers, &|_| Ok(()));
    // 张伟 reports his card lost: the case, its audit entries and the archive record are
    // written (into the -wal first).
    let mut s = start(&e, B::ReportLoss, false);
    feed(
        &e,
        &mut s,
        e.id_card_read(&id_text("v2-3des.toml")).expect("ID card"),
    );
    feed(&e, &mut s, Event::Confirm);
    drop(e);
    let id = id_text("v2-3des.toml").id_number;
    let cards = k.store.cards_of(&id).expect("registry");
    assert!(
        cards.iter().any(|c| c.state == CardState::LostTemporary),
        "the loss was recorded: {cards:?}"
    );

    let db = PathBuf::from(&k.config.storage.database);
    let needles = personal_data(&k);
    assert!(needles.len() >= 15, "the demo registry's data: {needles:?}");
    assert!(needles.iter().any(|n| n == "张伟"), "{needles:?}");
    assert!(needles.iter().any(|n| n == "13912345678"), "{needles:?}");
    let wal = wal(&db);
    assert!(
        std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0) > 0,
        "the business was written to the -wal"
    );
    for file in [&db, &wal] {
        let leaked = found_in(file, &needles);
        assert!(
            leaked.is_empty(),
            "{} holds {leaked:?} in clear",
            file.display()
        );
        // Not even SQLite's own header or schema text.
        assert!(found_in(file, &["SQLite format 3".into(), "CREATE TABLE".into()]).is_empty());
    }

    // The control: decrypted, the same search finds every one of them.
    let key = DbKey::load(Path::new(
        k.config.storage.key_file.as_deref().expect("key file"),
    ))
    .expect("key");
    let plain = k.dir.path().join("plain.db");
    tests::kiosk::plaintext_copy(&db, &key, &plain);
    assert_eq!(found_in(&plain, &needles), needles);
}

#[test]
fn a_wrong_key_is_named_and_a_plaintext_database_is_encrypted_in_place() {
    let k = TestKiosk::new();
    let db = PathBuf::from(&k.config.storage.database);
    let key_file = PathBuf::from(k.config.storage.key_file.clone().expect("key file"));
    let key = DbKey::load(&key_file).expect("key");
    let needles = personal_data(&k);
    drop(k.store);

    // Another key: refused with the path, not "file is not a database".
    let e = SqliteStore::open(&db, &DbKey::generate()).expect_err("a wrong key");
    assert!(matches!(e, DbError::WrongKey { .. }), "{e:?}");
    let message = e.to_string();
    assert!(
        message.contains(&format!("the database key does not open {}", db.display())),
        "{message}"
    );
    assert!(!message.contains("file is not a database"), "{message}");

    // The same through a command: a configuration with the wrong key file.
    let dir = k.dir.path();
    let wrong = dir.join("wrong.key");
    DbKey::generate().write_new(&wrong).expect("key");
    let out = kiosk(&[
        "audit",
        "verify",
        "--db",
        db.to_str().expect("path"),
        "--key-file",
        wrong.to_str().expect("path"),
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(
        text(&out).contains(&format!("the database key does not open {}", db.display())),
        "{}",
        text(&out)
    );

    // No key configured at all: refused, with the command that makes one.
    let cfg = dir.join("nokey.toml");
    std::fs::write(
        &cfg,
        format!("[storage]\ndatabase = \"{}\"\n", db.display()),
    )
    .expect("config");
    let out = kiosk(&["audit", "verify", "--config", cfg.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(
        text(&out).contains("no database key is configured")
            && text(&out).contains("kiosk config dbkey -o"),
        "{}",
        text(&out)
    );

    // A plaintext database (as before encryption): refused, then encrypted in place.
    let plain = dir.join("old.db");
    tests::kiosk::plaintext_copy(&db, &key, &plain);
    assert_eq!(found_in(&plain, &needles), needles, "the control: in clear");
    let e = SqliteStore::open(&plain, &key).expect_err("plaintext");
    assert!(matches!(e, DbError::NotEncrypted { .. }), "{e:?}");
    assert!(e.to_string().contains("kiosk storage encrypt"), "{e}");
    let plain_arg = plain.to_str().expect("path");
    let key_arg = key_file.to_str().expect("path");
    let out = kiosk(&[
        "storage",
        "encrypt",
        "--db",
        plain_arg,
        "--key-file",
        key_arg,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("encrypted"), "{}", text(&out));
    assert!(
        found_in(&plain, &needles).is_empty(),
        "no data in clear after encrypting"
    );
    assert!(!wal(&plain).exists() || found_in(&wal(&plain), &needles).is_empty());
    let leftovers: Vec<_> = std::fs::read_dir(dir)
        .expect("dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".encrypting-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    // Everything is there, under the key, and the audit chain still verifies.
    let store = SqliteStore::open(&plain, &key).expect("the encrypted database opens");
    assert_eq!(
        store
            .person(&needles_id(&needles))
            .expect("registry")
            .map(|p| p.name),
        Some("张伟".to_string())
    );
    drop(store);
    let out = kiosk(&["audit", "verify", "--db", plain_arg, "--key-file", key_arg]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // A second run is refused: it is not plaintext any more.
    let out = kiosk(&[
        "storage",
        "encrypt",
        "--db",
        plain_arg,
        "--key-file",
        key_arg,
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("not a plaintext"), "{}", text(&out));
}

/// 张伟's ID number among the personal data.
fn needles_id(needles: &[String]) -> String {
    let id = id_text("v2-3des.toml").id_number;
    assert!(needles.contains(&id));
    id
}

#[test]
fn dbkey_writes_a_private_key_once() {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("db.key");
    let out = kiosk(&["config", "dbkey", "-o", file.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("key_file ="), "{}", text(&out));
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).expect("key").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let first = std::fs::read_to_string(&file).expect("key");
    assert_eq!(first.trim().len(), 64);
    assert!(DbKey::load(&file).is_ok());
    // Never overwritten.
    let out = kiosk(&["config", "dbkey", "-o", file.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("never overwritten"), "{}", text(&out));
    assert_eq!(std::fs::read_to_string(&file).expect("key"), first);
}

#[test]
fn a_real_kiosk_refuses_to_serve_without_a_key() {
    let dir = tempfile::tempdir().expect("dir");
    let cfg = dir.path().join("kiosk.toml");
    std::fs::write(
        &cfg,
        format!(
            "[storage]\ndatabase = \"{}\"\narchive_dir = \"{}\"\n",
            dir.path().join("kiosk.db").display(),
            dir.path().join("archive").display()
        ),
    )
    .expect("config");
    let out = Command::new(tests::workspace_bin("kiosk"))
        .args(["serve", "--listen", "127.0.0.1:0", "--config"])
        .arg(&cfg)
        .output()
        .expect("kiosk serve");
    assert_ne!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("no database key is configured")
            && text(&out).contains("kiosk config dbkey"),
        "{}",
        text(&out)
    );
    assert!(
        !dir.path().join("kiosk.db").exists(),
        "no database was made"
    );
}

#[test]
fn a_simulated_kiosk_keeps_its_key_beside_its_database_across_restarts() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("sim.db");
    let db_arg = db.to_str().expect("path");
    let first = tests::served::Served::sim(&["--db", db_arg]);
    assert_eq!(first.get("/api/session", None).status, 200);
    drop(first);
    let key_file = key::beside(&db);
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file)
            .expect("key made")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600, "{}", key_file.display());
    }
    let made = std::fs::read(&key_file).expect("key");
    // The key beside the database opens it (for the technician's commands too).
    let store = SqliteStore::open(&db, &DbKey::load(&key_file).expect("key"))
        .expect("the sim's database opens with its key");
    assert!(store
        .person(&needles_id_of_demo())
        .expect("registry")
        .is_some());
    drop(store);
    let out = kiosk(&[
        "audit",
        "verify",
        "--db",
        db_arg,
        "--key-file",
        key_file.to_str().expect("path"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // Restarted on the same database, the kiosk reuses the key rather than making another
    // (whatever it then thinks of the registry already seeded there).
    let mut child = Command::new(tests::workspace_bin("kiosk"))
        .args(["serve", "--sim", "--listen", "127.0.0.1:0", "--root"])
        .arg(tests::kiosk::root())
        .args(["--db", db_arg])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("kiosk serve");
    let mut line = String::new();
    let stdout = child.stdout.take().expect("stdout");
    let _ = std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line);
    let _ = child.kill();
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("database key") && !stderr.contains("does not open"),
        "{line}{stderr}"
    );
    assert_eq!(
        std::fs::read(&key_file).expect("key"),
        made,
        "the key was reused"
    );
}

fn needles_id_of_demo() -> String {
    id_text("v2-3des.toml").id_number
}

fn kiosk(args: &[&str]) -> Output {
    Command::new(tests::workspace_bin("kiosk"))
        .args(args)
        .output()
        .expect("kiosk runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}
