//! The in-process reader backend against `card-io`'s traits, with fault injection.

use card_io::apdu::Command;
use card_io::transport::{self, Disposition, ReaderProvider, TransportError};
use hw_sim::backend::{CARD_SLOT, PSAM_SLOT};
use hw_sim::{CardOs, SimReaders, Transport};

const SSSE: [u8; 15] = [
    0x73, 0x78, 0x31, 0x2E, 0x73, 0x68, 0x2E, 0xC9, 0xE7, 0xBB, 0xE1, 0xB1, 0xA3, 0xD5, 0xCF,
];

fn card(transport: Transport) -> Box<CardOs> {
    let mut c = CardOs::from_file(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("cards/v3-uyghur.toml"),
    )
    .unwrap();
    c.settings_mut().transport = transport;
    Box::new(c)
}

fn readers_with_card(transport: Transport) -> SimReaders {
    let r = SimReaders::new();
    assert!(r.insert(CARD_SLOT, card(transport)));
    r
}

fn select() -> Command {
    Command::new(0x00, 0xA4, 0x04, 0x00)
        .with_data(SSSE.to_vec())
        .with_le(256)
}

#[test]
fn lists_slots_and_atrs() {
    let r = readers_with_card(Transport::T1);
    let list = r.list_readers().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].name, CARD_SLOT);
    assert_eq!(
        hex::encode_upper(list[0].atr.as_ref().unwrap()),
        "3B6800008600112233445566"
    );
    assert_eq!(list[1].name, PSAM_SLOT);
    assert!(list[1].atr.is_none());
    assert!(matches!(r.connect(PSAM_SLOT), Err(TransportError::NoCard(n)) if n == PSAM_SLOT));
    assert!(matches!(r.connect("nope"), Err(TransportError::UnknownReader(n)) if n == "nope"));
}

#[test]
fn card_io_transmit_works_in_both_transports() {
    for t in [Transport::T1, Transport::T0] {
        let r = readers_with_card(t);
        let mut conn = r.connect(CARD_SLOT).unwrap();
        assert_eq!(hex::encode_upper(conn.atr()), "3B6800008600112233445566");
        let mut s = conn.session(None).unwrap();
        assert_eq!(hex::encode_upper(s.atr()), "3B6800008600112233445566");
        let resp = transport::transmit(&mut *s, &select()).unwrap();
        assert!(resp.is_ok());
        assert_eq!(resp.data.len(), 27);
        // Wrong Le: card-io resends after 6Cxx (and follows 61xx in T=0).
        let read = Command::new(0x00, 0xB2, 0x03, 0x28).with_le(256);
        let resp = transport::transmit(&mut *s, &read).unwrap();
        assert_eq!(resp.data, b"\x03\x043.00");
        drop(s);
        conn.disconnect(Disposition::Leave).unwrap();
    }
}

#[test]
fn remove_after_n_exchanges() {
    let r = readers_with_card(Transport::T1);
    let mut conn = r.connect(CARD_SLOT).unwrap();
    r.remove_after(CARD_SLOT, 2);
    let mut s = conn.session(None).unwrap();
    assert!(s.transmit_raw(&[0x00, 0x20, 0x00, 0x00]).is_ok());
    assert!(r.has_card(CARD_SLOT));
    assert!(s.transmit_raw(&[0x00, 0x20, 0x00, 0x00]).is_ok());
    assert!(!r.has_card(CARD_SLOT), "gone after the 2nd exchange");
    assert!(matches!(
        s.transmit_raw(&[0x00, 0x20, 0x00, 0x00]),
        Err(TransportError::CardRemoved)
    ));
    drop(s);
    assert!(matches!(
        conn.session(None),
        Err(TransportError::CardRemoved)
    ));
    assert!(matches!(
        r.connect(CARD_SLOT),
        Err(TransportError::NoCard(_))
    ));
    assert!(r.list_readers().unwrap()[0].atr.is_none());
    // The pulled card can be put back, with its state.
    let dev = r.take_removed(CARD_SLOT).unwrap();
    assert_eq!(dev.atr().len(), 12);
    r.insert(CARD_SLOT, dev);
    assert!(r.connect(CARD_SLOT).is_ok());
}

