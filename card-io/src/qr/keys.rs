//! The pure key-event decoder of a QR scanner in USB HID keyboard mode: Linux input events
//! (as evdev delivers them) → text in the US layout → scans, through the same [`LineDecoder`]
//! the serial scanner uses (same length limit, same errors).
//!
//! - `EV_KEY` presses (value 1) type; releases (0) only matter for Shift; autorepeats (2)
//!   are dropped: a scanner sends every character as a press and a release, and a repeat is
//!   the kernel's autorepeat on a key whose release came late — a character the scan never
//!   held.
//! - Shift (left or right) gives the shifted US character; Caps Lock toggles the case of
//!   letters only. Enter (main or keypad) ends the line.
//! - A key without a character in the US layout (F-keys, arrows), or a character key typed
//!   while Ctrl, Alt or Meta is held (a control sequence, not text), spoils the line it is
//!   in: the line is reported as [`QrError::UnmappedKey`] at its Enter, never passed on with a
//!   character missing or changed.
//! - `SYN_DROPPED` (the kernel's buffer overflowed, events were lost) spoils the line the
//!   same way ([`QrError::EventsDropped`]). Other `EV_SYN`, `EV_MSC` (scan codes) and `EV_LED`
//!   events carry nothing for the text.

use std::time::SystemTime;

use super::line::{LineDecoder, Scan};
use super::QrError;

/// `EV_SYN`, `EV_KEY` (linux/input-event-codes.h).
pub const EV_SYN: u16 = 0x00;
pub const EV_KEY: u16 = 0x01;
/// `SYN_REPORT`, `SYN_DROPPED`.
pub const SYN_REPORT: u16 = 0;
pub const SYN_DROPPED: u16 = 3;

/// Key codes the decoder gives a meaning beyond a character.
pub const KEY_ENTER: u16 = 28;
pub const KEY_LEFTSHIFT: u16 = 42;
pub const KEY_RIGHTSHIFT: u16 = 54;
pub const KEY_CAPSLOCK: u16 = 58;
pub const KEY_KPENTER: u16 = 96;
/// Modifiers that type nothing by themselves: Ctrl, Alt, Meta (left and right).
const SILENT_MODIFIERS: [u16; 6] = [29, 97, 56, 100, 125, 126];

/// One input event: `type`, `code`, `value` of the kernel's `struct input_event`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyEvent {
    pub kind: u16,
    pub code: u16,
    pub value: i32,
}

impl KeyEvent {
    pub fn new(kind: u16, code: u16, value: i32) -> KeyEvent {
        KeyEvent { kind, code, value }
    }
}

/// The US layout: key code → (unshifted, shifted) character.
pub fn us_char(code: u16) -> Option<(char, char)> {
    const ROW_NUMBERS: &str = "1234567890-=";
    const ROW_NUMBERS_SHIFTED: &str = "!@#$%^&*()_+";
    let pair = |plain: &str, shifted: &str, i: usize| {
        Some((plain.chars().nth(i)?, shifted.chars().nth(i)?))
    };
    match code {
        // KEY_1 … KEY_EQUAL
        2..=13 => pair(ROW_NUMBERS, ROW_NUMBERS_SHIFTED, usize::from(code - 2)),
        // KEY_Q … KEY_RIGHTBRACE
        16..=27 => pair("qwertyuiop[]", "QWERTYUIOP{}", usize::from(code - 16)),
        // KEY_A … KEY_GRAVE
        30..=41 => pair("asdfghjkl;'`", "ASDFGHJKL:\"~", usize::from(code - 30)),
        // KEY_BACKSLASH … KEY_SLASH
        43..=53 => pair("\\zxcvbnm,./", "|ZXCVBNM<>?", usize::from(code - 43)),
        15 => Some(('\t', '\t')),
        57 => Some((' ', ' ')),
        // Keypad: KEY_KPASTERISK, KEY_KP7…KEY_KPDOT, KEY_KPSLASH (Num Lock on, as scanners
        // send them).
        55 => Some(('*', '*')),
        71..=83 => pair("789-456+1230.", "789-456+1230.", usize::from(code - 71)),
        98 => Some(('/', '/')),
        _ => None,
    }
}

/// Reassembles scans from key events.
#[derive(Debug)]
pub struct KeyDecoder {
    lines: LineDecoder,
    left_shift: bool,
    right_shift: bool,
    caps_lock: bool,
    /// Ctrl, Alt and Meta keys held now.
    modifiers_held: [bool; 6],
    /// Why the current line cannot be trusted (first cause kept).
    spoiled: Option<QrError>,
}

impl KeyDecoder {
    /// A decoder that refuses scans longer than `limit` bytes.
    pub fn new(limit: usize) -> KeyDecoder {
        KeyDecoder {
            lines: LineDecoder::new(limit),
            left_shift: false,
            right_shift: false,
            caps_lock: false,
            modifiers_held: [false; 6],
            spoiled: None,
        }
    }

