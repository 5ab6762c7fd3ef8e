//! Monthly sealing (6.4.1): the archive records of a month that has ended become one
//! immutable batch directory `<out>/<fonds>-<YYYY-MM>/`:
//!
//! ```text
//! records/<档号>/record.json               catalogue fields, business, steps, material list
//! records/<档号>/materials/<n>-<kind>.<ext> each material as it was archived
//! manifest.json                            month, fonds, count, sealed_at, audit head, index,
//!                                          every file's path, size and SHA-256
//! SHA256SUMS                               the same for `sha256sum -c`, with manifest.json
//! manifest.sig                             ed25519 signature over manifest.json (the kiosk's
//!                                          archive key, see [`super::sign`])
//! ```
//!
//! The batch is written into a temporary sibling directory, every file and directory is made
//! read-only (files 0444, directories 0555) and made durable by one flush of the file system
//! (`syncfs`, not an fsync per file: a month of 100 000 cases is some 400 000 files and
//! directories, and one fsync each took 12 ms a case on the benchmark machine), and the
//! directory is renamed into place; only then is the batch recorded in the store with the
//! manifest's SHA-256. Any failure removes what was written, so there is never a partial batch directory. ID numbers
//! are in the records (this is the archive) but never in the manifest.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use chrono::DateTime;
use ed25519_dalek::SigningKey;
use serde::Serialize;

use super::fsutil::{self, DIR_MODE};
use super::manifest::{
    render_sums, sha256_hex, AuditHead, IndexEntry, Manifest, ManifestFile, FORMAT, MANIFEST,
    RECORDS_DIR, SUMS,
};
use super::month::Month;
use super::number::{ArchiveNumber, CATEGORY};
use super::{tar, ArchiveError};
use crate::domain::{local_date, Actor, BusinessCode, Timestamp};
use crate::store::{ArchiveRecord, ArchiveStore, AuditLog, BatchInfo, CaseStep, StoreError};

/// The rules a batch follows, written into every manifest.
pub const BASIS: &str = "DB 6523/T 372-2023 6.4; GB/T 31599-2015; DA/T 22-2015";

/// A sealed month.
#[derive(Debug, Clone, PartialEq)]
pub struct SealedBatch {
    /// The batch directory `<out>/<fonds>-<YYYY-MM>`.
    pub dir: PathBuf,
    /// What the store recorded (the manifest's SHA-256, the audit head).
    pub info: BatchInfo,
    pub manifest: Manifest,
    /// Files written, `manifest.json`, `SHA256SUMS` and `manifest.sig` included.
    pub files: usize,
    /// Their total size.
    pub bytes: u64,
}

