//! The consistency rules: values that have the right type but make no sense, alone or
//! together. Each rule reports at the offending key with what to write instead.

use std::collections::HashMap;

use crate::keys;
use crate::location::{join, keys as k, Seg};
use crate::parse::Report;
use crate::phc;
use crate::schema::{CalendarDay, Config, DayKind};

/// Baud rates a serial device may be set to.
pub(crate) const BAUD_RATES: [u32; 9] = [
    1200, 2400, 4800, 9600, 19_200, 38_400, 57_600, 115_200, 230_400,
];

/// The card photo's size in pixels; the camera must deliver at least this.
pub const PHOTO_PIXELS: (u32, u32) = (358, 441);

pub(crate) fn check(c: &Config, r: &mut Report<'_>) {
    kiosk(c, r);
    devices(c, r);
    business(c, r);
    ui(c, r);
    staff(c, r);
    agency_keys(c, r);
    storage(c, r);
    agency_link(c, r);
    face(c, r);
    if let Some(file) = &c.calendar.file {
        absolute(
            r,
            &k(&["calendar", "file"]),
            file,
            "/etc/kiosk/calendar.toml",
        );
    }
    calendar_days(&c.calendar.days, &k(&["calendar", "days"]), r);
}

fn kiosk(c: &Config, r: &mut Report<'_>) {
    let id_ok = |s: &str, max: usize| {
        !s.is_empty()
            && s.len() <= max
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if !id_ok(&c.kiosk.id, 32) {
        r.error(
            &k(&["kiosk", "id"]),
            format!("[kiosk] id {:?} is not an identifier", c.kiosk.id),
            "write 1 to 32 letters, digits, `-` or `_`, e.g. \"cj-zwfw-01\"",
        );
    }
    if !id_ok(&c.kiosk.outlet, 32) {
        r.error(
            &k(&["kiosk", "outlet"]),
            format!("[kiosk] outlet {:?} is not an outlet code", c.kiosk.outlet),
            "write the outlet code: 1 to 32 letters, digits, `-` or `_`",
        );
    }
    if c.kiosk.region.len() != 6 || !c.kiosk.region.bytes().all(|b| b.is_ascii_digit()) {
        r.error(
            &k(&["kiosk", "region"]),
            format!(
                "[kiosk] region {:?} is not a 6-digit region code",
                c.kiosk.region
            ),
            "write the GB/T 2260 code, e.g. \"652300\" for Changji",
        );
    }
    if c.kiosk.fonds.is_empty()
        || c.kiosk.fonds.len() > 8
        || !c.kiosk.fonds.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        r.error(
            &k(&["kiosk", "fonds"]),
            format!(
                "[kiosk] fonds {:?} is not a fonds code (全宗号)",
                c.kiosk.fonds
            ),
            "write the archive's fonds code: 1 to 8 letters or digits, e.g. \"J023\"",
        );
    }
}

