//! The agency's registry, watched like a device on a kiosk with `[agency]`: asked every
//! [`Every::up`] whether it answers (`GET /v1/health` within the client's deadline), every
//! [`Every::down`] while it does not. Its state is on the health board (the staff self-test,
//! `/api/devices/health`), its message on the status line, and while it is down the home
//! screen shows which businesses pause (`screens::home`): those that need only the card
//! still run (`kiosk_core::rules::runs_without_registry`).

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use super::board::{Device, State};
use super::link::{DeviceError, Link};

/// Whether the registry answers now (blocking, bounded by the client's deadline).
pub type Probe = Arc<dyn Fn() -> bool + Send + Sync>;

/// What the status line says while the registry cannot be reached.
pub const DOWN_MESSAGE: &str =
    "暂时无法连接社保卡管理系统:查询卡状态、修改密码仍可办理,其他业务暂停 / \
     The card registry cannot be reached: card status and PIN change still work, other \
     businesses are paused / كارتا باشقۇرۇش سىستېمىسىغا ئۇلىنالمىدى: كارتا ھالىتىنى كۆرۈش ۋە \
     پارول ئۆزگەرتىش بولىدۇ، باشقا ئىشلار ۋاقتىنچە توختىتىلدى";

/// How often the registry is asked.
#[derive(Debug, Clone, Copy)]
pub struct Every {
    /// While it answers.
    pub up: Duration,
    /// While it does not (so that the businesses come back soon after it does).
    pub down: Duration,
}

impl Default for Every {
    fn default() -> Every {
        Every {
            up: Duration::from_secs(15),
            down: Duration::from_secs(3),
        }
    }
}

/// Starts the watch; it stops with the other device threads.
pub fn spawn(link: Link, probe: Probe, every: Every) -> Result<JoinHandle<()>, DeviceError> {
    std::thread::Builder::new()
        .name("registry-watch".into())
        .spawn(move || run(&link, &*probe, every))
        .map_err(|source| DeviceError::Thread {
            device: Device::Registry,
            source,
        })
}

fn run(link: &Link, probe: &(dyn Fn() -> bool + Send + Sync), every: Every) {
    loop {
        let up = probe();
        if up {
            link.report(Device::Registry, State::Ok, "");
        } else {
            link.report(Device::Registry, State::Down, DOWN_MESSAGE);
        }
        if !link.nap(if up { every.up } else { every.down }) {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::Mutex;

    use super::super::board::Board;
    use super::super::link::{DeviceEvent, Session};
    use super::*;

    /// A session that counts the health events it is told.
    #[derive(Default)]
    struct Told(AtomicUsize);

    impl Session for Told {
        fn tell(&self, event: DeviceEvent) {
            if matches!(event, DeviceEvent::Health) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        fn tell_and_wait(&self, event: DeviceEvent) -> bool {
            self.tell(event);
            true
        }
        fn waiting_for(&self, _: &[kiosk_core::rules::Material]) -> Option<String> {
            None
        }
    }

    fn wait_for(what: &str, ok: impl Fn() -> bool) {
        for _ in 0..200 {
            if ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("timed out waiting for {what}");
    }

    #[test]
    fn the_board_follows_the_registry_down_and_back_up_telling_the_session_each_time() {
        let board = Arc::new(Board::default());
        let told = Arc::new(Told::default());
        let link = Link::new(told.clone(), board.clone());
        let up = Arc::new(AtomicBool::new(true));
        let asked = Arc::new(Mutex::new(0u32));
        let probe: Probe = {
            let (up, asked) = (up.clone(), asked.clone());
            Arc::new(move || {
                *asked.lock().unwrap() += 1;
                up.load(Ordering::SeqCst)
            })
        };
        let every = Every {
            up: Duration::from_millis(20),
            down: Duration::from_millis(20),
        };
        let stop = link.stop.clone();
        let handle = spawn(link, probe, every).unwrap();
        wait_for("ok", || board.state(Device::Registry) == Some(State::Ok));
        up.store(false, Ordering::SeqCst);
        wait_for("down", || {
            board.state(Device::Registry) == Some(State::Down)
        });
        assert_eq!(
            board.down_message(Device::Registry).as_deref(),
            Some(DOWN_MESSAGE)
        );
        up.store(true, Ordering::SeqCst);
        wait_for("back up", || {
            board.state(Device::Registry) == Some(State::Ok)
        });
        // Told once per change (up, down, up), not once per question.
        let questions = *asked.lock().unwrap();
        assert!(questions >= 3, "{questions}");
        assert_eq!(told.0.load(Ordering::SeqCst), 3);
        stop.store(true, Ordering::SeqCst);
        handle.join().unwrap();
    }
}
