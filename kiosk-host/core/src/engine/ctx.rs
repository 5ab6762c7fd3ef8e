//! What the session's decisions may look at besides the session: the time, the settings, the
//! calendar and the language of printed notices.

use firmware_config::Language;

use crate::calendar::WorkCalendar;
use crate::domain::Timestamp;

/// What decisions may look at besides the session: the time, the settings, the calendar.
pub struct Ctx<'a> {
    pub now: Timestamp,
    pub settings: &'a firmware_config::Business,
    pub kiosk: &'a firmware_config::Kiosk,
    /// `[face]`: which businesses need the identity match, retries, the staff path.
    pub face: &'a firmware_config::Face,
    pub calendar: &'a WorkCalendar,
    /// The language printed notices use.
    pub language: Language,
}
