//! Working days and deadlines (BUSINESS-RULES.md section 4).
//!
//! The calendar is data: a table of holidays and adjusted working days (调休) covering the
//! national days of the State Council's yearly notice and Xinjiang's own (肉孜节, 古尔邦节), read
//! from `[calendar]` in kiosk.toml and the calendar file it names (`data/calendar/` ships one
//! per year). A day is a working day when it is a listed adjusted working day, or a
//! Monday–Friday not listed as a holiday.
//!
//! Deadlines of "N working days" start counting the day after acceptance (Civil Code art. 201).
//! A year without any entry in the table is *not covered*: in it only weekends are days off,
//! and a deadline reaching into it is marked provisional, to be recomputed once the year's
//! notice is provisioned.
//!
//! The arithmetic is closed-form: weekdays between two dates are counted from the day numbers,
//! then corrected by the (few) table entries in the range, so a deadline costs O(entries), not
//! O(days).

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate, Weekday};
use firmware_config::{Calendar, CalendarDay, CalendarFile, ConfigError, DayKind};
use serde::{Deserialize, Serialize};

/// Why a calendar could not be built.
#[derive(Debug, thiserror::Error)]
pub enum CalendarError {
    /// A `date` is a TOML date-time or time, not a plain date.
    #[error(
        "calendar entry #{index} ({name:?}): {text} is not a plain date; write the day only, e.g. date = 2026-02-15"
    )]
    NotADate {
        /// 1-based position of the entry in its list.
        index: usize,
        /// The entry's name.
        name: String,
        /// The value as written.
        text: String,
    },
    /// A plain date that does not exist (e.g. 2026-02-30).
    #[error("calendar entry #{index} ({name:?}): {text} is not a day of the calendar")]
    NoSuchDay {
        /// 1-based position of the entry in its list.
        index: usize,
        /// The entry's name.
        name: String,
        /// The value as written.
        text: String,
    },
    /// The same date is listed once as a holiday and once as an adjusted working day.
    #[error(
        "calendar lists {date} both as a holiday ({holiday:?}) and as a working day ({workday:?}); keep one entry for the day"
    )]
    Conflict {
        /// The date listed twice.
        date: NaiveDate,
        /// The name of the holiday entry.
        holiday: String,
        /// The name of the working-day entry.
        workday: String,
    },
    /// The calendar file could not be read.
    #[error("cannot read calendar file {}: {source}", path.display())]
    Read {
        /// The file as resolved against the base directory.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// The calendar file is not a valid calendar file.
    #[error("calendar file {} is invalid: {source}", path.display())]
    Invalid {
        /// The file as resolved against the base directory.
        path: PathBuf,
        /// Every problem, with line and column.
        #[source]
        source: ConfigError,
    },
}

/// One entry of the table: what the day is, and its name (e.g. 春节, 国庆节调休).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarEntry {
    /// Holiday, or adjusted working day (调休).
    pub kind: DayKind,
    /// The name given in the table (may be empty).
    pub name: String,
}

/// A deadline: the last working day of a period, and whether the calendar lacked a year the
/// period crosses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Deadline {
    /// The n-th working day after acceptance.
    pub date: NaiveDate,
    /// True when some year from the day after acceptance to `date` has no calendar entries
    /// (only weekends were counted as days off there): recompute when the notice arrives.
    pub provisional: bool,
}

/// The working-day calendar: holidays and adjusted working days by date.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkCalendar {
    days: BTreeMap<NaiveDate, CalendarEntry>,
    years: BTreeSet<i32>,
}

impl WorkCalendar {
    /// A calendar from table entries. A date listed twice with the same kind is kept once (the
    /// first name wins); listed as both holiday and working day it is an error naming the date.
    pub fn from_days(days: &[CalendarDay]) -> Result<WorkCalendar, CalendarError> {
        let mut cal = WorkCalendar::default();
        cal.extend(days)?;
        Ok(cal)
    }

