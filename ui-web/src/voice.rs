//! The spoken prompts. Every citizen screen marks its prompt with `data-voice`: the address of
//! that prompt's audio in the page's language ([`path`]), which the host renders with
//! espeak-ng ([`script`] says with which voice and what text) and `kiosk.js` plays — at once in
//! elderly mode, and whenever the "hear it again" button is pressed. [`PROMPTS`] is every text
//! a screen speaks.
//!
//! How each language is read: zh-CN by espeak-ng's `cmn-latn-pinyin` voice from the pinyin of
//! [`crate::voice_readings`] (words read as words: 长者 zhang3 zhe3), Uyghur by its `ug` voice
//! from the Arabic-script text (letter-to-sound rules; Uyghur spelling is phonemic), English by
//! `en-gb`.

use crate::i18n::Key;
use crate::view::Lang;
use crate::voice_readings::ZH_READINGS;

/// Every text a screen speaks: the prompts of the citizen screens, and the warning that the
/// time is almost up.
pub const PROMPTS: &[Key] = &[
    Key::ChooseService,
    Key::AttractBegin,
    Key::PlaceIdCard,
    Key::PlaceAgentIdCard,
    Key::InsertCard,
    Key::FaceCamera,
    Key::ContactPrompt,
    Key::ChooseReason,
    Key::BankReceiptPrompt,
    Key::NoticeHeading,
    Key::RefusedHeading,
    Key::FailedHeading,
    Key::InterruptedHeading,
    Key::ErrorHeading,
    Key::ConfirmHeading,
    Key::PayHeading,
    Key::PayAtCounterHeading,
    Key::PinHeading,
    Key::DoneHeading,
    Key::ServiceGuide,
    Key::Suggestions,
    Key::SuggestionThanks,
    Key::TimeAlmostUp,
    // issue 19: the identity step
    Key::FaceConsentHeading,
    Key::FaceLook,
    Key::FaceBlink,
    Key::FaceTurnLeft,
    Key::FaceTurnRight,
    Key::FaceComparing,
    Key::FaceFailedHeading,
    Key::FaceStaffHeading,
    // issue 22
    Key::TakeCardsHeading,
    Key::StillThere,
    Key::PhotoCheck,
];

/// What espeak-ng is given for one prompt in one language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    /// The espeak-ng voice (`-v`).
    pub voice: &'static str,
    /// Words per minute (`-s`): a little slower than espeak-ng's 175, for elderly listeners.
    pub speed: u32,
    /// The text read.
    pub text: String,
}

/// How `key` is spoken in `lang`.
pub fn script(key: Key, lang: Lang) -> Script {
    match lang {
        Lang::ZhCn => Script {
            voice: "cmn-latn-pinyin",
            speed: 140,
            text: reading(key)
                .map(str::to_owned)
                // A text without a reading (the table not generated again yet): the
                // characters, which the voice reads with its own character table.
                .unwrap_or_else(|| key.text(lang).to_owned()),
        },
        Lang::Ug => Script {
            voice: "ug",
            speed: 140,
            text: key.text(lang).to_owned(),
        },
        Lang::En => Script {
            voice: "en-gb",
            speed: 150,
            text: key.text(lang).to_owned(),
        },
    }
}

/// The pinyin reading of `key`'s zh-CN text, if the table has it for the text as it is now.
pub fn reading(key: Key) -> Option<&'static str> {
    ZH_READINGS
        .iter()
        .find(|(name, text, _)| *name == key.name() && *text == key.text(Lang::ZhCn))
        .map(|(_, _, pinyin)| *pinyin)
}

/// The address of `key`'s audio in `lang` (`/voice/zh-CN/InsertCard.wav`).
pub fn path(key: Key, lang: Lang) -> String {
    format!("/voice/{}/{}.wav", lang.tag(), key.name())
}

/// The prompt and language of an audio address's last two parts (`zh-CN`, `InsertCard.wav`):
/// only the texts of [`PROMPTS`].
pub fn from_path(lang: &str, file: &str) -> Option<(Key, Lang)> {
    let lang = Lang::from_tag(lang)?;
    let key = Key::from_name(file.strip_suffix(".wav")?)?;
    PROMPTS.contains(&key).then_some((key, lang))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_zh_text_has_its_generated_reading() {
        // scripts/touch-data/generate.mjs writes the table from i18n.rs: run it again after
        // changing a zh-CN text.
        for &key in Key::ALL {
            assert!(
                reading(key).is_some(),
                "{}: no pinyin for \"{}\": run scripts/touch-data/generate.mjs",
                key.name(),
                key.text(Lang::ZhCn)
            );
        }
        assert_eq!(ZH_READINGS.len(), Key::ALL.len());
        // What is spoken is syllables with their tones, and pauses.
        for &key in PROMPTS {
            let r = reading(key).unwrap_or_default();
            assert!(
                r.split([' ', ',', '.'])
                    .filter(|w| !w.is_empty())
                    .all(|w| w == "QR"
                        || (w.ends_with(|c: char| ('1'..='5').contains(&c))
                            && w[..w.len() - 1].chars().all(|c| c.is_ascii_lowercase()))),
                "{}: {r}",
                key.name()
            );
        }
    }

    #[test]
    fn scripts_use_each_languages_voice() {
        let zh = script(Key::ElderlyOn, Lang::ZhCn);
        assert_eq!(zh.voice, "cmn-latn-pinyin");
        // 长者: zhang3, not chang2.
        assert!(zh.text.starts_with("zhang3 zhe3"), "{}", zh.text);
        assert_eq!(script(Key::InsertCard, Lang::Ug).voice, "ug");
        assert_eq!(
            script(Key::InsertCard, Lang::Ug).text,
            Key::InsertCard.text(Lang::Ug)
        );
        assert_eq!(script(Key::InsertCard, Lang::En).voice, "en-gb");
    }

    #[test]
    fn audio_addresses_name_only_spoken_prompts() {
        for &key in PROMPTS {
            for lang in Lang::ALL {
                let p = path(key, lang);
                let mut parts = p.rsplitn(3, '/');
                let file = parts.next().unwrap_or_default();
                let tag = parts.next().unwrap_or_default();
                assert_eq!(from_path(tag, file), Some((key, lang)), "{p}");
            }
        }
        assert_eq!(from_path("zh-CN", "Cancel.wav"), None, "not a prompt");
        assert_eq!(from_path("fr", "InsertCard.wav"), None);
        assert_eq!(from_path("zh-CN", "InsertCard.mp3"), None);
        assert_eq!(from_path("zh-CN", "../InsertCard.wav"), None);
    }
}
