//! `[agency]` in kiosk.toml: absent = standalone; present = https URL and absolute paths of
//! the CA, the kiosk's certificate and key, every problem at its line.

use firmware_config::{Config, Diagnostic};

fn errors(text: &str) -> Vec<Diagnostic> {
    match Config::parse(text, "kiosk.toml") {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e.diagnostics().expect("parse errors").to_vec(),
    }
}

#[test]
fn no_agency_is_standalone() {
    let c = Config::parse("[kiosk]\nid = \"K1\"\n", "kiosk.toml").expect("valid");
    assert_eq!(c.agency, None);
    assert!(!c.to_toml().expect("toml").contains("[agency]"));
}

#[test]
fn a_good_agency_link_parses_with_its_default_deadline() {
    let c = Config::parse(
        "[agency]\nurl = \"https://agency.example:8443\"\nca_cert = \"/etc/kiosk/agency/ca.crt\"\n\
         cert = \"/etc/kiosk/agency/kiosk.crt\"\nkey = \"/etc/kiosk/agency/kiosk.key\"\n",
        "kiosk.toml",
    )
    .expect("valid");
    let a = c.agency.expect("agency");
    assert_eq!(a.url, "https://agency.example:8443");
    assert_eq!(a.timeout_ms, 3000);
}

#[test]
fn every_problem_of_the_agency_link_is_named_at_its_line() {
    let errs = errors(
        "[agency]\nurl = \"http://agency.example/v1\"\nca_cert = \"ca.crt\"\n\
         cert = \"/k/kiosk.crt\"\nkey = \"/k/kiosk.crt\"\ntimeout_ms = 5\n",
    );
    let text: Vec<String> = errs.iter().map(|d| d.to_string()).collect();
    let all = text.join("\n");
    assert_eq!(errs.len(), 4, "{all}");
    assert!(all.contains("is not an https:// base URL"), "{all}");
    assert!(all.contains("not an absolute path"), "{all}");
    assert!(all.contains("key is the certificate's path"), "{all}");
    assert!(all.contains("outside 100..=60000"), "{all}");
    assert!(all.contains("kiosk.toml:2:"), "{all}");
}

#[test]
fn a_missing_file_of_the_link_is_refused() {
    let errs = errors("[agency]\nurl = \"https://a\"\nca_cert = \"/a/ca.crt\"\n");
    let all: Vec<String> = errs.iter().map(|d| d.to_string()).collect();
    assert!(all.join("\n").contains("cert"), "{all:?}");
}
