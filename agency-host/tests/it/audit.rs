//! The agency's audit chains (one per kiosk, `system` for the agency's own commands): they
//! verify after commits from several kiosks; the table refuses changes; and, behind the
//! triggers' back, an altered entry, an entry moved to another chain, removed newest entries
//! (the head row left, or moved back before a checkpoint recorded it) are found, in the
//! chain concerned only. Removing entries newer than the last checkpoint *and* moving the
//! head row back is not found: RELIABILITY.md says so, and the last case here shows it.

use kiosk_core::domain::CardState;
use serde_json::json;

use super::fixtures::*;
use super::rig::{Agency, Client};

/// `n` entries in the kiosk's chain: refused staff logins (each one audited).
fn entries(k: &Client, n: usize) {
    for _ in 0..n {
        let r = k.post(
            agency_api::paths::STAFF_LOGIN,
            &json!({"user": "nobody", "password": "not-the-password"}),
        );
        assert_eq!(r.status, 401, "{}", r.text());
    }
}

fn head(agency: &Agency, chain: &str) -> i64 {
    agency
        .psql(&format!(
            "SELECT seq FROM audit_heads WHERE chain = '{chain}'"
        ))
        .trim()
        .parse()
        .unwrap()
}

/// Runs `sql` with the append-only triggers off, as someone with the database's keys would.
fn behind_the_triggers(agency: &Agency, sql: &str) {
    agency.psql(&format!(
        "ALTER TABLE audit DISABLE TRIGGER audit_no_change;
         {sql};
         ALTER TABLE audit ENABLE TRIGGER audit_no_change"
    ));
}

/// `audit verify` (all chains, or one): whether it passed, and its output.
fn verify(agency: &Agency, chain: Option<&str>) -> (bool, String) {
    let mut args = vec!["audit", "verify"];
    if let Some(c) = chain {
        args.extend(["--chain", c]);
    }
    let out = agency.run(&args, None);
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn each_chain_verifies_and_tampering_is_found_in_its_chain() {
    let agency = Agency::serving();
    let k1 = agency.kiosk("K1");
    seed(&k1, "K1", 3, CardState::Active);
    let kiosks: Vec<Client> = ["K2", "K3", "K4", "K5"]
        .iter()
        .map(|id| agency.kiosk(id))
        .collect();
    for k in &kiosks {
        entries(k, 4);
    }
    let (ok, out) = verify(&agency, None);
    assert!(ok, "{out}");
    assert!(out.contains("the audit log verifies"), "{out}");
    for chain in ["kiosk:K1", "kiosk:K5", "system"] {
        assert!(out.contains(&format!("  {chain}: ")), "{out}");
    }
    assert_eq!(head(&agency, "kiosk:K2"), 4, "each chain counts from 1");
    // a chain's entries are chained from the genesis hash, on their own
    let first = agency.psql("SELECT prev_hash FROM audit WHERE chain = 'kiosk:K3' AND seq = 1");
    assert_eq!(first.trim(), "0".repeat(64));

    // the triggers refuse changes
    let refused = std::process::Command::new(format!("{}/psql", super::pg::PG_BIN))
        .arg("-h")
        .arg(&super::pg::cluster().dir)
        .args([
            "-p",
            &super::pg::cluster().port.to_string(),
            "-U",
            "kiosk",
            "-d",
            &agency.dbname,
        ])
        .args([
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            "UPDATE audit SET subject = 'x' WHERE chain = 'kiosk:K1' AND seq = 2",
        ])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("append-only"));

    // The heads as they are now, recorded in a checkpoint (serve writes one every minute).
    let out = agency.ok(&["audit", "checkpoint"]);
    assert!(
        out.contains("checkpoint written: chain system seq"),
        "{out}"
    );
    let out = agency.ok(&["audit", "checkpoint"]);
    assert!(out.contains("no head moved"), "{out}");

    // K1: an entry altered
    behind_the_triggers(
        &agency,
        "UPDATE audit SET detail = '{\"forged\":true}' WHERE chain = 'kiosk:K1' AND seq = 3",
    );
    // K2: its newest two entries removed, the head row left
    behind_the_triggers(
        &agency,
        "DELETE FROM audit WHERE chain = 'kiosk:K2' AND seq > 2",
    );
    // K3: its newest two entries removed and its head row moved back with them: the
    // checkpoint still has the head
    behind_the_triggers(
        &agency,
        "DELETE FROM audit WHERE chain = 'kiosk:K3' AND seq > 2;
         UPDATE audit_heads SET (seq, hash) =
             (SELECT seq, hash FROM audit WHERE chain = 'kiosk:K3' AND seq = 2)
         WHERE chain = 'kiosk:K3'",
    );
    // K4: its last entry moved into another chain (rehashed there would need the chain
    // rewritten from that point, which its own checks find)
    behind_the_triggers(
        &agency,
        "UPDATE audit SET chain = 'kiosk:K9', seq = 1 WHERE chain = 'kiosk:K4' AND seq = 4",
    );

    let (ok, out) = verify(&agency, None);
    assert!(!ok, "{out}");
    let has = |needle: &str| assert!(out.contains(needle), "{needle:?} not in:\n{out}");
    has("chain kiosk:K1: seq 3: altered: its hash does not match its content");
    has("chain kiosk:K2: seq 4: missing: its head row recorded it as the head");
    has("chain kiosk:K3: seq 4: missing: the checkpoint at seq");
    has("chain kiosk:K4: seq 4: missing: its head row recorded it as the head");
    has("chain kiosk:K9: seq 1: moved: its actor kiosk:K4 belongs to chain kiosk:K4");
    has("chain kiosk:K9: it has entries but no head row");
    for untouched in ["chain kiosk:K5:", "chain system:"] {
        assert!(
            !out.lines().any(|l| l.starts_with(untouched)),
            "{untouched} was not touched:\n{out}"
        );
    }
    // one chain at a time: an untouched chain verifies on its own
    let (ok, out) = verify(&agency, Some("kiosk:K5"));
    assert!(ok, "{out}");
    assert!(out.contains("4 entries in 1 chain(s)"), "{out}");
    let (ok, out) = verify(&agency, Some("kiosk:K1"));
    assert!(
        !ok && out.contains("chain kiosk:K1: seq 3: altered"),
        "{out}"
    );

    // What is lost: K5's newest entries written after the last checkpoint, removed with its
    // head row moved back, leave a chain that verifies. The next checkpoint would have
    // recorded them.
    entries(&kiosks[3], 2);
    behind_the_triggers(
        &agency,
        "DELETE FROM audit WHERE chain = 'kiosk:K5' AND seq > 4;
         UPDATE audit_heads SET (seq, hash) =
             (SELECT seq, hash FROM audit WHERE chain = 'kiosk:K5' AND seq = 4)
         WHERE chain = 'kiosk:K5'",
    );
    let (ok, out) = verify(&agency, Some("kiosk:K5"));
    assert!(ok, "{out}");
}
