//! The QR scanner in USB HID keyboard mode, at the decoder: key-event sequences as evdev
//! delivers them from a real keyboard-mode scanner (`EV_MSC MSC_SCAN` with the HID usage
//! before each key, `EV_KEY` press and release, `EV_SYN SYN_REPORT` after each), with Shift,
//! Caps Lock, autorepeats, keys that type nothing, and a kernel queue overflow. This test runs
//! everywhere; `qr_hid_uinput.rs` runs the same scans through a virtual keyboard where the
//! machine has `/dev/uinput`.

use std::time::SystemTime;

use card_io::qr::keys::{type_line, KeyDecoder, KeyEvent, EV_KEY, EV_SYN, SYN_DROPPED};
use card_io::qr::QrError;

const EV_MSC: u16 = 0x04;
const MSC_SCAN: u16 = 0x04;

fn ev(kind: u16, code: u16, value: i32) -> KeyEvent {
    KeyEvent::new(kind, code, value)
}

fn syn() -> KeyEvent {
    ev(EV_SYN, 0, 0)
}

/// The HID usage (page 7) of a Linux key code, as a keyboard's MSC_SCAN carries it.
fn usage(code: u16) -> i32 {
    let page7: &[(u16, i32)] = &[
        (30, 0x04),
        (48, 0x05),
        (46, 0x06),
        (32, 0x07),
        (18, 0x08),
        (33, 0x09),
        (34, 0x0A),
        (35, 0x0B),
        (23, 0x0C),
        (36, 0x0D),
        (37, 0x0E),
        (38, 0x0F),
        (50, 0x10),
        (49, 0x11),
        (24, 0x12),
        (25, 0x13),
        (16, 0x14),
        (19, 0x15),
        (31, 0x16),
        (20, 0x17),
        (22, 0x18),
        (47, 0x19),
        (17, 0x1A),
        (45, 0x1B),
        (21, 0x1C),
        (44, 0x1D),
        (2, 0x1E),
        (3, 0x1F),
        (4, 0x20),
        (5, 0x21),
        (6, 0x22),
        (7, 0x23),
        (8, 0x24),
        (9, 0x25),
        (10, 0x26),
        (11, 0x27),
        (28, 0x28),
        (12, 0x2D),
        (13, 0x2E),
        (52, 0x37),
        (53, 0x38),
        (39, 0x33),
        (42, 0xE1),
        (54, 0xE5),
        (58, 0x39),
        (59, 0x3A),
        (29, 0xE0),
        (96, 0x58),
        (57, 0x2C),
    ];
    page7
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, u)| 0x70000 | u)
        .unwrap_or(0x70000)
}

/// A key as a USB keyboard reports it: scan code, key, SYN.
fn key(out: &mut Vec<KeyEvent>, code: u16, value: i32) {
    out.push(ev(EV_MSC, MSC_SCAN, usage(code)));
    out.push(ev(EV_KEY, code, value));
    out.push(syn());
}

fn tap(out: &mut Vec<KeyEvent>, code: u16) {
    key(out, code, 1);
    key(out, code, 0);
}

fn shifted(out: &mut Vec<KeyEvent>, code: u16) {
    key(out, 42, 1);
    tap(out, code);
    key(out, 42, 0);
}

fn decode(events: &[KeyEvent]) -> Vec<Result<String, String>> {
    let mut d = KeyDecoder::new(1024);
    d.push(events, SystemTime::UNIX_EPOCH)
        .into_iter()
        .map(|r| r.map(|s| s.payload).map_err(|e| e.to_string()))
        .collect()
}

/// "SSEQ1.a_B9" then Enter, key by key as the scanner sends it.
fn eq_scan() -> Vec<KeyEvent> {
    let mut e = Vec::new();
    for code in [31, 31, 18, 16] {
        shifted(&mut e, code); // S S E Q
    }
    tap(&mut e, 2); // 1
    tap(&mut e, 52); // .
    tap(&mut e, 30); // a
    shifted(&mut e, 12); // _
    shifted(&mut e, 48); // B
    tap(&mut e, 10); // 9
    tap(&mut e, 28); // Enter
    e
}

#[test]
fn a_scan_typed_with_shift_decodes_to_its_text() {
    assert_eq!(decode(&eq_scan()), vec![Ok("SSEQ1.a_B9".to_string())]);
}

#[test]
fn split_anywhere_the_events_decode_the_same() {
    let all = eq_scan();
    for cut in 0..=all.len() {
        let mut d = KeyDecoder::new(1024);
        let mut got = d.push(&all[..cut], SystemTime::UNIX_EPOCH);
        got.extend(d.push(&all[cut..], SystemTime::UNIX_EPOCH));
        let got: Vec<_> = got.into_iter().map(|r| r.map(|s| s.payload).ok()).collect();
        assert_eq!(got, vec![Some("SSEQ1.a_B9".to_string())], "cut at {cut}");
    }
}

