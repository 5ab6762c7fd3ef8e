//! `kiosk archive …`: seal a month into a read-only batch, query archive records (7.2, every
//! query audited with who asked), verify and export batches, list the sealed months.
//!
//! Exit codes: 0 done, 1 refused or not verified, 2 bad arguments (the message names the
//! argument and what to write), 3 storage (database or batch files) not readable or writable.

use std::path::PathBuf;

use chrono::{FixedOffset, NaiveDate, Utc};
use firmware_config::{Config, Role};
use serde::Serialize;
use serde_json::json;

use kiosk_core::archive_number::ArchiveNumber;
use kiosk_core::domain::{Actor, BusinessCode, Timestamp, LOCAL_OFFSET_S};
use kiosk_core::mask;
use kiosk_core::store::{ArchiveQuery, ArchiveRecord, ArchiveStore, BatchInfo};
use kiosk_store::archive::{self, BatchReport, Month};

use super::common::{fail, width, StoreArgs};

#[derive(clap::Subcommand)]
pub(crate) enum ArchiveCmd {
    /// Seal a month that has ended: write its read-only batch directory and record the
    /// manifest's SHA-256 in the database.
    Seal(SealArgs),
    /// Find archive records (7.2). Every query is audited with the staff user who asked.
    Query(QueryArgs),
    /// Re-hash a batch directory or its tar export against its manifest, and check the
    /// manifest's signature against the trusted archive keys ([keys] archive).
    Verify(VerifyArgs),
    /// Write a batch directory as a deterministic tar archive.
    Export(ExportArgs),
    /// List the sealed months.
    Batches(BatchesArgs),
}

#[derive(clap::Args)]
pub(crate) struct SealArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// The month to seal (kiosk local time); it must have ended.
    #[arg(long, value_name = "YYYY-MM", value_parser = parse_month)]
    month: Month,
    /// Where batch directories go (default: [storage] archive_dir).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Also export the sealed batch as a tar archive to FILE.
    #[arg(long, value_name = "FILE")]
    tar: Option<PathBuf>,
    /// The staff user sealing (needs the archive role); without it the kiosk system seals.
    #[arg(long, value_name = "USER")]
    staff: Option<String>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
pub(crate) struct QueryArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// The cardholder's ID number (18 characters).
    #[arg(long, value_name = "N", value_parser = parse_id_number)]
    id_number: Option<String>,
    /// The card number (9 letters and digits).
    #[arg(long, value_name = "N", value_parser = parse_card_number)]
    card_number: Option<String>,
    /// The business code, e.g. report_loss.
    #[arg(long, value_name = "CODE", value_parser = parse_business)]
    business: Option<BusinessCode>,
    /// Cases finished on or after this day (kiosk local date).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    from: Option<NaiveDate>,
    /// Cases finished on or before this day (kiosk local date).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    to: Option<NaiveDate>,
    /// The archive number (档号), e.g. 0001-SB·2026-D50-652300001-000123.
    #[arg(long, value_name = "NO", value_parser = parse_archive_no)]
    archive_no: Option<String>,
    /// At most this many records, newest first (1–1000; default 100).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1000))]
    limit: Option<u32>,
    /// The staff user asking (needs the archive role); the query is audited under this name.
    /// The user's password is read from standard input (one line), as `kiosk config staff`
    /// takes it, and checked against the account's hash before anything is read.
    #[arg(long, value_name = "USER")]
    staff: String,
    /// Print JSON (ID numbers masked unless --full).
    #[arg(long)]
    json: bool,
    /// With --json: ID numbers in clear and the case steps.
    #[arg(long, requires = "json")]
    full: bool,
}

