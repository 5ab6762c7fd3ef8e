//! The OpenAPI document at `GET /api/openapi.json` against the running service: it is
//! OpenAPI 3.1, it lists exactly the JSON routes the service answers (each with exactly its
//! methods), and every answer of the API, good or bad input, fits the schema the document
//! gives for its status.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde_json::{json, Value};
use tests::served::{Answer as Reply, Served as Kiosk};

const METHODS: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

fn document(k: &Kiosk) -> Value {
    let r = k.request_raw("GET", "/api/openapi.json", None, None, b"");
    assert_eq!(r.status, 200, "{r:?}");
    assert!(
        r.header("content-type")
            .is_some_and(|c| c.starts_with("application/json")),
        "{}",
        r.head
    );
    serde_json::from_str(&r.body).expect("the document is JSON")
}

/// `(METHOD, path)` of every operation in the document.
fn operations(doc: &Value) -> BTreeSet<(String, String)> {
    let mut ops = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            let m = method.to_uppercase();
            if METHODS.contains(&m.as_str()) || m == "TRACE" {
                ops.insert((m, path.clone()));
            }
        }
    }
    ops
}

/// Every `$ref` in `v`.
fn refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                match (k.as_str(), x) {
                    ("$ref", Value::String(r)) => out.push(r.clone()),
                    _ => refs(x, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
        _ => {}
    }
}

/// The schemas made strict for the tests: an object schema with properties admits no other
/// property, so an answer carrying a field the document does not describe fails.
fn strict(v: &mut Value) {
    match v {
        Value::Object(m) => {
            if m.contains_key("properties") && !m.contains_key("additionalProperties") {
                m.insert("additionalProperties".into(), Value::Bool(false));
            }
            m.values_mut().for_each(strict);
        }
        Value::Array(a) => a.iter_mut().for_each(strict),
        _ => {}
    }
}

/// A validator for one schema of the document, its `#/components/...` references resolved
/// against the document's components.
fn validator(doc: &Value, schema: &Value) -> jsonschema::Validator {
    let mut root = schema.clone();
    let mut components = doc["components"].clone();
    strict(&mut components);
    strict(&mut root);
    match &mut root {
        Value::Object(m) => {
            m.insert("components".into(), components);
        }
        Value::Bool(_) => {}
        other => panic!("not a schema: {other}"),
    }
    jsonschema::draft202012::new(&root).unwrap_or_else(|e| panic!("schema {schema}: {e}"))
}

/// Checks an answer against the document: its status is documented for the operation, its
/// content type is the documented one, and a JSON body fits the documented schema. Returns
/// the body as JSON.
fn check(doc: &Value, method: &str, path: &str, r: &Reply) -> Value {
    assert!(r.status < 500, "{method} {path}: {} {}", r.status, r.body);
    let op = &doc["paths"][path][method.to_lowercase()];
    assert!(op.is_object(), "{method} {path} is not in the document");
    let response = &op["responses"][r.status.to_string()];
    assert!(
        response.is_object(),
        "{method} {path}: status {} is not documented ({})",
        r.status,
        r.body
    );
    let content = response["content"].as_object().expect("documented content");
    let ctype = r.header("content-type").unwrap_or("");
    let (media, spec) = content
        .iter()
        .find(|(m, _)| ctype.starts_with(m.as_str()))
        .unwrap_or_else(|| panic!("{method} {path}: content type {ctype:?} not documented"));
    if media != "application/json" {
        return Value::Null;
    }
    let body: Value = serde_json::from_str(&r.body)
        .unwrap_or_else(|e| panic!("{method} {path}: not JSON ({e}): {}", r.body));
    let v = validator(doc, &spec["schema"]);
    let errors: Vec<String> = v
        .iter_errors(&body)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{method} {path} {}: the body does not fit the document:\n{}\n{body}",
        r.status,
        errors.join("\n")
    );
    body
}

