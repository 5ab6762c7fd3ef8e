//! Test rigs: the same scenarios run against the in-process simulator and through the real
//! PC/SC stack (`pcscd` + the vpcd driver + `hw-sim`'s vpcd bridge).

pub mod apdu_table;
pub mod counting;
pub mod crash;
pub mod flood;
pub mod kiosk;
pub mod rig;
pub mod served;
pub mod staff;
pub mod timing;
pub mod walks;

use std::path::PathBuf;

use hw_sim::{CardFile, CardOs, Transport};

/// A PIN for a test (the strings are literals, always 6 digits).
pub fn pin(s: &str) -> card_io::pin::Pin {
    card_io::pin::Pin::parse(s).unwrap_or_else(|e| panic!("test PIN: {e}"))
}

/// The fixed "today" of the tests, so validity checks do not depend on the clock.
pub fn today() -> card_io::date::Date {
    card_io::date::Date::new(2026, 11, 28).expect("valid date")
}

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

/// A binary of the workspace (`kiosk`, `hw-sim`), built by `cargo build --workspace`
/// (scripts/test.sh does) into the target directory that holds this test binary.
pub fn workspace_bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let dir = exe.parent().and_then(|d| d.parent()).expect("target dir");
    let p = dir.join(name);
    assert!(
        p.exists(),
        "{} not built: run `cargo build --workspace` first (scripts/test.sh does)",
        p.display()
    );
    p
}

/// A binary of the workspace beside the running bench binary (`target/release/kiosk` for
/// `target/release/http-bench`): bench binaries are not test binaries, so
/// [`workspace_bin`]'s `deps/` layout does not apply.
pub fn sibling_bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("bench binary path");
    let p = exe.with_file_name(name);
    assert!(
        p.exists(),
        "{} not built: cargo build --release -p kiosk-host --bin {name} (scripts/bench.sh does)",
        p.display()
    );
    p
}
