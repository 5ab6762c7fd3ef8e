//! Monthly sealing (6.4.1): the archive records of a month that has ended become one
//! immutable batch directory `<out>/<fonds>-<YYYY-MM>/`:
//!
//! ```text
//! records.tar     every record, as one ustar archive written in one pass:
//!                   records/<档号>/materials/<n>-<kind>.<ext>  each material as archived
//!                   records/<档号>/record.json                 catalogue fields, business,
//!                                                             steps, material list
//! manifest.json   month, fonds, count, sealed_at, audit head, index, and the size and
//!                 SHA-256 of records.tar and of every member of it
//! SHA256SUMS      records.tar and manifest.json, for `sha256sum -c`
//! manifest.sig    ed25519 signature over manifest.json (the kiosk's archive key, see
//!                 [`super::sign`])
//! ```
//!
//! The records are streamed from the store (one at a time, not the month in memory) to a
//! writer thread that checks each, renders its `record.json`, hashes every member and
//! appends it to `records.tar`, so reading the store and writing the batch overlap. The batch
//! is four files, not a directory per record: a month of 100 000 cases was some 490 000
//! files and directories, and creating them took 94 of the 102 s a seal took on the
//! benchmark machine (BENCHMARKS.md).
//!
//! The batch is written into a temporary sibling directory, its files are made read-only
//! (0444, the directory 0555) and durable by one flush of the file system (`syncfs`), and the
//! directory is renamed into place; only then is the batch recorded in the store with the
//! manifest's SHA-256. Any failure removes what was written, so there is never a partial
//! batch directory. ID numbers are in the records (this is the archive) but never in the
//! manifest.

use std::collections::BTreeSet;
use std::fs::{self, File, Permissions};
use std::io::BufWriter;
use std::ops::ControlFlow;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use chrono::DateTime;
use ed25519_dalek::SigningKey;
use serde::Serialize;

use kiosk_core::digest::sha256_hex;

use super::fsutil::{self, DIR_MODE, FILE_MODE};
use super::hashing::HashingWriter;
use super::manifest::{
    render_sums, AuditHead, IndexEntry, Manifest, ManifestFile, FORMAT, MANIFEST, RECORDS_DIR,
    RECORDS_TAR, SUMS,
};
use super::month::Month;
use super::tar::{self, TarWriter};
use super::ArchiveError;
use kiosk_core::archive_number::{ArchiveNumber, CATEGORY};
use kiosk_core::domain::{local_date, Actor, BusinessCode, Timestamp};
use kiosk_core::store::{ArchiveRecord, ArchiveStore, AuditLog, BatchInfo, CaseStep, StoreError};

/// The rules a batch follows, written into every manifest.
pub(crate) const BASIS: &str = "DB 6523/T 372-2023 6.4; GB/T 31599-2015; DA/T 22-2015";

/// A sealed month.
#[derive(Debug, Clone, PartialEq)]
pub struct SealedBatch {
    /// The batch directory `<out>/<fonds>-<YYYY-MM>`.
    pub dir: PathBuf,
    /// What the store recorded (the manifest's SHA-256, the audit head).
    pub info: BatchInfo,
    pub manifest: Manifest,
    /// Files archived: the members of `records.tar` (each record's `record.json` and
    /// materials).
    pub files: usize,
    /// The size of the batch directory (`records.tar`, `manifest.json`, `SHA256SUMS`,
    /// `manifest.sig`).
    pub bytes: u64,
}

/// The batch directory's name: `<fonds>-<YYYY-MM>`.
pub(crate) fn batch_name(fonds: &str, month: Month) -> String {
    format!("{fonds}-{month}")
}

