//! A kiosk's staff login checked at the agency (`AgencyStore::staff_login` →
//! `POST /v1/staff/login`): the member and their roles, a wrong password or an unknown name
//! refused alike, and an agency that does not answer told apart from a refusal (the kiosk's
//! staff page then falls back to its own `[[staff]]` accounts).

use std::sync::Arc;

use firmware_config::Role;
use kiosk_store::agency::StaffCheck;
use kiosk_store::sqlite::SqliteStore;
use kiosk_store::AgencyStore;

use super::rig::Agency;

fn login(store: &AgencyStore, user: &str, password: &str) -> StaffCheck {
    let mut typed = password.to_string();
    let check = store.staff_login(user, &mut typed);
    assert!(typed.is_empty(), "the typed password is taken");
    check
}

#[test]
fn staff_log_in_at_a_kiosk_against_the_agencys_accounts() {
    let mut agency = Agency::new();
    agency.fix_port();
    agency.start();
    let out = agency.run(
        &[
            "staff",
            "add",
            "li",
            "--role",
            "front-desk",
            "--role",
            "archive",
        ],
        Some("correct horse battery\n"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    agency.kiosk("KS");
    let link = agency.link("KS", &agency.base);
    let local = SqliteStore::open_in_memory().expect("kiosk database");
    let store = Arc::new(AgencyStore::new(&link, "KS", local).expect("agency store"));

    match login(&store, "li", "correct horse battery") {
        StaffCheck::Member { user, mut roles } => {
            roles.sort_by_key(|r| format!("{r:?}"));
            assert_eq!(user, "li");
            assert_eq!(roles, vec![Role::Archive, Role::FrontDesk]);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(login(&store, "li", "wrong"), StaffCheck::Refused);
    assert_eq!(
        login(&store, "nobody", "correct horse battery"),
        StaffCheck::Refused
    );
    // The agency audits each attempt, naming the kiosk.
    let attempts = agency
        .psql("SELECT count(*) FROM audit WHERE action LIKE 'staff.login%' AND actor LIKE '%KS%'");
    assert_eq!(attempts.trim(), "3", "{attempts}");

    // No agency: nothing is decided (not a refusal).
    agency.stop();
    match login(&store, "li", "correct horse battery") {
        StaffCheck::Unanswered(why) => assert!(!why.is_empty()),
        other => panic!("{other:?}"),
    }
}
