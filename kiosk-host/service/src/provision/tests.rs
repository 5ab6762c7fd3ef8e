use std::fs;
use std::os::unix::fs::PermissionsExt;

use firmware_config::Config;

use super::*;

fn reader(name: &str, card: CardKind) -> ReaderFinding {
    ReaderFinding {
        name: name.into(),
        card,
    }
}

fn port(path: &str, kind: PortKind) -> PortFinding {
    PortFinding {
        path: path.into(),
        stable_path: None,
        kind,
    }
}

fn findings(readers: Vec<ReaderFinding>, ports: Vec<PortFinding>) -> Findings {
    Findings {
        readers,
        reader_error: None,
        ports,
        qr_port: None,
        camera: CameraFinding::NotBuilt,
        keyboards: Vec::new(),
        qr_hid: None,
        link_printers: Vec::new(),
        printer_tcp: None,
    }
}

fn printer_kind(baud: u32) -> PortKind {
    PortKind::Printer {
        baud,
        online: true,
        paper: "ok".into(),
    }
}

#[test]
fn globs_and_reader_patterns() {
    assert!(glob_match("* 00 00", "Virtual PCD 00 00"));
    assert!(!glob_match("* 00 00", "Virtual PCD 00 01"));
    assert!(glob_match("ttyUSB*", "ttyUSB0"));
    assert!(glob_match("tty?", "tty1"));
    assert!(!glob_match("tty?", "tty12"));
    assert!(glob_match("*a*b", "xaxxb"));
    assert!(!glob_match("*a*b", "xaxxbc"));
    assert!(reader_matches("Virtual PCD 00 00", "Virtual PCD 00 00"));
    assert!(reader_matches(
        "ACR1281",
        "ACS ACR1281 1S Dual Reader 00 00"
    ));
    assert!(!reader_matches("", "anything"));
    assert!(!reader_matches("* 00 01", "Virtual PCD 00 00"));
}

#[test]
fn port_globs_expand_in_natural_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    for n in ["ttyUSB10", "ttyUSB2", "ttyUSB1", "other"] {
        fs::write(dir.path().join(n), "").expect("touch");
    }
    let d = dir.path().display();
    let got = expand_port_globs(&[
        format!("{d}/ttyUSB*"),
        format!("{d}/other"),
        format!("{d}/missing"),
        format!("{d}/ttyUSB1"),
    ]);
    let want: Vec<String> = ["ttyUSB1", "ttyUSB2", "ttyUSB10", "other"]
        .iter()
        .map(|n| format!("{d}/{n}"))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn psam_and_the_other_reader() {
    let f = findings(
        vec![
            reader("R 00 00", CardKind::Empty),
            reader("R 00 01", CardKind::Psam),
        ],
        vec![],
    );
    let p = propose(&Config::default(), &f);
    assert_eq!(p.card_reader.as_deref(), Some("R 00 00"));
    assert_eq!(p.config.devices.card_reader, "R 00 00");
    assert_eq!(p.config.devices.psam_reader, "R 00 01");
    let fields: Vec<&str> = p.changes.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(fields, ["card_reader", "psam_reader"]);
    assert!(p.changes[0].why.contains("beside the PSAM"));
}

#[test]
fn a_social_security_card_decides_between_readers() {
    let f = findings(
        vec![
            reader("A", CardKind::Empty),
            reader("B", CardKind::SocialSecurityCard),
            reader("C", CardKind::Psam),
        ],
        vec![],
    );
    let p = propose(&Config::default(), &f);
    assert_eq!(p.card_reader.as_deref(), Some("B"));
    assert!(p.changes[0].why.contains("social security card"));
}

