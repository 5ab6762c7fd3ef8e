//! The JSON Schema of `kiosk.toml`, generated from the types in [`crate::schema`] (TOML dates
//! appear as `YYYY-MM-DD` strings).

use crate::schema::Config;

/// The schema as JSON.
pub fn schema() -> serde_json::Value {
    let mut schema = schemars::schema_for!(Config).to_value();
    if let Some(obj) = schema.as_object_mut() {
        obj.insert(
            "title".into(),
            serde_json::Value::String("kiosk.toml (DB 6523/T 372-2023 kiosk)".into()),
        );
    }
    schema
}

/// A TOML value as the JSON the schema describes (dates and times become strings).
pub fn toml_to_json(value: &toml::Value) -> serde_json::Value {
    use serde_json::Value as J;
    match value {
        toml::Value::String(s) => J::String(s.clone()),
        toml::Value::Integer(i) => J::from(*i),
        toml::Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
        toml::Value::Boolean(b) => J::Bool(*b),
        toml::Value::Datetime(d) => J::String(d.to_string()),
        toml::Value::Array(a) => J::Array(a.iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => J::Object(
            t.iter()
                .map(|(k, v)| (k.clone(), toml_to_json(v)))
                .collect(),
        ),
    }
}
