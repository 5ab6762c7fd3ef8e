//! The `Registry` trait over the agency: holders read (and cached for a session), commits
//! sent or queued in the outbox, reservations taken and released.

use std::io::Read;

use chrono::{NaiveDate, SecondsFormat, Utc};

use agency_api::{
    paths, ApplicationList, CardList, CaseId, CaseIdRequest, CaseList, ExpectedState, Released,
    ReservationRequest,
};
use kiosk_core::domain::{Application, CardRecord, CardState, Case, Ecard, Person, Progress};
use kiosk_core::domain::{Outcome, Timestamp};
use kiosk_core::store::{
    Commit, NewIntent, ProductionStats, Registry, Reservation, Result, StoreError,
};

use super::*;

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

    fn production_stats(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        today: NaiveDate,
    ) -> Result<ProductionStats> {
        let path = format!(
            "{}?from={from}&to={to}&today={today}",
            paths::PRODUCTION_STATS
        );
        let stats: Option<ProductionStats> = self.client.get(&path)?;
        // 404: an agency older than the route (issue 17)
        stats.ok_or_else(|| StoreError::NotFound(format!("{path}: the agency has no such route")))
    }

    fn ecards_of(&self, id_number: &str) -> Result<Vec<Ecard>> {
        Ok(self
            .holder(id_number)?
            .map(|h| h.ecards)
            .unwrap_or_default())
    }

    fn ecard_by_token(&self, token_id: &str) -> Result<Option<Ecard>> {
        self.client.get(&with(paths::ECARD, "token_id", token_id))
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
            case_id: self.own_case(&reservation.case_id),
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
        let path = with(paths::RESERVATION, "case_id", &self.own_case(case_id));
        let _: Option<Released> = self.client.json("DELETE", &path, None)?;
        Ok(())
    }

    fn card_outcome(&self, intent: &NewIntent, applied: bool, at: Timestamp) -> Result<()> {
        self.queue_outcome(intent, applied, at)
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
            // An older commit waits for a case elsewhere to let go of its card: this one
            // queues behind it, in order.
            Err(StoreError::Busy(why)) => Some(format!("an earlier change waits: {why}")),
            Err(e) => return Err(e),
        };
        if let Some(why) = &backlog {
            if !card_done {
                return Err(StoreError::Unavailable(why.clone()));
            }
        }
        let entry = self.local.outbox_push(
            &self.key_case(commit),
            &Outgoing::Commit(Box::new(remote)),
            local.as_ref(),
            commit.at,
        )?;
        if backlog.is_some() {
            let archive_no = self.local.outbox_apply_local(entry.id)?;
            self.wake_delivery();
            return Ok(archive_no);
        }
        match self.send(&entry) {
            Ok(()) => self.local.outbox_delivered(entry.id, Utc::now()),
            Err(Fail::Store(StoreError::Busy(why))) if card_done => {
                // The card did it, and another case holds the card at the agency now (a
                // card settled after its own lease ran out): delivered once that case ends.
                log::warn!("{}: held by another case ({why}); queued", entry.key);
                self.local.outbox_attempt_failed(entry.id, &why)?;
                let archive_no = self.local.outbox_apply_local(entry.id)?;
                self.wake_delivery();
                Ok(archive_no)
            }
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
