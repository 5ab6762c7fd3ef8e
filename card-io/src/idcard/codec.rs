//! GA 467 frames (CARD-PROFILE.md section 7) as pure functions: encoding, and a streaming
//! decoder that takes bytes from reads of any size.
//!
//! ```text
//! AA AA AA 96 69 ‖ len (2, big-endian) ‖ body ‖ checksum
//! ```
//!
//! `len` counts the bytes after the length field, checksum included. The checksum is the XOR
//! of every byte from the first length byte to the last body byte. Host → module body:
//! `CMD PARA [data]`; module → host body: `SW1 SW2 SW3 [data]`.

use std::fmt;

/// The five bytes every frame starts with.
pub const PREAMBLE: [u8; 5] = [0xAA, 0xAA, 0xAA, 0x96, 0x69];
/// Smallest sane length field: a command `CMD PARA` and its checksum.
pub const MIN_LEN: usize = 3;
/// Largest sane length field: the answer to READ (`SW1 SW2 SW3`, text length, photo length,
/// 256 text bytes, 1024 photo bytes) and its checksum.
pub const MAX_LEN: usize = 3 + 2 + 2 + 256 + 1024 + 1;
/// Bytes of a frame around its body: preamble, length field, checksum.
pub const OVERHEAD: usize = PREAMBLE.len() + 2 + 1;

/// What is wrong with a frame, and where in the stream it started (bytes counted from the
/// first byte given to the decoder, or from the start of the slice for [`decode_frame`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("frame at byte {offset}: length field {len} is outside {MIN_LEN}..={MAX_LEN}")]
    BadLength { offset: u64, len: usize },
    #[error(
        "frame at byte {offset}: checksum {found:02X} does not match {computed:02X} computed over its {len} bytes"
    )]
    BadChecksum {
        offset: u64,
        len: usize,
        found: u8,
        computed: u8,
    },
    #[error("frame body of {len} bytes is too long (at most {} bytes)", MAX_LEN - 1)]
    TooLong { len: usize },
    #[error("{bytes} bytes are not one complete frame: {problem}")]
    NotOneFrame { bytes: usize, problem: &'static str },
    #[error("frame body of {len} bytes is too short for {what}")]
    ShortBody { len: usize, what: &'static str },
}

/// One complete, checked frame: its body (without preamble, length and checksum).
#[derive(Clone, PartialEq, Eq)]
pub struct Frame {
    pub body: Vec<u8>,
}

impl fmt::Debug for Frame {
    /// Length and the first three bytes only: bodies carry personal data.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let head = &self.body[..self.body.len().min(3)];
        write!(
            f,
            "Frame({} bytes, {}…)",
            self.body.len(),
            hex::encode_upper(head)
        )
    }
}

/// A host → module command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub cmd: u8,
    pub para: u8,
    pub data: Vec<u8>,
}

/// A module → host answer.
#[derive(Clone, PartialEq, Eq)]
pub struct Answer {
    pub sw: [u8; 3],
    pub data: Vec<u8>,
}

impl fmt::Debug for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Answer(SW {}, {} data bytes)",
            hex::encode_upper(self.sw),
            self.data.len()
        )
    }
}

impl Frame {
    /// The body read as a command `CMD PARA [data]`.
    pub fn command(&self) -> Result<Command, FrameError> {
        match self.body.as_slice() {
            [cmd, para, data @ ..] => Ok(Command {
                cmd: *cmd,
                para: *para,
                data: data.to_vec(),
            }),
            _ => Err(FrameError::ShortBody {
                len: self.body.len(),
                what: "CMD PARA",
            }),
        }
    }

    /// The body read as an answer `SW1 SW2 SW3 [data]`.
    pub fn answer(&self) -> Result<Answer, FrameError> {
        match self.body.as_slice() {
            [a, b, c, data @ ..] => Ok(Answer {
                sw: [*a, *b, *c],
                data: data.to_vec(),
            }),
            _ => Err(FrameError::ShortBody {
                len: self.body.len(),
                what: "SW1 SW2 SW3",
            }),
        }
    }
}

/// XOR of `bytes`.
pub fn checksum(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0, |acc, b| acc ^ b)
}