/// The batch directory's name: `<fonds>-<YYYY-MM>`.
pub fn batch_name(fonds: &str, month: Month) -> String {
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
    check_sequence(store, month)?;

    let audit = store
        .verify()
        .map_err(ArchiveError::store("cannot verify the audit log"))?;
    if !audit.ok() {
        return Err(ArchiveError::AuditChainBroken {
            problems: audit.problems,
        });
    }
    let (audit_seq, audit_hash) = audit.head.unwrap_or_else(|| (0, "0".repeat(64)));

    let mut records = store
        .month_records(&label)
        .map_err(ArchiveError::store(format!(
            "cannot read the archive records of {label}"
        )))?;
    records.sort_by(|a, b| a.archive_no.cmp(&b.archive_no));
    let name = batch_name(fonds, month);
    let numbers = check_records(&records, month, fonds, &name)?;

    let sealed_at = DateTime::from_timestamp(now.timestamp(), 0).unwrap_or(now);
    let final_dir = out_dir.join(&name);
    if fs::symlink_metadata(&final_dir).is_ok() {
        return Err(ArchiveError::BatchDirExists { path: final_dir });
    }
    fs::create_dir_all(out_dir).map_err(ArchiveError::io(format!(
        "cannot create the archive directory {}",
        out_dir.display()
    )))?;
    let tmp = out_dir.join(format!(
        ".{name}.sealing-{}-{:08x}",
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
    let written = write_batch(&tmp, &records, &numbers, &batch).and_then(|w| {
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
fn check_sequence<S>(store: &S, month: Month) -> Result<(), ArchiveError>
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
    let sealed: BTreeSet<Month> = store
        .batches()
        .map_err(ArchiveError::store("cannot read the sealed batches"))?
        .iter()
        .filter_map(|b| Month::parse(&b.month).ok())
        .collect();
    let prev = month.prev();
    if sealed.iter().any(|&m| m < month) && !sealed.contains(&prev) {
        return Err(ArchiveError::GapBefore {
            month: label,
            missing: prev.to_string(),
        });
    }
    Ok(())
}

/// Every record must belong to the month and the fonds, have a well-formed, unique archive
/// number, not be sealed already, and give paths a tar export can hold.
fn check_records(
    records: &[ArchiveRecord],
    month: Month,
    fonds: &str,
    batch: &str,
) -> Result<Vec<ArchiveNumber>, ArchiveError> {
    let mut seen = BTreeSet::new();
    let mut numbers = Vec::with_capacity(records.len());
    for r in records {
        let bad = |why: String| ArchiveError::BadRecord {
            archive_no: r.archive_no.clone(),
            why,
        };
        let number: ArchiveNumber = r.archive_no.parse().map_err(|e| bad(format!("{e}")))?;
        if !seen.insert(r.archive_no.as_str()) {
            return Err(bad("the store returned it twice".into()));
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
        let record_json = format!("{batch}/{}/record.json", record_dir(&r.archive_no));
        tar::split_path(&record_json).map_err(|e| bad(format!("{e}")))?;
        for (n, m) in r.record.materials.iter().enumerate() {
            let path = format!("{batch}/{}", material_path(&r.archive_no, n, m));
            tar::split_path(&path).map_err(|e| bad(format!("{e}")))?;
        }
        numbers.push(number);
    }
    Ok(numbers)
}

fn record_dir(archive_no: &str) -> String {
    format!("{RECORDS_DIR}/{archive_no}")
}

/// `records/<档号>/materials/<n>-<kind>.<ext>`, `n` from 1.
fn material_path(archive_no: &str, index: usize, m: &crate::store::ArchivedMaterial) -> String {
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
    files: usize,
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

/// Writes the whole batch into `dir` (empty, writable) and makes it read-only.
fn write_batch(
    dir: &Path,
    records: &[ArchiveRecord],
    numbers: &[ArchiveNumber],
    batch: &BatchOf<'_>,
) -> Result<Written, ArchiveError> {
    let BatchOf {
        month,
        fonds,
        actor,
        sealed_at,
        ref audit,
        signer,
    } = *batch;
    let audit = audit.clone();
    let mut files: Vec<ManifestFile> = Vec::new();
    let mut dirs: Vec<PathBuf> = Vec::new();
    let mut index = Vec::with_capacity(records.len());
    let mkdir = |path: PathBuf, dirs: &mut Vec<PathBuf>| -> Result<PathBuf, ArchiveError> {
        fs::create_dir(&path).map_err(ArchiveError::io(format!(
            "cannot create the directory {}",
            path.display()
        )))?;
        dirs.push(path.clone());
        Ok(path)
    };
    let put = |rel: String, bytes: &[u8], files: &mut Vec<ManifestFile>| {
        fsutil::write_new(&dir.join(&rel), bytes)?;
        let sha256 = sha256_hex(bytes);
        files.push(ManifestFile {
            path: rel,
            size: bytes.len() as u64,
            sha256: sha256.clone(),
        });
        Ok::<String, ArchiveError>(sha256)
    };

    mkdir(dir.join(RECORDS_DIR), &mut dirs)?;
    for (r, number) in records.iter().zip(numbers) {
        let rec = &r.record;
        let rdir = record_dir(&r.archive_no);
        mkdir(dir.join(&rdir), &mut dirs)?;
        if !rec.materials.is_empty() {
            mkdir(dir.join(&rdir).join("materials"), &mut dirs)?;
        }
        let mut materials = Vec::with_capacity(rec.materials.len());
        for (n, m) in rec.materials.iter().enumerate() {
            let rel = material_path(&r.archive_no, n, m);
            let sha256 = put(rel.clone(), &m.content, &mut files)?;
            materials.push(MaterialEntry {
                file: rel[rdir.len() + 1..].to_string(),
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
            retention: retention_code(number),
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
        put(format!("{rdir}/record.json"), &json, &mut files)?;
        index.push(IndexEntry {
            archive_no: r.archive_no.clone(),
            business: rec.business,
            date,
            retention: retention_code(number),
            retain_until: r.retain_until,
            materials: u32::try_from(rec.materials.len()).unwrap_or(u32::MAX),
        });
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));

    let manifest = Manifest {
        format: FORMAT.into(),
        basis: BASIS.into(),
        month: month.to_string(),
        fonds: fonds.into(),
        records: records.len() as u64,
        sealed_at,
        sealed_by: actor.label(),
        audit,
        index,
        files,
    };
    let mut manifest_bytes =
        serde_json::to_vec_pretty(&manifest).map_err(|source| ArchiveError::Json {
            what: "cannot write the manifest".into(),
            source,
        })?;
    manifest_bytes.push(b'\n');
    fsutil::write_new(&dir.join(MANIFEST), &manifest_bytes)?;
    let manifest_sha256 = sha256_hex(&manifest_bytes);
    let sums = render_sums(&manifest.files, &manifest_sha256);
    fsutil::write_new(&dir.join(SUMS), sums.as_bytes())?;
    let signature = super::sign::sign(signer, &manifest_bytes);
    fsutil::write_new(&dir.join(super::sign::SIGNATURE), &signature)?;

    // Read-only from the leaves up; then every file, directory and name written above is
    // made durable at once, before the caller renames the batch into place.
    for d in dirs.iter().rev() {
        fsutil::set_mode(d, DIR_MODE)?;
    }
    fsutil::set_mode(dir, DIR_MODE)?;
    fsutil::sync_filesystem(dir)?;

    let bytes = manifest.files.iter().map(|f| f.size).sum::<u64>()
        + manifest_bytes.len() as u64
        + sums.len() as u64
        + signature.len() as u64;
    Ok(Written {
        files: manifest.files.len() + 3,
        manifest,
        manifest_sha256,
        bytes,
    })
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
