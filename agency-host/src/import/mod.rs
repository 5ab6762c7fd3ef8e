//! `agency import`: persons and card records from the card factory's production files and
//! from registry exports, in the formats of IMPORT.md (JSON Lines or CSV).
//!
//! Every line is checked — ID numbers by their GB 11643 check character, dates, states, the
//! shape of card numbers and chip serials, a card's holder and name, duplicates within the
//! file and against the registry — and every problem is reported at once as
//! `FILE:LINE: field: what is wrong; what to write`. Nothing is written unless every line is
//! good: the whole file is loaded in one transaction, with one audit entry.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use base64::Engine as _;
use chrono::{Datelike, NaiveDate};
use serde_json::Value;

use kiosk_core::domain::{CardRecord, CardState, Person, Sex, Timestamp};

use crate::db::DbError;

mod load;

/// A file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One JSON object per line (`kind`: `person` or `card`).
    Jsonl,
    /// Comma-separated, with a header row naming the columns of one kind.
    Csv,
}

impl Format {
    /// The format a file name says (`.csv` → CSV, anything else JSON Lines).
    pub fn of(path: &Path) -> Format {
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("csv") => Format::Csv,
            _ => Format::Jsonl,
        }
    }
}

/// One problem of one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub line: usize,
    /// The field at fault (`line` for the line as a whole).
    pub field: String,
    pub message: String,
    pub hint: String,
}

/// Why an import wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// Bad lines: every one, in line order; nothing was written.
    #[error("{}", render(.origin, .errors))]
    Lines {
        origin: String,
        errors: Vec<LineError>,
    },
    #[error(transparent)]
    Db(#[from] DbError),
}

fn render(origin: &str, errors: &[LineError]) -> String {
    let mut out = String::new();
    for (i, e) in errors.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&format!(
            "{origin}:{}: {}: {}; {}",
            e.line, e.field, e.message, e.hint
        ));
    }
    out.push_str(&format!(
        "\n{origin}: {} problem(s); nothing was imported",
        errors.len()
    ));
    out
}

/// What a file holds, checked line by line.
#[derive(Debug, Default)]
pub struct Parsed {
    pub persons: Vec<(usize, Person, Option<Vec<u8>>)>,
    pub cards: Vec<(usize, CardRecord, Option<i16>, String)>,
}

/// What an import loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Imported {
    pub persons: usize,
    pub cards: usize,
}

/// A line's fields as text (JSON numbers written out, nulls and empty cells absent).
type Fields = BTreeMap<String, String>;

struct Checker<'a> {
    line: usize,
    fields: &'a Fields,
    errors: &'a mut Vec<LineError>,
}

impl Checker<'_> {
    fn error(&mut self, field: &str, message: impl Into<String>, hint: impl Into<String>) {
        self.errors.push(LineError {
            line: self.line,
            field: field.to_string(),
            message: message.into(),
            hint: hint.into(),
        });
    }

    fn required(&mut self, field: &str, hint: &str) -> Option<String> {
        match self.fields.get(field) {
            Some(v) => Some(v.clone()),
            None => {
                self.error(field, "missing", hint);
                None
            }
        }
    }

    fn date(&mut self, field: &str, required: bool) -> Option<NaiveDate> {
        let text = if required {
            self.required(field, "write a date as YYYY-MM-DD")?
        } else {
            self.fields.get(field)?.clone()
        };
        match NaiveDate::parse_from_str(&text, "%Y-%m-%d") {
            Ok(d) if (1900..=2200).contains(&d.year()) => Some(d),
            _ => {
                self.error(
                    field,
                    format!("{text:?} is not a date"),
                    "write a date as YYYY-MM-DD, e.g. 2026-03-01",
                );
                None
            }
        }
    }

    fn id_number(&mut self) -> Option<String> {
        let id = self.required("id_number", "write the holder's 18-character ID number")?;
        match card_io::citizen::check_id_number(&id) {
            Ok(()) => Some(id),
            Err(why) => {
                self.error(
                    "id_number",
                    why,
                    "write the 18-character ID number (17 digits and the check character 0-9 \
                     or X)",
                );
                None
            }
        }
    }

    fn name(&mut self) -> Option<String> {
        let name = self.required("name", "write the holder's full name")?;
        if name.trim().is_empty() || name.chars().count() > 64 {
            self.error(
                "name",
                "empty or longer than 64 characters",
                "write the holder's full name",
            );
            return None;
        }
        Some(name)
    }

    fn unknown_fields(&mut self, allowed: &[&str]) {
        let unknown: Vec<String> = self
            .fields
            .keys()
            .filter(|k| !allowed.contains(&k.as_str()) && k.as_str() != "kind")
            .cloned()
            .collect();
        for k in unknown {
            self.error(
                &k,
                "not a field of this kind of line",
                format!("remove it; the fields are: {}", allowed.join(", ")),
            );
        }
    }
}

