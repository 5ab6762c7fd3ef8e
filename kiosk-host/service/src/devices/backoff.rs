//! [`Backoff`]: when to try a failed device again (doubling waits, capped).

use std::time::{Duration, Instant};

/// Doubling waits between attempts, from `first` up to `max`; reset by a success.
#[derive(Debug, Clone)]
pub struct Backoff {
    first: Duration,
    max: Duration,
    next: Duration,
    due: Instant,
}

impl Backoff {
    pub fn new(first: Duration, max: Duration) -> Backoff {
        Backoff {
            first,
            max,
            next: first,
            due: Instant::now(),
        }
    }

    /// Whether the next attempt may be made now.
    pub fn due(&self) -> bool {
        Instant::now() >= self.due
    }

    /// Time left before the next attempt.
    pub fn wait(&self) -> Duration {
        self.due.saturating_duration_since(Instant::now())
    }

    /// An attempt failed: the next one waits longer.
    pub fn failed(&mut self) {
        self.due = Instant::now() + self.next;
        self.next = (self.next * 2).min(self.max);
    }

    /// An attempt succeeded: the next failure waits the shortest time again.
    pub fn reset(&mut self) {
        self.next = self.first;
        self.due = Instant::now();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_up_to_the_cap_and_reset() {
        let mut b = Backoff::new(Duration::from_secs(1), Duration::from_secs(3));
        assert!(b.due());
        b.failed();
        assert!(!b.due());
        assert!(b.wait() <= Duration::from_secs(1));
        b.failed();
        b.failed();
        assert_eq!(b.next, Duration::from_secs(3));
        b.reset();
        assert!(b.due());
        assert_eq!(b.next, Duration::from_secs(1));
    }
}
