//! A temporarily blocked card in every shape a card shows it (CARD-PROFILE.md sections 1 and
//! 4), through every operation and the businesses that meet it, in-process and through pcscd
//! + vpcd:
//!
//! | framing | SELECT SSSE answers |
//! |---|---|
//! | T=1, `62 83` | FCI ‖ `62 83` |
//! | T=1, `6A 81` | FCI ‖ `6A 81` |
//! | T=0, after-data | `61 1B`; GET RESPONSE: FCI ‖ `62 83` |
//! | T=0, held | `62 83`; GET RESPONSE `00 C0 00 00 00`: FCI ‖ `90 00` |
//! | T=0, held-6c | `62 83`; GET RESPONSE `00`: `6C 1B`; GET RESPONSE `1B`: FCI ‖ `90 00` |
//! | T=0, `6A 81` | `6A 81` alone (no data after an error): READ RECORD of EF05 tells it from a blocked card |
//!
//! Each scenario takes every framing of its rig's transport, and records the card's APDUs so
//! the exact exchange of the SELECT is checked too.

use card_io::sam::Algorithm;
use card_io::sscard::{AppState, CardError};
use hw_sim::{BlockedSw, CardOs, Lifecycle, T0Warnings, Transport};
use kiosk_core::card_ops::{self, OpError, Target};
use kiosk_core::domain::{BusinessCode as B, CardAction, CardState};
use kiosk_core::engine::executor::read_card;
use kiosk_core::engine::facts::AppStateCode;
use kiosk_core::engine::session::{Event, Phase};
use kiosk_core::store::Registry;
use tests::counting::CountingProvider;
use tests::kiosk::{feed, id_text, now, receipt, start, TestKiosk};
use tests::rig::Rig;
use tests::{card, pin, today};

const SELECT: &str = "00A404000F7378312E73682EC9E7BBE1B1A3D5CF00";
/// READ RECORD of EF05 tag 01 by SFI, with its exact Le.
const READ_ID_CODE: &str = "00B2012812";

/// One way a card shows a temporarily blocked application.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Framing {
    transport: Transport,
    blocked_sw: BlockedSw,
    t0_warnings: T0Warnings,
}

impl Framing {
    /// Every framing a card of transport `t` can show.
    fn all(t: Transport) -> Vec<Framing> {
        let f = |blocked_sw, t0_warnings| Framing {
            transport: t,
            blocked_sw,
            t0_warnings,
        };
        match t {
            Transport::T1 => vec![
                f(BlockedSw::Sw6283, T0Warnings::AfterData),
                f(BlockedSw::Sw6A81, T0Warnings::AfterData),
            ],
            Transport::T0 => vec![
                f(BlockedSw::Sw6283, T0Warnings::AfterData),
                f(BlockedSw::Sw6283, T0Warnings::Held),
                f(BlockedSw::Sw6283, T0Warnings::HeldWrongLe),
                f(BlockedSw::Sw6A81, T0Warnings::Held),
            ],
        }
    }

    /// Whether SELECT gives the FCI (everything but the T=0 `6A 81` variant).
    fn shows_fci(self) -> bool {
        !(self.transport == Transport::T0 && self.blocked_sw == BlockedSw::Sw6A81)
    }

    /// The card's APDUs of SELECT SSSE (and what tells the state when it is ambiguous).
    fn select_exchange(self) -> Vec<&'static str> {
        match (self.transport, self.blocked_sw, self.t0_warnings) {
            (Transport::T1, _, _) => vec![SELECT],
            (Transport::T0, BlockedSw::Sw6A81, _) => vec![SELECT, READ_ID_CODE, "00C0000012"],
            (Transport::T0, _, T0Warnings::AfterData) => vec![SELECT, "00C000001B"],
            (Transport::T0, _, T0Warnings::Held) => vec![SELECT, "00C0000000"],
            (Transport::T0, _, T0Warnings::HeldWrongLe) => {
                vec![SELECT, "00C0000000", "00C000001B"]
            }
        }
    }

    /// `file` (a card of `hw-sim/cards`) with this framing, its application temporarily
    /// blocked.
    fn blocked(self, file: &str) -> CardOs {
        let mut c = self.active(file);
        c.set_lifecycle(Lifecycle::TemporarilyBlocked);
        c
    }

    /// `file` with this framing, in the lifecycle state of its card file.
    fn active(self, file: &str) -> CardOs {
        let mut c = card(file, self.transport);
        c.settings_mut().blocked_sw = self.blocked_sw;
        c.settings_mut().t0_warnings = self.t0_warnings;
        c
    }
}

