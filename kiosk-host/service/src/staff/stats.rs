//! `/staff/stats`: what `kiosk stats` computes (the store's `stats` and `outcomes`) over a
//! chosen period: cases per business, outcomes, the ratings distribution and the
//! satisfaction rate, as bar charts with the same numbers in tables; and, in a table of its
//! own, the card production's on-time figure (制卡按期率, `Registry::production_stats`) for
//! the applications whose expected date falls in the period (issue 17: not a case figure).

use crate::extract::PageForm;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;
use ui_web::i18n::StaffKey;
use ui_web::{Bar, BarChart, Lang, ProductionRow, StaffPage, StatsRow};

use super::access::{
    audit, authorise_form, authorise_get, page, with_store, PageError, Prefs, Who,
};
use super::labels::{self, tr};
use crate::state::Shared;
use kiosk_core::domain::{local_date, Outcome};
use kiosk_core::store::{BusinessStats, Feedback, ProductionStats, Registry};

#[derive(Debug, Default, Deserialize)]
pub struct PeriodForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

fn day(lang: Lang, value: &str, zh: &str, en: &str) -> Result<NaiveDate, PageError> {
    let value = value.trim();
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .ok()
        .filter(|_| value.len() == 10)
        .ok_or_else(|| {
            let v = kiosk_core::mask::free_text(value);
            PageError::Input(tr(
                lang,
                &format!("{zh}：“{v}”不是日期，请按 年-月-日 填写，例如 2026-03-05"),
                &format!("{en}: {v:?} is not a date; write YYYY-MM-DD, e.g. 2026-03-05"),
            ))
        })
}

/// The period of the form, or which field is wrong.
fn period(form: &PeriodForm, lang: Lang) -> Result<(NaiveDate, NaiveDate), PageError> {
    let from = day(lang, &form.from, "开始日期", "from")?;
    let to = day(lang, &form.to, "结束日期", "to")?;
    if from > to {
        return Err(PageError::Input(tr(
            lang,
            &format!("统计期间：开始日期 {from} 晚于结束日期 {to}，请把较早的日期填在开始日期"),
            &format!("period: from {from} is after to {to}; put the earlier day first"),
        )));
    }
    Ok((from, to))
}

/// What the page shows of a period.
struct Figures {
    stats: Vec<BusinessStats>,
    outcomes: Vec<(Outcome, u64)>,
    production: ProductionStats,
}

fn screen(
    who: &Who,
    (from, to): (NaiveDate, NaiveDate),
    problem: Option<String>,
    figures: &Figures,
) -> ui_web::Screen {
    let lang = who.lang;
    let mut levels = [0u64; 5];
    for s in &figures.stats {
        for (total, n) in levels.iter_mut().zip(s.rating_counts) {
            *total += n;
        }
    }
    let rated: u64 = levels.iter().sum();
    // 好评: 非常满意, 满意 and 基本满意 (BUSINESS-RULES.md section 6), as the statistics count it.
    let good: u64 = levels
        .iter()
        .zip(1u8..)
        .filter(|(_, level)| kiosk_core::store::Rating::is_good(*level))
        .map(|(n, _)| n)
        .sum();
    let satisfaction = labels::percent((rated > 0).then(|| good as f64 / rated as f64));
    let charts = vec![
        BarChart {
            title: tr(lang, "各业务办件量", "Cases per business"),
            bars: figures
                .stats
                .iter()
                .map(|s| Bar {
                    label: labels::business(s.business, lang),
                    value: s.cases,
                })
                .collect(),
        },
        BarChart {
            title: tr(lang, "办理结果", "Outcomes"),
            bars: figures
                .outcomes
                .iter()
                .map(|(o, n)| Bar {
                    label: labels::outcome(*o, lang),
                    value: *n,
                })
                .collect(),
        },
        BarChart {
            title: tr(lang, "评价分布", "Ratings"),
            bars: (1..=5u8)
                .rev()
                .map(|level| Bar {
                    label: labels::rating(level, lang),
                    value: levels[usize::from(level - 1)],
                })
                .collect(),
        },
    ];
    let rows = figures
        .stats
        .iter()
        .map(|s| StatsRow {
            business: labels::business(s.business, lang),
            cases: s.cases,
            completed: s.completed,
            on_time: labels::percent(s.on_time_rate),
            mean_time: s
                .mean_handling_s
                .map_or_else(|| "-".into(), |t| format!("{t:.0} s")),
            ratings: s.ratings,
            mean_rating: s
                .mean_rating
                .map_or_else(|| "-".into(), |m| format!("{m:.2}")),
            satisfied: labels::percent(s.satisfied_rate),
        })
        .collect();
    ui_web::Screen::StaffStats {
        nav: who.nav(StaffPage::Stats),
        from: labels::day(from),
        to: labels::day(to),
        problem,
        satisfaction,
        charts,
        rows,
        production: production_row(&figures.production),
    }
}

