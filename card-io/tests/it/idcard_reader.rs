//! The read sequence over an in-memory port: a scripted module answers each command, so
//! every status, retry and timeout path runs without a serial port.

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::time::Duration;

use card_io::date::Date;
use card_io::idcard::codec::{encode_answer, Decoder};
use card_io::idcard::{Failure, IdReader, IdText, Port, ReaderConfig, ReaderError, Sex, Validity};

/// What the scripted module does with one command.
enum Reply {
    Bytes(Vec<u8>),
    Silence,
    /// The port goes away (read returns 0 bytes).
    Hangup,
}

/// A port whose far end answers commands through `script(cmd, para, nth)`.
struct ScriptPort<F: FnMut([u8; 2], usize) -> Reply> {
    script: F,
    decoder: Decoder,
    inbox: VecDeque<u8>,
    seen: Vec<[u8; 2]>,
    hangup: bool,
    timeout: Duration,
    discards: usize,
}

impl<F: FnMut([u8; 2], usize) -> Reply> ScriptPort<F> {
    fn new(script: F) -> Self {
        ScriptPort {
            script,
            decoder: Decoder::new(),
            inbox: VecDeque::new(),
            seen: Vec::new(),
            hangup: false,
            timeout: Duration::from_millis(10),
            discards: 0,
        }
    }
}

impl<F: FnMut([u8; 2], usize) -> Reply> Write for ScriptPort<F> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.decoder.push(buf);
        while let Some(frame) = self.decoder.next_frame() {
            let c = frame.unwrap().command().unwrap();
            let cmd = [c.cmd, c.para];
            let nth = self.seen.iter().filter(|s| **s == cmd).count();
            self.seen.push(cmd);
            match (self.script)(cmd, nth) {
                Reply::Bytes(b) => self.inbox.extend(b),
                Reply::Silence => {}
                Reply::Hangup => self.hangup = true,
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<F: FnMut([u8; 2], usize) -> Reply> Read for ScriptPort<F> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.hangup {
            return Ok(0);
        }
        if self.inbox.is_empty() {
            std::thread::sleep(self.timeout.min(Duration::from_millis(5)));
            return Err(io::ErrorKind::TimedOut.into());
        }
        // A few bytes at a time, as a UART delivers them.
        let n = buf.len().min(self.inbox.len()).min(17);
        for (slot, b) in buf.iter_mut().zip(self.inbox.drain(..n)) {
            *slot = b;
        }
        Ok(n)
    }
}

impl<F: FnMut([u8; 2], usize) -> Reply> Port for ScriptPort<F> {
    fn set_read_timeout(&mut self, timeout: Duration) -> io::Result<()> {
        self.timeout = timeout;
        Ok(())
    }

    fn discard_input(&mut self) -> io::Result<()> {
        self.discards += 1;
        self.inbox.clear();
        Ok(())
    }
}

fn text() -> IdText {
    IdText {
        name: "马丽".into(),
        sex: Sex::Female,
        ethnicity_code: 3,
        birth_date: Date::new(1992, 3, 14).unwrap(),
        address: "新疆昌吉市延安北路88号".into(),
        id_number: "652302199203140023".into(),
        authority: "昌吉市公安局".into(),
        valid_from: Date::new(2012, 6, 1).unwrap(),
        valid_to: Validity::Until(Date::new(2022, 6, 1).unwrap()),
    }
}

fn ok(sw3: u8, data: &[u8]) -> Reply {
    Reply::Bytes(encode_answer([0, 0, sw3], data).unwrap())
}

fn read_data(text_bytes: &[u8]) -> Vec<u8> {
    let mut d = vec![0x01, 0x00, 0x04, 0x00];
    d.extend_from_slice(text_bytes);
    d.extend((0..1024).map(|i| (i * 7) as u8));
    d
}

/// A well-behaved module.
fn good(cmd: [u8; 2], _nth: usize) -> Reply {
    match cmd {
        [0x11, 0xFF] => ok(0x90, &[]),
        [0x12, 0xFF] => ok(0x90, &[0x05, 0x01, 0x20, 0x24, 1, 2, 3, 4]),
        [0x20, 0x01] => ok(0x9F, &[0; 4]),
        [0x20, 0x02] => ok(0x90, &[0; 8]),
        [0x30, 0x01] => ok(0x90, &read_data(&text().encode().unwrap())),
        _ => ok(0x21, &[]),
    }
}

