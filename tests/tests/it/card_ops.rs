//! Every card operation, run four times: in-process and through pcscd + vpcd, each with the
//! card and PSAM in T=0 and in T=1 behaviour. The kiosk code under test is the same
//! (`kiosk_core::card_ops` over `card-io`); only the reader provider differs.

use card_io::sam::psam::Psam;
use card_io::sscard::{AppState, CardError};
use card_io::transport::TransportError;
use hw_sim::{BlockedSw, Transport};
use kiosk_core::card_ops::{self, OpError, Target};
use tests::rig::Rig;
use tests::{card, card_file, pin, today};

fn conn(rig: &dyn Rig) -> Box<dyn card_io::CardConnection> {
    card_ops::connect_card(rig.provider(), &Target::default()).expect("card found")
}

fn sam(rig: &dyn Rig) -> Psam {
    sam_configured(rig, &Target::default())
}

fn sam_configured(rig: &dyn Rig, target: &Target) -> Psam {
    let c = conn(rig);
    let name = c.reader_name().to_owned();
    let _ = c.disconnect(card_io::Disposition::Leave);
    card_ops::open_psam(rig.provider(), target, &name).expect("PSAM found")
}

fn status(rig: &dyn Rig) -> card_io::sscard::CardStatus {
    card_ops::status(conn(rig), today()).expect("status")
}

// ---- scenarios ----

