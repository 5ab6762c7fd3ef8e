//! Verifying a sealed batch (its directory or its tar export) and the deterministic tar export.
//!
//! Verification re-hashes every file and compares it with the manifest: files listed but not
//! there are *missing*, files there but not listed are *extra*, files whose size or SHA-256
//! differ are *altered*. The same goes for every member of `records.tar`, which is read as a
//! stream (a month's batch is hundreds of megabytes) and reported by member path
//! (`records/<档号>/…`), so an altered record is named. `SHA256SUMS` must be exactly what the
//! manifest implies. With the
//! manifest SHA-256 the store recorded, the manifest itself is checked too (without it, a
//! rewritten manifest with matching files cannot be told from the original). The manifest's
//! signature (`manifest.sig`, [`super::sign`]) is checked against the trusted archive keys:
//! a batch verifies only when it is signed by one of them.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File, OpenOptions};
use std::io::{BufReader, BufWriter, Read};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use ed25519_dalek::VerifyingKey;
use serde::Serialize;

use kiosk_core::digest::sha256_hex;

use super::fsutil::{self, Kind, DIR_MODE, FILE_MODE};
use super::hashing::{HashingReader, HashingWriter};
use super::manifest::{render_sums, Manifest, ManifestFile, FORMAT, MANIFEST, RECORDS_TAR, SUMS};
use super::month::Month;
use super::seal::{batch_name, check_fonds};
use super::sign::{self, SignatureCheck, SIGNATURE};
use super::tar::{self, EntryKind, TarWriter};
use super::ArchiveError;
use kiosk_core::domain::Timestamp;

/// A file whose content is not what the manifest says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlteredFile {
    pub path: String,
    pub expected_size: u64,
    pub actual_size: u64,
    pub expected_sha256: String,
    pub actual_sha256: String,
}

/// The result of verifying a batch.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BatchReport {
    /// The directory or tar file verified.
    pub source: PathBuf,
    pub month: String,
    pub fonds: String,
    pub records: u64,
    pub sealed_at: Timestamp,
    pub audit_seq: i64,
    pub audit_hash: String,
    /// SHA-256 of the `manifest.json` found.
    pub manifest_sha256: String,
    /// The manifest SHA-256 it was checked against, if one was given.
    pub expected_manifest_sha256: Option<String>,
    /// Files the manifest lists.
    pub files_listed: usize,
    /// Listed files found with the right size and SHA-256.
    pub files_ok: usize,
    pub missing: Vec<String>,
    pub extra: Vec<String>,
    pub altered: Vec<AlteredFile>,
    /// Anything else wrong (the manifest contradicting itself, a path twice in a tar …).
    pub problems: Vec<String>,
    /// The manifest's signature checked against the trusted archive keys.
    pub signature: SignatureCheck,
}

impl BatchReport {
    /// `Some(false)` when an expected manifest SHA-256 was given and differs.
    pub fn manifest_matches(&self) -> Option<bool> {
        self.expected_manifest_sha256
            .as_ref()
            .map(|e| e.eq_ignore_ascii_case(&self.manifest_sha256))
    }

    /// True when nothing is missing, extra or altered, the manifest is the expected one and
    /// it is signed by a trusted key.
    pub fn ok(&self) -> bool {
        self.files_ok() && self.signature.ok()
    }

    /// True when nothing is missing, extra or altered and the manifest is the expected one
    /// (the signature aside).
    pub fn files_ok(&self) -> bool {
        self.missing.is_empty()
            && self.extra.is_empty()
            && self.altered.is_empty()
            && self.problems.is_empty()
            && self.manifest_matches() != Some(false)
    }

    /// One line: what is wrong, or that it verified.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if self.manifest_matches() == Some(false) {
            parts.push(format!(
                "the manifest's SHA-256 is {}, not the sealed {}",
                self.manifest_sha256,
                self.expected_manifest_sha256.as_deref().unwrap_or("")
            ));
        }
        if !self.missing.is_empty() {
            parts.push(format!("missing: {}", self.missing.join(", ")));
        }
        if !self.altered.is_empty() {
            let paths: Vec<&str> = self.altered.iter().map(|a| a.path.as_str()).collect();
            parts.push(format!("altered: {}", paths.join(", ")));
        }
        if !self.extra.is_empty() {
            parts.push(format!("extra: {}", self.extra.join(", ")));
        }
        parts.extend(self.problems.iter().cloned());
        if !self.signature.ok() {
            parts.push(self.signature.describe());
        }
        if parts.is_empty() {
            format!(
                "{} {}: {} records, {} files verified, {}",
                self.fonds,
                self.month,
                self.records,
                self.files_ok,
                self.signature.describe()
            )
        } else {
            parts.join("; ")
        }
    }
}

