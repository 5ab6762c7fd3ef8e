//! `kiosk provision` against the simulated kiosk: readers in-process (hw-sim's backend) and
//! through pcscd + vpcd, the ID module, printer and QR scanner on real pseudo-terminals, a
//! camera serving frames from the fixture photographs.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use card_io::camera::image::RgbImage;
use card_io::camera::{CameraError, FrameSource, Resolution};
use card_io::transport::ReaderProvider;
use hw_sim::backend::{CARD_SLOT, PSAM_SLOT};
use hw_sim::camera::{Scene, SimCamera};
use hw_sim::idcard::{IdModule, Person, PtyHandle};
use hw_sim::printer::{PrinterSim, PrinterState};
use hw_sim::qr::QrSim;
use hw_sim::{PsamOptions, PsamOs, SimReaders, Transport};
use kiosk_service::provision::{self, Cameras, ProbeOptions, SystemSerial};
use tests::rig::{Rig, Vpcd, VPCD_CARD_READER, VPCD_PSAM_READER};

/// A camera device serving the "good" scene.
struct SimCameras;

impl Cameras for SimCameras {
    fn list(&self) -> Vec<String> {
        vec!["/dev/video-sim0".into()]
    }
    fn grab(&self, _device: &str, r: Resolution) -> Result<RgbImage, CameraError> {
        SimCamera::new(Scene::Good, r)?.frame()
    }
}

/// The serial peripherals on pseudo-terminals; dropping it closes them.
struct Serial {
    id: String,
    printer: String,
    qr: String,
    _id: PtyHandle,
    _printer: PrinterSim,
    _qr: QrSim,
}

fn serial() -> Serial {
    let person =
        Person::load(Path::new(env!("CARGO_MANIFEST_DIR")).join("../hw-sim/people/v3-sm4.toml"))
            .expect("person");
    let (id, id_handle) =
        hw_sim::idcard::spawn_pty(IdModule::new(&person).expect("module")).expect("id pty");
    let (printer, printer_sim) =
        hw_sim::printer::spawn_pty(PrinterState::default()).expect("printer pty");
    let (qr, qr_sim) = hw_sim::qr::spawn_pty(0, 1).expect("qr pty");
    Serial {
        id,
        printer,
        qr,
        _id: id_handle,
        _printer: printer_sim,
        _qr: qr_sim,
    }
}

fn psam() -> Box<PsamOs> {
    Box::new(PsamOs::new(PsamOptions::default()).expect("psam"))
}

fn kiosk_sim(card: bool, psam_in: bool) -> SimReaders {
    let r = SimReaders::new();
    if card {
        assert!(r.insert(
            CARD_SLOT,
            Box::new(tests::card("v3-sm4.toml", Transport::T1))
        ));
    }
    if psam_in {
        assert!(r.insert(PSAM_SLOT, psam()));
    }
    r
}

