//! issue 17 item 6 at `kiosk serve` start: a kiosk whose database holds an application with a
//! provisional deadline (counted into 2027 while the calendar had 2026 only) starts with a
//! calendar that covers 2027. `Engine::startup` counts the deadline again and writes it,
//! audited as the system; the staff applications page shows the new date with the old one.

use std::path::Path;

use chrono::NaiveDate;
use firmware_config::{CalendarFile, Config};
use kiosk_core::calendar::WorkCalendar;
use kiosk_core::domain::{Actor, Application, BusinessCode, Person, Progress, Sex};
use kiosk_core::store::{AuditLog, Change, Commit, Registry};
use kiosk_store::sqlite::{key, SqliteStore};
use tests::kiosk::root;
use tests::served::Served;
use tests::staff::{login, staff_config};

const ID: &str = "652301198005061234";
const CASE: &str = "K1-20261210-000001";

fn day(s: &str) -> NaiveDate {
    s.parse().expect("a date")
}

fn store(db: &Path) -> SqliteStore {
    SqliteStore::open(db, &key::beside_or_new(db).expect("key")).expect("database")
}

#[test]
fn serve_recomputes_a_provisional_deadline_at_start_and_staff_see_both_dates() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let calendar_2026 =
        std::fs::read_to_string(root().join("data/calendar/cn-xj-2026.toml")).expect("2026");
    let only_2026 = WorkCalendar::from_days(
        &CalendarFile::parse(&calendar_2026, "2026")
            .expect("2026 parses")
            .days,
    )
    .expect("a calendar");
    let days = Config::default().business.application_deadline_days;
    let old = only_2026.add_working_days(day("2026-12-10"), days);
    assert!(old.provisional, "{old:?}");

    // the database as a kiosk left it in December 2026
    let db = dir.path().join("kiosk.db");
    {
        let submitted = chrono::DateTime::parse_from_rfc3339("2026-12-10T02:00:00Z")
            .expect("an instant")
            .with_timezone(&chrono::Utc);
        let mut c = Commit::new(Actor::Citizen(CASE.into()), submitted);
        c.changes = vec![
            Change::UpsertPerson(Person {
                id_number: ID.into(),
                name: "张伟".into(),
                sex: Sex::Male,
                ethnicity: 1,
                birth_date: day("1980-05-06"),
                address: "新疆昌吉市兴昌路475号".into(),
                address_division: None,
                phone: None,
                photo_sha256: None,
            }),
            Change::CreateApplication(Application {
                case_id: CASE.into(),
                id_number: ID.into(),
                business: BusinessCode::Apply,
                progress: Progress::Submitted,
                submitted_at: submitted,
                deadline: old.date,
                deadline_provisional: true,
                old_card: None,
                reasons: None,
                ready_at: None,
                deadline_recomputed_from: None,
            }),
        ];
        store(&db).commit(&c).expect("committed");
    }

    // the calendar now covers 2027 (元旦 a day off)
    let calendar = dir.path().join("calendar.toml");
    std::fs::write(
        &calendar,
        format!(
            "{calendar_2026}\n[[days]]\ndate = 2027-01-01\nkind = \"holiday\"\nname = \"元旦\"\n"
        ),
    )
    .expect("calendar written");
    let both = WorkCalendar::from_days(
        &CalendarFile::parse(&std::fs::read_to_string(&calendar).expect("read"), "x")
            .expect("parses")
            .days,
    )
    .expect("a calendar");
    let new = both.add_working_days(day("2026-12-10"), days);
    assert!(!new.provisional);
    assert_ne!(new.date, old.date);

    let config = dir.path().join("kiosk.toml");
    staff_config(&config, &[("desk", "desk pass", &["front_desk"])]);
    let mut text = std::fs::read_to_string(&config).expect("config");
    text.push_str(&format!(
        "[calendar]\nfile = {:?}\n",
        calendar.display().to_string()
    ));
    std::fs::write(&config, text).expect("config written");

    {
        let k = Served::start_workspace(&[
            "--config",
            config.to_str().expect("path"),
            "--db",
            db.to_str().expect("path"),
        ]);
        let desk = login(&k, "desk", "desk pass");
        // the startup runs on the kiosk's actor thread: wait for the page to show it
        let mut apps = k.get("/staff/applications", Some(&desk));
        for _ in 0..100 {
            if apps.body.contains("class=\"recomputed\"") {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
            apps = k.get("/staff/applications", Some(&desk));
        }
        assert_eq!(apps.status, 200);
        assert!(
            apps.body.contains(&format!(
                "<td>{}<span class=\"recomputed\">（按日历重算，原 {}）</span></td>",
                new.date, old.date
            )),
            "{}",
            apps.body
        );
        assert!(!apps.body.contains("（暂定）"), "final now: {}", apps.body);
        let english = k.get("/staff/applications?lang=en", Some(&desk));
        assert!(
            english.body.contains(&format!(
                "{}<span class=\"recomputed\"> (recomputed with the calendar, was {})</span>",
                new.date, old.date
            )),
            "{}",
            english.body
        );
    }

    let s = store(&db);
    let a = s.application(CASE).expect("db").expect("the application");
    assert_eq!(
        (
            a.deadline,
            a.deadline_provisional,
            a.deadline_recomputed_from
        ),
        (new.date, false, Some(old.date))
    );
    let audited: Vec<_> = s
        .entries(1, 10_000)
        .expect("entries")
        .into_iter()
        .filter(|e| e.action == "application.deadline")
        .collect();
    assert_eq!(audited.len(), 1, "{audited:?}");
    assert_eq!(audited[0].actor, "system");
    assert_eq!(audited[0].subject, CASE);
    assert!(s.verify().expect("verify").ok());
}
