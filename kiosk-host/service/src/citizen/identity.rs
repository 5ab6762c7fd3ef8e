//! The citizen's side of the identity step (人证核验): the face worker follows the session's
//! phase ([`Citizen::face_follow`], after every event), the actor polls a running attempt
//! ([`Citizen::face_poll`]), and a staff member's decision from the staff pages arrives as
//! [`Citizen::staff_identity`]. The rules are the reducer's (`kiosk_core::engine::identity`);
//! the worker is [`crate::face`].

use super::{Citizen, Live};
use crate::face::Instruction;
use crate::kit::Kit;
use face_match::RgbImage;
use kiosk_core::engine::identity::{FaceEvent, FaceResult, FaceStep};
use kiosk_core::engine::session::{Event, Phase};

/// The reference photo of the person at the kiosk (the agent in an agent case, else the
/// holder): the ID card's decoded photo, else the registry's (the agency's, or the kiosk's
/// own).
fn reference(kit: &Kit, live: &Live) -> Result<RgbImage, String> {
    let s = &live.session;
    let id = if s.agent {
        s.gathered.agent.as_ref().map(|a| a.id_number.clone())
    } else {
        s.principal_id().map(str::to_string)
    }
    .ok_or_else(|| "no ID card read".to_string())?;
    if let Some((_, photo)) = live.id_photos.iter().find(|(n, _)| n == &id) {
        return Ok(photo.clone());
    }
    if let Some(photo) = kit.face.card_photo.as_ref().and_then(|f| f(&id)) {
        return Ok(photo);
    }
    match kit.store.get().photo(&id) {
        Ok(Some(jpeg)) => image::load_from_memory(&jpeg)
            .map(|i| i.to_rgb8())
            .map_err(|e| format!("the registry's photo cannot be read: {e}")),
        Ok(None) => Err("no photo of the person in the registry".into()),
        Err(e) => Err(format!("the registry's photo: {e}")),
    }
}

impl Citizen {
    /// After every event: at the consent, a match that is not possible is reported at once
    /// (no consent is asked for a camera that will not be used); at an attempt, its worker
    /// starts; anywhere else, a running worker stops (and the live image goes).
    pub(super) fn face_follow(&mut self, kit: &Kit) {
        let Some(live) = self.live.as_mut() else {
            return;
        };
        let not_possible = |reason: String| {
            log::info!("identity step: no match possible: {reason}");
            Event::Face(FaceEvent::Result(FaceResult::NotPossible { reason }))
        };
        match live.session.phase {
            Phase::Identity {
                step: FaceStep::Consent,
            } => {
                live.face = None;
                let why = kit.face.impossible().or_else(|| reference(kit, live).err());
                if let Some(reason) = why {
                    self.feed(kit, not_possible(reason));
                }
            }
            Phase::Identity {
                step: FaceStep::Matching { attempt },
            } => {
                if live.face.as_ref().map(|r| r.attempt) == Some(attempt) {
                    return;
                }
                live.face = None;
                match reference(kit, live) {
                    Ok(img) => live.face = Some(kit.face.start(attempt, img)),
                    Err(reason) => self.feed(kit, not_possible(reason)),
                }
            }
            _ => live.face = None,
        }
    }

    /// True while an attempt runs (the actor polls it often then).
    pub fn face_running(&self) -> bool {
        self.live.as_ref().is_some_and(|l| l.face.is_some())
    }

    /// A running attempt's result, fed to the session once it is there. While it runs the
    /// citizen is busy at the camera: the idle timer does not run out on them.
    pub fn face_poll(&mut self, kit: &Kit) {
        if let Some(live) = self.live.as_mut().filter(|l| l.face.is_some()) {
            live.last_activity = std::time::Instant::now();
        }
        let Some(result) = self
            .live
            .as_ref()
            .and_then(|l| l.face.as_ref())
            .and_then(|r| r.poll())
        else {
            return;
        };
        if let Some(live) = self.live.as_mut() {
            live.face = None;
        }
        self.feed(kit, Event::Face(FaceEvent::Result(result)));
    }

    /// What the running attempt asks the citizen to do.
    pub fn face_instruction(&self) -> Option<Instruction> {
        self.live
            .as_ref()
            .and_then(|l| l.face.as_ref())
            .map(|r| r.instruction())
    }

    /// A staff member (authenticated at the staff pages) approved or refused the identity of
    /// the session waiting for it. `case_id` must be that session's.
    pub fn staff_identity(
        &mut self,
        kit: &Kit,
        case_id: &str,
        user: &str,
        approved: bool,
    ) -> Result<(), String> {
        let waiting = self.live.as_ref().is_some_and(|l| {
            l.session.case_id == case_id
                && matches!(
                    l.session.phase,
                    Phase::Identity {
                        step: FaceStep::AwaitingStaff { .. }
                    }
                )
        });
        if !waiting {
            return Err("no session waits for a staff approval with this case".into());
        }
        let Some(mut live) = self.live.take() else {
            return Err("no session".into());
        };
        let result = kit.engine().feed_in(
            &mut live.session,
            Event::Face(FaceEvent::Staff {
                user: user.to_string(),
                approved,
            }),
            kit.clock.now(),
            self.lang,
        );
        self.live = Some(live);
        let after = result.map_err(|n| n.to_string());
        // The phase moved on; closed sessions leave like any other.
        self.feed_after_staff(kit);
        after
    }

    fn feed_after_staff(&mut self, kit: &Kit) {
        if self.live.as_ref().is_some_and(|l| l.session.is_over()) {
            self.live = None;
            self.reset_prefs(kit);
        }
    }

    /// The case waiting for a staff approval, if any: (case id, business, masked holder).
    pub fn awaiting_staff(&self) -> Option<(String, kiosk_core::domain::BusinessCode, bool)> {
        let l = self.live.as_ref()?;
        matches!(
            l.session.phase,
            Phase::Identity {
                step: FaceStep::AwaitingStaff { .. }
            }
        )
        .then(|| {
            (
                l.session.case_id.clone(),
                l.session.business,
                l.session.agent,
            )
        })
    }
}
