//! `hw-sim qr` as a process: the first stdout line is the pty path; lines on stdin come out
//! of the pty as scans ending in CR LF, with the faults asked for.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use serialport::SerialPort;

struct Sim {
    child: Child,
    stdin: ChildStdin,
    _stdout: BufReader<ChildStdout>,
    path: String,
}

impl Sim {
    fn start() -> Sim {
        let mut child = Command::new(env!("CARGO_BIN_EXE_hw-sim"))
            .args(["qr", "--long-len", "1500"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start hw-sim qr");
        let stdin = child.stdin.take().expect("stdin");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut path = String::new();
        stdout.read_line(&mut path).expect("first line");
        let path = path.trim().to_owned();
        assert!(path.starts_with("/dev/pts/"), "first line {path:?}");
        Sim {
            child,
            stdin,
            _stdout: stdout,
            path,
        }
    }

    fn send(&mut self, line: &str) {
        writeln!(self.stdin, "{line}").expect("write stdin");
        self.stdin.flush().expect("flush stdin");
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn open(path: &str) -> Box<dyn SerialPort> {
    serialport::new(path, 9600)
        .timeout(Duration::from_millis(50))
        .open()
        .expect("open pty")
}

/// Reads until `want` bytes came or two seconds passed.
fn read_bytes(port: &mut Box<dyn SerialPort>, want: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 512];
    let deadline = Instant::now() + Duration::from_secs(2);
    while out.len() < want && Instant::now() < deadline {
        if let Ok(n) = port.read(&mut buf) {
            out.extend_from_slice(&buf[..n]);
        }
    }
    out
}

/// Reads until the bytes end with `suffix` or two seconds passed.
fn read_until_suffix(port: &mut Box<dyn SerialPort>, suffix: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 512];
    let deadline = Instant::now() + Duration::from_secs(2);
    while !out.ends_with(suffix) && Instant::now() < deadline {
        if let Ok(n) = port.read(&mut buf) {
            out.extend_from_slice(&buf[..n]);
        }
    }
    out
}

#[test]
fn scans_and_faults() {
    let mut sim = Sim::start();
    let mut port = open(&sim.path);

    sim.send("https://ecard.example/qr?c=电子社保卡");
    let want = "https://ecard.example/qr?c=电子社保卡\r\n".as_bytes();
    assert_eq!(read_bytes(&mut port, want.len()), want);

    sim.send("scan fault none");
    assert_eq!(read_bytes(&mut port, 12), b"fault none\r\n");

    sim.send("fault long");
    sim.send("after-long");
    let got = read_bytes(&mut port, 1500 + 2 + 12);
    assert_eq!(got.len(), 1514);
    assert!(got.ends_with(b"\r\nafter-long\r\n"));

    sim.send("fault split");
    sim.send("split-scan-payload");
    assert_eq!(read_bytes(&mut port, 20), b"split-scan-payload\r\n");

    sim.send("fault garbage");
    sim.send("after-noise");
    let end = b"\r\nafter-noise\r\n";
    let got = read_until_suffix(&mut port, end);
    assert!(got.ends_with(end), "{got:?}");
    assert_eq!(got[0], 0xFF);
}
