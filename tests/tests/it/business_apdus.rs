//! APDUs each business sends to the citizen's card on a kiosk whose readers are configured
//! (no discovery): reading the inserted card, then carrying the business out. Deterministic;
//! the table is in BENCHMARKS.md. Run with `--nocapture` to print it.

use hw_sim::backend::{CARD_SLOT, PSAM_SLOT};
use hw_sim::Transport;
use kiosk_core::card_ops::Target;
use kiosk_core::domain::BusinessCode as B;
use kiosk_core::engine::facts::Reason;
use kiosk_core::engine::session::{Event, Phase};
use kiosk_core::rules::Material;
use tests::counting::CountingProvider;
use tests::kiosk::{compliant_photo, feed, id_text, now, start, TestKiosk};
use tests::rig::{InProcess, Rig};
use tests::{card, pin};

/// (business, card file, person file (the ID card read first, 6.1.3.2 a)), expected read,
/// expected execution). Reading: SELECT, card number, expiry date, holder number, PIN tries (a
/// temporarily blocked application: SELECT and the two EF05 items). Carrying out: SELECT and
/// the command; a secured command adds the region code (the PSAM's diversification factor)
/// and GET CHALLENGE.
const ROWS: [(B, &str, &str, usize, usize); 9] = [
    (B::Status, "v2-3des.toml", "v2-3des.toml", 5, 0),
    (B::Enable, "v3-uyghur.toml", "v3-uyghur.toml", 5, 2),
    (B::PinChange, "v2-3des.toml", "v2-3des.toml", 5, 2),
    (B::PinReset, "v2-3des.toml", "v2-3des.toml", 5, 4),
    (B::PinUnblock, "pin-blocked.toml", "pin-blocked.toml", 5, 4),
    (
        B::CancelLoss,
        "t0-blocked-6a81.toml",
        "t0-blocked-6a81.toml",
        3,
        4,
    ),
    (B::Exchange, "expired.toml", "expired.toml", 5, 4),
    (B::Reissue, "v3-sm4.toml", "v3-sm4.toml", 5, 4),
    (B::Cancel, "v2-3des.toml", "v2-3des.toml", 5, 4),
];

fn count(transport: Transport) -> Vec<(B, usize, usize)> {
    let mut out = Vec::new();
    for (business, card_file, person, _, _) in ROWS {
        let rig = InProcess::new(transport);
        let counter = CountingProvider::for_reader(rig.provider(), CARD_SLOT);
        let k = TestKiosk::new();
        let mut e = k.engine(&counter, &|_| Ok(()));
        e.target = Target {
            reader: Some(CARD_SLOT.into()),
            psam_reader: Some(PSAM_SLOT.into()),
            ..e.target
        };
        let mut s = start(&e, business, false);
        if !person.is_empty() {
            feed(&e, &mut s, e.id_card_read(&id_text(person)).expect("ID"));
        }
        rig.insert(card(card_file, transport));
        counter.take();
        let ins = e.card_inserted(now()).expect("card read");
        let read = counter.take();
        feed(&e, &mut s, ins.event);
        while let Phase::Gathering { material } = s.phase {
            let ev = match material {
                Material::Photo => Event::PhotoTaken(compliant_photo()),
                Material::Reason if business == B::Cancel => Event::ReasonGiven(Reason::Emigration),
                Material::Reason => Event::ReasonGiven(Reason::Expiring),
                Material::BankMaterials => Event::BankReceipt("B-1".into()),
                other => panic!("{business:?} asks for {other:?}"),
            };
            feed(&e, &mut s, ev);
        }
        feed(&e, &mut s, Event::Confirm);
        match business {
            B::Enable | B::PinReset => feed(
                &e,
                &mut s,
                Event::Pins {
                    old: None,
                    new: Some(pin("580317")),
                    repeat: Some(pin("580317")),
                },
            ),
            B::PinChange => feed(
                &e,
                &mut s,
                Event::Pins {
                    old: Some(pin("123456")),
                    new: Some(pin("580317")),
                    repeat: Some(pin("580317")),
                },
            ),
            _ => {}
        }
        assert!(
            matches!(s.phase, Phase::Done { .. }),
            "{business:?}: {:?}",
            s.phase
        );
        out.push((business, read, counter.take()));
    }
    out
}

#[test]
fn apdus_per_business() {
    for transport in [Transport::T1, Transport::T0] {
        let got = count(transport);
        eprintln!("{transport:?}: business | read on insertion | carrying out");
        for (b, read, exec) in &got {
            eprintln!("  {b:?} | {read} | {exec}");
        }
        if transport == Transport::T1 {
            let expected: Vec<_> = ROWS.iter().map(|r| (r.0, r.3, r.4)).collect();
            assert_eq!(
                got, expected,
                "T=1 APDU counts changed: update BENCHMARKS.md"
            );
        }
    }
}
