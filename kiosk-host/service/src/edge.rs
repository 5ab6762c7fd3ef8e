//! The security edge: what every request passes before a handler and every answer after it.
//!
//! - [`headers`]: a strict Content-Security-Policy (`default-src 'self'`, no inline script or
//!   style, `frame-ancestors 'none'`), `X-Content-Type-Options: nosniff`,
//!   `Referrer-Policy: no-referrer` on every answer, and `Cache-Control: no-store` on every
//!   answer but the static assets (pages and API answers hold the session's personal data).
//! - [`guard`]: the `Host` must be one this kiosk answers to (loopback names, the listen
//!   address; a DNS-rebinding page arrives with its own domain name and is refused), and a
//!   state-changing request (anything but GET, HEAD, OPTIONS) that says it comes from another
//!   origin (`Origin`, or `Sec-Fetch-Site: cross-site`) is refused with 403.

use std::net::SocketAddr;

use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The policy sent with every answer: only this origin's files, no inline script or style,
/// no framing, forms only to this origin.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self'; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
    form-action 'self'; frame-ancestors 'none'";

/// Adds the security headers to every answer.
pub async fn headers(req: Request, next: Next) -> Response {
    let cacheable = req.uri().path().starts_with("/static/");
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !cacheable {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// The host names a kiosk answers to: loopback names, and the address it listens on.
#[derive(Debug, Clone)]
pub struct Hosts {
    listen: SocketAddr,
}

impl Hosts {
    pub fn new(listen: SocketAddr) -> Hosts {
        Hosts { listen }
    }

    /// Whether `host` (a `Host` header or an origin's authority: name or address, with or
    /// without a port) is this kiosk.
    pub fn allows(&self, host: &str) -> bool {
        let name = strip_port(host).to_ascii_lowercase();
        let name = name.trim_end_matches('.');
        if name == "localhost" {
            return true;
        }
        let bare = name.trim_start_matches('[').trim_end_matches(']');
        match bare.parse::<std::net::IpAddr>() {
            Ok(ip) => {
                ip.is_loopback() || ip == self.listen.ip() || self.listen.ip().is_unspecified()
            }
            Err(_) => false,
        }
    }
}

/// `host` without its `:port` (IPv6 literals keep their brackets).
fn strip_port(host: &str) -> &str {
    if let Some(rest) = host.strip_prefix('[') {
        return rest.find(']').map_or(host, |i| &host[..i + 2]);
    }
    match host.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
        _ => host,
    }
}

/// Why the edge refused a request (logged; the client gets the status only).
fn refuse(path: &str, status: StatusCode, why: &str) -> Response {
    log::info!("refused at the edge: {why}");
    if path.starts_with("/api/") {
        // The JSON API's one error body, as every other API answer.
        use crate::answer::{ApiError, ErrorCode};
        let code = if status == StatusCode::FORBIDDEN {
            ErrorCode::ForeignOrigin
        } else {
            ErrorCode::WrongHost
        };
        return ApiError::new(status, code, why).into_response();
    }
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{why}\n"),
    )
        .into_response()
}

/// Whether `headers` say the request comes from a page of another origin.
fn foreign_origin(hosts: &Hosts, headers: &HeaderMap) -> Option<String> {
    let site = headers.get("sec-fetch-site").map(HeaderValue::as_bytes);
    if let Some(origin) = headers.get(header::ORIGIN) {
        let text = origin.to_str().unwrap_or("");
        // With `Referrer-Policy: no-referrer` a browser sends `Origin: null` on its own form
        // posts; it then says where the request comes from in `Sec-Fetch-Site`.
        if text == "null" {
            return match site {
                Some(b"same-origin") => None,
                _ => Some("an opaque origin".into()),
            };
        }
        let authority = text
            .strip_prefix("http://")
            .or_else(|| text.strip_prefix("https://"));
        return match authority {
            Some(a) if hosts.allows(a) => None,
            _ => Some(format!("foreign origin {text:?}")),
        };
    }
    match site {
        Some(b"cross-site") => Some("a cross-site request".into()),
        _ => None,
    }
}

