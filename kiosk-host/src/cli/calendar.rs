//! `kiosk calendar …` (issue 17, item 6): the working-day calendar and the deadlines counted
//! with it.
//!
//! - `status`: which years are final (in the calendar), provisional (missing, with open
//!   deadlines counted into them with weekends only) or missing (a deadline counted today can
//!   reach them).
//! - `install FILE`: provisioning a year's calendar file (`data/calendar/cn-xj-YYYY.toml`):
//!   checked, its years written into the configured `[calendar] file` (entries of other years
//!   kept, those of the file's years replaced), then every open provisional deadline counted
//!   again and the changed ones written, audited (`application.deadline`) and listed. A
//!   running kiosk does the same at its next start (`Engine::startup`).
//!
//! Exit codes: 0 done, 2 bad arguments or an invalid file, 3 the configuration, the calendar
//! file or the database cannot be read or written.

use std::path::{Path, PathBuf};

use chrono::Utc;
use firmware_config::{CalendarDay, CalendarFile, Config};
use kiosk_core::calendar::WorkCalendar;
use kiosk_core::deadlines::{self, YearStatus};
use kiosk_core::domain::local_date;

use super::common::{fail, StoreArgs};

#[derive(clap::Subcommand)]
pub(crate) enum CalendarCmd {
    /// Which years the calendar has (final), which years open deadlines wait for
    /// (provisional) and which years it lacks (missing).
    Status {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long)]
        json: bool,
    },
    /// Install a year's calendar file into `[calendar] file` and recompute the deadlines it
    /// makes final.
    Install {
        /// The calendar file (`[[days]]` entries), e.g. data/calendar/cn-xj-2027.toml.
        file: PathBuf,
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long)]
        json: bool,
    },
}

pub(crate) fn run(cmd: CalendarCmd) -> i32 {
    match cmd {
        CalendarCmd::Status { store, json } => status(&store, json),
        CalendarCmd::Install { file, store, json } => install(&file, &store, json),
    }
}

/// The configuration's directory (`/etc/kiosk` by default): a relative `[calendar] file` is
/// read against it.
fn base_of(store: &StoreArgs) -> PathBuf {
    store
        .config
        .as_deref()
        .unwrap_or(Path::new(firmware_config::DEFAULT_PATH))
        .parent()
        .map_or_else(|| PathBuf::from("/"), Path::to_path_buf)
}

fn load_calendar(config: &Config, base: &Path) -> Result<WorkCalendar, i32> {
    WorkCalendar::load(&config.calendar, base).map_err(|e| fail(3, e))
}

fn status(store: &StoreArgs, json: bool) -> i32 {
    let (config, db) = match store.open() {
        Ok(s) => s,
        Err(e) => return fail(3, e),
    };
    let calendar = match load_calendar(&config, &base_of(store)) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let report = match deadlines::status(
        &db,
        &calendar,
        config.business.application_deadline_days,
        local_date(Utc::now()),
    ) {
        Ok(r) => r,
        Err(e) => return fail(3, e),
    };
    if json {
        println!("{}", serde_json::json!({ "years": report }));
        return 0;
    }
    for y in &report {
        let what = match y.status {
            YearStatus::Final => "final".to_string(),
            YearStatus::Provisional => format!(
                "provisional ({} open deadline(s) counted with weekends only; install the year's file)",
                y.provisional_deadlines
            ),
            YearStatus::Missing => "missing (install the year's file)".to_string(),
        };
        println!("{}  {what}", y.year);
    }
    0
}

/// The entries of `existing` outside `years`, then `added`.
fn merged(existing: Vec<CalendarDay>, added: &[CalendarDay], years: &[i32]) -> Vec<CalendarDay> {
    existing
        .into_iter()
        .filter(|d| {
            d.date
                .date
                .is_none_or(|day| !years.contains(&i32::from(day.year)))
        })
        .chain(added.iter().cloned())
        .collect()
}

fn install(file: &Path, store: &StoreArgs, json: bool) -> i32 {
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => return fail(3, format!("cannot read {}: {e}", file.display())),
    };
    let added = match CalendarFile::parse(&text, &file.display().to_string()) {
        Ok(f) => f.days,
        Err(e) => return fail(2, e),
    };
    // Checked on its own first: a conflict or a bad date names this file.
    let new_cal = match WorkCalendar::from_days(&added) {
        Ok(c) => c,
        Err(e) => return fail(2, format!("{}: {e}", file.display())),
    };
    let years = new_cal.years();
    if years.is_empty() {
        return fail(2, format!("{}: no [[days]] entries", file.display()));
    }
    let config = match store.config() {
        Ok(c) => c,
        Err(e) => return fail(3, format!("--config: {e}")),
    };
    let base = base_of(store);
    let Some(target) = config.calendar.file.as_ref().map(|f| base.join(f)) else {
        return fail(
            2,
            "the configuration names no [calendar] file to install into; set [calendar] file = \"/etc/kiosk/calendar.toml\"",
        );
    };
    let existing = match std::fs::read_to_string(&target) {
        Ok(t) => match CalendarFile::parse(&t, &target.display().to_string()) {
            Ok(f) => f.days,
            Err(e) => return fail(3, e),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return fail(3, format!("cannot read {}: {e}", target.display())),
    };
    let days = merged(existing, &added, &years);
    let out = match toml::to_string(&CalendarFile { days }) {
        Ok(t) => format!(
            "# Installed by `kiosk calendar install` (one file of every year, see\n\
             # data/calendar/README.md).\n{t}"
        ),
        Err(e) => return fail(3, format!("cannot write the calendar: {e}")),
    };
    if let Err(e) = write_atomically(&target, &out) {
        return fail(3, format!("cannot write {}: {e}", target.display()));
    }
    let (config, db) = match store.open() {
        Ok(s) => s,
        Err(e) => return fail(3, e),
    };
    let calendar = match load_calendar(&config, &base) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let done = match deadlines::recompute(
        &db,
        &calendar,
        config.business.application_deadline_days,
        Utc::now(),
    ) {
        Ok(d) => d,
        Err(e) => return fail(3, e),
    };
    if json {
        println!(
            "{}",
            serde_json::json!({ "installed_years": years, "file": target, "recomputed": done })
        );
        return 0;
    }
    let list: Vec<String> = years.iter().map(i32::to_string).collect();
    println!("installed {} into {}", list.join(", "), target.display());
    println!("{} deadline(s) recomputed", done.len());
    for r in &done {
        println!("  {r}");
    }
    0
}

fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let tmp = path.with_extension("toml.new");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}
