//! What the machine has, for a support bundle: versions, the devices of each kind the kiosk
//! uses (PC/SC readers, serial ports, input devices, cameras, printers), the disks the
//! kiosk writes to, and the clock. Each part is plain text; what cannot be read is said.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use card_io::transport::ReaderProvider;
use firmware_config::Config;

/// The kiosk's version, the system's and the kernel's.
pub(crate) fn versions() -> String {
    let mut out = String::new();
    let _ = writeln!(out, "kiosk {}", env!("CARGO_PKG_VERSION"));
    let os = fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("PRETTY_NAME="))
                .map(|v| v.trim_matches('"').to_string())
        })
        .unwrap_or_else(|| "unknown (no /etc/os-release)".into());
    let _ = writeln!(out, "system {os}");
    let kernel = fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|k| k.trim().to_string())
        .unwrap_or_else(|e| format!("unknown ({e})"));
    let _ = writeln!(out, "kernel {kernel}");
    out
}

/// The names in `dir` (sorted) whose name passes `keep`; a missing directory says so.
fn names(dir: &str, keep: impl Fn(&str) -> bool) -> Vec<String> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut v: Vec<String> = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| keep(n))
        .collect();
    v.sort();
    v
}

fn list(out: &mut String, title: &str, items: &[String]) {
    let _ = writeln!(out, "## {title}");
    if items.is_empty() {
        let _ = writeln!(out, "(none)");
    }
    for i in items {
        let _ = writeln!(out, "{i}");
    }
    out.push('\n');
}

/// Input devices from `/proc/bus/input/devices`: name and handlers of each.
fn input_devices() -> Vec<String> {
    let Ok(text) = fs::read_to_string("/proc/bus/input/devices") else {
        return Vec::new();
    };
    text.split("\n\n")
        .filter_map(|block| {
            let name = block
                .lines()
                .find_map(|l| l.strip_prefix("N: Name="))?
                .trim_matches('"');
            let handlers = block
                .lines()
                .find_map(|l| l.strip_prefix("H: Handlers="))
                .unwrap_or("")
                .trim();
            Some(format!("{name} ({handlers})"))
        })
        .collect()
}

/// Every device list of the bundle.
pub(crate) fn devices(readers: &dyn ReaderProvider, config: Option<&Config>) -> String {
    let mut out = String::new();
    let pcsc: Vec<String> = match readers.list_readers() {
        Ok(r) => r
            .into_iter()
            .map(|r| {
                let card = if r.atr.is_some() {
                    "a card in it"
                } else {
                    "empty"
                };
                format!("{} ({card})", r.name)
            })
            .collect(),
        Err(e) => vec![format!("cannot list the readers: {e}")],
    };
    list(&mut out, "PC/SC readers", &pcsc);
    let globs: Vec<String> = kiosk_service::provision::DEFAULT_PORT_GLOBS
        .iter()
        .map(|g| g.to_string())
        .collect();
    list(
        &mut out,
        "serial ports",
        &kiosk_service::provision::expand_port_globs(&globs),
    );
    let by_id = |dir: &str| -> Vec<String> {
        names(dir, |_| true)
            .into_iter()
            .map(|n| format!("{dir}/{n}"))
            .collect()
    };
    list(&mut out, "serial ports by id", &by_id("/dev/serial/by-id"));
    list(&mut out, "input devices", &input_devices());
    list(&mut out, "input devices by id", &by_id("/dev/input/by-id"));
    let cameras: Vec<String> = names("/dev", |n| n.starts_with("video"))
        .into_iter()
        .map(|n| {
            let label = fs::read_to_string(format!("/sys/class/video4linux/{n}/name"))
                .map(|s| s.trim().to_string())
                .unwrap_or_default();
            format!("/dev/{n} {label}").trim_end().to_string()
        })
        .collect();
    list(&mut out, "cameras", &cameras);
    let mut printers: Vec<String> = names("/dev/usb", |n| n.starts_with("lp"))
        .into_iter()
        .map(|n| format!("/dev/usb/{n} (USB printer class)"))
        .collect();
    if let Some(c) = config {
        if let Some(t) = kiosk_service::devices::printer_target(&c.devices) {
            printers.push(format!("configured: {t}"));
        }
    }
    list(&mut out, "printers", &printers);
    out
}

/// Free and total space of the file systems holding `paths` (statvfs).
#[allow(unsafe_code, reason = "statvfs(3)")]
#[allow(
    clippy::useless_conversion,
    reason = "the field types differ between platforms"
)]
fn space(path: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c) = std::ffi::CString::new(path.as_os_str().as_bytes()) else {
        return format!("{}: not a path", path.display());
    };
    // SAFETY: an all-zero statvfs is a valid value of the plain C struct.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c` is a NUL-terminated path and `st` a valid statvfs that outlives the call.
    let rc = unsafe { libc::statvfs(c.as_ptr(), &mut st) };
    if rc != 0 {
        return format!("{}: {}", path.display(), std::io::Error::last_os_error());
    }
    let block = u64::from(st.f_frsize).max(1);
    let mib = |blocks: u64| blocks.saturating_mul(block) / (1024 * 1024);
    let (free, total) = (mib(u64::from(st.f_bavail)), mib(u64::from(st.f_blocks)));
    let used = (free * 100)
        .checked_div(total)
        .map_or(0, |p| 100u64.saturating_sub(p));
    format!(
        "{}: {free} MiB free of {total} MiB ({used}% used)",
        path.display()
    )
}

/// The disks under `/`, the database and the archives.
pub(crate) fn disks(config: Option<&Config>) -> String {
    let mut paths = vec![Path::new("/").to_path_buf()];
    if let Some(c) = config {
        for p in [&c.storage.database, &c.storage.archive_dir] {
            let p = Path::new(p);
            let dir = if p.is_dir() { Some(p) } else { p.parent() };
            if let Some(d) = dir.filter(|d| !d.as_os_str().is_empty()) {
                paths.push(d.to_path_buf());
            }
        }
    }
    paths.dedup();
    paths.iter().map(|p| space(p) + "\n").collect()
}

/// The clock: UTC and local time, the time zone, and whether the kernel counts it
/// synchronised (NTP).
#[allow(unsafe_code, reason = "adjtimex(2), read only")]
pub(crate) fn clock() -> String {
    let now = chrono::Utc::now();
    let local = chrono::Local::now();
    let zone = fs::read_to_string("/etc/timezone")
        .map(|z| z.trim().to_string())
        .or_else(|_| fs::read_link("/etc/localtime").map(|p| p.display().to_string()))
        .unwrap_or_else(|_| "unknown".into());
    // SAFETY: an all-zero timex with `modes` 0 only reads the kernel's clock state.
    let mut tx: libc::timex = unsafe { std::mem::zeroed() };
    // SAFETY: `tx` is a valid timex that outlives the call.
    let state = unsafe { libc::adjtimex(&mut tx) };
    let sync = match state {
        libc::TIME_ERROR => "not synchronised (the kernel has no NTP time)".to_string(),
        s if s < 0 => format!("unknown ({})", std::io::Error::last_os_error()),
        _ => "synchronised".to_string(),
    };
    format!(
        "utc {}\nlocal {}\ntime zone {zone}\nclock {sync}\n",
        now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        local.to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
    )
}