fn devices(c: &Config, r: &mut Report<'_>) {
    let d = &c.devices;
    for (key, pattern) in [
        ("card_reader", &d.card_reader),
        ("psam_reader", &d.psam_reader),
    ] {
        if pattern.trim().is_empty() {
            r.error(
                &k(&["devices", key]),
                format!("[devices] {key} is empty"),
                "write part of the reader's name (see `kiosk readers`) or a `*` glob",
            );
        }
    }
    if !d.card_reader.trim().is_empty() && d.card_reader == d.psam_reader {
        r.error(
            &k(&["devices", "psam_reader"]),
            format!(
                "[devices] psam_reader {:?} is the same pattern as card_reader{}",
                d.psam_reader,
                line_ref(r, &k(&["devices", "card_reader"]))
            ),
            "give the PSAM slot its own pattern, e.g. \"* 00 01\"",
        );
    }
    let ports = [
        (
            "id_module",
            &d.id_module_port,
            d.id_module_baud,
            "ID module",
        ),
        ("qr", &d.qr_port, d.qr_baud, "QR scanner"),
        ("printer", &d.printer_port, d.printer_baud, "printer"),
    ];
    for (i, (name, port, baud, _)) in ports.iter().enumerate() {
        let port_key = format!("{name}_port");
        let path = k(&["devices", &port_key]);
        // An empty port: the kiosk has no such device (e.g. no receipt printer).
        if !port.is_empty() {
            absolute(r, &path, port, "/dev/ttyUSB0");
        }
        let same = |(_, p, _, _): &&(&str, &String, u32, &str)| !port.is_empty() && p == port;
        if let Some((_, _, _, other)) = ports[..i].iter().find(same) {
            let other_key = ports[..i]
                .iter()
                .find(same)
                .map(|(n, _, _, _)| format!("{n}_port"))
                .unwrap_or_default();
            r.error(
                &path,
                format!(
                    "[devices] {port_key} {port:?} is also the {other} port{}",
                    line_ref(r, &k(&["devices", &other_key]))
                ),
                "give each device its own port",
            );
        }
        if !BAUD_RATES.contains(baud) {
            r.error(
                &k(&["devices", &format!("{name}_baud")]),
                format!("[devices] {name}_baud {baud} is not a serial baud rate"),
                format!("write one of {BAUD_RATES:?}"),
            );
        }
    }
    qr_hid(d, r);
    printer_links(d, r);
    // The camera: a V4L2 device, a still picture (`file:PATH`, for demos and benches), or
    // none at all (empty).
    let camera = k(&["devices", "camera_device"]);
    match d.camera_device.strip_prefix("file:") {
        Some(path) if !path.starts_with('/') => r.error(
            &camera,
            format!(
                "[devices] camera_device {:?}: the picture's path is not absolute",
                d.camera_device
            ),
            "write file: and a full path, e.g. \"file:/var/lib/kiosk/photo.png\"",
        ),
        Some(_) => {}
        None if d.camera_device.is_empty() => {}
        None => absolute(r, &camera, &d.camera_device, "/dev/video0"),
    }
    // issue 22: the receipt printer's raster fonts and paper.
    for font in &d.receipt_fonts {
        let path = font.rsplit_once('#').map_or(font.as_str(), |(p, _)| p);
        absolute(
            r,
            &k(&["devices", "receipt_fonts"]),
            path,
            "/usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf",
        );
    }
    if !(64..=4096).contains(&d.printer_dots) {
        r.error(
            &k(&["devices", "printer_dots"]),
            format!(
                "[devices] printer_dots {} is no receipt printer's width",
                d.printer_dots
            ),
            "write 384 for 58 mm paper or 576 for 80 mm (203 dpi)",
        );
    }
    if let Some(lib) = &d.wlt_decoder {
        let path = k(&["devices", "wlt_decoder"]);
        absolute(r, &path, lib, "/opt/vendor/lib/libWltRS.so");
        if lib.starts_with('/') && !lib.ends_with(".so") && !lib.contains(".so.") {
            r.error(
                &path,
                format!("[devices] wlt_decoder {lib:?} is not a shared library (.so)"),
                "write the path of the vendor's decoder library, e.g. \"/opt/vendor/lib/libWltRS.so\"",
            );
        }
    }
    if d.camera_width < PHOTO_PIXELS.0 || d.camera_height < PHOTO_PIXELS.1 {
        let key = if d.camera_width < PHOTO_PIXELS.0 {
            "camera_width"
        } else {
            "camera_height"
        };
        r.error(
            &k(&["devices", key]),
            format!(
                "[devices] camera resolution {}×{} is smaller than the card photo ({}×{})",
                d.camera_width, d.camera_height, PHOTO_PIXELS.0, PHOTO_PIXELS.1
            ),
            "use a camera mode of at least 640×480, e.g. camera_width = 1280, camera_height = 720",
        );
    }
}

/// The QR scanner is a serial port or a HID keyboard, not both; a HID device is a path or a
/// name under /dev/input/by-id/.
fn qr_hid(d: &crate::schema::Devices, r: &mut Report<'_>) {
    let hid = d.qr_hid_device.trim();
    if hid.is_empty() {
        return;
    }
    let path = k(&["devices", "qr_hid_device"]);
    if !d.qr_port.is_empty() {
        r.error(
            &path,
            format!(
                "[devices] qr_hid_device {:?} and qr_port {:?}{} are both set: the QR scanner is a serial port or a HID keyboard",
                d.qr_hid_device,
                d.qr_port,
                line_ref(r, &k(&["devices", "qr_port"]))
            ),
            "for a keyboard-mode scanner write qr_port = \"\"; for a serial one remove qr_hid_device",
        );
    }
    let by_id_name = !hid.contains('/') && hid != "." && hid != "..";
    if !(hid.starts_with("/dev/") || by_id_name) {
        r.error(
            &path,
            format!("[devices] qr_hid_device {:?} is neither a device path nor a name under /dev/input/by-id", d.qr_hid_device),
            "write the input device, e.g. \"/dev/input/event3\", or its by-id name, e.g. \"usb-Newland_FR40-event-kbd\" (`ls /dev/input/by-id`)",
        );
    }
}

