//! The device checks: the card reader, the PSAM (its keys initialised and a MAC computed for
//! each role), the ID card module, the receipt printer, the QR scanner and the camera.

use card_io::camera::{CameraSpec, Resolution};
use card_io::idcard::ReaderError;
use card_io::printer::{Paper, PrinterError};
use card_io::sam::psam::Psam;
use card_io::sam::{Algorithm, Factors, KeyRole, SamError, SecureModule};
use card_io::transport::{ReaderInfo, TransportError};

use crate::provision::{reader_matches, CAMERA_NOT_BUILT};

use super::*;

pub(crate) fn service_failure(e: &TransportError) -> Outcome {
    fail(
        e.to_string(),
        "start the PC/SC service (`systemctl start pcscd`) and check the readers' USB cables",
    )
}

pub(crate) fn reader_names(readers: &[ReaderInfo]) -> String {
    if readers.is_empty() {
        return "no readers connected".into();
    }
    let names: Vec<String> = readers.iter().map(|r| format!("{:?}", r.name)).collect();
    format!("readers: {}", names.join(", "))
}

pub(crate) fn card_reader(cx: &Context<'_>) -> Outcome {
    let pattern = &cx.config.devices.card_reader;
    let readers = match cx.readers.list_readers() {
        Ok(r) => r,
        Err(e) => return service_failure(&e),
    };
    let matching: Vec<&ReaderInfo> = readers
        .iter()
        .filter(|r| reader_matches(pattern, &r.name))
        .collect();
    let Some(first) = matching.first() else {
        return fail(
            format!(
                "no reader matches card_reader {pattern:?} ({})",
                reader_names(&readers)
            ),
            "check the USB cable of the card reader; `kiosk readers` lists the readers, and `kiosk provision` sets card_reader",
        );
    };
    let state = if first.atr.is_some() {
        "a card is inserted"
    } else {
        "empty, ready for a card"
    };
    if matching.len() > 1 {
        let names: Vec<String> = matching.iter().map(|r| format!("{:?}", r.name)).collect();
        return warn(
            format!(
                "card_reader {pattern:?} matches {} readers ({}); the kiosk uses {:?}",
                matching.len(),
                names.join(", "),
                first.name
            ),
            "make card_reader name one reader (`kiosk provision` writes its full name)",
        );
    }
    pass(format!("{:?}: {state}", first.name))
}

/// The secure module's key ids and what they are for.
pub(crate) const KEYS: [KeyRole; 4] = [
    KeyRole::Maintenance,
    KeyRole::PinUnblock,
    KeyRole::PinReset,
    KeyRole::CardBlock,
];

pub(crate) fn key_purpose(role: KeyRole) -> &'static str {
    match role {
        KeyRole::Maintenance => "application block/unblock",
        KeyRole::PinUnblock => "PIN unblock",
        KeyRole::PinReset => "PIN reset",
        KeyRole::CardBlock => "card block",
    }
}

/// Diversification factors that belong to no card: the PSAM derives a key from them all
/// the same, which is all the key check needs.
pub(crate) fn dummy_factors(region: &str) -> Factors {
    let mut city = *b"652300sx";
    if region.len() == 6 && region.bytes().all(|b| b.is_ascii_digit()) {
        city[..6].copy_from_slice(region.as_bytes());
    }
    Factors {
        card: [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01],
        city,
    }
}

