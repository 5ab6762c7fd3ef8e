//! The checks of what the kiosk keeps on disk and the time it keeps: the database (opened with
//! its key, its directory writable), the clock, and the holiday calendar (next year's from
//! November on).

use std::collections::BTreeSet;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use chrono::{Datelike, NaiveDateTime};
use firmware_config::CalendarFile;

use kiosk_store::DbError;

use super::*;

/// Creates and removes a file in `dir`.
pub(crate) fn dir_writable(dir: &Path) -> std::io::Result<()> {
    let probe = dir.join(format!(
        ".kiosk-selftest-{}-{:08x}",
        std::process::id(),
        rand::random::<u32>()
    ));
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)?;
    fs::remove_file(&probe)
}

/// A database this check created as root belongs to the directory's owner (the service's
/// user), as if the service had made it.
#[allow(unsafe_code, reason = "geteuid(2)")]
pub(crate) fn hand_over(db: &Path, dir: &Path) {
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return;
    }
    let Ok(owner) = fs::metadata(dir) else { return };
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut p = db.as_os_str().to_owned();
        p.push(suffix);
        let p = PathBuf::from(p);
        if p.exists() {
            if let Err(e) = std::os::unix::fs::chown(&p, Some(owner.uid()), Some(owner.gid())) {
                log::warn!("cannot give {} to the directory's owner: {e}", p.display());
            }
        }
    }
}

pub(crate) fn database(cx: &Context<'_>) -> Outcome {
    let db = Path::new(&cx.config.storage.database);
    let dir = db
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let setup_hint = format!(
        "create the directory for the kiosk user: `install -d -o kiosk -g kiosk {}` (the package does this)",
        dir.display()
    );
    if let Err(e) = dir_writable(dir) {
        return fail(
            format!("cannot write in {}: {e}", dir.display()),
            setup_hint,
        );
    }
    let existed = db.exists();
    let opened = cx.store.open(&cx.config.storage, db);
    if !existed && db.exists() {
        hand_over(db, dir);
    }
    match opened {
        Ok(()) => pass(format!(
            "{} opens; {} is writable",
            db.display(),
            dir.display()
        )),
        Err(
            e @ (DbError::Key(_) | DbError::WrongKey { .. } | DbError::NotEncrypted { .. }),
        ) => fail(
            format!(
                "{} is writable, but the database {} does not open: {e}",
                dir.display(),
                db.display()
            ),
            "check [storage] key_file: `kiosk config dbkey -o /etc/kiosk/db.key` makes a key \
             (mode 600, owned by the kiosk user); `kiosk storage encrypt` encrypts a plaintext \
             database with it",
        ),
        Err(e) => fail(
            format!(
                "{} is writable, but the database {} does not open: {e}",
                dir.display(),
                db.display()
            ),
            format!(
                "check [storage] database, the file's owner and permissions, and free space (`df {}`)",
                dir.display()
            ),
        ),
    }
}

/// The civil time (UTC+8) at `t`.
pub(crate) fn civil(t: SystemTime) -> NaiveDateTime {
    let shifted = t.checked_add(Duration::from_secs(8 * 3600)).unwrap_or(t);
    chrono::DateTime::<chrono::Utc>::from(shifted).naive_utc()
}

pub(crate) fn show(t: SystemTime) -> String {
    civil(t).format("%Y-%m-%d %H:%M:%S").to_string()
}

pub(crate) fn calendar_file(cx: &Context<'_>) -> Option<PathBuf> {
    cx.config.calendar.file.as_ref().map(PathBuf::from)
}

pub(crate) fn clock(cx: &Context<'_>) -> Outcome {
    let hint = "set the clock (`timedatectl set-ntp true`, or `date -s 'YYYY-MM-DD HH:MM'`): card expiry, deadlines and archive numbers depend on it";
    let now = civil(cx.now);
    if !SANE_YEARS.contains(&now.year()) {
        return fail(format!("the clock says {} (UTC+8)", show(cx.now)), hint);
    }
    let files: Vec<PathBuf> = cx
        .config_path
        .map(Path::to_path_buf)
        .into_iter()
        .chain(calendar_file(cx))
        .collect();
    let newest = files
        .iter()
        .filter_map(|f| Some((fs::metadata(f).ok()?.modified().ok()?, f)))
        .max_by_key(|(t, _)| *t);
    if let Some((t, f)) = newest {
        if t > cx.now + MTIME_SLACK {
            return fail(
                format!(
                    "the clock ({}) is behind the modification time of {} ({})",
                    show(cx.now),
                    f.display(),
                    show(t)
                ),
                hint,
            );
        }
    }
    pass(format!("{} (UTC+8)", show(cx.now)))
}

pub(crate) fn calendar(cx: &Context<'_>) -> Outcome {
    let mut years: BTreeSet<i32> = BTreeSet::new();
    let mut add = |days: &[firmware_config::CalendarDay]| {
        for d in days {
            if let Some(date) = d.date.date {
                years.insert(i32::from(date.year));
            }
        }
    };
    add(&cx.config.calendar.days);
    let file = calendar_file(cx);
    if let Some(f) = &file {
        let text = match fs::read_to_string(f) {
            Ok(t) => t,
            Err(e) => {
                return fail(
                    format!("cannot read the calendar file {}: {e}", f.display()),
                    format!(
                        "install the calendar file {} or fix [calendar] file",
                        f.display()
                    ),
                )
            }
        };
        match CalendarFile::parse(&text, &f.display().to_string()) {
            Ok(c) => add(&c.days),
            Err(e) => {
                return fail(
                    e.to_string(),
                    format!("fix the lines shown in {}", f.display()),
                )
            }
        }
    }
    let now = civil(cx.now);
    let (this, next) = (now.year(), now.year() + 1);
    let source = match &file {
        Some(f) => format!("{} and [calendar] days", f.display()),
        None => "[calendar] days".into(),
    };
    let add_hint = |year: i32| {
        format!(
            "add the {year} holidays and adjusted working days (调休) to {source}; the State Council publishes them each autumn"
        )
    };
    if !years.contains(&this) {
        return fail(format!("no entries for {this} in {source}"), add_hint(this));
    }
    if !years.contains(&next) {
        let detail = format!("{this} covered, no entries for {next} in {source}");
        return if now.month() >= NEXT_YEAR_NEEDED_FROM_MONTH {
            fail(
                format!("{detail}: deadlines now reach into {next}"),
                add_hint(next),
            )
        } else {
            warn(detail, add_hint(next))
        };
    }
    pass(format!("{this} and {next} covered ({source})"))
}