/// The receipt printer is on one link at most: serial, USB printer class, or raw TCP.
fn printer_links(d: &crate::schema::Devices, r: &mut Report<'_>) {
    let links: Vec<&str> = [
        ("printer_port", &d.printer_port),
        ("printer_usb", &d.printer_usb),
        ("printer_tcp", &d.printer_tcp),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .map(|(key, _)| key)
    .collect();
    if let [first, rest @ ..] = links.as_slice() {
        for key in rest {
            r.error(
                &k(&["devices", key]),
                format!(
                    "[devices] {key} and {first}{} are both set: the printer is on one link",
                    line_ref(r, &k(&["devices", first]))
                ),
                "keep one of printer_port, printer_usb, printer_tcp and write the others as \"\" (printer_port has a default: write printer_port = \"\" when the printer is USB or network)",
            );
        }
    }
    if !d.printer_usb.is_empty() {
        absolute(
            r,
            &k(&["devices", "printer_usb"]),
            &d.printer_usb,
            "/dev/usb/lp0",
        );
    }
    if !d.printer_tcp.is_empty() {
        if let Err(why) = check_host_port(&d.printer_tcp) {
            r.error(
                &k(&["devices", "printer_tcp"]),
                format!("[devices] printer_tcp {:?}: {why}", d.printer_tcp),
                "write the printer's address and raw port, e.g. \"192.0.2.40:9100\", or the address alone for port 9100",
            );
        }
    }
}

/// `host`, `host:port`, `[v6]` or `[v6]:port`, port 1–65535; not resolved here.
pub fn check_host_port(value: &str) -> Result<(), String> {
    let (host, port) = if let Some(rest) = value.strip_prefix('[') {
        let (v6, after) = rest
            .split_once(']')
            .ok_or_else(|| "an IPv6 address in brackets has no closing ]".to_owned())?;
        if v6.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(format!("{v6:?} is not an IPv6 address"));
        }
        match after {
            "" => (v6, None),
            _ => match after.strip_prefix(':') {
                Some(p) => (v6, Some(p)),
                None => return Err("after ] only :port may follow".into()),
            },
        }
    } else {
        match value.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (value, None),
        }
    };
    let host_ok = !host.is_empty()
        && (host.parse::<std::net::Ipv6Addr>().is_ok()
            || host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.'));
    if !host_ok {
        return Err(format!("{host:?} is not a host name or address"));
    }
    if let Some(p) = port {
        match p.parse::<u16>() {
            Ok(n) if n > 0 => {}
            _ => return Err(format!("port {p:?} is not 1–65535")),
        }
    }
    Ok(())
}

fn face(c: &Config, r: &mut Report<'_>) {
    let f = &c.face;
    if !(0.3..=0.8).contains(&f.threshold) {
        r.error(
            &k(&["face", "threshold"]),
            format!("[face] threshold {} is outside 0.3–0.8", f.threshold),
            "write the largest embedding distance judged the same person; 0.6 unless BENCHMARKS.md's figures for this site say otherwise",
        );
    }
    absolute(
        r,
        &k(&["face", "model_dir"]),
        &f.model_dir,
        "/usr/share/kiosk/face",
    );
    if f.retries > 5 {
        r.error(
            &k(&["face", "retries"]),
            format!("[face] retries {} is more than 5", f.retries),
            "write how many more attempts a citizen gets before the staff path, 0 to 5 (default 2)",
        );
    }
    if !(5..=60).contains(&f.liveness_seconds) {
        r.error(
            &k(&["face", "liveness_seconds"]),
            format!(
                "[face] liveness_seconds {} is outside 5–60",
                f.liveness_seconds
            ),
            "write the seconds a citizen has to blink and turn the head (default 15)",
        );
    }
    if f.counter.chars().count() > 40 || f.counter.chars().any(char::is_control) {
        r.error(
            &k(&["face", "counter"]),
            "[face] counter is longer than 40 characters or holds control characters".to_string(),
            "name the service counter in a few words, e.g. \"3号窗口\"",
        );
    }
}

