//! The working-day calendar: 调休 across Spring Festival 2026, Xinjiang's 古尔邦节 2025, a
//! 40-working-day deadline counted by hand, provisional deadlines, conflicts, the shipped data
//! files, and a property test against day-by-day counting.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate, Weekday};
use firmware_config::{Calendar, CalendarDay, CalendarFile, DayKind};
use kiosk_core::calendar::{CalendarError, Deadline, WorkCalendar};
use proptest::prelude::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("test date")
}

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/calendar")
}

fn shipped_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(data_dir())
        .expect("data/calendar")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
}

/// Every shipped file, loaded the way a kiosk loads its concatenated calendar file.
fn shipped() -> &'static WorkCalendar {
    static CAL: OnceLock<WorkCalendar> = OnceLock::new();
    CAL.get_or_init(load_shipped)
}

fn load_shipped() -> WorkCalendar {
    let mut days = Vec::new();
    for path in shipped_files() {
        let text = std::fs::read_to_string(&path).expect("read");
        let file = CalendarFile::parse(&text, &path.display().to_string()).expect("valid file");
        days.extend(file.days);
    }
    WorkCalendar::from_days(&days).expect("consistent")
}

fn day(date: &str, kind: DayKind, name: &str) -> CalendarDay {
    CalendarDay {
        date: date.parse().expect("toml date"),
        kind,
        name: name.into(),
    }
}

/// Day-by-day reference: the n-th working day after `from`.
fn walk(cal: &WorkCalendar, from: NaiveDate, n: u32) -> NaiveDate {
    let mut date = from;
    let mut left = n;
    while left > 0 {
        date = date.succ_opt().expect("in range");
        if cal.is_working_day(date) {
            left -= 1;
        }
    }
    date
}

#[test]
fn spring_festival_2026_with_its_working_saturdays() {
    let cal = shipped();
    // Sat 14 Feb and Sat 28 Feb are worked; 15–23 Feb (Sun … Mon) are off.
    assert_eq!(d(2026, 2, 14).weekday(), Weekday::Sat);
    assert!(cal.is_working_day(d(2026, 2, 14)));
    for day in 15..=23 {
        assert!(!cal.is_working_day(d(2026, 2, day)), "2026-02-{day}");
    }
    assert!(cal.is_working_day(d(2026, 2, 24)));
    assert!(!cal.is_working_day(d(2026, 3, 1)), "an ordinary Sunday");
    assert_eq!(d(2026, 2, 28).weekday(), Weekday::Sat);
    assert!(cal.is_working_day(d(2026, 2, 28)));

    // Accepted Friday 13 Feb: day 1 is Saturday 14, day 2 Tuesday 24 (after nine days off),
    // days 3–5 are 25–27, day 6 the worked Saturday 28.
    let from = d(2026, 2, 13);
    let expect = [
        (1, d(2026, 2, 14)),
        (2, d(2026, 2, 24)),
        (5, d(2026, 2, 27)),
        (6, d(2026, 2, 28)),
        (7, d(2026, 3, 2)),
    ];
    for (n, date) in expect {
        assert_eq!(
            cal.add_working_days(from, n),
            Deadline {
                date,
                provisional: false
            },
            "{n}"
        );
        assert_eq!(cal.working_days_between(from, date), n);
    }
    assert_eq!(cal.working_days_between(d(2026, 2, 14), d(2026, 2, 23)), 0);
    assert_eq!(
        cal.entry(d(2026, 2, 17)).map(|e| e.name.as_str()),
        Some("春节")
    );
}

#[test]
fn gurban_festival_2025_in_xinjiang() {
    let cal = shipped();
    // 古尔邦节 6–10 June 2025 (Fri … Tue) follows 端午节 31 May – 2 June.
    for day in 6..=10 {
        assert!(!cal.is_working_day(d(2025, 6, day)), "2025-06-{day}");
    }
    // Accepted Friday 30 May: Tue 3, Wed 4, Thu 5 June, then Wednesday 11.
    let from = d(2025, 5, 30);
    assert_eq!(cal.add_working_days(from, 3).date, d(2025, 6, 5));
    assert_eq!(cal.add_working_days(from, 4).date, d(2025, 6, 11));
    assert_eq!(cal.working_days_between(from, d(2025, 6, 11)), 4);

    // A calendar with the national days only would put the 4th day on Friday 6 June: the
    // regional days change the answer.
    let national: Vec<CalendarDay> = {
        let text = std::fs::read_to_string(data_dir().join("cn-xj-2025.toml")).expect("read");
        CalendarFile::parse(&text, "cn-xj-2025.toml")
            .expect("valid")
            .days
            .into_iter()
            .filter(|day| day.name != "古尔邦节" && day.name != "肉孜节")
            .collect()
    };
    let national = WorkCalendar::from_days(&national).expect("consistent");
    assert_eq!(national.add_working_days(from, 4).date, d(2025, 6, 6));

    // 肉孜节: Monday 31 March 2025 is off in Xinjiang.
    assert!(!cal.is_working_day(d(2025, 3, 31)));
    assert!(national.is_working_day(d(2025, 3, 31)));
}

