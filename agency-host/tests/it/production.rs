//! issue 17 at the agency: an application's `ready_at` (the first move to ready or
//! collected) and `deadline_recomputed_from` (written by a recompute), both on the wire, and
//! the production's on-time figure (`GET /v1/production-stats`) as a kiosk's `AgencyStore`
//! reads it.

use chrono::NaiveDate;

use agency_api::paths;
use kiosk_core::domain::{Actor, Application, BusinessCode, CardState, Progress, Timestamp};
use kiosk_core::store::{Change, Commit, ProductionStats, Registry};
use kiosk_store::sqlite::SqliteStore;
use kiosk_store::AgencyStore;

use super::fixtures::*;
use super::rig::{Agency, Client};

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, d).unwrap()
}

fn utc(s: &str) -> Timestamp {
    chrono::DateTime::parse_from_rfc3339(s)
        .unwrap()
        .with_timezone(&chrono::Utc)
}

fn application(n: u32, deadline: NaiveDate) -> Application {
    Application {
        case_id: case_id("K1", n),
        id_number: id_number(1),
        business: BusinessCode::Apply,
        progress: Progress::InProduction,
        submitted_at: at(1),
        deadline,
        deadline_provisional: true,
        old_card: None,
        reasons: None,
        ready_at: None,
        deadline_recomputed_from: None,
    }
}

/// Sends one staff commit at `when`, under its own key.
fn send(k1: &Client, key: u32, when: &str, changes: Vec<Change>) {
    let mut c = Commit::new(Actor::Staff("li".into()), utc(when));
    c.changes = changes;
    let r = k1.post(
        paths::COMMITS,
        &body(&format!("{}#1", case_id("K1", 800 + key)), &c),
    );
    assert_eq!(r.status, 200, "{}", r.text());
}

fn moved(n: u32, to: Progress) -> Change {
    Change::MoveApplication {
        case_id: case_id("K1", n),
        from: Progress::InProduction,
        to,
        reasons: (to == Progress::Rejected).then(|| "照片不合格".to_string()),
    }
}

#[test]
fn ready_at_the_recompute_and_the_production_figure_at_the_agency() {
    let agency = Agency::serving();
    let k1 = agency.kiosk("K1");
    seed(&k1, "K1", 1, CardState::Active);
    let apps = [
        (1, day(10)),                                      // made on the 9th: on time
        (2, day(10)), // made 2026-03-10T17:00Z = the 11th, local: late
        (3, day(12)), // not made, overdue on the 20th
        (4, day(25)), // not made, not yet due
        (5, day(15)), // rejected
        (6, NaiveDate::from_ymd_opt(2026, 4, 2).unwrap()), // outside the period
    ];
    send(
        &k1,
        1,
        "2026-03-02T02:00:00Z",
        apps.iter()
            .map(|&(n, d)| Change::CreateApplication(application(n, d)))
            .collect(),
    );
    send(
        &k1,
        2,
        "2026-03-09T02:00:00Z",
        vec![moved(1, Progress::ReadyForPickup)],
    );
    send(
        &k1,
        3,
        "2026-03-10T17:00:00Z",
        vec![moved(2, Progress::ReadyForPickup)],
    );
    send(
        &k1,
        4,
        "2026-03-05T02:00:00Z",
        vec![moved(5, Progress::Rejected)],
    );
    send(
        &k1,
        5,
        "2026-03-11T02:00:00Z",
        vec![Change::MoveApplication {
            case_id: case_id("K1", 1),
            from: Progress::ReadyForPickup,
            to: Progress::Collected,
            reasons: None,
        }],
    );
    // the calendar arrives: application 4's provisional deadline recomputed
    send(
        &k1,
        6,
        "2026-03-12T02:00:00Z",
        vec![Change::SetDeadline {
            case_id: case_id("K1", 4),
            from: day(25),
            from_provisional: true,
            to: day(26),
            provisional: false,
        }],
    );

    let a1 = k1
        .get(&format!("/v1/applications/{}", case_id("K1", 1)))
        .json();
    assert_eq!(a1["progress"], "collected");
    assert_eq!(
        a1["ready_at"].as_str().map(utc),
        Some(utc("2026-03-09T02:00:00Z")),
        "collecting keeps the instant it was made: {a1}"
    );
    assert!(a1["deadline_recomputed_from"].is_null(), "{a1}");
    let a4 = k1
        .get(&format!("/v1/applications/{}", case_id("K1", 4)))
        .json();
    assert_eq!(
        (
            a4["deadline"].as_str(),
            a4["deadline_recomputed_from"].as_str()
        ),
        (Some("2026-03-26"), Some("2026-03-25")),
        "{a4}"
    );
    assert!(a4["ready_at"].is_null(), "{a4}");

    // the figure, read the way a kiosk reads it
    let link = agency.link("K1", &agency.base);
    let store = AgencyStore::new(&link, "K1", SqliteStore::open_in_memory().unwrap()).unwrap();
    let a4 = store.application(&case_id("K1", 4)).unwrap().unwrap();
    assert_eq!(a4.deadline_recomputed_from, Some(day(25)));
    let p = store.production_stats(day(1), day(31), day(20)).unwrap();
    assert_eq!(
        p,
        ProductionStats {
            from: day(1),
            to: day(31),
            today: day(20),
            on_time: 1,
            late: 1,
            overdue: 1,
            not_yet_due: 1,
            rejected: 1,
        }
    );
    assert_eq!(p.on_time_rate(), Some(1.0 / 3.0));

    // `kiosk stats` on a kiosk with this `[agency]` reads the figure from the agency (its own
    // database holds no application), as of today
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("kiosk.db.key");
    kiosk_store::sqlite::DbKey::generate()
        .write_new(&key_file)
        .unwrap();
    let config = dir.path().join("kiosk.toml");
    std::fs::write(
        &config,
        format!(
            "[kiosk]\nid = \"K1\"\n\n[storage]\ndatabase = \"{db}\"\nkey_file = \"{key}\"\n\
             archive_dir = \"{ar}\"\n\n[agency]\nurl = \"{url}\"\nca_cert = \"{ca}\"\n\
             cert = \"{cert}\"\nkey = \"{tls_key}\"\n",
            db = dir.path().join("kiosk.db").display(),
            key = key_file.display(),
            ar = dir.path().join("archive").display(),
            url = link.url,
            ca = link.ca_cert,
            cert = link.cert,
            tls_key = link.key,
        ),
    )
    .unwrap();
    let out = std::process::Command::new(super::desk::kiosk_bin())
        .arg("stats")
        .arg("--config")
        .arg(&config)
        .args(["--from", "2026-03-01", "--to", "2026-03-31", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let today = report["production"]["today"].as_str().unwrap();
    let today = NaiveDate::parse_from_str(today, "%Y-%m-%d").unwrap();
    let expected = store.production_stats(day(1), day(31), today).unwrap();
    assert_eq!(
        serde_json::from_value::<ProductionStats>(report["production"].clone()).unwrap(),
        expected,
        "{report:#}"
    );
    assert_eq!(expected.on_time, 1, "the agency's applications, not none");

    // a period the wrong way round, or no period: refused with the API's error
    let r = k1.get("/v1/production-stats?from=2026-03-31&to=2026-03-01&today=2026-03-20");
    assert_eq!(
        (r.status, r.json()["error"].as_str()),
        (422, Some("invalid"))
    );
    let r = k1.get(paths::PRODUCTION_STATS);
    assert_eq!(
        (r.status, r.json()["error"].as_str()),
        (422, Some("invalid"))
    );
}
