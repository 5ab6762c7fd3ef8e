//! Random APDUs and APDU sequences never panic the simulated devices, and every answer
//! carries at least a status word.

use hw_sim::{CardOs, PsamOptions, PsamOs, SimDevice, Transport};
use proptest::prelude::*;

fn card(file: &str, transport: Transport) -> CardOs {
    let mut c = CardOs::from_file(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("cards")
            .join(file),
    )
    .unwrap();
    c.settings_mut().transport = transport;
    c
}

/// Mostly well-formed commands with the card's CLA/INS values, plus random bytes.
fn apdu() -> impl Strategy<Value = Vec<u8>> {
    let structured = (
        prop::sample::select(vec![0x00u8, 0x80, 0x84, 0x0C, 0xFF]),
        prop::sample::select(vec![
            0xA4u8, 0xB2, 0x20, 0x5E, 0x84, 0x24, 0x1E, 0x18, 0x16, 0xC0, 0xB0, 0x1A, 0xFA, 0x00,
        ]),
        any::<u8>(),
        any::<u8>(),
        prop::collection::vec(any::<u8>(), 0..40),
        prop::option::of(any::<u8>()),
    )
        .prop_map(|(cla, ins, p1, p2, data, le)| {
            let mut v = vec![cla, ins, p1, p2];
            if !data.is_empty() {
                v.push(data.len() as u8);
                v.extend_from_slice(&data);
            }
            if let Some(le) = le {
                v.push(le);
            }
            v
        });
    prop_oneof![3 => structured, 1 => prop::collection::vec(any::<u8>(), 0..300)]
}

fn check(dev: &mut dyn SimDevice, seq: &[Vec<u8>], reset_every: usize) {
    for (i, a) in seq.iter().enumerate() {
        let r = dev.process(a);
        assert!(
            r.len() >= 2,
            "answer without SW to {}",
            hex::encode_upper(a)
        );
        if reset_every > 0 && i % reset_every == reset_every - 1 {
            dev.reset();
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn card_never_panics(seq in prop::collection::vec(apdu(), 1..40), t0 in any::<bool>(), reset_every in 0usize..8) {
        let transport = if t0 { Transport::T0 } else { Transport::T1 };
        for file in ["v3-uyghur.toml", "v2-3des.toml", "v3-sm4.toml", "t0-blocked-6a81.toml"] {
            let mut c = card(file, transport);
            // Start selected, so sequences reach deeper states.
            c.process(&hex::decode("00A404000F7378312E73682EC9E7BBE1B1A3D5CF00").unwrap());
            check(&mut c, &seq, reset_every);
            prop_assert!(c.pin_tries_left() <= c.settings().pin_retry_limit);
        }
    }

    #[test]
    fn psam_never_panics(seq in prop::collection::vec(apdu(), 1..40), t0 in any::<bool>()) {
        let transport = if t0 { Transport::T0 } else { Transport::T1 };
        let mut p = PsamOs::new(PsamOptions { transport, ..PsamOptions::default() }).unwrap();
        p.process(&hex::decode("00A4040006D15600000590").unwrap());
        check(&mut p, &seq, 0);
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        let mut c = card("v3-uyghur.toml", Transport::T0);
        prop_assert!(c.process(&bytes).len() >= 2);
    }
}
