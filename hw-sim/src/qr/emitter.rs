//! [`QrEmitter`]: what the scanner sends for one scan, under the current fault.
//!
//! Faults stay on until [`Fault::None`]: `Garbage` sends a line of noise (never UTF-8) before
//! each scan, `Split` sends each scan in odd-sized chunks with short pauses, `Long` sends an
//! over-long line before each scan. The scan itself always follows, so a kiosk that survives
//! the fault still gets it.

use std::str::FromStr;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::QrSimError;

/// The length of the over-long line of [`Fault::Long`] (twice the kiosk's default limit).
pub(crate) const DEFAULT_LONG_LEN: usize = 2048;

/// A fault of the scanner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Fault {
    #[default]
    None,
    Garbage,
    Split,
    Long,
}

impl FromStr for Fault {
    type Err = QrSimError;
    fn from_str(s: &str) -> Result<Fault, QrSimError> {
        match s {
            "none" => Ok(Fault::None),
            "garbage" => Ok(Fault::Garbage),
            "split" => Ok(Fault::Split),
            "long" => Ok(Fault::Long),
            other => Err(QrSimError::UnknownFault(other.to_owned())),
        }
    }
}

/// Bytes to write, then a pause before the next chunk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Chunk {
    pub bytes: Vec<u8>,
    pub pause: Duration,
}

impl Chunk {
    fn now(bytes: Vec<u8>) -> Chunk {
        Chunk {
            bytes,
            pause: Duration::ZERO,
        }
    }
}

/// Turns payloads into what goes on the wire.
#[derive(Debug)]
pub(crate) struct QrEmitter {
    fault: Fault,
    long_len: usize,
    rng: StdRng,
}

impl QrEmitter {
    /// An emitter with a seeded noise source (same seed, same bytes).
    pub fn new(long_len: usize, seed: u64) -> QrEmitter {
        QrEmitter {
            fault: Fault::None,
            long_len,
            rng: StdRng::seed_from_u64(seed),
        }
    }

    pub fn fault(&self) -> Fault {
        self.fault
    }

    pub fn set_fault(&mut self, fault: Fault) {
        self.fault = fault;
    }

    /// The chunks for one scan of `payload` (sent followed by CR LF).
    pub fn emit(&mut self, payload: &str) -> Vec<Chunk> {
        let mut line = payload.as_bytes().to_vec();
        line.extend_from_slice(b"\r\n");
        match self.fault {
            Fault::None => vec![Chunk::now(line)],
            Fault::Garbage => vec![Chunk::now(self.noise_line()), Chunk::now(line)],
            Fault::Long => {
                let mut long = self.over_long_line();
                long.extend_from_slice(&line);
                vec![Chunk::now(long)]
            }
            Fault::Split => self.split(&line),
        }
    }

    /// Noise: 0xFF first (so it is never UTF-8), then 8–40 bytes of high bytes and control
    /// characters other than CR and LF, then CR LF.
    fn noise_line(&mut self) -> Vec<u8> {
        let n = self.rng.gen_range(8..=40);
        let mut out = Vec::with_capacity(n + 3);
        out.push(0xFF);
        for _ in 0..n {
            let b = if self.rng.gen_bool(0.2) {
                self.rng.gen_range(0x00..0x20u8)
            } else {
                self.rng.gen_range(0x80..=0xFFu8)
            };
            out.push(if b == b'\r' || b == b'\n' { 0x00 } else { b });
        }
        out.extend_from_slice(b"\r\n");
        out
    }

    fn over_long_line(&self) -> Vec<u8> {
        let mut out: Vec<u8> = (0..self.long_len).map(|i| b'0' + (i % 10) as u8).collect();
        out.extend_from_slice(b"\r\n");
        out
    }

    /// Odd-sized chunks (1, 3, 5 or 7 bytes) with 1–8 ms pauses.
    fn split(&mut self, line: &[u8]) -> Vec<Chunk> {
        let mut out = Vec::new();
        let mut rest = line;
        while !rest.is_empty() {
            let size = (2 * self.rng.gen_range(0..4usize) + 1).min(rest.len());
            let (head, tail) = rest.split_at(size);
            out.push(Chunk {
                bytes: head.to_vec(),
                pause: Duration::from_millis(self.rng.gen_range(1..=8)),
            });
            rest = tail;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joined(chunks: &[Chunk]) -> Vec<u8> {
        chunks.iter().flat_map(|c| c.bytes.clone()).collect()
    }

    #[test]
    fn plain_scan() {
        let mut e = QrEmitter::new(DEFAULT_LONG_LEN, 1);
        assert_eq!(joined(&e.emit("abc")), b"abc\r\n");
    }

    #[test]
    fn split_keeps_the_bytes() {
        let mut e = QrEmitter::new(DEFAULT_LONG_LEN, 2);
        e.set_fault(Fault::Split);
        let chunks = e.emit("电子社保卡 payload");
        assert!(chunks.len() > 3);
        assert!(chunks[..chunks.len() - 1]
            .iter()
            .all(|c| c.bytes.len() % 2 == 1));
        assert_eq!(joined(&chunks), "电子社保卡 payload\r\n".as_bytes());
    }

    #[test]
    fn garbage_is_one_line_of_non_utf8_then_the_scan() {
        let mut e = QrEmitter::new(DEFAULT_LONG_LEN, 3);
        e.set_fault(Fault::Garbage);
        let chunks = e.emit("ok");
        assert_eq!(chunks.len(), 2);
        let noise = &chunks[0].bytes;
        assert!(noise.ends_with(b"\r\n"));
        let body = &noise[..noise.len() - 2];
        assert!(!body.contains(&b'\r') && !body.contains(&b'\n'));
        assert!(std::str::from_utf8(body).is_err());
        assert_eq!(chunks[1].bytes, b"ok\r\n");
    }

    #[test]
    fn long_line_then_the_scan() {
        let mut e = QrEmitter::new(1500, 4);
        e.set_fault(Fault::Long);
        let bytes = joined(&e.emit("ok"));
        assert_eq!(bytes.len(), 1500 + 2 + 4);
        assert!(bytes.ends_with(b"\r\nok\r\n"));
    }

    #[test]
    fn fault_names() {
        assert_eq!("split".parse::<Fault>().ok(), Some(Fault::Split));
        assert!("noise".parse::<Fault>().is_err());
    }
}
