//! `agency import`: a good file loads; a file with bad lines names every one and writes
//! nothing; the demo registry (data/demo/registry.jsonl) loads, and says what the kiosk's
//! demo registry (data/demo/registry.toml over hw-sim's cards and people) says.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde_json::{json, Value};

use agency_api::paths;

use super::fixtures::*;
use super::rig::Agency;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

fn count(agency: &Agency, table: &str) -> i64 {
    agency
        .psql(&format!("SELECT count(*) FROM {table}"))
        .trim()
        .parse()
        .unwrap()
}

fn person_line(n: u32, name: &str) -> Value {
    json!({"kind": "person", "id_number": id_number(n), "name": name, "ethnicity": 1,
           "address": "新疆昌吉市", "phone": "13912345678"})
}

fn card_line(n: u32, holder: u32, name: &str) -> Value {
    json!({"kind": "card", "card_number": card_number(n), "chip_serial": chip(n),
           "id_number": id_number(holder), "name": name, "issue_date": "2026-01-05",
           "expiry_date": "2036-01-05", "state": "封存", "generation": 3})
}

fn lines(values: &[Value]) -> String {
    values.iter().map(|v| format!("{v}\n")).collect()
}

#[test]
fn a_good_file_loads_and_a_bad_one_names_every_line_and_writes_nothing() {
    let agency = Agency::serving();
    let k1 = agency.kiosk("K1");
    let good = agency.path("registry.jsonl");
    std::fs::write(
        &good,
        lines(&[
            person_line(1, "张伟"),
            person_line(2, "李娜"),
            card_line(1, 1, "张伟"),
            card_line(2, 2, "李娜"),
        ]),
    )
    .unwrap();
    let out = agency.ok(&["import", &good.display().to_string()]);
    assert!(out.contains("imported 2 person(s) and 2 card(s)"), "{out}");
    let card = k1.get(&format!("/v1/cards/{}", card_number(1))).json();
    assert_eq!(card["state"], "issued");
    assert_eq!(card["chip_serial"], chip(1));
    let holder = k1.get(&format!("/v1/persons/{}", id_number(2))).json();
    assert_eq!(holder["person"]["name"], "李娜");
    assert_eq!(holder["person"]["sex"], "female");
    assert_eq!(holder["person"]["birth_date"], "1980-05-06");
    let entry = agency.psql(
        "SELECT action || ' ' || detail FROM audit WHERE chain = 'system' ORDER BY seq DESC LIMIT 1",
    );
    assert!(
        entry.starts_with("registry.import {\"cards\":2,\"persons\":2"),
        "{entry}"
    );

    // a factory file in CSV for people of the registry
    let csv = agency.path("factory.csv");
    std::fs::write(
        &csv,
        format!(
            "card_number,chip_serial,id_number,name,issue_date,expiry_date,state,generation\n\
             {},{},{},张伟,2026-02-01,2036-02-01,封存,3\n",
            card_number(3),
            chip(3),
            id_number(1)
        ),
    )
    .unwrap();
    let out = agency.ok(&["import", &csv.display().to_string()]);
    assert!(out.contains("imported 0 person(s) and 1 card(s)"), "{out}");

    // bad lines: the file's own mistakes and the registry's duplicates, all named at once
    let persons = count(&agency, "persons");
    let cards = count(&agency, "cards");
    let audit = count(&agency, "audit");
    let mut bad_id = id_number(9);
    bad_id.replace_range(17.., if bad_id.ends_with('0') { "1" } else { "0" });
    let bad = agency.path("bad.jsonl");
    std::fs::write(
        &bad,
        lines(&[
            person_line(5, "王芳"), // 1 good
            person_line(1, "张伟"), // 2 in the registry
            json!({"kind": "person", "id_number": bad_id, "name": "赵", "ethnicity": 1}), // 3
            card_line(4, 5, "王芳"), // 4 good
            card_line(1, 5, "王芳"), // 5 card in registry
            card_line(6, 6, "陈"),  // 6 no such person
            json!({"kind": "card", "card_number": card_number(7), "chip_serial": chip(4),
                   "id_number": id_number(5), "name": "王芳", "issue_date": "2026-01-05",
                   "expiry_date": "2036-01-05", "state": "issued"}), // 7 chip of line 4
            json!({"kind": "card", "card_number": "12345", "chip_serial": chip(8),
                   "id_number": id_number(5), "name": "王芳", "issue_date": "2026-02-30",
                   "expiry_date": "2036-01-05", "state": "lost"}), // 8 three problems
        ]),
    )
    .unwrap();
    let out = agency.run(&["import", &bad.display().to_string()], None);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let name = bad.display().to_string();
    for (line, field) in [
        (3, "id_number"),
        (7, "chip_serial"),
        (8, "card_number"),
        (8, "issue_date"),
        (8, "state"),
    ] {
        assert!(
            stderr.contains(&format!("{name}:{line}: {field}: ")),
            "line {line} {field} not named:\n{stderr}"
        );
    }
    assert!(stderr.contains("nothing was imported"), "{stderr}");
    // the lines that only the registry refuses are named once the file itself is good
    assert_eq!(count(&agency, "persons"), persons);
    std::fs::write(
        &bad,
        lines(&[
            person_line(5, "王芳"),
            person_line(1, "张伟"),
            card_line(4, 5, "王芳"),
            card_line(1, 5, "王芳"),
            card_line(6, 6, "陈"),
            card_line(3, 5, "王芳"),
        ]),
    )
    .unwrap();
    let out = agency.run(&["import", &bad.display().to_string()], None);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    for (line, field, what) in [
        (2, "id_number", "already in the registry"),
        (4, "card_number", "already in the registry"),
        (5, "id_number", "no person"),
        (6, "card_number", "already in the registry"),
    ] {
        assert!(
            stderr.contains(&format!("{name}:{line}: {field}: ")) && stderr.contains(what),
            "line {line} {field} not named:\n{stderr}"
        );
    }
    assert_eq!(count(&agency, "persons"), persons, "nothing half-loaded");
    assert_eq!(count(&agency, "cards"), cards);
    assert_eq!(count(&agency, "audit"), audit);
}

