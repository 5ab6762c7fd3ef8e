//! [`Board`]: each peripheral's health as its thread last saw it, for `/api/devices`, the
//! device events and the screens.

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde::Serialize;
use utoipa::ToSchema;

/// The kiosk's peripherals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Device {
    /// The PC/SC reader of the social security card.
    CardReader,
    /// The resident ID card module (GA 467).
    IdModule,
    /// The e-card QR scanner.
    QrScanner,
    /// The receipt printer (ESC/POS).
    Printer,
    /// The agency's registry, on a kiosk with `[agency]` ([`super::registry`]).
    Registry,
}

/// How a device is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Not looked at yet.
    Starting,
    Ok,
    /// Works, but staff should act soon (paper near its end).
    Warning,
    /// Not usable: the message says what to do.
    Down,
    /// The kiosk has no such device (its port is empty in `[devices]`).
    Absent,
}

/// One device's health.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Health {
    pub device: Device,
    pub state: State,
    /// "中文 / English / ئۇيغۇرچە"; empty when all is well.
    pub message: String,
    /// The serial port or reader it is on, when it has one.
    pub port: Option<String>,
    /// Inputs the device delivered to the kiosk (ID cards read, codes scanned, receipts
    /// printed).
    pub events: u64,
}

/// The health of every device, behind its own lock (device threads update it without the
/// kiosk's lock).
#[derive(Debug, Default)]
pub struct Board {
    map: Mutex<BTreeMap<Device, Health>>,
}

impl Board {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<Device, Health>> {
        // Plain data: a panic elsewhere cannot leave it half-written.
        self.map.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Registers a device: on `port`, or absent when `port` is `None`.
    pub fn declare(&self, device: Device, port: Option<String>) {
        let state = if port.is_some() {
            State::Starting
        } else {
            State::Absent
        };
        self.lock().insert(
            device,
            Health {
                device,
                state,
                message: String::new(),
                port,
                events: 0,
            },
        );
    }

    /// Records what a device thread saw; true when the state or message changed.
    pub fn report(&self, device: Device, state: State, message: impl Into<String>) -> bool {
        let message = message.into();
        let mut map = self.lock();
        let h = map.entry(device).or_insert_with(|| Health {
            device,
            state: State::Starting,
            message: String::new(),
            port: None,
            events: 0,
        });
        if h.state == state && h.message == message {
            return false;
        }
        if state != h.state {
            match state {
                State::Down => log::warn!("{device:?}: {message}"),
                _ => log::info!("{device:?}: {state:?} {message}"),
            }
        }
        h.state = state;
        h.message = message;
        true
    }

    /// Counts one input the device delivered.
    pub fn count_event(&self, device: Device) {
        if let Some(h) = self.lock().get_mut(&device) {
            h.events += 1;
        }
    }

    /// Inputs delivered so far.
    pub fn events(&self, device: Device) -> u64 {
        self.lock().get(&device).map_or(0, |h| h.events)
    }

    pub fn get(&self, device: Device) -> Option<Health> {
        self.lock().get(&device).cloned()
    }

    pub fn state(&self, device: Device) -> Option<State> {
        self.lock().get(&device).map(|h| h.state)
    }

    /// The message of `device` when it is down.
    pub fn down_message(&self, device: Device) -> Option<String> {
        self.lock()
            .get(&device)
            .filter(|h| h.state == State::Down)
            .map(|h| h.message.clone())
    }

    /// Every device, in a fixed order.
    pub fn all(&self) -> Vec<Health> {
        self.lock().values().cloned().collect()
    }

    /// The messages of the devices that are down, joined (empty when none is).
    pub fn summary(&self) -> String {
        self.lock()
            .values()
            .filter(|h| h.state == State::Down)
            .map(|h| h.message.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_change_once_and_summaries_list_what_is_down() {
        let b = Board::default();
        b.declare(Device::IdModule, Some("/dev/ttyUSB0".into()));
        b.declare(Device::Printer, None);
        assert_eq!(b.state(Device::Printer), Some(State::Absent));
        assert!(b.report(Device::IdModule, State::Down, "gone"));
        assert!(!b.report(Device::IdModule, State::Down, "gone"));
        assert_eq!(b.summary(), "gone");
        assert_eq!(b.down_message(Device::IdModule).as_deref(), Some("gone"));
        assert!(b.report(Device::IdModule, State::Ok, ""));
        assert_eq!(b.summary(), "");
        b.count_event(Device::IdModule);
        assert_eq!(b.events(Device::IdModule), 1);
        assert_eq!(b.all().len(), 2);
    }
}
