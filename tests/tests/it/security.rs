//! The security probe's findings (issue 21), each reproduced against `kiosk serve --sim`:
//! headers on every answer, the Host and Origin checks, attacker text in the audit log, the
//! e-card QR, login floods, unbounded inputs, slow clients and the smaller items.

use serde_json::json;

use tests::served::{Answer, Served as Kiosk};

fn serve() -> Kiosk {
    Kiosk::start_workspace(&[])
}

/// A request with `headers` (each a whole `Name: value` line) added; `Host` is the kiosk's
/// address unless `headers` has one.
fn with_headers(k: &Kiosk, method: &str, path: &str, headers: &[&str], body: &str) -> Answer {
    let mut head = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    if !headers
        .iter()
        .any(|h| h.to_ascii_lowercase().starts_with("host:"))
    {
        head.push_str(&format!("Host: {}\r\n", k.addr));
    }
    for h in headers {
        head.push_str(h);
        head.push_str("\r\n");
    }
    if !body.is_empty() || method == "POST" {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    head.push_str(body);
    k.exchange(&head)
}

const FORM: &str = "Content-Type: application/x-www-form-urlencoded";
const JSON: &str = "Content-Type: application/json";

#[test]
fn every_answer_has_the_security_headers() {
    let k = serve();
    for (path, holds_data) in [
        ("/", true),
        ("/api/session", true),
        ("/staff/login", true),
        ("/guide", true),
        ("/api/devices", true),
        ("/no/such/page", true),
        ("/static/kiosk.js", false),
        ("/static/kiosk.css", false),
    ] {
        let a = k.get(path, None);
        let csp = a.header("content-security-policy").unwrap_or("");
        assert!(
            csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
            "{path}: {}",
            a.head
        );
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(
            a.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(a.header("referrer-policy"), Some("no-referrer"), "{path}");
        if holds_data {
            assert_eq!(
                a.header("cache-control"),
                Some("no-store"),
                "{path}: {}",
                a.head
            );
        }
    }
    // A refused request has them too.
    let a = with_headers(&k, "GET", "/", &["Host: evil.example"], "");
    assert!(a.header("content-security-policy").is_some(), "{}", a.head);
}

#[test]
fn pages_have_no_inline_script_or_style() {
    let k = serve();
    for path in ["/", "/staff/login", "/guide", "/suggest", "/sim"] {
        let body = k.get(path, None).body;
        for inline in [
            "<script>",
            "<style",
            " style=\"",
            " onclick=",
            " onload=",
            "javascript:",
        ] {
            assert!(!body.contains(inline), "{path} has {inline:?}");
        }
        for tag in body.split("<script").skip(1) {
            assert!(
                tag.trim_start().starts_with("src="),
                "{path}: inline script {tag:.80}"
            );
        }
    }
}

#[test]
fn a_foreign_origin_cannot_change_state() {
    let k = serve();
    let evil = "Origin: http://evil.example";
    for (path, ctype, body) in [
        ("/session/start", FORM, "business=status"),
        ("/session/event", FORM, "action=cancel"),
        ("/suggest", FORM, "text=hello"),
        ("/staff/login", FORM, "user=tech&password=x"),
        ("/staff-call", FORM, ""),
        ("/api/session/start", JSON, "{\"business\":\"status\"}"),
        ("/api/sim/card", JSON, "{\"card\":\"v2-3des.toml\"}"),
        ("/sim/card", FORM, "card=v2-3des.toml"),
    ] {
        let a = with_headers(&k, "POST", path, &[evil, ctype], body);
        assert_eq!(a.status, 403, "{path}: {}", a.head);
        if path.starts_with("/api/") {
            let e: serde_json::Value = serde_json::from_str(&a.body).expect("a JSON error body");
            assert_eq!(e["error"], "foreign_origin", "{path}: {}", a.body);
        }
        let a = with_headers(
            &k,
            "POST",
            path,
            &["Sec-Fetch-Site: cross-site", ctype],
            body,
        );
        assert_eq!(a.status, 403, "{path} (cross-site): {}", a.head);
    }
    let a = with_headers(
        &k,
        "POST",
        "/session/start",
        &["Origin: null", FORM],
        "business=status",
    );
    assert_eq!(a.status, 403, "an opaque origin: {}", a.head);
    assert_eq!(tests::served::kind(&k.screen()), "home", "nothing started");
    // The kiosk's own form under `no-referrer`: `Origin: null`, same-origin fetch.
    let a = with_headers(
        &k,
        "POST",
        "/session/event",
        &["Origin: null", "Sec-Fetch-Site: same-origin", FORM],
        "action=cancel",
    );
    assert_eq!(a.status, 303, "{}", a.head);
    // The kiosk's own pages still work.
    let own = format!("Origin: http://{}", k.addr);
    let a = with_headers(
        &k,
        "POST",
        "/session/start",
        &[&own, FORM],
        "business=status",
    );
    assert_eq!(a.status, 303, "{}", a.head);
    let a = with_headers(
        &k,
        "POST",
        "/api/session/event",
        &[&own, JSON],
        "{\"action\":\"cancel\"}",
    );
    assert_eq!(a.status, 200, "{}", a.head);
}

#[test]
fn a_rebound_host_name_is_refused() {
    let k = serve();
    for host in ["Host: evil.example", "Host: kiosk.attacker.example:8080"] {
        let a = with_headers(&k, "GET", "/api/session", &[host], "");
        assert_eq!(a.status, 421, "{host}: {}", a.head);
        assert!(!a.body.contains("screen"), "{}", a.body);
        // The API's one error body, as for any other API error.
        let e: serde_json::Value = serde_json::from_str(&a.body).expect("a JSON error body");
        assert_eq!(e["error"], "wrong_host", "{}", a.body);
    }
    // A page (not the API) is refused in plain words.
    let a = with_headers(&k, "GET", "/", &["Host: evil.example"], "");
    assert_eq!(a.status, 421, "{}", a.head);
    assert!(a.body.contains("is not this kiosk"), "{}", a.body);
    let a = with_headers(&k, "GET", "/api/session", &["Host: localhost"], "");
    assert_eq!(a.status, 200, "{}", a.head);
}

#[test]
fn the_login_form_needs_its_token_and_cookie() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("kiosk.toml");
    tests::staff::staff_config(&config, &[("tech", "correct horse", &["technician"])]);
    let k = Kiosk::start_workspace(&["--config", config.to_str().expect("utf-8 path")]);
    let fields = "user=tech&password=correct+horse";
    // No token, a forged one, a token without its cookie: refused, no session.
    let (token, cookie) = tests::staff::login_form(&k);
    for (body, cookie) in [
        (fields.to_string(), Some(cookie.as_str())),
        (format!("csrf=forged&{fields}"), Some(cookie.as_str())),
        (format!("csrf={token}&{fields}"), None),
        (format!("csrf={token}&{fields}"), Some("kiosk_login=other")),
    ] {
        let a = k.post_form("/staff/login", &body, cookie);
        assert_eq!(a.status, 403, "{body} {cookie:?}: {}", a.head);
        assert!(!a.head.contains("kiosk_staff="), "{}", a.head);
    }
    // With both, as the page posts it: logged in.
    let a = tests::staff::post_login(&k, fields);
    assert_eq!(a.status, 303, "{}", a.head);
    assert!(a.head.contains("kiosk_staff="), "{}", a.head);
}

/// A kiosk with a supervisor (`super` / `super pass`) and its database in `dir`.
fn with_supervisor(dir: &std::path::Path) -> (Kiosk, std::path::PathBuf) {
    let config = dir.join("kiosk.toml");
    tests::staff::staff_config(&config, &[("super", "super pass", &["supervisor"])]);
    let db = dir.join("kiosk.db");
    let k = Kiosk::start_workspace(&[
        "--config",
        config.to_str().expect("utf-8 path"),
        "--db",
        db.to_str().expect("utf-8 path"),
    ]);
    (k, db)
}

/// `kiosk audit show` (text, or `--json`) of the database `db`.
fn audit_show(db: &std::path::Path, json: bool) -> String {
    let key = kiosk_store::sqlite::key::beside(db);
    let mut args = vec![
        "audit",
        "show",
        "--limit",
        "10000",
        "--db",
        db.to_str().expect("utf-8 path"),
        "--key-file",
        key.to_str().expect("utf-8 path"),
    ];
    if json {
        args.push("--json");
    }
    let out = std::process::Command::new(tests::workspace_bin("kiosk"))
        .args(args)
        .output()
        .expect("kiosk audit show");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[test]
fn attacker_text_in_a_login_name_reaches_the_audit_log_as_a_pseudonym() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (k, db) = with_supervisor(dir.path());
    let forged = "x\r\n    99  2026-01-01 08:00:00  staff:boss  archive.seal  kiosk  {}\x1b[2J\x1b]0;owned\x07";
    let id_number = "652302199203140023";
    let password = "super pass";
    for name in [forged, id_number, password, "bidi\u{202E}gnp.exe"] {
        let a = tests::staff::post_login(&k, &format!("user={}&password=wrong", urlencode(name)));
        assert_eq!(a.status, 200, "{}", a.head);
    }
    // Twice the same unknown name: the same pseudonym, so attempts can be linked.
    tests::staff::post_login(&k, &format!("user={id_number}&password=wrong"));
    let cookie = tests::staff::login(&k, "super", "super pass");
    let page = k.get("/staff/audit", Some(&cookie));
    assert_eq!(page.status, 200);
    for bad in [
        id_number,
        "archive.seal  kiosk",
        "\x1b",
        "\u{202E}",
        "super pass",
    ] {
        assert!(!page.body.contains(bad), "/staff/audit shows {bad:?}");
    }
    drop(k);
    let text = audit_show(&db, false);
    for l in text.lines() {
        assert!(
            l.split_whitespace()
                .next()
                .is_some_and(|seq| seq.parse::<u64>().is_ok()),
            "a line that is no entry: {l:?}\n{text}"
        );
    }
    assert!(!text.contains("staff:boss"), "{text}");
    for bad in ['\x1b', '\x07', '\r', '\u{202E}'] {
        assert!(!text.contains(bad), "{bad:?} printed raw");
    }
    let json = audit_show(&db, true);
    for bad in [id_number, "password", "super pass", "owned", "gnp.exe"] {
        assert!(!json.contains(bad), "{bad:?} stored: {json}");
    }
    let failed: Vec<&str> = json
        .lines()
        .filter(|l| l.contains("\"actor\": \"staff:unknown:"))
        .collect();
    assert_eq!(failed.len(), 5, "{json}");
    assert_eq!(failed[1], failed[4], "the same name, the same pseudonym");
    assert_ne!(failed[0], failed[1]);
}

#[test]
fn a_staff_reason_is_cleaned_limited_and_masked() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (k, db) = with_supervisor(dir.path());
    reissue(&k);
    let cookie = tests::staff::login(&k, "super", "super pass");
    let page = k.get("/staff/applications", Some(&cookie));
    let csrf = tests::staff::csrf(&page.body);
    let case = page
        .body
        .split("name=\"case\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("an application of the demo registry")
        .to_string();
    let long = format!(
        "csrf={csrf}&case={case}&to=rejected&reasons={}",
        "x".repeat(3000)
    );
    let a = k.post_form("/staff/applications", &long, Some(&cookie));
    assert_eq!(a.status, 422, "{}", a.head);
    assert!(a.body.contains("3000"), "the page says how long it was");
    let id = format!(
        "csrf={csrf}&case={case}&to=rejected&reasons={}",
        urlencode("证件 6523011980-0101-0011\r\n\u{202E}")
    );
    let a = k.post_form("/staff/applications", &id, Some(&cookie));
    assert_eq!(a.status, 200, "{}", a.body);
    drop(k);
    let json = audit_show(&db, true);
    assert!(
        !json.contains(&"x".repeat(201)),
        "an over-long reason stored"
    );
    assert!(!json.contains("6523011980-0101-0011"), "{json}");
    assert!(
        json.contains("证件 652301********0011"),
        "the reason, masked: {json}"
    );
    assert!(
        !json.contains("\\u202e") && !json.contains('\u{202E}'),
        "{json}"
    );
}

/// 换发 for 马丽: an application for the staff to move.
fn reissue(k: &Kiosk) {
    k.post_json("/api/session/start", &json!({ "business": "reissue" }));
    k.post_json("/api/sim/idcard", &json!({ "person": "v3-sm4.toml" }));
    k.post_json("/api/sim/card", &json!({ "card": "v3-sm4.toml" }));
    let page = k.wait_screen("the identity step", |p| tests::served::kind(p) == "face");
    assert_eq!(page["screen"]["face"]["face"], "consent", "{page}");
    let page = k.pass_identity();
    assert_eq!(tests::served::kind(&page), "confirm", "{page}");
    let page = k.confirm(&page);
    assert_eq!(tests::served::kind(&page), "done", "{page}");
    k.post_json(
        "/api/session/event",
        &json!({ "action": "rate", "level": 5 }),
    );
    let r = k.request("DELETE", "/api/sim/card", "application/json", "{}");
    assert!(r.status < 400, "{}", r.body);
}

/// Every run of 15 or more digits (an ID number is 18, an old one 15) in `text`.
fn long_digit_runs(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_ascii_digit())
        .filter(|r| r.len() >= 15)
        .map(str::to_string)
        .collect()
}

