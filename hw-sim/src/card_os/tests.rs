//! Unit tests of the card OS: every command and status word, in both transports.

use super::*;
use crate::device::SimDevice;
use crate::settings::{BlockedSw, SpecVersion, Transport};
use card_io::sam::crypto::{card_key, iv_from_challenge, mac4, test_master_key};
use card_io::sam::Algorithm;

const BOTH: [Transport; 2] = [Transport::T1, Transport::T0];
const CH: [u8; 8] = [1, 2, 3, 4, 5, 6, 7, 8];
const SELECT: &str = "00A404000F7378312E73682EC9E7BBE1B1A3D5CF00";
const SELECT_NO_FCI: &str = "00A4040C0F7378312E73682EC9E7BBE1B1A3D5CF";

fn h(s: &str) -> Vec<u8> {
    hex::decode(s.replace(' ', "")).unwrap()
}

fn card(name: &str, t: Transport) -> CardOs {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("cards")
        .join(name);
    let mut c = CardOs::from_file(path).unwrap();
    c.settings_mut().transport = t;
    c.set_fixed_challenge(Some(CH));
    c
}

fn uyghur(t: Transport) -> CardOs {
    card("v3-uyghur.toml", t)
}

/// One raw exchange.
fn raw(c: &mut CardOs, apdu: &str) -> String {
    hex::encode_upper(c.process(&h(apdu)))
}

/// One exchange, following `61xx` with GET RESPONSE (not `6Cxx`): the same answer in
/// both transports.
fn x(c: &mut CardOs, apdu: &str) -> String {
    let mut out = Vec::new();
    let mut resp = c.process(&h(apdu));
    loop {
        let (d, sw) = resp.split_at(resp.len() - 2);
        out.extend_from_slice(d);
        if sw[0] == 0x61 {
            resp = c.process(&[0x00, 0xC0, 0x00, 0x00, sw[1]]);
            continue;
        }
        out.extend_from_slice(sw);
        return hex::encode_upper(out);
    }
}

/// The full APDU: `head` (CLA INS P1 P2 Lc ‖ data without MAC) ‖ MAC4 over it with the
/// fixed challenge and the card's key of `role`.
fn with_mac(c: &CardOs, role: u8, head: &str) -> String {
    let alg = c.settings().algorithm;
    let mut city = c.region_code().as_bytes().to_vec();
    city.extend_from_slice(b"sx");
    let city: [u8; 8] = city.try_into().unwrap();
    let key = card_key(alg, &test_master_key(role), &c.chip_serial(), &city);
    let mac = mac4(alg, &key, &iv_from_challenge(alg, &CH), &h(head)).unwrap();
    format!("{}{}", head.replace(' ', ""), hex::encode_upper(mac))
}

fn fci(alg: u8) -> String {
    format!("6F19840F7378312E73682EC9E7BBE1B1A3D5CFA5069F0C038601{alg:02X}")
}

#[test]
fn atr_is_prefix_and_chip_serial() {
    let c = uyghur(Transport::T1);
    assert_eq!(hex::encode_upper(c.atr()), "3B6800008600112233445566");
    assert_eq!(
        c.chip_serial(),
        [0x86, 0, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66]
    );
}

#[test]
fn select_ssse_answers_the_fci() {
    for t in BOTH {
        let mut c = uyghur(t);
        assert_eq!(x(&mut c, SELECT), format!("{}9000", fci(1)));
        assert_eq!(
            x(&mut c, &SELECT[..SELECT.len() - 2]),
            format!("{}9000", fci(1)),
            "no Le"
        );
        assert_eq!(raw(&mut c, SELECT_NO_FCI), "9000");
        assert_eq!(
            x(&mut c, "00A404000F7378312E73682EC9E7BBE1B1A3D5CE00"),
            "6A82"
        );
        assert_eq!(x(&mut c, "00A4040006D1560000059000"), "6A82");
        assert_eq!(x(&mut c, "00A4040000"), "6700");
        assert_eq!(x(&mut c, "00A4040C00"), "6700");
        assert_eq!(
            x(&mut c, "00A408000F7378312E73682EC9E7BBE1B1A3D5CF00"),
            "6A86"
        );
        assert_eq!(
            x(&mut c, "00A404010F7378312E73682EC9E7BBE1B1A3D5CF00"),
            "6A86"
        );
        assert_eq!(
            x(&mut c, "80A404000F7378312E73682EC9E7BBE1B1A3D5CF00"),
            "6E00"
        );
        let mut sm4 = card("v3-sm4.toml", t);
        assert_eq!(x(&mut sm4, SELECT), format!("{}9000", fci(4)));
    }
    let mut c = uyghur(Transport::T0);
    assert_eq!(raw(&mut c, SELECT), "611B", "27 FCI bytes wait");
}