fn hex_commands(rec: &CountingProvider<'_>) -> Vec<String> {
    rec.take_commands().iter().map(hex::encode_upper).collect()
}

fn conn(provider: &dyn card_io::ReaderProvider) -> Box<dyn card_io::CardConnection> {
    card_ops::connect_card(provider, &Target::default()).expect("card found")
}

/// The PSAM, with the region configuration that gives the algorithm of cards without FCI.
fn configured_psam(rig: &dyn Rig) -> card_io::sam::psam::Psam {
    let target = Target {
        card_algorithms: hw_sim::psam::card_algorithms(),
        ..Target::default()
    };
    let c = conn(rig.provider());
    let name = c.reader_name().to_owned();
    let _ = c.disconnect(card_io::Disposition::Leave);
    card_ops::open_psam(rig.provider(), &target, &name).expect("PSAM found")
}

fn unconfigured_psam(rig: &dyn Rig) -> card_io::sam::psam::Psam {
    let c = conn(rig.provider());
    let name = c.reader_name().to_owned();
    let _ = c.disconnect(card_io::Disposition::Leave);
    card_ops::open_psam(rig.provider(), &Target::default(), &name).expect("PSAM found")
}

// ---- scenarios ----

/// card info, card status, VERIFY refused, unblock-app: the technician operations.
fn every_card_operation(rig: &dyn Rig, t: Transport) {
    for f in Framing::all(t) {
        let what = format!("{f:?} ({})", rig.label());
        rig.insert(f.blocked("v3-uyghur.toml"));
        let rec = CountingProvider::new(rig.provider());

        let info = card_ops::info(conn(&rec)).unwrap_or_else(|e| panic!("{what}: info: {e}"));
        let commands = hex_commands(&rec);
        assert_eq!(
            commands[..f.select_exchange().len()],
            f.select_exchange(),
            "{what}: the SELECT exchange"
        );
        assert_eq!(info.application, AppState::TemporarilyBlocked, "{what}");
        assert!(info.holder.is_none(), "{what}: EF06 is not readable");
        assert_eq!(info.identity.region_code, "652300", "{what}");
        assert_eq!(info.identity.card_number, "A12345678", "{what}");
        let fci_algorithm = f.shows_fci().then_some(Algorithm::Tdes);
        assert_eq!(info.algorithm, fci_algorithm, "{what}");

        let s = card_ops::status(conn(&rec), today()).expect("status");
        assert_eq!(s.application, AppState::TemporarilyBlocked, "{what}");
        assert_eq!(s.pin_tries_left, None, "{what}");
        assert_eq!(s.expired, Some(false), "{what}: EF05 readable");

        assert!(
            matches!(
                card_ops::verify(conn(&rec), &pin("123456")),
                Err(OpError::Card(CardError::AppTemporarilyBlocked))
            ),
            "{what}: VERIFY"
        );

        if !f.shows_fci() {
            // Without the FCI and without the region's configuration the operation says
            // plainly that it cannot proceed, and nothing is sent to the card but reads.
            let mut psam = unconfigured_psam(rig);
            rec.take();
            match card_ops::unblock_app(conn(&rec), &mut psam) {
                Err(OpError::Card(CardError::AlgorithmUnknown { region_code })) => {
                    assert_eq!(region_code, "652300", "{what}")
                }
                other => panic!("{what}: unconfigured unblock: {other:?}"),
            }
            assert!(
                hex_commands(&rec).iter().all(|c| !c.starts_with("84")),
                "{what}: no secured command without an algorithm"
            );
            assert_eq!(
                card_ops::status(conn(&rec), today())
                    .expect("status")
                    .application,
                AppState::TemporarilyBlocked,
                "{what}"
            );
        }
        let mut psam = configured_psam(rig);
        card_ops::unblock_app(conn(&rec), &mut psam)
            .unwrap_or_else(|e| panic!("{what}: unblock-app: {e}"));
        let s = card_ops::status(conn(&rec), today()).expect("status");
        assert_eq!(s.application, AppState::Active, "{what}");
        assert_eq!(s.pin_tries_left, Some(3), "{what}");
        card_ops::verify(conn(&rec), &pin("123456"))
            .unwrap_or_else(|e| panic!("{what}: PIN after unblock: {e}"));
    }
}

