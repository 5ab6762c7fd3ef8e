//! The audit log's hash chain, as pure functions (no database).
//!
//! Each entry's hash is SHA-256 over an unambiguous encoding of its fields and the previous
//! entry's hash:
//!
//! ```text
//! "kiosk-audit/1" ‖ field(seq) ‖ field(at) ‖ field(actor) ‖ field(action) ‖ field(subject)
//!                 ‖ field(detail) ‖ field(prev_hash)
//! field(x) = length of x in bytes (u64, big-endian) ‖ x (UTF-8)
//! ```
//!
//! with `seq` in decimal, `at` as RFC 3339 UTC with nine fraction digits
//! (`2026-03-01T02:03:04.000000000Z`, [`format_time`]) and `detail` as canonical JSON
//! ([`canonical_json`]: object keys sorted, no whitespace). The first entry's `prev_hash` is
//! [`GENESIS`] (64 zeros).
//!
//! [`Verifier`] walks the entries in order and reports every problem with the sequence number
//! concerned: an altered entry (its hash no longer matches its content), a broken link, a
//! removed entry (a gap in the sequence), and removed newest entries, which the chain alone
//! cannot show: for those it compares the heads that sealed archive batches recorded
//! ([`RecordedHead`]) with what the log holds now.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::SecondsFormat;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::{AuditEntry, AuditReport};
use crate::domain::Timestamp;

/// The `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Domain separation: the hash of an audit entry cannot be confused with any other SHA-256.
const DOMAIN: &[u8] = b"kiosk-audit/1";

/// An instant as the chain encodes it: RFC 3339, UTC, nine fraction digits, `Z`.
pub fn format_time(at: Timestamp) -> String {
    at.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

/// JSON with object keys sorted (by their UTF-8 bytes) and no whitespace, so one value has
/// exactly one text whatever the map order of the `serde_json` build.
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(key, out);
                out.push(':');
                if let Some(v) = map.get(key) {
                    write_canonical(v, out);
                }
            }
            out.push('}');
        }
    }
}

/// A JSON string: `"` and `\` escaped, control characters as `\n`, `\t`, … or `\u00XX`,
/// everything else as it is (UTF-8).
fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn field(hasher: &mut Sha256, bytes: &[u8]) {
    // usize → u64 cannot truncate on any platform Rust supports
    hasher.update((bytes.len() as u64).to_be_bytes());
    hasher.update(bytes);
}

/// The hash (hex) of an entry with these fields.
pub fn entry_hash(
    seq: i64,
    at: Timestamp,
    actor: &str,
    action: &str,
    subject: &str,
    detail: &Value,
    prev_hash: &str,
) -> String {
    let mut hasher = Sha256::new();
    hasher.update(DOMAIN);
    field(&mut hasher, seq.to_string().as_bytes());
    field(&mut hasher, format_time(at).as_bytes());
    field(&mut hasher, actor.as_bytes());
    field(&mut hasher, action.as_bytes());
    field(&mut hasher, subject.as_bytes());
    field(&mut hasher, canonical_json(detail).as_bytes());
    field(&mut hasher, prev_hash.as_bytes());
    hex::encode(hasher.finalize())
}

/// The hash an entry should carry, from its content and its `prev_hash`.
pub fn hash_of(entry: &AuditEntry) -> String {
    entry_hash(
        entry.seq,
        entry.at,
        &entry.actor,
        &entry.action,
        &entry.subject,
        &entry.detail,
        &entry.prev_hash,
    )
}

/// Builds the next entry after `prev` (`None` = the first), with its link and hash.
pub fn next_entry(
    prev: Option<(i64, &str)>,
    at: Timestamp,
    actor: &str,
    action: &str,
    subject: &str,
    detail: Value,
) -> AuditEntry {
    let (seq, prev_hash) = match prev {
        Some((seq, hash)) => (seq + 1, hash.to_string()),
        None => (1, GENESIS.to_string()),
    };
    let hash = entry_hash(seq, at, actor, action, subject, &detail, &prev_hash);
    AuditEntry {
        seq,
        at,
        actor: actor.to_string(),
        action: action.to_string(),
        subject: subject.to_string(),
        detail,
        prev_hash,
        hash,
    }
}

