//! Masking of personal data shown on screens and receipts.

/// Keeps the first `head` and last `tail` characters, masking the rest with `*`.
pub fn middle(s: &str, head: usize, tail: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= head + tail {
        return "*".repeat(chars.len());
    }
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if i < head || i >= chars.len() - tail {
                *c
            } else {
                '*'
            }
        })
        .collect()
}

/// ID / social security number: `652301********1234`.
pub fn id_number(s: &str) -> String {
    middle(s, 6, 4)
}

/// Card number: only the last 4 characters, e.g. `*****0001`.
pub fn card_number(s: &str) -> String {
    middle(s, 0, 4)
}

/// Phone number: the middle 4 digits hidden, e.g. `139****5678`.
pub fn phone(s: &str) -> String {
    let n = s.chars().count();
    if n >= 11 {
        middle(s, n - 8, 4)
    } else {
        middle(s, 2, 2)
    }
}

/// A name: the first character kept, e.g. `张*`, `阿**********`.
pub fn name(s: &str) -> String {
    middle(s, 1, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks() {
        assert_eq!(id_number("652301198005061234"), "652301********1234");
        assert_eq!(name("张伟"), "张*");
        assert_eq!(name("阿卜杜·买"), "阿****");
        assert_eq!(middle("ab", 1, 1), "**");
        assert_eq!(card_number("A00000001"), "*****0001");
        assert_eq!(phone("13912345678"), "139****5678");
        assert_eq!(phone("+8613912345678"), "+86139****5678");
    }
}