#[test]
fn forty_working_days_counted_by_hand() {
    // Accepted Thursday 20 August 2026, 40 working days (the default deadline):
    //   Fri 21 Aug ....................................  1
    //   24–28 Aug, 31 Aug–4 Sep, 7–11 Sep, 14–18 Sep ..... 21
    //   Sun 20 Sep (worked, 国庆节调休) .................. 22
    //   21–24 Sep (Fri 25 Sep 中秋节 off) ................ 26
    //   28–30 Sep (1–7 Oct 国庆节 off) ................... 29
    //   Thu 8, Fri 9 Oct ................................ 31
    //   Sat 10 Oct (worked, 国庆节调休) .................. 32
    //   12–16 Oct ....................................... 37
    //   Mon 19, Tue 20, Wed 21 Oct ...................... 40  → 2026-10-21
    let cal = shipped();
    let accepted = d(2026, 8, 20);
    assert_eq!(accepted.weekday(), Weekday::Thu);
    assert_eq!(
        cal.add_working_days(accepted, 40),
        Deadline {
            date: d(2026, 10, 21),
            provisional: false
        }
    );
    assert_eq!(cal.working_days_between(accepted, d(2026, 10, 21)), 40);
    assert_eq!(cal.working_days_between(accepted, d(2026, 10, 20)), 39);
    // Weekends only, the same period would end on Thursday 15 October.
    assert_eq!(
        WorkCalendar::default().add_working_days(accepted, 40).date,
        d(2026, 10, 15)
    );
}

#[test]
fn provisional_when_crossing_into_an_uncovered_year() {
    let cal = shipped();
    assert_eq!(cal.years(), vec![2025, 2026]);
    assert!(cal.covers(2026) && !cal.covers(2027));

    // Accepted Tuesday 1 December 2026: 22 working days left in December, then 2027 counted
    // with weekends only (Fri 1 January 2027 counts as a working day): 23 on 1 Jan, 28 on 8 Jan,
    // 33 on 15 Jan, 38 on 22 Jan, 40 on Tuesday 26 January 2027.
    let deadline = cal.add_working_days(d(2026, 12, 1), 40);
    assert_eq!(
        deadline,
        Deadline {
            date: d(2027, 1, 26),
            provisional: true
        }
    );
    // Within 2026 it is final.
    assert!(!cal.add_working_days(d(2026, 12, 1), 22).provisional);
    assert_eq!(
        cal.add_working_days(d(2026, 12, 1), 22).date,
        d(2026, 12, 31)
    );

    // The year of acceptance itself does not count: counting starts the day after.
    let only_2026 =
        WorkCalendar::from_days(&[day("2026-01-01", DayKind::Holiday, "元旦")]).expect("calendar");
    // Thu 1 Jan off; Fri 2, Mon 5, Tue 6.
    let from_new_years_eve = only_2026.add_working_days(d(2025, 12, 31), 3);
    assert_eq!(from_new_years_eve.date, d(2026, 1, 6));
    assert!(!from_new_years_eve.provisional);

    // A gap year in the middle makes it provisional as well.
    let gap = WorkCalendar::from_days(&[
        day("2025-12-25", DayKind::Holiday, "x"),
        day("2027-01-01", DayKind::Holiday, "元旦"),
    ])
    .expect("calendar");
    assert_eq!(gap.years(), vec![2025, 2027]);
    assert!(gap.add_working_days(d(2025, 12, 1), 300).provisional);
    assert!(!gap.add_working_days(d(2025, 12, 1), 5).provisional);
}

