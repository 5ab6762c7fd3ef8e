//! Every validation rule: the message, and the line and column it points at.

use firmware_config::{Config, Diagnostic};

fn errors(text: &str) -> Vec<Diagnostic> {
    match Config::parse(text, "kiosk.toml") {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e.diagnostics().expect("parse errors").to_vec(),
    }
}

/// The single error of `text`: its (line, column) and its full line.
fn one(text: &str) -> ((usize, usize), String) {
    let errs = errors(text);
    assert_eq!(errs.len(), 1, "{errs:#?}");
    (errs[0].position.expect("placed"), errs[0].to_string())
}

#[test]
fn defaults_and_example_are_valid() {
    assert_eq!(
        Config::parse("", "x").expect("empty file"),
        Config::default()
    );
    let example = include_str!("../../../kiosk.example.toml");
    let c = Config::parse(example, "kiosk.example.toml").expect("example valid");
    assert_eq!(c.kiosk.region, "652300");
    assert_eq!(c.staff.len(), 3);
}

#[test]
fn syntax_error_has_line_and_column() {
    let (pos, msg) = one("[kiosk]\nid = \"a\nregion = 1\n");
    assert_eq!(pos.0, 2, "{msg}");
    assert!(msg.starts_with("kiosk.toml:2:"), "{msg}");
    assert!(msg.contains("TOML syntax"), "{msg}");
}

#[test]
fn unknown_key() {
    let (pos, msg) = one("[devices]\nqr_prot = \"/dev/ttyS3\"\n");
    assert_eq!(pos, (2, 1));
    assert!(
        msg.contains("unknown field `qr_prot`") && msg.contains("qr_port"),
        "{msg}"
    );
    let (pos, msg) = one("[kiosk]\n\n[cameras]\nx = 1\n");
    assert_eq!(pos, (3, 2));
    assert!(msg.contains("unknown field `cameras`"), "{msg}");
}

#[test]
fn wrong_type() {
    let (pos, msg) = one("[devices]\nqr_baud = \"fast\"\n");
    assert_eq!(pos, (2, 11));
    assert!(
        msg.contains("invalid type: string \"fast\", expected u32"),
        "{msg}"
    );
}

#[test]
fn two_devices_on_one_port() {
    let (pos, msg) = one("[devices]\nprinter_port = \"/dev/ttyS0\"\nqr_port = \"/dev/ttyS0\"\n");
    assert_eq!(pos, (2, 1));
    assert!(
        msg.contains("[devices] printer_port \"/dev/ttyS0\" is also the QR scanner port (line 3); give each device its own port"),
        "{msg}"
    );
    let (pos, msg) = one("[devices]\nqr_port = \"/dev/ttyUSB0\"\n");
    assert_eq!(pos, (2, 1));
    assert!(
        msg.contains("is also the ID module port (default)"),
        "{msg}"
    );
}

#[test]
fn devices_left_out() {
    let text = "[devices]\nprinter_port = \"\"\nqr_port = \"\"\n";
    let config = firmware_config::Config::parse(text, "kiosk.toml")
        .unwrap_or_else(|e| panic!("two devices left out are valid: {e}"));
    assert!(config.devices.printer_port.is_empty());
}

#[test]
fn device_values() {
    let (pos, msg) = one("[devices]\nid_module_baud = 12345\n");
    assert_eq!(pos, (2, 1));
    assert!(
        msg.contains("12345 is not a serial baud rate") && msg.contains("115200"),
        "{msg}"
    );
    let (_, msg) = one("[devices]\nqr_port = \"ttyS4\"\n");
    assert!(msg.contains("not an absolute path"), "{msg}");
    let (_, msg) = one("[devices]\npsam_reader = \"* 00 00\"\n");
    assert!(
        msg.contains("same pattern as card_reader (default)"),
        "{msg}"
    );
    let (pos, msg) = one("[devices]\ncamera_width = 320\n");
    assert_eq!(pos, (2, 1));
    assert!(msg.contains("smaller than the card photo"), "{msg}");
}