#[derive(clap::Args)]
pub(crate) struct VerifyArgs {
    /// A batch directory or a tar export of one.
    #[arg(value_name = "DIR|TAR")]
    path: PathBuf,
    /// The manifest SHA-256 the database recorded for the batch (see `kiosk archive batches`).
    #[arg(long, value_name = "HEX", value_parser = parse_sha256)]
    manifest_sha: Option<String>,
    /// The configuration whose [keys] archive lists the trusted archive keys (default
    /// /etc/kiosk/kiosk.toml).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
pub(crate) struct ExportArgs {
    /// The batch directory.
    #[arg(value_name = "DIR")]
    dir: PathBuf,
    /// The tar file to write.
    #[arg(value_name = "FILE")]
    file: PathBuf,
}

#[derive(clap::Args)]
pub(crate) struct BatchesArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(cmd: ArchiveCmd) -> i32 {
    match cmd {
        ArchiveCmd::Seal(args) => seal(args),
        ArchiveCmd::Query(args) => query(args),
        ArchiveCmd::Verify(args) => verify(args),
        ArchiveCmd::Export(args) => export(args),
        ArchiveCmd::Batches(args) => batches(args),
    }
}

fn parse_month(s: &str) -> Result<Month, String> {
    Month::parse(s).map_err(|e| e.to_string())
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .filter(|_| s.len() == 10)
        .ok_or_else(|| format!("{s:?} is not a date; write YYYY-MM-DD, e.g. 2026-03-05"))
}

fn parse_id_number(s: &str) -> Result<String, String> {
    let id = s.to_ascii_uppercase();
    card_io::citizen::check_id_number(&id).map_err(|why| {
        format!("{why}; write the 18-character ID number, e.g. 65230119800506118X")
    })?;
    Ok(id)
}

fn parse_card_number(s: &str) -> Result<String, String> {
    if s.len() == 9 && s.chars().all(|c| c.is_ascii_alphanumeric()) {
        Ok(s.to_ascii_uppercase())
    } else {
        Err(format!("{s:?}: a card number has 9 letters and digits"))
    }
}

fn parse_business(s: &str) -> Result<BusinessCode, String> {
    serde_json::from_value(serde_json::Value::String(s.to_string())).map_err(|_| {
        format!(
            "{s:?} is not a business code; write one of {}",
            BusinessCode::ALL
                .iter()
                .map(|b| business_code(*b))
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}

fn parse_archive_no(s: &str) -> Result<String, String> {
    s.parse::<ArchiveNumber>()
        .map(|n| n.to_string())
        .map_err(|e| e.to_string())
}

fn parse_sha256(s: &str) -> Result<String, String> {
    if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(s.to_ascii_lowercase())
    } else {
        Err(format!(
            "{s:?}: write the 64 hexadecimal digits of the SHA-256 (see `kiosk archive batches`)"
        ))
    }
}

/// The snake_case code of a business (its serde name).
fn business_code(b: BusinessCode) -> String {
    match serde_json::to_value(b) {
        Ok(serde_json::Value::String(s)) => s,
        _ => format!("{b:?}"),
    }
}

fn local(t: Timestamp) -> String {
    match FixedOffset::east_opt(LOCAL_OFFSET_S) {
        Some(tz) => t.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S").to_string(),
        None => t.to_rfc3339(),
    }
}

/// The configuration, for checks before the database is opened: a `--config` that does not
/// load is a bad argument.
fn config_of(store: &StoreArgs) -> Result<Config, i32> {
    store
        .config()
        .map_err(|e| fail(2, format!("--config: {e}")))
}

/// The staff user must be configured with the archive role.
fn archive_staff(config: &Config, user: &str) -> Result<Actor, i32> {
    match config.staff.iter().find(|s| s.user == user) {
        None => Err(fail(
            1,
            format!(
                "refused: {user:?} is not a staff user of this kiosk (no [[staff]] entry with \
                 user = {user:?})"
            ),
        )),
        Some(s) if !s.roles.contains(&Role::Archive) => Err(fail(
            1,
            format!(
                "refused: staff user {user:?} does not have the archive role (roles must \
                 include \"archive\")"
            ),
        )),
        Some(_) => Ok(Actor::Staff(user.to_string())),
    }
}

/// Checks the staff user's password, read from standard input (issue 17, item 9): the
/// archive holds every citizen's records, so a name alone does not open it. Exit 1 when the
/// password is wrong or missing; the password is never printed.
fn authenticate(config: &Config, user: &str) -> Result<(), i32> {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    let Some(account) = config.staff.iter().find(|s| s.user == user) else {
        return Err(fail(1, format!("refused: {user:?} is not a staff user")));
    };
    let password = match super::secret::read_secret_line("password") {
        Ok(Some(p)) => p,
        Ok(None) => {
            return Err(fail(
                1,
                format!("refused: no password for {user:?} on standard input (one line)"),
            ))
        }
        Err(e) => {
            return Err(fail(
                1,
                format!("refused: cannot read the password from standard input: {e}"),
            ))
        }
    };
    let hash = PasswordHash::new(&account.password_hash).map_err(|e| {
        fail(
            1,
            format!("refused: the password hash of {user:?} in the configuration is invalid: {e}"),
        )
    })?;
    argon2::Argon2::default()
        .verify_password(password.as_bytes(), &hash)
        .map_err(|_| fail(1, format!("refused: wrong password for {user:?}")))
}

fn seal(args: SealArgs) -> i32 {
    let config = match config_of(&args.store) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let actor = match &args.staff {
        Some(user) => match archive_staff(&config, user) {
            Ok(a) => a,
            Err(code) => return code,
        },
        None => Actor::System,
    };
    let (config, store) = match args.store.open() {
        Ok(s) => s,
        Err(e) => return fail(3, format!("cannot open the database: {e}")),
    };
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(&config.storage.archive_dir));
    let signer = match &config.keys.archive_signing_key {
        None => return fail(1, archive::ArchiveError::NoSigningKey.to_string()),
        Some(path) => match archive::sign::load_signing_key(std::path::Path::new(path)) {
            Ok(k) => k,
            Err(e) => return fail(e.exit_code(), e.to_string()),
        },
    };
    let sealed = match archive::seal_month(
        &store,
        &args.month.to_string(),
        &config.kiosk.fonds,
        &out,
        &actor,
        Utc::now(),
        &signer,
    ) {
        Ok(s) => s,
        Err(e) => return fail(e.exit_code(), e.to_string()),
    };
    let export = match &args.tar {
        Some(file) => match archive::export_tar(&sealed.dir, file) {
            Ok(t) => Some(t),
            Err(e) => {
                return fail(
                    e.exit_code(),
                    format!(
                        "{} was sealed into {}, but the tar export failed: {e}; run `kiosk \
                         archive export {} FILE`",
                        sealed.info.month,
                        sealed.dir.display(),
                        sealed.dir.display()
                    ),
                )
            }
        },
        None => None,
    };
    if args.json {
        println!(
            "{}",
            json!({
                "month": sealed.info.month,
                "dir": sealed.dir,
                "records": sealed.info.records,
                "files": sealed.files,
                "bytes": sealed.bytes,
                "sealed_at": sealed.info.sealed_at,
                "manifest_sha256": sealed.info.manifest_sha256,
                "audit_seq": sealed.info.audit_seq,
                "audit_hash": sealed.info.audit_hash,
                "tar": export,
            })
        );
    } else {
        println!(
            "sealed {}: {} records, {} files in {}",
            sealed.info.month,
            sealed.info.records,
            sealed.files,
            sealed.dir.display()
        );
        println!("manifest SHA-256: {}", sealed.info.manifest_sha256);
        println!(
            "audit head:       {} {}",
            sealed.info.audit_seq, sealed.info.audit_hash
        );
        if let Some(t) = export {
            println!(
                "tar:              {} ({} bytes, SHA-256 {})",
                t.path.display(),
                t.bytes,
                t.sha256
            );
        }
    }
    0
}

/// A query result as printed: material contents are in the sealed batch, not here.
#[derive(Serialize)]
struct Row<'a> {
    archive_no: &'a str,
    case_id: &'a str,
    business: BusinessCode,
    id_number: String,
    card_number: Option<&'a str>,
    finished_at: Timestamp,
    title: &'a str,
    organisation: &'a str,
    retention_years: u32,
    retain_until: NaiveDate,
    sealed_in: Option<&'a str>,
    materials: Vec<MaterialRow<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    steps: Option<&'a [kiosk_core::store::CaseStep]>,
}

#[derive(Serialize)]
struct MaterialRow<'a> {
    kind: &'a str,
    title: &'a str,
    media_type: &'a str,
    size: usize,
}