/// `text` and every base64url-looking part of it decoded.
fn with_decoded(text: &str) -> String {
    use base64::Engine;
    let mut all = text.to_string();
    for part in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_')) {
        if part.len() >= 16 {
            if let Ok(bytes) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(part) {
                all.push('\n');
                all.push_str(&String::from_utf8_lossy(&bytes));
            }
        }
    }
    all
}

#[test]
fn the_ecard_qr_names_no_one() {
    let k = serve();
    k.post_json("/api/session/start", &json!({ "business": "ecard" }));
    k.post_json("/api/sim/idcard", &json!({ "person": "v2-3des.toml" }));
    k.wait_screen("confirm", |p| tests::served::kind(p) == "confirm");
    let done = k.post_json("/api/session/event", &json!({ "action": "confirm" }));
    assert_eq!(tests::served::kind(&done), "done", "{done}");
    let qr = done["screen"]["ecard_qr"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(qr.starts_with("SSEC2."), "an activation code: {done}");
    for answer in [
        done.to_string(),
        k.get("/api/session", None).body,
        k.get("/session", None).body,
    ] {
        let all = with_decoded(&answer);
        if !answer.starts_with("<!DOCTYPE") {
            assert!(all.contains("\"tid\""), "the code was decoded: {all}");
        }
        assert_eq!(long_digit_runs(&all), Vec::<String>::new(), "{all}");
        assert!(!all.contains("A00000001"), "the card number: {all}");
    }
    // The code expires: its payload says when.
    let payload = with_decoded(&qr);
    assert!(payload.contains("\"exp\":"), "{payload}");
    // The holder's dynamic code (version 2) names no one either, and still identifies them.
    k.post_json("/api/session/event", &json!({ "action": "finish" }));
    k.post_json("/api/session/start", &json!({ "business": "report_loss" }));
    let code = k.api(
        "GET",
        "/api/sim/ecard-qr?person=v2-3des.toml",
        serde_json::Value::Null,
    );
    let dynamic = code["qr"].as_str().unwrap_or("").to_string();
    assert!(dynamic.starts_with("SSEQ2."), "{code}");
    assert_eq!(
        long_digit_runs(&with_decoded(&dynamic)),
        Vec::<String>::new()
    );
    // 6.1.3.2 a): the e-card stands in for the ID card nowhere (issue 17): scanned where the
    // ID card is asked, the code is refused for what it is not, and the page names no one.
    k.post_json("/api/sim/qr", &json!({ "text": dynamic }));
    let page = k.wait_screen("the e-card refused", |p| !p["screen"]["problem"].is_null());
    assert_eq!(page["screen"]["ask"]["kind"], "id_card", "{page}");
    assert!(
        page["screen"]["problem"]
            .as_str()
            .unwrap_or("")
            .contains("居民身份证"),
        "{page}"
    );
    assert!(!page.to_string().contains("652301********0015"), "{page}");
}

#[test]
fn a_login_flood_is_bounded_and_memory_returns() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("kiosk.toml");
    tests::staff::staff_config(&config, &[("super", "super pass", &["supervisor"])]);
    let k = Kiosk::start_workspace(&["--config", config.to_str().expect("utf-8 path")]);
    let f = tests::flood::flood(&k, 8, 15, std::time::Duration::from_secs(2));
    eprintln!(
        "RSS idle {} KiB, end {} KiB, after {} KiB; {:?}; /api/session {}",
        f.rss_idle_kib,
        f.rss_end_kib,
        f.rss_after_kib,
        f.statuses,
        f.session.p50_p99()
    );
    let total: usize = f.statuses.values().sum();
    assert_eq!(total, 120, "{:?}", f.statuses);
    // The waiting room and the failure budget hold: most get 429 at once, none an error.
    assert!(
        f.statuses.get(&429).copied().unwrap_or(0) > 0,
        "{:?}",
        f.statuses
    );
    assert!(
        f.statuses.keys().all(|s| matches!(s, 200 | 429)),
        "{:?}",
        f.statuses
    );
    assert!(
        f.rss_after_kib <= 2 * f.rss_idle_kib,
        "memory after the flood {} KiB, idle {} KiB",
        f.rss_after_kib,
        f.rss_idle_kib
    );
    // The screen answered all along.
    assert!(!f.session.is_empty());
    // And a staff member still logs in once the budget refills.
    std::thread::sleep(tests::flood::FAILURE_REFILL);
    tests::staff::login(&k, "super", "super pass");
}