#[test]
fn camera_device_is_a_device_a_picture_or_none() {
    for ok in [
        "",
        "/dev/video2",
        "/dev/v4l/by-id/usb-cam-video-index0",
        "file:/srv/photo.png",
    ] {
        let text = format!("[devices]\ncamera_device = \"{ok}\"\n");
        let config = Config::parse(&text, "kiosk.toml").unwrap_or_else(|e| panic!("{ok}: {e}"));
        assert_eq!(config.devices.camera_device, ok);
    }
    let (pos, msg) = one("[devices]\ncamera_device = \"file:photo.png\"\n");
    assert_eq!(pos, (2, 1));
    assert!(msg.contains("the picture's path is not absolute"), "{msg}");
    assert!(msg.contains("file:/var/lib/kiosk/photo.png"), "{msg}");
    let (_, msg) = one("[devices]\ncamera_device = \"video0\"\n");
    assert!(msg.contains("not an absolute path"), "{msg}");
}

#[test]
fn fee_below_zero() {
    let (pos, msg) = one("[business]\n  replacement_fee_fen = -1\n");
    assert_eq!(pos, (2, 3));
    assert!(
        msg.contains("below zero; write the fee in fen: 0 (free) or 2000"),
        "{msg}"
    );
}

#[test]
fn photo_window_inverted() {
    let (pos, msg) = one("[business]\nphoto_max_kb = 20\nphoto_min_kb = 30\n");
    assert_eq!(pos, (3, 1));
    assert!(
        msg.contains("photo_min_kb 30 is above photo_max_kb 20 (line 2)"),
        "{msg}"
    );
}

#[test]
fn deadline_outside_30_to_40() {
    for bad in [29, 41] {
        let (pos, msg) = one(&format!("[business]\napplication_deadline_days = {bad}\n"));
        assert_eq!(pos, (2, 1));
        assert!(msg.contains("outside 30–40 working days"), "{msg}");
    }
    for good in [30, 40] {
        Config::parse(
            &format!("[business]\napplication_deadline_days = {good}\n"),
            "x",
        )
        .expect("in range");
    }
}

#[test]
fn unknown_and_repeated_business_codes() {
    let errs = errors("[business]\nenabled = [\"apply\", \"teleport\", \"status\", \"fly\"]\n");
    let got: Vec<_> = errs.iter().map(|e| e.position.expect("placed")).collect();
    assert_eq!(got, vec![(2, 21), (2, 43)]);
    assert!(errs[0].message.contains("unknown variant `teleport`"));
    let (pos, msg) = one("[business]\nenabled = [\"apply\", \"apply\"]\n");
    assert_eq!(pos, (2, 21));
    assert!(msg.contains("lists apply twice"), "{msg}");
    let (_, msg) = one("[business]\nenabled = []\n");
    assert!(msg.contains("lists no business"), "{msg}");
}

#[test]
fn calendar_day_both_holiday_and_workday() {
    let text = "[[calendar.days]]\ndate = 2025-10-01\nkind = \"holiday\"\n\n[[calendar.days]]\ndate = 2025-10-01\nkind = \"workday\"\n";
    let (pos, msg) = one(text);
    assert_eq!(pos, (6, 1));
    assert!(
        msg.contains("marks 2025-10-01 both holiday and working day (line 2)"),
        "{msg}"
    );
    let (_, msg) = one("[[calendar.days]]\ndate = 2025-10-01T08:00:00\nkind = \"holiday\"\n");
    assert!(msg.contains("not a plain date"), "{msg}");
    let (pos, msg) = one("[[calendar.days]]\ndate = 2025-10-01\nkind = \"party\"\n");
    assert_eq!(pos, (3, 8));
    assert!(msg.contains("unknown variant `party`"), "{msg}");
}

const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$dGhpcyBpcyBhIDMyIGJ5dGUgaGFzaCBvdXRwdXQhIQ";

