//! HTTP under load from a second process: `wrk` against a release `kiosk serve --sim` on
//! loopback, for the status and guide endpoints the screens and a monitoring client read,
//! with the same server's static stylesheet as the ceiling (no state, no lock, no template);
//! then the same reads while a citizen walks short sessions and posts ratings (each rating
//! a durable SQLite commit), with the rating's latency under that load.
//!
//!     apt-get install wrk
//!     cargo build --release -p kiosk-host --bin kiosk
//!     cargo run --release -p tests --bin http-bench [-- SECONDS]    # per endpoint, default 10
//!
//! The kiosk serves one citizen session at a time, so ratings cannot come from many clients
//! at once: one per finished session, on the one screen. The write load is therefore one
//! client walking status queries (start, confirm, rate) back to back as fast as the server
//! answers, which is far more than a queue at a kiosk produces.

use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tests::served::{kind, Served};
use tests::timing::Samples;

const THREADS: usize = 2;
const CONNECTIONS: usize = 16;

/// What `wrk --latency` reported.
#[derive(Debug, Default)]
struct WrkResult {
    requests_per_s: f64,
    p50: String,
    p99: String,
    requests: u64,
    non_2xx: u64,
    socket_errors: u64,
}

fn parse_wrk(out: &str) -> Result<WrkResult, String> {
    let mut r = WrkResult::default();
    for line in out.lines() {
        let t = line.trim();
        let mut words = t.split_whitespace();
        match words.next() {
            Some("50%") => r.p50 = words.next().unwrap_or("").to_string(),
            Some("99%") => r.p99 = words.next().unwrap_or("").to_string(),
            Some("Requests/sec:") => {
                r.requests_per_s = words
                    .next()
                    .and_then(|v| v.parse().ok())
                    .ok_or_else(|| format!("bad line {t:?}"))?
            }
            Some("Non-2xx") => {
                r.non_2xx = t
                    .rsplit(' ')
                    .next()
                    .and_then(|v| v.parse().ok())
                    .ok_or_else(|| format!("bad line {t:?}"))?
            }
            Some("Socket") => {
                r.socket_errors = t
                    .split(',')
                    .filter_map(|p| p.split_whitespace().last()?.parse::<u64>().ok())
                    .sum()
            }
            Some(n) if t.contains("requests in") => {
                r.requests = n.parse().map_err(|_| format!("bad line {t:?}"))?
            }
            _ => {}
        }
    }
    if r.p50.is_empty() || r.p99.is_empty() || r.requests == 0 {
        return Err(format!("no latency distribution in wrk's output:\n{out}"));
    }
    Ok(r)
}

