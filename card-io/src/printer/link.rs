//! The byte pipes a receipt printer comes on: a serial port, the USB printer class (a
//! character device such as `/dev/usb/lp0`, Linux's `usblp`), or raw TCP (port 9100). The
//! same ESC/POS goes over each; what each can tell about the printer differs:
//!
//! | link | printer's DLE EOT answers | besides | silence |
//! |---|---|---|---|
//! | serial | yes (paper ok/near end/out, online) | — | no answer within the timeout |
//! | USB printer class | only from a bidirectional printer; a unidirectional one cannot answer (reads are refused) | IEEE 1284 port status from the `usblp` driver on every printer (`LPGETSTATUS`): paper out, selected (online), error — no near end | no answer within the timeout; unplugged: the device fails |
//! | raw TCP | yes, on the same connection | — | no answer within the timeout; unreachable or reset: the connection fails |
//!
//! [`PrinterLink`] is what [`super::Printer`] needs of each: timed reads and writes, dropping
//! stale input, and the port status where there is one.

use std::fs::{File, OpenOptions};
use std::io::{self, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serialport::{ClearBuffer, SerialPort};

/// The raw TCP port of network receipt printers (AppSocket / JetDirect).
pub const RAW_TCP_PORT: u16 = 9100;

/// `LPGETSTATUS` (linux/lp.h): the IEEE 1284 status byte of a printer port.
const LPGETSTATUS: u64 = 0x060b;

/// Where the receipt printer is: the configuration's `[devices]` choice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrinterTarget {
    /// A serial port, at `PrinterConfig::baud_rate`.
    Serial { port: String },
    /// A USB printer-class character device (`/dev/usb/lp0`, or a udev name for it).
    Usb { device: String },
    /// A network printer's raw port: `host:port`, or `host` for port 9100.
    Tcp { address: String },
}

impl std::fmt::Display for PrinterTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PrinterTarget::Serial { port } => write!(f, "{port}"),
            PrinterTarget::Usb { device } => write!(f, "{device} (USB printer)"),
            PrinterTarget::Tcp { address } => write!(f, "tcp://{address}"),
        }
    }
}

/// A byte pipe to a printer.
pub trait PrinterLink: Read + Write + Send {
    /// Bounds every later read and write: past it they fail with `TimedOut`/`WouldBlock`.
    fn set_timeout(&mut self, timeout: Duration) -> io::Result<()>;
    /// Drops bytes that arrived and were not read (a late answer to an earlier query).
    fn clear_input(&mut self) -> io::Result<()>;
    /// The IEEE 1284 status byte the link itself reports (USB printer class); `None` when
    /// it has none.
    fn port_status(&mut self) -> io::Result<Option<u8>> {
        Ok(None)
    }
    /// For messages.
    fn describe(&self) -> String;
}

impl PrinterLink for Box<dyn SerialPort> {
    fn set_timeout(&mut self, timeout: Duration) -> io::Result<()> {
        SerialPort::set_timeout(self.as_mut(), timeout).map_err(io::Error::from)
    }
    fn clear_input(&mut self) -> io::Result<()> {
        self.clear(ClearBuffer::Input).map_err(io::Error::from)
    }
    fn describe(&self) -> String {
        self.name().unwrap_or_else(|| "serial port".into())
    }
}

/// `host:port` (or `host`, for port 9100) to socket addresses.
pub fn tcp_addresses(address: &str) -> io::Result<Vec<SocketAddr>> {
    let with_port = match address.rsplit_once(':') {
        // `host:port`, `[v6]:port`; a bare IPv6 address has more colons and no brackets.
        Some((host, port)) if !host.contains(':') || host.ends_with(']') => {
            if port.parse::<u16>().is_err() {
                return Err(io::Error::new(
                    ErrorKind::InvalidInput,
                    format!("{address:?}: port {port:?} is not a number"),
                ));
            }
            address.to_owned()
        }
        _ if address.contains(':') => format!("[{address}]:{RAW_TCP_PORT}"),
        _ => format!("{address}:{RAW_TCP_PORT}"),
    };
    Ok(with_port.to_socket_addrs()?.collect())
}

/// A network printer's raw port.
#[derive(Debug)]
pub struct TcpLink {
    stream: TcpStream,
    peer: String,
}

impl TcpLink {
    /// Connects to `address` (`host:port` or `host`), each address tried within `timeout`.
    pub fn connect(address: &str, timeout: Duration) -> io::Result<TcpLink> {
        let mut last = io::Error::new(ErrorKind::NotFound, format!("{address:?}: no address"));
        for addr in tcp_addresses(address)? {
            match TcpStream::connect_timeout(&addr, timeout) {
                Ok(stream) => {
                    // Receipts are small and status queries want their answer now.
                    stream.set_nodelay(true)?;
                    return Ok(TcpLink {
                        stream,
                        peer: addr.to_string(),
                    });
                }
                Err(e) => last = e,
            }
        }
        Err(last)
    }
}

impl Read for TcpLink {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.stream.read(buf)
    }
}

impl Write for TcpLink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.stream.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.stream.flush()
    }
}