fn business(c: &Config, r: &mut Report<'_>) {
    let b = &c.business;
    if !(1..=365).contains(&b.temporary_loss_days) {
        r.error(
            &k(&["business", "temporary_loss_days"]),
            format!(
                "[business] temporary_loss_days {} is outside 1–365",
                b.temporary_loss_days
            ),
            "write the days a temporary loss report lasts (the standard's setting is 15)",
        );
    }
    if !(30..=40).contains(&b.application_deadline_days) {
        r.error(
            &k(&["business", "application_deadline_days"]),
            format!(
                "[business] application_deadline_days {} is outside 30–40 working days",
                b.application_deadline_days
            ),
            "DB 6523/T 372-2023 6.3 allows 30 to 40 working days; write 40 unless the region says otherwise",
        );
    }
    if b.replacement_fee_fen < 0 {
        r.error(
            &k(&["business", "replacement_fee_fen"]),
            format!(
                "[business] replacement_fee_fen {} is below zero",
                b.replacement_fee_fen
            ),
            "write the fee in fen: 0 (free) or 2000 (20 CNY)",
        );
    }
    if b.photo_min_kb == 0 {
        r.error(
            &k(&["business", "photo_min_kb"]),
            "[business] photo_min_kb is 0",
            "write the smallest photo file size in KB (default 14)",
        );
    }
    if b.photo_min_kb > b.photo_max_kb {
        r.error(
            &k(&["business", "photo_min_kb"]),
            format!(
                "[business] photo_min_kb {} is above photo_max_kb {}{}",
                b.photo_min_kb,
                b.photo_max_kb,
                line_ref(r, &k(&["business", "photo_max_kb"]))
            ),
            "the window must be min ≤ max, e.g. 14 and 40",
        );
    }
    if b.enabled.is_empty() {
        r.error(
            &k(&["business", "enabled"]),
            "[business] enabled lists no business",
            "list the business codes this kiosk offers, e.g. [\"status\", \"report_loss\"]",
        );
    }
    for (i, code) in b.enabled.iter().enumerate() {
        if b.enabled[..i].contains(code) {
            r.error(
                &k(&["business", "enabled"])
                    .into_iter()
                    .chain([Seg::Index(i)])
                    .collect::<Vec<_>>(),
                format!("[business] enabled lists {} twice", code_name(code)),
                "list each business once",
            );
        }
    }
}

fn code_name<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn ui(c: &Config, r: &mut Report<'_>) {
    let u = &c.ui;
    if u.languages.is_empty() {
        r.error(
            &k(&["ui", "languages"]),
            "[ui] languages is empty",
            "write [\"zh-CN\", \"ug\", \"en\"] or a part of it",
        );
    }
    for (i, lang) in u.languages.iter().enumerate() {
        if u.languages[..i].contains(lang) {
            r.error(
                &join(&k(&["ui", "languages"]), &[Seg::Index(i)]),
                format!("[ui] languages lists {} twice", code_name(lang)),
                "list each language once",
            );
        }
    }
    if !u.languages.is_empty() && !u.languages.contains(&u.default_language) {
        r.error(
            &k(&["ui", "default_language"]),
            format!(
                "[ui] default_language {:?} is not among languages",
                code_name(&u.default_language)
            ),
            "add it to languages or pick one of them",
        );
    }
    if u.idle_timeout_s < 10 {
        r.error(
            &k(&["ui", "idle_timeout_s"]),
            format!(
                "[ui] idle_timeout_s {} is under 10 seconds",
                u.idle_timeout_s
            ),
            "write at least 10 (default 60)",
        );
    }
    if u.form_idle_timeout_s < u.idle_timeout_s {
        r.error(
            &k(&["ui", "form_idle_timeout_s"]),
            format!(
                "[ui] form_idle_timeout_s {} is shorter than idle_timeout_s {}",
                u.form_idle_timeout_s, u.idle_timeout_s
            ),
            "forms need at least as long as other screens (defaults 120 and 60)",
        );
    }
    if u.session_cap_s < u.form_idle_timeout_s {
        r.error(
            &k(&["ui", "session_cap_s"]),
            format!(
                "[ui] session_cap_s {} is shorter than form_idle_timeout_s {}",
                u.session_cap_s, u.form_idle_timeout_s
            ),
            "the session cap must be at least the longest idle timeout (default 900)",
        );
    }
    if u.listen.parse::<std::net::SocketAddr>().is_err() {
        r.error(
            &k(&["ui", "listen"]),
            format!("[ui] listen {:?} is not an address and port", u.listen),
            "write e.g. \"127.0.0.1:8080\" (loopback: only the kiosk's own screen can reach it)",
        );
    }
}

