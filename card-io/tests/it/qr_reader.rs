//! The QR reader thread over a scripted byte source: scans become events, a partial line
//! followed by silence is dropped, stop is prompt, and the end of the source is "port lost".

use std::io::{ErrorKind, Read};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use card_io::qr::{QrConfig, QrError, QrEvent, QrReader};

/// Bytes from a channel; a read times out after `poll`; a dropped sender is the end.
struct Scripted {
    rx: Receiver<Vec<u8>>,
    poll: Duration,
    pending: Vec<u8>,
}

impl Read for Scripted {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pending.is_empty() {
            match self.rx.recv_timeout(self.poll) {
                Ok(bytes) => self.pending = bytes,
                Err(RecvTimeoutError::Timeout) => return Err(ErrorKind::TimedOut.into()),
                Err(RecvTimeoutError::Disconnected) => return Ok(0),
            }
        }
        let n = buf.len().min(self.pending.len());
        buf[..n].copy_from_slice(&self.pending[..n]);
        self.pending.drain(..n);
        Ok(n)
    }
}

fn reader(config: QrConfig) -> (Sender<Vec<u8>>, QrReader) {
    let (tx, rx) = mpsc::channel();
    let source = Scripted {
        rx,
        poll: config.poll,
        pending: Vec::new(),
    };
    let reader = QrReader::from_reader(source, "scripted".into(), config).expect("start reader");
    (tx, reader)
}

const WAIT: Duration = Duration::from_secs(2);

#[test]
fn scans_and_errors_arrive_in_order() {
    let (tx, r) = reader(QrConfig {
        max_line: 16,
        ..QrConfig::default()
    });
    tx.send(b"first\r\n".to_vec()).expect("send");
    tx.send(b"0123456789abcdefXYZ\r\nsec".to_vec())
        .expect("send");
    tx.send(b"ond\r".to_vec()).expect("send");
    match r.next_event(WAIT) {
        Some(QrEvent::Scan(s)) => assert_eq!(s.payload, "first"),
        other => panic!("expected a scan, got {other:?}"),
    }
    match r.next_event(WAIT) {
        Some(QrEvent::Error(QrError::TooLong { limit: 16 })) => {}
        other => panic!("expected too long, got {other:?}"),
    }
    match r.next_event(WAIT) {
        Some(QrEvent::Scan(s)) => assert_eq!(s.payload, "second"),
        other => panic!("expected a scan, got {other:?}"),
    }
    r.stop();
}

#[test]
fn partial_line_dropped_after_the_gap() {
    let (tx, r) = reader(QrConfig {
        poll: Duration::from_millis(20),
        line_gap: Duration::from_millis(150),
        ..QrConfig::default()
    });
    tx.send(b"\x01\x02noise".to_vec()).expect("send");
    match r.next_event(WAIT) {
        Some(QrEvent::Error(QrError::Incomplete { len: 7, gap_ms })) => {
            assert!(gap_ms >= 150)
        }
        other => panic!("expected incomplete, got {other:?}"),
    }
    tx.send(b"clean\r\n".to_vec()).expect("send");
    match r.next_event(WAIT) {
        Some(QrEvent::Scan(s)) => assert_eq!(s.payload, "clean"),
        other => panic!("expected a scan, got {other:?}"),
    }
}

#[test]
fn split_line_within_the_gap_is_one_scan() {
    let (tx, r) = reader(QrConfig {
        poll: Duration::from_millis(10),
        line_gap: Duration::from_millis(300),
        ..QrConfig::default()
    });
    for piece in [&b"ab"[..], b"c", b"de\r", b"\n"] {
        tx.send(piece.to_vec()).expect("send");
        std::thread::sleep(Duration::from_millis(30));
    }
    match r.next_event(WAIT) {
        Some(QrEvent::Scan(s)) => assert_eq!(s.payload, "abcde"),
        other => panic!("expected a scan, got {other:?}"),
    }
    assert!(r.next_event(Duration::from_millis(100)).is_none());
}

#[test]
fn end_of_source_is_port_lost() {
    let (tx, r) = reader(QrConfig::default());
    drop(tx);
    match r.next_event(WAIT) {
        Some(QrEvent::PortLost(QrError::PortLost { path, .. })) => assert_eq!(path, "scripted"),
        other => panic!("expected port lost, got {other:?}"),
    }
    let deadline = Instant::now() + WAIT;
    while r.is_running() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(!r.is_running());
}

#[test]
fn stop_is_prompt() {
    let (_tx, r) = reader(QrConfig {
        poll: Duration::from_millis(50),
        ..QrConfig::default()
    });
    let t = Instant::now();
    r.stop();
    assert!(
        t.elapsed() < Duration::from_millis(500),
        "{:?}",
        t.elapsed()
    );
}

#[test]
fn open_missing_port_is_an_error() {
    match QrReader::open("/dev/does-not-exist-qr", QrConfig::default()) {
        Err(QrError::Open { path, .. }) => assert!(path.ends_with("does-not-exist-qr")),
        other => panic!("expected an open error, got {other:?}"),
    }
}
