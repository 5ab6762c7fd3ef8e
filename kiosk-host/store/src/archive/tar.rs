//! A small POSIX ustar (POSIX.1-1988) writer and reader.
//!
//! The writer makes deterministic archives: the caller gives the order, the modes and one
//! modification time; owner and group are 0 with empty names. Paths are UTF-8 and stored as
//! their bytes; a path longer than 100 bytes is split at a `/` into the 155-byte `prefix` and
//! the 100-byte `name` fields, and a path that cannot be split so is refused (no GNU or pax
//! extensions are written). The archive ends with two zero blocks and is padded to a multiple
//! of 10240 bytes, as GNU tar writes it.
//!
//! The reader accepts what the writer makes and what GNU tar usually makes from a batch
//! directory: ustar and old GNU headers, GNU long names (`L`), pax path records (`x`, `g`).

use std::io::{Read, Write};

use super::ArchiveError;

/// The tar block size.
pub const BLOCK: usize = 512;
/// GNU tar's default record (blocking factor 20).
const RECORD: u64 = 20 * BLOCK as u64;

const NAME_LEN: usize = 100;
const PREFIX_LEN: usize = 155;
/// The largest size an 11-digit octal field holds (8 GiB − 1).
const MAX_OCTAL_11: u64 = (1 << 33) - 1;

/// What an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    File,
    Dir,
    /// Any other type flag (links, devices …), kept for reporting.
    Other(u8),
}

/// One entry read back from an archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TarEntry {
    /// The path without a leading `./` and without the trailing `/` of directories.
    pub path: String,
    pub kind: EntryKind,
    pub mode: u32,
    pub mtime: u64,
    pub data: Vec<u8>,
}

/// Writes a ustar stream.
pub struct TarWriter<W: Write> {
    out: W,
    mtime: u64,
    written: u64,
}

impl<W: Write> TarWriter<W> {
    /// Every entry gets `mtime` (seconds since 1970) as its modification time.
    pub fn new(out: W, mtime: u64) -> Result<TarWriter<W>, ArchiveError> {
        if mtime > MAX_OCTAL_11 {
            return Err(ArchiveError::TarPath {
                path: "(every entry)".into(),
                why: format!("the modification time {mtime} does not fit a ustar header"),
            });
        }
        Ok(TarWriter {
            out,
            mtime,
            written: 0,
        })
    }

    /// A directory entry (`path` without a trailing `/`).
    pub fn add_dir(&mut self, path: &str, mode: u32) -> Result<(), ArchiveError> {
        check_path(path)?;
        let header = header(&format!("{path}/"), b'5', mode, 0, self.mtime)?;
        self.put(&header)
    }

    /// A regular file.
    pub fn add_file(&mut self, path: &str, mode: u32, data: &[u8]) -> Result<(), ArchiveError> {
        self.add_file_from(path, mode, data.len() as u64, data)
    }

    /// A regular file of `size` bytes read from `data` (streamed, not held in memory); fails
    /// if `data` ends before `size` bytes.
    pub fn add_file_from(
        &mut self,
        path: &str,
        mode: u32,
        size: u64,
        data: impl Read,
    ) -> Result<(), ArchiveError> {
        check_path(path)?;
        if size > MAX_OCTAL_11 {
            return Err(ArchiveError::TarPath {
                path: path.to_string(),
                why: format!("{size} bytes is more than a ustar entry holds (8 GiB)"),
            });
        }
        let header = header(path, b'0', mode, size, self.mtime)?;
        self.put(&header)?;
        let copied = std::io::copy(&mut data.take(size), &mut self.out).map_err(
            ArchiveError::io(format!("copying {path} into the tar stream")),
        )?;
        self.written += copied;
        if copied != size {
            return Err(ArchiveError::Io {
                what: format!("copying {path} into the tar stream"),
                source: std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    format!("{copied} of {size} bytes: the file changed while it was read"),
                ),
            });
        }
        let pad = usize::try_from((BLOCK as u64 - size % BLOCK as u64) % BLOCK as u64).unwrap_or(0);
        self.put(&[0u8; BLOCK][..pad])
    }

    /// Writes the end-of-archive blocks and the record padding; returns the writer.
    pub fn finish(mut self) -> Result<W, ArchiveError> {
        self.put(&[0u8; 2 * BLOCK])?;
        let pad = (RECORD - self.written % RECORD) % RECORD;
        for _ in 0..pad / BLOCK as u64 {
            self.put(&[0u8; BLOCK])?;
        }
        self.out
            .flush()
            .map_err(ArchiveError::io("writing the tar stream"))?;
        Ok(self.out)
    }

    /// Bytes written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    fn put(&mut self, bytes: &[u8]) -> Result<(), ArchiveError> {
        self.out
            .write_all(bytes)
            .map_err(ArchiveError::io("writing the tar stream"))?;
        self.written += bytes.len() as u64;
        Ok(())
    }
}

