//! The login work, bounded: at most one argon2 check per core at once ([`LoginGate`]), each
//! on a blocking thread (never on the async runtime's workers) with a work area taken from a
//! pool that never holds more than one per core, so a flood of logins costs a fixed amount of
//! memory instead of one fresh 19 MiB area per request; when nobody waits any more the pool
//! is emptied and the memory goes back. Requests beyond the waiting room, or beyond the
//! failure budget, get 429 at once without any check.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::password_hash::{Output, PasswordHash};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use tokio::sync::Semaphore;
use zeroize::Zeroize;

/// The capacity of a fresh work area, in 1 KiB blocks: 33 MiB, above the C allocator's
/// largest automatic mmap threshold (glibc: 32 MiB), so every area is a mapping of its own
/// that goes back to the system when it is freed (a 19 MiB area would come from the heap
/// once the first one was freed, and stay). Only the blocks a hash's `m` needs are touched,
/// so only those are resident.
const MAPPED_BLOCKS: usize = 33 * 1024;

/// How many logins may wait for a check per check running; more get 429.
const WAITING_PER_CHECK: usize = 4;
/// The failure budget: this many failed logins at once, then one more per
/// [`FAILURE_REFILL`] (all users together; the per-user lockout is separate).
pub const FAILURE_BURST: u32 = 30;
pub const FAILURE_REFILL: Duration = Duration::from_secs(2);

/// Why a login was not checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Busy {
    /// Too many logins waiting for a check.
    Queue,
    /// Too many failed logins lately.
    Failures,
}

/// The bound on login checks (one per kiosk).
pub struct LoginGate {
    checks: Semaphore,
    limit: usize,
    waiting: AtomicUsize,
    max_waiting: usize,
    areas: Mutex<Vec<Vec<Block>>>,
    budget: Mutex<(f64, Instant)>,
}

