use std::fs;
use std::path::Path;
use std::time::{Duration, SystemTime};

use card_io::camera::Resolution;
use card_io::idcard::ReaderError;
use card_io::printer::{Paper, PrinterError};
use firmware_config::Config;

use crate::provision::{Cameras, SerialProbe};
use kiosk_store::DbError;

use super::*;
use card_io::camera::image::RgbImage;
use card_io::camera::CameraError;
use card_io::printer::PrinterStatus;
use hw_sim::backend::{CARD_SLOT, PSAM_SLOT};
use hw_sim::{PsamOptions, PsamOs, SimReaders};

use crate::provision::PortError;

/// Serial ports answering as told.
struct FakeSerial {
    id_ok: bool,
    paper: Option<Paper>,
    qr_opens: bool,
}

impl SerialProbe for FakeSerial {
    fn id_module_status(
        &self,
        _port: &str,
        _baud: u32,
        timeout: Duration,
        attempts: u8,
    ) -> Result<(), ReaderError> {
        if self.id_ok {
            Ok(())
        } else {
            Err(ReaderError::Timeout {
                step: card_io::idcard::Step::ModuleStatus,
                waited: timeout,
                attempts,
            })
        }
    }

    fn printer_status(
        &self,
        _port: &str,
        _baud: u32,
        timeout: Duration,
    ) -> Result<PrinterStatus, PrinterError> {
        match self.paper {
            Some(paper) => Ok(PrinterStatus {
                online: paper != Paper::Out,
                paper,
            }),
            None => Err(PrinterError::NotAnswering {
                query: 1,
                timeout_ms: timeout.as_millis(),
            }),
        }
    }

    fn opens(&self, port: &str, _baud: u32) -> Result<(), PortError> {
        if self.qr_opens {
            Ok(())
        } else {
            Err(PortError {
                path: port.into(),
                source: Box::new(std::io::Error::from(std::io::ErrorKind::NotFound)),
            })
        }
    }
}

struct OkStore;
impl StoreProbe for OkStore {
    fn open(&self, _: &firmware_config::Storage, _: &Path) -> Result<(), DbError> {
        Ok(())
    }
}

struct Grey(u8);
impl Cameras for Grey {
    fn list(&self) -> Vec<String> {
        vec!["/dev/video0".into()]
    }
    fn grab(&self, _: &str, r: Resolution) -> Result<RgbImage, CameraError> {
        Ok(RgbImage::from_pixel(
            r.width,
            r.height,
            card_io::camera::image::Rgb([self.0; 3]),
        ))
    }
}

fn readers(psam_keys: Option<Vec<u8>>) -> SimReaders {
    let r = SimReaders::new();
    if let Some(key_ids) = psam_keys {
        let psam = PsamOs::new(PsamOptions {
            key_ids,
            ..PsamOptions::default()
        })
        .expect("psam");
        assert!(r.insert(PSAM_SLOT, Box::new(psam)));
    }
    r
}

fn config(dir: &Path, years: &[i32]) -> Config {
    let mut text = format!(
        "[devices]\ncard_reader = \"{CARD_SLOT}\"\npsam_reader = \"{PSAM_SLOT}\"\n[storage]\ndatabase = \"{}\"\narchive_dir = \"{}\"\n",
        dir.join("kiosk.db").display(),
        dir.join("archive").display()
    );
    for y in years {
        text.push_str(&format!(
            "[[calendar.days]]\ndate = {y}-10-01\nkind = \"holiday\"\n"
        ));
    }
    Config::parse(&text, "kiosk.toml").expect("config")
}

fn at(y: i32, m: u32, d: u32) -> SystemTime {
    let t = chrono::NaiveDate::from_ymd_opt(y, m, d)
        .and_then(|d| d.and_hms_opt(12, 0, 0))
        .expect("date")
        .and_utc()
        .timestamp();
    SystemTime::UNIX_EPOCH + Duration::from_secs(u64::try_from(t).expect("after 1970"))
}

fn result<'r>(results: &'r [CheckResult], id: &str) -> &'r CheckResult {
    results.iter().find(|r| r.id == id).expect("check ran")
}

#[test]
fn everything_present_passes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = config(dir.path(), &[2026, 2027]);
    let sim = readers(Some(vec![1, 2, 3, 4]));
    let serial = FakeSerial {
        id_ok: true,
        paper: Some(Paper::Ok),
        qr_opens: true,
    };
    let cx = Context {
        config: &cfg,
        config_path: None,
        readers: &sim,
        serial: &serial,
        cameras: Some(&Grey(128)),
        store: &OkStore,
        now: at(2026, 3, 1),
    };
    let results = run_all(&cx);
    assert_eq!(results.len(), CHECKS.len());
    for r in &results {
        assert_eq!(r.status, Status::Pass, "{r:?}");
    }
    assert!(result(&results, "psam")
        .detail
        .contains("terminal 652300000001"));
    let json = serde_json::to_value(&results).expect("json");
    assert_eq!(json[0]["status"], "pass");
    assert!(json[0].get("hint").is_none());
}