fn fast() -> ReaderConfig {
    ReaderConfig {
        module_timeout: Duration::from_millis(60),
        find_timeout: Duration::from_millis(60),
        select_timeout: Duration::from_millis(60),
        read_timeout: Duration::from_millis(60),
        ..ReaderConfig::default()
    }
}

#[test]
fn whole_sequence() {
    let mut r = IdReader::new(ScriptPort::new(good), fast());
    r.module_status().unwrap();
    let id = r.module_id().unwrap();
    assert_eq!(id.to_string(), "0501202401020304");
    let card = r.read_card().unwrap();
    assert_eq!(card.text, text());
    assert_eq!(card.photo_wlt.as_bytes()[1], 7);
    assert_eq!(card.module_id, Some(id));
    let port = r.port_mut();
    assert_eq!(
        port.seen,
        [
            [0x11, 0xFF],
            [0x12, 0xFF],
            [0x20, 0x01],
            [0x20, 0x02],
            [0x30, 0x01]
        ]
    );
    assert_eq!(port.discards, 5, "stale input dropped before each command");
    let t = r.traffic();
    assert_eq!(t.sent, 5 * 10);
    assert_eq!(t.received, 11 + 19 + 15 + 19 + (11 + 4 + 256 + 1024));
}

#[test]
fn a_step_that_fails_once_is_retried() {
    let script = |cmd: [u8; 2], nth: usize| match (cmd, nth) {
        ([0x20, 0x01], 0) => ok(0x80, &[]),
        ([0x20, 0x02], 0) => Reply::Silence,
        ([0x30, 0x01], 0) => {
            let mut f = encode_answer([0, 0, 0x90], &read_data(&text().encode().unwrap())).unwrap();
            f[100] ^= 0x55;
            Reply::Bytes(f)
        }
        _ => good(cmd, nth),
    };
    let mut r = IdReader::new(ScriptPort::new(script), fast());
    assert_eq!(r.read_card().unwrap().text, text());
    assert_eq!(r.port_mut().seen.len(), 6);
}

#[test]
fn a_good_answer_after_a_corrupt_one_is_taken_without_a_retry() {
    let script = |cmd: [u8; 2], nth: usize| match (cmd, nth) {
        ([0x20, 0x01], 0) => {
            // Line noise corrupts one answer; the module's next, intact answer follows.
            let mut bytes = encode_answer([0, 0, 0x9F], &[0; 4]).unwrap();
            let last = bytes.len() - 1;
            bytes[last] ^= 0x01;
            bytes.extend(encode_answer([0, 0, 0x9F], &[0; 4]).unwrap());
            Reply::Bytes(bytes)
        }
        _ => good(cmd, nth),
    };
    let mut r = IdReader::new(ScriptPort::new(script), fast());
    assert_eq!(r.read_card().unwrap().text, text());
    assert_eq!(r.port_mut().seen.len(), 3, "find, select, read: no retry");
}

fn failing(cmd: [u8; 2], reply: impl Fn() -> Reply) -> ReaderError {
    let script = move |c: [u8; 2], nth: usize| if c == cmd { reply() } else { good(c, nth) };
    let mut r = IdReader::new(ScriptPort::new(script), fast());
    let e = r.read_card().unwrap_err();
    let tries = r.port_mut().seen.iter().filter(|c| **c == cmd).count();
    assert_eq!(
        tries,
        if matches!(e, ReaderError::Closed { .. }) {
            1
        } else {
            2
        },
        "{e}"
    );
    e
}