#[test]
fn no_or_ambiguous_card_reader_is_none_with_a_note() {
    let none = propose(&Config::default(), &findings(vec![], vec![]));
    assert_eq!(none.card_reader, None);
    assert!(none
        .notes
        .iter()
        .any(|n| n.contains("no card reader connected")));
    let two = propose(
        &Config::default(),
        &findings(
            vec![reader("A", CardKind::Empty), reader("B", CardKind::Empty)],
            vec![],
        ),
    );
    assert_eq!(two.card_reader, None);
    assert!(
        two.notes
            .iter()
            .any(|n| n.contains("2 readers could be the citizen's card reader")),
        "{:?}",
        two.notes
    );
    let only_psam = propose(
        &Config::default(),
        &findings(vec![reader("P", CardKind::Psam)], vec![]),
    );
    assert_eq!(only_psam.card_reader, None);
    assert_eq!(only_psam.config.devices.psam_reader, "P");
}

#[test]
fn serial_devices_and_the_qr_guess() {
    let f = findings(
        vec![reader("R", CardKind::Empty)],
        vec![
            port("/dev/ttyUSB0", PortKind::Silent),
            port("/dev/ttyUSB1", PortKind::IdModule { baud: 115_200 }),
            port("/dev/ttyUSB2", printer_kind(19_200)),
            port(
                "/dev/ttyS0",
                PortKind::CannotOpen {
                    reason: "EIO".into(),
                },
            ),
        ],
    );
    let p = propose(&Config::default(), &f);
    let d = &p.config.devices;
    assert_eq!(d.id_module_port, "/dev/ttyUSB1");
    assert_eq!(d.printer_port, "/dev/ttyUSB2");
    assert_eq!(d.printer_baud, 19_200);
    assert_eq!(d.qr_port, "/dev/ttyUSB0");
    let qr = p.changes.iter().find(|c| c.field == "qr_port").expect("qr");
    assert!(qr.why.contains("a guess"), "{}", qr.why);
    // Two silent ports: no guess.
    let f2 = findings(
        vec![reader("R", CardKind::Empty)],
        vec![
            port("/dev/ttyUSB5", PortKind::Silent),
            port("/dev/ttyUSB6", PortKind::Silent),
        ],
    );
    let p2 = propose(&Config::default(), &f2);
    assert_eq!(p2.config.devices.qr_port, "/dev/ttyUSB1");
    assert!(p2.notes.iter().any(|n| n.contains("--qr-port")));
}

#[test]
fn a_silent_port_of_a_device_that_did_not_answer_is_not_the_qr_scanner() {
    // Defaults: the ID module on ttyUSB0, switched off; the scanner on ttyUSB1.
    let f = findings(
        vec![reader("R", CardKind::Empty)],
        vec![
            port("/dev/ttyUSB0", PortKind::Silent),
            port("/dev/ttyUSB3", PortKind::Silent),
        ],
    );
    let p = propose(&Config::default(), &f);
    assert_eq!(p.config.devices.qr_port, "/dev/ttyUSB3");
    assert_eq!(p.config.devices.id_module_port, "/dev/ttyUSB0");
    assert!(
        p.notes
            .iter()
            .any(|n| n
                .contains("/dev/ttyUSB0 stays silent, and it is the configured ID module port")),
        "{:?}",
        p.notes
    );
}

#[test]
fn a_device_not_found_moves_off_a_found_devices_port() {
    // The ID module is found on the default printer port; the printer is not found.
    let f = findings(
        vec![reader("R", CardKind::Empty)],
        vec![port("/dev/ttyUSB2", PortKind::IdModule { baud: 115_200 })],
    );
    let p = propose(&Config::default(), &f);
    let d = &p.config.devices;
    assert_eq!(d.id_module_port, "/dev/ttyUSB2");
    assert_eq!(d.printer_port, "/dev/ttyUSB0");
    let text = render(None, &p, "kiosk.toml").expect("valid");
    assert!(text.contains("printer_port = \"/dev/ttyUSB0\""));
    let moved = p
        .changes
        .iter()
        .find(|c| c.field == "printer_port")
        .expect("printer_port changed");
    assert!(
        moved.why.contains("where the ID module was found"),
        "{}",
        moved.why
    );
}