    /// The calendar of `[calendar]`: the entries of `cal.file` (a calendar file of `[[days]]`,
    /// resolved against `base_dir` when relative) followed by the inline `cal.days`.
    pub fn load(cal: &Calendar, base_dir: &Path) -> Result<WorkCalendar, CalendarError> {
        let mut out = WorkCalendar::default();
        if let Some(file) = &cal.file {
            let path = base_dir.join(file);
            let text = std::fs::read_to_string(&path).map_err(|source| CalendarError::Read {
                path: path.clone(),
                source,
            })?;
            let parsed =
                CalendarFile::parse(&text, &path.display().to_string()).map_err(|source| {
                    CalendarError::Invalid {
                        path: path.clone(),
                        source,
                    }
                })?;
            out.extend(&parsed.days)?;
        }
        out.extend(&cal.days)?;
        Ok(out)
    }

    fn extend(&mut self, days: &[CalendarDay]) -> Result<(), CalendarError> {
        for (i, day) in days.iter().enumerate() {
            let date = plain_date(day, i + 1)?;
            match self.days.get(&date) {
                Some(existing) if existing.kind != day.kind => {
                    let (holiday, workday) = match day.kind {
                        DayKind::Holiday => (day.name.clone(), existing.name.clone()),
                        DayKind::Workday => (existing.name.clone(), day.name.clone()),
                    };
                    return Err(CalendarError::Conflict {
                        date,
                        holiday,
                        workday,
                    });
                }
                Some(_) => {}
                None => {
                    self.days.insert(
                        date,
                        CalendarEntry {
                            kind: day.kind,
                            name: day.name.clone(),
                        },
                    );
                    self.years.insert(date.year());
                }
            }
        }
        Ok(())
    }

    /// True for a listed adjusted working day (调休), or a Monday–Friday not listed as a
    /// holiday.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        match self.days.get(&date) {
            Some(entry) => entry.kind == DayKind::Workday,
            None => is_weekday(date),
        }
    }

    /// The table's entry for `date`, if it has one (e.g. to show the holiday's name).
    pub fn entry(&self, date: NaiveDate) -> Option<&CalendarEntry> {
        self.days.get(&date)
    }

    /// True when the table has at least one entry in `year`.
    pub fn covers(&self, year: i32) -> bool {
        self.years.contains(&year)
    }

    /// The years with entries, ascending.
    pub fn years(&self) -> Vec<i32> {
        self.years.iter().copied().collect()
    }

    /// The `n`-th working day after `accepted` (counting starts the day after acceptance).
    /// `n = 0` gives `accepted` itself. `provisional` is set when a year from the day after
    /// acceptance to the result is not covered. A period running past the last date chrono
    /// represents (tens of millions of working days) ends at `NaiveDate::MAX`, provisional.
    pub fn add_working_days(&self, accepted: NaiveDate, n: u32) -> Deadline {
        if n == 0 {
            return Deadline {
                date: accepted,
                provisional: false,
            };
        }
        match self.nth_working_day(accepted, i64::from(n)) {
            Some(date) => Deadline {
                date,
                provisional: !self.covers_all(accepted, date),
            },
            None => Deadline {
                date: NaiveDate::MAX,
                provisional: true,
            },
        }
    }

    /// Working days after `from` up to and including `to` (0 when `to` is not after `from`).
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        if to <= from {
            return 0;
        }
        let mut count = weekdays_after(from, to);
        for (&date, entry) in self
            .days
            .range((Bound::Excluded(from), Bound::Included(to)))
        {
            count += adjustment(date, entry.kind);
        }
        // At most the number of days chrono represents (under 2^28), and never negative.
        u32::try_from(count.max(0)).unwrap_or(u32::MAX)
    }

    /// The `n`-th (n ≥ 1) working day after `start`, or `None` past `NaiveDate::MAX`.
    fn nth_working_day(&self, start: NaiveDate, n: i64) -> Option<NaiveDate> {
        let mut cursor = start;
        let mut remaining = n;
        for (&date, entry) in self.days.range((Bound::Excluded(start), Bound::Unbounded)) {
            // Plain weekdays strictly between the cursor and this entry.
            let before = weekdays_after(cursor, date) - i64::from(is_weekday(date));
            if before >= remaining {
                return nth_weekday_after(cursor, remaining);
            }
            remaining -= before;
            if entry.kind == DayKind::Workday {
                remaining -= 1;
                if remaining == 0 {
                    return Some(date);
                }
            }
            cursor = date;
        }
        nth_weekday_after(cursor, remaining)
    }

    /// True when every year from the day after `accepted` to `end` is covered.
    fn covers_all(&self, accepted: NaiveDate, end: NaiveDate) -> bool {
        let first = match accepted.succ_opt() {
            Some(d) => d.year(),
            None => return true,
        };
        let last = end.year();
        if last < first {
            return true;
        }
        let wanted = i64::from(last) - i64::from(first) + 1;
        let have = self.years.range(first..=last).count();
        i64::try_from(have).is_ok_and(|h| h == wanted)
    }
}