/// The demo registry as data/demo/registry.toml and hw-sim's files give it, as import
/// lines (the photo a small JPEG like the kiosk's demo seeding makes).
fn demo_lines(root: &Path) -> Vec<Value> {
    #[derive(serde::Deserialize)]
    struct File {
        #[serde(default)]
        cards: Vec<CardEntry>,
        #[serde(default)]
        persons: Vec<PersonEntry>,
    }
    #[derive(serde::Deserialize)]
    struct CardEntry {
        card_file: String,
        person_file: String,
        state: String,
        phone: Option<String>,
        reissue_batch: Option<String>,
        #[serde(default)]
        photo: bool,
    }
    #[derive(serde::Deserialize)]
    struct PersonEntry {
        person_file: String,
        phone: Option<String>,
    }
    let file: File =
        toml::from_str(&std::fs::read_to_string(root.join("data/demo/registry.toml")).unwrap())
            .unwrap();
    let date = |d: card_io::date::Date| format!("{:04}-{:02}-{:02}", d.year, d.month, d.day);
    let person = |file: &str, phone: &Option<String>, photo: bool| {
        let p =
            hw_sim::idcard::person::Person::load(root.join("hw-sim/people").join(file)).unwrap();
        let t = &p.text;
        let mut v = json!({
            "kind": "person", "id_number": t.id_number, "name": p.full_name,
            "sex": match t.sex {
                card_io::citizen::Sex::Male => "male",
                card_io::citizen::Sex::Female => "female",
                _ => "unknown",
            },
            "ethnicity": t.ethnicity_code, "birth_date": date(t.birth_date),
            "address": t.address,
        });
        if let Some(phone) = phone {
            v["phone"] = json!(phone);
        }
        if photo {
            v["photo_jpeg_base64"] =
                json!(base64::engine::general_purpose::STANDARD.encode(demo_photo(&t.id_number)));
        }
        v
    };
    let mut out = Vec::new();
    for p in &file.persons {
        out.push(person(&p.person_file, &p.phone, false));
    }
    for c in &file.cards {
        let holder = person(&c.person_file, &c.phone, c.photo);
        let card = hw_sim::CardFile::load(root.join("hw-sim/cards").join(&c.card_file)).unwrap();
        assert_eq!(card.ef06.ssn, holder["id_number"].as_str().unwrap());
        let mut line = json!({
            "kind": "card", "card_number": card.ef05.card_number,
            "chip_serial": card.card.chip_serial.to_uppercase(),
            "id_number": holder["id_number"], "name": holder["name"],
            "issue_date": date(card.ef05.issue_date), "expiry_date": date(card.ef05.expiry_date),
            "state": c.state,
        });
        if let Some(batch) = &c.reissue_batch {
            line["reissue_batch"] = json!(batch);
        }
        out.push(holder);
        out.push(line);
    }
    out
}

