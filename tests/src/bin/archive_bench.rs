//! The archive at scale, on the real `SqliteStore` in a temporary directory:
//!
//! 1. a month of finished cases (default 100 000) is sealed into a batch directory
//!    (`kiosk_store::archive::seal::seal_month`: audit chain verified, the records streamed
//!    into `records.tar`, manifest, signature, one `syncfs`, store updated) — target under
//!    5 s; with the process's peak memory before and after the seal;
//! 2. a store holding 1 000 000 archive records is queried by ID number and by date range
//!    (`ArchiveStore::query_archive`, which also appends its audit entry) — target under 10 ms.
//!
//!     cargo run --release -p tests --bin archive-bench [-- --month N] [--records N] [--queries N]
//!
//! The records are real ones: every business is walked once through the engine on a test
//! kiosk (`tests::walks`), and its archive record is the template of the synthetic cases,
//! each with its own case number, ID number, card number and finish time spread over the
//! month. In the sealed month one in 20 cases carries a photo (apply, replace, exchange,
//! photo); the others are status queries, PIN and loss businesses with their JSON
//! materials. The million-record store has no photos (see `query_a_million`). The stores are
//! filled through the store's own commit path (`SqliteStore::commit_all`: the same checks,
//! archive numbering and audit entries as a kiosk's commit, 5 000 commits per transaction
//! instead of one flush per case).

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveDate, TimeZone, Utc};
use kiosk_core::domain::{local_date, Actor, Case, Outcome, Timestamp};
use kiosk_core::store::{ArchiveQuery, ArchiveStore, AuditLog, Commit, NewArchiveRecord};
use kiosk_store::archive::month::Month;
use kiosk_store::archive::seal;
use kiosk_store::sqlite::SqliteStore;
use tests::kiosk::TestKiosk;
use tests::rig::InProcess;
use tests::timing::{ms, Samples};
use tests::walks;

/// Commits per transaction while filling.
const CHUNK: usize = 5_000;
/// One case in this many carries a photo.
const PHOTO_EVERY: usize = 20;

struct Args {
    month: usize,
    records: usize,
    queries: usize,
}

fn args() -> Args {
    let mut a = Args {
        month: 100_000,
        records: 1_000_000,
        queries: 200,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().and_then(|v| v.parse::<usize>().ok());
        let slot = match flag.as_str() {
            "--month" => &mut a.month,
            "--records" => &mut a.records,
            "--queries" => &mut a.queries,
            _ => usage(&flag),
        };
        match value {
            Some(v) if v > 0 => *slot = v,
            _ => usage(&flag),
        }
    }
    a
}

fn usage(what: &str) -> ! {
    eprintln!(
        "usage: archive-bench [--month CASES] [--records RECORDS] [--queries N] \
         (each a positive number; problem at {what:?})"
    );
    std::process::exit(2)
}

fn no_printer(_: &[String]) -> Result<(), String> {
    Ok(())
}

/// The archive record of every business walked once, split into those with a photo and
/// those without.
fn templates() -> (Vec<NewArchiveRecord>, Vec<NewArchiveRecord>) {
    let rig = InProcess::new(hw_sim::Transport::T1);
    let mut plain = Vec::new();
    let mut photo = Vec::new();
    for walk in walks::all() {
        let k = TestKiosk::new();
        let e = k.engine(&rig.readers, &no_printer);
        walks::prepare(&walk, &e, &rig);
        let s = (walk.run)(&e);
        walks::check_completed(&walk, &k, &s);
        let month = Month::of_instant(tests::kiosk::now()).to_string();
        let records = k.store.month_records(&month).expect("month records");
        let mine = records
            .into_iter()
            .find(|r| r.record.case_id == s.case_id)
            .unwrap_or_else(|| panic!("{}: no archive record", walk.name));
        if mine.record.materials.iter().any(|m| m.kind == "photo") {
            photo.push(mine.record);
        } else {
            plain.push(mine.record);
        }
    }
    assert!(!plain.is_empty() && !photo.is_empty());
    (plain, photo)
}

/// A GB 11643 ID number for person `p` (unique for p < 16 800 000): region 652301, a birth
/// date and a sequence derived from `p`, and the check character.
fn id_number(p: usize) -> String {
    let first17 = format!(
        "652301{:04}{:02}{:02}{:03}",
        1940 + p % 60,
        1 + (p / 60) % 12,
        1 + (p / 720) % 28,
        (p / 20_160) % 1000
    );
    let check = card_io::citizen::check_char(first17.as_bytes()).expect("17 digits");
    format!("{first17}{check}")
}

/// Case `i` of `n` in `month`: finished at an even spread over the month (kiosk local
/// time), for person `i * 7919 % people`.
struct Gen<'a> {
    plain: &'a [NewArchiveRecord],
    photo: &'a [NewArchiveRecord],
    people: usize,
    /// Whether one case in [`PHOTO_EVERY`] carries a photo.
    photos: bool,
    day_seq: std::collections::HashMap<NaiveDate, u32>,
}

