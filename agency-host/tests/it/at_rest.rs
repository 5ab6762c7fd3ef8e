//! Personal data are not in clear where PostgreSQL keeps them: neither in a dump of the
//! agency's database (where bytea columns are written in hex, searched too) nor in the
//! cluster's files (the database's tables and indexes, the write-ahead log). A control with
//! the same values written in clear proves that both searches find what is there.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use super::pg::{cluster, PG_BIN};
use super::rig::Agency;

/// The demo people's ID numbers, names, phone numbers and card numbers.
fn needles() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let text = std::fs::read_to_string(root.join("data/demo/registry.jsonl")).unwrap();
    let mut out = Vec::new();
    for line in text.lines().filter(|l| l.starts_with('{')) {
        let v: Value = serde_json::from_str(line).unwrap();
        for key in ["id_number", "name", "phone", "card_number"] {
            if let Some(s) = v.get(key).and_then(Value::as_str) {
                if !out.contains(&s.to_string()) {
                    out.push(s.to_string());
                }
            }
        }
    }
    assert!(out.len() > 15, "{out:?}");
    out
}

fn dump(dbname: &str) -> Vec<u8> {
    let out = Command::new(format!("{PG_BIN}/pg_dump"))
        .arg("-h")
        .arg(&cluster().dir)
        .args([
            "-p",
            &cluster().port.to_string(),
            "-U",
            "kiosk",
            "--data-only",
            dbname,
        ])
        .output()
        .expect("pg_dump runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The files of the database `dbname` and the write-ahead log.
fn raw_files(dbname: &str) -> Vec<Vec<u8>> {
    let pg = cluster();
    pg.psql("postgres", "CHECKPOINT");
    let oid = pg
        .psql(
            "postgres",
            &format!("SELECT oid FROM pg_database WHERE datname = '{dbname}'"),
        )
        .trim()
        .to_string();
    let mut files = Vec::new();
    for dir in [pg.data().join("base").join(oid), pg.data().join("pg_wal")] {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                files.push(std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

/// The needles found in `haystacks`, as text and (for dumps) as the hex of their bytes.
fn found(needles: &[String], haystacks: &[Vec<u8>]) -> Vec<String> {
    needles
        .iter()
        .filter(|n| {
            let hex = hex::encode(n.as_bytes());
            let plain = memchr::memmem::Finder::new(n.as_bytes());
            let hex = memchr::memmem::Finder::new(hex.as_bytes());
            haystacks
                .iter()
                .any(|h| plain.find(h).is_some() || hex.find(h).is_some())
        })
        .cloned()
        .collect()
}

#[test]
fn personal_data_are_not_in_clear_in_the_database() {
    let needles = needles();
    let agency = Agency::serving();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    agency.ok(&[
        "import",
        &root.join("data/demo/registry.jsonl").display().to_string(),
    ]);
    // data through the API too: a case of a demo person, a contact change
    let k1 = agency.kiosk("K1");
    let holder = k1.get(&format!("/v1/persons/{}", needles[0])).json();
    assert_eq!(holder["person"]["id_number"], needles[0].as_str());
    let mut commit = kiosk_core::store::Commit::new(
        kiosk_core::domain::Actor::Citizen("K1-20260201-000001".into()),
        chrono::Utc::now(),
    );
    commit.case = Some(kiosk_core::domain::Case {
        case_id: "K1-20260201-000001".into(),
        business: kiosk_core::domain::BusinessCode::ChangeInfo,
        id_number: Some(needles[0].clone()),
        agent_id_number: None,
        started_at: chrono::Utc::now(),
        finished_at: None,
        outcome: None,
        deadline: None,
        summary: "change_info".into(),
    });
    commit.changes.push(kiosk_core::store::Change::SetContact {
        id_number: needles[0].clone(),
        phone: Some("13700001111".into()),
        address: None,
        division: None,
    });
    let r = k1.post(
        agency_api::paths::COMMITS,
        &serde_json::json!({"key": "K1-20260201-000001#1", "commit": commit}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let mut needles = needles;
    needles.push("13700001111".into());

    let in_dump = found(&needles, &[dump(&agency.dbname)]);
    assert!(in_dump.is_empty(), "in clear in the dump: {in_dump:?}");
    let in_files = found(&needles, &raw_files(&agency.dbname));
    assert!(
        in_files.is_empty(),
        "in clear in the cluster's files: {in_files:?}"
    );

    // the control: the same values in clear in another database are found both ways
    let control = cluster().database();
    let values: Vec<String> = needles.iter().map(|n| format!("('{n}')")).collect();
    cluster().psql(
        &control,
        &format!(
            "CREATE TABLE clear (v text); INSERT INTO clear VALUES {}",
            values.join(",")
        ),
    );
    assert_eq!(found(&needles, &[dump(&control)]), needles);
    assert_eq!(found(&needles, &raw_files(&control)), needles);
}