#[test]
fn rating_reasons_are_codes_and_comments_are_cleaned() {
    let k = serve();
    k.post_json("/api/session/start", &json!({ "business": "status" }));
    // 6.1.3.2 a): the ID card original first (issue 17).
    k.post_json("/api/sim/idcard", &json!({ "person": "v2-3des.toml" }));
    k.wait_screen("the card asked", |p| p["screen"]["ask"]["kind"] == "card");
    k.post_json("/api/sim/card", &json!({ "card": "v2-3des.toml" }));
    k.wait_screen("confirm", |p| tests::served::kind(p) == "confirm");
    let done = k.post_json("/api/session/event", &json!({ "action": "confirm" }));
    assert_eq!(tests::served::kind(&done), "done", "{done}");
    let many: Vec<String> = vec!["x".repeat(450); 2000];
    for body in [
        json!({ "action": "rate", "level": 1, "reasons": many }),
        json!({ "action": "rate", "level": 1, "reasons": ["slow", "free text"] }),
        json!({ "action": "rate", "level": 1, "comment": "长".repeat(501) }),
    ] {
        let a = k.json("POST", "/api/session/event", &body);
        assert_eq!(a.status, 422, "{}", a.body);
    }
    // The form the same way, with the error screen.
    let a = k.post_form("/session/event", "action=rate&level=1&reasons=nope", None);
    assert_eq!(a.status, 422, "{}", a.head);
    assert!(a.body.starts_with("<!DOCTYPE html>"));
    let page = k.post_json(
        "/api/session/event",
        &json!({ "action": "rate", "level": 1, "reasons": ["slow", "slow"],
                 "comment": "bad\u{1b}[31m\r\n\u{202E}call 138 1234 5678" }),
    );
    assert_eq!(
        tests::served::kind(&k.home_after(page.clone())),
        "home",
        "{page}"
    );
}

