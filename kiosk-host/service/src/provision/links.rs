//! The devices that are not serial ports: QR scanners in USB HID keyboard mode and receipt
//! printers on the USB printer class or the network.
//!
//! - Keyboards ([`keyboards`]): the evdev devices under `SYS/class/input/event*` whose key
//!   capabilities include Enter, the digits and the letters (a scanner in keyboard mode
//!   claims a whole keyboard; a touch screen or a power button does not), each with its
//!   stable name under `DEV/input/by-id/` when udev made one. A scanner only types when
//!   something is scanned, so the only keyboard is a guess, as the only silent serial port
//!   is; several are named with `--qr-hid`.
//! - USB printers ([`usb_printers`]): `DEV/usb/lp*`, each asked DLE EOT (and its port
//!   status) like a serial printer.
//! - A network printer: the address named with `--printer-tcp` (or the configured
//!   `printer_tcp`), asked DLE EOT on a connection to it.
//!
//! `SYS` and `DEV` are [`ProbeOptions::sys_root`] and [`ProbeOptions::dev_root`], so tests
//! pass fake trees.

use std::fs;
use std::path::Path;
use std::time::Duration;

use card_io::printer::{PrinterError, PrinterStatus, PrinterTarget};
use firmware_config::Devices;
use serde::Serialize;

use super::*;

/// Linux key codes a keyboard-mode scanner has (input-event-codes.h).
const KEY_ENTER: u32 = 28;
const KEY_1: u32 = 2;
const KEY_0: u32 = 11;
/// The letter rows: Q…P, A…L, Z…M.
const LETTERS: [std::ops::RangeInclusive<u32>; 3] = [16..=25, 30..=38, 44..=50];

/// An input device that types like a keyboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyboardFinding {
    /// `DEV/input/eventN`.
    pub device: String,
    /// Its name under `DEV/input/by-id/`, when udev gave it one (what is proposed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by_id: Option<String>,
    /// What the device calls itself (`SYS/class/input/eventN/device/name`).
    pub name: String,
}

impl KeyboardFinding {
    /// The value for `qr_hid_device`: the by-id name, else the device path.
    pub fn config_value(&self) -> &str {
        self.by_id.as_deref().unwrap_or(&self.device)
    }
}

/// What a USB or network printer answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "answer")]
pub enum LinkAnswer {
    Printer { online: bool, paper: String },
    NotAnswering { reason: String },
}

/// A printer on the USB printer class or the network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkPrinterFinding {
    /// `usb` or `tcp`.
    pub link: &'static str,
    /// The device path or `host:port`: the value for `printer_usb` / `printer_tcp`.
    pub target: String,
    #[serde(flatten)]
    pub answer: LinkAnswer,
}

/// Whether bit `code` is set in a sysfs capability bitmap (hex words, most significant
/// first, each `word_bits` wide).
pub fn has_key(bitmap: &str, code: u32, word_bits: u32) -> bool {
    let words: Vec<&str> = bitmap.split_whitespace().collect();
    let index = (code / word_bits) as usize;
    let Some(word) = words
        .len()
        .checked_sub(index + 1)
        .and_then(|i| words.get(i))
    else {
        return false;
    };
    u64::from_str_radix(word, 16).is_ok_and(|w| (w >> (code % word_bits)) & 1 == 1)
}

/// Whether a key bitmap is a keyboard's: Enter, the digits and the letters.
pub fn types_like_a_keyboard(bitmap: &str, word_bits: u32) -> bool {
    has_key(bitmap, KEY_ENTER, word_bits)
        && (KEY_1..=KEY_0).all(|k| has_key(bitmap, k, word_bits))
        && LETTERS
            .iter()
            .flat_map(|r| r.clone())
            .all(|k| has_key(bitmap, k, word_bits))
}

/// The keyboards under `sys_root`, with their by-id names under `dev_root`, sorted by device.
pub fn keyboards(sys_root: &Path, dev_root: &Path) -> Vec<KeyboardFinding> {
    let class = sys_root.join("class/input");
    let Ok(entries) = fs::read_dir(&class) else {
        return Vec::new();
    };
    let by_id_dir = dev_root.join("input/by-id");
    let by_id: Vec<(String, String)> = fs::read_dir(&by_id_dir)
        .map(|rd| {
            rd.flatten()
                .filter_map(|e| {
                    let link = fs::read_link(e.path()).ok()?;
                    let target = link.file_name()?.to_string_lossy().into_owned();
                    Some((e.file_name().to_string_lossy().into_owned(), target))
                })
                .collect()
        })
        .unwrap_or_default();
    let mut found: Vec<KeyboardFinding> = entries
        .flatten()
        .filter_map(|e| {
            let event = e.file_name().to_string_lossy().into_owned();
            if !event.starts_with("event") {
                return None;
            }
            let dev = e.path().join("device");
            let keys = fs::read_to_string(dev.join("capabilities/key")).ok()?;
            if !types_like_a_keyboard(&keys, usize::BITS) {
                return None;
            }
            let name = fs::read_to_string(dev.join("name"))
                .map(|n| n.trim().to_string())
                .unwrap_or_default();
            let mut aliases: Vec<&String> = by_id
                .iter()
                .filter(|(_, target)| *target == event)
                .map(|(alias, _)| alias)
                .collect();
            aliases.sort();
            Some(KeyboardFinding {
                device: dev_root.join("input").join(&event).display().to_string(),
                by_id: aliases.first().map(|a| a.to_string()),
                name,
            })
        })
        .collect();
    found.sort_by_key(|k| natural_key(&k.device));
    found
}

