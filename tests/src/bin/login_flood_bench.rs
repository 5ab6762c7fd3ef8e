//! A login flood against a release `kiosk serve --sim`: 8 clients × 15 failed logins with
//! distinct names (120 argon2 checks asked for at once, as the security probe sent them),
//! while `GET /api/session` is read every millisecond on a keep-alive connection; the
//! kiosk's resident memory idle, at the end of the flood, and 5 s later.
//!
//!     cargo build --release -p kiosk-host --bin kiosk
//!     cargo run --release -p tests --bin login-flood-bench [-- --kiosk PATH]
//!
//! `--kiosk PATH` runs another `kiosk` binary (an older build, for a before/after
//! comparison; it must have the login form's token, or every login is a 403).

use std::time::Duration;

use tests::served::Served;
use tests::timing::ms;

fn main() {
    let mut kiosk = tests::sibling_bin("kiosk");
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        match (flag.as_str(), it.next()) {
            ("--kiosk", Some(p)) => kiosk = p.into(),
            _ => {
                eprintln!("usage: login-flood-bench [--kiosk PATH]");
                std::process::exit(2)
            }
        }
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("kiosk.toml");
    tests::staff::staff_config(&config, &[("super", "bench pass", &["supervisor"])]);
    let k = Served::start(&kiosk, &["--config", config.to_str().expect("utf-8 path")]);
    let f = tests::flood::flood(&k, 8, 15, Duration::from_secs(5));
    let p = |q: f64| f.session.percentile(q).map_or_else(|| "–".into(), ms);
    println!(
        "login flood: 8 clients × 15 failed logins, {} s",
        ms(f.took)
    );
    println!();
    println!("| RSS idle | at the end | 5 s later | logins by status |");
    println!("|---|---|---|---|");
    println!(
        "| {:.1} MB | {:.1} MB | {:.1} MB | {} |",
        f.rss_idle_kib as f64 / 1024.0,
        f.rss_end_kib as f64 / 1024.0,
        f.rss_after_kib as f64 / 1024.0,
        f.statuses
            .iter()
            .map(|(s, n)| format!("{s}: {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!();
    println!("| `GET /api/session` during the flood | requests | p50 | p99 | max |");
    println!("|---|---|---|---|---|");
    println!(
        "| keep-alive, 1 request/ms | {} | {} | {} | {} |",
        f.session.len(),
        p(50.0),
        p(99.0),
        p(100.0)
    );
}
