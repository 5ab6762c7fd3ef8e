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
//!   kiosk's live lease or a moved state is a conflict, and the card is not touched. The
//!   case's commit releases the lease at the agency; a command that did not take effect
//!   releases it (`DELETE /v1/reservations/{case_id}`); else it expires.
//! - While older rows wait, a new commit that settles no card command is refused
//!   (`Unavailable`), so queued commits reach the agency in order.

use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use chrono::{NaiveDate, SecondsFormat, Utc};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use serde::de::DeserializeOwned;

use agency_api::{
    paths, ApiError, ApplicationList, CardList, CaseId, CaseIdRequest, CaseList, CommitRequest,
    ErrorCode, ExpectedState, Holder, Released, ReservationRequest,
};
use firmware_config::AgencyLink;
use kiosk_core::domain::{Actor, Outcome, Timestamp};
use kiosk_core::domain::{Application, CardRecord, CardState, Case, Ecard, Person, Progress};
use kiosk_core::store::{
    ArchiveQuery, ArchiveRecord, ArchiveStore, AuditEntry, AuditLog, AuditReport, BatchInfo,
    BusinessStats, Commit, Feedback, FeedbackItem, Intent, Journal, NewIntent, Rating, Registry,
    Reservation, Result, StoreError, Suggestion,
};

use crate::sqlite::{OutboxEntry, SqliteStore};

/// How long a holder read from the agency is reused within a session.
pub const HOLDER_TTL: Duration = Duration::from_secs(5);

/// The longest wait between delivery attempts of the outbox.
pub const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Setting up the agency client failed (its files or its URL).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AgencyError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} holds no {what}")]
    Missing { path: String, what: &'static str },
    #[error("TLS: {0}")]
    Tls(#[from] rustls::Error),
    /// The agency answered with an error that is not a registry refusal (403: this kiosk is
    /// unknown or revoked; 500 …).
    #[error("the agency answered {status}: {message}")]
    Answer { status: u16, message: String },
}

/// Why a call to the agency did not give an answer to use.
enum Fail {
    /// No answer in time. `sent`: the request may have reached the agency.
    Unreachable { sent: bool, why: String },
    /// A definite answer: refusal, not found, failure.
    Store(StoreError),
}

impl From<Fail> for StoreError {
    fn from(f: Fail) -> StoreError {
        match f {
            Fail::Unreachable { why, .. } => StoreError::Unavailable(why),
            Fail::Store(e) => e,
        }
    }
}

#[allow(
    deprecated,
    reason = "ring kept as rustls' provider, as the agency does (see agency_host::tls::provider)"
)]
fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn read(path: &str) -> std::result::Result<Vec<u8>, AgencyError> {
    std::fs::read(Path::new(path)).map_err(|source| AgencyError::Read {
        path: path.to_string(),
        source,
    })
}

fn certs(path: &str) -> std::result::Result<Vec<CertificateDer<'static>>, AgencyError> {
    let bytes = read(path)?;
    let certs = rustls_pemfile::certs(&mut bytes.as_slice())
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|source| AgencyError::Read {
            path: path.to_string(),
            source,
        })?;
    if certs.is_empty() {
        return Err(AgencyError::Missing {
            path: path.to_string(),
            what: "certificate",
        });
    }
    Ok(certs)
}

fn private_key(path: &str) -> std::result::Result<PrivateKeyDer<'static>, AgencyError> {
    let bytes = zeroize::Zeroizing::new(read(path)?);
    rustls_pemfile::private_key(&mut bytes.as_slice())
        .map_err(|source| AgencyError::Read {
            path: path.to_string(),
            source,
        })?
        .ok_or_else(|| AgencyError::Missing {
            path: path.to_string(),
            what: "private key",
        })
}

/// The kiosk's TLS configuration for the agency: its CA the only root, the kiosk's
/// certificate and key for mutual TLS.
pub fn tls_config(
    link: &AgencyLink,
) -> std::result::Result<Arc<rustls::ClientConfig>, AgencyError> {
    let mut roots = rustls::RootCertStore::empty();
    for c in certs(&link.ca_cert)? {
        roots.add(c)?;
    }
    let config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_client_auth_cert(certs(&link.cert)?, private_key(&link.key)?)?;
    Ok(Arc::new(config))
}

/// Percent-encodes a path segment (everything but unreserved characters).
fn segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn with(path: &str, name: &str, value: &str) -> String {
    path.replace(&format!("{{{name}}}"), &segment(value))
}