#[test]
fn select_ef() {
    for t in BOTH {
        let mut c = uyghur(t);
        assert_eq!(x(&mut c, "00A4020002EF05"), "6A82", "SSSE not selected yet");
        x(&mut c, SELECT);
        assert_eq!(x(&mut c, "00A4020002EF05"), "9000");
        assert_eq!(x(&mut c, "00A4000002EF06"), "9000", "P1 00 accepted");
        assert_eq!(x(&mut c, "00A4020C02EF0D"), "9000");
        assert_eq!(x(&mut c, "00A4020002EF07"), "6A82");
        assert_eq!(x(&mut c, "00A4020001EF"), "6700");
        assert_eq!(x(&mut c, "00A4020302EF05"), "6A86");
        let mut v2 = card("v2-3des.toml", t);
        x(&mut v2, SELECT);
        assert_eq!(
            x(&mut v2, "00A4020002EF0D"),
            "6A82",
            "no EF0D on 2.00 cards"
        );
    }
}

/// Reads record `p1` with `p2` and the right Le.
fn rec(c: &mut CardOs, p1: u8, p2: u8, le: usize) -> String {
    x(c, &format!("00B2{p1:02X}{p2:02X}{le:02X}"))
}

#[test]
fn read_record_in_all_four_addressings() {
    for t in BOTH {
        let mut c = uyghur(t);
        x(&mut c, SELECT);
        let want = "0304332E30309000";
        assert_eq!(rec(&mut c, 0x03, 0x28, 6), want, "SFI, identifier");
        assert_eq!(rec(&mut c, 0x03, 0x2C, 6), want, "SFI, number");
        assert_eq!(rec(&mut c, 0x03, 0x00, 6), want, "current EF, identifier");
        assert_eq!(rec(&mut c, 0x03, 0x04, 6), want, "current EF, number");
        // Reading through an SFI makes that EF current.
        assert_eq!(
            rec(&mut c, 0x08, 0x30, 20),
            "0812363532333031313938303035303630303358".to_string() + "9000"
        );
        assert_eq!(rec(&mut c, 0x0B, 0x00, 3), "0B01059000");
        // Selecting the EF makes it current too.
        x(&mut c, "00A4020002EF0D");
        assert_eq!(rec(&mut c, 0xEB, 0x00, 5), "EB036523009000");
        assert_eq!(rec(&mut c, 1, 0x04, 14), "EA0C3635323330303030303030339000");
        assert_eq!(
            rec(&mut c, 0xEA, 0x68, 14),
            "EA0C3635323330303030303030339000",
            "EF0D by SFI 13"
        );
    }
}