/// Seals `month` (`YYYY-MM`) of fonds `fonds` into `out_dir` (created if needed) and records
/// the batch in the store.
///
/// Refused when the month string is bad, the month has not ended in kiosk local time, the
/// month is already sealed, the month before it is not sealed while an earlier one is (no
/// holes), the audit chain does not verify, or a record cannot be filed. A month without
/// records still seals (0 records). The manifest is signed with `signer`, the kiosk's
/// archive signing key (`[keys] archive_signing_key`).
pub fn seal_month<S>(
    store: &S,
    month: &str,
    fonds: &str,
    out_dir: &Path,
    actor: &Actor,
    now: Timestamp,
    signer: &SigningKey,
) -> Result<SealedBatch, ArchiveError>
where
    S: ArchiveStore + AuditLog + ?Sized,
{
    let month = Month::parse(month)?;
    check_fonds(fonds)?;
    if !month.has_ended(now) {
        return Err(ArchiveError::MonthNotEnded {
            month: month.to_string(),
            today: local_date(now),
            from: month.next().first_day(),
        });
    }
    let label = month.to_string();
    let last_head = check_sequence(store, month)?;

    // From the head the last batch recorded: that batch's sealing verified what came before
    // (and `kiosk audit verify` checks the whole log).
    let audit = match last_head {
        Some(seq) => store.verify_from(seq),
        None => store.verify(),
    }
    .map_err(ArchiveError::store("cannot verify the audit log"))?;
    if !audit.ok() {
        return Err(ArchiveError::AuditChainBroken {
            problems: audit.problems,
        });
    }
    let (audit_seq, audit_hash) = audit.head.unwrap_or_else(|| (0, "0".repeat(64)));

    let name = batch_name(fonds, month);
    let sealed_at = DateTime::from_timestamp(now.timestamp(), 0).unwrap_or(now);
    let final_dir = out_dir.join(&name);
    if fs::symlink_metadata(&final_dir).is_ok() {
        return Err(ArchiveError::BatchDirExists { path: final_dir });
    }
    fs::create_dir_all(out_dir).map_err(ArchiveError::io(format!(
        "cannot create the archive directory {}",
        out_dir.display()
    )))?;
    let leftover = format!(".{name}.sealing-");
    fsutil::remove_leftovers(out_dir, &leftover);
    let tmp = out_dir.join(format!(
        "{leftover}{}-{:08x}",
        std::process::id(),
        rand::random::<u32>()
    ));
    fs::create_dir(&tmp).map_err(ArchiveError::io(format!(
        "cannot create the temporary batch directory {}",
        tmp.display()
    )))?;

    let head = AuditHead {
        seq: audit_seq,
        hash: audit_hash.clone(),
    };
    let batch = BatchOf {
        month,
        fonds,
        actor,
        sealed_at,
        audit: head,
        signer,
    };
    let written = write_batch(&tmp, store, &batch).and_then(|w| {
        fs::rename(&tmp, &final_dir)
            .map_err(ArchiveError::io(format!(
                "cannot rename {} to {}",
                tmp.display(),
                final_dir.display()
            )))
            .map(|()| w)
    });
    let written = match written {
        Ok(w) => w,
        Err(e) => {
            discard(&tmp);
            return Err(e);
        }
    };
    if let Err(e) = fsutil::sync_dir(out_dir) {
        discard(&final_dir);
        return Err(e);
    }

    let info = BatchInfo {
        month: label.clone(),
        sealed_at,
        records: written.manifest.records,
        manifest_sha256: written.manifest_sha256,
        audit_seq,
        audit_hash,
    };
    if let Err(e) = store.seal_month(&info, actor) {
        discard(&final_dir);
        if let Err(sync) = fsutil::sync_dir(out_dir) {
            log::warn!("{sync}");
        }
        // A conflict is another sealing of the month that got there first, or records that
        // changed under this one; either way the batch written here is not the sealed one.
        let sealed_meanwhile = match &e {
            StoreError::Conflict(_) => store.batch(&label).ok().flatten(),
            _ => None,
        };
        return Err(match sealed_meanwhile {
            Some(b) => ArchiveError::AlreadySealed {
                month: label,
                sealed_at: Some(b.sealed_at),
                source: Some(Box::new(e)),
            },
            None => ArchiveError::Store {
                what: format!(
                    "the store did not record the sealing of {label} (the batch written was \
                     removed; seal again)"
                ),
                source: Box::new(e),
            },
        });
    }
    Ok(SealedBatch {
        dir: final_dir,
        info,
        manifest: written.manifest,
        files: written.files,
        bytes: written.bytes,
    })
}

