//! `kiosk audit` and `kiosk stats` end to end: the built binary against a database prepared
//! through the library.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::{json, Value};

use kiosk_core::domain::{
    Actor, Application, BusinessCode, CardRecord, CardState, Case, Outcome, Person, Progress, Sex,
};
use kiosk_core::store::{AuditLog, Change, Commit, Feedback, Rating, Registry};
use kiosk_store::sqlite::{key, SqliteStore};

const ID: &str = "652301198005061234";
const CARD: &str = "A12345678";

fn t(s: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(s)
        .unwrap()
        .with_timezone(&chrono::Utc)
}

/// Runs the binary; a `--db FILE` gets `--key-file` with the key kept beside it (made on
/// first use), as these tests keep their databases' keys.
fn kiosk(args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kiosk"));
    cmd.args(args).env("RUST_LOG", "off");
    if let Some(i) = args.iter().position(|a| *a == "--db") {
        let db = Path::new(args[i + 1]);
        key::beside_or_new(db).unwrap();
        cmd.arg("--key-file").arg(key::beside(db));
    }
    cmd.output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A database with a person and a card, a closed and rated case that moved the card, and two
/// staff entries: 6 audit entries (person.upsert, card.add, card.state, case.close,
/// staff.login, system.start).
fn prepare(path: &Path) {
    let store = SqliteStore::open(path, &key::beside_or_new(path).unwrap()).unwrap();
    let mut c = Commit::new(Actor::Staff("clerk1".into()), t("2026-03-02T02:00:00Z"));
    c.changes = vec![
        Change::UpsertPerson(Person {
            id_number: ID.into(),
            name: "张伟".into(),
            sex: Sex::Male,
            ethnicity: 1,
            birth_date: chrono::NaiveDate::from_ymd_opt(1980, 5, 6).unwrap(),
            address: "新疆昌吉市兴昌路475号".into(),
            address_division: None,
            phone: None,
            photo_sha256: None,
        }),
        Change::AddCard(CardRecord {
            card_number: CARD.into(),
            id_number: ID.into(),
            chip_serial: None,
            state: CardState::Active,
            issue_date: None,
            expiry_date: None,
            state_since: t("2024-01-01T00:00:00Z"),
            reissue_batch: None,
            replacement_requested: false,
        }),
    ];
    store.commit(&c).unwrap();
    let case_id = "K1-20260302-000001";
    let mut c = Commit::new(Actor::Citizen(case_id.into()), t("2026-03-02T02:02:00Z"));
    c.case = Some(Case {
        case_id: case_id.into(),
        business: BusinessCode::ReportLoss,
        id_number: Some(ID.into()),
        agent_id_number: None,
        started_at: t("2026-03-02T02:00:00Z"),
        finished_at: Some(t("2026-03-02T02:02:00Z")),
        outcome: Some(Outcome::Completed),
        deadline: None,
        summary: "挂失".into(),
    });
    c.changes = vec![Change::SetCardState {
        card_number: CARD.into(),
        from: CardState::Active,
        to: CardState::LostTemporary,
    }];
    store.commit(&c).unwrap();
    store
        .rate(&Rating {
            case_id: case_id.into(),
            level: 4,
            reasons: vec![],
            comment: None,
            at: t("2026-03-02T02:03:00Z"),
        })
        .unwrap();
    store
        .append(
            &Actor::Staff("tech".into()),
            "staff.login",
            "tech",
            json!({"role": "technician"}),
        )
        .unwrap();
    store
        .append(&Actor::System, "system.start", "kiosk", json!({}))
        .unwrap();
    assert_eq!(store.verify().unwrap().entries, 6);
}

#[test]
fn verify_passes_then_names_the_tampered_entry() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kiosk.db");
    prepare(&db);
    let db_arg = db.to_str().unwrap();

    let out = kiosk(&["audit", "verify", "--db", db_arg]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let text = stdout(&out);
    assert!(text.contains("entries checked: 6"), "{text}");
    assert!(text.contains("head: seq 6 "), "{text}");
    assert!(text.contains("intact"), "{text}");

    let out = kiosk(&["audit", "verify", "--db", db_arg, "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["entries"], json!(6));
    assert_eq!(report["problems"], json!([]));
    assert_eq!(report["head"][0], json!(6));

    // someone with the database file drops the triggers and edits an entry
    let conn = rusqlite::Connection::open(&db).unwrap();
    key::beside_or_new(&db).unwrap().apply(&conn).unwrap();
    conn.execute_batch("DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;")
        .unwrap();
    conn.execute(
        "UPDATE audit SET detail = replace(detail, 'lost_temporary', 'active') WHERE seq = 3",
        [],
    )
    .unwrap();
    drop(conn);

    let out = kiosk(&["audit", "verify", "--db", db_arg]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let text = stdout(&out);
    assert!(text.contains("problems: 1"), "{text}");
    assert!(text.contains("seq 3: altered"), "{text}");

    let out = kiosk(&["audit", "verify", "--db", db_arg, "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let problems = report["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1);
    assert!(problems[0].as_str().unwrap().starts_with("seq 3: altered"));

    // and removes one
    let conn = rusqlite::Connection::open(&db).unwrap();
    key::beside_or_new(&db).unwrap().apply(&conn).unwrap();
    conn.execute("DELETE FROM audit WHERE seq = 2", []).unwrap();
    drop(conn);
    let out = kiosk(&["audit", "verify", "--db", db_arg]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("seq 2: missing"), "{text}");
    assert!(text.contains("seq 3: altered"), "{text}");
}

#[test]
fn verify_without_a_database_exits_3() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("none.db");
    let out = kiosk(&["audit", "verify", "--db", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("none.db"), "{}", stderr(&out));
    assert!(!missing.exists(), "verify must not create a database");

    let garbage = dir.path().join("garbage.db");
    std::fs::write(&garbage, vec![0x42u8; 4096]).unwrap();
    let out = kiosk(&["audit", "verify", "--db", garbage.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("garbage.db"), "{}", stderr(&out));
}

#[test]
fn show_prints_entries_from_a_sequence_number() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kiosk.db");
    prepare(&db);
    let db_arg = db.to_str().unwrap();

    let out = kiosk(&[
        "audit", "show", "--db", db_arg, "--from", "2", "--limit", "2", "--json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let entries: Value = serde_json::from_slice(&out.stdout).unwrap();
    let entries = entries.as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["seq"], json!(2));
    assert_eq!(entries[1]["seq"], json!(3));
    assert_eq!(entries[1]["action"], json!("card.state"));
    assert_eq!(entries[1]["subject"], json!("*****5678"));

    let out = kiosk(&["audit", "show", "--db", db_arg]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 6, "{text}");
    // times in kiosk-local time (UTC+8)
    assert!(lines[0].contains("2026-03-02 10:00:00"), "{}", lines[0]);
    assert!(lines[0].contains("person.upsert"), "{}", lines[0]);
    assert!(!text.contains(ID), "no full ID number: {text}");
}

#[test]
fn stats_prints_the_period_and_refuses_bad_dates() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kiosk.db");
    prepare(&db);
    // issue 17: two applications expected in March, one made on time, one never made
    {
        let store = SqliteStore::open(&db, &key::beside_or_new(&db).unwrap()).unwrap();
        let app = |case_id: &str, deadline: u32| Application {
            case_id: case_id.into(),
            id_number: ID.into(),
            business: BusinessCode::Exchange,
            progress: Progress::InProduction,
            submitted_at: t("2026-03-02T02:00:00Z"),
            deadline: chrono::NaiveDate::from_ymd_opt(2026, 3, deadline).unwrap(),
            deadline_provisional: false,
            old_card: None,
            reasons: None,
            ready_at: None,
            deadline_recomputed_from: None,
        };
        let mut c = Commit::new(Actor::Staff("clerk1".into()), t("2026-03-02T03:00:00Z"));
        c.changes = vec![
            Change::CreateApplication(app("K1-20260302-000002", 10)),
            Change::CreateApplication(app("K1-20260302-000003", 20)),
        ];
        store.commit(&c).unwrap();
        let mut c = Commit::new(Actor::Staff("clerk1".into()), t("2026-03-05T03:00:00Z"));
        c.changes = vec![Change::MoveApplication {
            case_id: "K1-20260302-000002".into(),
            from: Progress::InProduction,
            to: Progress::ReadyForPickup,
            reasons: None,
        }];
        store.commit(&c).unwrap();
    }
    let db_arg = db.to_str().unwrap();

    let out = kiosk(&[
        "stats",
        "--db",
        db_arg,
        "--from",
        "2026-03-01",
        "--to",
        "2026-03-31",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("业务 Business"), "{text}");
    assert!(text.contains("好评率 Good"), "{text}");
    let loss = text
        .lines()
        .find(|l| l.starts_with("report_loss"))
        .unwrap_or_else(|| panic!("no report_loss row: {text}"));
    assert!(loss.contains("100.0%"), "{loss}");
    assert!(loss.contains("120 s"), "{loss}");
    assert!(loss.contains("0/0/0/1/0"), "{loss}");
    // the production's figure on its own line (as of today, long after March 2026)
    let production = text
        .lines()
        .find(|l| l.starts_with("制卡按期率 Card production on time: 50.0%"))
        .unwrap_or_else(|| panic!("no production line: {text}"));
    assert!(
        production.contains("按期 on time 1, 逾期制成 late 0, 逾期未制成 overdue 1"),
        "{production}"
    );
    assert!(text.contains("按期办结率 On time"), "{text}");

    let out = kiosk(&[
        "stats",
        "--db",
        db_arg,
        "--from",
        "2026-03-01",
        "--to",
        "2026-03-31",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let businesses = report["businesses"].as_array().unwrap();
    assert_eq!(businesses.len(), BusinessCode::ALL.len());
    let loss = businesses
        .iter()
        .find(|b| b["business"] == json!("report_loss"))
        .unwrap();
    assert_eq!(loss["cases"], json!(1));
    assert_eq!(loss["completed"], json!(1));
    assert_eq!(loss["on_time_rate"], json!(1.0));
    assert_eq!(loss["mean_handling_s"], json!(120.0));
    assert_eq!(loss["rating_counts"], json!([0, 0, 0, 1, 0]));
    assert_eq!(
        report["outcomes"][0],
        json!({"outcome": "completed", "cases": 1})
    );
    let production = &report["production"];
    assert_eq!(
        (&production["from"], &production["to"]),
        (&json!("2026-03-01"), &json!("2026-03-31"))
    );
    assert_eq!(
        (
            &production["on_time"],
            &production["late"],
            &production["overdue"]
        ),
        (&json!(1), &json!(0), &json!(1))
    );
    assert_eq!(production["on_time_rate"], json!(0.5));

    let out = kiosk(&[
        "stats",
        "--db",
        db_arg,
        "--from",
        "2026-02-30",
        "--to",
        "2026-03-31",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--from"), "{}", stderr(&out));
    let out = kiosk(&[
        "stats",
        "--db",
        db_arg,
        "--from",
        "2026-03-01",
        "--to",
        "31.03.2026",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).starts_with("error: --to"), "{}", stderr(&out));
    let out = kiosk(&[
        "stats",
        "--db",
        db_arg,
        "--from",
        "2026-04-01",
        "--to",
        "2026-03-01",
    ]);
    assert_eq!(out.status.code(), Some(2));

    // the registry is untouched by the reports
    let store = SqliteStore::open(&db, &key::beside_or_new(&db).unwrap()).unwrap();
    assert_eq!(
        store.card(CARD).unwrap().unwrap().state,
        CardState::LostTemporary
    );
}
