//! The pure line decoder: bytes in chunks of any size → scans.
//!
//! A scan ends with CR, CR LF or a lone LF; empty lines (including the LF of a CR LF) are
//! ignored. A line longer than the limit is reported once, as soon as it passes the limit, and
//! its bytes are discarded up to its terminator: the decoder never holds more than `limit`
//! bytes. A line that is not UTF-8 is reported, never a panic.

use std::time::SystemTime;

use super::QrError;

/// The default longest scan, in bytes (an e-card QR payload is a few hundred bytes).
pub const DEFAULT_MAX_LINE: usize = 1024;

const CR: u8 = b'\r';
const LF: u8 = b'\n';

/// One scan: the payload exactly as the scanner sent it, without its terminator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scan {
    pub payload: String,
    /// When the terminator arrived (the time given with the bytes that held it).
    pub at: SystemTime,
}

/// Reassembles lines from a byte stream.
#[derive(Debug)]
pub struct LineDecoder {
    limit: usize,
    buf: Vec<u8>,
    /// The current line passed the limit: drop bytes until the next terminator.
    discarding: bool,
}

impl Default for LineDecoder {
    fn default() -> Self {
        LineDecoder::new(DEFAULT_MAX_LINE)
    }
}

impl LineDecoder {
    /// A decoder that refuses lines longer than `limit` bytes (at least 1).
    pub fn new(limit: usize) -> Self {
        let limit = limit.max(1);
        LineDecoder {
            limit,
            buf: Vec::with_capacity(limit.min(DEFAULT_MAX_LINE)),
            discarding: false,
        }
    }

    /// The longest line accepted, in bytes.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Bytes of an unfinished line held now (never more than the limit).
    pub fn pending(&self) -> usize {
        self.buf.len()
    }

    /// Whether the decoder is inside a line (held bytes, or discarding an over-long one).
    pub fn in_line(&self) -> bool {
        !self.buf.is_empty() || self.discarding
    }

    /// Feeds bytes that arrived at `at`; returns the scans and errors they complete, in order.
    pub fn push(&mut self, bytes: &[u8], at: SystemTime) -> Vec<Result<Scan, QrError>> {
        let mut out = Vec::new();
        for &b in bytes {
            if b == CR || b == LF {
                if let Some(done) = self.end_line(at) {
                    out.push(done);
                }
            } else if self.discarding {
                continue;
            } else if self.buf.len() == self.limit {
                self.buf.clear();
                self.discarding = true;
                out.push(Err(QrError::TooLong { limit: self.limit }));
            } else {
                self.buf.push(b);
            }
        }
        out
    }

    /// Drops an unfinished line (the reader calls this after a silence): returns the error to
    /// report if bytes were held. An over-long line already reported is dropped silently.
    pub fn abandon(&mut self, gap_ms: u128) -> Option<QrError> {
        self.discarding = false;
        if self.buf.is_empty() {
            return None;
        }
        let len = self.buf.len();
        self.buf.clear();
        Some(QrError::Incomplete { len, gap_ms })
    }

    fn end_line(&mut self, at: SystemTime) -> Option<Result<Scan, QrError>> {
        if self.discarding {
            self.discarding = false;
            return None;
        }
        if self.buf.is_empty() {
            return None;
        }
        let bytes = std::mem::take(&mut self.buf);
        let len = bytes.len();
        Some(
            String::from_utf8(bytes)
                .map(|payload| Scan { payload, at })
                .map_err(|source| QrError::NotUtf8 { len, source }),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payloads(d: &mut LineDecoder, bytes: &[u8]) -> Vec<Result<String, String>> {
        d.push(bytes, SystemTime::UNIX_EPOCH)
            .into_iter()
            .map(|r| r.map(|s| s.payload).map_err(|e| e.to_string()))
            .collect()
    }

    #[test]
    fn every_terminator_ends_a_scan() {
        let mut d = LineDecoder::default();
        let got = payloads(&mut d, b"a\rb\r\nc\nd");
        assert_eq!(got, vec![Ok("a".into()), Ok("b".into()), Ok("c".into())]);
        assert_eq!(d.pending(), 1);
        assert_eq!(payloads(&mut d, b"\r\n"), vec![Ok("d".into())]);
    }

    #[test]
    fn empty_lines_are_ignored() {
        let mut d = LineDecoder::default();
        assert!(payloads(&mut d, b"\r\n\r\n\n\r").is_empty());
    }

    #[test]
    fn over_long_line_is_reported_once_and_the_next_scan_arrives() {
        let mut d = LineDecoder::new(4);
        let got = payloads(&mut d, b"abcd\r");
        assert_eq!(got, vec![Ok("abcd".into())]);
        let got = payloads(&mut d, b"abcdefghij");
        assert_eq!(got.len(), 1);
        assert!(got[0].is_err());
        assert_eq!(d.pending(), 0);
        assert!(payloads(&mut d, b"klmnop").is_empty());
        assert_eq!(payloads(&mut d, b"\r\nok\r\n"), vec![Ok("ok".into())]);
    }

    #[test]
    fn non_utf8_is_an_error() {
        let mut d = LineDecoder::default();
        let got = d.push(b"\xff\xfe\r\nok\r", SystemTime::UNIX_EPOCH);
        assert!(matches!(got[0], Err(QrError::NotUtf8 { len: 2, .. })));
        assert_eq!(got[1].as_ref().map(|s| s.payload.as_str()).ok(), Some("ok"));
    }

    #[test]
    fn abandon_drops_a_partial_line() {
        let mut d = LineDecoder::default();
        assert!(payloads(&mut d, b"noise").is_empty());
        assert!(matches!(
            d.abandon(300),
            Some(QrError::Incomplete {
                len: 5,
                gap_ms: 300
            })
        ));
        assert!(d.abandon(300).is_none());
        assert_eq!(payloads(&mut d, b"scan\r"), vec![Ok("scan".into())]);
    }

    #[test]
    fn utf8_payload_kept_verbatim() {
        let mut d = LineDecoder::default();
        let got = payloads(&mut d, "  电子社保卡 ئەلكترون \r\n".as_bytes());
        assert_eq!(got, vec![Ok("  电子社保卡 ئەلكترون ".into())]);
    }
}
