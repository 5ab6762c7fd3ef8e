//! A `kiosk serve` process and plain HTTP/1.1 requests to it, for the tests that drive the
//! kiosk like its browser and the hardware panel do.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A running `kiosk serve`; killed when dropped.
pub struct Kiosk {
    child: Child,
    pub addr: String,
}

impl Drop for Kiosk {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Kiosk {
    /// `kiosk serve --sim` on a free port, with `extra` arguments.
    pub fn sim(extra: &[&str]) -> Kiosk {
        Kiosk::serve(&["--sim"], extra)
    }

    /// `kiosk serve` with `args` then `extra`, on a free port, from the workspace root.
    pub fn serve(args: &[&str], extra: &[&str]) -> Kiosk {
        let mut child = Command::new(crate::workspace_bin("kiosk"))
            .arg("serve")
            .args(args)
            .args(["--listen", "127.0.0.1:0", "--root"])
            .arg(crate::kiosk::root())
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("kiosk serve starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the serving line");
        let addr = line
            .split("http://")
            .nth(1)
            .and_then(|r| r.split('/').next())
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .to_string();
        Kiosk { child, addr }
    }

    /// One request; (status, body).
    pub fn request(&self, method: &str, path: &str, ctype: &str, body: &str) -> (u16, String) {
        let mut s = TcpStream::connect(&self.addr).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(60)))
            .expect("read timeout");
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n\r\n{body}",
            self.addr,
            body.len()
        )
        .expect("request sent");
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).expect("response");
        let text = String::from_utf8_lossy(&raw).to_string();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        (status, body.to_string())
    }

    /// A JSON request that must succeed; its JSON answer (`Null` when empty).
    pub fn api(&self, method: &str, path: &str, body: Value) -> Value {
        let (status, text) = self.request(method, path, "application/json", &body.to_string());
        assert!(status < 400, "{method} {path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// The session's screen (or home) as JSON.
    pub fn screen(&self) -> Value {
        let (_, text) = self.request("GET", "/api/session", "text/plain", "");
        serde_json::from_str(&text).expect("JSON page")
    }

    /// `/api/devices`.
    pub fn devices(&self) -> Value {
        self.api("GET", "/api/devices", Value::Null)
    }

    /// One device's entry of `/api/devices/health` (`id_module`, `qr_scanner`, `printer`,
    /// `card_reader`).
    pub fn health(&self, device: &str) -> Value {
        let all = self.api("GET", "/api/devices/health", Value::Null);
        all["devices"]
            .as_array()
            .and_then(|v| v.iter().find(|d| d["device"] == device).cloned())
            .unwrap_or(Value::Null)
    }
}

/// The screen's kind (`home`, `ask`, `confirm`, `done`, `error`, …).
pub fn kind(page: &Value) -> &str {
    page["screen"]["screen"].as_str().unwrap_or("")
}

/// Polls `probe` until it gives `Some`, for up to a minute (generous: the device threads
/// work on their own time); panics with `what` and the last value otherwise.
pub fn eventually<T>(what: &str, mut probe: impl FnMut() -> Result<T, String>) -> T {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match probe() {
            Ok(v) => return v,
            Err(last) if Instant::now() >= deadline => {
                panic!("timed out waiting for {what}; last seen: {last}")
            }
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

/// A file in a fresh temporary directory (kept as long as the returned guard lives).
pub fn temp_file(name: &str, text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("temp file written");
    (dir, path)
}

/// Whether `path` exists (a pty the kiosk opens).
pub fn exists(path: &str) -> bool {
    Path::new(path).exists()
}
