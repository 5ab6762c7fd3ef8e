//! The store of a kiosk that has an agency (`[agency]` in kiosk.toml): [`AgencyStore`].
//!
//! - The registry (`Registry`) is the agency's, read and written over its `/v1` API
//!   (`agency-api`'s types) with blocking HTTPS: `ureq` 2 + rustls, the agency's CA as the only
//!   root, the kiosk's certificate as the client certificate. Every call has a deadline
//!   (`[agency] timeout_ms`, connect to last byte); an agency that cannot be reached in time is
//!   [`StoreError::Unavailable`], never a hang.
//! - The intent journal, the audit log, archive records and feedback stay in the kiosk's
//!   SQLite database ([`SqliteStore`]), with the kiosk's own case rows (its work log, which
//!   ratings and statistics refer to). The SQLite registry tables stay empty: they are not a
//!   second source of truth.
//! - Registry data are cached for one holder at a time, for [`HOLDER_TTL`] at most, and wiped
//!   by every commit and by [`AgencyStore::end_session`].
//!
//! Commits go through the durable outbox (`outbox` table): a commit is split into the part
//! the agency applies (case row, changes, events) and the part that stays here (case row,
//! archive record, journal settlement); the agency's part is queued under the idempotency key
//! `<case_id>#<n>` *before* it is sent, then:
//! - the agency applied it → the local part is applied and the row marked delivered, in one
//!   SQLite transaction;
//! - the agency refused it (409 conflict, 422) → nothing was applied there; the row is
//!   dropped and the refusal returned (the engine's usual conflict handling);
//! - the agency could not be reached → if the commit settles a card command (the card has
//!   changed), the local part is applied now and the row stays queued: the delivery thread
//!   ([`AgencyStore::spawn_delivery`]) sends it again with backoff until the agency answers,
//!   and the agency's idempotency keys make that exactly once. Otherwise (no card touched)
//!   the row is dropped if the request never left (connection refused, no route), and the
//!   business is refused with `Unavailable`: nothing is half-written. When the request may
//!   have reached the agency (the answer timed out), the row stays queued and is delivered
//!   later: the agency applies it at most once either way, and the kiosk learns the outcome.
//! - Before a card command the engine reserves the card and its holder
//!   (`Registry::reserve` → `POST /v1/reservations`, with the card's state as read): another
//!   kiosk's live lease is `Busy`, a moved state a `Conflict`, and the card is not touched.
//!   The case's commit releases the lease at the agency; a command that did not take effect
//!   releases it (`DELETE /v1/reservations/{case_id}`); else it expires. The card guard's
//!   reservations and caseless commits go under the kiosk's system case `<kiosk>-system`.
//!   A settled card command whose commit finds the card held by another case waits in the
//!   outbox until that case ends.
//! - Every card command's outcome the engine learns (`Registry::card_outcome`: applied, or
//!   refused by the card) is queued as a report (`POST /v1/card-outcomes`) under the next key
//!   of its case, for the agency's audit log, and sent by the delivery thread.
//! - While older rows wait, a new commit that settles no card command is refused
//!   (`Unavailable`), so queued commits reach the agency in order.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use chrono::Utc;

use agency_api::{paths, CommitRequest, Holder};
use firmware_config::AgencyLink;
use kiosk_core::domain::Timestamp;
use kiosk_core::store::{Commit, NewIntent, Result, StoreError};

use crate::sqlite::{CardOutcomeReport, OutboxEntry, Outgoing, SqliteStore};

mod client;
// issues 22 and 19: staff calls and identity approvals through the agency
mod desk;
mod local;
mod registry;
mod staff;
#[cfg(test)]
mod tests;

use client::*;
pub use client::{tls_config, AgencyError};
pub use desk::{ApprovalRecord, ApprovalRequest, ApprovalState, CallRecord, StaffCall};
pub use staff::StaffCheck;

/// How long a holder read from the agency is reused within a session.
pub const HOLDER_TTL: Duration = Duration::from_secs(5);

/// The longest wait between delivery attempts of the outbox.
pub const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// What the delivery thread waits on.
#[derive(Default)]
struct Wake {
    due: Mutex<bool>,
    cv: Condvar,
}

/// Every store trait for a kiosk with an agency: see the module documentation.
pub struct AgencyStore {
    client: Client,
    local: SqliteStore,
    kiosk_id: String,
    holder: Mutex<Option<(String, Instant, Option<Holder>)>>,
    /// Held while a commit is sent, so rows reach the agency one at a time, in order.
    sending: Mutex<()>,
    wake: Wake,
}

impl std::fmt::Debug for AgencyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AgencyStore")
            .field("agency", &self.client.base)
            .field("kiosk", &self.kiosk_id)
            .finish_non_exhaustive()
    }
}

