//! `kiosk serve --sim` as a child process and a minimal HTTP/1.1 client for it (one request
//! per connection), with the staff login's cookie and anti-forgery token.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running `kiosk serve --sim`; killed on drop.
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

/// Starts `kiosk serve --sim` on a free port with `extra` arguments.
pub fn serve_with(extra: &[&str]) -> Kiosk {
    let mut child = Command::new(crate::workspace_bin("kiosk"))
        .args(["serve", "--sim", "--listen", "127.0.0.1:0", "--root"])
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

/// A response: status, head (status line and headers), body.
pub struct Reply {
    pub status: u16,
    pub head: String,
    pub body: String,
}

impl Reply {
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

/// One HTTP/1.1 request with an optional cookie.
pub fn request(
    k: &Kiosk,
    method: &str,
    path: &str,
    ctype: &str,
    body: &str,
    cookie: Option<&str>,
) -> Reply {
    let mut s = TcpStream::connect(&k.addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(60)))
        .expect("a read timeout");
    let cookie = cookie
        .map(|c| format!("Cookie: {c}\r\n"))
        .unwrap_or_default();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n{cookie}Content-Type: {ctype}\r\nContent-Length: {}\r\n\r\n{body}",
        k.addr,
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
    Reply {
        status,
        head: head.to_string(),
        body: body.to_string(),
    }
}

pub fn get(k: &Kiosk, path: &str, cookie: Option<&str>) -> Reply {
    request(k, "GET", path, "text/plain", "", cookie)
}

/// A form post (`body` already URL-encoded).
pub fn post_form(k: &Kiosk, path: &str, body: &str, cookie: Option<&str>) -> Reply {
    request(
        k,
        "POST",
        path,
        "application/x-www-form-urlencoded",
        body,
        cookie,
    )
}

/// A JSON post; panics on an error status.
pub fn post_json(k: &Kiosk, path: &str, body: &serde_json::Value) -> serde_json::Value {
    let r = request(k, "POST", path, "application/json", &body.to_string(), None);
    assert!(r.status < 400, "POST {path}: {} {}", r.status, r.body);
    serde_json::from_str(&r.body).unwrap_or(serde_json::Value::Null)
}

/// An argon2id PHC string of `password` (fixed salt: tests only).
pub fn phc(password: &str) -> String {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let salt = SaltString::encode_b64(b"kiosk-test-salt!").expect("a salt");
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("a hash")
        .to_string()
}

/// Writes a `kiosk.toml` with `[[staff]]` accounts `(user, password, roles)`.
pub fn staff_config(path: &Path, accounts: &[(&str, &str, &[&str])]) {
    let mut text = String::new();
    for (user, password, roles) in accounts {
        let roles: Vec<String> = roles.iter().map(|r| format!("{r:?}")).collect();
        text.push_str(&format!(
            "[[staff]]\nuser = \"{user}\"\npassword_hash = \"{}\"\nroles = [{}]\n\n",
            phc(password),
            roles.join(", ")
        ));
    }
    std::fs::write(path, text).expect("kiosk.toml written");
}

/// Logs in; returns the session cookie (`name=value`).
pub fn login(k: &Kiosk, user: &str, password: &str) -> String {
    let body = format!("user={user}&password={}", password.replace(' ', "+"));
    let r = post_form(k, "/staff/login", &body, None);
    assert_eq!(r.status, 303, "login {user}: {}", r.body);
    r.cookie()
        .unwrap_or_else(|| panic!("no cookie for {user}: {}", r.head))
}

/// The anti-forgery token of a page's forms.
pub fn csrf(html: &str) -> String {
    html.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or_else(|| panic!("no csrf token in {html}"))
        .to_string()
}