    /// Whether the decoder is inside a line (for the reader's line gap).
    pub fn in_line(&self) -> bool {
        self.lines.in_line() || self.spoiled.is_some()
    }

    /// Feeds events that arrived at `at`; returns the scans and errors they complete.
    pub fn push(&mut self, events: &[KeyEvent], at: SystemTime) -> Vec<Result<Scan, QrError>> {
        let mut out = Vec::new();
        for ev in events {
            match (ev.kind, ev.code) {
                (EV_SYN, SYN_DROPPED) => self.spoil(QrError::EventsDropped),
                (EV_KEY, code) => self.key(code, ev.value, at, &mut out),
                _ => {}
            }
        }
        out
    }

    /// Drops an unfinished line after a silence (as [`LineDecoder::abandon`]); a spoiled line
    /// is reported with its cause.
    pub fn abandon(&mut self, gap_ms: u128) -> Option<QrError> {
        let partial = self.lines.abandon(gap_ms);
        self.spoiled.take().or(partial)
    }

    fn spoil(&mut self, why: QrError) {
        if self.spoiled.is_none() {
            self.spoiled = Some(why);
        }
    }

    fn key(&mut self, code: u16, value: i32, at: SystemTime, out: &mut Vec<Result<Scan, QrError>>) {
        let pressed = value == 1;
        if let Some(i) = SILENT_MODIFIERS.iter().position(|m| *m == code) {
            self.modifiers_held[i] = value != 0;
            return;
        }
        match code {
            KEY_LEFTSHIFT => self.left_shift = value != 0,
            KEY_RIGHTSHIFT => self.right_shift = value != 0,
            KEY_CAPSLOCK if pressed => self.caps_lock = !self.caps_lock,
            _ if !pressed => {}
            KEY_ENTER | KEY_KPENTER => {
                if let Some(why) = self.spoiled.take() {
                    // The line's bytes go with it.
                    let _ = self.lines.abandon(0);
                    out.push(Err(why));
                } else {
                    out.extend(self.lines.push(b"\r", at));
                }
            }
            KEY_CAPSLOCK => {}
            c => match us_char(c) {
                Some(_) if self.modifiers_held.iter().any(|h| *h) => {
                    self.spoil(QrError::UnmappedKey { code: c })
                }
                Some((plain, shifted)) => {
                    let shift = self.left_shift || self.right_shift;
                    let ch = if plain.is_ascii_alphabetic() && self.caps_lock != shift {
                        shifted
                    } else if plain.is_ascii_alphabetic() {
                        plain
                    } else if shift {
                        shifted
                    } else {
                        plain
                    };
                    let mut buf = [0u8; 4];
                    out.extend(self.lines.push(ch.encode_utf8(&mut buf).as_bytes(), at));
                }
                None => self.spoil(QrError::UnmappedKey { code: c }),
            },
        }
    }
}

/// The key events a keyboard sends to type `text` and Enter, each key pressed and released
/// with a `SYN_REPORT` after each, Shift around shifted characters: what a scanner in
/// keyboard mode sends, for tests and the simulator. `None` when `text` holds a character
/// the US layout cannot type.
pub fn type_line(text: &str) -> Option<Vec<KeyEvent>> {
    let mut out = Vec::new();
    let syn = KeyEvent::new(EV_SYN, SYN_REPORT, 0);
    let tap = |out: &mut Vec<KeyEvent>, code: u16| {
        out.push(KeyEvent::new(EV_KEY, code, 1));
        out.push(syn);
        out.push(KeyEvent::new(EV_KEY, code, 0));
        out.push(syn);
    };
    for ch in text.chars() {
        let (code, shifted) = (0u16..=255).find_map(|code| match us_char(code) {
            Some((plain, _)) if plain == ch => Some((code, false)),
            Some((_, shifted)) if shifted == ch => Some((code, true)),
            _ => None,
        })?;
        if shifted {
            out.push(KeyEvent::new(EV_KEY, KEY_LEFTSHIFT, 1));
            out.push(syn);
        }
        tap(&mut out, code);
        if shifted {
            out.push(KeyEvent::new(EV_KEY, KEY_LEFTSHIFT, 0));
            out.push(syn);
        }
    }
    tap(&mut out, KEY_ENTER);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_printable_ascii_character_has_one_key() {
        for b in 0x20u8..0x7F {
            let ch = char::from(b);
            let keys: Vec<u16> = (0u16..=255)
                .filter(|c| matches!(us_char(*c), Some((p, s)) if p == ch || s == ch))
                .collect();
            assert!(!keys.is_empty(), "{ch:?} cannot be typed");
        }
    }
}
