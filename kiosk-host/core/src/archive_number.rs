//! Archive numbers (档号) in the DA/T 22-2015 form:
//! `全宗号-门类代码·年度-保管期限-机构代码-件号`, e.g. `0001-SB·2026-D50-652300001-000123`.
//!
//! - 门类代码 `SB`: social insurance business archives (社会保险业务档案).
//! - 保管期限: `Y` for permanent, `D<years>` for a fixed period (card materials: `D50`).
//! - 件号: six digits, counted per fonds, year, period and organisation from 1.

use std::fmt;

/// The category code used for every record the kiosk archives.
pub const CATEGORY: &str = "SB";

/// The retention of social security card materials (2009 rule, annex): 50 years.
pub(crate) const CARD_MATERIALS_YEARS: u32 = 50;

/// The parts of an archive number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveNumber {
    pub fonds: String,
    pub year: i32,
    /// `None` = permanent (`Y`).
    pub retention_years: Option<u32>,
    pub organisation: String,
    pub item: u32,
}

/// Why a string is not an archive number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an archive number ({0}); expected e.g. 0001-SB·2026-D50-652300001-000123")]
pub struct BadArchiveNumber(pub String);

impl fmt::Display for ArchiveNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let period = match self.retention_years {
            Some(y) => format!("D{y}"),
            None => "Y".into(),
        };
        write!(
            f,
            "{}-{CATEGORY}·{}-{period}-{}-{:06}",
            self.fonds, self.year, self.organisation, self.item
        )
    }
}

impl std::str::FromStr for ArchiveNumber {
    type Err = BadArchiveNumber;

    fn from_str(s: &str) -> Result<ArchiveNumber, BadArchiveNumber> {
        let bad = |why: &str| BadArchiveNumber(why.to_string());
        let parts: Vec<&str> = s.split('-').collect();
        let [fonds, cat_year, period, organisation, item] = parts[..] else {
            return Err(bad("it needs five parts separated by '-'"));
        };
        let code = |p: &str| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric());
        if !code(fonds) {
            return Err(bad("the fonds code must be letters and digits"));
        }
        if !code(organisation) {
            return Err(bad("the organisation code must be letters and digits"));
        }
        let Some((category, year)) = cat_year.split_once('·') else {
            return Err(bad(
                "the second part must be category·year, with a middle dot",
            ));
        };
        if category != CATEGORY {
            return Err(bad("the category code must be SB"));
        }
        let year: i32 = match year.parse() {
            Ok(y) if (1900..=9999).contains(&y) && year.len() == 4 => y,
            _ => return Err(bad("the year must have four digits")),
        };
        let retention_years = match period {
            "Y" => None,
            p => match p.strip_prefix('D').and_then(|n| n.parse::<u32>().ok()) {
                Some(n) if n > 0 => Some(n),
                _ => return Err(bad("the retention period must be Y or D<years>")),
            },
        };
        let item = match item.parse::<u32>() {
            Ok(n) if item.len() == 6 && n > 0 => n,
            _ => return Err(bad("the item number must have six digits")),
        };
        Ok(ArchiveNumber {
            fonds: fonds.into(),
            year,
            retention_years,
            organisation: organisation.into(),
            item,
        })
    }
}

/// The last day of retention: the period counts from 1 January of the year after the record
/// was made, so a 50-year record of 2026 is kept until 31 December 2076.
pub fn retain_until(year: i32, retention_years: u32) -> Option<chrono::NaiveDate> {
    let last_year = year.checked_add(i32::try_from(retention_years).ok()?)?;
    chrono::NaiveDate::from_ymd_opt(last_year, 12, 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let n = ArchiveNumber {
            fonds: "0001".into(),
            year: 2026,
            retention_years: Some(50),
            organisation: "652300001".into(),
            item: 123,
        };
        let s = n.to_string();
        assert_eq!(s, "0001-SB·2026-D50-652300001-000123");
        assert_eq!(s.parse::<ArchiveNumber>(), Ok(n));
        let permanent: ArchiveNumber = "A1-SB·2025-Y-X9-000001".parse().unwrap();
        assert_eq!(permanent.retention_years, None);
    }

    #[test]
    fn refusals_say_what() {
        for (s, what) in [
            ("0001-SB2026-D50-1-000001", "middle dot"),
            ("0001-WS·2026-D50-1-000001", "SB"),
            ("0001-SB·26-D50-1-000001", "four digits"),
            ("0001-SB·2026-X50-1-000001", "Y or D"),
            ("0001-SB·2026-D50-1-1", "six digits"),
            ("0001-SB·2026-D50-1", "five parts"),
        ] {
            let e = s.parse::<ArchiveNumber>().unwrap_err();
            assert!(e.to_string().contains(what), "{s}: {e}");
        }
    }

    #[test]
    fn retention_counts_from_next_january() {
        assert_eq!(
            retain_until(2026, 50),
            chrono::NaiveDate::from_ymd_opt(2076, 12, 31)
        );
    }
}