/// Paths are relative, with no empty, `.` or `..` parts and no NUL.
fn check_path(path: &str) -> Result<(), ArchiveError> {
    let bad = |why: &str| ArchiveError::TarPath {
        path: path.to_string(),
        why: why.to_string(),
    };
    if path.is_empty() {
        return Err(bad("the path is empty"));
    }
    if path.starts_with('/') {
        return Err(bad("the path must be relative"));
    }
    if path.contains('\0') {
        return Err(bad("the path contains a NUL character"));
    }
    if path
        .split('/')
        .any(|part| part.is_empty() || part == "." || part == "..")
    {
        return Err(bad("the path has an empty, '.' or '..' part"));
    }
    Ok(())
}

/// Splits a path into the ustar `prefix` and `name` fields.
pub fn split_path(path: &str) -> Result<(&str, &str), ArchiveError> {
    let bytes = path.as_bytes();
    if bytes.len() <= NAME_LEN {
        return Ok(("", path));
    }
    if bytes.len() > PREFIX_LEN + 1 + NAME_LEN {
        return Err(ArchiveError::TarPath {
            path: path.to_string(),
            why: format!(
                "{} bytes is longer than ustar allows (255 bytes, split at a '/' into at most \
                 155 + 100)",
                bytes.len()
            ),
        });
    }
    // The longest prefix that fits leaves the shortest name; any '/' is a character boundary.
    let split = bytes
        .iter()
        .enumerate()
        .rev()
        .filter(|&(i, &b)| b == b'/' && i > 0 && i <= PREFIX_LEN)
        .map(|(i, _)| i)
        .find(|&i| {
            let name = bytes.len() - i - 1;
            name > 0 && name <= NAME_LEN
        });
    match split {
        Some(i) => Ok((&path[..i], &path[i + 1..])),
        None => Err(ArchiveError::TarPath {
            path: path.to_string(),
            why: format!(
                "{} bytes cannot be split at a '/' into a prefix of at most 155 bytes and a \
                 name of at most 100 bytes (shorten the last part of the path)",
                bytes.len()
            ),
        }),
    }
}

fn header(
    path: &str,
    typeflag: u8,
    mode: u32,
    size: u64,
    mtime: u64,
) -> Result<[u8; BLOCK], ArchiveError> {
    let (prefix, name) = split_path(path)?;
    let mut h = [0u8; BLOCK];
    h[..name.len()].copy_from_slice(name.as_bytes());
    octal(&mut h[100..108], u64::from(mode & 0o7777));
    octal(&mut h[108..116], 0); // uid
    octal(&mut h[116..124], 0); // gid
    octal(&mut h[124..136], size);
    octal(&mut h[136..148], mtime);
    h[156] = typeflag;
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    octal(&mut h[329..337], 0); // devmajor
    octal(&mut h[337..345], 0); // devminor
    h[345..345 + prefix.len()].copy_from_slice(prefix.as_bytes());
    let sum = checksum(&h);
    // Six octal digits, NUL, space (the form of POSIX and GNU tar).
    let digits = format!("{sum:06o}");
    h[148..154].copy_from_slice(digits.as_bytes());
    h[154] = 0;
    h[155] = b' ';
    Ok(h)
}