/// Size and SHA-256 per path.
type Facts = BTreeMap<String, (u64, String)>;

/// What was found in a directory or tar: size and SHA-256 per regular file.
#[derive(Default)]
struct Found {
    files: Facts,
    /// Entries that are neither regular files nor directories.
    others: Vec<String>,
    manifest: Option<Vec<u8>>,
    sums: Option<Vec<u8>>,
    signature: Option<Vec<u8>>,
    /// What `records.tar` holds, when it was there.
    members: Option<Members>,
    problems: Vec<String>,
}

/// The members of a `records.tar`, read as a stream.
#[derive(Default)]
struct Members {
    files: Facts,
    others: Vec<String>,
    /// Why the tar could not be read to its end, or a path found twice.
    problems: Vec<String>,
}

impl Found {
    /// `data` is kept for `manifest.json`, `SHA256SUMS` and `manifest.sig` only.
    fn add_facts(&mut self, path: String, size: u64, sha256: String, data: Option<Vec<u8>>) {
        if path == MANIFEST {
            self.manifest = data;
        } else if path == SUMS {
            self.sums = data;
        } else if path == SIGNATURE {
            self.signature = data;
        }
        if self.files.insert(path.clone(), (size, sha256)).is_some() {
            self.problems
                .push(format!("{path} appears more than once in the archive"));
        }
    }
}

/// Reads a `records.tar` from `input` to its end without holding it: every member's size and
/// SHA-256, and the size and SHA-256 of the whole. A tar that cannot be read to its end is a
/// problem in the report, not an error; only failing to read `input` is.
fn read_members(input: impl Read) -> Result<(Members, u64, String), ArchiveError> {
    let mut hashing = HashingReader::new(input);
    let mut members = Members::default();
    read_entries(&mut hashing, &mut members);
    let (size, sha256) = hashing
        .finish()
        .map_err(ArchiveError::io(format!("cannot read {RECORDS_TAR}")))?;
    Ok((members, size, sha256))
}

/// Every entry of the tar in `input` into `members`, until its end or the first entry that
/// cannot be read.
fn read_entries(input: impl Read, members: &mut Members) {
    let read = tar::read_entries(input, |header, data| {
        match header.kind {
            EntryKind::Dir => {}
            EntryKind::Other(_) => members.others.push(header.path.clone()),
            EntryKind::File => {
                let mut sink = HashingWriter::new(std::io::sink());
                std::io::copy(data, &mut sink).map_err(|source| ArchiveError::Io {
                    what: format!("{} (the member at byte {})", header.path, header.offset),
                    source,
                })?;
                let (_, size, sha256) = sink.finish();
                if members
                    .files
                    .insert(header.path.clone(), (size, sha256))
                    .is_some()
                {
                    members.problems.push(format!(
                        "{RECORDS_TAR}: {} appears more than once",
                        header.path
                    ));
                }
            }
        }
        Ok(())
    });
    if let Err(e) = read {
        members.problems.push(format!("{RECORDS_TAR}: {e}"));
    }
}

/// One file of a batch as read.
struct FileRead {
    size: u64,
    sha256: String,
    /// The content, for the files verification reads.
    data: Option<Vec<u8>>,
    /// The members, for `records.tar`.
    members: Option<Members>,
}

/// Reads one file of a batch from `input`: its size and SHA-256, its content if verification
/// reads it, its members if it is `records.tar`.
fn read_file(rel: &str, mut input: impl Read) -> Result<FileRead, ArchiveError> {
    let what = || format!("cannot read {rel}");
    if rel == RECORDS_TAR {
        let (members, size, sha256) = read_members(input)?;
        return Ok(FileRead {
            size,
            sha256,
            data: None,
            members: Some(members),
        });
    }
    if is_kept(rel) {
        let mut data = Vec::new();
        input
            .read_to_end(&mut data)
            .map_err(ArchiveError::io(what()))?;
        return Ok(FileRead {
            size: data.len() as u64,
            sha256: sha256_hex(&data),
            data: Some(data),
            members: None,
        });
    }
    let mut sink = HashingWriter::new(std::io::sink());
    std::io::copy(&mut input, &mut sink).map_err(ArchiveError::io(what()))?;
    let (_, size, sha256) = sink.finish();
    Ok(FileRead {
        size,
        sha256,
        data: None,
        members: None,
    })
}

/// The files whose content verification reads: the manifest, the sums, the signature.
fn is_kept(path: &str) -> bool {
    path == MANIFEST || path == SUMS || path == SIGNATURE
}