#[test]
fn render_keeps_comments_and_other_tables() {
    let existing = "# my kiosk\n[kiosk]\nid = \"cj-01\" # the id\n\n[devices]\n# card\ncard_reader = \"* 00 00\"\n  id_module_port = \"/dev/ttyUSB0\"\n\n[ui]\nelderly_mode = true\n";
    let base = Config::parse(existing, "kiosk.toml").expect("base");
    let f = findings(
        vec![
            reader("Virtual PCD 00 00", CardKind::SocialSecurityCard),
            reader("Virtual PCD 00 01", CardKind::Psam),
        ],
        vec![port("/dev/pts/7", PortKind::IdModule { baud: 115_200 })],
    );
    let p = propose(&base, &f);
    let text = render(Some(existing), &p, "kiosk.toml").expect("render");
    assert!(text.starts_with("# my kiosk\n[kiosk]\nid = \"cj-01\" # the id\n"));
    assert!(text.contains("# card\ncard_reader = \"Virtual PCD 00 00\"\n"));
    assert!(text.contains("  id_module_port = \"/dev/pts/7\"\n"));
    assert!(text.contains("psam_reader = \"Virtual PCD 00 01\""));
    assert!(text.contains("[ui]\nelderly_mode = true\n"));
    let again = Config::parse(&text, "kiosk.toml").expect("valid");
    assert_eq!(again, p.config);
    assert!(again.ui.elderly_mode);
}

#[test]
fn render_adds_a_devices_table_and_refuses_invalid_results() {
    let existing = "[kiosk]\nid = \"k1\"\n";
    let base = Config::parse(existing, "k.toml").expect("base");
    let f = findings(vec![reader("Only Reader", CardKind::Empty)], vec![]);
    let p = propose(&base, &f);
    let text = render(Some(existing), &p, "k.toml").expect("render");
    assert!(
        text.contains("[devices]\ncard_reader = \"Only Reader\"\n"),
        "{text}"
    );
    // A proposal that breaks a rule is refused with the rule's message.
    let mut bad = p.clone();
    bad.config.devices.psam_reader = "Only Reader".into();
    bad.changes.push(Change {
        field: "psam_reader".into(),
        old: toml::Value::String("* 00 01".into()),
        new: toml::Value::String("Only Reader".into()),
        why: String::new(),
    });
    let err = render(Some(existing), &bad, "k.toml").expect_err("invalid");
    assert!(
        err.to_string().contains("same pattern as card_reader"),
        "{err}"
    );
}

#[test]
fn write_config_is_atomic_and_keeps_a_backup() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("etc/kiosk.toml");
    assert_eq!(write_config(&path, "a = 1\n").expect("first"), None);
    fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).expect("chmod");
    let bak = write_config(&path, "a = 2\n").expect("second");
    assert_eq!(bak.as_deref(), Some(backup_path(&path).as_path()));
    assert_eq!(fs::read_to_string(&path).expect("new"), "a = 2\n");
    assert_eq!(
        fs::read_to_string(backup_path(&path)).expect("bak"),
        "a = 1\n"
    );
    let mode = fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode, 0o640, "the old file's permissions carry over");
    let leftovers: Vec<_> = fs::read_dir(path.parent().expect("dir"))
        .expect("list")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("provision-"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn diff_shows_old_new_and_why() {
    let f = findings(
        vec![reader("X", CardKind::SocialSecurityCard)],
        vec![port("/dev/ttyACM0", printer_kind(9_600))],
    );
    let p = propose(&Config::default(), &f);
    let text = diff_text(&p);
    assert!(text.contains("- card_reader = \"* 00 00\"\n+ card_reader = \"X\"    # holds a social security card\n"), "{text}");
    assert!(text.contains("+ printer_port = \"/dev/ttyACM0\""), "{text}");
}
