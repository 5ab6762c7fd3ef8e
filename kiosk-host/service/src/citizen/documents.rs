//! The documents a citizen presents: the ID card the module read (with its photo when the
//! kiosk has a licensed WLT decoder), an ID card lying on the module before any business, and
//! an e-card QR code.

use std::time::Instant;

use super::Citizen;
use crate::kit::Kit;
use kiosk_core::engine::session::Phase;
use kiosk_core::rules::Material;

impl Citizen {
    /// An ID card was read by the module (`photo`: decoded, when the kiosk has a decoder).
    pub fn id_card(
        &mut self,
        kit: &Kit,
        text: &card_io::idcard::text::IdText,
        photo: Option<face_match::RgbImage>,
    ) {
        let wants = self.live.as_ref().is_some_and(|l| {
            matches!(
                l.session.phase,
                Phase::Gathering {
                    material: Material::IdCard | Material::AgentIdCard
                }
            )
        });
        if !wants {
            return;
        }
        self.id_on_module = true;
        match kit.engine().id_card_read(text) {
            Ok(ev) => {
                if let (Some(photo), Some(live)) = (photo, self.live.as_mut()) {
                    live.id_photos.retain(|(id, _)| id != &text.id_number);
                    live.id_photos.push((text.id_number.clone(), photo));
                }
                self.feed(kit, ev)
            }
            Err(e) => self.device_message = e.to_string(),
        }
    }

    /// An ID card was put on the module with no session waiting for one: before any
    /// business, the home screen offers those that begin with it.
    pub fn id_card_present(&mut self) {
        self.id_on_module = true;
        if self.live.is_none() && self.handback.is_none() {
            self.id_card_presented = Some(Instant::now());
        }
    }

    /// A QR code was scanned.
    pub fn qr_scanned(&mut self, kit: &Kit, qr: &str) {
        let wants = self.live.as_ref().is_some_and(|l| {
            matches!(
                l.session.phase,
                Phase::Gathering {
                    material: Material::IdCard
                }
            )
        });
        if !wants {
            return;
        }
        match kit.engine().ecard_scanned(qr, kit.clock.now()) {
            Ok(ev) => self.feed(kit, ev),
            Err(e) => {
                if let Some(live) = self.live.as_mut() {
                    live.problem = Some(e.to_string());
                }
            }
        }
    }
}
