//! APDUs per operation, exact: on a real card each command costs milliseconds, so a
//! regression here is a slowdown. Discovery is excluded (readers named explicitly); PSAM
//! commands are counted separately.

use hw_sim::Transport;
use tests::apdu_table::op_counts;

/// (operation, card APDUs, PSAM APDUs) expected.
fn expected(t: Transport, v3: bool) -> Vec<(&'static str, usize, usize)> {
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
        ("info", select + 7 * read + ef06 + ef0d, 0),
        ("status", select + 1 + read, 0),
        ("verify", select + 1, 0),
        ("change-pin", select + 2 * read + 1, 0),
        // Weak-PIN check (2 reads), region code, GET CHALLENGE, RESET PIN.
        ("reset-pin", select + 2 * read + read + d + 1, psam_mac),
        // Region code, GET CHALLENGE, the command.
        ("unblock-pin", select + read + d + 1, psam_mac),
        ("block-app", select + read + d + 1, psam_mac),
        ("unblock-app", select + read + d + 1, psam_mac),
        ("block-card", select + read + d + 1, psam_mac),
    ]
}

fn check(card_name: &str, t: Transport, v3: bool) {
    assert_eq!(
        op_counts(card_name, t),
        expected(t, v3),
        "{card_name} {t:?}"
    );
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
    let got = op_counts("v3-sm4.toml", Transport::T1);
    let status = got
        .iter()
        .find(|(l, _, _)| *l == "status")
        .map(|(_, n, _)| *n);
    assert_eq!(status, Some(3));
}
