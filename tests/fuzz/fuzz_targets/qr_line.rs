//! The QR scanner's line decoder: any byte stream, cut into reads of any sizes, with any line
//! limit. Checked against a model written from the documented rules (a scan ends at CR, CR LF
//! or LF; empty lines are ignored; a line longer than the limit is reported once and
//! dropped; a line that is not UTF-8 is an error), independently of the chunking; the
//! decoder never holds more than the limit; `abandon` drops what is pending.
//!
//! Input: the limit byte, a length byte and that many chunk sizes, then the stream.
#![no_main]

use std::time::SystemTime;

use card_io::qr::{LineDecoder, QrError, DEFAULT_MAX_LINE};
use kiosk_fuzz::{chunks, fields};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, PartialEq, Eq)]
enum Out {
    Scan(String),
    TooLong,
    NotUtf8(usize),
}

fn model(stream: &[u8], limit: usize) -> (Vec<Out>, usize, bool) {
    let mut out = Vec::new();
    let mut lines = stream.split(|&b| b == b'\r' || b == b'\n').peekable();
    let mut tail = (0, false);
    while let Some(line) = lines.next() {
        let terminated = lines.peek().is_some();
        if line.len() > limit {
            out.push(Out::TooLong);
        } else if terminated && !line.is_empty() {
            out.push(match String::from_utf8(line.to_vec()) {
                Ok(s) => Out::Scan(s),
                Err(_) => Out::NotUtf8(line.len()),
            });
        }
        if !terminated {
            tail = if line.len() > limit {
                (0, true)
            } else {
                (line.len(), !line.is_empty())
            };
        }
    }
    (out, tail.0, tail.1)
}

fuzz_target!(|data: &[u8]| {
    let Some((&l, rest)) = data.split_first() else {
        return;
    };
    let limit = if l == 0xFF {
        DEFAULT_MAX_LINE
    } else {
        usize::from(l % 64)
    };
    let f = fields(rest, 2);
    let (sizes, stream) = (f[0], f[1]);
    let mut d = LineDecoder::new(limit);
    let limit = d.limit();
    assert!(limit >= 1);
    let mut got = Vec::new();
    for chunk in chunks(stream, sizes) {
        for r in d.push(chunk, SystemTime::UNIX_EPOCH) {
            got.push(match r {
                Ok(scan) => {
                    assert!(!scan.payload.is_empty() && scan.payload.len() <= limit);
                    assert!(!scan.payload.contains(['\r', '\n']));
                    Out::Scan(scan.payload)
                }
                Err(QrError::TooLong { limit: l }) => {
                    assert_eq!(l, limit);
                    Out::TooLong
                }
                Err(QrError::NotUtf8 { len, .. }) => Out::NotUtf8(len),
                Err(e) => panic!("the line decoder gave {e}"),
            });
        }
        assert!(d.pending() <= limit, "holds {} > {limit}", d.pending());
    }
    let (want, pending, in_line) = model(stream, limit);
    assert_eq!(got, want);
    assert_eq!(d.pending(), pending);
    assert_eq!(d.in_line(), in_line);
    match d.abandon(300) {
        Some(QrError::Incomplete { len, gap_ms: 300 }) => assert_eq!(len, pending),
        Some(e) => panic!("abandon gave {e}"),
        None => assert_eq!(pending, 0),
    }
    assert!(!d.in_line());
    assert_eq!(d.pending(), 0);
});