// The agency store is the whole store.
const _: fn() = || {
    fn is_store<T: kiosk_core::store::Store>() {}
    is_store::<AgencyStore>();
};

impl AgencyStore {
    /// The store of kiosk `kiosk_id` with the agency of `link`, its journal, audit log,
    /// archives, feedback and outbox in `local`.
    pub fn new(
        link: &AgencyLink,
        kiosk_id: &str,
        local: SqliteStore,
    ) -> std::result::Result<AgencyStore, AgencyError> {
        Ok(AgencyStore {
            client: Client::new(link)?,
            local,
            kiosk_id: kiosk_id.to_string(),
            holder: Mutex::new(None),
            sending: Mutex::new(()),
            wake: Wake::default(),
        })
    }

    /// The kiosk's own database (journal, audit log, archives, feedback, outbox).
    pub fn local(&self) -> &SqliteStore {
        &self.local
    }

    /// Wipes the registry data cached for the session that ended.
    pub fn end_session(&self) {
        *lock(&self.holder) = None;
    }

    /// Whether the agency answers now (`GET /v1/health`, within the deadline).
    pub fn reachable(&self) -> bool {
        self.client
            .get::<agency_api::Health>(paths::HEALTH)
            .is_ok_and(|h| h.is_some_and(|h| h.database == agency_api::DatabaseHealth::Ok))
    }

    /// How many commits wait in the outbox.
    pub fn outbox_len(&self) -> Result<u64> {
        self.local.outbox_len()
    }

    /// Sends the outbox's waiting commits, oldest first, until one cannot be delivered.
    /// Returns how many were delivered (or refused for good, kept for staff).
    pub fn deliver_pending(&self) -> Result<usize> {
        let _sending = lock(&self.sending);
        self.deliver_locked()
    }

    fn deliver_locked(&self) -> Result<usize> {
        let mut done = 0;
        for entry in self.local.outbox_pending()? {
            match self.send(&entry) {
                Ok(()) => {
                    self.local.outbox_delivered(entry.id, Utc::now())?;
                    done += 1;
                }
                Err(Fail::Unreachable { why, .. }) => {
                    self.local.outbox_attempt_failed(entry.id, &why)?;
                    return Err(StoreError::Unavailable(why));
                }
                Err(Fail::Store(StoreError::Busy(why))) => {
                    // Another case holds the card now: it ends, or its lease runs out.
                    self.local.outbox_attempt_failed(entry.id, &why)?;
                    return Err(StoreError::Busy(why));
                }
                Err(Fail::Store(e)) => {
                    // The agency will never apply it (the registry moved on meanwhile): kept
                    // as refused for staff, audited here.
                    log::error!("outbox {}: refused by the agency: {e}", entry.key);
                    self.local
                        .outbox_refused(entry.id, &e.to_string(), Utc::now())?;
                    done += 1;
                }
            }
        }
        Ok(done)
    }

    fn send(&self, entry: &OutboxEntry) -> std::result::Result<(), Fail> {
        let answered = match &entry.remote {
            Outgoing::Commit(commit) => {
                let request = CommitRequest {
                    key: entry.key.clone(),
                    commit: (**commit).clone(),
                };
                let body = Client::body(&request)?;
                let answer: Option<agency_api::Committed> =
                    self.client.json("POST", paths::COMMITS, Some(body))?;
                answer.is_some()
            }
            Outgoing::CardOutcome(report) => {
                let request = agency_api::CardOutcome {
                    key: entry.key.clone(),
                    case_id: entry.case_id.clone(),
                    card_number: report.card_number.clone(),
                    chip_serial: report.chip_serial.clone(),
                    action: report.action,
                    applied: report.applied,
                    at: report.at,
                };
                let body = Client::body(&request)?;
                let answer: Option<agency_api::Recorded> =
                    self.client.json("POST", paths::CARD_OUTCOMES, Some(body))?;
                answer.is_some()
            }
        };
        if answered {
            Ok(())
        } else {
            Err(Fail::Store(StoreError::NotFound(format!(
                "the agency has no route for {}",
                entry.key
            ))))
        }
    }

    /// Queues the report of what card command `intent` did for the agency's audit log (the
    /// delivery thread sends it, after the commit it follows), durably.
    fn queue_outcome(&self, intent: &NewIntent, applied: bool, at: Timestamp) -> Result<()> {
        let report = Outgoing::CardOutcome(CardOutcomeReport {
            card_number: intent.card_number.clone(),
            chip_serial: intent.chip_serial.clone(),
            action: intent.action,
            applied,
            at,
        });
        let case = self.own_case(&intent.case_id);
        self.local.outbox_push(&case, &report, None, at)?;
        self.wake_delivery();
        Ok(())
    }

