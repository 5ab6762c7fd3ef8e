//! The batch manifest (`manifest.json`) and checksum list (`SHA256SUMS`).
//!
//! The manifest names the month, the fonds, the record count, when the batch was sealed, the
//! audit chain head at that moment, an index of the records (archive number, business, date —
//! no ID or card numbers, no names), every file of the batch directory (`records.tar`) and
//! every member of `records.tar` (each record's `record.json` and materials), each with its
//! size and SHA-256. Its own SHA-256 is what the store records for the batch, so a copy can be
//! checked against it.
//!
//! `SHA256SUMS` lists the batch directory's files and `manifest.json` in the form
//! `sha256sum -c` reads.

use serde::{Deserialize, Serialize};

use kiosk_core::domain::{BusinessCode, Timestamp};

/// The manifest's format identifier. Format 2 holds the records in one `records.tar` (format
/// 1, never released, had a directory per record: some five files and directories a case,
/// which made sealing a month of 100 000 cases take 100 s).
pub const FORMAT: &str = "kiosk-archive-batch/2";
/// The manifest's file name in the batch.
pub(crate) const MANIFEST: &str = "manifest.json";
/// The checksum list's file name in the batch.
pub(crate) const SUMS: &str = "SHA256SUMS";
/// The top directory of `records.tar`: one directory per record under it.
pub(crate) const RECORDS_DIR: &str = "records";
/// The batch's records and materials, as one ustar archive.
pub(crate) const RECORDS_TAR: &str = "records.tar";

/// What `manifest.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`FORMAT`].
    pub format: String,
    /// The rules the batch follows.
    pub basis: String,
    /// `YYYY-MM`, kiosk local time.
    pub month: String,
    /// 全宗号.
    pub fonds: String,
    pub records: u64,
    pub sealed_at: Timestamp,
    /// Who sealed it (audit label: `staff:<user>` or `system`).
    pub sealed_by: String,
    pub audit: AuditHead,
    /// One line per record, by archive number.
    pub index: Vec<IndexEntry>,
    /// Every file of the batch directory except `manifest.json`, `SHA256SUMS` and
    /// `manifest.sig`, by path: `records.tar`.
    pub files: Vec<ManifestFile>,
    /// Every member of `records.tar`, by path (`records/<档号>/record.json`,
    /// `records/<档号>/materials/<n>-<kind>.<ext>`). Absent from a format-1 manifest, which
    /// then reads far enough to be refused by its format.
    #[serde(default)]
    pub members: Vec<ManifestFile>,
}

/// The audit chain head recorded by a batch (sequence 0 and 64 zeros for an empty log).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditHead {
    pub seq: i64,
    pub hash: String,
}

/// One record in the manifest index (no personal data).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexEntry {
    /// 档号.
    pub archive_no: String,
    pub business: BusinessCode,
    /// 日期: the kiosk-local date the case finished.
    pub date: chrono::NaiveDate,
    /// 保管期限 code: `D<years>` or `Y`.
    pub retention: String,
    pub retain_until: chrono::NaiveDate,
    pub materials: u32,
}

/// One file of the batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestFile {
    /// Relative to the batch directory, `/`-separated.
    pub path: String,
    pub size: u64,
    /// Lower-case hex.
    pub sha256: String,
}

/// The `SHA256SUMS` text: the manifest's files and `manifest.json`, sorted by path, one
/// `<hex>  <path>` line each.
pub fn render_sums(files: &[ManifestFile], manifest_sha256: &str) -> String {
    let mut lines: Vec<(&str, &str)> = files
        .iter()
        .map(|f| (f.path.as_str(), f.sha256.as_str()))
        .chain(std::iter::once((MANIFEST, manifest_sha256)))
        .collect();
    lines.sort();
    lines
        .into_iter()
        .map(|(path, sha)| format!("{sha}  {path}\n"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_are_sorted_and_include_the_manifest() {
        let files = vec![
            ManifestFile {
                path: "records/b/record.json".into(),
                size: 1,
                sha256: "bb".into(),
            },
            ManifestFile {
                path: "records/a/record.json".into(),
                size: 1,
                sha256: "aa".into(),
            },
        ];
        assert_eq!(
            render_sums(&files, "mm"),
            "mm  manifest.json\naa  records/a/record.json\nbb  records/b/record.json\n"
        );
    }
}