#[test]
fn ef05_and_ef06_contents() {
    let mut c = uyghur(Transport::T1);
    x(&mut c, SELECT);
    assert_eq!(
        rec(&mut c, 1, 0x28, 18),
        "011065230000000000008600112233445566".to_string() + "9000"
    );
    assert_eq!(rec(&mut c, 2, 0x28, 3), "0201319000");
    assert_eq!(rec(&mut c, 4, 0x28, 14), "040C6523000000000000000000019000");
    assert_eq!(rec(&mut c, 5, 0x28, 6), "0504202103159000");
    assert_eq!(rec(&mut c, 6, 0x28, 6), "0604203103159000");
    assert_eq!(
        rec(&mut c, 7, 0x28, 11),
        "0709413132333435363738".to_string() + "9000"
    );
    // The name: 30 GBK bytes in 09 (00-padded), the rest in 4E (FF-padded).
    let name = "阿卜杜热依木·买买提明·吐尔逊托合提";
    let (gbk, _, _) = encoding_rs::GBK.encode(name);
    let r09 = h(&rec(&mut c, 0x09, 0x30, 32));
    let r4e = h(&rec(&mut c, 0x4E, 0x30, 22));
    assert_eq!(&r09[..2], &[0x09, 30]);
    assert_eq!(&r4e[..2], &[0x4E, 20]);
    let first = &r09[2..32];
    let ext = &r4e[2..22];
    let joined: Vec<u8> = first
        .iter()
        .copied()
        .filter(|&b| b != 0)
        .chain(ext.iter().copied().filter(|&b| b != 0xFF))
        .collect();
    assert_eq!(joined, gbk.to_vec());
    assert_eq!(rec(&mut c, 0x0A, 0x30, 3), "0A01319000");
    assert_eq!(rec(&mut c, 0x0C, 0x30, 5), "0C036523019000");
    assert_eq!(rec(&mut c, 0x0D, 0x30, 6), "0D04198005069000");
    // Record numbers: 3 is 4E, 4 is 0A.
    assert_eq!(rec(&mut c, 3, 0x34, 22), hex::encode_upper(&r4e));
    assert_eq!(rec(&mut c, 4, 0x34, 3), "0A01319000");
}

#[test]
fn v2_card_without_extension_keeps_record_numbers() {
    for t in BOTH {
        let mut c = card("v2-3des.toml", t);
        x(&mut c, SELECT);
        assert_eq!(rec(&mut c, 0x4E, 0x30, 22), "6A83");
        assert_eq!(
            rec(&mut c, 3, 0x34, 22),
            "6A83",
            "record 3 (tag 4E) is missing"
        );
        assert_eq!(rec(&mut c, 4, 0x34, 3), "0A01319000", "record 4 is tag 0A");
        assert_eq!(rec(&mut c, 7, 0x34, 6), "0D04197508219000");
        assert_eq!(rec(&mut c, 3, 0x28, 6), "0304322E30309000");
        assert_eq!(rec(&mut c, 0xEA, 0x68, 14), "6A82", "no EF0D");
        let r = h(&rec(&mut c, 0x09, 0x30, 32));
        assert_eq!(&r[2..6], &[0xD5, 0xC5, 0xCE, 0xB0], "张伟 in GBK");
        assert!(r[6..32].iter().all(|&b| b == 0));
    }
}

#[test]
fn read_record_errors() {
    for t in BOTH {
        let mut c = uyghur(t);
        assert_eq!(rec(&mut c, 1, 0x28, 18), "6A82", "SSSE not selected");
        assert_eq!(rec(&mut c, 1, 0x00, 18), "6986", "no current EF");
        x(&mut c, SELECT);
        assert_eq!(
            rec(&mut c, 1, 0x04, 18),
            "6986",
            "no current EF after SELECT SSSE"
        );
        assert_eq!(rec(&mut c, 0, 0x28, 18), "6A86", "P1 0");
        for p2 in [0x29, 0x2A, 0x2B, 0x2D, 0x2E, 0x2F, 0x01] {
            assert_eq!(rec(&mut c, 1, p2, 18), "6A86", "P2 {p2:02X}");
        }
        assert_eq!(rec(&mut c, 0x08, 0x28, 20), "6A83", "tag 08 is not in EF05");
        assert_eq!(rec(&mut c, 8, 0x2C, 20), "6A83", "EF05 has 7 records");
        assert_eq!(rec(&mut c, 1, 0x38, 18), "6A82", "SFI 7");
        assert_eq!(rec(&mut c, 1, 0xF8, 18), "6A82", "SFI 31");
        assert_eq!(x(&mut c, "80B2012812"), "6E00");
        assert_eq!(x(&mut c, "00B201280112"), "6700", "command data");
    }
}

