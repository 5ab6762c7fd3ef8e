//! `kiosk-bench`: the kiosk service's figures, measured against a release `kiosk serve --sim`
//! process over loopback HTTP, the way the kiosk's browser drives it:
//!
//! - start to ready (process start until the first HTTP 200) and idle memory (RSS);
//! - server time per screen transition (request sent → answer read, per step of real walks:
//!   status query, PIN change, loss report and its cancellation);
//! - time from a card insertion to the screen being told (the server-sent `session` event)
//!   and to the new screen being served;
//! - bytes per screen (the HTML of each screen reached, and the shared assets).
//!
//! ```text
//! cargo build --release -p kiosk-host --bin kiosk
//! cargo run --release -p tests --bin kiosk-bench [-- ITERATIONS]
//! ```
//!
//! The kiosk binary is `KIOSK_BIN`, or the `kiosk` beside this binary.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tests::served::{kind, Served};
use tests::timing::{ms, Samples};

const DEFAULT_ITERATIONS: usize = 30;
const STARTS: usize = 10;
const CARD: &str = "v2-3des.toml";
const PERSON: &str = "v2-3des.toml";

fn kiosk_bin() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("KIOSK_BIN") {
        return Ok(PathBuf::from(p));
    }
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let p = exe.with_file_name("kiosk");
    if p.exists() {
        Ok(p)
    } else {
        Err(format!(
            "no kiosk binary at {}: cargo build --release -p kiosk-host --bin kiosk, or set KIOSK_BIN",
            p.display()
        ))
    }
}

/// Server-sent events as (arrival, event name).
fn listen(addr: &str) -> Result<Receiver<(Instant, String)>, String> {
    let mut s = TcpStream::connect(addr).map_err(|e| e.to_string())?;
    write!(
        s,
        "GET /api/events HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n"
    )
    .map_err(|e| e.to_string())?;
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(s);
        let mut line = String::new();
        loop {
            line.clear();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {
                    if let Some(name) = line.trim().strip_prefix("event:") {
                        if tx.send((Instant::now(), name.trim().to_string())).is_err() {
                            return;
                        }
                    }
                }
            }
        }
    });
    Ok(rx)
}

fn wait_event(rx: &Receiver<(Instant, String)>, name: &str) -> Result<Instant, String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok((at, n)) if n == name => return Ok(at),
            Ok(_) => {}
            Err(RecvTimeoutError::Timeout) => return Err(format!("no `{name}` event in 10 s")),
            Err(RecvTimeoutError::Disconnected) => return Err("the event stream ended".into()),
        }
    }
}

fn drain(rx: &Receiver<(Instant, String)>) {
    while rx.try_recv().is_ok() {}
}

struct Bench<'a> {
    k: &'a Served,
    steps: BTreeMap<String, Samples>,
    bytes: BTreeMap<String, usize>,
}

impl Bench<'_> {
    /// One timed JSON request that must succeed; the screen it answers with.
    fn step(&mut self, label: &str, path: &str, body: Value) -> Result<Value, String> {
        let t = Instant::now();
        let a = self
            .k
            .request("POST", path, "application/json", &body.to_string());
        let took = t.elapsed();
        if a.status >= 400 {
            return Err(format!("{label}: {} {}", a.status, a.body));
        }
        self.steps.entry(label.into()).or_default().push(took);
        let page: Value = serde_json::from_str(&a.body).map_err(|e| format!("{label}: {e}"))?;
        self.measure_screen(&page);
        Ok(page)
    }

    /// The HTML size of the screen now shown (first time each kind is seen).
    fn measure_screen(&mut self, page: &Value) {
        let name = match kind(page) {
            "ask" => format!(
                "ask ({})",
                page["screen"]["ask"]["kind"].as_str().unwrap_or("")
            ),
            k => k.to_string(),
        };
        if name.is_empty() || self.bytes.contains_key(&name) {
            return;
        }
        let a = self.k.request("GET", "/session", "text/plain", "");
        if a.status == 200 {
            self.bytes.insert(name, a.body.len());
        }
    }

    fn expect(&self, page: &Value, want: &str, what: &str) -> Result<(), String> {
        if kind(page) == want {
            Ok(())
        } else {
            Err(format!("{what}: expected {want}, got {page}"))
        }
    }
}

