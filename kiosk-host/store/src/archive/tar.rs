//! Tar archives of sealed batches (`records.tar`, the batch export) on the `tar` crate.
//!
//! Writing: deterministic POSIX ustar. The caller gives the order, the modes and one
//! modification time; owner and group are 0 with empty names. Headers are made here
//! (`tar::Header::new_ustar`), so nothing of the file system leaks in. A path longer than 100
//! bytes goes into ustar's `prefix` and `name` fields, split at a `/`; a path that cannot be
//! split so is refused (no GNU or pax extensions are written). The archive ends with two zero
//! blocks and is padded to a multiple of 10240 bytes, as GNU tar writes it.
//!
//! Reading: [`read_entries`] streams the entries of any tar GNU tar usually makes from a batch
//! directory (ustar, GNU long names, pax path records), each entry's data read in place,
//! never held; a damaged archive is [`ArchiveError::BadTar`] with where reading stopped.

use std::io::{self, Read, Write};

use tar::{Archive, Builder, EntryType, Header};

use super::ArchiveError;

/// The tar block size.
pub const BLOCK: usize = 512;
/// GNU tar's default record (blocking factor 20).
const RECORD: u64 = 20 * BLOCK as u64;
/// The largest number an 11-digit octal field holds (8 GiB − 1): sizes and times stay plain
/// octal, never the base-256 extension.
const MAX_OCTAL_11: u64 = (1 << 33) - 1;

/// What an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    File,
    Dir,
    /// Any other type flag (links, devices …), kept for reporting.
    Other(u8),
}

/// One entry read back from an archive, with its data ([`read_all`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TarEntry {
    /// The path without a leading `./` and without the trailing `/` of directories.
    pub path: String,
    pub kind: EntryKind,
    pub mode: u32,
    pub mtime: u64,
    pub data: Vec<u8>,
}

/// One entry's header, as [`read_entries`] gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TarHeader {
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

/// Writes a deterministic ustar stream.
pub struct TarWriter<W: Write> {
    tar: Builder<Counting<W>>,
    mtime: u64,
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
            tar: Builder::new(Counting {
                inner: out,
                written: 0,
            }),
            mtime,
        })
    }

    /// A directory entry (`path` without a trailing `/`).
    pub(crate) fn add_dir(&mut self, path: &str, mode: u32) -> Result<(), ArchiveError> {
        let header = self.header(path, EntryType::Directory, mode, 0)?;
        self.tar
            .append(&header, io::empty())
            .map_err(ArchiveError::io("writing the tar stream"))
    }

    /// A regular file whose bytes are at hand. They are written straight after the header,
    /// then the padding: the crate's `append` would first copy them through a buffer (the
    /// seal writes some 300 000 members a month this way).
    pub fn add_file(&mut self, path: &str, mode: u32, data: &[u8]) -> Result<(), ArchiveError> {
        let size = data.len() as u64;
        let header = self.header(path, EntryType::Regular, mode, size)?;
        let pad = padding(size);
        let out = self.tar.get_mut();
        out.write_all(header.as_bytes())
            .and_then(|()| out.write_all(data))
            .and_then(|()| out.write_all(&[0u8; BLOCK][..pad]))
            .map_err(ArchiveError::io(format!(
                "copying {path} into the tar stream"
            )))
    }

    /// A regular file of `size` bytes read from `data` (streamed, not held in memory); fails
    /// if `data` ends before `size` bytes.
    pub(crate) fn add_file_from(
        &mut self,
        path: &str,
        mode: u32,
        size: u64,
        data: impl Read,
    ) -> Result<(), ArchiveError> {
        if size > MAX_OCTAL_11 {
            return Err(ArchiveError::TarPath {
                path: path.to_string(),
                why: format!("{size} bytes is more than a ustar entry holds (8 GiB)"),
            });
        }
        let header = self.header(path, EntryType::Regular, mode, size)?;
        let mut data = Exact::new(data.take(size), size);
        data.short = "the file changed while it was read";
        self.tar
            .append(&header, &mut data)
            .map_err(ArchiveError::io(format!(
                "copying {path} into the tar stream"
            )))
    }

    /// Writes the end-of-archive blocks and the record padding; returns the writer.
    pub fn finish(self) -> Result<W, ArchiveError> {
        let write = ArchiveError::io("writing the tar stream");
        let mut out = match self.tar.into_inner() {
            Ok(out) => out,
            Err(e) => return Err(write(e)),
        };
        let pad = (RECORD - out.written % RECORD) % RECORD;
        let result = io::copy(&mut io::repeat(0).take(pad), &mut out).and_then(|_| out.flush());
        match result {
            Ok(()) => Ok(out.inner),
            Err(e) => Err(write(e)),
        }
    }

    /// The header of an entry at `path` (a directory's is stored with its trailing `/`).
    fn header(
        &self,
        path: &str,
        kind: EntryType,
        mode: u32,
        size: u64,
    ) -> Result<Header, ArchiveError> {
        let mut h = if kind == EntryType::Directory {
            ustar_header(path, &format!("{path}/"))?
        } else {
            ustar_header(path, path)?
        };
        h.set_entry_type(kind);
        h.set_mode(mode & 0o7777);
        h.set_uid(0);
        h.set_gid(0);
        h.set_mtime(self.mtime);
        h.set_size(size);
        h.set_cksum();
        Ok(h)
    }
}

