//! `kiosk serve --sim` as a process, driven over HTTP like the kiosk's browser and the tests'
//! hardware panel: the JSON API, the server-rendered forms (POST, redirect), server-sent
//! events, the simulated devices.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

use serde_json::{json, Value};

use tests::served::Served as Kiosk;
use tests::staff::phc;

fn serve() -> Kiosk {
    serve_with(&[])
}

fn serve_with(extra: &[&str]) -> Kiosk {
    Kiosk::start_workspace(extra)
}

/// The login form posted with its token and cookie; returns (status, headers, body).
fn login_post(k: &Kiosk, fields: &str) -> (u16, String, String) {
    let a = tests::staff::post_login(k, fields);
    (a.status, a.head, a.body)
}

/// A login page without its anti-forgery token (fresh on every page).
fn without_token(page: &str) -> String {
    let token = tests::staff::csrf(page);
    page.replace(&token, "")
}

/// One HTTP/1.1 request; returns (status, headers, body).
fn request(k: &Kiosk, method: &str, path: &str, ctype: &str, body: &str) -> (u16, String, String) {
    request_with(k, method, path, ctype, body, None)
}

/// One HTTP/1.1 request with an optional cookie.
fn request_with(
    k: &Kiosk,
    method: &str,
    path: &str,
    ctype: &str,
    body: &str,
    cookie: Option<&str>,
) -> (u16, String, String) {
    let a = k.request_with(method, path, ctype, body, cookie);
    (a.status, a.head, a.body)
}

fn api(k: &Kiosk, method: &str, path: &str, body: Value) -> Value {
    k.api(method, path, &body)
}

fn screen(k: &Kiosk) -> Value {
    k.screen()
}

/// Waits until the session screen satisfies `ok` (the card watcher polls the reader).
fn wait_screen(k: &Kiosk, what: &str, ok: impl Fn(&Value) -> bool) -> Value {
    k.wait_screen(what, ok)
}

use tests::served::kind;

#[test]
fn status_query_through_the_json_api() {
    let k = serve();
    let page = api(
        &k,
        "POST",
        "/api/session/start",
        json!({ "business": "status" }),
    );
    assert_eq!(kind(&page), "ask");
    assert_eq!(page["screen"]["ask"]["kind"], "card");
    api(
        &k,
        "POST",
        "/api/sim/card",
        json!({ "card": "v2-3des.toml" }),
    );
    let page = wait_screen(&k, "confirmation", |p| kind(p) == "confirm");
    let text = page.to_string();
    assert!(text.contains("652301********0015"), "{text}");
    assert!(
        !text.contains("652301197508210015"),
        "unmasked ID number: {text}"
    );
    let page = api(
        &k,
        "POST",
        "/api/session/event",
        json!({ "action": "confirm" }),
    );
    assert_eq!(kind(&page), "done", "{page}");
    let receipt = page["screen"]["receipt"].to_string();
    assert!(receipt.contains("正常"), "{receipt}");
    let page = api(
        &k,
        "POST",
        "/api/session/event",
        json!({ "action": "rate", "level": 4 }),
    );
    assert_eq!(kind(&k.home_after(page.clone())), "home", "{page}");
}

#[test]
fn loss_report_through_the_forms_with_redirects() {
    let k = serve();
    let (status, head, _) = request(
        &k,
        "POST",
        "/session/start",
        "application/x-www-form-urlencoded",
        "business=report_loss",
    );
    assert_eq!(status, 303, "{head}");
    assert!(head.to_lowercase().contains("location: /session"), "{head}");
    api(
        &k,
        "POST",
        "/api/sim/idcard",
        json!({ "person": "v2-3des.toml" }),
    );
    assert_eq!(kind(&screen(&k)), "confirm");
    let (status, _, _) = request(
        &k,
        "POST",
        "/session/event",
        "application/x-www-form-urlencoded",
        "action=confirm",
    );
    assert_eq!(status, 303);
    let page = screen(&k);
    assert_eq!(kind(&page), "done", "{page}");
    let (status, _, html) = request(&k, "GET", "/session", "text/plain", "");
    assert_eq!(status, 200);
    assert!(html.contains("<html"), "{html}");
    // A low rating with two reasons ticked: the form repeats the field.
    let (status, head, body) = request(
        &k,
        "POST",
        "/session/event",
        "application/x-www-form-urlencoded",
        "action=rate&level=2&reasons=slow&reasons=unclear",
    );
    assert_eq!(status, 303, "{head}\n{body}");
    assert_eq!(kind(&k.home_after(screen(&k))), "home");
}

