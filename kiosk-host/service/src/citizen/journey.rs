//! The citizen's journey around a business (issue 22): the cards handed back at the end of
//! every session (`take_cards` until the card reader and the ID module are both empty), the
//! ID card lifted, the staff call of this session only, and the messages that belong to one
//! screen of one session.

use std::time::{Duration, Instant};

use firmware_config::Language;

use super::{Citizen, Live};

/// How long `take_cards` stays after a time-out even with nothing to take: long enough to
/// read 已超时退出.
pub const TIMED_OUT_SHOWN_FOR: Duration = Duration::from_secs(8);

/// A session ended; what it must hand back before the kiosk goes home.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Handback {
    /// The session ended because its time ran out.
    pub timed_out: bool,
    pub since: Instant,
    /// The language and mode of the session that ended: `take_cards` speaks to its citizen
    /// (the next one's screen starts from the configured ones).
    pub lang: Language,
    pub elderly: bool,
}

impl Citizen {
    /// The session just ended: hand back what is still in (or say 已超时退出). Nothing to
    /// hand back and no time-out: home at once. Called before the preferences are reset.
    pub(super) fn hand_back(&mut self, timed_out: bool) {
        // The card in the reader now was this session's: it is nobody's next.
        self.card_fresh = false;
        self.id_card_presented = None;
        if timed_out || self.card_present || self.id_on_module {
            let since = Instant::now();
            self.handback = Some(match self.handback {
                Some(h) => Handback {
                    timed_out: h.timed_out || timed_out,
                    ..h
                },
                None => Handback {
                    timed_out,
                    since,
                    lang: self.lang,
                    elderly: self.elderly,
                },
            });
        } else {
            self.staff_called = false;
        }
        self.handback_progress();
    }

    /// Ends the hand-back once the reader and the ID module are empty (and a time-out was
    /// shown long enough). Called on every card and ID card event and every tick.
    pub(super) fn handback_progress(&mut self) {
        let Some(h) = self.handback else {
            return;
        };
        let shown_enough = !h.timed_out || h.since.elapsed() >= TIMED_OUT_SHOWN_FOR;
        if !self.card_present && !self.id_on_module && shown_enough {
            self.handback = None;
            self.staff_called = false;
        }
    }

    /// The ID card was lifted off the module.
    pub fn id_card_gone(&mut self) {
        self.id_on_module = false;
        self.id_card_presented = None;
        self.handback_progress();
    }

    /// The hand-back under way, if any.
    pub fn handback(&self) -> Option<Handback> {
        self.handback
    }

    /// What `take_cards` lists: (the card in the reader, the ID card on the module).
    pub fn left_in(&self) -> (bool, bool) {
        (self.card_present, self.id_on_module)
    }

    /// True once the citizen called staff, for this session (or this wait at home) only.
    pub fn staff_was_called(&self) -> bool {
        self.staff_called
    }

    /// A message for the session's current screen (a camera trouble): shown there, cleared
    /// when the screen or the session changes.
    pub(super) fn screen_message(&mut self, message: &str) {
        if let Some(live) = self.live.as_mut() {
            live.screen_message = Some((live.session.phase.clone(), message.to_string()));
        }
    }
}

impl Live {
    /// Drops a screen message raised on a screen the session has left.
    pub(super) fn clear_stale_screen_message(&mut self) {
        if self
            .screen_message
            .as_ref()
            .is_some_and(|(phase, _)| *phase != self.session.phase)
        {
            self.screen_message = None;
        }
    }
}