fn options(ports: &[&str]) -> ProbeOptions {
    ProbeOptions {
        port_globs: ports.iter().map(|p| p.to_string()).collect(),
        ..ProbeOptions::default()
    }
}

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("kiosk-provision-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&d);
    fs::create_dir_all(&d).expect("temp dir");
    d
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn kiosk(args: &[&str], env: &[(&str, &str)], stdin: Stdio, input: &str) -> Output {
    let mut child = Command::new(tests::workspace_bin("kiosk"))
        .args(args)
        .envs(env.iter().copied())
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start kiosk");
    if let Some(mut s) = child.stdin.take() {
        s.write_all(input.as_bytes()).expect("stdin");
    }
    child.wait_with_output().expect("kiosk output")
}

fn validate(path: &Path) {
    let out = kiosk(
        &["config", "validate", path.to_str().expect("utf8")],
        &[],
        Stdio::null(),
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

/// The new value of a changed `[devices]` field, as text.
fn field(p: &provision::Proposal, name: &str) -> Option<String> {
    let c = p.changes.iter().find(|c| c.field == name)?;
    Some(match c.new.as_str() {
        Some(s) => s.to_string(),
        None => c.new.to_string(),
    })
}

#[test]
fn proposes_exactly_the_simulated_devices_and_writes_a_valid_file() {
    let sim = kiosk_sim(true, true);
    let s = serial();
    let mut progress = Vec::new();
    let findings = provision::probe(
        &options(&[&s.id, &s.printer, &s.qr]),
        &sim,
        &SystemSerial,
        Some(&SimCameras),
        &mut progress,
    );
    let progress = text(&progress);
    assert!(
        progress.contains(&format!(
            "probing {} for the ID module (115200 baud, 11 FF)… GA 467 module ready (",
            s.id
        )),
        "{progress}"
    );
    assert!(
        progress.contains(&format!(
            "probing {} for the ID module (115200 baud, 11 FF)… no answer (3",
            s.printer
        )),
        "the printer stays silent to 11 FF for the probe's 300 ms: {progress}"
    );
    assert!(
        progress.contains(&format!(
            "probing {} for a printer (9600 baud, 10 04 01)… ESC/POS printer, online, paper ok",
            s.printer
        )),
        "{progress}"
    );
    assert!(progress.contains(&format!(
        "probing reader {CARD_SLOT:?}… social security card"
    )));
    assert!(progress.contains(&format!("probing reader {PSAM_SLOT:?}… PSAM")));

    let p = provision::propose(&Default::default(), &findings);
    let fields: Vec<&str> = p.changes.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "card_reader",
            "psam_reader",
            "id_module_port",
            "qr_port",
            "printer_port",
            "camera_device"
        ],
        // What each port answered, to tell a QR port that answered or failed to open from
        // one that was not probed (seen once in a cold CI run, not reproduced).
        "{:#?}\nQR port {}; probes:\n{progress}",
        p.changes,
        s.qr
    );
    assert_eq!(field(&p, "card_reader").as_deref(), Some(CARD_SLOT));
    assert_eq!(field(&p, "psam_reader").as_deref(), Some(PSAM_SLOT));
    assert_eq!(field(&p, "id_module_port"), Some(s.id.clone()));
    assert_eq!(field(&p, "printer_port"), Some(s.printer.clone()));
    assert_eq!(field(&p, "qr_port"), Some(s.qr.clone()));
    assert_eq!(
        field(&p, "camera_device").as_deref(),
        Some("/dev/video-sim0")
    );
    let qr_why = &p.changes[3].why;
    assert!(
        qr_why.contains("a guess") && qr_why.contains("scan a code to confirm"),
        "the QR port is a guess and says so: {qr_why}"
    );
    assert_eq!(p.card_reader.as_deref(), Some(CARD_SLOT));

    let dir = temp("inproc");
    let out = dir.join("kiosk.toml");
    let rendered = provision::render(None, &p, "kiosk.toml").expect("valid proposal");
    assert_eq!(
        provision::write_config(&out, &rendered).expect("write"),
        None
    );
    validate(&out);
    let written = fs::read_to_string(&out).expect("read");
    for line in [
        format!("card_reader = {CARD_SLOT:?}"),
        format!("psam_reader = {PSAM_SLOT:?}"),
        format!("id_module_port = {:?}", s.id),
        format!("printer_port = {:?}", s.printer),
        format!("qr_port = {:?}", s.qr),
        "printer_baud = 9600".to_string(),
    ] {
        assert!(written.contains(&line), "{line} in:\n{written}");
    }

    // Probing again from the written file proposes nothing new.
    let (loaded, _) = kiosk_service::selftest::load_config(Some(&out));
    let (config, _) = loaded.expect("the written file loads");
    let findings = provision::probe(
        &options(&[&s.id, &s.printer, &s.qr]),
        &sim,
        &SystemSerial,
        Some(&SimCameras),
        &mut std::io::sink(),
    );
    let again = provision::propose(&config, &findings);
    assert!(again.changes.is_empty(), "{:#?}", again.changes);
    let _ = fs::remove_dir_all(dir);
}

#[test]
fn the_citizens_reader_is_the_one_beside_the_psam() {
    let sim = kiosk_sim(false, true);
    let f = provision::probe(
        &options(&[]),
        &sim,
        &SystemSerial,
        None,
        &mut std::io::sink(),
    );
    let p = provision::propose(&Default::default(), &f);
    assert_eq!(p.card_reader.as_deref(), Some(CARD_SLOT));
    assert!(
        p.changes[0].why.contains("beside the PSAM's"),
        "{:?}",
        p.changes
    );
    assert!(
        p.notes
            .iter()
            .any(|n| n.contains("camera probing needs the camera-v4l build")),
        "{:?}",
        p.notes
    );
    assert!(
        p.notes.iter().any(|n| n.contains("no ID module answered")),
        "{:?}",
        p.notes
    );
}

#[test]
fn two_empty_readers_and_no_psam_leave_the_card_reader_unknown() {
    let sim = kiosk_sim(false, false);
    let f = provision::probe(
        &options(&[]),
        &sim,
        &SystemSerial,
        None,
        &mut std::io::sink(),
    );
    let p = provision::propose(&Default::default(), &f);
    assert_eq!(p.card_reader, None);
    assert!(
        p.notes
            .iter()
            .any(|n| n.contains("2 readers could be the citizen's card reader")),
        "{:?}",
        p.notes
    );
    assert!(provision::ProvisionError::NoCardReader(String::new())
        .to_string()
        .starts_with("no card reader found"));
}

#[test]
fn a_named_qr_port_is_opened_not_probed() {
    let sim = kiosk_sim(true, true);
    let s = serial();
    let mut progress = Vec::new();
    let f = provision::probe(
        &ProbeOptions {
            qr_port: Some(s.qr.clone()),
            ..options(&[&s.id, &s.printer, &s.qr])
        },
        &sim,
        &SystemSerial,
        None,
        &mut progress,
    );
    let progress = text(&progress);
    assert!(
        !progress.contains(&format!("probing {} for", s.qr)),
        "{progress}"
    );
    let p = provision::propose(&Default::default(), &f);
    assert_eq!(field(&p, "qr_port"), Some(s.qr.clone()));
    let why = &p
        .changes
        .iter()
        .find(|c| c.field == "qr_port")
        .expect("qr")
        .why;
    assert!(why.contains("named with --qr-port"), "{why}");
}

#[test]
fn without_pcsc_nothing_is_written_even_with_yes() {
    let s = serial();
    let dir = temp("no-reader");
    let out = dir.join("kiosk.toml");
    let o = kiosk(
        &[
            "provision",
            "--out",
            out.to_str().expect("utf8"),
            "--yes",
            "--ports",
            &s.id,
            &s.printer,
        ],
        // The PC/SC client finds no service behind this socket.
        &[("PCSCLITE_CSOCK_NAME", "/nonexistent/pcscd.comm")],
        Stdio::null(),
        "",
    );
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("no card reader found for the citizen's card"),
        "{err}"
    );
    assert!(
        err.contains(&format!("not writing {}", out.display())),
        "{err}"
    );
    assert!(!out.exists());
    // What was found is still shown.
    let shown = text(&o.stdout);
    assert!(
        shown.contains(&format!("+ id_module_port = {:?}", s.id)),
        "{shown}"
    );
    let _ = fs::remove_dir_all(dir);
}

