//! `[devices]`: the QR scanner as a serial port or a HID keyboard, the receipt printer on a
//! serial port, the USB printer class or raw TCP — one each, each value checked.

use firmware_config::{Config, Diagnostic};

fn errors(text: &str) -> Vec<Diagnostic> {
    match Config::parse(text, "kiosk.toml") {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e.diagnostics().expect("parse errors").to_vec(),
    }
}

fn one(text: &str) -> ((usize, usize), String) {
    let errs = errors(text);
    assert_eq!(errs.len(), 1, "{errs:#?}");
    (errs[0].position.expect("placed"), errs[0].to_string())
}

#[test]
fn a_hid_scanner_by_path_or_by_id_name() {
    for device in ["/dev/input/event3", "usb-Newland_NLS-FR40-event-kbd"] {
        let text = format!("[devices]\nqr_port = \"\"\nqr_hid_device = \"{device}\"\n");
        let c = Config::parse(&text, "kiosk.toml").expect("valid");
        assert_eq!(c.devices.qr_hid_device, device);
        assert!(c.devices.qr_port.is_empty());
    }
    assert!(
        Config::default().devices.qr_hid_device.is_empty(),
        "serial by default"
    );
}

#[test]
fn a_scanner_is_serial_or_hid_not_both() {
    // qr_port keeps its default unless written: the message says where it comes from.
    let (pos, msg) = one("[devices]\nqr_hid_device = \"/dev/input/event3\"\n");
    assert_eq!(pos.0, 2, "{msg}");
    assert!(
        msg.contains("qr_hid_device") && msg.contains("\"/dev/ttyUSB1\" (default)"),
        "{msg}"
    );
    assert!(msg.contains("qr_port = \"\""), "{msg}");
    let (pos, msg) =
        one("[devices]\nqr_port = \"/dev/ttyS3\"\nqr_hid_device = \"/dev/input/event3\"\n");
    assert_eq!(pos.0, 3, "{msg}");
    assert!(msg.contains("(line 2)"), "{msg}");
}

#[test]
fn a_hid_device_is_a_device_path_or_a_by_id_name() {
    for bad in ["input/event3", "..", "/home/kiosk/event3"] {
        let (_, msg) = one(&format!(
            "[devices]\nqr_port = \"\"\nqr_hid_device = \"{bad}\"\n"
        ));
        assert!(
            msg.contains("neither a device path nor a name under /dev/input/by-id"),
            "{bad}: {msg}"
        );
    }
}

#[test]
fn a_usb_or_network_printer() {
    let c = Config::parse(
        "[devices]\nprinter_port = \"\"\nprinter_usb = \"/dev/usb/lp0\"\n",
        "k",
    )
    .expect("USB printer");
    assert_eq!(c.devices.printer_usb, "/dev/usb/lp0");
    for address in [
        "192.0.2.40:9100",
        "192.0.2.40",
        "printer-1.outlet.local:9101",
        "[2001:db8::40]:9100",
        "[2001:db8::40]",
    ] {
        let text = format!("[devices]\nprinter_port = \"\"\nprinter_tcp = \"{address}\"\n");
        let c = Config::parse(&text, "k").unwrap_or_else(|e| panic!("{address}: {e}"));
        assert_eq!(c.devices.printer_tcp, address);
    }
}

#[test]
fn a_printer_is_on_one_link() {
    let (pos, msg) = one("[devices]\nprinter_usb = \"/dev/usb/lp0\"\n");
    assert_eq!(pos.0, 2, "{msg}");
    assert!(
        msg.contains("printer_usb and printer_port (default) are both set"),
        "{msg}"
    );
    let errs = errors(
        "[devices]\nprinter_port = \"\"\nprinter_usb = \"/dev/usb/lp0\"\nprinter_tcp = \"192.0.2.40\"\n",
    );
    assert_eq!(errs.len(), 1, "{errs:#?}");
    assert!(
        errs[0]
            .to_string()
            .contains("printer_tcp and printer_usb (line 3)"),
        "{}",
        errs[0]
    );
}

#[test]
fn printer_values_are_checked() {
    let (_, msg) = one("[devices]\nprinter_port = \"\"\nprinter_usb = \"usb/lp0\"\n");
    assert!(msg.contains("not an absolute path"), "{msg}");
    for bad in [
        "192.0.2.40:0",
        "192.0.2.40:99999",
        "host name:9100",
        ":9100",
        "[::1",
        "[nope]:9100",
        "h:p",
    ] {
        let (_, msg) = one(&format!(
            "[devices]\nprinter_port = \"\"\nprinter_tcp = \"{bad}\"\n"
        ));
        assert!(msg.contains("printer_tcp"), "{bad}: {msg}");
    }
}
