//! `/staff/suggestions`: ratings with their reasons and comments, and citizens' suggestions
//! (8.3), newest first, a page at a time. Numbers in free text are masked.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use ui_web::i18n::StaffKey;
use ui_web::{FeedbackRow, Lang, StaffPage};

use super::access::{audit, authorise_get, page, with_store, PageError, Prefs};
use super::labels;
use crate::state::Shared;
use kiosk_core::mask;
use kiosk_core::store::{Feedback, FeedbackItem};

/// Items per page.
pub const PAGE: u32 = 20;

fn row(item: &FeedbackItem, lang: Lang) -> FeedbackRow {
    match item {
        FeedbackItem::Rating { rating, business } => FeedbackRow {
            at: labels::local_time(rating.at),
            case_id: rating.case_id.clone(),
            business: business
                .map(|b| labels::business(b, lang))
                .unwrap_or_default(),
            rating: labels::rating(rating.level, lang),
            reasons: rating
                .reasons
                .iter()
                .map(|r| labels::rating_reason(r, lang))
                .collect(),
            text: rating
                .comment
                .as_deref()
                .map(mask::free_text)
                .unwrap_or_default(),
        },
        FeedbackItem::Suggestion(s) => FeedbackRow {
            at: labels::local_time(s.at),
            case_id: s.case_id.clone().unwrap_or_default(),
            business: String::new(),
            rating: String::new(),
            reasons: Vec::new(),
            text: mask::free_text(&s.text),
        },
    }
}

/// `GET /staff/suggestions[?page=N]`.
pub async fn show(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Query(prefs): Query<Prefs>,
) -> Response {
    let who = match authorise_get(&s, &headers, StaffPage::Suggestions, &prefs) {
        Ok(w) => w,
        Err(r) => return *r,
    };
    let asked = prefs.page.unwrap_or(1).max(1);
    let result = with_store(&s, move |store| -> Result<_, PageError> {
        let count = store.feedback_count()?;
        let pages = u32::try_from(count.div_ceil(u64::from(PAGE)))
            .unwrap_or(u32::MAX)
            .max(1);
        let number = asked.min(pages);
        let items = store.feedback_page((number - 1).saturating_mul(PAGE), PAGE)?;
        Ok((number, pages, items))
    })
    .await
    .and_then(|r| r);
    let (number, pages, items) = match result {
        Ok(x) => x,
        Err(e) => return e.response(),
    };
    audit(
        &s,
        &who.actor(),
        "staff.suggestions",
        serde_json::json!({ "page": number }),
    )
    .await;
    page(
        &who,
        StaffKey::PageSuggestions,
        StatusCode::OK,
        ui_web::Screen::StaffSuggestions {
            nav: who.nav(StaffPage::Suggestions),
            items: items.iter().map(|i| row(i, who.lang)).collect(),
            page: number,
            prev_page: (number > 1).then(|| number - 1),
            next_page: (number < pages).then(|| number + 1),
        },
    )
}