#[test]
fn a_lost_answer_means_the_command_ran() {
    use card_io::pin::Pin;
    use card_io::sscard::SsCard;
    let r = readers_with_card(Transport::T1);
    let mut conn = r.connect(CARD_SLOT).unwrap();
    let mut s = conn.session(None).unwrap();
    let mut card = SsCard::select(&mut *s).unwrap();
    let tries = card.pin_tries_left().unwrap().unwrap();
    // The very next exchange, this wrong VERIFY, reaches the card; its answer is lost.
    r.lose_answer_after(CARD_SLOT, 0);
    let wrong = Pin::parse("999999").unwrap();
    let err = card.verify(&wrong).unwrap_err();
    assert!(
        format!("{err:?}").contains("Removed") || err.to_string().contains("removed"),
        "{err}"
    );
    assert!(!r.has_card(CARD_SLOT), "pulled while answering");
    drop(card);
    drop(s);
    // Put back: the wrong PIN counted, though the host never saw the card say so.
    let dev = r.take_removed(CARD_SLOT).unwrap();
    r.insert(CARD_SLOT, dev);
    let mut conn = r.connect(CARD_SLOT).unwrap();
    let mut s = conn.session(None).unwrap();
    let mut card = SsCard::select(&mut *s).unwrap();
    assert_eq!(card.pin_tries_left().unwrap(), Some(tries - 1));
    // Disarmed by the pull: the next exchanges are answered.
    assert!(card.pin_tries_left().is_ok());
    // And `usize::MAX` disarms an armed pull.
    r.lose_answer_after(CARD_SLOT, 0);
    r.lose_answer_after(CARD_SLOT, usize::MAX);
    assert!(card.pin_tries_left().is_ok());
    assert!(r.has_card(CARD_SLOT));
}

#[test]
fn remove_after_zero_pulls_the_card_now() {
    let r = readers_with_card(Transport::T1);
    let mut conn = r.connect(CARD_SLOT).unwrap();
    r.remove_after(CARD_SLOT, 0);
    assert!(!r.has_card(CARD_SLOT));
    assert!(matches!(
        conn.session(None),
        Err(TransportError::CardRemoved)
    ));
}

#[test]
fn reinserted_card_fails_old_connections() {
    let r = readers_with_card(Transport::T1);
    let mut conn = r.connect(CARD_SLOT).unwrap();
    let dev = r.remove(CARD_SLOT).unwrap();
    r.insert(CARD_SLOT, dev);
    let err = conn.session(None).err().unwrap();
    assert!(matches!(err, TransportError::CardRemoved));
    assert!(err.is_card_gone());
    // A new connection works.
    let mut conn = r.connect(CARD_SLOT).unwrap();
    assert!(conn
        .session(None)
        .unwrap()
        .transmit_raw(&[0x00, 0x20, 0x00, 0x00])
        .is_ok());
}

#[test]
fn service_down_and_back() {
    let r = readers_with_card(Transport::T1);
    let mut conn = r.connect(CARD_SLOT).unwrap();
    r.set_service_down(true);
    assert!(matches!(
        r.list_readers(),
        Err(TransportError::ServiceUnavailable(None))
    ));
    assert!(matches!(
        r.connect(CARD_SLOT),
        Err(TransportError::ServiceUnavailable(None))
    ));
    assert!(matches!(
        conn.session(None),
        Err(TransportError::ServiceUnavailable(None))
    ));
    r.set_service_down(false);
    assert!(conn.session(None).is_ok());
    r.set_service_down(true);
    assert!(matches!(
        conn.disconnect(Disposition::Reset),
        Err(TransportError::ServiceUnavailable(None))
    ));
}

#[test]
fn unplugged_reader() {
    let r = readers_with_card(Transport::T1);
    let mut conn = r.connect(CARD_SLOT).unwrap();
    r.unplug(CARD_SLOT);
    assert_eq!(r.list_readers().unwrap().len(), 1);
    assert!(matches!(
        r.connect(CARD_SLOT),
        Err(TransportError::UnknownReader(_))
    ));
    assert!(matches!(
        conn.session(None),
        Err(TransportError::CardRemoved)
    ));
    r.add_slot(CARD_SLOT);
    assert!(matches!(
        r.connect(CARD_SLOT),
        Err(TransportError::NoCard(_))
    ));
}

