//! The screens of the citizen's journey around the businesses (issue 22): `take_cards`, shown
//! at the end of every session until the card reader and the ID module are both empty.

use askama::Template;

use super::chrome::Chrome;
use crate::i18n::Key;

#[derive(Template)]
#[template(path = "take_cards.html")]
struct TakeCardsTpl<'a> {
    c: Chrome<'a>,
    card: bool,
    id_card: bool,
    timed_out: bool,
}

/// The `take_cards` screen: what to take, and 已超时退出 when the time ran out.
pub(super) fn take_cards(
    c: Chrome<'_>,
    card: bool,
    id_card: bool,
    timed_out: bool,
) -> askama::Result<String> {
    TakeCardsTpl {
        c,
        card,
        id_card,
        timed_out,
    }
    .render()
}

impl Chrome<'_> {
    /// True on the screens after the business ended (done, refused, failed, the one-time
    /// notice): nothing is left to cancel, their own button finishes (issue 22).
    pub(super) fn business_over(&self) -> bool {
        use crate::view::Screen;
        matches!(
            self.page.screen,
            Screen::Done { .. }
                | Screen::Refused { .. }
                | Screen::Failed { .. }
                | Screen::Notice { .. }
        )
    }

    /// A receipt line as its label and its value (`label: value`), so that the value is shown
    /// isolated: in a right-to-left (Uyghur) line, a masked name such as `阿*****·买***`
    /// would otherwise have its trailing stars moved to its other side.
    pub(super) fn line_parts<'l>(&self, line: &'l str) -> (&'l str, Option<&'l str>) {
        match line.split_once(": ") {
            Some((label, value)) => (label, Some(value)),
            None => (line, None),
        }
    }

    /// True on the citizen's screens that carry the 呼叫工作人员 button of the header, in every
    /// mode: not the staff pages or the simulator's panel, nor the error screen (its own).
    /// The match names every screen, with no catch-all: a new screen does not compile until
    /// its author says which side it is on (a staff screen once got the citizen's button by
    /// default).
    pub(super) fn citizen_page(&self) -> bool {
        use crate::view::Screen;
        match self.page.screen {
            Screen::Home { .. }
            | Screen::Attract { .. }
            | Screen::Ask { .. }
            | Screen::Notice { .. }
            | Screen::Refused { .. }
            | Screen::Confirm { .. }
            | Screen::Pay { .. }
            | Screen::Pins { .. }
            | Screen::Interrupted { .. }
            | Screen::Done { .. }
            | Screen::Failed { .. }
            | Screen::TakeCards { .. }
            | Screen::Face { .. }
            | Screen::Guide { .. }
            | Screen::Suggest { .. } => true,
            Screen::StaffLogin { .. }
            | Screen::SelfTest { .. }
            | Screen::StaffHome { .. }
            | Screen::StaffArchive { .. }
            | Screen::StaffStats { .. }
            | Screen::StaffAudit { .. }
            | Screen::StaffApplications { .. }
            | Screen::StaffSuggestions { .. }
            | Screen::StaffIdentity { .. }
            | Screen::SimPanel { .. }
            // The error screen has its own, larger, call-staff button.
            | Screen::Error { .. } => false,
        }
    }
}