/// Verifies a batch directory or a tar export of one. `expected_manifest_sha` is the SHA-256
/// the store recorded (`kiosk archive batches`); without it the manifest is as good as its
/// signature, checked against `trusted` (`[keys] archive`).
///
/// Errors are for what cannot be verified at all: an unreadable path or tar, no manifest.
/// Everything else is in the report.
pub fn verify_batch(
    path: &Path,
    expected_manifest_sha: Option<&str>,
    trusted: &[VerifyingKey],
) -> Result<BatchReport, ArchiveError> {
    let meta =
        fs::metadata(path).map_err(ArchiveError::io(format!("cannot read {}", path.display())))?;
    let found = if meta.is_dir() {
        from_dir(path)?
    } else {
        from_tar(path)?
    };
    let not_batch = |why: String| ArchiveError::NotABatch {
        path: path.to_path_buf(),
        why,
    };
    let Some(manifest_bytes) = &found.manifest else {
        return Err(not_batch(format!("there is no {MANIFEST}")));
    };
    let manifest: Manifest = serde_json::from_slice(manifest_bytes)
        .map_err(|e| not_batch(format!("{MANIFEST} cannot be read ({e})")))?;
    if manifest.format != FORMAT {
        return Err(not_batch(format!(
            "{MANIFEST} has the format {:?}; this program reads {FORMAT:?}",
            manifest.format
        )));
    }
    let manifest_sha256 = sha256_hex(manifest_bytes);

    let mut report = BatchReport {
        source: path.to_path_buf(),
        month: manifest.month.clone(),
        fonds: manifest.fonds.clone(),
        records: manifest.records,
        sealed_at: manifest.sealed_at,
        audit_seq: manifest.audit.seq,
        audit_hash: manifest.audit.hash.clone(),
        manifest_sha256: manifest_sha256.clone(),
        expected_manifest_sha256: expected_manifest_sha.map(|s| s.to_ascii_lowercase()),
        files_listed: manifest.files.len(),
        files_ok: 0,
        missing: Vec::new(),
        extra: Vec::new(),
        altered: Vec::new(),
        problems: found.problems.clone(),
        signature: sign::check(found.signature.as_deref(), manifest_bytes, trusted),
    };
    if manifest.records != manifest.index.len() as u64 {
        report.problems.push(format!(
            "the manifest counts {} records but indexes {}",
            manifest.records,
            manifest.index.len()
        ));
    }
    if Month::parse(&manifest.month).is_err() {
        report.problems.push(format!(
            "the manifest's month {:?} is not YYYY-MM",
            manifest.month
        ));
    }

    compare(&manifest.files, &found.files, true, &mut report);
    for other in &found.others {
        report
            .extra
            .push(format!("{other} (not a regular file or directory)"));
    }
    match &found.members {
        Some(members) => {
            report.files_listed += manifest.members.len();
            compare(&manifest.members, &members.files, false, &mut report);
            for other in &members.others {
                report.extra.push(format!(
                    "{other} (in {RECORDS_TAR}, not a regular file or directory)"
                ));
            }
            report.problems.extend(members.problems.iter().cloned());
        }
        // Missing from the batch: reported once (as a listed file), not for every member.
        None if manifest.files.iter().any(|f| f.path == RECORDS_TAR) => {}
        None if !manifest.members.is_empty() => report.problems.push(format!(
            "the manifest lists {} members of {RECORDS_TAR} but not {RECORDS_TAR} itself",
            manifest.members.len()
        )),
        None => {}
    }

    let expected_sums = render_sums(&manifest.files, &manifest_sha256);
    match (&found.sums, found.files.get(SUMS)) {
        (Some(actual), Some((size, sha))) if actual != expected_sums.as_bytes() => {
            report.altered.push(AlteredFile {
                path: SUMS.into(),
                expected_size: expected_sums.len() as u64,
                actual_size: *size,
                expected_sha256: sha256_hex(expected_sums.as_bytes()),
                actual_sha256: sha.clone(),
            });
        }
        (Some(_), Some(_)) => {}
        _ => report.missing.push(SUMS.into()),
    }
    Ok(report)
}

