//! `kiosk selftest` against the simulated kiosk: every check passing on a full kiosk, and each
//! missing device (no PSAM, the ID module's port closed, the printer out of paper) named in
//! its failure with what to do, in-process and through the `kiosk` binary with pcscd + vpcd.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, MutexGuard};
use std::time::SystemTime;

use card_io::camera::image::RgbImage;
use card_io::camera::{CameraError, FrameSource, Resolution};
use card_io::printer::Paper;
use hw_sim::backend::{CARD_SLOT, PSAM_SLOT};
use hw_sim::camera::{Scene, SimCamera};
use hw_sim::idcard::{IdModule, Person, PtyHandle};
use hw_sim::printer::{PrinterSim, PrinterState};
use hw_sim::qr::QrSim;
use hw_sim::{PsamOptions, PsamOs, SimReaders, Transport};
use kiosk_service::provision::{Cameras, SystemSerial};
use kiosk_service::selftest::{self, CheckResult, Context, SqliteProbe, Status};
use kiosk_store::sqlite::{DbKey, SqliteStore};
use serde_json::Value;
use tests::rig::{Rig, Vpcd, VPCD_CARD_READER, VPCD_PSAM_READER};

struct SimCameras;

impl Cameras for SimCameras {
    fn list(&self) -> Vec<String> {
        vec!["/dev/video-sim0".into()]
    }
    fn grab(&self, _device: &str, r: Resolution) -> Result<RgbImage, CameraError> {
        SimCamera::new(Scene::Good, r)?.frame()
    }
}

/// The serial peripherals on pseudo-terminals.
struct Serial {
    id: String,
    printer: String,
    qr: String,
    id_handle: Option<PtyHandle>,
    printer_sim: PrinterSim,
    _qr: QrSim,
}

fn serial() -> Serial {
    let person =
        Person::load(Path::new(env!("CARGO_MANIFEST_DIR")).join("../hw-sim/people/v3-uyghur.toml"))
            .expect("person");
    let (id, id_handle) =
        hw_sim::idcard::spawn_pty(IdModule::new(&person).expect("module")).expect("id pty");
    let (printer, printer_sim) =
        hw_sim::printer::spawn_pty(PrinterState::default()).expect("printer pty");
    let (qr, qr_sim) = hw_sim::qr::spawn_pty(0, 3).expect("qr pty");
    Serial {
        id,
        printer,
        qr,
        id_handle: Some(id_handle),
        printer_sim,
        _qr: qr_sim,
    }
}

impl Serial {
    /// The ID module's simulator stops: its pseudo-terminal is gone, as when the module's
    /// USB cable is pulled.
    fn close_id_module(&mut self) {
        if let Some(h) = self.id_handle.take() {
            h.stop();
        }
    }
}

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("kiosk-selftest-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&d);
    fs::create_dir_all(d.join("db")).expect("temp dir");
    d
}

/// A kiosk.toml for the simulated devices, with the calendar covering this year (inline) and
/// next year (in a calendar file).
fn write_config(dir: &Path, card_reader: &str, psam_reader: &str, s: &Serial) -> PathBuf {
    let year = card_io::date::Date::today().year;
    let calendar = dir.join("calendar.toml");
    fs::write(
        &calendar,
        format!(
            "[[days]]\ndate = {}-01-01\nkind = \"holiday\"\nname = \"元旦\"\n",
            year + 1
        ),
    )
    .expect("calendar");
    let config = dir.join("kiosk.toml");
    fs::write(
        &config,
        format!(
            r#"[devices]
card_reader = {card_reader:?}
psam_reader = {psam_reader:?}
id_module_port = {id:?}
qr_port = {qr:?}
printer_port = {printer:?}
camera_device = "/dev/video-sim0"

[storage]
database = "{db}"
archive_dir = "{archive}"
key_file = "{key}"

[calendar]
file = "{calendar}"

[[calendar.days]]
date = {year}-10-01
kind = "holiday"
name = "国庆节"
"#,
            id = s.id,
            qr = s.qr,
            printer = s.printer,
            db = dir.join("db/kiosk.db").display(),
            key = db_key(dir).display(),
            archive = dir.join("archive").display(),
            calendar = calendar.display(),
        ),
    )
    .expect("kiosk.toml");
    config
}