const PERSON_FIELDS: &[&str] = &[
    "id_number",
    "name",
    "sex",
    "ethnicity",
    "birth_date",
    "address",
    "phone",
    "photo_jpeg_base64",
];

const CARD_FIELDS: &[&str] = &[
    "card_number",
    "chip_serial",
    "id_number",
    "name",
    "issue_date",
    "expiry_date",
    "state",
    "generation",
    "reissue_batch",
];

/// The birth date and sex an ID number encodes (digits 7–14, and the 17th: odd = male).
fn from_id_number(id: &str) -> Option<(NaiveDate, Sex)> {
    let date = NaiveDate::parse_from_str(id.get(6..14)?, "%Y%m%d").ok()?;
    let digit = id.as_bytes().get(16)?.checked_sub(b'0')?;
    Some((
        date,
        if digit % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        },
    ))
}

fn person_line(c: &mut Checker<'_>, now: Timestamp) -> Option<(Person, Option<Vec<u8>>)> {
    let _ = now;
    c.unknown_fields(PERSON_FIELDS);
    let id = c.id_number();
    let name = c.name();
    let encoded = id.as_deref().and_then(from_id_number);
    if id.is_some() && encoded.is_none() {
        c.error(
            "id_number",
            "its digits 7-14 are not a birth date",
            "check the ID number",
        );
    }
    let birth = c.date("birth_date", false);
    if let (Some(b), Some((e, _))) = (birth, encoded) {
        if b != e {
            c.error(
                "birth_date",
                format!("{b} is not the birth date the ID number gives ({e})"),
                "write the birth date of the ID number, or leave the field out",
            );
        }
    }
    let sex = match c.fields.get("sex").map(String::as_str) {
        None => encoded.map(|(_, s)| s),
        Some("male") => Some(Sex::Male),
        Some("female") => Some(Sex::Female),
        Some("unknown") => Some(Sex::Unknown),
        Some(other) => {
            let other = other.to_string();
            c.error(
                "sex",
                format!("{other:?} is not a sex"),
                "write male, female or unknown, or leave the field out",
            );
            None
        }
    };
    let ethnicity = match c.required("ethnicity", "write the GB 3304 code, e.g. 1 for 汉族") {
        Some(t) => match t.parse::<u8>() {
            Ok(n) if (1..=56).contains(&n) || n == 97 || n == 98 => Some(n),
            _ => {
                c.error(
                    "ethnicity",
                    format!("{t:?} is not a GB 3304 code"),
                    "write a number from 1 to 56, or 97 (其他), or 98 (外国血统)",
                );
                None
            }
        },
        None => None,
    };
    let address = c.fields.get("address").cloned().unwrap_or_default();
    let phone = c.fields.get("phone").cloned();
    if let Some(p) = &phone {
        if p.len() < 7 || p.len() > 20 || !p.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
            c.error(
                "phone",
                format!("{p:?} is not a phone number"),
                "write digits (and `-`), e.g. 13912345678, or leave the field out",
            );
        }
    }
    let photo = match c.fields.get("photo_jpeg_base64") {
        None => None,
        Some(b64) => match base64::engine::general_purpose::STANDARD.decode(b64.as_bytes()) {
            Ok(bytes) if bytes.starts_with(&[0xff, 0xd8]) => Some(bytes),
            _ => {
                c.error(
                    "photo_jpeg_base64",
                    "not a JPEG in base64",
                    "write the photo's JPEG bytes in standard base64, or leave the field out",
                );
                None
            }
        },
    };
    let photo_sha256 = photo.as_deref().map(kiosk_core::digest::sha256_hex);
    Some((
        Person {
            id_number: id?,
            name: name?,
            sex: sex?,
            ethnicity: ethnicity?,
            birth_date: birth.or(encoded.map(|(d, _)| d))?,
            address,
            address_division: None,
            phone,
            photo_sha256,
        },
        photo,
    ))
}