/// Fonds codes name directories: letters and digits only, as in archive numbers.
pub(crate) fn check_fonds(fonds: &str) -> Result<(), ArchiveError> {
    if fonds.is_empty() || !fonds.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(ArchiveError::BadFonds {
            fonds: fonds.to_string(),
        });
    }
    Ok(())
}

/// Not sealed yet, and no hole: if any earlier month is sealed, the month before must be.
/// Gives the audit head the newest sealed batch recorded, if there is one and it is not the
/// empty log's.
fn check_sequence<S>(store: &S, month: Month) -> Result<Option<i64>, ArchiveError>
where
    S: ArchiveStore + ?Sized,
{
    let label = month.to_string();
    if let Some(b) = store
        .batch(&label)
        .map_err(ArchiveError::store("cannot read the sealed batches"))?
    {
        return Err(ArchiveError::AlreadySealed {
            month: label,
            sealed_at: Some(b.sealed_at),
            source: None,
        });
    }
    let batches = store
        .batches()
        .map_err(ArchiveError::store("cannot read the sealed batches"))?;
    let sealed: BTreeSet<Month> = batches
        .iter()
        .filter_map(|b| Month::parse(&b.month).ok())
        .collect();
    let last_head = batches
        .iter()
        .map(|b| b.audit_seq)
        .max()
        .filter(|&seq| seq > 0);
    let prev = month.prev();
    if sealed.iter().any(|&m| m < month) && !sealed.contains(&prev) {
        return Err(ArchiveError::GapBefore {
            month: label,
            missing: prev.to_string(),
        });
    }
    Ok(last_head)
}

/// A record must belong to the month and the fonds, have a well-formed archive number that
/// comes after the one before it (`previous`: the store gives them in order, so none is
/// twice), not be sealed already, and give member paths `records.tar` can hold.
fn check_record(
    r: &ArchiveRecord,
    previous: Option<&str>,
    month: Month,
    fonds: &str,
) -> Result<ArchiveNumber, ArchiveError> {
    let bad = |why: String| ArchiveError::BadRecord {
        archive_no: r.archive_no.clone(),
        why,
    };
    let number: ArchiveNumber = r.archive_no.parse().map_err(|e| bad(format!("{e}")))?;
    if let Some(previous) = previous {
        if previous >= r.archive_no.as_str() {
            return Err(bad(format!(
                "the store returned it after {previous}: twice, or out of order"
            )));
        }
    }
    let finished = Month::of_instant(r.record.finished_at);
    if finished != month {
        return Err(bad(format!(
            "it finished in {finished}, not in {month} (kiosk local time)"
        )));
    }
    for theirs in [&number.fonds, &r.record.fonds] {
        if theirs != fonds {
            return Err(bad(format!(
                "it belongs to fonds {theirs}, but this batch is for fonds {fonds} \
                 ([kiosk] fonds)"
            )));
        }
    }
    if let Some(other) = &r.sealed_in {
        return Err(bad(format!(
            "the store says it was sealed in {other} already"
        )));
    }
    tar::check_path(&record_json_path(&r.archive_no)).map_err(|e| bad(format!("{e}")))?;
    for (n, m) in r.record.materials.iter().enumerate() {
        tar::check_path(&material_path(&r.archive_no, n, m)).map_err(|e| bad(format!("{e}")))?;
    }
    Ok(number)
}

fn record_dir(archive_no: &str) -> String {
    format!("{RECORDS_DIR}/{archive_no}")
}

/// `records/<档号>/record.json`.
fn record_json_path(archive_no: &str) -> String {
    format!("{}/record.json", record_dir(archive_no))
}

/// `records/<档号>/materials/<n>-<kind>.<ext>`, `n` from 1.
fn material_path(
    archive_no: &str,
    index: usize,
    m: &kiosk_core::store::ArchivedMaterial,
) -> String {
    format!(
        "{}/materials/{}-{}.{}",
        record_dir(archive_no),
        index + 1,
        file_kind(&m.kind),
        extension(&m.media_type)
    )
}

/// The material kind as a file-name part: ASCII letters, digits, `_` and `-` (others become
/// `_`), at most 40 bytes.
fn file_kind(kind: &str) -> String {
    let s: String = kind
        .chars()
        .take(40)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() {
        "material".into()
    } else {
        s
    }
}

