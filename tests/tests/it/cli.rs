//! The `kiosk` and `hw-sim` binaries as a technician uses them: `hw-sim vpcd` attaches a
//! simulated card and PSAM to pcscd, `kiosk card …` talks to them through PC/SC.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use serde_json::Value;
use tests::rig::{card_present, pcsc_exclusive, PcscExclusive, VPCD_CARD_READER, VPCD_PSAM_READER};
use tests::{card_file, card_path};

fn bin(name: &str) -> PathBuf {
    tests::workspace_bin(name)
}

/// `hw-sim vpcd` running as a child process, killed on drop; it holds pcscd meanwhile (see
/// [`pcsc_exclusive`]).
struct Sim {
    child: Child,
    _pcsc: PcscExclusive,
}

fn wait_for(what: &str, ready: impl Fn() -> bool) {
    tests::rig::wait_until(what, Duration::from_secs(20), ready);
}

impl Sim {
    fn start(card: &str) -> Sim {
        let pcsc = pcsc_exclusive();
        wait_for("the previous simulator to leave", || {
            !card_present(VPCD_CARD_READER) && !card_present(VPCD_PSAM_READER)
        });
        let child = Command::new(bin("hw-sim"))
            .args(["vpcd", "--card"])
            .arg(card_path(card))
            .arg("--psam")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start hw-sim");
        wait_for("the simulated card", || card_present(VPCD_CARD_READER));
        wait_for("the simulated PSAM", || card_present(VPCD_PSAM_READER));
        Sim { child, _pcsc: pcsc }
    }

    fn control(&mut self, line: &str) {
        let stdin = self.child.stdin.as_mut().expect("hw-sim stdin");
        writeln!(stdin, "{line}").expect("write to hw-sim");
        stdin.flush().expect("flush");
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn kiosk(args: &[&str], stdin: &str) -> Output {
    kiosk_env(args, stdin, &[])
}

fn kiosk_env(args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Output {
    let mut child = Command::new(bin("kiosk"))
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start kiosk");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write PINs");
    child.wait_with_output().expect("kiosk output")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> Value {
    assert!(o.status.success(), "kiosk failed: {}", stderr(o));
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&o.stdout)))
}

#[test]
fn card_info_json_has_every_field() {
    let _sim = Sim::start("v3-uyghur.toml");
    let file = card_file("v3-uyghur.toml");
    let v = json(&kiosk(&["card", "info", "--json"], ""));
    let keys = [
        "card_number",
        "card_id_code",
        "card_type",
        "spec_version",
        "issuing_org",
        "issue_date",
        "expiry_date",
        "region_code",
        "ssn",
        "name",
        "sex",
        "ethnicity",
        "birth_place",
        "birth_date",
        "person_id",
        "first_apply_region",
        "atr",
        "algorithm",
    ];
    for k in keys {
        assert!(v.get(k).is_some(), "missing {k} in {v}");
    }
    assert_eq!(v["name"], file.ef06.name.as_str());
    assert_eq!(v["ssn"], file.ef06.ssn.as_str());
    assert_eq!(v["region_code"], "652300");
    assert_eq!(v["algorithm"], "3des");
    assert_eq!(v["spec_version"], "3.00");
    assert_eq!(v["ethnicity"], 5);
    assert_eq!(v["expiry_date"], file.ef05.expiry_date.to_string());
    assert_eq!(v["atr"], "3B6800008600112233445566");
    assert!(v["person_id"].is_string());
}

#[test]
fn v2_card_has_null_ef0d_fields() {
    let _sim = Sim::start("v2-3des.toml");
    let v = json(&kiosk(&["card", "info", "--json"], ""));
    assert_eq!(v["spec_version"], "2.00");
    assert!(v["person_id"].is_null());
    assert!(v["first_apply_region"].is_null());
}

