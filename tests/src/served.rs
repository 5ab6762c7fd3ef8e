//! A `kiosk serve --sim` process and a minimal HTTP/1.1 client for it: what the serve tests
//! and the kiosk benchmark drive, the way the kiosk's browser and the hardware panel do.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

/// A running `kiosk serve --sim` on a free loopback port; killed when dropped.
pub struct Served {
    child: Child,
    pub addr: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP answer.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    /// The status line and headers.
    pub head: String,
    pub body: String,
}

impl Answer {
    /// The `Location` header, if any.
    pub fn location(&self) -> Option<&str> {
        self.head
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("location:"))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim())
    }

    /// `name=value` of the first `Set-Cookie` header, if any.
    pub fn cookie(&self) -> Option<String> {
        self.head
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
            .and_then(|l| l.split_once(':'))
            .and_then(|(_, v)| v.split(';').next())
            .map(|c| c.trim().to_string())
    }
}

impl Served {
    /// Starts `bin serve --sim` with the repository's data, plus `extra` arguments, and waits
    /// for its "serving on http://…" line.
    pub fn start(bin: &Path, extra: &[&str]) -> Served {
        let mut child = Command::new(bin)
            .args(["serve", "--sim", "--listen", "127.0.0.1:0", "--root"])
            .arg(crate::kiosk::root())
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("{} serve: {e}", bin.display()));
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the serving line");
        let addr = line
            .split("http://")
            .nth(1)
            .and_then(|r| r.split('/').next())
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .trim()
            .to_string();
        Served { child, addr }
    }

    /// The process id (for its memory use).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The workspace's `kiosk` binary (see [`crate::workspace_bin`]).
    pub fn start_workspace(extra: &[&str]) -> Served {
        Served::start(&crate::workspace_bin("kiosk"), extra)
    }

    /// One request on a fresh connection, with an optional cookie.
    pub fn request_with(
        &self,
        method: &str,
        path: &str,
        ctype: &str,
        body: &str,
        cookie: Option<&str>,
    ) -> Answer {
        let mut s = TcpStream::connect(&self.addr).expect("connect to the kiosk");
        s.set_read_timeout(Some(Duration::from_secs(60)))
            .expect("read timeout");
        let cookie = cookie
            .map(|c| format!("Cookie: {c}\r\n"))
            .unwrap_or_default();
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n{cookie}Content-Type: {ctype}\r\nContent-Length: {}\r\n\r\n{body}",
            self.addr,
            body.len()
        )
        .expect("send the request");
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).expect("the response");
        let text = String::from_utf8_lossy(&raw).to_string();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        Answer {
            status,
            head: head.to_string(),
            body: body.to_string(),
        }
    }

    pub fn request(&self, method: &str, path: &str, ctype: &str, body: &str) -> Answer {
        self.request_with(method, path, ctype, body, None)
    }

    pub fn get(&self, path: &str, cookie: Option<&str>) -> Answer {
        self.request_with("GET", path, "text/plain", "", cookie)
    }

    /// A form post (`body` already URL-encoded).
    pub fn post_form(&self, path: &str, body: &str, cookie: Option<&str>) -> Answer {
        self.request_with(
            "POST",
            path,
            "application/x-www-form-urlencoded",
            body,
            cookie,
        )
    }

    /// A JSON post that must succeed; its JSON answer.
    pub fn post_json(&self, path: &str, body: &Value) -> Value {
        self.api("POST", path, body)
    }

    /// A JSON request that must succeed; its JSON answer (`Null` when the body is not JSON).
    pub fn api(&self, method: &str, path: &str, body: &Value) -> Value {
        let a = self.request(method, path, "application/json", &body.to_string());
        assert!(a.status < 400, "{method} {path}: {} {}", a.status, a.body);
        serde_json::from_str(&a.body).unwrap_or(Value::Null)
    }

    /// The current page as JSON.
    pub fn screen(&self) -> Value {
        let a = self.request("GET", "/api/session", "text/plain", "");
        serde_json::from_str(&a.body).expect("a JSON page")
    }

    /// Waits until the session screen satisfies `ok` (devices are polled by their threads).
    pub fn wait_screen(&self, what: &str, ok: impl Fn(&Value) -> bool) -> Value {
        for _ in 0..200 {
            let page = self.screen();
            if ok(&page) {
                return page;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!("timed out waiting for {what}: {}", self.screen());
    }
}

/// The screen kind of a JSON page (`home`, `ask`, `confirm`, …).
pub fn kind(page: &Value) -> &str {
    page["screen"]["screen"].as_str().unwrap_or("")
}
