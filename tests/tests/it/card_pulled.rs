//! A card pulled at every APDU of every operation: each pull gives a clear "card removed"
//! error, the card is left either as before or as after (never half-changed), and the next
//! operation after reinsertion works. Also: the PC/SC service down, a reader unplugged.

use card_io::sscard::AppState;
use card_io::transport::TransportError;
use hw_sim::backend::{CARD_SLOT, PSAM_SLOT};
use hw_sim::Transport;
use kiosk_core::card_ops::{self, OpError, Target};
use tests::rig::{InProcess, Rig};
use tests::{card, pin, today};

#[derive(Clone, Copy, Debug)]
enum Op {
    Info,
    Status,
    Verify,
    ChangePin,
    ResetPin,
    UnblockPin,
    BlockApp,
    UnblockApp,
    BlockCard,
}

fn run(rig: &InProcess, op: Op) -> Result<(), OpError> {
    let target = Target::default();
    let conn = card_ops::connect_card(rig.provider(), &target)?;
    let card_reader = conn.reader_name().to_owned();
    let sam = || card_ops::open_psam(rig.provider(), &target, &card_reader);
    match op {
        Op::Info => card_ops::info(conn).map(|_| ()),
        Op::Status => card_ops::status(conn, today()).map(|_| ()),
        Op::Verify => card_ops::verify(conn, &pin("123456")),
        Op::ChangePin => card_ops::change_pin(conn, &pin("123456"), &pin("704915")),
        Op::ResetPin => card_ops::reset_pin(conn, &mut sam()?, &pin("704915")),
        Op::UnblockPin => card_ops::unblock_pin(conn, &mut sam()?),
        Op::BlockApp => card_ops::block_app(conn, &mut sam()?, false),
        Op::UnblockApp => card_ops::unblock_app(conn, &mut sam()?),
        Op::BlockCard => card_ops::block_card(conn, &mut sam()?),
    }
}

/// Puts the card in the state the operation starts from.
fn prepare(rig: &InProcess, op: Op, t: Transport) {
    rig.insert(card("v3-uyghur.toml", t));
    match op {
        Op::UnblockPin => {
            for _ in 0..3 {
                let _ = card_ops::verify(
                    card_ops::connect_card(rig.provider(), &Target::default()).expect("card"),
                    &pin("000000"),
                );
            }
        }
        Op::UnblockApp => run(rig, Op::BlockApp).expect("block first"),
        _ => {}
    }
}

/// The card after an interrupted operation is in the state before or the state after.
fn check_consistent(rig: &InProcess, op: Op) {
    let s = card_ops::status(
        card_ops::connect_card(rig.provider(), &Target::default()).expect("card back"),
        today(),
    )
    .expect("status after reinsertion");
    match op {
        Op::Info | Op::Status | Op::Verify => {
            assert_eq!(s.application, AppState::Active);
            assert_eq!(s.pin_tries_left, Some(3));
        }
        Op::ChangePin | Op::ResetPin => {
            assert_eq!(s.pin_tries_left, Some(3), "{op:?}: no try lost");
            let new_ok = run_verify(rig, "704915");
            let old_ok = new_ok.is_err() && run_verify(rig, "123456").is_ok();
            assert!(
                new_ok.is_ok() || old_ok,
                "{op:?}: neither the old nor the new PIN works"
            );
        }
        Op::UnblockPin => assert!(
            s.pin_tries_left == Some(0) || s.pin_tries_left == Some(3),
            "{op:?}: tries {:?}",
            s.pin_tries_left
        ),
        Op::BlockApp | Op::UnblockApp => assert!(
            matches!(
                s.application,
                AppState::Active | AppState::TemporarilyBlocked
            ),
            "{op:?}: {:?}",
            s.application
        ),
        Op::BlockCard => assert!(matches!(
            s.application,
            AppState::Active | AppState::CardBlocked
        )),
    }
}

fn run_verify(rig: &InProcess, p: &str) -> Result<(), OpError> {
    card_ops::verify(
        card_ops::connect_card(rig.provider(), &Target::default())?,
        &pin(p),
    )
}

fn pull_at_every_apdu(t: Transport) {
    let ops = [
        Op::Info,
        Op::Status,
        Op::Verify,
        Op::ChangePin,
        Op::ResetPin,
        Op::UnblockPin,
        Op::BlockApp,
        Op::UnblockApp,
        Op::BlockCard,
    ];
    for op in ops {
        let mut completed = false;
        for n in 0..64 {
            let rig = InProcess::new(t);
            prepare(&rig, op, t);
            rig.readers.remove_after(CARD_SLOT, n);
            match run(&rig, op) {
                Ok(()) => {
                    completed = true;
                    break;
                }
                Err(e) => {
                    assert!(
                        e.is_card_gone(),
                        "{op:?} pulled after {n} APDUs: unexpected error {e:?}"
                    );
                    let msg = e.to_string();
                    assert!(
                        msg.contains("removed")
                            || msg.contains("no card")
                            || msg.contains("insert"),
                        "{op:?}: unclear message {msg:?}"
                    );
                }
            }
            rig.reinsert();
            check_consistent(&rig, op);
        }
        assert!(completed, "{op:?} never completed");
    }
}

#[test]
fn pulled_at_every_apdu_t1() {
    pull_at_every_apdu(Transport::T1);
}

#[test]
fn pulled_at_every_apdu_t0() {
    pull_at_every_apdu(Transport::T0);
}

#[test]
fn service_down_is_a_clear_error_and_recovers() {
    let rig = InProcess::new(Transport::T1);
    rig.insert(card("v3-uyghur.toml", Transport::T1));
    rig.readers.set_service_down(true);
    let e = card_ops::connect_card(rig.provider(), &Target::default())
        .err()
        .expect("service down");
    assert!(
        matches!(e, OpError::Transport(TransportError::ServiceUnavailable(_))),
        "{e:?}"
    );
    assert!(e.to_string().contains("pcscd"), "says how to start it: {e}");
    assert_eq!(e.exit_code(), 3);
    rig.readers.set_service_down(false);
    card_ops::verify(
        card_ops::connect_card(rig.provider(), &Target::default()).expect("back"),
        &pin("123456"),
    )
    .expect("works once the service is back");
}

#[test]
fn unplugged_reader_and_missing_psam() {
    let rig = InProcess::new(Transport::T1);
    rig.insert(card("v3-uyghur.toml", Transport::T1));
    rig.readers.unplug(PSAM_SLOT);
    let conn = card_ops::connect_card(rig.provider(), &Target::default()).expect("card");
    let e = card_ops::open_psam(rig.provider(), &Target::default(), conn.reader_name())
        .err()
        .expect("no PSAM");
    assert!(matches!(e, OpError::NoPsam), "{e:?}");
    assert!(e.to_string().contains("PSAM missing"));
    rig.readers.unplug(CARD_SLOT);
    let e = card_ops::connect_card(rig.provider(), &Target::default())
        .err()
        .expect("no reader");
    assert!(
        matches!(e, OpError::Transport(TransportError::NoReader)),
        "{e:?}"
    );
    assert_eq!(e.to_string(), "no card reader connected");
}
