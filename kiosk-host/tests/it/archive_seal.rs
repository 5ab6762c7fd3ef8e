//! Monthly sealing, verification and tar export of archive batches, against an in-memory
//! store (a Vec-backed `ArchiveStore` + `AuditLog` with a real hash chain), GNU tar and
//! `sha256sum -c`; and `kiosk archive` where it needs no database.

use std::collections::BTreeSet;
use std::fs;
use std::ops::ControlFlow;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

use chrono::{Duration, TimeZone, Utc};
use ed25519_dalek::{SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use kiosk_core::archive_number::{retain_until, ArchiveNumber};
use kiosk_core::domain::{local_date, Actor, BusinessCode, Timestamp};
use kiosk_core::store::{
    ArchiveQuery, ArchiveRecord, ArchiveStore, ArchivedMaterial, AuditEntry, AuditLog, AuditReport,
    BatchInfo, CaseStep, NewArchiveRecord, Result as StoreResult, StoreError,
};
use kiosk_store::archive::manifest::Manifest;
use kiosk_store::archive::tar::{read_all, EntryKind, TarWriter};
use kiosk_store::archive::{
    export_tar, seal_month, verify_batch, ArchiveError, SealedBatch, SignatureCheck,
};

// ---------------------------------------------------------------------------------------------
// The in-memory store.

#[derive(Default)]
struct Inner {
    audit: Vec<AuditEntry>,
    records: Vec<ArchiveRecord>,
    batches: Vec<BatchInfo>,
    fail_seal: Option<fn() -> StoreError>,
}

#[derive(Default)]
struct FakeStore {
    inner: Mutex<Inner>,
}

fn entry_hash(e: &AuditEntry) -> String {
    let text = serde_json::json!([
        e.seq,
        e.at,
        e.actor,
        e.action,
        e.subject,
        e.detail,
        e.prev_hash
    ])
    .to_string();
    hex::encode(Sha256::digest(text.as_bytes()))
}

impl FakeStore {
    fn with(records: Vec<ArchiveRecord>) -> FakeStore {
        let store = FakeStore::default();
        store.inner.lock().unwrap().records = records;
        // Some history before sealing.
        store
            .append(
                &Actor::System,
                "kiosk.start",
                "kiosk",
                serde_json::json!({}),
            )
            .unwrap();
        store
            .append(
                &Actor::Citizen("K1-20260305-000001".into()),
                "card.state",
                "A1****678",
                serde_json::json!({"to": "lost_temporary"}),
            )
            .unwrap();
        store
    }

    fn fail_seal_with(&self, f: Option<fn() -> StoreError>) {
        self.inner.lock().unwrap().fail_seal = f;
    }

    fn tamper_audit(&self, seq: i64) {
        let mut inner = self.inner.lock().unwrap();
        if let Some(e) = inner.audit.iter_mut().find(|e| e.seq == seq) {
            e.detail = serde_json::json!({"to": "active"});
        }
    }

    fn audit_actions(&self) -> Vec<String> {
        let inner = self.inner.lock().unwrap();
        inner.audit.iter().map(|e| e.action.clone()).collect()
    }
}

impl AuditLog for FakeStore {
    fn append(
        &self,
        actor: &Actor,
        action: &str,
        subject: &str,
        detail: serde_json::Value,
    ) -> StoreResult<AuditEntry> {
        let mut inner = self.inner.lock().unwrap();
        let (seq, prev_hash) = match inner.audit.last() {
            Some(e) => (e.seq + 1, e.hash.clone()),
            None => (1, "0".repeat(64)),
        };
        let mut e = AuditEntry {
            seq,
            at: Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap() + Duration::seconds(seq),
            actor: actor.label(),
            action: action.into(),
            subject: subject.into(),
            detail,
            prev_hash,
            hash: String::new(),
        };
        e.hash = entry_hash(&e);
        inner.audit.push(e.clone());
        Ok(e)
    }

    fn entries(&self, from: i64, limit: u32) -> StoreResult<Vec<AuditEntry>> {
        let inner = self.inner.lock().unwrap();
        Ok(inner
            .audit
            .iter()
            .filter(|e| e.seq >= from)
            .take(limit as usize)
            .cloned()
            .collect())
    }

    fn verify(&self) -> StoreResult<AuditReport> {
        let inner = self.inner.lock().unwrap();
        let mut problems = Vec::new();
        let mut prev = "0".repeat(64);
        for (i, e) in inner.audit.iter().enumerate() {
            if e.seq != i as i64 + 1 {
                problems.push(format!("entry {}: sequence gap", e.seq));
            }
            if e.prev_hash != prev {
                problems.push(format!(
                    "entry {}: does not link to the previous entry",
                    e.seq
                ));
            }
            if entry_hash(e) != e.hash {
                problems.push(format!("entry {}: hash does not match its content", e.seq));
            }
            prev = e.hash.clone();
        }
        for b in &inner.batches {
            let ok = b.audit_seq == 0
                || inner
                    .audit
                    .iter()
                    .any(|e| e.seq == b.audit_seq && e.hash == b.audit_hash);
            if !ok {
                problems.push(format!(
                    "entry {}: head of batch {} is gone",
                    b.audit_seq, b.month
                ));
            }
        }
        Ok(AuditReport {
            entries: inner.audit.len() as u64,
            head: inner.audit.last().map(|e| (e.seq, e.hash.clone())),
            problems,
        })
    }
}

impl ArchiveStore for FakeStore {
    fn query_archive(&self, q: &ArchiveQuery, actor: &Actor) -> StoreResult<Vec<ArchiveRecord>> {
        let found: Vec<ArchiveRecord> = {
            let inner = self.inner.lock().unwrap();
            inner
                .records
                .iter()
                .filter(|r| {
                    q.id_number
                        .as_ref()
                        .is_none_or(|n| &r.record.id_number == n)
                })
                .filter(|r| q.archive_no.as_ref().is_none_or(|n| &r.archive_no == n))
                .take(q.limit.unwrap_or(100) as usize)
                .cloned()
                .collect()
        };
        self.append(
            actor,
            "archive.query",
            "archive",
            serde_json::to_value(q).unwrap(),
        )?;
        Ok(found)
    }

    fn each_month_record(
        &self,
        month: &str,
        visit: &mut dyn FnMut(ArchiveRecord) -> ControlFlow<()>,
    ) -> StoreResult<()> {
        let mut v: Vec<ArchiveRecord> = {
            let inner = self.inner.lock().unwrap();
            inner
                .records
                .iter()
                .filter(|r| local_date(r.record.finished_at).format("%Y-%m").to_string() == month)
                .cloned()
                .collect()
        };
        v.sort_by(|a, b| a.archive_no.cmp(&b.archive_no));
        for r in v {
            if visit(r).is_break() {
                break;
            }
        }
        Ok(())
    }

    fn seal_month(&self, batch: &BatchInfo, actor: &Actor) -> StoreResult<()> {
        {
            let mut inner = self.inner.lock().unwrap();
            if let Some(f) = inner.fail_seal {
                return Err(f());
            }
            if inner.batches.iter().any(|b| b.month == batch.month) {
                return Err(StoreError::Conflict(format!("{} is sealed", batch.month)));
            }
            for r in inner.records.iter_mut() {
                if local_date(r.record.finished_at).format("%Y-%m").to_string() == batch.month {
                    r.sealed_in = Some(batch.month.clone());
                }
            }
            inner.batches.push(batch.clone());
        }
        self.append(
            actor,
            "archive.seal",
            &batch.month,
            serde_json::json!({"manifest_sha256": batch.manifest_sha256}),
        )?;
        Ok(())
    }

    fn batch(&self, month: &str) -> StoreResult<Option<BatchInfo>> {
        let inner = self.inner.lock().unwrap();
        Ok(inner.batches.iter().find(|b| b.month == month).cloned())
    }

    fn batches(&self) -> StoreResult<Vec<BatchInfo>> {
        Ok(self.inner.lock().unwrap().batches.clone())
    }
}

// ---------------------------------------------------------------------------------------------
// Test data.

/// A kiosk-local time as UTC.
fn local(y: i32, m: u32, d: u32, h: u32) -> Timestamp {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap() - Duration::hours(8)
}

/// After March 2026 (kiosk time 2026-04-02 10:00).
fn april() -> Timestamp {
    local(2026, 4, 2, 10)
}

/// An ID number with a valid GB 11643 check character.
fn id_number(first17: &str) -> String {
    let c = card_io::citizen::check_char(first17.as_bytes()).unwrap();
    format!("{first17}{c}")
}

const ID_1: &str = "65230119800506118";
const ID_2: &str = "65230119750821001";
const ID_3: &str = "65230120010203004";

/// Bytes that look like a JPEG and differ per seed.
fn photo(seed: u8, len: usize) -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8, 0xFF, 0xE0];
    let mut x = u32::from(seed) * 7919 + 1;
    while v.len() < len {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        v.push((x >> 16) as u8);
    }
    v
}

