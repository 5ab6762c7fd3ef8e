//! Property tests of the QR line decoder: no input panics it, it never holds more than its
//! limit, and the chunking of a byte stream never changes what comes out.

use std::time::SystemTime;

use card_io::qr::{LineDecoder, QrError};
use proptest::prelude::*;

/// What came out, comparable: payloads and error kinds.
#[derive(Debug, PartialEq, Eq)]
enum Out {
    Scan(String),
    TooLong(usize),
    NotUtf8(usize),
}

fn run(limit: usize, chunks: &[&[u8]]) -> Vec<Out> {
    let mut d = LineDecoder::new(limit);
    let mut out = Vec::new();
    for chunk in chunks {
        for r in d.push(chunk, SystemTime::UNIX_EPOCH) {
            out.push(match r {
                Ok(scan) => Out::Scan(scan.payload),
                Err(QrError::TooLong { limit }) => Out::TooLong(limit),
                Err(QrError::NotUtf8 { len, .. }) => Out::NotUtf8(len),
                Err(other) => panic!("unexpected error from the decoder: {other}"),
            });
        }
        assert!(d.pending() <= limit);
    }
    out
}

/// The same decoding, written the obvious way over the whole stream.
fn reference(limit: usize, bytes: &[u8]) -> Vec<Out> {
    let mut out = Vec::new();
    let mut line: Vec<u8> = Vec::new();
    let mut over = false;
    for &b in bytes {
        if b == b'\r' || b == b'\n' {
            if !over && !line.is_empty() {
                out.push(match String::from_utf8(std::mem::take(&mut line)) {
                    Ok(s) => Out::Scan(s),
                    Err(e) => Out::NotUtf8(e.into_bytes().len()),
                });
            }
            line.clear();
            over = false;
        } else if !over {
            line.push(b);
            if line.len() > limit {
                out.push(Out::TooLong(limit));
                over = true;
                line.clear();
            }
        }
    }
    out
}

/// Streams that look like a scanner's: text, terminators, some noise.
fn stream() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        3 => "[a-zA-Z0-9:/?=&.-]{0,40}".prop_map(|s| s.into_bytes()),
        2 => "[电子社保卡ئەلكترون]{0,10}".prop_map(|s| s.into_bytes()),
        3 => prop_oneof![Just(b"\r\n".to_vec()), Just(b"\r".to_vec()), Just(b"\n".to_vec())],
        1 => proptest::collection::vec(any::<u8>(), 0..20),
    ];
    proptest::collection::vec(piece, 0..30).prop_map(|p| p.concat())
}

/// Cut points for a stream of `len` bytes.
fn split<'a>(bytes: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    points.sort_unstable();
    let mut out = Vec::new();
    let mut start = 0;
    for p in points {
        out.push(&bytes[start..p]);
        start = p;
    }
    out.push(&bytes[start..]);
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096),
                                   limit in 1usize..64) {
        let _ = run(limit, &[&bytes]);
    }

    #[test]
    fn chunking_does_not_matter(bytes in stream(),
                                cuts in proptest::collection::vec(any::<usize>(), 0..20),
                                limit in 1usize..48) {
        let whole = run(limit, &[&bytes]);
        let chunked = run(limit, &split(&bytes, &cuts));
        prop_assert_eq!(&whole, &chunked);
        let one_by_one: Vec<&[u8]> = bytes.chunks(1).collect();
        prop_assert_eq!(&whole, &run(limit, &one_by_one));
        prop_assert_eq!(whole, reference(limit, &bytes));
    }

    #[test]
    fn scans_between_terminators_come_back(payloads in proptest::collection::vec("[ -~]{1,100}", 1..10),
                                           crlf in any::<bool>()) {
        let end: &[u8] = if crlf { b"\r\n" } else { b"\r" };
        let bytes: Vec<u8> = payloads
            .iter()
            .flat_map(|p| p.bytes().chain(end.iter().copied()))
            .collect();
        let got = run(1024, &[&bytes]);
        let want: Vec<Out> = payloads.iter().map(|p| Out::Scan(p.clone())).collect();
        prop_assert_eq!(got, want);
    }
}

#[test]
fn over_long_line_at_the_default_limit() {
    let mut bytes = vec![b'7'; 1025];
    bytes.extend_from_slice(b"\r\nnext\r\n");
    assert_eq!(
        run(1024, &[&bytes]),
        vec![Out::TooLong(1024), Out::Scan("next".into())]
    );
    let mut exact = vec![b'7'; 1024];
    exact.extend_from_slice(b"\r\n");
    assert_eq!(run(1024, &[&exact]), vec![Out::Scan("7".repeat(1024))]);
}