#[test]
fn read_record_le_handling() {
    let mut c = uyghur(Transport::T1);
    x(&mut c, SELECT);
    assert_eq!(raw(&mut c, "00B2012811"), "6C12");
    assert_eq!(raw(&mut c, "00B2012813"), "6C12");
    assert_eq!(raw(&mut c, "00B20128"), "6C12", "no Le");
    assert_eq!(
        raw(&mut c, "00B2012800"),
        "011065230000000000008600112233445566".to_string() + "9000",
        "T=1 Le 256"
    );
    assert_eq!(
        raw(&mut c, "00B2012812"),
        "011065230000000000008600112233445566".to_string() + "9000"
    );

    let mut c = uyghur(Transport::T0);
    x(&mut c, SELECT);
    assert_eq!(raw(&mut c, "00B2012811"), "6C12");
    assert_eq!(raw(&mut c, "00B20128"), "6C12");
    assert_eq!(raw(&mut c, "00B2012800"), "6C12", "T=0 Le 256 is wrong");
    assert_eq!(raw(&mut c, "00B2012812"), "6112");
    assert_eq!(
        raw(&mut c, "00C0000012"),
        "011065230000000000008600112233445566".to_string() + "9000"
    );
}

#[test]
fn t0_get_response() {
    let mut c = uyghur(Transport::T0);
    assert_eq!(raw(&mut c, "00C0000010"), "6985", "nothing pending");
    assert_eq!(raw(&mut c, SELECT), "611B");
    assert_eq!(
        raw(&mut c, "00C0000010"),
        "6F19840F7378312E73682EC9E7BBE1B1610B"
    );
    assert_eq!(raw(&mut c, "00C00000"), "6700", "no Le; data stay pending");
    assert_eq!(raw(&mut c, "00C0010005"), "6A86");
    assert_eq!(
        raw(&mut c, "00C0000020"),
        "A3D5CFA5069F0C0386010190".to_string() + "00"
    );
    assert_eq!(raw(&mut c, "00C0000001"), "6985", "all fetched");
    // Any other command discards pending data.
    assert_eq!(raw(&mut c, "0084000008"), "6108");
    assert_eq!(raw(&mut c, "00A4020002EF05"), "9000");
    assert_eq!(raw(&mut c, "00C0000008"), "6985");
    // T=1: data come directly, GET RESPONSE has nothing to give.
    let mut c = uyghur(Transport::T1);
    assert_eq!(raw(&mut c, "0084000008"), "01020304050607089000");
    assert_eq!(raw(&mut c, "00C0000008"), "6985");
}

#[test]
fn verify_counts_down_and_blocks() {
    for t in BOTH {
        let mut c = uyghur(t);
        assert_eq!(x(&mut c, "0020000003123456"), "9000");
        assert_eq!(x(&mut c, "00200000"), "9000", "already verified");
        assert!(c.pin_verified());
        assert_eq!(x(&mut c, "0020000003111111"), "63C2");
        assert_eq!(
            x(&mut c, "00200000"),
            "63C2",
            "failed VERIFY clears the verified state"
        );
        assert_eq!(x(&mut c, "0020000003111111"), "63C1");
        assert_eq!(
            x(&mut c, "0020000003123456"),
            "9000",
            "correct PIN restores the counter"
        );
        assert_eq!(c.pin_tries_left(), 3);
        for left in ["63C2", "63C1", "63C0"] {
            assert_eq!(x(&mut c, "0020000003654321"), left);
        }
        assert!(c.pin_blocked());
        assert_eq!(x(&mut c, "0020000003123456"), "6983");
        assert_eq!(x(&mut c, "00200000"), "6983");
        assert_eq!(c.pin_tries_left(), 0);
    }
}

#[test]
fn verify_status_query_never_changes_the_counter() {
    for t in BOTH {
        let mut c = uyghur(t);
        for _ in 0..5 {
            assert_eq!(x(&mut c, "00200000"), "63C3");
        }
        assert_eq!(c.pin_tries_left(), 3);
        x(&mut c, "0020000003123456");
        assert_eq!(x(&mut c, "00200000"), "9000");
        c.reset();
        assert!(!c.pin_verified());
        assert_eq!(
            x(&mut c, "00200000"),
            "63C3",
            "reset clears the verified state"
        );
    }
}

#[test]
fn verify_format_errors_leave_the_counter() {
    for t in BOTH {
        let mut c = uyghur(t);
        assert_eq!(x(&mut c, "002000000312345F"), "6A80");
        assert_eq!(x(&mut c, "00200000031234A6"), "6A80");
        assert_eq!(x(&mut c, "00200000021234"), "6700");
        assert_eq!(x(&mut c, "002000000412345600"), "6700");
        assert_eq!(x(&mut c, "0020000103123456"), "6A86");
        assert_eq!(x(&mut c, "0020010003123456"), "6A86");
        assert_eq!(x(&mut c, "8020000003123456"), "6E00");
        assert_eq!(c.pin_tries_left(), 3);
    }
}

