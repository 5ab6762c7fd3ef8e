//! The transport rules of CARD-PROFILE.md section 1, one by one, through `card_io::transport::
//! transmit` against the simulated card: in-process and through pcscd + vpcd, in T=0 and T=1.
//! Each row gives the command, the exact APDUs the card must receive, and the result. The
//! conformance table in RELIABILITY.md points here.

use card_io::transport::{self, ReaderProvider};
use card_io::{Command, StatusWord};
use hw_sim::{Lifecycle, T0Warnings, Transport};
use tests::counting::CountingProvider;
use tests::rig::Rig;

const SELECT: &str = "00A404000F7378312E73682EC9E7BBE1B1A3D5CF00";
const FCI: &str = "6F19840F7378312E73682EC9E7BBE1B1A3D5CFA5069F0C03860101";
/// EF05 tag 01 of v3-uyghur.toml, as READ RECORD answers it.
const RECORD_01: &str = "011065230000000000008600112233445566";

/// One rule: the card's state, the command, what the card must see, what comes back.
struct Row {
    rule: &'static str,
    lifecycle: Lifecycle,
    t0_warnings: T0Warnings,
    /// Sent first (and not checked), e.g. a SELECT that makes EF05 reachable.
    setup: &'static [&'static str],
    command: &'static str,
    /// The APDUs the card receives for `command`, per transport.
    t0: &'static [&'static str],
    t1: &'static [&'static str],
    data: &'static str,
    sw: u16,
}

const SELECT_ACTIVE: &[&str] = &["00A4040C0F7378312E73682EC9E7BBE1B1A3D5CF"];

fn rows() -> Vec<Row> {
    vec![
        Row {
            rule: "61xx: GET RESPONSE with Le = xx, data joined",
            lifecycle: Lifecycle::Active,
            t0_warnings: T0Warnings::AfterData,
            setup: &[],
            command: SELECT,
            t0: &[SELECT, "00C000001B"],
            t1: &[SELECT],
            data: FCI,
            sw: 0x9000,
        },
        Row {
            rule: "6Cxx: the command again with Le = xx (Le 00 on T=0)",
            lifecycle: Lifecycle::Active,
            t0_warnings: T0Warnings::AfterData,
            setup: SELECT_ACTIVE,
            command: "00B2012800",
            t0: &["00B2012800", "00B2012812", "00C0000012"],
            // Le 00 (256) is "as much as there is" on T=1.
            t1: &["00B2012800"],
            data: RECORD_01,
            sw: 0x9000,
        },
        Row {
            rule: "wrong Le: 6Cxx in both transports, then the right Le",
            lifecycle: Lifecycle::Active,
            t0_warnings: T0Warnings::AfterData,
            setup: SELECT_ACTIVE,
            command: "00B2012820",
            t0: &["00B2012820", "00B2012812", "00C0000012"],
            t1: &["00B2012820", "00B2012812"],
            data: RECORD_01,
            sw: 0x9000,
        },
        Row {
            rule: "warning after the data (61xx, then FCI + 62 83)",
            lifecycle: Lifecycle::TemporarilyBlocked,
            t0_warnings: T0Warnings::AfterData,
            setup: &[],
            command: SELECT,
            t0: &[SELECT, "00C000001B"],
            t1: &[SELECT],
            data: FCI,
            sw: 0x6283,
        },
        Row {
            rule: "warning with held data: GET RESPONSE 00, the data with the first warning",
            lifecycle: Lifecycle::TemporarilyBlocked,
            t0_warnings: T0Warnings::Held,
            setup: &[],
            command: SELECT,
            t0: &[SELECT, "00C0000000"],
            t1: &[SELECT],
            data: FCI,
            sw: 0x6283,
        },
        Row {
            rule: "warning with held data, 6Cxx inside the GET RESPONSE",
            lifecycle: Lifecycle::TemporarilyBlocked,
            t0_warnings: T0Warnings::HeldWrongLe,
            setup: &[],
            command: SELECT,
            t0: &[SELECT, "00C0000000", "00C000001B"],
            t1: &[SELECT],
            data: FCI,
            sw: 0x6283,
        },
        Row {
            rule: "warning without data to a case-4 command, nothing held: 69 85 to GET RESPONSE, the warning alone (a T=1 card is asked too: the kiosk does not know the protocol)",
            lifecycle: Lifecycle::TemporarilyBlocked,
            t0_warnings: T0Warnings::Held,
            setup: &[],
            command: "00A4040C0F7378312E73682EC9E7BBE1B1A3D5CF00",
            t0: &["00A4040C0F7378312E73682EC9E7BBE1B1A3D5CF00", "00C0000000"],
            t1: &["00A4040C0F7378312E73682EC9E7BBE1B1A3D5CF00", "00C0000000"],
            data: "",
            sw: 0x6283,
        },
        Row {
            rule: "warning with nothing held (SELECT without FCI is case 3): final",
            lifecycle: Lifecycle::TemporarilyBlocked,
            t0_warnings: T0Warnings::Held,
            setup: &[],
            command: "00A4040C0F7378312E73682EC9E7BBE1B1A3D5CF",
            t0: &["00A4040C0F7378312E73682EC9E7BBE1B1A3D5CF"],
            t1: &["00A4040C0F7378312E73682EC9E7BBE1B1A3D5CF"],
            data: "",
            sw: 0x6283,
        },
        Row {
            rule: "63Cx to VERIFY (case 3) is the answer, never followed by GET RESPONSE",
            lifecycle: Lifecycle::Active,
            t0_warnings: T0Warnings::Held,
            setup: SELECT_ACTIVE,
            command: "0020000003000000",
            t0: &["0020000003000000"],
            t1: &["0020000003000000"],
            data: "",
            sw: 0x63C2,
        },
        Row {
            rule: "63Cx to VERIFY without data (case 1): final",
            lifecycle: Lifecycle::Active,
            t0_warnings: T0Warnings::Held,
            setup: SELECT_ACTIVE,
            command: "00200000",
            t0: &["00200000"],
            t1: &["00200000"],
            data: "",
            sw: 0x63C3,
        },
        Row {
            rule: "a card that answers early: an error to a case-4 command is final",
            lifecycle: Lifecycle::Active,
            t0_warnings: T0Warnings::Held,
            setup: &[],
            command: "00A404000FA00000000000000000000000000000",
            t0: &["00A404000FA00000000000000000000000000000"],
            t1: &["00A404000FA00000000000000000000000000000"],
            data: "",
            sw: 0x6A82,
        },
        Row {
            rule: "a card that answers early: 90 00 without data to a case-4 command is final",
            lifecycle: Lifecycle::Active,
            t0_warnings: T0Warnings::Held,
            setup: SELECT_ACTIVE,
            command: "00A4020002EF0500",
            t0: &["00A4020002EF0500"],
            t1: &["00A4020002EF0500"],
            data: "",
            sw: 0x9000,
        },
        Row {
            rule: "T=0: no data after an error; the 6A81 variant of a blocked application is bare",
            lifecycle: Lifecycle::TemporarilyBlocked,
            t0_warnings: T0Warnings::Held,
            setup: &[],
            command: "@6a81",
            t0: &[SELECT],
            t1: &[SELECT],
            data: "@fci-on-t1",
            sw: 0x6A81,
        },
        Row {
            rule: "extended length where a length needs it (T=1 only; the profile's own commands are all short): Le 300 goes extended, 6Cxx brings it back to short",
            lifecycle: Lifecycle::Active,
            t0_warnings: T0Warnings::AfterData,
            setup: SELECT_ACTIVE,
            command: "@extended",
            t0: &[],
            t1: &["00B2012800012C", "00B2012812"],
            data: RECORD_01,
            sw: 0x9000,
        },
    ]
}

