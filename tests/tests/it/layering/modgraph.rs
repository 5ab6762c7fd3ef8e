//! The module graph of one crate, read from its sources, and the cycles in it.
//!
//! A module is a file: the crate root (`lib.rs`, `main.rs`, `src/bin/x.rs`), then every file
//! a `mod name;` declaration outside `#[cfg(test)]` brings in (`name.rs` or `name/mod.rs`
//! beside the declaring file, as rustc finds them). Inline `mod x { … }` blocks belong to
//! their file. An edge `m → t` means the code of `m` names a path inside `t`: `crate::…`,
//! `super::…`, `self::…`, or a child of `m` by its name, in a `use` or inline; the deepest
//! module the path reaches is the target. Not counted: comments, string and char literals,
//! everything under `#[cfg(test)]`, and `pub use` / `pub(…) use` re-exports (a facade that
//! re-exports its children does not depend on them). A parent using its child's items while
//! the child uses the parent's is a cycle like any other.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

/// A crate's modules by path (`a::b`; the root is the empty path).
#[derive(Debug)]
pub struct Crate {
    pub modules: BTreeMap<String, Module>,
}

/// One module: its file and its code as tokens, test code left out.
#[derive(Debug)]
pub struct Module {
    pub file: PathBuf,
    tokens: Vec<Tok>,
}

/// A group of modules that reach each other, with the edges between them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cycle {
    pub modules: Vec<String>,
    pub edges: Vec<(String, String)>,
}

fn shown(module: &str) -> &str {
    if module.is_empty() {
        "<root>"
    } else {
        module
    }
}

impl fmt::Display for Cycle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.modules.iter().map(|m| shown(m)).collect();
        write!(f, "{}", names.join(" ↔ "))?;
        for (a, b) in &self.edges {
            write!(f, "\n    {} → {}", shown(a), shown(b))?;
        }
        Ok(())
    }
}

impl Crate {
    /// Reads the crate whose root file is `root`, following its `mod` declarations.
    pub fn read(root: &Path) -> Result<Crate, String> {
        let mut modules = BTreeMap::new();
        load(root, String::new(), true, &mut modules)?;
        Ok(Crate { modules })
    }

    /// Which module names which (see the module header).
    pub fn edges(&self) -> BTreeMap<&str, BTreeSet<&str>> {
        let mut edges: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for (name, module) in &self.modules {
            for path in paths(&module.tokens) {
                if let Some(target) = self.resolve(name, &path) {
                    if target != name.as_str() {
                        edges.entry(name.as_str()).or_default().insert(target);
                    }
                }
            }
        }
        edges
    }

    /// The module a path names from inside `from`, or `None` for a path that starts outside
    /// the crate (another crate, the standard library, an item in scope).
    fn resolve(&self, from: &str, path: &[String]) -> Option<&str> {
        let mut base: Vec<&str> = if from.is_empty() {
            Vec::new()
        } else {
            from.split("::").collect()
        };
        let mut rest = path;
        match rest.first().map(String::as_str) {
            Some("crate") => {
                base.clear();
                rest = &rest[1..];
            }
            Some("super") => {
                while rest.first().map(String::as_str) == Some("super") {
                    base.pop();
                    rest = &rest[1..];
                }
            }
            Some("self") => rest = &rest[1..],
            Some(first) if self.modules.contains_key(&join(&base, first)) => {}
            _ => return None,
        }
        let mut reached = base.join("::");
        for seg in rest {
            let next = join_path(&reached, seg);
            if self.modules.contains_key(&next) {
                reached = next;
            } else {
                break;
            }
        }
        self.modules
            .get_key_value(&reached)
            .map(|(k, _)| k.as_str())
    }

    /// The cycles: strongly connected components of more than one module (Tarjan).
    pub fn cycles(&self) -> Vec<Cycle> {
        let edges = self.edges();
        let names: Vec<&str> = self.modules.keys().map(String::as_str).collect();
        let index_of: BTreeMap<&str, usize> =
            names.iter().enumerate().map(|(i, n)| (*n, i)).collect();
        let adjacent: Vec<Vec<usize>> = names
            .iter()
            .map(|n| {
                edges
                    .get(n)
                    .map(|ts| ts.iter().filter_map(|t| index_of.get(t).copied()).collect())
                    .unwrap_or_default()
            })
            .collect();
        let mut tarjan = Tarjan::new(names.len());
        for v in 0..names.len() {
            if tarjan.index[v].is_none() {
                tarjan.visit(v, &adjacent);
            }
        }
        let mut cycles: Vec<Cycle> = tarjan
            .components
            .into_iter()
            .filter(|c| c.len() > 1)
            .map(|mut c| {
                c.sort_unstable();
                let names = &names;
                let modules: Vec<String> = c.iter().map(|&i| names[i].to_string()).collect();
                let edges = c
                    .iter()
                    .flat_map(|&a| {
                        adjacent[a]
                            .iter()
                            .filter(|b| c.contains(b))
                            .map(move |&b| (names[a].to_string(), names[b].to_string()))
                    })
                    .collect();
                Cycle { modules, edges }
            })
            .collect();
        cycles.sort_by(|a, b| a.modules.cmp(&b.modules));
        cycles
    }
}

