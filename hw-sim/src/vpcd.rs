//! The virtual-card side of vsmartcard's vpcd protocol: `pcscd`'s vpcd driver listens on
//! 127.0.0.1:35963 (slot 0) / 35964 (slot 1), and the card connects to it.
//!
//! Framing, both directions: 2-byte big-endian length ‖ payload. A 1-byte payload from
//! vpcd is a control code (0 power off, 1 power on, 2 reset, 4 get ATR — answered with the
//! ATR, framed); a longer payload is a command APDU, answered with the response APDU.
//! Connecting is card insertion; closing the socket is removal.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::device::{PullPoint, SimDevice};

/// vpcd's port for reader slot 0.
pub const VPCD_PORT_SLOT0: u16 = 35963;
/// vpcd's port for reader slot 1.
pub const VPCD_PORT_SLOT1: u16 = 35964;

/// How long a read waits before the thread looks at its flags again.
const READ_TIMEOUT: Duration = Duration::from_millis(50);
/// Pause between connection attempts while vpcd is not listening.
const RETRY_PAUSE: Duration = Duration::from_millis(100);
const CONNECT_TIMEOUT: Duration = Duration::from_millis(500);

/// vpcd control codes (1-byte payloads).
const CTRL_POWER_OFF: u8 = 0;
const CTRL_POWER_ON: u8 = 1;
const CTRL_RESET: u8 = 2;
const CTRL_GET_ATR: u8 = 4;

struct Shared {
    addr: SocketAddr,
    device: Mutex<Box<dyn SimDevice>>,
    inserted: AtomicBool,
    stop: AtomicBool,
    connected: AtomicBool,
    /// Bumped by remove/replace: the thread drops a connection of an older generation.
    generation: AtomicU64,
    /// A handle on the live socket, to shut it down from outside the thread.
    stream: Mutex<Option<TcpStream>>,
    /// An armed pull: command APDUs still answered before it, and where it lands.
    pull: Mutex<Option<(usize, PullPoint)>>,
}

fn lock<T: ?Sized>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Shared {
    fn drop_connection(&self) {
        if let Some(s) = lock(&self.stream).take() {
            // Already closed sockets fail here; nothing more to do about them.
            let _ = s.shutdown(Shutdown::Both);
        }
        self.connected.store(false, Ordering::SeqCst);
    }
}

/// A simulated device attached to vpcd, on its own thread.
pub struct VpcdBridge {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl VpcdBridge {
    /// Attaches `device` to vpcd at 127.0.0.1:`port`, inserted. The thread connects
    /// (retrying while vpcd is not listening) and reconnects when the connection drops.
    pub fn start(port: u16, device: Box<dyn SimDevice>) -> VpcdBridge {
        VpcdBridge::start_at(SocketAddr::from(([127, 0, 0, 1], port)), device)
    }

    /// As [`VpcdBridge::start`], at any address.
    pub(crate) fn start_at(addr: SocketAddr, device: Box<dyn SimDevice>) -> VpcdBridge {
        let shared = Arc::new(Shared {
            addr,
            device: Mutex::new(device),
            inserted: AtomicBool::new(true),
            stop: AtomicBool::new(false),
            connected: AtomicBool::new(false),
            generation: AtomicU64::new(0),
            stream: Mutex::new(None),
            pull: Mutex::new(None),
        });
        let worker = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name(format!("vpcd-{}", addr.port()))
            .spawn(move || run(&worker))
            .ok();
        if thread.is_none() {
            log::error!("vpcd {addr}: cannot start the bridge thread");
        }
        VpcdBridge { shared, thread }
    }

    /// The vpcd address.
    pub fn addr(&self) -> SocketAddr {
        self.shared.addr
    }

    /// Removes the card: closes the socket; the device keeps its state for [`insert`].
    ///
    /// [`insert`]: VpcdBridge::insert
    pub fn remove(&self) {
        self.shared.inserted.store(false, Ordering::SeqCst);
        self.shared.generation.fetch_add(1, Ordering::SeqCst);
        self.shared.drop_connection();
        lock(&self.shared.device).power_off();
    }

    /// Pulls the card in the middle of the (n+1)th command APDU from now: the socket closes
    /// as pcscd waits for the answer, exactly as a card leaving the field looks to the
    /// reader. With [`PullPoint::InAnswer`] the command runs on the card first. The pull
    /// happens on the bridge's own thread, so it lands on that APDU whatever the timing.
    /// The device keeps its state for [`insert`]. `usize::MAX` disarms.
    ///
    /// [`insert`]: VpcdBridge::insert
    pub fn pull_after(&self, n: usize, point: PullPoint) {
        *lock(&self.shared.pull) = (n != usize::MAX).then_some((n, point));
    }