/// Compares what the manifest lists with what was found: missing, altered, extra. With
/// `batch_files`, the manifest, the sums and the signature are not among what it may list.
fn compare(listed: &[ManifestFile], found: &Facts, batch_files: bool, report: &mut BatchReport) {
    let mut seen = BTreeSet::new();
    for f in listed {
        if batch_files && is_kept(&f.path) {
            report.problems.push(format!(
                "the manifest lists {}, which is not one of the files it covers",
                f.path
            ));
            continue;
        }
        if !seen.insert(f.path.as_str()) {
            report
                .problems
                .push(format!("the manifest lists {} twice", f.path));
            continue;
        }
        match found.get(&f.path) {
            None => report.missing.push(f.path.clone()),
            Some((size, sha)) if *size == f.size && sha.eq_ignore_ascii_case(&f.sha256) => {
                report.files_ok += 1;
            }
            Some((size, sha)) => report.altered.push(AlteredFile {
                path: f.path.clone(),
                expected_size: f.size,
                actual_size: *size,
                expected_sha256: f.sha256.clone(),
                actual_sha256: sha.clone(),
            }),
        }
    }
    for path in found.keys() {
        let outside_manifest = batch_files && is_kept(path);
        if !outside_manifest && !seen.contains(path.as_str()) {
            report.extra.push(path.clone());
        }
    }
}

fn from_dir(dir: &Path) -> Result<Found, ArchiveError> {
    let mut found = Found::default();
    for w in fsutil::walk(dir)? {
        match w.kind {
            Kind::Dir => {}
            Kind::Other => found.others.push(w.rel),
            Kind::File => {
                let file = File::open(&w.path).map_err(ArchiveError::io(format!(
                    "cannot read {}",
                    w.path.display()
                )))?;
                let read = read_file(&w.rel, BufReader::with_capacity(1 << 20, file))?;
                if read.members.is_some() {
                    found.members = read.members;
                }
                found.add_facts(w.rel, read.size, read.sha256, read.data);
            }
        }
    }
    Ok(found)
}

/// Reads a tar, streaming each entry; when every entry is under one top directory holding the
/// manifest (as [`export_tar`] writes it), paths are taken relative to it.
fn from_tar(path: &Path) -> Result<Found, ArchiveError> {
    /// An entry as seen: its data is hashed and dropped, except the manifest's, the sums' and
    /// the signature's; a `records.tar` is read member by member.
    struct Seen {
        path: String,
        kind: EntryKind,
        read: FileRead,
    }
    let file =
        File::open(path).map_err(ArchiveError::io(format!("cannot read {}", path.display())))?;
    let mut entries = Vec::new();
    tar::read_entries(BufReader::with_capacity(1 << 20, file), |h, data| {
        let name = h.path.rsplit('/').next().unwrap_or("").to_string();
        let read = if h.kind == EntryKind::File {
            match read_file(&name, data) {
                Err(ArchiveError::Io { source, .. })
                    if source.kind() == std::io::ErrorKind::UnexpectedEof =>
                {
                    return Err(ArchiveError::BadTar {
                        offset: h.offset,
                        why: "the archive ends inside an entry's data".into(),
                    });
                }
                other => other?,
            }
        } else {
            FileRead {
                size: 0,
                sha256: String::new(),
                data: None,
                members: None,
            }
        };
        entries.push(Seen {
            path: h.path.clone(),
            kind: h.kind,
            read,
        });
        Ok(())
    })?;
    let top = entries
        .first()
        .and_then(|e| e.path.split('/').next())
        .map(str::to_string);
    let strip = match top {
        Some(top)
            if !entries.iter().any(|e| e.path == MANIFEST)
                && entries
                    .iter()
                    .all(|e| e.path == top || e.path.starts_with(&format!("{top}/")))
                && entries
                    .iter()
                    .any(|e| e.path == format!("{top}/{MANIFEST}")) =>
        {
            Some(format!("{top}/"))
        }
        _ => None,
    };
    let mut found = Found::default();
    for e in entries {
        let rel = match &strip {
            Some(prefix) => match e.path.strip_prefix(prefix.as_str()) {
                Some(rel) => rel.to_string(),
                // The top directory itself.
                None => continue,
            },
            None => e.path,
        };
        match e.kind {
            EntryKind::Dir => {}
            EntryKind::File => {
                if rel == RECORDS_TAR {
                    found.members = e.read.members;
                }
                found.add_facts(rel, e.read.size, e.read.sha256, e.read.data);
            }
            EntryKind::Other(_) => found.others.push(rel),
        }
    }
    Ok(found)
}

/// A tar export of a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TarExport {
    pub path: PathBuf,
    /// Directories and files in the archive.
    pub entries: usize,
    pub bytes: u64,
    /// SHA-256 of the tar file.
    pub sha256: String,
    pub manifest_sha256: String,
}