#[test]
fn disconnect_reset_clears_the_session_and_others_see_it() {
    let r = readers_with_card(Transport::T1);
    let mut a = r.connect(CARD_SLOT).unwrap();
    {
        let mut s = a.session(None).unwrap();
        assert!(!s.was_reset());
        assert_eq!(
            s.transmit_raw(&hex::decode("0020000003123456").unwrap())
                .unwrap(),
            vec![0x90, 0x00]
        );
    }
    let b = r.connect(CARD_SLOT).unwrap();
    b.disconnect(Disposition::Reset).unwrap();
    let mut s = a.session(Some(&SSSE)).unwrap();
    assert!(s.was_reset());
    // The PIN is no longer verified; the application was re-selected for us.
    assert_eq!(
        s.transmit_raw(&[0x00, 0x20, 0x00, 0x00]).unwrap(),
        vec![0x63, 0xC3]
    );
    assert_eq!(
        s.transmit_raw(&hex::decode("00B2032806").unwrap()).unwrap(),
        b"\x03\x043.00\x90\x00"
    );
    drop(s);
    assert!(!a.session(None).unwrap().was_reset());
    // Leave keeps the state; Unpower resets.
    let c = r.connect(CARD_SLOT).unwrap();
    c.disconnect(Disposition::Leave).unwrap();
    assert!(!a.session(None).unwrap().was_reset());
    a.disconnect(Disposition::Unpower).unwrap();
}

#[test]
fn with_device_inspects_the_card() {
    let r = readers_with_card(Transport::T1);
    let atr = r.with_device(CARD_SLOT, |d| d.atr()).unwrap();
    assert_eq!(atr.len(), 12);
    assert!(r.with_device(PSAM_SLOT, |d| d.atr()).is_none());
    let mut conn = r.connect(CARD_SLOT).unwrap();
    conn.session(None)
        .unwrap()
        .transmit_raw(&hex::decode("0020000003000000").unwrap())
        .unwrap();
    let answer = r
        .with_device(CARD_SLOT, |d| d.process(&[0x00, 0x20, 0x00, 0x00]))
        .unwrap();
    assert_eq!(answer, vec![0x63, 0xC2]);
}

#[test]
fn psam_through_card_io() {
    use card_io::sam::psam::Psam;
    use card_io::sam::{Algorithm, Factors, KeyRole, SecureModule};
    for t in [Transport::T1, Transport::T0] {
        let r = SimReaders::new();
        let psam = hw_sim::PsamOs::new(hw_sim::PsamOptions {
            transport: t,
            ..Default::default()
        })
        .unwrap();
        r.insert(PSAM_SLOT, Box::new(psam));
        let mut p = Psam::open(r.connect(PSAM_SLOT).unwrap()).unwrap();
        assert_eq!(p.terminal_number().unwrap(), "652300000001");
        let f = Factors::new(&hex::decode("3B6800008600112233445566").unwrap(), "652300").unwrap();
        p.init_key(KeyRole::Maintenance, Algorithm::Tdes, &f)
            .unwrap();
        let mac = p
            .mac(
                &[1, 2, 3, 4, 5, 6, 7, 8],
                &hex::decode("841E000004").unwrap(),
            )
            .unwrap();
        assert_eq!(hex::encode_upper(mac), "739CB459");
    }
}

#[test]
fn wait_for_change_wakes_on_insertion_and_sees_a_quick_swap() {
    let readers = SimReaders::new();
    let before = readers.list_readers().unwrap();
    // Nothing changes: the wait ends at its timeout with the same list.
    readers
        .wait_for_change(&before, std::time::Duration::from_millis(30))
        .unwrap();
    assert_eq!(readers.list_readers().unwrap(), before);
    let other = readers.clone();
    let t = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(20));
        other.insert(CARD_SLOT, card(Transport::T1));
    });
    // A long timeout: the insertion wakes it (a broken wake would stall here for a minute
    // and then fail on the comparison below).
    readers
        .wait_for_change(&before, std::time::Duration::from_secs(60))
        .unwrap();
    t.join().unwrap();
    let with_card = readers.list_readers().unwrap();
    assert_ne!(with_card, before);
    // Pulled and put back between two looks: same ATR, but the event counter moved.
    readers.remove(CARD_SLOT);
    readers.insert(CARD_SLOT, card(Transport::T1));
    let after = readers.list_readers().unwrap();
    let slot = |l: &[card_io::transport::ReaderInfo]| {
        l.iter().find(|r| r.name == CARD_SLOT).cloned().unwrap()
    };
    assert_eq!(slot(&after).atr, slot(&with_card).atr);
    assert_ne!(slot(&after).events, slot(&with_card).events);
    readers
        .wait_for_change(&with_card, std::time::Duration::from_secs(60))
        .unwrap();
    // The service going down is an error, not a wait.
    readers.set_service_down(true);
    assert!(matches!(
        readers.wait_for_change(&after, std::time::Duration::from_secs(60)),
        Err(TransportError::ServiceUnavailable(_))
    ));
}