struct Tarjan {
    index: Vec<Option<usize>>,
    low: Vec<usize>,
    on_stack: Vec<bool>,
    stack: Vec<usize>,
    next: usize,
    components: Vec<Vec<usize>>,
}

impl Tarjan {
    fn new(n: usize) -> Tarjan {
        Tarjan {
            index: vec![None; n],
            low: vec![0; n],
            on_stack: vec![false; n],
            stack: Vec::new(),
            next: 0,
            components: Vec::new(),
        }
    }

    fn visit(&mut self, v: usize, adjacent: &[Vec<usize>]) {
        self.index[v] = Some(self.next);
        self.low[v] = self.next;
        self.next += 1;
        self.stack.push(v);
        self.on_stack[v] = true;
        for &w in &adjacent[v] {
            match self.index[w] {
                None => {
                    self.visit(w, adjacent);
                    self.low[v] = self.low[v].min(self.low[w]);
                }
                Some(iw) if self.on_stack[w] => self.low[v] = self.low[v].min(iw),
                Some(_) => {}
            }
        }
        if Some(self.low[v]) == self.index[v] {
            let mut component = Vec::new();
            while let Some(w) = self.stack.pop() {
                self.on_stack[w] = false;
                component.push(w);
                if w == v {
                    break;
                }
            }
            self.components.push(component);
        }
    }
}

fn join(base: &[&str], name: &str) -> String {
    join_path(&base.join("::"), name)
}

fn join_path(base: &str, name: &str) -> String {
    if base.is_empty() {
        name.to_string()
    } else {
        format!("{base}::{name}")
    }
}

/// Reads `file` as module `path` and, recursively, the modules it declares. `mod_rs`: the
/// file is a crate root or a `mod.rs`, whose children live beside it (otherwise in a folder
/// named after it).
fn load(
    file: &Path,
    path: String,
    mod_rs: bool,
    out: &mut BTreeMap<String, Module>,
) -> Result<(), String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let tokens = without_test_code(lex(&text));
    let dir = match (file.parent(), mod_rs) {
        (Some(d), true) => d.to_path_buf(),
        (Some(d), false) => d.join(file.file_stem().unwrap_or_default()),
        (None, _) => return Err(format!("{}: no folder", file.display())),
    };
    for name in declared_modules(&tokens) {
        let flat = dir.join(format!("{name}.rs"));
        let nested = dir.join(&name).join("mod.rs");
        let (child, child_mod_rs) = if flat.is_file() {
            (flat, false)
        } else if nested.is_file() {
            (nested, true)
        } else {
            return Err(format!(
                "{}: `mod {name};` found neither {} nor {}",
                file.display(),
                flat.display(),
                nested.display()
            ));
        };
        load(&child, join_path(&path, &name), child_mod_rs, out)?;
    }
    out.insert(
        path,
        Module {
            file: file.to_path_buf(),
            tokens,
        },
    );
    Ok(())
}

/// A token of Rust code, as far as paths are concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Ident(String),
    /// `::`
    PathSep,
    Punct(char),
    /// A string, char or number literal (its text does not matter here).
    Literal,
}