/// The file extension of a media type.
fn extension(media_type: &str) -> &'static str {
    let base = media_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match base.as_str() {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/bmp" => "bmp",
        "application/json" => "json",
        "application/pdf" => "pdf",
        "application/xml" | "text/xml" => "xml",
        "text/plain" => "txt",
        _ => "bin",
    }
}

/// `record.json`: the catalogue entry (DA/T 22 columns) and the case.
#[derive(Serialize)]
struct RecordFile<'a> {
    #[serde(rename = "档号")]
    archive_no: &'a str,
    #[serde(rename = "全宗号")]
    fonds: &'a str,
    #[serde(rename = "门类代码")]
    category: &'static str,
    #[serde(rename = "年度")]
    year: i32,
    #[serde(rename = "保管期限")]
    retention: String,
    #[serde(rename = "机构代码")]
    organisation: &'a str,
    #[serde(rename = "件号")]
    item: u32,
    #[serde(rename = "题名")]
    title: &'a str,
    /// The outlet that handled the case.
    #[serde(rename = "责任者")]
    responsible: &'a str,
    /// `YYYYMMDD`, the kiosk-local date the case finished.
    #[serde(rename = "日期")]
    date: String,
    #[serde(rename = "保管期限截止")]
    retain_until: chrono::NaiveDate,
    case_id: &'a str,
    business: BusinessCode,
    id_number: &'a str,
    card_number: Option<&'a str>,
    finished_at: Timestamp,
    retention_years: u32,
    steps: &'a [CaseStep],
    materials: Vec<MaterialEntry<'a>>,
}

#[derive(Serialize)]
struct MaterialEntry<'a> {
    /// Relative to the record directory.
    file: String,
    kind: &'a str,
    title: &'a str,
    media_type: &'a str,
    size: u64,
    sha256: String,
}

fn retention_code(number: &ArchiveNumber) -> String {
    match number.retention_years {
        Some(y) => format!("D{y}"),
        None => "Y".into(),
    }
}

struct Written {
    manifest: Manifest,
    manifest_sha256: String,
    /// Members of `records.tar`.
    files: usize,
    /// Bytes of the batch directory.
    bytes: u64,
}

/// What a batch is of, and who seals and signs it.
struct BatchOf<'a> {
    month: Month,
    fonds: &'a str,
    actor: &'a Actor,
    sealed_at: Timestamp,
    audit: AuditHead,
    signer: &'a SigningKey,
}

/// Records handed to the writer thread at a time (one wake-up each, not one a record: with
/// a wake-up a record, the two threads spent their time switching), and batches in flight.
const BATCH: usize = 128;
const IN_FLIGHT: usize = 4;