#[test]
fn pin_change_with_a_weak_pin_then_a_good_one() {
    let k = serve();
    api(
        &k,
        "POST",
        "/api/sim/card",
        json!({ "card": "v2-3des.toml" }),
    );
    api(
        &k,
        "POST",
        "/api/session/start",
        json!({ "business": "pin_change" }),
    );
    wait_screen(&k, "confirmation", |p| kind(p) == "confirm");
    let page = api(
        &k,
        "POST",
        "/api/session/event",
        json!({ "action": "confirm" }),
    );
    assert_eq!(kind(&page), "pins");
    let digits = page["screen"]["digits"].as_array().expect("digits").len();
    assert_eq!(digits, 10);
    let page = api(
        &k,
        "POST",
        "/api/session/event",
        json!({ "action": "pins", "old": "123456", "new": "111111", "repeat": "111111" }),
    );
    assert_eq!(kind(&page), "pins");
    assert!(
        page["screen"]["problem"]
            .as_str()
            .is_some_and(|p| !p.is_empty()),
        "{page}"
    );
    let page = api(
        &k,
        "POST",
        "/api/session/event",
        json!({ "action": "pins", "old": "123456", "new": "580317", "repeat": "580317" }),
    );
    assert_eq!(kind(&page), "done", "{page}");
    assert!(
        !page.to_string().contains("580317"),
        "a PIN on a screen: {page}"
    );
}

#[test]
fn a_card_pulled_before_confirmation_fails_cleanly_and_the_kiosk_serves_on() {
    let k = serve();
    api(
        &k,
        "POST",
        "/api/sim/card",
        json!({ "card": "v2-3des.toml" }),
    );
    api(
        &k,
        "POST",
        "/api/session/start",
        json!({ "business": "pin_change" }),
    );
    wait_screen(&k, "confirmation", |p| kind(p) == "confirm");
    api(
        &k,
        "POST",
        "/api/session/event",
        json!({ "action": "confirm" }),
    );
    api(&k, "DELETE", "/api/sim/card", json!({}));
    let page = api(
        &k,
        "POST",
        "/api/session/event",
        json!({ "action": "pins", "old": "123456", "new": "580317", "repeat": "580317" }),
    );
    assert!(matches!(kind(&page), "interrupted" | "failed"), "{page}");
    let page = api(
        &k,
        "POST",
        "/api/session/event",
        json!({ "action": "cancel" }),
    );
    assert_eq!(kind(&page), "home");
    // The next citizen.
    api(
        &k,
        "POST",
        "/api/sim/card",
        json!({ "card": "v3-sm4.toml" }),
    );
    api(
        &k,
        "POST",
        "/api/session/start",
        json!({ "business": "status" }),
    );
    wait_screen(&k, "the next citizen's confirmation", |p| {
        kind(p) == "confirm"
    });
}

#[test]
fn refusals_and_bad_input_say_what_is_wrong() {
    let k = serve();
    let (status, _, text) = request(
        &k,
        "POST",
        "/api/session/start",
        "application/json",
        &json!({ "business": "pin_reset", "agent": "1" }).to_string(),
    );
    assert_eq!(status, 422, "{text}");
    assert!(text.contains("agent") || text.contains("委托"), "{text}");
    let (status, _, text) = request(
        &k,
        "POST",
        "/api/session/start",
        "application/json",
        &json!({ "business": "teleport" }).to_string(),
    );
    assert_eq!(status, 422, "{text}");
    assert!(text.contains("teleport"), "{text}");
    let (status, _, _) = request(
        &k,
        "POST",
        "/api/sim/card",
        "application/json",
        &json!({ "card": "../../etc/passwd" }).to_string(),
    );
    assert_eq!(status, 400);
    // The one-time notice: every missing item at once.
    api(
        &k,
        "POST",
        "/api/session/start",
        json!({ "business": "replace" }),
    );
    let mut page = screen(&k);
    for _ in 0..5 {
        if kind(&page) != "ask" {
            break;
        }
        page = api(
            &k,
            "POST",
            "/api/session/event",
            json!({ "action": "lack" }),
        );
    }
    assert_eq!(kind(&page), "notice", "{page}");
    assert!(!page["screen"]["items"].as_array().unwrap().is_empty());
}