impl PrinterLink for TcpLink {
    fn set_timeout(&mut self, timeout: Duration) -> io::Result<()> {
        let t = Some(timeout.max(Duration::from_millis(1)));
        self.stream.set_read_timeout(t)?;
        self.stream.set_write_timeout(t)
    }
    fn clear_input(&mut self) -> io::Result<()> {
        self.stream.set_nonblocking(true)?;
        let mut buf = [0u8; 256];
        let result = loop {
            match self.stream.read(&mut buf) {
                Ok(0) => {
                    break Err(io::Error::new(
                        ErrorKind::ConnectionReset,
                        "the printer closed the connection",
                    ))
                }
                Ok(_) => continue,
                Err(e) if e.kind() == ErrorKind::WouldBlock => break Ok(()),
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => break Err(e),
            }
        };
        self.stream.set_nonblocking(false)?;
        result
    }
    fn describe(&self) -> String {
        format!("tcp://{}", self.peer)
    }
}

/// A USB printer-class device (`usblp`), opened non-blocking; reads and writes wait with
/// `poll(2)` for at most the timeout.
#[derive(Debug)]
pub struct UsbLpLink {
    file: File,
    path: PathBuf,
    timeout: Duration,
}

impl UsbLpLink {
    pub fn open(path: impl AsRef<Path>) -> io::Result<UsbLpLink> {
        let path = path.as_ref().to_path_buf();
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
            .open(&path)?;
        Ok(UsbLpLink {
            file,
            path,
            timeout: Duration::from_millis(500),
        })
    }

    /// Waits until the device is ready for `events`, at most the timeout.
    #[allow(unsafe_code, reason = "poll(2)")]
    fn wait(&self, events: libc::c_short) -> io::Result<()> {
        let mut pfd = libc::pollfd {
            fd: self.file.as_raw_fd(),
            events,
            revents: 0,
        };
        let ms = libc::c_int::try_from(self.timeout.as_millis()).unwrap_or(libc::c_int::MAX);
        // SAFETY: one valid, initialised pollfd that lives across the call; count 1.
        let n = unsafe { libc::poll(&mut pfd, 1, ms) };
        match n {
            n if n < 0 => Err(io::Error::last_os_error()),
            0 => Err(io::Error::new(
                ErrorKind::TimedOut,
                "printer device not ready",
            )),
            _ => Ok(()),
        }
    }

    /// `usblp` refuses reads from a unidirectional printer with `EINVAL`: no answers will
    /// come, which is not silence.
    fn refused(e: io::Error) -> io::Error {
        if e.raw_os_error() == Some(libc::EINVAL) {
            io::Error::new(
                ErrorKind::Unsupported,
                "the printer's USB interface is one-way: it cannot answer status queries",
            )
        } else {
            e
        }
    }
}

impl Read for UsbLpLink {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.file.read(buf) {
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                self.wait(libc::POLLIN)?;
                self.file.read(buf).map_err(UsbLpLink::refused)
            }
            other => other.map_err(UsbLpLink::refused),
        }
    }
}

impl Write for UsbLpLink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self.file.write(buf) {
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                self.wait(libc::POLLOUT)?;
                self.file.write(buf)
            }
            other => other,
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl PrinterLink for UsbLpLink {
    fn set_timeout(&mut self, timeout: Duration) -> io::Result<()> {
        self.timeout = timeout;
        Ok(())
    }
    fn clear_input(&mut self) -> io::Result<()> {
        let mut buf = [0u8; 256];
        loop {
            match self.file.read(&mut buf) {
                Ok(0) => return Ok(()),
                Ok(_) => continue,
                Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                // A one-way printer has no input to drop.
                Err(e) if e.raw_os_error() == Some(libc::EINVAL) => return Ok(()),
                Err(e) => return Err(e),
            }
        }
    }
    #[allow(unsafe_code, reason = "the LPGETSTATUS ioctl(2)")]
    fn port_status(&mut self) -> io::Result<Option<u8>> {
        let mut status: libc::c_int = 0;
        // SAFETY: LPGETSTATUS writes one int through the pointer, which points at a live
        // c_int; on a device that does not know the request the kernel writes nothing.
        let r = unsafe {
            libc::ioctl(
                self.file.as_raw_fd(),
                LPGETSTATUS as _,
                &mut status as *mut libc::c_int,
            )
        };
        if r < 0 {
            let e = io::Error::last_os_error();
            // Not a printer port (ENOTTY, EINVAL): no port status on this device.
            return match e.raw_os_error() {
                Some(libc::ENOTTY) | Some(libc::EINVAL) => Ok(None),
                _ => Err(e),
            };
        }
        Ok(Some((status & 0xFF) as u8))
    }
    fn describe(&self) -> String {
        self.path.display().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tcp_addresses_default_to_9100() {
        let a = tcp_addresses("127.0.0.1").unwrap();
        assert_eq!(a, vec!["127.0.0.1:9100".parse().unwrap()]);
        let a = tcp_addresses("127.0.0.1:9101").unwrap();
        assert_eq!(a, vec!["127.0.0.1:9101".parse().unwrap()]);
        let a = tcp_addresses("::1").unwrap();
        assert_eq!(a, vec!["[::1]:9100".parse().unwrap()]);
        let a = tcp_addresses("[::1]:9102").unwrap();
        assert_eq!(a, vec!["[::1]:9102".parse().unwrap()]);
        assert!(tcp_addresses("127.0.0.1:lp").is_err());
    }

    #[test]
    fn a_file_that_is_no_printer_port_has_no_port_status() {
        let dir = std::env::temp_dir().join(format!("usblp-{}", std::process::id()));
        std::fs::write(&dir, b"").unwrap();
        let mut link = UsbLpLink::open(&dir).unwrap();
        assert_eq!(link.port_status().unwrap(), None);
        std::fs::remove_file(&dir).unwrap();
    }
}
