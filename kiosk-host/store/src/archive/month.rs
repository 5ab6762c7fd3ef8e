//! The month of an archive batch: `YYYY-MM` in kiosk local time (UTC+8).

use std::fmt;

use chrono::{Datelike, NaiveDate};

use super::ArchiveError;
use kiosk_core::domain::{local_date, Timestamp};

/// A calendar month, `YYYY-MM` (year 1900–9999).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    year: i32,
    /// 1–12.
    month: u32,
}

impl Month {
    /// Parses `YYYY-MM` strictly: four-digit year, `-`, two-digit month 01–12.
    pub fn parse(s: &str) -> Result<Month, ArchiveError> {
        let bad = |why| ArchiveError::BadMonth {
            month: s.to_string(),
            why,
        };
        let Some((year, month)) = s.split_once('-') else {
            return Err(bad("there is no '-' between the year and the month"));
        };
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("the year must have four digits"));
        }
        if month.len() != 2 || !month.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("the month must have two digits"));
        }
        let year: i32 = year
            .parse()
            .map_err(|_| bad("the year must have four digits"))?;
        let month: u32 = month
            .parse()
            .map_err(|_| bad("the month must have two digits"))?;
        if year < 1900 {
            return Err(bad("the year must be 1900 or later"));
        }
        if !(1..=12).contains(&month) {
            return Err(bad("the month must be 01 to 12"));
        }
        Ok(Month { year, month })
    }

    /// The month a date falls in.
    pub fn of(date: NaiveDate) -> Month {
        Month {
            year: date.year(),
            month: date.month(),
        }
    }

    /// The month of an instant in kiosk local time.
    pub fn of_instant(at: Timestamp) -> Month {
        Month::of(local_date(at))
    }

    pub fn year(self) -> i32 {
        self.year
    }

    /// 1–12.
    pub fn month(self) -> u32 {
        self.month
    }

    /// The first day of the month.
    pub fn first_day(self) -> NaiveDate {
        // Always valid: the year is 1900–9999 (checked by `parse`, or taken from a date) and
        // the month 1–12.
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }

    pub fn next(self) -> Month {
        if self.month == 12 {
            Month {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Month {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    pub fn prev(self) -> Month {
        if self.month == 1 {
            Month {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Month {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    /// True once the month is over in kiosk local time (today is in a later month).
    pub(crate) fn has_ended(self, now: Timestamp) -> bool {
        local_date(now) >= self.next().first_day()
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl std::str::FromStr for Month {
    type Err = ArchiveError;

    fn from_str(s: &str) -> Result<Month, ArchiveError> {
        Month::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    #[test]
    fn parses_and_prints() {
        let m = Month::parse("2026-03").unwrap();
        assert_eq!((m.year(), m.month()), (2026, 3));
        assert_eq!(m.to_string(), "2026-03");
        assert_eq!(m.next().to_string(), "2026-04");
        assert_eq!(m.prev().to_string(), "2026-02");
        assert_eq!(
            Month::parse("2025-12").unwrap().next().to_string(),
            "2026-01"
        );
        assert_eq!(
            Month::parse("2026-01").unwrap().prev().to_string(),
            "2025-12"
        );
    }

    #[test]
    fn refusals_say_what_is_wrong() {
        for (s, what) in [
            ("202603", "no '-'"),
            ("26-03", "four digits"),
            ("2026-3", "two digits"),
            ("2026-13", "01 to 12"),
            ("2026-00", "01 to 12"),
            ("1899-12", "1900"),
            ("2026-0a", "two digits"),
            ("+202-03", "four digits"),
            ("", "no '-'"),
        ] {
            let e = Month::parse(s).unwrap_err();
            let text = e.to_string();
            assert!(text.contains(what), "{s}: {text}");
            assert!(text.contains("write YYYY-MM"), "{s}: {text}");
        }
    }

    #[test]
    fn ends_at_local_midnight() {
        let m = Month::parse("2026-03").unwrap();
        // 2026-03-31 23:59:59 local = 15:59:59 UTC: not over.
        let before = Utc.with_ymd_and_hms(2026, 3, 31, 15, 59, 59).unwrap();
        // 2026-04-01 00:00:00 local = 2026-03-31 16:00:00 UTC: over.
        let after = Utc.with_ymd_and_hms(2026, 3, 31, 16, 0, 0).unwrap();
        assert!(!m.has_ended(before));
        assert!(m.has_ended(after));
        assert_eq!(Month::of_instant(after).to_string(), "2026-04");
    }
}