#[test]
fn retry_limit_comes_from_the_settings() {
    let mut c = card("t0-blocked-6a81.toml", Transport::T1);
    c.set_lifecycle(Lifecycle::Active);
    assert_eq!(c.settings().pin_retry_limit, 6);
    assert_eq!(x(&mut c, "00200000"), "63C6");
    assert_eq!(x(&mut c, "0020000003000000"), "63C5");
    c.settings_mut().pin_retry_limit = 8;
    assert_eq!(x(&mut c, "0020000003123456"), "9000");
    assert_eq!(c.pin_tries_left(), 8);
    assert_eq!(x(&mut c, "0020000003000000"), "63C7");
}

#[test]
fn change_pin() {
    for t in BOTH {
        let mut c = uyghur(t);
        assert_eq!(x(&mut c, "805E010007123456FF654321"), "9000");
        assert_eq!(x(&mut c, "0020000003123456"), "63C2");
        assert_eq!(x(&mut c, "0020000003654321"), "9000");
        // Wrong old PIN uses the VERIFY counter.
        assert_eq!(x(&mut c, "805E010007111111FF222222"), "63C2");
        assert_eq!(c.pin_tries_left(), 2);
        // Format first, counter untouched.
        for bad in [
            "805E010007654321EE222222",
            "805E010007654321FF654321",
            "805E010007654321FF22222F",
            "805E0100076543A1FF222222",
        ] {
            assert_eq!(x(&mut c, bad), "6A80", "{bad}");
        }
        assert_eq!(c.pin_tries_left(), 2);
        assert_eq!(x(&mut c, "805E010006654321FF2222"), "6700");
        assert_eq!(x(&mut c, "805E000007654321FF222222"), "6A86");
        assert_eq!(x(&mut c, "805E010107654321FF222222"), "6A86");
        assert_eq!(x(&mut c, "005E010007654321FF222222"), "6E00");
        c.set_pin_tries_left(0);
        assert_eq!(x(&mut c, "805E010007654321FF222222"), "6983");
    }
}

#[test]
fn get_challenge() {
    for t in BOTH {
        let mut c = uyghur(t);
        assert_eq!(x(&mut c, "0084000008"), "01020304050607089000");
        assert_eq!(x(&mut c, "0084000004"), "6700");
        assert_eq!(x(&mut c, "0084000000"), "6700");
        assert_eq!(x(&mut c, "00840000"), "6700");
        assert_eq!(x(&mut c, "0084010008"), "6A86");
        assert_eq!(x(&mut c, "8084000008"), "6E00");
        c.set_fixed_challenge(None);
        let a = x(&mut c, "0084000008");
        let b = x(&mut c, "0084000008");
        assert_eq!(a.len(), 20);
        assert_ne!(a, b, "random challenges");
    }
}

#[test]
fn mac_commands_reproduce_the_vectors() {
    for t in BOTH {
        let mut c = uyghur(t);
        x(&mut c, SELECT);
        // APPLICATION BLOCK (temporary), then UNBLOCK.
        x(&mut c, "0084000008");
        assert_eq!(x(&mut c, "841E000004739CB459"), "9000");
        assert_eq!(c.lifecycle(), Lifecycle::TemporarilyBlocked);
        x(&mut c, "0084000008");
        assert_eq!(x(&mut c, "84180000045ABF433A"), "9000");
        assert_eq!(c.lifecycle(), Lifecycle::Active);
        // UNBLOCK PIN keeps the PIN, restores the counter.
        c.set_pin_tries_left(0);
        x(&mut c, "0084000008");
        assert_eq!(x(&mut c, "842400000457F23B89"), "9000");
        assert_eq!(c.pin_tries_left(), 3);
        assert_eq!(c.unblocks_left(), 9);
        assert_eq!(x(&mut c, "0020000003123456"), "9000");
        // RESET PIN to 704915, also when blocked.
        c.set_pin_tries_left(0);
        x(&mut c, "0084000008");
        assert_eq!(x(&mut c, "84240001077049153C488086"), "9000");
        assert_eq!(c.pin_tries_left(), 3);
        assert_eq!(x(&mut c, "0020000003704915"), "9000");
        // CARD BLOCK.
        x(&mut c, "0084000008");
        assert_eq!(x(&mut c, "8416000004930C84EB"), "9000");
        assert_eq!(c.lifecycle(), Lifecycle::CardBlocked);
        assert_eq!(x(&mut c, SELECT), "6A81");
    }
}