/// A `CalendarDay`'s date as a `NaiveDate`; `index` (1-based) names the entry in errors.
fn plain_date(day: &CalendarDay, index: usize) -> Result<NaiveDate, CalendarError> {
    let text = day.date.to_string();
    let d = match (&day.date.date, &day.date.time, &day.date.offset) {
        (Some(d), None, None) => d,
        _ => {
            return Err(CalendarError::NotADate {
                index,
                name: day.name.clone(),
                text,
            })
        }
    };
    NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day)).ok_or(
        CalendarError::NoSuchDay {
            index,
            name: day.name.clone(),
            text,
        },
    )
}

fn is_weekday(date: NaiveDate) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// What a table entry changes against the plain Monday–Friday count.
fn adjustment(date: NaiveDate, kind: DayKind) -> i64 {
    match (kind, is_weekday(date)) {
        (DayKind::Workday, false) => 1,
        (DayKind::Holiday, true) => -1,
        _ => 0,
    }
}

/// Monday–Friday days among day numbers 1..=x (day 1 = 0001-01-01, a Monday), for any x.
fn weekdays_through(x: i64) -> i64 {
    x.div_euclid(7) * 5 + x.rem_euclid(7).min(5)
}

/// Monday–Friday days after `from` up to and including `to`.
fn weekdays_after(from: NaiveDate, to: NaiveDate) -> i64 {
    weekdays_through(day_number(to)) - weekdays_through(day_number(from))
}

/// The `n`-th (n ≥ 1) Monday–Friday after `from`.
fn nth_weekday_after(from: NaiveDate, n: i64) -> Option<NaiveDate> {
    let target = weekdays_through(day_number(from)) + n;
    // The first day number x with weekdays_through(x) == target.
    let week = (target - 1).div_euclid(5);
    let day_in_week = (target - 1).rem_euclid(5) + 1;
    let x = week.checked_mul(7)?.checked_add(day_in_week)?;
    NaiveDate::from_num_days_from_ce_opt(i32::try_from(x).ok()?)
}

fn day_number(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("test date")
    }

    #[test]
    fn day_one_is_a_monday() {
        assert_eq!(d(1, 1, 1).weekday(), Weekday::Mon);
        assert_eq!(d(1, 1, 1).num_days_from_ce(), 1);
    }

    #[test]
    fn closed_form_matches_walking_day_by_day() {
        for start in [
            d(2025, 12, 27),
            d(2026, 1, 2),
            d(-3, 5, 4),
            d(1, 1, 1),
            d(0, 12, 31),
        ] {
            let mut day = start;
            let mut walked = 0;
            for _ in 0..40 {
                day = day.succ_opt().expect("in range");
                if is_weekday(day) {
                    walked += 1;
                    assert_eq!(
                        nth_weekday_after(start, walked),
                        Some(day),
                        "{start} +{walked}"
                    );
                }
                assert_eq!(weekdays_after(start, day), walked, "{start}..{day}");
            }
        }
    }

    #[test]
    fn past_the_end_of_time_is_provisional() {
        let cal = WorkCalendar::default();
        let end = cal.add_working_days(d(2026, 1, 1), u32::MAX);
        assert_eq!(end.date, NaiveDate::MAX);
        assert!(end.provisional);
    }
}