/// A chain head recorded outside the log (by a sealed archive batch): the entry `seq` must
/// still be there with this `hash`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedHead {
    pub seq: i64,
    pub hash: String,
    /// Who recorded it, for the report, e.g. "archive batch 2026-03".
    pub by: String,
}

/// Walks the log in sequence order and collects every problem.
#[derive(Debug)]
pub struct Verifier {
    entries: u64,
    /// The sequence number of the first entry expected.
    start: i64,
    last: Option<(i64, String)>,
    heads: BTreeMap<i64, Vec<RecordedHead>>,
    problems: Vec<String>,
}

impl Verifier {
    /// `heads`: the heads recorded by sealed batches (a head at seq 0 — an empty log when the
    /// batch was sealed — asks for nothing).
    pub fn new(heads: impl IntoIterator<Item = RecordedHead>) -> Verifier {
        let mut map: BTreeMap<i64, Vec<RecordedHead>> = BTreeMap::new();
        for head in heads {
            if head.seq > 0 {
                map.entry(head.seq).or_default().push(head);
            }
        }
        Verifier {
            entries: 0,
            start: 1,
            last: None,
            heads: map,
            problems: Vec::new(),
        }
    }

    /// A verifier of the entries from `from` on, for a log whose entries before were verified
    /// already: `from` is a head a sealed batch recorded, and `heads` must hold it, so the
    /// first entry is checked against it (its content, and the hash recorded) while its link
    /// to the entry before is not. Heads before `from` are not looked for.
    pub fn resuming_at(from: i64, heads: impl IntoIterator<Item = RecordedHead>) -> Verifier {
        let mut verifier = Verifier::new(heads.into_iter().filter(|h| h.seq >= from));
        verifier.start = from.max(1);
        verifier
    }

    /// Checks the sequence and, when nothing is missing before the entry, its link to the
    /// entry before.
    fn check_position(&mut self, seq: i64, prev_hash: &str) {
        let expected = self.last.as_ref().map_or(self.start, |(s, _)| s + 1);
        if seq > expected {
            let what = match &self.last {
                Some((before, _)) => format!("removed between seq {before} and seq {seq}"),
                None => format!("the log starts at seq {seq}"),
            };
            let range = if seq - 1 == expected {
                format!("seq {expected}")
            } else {
                format!("seq {expected}..={}", seq - 1)
            };
            self.problems.push(format!("{range}: missing: {what}"));
            return;
        }
        if seq < expected {
            self.problems.push(format!(
                "seq {seq}: out of order: it comes after seq {}",
                expected - 1
            ));
            return;
        }
        match &self.last {
            // Resuming: the entry before was verified before.
            None if self.start > 1 => {}
            None if prev_hash != GENESIS => self.problems.push(format!(
                "seq {seq}: link broken: the first entry's prev_hash is not 64 zeros"
            )),
            Some((before, hash)) if prev_hash != hash => self.problems.push(format!(
                "seq {seq}: link broken: prev_hash does not match the hash of seq {before}"
            )),
            _ => {}
        }
    }

    fn check_heads(&mut self, seq: i64, hash: &str) {
        if let Some(heads) = self.heads.remove(&seq) {
            for head in heads {
                if head.hash != hash {
                    self.problems.push(format!(
                        "seq {seq}: differs from the head recorded by {}: entries were \
                         rewritten",
                        head.by
                    ));
                }
            }
        }
    }

    /// The next entry, in sequence order.
    pub fn push(&mut self, entry: &AuditEntry) {
        self.entries += 1;
        self.check_position(entry.seq, &entry.prev_hash);
        if hash_of(entry) != entry.hash {
            self.problems.push(format!(
                "seq {}: altered: its hash does not match its content",
                entry.seq
            ));
        }
        self.check_heads(entry.seq, &entry.hash);
        self.last = Some((entry.seq, entry.hash.clone()));
    }

    /// An entry whose stored fields cannot be read back (e.g. its detail is no longer JSON):
    /// counted as altered; its stored hash still links the next entry.
    pub fn push_unreadable(&mut self, seq: i64, prev_hash: &str, hash: &str, why: &str) {
        self.entries += 1;
        self.check_position(seq, prev_hash);
        self.problems.push(format!(
            "seq {seq}: altered: the entry cannot be read ({why})"
        ));
        self.check_heads(seq, hash);
        self.last = Some((seq, hash.to_string()));
    }

