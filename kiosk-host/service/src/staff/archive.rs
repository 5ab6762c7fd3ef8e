//! `/staff/archive`: archive query (7.2) by ID number, by archive number, or by business and
//! months, for the archive role. The query is the store's `query_archive`, as for `kiosk
//! archive query`, which audits it with the staff user in the same transaction. Results show
//! ID and card numbers masked (BUSINESS-RULES.md section 7) and no material contents.

use crate::extract::PageForm;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use ui_web::i18n::StaffKey;
use ui_web::{ArchiveResults, ArchiveRow, Lang, StaffPage};

use super::access::{
    audit, authorise_form, authorise_get, page, with_store, PageError, Prefs, Who,
};
use super::labels::{self, tr};
use crate::state::Shared;
use kiosk_core::archive_number::ArchiveNumber;
use kiosk_core::domain::BusinessCode;
use kiosk_core::mask;
use kiosk_core::store::{ArchiveQuery, ArchiveRecord, ArchiveStore};
use kiosk_store::archive::Month;

/// The three query forms post here; `by` says which.
#[derive(Debug, Default, Deserialize)]
pub struct ArchiveForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    by: String,
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    archive_no: String,
    #[serde(default)]
    card_number: String,
    #[serde(default)]
    business: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

/// A query and how the page describes it (masked).
struct Parsed {
    query: ArchiveQuery,
    criteria: String,
}

fn bad(lang: Lang, field_zh: &str, field_en: &str, zh: &str, en: &str) -> PageError {
    PageError::Input(tr(
        lang,
        &format!("{field_zh}：{zh}"),
        &format!("{field_en}: {en}"),
    ))
}

fn month(lang: Lang, value: &str, zh: &str, en: &str) -> Result<Option<Month>, PageError> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    Month::parse(value).map(Some).map_err(|e| {
        bad(
            lang,
            zh,
            en,
            &format!("{e}（请按 年-月 填写，例如 2026-03）"),
            &e.to_string(),
        )
    })
}

/// A day of the form (`YYYY-MM-DD`), or which field is wrong and what to write.
fn day(lang: Lang, value: &str, zh: &str, en: &str) -> Result<chrono::NaiveDate, PageError> {
    chrono::NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").map_err(|_| {
        let shown = mask::free_text(value.trim());
        bad(
            lang,
            zh,
            en,
            &format!("“{shown}”不是日期（请按 年-月-日 填写，例如 2026-03-01）"),
            &format!("{shown:?} is not a day; write YYYY-MM-DD, e.g. 2026-03-01"),
        )
    })
}