#[test]
fn card_failures_after_the_retry() {
    let e = failing([0x20, 0x01], || ok(0x80, &[]));
    assert!(matches!(e, ReaderError::NoCard));
    assert_eq!(
        e.to_string(),
        "no ID card on the reader: place the card on the reader"
    );
    assert_eq!(e.failure(), Failure::Card);

    let e = failing([0x20, 0x02], || ok(0x81, &[]));
    assert!(matches!(e, ReaderError::SelectFailed), "{e}");
    let e = failing([0x30, 0x01], || ok(0x41, &[]));
    assert!(matches!(e, ReaderError::ReadFailed), "{e}");
    assert_eq!(e.failure(), Failure::Card);

    let e = failing([0x30, 0x01], || {
        let mut f = encode_answer([0, 0, 0x90], &read_data(&text().encode().unwrap())).unwrap();
        let last = f.len() - 1;
        f[last] ^= 1;
        Reply::Bytes(f)
    });
    assert!(matches!(e, ReaderError::Frame { .. }), "{e}");
    assert!(e.to_string().contains("read card (30 01)"), "{e}");
    assert!(e.to_string().contains("checksum"), "{e}");
    assert!(e.to_string().contains("cable"), "{e}");
    assert_eq!(
        e.failure(),
        Failure::Device,
        "a garbled line is not the card's fault"
    );
}

#[test]
fn bad_card_data() {
    let mut bad = text().encode().unwrap();
    bad[122 + 34] = b'9'; // last character of the ID number
    let e = failing([0x30, 0x01], move || ok(0x90, &read_data(&bad)));
    assert!(matches!(e, ReaderError::Text { .. }), "{e}");
    assert!(e.to_string().contains("ID number"), "{e}");
    assert_eq!(e.failure(), Failure::Card);

    let e = failing([0x30, 0x01], || {
        let mut d = read_data(&text().encode().unwrap());
        d[2] = 0x03;
        ok(0x90, &d)
    });
    assert!(e.to_string().contains("photo length 768"), "{e}");
    let e = failing([0x20, 0x02], || ok(0x90, &[0; 4]));
    assert!(e.to_string().contains("4 data bytes, expected 8"), "{e}");
}

#[test]
fn device_failures() {
    let e = failing([0x20, 0x01], || Reply::Silence);
    assert!(matches!(e, ReaderError::Timeout { attempts: 2, .. }), "{e}");
    assert!(
        e.to_string().contains("did not answer find card (20 01)"),
        "{e}"
    );
    assert_eq!(e.failure(), Failure::Device);

    let e = failing([0x20, 0x01], || ok(0x21, &[]));
    assert!(matches!(e, ReaderError::UnknownCommand { .. }), "{e}");
    assert_eq!(e.failure(), Failure::Device);

    let e = failing([0x20, 0x01], || {
        Reply::Bytes(encode_answer([0x6A, 0x82, 0x9F], &[]).unwrap())
    });
    assert!(e.to_string().contains("6A829F"), "{e}");

    let e = failing([0x20, 0x02], || Reply::Hangup);
    assert!(matches!(e, ReaderError::Closed { .. }), "{e}");
    assert_eq!(e.failure(), Failure::Device);
}

#[test]
fn module_reports_about_our_frames() {
    let e = failing([0x20, 0x01], || ok(0x10, &[]));
    assert!(matches!(e, ReaderError::ModuleChecksum { .. }), "{e}");
    let e = failing([0x20, 0x01], || ok(0x11, &[]));
    assert!(matches!(e, ReaderError::ModuleLength { .. }), "{e}");
}

#[test]
fn stale_bytes_are_not_taken_for_an_answer() {
    // A "no card" answer left on the line (e.g. a late answer to an attempt the reader gave
    // up on) must not be read as the answer to the next command.
    let mut port = ScriptPort::new(good);
    port.inbox.extend(encode_answer([0, 0, 0x80], &[]).unwrap());
    let mut r = IdReader::new(port, fast());
    r.find_card().unwrap();
}

#[test]
fn a_silent_first_attempt_is_retried() {
    let script = |cmd: [u8; 2], nth: usize| match (cmd, nth) {
        ([0x20, 0x01], 0) => Reply::Silence,
        _ => good(cmd, nth),
    };
    let mut r = IdReader::new(ScriptPort::new(script), fast());
    r.find_card().unwrap();
    assert_eq!(r.port_mut().seen, [[0x20, 0x01], [0x20, 0x01]]);
}