/// The whole frame around `body`.
pub fn encode_frame(body: &[u8]) -> Result<Vec<u8>, FrameError> {
    let len = body.len() + 1;
    if len > MAX_LEN {
        return Err(FrameError::TooLong { len: body.len() });
    }
    if len < MIN_LEN {
        return Err(FrameError::ShortBody {
            len: body.len(),
            what: "a frame",
        });
    }
    let mut out = Vec::with_capacity(body.len() + OVERHEAD);
    out.extend_from_slice(&PREAMBLE);
    // len <= MAX_LEN fits in u16.
    out.extend_from_slice(&(len as u16).to_be_bytes());
    out.extend_from_slice(body);
    out.push(checksum(&out[PREAMBLE.len()..]));
    Ok(out)
}

/// A host → module frame: `CMD PARA [data]`.
pub fn encode_command(cmd: u8, para: u8, data: &[u8]) -> Result<Vec<u8>, FrameError> {
    let mut body = Vec::with_capacity(2 + data.len());
    body.extend_from_slice(&[cmd, para]);
    body.extend_from_slice(data);
    encode_frame(&body)
}

/// A module → host frame: `SW1 SW2 SW3 [data]`.
pub fn encode_answer(sw: [u8; 3], data: &[u8]) -> Result<Vec<u8>, FrameError> {
    let mut body = Vec::with_capacity(3 + data.len());
    body.extend_from_slice(&sw);
    body.extend_from_slice(data);
    encode_frame(&body)
}

/// Decodes a slice that must hold exactly one frame (no garbage, nothing after it).
pub fn decode_frame(bytes: &[u8]) -> Result<Frame, FrameError> {
    let mut decoder = Decoder::new();
    decoder.push(bytes);
    let not_one = |problem| FrameError::NotOneFrame {
        bytes: bytes.len(),
        problem,
    };
    if !bytes.starts_with(&PREAMBLE) {
        return Err(not_one("it does not start with AA AA AA 96 69"));
    }
    let frame = decoder
        .next_frame()
        .ok_or_else(|| not_one("the frame is incomplete"))??;
    if decoder.buffered() != 0 {
        return Err(not_one("bytes follow the frame"));
    }
    Ok(frame)
}

/// Reassembles frames from a byte stream.
///
/// Push what each read returned with [`push`](Decoder::push), then take frames with
/// [`next_frame`](Decoder::next_frame) until it returns `None`. Bytes before a preamble are
/// skipped (counted in [`garbage_skipped`](Decoder::garbage_skipped)); a frame with a bad
/// length or checksum comes out as an error, after which the decoder looks for the next
/// preamble from the byte after the rejected one's start, so a good frame that follows is
/// never lost.
#[derive(Debug, Default, Clone)]
pub struct Decoder {
    buf: Vec<u8>,
    /// Stream offset of `buf[0]`.
    offset: u64,
    garbage: u64,
}

impl Decoder {
    pub fn new() -> Decoder {
        Decoder::default()
    }

    /// Appends bytes received.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes held that are not yet a complete frame.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Bytes skipped so far because they were not part of a frame.
    pub fn garbage_skipped(&self) -> u64 {
        self.garbage
    }

    /// Forgets buffered bytes (the stream offset keeps counting).
    pub fn clear(&mut self) {
        self.consume(self.buf.len());
    }

    fn consume(&mut self, n: usize) {
        self.buf.drain(..n);
        self.offset += n as u64;
    }

    fn skip_garbage(&mut self, n: usize) {
        self.garbage += n as u64;
        self.consume(n);
    }

    /// Index of the first byte that starts a preamble, or starts a proper prefix of one
    /// running to the end of the buffer.
    fn preamble_start(&self) -> usize {
        (0..self.buf.len())
            .find(|&i| {
                let rest = &self.buf[i..];
                let n = rest.len().min(PREAMBLE.len());
                rest[..n] == PREAMBLE[..n]
            })
            .unwrap_or(self.buf.len())
    }