#[test]
fn each_problem_fails_with_its_hint() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cfg = config(dir.path(), &[2026]);
    let missing = dir.path().join("libwlt-vendor.so");
    cfg.devices.wlt_decoder = Some(missing.display().to_string());
    let sim = readers(Some(vec![1, 3, 4]));
    sim.unplug(CARD_SLOT);
    let serial = FakeSerial {
        id_ok: false,
        paper: Some(Paper::Out),
        qr_opens: false,
    };
    let cx = Context {
        config: &cfg,
        config_path: None,
        readers: &sim,
        serial: &serial,
        cameras: Some(&Grey(0)),
        store: &OkStore,
        now: at(2026, 12, 1),
    };
    let results = run_all(&cx);
    let failed = |id: &str, detail: &str, hint: &str| {
        let r = result(&results, id);
        assert_eq!(r.status, Status::Fail, "{r:?}");
        assert!(r.detail.contains(detail), "{r:?}");
        assert!(r.hint.as_deref().unwrap_or("").contains(hint), "{r:?}");
    };
    failed(
        "card_reader",
        "no reader matches",
        "USB cable of the card reader",
    );
    failed("psam", "lacks key(s) 02 (PIN unblock)", "keys 01–04");
    failed("id_module", "did not answer", "ID module's power");
    failed("printer", "paper out", "paper roll");
    failed("qr_scanner", "cannot open", "USB cable of the QR scanner");
    failed("calendar", "no entries for 2027", "2027 holidays");
    failed(
        "wlt_decoder",
        "libwlt-vendor.so",
        "install the vendor's licensed decoder",
    );
    let cam = result(&results, "camera");
    assert_eq!(cam.status, Status::Warn);
    assert!(cam.detail.contains("almost black"));
}

#[test]
fn psam_slot_empty_or_wrong_card() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = config(dir.path(), &[2026, 2027]);
    let sim = readers(None);
    let cx = |r: &SimReaders| {
        (CHECKS[1].run)(&Context {
            config: &cfg,
            config_path: None,
            readers: r,
            serial: &FakeSerial {
                id_ok: true,
                paper: Some(Paper::Ok),
                qr_opens: true,
            },
            cameras: None,
            store: &OkStore,
            now: at(2026, 3, 1),
        })
    };
    let o = cx(&sim);
    assert_eq!(o.status, Status::Fail);
    assert!(o
        .detail
        .contains("the PSAM slot \"HW-SIM PSAM Reader 01\" is empty"));
    assert!(o.hint.as_deref().unwrap_or("").contains("insert the PSAM"));
    let card = hw_sim::CardOs::from_file(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../hw-sim/cards/v3-sm4.toml"),
    )
    .expect("card");
    assert!(sim.insert(PSAM_SLOT, Box::new(card)));
    let o = cx(&sim);
    assert!(o.detail.contains("is not a PSAM"), "{o:?}");
}

#[test]
fn camera_skipped_without_a_backend_is_a_warning() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = config(dir.path(), &[2026, 2027]);
    let sim = readers(None);
    let serial = FakeSerial {
        id_ok: true,
        paper: Some(Paper::NearEnd),
        qr_opens: true,
    };
    let cx = Context {
        config: &cfg,
        config_path: None,
        readers: &sim,
        serial: &serial,
        cameras: None,
        store: &OkStore,
        now: at(2026, 3, 1),
    };
    let o = camera(&cx);
    assert_eq!(o.status, Status::Warn);
    assert_eq!(o.detail, "skipped: not built with camera-v4l");
    let p = printer(&cx);
    assert_eq!(p.status, Status::Warn);
    assert!(p.detail.contains("near its end"));
}