fn record(item: u32, finished_at: Timestamp, id17: &str, card: Option<&str>) -> ArchiveRecord {
    record_with_photo(item, finished_at, id17, card, 3000)
}

fn record_with_photo(
    item: u32,
    finished_at: Timestamp,
    id17: &str,
    card: Option<&str>,
    photo_len: usize,
) -> ArchiveRecord {
    let year = local_date(finished_at)
        .format("%Y")
        .to_string()
        .parse()
        .unwrap();
    let number = ArchiveNumber {
        fonds: "0001".into(),
        year,
        retention_years: Some(50),
        organisation: "652300001".into(),
        item,
    };
    let id = id_number(id17);
    let mut materials = vec![
        ArchivedMaterial {
            kind: "id_card".into(),
            title: "居民身份证信息".into(),
            media_type: "application/json".into(),
            content: serde_json::to_vec(&serde_json::json!({
                "name": "张伟", "id_number": id, "address": "新疆昌吉市"
            }))
            .unwrap(),
        },
        ArchivedMaterial {
            kind: "photo".into(),
            title: "照片".into(),
            media_type: "image/jpeg".into(),
            content: photo(item as u8, photo_len),
        },
    ];
    if item.is_multiple_of(2) {
        materials.push(ArchivedMaterial {
            kind: "reason".into(),
            title: "换领原因".into(),
            media_type: "text/plain; charset=utf-8".into(),
            content: "卡片损坏".as_bytes().to_vec(),
        });
    }
    ArchiveRecord {
        archive_no: number.to_string(),
        record: NewArchiveRecord {
            case_id: format!("K1-{}-{item:06}", local_date(finished_at).format("%Y%m%d")),
            business: if card.is_some() {
                BusinessCode::ReportLoss
            } else {
                BusinessCode::Apply
            },
            id_number: id,
            card_number: card.map(str::to_string),
            finished_at,
            fonds: "0001".into(),
            organisation: "652300001".into(),
            retention_years: 50,
            title: "张* 社会保障卡挂失".into(),
            materials,
            steps: vec![
                CaseStep {
                    at: finished_at - Duration::minutes(5),
                    step: "申报".into(),
                    detail: "读取身份证".into(),
                },
                CaseStep {
                    at: finished_at,
                    step: "办结".into(),
                    detail: "挂失成功".into(),
                },
            ],
        },
        retain_until: retain_until(year, 50).unwrap(),
        sealed_in: None,
    }
}

/// Two records in February, three in March (one at the last local hour), one in April.
fn sample_store() -> FakeStore {
    FakeStore::with(vec![
        record(1, local(2026, 2, 27, 9), ID_3, None),
        record(2, local(2026, 2, 28, 16), ID_1, Some("A12345678")),
        record(3, local(2026, 3, 1, 0), ID_1, Some("A12345678")),
        record(4, local(2026, 3, 15, 11), ID_2, None),
        record(5, local(2026, 3, 31, 23), ID_3, Some("B87654321")),
        record(6, local(2026, 4, 1, 8), ID_2, Some("C11112222")),
    ])
}

fn seal(store: &FakeStore, month: &str, out: &Path) -> Result<SealedBatch, ArchiveError> {
    seal_month(
        store,
        month,
        "0001",
        out,
        &Actor::Staff("wang".into()),
        april(),
        &archive_key(),
    )
}

/// The test archive signing key (never valid on a kiosk).
fn archive_key() -> SigningKey {
    SigningKey::from_bytes(&[11u8; 32])
}

/// The trusted archive keys of these tests: the test key.
fn trusted() -> Vec<VerifyingKey> {
    vec![archive_key().verifying_key()]
}

/// A temporary directory that can be removed even when it holds read-only directories and the
/// tests do not run as root.
struct Tmp(tempfile::TempDir);

impl Tmp {
    fn new() -> Tmp {
        Tmp(tempfile::tempdir().unwrap())
    }
    fn path(&self) -> &Path {
        self.0.path()
    }
}

impl Drop for Tmp {
    fn drop(&mut self) {
        let _ = Command::new("chmod")
            .arg("-R")
            .arg("u+w")
            .arg(self.0.path())
            .status();
    }
}

fn make_writable(path: &Path) {
    let status = Command::new("chmod")
        .arg("-R")
        .arg("u+w")
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

fn names(dir: &Path) -> BTreeSet<String> {
    match fs::read_dir(dir) {
        Ok(rd) => rd
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => BTreeSet::new(),
    }
}

fn run(cmd: &mut Command) -> Output {
    cmd.env("LC_ALL", "C.UTF-8").output().unwrap()
}

fn sha256_file(path: &Path) -> String {
    hex::encode(Sha256::digest(fs::read(path).unwrap()))
}

/// The files in a batch's `records.tar`, in the order written.
fn members(dir: &Path) -> Vec<(String, Vec<u8>)> {
    read_all(fs::File::open(dir.join("records.tar")).unwrap())
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == EntryKind::File)
        .map(|e| (e.path, e.data))
        .collect()
}

/// One file of a batch's `records.tar`.
fn member(dir: &Path, path: &str) -> Vec<u8> {
    members(dir)
        .into_iter()
        .find(|(p, _)| p == path)
        .unwrap_or_else(|| panic!("{path} is not in records.tar"))
        .1
}

/// Rewrites a batch's `records.tar` (made writable first) with its members as `change` leaves
/// them.
fn rewrite_members(dir: &Path, change: impl FnOnce(&mut Vec<(String, Vec<u8>)>)) {
    let mut all = members(dir);
    change(&mut all);
    let mut w = TarWriter::new(Vec::new(), 0).unwrap();
    for (p, d) in &all {
        w.add_file(p, 0o444, d).unwrap();
    }
    let path = dir.join("records.tar");
    fs::remove_file(&path).unwrap();
    fs::write(&path, w.finish().unwrap()).unwrap();
}

const MARCH_DIR: &str = "0001-2026-03";
const ARCHIVE_NO_3: &str = "0001-SB·2026-D50-652300001-000003";
const ARCHIVE_NO_4: &str = "0001-SB·2026-D50-652300001-000004";

// ---------------------------------------------------------------------------------------------
// Sealing.

