//! Masking of personal data shown on screens and receipts, and in audit details (the same
//! rules at the kiosk and at the agency, so an entry reads alike at both ends).

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

/// A name: the first character kept, e.g. `张*`. A name in parts (a Uyghur name written
/// `阿卜杜热依木·买买提明`, or in its own script with spaces) keeps the first character of each
/// part and the separators, so its owner recognises it: `阿*****·买***` (issue 22).
pub fn name(s: &str) -> String {
    const SEPARATORS: [char; 5] = ['·', '•', '・', '‧', ' '];
    let mut out = String::with_capacity(s.len());
    let mut first = true;
    for c in s.chars() {
        if SEPARATORS.contains(&c) {
            out.push(c);
            first = true;
        } else if first {
            out.push(c);
            first = false;
        } else {
            out.push('*');
        }
    }
    out
}

/// Free text (a citizen's comment, an audit detail) with every run that looks like an ID
/// number (17 digits and a digit or `X`) or a mobile number (11 digits) masked like one,
/// also when its digits are written in groups separated by single spaces or hyphens
/// (`6523011980-0101-0011`, `138 1234 5678`); other runs of 7 or more digits keep their last
/// 4. Text without such runs is unchanged.
pub fn free_text(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        if let Some((end, digits)) = separated_run(&chars, i) {
            out.push_str(&match digits.len() {
                18 => id_number(&digits),
                _ => phone(&digits),
            });
            i = end;
            continue;
        }
        let start = i;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        if i - start == 17 && matches!(chars.get(i), Some('X' | 'x')) {
            i += 1;
        }
        let run: String = chars[start..i].iter().collect();
        out.push_str(&match run.chars().count() {
            18 => id_number(&run),
            11 => phone(&run),
            n if n >= 7 => middle(&run, 0, 4),
            _ => run,
        });
    }
    out
}

/// From `start`, digit groups joined by single spaces or hyphens that together make an ID
/// number (18, the last may be `X`) or a mobile number (11): where the run ends and its
/// digits. `None` for a run without separators or of another length (dates, amounts).
fn separated_run(chars: &[char], start: usize) -> Option<(usize, String)> {
    let mut digits = String::new();
    let mut i = start;
    let mut separated = false;
    loop {
        while i < chars.len() && chars[i].is_ascii_digit() {
            digits.push(chars[i]);
            i += 1;
        }
        if digits.len() == 17 && matches!(chars.get(i), Some('X' | 'x')) {
            digits.push(chars[i]);
            i += 1;
            break;
        }
        let joined = matches!(chars.get(i), Some(' ' | '-'))
            && chars.get(i + 1).is_some_and(char::is_ascii_digit);
        if !joined || digits.len() >= 18 {
            break;
        }
        separated = true;
        i += 1;
    }
    (separated && matches!(digits.len(), 11 | 18)).then_some((i, digits))
}

/// A JSON value with [`free_text`] applied to every string in it (keys kept).
pub fn json_strings(v: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::String(s) => Value::String(free_text(s)),
        Value::Array(items) => Value::Array(items.iter().map(json_strings).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), json_strings(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// An audit entry's detail with the personal data in it masked, at any depth: ID numbers
/// (first 6 and last 4), card numbers (last 4), names (first character), phone numbers (the
/// middle 4 digits), addresses and their division codes (first 6 characters: a town's code
/// shows its county only), birth dates (the year), and photo bytes
/// (`jpeg`, `content`) replaced by their SHA-256 and length.
pub fn audit_detail(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            let mut out = serde_json::Map::new();
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("jpeg" | "content", Value::Array(items)) => {
                        let bytes: Vec<u8> = items
                            .iter()
                            .filter_map(|b| b.as_u64().and_then(|b| u8::try_from(b).ok()))
                            .collect();
                        out.insert(
                            format!("{key}_sha256"),
                            Value::String(crate::digest::sha256_hex(&bytes)),
                        );
                        out.insert(format!("{key}_bytes"), Value::from(bytes.len()));
                    }
                    (k, Value::String(s)) => {
                        let m = match k {
                            "id_number" | "agent_id_number" => id_number(&s),
                            "card_number" | "old_card" => card_number(&s),
                            "name" => name(&s),
                            "phone" => middle(&s, 3, 4),
                            "address" | "division" | "address_division" => middle(&s, 6, 0),
                            "birth_date" => match s.split_once('-') {
                                Some((year, _)) => format!("{year}-**-**"),
                                None => "*".repeat(s.chars().count()),
                            },
                            _ => s,
                        };
                        out.insert(key, Value::String(m));
                    }
                    (_, v) => {
                        out.insert(key, audit_detail(v));
                    }
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(audit_detail).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_details_are_masked_at_any_depth() {
        let v = audit_detail(serde_json::json!({
            "change": "set_photo",
            "id_number": "652301198005061234",
            "jpeg": [1, 2, 3],
            "nested": [{"card_number": "A12345678", "phone": "13812345678"}],
            "name": "张伟",
            "address": "新疆昌吉市兴昌路475号",
            "division": "652301002",
            "birth_date": "1980-05-06",
            "reason": null,
        }));
        assert_eq!(
            v,
            serde_json::json!({
                "change": "set_photo",
                "id_number": "652301********1234",
                "jpeg_sha256": crate::digest::sha256_hex(&[1, 2, 3]),
                "jpeg_bytes": 3,
                "nested": [{"card_number": "*****5678", "phone": "138****5678"}],
                "name": "张*",
                "address": "新疆昌吉市兴******",
                "division": "652301***",
                "birth_date": "1980-**-**",
                "reason": null,
            })
        );
    }

    #[test]
    fn numbers_in_free_text_are_masked() {
        assert_eq!(
            free_text("我的身份证65230119800506118X，电话13912345678，谢谢"),
            "我的身份证652301********118X，电话139****5678，谢谢"
        );
        assert_eq!(free_text("等了 15 分钟"), "等了 15 分钟");
        assert_eq!(free_text("卡号 1234567890"), "卡号 ******7890");
        // Separated digits escape no more.
        assert_eq!(
            free_text("id 6523011980-0101-0011 ok"),
            "id 652301********0011 ok"
        );
        assert_eq!(free_text("tel 138 1234 5678."), "tel 138****5678.");
        assert_eq!(free_text("6523 0119 8001 0100 1X"), "652301********001X");
        // Dates and times are no such numbers.
        assert_eq!(free_text("2026-12-06 10:22"), "2026-12-06 10:22");
        assert_eq!(free_text("等了 15 分钟 3 次"), "等了 15 分钟 3 次");
        assert_eq!(
            json_strings(&serde_json::json!({"a": ["652301198005061234", 3]})),
            serde_json::json!({"a": ["652301********1234", 3]})
        );
    }

    #[test]
    fn masks() {
        assert_eq!(id_number("652301198005061234"), "652301********1234");
        assert_eq!(name("张伟"), "张*");
        assert_eq!(name("阿卜杜·买"), "阿**·买");
        // Each part of a Uyghur name keeps its first letter (issue 22).
        assert_eq!(
            name("阿卜杜热依木·买买提明·吐尔逊托合提"),
            "阿*****·买***·吐*****"
        );
        assert_eq!(name("ئابدۇرەھمان مەمەت"), "ئ********** م****");
        assert_eq!(middle("ab", 1, 1), "**");
        assert_eq!(card_number("A00000001"), "*****0001");
        assert_eq!(phone("13912345678"), "139****5678");
        assert_eq!(phone("+8613912345678"), "+86139****5678");
    }
}