/// Writes the whole batch into `dir` (empty, writable), reading the month's records from
/// `store`, and makes it read-only and durable.
fn write_batch<S>(dir: &Path, store: &S, batch: &BatchOf<'_>) -> Result<Written, ArchiveError>
where
    S: ArchiveStore + ?Sized,
{
    let label = batch.month.to_string();
    let mtime = u64::try_from(batch.sealed_at.timestamp()).map_err(|_| ArchiveError::TarPath {
        path: RECORDS_TAR.into(),
        why: format!("the sealing time {} is before 1970", batch.sealed_at),
    })?;
    let tar_path = dir.join(RECORDS_TAR);
    let (sender, receiver) = mpsc::sync_channel::<Vec<ArchiveRecord>>(IN_FLIGHT);
    let (written, read) = std::thread::scope(|scope| {
        let writer = scope.spawn(|| {
            let mut tar = RecordsTar::create(&tar_path, batch.month, batch.fonds, mtime)?;
            for record in receiver.into_iter().flatten() {
                tar.add(&record)?;
            }
            tar.finish()
        });
        // A writer that stopped (on a bad record or a write error) drops the receiver, and
        // the reading stops at the next record.
        let mut batch = Vec::with_capacity(BATCH);
        let read = store.each_month_record(&label, &mut |record| {
            batch.push(record);
            if batch.len() < BATCH {
                return ControlFlow::Continue(());
            }
            let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
            match sender.send(full) {
                Ok(()) => ControlFlow::Continue(()),
                Err(_) => ControlFlow::Break(()),
            }
        });
        if read.is_ok() && !batch.is_empty() {
            // A writer that stopped has its reason, which joining it gives.
            let _ = sender.send(batch);
        }
        drop(sender);
        let written = writer
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (written, read)
    });
    // The writer's failure first: when it stopped, the reading stopped because of it.
    let records = written?;
    read.map_err(ArchiveError::store(format!(
        "cannot read the archive records of {label}"
    )))?;

    let manifest = Manifest {
        format: FORMAT.into(),
        basis: BASIS.into(),
        month: label,
        fonds: batch.fonds.into(),
        records: records.index.len() as u64,
        sealed_at: batch.sealed_at,
        sealed_by: batch.actor.label(),
        audit: batch.audit.clone(),
        index: records.index,
        files: vec![records.tar],
        members: records.members,
    };
    let mut manifest_bytes =
        serde_json::to_vec_pretty(&manifest).map_err(|source| ArchiveError::Json {
            what: "cannot write the manifest".into(),
            source,
        })?;
    manifest_bytes.push(b'\n');
    fsutil::create_read_only(&dir.join(MANIFEST), &manifest_bytes)?;
    let manifest_sha256 = sha256_hex(&manifest_bytes);
    let sums = render_sums(&manifest.files, &manifest_sha256);
    fsutil::create_read_only(&dir.join(SUMS), sums.as_bytes())?;
    let signature = super::sign::sign(batch.signer, &manifest_bytes);
    fsutil::create_read_only(&dir.join(super::sign::SIGNATURE), &signature)?;

    // Read-only; then every file and name written above is made durable at once, before the
    // caller renames the batch into place.
    fsutil::set_mode(dir, DIR_MODE)?;
    fsutil::sync_filesystem(dir)?;

    let bytes = manifest.files.iter().map(|f| f.size).sum::<u64>()
        + manifest_bytes.len() as u64
        + sums.len() as u64
        + signature.len() as u64;
    Ok(Written {
        files: manifest.members.len(),
        manifest,
        manifest_sha256,
        bytes,
    })
}

/// `records.tar` being written: the records in archive-number order, each checked, its
/// materials and `record.json` hashed and appended.
struct RecordsTar<'a> {
    tar: TarWriter<HashingWriter<BufWriter<File>>>,
    path: &'a Path,
    month: Month,
    fonds: &'a str,
    previous: Option<String>,
    members: Vec<ManifestFile>,
    index: Vec<IndexEntry>,
}

/// What [`RecordsTar::finish`] gives for the manifest.
struct RecordsWritten {
    /// `records.tar` itself.
    tar: ManifestFile,
    members: Vec<ManifestFile>,
    index: Vec<IndexEntry>,
}

