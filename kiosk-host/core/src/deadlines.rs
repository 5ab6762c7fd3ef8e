//! Deadlines that stay true (issue 17, item 6; BUSINESS-RULES.md section 4).
//!
//! A card application's expected production date is counted in working days. When the
//! calendar lacks a year the count crosses, only weekends are days off there and the deadline
//! is stored as provisional. Once the calendar covers that year (provisioning installs the
//! year's file: `kiosk calendar install`, and every `kiosk serve` start checks again),
//! [`recompute`] counts every open provisional deadline again with the calendar as it now is
//! and writes those that changed, each an audited `application.deadline` change (old and new
//! date in the audit entry, which the staff audit page shows; the store keeps the old date as
//! `Application::deadline_recomputed_from`, which the staff applications page shows).
//!
//! [`status`] says which years the calendar holds (final), which years open deadlines were
//! counted into without their calendar (provisional: they wait for it), and which years a new
//! deadline can reach that the calendar lacks (missing).

use std::collections::{BTreeMap, BTreeSet};

use chrono::Datelike;
use serde::Serialize;

use crate::calendar::{Deadline, WorkCalendar};
use crate::domain::{local_date, Actor, Application, BusinessCode, Progress, Timestamp};
use crate::store::{Change, Commit, Registry, StoreError};

/// One deadline counted again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recomputed {
    pub case_id: String,
    pub business: BusinessCode,
    pub old: Deadline,
    pub new: Deadline,
}

/// `<case>: <old date> -> <new date>`, and ` (still provisional)` when it is.
impl std::fmt::Display for Recomputed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {} -> {}",
            self.case_id, self.old.date, self.new.date
        )?;
        if self.new.provisional {
            f.write_str(" (still provisional)")?;
        }
        Ok(())
    }
}

/// The applications still open (not collected, not rejected).
fn open_applications(store: &dyn Registry) -> Result<Vec<Application>, StoreError> {
    let mut open = Vec::new();
    for p in Progress::ALL {
        if p.next().is_some() {
            open.extend(store.applications_in(p)?);
        }
    }
    Ok(open)
}

/// What [`recompute`] would change: every open provisional deadline counted again, `days`
/// working days from the day of submission, where the result differs.
pub fn plan(apps: &[Application], calendar: &WorkCalendar, days: u32) -> Vec<Recomputed> {
    apps.iter()
        .filter(|a| a.deadline_provisional)
        .filter_map(|a| {
            let old = Deadline {
                date: a.deadline,
                provisional: true,
            };
            let new = calendar.add_working_days(local_date(a.submitted_at), days);
            (new != old).then(|| Recomputed {
                case_id: a.case_id.clone(),
                business: a.business,
                old,
                new,
            })
        })
        .collect()
}

/// Counts every open provisional deadline again with `calendar` and writes those that
/// changed, one audited commit each (actor: the system). A deadline changed meanwhile by
/// someone else is left as it is (the conflict logged). Returns what was written.
pub fn recompute(
    store: &dyn Registry,
    calendar: &WorkCalendar,
    days: u32,
    now: Timestamp,
) -> Result<Vec<Recomputed>, StoreError> {
    let apps = open_applications(store)?;
    let mut done = Vec::new();
    for r in plan(&apps, calendar, days) {
        let mut commit = Commit::new(Actor::System, now);
        commit.changes.push(Change::SetDeadline {
            case_id: r.case_id.clone(),
            from: r.old.date,
            from_provisional: r.old.provisional,
            to: r.new.date,
            provisional: r.new.provisional,
        });
        match store.commit(&commit) {
            Ok(_) => done.push(r),
            Err(StoreError::Conflict(why)) => log::warn!("deadline not recomputed: {why}"),
            Err(e) => return Err(e),
        }
    }
    Ok(done)
}

/// How far the calendar reaches, by year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum YearStatus {
    /// The calendar has the year's entries (its notice was provisioned).
    Final,
    /// The calendar lacks the year, and open deadlines were counted into it with weekends
    /// only: they are recomputed when the year's file is installed.
    Provisional,
    /// The calendar lacks the year, which a deadline counted today can reach.
    Missing,
}

/// One year of [`status`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct YearReport {
    pub year: i32,
    pub status: YearStatus,
    /// Open deadlines counted into this year without its calendar.
    pub provisional_deadlines: usize,
}

/// The years of the calendar, of the open provisional deadlines, and the years a deadline
/// counted `today` (of `days` working days) reaches, each with its status, oldest first.
pub fn status(
    store: &dyn Registry,
    calendar: &WorkCalendar,
    days: u32,
    today: chrono::NaiveDate,
) -> Result<Vec<YearReport>, StoreError> {
    let mut waiting: BTreeMap<i32, usize> = BTreeMap::new();
    for a in open_applications(store)? {
        if !a.deadline_provisional {
            continue;
        }
        for y in local_date(a.submitted_at).year()..=a.deadline.year() {
            if !calendar.covers(y) {
                *waiting.entry(y).or_default() += 1;
            }
        }
    }
    let reach = calendar.add_working_days(today, days).date.year();
    let mut years: BTreeSet<i32> = calendar.years().into_iter().collect();
    years.extend(waiting.keys().copied());
    years.extend(today.year()..=reach);
    Ok(years
        .into_iter()
        .map(|year| {
            let n = waiting.get(&year).copied().unwrap_or(0);
            YearReport {
                year,
                status: if calendar.covers(year) {
                    YearStatus::Final
                } else if n > 0 {
                    YearStatus::Provisional
                } else {
                    YearStatus::Missing
                },
                provisional_deadlines: n,
            }
        })
        .collect())
}
