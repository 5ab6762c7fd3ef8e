//! Text → typed configuration, collecting every problem: TOML syntax, then unknown keys and
//! wrong types (each key probed on its own so one mistake does not hide the next), then the
//! consistency rules on what remains.

use serde::de::{DeserializeOwned, IntoDeserializer};
use toml_edit::{Array, ImDocument, InlineTable, Key, Value};

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::location::{describe, line_col, locate, span_of, KeyPath, Seg};

/// The text being checked, for placing diagnostics.
pub(crate) struct Report<'a> {
    text: &'a str,
    origin: &'a str,
    doc: &'a ImDocument<String>,
    found: Vec<Diagnostic>,
}

impl<'a> Report<'a> {
    /// Line and column of the key or element at `path` (or its nearest existing parent).
    pub(crate) fn position(&self, path: &[Seg]) -> Option<(usize, usize)> {
        span_of(self.doc, path).map(|span| line_col(self.text, span.start))
    }

    /// The line of `path` when it is written in the text (not a default), for "(line N)"
    /// references to another place.
    pub(crate) fn line(&self, path: &[Seg]) -> Option<usize> {
        match locate(self.doc, path) {
            (Some(span), true) => Some(line_col(self.text, span.start).0),
            _ => None,
        }
    }

    /// Reports a problem at `path`.
    pub(crate) fn error(
        &mut self,
        path: &[Seg],
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        let position = self.position(path);
        self.push(position, message.into(), hint.into());
    }

    fn push(&mut self, position: Option<(usize, usize)>, message: String, hint: String) {
        self.found.push(Diagnostic {
            origin: self.origin.to_owned(),
            position,
            message,
            hint,
        });
    }
}