#[test]
fn server_sent_events_tell_the_screen_a_card_arrived() {
    let k = serve();
    let mut s = TcpStream::connect(&k.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "GET /api/events HTTP/1.1\r\nHost: {}\r\nAccept: text/event-stream\r\n\r\n",
        k.addr
    )
    .unwrap();
    let mut reader = BufReader::new(s);
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    assert!(line.contains("200"), "{line}");
    api(
        &k,
        "POST",
        "/api/sim/card",
        json!({ "card": "v2-3des.toml" }),
    );
    let mut seen = String::new();
    for _ in 0..200 {
        line.clear();
        if reader.read_line(&mut line).is_err() {
            break;
        }
        seen.push_str(&line);
        if seen.contains("event: device") && seen.contains("card_present") {
            return;
        }
    }
    panic!("no device event: {seen}");
}

#[test]
fn the_hardware_panel_inserts_cards_and_shows_printed_receipts() {
    let k = serve();
    let (status, _, html) = request(&k, "GET", "/sim", "text/plain", "");
    assert_eq!(status, 200);
    assert!(
        html.contains("v2-3des.toml") && html.contains("long-term.toml"),
        "{html}"
    );
    let (status, head, _) = request(
        &k,
        "POST",
        "/sim/card",
        "application/x-www-form-urlencoded",
        "card=v2-3des.toml",
    );
    assert_eq!(status, 303, "{head}");
    api(
        &k,
        "POST",
        "/api/session/start",
        json!({ "business": "status" }),
    );
    wait_screen(&k, "confirmation", |p| kind(p) == "confirm");
    api(
        &k,
        "POST",
        "/api/session/event",
        json!({ "action": "confirm" }),
    );
    let page = api(
        &k,
        "POST",
        "/api/session/event",
        json!({ "action": "print" }),
    );
    assert_eq!(kind(&page), "done");
    let (_, _, html) = request(&k, "GET", "/sim", "text/plain", "");
    assert!(
        html.contains("*****0001"),
        "the printed receipt on the panel: {html}"
    );
    assert!(!html.contains("652301197508210015"), "{html}");
}

fn form(k: &Kiosk, path: &str, body: &str, cookie: Option<&str>) -> (u16, String, String) {
    request_with(
        k,
        "POST",
        path,
        "application/x-www-form-urlencoded",
        body,
        cookie,
    )
}

fn get_with_cookie(k: &Kiosk, path: &str, cookie: &str) -> (u16, String, String) {
    request_with(k, "GET", path, "text/plain", "", Some(cookie))
}