#[test]
fn sim_on_a_network_address_is_refused() {
    let mut child = std::process::Command::new(tests::workspace_bin("kiosk"))
        .args(["serve", "--sim", "--listen", "0.0.0.0:0", "--root"])
        .arg(tests::kiosk::root())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("kiosk serve");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break Some(s);
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let status = status.expect("kiosk serve --sim on 0.0.0.0 kept running");
    assert!(!status.success());
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut err)
        .expect("stderr");
    assert!(err.contains("loopback"), "{err}");
}

#[test]
fn the_smaller_items() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (k, _db) = with_supervisor(dir.path());
    // An unknown business on the form: the error screen with a 4xx.
    let a = k.post_form("/session/start", "business=nope", None);
    assert_eq!(a.status, 422, "{}", a.head);
    assert!(a.body.starts_with("<!DOCTYPE html>"));
    // An over-long scan is refused at once.
    let t = std::time::Instant::now();
    let a = k.json("POST", "/api/sim/qr", &json!({ "text": "x".repeat(5000) }));
    assert_eq!(a.status, 413, "{}", a.body);
    assert!(
        t.elapsed() < std::time::Duration::from_secs(5),
        "refused at once"
    );
    // A new login ends the user's previous session.
    let first = tests::staff::login(&k, "super", "super pass");
    assert_eq!(k.get("/staff", Some(&first)).status, 200);
    let second = tests::staff::login(&k, "super", "super pass");
    assert_eq!(k.get("/staff", Some(&second)).status, 200);
    assert_eq!(
        k.get("/staff", Some(&first)).status,
        303,
        "the old session ended"
    );
}

#[test]
fn slow_header_connections_are_closed() {
    use std::io::{Read, Write};
    let k = serve();
    let slow: Vec<std::net::TcpStream> = (0..100)
        .filter_map(|_| {
            let mut s = std::net::TcpStream::connect(&k.addr).ok()?;
            s.write_all(b"GET /api/session HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
                .ok()?;
            Some(s)
        })
        .collect();
    assert_eq!(slow.len(), 100);
    // Beyond the per-client cap, connections are closed at once; the kiosk still answers
    // once the slow ones are gone.
    std::thread::sleep(std::time::Duration::from_secs(12));
    for mut s in slow {
        s.set_read_timeout(Some(std::time::Duration::from_secs(5)))
            .expect("timeout");
        let mut buf = [0u8; 256];
        match s.read(&mut buf) {
            Ok(n) => assert!(
                n == 0 || String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 408"),
                "{:?}",
                String::from_utf8_lossy(&buf[..n])
            ),
            Err(e) => assert!(
                !matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ),
                "still open: {e}"
            ),
        }
    }
    assert_eq!(k.get("/api/session", None).status, 200);
}