/// The USB printer-class devices under `dev_root` (`usb/lp*`), in natural order.
pub fn usb_printers(dev_root: &Path) -> Vec<String> {
    let dir = dev_root.join("usb");
    let Ok(entries) = fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut v: Vec<String> = entries
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("lp"))
        .map(|e| e.path().display().to_string())
        .collect();
    v.sort_by_key(|p| natural_key(p));
    v
}

/// Asks a printer that is not on a serial port for its status.
pub(crate) fn probe_link_printer(
    serial: &dyn SerialProbe,
    target: &PrinterTarget,
    timeout: Duration,
) -> LinkAnswer {
    match serial.link_printer_status(target, timeout) {
        Ok(PrinterStatus { online, paper }) => LinkAnswer::Printer {
            online,
            paper: paper_word(paper),
        },
        Err(e @ PrinterError::OpenLink { .. }) => LinkAnswer::NotAnswering {
            reason: format!("{e}: {}", e.source_text()),
        },
        Err(e) => LinkAnswer::NotAnswering {
            reason: e.to_string(),
        },
    }
}

trait SourceText {
    fn source_text(&self) -> String;
}

impl SourceText for PrinterError {
    fn source_text(&self) -> String {
        std::error::Error::source(self)
            .map(|s| s.to_string())
            .unwrap_or_default()
    }
}

fn paper_word(p: card_io::printer::Paper) -> String {
    match p {
        card_io::printer::Paper::Ok => "ok",
        card_io::printer::Paper::NearEnd => "near end",
        card_io::printer::Paper::Out => "out",
    }
    .into()
}

/// What `propose` decides from the keyboards and the link printers, into `d`: the QR
/// scanner as a HID keyboard when none was found on a serial port, the printer on USB or the
/// network when none answered on one (a network printer named by the technician wins).
/// Returns whether the QR scanner and the printer are now found.
pub(crate) fn propose_links(
    f: &Findings,
    d: &mut Devices,
    why: &mut std::collections::BTreeMap<&'static str, String>,
    notes: &mut Vec<String>,
    (found_qr, found_printer): (bool, bool),
) -> (bool, bool) {
    let mut qr = found_qr;
    if !qr {
        let named = f.qr_hid.as_ref().and_then(|n| {
            f.keyboards
                .iter()
                .find(|k| k.by_id.as_ref() == Some(n) || &k.device == n)
        });
        let chosen = match (named, f.keyboards.as_slice()) {
            (Some(k), _) => Some((k, "named with --qr-hid (scan a code to confirm)")),
            (None, [only]) if f.qr_hid.is_none() => Some((
                only,
                "a guess: the only keyboard-mode input device (a scanner types only when scanning: scan a code to confirm, or name it with --qr-hid)",
            )),
            (None, []) => None,
            (None, many) => {
                let names: Vec<&str> = many.iter().map(KeyboardFinding::config_value).collect();
                notes.push(match &f.qr_hid {
                    Some(n) => format!("{n:?} (--qr-hid) is not among the keyboards found ({})", names.join(", ")),
                    None => format!(
                        "{} keyboard-mode input devices ({}): name the QR scanner with --qr-hid",
                        many.len(),
                        names.join(", ")
                    ),
                });
                None
            }
        };
        if let Some((k, reason)) = chosen {
            qr = true;
            d.qr_hid_device = k.config_value().to_string();
            d.qr_port = String::new();
            why.insert(
                "qr_hid_device",
                format!("{reason}; {:?} on {}", k.name, k.device),
            );
            why.insert("qr_port", "the QR scanner is a HID keyboard".into());
        }
    } else if !d.qr_port.is_empty() {
        d.qr_hid_device = String::new();
    }
    let answered = |link: &str| {
        f.link_printers
            .iter()
            .find(|p| p.link == link && matches!(p.answer, LinkAnswer::Printer { .. }))
    };
    let mut printer = found_printer;
    let tcp = answered("tcp").filter(|p| f.printer_tcp.as_deref() == Some(p.target.as_str()));
    let chosen = match (tcp, found_printer, answered("usb"), answered("tcp")) {
        (Some(p), _, _, _) => Some(p),
        (None, true, _, _) => None,
        (None, false, Some(p), _) | (None, false, None, Some(p)) => Some(p),
        (None, false, None, None) => None,
    };
    if let Some(p) = chosen {
        printer = true;
        let paper = match &p.answer {
            LinkAnswer::Printer { paper, .. } => paper.as_str(),
            LinkAnswer::NotAnswering { .. } => "ok",
        };
        if paper != "ok" {
            notes.push(format!("the printer {} reports paper {paper}", p.target));
        }
        let reason = "answered the printer status query";
        d.printer_port = String::new();
        (d.printer_usb, d.printer_tcp) = if p.link == "usb" {
            why.insert("printer_usb", format!("{reason} (USB printer class)"));
            (p.target.clone(), String::new())
        } else {
            why.insert("printer_tcp", format!("{reason} over raw TCP"));
            (String::new(), p.target.clone())
        };
        why.insert(
            "printer_port",
            format!("the printer is {}", PrinterKind(p.link)),
        );
    } else if found_printer {
        d.printer_usb = String::new();
        d.printer_tcp = String::new();
    }
    for p in &f.link_printers {
        if let LinkAnswer::NotAnswering { reason } = &p.answer {
            notes.push(format!(
                "{} ({}) did not answer as a printer: {reason}",
                p.target, p.link
            ));
        }
    }
    (qr, printer)
}

struct PrinterKind(&'static str);

impl std::fmt::Display for PrinterKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0 == "usb" {
            "on the USB printer class"
        } else {
            "on the network"
        })
    }
}