/// The snake_case code of an enumeration, as the API's query parameters take it.
fn code<T: serde::Serialize>(value: &T) -> Result<String> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => Ok(s),
        other => Err(StoreError::Invalid(format!("not a code: {other:?}"))),
    }
}

/// The blocking HTTPS client of the agency's API.
struct Client {
    agent: ureq::Agent,
    base: String,
}

impl Client {
    fn new(link: &AgencyLink) -> std::result::Result<Client, AgencyError> {
        let deadline = Duration::from_millis(u64::from(link.timeout_ms));
        let agent = ureq::AgentBuilder::new()
            .tls_config(tls_config(link)?)
            .timeout_connect(deadline)
            .timeout(deadline)
            .build();
        Ok(Client {
            agent,
            base: link.url.trim().trim_end_matches('/').to_string(),
        })
    }

    fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> std::result::Result<Option<ureq::Response>, Fail> {
        let req = self.agent.request(method, &format!("{}{path}", self.base));
        let result = match body {
            Some(b) => req.send_json(b),
            None => req.call(),
        };
        match result {
            Ok(r) => Ok(Some(r)),
            Err(ureq::Error::Status(404, r)) if r.content_type() == "application/json" => {
                // A missing record (the API's 404 body); a route that does not exist would be
                // the same answer, which the version prefix rules out.
                Ok(None)
            }
            Err(ureq::Error::Status(status, r)) => Err(refusal(status, r)),
            Err(ureq::Error::Transport(t)) => {
                let sent = !matches!(
                    t.kind(),
                    ureq::ErrorKind::ConnectionFailed | ureq::ErrorKind::Dns
                );
                Err(Fail::Unreachable {
                    sent,
                    why: format!("{method} {path}: {t}"),
                })
            }
        }
    }

    fn json<T: DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> std::result::Result<Option<T>, Fail> {
        let Some(response) = self.call(method, path, body)? else {
            return Ok(None);
        };
        let text = response.into_string().map_err(|e| Fail::Unreachable {
            sent: true,
            why: format!("{method} {path}: the answer broke off: {e}"),
        })?;
        serde_json::from_str(&text).map(Some).map_err(|e| {
            Fail::Store(StoreError::Corrupt(format!(
                "{method} {path}: the agency's answer does not read: {e}"
            )))
        })
    }

    fn get<T: DeserializeOwned>(&self, path: &str) -> Result<Option<T>> {
        Ok(self.json("GET", path, None)?)
    }

    fn body<T: serde::Serialize>(value: &T) -> std::result::Result<serde_json::Value, Fail> {
        serde_json::to_value(value).map_err(|e| {
            Fail::Store(StoreError::Invalid(format!(
                "the request does not encode: {e}"
            )))
        })
    }
}

/// The API's error answer as a store error: 409 a conflict, 422/400 an invalid value, 503
/// "cannot be reached" (nothing was written), the rest the agency's failure.
fn refusal(status: u16, response: ureq::Response) -> Fail {
    let text = response.into_string().unwrap_or_default();
    let (code, message) = match serde_json::from_str::<ApiError>(&text) {
        Ok(e) => (Some(e.error), e.message),
        Err(_) => (None, text),
    };
    match code {
        Some(ErrorCode::Conflict) => Fail::Store(StoreError::Conflict(message)),
        Some(ErrorCode::Unavailable) => Fail::Unreachable {
            sent: false,
            why: format!("the agency's database: {message}"),
        },
        Some(ErrorCode::NotFound) => Fail::Store(StoreError::NotFound(message)),
        Some(
            ErrorCode::Invalid
            | ErrorCode::IdempotencyMismatch
            | ErrorCode::BadJson
            | ErrorCode::TooLarge
            | ErrorCode::UnsupportedMediaType,
        ) => Fail::Store(StoreError::Invalid(message)),
        _ => Fail::Store(StoreError::Backend(Box::new(AgencyError::Answer {
            status,
            message,
        }))),
    }
}

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
        let request = CommitRequest {
            key: entry.key.clone(),
            commit: entry.remote.clone(),
        };
        let body = Client::body(&request)?;
        let answer: Option<agency_api::Committed> =
            self.client.json("POST", paths::COMMITS, Some(body))?;
        match answer {
            Some(_) => Ok(()),
            None => Err(Fail::Store(StoreError::NotFound(format!(
                "the agency has no commits route for {}",
                entry.key
            )))),
        }
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
            None => format!("{}-system", self.kiosk_id),
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

impl Registry for AgencyStore {
    fn person(&self, id_number: &str) -> Result<Option<Person>> {
        Ok(self.holder(id_number)?.map(|h| h.person))
    }