fn provision_args<'a>(out: &'a str, s: &'a Serial) -> Vec<&'a str> {
    vec![
        "provision",
        "--out",
        out,
        "--ports",
        &s.id,
        &s.printer,
        "--qr-port",
        &s.qr,
    ]
}

#[test]
fn through_pcscd_it_asks_and_writes_only_when_confirmed() {
    let rig = Vpcd::lock(Transport::T1);
    rig.insert(tests::card("v3-uyghur.toml", Transport::T1));
    let s = serial();
    let dir = temp("vpcd");
    let out = dir.join("kiosk.toml");
    let out_s = out.to_str().expect("utf8").to_string();

    // Not a terminal, no --yes: the proposal is shown, nothing is written, whatever stdin says.
    let o = kiosk(&provision_args(&out_s, &s), &[], Stdio::piped(), "y\n");
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!(
            "not writing {out_s}: confirm on a terminal, or pass --yes"
        )),
        "{err}"
    );
    assert!(!out.exists());
    let shown = text(&o.stdout);
    assert!(
        shown.contains(&format!(
            "+ card_reader = {VPCD_CARD_READER:?}    # holds a social security card"
        )),
        "{shown}"
    );
    assert!(
        shown.contains(&format!("+ psam_reader = {VPCD_PSAM_READER:?}")),
        "{shown}"
    );

    // --yes: written, valid, with the devices found.
    let mut args = provision_args(&out_s, &s);
    args.push("--yes");
    let o = kiosk(&args, &[], Stdio::null(), "");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    validate(&out);
    let written = fs::read_to_string(&out).expect("written");
    for line in [
        format!("card_reader = {VPCD_CARD_READER:?}"),
        format!("psam_reader = {VPCD_PSAM_READER:?}"),
        format!("id_module_port = {:?}", s.id),
        format!("printer_port = {:?}", s.printer),
        format!("qr_port = {:?}", s.qr),
    ] {
        assert!(written.contains(&line), "{line} in:\n{written}");
    }

    // Again: nothing to change, nothing written, no backup.
    let o = kiosk(&args, &[], Stdio::null(), "");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("nothing to write"));
    assert!(!provision::backup_path(&out).exists());

    // --json: one object with the findings and the outcome.
    let mut json_args = args.clone();
    json_args.push("--json");
    let o = kiosk(&json_args, &[], Stdio::null(), "");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["unchanged"], true);
    assert_eq!(
        v["findings"]["readers"][0]["card"]["kind"],
        "social_security_card"
    );
    let _ = fs::remove_dir_all(dir);
}