#[test]
fn the_technician_page_needs_a_login_and_shows_the_self_test() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("kiosk.toml");
    std::fs::write(
        &config,
        format!(
            "[[staff]]\nuser = \"tech\"\npassword_hash = \"{}\"\nroles = [\"technician\"]\n\n\
             [[staff]]\nuser = \"desk\"\npassword_hash = \"{}\"\nroles = [\"front_desk\"]\n",
            phc("correct horse"),
            phc("battery staple")
        ),
    )
    .unwrap();
    let db = dir.path().join("kiosk.db");
    let k = serve_with(&[
        "--config",
        config.to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
    ]);
    // The citizen's screens lead nowhere near the staff pages.
    for path in ["/", "/guide"] {
        let (status, _, page) = request(&k, "GET", path, "text/plain", "");
        assert_eq!(status, 200, "{path}");
        assert!(
            !page.contains("/staff/") && !page.contains("\"/staff\""),
            "{path} links to staff pages"
        );
    }
    // Not logged in: to the login page.
    let (status, head, _) = request(&k, "GET", "/staff/selftest", "text/plain", "");
    assert_eq!(status, 303, "{head}");
    assert!(
        head.to_lowercase().contains("location: /staff/login"),
        "{head}"
    );
    // A wrong password says so and sets no cookie.
    let (status, head, body) = login_post(&k, "user=tech&password=wrong");
    assert_eq!(status, 200);
    assert!(!head.contains("kiosk_staff="), "{head}");
    assert!(body.contains("wrong user or password"), "{body}");
    let body = without_token(&body);
    // A name that is no staff user gets the very same answer (it tells nothing about which
    // names exist), and so does a name of 10 000 characters, which is not audited in full.
    for user in ["nobody".to_string(), "x".repeat(10_000)] {
        let (status, head, other) = login_post(&k, &format!("user={user}&password=wrong"));
        assert_eq!(status, 200);
        assert!(!head.contains("kiosk_staff="), "{head}");
        assert_eq!(without_token(&other), body, "{} characters", user.len());
    }
    // The right one logs in with a cookie limited to /staff.
    let (status, head, _) = login_post(&k, "user=tech&password=correct+horse");
    assert_eq!(status, 303, "{head}");
    let cookie_line = head
        .lines()
        .find(|l| l.to_lowercase().starts_with("set-cookie:"))
        .expect("a session cookie");
    assert!(
        cookie_line.contains("HttpOnly")
            && cookie_line.contains("SameSite=Strict")
            && cookie_line.contains("Path=/staff"),
        "{cookie_line}"
    );
    let cookie = cookie_line
        .split_once(':')
        .unwrap()
        .1
        .split(';')
        .next()
        .unwrap()
        .trim()
        .to_string();
    let (status, _, page) = get_with_cookie(&k, "/staff/selftest", &cookie);
    assert_eq!(status, 200);
    assert!(
        page.contains("card reader") || page.contains("PSAM"),
        "{page}"
    );
    // Forms need the page's token.
    let (status, _, _) = form(&k, "/staff/logout", "csrf=forged", Some(&cookie));
    assert_eq!(status, 403);
    let csrf = page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("a csrf token")
        .to_string();
    let (status, _, _) = form(&k, "/staff/logout", &format!("csrf={csrf}"), Some(&cookie));
    assert_eq!(status, 303);
    let (status, _, _) = get_with_cookie(&k, "/staff/selftest", &cookie);
    assert_eq!(status, 303, "the session ended with the logout");
    // A front-desk user may not see the technician page.
    let (_, head, _) = login_post(&k, "user=desk&password=battery+staple");
    let desk = head
        .lines()
        .find(|l| l.to_lowercase().starts_with("set-cookie:"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.split(';').next().unwrap().trim().to_string())
        .expect("desk cookie");
    let (status, _, _) = get_with_cookie(&k, "/staff/selftest", &desk);
    assert_eq!(status, 403);
    // Five failures lock the user, even with the right password afterwards.
    for _ in 0..5 {
        login_post(&k, "user=tech&password=nope");
    }
    let (_, head, body) = login_post(&k, "user=tech&password=correct+horse");
    assert!(!head.contains("kiosk_staff="), "{head}");
    assert!(body.contains("too many failed logins"), "{body}");
    // Every staff action is in the audit log.
    drop(k);
    let out = Command::new(tests::workspace_bin("kiosk"))
        .args([
            "audit",
            "show",
            "--limit",
            "10000",
            "--json",
            "--db",
            db.to_str().unwrap(),
            "--key-file",
            kiosk_store::sqlite::key::beside(&db).to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&out.stdout);
    for action in [
        "staff.login",
        "staff.login_failed",
        "staff.selftest",
        "staff.logout",
        "staff.login_locked",
    ] {
        assert!(log.contains(action), "{action} not audited");
    }
    assert!(
        !log.contains(&"x".repeat(66)),
        "an over-long user name is audited cut short"
    );
}

#[test]
fn a_refusal_is_given_in_uyghur_on_a_uyghur_screen() {
    let k = serve();
    let (status, _, _) = request(&k, "GET", "/?lang=ug", "text/plain", "");
    assert_eq!(status, 200);
    // Lifting a loss report for a card that was never reported lost.
    api(
        &k,
        "POST",
        "/api/session/start",
        json!({ "business": "cancel_loss" }),
    );
    api(
        &k,
        "POST",
        "/api/sim/idcard",
        json!({ "person": "v2-3des.toml" }),
    );
    let page = wait_screen(&k, "the card prompt or the refusal", |p| {
        kind(p) == "refused" || p["screen"]["ask"]["kind"] == "card"
    });
    if kind(&page) != "refused" {
        api(
            &k,
            "POST",
            "/api/sim/card",
            json!({ "card": "v2-3des.toml" }),
        );
    }
    let page = wait_screen(&k, "the refusal", |p| kind(p) == "refused");
    assert_eq!(page["lang"], "ug", "{page}");
    let message = page["screen"]["message"].as_str().unwrap_or_default();
    let arabic = |c: char| ('\u{0600}'..='\u{06ff}').contains(&c);
    let han = |c: char| ('\u{4e00}'..='\u{9fff}').contains(&c);
    assert!(message.chars().any(arabic), "{message}");
    assert!(
        !message.chars().any(han),
        "Chinese on a Uyghur screen: {message}"
    );
    assert!(
        message.contains("نورمال"),
        "the card's state, in Uyghur: {message}"
    );
}

#[test]
fn nonsense_on_the_screens_routes_gets_the_error_screen_with_the_way_back() {
    let k = serve();
    for (method, path, ctype, body, status) in [
        (
            "POST",
            "/session/start",
            "application/x-www-form-urlencoded",
            "agent=1",
            422,
        ),
        (
            "POST",
            "/session/start",
            "text/plain",
            "business=status",
            415,
        ),
        (
            "POST",
            "/session/event",
            "application/json",
            "{\"action\":\"confirm\"}",
            415,
        ),
        ("GET", "/no/such/page", "text/plain", "", 404),
        (
            "POST",
            "/sim/card",
            "application/x-www-form-urlencoded",
            "slot=1",
            422,
        ),
    ] {
        let (got, head, html) = request(&k, method, path, ctype, body);
        assert_eq!(got, status, "{method} {path}: {head}");
        assert!(
            head.to_lowercase().contains("content-type: text/html"),
            "{method} {path}: {head}"
        );
        assert!(
            html.contains("href=\"/\""),
            "{method} {path}: no way back: {html}"
        );
        for raw in ["Failed to deserialize", "Content-Type", "missing field"] {
            assert!(!html.contains(raw), "{method} {path}: raw error {raw:?}");
        }
    }
    // Nothing was started.
    assert_eq!(kind(&screen(&k)), "home");
}

/// The screen is published by the session actor and read without it: while the actor waits
/// for the database (another connection holds its write lock, so the case a business opens
/// cannot be written yet), `/api/session`, `/api/devices`, the home screen and the guide all
/// answer at once; the business starts once the lock is let go.
#[test]
fn the_screen_is_read_while_the_session_waits_for_the_database() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("kiosk.db");
    let db_arg = db.to_string_lossy().to_string();
    let k = serve_with(&["--db", &db_arg]);
    let key = kiosk_store::sqlite::DbKey::load(&kiosk_store::sqlite::key::beside(&db))
        .expect("the sim's database key");
    let other = rusqlite::Connection::open(&db).expect("a second connection");
    key.apply(&other).expect("keyed");
    other
        .execute_batch("BEGIN IMMEDIATE")
        .expect("the write lock");
    std::thread::scope(|s| {
        let start = s.spawn(|| {
            k.json(
                "POST",
                "/api/session/start",
                &json!({ "business": "status" }),
            )
        });
        // Time for the start to reach the actor (which then waits up to the store's busy
        // timeout, 5 s, for the lock).
        std::thread::sleep(Duration::from_millis(300));
        assert_eq!(kind(&screen(&k)), "home", "the screen as it was");
        assert_eq!(api(&k, "GET", "/api/devices", Value::Null)["sim"], true);
        for path in ["/", "/guide"] {
            let (status, _, html) = request(&k, "GET", path, "text/plain", "");
            assert_eq!(status, 200, "{path}");
            assert!(html.starts_with("<!DOCTYPE html>"), "{path}: {html}");
        }
        assert!(
            !start.is_finished(),
            "the business start is still waiting for the database"
        );
        other.execute_batch("ROLLBACK").expect("the lock let go");
        let answer = start.join().expect("the start thread");
        assert_eq!(answer.status, 200, "{}", answer.body);
    });
    let page = screen(&k);
    assert_eq!(page["in_session"], true, "{page}");
}

