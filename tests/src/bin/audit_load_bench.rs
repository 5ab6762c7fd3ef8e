//! The citizen's screen while a supervisor verifies the audit chain: `GET /api/session`
//! latency on a release `kiosk serve --sim` whose database holds a long audit chain (default
//! 200 000 entries), first alone, then while `GET /staff/audit` verifies the whole chain
//! again and again from a second client.
//!
//!     cargo build --release -p kiosk-host --bin kiosk
//!     cargo run --release -p tests --bin audit-load-bench [-- --entries N] [--seconds S] [--kiosk PATH]
//!
//! `--kiosk PATH` runs another `kiosk` binary than the one beside this bench (an older
//! build, for a before/after comparison).
//!
//! The chain is written before the kiosk starts, through the store's own commit path
//! (`SqliteStore::commit_all`, 5 000 audit entries per transaction). `/api/session` is read
//! on one keep-alive connection, one request a millisecond, the way the screen's script
//! polls (far more often); only the answers to requests sent while a `/staff/audit` request
//! was in flight count as "during the verify".

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use kiosk_core::domain::Actor;
use kiosk_core::store::{AuditLog, Commit};
use kiosk_store::sqlite::SqliteStore;
use tests::served::Served;
use tests::timing::{ms, Samples};

/// Audit entries per transaction while filling.
const CHUNK: usize = 5_000;
const USER: &str = "super";
const PASSWORD: &str = "bench super pass";

struct Args {
    entries: usize,
    seconds: u64,
    kiosk: Option<std::path::PathBuf>,
}

fn usage(what: &str) -> ! {
    eprintln!(
        "usage: audit-load-bench [--entries N] [--seconds S] [--kiosk PATH] (N and S positive \
         numbers; problem at {what:?})"
    );
    std::process::exit(2)
}

fn args() -> Args {
    let mut a = Args {
        entries: 200_000,
        seconds: 10,
        kiosk: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next();
        let number = value
            .as_deref()
            .and_then(|v| v.parse::<u64>().ok())
            .filter(|v| *v > 0);
        match (flag.as_str(), number) {
            ("--entries", Some(v)) => {
                a.entries = usize::try_from(v).unwrap_or_else(|_| usage(&flag))
            }
            ("--seconds", Some(v)) => a.seconds = v,
            ("--kiosk", _) => match value {
                Some(p) if std::path::Path::new(&p).is_file() => a.kiosk = Some(p.into()),
                _ => usage(&flag),
            },
            _ => usage(&flag),
        }
    }
    a
}

/// A database beside its key file (as `kiosk serve --sim --db` keeps it) holding `n` audit
/// entries.
fn fill(db: &std::path::Path, n: usize) -> Duration {
    let key = kiosk_store::sqlite::key::beside_or_new(db).expect("database key");
    let store = SqliteStore::open(db, &key).expect("database");
    let at = chrono::Utc::now();
    let mut left = n;
    let mut i = 0usize;
    while left > 0 {
        let take = left.min(CHUNK);
        let mut commit = Commit::new(Actor::System, at);
        commit.events = (0..take)
            .map(|k| {
                let seq = i + k;
                (
                    "bench.entry".to_string(),
                    format!("bench-{seq:07}"),
                    serde_json::json!({ "n": seq, "note": "audit-load-bench filler" }),
                )
            })
            .collect();
        store.commit_all(&[commit]).expect("audit entries written");
        i += take;
        left -= take;
    }
    let t = Instant::now();
    let report = store.verify().expect("the chain verifies");
    let took = t.elapsed();
    assert!(
        report.ok(),
        "the filled chain verifies: {:?}",
        report.problems
    );
    assert!(report.entries >= n as u64, "{} entries", report.entries);
    took
}

/// One keep-alive HTTP/1.1 connection for `GET`s.
struct Conn {
    addr: String,
    reader: BufReader<TcpStream>,
}

impl Conn {
    fn open(addr: &str) -> Conn {
        let s = TcpStream::connect(addr).expect("connect to the kiosk");
        s.set_nodelay(true).expect("nodelay");
        s.set_read_timeout(Some(Duration::from_secs(60)))
            .expect("read timeout");
        Conn {
            addr: addr.to_string(),
            reader: BufReader::new(s),
        }
    }