impl std::fmt::Debug for LoginGate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginGate")
            .field("limit", &self.limit)
            .field("waiting", &self.waiting.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl Default for LoginGate {
    fn default() -> LoginGate {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        LoginGate::new(cores)
    }
}

impl LoginGate {
    /// At most `checks` argon2 checks at once.
    pub fn new(checks: usize) -> LoginGate {
        let checks = checks.max(1);
        LoginGate {
            checks: Semaphore::new(checks),
            limit: checks,
            waiting: AtomicUsize::new(0),
            max_waiting: checks * WAITING_PER_CHECK,
            areas: Mutex::new(Vec::new()),
            budget: Mutex::new((f64::from(FAILURE_BURST), Instant::now())),
        }
    }

    /// Whether the failure budget has room for one more check.
    fn budget_left(&self, now: Instant) -> bool {
        let mut b = self.budget.lock().unwrap_or_else(|p| p.into_inner());
        let refill =
            now.saturating_duration_since(b.1).as_secs_f64() / FAILURE_REFILL.as_secs_f64();
        b.0 = (b.0 + refill).min(f64::from(FAILURE_BURST));
        b.1 = now;
        b.0 >= 1.0
    }

    /// Takes one failure from the budget.
    pub fn failed(&self) {
        let mut b = self.budget.lock().unwrap_or_else(|p| p.into_inner());
        b.0 = (b.0 - 1.0).max(0.0);
    }

    /// Checks `password` against the PHC string `hash` within the bound: `Ok(true)` when it
    /// matches, `Err(Busy)` when it was not checked. The password is wiped either way.
    pub async fn verify(&self, hash: String, mut password: String) -> Result<bool, Busy> {
        if !self.budget_left(Instant::now()) {
            password.zeroize();
            return Err(Busy::Failures);
        }
        if self.waiting.fetch_add(1, Ordering::AcqRel) >= self.max_waiting + self.limit {
            self.waiting.fetch_sub(1, Ordering::AcqRel);
            password.zeroize();
            return Err(Busy::Queue);
        }
        let permit = self.checks.acquire().await;
        let area = self.take_area();
        let checked = tokio::task::spawn_blocking(move || {
            let mut area = area;
            let ok = verify_with(&hash, password.as_bytes(), &mut area);
            password.zeroize();
            (ok, area)
        })
        .await;
        drop(permit);
        let last = self.waiting.fetch_sub(1, Ordering::AcqRel) == 1;
        match checked {
            Ok((ok, area)) => {
                if last {
                    // Nobody waits: the memory goes back (the flood is over).
                    drop(area);
                    self.areas.lock().unwrap_or_else(|p| p.into_inner()).clear();
                } else {
                    self.give_area(area);
                }
                Ok(ok)
            }
            Err(e) => {
                log::error!("login check: {e}");
                Ok(false)
            }
        }
    }

    fn take_area(&self) -> Vec<Block> {
        self.areas
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop()
            .unwrap_or_else(|| Vec::with_capacity(MAPPED_BLOCKS))
    }

    fn give_area(&self, mut area: Vec<Block>) {
        for b in area.iter_mut() {
            *b = Block::default();
        }
        let mut areas = self.areas.lock().unwrap_or_else(|p| p.into_inner());
        if areas.len() < self.limit {
            areas.push(area);
        }
    }

    /// Work areas kept for reuse (at most one per check).
    pub fn pooled(&self) -> usize {
        self.areas.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

/// Argon2 verification of `password` against the PHC string `hash` with `area` as the work
/// memory (grown to the hash's `m` when smaller): what `PasswordVerifier::verify_password`
/// does, without allocating the area each time. Output compared in constant time.
pub fn verify_with(hash: &str, password: &[u8], area: &mut Vec<Block>) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let Some(expected) = parsed.hash else {
        return false;
    };
    let (Ok(algorithm), Ok(params)) = (
        Algorithm::try_from(parsed.algorithm),
        Params::try_from(&parsed),
    ) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from).transpose() {
        Ok(v) => v.unwrap_or_default(),
        Err(_) => return false,
    };
    let Some(salt) = parsed.salt else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let blocks = params.block_count();
    if area.len() < blocks {
        area.resize(blocks, Block::default());
    }
    let mut out = vec![0u8; expected.len()];
    let computed = Argon2::new(algorithm, version, params).hash_password_into_with_memory(
        password,
        salt,
        &mut out,
        &mut area[..blocks],
    );
    let ok = computed.is_ok() && Output::new(&out).is_ok_and(|o| o == expected);
    out.zeroize();
    ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{PasswordHasher, SaltString};

    fn phc(password: &str) -> String {
        let salt = SaltString::encode_b64(b"a-fixed-test-salt").expect("salt");
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .expect("hash")
            .to_string()
    }

    #[test]
    fn the_pooled_check_agrees_with_argon2() {
        let hash = phc("correct horse");
        let mut area = Vec::new();
        assert!(verify_with(&hash, b"correct horse", &mut area));
        assert!(!verify_with(&hash, b"correct horsf", &mut area));
        assert!(!verify_with("not a phc string", b"x", &mut area));
        assert_eq!(area.len(), Params::DEFAULT_M_COST as usize);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn beyond_the_waiting_room_logins_are_refused_and_areas_stay_bounded() {
        let gate = std::sync::Arc::new(LoginGate::new(1));
        let hash = phc("pw");
        let tries: Vec<_> = (0..20)
            .map(|_| {
                let (gate, hash) = (gate.clone(), hash.clone());
                tokio::spawn(async move { gate.verify(hash, "wrong".into()).await })
            })
            .collect();
        let mut busy = 0;
        let mut checked = 0;
        for t in tries {
            match t.await.expect("task") {
                Ok(false) => checked += 1,
                Err(Busy::Queue) => busy += 1,
                other => panic!("{other:?}"),
            }
        }
        assert!((1..=1 + WAITING_PER_CHECK).contains(&checked), "{checked}");
        assert_eq!(busy + checked, 20);
        assert_eq!(gate.pooled(), 0, "the work areas go once nobody waits");
        assert!(gate.verify(hash, "pw".into()).await.expect("checked"));
    }

    #[tokio::test]
    async fn the_failure_budget_runs_out() {
        let gate = LoginGate::new(1);
        for _ in 0..FAILURE_BURST {
            gate.failed();
        }
        assert_eq!(
            gate.verify(phc("pw"), "pw".into()).await,
            Err(Busy::Failures)
        );
    }
}