/// Whether the SQLite store opens a database at all in this build (until the store is
/// merged it is a placeholder that refuses every path).
fn store_works(dir: &Path) -> bool {
    SqliteStore::open(&dir.join("probe.db"), &DbKey::generate()).is_ok()
}

/// The database key file of the kiosk under test (made once per directory).
fn db_key(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("db.key");
    if !path.exists() {
        DbKey::generate().write_new(&path).expect("database key");
    }
    path
}

fn sim_readers(psam: Option<Vec<u8>>) -> SimReaders {
    let r = SimReaders::new();
    assert!(r.insert(
        CARD_SLOT,
        Box::new(tests::card("v3-uyghur.toml", Transport::T1))
    ));
    if let Some(key_ids) = psam {
        let options = PsamOptions {
            key_ids,
            ..PsamOptions::default()
        };
        assert!(r.insert(PSAM_SLOT, Box::new(PsamOs::new(options).expect("psam"))));
    }
    r
}

fn run_in_process(config_path: &Path, readers: &SimReaders) -> Vec<CheckResult> {
    let (loaded, config_result) = selftest::load_config(Some(config_path));
    assert_eq!(config_result.status, Status::Pass, "{config_result:?}");
    let (config, path) = loaded.expect("config");
    let cx = Context {
        config: &config,
        config_path: path.as_deref(),
        readers,
        serial: &SystemSerial,
        cameras: Some(&SimCameras),
        store: &SqliteProbe,
        now: SystemTime::now(),
    };
    selftest::run_all(&cx)
}

/// Asserts every check passes except those in `failing` (and the database, which passes
/// exactly when the store works), and returns the failing results by id.
fn expect_only<'r>(
    results: &'r [CheckResult],
    failing: &[&str],
    store_ok: bool,
) -> Vec<&'r CheckResult> {
    for r in results {
        let want = if failing.contains(&r.id) || (r.id == "database" && !store_ok) {
            Status::Fail
        } else {
            Status::Pass
        };
        assert_eq!(r.status, want, "{r:#?}");
        if want == Status::Fail {
            assert!(r.hint.is_some(), "a failure without a hint: {r:?}");
        }
    }
    results.iter().filter(|r| failing.contains(&r.id)).collect()
}

/// The failure of the ID module check once its pseudo-terminal is closed. The port cannot
/// be opened, unless another process's new pseudo-terminal took its number meanwhile (then
/// nothing answers there): either way the failure names the port and the ID module.
fn assert_id_module_gone(detail: &str, hint: &str, port: &str) {
    if detail.contains("cannot open") {
        assert!(
            detail.contains(&format!("cannot open the ID card module's port {port}")),
            "{detail}"
        );
        assert_eq!(
            hint,
            format!(
                "check the USB cable of the ID module on {port} (`kiosk provision` finds its port)"
            )
        );
    } else {
        assert!(detail.contains(&format!("ID module on {port}")), "{detail}");
        assert!(hint.contains(&format!("the USB cable on {port}")), "{hint}");
    }
}

/// Pseudo-terminal numbers are reused at once: tests that close one run alone.
static PTYS: Mutex<()> = Mutex::new(());

fn ptys() -> MutexGuard<'static, ()> {
    PTYS.lock().unwrap_or_else(|p| p.into_inner())
}

fn result<'r>(results: &'r [CheckResult], id: &str) -> &'r CheckResult {
    results
        .iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("no {id} in {results:#?}"))
}

#[test]
fn a_full_simulated_kiosk_passes_every_check() {
    let _ptys = ptys();
    let dir = temp("full");
    let s = serial();
    let config = write_config(&dir, CARD_SLOT, PSAM_SLOT, &s);
    let readers = sim_readers(Some(vec![1, 2, 3, 4]));
    let results = run_in_process(&config, &readers);
    let ids: Vec<&str> = results.iter().map(|r| r.id).collect();
    assert_eq!(
        ids,
        [
            "card_reader",
            "psam",
            "id_module",
            "wlt_decoder",
            "printer",
            "qr_scanner",
            "camera",
            "database",
            "clock",
            "calendar"
        ]
    );
    let store_ok = store_works(&dir);
    expect_only(&results, &[], store_ok);
    assert!(result(&results, "psam")
        .detail
        .contains("keys 01–04 present"));
    assert!(result(&results, "id_module").detail.contains(&s.id));
    assert!(result(&results, "camera").detail.contains("frame 1280×720"));
    let db = result(&results, "database");
    // The directory is checked by creating and removing a file either way.
    if !store_ok {
        assert!(
            db.detail.contains(&format!(
                "{} is writable, but the database",
                dir.join("db").display()
            )),
            "{db:?}"
        );
    }
    let leftovers = fs::read_dir(dir.join("db"))
        .expect("db dir")
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(".kiosk-selftest")
        })
        .count();
    assert_eq!(leftovers, 0);
    let _ = fs::remove_dir_all(dir);
}

