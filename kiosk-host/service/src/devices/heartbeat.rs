//! Each device thread's heartbeat, for the watchdog: a thread registered here beats every
//! time it naps between looks at its device ([`super::Link::nap`], every 50 ms while it
//! waits), so a thread stuck in a call that never returns stops beating. The watchdog
//! (`crate::watchdog`) pings systemd only while every registered thread beat recently.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The last beat of each registered device thread, by thread name.
#[derive(Debug, Default)]
pub struct Heartbeats {
    last: Mutex<BTreeMap<String, Instant>>,
}

impl Heartbeats {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Instant>> {
        // A panic elsewhere leaves at worst an old instant.
        self.last.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Starts watching the thread called `name` (it counts as having beaten now).
    pub fn register(&self, name: &str) {
        self.lock().insert(name.to_string(), Instant::now());
    }

    /// Stops watching the thread called `name` (it ended).
    pub fn forget(&self, name: &str) {
        self.lock().remove(name);
    }

    /// A beat of the calling thread, if it is registered (other threads are ignored).
    pub fn beat(&self) {
        let current = std::thread::current();
        let Some(name) = current.name() else { return };
        let mut last = self.lock();
        if let Some(at) = last.get_mut(name) {
            *at = Instant::now();
        }
    }

    /// The registered threads whose last beat is older than `limit`, with its age, by name.
    pub fn silent(&self, limit: Duration) -> Vec<(String, Duration)> {
        let now = Instant::now();
        self.lock()
            .iter()
            .map(|(name, at)| (name.clone(), now.saturating_duration_since(*at)))
            .filter(|(_, age)| *age > limit)
            .collect()
    }

    /// The names of the registered threads.
    pub fn names(&self) -> Vec<String> {
        self.lock().keys().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_registered_thread_that_stops_beating_is_silent() {
        let beats = std::sync::Arc::new(Heartbeats::default());
        beats.register("beating");
        beats.register("stuck");
        let b = beats.clone();
        std::thread::Builder::new()
            .name("beating".into())
            .spawn(move || {
                for _ in 0..6 {
                    b.beat();
                    std::thread::sleep(Duration::from_millis(20));
                }
            })
            .expect("thread")
            .join()
            .expect("joined");
        // An unregistered thread's beat changes nothing.
        beats.beat();
        let silent = beats.silent(Duration::from_millis(60));
        let names: Vec<&str> = silent.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["stuck"], "{silent:?}");
        assert!(silent[0].1 > Duration::from_millis(60));
        beats.forget("stuck");
        assert_eq!(beats.names(), ["beating"]);
    }
}
