//! `kiosk provision` beyond serial ports (issue 20, item 7): a QR scanner in USB HID keyboard
//! mode found among the input devices, a receipt printer on the USB printer class and one on
//! the network, asked DLE EOT. The machine's own /sys and /dev offer none of these, so the
//! probe runs on fake trees passed in as its roots: sysfs entries as the kernel writes them
//! (names, key capability bitmaps), udev's by-id links, `usb/lp0` a link to hw-sim's printer
//! on a pty (a character device that answers like a bidirectional USB printer), and hw-sim's
//! printer on a loopback TCP port.

use std::fs;
use std::path::Path;
use std::time::Duration;

use hw_sim::printer::{spawn_pty, PrinterState};
use hw_sim::SimReaders;
use kiosk_service::provision::{self, LinkAnswer, ProbeOptions, SystemSerial};

/// A key capability bitmap (sysfs words, most significant first, 64-bit) with `codes` set.
fn bitmap(codes: &[u32]) -> String {
    let mut words = [0u64; 12];
    for &c in codes {
        words[(c / 64) as usize] |= 1 << (c % 64);
    }
    let text: Vec<String> = words.iter().rev().map(|w| format!("{w:x}")).collect();
    text.join(" ")
}

/// The keys of a US keyboard (what a scanner in keyboard mode claims): codes 1 to 88.
fn keyboard_keys() -> Vec<u32> {
    (1..=88).collect()
}

fn input_device(sys: &Path, event: &str, name: &str, keys: &[u32]) {
    let dev = sys.join("class/input").join(event).join("device");
    fs::create_dir_all(dev.join("capabilities")).expect("sysfs dir");
    fs::write(dev.join("name"), format!("{name}\n")).expect("name");
    fs::write(dev.join("capabilities/key"), format!("{}\n", bitmap(keys))).expect("keys");
}

fn probe(options: &ProbeOptions) -> provision::Findings {
    let readers = SimReaders::new();
    provision::probe(options, &readers, &SystemSerial, None, &mut std::io::sink())
}

#[test]
fn a_hid_scanner_and_usb_and_network_printers_are_found_and_proposed() {
    let root = tempfile::tempdir().expect("temp dir");
    let (sys, dev) = (root.path().join("sys"), root.path().join("dev"));
    // The scanner, a touch screen (BTN_TOUCH only) and a power button (KEY_POWER only).
    input_device(&sys, "event3", "Newland NLS-FR40", &keyboard_keys());
    input_device(&sys, "event4", "ILITEK Multi-Touch", &[330]);
    input_device(&sys, "event0", "Power Button", &[116]);
    fs::create_dir_all(dev.join("input/by-id")).expect("by-id");
    for e in ["event0", "event3", "event4"] {
        fs::write(dev.join("input").join(e), "").expect("node");
    }
    std::os::unix::fs::symlink(
        "../event3",
        dev.join("input/by-id/usb-Newland_NLS-FR40-event-kbd"),
    )
    .expect("by-id link");
    // A USB printer-class device answering like a bidirectional printer, with paper near
    // its end.
    let (pty, usb_sim) = spawn_pty(PrinterState::default()).expect("USB printer");
    usb_sim
        .control()
        .set_paper(card_io::printer::Paper::NearEnd);
    fs::create_dir_all(dev.join("usb")).expect("usb dir");
    std::os::unix::fs::symlink(&pty, dev.join("usb/lp0")).expect("lp0");
    let lp0 = dev.join("usb/lp0").display().to_string();

    let options = ProbeOptions {
        port_globs: Vec::new(),
        sys_root: sys.clone(),
        dev_root: dev.clone(),
        timeout: Duration::from_millis(500),
        ..ProbeOptions::default()
    };
    let f = probe(&options);
    assert_eq!(f.keyboards.len(), 1, "{:?}", f.keyboards);
    assert_eq!(
        f.keyboards[0].by_id.as_deref(),
        Some("usb-Newland_NLS-FR40-event-kbd")
    );
    assert_eq!(f.keyboards[0].name, "Newland NLS-FR40");
    assert_eq!(f.link_printers.len(), 1, "{:?}", f.link_printers);
    assert_eq!(f.link_printers[0].target, lp0);
    assert_eq!(
        f.link_printers[0].answer,
        LinkAnswer::Printer {
            online: true,
            paper: "near end".into()
        }
    );
    let base = firmware_config::Config::default();
    let p = provision::propose(&base, &f);
    let d = &p.config.devices;
    assert_eq!(d.qr_hid_device, "usb-Newland_NLS-FR40-event-kbd");
    assert_eq!(d.qr_port, "");
    assert_eq!(d.printer_usb, lp0);
    assert_eq!(d.printer_port, "");
    assert!(
        p.notes.iter().any(|n| n.contains("paper near end")),
        "{:?}",
        p.notes
    );
    let fields: Vec<&str> = p.changes.iter().map(|c| c.field.as_str()).collect();
    for f in ["qr_port", "qr_hid_device", "printer_port", "printer_usb"] {
        assert!(fields.contains(&f), "{f} in {fields:?}");
    }
    // What is written validates (one QR scanner, one printer).
    let text = provision::render(None, &p, "kiosk.toml").expect("a valid file");
    assert!(
        text.contains("qr_hid_device = \"usb-Newland_NLS-FR40-event-kbd\""),
        "{text}"
    );

    // A network printer named by the technician wins over the USB one; a second keyboard
    // makes the scanner a question for the technician (--qr-hid).
    let (_, mut net_sim) = spawn_pty(PrinterState::default()).expect("network printer");
    let addr = net_sim.listen_tcp("127.0.0.1:0").expect("listen");
    input_device(&sys, "event7", "USB Keyboard", &keyboard_keys());
    let f = probe(&ProbeOptions {
        printer_tcp: Some(addr.to_string()),
        ..options.clone()
    });
    assert_eq!(f.keyboards.len(), 2, "{:?}", f.keyboards);
    assert_eq!(f.link_printers.len(), 2, "{:?}", f.link_printers);
    let p = provision::propose(&base, &f);
    assert_eq!(p.config.devices.printer_tcp, addr.to_string());
    assert_eq!(p.config.devices.printer_usb, "");
    assert_eq!(p.config.devices.printer_port, "");
    assert_eq!(p.config.devices.qr_hid_device, "");
    assert!(
        p.notes
            .iter()
            .any(|n| n.contains("name the QR scanner with --qr-hid")),
        "{:?}",
        p.notes
    );
    let f = probe(&ProbeOptions {
        printer_tcp: Some(addr.to_string()),
        qr_hid: Some("usb-Newland_NLS-FR40-event-kbd".into()),
        ..options.clone()
    });
    let p = provision::propose(&base, &f);
    assert_eq!(
        p.config.devices.qr_hid_device,
        "usb-Newland_NLS-FR40-event-kbd"
    );
    provision::render(None, &p, "kiosk.toml").expect("a valid file");

    // A network printer that does not answer is said, not proposed.
    drop(net_sim);
    let f = probe(&ProbeOptions {
        printer_tcp: Some(addr.to_string()),
        ..options
    });
    let tcp = f
        .link_printers
        .iter()
        .find(|p| p.link == "tcp")
        .expect("the network printer asked");
    assert!(
        matches!(tcp.answer, LinkAnswer::NotAnswering { .. }),
        "{tcp:?}"
    );
    let p = provision::propose(&base, &f);
    assert_eq!(p.config.devices.printer_usb, lp0, "the USB printer again");
    assert!(
        p.notes
            .iter()
            .any(|n| n.contains("did not answer as a printer")),
        "{:?}",
        p.notes
    );
}
