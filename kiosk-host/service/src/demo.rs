//! The demo registry: seeds a store so that it matches `hw-sim`'s simulated cards and people
//! (`data/demo/registry.toml` says which state each card is in), so every business can be
//! walked through on simulated hardware.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Deserialize;

use kiosk_core::domain::{Actor, CardRecord, CardState, Person, Timestamp};
use kiosk_core::store::{Change, Commit, Registry, StoreError};

/// Demo seeding failures.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DemoError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Bad { path: PathBuf, message: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RegistryFile {
    #[serde(default)]
    cards: Vec<CardEntry>,
    #[serde(default)]
    persons: Vec<PersonEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CardEntry {
    card_file: String,
    person_file: String,
    state: String,
    #[serde(default)]
    phone: Option<String>,
    #[serde(default)]
    reissue_batch: Option<String>,
    /// A compliant photo is on file (a generated placeholder image's hash stands for it).
    #[serde(default)]
    photo: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PersonEntry {
    person_file: String,
    #[serde(default)]
    phone: Option<String>,
}

/// Where the demo data live in the source tree.
pub struct DemoPaths {
    /// `data/demo/registry.toml`.
    pub registry: PathBuf,
    /// `hw-sim/cards`.
    pub cards: PathBuf,
    /// `hw-sim/people`.
    pub people: PathBuf,
}

impl DemoPaths {
    /// The paths inside the workspace `root`.
    pub fn in_workspace(root: &Path) -> DemoPaths {
        DemoPaths {
            registry: root.join("data/demo/registry.toml"),
            cards: root.join("hw-sim/cards"),
            people: root.join("hw-sim/people"),
        }
    }
}

fn bad(path: &Path, message: impl Into<String>) -> DemoError {
    DemoError::Bad {
        path: path.to_owned(),
        message: message.into(),
    }
}

fn date(d: card_io::date::Date) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
}

fn person(path: &Path, phone: Option<String>) -> Result<Person, DemoError> {
    let p = hw_sim::idcard::person::Person::load(path).map_err(|e| bad(path, e.to_string()))?;
    let t = &p.text;
    Ok(Person {
        id_number: t.id_number.clone(),
        name: p.full_name.clone(),
        sex: t.sex,
        ethnicity: t.ethnicity_code,
        birth_date: date(t.birth_date).ok_or_else(|| bad(path, "bad birth date"))?,
        address: t.address.clone(),
        address_division: None,
        phone,
        photo_sha256: None,
    })
}

/// Seeds `store` with the demo registry (in one commit). Seeding twice is refused by the
/// store's own checks only where it matters; callers seed a fresh database.
pub fn seed(store: &dyn Registry, paths: &DemoPaths, now: Timestamp) -> Result<usize, DemoError> {
    let text = std::fs::read_to_string(&paths.registry).map_err(|source| DemoError::Read {
        path: paths.registry.clone(),
        source,
    })?;
    let file: RegistryFile =
        toml::from_str(&text).map_err(|e| bad(&paths.registry, e.to_string()))?;
    let mut commit = Commit::new(Actor::System, now);
    commit.events.push((
        "demo.seed".into(),
        "registry".into(),
        serde_json::json!({ "cards": file.cards.len(), "persons": file.persons.len() }),
    ));
    for entry in &file.persons {
        let p = person(&paths.people.join(&entry.person_file), entry.phone.clone())?;
        commit.changes.push(Change::UpsertPerson(p));
    }
    for entry in &file.cards {
        let card_path = paths.cards.join(&entry.card_file);
        let card =
            hw_sim::CardFile::load(&card_path).map_err(|e| bad(&card_path, e.to_string()))?;
        let p = person(&paths.people.join(&entry.person_file), entry.phone.clone())?;
        if p.id_number != card.ef06.ssn {
            return Err(bad(
                &card_path,
                format!(
                    "the card's holder is not the person of {}",
                    entry.person_file
                ),
            ));
        }
        let state = CardState::from_code(&entry.state).ok_or_else(|| {
            bad(
                &paths.registry,
                format!("unknown card state {:?}", entry.state),
            )
        })?;
        let id_number = p.id_number.clone();
        commit.changes.push(Change::UpsertPerson(p));
        if entry.photo {
            let jpeg = demo_photo(&id_number);
            let sha256 = kiosk_core::digest::sha256_hex(&jpeg);
            commit.changes.push(Change::SetPhoto {
                id_number: id_number.clone(),
                sha256,
                jpeg,
            });
        }
        commit.changes.push(Change::AddCard(CardRecord {
            card_number: card.ef05.card_number.clone(),
            id_number,
            chip_serial: Some(card.card.chip_serial.to_uppercase()),
            state,
            issue_date: date(card.ef05.issue_date),
            expiry_date: date(card.ef05.expiry_date),
            state_since: now,
            reissue_batch: entry.reissue_batch.clone(),
            replacement_requested: false,
        }));
    }
    let n = commit.changes.len();
    store.commit(&commit)?;
    Ok(n)
}

/// A small valid JPEG standing for a photo on file in the demo (a grey 8×8 image; the real
/// photos come from the camera pipeline).
fn demo_photo(seed: &str) -> Vec<u8> {
    let shade = seed.bytes().fold(0u8, |a, b| a.wrapping_add(b)) | 0x80;
    let img = image::RgbImage::from_pixel(8, 8, image::Rgb([shade, shade, shade]));
    let mut out = std::io::Cursor::new(Vec::new());
    match image::DynamicImage::ImageRgb8(img).write_to(&mut out, image::ImageFormat::Jpeg) {
        Ok(()) => out.into_inner(),
        Err(_) => seed.as_bytes().to_vec(),
    }
}