    /// Starts the thread that delivers the outbox: at once when a commit is queued, then
    /// again with a backoff doubling from 250 ms to [`MAX_BACKOFF`] while the agency cannot
    /// be reached. It ends when the returned handle is dropped (or the store is).
    pub fn spawn_delivery(store: &Arc<AgencyStore>) -> std::io::Result<Delivery> {
        let stop = Arc::new(AtomicBool::new(false));
        let weak: Weak<AgencyStore> = Arc::downgrade(store);
        let stopping = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("agency-outbox".into())
            .spawn(move || delivery_loop(&weak, &stopping))?;
        Ok(Delivery {
            stop,
            store: Arc::downgrade(store),
            thread: Some(thread),
        })
    }

    fn wake_delivery(&self) {
        *lock(&self.wake.due) = true;
        self.wake.cv.notify_all();
    }

    /// The case id a commit's key is made from: its case, or the kiosk's system case (card
    /// guards and lifted losses belong to no session).
    fn key_case(&self, commit: &Commit) -> String {
        match &commit.case {
            Some(case) => case.case_id.clone(),
            None => self.system_case(),
        }
    }

    /// The kiosk's system case: card guards and lifted losses, which belong to no session.
    fn system_case(&self) -> String {
        format!("{}-system", self.kiosk_id)
    }

    /// `case_id` as the agency knows it: a case of this kiosk as it is, anything else (the
    /// card guard's [`kiosk_core::engine::executor::GUARD_CASE`]) as the kiosk's system case,
    /// which its caseless commits are keyed under, so their reservation covers them.
    fn own_case(&self, case_id: &str) -> String {
        match case_id.strip_prefix(self.kiosk_id.as_str()) {
            Some(rest) if rest.starts_with('-') => case_id.to_string(),
            _ => self.system_case(),
        }
    }

    fn holder(&self, id_number: &str) -> Result<Option<Holder>> {
        if let Some((id, at, holder)) = lock(&self.holder).as_ref() {
            if id == id_number && at.elapsed() < HOLDER_TTL {
                return Ok(holder.clone());
            }
        }
        let holder: Option<Holder> =
            self.client
                .get(&with(paths::PERSON, "id_number", id_number))?;
        *lock(&self.holder) = Some((id_number.to_string(), Instant::now(), holder.clone()));
        Ok(holder)
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The delivery thread's handle: dropping it stops the thread.
pub struct Delivery {
    stop: Arc<AtomicBool>,
    store: Weak<AgencyStore>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Delivery {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(store) = self.store.upgrade() {
            store.wake_delivery();
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn delivery_loop(store: &Weak<AgencyStore>, stop: &AtomicBool) {
    let mut backoff = Duration::from_millis(250);
    let mut wait = MAX_BACKOFF;
    loop {
        let Some(s) = store.upgrade() else { return };
        {
            let mut due = lock(&s.wake.due);
            if !*due && !stop.load(Ordering::SeqCst) {
                due = s
                    .wake
                    .cv
                    .wait_timeout(due, wait)
                    .map(|(g, _)| g)
                    .unwrap_or_else(|e| e.into_inner().0);
            }
            *due = false;
        }
        if stop.load(Ordering::SeqCst) {
            return;
        }
        match s.local.outbox_len() {
            Ok(0) => wait = MAX_BACKOFF,
            Ok(_) => match s.deliver_pending() {
                Ok(n) => {
                    if n > 0 {
                        log::info!("outbox: {n} commit(s) delivered to the agency");
                    }
                    backoff = Duration::from_millis(250);
                    wait = MAX_BACKOFF;
                }
                Err(e) => {
                    log::warn!("outbox: delivery paused: {e}; next try in {backoff:?}");
                    wait = backoff;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            },
            Err(e) => {
                log::error!("outbox: cannot read: {e}");
                wait = MAX_BACKOFF;
            }
        }
    }
}

/// The part of a commit that stays at the kiosk: its case row, archive record and journal
/// settlement (`None` when there is none).
fn local_part(commit: &Commit) -> Option<Commit> {
    if commit.case.is_none() && commit.archive.is_none() && commit.settle.is_none() {
        return None;
    }
    let mut local = Commit::new(commit.actor.clone(), commit.at);
    local.case = commit.case.clone();
    local.archive = commit.archive.clone();
    local.settle = commit.settle;
    Some(local)
}

/// The part the agency applies: everything but the archive record and the settlement.
fn remote_part(commit: &Commit) -> Option<Commit> {
    if commit.case.is_none() && commit.changes.is_empty() && commit.events.is_empty() {
        return None;
    }
    let mut remote = commit.clone();
    remote.archive = None;
    remote.settle = None;
    Some(remote)
}
