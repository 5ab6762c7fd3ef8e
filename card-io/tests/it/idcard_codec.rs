//! GA 467 frame codec: round trips and property tests (no input panics the decoder; frames
//! split anywhere decode the same; garbage before a preamble is skipped; a corrupt frame
//! costs only itself).

use card_io::idcard::codec::{
    decode_frame, encode_answer, encode_command, encode_frame, Decoder, FrameError, MAX_LEN,
    OVERHEAD, PREAMBLE,
};
use proptest::prelude::*;

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        8 => prop::collection::vec(any::<u8>(), 2..64),
        1 => prop::collection::vec(any::<u8>(), (MAX_LEN - 40)..MAX_LEN),
    ]
}

/// Bytes biased towards the preamble's, without a whole preamble in them.
fn garbage() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![Just(0xAAu8), Just(0x96), Just(0x69), any::<u8>()],
        0..40,
    )
    .prop_filter("no whole preamble", |g| {
        !g.windows(PREAMBLE.len()).any(|w| w == PREAMBLE)
    })
}

fn drain(d: &mut Decoder) -> Vec<Result<Vec<u8>, FrameError>> {
    std::iter::from_fn(|| d.next_frame())
        .map(|r| r.map(|f| f.body))
        .collect()
}

fn feed_in_chunks(bytes: &[u8], cuts: &[usize]) -> Vec<Result<Vec<u8>, FrameError>> {
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    cuts.sort_unstable();
    let mut d = Decoder::new();
    let mut out = Vec::new();
    let mut at = 0;
    for cut in cuts.into_iter().chain([bytes.len()]) {
        d.push(&bytes[at..cut]);
        out.extend(drain(&mut d));
        at = cut;
    }
    out
}

#[test]
fn known_answer_and_round_trips() {
    assert_eq!(
        encode_command(0x20, 0x01, &[]).unwrap(),
        hex::decode("AAAAAA966900032001 22".replace(' ', "")).unwrap()
    );
    for (cmd, para) in [
        (0x20, 0x01),
        (0x20, 0x02),
        (0x30, 0x01),
        (0x11, 0xFF),
        (0x12, 0xFF),
    ] {
        let f = encode_command(cmd, para, &[]).unwrap();
        let c = decode_frame(&f).unwrap().command().unwrap();
        assert_eq!((c.cmd, c.para, c.data.len()), (cmd, para, 0));
    }
    let data: Vec<u8> = (0..(4 + 256 + 1024)).map(|i| i as u8).collect();
    let f = encode_answer([0, 0, 0x90], &data).unwrap();
    assert_eq!(f.len(), OVERHEAD + 3 + data.len());
    assert_eq!(&f[5..7], &[0x05, 0x08]); // 1288 = 3 + 1284 + 1
    let a = decode_frame(&f).unwrap().answer().unwrap();
    assert_eq!(a.sw, [0, 0, 0x90]);
    assert_eq!(a.data, data);
}

#[test]
fn errors_say_what_and_where() {
    let mut d = Decoder::new();
    d.push(&[0x01, 0x02, 0x03]);
    d.push(&PREAMBLE);
    d.push(&[0x12, 0x34]);
    let e = d.next_frame().unwrap().unwrap_err();
    assert_eq!(
        e.to_string(),
        "frame at byte 3: length field 4660 is outside 3..=1288"
    );
    let mut bad = encode_answer([0, 0, 0x9F], &[0; 4]).unwrap();
    let last = bad.len() - 1;
    bad[last] ^= 0x01;
    let e = decode_frame(&bad).unwrap_err();
    assert!(
        e.to_string().starts_with("frame at byte 0: checksum"),
        "{e}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn no_input_panics_and_the_buffer_stays_bounded(
        chunks in prop::collection::vec(prop::collection::vec(
            prop_oneof![Just(0xAAu8), Just(0x96), Just(0x69), Just(0x00), any::<u8>()], 0..300), 0..12),
    ) {
        let mut d = Decoder::new();
        for c in &chunks {
            d.push(c);
            for body in drain(&mut d).into_iter().flatten() {
                prop_assert!(body.len() < MAX_LEN);
            }
            prop_assert!(d.buffered() < PREAMBLE.len() + 2 + MAX_LEN);
        }
    }

    #[test]
    fn frames_split_anywhere_decode_the_same(
        bodies in prop::collection::vec(body(), 1..5),
        cuts in prop::collection::vec(any::<usize>(), 0..20),
    ) {
        let stream: Vec<u8> = bodies.iter().flat_map(|b| encode_frame(b).unwrap()).collect();
        let got = feed_in_chunks(&stream, &cuts);
        let want: Vec<Result<Vec<u8>, FrameError>> = bodies.into_iter().map(Ok).collect();
        prop_assert_eq!(got, want);
    }

    #[test]
    fn garbage_before_and_between_frames_is_skipped(
        parts in prop::collection::vec((garbage(), body()), 1..5),
        cuts in prop::collection::vec(any::<usize>(), 0..10),
    ) {
        let mut stream = Vec::new();
        for (g, b) in &parts {
            stream.extend_from_slice(g);
            stream.extend(encode_frame(b).unwrap());
        }
        let got = feed_in_chunks(&stream, &cuts);
        let want: Vec<Result<Vec<u8>, FrameError>> =
            parts.iter().map(|(_, b)| Ok(b.clone())).collect();
        prop_assert_eq!(got, want);
    }

    #[test]
    fn a_corrupt_frame_costs_only_itself(
        a in body(),
        b in body(),
        at in any::<usize>(),
        flip in 1u8..=255,
        cuts in prop::collection::vec(any::<usize>(), 0..10),
    ) {
        let mut fa = encode_frame(&a).unwrap();
        // a byte of the body or the checksum (a corrupt length is the next test's)
        let i = 7 + at % (fa.len() - 7);
        fa[i] ^= flip;
        let fb = encode_frame(&b).unwrap();
        let stream = [fa, fb].concat();
        let got = feed_in_chunks(&stream, &cuts);
        let first_is_checksum_error = matches!(got.first(), Some(Err(FrameError::BadChecksum { offset: 0, .. })));
        prop_assert!(first_is_checksum_error, "{:?}", got);
        prop_assert_eq!(got.last(), Some(&Ok(b)));
    }

    #[test]
    fn out_of_range_lengths_are_rejected_and_the_next_frame_survives(
        len in prop_oneof![0u16..3, (MAX_LEN as u16 + 1)..=u16::MAX],
        b in body(),
    ) {
        let mut stream = PREAMBLE.to_vec();
        stream.extend_from_slice(&len.to_be_bytes());
        stream.extend(encode_frame(&b).unwrap());
        let got = feed_in_chunks(&stream, &[]);
        prop_assert_eq!(
            got,
            vec![Err(FrameError::BadLength { offset: 0, len: len.into() }), Ok(b)]
        );
    }
}