#[test]
fn sm4_card_reproduces_the_vectors() {
    for t in BOTH {
        let mut c = uyghur(t);
        c.settings_mut().algorithm = Algorithm::Sm4;
        assert_eq!(x(&mut c, SELECT), format!("{}9000", fci(4)));
        x(&mut c, "0084000008");
        assert_eq!(
            x(&mut c, "84240001077049153C488086"),
            "6988",
            "3DES MAC on an SM4 card"
        );
        x(&mut c, "0084000008");
        assert_eq!(x(&mut c, "8424000107704915387F0BA5"), "9000");
        x(&mut c, "0084000008");
        assert_eq!(x(&mut c, "841E000004A7FC5806"), "9000");
        assert_eq!(c.lifecycle(), Lifecycle::TemporarilyBlocked);
        // The shipped SM4 card (its own chip serial) with computed MACs.
        let mut s = card("v3-sm4.toml", t);
        x(&mut s, "0084000008");
        let apdu = with_mac(&s, 4, "8416000004");
        assert_eq!(x(&mut s, &apdu), "9000");
        assert_eq!(s.lifecycle(), Lifecycle::CardBlocked);
    }
}

#[test]
fn mac_errors() {
    for t in BOTH {
        let mut c = uyghur(t);
        assert_eq!(x(&mut c, "841E000004739CB459"), "6984", "no challenge");
        x(&mut c, "0084000008");
        assert_eq!(x(&mut c, "841E000004739CB458"), "6988");
        assert_eq!(
            x(&mut c, "841E000004739CB459"),
            "6984",
            "a wrong MAC consumes the challenge"
        );
        // The challenge is valid for the next command only.
        x(&mut c, "0084000008");
        x(&mut c, "00200000");
        assert_eq!(x(&mut c, "841E000004739CB459"), "6984");
        x(&mut c, "0084000008");
        assert_eq!(x(&mut c, "841E000003739CB4"), "6700");
        x(&mut c, "0084000008");
        assert_eq!(x(&mut c, "841E000204739CB459"), "6A86");
        assert_eq!(x(&mut c, "841E010004739CB459"), "6A86");
        assert_eq!(x(&mut c, "8418000104739CB459"), "6A86");
        assert_eq!(x(&mut c, "8416010004739CB459"), "6A86");
        assert_eq!(x(&mut c, "8424000204739CB459"), "6A86");
        assert_eq!(x(&mut c, "842400000557F23B8900"), "6700");
        assert_eq!(x(&mut c, "8424000104704915"), "6700");
        assert_eq!(x(&mut c, "041E000004739CB459"), "6E00");
        // A wrong MAC never touches the PIN counter.
        c.set_pin_tries_left(1);
        x(&mut c, "0084000008");
        assert_eq!(x(&mut c, "842400000457F23B88"), "6988");
        x(&mut c, "0084000008");
        assert_eq!(x(&mut c, "84240001077049153C488087"), "6988");
        assert_eq!(c.pin_tries_left(), 1);
        assert_eq!(c.unblocks_left(), 10);
        // RESET PIN with a new PIN that is not BCD.
        x(&mut c, "0084000008");
        assert_eq!(x(&mut c, "842400010770491F3C488086"), "6A80");
        assert_eq!(c.lifecycle(), Lifecycle::Active);
    }
}

