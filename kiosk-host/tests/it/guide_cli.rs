//! `kiosk guide`: the service guide from the command line.

use std::io::Write;
use std::process::{Command, Output};

use kiosk_core::rules::COMPLAINT_CHANNEL;

fn kiosk(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kiosk"))
        .args(args)
        .output()
        .expect("run kiosk")
}

fn config_file(text: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::Builder::new()
        .suffix(".toml")
        .tempfile()
        .expect("temp file");
    f.write_all(text.as_bytes()).expect("write config");
    f
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).expect("UTF-8 output")
}

const CODES: [&str; 15] = [
    "apply",
    "enable",
    "ecard",
    "status",
    "change_info",
    "report_loss",
    "cancel_loss",
    "replace",
    "exchange",
    "reissue",
    "cancel",
    "pin_change",
    "pin_reset",
    "pin_unblock",
    "photo",
];

#[test]
fn json_lists_the_fifteen_businesses() {
    let defaults = config_file("");
    let path = defaults.path().to_str().unwrap();
    let out = kiosk(&["guide", "--json", "--config", path]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let entries = json.as_array().unwrap();
    assert_eq!(entries.len(), 15);
    let codes: Vec<&str> = entries
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, CODES);
    for e in entries {
        for field in [
            "name",
            "content",
            "basis",
            "time_limit",
            "fee",
            "agent",
            "complaint",
        ] {
            assert!(
                !e[field].as_str().unwrap_or_default().is_empty(),
                "{field} of {}",
                e["code"]
            );
        }
        assert!(!e["procedure"].as_array().unwrap().is_empty());
        assert!(!e["materials"].as_array().unwrap().is_empty());
    }
    // 6.3.2: every business at the kiosk is 即时办结; apply's expected production date is
    // separate information.
    for e in entries {
        assert_eq!(e["time_limit"], "即时办结", "{}", e["code"]);
        let production =
            ["apply", "replace", "exchange", "reissue"].contains(&e["code"].as_str().unwrap());
        assert_eq!(e["production"].is_string(), production, "{}", e["code"]);
    }
    assert!(entries[0]["production"]
        .as_str()
        .unwrap()
        .contains("40个工作日"));
    assert_eq!(entries[0]["complaint"], COMPLAINT_CHANNEL.zh);
}

#[test]
fn text_output_names_the_one_time_notice_and_the_complaint_channel() {
    let defaults = config_file("");
    let path = defaults.path().to_str().unwrap();
    let text = stdout(&kiosk(&["guide", "--config", path]));
    assert!(text.contains("一次性"), "{text}");
    assert!(text.contains(COMPLAINT_CHANNEL.zh), "{text}");
    assert!(text.contains("社会保障卡申领"));

    let ug = stdout(&kiosk(&["guide", "--lang", "ug", "--config", path]));
    assert!(ug.contains(COMPLAINT_CHANNEL.ug));
    let en = stdout(&kiosk(&["guide", "--lang", "en", "--config", path]));
    assert!(en.contains(COMPLAINT_CHANNEL.en));
    assert!(en.contains("Apply for a social security card"));
}

#[test]
fn the_guide_uses_the_configured_business_settings() {
    let config = config_file(
        "[business]\napplication_deadline_days = 30\nreplacement_fee_fen = 2000\n\
         enabled = [\"replace\", \"status\"]\n",
    );
    let path = config.path().to_str().unwrap();
    let out = kiosk(&["guide", "--json", "--lang", "en", "--config", path]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let entries = json.as_array().unwrap();
    let codes: Vec<&str> = entries
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["status", "replace"]);
    assert_eq!(entries[1]["time_limit"], "Completed on the spot");
    assert!(entries[1]["production"]
        .as_str()
        .unwrap()
        .contains("30 working days"));
    assert_eq!(entries[1]["fee"], "CNY 20");
}

#[test]
fn bad_input_is_refused() {
    let missing = kiosk(&["guide", "--config", "/nonexistent/kiosk.toml"]);
    assert_eq!(missing.status.code(), Some(3));
    assert!(!missing.stderr.is_empty());

    let invalid = config_file("[business]\napplication_deadline_days = 90\n");
    let out = kiosk(&["guide", "--config", invalid.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("application_deadline_days"));

    let out = kiosk(&["guide", "--lang", "fr"]);
    assert_eq!(out.status.code(), Some(2));
}
