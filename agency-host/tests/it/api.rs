//! Every route, answered as the OpenAPI document says, to an enrolled kiosk; nothing to a
//! client without a certificate, with one the agency did not enrol, or with a revoked one.

use serde_json::{json, Value};

use agency_api::paths;
use kiosk_core::domain::{Actor, BusinessCode, CardState, Outcome, Progress};
use kiosk_core::store::Change;

use super::fixtures::*;
use super::rig::{Agency, Client, Reply};

/// Object schemas admit no other property, so an answer with an undocumented field fails.
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

/// Checks an answer against the document: its status is documented for the operation with
/// this content type, and a JSON body fits the schema. Returns the body as JSON (or null).
fn check(doc: &Value, method: &str, path: &str, r: &Reply) -> Value {
    let op = &doc["paths"][path][method.to_lowercase()];
    assert!(op.is_object(), "{method} {path} is not in the document");
    let response = &op["responses"][r.status.to_string()];
    assert!(
        response.is_object(),
        "{method} {path}: status {} is not documented ({})",
        r.status,
        r.text()
    );
    let content = response["content"].as_object().expect("documented content");
    let (ctype, media) = content.iter().next().expect("one content type");
    assert!(
        r.content_type.starts_with(ctype.as_str()),
        "{method} {path}: {} is not {ctype}",
        r.content_type
    );
    if ctype != "application/json" {
        return Value::Null;
    }
    let body = r.json();
    let mut components = doc["components"].clone();
    strict(&mut components);
    let mut schema = media["schema"].clone();
    strict(&mut schema);
    let root = json!({ "allOf": [schema], "components": components });
    let validator = jsonschema::draft202012::new(&root).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&body)
        .map(|e| e.to_string())
        .collect();
    assert!(
        errors.is_empty(),
        "{method} {path} {}: {body}\n{errors:#?}",
        r.status
    );
    body
}