#[test]
fn ten_unblocks_in_the_card_life() {
    let mut c = uyghur(Transport::T1);
    for i in 0..10 {
        x(&mut c, "0084000008");
        assert_eq!(x(&mut c, "842400000457F23B89"), "9000", "unblock {i}");
    }
    assert_eq!(c.unblocks_left(), 0);
    c.set_pin_tries_left(0);
    x(&mut c, "0084000008");
    assert_eq!(x(&mut c, "842400000457F23B89"), "6983");
    assert!(c.pin_blocked());
    // RESET PIN still works.
    x(&mut c, "0084000008");
    assert_eq!(x(&mut c, "84240001077049153C488086"), "9000");
}

#[test]
fn t0_warning_with_held_fci() {
    use crate::settings::T0Warnings;
    let mut c = uyghur(Transport::T0);
    c.set_lifecycle(Lifecycle::TemporarilyBlocked);
    c.settings_mut().t0_warnings = T0Warnings::Held;
    assert_eq!(raw(&mut c, SELECT), "6283");
    assert_eq!(raw(&mut c, "00C0000000"), format!("{}9000", fci(1)));
    assert_eq!(raw(&mut c, "00C0000000"), "6985", "nothing held any more");
    c.settings_mut().t0_warnings = T0Warnings::HeldWrongLe;
    assert_eq!(raw(&mut c, SELECT), "6283");
    assert_eq!(raw(&mut c, "00C0000000"), "6C1B");
    assert_eq!(raw(&mut c, "00C000001B"), format!("{}9000", fci(1)));
    // Another command drops what was held.
    assert_eq!(raw(&mut c, SELECT), "6283");
    assert_eq!(rec(&mut c, 6, 0x28, 6), "0604203103159000");
    assert_eq!(raw(&mut c, "00C000001B"), "6985");
    // An active application answers as always: data behind 61xx.
    c.set_lifecycle(Lifecycle::Active);
    assert_eq!(raw(&mut c, SELECT), "611B");
    assert_eq!(raw(&mut c, "00C000001B"), format!("{}9000", fci(1)));
}

#[test]
fn temporarily_blocked_application() {
    for (t, variant, want) in [
        (Transport::T1, BlockedSw::Sw6283, "6283"),
        (Transport::T0, BlockedSw::Sw6283, "6283"),
        (Transport::T1, BlockedSw::Sw6A81, "6A81"),
        (Transport::T0, BlockedSw::Sw6A81, "6A81"),
    ] {
        let mut c = uyghur(t);
        c.settings_mut().blocked_sw = variant;
        c.set_lifecycle(Lifecycle::TemporarilyBlocked);
        if t == Transport::T0 && variant == BlockedSw::Sw6A81 {
            // No data follow an error status on T=0.
            assert_eq!(raw(&mut c, SELECT), "6A81");
            assert_eq!(raw(&mut c, "00C0000000"), "6985", "nothing held");
        } else if t == Transport::T0 {
            assert_eq!(raw(&mut c, SELECT), "611B");
            assert_eq!(raw(&mut c, "00C000001B"), format!("{}{want}", fci(1)));
        } else {
            assert_eq!(raw(&mut c, SELECT), format!("{}{want}", fci(1)));
        }
        assert_eq!(raw(&mut c, SELECT_NO_FCI), want);
        assert_eq!(rec(&mut c, 6, 0x28, 6), "0604203103159000", "EF05 readable");
        assert_eq!(rec(&mut c, 8, 0x30, 20), "6985", "EF06 not");
        assert_eq!(rec(&mut c, 0xEA, 0x68, 14), "6985", "EF0D not");
        assert_eq!(x(&mut c, "00A4020002EF06"), "9000");
        assert_eq!(rec(&mut c, 1, 0x04, 20), "6985");
        assert_eq!(x(&mut c, "00200000"), "6985");
        assert_eq!(x(&mut c, "0020000003123456"), "6985");
        assert_eq!(x(&mut c, "805E010007123456FF654321"), "6985");
        x(&mut c, "0084000008");
        assert_eq!(x(&mut c, "842400000457F23B89"), "6985");
        x(&mut c, "0084000008");
        assert_eq!(x(&mut c, "84240001077049153C488086"), "6985");
        assert_eq!(c.pin_tries_left(), 3);
        assert_eq!(c.unblocks_left(), 10);
        // Blocking again temporarily changes nothing; unblocking makes it active.
        x(&mut c, "0084000008");
        assert_eq!(x(&mut c, "841E000004739CB459"), "9000");
        assert_eq!(c.lifecycle(), Lifecycle::TemporarilyBlocked);
        assert_eq!(x(&mut c, "0084000008"), "01020304050607089000");
        assert_eq!(x(&mut c, "84180000045ABF433A"), "9000");
        assert_eq!(x(&mut c, SELECT), format!("{}9000", fci(1)));
        // UNBLOCK on an active application: 9000, no change.
        x(&mut c, "0084000008");
        assert_eq!(x(&mut c, "84180000045ABF433A"), "9000");
        assert_eq!(c.lifecycle(), Lifecycle::Active);
    }
}