/// issue 22: a printer that answers but whose raster fonts are missing fails the check (Uyghur
/// receipts would not print); with Debian's fonts it passes and says so.
#[test]
fn missing_receipt_fonts_fail_the_printer_check() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cfg = config(dir.path(), &[2026, 2027]);
    let sim = readers(None);
    let serial = FakeSerial {
        id_ok: true,
        paper: Some(Paper::Ok),
        qr_opens: true,
    };
    let check = |cfg: &Config| {
        printer(&Context {
            config: cfg,
            config_path: None,
            readers: &sim,
            serial: &serial,
            cameras: None,
            store: &OkStore,
            now: at(2026, 3, 1),
        })
    };
    let p = check(&cfg);
    assert_eq!(p.status, Status::Pass, "{p:?}");
    assert!(p.detail.contains("NotoSansArabic-Regular.ttf"), "{p:?}");
    cfg.devices.receipt_fonts = vec!["/nonexistent/NotoSansArabic-Regular.ttf".into()];
    let p = check(&cfg);
    assert_eq!(p.status, Status::Fail, "{p:?}");
    assert!(p.detail.contains("Uyghur receipts cannot print"), "{p:?}");
    assert!(p.detail.contains("/nonexistent/"), "{p:?}");
    assert!(
        p.hint.as_deref().unwrap_or("").contains("fonts-noto-core"),
        "{p:?}"
    );
}

#[test]
fn clock_and_calendar_rules() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg_path = dir.path().join("kiosk.toml");
    fs::write(&cfg_path, "").expect("write");
    let cfg = config(dir.path(), &[2026]);
    let sim = readers(None);
    let serial = FakeSerial {
        id_ok: true,
        paper: Some(Paper::Ok),
        qr_opens: true,
    };
    let cx = |now| Context {
        config: &cfg,
        config_path: Some(&cfg_path),
        readers: &sim,
        serial: &serial,
        cameras: None,
        store: &OkStore,
        now,
    };
    // A clock in 2020 is insane; a clock behind the file just written is behind.
    let o = clock(&cx(at(2020, 5, 1)));
    assert_eq!(o.status, Status::Fail);
    assert!(o.detail.contains("2020-05-01"), "{o:?}");
    let written = fs::metadata(&cfg_path)
        .and_then(|m| m.modified())
        .expect("mtime");
    let o = clock(&cx(written - Duration::from_secs(3600)));
    assert_eq!(o.status, Status::Fail);
    assert!(
        o.detail.contains("is behind the modification time"),
        "{o:?}"
    );
    assert_eq!(clock(&cx(written)).status, Status::Pass);
    // Next year's calendar: a warning until November, then a failure.
    let o = calendar(&cx(at(2026, 3, 1)));
    assert_eq!(o.status, Status::Warn, "{o:?}");
    assert_eq!(calendar(&cx(at(2026, 11, 2))).status, Status::Fail);
    let o = calendar(&cx(at(2025, 6, 1)));
    assert_eq!(o.status, Status::Fail);
    assert!(o.detail.contains("no entries for 2025"));
}

#[test]
fn calendar_file_entries_count() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("calendar.toml");
    fs::write(
        &file,
        "[[days]]\ndate = 2027-01-01\nkind = \"holiday\"\nname = \"元旦\"\n",
    )
    .expect("write");
    let mut cfg = config(dir.path(), &[2026]);
    cfg.calendar.file = Some(file.display().to_string());
    let sim = readers(None);
    let serial = FakeSerial {
        id_ok: true,
        paper: Some(Paper::Ok),
        qr_opens: true,
    };
    let cx = Context {
        config: &cfg,
        config_path: None,
        readers: &sim,
        serial: &serial,
        cameras: None,
        store: &OkStore,
        now: at(2026, 12, 1),
    };
    let o = calendar(&cx);
    assert_eq!(o.status, Status::Pass, "{o:?}");
    fs::write(&file, "[[days]]\ndate = \"tomorrow\"\n").expect("write");
    let o = calendar(&cx);
    assert_eq!(o.status, Status::Fail);
    assert!(o.detail.contains("calendar.toml:2"), "{o:?}");
}

#[test]
fn database_directory_must_be_writable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cfg = config(dir.path(), &[2026, 2027]);
    let sim = readers(None);
    let serial = FakeSerial {
        id_ok: true,
        paper: Some(Paper::Ok),
        qr_opens: true,
    };
    let mk = |cfg: &Config| {
        database(&Context {
            config: cfg,
            config_path: None,
            readers: &sim,
            serial: &serial,
            cameras: None,
            store: &OkStore,
            now: at(2026, 3, 1),
        })
    };
    assert_eq!(mk(&cfg).status, Status::Pass);
    cfg.storage.database = dir
        .path()
        .join("missing-dir/kiosk.db")
        .display()
        .to_string();
    let o = mk(&cfg);
    assert_eq!(o.status, Status::Fail);
    assert!(o.detail.contains("cannot write in"), "{o:?}");
    assert!(o
        .hint
        .as_deref()
        .unwrap_or("")
        .contains("install -d -o kiosk"));
    let leftovers = fs::read_dir(dir.path())
        .expect("list")
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(".kiosk-selftest")
        })
        .count();
    assert_eq!(leftovers, 0);
}
