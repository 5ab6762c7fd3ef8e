//! Who is logged in, and who failed to log in: staff sessions with idle expiry, and failed
//! attempts per user name with lockout. Pure bookkeeping over a clock the caller passes, so
//! the windows are tested without waiting; the handlers pass `Instant::now()`.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use firmware_config::Role;
use ui_web::Lang;

/// A staff session ends after this long without a request.
pub const IDLE: Duration = Duration::from_secs(15 * 60);
/// Failed logins of one user before it is locked.
pub const MAX_FAILURES: u32 = 5;
/// How long a locked user waits.
pub const LOCKOUT: Duration = Duration::from_secs(5 * 60);
/// The most user names with recent failures kept. Failures are counted for any name typed
/// (counting only real users would tell a guesser which names exist), so the table is
/// bounded: past this, lapsed entries go first, then the oldest that are not locked, so a
/// flood of made-up names cannot unlock a locked user.
pub const MAX_TRACKED: usize = 4096;

pub struct StaffSession {
    pub user: String,
    pub roles: Vec<Role>,
    pub csrf: String,
    pub lang: Lang,
    pub last: Instant,
}

/// Logged-in staff and failed attempts.
#[derive(Default)]
pub struct StaffSessions {
    sessions: HashMap<String, StaffSession>,
    /// Per user name: failures in a row, and when the last one was.
    failures: HashMap<String, (u32, Instant)>,
}

impl StaffSessions {
    /// The session of `token` if it has not been idle longer than [`IDLE`] at `now`; an
    /// expired one is dropped.
    pub fn live(&mut self, token: &str, now: Instant) -> Option<&mut StaffSession> {
        let expired = self
            .sessions
            .get(token)
            .is_some_and(|s| now.saturating_duration_since(s.last) > IDLE);
        if expired {
            self.sessions.remove(token);
        }
        self.sessions.get_mut(token)
    }

    /// Starts a session under `token`; also drops every session idle past [`IDLE`], so
    /// sessions never come back to are not kept for ever.
    /// Opens a session; any earlier session of the same user ends (a new login is the only
    /// one: a token left behind on another screen no longer works).
    pub fn open(&mut self, token: String, session: StaffSession, now: Instant) {
        self.sessions
            .retain(|_, s| now.saturating_duration_since(s.last) <= IDLE && s.user != session.user);
        self.failures.remove(&session.user);
        self.sessions.insert(token, session);
    }

    /// Ends the session of `token`.
    pub fn close(&mut self, token: &str) {
        self.sessions.remove(token);
    }

    /// True when `user` failed [`MAX_FAILURES`] times in a row and [`LOCKOUT`] has not
    /// passed since the last failure. A lapsed lockout starts the count again.
    pub fn locked(&mut self, user: &str, now: Instant) -> bool {
        match self.failures.get(user).copied() {
            Some((n, since)) if now.saturating_duration_since(since) < LOCKOUT => n >= MAX_FAILURES,
            Some(_) => {
                self.failures.remove(user);
                false
            }
            None => false,
        }
    }

    /// Counts a failed login of `user` at `now`.
    pub fn failed(&mut self, user: &str, now: Instant) {
        if !self.failures.contains_key(user) && self.failures.len() >= MAX_TRACKED {
            self.failures
                .retain(|_, (_, since)| now.saturating_duration_since(*since) < LOCKOUT);
            while self.failures.len() >= MAX_TRACKED {
                let oldest = self
                    .failures
                    .iter()
                    .min_by_key(|(_, (n, since))| (*n >= MAX_FAILURES, *since))
                    .map(|(u, _)| u.clone());
                match oldest {
                    Some(u) => self.failures.remove(&u),
                    None => break,
                };
            }
        }
        let entry = self.failures.entry(user.to_string()).or_insert((0, now));
        entry.0 += 1;
        entry.1 = now;
    }

    /// Sessions open now (expired ones not yet dropped included).
    pub fn open_sessions(&self) -> usize {
        self.sessions.len()
    }

    /// User names with failures on record.
    pub fn tracked_failures(&self) -> usize {
        self.failures.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(user: &str, at: Instant) -> StaffSession {
        StaffSession {
            user: user.into(),
            roles: vec![Role::Supervisor],
            csrf: "c".into(),
            lang: Lang::ZhCn,
            last: at,
        }
    }

    #[test]
    fn a_session_lives_while_used_and_ends_after_fifteen_idle_minutes() {
        let t0 = Instant::now();
        let mut s = StaffSessions::default();
        s.open("tok".into(), session("super", t0), t0);
        let at = t0 + IDLE;
        let live = s.live("tok", at).expect("alive at exactly the idle limit");
        // A request refreshes it (as `authorise` does).
        live.last = at;
        assert!(
            s.live("tok", at + IDLE).is_some(),
            "refreshed by the request"
        );
        assert!(
            s.live("tok", at + IDLE + Duration::from_secs(1)).is_none(),
            "idle one second too long"
        );
        assert_eq!(s.open_sessions(), 0, "the expired session is dropped");
        assert!(s.live("tok", at).is_none(), "and does not come back");
    }

    #[test]
    fn sessions_never_come_back_to_are_dropped_at_the_next_login() {
        let t0 = Instant::now();
        let mut s = StaffSessions::default();
        for i in 0..10 {
            s.open(format!("old{i}"), session("desk", t0), t0);
        }
        let later = t0 + IDLE + Duration::from_secs(1);
        s.open("new".into(), session("desk", later), later);
        assert_eq!(s.open_sessions(), 1);
        assert!(s.live("new", later).is_some());
    }

    #[test]
    fn five_failures_lock_for_five_minutes_then_the_count_starts_again() {
        let t0 = Instant::now();
        let mut s = StaffSessions::default();
        for i in 0..MAX_FAILURES {
            assert!(!s.locked("tech", t0), "not locked after {i} failures");
            s.failed("tech", t0);
        }
        assert!(s.locked("tech", t0));
        assert!(s.locked("tech", t0 + LOCKOUT - Duration::from_secs(1)));
        assert!(
            !s.locked("other", t0),
            "one user's failures lock only that user"
        );
        assert!(!s.locked("tech", t0 + LOCKOUT), "the lockout lapsed");
        s.failed("tech", t0 + LOCKOUT);
        assert!(
            !s.locked("tech", t0 + LOCKOUT),
            "one failure after the lapse"
        );
    }

    #[test]
    fn a_login_clears_the_users_failures() {
        let t0 = Instant::now();
        let mut s = StaffSessions::default();
        for _ in 0..MAX_FAILURES - 1 {
            s.failed("tech", t0);
        }
        s.open("tok".into(), session("tech", t0), t0);
        s.failed("tech", t0);
        assert!(
            !s.locked("tech", t0),
            "the count started again at the login"
        );
    }

    #[test]
    fn failures_for_made_up_names_stay_bounded_and_a_locked_user_stays_locked() {
        let t0 = Instant::now();
        let mut s = StaffSessions::default();
        for _ in 0..MAX_FAILURES {
            s.failed("tech", t0);
        }
        // A flood of guesses with names that do not exist, a little later each.
        for i in 0..(MAX_TRACKED * 2) {
            s.failed(
                &format!("guess{i}"),
                t0 + Duration::from_millis(i as u64 + 1),
            );
        }
        assert!(s.tracked_failures() <= MAX_TRACKED);
        assert!(
            s.tracked_failures() > MAX_TRACKED / 2,
            "recent guesses are kept"
        );
        assert!(
            s.locked("tech", t0 + Duration::from_secs(60)),
            "the flood did not unlock the locked user"
        );
    }
}
