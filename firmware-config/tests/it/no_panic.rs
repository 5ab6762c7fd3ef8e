//! No text makes the parser or the validator panic.

use firmware_config::Config;
use proptest::prelude::*;

const EXAMPLE: &str = include_str!("../../../kiosk.example.toml");

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn any_text(text in "\\PC{0,300}") {
        let _ = Config::parse(&text, "fuzz.toml");
    }

    #[test]
    fn toml_like_text(text in "(\\[\\[?[a-z.]{1,12}\\]\\]?\n|[a-z_]{1,20} = (\"[^\"\n]{0,12}\"|-?[0-9]{1,6}|\\[[^\n]{0,20}\\]|20[0-9]{2}-[01][0-9]-[0-3][0-9]|true)\n){0,20}") {
        let _ = Config::parse(&text, "fuzz.toml");
    }

    #[test]
    fn mutated_example(pos in 0usize..4000, byte in any::<u8>(), cut in 0usize..4000) {
        let mut bytes = EXAMPLE.as_bytes().to_vec();
        let p = pos % bytes.len();
        bytes[p] = byte;
        bytes.truncate(bytes.len() - cut % 200);
        let text = String::from_utf8_lossy(&bytes);
        if let Err(e) = Config::parse(&text, "fuzz.toml") {
            prop_assert!(e.diagnostics().is_some_and(|d| !d.is_empty()));
        }
    }
}