/// The kiosk's demo photo: a grey 8×8 JPEG (kiosk-service's `demo::demo_photo`).
fn demo_photo(seed: &str) -> Vec<u8> {
    let shade = seed.bytes().fold(0u8, |a, b| a.wrapping_add(b)) | 0x80;
    let img = image::RgbImage::from_pixel(8, 8, image::Rgb([shade, shade, shade]));
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .unwrap();
    out.into_inner()
}

const DEMO_HEADER: &str = "\
# The demo registry in the agency's import format (agency-host/IMPORT.md): the people and
# cards of data/demo/registry.toml, with what hw-sim's files say of them. Fake data.
# Made by the agency's tests (AGENCY_WRITE_DEMO=1 cargo test -p agency-host --test it demo),
# which check that it still says what those files say.
";

#[test]
fn the_demo_registry_imports_and_matches_the_kiosk_demo() {
    let root = workspace();
    let path = root.join("data/demo/registry.jsonl");
    let expected = demo_lines(&root);
    if std::env::var_os("AGENCY_WRITE_DEMO").is_some() {
        std::fs::write(&path, format!("{DEMO_HEADER}{}", lines(&expected))).unwrap();
    }
    let text = std::fs::read_to_string(&path).unwrap();
    let found: Vec<Value> = text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(found.len(), expected.len());
    for (f, e) in found.iter().zip(&expected) {
        // the photo's bytes depend on the JPEG encoder's version: a JPEG is what counts
        let mut f = f.clone();
        let mut e = e.clone();
        for v in [&mut f, &mut e] {
            if let Some(b64) = v.get("photo_jpeg_base64").and_then(Value::as_str) {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(b64)
                    .unwrap();
                assert!(bytes.starts_with(&[0xff, 0xd8]));
                v["photo_jpeg_base64"] = json!("jpeg");
            }
        }
        assert_eq!(
            f, e,
            "data/demo/registry.jsonl differs from the demo registry"
        );
    }

    let agency = Agency::serving();
    let out = agency.ok(&["import", &path.display().to_string()]);
    assert!(out.contains("imported 7 person(s) and 6 card(s)"), "{out}");
    let k1 = agency.kiosk("K1");
    for line in expected.iter().filter(|l| l["kind"] == "card") {
        let card = k1
            .get(&format!(
                "/v1/cards/{}",
                line["card_number"].as_str().unwrap()
            ))
            .json();
        assert_eq!(card["state"], line["state"]);
        assert_eq!(card["chip_serial"], line["chip_serial"]);
        let holder = k1
            .get(&format!(
                "/v1/persons/{}",
                line["id_number"].as_str().unwrap()
            ))
            .json();
        assert_eq!(holder["person"]["name"], line["name"]);
    }
    let ma_li = expected
        .iter()
        .find(|l| l.get("photo_jpeg_base64").is_some())
        .unwrap();
    let photo = k1.get(&format!(
        "/v1/persons/{}/photo",
        ma_li["id_number"].as_str().unwrap()
    ));
    assert_eq!(photo.status, 200);
    assert!(photo.body.starts_with(&[0xff, 0xd8]));
    assert_eq!(k1.get(paths::HEALTH).status, 200);
}
