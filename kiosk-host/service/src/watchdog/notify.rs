//! A small client of systemd's notify protocol (`sd_notify(3)`), written here instead of
//! linking libsystemd: one datagram of `KEY=VALUE` lines to the unix socket named by
//! `$NOTIFY_SOCKET` (a path, or `@name` for an abstract socket). Without the variable the
//! service is not under a `Type=notify` unit and nothing is sent.
//!
//! The watchdog's interval comes from `$WATCHDOG_USEC` (set by systemd from `WatchdogSec=`),
//! for this process only when `$WATCHDOG_PID` is unset or names it.

use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;
use std::time::Duration;

/// Failures of the notify protocol.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NotifyError {
    #[error("NOTIFY_SOCKET {0:?} is neither an absolute path nor an abstract name (@name)")]
    Address(String),
    #[error("WATCHDOG_USEC {0:?} is not a positive number of microseconds")]
    WatchdogUsec(String),
    #[error("cannot make a datagram socket to tell systemd: {0}")]
    Socket(#[source] std::io::Error),
    #[error("cannot tell systemd {what:?} on {socket}: {source}")]
    Send {
        what: String,
        socket: String,
        #[source]
        source: std::io::Error,
    },
}

/// Where the notifications go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotifyAddr {
    Path(PathBuf),
    /// Linux abstract namespace (written `@name` in `$NOTIFY_SOCKET`).
    Abstract(Vec<u8>),
}

impl NotifyAddr {
    /// `$NOTIFY_SOCKET`'s value to an address.
    pub fn parse(value: &str) -> Result<NotifyAddr, NotifyError> {
        if let Some(name) = value.strip_prefix('@') {
            if !name.is_empty() {
                return Ok(NotifyAddr::Abstract(name.as_bytes().to_vec()));
            }
        } else if value.starts_with('/') {
            return Ok(NotifyAddr::Path(PathBuf::from(value)));
        }
        Err(NotifyError::Address(value.to_string()))
    }
}

impl std::fmt::Display for NotifyAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotifyAddr::Path(p) => write!(f, "{}", p.display()),
            NotifyAddr::Abstract(name) => write!(f, "@{}", String::from_utf8_lossy(name)),
        }
    }
}

/// The watchdog interval systemd asks for: `WATCHDOG_USEC` when `WATCHDOG_PID` is unset or
/// is `me`; `None` without a watchdog (or one meant for another process).
pub fn watchdog_interval(
    usec: Option<&str>,
    pid: Option<&str>,
    me: u32,
) -> Result<Option<Duration>, NotifyError> {
    let Some(usec) = usec else { return Ok(None) };
    if let Some(pid) = pid {
        if pid.trim().parse::<u32>().ok() != Some(me) {
            return Ok(None);
        }
    }
    match usec.trim().parse::<u64>() {
        Ok(n) if n > 0 => Ok(Some(Duration::from_micros(n))),
        _ => Err(NotifyError::WatchdogUsec(usec.to_string())),
    }
}

/// A notify socket client.
#[derive(Debug)]
pub struct Notifier {
    socket: UnixDatagram,
    addr: NotifyAddr,
}

impl Notifier {
    /// From `$NOTIFY_SOCKET`; `None` when it is unset (not under systemd's notify).
    pub fn from_env() -> Result<Option<Notifier>, NotifyError> {
        match std::env::var("NOTIFY_SOCKET") {
            Ok(v) if !v.is_empty() => Notifier::new(NotifyAddr::parse(&v)?).map(Some),
            _ => Ok(None),
        }
    }

    /// A client sending to `addr`.
    pub fn new(addr: NotifyAddr) -> Result<Notifier, NotifyError> {
        let socket = UnixDatagram::unbound().map_err(NotifyError::Socket)?;
        Ok(Notifier { socket, addr })
    }

    /// Sends `state` (`READY=1`, `WATCHDOG=1`, `STATUS=…`, lines joined by `\n`).
    pub fn notify(&self, state: &str) -> Result<(), NotifyError> {
        let sent = match &self.addr {
            NotifyAddr::Path(p) => self.socket.send_to(state.as_bytes(), p),
            NotifyAddr::Abstract(name) => {
                use std::os::linux::net::SocketAddrExt;
                std::os::unix::net::SocketAddr::from_abstract_name(name)
                    .and_then(|a| self.socket.send_to_addr(state.as_bytes(), &a))
            }
        };
        sent.map(|_| ()).map_err(|source| NotifyError::Send {
            what: state.to_string(),
            socket: self.addr.to_string(),
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socket_addresses_and_watchdog_settings_parse_as_systemd_sets_them() {
        assert_eq!(
            NotifyAddr::parse("/run/systemd/notify").ok(),
            Some(NotifyAddr::Path("/run/systemd/notify".into()))
        );
        assert_eq!(
            NotifyAddr::parse("@/org/freedesktop/systemd1/notify/1").ok(),
            Some(NotifyAddr::Abstract(
                b"/org/freedesktop/systemd1/notify/1".to_vec()
            ))
        );
        for bad in ["", "@", "relative/path", "vsock:2:1234"] {
            assert!(NotifyAddr::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(watchdog_interval(None, None, 7).ok(), Some(None));
        assert_eq!(
            watchdog_interval(Some("30000000"), None, 7).ok(),
            Some(Some(Duration::from_secs(30)))
        );
        assert_eq!(
            watchdog_interval(Some("30000000"), Some("7"), 7).ok(),
            Some(Some(Duration::from_secs(30)))
        );
        // Meant for another process (a child systemd started beside us).
        assert_eq!(
            watchdog_interval(Some("30000000"), Some("8"), 7).ok(),
            Some(None)
        );
        assert!(watchdog_interval(Some("0"), None, 7).is_err());
        assert!(watchdog_interval(Some("soon"), None, 7).is_err());
    }

    #[test]
    fn a_notification_arrives_as_one_datagram_on_a_path_and_an_abstract_socket() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("notify");
        let listener = UnixDatagram::bind(&path).expect("bind");
        let n = Notifier::new(NotifyAddr::Path(path)).expect("client");
        n.notify("READY=1\nSTATUS=serving").expect("sent");
        let mut buf = [0u8; 256];
        let len = listener.recv(&mut buf).expect("received");
        assert_eq!(&buf[..len], b"READY=1\nSTATUS=serving");

        use std::os::linux::net::SocketAddrExt;
        let name = format!("kiosk-notify-test-{}", std::process::id());
        let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes())
            .expect("abstract address");
        let listener = UnixDatagram::bind_addr(&addr).expect("bind abstract");
        let n =
            Notifier::new(NotifyAddr::parse(&format!("@{name}")).expect("addr")).expect("client");
        n.notify("WATCHDOG=1").expect("sent");
        let len = listener.recv(&mut buf).expect("received");
        assert_eq!(&buf[..len], b"WATCHDOG=1");
        // Nobody listening: an error naming the socket, never a panic.
        drop(listener);
        let err = n.notify("WATCHDOG=1").expect_err("no listener");
        assert!(err.to_string().contains(&name), "{err}");
    }
}