fn row(r: &ArchiveRecord, full: bool) -> Row<'_> {
    let rec = &r.record;
    Row {
        archive_no: &r.archive_no,
        case_id: &rec.case_id,
        business: rec.business,
        id_number: if full {
            rec.id_number.clone()
        } else {
            mask::id_number(&rec.id_number)
        },
        card_number: rec.card_number.as_deref(),
        finished_at: rec.finished_at,
        title: &rec.title,
        organisation: &rec.organisation,
        retention_years: rec.retention_years,
        retain_until: r.retain_until,
        sealed_in: r.sealed_in.as_deref(),
        materials: rec
            .materials
            .iter()
            .map(|m| MaterialRow {
                kind: &m.kind,
                title: &m.title,
                media_type: &m.media_type,
                size: m.content.len(),
            })
            .collect(),
        steps: full.then_some(&rec.steps[..]),
    }
}

fn query(args: QueryArgs) -> i32 {
    if let (Some(from), Some(to)) = (args.from, args.to) {
        if from > to {
            return fail(
                2,
                format!("--from {from} is after --to {to}; give the earlier day to --from"),
            );
        }
    }
    let config = match config_of(&args.store) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let actor = match archive_staff(&config, &args.staff)
        .and_then(|actor| authenticate(&config, &args.staff).map(|()| actor))
    {
        Ok(a) => a,
        Err(code) => return code,
    };
    let (_, store) = match args.store.open() {
        Ok(s) => s,
        Err(e) => return fail(3, format!("cannot open the database: {e}")),
    };
    let q = ArchiveQuery {
        id_number: args.id_number.clone(),
        card_number: args.card_number.clone(),
        business: args.business,
        from: args.from,
        to: args.to,
        archive_no: args.archive_no.clone(),
        limit: args.limit,
    };
    let records = match store.query_archive(&q, &actor) {
        Ok(r) => r,
        Err(e) => return fail(3, format!("the archive query failed: {e}")),
    };
    let rows: Vec<Row<'_>> = records.iter().map(|r| row(r, args.full)).collect();
    if args.json {
        match serde_json::to_string_pretty(&rows) {
            Ok(text) => println!("{text}"),
            Err(e) => return fail(3, format!("cannot print the records: {e}")),
        }
        return 0;
    }
    if rows.is_empty() {
        println!("no archive records match");
        return 0;
    }
    print_table(
        &[
            "archive no",
            "finished",
            "business",
            "ID number",
            "card",
            "sealed",
            "title",
        ],
        rows.iter()
            .map(|r| {
                vec![
                    r.archive_no.to_string(),
                    local(r.finished_at),
                    business_code(r.business),
                    r.id_number.clone(),
                    r.card_number.unwrap_or("-").to_string(),
                    r.sealed_in.unwrap_or("-").to_string(),
                    r.title.to_string(),
                ]
            })
            .collect(),
    );
    println!("({} record(s); ID numbers masked)", rows.len());
    0
}