fn card_state(text: &str) -> Option<CardState> {
    CardState::from_code(text).or_else(|| CardState::ALL.into_iter().find(|s| s.text().zh == text))
}

fn card_line(c: &mut Checker<'_>, now: Timestamp) -> Option<(CardRecord, Option<i16>, String)> {
    c.unknown_fields(CARD_FIELDS);
    let number = c.required("card_number", "write the 9-character card number")?;
    let number_ok = number.len() == 9
        && number
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    if !number_ok {
        c.error(
            "card_number",
            format!("{number:?} is not a card number"),
            "write 9 upper-case letters or digits, e.g. A00000001",
        );
    }
    let chip = c.required("chip_serial", "write the chip serial: 16 hex digits");
    if let Some(chip) = &chip {
        if chip.len() != 16 || !chip.bytes().all(|b| b.is_ascii_hexdigit()) {
            c.error(
                "chip_serial",
                format!("{chip:?} is not a chip serial"),
                "write 16 hex digits, e.g. 8600112233440001",
            );
        }
    }
    let id = c.id_number();
    let name = c.name();
    let issue = c.date("issue_date", true);
    let expiry = c.date("expiry_date", true);
    if let (Some(i), Some(e)) = (issue, expiry) {
        if e <= i {
            c.error(
                "expiry_date",
                format!("{e} is not after the issue date {i}"),
                "write the expiry date printed on the card",
            );
        }
    }
    let state = match c.required("state", "write issued (封存) for a new card") {
        Some(t) => match card_state(&t) {
            Some(s) => Some(s),
            None => {
                c.error(
                    "state",
                    format!("{t:?} is not a card state"),
                    "write one of in_production, issued, active, lost_temporary, \
                     lost_formal, cancelled (or 制卡中, 封存, 正常, 临时挂失, 正式挂失, 注销)",
                );
                None
            }
        },
        None => None,
    };
    let generation = match c.fields.get("generation") {
        None => None,
        Some(t) => match t.parse::<i16>() {
            Ok(g) if (1..=3).contains(&g) => Some(g),
            _ => {
                c.error(
                    "generation",
                    format!("{t:?} is not a card generation"),
                    "write 1, 2 or 3, or leave the field out",
                );
                None
            }
        },
    };
    let reissue_batch = c.fields.get("reissue_batch").cloned();
    if !number_ok {
        return None;
    }
    Some((
        CardRecord {
            card_number: number,
            id_number: id?,
            chip_serial: Some(chip?.to_ascii_uppercase()),
            state: state?,
            issue_date: issue,
            expiry_date: expiry,
            state_since: now,
            reissue_batch,
            replacement_requested: false,
        },
        generation,
        name?,
    ))
}

/// Which kind a line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Person,
    Card,
}

