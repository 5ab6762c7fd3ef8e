//! The social security card reader's watcher: insertions and removals become session
//! events; a reader that is gone (unplugged, PC/SC service down) is reported down.

use std::sync::{Arc, Weak};
use std::time::Duration;

use card_io::transport::{ReaderInfo, ReaderProvider};

use super::{nap, report, Device, DeviceError, State};
use crate::card_ops::Target;
use crate::server::Shared;

const POLL: Duration = Duration::from_millis(150);

/// What one look at the readers found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Look {
    /// The reader is there; a card is in it or not.
    Present { card: bool },
    /// The reader is not listed.
    Missing,
    /// The PC/SC service does not answer.
    ServiceDown,
}

/// Looks at the readers once.
pub fn look(readers: &dyn ReaderProvider, target: &Target) -> Look {
    let Ok(list) = readers.list_readers() else {
        return Look::ServiceDown;
    };
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
        }
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
    let mut present = false;
    let mut last: Option<Look> = None;
    loop {
        let Some(shared) = weak.upgrade() else {
            return;
        };
        let seen = {
            let core = shared.core.lock().unwrap_or_else(|p| p.into_inner());
            look(&*core.readers, &core.target)
        };
        if last.as_ref() != Some(&seen) {
            let (state, message) = match seen {
                Look::Present { .. } => (State::Ok, ""),
                Look::Missing => (
                    State::Down,
                    "社会保障卡读卡器未连接,请联系工作人员 / the card reader is not connected; please call staff",
                ),
                Look::ServiceDown => (
                    State::Down,
                    "读卡服务不可用,请联系工作人员 / the card reader service is not running; please call staff",
                ),
            };
            report(&shared, Device::CardReader, state, message);
            last = Some(seen.clone());
        }
        let now_present = matches!(seen, Look::Present { card: true });
        if now_present != present {
            present = now_present;
            let in_session = {
                let mut core = shared.core.lock().unwrap_or_else(|p| p.into_inner());
                let before = core.live.is_some();
                if present {
                    core.card_inserted();
                } else {
                    core.card_removed();
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
        if !nap(weak, POLL) {
            return;
        }
    }
}
