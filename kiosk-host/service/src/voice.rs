//! The spoken prompts, rendered on the host by espeak-ng (Debian's `espeak-ng`, a dependency of
//! the package) and played by the page: `GET /voice/{lang}/{Key}.wav` answers the WAV of one
//! prompt of [`ui_web::voice::PROMPTS`] in one language, rendered on first use and kept in
//! memory (a few hundred kilobytes each; the texts are fixed, so the audio never changes while
//! the kiosk runs).
//!
//! What each language gets: zh-CN is read from pinyin by the `cmn-latn-pinyin` voice (the
//! pinyin generated with the texts, so that words such as 长者 and 重新 are read right);
//! Uyghur by the `ug` voice, from letter-to-sound rules over the Arabic-script text (Uyghur
//! spelling is phonemic: every word comes out intelligible, in a robotic formant voice with
//! little intonation); English by `en-gb`. All three are espeak-ng's formant synthesis:
//! clear at a kiosk's volume, far from a natural voice.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use ui_web::i18n::Key;
use ui_web::view::Lang;
use ui_web::voice::Script;

/// Why a prompt could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum VoiceError {
    #[error("espeak-ng could not be run ({program}): {source}")]
    Spawn {
        program: String,
        source: std::io::Error,
    },
    #[error("espeak-ng failed ({status}): {stderr}")]
    Failed { status: String, stderr: String },
    #[error("espeak-ng gave no WAV audio ({0} bytes)")]
    NotWav(usize),
}

/// Rendered prompts: the WAV of each (prompt, language).
type Cache = HashMap<(Key, Lang), Arc<Vec<u8>>>;

/// The renderer and its cache.
pub struct Voice {
    program: PathBuf,
    cache: Mutex<Cache>,
}

impl Voice {
    /// A renderer running `program` (`espeak-ng` on the path, unless `KIOSK_ESPEAK` names
    /// another).
    pub fn new(program: impl Into<PathBuf>) -> Voice {
        Voice {
            program: program.into(),
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The WAV of `key` in `lang`, from the cache or rendered now.
    pub fn audio(&self, key: Key, lang: Lang) -> Result<Arc<Vec<u8>>, VoiceError> {
        if let Some(wav) = self
            .cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&(key, lang))
        {
            return Ok(wav.clone());
        }
        let wav = Arc::new(self.render(&ui_web::voice::script(key, lang))?);
        self.cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert((key, lang), wav.clone());
        Ok(wav)
    }

    /// Runs espeak-ng on one script: the WAV it writes to standard output.
    pub fn render(&self, script: &Script) -> Result<Vec<u8>, VoiceError> {
        let out = Command::new(&self.program)
            .args([
                "-v",
                script.voice,
                "-s",
                &script.speed.to_string(),
                "--stdout",
            ])
            // The text as one argument after `--`, never read as an option.
            .arg("--")
            .arg(&script.text)
            .stdin(Stdio::null())
            .output()
            .map_err(|source| VoiceError::Spawn {
                program: self.program.display().to_string(),
                source,
            })?;
        if !out.status.success() {
            return Err(VoiceError::Failed {
                status: out.status.to_string(),
                stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
            });
        }
        let mut wav = out.stdout;
        if wav.len() < 44
            || &wav[..4] != b"RIFF"
            || &wav[8..12] != b"WAVE"
            || &wav[36..40] != b"data"
        {
            return Err(VoiceError::NotWav(wav.len()));
        }
        // Written to a pipe, the header's sizes say "unknown" (0x7ffff000 and so on): put in
        // the real ones, so that a player knows the duration.
        let riff = u32::try_from(wav.len() - 8).map_err(|_| VoiceError::NotWav(wav.len()))?;
        let data = u32::try_from(wav.len() - 44).map_err(|_| VoiceError::NotWav(wav.len()))?;
        wav[4..8].copy_from_slice(&riff.to_le_bytes());
        wav[40..44].copy_from_slice(&data.to_le_bytes());
        Ok(wav)
    }
}

/// The kiosk's renderer.
pub fn shared() -> &'static Voice {
    static VOICE: OnceLock<Voice> = OnceLock::new();
    VOICE.get_or_init(|| {
        Voice::new(
            std::env::var_os("KIOSK_ESPEAK")
                .map_or_else(|| PathBuf::from("espeak-ng"), PathBuf::from),
        )
    })
}