impl<'a> RecordsTar<'a> {
    fn create(
        path: &'a Path,
        month: Month,
        fonds: &'a str,
        mtime: u64,
    ) -> Result<RecordsTar<'a>, ArchiveError> {
        let file = fsutil::create_new(path)?;
        let out = HashingWriter::new(BufWriter::with_capacity(1 << 20, file));
        Ok(RecordsTar {
            tar: TarWriter::new(out, mtime)?,
            path,
            month,
            fonds,
            previous: None,
            members: Vec::new(),
            index: Vec::new(),
        })
    }

    fn add(&mut self, r: &ArchiveRecord) -> Result<(), ArchiveError> {
        let number = check_record(r, self.previous.as_deref(), self.month, self.fonds)?;
        let rec = &r.record;
        let rdir = record_dir(&r.archive_no);
        let mut materials = Vec::with_capacity(rec.materials.len());
        for (n, m) in rec.materials.iter().enumerate() {
            let path = material_path(&r.archive_no, n, m);
            let sha256 = self.put(path.clone(), &m.content)?;
            materials.push(MaterialEntry {
                file: path[rdir.len() + 1..].to_string(),
                kind: &m.kind,
                title: &m.title,
                media_type: &m.media_type,
                size: m.content.len() as u64,
                sha256,
            });
        }
        let date = local_date(rec.finished_at);
        let record = RecordFile {
            archive_no: &r.archive_no,
            fonds: &number.fonds,
            category: CATEGORY,
            year: number.year,
            retention: retention_code(&number),
            organisation: &number.organisation,
            item: number.item,
            title: &rec.title,
            responsible: &rec.organisation,
            date: date.format("%Y%m%d").to_string(),
            retain_until: r.retain_until,
            case_id: &rec.case_id,
            business: rec.business,
            id_number: &rec.id_number,
            card_number: rec.card_number.as_deref(),
            finished_at: rec.finished_at,
            retention_years: rec.retention_years,
            steps: &rec.steps,
            materials,
        };
        let mut json = serde_json::to_vec_pretty(&record).map_err(|source| ArchiveError::Json {
            what: format!("cannot write the record {}", r.archive_no),
            source,
        })?;
        json.push(b'\n');
        self.put(record_json_path(&r.archive_no), &json)?;
        self.index.push(IndexEntry {
            archive_no: r.archive_no.clone(),
            business: rec.business,
            date,
            retention: retention_code(&number),
            retain_until: r.retain_until,
            materials: u32::try_from(rec.materials.len()).unwrap_or(u32::MAX),
        });
        self.previous = Some(r.archive_no.clone());
        Ok(())
    }

    /// Appends one member; gives its SHA-256.
    fn put(&mut self, path: String, bytes: &[u8]) -> Result<String, ArchiveError> {
        self.tar
            .add_file(&path, FILE_MODE, bytes)
            .map_err(|e| named(self.path, e))?;
        let sha256 = sha256_hex(bytes);
        self.members.push(ManifestFile {
            path,
            size: bytes.len() as u64,
            sha256: sha256.clone(),
        });
        Ok(sha256)
    }

    fn finish(self) -> Result<RecordsWritten, ArchiveError> {
        let RecordsTar {
            tar,
            path,
            mut members,
            index,
            ..
        } = self;
        let (buffered, size, sha256) = tar.finish().map_err(|e| named(path, e))?.finish();
        let file = buffered.into_inner().map_err(|e| ArchiveError::Io {
            what: format!("cannot write {}", path.display()),
            source: e.into_error(),
        })?;
        file.set_permissions(Permissions::from_mode(FILE_MODE))
            .map_err(ArchiveError::io(format!(
                "cannot make {} read-only",
                path.display()
            )))?;
        // In archive-number order, each record's materials before its record.json: by path.
        members.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(RecordsWritten {
            tar: ManifestFile {
                path: RECORDS_TAR.into(),
                size,
                sha256,
            },
            members,
            index,
        })
    }
}

/// A failure to write `records.tar` names the file (the member being written may not be the
/// one whose bytes failed: they are buffered).
fn named(path: &Path, e: ArchiveError) -> ArchiveError {
    match e {
        ArchiveError::Io { what, source } => ArchiveError::Io {
            what: format!("cannot write {} ({what})", path.display()),
            source,
        },
        other => other,
    }
}

/// Removes a batch or temporary directory after a failure; a removal failure is logged (the
/// original failure is what the caller reports).
fn discard(path: &Path) {
    if let Err(e) = fsutil::remove_tree(path) {
        log::error!(
            "could not remove {} after a failed sealing: {e}",
            path.display()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_of_materials() {
        assert_eq!(file_kind("id_card"), "id_card");
        assert_eq!(file_kind("照片/../x"), "______x");
        assert_eq!(file_kind(""), "material");
        assert_eq!(file_kind(&"k".repeat(50)).len(), 40);
        assert_eq!(extension("image/jpeg"), "jpg");
        assert_eq!(extension("application/json; charset=utf-8"), "json");
        assert_eq!(extension("Text/Plain"), "txt");
        assert_eq!(extension("application/x-unknown"), "bin");
    }

    #[test]
    fn fonds_must_name_a_directory() {
        assert!(check_fonds("0001").is_ok());
        for bad in ["", "00/1", "..", "0 1", "全宗"] {
            let e = check_fonds(bad).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{bad}");
            assert!(e.to_string().contains("letters and digits"), "{e}");
        }
    }
}