/// Checks every line of `text`; the lines that are good, or every problem.
pub fn parse(text: &str, format: Format, now: Timestamp) -> Result<Parsed, Vec<LineError>> {
    let mut errors = Vec::new();
    let lines: Vec<(usize, Kind, Fields)> = match format {
        Format::Jsonl => jsonl_lines(text, &mut errors),
        Format::Csv => csv_lines(text, &mut errors),
    };
    let mut parsed = Parsed::default();
    let mut seen_persons: HashMap<String, usize> = HashMap::new();
    let mut seen_cards: HashMap<String, usize> = HashMap::new();
    let mut seen_chips: HashMap<String, usize> = HashMap::new();
    for (line, kind, fields) in &lines {
        let mut c = Checker {
            line: *line,
            fields,
            errors: &mut errors,
        };
        match kind {
            Kind::Person => {
                if let Some((p, photo)) = person_line(&mut c, now) {
                    if let Some(first) = seen_persons.get(&p.id_number) {
                        c.error(
                            "id_number",
                            format!("the same person as line {first}"),
                            "keep one line per person",
                        );
                    } else {
                        seen_persons.insert(p.id_number.clone(), *line);
                        parsed.persons.push((*line, p, photo));
                    }
                }
            }
            Kind::Card => {
                if let Some((card, generation, name)) = card_line(&mut c, now) {
                    let chip = card.chip_serial.clone().unwrap_or_default();
                    if let Some(first) = seen_cards.get(&card.card_number) {
                        c.error(
                            "card_number",
                            format!("the same card number as line {first}"),
                            "keep one line per card",
                        );
                    } else if let Some(first) = seen_chips.get(&chip) {
                        c.error(
                            "chip_serial",
                            format!("the same chip serial as line {first}"),
                            "check the chip serial; each card has its own",
                        );
                    } else {
                        seen_cards.insert(card.card_number.clone(), *line);
                        seen_chips.insert(chip, *line);
                        parsed.cards.push((*line, card, generation, name));
                    }
                }
            }
        }
    }
    // A card's holder: a person of the file (checked here) or of the registry (checked
    // when loading); the name must be the holder's.
    let names: HashMap<&str, &str> = parsed
        .persons
        .iter()
        .map(|(_, p, _)| (p.id_number.as_str(), p.name.as_str()))
        .collect();
    for (line, card, _, name) in &parsed.cards {
        if let Some(holder) = names.get(card.id_number.as_str()) {
            if holder != name {
                errors.push(LineError {
                    line: *line,
                    field: "name".into(),
                    message: format!(
                        "{} is not the name of the holder {} of line {}",
                        kiosk_core::mask::name(name),
                        kiosk_core::mask::id_number(&card.id_number),
                        seen_persons.get(&card.id_number).copied().unwrap_or(0)
                    ),
                    hint: "write the holder's name as the person line has it".into(),
                });
            }
        }
    }
    if errors.is_empty() {
        Ok(parsed)
    } else {
        errors.sort_by_key(|a| a.line);
        Err(errors)
    }
}

fn jsonl_lines(text: &str, errors: &mut Vec<LineError>) -> Vec<(usize, Kind, Fields)> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let err = |message: String, hint: &str| LineError {
            line,
            field: "line".into(),
            message,
            hint: hint.into(),
        };
        let value: Value = match serde_json::from_str(trimmed) {
            Ok(v) => v,
            Err(e) => {
                errors.push(err(
                    format!("not JSON: {e}"),
                    "write one JSON object per line (see IMPORT.md)",
                ));
                continue;
            }
        };
        let Value::Object(map) = value else {
            errors.push(err(
                "not a JSON object".into(),
                "write one JSON object per line (see IMPORT.md)",
            ));
            continue;
        };
        let mut fields = Fields::new();
        let mut bad = false;
        for (k, v) in map {
            match v {
                Value::Null => {}
                Value::String(s) if s.is_empty() => {}
                Value::String(s) => {
                    fields.insert(k, s);
                }
                Value::Number(n) => {
                    fields.insert(k, n.to_string());
                }
                other => {
                    errors.push(LineError {
                        line,
                        field: k.clone(),
                        message: format!("{other} is neither text nor a number"),
                        hint: "write the value as a string".into(),
                    });
                    bad = true;
                }
            }
        }
        let kind = match fields.get("kind").map(String::as_str) {
            Some("person") => Kind::Person,
            Some("card") => Kind::Card,
            other => {
                errors.push(LineError {
                    line,
                    field: "kind".into(),
                    message: format!("{other:?} is not a kind of line"),
                    hint: "write \"kind\": \"person\" or \"kind\": \"card\"".into(),
                });
                continue;
            }
        };
        if !bad {
            out.push((line, kind, fields));
        }
    }
    out
}