    fn cards_of(&self, id_number: &str) -> Result<Vec<CardRecord>> {
        Ok(self.holder(id_number)?.map(|h| h.cards).unwrap_or_default())
    }

    fn card(&self, card_number: &str) -> Result<Option<CardRecord>> {
        self.client
            .get(&with(paths::CARD, "card_number", card_number))
    }

    fn card_by_chip(&self, chip_serial: &str) -> Result<Option<CardRecord>> {
        self.client
            .get(&with(paths::CARD_BY_CHIP, "chip_serial", chip_serial))
    }

    fn cards_in_state_since(&self, state: CardState, before: Timestamp) -> Result<Vec<CardRecord>> {
        let path = format!(
            "{}?state={}&before={}",
            paths::CARDS,
            code(&state)?,
            segment(&before.to_rfc3339_opts(SecondsFormat::Micros, true))
        );
        let list: Option<CardList> = self.client.get(&path)?;
        let list = list.unwrap_or(CardList {
            cards: Vec::new(),
            truncated: false,
        });
        if list.truncated {
            log::warn!("{path}: more cards than one answer holds; the rest come next time");
        }
        Ok(list.cards)
    }

    fn applications_of(&self, id_number: &str) -> Result<Vec<Application>> {
        Ok(self
            .holder(id_number)?
            .map(|h| h.applications)
            .unwrap_or_default())
    }

    fn application(&self, case_id: &str) -> Result<Option<Application>> {
        self.client
            .get(&with(paths::APPLICATION, "case_id", case_id))
    }

    fn applications_in(&self, progress: Progress) -> Result<Vec<Application>> {
        let path = format!("{}?progress={}", paths::APPLICATIONS, code(&progress)?);
        let list: Option<ApplicationList> = self.client.get(&path)?;
        Ok(list.map(|l| l.applications).unwrap_or_default())
    }

    fn ecards_of(&self, id_number: &str) -> Result<Vec<Ecard>> {
        Ok(self
            .holder(id_number)?
            .map(|h| h.ecards)
            .unwrap_or_default())
    }

    fn photo(&self, id_number: &str) -> Result<Option<Vec<u8>>> {
        let path = with(paths::PERSON_PHOTO, "id_number", id_number);
        let Some(response) = self.client.call("GET", &path, None)? else {
            return Ok(None);
        };
        let mut jpeg = Vec::new();
        response
            .into_reader()
            .take(16 << 20)
            .read_to_end(&mut jpeg)
            .map_err(|e| StoreError::Unavailable(format!("GET {path}: {e}")))?;
        Ok(Some(jpeg))
    }

    fn case(&self, case_id: &str) -> Result<Option<Case>> {
        self.client.get(&with(paths::CASE, "case_id", case_id))
    }

    fn open_cases(&self) -> Result<Vec<Case>> {
        let list: Option<CaseList> = self.client.get(&format!("{}?open=true", paths::CASES))?;
        Ok(list.map(|l| l.cases).unwrap_or_default())
    }

    fn next_case_id(&self, _kiosk_id: &str, day: NaiveDate) -> Result<String> {
        // The agency numbers the case for the kiosk of the client certificate.
        let body = Client::body(&CaseIdRequest { day })?;
        let id: Option<CaseId> = self.client.json("POST", paths::CASE_IDS, Some(body))?;
        id.map(|c| c.case_id)
            .ok_or_else(|| StoreError::NotFound("the agency hands out no case numbers".into()))
    }

    fn reserve(&self, reservation: &Reservation) -> Result<()> {
        let request = ReservationRequest {
            case_id: reservation.case_id.clone(),
            cards: reservation.cards.iter().map(|(n, _)| n.clone()).collect(),
            persons: reservation.persons.clone(),
            expect: reservation
                .cards
                .iter()
                .map(|(card_number, state)| ExpectedState {
                    card_number: card_number.clone(),
                    state: *state,
                })
                .collect(),
            ttl_s: None,
        };
        let body = Client::body(&request)?;
        let granted: Option<agency_api::Reservation> =
            self.client.json("POST", paths::RESERVATIONS, Some(body))?;
        granted
            .map(|_| ())
            .ok_or_else(|| StoreError::NotFound(format!("case {}", reservation.case_id)))
    }

    fn release(&self, case_id: &str) -> Result<()> {
        let path = with(paths::RESERVATION, "case_id", case_id);
        let _: Option<Released> = self.client.json("DELETE", &path, None)?;
        Ok(())
    }

