//! `kiosk serve --sim` as a process and plain HTTP/1.1 requests to it, for the tests that talk
//! to the service the way a browser or an API client does.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running `kiosk serve --sim` on a free loopback port; killed when dropped.
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

/// One answer: status, the header block as text, the body.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub head: String,
    pub body: String,
}

impl Reply {
    /// A header's value (names compared without case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

impl Kiosk {
    /// Starts `kiosk serve --sim` with the demo registry and waits for its address.
    pub fn start() -> Kiosk {
        let mut child = Command::new(crate::workspace_bin("kiosk"))
            .args(["serve", "--sim", "--listen", "127.0.0.1:0", "--root"])
            .arg(crate::kiosk::root())
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

    fn send(&self, method: &str, path: &str, ctype: Option<&str>, body: &[u8]) -> TcpStream {
        let mut s = TcpStream::connect(&self.addr).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        let ctype = ctype
            .map(|c| format!("Content-Type: {c}\r\n"))
            .unwrap_or_default();
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n{ctype}Content-Length: {}\r\n\r\n",
            self.addr,
            body.len()
        );
        s.write_all(head.as_bytes()).expect("request head");
        // The service may answer (413) and close before reading all of a large body.
        let _ = s.write_all(body);
        s
    }

    /// One request; the whole answer.
    pub fn request(&self, method: &str, path: &str, ctype: Option<&str>, body: &[u8]) -> Reply {
        let mut s = self.send(method, path, ctype, body);
        let mut raw = Vec::new();
        if let Err(e) = s.read_to_end(&mut raw) {
            // A reset after the answer arrived (the body was not read) is still an answer.
            assert!(!raw.is_empty(), "{method} {path}: {e}");
        }
        let text = String::from_utf8_lossy(&raw).to_string();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        Reply {
            status: status_of(head),
            head: head.to_string(),
            body: body.to_string(),
        }
    }

    /// A JSON request.
    pub fn json(&self, method: &str, path: &str, body: &serde_json::Value) -> Reply {
        self.request(
            method,
            path,
            Some("application/json"),
            body.to_string().as_bytes(),
        )
    }

    /// One request; only the status line and headers (for endless answers such as
    /// server-sent events). The body is left unread.
    pub fn head_only(&self, method: &str, path: &str) -> Reply {
        let s = self.send(method, path, None, b"");
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut reader = BufReader::new(s);
        let mut head = String::new();
        loop {
            let mut line = String::new();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) if line == "\r\n" => break,
                Ok(_) => head.push_str(&line),
            }
        }
        Reply {
            status: status_of(&head),
            head: head.trim_end().to_string(),
            body: String::new(),
        }
    }
}

fn status_of(head: &str) -> u16 {
    head.split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}
