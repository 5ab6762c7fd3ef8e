//! issue 17: the application's production dates (`ready_at`, `deadline_recomputed_from`,
//! migration 7) and the production's own on-time figure (`Registry::production_stats`).

use kiosk_core::store::ProductionStats;

use super::*;

fn application(case_id: &str, deadline: &str, progress: Progress) -> Application {
    Application {
        case_id: case_id.into(),
        id_number: ID_A.into(),
        business: BusinessCode::Apply,
        progress,
        submitted_at: t("2026-03-02T02:00:00Z"),
        deadline: day(deadline),
        deadline_provisional: false,
        old_card: None,
        reasons: None,
        ready_at: None,
        deadline_recomputed_from: None,
    }
}

fn move_to(store: &SqliteStore, at: &str, case_id: &str, from: Progress, to: Progress) {
    store
        .commit(&commit(
            at,
            vec![Change::MoveApplication {
                case_id: case_id.into(),
                from,
                to,
                reasons: None,
            }],
        ))
        .unwrap();
}

fn ready_at(store: &SqliteStore, case_id: &str) -> Option<Timestamp> {
    store.application(case_id).unwrap().unwrap().ready_at
}

#[test]
fn ready_at_is_the_first_move_to_ready_or_collected() {
    let store = seeded();
    store
        .commit(&commit(
            "2026-03-02T02:00:00Z",
            vec![
                Change::CreateApplication(application("A1", "2026-03-20", Progress::Submitted)),
                // one stored before ready_at was kept: ready, without the instant
                Change::CreateApplication(application(
                    "A2",
                    "2026-03-20",
                    Progress::ReadyForPickup,
                )),
            ],
        ))
        .unwrap();
    move_to(
        &store,
        "2026-03-03T02:00:00Z",
        "A1",
        Progress::Submitted,
        Progress::Accepted,
    );
    move_to(
        &store,
        "2026-03-04T02:00:00Z",
        "A1",
        Progress::Accepted,
        Progress::InProduction,
    );
    assert_eq!(ready_at(&store, "A1"), None, "not made yet");
    move_to(
        &store,
        "2026-03-10T02:00:00Z",
        "A1",
        Progress::InProduction,
        Progress::ReadyForPickup,
    );
    assert_eq!(ready_at(&store, "A1"), Some(t("2026-03-10T02:00:00Z")));
    move_to(
        &store,
        "2026-03-12T02:00:00Z",
        "A1",
        Progress::ReadyForPickup,
        Progress::Collected,
    );
    assert_eq!(
        ready_at(&store, "A1"),
        Some(t("2026-03-10T02:00:00Z")),
        "collecting keeps the day it was made"
    );
    // collected first: that is when it was known to be made
    move_to(
        &store,
        "2026-03-11T02:00:00Z",
        "A2",
        Progress::ReadyForPickup,
        Progress::Collected,
    );
    assert_eq!(ready_at(&store, "A2"), Some(t("2026-03-11T02:00:00Z")));
}

#[test]
fn a_recompute_keeps_the_deadline_it_replaced() {
    let store = seeded();
    let mut a = application("A1", "2027-02-08", Progress::Submitted);
    a.deadline_provisional = true;
    store
        .commit(&commit(
            "2026-12-20T02:00:00Z",
            vec![Change::CreateApplication(a)],
        ))
        .unwrap();
    assert_eq!(
        store
            .application("A1")
            .unwrap()
            .unwrap()
            .deadline_recomputed_from,
        None
    );
    store
        .commit(&commit(
            "2026-12-28T02:00:00Z",
            vec![Change::SetDeadline {
                case_id: "A1".into(),
                from: day("2027-02-08"),
                from_provisional: true,
                to: day("2027-02-10"),
                provisional: false,
            }],
        ))
        .unwrap();
    let a = store.application("A1").unwrap().unwrap();
    assert_eq!(a.deadline, day("2027-02-10"));
    assert!(!a.deadline_provisional);
    assert_eq!(a.deadline_recomputed_from, Some(day("2027-02-08")));
    let e = last_entry(&store);
    assert_eq!(e.action, "application.deadline");
    // a stale recompute changes nothing, the old date included
    let err = store
        .commit(&commit(
            "2026-12-29T02:00:00Z",
            vec![Change::SetDeadline {
                case_id: "A1".into(),
                from: day("2027-02-08"),
                from_provisional: true,
                to: day("2027-02-11"),
                provisional: false,
            }],
        ))
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert_eq!(
        store
            .application("A1")
            .unwrap()
            .unwrap()
            .deadline_recomputed_from,
        Some(day("2027-02-08"))
    );
}

