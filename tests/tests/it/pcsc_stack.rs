//! Through the real PC/SC stack only: a client nobody here wrote (`opensc-tool`) gets the
//! profile's answers from hw-sim, the reader watcher reports insertion and removal, and a
//! card reset by another application is recovered.

use std::process::Command;
use std::sync::mpsc::Receiver;
use std::time::Duration;

use card_io::transport::{self, ReaderProvider};
use card_io::watcher::{ReaderEvent, ReaderWatcher, WatcherConfig};
use hw_sim::{SimDevice, Transport};
use tests::card;
use tests::rig::{Rig, Vpcd, VPCD_CARD_READER};

/// Parses `opensc-tool -s` output into one (data, SW) per command.
fn parse_opensc(out: &str) -> Vec<(Vec<u8>, u16)> {
    let mut answers = Vec::new();
    let mut current: Option<(Vec<u8>, u16)> = None;
    for line in out.lines() {
        if let Some(rest) = line.strip_prefix("Received (SW1=0x") {
            if let Some(a) = current.take() {
                answers.push(a);
            }
            let sw1 = u16::from_str_radix(&rest[0..2], 16).expect("SW1");
            let sw2_at = rest.find("SW2=0x").expect("SW2") + 6;
            let sw2 = u16::from_str_radix(&rest[sw2_at..sw2_at + 2], 16).expect("SW2");
            current = Some((Vec::new(), (sw1 << 8) | sw2));
        } else if line.starts_with("Sending:") {
            if let Some(a) = current.take() {
                answers.push(a);
            }
        } else if let Some((data, _)) = current.as_mut() {
            // Hex dump: up to 16 "XX " groups, then an ASCII column.
            let hex_part: String = line.chars().take(48).collect();
            for tok in hex_part.split_whitespace() {
                if tok.len() == 2 {
                    if let Ok(b) = u8::from_str_radix(tok, 16) {
                        data.push(b);
                        continue;
                    }
                }
                break;
            }
        }
    }
    if let Some(a) = current.take() {
        answers.push(a);
    }
    answers
}

fn opensc_matches_simulator(t: Transport) {
    let rig = Vpcd::lock(t);
    rig.insert(card("v3-uyghur.toml", t));
    let apdus = [
        "00A404000F7378312E73682EC9E7BBE1B1A3D5CF00",
        "00B2012812", // EF05 tag 01 by SFI
        "00B2092C20", // EF06 record 2 (tag 09) by SFI and number
        "00B24E3016", // EF06 tag 4E by SFI
        "00A4020002EF06",
        "00B20D0006", // current EF, tag 0D
        "00B2070406", // current EF, record 7
        "0020000000", // tries left
        "00B2012800", // wrong Le: 6Cxx (opensc resends)
        "80CA000000", // unknown instruction
    ];
    let mut args = vec!["-r".to_owned(), VPCD_CARD_READER.to_owned()];
    for a in apdus {
        args.push("-s".into());
        args.push(a.into());
    }
    let out = Command::new("opensc-tool")
        .args(&args)
        .output()
        .expect("opensc-tool installed");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "opensc-tool failed: {stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got = parse_opensc(&stdout);
    assert_eq!(got.len(), apdus.len(), "{stdout}");

    // The same APDUs through card-io's transmit on a fresh, identical card in-process.
    let mut reference = card("v3-uyghur.toml", t);
    struct Direct<'a>(&'a mut hw_sim::CardOs, Vec<u8>);
    impl card_io::CardSession for Direct<'_> {
        fn transmit_raw(&mut self, c: &[u8]) -> Result<Vec<u8>, card_io::TransportError> {
            Ok(self.0.process(c))
        }
        fn atr(&self) -> &[u8] {
            &self.1
        }
    }
    let atr = reference.atr();
    let mut direct = Direct(&mut reference, atr);
    for (a, (data, sw)) in apdus.iter().zip(&got) {
        let cmd = card_io::Command::parse(&hex::decode(a).expect("hex")).expect("apdu");
        let want = transport::transmit(&mut direct, &cmd).expect("in-process");
        assert_eq!(
            (&want.data, want.sw),
            (data, *sw),
            "{a}: opensc-tool saw {data:02X?} {sw:04X}"
        );
    }
    // Spot checks against the profile itself.
    assert_eq!(got[0].1, 0x9000);
    assert_eq!(&got[0].0[..2], &[0x6F, 0x19]);
    assert_eq!(&got[1].0[..5], &[0x01, 0x10, 0x65, 0x23, 0x00]);
    assert_eq!(got[7].1, 0x63C3);
    assert_eq!(got[9].1, 0x6D00);
}

