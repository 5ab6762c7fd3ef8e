//! Calendar dates as the card stores them (BCD YYYYMMDD), with validation and today's date
//! from the system clock (UTC+8, the kiosk's civil time).

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl Date {
    pub fn new(year: u16, month: u8, day: u8) -> Option<Date> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date { year, month, day })
    }

    /// Parses 8 digits `YYYYMMDD`.
    pub fn from_digits(s: &str) -> Option<Date> {
        if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Date::new(
            s[0..4].parse().ok()?,
            s[4..6].parse().ok()?,
            s[6..8].parse().ok()?,
        )
    }

    /// Parses 4 BCD bytes `YYYYMMDD`.
    pub fn from_bcd(bytes: &[u8]) -> Option<Date> {
        if bytes.len() != 4 {
            return None;
        }
        Date::from_digits(&crate::bcd::decode(bytes)?)
    }

    /// Parses `YYYY-MM-DD`.
    pub fn parse_iso(s: &str) -> Option<Date> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        Date::from_digits(&format!("{}{}{}", &s[0..4], &s[5..7], &s[8..10]))
    }

    pub fn to_bcd(self) -> [u8; 4] {
        let bcd = |v: u8| ((v / 10) << 4) | (v % 10);
        [
            bcd((self.year / 100) as u8),
            bcd((self.year % 100) as u8),
            bcd(self.month),
            bcd(self.day),
        ]
    }

    /// Days since 1970-01-01 (proleptic Gregorian).
    pub fn days_since_epoch(self) -> i64 {
        let y = self.year as i64 - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = self.month as i64;
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + self.day as i64 - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146097 + doe - 719468
    }

    pub fn from_days_since_epoch(z: i64) -> Date {
        let z = z + 719468;
        let era = z.div_euclid(146097);
        let doe = z - era * 146097;
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let y = yoe + era * 400 + i64::from(m <= 2);
        Date {
            year: y as u16,
            month: m,
            day: d,
        }
    }

    /// Today in China Standard Time (UTC+8).
    pub fn today() -> Date {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        Date::from_days_since_epoch((secs + 8 * 3600).div_euclid(86400))
    }
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        _ => 0,
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl serde::Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Date {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let s = String::deserialize(d)?;
        Date::parse_iso(&s)
            .or_else(|| Date::from_digits(&s))
            .ok_or_else(|| {
                serde::de::Error::custom(format!("invalid date {s:?}: expected YYYY-MM-DD"))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bcd_and_validation() {
        let d = Date::from_bcd(&[0x20, 0x24, 0x02, 0x29]).unwrap();
        assert_eq!(d.to_string(), "2024-02-29");
        assert_eq!(d.to_bcd(), [0x20, 0x24, 0x02, 0x29]);
        assert!(Date::from_bcd(&[0x20, 0x23, 0x02, 0x29]).is_none());
        assert!(Date::from_bcd(&[0x20, 0x23, 0x13, 0x01]).is_none());
        assert!(Date::from_bcd(&[0x20, 0x2A, 0x01, 0x01]).is_none());
    }

    #[test]
    fn epoch_days_round_trip() {
        for z in [-1000, 0, 1, 19000, 20000, 2932896] {
            assert_eq!(Date::from_days_since_epoch(z).days_since_epoch(), z);
        }
        assert_eq!(Date::new(1970, 1, 1).unwrap().days_since_epoch(), 0);
        assert_eq!(Date::new(2000, 3, 1).unwrap().days_since_epoch(), 11017);
    }
}
