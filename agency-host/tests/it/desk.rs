//! Staff calls and identity approvals through the agency (issues 22 and 19): a kiosk posts a
//! call and asks for an identity approval; a staff member at an enrolled station (its
//! certificate and their account in HTTP Basic) sees the open calls and pending approvals,
//! answers and decides; the kiosk reads the decision; every step is audited in the chain of
//! whoever took it, and the chains verify.

use serde_json::{json, Value};

use agency_api::desk::paths;

use super::fixtures::case_id;
use super::rig::Agency;

const LI: (&str, &str) = ("li", "correct horse battery");

fn add_staff(agency: &Agency, user: &str, role: &str, password: &str) {
    let out = agency.run(
        &["staff", "add", user, "--role", role],
        Some(&format!("{password}\n")),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn approval_path(case: &str) -> String {
    paths::IDENTITY_APPROVAL.replace("{case_id}", case)
}

#[test]
fn staff_see_calls_and_decide_approvals_that_kiosks_post() {
    let agency = Agency::serving();
    add_staff(&agency, LI.0, "front-desk", LI.1);
    add_staff(&agency, "wang", "archive", "archive-only-pw");
    let k1 = agency.kiosk("K1");
    let k2 = agency.kiosk("K2");
    let desk = agency.kiosk("DESK1");

    // a kiosk's call, with its case and screen; another kiosk's case is not its own
    let case = case_id("K1", 7);
    let r = k1.post(
        paths::STAFF_CALLS,
        &json!({"at": "2026-12-07T09:00:00Z", "case_id": case, "screen": "identity"}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let call_id = r.json()["call_id"].as_i64().unwrap();
    let r = k2.post(
        paths::STAFF_CALLS,
        &json!({"at": "2026-12-07T09:00:01Z", "case_id": case}),
    );
    assert_eq!(r.status, 403, "{}", r.text());
    let r = k2.post(paths::STAFF_CALLS, &json!({"at": "2026-12-07T09:00:02Z"}));
    assert_eq!(r.status, 200, "{}", r.text());

    // staff routes: no account, a wrong password, a role that does not serve citizens
    let open = format!("{}?open=true", paths::DESK_CALLS);
    assert_eq!(desk.get(&open).status, 401);
    assert_eq!(
        desk.send_as((LI.0, "wrong"), "GET", &open, None).status,
        401
    );
    let r = desk.send_as(("wang", "archive-only-pw"), "GET", &open, None);
    assert_eq!(r.status, 403, "{}", r.text());
    // the open calls, oldest first
    let r = desk.send_as(LI, "GET", &open, None);
    assert_eq!(r.status, 200, "{}", r.text());
    let calls = r.json()["calls"].as_array().unwrap().clone();
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert_eq!(calls[0]["kiosk_id"], "K1");
    assert_eq!(calls[0]["screen"], "identity");
    assert_eq!(calls[1]["kiosk_id"], "K2");
    // answered once; then it is no longer open
    let answer = paths::DESK_CALL_ANSWER.replace("{call_id}", &call_id.to_string());
    let r = desk.send_as(LI, "POST", &answer, None);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["answered_by"], "li");
    let r = desk.send_as(LI, "POST", &answer, None);
    assert_eq!(r.status, 409, "{}", r.text());
    assert!(r.text().contains("answered by li"), "{}", r.text());
    let calls = desk.send_as(LI, "GET", &open, None).json()["calls"].clone();
    assert_eq!(calls.as_array().unwrap().len(), 1, "{calls}");

    // an identity approval: asked by the kiosk (masked ID number only), pending
    let ask = json!({
        "business": "replace",
        "id_masked": "652301********0016",
        "why": "not_possible",
        "at": "2026-12-07T09:01:00Z",
    });
    let r = k1.send("PUT", &approval_path(&case), Some(&ask));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["state"], "pending");
    let mut clear = ask.clone();
    clear["id_masked"] = Value::from("652301198001010016");
    let r = k1.send("PUT", &approval_path(&case_id("K1", 8)), Some(&clear));
    assert_eq!(
        r.status,
        422,
        "an ID number in clear is refused: {}",
        r.text()
    );
    assert_eq!(k2.get(&approval_path(&case)).status, 403);
    assert_eq!(k1.get(&approval_path(&case_id("K1", 9))).status, 404);
    // staff see it, and decide it once
    let r = desk.send_as(LI, "GET", paths::DESK_APPROVALS, None);
    assert_eq!(r.status, 200, "{}", r.text());
    let pending = r.json()["approvals"].clone();
    assert_eq!(pending.as_array().unwrap().len(), 1, "{pending}");
    assert_eq!(pending[0]["case_id"], case.as_str());
    assert_eq!(pending[0]["id_masked"], "652301********0016");
    let decide = paths::DESK_APPROVAL.replace("{case_id}", &case);
    let r = desk.send_as(LI, "POST", &decide, Some(&json!({"approved": true})));
    assert_eq!(r.status, 200, "{}", r.text());
    let r = desk.send_as(LI, "POST", &decide, Some(&json!({"approved": false})));
    assert_eq!(r.status, 409, "{}", r.text());
    // the kiosk reads the decision; asking again does not reopen it
    let r = k1.get(&approval_path(&case)).json();
    assert_eq!(r["state"], "approved");
    assert_eq!(r["decided_by"], "li");
    let r = k1.send("PUT", &approval_path(&case), Some(&ask)).json();
    assert_eq!(r["state"], "approved");
    let r = desk.send_as(LI, "GET", paths::DESK_APPROVALS, None);
    assert!(r.json()["approvals"].as_array().unwrap().is_empty());

    // audited in the chain of whoever acted, and every chain verifies
    let actions = |chain: &str| {
        agency
            .psql(&format!(
                "SELECT string_agg(action, ' ' ORDER BY seq) FROM audit WHERE chain = '{chain}'"
            ))
            .trim()
            .to_string()
    };
    assert_eq!(actions("kiosk:K1"), "staff.called identity.approval_asked");
    assert_eq!(
        actions("staff:li"),
        "staff.call_answered identity.staff_decision"
    );
    assert!(actions("kiosk:DESK1").contains("staff.login"));
    let out = agency.ok(&["audit", "verify"]);
    assert!(out.contains("the audit log verifies"), "{out}");
}

/// `target/<profile>/kiosk` beside this test's `agency` (build it first:
/// `cargo build -p kiosk-host`).
pub(super) fn kiosk_bin() -> std::path::PathBuf {
    let bin = std::path::Path::new(super::rig::agency_bin()).with_file_name("kiosk");
    assert!(
        bin.exists(),
        "{} is missing: cargo build -p kiosk-host first",
        bin.display()
    );
    bin
}

/// A `kiosk serve --sim` with an `[agency]`, stopped (by its PID) when dropped.
struct ServedKiosk {
    child: std::process::Child,
    base: String,
}

impl Drop for ServedKiosk {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve_kiosk(agency: &Agency, id: &str, dir: &std::path::Path) -> ServedKiosk {
    use std::io::BufRead;
    let link = agency.link(id, &agency.base);
    let config = dir.join("kiosk.toml");
    std::fs::write(
        &config,
        format!(
            "[kiosk]\nid = \"{id}\"\n\n[storage]\ndatabase = \"{db}\"\narchive_dir = \"{ar}\"\n\n\
             [agency]\nurl = \"{url}\"\nca_cert = \"{ca}\"\ncert = \"{cert}\"\nkey = \"{key}\"\n",
            db = dir.join("kiosk.db").display(),
            ar = dir.join("archive").display(),
            url = link.url,
            ca = link.ca_cert,
            cert = link.cert,
            key = link.key,
        ),
    )
    .unwrap();
    let mut child = std::process::Command::new(kiosk_bin())
        .args(["serve", "--sim", "--config"])
        .arg(&config)
        .args(["--listen", "127.0.0.1:0"])
        // the simulator's cards and people are found from the workspace root
        .current_dir(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
        .env("RUST_LOG", "info")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    std::io::BufReader::new(stdout)
        .read_line(&mut line)
        .unwrap();
    let base = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .trim_end_matches('/')
        .to_string();
    ServedKiosk { child, base }
}

#[test]
fn a_call_pressed_at_a_kiosk_reaches_the_agencys_staff() {
    let agency = Agency::serving();
    add_staff(&agency, LI.0, "front-desk", LI.1);
    agency.kiosk("KC");
    let desk = agency.kiosk("DESK1");
    let dir = tempfile::tempdir().unwrap();
    let kiosk = serve_kiosk(&agency, "KC", dir.path());

    // the citizen presses 呼叫工作人员 at the kiosk (the page's form)
    let r = ureq::post(&format!("{}/staff-call", kiosk.base))
        .set("Content-Type", "application/x-www-form-urlencoded")
        .send_string("");
    assert!(r.is_ok(), "{r:?}");

    // staff at the agency see it among the open calls (posted best-effort, at once)
    let open = format!("{}?open=true", paths::DESK_CALLS);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    let calls = loop {
        let calls = desk.send_as(LI, "GET", &open, None).json()["calls"].clone();
        if !calls.as_array().unwrap().is_empty() || std::time::Instant::now() > deadline {
            break calls;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    assert_eq!(calls.as_array().unwrap().len(), 1, "{calls}");
    assert_eq!(calls[0]["kiosk_id"], "KC");
    let staff_called = agency
        .psql("SELECT count(*) FROM audit WHERE chain = 'kiosk:KC' AND action = 'staff.called'");
    assert_eq!(staff_called.trim(), "1");
}

impl ServedKiosk {
    /// A JSON request to the kiosk's API that must succeed; its JSON answer.
    fn api(&self, method: &str, path: &str, body: Value) -> Value {
        let r = ureq::request(method, &format!("{}{path}", self.base))
            .set("Content-Type", "application/json")
            .send_string(&body.to_string())
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        // (`Null` when the answer is not JSON)
        serde_json::from_str(&r.into_string().unwrap()).unwrap_or(Value::Null)
    }

    fn screen(&self) -> Value {
        ureq::get(&format!("{}/api/session", self.base))
            .call()
            .unwrap()
            .into_json()
            .unwrap()
    }

    /// Polls the screen until `ok` holds (at most 30 s).
    fn wait(&self, what: &str, ok: impl Fn(&Value) -> bool) -> Value {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let page = self.screen();
            if ok(&page) {
                return page;
            }
            assert!(std::time::Instant::now() < deadline, "{what}: still {page}");
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
    }
}

fn kind(page: &Value) -> &str {
    page["screen"]["screen"].as_str().unwrap_or("")
}

#[test]
fn an_identity_the_kiosk_cannot_match_is_approved_by_staff_at_the_agency() {
    let agency = Agency::serving();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let registry = root.join("data/demo/registry.jsonl");
    agency.ok(&["import", registry.to_str().unwrap()]);
    add_staff(&agency, LI.0, "front-desk", LI.1);
    agency.kiosk("KI");
    let desk = agency.kiosk("DESK1");
    let dir = tempfile::tempdir().unwrap();
    let kiosk = serve_kiosk(&agency, "KI", dir.path());

    // a replacement (it needs the identity check) for 古丽娜尔, up to the consent; the
    // citizen declines the camera: the session waits for a staff member
    let page = kiosk.api(
        "POST",
        "/api/session/start",
        json!({ "business": "replace" }),
    );
    assert_eq!(kind(&page), "ask", "{page}");
    kiosk.api(
        "POST",
        "/api/sim/idcard",
        json!({ "person": "t0-blocked-6a81.toml" }),
    );
    let mut page = kiosk.wait("the ID card read", |p| {
        !(kind(p) == "ask" && p["screen"]["ask"]["kind"] == "id_card")
    });
    for _ in 0..8 {
        if kind(&page) != "ask" {
            break;
        }
        page = match page["screen"]["ask"]["kind"].as_str() {
            // take the photo, then use it
            Some("photo") if page["screen"]["ask"]["taken"].is_string() => {
                kiosk.api("POST", "/api/session/event", json!({"action": "photo_use"}))
            }
            Some("photo") => kiosk.api("POST", "/api/session/event", json!({"action": "photo"})),
            Some("reason") => kiosk.api(
                "POST",
                "/api/session/event",
                json!({ "action": "reason", "reason": "damaged" }),
            ),
            other => panic!("unexpected ask {other:?}: {page}"),
        };
    }
    assert_eq!(kind(&page), "face", "{page}");
    let page = kiosk.api(
        "POST",
        "/api/session/event",
        json!({"action": "face_decline"}),
    );
    assert_eq!(page["screen"]["face"]["face"], "awaiting_staff", "{page}");

    // the kiosk asks the agency's staff; a staff member there sees it and approves
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let pending = loop {
        let list = desk.send_as(LI, "GET", paths::DESK_APPROVALS, None).json()["approvals"].clone();
        if !list.as_array().unwrap().is_empty() || std::time::Instant::now() > deadline {
            break list;
        }
        std::thread::sleep(std::time::Duration::from_millis(250));
    };
    assert_eq!(pending.as_array().unwrap().len(), 1, "{pending}");
    assert_eq!(pending[0]["kiosk_id"], "KI");
    assert_eq!(pending[0]["business"], "replace");
    let case = pending[0]["case_id"].as_str().unwrap().to_string();
    let decide = paths::DESK_APPROVAL.replace("{case_id}", &case);
    let r = desk.send_as(LI, "POST", &decide, Some(&json!({"approved": true})));
    assert_eq!(r.status, 200, "{}", r.text());

    // the kiosk picks the decision up: the business goes on to the confirmation
    let page = kiosk.wait("the staff decision", |p| kind(p) != "face");
    assert_eq!(kind(&page), "confirm", "{page}");
}