/// Refuses requests for a host this kiosk is not (421) and state-changing requests from
/// another origin (403).
pub async fn guard(
    axum::extract::State(hosts): axum::extract::State<Hosts>,
    req: Request,
    next: Next,
) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| req.uri().authority().map(|a| a.as_str()));
    match host {
        Some(h) if hosts.allows(h) => {}
        Some(h) => {
            let why = format!(
                "host {:?} is not this kiosk",
                h.chars().take(80).collect::<String>()
            );
            return refuse(req.uri().path(), StatusCode::MISDIRECTED_REQUEST, &why);
        }
        None => return refuse(req.uri().path(), StatusCode::BAD_REQUEST, "no Host header"),
    }
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe {
        if let Some(why) = foreign_origin(&hosts, req.headers()) {
            return refuse(req.uri().path(), StatusCode::FORBIDDEN, &why);
        }
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_names_and_the_listen_address_are_this_kiosk() {
        let h = Hosts::new("127.0.0.1:8080".parse().expect("addr"));
        for ok in [
            "127.0.0.1:8080",
            "localhost",
            "LOCALHOST:1",
            "[::1]:80",
            "127.0.0.1",
        ] {
            assert!(h.allows(ok), "{ok}");
        }
        for no in [
            "evil.example",
            "evil.example:8080",
            "10.0.0.1:8080",
            "127.0.0.1.evil.example",
        ] {
            assert!(!h.allows(no), "{no}");
        }
        let lan = Hosts::new("192.168.1.20:80".parse().expect("addr"));
        assert!(lan.allows("192.168.1.20"));
        assert!(!lan.allows("kiosk.attacker.example"));
    }
}

/// How long a client may take to send a request's headers before its connection is closed.
pub const HEADER_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
/// The most connections one client address may hold open at once; more are closed at once.
/// (The kiosk's own browser needs a handful: pages, the script, the event stream.)
pub const MAX_CONNECTIONS_PER_CLIENT: usize = 64;

/// Open connections per client address.
#[derive(Default, Clone)]
struct Clients(
    std::sync::Arc<std::sync::Mutex<std::collections::HashMap<std::net::IpAddr, usize>>>,
);

/// One connection counted for its client until dropped.
struct Counted {
    clients: Clients,
    ip: std::net::IpAddr,
}

impl Clients {
    fn admit(&self, ip: std::net::IpAddr) -> Option<Counted> {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let n = map.entry(ip).or_insert(0);
        if *n >= MAX_CONNECTIONS_PER_CLIENT {
            return None;
        }
        *n += 1;
        Some(Counted {
            clients: self.clone(),
            ip,
        })
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        let mut map = self.clients.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = map.get_mut(&self.ip) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                map.remove(&self.ip);
            }
        }
    }
}

/// Serves `app` on `listener` until `shutdown` completes: HTTP/1.1 with a header-read
/// timeout ([`HEADER_READ_TIMEOUT`]: a client that sends a partial request and waits is
/// closed) and at most [`MAX_CONNECTIONS_PER_CLIENT`] connections per client address.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use hyper_util::service::TowerToHyperService;
    let clients = Clients::default();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of descriptors and the like: wait a moment rather than spin.
                    log::warn!("accept: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => return Ok(()),
        };
        let Some(counted) = clients.admit(peer.ip()) else {
            log::info!(
                "refused at the edge: {} has {MAX_CONNECTIONS_PER_CLIENT} connections open",
                peer.ip()
            );
            drop(stream);
            continue;
        };
        let service = TowerToHyperService::new(app.clone());
        tokio::spawn(async move {
            let _counted = counted;
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_READ_TIMEOUT);
            let conn = builder.serve_connection(TokioIo::new(stream), service);
            if let Err(e) = conn.await {
                log::debug!("connection from {peer}: {e}");
            }
        });
    }
}
