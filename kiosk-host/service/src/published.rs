//! [`Published`]: what the kiosk's screen shows now, as the session actor last published it
//! on a `tokio::sync::watch` channel. The screen routes, `GET /api/session`, `/api/devices`,
//! the server-sent events and the device threads read it without waiting for the actor (or
//! for a commit the actor is in): they take the latest value, an `Arc`, and let go.

use std::sync::Arc;

use tokio::sync::watch;
use ui_web::Page;

use crate::devices::Health;
use crate::screens::Chrome;
use kiosk_core::rules::Material;

/// The screen as the actor last left it.
#[derive(Debug, Clone)]
pub struct Published {
    /// The frame of every page: language, elderly mode, countdown, session open.
    pub chrome: Chrome,
    /// The page the screen shows now: the session's, or home when there is none.
    pub page: Page,
    /// True when [`page`](Self::page) is the session's (false: home).
    pub session_page: bool,
    /// True while a card is in the card reader.
    pub card_present: bool,
    /// The device status line (empty when all is well).
    pub device_message: String,
    /// Every peripheral's health when this was published.
    pub devices: Vec<Health>,
    /// The case and the material a gathering screen waits for.
    pub waiting: Option<(String, Material)>,
    /// The photo taken and shown to check (`/camera/photo.jpg`; issue 22).
    pub photo_check: Option<Arc<kiosk_core::engine::facts::PhotoFacts>>,
    /// Counts changes of `page`: a server-sent `session` event for each.
    pub session_seq: u64,
    /// Counts changes of the device status (`card_present`, `device_message`, `devices`): a
    /// server-sent `device` event for each.
    pub device_seq: u64,
}

impl Published {
    /// The case id when a screen waits for one of `materials`.
    pub fn waiting_for(&self, materials: &[Material]) -> Option<&str> {
        self.waiting
            .as_ref()
            .filter(|(_, m)| materials.contains(m))
            .map(|(case, _)| case.as_str())
    }

    /// The data of a server-sent `device` event.
    pub fn device_event(&self) -> String {
        serde_json::json!({
            "message": self.device_message,
            "card_present": self.card_present,
            "devices": self.devices,
        })
        .to_string()
    }

    /// `next` with the change counters moved on from `self` where its page or its device
    /// status differ.
    pub(crate) fn followed_by(&self, mut next: Published) -> Published {
        next.session_seq = self.session_seq + u64::from(self.page != next.page);
        let device_changed = self.card_present != next.card_present
            || self.device_message != next.device_message
            || self.devices != next.devices;
        next.device_seq = self.device_seq + u64::from(device_changed);
        next
    }

    /// True when nothing a reader can see differs from `other`.
    pub(crate) fn same_as(&self, other: &Published) -> bool {
        self.chrome == other.chrome
            && self.page == other.page
            && self.session_page == other.session_page
            && self.card_present == other.card_present
            && self.device_message == other.device_message
            && self.devices == other.devices
            && self.waiting == other.waiting
    }
}

/// The reading end: cheap to clone, never blocks on the actor.
#[derive(Debug, Clone)]
pub struct Screen {
    rx: watch::Receiver<Arc<Published>>,
}

impl Screen {
    pub(crate) fn new(rx: watch::Receiver<Arc<Published>>) -> Screen {
        Screen { rx }
    }

    /// What the screen shows now.
    pub fn now(&self) -> Arc<Published> {
        self.rx.borrow().clone()
    }

    /// A receiver of every later publication (server-sent events).
    pub fn subscribe(&self) -> watch::Receiver<Arc<Published>> {
        self.rx.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devices::{Device, State};
    use firmware_config::Language;

    fn published(page_title: &str, message: &str) -> Published {
        let chrome = Chrome {
            lang: Language::ZhCn,
            elderly: false,
            idle_timeout_s: None,
            in_session: false,
            sim: false,
            staff_called: false,
        };
        Published {
            page: crate::screens::error(&chrome, page_title.into(), String::new()),
            chrome,
            session_page: false,
            card_present: false,
            device_message: message.into(),
            devices: vec![Health {
                device: Device::Printer,
                state: State::Ok,
                message: String::new(),
                port: None,
                events: 0,
            }],
            waiting: Some(("C1".into(), Material::IdCard)),
            photo_check: None,
            session_seq: 0,
            device_seq: 0,
        }
    }

    #[test]
    fn each_kind_of_change_moves_its_own_counter() {
        let first = published("a", "");
        let same = first.followed_by(published("a", ""));
        assert!(same.same_as(&first));
        assert_eq!((same.session_seq, same.device_seq), (0, 0));
        let page = first.followed_by(published("b", ""));
        assert_eq!((page.session_seq, page.device_seq), (1, 0));
        let device = page.followed_by(published("b", "打印机缺纸"));
        assert_eq!((device.session_seq, device.device_seq), (1, 1));
        assert!(device.device_event().contains("打印机缺纸"));
        let mut counted = published("b", "打印机缺纸");
        counted.devices[0].events = 1;
        let counted = device.followed_by(counted);
        assert_eq!((counted.session_seq, counted.device_seq), (1, 2));
    }

    #[test]
    fn a_screen_waits_for_what_its_gathering_step_asks() {
        let p = published("a", "");
        assert_eq!(
            p.waiting_for(&[Material::IdCard, Material::AgentIdCard]),
            Some("C1")
        );
        assert_eq!(p.waiting_for(&[Material::SsCard]), None);
    }
}