/// Writes a verified batch directory as a deterministic ustar archive: every path under
/// `<fonds>-<YYYY-MM>/`, sorted, files 0444 and directories 0555, owner and group 0,
/// modification time = the manifest's `sealed_at`. The same batch always gives the same bytes.
/// The file is written atomically (temporary file, fsync, rename); a batch whose files do not
/// verify, or whose signature is missing or does not verify over its manifest, is refused
/// (whether the signer is trusted is for whoever verifies the export).
///
/// The tar is streamed to its temporary file (it can be gigabytes), so this does not go
/// through `firmware_config::atomic_file`, which takes the bytes at once; its temporary name
/// carries the process id so that a later run removes what a killed export left.
pub fn export_tar(batch_dir: &Path, out_file: &Path) -> Result<TarExport, ArchiveError> {
    let meta = fs::metadata(batch_dir).map_err(ArchiveError::io(format!(
        "cannot read {}",
        batch_dir.display()
    )))?;
    if !meta.is_dir() {
        return Err(ArchiveError::NotABatch {
            path: batch_dir.to_path_buf(),
            why: "it is not a directory (export a batch directory)".into(),
        });
    }
    let report = verify_batch(batch_dir, None, &[])?;
    if !report.files_ok() || !report.signature.intact() {
        return Err(ArchiveError::Unverified {
            path: batch_dir.to_path_buf(),
            summary: report.summary(),
        });
    }
    let month = Month::parse(&report.month)?;
    check_fonds(&report.fonds)?;
    let top = batch_name(&report.fonds, month);
    let mtime = u64::try_from(report.sealed_at.timestamp()).map_err(|_| ArchiveError::TarPath {
        path: top.clone(),
        why: format!("the sealing time {} is before 1970", report.sealed_at),
    })?;

    let parent = match out_file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let file_name = out_file
        .file_name()
        .ok_or_else(|| ArchiveError::Io {
            what: format!("{} does not name a file", out_file.display()),
            source: std::io::ErrorKind::InvalidInput.into(),
        })?
        .to_string_lossy()
        .into_owned();
    let leftover = format!(".{file_name}.tmp-");
    fsutil::remove_leftovers(&parent, &leftover);
    let tmp = parent.join(format!(
        "{leftover}{}-{:08x}",
        std::process::id(),
        rand::random::<u32>()
    ));
    let result = write_tar(batch_dir, &top, mtime, &tmp).and_then(|(entries, bytes, sha256)| {
        fs::rename(&tmp, out_file).map_err(ArchiveError::io(format!(
            "cannot rename {} to {}",
            tmp.display(),
            out_file.display()
        )))?;
        fsutil::sync_dir(&parent)?;
        Ok(TarExport {
            path: out_file.to_path_buf(),
            entries,
            bytes,
            sha256,
            manifest_sha256: report.manifest_sha256.clone(),
        })
    });
    if result.is_err() {
        if let Err(e) = fs::remove_file(&tmp) {
            if e.kind() != std::io::ErrorKind::NotFound {
                log::warn!("could not remove {}: {e}", tmp.display());
            }
        }
    }
    result
}

fn write_tar(
    batch_dir: &Path,
    top: &str,
    mtime: u64,
    tmp: &Path,
) -> Result<(usize, u64, String), ArchiveError> {
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o644)
        .open(tmp)
        .map_err(ArchiveError::io(format!("cannot create {}", tmp.display())))?;
    let out = HashingWriter::new(BufWriter::with_capacity(1 << 20, file));
    let mut tar = TarWriter::new(out, mtime)?;
    tar.add_dir(top, DIR_MODE)?;
    let mut entries = 1;
    for w in fsutil::walk(batch_dir)? {
        let path = format!("{top}/{}", w.rel);
        match w.kind {
            Kind::Dir => tar.add_dir(&path, DIR_MODE)?,
            Kind::File => {
                let shown = w.path.display();
                let file = File::open(&w.path)
                    .map_err(ArchiveError::io(format!("cannot read {shown}")))?;
                let size = file
                    .metadata()
                    .map_err(ArchiveError::io(format!("cannot examine {shown}")))?
                    .len();
                tar.add_file_from(&path, FILE_MODE, size, BufReader::new(file))?;
            }
            // Verification already refused these (reported as extra).
            Kind::Other => continue,
        }
        entries += 1;
    }
    let (inner, _, sha256) = tar.finish()?.finish();
    let file = inner.into_inner().map_err(|e| ArchiveError::Io {
        what: format!("cannot write {}", tmp.display()),
        source: e.into_error(),
    })?;
    file.sync_all()
        .map_err(ArchiveError::io(format!("cannot fsync {}", tmp.display())))?;
    let bytes = file
        .metadata()
        .map_err(ArchiveError::io(format!(
            "cannot examine {}",
            tmp.display()
        )))?
        .len();
    Ok((entries, bytes, sha256))
}