fn local_midnight(day: NaiveDate) -> Timestamp {
    Utc.from_utc_datetime(&day.and_hms_opt(0, 0, 0).expect("midnight")) - chrono::Duration::hours(8)
}

impl Gen<'_> {
    fn commit(&mut self, month: Month, i: usize, n: usize) -> Commit {
        let start = local_midnight(month.first_day());
        let end = local_midnight(month.next().first_day());
        let span = (end - start).num_seconds();
        let offset = (span as i128 * i as i128 / n.max(1) as i128) as i64;
        let finished = start + chrono::Duration::seconds(offset);
        let template = if self.photos && i % PHOTO_EVERY == PHOTO_EVERY - 1 {
            &self.photo[(i / PHOTO_EVERY) % self.photo.len()]
        } else {
            &self.plain[i % self.plain.len()]
        };
        let day = local_date(finished);
        let seq = self.day_seq.entry(day).or_insert(0);
        *seq += 1;
        let case_id = format!("BENCH01-{}-{:06}", day.format("%Y%m%d"), seq);
        let person = (i.wrapping_mul(7919)) % self.people;
        let id = id_number(person);
        let mut record = template.clone();
        record.case_id = case_id.clone();
        record.id_number = id.clone();
        record.card_number = template
            .card_number
            .as_ref()
            .map(|_| format!("B{person:08}"));
        record.finished_at = finished;
        let case = Case {
            case_id: case_id.clone(),
            business: record.business,
            id_number: Some(id),
            agent_id_number: None,
            started_at: finished - chrono::Duration::seconds(150),
            finished_at: Some(finished),
            outcome: Some(Outcome::Completed),
            deadline: Some(day),
            summary: format!("{:?} completed", record.business),
        };
        let mut commit = Commit::new(Actor::Citizen(case_id), finished);
        commit.case = Some(case);
        commit.archive = Some(record);
        commit
    }
}

/// Fills `store` with `n` cases of each month in `months`, `CHUNK` commits a transaction.
fn fill(store: &SqliteStore, gen: &mut Gen<'_>, months: &[(Month, usize)]) -> Duration {
    let t = Instant::now();
    for &(month, n) in months {
        let mut i = 0;
        while i < n {
            let end = (i + CHUNK).min(n);
            let commits: Vec<Commit> = (i..end).map(|j| gen.commit(month, j, n)).collect();
            store.commit_all(&commits).expect("bulk commit");
            i = end;
        }
    }
    t.elapsed()
}

fn file_size(path: &Path) -> u64 {
    ["", "-wal"]
        .iter()
        .filter_map(|s| std::fs::metadata(format!("{}{s}", path.display())).ok())
        .map(|m| m.len())
        .sum()
}

fn mib(bytes: u64) -> String {
    format!("{:.0} MiB", bytes as f64 / (1024.0 * 1024.0))
}

/// The process's peak resident memory so far (`VmHWM`), or why it is not known.
fn peak_rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or_else(|| "unknown".into(), |kb| mib(kb * 1024))
}

fn rate(n: usize, d: Duration) -> String {
    format!("{:.0}/s", n as f64 / d.as_secs_f64())
}

fn seal_a_month(a: &Args, plain: &[NewArchiveRecord], photo: &[NewArchiveRecord]) {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("kiosk.db");
    // Encrypted, as on a kiosk (SQLCipher, a raw key).
    let store = SqliteStore::open(&db, &kiosk_store::sqlite::DbKey::generate()).expect("store");
    let month = Month::parse("2026-11").expect("month");
    let mut gen = Gen {
        plain,
        photo,
        people: (a.month / 3).max(1),
        photos: true,
        day_seq: Default::default(),
    };
    let filled = fill(&store, &mut gen, &[(month, a.month)]);
    let fonds = &plain[0].fonds;
    let peak_filled = peak_rss();

    let out = dir.path().join("archive");
    let december = Utc
        .with_ymd_and_hms(2026, 12, 1, 1, 0, 0)
        .single()
        .expect("instant");
    let t = Instant::now();
    let sealed = seal::seal_month(
        &store,
        "2026-11",
        fonds,
        &out,
        &Actor::System,
        december,
        &tests::kiosk::archive_test_key(),
    )
    .expect("seal");
    let took = t.elapsed();
    let peak_sealed = peak_rss();
    assert_eq!(sealed.info.records, a.month as u64);
    // Stages as seal_month ran them, again on their own (after the seal, so that its figure
    // and its memory are not helped by them; reading the month here holds it in memory).
    let t = Instant::now();
    let report = store.verify().expect("verify");
    let verify = t.elapsed();
    assert!(report.ok(), "{:?}", report.problems);
    let t = Instant::now();
    let records = store.month_records("2026-11").expect("month records");
    let read = t.elapsed();
    assert_eq!(records.len(), a.month);
    drop(records);
    println!(
        "## Sealing a month of {} cases\n\n\
         | figure | value |\n|---|---|\n\
         | fill through the store's commit path ({CHUNK} a transaction) | {} ({}) |\n\
         | database size | {} |\n\
         | **seal the month (target < 5 s)** | **{}** |\n\
         | a stage on its own: audit chain verified ({} entries) | {} |\n\
         | a stage on its own: the month's records read and decoded | {} |\n\
         | batch written | `records.tar` of {} files; the batch {} |\n\
         | peak memory of the process (VmHWM): after the fill / after the seal | {} / {} |\n",
        a.month,
        ms(filled),
        rate(a.month, filled),
        mib(file_size(&db)),
        ms(took),
        report.entries,
        ms(verify),
        ms(read),
        sealed.files,
        mib(sealed.bytes),
        peak_filled,
        peak_sealed,
    );
}

