//! Which PINs a holder may set (BUSINESS-RULES.md section 1): weak PINs are refused for
//! every PIN the holder sets, before anything changes on the card.

use card_io::date::Date;
use card_io::pin::Pin;

use crate::text::Tri;

/// Why a PIN is too weak. The message never shows the PIN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeakPin {
    AllSame,
    Ascending,
    Descending,
    InIdNumber,
    InBirthDate,
}

impl WeakPin {
    /// The reason in the three screen languages.
    pub const fn text(self) -> Tri {
        match self {
            WeakPin::AllSame => Tri::new(
                "六位数字全部相同",
                "all six digits are the same",
                "ئالتە رەقەمنىڭ ھەممىسى ئوخشاش",
            ),
            WeakPin::Ascending => Tri::new(
                "数字依次递增(如123456)",
                "the digits run upwards (like 123456 or 345678)",
                "رەقەملەر تەرتىپ بىلەن ئۆسۈپ بارىدۇ (مەسىلەن 123456)",
            ),
            WeakPin::Descending => Tri::new(
                "数字依次递减(如654321)",
                "the digits run downwards (like 654321)",
                "رەقەملەر تەرتىپ بىلەن كېمىيىپ بارىدۇ (مەسىلەن 654321)",
            ),
            WeakPin::InIdNumber => Tri::new(
                "取自本人身份证号码",
                "it is part of the holder's ID number",
                "ئۆزىنىڭ كىملىك نومۇرىدىن ئېلىنغان",
            ),
            WeakPin::InBirthDate => Tri::new(
                "取自本人出生日期",
                "it is part of the holder's birth date",
                "ئۆزىنىڭ تۇغۇلغان كۈنىدىن ئېلىنغان",
            ),
        }
    }
}

/// The English reason (logs, the command line).
impl std::fmt::Display for WeakPin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.text().en)
    }
}

impl std::error::Error for WeakPin {}

/// Checks `pin` against the rules. `id_number` and `birth_date` are the holder's, when known.
pub fn check(pin: &Pin, id_number: Option<&str>, birth_date: Option<Date>) -> Result<(), WeakPin> {
    let d = pin.digits();
    if d.iter().all(|&x| x == d[0]) {
        return Err(WeakPin::AllSame);
    }
    // Runs, also across 9→0 (890123) and 0→9 (210987).
    if d.windows(2).all(|w| w[1] == (w[0] + 1) % 10) {
        return Err(WeakPin::Ascending);
    }
    if d.windows(2).all(|w| w[0] == (w[1] + 1) % 10) {
        return Err(WeakPin::Descending);
    }
    let matches_in = |s: &str| -> bool {
        let digits: Vec<u8> = s.bytes().collect();
        digits.windows(6).any(|w| {
            w.iter()
                .zip(d.iter())
                .all(|(c, p)| c.is_ascii_digit() && c - b'0' == *p)
        })
    };
    if let Some(id) = id_number {
        if matches_in(id) {
            return Err(WeakPin::InIdNumber);
        }
    }
    if let Some(b) = birth_date {
        let s = format!("{:04}{:02}{:02}", b.year, b.month, b.day);
        if matches_in(&s) {
            return Err(WeakPin::InBirthDate);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Pin {
        Pin::parse(s).unwrap()
    }

    #[test]
    fn refuses_weak_pins() {
        let id = "652301198005061234";
        let birth = Date::new(1980, 5, 6);
        assert_eq!(check(&p("111111"), None, None), Err(WeakPin::AllSame));
        assert_eq!(check(&p("123456"), None, None), Err(WeakPin::Ascending));
        assert_eq!(check(&p("345678"), None, None), Err(WeakPin::Ascending));
        assert_eq!(check(&p("890123"), None, None), Err(WeakPin::Ascending));
        assert_eq!(check(&p("654321"), None, None), Err(WeakPin::Descending));
        assert_eq!(
            check(&p("198005"), Some(id), birth),
            Err(WeakPin::InIdNumber)
        );
        assert_eq!(
            check(&p("061234"), Some(id), birth),
            Err(WeakPin::InIdNumber)
        );
        assert_eq!(check(&p("800506"), None, birth), Err(WeakPin::InBirthDate));
    }

    #[test]
    fn accepts_ordinary_pins() {
        let id = "65230119800506123X";
        for ok in ["704915", "135790", "902468", "112233"] {
            assert_eq!(
                check(&p(ok), Some(id), Date::new(1980, 5, 6)),
                Ok(()),
                "{ok}"
            );
        }
    }
}