    /// Inserts the card again (the thread connects to vpcd).
    pub fn insert(&self) {
        self.shared.inserted.store(true, Ordering::SeqCst);
    }

    /// True while the card is meant to be in the reader.
    pub fn is_inserted(&self) -> bool {
        self.shared.inserted.load(Ordering::SeqCst)
    }

    /// Swaps in another device; when inserted, vpcd sees a removal and a new insertion.
    pub fn replace(&self, device: Box<dyn SimDevice>) {
        *lock(&self.shared.device) = device;
        self.shared.generation.fetch_add(1, Ordering::SeqCst);
        self.shared.drop_connection();
    }

    /// Runs `f` on the device.
    pub fn with_device<R>(&self, f: impl FnOnce(&mut dyn SimDevice) -> R) -> R {
        let mut dev = lock(&self.shared.device);
        f(dev.as_mut())
    }

    /// True while connected to vpcd.
    pub fn is_connected(&self) -> bool {
        self.shared.connected.load(Ordering::SeqCst)
    }

    /// Stops the thread and closes the connection.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.shared.drop_connection();
        if let Some(t) = self.thread.take() {
            if t.join().is_err() {
                log::error!("vpcd {}: bridge thread panicked", self.shared.addr);
            }
        }
    }
}

impl Drop for VpcdBridge {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Re-arms TCP quick ACKs: Linux falls back to delayed ACKs after each exchange, which costs
/// ~40 ms per APDU against vpcd's small writes.
fn quickack(stream: &TcpStream) {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if let Err(e) = socket2::SockRef::from(stream).set_quickack(true) {
        log::debug!("TCP_QUICKACK: {e}");
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    let _ = stream;
}

/// With nothing listening on vpcd's port, a connection whose ephemeral source port happens
/// to be that very port connects to itself (TCP simultaneous open) and then holds the port
/// pcscd's vpcd driver must listen on ("Address already in use" in pcscd's log, every reader
/// gone). Such a connection is reset (leaving no TIME_WAIT on the port) and refused.
fn not_to_itself(stream: TcpStream) -> std::io::Result<TcpStream> {
    let addr = stream.peer_addr()?;
    if stream.local_addr()? != addr {
        return Ok(stream);
    }
    let _ = socket2::SockRef::from(&stream).set_linger(Some(Duration::ZERO));
    drop(stream);
    Err(std::io::Error::new(
        std::io::ErrorKind::ConnectionRefused,
        format!("{addr}: connected to itself; vpcd is not listening"),
    ))
}

fn connect(shared: &Shared) -> std::io::Result<TcpStream> {
    let stream = not_to_itself(TcpStream::connect_timeout(&shared.addr, CONNECT_TIMEOUT)?)?;
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(READ_TIMEOUT))?;
    quickack(&stream);
    Ok(stream)
}

fn run(shared: &Shared) {
    let mut conn: Option<(TcpStream, u64)> = None;
    let mut buf = Vec::new();
    let mut tmp = [0u8; 4096];
    let mut last_error: Option<String> = None;
    while !shared.stop.load(Ordering::SeqCst) {
        let generation = shared.generation.load(Ordering::SeqCst);
        if !shared.inserted.load(Ordering::SeqCst)
            || conn.as_ref().is_some_and(|(_, g)| *g != generation)
        {
            if conn.take().is_some() {
                shared.drop_connection();
                log::info!("vpcd {}: card removed", shared.addr);
            }
            if !shared.inserted.load(Ordering::SeqCst) {
                std::thread::sleep(READ_TIMEOUT);
                continue;
            }
        }
        let stream = match &conn {
            Some((s, _)) => s,
            None => match connect(shared) {
                Ok(s) => {
                    log::info!("vpcd {}: card inserted (connected)", shared.addr);
                    last_error = None;
                    buf.clear();
                    *lock(&shared.stream) = s.try_clone().ok();
                    shared.connected.store(true, Ordering::SeqCst);
                    &conn.insert((s, generation)).0
                }
                Err(e) => {
                    let msg = e.to_string();
                    if last_error.as_deref() != Some(msg.as_str()) {
                        log::info!("vpcd {}: not reachable ({msg}); retrying", shared.addr);
                        last_error = Some(msg);
                    }
                    std::thread::sleep(RETRY_PAUSE);
                    continue;
                }
            },
        };
        quickack(stream);
        let mut reader: &TcpStream = stream;
        match reader.read(&mut tmp) {
            Ok(0) => {
                log::info!(
                    "vpcd {}: connection closed by vpcd; reconnecting",
                    shared.addr
                );
                conn = None;
                shared.drop_connection();
                lock(&shared.device).power_off();
                std::thread::sleep(RETRY_PAUSE);
            }
            Ok(n) => {
                buf.extend_from_slice(&tmp[..n]);
                if let Err(e) = serve_frames(shared, stream, &mut buf) {
                    log::info!("vpcd {}: write failed ({e}); reconnecting", shared.addr);
                    conn = None;
                    shared.drop_connection();
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
                ) => {}
            Err(e) => {
                log::info!("vpcd {}: read failed ({e}); reconnecting", shared.addr);
                conn = None;
                shared.drop_connection();
                std::thread::sleep(RETRY_PAUSE);
            }
        }
    }
    shared.drop_connection();
}

/// Answers every complete frame in `buf`, leaving a partial one there.
fn serve_frames(shared: &Shared, stream: &TcpStream, buf: &mut Vec<u8>) -> std::io::Result<()> {
    while buf.len() >= 2 {
        let len = usize::from(u16::from_be_bytes([buf[0], buf[1]]));
        if buf.len() < 2 + len {
            break;
        }
        let payload: Vec<u8> = buf.drain(..2 + len).skip(2).collect();
        if let Some(answer) = answer(shared, &payload) {
            let mut frame = Vec::with_capacity(answer.len() + 2);
            frame.extend_from_slice(&(answer.len() as u16).to_be_bytes());
            frame.extend_from_slice(&answer);
            let mut writer: &TcpStream = stream;
            writer.write_all(&frame)?;
        }
    }
    Ok(())
}

/// The answer to one vpcd payload, if it has one.
fn answer(shared: &Shared, payload: &[u8]) -> Option<Vec<u8>> {
    let mut dev = lock(&shared.device);
    match payload {
        [] => None,
        [CTRL_POWER_OFF] => {
            dev.power_off();
            None
        }
        [CTRL_POWER_ON] | [CTRL_RESET] => {
            dev.reset();
            None
        }
        [CTRL_GET_ATR] => Some(dev.atr()),
        [other] => {
            log::debug!("vpcd {}: unknown control code {other:02X}", shared.addr);
            None
        }
        apdu => {
            let point = {
                let mut pull = lock(&shared.pull);
                match pull.as_mut() {
                    Some((0, point)) => {
                        let point = *point;
                        *pull = None;
                        Some(point)
                    }
                    Some((n, _)) => {
                        *n -= 1;
                        None
                    }
                    None => None,
                }
            };
            match point {
                None => Some(dev.process(apdu)),
                Some(point) => {
                    if point == PullPoint::InAnswer {
                        dev.process(apdu);
                    }
                    shared.inserted.store(false, Ordering::SeqCst);
                    shared.generation.fetch_add(1, Ordering::SeqCst);
                    shared.drop_connection();
                    dev.power_off();
                    log::info!("vpcd {}: card pulled ({point:?})", shared.addr);
                    None
                }
            }
        }
    }
}

#[cfg(test)]
mod self_connect_tests {
    use super::*;

    /// A socket bound to a port and connected to that same port: the self-connection the
    /// kernel can make by chance when vpcd is not listening.
    fn self_connected() -> (TcpStream, SocketAddr) {
        let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)
            .expect("socket");
        socket
            .bind(&SocketAddr::from(([127, 0, 0, 1], 0)).into())
            .expect("bind");
        let addr = socket
            .local_addr()
            .expect("local address")
            .as_socket()
            .expect("an IP address");
        socket.connect(&addr.into()).expect("connects to itself");
        (socket.into(), addr)
    }

    #[test]
    fn a_connection_to_itself_is_refused_and_frees_the_port_at_once() {
        let (stream, addr) = self_connected();
        let e = not_to_itself(stream).expect_err("refused");
        assert_eq!(e.kind(), std::io::ErrorKind::ConnectionRefused);
        assert!(e.to_string().contains("connected to itself"), "{e}");
        // pcscd's vpcd (which binds without SO_REUSEADDR, unlike std's listeners) can listen
        // there now: no TIME_WAIT holds the port.
        let listener = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)
            .expect("socket");
        listener.bind(&addr.into()).expect("the port is free");
    }

    #[test]
    fn a_connection_to_a_listener_is_kept() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("listener");
        let stream = TcpStream::connect(listener.local_addr().expect("address")).expect("connect");
        assert!(not_to_itself(stream).is_ok());
    }
}
