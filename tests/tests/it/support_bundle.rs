//! `kiosk support-bundle` on the demo kiosk (issue 20, item 6): the bundle holds the
//! configuration without its secrets, the versions, the self-test's report, the last log
//! lines masked, the device lists, disks and clock — and none of the demo people's names, ID
//! numbers, phone numbers, card numbers, chip serials or addresses, after a business ran and
//! logged at `info`.

use std::fs;
use std::path::Path;
use std::process::Command;

use serde_json::{json, Value};
use tests::served::Served;

const ZHANG: &str = "v2-3des.toml";

/// Every value of the demo registry that names or identifies a person.
fn personal_values() -> Vec<String> {
    let text = fs::read_to_string(tests::kiosk::root().join("data/demo/registry.jsonl"))
        .expect("the demo registry");
    let mut out = Vec::new();
    for line in text.lines().filter(|l| l.starts_with('{')) {
        let v: Value = serde_json::from_str(line).expect("a JSON line");
        for key in [
            "name",
            "id_number",
            "phone",
            "card_number",
            "chip_serial",
            "address",
        ] {
            if let Some(s) = v[key].as_str().filter(|s| !s.is_empty()) {
                out.push(s.to_string());
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

fn files(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).expect("unpacked").flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            let text = String::from_utf8_lossy(&fs::read(&p).expect("file")).into_owned();
            out.push((
                p.file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned(),
                text,
            ));
        }
    }
    out
}

#[test]
fn the_support_bundle_of_the_demo_kiosk_holds_no_personal_data_and_no_secret() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("kiosk.db");
    let (stdout, stderr) = (dir.path().join("stdout"), dir.path().join("stderr"));
    {
        let k = Served::start_logged(
            &["--sim", "--db", &db.to_string_lossy()],
            &[("RUST_LOG", "info")],
            &stdout,
            &stderr,
        );
        k.report_loss(ZHANG);
        k.api("POST", "/api/session/event", json!({ "action": "print" }));
    }
    // A line as a careless log statement would write it: masked in the bundle.
    let mut log = fs::read_to_string(&stderr).expect("the kiosk's log");
    assert!(log.lines().count() > 3, "the kiosk logged at info: {log}");
    log.push_str("INFO kiosk: looked up 652301197508210015 (13912345678), card A00000001\n");
    fs::write(&stderr, &log).expect("log");

    let key = kiosk_store::sqlite::key::beside(&db);
    let config = dir.path().join("kiosk.toml");
    let signing_key = dir.path().join("ecard.key");
    fs::write(
        &config,
        format!(
            "[kiosk]\nid = \"KIOSK-DEMO-1\"\n\n[devices]\nprinter_port = \"\"\nprinter_tcp = \"192.0.2.40:9100\"\n\n[keys]\necard_signing_key = \"{}\"\n\n[storage]\ndatabase = \"{}\"\nkey_file = \"{}\"\narchive_dir = \"{}\"\n",
            signing_key.display(),
            db.display(),
            key.display(),
            dir.path().join("archive").display()
        ),
    )
    .expect("config");
    let bundle = dir.path().join("support.tar.gz");
    let out = Command::new(tests::workspace_bin("kiosk"))
        .args(["support-bundle", "-o"])
        .arg(&bundle)
        .arg("--config")
        .arg(&config)
        .arg("--log")
        .arg(&stderr)
        .args(["--lines", "2000"])
        .output()
        .expect("kiosk support-bundle");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::metadata(&bundle).expect("bundle").permissions().mode();
    assert_eq!(mode & 0o077, 0, "readable by its owner only: {mode:o}");
    let unpacked = dir.path().join("unpacked");
    fs::create_dir_all(&unpacked).expect("dir");
    let tar = Command::new("tar")
        .arg("xzf")
        .arg(&bundle)
        .arg("-C")
        .arg(&unpacked)
        .status()
        .expect("tar");
    assert!(tar.success());
    let files = files(&unpacked);
    let get = |name: &str| {
        files
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t.clone())
            .unwrap_or_else(|| {
                panic!(
                    "{name} in the bundle: {:?}",
                    files.iter().map(|f| &f.0).collect::<Vec<_>>()
                )
            })
    };
    let config_text = get("config.toml");
    assert!(
        config_text.contains("KIOSK-DEMO-1") && config_text.contains("192.0.2.40:9100"),
        "{config_text}"
    );
    assert!(
        !config_text.contains(&key.display().to_string()) && !config_text.contains("ecard.key"),
        "key paths removed: {config_text}"
    );
    assert!(get("versions.txt").contains("kiosk "));
    let selftest: Value =
        serde_json::from_str(&get("selftest.json")).expect("the self-test as JSON");
    assert!(
        selftest["results"].as_array().is_some_and(|r| r.len() > 3),
        "{selftest}"
    );
    let log_text = get("log.txt");
    assert!(
        log_text.contains("652301********0015"),
        "masked, kept: {log_text}"
    );
    assert!(log_text.contains("139****5678"), "{log_text}");
    let devices = get("devices.txt");
    for section in [
        "PC/SC readers",
        "serial ports",
        "input devices",
        "cameras",
        "printers",
    ] {
        assert!(devices.contains(&format!("## {section}")), "{devices}");
    }
    assert!(
        devices.contains("configured: tcp://192.0.2.40:9100"),
        "{devices}"
    );
    let system = get("system.txt");
    assert!(
        system.contains("MiB free") && system.contains("utc "),
        "{system}"
    );

    let personal = personal_values();
    assert!(personal.len() > 20, "the demo people: {personal:?}");
    for (name, text) in &files {
        for value in &personal {
            assert!(
                !text.contains(value.as_str()),
                "{name} holds the demo registry's {value:?}"
            );
        }
    }
}