/// The production figure as the page shows it.
fn production_row(p: &ProductionStats) -> ProductionRow {
    ProductionRow {
        rate: labels::percent(p.on_time_rate()),
        today: labels::day(p.today),
        on_time: p.on_time,
        late: p.late,
        overdue: p.overdue,
        not_yet_due: p.not_yet_due,
        rejected: p.rejected,
    }
}

async fn figures(s: &Arc<Shared>, from: NaiveDate, to: NaiveDate) -> Result<Figures, PageError> {
    let today = local_date(chrono::Utc::now());
    with_store(s, move |store| -> Result<Figures, PageError> {
        Ok(Figures {
            stats: store.stats(from, to)?,
            outcomes: store.outcomes(from, to)?,
            production: store.production_stats(from, to, today)?,
        })
    })
    .await?
}

async fn respond(
    s: &Arc<Shared>,
    who: &Who,
    period: (NaiveDate, NaiveDate),
    problem: Option<String>,
) -> Response {
    audit(
        s,
        &who.actor(),
        "staff.stats",
        serde_json::json!({ "from": labels::day(period.0), "to": labels::day(period.1) }),
    )
    .await;
    match figures(s, period.0, period.1).await {
        Ok(f) => {
            let status = if problem.is_some() {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::OK
            };
            page(
                who,
                StaffKey::PageStats,
                status,
                screen(who, period, problem, &f),
            )
        }
        Err(e) => e.response(),
    }
}

/// This month up to today (kiosk local date).
fn this_month() -> (NaiveDate, NaiveDate) {
    let today = local_date(chrono::Utc::now());
    (today.with_day(1).unwrap_or(today), today)
}

/// `GET /staff/stats`: this month so far.
pub async fn show(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Query(prefs): Query<Prefs>,
) -> Response {
    let who = match authorise_get(&s, &headers, StaffPage::Stats, &prefs) {
        Ok(w) => w,
        Err(r) => return *r,
    };
    respond(&s, &who, this_month(), None).await
}

/// `POST /staff/stats`: a chosen period; a bad one is named and this month shown instead.
pub async fn period_form(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    PageForm(form): PageForm<PeriodForm>,
) -> Response {
    let who = match authorise_form(&s, &headers, StaffPage::Stats, &form.csrf) {
        Ok(w) => w,
        Err(r) => return *r,
    };
    match period(&form, who.lang) {
        Ok(p) => respond(&s, &who, p, None).await,
        Err(PageError::Input(problem)) => respond(&s, &who, this_month(), Some(problem)).await,
        Err(e) => e.response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(from: &str, to: &str) -> PeriodForm {
        PeriodForm {
            csrf: String::new(),
            from: from.into(),
            to: to.into(),
        }
    }

    #[test]
    fn a_bad_period_names_its_field() {
        let err = |f: &PeriodForm| match period(f, Lang::En) {
            Err(PageError::Input(p)) => p,
            other => panic!("{:?}", other.map_err(|e| e.to_string())),
        };
        assert!(err(&form("2026-3-1", "2026-03-31")).starts_with("from: "));
        assert!(err(&form("2026-03-01", "")).starts_with("to: "));
        assert!(err(&form("2026-04-01", "2026-03-01")).starts_with("period: from 2026-04-01"));
        assert!(period(&form("2026-03-01", "2026-03-31"), Lang::En).is_ok());
    }
}