#[test]
fn sealing_writes_every_file_with_checksums() {
    let tmp = Tmp::new();
    let out = tmp.path().join("archive");
    let store = sample_store();
    let head_before = store.verify().unwrap().head.unwrap();

    let sealed = seal(&store, "2026-03", &out).unwrap();
    let dir = out.join(MARCH_DIR);
    assert_eq!(sealed.dir, dir);
    assert_eq!(
        names(&out),
        BTreeSet::from([MARCH_DIR.to_string()]),
        "no temporary left"
    );
    assert_eq!(sealed.info.records, 3);
    assert_eq!(sealed.manifest.records, 3);

    // Four files: the records in one tar, the manifest, the sums, the signature.
    assert_eq!(
        names(&dir),
        BTreeSet::from([
            "SHA256SUMS".into(),
            "manifest.json".into(),
            "manifest.sig".into(),
            "records.tar".into()
        ])
    );
    // GNU tar extracts records.tar: every record with its materials; record.json carries the
    // catalogue and the ID number.
    let ext = tmp.path().join("extracted");
    fs::create_dir(&ext).unwrap();
    let x = run(Command::new("tar")
        .arg("-xf")
        .arg(dir.join("records.tar"))
        .arg("-C")
        .arg(&ext));
    assert!(x.status.success(), "{}", String::from_utf8_lossy(&x.stderr));
    let records = names(&ext.join("records"));
    assert_eq!(
        records,
        BTreeSet::from([
            ARCHIVE_NO_3.to_string(),
            ARCHIVE_NO_4.to_string(),
            "0001-SB·2026-D50-652300001-000005".to_string(),
        ])
    );
    let r4 = ext.join("records").join(ARCHIVE_NO_4);
    assert_eq!(
        names(&r4.join("materials")),
        BTreeSet::from([
            "1-id_card.json".into(),
            "2-photo.jpg".into(),
            "3-reason.txt".into()
        ])
    );
    assert_eq!(
        fs::read(r4.join("materials/2-photo.jpg")).unwrap(),
        photo(4, 3000)
    );
    assert_eq!(
        fs::read_to_string(r4.join("materials/3-reason.txt")).unwrap(),
        "卡片损坏"
    );
    let rec: serde_json::Value =
        serde_json::from_slice(&fs::read(r4.join("record.json")).unwrap()).unwrap();
    assert_eq!(rec["档号"], ARCHIVE_NO_4);
    assert_eq!(rec["全宗号"], "0001");
    assert_eq!(rec["年度"], 2026);
    assert_eq!(rec["保管期限"], "D50");
    assert_eq!(rec["件号"], 4);
    assert_eq!(rec["题名"], "张* 社会保障卡挂失");
    assert_eq!(rec["责任者"], "652300001");
    assert_eq!(rec["日期"], "20260315");
    assert_eq!(rec["保管期限截止"], "2076-12-31");
    assert_eq!(rec["business"], "apply");
    assert_eq!(rec["id_number"], id_number(ID_2));
    assert_eq!(rec["steps"][1]["step"], "办结");
    assert_eq!(rec["materials"][1]["file"], "materials/2-photo.jpg");
    assert_eq!(
        rec["materials"][1]["sha256"],
        hex::encode(Sha256::digest(photo(4, 3000)))
    );
    // The record finished at 23:00 local on 31 March belongs to March.
    let r5: serde_json::Value = serde_json::from_slice(
        &fs::read(ext.join("records/0001-SB·2026-D50-652300001-000005/record.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(r5["日期"], "20260331");

    // Inside the tar: archive-number order, each record's materials before its record.json,
    // files 0444 with the sealing time, no directory entries.
    let entries = read_all(fs::File::open(dir.join("records.tar")).unwrap()).unwrap();
    let paths: Vec<&str> = entries.iter().map(|e| e.path.as_str()).collect();
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted);
    assert_eq!(paths.len(), walk_files(&ext).len());
    for e in &entries {
        assert_eq!(e.kind, EntryKind::File, "{}", e.path);
        assert_eq!(e.mode, 0o444, "{}", e.path);
        assert_eq!(
            e.mtime,
            sealed.info.sealed_at.timestamp() as u64,
            "{}",
            e.path
        );
    }

    // sha256sum -c agrees with records.tar and the manifest.
    let check = run(Command::new("sha256sum")
        .arg("-c")
        .arg("SHA256SUMS")
        .current_dir(&dir));
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    let ok_lines = String::from_utf8(check.stdout).unwrap();
    assert_eq!(
        ok_lines.lines().collect::<Vec<_>>(),
        vec!["manifest.json: OK", "records.tar: OK"]
    );
    // The manifest lists records.tar and every member, each with its size and SHA-256.
    let manifest_bytes = fs::read(dir.join("manifest.json")).unwrap();
    let manifest: Manifest = serde_json::from_slice(&manifest_bytes).unwrap();
    assert_eq!(manifest.format, "kiosk-archive-batch/2");
    assert_eq!(
        manifest
            .files
            .iter()
            .map(|f| f.path.as_str())
            .collect::<Vec<_>>(),
        vec!["records.tar"]
    );
    for f in &manifest.files {
        let bytes = fs::read(dir.join(&f.path)).unwrap();
        assert_eq!(f.size, bytes.len() as u64, "{}", f.path);
        assert_eq!(f.sha256, hex::encode(Sha256::digest(&bytes)), "{}", f.path);
    }
    let listed: BTreeSet<String> = manifest.members.iter().map(|f| f.path.clone()).collect();
    assert_eq!(listed, walk_files(&ext));
    for f in &manifest.members {
        let bytes = fs::read(ext.join(&f.path)).unwrap();
        assert_eq!(f.size, bytes.len() as u64, "{}", f.path);
        assert_eq!(f.sha256, hex::encode(Sha256::digest(&bytes)), "{}", f.path);
    }
    assert_eq!(manifest.month, "2026-03");
    assert_eq!(manifest.fonds, "0001");
    assert_eq!(manifest.sealed_by, "staff:wang");
    assert_eq!(manifest.sealed_at, sealed.info.sealed_at);
    assert_eq!(
        (manifest.audit.seq, manifest.audit.hash.clone()),
        head_before
    );
    assert_eq!(manifest.index.len(), 3);
    assert_eq!(manifest.index[1].archive_no, ARCHIVE_NO_4);

    // The store recorded the manifest's own SHA-256 and the audit head; the records are sealed.
    let info = store.batch("2026-03").unwrap().unwrap();
    assert_eq!(info, sealed.info);
    assert_eq!(
        info.manifest_sha256,
        hex::encode(Sha256::digest(&manifest_bytes))
    );
    assert_eq!((info.audit_seq, info.audit_hash.clone()), head_before);
    let march = store.month_records("2026-03").unwrap();
    assert!(march
        .iter()
        .all(|r| r.sealed_in.as_deref() == Some("2026-03")));
    assert!(store.month_records("2026-04").unwrap()[0]
        .sealed_in
        .is_none());
    assert_eq!(store.audit_actions().last().unwrap(), "archive.seal");
    assert!(store.verify().unwrap().ok());

    // Read-only: files 0444, the directory 0555.
    for entry in walk_all(&dir) {
        let meta = fs::symlink_metadata(&entry).unwrap();
        let mode = meta.permissions().mode() & 0o777;
        let want = if meta.is_dir() { 0o555 } else { 0o444 };
        assert_eq!(mode, want, "{}", entry.display());
    }
    assert_eq!(sealed.files, manifest.members.len());
    let total: u64 = walk_files(&dir)
        .iter()
        .map(|p| fs::metadata(dir.join(p)).unwrap().len())
        .sum();
    assert_eq!(sealed.bytes, total);

    let report = verify_batch(&dir, Some(&info.manifest_sha256), &trusted()).unwrap();
    assert!(report.ok(), "{}", report.summary());
    assert_eq!(report.manifest_matches(), Some(true));
    assert_eq!(
        report.files_ok,
        manifest.files.len() + manifest.members.len()
    );
    make_writable(&ext);
}

/// Every path under `dir` (files and directories, the directory itself included).
fn walk_all(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![dir.to_path_buf()];
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk_all(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// Relative paths of the regular files under `dir`.
fn walk_files(dir: &Path) -> BTreeSet<String> {
    walk_all(dir)
        .into_iter()
        .filter(|p| p.is_file())
        .map(|p| p.strip_prefix(dir).unwrap().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn the_manifest_holds_no_id_or_card_numbers() {
    let tmp = Tmp::new();
    let store = sample_store();
    let sealed = seal(&store, "2026-03", tmp.path()).unwrap();
    let manifest = fs::read_to_string(sealed.dir.join("manifest.json")).unwrap();
    let sums = fs::read_to_string(sealed.dir.join("SHA256SUMS")).unwrap();
    let record = String::from_utf8(member(
        &sealed.dir,
        &format!("records/{ARCHIVE_NO_3}/record.json"),
    ))
    .unwrap();
    for secret in [
        id_number(ID_1),
        id_number(ID_2),
        id_number(ID_3),
        "A12345678".to_string(),
        "B87654321".to_string(),
    ] {
        assert!(!manifest.contains(&secret), "manifest holds {secret}");
        assert!(!sums.contains(&secret), "SHA256SUMS holds {secret}");
    }
    assert!(!manifest.contains("张"), "no names in the manifest");
    // The archive itself keeps them in clear.
    assert!(record.contains(&id_number(ID_1)));
    assert!(record.contains("A12345678"));
}

#[test]
fn an_empty_month_still_seals() {
    let tmp = Tmp::new();
    let store = sample_store();
    let sealed = seal(&store, "2026-01", tmp.path()).unwrap();
    assert_eq!(sealed.info.records, 0);
    assert_eq!(sealed.files, 0);
    assert_eq!(
        names(&sealed.dir),
        BTreeSet::from([
            "SHA256SUMS".into(),
            "manifest.json".into(),
            "manifest.sig".into(),
            "records.tar".into()
        ])
    );
    assert!(members(&sealed.dir).is_empty());
    let manifest: Manifest =
        serde_json::from_slice(&fs::read(sealed.dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(
        (
            manifest.records,
            manifest.files.len(),
            manifest.members.len()
        ),
        (0, 1, 0)
    );
    let report = verify_batch(&sealed.dir, Some(&sealed.info.manifest_sha256), &trusted()).unwrap();
    assert!(report.ok(), "{}", report.summary());
    let check = run(Command::new("sha256sum")
        .args(["-c", "SHA256SUMS"])
        .current_dir(&sealed.dir));
    assert!(check.status.success());
    // …and the months after it follow.
    seal(&store, "2026-02", tmp.path()).unwrap();
    assert_eq!(store.batches().unwrap().len(), 2);
}

#[test]
fn months_follow_each_other_without_holes() {
    let tmp = Tmp::new();
    let store = sample_store();
    seal(&store, "2026-01", tmp.path()).unwrap();
    let e = seal(&store, "2026-03", tmp.path()).unwrap_err();
    assert!(matches!(e, ArchiveError::GapBefore { .. }), "{e}");
    assert!(e.to_string().contains("seal 2026-02 first"), "{e}");
    assert_eq!(e.exit_code(), 1);
    assert!(!tmp.path().join(MARCH_DIR).exists());
    seal(&store, "2026-02", tmp.path()).unwrap();
    seal(&store, "2026-03", tmp.path()).unwrap();
    // An earlier month may still be filled in afterwards.
    seal(&store, "2025-12", tmp.path()).unwrap();
    assert_eq!(store.batches().unwrap().len(), 4);
}

// ---------------------------------------------------------------------------------------------
// Refusals.

#[test]
fn refuses_a_month_that_has_not_ended() {
    let tmp = Tmp::new();
    let out = tmp.path().join("archive");
    let store = sample_store();
    // 23:59 local on 31 March: March is not over.
    let last_minute = local(2026, 3, 31, 23) + Duration::minutes(59);
    let e = seal_month(
        &store,
        "2026-03",
        "0001",
        &out,
        &Actor::System,
        last_minute,
        &archive_key(),
    )
    .unwrap_err();
    assert!(matches!(e, ArchiveError::MonthNotEnded { .. }), "{e}");
    assert!(e.to_string().contains("2026-03-31"), "{e}");
    assert!(e.to_string().contains("from 2026-04-01"), "{e}");
    assert_eq!(e.exit_code(), 1);
    let e = seal_month(
        &store,
        "2026-05",
        "0001",
        &out,
        &Actor::System,
        april(),
        &archive_key(),
    )
    .unwrap_err();
    assert!(matches!(e, ArchiveError::MonthNotEnded { .. }), "{e}");
    assert!(!out.exists(), "nothing written");
    assert!(store.batches().unwrap().is_empty());
    // From local midnight on 1 April it seals.
    let midnight = local(2026, 4, 1, 0);
    seal_month(
        &store,
        "2026-03",
        "0001",
        &out,
        &Actor::System,
        midnight,
        &archive_key(),
    )
    .unwrap();
}

#[test]
fn refuses_an_already_sealed_month() {
    let tmp = Tmp::new();
    let store = sample_store();
    let first = seal(&store, "2026-03", tmp.path()).unwrap();
    let e = seal(&store, "2026-03", tmp.path()).unwrap_err();
    assert!(matches!(e, ArchiveError::AlreadySealed { .. }), "{e}");
    assert!(e.to_string().contains("2026-03 is already sealed"), "{e}");
    assert_eq!(e.exit_code(), 1);
    // The first batch is untouched.
    let report = verify_batch(&first.dir, Some(&first.info.manifest_sha256), &trusted()).unwrap();
    assert!(report.ok(), "{}", report.summary());
    assert_eq!(names(tmp.path()), BTreeSet::from([MARCH_DIR.to_string()]));
}

/// A store where another process seals the same month just before this one records it.
struct RacedStore {
    inner: FakeStore,
    /// The other process's batch, recorded at the first `seal_month`.
    theirs: Mutex<Option<BatchInfo>>,
}

impl AuditLog for RacedStore {
    fn append(
        &self,
        actor: &Actor,
        action: &str,
        subject: &str,
        detail: serde_json::Value,
    ) -> StoreResult<AuditEntry> {
        self.inner.append(actor, action, subject, detail)
    }
    fn entries(&self, from: i64, limit: u32) -> StoreResult<Vec<AuditEntry>> {
        self.inner.entries(from, limit)
    }
    fn verify(&self) -> StoreResult<AuditReport> {
        self.inner.verify()
    }
}

impl ArchiveStore for RacedStore {
    fn query_archive(&self, q: &ArchiveQuery, actor: &Actor) -> StoreResult<Vec<ArchiveRecord>> {
        self.inner.query_archive(q, actor)
    }
    fn each_month_record(
        &self,
        month: &str,
        visit: &mut dyn FnMut(ArchiveRecord) -> ControlFlow<()>,
    ) -> StoreResult<()> {
        self.inner.each_month_record(month, visit)
    }
    fn seal_month(&self, batch: &BatchInfo, actor: &Actor) -> StoreResult<()> {
        if let Some(theirs) = self.theirs.lock().unwrap().take() {
            self.inner
                .seal_month(&theirs, &Actor::Staff("other".into()))?;
        }
        self.inner.seal_month(batch, actor)
    }
    fn batch(&self, month: &str) -> StoreResult<Option<BatchInfo>> {
        self.inner.batch(month)
    }
    fn batches(&self) -> StoreResult<Vec<BatchInfo>> {
        self.inner.batches()
    }
}

#[test]
fn a_month_sealed_meanwhile_by_another_process_is_refused_and_nothing_is_left() {
    let tmp = Tmp::new();
    let inner = sample_store();
    let theirs = BatchInfo {
        month: "2026-03".into(),
        sealed_at: local(2026, 4, 2, 9),
        records: 3,
        manifest_sha256: "ab".repeat(32),
        audit_seq: 2,
        audit_hash: inner.verify().unwrap().head.unwrap().1,
    };
    let store = RacedStore {
        inner,
        theirs: Mutex::new(Some(theirs.clone())),
    };
    let e = seal_month(
        &store,
        "2026-03",
        "0001",
        tmp.path(),
        &Actor::System,
        april(),
        &archive_key(),
    )
    .unwrap_err();
    match &e {
        ArchiveError::AlreadySealed {
            source, sealed_at, ..
        } => {
            assert!(
                matches!(source.as_deref(), Some(StoreError::Conflict(_))),
                "{e:?}"
            );
            assert_eq!(*sealed_at, Some(theirs.sealed_at));
        }
        other => panic!("{other}"),
    }
    assert_eq!(e.exit_code(), 1);
    // Their batch stands; ours is gone.
    assert!(names(tmp.path()).is_empty(), "{:?}", names(tmp.path()));
    assert_eq!(store.batches().unwrap(), vec![theirs]);
}

#[test]
fn a_conflict_without_a_sealed_batch_is_reported_as_the_store_refusal() {
    let tmp = Tmp::new();
    let store = sample_store();
    // E.g. a record of the month arrived after the batch was written.
    store.fail_seal_with(Some(|| {
        StoreError::Conflict("2026-03 has 4 unsealed records, the batch 3".into())
    }));
    let e = seal(&store, "2026-03", tmp.path()).unwrap_err();
    assert!(matches!(e, ArchiveError::Store { .. }), "{e}");
    assert!(e.to_string().contains("4 unsealed records"), "{e}");
    assert!(e.to_string().contains("seal again"), "{e}");
    assert_eq!(e.exit_code(), 1);
    assert!(names(tmp.path()).is_empty(), "{:?}", names(tmp.path()));
}

#[test]
fn refuses_bad_month_strings() {
    let tmp = Tmp::new();
    let store = sample_store();
    for (month, what) in [
        ("2026-13", "01 to 12"),
        ("2026/03", "no '-'"),
        ("26-03", "four digits"),
        ("2026-3", "two digits"),
        ("march", "no '-'"),
    ] {
        let e = seal(&store, month, tmp.path()).unwrap_err();
        assert!(matches!(e, ArchiveError::BadMonth { .. }), "{month}: {e}");
        assert!(e.to_string().contains(what), "{month}: {e}");
        assert!(e.to_string().contains("write YYYY-MM"), "{month}: {e}");
        assert_eq!(e.exit_code(), 2);
    }
    let e = seal_month(
        &store,
        "2026-03",
        "00/1",
        tmp.path(),
        &Actor::System,
        april(),
        &archive_key(),
    )
    .unwrap_err();
    assert!(matches!(e, ArchiveError::BadFonds { .. }), "{e}");
    assert!(names(tmp.path()).is_empty());
}

#[test]
fn refuses_when_the_audit_chain_does_not_verify() {
    let tmp = Tmp::new();
    let store = sample_store();
    store.tamper_audit(2);
    let e = seal(&store, "2026-03", tmp.path()).unwrap_err();
    match &e {
        ArchiveError::AuditChainBroken { problems } => {
            assert!(
                problems.iter().any(|p| p.contains("entry 2")),
                "{problems:?}"
            )
        }
        other => panic!("{other}"),
    }
    assert!(
        e.to_string().contains("entry 2: hash does not match"),
        "{e}"
    );
    assert_eq!(e.exit_code(), 1);
    assert!(names(tmp.path()).is_empty());
    assert!(store.batches().unwrap().is_empty());
}

/// A seal or an export killed half-way leaves its temporary directory or file behind (for a
/// month, hundreds of megabytes); the next run removes those whose process is gone and keeps
/// a running one's and other months'.
#[test]
fn leftovers_of_a_killed_run_are_removed() {
    let tmp = Tmp::new();
    let store = sample_store();
    let dead = {
        let mut child = Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        pid
    };
    let killed = tmp
        .path()
        .join(format!(".{MARCH_DIR}.sealing-{dead}-0badf00d"));
    fs::create_dir_all(killed.join("sub")).unwrap();
    fs::write(killed.join("records.tar"), vec![0u8; 4096]).unwrap();
    for dir in [killed.join("sub"), killed.clone()] {
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o555)).unwrap();
    }
    // Process 1 is running; the other month's leftover is not this run's to judge.
    let running = format!(".{MARCH_DIR}.sealing-1-00000001");
    let april = format!(".0001-2026-04.sealing-{dead}-0badf00d");
    for name in [&running, &april] {
        fs::create_dir(tmp.path().join(name)).unwrap();
    }
    let sealed = seal(&store, "2026-03", tmp.path()).unwrap();
    assert_eq!(
        names(tmp.path()),
        BTreeSet::from([MARCH_DIR.to_string(), running, april])
    );

    let exports = tmp.path().join("exports");
    fs::create_dir(&exports).unwrap();
    fs::write(
        exports.join(format!(".march.tar.tmp-{dead}-12345678")),
        b"half an export",
    )
    .unwrap();
    export_tar(&sealed.dir, &exports.join("march.tar")).unwrap();
    assert_eq!(names(&exports), BTreeSet::from(["march.tar".to_string()]));
}

#[test]
fn does_not_overwrite_a_directory_already_there() {
    let tmp = Tmp::new();
    let store = sample_store();
    let stale = tmp.path().join(MARCH_DIR);
    fs::create_dir(&stale).unwrap();
    fs::write(stale.join("note"), b"left by hand").unwrap();
    let e = seal(&store, "2026-03", tmp.path()).unwrap_err();
    assert!(matches!(e, ArchiveError::BatchDirExists { .. }), "{e}");
    assert!(e.to_string().contains("move it aside"), "{e}");
    assert_eq!(fs::read(stale.join("note")).unwrap(), b"left by hand");
    assert_eq!(names(tmp.path()), BTreeSet::from([MARCH_DIR.to_string()]));
    assert!(store.batches().unwrap().is_empty());
}

#[test]
fn refuses_records_that_cannot_be_filed() {
    let tmp = Tmp::new();
    let mut bad_number = record(7, local(2026, 3, 2, 9), ID_1, None);
    bad_number.archive_no = "0001-SB·2026-D50-652300001-7".into();
    let mut other_fonds = record(8, local(2026, 3, 2, 9), ID_1, None);
    other_fonds.archive_no = "0002-SB·2026-D50-652300001-000008".into();
    other_fonds.record.fonds = "0002".into();
    for (r, what) in [(bad_number, "six digits"), (other_fonds, "fonds 0002")] {
        let store = FakeStore::with(vec![r]);
        let e = seal(&store, "2026-03", tmp.path()).unwrap_err();
        assert!(matches!(e, ArchiveError::BadRecord { .. }), "{e}");
        assert!(e.to_string().contains(what), "{e}");
        assert!(names(tmp.path()).is_empty());
    }
}

// ---------------------------------------------------------------------------------------------
// Interrupted sealing leaves no partial batch.

#[test]
fn a_failure_to_record_the_batch_removes_it() {
    let tmp = Tmp::new();
    let store = sample_store();
    store.fail_seal_with(Some(|| {
        StoreError::Io(std::io::Error::other("disk I/O error"))
    }));
    let e = seal(&store, "2026-03", tmp.path()).unwrap_err();
    assert!(matches!(e, ArchiveError::Store { .. }), "{e}");
    assert!(e.to_string().contains("was removed"), "{e}");
    assert_eq!(e.exit_code(), 3);
    assert!(names(tmp.path()).is_empty(), "{:?}", names(tmp.path()));
    assert!(store.batches().unwrap().is_empty());
    // Once the store works again the month seals.
    store.fail_seal_with(None);
    let sealed = seal(&store, "2026-03", tmp.path()).unwrap();
    assert!(
        verify_batch(&sealed.dir, Some(&sealed.info.manifest_sha256), &trusted())
            .unwrap()
            .ok()
    );
}

/// The child runs the sealing with a 64 KiB file-size limit (RLIMIT_FSIZE, SIGXFSZ ignored), so
/// writing the first large photo fails half-way with EFBIG, as on a full disk.
#[test]
#[allow(unsafe_code, reason = "setrlimit(2) in the child")]
fn a_write_failing_half_way_leaves_no_partial_batch() {
    const CHILD: &str = "KIOSK_ARCHIVE_SEAL_FSIZE_CHILD";
    // The test's name as the harness knows it: its module path without the crate's name.
    let name = format!(
        "{}::a_write_failing_half_way_leaves_no_partial_batch",
        module_path!().split_once("::").map_or("", |(_, m)| m)
    );
    if let Some(out) = std::env::var_os(CHILD) {
        let store = FakeStore::with(vec![
            record(1, local(2026, 3, 2, 9), ID_1, None),
            record_with_photo(2, local(2026, 3, 3, 9), ID_2, None, 200_000),
            record(3, local(2026, 3, 4, 9), ID_3, None),
        ]);
        let e = seal(&store, "2026-03", Path::new(&out)).unwrap_err();
        match &e {
            ArchiveError::Io { what, source } => {
                assert!(what.contains("records.tar"), "{e}");
                assert_eq!(source.raw_os_error(), Some(libc::EFBIG), "{e}");
            }
            other => panic!("{other}"),
        }
        assert!(store.batches().unwrap().is_empty());
        return;
    }
    let tmp = Tmp::new();
    let out = tmp.path().join("archive");
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["--exact", &name, "--test-threads=1", "--nocapture"])
        .env(CHILD, &out);
    // SAFETY: only async-signal-safe calls (setrlimit, signal) between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: 64 * 1024,
                rlim_max: 64 * 1024,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            Ok(())
        });
    }
    let child = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&child.stdout);
    assert!(
        child.status.success() && stdout.contains("1 passed"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&child.stderr)
    );
    // The archive directory was created, but holds neither the batch nor its temporary.
    assert!(out.is_dir());
    assert!(names(&out).is_empty(), "{:?}", names(&out));
}

// ---------------------------------------------------------------------------------------------
// Verification.

/// A sealed March batch whose files may be changed.
fn sealed_march(tmp: &Tmp) -> (FakeStore, SealedBatch) {
    let store = sample_store();
    let sealed = seal(&store, "2026-03", tmp.path()).unwrap();
    (store, sealed)
}

#[test]
fn verification_finds_altered_removed_and_added_files() {
    let tmp = Tmp::new();
    let (_store, sealed) = sealed_march(&tmp);
    let dir = &sealed.dir;
    make_writable(dir);
    let photo_path = format!("records/{ARCHIVE_NO_3}/materials/2-photo.jpg");
    let record_path = format!("records/{ARCHIVE_NO_4}/record.json");
    let mut bytes = Vec::new();
    rewrite_members(dir, |m| {
        for (p, d) in m.iter_mut().filter(|(p, _)| *p == photo_path) {
            d[100] ^= 1;
            bytes = d.clone();
            assert!(!p.is_empty());
        }
        m.retain(|(p, _)| *p != record_path);
        m.push(("records/notes.txt".into(), b"added later".to_vec()));
    });
    fs::write(dir.join("notes.txt"), b"beside the batch").unwrap();

    let report = verify_batch(dir, Some(&sealed.info.manifest_sha256), &trusted()).unwrap();
    assert!(!report.ok());
    assert_eq!(report.manifest_matches(), Some(true));
    // Named member by member inside records.tar, which is itself altered.
    assert_eq!(report.missing, vec![record_path.clone()]);
    assert_eq!(
        report.extra,
        vec!["notes.txt".to_string(), "records/notes.txt".to_string()]
    );
    let altered: Vec<&str> = report.altered.iter().map(|a| a.path.as_str()).collect();
    assert_eq!(altered, vec!["records.tar", photo_path.as_str()]);
    let altered = &report.altered[1];
    assert_eq!(altered.expected_size, altered.actual_size);
    assert_eq!(altered.actual_sha256, hex::encode(Sha256::digest(&bytes)));
    assert_ne!(altered.expected_sha256, altered.actual_sha256);
    assert_eq!(report.files_ok, report.files_listed - 3);
    let summary = report.summary();
    for p in [&photo_path, &record_path, "records/notes.txt", "notes.txt"] {
        assert!(summary.contains(p), "{summary}");
    }
    // sha256sum sees the same.
    let check = run(Command::new("sha256sum")
        .args(["-c", "SHA256SUMS"])
        .current_dir(dir));
    assert!(!check.status.success());
}

#[test]
fn verification_checks_the_manifest_and_the_sums() {
    let tmp = Tmp::new();
    let (_store, sealed) = sealed_march(&tmp);
    let dir = &sealed.dir;
    make_writable(dir);
    // A consistent forgery: a material replaced, its manifest line and SHA256SUMS rewritten.
    let photo_path = format!("records/{ARCHIVE_NO_3}/materials/2-photo.jpg");
    let forged = photo(99, 3000);
    rewrite_members(dir, |m| {
        for (_, d) in m.iter_mut().filter(|(p, _)| *p == photo_path) {
            d.clone_from(&forged);
        }
    });
    let tar = fs::read(dir.join("records.tar")).unwrap();
    let mut manifest: Manifest =
        serde_json::from_slice(&fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    for f in manifest.members.iter_mut().filter(|f| f.path == photo_path) {
        f.sha256 = hex::encode(Sha256::digest(&forged));
    }
    for f in manifest.files.iter_mut() {
        f.size = tar.len() as u64;
        f.sha256 = hex::encode(Sha256::digest(&tar));
    }
    let mut text = serde_json::to_vec_pretty(&manifest).unwrap();
    text.push(b'\n');
    fs::write(dir.join("manifest.json"), &text).unwrap();
    let msha = hex::encode(Sha256::digest(&text));
    let sums = kiosk_store::archive::manifest::render_sums(&manifest.files, &msha);
    fs::write(dir.join("SHA256SUMS"), sums).unwrap();

    // Without the sealed SHA-256 the files agree with the rewritten manifest, but the
    // signature over the manifest no longer verifies; with it, the manifest differs too.
    let report = verify_batch(dir, None, &trusted()).unwrap();
    assert!(report.files_ok(), "{}", report.summary());
    assert!(
        matches!(report.signature, SignatureCheck::Bad { .. }),
        "{:?}",
        report.signature
    );
    assert!(!report.ok());
    assert!(
        report.summary().contains("bad signature"),
        "{}",
        report.summary()
    );
    let report = verify_batch(dir, Some(&sealed.info.manifest_sha256), &trusted()).unwrap();
    assert!(!report.ok());
    assert_eq!(report.manifest_matches(), Some(false));
    assert!(
        report.summary().contains("not the sealed"),
        "{}",
        report.summary()
    );

    // SHA256SUMS that disagrees with the manifest is reported as altered.
    fs::write(dir.join("SHA256SUMS"), "0000  manifest.json\n").unwrap();
    let report = verify_batch(dir, None, &trusted()).unwrap();
    assert_eq!(
        report
            .altered
            .iter()
            .map(|a| a.path.as_str())
            .collect::<Vec<_>>(),
        vec!["SHA256SUMS"]
    );
    fs::remove_file(dir.join("SHA256SUMS")).unwrap();
    assert_eq!(
        verify_batch(dir, None, &trusted()).unwrap().missing,
        vec!["SHA256SUMS"]
    );

    // A batch of format 1 (a directory per record; never released) is named as such.
    let mut v1: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    v1["format"] = "kiosk-archive-batch/1".into();
    v1.as_object_mut().unwrap().remove("members");
    fs::write(dir.join("manifest.json"), serde_json::to_vec(&v1).unwrap()).unwrap();
    let e = verify_batch(dir, None, &trusted()).unwrap_err();
    assert!(
        e.to_string()
            .contains("has the format \"kiosk-archive-batch/1\"; this program reads \"kiosk-archive-batch/2\""),
        "{e}"
    );

    // Without a readable manifest it is not a batch.
    fs::write(dir.join("manifest.json"), b"{").unwrap();
    let e = verify_batch(dir, None, &trusted()).unwrap_err();
    assert!(matches!(e, ArchiveError::NotABatch { .. }), "{e}");
    fs::remove_file(dir.join("manifest.json")).unwrap();
    let e = verify_batch(dir, None, &trusted()).unwrap_err();
    assert!(e.to_string().contains("there is no manifest.json"), "{e}");
    assert_eq!(e.exit_code(), 1);
}

// ---------------------------------------------------------------------------------------------
// Tar export.

#[test]
fn the_tar_export_is_deterministic_and_gnu_tar_reads_it() {
    let tmp = Tmp::new();
    let (_store, sealed) = sealed_march(&tmp);
    let first = tmp.path().join("first.tar");
    let second = tmp.path().join("second.tar");
    let a = export_tar(&sealed.dir, &first).unwrap();
    let b = export_tar(&sealed.dir, &second).unwrap();
    let bytes = fs::read(&first).unwrap();
    assert_eq!(bytes, fs::read(&second).unwrap(), "byte-identical exports");
    assert_eq!(a.sha256, b.sha256);
    assert_eq!(a.sha256, sha256_file(&first));
    assert_eq!(a.bytes, bytes.len() as u64);
    assert_eq!(bytes.len() % 10240, 0);
    assert_eq!(a.manifest_sha256, sealed.info.manifest_sha256);
    assert!(!names(tmp.path()).iter().any(|n| n.contains(".tmp-")));

    // GNU tar lists every file and directory, sorted, owner 0/0, sealed_at as the time.
    let list = run(Command::new("tar")
        .args(["--quoting-style=literal", "--utc", "-tvf"])
        .arg(&first));
    assert!(
        list.status.success(),
        "{}",
        String::from_utf8_lossy(&list.stderr)
    );
    let list = String::from_utf8(list.stdout).unwrap();
    let when = sealed.info.sealed_at.format("%Y-%m-%d %H:%M").to_string();
    let mut paths = Vec::new();
    for line in list.lines() {
        let (perm, rest) = line.split_once(' ').unwrap();
        assert!(rest.trim_start().starts_with("0/0 "), "{line}");
        assert!(line.contains(&when), "{line} (want {when})");
        let path = line.split(&when).nth(1).unwrap().trim().to_string();
        if path.ends_with('/') {
            assert_eq!(perm, "dr-xr-xr-x", "{line}");
        } else {
            assert_eq!(perm, "-r--r--r--", "{line}");
        }
        paths.push(path);
    }
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted);
    let files: BTreeSet<String> = paths
        .iter()
        .filter(|p| !p.ends_with('/'))
        .map(|p| {
            p.strip_prefix(&format!("{MARCH_DIR}/"))
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(files, walk_files(&sealed.dir));
    assert_eq!(
        files,
        BTreeSet::from([
            "SHA256SUMS".into(),
            "manifest.json".into(),
            "manifest.sig".into(),
            "records.tar".into()
        ])
    );

    // Extracted, every file is byte-identical and sha256sum -c passes.
    let into = tmp.path().join("extracted");
    fs::create_dir(&into).unwrap();
    let x = run(Command::new("tar")
        .arg("-xf")
        .arg(&first)
        .arg("-C")
        .arg(&into));
    assert!(x.status.success(), "{}", String::from_utf8_lossy(&x.stderr));
    let extracted = into.join(MARCH_DIR);
    assert_eq!(walk_files(&extracted), walk_files(&sealed.dir));
    for f in walk_files(&sealed.dir) {
        assert_eq!(
            fs::read(extracted.join(&f)).unwrap(),
            fs::read(sealed.dir.join(&f)).unwrap(),
            "{f}"
        );
    }
    let check = run(Command::new("sha256sum")
        .args(["-c", "SHA256SUMS"])
        .current_dir(&extracted));
    assert!(check.status.success());

    // The tar and the extracted copy verify against the sealed SHA-256.
    for path in [&first, &extracted] {
        let report = verify_batch(path, Some(&sealed.info.manifest_sha256), &trusted()).unwrap();
        assert!(report.ok(), "{}: {}", path.display(), report.summary());
        assert_eq!(report.files_ok, report.files_listed);
    }
}

#[test]
fn verification_finds_tampering_inside_a_tar() {
    let tmp = Tmp::new();
    let (_store, sealed) = sealed_march(&tmp);
    let tar = tmp.path().join("march.tar");
    export_tar(&sealed.dir, &tar).unwrap();
    let mut bytes = fs::read(&tar).unwrap();
    // Flip one byte inside the photo of record 4.
    let needle = &photo(4, 3000)[500..540];
    let at = bytes
        .windows(needle.len())
        .position(|w| w == needle)
        .unwrap();
    bytes[at + 3] ^= 0x80;
    fs::write(&tar, &bytes).unwrap();
    let report = verify_batch(&tar, Some(&sealed.info.manifest_sha256), &trusted()).unwrap();
    assert_eq!(
        report
            .altered
            .iter()
            .map(|a| a.path.clone())
            .collect::<Vec<_>>(),
        vec![
            "records.tar".to_string(),
            format!("records/{ARCHIVE_NO_4}/materials/2-photo.jpg")
        ]
    );
    assert!(report.missing.is_empty() && report.extra.is_empty());
    assert_eq!(report.files_ok, report.files_listed - 2);
    bytes[at + 3] ^= 0x80;

    // A damaged header inside records.tar: a problem in the report, where it is; what comes
    // after it cannot be read, so it is missing.
    let name = format!("records/{ARCHIVE_NO_4}/materials/2-photo.jpg");
    // The last time the name appears is its header (the manifest lists it first).
    let at = bytes
        .windows(name.len())
        .rposition(|w| w == name.as_bytes())
        .unwrap();
    bytes[at] ^= 0x01;
    fs::write(&tar, &bytes).unwrap();
    let report = verify_batch(&tar, Some(&sealed.info.manifest_sha256), &trusted()).unwrap();
    assert!(!report.ok());
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.starts_with("records.tar: not a readable tar archive")
                && p.contains("checksum")),
        "{:?}",
        report.problems
    );
    assert!(report.missing.contains(&name), "{:?}", report.missing);
    bytes[at] ^= 0x01;

    // A damaged header of the export itself is an error, not a report.
    bytes[10] ^= 0x01;
    fs::write(&tar, &bytes).unwrap();
    let e = verify_batch(&tar, None, &trusted()).unwrap_err();
    assert!(matches!(e, ArchiveError::BadTar { .. }), "{e}");
}

#[test]
fn a_batch_that_does_not_verify_is_not_exported() {
    let tmp = Tmp::new();
    let (_store, sealed) = sealed_march(&tmp);
    make_writable(&sealed.dir);
    fs::write(sealed.dir.join("extra.bin"), b"x").unwrap();
    let out = tmp.path().join("bad.tar");
    let e = export_tar(&sealed.dir, &out).unwrap_err();
    assert!(matches!(e, ArchiveError::Unverified { .. }), "{e}");
    assert!(e.to_string().contains("extra.bin"), "{e}");
    assert!(!out.exists());
    assert!(!names(tmp.path()).iter().any(|n| n.contains(".tmp-")));
}

// ---------------------------------------------------------------------------------------------
// `kiosk archive` without a database.

fn kiosk(args: &[&str]) -> Output {
    run(Command::new(env!("CARGO_BIN_EXE_kiosk")).args(args))
}

/// A kiosk.toml trusting these archive keys; its path.
fn trust_config(tmp: &Tmp, keys: &[VerifyingKey]) -> String {
    let list: Vec<String> = keys
        .iter()
        .map(|k| format!("\"{}\"", hex::encode(k.as_bytes())))
        .collect();
    let path = tmp.path().join(format!("trust-{}.toml", rand_suffix()));
    fs::write(&path, format!("[keys]\narchive = [{}]\n", list.join(", "))).unwrap();
    path.display().to_string()
}

fn rand_suffix() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    N.fetch_add(1, Ordering::Relaxed).to_string()
}

