//! Masking of personal data in the agency's audit details: the same rules as the kiosk's
//! audit log (kiosk-store's `codec::masked`), so an entry reads alike at both ends.
//!
//! ID numbers keep their first 6 and last 4 characters, card numbers their last 4, names
//! their first character, phone numbers lose their middle 4 digits, addresses keep their
//! first 6 characters, birth dates their year; photo bytes (`jpeg`, `content`) become their
//! SHA-256 and length.

use kiosk_core::digest::sha256_hex;
use kiosk_core::mask;
use serde_json::Value;

/// A card number with only its last 4 characters visible.
pub fn card(card_number: &str) -> String {
    mask::middle(card_number, 0, 4)
}

fn phone(phone: &str) -> String {
    mask::middle(phone, 3, 4)
}

fn address(address: &str) -> String {
    mask::middle(address, 6, 0)
}

fn birth_date(d: &str) -> String {
    match d.split_once('-') {
        Some((year, _)) => format!("{year}-**-**"),
        None => "*".repeat(d.chars().count()),
    }
}

/// `value` with the personal data in it masked (see the module header).
pub fn masked(value: Value) -> Value {
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
                        out.insert(format!("{key}_sha256"), Value::String(sha256_hex(&bytes)));
                        out.insert(format!("{key}_bytes"), Value::from(bytes.len()));
                    }
                    (k, Value::String(s)) => {
                        let m = match k {
                            "id_number" | "agent_id_number" => mask::id_number(&s),
                            "card_number" | "old_card" => card(&s),
                            "name" => mask::name(&s),
                            "phone" => phone(&s),
                            "address" => address(&s),
                            "birth_date" => birth_date(&s),
                            _ => s,
                        };
                        out.insert(key, Value::String(m));
                    }
                    (_, v) => {
                        out.insert(key, masked(v));
                    }
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(masked).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn personal_fields_are_masked_at_any_depth() {
        let v = masked(json!({
            "change": "set_photo",
            "id_number": "652301198005061234",
            "jpeg": [1, 2, 3],
            "nested": [{"card_number": "A12345678", "phone": "13812345678"}],
            "name": "张伟",
            "address": "新疆昌吉市兴昌路475号",
            "birth_date": "1980-05-06",
        }));
        assert_eq!(
            v,
            json!({
                "change": "set_photo",
                "id_number": "652301********1234",
                "jpeg_sha256": sha256_hex(&[1, 2, 3]),
                "jpeg_bytes": 3,
                "nested": [{"card_number": "*****5678", "phone": "138****5678"}],
                "name": "张*",
                "address": "新疆昌吉市兴******",
                "birth_date": "1980-**-**",
            })
        );
    }
}
