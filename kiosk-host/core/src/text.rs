//! Text in the kiosk's three screen languages: [`Tri`], always in the order Chinese, English,
//! Uyghur, and [`Tri::pick`] for the one a screen, receipt or page shows.
//!
//! Every trilingual text of the core is one: the rule table's names and steps, the one-time
//! notice, refusals, failures, the session's notices, card states and application progress.
//! `Display` gives the log form "中文 / English".

use std::fmt;

use firmware_config::Language;
use serde::Serialize;

/// The same text in Chinese, English and Uyghur. `Tri` (the default) holds `&'static str`
/// (tables, constants); `Tri<String>` holds formatted text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Tri<S = &'static str> {
    pub zh: S,
    pub en: S,
    pub ug: S,
}

impl<S> Tri<S> {
    /// The three texts, in this order: Chinese, English, Uyghur.
    pub const fn new(zh: S, en: S, ug: S) -> Tri<S> {
        Tri { zh, en, ug }
    }

    /// The text in `lang`.
    pub fn pick(&self, lang: Language) -> &S {
        match lang {
            Language::ZhCn => &self.zh,
            Language::En => &self.en,
            Language::Ug => &self.ug,
        }
    }

    /// The text in `lang`, taken out.
    pub(crate) fn into_pick(self, lang: Language) -> S {
        match lang {
            Language::ZhCn => self.zh,
            Language::En => self.en,
            Language::Ug => self.ug,
        }
    }

    /// Each of the three texts through `f`.
    pub fn map<T>(self, mut f: impl FnMut(S) -> T) -> Tri<T> {
        Tri {
            zh: f(self.zh),
            en: f(self.en),
            ug: f(self.ug),
        }
    }
}

impl Tri {
    /// The texts as owned strings.
    pub fn owned(self) -> Tri<String> {
        self.map(str::to_string)
    }
}

/// The log form: "中文 / English".
impl<S: fmt::Display> fmt::Display for Tri<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} / {}", self.zh, self.en)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_in_the_order_zh_en_ug() {
        const T: Tri = Tri::new("中", "en", "ئۇ");
        assert_eq!(*T.pick(Language::ZhCn), "中");
        assert_eq!(*T.pick(Language::En), "en");
        assert_eq!(*T.pick(Language::Ug), "ئۇ");
        let owned = T.owned();
        assert_eq!(owned.pick(Language::En), "en");
        assert_eq!(owned.clone().into_pick(Language::Ug), "ئۇ");
        assert_eq!(owned.to_string(), "中 / en");
        assert_eq!(T.map(str::len), Tri::new(3, 2, 4));
    }
}