#[test]
fn blocked_states_allow_permanent_block_and_card_block() {
    for t in BOTH {
        let mut c = uyghur(t);
        c.set_lifecycle(Lifecycle::TemporarilyBlocked);
        x(&mut c, "0084000008");
        let apdu = with_mac(&c, 1, "841E000104");
        assert_eq!(x(&mut c, &apdu), "9000");
        assert_eq!(c.lifecycle(), Lifecycle::PermanentlyBlocked);

        let mut c = uyghur(t);
        c.set_lifecycle(Lifecycle::TemporarilyBlocked);
        x(&mut c, "0084000008");
        assert_eq!(x(&mut c, "8416000004930C84EB"), "9000");
        assert_eq!(c.lifecycle(), Lifecycle::CardBlocked);
    }
}

#[test]
fn permanently_blocked_answers_9303_to_everything() {
    for t in BOTH {
        let mut c = uyghur(t);
        x(&mut c, SELECT);
        x(&mut c, "0084000008");
        let apdu = with_mac(&c, 1, "841E000104");
        assert_eq!(x(&mut c, &apdu), "9000");
        for cmd in [
            SELECT,
            "00B2012812",
            "00200000",
            "0084000008",
            "84180000045ABF433A",
            "00C0000008",
            "00FF000000",
        ] {
            assert_eq!(raw(&mut c, cmd), "9303", "{cmd}");
        }
        c.reset();
        assert_eq!(raw(&mut c, SELECT), "9303");
    }
}

#[test]
fn card_blocked_answers_6a81_to_everything() {
    for t in BOTH {
        let mut c = uyghur(t);
        c.set_lifecycle(Lifecycle::CardBlocked);
        for cmd in [
            SELECT,
            SELECT_NO_FCI,
            "00B2012812",
            "0020000003123456",
            "0084000008",
            "8416000004930C84EB",
        ] {
            assert_eq!(raw(&mut c, cmd), "6A81", "{cmd}");
        }
    }
}

#[test]
fn unknown_and_malformed_commands() {
    for t in BOTH {
        let mut c = uyghur(t);
        assert_eq!(raw(&mut c, "00CA000000"), "6D00");
        assert_eq!(raw(&mut c, "80CA000000"), "6D00");
        assert_eq!(raw(&mut c, "10A4040000"), "6E00");
        assert_eq!(raw(&mut c, "FF20000003123456"), "6E00");
        assert_eq!(raw(&mut c, "00A4"), "6700");
        assert_eq!(raw(&mut c, ""), "6700");
        assert_eq!(
            raw(&mut c, "0020000005123456"),
            "6700",
            "Lc says 5, 3 follow"
        );
        assert_eq!(c.pin_tries_left(), 3);
    }
}

#[test]
fn reset_clears_the_session() {
    let mut c = uyghur(Transport::T0);
    x(&mut c, SELECT);
    x(&mut c, "0020000003123456");
    x(&mut c, "00A4020002EF05");
    assert_eq!(raw(&mut c, "0084000008"), "6108");
    c.reset();
    assert_eq!(raw(&mut c, "00C0000008"), "6985", "pending data gone");
    assert_eq!(rec(&mut c, 1, 0x04, 18), "6986", "current EF gone");
    assert_eq!(rec(&mut c, 1, 0x28, 18), "6A82", "SSSE deselected");
    assert_eq!(x(&mut c, "00200000"), "63C3");
    x(&mut c, "0084000008");
    c.power_off();
    assert_eq!(x(&mut c, "841E000004739CB459"), "6984", "challenge gone");
    assert_eq!(c.settings().spec_version, SpecVersion::V3);
}
