//! A card pulled in the middle of a command through the real PC/SC stack: the vpcd
//! connection drops while the card is answering the N-th APDU of an operation, for every N.
//! Each pull gives a clear "card removed" error, the card is left as before or as after, and
//! the next operation after reinsertion works.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Sender};
use std::sync::Arc;
use std::time::Duration;

use card_io::sscard::AppState;
use hw_sim::{CardOs, SimDevice, Transport};
use kiosk_core::card_ops::{self, OpError, Target};
use tests::rig::{Rig, Vpcd};
use tests::{card, pin, today};

/// Answers `left` APDUs, then signals the puller while "answering" the next one.
struct PullAt {
    inner: CardOs,
    left: Arc<AtomicUsize>,
    pull: Sender<()>,
}

const DISARMED: usize = usize::MAX;

impl SimDevice for PullAt {
    fn atr(&self) -> Vec<u8> {
        self.inner.atr()
    }
    fn process(&mut self, apdu: &[u8]) -> Vec<u8> {
        match self.left.load(Ordering::SeqCst) {
            0 => {
                self.left.store(DISARMED, Ordering::SeqCst);
                let _ = self.pull.send(());
                // The connection is closed while this answer is on its way.
                std::thread::sleep(Duration::from_millis(300));
                vec![0x6F, 0x00]
            }
            DISARMED => self.inner.process(apdu),
            n => {
                self.left.store(n - 1, Ordering::SeqCst);
                self.inner.process(apdu)
            }
        }
    }
    fn reset(&mut self) {
        self.inner.reset()
    }
    fn power_off(&mut self) {
        self.inner.power_off()
    }
}

#[derive(Clone, Copy, Debug)]
enum Op {
    Verify,
    ChangePin,
    ResetPin,
    BlockApp,
}

fn run(rig: &Vpcd, op: Op) -> Result<(), OpError> {
    let target = Target::default();
    let conn = card_ops::connect_card(rig.provider(), &target)?;
    let reader = conn.reader_name().to_owned();
    let sam = || card_ops::open_psam(rig.provider(), &target, &reader);
    match op {
        Op::Verify => card_ops::verify(conn, &pin("123456")),
        Op::ChangePin => card_ops::change_pin(conn, &pin("123456"), &pin("704915")),
        Op::ResetPin => card_ops::reset_pin(conn, &mut sam()?, &pin("704915")),
        Op::BlockApp => card_ops::block_app(conn, &mut sam()?, false),
    }
}

fn consistent(rig: &Vpcd, op: Op) {
    let s = card_ops::status(
        card_ops::connect_card(rig.provider(), &Target::default()).expect("card back"),
        today(),
    )
    .expect("status after reinsertion");
    match op {
        Op::Verify => assert_eq!(s.pin_tries_left, Some(3)),
        Op::ChangePin | Op::ResetPin => {
            assert_eq!(s.pin_tries_left, Some(3), "{op:?}: no try lost");
            let verify = |p: &str| {
                card_ops::verify(
                    card_ops::connect_card(rig.provider(), &Target::default())?,
                    &pin(p),
                )
            };
            assert!(
                verify("704915").is_ok() || verify("123456").is_ok(),
                "{op:?}: neither the old nor the new PIN works"
            );
        }
        Op::BlockApp => assert!(matches!(
            s.application,
            AppState::Active | AppState::TemporarilyBlocked
        )),
    }
}

#[test]
fn card_pulled_mid_command_through_pcscd() {
    let rig = Vpcd::lock(Transport::T1);
    for op in [Op::Verify, Op::ChangePin, Op::ResetPin, Op::BlockApp] {
        let mut completed = false;
        for n in 0..12 {
            let left = Arc::new(AtomicUsize::new(n));
            let (tx, rx) = channel();
            let dev = PullAt {
                inner: card("v3-uyghur.toml", Transport::T1),
                left: left.clone(),
                pull: tx,
            };
            // Insert through the rig with the wrapped card (same ATR as the plain card).
            rig.insert_device(Box::new(dev));
            let done = std::sync::atomic::AtomicBool::new(false);
            let rig_ref: &Vpcd = &rig;
            let result = std::thread::scope(|scope| {
                let done = &done;
                scope.spawn(move || loop {
                    match rx.recv_timeout(Duration::from_millis(50)) {
                        Ok(()) => {
                            rig_ref.pull_now();
                            break;
                        }
                        Err(std::sync::mpsc::RecvTimeoutError::Timeout)
                            if !done.load(Ordering::SeqCst) => {}
                        Err(_) => break,
                    }
                });
                let r = run(rig_ref, op);
                left.store(DISARMED, Ordering::SeqCst);
                done.store(true, Ordering::SeqCst);
                r
            });
            match result {
                Ok(()) => {
                    completed = true;
                    break;
                }
                Err(e) => {
                    assert!(e.is_card_gone(), "{op:?} pulled at APDU {n}: {e:?}");
                    let msg = e.to_string();
                    assert!(
                        msg.contains("removed") || msg.contains("insert"),
                        "{op:?} at APDU {n}: unclear message {msg:?}"
                    );
                }
            }
            rig.reinsert();
            consistent(&rig, op);
        }
        assert!(completed, "{op:?} never completed");
    }
}
