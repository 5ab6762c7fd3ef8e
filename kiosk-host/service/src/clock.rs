//! The kiosk's clock: the system's time, moved by an offset that only the simulator sets
//! (`POST /api/sim/clock`), so a test can let fifteen days pass. Everything the session actor
//! hands the engine as "now" comes from here, and the actor's timer lifts the temporary losses
//! whose window has ended while the kiosk runs ([`LossTimer`]).

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use kiosk_core::domain::Timestamp;

/// The kiosk's clock; clones share the offset.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// Seconds added to the system's time.
    offset_s: AtomicI64,
    /// Bumped by every move, so the actor notices one at its next tick.
    moves: AtomicU64,
}

impl Clock {
    /// The system's clock.
    pub fn system() -> Clock {
        Clock::default()
    }

    /// Now, on this clock.
    pub fn now(&self) -> Timestamp {
        chrono::Utc::now() + chrono::Duration::seconds(self.inner.offset_s.load(Ordering::SeqCst))
    }

    /// Moves the clock forward by `seconds` (the simulator's control; never backwards).
    pub fn advance(&self, seconds: u32) {
        self.inner
            .offset_s
            .fetch_add(i64::from(seconds), Ordering::SeqCst);
        self.inner.moves.fetch_add(1, Ordering::SeqCst);
    }

    /// How many times the clock was moved.
    pub fn moves(&self) -> u64 {
        self.inner.moves.load(Ordering::SeqCst)
    }
}

/// How often the actor looks for temporary losses to lift.
pub const LOSS_CHECK_EVERY: Duration = Duration::from_secs(60);

/// When the actor's timer next lifts expired temporary losses: every [`LOSS_CHECK_EVERY`],
/// and at once after the clock was moved.
#[derive(Debug)]
pub struct LossTimer {
    next: Instant,
    seen_moves: u64,
}

impl LossTimer {
    /// The first check is due at once (the startup lifted what was due then; a check costs
    /// one query).
    pub fn new(clock: &Clock, at: Instant) -> LossTimer {
        LossTimer {
            next: at,
            seen_moves: clock.moves(),
        }
    }

    /// True when a check is due at `at`; the next one is then scheduled.
    pub fn due(&mut self, clock: &Clock, at: Instant) -> bool {
        let moved = clock.moves() != self.seen_moves;
        if at >= self.next || moved {
            self.next = at + LOSS_CHECK_EVERY;
            self.seen_moves = clock.moves();
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_timer_is_due_every_interval_and_at_once_after_the_clock_moves() {
        let clock = Clock::system();
        let t0 = Instant::now();
        let mut timer = LossTimer::new(&clock, t0);
        assert!(timer.due(&clock, t0));
        assert!(!timer.due(&clock, t0 + Duration::from_secs(1)));
        assert!(!timer.due(&clock, t0 + LOSS_CHECK_EVERY - Duration::from_secs(1)));
        assert!(timer.due(&clock, t0 + LOSS_CHECK_EVERY));
        let at = t0 + LOSS_CHECK_EVERY + Duration::from_secs(2);
        assert!(!timer.due(&clock, at));
        clock.advance(16 * 24 * 3600);
        assert!(timer.due(&clock, at), "a moved clock is looked at at once");
        assert!(!timer.due(&clock, at));
        let later = clock.now() - chrono::Utc::now();
        assert!(later >= chrono::Duration::days(16) - chrono::Duration::seconds(5));
    }
}