#[test]
fn opensc_tool_sees_the_profile_t1() {
    opensc_matches_simulator(Transport::T1);
}

#[test]
fn opensc_tool_sees_the_profile_t0() {
    opensc_matches_simulator(Transport::T0);
}

fn next_matching(rx: &Receiver<ReaderEvent>, want: impl Fn(&ReaderEvent) -> bool) -> ReaderEvent {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match rx.recv_timeout(left) {
            Ok(e) if want(&e) => return e,
            Ok(_) => continue,
            Err(e) => panic!("no matching reader event: {e}"),
        }
    }
}

#[test]
fn watcher_reports_insertion_and_removal() {
    let rig = Vpcd::lock(Transport::T1);
    rig.remove();
    let (watcher, rx) = ReaderWatcher::start(WatcherConfig::default()).expect("watcher thread");
    next_matching(&rx, |e| *e == ReaderEvent::ServiceUp);
    next_matching(
        &rx,
        |e| matches!(e, ReaderEvent::ReaderAdded { reader } if reader == VPCD_CARD_READER),
    );
    let c = card("v3-sm4.toml", Transport::T1);
    let atr = c.atr();
    rig.insert(c);
    let e = next_matching(
        &rx,
        |e| matches!(e, ReaderEvent::CardInserted { reader, .. } if reader == VPCD_CARD_READER),
    );
    assert_eq!(
        e,
        ReaderEvent::CardInserted {
            reader: VPCD_CARD_READER.into(),
            atr
        }
    );
    rig.remove();
    next_matching(&rx, |e| {
        *e == ReaderEvent::CardRemoved {
            reader: VPCD_CARD_READER.into(),
        }
    });
    // Stopping cancels the blocking get_status_change and joins the thread.
    watcher.stop();
}

#[test]
fn the_provider_waits_for_a_change_through_pcscd() {
    let rig = Vpcd::lock(Transport::T1);
    rig.remove();
    let provider = card_io::pcsc_backend::PcscProvider::new();
    let before = provider.list_readers().expect("readers");
    std::thread::scope(|scope| {
        scope.spawn(|| {
            std::thread::sleep(std::time::Duration::from_millis(50));
            rig.insert(card("v3-sm4.toml", Transport::T1));
        });
        // A long timeout: pcscd's notification ends the wait (a broken wait would stall
        // for a minute and then fail on the comparison below).
        provider
            .wait_for_change(&before, std::time::Duration::from_secs(60))
            .expect("wait");
    });
    let mut after = provider.list_readers().expect("readers");
    for _ in 0..50 {
        if after != before {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
        after = provider.list_readers().expect("readers");
    }
    let slot = |l: &[card_io::transport::ReaderInfo]| {
        l.iter()
            .find(|r| r.name == VPCD_CARD_READER)
            .cloned()
            .expect("the vpcd reader")
    };
    assert!(slot(&after).atr.is_some(), "{after:?}");
    assert_ne!(slot(&after).events, slot(&before).events);
    // Already different from what the caller knows: no waiting at all.
    provider
        .wait_for_change(&before, std::time::Duration::from_secs(60))
        .expect("wait");
    rig.remove();
}

#[test]
fn card_reset_by_another_application_is_detected() {
    let rig = Vpcd::lock(Transport::T1);
    rig.insert(card("v3-uyghur.toml", Transport::T1));
    let mut conn = rig.provider().connect(VPCD_CARD_READER).expect("connect");
    {
        let s = conn.session(None).expect("session");
        assert!(!s.was_reset());
    }
    // Another application resets the card.
    let ctx = pcsc::Context::establish(pcsc::Scope::User).expect("context");
    let name = std::ffi::CString::new(VPCD_CARD_READER).expect("name");
    let other = ctx
        .connect(&name, pcsc::ShareMode::Shared, pcsc::Protocols::ANY)
        .expect("second connection");
    other
        .disconnect(pcsc::Disposition::ResetCard)
        .map_err(|(_, e)| e)
        .expect("reset");
    let mut s = conn
        .session(Some(&card_io::sscard::SSSE_DF_NAME))
        .expect("session after reset");
    assert!(s.was_reset(), "the reset is reported");
    // The application was re-selected: a read by SFI works at once.
    let r = transport::transmit(
        &mut *s,
        &card_io::Command::new(0, 0xB2, 1, 0x28).with_le(18),
    )
    .expect("read");
    assert_eq!(r.sw, 0x9000);
}
