//! The kiosk under systemd's watchdog (issue 20, item 5). The test listens on a unix
//! datagram socket as `$NOTIFY_SOCKET` (what systemd gives a `Type=notify` unit) with
//! `WATCHDOG_USEC` set, starts `kiosk serve --sim`, and sees `READY=1` and then `WATCHDOG=1`
//! every half interval. It then hangs the session actor (`POST /api/sim/hang`, simulator
//! only) and sees the pings stop — longer than the watchdog interval, so systemd would kill
//! the kiosk — then does what systemd does next: kills it and starts it again on the same
//! database, which is ready again with the loss reported before the hang still on file (the
//! crash-safety state). Where systemd runs as init, the same runs under `systemd-run` with
//! `Restart=on-watchdog` too; the test says which ran.

use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};

use std::process::Command;
use std::time::{Duration, Instant};

use kiosk_core::domain::CardState;
use kiosk_core::store::Registry;
use serde_json::json;
use tests::served::{kind, Served};

const ZHANG: &str = "v2-3des.toml";
const ZHANG_CARD: &str = "A00000001";
/// WATCHDOG_USEC: pings every second.
const WATCHDOG: Duration = Duration::from_secs(2);

/// What arrives on the notify socket within `wait` (each datagram as text).
fn receive(socket: &UnixDatagram, wait: Duration) -> Vec<String> {
    let until = Instant::now() + wait;
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while let Some(left) = until.checked_duration_since(Instant::now()) {
        if left.is_zero() {
            break;
        }
        socket
            .set_read_timeout(Some(left.max(Duration::from_millis(1))))
            .expect("timeout");
        match socket.recv(&mut buf) {
            Ok(n) => got.push(String::from_utf8_lossy(&buf[..n]).into_owned()),
            Err(_) => break,
        }
    }
    got
}

/// Waits up to `wait` for a datagram containing `line`; returns everything received.
fn until_line(socket: &UnixDatagram, line: &str, wait: Duration) -> Vec<String> {
    let until = Instant::now() + wait;
    let mut all = Vec::new();
    while Instant::now() < until {
        let got = receive(socket, Duration::from_millis(200));
        let found = got.iter().any(|d| d.lines().any(|l| l.starts_with(line)));
        all.extend(got);
        if found {
            return all;
        }
    }
    panic!("no {line:?} on the notify socket within {wait:?}; got {all:?}");
}

fn pings(datagrams: &[String]) -> usize {
    datagrams
        .iter()
        .filter(|d| d.lines().any(|l| l == "WATCHDOG=1"))
        .count()
}

/// The kiosk with the notify socket and the watchdog in its environment, on `args`.
fn start(args: &[&str], socket: &Path, dir: &Path, run: u32) -> Served {
    let usec = WATCHDOG.as_micros().to_string();
    Served::start_logged(
        args,
        &[
            ("NOTIFY_SOCKET", &socket.to_string_lossy()),
            ("WATCHDOG_USEC", &usec),
            ("RUST_LOG", "warn"),
        ],
        &dir.join(format!("stdout-{run}")),
        &dir.join(format!("stderr-{run}")),
    )
}

