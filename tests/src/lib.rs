//! Test rigs: the same scenarios run against the in-process simulator and through the real
//! PC/SC stack (`pcscd` + the vpcd driver + `hw-sim`'s vpcd bridge).

pub mod apdu_table;
pub mod counting;
pub mod rig;

use std::path::PathBuf;

use hw_sim::{CardFile, CardOs, Transport};

/// `hw-sim/cards/<name>`.
pub fn card_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../hw-sim/cards")
        .join(name)
}

/// The personalisation of a card file (the expected values).
pub fn card_file(name: &str) -> CardFile {
    CardFile::load(card_path(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// A card OS from a card file, with the given transport.
pub fn card(name: &str, transport: Transport) -> CardOs {
    let mut c = CardOs::from_file(card_path(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    c.settings_mut().transport = transport;
    c
}

/// Every card file shipped in `hw-sim/cards`.
pub fn all_card_files() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(card_path(""))
        .expect("hw-sim/cards")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    v.sort();
    v
}
