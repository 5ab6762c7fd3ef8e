//! `Printer` against a hand-written responder on a pty (independent of hw-sim): status
//! answers decide, bad answers and silence are typed errors within the timeout.

use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use card_io::printer::{Paper, Printer, PrinterConfig, PrinterError, Receipt};
use serialport::{SerialPort, TTYPort};

/// Answers `10 04 01` with `online` and `10 04 04` with `paper`, collecting everything else.
struct Responder {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<Vec<u8>>>,
    _slave: TTYPort,
}

impl Responder {
    fn start(online: u8, paper: u8) -> (String, Responder) {
        let (mut master, slave) = TTYPort::pair().expect("pty pair");
        master
            .set_timeout(Duration::from_millis(20))
            .expect("timeout");
        let path = slave.name().expect("slave path");
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let mut seen = Vec::new();
            let mut buf = [0u8; 256];
            while !flag.load(Ordering::Acquire) {
                if let Ok(n) = master.read(&mut buf) {
                    seen.extend_from_slice(&buf[..n]);
                    while let Some(i) = seen.windows(3).position(|w| w[..2] == [0x10, 0x04]) {
                        let answer = if seen[i + 2] == 1 { online } else { paper };
                        master.write_all(&[answer]).expect("answer");
                        seen.drain(i..i + 3);
                    }
                }
            }
            seen
        });
        (
            path,
            Responder {
                stop,
                thread: Some(thread),
                _slave: slave,
            },
        )
    }

    fn finish(mut self) -> Vec<u8> {
        self.stop.store(true, Ordering::Release);
        self.thread
            .take()
            .expect("thread")
            .join()
            .expect("responder")
    }
}

fn config() -> PrinterConfig {
    PrinterConfig {
        answer_timeout: Duration::from_millis(300),
        ..PrinterConfig::default()
    }
}

#[test]
fn prints_when_ready_and_reports_near_end() {
    let (path, responder) = Responder::start(0x12, 0x1E);
    let mut p = Printer::open(&path, config()).expect("open");
    let receipt = Receipt::new("回执").field("业务", "状态查询");
    let report = p.print(&receipt).expect("print");
    assert!(report.paper_near_end);
    let sent = responder.finish();
    assert_eq!(sent, receipt.encode().expect("encode"));
}

#[test]
fn paper_out_refused_before_sending() {
    let (path, responder) = Responder::start(0x1A, 0x72);
    let mut p = Printer::open(&path, config()).expect("open");
    assert!(matches!(
        p.print(&Receipt::new("x")),
        Err(PrinterError::PaperOut)
    ));
    assert!(responder.finish().is_empty());
}

#[test]
fn offline_refused() {
    let (path, _responder) = Responder::start(0x1A, 0x12);
    let mut p = Printer::open(&path, config()).expect("open");
    let s = p.status().expect("status");
    assert!(!s.online);
    assert_eq!(s.paper, Paper::Ok);
    assert!(matches!(p.ready(), Err(PrinterError::Offline)));
}

#[test]
fn garbage_answer_is_bad_status() {
    let (path, _responder) = Responder::start(0x12, 0xFF);
    let mut p = Printer::open(&path, config()).expect("open");
    assert!(matches!(
        p.status(),
        Err(PrinterError::BadStatus {
            query: 4,
            byte: 0xFF
        })
    ));
}

#[test]
fn silence_times_out() {
    let (_master, slave) = TTYPort::pair().expect("pty pair");
    let path = slave.name().expect("slave path");
    let mut p = Printer::open(&path, config()).expect("open");
    let t = Instant::now();
    match p.print(&Receipt::new("x")) {
        Err(PrinterError::NotAnswering {
            query: 4,
            timeout_ms: 300,
        }) => {}
        other => panic!("expected not answering, got {other:?}"),
    }
    let took = t.elapsed();
    assert!(
        took >= Duration::from_millis(290) && took < Duration::from_secs(2),
        "{took:?}"
    );
}

#[test]
fn unencodable_text_sends_nothing() {
    let (path, responder) = Responder::start(0x12, 0x12);
    let mut p = Printer::open(&path, config()).expect("open");
    assert!(matches!(
        p.print(&Receipt::new("x").field("a", "\u{E5E5}")),
        Err(PrinterError::Unencodable { ch: '\u{E5E5}' })
    ));
    assert!(responder.finish().is_empty());
}
