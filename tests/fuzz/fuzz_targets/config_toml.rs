//! `kiosk.toml` and calendar files: parse + validate of any text. What is accepted writes
//! back (`Config::to_toml`) to text that parses to the same configuration; what is refused
//! has diagnostics placed inside the text, each with a message and a hint.
//!
//! Input: a selector byte; even → the rest as the file's text; odd → an edit of
//! `kiosk.example.toml` (which key, what to do, the new value), so that most inputs are a
//! nearly valid configuration and the consistency rules run.
#![no_main]

use firmware_config::{CalendarFile, Config, ConfigError};
use kiosk_fuzz::fields;
use libfuzzer_sys::fuzz_target;
use toml_edit::{Array, DocumentMut, Item, TableLike, Value};

const EXAMPLE: &str = include_str!("../../../kiosk.example.toml");

fn check_diagnostics(text: &str, e: &ConfigError) {
    let Some(found) = e.diagnostics() else {
        panic!("parsing text gave a read error: {e}");
    };
    assert!(!found.is_empty(), "refused without a diagnostic");
    let lines = text.split('\n').count();
    for d in found {
        assert!(!d.message.is_empty() && !d.hint.is_empty(), "{d}");
        if let Some((line, column)) = d.position {
            assert!(line >= 1 && line <= lines, "line {line} of {lines}: {d}");
            let width = text
                .split('\n')
                .nth(line - 1)
                .map_or(0, |l| l.chars().count());
            assert!(
                column >= 1 && column <= width + 1,
                "column {column} of {width}: {d}"
            );
        }
    }
    let _ = e.to_string();
}

fn check(text: &str) {
    match Config::parse(text, "kiosk.toml") {
        Ok(config) => {
            let written = match config.to_toml() {
                Ok(t) => t,
                Err(e) => panic!("an accepted configuration does not write back: {e}"),
            };
            match Config::parse(&written, "written") {
                Ok(again) => assert_eq!(again, config, "written back differently:\n{written}"),
                Err(e) => panic!("the written-back configuration is refused: {e}\n{written}"),
            }
        }
        Err(e) => check_diagnostics(text, &e),
    }
    if let Err(e) = CalendarFile::parse(text, "calendar.toml") {
        check_diagnostics(text, &e);
    }
}

/// The paths of every value in the document: (table keys, index in an array of tables).
fn leaves(item: &Item, path: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match item {
        Item::Table(t) => {
            for (k, v) in t.iter() {
                path.push(k.to_string());
                leaves(v, path, out);
                path.pop();
            }
        }
        Item::ArrayOfTables(a) => {
            for (i, t) in a.iter().enumerate() {
                path.push(format!("#{i}"));
                for (k, v) in t.iter() {
                    path.push(k.to_string());
                    leaves(v, path, out);
                    path.pop();
                }
                path.pop();
            }
        }
        Item::Value(_) => out.push(path.clone()),
        Item::None => {}
    }
}

fn index(seg: &str) -> Option<usize> {
    seg.strip_prefix('#').and_then(|i| i.parse().ok())
}

/// Calls `f` with the table holding the last key of `path`, and that key.
fn with_parent(item: &mut Item, path: &[String], f: &mut dyn FnMut(&mut dyn TableLike, &str)) {
    match path {
        [key] => {
            if let Some(t) = item.as_table_like_mut() {
                f(t, key);
            }
        }
        [seg, rest @ ..] => match index(seg) {
            Some(i) => {
                if let Some(t) = item.as_array_of_tables_mut().and_then(|a| a.get_mut(i)) {
                    match rest {
                        [key] => f(t, key),
                        [next, more @ ..] => {
                            if let Some(n) = t.get_mut(next) {
                                with_parent(n, more, f);
                            }
                        }
                        [] => {}
                    }
                }
            }
            None => {
                if let Some(next) = item.get_mut(seg.as_str()) {
                    with_parent(next, rest, f);
                }
            }
        },
        [] => {}
    }
}

fn value_from(kind: u8, bytes: &[u8]) -> Value {
    let s = String::from_utf8_lossy(bytes).into_owned();
    let int = bytes
        .iter()
        .take(8)
        .fold(0i64, |a, b| (a << 8) | i64::from(*b));
    match kind % 6 {
        0 => Value::from(s),
        1 => Value::from(int),
        2 => Value::from(int % 1000),
        3 => Value::from(bytes.first().is_some_and(|b| b % 2 == 1)),
        4 => Value::from(f64::from_bits(int as u64)),
        _ => {
            let mut a = Array::new();
            for part in s.split(',') {
                a.push(part);
            }
            Value::Array(a)
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&case, rest)) = data.split_first() else {
        return;
    };
    if case % 2 == 0 {
        check(&String::from_utf8_lossy(rest));
        return;
    }
    let mut doc: DocumentMut = match EXAMPLE.parse() {
        Ok(d) => d,
        Err(e) => panic!("kiosk.example.toml: {e}"),
    };
    let mut paths = Vec::new();
    leaves(doc.as_item(), &mut Vec::new(), &mut paths);
    let f = fields(rest, 2);
    // Up to four edits: (which key, what) pairs from the first field.
    for pair in f[0].chunks(2).take(4) {
        let which = usize::from(pair[0]) % paths.len();
        let action = pair.get(1).copied().unwrap_or(0);
        let path = paths[which].clone();
        let value = value_from(action, f[1]);
        with_parent(doc.as_item_mut(), &path, &mut |t, key| {
            if action % 8 == 7 {
                t.remove(key);
            } else {
                t.insert(key, Item::Value(value.clone()));
            }
        });
    }
    let text = doc.to_string();
    check(&text);
});