pub(crate) fn psam(cx: &Context<'_>) -> Outcome {
    let pattern = &cx.config.devices.psam_reader;
    let readers = match cx.readers.list_readers() {
        Ok(r) => r,
        Err(e) => return service_failure(&e),
    };
    let matching: Vec<&ReaderInfo> = readers
        .iter()
        .filter(|r| reader_matches(pattern, &r.name))
        .collect();
    let Some(slot) = matching
        .iter()
        .find(|r| r.atr.is_some())
        .or(matching.first())
    else {
        return fail(
            format!(
                "no reader matches psam_reader {pattern:?} ({})",
                reader_names(&readers)
            ),
            "connect the PSAM reader (check its USB cable), or set [devices] psam_reader to its name (`kiosk provision` finds it)",
        );
    };
    let name = &slot.name;
    if slot.atr.is_none() {
        return fail(
            format!("no PSAM: the PSAM slot {name:?} is empty"),
            format!("insert the PSAM in the PSAM slot ({name:?}), contacts first"),
        );
    }
    let conn = match cx.readers.connect(name) {
        Ok(c) => c,
        Err(e) => {
            return fail(
                format!("cannot connect to the PSAM in {name:?}: {e}"),
                format!("take the PSAM out of {name:?} and insert it again; close other programs using the reader"),
            )
        }
    };
    let mut sam = match Psam::open(conn) {
        Ok(s) => s,
        Err(SamError::NotFound) => {
            return fail(
                format!("the card in {name:?} is not a PSAM (no PSAM application)"),
                format!("insert the PSAM in the PSAM slot ({name:?}) in place of the card there"),
            )
        }
        Err(e) => {
            return fail(
                format!("the PSAM in {name:?} does not answer: {e}"),
                format!("take the PSAM out of {name:?} and insert it again"),
            )
        }
    };
    let factors = dummy_factors(&cx.config.kiosk.region);
    let mut missing = Vec::new();
    for role in KEYS {
        let tried = sam
            .init_key(role, Algorithm::Tdes, &factors)
            .and_then(|()| sam.mac(&[0u8; 8], &[0u8; 8]));
        match tried {
            Ok(_) => {}
            Err(SamError::KeyMissing(_)) => missing.push(role),
            Err(e) => {
                close(sam);
                return fail(
                    format!(
                        "the PSAM in {name:?} failed key {:02X} ({}): {e}",
                        role.id(),
                        key_purpose(role)
                    ),
                    format!("take the PSAM out of {name:?} and insert it again; if it persists, ask the card agency for a working PSAM"),
                );
            }
        }
    }
    let terminal = sam.terminal_number().ok();
    close(sam);
    if !missing.is_empty() {
        let list: Vec<String> = missing
            .iter()
            .map(|r| format!("{:02X} ({})", r.id(), key_purpose(*r)))
            .collect();
        return fail(
            format!(
                "the PSAM in {name:?} lacks key(s) {} (6A 88)",
                list.join(", ")
            ),
            "this PSAM is not issued for these card operations: ask the card agency for a PSAM holding keys 01–04",
        );
    }
    let terminal = terminal
        .map(|t| format!(", terminal {t}"))
        .unwrap_or_default();
    pass(format!(
        "PSAM in {name:?} answers; keys 01–04 present{terminal}"
    ))
}

pub(crate) fn close(sam: Psam) {
    if let Err(e) = sam.close() {
        log::debug!("releasing the PSAM: {e}");
    }
}

pub(crate) fn id_module(cx: &Context<'_>) -> Outcome {
    let d = &cx.config.devices;
    let (port, baud) = (d.id_module_port.as_str(), d.id_module_baud);
    match cx.serial.id_module_status(port, baud, ANSWER_TIMEOUT, 2) {
        Ok(()) => pass(format!("GA 467 module on {port} ready ({baud} baud)")),
        Err(e @ ReaderError::Open { .. }) => fail(
            e.to_string(),
            format!("check the USB cable of the ID module on {port} (`kiosk provision` finds its port)"),
        ),
        Err(e @ (ReaderError::Timeout { .. } | ReaderError::Closed { .. } | ReaderError::Io { .. })) => fail(
            format!("ID module on {port}: {e}"),
            format!("check the ID module's power and the USB cable on {port}; id_module_baud is {baud} (modules ship at 115200)"),
        ),
        Err(e @ ReaderError::Frame { .. }) => fail(
            format!("ID module on {port}: {e}"),
            format!("check the cable on {port} and that id_module_baud ({baud}) is the module's speed"),
        ),
        Err(e @ ReaderError::UnknownCommand { .. }) => fail(
            format!("{port}: {e}"),
            format!("{port} is not the ID module's port: run `kiosk provision` to find it"),
        ),
        Err(e) => fail(
            format!("ID module on {port}: {e}"),
            "switch the ID module off and on again; if it stays, replace it",
        ),
    }
}

/// The licensed WLT decoder `[devices] wlt_decoder` names (issue 19: the ID card's photo is
/// the face match's first reference): the library loads and exports `unpack`.
pub(crate) fn wlt_decoder(cx: &Context<'_>) -> Outcome {
    let Some(path) = cx.config.devices.wlt_decoder.as_deref() else {
        return pass("none configured: ID card photos stay undecoded; the identity step compares with the registry's photo");
    };
    match card_io::idcard::LibraryDecoder::open(std::path::Path::new(path)) {
        Ok(_) => pass(format!("{path} loads and exports unpack")),
        Err(e) => fail(
            e.to_string(),
            format!("install the vendor's licensed decoder at {path}, or correct [devices] wlt_decoder (`kiosk idcard read --wlt-decoder FILE` tries one on a card)"),
        ),
    }
}

/// The printer's status, then (issue 22) the raster fonts of Uyghur receipts: a printer that
/// answers but whose fonts are missing fails, since Uyghur receipts would not print.
pub(crate) fn printer(cx: &Context<'_>) -> Outcome {
    let mut o = printer_status(cx);
    if o.status == Status::Fail {
        return o;
    }
    let settings = crate::devices::raster_settings(&cx.config.devices);
    match card_io::printer::Rasteriser::load(settings) {
        Ok(r) => {
            let names: Vec<String> = r
                .font_paths()
                .iter()
                .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                .collect();
            o.detail = format!("{}; Uyghur receipts as images ({})", o.detail, names.join(", "));
            o
        }
        Err(e) => fail(
            format!("{}; but Uyghur receipts cannot print: {e}", o.detail),
            "install Debian's fonts-noto-core and fonts-noto-cjk, or set [devices] receipt_fonts to fonts with the Uyghur letters",
        ),
    }
}