/// The language and mode the page says it is in (`<html lang>`, `<body class="elderly">`).
fn page_prefs(html: &str) -> (String, bool) {
    let lang = html
        .split("<html lang=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or_default()
        .to_string();
    let elderly = html
        .split("<body")
        .nth(1)
        .and_then(|r| r.split('>').next())
        .is_some_and(|attrs| attrs.contains("class=\"elderly\""));
    (lang, elderly)
}

#[test]
fn language_and_elderly_mode_end_with_the_citizens_session() {
    let k = serve();
    let home = |k: &Kiosk| {
        let (status, _, body) = request(k, "GET", "/", "text/plain", "");
        assert_eq!(status, 200);
        page_prefs(&body)
    };
    assert_eq!(
        home(&k),
        ("zh-CN".to_string(), false),
        "the configured default"
    );

    // A citizen chooses Uyghur and elderly mode, starts a query and cancels it.
    let (status, _, body) = request(&k, "GET", "/?lang=ug&elderly=1", "text/plain", "");
    assert_eq!(status, 200);
    assert_eq!(page_prefs(&body), ("ug".to_string(), true));
    let page = api(
        &k,
        "POST",
        "/api/session/start",
        json!({ "business": "status" }),
    );
    assert_eq!(
        (page["lang"].as_str(), page["elderly"].as_bool()),
        (Some("ug"), Some(true)),
        "the choice lasts into the session: {page}"
    );
    let page = api(
        &k,
        "POST",
        "/api/session/event",
        json!({ "action": "cancel" }),
    );
    let page = k.home_after(page);
    assert_eq!(kind(&page), "home", "{page}");
    assert_eq!(
        (page["lang"].as_str(), page["elderly"].as_bool()),
        (Some("zh-CN"), Some(false)),
        "cancelled: the next citizen starts afresh: {page}"
    );
    assert_eq!(home(&k), ("zh-CN".to_string(), false));

    // Another in English, who finishes the query (done, rated): the same.
    request(&k, "GET", "/?lang=en&elderly=1", "text/plain", "");
    api(
        &k,
        "POST",
        "/api/session/start",
        json!({ "business": "status" }),
    );
    api(
        &k,
        "POST",
        "/api/sim/card",
        json!({ "card": "v2-3des.toml" }),
    );
    wait_screen(&k, "confirmation", |p| kind(p) == "confirm");
    let page = api(
        &k,
        "POST",
        "/api/session/event",
        json!({ "action": "confirm" }),
    );
    assert_eq!(kind(&page), "done", "{page}");
    assert_eq!(
        page["lang"], "en",
        "the result in the citizen's language: {page}"
    );
    let page = api(
        &k,
        "POST",
        "/api/session/event",
        json!({ "action": "rate", "level": 5 }),
    );
    let page = k.home_after(page);
    assert_eq!(kind(&page), "home", "{page}");
    assert_eq!(
        (page["lang"].as_str(), page["elderly"].as_bool()),
        (Some("zh-CN"), Some(false)),
        "rated: the next citizen starts afresh: {page}"
    );
    request(&k, "DELETE", "/api/sim/card", "text/plain", "");

    // Someone chooses Uyghur on the home screen and walks away: the attract screen the page
    // goes to after a while untouched is in the default again, and so is home after it.
    request(&k, "GET", "/?lang=ug&elderly=1", "text/plain", "");
    let (status, _, body) = request(&k, "GET", "/attract", "text/plain", "");
    assert_eq!(status, 200);
    assert_eq!(page_prefs(&body), ("zh-CN".to_string(), false));
    assert!(body.contains("data-attract"), "the attract screen");
    assert_eq!(home(&k), ("zh-CN".to_string(), false));
    // Its own language chips still choose.
    let (_, _, body) = request(&k, "GET", "/attract?lang=ug&elderly=0", "text/plain", "");
    assert_eq!(page_prefs(&body), ("ug".to_string(), false));
}

/// Whether the home screen offers first the businesses that begin with what was presented.
fn likely(k: &Kiosk) -> Option<String> {
    let s = screen(k);
    assert_eq!(s["screen"]["screen"], "home", "{s}");
    s["screen"]["likely"]["presented"]
        .as_str()
        .map(str::to_string)
}

#[test]
fn an_id_card_on_the_home_screen_offers_its_businesses_once() {
    let k = serve();
    assert_eq!(likely(&k), None);
    // An ID card read before any business: home offers the businesses that begin with it.
    // Left on the module (`hold`) until its thread has read it.
    api(
        &k,
        "POST",
        "/api/sim/idcard",
        json!({ "person": "v2-3des.toml", "hold": true }),
    );
    wait_screen(&k, "the ID card's businesses", |s| {
        s["screen"]["likely"]["presented"] == "id_card"
    });
    k.request("DELETE", "/api/sim/idcard", "text/plain", "");
    assert_eq!(likely(&k).as_deref(), Some("id_card"));
    // A session starts and ends: that ID card was its citizen's, not the next one's.
    api(
        &k,
        "POST",
        "/api/session/start",
        json!({ "business": "status" }),
    );
    let page = api(
        &k,
        "POST",
        "/api/session/event",
        json!({ "action": "cancel" }),
    );
    // The session ends on take_cards until the module has seen the card go (issue 22).
    k.home_after(page);
    assert_eq!(likely(&k), None);
}
