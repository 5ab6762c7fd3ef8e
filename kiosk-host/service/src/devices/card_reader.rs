//! The social security card reader, watched by `card_io::watcher::ReaderWatcher` on the
//! kiosk's reader provider (pcscd, or the simulator's in-process readers): a card inserted
//! into or pulled from the citizen's card reader ([`CardSlot`]) goes to the session; the
//! reader missing or its service down is reported on the board with what to do. The
//! watcher sees a card pulled and put back between two looks by the reader's event counter,
//! as a removal and an insertion.

use std::collections::BTreeSet;
use std::sync::Arc;

use card_io::transport::ReaderProvider;
use card_io::watcher::{ReaderEvent, ReaderWatcher, WatcherConfig};

use super::board::{Device, State};
use super::link::{DeviceError, DeviceEvent, Link};
use super::slot::CardSlot;

const MISSING: &str = "社会保障卡读卡器未连接,请联系工作人员 / the card reader is not connected; please call staff / ئىجتىمائىي كاپالەت كارتىسى ئوقۇغۇچ ئۇلانمىغان، خىزمەتچىنى چاقىرىڭ";
const SERVICE_DOWN: &str = "读卡服务不可用,请联系工作人员 / the card reader service is not running; please call staff / كارتا ئوقۇش مۇلازىمىتى ئىشلىمەيدۇ، خىزمەتچىنى چاقىرىڭ";

/// Starts the watcher; it stops when the device threads do.
pub fn spawn(
    link: &Link,
    readers: Arc<dyn ReaderProvider>,
    slot: CardSlot,
) -> Result<ReaderWatcher, DeviceError> {
    let mut tracker = Tracker::new(slot);
    let link = link.clone();
    ReaderWatcher::watch(readers, WatcherConfig::default(), move |event| {
        if link.stopping() {
            return false;
        }
        for out in tracker.see(event) {
            match out {
                Out::Health(state, message) => link.report(Device::CardReader, state, message),
                Out::Card(true) => link.session.tell(DeviceEvent::CardInserted),
                Out::Card(false) => link.session.tell(DeviceEvent::CardRemoved),
            }
        }
        true
    })
    .map_err(|source| DeviceError::Thread {
        device: Device::CardReader,
        source,
    })
}

/// What the watcher's events mean for the kiosk.
#[derive(Debug, PartialEq)]
enum Out {
    Health(State, &'static str),
    /// A card inserted (`true`) or removed.
    Card(bool),
}

/// The card reader's state as the watcher's events tell it.
struct Tracker {
    slot: CardSlot,
    /// The card readers that are there now.
    present: BTreeSet<String>,
    service_up: bool,
}

impl Tracker {
    fn new(slot: CardSlot) -> Tracker {
        Tracker {
            slot,
            present: BTreeSet::new(),
            service_up: false,
        }
    }

    fn see(&mut self, event: ReaderEvent) -> Vec<Out> {
        let ours = |r: &str| self.slot.is_card_reader(r);
        match event {
            ReaderEvent::ServiceUp => {
                self.service_up = true;
                Vec::new()
            }
            ReaderEvent::ServiceDown => {
                self.service_up = false;
                self.present.clear();
                vec![Out::Health(State::Down, SERVICE_DOWN)]
            }
            ReaderEvent::ReaderAdded { reader } if ours(&reader) => {
                self.present.insert(reader);
                Vec::new()
            }
            ReaderEvent::ReaderRemoved { reader } if ours(&reader) => {
                self.present.remove(&reader);
                Vec::new()
            }
            ReaderEvent::CardInserted { reader, .. } if ours(&reader) => {
                vec![Out::Card(true)]
            }
            ReaderEvent::CardRemoved { reader } if ours(&reader) => {
                vec![Out::Card(false)]
            }
            ReaderEvent::Settled if self.service_up => vec![if self.present.is_empty() {
                Out::Health(State::Down, MISSING)
            } else {
                Out::Health(State::Ok, "")
            }],
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiosk_core::card_ops::Target;

    #[test]
    fn only_the_card_reader_counts_and_its_absence_is_said_once_the_look_is_complete() {
        let slot = CardSlot::new(&Target::default(), &firmware_config::Devices::default());
        let mut t = Tracker::new(slot);
        let added = |r: &str| ReaderEvent::ReaderAdded { reader: r.into() };
        let inserted = |r: &str| ReaderEvent::CardInserted {
            reader: r.into(),
            atr: vec![0x3B],
        };
        assert_eq!(t.see(ReaderEvent::ServiceUp), vec![]);
        assert_eq!(t.see(added("Virtual PCD 00 01")), vec![]);
        assert_eq!(t.see(inserted("Virtual PCD 00 01")), vec![], "the PSAM");
        assert_eq!(
            t.see(ReaderEvent::Settled),
            vec![Out::Health(State::Down, MISSING)]
        );
        assert_eq!(t.see(added("Virtual PCD 00 00")), vec![]);
        assert_eq!(t.see(inserted("Virtual PCD 00 00")), vec![Out::Card(true)]);
        assert_eq!(
            t.see(ReaderEvent::Settled),
            vec![Out::Health(State::Ok, "")]
        );
        assert_eq!(
            t.see(ReaderEvent::CardRemoved {
                reader: "Virtual PCD 00 00".into()
            }),
            vec![Out::Card(false)]
        );
        assert_eq!(
            t.see(ReaderEvent::ServiceDown),
            vec![Out::Health(State::Down, SERVICE_DOWN)]
        );
        assert_eq!(
            t.see(ReaderEvent::Settled),
            vec![],
            "the service is still down"
        );
    }
}