fn staff(c: &Config, r: &mut Report<'_>) {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, s) in c.staff.iter().enumerate() {
        let at = |key: &str| {
            vec![
                Seg::Key("staff".into()),
                Seg::Index(i),
                Seg::Key(key.into()),
            ]
        };
        let user_ok = !s.user.is_empty()
            && s.user.len() <= 32
            && s.user
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
        if !user_ok {
            r.error(
                &at("user"),
                format!("[[staff]] user {:?} is not a user name", s.user),
                "write 1 to 32 lowercase letters, digits, `.`, `_` or `-`",
            );
        }
        if let Some(first) = seen.get(s.user.as_str()) {
            let first_line = line_ref(
                r,
                &[
                    Seg::Key("staff".into()),
                    Seg::Index(*first),
                    Seg::Key("user".into()),
                ],
            );
            r.error(
                &at("user"),
                format!("[[staff]] user {:?} is defined twice{first_line}", s.user),
                "give each account its own user name, or merge the roles into one entry",
            );
        } else {
            seen.insert(&s.user, i);
        }
        if let Err(why) = phc::check(&s.password_hash) {
            r.error(
                &at("password_hash"),
                format!("[[staff]] {} password_hash {why}", s.user),
                "paste the argon2id PHC string: $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>",
            );
        }
        if s.roles.is_empty() {
            r.error(
                &at("roles"),
                format!("[[staff]] {} has no roles", s.user),
                "give at least one of \"front_desk\", \"archive\", \"technician\", \"supervisor\"",
            );
        }
        for (j, role) in s.roles.iter().enumerate() {
            if s.roles[..j].contains(role) {
                r.error(
                    &join(&at("roles"), &[Seg::Index(j)]),
                    format!("[[staff]] {} lists role {} twice", s.user, code_name(role)),
                    "list each role once",
                );
            }
        }
    }
}

fn agency_keys(c: &Config, r: &mut Report<'_>) {
    for (name, list) in [
        ("config_bundles", &c.keys.config_bundles),
        ("ecard", &c.keys.ecard),
        ("archive", &c.keys.archive),
    ] {
        for (i, text) in list.iter().enumerate() {
            let path = join(&k(&["keys", name]), &[Seg::Index(i)]);
            match keys::decode_public(text) {
                Err(why) => r.error(
                    &path,
                    format!("[keys] {name} key {:?} {why}", short(text)),
                    "write the agency's ed25519 public key as 64 hex digits or base64 (`kiosk config keygen` prints one)",
                ),
                Ok(key) => {
                    let dup = list[..i]
                        .iter()
                        .any(|other| keys::decode_public(other).ok() == Some(key));
                    if dup {
                        r.error(&path, format!("[keys] {name} lists the same key twice"), "list each key once");
                    }
                }
            }
        }
    }
    if let Some(file) = &c.keys.ecard_signing_key {
        absolute(
            r,
            &k(&["keys", "ecard_signing_key"]),
            file,
            "/etc/kiosk/keys/ecard.key",
        );
    }
    if let Some(file) = &c.keys.archive_signing_key {
        absolute(
            r,
            &k(&["keys", "archive_signing_key"]),
            file,
            "/etc/kiosk/keys/archive.key",
        );
    }
}

fn short(s: &str) -> String {
    if s.chars().count() > 20 {
        format!("{}…", s.chars().take(20).collect::<String>())
    } else {
        s.to_owned()
    }
}