#[test]
fn the_production_figure_counts_by_expected_date_and_local_day_made() {
    let store = seeded();
    let created: Vec<Change> = [
        ("ON1", "2026-03-10"),
        // made 2026-03-10T17:00Z = 2026-03-11 01:00 local: late for the 10th
        ("LATE", "2026-03-10"),
        // made 2026-03-11T15:59Z = 2026-03-11 23:59 local: on time for the 11th
        ("ON2", "2026-03-11"),
        ("OVERDUE", "2026-03-12"),
        ("DUE", "2026-03-25"),
        ("REJ", "2026-03-15"),
        // outside the period
        ("APRIL", "2026-04-02"),
    ]
    .into_iter()
    .map(|(c, d)| Change::CreateApplication(application(c, d, Progress::InProduction)))
    .collect();
    store
        .commit(&commit("2026-03-02T02:00:00Z", created))
        .unwrap();
    let ready = |at, case| {
        move_to(
            &store,
            at,
            case,
            Progress::InProduction,
            Progress::ReadyForPickup,
        )
    };
    ready("2026-03-09T02:00:00Z", "ON1");
    ready("2026-03-10T17:00:00Z", "LATE");
    ready("2026-03-11T15:59:00Z", "ON2");
    ready("2026-03-30T02:00:00Z", "APRIL");
    store
        .commit(&commit(
            "2026-03-05T02:00:00Z",
            vec![Change::MoveApplication {
                case_id: "REJ".into(),
                from: Progress::InProduction,
                to: Progress::Rejected,
                reasons: Some("照片不合格".into()),
            }],
        ))
        .unwrap();

    let p = store
        .production_stats(day("2026-03-01"), day("2026-03-31"), day("2026-03-20"))
        .unwrap();
    assert_eq!(
        p,
        ProductionStats {
            from: day("2026-03-01"),
            to: day("2026-03-31"),
            today: day("2026-03-20"),
            on_time: 2,
            late: 1,
            overdue: 1,
            not_yet_due: 1,
            rejected: 1,
        }
    );
    assert_eq!(p.on_time_rate(), Some(0.5));
    assert_eq!(p.total(), 6);
    // as of the 12th, the 12th is still due
    let p = store
        .production_stats(day("2026-03-01"), day("2026-03-31"), day("2026-03-12"))
        .unwrap();
    assert_eq!((p.overdue, p.not_yet_due), (0, 2));
    // a period with nothing to judge has no rate
    let p = store
        .production_stats(day("2026-05-01"), day("2026-05-31"), day("2026-03-20"))
        .unwrap();
    assert_eq!(p.total(), 0);
    assert_eq!(p.on_time_rate(), None);
}

/// A version-6 database: its applications come through migration 7 with neither date.
#[test]
fn migration_7_leaves_existing_applications_without_dates() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kiosk.db");
    {
        let v6 = raw(&path);
        for sql in [
            include_str!("../../../src/migrations/0001_init.sql"),
            include_str!("../../../src/migrations/0002_open_cases.sql"),
            include_str!("../../../src/migrations/0003_sealed_by_month.sql"),
            include_str!("../../../src/migrations/0004_outbox.sql"),
            include_str!("../../../src/migrations/0005_address_division.sql"),
            include_str!("../../../src/migrations/0006_outbox_reports.sql"),
        ] {
            v6.execute_batch(sql).unwrap();
        }
        v6.pragma_update(None, "user_version", 6).unwrap();
        v6.execute(
            "INSERT INTO persons (id_number, name, sex, ethnicity, birth_date, address)
             VALUES (?1, '张伟', 'male', 1, '1980-05-06', '新疆昌吉市')",
            [ID_A],
        )
        .unwrap();
        v6.execute(
            "INSERT INTO applications (case_id, id_number, business, progress, submitted_at,
                 deadline, deadline_provisional, progress_at, progress_by)
             VALUES ('OLD', ?1, 'apply', 'collected', '2026-01-05T02:00:00.000000000Z',
                 '2026-02-10', 0, '2026-02-01T02:00:00.000000000Z', 'staff:li')",
            [ID_A],
        )
        .unwrap();
    }
    let store = SqliteStore::open(&path, &db_key(&path)).unwrap();
    assert_eq!(store.schema_version().unwrap(), SqliteStore::SCHEMA_VERSION);
    let a = store.application("OLD").unwrap().unwrap();
    assert_eq!((a.ready_at, a.deadline_recomputed_from), (None, None));
    // made before the date was kept: neither judged nor counted as not made
    let p = store
        .production_stats(day("2026-02-01"), day("2026-02-28"), day("2026-03-01"))
        .unwrap();
    assert_eq!(p.total(), 0);
}