fn query_a_million(a: &Args, plain: &[NewArchiveRecord], photo: &[NewArchiveRecord]) {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("kiosk.db");
    // Encrypted, as on a kiosk (SQLCipher, a raw key).
    let store = SqliteStore::open(&db, &kiosk_store::sqlite::DbKey::generate()).expect("store");
    // 20 months (March 2025 to October 2026): item numbers stay within a year's 999 999.
    let months: Vec<Month> = {
        let mut m = Month::parse("2025-03").expect("month");
        (0..20)
            .map(|_| {
                let this = m;
                m = m.next();
                this
            })
            .collect()
    };
    let per = a.records / months.len();
    let mut plan: Vec<(Month, usize)> = months.iter().map(|&m| (m, per)).collect();
    plan[0].1 += a.records - per * months.len();
    let people = (a.records / 5).max(1);
    let mut gen = Gen {
        plain,
        photo,
        people,
        // A query returns at most 100 records; with photos a million records would take
        // some 8 GB of disk for no difference in which rows an index finds.
        photos: false,
        day_seq: Default::default(),
    };
    let filled = fill(&store, &mut gen, &plan);
    let actor = Actor::Staff("bench".into());

    let mut by_id = Samples::default();
    let mut found = 0usize;
    let mut by_day = Samples::default();
    let mut by_month = Samples::default();
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = |bound: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % bound as u64) as usize
    };
    for _ in 0..a.queries {
        let q = ArchiveQuery {
            id_number: Some(id_number(next(people))),
            ..Default::default()
        };
        let t = Instant::now();
        let r = store.query_archive(&q, &actor).expect("query by ID");
        by_id.push(t.elapsed());
        found += r.len();

        let m = months[next(months.len())];
        let day = m.first_day() + chrono::Duration::days(next(28) as i64);
        let q = ArchiveQuery {
            from: Some(day),
            to: Some(day),
            ..Default::default()
        };
        let t = Instant::now();
        let r = store.query_archive(&q, &actor).expect("query by day");
        by_day.push(t.elapsed());
        assert!(!r.is_empty(), "no record on {day}");

        let last = m.next().first_day().pred_opt().expect("a day before");
        let q = ArchiveQuery {
            from: Some(m.first_day()),
            to: Some(last),
            ..Default::default()
        };
        let t = Instant::now();
        let r = store.query_archive(&q, &actor).expect("query by month");
        by_month.push(t.elapsed());
        assert_eq!(r.len(), 100, "a month holds more than the 100 returned");
        assert!(r
            .iter()
            .all(|x| local_date(x.record.finished_at).month() == last.month()));
    }
    let plan_of = |q: &ArchiveQuery| {
        store
            .explain_archive_query(q)
            .map(|v| v.join("; "))
            .unwrap_or_else(|e| format!("({e})"))
    };
    let id_plan = plan_of(&ArchiveQuery {
        id_number: Some(id_number(1)),
        ..Default::default()
    });
    let day_plan = plan_of(&ArchiveQuery {
        from: Some(months[0].first_day()),
        to: Some(months[0].first_day()),
        ..Default::default()
    });
    println!(
        "## Querying {} archive records ({} queries each; each query appends its audit entry)\n\n\
         | figure | p50 / p99 |\n|---|---|\n\
         | fill through the store's commit path | {} ({}), database {} |\n\
         | **by ID number (target < 10 ms)**, {:.1} records a person | **{}** |\n\
         | **by date range: one day (target < 10 ms)**, newest 100 | **{}** |\n\
         | by date range: one month, newest 100 | {} |\n\n\
         Plans: by ID `{id_plan}`; by day `{day_plan}`.\n",
        a.records,
        a.queries,
        ms(filled),
        rate(a.records, filled),
        mib(file_size(&db)),
        found as f64 / a.queries as f64,
        by_id.p50_p99(),
        by_day.p50_p99(),
        by_month.p50_p99(),
    );
}

/// `ARCHIVE_BENCH_SKIP=seal` or `=query` leaves that half out.
fn skip(part: &str) -> bool {
    std::env::var("ARCHIVE_BENCH_SKIP").is_ok_and(|v| v == part)
}

fn main() {
    let a = args();
    let t = Instant::now();
    let (plain, photo) = templates();
    eprintln!(
        "templates: {} without photo, {} with, in {}",
        plain.len(),
        photo.len(),
        ms(t.elapsed())
    );
    if !skip("seal") {
        seal_a_month(&a, &plain, &photo);
    }
    if !skip("query") {
        query_a_million(&a, &plain, &photo);
    }
}