#[test]
fn the_watchdog_is_pinged_while_the_kiosk_answers_and_stops_when_its_actor_hangs() {
    let dir = tempfile::tempdir().expect("temp dir");
    let socket_path = dir.path().join("notify");
    let socket = UnixDatagram::bind(&socket_path).expect("notify socket");
    let db = dir.path().join("kiosk.db");

    let db_arg = db.to_string_lossy().to_string();
    let k = start(&["--sim", "--db", &db_arg], &socket_path, dir.path(), 1);
    let got = until_line(&socket, "READY=1", Duration::from_secs(60));
    let ready = got
        .iter()
        .find(|d| d.contains("READY=1"))
        .cloned()
        .unwrap_or_default();
    assert!(ready.contains("STATUS=serving on http://"), "{ready}");
    let got = receive(&socket, Duration::from_secs(3));
    assert!(pings(&got) >= 2, "a ping every second: {got:?}");

    // A loss reported before the hang: on file after the restart.
    k.report_loss(ZHANG);

    k.api("POST", "/api/sim/hang", json!({ "seconds": 20 }));
    let got = until_line(&socket, "STATUS=not answering", Duration::from_secs(5));
    let status = got
        .iter()
        .find(|d| d.contains("STATUS=not answering"))
        .cloned()
        .unwrap_or_default();
    assert!(status.contains("session actor"), "{status}");
    let silent = receive(&socket, WATCHDOG * 2);
    assert_eq!(
        pings(&silent),
        0,
        "no ping for twice the watchdog interval (systemd kills after one): {silent:?}"
    );

    // What systemd does then: kill, start again — as the crash-safety tests restart a
    // kiosk: on its configuration naming the same database (a simulated kiosk would seed
    // the demo registry again), no serial device.
    drop(k);
    let key = kiosk_store::sqlite::key::beside(&db);
    let config = dir.path().join("kiosk.toml");
    std::fs::write(
        &config,
        format!(
            "[devices]\nid_module_port = \"\"\nqr_port = \"\"\nprinter_port = \"\"\ncamera_device = \"\"\n\n[storage]\ndatabase = \"{}\"\nkey_file = \"{}\"\narchive_dir = \"{}\"\n",
            db.display(),
            key.display(),
            dir.path().join("archive").display()
        ),
    )
    .expect("config");
    let config_arg = config.to_string_lossy().to_string();
    let k = start(&["--config", &config_arg], &socket_path, dir.path(), 2);
    until_line(&socket, "READY=1", Duration::from_secs(60));
    assert!(pings(&receive(&socket, Duration::from_secs(3))) >= 2);
    assert_eq!(kind(&k.screen()), "home", "{}", k.screen());
    drop(k);
    let key = kiosk_store::sqlite::DbKey::load(&key).expect("the sim's database key");
    let store = kiosk_store::sqlite::SqliteStore::open(&db, &key).expect("the database");
    let card = store.card(ZHANG_CARD).expect("registry").expect("the card");
    assert_eq!(
        card.state,
        CardState::LostTemporary,
        "the loss survived the kill"
    );

    match systemd_run_available() {
        Some(bin) => under_systemd_run(&bin, dir.path()),
        None => eprintln!(
            "watchdog: ran against a notify socket the test listens on (no systemd as init here, \
             so systemd-run was not used)"
        ),
    }
}

/// `systemd-run` when systemd is the init system here (it needs a running manager).
fn systemd_run_available() -> Option<PathBuf> {
    if !Path::new("/run/systemd/system").is_dir() {
        return None;
    }
    let which = Command::new("sh")
        .args(["-c", "command -v systemd-run"])
        .output()
        .ok()?;
    let path = String::from_utf8_lossy(&which.stdout).trim().to_string();
    (!path.is_empty()).then(|| PathBuf::from(path))
}

/// The same kiosk as a transient `Type=notify` unit with a watchdog: hung, it is restarted
/// by systemd (`NRestarts` goes up) and ready again.
fn under_systemd_run(bin: &Path, dir: &Path) {
    let unit = format!("kiosk-watchdog-test-{}", std::process::id());
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        l.local_addr().expect("address").port()
    };
    let kiosk = tests::workspace_bin("kiosk");
    let status = Command::new(bin)
        .arg(format!("--unit={unit}"))
        .args([
            "--property=Type=notify",
            "--property=NotifyAccess=main",
            "--property=WatchdogSec=2s",
            "--property=Restart=on-watchdog",
            "--property=RestartSec=1s",
        ])
        .arg(kiosk)
        .args([
            "serve",
            "--sim",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--db",
        ])
        .arg(dir.join("systemd-run.db"))
        .arg("--root")
        .arg(tests::kiosk::root())
        .status()
        .expect("systemd-run");
    assert!(status.success(), "systemd-run started the unit");
    let show = |p: &str| {
        let o = Command::new("systemctl")
            .args(["show", "--value", "-p", p, &unit])
            .output()
            .expect("systemctl show");
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    };
    post_hang(&format!("127.0.0.1:{port}"));
    let until = Instant::now() + Duration::from_secs(60);
    let mut restarts = show("NRestarts");
    while restarts == "0" && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(500));
        restarts = show("NRestarts");
    }
    let state = show("ActiveState");
    let _ = Command::new("systemctl").args(["stop", &unit]).status();
    assert_ne!(restarts, "0", "systemd restarted the hung kiosk");
    assert_eq!(state, "active", "and it runs again");
    eprintln!("watchdog: ran under systemd-run too ({unit}: {restarts} restart(s))");
}

/// `POST /api/sim/hang` to a kiosk this test did not start as a child (the unit's).
fn post_hang(addr: &str) {
    use std::io::{Read, Write};
    let body = json!({ "seconds": 60 }).to_string();
    let mut s = std::net::TcpStream::connect(addr).expect("the unit's kiosk");
    write!(
        s,
        "POST /api/sim/hang HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("request");
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}
