//! The generated JSON Schema agrees with the parser: the example validates against it, and
//! what the parser refuses for type reasons the schema refuses too. The checker below covers
//! the JSON Schema keywords the generated schema uses.

use firmware_config::json_schema::{schema, toml_to_json};
use serde_json::Value;

fn resolve<'a>(root: &'a Value, s: &'a Value) -> &'a Value {
    match s.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let path = r.trim_start_matches("#/").split('/');
            path.fold(root, |v, p| &v[p])
        }
        None => s,
    }
}

fn check(root: &Value, s: &Value, v: &Value, at: &str, errs: &mut Vec<String>) {
    let s = resolve(root, s);
    if let Some(types) = s.get("type") {
        let names: Vec<&str> = match types {
            Value::String(t) => vec![t.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let ok = names.iter().any(|t| match *t {
            "object" => v.is_object(),
            "array" => v.is_array(),
            "string" => v.is_string(),
            "integer" => v.is_i64() || v.is_u64(),
            "number" => v.is_number(),
            "boolean" => v.is_boolean(),
            "null" => v.is_null(),
            _ => false,
        });
        if !ok {
            errs.push(format!("{at}: {v} is not {names:?}"));
            return;
        }
    }
    if let Some(options) = s.get("enum").and_then(Value::as_array) {
        if !options.contains(v) {
            errs.push(format!("{at}: {v} not in enum"));
        }
    }
    if let Some(c) = s.get("const") {
        if c != v {
            errs.push(format!("{at}: {v} is not {c}"));
        }
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(options) = s.get(key).and_then(Value::as_array) {
            let passing = options
                .iter()
                .filter(|o| {
                    let mut e = Vec::new();
                    check(root, o, v, at, &mut e);
                    e.is_empty()
                })
                .count();
            if passing == 0 || (key == "oneOf" && passing > 1) {
                errs.push(format!("{at}: {v} matches {passing} of {key}"));
            }
        }
    }
    if let (Some(min), Some(n)) = (s.get("minimum").and_then(Value::as_f64), v.as_f64()) {
        if n < min {
            errs.push(format!("{at}: {n} < {min}"));
        }
    }
    if let (Some(max), Some(n)) = (s.get("maximum").and_then(Value::as_f64), v.as_f64()) {
        if n > max {
            errs.push(format!("{at}: {n} > {max}"));
        }
    }
    if let Value::Object(obj) = v {
        let props = s.get("properties").and_then(Value::as_object);
        for req in s
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(r) = req.as_str() {
                if !obj.contains_key(r) {
                    errs.push(format!("{at}: missing {r}"));
                }
            }
        }
        for (k, child) in obj {
            match props.and_then(|p| p.get(k)) {
                Some(ps) => check(root, ps, child, &format!("{at}.{k}"), errs),
                None if s.get("additionalProperties") == Some(&Value::Bool(false)) => {
                    errs.push(format!("{at}: unknown property {k}"))
                }
                None => {}
            }
        }
    }
    if let (Value::Array(items), Some(item_schema)) = (v, s.get("items")) {
        for (i, item) in items.iter().enumerate() {
            check(root, item_schema, item, &format!("{at}[{i}]"), errs);
        }
    }
}

fn validate(text: &str) -> Vec<String> {
    let root = schema();
    let value: toml::Value = toml::from_str(text).expect("toml");
    let mut errs = Vec::new();
    check(&root, &root, &toml_to_json(&value), "$", &mut errs);
    errs
}

#[test]
fn example_validates_against_the_schema() {
    let errs = validate(include_str!("../../../kiosk.example.toml"));
    assert!(errs.is_empty(), "{errs:#?}");
    assert!(validate("").is_empty());
}

#[test]
fn schema_refuses_what_the_parser_refuses_for_type() {
    for bad in [
        "[devices]\nqr_prot = \"/dev/x\"\n",
        "[devices]\nqr_baud = \"fast\"\n",
        "[business]\nenabled = [\"teleport\"]\n",
        "[ui]\nlanguages = [\"fr\"]\n",
        "[[staff]]\nuser = \"a\"\nroles = []\n",
        "[[calendar.days]]\ndate = 2025-01-01\nkind = \"party\"\n",
        "colour = 1\n",
    ] {
        assert!(firmware_config::Config::parse(bad, "x").is_err(), "{bad}");
        assert!(!validate(bad).is_empty(), "schema accepts {bad}");
    }
}

#[test]
fn schema_names_the_sections() {
    let s = schema();
    let props = s["properties"].as_object().expect("properties");
    for section in [
        "kiosk", "devices", "business", "ui", "staff", "keys", "storage", "calendar",
    ] {
        assert!(props.contains_key(section), "{section}");
    }
    assert_eq!(s["additionalProperties"], Value::Bool(false));
}

#[test]
fn the_service_listens_on_loopback_unless_told_otherwise() {
    // Nothing configured, and a file that sets [ui] without `listen`: both loopback only, so
    // the staff pages and the API are not on the hall's network by accident.
    for text in ["", "[ui]\ndefault_language = \"en\"\n"] {
        let config = firmware_config::Config::parse(text, "kiosk.toml").expect("valid");
        let addr: std::net::SocketAddr = config.ui.listen.parse().expect("an address");
        assert!(addr.ip().is_loopback(), "{text:?} listens on {addr}");
    }
}