#[test]
fn each_signature_failure_is_named() {
    let tmp = Tmp::new();
    let (_store, sealed) = sealed_march(&tmp);
    let dir = &sealed.dir;
    let sha = Some(sealed.info.manifest_sha256.as_str());
    // As sealed: signed by the trusted key.
    let report = verify_batch(dir, sha, &trusted()).unwrap();
    assert!(report.ok(), "{}", report.summary());
    let key_hex = hex::encode(archive_key().verifying_key().as_bytes());
    assert_eq!(
        report.signature,
        SignatureCheck::Valid {
            key: key_hex.clone()
        }
    );

    // Signed by a key this kiosk does not trust.
    let stranger = SigningKey::from_bytes(&[12u8; 32]).verifying_key();
    let report = verify_batch(dir, sha, &[stranger]).unwrap();
    assert!(report.files_ok() && !report.ok());
    assert_eq!(
        report.signature,
        SignatureCheck::UnknownKey {
            key: key_hex.clone()
        }
    );
    assert!(
        report.summary().contains("not in [keys] archive"),
        "{}",
        report.summary()
    );
    // No trusted keys at all: not verified, and said so.
    let report = verify_batch(dir, sha, &[]).unwrap();
    assert!(!report.ok());
    assert!(
        report.summary().contains("[keys] archive is empty"),
        "{}",
        report.summary()
    );

    // An altered file: named as altered; the signature itself still holds.
    make_writable(dir);
    let photo_path = format!("records/{ARCHIVE_NO_3}/materials/2-photo.jpg");
    let original = fs::read(dir.join("records.tar")).unwrap();
    rewrite_members(dir, |m| {
        for (_, d) in m.iter_mut().filter(|(p, _)| *p == photo_path) {
            *d = b"replaced".to_vec();
        }
    });
    let report = verify_batch(dir, sha, &trusted()).unwrap();
    assert!(!report.ok());
    assert_eq!(report.altered[1].path, photo_path);
    assert!(report.signature.ok());
    fs::remove_file(dir.join("records.tar")).unwrap();
    fs::write(dir.join("records.tar"), &original).unwrap();
    assert!(verify_batch(dir, sha, &trusted()).unwrap().ok());

    // A signature file that is not one.
    let sig = fs::read(dir.join("manifest.sig")).unwrap();
    fs::write(dir.join("manifest.sig"), b"{\"format\": 1}").unwrap();
    let report = verify_batch(dir, sha, &trusted()).unwrap();
    assert!(
        matches!(report.signature, SignatureCheck::Malformed { .. }),
        "{:?}",
        report.signature
    );
    assert!(!report.ok());
    assert!(
        report.extra.is_empty(),
        "the signature is not an extra file: {:?}",
        report.extra
    );

    // A signature by another key claiming to be the trusted one: bad signature.
    let mut forged: serde_json::Value = serde_json::from_slice(&sig).unwrap();
    let other = kiosk_store::archive::sign::sign(
        &SigningKey::from_bytes(&[12u8; 32]),
        &fs::read(dir.join("manifest.json")).unwrap(),
    );
    let other: serde_json::Value = serde_json::from_slice(&other).unwrap();
    forged["signature"] = other["signature"].clone();
    fs::write(
        dir.join("manifest.sig"),
        serde_json::to_vec(&forged).unwrap(),
    )
    .unwrap();
    let report = verify_batch(dir, sha, &trusted()).unwrap();
    assert_eq!(report.signature, SignatureCheck::Bad { key: key_hex });

    // No signature: missing, and the export refuses the batch.
    fs::remove_file(dir.join("manifest.sig")).unwrap();
    let report = verify_batch(dir, sha, &trusted()).unwrap();
    assert_eq!(report.signature, SignatureCheck::Missing);
    assert!(report.files_ok() && !report.ok());
    assert!(
        report.summary().contains("missing signature"),
        "{}",
        report.summary()
    );
    let e = export_tar(dir, &tmp.path().join("unsigned.tar")).unwrap_err();
    assert!(e.to_string().contains("missing signature"), "{e}");
    // …and `kiosk archive verify` says which check failed.
    let cfg = trust_config(&tmp, &trusted());
    let out = kiosk(&["archive", "verify", "--config", &cfg, dir.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("signature:        missing signature"),
        "{stdout}"
    );
    fs::write(dir.join("manifest.sig"), &sig).unwrap();
    let out = kiosk(&["archive", "verify", "--config", &cfg, dir.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let untrusted = trust_config(&tmp, &[stranger]);
    let out = kiosk(&[
        "archive",
        "verify",
        "--config",
        &untrusted,
        dir.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("unknown key"), "{stdout}");
}

#[test]
fn kiosk_archive_verify_and_export() {
    let tmp = Tmp::new();
    let (_store, sealed) = sealed_march(&tmp);
    let dir = sealed.dir.to_str().unwrap();
    let sha = sealed.info.manifest_sha256.as_str();
    let cfg = trust_config(&tmp, &[archive_key().verifying_key()]);
    let cfg = cfg.as_str();

    let ok = kiosk(&[
        "archive",
        "verify",
        "--config",
        cfg,
        dir,
        "--manifest-sha",
        sha,
    ]);
    let stdout = String::from_utf8_lossy(&ok.stdout);
    assert_eq!(ok.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("matches the sealed SHA-256") && stdout.ends_with("OK\n"),
        "{stdout}"
    );

    let tar = tmp.path().join("cli.tar");
    let out = kiosk(&["archive", "export", dir, tar.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lib_tar = tmp.path().join("lib.tar");
    export_tar(&sealed.dir, &lib_tar).unwrap();
    assert_eq!(fs::read(&tar).unwrap(), fs::read(&lib_tar).unwrap());

    let json = kiosk(&[
        "archive",
        "verify",
        "--config",
        cfg,
        tar.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(json.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(v["records"], 3);

    let wrong = "0".repeat(64);
    let out = kiosk(&[
        "archive",
        "verify",
        "--config",
        cfg,
        dir,
        "--manifest-sha",
        &wrong,
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("DIFFERS"));

    make_writable(&sealed.dir);
    let photo_path = format!("records/{ARCHIVE_NO_3}/materials/2-photo.jpg");
    rewrite_members(&sealed.dir, |m| {
        for (_, d) in m.iter_mut().filter(|(p, _)| *p == photo_path) {
            *d = b"replaced".to_vec();
        }
    });
    let out = kiosk(&["archive", "verify", "--config", cfg, dir]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains(&format!("altered:  {photo_path}")),
        "{stdout}"
    );
    assert!(stdout.ends_with("FAILED\n"), "{stdout}");
}

#[test]
fn kiosk_archive_bad_arguments_exit_2_and_name_the_argument() {
    let missing = "/nonexistent/batch";
    for (args, want) in [
        (vec!["archive", "seal", "--month", "2026-13"], "--month"),
        (vec!["archive", "seal", "--month", "2026-3"], "two digits"),
        (
            vec![
                "archive",
                "query",
                "--staff",
                "wang",
                "--from",
                "2026-02-30",
            ],
            "--from",
        ),
        (vec!["archive", "query", "--business", "apply"], "--staff"),
        (
            vec!["archive", "query", "--staff", "wang", "--id-number", "123"],
            "expected 18",
        ),
        (
            vec![
                "archive",
                "query",
                "--staff",
                "wang",
                "--id-number",
                "652301198005061234",
            ],
            "check character",
        ),
        (
            vec!["archive", "query", "--staff", "wang", "--business", "loss"],
            "report_loss",
        ),
        (
            vec![
                "archive",
                "query",
                "--staff",
                "wang",
                "--archive-no",
                "0001-SB2026-D50-1-000001",
            ],
            "middle dot",
        ),
        (
            vec!["archive", "query", "--staff", "wang", "--full"],
            "--json",
        ),
        (
            vec!["archive", "query", "--staff", "wang", "--limit", "0"],
            "--limit",
        ),
        (
            vec![
                "archive",
                "query",
                "--staff",
                "wang",
                "--from",
                "2026-03-02",
                "--to",
                "2026-03-01",
            ],
            "--from 2026-03-02 is after --to",
        ),
        (vec!["archive", "verify", missing], "does not exist"),
        (
            vec!["archive", "verify", "/tmp", "--manifest-sha", "abc"],
            "64 hexadecimal",
        ),
        (
            vec!["archive", "export", missing, "/tmp/x.tar"],
            "not a directory",
        ),
    ] {
        let out = kiosk(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(want), "{args:?}: {stderr}");
    }
}

#[test]
fn kiosk_archive_query_refuses_staff_without_the_archive_role() {
    let tmp = Tmp::new();
    let config = tmp.path().join("kiosk.toml");
    fs::write(
        &config,
        r#"[[staff]]
user = "li"
password_hash = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$dGhpcyBpcyBhIDMyIGJ5dGUgaGFzaCBvdXRwdXQhIQ"
roles = ["front_desk"]
"#,
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let db = tmp.path().join("kiosk.db");
    let db = db.to_str().unwrap();
    for (user, want) in [
        ("li", "does not have the archive role"),
        ("zhao", "not a staff user"),
    ] {
        let out = kiosk(&[
            "archive", "query", "--config", config, "--db", db, "--staff", user,
        ]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{user}: {stderr}");
        assert!(stderr.contains(want), "{user}: {stderr}");
    }
}
