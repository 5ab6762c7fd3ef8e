//! Words the staff pages take from the host's own data, in Chinese or English: business
//! names from the rule table, progress states, case outcomes, rating levels and reasons,
//! kiosk-local times.

use chrono::{FixedOffset, NaiveDate};
use ui_web::Lang;

use kiosk_core::domain::{BusinessCode, Outcome, Progress, Timestamp, LOCAL_OFFSET_S};
use kiosk_core::rules;

/// `zh` for Chinese (and Uyghur) pages, `en` for English ones.
pub fn tr(lang: Lang, zh: &str, en: &str) -> String {
    match lang {
        Lang::En => en,
        Lang::ZhCn | Lang::Ug => zh,
    }
    .to_string()
}

/// The snake_case code of a business (its serde name, as posted by forms).
pub fn business_code(b: BusinessCode) -> String {
    match serde_json::to_value(b) {
        Ok(serde_json::Value::String(s)) => s,
        _ => format!("{b:?}"),
    }
}

pub fn parse_business(code: &str) -> Option<BusinessCode> {
    BusinessCode::ALL
        .into_iter()
        .find(|b| business_code(*b) == code)
}

/// The business's name from the rule table.
pub fn business(b: BusinessCode, lang: Lang) -> String {
    let r = rules::rule(b);
    tr(lang, r.name.zh, r.name.en)
}

pub fn progress(p: Progress, lang: Lang) -> String {
    tr(lang, p.text().zh, p.text().en)
}

pub fn outcome(o: Outcome, lang: Lang) -> String {
    let (zh, en) = match o {
        Outcome::Completed => ("办结", "completed"),
        Outcome::ReturnedIncomplete => ("退回（材料不全）", "returned (materials missing)"),
        Outcome::Refused => ("不予办理", "refused"),
        Outcome::Abandoned => ("中止", "abandoned"),
        Outcome::Reconciled => ("对账处理", "reconciled"),
        Outcome::Failed => ("设备故障", "device failure"),
    };
    tr(lang, zh, en)
}

/// A rating level with its name, e.g. `5 非常满意`.
pub fn rating(level: u8, lang: Lang) -> String {
    let (zh, en) = match level {
        5 => ("非常满意", "very satisfied"),
        4 => ("满意", "satisfied"),
        3 => ("基本满意", "fairly satisfied"),
        2 => ("不满意", "dissatisfied"),
        1 => ("非常不满意", "very dissatisfied"),
        _ => ("未知", "unknown"),
    };
    format!("{level} {}", tr(lang, zh, en))
}

/// A rating reason's label, as the citizen's rating form offers it; an unknown code as it
/// is (numbers in it masked).
pub fn rating_reason(code: &str, lang: Lang) -> String {
    crate::screens::rating_reasons(crate::screens::language(lang))
        .into_iter()
        .find(|(c, _)| c == code)
        .map_or_else(|| kiosk_core::mask::free_text(code), |(_, label)| label)
}

/// Kiosk-local (UTC+8) date and time to the minute.
pub fn local_time(t: Timestamp) -> String {
    match FixedOffset::east_opt(LOCAL_OFFSET_S) {
        Some(tz) => t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
        None => t.to_rfc3339(),
    }
}

pub fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// A share (0–1) as a percentage with one decimal, `-` without one.
pub fn percent(share: Option<f64>) -> String {
    share.map_or_else(|| "-".into(), |s| format!("{:.1}%", s * 100.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn business_codes_round_trip_and_names_come_from_the_rule_table() {
        for b in BusinessCode::ALL {
            assert_eq!(parse_business(&business_code(b)), Some(b));
        }
        assert_eq!(parse_business("teleport"), None);
        assert_eq!(
            business(BusinessCode::ReportLoss, Lang::ZhCn),
            rules::rule(BusinessCode::ReportLoss).name.zh
        );
        assert_eq!(rating(2, Lang::En), "2 dissatisfied");
        assert_eq!(percent(Some(0.75)), "75.0%");
        assert_eq!(percent(None), "-");
    }
}