#[test]
fn right_shift_and_caps_lock() {
    let mut e = Vec::new();
    key(&mut e, 54, 1); // right shift held over two keys
    tap(&mut e, 30); // A
    tap(&mut e, 3); // @
    key(&mut e, 54, 0);
    tap(&mut e, 58); // Caps Lock on
    tap(&mut e, 48); // B
    tap(&mut e, 4); // 3: Caps Lock does not shift digits
    shifted(&mut e, 46); // c: Shift under Caps Lock gives the small letter
    tap(&mut e, 58); // Caps Lock off
    tap(&mut e, 32); // d
    tap(&mut e, 96); // keypad Enter
    assert_eq!(decode(&e), vec![Ok("A@B3cd".to_string())]);
}

#[test]
fn autorepeats_are_not_characters() {
    let mut e = Vec::new();
    key(&mut e, 30, 1);
    // The kernel's autorepeat while the release is late: value 2, no scan code.
    for _ in 0..3 {
        e.push(ev(EV_KEY, 30, 2));
        e.push(syn());
    }
    key(&mut e, 30, 0);
    tap(&mut e, 30);
    tap(&mut e, 28);
    assert_eq!(decode(&e), vec![Ok("aa".to_string())]);
}

#[test]
fn a_key_without_a_character_spoils_only_its_line() {
    let mut e = Vec::new();
    tap(&mut e, 30);
    tap(&mut e, 59); // F1
    tap(&mut e, 48);
    tap(&mut e, 28);
    e.extend(eq_scan());
    let got = decode(&e);
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(
        got[0].as_ref().is_err_and(|m| m.contains("key code 59")),
        "{got:?}"
    );
    assert_eq!(got[1], Ok("SSEQ1.a_B9".to_string()));
}

#[test]
fn a_character_under_ctrl_is_not_text() {
    let mut e = Vec::new();
    tap(&mut e, 30);
    key(&mut e, 29, 1); // Ctrl
    tap(&mut e, 36); // Ctrl+J
    key(&mut e, 29, 0);
    tap(&mut e, 28);
    let got = decode(&e);
    assert!(
        matches!(got.as_slice(), [Err(m)] if m.contains("key code 36")),
        "{got:?}"
    );
}

#[test]
fn dropped_events_spoil_the_line_they_hit() {
    let mut e = Vec::new();
    tap(&mut e, 30);
    e.push(ev(EV_SYN, SYN_DROPPED, 0));
    tap(&mut e, 48);
    tap(&mut e, 28);
    e.extend(eq_scan());
    let mut d = KeyDecoder::new(1024);
    let got = d.push(&e, SystemTime::UNIX_EPOCH);
    assert!(matches!(got[0], Err(QrError::EventsDropped)), "{got:?}");
    assert_eq!(
        got[1].as_ref().map(|s| s.payload.as_str()).ok(),
        Some("SSEQ1.a_B9")
    );
}

#[test]
fn over_long_scan_is_refused_like_a_serial_one() {
    let mut e = Vec::new();
    for _ in 0..9 {
        tap(&mut e, 30);
    }
    tap(&mut e, 28);
    tap(&mut e, 48);
    tap(&mut e, 28);
    let mut d = KeyDecoder::new(8);
    let got: Vec<_> = d
        .push(&e, SystemTime::UNIX_EPOCH)
        .into_iter()
        .map(|r| r.map(|s| s.payload))
        .collect();
    assert!(
        matches!(got[0], Err(QrError::TooLong { limit: 8 })),
        "{got:?}"
    );
    assert_eq!(got[1].as_ref().ok().map(String::as_str), Some("b"));
}

#[test]
fn a_partial_line_after_silence_is_dropped_with_its_cause() {
    let mut d = KeyDecoder::new(1024);
    let mut e = Vec::new();
    tap(&mut e, 30);
    assert!(d.push(&e, SystemTime::UNIX_EPOCH).is_empty());
    assert!(d.in_line());
    assert!(matches!(
        d.abandon(600),
        Some(QrError::Incomplete { len: 1, .. })
    ));
    let mut e = Vec::new();
    tap(&mut e, 59);
    d.push(&e, SystemTime::UNIX_EPOCH);
    assert!(matches!(
        d.abandon(600),
        Some(QrError::UnmappedKey { code: 59 })
    ));
    assert!(!d.in_line());
}

#[test]
fn every_printable_ascii_line_round_trips_through_its_key_events() {
    let text: String = (0x20u8..0x7F).map(char::from).collect();
    let events = type_line(&text).expect("US layout types printable ASCII");
    assert_eq!(decode(&events), vec![Ok(text)]);
    assert!(
        type_line("电子社保卡").is_none(),
        "not typeable in the US layout"
    );
}