/// Writes `value` as zero-padded octal digits followed by a NUL. Callers check the range.
fn octal(field: &mut [u8], value: u64) {
    let width = field.len() - 1;
    let digits = format!("{value:0width$o}");
    let digits = digits.as_bytes();
    let start = digits.len().saturating_sub(width);
    field[..width].copy_from_slice(&digits[start..]);
    field[width] = 0;
}

/// The header checksum: every byte summed, the checksum field counted as spaces.
fn checksum(h: &[u8; BLOCK]) -> u32 {
    h.iter()
        .enumerate()
        .map(|(i, &b)| {
            if (148..156).contains(&i) {
                u32::from(b' ')
            } else {
                u32::from(b)
            }
        })
        .sum()
}

/// The same with bytes taken as signed, as some old tars computed it.
fn checksum_signed(h: &[u8; BLOCK]) -> i64 {
    h.iter()
        .enumerate()
        .map(|(i, &b)| {
            if (148..156).contains(&i) {
                i64::from(b' ')
            } else {
                i64::from(b as i8)
            }
        })
        .sum()
}

/// The longest GNU long name or pax header the reader accepts (they are held in memory).
const MAX_META: u64 = 64 * 1024;

/// One entry's header, as read; its data follow ([`TarReader::data`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TarHeader {
    /// The path without a leading `./` and without the trailing `/` of directories.
    pub path: String,
    pub kind: EntryKind,
    pub mode: u32,
    pub mtime: u64,
    /// The data's size in bytes.
    pub size: u64,
    /// Where the entry's header starts in the stream.
    pub offset: u64,
}

/// Reads the entries of a tar stream one at a time. [`TarReader::next_header`] and
/// [`TarReader::data`] stream an entry's data without holding it (a batch's `records.tar`
/// inside its export is read so); [`TarReader::next_entry`] gives an entry with its data.
pub struct TarReader<R: Read> {
    input: R,
    offset: u64,
    done: bool,
    /// The current entry's data bytes not read yet, its padding, and its header's offset.
    unread: u64,
    pad: u64,
    entry_at: u64,
}

impl<R: Read> TarReader<R> {
    pub fn new(input: R) -> TarReader<R> {
        TarReader {
            input,
            offset: 0,
            done: false,
            unread: 0,
            pad: 0,
            entry_at: 0,
        }
    }

    /// The next file, directory or other entry, with its data; `None` at the end.
    pub fn next_entry(&mut self) -> Result<Option<TarEntry>, ArchiveError> {
        let Some(h) = self.next_header()? else {
            return Ok(None);
        };
        let mut data = Vec::new();
        self.data_into(&mut data)?;
        Ok(Some(TarEntry {
            path: h.path,
            kind: h.kind,
            mode: h.mode,
            mtime: h.mtime,
            data,
        }))
    }

