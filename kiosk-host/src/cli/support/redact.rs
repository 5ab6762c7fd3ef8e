//! What leaves the kiosk in a support bundle has no secret and nothing personal in it: the
//! configuration's secrets replaced ([`config`]), log lines masked as the kiosk masks free
//! text ([`log_line`]).

/// What a removed value reads as.
pub(crate) const REMOVED: &str = "<removed>";

/// Words that make a configuration key secret (the key's name split at `_` and `-`).
const SECRET_WORDS: [&str; 16] = [
    "password",
    "passwords",
    "passphrase",
    "pin",
    "pins",
    "puk",
    "token",
    "tokens",
    "secret",
    "secrets",
    "key",
    "keys",
    "hash",
    "salt",
    "credential",
    "credentials",
];

/// Whether a value under `key` (inside the tables `path`) is removed: a key named with a
/// secret word, anything in `[keys]`, and the staff's user names (people).
fn secret(path: &[String], key: &str) -> bool {
    let words = |k: &str| {
        k.to_ascii_lowercase()
            .split(['_', '-'])
            .any(|w| SECRET_WORDS.contains(&w))
    };
    words(key)
        || path.iter().any(|p| words(p))
        || (key == "user" && path.first().is_some_and(|p| p == "staff"))
}

fn redact(value: &mut toml::Value, path: &mut Vec<String>) {
    match value {
        toml::Value::Table(t) => {
            for (k, v) in t.iter_mut() {
                if secret(path, k) && !v.is_table() && !is_table_array(v) {
                    *v = toml::Value::String(REMOVED.into());
                } else {
                    path.push(k.clone());
                    redact(v, path);
                    path.pop();
                }
            }
        }
        toml::Value::Array(items) => {
            for v in items {
                redact(v, path);
            }
        }
        _ => {}
    }
}

fn is_table_array(v: &toml::Value) -> bool {
    v.as_array()
        .is_some_and(|a| !a.is_empty() && a.iter().all(toml::Value::is_table))
}

/// The configuration file's text with every secret value replaced by [`REMOVED`] (the keys
/// stay, so the technician sees what is set); text that is not TOML is not kept at all.
pub(crate) fn config(text: &str) -> String {
    match text.parse::<toml::Table>() {
        Ok(table) => {
            let mut value = toml::Value::Table(table);
            redact(&mut value, &mut Vec::new());
            toml::to_string(&value).unwrap_or_else(|e| format!("# cannot be written back: {e}\n"))
        }
        Err(e) => format!(
            "# the configuration is not valid TOML, so it is left out (its secrets could not be told apart): {}\n",
            e.message()
        ),
    }
}

/// A log line masked as the kiosk masks free text: ID and phone numbers, and any other run
/// of 7 or more digits (card numbers, chip serials) to its last 4.
pub(crate) fn log_line(line: &str) -> String {
    kiosk_core::mask::free_text(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_and_staff_names_are_removed_and_the_rest_kept() {
        let text = r#"
[kiosk]
id = "KIOSK-0001"

[devices]
qr_port = "/dev/ttyUSB1"
printer_tcp = "192.0.2.40:9100"

[storage]
database = "/var/lib/kiosk/kiosk.db"
key_file = "/etc/kiosk/db.key"

[keys]
ecard = ["00aa"]
ecard_signing_key = "/etc/kiosk/ecard.key"

[agency]
url = "https://agency.example:8443"
client_key = "/etc/kiosk/agency.key"
api_token = "t0k3n"

[[staff]]
user = "wangfang"
password_hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA"
roles = ["technician"]
"#;
        let out = config(text);
        for gone in [
            "t0k3n",
            "argon2id",
            "wangfang",
            "00aa",
            "/etc/kiosk/db.key",
            "ecard.key",
            "agency.key",
        ] {
            assert!(!out.contains(gone), "{gone} left in:\n{out}");
        }
        for kept in [
            "KIOSK-0001",
            "/dev/ttyUSB1",
            "192.0.2.40:9100",
            "/var/lib/kiosk/kiosk.db",
            "https://agency.example:8443",
            "technician",
            "password_hash = \"<removed>\"",
        ] {
            assert!(out.contains(kept), "{kept} missing from:\n{out}");
        }
        assert!(config("not = [toml").starts_with("# the configuration is not valid TOML"));
    }

    #[test]
    fn log_lines_lose_numbers_that_name_people() {
        let line = "INFO case 7 for 652301197508210015, phone 13912345678, card A00000001";
        let masked = log_line(line);
        for gone in ["652301197508210015", "13912345678", "00000001"] {
            assert!(!masked.contains(gone), "{masked}");
        }
        assert!(masked.starts_with("INFO case 7 for 652301"), "{masked}");
    }
}
