//! [`propose`]: from the findings to a `[devices]` table and the list of fields it changes,
//! with the reason for each (pure).

use std::collections::BTreeMap;

use firmware_config::{Config, Devices};
use serde::Serialize;

use super::*;

/// One device field the proposal changes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// The key in `[devices]`.
    pub field: String,
    pub old: toml::Value,
    pub new: toml::Value,
    /// What was found.
    pub why: String,
}

/// A proposed configuration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Proposal {
    #[serde(skip)]
    pub config: Config,
    pub changes: Vec<Change>,
    /// What was not found, guesses, ambiguities: to show the technician.
    pub notes: Vec<String>,
    /// The reader for the citizen's card, when one was found (nothing is written without).
    pub card_reader: Option<String>,
}

/// The keys of `[devices]`, in the file's order.
pub(crate) const DEVICE_KEYS: [&str; 14] = [
    "card_reader",
    "psam_reader",
    "id_module_port",
    "id_module_baud",
    "qr_port",
    "qr_baud",
    "qr_hid_device",
    "printer_port",
    "printer_baud",
    "printer_usb",
    "printer_tcp",
    "camera_device",
    "camera_width",
    "camera_height",
];

pub(crate) fn device_table(d: &Devices) -> toml::Table {
    match toml::Value::try_from(d) {
        Ok(toml::Value::Table(t)) => t,
        // Devices is a struct of strings and integers: it always serialises to a table.
        _ => toml::Table::new(),
    }
}

/// The device fields that differ between `old` and `new`, in the file's order.
pub(crate) fn device_changes(
    old: &Devices,
    new: &Devices,
    why: &BTreeMap<&str, String>,
) -> Vec<Change> {
    let (a, b) = (device_table(old), device_table(new));
    DEVICE_KEYS
        .iter()
        .filter_map(|&k| {
            let (o, n) = (a.get(k)?, b.get(k)?);
            (o != n).then(|| Change {
                field: k.to_string(),
                old: o.clone(),
                new: n.clone(),
                why: why.get(k).cloned().unwrap_or_default(),
            })
        })
        .collect()
}

/// The reader for the citizen's card and why, or why none.
pub(crate) fn choose_card_reader(
    f: &Findings,
    notes: &mut Vec<String>,
) -> Option<(String, String)> {
    let with_card: Vec<&ReaderFinding> = f
        .readers
        .iter()
        .filter(|r| r.card == CardKind::SocialSecurityCard)
        .collect();
    if let Some(first) = with_card.first() {
        if with_card.len() > 1 {
            notes.push(format!(
                "{} readers hold a social security card; {:?} is proposed (take the card out of the others and run again to be sure)",
                with_card.len(),
                first.name
            ));
        }
        return Some((first.name.clone(), "holds a social security card".into()));
    }
    let psam_found = f.readers.iter().any(|r| r.card == CardKind::Psam);
    let others: Vec<&ReaderFinding> = f
        .readers
        .iter()
        .filter(|r| r.card != CardKind::Psam)
        .collect();
    match others.as_slice() {
        [only] => Some((
            only.name.clone(),
            if psam_found {
                "the reader beside the PSAM's: the citizen's card goes here".into()
            } else {
                "the only card reader".into()
            },
        )),
        [] => {
            notes.push(match &f.reader_error {
                Some(e) => format!("no card reader: {e}"),
                None if f.readers.is_empty() => {
                    "no card reader connected: plug in the card reader and check that pcscd runs"
                        .into()
                }
                None => "the only reader holds the PSAM: connect the reader for the citizen's card"
                    .into(),
            });
            None
        }
        many => {
            let names: Vec<String> = many.iter().map(|r| format!("{:?}", r.name)).collect();
            notes.push(format!(
                "{} readers could be the citizen's card reader ({}): insert a social security card in it and run again",
                many.len(),
                names.join(", ")
            ));
            None
        }
    }
}