    /// `GET path`; the status and the body's length.
    fn get(&mut self, path: &str) -> std::io::Result<(u16, usize)> {
        let req = format!("GET {path} HTTP/1.1\r\nHost: {}\r\n\r\n", self.addr);
        self.reader.get_mut().write_all(req.as_bytes())?;
        let mut line = String::new();
        self.reader.read_line(&mut line)?;
        let status = line
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let mut length = 0usize;
        loop {
            line.clear();
            if self.reader.read_line(&mut line)? == 0 {
                return Err(std::io::Error::other("connection closed in the headers"));
            }
            if line == "\r\n" {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                if name.trim().eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0u8; length];
        self.reader.read_exact(&mut body)?;
        Ok((status, length))
    }
}

/// `/api/session` once a millisecond until `stop`; the latencies of the requests sent while
/// `busy` was set (or of all when `busy` is `None`).
fn poll_session(addr: &str, stop: &AtomicBool, busy: Option<&AtomicBool>) -> Samples {
    let mut conn = Conn::open(addr);
    let mut samples = Samples::default();
    while !stop.load(Ordering::SeqCst) {
        let during = busy.is_none_or(|b| b.load(Ordering::SeqCst));
        let t = Instant::now();
        let (status, len) = conn.get("/api/session").expect("GET /api/session");
        let took = t.elapsed();
        assert_eq!(status, 200, "GET /api/session");
        assert!(len > 0, "a page");
        if during {
            samples.push(took);
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    samples
}

fn main() {
    let a = args();
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("kiosk.db");
    let config = dir.path().join("kiosk.toml");
    tests::staff::staff_config(&config, &[(USER, PASSWORD, &["supervisor"])]);
    let t = Instant::now();
    let verify_alone = fill(&db, a.entries);
    let filled = t.elapsed();
    let db_arg = db.to_string_lossy().to_string();
    let config_arg = config.to_string_lossy().to_string();
    let bin = a
        .kiosk
        .clone()
        .unwrap_or_else(|| tests::sibling_bin("kiosk"));
    let k = Served::start(&bin, &["--db", &db_arg, "--config", &config_arg]);
    let cookie = tests::staff::login(&k, USER, PASSWORD);
    let audit_page = || {
        let t = Instant::now();
        let r = k.get("/staff/audit", Some(&cookie));
        assert_eq!(r.status, 200, "/staff/audit: {}", r.body);
        t.elapsed()
    };
    let first = audit_page();

    // Alone.
    let stop = AtomicBool::new(false);
    let quiet = std::thread::scope(|s| {
        let poller = s.spawn(|| poll_session(&k.addr, &stop, None));
        std::thread::sleep(Duration::from_secs(a.seconds.div_ceil(2)));
        stop.store(true, Ordering::SeqCst);
        poller
            .join()
            .unwrap_or_else(|_| panic!("the poller panicked"))
    });

    // While the audit page verifies the chain, back to back.
    let stop = AtomicBool::new(false);
    let busy = AtomicBool::new(false);
    let audits = AtomicUsize::new(0);
    let (during, audit_times) = std::thread::scope(|s| {
        let auditor = s.spawn(|| {
            let mut times = Samples::default();
            while !stop.load(Ordering::SeqCst) {
                busy.store(true, Ordering::SeqCst);
                times.push(audit_page());
                busy.store(false, Ordering::SeqCst);
                audits.fetch_add(1, Ordering::SeqCst);
            }
            times
        });
        // The first verify is under way before the screen starts polling.
        std::thread::sleep(Duration::from_millis(50));
        let poller = s.spawn(|| poll_session(&k.addr, &stop, Some(&busy)));
        std::thread::sleep(Duration::from_secs(a.seconds));
        stop.store(true, Ordering::SeqCst);
        let during = poller
            .join()
            .unwrap_or_else(|_| panic!("the poller panicked"));
        let times = auditor
            .join()
            .unwrap_or_else(|_| panic!("the auditor panicked"));
        (during, times)
    });
    let max = |s: &Samples| s.percentile(100.0).map_or_else(|| "–".into(), ms);

    println!(
        "## The citizen's screen while the audit chain is verified ({} entries)\n",
        a.entries
    );
    println!(
        "Chain written in {} ({} entries a transaction); verified in-process alone in {}; the \
         first `/staff/audit` page took {}.\n",
        ms(filled),
        CHUNK,
        ms(verify_alone),
        ms(first)
    );
    println!("| `GET /api/session` (keep-alive, 1 request/ms) | requests | p50 | p99 | max |");
    println!("|---|---|---|---|---|");
    println!(
        "| alone | {} | {} | {} |",
        quiet.len(),
        quiet.p50_p99().replace(" / ", " | "),
        max(&quiet)
    );
    println!(
        "| while `/staff/audit` verifies ({} pages, each p50 / p99 {}) | {} | {} | {} |",
        audits.load(Ordering::SeqCst),
        audit_times.p50_p99(),
        during.len(),
        during.p50_p99().replace(" / ", " | "),
        max(&during)
    );
}