/// `GET /voice/{lang}/{file}`: a prompt's WAV. 404 for anything but a prompt of
/// [`ui_web::voice::PROMPTS`]; 503 when it cannot be rendered (no espeak-ng), which the page
/// takes as silence.
pub async fn serve(Path((lang, file)): Path<(String, String)>) -> Response {
    let Some((key, lang)) = ui_web::voice::from_path(&lang, &file) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match tokio::task::spawn_blocking(move || shared().audio(key, lang)).await {
        Ok(Ok(wav)) => (
            [
                (header::CONTENT_TYPE, "audio/wav"),
                (header::CACHE_CONTROL, "max-age=3600"),
            ],
            wav.as_ref().clone(),
        )
            .into_response(),
        Ok(Err(e)) => {
            log::warn!("voice {} {}: {e}", lang.tag(), key.name());
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
        Err(e) => {
            log::error!("voice task failed: {e}");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

/// A WAV's duration in seconds and its loudness (RMS of the 16-bit samples, 0–1), from the
/// header espeak-ng writes (PCM, one channel, 16 bits).
pub fn measure(wav: &[u8]) -> Option<(f64, f64)> {
    if wav.len() < 44 || &wav[..4] != b"RIFF" || &wav[36..40] != b"data" {
        return None;
    }
    let channels = u16::from_le_bytes([wav[22], wav[23]]);
    let rate = u32::from_le_bytes([wav[24], wav[25], wav[26], wav[27]]);
    let bits = u16::from_le_bytes([wav[34], wav[35]]);
    if channels != 1 || bits != 16 || rate == 0 {
        return None;
    }
    let samples: Vec<f64> = wav[44..]
        .chunks_exact(2)
        .map(|b| f64::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0)
        .collect();
    if samples.is_empty() {
        return Some((0.0, 0.0));
    }
    let rms = (samples.iter().map(|x| x * x).sum::<f64>() / samples.len() as f64).sqrt();
    Some((samples.len() as f64 / f64::from(rate), rms))
}

/// Roughly how many syllables `script` speaks: pinyin syllables for zh-CN, vowel letters for
/// Uyghur (a Uyghur syllable has one vowel, and the script writes every vowel), vowel groups
/// for English.
pub fn syllables(script: &Script, lang: Lang) -> usize {
    match lang {
        Lang::ZhCn => script
            .text
            .split([' ', ',', '.'])
            .filter(|w| w.ends_with(|c: char| c.is_ascii_digit()))
            .count(),
        Lang::Ug => script
            .text
            .chars()
            .filter(|c| "اەوۇۆۈېى".contains(*c))
            .count(),
        Lang::En => script
            .text
            .split(|c: char| !c.is_ascii_alphabetic())
            .map(|w| {
                let w = w.to_ascii_lowercase();
                let groups = w
                    .split(|c: char| !"aeiouy".contains(c))
                    .filter(|g| !g.is_empty())
                    .count();
                // A silent final e ("time", "more").
                let silent = usize::from(w.ends_with('e') && groups > 1 && !w.ends_with("le"));
                groups
                    .saturating_sub(silent)
                    .max(usize::from(!w.is_empty()))
            })
            .sum(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The length class of a prompt: how long its audio is for the syllables its text has.
    #[derive(Debug, PartialEq)]
    enum LengthClass {
        /// Shorter than a fast reader could say it: words left out or cut off.
        TooShort,
        /// Between 0.12 and 0.5 seconds a syllable, plus up to a second of pauses.
        Fits,
        /// Longer: something else spoken (a language switch spelling the text out, a
        /// fallback voice reading letter by letter).
        TooLong,
    }

    fn class(seconds: f64, syllables: usize) -> LengthClass {
        let n = syllables as f64;
        if seconds < 0.12 * n {
            LengthClass::TooShort
        } else if seconds > 0.5 * n + 1.0 {
            LengthClass::TooLong
        } else {
            LengthClass::Fits
        }
    }

    /// Every prompt, in every language, renders with espeak-ng (installed by the project:
    /// scripts/test.sh, the package's dependencies) into real audio whose length fits its
    /// text; and espeak-ng reads it in that language, never switching to its English voice
    /// (which is what it does with characters its dictionary lacks).
    #[test]
    fn every_prompt_is_spoken_in_its_language_with_a_length_that_fits_its_text() {
        let voice = Voice::new("espeak-ng");
        let mut report = Vec::new();
        for &key in ui_web::voice::PROMPTS {
            for lang in Lang::ALL {
                let script = ui_web::voice::script(key, lang);
                let wav = voice
                    .audio(key, lang)
                    .unwrap_or_else(|e| panic!("{} {}: {e}", key.name(), lang.tag()));
                let (seconds, rms) = measure(&wav).expect("16-bit mono PCM");
                let n = syllables(&script, lang);
                assert!(n > 0, "{}: no syllables in {:?}", key.name(), script.text);
                report.push(format!(
                    "{:<20} {:<5} {:>3} syllables {:>5.2} s {:>4.2} s/syllable rms {:.3}",
                    key.name(),
                    lang.tag(),
                    n,
                    seconds,
                    seconds / n as f64,
                    rms
                ));
                assert_eq!(
                    class(seconds, n),
                    LengthClass::Fits,
                    "{} {}: {seconds:.2} s for {n} syllables",
                    key.name(),
                    lang.tag()
                );
                assert!(rms > 0.02, "{} {}: silent ({rms})", key.name(), lang.tag());
                // What espeak-ng makes of the text: no switch to another language.
                let phonemes = Command::new("espeak-ng")
                    .args(["-q", "-x", "-v", script.voice, "--", &script.text])
                    .output()
                    .expect("espeak-ng runs");
                let phonemes = String::from_utf8_lossy(&phonemes.stdout);
                assert!(
                    !phonemes.contains("(en)") || lang == Lang::En,
                    "{} {}: read partly as English: {phonemes}",
                    key.name(),
                    lang.tag()
                );
            }
            // The three languages are three different recordings.
            let [zh, ug, en] = Lang::ALL.map(|l| voice.audio(key, l).expect("rendered"));
            assert!(zh != ug && ug != en && zh != en, "{}", key.name());
        }
        println!("{}", report.join("\n"));
    }

    #[test]
    fn a_wav_header_gets_its_real_sizes_and_measures() {
        let voice = Voice::new("espeak-ng");
        let wav = voice
            .render(&ui_web::voice::script(Key::InsertCard, Lang::ZhCn))
            .expect("espeak-ng renders");
        let riff = u32::from_le_bytes([wav[4], wav[5], wav[6], wav[7]]) as usize;
        let data = u32::from_le_bytes([wav[40], wav[41], wav[42], wav[43]]) as usize;
        assert_eq!((riff, data), (wav.len() - 8, wav.len() - 44));
        assert!(measure(&wav).is_some_and(|(s, _)| s > 1.0));
        assert!(measure(b"RIFF").is_none());
    }

    #[test]
    fn a_missing_program_is_an_error_not_a_panic() {
        let voice = Voice::new("/nonexistent/espeak-ng");
        assert!(matches!(
            voice.audio(Key::InsertCard, Lang::Ug),
            Err(VoiceError::Spawn { .. })
        ));
    }
}