fn ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The tokens of `text`, without comments; literals become [`Tok::Literal`], lifetimes
/// disappear.
fn lex(text: &str) -> Vec<Tok> {
    let c: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < c.len() {
        let ch = c[i];
        let next = c.get(i + 1).copied();
        if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && next == Some('/') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && next == Some('*') {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if let Some(end) = raw_string_end(&c, i) {
            out.push(Tok::Literal);
            i = end;
        } else if ch == '"' || ((ch == 'b' || ch == 'c') && next == Some('"')) {
            i += if ch == '"' { 1 } else { 2 };
            while i < c.len() && c[i] != '"' {
                i += if c[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push(Tok::Literal);
        } else if ch == '\'' || (ch == 'b' && next == Some('\'')) {
            let q = if ch == '\'' { i } else { i + 1 };
            match (c.get(q + 1), c.get(q + 2)) {
                // '\n', '\'', '\u{…}'
                (Some('\\'), _) => {
                    let mut j = q + 3;
                    while j < c.len() && c[j] != '\'' {
                        j += 1;
                    }
                    out.push(Tok::Literal);
                    i = j + 1;
                }
                // 'x'
                (Some(_), Some('\'')) => {
                    out.push(Tok::Literal);
                    i = q + 3;
                }
                // a lifetime or a label: `'a`
                _ => {
                    i = q + 1;
                    while i < c.len() && ident_char(c[i]) {
                        i += 1;
                    }
                }
            }
        } else if ch.is_ascii_digit() {
            while i < c.len()
                && (ident_char(c[i])
                    || c[i] == '.' && c.get(i + 1).is_some_and(char::is_ascii_digit))
            {
                i += 1;
            }
            out.push(Tok::Literal);
        } else if ident_start(ch) {
            // raw identifiers: r#type
            if ch == 'r' && next == Some('#') && c.get(i + 2).copied().is_some_and(ident_start) {
                i += 2;
            }
            let from = i;
            while i < c.len() && ident_char(c[i]) {
                i += 1;
            }
            out.push(Tok::Ident(c[from..i].iter().collect()));
        } else if ch == ':' && next == Some(':') {
            out.push(Tok::PathSep);
            i += 2;
        } else {
            out.push(Tok::Punct(ch));
            i += 1;
        }
    }
    out
}

/// Where a raw string literal (`r"…"`, `r#"…"#`, `br"…"`, `cr#"…"#`) starting at `i` ends,
/// if one starts there.
fn raw_string_end(c: &[char], i: usize) -> Option<usize> {
    if i > 0 && ident_char(c[i - 1]) {
        return None;
    }
    let mut j = i;
    if matches!(c.get(j), Some('b') | Some('c')) {
        j += 1;
    }
    if c.get(j) != Some(&'r') {
        return None;
    }
    j += 1;
    let mut hashes = 0;
    while c.get(j) == Some(&'#') {
        hashes += 1;
        j += 1;
    }
    if c.get(j) != Some(&'"') {
        return None;
    }
    j += 1;
    while j < c.len() {
        if c[j] == '"' && (1..=hashes).all(|k| c.get(j + k) == Some(&'#')) {
            return Some(j + 1 + hashes);
        }
        j += 1;
    }
    Some(c.len())
}

fn is_ident(t: Option<&Tok>, name: &str) -> bool {
    matches!(t, Some(Tok::Ident(s)) if s == name)
}

/// The index just past the group that opens at `i` (`(`, `[` or `{`), or the end.
fn group_end(tokens: &[Tok], i: usize) -> usize {
    let mut depth = 0usize;
    let mut j = i;
    while j < tokens.len() {
        match tokens[j] {
            Tok::Punct('(' | '[' | '{') => depth += 1,
            Tok::Punct(')' | ']' | '}') => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return j + 1;
                }
            }
            _ => {}
        }
        j += 1;
    }
    tokens.len()
}

/// Whether tokens at `i` are the attribute `#[cfg(test)]` (`inner`: `#![cfg(test)]`).
fn cfg_test_at(tokens: &[Tok], i: usize, inner: bool) -> bool {
    let bang = usize::from(inner);
    tokens.get(i) == Some(&Tok::Punct('#'))
        && (!inner || tokens.get(i + 1) == Some(&Tok::Punct('!')))
        && tokens.get(i + 1 + bang) == Some(&Tok::Punct('['))
        && is_ident(tokens.get(i + 2 + bang), "cfg")
        && tokens.get(i + 3 + bang) == Some(&Tok::Punct('('))
        && is_ident(tokens.get(i + 4 + bang), "test")
        && tokens.get(i + 5 + bang) == Some(&Tok::Punct(')'))
        && tokens.get(i + 6 + bang) == Some(&Tok::Punct(']'))
}

/// The tokens without the items under `#[cfg(test)]`; nothing for a file that is test code
/// as a whole (`#![cfg(test)]`).
fn without_test_code(tokens: Vec<Tok>) -> Vec<Tok> {
    if (0..tokens.len()).any(|i| cfg_test_at(&tokens, i, true)) {
        return Vec::new();
    }
    let mut out = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        if cfg_test_at(&tokens, i, false) {
            i = item_end(&tokens, i + 7);
        } else {
            out.push(tokens[i].clone());
            i += 1;
        }
    }
    out
}

/// The index just past the item starting at `i` (after its attributes): at its `;`, or at the
/// end of its body `{ … }` (for `use`, `const`, `static`, `type`: always at its `;`).
fn item_end(tokens: &[Tok], mut i: usize) -> usize {
    while tokens.get(i) == Some(&Tok::Punct('#')) && tokens.get(i + 1) == Some(&Tok::Punct('[')) {
        i = group_end(tokens, i + 1);
    }
    let mut k = i;
    if is_ident(tokens.get(k), "pub") {
        k += 1;
        if tokens.get(k) == Some(&Tok::Punct('(')) {
            k = group_end(tokens, k);
        }
    }
    let ends_with_semicolon = ["use", "const", "static", "type", "extern"]
        .iter()
        .any(|kw| is_ident(tokens.get(k), kw));
    while i < tokens.len() {
        match tokens[i] {
            Tok::Punct(';') => return i + 1,
            Tok::Punct('(' | '[') => i = group_end(tokens, i),
            Tok::Punct('{') => {
                i = group_end(tokens, i);
                if !ends_with_semicolon {
                    return i;
                }
            }
            _ => i += 1,
        }
    }
    tokens.len()
}