/// A JSON request, checked against the document.
fn call(k: &Kiosk, doc: &Value, method: &str, path: &str, body: Value) -> (u16, Value) {
    let r = k.json(method, path, &body);
    (r.status, check(doc, method, path, &r))
}

/// A request with a raw body and content type, checked against the document.
fn raw(k: &Kiosk, doc: &Value, path: &str, ctype: Option<&str>, body: &[u8]) -> (u16, Value) {
    let r = k.request_raw("POST", path, ctype, None, body);
    (r.status, check(doc, "POST", path, &r))
}

fn kind(page: &Value) -> &str {
    page["screen"]["screen"].as_str().unwrap_or("")
}

/// Waits until `GET /api/session` satisfies `ok` (the card watcher polls the reader).
fn wait_page(k: &Kiosk, doc: &Value, what: &str, ok: impl Fn(&Value) -> bool) -> Value {
    let mut page = Value::Null;
    for _ in 0..100 {
        page = call(k, doc, "GET", "/api/session", Value::Null).1;
        if ok(&page) {
            return page;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("timed out waiting for {what}: {page}");
}

#[test]
fn the_document_is_openapi_3_1_and_the_one_the_code_generates() {
    let k = Kiosk::start_workspace(&[]);
    let doc = document(&k);
    let served = k
        .request_raw("GET", "/api/openapi.json", None, None, b"")
        .body;
    assert_eq!(
        served,
        kiosk_service::openapi::document_json(),
        "the service serves the document the code generates"
    );

    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1.")),
        "{}",
        doc["openapi"]
    );
    for field in ["title", "version"] {
        assert!(
            doc["info"][field].as_str().is_some_and(|s| !s.is_empty()),
            "info.{field}"
        );
    }
    let tags: BTreeSet<&str> = doc["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .map(|t| t["name"].as_str().expect("tag name"))
        .collect();
    let mut operation_ids = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        assert!(path.starts_with("/api/"), "{path}");
        for (key, op) in item.as_object().expect("path item") {
            assert!(
                [
                    "get",
                    "put",
                    "post",
                    "delete",
                    "options",
                    "head",
                    "patch",
                    "trace",
                    "summary",
                    "description",
                    "parameters",
                    "servers",
                ]
                .contains(&key.as_str()),
                "{path}: {key} is not a path item field"
            );
            let Some(op) = op.as_object() else { continue };
            let id = op["operationId"].as_str().expect("operationId");
            assert!(operation_ids.insert(id), "operationId {id} twice");
            for t in op["tags"].as_array().into_iter().flatten() {
                assert!(tags.contains(t.as_str().unwrap_or("")), "{path}: tag {t}");
            }
            if let Some(body) = op.get("requestBody") {
                let content = body["content"].as_object().expect("requestBody.content");
                assert!(!content.is_empty(), "{path} {key}: empty requestBody");
                for (media, m) in content {
                    assert!(m["schema"].is_object(), "{path} {key} {media}: no schema");
                }
            }
            let responses = op["responses"].as_object().expect("responses");
            assert!(!responses.is_empty(), "{path} {key}: no responses");
            for (status, r) in responses {
                assert!(
                    status == "default"
                        || (status.len() == 3
                            && status.parse::<u16>().is_ok_and(|s| (100..600).contains(&s))),
                    "{path} {key}: status {status}"
                );
                assert!(r["description"].is_string(), "{path} {key} {status}");
                for (media, m) in r["content"].as_object().into_iter().flatten() {
                    assert!(m["schema"].is_object(), "{path} {key} {status} {media}");
                }
                if status.starts_with('4') || status.starts_with('5') {
                    assert_eq!(
                        r["content"]["application/json"]["schema"]["$ref"],
                        "#/components/schemas/ApiError",
                        "{path} {key} {status}: errors have the one error body"
                    );
                }
            }
        }
    }

    // Every reference resolves, and every schema is a valid JSON Schema 2020-12 (the
    // dialect of OpenAPI 3.1).
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(!all.is_empty());
    for r in &all {
        let pointer = r
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("{r}: not local"));
        assert!(doc.pointer(pointer).is_some(), "{r} does not resolve");
    }
    let schemas = doc["components"]["schemas"].as_object().expect("schemas");
    for (name, schema) in schemas {
        let mut with_dialect = schema.clone();
        with_dialect["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
        if let Err(e) = jsonschema::meta::validate(&with_dialect) {
            panic!("{name}: not a JSON Schema 2020-12: {e}");
        }
        validator(&doc, schema);
    }
    for name in ["Page", "Screen", "Input", "Start", "ApiError", "ErrorCode"] {
        assert!(schemas.contains_key(name), "{name} missing");
    }

    // The checks below are not vacuous: a real page fits, the same page with a field the
    // document does not know, a missing field or a wrong tag does not.
    let page = k.request_raw("GET", "/api/session", None, None, b"");
    let page: Value = serde_json::from_str(&page.body).expect("page");
    let v = validator(&doc, &json!({ "$ref": "#/components/schemas/Page" }));
    assert!(v.is_valid(&page), "{page}");
    let mut extra = page.clone();
    extra["screen"]["surprise"] = json!(1);
    assert!(!v.is_valid(&extra), "an undocumented field passed");
    let mut missing = page.clone();
    missing.as_object_mut().unwrap().remove("title");
    assert!(!v.is_valid(&missing), "a missing field passed");
    let mut tag = page.clone();
    tag["screen"]["screen"] = json!("teleport");
    assert!(!v.is_valid(&tag), "an unknown screen passed");
}

#[test]
fn the_document_lists_exactly_the_routes_the_service_answers() {
    let k = Kiosk::start_workspace(&[]);
    let doc = document(&k);
    let documented = operations(&doc);

    // The code's own list (from the same router) is the served one.
    let from_code: BTreeSet<(String, String)> = kiosk_service::openapi::documented_routes()
        .into_iter()
        .collect();
    assert_eq!(documented, from_code);
    assert!(
        documented.iter().all(|(_, p)| !p.starts_with("/api/sim")),
        "the simulator's controls are not part of the API: {documented:?}"
    );

    // Each documented path answers its documented methods and only those: any other method
    // is a 405 with the JSON error body and an `Allow` header naming exactly the documented
    // ones (HEAD comes with GET).
    let paths: BTreeSet<&String> = documented.iter().map(|(_, p)| p).collect();
    for path in paths {
        let mut allowed: BTreeSet<String> = documented
            .iter()
            .filter(|(_, p)| p == path)
            .map(|(m, _)| m.clone())
            .collect();
        if allowed.contains("GET") {
            allowed.insert("HEAD".into());
        }
        for method in METHODS {
            if allowed.contains(method) {
                let r = if path == "/api/events" {
                    k.head_only(method, path)
                } else {
                    k.request_raw(method, path, Some("application/json"), None, b"")
                };
                assert!(
                    ![404, 405].contains(&r.status) && r.status < 500,
                    "{method} {path} is documented but answers {}: {}",
                    r.status,
                    r.body
                );
                if method != "HEAD" && path != "/api/events" {
                    check(&doc, method, path, &r);
                }
            } else {
                let r = k.request_raw(method, path, Some("application/json"), None, b"{}");
                assert_eq!(
                    r.status, 405,
                    "{method} {path} is not documented but answers: {r:?}"
                );
                let allow: BTreeSet<String> = r
                    .header("allow")
                    .unwrap_or("")
                    .split(',')
                    .map(|m| m.trim().to_string())
                    .filter(|m| !m.is_empty())
                    .collect();
                assert_eq!(allow, allowed, "{method} {path}: Allow");
                if method != "HEAD" {
                    let body: Value = serde_json::from_str(&r.body).expect("JSON 405 body");
                    let schema = json!({ "$ref": "#/components/schemas/ApiError" });
                    assert!(validator(&doc, &schema).is_valid(&body), "{body}");
                    assert_eq!(body["error"], "method_not_allowed");
                }
            }
        }
    }

    // A path under /api that the document does not list does not exist: 404, JSON error.
    for path in [
        "/api/nope",
        "/api/session/nope",
        "/api/openapi.yaml",
        "/api/",
    ] {
        let r = k.request_raw("GET", path, None, None, b"");
        assert_eq!(r.status, 404, "{path}: {r:?}");
        let body: Value = serde_json::from_str(&r.body).expect("JSON 404 body");
        assert_eq!(body["error"], "not_found", "{path}");
    }
}

/// The source of the HTTP layer registers no `/api` route past the documented router: every
/// `.route(`/`.nest(` call naming an `/api/` path is one of the simulator's controls. (The
/// documented ones are registered by `routes!` from their `#[utoipa::path]`, with no path
/// literal of their own.)
#[test]
fn no_api_route_is_registered_around_the_document() {
    let mut sources = Vec::new();
    let mut dirs = vec![tests::kiosk::root().join("kiosk-host/service/src")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("server sources") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                sources.push(path);
            }
        }
    }
    assert!(sources.len() > 10, "{sources:?}");
    let mut found = BTreeMap::new();
    for path in sources {
        let text = std::fs::read_to_string(&path).expect("source");
        for call in [".route(", ".nest(", ".route_service(", ".nest_service("] {
            for (at, _) in text.match_indices(call) {
                let rest = text[at + call.len()..].trim_start();
                let Some(lit) = rest.strip_prefix('"') else {
                    continue;
                };
                let route = lit.split('"').next().unwrap_or("");
                if route.starts_with("/api") && !route.starts_with("/api/sim/") {
                    found.insert(route.to_string(), path.display().to_string());
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "JSON routes registered without their OpenAPI entry (use `routes!` in `openapi::api`): \
         {found:?}"
    );
}

#[test]
fn every_answer_of_a_business_fits_the_document() {
    let k = Kiosk::start_workspace(&[]);
    let doc = document(&k);

    // The read-only routes.
    let (_, home) = call(&k, &doc, "GET", "/api/session", Value::Null);
    assert_eq!(kind(&home), "home", "{home}");
    let (_, guide) = call(&k, &doc, "GET", "/api/guide", Value::Null);
    assert!(!guide.as_array().expect("guide").is_empty());
    let (_, devices) = call(&k, &doc, "GET", "/api/devices", Value::Null);
    assert_eq!(devices["sim"], true);

    // A status query, start to rating.
    let (status, page) = call(
        &k,
        &doc,
        "POST",
        "/api/session/start",
        json!({ "business": "status" }),
    );
    assert_eq!((status, kind(&page)), (200, "ask"), "{page}");
    // 6.1.3.2 a): the ID card first, then the card.
    let r = k.json(
        "POST",
        "/api/sim/idcard",
        &json!({ "person": "v2-3des.toml" }),
    );
    assert!(r.status < 300, "{r:?}");
    wait_page(&k, &doc, "the card asked for", |p| {
        p["screen"]["ask"]["kind"] == "card"
    });
    let r = k.json("POST", "/api/sim/card", &json!({ "card": "v2-3des.toml" }));
    assert!(r.status < 300, "{r:?}");
    wait_page(&k, &doc, "confirmation", |p| kind(p) == "confirm");
    let (_, devices) = call(&k, &doc, "GET", "/api/devices", Value::Null);
    assert_eq!(devices["card_present"], true);
    // An action this screen does not take: the page again, with its problem.
    let (status, page) = call(
        &k,
        &doc,
        "POST",
        "/api/session/event",
        json!({ "action": "teleport" }),
    );
    assert_eq!((status, kind(&page)), (200, "confirm"), "{page}");
    let (_, page) = call(
        &k,
        &doc,
        "POST",
        "/api/session/event",
        json!({ "action": "confirm" }),
    );
    assert_eq!(kind(&page), "done", "{page}");
    // A rating of the wrong type is refused before it reaches the session.
    let (status, err) = call(
        &k,
        &doc,
        "POST",
        "/api/session/event",
        json!({ "action": "rate", "level": "five" }),
    );
    assert_eq!((status, &err["field"]), (422, &json!("level")), "{err}");
    let (status, err) = call(
        &k,
        &doc,
        "POST",
        "/api/session/event",
        json!({ "action": "rate", "level": 300 }),
    );
    assert_eq!((status, &err["field"]), (422, &json!("level")), "{err}");
    let (_, page) = call(
        &k,
        &doc,
        "POST",
        "/api/session/event",
        json!({ "action": "rate", "level": 4 }),
    );
    assert_eq!(kind(&k.home_after(page.clone())), "home", "{page}");

    // No session: an action is a conflict; cancelling is harmless.
    let (status, err) = call(
        &k,
        &doc,
        "POST",
        "/api/session/event",
        json!({ "action": "confirm" }),
    );
    assert_eq!(
        (status, &err["error"]),
        (409, &json!("no_session")),
        "{err}"
    );
    let (status, page) = call(
        &k,
        &doc,
        "POST",
        "/api/session/event",
        json!({ "action": "cancel" }),
    );
    assert_eq!((status, kind(&page)), (200, "home"));

    // A loss report up to its confirmation, then cancelled.
    let (_, page) = call(
        &k,
        &doc,
        "POST",
        "/api/session/start",
        json!({ "business": "report_loss" }),
    );
    assert_eq!(kind(&page), "ask", "{page}");
    let r = k.json(
        "POST",
        "/api/sim/idcard",
        &json!({ "person": "v2-3des.toml" }),
    );
    assert!(r.status < 300, "{r:?}");
    wait_page(&k, &doc, "confirmation", |p| kind(p) == "confirm");
    let (_, page) = call(
        &k,
        &doc,
        "POST",
        "/api/session/event",
        json!({ "action": "cancel" }),
    );
    assert_eq!(kind(&k.home_after(page.clone())), "home", "{page}");

    // The one-time notice (every missing material at once).
    call(
        &k,
        &doc,
        "POST",
        "/api/session/start",
        json!({ "business": "replace" }),
    );
    let mut page = Value::Null;
    for _ in 0..5 {
        page = call(
            &k,
            &doc,
            "POST",
            "/api/session/event",
            json!({ "action": "lack" }),
        )
        .1;
        if kind(&page) != "ask" {
            break;
        }
    }
    assert_eq!(kind(&page), "notice", "{page}");
    call(
        &k,
        &doc,
        "POST",
        "/api/session/event",
        json!({ "action": "cancel" }),
    );
}

#[test]
fn bad_requests_get_the_error_body_and_never_a_5xx() {
    let k = Kiosk::start_workspace(&[]);
    let doc = document(&k);
    let start = "/api/session/start";
    let event = "/api/session/event";
    let json = Some("application/json");
    let expect = |(status, body): (u16, Value), want: u16, code: &str, field: Option<&str>| {
        assert_eq!(status, want, "{body}");
        assert_eq!(body["error"], code, "{body}");
        assert_eq!(body["field"].as_str(), field, "{body}");
        assert!(
            body["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{body}"
        );
    };

    // Not JSON at all, cut short, empty.
    expect(
        raw(&k, &doc, start, json, b"{\"business\": "),
        400,
        "bad_json",
        None,
    );
    expect(
        raw(&k, &doc, start, json, b"business=status"),
        400,
        "bad_json",
        None,
    );
    expect(raw(&k, &doc, start, json, b""), 400, "bad_json", None);
    expect(raw(&k, &doc, event, json, b"{]"), 400, "bad_json", None);
    expect(
        raw(&k, &doc, event, json, b"\xff\xfe"),
        400,
        "bad_json",
        None,
    );
    // Not sent as JSON.
    expect(
        raw(&k, &doc, start, None, b"{\"business\": \"status\"}"),
        415,
        "unsupported_media_type",
        None,
    );
    expect(
        raw(
            &k,
            &doc,
            event,
            Some("text/plain"),
            b"{\"action\": \"cancel\"}",
        ),
        415,
        "unsupported_media_type",
        None,
    );
    // JSON of the wrong shape.
    expect(
        call(&k, &doc, "POST", start, json!({})),
        422,
        "invalid_body",
        Some("business"),
    );
    expect(
        call(&k, &doc, "POST", start, json!({ "business": 5 })),
        422,
        "invalid_body",
        Some("business"),
    );
    expect(
        call(
            &k,
            &doc,
            "POST",
            start,
            json!({ "business": "status", "agent": true }),
        ),
        422,
        "invalid_body",
        Some("agent"),
    );
    expect(
        call(&k, &doc, "POST", start, json!("status")),
        422,
        "invalid_body",
        None,
    );
    expect(
        call(&k, &doc, "POST", event, json!({ "action": 1 })),
        422,
        "invalid_body",
        Some("action"),
    );
    expect(
        call(&k, &doc, "POST", event, json!({ "reasons": "all" })),
        422,
        "invalid_body",
        Some("reasons"),
    );
    expect(
        call(&k, &doc, "POST", event, json!(null)),
        422,
        "invalid_body",
        None,
    );
    // Well-formed, but no such business, or refused.
    expect(
        call(&k, &doc, "POST", start, json!({ "business": "teleport" })),
        422,
        "unknown_business",
        Some("business"),
    );
    let (status, body) = call(
        &k,
        &doc,
        "POST",
        start,
        json!({ "business": "pin_reset", "agent": "1" }),
    );
    assert_eq!((status, &body["error"]), (422, &json!("refused")), "{body}");
    assert!(
        body["message"].as_str().unwrap_or("").contains("agent"),
        "{body}"
    );
    // Too large.
    let big = format!("{{\"business\": \"{}\"}}", "x".repeat(3 << 20));
    expect(
        raw(&k, &doc, start, json, big.as_bytes()),
        413,
        "too_large",
        None,
    );

    // After all that, the kiosk still works.
    let (status, page) = call(&k, &doc, "POST", start, json!({ "business": "status" }));
    assert_eq!((status, kind(&page)), (200, "ask"), "{page}");
}

/// Schemathesis finding (ST202, "schema-valid request rejected"): the document gave the
/// rating `level` no maximum, so `2147483646` fitted the schema and the service refused it
/// (422: it is a byte); then `96.0`, an integer to JSON Schema, refused as a float. The
/// document and the service agree now at the edges: what the
/// schema admits is never refused as a bad body, and what the service refuses as a bad body
/// does not fit the schema.
#[test]
fn the_input_schema_admits_exactly_the_levels_the_service_takes() {
    let k = Kiosk::start_workspace(&[]);
    let doc = document(&k);
    let input = json!({ "$ref": "#/components/schemas/Input" });
    let schema = validator(&doc, &input);
    let event = "/api/session/event";
    for level in [json!(0), json!(1), json!(5), json!(5.0), json!(255)] {
        let body = json!({ "action": "rate", "level": level });
        assert!(schema.is_valid(&body), "the document refuses level {level}");
        let (status, answer) = call(&k, &doc, "POST", event, body);
        // No session is open: the input is well formed, and refused only for that.
        assert_eq!(status, 409, "level {level}: {answer}");
        assert_eq!(answer["error"], "no_session", "level {level}: {answer}");
    }
    for level in [json!(-1), json!(256), json!(2147483646_i64), json!(5.5)] {
        let body = json!({ "action": "rate", "level": level });
        assert!(!schema.is_valid(&body), "the document admits level {level}");
        let (status, answer) = call(&k, &doc, "POST", event, body);
        assert_eq!(status, 422, "level {level}: {answer}");
        assert_eq!(answer["field"], "level", "level {level}: {answer}");
    }
}
