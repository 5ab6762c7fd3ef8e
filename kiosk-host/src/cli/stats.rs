//! `kiosk stats --from YYYY-MM-DD --to YYYY-MM-DD`: per business, the cases started in the
//! period (kiosk-local dates, inclusive), completed cases, on-time rate (按期办结率: every
//! case ends the day it starts, 6.3.2), mean handling time and satisfaction (8.2); then the
//! cases by outcome; then, on its own line, the card production's on-time figure
//! (制卡按期率) for the applications whose expected date falls in the period, as of today
//! (issue 17: not a case figure), from the registry: the kiosk's database, or the agency's
//! with an `[agency]` (the cases stay the kiosk's own).
//!
//! Exit codes: 0 printed, 2 a bad date, 3 the configuration or the database cannot be
//! opened or read.

use chrono::{NaiveDate, Utc};
use serde::Serialize;

use kiosk_core::domain::{local_date, BusinessCode, Outcome};
use kiosk_core::rules;
use kiosk_core::store::{BusinessStats, Feedback, ProductionStats, Registry};

use super::common::{fail, width, StoreArgs};

#[derive(clap::Args)]
pub(crate) struct StatsArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// The first day (YYYY-MM-DD, kiosk local date).
    #[arg(long)]
    from: String,
    /// The last day, inclusive (YYYY-MM-DD).
    #[arg(long)]
    to: String,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

fn parse_day(arg: &str, value: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map_err(|e| format!("{arg}: {value:?} is not a date ({e}); write YYYY-MM-DD"))
}

#[derive(Serialize)]
struct Report<'a> {
    from: NaiveDate,
    to: NaiveDate,
    businesses: &'a [BusinessStats],
    outcomes: Vec<OutcomeCount>,
    /// issue 17: the production's own figure, apart from the cases'.
    production: ProductionReport,
}

/// [`ProductionStats`] with its rate, for `--json`.
#[derive(Serialize)]
struct ProductionReport {
    #[serde(flatten)]
    stats: ProductionStats,
    on_time_rate: Option<f64>,
}

#[derive(Serialize)]
struct OutcomeCount {
    outcome: Outcome,
    cases: u64,
}

pub(crate) fn run(args: StatsArgs) -> i32 {
    let from = match parse_day("--from", &args.from) {
        Ok(d) => d,
        Err(e) => return fail(2, &e),
    };
    let to = match parse_day("--to", &args.to) {
        Ok(d) => d,
        Err(e) => return fail(2, &e),
    };
    if from > to {
        return fail(2, format!("--from {from} is after --to {to}"));
    }
    let (config, store) = match args.store.open() {
        Ok(opened) => opened,
        Err(e) => return fail(3, &e),
    };
    let stats = match store.stats(from, to) {
        Ok(s) => s,
        Err(e) => return fail(3, format!("cannot read the statistics: {e}")),
    };
    let outcomes = match store.outcomes(from, to) {
        Ok(o) => o,
        Err(e) => return fail(3, format!("cannot read the statistics: {e}")),
    };
    // The applications are the registry's: with an `[agency]`, the agency's (the kiosk's own
    // database holds its cases and ratings, not the fleet's applications).
    let today = local_date(Utc::now());
    let production = match &config.agency {
        None => store.production_stats(from, to, today),
        Some(link) => match kiosk_store::AgencyStore::new(link, &config.kiosk.id, store) {
            Ok(agency) => agency.production_stats(from, to, today),
            Err(e) => return fail(3, format!("cannot reach the agency at {}: {e}", link.url)),
        },
    };
    let production = match production {
        Ok(p) => p,
        Err(e) => return fail(3, format!("cannot read the production figure: {e}")),
    };
    if args.json {
        let report = Report {
            from,
            to,
            businesses: &stats,
            outcomes: outcomes
                .into_iter()
                .map(|(outcome, cases)| OutcomeCount { outcome, cases })
                .collect(),
            production: ProductionReport {
                stats: production,
                on_time_rate: production.on_time_rate(),
            },
        };
        match serde_json::to_string_pretty(&report) {
            Ok(text) => println!("{text}"),
            Err(e) => return fail(3, format!("cannot print the statistics: {e}")),
        }
    } else {
        println!("{from} – {to}");
        print!("{}", table(&stats));
        println!();
        for (outcome, n) in outcomes {
            println!("{} {}: {n}", outcome_zh(outcome), outcome.code());
        }
        println!();
        println!("{}", production_line(&production));
    }
    0
}

/// The production's figure on its own line: 制卡按期率 and its counts (issue 17).
fn production_line(p: &ProductionStats) -> String {
    format!(
        "制卡按期率 Card production on time: {} (预计制成 {} – {} expected, {} 为准 as of): \
         按期 on time {}, 逾期制成 late {}, 逾期未制成 overdue {}, 未到期 not yet due {}, \
         退回 rejected {}",
        percent(p.on_time_rate()),
        p.from,
        p.to,
        p.today,
        p.on_time,
        p.late,
        p.overdue,
        p.not_yet_due,
        p.rejected
    )
}