#[test]
fn a_day_both_holiday_and_workday_is_refused() {
    let err = WorkCalendar::from_days(&[
        day("2026-02-14", DayKind::Workday, "春节调休"),
        day("2026-02-15", DayKind::Holiday, "春节"),
        day("2026-02-14", DayKind::Holiday, "春节"),
    ])
    .expect_err("conflict");
    match &err {
        CalendarError::Conflict {
            date,
            holiday,
            workday,
        } => {
            assert_eq!(*date, d(2026, 2, 14));
            assert_eq!(holiday, "春节");
            assert_eq!(workday, "春节调休");
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("2026-02-14"), "{err}");

    // The same day twice with the same kind is harmless.
    let cal = WorkCalendar::from_days(&[
        day("2025-10-01", DayKind::Holiday, "国庆节"),
        day("2025-10-01", DayKind::Holiday, "国庆节、中秋节"),
    ])
    .expect("same kind");
    assert_eq!(
        cal.entry(d(2025, 10, 1)).map(|e| e.name.as_str()),
        Some("国庆节")
    );

    // The file and the inline entries of kiosk.toml may not disagree either.
    let cal = Calendar {
        file: Some("cn-xj-2026.toml".into()),
        days: vec![day("2026-02-14", DayKind::Holiday, "local")],
    };
    let err = WorkCalendar::load(&cal, &data_dir()).expect_err("conflict");
    assert!(
        matches!(err, CalendarError::Conflict { date, .. } if date == d(2026, 2, 14)),
        "{err}"
    );
}

#[test]
fn dates_that_are_not_plain_dates_are_refused() {
    // Deserialised without the configuration rules (as a program might build it).
    let file: CalendarFile = toml::from_str(
        "[[days]]\ndate = 2026-02-15T08:00:00\nkind = \"holiday\"\nname = \"春节\"\n",
    )
    .expect("toml");
    let err = WorkCalendar::from_days(&file.days).expect_err("date-time");
    assert!(
        matches!(err, CalendarError::NotADate { index: 1, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("2026-02-15T08:00:00"), "{err}");
}

#[test]
fn shipped_files_load() {
    let files = shipped_files();
    assert!(files.len() >= 2, "{files:?}");
    for path in &files {
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let cal = WorkCalendar::load(
            &Calendar {
                file: Some(name.clone()),
                days: Vec::new(),
            },
            &data_dir(),
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        let year: i32 = name
            .trim_start_matches("cn-xj-")
            .trim_end_matches(".toml")
            .parse()
            .expect("file named by year");
        assert_eq!(cal.years(), vec![year], "{name} holds only its own year");
        // Each year has New Year's Day off and both regional festivals.
        assert!(!cal.is_working_day(d(year, 1, 1)), "{name}");
        for festival in ["肉孜节", "古尔邦节", "春节", "国庆节"] {
            let found = (1..=366)
                .filter_map(|n| NaiveDate::from_yo_opt(year, n))
                .any(|date| {
                    cal.entry(date)
                        .is_some_and(|e| e.kind == DayKind::Holiday && e.name.contains(festival))
                });
            assert!(found, "{name} lacks {festival}");
        }
    }

    // Provisioning concatenates the files into one; that is still a valid calendar file.
    let joined: String = files
        .iter()
        .map(|p| std::fs::read_to_string(p).expect("read"))
        .collect::<Vec<_>>()
        .join("\n");
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("calendar.toml"), joined).expect("write");
    let cal = WorkCalendar::load(
        &Calendar {
            file: Some(
                dir.path()
                    .join("calendar.toml")
                    .to_string_lossy()
                    .into_owned(),
            ),
            days: vec![day("2026-12-31", DayKind::Holiday, "local test")],
        },
        Path::new("/nonexistent"),
    )
    .expect("absolute file path, inline day added");
    assert_eq!(cal, {
        let mut days = Vec::new();
        for p in &files {
            let text = std::fs::read_to_string(p).expect("read");
            days.extend(CalendarFile::parse(&text, "x").expect("valid").days);
        }
        days.push(day("2026-12-31", DayKind::Holiday, "local test"));
        WorkCalendar::from_days(&days).expect("consistent")
    });
    assert!(!cal.is_working_day(d(2026, 12, 31)));
}

#[test]
fn load_reports_missing_and_invalid_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = Calendar {
        file: Some("nope.toml".into()),
        days: Vec::new(),
    };
    let err = WorkCalendar::load(&missing, dir.path()).expect_err("missing");
    assert!(matches!(err, CalendarError::Read { .. }), "{err:?}");
    assert!(err.to_string().contains("nope.toml"), "{err}");

    std::fs::write(
        dir.path().join("bad.toml"),
        "[[days]]\ndate = 2026-02-15\nkind = \"party\"\n",
    )
    .expect("write");
    let bad = Calendar {
        file: Some("bad.toml".into()),
        days: Vec::new(),
    };
    let err = WorkCalendar::load(&bad, dir.path()).expect_err("invalid");
    assert!(matches!(err, CalendarError::Invalid { .. }), "{err:?}");
    assert!(
        err.to_string().contains("bad.toml:3:"),
        "the line of the bad value: {err}"
    );
}

fn any_date() -> impl Strategy<Value = NaiveDate> {
    // 2024-06-01 … 2028-01-31: before, inside and after the shipped years.
    (0i64..1340).prop_map(|n| d(2024, 6, 1) + chrono::Duration::days(n))
}

proptest! {
    #[test]
    fn deadlines_land_on_working_days_and_count_back(from in any_date(), n in 0u32..400) {
        let cal = shipped();
        let deadline = cal.add_working_days(from, n);
        prop_assert_eq!(deadline.date, walk(cal, from, n));
        prop_assert_eq!(cal.working_days_between(from, deadline.date), n);
        if n > 0 {
            prop_assert!(cal.is_working_day(deadline.date));
            let before = deadline.date.pred_opt().expect("in range");
            prop_assert_eq!(cal.working_days_between(from, before), n - 1);
        }
        let first_year = from.succ_opt().expect("in range").year();
        let uncovered = (first_year..=deadline.date.year()).any(|y| !cal.covers(y));
        prop_assert_eq!(deadline.provisional, n > 0 && uncovered);
    }

    #[test]
    fn between_is_additive(a in any_date(), b in any_date(), c in any_date()) {
        let cal = shipped();
        let mut v = [a, b, c];
        v.sort();
        prop_assert_eq!(
            cal.working_days_between(v[0], v[2]),
            cal.working_days_between(v[0], v[1]) + cal.working_days_between(v[1], v[2])
        );
        prop_assert_eq!(cal.working_days_between(v[2], v[0]), 0);
    }
}