#[test]
fn each_missing_device_is_named_with_what_to_do() {
    let _ptys = ptys();
    let dir = temp("missing");
    let store_ok = store_works(&dir);

    // No PSAM in its slot.
    let s = serial();
    let config = write_config(&dir, CARD_SLOT, PSAM_SLOT, &s);
    let results = run_in_process(&config, &sim_readers(None));
    let [psam] = expect_only(&results, &["psam"], store_ok)[..] else {
        panic!("one failure")
    };
    assert_eq!(
        psam.detail,
        format!("no PSAM: the PSAM slot {PSAM_SLOT:?} is empty")
    );
    assert_eq!(
        psam.hint.as_deref(),
        Some(format!("insert the PSAM in the PSAM slot ({PSAM_SLOT:?}), contacts first").as_str())
    );

    // A PSAM without the PIN unblock key.
    let results = run_in_process(&config, &sim_readers(Some(vec![1, 3, 4])));
    let [psam] = expect_only(&results, &["psam"], store_ok)[..] else {
        panic!("one failure")
    };
    assert!(
        psam.detail
            .contains("lacks key(s) 02 (PIN unblock) (6A 88)"),
        "{psam:?}"
    );

    // The ID module's port closed.
    let mut s = s;
    s.close_id_module();
    let results = run_in_process(&config, &sim_readers(Some(vec![1, 2, 3, 4])));
    let [id] = expect_only(&results, &["id_module"], store_ok)[..] else {
        panic!("one failure")
    };
    assert_id_module_gone(&id.detail, id.hint.as_deref().unwrap_or(""), &s.id);

    // The printer out of paper (and the ID module back).
    let s = serial();
    let config = write_config(&dir, CARD_SLOT, PSAM_SLOT, &s);
    s.printer_sim.control().set_paper(Paper::Out);
    let results = run_in_process(&config, &sim_readers(Some(vec![1, 2, 3, 4])));
    let [printer] = expect_only(&results, &["printer"], store_ok)[..] else {
        panic!("one failure")
    };
    assert_eq!(
        printer.detail,
        format!("printer on {}: paper out", s.printer)
    );
    assert_eq!(
        printer.hint.as_deref(),
        Some("load a new paper roll in the receipt printer")
    );
    let _ = fs::remove_dir_all(dir);
}

fn kiosk_selftest(config: &Path, json: bool) -> Output {
    let mut cmd = Command::new(tests::workspace_bin("kiosk"));
    cmd.args(["selftest", "--config", config.to_str().expect("utf8")]);
    if json {
        cmd.arg("--json");
    }
    cmd.output().expect("kiosk selftest")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(&o.stdout)))
}

fn status_of<'v>(v: &'v Value, id: &str) -> &'v Value {
    v["results"]
        .as_array()
        .and_then(|a| a.iter().find(|r| r["id"] == id))
        .unwrap_or_else(|| panic!("no {id} in {v}"))
}

