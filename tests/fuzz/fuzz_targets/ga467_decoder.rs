//! The GA 467 streaming decoder fed a byte stream in arbitrary chunkings (as a serial port's
//! reads cut it), and the frame encoder.
//!
//! Checked: the frames and errors do not depend on how the stream was cut; every frame
//! re-encodes to bytes that occur in the stream, its length within the limits; the decoder
//! never holds more than one frame's worth of bytes beyond what it was given unread; garbage
//! and frames account for every byte consumed; and bodies made by the fuzzer round trip through
//! `encode_frame` → `decode_frame` → `Decoder` even behind garbage.
//!
//! Input: a length byte and that many chunk sizes, then the stream.
#![no_main]

use card_io::idcard::codec::{self, Decoder, Frame, FrameError, MAX_LEN, MIN_LEN, OVERHEAD};
use kiosk_fuzz::{chunks, fields};
use libfuzzer_sys::fuzz_target;

/// Everything the decoder gives for `parts`, draining after each push.
fn run(parts: &[&[u8]]) -> (Vec<Result<Frame, FrameError>>, Decoder) {
    let mut d = Decoder::new();
    let mut out = Vec::new();
    for p in parts {
        d.push(p);
        while let Some(r) = d.next_frame() {
            out.push(r);
            assert!(out.len() <= 1 + parts.iter().map(|p| p.len()).sum::<usize>());
        }
        // What stays buffered is an unfinished frame: a preamble (or its start) and at most
        // its declared length.
        assert!(
            d.buffered() < OVERHEAD + MAX_LEN,
            "decoder holds {}",
            d.buffered()
        );
    }
    (out, d)
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fuzz_target!(|data: &[u8]| {
    let f = fields(data, 2);
    let (sizes, stream) = (f[0], f[1]);

    let (whole, dw) = run(&[stream]);
    let cut = chunks(stream, sizes);
    let (pieces, dp) = run(&cut);
    let bytewise: Vec<&[u8]> = stream.chunks(1).collect();
    let (single, ds) = run(&bytewise);
    assert_eq!(whole, pieces, "frames depend on the chunking");
    assert_eq!(
        whole, single,
        "frames depend on the chunking (byte by byte)"
    );
    assert_eq!(dw.buffered(), dp.buffered());
    assert_eq!(dw.buffered(), ds.buffered());
    assert_eq!(dw.garbage_skipped(), ds.garbage_skipped());

    let mut framed = 0u64;
    for r in &whole {
        match r {
            Ok(frame) => {
                let len = frame.body.len() + 1;
                assert!((MIN_LEN..=MAX_LEN).contains(&len));
                let bytes = match codec::encode_frame(&frame.body) {
                    Ok(b) => b,
                    Err(e) => panic!("a decoded frame does not encode: {e}"),
                };
                assert!(contains(stream, &bytes), "frame not in the stream");
                assert_eq!(codec::decode_frame(&bytes).as_ref(), Ok(frame));
                framed += bytes.len() as u64;
                let _ = format!("{frame:?}");
                let _ = frame.command().map_err(|e| e.to_string());
                let _ = frame.answer().map(|a| format!("{a:?}"));
            }
            Err(FrameError::BadLength { offset, len }) => {
                assert!(!(MIN_LEN..=MAX_LEN).contains(len));
                assert!(*offset < stream.len() as u64);
                assert!(stream[*offset as usize..].starts_with(&codec::PREAMBLE));
            }
            Err(FrameError::BadChecksum {
                offset,
                found,
                computed,
                ..
            }) => {
                assert_ne!(found, computed);
                assert!(stream[*offset as usize..].starts_with(&codec::PREAMBLE));
            }
            Err(e) => panic!("the stream decoder gave {e}"),
        }
    }
    // Every byte is in a frame, skipped as garbage (bad frames' first bytes included), or
    // still buffered.
    let errors = whole.iter().filter(|r| r.is_err()).count() as u64;
    assert!(dw.garbage_skipped() >= errors);
    assert_eq!(
        framed + dw.garbage_skipped() + dw.buffered() as u64,
        stream.len() as u64,
        "bytes unaccounted for"
    );

    // The stream read as a frame body: encode, then find it again behind the sizes as garbage.
    let body = &stream[..stream.len().min(MAX_LEN - 1)];
    match codec::encode_frame(body) {
        Ok(frame) => {
            assert_eq!(frame.len(), body.len() + OVERHEAD);
            assert_eq!(
                codec::decode_frame(&frame).map(|f| f.body),
                Ok(body.to_vec())
            );
            // Garbage without 0xAA cannot start a preamble, so cannot hide the frame.
            let mut noisy: Vec<u8> = sizes.iter().copied().filter(|&b| b != 0xAA).collect();
            noisy.extend_from_slice(&frame);
            let (got, d) = run(&chunks(&noisy, sizes));
            let good: Vec<&Frame> = got.iter().filter_map(|r| r.as_ref().ok()).collect();
            assert!(
                good.iter().any(|f| f.body == body),
                "a good frame behind garbage was lost"
            );
            assert_eq!(d.buffered(), 0);
        }
        Err(_) => assert!(body.len() + 1 < MIN_LEN),
    }
});