/// The business's code and, from the rule table, its Chinese name.
fn business_label(b: BusinessCode) -> String {
    let code = serde_json::to_value(b)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| format!("{b:?}"));
    match rules::all().iter().find(|r| r.code == b) {
        Some(rule) => format!("{code} {}", rule.name.zh),
        None => code,
    }
}

fn outcome_zh(o: Outcome) -> &'static str {
    match o {
        Outcome::Completed => "办结",
        Outcome::ReturnedIncomplete => "退回(材料不全)",
        Outcome::Refused => "不予办理",
        Outcome::Abandoned => "中止",
        Outcome::Reconciled => "对账处理",
        Outcome::Failed => "设备故障",
    }
}

fn percent(share: Option<f64>) -> String {
    share.map_or_else(|| "-".into(), |s| format!("{:.1}%", s * 100.0))
}

fn seconds(s: Option<f64>) -> String {
    s.map_or_else(|| "-".into(), |s| format!("{s:.0} s"))
}

fn pad(s: &str, w: usize, right: bool) -> String {
    let fill = " ".repeat(w.saturating_sub(width(s)));
    if right {
        format!("{fill}{s}")
    } else {
        format!("{s}{fill}")
    }
}

/// The table: one row per business, headers in Chinese and English.
fn table(stats: &[BusinessStats]) -> String {
    let header = [
        "业务 Business",
        "办件 Cases",
        "办结 Completed",
        "按期办结率 On time",
        "平均用时 Mean time",
        "评价 Ratings",
        "平均分 Mean",
        "好评率 Good",
        "1/2/3/4/5",
    ];
    let rows: Vec<[String; 9]> = stats
        .iter()
        .map(|s| {
            [
                business_label(s.business),
                s.cases.to_string(),
                s.completed.to_string(),
                percent(s.on_time_rate),
                seconds(s.mean_handling_s),
                s.ratings.to_string(),
                s.mean_rating
                    .map_or_else(|| "-".into(), |m| format!("{m:.2}")),
                percent(s.satisfied_rate),
                s.rating_counts
                    .iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join("/"),
            ]
        })
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| width(h)).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row.iter()) {
            *w = (*w).max(width(cell));
        }
    }
    let mut out = String::new();
    let line = |cells: Vec<String>| {
        let parts: Vec<String> = cells
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (c, w))| pad(c, *w, i > 0))
            .collect();
        format!("{}\n", parts.join("  ").trim_end())
    };
    out.push_str(&line(header.iter().map(|h| h.to_string()).collect()));
    for row in rows {
        out.push_str(&line(row.to_vec()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_dates_name_the_argument() {
        let e = parse_day("--from", "2026-13-01").unwrap_err();
        assert!(e.starts_with("--from: \"2026-13-01\" is not a date"), "{e}");
        assert_eq!(
            parse_day("--to", "2026-02-28"),
            Ok(NaiveDate::from_ymd_opt(2026, 2, 28).unwrap())
        );
    }

    #[test]
    fn table_aligns_chinese_headers() {
        let s = BusinessStats {
            business: BusinessCode::ReportLoss,
            cases: 12,
            completed: 10,
            on_time_rate: Some(0.9),
            mean_handling_s: Some(95.4),
            ratings: 4,
            mean_rating: Some(4.25),
            satisfied_rate: Some(0.75),
            rating_counts: [0, 0, 1, 1, 2],
        };
        let t = table(&[s]);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with("业务 Business"));
        assert!(lines[1].contains("90.0%"));
        assert!(lines[1].contains("95 s"));
        assert!(lines[1].contains("4.25"));
        assert!(lines[1].ends_with("0/0/1/1/2"));
        // every column ends at the same terminal column in both lines
        assert_eq!(width(lines[0]), width(lines[1]));
    }

    #[test]
    fn the_production_line_has_its_rate_and_counts() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
        let p = ProductionStats {
            from: day(1),
            to: day(31),
            today: day(20),
            on_time: 3,
            late: 1,
            overdue: 0,
            not_yet_due: 2,
            rejected: 1,
        };
        let line = production_line(&p);
        assert!(
            line.starts_with("制卡按期率 Card production on time: 75.0%"),
            "{line}"
        );
        assert!(line.contains("2026-03-01 – 2026-03-31"), "{line}");
        assert!(line.contains("逾期制成 late 1"), "{line}");
        assert!(line.contains("未到期 not yet due 2"), "{line}");
        assert!(line.ends_with("退回 rejected 1"), "{line}");
        let none = ProductionStats {
            on_time: 0,
            late: 0,
            ..p
        };
        assert!(production_line(&none).starts_with("制卡按期率 Card production on time: -"));
    }
}