/// Columns padded to their widest cell; the last column is not padded.
fn print_table(header: &[&str], rows: Vec<Vec<String>>) {
    let mut widths: Vec<usize> = header.iter().map(|h| width(h)).collect();
    for r in &rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(width(cell));
        }
    }
    let line = |cells: Vec<&str>| {
        let last = cells.len().saturating_sub(1);
        let mut out = String::new();
        for (i, cell) in cells.into_iter().enumerate() {
            out.push_str(cell);
            if i < last {
                out.push_str(&" ".repeat(widths[i] - width(cell) + 2));
            }
        }
        println!("{}", out.trim_end());
    };
    line(header.to_vec());
    for r in &rows {
        line(r.iter().map(String::as_str).collect());
    }
}

fn print_report(report: &BatchReport) {
    println!(
        "batch {} {}: {} records, sealed {} (audit head {} {})",
        report.fonds,
        report.month,
        report.records,
        local(report.sealed_at),
        report.audit_seq,
        report.audit_hash
    );
    println!("manifest SHA-256: {}", report.manifest_sha256);
    match report.manifest_matches() {
        Some(true) => println!("manifest:         matches the sealed SHA-256"),
        Some(false) => println!(
            "manifest:         DIFFERS from the sealed SHA-256 {}",
            report.expected_manifest_sha256.as_deref().unwrap_or("")
        ),
        None => println!(
            "manifest:         not compared with the sealed SHA-256 (give --manifest-sha, see \
             `kiosk archive batches`)"
        ),
    }
    println!(
        "files:            {} of {} listed verified",
        report.files_ok, report.files_listed
    );
    for p in &report.missing {
        println!("missing:  {p}");
    }
    for a in &report.altered {
        println!(
            "altered:  {} ({} bytes, SHA-256 {}; sealed: {} bytes, {})",
            a.path, a.actual_size, a.actual_sha256, a.expected_size, a.expected_sha256
        );
    }
    for p in &report.extra {
        println!("extra:    {p}");
    }
    for p in &report.problems {
        println!("problem:  {p}");
    }
    println!("signature:        {}", report.signature.describe());
    println!("{}", if report.ok() { "OK" } else { "FAILED" });
}

