//! The resident ID card module end to end through pseudo-terminals: card-io's reader
//! against hw-sim's module with each fault, person files against their card files, and the
//! `kiosk idcard` command against `hw-sim idcard` as child processes.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use card_io::idcard::{self, Failure, IdReader, ReaderConfig, ReaderError, SerialLine};
use hw_sim::idcard::{spawn_pty, Fault, FaultSpec, IdModule, Person, PtyHandle};
use serde_json::Value;
use tests::{all_card_files, card_file};

fn person_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../hw-sim/people")
        .join(name)
}

fn person(name: &str) -> Person {
    Person::load(person_path(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn all_person_files() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(person_path(""))
        .expect("hw-sim/people")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    v.sort();
    v
}

/// Short timeouts so the silent cases do not drag on; still far above a pty's latency.
fn config() -> ReaderConfig {
    ReaderConfig {
        module_timeout: Duration::from_millis(300),
        find_timeout: Duration::from_millis(300),
        select_timeout: Duration::from_millis(300),
        read_timeout: Duration::from_millis(600),
        ..ReaderConfig::default()
    }
}

fn module_on_pty(name: &str) -> (IdReader<SerialLine>, PtyHandle) {
    let module = IdModule::new(&person(name)).expect("module");
    let (path, handle) = spawn_pty(module).expect("pty");
    let reader = idcard::open_with(&path, config()).expect("open the pty");
    (reader, handle)
}

#[test]
fn person_files_match_their_card_files() {
    let people = all_person_files();
    for card in all_card_files() {
        assert!(
            people.contains(&card),
            "hw-sim/cards/{card} has no person file hw-sim/people/{card}"
        );
        let c = card_file(&card).ef06;
        let p = person(&card);
        assert_eq!(p.text.id_number, c.ssn, "{card}: ID number");
        assert_eq!(p.full_name, c.name, "{card}: name");
        assert!(p.text.name_matches(&c.name), "{card}: served name");
        assert_eq!(
            p.text.sex.as_str(),
            format!("{:?}", c.sex).to_lowercase(),
            "{card}"
        );
        assert_eq!(p.text.ethnicity_code, c.ethnicity, "{card}: ethnicity");
        assert_eq!(p.text.birth_date, c.birth_date, "{card}: birth date");
    }
    assert!(people
        .iter()
        .any(|p| person(p).text.valid_to == idcard::Validity::LongTerm));
}

#[test]
fn every_person_reads_through_a_pty() {
    for name in all_person_files() {
        let p = person(&name);
        let (mut reader, _handle) = module_on_pty(&name);
        let card = reader.read_card().unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(card.text, p.text, "{name}");
        assert_eq!(card.photo_wlt.as_bytes(), p.photo.as_slice(), "{name}");
        assert!(card.text.name_matches(&p.full_name), "{name}");
    }
}

#[test]
fn the_long_uyghur_name_comes_out_cut_to_15_characters() {
    let (mut reader, _handle) = module_on_pty("v3-uyghur.toml");
    let card = reader.read_card().expect("read");
    let full = card_file("v3-uyghur.toml").ef06.name;
    assert_eq!(full, "阿卜杜热依木·买买提明·吐尔逊托合提");
    assert_eq!(card.text.name, "阿卜杜热依木·买买提明·吐尔逊");
    assert_ne!(card.text.name, full);
    assert!(card.text.name_matches(&full));
    // The 15 characters are all the module gives: another name with the same start matches
    // too, which is why the kiosk pairs the name with the ID number, never the name alone.
    assert!(card.text.name_matches("阿卜杜热依木·买买提明·吐尔逊江"));
    assert!(!card.text.name_matches("阿卜杜热依木·买买提"));
}

#[test]
fn module_status_and_id() {
    let (mut reader, _handle) = module_on_pty("v2-3des.toml");
    reader.module_status().expect("status");
    let id = reader.module_id().expect("id");
    assert_eq!(id.0, hw_sim::idcard::MODULE_ID);
    assert_eq!(reader.read_card().expect("read").module_id, Some(id));
}

#[test]
fn each_fault_through_a_pty() {
    let (mut reader, handle) = module_on_pty("v3-sm4.toml");
    let expect_ok = |r: &mut IdReader<SerialLine>, what: &str| {
        let card = r.read_card().unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(card.text.name, "马丽", "{what}");
    };
    let expect_err = |r: &mut IdReader<SerialLine>, what: &str| -> ReaderError {
        match r.read_card() {
            Ok(_) => panic!("{what}: read succeeded"),
            Err(e) => e,
        }
    };

    expect_ok(&mut reader, "no fault");

    handle.set_fault(Fault::NoCard);
    let e = expect_err(&mut reader, "no-card");
    assert!(matches!(e, ReaderError::NoCard), "{e}");
    assert_eq!(e.failure(), Failure::Card);

    handle.set_fault(Fault::SelectFail);
    let e = expect_err(&mut reader, "select-fail");
    assert!(matches!(e, ReaderError::SelectFailed), "{e}");

    handle.set_fault(Fault::ReadFail);
    let e = expect_err(&mut reader, "read-fail");
    assert!(matches!(e, ReaderError::ReadFailed), "{e}");

    handle.set_fault(Fault::BadChecksum);
    let e = expect_err(&mut reader, "bad-checksum");
    assert!(
        matches!(e, ReaderError::Frame { attempts: 2, .. }) && e.to_string().contains("checksum"),
        "{e}"
    );
    assert_eq!(
        e.failure(),
        Failure::Device,
        "a garbled line is not the card's fault"
    );

    handle.set_fault(Fault::Silence);
    let started = Instant::now();
    let e = expect_err(&mut reader, "silence");
    assert!(matches!(e, ReaderError::Timeout { attempts: 2, .. }), "{e}");
    assert!(e.to_string().contains("find card (20 01)"), "{e}");
    assert_eq!(e.failure(), Failure::Device);
    assert!(
        started.elapsed() >= Duration::from_millis(600),
        "waited the timeouts"
    );

    handle.set_fault(Fault::Split);
    expect_ok(&mut reader, "split");
    handle.set_fault(Fault::Garbage);
    expect_ok(&mut reader, "garbage");
    handle.set_fault(Fault::Garbage);
    handle.add_fault(Fault::Split);
    expect_ok(&mut reader, "garbage and split");

    // One failure of a step is absorbed by the retry, as real modules need.
    for once in [
        "no-card:1",
        "select-fail:1",
        "read-fail:1",
        "bad-checksum:1",
        "silence:1",
    ] {
        handle.set_fault(once.parse::<FaultSpec>().expect("fault"));
        expect_ok(&mut reader, once);
        assert!(handle.faults().is_empty(), "{once} used up");
    }

    handle.clear_faults();
    expect_ok(&mut reader, "faults cleared");
}

#[test]
fn hosts_open_and_close_the_port_in_turn() {
    let module = IdModule::new(&person("expired.toml")).expect("module");
    let (path, _handle) = spawn_pty(module).expect("pty");
    for i in 0..3 {
        let mut r = idcard::open_with(&path, config()).unwrap_or_else(|e| panic!("open {i}: {e}"));
        assert_eq!(r.read_card().expect("read").text.name, "王建国");
    }
}

// ---- the binaries ----

fn bin(name: &str) -> PathBuf {
    tests::workspace_bin(name)
}

/// `hw-sim idcard` as a child process, killed on drop.
struct SimModule {
    child: Child,
    stdin: ChildStdin,
    lines: mpsc::Receiver<String>,
    port: String,
}

impl SimModule {
    fn start(person: &str, faults: &[&str]) -> SimModule {
        let mut cmd = Command::new(bin("hw-sim"));
        cmd.arg("idcard").arg("--person").arg(person_path(person));
        for f in faults {
            cmd.args(["--fault", f]);
        }
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start hw-sim idcard");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut sim = SimModule {
            child,
            stdin,
            lines,
            port: String::new(),
        };
        sim.port = sim.next_line();
        assert!(sim.port.starts_with("/dev/pts/"), "{}", sim.port);
        sim
    }

    fn next_line(&self) -> String {
        self.lines
            .recv_timeout(Duration::from_secs(10))
            .expect("a line from hw-sim idcard")
    }

    /// Sends a control line and waits for its acknowledgement.
    fn control(&mut self, line: &str) -> String {
        writeln!(self.stdin, "{line}").expect("write to hw-sim");
        self.stdin.flush().expect("flush");
        let ack = self.next_line();
        assert!(ack.starts_with("faults: "), "{ack}");
        ack
    }

    fn kiosk(&self, args: &[&str]) -> Output {
        Command::new(bin("kiosk"))
            .args(args)
            .args(["--port", &self.port])
            .output()
            .expect("run kiosk")
    }
}

impl Drop for SimModule {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn kiosk_idcard_read_json() {
    let sim = SimModule::start("v3-uyghur.toml", &[]);
    let out = sim.kiosk(&["idcard", "read", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: Value = serde_json::from_str(stdout(&out).trim()).expect("one JSON object");
    let fields: Vec<&String> = v.as_object().expect("object").keys().collect();
    let mut want = [
        "name",
        "sex",
        "ethnicity_code",
        "ethnicity",
        "birth_date",
        "address",
        "id_number",
        "authority",
        "valid_from",
        "valid_to",
        "photo_wlt_len",
        "photo",
    ];
    want.sort_unstable();
    assert_eq!(fields, want);
    // No --wlt-decoder: the photo's entry says why it has no pixels.
    assert!(
        v["photo"]["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{v}"
    );
    assert_eq!(v["name"], "阿卜杜热依木·买买提明·吐尔逊");
    assert_eq!(v["sex"], "male");
    assert_eq!(v["ethnicity_code"], 5);
    assert_eq!(v["ethnicity"], "维吾尔族");
    assert_eq!(v["birth_date"], "1980-05-06");
    assert_eq!(v["address"], "新疆昌吉市宁边西路56号3栋2单元501室");
    assert_eq!(v["id_number"], "65230119800506003X");
    assert_eq!(v["authority"], "昌吉市公安局");
    assert_eq!(v["valid_from"], "2019-11-20");
    assert_eq!(v["valid_to"], "2039-11-20");
    assert_eq!(v["photo_wlt_len"], 1024);
}

#[test]
fn kiosk_idcard_read_long_term_and_masked_text() {
    let sim = SimModule::start("long-term.toml", &["split", "garbage"]);
    let out = sim.kiosk(&["idcard", "read", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: Value = serde_json::from_str(stdout(&out).trim()).expect("JSON");
    assert_eq!(v["valid_to"], "长期");
    assert_eq!(v["sex"], "female");

    let out = sim.kiosk(&["idcard", "read"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("李**"), "{text}");
    assert!(text.contains("652301********0022"), "{text}");
    assert!(
        !text.contains("652301195510030022") && !text.contains("李淑珍"),
        "{text}"
    );
    assert!(text.contains("长期"), "{text}");
    assert!(text.contains("no licensed WLT decoder installed"), "{text}");
}

#[test]
fn kiosk_idcard_failures_and_exit_codes() {
    let mut sim = SimModule::start("v2-3des.toml", &["no-card"]);
    let out = sim.kiosk(&["idcard", "read"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "error: no ID card on the reader: place the card on the reader\n"
    );

    for (fault, code, says) in [
        ("select-fail", 1, "could not be selected"),
        ("read-fail", 1, "could not be read"),
        ("bad-checksum", 3, "checksum"),
        ("silence", 3, "did not answer find card (20 01)"),
    ] {
        assert_eq!(
            sim.control(&format!("fault {fault}")),
            format!("faults: {fault}")
        );
        let out = sim.kiosk(&["idcard", "read", "--json"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(code), "{fault}: {err}");
        assert!(
            err.starts_with("error: ") && err.contains(says),
            "{fault}: {err}"
        );
        assert_eq!(err.lines().count(), 1, "{fault}: {err}");
        assert!(out.stdout.is_empty(), "{fault}");
    }

    assert_eq!(sim.control("fault none"), "faults: none");
    let out = sim.kiosk(&["idcard", "read", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let out = sim.kiosk(&["idcard", "status"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("module:       ready"),
        "{}",
        stdout(&out)
    );
    let out = sim.kiosk(&["idcard", "status", "--json"]);
    let v: Value = serde_json::from_str(stdout(&out).trim()).expect("JSON");
    assert_eq!(v["ready"], true);
    assert_eq!(v["module_id"], hex::encode_upper(hw_sim::idcard::MODULE_ID));
}

#[test]
fn kiosk_idcard_cannot_open_the_port() {
    let out = Command::new(bin("kiosk"))
        .args(["idcard", "read", "--port", "/dev/no-such-idcard-module"])
        .output()
        .expect("run kiosk");
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    assert!(
        err.starts_with("error: cannot open the ID card module's port /dev/no-such-idcard-module"),
        "{err}"
    );
}

#[test]
fn hw_sim_idcard_refuses_a_bad_person_file() {
    let dir = std::env::temp_dir().join(format!("idcard-pty-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let bad = dir.join("bad.toml");
    let text = std::fs::read_to_string(person_path("v2-3des.toml"))
        .expect("person file")
        .replace("652301197508210015", "652301197508210016");
    std::fs::write(&bad, text).expect("write");
    let out = Command::new(bin("hw-sim"))
        .args(["idcard", "--person"])
        .arg(&bad)
        .output()
        .expect("run hw-sim");
    std::fs::remove_dir_all(&dir).expect("clean up");
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("bad.toml") && err.contains("`id_number`"),
        "{err}"
    );
    let out = Command::new(bin("hw-sim"))
        .args(["idcard", "--person"])
        .arg(person_path("v2-3des.toml"))
        .args(["--fault", "melt"])
        .output()
        .expect("run hw-sim");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unknown fault"), "{}", stderr(&out));
}