    /// The next complete frame or framing error, or `None` until more bytes arrive.
    pub fn next_frame(&mut self) -> Option<Result<Frame, FrameError>> {
        let start = self.preamble_start();
        self.skip_garbage(start);
        if self.buf.len() < PREAMBLE.len() + 2 {
            return None;
        }
        let p = PREAMBLE.len();
        let len = usize::from(u16::from_be_bytes([self.buf[p], self.buf[p + 1]]));
        let offset = self.offset;
        if !(MIN_LEN..=MAX_LEN).contains(&len) {
            // Resynchronise from the byte after this preamble's first.
            self.skip_garbage(1);
            return Some(Err(FrameError::BadLength { offset, len }));
        }
        let total = p + 2 + len;
        if self.buf.len() < total {
            return None;
        }
        let computed = checksum(&self.buf[p..total - 1]);
        let found = self.buf[total - 1];
        if computed != found {
            self.skip_garbage(1);
            return Some(Err(FrameError::BadChecksum {
                offset,
                len,
                found,
                computed,
            }));
        }
        let body = self.buf[p + 2..total - 1].to_vec();
        self.consume(total);
        Some(Ok(Frame { body }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_card_known_answer() {
        assert_eq!(
            encode_command(0x20, 0x01, &[]).unwrap(),
            [0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x20, 0x01, 0x22]
        );
    }

    #[test]
    fn answer_round_trip() {
        let f = encode_answer([0, 0, 0x9F], &[1, 2, 3, 4]).unwrap();
        let a = decode_frame(&f).unwrap().answer().unwrap();
        assert_eq!(a.sw, [0, 0, 0x9F]);
        assert_eq!(a.data, [1, 2, 3, 4]);
    }

    #[test]
    fn longest_frame_fits_and_one_more_byte_does_not() {
        let data = vec![0x5A; MAX_LEN - 4];
        let f = encode_answer([0, 0, 0x90], &data).unwrap();
        assert_eq!(decode_frame(&f).unwrap().body.len(), MAX_LEN - 1);
        assert!(matches!(
            encode_answer([0, 0, 0x90], &[0; MAX_LEN - 3]),
            Err(FrameError::TooLong { .. })
        ));
    }

    #[test]
    fn partial_preamble_is_garbage() {
        let mut d = Decoder::new();
        d.push(&[0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03]);
        let f = encode_command(0x20, 0x01, &[]).unwrap();
        d.push(&f);
        let got = d.next_frame().unwrap().unwrap();
        assert_eq!(got.body, [0x20, 0x01]);
        assert_eq!(d.garbage_skipped(), 6);
        assert!(d.next_frame().is_none());
    }

    #[test]
    fn trailing_preamble_prefix_is_kept() {
        let mut d = Decoder::new();
        d.push(&[0x00, 0xAA, 0xAA]);
        assert!(d.next_frame().is_none());
        assert_eq!(d.buffered(), 2);
    }

    #[test]
    fn bad_checksum_names_offset_and_decoder_resynchronises() {
        let mut bad = encode_command(0x20, 0x01, &[]).unwrap();
        bad[9] ^= 0xFF;
        let good = encode_command(0x20, 0x02, &[]).unwrap();
        let mut d = Decoder::new();
        d.push(&[0x11, 0x22]);
        d.push(&bad);
        d.push(&good);
        let err = d.next_frame().unwrap().unwrap_err();
        assert_eq!(
            err,
            FrameError::BadChecksum {
                offset: 2,
                len: 3,
                found: 0xDD,
                computed: 0x22
            }
        );
        assert!(err.to_string().contains("byte 2"), "{err}");
        assert_eq!(d.next_frame().unwrap().unwrap().body, [0x20, 0x02]);
    }

    #[test]
    fn bad_lengths_are_rejected_without_waiting_for_the_body() {
        for len in [0u16, 1, 2, MAX_LEN as u16 + 1, 0xFFFF] {
            let mut d = Decoder::new();
            d.push(&PREAMBLE);
            d.push(&len.to_be_bytes());
            let err = d.next_frame().unwrap().unwrap_err();
            assert_eq!(
                err,
                FrameError::BadLength {
                    offset: 0,
                    len: len.into()
                }
            );
        }
    }

    #[test]
    fn decode_frame_wants_exactly_one_frame() {
        let f = encode_command(0x20, 0x01, &[]).unwrap();
        let mut extra = f.clone();
        extra.push(0);
        assert!(matches!(
            decode_frame(&extra),
            Err(FrameError::NotOneFrame { .. })
        ));
        assert!(matches!(
            decode_frame(&f[..f.len() - 1]),
            Err(FrameError::NotOneFrame { .. })
        ));
        assert!(encode_frame(&[0x90]).is_err());
        let short = encode_frame(&[0x90, 0x00]).unwrap();
        assert!(decode_frame(&short).unwrap().answer().is_err());
    }
}