    /// The next entry's header; `None` at the end of the archive. Whatever was not read of
    /// the previous entry's data is skipped.
    pub fn next_header(&mut self) -> Result<Option<TarHeader>, ArchiveError> {
        self.skip_rest()?;
        let mut long_name: Option<String> = None;
        loop {
            if self.done {
                return Ok(None);
            }
            let at = self.offset;
            let Some(block) = self.block()? else {
                // End of input without the end-of-archive blocks: tolerated, as GNU tar does.
                self.done = true;
                return Ok(None);
            };
            if block.iter().all(|&b| b == 0) {
                self.done = true;
                return Ok(None);
            }
            let stored =
                parse_octal(&block[148..156]).ok_or_else(|| self.bad(at, "bad checksum field"))?;
            if u64::from(checksum(&block)) != stored
                && u64::try_from(checksum_signed(&block)).ok() != Some(stored)
            {
                return Err(self.bad(at, "header checksum does not match"));
            }
            let size = parse_octal(&block[124..136])
                .ok_or_else(|| self.bad(at, "bad size field (only octal sizes are read)"))?;
            let mode = parse_octal(&block[100..108]).unwrap_or(0);
            let mtime = parse_octal(&block[136..148]).unwrap_or(0);
            let typeflag = block[156];
            self.unread = size;
            self.pad = (BLOCK as u64 - size % BLOCK as u64) % BLOCK as u64;
            self.entry_at = at;
            if matches!(typeflag, b'L' | b'x' | b'g') {
                if size > MAX_META {
                    return Err(self.bad(
                        at,
                        &format!("a long name or pax header of {size} bytes (at most {MAX_META})"),
                    ));
                }
                let mut data = Vec::new();
                self.data_into(&mut data)?;
                self.skip_rest()?;
                match typeflag {
                    b'L' => long_name = Some(self.text(cstr(&data), at, "long name")?),
                    b'x' => {
                        if let Some(path) = pax_path(&data) {
                            long_name = Some(self.text(path, at, "pax path")?);
                        }
                    }
                    _ => {}
                }
                continue;
            }
            let path = match long_name.take() {
                Some(p) => p,
                None => {
                    let name = cstr(&block[0..100]);
                    let ustar = &block[257..262] == b"ustar";
                    let prefix = if ustar {
                        cstr(&block[345..500])
                    } else {
                        &[][..]
                    };
                    let mut full = Vec::with_capacity(prefix.len() + 1 + name.len());
                    if !prefix.is_empty() {
                        full.extend_from_slice(prefix);
                        full.push(b'/');
                    }
                    full.extend_from_slice(name);
                    self.text(&full, at, "path")?
                }
            };
            let kind = match typeflag {
                b'0' | 0 | b'7' if !path.ends_with('/') => EntryKind::File,
                b'5' | b'0' | 0 => EntryKind::Dir,
                other => EntryKind::Other(other),
            };
            let path = normalise(&path);
            if path.is_empty() {
                // `./` itself.
                continue;
            }
            return Ok(Some(TarHeader {
                path,
                kind,
                mode: u32::try_from(mode & 0o7777).unwrap_or(0),
                mtime,
                size,
                offset: at,
            }));
        }
    }

    /// The current entry's data, as a reader of exactly its size. An archive that ends
    /// inside the data gives an `UnexpectedEof` error.
    pub fn data(&mut self) -> EntryData<'_, R> {
        EntryData { tar: self }
    }

    /// Reads the rest of the current entry's data into `out`.
    fn data_into(&mut self, out: &mut Vec<u8>) -> Result<(), ArchiveError> {
        let at = self.entry_at;
        match self.data().read_to_end(out) {
            Ok(_) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                Err(self.bad(at, "the archive ends inside an entry's data"))
            }
            Err(e) => Err(ArchiveError::io("reading the tar stream")(e)),
        }
    }

    /// Skips what is left of the current entry: its unread data and its padding.
    fn skip_rest(&mut self) -> Result<(), ArchiveError> {
        let at = self.entry_at;
        let left = self.unread + self.pad;
        if left == 0 {
            return Ok(());
        }
        let got = std::io::copy(&mut (&mut self.input).take(left), &mut std::io::sink())
            .map_err(ArchiveError::io("reading the tar stream"))?;
        self.offset += got;
        if got != left {
            let what = if self.unread > got {
                "the archive ends inside an entry's data"
            } else {
                "the archive ends inside an entry's padding"
            };
            return Err(self.bad(at, what));
        }
        self.unread = 0;
        self.pad = 0;
        Ok(())
    }

    fn bad(&self, offset: u64, why: &str) -> ArchiveError {
        ArchiveError::BadTar {
            offset,
            why: why.to_string(),
        }
    }

    fn text(&self, bytes: &[u8], at: u64, what: &str) -> Result<String, ArchiveError> {
        String::from_utf8(bytes.to_vec())
            .map_err(|_| self.bad(at, &format!("the {what} is not UTF-8")))
    }

    /// One block, or `None` at a clean end of input.
    fn block(&mut self) -> Result<Option<[u8; BLOCK]>, ArchiveError> {
        let mut block = [0u8; BLOCK];
        let mut filled = 0;
        while filled < BLOCK {
            match self.input.read(&mut block[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(ArchiveError::io("reading the tar stream")(e)),
            }
        }
        if filled == 0 {
            return Ok(None);
        }
        if filled < BLOCK {
            return Err(self.bad(self.offset, "the archive ends inside a block"));
        }
        self.offset += BLOCK as u64;
        Ok(Some(block))
    }
}

