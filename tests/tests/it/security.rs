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
        let a = with_headers(
            &k,
            "POST",
            path,
            &["Sec-Fetch-Site: cross-site", ctype],
            body,
        );
        assert_eq!(a.status, 403, "{path} (cross-site): {}", a.head);
    }
    assert_eq!(tests::served::kind(&k.screen()), "home", "nothing started");
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
    }
    let a = with_headers(&k, "GET", "/api/session", &["Host: localhost"], "");
    assert_eq!(a.status, 200, "{}", a.head);
    let _ = json!({});
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