/// A blocked card answers SELECT with a bare `6A 81` in both transports, like the T=0 variant
/// of a temporarily blocked application: the READ RECORD that tells them apart is refused.
fn blocked_card_is_not_taken_for_a_blocked_application(rig: &dyn Rig, t: Transport) {
    for f in Framing::all(t) {
        let what = format!("{f:?} ({})", rig.label());
        let mut c = f.active("v3-uyghur.toml");
        c.set_lifecycle(Lifecycle::CardBlocked);
        rig.insert(c);
        let rec = CountingProvider::new(rig.provider());
        let s = card_ops::status(conn(&rec), today()).expect("status");
        assert_eq!(s.application, AppState::CardBlocked, "{what}");
        assert_eq!(s.expired, None, "{what}");
        assert_eq!(
            hex_commands(&rec),
            vec![SELECT, READ_ID_CODE, SELECT, READ_ID_CODE],
            "{what}: SELECT and the READ RECORD that tells, at discovery and in the operation"
        );
        let mut psam = configured_psam(rig);
        assert!(
            matches!(
                card_ops::unblock_app(conn(rig.provider()), &mut psam),
                Err(OpError::Card(CardError::CardBlocked))
            ),
            "{what}"
        );
    }
}

/// The demo's 古丽娜尔 reported her card lost; the card turns up, temporarily blocked, in each
/// framing: reading it on insertion, the status business, then 解挂 (cancel loss), which
/// unblocks it.
fn lost_card_found_status_and_cancel_loss(rig: &dyn Rig, t: Transport) {
    const FILE: &str = "t0-blocked-6a81.toml";
    const NUMBER: &str = "A34567890";
    for f in Framing::all(t) {
        let what = format!("{f:?} ({})", rig.label());
        let k = TestKiosk::new();
        let e = k.engine(rig.provider(), &|_| Ok(()));
        rig.insert(f.active(FILE));

        // What the engine reads on insertion.
        let mut c = conn(rig.provider());
        let facts = read_card(&mut *c, &k.store).unwrap_or_else(|e| panic!("{what}: {e}"));
        let _ = c.disconnect(card_io::Disposition::Leave);
        assert_eq!(facts.app_state, AppStateCode::TemporarilyBlocked, "{what}");
        assert_eq!(facts.card_number, NUMBER, "{what}");
        assert!(facts.expiry_date.is_some(), "{what}");
        assert_eq!(
            facts.record.as_ref().map(|r| r.state),
            Some(CardState::LostTemporary),
            "{what}"
        );

        // 查询: the status shows the loss report.
        let mut s = start(&e, B::Status, false);
        feed(&e, &mut s, e.id_card_read(&id_text(FILE)).expect("ID card"));
        let ins = e.card_inserted(now()).expect("card read");
        assert_eq!(ins.guarded, None, "{what}: a lost card stays blocked");
        feed(&e, &mut s, ins.event);
        feed(&e, &mut s, Event::Confirm);
        let r = receipt(&s).join("\n");
        assert!(r.contains("卡状态: 临时挂失"), "{what}: {r}");

        // 解挂: the card is unblocked and the registry agrees.
        let mut s = start(&e, B::CancelLoss, false);
        feed(&e, &mut s, e.id_card_read(&id_text(FILE)).expect("ID card"));
        let ins = e.card_inserted(now()).expect("card read");
        feed(&e, &mut s, ins.event);
        feed(&e, &mut s, Event::Confirm);
        assert!(
            matches!(s.phase, Phase::Done { .. }),
            "{what}: {:?}",
            s.phase
        );
        assert_eq!(
            k.store.card(NUMBER).expect("db").expect("card").state,
            CardState::Active,
            "{what}"
        );
        let status = card_ops::status(conn(rig.provider()), today()).expect("status");
        assert_eq!(status.application, AppState::Active, "{what}");
    }
}

/// A card the registry holds active but whose application is temporarily blocked (a loss
/// lifted elsewhere): the insertion guard unblocks it, in each framing.
fn guard_unblocks_a_card_the_registry_holds_active(rig: &dyn Rig, t: Transport) {
    for f in Framing::all(t) {
        let what = format!("{f:?} ({})", rig.label());
        let k = TestKiosk::new();
        let e = k.engine(rig.provider(), &|_| Ok(()));
        rig.insert(f.blocked("v2-3des.toml"));
        let ins = e
            .card_inserted(now())
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(ins.guarded, Some(CardAction::UnblockApp), "{what}");
        let status = card_ops::status(conn(rig.provider()), today()).expect("status");
        assert_eq!(status.application, AppState::Active, "{what}");
    }
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
    every_card_operation,
    blocked_card_is_not_taken_for_a_blocked_application,
    lost_card_found_status_and_cancel_loss,
    guard_unblocks_a_card_the_registry_holds_active,
);
