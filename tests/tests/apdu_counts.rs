//! APDUs per operation, exact: on a real card each command costs milliseconds, so a
//! regression here is a slowdown. Discovery is excluded (readers named explicitly); PSAM
//! commands are counted separately.

use card_io::date::Date;
use card_io::pin::Pin;
use hw_sim::backend::{CARD_SLOT, PSAM_SLOT};
use hw_sim::Transport;
use kiosk_host::card_ops::{self, Target};
use tests::card;
use tests::counting::CountingProvider;
use tests::rig::{InProcess, Rig};

fn pin(s: &str) -> Pin {
    Pin::parse(s).expect("PIN")
}

/// (card APDUs, PSAM APDUs) of each operation on `card_name`.
fn counts(card_name: &str, t: Transport) -> Vec<(&'static str, usize, usize)> {
    let rig = InProcess::new(t);
    let p = CountingProvider::new(rig.provider());
    let target = Target {
        reader: Some(CARD_SLOT.into()),
        psam_reader: Some(PSAM_SLOT.into()),
    };
    let conn = || card_ops::connect_card(&p, &target).expect("card");
    let mut out = Vec::new();
    let mut measure = |label: &'static str, f: &mut dyn FnMut()| {
        p.take();
        f();
        out.push((label, p.take(), 0));
    };
    rig.insert(card(card_name, t));
    measure("info", &mut || {
        card_ops::info(conn()).expect("info");
    });
    measure("status", &mut || {
        card_ops::status(conn(), Date::new(2026, 1, 1).expect("date")).expect("status");
    });
    measure("verify", &mut || card_ops::verify(conn(), &pin("123456")).expect("verify"));
    measure("change-pin", &mut || {
        card_ops::change_pin(conn(), &pin("123456"), &pin("704915")).expect("change")
    });
    // Secured operations: the PSAM is opened first, its SELECT counted apart.
    let secured = |label: &'static str, f: &mut dyn FnMut(&mut card_io::sam::psam::Psam)| {
        let mut sam = card_ops::open_psam(&p, &target, CARD_SLOT).expect("PSAM");
        p.take();
        f(&mut sam);
        (label, p.take())
    };
    let (l, n) = secured("reset-pin", &mut |s| {
        card_ops::reset_pin(conn(), s, &pin("802613")).expect("reset")
    });
    out.push((l, n, 0));
    let (l, n) = secured("unblock-pin", &mut |s| card_ops::unblock_pin(conn(), s).expect("unblock"));
    out.push((l, n, 0));
    let (l, n) = secured("block-app", &mut |s| card_ops::block_app(conn(), s, false).expect("block"));
    out.push((l, n, 0));
    let (l, n) = secured("unblock-app", &mut |s| card_ops::unblock_app(conn(), s).expect("unblock app"));
    out.push((l, n, 0));
    let (l, n) = secured("block-card", &mut |s| card_ops::block_card(conn(), s).expect("block card"));
    out.push((l, n, 0));
    out
}

/// Card APDUs + 2 PSAM APDUs (KEY INIT, MAC) for the secured operations.
fn expected(t: Transport, v3: bool) -> Vec<(&'static str, usize)> {
    // T=0 answers every command carrying data with 61xx first: one GET RESPONSE more.
    let d = if t == Transport::T0 { 2 } else { 1 };
    let select = d;
    let read = d;
    // PSAM: KEY INIT, then MAC (whose answer takes a GET RESPONSE in T=0).
    let psam_mac = 1 + d;
    // EF06 on the 2.00 test card has no 4E record: the read answers 6A83 in one APDU.
    let ef06 = if v3 { 7 * read } else { 6 * read + 1 };
    let ef0d = if v3 { 2 * read } else { 0 };
    vec![
        ("info", select + 7 * read + ef06 + ef0d),
        ("status", select + 1 + read),
        ("verify", select + 1),
        ("change-pin", select + 2 * read + 1),
        ("reset-pin", select + 2 * read + read + d + 1 + psam_mac),
        ("unblock-pin", select + read + d + 1 + psam_mac),
        ("block-app", select + read + d + 1 + psam_mac),
        ("unblock-app", select + read + d + 1 + psam_mac),
        ("block-card", select + read + d + 1 + psam_mac),
    ]
}

fn check(card_name: &str, t: Transport, v3: bool) {
    let got: Vec<(&str, usize)> = counts(card_name, t).into_iter().map(|(l, n, _)| (l, n)).collect();
    assert_eq!(got, expected(t, v3), "{card_name} {t:?}");
}

#[test]
fn apdus_per_operation_v3_t1() {
    check("v3-uyghur.toml", Transport::T1, true);
}

#[test]
fn apdus_per_operation_v3_t0() {
    check("v3-uyghur.toml", Transport::T0, true);
}

#[test]
fn apdus_per_operation_v2_t1() {
    check("v2-3des.toml", Transport::T1, false);
}

#[test]
fn status_needs_at_most_three_apdus() {
    let got = counts("v3-sm4.toml", Transport::T1);
    let status = got.iter().find(|(l, _, _)| *l == "status").map(|(_, n, _)| *n);
    assert_eq!(status, Some(3));
}
