//! An open session and what its screens need besides the session itself ([`Live`]), and the
//! fee being paid in it ([`Paying`]): data only, so every part of the citizen module may use it.

use std::time::Instant;

use kiosk_core::engine::facts::PhotoFacts;
use kiosk_core::engine::session::{Phase, Session};
use kiosk_core::payment::{PayState, PaymentRequest};

/// An open session and what its screens need besides the session itself.
pub struct Live {
    pub session: Session,
    pub last_activity: Instant,
    pub started: Instant,
    /// The PIN pad's key order for the current entry.
    pub digits: Vec<u8>,
    /// A problem with the last input, shown on the screen.
    pub problem: Option<String>,
    /// The photo pipeline's advice after the last refused frame.
    pub photo_advice: Vec<String>,
    /// What became of the last "print" (receipt or notice), for the screen.
    pub print_note: Option<String>,
    /// The identity step's running attempt (dropped with the session: no frame outlives it).
    pub face: Option<crate::face::FaceRun>,
    /// A card lay in the reader when the session started, not put there for it: it is never
    /// read; the citizen is asked to take it out and insert it again (issue 22).
    pub stale_card: bool,
    /// After a wrong old PIN: the new PIN typed (twice, the same), kept for the retry so
    /// only the wrong field is asked again. Zeroized when dropped.
    pub kept_new_pin: Option<card_io::pin::Pin>,
    /// A message that belongs to this session's current screen (a camera trouble): cleared
    /// with it.
    pub screen_message: Option<(Phase, String)>,
    /// The photo just taken and cropped, shown to check (重拍 / 使用此照片) before it is
    /// given to the session.
    pub photo_pending: Option<std::sync::Arc<PhotoFacts>>,
    /// The ID cards' photos read in this session, decoded by the licensed WLT decoder, by
    /// ID number (the holder's, an agent's): the identity step's first reference. Dropped
    /// with the session.
    pub id_photos: Vec<(String, face_match::RgbImage)>,
    /// The citizen touched "I have read this" on the confirm screen of an irreversible
    /// business (`rules::consequence::irreversible`): the first of the two touches; only then
    /// is "confirm" taken.
    pub acknowledged: bool,
    /// The fee being paid, or paid, for this session's business (`fees`).
    pub paying: Option<Paying>,
    /// The pay-at-counter slip, when the fee is paid at the counter: the business stops.
    pub counter_slip: Option<Vec<String>>,
}

/// A fee being paid, or paid, in a session.
#[derive(Debug, Clone)]
pub struct Paying {
    pub request: PaymentRequest,
    pub state: PayState,
}
