//! A login flood against a served kiosk: `clients` threads each posting `per_client` failed
//! logins with distinct user names (each with the login form's token and cookie), while one
//! more thread reads `GET /api/session` on a keep-alive connection every millisecond; the
//! kiosk's resident memory before, at the end of, and after the flood. What
//! `login-flood-bench` reports and the security test checks.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::served::Served;
use crate::timing::Samples;

/// How long the kiosk takes to give back one failure of its login budget
/// (`kiosk_service::staff::gate::FAILURE_REFILL`).
pub const FAILURE_REFILL: Duration = kiosk_service::staff::gate::FAILURE_REFILL;

/// What a flood did.
#[derive(Debug)]
pub struct Flood {
    /// Resident memory (KiB) when idle before, right after, and `settle` after the flood.
    pub rss_idle_kib: u64,
    pub rss_end_kib: u64,
    pub rss_after_kib: u64,
    /// How many logins got each status.
    pub statuses: BTreeMap<u16, usize>,
    /// `/api/session` latencies during the flood.
    pub session: Samples,
    /// How long the flood took.
    pub took: Duration,
}

/// The resident set size of process `pid`, KiB (0 when unreadable).
pub fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// One `GET path` on a keep-alive connection: the status.
fn keep_alive_get(reader: &mut BufReader<TcpStream>, addr: &str, path: &str) -> u16 {
    let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n");
    if reader.get_mut().write_all(req.as_bytes()).is_err() {
        return 0;
    }
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return 0;
    }
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let mut length = 0usize;
    loop {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return 0,
            Ok(_) if line == "\r\n" => break,
            Ok(_) => {
                if let Some((n, v)) = line.split_once(':') {
                    if n.trim().eq_ignore_ascii_case("content-length") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                }
            }
        }
    }
    let mut body = vec![0u8; length];
    if reader.read_exact(&mut body).is_err() {
        return 0;
    }
    status
}

/// Floods `k` with `clients` × `per_client` failed logins; memory read again `settle`
/// after the last answer.
pub fn flood(k: &Served, clients: usize, per_client: usize, settle: Duration) -> Flood {
    let pid = k.pid();
    std::thread::sleep(Duration::from_millis(500));
    let rss_idle_kib = rss_kib(pid);
    // Every client gets its form first, so the flood itself is only the posts.
    let forms: Vec<Vec<(String, String)>> = (0..clients)
        .map(|_| {
            (0..per_client)
                .map(|_| crate::staff::login_form(k))
                .collect()
        })
        .collect();
    let stop = Arc::new(AtomicBool::new(false));
    let poller = {
        let (stop, addr) = (stop.clone(), k.addr.clone());
        std::thread::spawn(move || {
            let s = TcpStream::connect(&addr).expect("connect to the kiosk");
            s.set_nodelay(true).expect("nodelay");
            let mut reader = BufReader::new(s);
            let mut samples = Samples::default();
            while !stop.load(Ordering::SeqCst) {
                let t = Instant::now();
                let status = keep_alive_get(&mut reader, &addr, "/api/session");
                assert_eq!(status, 200, "GET /api/session during the flood");
                samples.push(t.elapsed());
                std::thread::sleep(Duration::from_millis(1));
            }
            samples
        })
    };
    let t = Instant::now();
    let workers: Vec<_> = forms
        .into_iter()
        .enumerate()
        .map(|(c, forms)| {
            let addr = k.addr.clone();
            std::thread::spawn(move || {
                forms
                    .into_iter()
                    .enumerate()
                    .map(|(i, (token, cookie))| {
                        let body = format!("csrf={token}&user=flood-{c}-{i}&password=wrong-{i}");
                        post(&addr, &body, &cookie)
                    })
                    .collect::<Vec<u16>>()
            })
        })
        .collect();
    let mut statuses = BTreeMap::new();
    for w in workers {
        for status in w.join().expect("a flood client") {
            *statuses.entry(status).or_insert(0) += 1;
        }
    }
    let took = t.elapsed();
    stop.store(true, Ordering::SeqCst);
    let session = poller.join().expect("the session poller");
    let rss_end_kib = rss_kib(pid);
    std::thread::sleep(settle);
    Flood {
        rss_idle_kib,
        rss_end_kib,
        rss_after_kib: rss_kib(pid),
        statuses,
        session,
        took,
    }
}

/// One login post on its own connection: the status.
fn post(addr: &str, body: &str, cookie: &str) -> u16 {
    let Ok(mut s) = TcpStream::connect(addr) else {
        return 0;
    };
    let req = format!(
        "POST /staff/login HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nCookie: {cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    if s.write_all(req.as_bytes()).is_err() {
        return 0;
    }
    let mut line = String::new();
    match BufReader::new(s).read_line(&mut line) {
        Ok(_) => line
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0),
        Err(_) => 0,
    }
}