/// The names of `mod name;` declarations at the file's top level.
fn declared_modules(tokens: &[Tok]) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    for (i, t) in tokens.iter().enumerate() {
        match t {
            Tok::Punct('{') => depth += 1,
            Tok::Punct('}') => depth = depth.saturating_sub(1),
            Tok::Ident(kw) if kw == "mod" && depth == 0 => {
                if let (Some(Tok::Ident(name)), Some(Tok::Punct(';'))) =
                    (tokens.get(i + 1), tokens.get(i + 2))
                {
                    out.push(name.clone());
                }
            }
            _ => {}
        }
    }
    out
}

/// Whether the `use` at `i` is a re-export (`pub use`, `pub(crate) use`, …).
fn is_reexport(tokens: &[Tok], i: usize) -> bool {
    if i >= 1 && is_ident(tokens.get(i - 1), "pub") {
        return true;
    }
    if i >= 1 && tokens.get(i - 1) == Some(&Tok::Punct(')')) {
        // pub(crate) use, pub(super) use, pub(in path) use
        let mut j = i - 1;
        while j > 0 && tokens[j] != Tok::Punct('(') {
            j -= 1;
        }
        return j >= 1 && is_ident(tokens.get(j - 1), "pub");
    }
    false
}

/// Every path the code names, as segments: `use` trees expanded (re-exports left out), and
/// inline paths of two segments or more.
fn paths(tokens: &[Tok]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i] {
            Tok::Ident(kw) if kw == "use" => {
                let end = use_end(tokens, i + 1);
                if !is_reexport(tokens, i) {
                    use_tree(&tokens[i + 1..end], &[], &mut out);
                }
                i = end;
            }
            Tok::Ident(first) if i == 0 || tokens[i - 1] != Tok::PathSep => {
                let mut segs = vec![first.clone()];
                let mut j = i + 1;
                while tokens.get(j) == Some(&Tok::PathSep) {
                    match tokens.get(j + 1) {
                        Some(Tok::Ident(s)) => {
                            segs.push(s.clone());
                            j += 2;
                        }
                        _ => break,
                    }
                }
                if segs.len() > 1 {
                    out.push(segs);
                }
                i = j;
            }
            _ => i += 1,
        }
    }
    out
}

/// The index of the `;` that ends a `use` tree starting at `i`.
fn use_end(tokens: &[Tok], mut i: usize) -> usize {
    let mut depth = 0usize;
    while i < tokens.len() {
        match tokens[i] {
            Tok::Punct('{') => depth += 1,
            Tok::Punct('}') => depth = depth.saturating_sub(1),
            Tok::Punct(';') if depth == 0 => return i,
            _ => {}
        }
        i += 1;
    }
    tokens.len()
}

/// Expands a `use` tree (`a::b::{c, d::{e as f, self}, *}`) into paths under `prefix`.
fn use_tree(tokens: &[Tok], prefix: &[String], out: &mut Vec<Vec<String>>) {
    let mut path = prefix.to_vec();
    let mut i = 0;
    // A leading `::` (a path from the extern prelude).
    if tokens.first() == Some(&Tok::PathSep) {
        i = 1;
    }
    while i < tokens.len() {
        match &tokens[i] {
            Tok::Ident(s) if s == "as" => break,
            Tok::Ident(s) if s == "self" && !path.is_empty() => i += 1,
            Tok::Ident(s) => {
                path.push(s.clone());
                i += 1;
            }
            Tok::PathSep | Tok::Punct('*') => i += 1,
            Tok::Punct('{') => {
                let end = group_end(tokens, i).saturating_sub(1);
                let inner = &tokens[i + 1..end.max(i + 1)];
                let mut depth = 0usize;
                let mut start = 0;
                for (k, t) in inner.iter().enumerate() {
                    match t {
                        Tok::Punct('{') => depth += 1,
                        Tok::Punct('}') => depth = depth.saturating_sub(1),
                        Tok::Punct(',') if depth == 0 => {
                            use_tree(&inner[start..k], &path, out);
                            start = k + 1;
                        }
                        _ => {}
                    }
                }
                use_tree(&inner[start..], &path, out);
                return;
            }
            _ => i += 1,
        }
    }
    if path.len() > prefix.len() || (!prefix.is_empty() && !tokens.is_empty()) {
        out.push(path);
    }
}
