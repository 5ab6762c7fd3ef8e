//! `pcscd` stopped and started again under a running kiosk: commands fail with a clear
//! message while it is down, the reader watcher reports the service going and coming, and
//! the same provider and watcher work again afterwards. No kiosk restart. Also in the middle
//! of a business: the citizen is told, nothing changes, and the business works once pcscd is
//! back.
//!
//! These tests stop the system's `pcscd` and start a new one (`pcscd -f`), so they need
//! root, like scripts/test.sh; they hold the rig's lock meanwhile, which every test that
//! talks to pcscd takes (see `tests::rig`).

use std::process::Command;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use card_io::date::Date;
use card_io::pcsc_backend::PcscProvider;
use card_io::transport::{ReaderProvider, TransportError};
use card_io::watcher::{ReaderEvent, ReaderWatcher, WatcherConfig};
use hw_sim::Transport;
use kiosk_core::card_ops::{self, OpError, Target};
use kiosk_core::domain::BusinessCode;
use kiosk_core::engine::failure::Failure;
use kiosk_core::engine::session::{Event, Phase, Session};
use kiosk_core::store::{AuditLog, Journal};
use tests::kiosk::{feed, id_text, now, start, TestKiosk};
use tests::rig::{Rig, Vpcd, VPCD_CARD_READER, VPCD_PSAM_READER};
use tests::{card, pin};

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

fn stop_pcscd() {
    assert!(
        Command::new("pkill")
            .args(["-x", "pcscd"])
            .status()
            .map(|s| s.success())
            .unwrap_or(false),
        "could not stop pcscd (this test needs root)"
    );
    wait_until("pcscd to exit", || !pcscd_running());
}

/// Starts a new `pcscd -f` in place of the one stopped, through `sh` so that it is not this
/// process's child (a child killed by the next test's `pkill` would stay a zombie that
/// `pgrep` still finds). Its PID goes where scripts/test.sh keeps the PID of the pcscd it
/// started (`target/pcscd.pid`), so that the run stops this one at its end.
fn start_pcscd(provider: &dyn ReaderProvider) {
    let out = Command::new("sh")
        .args(["-c", "pcscd -f >/dev/null 2>&1 & echo $!"])
        .output()
        .expect("start pcscd");
    assert!(out.status.success());
    let pid = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let pid_file = tests::kiosk::root().join("target/pcscd.pid");
    if pid_file.exists() && !pid.is_empty() {
        std::fs::write(&pid_file, format!("{pid}\n")).expect("target/pcscd.pid");
    }
    // hw-sim's bridges reconnect to the new vpcd by themselves, each on its own thread: the
    // card may be back before the PSAM, which the next business needs too.
    for reader in [VPCD_CARD_READER, VPCD_PSAM_READER] {
        wait_until(&format!("{reader} behind the new pcscd"), || {
            provider
                .list_readers()
                .map(|rs| rs.iter().any(|r| r.name == reader && r.atr.is_some()))
                .unwrap_or(false)
        });
    }
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

    stop_pcscd();
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

    start_pcscd(&provider);
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

fn no_printer(_: &[String]) -> Result<(), String> {
    Ok(())
}

/// A PIN reset for 张伟 brought to the step where the card command runs.
fn pin_reset_ready(e: &kiosk_core::engine::driver::Engine<'_>) -> Session {
    let mut s = start(e, BusinessCode::PinReset, false);
    feed(
        e,
        &mut s,
        e.id_card_read(&id_text("v2-3des.toml")).expect("ID card"),
    );
    let ins = e.card_inserted(now()).expect("card read");
    feed(e, &mut s, ins.event);
    feed(e, &mut s, Event::Confirm);
    assert!(
        matches!(s.phase, Phase::EnteringPins { .. }),
        "{:?}",
        s.phase
    );
    s
}

fn pins(p: &str) -> Event {
    Event::Pins {
        old: None,
        new: Some(pin(p)),
        repeat: Some(pin(p)),
    }
}

#[test]
fn pcscd_stopped_in_the_middle_of_a_business() {
    let rig = Vpcd::lock(Transport::T1);
    rig.insert(card("v2-3des.toml", Transport::T1));
    let k = TestKiosk::new();
    let e = k.engine(rig.provider(), &no_printer);
    let mut s = pin_reset_ready(&e);
    // The service goes away while the citizen types the new PIN.
    stop_pcscd();
    let _ = e.feed(&mut s, pins("602948"), now());
    match &s.phase {
        Phase::Failed { failure } => {
            assert_eq!(*failure, Failure::ReaderUnavailable, "{failure:?}");
            let said = failure.text(firmware_config::Language::ZhCn);
            assert!(
                said.contains("读卡器") && said.contains("工作人员"),
                "{said}"
            );
        }
        other => panic!("pcscd down: {other:?}"),
    }
    assert!(
        k.store.pending_intents().unwrap().is_empty(),
        "no intent left"
    );
    assert!(k.store.verify().unwrap().ok());
    start_pcscd(rig.provider());
    // Nothing changed on the card: the initial PIN still works.
    card_ops::verify(
        card_ops::connect_card(rig.provider(), &Target::default()).expect("card"),
        &pin("123456"),
    )
    .expect("the PIN is unchanged");
    // The same kiosk (same engine and provider) does the business now.
    let mut s = pin_reset_ready(&e);
    feed(&e, &mut s, pins("602948"));
    assert!(matches!(s.phase, Phase::Done { .. }), "{:?}", s.phase);
    card_ops::verify(
        card_ops::connect_card(rig.provider(), &Target::default()).expect("card"),
        &pin("602948"),
    )
    .expect("the new PIN works");
}