#[test]
fn staff_accounts() {
    let dup = format!(
        "[[staff]]\nuser = \"ali\"\npassword_hash = \"{HASH}\"\nroles = [\"technician\"]\n\n[[staff]]\nuser = \"ali\"\npassword_hash = \"{HASH}\"\nroles = [\"supervisor\"]\n"
    );
    let (pos, msg) = one(&dup);
    assert_eq!(pos, (7, 1));
    assert!(
        msg.contains("user \"ali\" is defined twice (line 2)"),
        "{msg}"
    );
    let (pos, msg) = one("[[staff]]\nuser = \"ali\"\npassword_hash = \"$argon2i$v=19$x\"\nroles = [\"technician\"]\n");
    assert_eq!(pos, (3, 1));
    assert!(
        msg.contains("password_hash") && msg.contains("$argon2id$v=19$m=19456"),
        "{msg}"
    );
    let (pos, msg) = one(&format!(
        "[[staff]]\nuser = \"ali\"\npassword_hash = \"{HASH}\"\nroles = [\"cashier\"]\n"
    ));
    assert_eq!(pos, (4, 10));
    assert!(
        msg.contains("unknown variant `cashier`") && msg.contains("front_desk"),
        "{msg}"
    );
    let (pos, msg) = one("[[staff]]\nuser = \"ali\"\nroles = [\"technician\"]\n");
    assert_eq!(pos.0, 1);
    assert!(msg.contains("missing field `password_hash`"), "{msg}");
}

#[test]
fn languages() {
    let (pos, msg) = one("[ui]\nlanguages = [\"zh-CN\", \"fr\"]\n");
    assert_eq!(pos, (2, 23));
    assert!(
        msg.contains("unknown variant `fr`, expected one of `zh-CN`, `ug`, `en`"),
        "{msg}"
    );
    let (pos, msg) = one("[ui]\nlanguages = [\"ug\"]\n");
    assert_eq!(pos.0, 1);
    assert!(
        msg.contains("default_language \"zh-CN\" is not among languages"),
        "{msg}"
    );
    let (_, msg) = one("[ui]\nform_idle_timeout_s = 30\n");
    assert!(msg.contains("shorter than idle_timeout_s 60"), "{msg}");
}

#[test]
fn agency_keys() {
    let (pos, msg) = one("[keys]\nconfig_bundles = [\"abcd\"]\n");
    assert_eq!(pos, (2, 19));
    assert!(msg.contains("is 3 bytes long"), "{msg}");
}

#[test]
fn identity() {
    let (pos, msg) = one("[kiosk]\nregion = \"65230\"\n");
    assert_eq!(pos, (2, 1));
    assert!(msg.contains("not a 6-digit region code"), "{msg}");
}

#[test]
fn every_error_at_once_in_text_order() {
    let text = "[kiosk]\nregion = \"x\"\ncolour = 1\n[devices]\nqr_baud = \"fast\"\nqr_port = \"/dev/ttyUSB0\"\n[business]\nreplacement_fee_fen = -5\n";
    let errs = errors(text);
    let lines: Vec<usize> = errs.iter().map(|e| e.position.expect("placed").0).collect();
    assert_eq!(lines, vec![2, 3, 5, 6, 8], "{errs:#?}");
}

#[test]
fn calendar_file() {
    let ok = firmware_config::CalendarFile::parse(
        "[[days]]\ndate = 2025-01-01\nkind = \"holiday\"\nname = \"元旦\"\n",
        "cal.toml",
    )
    .expect("valid");
    assert_eq!(ok.days.len(), 1);
    let err = firmware_config::CalendarFile::parse(
        "[[days]]\ndate = 2025-01-01\nkind = \"holiday\"\n[[days]]\ndate = 2025-01-01\nkind = \"holiday\"\n",
        "cal.toml",
    )
    .expect_err("twice");
    assert!(
        err.to_string()
            .starts_with("cal.toml:5:1: calendar lists 2025-01-01 twice (line 2)"),
        "{err}"
    );
}

