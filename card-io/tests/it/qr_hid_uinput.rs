//! The QR scanner in USB HID keyboard mode end to end: a virtual keyboard made through
//! `/dev/uinput` types a scan; `QrReader::open_hid` grabs the device (nobody else can), and
//! delivers the scan as the serial reader would; unplugging it is reported.
//!
//! Machines without `/dev/uinput` (containers, CI runners without the module) cannot make a
//! virtual keyboard: the test then says so on its output and the key-event decoder tests
//! (`qr_hid_keys.rs`, real evdev sequences) are what checks the HID path there.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use card_io::qr::keys::type_line;
use card_io::qr::{QrConfig, QrError, QrEvent, QrReader};
use evdev::raw_stream::RawDevice;
use evdev::uinput::VirtualDevice;
use evdev::{AttributeSet, InputEvent, KeyCode};

const UINPUT: &str = "/dev/uinput";

/// The event node of a new virtual device, once the kernel (and udev, if any) made it.
fn event_node(dev: &mut VirtualDevice) -> PathBuf {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let node = dev
            .enumerate_dev_nodes_blocking()
            .expect("sysfs of the virtual device")
            .filter_map(Result::ok)
            .next();
        if let Some(node) = node.filter(|n| n.exists()) {
            return node;
        }
        assert!(
            Instant::now() < deadline,
            "no /dev/input node for the virtual keyboard"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
#[allow(unsafe_code, reason = "poll(2) on the other reader")]
fn a_scan_typed_by_a_virtual_keyboard_arrives_and_nothing_else_sees_it() {
    if !Path::new(UINPUT).exists() {
        let msg = format!(
            "qr_hid_uinput: {UINPUT} does not exist on this machine, so no virtual keyboard can be made; \
             the HID path is checked here by the key-event decoder tests (qr_hid_keys.rs) only"
        );
        println!("{msg}");
        eprintln!("{msg}");
        return;
    }
    eprintln!("qr_hid_uinput: virtual keyboard through {UINPUT}");
    let mut keys = AttributeSet::<KeyCode>::new();
    for code in 1..=127u16 {
        keys.insert(KeyCode(code));
    }
    let mut keyboard = VirtualDevice::builder()
        .and_then(|b| b.name("kiosk-test QR scanner").with_keys(&keys))
        .and_then(|b| b.build())
        .unwrap_or_else(|e| panic!("{UINPUT} exists but a virtual keyboard cannot be made: {e}"));
    let node = event_node(&mut keyboard);
    let reader = QrReader::open_hid(&node, QrConfig::default()).expect("open and grab");

    // EVIOCGRAB: no other reader (the screen's input stack) can take the device now.
    let mut other = RawDevice::open(&node).expect("open a second time");
    assert!(
        other.grab().is_err(),
        "the scanner is grabbed by the kiosk alone"
    );

    let payload = "SSEQ1.eyJ2IjoxLCJraW5kIjoiZHluYW1pYyJ9.sig_AZ-09";
    let events: Vec<InputEvent> = type_line(payload)
        .expect("typeable")
        .into_iter()
        .map(|e| InputEvent::new(e.kind, e.code, e.value))
        .collect();
    for chunk in events.chunks(8) {
        keyboard.emit(chunk).expect("emit");
    }
    match reader.next_event(Duration::from_secs(3)) {
        Some(QrEvent::Scan(scan)) => assert_eq!(scan.payload, payload),
        other => panic!("expected the scan, got {other:?}"),
    }
    // The grabbing reader got the keys; the other reader (as the screen would be) got none.
    let mut pfd = libc::pollfd {
        fd: std::os::fd::AsRawFd::as_raw_fd(&other),
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd, alive across the call.
    let ready = unsafe { libc::poll(&mut pfd, 1, 200) };
    assert_eq!(ready, 0, "another reader of the device saw the scan's keys");
    drop(other);

    // Unplugged: the reader reports the device lost and its thread ends.
    drop(keyboard);
    match reader.next_event(Duration::from_secs(3)) {
        Some(QrEvent::PortLost(QrError::PortLost { path, .. })) => {
            assert_eq!(path, node.display().to_string())
        }
        other => panic!("expected the device lost, got {other:?}"),
    }
}