#[test]
fn the_kiosk_binary_through_pcscd() {
    let _ptys = ptys();
    let rig = Vpcd::lock(Transport::T1);
    rig.insert(tests::card("v3-uyghur.toml", Transport::T1));
    let dir = temp("binary");
    let store_ok = store_works(&dir);
    let mut s = serial();
    let config = write_config(&dir, VPCD_CARD_READER, VPCD_PSAM_READER, &s);

    // Everything present. The binary has no camera backend: a warning, not a failure.
    let o = kiosk_selftest(&config, true);
    let v = json(&o);
    assert_eq!(o.status.code(), Some(if store_ok { 0 } else { 1 }), "{v:#}");
    for id in [
        "configuration",
        "card_reader",
        "psam",
        "id_module",
        "printer",
        "qr_scanner",
        "clock",
        "calendar",
    ] {
        assert_eq!(status_of(&v, id)["status"], "pass", "{id}: {v:#}");
    }
    let camera = status_of(&v, "camera");
    assert_eq!(camera["status"], "warn");
    assert_eq!(camera["detail"], "skipped: not built with camera-v4l");
    assert_eq!(
        status_of(&v, "database")["status"],
        if store_ok { "pass" } else { "fail" }
    );
    assert_eq!(v["ok"], store_ok);

    // The printer runs out of paper.
    s.printer_sim.control().set_paper(Paper::Out);
    let o = kiosk_selftest(&config, false);
    assert_eq!(o.status.code(), Some(1));
    let out = text(&o.stdout);
    let printer_line = out
        .lines()
        .find(|l| l.starts_with("FAIL  printer "))
        .unwrap_or_else(|| panic!("no failed printer line in {out}"));
    assert!(
        printer_line.ends_with(&format!(" printer on {}: paper out", s.printer)),
        "{out}"
    );
    assert!(
        out.contains("→ load a new paper roll in the receipt printer\n"),
        "{out}"
    );
    assert!(out.contains("PASS  PSAM "), "{out}");
    s.printer_sim.control().set_paper(Paper::Ok);

    // The ID module's cable is pulled.
    s.close_id_module();
    let o = kiosk_selftest(&config, true);
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    let id = status_of(&v, "id_module");
    assert_eq!(id["status"], "fail", "{v:#}");
    assert_id_module_gone(
        id["detail"].as_str().unwrap_or(""),
        id["hint"].as_str().unwrap_or(""),
        &s.id,
    );
    assert_eq!(status_of(&v, "printer")["status"], "pass", "{v:#}");

    // A PSAM reader pattern naming no reader.
    let other = fs::read_to_string(&config)
        .expect("config")
        .replace(VPCD_PSAM_READER, "No Such Reader");
    let other_path = dir.join("other.toml");
    fs::write(&other_path, other).expect("write");
    let v = json(&kiosk_selftest(&other_path, true));
    let psam = status_of(&v, "psam");
    assert_eq!(psam["status"], "fail");
    assert!(
        psam["detail"]
            .as_str()
            .unwrap_or("")
            .starts_with("no reader matches psam_reader \"No Such Reader\""),
        "{psam}"
    );
    let _ = fs::remove_dir_all(dir);
}

#[test]
fn an_unreadable_configuration_fails_first() {
    let dir = temp("noconfig");
    let o = kiosk_selftest(&dir.join("missing.toml"), false);
    assert_eq!(o.status.code(), Some(1));
    let out = text(&o.stdout);
    assert!(out.starts_with("FAIL  configuration  cannot read"), "{out}");
    assert!(
        out.contains("→ name the configuration with --config FILE"),
        "{out}"
    );
    assert!(
        out.ends_with("selftest: 0 passed, 0 warning(s), 1 failed\n"),
        "{out}"
    );
    let _ = fs::remove_dir_all(dir);
}

#[test]
fn a_still_picture_camera_is_checked_without_a_camera_backend() {
    let dir = temp("still-camera");
    let picture = dir.join("citizen.png");
    SimCamera::new(Scene::Good, Resolution::HD)
        .and_then(|mut c| c.frame())
        .expect("a composed frame")
        .save(&picture)
        .expect("picture written");
    let mut config = firmware_config::Config::default();
    config.devices.camera_device = format!("file:{}", picture.display());
    let readers = SimReaders::new();
    let check = |config: &firmware_config::Config| {
        let cx = Context {
            config,
            config_path: None,
            readers: &readers,
            serial: &SystemSerial,
            cameras: None,
            store: &SqliteProbe,
            now: SystemTime::now(),
        };
        result(&selftest::run_all(&cx), "camera").clone()
    };
    let camera = check(&config);
    assert_eq!(camera.status, Status::Pass, "{camera:?}");
    assert!(camera.detail.contains("frame 1280×720"), "{camera:?}");
    fs::remove_file(&picture).expect("picture removed");
    let camera = check(&config);
    assert_eq!(camera.status, Status::Fail, "{camera:?}");
    assert!(camera.detail.contains("citizen.png"), "{camera:?}");
    config.devices.camera_device = String::new();
    let camera = check(&config);
    assert_eq!(camera.status, Status::Warn, "{camera:?}");
    assert!(camera.detail.contains("no camera configured"), "{camera:?}");
    let _ = fs::remove_dir_all(&dir);
}