/// The data of one entry being read ([`TarReader::data`]).
pub struct EntryData<'a, R: Read> {
    tar: &'a mut TarReader<R>,
}

impl<R: Read> Read for EntryData<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let tar = &mut *self.tar;
        if tar.unread == 0 || buf.is_empty() {
            return Ok(0);
        }
        let want = usize::try_from(tar.unread).map_or(buf.len(), |u| u.min(buf.len()));
        let n = tar.input.read(&mut buf[..want])?;
        if n == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the archive ends inside an entry's data",
            ));
        }
        tar.unread -= n as u64;
        tar.offset += n as u64;
        Ok(n)
    }
}

/// Reads a whole archive.
pub fn read_all(input: impl Read) -> Result<Vec<TarEntry>, ArchiveError> {
    let mut reader = TarReader::new(input);
    let mut entries = Vec::new();
    while let Some(e) = reader.next_entry()? {
        entries.push(e);
    }
    Ok(entries)
}

fn normalise(path: &str) -> String {
    let mut p = path;
    while let Some(rest) = p.strip_prefix("./") {
        p = rest;
    }
    if p == "." {
        return String::new();
    }
    p.trim_end_matches('/').to_string()
}

/// The bytes up to the first NUL.
fn cstr(field: &[u8]) -> &[u8] {
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    &field[..end]
}

/// An octal field: digits, with leading spaces and a NUL or space terminator allowed.
fn parse_octal(field: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(cstr(field)).ok()?.trim();
    if text.is_empty() {
        return Some(0);
    }
    u64::from_str_radix(text, 8).ok()
}