fn check(rig: &dyn Rig, t: Transport) {
    let mut ran = 0;
    for row in rows() {
        let expected = match t {
            Transport::T0 => row.t0,
            Transport::T1 => row.t1,
        };
        if expected.is_empty() {
            // Not possible on this transport (extended length over T=0).
            continue;
        }
        let what = format!("{} ({:?}, {})", row.rule, t, rig.label());
        let mut card = tests::card("v3-uyghur.toml", t);
        card.set_lifecycle(row.lifecycle);
        card.settings_mut().t0_warnings = row.t0_warnings;
        let command = match row.command {
            "@6a81" => {
                card.settings_mut().blocked_sw = hw_sim::BlockedSw::Sw6A81;
                SELECT
            }
            "@extended" => "00B2012800012C",
            c => c,
        };
        rig.insert(card);
        let rec = CountingProvider::new(rig.provider());
        let reader = rig
            .provider()
            .list_readers()
            .expect("readers")
            .into_iter()
            .find(|r| {
                r.atr
                    .as_deref()
                    .is_some_and(|a| a.starts_with(&[0x3B, 0x68, 0, 0, 0x86]))
            })
            .expect("the card's reader")
            .name;
        let mut conn = rec.connect(&reader).expect("connect");
        let mut session = conn.session(None).expect("session");
        for s in row.setup {
            let cmd = Command::parse(&hex::decode(s).expect("hex")).expect("APDU");
            transport::transmit(&mut *session, &cmd).expect("setup");
        }
        rec.take();
        let cmd = Command::parse(&hex::decode(command).expect("hex")).expect("APDU");
        let r = transport::transmit(&mut *session, &cmd).unwrap_or_else(|e| panic!("{what}: {e}"));
        let sent: Vec<String> = rec.take_commands().iter().map(hex::encode_upper).collect();
        assert_eq!(sent, expected, "{what}: the card's APDUs");
        let data = match (row.data, t) {
            ("@fci-on-t1", Transport::T1) => FCI,
            ("@fci-on-t1", Transport::T0) => "",
            (d, _) => d,
        };
        assert_eq!(hex::encode_upper(&r.data), data, "{what}: data");
        assert_eq!(r.status(), StatusWord::from_raw(row.sw), "{what}: status");
        drop(session);
        let _ = conn.disconnect(card_io::Disposition::Reset);
        ran += 1;
    }
    eprintln!("{} rules checked ({t:?}, {})", ran, rig.label());
}

mod in_process {
    #[test]
    fn t1() {
        let rig = tests::rig::InProcess::new(hw_sim::Transport::T1);
        super::check(&rig, hw_sim::Transport::T1);
    }
    #[test]
    fn t0() {
        let rig = tests::rig::InProcess::new(hw_sim::Transport::T0);
        super::check(&rig, hw_sim::Transport::T0);
    }
}

mod through_vpcd {
    #[test]
    fn t1() {
        let rig = tests::rig::Vpcd::lock(hw_sim::Transport::T1);
        super::check(&*rig, hw_sim::Transport::T1);
    }
    #[test]
    fn t0() {
        let rig = tests::rig::Vpcd::lock(hw_sim::Transport::T0);
        super::check(&*rig, hw_sim::Transport::T0);
    }
}