fn verify(args: VerifyArgs) -> i32 {
    if !args.path.exists() {
        return fail(
            2,
            format!(
                "DIR|TAR: {} does not exist; give a batch directory or its tar export",
                args.path.display()
            ),
        );
    }
    let config = match (StoreArgs {
        config: args.config.clone(),
        db: None,
        key_file: None,
    })
    .config()
    {
        Ok(c) => c,
        Err(e) => return fail(2, &e),
    };
    let trusted = match archive::sign::trusted_keys(&config.keys) {
        Ok(k) => k,
        Err(e) => return fail(e.exit_code(), e.to_string()),
    };
    let report = match archive::verify_batch(&args.path, args.manifest_sha.as_deref(), &trusted) {
        Ok(r) => r,
        Err(e) => return fail(e.exit_code(), e.to_string()),
    };
    if args.json {
        let mut v = serde_json::to_value(&report).unwrap_or_default();
        if let Some(obj) = v.as_object_mut() {
            obj.insert("ok".into(), report.ok().into());
        }
        println!("{v}");
    } else {
        print_report(&report);
    }
    if report.ok() {
        0
    } else {
        1
    }
}

fn export(args: ExportArgs) -> i32 {
    if !args.dir.is_dir() {
        return fail(
            2,
            format!(
                "DIR: {} is not a directory; give a sealed batch directory",
                args.dir.display()
            ),
        );
    }
    match archive::export_tar(&args.dir, &args.file) {
        Ok(t) => {
            println!(
                "{}: {} entries, {} bytes, SHA-256 {}",
                t.path.display(),
                t.entries,
                t.bytes,
                t.sha256
            );
            0
        }
        Err(e) => fail(e.exit_code(), e.to_string()),
    }
}

