//! The store traits that stay on the kiosk with an agency configured: the intent journal,
//! the audit chain, archive records and feedback, in the kiosk's own SQLite.

use chrono::NaiveDate;

use kiosk_core::domain::{Actor, Outcome, Timestamp};
use kiosk_core::store::{
    ArchiveQuery, ArchiveRecord, ArchiveStore, AuditEntry, AuditLog, AuditReport, BatchInfo,
    BusinessStats, Feedback, FeedbackItem, Intent, Journal, NewIntent, Rating, Result, Suggestion,
};

use super::*;

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