/// The `path` record of a pax extended header (`<len> path=<value>\n` records).
fn pax_path(data: &[u8]) -> Option<&[u8]> {
    let mut rest = data;
    while !rest.is_empty() {
        let space = rest.iter().position(|&b| b == b' ')?;
        let len: usize = std::str::from_utf8(&rest[..space]).ok()?.parse().ok()?;
        if len <= space || len > rest.len() {
            return None;
        }
        let record = &rest[space + 1..len];
        let record = record.strip_suffix(b"\n").unwrap_or(record);
        if let Some(value) = record.strip_prefix(b"path=") {
            return Some(value);
        }
        rest = &rest[len..];
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn archive(entries: &[(&str, Option<&[u8]>)], mtime: u64) -> Vec<u8> {
        let mut w = TarWriter::new(Vec::new(), mtime).unwrap();
        for (path, data) in entries {
            match data {
                Some(d) => w.add_file(path, 0o444, d).unwrap(),
                None => w.add_dir(path, 0o555).unwrap(),
            }
        }
        w.finish().unwrap()
    }

    fn gnu_tar(args: &[&str]) -> std::process::Output {
        let out = Command::new("tar")
            .args(args)
            .env("LC_ALL", "C.UTF-8")
            .output()
            .expect("GNU tar runs");
        assert!(
            out.status.success(),
            "tar {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    #[test]
    fn header_fields_and_checksum() {
        let bytes = archive(&[("a.txt", Some(b"hello"))], 1_700_000_000);
        assert_eq!(bytes.len() as u64 % RECORD, 0);
        let h: [u8; BLOCK] = bytes[..BLOCK].try_into().unwrap();
        assert_eq!(&h[..6], b"a.txt\0");
        assert_eq!(&h[100..108], b"0000444\0");
        assert_eq!(&h[124..136], b"00000000005\0");
        assert_eq!(
            &h[136..148],
            format!("{:011o}\0", 1_700_000_000u64).as_bytes()
        );
        assert_eq!(h[156], b'0');
        assert_eq!(&h[257..265], b"ustar\x0000");
        let stored = parse_octal(&h[148..156]).unwrap();
        assert_eq!(stored, u64::from(checksum(&h)));
        assert_eq!(h[155], b' ');
        assert_eq!(&bytes[BLOCK..BLOCK + 5], b"hello");
        assert!(bytes[BLOCK + 5..2 * BLOCK].iter().all(|&b| b == 0));
    }

    #[test]
    fn long_paths_use_the_prefix_field() {
        let dir = "d".repeat(120);
        let path = format!("{dir}/{}", "f".repeat(90));
        let (prefix, name) = split_path(&path).unwrap();
        assert_eq!(prefix, dir);
        assert_eq!(name.len(), 90);
        let bytes = archive(&[(&path, Some(b"x"))], 0);
        assert_eq!(&bytes[345..345 + 120], dir.as_bytes());
        let back = read_all(&bytes[..]).unwrap();
        assert_eq!(back.len(), 1);
        assert_eq!(back[0].path, path);
        assert_eq!(back[0].data, b"x");
    }

    #[test]
    fn name_of_exactly_100_bytes_has_no_nul() {
        let path = "n".repeat(100);
        let bytes = archive(&[(&path, Some(b""))], 0);
        assert_eq!(&bytes[..100], path.as_bytes());
        assert_eq!(read_all(&bytes[..]).unwrap()[0].path, path);
    }

    #[test]
    fn unsplittable_and_too_long_paths_are_refused() {
        // One part of 101 bytes: no '/' to split at.
        let e = split_path(&"a".repeat(101)).unwrap_err();
        assert!(e.to_string().contains("cannot be split"), "{e}");
        // Last part longer than 100 bytes.
        let e = split_path(&format!("dir/{}", "b".repeat(101))).unwrap_err();
        assert!(e.to_string().contains("shorten the last part"), "{e}");
        // Prefix part longer than 155 bytes before the only '/'.
        let e = split_path(&format!("{}/x", "c".repeat(160))).unwrap_err();
        assert!(e.to_string().contains("cannot be split"), "{e}");
        // Over 255 bytes in all.
        let e = split_path(&format!("{}/{}", "d".repeat(150), "e".repeat(110))).unwrap_err();
        assert!(e.to_string().contains("255 bytes"), "{e}");
        // The writer refuses them the same way, and bad relative paths.
        let mut w = TarWriter::new(Vec::new(), 0).unwrap();
        assert!(matches!(
            w.add_file(&"a".repeat(101), 0o444, b""),
            Err(ArchiveError::TarPath { .. })
        ));
        for bad in ["", "/abs", "a//b", "a/../b", "./a", "a\0b"] {
            let e = w.add_file(bad, 0o444, b"").unwrap_err();
            assert!(matches!(e, ArchiveError::TarPath { .. }), "{bad:?}: {e}");
        }
        assert_eq!(w.written(), 0, "nothing is written for a refused entry");
    }

    #[test]
    fn directory_of_100_bytes_splits_before_its_slash() {
        let dir = format!("top/{}", "x".repeat(96));
        assert_eq!(dir.len(), 100);
        let bytes = archive(&[(&dir, None)], 0);
        let back = read_all(&bytes[..]).unwrap();
        assert_eq!(back[0].path, dir);
        assert_eq!(back[0].kind, EntryKind::Dir);
    }

    #[test]
    fn reader_refuses_damaged_headers() {
        let mut bytes = archive(&[("a", Some(b"1"))], 0);
        bytes[0] = b'b';
        let e = read_all(&bytes[..]).unwrap_err();
        assert!(e.to_string().contains("checksum"), "{e}");
        let bytes = archive(&[("a", Some(&[7u8; 600]))], 0);
        let e = read_all(&bytes[..BLOCK + 100]).unwrap_err();
        assert!(e.to_string().contains("ends inside"), "{e}");
    }

    #[test]
    fn entries_stream_and_unread_data_is_skipped() {
        let big: Vec<u8> = (0..5000u32).map(|i| (i % 253) as u8).collect();
        let bytes = archive(
            &[
                ("d", None),
                ("d/big", Some(&big)),
                ("d/small", Some(b"abc")),
                ("d/empty", Some(b"")),
            ],
            7,
        );
        let mut r = TarReader::new(&bytes[..]);
        let d = r.next_header().unwrap().unwrap();
        assert_eq!((d.path.as_str(), d.kind, d.size), ("d", EntryKind::Dir, 0));
        let h = r.next_header().unwrap().unwrap();
        assert_eq!(
            (h.path.as_str(), h.size, h.mtime, h.offset),
            ("d/big", 5000, 7, 512)
        );
        // Read part of it only; the rest and the padding are skipped by the next header.
        let mut first = [0u8; 700];
        r.data().read_exact(&mut first).unwrap();
        assert_eq!(&first[..], &big[..700]);
        let h = r.next_header().unwrap().unwrap();
        assert_eq!(h.path, "d/small");
        let mut small = Vec::new();
        r.data().read_to_end(&mut small).unwrap();
        assert_eq!(small, b"abc");
        // Reading again past the end gives nothing more.
        assert_eq!(r.data().read(&mut [0u8; 8]).unwrap(), 0);
        assert_eq!(r.next_header().unwrap().unwrap().size, 0);
        assert!(r.next_header().unwrap().is_none());

        // Cut inside the data: an UnexpectedEof from the data, BadTar from next_entry.
        let cut = &bytes[..512 + 512 + 3000];
        let mut r = TarReader::new(cut);
        r.next_header().unwrap();
        r.next_header().unwrap();
        let e = std::io::copy(&mut r.data(), &mut std::io::sink()).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::UnexpectedEof);
        let mut r = TarReader::new(cut);
        r.next_entry().unwrap();
        let e = r.next_entry().unwrap_err();
        assert!(
            matches!(&e, ArchiveError::BadTar { offset: 512, why } if why.contains("inside an entry's data")),
            "{e}"
        );
        // Cut inside the data of an entry not read: the skip says so.
        let mut r = TarReader::new(cut);
        r.next_header().unwrap();
        r.next_header().unwrap();
        let e = r.next_header().unwrap_err();
        assert!(e.to_string().contains("inside an entry's data"), "{e}");
    }

    #[test]
    fn files_stream_into_the_writer() {
        let data: Vec<u8> = (0..1500u32).map(|i| (i % 7) as u8).collect();
        let mut w = TarWriter::new(Vec::new(), 1).unwrap();
        w.add_file_from("a", 0o444, data.len() as u64, &data[..])
            .unwrap();
        let bytes = w.finish().unwrap();
        let mut w = TarWriter::new(Vec::new(), 1).unwrap();
        w.add_file("a", 0o444, &data).unwrap();
        assert_eq!(bytes, w.finish().unwrap(), "the same bytes as add_file");
        // A source shorter than the size given is an error that says so.
        let mut w = TarWriter::new(Vec::new(), 1).unwrap();
        let e = w.add_file_from("a", 0o444, 2000, &data[..]).unwrap_err();
        assert!(e.to_string().contains("1500 of 2000 bytes"), "{e}");
    }

    #[test]
    fn long_names_and_pax_headers_are_bounded() {
        let h = header("././@LongLink", b'L', 0o644, MAX_META + 1, 0).unwrap();
        let mut bytes = h.to_vec();
        bytes.extend(std::iter::repeat_n(b'a', 2048));
        let e = read_all(&bytes[..]).unwrap_err();
        assert!(e.to_string().contains("long name or pax header"), "{e}");
    }

    #[test]
    fn gnu_tar_lists_and_extracts_byte_identically() {
        let tmp = tempfile::tempdir().unwrap();
        // 104 bytes: split into the prefix field; the last part is 90 bytes of UTF-8.
        let long_dir = format!("batch/records/{}", "长".repeat(30));
        let files: Vec<(String, Vec<u8>)> = vec![
            ("batch/manifest.json".into(), b"{}\n".to_vec()),
            (
                "batch/records/0001-SB·2026-D50-652300001-000001/record.json".into(),
                "档号 0001-SB·2026-D50-652300001-000001\n"
                    .as_bytes()
                    .to_vec(),
            ),
            (
                format!("{long_dir}/照片.jpg"),
                (0..=255u8).cycle().take(1000).collect(),
            ),
            ("batch/empty".into(), Vec::new()),
            ("batch/block".into(), vec![0xAB; BLOCK]),
        ];
        let mut w = TarWriter::new(Vec::new(), 1_775_000_000).unwrap();
        w.add_dir("batch", 0o555).unwrap();
        w.add_dir("batch/records", 0o555).unwrap();
        w.add_dir("batch/records/0001-SB·2026-D50-652300001-000001", 0o555)
            .unwrap();
        w.add_dir(&long_dir, 0o555).unwrap();
        for (p, d) in &files {
            w.add_file(p, 0o444, d).unwrap();
        }
        let bytes = w.finish().unwrap();
        let tar_path = tmp.path().join("t.tar");
        std::fs::write(&tar_path, &bytes).unwrap();
        let tar = tar_path.to_str().unwrap();

        let list = gnu_tar(&["--quoting-style=literal", "-tvf", tar]);
        let list = String::from_utf8(list.stdout).unwrap();
        for (p, d) in &files {
            let line = list
                .lines()
                .find(|l| l.ends_with(p.as_str()))
                .unwrap_or_else(|| panic!("{p} not listed:\n{list}"));
            assert!(line.starts_with("-r--r--r-- 0/0"), "{line}");
            assert!(line.contains(&format!(" {} 2026-", d.len())), "{line}");
        }
        assert!(list.contains(&format!("{long_dir}/\n")), "{list}");

        let into = tmp.path().join("out");
        std::fs::create_dir(&into).unwrap();
        gnu_tar(&["-xf", tar, "-C", into.to_str().unwrap()]);
        for (p, d) in &files {
            assert_eq!(&std::fs::read(into.join(p)).unwrap(), d, "{p}");
        }
        // Our reader gives back the same.
        let back = read_all(&bytes[..]).unwrap();
        let back_files: Vec<(String, Vec<u8>)> = back
            .into_iter()
            .filter(|e| e.kind == EntryKind::File)
            .map(|e| (e.path, e.data))
            .collect();
        assert_eq!(back_files, files);
        // Let the temporary directory be removed without root.
        let _ = Command::new("chmod")
            .args(["-R", "u+w"])
            .arg(&into)
            .status();
    }

    #[test]
    fn reads_what_gnu_tar_writes() {
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("src");
        let deep = src.join("a").join("文件".repeat(30)).join("b".repeat(90));
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::write(deep.join("ü.txt"), b"content").unwrap();
        std::fs::write(src.join("top.txt"), b"top").unwrap();
        for format in ["gnu", "posix"] {
            let tar = tmp.path().join(format!("{format}.tar"));
            let out = Command::new("tar")
                .arg(format!("--format={format}"))
                .arg("-cf")
                .arg(&tar)
                .arg("-C")
                .arg(&src)
                .arg(".")
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let entries = read_all(std::fs::File::open(&tar).unwrap()).unwrap();
            let deep_file = format!("a/{}/{}/ü.txt", "文件".repeat(30), "b".repeat(90));
            let found = entries.iter().find(|e| e.path == deep_file);
            assert_eq!(
                found.map(|e| (&e.data[..], e.kind)),
                Some((&b"content"[..], EntryKind::File)),
                "{format}: {:?}",
                entries.iter().map(|e| &e.path).collect::<Vec<_>>()
            );
            assert!(entries.iter().any(|e| e.path == "top.txt"), "{format}");
        }
    }
}