/// The zero bytes that fill an entry of `size` bytes up to a whole block.
fn padding(size: u64) -> usize {
    let block = BLOCK as u64;
    usize::try_from((block - size % block) % block).unwrap_or(0)
}

/// Checks that `path` can be written: relative, with no empty, `.` or `..` parts and no NUL,
/// and short enough for ustar's `prefix` and `name` fields (255 bytes, split at a `/` into at
/// most 155 + 100). A batch checks every path with this before it writes anything.
pub(crate) fn check_path(path: &str) -> Result<(), ArchiveError> {
    ustar_header(path, path).map(|_| ())
}

/// A ustar header holding `stored` (split into `prefix` and `name` as needed), once `path`
/// passed [`check_path`]'s rules.
fn ustar_header(path: &str, stored: &str) -> Result<Header, ArchiveError> {
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
    let mut h = Header::new_ustar();
    h.set_path(stored).map_err(|e| ArchiveError::TarPath {
        path: path.to_string(),
        why: format!(
            "{} bytes do not fit a ustar header, which holds 255 bytes split at a '/' into a \
             prefix of at most 155 and a name of at most 100 (shorten the path; {e})",
            path.len()
        ),
    })?;
    Ok(h)
}

/// Reads the entries of a tar stream in order, without holding their data: `each` gets an
/// entry's header and a reader of exactly its data (what it leaves unread is skipped; an
/// archive that ends inside the data gives an `UnexpectedEof` error from that reader). GNU
/// long names and pax path records apply to the entry they precede; `./` itself and global
/// pax headers are skipped. An error from `each` stops the reading and is returned.
pub(crate) fn read_entries<R: Read>(
    input: R,
    mut each: impl FnMut(&TarHeader, &mut dyn Read) -> Result<(), ArchiveError>,
) -> Result<(), ArchiveError> {
    let mut archive = Archive::new(input);
    // Where the next header is due: where a damaged one is reported.
    let mut next = 0;
    let entries = archive.entries().map_err(|e| unreadable(next, e))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| unreadable(next, e))?;
        let offset = entry.raw_header_position();
        let size = entry.size();
        next = entry.raw_file_position() + size.div_ceil(BLOCK as u64) * BLOCK as u64;
        let kind = entry.header().entry_type();
        if matches!(
            kind,
            EntryType::XGlobalHeader
                | EntryType::XHeader
                | EntryType::GNULongName
                | EntryType::GNULongLink
        ) {
            continue;
        }
        let path = String::from_utf8(entry.path_bytes().into_owned()).map_err(|_| {
            ArchiveError::BadTar {
                offset,
                why: "the path is not UTF-8".into(),
            }
        })?;
        let kind = match kind {
            EntryType::Regular | EntryType::Continuous if !path.ends_with('/') => EntryKind::File,
            EntryType::Directory | EntryType::Regular => EntryKind::Dir,
            other => EntryKind::Other(other.as_byte()),
        };
        let path = normalise(&path);
        if path.is_empty() {
            continue;
        }
        let header = TarHeader {
            path,
            kind,
            mode: entry.header().mode().unwrap_or(0) & 0o7777,
            mtime: entry.header().mtime().unwrap_or(0),
            size,
            offset,
        };
        each(&header, &mut Exact::new(&mut entry, size))?;
    }
    Ok(())
}

/// Reads a whole archive, every entry with its data.
pub fn read_all(input: impl Read) -> Result<Vec<TarEntry>, ArchiveError> {
    let mut entries = Vec::new();
    read_entries(input, |h, data| {
        let mut bytes = Vec::new();
        data.read_to_end(&mut bytes).map_err(|e| match e.kind() {
            io::ErrorKind::UnexpectedEof => ArchiveError::BadTar {
                offset: h.offset,
                why: e.to_string(),
            },
            _ => ArchiveError::io("reading the tar stream")(e),
        })?;
        entries.push(TarEntry {
            path: h.path.clone(),
            kind: h.kind,
            mode: h.mode,
            mtime: h.mtime,
            data: bytes,
        });
        Ok(())
    })?;
    Ok(entries)
}

/// A failure of the `tar` crate to read the stream: a damaged archive, or the input itself
/// failing.
fn unreadable(offset: u64, e: io::Error) -> ArchiveError {
    match e.kind() {
        io::ErrorKind::Other | io::ErrorKind::InvalidData | io::ErrorKind::UnexpectedEof => {
            ArchiveError::BadTar {
                offset,
                why: e.to_string(),
            }
        }
        _ => ArchiveError::io("reading the tar stream")(e),
    }
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

/// Exactly `size` bytes of `inner`: an `UnexpectedEof` error when it ends sooner.
struct Exact<R> {
    inner: R,
    size: u64,
    read: u64,
    /// Why it ended too soon.
    short: &'static str,
}

impl<R: Read> Exact<R> {
    fn new(inner: R, size: u64) -> Exact<R> {
        Exact {
            inner,
            size,
            read: 0,
            short: "the archive ends inside an entry's data",
        }
    }
}

impl<R: Read> Read for Exact<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.read == self.size || buf.is_empty() {
            return Ok(0);
        }
        let n = self.inner.read(buf)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("{} of {} bytes: {}", self.read, self.size, self.short),
            ));
        }
        self.read += n as u64;
        Ok(n)
    }
}

/// The bytes written so far, for the record padding.
struct Counting<W> {
    inner: W,
    written: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests;
