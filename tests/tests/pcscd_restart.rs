//! `pcscd` stopped and started again under a running kiosk: commands fail with a clear
//! message while it is down, the reader watcher reports the service going and coming, and
//! the same provider and watcher work again afterwards. No kiosk restart.
//!
//! This binary stops the system's `pcscd` and starts a new one (`pcscd -f`), so it needs
//! root, like scripts/test.sh.

use std::process::Command;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use card_io::date::Date;
use card_io::pcsc_backend::PcscProvider;
use card_io::transport::{ReaderProvider, TransportError};
use card_io::watcher::{ReaderEvent, ReaderWatcher, WatcherConfig};
use hw_sim::Transport;
use kiosk_host::card_ops::{self, OpError, Target};
use tests::card;
use tests::rig::{Rig, Vpcd, VPCD_CARD_READER};

fn next_matching(rx: &Receiver<ReaderEvent>, want: impl Fn(&ReaderEvent) -> bool) -> ReaderEvent {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(e) if want(&e) => return e,
            Ok(_) => continue,
            Err(e) => panic!("no matching reader event: {e}"),
        }
    }
}

fn pcscd_running() -> bool {
    Command::new("pgrep")
        .args(["-x", "pcscd"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

fn wait_until(what: &str, f: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn pcscd_restart_needs_no_kiosk_restart() {
    let rig = Vpcd::lock(Transport::T1);
    rig.insert(card("v3-uyghur.toml", Transport::T1));
    let today = Date::new(2026, 11, 28).expect("date");
    // Long-lived, like the kiosk's.
    let provider = PcscProvider::new();
    let config = WatcherConfig {
        backoff_min: Duration::from_millis(50),
        backoff_max: Duration::from_millis(500),
        poll: Duration::from_secs(1),
    };
    let (watcher, rx) = ReaderWatcher::start(config).expect("watcher");
    next_matching(&rx, |e| *e == ReaderEvent::ServiceUp);
    next_matching(
        &rx,
        |e| matches!(e, ReaderEvent::CardInserted { reader, .. } if reader == VPCD_CARD_READER),
    );
    card_ops::status(
        card_ops::connect_card(&provider, &Target::default()).expect("card"),
        today,
    )
    .expect("status");

    assert!(
        Command::new("pkill")
            .args(["-x", "pcscd"])
            .status()
            .map(|s| s.success())
            .unwrap_or(false),
        "could not stop pcscd (this test needs root)"
    );
    wait_until("pcscd to exit", || !pcscd_running());
    let err = card_ops::connect_card(&provider, &Target::default())
        .err()
        .expect("service down");
    assert!(
        matches!(
            err,
            OpError::Transport(TransportError::ServiceUnavailable(_))
        ),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("pcscd"),
        "tells how to start it: {err}"
    );
    next_matching(&rx, |e| *e == ReaderEvent::ServiceDown);

    let started = Command::new("sh")
        .args(["-c", "pcscd -f >/dev/null 2>&1 &"])
        .status()
        .expect("start pcscd");
    assert!(started.success());
    // hw-sim's bridges reconnect to the new vpcd by themselves.
    wait_until("the card behind the new pcscd", || {
        provider
            .list_readers()
            .map(|rs| {
                rs.iter()
                    .any(|r| r.name == VPCD_CARD_READER && r.atr.is_some())
            })
            .unwrap_or(false)
    });
    card_ops::status(
        card_ops::connect_card(&provider, &Target::default()).expect("card again"),
        today,
    )
    .expect("the same provider works after the restart");
    next_matching(&rx, |e| *e == ReaderEvent::ServiceUp);
    next_matching(
        &rx,
        |e| matches!(e, ReaderEvent::CardInserted { reader, .. } if reader == VPCD_CARD_READER),
    );
    watcher.stop();
}