#[test]
fn every_route_answers_an_enrolled_kiosk_as_documented() {
    let agency = Agency::serving();
    let k1 = agency.kiosk("K1");
    let doc = k1.get(paths::OPENAPI).json();
    assert_eq!(doc["openapi"], "3.1.0");

    let r = k1.get(paths::HEALTH);
    assert_eq!(r.status, 200);
    let health = check(&doc, "GET", paths::HEALTH, &r);
    assert_eq!(health["database"], "ok");

    // a registry of three holders, one with a photo, an application and an e-card
    seed(&k1, "K1", 3, CardState::Active);
    let jpeg = vec![0xff, 0xd8, 0xff, 0xe0, 1, 2, 3];
    let sha = kiosk_core::digest::sha256_hex(&jpeg);
    let mut application = kiosk_core::domain::Application {
        case_id: case_id("K1", 1),
        id_number: id_number(1),
        business: BusinessCode::Replace,
        progress: Progress::Submitted,
        submitted_at: at(12),
        deadline: chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
        deadline_provisional: false,
        old_card: Some(card_number(1)),
        reasons: None,
        ready_at: None,
        deadline_recomputed_from: None,
    };
    let c = commit(
        Actor::Citizen(case_id("K1", 1)),
        Some(case("K1", 1, BusinessCode::Replace, Some(1))),
        vec![
            Change::SetPhoto {
                id_number: id_number(1),
                sha256: sha.clone(),
                jpeg: jpeg.clone(),
            },
            Change::CreateApplication(application.clone()),
            Change::IssueEcard(kiosk_core::domain::Ecard {
                id_number: id_number(1),
                card_number: card_number(1),
                token_id: "00ff00ff".into(),
                issued_at: at(13),
            }),
            Change::SetCardState {
                card_number: card_number(1),
                from: CardState::Active,
                to: CardState::LostTemporary,
            },
        ],
    );
    let key = format!("{}#1", case_id("K1", 1));
    let r = k1.post(paths::COMMITS, &body(&key, &c));
    let committed = check(&doc, "POST", paths::COMMITS, &r);
    assert_eq!(r.status, 200);
    assert!(committed["archive_no"].is_null());

    let r = k1.get(&format!("/v1/persons/{}", id_number(1)));
    let holder = check(&doc, "GET", paths::PERSON, &r);
    assert_eq!(r.status, 200);
    assert_eq!(holder["person"]["name"], "张1");
    assert_eq!(holder["person"]["photo_sha256"], sha.as_str());
    assert_eq!(holder["has_photo"], true);
    assert_eq!(holder["cards"][0]["state"], "lost_temporary");
    assert_eq!(holder["applications"][0]["case_id"], case_id("K1", 1));
    assert_eq!(holder["ecards"][0]["token_id"], "00ff00ff");

    let r = k1.get(&format!("/v1/persons/{}/photo", id_number(1)));
    check(&doc, "GET", paths::PERSON_PHOTO, &r);
    assert_eq!((r.status, r.body.clone()), (200, jpeg));
    let r = k1.get(&format!("/v1/persons/{}/photo", id_number(2)));
    check(&doc, "GET", paths::PERSON_PHOTO, &r);
    assert_eq!(r.status, 404);
    let r = k1.get(&format!("/v1/persons/{}", id_number(77)));
    let e = check(&doc, "GET", paths::PERSON, &r);
    assert_eq!((r.status, e["error"].as_str()), (404, Some("not_found")));

    let r = k1.get(&format!("/v1/cards/{}", card_number(2)));
    let card = check(&doc, "GET", paths::CARD, &r);
    assert_eq!(card["id_number"], id_number(2));
    let r = k1.get(&format!("/v1/cards/by-chip/{}", chip(3).to_lowercase()));
    let card = check(&doc, "GET", paths::CARD_BY_CHIP, &r);
    assert_eq!(card["card_number"], card_number(3));
    let r = k1.get("/v1/cards/by-chip/0000000000000000");
    check(&doc, "GET", paths::CARD_BY_CHIP, &r);
    assert_eq!(r.status, 404);
    let r = k1.get("/v1/ecards/00ff00ff");
    let ecard = check(&doc, "GET", paths::ECARD, &r);
    assert_eq!(ecard["id_number"], id_number(1));
    let r = k1.get("/v1/ecards/0badc0de");
    check(&doc, "GET", paths::ECARD, &r);
    assert_eq!(r.status, 404);

    let r = k1.get("/v1/cards?state=lost_temporary&before=2030-01-01T00:00:00Z");
    let list = check(&doc, "GET", paths::CARDS, &r);
    assert_eq!(list["cards"].as_array().unwrap().len(), 1);
    assert_eq!(list["truncated"], false);
    let r = k1.get("/v1/cards?state=active&before=2030-01-01T00:00:00Z&limit=1");
    let list = check(&doc, "GET", paths::CARDS, &r);
    assert_eq!(list["truncated"], true);
    let r = k1.get("/v1/cards?state=lost");
    let e = check(&doc, "GET", paths::CARDS, &r);
    assert_eq!((r.status, e["error"].as_str()), (422, Some("invalid")));

    let r = k1.get(&format!("/v1/applications/{}", case_id("K1", 1)));
    check(&doc, "GET", paths::APPLICATION, &r);
    assert_eq!(r.status, 200);
    let r = k1.get("/v1/applications?progress=submitted");
    let list = check(&doc, "GET", paths::APPLICATIONS, &r);
    assert_eq!(list["applications"][0]["old_card"], card_number(1));
    let r = k1.get("/v1/production-stats?from=2026-03-01&to=2026-03-31&today=2026-03-02");
    let production = check(&doc, "GET", paths::PRODUCTION_STATS, &r);
    // its deadline (2026-03-01) is past on the 2nd, and the card not made
    assert_eq!(
        (r.status, production["overdue"].as_u64()),
        (200, Some(1)),
        "{production}"
    );
    let r = k1.get("/v1/production-stats?from=2026-03-01");
    check(&doc, "GET", paths::PRODUCTION_STATS, &r);
    assert_eq!(r.status, 422);

    // a staff move of the application, then a rejection with reasons
    application.progress = Progress::Accepted;
    let mv = commit(
        Actor::Staff("li".into()),
        None,
        vec![Change::MoveApplication {
            case_id: case_id("K1", 1),
            from: Progress::Submitted,
            to: Progress::Rejected,
            reasons: Some("照片不合格".into()),
        }],
    );
    let r = k1.post(
        paths::COMMITS,
        &body(&format!("{}#1", case_id("K1", 900)), &mv),
    );
    check(&doc, "POST", paths::COMMITS, &r);
    assert_eq!(r.status, 200, "{}", r.text());
    let a = k1
        .get(&format!("/v1/applications/{}", case_id("K1", 1)))
        .json();
    assert_eq!(
        (a["progress"].as_str(), a["reasons"].as_str()),
        (Some("rejected"), Some("照片不合格"))
    );

    let r = k1.get(&format!("/v1/cases/{}", case_id("K1", 1)));
    let case_json = check(&doc, "GET", paths::CASE, &r);
    assert_eq!(case_json["id_number"], id_number(1));
    let r = k1.get("/v1/cases?open=true");
    let open = check(&doc, "GET", paths::CASES, &r);
    let open_ids: Vec<&str> = open["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["case_id"].as_str().unwrap())
        .collect();
    assert!(open_ids.contains(&case_id("K1", 1).as_str()), "{open}");
    let close = commit(
        Actor::Citizen(case_id("K1", 1)),
        Some(closed(
            case("K1", 1, BusinessCode::Replace, Some(1)),
            Outcome::Completed,
        )),
        vec![],
    );
    let r = k1.post(
        paths::COMMITS,
        &body(&format!("{}#2", case_id("K1", 1)), &close),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let open = k1.get("/v1/cases?open=true").json();
    assert!(!open.to_string().contains(&case_id("K1", 1)), "{open}");
    let r = k1.get("/v1/cases?open=false");
    check(&doc, "GET", paths::CASES, &r);
    assert_eq!(r.status, 422);

    let r = k1.post(paths::CASE_IDS, &json!({"day": "2026-02-01"}));
    let id = check(&doc, "POST", paths::CASE_IDS, &r);
    assert_eq!(id["case_id"], "K1-20260201-000001");
    let id = k1
        .post(paths::CASE_IDS, &json!({"day": "2026-02-01"}))
        .json();
    assert_eq!(id["case_id"], "K1-20260201-000002");

    let r = k1.post(
        paths::RESERVATIONS,
        &json!({"case_id": case_id("K1", 5), "cards": [card_number(2)], "persons": [id_number(2)],
                "expect": [{"card_number": card_number(2), "state": "active"}]}),
    );
    check(&doc, "POST", paths::RESERVATIONS, &r);
    assert_eq!(r.status, 200, "{}", r.text());
    let r = k1.delete(&format!("/v1/reservations/{}", case_id("K1", 5)));
    let released = check(&doc, "DELETE", paths::RESERVATION, &r);
    assert_eq!(released["released"], true);
    let r = k1.post(
        paths::RESERVATIONS,
        &json!({"case_id": "K2-20260201-000001"}),
    );
    check(&doc, "POST", paths::RESERVATIONS, &r);
    assert_eq!(r.status, 403, "another kiosk's case");

    let outcome = json!({
        "key": format!("{}#3", case_id("K1", 1)), "case_id": case_id("K1", 1),
        "card_number": card_number(1), "chip_serial": chip(1),
        "action": {"block_app": {"permanent": false}}, "applied": true,
        "at": "2026-02-01T10:00:00Z"
    });
    let r = k1.post(paths::CARD_OUTCOMES, &outcome);
    let rec = check(&doc, "POST", paths::CARD_OUTCOMES, &r);
    assert!(!r.replayed);
    let again = k1.post(paths::CARD_OUTCOMES, &outcome);
    assert!(again.replayed);
    assert_eq!(again.json(), rec);

    agency.run(
        &[
            "staff",
            "add",
            "li",
            "--role",
            "front-desk",
            "--role",
            "archive",
        ],
        Some("correct horse\n"),
    );
    let r = k1.post(
        paths::STAFF_LOGIN,
        &json!({"user": "li", "password": "correct horse"}),
    );
    let member = check(&doc, "POST", paths::STAFF_LOGIN, &r);
    assert_eq!(
        member,
        json!({"user": "li", "roles": ["front_desk", "archive"]})
    );
    let r = k1.post(
        paths::STAFF_LOGIN,
        &json!({"user": "li", "password": "wrong"}),
    );
    let e = check(&doc, "POST", paths::STAFF_LOGIN, &r);
    assert_eq!((r.status, e["error"].as_str()), (401, Some("unauthorized")));
    let r = k1.post(
        paths::STAFF_LOGIN,
        &json!({"user": "nobody", "password": "wrong"}),
    );
    assert_eq!(r.status, 401);

    // bad bodies: every one the API's error body
    let r = k1.send("POST", paths::COMMITS, None);
    assert_eq!(
        (r.status, r.json()["error"].as_str()),
        (415, Some("unsupported_media_type")),
        "{}",
        r.text()
    );
    let r = k1.post(paths::COMMITS, &json!({"key": "x#1"}));
    let e = r.json();
    assert_eq!(
        (r.status, e["field"].as_str()),
        (422, Some("commit")),
        "{e}"
    );
    let r = k1.get("/v1/nothing-here");
    assert_eq!(
        (r.status, r.json()["error"].as_str()),
        (404, Some("not_found"))
    );
    let r = k1.send("PUT", paths::HEALTH, None);
    assert_eq!(
        (r.status, r.json()["error"].as_str()),
        (405, Some("method_not_allowed"))
    );
}

/// The routes, with a method and a body where they take one, for the 403 checks.
fn every_route() -> Vec<(&'static str, String, Option<Value>)> {
    vec![
        ("GET", format!("/v1/persons/{}", id_number(1)), None),
        ("GET", format!("/v1/persons/{}/photo", id_number(1)), None),
        (
            "GET",
            "/v1/cards?state=active&before=2030-01-01T00:00:00Z".into(),
            None,
        ),
        ("GET", format!("/v1/cards/{}", card_number(1)), None),
        ("GET", format!("/v1/cards/by-chip/{}", chip(1)), None),
        ("GET", "/v1/applications?progress=submitted".into(), None),
        (
            "GET",
            format!("/v1/applications/{}", case_id("K1", 1)),
            None,
        ),
        (
            "GET",
            "/v1/production-stats?from=2026-03-01&to=2026-03-31&today=2026-03-02".into(),
            None,
        ),
        ("GET", "/v1/cases?open=true".into(), None),
        ("GET", format!("/v1/cases/{}", case_id("K1", 1)), None),
        (
            "POST",
            "/v1/case-ids".into(),
            Some(json!({"day": "2026-02-01"})),
        ),
        (
            "POST",
            "/v1/reservations".into(),
            Some(json!({"case_id": case_id("K1", 9)})),
        ),
        (
            "DELETE",
            format!("/v1/reservations/{}", case_id("K1", 9)),
            None,
        ),
        (
            "POST",
            "/v1/commits".into(),
            Some(json!({"key": "K1-x#1", "commit": {}})),
        ),
        ("POST", "/v1/card-outcomes".into(), Some(json!({}))),
        (
            "POST",
            "/v1/staff/login".into(),
            Some(json!({"user": "li", "password": "x"})),
        ),
        ("GET", "/v1/health".into(), None),
        ("GET", "/v1/openapi.json".into(), None),
        ("GET", "/v1/no-such-route".into(), None),
    ]
}

fn assert_refused(client: &Client, who: &str) {
    for (method, path, body) in every_route() {
        let r = client.send(method, &path, body.as_ref());
        assert_eq!(r.status, 403, "{who}: {method} {path}: {}", r.text());
        assert_eq!(
            r.json(),
            json!({"error": "forbidden", "message": "this client is not an enrolled kiosk"}),
            "{who}: {method} {path}"
        );
    }
}

#[test]
fn clients_that_are_not_enrolled_kiosks_get_nothing() {
    let agency = Agency::serving();
    let k1 = agency.kiosk("K1");
    seed(&k1, "K1", 1, CardState::Active);

    // no certificate
    assert_refused(&agency.anonymous(), "no certificate");

    // a certificate from the agency's CA whose kiosk was never enrolled: signed by hand
    // with the CA, not recorded
    let ca =
        agency_host::tls::Ca::load(&agency.path("tls/ca.crt"), &agency.path("tls/ca.key")).unwrap();
    let (key, issued) = ca.issue_with_new_key("K9", 30).unwrap();
    agency_host::tls::write_key_and_cert(
        &agency.path("k9.key"),
        &key,
        &agency.path("k9.crt"),
        &issued.cert_pem,
    )
    .unwrap();
    let k9 = agency.client_with(&agency.path("k9.crt"), &agency.path("k9.key"));
    assert_refused(&k9, "unknown kiosk");

    // K1's old certificate after K1 was enrolled again: replaced, refused
    let old = agency.client_with(&agency.path("K1.crt"), &agency.path("K1.key"));
    assert_eq!(old.get(paths::HEALTH).status, 200);
    std::fs::rename(agency.path("K1.crt"), agency.path("K1-old.crt")).unwrap();
    std::fs::rename(agency.path("K1.key"), agency.path("K1-old.key")).unwrap();
    let k1_new = agency.kiosk("K1");
    assert_eq!(k1_new.get(paths::HEALTH).status, 200);
    assert_refused(&old, "replaced certificate");

    // revoked: refused at once, on a connection opened before
    let k2 = agency.kiosk("K2");
    assert_eq!(k2.get(paths::HEALTH).status, 200);
    let out = agency.ok(&["revoke", "--kiosk", "K2"]);
    assert!(out.contains("revoked"), "{out}");
    assert_refused(&k2, "revoked kiosk");
    let listing = agency.ok(&["kiosks"]);
    assert!(
        listing.contains("K2") && listing.contains("REVOKED"),
        "{listing}"
    );
    assert!(agency.run(&["revoke", "--kiosk", "K2"], None).status.code() == Some(1));

    // a certificate of another CA: no TLS connection at all
    let other = tempfile::tempdir().unwrap();
    agency_host::tls::ca_init(other.path(), &["localhost".into()], 30).unwrap();
    let other_ca =
        agency_host::tls::Ca::load(&other.path().join("ca.crt"), &other.path().join("ca.key"))
            .unwrap();
    let (key, issued) = other_ca.issue_with_new_key("K1", 30).unwrap();
    agency_host::tls::write_key_and_cert(
        &other.path().join("k1.key"),
        &key,
        &other.path().join("k1.crt"),
        &issued.cert_pem,
    )
    .unwrap();
    let foreign = agency.client_with(&other.path().join("k1.crt"), &other.path().join("k1.key"));
    let e = foreign.try_send("GET", paths::HEALTH, None);
    assert!(
        e.is_err(),
        "a foreign certificate was answered: {:?}",
        e.map(|r| r.status)
    );
}

#[test]
fn a_csr_made_on_the_kiosk_is_signed_for_its_id_only() {
    let agency = Agency::serving();
    let (key, csr) = agency_host::tls::make_csr("K7").unwrap();
    std::fs::write(agency.path("k7.csr"), &csr).unwrap();
    {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(agency.path("k7.key"))
            .unwrap();
        f.write_all(key.as_bytes()).unwrap();
    }
    let wrong = agency.run(
        &[
            "enrol",
            "--kiosk",
            "K8",
            "--csr",
            &agency.path("k7.csr").display().to_string(),
            "--out",
            &agency.path("k8.crt").display().to_string(),
        ],
        None,
    );
    assert!(!wrong.status.success());
    let stderr = String::from_utf8_lossy(&wrong.stderr);
    assert!(stderr.contains("not the kiosk id"), "{stderr}");
    agency.ok(&[
        "enrol",
        "--kiosk",
        "K7",
        "--csr",
        &agency.path("k7.csr").display().to_string(),
        "--out",
        &agency.path("k7.crt").display().to_string(),
    ]);
    let k7 = agency.client_with(&agency.path("k7.crt"), &agency.path("k7.key"));
    assert_eq!(k7.get(paths::HEALTH).status, 200);
    let kiosks: Value = serde_json::from_str(&agency.ok(&["kiosks", "--json"])).unwrap();
    assert_eq!(kiosks[0]["kiosk_id"], "K7");
}

#[test]
fn health_says_when_the_database_is_down() {
    let agency = Agency::serving();
    let k1 = agency.kiosk("K1");
    assert_eq!(k1.get(paths::HEALTH).json()["database"], "ok");
    // the agency's database connections are cut and the database refuses new ones
    let pg = super::pg::cluster();
    pg.psql(
        "postgres",
        &format!(
            "ALTER DATABASE {db} ALLOW_CONNECTIONS false;
         SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{db}'",
            db = agency.dbname
        ),
    );
    let r = k1.get(paths::HEALTH);
    assert_eq!(
        (r.status, r.json()["database"].as_str()),
        (503, Some("down")),
        "{}",
        r.text()
    );
    let r = k1.get(&format!("/v1/persons/{}", id_number(1)));
    assert_eq!(
        (r.status, r.json()["error"].as_str()),
        (503, Some("unavailable"))
    );
    pg.psql(
        "postgres",
        &format!("ALTER DATABASE {} ALLOW_CONNECTIONS true", agency.dbname),
    );
    // recovers by itself
    let mut ok = false;
    for _ in 0..50 {
        if k1.get(paths::HEALTH).status == 200 {
            ok = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(ok, "the agency did not recover");
}
