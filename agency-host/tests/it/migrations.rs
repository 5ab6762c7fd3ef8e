//! Upgrading an agency that already holds data: a database at schema version 1 (one audit
//! chain, `audit_head`), with entries written as version 1 wrote them, is brought to the
//! newest version by `agency migrate`. Its old entries become the closed chain `v1` and still
//! verify; new entries go to their own chains; an old entry altered afterwards is found, in
//! chain `v1`.

use kiosk_core::domain::CardState;
use kiosk_core::store::audit_chain::{canonical_json, format_time, next_entry};
use serde_json::json;

use super::fixtures::*;
use super::rig::Agency;

/// Applies migration 1 only, through refinery as `agency migrate` does (same name, same
/// text, so the same checksum in `refinery_schema_history`).
fn migrate_to_v1(agency: &Agency) {
    let sql = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/V1__init.sql"),
    )
    .expect("V1__init.sql");
    let url = agency.cluster.url(&agency.dbname);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let (mut client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
            .await
            .expect("connect");
        let conn = tokio::spawn(connection);
        let v1 = refinery::Migration::unapplied("V1__init", &sql).expect("migration 1");
        refinery::Runner::new(&[v1])
            .run_async(&mut client)
            .await
            .expect("migration 1 applies");
        drop(client);
        let _ = conn.await;
    });
}

/// Appends `n` entries to version 1's single chain, as version 1's code did (same encoding,
/// head row moved with them).
fn v1_entries(agency: &Agency, n: i64) {
    let mut prev: Option<(i64, String)> = None;
    let mut sql = String::new();
    for i in 0..n {
        let at = chrono::DateTime::parse_from_rfc3339("2026-05-04T03:02:01.123456789Z")
            .expect("time")
            .with_timezone(&chrono::Utc)
            + chrono::Duration::minutes(i);
        let actor = if i % 2 == 0 { "kiosk:K1" } else { "system" };
        let e = next_entry(
            prev.as_ref().map(|(s, h)| (*s, h.as_str())),
            at,
            actor,
            "registry.commit",
            &format!("case K1-20260504-{i:04}"),
            json!({"n": i, "note": "写于第一版"}),
        );
        sql.push_str(&format!(
            "INSERT INTO audit (seq, at, actor, action, subject, detail, prev_hash, hash) \
             VALUES ({}, '{}', '{}', '{}', '{}', '{}', '{}', '{}');\n",
            e.seq,
            format_time(e.at),
            e.actor,
            e.action,
            e.subject,
            canonical_json(&e.detail),
            e.prev_hash,
            e.hash
        ));
        prev = Some((e.seq, e.hash.clone()));
    }
    let (seq, hash) = prev.expect("at least one entry");
    sql.push_str(&format!(
        "UPDATE audit_head SET seq = {seq}, hash = '{hash}' WHERE id = 1;"
    ));
    agency.psql(&sql);
}

#[test]
fn a_version_1_audit_log_verifies_as_chain_v1_after_the_upgrade() {
    let mut agency = Agency::new();
    migrate_to_v1(&agency);
    v1_entries(&agency, 5);

    agency.ok(&["migrate"]);
    let versions = agency.psql(
        "SELECT string_agg(version::text, ' ' ORDER BY version) FROM refinery_schema_history",
    );
    assert!(versions.trim().starts_with("1 2 3"), "{versions}");
    assert_eq!(
        agency
            .psql("SELECT count(*) FROM audit WHERE chain = 'v1'")
            .trim(),
        "5"
    );
    assert_eq!(
        agency
            .psql("SELECT seq FROM audit_heads WHERE chain = 'v1'")
            .trim(),
        "5"
    );

    // New entries go to their own chains; the old ones still verify, as chain v1.
    agency.start();
    let k1 = agency.kiosk("K1");
    seed(&k1, "K1", 2, CardState::Active);
    let out = agency.ok(&["audit", "verify"]);
    assert!(out.contains("the audit log verifies"), "{out}");
    assert!(out.contains("  v1: "), "{out}");
    assert!(out.contains("  kiosk:K1: "), "{out}");
    assert_eq!(
        agency
            .psql("SELECT count(*) FROM audit WHERE chain = 'v1'")
            .trim(),
        "5",
        "nothing is appended to the closed chain"
    );

    // An old entry altered behind the triggers' back is found, in chain v1.
    agency.psql(
        "ALTER TABLE audit DISABLE TRIGGER audit_no_change;
         UPDATE audit SET detail = '{\"n\":2,\"note\":\"改过\"}' WHERE chain = 'v1' AND seq = 3;
         ALTER TABLE audit ENABLE TRIGGER audit_no_change",
    );
    let out = agency.run(&["audit", "verify"], None);
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("chain v1: seq 3: altered: its hash does not match its content"),
        "{text}"
    );
    let (ok, only_k1) = {
        let o = agency.run(&["audit", "verify", "--chain", "kiosk:K1"], None);
        (
            o.status.success(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
        )
    };
    assert!(ok, "the other chains are untouched: {only_k1}");
}
