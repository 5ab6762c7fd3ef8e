//! A `kiosk serve --sim` process and a minimal HTTP/1.1 client for it: what the serve tests
//! and the kiosk benchmark drive, the way the kiosk's browser and the hardware panel do.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

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
    /// A header's value (names compared without case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }

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
        Served::start_args(bin, &["--sim"], extra)
    }

    /// Starts `bin serve ARGS --listen 127.0.0.1:0 --root REPO EXTRA` and waits for its
    /// "serving on http://…" line.
    pub fn start_args(bin: &Path, args: &[&str], extra: &[&str]) -> Served {
        let mut child = Command::new(bin)
            .arg("serve")
            .args(args)
            .args(["--listen", "127.0.0.1:0", "--root"])
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

    /// Starts the workspace's `kiosk serve ARGS --listen 127.0.0.1:0 --root REPO` with `env`
    /// added to its environment and its standard output and error written to the files
    /// `stdout` and `stderr` (read by the caller once the kiosk is dropped); waits up to a
    /// minute for the "serving on http://…" line in `stdout`.
    pub fn start_logged(
        args: &[&str],
        env: &[(&str, &str)],
        stdout: &Path,
        stderr: &Path,
    ) -> Served {
        let bin = crate::workspace_bin("kiosk");
        let file =
            |p: &Path| std::fs::File::create(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        let child = Command::new(&bin)
            .arg("serve")
            .args(args)
            .args(["--listen", "127.0.0.1:0", "--root"])
            .arg(crate::kiosk::root())
            .envs(env.iter().copied())
            .stdout(file(stdout))
            .stderr(file(stderr))
            .spawn()
            .unwrap_or_else(|e| panic!("{} serve: {e}", bin.display()));
        let mut served = Served {
            child,
            addr: String::new(),
        };
        served.addr = eventually("the serving line", || {
            let text = std::fs::read_to_string(stdout).unwrap_or_default();
            text.lines()
                .find_map(|l| l.split("http://").nth(1))
                .and_then(|r| r.split('/').next())
                .map(|a| a.trim().to_string())
                .ok_or(text)
        });
        served
    }

    /// The workspace's `kiosk serve --sim` with `extra` arguments.
    pub fn sim(extra: &[&str]) -> Served {
        Served::start_workspace(extra)
    }

    /// The process id (for its memory use).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The workspace's `kiosk` binary (see [`crate::workspace_bin`]).
    pub fn start_workspace(extra: &[&str]) -> Served {
        Served::start(&crate::workspace_bin("kiosk"), extra)
    }

    fn send(
        &self,
        method: &str,
        path: &str,
        ctype: Option<&str>,
        cookie: Option<&str>,
        body: &[u8],
    ) -> TcpStream {
        self.try_send(method, path, ctype, cookie, body)
            .expect("connect to the kiosk")
    }

    fn try_send(
        &self,
        method: &str,
        path: &str,
        ctype: Option<&str>,
        cookie: Option<&str>,
        body: &[u8],
    ) -> std::io::Result<TcpStream> {
        let mut s = TcpStream::connect(&self.addr)?;
        s.set_read_timeout(Some(Duration::from_secs(60)))?;
        let ctype = ctype
            .map(|c| format!("Content-Type: {c}\r\n"))
            .unwrap_or_default();
        let cookie = cookie
            .map(|c| format!("Cookie: {c}\r\n"))
            .unwrap_or_default();
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n{cookie}{ctype}Content-Length: {}\r\n\r\n",
            self.addr,
            body.len()
        );
        s.write_all(head.as_bytes())?;
        // The service may answer (413) and close before reading all of a large body.
        let _ = s.write_all(body);
        Ok(s)
    }

    /// A JSON request that may find the kiosk gone (killed by a crash test): the answer, or
    /// why there was none (no connection, or the connection closed before any answer).
    pub fn try_json(&self, method: &str, path: &str, body: &Value) -> Result<Answer, String> {
        let text = body.to_string();
        let mut s = self
            .try_send(
                method,
                path,
                Some("application/json"),
                None,
                text.as_bytes(),
            )
            .map_err(|e| format!("{method} {path}: {e}"))?;
        let mut raw = Vec::new();
        let read = s.read_to_end(&mut raw);
        if raw.is_empty() {
            return Err(format!("{method} {path}: no answer ({read:?})"));
        }
        let text = String::from_utf8_lossy(&raw).to_string();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        Ok(Answer {
            status: status_of(head),
            head: head.to_string(),
            body: body.to_string(),
        })
    }

    /// One request on a fresh connection: any bytes as the body, any or no content type.
    pub fn request_raw(
        &self,
        method: &str,
        path: &str,
        ctype: Option<&str>,
        cookie: Option<&str>,
        body: &[u8],
    ) -> Answer {
        let mut s = self.send(method, path, ctype, cookie, body);
        let mut raw = Vec::new();
        if let Err(e) = s.read_to_end(&mut raw) {
            // A reset after the answer arrived (the body was not read) is still an answer.
            assert!(!raw.is_empty(), "{method} {path}: {e}");
        }
        let text = String::from_utf8_lossy(&raw).to_string();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        Answer {
            status: status_of(head),
            head: head.to_string(),
            body: body.to_string(),
        }
    }

    /// `raw` (a whole request as written, headers included) on a fresh connection; the answer
    /// read until the server closes it.
    pub fn exchange(&self, raw: &str) -> Answer {
        let mut s = TcpStream::connect(&self.addr).expect("connect to the kiosk");
        s.set_read_timeout(Some(Duration::from_secs(60)))
            .expect("read timeout");
        s.write_all(raw.as_bytes()).expect("request written");
        let mut got = Vec::new();
        if let Err(e) = s.read_to_end(&mut got) {
            assert!(!got.is_empty(), "{raw:?}: {e}");
        }
        let text = String::from_utf8_lossy(&got).to_string();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        Answer {
            status: status_of(head),
            head: head.to_string(),
            body: body.to_string(),
        }
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
        self.request_raw(method, path, Some(ctype), cookie, body.as_bytes())
    }

    /// A JSON request, whatever its status.
    pub fn json(&self, method: &str, path: &str, body: &Value) -> Answer {
        self.request(method, path, "application/json", &body.to_string())
    }

    /// Only the status line and headers (for endless answers such as server-sent events);
    /// the body is left unread.
    pub fn head_only(&self, method: &str, path: &str) -> Answer {
        let s = self.send(method, path, None, None, b"");
        s.set_read_timeout(Some(Duration::from_secs(10)))
            .expect("read timeout");
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
        Answer {
            status: status_of(&head),
            head: head.trim_end().to_string(),
            body: String::new(),
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
    pub fn api(&self, method: &str, path: &str, body: impl std::borrow::Borrow<Value>) -> Value {
        let a = self.request(method, path, "application/json", &body.borrow().to_string());
        assert!(a.status < 400, "{method} {path}: {} {}", a.status, a.body);
        serde_json::from_str(&a.body).unwrap_or(Value::Null)
    }

    /// A loss report (报失) for the person on the simulated ID card `person`, confirmed: the
    /// done page (asserted), before anything is printed.
    pub fn report_loss(&self, person: &str) -> Value {
        self.api(
            "POST",
            "/api/session/start",
            serde_json::json!({ "business": "report_loss" }),
        );
        self.api(
            "POST",
            "/api/sim/idcard",
            serde_json::json!({ "person": person }),
        );
        let page = self.api(
            "POST",
            "/api/session/event",
            serde_json::json!({ "action": "confirm" }),
        );
        assert_eq!(kind(&page), "done", "{page}");
        page
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

    /// The identity step (人证核验, issue 19) passed with a live match: the simulated camera
    /// shows its `live` scene, the citizen consents, and the match's result comes (a debug
    /// build on a loaded machine: up to a few minutes). Returns the screen after the step.
    pub fn pass_identity(&self) -> Value {
        self.api(
            "POST",
            "/api/sim/face",
            serde_json::json!({ "scene": "live" }),
        );
        let page = self.api(
            "POST",
            "/api/session/event",
            serde_json::json!({ "action": "face_accept" }),
        );
        assert_eq!(kind(&page), "face", "{page}");
        eventually("the face match's result", || {
            let p = self.screen();
            if kind(&p) == "face" {
                Err(p.to_string())
            } else {
                Ok(p)
            }
        })
    }

    /// Confirms the business on its confirm screen `page`: an irreversible one (issue 17)
    /// takes two touches, "I have read this" first. Returns the page after the confirmation.
    pub fn confirm(&self, page: &Value) -> Value {
        if page["screen"]["irreversible"] == true {
            self.api(
                "POST",
                "/api/session/event",
                serde_json::json!({ "action": "acknowledge" }),
            );
        }
        self.api(
            "POST",
            "/api/session/event",
            serde_json::json!({ "action": "confirm" }),
        )
    }

    /// The photo step with the simulator's `good` scene: the shot taken, shown (the photo
    /// check, issue 22) and used. Returns the screen after the step.
    pub fn take_photo(&self) -> Value {
        self.api(
            "POST",
            "/api/sim/scene",
            serde_json::json!({ "scene": "good" }),
        );
        let before = self.api(
            "POST",
            "/api/session/event",
            serde_json::json!({ "action": "photo" }),
        );
        let shown = |p: &Value| p["screen"]["ask"]["taken"].is_string();
        if !shown(&before) {
            self.wait_screen("the photo shown", shown);
        }
        self.api(
            "POST",
            "/api/session/event",
            serde_json::json!({ "action": "photo_use" }),
        )
    }

    /// The citizen takes back the card and the ID card (the `take_cards` screen at the end of
    /// a session stays until both are out, issue 22); returns the screen once it is home.
    pub fn take_cards(&self) -> Value {
        self.request("DELETE", "/api/sim/card", "text/plain", "");
        self.request("DELETE", "/api/sim/idcard", "text/plain", "");
        self.wait_screen("home after take_cards", |p| kind(p) == "home")
    }

    /// A page that ended a session: `take_cards` while cards are in, then (cards taken) home.
    pub fn home_after(&self, page: Value) -> Value {
        if kind(&page) == "take_cards" {
            self.take_cards()
        } else {
            page
        }
    }
}

fn status_of(head: &str) -> u16 {
    head.split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

/// The screen kind of a JSON page (`home`, `ask`, `confirm`, …).
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
