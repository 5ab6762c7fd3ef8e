//! The agency's audit chain: it verifies after commits from several kiosks; it refuses
//! changes; a row altered behind the triggers' back, and removed newest entries, are found.

use kiosk_core::domain::CardState;

use super::fixtures::*;
use super::rig::Agency;

#[test]
fn the_chain_verifies_and_tampering_is_found() {
    let agency = Agency::serving();
    let k1 = agency.kiosk("K1");
    let k2 = agency.kiosk("K2");
    seed(&k1, "K1", 5, CardState::Active);
    seed(&k2, "K2", 0, CardState::Active);
    let out = agency.ok(&["audit", "verify"]);
    assert!(out.contains("the audit log verifies"), "{out}");

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
            "UPDATE audit SET subject = 'x' WHERE seq = 2",
        ])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("append-only"));

    // altered behind the triggers' back
    agency.psql(
        "ALTER TABLE audit DISABLE TRIGGER audit_no_change;
         UPDATE audit SET detail = '{\"forged\":true}' WHERE seq = 3;
         ALTER TABLE audit ENABLE TRIGGER audit_no_change",
    );
    let out = agency.run(&["audit", "verify"], None);
    assert!(!out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("seq 3: altered: its hash does not match its content"),
        "{stdout}"
    );

    // the newest entries removed: the head row says where the log ended
    let head: i64 = agency
        .psql("SELECT seq FROM audit_head")
        .trim()
        .parse()
        .unwrap();
    agency.psql(&format!(
        "ALTER TABLE audit DISABLE TRIGGER audit_no_change;
         DELETE FROM audit WHERE seq > {};
         ALTER TABLE audit ENABLE TRIGGER audit_no_change",
        head - 2
    ));
    let out = agency.run(&["audit", "verify"], None);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!(
            "seq {head}: missing: the audit head row recorded it"
        )),
        "{stdout}"
    );
}