/// The form as a query, or which field is wrong and what to write.
fn parse(form: &ArchiveForm, lang: Lang) -> Result<Parsed, PageError> {
    let mut query = ArchiveQuery::default();
    let criteria = match form.by.as_str() {
        "id_number" => {
            let id = form.id_number.trim().to_ascii_uppercase();
            card_io::citizen::check_id_number(&id).map_err(|why| {
                let why = mask::free_text(&why);
                bad(
                    lang,
                    "身份证号码",
                    "ID number",
                    &format!("{why}；请输入18位身份证号码，例如 65230119800506118X"),
                    &format!("{why}; write the 18-character ID number, e.g. 65230119800506118X"),
                )
            })?;
            let shown = format!(
                "{} {}",
                tr(lang, "身份证号码", "ID number"),
                mask::id_number(&id)
            );
            query.id_number = Some(id);
            shown
        }
        "archive_no" => {
            let no = form
                .archive_no
                .trim()
                .parse::<ArchiveNumber>()
                .map_err(|e| {
                    bad(
                        lang,
                        "档号",
                        "archive number",
                        &format!("{e}（例如 0001-SB·2026-D50-652300001-000123）"),
                        &e.to_string(),
                    )
                })?
                .to_string();
            let shown = format!("{} {no}", tr(lang, "档号", "archive number"));
            query.archive_no = Some(no);
            shown
        }
        "business" => {
            let code = form.business.trim();
            let b: BusinessCode = labels::parse_business(code).ok_or_else(|| {
                let code = mask::free_text(code);
                bad(
                    lang,
                    "业务",
                    "business",
                    &format!("“{code}”不是本机办理的业务，请从列表中选择"),
                    &format!("{code:?} is not a business of this kiosk; choose one from the list"),
                )
            })?;
            let from = month(lang, &form.from, "起始月份", "from month")?;
            let to = month(lang, &form.to, "截止月份", "to month")?;
            if let (Some(f), Some(t)) = (from, to) {
                if f > t {
                    return Err(bad(
                        lang,
                        "起止月份",
                        "months",
                        &format!("起始月份 {f} 晚于截止月份 {t}，请把较早的月份填在起始月份"),
                        &format!("the from month {f} is after the to month {t}; put the earlier month first"),
                    ));
                }
            }
            query.business = Some(b);
            query.from = from.map(Month::first_day);
            query.to = to.and_then(|t| t.next().first_day().pred_opt());
            let range = match (from, to) {
                (None, None) => String::new(),
                (f, t) => format!(
                    " {}–{}",
                    f.map(|m| m.to_string()).unwrap_or_default(),
                    t.map(|m| m.to_string()).unwrap_or_default()
                ),
            };
            format!("{}{range}", labels::business(b, lang))
        }
        // issue 17: by card number, by a range of days (BUSINESS-RULES.md section 5).
        "card_number" => {
            let card = form.card_number.trim().to_ascii_uppercase();
            if card.len() != 9 || !card.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(bad(
                    lang,
                    "社会保障卡号",
                    "card number",
                    "请输入9位卡号（字母和数字），例如 A12345678",
                    "write the 9 letters and digits of the card number, e.g. A12345678",
                ));
            }
            let shown = format!(
                "{} {}",
                tr(lang, "社会保障卡号", "card number"),
                mask::card_number(&card)
            );
            query.card_number = Some(card);
            shown
        }
        "days" => {
            let from = day(lang, &form.from, "起始日期", "from")?;
            let to = day(lang, &form.to, "截止日期", "to")?;
            if from > to {
                return Err(bad(
                    lang,
                    "起止日期",
                    "days",
                    &format!("起始日期 {from} 晚于截止日期 {to}，请把较早的日期填在起始日期"),
                    &format!(
                        "the from day {from} is after the to day {to}; put the earlier day first"
                    ),
                ));
            }
            query.from = Some(from);
            query.to = Some(to);
            format!("{} {from}–{to}", tr(lang, "办结日期", "finished"))
        }
        other => {
            return Err(bad(
                lang,
                "查询方式",
                "query",
                &format!("未知的查询方式“{}”", mask::free_text(other)),
                &format!("unknown kind of query {:?}", mask::free_text(other)),
            ))
        }
    };
    Ok(Parsed { query, criteria })
}

fn row(r: &ArchiveRecord, lang: Lang) -> ArchiveRow {
    let rec = &r.record;
    ArchiveRow {
        archive_no: r.archive_no.clone(),
        case_id: rec.case_id.clone(),
        business: labels::business(rec.business, lang),
        finished: labels::local_time(rec.finished_at),
        id_number: mask::id_number(&rec.id_number),
        card_number: rec
            .card_number
            .as_deref()
            .map_or_else(|| "-".into(), mask::card_number),
        title: mask::free_text(&rec.title),
        sealed_in: r.sealed_in.clone().unwrap_or_else(|| "-".into()),
        retain_until: labels::day(r.retain_until),
        materials: rec
            .materials
            .iter()
            .map(|m| format!("{} ({}, {} B)", m.title, m.media_type, m.content.len()))
            .collect(),
    }
}

fn screen(who: &Who, problem: Option<String>, results: Option<ArchiveResults>) -> ui_web::Screen {
    ui_web::Screen::StaffArchive {
        nav: who.nav(StaffPage::Archive),
        businesses: BusinessCode::ALL
            .into_iter()
            .map(|b| (labels::business_code(b), labels::business(b, who.lang)))
            .collect(),
        problem,
        results,
    }
}

/// `GET /staff/archive`: the query forms.
pub async fn show(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Query(prefs): Query<Prefs>,
) -> Response {
    let who = match authorise_get(&s, &headers, StaffPage::Archive, &prefs) {
        Ok(w) => w,
        Err(r) => return *r,
    };
    audit(&s, &who.actor(), "staff.archive", serde_json::json!({})).await;
    page(
        &who,
        StaffKey::PageArchive,
        StatusCode::OK,
        screen(&who, None, None),
    )
}