#[test]
fn data_at_rest_keys() {
    let (pos, msg) = one("[storage]\nkey_file = \"db.key\"\n");
    assert_eq!(pos, (2, 1));
    assert!(
        msg.contains("not an absolute path") && msg.contains("/etc/kiosk/db.key"),
        "{msg}"
    );
    let (_, msg) =
        one("[storage]\ndatabase = \"/var/lib/kiosk/k.db\"\nkey_file = \"/var/lib/kiosk/k.db\"\n");
    assert!(msg.contains("is the database path"), "{msg}");
    let (pos, msg) = one("[keys]\narchive_signing_key = \"keys/archive.key\"\n");
    assert_eq!(pos, (2, 1));
    assert!(msg.contains("not an absolute path"), "{msg}");
    let (_, msg) = one("[keys]\narchive = [\"abcd\"]\n");
    assert!(msg.contains("[keys] archive key"), "{msg}");
    let c = Config::parse(
        "[storage]\nkey_file = \"/etc/kiosk/db.key\"\n[keys]\narchive_signing_key = \"/etc/kiosk/keys/archive.key\"\n",
        "x",
    )
    .expect("valid");
    assert_eq!(c.storage.key_file.as_deref(), Some("/etc/kiosk/db.key"));
}

#[test]
fn face_settings_and_the_wlt_decoder_are_checked_where_they_are() {
    let text = "[devices]\nwlt_decoder = \"lib/libWltRS.so\"\n\n[face]\nthreshold = 0.95\nmodel_dir = \"models\"\nretries = 9\nliveness_seconds = 2\n";
    let e = Config::parse(text, "kiosk.toml").unwrap_err().to_string();
    for (line, what) in [
        (2, "wlt_decoder \"lib/libWltRS.so\" is not an absolute path"),
        (5, "threshold 0.95 is outside 0.3–0.8"),
        (6, "model_dir \"models\" is not an absolute path"),
        (7, "retries 9 is more than 5"),
        (8, "liveness_seconds 2 is outside 5–60"),
    ] {
        assert!(e.contains(what), "{what} missing from:\n{e}");
        assert!(
            e.contains(&format!("kiosk.toml:{line}:")),
            "line {line} in:\n{e}"
        );
    }
    let e = Config::parse(
        "[devices]\nwlt_decoder = \"/opt/wlt/decoder.dll\"\n",
        "k.toml",
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("is not a shared library"), "{e}");
    let ok = Config::parse(
        "[devices]\nwlt_decoder = \"/opt/wlt/libWltRS.so.2\"\n[face]\nthreshold = 0.5\n",
        "k.toml",
    )
    .unwrap();
    assert_eq!(ok.face.threshold, 0.5);
    assert_eq!(ok.face.retries, 2);
    assert_eq!(
        ok.devices.wlt_decoder.as_deref(),
        Some("/opt/wlt/libWltRS.so.2")
    );
}

// issue 22: the receipt printer's raster fonts and paper width.
#[test]
fn receipt_fonts_are_absolute_and_the_paper_a_printers() {
    let e = Config::parse(
        "[devices]\nreceipt_fonts = [\"fonts/NotoSansArabic-Regular.ttf\", \"/usr/share/fonts/a.ttc#2\"]\nprinter_dots = 20\n",
        "kiosk.toml",
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("\"fonts/NotoSansArabic-Regular.ttf\" is not an absolute path"),
        "{e}"
    );
    assert!(!e.contains("a.ttc"), "a face index after # is fine: {e}");
    assert!(e.contains("printer_dots 20"), "{e}");
    let ok = Config::parse(
        "[devices]\nreceipt_fonts = [\"/usr/share/fonts/a.ttc#2\"]\nprinter_dots = 576\n",
        "k.toml",
    )
    .unwrap();
    assert_eq!(ok.devices.receipt_fonts, vec!["/usr/share/fonts/a.ttc#2"]);
    assert_eq!(ok.devices.printer_dots, 576);
    let default = Config::parse("", "k.toml").unwrap();
    assert!(default.devices.receipt_fonts[0].ends_with("NotoSansArabic-Regular.ttf"));
    assert_eq!(default.devices.printer_dots, 384);
}