/// The proposal: `base` with the device fields that were found (and nothing else) changed.
pub fn propose(base: &Config, f: &Findings) -> Proposal {
    let mut notes = Vec::new();
    let mut why: BTreeMap<&str, String> = BTreeMap::new();
    let mut d = base.devices.clone();

    let card_reader = choose_card_reader(f, &mut notes);
    if let Some((name, reason)) = &card_reader {
        d.card_reader = name.clone();
        why.insert("card_reader", reason.clone());
    }
    let psams: Vec<&ReaderFinding> = f
        .readers
        .iter()
        .filter(|r| r.card == CardKind::Psam)
        .collect();
    match psams.first() {
        Some(p) => {
            d.psam_reader = p.name.clone();
            why.insert("psam_reader", "its card selects the PSAM application".into());
            if psams.len() > 1 {
                notes.push(format!(
                    "{} readers hold a PSAM; {:?} is proposed",
                    psams.len(),
                    p.name
                ));
            }
        }
        None => notes.push(format!(
            "no PSAM found in any reader: insert the PSAM in its slot and run again (psam_reader stays {:?})",
            d.psam_reader
        )),
    }

    // Serial devices: the first port of each kind.
    let mut found_id = false;
    let mut found_printer = false;
    let mut found_qr = false;
    for p in &f.ports {
        match &p.kind {
            PortKind::IdModule { baud } if !found_id => {
                found_id = true;
                d.id_module_port = p.config_path().to_string();
                d.id_module_baud = *baud;
                let reason = format!("answered the GA 467 status command at {baud} baud");
                why.insert("id_module_baud", reason.clone());
                why.insert("id_module_port", with_alias(reason, p));
            }
            PortKind::IdModule { .. } => notes.push(format!(
                "{} also answers as an ID module; only {} is proposed",
                p.path, d.id_module_port
            )),
            PortKind::Printer { baud, paper, .. } if !found_printer => {
                found_printer = true;
                d.printer_port = p.config_path().to_string();
                d.printer_baud = *baud;
                let reason = format!("answered the printer status query at {baud} baud");
                why.insert("printer_baud", reason.clone());
                why.insert("printer_port", with_alias(reason, p));
                if paper != "ok" {
                    notes.push(format!("the printer on {} reports paper {paper}", p.path));
                }
            }
            PortKind::Printer { .. } => notes.push(format!(
                "{} also answers as a printer; only {} is proposed",
                p.path, d.printer_port
            )),
            PortKind::NamedQrScanner => {
                found_qr = true;
                d.qr_port = p.config_path().to_string();
                why.insert(
                    "qr_port",
                    with_alias("named with --qr-port (a scanner only speaks when scanning: scan a code to confirm)".into(), p),
                );
            }
            PortKind::Silent | PortKind::CannotOpen { .. } => {}
        }
    }
    // A scanner named on a serial port, else one in keyboard mode, else the silent port;
    // a printer on a serial port, else on USB or the network (one named there wins).
    let (hid_qr, link_printer) =
        propose_links(f, &mut d, &mut why, &mut notes, (found_qr, found_printer));
    found_qr |= hid_qr;
    found_printer |= link_printer;
    if !found_qr {
        let named_failed = f.qr_port.as_ref().is_some_and(|named| {
            f.ports
                .iter()
                .any(|p| &p.path == named && matches!(p.kind, PortKind::CannotOpen { .. }))
        });
        // A silent port the configuration gives to a device that did not answer is most
        // likely that device, switched off: not a QR scanner.
        let claimed: Vec<(&str, &str)> = [
            (!found_id, base.devices.id_module_port.as_str(), "ID module"),
            (
                !found_printer,
                base.devices.printer_port.as_str(),
                "printer",
            ),
        ]
        .into_iter()
        .filter(|(missing, _, _)| *missing)
        .map(|(_, port, name)| (port, name))
        .collect();
        let mut silent: Vec<&PortFinding> = Vec::new();
        for p in f.ports.iter().filter(|p| p.kind == PortKind::Silent) {
            match claimed.iter().find(|(port, _)| *port == p.path || Some(*port) == p.stable_path.as_deref()) {
                Some((_, name)) => notes.push(format!(
                    "{} stays silent, and it is the configured {name} port: is the {name} switched on? (not taken for the QR scanner)",
                    p.path
                )),
                None => silent.push(p),
            }
        }
        if named_failed {
            notes
                .push("the port named with --qr-port cannot be opened: qr_port not changed".into());
        } else {
            match silent.as_slice() {
                [only] => {
                    found_qr = true;
                    d.qr_port = only.config_path().to_string();
                    why.insert(
                        "qr_port",
                        with_alias("a guess: the only port that opened and answered neither probe (a QR scanner only speaks when scanning: scan a code to confirm, or name it with --qr-port)".into(), only),
                    );
                }
                [] => notes.push(format!(
                    "no silent port left for the QR scanner: qr_port stays {:?} (name it with --qr-port)",
                    d.qr_port
                )),
                many => {
                    let names: Vec<&str> = many.iter().map(|p| p.path.as_str()).collect();
                    notes.push(format!(
                        "{} ports stayed silent ({}): a QR scanner only speaks when scanning, so name it with --qr-port; qr_port stays {:?}",
                        many.len(),
                        names.join(", "),
                        d.qr_port
                    ));
                }
            }
        }
    }
    if !found_id {
        notes.push(format!(
            "no ID module answered: id_module_port stays {:?}",
            d.id_module_port
        ));
    }
    if !found_printer {
        notes.push(format!(
            "no printer answered: printer_port stays {:?}",
            d.printer_port
        ));
    }

    match &f.camera {
        CameraFinding::NotBuilt => notes.push(format!(
            "{CAMERA_NOT_BUILT}: camera_device stays {:?}",
            d.camera_device
        )),
        CameraFinding::Probed { devices } => {
            match devices.iter().find_map(|c| Some((c, c.frame.as_deref()?))) {
                Some((c, size)) => {
                    d.camera_device = c.device.clone();
                    why.insert("camera_device", format!("gave a {size} frame"));
                }
                None => notes.push(format!(
                    "no camera gave a frame: camera_device stays {:?}",
                    d.camera_device
                )),
            }
        }
    }

    separate_ports(
        &base.devices,
        &mut d,
        [found_id, found_qr, found_printer],
        &mut why,
    );

    let changes = device_changes(&base.devices, &d, &why);
    let config = Config {
        devices: d,
        ..base.clone()
    };
    Proposal {
        config,
        changes,
        notes,
        card_reader: card_reader.map(|(n, _)| n),
    }
}