/// Parses `text` into `T` and applies `rules`; every problem found is reported.
pub(crate) fn parse_checked<T: DeserializeOwned>(
    text: &str,
    origin: &str,
    rules: impl FnOnce(&T, &mut Report<'_>),
) -> Result<T, Diagnostics> {
    parse_checked_for(text, origin, "kiosk config schema", rules)
}

/// [`parse_checked`] for another file than kiosk.toml: `schema_command` is the command whose
/// output lists that file's keys (e.g. `agency config schema`), named in the hints.
pub(crate) fn parse_checked_for<T: DeserializeOwned>(
    text: &str,
    origin: &str,
    schema_command: &str,
    rules: impl FnOnce(&T, &mut Report<'_>),
) -> Result<T, Diagnostics> {
    let doc = match ImDocument::parse(text.to_owned()) {
        Ok(doc) => doc,
        Err(e) => {
            let position = e.span().map(|s| line_col(text, s.start));
            let message = e.message().trim_end().replace('\n', " ");
            return Err(Diagnostics(vec![Diagnostic {
                origin: origin.to_owned(),
                position,
                message: format!("TOML syntax: {message}"),
                hint: "fix the TOML syntax here (strings in double quotes, one key per line)"
                    .into(),
            }]));
        }
    };
    let mut report = Report {
        text,
        origin,
        doc: &doc,
        found: Vec::new(),
    };
    let value = structural::<T>(&mut report, schema_command);
    if let Some(value) = &value {
        rules(value, &mut report);
    }
    let mut found = report.found;
    found.sort_by_key(|d| d.position.unwrap_or((usize::MAX, usize::MAX)));
    match value {
        Some(value) if found.is_empty() => Ok(value),
        _ => Err(Diagnostics(found)),
    }
}

/// A step of a path keeping the document's key (and so its span).
#[derive(Clone)]
enum Step {
    Key(Key),
    Index(usize),
}

fn plain(path: &[Step]) -> KeyPath {
    path.iter()
        .map(|s| match s {
            Step::Key(k) => Seg::Key(k.get().to_owned()),
            Step::Index(i) => Seg::Index(*i),
        })
        .collect()
}

/// Deserializes the document; on failure finds each failing key and reports it, then
/// deserializes what is left without those keys (defaults fill in) for the rules.
fn structural<T: DeserializeOwned>(report: &mut Report<'_>, schema_command: &str) -> Option<T> {
    let root = Value::InlineTable(report.doc.as_table().clone().into_inline_table());
    if let Ok(value) = T::deserialize(root.clone().into_deserializer()) {
        return Some(value);
    }
    let mut failures = Vec::new();
    walk::<T>(&mut Vec::new(), &root, &mut failures);
    let mut pruned = root;
    let mut paths: Vec<KeyPath> = Vec::new();
    for (path, err) in failures {
        let seg_path = plain(&path);
        let position = err
            .span()
            .map(|s| line_col(report.text, s.start))
            .or_else(|| report.position(&seg_path));
        let message = err.message().trim_end().replace('\n', " ");
        let hint = serde_hint(&message, schema_command);
        let place = describe(&seg_path[..seg_path.len().saturating_sub(1)]);
        let message = if seg_path.len() > 1 {
            format!("{place}: {message}")
        } else {
            message
        };
        report.push(position, message, hint);
        paths.push(seg_path);
    }
    paths.sort();
    for path in paths.iter().rev() {
        remove(&mut pruned, path);
    }
    T::deserialize(pruned.into_deserializer()).ok()
}

/// What to write instead, from the kind of serde error.
fn serde_hint(message: &str, schema_command: &str) -> String {
    if message.starts_with("unknown field") {
        format!("remove this key or correct its spelling (`{schema_command}` lists the keys)")
    } else if message.starts_with("unknown variant") {
        "write one of the values listed".into()
    } else if message.starts_with("invalid type") {
        "write a value of the expected type".into()
    } else if message.starts_with("missing field") {
        "add the missing key to this entry".into()
    } else {
        format!("see `{schema_command}` for what this key takes")
    }
}

/// The smallest document holding only `leaf` at `path`.
fn wrap(path: &[Step], leaf: &Value) -> Value {
    let mut v = leaf.clone();
    for step in path.iter().rev() {
        v = match step {
            Step::Key(k) => {
                let mut t = InlineTable::new();
                t.insert_formatted(k, v);
                Value::InlineTable(t)
            }
            Step::Index(_) => {
                let mut a = Array::new();
                a.push_formatted(v);
                Value::Array(a)
            }
        };
    }
    v
}

fn walk<T: DeserializeOwned>(
    path: &mut Vec<Step>,
    value: &Value,
    out: &mut Vec<(Vec<Step>, toml_edit::de::Error)>,
) {
    let err = match T::deserialize(wrap(path, value).into_deserializer()) {
        Ok(_) => return,
        Err(e) => e,
    };
    let before = out.len();
    let in_array = matches!(path.last(), Some(Step::Index(_)));
    match value {
        // An array element that is a table is checked whole: its keys may be required.
        Value::InlineTable(t) if !in_array => {
            for (name, _) in t.iter() {
                if let Some((key, item)) = t.get_key_value(name) {
                    if let Some(child) = item.as_value() {
                        path.push(Step::Key(key.clone()));
                        walk::<T>(path, child, out);
                        path.pop();
                    }
                }
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                path.push(Step::Index(i));
                walk::<T>(path, child, out);
                path.pop();
            }
        }
        _ => {}
    }
    if out.len() == before {
        out.push((path.clone(), err));
    }
}

fn remove(root: &mut Value, path: &[Seg]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut node = root;
    for seg in parents {
        let next = match (seg, node) {
            (Seg::Key(k), Value::InlineTable(t)) => t.get_mut(k),
            (Seg::Index(i), Value::Array(a)) => a.get_mut(*i),
            _ => None,
        };
        match next {
            Some(n) => node = n,
            None => return,
        }
    }
    match (last, node) {
        (Seg::Key(k), Value::InlineTable(t)) => {
            t.remove(k);
        }
        (Seg::Index(i), Value::Array(a)) if *i < a.len() => {
            a.remove(*i);
        }
        _ => {}
    }
}
