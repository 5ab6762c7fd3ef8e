//! SHA-256 of the bytes as they pass: a writer (sealing, export) and a reader (verifying a
//! batch's `records.tar` without reading it twice or holding it).

use std::io::{Read, Write};

use sha2::{Digest, Sha256};

/// Hashes and counts what is written through it.
pub(crate) struct HashingWriter<W: Write> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> HashingWriter<W> {
    pub(crate) fn new(inner: W) -> HashingWriter<W> {
        HashingWriter {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }

    /// The inner writer, the bytes written and their SHA-256 (lower-case hex).
    pub(crate) fn finish(self) -> (W, u64, String) {
        (self.inner, self.bytes, hex::encode(self.hasher.finalize()))
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Hashes and counts what is read through it.
pub(crate) struct HashingReader<R: Read> {
    inner: R,
    hasher: Sha256,
    bytes: u64,
}

impl<R: Read> HashingReader<R> {
    pub(crate) fn new(inner: R) -> HashingReader<R> {
        HashingReader {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }

    /// Reads what is left (so the hash covers the whole input), then gives the bytes read
    /// and their SHA-256 (lower-case hex).
    pub(crate) fn finish(mut self) -> std::io::Result<(u64, String)> {
        std::io::copy(&mut self, &mut std::io::sink())?;
        Ok((self.bytes, hex::encode(self.hasher.finalize())))
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiosk_core::digest::sha256_hex;

    #[test]
    fn both_ways_hash_and_count_every_byte() {
        let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let mut w = HashingWriter::new(Vec::new());
        for chunk in data.chunks(777) {
            w.write_all(chunk).unwrap();
        }
        let (out, n, sha) = w.finish();
        assert_eq!((out.as_slice(), n), (data.as_slice(), 100_000));
        assert_eq!(sha, sha256_hex(&data));

        // A reader read only in part still hashes the whole input when finished.
        let mut r = HashingReader::new(&data[..]);
        let mut first = [0u8; 10];
        r.read_exact(&mut first).unwrap();
        assert_eq!(r.finish().unwrap(), (100_000, sha256_hex(&data)));
    }
}
