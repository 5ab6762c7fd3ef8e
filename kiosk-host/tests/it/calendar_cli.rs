//! Issue 17: deadlines that stay true (`kiosk calendar status|install`) and the archive
//! query authenticated at the command line, by card number and by a range of days: the
//! built binary against a database prepared through the library.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use chrono::NaiveDate;
use serde_json::Value;

use firmware_config::{CalendarFile, Config};
use kiosk_core::calendar::WorkCalendar;
use kiosk_core::domain::{Actor, Application, BusinessCode, Person, Progress, Sex, Timestamp};
use kiosk_core::store::{AuditLog, Change, Commit, NewArchiveRecord, Registry};
use kiosk_store::sqlite::{key, SqliteStore};

const ID: &str = "652301198005061234";

fn t(s: &str) -> Timestamp {
    chrono::DateTime::parse_from_rfc3339(s)
        .unwrap()
        .with_timezone(&chrono::Utc)
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// Runs the binary with `stdin` as its standard input; `--db FILE` gets its key file.
fn kiosk_in(args: &[&str], stdin: &str) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kiosk"));
    cmd.args(args).env("RUST_LOG", "off");
    if let Some(i) = args.iter().position(|a| *a == "--db") {
        let db = Path::new(args[i + 1]);
        key::beside_or_new(db).unwrap();
        cmd.arg("--key-file").arg(key::beside(db));
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn kiosk(args: &[&str]) -> Output {
    kiosk_in(args, "")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn store(db: &Path) -> SqliteStore {
    SqliteStore::open(db, &key::beside_or_new(db).unwrap()).unwrap()
}

fn person() -> Person {
    Person {
        id_number: ID.into(),
        name: "张伟".into(),
        sex: Sex::Male,
        ethnicity: 1,
        birth_date: day("1980-05-06"),
        address: "新疆昌吉市兴昌路475号".into(),
        address_division: None,
        phone: None,
        photo_sha256: None,
    }
}

fn calendar_2026() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/calendar/cn-xj-2026.toml"),
    )
    .unwrap()
}

/// Years of `kiosk calendar status --json`: (year, status, provisional deadlines).
fn years(config: &str, db: &str) -> Vec<(i64, String, u64)> {
    let out = kiosk(&[
        "calendar", "status", "--config", config, "--db", db, "--json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["years"]
        .as_array()
        .unwrap()
        .iter()
        .map(|y| {
            (
                y["year"].as_i64().unwrap(),
                y["status"].as_str().unwrap().to_string(),
                y["provisional_deadlines"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// An application accepted in December 2026, its production date counted into 2027 while
/// the calendar had 2026 only (provisional); then 2027's file is installed: the deadline is
/// counted again with 元旦 2027 as a day off, written, audited, and the year is final.
#[test]
fn installing_a_years_calendar_recomputes_the_open_provisional_deadlines() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("kiosk.toml");
    std::fs::write(
        &config,
        format!(
            "[calendar]\nfile = \"{}\"\n",
            dir.path().join("calendar.toml").display()
        ),
    )
    .unwrap();
    std::fs::write(dir.path().join("calendar.toml"), calendar_2026()).unwrap();
    let db = dir.path().join("kiosk.db");
    let days = Config::default().business.application_deadline_days;
    let only_2026 =
        WorkCalendar::from_days(&CalendarFile::parse(&calendar_2026(), "2026").unwrap().days)
            .unwrap();
    let submitted = t("2026-12-10T02:00:00Z");
    let old = only_2026.add_working_days(day("2026-12-10"), days);
    assert!(old.provisional, "{old:?}");
    let app = |case_id: &str, progress| Application {
        case_id: case_id.into(),
        id_number: ID.into(),
        business: BusinessCode::Apply,
        progress,
        submitted_at: submitted,
        deadline: old.date,
        deadline_provisional: true,
        old_card: None,
        reasons: None,
        ready_at: None,
        deadline_recomputed_from: None,
    };
    {
        let s = store(&db);
        let mut c = Commit::new(Actor::Citizen("K1-20261210-000001".into()), submitted);
        c.changes = vec![
            Change::UpsertPerson(person()),
            Change::CreateApplication(app("K1-20261210-000001", Progress::Submitted)),
            // A closed application keeps its deadline as it was.
            Change::CreateApplication(app("K1-20261210-000002", Progress::Rejected)),
        ];
        s.commit(&c).unwrap();
    }
    let (config_s, db_s) = (config.to_str().unwrap(), db.to_str().unwrap());
    let before = years(config_s, db_s);
    assert!(before.contains(&(2026, "final".into(), 0)), "{before:?}");
    assert!(
        before.contains(&(2027, "provisional".into(), 1)),
        "{before:?}"
    );

    let file_2027 = dir.path().join("cn-xj-2027.toml");
    std::fs::write(
        &file_2027,
        "[[days]]\ndate = 2027-01-01\nkind = \"holiday\"\nname = \"元旦\"\n",
    )
    .unwrap();
    let out = kiosk(&[
        "calendar",
        "install",
        file_2027.to_str().unwrap(),
        "--config",
        config_s,
        "--db",
        db_s,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(said.contains("1 deadline(s) recomputed"), "{said}");
    assert!(said.contains("K1-20261210-000001"), "{said}");

    // The calendar file now holds both years; the deadline is one working day later.
    let installed = std::fs::read_to_string(dir.path().join("calendar.toml")).unwrap();
    let both =
        WorkCalendar::from_days(&CalendarFile::parse(&installed, "x").unwrap().days).unwrap();
    assert_eq!(both.years(), vec![2026, 2027]);
    let new = both.add_working_days(day("2026-12-10"), days);
    assert!(!new.provisional);
    assert_eq!(new.date, only_2026.add_working_days(old.date, 1).date);
    let s = store(&db);
    let open = s.application("K1-20261210-000001").unwrap().unwrap();
    assert_eq!(
        (open.deadline, open.deadline_provisional),
        (new.date, false)
    );
    assert_eq!(open.deadline_recomputed_from, Some(old.date));
    let closed = s.application("K1-20261210-000002").unwrap().unwrap();
    assert_eq!(
        (closed.deadline, closed.deadline_provisional),
        (old.date, true)
    );
    assert_eq!(closed.deadline_recomputed_from, None);
    let audited: Vec<_> = s
        .entries(1, 1000)
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "application.deadline")
        .collect();
    assert_eq!(audited.len(), 1, "{audited:?}");
    assert_eq!(audited[0].actor, "system");
    assert!(
        audited[0]
            .detail
            .to_string()
            .contains(&new.date.to_string()),
        "{:?}",
        audited[0].detail
    );
    drop(s);

    let after = years(config_s, db_s);
    assert!(after.contains(&(2027, "final".into(), 0)), "{after:?}");
    // Installing again changes nothing.
    let out = kiosk(&[
        "calendar",
        "install",
        file_2027.to_str().unwrap(),
        "--config",
        config_s,
        "--db",
        db_s,
    ]);
    assert!(text(&out.stdout).contains("0 deadline(s) recomputed"));
}

#[test]
fn a_calendar_file_with_a_conflict_is_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("kiosk.toml");
    std::fs::write(
        &config,
        format!(
            "[calendar]\nfile = \"{}\"\n",
            dir.path().join("calendar.toml").display()
        ),
    )
    .unwrap();
    std::fs::write(dir.path().join("calendar.toml"), calendar_2026()).unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[[days]]\ndate = 2027-01-01\nkind = \"holiday\"\nname = \"元旦\"\n\
         [[days]]\ndate = 2027-01-01\nkind = \"workday\"\nname = \"调休\"\n",
    )
    .unwrap();
    let db = dir.path().join("kiosk.db");
    let out = kiosk(&[
        "calendar",
        "install",
        bad.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("2027-01-01"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("calendar.toml")).unwrap(),
        calendar_2026()
    );
}

fn password_hash(password: &str) -> String {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let salt = SaltString::encode_b64(b"calendar-cli-salt").unwrap();
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .unwrap()
        .to_string()
}

fn record(case_id: &str, card: &str, finished: &str) -> NewArchiveRecord {
    NewArchiveRecord {
        case_id: case_id.into(),
        business: BusinessCode::ReportLoss,
        id_number: ID.into(),
        card_number: Some(card.into()),
        finished_at: t(finished),
        fonds: "0001".into(),
        organisation: "652300001".into(),
        retention_years: 50,
        title: "张* 社会保障卡挂失".into(),
        materials: vec![],
        steps: vec![],
    }
}

/// `kiosk archive query` reads the staff member's password on standard input and checks it;
/// a wrong or missing one is refused before anything is read. The archive is searched by
/// card number and by a range of days.
#[test]
fn the_archive_query_authenticates_and_searches_by_card_number_and_days() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("kiosk.toml");
    std::fs::write(
        &config,
        format!(
            "[[staff]]\nuser = \"archivist\"\npassword_hash = \"{}\"\nroles = [\"archive\"]\n",
            password_hash("correct horse battery")
        ),
    )
    .unwrap();
    let db = dir.path().join("kiosk.db");
    {
        let s = store(&db);
        let mut c = Commit::new(Actor::System, t("2026-03-01T02:00:00Z"));
        c.changes = vec![Change::UpsertPerson(person())];
        s.commit(&c).unwrap();
        for (case, card, at) in [
            ("K1-20260302-000001", "A12345678", "2026-03-02T02:00:00Z"),
            ("K1-20260315-000001", "B12345678", "2026-03-15T02:00:00Z"),
            ("K1-20260420-000001", "A12345678", "2026-04-20T02:00:00Z"),
        ] {
            let mut c = Commit::new(Actor::Citizen(case.into()), t(at));
            c.archive = Some(record(case, card, at));
            s.commit(&c).unwrap();
        }
    }
    let (config, db) = (config.to_str().unwrap(), db.to_str().unwrap());
    let query = |extra: &[&str], password: &str| {
        let mut args = vec![
            "archive",
            "query",
            "--config",
            config,
            "--db",
            db,
            "--staff",
            "archivist",
            "--json",
        ];
        args.extend_from_slice(extra);
        kiosk_in(&args, password)
    };
    let cases = |out: &Output| -> Vec<String> {
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut c: Vec<String> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["case_id"].as_str().unwrap().to_string())
            .collect();
        c.sort();
        c
    };
    for (password, why) in [("wrong password\n", "wrong password"), ("", "no password")] {
        let out = query(&["--card-number", "A12345678"], password);
        assert_eq!(out.status.code(), Some(1), "{why}: {}", text(&out.stderr));
        assert!(text(&out.stderr).contains(why), "{}", text(&out.stderr));
        assert!(out.stdout.is_empty());
    }
    let pw = "correct horse battery\n";
    assert_eq!(
        cases(&query(&["--card-number", "A12345678"], pw)),
        ["K1-20260302-000001", "K1-20260420-000001"]
    );
    assert_eq!(
        cases(&query(&["--from", "2026-03-01", "--to", "2026-03-31"], pw)),
        ["K1-20260302-000001", "K1-20260315-000001"]
    );
    let s = store(Path::new(db));
    let queries = s
        .entries(1, 1000)
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "archive.query" && e.actor.contains("archivist"))
        .count();
    assert_eq!(queries, 2, "only the authenticated queries ran");
}