pub(crate) fn with_alias(reason: String, p: &PortFinding) -> String {
    match &p.stable_path {
        Some(alias) => format!("{reason}; {alias} is the stable name of {}", p.path),
        None => reason,
    }
}

/// A device that was not found keeps its port, unless a found device now has that port:
/// then it takes a port a found device left (the file stays valid: one port per device).
pub(crate) fn separate_ports(
    old: &Devices,
    d: &mut Devices,
    found: [bool; 3],
    why: &mut BTreeMap<&str, String>,
) {
    let names = ["ID module", "QR scanner", "printer"];
    let keys = ["id_module_port", "qr_port", "printer_port"];
    let old_ports = [
        old.id_module_port.clone(),
        old.qr_port.clone(),
        old.printer_port.clone(),
    ];
    let mut ports = [
        d.id_module_port.clone(),
        d.qr_port.clone(),
        d.printer_port.clone(),
    ];
    for i in 0..3 {
        if found[i] {
            continue;
        }
        let Some(taker) = (0..3).find(|&j| j != i && found[j] && ports[j] == ports[i]) else {
            continue;
        };
        let free = (0..3)
            .filter(|&j| found[j])
            .map(|j| old_ports[j].clone())
            .find(|p| !ports.contains(p));
        if let Some(free) = free {
            why.insert(
                keys[i],
                format!(
                    "moved off {}, where the {} was found (set the {}'s real port once it is connected)",
                    ports[i], names[taker], names[i]
                ),
            );
            ports[i] = free;
        }
    }
    let [id, qr, printer] = ports;
    d.id_module_port = id;
    d.qr_port = qr;
    d.printer_port = printer;
}

/// The proposal as `-`/`+` lines of `[devices]`, each change with why.
pub fn diff_text(p: &Proposal) -> String {
    let mut out = String::new();
    if p.changes.is_empty() {
        out.push_str("[devices]: no change\n");
        return out;
    }
    out.push_str("[devices]\n");
    for c in &p.changes {
        out.push_str(&format!("- {} = {}\n", c.field, c.old));
        out.push_str(&format!("+ {} = {}", c.field, c.new));
        if !c.why.is_empty() {
            out.push_str(&format!("    # {}", c.why));
        }
        out.push('\n');
    }
    out
}
