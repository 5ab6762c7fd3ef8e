//! The base layout's view of a page ([`Chrome`]): its texts, language links, mode and the
//! small helpers every template calls. A leaf: the screens' templates use it, it uses none of
//! them.

use crate::i18n::{endonym, Key, StaffKey, Texts};
use crate::icons::icon_svg;
use crate::keyboard::Keyboard;
use crate::view::*;

/// What the base layout needs: the page and its language's texts.
pub(super) struct Chrome<'a> {
    pub(super) page: &'a Page,
    pub(super) texts: Texts,
}

/// A language on the switcher.
pub(super) struct LangLink {
    pub(super) tag: &'static str,
    pub(super) name: &'static str,
    pub(super) dir: &'static str,
    pub(super) href: String,
    pub(super) current: bool,
}

impl<'a> Chrome<'a> {
    pub(super) fn new(page: &'a Page) -> Self {
        Chrome {
            page,
            texts: Texts(page.lang),
        }
    }

    pub(super) fn t(&self, key: Key) -> &'static str {
        self.texts.get(key)
    }

    /// A fixed text of the staff pages.
    pub(super) fn s(&self, key: StaffKey) -> &'static str {
        key.text(self.page.lang)
    }

    /// A staff page's name on the staff navigation.
    pub(super) fn page_label(&self, page: &StaffPage) -> &'static str {
        self.s(match page {
            StaffPage::Home => StaffKey::PageHome,
            StaffPage::SelfTest => StaffKey::PageSelfTest,
            StaffPage::Archive => StaffKey::PageArchive,
            StaffPage::Stats => StaffKey::PageStats,
            StaffPage::Audit => StaffKey::PageAudit,
            StaffPage::Applications => StaffKey::PageApplications,
            StaffPage::Suggestions => StaffKey::PageSuggestions,
            StaffPage::Identity => StaffKey::PageIdentity,
        })
    }

    /// What a staff page is for, on the staff home (none for the home itself).
    pub(super) fn page_hint(&self, page: &StaffPage) -> Option<&'static str> {
        let key = match page {
            StaffPage::Home => return None,
            StaffPage::SelfTest => StaffKey::HintSelfTest,
            StaffPage::Archive => StaffKey::HintArchive,
            StaffPage::Stats => StaffKey::HintStats,
            StaffPage::Audit => StaffKey::HintAudit,
            StaffPage::Applications => StaffKey::HintApplications,
            StaffPage::Suggestions => StaffKey::HintSuggestions,
            StaffPage::Identity => StaffKey::HintIdentity,
        };
        Some(self.s(key))
    }

    pub(super) fn lang_tag(&self) -> &'static str {
        self.page.lang.tag()
    }

    pub(super) fn dir(&self) -> &'static str {
        dir_of(self.page.lang)
    }

    /// The query of a chrome link: both settings, so that neither is lost on the way.
    pub(super) fn query(lang: Lang, elderly: bool) -> String {
        format!("?lang={}&elderly={}", lang.tag(), u8::from(elderly))
    }

    pub(super) fn languages(&self) -> Vec<LangLink> {
        Lang::ALL
            .into_iter()
            .map(|lang| LangLink {
                tag: lang.tag(),
                name: endonym(lang),
                dir: dir_of(lang),
                href: Self::query(lang, self.page.elderly),
                current: lang == self.page.lang,
            })
            .collect()
    }

    pub(super) fn elderly_href(&self) -> String {
        Self::query(self.page.lang, !self.page.elderly)
    }

    pub(super) fn elderly_label(&self) -> &'static str {
        if self.page.elderly {
            self.t(Key::ElderlyOff)
        } else {
            self.t(Key::ElderlyOn)
        }
    }

    /// The address of a spoken prompt's audio in the page's language (`data-voice`).
    pub(super) fn voice(&self, key: Key) -> String {
        crate::voice::path(key, self.page.lang)
    }

    /// A text keyboard in the page's language for field `id`.
    pub(super) fn text_keyboard(&self, id: &str) -> Keyboard {
        Keyboard::text(id, self.page.lang)
    }

    /// A home menu button's picture.
    pub(super) fn icon(&self, icon: &Icon) -> &'static str {
        icon_svg(icon)
    }

    /// The digit pad's keys with their names in the page's language.
    pub(super) fn pad_keys(&self) -> Vec<crate::keyboard::KeyCap> {
        Keyboard::pad_keys(self.page.lang)
    }

    pub(super) fn group_title(&self, group: &MenuGroup) -> &'static str {
        self.t(match group {
            MenuGroup::GetCard => Key::GroupGetCard,
            MenuGroup::CardServices => Key::GroupCardServices,
            MenuGroup::LossAndCancel => Key::GroupLossAndCancel,
            MenuGroup::Pin => Key::GroupPin,
            MenuGroup::Query => Key::GroupQuery,
        })
    }
}

pub(super) fn dir_of(lang: Lang) -> &'static str {
    if lang.rtl() {
        "rtl"
    } else {
        "ltr"
    }
}