    fn commit(&self, commit: &Commit) -> Result<Option<String>> {
        self.end_session_cache_for(commit);
        let local = local_part(commit);
        let Some(remote) = remote_part(commit) else {
            return match local {
                Some(l) => self.local.commit(&l),
                None => Ok(None),
            };
        };
        let card_done = commit.settle.is_some();
        let _sending = lock(&self.sending);
        // Older commits first: they may have waited for the agency.
        let backlog = match self.deliver_locked() {
            Ok(_) => None,
            Err(StoreError::Unavailable(why)) => Some(why),
            Err(e) => return Err(e),
        };
        if let Some(why) = &backlog {
            if !card_done {
                return Err(StoreError::Unavailable(why.clone()));
            }
        }
        let entry =
            self.local
                .outbox_push(&self.key_case(commit), &remote, local.as_ref(), commit.at)?;
        if backlog.is_some() {
            let archive_no = self.local.outbox_apply_local(entry.id)?;
            self.wake_delivery();
            return Ok(archive_no);
        }
        match self.send(&entry) {
            Ok(()) => self.local.outbox_delivered(entry.id, Utc::now()),
            Err(Fail::Unreachable { sent, why }) => {
                if card_done {
                    log::warn!(
                        "{}: the agency cannot be reached ({why}); queued for delivery",
                        entry.key
                    );
                    self.local.outbox_attempt_failed(entry.id, &why)?;
                    let archive_no = self.local.outbox_apply_local(entry.id)?;
                    self.wake_delivery();
                    Ok(archive_no)
                } else if sent {
                    // It may have been applied: keep it, and learn the outcome by delivering
                    // it again (the key makes a second application impossible).
                    self.local.outbox_attempt_failed(entry.id, &why)?;
                    self.wake_delivery();
                    Err(StoreError::Unavailable(why))
                } else {
                    self.local.outbox_drop(entry.id)?;
                    Err(StoreError::Unavailable(why))
                }
            }
            Err(Fail::Store(e)) => {
                self.local.outbox_drop(entry.id)?;
                Err(e)
            }
        }
    }
}

impl AgencyStore {
    /// A commit changes what the cached holder says: the cache goes.
    fn end_session_cache_for(&self, commit: &Commit) {
        let closes = commit
            .case
            .as_ref()
            .is_some_and(|c| c.outcome.is_some() && c.outcome != Some(Outcome::Reconciled));
        if closes || !commit.changes.is_empty() || commit.case.is_some() {
            self.end_session();
        }
    }
}

impl Journal for AgencyStore {
    fn record_intent(&self, intent: &NewIntent) -> Result<i64> {
        self.local.record_intent(intent)
    }

    fn pending_intents(&self) -> Result<Vec<Intent>> {
        self.local.pending_intents()
    }

    fn abandon_intent(&self, id: i64, actor: &Actor, reason: &str) -> Result<()> {
        self.local.abandon_intent(id, actor, reason)
    }
}

impl AuditLog for AgencyStore {
    fn append(
        &self,
        actor: &Actor,
        action: &str,
        subject: &str,
        detail: serde_json::Value,
    ) -> Result<AuditEntry> {
        self.local.append(actor, action, subject, detail)
    }

    fn entries(&self, from: i64, limit: u32) -> Result<Vec<AuditEntry>> {
        self.local.entries(from, limit)
    }

    fn verify(&self) -> Result<AuditReport> {
        self.local.verify()
    }

    fn verify_from(&self, from: i64) -> Result<AuditReport> {
        self.local.verify_from(from)
    }
}

impl ArchiveStore for AgencyStore {
    fn query_archive(&self, query: &ArchiveQuery, actor: &Actor) -> Result<Vec<ArchiveRecord>> {
        self.local.query_archive(query, actor)
    }

    fn each_month_record(
        &self,
        month: &str,
        visit: &mut dyn FnMut(ArchiveRecord) -> std::ops::ControlFlow<()>,
    ) -> Result<()> {
        self.local.each_month_record(month, visit)
    }

    fn seal_month(&self, batch: &BatchInfo, actor: &Actor) -> Result<()> {
        self.local.seal_month(batch, actor)
    }

    fn batch(&self, month: &str) -> Result<Option<BatchInfo>> {
        self.local.batch(month)
    }

    fn batches(&self) -> Result<Vec<BatchInfo>> {
        self.local.batches()
    }
}

impl Feedback for AgencyStore {
    fn rate(&self, rating: &Rating) -> Result<()> {
        self.local.rate(rating)
    }

    fn suggest(&self, text: &str, case_id: Option<&str>, at: Timestamp) -> Result<i64> {
        self.local.suggest(text, case_id, at)
    }

