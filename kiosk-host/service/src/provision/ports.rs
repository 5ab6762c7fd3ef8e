//! Serial port names: the technician's glob patterns expanded in natural order, reader name
//! patterns, and the stable `/dev/serial/by-id/` alias of a port.

use std::fs::{self};
use std::path::Path;

use super::*;

/// `*` (any run of characters) and `?` (one character) glob over a whole string.
pub(crate) fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(&c) if c == '?' || c == t[ti] => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// Whether a `[devices]` reader pattern names `reader`: a `*` glob over the whole name, or
/// else a substring of it.
pub fn reader_matches(pattern: &str, reader: &str) -> bool {
    if pattern.contains('*') {
        glob_match(pattern, reader)
    } else {
        !pattern.is_empty() && reader.contains(pattern)
    }
}

/// `ttyUSB10` after `ttyUSB9`: digits compared as numbers.
pub(crate) fn natural_key(s: &str) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut num = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            num.push(c);
        } else {
            if !num.is_empty() {
                out.push((std::mem::take(&mut text), num.parse().unwrap_or(u64::MAX)));
                num.clear();
            }
            text.push(c);
        }
    }
    out.push((text, num.parse().unwrap_or(0)));
    out
}

/// The paths matching each glob (a wildcard in the last component only; a path without one
/// is taken when it exists), deduplicated, each glob's matches in natural order.
pub fn expand_port_globs(globs: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for glob in globs {
        let path = Path::new(glob);
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut found = Vec::new();
        if name.contains('*') || name.contains('?') {
            let dir = path
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            if let Ok(entries) = fs::read_dir(dir) {
                for e in entries.flatten() {
                    let n = e.file_name().to_string_lossy().into_owned();
                    if glob_match(&name, &n) {
                        found.push(dir.join(n).display().to_string());
                    }
                }
            }
            found.sort_by_key(|p| natural_key(p));
        } else if path.exists() {
            found.push(glob.clone());
        }
        for p in found {
            if !out.contains(&p) {
                out.push(p);
            }
        }
    }
    out
}

/// The stable name udev gives the serial port `path` (`/dev/serial/by-id/usb-…`), if any.
pub fn stable_alias(path: &str) -> Option<String> {
    let target = fs::canonicalize(path).ok()?;
    let mut aliases: Vec<String> = fs::read_dir(SERIAL_BY_ID)
        .ok()?
        .flatten()
        .filter(|e| fs::canonicalize(e.path()).ok().as_ref() == Some(&target))
        .map(|e| e.path().display().to_string())
        .collect();
    aliases.sort();
    aliases.into_iter().next()
}
