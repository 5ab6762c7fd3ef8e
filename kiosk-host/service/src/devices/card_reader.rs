//! The social security card reader's watcher: insertions and removals become session
//! events; a reader that is gone (unplugged, PC/SC service down) is reported down. It waits
//! on the reader's own change notification (`ReaderProvider::wait_for_change`), so a card is
//! seen as it goes in; a card pulled and put back between two looks is seen by the reader's
//! event counter, as a removal followed by an insertion.

use std::sync::{Arc, Weak};
use std::time::Duration;

use card_io::transport::{ReaderInfo, ReaderProvider};

use super::{nap, report, Device, DeviceError, State};
use crate::Shared;
use kiosk_core::card_ops::Target;

/// Longest wait for a reader change before the watcher looks again (and notices the kiosk
/// is shutting down).
const WATCH_TIMEOUT: Duration = Duration::from_millis(500);
/// Pause after the reader service failed, before looking again.
const RETRY_PAUSE: Duration = Duration::from_millis(250);

/// What one look at the readers found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Look {
    /// The reader is there; a card is in it or not. `events` changes at every insertion and
    /// removal.
    Present { card: bool, events: u32 },
    /// The reader is not listed.
    Missing,
    /// The PC/SC service does not answer.
    ServiceDown,
}

/// Looks at the readers once.
pub fn look(readers: &dyn ReaderProvider, target: &Target) -> Look {
    match readers.list_readers() {
        Ok(list) => look_in(&list, target),
        Err(_) => Look::ServiceDown,
    }
}

/// What a reader list says about our card reader.
pub fn look_in(list: &[ReaderInfo], target: &Target) -> Look {
    let ours = |r: &&ReaderInfo| match (&target.reader, &target.psam_reader) {
        (Some(name), _) => &r.name == name,
        (None, Some(psam)) => &r.name != psam,
        (None, None) => true,
    };
    let mine: Vec<&ReaderInfo> = list.iter().filter(ours).collect();
    if mine.is_empty() {
        Look::Missing
    } else {
        Look::Present {
            card: mine.iter().any(|r| r.atr.is_some()),
            events: mine.iter().fold(0u32, |a, r| a.wrapping_add(r.events)),
        }
    }
}

/// The card events between two looks, in order (`true`: inserted, `false`: removed).
pub fn card_changes(last: &Look, now: &Look) -> Vec<bool> {
    let card = |l: &Look| matches!(l, Look::Present { card: true, .. });
    let swapped = matches!(
        (last, now),
        (Look::Present { events: a, .. }, Look::Present { events: b, .. }) if a != b
    );
    match (card(last), card(now)) {
        (false, true) => vec![true],
        (true, false) => vec![false],
        (true, true) if swapped => vec![false, true],
        _ => Vec::new(),
    }
}

/// Starts the watcher; it ends once the kiosk is dropped.
pub fn spawn(shared: &Arc<Shared>) -> Result<std::thread::JoinHandle<()>, DeviceError> {
    let weak = Arc::downgrade(shared);
    std::thread::Builder::new()
        .name("card-reader".into())
        .spawn(move || run(&weak))
        .map_err(|source| DeviceError::Thread {
            device: Device::CardReader,
            source,
        })
}

fn run(weak: &Weak<Shared>) {
    let Some((readers, target)) = weak.upgrade().map(|shared| {
        let core = shared.core.lock().unwrap_or_else(|p| p.into_inner());
        (core.readers.clone(), core.target.clone())
    }) else {
        return;
    };
    let mut last = Look::Present {
        card: false,
        events: 0,
    };
    let mut reported: Option<Look> = None;
    loop {
        // Listing and waiting happen without the kiosk's lock: the readers are shared.
        let list = readers.list_readers();
        let seen = match &list {
            Ok(l) => look_in(l, &target),
            Err(_) => Look::ServiceDown,
        };
        let Some(shared) = weak.upgrade() else {
            return;
        };
        let health = |l: &Look| std::mem::discriminant(l);
        if reported.as_ref().map(health) != Some(health(&seen)) {
            let (state, message) = match seen {
                Look::Present { .. } => (State::Ok, ""),
                Look::Missing => (
                    State::Down,
                    "社会保障卡读卡器未连接,请联系工作人员 / the card reader is not connected; please call staff / ئىجتىمائىي كاپالەت كارتىسى ئوقۇغۇچ ئۇلانمىغان، خىزمەتچىنى چاقىرىڭ",
                ),
                Look::ServiceDown => (
                    State::Down,
                    "读卡服务不可用,请联系工作人员 / the card reader service is not running; please call staff / كارتا ئوقۇش مۇلازىمىتى ئىشلىمەيدۇ، خىزمەتچىنى چاقىرىڭ",
                ),
            };
            report(&shared, Device::CardReader, state, message);
            reported = Some(seen.clone());
        }
        let changes = card_changes(&last, &seen);
        last = seen;
        if !changes.is_empty() {
            let in_session = {
                let mut core = shared.core.lock().unwrap_or_else(|p| p.into_inner());
                let before = core.live.is_some();
                for inserted in changes {
                    if inserted {
                        core.card_inserted();
                    } else {
                        core.card_removed();
                    }
                }
                before || core.live.is_some()
            };
            shared.notify("device");
            // Screens reload on `session`: only when there is a session to show.
            if in_session {
                shared.notify("session");
            }
        }
        drop(shared);
        let waited = match &list {
            Ok(l) => readers.wait_for_change(l, WATCH_TIMEOUT),
            Err(_) => Err(card_io::transport::TransportError::NoReader),
        };
        if let Err(e) = waited {
            log::debug!("card watcher: {e}");
            if !nap(weak, RETRY_PAUSE) {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(card: bool, events: u32) -> Look {
        Look::Present { card, events }
    }

    #[test]
    fn a_card_put_back_between_two_looks_is_a_removal_and_an_insertion() {
        assert_eq!(
            card_changes(&card(true, 4), &card(true, 6)),
            vec![false, true]
        );
        assert_eq!(
            card_changes(&card(true, 4), &card(true, 4)),
            Vec::<bool>::new()
        );
        assert_eq!(card_changes(&card(false, 4), &card(true, 5)), vec![true]);
        assert_eq!(card_changes(&card(true, 5), &card(false, 6)), vec![false]);
        assert_eq!(
            card_changes(&card(false, 5), &card(false, 7)),
            Vec::<bool>::new()
        );
        // The reader came back with a card in it; the service came back without one.
        assert_eq!(card_changes(&Look::Missing, &card(true, 1)), vec![true]);
        assert_eq!(
            card_changes(&card(true, 3), &Look::ServiceDown),
            vec![false]
        );
    }
}