fn printer_status(cx: &Context<'_>) -> Outcome {
    let d = &cx.config.devices;
    let (port, baud) = (d.printer_port.as_str(), d.printer_baud);
    match cx.serial.printer_status(port, baud, ANSWER_TIMEOUT) {
        Ok(s) if s.paper == Paper::Out => fail(
            format!("printer on {port}: paper out"),
            "load a new paper roll in the receipt printer",
        ),
        Ok(s) if !s.online => fail(
            format!("printer on {port}: offline"),
            "close the receipt printer's cover and check its error light",
        ),
        Ok(s) if s.paper == Paper::NearEnd => warn(
            format!("printer on {port}: online, paper near its end"),
            "change the paper roll soon",
        ),
        Ok(_) => pass(format!("printer on {port}: online, paper ok ({baud} baud)")),
        Err(e @ PrinterError::Open { .. }) => fail(
            format!("{e}: {}", source_text(&e)),
            format!("check the USB cable of the receipt printer on {port} (`kiosk provision` finds its port)"),
        ),
        Err(e @ PrinterError::NotAnswering { .. }) => fail(
            format!("printer on {port}: {e}"),
            format!("check the receipt printer's power and its cable on {port}; printer_baud is {baud}"),
        ),
        Err(e @ PrinterError::BadStatus { .. }) => fail(
            format!("printer on {port}: {e}"),
            format!("set printer_baud to the printer's speed (now {baud}; `kiosk provision` finds it)"),
        ),
        Err(e) => fail(
            format!("printer on {port}: {e}"),
            format!("check the receipt printer's cable on {port} and switch it off and on"),
        ),
    }
}

pub(crate) fn source_text(e: &dyn std::error::Error) -> String {
    e.source().map(|s| s.to_string()).unwrap_or_default()
}

pub(crate) fn qr_scanner(cx: &Context<'_>) -> Outcome {
    let d = &cx.config.devices;
    match cx.serial.opens(&d.qr_port, d.qr_baud) {
        Ok(()) => pass(format!(
            "{} opens ({} baud); a scanner only speaks when scanning: scan a code to test it",
            d.qr_port, d.qr_baud
        )),
        Err(e) => fail(
            e.to_string(),
            format!("check the USB cable of the QR scanner on {}", d.qr_port),
        ),
    }
}

pub(crate) fn camera(cx: &Context<'_>) -> Outcome {
    let d = &cx.config.devices;
    let want = Resolution::new(d.camera_width, d.camera_height);
    let grabbed = match CameraSpec::parse(&d.camera_device) {
        Ok(None) => {
            return warn(
                "no camera configured (camera_device is empty)",
                "photos cannot be taken here: set camera_device, e.g. \"/dev/video0\"",
            )
        }
        // A still picture (demos, benches): read as the kiosk will.
        Ok(Some(spec @ CameraSpec::File(_))) => spec.open(want).and_then(|mut s| s.frame()),
        Ok(Some(CameraSpec::V4l(_))) | Err(_) => {
            let Some(cameras) = cx.cameras else {
                return warn(
                    "skipped: not built with camera-v4l",
                    format!(
                        "{CAMERA_NOT_BUILT}: build kiosk with the camera-v4l feature to check {}",
                        d.camera_device
                    ),
                );
            };
            cameras.grab(&d.camera_device, want)
        }
    };
    match grabbed {
        Ok(frame) => {
            let (w, h) = (frame.width(), frame.height());
            let pixels = u64::from(w) * u64::from(h);
            let sum: u64 = frame
                .pixels()
                .map(|p| u64::from(p.0[0]) + u64::from(p.0[1]) + u64::from(p.0[2]))
                .sum();
            let mean = if pixels == 0 { 0 } else { sum / (3 * pixels) };
            if pixels == 0 {
                fail(
                    format!("{}: empty frame", d.camera_device),
                    format!("check the camera's USB cable ({})", d.camera_device),
                )
            } else if mean < 8 {
                warn(
                    format!("{}: frame {w}×{h} is almost black", d.camera_device),
                    "uncover the camera's lens and check the light at the photo spot",
                )
            } else if (w, h) != (want.width, want.height) {
                warn(
                    format!("{}: frame {w}×{h}, configured {want}", d.camera_device),
                    "set camera_width and camera_height to a mode the camera has",
                )
            } else {
                pass(format!("{}: frame {w}×{h}", d.camera_device))
            }
        }
        Err(e) => fail(
            format!("{}: {e}", d.camera_device),
            format!(
                "check the camera's USB cable ({}); `kiosk provision` finds the camera",
                d.camera_device
            ),
        ),
    }
}