fn storage(c: &Config, r: &mut Report<'_>) {
    absolute(
        r,
        &k(&["storage", "database"]),
        &c.storage.database,
        "/var/lib/kiosk/kiosk.db",
    );
    absolute(
        r,
        &k(&["storage", "archive_dir"]),
        &c.storage.archive_dir,
        "/var/lib/kiosk/archive",
    );
    if c.storage.database == c.storage.archive_dir {
        r.error(
            &k(&["storage", "archive_dir"]),
            format!(
                "[storage] archive_dir {:?} is the database path",
                c.storage.archive_dir
            ),
            "keep the archive in its own directory, e.g. \"/var/lib/kiosk/archive\"",
        );
    }
    if let Some(file) = &c.storage.key_file {
        absolute(r, &k(&["storage", "key_file"]), file, "/etc/kiosk/db.key");
        if *file == c.storage.database {
            r.error(
                &k(&["storage", "key_file"]),
                format!("[storage] key_file {file:?} is the database path"),
                "keep the key in its own file, e.g. \"/etc/kiosk/db.key\"",
            );
        }
    }
}

/// The calendar rules: dates are plain dates; no day is listed twice, and never as both a
/// holiday and a working day.
pub(crate) fn calendar_days(days: &[CalendarDay], base: &[Seg], r: &mut Report<'_>) {
    let mut seen: HashMap<String, (usize, DayKind)> = HashMap::new();
    for (i, day) in days.iter().enumerate() {
        let at = |key: &str| join(base, &[Seg::Index(i), Seg::Key(key.into())]);
        let d = &day.date;
        if d.date.is_none() || d.time.is_some() || d.offset.is_some() {
            r.error(
                &at("date"),
                format!("calendar date {d} is not a plain date"),
                "write the day only, without quotes: date = 2025-10-01",
            );
            continue;
        }
        let key = d.to_string();
        match seen.get(&key) {
            Some((first, kind)) if *kind != day.kind => {
                let first_line = line_ref(
                    r,
                    &join(base, &[Seg::Index(*first), Seg::Key("date".into())]),
                );
                r.error(
                    &at("date"),
                    format!("calendar marks {key} both holiday and working day{first_line}"),
                    "keep one entry for the day: holiday, or workday for an adjusted working day (调休)",
                );
            }
            Some((first, _)) => {
                let first_line = line_ref(
                    r,
                    &join(base, &[Seg::Index(*first), Seg::Key("date".into())]),
                );
                r.error(
                    &at("date"),
                    format!("calendar lists {key} twice{first_line}"),
                    "remove the repeated entry",
                );
            }
            None => {
                seen.insert(key, (i, day.kind));
            }
        }
    }
}

fn agency_link(c: &Config, r: &mut Report<'_>) {
    let Some(a) = &c.agency else {
        return;
    };
    let url = a.url.trim();
    let rest = url.strip_prefix("https://");
    let host_ok = rest.is_some_and(|h| {
        let h = h.strip_suffix('/').unwrap_or(h);
        !h.is_empty() && !h.contains(['/', '?', '#', '@', ' '])
    });
    if !host_ok {
        r.error(
            &k(&["agency", "url"]),
            format!("[agency] url {:?} is not an https:// base URL", a.url),
            "write the agency's address with https and no path, e.g. \"https://agency.example:8443\"",
        );
    }
    absolute(
        r,
        &k(&["agency", "ca_cert"]),
        &a.ca_cert,
        "/etc/kiosk/agency/ca.crt",
    );
    absolute(
        r,
        &k(&["agency", "cert"]),
        &a.cert,
        "/etc/kiosk/agency/kiosk.crt",
    );
    absolute(
        r,
        &k(&["agency", "key"]),
        &a.key,
        "/etc/kiosk/agency/kiosk.key",
    );
    if a.cert == a.key {
        r.error(
            &k(&["agency", "key"]),
            "[agency] key is the certificate's path",
            "write the path of the private key, apart from the certificate",
        );
    }
    if !(100..=60_000).contains(&a.timeout_ms) {
        r.error(
            &k(&["agency", "timeout_ms"]),
            format!(
                "[agency] timeout_ms {} is outside 100..=60000",
                a.timeout_ms
            ),
            "write a deadline in milliseconds, e.g. 3000",
        );
    }
}

fn absolute(r: &mut Report<'_>, path: &[Seg], value: &str, example: &str) {
    if !value.starts_with('/') {
        let what = crate::location::describe(path);
        r.error(
            path,
            format!("{what} {value:?} is not an absolute path"),
            format!("write a full path, e.g. \"{example}\""),
        );
    }
}

/// " (line N)" for the place of `path`, or " (default)" when it is not in the file.
fn line_ref(r: &Report<'_>, path: &[Seg]) -> String {
    match r.line(path) {
        Some(line) => format!(" (line {line})"),
        None => " (default)".to_owned(),
    }
}
