//! Verifying a sealed batch (its directory or its tar export) and the deterministic tar export.
//!
//! Verification re-hashes every file and compares it with the manifest: files listed but not
//! there are *missing*, files there but not listed are *extra*, files whose size or SHA-256
//! differ are *altered*; `SHA256SUMS` must be exactly what the manifest implies. With the
//! manifest SHA-256 the store recorded, the manifest itself is checked too (without it, a
//! rewritten manifest with matching files cannot be told from the original). The manifest's
//! signature (`manifest.sig`, [`super::sign`]) is checked against the trusted archive keys:
//! a batch verifies only when it is signed by one of them.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File, OpenOptions};
use std::io::{BufWriter, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use ed25519_dalek::VerifyingKey;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::fsutil::{self, Kind, DIR_MODE, FILE_MODE};
use super::manifest::{render_sums, sha256_hex, Manifest, FORMAT, MANIFEST, SUMS};
use super::month::Month;
use super::seal::{batch_name, check_fonds};
use super::sign::{self, SignatureCheck, SIGNATURE};
use super::tar::{EntryKind, TarReader, TarWriter};
use super::ArchiveError;
use crate::domain::Timestamp;

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

/// What was found in a directory or tar: size and SHA-256 per regular file.
#[derive(Default)]
struct Found {
    files: BTreeMap<String, (u64, String)>,
    /// Entries that are neither regular files nor directories.
    others: Vec<String>,
    manifest: Option<Vec<u8>>,
    sums: Option<Vec<u8>>,
    signature: Option<Vec<u8>>,
    problems: Vec<String>,
}

impl Found {
    fn add(&mut self, path: String, data: &[u8]) {
        let keep = is_kept(&path).then(|| data.to_vec());
        self.add_facts(path, data.len() as u64, sha256_hex(data), keep);
    }

    /// `data` is kept for `manifest.json` and `SHA256SUMS` only.
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

    let mut listed = BTreeSet::new();
    for f in &manifest.files {
        if is_kept(&f.path) {
            report.problems.push(format!(
                "the manifest lists {}, which is not one of the files it covers",
                f.path
            ));
            continue;
        }
        if !listed.insert(f.path.as_str()) {
            report
                .problems
                .push(format!("the manifest lists {} twice", f.path));
            continue;
        }
        match found.files.get(&f.path) {
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
    for path in found.files.keys() {
        if !is_kept(path) && !listed.contains(path.as_str()) {
            report.extra.push(path.clone());
        }
    }
    for other in &found.others {
        report
            .extra
            .push(format!("{other} (not a regular file or directory)"));
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

fn from_dir(dir: &Path) -> Result<Found, ArchiveError> {
    let mut found = Found::default();
    for w in fsutil::walk(dir)? {
        match w.kind {
            Kind::Dir => {}
            Kind::Other => found.others.push(w.rel),
            Kind::File => {
                let data = fs::read(&w.path).map_err(ArchiveError::io(format!(
                    "cannot read {}",
                    w.path.display()
                )))?;
                found.add(w.rel, &data);
            }
        }
    }
    Ok(found)
}

/// Reads a tar; when every entry is under one top directory holding the manifest (as
/// [`export_tar`] writes it), paths are taken relative to it.
fn from_tar(path: &Path) -> Result<Found, ArchiveError> {
    /// An entry as seen: its data is hashed and dropped, except the manifest's and the sums'.
    struct Seen {
        path: String,
        kind: EntryKind,
        size: u64,
        sha256: String,
        data: Option<Vec<u8>>,
    }
    let file =
        File::open(path).map_err(ArchiveError::io(format!("cannot read {}", path.display())))?;
    let mut reader = TarReader::new(std::io::BufReader::new(file));
    let mut entries = Vec::new();
    while let Some(e) = reader.next_entry()? {
        let name = e.path.rsplit('/').next().unwrap_or("");
        let keep = e.kind == EntryKind::File && is_kept(name);
        entries.push(Seen {
            size: e.data.len() as u64,
            sha256: sha256_hex(&e.data),
            data: keep.then_some(e.data),
            path: e.path,
            kind: e.kind,
        });
    }
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
            EntryKind::File => found.add_facts(rel, e.size, e.sha256, e.data),
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
    let tmp = parent.join(format!(
        ".{file_name}.tmp-{}-{:08x}",
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

/// Counts the bytes and hashes them on the way to the file.
struct Hashing<W: Write> {
    inner: W,
    hasher: Sha256,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
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
    let out = Hashing {
        inner: BufWriter::new(file),
        hasher: Sha256::new(),
    };
    let mut tar = TarWriter::new(out, mtime)?;
    tar.add_dir(top, DIR_MODE)?;
    let mut entries = 1;
    for w in fsutil::walk(batch_dir)? {
        let path = format!("{top}/{}", w.rel);
        match w.kind {
            Kind::Dir => tar.add_dir(&path, DIR_MODE)?,
            Kind::File => {
                let mut data = Vec::new();
                File::open(&w.path)
                    .and_then(|mut f| f.read_to_end(&mut data))
                    .map_err(ArchiveError::io(format!(
                        "cannot read {}",
                        w.path.display()
                    )))?;
                tar.add_file(&path, FILE_MODE, &data)?;
            }
            // Verification already refused these (reported as extra).
            Kind::Other => continue,
        }
        entries += 1;
    }
    let out = tar.finish()?;
    let Hashing { inner, hasher } = out;
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
    Ok((entries, bytes, hex::encode(hasher.finalize())))
}
