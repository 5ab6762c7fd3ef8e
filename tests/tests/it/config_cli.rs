//! `kiosk config …` end to end: validate, show, schema, keygen, sign, install, rollback.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn kiosk() -> PathBuf {
    tests::workspace_bin("kiosk")
}

fn run(args: &[&str]) -> Output {
    Command::new(kiosk())
        .arg("config")
        .args(args)
        .output()
        .expect("kiosk runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../kiosk.example.toml")
}

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("kiosk-config-cli-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&d);
    fs::create_dir_all(&d).expect("temp dir");
    d
}

#[test]
fn validate_exit_codes_and_all_errors() {
    let ok = run(&["validate", example().to_str().expect("utf8")]);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stderr));
    let dir = temp("validate");
    let bad = dir.join("kiosk.toml");
    fs::write(&bad, "[devices]\nqr_port = \"/dev/ttyS0\"\nprinter_port = \"/dev/ttyS0\"\n[business]\nreplacement_fee_fen = -1\n").expect("write");
    let out = run(&["validate", bad.to_str().expect("utf8")]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("kiosk.toml:3:1: [devices] printer_port \"/dev/ttyS0\" is also the QR scanner port (line 2); give each device its own port"), "{err}");
    assert!(
        err.contains("kiosk.toml:5:1: [business] replacement_fee_fen -1 is below zero"),
        "{err}"
    );
    let out = run(&["validate", dir.join("missing.toml").to_str().expect("utf8")]);
    assert_eq!(out.status.code(), Some(3));
    let _ = fs::remove_dir_all(dir);
}

#[test]
fn show_round_trips_the_example() {
    let out = run(&["show", "--config", example().to_str().expect("utf8")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let dir = temp("show");
    let shown = dir.join("shown.toml");
    fs::write(&shown, &out.stdout).expect("write");
    let again = run(&["show", "--config", shown.to_str().expect("utf8")]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stderr));
    assert_eq!(text(&again.stdout), text(&out.stdout));
    assert!(text(&out.stdout).contains("region = \"652300\""));
    let defaults = run(&[
        "show",
        "--config",
        dir.join("none.toml").to_str().expect("utf8"),
    ]);
    assert_eq!(defaults.status.code(), Some(3));
    let _ = fs::remove_dir_all(dir);
}

#[test]
fn schema_is_json() {
    let out = run(&["schema"]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(v["properties"]["devices"].is_object());
}

#[test]
fn keygen_sign_install_rollback() {
    let dir = temp("bundle");
    let etc = dir.join("etc");
    fs::create_dir_all(&etc).expect("etc");
    let key = dir.join("agency.key");
    let out = run(&["keygen", "-o", key.to_str().expect("utf8")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let public = text(&out.stdout).trim().to_owned();
    assert_eq!(public.len(), 64);
    let base = fs::read_to_string(example()).expect("example").replace(
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        &public,
    );
    let s = |p: &Path| p.to_str().expect("utf8").to_owned();
    for v in [3u64, 4] {
        let cfg = dir.join(format!("v{v}.toml"));
        fs::write(
            &cfg,
            base.replace("config_version = 3", &format!("config_version = {v}")),
        )
        .expect("cfg");
        let out = run(&[
            "sign",
            "--key",
            &s(&key),
            &s(&cfg),
            "-o",
            &s(&dir.join(format!("v{v}.bundle"))),
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    }
    let etc_s = s(&etc);
    let pubfile = s(&dir.join("agency.key.pub"));
    let out = run(&["install", &s(&dir.join("v3.bundle")), "--dir", &etc_s]);
    assert_eq!(out.status.code(), Some(1), "no trust yet");
    assert!(text(&out.stderr).contains("--trust"));
    let out = run(&[
        "install",
        &s(&dir.join("v3.bundle")),
        "--dir",
        &etc_s,
        "--trust",
        &pubfile,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = run(&["install", &s(&dir.join("v4.bundle")), "--dir", &etc_s]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = run(&["install", &s(&dir.join("v3.bundle")), "--dir", &etc_s]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("not newer than the installed version 4"),
        "{}",
        text(&out.stderr)
    );
    let out = run(&["rollback", "--dir", &etc_s]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(fs::read_to_string(etc.join("kiosk.toml"))
        .expect("cfg")
        .contains("config_version = 3"));
    let out = run(&["rollback", "--dir", &etc_s]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("nothing to roll back to"));
    let _ = fs::remove_dir_all(dir);
}

/// `kiosk config staff` with `input` on standard input.
fn staff(args: &[&str], input: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(kiosk())
        .args(["config", "staff"])
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("kiosk config staff");
    // Refused before the password is read: the pipe may be closed already.
    let _ = child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes());
    child.wait_with_output().expect("output")
}

#[test]
fn staff_makes_an_account_entry_whose_hash_checks_the_password() {
    use argon2::{PasswordHash, PasswordVerifier};
    let out = staff(
        &[
            "desk.1",
            "--role",
            "front_desk",
            "--role",
            "archive",
            "--role",
            "front_desk",
        ],
        "a long enough password\n",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let entry = text(&out.stdout);
    assert!(!entry.contains("a long enough password"), "{entry}");
    assert!(entry.contains("user = \"desk.1\""), "{entry}");
    assert!(
        entry.contains("roles = [\"front_desk\", \"archive\"]"),
        "{entry}"
    );
    let file = temp("staff").join("kiosk.toml");
    std::fs::write(&file, &entry).unwrap();
    let v = run(&["validate", file.to_str().unwrap()]);
    assert!(v.status.success(), "{}", text(&v.stderr));
    let hash = entry
        .lines()
        .find_map(|l| l.strip_prefix("password_hash = \""))
        .and_then(|l| l.strip_suffix('"'))
        .expect("a hash line");
    let parsed = PasswordHash::new(hash).expect("a PHC string");
    argon2::Argon2::default()
        .verify_password(b"a long enough password", &parsed)
        .expect("the hash checks the password");
    assert!(argon2::Argon2::default()
        .verify_password(b"another password", &parsed)
        .is_err());
}

#[test]
fn staff_refuses_what_would_make_a_bad_account() {
    for (args, input, says) in [
        (vec!["desk", "--role", "front_desk"], "short\n", "too short"),
        (
            vec!["desk", "--role", "boss"],
            "a long enough password\n",
            "role \"boss\"",
        ),
        (
            vec!["de sk", "--role", "archive"],
            "a long enough password\n",
            "user",
        ),
        (
            vec!["desk", "--role", "archive"],
            "",
            "expected the password",
        ),
    ] {
        let out = staff(&args, input);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            text(&out.stderr).contains(says),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}
