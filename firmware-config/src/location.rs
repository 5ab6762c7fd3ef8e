//! Places in a TOML text: key paths, their spans in the parsed document, line and column.

use std::ops::Range;

use toml_edit::{ImDocument, Item, Table, Value};

/// One step of a path into the document.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// A path from the root, e.g. `devices.qr_port` or `staff[1].user`.
pub(crate) type KeyPath = Vec<Seg>;

/// Builds a path of keys.
pub fn keys(parts: &[&str]) -> KeyPath {
    parts.iter().map(|p| Seg::Key((*p).to_owned())).collect()
}

/// `path` followed by `more`.
pub fn join(path: &[Seg], more: &[Seg]) -> KeyPath {
    path.iter().chain(more).cloned().collect()
}

/// How a path is written for people: `[devices] qr_port`, `[[staff]] #2 user`,
/// `[business] enabled[3]`.
pub fn describe(path: &[Seg]) -> String {
    let (mut out, rest) = match path {
        [Seg::Key(s), Seg::Key(d), Seg::Index(i), tail @ ..] if s == "calendar" && d == "days" => {
            (format!("[[calendar.days]] #{}", i + 1), tail)
        }
        [Seg::Key(s), Seg::Index(i), tail @ ..] => (format!("[[{s}]] #{}", i + 1), tail),
        [Seg::Key(s), tail @ ..] => (format!("[{s}]"), tail),
        _ => (String::from("the file"), path),
    };
    for seg in rest {
        match seg {
            Seg::Key(k) => {
                out.push(' ');
                out.push_str(k);
            }
            Seg::Index(n) => out.push_str(&format!("[{n}]")),
        }
    }
    out
}

/// 1-based line and column (in characters) of a byte offset.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    (line, before[line_start..].chars().count() + 1)
}

enum Node<'a> {
    Item(&'a Item),
    Table(&'a Table),
    Value(&'a Value),
}

/// The span of the deepest existing part of `path`: the key for a key, the element for an
/// array index. `None` when not even the first step is in the document.
pub(crate) fn span_of(doc: &ImDocument<String>, path: &[Seg]) -> Option<Range<usize>> {
    locate(doc, path).0
}

/// Like `span_of`, and whether the whole path exists in the document.
pub(crate) fn locate(doc: &ImDocument<String>, path: &[Seg]) -> (Option<Range<usize>>, bool) {
    let mut found = 0;
    let mut node = Node::Table(doc.as_table());
    let mut best = None;
    for seg in path {
        let (next, span) = match (seg, &node) {
            (Seg::Key(k), Node::Table(t)) => match t.get_key_value(k) {
                Some((key, item)) => (Node::Item(item), key.span()),
                None => break,
            },
            (Seg::Key(k), Node::Item(Item::Table(t))) => match t.get_key_value(k) {
                Some((key, item)) => (Node::Item(item), key.span()),
                None => break,
            },
            (Seg::Key(k), Node::Item(Item::Value(Value::InlineTable(t))))
            | (Seg::Key(k), Node::Value(Value::InlineTable(t))) => match t.get_key_value(k) {
                Some((key, item)) => (Node::Item(item), key.span()),
                None => break,
            },
            (Seg::Index(i), Node::Item(Item::ArrayOfTables(a))) => match a.get(*i) {
                Some(t) => (Node::Table(t), t.span()),
                None => break,
            },
            (Seg::Index(i), Node::Item(Item::Value(Value::Array(a))))
            | (Seg::Index(i), Node::Value(Value::Array(a))) => match a.get(*i) {
                Some(v) => (Node::Value(v), v.span()),
                None => break,
            },
            _ => break,
        };
        if span.is_some() {
            best = span;
        }
        found += 1;
        node = next;
    }
    (best, found == path.len())
}