/// `POST /staff/archive`: one query, audited by the store; bad input runs none.
pub async fn query(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    PageForm(form): PageForm<ArchiveForm>,
) -> Response {
    let who = match authorise_form(&s, &headers, StaffPage::Archive, &form.csrf) {
        Ok(w) => w,
        Err(r) => return *r,
    };
    let parsed = match parse(&form, who.lang) {
        Ok(p) => p,
        Err(PageError::Input(problem)) => {
            audit(
                &s,
                &who.actor(),
                "staff.archive_refused",
                serde_json::json!({ "by": mask::free_text(&form.by) }),
            )
            .await;
            return page(
                &who,
                StaffKey::PageArchive,
                StatusCode::UNPROCESSABLE_ENTITY,
                screen(&who, Some(problem), None),
            );
        }
        Err(e) => return e.response(),
    };
    let actor = who.actor();
    let query = parsed.query;
    let records = with_store(&s, move |store| store.query_archive(&query, &actor)).await;
    let records = match records {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => return PageError::from(e).response(),
        Err(e) => return e.response(),
    };
    let results = ArchiveResults {
        criteria: parsed.criteria,
        rows: records.iter().map(|r| row(r, who.lang)).collect(),
    };
    page(
        &who,
        StaffKey::PageArchive,
        StatusCode::OK,
        screen(&who, None, Some(results)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    /// The day range a month range covers.
    fn days(form: &ArchiveForm) -> (Option<NaiveDate>, Option<NaiveDate>) {
        parse(form, Lang::En)
            .map(|p| (p.query.from, p.query.to))
            .unwrap_or((None, None))
    }

    fn form(by: &str) -> ArchiveForm {
        ArchiveForm {
            by: by.into(),
            ..ArchiveForm::default()
        }
    }

    fn problem(f: &ArchiveForm) -> String {
        match parse(f, Lang::En) {
            Err(PageError::Input(p)) => p,
            Err(e) => panic!("{e}"),
            Ok(p) => panic!("accepted: {:?}", p.query),
        }
    }

    #[test]
    fn each_bad_field_is_named() {
        let mut f = form("id_number");
        f.id_number = "65230119800506".into();
        assert!(problem(&f).starts_with("ID number: "), "{}", problem(&f));
        let mut f = form("archive_no");
        f.archive_no = "12-34".into();
        assert!(problem(&f).starts_with("archive number: "));
        let mut f = form("business");
        f.business = "teleport".into();
        assert!(problem(&f).contains("\"teleport\" is not a business"));
        f.business = "report_loss".into();
        f.from = "2026-05".into();
        f.to = "2026-03".into();
        assert!(problem(&f).starts_with("months: the from month 2026-05 is after"));
        f.to = "2026-13".into();
        assert!(problem(&f).starts_with("to month: "));
        assert!(problem(&form("name")).starts_with("query: "));
    }

    #[test]
    fn months_become_whole_days_and_ids_are_shown_masked() {
        let mut f = form("business");
        f.business = "report_loss".into();
        f.from = "2026-01".into();
        f.to = "2026-02".into();
        assert_eq!(
            days(&f),
            (
                NaiveDate::from_ymd_opt(2026, 1, 1),
                NaiveDate::from_ymd_opt(2026, 2, 28)
            )
        );
        let mut f = form("id_number");
        f.id_number = "652301197508210015".into();
        let p = parse(&f, Lang::En).expect("a valid ID number");
        assert_eq!(p.criteria, "ID number 652301********0015");
        assert_eq!(p.query.id_number.as_deref(), Some("652301197508210015"));
    }

    /// issue 17: by card number (shown masked) and by a range of days, each bad field named.
    #[test]
    fn card_numbers_and_day_ranges_are_queries() {
        let mut f = form("card_number");
        f.card_number = " a12345678 ".into();
        let p = parse(&f, Lang::En).expect("a card number");
        assert_eq!(p.query.card_number.as_deref(), Some("A12345678"));
        assert!(!p.criteria.contains("A12345678"), "{}", p.criteria);
        f.card_number = "A1234".into();
        assert!(problem(&f).starts_with("card number: "), "{}", problem(&f));
        let mut f = form("days");
        f.from = "2026-03-01".into();
        f.to = "2026-03-31".into();
        assert_eq!(
            days(&f),
            (
                NaiveDate::from_ymd_opt(2026, 3, 1),
                NaiveDate::from_ymd_opt(2026, 3, 31)
            )
        );
        f.to = "2026-02-30".into();
        assert!(problem(&f).starts_with("to: "), "{}", problem(&f));
        f.to = "2026-02-01".into();
        assert!(
            problem(&f).starts_with("days: the from day"),
            "{}",
            problem(&f)
        );
    }
}