fn info_matches_personalisation(rig: &dyn Rig, t: Transport) {
    for name in [
        "v2-3des.toml",
        "v3-uyghur.toml",
        "v3-sm4.toml",
        "expired.toml",
    ] {
        let file = card_file(name);
        rig.insert(card(name, t));
        let info = card_ops::info(conn(rig)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let id = &info.identity;
        assert_eq!(id.card_number, file.ef05.card_number, "{name}");
        assert_eq!(
            id.card_id_code,
            file.ef05.card_id_code.to_uppercase(),
            "{name}"
        );
        assert_eq!(
            id.issuing_org,
            file.ef05.issuing_org.to_uppercase(),
            "{name}"
        );
        assert_eq!(id.issue_date, file.ef05.issue_date, "{name}");
        assert_eq!(id.expiry_date, file.ef05.expiry_date, "{name}");
        assert_eq!(id.region_code, "652300", "{name}");
        assert_eq!(
            id.spec_version,
            file.settings.spec_version.as_str(),
            "{name}"
        );
        let h = info.holder.as_ref().expect("holder readable");
        assert_eq!(h.ssn, file.ef06.ssn, "{name}");
        assert_eq!(h.name, file.ef06.name, "{name}");
        assert_eq!(h.ethnicity, file.ef06.ethnicity, "{name}");
        assert_eq!(h.birth_date, file.ef06.birth_date, "{name}");
        assert_eq!(h.birth_place, file.ef06.birth_place, "{name}");
        assert_eq!(h.sex, file.ef06.sex, "{name}");
        assert_eq!(info.algorithm, Some(file.settings.algorithm), "{name}");
        match &file.ef0d {
            Some(e) => {
                let got = info.ef0d.as_ref().expect("EF0D on a 3.00 card");
                assert_eq!(got.person_id, e.person_id);
                assert_eq!(got.first_apply_region, e.first_apply_region);
            }
            None => assert!(info.ef0d.is_none(), "{name}: no EF0D on 2.00"),
        }
        let json = card_ops::info_json(&info);
        assert_eq!(json["region_code"], "652300");
        assert_eq!(json["atr"].as_str().map(str::len), Some(24));
    }
    // The Uyghur name crosses into the 4E extension and keeps its "·".
    let file = card_file("v3-uyghur.toml");
    assert!(file.ef06.name.contains('·'));
    assert!(
        encoding_len_gbk(&file.ef06.name) > 30,
        "the test card must need tag 4E"
    );
}

fn encoding_len_gbk(s: &str) -> usize {
    s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}

fn status_fresh_and_expired(rig: &dyn Rig, t: Transport) {
    rig.insert(card("v3-uyghur.toml", t));
    let s = status(rig);
    assert_eq!(s.application, AppState::Active);
    assert_eq!(s.pin_tries_left, Some(3));
    assert!(!s.pin_blocked);
    assert_eq!(s.expired, Some(false));
    rig.insert(card("expired.toml", t));
    let s = status(rig);
    assert_eq!(s.expired, Some(true));
    assert!(s.expiry_date.is_some_and(|d| d < today()));
}

fn verify_counts_down_and_blocks(rig: &dyn Rig, t: Transport) {
    rig.insert(card("v3-uyghur.toml", t));
    card_ops::verify(conn(rig), &pin("123456")).expect("initial PIN");
    for left in [2u8, 1] {
        match card_ops::verify(conn(rig), &pin("000000")) {
            Err(OpError::Card(CardError::WrongPin { tries_left })) => assert_eq!(tries_left, left),
            other => panic!("expected wrong PIN, got {other:?}"),
        }
        assert_eq!(status(rig).pin_tries_left, Some(left));
    }
    match card_ops::verify(conn(rig), &pin("000000")) {
        Err(OpError::Card(CardError::PinBlocked)) => {}
        other => panic!("expected PIN blocked, got {other:?}"),
    }
    let s = status(rig);
    assert!(s.pin_blocked);
    assert_eq!(s.pin_tries_left, Some(0));
    // Even the right PIN is refused now.
    assert!(matches!(
        card_ops::verify(conn(rig), &pin("123456")),
        Err(OpError::Card(CardError::PinBlocked))
    ));
    // 解锁 restores the tries and keeps the PIN.
    let mut psam = sam(rig);
    card_ops::unblock_pin(conn(rig), &mut psam).expect("unblock");
    assert_eq!(status(rig).pin_tries_left, Some(3));
    card_ops::verify(conn(rig), &pin("123456")).expect("PIN kept");
}

fn retry_limit_setting_is_read_not_assumed(rig: &dyn Rig, t: Transport) {
    let mut c = card("t0-blocked-6a81.toml", t);
    // That card file starts temporarily blocked; here it is active.
    c.set_lifecycle(hw_sim::Lifecycle::Active);
    let limit = c.settings().pin_retry_limit;
    rig.insert(c);
    assert_eq!(status(rig).pin_tries_left, Some(limit));
    match card_ops::verify(conn(rig), &pin("999999")) {
        Err(OpError::Card(CardError::WrongPin { tries_left })) => assert_eq!(tries_left, limit - 1),
        other => panic!("{other:?}"),
    }
}

fn change_pin_and_weak_pins(rig: &dyn Rig, t: Transport) {
    rig.insert(card("v3-uyghur.toml", t));
    let ssn = card_file("v3-uyghur.toml").ef06.ssn;
    // Weak PINs are refused before the card is asked anything that could change it.
    for weak in ["111111", "234567", "987654", &ssn[6..12], &ssn[11..17]] {
        match card_ops::change_pin(conn(rig), &pin("123456"), &pin(weak)) {
            Err(OpError::WeakPin(_)) => {}
            other => panic!("{weak}: expected weak PIN refusal, got {other:?}"),
        }
    }
    assert_eq!(
        status(rig).pin_tries_left,
        Some(3),
        "weak-PIN refusals use no tries"
    );
    // Wrong old PIN costs one try.
    assert!(matches!(
        card_ops::change_pin(conn(rig), &pin("000000"), &pin("704915")),
        Err(OpError::Card(CardError::WrongPin { tries_left: 2 }))
    ));
    card_ops::change_pin(conn(rig), &pin("123456"), &pin("704915")).expect("change");
    assert_eq!(
        status(rig).pin_tries_left,
        Some(3),
        "a right old PIN restores the tries"
    );
    card_ops::verify(conn(rig), &pin("704915")).expect("new PIN works");
    assert!(matches!(
        card_ops::verify(conn(rig), &pin("123456")),
        Err(OpError::Card(CardError::WrongPin { .. }))
    ));
    assert!(matches!(
        card_ops::change_pin(conn(rig), &pin("704915"), &pin("704915")),
        Err(OpError::SamePin)
    ));
}

fn activate_replaces_initial_pin_once(rig: &dyn Rig, t: Transport) {
    rig.insert(card("v2-3des.toml", t));
    assert!(matches!(
        card_ops::activate(conn(rig), &pin("123456")),
        Err(OpError::WeakPin(_))
    ));
    card_ops::activate(conn(rig), &pin("802613")).expect("activate");
    card_ops::verify(conn(rig), &pin("802613")).expect("holder's PIN");
    match card_ops::activate(conn(rig), &pin("913572")) {
        Err(OpError::NotInitialPin(CardError::WrongPin { tries_left: 2 })) => {}
        other => panic!("second activation: {other:?}"),
    }
}

fn reset_pin_with_psam(rig: &dyn Rig, t: Transport) {
    for name in ["v3-uyghur.toml", "v3-sm4.toml", "v2-3des.toml"] {
        rig.insert(card(name, t));
        for _ in 0..3 {
            let _ = card_ops::verify(conn(rig), &pin("000000"));
        }
        assert!(status(rig).pin_blocked, "{name}");
        let mut psam = sam(rig);
        assert!(matches!(
            card_ops::reset_pin(conn(rig), &mut psam, &pin("222222")),
            Err(OpError::WeakPin(_))
        ));
        card_ops::reset_pin(conn(rig), &mut psam, &pin("704915"))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(status(rig).pin_tries_left, Some(3), "{name}");
        card_ops::verify(conn(rig), &pin("704915")).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

fn block_and_unblock_application(rig: &dyn Rig, t: Transport) {
    for (name, variant) in [
        ("v3-uyghur.toml", BlockedSw::Sw6283),
        ("v3-sm4.toml", BlockedSw::Sw6A81),
    ] {
        let mut c = card(name, t);
        c.settings_mut().blocked_sw = variant;
        // A T=0 card of the 6A81 variant shows no FCI once blocked: the PSAM's configuration
        // for the region gives the algorithm (tests/tests/temporarily_blocked.rs has the rest).
        let region = Target {
            card_algorithms: [("652300".to_owned(), c.settings().algorithm)].into(),
            ..Target::default()
        };
        rig.insert(c);
        let mut psam = sam_configured(rig, &region);
        card_ops::block_app(conn(rig), &mut psam, false).expect("temporary block");
        let s = status(rig);
        assert_eq!(
            s.application,
            AppState::TemporarilyBlocked,
            "{name} {variant:?}"
        );
        assert_eq!(s.pin_tries_left, None);
        assert!(s.expiry_date.is_some(), "EF05 stays readable");
        let info = card_ops::info(conn(rig)).expect("info on a blocked app");
        assert!(info.holder.is_none());
        assert!(matches!(
            card_ops::verify(conn(rig), &pin("123456")),
            Err(OpError::Card(CardError::AppTemporarilyBlocked))
        ));
        card_ops::unblock_app(conn(rig), &mut psam).expect("unblock");
        assert_eq!(status(rig).application, AppState::Active);
        card_ops::verify(conn(rig), &pin("123456")).expect("PIN works again");
    }
}

fn permanent_block_and_card_block(rig: &dyn Rig, t: Transport) {
    rig.insert(card("v3-uyghur.toml", t));
    let mut psam = sam(rig);
    card_ops::block_app(conn(rig), &mut psam, true).expect("permanent block");
    let s = status(rig);
    assert_eq!(s.application, AppState::PermanentlyBlocked);
    assert_eq!(s.expired, None);
    assert!(matches!(
        card_ops::unblock_app(conn(rig), &mut psam),
        Err(OpError::Card(CardError::AppPermanentlyBlocked))
    ));
    assert!(matches!(
        card_ops::verify(conn(rig), &pin("123456")),
        Err(OpError::Card(CardError::AppPermanentlyBlocked))
    ));

    rig.insert(card("v3-sm4.toml", t));
    let mut psam = sam(rig);
    card_ops::block_card(conn(rig), &mut psam).expect("card block");
    assert_eq!(status(rig).application, AppState::CardBlocked);
    assert!(matches!(
        card_ops::info(conn(rig)),
        Err(OpError::Card(CardError::CardBlocked))
    ));
    assert!(matches!(
        card_ops::block_app(conn(rig), &mut psam, false),
        Err(OpError::Card(CardError::CardBlocked))
    ));
}

fn removal_between_operations(rig: &dyn Rig, t: Transport) {
    rig.insert(card("v3-uyghur.toml", t));
    let _ = card_ops::verify(conn(rig), &pin("000000"));
    rig.remove();
    match card_ops::connect_card(rig.provider(), &Target::default()) {
        Err(OpError::NoCard(msg)) => assert!(msg.contains("insert the"), "{msg}"),
        Err(OpError::Transport(TransportError::NoCard(_))) => {}
        Err(other) => panic!("expected no card, got {other:?}"),
        Ok(_) => panic!("expected no card, got a connection"),
    }
    rig.reinsert();
    // The card kept its state: one try used.
    assert_eq!(status(rig).pin_tries_left, Some(2));
}

macro_rules! suite {
    ($($name:ident),* $(,)?) => {
        mod in_process_t1 {
            $( #[test] fn $name() { super::$name(&tests::rig::InProcess::new(hw_sim::Transport::T1), hw_sim::Transport::T1) } )*
        }
        mod in_process_t0 {
            $( #[test] fn $name() { super::$name(&tests::rig::InProcess::new(hw_sim::Transport::T0), hw_sim::Transport::T0) } )*
        }
        mod vpcd_t1 {
            $( #[test] fn $name() { let rig = tests::rig::Vpcd::lock(hw_sim::Transport::T1); super::$name(&*rig, hw_sim::Transport::T1) } )*
        }
        mod vpcd_t0 {
            $( #[test] fn $name() { let rig = tests::rig::Vpcd::lock(hw_sim::Transport::T0); super::$name(&*rig, hw_sim::Transport::T0) } )*
        }
    };
}

suite!(
    info_matches_personalisation,
    status_fresh_and_expired,
    verify_counts_down_and_blocks,
    retry_limit_setting_is_read_not_assumed,
    change_pin_and_weak_pins,
    activate_replaces_initial_pin_once,
    reset_pin_with_psam,
    block_and_unblock_application,
    permanent_block_and_card_block,
    removal_between_operations,
);