#[test]
fn on_a_terminal_y_writes_and_anything_else_does_not() {
    let rig = Vpcd::lock(Transport::T1);
    rig.insert(tests::card("v3-uyghur.toml", Transport::T1));
    let s = serial();
    let dir = temp("tty");
    let out = dir.join("kiosk.toml");
    let out_s = out.to_str().expect("utf8").to_string();
    let example =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../kiosk.example.toml"))
            .expect("example")
            .replace("file = \"/etc/kiosk/calendar-2025.toml\"", "");
    fs::write(&out, &example).expect("existing file");

    // The answer comes on a pseudo-terminal: the QR simulator's, whose master side writes
    // what the technician types.
    for (answer, written) in [("n\n", false), ("\n", false), ("y\n", true)] {
        let (tty, typist) = hw_sim::qr::spawn_pty(0, 2).expect("pty");
        typist.send_raw(answer.as_bytes()).expect("type the answer");
        let stdin = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&tty)
            .expect("open the terminal");
        let o = kiosk(&provision_args(&out_s, &s), &[], Stdio::from(stdin), "");
        let err = text(&o.stderr);
        assert!(
            err.contains(&format!("write these changes to {out_s}? [y/N]")),
            "{answer:?}: {err}"
        );
        if written {
            assert_eq!(o.status.code(), Some(0), "{answer:?}: {err}");
            let bak = provision::backup_path(&out);
            assert_eq!(fs::read_to_string(&bak).expect("backup"), example);
            assert!(
                err.contains(&format!("the previous file is {}", bak.display())),
                "{err}"
            );
        } else {
            assert_eq!(o.status.code(), Some(1), "{answer:?}: {err}");
            assert!(err.contains("not written"), "{err}");
            assert_eq!(fs::read_to_string(&out).expect("unchanged"), example);
        }
    }
    validate(&out);
    let now = fs::read_to_string(&out).expect("written");
    // Only the device lines changed; the example's comments and other tables are kept.
    assert!(
        now.contains("# Resident ID card module (GA 467). Defaults \"/dev/ttyUSB0\", 115200.\n")
    );
    assert!(now.contains(&format!("id_module_port = {:?}\n", s.id)));
    assert!(now.contains("fonds = \"J023\""));
    let changed: Vec<(&str, &str)> = example
        .lines()
        .zip(now.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(changed.len(), 5, "{changed:#?}");
    assert!(changed.iter().all(|(a, _)| [
        "card_reader",
        "psam_reader",
        "id_module_port",
        "qr_port",
        "printer_port"
    ]
    .iter()
    .any(|k| a.starts_with(k))));
    let _ = fs::remove_dir_all(dir);
}

#[test]
fn the_real_pcsc_stack_gives_the_same_readers() {
    let rig = Vpcd::lock(Transport::T0);
    rig.insert(tests::card("v2-3des.toml", Transport::T0));
    let provider: &dyn ReaderProvider = rig.provider();
    let f = provision::probe(
        &options(&[]),
        provider,
        &SystemSerial,
        None,
        &mut std::io::sink(),
    );
    let p = provision::propose(&Default::default(), &f);
    assert_eq!(field(&p, "card_reader").as_deref(), Some(VPCD_CARD_READER));
    assert_eq!(field(&p, "psam_reader").as_deref(), Some(VPCD_PSAM_READER));
}