fn walks(k: &Served, iterations: usize) -> Result<(Bench<'_>, Samples, Samples), String> {
    let events = listen(&k.addr)?;
    let mut b = Bench {
        k,
        steps: BTreeMap::new(),
        bytes: BTreeMap::new(),
    };
    let mut to_event = Samples::default();
    let mut to_screen = Samples::default();
    for _ in 0..iterations {
        // Status query: the card is inserted while the screen waits for it.
        let page = b.step(
            "status: start",
            "/api/session/start",
            json!({ "business": "status" }),
        )?;
        b.expect(&page, "ask", "status start")?;
        drain(&events);
        let t = Instant::now();
        k.api("POST", "/api/sim/card", json!({ "card": CARD }));
        let told = wait_event(&events, "session")?;
        to_event.push(told.duration_since(t));
        let page = k.wait_screen("the status confirmation", |p| kind(p) == "confirm");
        to_screen.push(t.elapsed());
        b.measure_screen(&page);
        let page = b.step(
            "status: confirm",
            "/api/session/event",
            json!({ "action": "confirm" }),
        )?;
        b.expect(&page, "done", "status confirm")?;
        let page = b.step(
            "status: rate",
            "/api/session/event",
            json!({ "action": "rate", "level": 5 }),
        )?;
        b.expect(&page, "home", "status rate")?;

        // PIN change with the card still in (back and forth between two PINs).
        // Each round inserts a freshly personalised card, so its PIN is the initial one.
        let (old, new) = ("123456", "580317");
        let page = b.step(
            "pin_change: start",
            "/api/session/start",
            json!({ "business": "pin_change" }),
        )?;
        let page = if kind(&page) == "confirm" {
            page
        } else {
            k.wait_screen("the PIN change confirmation", |p| kind(p) == "confirm")
        };
        b.measure_screen(&page);
        let page = b.step(
            "pin_change: confirm",
            "/api/session/event",
            json!({ "action": "confirm" }),
        )?;
        b.expect(&page, "pins", "pin_change confirm")?;
        let page = b.step(
            "pin_change: PINs (card command)",
            "/api/session/event",
            json!({ "action": "pins", "old": old, "new": new, "repeat": new }),
        )?;
        b.expect(&page, "done", "pin_change PINs")?;
        b.step(
            "pin_change: rate",
            "/api/session/event",
            json!({ "action": "rate", "level": 5 }),
        )?;
        k.api("DELETE", "/api/sim/card", json!({}));
        k.wait_screen("home", |p| kind(p) == "home");

        // Loss report by ID card (no card in the reader), then its cancellation.
        b.step(
            "report_loss: start",
            "/api/session/start",
            json!({ "business": "report_loss" }),
        )?;
        let t = Instant::now();
        k.api("POST", "/api/sim/idcard", json!({ "person": PERSON }));
        let page = k.wait_screen("the loss report confirmation", |p| kind(p) == "confirm");
        b.steps
            .entry("report_loss: ID card read → confirmation".into())
            .or_default()
            .push(t.elapsed());
        b.measure_screen(&page);
        let page = b.step(
            "report_loss: confirm (commit)",
            "/api/session/event",
            json!({ "action": "confirm" }),
        )?;
        b.expect(&page, "done", "report_loss confirm")?;
        b.step(
            "report_loss: rate",
            "/api/session/event",
            json!({ "action": "rate", "level": 5 }),
        )?;

        b.step(
            "cancel_loss: start",
            "/api/session/start",
            json!({ "business": "cancel_loss" }),
        )?;
        k.api("POST", "/api/sim/idcard", json!({ "person": PERSON }));
        let page = k.wait_screen("the card prompt or the confirmation", |p| {
            kind(p) == "confirm" || p["screen"]["ask"]["kind"] == "card" || kind(p) == "refused"
        });
        if page["screen"]["ask"]["kind"] == "card" {
            k.api("POST", "/api/sim/card", json!({ "card": CARD }));
        }
        let page = k.wait_screen("the cancellation's confirmation", |p| {
            kind(p) == "confirm" || kind(p) == "refused"
        });
        b.expect(&page, "confirm", "cancel_loss")?;
        let page = b.step(
            "cancel_loss: confirm (card command + commit)",
            "/api/session/event",
            json!({ "action": "confirm" }),
        )?;
        b.expect(&page, "done", "cancel_loss confirm")?;
        b.step(
            "cancel_loss: rate",
            "/api/session/event",
            json!({ "action": "rate", "level": 5 }),
        )?;
        if k.screen()["screen"]["screen"] != "home" {
            return Err(format!("not home after the walks: {}", k.screen()));
        }
        k.api("DELETE", "/api/sim/card", json!({}));
        k.wait_screen("home", |p| kind(p) == "home");
    }
    Ok((b, to_event, to_screen))
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

fn run(iterations: usize) -> Result<(), String> {
    let bin = kiosk_bin()?;
    println!("kiosk: {}", bin.display());
    if let Ok(m) = std::fs::metadata(&bin) {
        println!("binary size: {:.1} MiB", m.len() as f64 / (1024.0 * 1024.0));
    }

    // Start to ready.
    let mut ready = Samples::default();
    let mut idle_rss = None;
    for i in 0..STARTS {
        let t = Instant::now();
        let k = Served::start(&bin, &[]);
        loop {
            if k.request("GET", "/", "text/plain", "").status == 200 {
                break;
            }
            if t.elapsed() > Duration::from_secs(30) {
                return Err("the kiosk did not answer in 30 s".into());
            }
        }
        ready.push(t.elapsed());
        if i + 1 == STARTS {
            std::thread::sleep(Duration::from_secs(1));
            idle_rss = rss_kib(k.pid());
        }
    }

    let k = Served::start(&bin, &[]);
    let (b, to_event, to_screen) = walks(&k, iterations)?;
    let mut assets = Vec::new();
    for path in ["/", "/guide", "/static/kiosk.css", "/static/kiosk.js"] {
        let a = k.request("GET", path, "text/plain", "");
        assets.push((path, a.body.len()));
    }
    let walk_rss = rss_kib(k.pid());

    println!();
    println!("| figure | p50 / p99 |");
    println!("|---|---|");
    println!(
        "| start to ready (`kiosk serve --sim` until the first HTTP 200), {STARTS} starts | {} |",
        ready.p50_p99()
    );
    println!(
        "| card inserted → `session` event sent to the screen | {} |",
        to_event.p50_p99()
    );
    println!(
        "| card inserted → new screen served | {} |",
        to_screen.p50_p99()
    );
    for (label, s) in &b.steps {
        println!("| {label} | {} |", s.p50_p99());
    }
    println!();
    let kib = |v: Option<u64>| {
        v.map(|v| format!("{:.1} MiB", v as f64 / 1024.0))
            .unwrap_or("–".into())
    };
    println!(
        "memory (RSS): idle after start {}, after {iterations} rounds of walks {}",
        kib(idle_rss),
        kib(walk_rss)
    );
    println!();
    println!("| screen (zh-CN) | HTML bytes |");
    println!("|---|---|");
    for (name, n) in &b.bytes {
        println!("| {name} | {n} |");
    }
    for (path, n) in assets {
        println!("| `{path}` | {n} |");
    }
    let samples: usize = b.steps.values().map(|s| s.len()).sum();
    println!();
    println!(
        "{iterations} rounds, {samples} timed transitions; fastest: {}",
        b.steps
            .values()
            .filter_map(|s| s.percentile(0.0))
            .min()
            .map(ms)
            .unwrap_or_default()
    );
    Ok(())
}

fn main() -> ExitCode {
    let iterations = match std::env::args().nth(1).map(|a| a.parse::<usize>()) {
        None => DEFAULT_ITERATIONS,
        Some(Ok(n)) if n > 0 => n,
        Some(_) => {
            eprintln!("usage: kiosk-bench [ITERATIONS]");
            return ExitCode::from(2);
        }
    };
    match run(iterations) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kiosk-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