    fn suggestions(&self, limit: u32) -> Result<Vec<Suggestion>> {
        self.local.suggestions(limit)
    }

    fn feedback_page(&self, offset: u32, limit: u32) -> Result<Vec<FeedbackItem>> {
        self.local.feedback_page(offset, limit)
    }

    fn feedback_count(&self) -> Result<u64> {
        self.local.feedback_count()
    }

    fn stats(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<BusinessStats>> {
        self.local.stats(from, to)
    }

    fn outcomes(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<(Outcome, u64)>> {
        self.local.outcomes(from, to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use kiosk_core::domain::BusinessCode;
    use kiosk_core::store::{Change, IntentStatus};

    fn case(outcome: Option<Outcome>) -> Case {
        let at = Utc
            .with_ymd_and_hms(2026, 11, 28, 2, 0, 0)
            .single()
            .expect("instant");
        Case {
            case_id: "K1-20261128-000001".into(),
            business: BusinessCode::ReportLoss,
            id_number: Some("652301197508210015".into()),
            agent_id_number: None,
            started_at: at,
            finished_at: outcome.map(|_| at),
            outcome,
            deadline: None,
            summary: String::new(),
        }
    }

    #[test]
    fn a_commit_splits_into_the_agencys_part_and_the_kiosks() {
        let at = Utc
            .with_ymd_and_hms(2026, 11, 28, 2, 0, 0)
            .single()
            .expect("instant");
        let mut c = Commit::new(Actor::System, at);
        c.case = Some(case(Some(Outcome::Completed)));
        c.changes.push(Change::SetCardState {
            card_number: "A00000001".into(),
            from: CardState::Active,
            to: CardState::LostTemporary,
        });
        c.settle = Some((7, IntentStatus::Applied));
        let remote = remote_part(&c).expect("remote");
        assert_eq!(remote.settle, None);
        assert_eq!(remote.archive, None);
        assert_eq!(remote.changes, c.changes);
        let local = local_part(&c).expect("local");
        assert!(local.changes.is_empty() && local.events.is_empty());
        assert_eq!(local.settle, Some((7, IntentStatus::Applied)));
        assert_eq!(local.case, c.case);
        // A settlement alone stays here; an event alone goes to the agency only.
        let mut only_settle = Commit::new(Actor::System, at);
        only_settle.settle = Some((1, IntentStatus::Applied));
        assert!(remote_part(&only_settle).is_none());
        let mut only_event = Commit::new(Actor::System, at);
        only_event
            .events
            .push(("card.guard".into(), "A0****001".into(), json_null()));
        assert!(local_part(&only_event).is_none());
    }

    fn json_null() -> serde_json::Value {
        serde_json::Value::Null
    }

    #[test]
    fn path_segments_are_percent_encoded() {
        assert_eq!(segment("K1-2026_x.y~z"), "K1-2026_x.y~z");
        assert_eq!(segment("a/b c#"), "a%2Fb%20c%23");
        assert_eq!(
            with(paths::CARD, "card_number", "A00000001"),
            "/v1/cards/A00000001"
        );
    }

    #[test]
    fn the_outbox_numbers_keys_per_case_and_forgets_dropped_ones() {
        let store = SqliteStore::open_in_memory().expect("db");
        let at = Utc
            .with_ymd_and_hms(2026, 11, 28, 2, 0, 0)
            .single()
            .expect("instant");
        let c = Commit::new(Actor::System, at);
        let a = store.outbox_push("K1-x", &c, None, at).expect("push");
        let b = store.outbox_push("K1-x", &c, None, at).expect("push");
        assert_eq!((a.key.as_str(), b.key.as_str()), ("K1-x#1", "K1-x#2"));
        store.outbox_drop(b.id).expect("drop");
        assert_eq!(store.outbox_len().expect("len"), 1);
        let again = store.outbox_push("K1-x", &c, None, at).expect("push");
        assert_eq!(again.key, "K1-x#2");
        store.outbox_delivered(a.id, at).expect("delivered");
        assert_eq!(
            store.outbox_pending().expect("pending"),
            vec![OutboxEntry {
                id: again.id,
                key: "K1-x#2".into(),
                case_id: "K1-x".into(),
                remote: c.clone(),
                local: None,
                attempts: 0,
            }]
        );
        // A delivered key is never handed out again.
        store.outbox_delivered(again.id, at).expect("delivered");
        assert_eq!(
            store.outbox_push("K1-x", &c, None, at).expect("push").key,
            "K1-x#3"
        );
    }
}