fn csv_lines(text: &str, errors: &mut Vec<LineError>) -> Vec<(usize, Kind, Fields)> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(str::to_string).collect(),
        Err(e) => {
            errors.push(LineError {
                line: 1,
                field: "header".into(),
                message: format!("not a CSV header: {e}"),
                hint: "start the file with a header row naming the columns (see IMPORT.md)".into(),
            });
            return Vec::new();
        }
    };
    let kind = if headers.iter().any(|h| h == "card_number") {
        Kind::Card
    } else {
        Kind::Person
    };
    let allowed = match kind {
        Kind::Person => PERSON_FIELDS,
        Kind::Card => CARD_FIELDS,
    };
    for h in &headers {
        if !allowed.contains(&h.as_str()) || h == "photo_jpeg_base64" {
            errors.push(LineError {
                line: 1,
                field: h.clone(),
                message: "not a column of this kind of file".into(),
                hint: format!("the columns are: {}", allowed.join(", ")),
            });
        }
    }
    let mut out = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as usize);
                errors.push(LineError {
                    line,
                    field: "line".into(),
                    message: format!("not a CSV row: {e}"),
                    hint: "write one value per column, quoted when it holds a comma".into(),
                });
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line() as usize);
        let fields: Fields = headers
            .iter()
            .zip(record.iter())
            .filter(|(_, v)| !v.is_empty())
            .map(|(h, v)| (h.clone(), v.to_string()))
            .collect();
        out.push((line, kind, fields));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        chrono::DateTime::from_timestamp(1_770_000_000, 0).unwrap()
    }

    #[test]
    fn the_id_number_gives_birth_date_and_sex() {
        let (d, s) = from_id_number("652301197508210015").unwrap();
        assert_eq!(d, NaiveDate::from_ymd_opt(1975, 8, 21).unwrap());
        assert_eq!(s, Sex::Male);
    }

    #[test]
    fn every_bad_line_is_named_with_its_field() {
        let text = r#"# comment
{"kind": "person", "id_number": "652301197508210015", "name": "张伟", "ethnicity": 1}
{"kind": "person", "id_number": "652301197508210016", "name": "李", "ethnicity": 1}
{"kind": "card", "card_number": "a1", "chip_serial": "XYZ", "id_number": "652301197508210015", "name": "张伟", "issue_date": "2020-01-01", "expiry_date": "2030-13-01", "state": "封存"}
not json
{"kind": "person", "id_number": "652301197508210015", "name": "张伟", "ethnicity": 1, "colour": "red"}
{"kind": "card", "card_number": "A00000001", "chip_serial": "8600112233440001", "id_number": "652301197508210015", "name": "张三", "issue_date": "2020-01-01", "expiry_date": "2030-01-01", "state": "封存", "generation": 3}
"#;
        let errors = parse(text, Format::Jsonl, now()).unwrap_err();
        let at: Vec<(usize, &str)> = errors.iter().map(|e| (e.line, e.field.as_str())).collect();
        assert_eq!(
            at,
            vec![
                (3, "id_number"),
                (4, "card_number"),
                (4, "chip_serial"),
                (4, "expiry_date"),
                (5, "line"),
                (6, "colour"),
                (6, "id_number"),
                (7, "name"),
            ],
            "{errors:#?}"
        );
        let text = render("f.jsonl", &errors);
        assert!(text.contains("f.jsonl:3: id_number: "), "{text}");
        assert!(text.contains("GB 11643"), "{text}");
        assert!(text.ends_with("nothing was imported"), "{text}");
    }

    #[test]
    fn csv_files_have_one_kind_by_their_header() {
        let text = "card_number,chip_serial,id_number,name,issue_date,expiry_date,state,generation\n\
                    A00000001,8600112233440001,652301197508210015,张伟,2020-01-01,2030-01-01,封存,3\n\
                    A00000002,8600112233440002,652301197508210015,张伟,2020-01-01,2030-01-01,lost,3\n";
        let errors = parse(text, Format::Csv, now()).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!((errors[0].line, errors[0].field.as_str()), (3, "state"));
        let good = "id_number,name,ethnicity,address\n652301197508210015,张伟,1,\"新疆, 昌吉\"\n";
        let parsed = parse(good, Format::Csv, now()).unwrap();
        assert_eq!(parsed.persons[0].1.address, "新疆, 昌吉");
        assert_eq!(parsed.persons[0].1.sex, Sex::Male);
    }
}