fn batches(args: BatchesArgs) -> i32 {
    if let Err(code) = config_of(&args.store) {
        return code;
    }
    let (_, store) = match args.store.open() {
        Ok(s) => s,
        Err(e) => return fail(3, format!("cannot open the database: {e}")),
    };
    let list: Vec<BatchInfo> = match store.batches() {
        Ok(b) => b,
        Err(e) => return fail(3, format!("cannot read the sealed batches: {e}")),
    };
    if args.json {
        match serde_json::to_string_pretty(&list) {
            Ok(text) => println!("{text}"),
            Err(e) => return fail(3, format!("cannot print the batches: {e}")),
        }
        return 0;
    }
    if list.is_empty() {
        println!("no month is sealed yet");
        return 0;
    }
    print_table(
        &[
            "month",
            "sealed",
            "records",
            "audit seq",
            "manifest SHA-256",
        ],
        list.iter()
            .map(|b| {
                vec![
                    b.month.clone(),
                    local(b.sealed_at),
                    b.records.to_string(),
                    b.audit_seq.to_string(),
                    b.manifest_sha256.clone(),
                ]
            })
            .collect(),
    );
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argument_parsers_say_what_to_write() {
        assert!(parse_month("2026-3").unwrap_err().contains("write YYYY-MM"));
        assert_eq!(parse_date("2026-03-05").unwrap().to_string(), "2026-03-05");
        for bad in ["2026-3-5", "2026-02-30", "20260305"] {
            assert!(parse_date(bad).unwrap_err().contains("YYYY-MM-DD"), "{bad}");
        }
        assert_eq!(
            parse_id_number("65230119800506118x").unwrap(),
            "65230119800506118X"
        );
        let e = parse_id_number("652301198005061234").unwrap_err();
        assert!(
            e.contains("check character") && e.contains("18-character"),
            "{e}"
        );
        assert!(parse_card_number("A1234567").is_err());
        assert_eq!(parse_card_number("a12345678").unwrap(), "A12345678");
        assert_eq!(
            parse_business("report_loss").unwrap(),
            BusinessCode::ReportLoss
        );
        assert!(parse_business("loss").unwrap_err().contains("report_loss"));
        assert!(parse_archive_no("0001-SB2026")
            .unwrap_err()
            .contains("expected"));
        assert!(parse_sha256("abc").unwrap_err().contains("64 hexadecimal"));
        assert_eq!(parse_sha256(&"AB".repeat(32)).unwrap(), "ab".repeat(32));
    }

    #[test]
    fn query_rows_mask_id_numbers_unless_full() {
        use chrono::TimeZone;
        use kiosk_core::store::{ArchivedMaterial, CaseStep, NewArchiveRecord};
        let at = Utc.with_ymd_and_hms(2026, 3, 5, 2, 0, 0).unwrap();
        let record = ArchiveRecord {
            archive_no: "0001-SB·2026-D50-652300001-000001".into(),
            record: NewArchiveRecord {
                case_id: "K1-20260305-000001".into(),
                business: BusinessCode::ReportLoss,
                id_number: "65230119800506118X".into(),
                card_number: Some("A12345678".into()),
                finished_at: at,
                fonds: "0001".into(),
                organisation: "652300001".into(),
                retention_years: 50,
                title: "张* 社会保障卡挂失".into(),
                materials: vec![ArchivedMaterial {
                    kind: "photo".into(),
                    title: "照片".into(),
                    media_type: "image/jpeg".into(),
                    content: vec![0xFF; 1234],
                }],
                steps: vec![CaseStep {
                    at,
                    step: "办结".into(),
                    detail: "读取身份证 65230119800506118X".into(),
                }],
            },
            retain_until: NaiveDate::from_ymd_opt(2076, 12, 31).unwrap(),
            sealed_in: None,
        };
        let masked = serde_json::to_string(&row(&record, false)).unwrap();
        assert!(masked.contains("652301********118X"), "{masked}");
        assert!(!masked.contains("65230119800506118X"), "{masked}");
        assert!(masked.contains("\"size\":1234"), "{masked}");
        let full = serde_json::to_string(&row(&record, true)).unwrap();
        assert!(
            full.contains("\"id_number\":\"65230119800506118X\""),
            "{full}"
        );
        assert!(full.contains("\"steps\""), "{full}");
    }

    #[test]
    fn widths_count_chinese_as_two_columns() {
        assert_eq!(width("张* 社会保障卡挂失"), 2 + 1 + 1 + 14);
        assert_eq!(width("0001-SB·2026"), 12);
    }

    #[test]
    fn staff_needs_the_archive_role() {
        let mut config = Config::default();
        config.staff.push(firmware_config::Staff {
            user: "li".into(),
            password_hash: String::new(),
            roles: vec![Role::FrontDesk],
        });
        config.staff.push(firmware_config::Staff {
            user: "wang".into(),
            password_hash: String::new(),
            roles: vec![Role::Archive],
        });
        assert_eq!(archive_staff(&config, "nobody"), Err(1));
        assert_eq!(archive_staff(&config, "li"), Err(1));
        assert_eq!(
            archive_staff(&config, "wang"),
            Ok(Actor::Staff("wang".into()))
        );
    }
}