#[test]
fn status_verify_and_plain_errors() {
    let mut sim = Sim::start("v3-sm4.toml");
    let v = json(&kiosk(&["card", "status", "--json"], ""));
    assert_eq!(v["application"], "active");
    assert_eq!(v["pin_tries_left"], 3);
    assert_eq!(v["pin_blocked"], false);
    assert_eq!(v["expired"], false);

    let o = kiosk(&["card", "verify"], "000000\n");
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stderr(&o), "error: wrong PIN, 2 tries left\n");

    let o = kiosk(&["card", "verify"], "");
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("expected the PIN on line 1 of standard input"),
        "{}",
        stderr(&o)
    );

    let o = kiosk(&["card", "verify"], "12345x\n");
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("character 6 is not a digit"),
        "{}",
        stderr(&o)
    );

    // A PIN is never taken from the arguments.
    let o = kiosk(&["card", "verify", "123456"], "");
    assert_eq!(o.status.code(), Some(2));

    let o = kiosk(&["card", "change-pin"], "123456\n135135\n");
    assert!(o.status.success(), "{}", stderr(&o));
    let o = kiosk(&["card", "change-pin"], "135135\n246800\n");
    assert!(o.status.success(), "{}", stderr(&o));
    let o = kiosk(&["card", "change-pin"], "246800\n888888\n");
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("too weak: all six digits are the same"),
        "{}",
        stderr(&o)
    );

    for _ in 0..3 {
        let _ = kiosk(&["card", "verify"], "000000\n");
    }
    let o = kiosk(&["card", "verify"], "246800\n");
    assert_eq!(
        stderr(&o),
        "error: PIN blocked: it must be unblocked (解锁) with the secure module before use\n"
    );
    let o = kiosk(&["card", "unblock-pin", "--json"], "");
    assert_eq!(json(&o)["ok"], true);
    let o = kiosk(&["card", "verify"], "246800\n");
    assert!(o.status.success(), "{}", stderr(&o));

    // PSAM named wrongly: the card reader holds no PSAM.
    let o = kiosk(
        &["card", "reset-pin", "--psam-reader", VPCD_CARD_READER],
        "704915\n",
    );
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stderr(&o).starts_with("error: PSAM missing"),
        "{}",
        stderr(&o)
    );

    let o = kiosk(&["card", "reset-pin"], "704915\n");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(kiosk(&["card", "verify"], "704915\n").status.success());

    // Card pulled: a plain line and exit 3; back in: works again.
    sim.control("remove");
    wait_for("removal", || !card_present(VPCD_CARD_READER));
    let o = kiosk(&["card", "status"], "");
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("insert the"), "{}", stderr(&o));
    sim.control("insert");
    wait_for("reinsertion", || card_present(VPCD_CARD_READER));
    assert!(
        kiosk(&["card", "verify"], "704915\n").status.success(),
        "the card kept its PIN"
    );
}

#[test]
fn block_unblock_and_activate() {
    let _sim = Sim::start("v2-3des.toml");
    let o = kiosk(&["card", "activate"], "704915\n");
    assert!(o.status.success(), "{}", stderr(&o));
    let o = kiosk(&["card", "block-app"], "");
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        json(&kiosk(&["card", "status", "--json"], ""))["application"],
        "temporarily_blocked"
    );
    let o = kiosk(&["card", "verify"], "704915\n");
    assert!(stderr(&o).contains("temporarily blocked"), "{}", stderr(&o));
    assert!(kiosk(&["card", "unblock-app"], "").status.success());
    assert!(kiosk(&["card", "verify"], "704915\n").status.success());
    let o = kiosk(&["card", "block-card"], "");
    assert_eq!(o.status.code(), Some(2), "block-card needs --confirm");
    assert!(kiosk(&["card", "block-app", "--permanent"], "")
        .status
        .success());
    assert_eq!(
        json(&kiosk(&["card", "status", "--json"], ""))["application"],
        "permanently_blocked"
    );
}

#[test]
fn debug_log_shows_headers_never_pins() {
    let _sim = Sim::start("v3-uyghur.toml");
    let o = kiosk_env(
        &["card", "change-pin"],
        "123456\n704915\n",
        &[("RUST_LOG", "card_io=debug")],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let log = stderr(&o);
    assert!(log.contains("80 5E 01 00 Lc=7 [7 bytes redacted]"), "{log}");
    for secret in ["704915", "70 49 15", "123456", "12 34 56", "123456FF704915"] {
        assert!(
            !log.contains(secret),
            "PIN bytes {secret:?} in the log:\n{log}"
        );
    }
    // RESET PIN: the new PIN travels to the PSAM inside the MAC request, too.
    let o = kiosk_env(
        &["card", "reset-pin"],
        "802613\n",
        &[("RUST_LOG", "card_io=debug")],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let log = stderr(&o);
    assert!(
        log.contains("80 FA 05 00"),
        "the MAC request is logged by header: {log}"
    );
    for secret in ["802613", "80 26 13"] {
        assert!(
            !log.contains(secret),
            "PIN bytes {secret:?} in the log:\n{log}"
        );
    }
}

#[test]
fn readers_lists_both_slots() {
    let _sim = Sim::start("v3-uyghur.toml");
    let v = json(&kiosk(&["readers", "--json"], ""));
    let arr = v.as_array().expect("array");
    let kind = |name: &str| {
        arr.iter()
            .find(|r| r["name"] == name)
            .map(|r| r["card"].clone())
            .unwrap_or(Value::Null)
    };
    assert_eq!(kind(VPCD_CARD_READER), "social security card");
    assert_eq!(kind(VPCD_PSAM_READER), "PSAM");
}

#[test]
fn hw_sim_rejects_a_bad_card_file() {
    let dir = std::env::temp_dir().join(format!("hw-sim-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let bad = dir.join("bad.toml");
    let text = std::fs::read_to_string(card_path("v3-uyghur.toml"))
        .expect("card file")
        .replace("ethnicity = 5", "ethnicity = 99");
    std::fs::write(&bad, text).expect("write");
    let o = Command::new(bin("hw-sim"))
        .args(["vpcd", "--card"])
        .arg(&bad)
        .stdin(Stdio::null())
        .output()
        .expect("run hw-sim");
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains("bad.toml") && err.contains("ethnicity"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(dir);
}