    pub fn finish(mut self) -> AuditReport {
        let end = self.last.as_ref().map_or(0, |(s, _)| *s);
        for (seq, heads) in std::mem::take(&mut self.heads) {
            for head in heads {
                let now = if seq > end {
                    format!("the log ends at seq {end}: the newest entries were removed")
                } else {
                    "it is no longer in the log".to_string()
                };
                self.problems.push(format!(
                    "seq {seq}: missing: {} recorded it as the head; {now}",
                    head.by
                ));
            }
        }
        AuditReport {
            entries: self.entries,
            head: self.last,
            problems: self.problems,
        }
    }
}

/// Verifies a whole log held in memory (see [`Verifier`]).
pub fn verify(entries: &[AuditEntry], heads: &[RecordedHead]) -> AuditReport {
    let mut verifier = Verifier::new(heads.iter().cloned());
    for entry in entries {
        verifier.push(entry);
    }
    verifier.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    fn at(s: i64) -> Timestamp {
        chrono::Utc.timestamp_opt(1_770_000_000 + s, 123).unwrap()
    }

    fn chain(n: i64) -> Vec<AuditEntry> {
        let mut out: Vec<AuditEntry> = Vec::new();
        for i in 0..n {
            let prev = out.last().map(|e| (e.seq, e.hash.as_str()));
            let e = next_entry(
                prev,
                at(i),
                "system",
                "card.state",
                "*****1234",
                json!({"to": "active", "n": i}),
            );
            out.push(e);
        }
        out
    }

    #[test]
    fn resuming_checks_the_anchor_and_what_follows_only() {
        let mut log = chain(10);
        let head = |seq: i64, hash: &str| RecordedHead {
            seq,
            hash: hash.to_string(),
            by: "archive batch 2026-03".into(),
        };
        let anchor = head(4, &log[3].hash);
        let run = |log: &[AuditEntry], anchor: &RecordedHead| {
            let mut v = Verifier::resuming_at(4, [anchor.clone(), head(2, "stale")]);
            for e in log.iter().filter(|e| e.seq >= 4) {
                v.push(e);
            }
            v.finish()
        };
        let report = run(&log, &anchor);
        assert!(report.ok(), "{:?}", report.problems);
        assert_eq!(report.entries, 7);
        assert_eq!(report.head, Some((10, log[9].hash.clone())));

        // An entry before the anchor is not read: altering it is for a full verify to find.
        log[1].detail = json!({"to": "blocked"});
        assert!(run(&log, &anchor).ok());
        assert!(!verify(&log, &[]).ok());
        // The anchor altered, or not the hash recorded, or an entry after it altered: found.
        let mut altered = log.clone();
        altered[3].detail = json!({"to": "blocked"});
        let report = run(&altered, &anchor);
        assert_eq!(
            report.problems,
            vec!["seq 4: altered: its hash does not match its content".to_string()]
        );
        let report = run(&log, &head(4, &log[4].hash));
        assert!(
            report.problems[0].contains("differs from the head recorded by archive batch"),
            "{:?}",
            report.problems
        );
        let mut altered = log.clone();
        altered[6].detail = json!({"to": "blocked"});
        assert!(!run(&altered, &anchor).ok());
        // The anchor removed: the log seen starts after it.
        let report = run(&log[4..], &anchor);
        assert!(
            report.problems[0].starts_with("seq 4: missing"),
            "{:?}",
            report.problems
        );
    }

    #[test]
    fn canonical_json_sorts_keys_and_escapes() {
        let v = json!({"b": [1, {"z": null, "a": true}], "a": "x\"\n\u{1}中"});
        assert_eq!(
            canonical_json(&v),
            "{\"a\":\"x\\\"\\n\\u0001中\",\"b\":[1,{\"a\":true,\"z\":null}]}"
        );
        // the canonical text parses back to the same value
        let back: Value = serde_json::from_str(&canonical_json(&v)).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn a_float_in_a_detail_keeps_its_hash_through_storage() {
        // The identity step's score (f32 widened to f64) has 17 significant digits: the text
        // stored must parse back to the very same number (serde_json's `float_roundtrip`),
        // or the entry reads as altered at the next verification.
        let score = f64::from(0.201_087_73_f32);
        let d = json!({ "score": score, "threshold": f64::from(0.6_f32) });
        let stored = canonical_json(&d);
        let back: Value = serde_json::from_str(&stored).unwrap();
        assert_eq!(canonical_json(&back), stored);
        assert_eq!(
            entry_hash(1, at(0), "a", "identity.matched", "s", &back, GENESIS),
            entry_hash(1, at(0), "a", "identity.matched", "s", &d, GENESIS)
        );
        for x in [
            0.201_087_728_142_738_31,
            1e-7,
            123_456.789_012_345_6,
            f64::MAX,
        ] {
            let text = canonical_json(&json!(x));
            let again: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(canonical_json(&again), text, "{x}");
        }
    }

    #[test]
    fn time_has_fixed_precision() {
        assert_eq!(format_time(at(0)), "2026-02-02T02:40:00.000000123Z");
        let whole = chrono::Utc.timestamp_opt(1_770_000_000, 0).unwrap();
        assert_eq!(format_time(whole), "2026-02-02T02:40:00.000000000Z");
    }

    #[test]
    fn fields_cannot_slide_into_each_other() {
        let d = json!({});
        let a = entry_hash(1, at(0), "ab", "c", "s", &d, GENESIS);
        let b = entry_hash(1, at(0), "a", "bc", "s", &d, GENESIS);
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
    }

    #[test]
    fn intact_chain_verifies() {
        let log = chain(5);
        assert_eq!(log[0].prev_hash, GENESIS);
        let report = verify(&log, &[]);
        assert!(report.ok(), "{:?}", report.problems);
        assert_eq!(report.entries, 5);
        assert_eq!(report.head, Some((5, log[4].hash.clone())));
    }

    #[test]
    fn altered_entry_is_named() {
        let mut log = chain(5);
        log[2].detail = json!({"to": "cancelled", "n": 2});
        let report = verify(&log, &[]);
        assert_eq!(
            report.problems,
            vec!["seq 3: altered: its hash does not match its content"]
        );
    }

    #[test]
    fn rehashed_entry_breaks_the_next_link() {
        let mut log = chain(5);
        log[2].subject = "other".into();
        log[2].hash = hash_of(&log[2]);
        let report = verify(&log, &[]);
        assert_eq!(
            report.problems,
            vec!["seq 4: link broken: prev_hash does not match the hash of seq 3"]
        );
    }

    #[test]
    fn removed_entries_are_named() {
        let mut log = chain(6);
        log.remove(2);
        let report = verify(&log, &[]);
        assert_eq!(
            report.problems,
            vec!["seq 3: missing: removed between seq 2 and seq 4"]
        );
        let mut log = chain(6);
        log.drain(0..2);
        let report = verify(&log, &[]);
        assert_eq!(
            report.problems,
            vec!["seq 1..=2: missing: the log starts at seq 3"]
        );
    }

    #[test]
    fn removed_tail_is_found_through_a_recorded_head() {
        let mut log = chain(6);
        let head = RecordedHead {
            seq: 5,
            hash: log[4].hash.clone(),
            by: "archive batch 2026-01".into(),
        };
        assert!(verify(&log, std::slice::from_ref(&head)).ok());
        log.truncate(3);
        let report = verify(&log, std::slice::from_ref(&head));
        assert_eq!(report.problems.len(), 1);
        assert!(report.problems[0].starts_with("seq 5: missing:"));
        assert!(report.problems[0].contains("archive batch 2026-01"));
        assert!(report.problems[0].contains("ends at seq 3"));

        // the tail removed and new entries appended in its place
        let mut rebuilt = log.clone();
        for i in 0..3 {
            let prev = rebuilt.last().map(|e| (e.seq, e.hash.as_str()));
            let e = next_entry(prev, at(100 + i), "system", "x", "y", json!(i));
            rebuilt.push(e);
        }
        let report = verify(&rebuilt, &[head]);
        assert_eq!(report.problems.len(), 1);
        assert!(report.problems[0].starts_with("seq 5: differs from the head"));
    }

    #[test]
    fn unreadable_entry_counts_as_altered_and_keeps_the_link() {
        let log = chain(3);
        let mut v = Verifier::new([]);
        v.push(&log[0]);
        v.push_unreadable(2, &log[1].prev_hash, &log[1].hash, "detail is not JSON");
        v.push(&log[2]);
        let report = v.finish();
        assert_eq!(
            report.problems,
            vec!["seq 2: altered: the entry cannot be read (detail is not JSON)"]
        );
    }
}