fn wrk(addr: &str, path: &str, seconds: u64) -> Result<WrkResult, String> {
    let out = Command::new("wrk")
        .args([
            format!("-t{THREADS}"),
            format!("-c{CONNECTIONS}"),
            format!("-d{seconds}s"),
            "--latency".into(),
            format!("http://{addr}{path}"),
        ])
        .output()
        .map_err(|e| format!("wrk: {e} (apt-get install wrk)"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!(
            "wrk failed: {text}{}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    parse_wrk(&text)
}

/// One status query walked to its rating; the rating's time. The card stays in the reader
/// after the first round, so later rounds go straight to the confirmation.
fn rated_session(k: &Served) -> Result<Duration, String> {
    let post = |path: &str, body: Value| -> Result<Value, String> {
        let a = k.json("POST", path, &body);
        if a.status >= 400 {
            return Err(format!("POST {path} {body}: {} {}", a.status, a.body));
        }
        serde_json::from_str(&a.body).map_err(|e| format!("POST {path}: {e}"))
    };
    let page = post("/api/session/start", json!({ "business": "status" }))?;
    if kind(&page) != "confirm" {
        k.api("POST", "/api/sim/card", json!({ "card": "v2-3des.toml" }));
        k.wait_screen("the status confirmation", |p| kind(p) == "confirm");
    }
    let page = post("/api/session/event", json!({ "action": "confirm" }))?;
    if kind(&page) != "done" {
        return Err(format!("confirm: expected done, got {page}"));
    }
    let t = Instant::now();
    let page = post(
        "/api/session/event",
        json!({ "action": "rate", "level": 4, "reasons": [] }),
    )?;
    let took = t.elapsed();
    if kind(&page) != "home" {
        return Err(format!("rate: expected home, got {page}"));
    }
    Ok(took)
}

fn main() {
    let seconds: u64 = match std::env::args().nth(1) {
        None => 10,
        Some(a) => match a.parse() {
            Ok(n) if n > 0 => n,
            _ => {
                eprintln!("usage: http-bench [SECONDS] (a positive number, got {a:?})");
                std::process::exit(2);
            }
        },
    };
    let k = Served::start(&tests::sibling_bin("kiosk"), &[]);
    let endpoints = [
        ("/api/session", "status: the current screen as JSON"),
        ("/api/devices/health", "status: device health JSON"),
        ("/api/guide", "guide as JSON"),
        ("/guide", "guide page (HTML)"),
        (
            "/static/kiosk.css",
            "ceiling: static stylesheet, same server",
        ),
    ];
    println!(
        "## HTTP under load (`wrk -t{THREADS} -c{CONNECTIONS} -d{seconds}s --latency`, loopback)\n"
    );
    println!("| endpoint | what | requests/s | p50 | p99 | errors |");
    println!("|---|---|---|---|---|---|");
    for (path, what) in endpoints {
        let r = wrk(&k.addr, path, seconds).unwrap_or_else(|e| panic!("{path}: {e}"));
        println!(
            "| `{path}` | {what} | {:.0} | {} | {} | {} of {} |",
            r.requests_per_s,
            r.p50,
            r.p99,
            r.non_2xx + r.socket_errors,
            r.requests
        );
    }

    // Ratings alone, then under the read load.
    let mut quiet = Samples::default();
    let t = Instant::now();
    let mut quiet_n = 0usize;
    while t.elapsed() < Duration::from_secs(seconds.min(5)) {
        quiet.push(rated_session(&k).unwrap_or_else(|e| panic!("{e}")));
        quiet_n += 1;
    }
    let quiet_rate = quiet_n as f64 / t.elapsed().as_secs_f64();
    let stop = Arc::new(AtomicBool::new(false));
    let (loaded, loaded_rate) = std::thread::scope(|scope| {
        let writer = scope.spawn(|| {
            let mut s = Samples::default();
            let t = Instant::now();
            let mut n = 0usize;
            while !stop.load(Ordering::SeqCst) {
                s.push(rated_session(&k).unwrap_or_else(|e| panic!("{e}")));
                n += 1;
            }
            (s, n as f64 / t.elapsed().as_secs_f64())
        });
        let reads = [
            wrk(&k.addr, "/api/session", seconds),
            wrk(&k.addr, "/api/guide", seconds),
        ];
        stop.store(true, Ordering::SeqCst);
        let w = writer
            .join()
            .unwrap_or_else(|_| panic!("the rating walker panicked"));
        println!();
        println!("While one client walks status queries and rates each (SQLite commits):\n");
        println!("| endpoint | requests/s | p50 | p99 | errors |");
        println!("|---|---|---|---|---|");
        for (path, r) in ["/api/session", "/api/guide"].iter().zip(reads) {
            let r = r.unwrap_or_else(|e| panic!("{path}: {e}"));
            println!(
                "| `{path}` | {:.0} | {} | {} | {} of {} |",
                r.requests_per_s,
                r.p50,
                r.p99,
                r.non_2xx + r.socket_errors,
                r.requests
            );
        }
        w
    });
    println!();
    println!("| rating (`POST /api/session/event` rate → home, durable commit) | sessions/s | p50 / p99 |");
    println!("|---|---|---|");
    println!("| alone | {quiet_rate:.0} | {} |", quiet.p50_p99());
    println!(
        "| under the read load above | {loaded_rate:.0} | {} |",
        loaded.p50_p99()
    );
}

#[cfg(test)]
mod wrk_output {
    use super::*;

    #[test]
    fn reads_wrk_output() {
        let out = "Running 1s test @ http://127.0.0.1:1/api/guide
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   502.00us  100.00us   3.00ms   90.00%
  Latency Distribution
     50%  480.00us
     75%  600.00us
     90%  700.00us
     99%    1.20ms
  31000 requests in 1.00s, 3.00MB read
  Non-2xx or 3xx responses: 3
  Socket errors: connect 0, read 2, write 0, timeout 1
Requests/sec:  31000.50
Transfer/sec:      3.00MB
";
        let r = parse_wrk(out).unwrap();
        assert_eq!(r.p50, "480.00us");
        assert_eq!(r.p99, "1.20ms");
        assert_eq!(r.requests, 31000);
        assert_eq!(r.non_2xx, 3);
        assert_eq!(r.socket_errors, 3);
        assert!((r.requests_per_s - 31000.5).abs() < 1e-6);
        assert!(parse_wrk("wrk: connection refused").is_err());
    }
}
